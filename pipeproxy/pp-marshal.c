/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <gio/gfiledescriptorbased.h>
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

static const char * const tag_names[] = {
  [PP_TYPE_BOOLEAN]    = "gboolean",
  [PP_TYPE_INT8]       = "gint8",
  [PP_TYPE_UINT8]      = "guint8",
  [PP_TYPE_INT16]      = "gint16",
  [PP_TYPE_UINT16]     = "guint16",
  [PP_TYPE_INT32]      = "gint32",
  [PP_TYPE_UINT32]     = "guint32",
  [PP_TYPE_INT64]      = "gint64",
  [PP_TYPE_UINT64]     = "guint64",
  [PP_TYPE_FLOAT]      = "gfloat",
  [PP_TYPE_DOUBLE]     = "gdouble",
  [PP_TYPE_UNICHAR]    = "gunichar",
  [PP_TYPE_STRING]     = "utf8",
  [PP_TYPE_FILENAME]   = "filename",
  [PP_TYPE_GTYPE]      = "GType",
  [PP_TYPE_ENUM]       = "enum",
  [PP_TYPE_FLAGS]      = "flags",
  [PP_TYPE_VARIANT]    = "GVariant",
  [PP_TYPE_BYTES]      = "GBytes",
  [PP_TYPE_BYTE_ARRAY] = "GByteArray",
  [PP_TYPE_STRV]       = "GStrv",
  [PP_TYPE_C_ARRAY]    = "C array",
  [PP_TYPE_INPUT_STREAM]  = "GInputStream",
  [PP_TYPE_OUTPUT_STREAM] = "GOutputStream",
};

const char *
pp_type_tag_to_string (PpTypeTag tag)
{
  return tag_names[tag];
}

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

static char
scalar_signature (PpTypeTag tag)
{
  switch (tag)
    {
    case PP_TYPE_BOOLEAN:    return 'b';
    case PP_TYPE_INT8:       return 'n';
    case PP_TYPE_UINT8:      return 'y';
    case PP_TYPE_INT16:      return 'n';
    case PP_TYPE_UINT16:     return 'q';
    case PP_TYPE_INT32:      return 'i';
    case PP_TYPE_UINT32:     return 'u';
    case PP_TYPE_INT64:      return 'x';
    case PP_TYPE_UINT64:     return 't';
    case PP_TYPE_FLOAT:      return 'd';
    case PP_TYPE_DOUBLE:     return 'd';
    case PP_TYPE_UNICHAR:    return 'u';
    case PP_TYPE_STRING:     return 's';
    case PP_TYPE_GTYPE:      return 's';
    case PP_TYPE_ENUM:       return 'i';
    case PP_TYPE_FLAGS:      return 'u';
    case PP_TYPE_VARIANT:    return 'v';
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM: return 'h';
    case PP_TYPE_FILENAME:
    case PP_TYPE_BYTES:
    case PP_TYPE_BYTE_ARRAY:
    case PP_TYPE_STRV:
    case PP_TYPE_C_ARRAY:
    default:
      return 0;
    }
}

