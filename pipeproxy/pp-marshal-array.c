/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-marshal-rules-private.h"

/* C arrays: of a length given by another argument, of a fixed size, or
 * ending in a zero item. Items whose C layout is their GVariant array's
 * are copied whole; objects in them cross as references like any other.
 * A GOutputVector (g_output_stream_writev()) is an item only: its bytes. */

/* Room for one item: a GOutputVector is wider than a PpArgValue */
typedef union
{
  PpArgValue    value;
  GOutputVector vector;
} ArrayItem;

G_STATIC_ASSERT (sizeof (ArrayItem) >= sizeof (GOutputVector));

static gsize
zero_terminated_length (const PpTypeDesc *desc,
                        gconstpointer     data)
{
  gsize size = pp_type_rules[desc->element->tag].size;
  static const guint8 zero[16] = { 0 };
  gsize n = 0;

  if (data == NULL)
    return 0;
  while (memcmp ((const guint8 *) data + n * size, zero, size) != 0)
    n++;
  return n;
}

static gsize
array_length (const PpTypeDesc *desc,
              gconstpointer     data,
              gsize             length)
{
  if (desc->fixed_size >= 0)
    return desc->fixed_size;
  if (desc->length_arg < 0)
    return zero_terminated_length (desc, data);
  return length;
}

/* Items whose C layout is their GVariant array's are copied whole */
static gboolean
copies_whole (const PpTypeDesc *element)
{
  return (pp_type_rules[element->tag].flags & PP_RULE_RAW_ARRAY) && !element->nullable;
}

GVariant *
pp_rule_array_to_variant (const PpTypeDesc  *desc,
                          const PpArgValue  *value,
                          gsize              length,
                          PpMarshalScope    *scope,
                          GError           **error)
{
  const PpTypeDesc *element = desc->element;
  gsize size = pp_type_rules[element->tag].size;
  const guint8 *data = value->v_pointer;
  g_autofree char *sig = pp_type_desc_dup_value_signature (desc);
  GVariantBuilder builder;

  length = array_length (desc, data, length);
  if (copies_whole (element))
    return g_variant_new_fixed_array (G_VARIANT_TYPE (sig + 1), data, length, size);

  g_variant_builder_init (&builder, G_VARIANT_TYPE (sig));
  for (gsize i = 0; i < length; i++)
    {
      ArrayItem item = { 0 };
      GVariant *child;

      memcpy (&item, data + i * size, size);
      child = pp_marshal_to_variant (element, &item.value, 0, scope, error);
      if (child == NULL)
        {
          g_variant_builder_clear (&builder);
          return NULL;
        }
      g_variant_builder_add_value (&builder, child);
    }
  return g_variant_builder_end (&builder);
}

/* Items handed over in full own their contents; a container-only transfer
 * leaves the items to us. */
static gboolean
items_from_variant (const PpTypeDesc  *desc,
                    GVariant          *variant,
                    PpTransfer         transfer,
                    PpMarshalScope    *scope,
                    guint8            *data,
                    GError           **error)
{
  const PpTypeDesc *element = desc->element;
  gsize size = pp_type_rules[element->tag].size;
  PpTransfer item_transfer = transfer == PP_TRANSFER_FULL ? PP_TRANSFER_FULL : PP_TRANSFER_NONE;
  gsize n = g_variant_n_children (variant);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (variant, i);
      ArrayItem item = { 0 };

      if (!pp_marshal_from_variant (element, child, item_transfer, scope, &item.value, NULL,
                                    error))
        {
          /* Items converted so far were handed over too */
          for (gsize j = 0; j < i && item_transfer == PP_TRANSFER_FULL; j++)
            {
              PpArgValue done = { 0 };

              memcpy (&done, data + j * size, size);
              pp_marshal_free_value (element, &done, 0, PP_TRANSFER_FULL);
            }
          return FALSE;
        }
      memcpy (data + i * size, &item, size);
    }
  return TRUE;
}

gboolean
pp_rule_array_from_variant (const PpTypeDesc  *desc,
                            GVariant          *variant,
                            PpTransfer         transfer,
                            PpMarshalScope    *scope,
                            PpArgValue        *value,
                            gsize             *length,
                            GError           **error)
{
  gsize size = pp_type_rules[desc->element->tag].size;
  gsize n = g_variant_n_children (variant);
  guint8 *data;

  if (desc->fixed_size >= 0 && n != (gsize) desc->fixed_size)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Expected an array of %d items, got %llu"),
                   desc->fixed_size, (unsigned long long) n);
      return FALSE;
    }

  data = g_malloc0 (size * (n + 1));
  if (transfer == PP_TRANSFER_NONE)
    pp_marshal_scope_add (scope, g_free, data);

  if (copies_whole (desc->element) && n > 0)
    memcpy (data, g_variant_get_fixed_array (variant, &n, size), n * size);
  else if (!items_from_variant (desc, variant, transfer, scope, data, error))
    {
      if (transfer != PP_TRANSFER_NONE)
        g_free (data);
      return FALSE;
    }

  value->v_pointer = data;
  if (length != NULL)
    *length = n;
  return TRUE;
}

void
pp_marshal_free_array_items (const PpTypeDesc *desc,
                             gpointer         *items,
                             gsize             length)
{
  if (!(pp_type_rules[desc->element->tag].flags & PP_RULE_POINTER))
    return;

  length = array_length (desc, items, length);
  for (gsize i = 0; i < length; i++)
    {
      PpArgValue item = { .v_pointer = items[i] };

      pp_marshal_free_value (desc->element, &item, 0, PP_TRANSFER_FULL);
    }
}

/* GOutputVector: the bytes it points to. Coming in, it points into the
 * value, as a string does: the arguments outlive the call. */
GVariant *
pp_rule_output_vector_to_variant (const PpTypeDesc  *desc,
                                  const PpArgValue  *value,
                                  gsize              length,
                                  PpMarshalScope    *scope,
                                  GError           **error)
{
  const GOutputVector *vector = (const GOutputVector *) value;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, vector->buffer, vector->size, 1);
}

gboolean
pp_rule_output_vector_from_variant (const PpTypeDesc  *desc,
                                    GVariant          *variant,
                                    PpTransfer         transfer,
                                    PpMarshalScope    *scope,
                                    PpArgValue        *value,
                                    gsize             *length,
                                    GError           **error)
{
  GOutputVector *vector = (GOutputVector *) value;

  vector->buffer = g_variant_get_fixed_array (variant, &vector->size, 1);
  return TRUE;
}
