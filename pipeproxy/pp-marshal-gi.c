/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-marshal-rules-private.h"

/* GIArgument ⇄ GVariant: the type descriptions, the one table of type
 * rules (a row for each tag; its conversions live in a file for each
 * kind of value, see pp-marshal-rules-private.h), and the entry points
 * that go through it. */

PpTypeDesc *
pp_type_desc_new (PpTypeTag tag)
{
  PpTypeDesc *desc = g_new0 (PpTypeDesc, 1);

  desc->tag = tag;
  desc->gtype = G_TYPE_NONE;
  desc->length_arg = -1;
  desc->fixed_size = -1;
  return desc;
}

void
pp_type_desc_free (PpTypeDesc *desc)
{
  if (desc == NULL)
    return;
  g_free (desc->enum_values);
  pp_type_desc_free (desc->element);
  pp_type_desc_free (desc->key);
  g_free (desc);
}

const char *
pp_type_tag_to_string (PpTypeTag tag)
{
  return pp_type_rules[tag].name;
}

/* Without the maybe of a nullable value */
static void
append_value_signature (const PpTypeDesc *desc,
                        GString          *signature)
{
  switch ((int) desc->tag)
    {
    case PP_TAG_C_ARRAY:
    case PP_TAG_LIST:
    case PP_TAG_SLIST:
    case PP_TAG_PTR_ARRAY:
      g_string_append_c (signature, 'a');
      pp_type_desc_append_signature (desc->element, signature);
      break;
    case PP_TAG_HASH_TABLE:
      g_string_append (signature, "a{");
      pp_type_desc_append_signature (desc->key, signature);
      pp_type_desc_append_signature (desc->element, signature);
      g_string_append_c (signature, '}');
      break;
    case PP_TAG_BOXED:
      g_string_append (signature, desc->form->signature);
      break;
    default:
      g_string_append (signature, pp_type_rules[desc->tag].signature);
      break;
    }
}

void
pp_type_desc_append_signature (const PpTypeDesc *desc,
                               GString          *signature)
{
  if (desc->nullable)
    g_string_append_c (signature, 'm');
  append_value_signature (desc, signature);
}

char *
pp_type_desc_dup_value_signature (const PpTypeDesc *desc)
{
  GString *signature = g_string_new (NULL);

  append_value_signature (desc, signature);
  return g_string_free (signature, FALSE);
}

/* The rules ---------------------------------------------------------------- */

static void
value_free (gpointer value)
{
  g_boxed_free (G_TYPE_VALUE, value);
}

#define NUMBER(name, signature, c_type, flags) \
  { name, signature, sizeof (c_type), PP_RULE_NUMBER | (flags), \
    pp_rule_number_to_variant, pp_rule_number_from_variant, NULL }