void
pp_type_desc_append_signature (const PpTypeDesc *desc,
                               GString          *signature)
{
  char c;

  if (desc->nullable)
    g_string_append_c (signature, 'm');

  switch (desc->tag)
    {
    case PP_TYPE_FILENAME:
    case PP_TYPE_BYTES:
    case PP_TYPE_BYTE_ARRAY:
      g_string_append (signature, "ay");
      return;
    case PP_TYPE_STRV:
      g_string_append (signature, "as");
      return;
    case PP_TYPE_C_ARRAY:
      g_string_append_c (signature, 'a');
      pp_type_desc_append_signature (desc->element, signature);
      return;
    case PP_TYPE_BOOLEAN:
    case PP_TYPE_INT8:
    case PP_TYPE_UINT8:
    case PP_TYPE_INT16:
    case PP_TYPE_UINT16:
    case PP_TYPE_INT32:
    case PP_TYPE_UINT32:
    case PP_TYPE_INT64:
    case PP_TYPE_UINT64:
    case PP_TYPE_FLOAT:
    case PP_TYPE_DOUBLE:
    case PP_TYPE_UNICHAR:
    case PP_TYPE_STRING:
    case PP_TYPE_GTYPE:
    case PP_TYPE_ENUM:
    case PP_TYPE_FLAGS:
    case PP_TYPE_VARIANT:
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
    default:
      c = scalar_signature (desc->tag);
      g_assert (c != 0);
      g_string_append_c (signature, c);
      return;
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

static gsize
element_size (PpTypeTag tag)
{
  switch (tag)
    {
    case PP_TYPE_BOOLEAN:    return sizeof (gboolean);
    case PP_TYPE_INT8:
    case PP_TYPE_UINT8:      return 1;
    case PP_TYPE_INT16:
    case PP_TYPE_UINT16:     return 2;
    case PP_TYPE_INT32:
    case PP_TYPE_UINT32:
    case PP_TYPE_UNICHAR:
    case PP_TYPE_FLOAT:
    case PP_TYPE_ENUM:
    case PP_TYPE_FLAGS:      return 4;
    case PP_TYPE_INT64:
    case PP_TYPE_UINT64:
    case PP_TYPE_DOUBLE:     return 8;
    case PP_TYPE_GTYPE:      return sizeof (GType);
    case PP_TYPE_STRING:
    case PP_TYPE_FILENAME:
    case PP_TYPE_VARIANT:
    case PP_TYPE_BYTES:
    case PP_TYPE_BYTE_ARRAY:
    case PP_TYPE_STRV:
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
    case PP_TYPE_C_ARRAY:
    default:                 return sizeof (gpointer);
    }
}

/* Elements whose C layout is the GVariant layout can be copied whole. */
static gboolean
element_is_fixed_copy (PpTypeTag tag)
{
  switch (tag)
    {
    case PP_TYPE_UINT8:
    case PP_TYPE_INT16:
    case PP_TYPE_UINT16:
    case PP_TYPE_INT32:
    case PP_TYPE_UINT32:
    case PP_TYPE_INT64:
    case PP_TYPE_UINT64:
    case PP_TYPE_DOUBLE:
    case PP_TYPE_ENUM:
    case PP_TYPE_FLAGS:
      return TRUE;
    /* Same layout, but every item must be checked */
    case PP_TYPE_UNICHAR:
    case PP_TYPE_BOOLEAN:
    case PP_TYPE_INT8:
    case PP_TYPE_FLOAT:
    case PP_TYPE_STRING:
    case PP_TYPE_FILENAME:
    case PP_TYPE_GTYPE:
    case PP_TYPE_VARIANT:
    case PP_TYPE_BYTES:
    case PP_TYPE_BYTE_ARRAY:
    case PP_TYPE_STRV:
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
    case PP_TYPE_C_ARRAY:
    default:
      return FALSE;
    }
}

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
null_or_error (const PpTypeDesc  *desc,
               GError           **error)
{
  GString *sig;

  if (desc->nullable)
    {
      GVariantType *type;
      GVariant *ret;

      sig = g_string_new (NULL);
      pp_type_desc_append_signature (desc, sig);
      type = g_variant_type_new (sig->str + 1);
      ret = g_variant_new_maybe (type, NULL);
      g_variant_type_free (type);
      g_string_free (sig, TRUE);
      return ret;
    }

  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("Got NULL for a %s that may not be NULL"), tag_names[desc->tag]);
  return NULL;
}

static GVariant *
checked_string (const char  *str,
                GError     **error)
{
  if (!g_utf8_validate (str, -1, NULL))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("A utf8 string is not valid UTF-8"));
      return NULL;
    }
  return g_variant_new_string (str);
}

