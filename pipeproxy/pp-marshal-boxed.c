/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-introspection-private.h"
#include "pp-marshal-rules-private.h"
#include "pp-wire-private.h"

/* Boxed values with a value form: the built-in ones (GDateTime,
 * GVariantType, GError, GValue) and the ones registered with
 * pp_boxed_register_value_form(). */

/* A zone identifier from the peer names a file under the zoneinfo
 * directory: no way out of it */
static gboolean
is_safe_zone_identifier (const char *id)
{
  if (id[0] == '\0' || id[0] == '/' || strlen (id) > 255 || strstr (id, "..") != NULL)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("+-_/:", *p) == NULL)
      return FALSE;
  return TRUE;
}

GVariant *
pp_rule_date_time_to_variant (const PpTypeDesc  *desc,
                              const PpArgValue  *value,
                              gsize              length,
                              PpMarshalScope    *scope,
                              GError           **error)
{
  GDateTime *date_time = value->v_pointer;
  gint64 usec = g_date_time_to_unix (date_time) * G_USEC_PER_SEC +
                g_date_time_get_microsecond (date_time);
  gint32 offset = (gint32) (g_date_time_get_utc_offset (date_time) / G_USEC_PER_SEC);

  return g_variant_new ("(xis)", usec, offset,
                        g_time_zone_get_identifier (g_date_time_get_timezone (date_time)));
}

/* The zone the peer named, if this process has it and it has the same
 * offset at that time; else a zone of that fixed offset */
static GTimeZone *
zone_for (const char *id,
          gint32      offset,
          gint64      unix_time)
{
  GTimeZone *zone = is_safe_zone_identifier (id) ? g_time_zone_new_identifier (id) : NULL;

  if (zone != NULL)
    {
      int interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, unix_time);

      if (interval >= 0 && g_time_zone_get_offset (zone, interval) == offset)
        return zone;
      g_time_zone_unref (zone);
    }
  if (offset < -24 * 3600 || offset > 24 * 3600)
    return NULL;
  return g_time_zone_new_offset (offset);
}

gboolean
pp_rule_date_time_from_variant (const PpTypeDesc  *desc,
                                GVariant          *variant,
                                PpTransfer         transfer,
                                PpMarshalScope    *scope,
                                PpArgValue        *value,
                                gsize             *length,
                                GError           **error)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) exact = NULL;
  g_autoptr(GTimeZone) zone = NULL;
  GDateTime *date_time = NULL;
  const char *id;
  gint64 usec, seconds, rest;
  gint32 offset;

  g_variant_get (variant, "(xi&s)", &usec, &offset, &id);
  seconds = usec / G_USEC_PER_SEC;
  rest = usec % G_USEC_PER_SEC;
  if (rest < 0)
    {
      rest += G_USEC_PER_SEC;
      seconds--;
    }

  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc != NULL)
    exact = g_date_time_add (utc, rest);
  zone = zone_for (id, offset, seconds);
  if (exact != NULL && zone != NULL)
    date_time = g_date_time_to_timezone (exact, zone);
  if (date_time == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("%lld µs after 1970 at a UTC offset of %d s is not a time GDateTime "
                     "can hold"), (long long) usec, offset);
      return FALSE;
    }
  return pp_marshal_keep_new (desc, date_time, transfer, scope, value);
}

GVariant *
pp_rule_variant_type_to_variant (const PpTypeDesc  *desc,
                                 const PpArgValue  *value,
                                 gsize              length,
                                 PpMarshalScope    *scope,
                                 GError           **error)
{
  const GVariantType *type = value->v_pointer;

  return g_variant_new_take_string (g_variant_type_dup_string (type));
}

gboolean
pp_rule_variant_type_from_variant (const PpTypeDesc  *desc,
                                   GVariant          *variant,
                                   PpTransfer         transfer,
                                   PpMarshalScope    *scope,
                                   PpArgValue        *value,
                                   gsize             *length,
                                   GError           **error)
{
  const char *string = g_variant_get_string (variant, NULL);

  if (!g_variant_type_string_is_valid (string))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” is not a GVariant type string"), string);
      return FALSE;
    }
  return pp_marshal_keep_new (desc, g_variant_type_new (string), transfer, scope, value);
}

/* As the wire's ERROR frames: a domain this process does not know becomes
 * PP_ERROR_REMOTE_ERROR, no quark is made */
GVariant *
pp_rule_error_to_variant (const PpTypeDesc  *desc,
                          const PpArgValue  *value,
                          gsize              length,
                          PpMarshalScope    *scope,
                          GError           **error)
{
  const GError *gerror = value->v_pointer;
  const char *domain = g_quark_to_string (gerror->domain);

  return g_variant_new ("(sis)", domain ? domain : "", gerror->code,
                        gerror->message ? gerror->message : "");
}

