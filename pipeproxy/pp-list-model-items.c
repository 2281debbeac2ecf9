/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-list-model-private.h"
#include "pp-marshal-private.h"

/* The listener's side of a GListModel read in batches: one call gives
 * the count and up to PP_LIST_MODEL_MAX_BATCH items, which the invocation
 * exports as it exports any method's objects (within
 * PpListener:max-objects). A proxy needs nothing else to keep a cache
 * exact: the model's items-changed, forwarded in order with the replies. */

static GVariant *
list_items (GObject    *object,
            GVariant   *parameters,
            GPtrArray **out_objects,
            GError    **error)
{
  GListModel *model = G_LIST_MODEL (object);
  guint n_items = g_list_model_get_n_items (model);
  GVariantBuilder items;
  guint position, count;

  g_variant_get (parameters, "(uu)", &position, &count);
  count = MIN (count, PP_LIST_MODEL_MAX_BATCH);
  g_variant_builder_init (&items, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < count && position < n_items && i < n_items - position; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, position + i);

      /* A model that gives fewer than it counts: what it gave */
      if (item == NULL)
        break;
      g_variant_builder_add_value (&items, pp_marshal_object_to_path (item, out_objects, NULL));
    }
  return g_variant_new ("(u@ao)", n_items, g_variant_builder_end (&items));
}

static gpointer
make_method (gpointer data)
{
  return pp_method_new_builtin (PP_LIST_MODEL_ITEMS_METHOD,
                                G_VARIANT_TYPE (PP_LIST_MODEL_ITEMS_IN),
                                G_VARIANT_TYPE (PP_LIST_MODEL_ITEMS_OUT), list_items);
}

PpMethod *
pp_list_model_items_lookup (GType       type,
                            const char *name)
{
  static GOnce once = G_ONCE_INIT;

  if (strcmp (name, PP_LIST_MODEL_ITEMS_METHOD) != 0 || !g_type_is_a (type, G_TYPE_LIST_MODEL))
    return NULL;
  return pp_method_ref (g_once (&once, make_method, NULL));
}

void
pp_list_model_items_describe (GType          type,
                              PpDescription *description)
{
  if (g_type_is_a (type, G_TYPE_LIST_MODEL))
    pp_description_add_method (description, PP_LIST_MODEL_ITEMS_METHOD,
                               PP_LIST_MODEL_ITEMS_IN, PP_LIST_MODEL_ITEMS_OUT, TRUE,
                               PP_METHOD_DISPATCH_ADDED);
}