static GVariant *
array_to_variant (const PpTypeDesc  *desc,
                  gconstpointer      data,
                  gsize              length,
                  GError           **error)
{
  const PpTypeDesc *element = desc->element;
  gsize size = element_size (element->tag);
  g_autoptr(GString) sig = g_string_new (NULL);
  GVariantBuilder builder;

  pp_type_desc_append_signature (element, sig);

  if (element_is_fixed_copy (element->tag) && !element->nullable &&
      element->tag != PP_TYPE_ENUM && element->tag != PP_TYPE_FLAGS)
    return g_variant_new_fixed_array (G_VARIANT_TYPE (sig->str), data, length, size);

  g_string_prepend_c (sig, 'a');
  g_variant_builder_init (&builder, G_VARIANT_TYPE (sig->str));
  for (gsize i = 0; i < length; i++)
    {
      PpArgValue item = { 0 };
      GVariant *child;

      memcpy (&item, (const guint8 *) data + i * size, size);
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

static gsize
zero_terminated_length (const PpTypeDesc *desc,
                        gconstpointer     data)
{
  gsize size = element_size (desc->element->tag);
  static const guint8 zero[16] = { 0 };
  gsize n = 0;

  if (data == NULL)
    return 0;
  while (memcmp ((const guint8 *) data + n * size, zero, size) != 0)
    n++;
  return n;
}

/* Streams ----------------------------------------------------------------
 *
 * A stream crosses as a descriptor. One that has none of its own (a
 * memory stream, a converter) is spliced through a pipe in the
 * thread-default main context, which runs until the peer closes its end. */

/* Appends the stream's descriptor to *@out_fds, made on demand */
static GVariant *
stream_to_handle (GObject       *stream,
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

static GObject *
stream_from_handle (gboolean      input,
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

GVariant *
pp_marshal_to_variant (const PpTypeDesc  *desc,
                       const PpArgValue  *value,
                       gsize              length,
                       PpMarshalScope    *scope,
                       GError           **error)
{
  GVariant *ret = NULL;

  switch (desc->tag)
    {
    case PP_TYPE_BOOLEAN:
      ret = g_variant_new_boolean (value->v_boolean != FALSE);
      break;
    case PP_TYPE_INT8:
      ret = g_variant_new_int16 (value->v_int8);
      break;
    case PP_TYPE_UINT8:
      ret = g_variant_new_byte (value->v_uint8);
      break;
    case PP_TYPE_INT16:
      ret = g_variant_new_int16 (value->v_int16);
      break;
    case PP_TYPE_UINT16:
      ret = g_variant_new_uint16 (value->v_uint16);
      break;
    case PP_TYPE_INT32:
      ret = g_variant_new_int32 (value->v_int32);
      break;
    case PP_TYPE_UINT32:
    case PP_TYPE_UNICHAR:
      ret = g_variant_new_uint32 (value->v_uint32);
      break;
    case PP_TYPE_INT64:
      ret = g_variant_new_int64 (value->v_int64);
      break;
    case PP_TYPE_UINT64:
      ret = g_variant_new_uint64 (value->v_uint64);
      break;
    case PP_TYPE_FLOAT:
      ret = g_variant_new_double (value->v_float);
      break;
    case PP_TYPE_DOUBLE:
      ret = g_variant_new_double (value->v_double);
      break;
    case PP_TYPE_ENUM:
      ret = g_variant_new_int32 (value->v_int32);
      break;
    case PP_TYPE_FLAGS:
      ret = g_variant_new_uint32 (value->v_uint32);
      break;
    case PP_TYPE_GTYPE:
      {
        const char *name = value->v_size ? g_type_name ((GType) value->v_size) : NULL;
        ret = g_variant_new_string (name ? name : "");
      }
      break;
    case PP_TYPE_STRING:
      if (value->v_string == NULL)
        return null_or_error (desc, error);
      ret = checked_string (value->v_string, error);
      break;
    case PP_TYPE_FILENAME:
      if (value->v_string == NULL)
        return null_or_error (desc, error);
      ret = g_variant_new_bytestring (value->v_string);
      break;
    case PP_TYPE_VARIANT:
      if (value->v_pointer == NULL)
        return null_or_error (desc, error);
      ret = g_variant_new_variant (value->v_pointer);
      break;
    case PP_TYPE_BYTES:
      if (value->v_pointer == NULL)
        return null_or_error (desc, error);
      ret = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, value->v_pointer, TRUE);
      break;
    case PP_TYPE_BYTE_ARRAY:
      {
        GByteArray *array = value->v_pointer;

        if (array == NULL)
          return null_or_error (desc, error);
        ret = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, array->data, array->len, 1);
      }
      break;
    case PP_TYPE_STRV:
      {
        const char * const *strv = value->v_pointer;

        if (strv == NULL)
          return null_or_error (desc, error);
        for (gsize i = 0; strv[i] != NULL; i++)
          if (!g_utf8_validate (strv[i], -1, NULL))
            {
              g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                           _("Item %llu of a string array is not valid UTF-8"),
                           (unsigned long long) i);
              return NULL;
            }
        ret = g_variant_new_strv (strv, -1);
      }
      break;
    case PP_TYPE_C_ARRAY:
      if (value->v_pointer == NULL && !(desc->length_arg >= 0 && length == 0))
        return null_or_error (desc, error);
      if (desc->fixed_size >= 0)
        length = desc->fixed_size;
      else if (desc->length_arg < 0)
        length = zero_terminated_length (desc, value->v_pointer);
      ret = array_to_variant (desc, value->v_pointer, length, error);
      break;
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
      if (value->v_pointer == NULL)
        return null_or_error (desc, error);
      ret = stream_to_handle (value->v_pointer, scope ? &scope->out_fds : NULL, error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (ret != NULL && desc->nullable)
    ret = g_variant_new_maybe (NULL, ret);

  return ret;
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
  const PpTypeDesc *element = desc->element;
  gsize size = element_size (element->tag);
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

  if (element_is_fixed_copy (element->tag) && !element->nullable &&
      element->tag != PP_TYPE_ENUM && element->tag != PP_TYPE_FLAGS && n > 0)
    {
      gsize n_items;
      gconstpointer src = g_variant_get_fixed_array (variant, &n_items, size);

      memcpy (data, src, n_items * size);
    }
  else
    {
      /* Items handed over in full own their contents; a container-only
       * transfer leaves the items to us. */
      PpTransfer item_transfer = transfer == PP_TRANSFER_FULL ? PP_TRANSFER_FULL : PP_TRANSFER_NONE;

      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (variant, i);
          PpArgValue item = { 0 };

          if (!pp_marshal_from_variant (element, child, item_transfer, scope, &item, NULL, error))
            {
              if (transfer != PP_TRANSFER_NONE)
                {
                  /* Items converted so far were handed over too */
                  for (gsize j = 0; j < i && item_transfer == PP_TRANSFER_FULL; j++)
                    {
                      PpArgValue done = { 0 };

                      memcpy (&done, data + j * size, size);
                      pp_marshal_free_value (element, &done, 0, PP_TRANSFER_FULL);
                    }
                  g_free (data);
                }
              return FALSE;
            }
          memcpy (data + i * size, &item, size);
        }
    }

  value->v_pointer = data;
  if (length != NULL)
    *length = n;
  return TRUE;
}

static gboolean
get_nul_terminated_bytes (GVariant    *variant,
                          const char **out,
                          GError     **error)
{
  gsize size;
  const char *data = g_variant_get_fixed_array (variant, &size, 1);

  if (size == 0 || data[size - 1] != '\0' || memchr (data, '\0', size - 1) != NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("A filename must be bytes ending in one nul byte"));
      return FALSE;
    }
  *out = data;
  return TRUE;
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

  switch (desc->tag)
    {
    case PP_TYPE_BOOLEAN:
      value->v_boolean = g_variant_get_boolean (variant);
      return TRUE;
    case PP_TYPE_INT8:
      {
        gint16 v = g_variant_get_int16 (variant);

        if (v < G_MININT8 || v > G_MAXINT8)
          {
            g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                         _("%d is out of range for gint8"), v);
            return FALSE;
          }
        value->v_int8 = v;
      }
      return TRUE;
    case PP_TYPE_UINT8:
      value->v_uint8 = g_variant_get_byte (variant);
      return TRUE;
    case PP_TYPE_INT16:
      value->v_int16 = g_variant_get_int16 (variant);
      return TRUE;
    case PP_TYPE_UINT16:
      value->v_uint16 = g_variant_get_uint16 (variant);
      return TRUE;
    case PP_TYPE_INT32:
      value->v_int32 = g_variant_get_int32 (variant);
      return TRUE;
    case PP_TYPE_UINT32:
      value->v_uint32 = g_variant_get_uint32 (variant);
      return TRUE;
    case PP_TYPE_UNICHAR:
      value->v_uint32 = g_variant_get_uint32 (variant);
      if (!g_unichar_validate (value->v_uint32))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("0x%x is not a Unicode character"), value->v_uint32);
          return FALSE;
        }
      return TRUE;
    case PP_TYPE_INT64:
      value->v_int64 = g_variant_get_int64 (variant);
      return TRUE;
    case PP_TYPE_UINT64:
      value->v_uint64 = g_variant_get_uint64 (variant);
      return TRUE;
    case PP_TYPE_FLOAT:
      value->v_float = (gfloat) g_variant_get_double (variant);
      return TRUE;
    case PP_TYPE_DOUBLE:
      value->v_double = g_variant_get_double (variant);
      return TRUE;
    case PP_TYPE_ENUM:
      value->v_int32 = g_variant_get_int32 (variant);
      return check_enum_value (desc, value->v_int32, error);
    case PP_TYPE_FLAGS:
      value->v_uint32 = g_variant_get_uint32 (variant);
      return check_flags_value (desc, value->v_uint32, error);
    case PP_TYPE_GTYPE:
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
      }
      return TRUE;
    case PP_TYPE_STRING:
      value->v_string = (char *) g_variant_get_string (variant, NULL);
      if (transfer != PP_TRANSFER_NONE)
        value->v_string = g_strdup (value->v_string);
      return TRUE;
    case PP_TYPE_FILENAME:
      {
        const char *str;

        if (!get_nul_terminated_bytes (variant, &str, error))
          return FALSE;
        value->v_string = transfer != PP_TRANSFER_NONE ? g_strdup (str) : (char *) str;
      }
      return TRUE;
    case PP_TYPE_VARIANT:
      value->v_pointer = g_variant_get_variant (variant);
      if (transfer == PP_TRANSFER_NONE)
        pp_marshal_scope_add (scope, (GDestroyNotify) g_variant_unref, value->v_pointer);
      return TRUE;
    case PP_TYPE_BYTES:
      value->v_pointer = g_variant_get_data_as_bytes (variant);
      if (transfer == PP_TRANSFER_NONE)
        pp_marshal_scope_add (scope, (GDestroyNotify) g_bytes_unref, value->v_pointer);
      return TRUE;
    case PP_TYPE_BYTE_ARRAY:
      {
        gsize size;
        gconstpointer data = g_variant_get_fixed_array (variant, &size, 1);
        GByteArray *array = g_byte_array_sized_new (size);

        g_byte_array_append (array, data, size);
        value->v_pointer = array;
        if (transfer == PP_TRANSFER_NONE)
          pp_marshal_scope_add (scope, (GDestroyNotify) g_byte_array_unref, array);
      }
      return TRUE;
    case PP_TYPE_STRV:
      if (transfer == PP_TRANSFER_FULL)
        value->v_pointer = g_variant_dup_strv (variant, NULL);
      else
        {
          value->v_pointer = g_variant_get_strv (variant, NULL);
          if (transfer == PP_TRANSFER_NONE)
            pp_marshal_scope_add (scope, g_free, value->v_pointer);
        }
      return TRUE;
    case PP_TYPE_C_ARRAY:
      return array_from_variant (desc, variant, transfer, scope, value, length, error);
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
      value->v_pointer = stream_from_handle (desc->tag == PP_TYPE_INPUT_STREAM, variant,
                                             scope ? scope->in_fds : NULL, error);
      if (value->v_pointer == NULL)
        return FALSE;
      if (transfer == PP_TRANSFER_NONE)
        pp_marshal_scope_add (scope, g_object_unref, value->v_pointer);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

