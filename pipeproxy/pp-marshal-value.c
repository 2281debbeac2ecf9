/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-marshal-rules-private.h"
#include "pp-variant-private.h"

/* GValues cross through the type rules: each GValue type has a tag, and
 * its value is moved in and out of a PpArgValue. Where @references, as
 * in signal arguments, an object and a boxed value with no value form
 * cross as references ('o', the object travelling beside the frame, see
 * pp-marshal-reference.c); a stream never does. */

static gboolean
is_stream_subtype (GType type)
{
  return g_type_is_a (type, G_TYPE_INPUT_STREAM) || g_type_is_a (type, G_TYPE_OUTPUT_STREAM);
}

static gboolean
value_desc_full (GType       type,
                 gboolean    references,
                 PpTypeDesc *desc)
{
  const PpBoxedForm *form = NULL;
  PpTypeTag tag;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: tag = PP_TAG_BOOLEAN; break;
    case G_TYPE_CHAR:    tag = PP_TAG_INT8; break;
    case G_TYPE_UCHAR:   tag = PP_TAG_UINT8; break;
    case G_TYPE_INT:     tag = PP_TAG_INT32; break;
    case G_TYPE_UINT:    tag = PP_TAG_UINT32; break;
    case G_TYPE_LONG:
    case G_TYPE_INT64:   tag = PP_TAG_INT64; break;
    case G_TYPE_ULONG:
    case G_TYPE_UINT64:  tag = PP_TAG_UINT64; break;
    case G_TYPE_FLOAT:   tag = PP_TAG_FLOAT; break;
    case G_TYPE_DOUBLE:  tag = PP_TAG_DOUBLE; break;
    case G_TYPE_ENUM:    tag = PP_TAG_ENUM; break;
    case G_TYPE_FLAGS:   tag = PP_TAG_FLAGS; break;
    case G_TYPE_STRING:  tag = PP_TAG_STRING; break;
    case G_TYPE_VARIANT: tag = PP_TAG_VARIANT; break;
    case G_TYPE_POINTER:
      if (type != G_TYPE_GTYPE)
        return FALSE;
      tag = PP_TAG_GTYPE;
      break;
    case G_TYPE_BOXED:
      /* GBytes, GDateTime, GError…, or a registered value form */
      if (pp_marshal_tag_for_boxed (type, &tag))
        break;
      form = pp_boxed_lookup_form (type);
      if (form != NULL)
        tag = PP_TAG_BOXED;
      else if (references && pp_boxed_ref_is_referenced (type))
        tag = PP_TAG_BOXED_REF;
      else
        return FALSE;
      break;
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE:
      /* An interface of objects only: GSocketConnectable, not GTypePlugin */
      if (!references || !g_type_is_a (type, G_TYPE_OBJECT) || is_stream_subtype (type))
        return FALSE;
      tag = PP_TAG_OBJECT;
      break;
    default:
      return FALSE;
    }

  *desc = (PpTypeDesc) { .tag = tag, .gtype = type, .form = form, .length_arg = -1,
                         .fixed_size = -1 };
  return TRUE;
}

static gboolean
value_desc (GType       type,
            PpTypeDesc *desc)
{
  return value_desc_full (type, FALSE, desc);
}

/* The GVariant type of a value of @desc, not nullable */
static const char *
desc_signature (const PpTypeDesc *desc)
{
  return desc->tag == PP_TAG_BOXED ? desc->form->signature : pp_type_rules[desc->tag].signature;
}

static gboolean
unsupported (GType    type,
             GError **error)
{
  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("Values of type %s cannot be sent to another process"), g_type_name (type));
  return FALSE;
}

/* @value's value, borrowed */
static void
value_get (const GValue *value,
           PpArgValue   *arg)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_BOOLEAN: arg->v_boolean = g_value_get_boolean (value); break;
    case G_TYPE_CHAR:    arg->v_int8 = g_value_get_schar (value); break;
    case G_TYPE_UCHAR:   arg->v_uint8 = g_value_get_uchar (value); break;
    case G_TYPE_INT:     arg->v_int32 = g_value_get_int (value); break;
    case G_TYPE_UINT:    arg->v_uint32 = g_value_get_uint (value); break;
    case G_TYPE_LONG:    arg->v_int64 = g_value_get_long (value); break;
    case G_TYPE_ULONG:   arg->v_uint64 = g_value_get_ulong (value); break;
    case G_TYPE_INT64:   arg->v_int64 = g_value_get_int64 (value); break;
    case G_TYPE_UINT64:  arg->v_uint64 = g_value_get_uint64 (value); break;
    case G_TYPE_FLOAT:   arg->v_float = g_value_get_float (value); break;
    case G_TYPE_DOUBLE:  arg->v_double = g_value_get_double (value); break;
    case G_TYPE_ENUM:    arg->v_int32 = g_value_get_enum (value); break;
    case G_TYPE_FLAGS:   arg->v_uint32 = g_value_get_flags (value); break;
    default:
      if (G_VALUE_HOLDS_GTYPE (value))
        arg->v_size = g_value_get_gtype (value);
      else
        arg->v_pointer = g_value_peek_pointer (value);
      break;
    }
}

