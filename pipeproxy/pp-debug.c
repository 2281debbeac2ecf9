/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-debug-private.h"
#include "pp-variant-private.h"

/* PIPEPROXY_DEBUG=message logs each frame as one structured log message,
 * at G_LOG_LEVEL_MESSAGE (so that it shows without G_MESSAGES_DEBUG: the
 * variable is what asks for it), with these fields besides MESSAGE,
 * PRIORITY and GLIB_DOMAIN ("Pp"):
 *
 *   PP_DIRECTION   "in" (read) or "out" (queued to be written)
 *   PP_KIND        HELLO, WELCOME, CALL, RETURN, ERROR, SIGNAL, …
 *   PP_SERIAL      the header's serial
 *   PP_MEMBER      the method, signal ("name::detail") or property named
 *                  by a CALL, SIGNAL, PROPERTY, SET_PROPERTY, GET_PROPERTY, SUBSCRIBE or
 *                  UNSUBSCRIBE; absent for other kinds
 *   PP_BODY_SIZE   the body's size in bytes
 *   PP_FRAME_SIZE  the bytes the frame takes on the stream: the header and
 *                  the padded body, or the header alone when the body is
 *                  in a memfd
 *   PP_FDS         descriptors that go with the frame (not counting a
 *                  memfd body)
 *   PP_MEMFD       "1" when the body is in a sealed memfd, else "0"
 *   PP_BODY        the body in GVariant text format, cut after
 *                  BODY_TEXT_MAX bytes with "..."
 *   PP_STREAM      which connection, as an address, to tell several apart
 *
 * e.g. `journalctl PP_KIND=CALL PP_MEMBER=activate`, or on a terminal:
 *
 *   Pp-Message: 12:00:00.001: out CALL #3 'activate' 24 bytes: (@mv <'x'>,)
 */

#define DEBUG_VARIABLE  "PIPEPROXY_DEBUG"
/* The text of a body is cut after this many bytes */
#define BODY_TEXT_MAX   512
/* A value serialised in at most this many bytes is printed whole (and then
 * cut); a bigger one piece by piece, until the text is long enough, so
 * that a body of 64 MiB costs no more to log than a small one. */
#define PRINT_WHOLE_MAX 4096

guint pp_debug_flags;

static const GDebugKey debug_keys[] = {
  { "message", PP_DEBUG_MESSAGE },
};

void
pp_debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      pp_debug_flags = g_parse_debug_string (g_getenv (DEBUG_VARIABLE), debug_keys,
                                             G_N_ELEMENTS (debug_keys));
      g_once_init_leave (&done, 1);
    }
}

static void
print_string_start (GVariant *value,
                    GString  *out)
{
  const char *text = g_variant_get_string (value, NULL);
  const char *end = text + MIN (strlen (text), BODY_TEXT_MAX);
  g_autofree char *start = NULL;
  g_autoptr(GVariant) cut = NULL;

  /* Cut on a character's start */
  if (*end != '\0')
    end = g_utf8_find_prev_char (text, end + 1);
  start = g_strndup (text, end - text);
  cut = g_variant_ref_sink (g_variant_new_string (start));
  g_variant_print_string (cut, out, FALSE);
}

/* GVariant text, stopping once @out holds @limit bytes */
static void
print_bounded (GVariant *value,
               GString  *out,
               gsize     limit)
{
  const GVariantType *type = g_variant_get_type (value);
  gsize n;

  if (out->len >= limit)
    return;
  if (g_variant_get_size (value) <= PRINT_WHOLE_MAX)
    {
      g_variant_print_string (value, out, FALSE);
      return;
    }
  if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    {
      print_string_start (value, out);
      return;
    }
  if (!g_variant_is_container (value))
    {
      g_variant_print_string (value, out, FALSE);
      return;
    }

  n = g_variant_n_children (value);
  if (g_variant_type_is_variant (type))
    {
      g_autoptr(GVariant) child = pp_variant_get_variant (value);

      g_string_append_c (out, '<');
      print_bounded (child, out, limit);
      g_string_append_c (out, '>');
      return;
    }
  if (g_variant_type_is_maybe (type))
    {
      g_autoptr(GVariant) child = g_variant_get_maybe (value);

      if (child == NULL)
        g_string_append (out, "nothing");
      else
        print_bounded (child, out, limit);
      return;
    }

  g_string_append_c (out, g_variant_type_is_tuple (type) ? '(' :
                          g_variant_type_is_dict_entry (type) ? '{' : '[');
  for (gsize i = 0; i < n && out->len < limit; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (i > 0)
        g_string_append (out, g_variant_type_is_dict_entry (type) ? ": " : ", ");
      print_bounded (child, out, limit);
    }
  if (g_variant_type_is_tuple (type) && n == 1)
    g_string_append_c (out, ',');
  g_string_append_c (out, g_variant_type_is_tuple (type) ? ')' :
                          g_variant_type_is_dict_entry (type) ? '}' : ']');
}

static char *
body_text (GVariant *body)
{
  GString *out = g_string_new (NULL);

  print_bounded (body, out, BODY_TEXT_MAX);
  if (out->len > BODY_TEXT_MAX)
    {
      const char *end = g_utf8_find_prev_char (out->str, out->str + BODY_TEXT_MAX + 1);

      g_string_truncate (out, end - out->str);
      g_string_append (out, "...");
    }
  return g_string_free (out, FALSE);
}