void
pp_marshal_free_value (const PpTypeDesc *desc,
                       PpArgValue       *value,
                       gsize             length,
                       PpTransfer        transfer)
{
  if (transfer == PP_TRANSFER_NONE || value->v_pointer == NULL)
    return;

  switch (desc->tag)
    {
    case PP_TYPE_STRING:
    case PP_TYPE_FILENAME:
      g_free (value->v_string);
      break;
    case PP_TYPE_VARIANT:
      g_variant_unref (value->v_pointer);
      break;
    case PP_TYPE_BYTES:
      g_bytes_unref (value->v_pointer);
      break;
    case PP_TYPE_BYTE_ARRAY:
      g_byte_array_unref (value->v_pointer);
      break;
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
      g_object_unref (value->v_pointer);
      break;
    case PP_TYPE_STRV:
      if (transfer == PP_TRANSFER_FULL)
        g_strfreev (value->v_pointer);
      else
        g_free (value->v_pointer);
      break;
    case PP_TYPE_C_ARRAY:
      if (transfer == PP_TRANSFER_FULL && element_size (desc->element->tag) == sizeof (gpointer) &&
          !element_is_fixed_copy (desc->element->tag) && desc->element->tag != PP_TYPE_GTYPE)
        {
          gpointer *items = value->v_pointer;

          if (desc->fixed_size >= 0)
            length = desc->fixed_size;
          else if (desc->length_arg < 0)
            length = zero_terminated_length (desc, items);
          for (gsize i = 0; i < length; i++)
            {
              PpArgValue item = { .v_pointer = items[i] };
              pp_marshal_free_value (desc->element, &item, 0, PP_TRANSFER_FULL);
            }
        }
      g_free (value->v_pointer);
      break;
    case PP_TYPE_BOOLEAN:
    case PP_TYPE_INT8:
    case PP_TYPE_UINT8:
    case PP_TYPE_INT16:
    case PP_TYPE_UINT16:
    case PP_TYPE_INT32:
    case PP_TYPE_UINT32:
    case PP_TYPE_INT64:
    case PP_TYPE_UINT64:
    case PP_TYPE_FLOAT:
    case PP_TYPE_DOUBLE:
    case PP_TYPE_UNICHAR:
    case PP_TYPE_GTYPE:
    case PP_TYPE_ENUM:
    case PP_TYPE_FLAGS:
    default:
      break;
    }
}

