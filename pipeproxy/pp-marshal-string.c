/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-introspection-private.h"
#include "pp-marshal-rules-private.h"
#include "pp-variant-private.h"

/* Strings, and the values that cross as one GVariant of their own: GType
 * names, utf8, filenames, GVariants, GBytes, GByteArrays and string arrays. */

GVariant *
pp_rule_gtype_to_variant (const PpTypeDesc  *desc,
                          const PpArgValue  *value,
                          gsize              length,
                          PpMarshalScope    *scope,
                          GError           **error)
{
  const char *name = value->v_size ? g_type_name ((GType) value->v_size) : NULL;

  return g_variant_new_string (name ? name : "");
}

gboolean
pp_rule_gtype_from_variant (const PpTypeDesc  *desc,
                            GVariant          *variant,
                            PpTransfer         transfer,
                            PpMarshalScope    *scope,
                            PpArgValue        *value,
                            gsize             *length,
                            GError           **error)
{
  const char *name = g_variant_get_string (variant, NULL);
  GType type = G_TYPE_INVALID;

  /* A type nothing here has used yet is registered from its typelib */
  if (name[0] != '\0')
    {
      type = pp_introspection_type_from_name (name, error);
      if (type == G_TYPE_INVALID)
        return FALSE;
    }
  value->v_size = type;
  return TRUE;
}

GVariant *
pp_rule_string_to_variant (const PpTypeDesc  *desc,
                           const PpArgValue  *value,
                           gsize              length,
                           PpMarshalScope    *scope,
                           GError           **error)
{
  if (!g_utf8_validate (value->v_string, -1, NULL))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("A utf8 string is not valid UTF-8"));
      return NULL;
    }
  return g_variant_new_string (value->v_string);
}

gboolean
pp_rule_string_from_variant (const PpTypeDesc  *desc,
                             GVariant          *variant,
                             PpTransfer         transfer,
                             PpMarshalScope    *scope,
                             PpArgValue        *value,
                             gsize             *length,
                             GError           **error)
{
  value->v_string = (char *) g_variant_get_string (variant, NULL);
  if (transfer != PP_TRANSFER_NONE)
    value->v_string = g_strdup (value->v_string);
  return TRUE;
}

GVariant *
pp_rule_filename_to_variant (const PpTypeDesc  *desc,
                             const PpArgValue  *value,
                             gsize              length,
                             PpMarshalScope    *scope,
                             GError           **error)
{
  return g_variant_new_bytestring (value->v_string);
}

gboolean
pp_rule_filename_from_variant (const PpTypeDesc  *desc,
                               GVariant          *variant,
                               PpTransfer         transfer,
                               PpMarshalScope    *scope,
                               PpArgValue        *value,
                               gsize             *length,
                               GError           **error)
{
  gsize size;
  const char *data = g_variant_get_fixed_array (variant, &size, 1);

  if (size == 0 || data[size - 1] != '\0' || memchr (data, '\0', size - 1) != NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("A filename must be bytes ending in one nul byte"));
      return FALSE;
    }
  value->v_string = transfer != PP_TRANSFER_NONE ? g_strdup (data) : (char *) data;
  return TRUE;
}

GVariant *
pp_rule_variant_to_variant (const PpTypeDesc  *desc,
                            const PpArgValue  *value,
                            gsize              length,
                            PpMarshalScope    *scope,
                            GError           **error)
{
  return g_variant_new_variant (value->v_pointer);
}

gboolean
pp_rule_variant_from_variant (const PpTypeDesc  *desc,
                              GVariant          *variant,
                              PpTransfer         transfer,
                              PpMarshalScope    *scope,
                              PpArgValue        *value,
                              gsize             *length,
                              GError           **error)
{
  return pp_marshal_keep_new (desc, pp_variant_get_variant (variant), transfer, scope, value);
}

GVariant *
pp_rule_bytes_to_variant (const PpTypeDesc  *desc,
                          const PpArgValue  *value,
                          gsize              length,
                          PpMarshalScope    *scope,
                          GError           **error)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, value->v_pointer, TRUE);
}

gboolean
pp_rule_bytes_from_variant (const PpTypeDesc  *desc,
                            GVariant          *variant,
                            PpTransfer         transfer,
                            PpMarshalScope    *scope,
                            PpArgValue        *value,
                            gsize             *length,
                            GError           **error)
{
  return pp_marshal_keep_new (desc, g_variant_get_data_as_bytes (variant), transfer, scope, value);
}

GVariant *
pp_rule_byte_array_to_variant (const PpTypeDesc  *desc,
                               const PpArgValue  *value,
                               gsize              length,
                               PpMarshalScope    *scope,
                               GError           **error)
{
  GByteArray *array = value->v_pointer;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, array->data, array->len, 1);
}

gboolean
pp_rule_byte_array_from_variant (const PpTypeDesc  *desc,
                                 GVariant          *variant,
                                 PpTransfer         transfer,
                                 PpMarshalScope    *scope,
                                 PpArgValue        *value,
                                 gsize             *length,
                                 GError           **error)
{
  gsize size;
  gconstpointer data = g_variant_get_fixed_array (variant, &size, 1);
  GByteArray *array = g_byte_array_sized_new (size);

  g_byte_array_append (array, data, size);
  return pp_marshal_keep_new (desc, array, transfer, scope, value);
}

GVariant *
pp_rule_strv_to_variant (const PpTypeDesc  *desc,
                         const PpArgValue  *value,
                         gsize              length,
                         PpMarshalScope    *scope,
                         GError           **error)
{
  const char * const *strv = value->v_pointer;

  for (gsize i = 0; strv[i] != NULL; i++)
    if (!g_utf8_validate (strv[i], -1, NULL))
      {
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("Item %llu of a string array is not valid UTF-8"),
                     (unsigned long long) i);
        return NULL;
      }
  return g_variant_new_strv (strv, -1);
}

gboolean
pp_rule_strv_from_variant (const PpTypeDesc  *desc,
                           GVariant          *variant,
                           PpTransfer         transfer,
                           PpMarshalScope    *scope,
                           PpArgValue        *value,
                           gsize             *length,
                           GError           **error)
{
  if (transfer == PP_TRANSFER_FULL)
    value->v_pointer = g_variant_dup_strv (variant, NULL);
  else
    {
      /* The strings stay the variant's */
      value->v_pointer = g_variant_get_strv (variant, NULL);
      if (transfer == PP_TRANSFER_NONE)
        pp_marshal_scope_add (scope, g_free, value->v_pointer);
    }
  return TRUE;
}
