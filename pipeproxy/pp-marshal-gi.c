/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-error.h"
#include "pp-marshal-private.h"
#include "pp-stream-private.h"

typedef struct
{
  GDestroyNotify notify;
  gpointer       data;
} ScopeEntry;

struct _PpMarshalScope
{
  GArray      *entries;
  GUnixFDList *in_fds;
  GUnixFDList *out_fds;
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
  if (desc->tag == PP_TAG_C_ARRAY)
    {
      g_string_append_c (signature, 'a');
      pp_type_desc_append_signature (desc->element, signature);
    }
  else
    g_string_append (signature, pp_type_rules[desc->tag].signature);
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
      entry->notify (entry->data);
    }
  g_array_unref (scope->entries);
  g_clear_object (&scope->in_fds);
  g_clear_object (&scope->out_fds);
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
pp_marshal_scope_add (PpMarshalScope *scope,
                      GDestroyNotify  notify,
                      gpointer        data)
{
  ScopeEntry entry = { notify, data };

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

  if (name[0] != '\0')
    {
      type = g_type_from_name (name);
      if (type == G_TYPE_INVALID)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("No type is called “%s”"), name);
          return FALSE;
        }
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
  if (transfer == PP_TRANSFER_NONE)
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

const PpTypeRule pp_type_rules[PP_TAG_LAST + 1] = {
  [PP_TAG_BOOLEAN]       = NUMBER ("gboolean", "b", gboolean, 0),
  [PP_TAG_INT8]          = NUMBER ("gint8", "n", gint8, LENGTH),
  [PP_TAG_UINT8]         = NUMBER ("guint8", "y", guint8, LENGTH | RAW),
  [PP_TAG_INT16]         = NUMBER ("gint16", "n", gint16, LENGTH | RAW),
  [PP_TAG_UINT16]        = NUMBER ("guint16", "q", guint16, LENGTH | RAW),
  [PP_TAG_INT32]         = NUMBER ("gint32", "i", gint32, LENGTH | RAW),
  [PP_TAG_UINT32]        = NUMBER ("guint32", "u", guint32, LENGTH | RAW),
  [PP_TAG_INT64]         = NUMBER ("gint64", "x", gint64, LENGTH | RAW),
  [PP_TAG_UINT64]        = NUMBER ("guint64", "t", guint64, LENGTH | RAW),
  [PP_TAG_FLOAT]         = NUMBER ("gfloat", "d", gfloat, 0),
  [PP_TAG_DOUBLE]        = NUMBER ("gdouble", "d", gdouble, RAW),
  [PP_TAG_UNICHAR]       = NUMBER ("gunichar", "u", gunichar, 0),
  [PP_TAG_ENUM]          = NUMBER ("enum", "i", gint32, 0),
  [PP_TAG_FLAGS]         = NUMBER ("flags", "u", guint32, 0),
  [PP_TAG_GTYPE]         = { "GType", "s", sizeof (GType), 0,
                             gtype_to_variant, gtype_from_variant, NULL },
  [PP_TAG_STRING]        = POINTER ("string", "s", NULLABLE, string, g_free),
  [PP_TAG_FILENAME]      = POINTER ("filename", "ay", NULLABLE, filename, g_free),
  [PP_TAG_VARIANT]       = POINTER ("GVariant", "v", CONTAINER, variant, g_variant_unref),
  [PP_TAG_BYTES]         = POINTER ("GBytes", "ay", CONTAINER, bytes, g_bytes_unref),
  [PP_TAG_BYTE_ARRAY]    = POINTER ("GByteArray", "ay", CONTAINER, byte_array, g_byte_array_unref),
  [PP_TAG_STRV]          = POINTER ("GStrv", "as", CONTAINER, strv, g_strfreev),
  [PP_TAG_C_ARRAY]       = POINTER ("C array", NULL, CONTAINER, array, g_free),
  [PP_TAG_INPUT_STREAM]  = POINTER ("GInputStream", "h", PP_RULE_STREAM, stream, g_object_unref),
  [PP_TAG_OUTPUT_STREAM] = POINTER ("GOutputStream", "h", PP_RULE_STREAM, stream, g_object_unref),
};

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

  /* An array with a length argument may be NULL when empty */
  if ((rule->flags & PP_RULE_POINTER) && value->v_pointer == NULL &&
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

  if (transfer == PP_TRANSFER_NONE || rule->release == NULL || value->v_pointer == NULL)
    return;

  if (desc->tag == PP_TAG_C_ARRAY && transfer == PP_TRANSFER_FULL)
    free_items (desc, value->v_pointer, length);
  /* A string array handed over without its strings */
  if (desc->tag == PP_TAG_STRV && transfer == PP_TRANSFER_CONTAINER)
    g_free (value->v_pointer);
  else
    rule->release (value->v_pointer);
}