gboolean
pp_marshal_read_length (PpTypeTag         tag,
                        const PpArgValue *value,
                        gsize            *length)
{
  gint64 v;

  switch (tag)
    {
    case PP_TYPE_INT8:   v = value->v_int8; break;
    case PP_TYPE_UINT8:  v = value->v_uint8; break;
    case PP_TYPE_INT16:  v = value->v_int16; break;
    case PP_TYPE_UINT16: v = value->v_uint16; break;
    case PP_TYPE_INT32:  v = value->v_int32; break;
    case PP_TYPE_UINT32: v = value->v_uint32; break;
    case PP_TYPE_INT64:  v = value->v_int64; break;
    case PP_TYPE_UINT64:
      if (value->v_uint64 > G_MAXSIZE)
        return FALSE;
      *length = value->v_uint64;
      return TRUE;
    case PP_TYPE_BOOLEAN:
    case PP_TYPE_FLOAT:
    case PP_TYPE_DOUBLE:
    case PP_TYPE_UNICHAR:
    case PP_TYPE_STRING:
    case PP_TYPE_FILENAME:
    case PP_TYPE_GTYPE:
    case PP_TYPE_ENUM:
    case PP_TYPE_FLAGS:
    case PP_TYPE_VARIANT:
    case PP_TYPE_BYTES:
    case PP_TYPE_BYTE_ARRAY:
    case PP_TYPE_STRV:
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
    case PP_TYPE_C_ARRAY:
    default:
      return FALSE;
    }
  if (v < 0)
    return FALSE;
  *length = v;
  return TRUE;
}

void
pp_marshal_write_length (PpTypeTag   tag,
                         gsize       length,
                         PpArgValue *value)
{
  memset (value, 0, sizeof *value);
  switch (tag)
    {
    case PP_TYPE_INT8:   value->v_int8 = length; break;
    case PP_TYPE_UINT8:  value->v_uint8 = length; break;
    case PP_TYPE_INT16:  value->v_int16 = length; break;
    case PP_TYPE_UINT16: value->v_uint16 = length; break;
    case PP_TYPE_INT32:  value->v_int32 = length; break;
    case PP_TYPE_UINT32: value->v_uint32 = length; break;
    case PP_TYPE_INT64:  value->v_int64 = length; break;
    case PP_TYPE_UINT64: value->v_uint64 = length; break;
    case PP_TYPE_BOOLEAN:
    case PP_TYPE_FLOAT:
    case PP_TYPE_DOUBLE:
    case PP_TYPE_UNICHAR:
    case PP_TYPE_STRING:
    case PP_TYPE_FILENAME:
    case PP_TYPE_GTYPE:
    case PP_TYPE_ENUM:
    case PP_TYPE_FLAGS:
    case PP_TYPE_VARIANT:
    case PP_TYPE_BYTES:
    case PP_TYPE_BYTE_ARRAY:
    case PP_TYPE_STRV:
    case PP_TYPE_INPUT_STREAM:
    case PP_TYPE_OUTPUT_STREAM:
    case PP_TYPE_C_ARRAY:
    default:
      break;
    }
}

/* GValue rules */