/* Sets @value, initialised, taking what @arg holds */
static void
value_take (GValue     *value,
            PpArgValue *arg)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_BOOLEAN: g_value_set_boolean (value, arg->v_boolean); break;
    case G_TYPE_CHAR:    g_value_set_schar (value, arg->v_int8); break;
    case G_TYPE_UCHAR:   g_value_set_uchar (value, arg->v_uint8); break;
    case G_TYPE_INT:     g_value_set_int (value, arg->v_int32); break;
    case G_TYPE_UINT:    g_value_set_uint (value, arg->v_uint32); break;
    case G_TYPE_LONG:    g_value_set_long (value, arg->v_int64); break;
    case G_TYPE_ULONG:   g_value_set_ulong (value, arg->v_uint64); break;
    case G_TYPE_INT64:   g_value_set_int64 (value, arg->v_int64); break;
    case G_TYPE_UINT64:  g_value_set_uint64 (value, arg->v_uint64); break;
    case G_TYPE_FLOAT:   g_value_set_float (value, arg->v_float); break;
    case G_TYPE_DOUBLE:  g_value_set_double (value, arg->v_double); break;
    case G_TYPE_ENUM:    g_value_set_enum (value, arg->v_int32); break;
    case G_TYPE_FLAGS:   g_value_set_flags (value, arg->v_uint32); break;
    case G_TYPE_STRING:  g_value_take_string (value, arg->v_string); break;
    case G_TYPE_VARIANT: g_value_take_variant (value, arg->v_pointer); break;
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE: g_value_take_object (value, arg->v_pointer); break;
    default:
      if (G_VALUE_HOLDS_GTYPE (value))
        g_value_set_gtype (value, arg->v_size);
      else
        g_value_take_boxed (value, arg->v_pointer);
      break;
    }
}

gboolean
pp_marshal_gtype_signature (GType     type,
                            GString  *signature,
                            GError  **error)
{
  PpTypeDesc desc;

  if (!value_desc (type, &desc))
    return unsupported (type, error);
  g_string_append (signature, desc_signature (&desc));
  return TRUE;
}

static GVariant *
to_variant (const PpTypeDesc  *desc,
            const GValue      *value,
            GError           **error)
{
  PpArgValue arg = { 0 };

  value_get (value, &arg);
  return pp_marshal_to_variant (desc, &arg, 0, NULL, error);
}

GVariant *
pp_marshal_value_to_variant (const GValue  *value,
                             GError       **error)
{
  PpTypeDesc desc;

  if (!value_desc (G_VALUE_TYPE (value), &desc))
    {
      unsupported (G_VALUE_TYPE (value), error);
      return NULL;
    }
  return to_variant (&desc, value, error);
}

/* Non-empty; most are one letter, compared without a call */
static gboolean
same_type_string (const char *a,
                  const char *b)
{
  return a[0] == b[0] && a[1] == b[1] && (a[1] == '\0' || strcmp (a + 2, b + 2) == 0);
}

gboolean
pp_marshal_value_from_variant (GVariant  *variant,
                               GType      type,
                               GValue    *value,
                               GError   **error)
{
  const char *got = g_variant_get_type_string (variant);
  const char *expected;
  PpTypeDesc desc;
  PpArgValue arg;

  if (!value_desc (type, &desc))
    return unsupported (type, error);
  expected = desc_signature (&desc);
  if (!same_type_string (got, expected))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Expected a value of type %s, got %s"), expected, got);
      return FALSE;
    }

  if (!pp_marshal_from_variant (&desc, variant, PP_TRANSFER_FULL, NULL, &arg, NULL, error))
    return FALSE;
  g_value_init (value, type);
  value_take (value, &arg);
  return TRUE;
}

/* A signal argument read straight from its checked, serialised bytes, for
 * the types where that is simple: numbers and nullable strings. Returns
 * FALSE, doing nothing, for any other type, or a type that does not match
 * @signature; the caller then goes through GVariant. */