#define POINTER(name, signature, flags, kind, release) \
  { name, signature, sizeof (gpointer), PP_RULE_POINTER | (flags), \
    pp_rule_##kind##_to_variant, pp_rule_##kind##_from_variant, (GDestroyNotify) release }

#define LENGTH    PP_RULE_LENGTH
#define RAW       PP_RULE_RAW_ARRAY
#define NULLABLE  PP_RULE_NULLABLE
#define CONTAINER (PP_RULE_NULLABLE | PP_RULE_CONTAINER)
#define ITEM      PP_RULE_IN_POINTER
#define KEY       (PP_RULE_IN_POINTER | PP_RULE_DICT_KEY)

const PpTypeRule pp_type_rules[PP_TAG_LAST + 1] = {
  [PP_TAG_BOOLEAN]       = NUMBER ("gboolean", "b", gboolean, KEY),
  [PP_TAG_INT8]          = NUMBER ("gint8", "n", gint8, LENGTH | KEY),
  [PP_TAG_UINT8]         = NUMBER ("guint8", "y", guint8, LENGTH | RAW | KEY),
  [PP_TAG_INT16]         = NUMBER ("gint16", "n", gint16, LENGTH | RAW | KEY),
  [PP_TAG_UINT16]        = NUMBER ("guint16", "q", guint16, LENGTH | RAW | KEY),
  [PP_TAG_INT32]         = NUMBER ("gint32", "i", gint32, LENGTH | RAW | KEY),
  [PP_TAG_UINT32]        = NUMBER ("guint32", "u", guint32, LENGTH | RAW | KEY),
  [PP_TAG_INT64]         = NUMBER ("gint64", "x", gint64, LENGTH | RAW),
  [PP_TAG_UINT64]        = NUMBER ("guint64", "t", guint64, LENGTH | RAW),
  [PP_TAG_FLOAT]         = NUMBER ("gfloat", "d", gfloat, 0),
  [PP_TAG_DOUBLE]        = NUMBER ("gdouble", "d", gdouble, RAW),
  [PP_TAG_UNICHAR]       = NUMBER ("gunichar", "u", gunichar, KEY),
  [PP_TAG_ENUM]          = NUMBER ("enum", "i", gint32, KEY),
  [PP_TAG_FLAGS]         = NUMBER ("flags", "u", guint32, KEY),
  [PP_TAG_GTYPE]         = { "GType", "s", sizeof (GType), KEY,
                             pp_rule_gtype_to_variant, pp_rule_gtype_from_variant, NULL },
  [PP_TAG_STRING]        = POINTER ("string", "s", NULLABLE | KEY, string, g_free),
  [PP_TAG_FILENAME]      = POINTER ("filename", "ay", NULLABLE | ITEM, filename, g_free),
  [PP_TAG_VARIANT]       = POINTER ("GVariant", "v", CONTAINER | ITEM, variant, g_variant_unref),
  [PP_TAG_BYTES]         = POINTER ("GBytes", "ay", CONTAINER | ITEM, bytes, g_bytes_unref),
  [PP_TAG_BYTE_ARRAY]    = POINTER ("GByteArray", "ay", CONTAINER | ITEM, byte_array,
                                    g_byte_array_unref),
  [PP_TAG_STRV]          = POINTER ("GStrv", "as", CONTAINER | ITEM, strv, g_strfreev),
  [PP_TAG_C_ARRAY]       = POINTER ("C array", NULL, CONTAINER, array, g_free),
  [PP_TAG_INPUT_STREAM]  = POINTER ("GInputStream", "h", PP_RULE_STREAM, stream, g_object_unref),
  [PP_TAG_OUTPUT_STREAM] = POINTER ("GOutputStream", "h", PP_RULE_STREAM, stream, g_object_unref),
  [PP_TAG_DATE_TIME]     = POINTER ("GDateTime", "(xis)", NULLABLE | ITEM, date_time,
                                    g_date_time_unref),
  [PP_TAG_VARIANT_TYPE]  = POINTER ("GVariantType", "s", NULLABLE | ITEM, variant_type,
                                    g_variant_type_free),
  [PP_TAG_ERROR]         = POINTER ("GError", "(sis)", NULLABLE | ITEM, error, g_error_free),
  [PP_TAG_VALUE]         = POINTER ("GValue", "(smv)", NULLABLE | ITEM, value, value_free),
  [PP_TAG_BOXED]         = POINTER ("boxed", NULL, NULLABLE | ITEM, boxed, NULL),
  [PP_TAG_LIST]          = POINTER ("GList", NULL, PP_RULE_CONTAINER | PP_RULE_EMPTY_NULL, list,
                                    g_list_free),
  [PP_TAG_SLIST]         = POINTER ("GSList", NULL, PP_RULE_CONTAINER | PP_RULE_EMPTY_NULL, list,
                                    g_slist_free),
  [PP_TAG_PTR_ARRAY]     = POINTER ("GPtrArray", NULL, CONTAINER, ptr_array, g_ptr_array_unref),
  [PP_TAG_HASH_TABLE]    = POINTER ("GHashTable", NULL, CONTAINER, hash_table,
                                     g_hash_table_unref),
  [PP_TAG_OBJECT]        = POINTER ("GObject", "o", NULLABLE | ITEM, object, g_object_unref),
  [PP_TAG_BOXED_REF]     = POINTER ("boxed reference", "o", NULLABLE | ITEM, boxed_ref, NULL),
  /* Wider than a PpArgValue: read and written in a C array's items only */
  [PP_TAG_OUTPUT_VECTOR] = { "GOutputVector", "ay", sizeof (GOutputVector), 0,
                             pp_rule_output_vector_to_variant,
                             pp_rule_output_vector_from_variant, NULL },
};

/* Values ------------------------------------------------------------------- */

static GVariant *
null_or_error (const PpTypeDesc  *desc,
               GError           **error)
{
  g_autofree char *sig = NULL;

  if (!desc->nullable)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Got NULL for a %s that may not be NULL"), pp_type_rules[desc->tag].name);
      return NULL;
    }

  sig = pp_type_desc_dup_value_signature (desc);
  return g_variant_new_maybe (G_VARIANT_TYPE (sig), NULL);
}

