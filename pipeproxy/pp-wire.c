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

  /* A plain cast: G_VARIANT_TYPE() would check these constant strings on
   * every frame */
  return (const GVariantType *) body_type_strings[kind];
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

/* A buffer for a frame with a body of @body_size bytes, its header
 * written */
static guint8 *
frame_begin (PpWireKind   kind,
             PpWireFlags  flags,
             guint32      serial,
             guint32      timeout_msec,
             gsize        body_size,
             gsize       *capacity)
{
  PpWireHeader header = {
    .body_size = body_size,
    .kind = kind,
    .flags = flags,
    .serial = serial,
    .timeout_msec = timeout_msec,
  };
  guint8 *frame = pp_buffer_take (pp_wire_frame_size (body_size), capacity);

  pp_wire_write_header (&header, frame);
  return frame;
}

/* The frame, once its body is written: padded with zeros, as bytes */
static GBytes *
frame_end (guint8 *frame,
           gsize   body_size,
           gsize   capacity)
{
  gsize frame_size = pp_wire_frame_size (body_size);

  memset (frame + PP_WIRE_HEADER_SIZE + body_size, 0,
          frame_size - PP_WIRE_HEADER_SIZE - body_size);
  if (capacity >= PP_BUFFER_POOLED_MIN)
    return pp_buffer_to_bytes (frame, 0, frame_size, capacity);
  return g_bytes_new_take (frame, frame_size);
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

  frame = frame_begin (kind, flags, serial, timeout_msec, body_size, &capacity);
  g_variant_store (owned, frame + PP_WIRE_HEADER_SIZE);
  return frame_end (frame, body_size, capacity);
}

/* A CALL too deep for us but not for GLib is a well-formed request that
 * fails on its own: the same CALL, without its arguments, and a flag that
 * says why */
static GVariant *
decode_call_too_deep (PpWireHeader *header,
                      GBytes       *body)
{
  g_autoptr(GVariant) value = NULL;
  const char *method;

  if (!pp_normal_form_check_with_depth (G_VARIANT_TYPE ("(sv)"), g_bytes_get_data (body, NULL),
                                        header->body_size, PP_NORMAL_FORM_GLIB_MAX_DEPTH))
    return NULL;

  value = g_variant_new_from_bytes (G_VARIANT_TYPE ("(sv)"), body, TRUE);
  pp_wire_split_body (value, &method, 1, NULL, NULL);
  header->flags |= PP_WIRE_FLAGS_ARGS_TOO_DEEP;
  return g_variant_ref_sink (g_variant_new ("(s@v)", method,
                                            g_variant_new_variant (g_variant_new ("()"))));
}

GVariant *
pp_wire_decode_body (PpWireHeader  *header,
                     GBytes        *body,
                     GError       **error)
{
  const GVariantType *type;
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (g_bytes_get_size (body) == header->body_size, NULL);

  type = pp_wire_body_type (header->kind);
  if (!pp_normal_form_check (type, g_bytes_get_data (body, NULL), header->body_size))
    {
      if (header->kind == PP_WIRE_KIND_CALL &&
          (value = decode_call_too_deep (header, body)) != NULL)
        return g_steal_pointer (&value);
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
      guint n_strings = header->kind == PP_WIRE_KIND_CALL ? 1
                        : header->kind == PP_WIRE_KIND_SIGNAL ? 2 : 0;

      g_autofree char *inner_type = NULL;

      if (!pp_wire_split_body (value, NULL, n_strings, NULL, &inner_type))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("Received a frame of kind %s whose values are of type %s, not a tuple"),
                       kind_names[header->kind], inner_type);
          return NULL;
        }
    }

  return g_steal_pointer (&value);
}

#define MAX_STRINGS 2

/* The bodies of CALL `(sv)`, SIGNAL `(ssv)` and RETURN `v`: a few strings,
 * then a variant holding the argument tuple. They are the hot path, so
 * they are laid out here, straight into the frame, as GVariant would
 * serialise them: the strings one after the other, the variant (the
 * tuple's bytes, a nul, its type string) at the next multiple of 8, and the
 * end of each string as a framing offset, the first one last. Building a
 * GVariant tree and storing it cost several times as much. */
static GBytes *
encode_strings_and_args (PpWireKind          kind,
                         PpWireFlags         flags,
                         guint32             serial,
                         guint32             timeout_msec,
                         const char * const *strings,
                         guint               n_strings,
                         GVariant           *args)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (args);
  gsize ends[MAX_STRINGS];
  gsize offset = 0;
  gsize args_size, type_length, variant_start, body_end, body_size, width;
  gsize capacity;
  const char *type_string;
  guint8 *frame, *body;

  g_assert (n_strings <= MAX_STRINGS);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (owned);
    g_variant_unref (owned);
    owned = swapped;
  }
#endif

  for (guint i = 0; i < n_strings; i++)
    {
      g_return_val_if_fail (g_utf8_validate (strings[i], -1, NULL), NULL);
      offset += strlen (strings[i]) + 1;
      ends[i] = offset;
    }

  args_size = g_variant_get_size (owned);
  type_string = g_variant_get_type_string (owned);
  type_length = strlen (type_string);
  variant_start = n_strings > 0 ? (offset + 7) & ~(gsize) 7 : 0;
  body_end = variant_start + args_size + 1 + type_length;
  body_size = pp_normal_form_total_size (body_end, n_strings);
  g_return_val_if_fail (body_size <= G_MAXUINT32, NULL);
  width = n_strings > 0 ? (body_size - body_end) / n_strings : 0;
  g_assert (n_strings == 0 || width == pp_normal_form_offset_size (body_size));

  frame = frame_begin (kind, flags, serial, timeout_msec, body_size, &capacity);
  body = frame + PP_WIRE_HEADER_SIZE;

  offset = 0;
  for (guint i = 0; i < n_strings; i++)
    {
      memcpy (body + offset, strings[i], ends[i] - offset);
      offset = ends[i];
    }
  memset (body + offset, 0, variant_start - offset);
  g_variant_store (owned, body + variant_start);
  body[variant_start + args_size] = '\0';
  memcpy (body + variant_start + args_size + 1, type_string, type_length);
  for (guint i = 0; i < n_strings; i++)
    for (gsize b = 0; b < width; b++)
      body[body_size - (i + 1) * width + b] = (guint8) (ends[i] >> (8 * b));
  return frame_end (frame, body_size, capacity);
}