gboolean
pp_marshal_value_from_serialised (GType         type,
                                  const char   *signature,
                                  gsize         signature_length,
                                  const guint8 *data,
                                  gsize         size,
                                  GValue       *value)
{
  const char *expected;
  PpTypeDesc desc;
  PpArgValue arg;

  if (type == G_TYPE_STRING)
    {
      /* "ms": nothing, or the string, its nul and the maybe's nul */
      if (signature_length != 2 || signature[0] != 'm' || signature[1] != 's')
        return FALSE;
      g_value_init (value, type);
      if (size > 0)
        g_value_set_string (value, (const char *) data);
      return TRUE;
    }

  if (!value_desc (type, &desc) || !(pp_type_rules[desc.tag].flags & PP_RULE_NUMBER))
    return FALSE;
  expected = pp_type_rules[desc.tag].signature;
  if (signature_length != 1 || signature[0] != expected[0] ||
      !pp_marshal_number_from_data (&desc, data, &arg))
    return FALSE;

  g_value_init (value, type);
  value_take (value, &arg);
  return TRUE;
}

/* Values that may be NULL ------------------------------------------------- */

static gboolean
value_is_null (const GValue *value)
{
  PpTypeDesc desc;

  return value_desc (G_VALUE_TYPE (value), &desc) &&
         (pp_type_rules[desc.tag].flags & PP_RULE_POINTER) &&
         g_value_peek_pointer (value) == NULL;
}

GVariant *
pp_marshal_value_to_maybe (const GValue  *value,
                           GError       **error)
{
  PpTypeDesc desc;
  GVariant *inner;

  if (!value_desc (G_VALUE_TYPE (value), &desc))
    {
      unsupported (G_VALUE_TYPE (value), error);
      return NULL;
    }
  if ((pp_type_rules[desc.tag].flags & PP_RULE_POINTER) && g_value_peek_pointer (value) == NULL)
    return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);

  inner = to_variant (&desc, value, error);
  if (inner == NULL)
    return NULL;
  return g_variant_new_maybe (NULL, g_variant_new_variant (inner));
}

gboolean
pp_marshal_value_from_maybe (GVariant  *maybe,
                             GType      type,
                             GValue    *value,
                             GError   **error)
{
  g_autoptr(GVariant) boxed = g_variant_get_maybe (maybe);
  g_autoptr(GVariant) inner = NULL;

  if (boxed == NULL)
    {
      g_value_init (value, type);
      if (!value_is_null (value))
        {
          g_value_unset (value);
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("A value of type %s cannot be NULL"), g_type_name (type));
          return FALSE;
        }
      return TRUE;
    }

  inner = pp_variant_get_variant (boxed);
  return pp_marshal_value_from_variant (inner, type, value, error);
}

/* The GType a mirror uses for a remote value: the remote's own type when
 * this process knows it and it travels as @signature, else the plain type
 * of the signature. */
GType
pp_marshal_gtype_for_signature (const char *signature,
                                const char *type_name)
{
  GType known = type_name ? g_type_from_name (type_name) : G_TYPE_INVALID;

  if (known != G_TYPE_INVALID)
    {
      g_autoptr(GString) sig = g_string_new (NULL);

      if (pp_marshal_gtype_signature (known, sig, NULL) && g_str_equal (sig->str, signature))
        return known;
    }

  if (g_str_equal (signature, "b")) return G_TYPE_BOOLEAN;
  if (g_str_equal (signature, "y")) return G_TYPE_UCHAR;
  if (g_str_equal (signature, "n")) return G_TYPE_CHAR;
  if (g_str_equal (signature, "i")) return G_TYPE_INT;
  if (g_str_equal (signature, "u")) return G_TYPE_UINT;
  if (g_str_equal (signature, "x")) return G_TYPE_INT64;
  if (g_str_equal (signature, "t")) return G_TYPE_UINT64;
  if (g_str_equal (signature, "d")) return G_TYPE_DOUBLE;
  if (g_str_equal (signature, "s")) return G_TYPE_STRING;
  if (g_str_equal (signature, "v")) return G_TYPE_VARIANT;
  if (g_str_equal (signature, "as")) return G_TYPE_STRV;
  if (g_str_equal (signature, "ay")) return G_TYPE_BYTES;
  /* A reference: a proxy, whatever the remote type (a GtkTextIter's too) */
  if (g_str_equal (signature, "o")) return G_TYPE_OBJECT;
  /* By name: GIO registers its stream types only when first used */
  if (g_str_equal (signature, "h") && g_strcmp0 (type_name, "GInputStream") == 0)
    return G_TYPE_INPUT_STREAM;
  if (g_str_equal (signature, "h") && g_strcmp0 (type_name, "GOutputStream") == 0)
    return G_TYPE_OUTPUT_STREAM;
  return G_TYPE_INVALID;
}

