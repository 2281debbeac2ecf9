/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-buffer-private.h"
#include "pp-error.h"
#include "pp-wire-private.h"

static const char * const body_type_strings[] = {
  [PP_WIRE_KIND_HELLO]   = "(sua{sv})",
  [PP_WIRE_KIND_WELCOME] = "(sua{sv})",
  [PP_WIRE_KIND_CALL]    = "(sv)",
  [PP_WIRE_KIND_RETURN]  = "v",
  [PP_WIRE_KIND_ERROR]   = "(sis)",
  [PP_WIRE_KIND_SIGNAL]  = "(ssv)",
  [PP_WIRE_KIND_CANCEL]  = "()",
  [PP_WIRE_KIND_SUBSCRIBE] = "(s)",
  [PP_WIRE_KIND_UNSUBSCRIBE] = "(s)",
  [PP_WIRE_KIND_PROPERTY] = "(smv)",
  [PP_WIRE_KIND_SET_PROPERTY] = "(smv)",
};

static const char * const kind_names[] = {
  [PP_WIRE_KIND_HELLO]   = "HELLO",
  [PP_WIRE_KIND_WELCOME] = "WELCOME",
  [PP_WIRE_KIND_CALL]    = "CALL",
  [PP_WIRE_KIND_RETURN]  = "RETURN",
  [PP_WIRE_KIND_ERROR]   = "ERROR",
  [PP_WIRE_KIND_SIGNAL]  = "SIGNAL",
  [PP_WIRE_KIND_CANCEL]  = "CANCEL",
  [PP_WIRE_KIND_SUBSCRIBE] = "SUBSCRIBE",
  [PP_WIRE_KIND_UNSUBSCRIBE] = "UNSUBSCRIBE",
  [PP_WIRE_KIND_PROPERTY] = "PROPERTY",
  [PP_WIRE_KIND_SET_PROPERTY] = "SET_PROPERTY",
};

const GVariantType *
pp_wire_body_type (PpWireKind kind)
{
  g_return_val_if_fail (kind >= PP_WIRE_KIND_HELLO && kind <= PP_WIRE_KIND_LAST, NULL);

  return G_VARIANT_TYPE (body_type_strings[kind]);
}

const char *
pp_wire_kind_to_string (PpWireKind kind)
{
  if (kind >= PP_WIRE_KIND_HELLO && kind <= PP_WIRE_KIND_LAST)
    return kind_names[kind];
  return "unknown";
}

gsize
pp_wire_frame_size (gsize body_size)
{
  return PP_WIRE_HEADER_SIZE + ((body_size + PP_WIRE_ALIGN - 1) & ~(gsize) (PP_WIRE_ALIGN - 1));
}

/* How many bytes of the stream the frame takes */
gsize
pp_wire_stream_size (const PpWireHeader *header)
{
  if (header->flags & PP_WIRE_FLAGS_BODY_IN_FD)
    return PP_WIRE_HEADER_SIZE;
  return pp_wire_frame_size (header->body_size);
}

static inline guint32
read_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return GUINT32_FROM_LE (v);
}

static inline void
write_u32 (guint8  *p,
           guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

/* @data holds at least PP_WIRE_HEADER_SIZE bytes straight from the peer. */
gboolean
pp_wire_parse_header (const guint8  *data,
                      gsize          max_body_size,
                      PpWireHeader  *header,
                      GError       **error)
{
  guint16 n_fds;

  header->body_size = read_u32 (data);
  header->kind = data[4];
  header->flags = data[5];
  memcpy (&n_fds, data + 6, sizeof n_fds);
  header->n_fds = GUINT16_FROM_LE (n_fds);
  header->serial = read_u32 (data + 8);
  header->timeout_msec = read_u32 (data + 12);

  if (header->kind < PP_WIRE_KIND_HELLO || header->kind > PP_WIRE_KIND_LAST)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of unknown kind %u"), header->kind);
      return FALSE;
    }

  if ((header->flags & ~PP_WIRE_FLAGS_ALL) != 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with unknown flags set"),
                   kind_names[header->kind]);
      return FALSE;
    }

  if (header->n_fds > PP_WIRE_MAX_FDS ||
      ((header->flags & PP_WIRE_FLAGS_BODY_IN_FD) && header->n_fds == 0))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s with %u file descriptors, which is not valid"),
                   kind_names[header->kind], header->n_fds);
      return FALSE;
    }

  if (header->body_size > max_body_size)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("Received a frame of kind %s with %u bytes, over the limit of %llu bytes"),
                   kind_names[header->kind], header->body_size,
                   (unsigned long long) max_body_size);
      return FALSE;
    }

  return TRUE;
}

