/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-marshal-rules-private.h"

/* GList, GSList, GPtrArray and GHashTable.
 *
 * Their items are pointers: strings and boxed values as they are, numbers
 * of up to 32 bits (and GTypes) packed into one, as GObject-Introspection
 * lays them out. */

static void
item_get (const PpTypeDesc *item,
          gpointer          data,
          PpArgValue       *value)
{
  memset (value, 0, sizeof *value);
  switch ((int) item->tag)
    {
    case PP_TAG_BOOLEAN: value->v_boolean = GPOINTER_TO_INT (data); break;
    case PP_TAG_INT8:    value->v_int8 = (gint8) GPOINTER_TO_INT (data); break;
    case PP_TAG_UINT8:   value->v_uint8 = (guint8) GPOINTER_TO_UINT (data); break;
    case PP_TAG_INT16:   value->v_int16 = (gint16) GPOINTER_TO_INT (data); break;
    case PP_TAG_UINT16:  value->v_uint16 = (guint16) GPOINTER_TO_UINT (data); break;
    case PP_TAG_INT32:
    case PP_TAG_ENUM:    value->v_int32 = GPOINTER_TO_INT (data); break;
    case PP_TAG_UINT32:
    case PP_TAG_UNICHAR:
    case PP_TAG_FLAGS:   value->v_uint32 = GPOINTER_TO_UINT (data); break;
    case PP_TAG_GTYPE:   value->v_size = GPOINTER_TO_SIZE (data); break;
    default:             value->v_pointer = data; break;
    }
}

static gpointer
item_put (const PpTypeDesc *item,
          const PpArgValue *value)
{
  switch ((int) item->tag)
    {
    case PP_TAG_BOOLEAN: return GINT_TO_POINTER (value->v_boolean);
    case PP_TAG_INT8:    return GINT_TO_POINTER (value->v_int8);
    case PP_TAG_UINT8:   return GUINT_TO_POINTER (value->v_uint8);
    case PP_TAG_INT16:   return GINT_TO_POINTER (value->v_int16);
    case PP_TAG_UINT16:  return GUINT_TO_POINTER (value->v_uint16);
    case PP_TAG_INT32:
    case PP_TAG_ENUM:    return GINT_TO_POINTER (value->v_int32);
    case PP_TAG_UINT32:
    case PP_TAG_UNICHAR:
    case PP_TAG_FLAGS:   return GUINT_TO_POINTER (value->v_uint32);
    case PP_TAG_GTYPE:   return GSIZE_TO_POINTER (value->v_size);
    default:             return value->v_pointer;
    }
}

/* What frees an item handed over with its container; FALSE if nothing
 * here knows (a registered boxed type) */
static gboolean
item_free_func (const PpTypeDesc *item,
                GDestroyNotify   *notify)
{
  *notify = NULL;
  if (!(pp_type_rules[item->tag].flags & PP_RULE_POINTER))
    return TRUE;
  *notify = pp_type_rules[item->tag].release;
  return *notify != NULL;
}

static GVariant *
item_to_variant (const PpTypeDesc  *item,
                 gpointer           data,
                 PpMarshalScope    *scope,
                 GError           **error)
{
  PpArgValue value;

  item_get (item, data, &value);
  return pp_marshal_to_variant (item, &value, 0, scope, error);
}

/* One item; a container-only transfer leaves the items to the scope */
static gboolean
item_from_variant (const PpTypeDesc  *item,
                   GVariant          *variant,
                   PpTransfer         transfer,
                   PpMarshalScope    *scope,
                   gpointer          *data,
                   GError           **error)
{
  PpArgValue value;

  if (!pp_marshal_from_variant (item, variant,
                                transfer == PP_TRANSFER_FULL ? PP_TRANSFER_FULL : PP_TRANSFER_NONE,
                                scope, &value, NULL, error))
    return FALSE;
  *data = item_put (item, &value);
  return TRUE;
}