GVariant *
pp_marshal_to_variant (const PpTypeDesc  *desc,
                       const PpArgValue  *value,
                       gsize              length,
                       PpMarshalScope    *scope,
                       GError           **error)
{
  const PpTypeRule *rule = &pp_type_rules[desc->tag];
  GVariant *ret;

  /* An array with a length argument may be NULL when empty, a GList is */
  if ((rule->flags & PP_RULE_POINTER) && value->v_pointer == NULL &&
      !(rule->flags & PP_RULE_EMPTY_NULL) &&
      !(desc->tag == PP_TAG_C_ARRAY && desc->length_arg >= 0 && length == 0))
    return null_or_error (desc, error);

  ret = rule->to_variant (desc, value, length, scope, error);
  if (ret != NULL && desc->nullable)
    ret = g_variant_new_maybe (NULL, ret);
  return ret;
}

gboolean
pp_marshal_from_variant (const PpTypeDesc  *desc,
                         GVariant          *variant,
                         PpTransfer         transfer,
                         PpMarshalScope    *scope,
                         PpArgValue        *value,
                         gsize             *length,
                         GError           **error)
{
  g_autoptr(GVariant) child = NULL;

  memset (value, 0, sizeof *value);
  if (length != NULL)
    *length = 0;

  if (desc->nullable)
    {
      child = g_variant_get_maybe (variant);
      if (child == NULL)
        return TRUE;
      variant = child;
    }
  return pp_type_rules[desc->tag].from_variant (desc, variant, transfer, scope, value, length,
                                                error);
}

void
pp_marshal_free_value (const PpTypeDesc *desc,
                       PpArgValue       *value,
                       gsize             length,
                       PpTransfer        transfer)
{
  const PpTypeRule *rule = &pp_type_rules[desc->tag];

  if (transfer == PP_TRANSFER_NONE || !(rule->flags & PP_RULE_POINTER) ||
      value->v_pointer == NULL)
    return;

  /* A GList handed over in full: its items too */
  if (desc->tag == PP_TAG_LIST || desc->tag == PP_TAG_SLIST)
    {
      pp_marshal_free_list (desc, value->v_pointer, transfer == PP_TRANSFER_FULL);
      return;
    }
  if (desc->tag == PP_TAG_BOXED || desc->tag == PP_TAG_BOXED_REF)
    {
      g_boxed_free (desc->gtype, value->v_pointer);
      return;
    }

  if (desc->tag == PP_TAG_C_ARRAY && transfer == PP_TRANSFER_FULL)
    pp_marshal_free_array_items (desc, value->v_pointer, length);
  /* A string array handed over without its strings */
  if (desc->tag == PP_TAG_STRV && transfer == PP_TRANSFER_CONTAINER)
    g_free (value->v_pointer);
  else
    rule->release (value->v_pointer);
}