void
pp_wire_write_header (const PpWireHeader *header,
                      guint8             *data)
{
  guint16 n_fds = GUINT16_TO_LE (header->n_fds);

  write_u32 (data, header->body_size);
  data[4] = header->kind;
  data[5] = header->flags;
  memcpy (data + 6, &n_fds, sizeof n_fds);
  write_u32 (data + 8, header->serial);
  write_u32 (data + 12, header->timeout_msec);
}

GBytes *
pp_wire_encode (PpWireKind   kind,
                PpWireFlags  flags,
                guint32      serial,
                guint32      timeout_msec,
                GVariant    *body)
{
  g_autoptr(GVariant) owned = NULL;
  guint8 *frame;
  gsize body_size;
  gsize frame_size;
  gsize capacity;

  g_return_val_if_fail (body != NULL, NULL);

  owned = g_variant_ref_sink (body);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (owned);
    g_variant_unref (owned);
    owned = swapped;
  }
#endif

  body_size = g_variant_get_size (owned);
  g_return_val_if_fail (body_size <= G_MAXUINT32, NULL);
  frame_size = pp_wire_frame_size (body_size);

  frame = pp_buffer_take (frame_size, &capacity);
  pp_wire_write_header (&(PpWireHeader) {
                          .body_size = body_size,
                          .kind = kind,
                          .flags = flags,
                          .serial = serial,
                          .timeout_msec = timeout_msec,
                        }, frame);
  g_variant_store (owned, frame + PP_WIRE_HEADER_SIZE);
  memset (frame + PP_WIRE_HEADER_SIZE + body_size, 0,
          frame_size - PP_WIRE_HEADER_SIZE - body_size);

  if (capacity >= PP_BUFFER_POOLED_MIN)
    return pp_buffer_to_bytes (frame, 0, frame_size, capacity);
  return g_bytes_new_take (frame, frame_size);
}

/* Below this size GLib's own check is cheap enough. */
#define SMALL_BODY_SIZE 256

static gsize
plain_element_size (const GVariantType *element)
{
  switch (g_variant_type_peek_string (element)[0])
    {
    case 'y': return 1;
    case 'n': case 'q': return 2;
    case 'i': case 'u': case 'h': return 4;
    case 'x': case 't': case 'd': return 8;
    default: return 0;  /* 'b' has only two normal values; others are not plain */
    }
}

/* The alignment of a type's serialised values, per the GVariant spec */
static gsize
type_alignment (const GVariantType *type)
{
  const char *t = g_variant_type_peek_string (type);
  gsize align = 1;

  switch (t[0])
    {
    case 'n': case 'q': return 2;
    case 'i': case 'u': case 'h': return 4;
    case 'x': case 't': case 'd': case 'v': return 8;
    case 'a': case 'm': return type_alignment (g_variant_type_element (type));
    case '(': case '{':
      for (const GVariantType *item = g_variant_type_first (type); item != NULL;
           item = g_variant_type_next (item))
        align = MAX (align, type_alignment (item));
      return align;
    default: return 1;
    }
}

static gboolean
type_is_fixed_size (const GVariantType *type)
{
  const char *t = g_variant_type_peek_string (type);

  switch (t[0])
    {
    case 's': case 'o': case 'g': case 'v': case 'a': case 'm': return FALSE;
    case '(': case '{':
      for (const GVariantType *item = g_variant_type_first (type); item != NULL;
           item = g_variant_type_next (item))
        if (!type_is_fixed_size (item))
          return FALSE;
      return TRUE;
    default: return TRUE;
    }
}