static void
item_free (const PpTypeDesc *item,
           gpointer          data)
{
  PpArgValue value;

  item_get (item, data, &value);
  pp_marshal_free_value (item, &value, 0, PP_TRANSFER_FULL);
}

/* FALSE if the item cannot cross */
static gboolean
add_item (GVariantBuilder   *builder,
          const PpTypeDesc  *item,
          gpointer           data,
          PpMarshalScope    *scope,
          GError           **error)
{
  GVariant *child = item_to_variant (item, data, scope, error);

  if (child == NULL)
    return FALSE;
  g_variant_builder_add_value (builder, child);
  return TRUE;
}

static GVariant *
items_end (GVariantBuilder  *builder,
           gboolean          failed)
{
  if (failed)
    {
      g_variant_builder_clear (builder);
      return NULL;
    }
  return g_variant_builder_end (builder);
}

static void
init_array_builder (const PpTypeDesc *desc,
                    GVariantBuilder  *builder)
{
  g_autofree char *sig = pp_type_desc_dup_value_signature (desc);

  g_variant_builder_init (builder, G_VARIANT_TYPE (sig));
}

GVariant *
pp_rule_list_to_variant (const PpTypeDesc  *desc,
                         const PpArgValue  *value,
                         gsize              length,
                         PpMarshalScope    *scope,
                         GError           **error)
{
  GVariantBuilder builder;
  gboolean failed = FALSE;

  init_array_builder (desc, &builder);
  if (desc->tag == PP_TAG_LIST)
    for (GList *l = value->v_pointer; l != NULL && !failed; l = l->next)
      failed = !add_item (&builder, desc->element, l->data, scope, error);
  else
    for (GSList *l = value->v_pointer; l != NULL && !failed; l = l->next)
      failed = !add_item (&builder, desc->element, l->data, scope, error);
  return items_end (&builder, failed);
}

void
pp_marshal_free_list (const PpTypeDesc *desc,
                      gpointer          list,
                      gboolean          items)
{
  if (desc->tag == PP_TAG_LIST)
    {
      for (GList *l = list; items && l != NULL; l = l->next)
        item_free (desc->element, l->data);
      g_list_free (list);
    }
  else
    {
      for (GSList *l = list; items && l != NULL; l = l->next)
        item_free (desc->element, l->data);
      g_slist_free (list);
    }
}

gboolean
pp_rule_list_from_variant (const PpTypeDesc  *desc,
                           GVariant          *variant,
                           PpTransfer         transfer,
                           PpMarshalScope    *scope,
                           PpArgValue        *value,
                           gsize             *length,
                           GError           **error)
{
  gsize n = g_variant_n_children (variant);
  gpointer list = NULL;

  /* Built from the end, so that each item is prepended */
  for (gsize i = n; i > 0; i--)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (variant, i - 1);
      gpointer data;

      if (!item_from_variant (desc->element, child, transfer, scope, &data, error))
        {
          pp_marshal_free_list (desc, list, transfer == PP_TRANSFER_FULL);
          return FALSE;
        }
      list = desc->tag == PP_TAG_LIST ? (gpointer) g_list_prepend (list, data)
                                      : (gpointer) g_slist_prepend (list, data);
    }
  value->v_pointer = list;
  if (transfer == PP_TRANSFER_NONE)
    pp_marshal_scope_add (scope, pp_type_rules[desc->tag].release, list);
  return TRUE;
}

GVariant *
pp_rule_ptr_array_to_variant (const PpTypeDesc  *desc,
                              const PpArgValue  *value,
                              gsize              length,
                              PpMarshalScope    *scope,
                              GError           **error)
{
  GPtrArray *array = value->v_pointer;
  GVariantBuilder builder;
  gboolean failed = FALSE;

  init_array_builder (desc, &builder);
  for (guint i = 0; i < array->len && !failed; i++)
    failed = !add_item (&builder, desc->element, array->pdata[i], scope, error);
  return items_end (&builder, failed);
}