gboolean
pp_rule_error_from_variant (const PpTypeDesc  *desc,
                            GVariant          *variant,
                            PpTransfer         transfer,
                            PpMarshalScope    *scope,
                            PpArgValue        *value,
                            gsize             *length,
                            GError           **error)
{
  return pp_marshal_keep_new (desc, pp_wire_decode_error (variant), transfer, scope, value);
}

/* A GValue: the name of its type, and its value as GValues cross (nothing
 * for NULL) */
GVariant *
pp_rule_value_to_variant (const PpTypeDesc  *desc,
                          const PpArgValue  *value,
                          gsize              length,
                          PpMarshalScope    *scope,
                          GError           **error)
{
  const GValue *gvalue = value->v_pointer;
  GVariant *inner;

  if (!G_IS_VALUE (gvalue))
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                           _("A GValue that holds no value cannot be sent"));
      return NULL;
    }
  inner = pp_marshal_value_to_maybe (gvalue, error);
  if (inner == NULL)
    return NULL;
  return g_variant_new ("(s@mv)", G_VALUE_TYPE_NAME (gvalue), inner);
}

gboolean
pp_rule_value_from_variant (const PpTypeDesc  *desc,
                            GVariant          *variant,
                            PpTransfer         transfer,
                            PpMarshalScope    *scope,
                            PpArgValue        *value,
                            gsize             *length,
                            GError           **error)
{
  g_autoptr(GVariant) inner = NULL;
  const char *name;
  GValue *gvalue;
  GType type;

  g_variant_get (variant, "(&s@mv)", &name, &inner);
  type = pp_introspection_type_from_name (name, error);
  if (type == G_TYPE_INVALID)
    return FALSE;
  gvalue = g_new0 (GValue, 1);
  if (!pp_marshal_value_from_maybe (inner, type, gvalue, error))
    {
      g_free (gvalue);
      return FALSE;
    }
  return pp_marshal_keep_new (desc, gvalue, transfer, scope, value);
}

/* A registered value form */
GVariant *
pp_rule_boxed_to_variant (const PpTypeDesc  *desc,
                          const PpArgValue  *value,
                          gsize              length,
                          PpMarshalScope    *scope,
                          GError           **error)
{
  const PpBoxedForm *form = desc->form;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) v = NULL;

  v = pp_boxed_form_to_variant (form, value->v_pointer, &local_error);
  if (v == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS, _("A %s cannot be sent: %s"),
                   g_type_name (form->type),
                   local_error ? local_error->message : _("it has no value form"));
      return NULL;
    }
  if (!g_variant_is_of_type (v, form->value_type))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The value form of a %s is of type %s, not %s"), g_type_name (form->type),
                   g_variant_get_type_string (v), form->signature);
      return NULL;
    }
  /* What the builder takes: a floating value on the same bytes */
  return g_variant_new_from_bytes (form->value_type, g_variant_get_data_as_bytes (v), TRUE);
}

gboolean
pp_rule_boxed_from_variant (const PpTypeDesc  *desc,
                            GVariant          *variant,
                            PpTransfer         transfer,
                            PpMarshalScope    *scope,
                            PpArgValue        *value,
                            gsize             *length,
                            GError           **error)
{
  const PpBoxedForm *form = desc->form;
  g_autoptr(GError) local_error = NULL;
  gpointer boxed = pp_boxed_form_from_variant (form, variant, &local_error);

  if (boxed == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS, _("Not a value of %s: %s"),
                   g_type_name (form->type),
                   local_error ? local_error->message : _("it does not stand for one"));
      return FALSE;
    }
  return pp_marshal_keep_new (desc, boxed, transfer, scope, value);
}

gboolean
pp_marshal_tag_for_boxed (GType      type,
                          PpTypeTag *tag)
{
  if (type == G_TYPE_BYTES)
    *tag = PP_TAG_BYTES;
  else if (type == G_TYPE_BYTE_ARRAY)
    *tag = PP_TAG_BYTE_ARRAY;
  else if (type == G_TYPE_STRV)
    *tag = PP_TAG_STRV;
  else if (type == G_TYPE_DATE_TIME)
    *tag = PP_TAG_DATE_TIME;
  else if (type == G_TYPE_VARIANT_TYPE)
    *tag = PP_TAG_VARIANT_TYPE;
  else if (type == G_TYPE_ERROR)
    *tag = PP_TAG_ERROR;
  else if (type == G_TYPE_VALUE)
    *tag = PP_TAG_VALUE;
  else
    return FALSE;
  return TRUE;
}

PpTypeDesc *
pp_marshal_desc_for_boxed (GType type)
{
  const PpBoxedForm *form;
  PpTypeDesc *desc;
  PpTypeTag tag;

  if (pp_marshal_tag_for_boxed (type, &tag))
    desc = pp_type_desc_new (tag);
  else if ((form = pp_boxed_lookup_form (type)) != NULL)
    {
      desc = pp_type_desc_new (PP_TAG_BOXED);
      desc->form = form;
    }
  else
    return NULL;
  desc->gtype = type;
  return desc;
}