/* Bytes per framing offset in a container of @size bytes */
static gsize
offset_size (gsize size)
{
  if (size > G_MAXUINT32)
    return 8;
  if (size > G_MAXUINT16)
    return 4;
  if (size > G_MAXUINT8)
    return 2;
  return size > 0 ? 1 : 0;
}

/* A tuple or dict entry with a variable-size member is in normal form when
 * its members, each normal, sit exactly where the serialiser puts them
 * (each at the previous one's end, aligned), the padding between them is
 * zero, and its size is that of the members plus one framing offset per
 * variable-size member but the last. The members were found through the
 * framing offsets, so when they sit right the offsets are right too. This
 * looks at the padding only, where rebuilding would copy every byte. */
static gboolean
members_are_in_place (GVariant  *value,
                      GVariant **children,
                      gsize      n_children)
{
  const guint8 *data = g_variant_get_data (value);
  gsize size = g_variant_get_size (value);
  gsize offset = 0;
  gsize n_offsets = 0;
  gsize width;

  for (gsize i = 0; i < n_children; i++)
    {
      const GVariantType *type = g_variant_get_type (children[i]);
      gsize align = type_alignment (type);
      gsize child_size = g_variant_get_size (children[i]);
      const guint8 *child_data = g_variant_get_data (children[i]);
      gsize start = (offset + align - 1) & ~(align - 1);

      /* An empty member has no address to check */
      if (child_size == 0 || child_data == NULL || child_data != data + start)
        return FALSE;
      for (gsize j = offset; j < start; j++)
        if (data[j] != 0)
          return FALSE;
      offset = start + child_size;
      if (!type_is_fixed_size (type) && i + 1 < n_children)
        n_offsets++;
    }

  /* The same choice of offset width as GVariant's serialiser */
  for (width = 1; width < 8; width *= 2)
    if (offset + n_offsets * width <= (width == 1 ? G_MAXUINT8 : width == 2 ? G_MAXUINT16
                                                                           : G_MAXUINT32))
      break;
  if (n_offsets == 0)
    width = 0;
  return size == offset + n_offsets * width && (n_offsets == 0 || width == offset_size (size));
}

/* g_variant_is_normal_form() checks an array of bytes one byte at a time
 * (~150 instructions each in GLib 2.74), which made big payloads crawl.
 * Arrays of plain numbers are normal when their size is a multiple of the
 * item size; any other container is normal when its children are and
 * rebuilding it from them gives the same bytes. */
