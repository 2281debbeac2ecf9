/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-buffer-private.h"
#include "pp-normal-form-private.h"
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

GVariant *
pp_wire_decode_body (const PpWireHeader  *header,
                     GBytes              *body,
                     GError             **error)
{
  const GVariantType *type;
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (g_bytes_get_size (body) == header->body_size, NULL);

  type = pp_wire_body_type (header->kind);
  if (!pp_normal_form_check (type, g_bytes_get_data (body, NULL), header->body_size))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s whose body is not a valid %s value"),
                   kind_names[header->kind], body_type_strings[header->kind]);
      return NULL;
    }

  /* Trusted, i.e. in normal form, as just checked: GLib then skips the
   * checks it would otherwise make on every access */
  value = g_variant_new_from_bytes (type, body, TRUE);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (value);
    g_variant_unref (value);
    value = swapped;
  }
#endif

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
