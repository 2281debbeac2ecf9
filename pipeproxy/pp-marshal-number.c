/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-marshal-rules-private.h"

/* Numbers: booleans, integers, floating point, Unicode characters,
 * enumerations and flags, each as its fixed-size GVariant type; and the
 * integers that hold the length of a C array. */

static gboolean
check_enum_value (const PpTypeDesc  *desc,
                  gint64             v,
                  GError           **error)
{
  if (desc->gtype != G_TYPE_NONE && G_TYPE_IS_ENUM (desc->gtype))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (desc->gtype);

      if (v >= G_MININT && v <= G_MAXINT && g_enum_get_value (klass, (int) v) != NULL)
        return TRUE;

      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("%lld is not a value of the enumeration %s"),
                   (long long) v, g_type_name (desc->gtype));
      return FALSE;
    }

  for (guint i = 0; i < desc->n_enum_values; i++)
    if (desc->enum_values[i] == v)
      return TRUE;

  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("%lld is not a value of the enumeration"), (long long) v);
  return FALSE;
}

static gboolean
check_flags_value (const PpTypeDesc  *desc,
                   guint64            v,
                   GError           **error)
{
  guint64 mask = desc->flags_mask;
  const char *name = "";

  if (desc->gtype != G_TYPE_NONE && G_TYPE_IS_FLAGS (desc->gtype))
    {
      g_autoptr(GFlagsClass) klass = g_type_class_ref (desc->gtype);

      mask = klass->mask;
      name = g_type_name (desc->gtype);
    }

  if ((v & ~mask) == 0)
    return TRUE;

  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("0x%llx has bits that are not flags of %s"),
               (unsigned long long) v, name);
  return FALSE;
}

GVariant *
pp_rule_number_to_variant (const PpTypeDesc  *desc,
                           const PpArgValue  *value,
                           gsize              length,
                           PpMarshalScope    *scope,
                           GError           **error)
{
  const PpTypeRule *rule = &pp_type_rules[desc->tag];

  switch (rule->signature[0])
    {
    case 'b': return g_variant_new_boolean (value->v_boolean != FALSE);
    case 'y': return g_variant_new_byte (value->v_uint8);
    case 'n': return g_variant_new_int16 (desc->tag == PP_TAG_INT8 ? value->v_int8
                                                                   : value->v_int16);
    case 'q': return g_variant_new_uint16 (value->v_uint16);
    case 'i': return g_variant_new_int32 (value->v_int32);
    case 'u': return g_variant_new_uint32 (value->v_uint32);
    case 'x': return g_variant_new_int64 (value->v_int64);
    case 't': return g_variant_new_uint64 (value->v_uint64);
    case 'd': return g_variant_new_double (rule->size == sizeof (gfloat) ? value->v_float
                                                                         : value->v_double);
    default:  g_assert_not_reached ();
    }
}

/* @wire holds the number as its GVariant does: narrowed to the C type,
 * and checked */
static gboolean
number_from_wire (const PpTypeDesc  *desc,
                  const PpArgValue  *wire,
                  PpArgValue        *value,
                  GError           **error)
{
  *value = *wire;
  if (desc->tag == PP_TAG_INT8)
    {
      if (wire->v_int16 < G_MININT8 || wire->v_int16 > G_MAXINT8)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("%d is out of range for %s"), wire->v_int16,
                       pp_type_rules[desc->tag].name);
          return FALSE;
        }
      value->v_int16 = 0;
      value->v_int8 = wire->v_int16;
    }
  else if (desc->tag == PP_TAG_FLOAT)
    {
      value->v_double = 0;
      value->v_float = (gfloat) wire->v_double;
    }
  else if (desc->tag == PP_TAG_UNICHAR && !g_unichar_validate (value->v_uint32))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("0x%x is not a Unicode character"), value->v_uint32);
      return FALSE;
    }
  else if (desc->tag == PP_TAG_ENUM)
    return check_enum_value (desc, value->v_int32, error);
  else if (desc->tag == PP_TAG_FLAGS)
    return check_flags_value (desc, value->v_uint32, error);
  return TRUE;
}