gboolean
pp_marshal_gtype_signature (GType     type,
                            GString  *signature,
                            GError  **error)
{
  const char *sig = NULL;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: sig = "b"; break;
    case G_TYPE_CHAR:    sig = "n"; break;
    case G_TYPE_UCHAR:   sig = "y"; break;
    case G_TYPE_INT:     sig = "i"; break;
    case G_TYPE_UINT:    sig = "u"; break;
    case G_TYPE_LONG:    sig = "x"; break;
    case G_TYPE_ULONG:   sig = "t"; break;
    case G_TYPE_INT64:   sig = "x"; break;
    case G_TYPE_UINT64:  sig = "t"; break;
    case G_TYPE_FLOAT:   sig = "d"; break;
    case G_TYPE_DOUBLE:  sig = "d"; break;
    case G_TYPE_ENUM:    sig = "i"; break;
    case G_TYPE_FLAGS:   sig = "u"; break;
    case G_TYPE_STRING:  sig = "s"; break;
    case G_TYPE_VARIANT: sig = "v"; break;
    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        sig = "as";
      else if (type == G_TYPE_BYTES || type == G_TYPE_BYTE_ARRAY)
        sig = "ay";
      else if (type == G_TYPE_GTYPE)
        sig = "s";
      break;
    default:
      if (type == G_TYPE_GTYPE)
        sig = "s";
      break;
    }

  if (sig == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("Values of type %s cannot be sent to another process"),
                   g_type_name (type));
      return FALSE;
    }

  g_string_append (signature, sig);
  return TRUE;
}

GVariant *
pp_marshal_value_to_variant (const GValue  *value,
                             GError       **error)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_GTYPE)
    {
      GType t = g_value_get_gtype (value);
      return g_variant_new_string (t ? g_type_name (t) : "");
    }

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: return g_variant_new_boolean (g_value_get_boolean (value));
    case G_TYPE_CHAR:    return g_variant_new_int16 (g_value_get_schar (value));
    case G_TYPE_UCHAR:   return g_variant_new_byte (g_value_get_uchar (value));
    case G_TYPE_INT:     return g_variant_new_int32 (g_value_get_int (value));
    case G_TYPE_UINT:    return g_variant_new_uint32 (g_value_get_uint (value));
    case G_TYPE_LONG:    return g_variant_new_int64 (g_value_get_long (value));
    case G_TYPE_ULONG:   return g_variant_new_uint64 (g_value_get_ulong (value));
    case G_TYPE_INT64:   return g_variant_new_int64 (g_value_get_int64 (value));
    case G_TYPE_UINT64:  return g_variant_new_uint64 (g_value_get_uint64 (value));
    case G_TYPE_FLOAT:   return g_variant_new_double (g_value_get_float (value));
    case G_TYPE_DOUBLE:  return g_variant_new_double (g_value_get_double (value));
    case G_TYPE_ENUM:    return g_variant_new_int32 (g_value_get_enum (value));
    case G_TYPE_FLAGS:   return g_variant_new_uint32 (g_value_get_flags (value));
    case G_TYPE_STRING:
      {
        const char *str = g_value_get_string (value);

        if (str == NULL)
          {
            g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                         _("Got NULL for a string that may not be NULL"));
            return NULL;
          }
        return checked_string (str, error);
      }
    case G_TYPE_VARIANT:
      {
        GVariant *v = g_value_get_variant (value);

        if (v == NULL)
          {
            g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                         _("Got NULL for a GVariant that may not be NULL"));
            return NULL;
          }
        return g_variant_new_variant (v);
      }
    case G_TYPE_BOXED:
      {
        PpTypeDesc desc = { .length_arg = -1, .fixed_size = -1 };
        PpArgValue arg = { .v_pointer = g_value_get_boxed (value) };

        if (type == G_TYPE_STRV)
          desc.tag = PP_TYPE_STRV;
        else if (type == G_TYPE_BYTES)
          desc.tag = PP_TYPE_BYTES;
        else if (type == G_TYPE_BYTE_ARRAY)
          desc.tag = PP_TYPE_BYTE_ARRAY;
        else
          break;
        return pp_marshal_to_variant (&desc, &arg, 0, NULL, error);
      }
    default:
      break;
    }

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("Values of type %s cannot be sent to another process"),
               g_type_name (type));
  return NULL;
}

/* The one-letter signature of a basic GValue type, or 0: those are
 * checked without building a signature, since a signal's arguments go
 * through here one by one */
