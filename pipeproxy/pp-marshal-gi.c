/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-error.h"
#include "pp-introspection-private.h"
#include "pp-marshal-private.h"
#include "pp-stream-private.h"
#include "pp-wire-private.h"
#include "pp-wire-private.h"

typedef struct
{
  GDestroyNotify notify;
  gpointer       data;
  GType          boxed_type;  /* freed with g_boxed_free() instead */
} ScopeEntry;

struct _PpMarshalScope
{
  GArray      *entries;
  GUnixFDList *in_fds;
  GUnixFDList *out_fds;
  GPtrArray   *in_objects;   /* borrowed */
  GPtrArray   *out_objects;
};

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

void
pp_type_desc_append_signature (const PpTypeDesc *desc,
                               GString          *signature)
{
  if (desc->nullable)
    g_string_append_c (signature, 'm');
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

PpMarshalScope *
pp_marshal_scope_new (void)
{
  PpMarshalScope *scope = g_new0 (PpMarshalScope, 1);

  scope->entries = g_array_new (FALSE, FALSE, sizeof (ScopeEntry));
  return scope;
}

void
pp_marshal_scope_free (PpMarshalScope *scope)
{
  if (scope == NULL)
    return;

  for (guint i = scope->entries->len; i > 0; i--)
    {
      ScopeEntry *entry = &g_array_index (scope->entries, ScopeEntry, i - 1);

      if (entry->boxed_type != 0)
        g_boxed_free (entry->boxed_type, entry->data);
      else
        entry->notify (entry->data);
    }
  g_array_unref (scope->entries);
  g_clear_object (&scope->in_fds);
  g_clear_object (&scope->out_fds);
  g_clear_pointer (&scope->out_objects, g_ptr_array_unref);
  g_free (scope);
}

/* The descriptors that came with the values read */
void
pp_marshal_scope_set_in_fds (PpMarshalScope *scope,
                             GUnixFDList    *fds)
{
  g_set_object (&scope->in_fds, fds);
}

/* The descriptors that must go with the values written, or NULL */
GUnixFDList *
pp_marshal_scope_steal_out_fds (PpMarshalScope *scope)
{
  return g_steal_pointer (&scope->out_fds);
}

void
pp_marshal_scope_set_in_objects (PpMarshalScope *scope,
                                 GPtrArray      *objects)
{
  scope->in_objects = objects;
}

GPtrArray *
pp_marshal_scope_steal_out_objects (PpMarshalScope *scope)
{
  return g_steal_pointer (&scope->out_objects);
}

void
pp_marshal_scope_add (PpMarshalScope *scope,
                      GDestroyNotify  notify,
                      gpointer        data)
{
  ScopeEntry entry = { notify, data, 0 };

  if (data != NULL)
    g_array_append_val (scope->entries, entry);
}

static void
scope_add_boxed (PpMarshalScope *scope,
                 GType           type,
                 gpointer        data)
{
  ScopeEntry entry = { NULL, data, type };

  if (data != NULL)
    g_array_append_val (scope->entries, entry);
}

/* Numbers ----------------------------------------------------------------- */

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

static GVariant *
number_to_variant (const PpTypeDesc  *desc,
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

static gboolean
number_from_variant (const PpTypeDesc  *desc,
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

/* Strings and boxed values ------------------------------------------------ */

static GVariant *
gtype_to_variant (const PpTypeDesc  *desc,
                  const PpArgValue  *value,
                  gsize              length,
                  PpMarshalScope    *scope,
                  GError           **error)
{
  const char *name = value->v_size ? g_type_name ((GType) value->v_size) : NULL;

  return g_variant_new_string (name ? name : "");
}

static gboolean
gtype_from_variant (const PpTypeDesc  *desc,
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

static GVariant *
string_to_variant (const PpTypeDesc  *desc,
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

static gboolean
string_from_variant (const PpTypeDesc  *desc,
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

static GVariant *
filename_to_variant (const PpTypeDesc  *desc,
                     const PpArgValue  *value,
                     gsize              length,
                     PpMarshalScope    *scope,
                     GError           **error)
{
  return g_variant_new_bytestring (value->v_string);
}

static gboolean
filename_from_variant (const PpTypeDesc  *desc,
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

static GVariant *
variant_to_variant (const PpTypeDesc  *desc,
                    const PpArgValue  *value,
                    gsize              length,
                    PpMarshalScope    *scope,
                    GError           **error)
{
  return g_variant_new_variant (value->v_pointer);
}

/* A new value that the scope frees, unless it is handed over */
static gboolean
keep_new (const PpTypeDesc  *desc,
          gpointer           data,
          PpTransfer         transfer,
          PpMarshalScope    *scope,
          PpArgValue        *value)
{
  value->v_pointer = data;
  if (transfer != PP_TRANSFER_NONE)
    return TRUE;
  if (desc->tag == PP_TAG_BOXED)
    scope_add_boxed (scope, desc->gtype, data);
  else
    pp_marshal_scope_add (scope, pp_type_rules[desc->tag].release, data);
  return TRUE;
}

static gboolean
variant_from_variant (const PpTypeDesc  *desc,
                      GVariant          *variant,
                      PpTransfer         transfer,
                      PpMarshalScope    *scope,
                      PpArgValue        *value,
                      gsize             *length,
                      GError           **error)
{
  return keep_new (desc, g_variant_get_variant (variant), transfer, scope, value);
}

static GVariant *
bytes_to_variant (const PpTypeDesc  *desc,
                  const PpArgValue  *value,
                  gsize              length,
                  PpMarshalScope    *scope,
                  GError           **error)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, value->v_pointer, TRUE);
}

static gboolean
bytes_from_variant (const PpTypeDesc  *desc,
                    GVariant          *variant,
                    PpTransfer         transfer,
                    PpMarshalScope    *scope,
                    PpArgValue        *value,
                    gsize             *length,
                    GError           **error)
{
  return keep_new (desc, g_variant_get_data_as_bytes (variant), transfer, scope, value);
}

static GVariant *
byte_array_to_variant (const PpTypeDesc  *desc,
                       const PpArgValue  *value,
                       gsize              length,
                       PpMarshalScope    *scope,
                       GError           **error)
{
  GByteArray *array = value->v_pointer;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, array->data, array->len, 1);
}

static gboolean
byte_array_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, array, transfer, scope, value);
}

static GVariant *
strv_to_variant (const PpTypeDesc  *desc,
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

static gboolean
strv_from_variant (const PpTypeDesc  *desc,
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

/* Streams ----------------------------------------------------------------
 *
 * A stream crosses as a descriptor. One that has none of its own (a
 * memory stream, a converter) is spliced through a pipe in the
 * thread-default main context, which runs until the peer closes its end. */

/* Appends the stream's descriptor to *@out_fds, made on demand */
GVariant *
pp_marshal_stream_to_handle (GObject       *stream,
                             GUnixFDList  **out_fds,
                             GError       **error)
{
  int fd;
  int handle;

  if (out_fds == NULL)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("A stream cannot be sent here"));
      return NULL;
    }

  fd = pp_stream_dup_fd (stream, error);
  if (fd < 0)
    return NULL;

  if (*out_fds == NULL)
    *out_fds = g_unix_fd_list_new ();
  handle = g_unix_fd_list_append (*out_fds, fd, error);
  close (fd);
  if (handle < 0)
    return NULL;
  return g_variant_new_handle (handle);
}

GObject *
pp_marshal_stream_from_handle (gboolean      input,
                               GVariant     *variant,
                               GUnixFDList  *in_fds,
                               GError      **error)
{
  gint32 handle = g_variant_get_handle (variant);
  int fd;

  if (in_fds == NULL || handle < 0 || handle >= g_unix_fd_list_get_length (in_fds))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Handle %d does not name a file descriptor that came with the message"),
                   handle);
      return NULL;
    }

  fd = g_unix_fd_list_get (in_fds, handle, error);
  if (fd < 0)
    return NULL;
  if (input)
    return G_OBJECT (g_unix_input_stream_new (fd, TRUE));
  return G_OBJECT (g_unix_output_stream_new (fd, TRUE));
}