static gboolean
is_normal_form (GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);
  gsize size = g_variant_get_size (value);
  gsize n_children;
  g_autofree GVariant **children = NULL;
  g_autoptr(GVariant) rebuilt = NULL;
  gboolean normal = TRUE;

  if (size < SMALL_BODY_SIZE || !g_variant_type_is_container (type))
    return g_variant_is_normal_form (value);

  if (g_variant_type_is_array (type))
    {
      gsize item = plain_element_size (g_variant_type_element (type));

      if (item != 0)
        return size % item == 0;
    }

  /* A variant is its child's bytes, a nul and the child's type: checked
   * in place rather than rebuilt, since it usually wraps the payload */
  if (g_variant_type_is_variant (type))
    {
      g_autoptr(GVariant) child = g_variant_get_variant (value);
      const char *type_string = g_variant_get_type_string (child);
      gsize child_size = g_variant_get_size (child);
      gsize type_length = strlen (type_string);
      const char *data = g_variant_get_data (value);

      return child_size + 1 + type_length == size &&
             data[child_size] == '\0' &&
             memcmp (data + child_size + 1, type_string, type_length) == 0 &&
             is_normal_form (child);
    }

  n_children = g_variant_n_children (value);
  children = g_new0 (GVariant *, MAX (n_children, 1));
  for (gsize i = 0; i < n_children; i++)
    {
      children[i] = g_variant_get_child_value (value, i);
      normal = normal && is_normal_form (children[i]);
    }

  if (normal && (g_variant_type_is_tuple (type) || g_variant_type_is_dict_entry (type)) &&
      !type_is_fixed_size (type) && members_are_in_place (value, children, n_children))
    {
      /* normal as it is */
    }
  else if (normal)
    {
      if (g_variant_type_is_variant (type))
        rebuilt = g_variant_new_variant (children[0]);
      else if (g_variant_type_is_maybe (type))
        rebuilt = g_variant_new_maybe (g_variant_type_element (type),
                                       n_children ? children[0] : NULL);
      else if (g_variant_type_is_array (type))
        rebuilt = g_variant_new_array (g_variant_type_element (type), children, n_children);
      else if (g_variant_type_is_dict_entry (type))
        rebuilt = g_variant_new_dict_entry (children[0], children[1]);
      else
        rebuilt = g_variant_new_tuple (children, n_children);
      g_variant_ref_sink (rebuilt);

      /* Stored into a reused buffer: fresh memory is what costs here */
      normal = g_variant_get_size (rebuilt) == size;
      if (normal)
        {
          gsize capacity;
          gpointer scratch = pp_buffer_take (size, &capacity);

          g_variant_store (rebuilt, scratch);
          normal = memcmp (scratch, g_variant_get_data (value), size) == 0;
          pp_buffer_give (scratch, capacity);
        }
    }

  for (gsize i = 0; i < n_children; i++)
    g_variant_unref (children[i]);
  return normal;
}

GVariant *
pp_wire_decode_body (const PpWireHeader  *header,
                     GBytes              *body,
                     GError             **error)
{
  const GVariantType *type;
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (g_bytes_get_size (body) == header->body_size, NULL);

  type = pp_wire_body_type (header->kind);
  value = g_variant_new_from_bytes (type, body, FALSE);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (value);
    g_variant_unref (value);
    value = swapped;
  }
#endif

  if (!is_normal_form (value))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s whose body is not a valid %s value"),
                   kind_names[header->kind], body_type_strings[header->kind]);
      return NULL;
    }

  /* Argument and result lists travel in a variant; they must be tuples. */
  if (header->kind == PP_WIRE_KIND_CALL ||
      header->kind == PP_WIRE_KIND_RETURN ||
      header->kind == PP_WIRE_KIND_SIGNAL)
    {
      g_autoptr(GVariant) inner = NULL;
      g_autoptr(GVariant) boxed = NULL;

      if (header->kind == PP_WIRE_KIND_RETURN)
        boxed = g_variant_ref (value);
      else
        boxed = g_variant_get_child_value (value, g_variant_n_children (value) - 1);
      inner = g_variant_get_variant (boxed);

      if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_TUPLE))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("Received a frame of kind %s whose values are of type %s, not a tuple"),
                       kind_names[header->kind], g_variant_get_type_string (inner));
          return NULL;
        }
    }

  return g_steal_pointer (&value);
}

GBytes *
pp_wire_encode_call (guint32      serial,
                     guint32      timeout_msec,
                     PpWireFlags  flags,
                     const char  *method,
                     GVariant    *args)
{
  return pp_wire_encode (PP_WIRE_KIND_CALL, flags, serial, timeout_msec,
                         g_variant_new_tuple ((GVariant *[]) {
                                                g_variant_new_string (method),
                                                g_variant_new_variant (args),
                                              }, 2));
}

GBytes *
pp_wire_encode_return (guint32   serial,
                       GVariant *result)
{
  return pp_wire_encode (PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_NONE, serial, 0,
                         g_variant_new_variant (result));
}

GBytes *
pp_wire_encode_error (guint32       serial,
                      const GError *error)
{
  const char *domain = g_quark_to_string (error->domain);

  return pp_wire_encode (PP_WIRE_KIND_ERROR, PP_WIRE_FLAGS_NONE, serial, 0,
                         g_variant_new ("(sis)", domain ? domain : "",
                                        error->code,
                                        error->message ? error->message : ""));
}