static gboolean
cannot_hand_over (const PpTypeDesc  *desc,
                  GError           **error)
{
  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("A %s of %s cannot be handed over: nothing here knows how to free its items"),
               pp_type_rules[desc->tag].name, g_type_name (desc->element->gtype));
  return FALSE;
}

/* Handed over in full, a GPtrArray frees its items itself */
gboolean
pp_rule_ptr_array_from_variant (const PpTypeDesc  *desc,
                                GVariant          *variant,
                                PpTransfer         transfer,
                                PpMarshalScope    *scope,
                                PpArgValue        *value,
                                gsize             *length,
                                GError           **error)
{
  gsize n = g_variant_n_children (variant);
  GDestroyNotify free_item = NULL;
  GPtrArray *array;

  if (transfer == PP_TRANSFER_FULL && !item_free_func (desc->element, &free_item))
    return cannot_hand_over (desc, error);

  array = g_ptr_array_new_full (n, free_item);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (variant, i);
      gpointer data;

      if (!item_from_variant (desc->element, child, transfer, scope, &data, error))
        {
          g_ptr_array_unref (array);
          return FALSE;
        }
      g_ptr_array_add (array, data);
    }
  return pp_marshal_keep_new (desc, array, transfer, scope, value);
}

GVariant *
pp_rule_hash_table_to_variant (const PpTypeDesc  *desc,
                               const PpArgValue  *value,
                               gsize              length,
                               PpMarshalScope    *scope,
                               GError           **error)
{
  GHashTableIter iter;
  GVariantBuilder builder;
  gpointer key, item;
  gboolean failed = FALSE;

  init_array_builder (desc, &builder);
  g_hash_table_iter_init (&iter, value->v_pointer);
  while (!failed && g_hash_table_iter_next (&iter, &key, &item))
    {
      GVariant *k = item_to_variant (desc->key, key, scope, error);
      GVariant *v = k ? item_to_variant (desc->element, item, scope, error) : NULL;

      if (!(failed = v == NULL))
        g_variant_builder_add_value (&builder, g_variant_new_dict_entry (k, v));
      else if (k != NULL)
        g_variant_unref (g_variant_ref_sink (k));
    }
  return items_end (&builder, failed);
}

gboolean
pp_rule_hash_table_from_variant (const PpTypeDesc  *desc,
                                 GVariant          *variant,
                                 PpTransfer         transfer,
                                 PpMarshalScope    *scope,
                                 PpArgValue        *value,
                                 gsize             *length,
                                 GError           **error)
{
  gboolean strings = desc->key->tag == PP_TAG_STRING;
  gsize n = g_variant_n_children (variant);
  GDestroyNotify free_key = NULL;
  GDestroyNotify free_item = NULL;
  GHashTable *table;

  if (transfer == PP_TRANSFER_FULL &&
      (!item_free_func (desc->key, &free_key) || !item_free_func (desc->element, &free_item)))
    return cannot_hand_over (desc, error);

  table = g_hash_table_new_full (strings ? g_str_hash : g_direct_hash,
                                 strings ? g_str_equal : g_direct_equal, free_key, free_item);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (variant, i);
      g_autoptr(GVariant) k = g_variant_get_child_value (entry, 0);
      g_autoptr(GVariant) v = g_variant_get_child_value (entry, 1);
      gpointer key, item;

      if (!item_from_variant (desc->key, k, transfer, scope, &key, error))
        {
          g_hash_table_unref (table);
          return FALSE;
        }
      if (!item_from_variant (desc->element, v, transfer, scope, &item, error))
        {
          if (free_key != NULL)
            free_key (key);
          g_hash_table_unref (table);
          return FALSE;
        }
      /* A key the peer sent twice: the table frees the second one */
      g_hash_table_insert (table, key, item);
    }
  return pp_marshal_keep_new (desc, table, transfer, scope, value);
}