static GVariant *
stream_to_variant (const PpTypeDesc  *desc,
                   const PpArgValue  *value,
                   gsize              length,
                   PpMarshalScope    *scope,
                   GError           **error)
{
  return pp_marshal_stream_to_handle (value->v_pointer, scope ? &scope->out_fds : NULL, error);
}

static gboolean
stream_from_variant (const PpTypeDesc  *desc,
                     GVariant          *variant,
                     PpTransfer         transfer,
                     PpMarshalScope    *scope,
                     PpArgValue        *value,
                     gsize             *length,
                     GError           **error)
{
  GObject *stream = pp_marshal_stream_from_handle (desc->tag == PP_TAG_INPUT_STREAM, variant,
                                                   scope ? scope->in_fds : NULL, error);

  return stream != NULL && keep_new (desc, stream, transfer, scope, value);
}

/* Objects -----------------------------------------------------------------
 *
 * An object crosses as a reference: the value is "/N", an index into the
 * objects that travel with the frame, which the handle tables (see
 * pp-exports.c and pp-imports.c) turn into handles and back. */

GVariant *
pp_marshal_object_to_path (GObject     *object,
                           GPtrArray  **out_objects,
                           GError     **error)
{
  char path[16];

  if (out_objects == NULL)
    {
      g_set_error_literal (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("An object cannot be sent here"));
      return NULL;
    }
  if (*out_objects == NULL)
    *out_objects = g_ptr_array_new_with_free_func (g_object_unref);
  g_snprintf (path, sizeof path, "/%u", (*out_objects)->len);
  g_ptr_array_add (*out_objects, g_object_ref (object));
  return g_variant_new_object_path (path);
}