gboolean
pp_rule_number_from_variant (const PpTypeDesc  *desc,
                             GVariant          *variant,
                             PpTransfer         transfer,
                             PpMarshalScope    *scope,
                             PpArgValue        *value,
                             gsize             *length,
                             GError           **error)
{
  PpArgValue wire = { 0 };

  switch (pp_type_rules[desc->tag].signature[0])
    {
    case 'b': wire.v_boolean = g_variant_get_boolean (variant); break;
    case 'y': wire.v_uint8 = g_variant_get_byte (variant); break;
    case 'n': wire.v_int16 = g_variant_get_int16 (variant); break;
    case 'q': wire.v_uint16 = g_variant_get_uint16 (variant); break;
    case 'i': wire.v_int32 = g_variant_get_int32 (variant); break;
    case 'u': wire.v_uint32 = g_variant_get_uint32 (variant); break;
    case 'x': wire.v_int64 = g_variant_get_int64 (variant); break;
    case 't': wire.v_uint64 = g_variant_get_uint64 (variant); break;
    case 'd': wire.v_double = g_variant_get_double (variant); break;
    default:  g_assert_not_reached ();
    }
  return number_from_wire (desc, &wire, value, error);
}

gboolean
pp_marshal_number_from_data (const PpTypeDesc *desc,
                             const guint8     *data,
                             PpArgValue       *value)
{
  PpArgValue wire = { 0 };

  switch (pp_type_rules[desc->tag].signature[0])
    {
    case 'b':
      wire.v_boolean = data[0] != 0;
      break;
    case 'y':
      wire.v_uint8 = data[0];
      break;
    case 'n':
    case 'q':
      memcpy (&wire.v_uint16, data, 2);
      wire.v_uint16 = GUINT16_FROM_LE (wire.v_uint16);
      break;
    case 'i':
    case 'u':
      memcpy (&wire.v_uint32, data, 4);
      wire.v_uint32 = GUINT32_FROM_LE (wire.v_uint32);
      break;
    case 'x':
    case 't':
    case 'd':
      memcpy (&wire.v_uint64, data, 8);
      wire.v_uint64 = GUINT64_FROM_LE (wire.v_uint64);
      break;
    default:
      return FALSE;
    }
  return number_from_wire (desc, &wire, value, NULL);
}

gboolean
pp_marshal_read_length (PpTypeTag         tag,
                        const PpArgValue *value,
                        gsize            *length)
{
  const PpTypeRule *rule = &pp_type_rules[tag];
  gboolean is_signed = strchr ("nix", rule->signature[0]) != NULL;
  gboolean negative;
  guint64 v;

  if (!(rule->flags & PP_RULE_LENGTH))
    return FALSE;
  switch (rule->size)
    {
    case 1:  v = value->v_uint8; negative = value->v_int8 < 0; break;
    case 2:  v = value->v_uint16; negative = value->v_int16 < 0; break;
    case 4:  v = value->v_uint32; negative = value->v_int32 < 0; break;
    default: v = value->v_uint64; negative = value->v_int64 < 0; break;
    }
  if ((is_signed && negative) || v > G_MAXSIZE)
    return FALSE;
  *length = v;
  return TRUE;
}

void
pp_marshal_write_length (PpTypeTag   tag,
                         gsize       length,
                         PpArgValue *value)
{
  const PpTypeRule *rule = &pp_type_rules[tag];

  memset (value, 0, sizeof *value);
  if (!(rule->flags & PP_RULE_LENGTH))
    return;
  switch (rule->size)
    {
    case 1:  value->v_uint8 = length; break;
    case 2:  value->v_uint16 = length; break;
    case 4:  value->v_uint32 = length; break;
    default: value->v_uint64 = length; break;
    }
}
