/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-marshal-private.h"

/* Liberal types: where a value of one GVariant type may stand for one of
 * another (a plain value for a maybe), and how it is widened to it. */

static gboolean
type_fits (const GVariantType *got,
           const GVariantType *expected)
{
  const GVariantType *g, *e;

  if (g_variant_type_equal (got, expected))
    return TRUE;
  if (g_variant_type_is_maybe (expected) && !g_variant_type_is_maybe (got))
    return type_fits (got, g_variant_type_element (expected));
  if (g_variant_type_is_array (got) && g_variant_type_is_array (expected))
    return type_fits (g_variant_type_element (got), g_variant_type_element (expected));
  if (g_variant_type_is_maybe (got) && g_variant_type_is_maybe (expected))
    return type_fits (g_variant_type_element (got), g_variant_type_element (expected));
  if (!(g_variant_type_is_tuple (got) && g_variant_type_is_tuple (expected)) &&
      !(g_variant_type_is_dict_entry (got) && g_variant_type_is_dict_entry (expected)))
    return FALSE;
  if (g_variant_type_n_items (got) != g_variant_type_n_items (expected))
    return FALSE;
  for (g = g_variant_type_first (got), e = g_variant_type_first (expected); g != NULL;
       g = g_variant_type_next (g), e = g_variant_type_next (e))
    {
      if (!type_fits (g, e))
        return FALSE;
    }
  return TRUE;
}

/* Exactly @expected, a tuple, but for items that are maybes of the
 * expected item */
static gboolean
result_type_fits (const GVariantType *got,
                  const GVariantType *expected)
{
  const GVariantType *g, *e;

  if (!g_variant_type_is_tuple (got) || !g_variant_type_is_tuple (expected) ||
      g_variant_type_n_items (got) != g_variant_type_n_items (expected))
    return FALSE;
  for (g = g_variant_type_first (got), e = g_variant_type_first (expected); g != NULL;
       g = g_variant_type_next (g), e = g_variant_type_next (e))
    if (!g_variant_type_equal (g, e) &&
        !(g_variant_type_is_maybe (g) && g_variant_type_equal (g_variant_type_element (g), e)))
      return FALSE;
  return TRUE;
}

gboolean
pp_marshal_type_fits (const GVariantType *got,
                      const GVariantType *expected,
                      gboolean            null_items)
{
  return null_items ? result_type_fits (got, expected) : type_fits (got, expected);
}

GVariant *
pp_marshal_widen (GVariant           *value,
                  const GVariantType *expected)
{
  g_autofree GVariant **children = NULL;
  gsize n;

  if (g_variant_is_of_type (value, expected))
    return g_variant_ref (value);
  if (g_variant_type_is_maybe (expected) && !g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    {
      g_autoptr(GVariant) inner = pp_marshal_widen (value, g_variant_type_element (expected));

      /* The maybe takes a reference of its own */
      return g_variant_ref_sink (g_variant_new_maybe (NULL, inner));
    }

  /* A container of the same kind whose items need it */
  n = g_variant_n_children (value);
  children = g_new0 (GVariant *, MAX (n, 1));
  if (g_variant_type_is_maybe (expected) || g_variant_type_is_array (expected))
    {
      const GVariantType *element = g_variant_type_element (expected);

      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

          children[i] = pp_marshal_widen (child, element);
        }
      if (g_variant_type_is_maybe (expected))
        value = g_variant_new_maybe (element, n ? children[0] : NULL);
      else
        value = g_variant_new_array (element, children, n);
    }
  else
    {
      const GVariantType *item = g_variant_type_first (expected);

      for (gsize i = 0; i < n; i++, item = g_variant_type_next (item))
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

          children[i] = pp_marshal_widen (child, item);
        }
      if (g_variant_type_is_dict_entry (expected))
        value = g_variant_new_dict_entry (children[0], children[1]);
      else
        value = g_variant_new_tuple (children, n);
    }
  for (gsize i = 0; i < n; i++)
    g_variant_unref (children[i]);
  return g_variant_ref_sink (value);
}