GObject *
pp_marshal_object_from_path (GVariant    *variant,
                             GType        type,
                             GPtrArray   *in_objects,
                             GError     **error)
{
  const char *path = g_variant_get_string (variant, NULL);
  int index = pp_wire_object_index (path, in_objects ? in_objects->len : 0);
  GObject *object;

  if (index < 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” does not name an object that came with the message"), path);
      return NULL;
    }
  object = g_ptr_array_index (in_objects, index);
  if (!g_type_is_a (G_OBJECT_TYPE (object), type))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Expected a %s, got a %s"), g_type_name (type), G_OBJECT_TYPE_NAME (object));
      return NULL;
    }
  return object;
}

static GVariant *
object_to_variant (const PpTypeDesc  *desc,
                   const PpArgValue  *value,
                   gsize              length,
                   PpMarshalScope    *scope,
                   GError           **error)
{
  return pp_marshal_object_to_path (value->v_pointer, scope ? &scope->out_objects : NULL, error);
}

static gboolean
object_from_variant (const PpTypeDesc  *desc,
                     GVariant          *variant,
                     PpTransfer         transfer,
                     PpMarshalScope    *scope,
                     PpArgValue        *value,
                     gsize             *length,
                     GError           **error)
{
  GObject *object = pp_marshal_object_from_path (variant, desc->gtype,
                                                 scope ? scope->in_objects : NULL, error);

  if (object == NULL)
    return FALSE;
  /* The list holds it while the scope lives */
  value->v_pointer = transfer == PP_TRANSFER_NONE ? object : g_object_ref (object);
  return TRUE;
}

/* C arrays ---------------------------------------------------------------- */

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