/* The method, signal or property a frame is about, or NULL */
static char *
body_member (const PpWireHeader *header,
             GVariant           *whole)
{
  g_autoptr(GVariant) body = (header->flags & PP_WIRE_FLAGS_OBJECTS)
                             ? g_variant_get_child_value (whole, 0) : g_variant_ref (whole);
  g_autoptr(GVariant) name = NULL;
  guint32 handle;

  switch (header->kind)
    {
    case PP_WIRE_KIND_CALL:
    case PP_WIRE_KIND_PROPERTY:
    case PP_WIRE_KIND_SET_PROPERTY:
    case PP_WIRE_KIND_GET_PROPERTY:
    case PP_WIRE_KIND_SUBSCRIBE:
    case PP_WIRE_KIND_UNSUBSCRIBE:
      handle = pp_wire_body_handle (body);
      name = g_variant_get_child_value (body, 1);
      if (handle != PP_WIRE_ROOT_HANDLE)
        return g_strdup_printf ("%u.%s", handle, g_variant_get_string (name, NULL));
      return g_variant_dup_string (name, NULL);
    case PP_WIRE_KIND_SIGNAL:
      {
        g_autoptr(GVariant) detail = g_variant_get_child_value (body, 2);

        handle = pp_wire_body_handle (body);
        name = g_variant_get_child_value (body, 1);
        return g_strdup_printf ("%.0u%s%s%s%s", handle, handle ? "." : "",
                                g_variant_get_string (name, NULL),
                                *g_variant_get_string (detail, NULL) ? "::" : "",
                                g_variant_get_string (detail, NULL));
      }
    case PP_WIRE_KIND_HELLO:
    case PP_WIRE_KIND_WELCOME:
    case PP_WIRE_KIND_RETURN:
    case PP_WIRE_KIND_ERROR:
    case PP_WIRE_KIND_CANCEL:
    case PP_WIRE_KIND_TYPE:
    case PP_WIRE_KIND_INTRODUCE:
    case PP_WIRE_KIND_RELEASE:
    case PP_WIRE_KIND_RELEASED:
    default:
      return NULL;
    }
}

static void
log_frame (gconstpointer       stream,
           PpDebugDirection    direction,
           const PpWireHeader *header,
           GVariant           *body,
           guint               n_fds,
           gboolean            body_in_memfd)
{
  const char *dir = direction == PP_DEBUG_IN ? "in" : "out";
  const char *kind = pp_wire_kind_to_string (header->kind);
  g_autofree char *member = body ? body_member (header, body) : NULL;
  g_autofree char *text = body ? body_text (body) : g_strdup ("?");
  g_autofree char *serial = g_strdup_printf ("%u", header->serial);
  g_autofree char *body_size = g_strdup_printf ("%u", header->body_size);
  g_autofree char *frame_size = NULL;
  g_autofree char *fds = g_strdup_printf ("%u", n_fds);
  g_autofree char *stream_text = g_strdup_printf ("%p", stream);
  g_autoptr(GString) message = g_string_new (NULL);
  GLogField fields[14];
  gsize n = 0;

  frame_size = g_strdup_printf ("%" G_GSIZE_FORMAT,
                                body_in_memfd ? (gsize) PP_WIRE_HEADER_SIZE
                                              : pp_wire_frame_size (header->body_size));

  g_string_append_printf (message, "%-3s %s #%u", dir, kind, header->serial);
  if (member != NULL)
    g_string_append_printf (message, " '%s'", member);
  g_string_append_printf (message, " %u bytes", header->body_size);
  if (body_in_memfd)
    g_string_append (message, " in memfd");
  if (n_fds > 0)
    g_string_append_printf (message, " + %u fd%s", n_fds, n_fds == 1 ? "" : "s");
  g_string_append_printf (message, ": %s", text);

#define FIELD(k, v) fields[n++] = (GLogField) { (k), (v), -1 }
  FIELD ("MESSAGE", message->str);
  FIELD ("PRIORITY", "5");
  FIELD ("GLIB_DOMAIN", "Pp");
  FIELD ("PP_DIRECTION", dir);
  FIELD ("PP_KIND", kind);
  FIELD ("PP_SERIAL", serial);
  if (member != NULL)
    FIELD ("PP_MEMBER", member);
  FIELD ("PP_BODY_SIZE", body_size);
  FIELD ("PP_FRAME_SIZE", frame_size);
  FIELD ("PP_FDS", fds);
  FIELD ("PP_MEMFD", body_in_memfd ? "1" : "0");
  FIELD ("PP_BODY", text);
  FIELD ("PP_STREAM", stream_text);
#undef FIELD

  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, n);
}

void
pp_debug_frame_in (gconstpointer       stream,
                   const PpWireHeader *header,
                   GVariant           *body)
{
  gboolean memfd = (header->flags & PP_WIRE_FLAGS_BODY_IN_FD) != 0;

  log_frame (stream, PP_DEBUG_IN, header, body, header->n_fds - memfd, memfd);
}

void
pp_debug_frame_out (gconstpointer  stream,
                    GBytes        *frame,
                    GUnixFDList   *fds,
                    gboolean       body_in_memfd)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (frame, &size);
  g_autoptr(GBytes) body_bytes = NULL;
  g_autoptr(GVariant) body = NULL;
  PpWireHeader header;

  if (size < PP_WIRE_HEADER_SIZE || !pp_wire_parse_header (data, G_MAXUINT32, &header, NULL))
    return;
  if (PP_WIRE_HEADER_SIZE + (gsize) header.body_size <= size)
    {
      const GVariantType *type = pp_wire_frame_body_type (header.kind, header.flags);

      body_bytes = g_bytes_new_from_bytes (frame, PP_WIRE_HEADER_SIZE, header.body_size);
      body = g_variant_ref_sink (g_variant_new_from_bytes (type, body_bytes, TRUE));
    }
  log_frame (stream, PP_DEBUG_OUT, &header, body, fds ? g_unix_fd_list_get_length (fds) : 0,
             body_in_memfd);
}