static char
basic_signature (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: return 'b';
    case G_TYPE_CHAR:    return 'n';
    case G_TYPE_UCHAR:   return 'y';
    case G_TYPE_INT:     return 'i';
    case G_TYPE_UINT:    return 'u';
    case G_TYPE_LONG:    return 'x';
    case G_TYPE_ULONG:   return 't';
    case G_TYPE_INT64:   return 'x';
    case G_TYPE_UINT64:  return 't';
    case G_TYPE_FLOAT:   return 'd';
    case G_TYPE_DOUBLE:  return 'd';
    case G_TYPE_ENUM:    return 'i';
    case G_TYPE_FLAGS:   return 'u';
    case G_TYPE_STRING:  return 's';
    case G_TYPE_VARIANT: return 'v';
    default:             return 0;
    }
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
  GType fundamental = G_TYPE_FUNDAMENTAL (type);
  char basic;

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

  /* Enums and flags have values to check; GType has a name to look up */
  if (fundamental == G_TYPE_ENUM || fundamental == G_TYPE_FLAGS || fundamental == G_TYPE_STRING ||
      fundamental == G_TYPE_VARIANT || type == G_TYPE_GTYPE)
    return FALSE;
  basic = basic_signature (type);
  if (basic == 0 || signature_length != 1 || signature[0] != basic)
    return FALSE;

  g_value_init (value, type);
  switch (fundamental)
    {
    case G_TYPE_BOOLEAN: g_value_set_boolean (value, data[0] != 0); return TRUE;
    case G_TYPE_CHAR:
      {
        gint16 v;

        memcpy (&v, data, sizeof v);
        v = GINT16_FROM_LE (v);
        if (v < G_MININT8 || v > G_MAXINT8)
          {
            g_value_unset (value);
            return FALSE;  /* the slow path says why */
          }
        g_value_set_schar (value, v);
        return TRUE;
      }
    case G_TYPE_UCHAR: g_value_set_uchar (value, data[0]); return TRUE;
    case G_TYPE_INT:
    case G_TYPE_UINT:
      {
        guint32 v;

        memcpy (&v, data, sizeof v);
        v = GUINT32_FROM_LE (v);
        if (fundamental == G_TYPE_INT)
          g_value_set_int (value, (gint32) v);
        else
          g_value_set_uint (value, v);
        return TRUE;
      }
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      {
        guint64 v;

        memcpy (&v, data, sizeof v);
        v = GUINT64_FROM_LE (v);
        if (fundamental == G_TYPE_LONG)
          g_value_set_long (value, (gint64) v);
        else if (fundamental == G_TYPE_ULONG)
          g_value_set_ulong (value, v);
        else if (fundamental == G_TYPE_INT64)
          g_value_set_int64 (value, (gint64) v);
        else
          g_value_set_uint64 (value, v);
        return TRUE;
      }
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      {
        guint64 bits;
        double v;

        memcpy (&bits, data, sizeof bits);
        bits = GUINT64_FROM_LE (bits);
        memcpy (&v, &bits, sizeof v);
        if (fundamental == G_TYPE_FLOAT)
          g_value_set_float (value, v);
        else
          g_value_set_double (value, v);
        return TRUE;
      }
    default:
      g_value_unset (value);
      return FALSE;
    }
}

gboolean
pp_marshal_value_from_variant (GVariant  *variant,
                               GType      type,
                               GValue    *value,
                               GError   **error)
{
  char basic = type == G_TYPE_GTYPE ? 0 : basic_signature (type);
  const char *got = g_variant_get_type_string (variant);

  if (basic != 0)
    {
      if (got[0] != basic || got[1] != '\0')
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("Expected a value of type %c, got %s"), basic, got);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GString) sig = g_string_new (NULL);

      if (!pp_marshal_gtype_signature (type, sig, error))
        return FALSE;

      if (!g_str_equal (got, sig->str))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("Expected a value of type %s, got %s"), sig->str, got);
          return FALSE;
        }
    }

  g_value_init (value, type);

  if (type == G_TYPE_GTYPE)
    {
      PpTypeDesc desc = { .tag = PP_TYPE_GTYPE, .length_arg = -1, .fixed_size = -1 };
      PpArgValue arg;

      if (!pp_marshal_from_variant (&desc, variant, PP_TRANSFER_NONE, NULL, &arg, NULL, error))
        return FALSE;
      g_value_set_gtype (value, arg.v_size);
      return TRUE;
    }

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: g_value_set_boolean (value, g_variant_get_boolean (variant)); break;
    case G_TYPE_CHAR:
      {
        gint16 v = g_variant_get_int16 (variant);

        if (v < G_MININT8 || v > G_MAXINT8)
          {
            g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                         _("%d is out of range for gchar"), v);
            return FALSE;
          }
        g_value_set_schar (value, v);
      }
      break;
    case G_TYPE_UCHAR:   g_value_set_uchar (value, g_variant_get_byte (variant)); break;
    case G_TYPE_INT:     g_value_set_int (value, g_variant_get_int32 (variant)); break;
    case G_TYPE_UINT:    g_value_set_uint (value, g_variant_get_uint32 (variant)); break;
    case G_TYPE_LONG:    g_value_set_long (value, g_variant_get_int64 (variant)); break;
    case G_TYPE_ULONG:   g_value_set_ulong (value, g_variant_get_uint64 (variant)); break;
    case G_TYPE_INT64:   g_value_set_int64 (value, g_variant_get_int64 (variant)); break;
    case G_TYPE_UINT64:  g_value_set_uint64 (value, g_variant_get_uint64 (variant)); break;
    case G_TYPE_FLOAT:   g_value_set_float (value, g_variant_get_double (variant)); break;
    case G_TYPE_DOUBLE:  g_value_set_double (value, g_variant_get_double (variant)); break;
    case G_TYPE_ENUM:
      {
        PpTypeDesc desc = { .tag = PP_TYPE_ENUM, .gtype = type };

        if (!check_enum_value (&desc, g_variant_get_int32 (variant), error))
          return FALSE;
        g_value_set_enum (value, g_variant_get_int32 (variant));
      }
      break;
    case G_TYPE_FLAGS:
      {
        PpTypeDesc desc = { .tag = PP_TYPE_FLAGS, .gtype = type };

        if (!check_flags_value (&desc, g_variant_get_uint32 (variant), error))
          return FALSE;
        g_value_set_flags (value, g_variant_get_uint32 (variant));
      }
      break;
    case G_TYPE_STRING:  g_value_set_string (value, g_variant_get_string (variant, NULL)); break;
    case G_TYPE_VARIANT: g_value_take_variant (value, g_variant_get_variant (variant)); break;
    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        g_value_take_boxed (value, g_variant_dup_strv (variant, NULL));
      else if (type == G_TYPE_BYTES)
        g_value_take_boxed (value, g_variant_get_data_as_bytes (variant));
      else
        {
          gsize size;
          gconstpointer data = g_variant_get_fixed_array (variant, &size, 1);
          GByteArray *array = g_byte_array_sized_new (size);

          g_byte_array_append (array, data, size);
          g_value_take_boxed (value, array);
        }
      break;
    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