static GVariant *
array_to_variant (const PpTypeDesc  *desc,
                  const PpArgValue  *value,
                  gsize              length,
                  PpMarshalScope    *scope,
                  GError           **error)
{
  const PpTypeDesc *element = desc->element;
  gsize size = pp_type_rules[element->tag].size;
  const guint8 *data = value->v_pointer;
  g_autoptr(GString) sig = g_string_new ("a");
  GVariantBuilder builder;

  length = array_length (desc, data, length);
  pp_type_desc_append_signature (element, sig);
  if (copies_whole (element))
    return g_variant_new_fixed_array (G_VARIANT_TYPE (sig->str + 1), data, length, size);

  g_variant_builder_init (&builder, G_VARIANT_TYPE (sig->str));
  for (gsize i = 0; i < length; i++)
    {
      PpArgValue item = { 0 };
      GVariant *child;

      memcpy (&item, data + i * size, size);
      child = pp_marshal_to_variant (element, &item, 0, NULL, error);
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
      PpArgValue item = { 0 };

      if (!pp_marshal_from_variant (element, child, item_transfer, scope, &item, NULL, error))
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

static gboolean
array_from_variant (const PpTypeDesc  *desc,
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

static void
free_items (const PpTypeDesc *desc,
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

/* Boxed values with a value form ------------------------------------------ */

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

static GVariant *
date_time_to_variant (const PpTypeDesc  *desc,
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

static gboolean
date_time_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, date_time, transfer, scope, value);
}

static GVariant *
variant_type_to_variant (const PpTypeDesc  *desc,
                         const PpArgValue  *value,
                         gsize              length,
                         PpMarshalScope    *scope,
                         GError           **error)
{
  const GVariantType *type = value->v_pointer;

  return g_variant_new_take_string (g_variant_type_dup_string (type));
}

static gboolean
variant_type_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, g_variant_type_new (string), transfer, scope, value);
}

/* As the wire's ERROR frames: a domain this process does not know becomes
 * PP_ERROR_REMOTE_ERROR, no quark is made */
static GVariant *
error_to_variant (const PpTypeDesc  *desc,
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

static gboolean
error_from_variant (const PpTypeDesc  *desc,
                    GVariant          *variant,
                    PpTransfer         transfer,
                    PpMarshalScope    *scope,
                    PpArgValue        *value,
                    gsize             *length,
                    GError           **error)
{
  return keep_new (desc, pp_wire_decode_error (variant), transfer, scope, value);
}

static void
value_free (gpointer value)
{
  g_boxed_free (G_TYPE_VALUE, value);
}

/* A GValue: the name of its type, and its value as GValues cross (nothing
 * for NULL) */
static GVariant *
value_to_variant (const PpTypeDesc  *desc,
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

static gboolean
value_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, gvalue, transfer, scope, value);
}

/* A registered value form */
static GVariant *
boxed_to_variant (const PpTypeDesc  *desc,
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

static gboolean
boxed_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, boxed, transfer, scope, value);
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

/* GList, GSList, GPtrArray, GHashTable ----------------------------------------
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
  g_autoptr(GString) sig = g_string_new (NULL);

  pp_type_desc_append_signature (desc, sig);
  g_variant_builder_init (builder, G_VARIANT_TYPE (sig->str + (desc->nullable ? 1 : 0)));
}

static GVariant *
list_to_variant (const PpTypeDesc  *desc,
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
      {
        GVariant *child = item_to_variant (desc->element, l->data, scope, error);

        if (!(failed = child == NULL))
          g_variant_builder_add_value (&builder, child);
      }
  else
    for (GSList *l = value->v_pointer; l != NULL && !failed; l = l->next)
      {
        GVariant *child = item_to_variant (desc->element, l->data, scope, error);

        if (!(failed = child == NULL))
          g_variant_builder_add_value (&builder, child);
      }
  return items_end (&builder, failed);
}

static void
free_list (const PpTypeDesc *desc,
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

static gboolean
list_from_variant (const PpTypeDesc  *desc,
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
          free_list (desc, list, transfer == PP_TRANSFER_FULL);
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

static GVariant *
ptr_array_to_variant (const PpTypeDesc  *desc,
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
    {
      GVariant *child = item_to_variant (desc->element, array->pdata[i], scope, error);

      if (!(failed = child == NULL))
        g_variant_builder_add_value (&builder, child);
    }
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
static gboolean
ptr_array_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, array, transfer, scope, value);
}

static GVariant *
hash_table_to_variant (const PpTypeDesc  *desc,
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

static gboolean
hash_table_from_variant (const PpTypeDesc  *desc,
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
  return keep_new (desc, table, transfer, scope, value);
}

/* The rules ---------------------------------------------------------------- */

#define NUMBER(name, signature, c_type, flags) \
  { name, signature, sizeof (c_type), PP_RULE_NUMBER | (flags), \
    number_to_variant, number_from_variant, NULL }
#define POINTER(name, signature, flags, kind, release) \
  { name, signature, sizeof (gpointer), PP_RULE_POINTER | (flags), \
    kind##_to_variant, kind##_from_variant, (GDestroyNotify) release }

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
                             gtype_to_variant, gtype_from_variant, NULL },
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
};

/* Liberal types ----------------------------------------------------------- */

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
      GVariant *inner = pp_marshal_widen (value, g_variant_type_element (expected));

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

/* Values ------------------------------------------------------------------- */

static GVariant *
null_or_error (const PpTypeDesc  *desc,
               GError           **error)
{
  g_autoptr(GString) sig = NULL;

  if (!desc->nullable)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Got NULL for a %s that may not be NULL"), pp_type_rules[desc->tag].name);
      return NULL;
    }

  sig = g_string_new (NULL);
  pp_type_desc_append_signature (desc, sig);
  return g_variant_new_maybe (G_VARIANT_TYPE (sig->str + 1), NULL);
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
      free_list (desc, value->v_pointer, transfer == PP_TRANSFER_FULL);
      return;
    }
  if (desc->tag == PP_TAG_BOXED)
    {
      g_boxed_free (desc->gtype, value->v_pointer);
      return;
    }

  if (desc->tag == PP_TAG_C_ARRAY && transfer == PP_TRANSFER_FULL)
    free_items (desc, value->v_pointer, length);
  /* A string array handed over without its strings */
  if (desc->tag == PP_TAG_STRV && transfer == PP_TRANSFER_CONTAINER)
    g_free (value->v_pointer);
  else
    rule->release (value->v_pointer);
}