/* Properties ---------------------------------------------------------------- */

gboolean
pp_marshal_property_signature (GType     type,
                               GString  *signature,
                               GError  **error)
{
  PpTypeDesc desc;

  if (!value_desc_full (type, TRUE, &desc))
    return unsupported (type, error);
  g_string_append (signature, desc_signature (&desc));
  return TRUE;
}

/* Signal arguments -------------------------------------------------------- */

static gboolean
is_stream_type (GType type)
{
  return type == G_TYPE_INPUT_STREAM || type == G_TYPE_OUTPUT_STREAM;
}

gboolean
pp_marshal_gtype_nullable_signature (GType     type,
                                     GString  *signature,
                                     GError  **error)
{
  PpTypeDesc desc;

  /* Signals only: a stream crosses as a descriptor sent with the message */
  if (is_stream_type (type))
    {
      g_string_append (signature, "mh");
      return TRUE;
    }

  if (!value_desc_full (type, TRUE, &desc))
    return unsupported (type, error);
  /* Strings, boxed values, variants and references may be NULL */
  if (pp_type_rules[desc.tag].flags & PP_RULE_NULLABLE)
    g_string_append_c (signature, 'm');
  g_string_append (signature, desc_signature (&desc));
  return TRUE;
}

GVariant *
pp_marshal_value_to_nullable (const GValue    *value,
                              PpMarshalScope  *scope,
                              GError         **error)
{
  GType type = G_VALUE_TYPE (value);
  PpArgValue arg = { 0 };
  GVariant *inner;
  PpTypeDesc desc;

  if (is_stream_type (type))
    {
      GObject *stream = g_value_get_object (value);

      if (stream == NULL)
        return g_variant_new_maybe (G_VARIANT_TYPE_HANDLE, NULL);
      inner = pp_marshal_stream_to_handle (stream, scope ? &scope->out_fds : NULL, error);
      return inner ? g_variant_new_maybe (NULL, inner) : NULL;
    }

  if (!value_desc_full (type, TRUE, &desc))
    {
      unsupported (type, error);
      return NULL;
    }
  value_get (value, &arg);
  if (!(pp_type_rules[desc.tag].flags & PP_RULE_NULLABLE))
    return pp_marshal_to_variant (&desc, &arg, 0, scope, error);
  if (arg.v_pointer == NULL)
    return g_variant_new_maybe (G_VARIANT_TYPE (desc_signature (&desc)), NULL);

  inner = pp_marshal_to_variant (&desc, &arg, 0, scope, error);
  return inner ? g_variant_new_maybe (NULL, inner) : NULL;
}

gboolean
pp_marshal_value_from_nullable (GVariant        *variant,
                                GType            type,
                                PpMarshalScope  *scope,
                                GValue          *value,
                                GError         **error)
{
  g_autoptr(GVariant) inner = NULL;
  const char *expected;
  PpTypeDesc desc;
  PpArgValue arg;

  if (is_stream_type (type))
    {
      GObject *stream = NULL;

      if (!g_variant_is_of_type (variant, G_VARIANT_TYPE ("mh")))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("A stream travels as a maybe handle, not as %s"),
                       g_variant_get_type_string (variant));
          return FALSE;
        }
      inner = g_variant_get_maybe (variant);
      if (inner != NULL)
        {
          stream = pp_marshal_stream_from_handle (type == G_TYPE_INPUT_STREAM, inner,
                                                  scope ? scope->in_fds : NULL, error);
          if (stream == NULL)
            return FALSE;
        }
      g_value_init (value, type);
      g_value_take_object (value, stream);
      return TRUE;
    }

  if (!value_desc_full (type, TRUE, &desc))
    return unsupported (type, error);

  if (g_variant_is_of_type (variant, G_VARIANT_TYPE_MAYBE))
    {
      inner = g_variant_get_maybe (variant);
      if (inner == NULL)
        {
          g_value_init (value, type);
          return TRUE;
        }
      variant = inner;
    }

  expected = desc_signature (&desc);
  if (!same_type_string (g_variant_get_type_string (variant), expected))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Expected a value of type %s, got %s"), expected,
                   g_variant_get_type_string (variant));
      return FALSE;
    }
  if (!pp_marshal_from_variant (&desc, variant, PP_TRANSFER_FULL, scope, &arg, NULL, error))
    return FALSE;
  g_value_init (value, type);
  value_take (value, &arg);
  return TRUE;
}