/* Finds the strings and the variant of a body that
 * encode_strings_and_args() lays out, which was checked to be in normal
 * form: the variant's value is at [@value_start, @type_start - 1), its type
 * string at [@type_start, @end). */
static void
locate_parts (GVariant     *body,
              const char  **strings,
              guint         n_strings,
              gsize        *value_start,
              gsize        *type_start,
              gsize        *end)
{
  const guint8 *data = g_variant_get_data (body);
  gsize size = g_variant_get_size (body);
  gsize width = n_strings > 0 ? pp_normal_form_offset_size (size) : 0;
  gsize offset = 0;
  gsize nul;

  g_assert (n_strings <= MAX_STRINGS);

  for (guint i = 0; i < n_strings; i++)
    {
      gsize string_end = pp_normal_form_read_offset (data + size - (i + 1) * width, width);

      if (strings != NULL)
        strings[i] = (const char *) data + offset;
      offset = string_end;
    }

  *value_start = n_strings > 0 ? (offset + 7) & ~(gsize) 7 : 0;
  *end = size - n_strings * width;
  for (nul = *end; nul > *value_start && data[nul - 1] != '\0'; nul--)
    ;
  g_assert (nul > *value_start);
  *type_start = nul;
}

/* Like pp_wire_split_body(), but gives the argument tuple as its type
 * string and bytes, pointers into @body, for readers that need no GVariant.
 * Returns FALSE if it is not a tuple. */
gboolean
pp_wire_locate_args (GVariant      *body,
                     const char   **strings,
                     guint          n_strings,
                     const char   **type_string,
                     const guint8 **args_data,
                     gsize         *args_size)
{
  const guint8 *data = g_variant_get_data (body);
  gsize value_start, type_start, end;

  locate_parts (body, strings, n_strings, &value_start, &type_start, &end);
  *type_string = (const char *) data + type_start;
  *args_data = data + value_start;
  *args_size = type_start - 1 - value_start;
  return data[type_start] == '(';
}

/* The strings of a decoded CALL, SIGNAL or RETURN body point into @body;
 * @args is a new reference to the argument tuple, sharing its memory.
 * Returns FALSE, with the type found in @type_string if not NULL, when the
 * variant holds something else than a tuple. */
gboolean
pp_wire_split_body (GVariant     *body,
                    const char  **strings,
                    guint         n_strings,
                    GVariant    **args,
                    char        **type_string)
{
  const guint8 *data = g_variant_get_data (body);
  gsize value_start, type_start, end;

  locate_parts (body, strings, n_strings, &value_start, &type_start, &end);
  if (data[type_start] != '(')
    {
      if (type_string != NULL)
        *type_string = g_strndup ((const char *) data + type_start, end - type_start);
      return FALSE;
    }

  if (args != NULL)
    {
      /* A GVariantType is its type string, which ends where the type is
       * complete: the one in the body can be used in place, since the
       * body's check found it valid. */
      const GVariantType *type = (const GVariantType *) (data + type_start);

      /* Not floating, as g_variant_get_variant() would give it */
      *args = g_variant_ref_sink (g_variant_new_from_data (type,
                                                           data + value_start,
                                                           type_start - 1 - value_start, TRUE,
                                                           (GDestroyNotify) g_variant_unref,
                                                           g_variant_ref (body)));
    }
  return TRUE;
}

GBytes *
pp_wire_encode_call (guint32      serial,
                     guint32      timeout_msec,
                     PpWireFlags  flags,
                     const char  *method,
                     GVariant    *args)
{
  return encode_strings_and_args (PP_WIRE_KIND_CALL, flags, serial, timeout_msec,
                                  &method, 1, args);
}

GBytes *
pp_wire_encode_return (guint32   serial,
                       GVariant *result)
{
  return encode_strings_and_args (PP_WIRE_KIND_RETURN, PP_WIRE_FLAGS_NONE, serial, 0,
                                  NULL, 0, result);
}

GBytes *
pp_wire_encode_signal (const char *name,
                       const char *detail,
                       GVariant   *args)
{
  return encode_strings_and_args (PP_WIRE_KIND_SIGNAL, PP_WIRE_FLAGS_NONE, 0, 0,
                                  (const char *[]) { name, detail }, 2, args);
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

/* The GError an ERROR body stands for. Only domains this process already
 * knows are used as such: a peer's strings never create quarks, which are
 * never freed; any other domain becomes PP_ERROR_REMOTE_ERROR naming it. */
GError *
pp_wire_decode_error (GVariant *body)
{
  const char *domain_name;
  const char *message;
  GQuark domain;
  int code;

  g_variant_get (body, "(&si&s)", &domain_name, &code, &message);

  domain = g_quark_try_string (domain_name);
  if (domain != 0)
    return g_error_new_literal (domain, code, message);

  return g_error_new (PP_ERROR, PP_ERROR_REMOTE_ERROR, "%s:%d: %s", domain_name, code, message);
}