static gboolean
value_type_is_pointer (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING:
    case G_TYPE_BOXED:
    case G_TYPE_VARIANT:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
value_is_null (const GValue *value)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_STRING:
    case G_TYPE_BOXED:
    case G_TYPE_VARIANT:
      return g_value_peek_pointer (value) == NULL;
    default:
      return FALSE;
    }
}

GVariant *
pp_marshal_value_to_maybe (const GValue  *value,
                           GError       **error)
{
  GVariant *inner;

  if (value_is_null (value))
    return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);

  inner = pp_marshal_value_to_variant (value, error);
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

  inner = g_variant_get_variant (boxed);
  return pp_marshal_value_from_variant (inner, type, value, error);
}

/* The GType a mirror uses for a remote value: the remote's own type when
 * this process knows it and it travels as @signature, else the plain type
 * of the signature. */
static gboolean
is_stream_type (GType type)
{
  return type == G_TYPE_INPUT_STREAM || type == G_TYPE_OUTPUT_STREAM;
}

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
  /* By name: GIO registers its stream types only when first used */
  if (g_str_equal (signature, "h") && g_strcmp0 (type_name, "GInputStream") == 0)
    return G_TYPE_INPUT_STREAM;
  if (g_str_equal (signature, "h") && g_strcmp0 (type_name, "GOutputStream") == 0)
    return G_TYPE_OUTPUT_STREAM;
  return G_TYPE_INVALID;
}

gboolean
pp_marshal_gtype_nullable_signature (GType     type,
                                     GString  *signature,
                                     GError  **error)
{
  gsize start = signature->len;

  /* Signals only: a stream crosses as a descriptor sent with the message */
  if (is_stream_type (type))
    {
      g_string_append (signature, "mh");
      return TRUE;
    }

  if (!pp_marshal_gtype_signature (type, signature, error))
    return FALSE;
  if (type != G_TYPE_GTYPE && value_type_is_pointer (type))
    g_string_insert_c (signature, start, 'm');
  return TRUE;
}

GVariant *
pp_marshal_value_to_nullable (const GValue  *value,
                              GUnixFDList  **out_fds,
                              GError       **error)
{
  GType type = G_VALUE_TYPE (value);
  GVariant *inner;

  if (is_stream_type (type))
    {
      GObject *stream = g_value_get_object (value);

      if (stream == NULL)
        return g_variant_new_maybe (G_VARIANT_TYPE_HANDLE, NULL);
      inner = stream_to_handle (stream, out_fds, error);
      return inner ? g_variant_new_maybe (NULL, inner) : NULL;
    }

  if (type == G_TYPE_GTYPE || !value_type_is_pointer (type))
    return pp_marshal_value_to_variant (value, error);

  if (value_is_null (value))
    {
      g_autoptr(GString) signature = g_string_new (NULL);

      if (!pp_marshal_gtype_signature (type, signature, error))
        return NULL;
      return g_variant_new_maybe (G_VARIANT_TYPE (signature->str), NULL);
    }

  inner = pp_marshal_value_to_variant (value, error);
  return inner ? g_variant_new_maybe (NULL, inner) : NULL;
}

gboolean
pp_marshal_value_from_nullable (GVariant     *variant,
                                GType         type,
                                GUnixFDList  *in_fds,
                                GValue       *value,
                                GError      **error)
{
  g_autoptr(GVariant) inner = NULL;

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
          stream = stream_from_handle (type == G_TYPE_INPUT_STREAM, inner, in_fds, error);
          if (stream == NULL)
            return FALSE;
        }
      g_value_init (value, type);
      g_value_take_object (value, stream);
      return TRUE;
    }

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE_MAYBE))
    return pp_marshal_value_from_variant (variant, type, value, error);

  inner = g_variant_get_maybe (variant);
  if (inner == NULL)
    {
      g_value_init (value, type);
      return TRUE;
    }
  return pp_marshal_value_from_variant (inner, type, value, error);
}
