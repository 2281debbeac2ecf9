/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What the tests that play a hostile peer share: raw reads and writes on a
 * socket, frames parsed and built byte by byte, a sample body of each kind,
 * SIGPIPE for children, and waiting for a "closed" signal. */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "pp-frame-stream-private.h"
#include "pp-test-raw.h"

static gboolean
wait_fd (int   fd,
         short events)
{
  struct pollfd pfd = { .fd = fd, .events = events };
  int rc;

  do
    rc = poll (&pfd, 1, IO_TIMEOUT_MSEC);
  while (rc < 0 && errno == EINTR);
  g_assert_cmpint (rc, >=, 0);
  return rc > 0;
}

/* Writes all of @data, or as much as the peer takes before it goes away.
 * Returns FALSE if the peer went away. Never raises SIGPIPE on a socket. */
gboolean
raw_write (int           fd,
           gconstpointer data,
           gsize         size)
{
  const guint8 *p = data;
  gboolean is_socket = TRUE;

  while (size > 0)
    {
      gssize n;

      if (is_socket)
        {
          n = send (fd, p, size, MSG_NOSIGNAL);
          if (n < 0 && errno == ENOTSOCK)
            {
              is_socket = FALSE;
              continue;
            }
        }
      else
        n = write (fd, p, size);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            {
              if (!wait_fd (fd, POLLOUT))
                g_error ("The peer did not read for %d ms", IO_TIMEOUT_MSEC);
              continue;
            }
          if (errno == EPIPE || errno == ECONNRESET)
            return FALSE;
          g_error ("write: %s", g_strerror (errno));
        }
      p += n;
      size -= n;
    }
  return TRUE;
}

gboolean
raw_write_bytes (int     fd,
                 GBytes *bytes)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  return raw_write (fd, data, size);
}

/* Reads up to @size bytes; returns how many, 0 at the end of the stream
 * (or a reset, which is how a peer that closed with unread data ends). */
static gsize
raw_read_some (int    fd,
               guint8 *buf,
               gsize   size)
{
  for (;;)
    {
      gssize n = read (fd, buf, size);

      if (n >= 0)
        return n;
      if (errno == EINTR)
        continue;
      if (errno == ECONNRESET)
        return 0;
      if (errno == EAGAIN)
        {
          if (!wait_fd (fd, POLLIN))
            g_error ("The peer neither wrote nor closed for %d ms", IO_TIMEOUT_MSEC);
          continue;
        }
      g_error ("read: %s", g_strerror (errno));
    }
}

/* Reads exactly @size bytes; FALSE if the stream ended first. */
static gboolean
raw_read_exact (int     fd,
                guint8 *buf,
                gsize   size)
{
  while (size > 0)
    {
      gsize n = raw_read_some (fd, buf, size);

      if (n == 0)
        return FALSE;
      buf += n;
      size -= n;
    }
  return TRUE;
}

/* Everything the peer sends until it closes. */
GByteArray *
raw_read_to_end (int fd)
{
  GByteArray *all = g_byte_array_new ();
  guint8 buf[4096];
  gsize n;

  while ((n = raw_read_some (fd, buf, sizeof buf)) > 0)
    g_byte_array_append (all, buf, n);
  return all;
}

void
frame_free (gpointer data)
{
  Frame *frame = data;

  g_clear_pointer (&frame->body, g_variant_unref);
  g_free (frame);
}

static Frame *
frame_parse (const guint8  *data,
             gsize          size,
             gsize         *consumed)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  Frame *frame = g_new0 (Frame, 1);
  gsize frame_size;

  g_assert_cmpuint (size, >=, PP_WIRE_HEADER_SIZE);
  g_assert_true (pp_wire_parse_header (data, PP_DEFAULT_MAX_MESSAGE_SIZE, &frame->header, &error));
  g_assert_no_error (error);
  frame_size = pp_wire_frame_size (frame->header.body_size);
  g_assert_cmpuint (size, >=, frame_size);

  body = g_bytes_new (data + PP_WIRE_HEADER_SIZE, frame->header.body_size);
  frame->body = pp_wire_decode_body (&frame->header, body, &error);
  g_assert_no_error (error);
  *consumed = frame_size;
  return frame;
}

/* Whole, valid frames, and nothing else. */
GPtrArray *
frames_parse (GByteArray *bytes)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func (frame_free);
  gsize pos = 0;

  while (pos < bytes->len)
    {
      gsize consumed;

      g_ptr_array_add (frames, frame_parse (bytes->data + pos, bytes->len - pos, &consumed));
      pos += consumed;
    }
  return frames;
}

/* One frame from the stream, or NULL at its end. */
Frame *
raw_read_frame (int fd)
{
  guint8 header[PP_WIRE_HEADER_SIZE];
  g_autofree guint8 *frame_data = NULL;
  PpWireHeader parsed;
  gsize frame_size;
  gsize consumed;
  g_autoptr(GError) error = NULL;
  Frame *frame;

  if (!raw_read_exact (fd, header, sizeof header))
    return NULL;
  g_assert_true (pp_wire_parse_header (header, PP_DEFAULT_MAX_MESSAGE_SIZE, &parsed, &error));
  g_assert_no_error (error);
  frame_size = pp_wire_frame_size (parsed.body_size);
  frame_data = g_malloc (frame_size);
  memcpy (frame_data, header, sizeof header);
  if (!raw_read_exact (fd, frame_data + sizeof header, frame_size - sizeof header))
    return NULL;
  frame = frame_parse (frame_data, frame_size, &consumed);
  g_assert_cmpuint (consumed, ==, frame_size);
  return frame;
}

GBytes *
hello_frame (guint32     serial,
             const char *magic,
             guint32     version)
{
  return pp_wire_encode (PP_WIRE_KIND_HELLO, PP_WIRE_FLAGS_NONE, serial, 0,
                         g_variant_new ("(sua{sv})", magic, version, NULL));
}

/* A frame with any header and any body bytes, padded as the wire wants. */
GBytes *
raw_frame (guint32       body_size,
           guint8        kind,
           guint8        flags,
           guint16       reserved,
           guint32       serial,
           gconstpointer body,
           gsize         body_len)
{
  gsize size = pp_wire_frame_size (body_len);
  guint8 *data = g_malloc0 (size);
  guint32 v;

  v = GUINT32_TO_LE (body_size);
  memcpy (data, &v, 4);
  data[4] = kind;
  data[5] = flags;
  data[6] = reserved & 0xff;
  data[7] = reserved >> 8;
  v = GUINT32_TO_LE (serial);
  memcpy (data + 8, &v, 4);
  if (body_len > 0)
    memcpy (data + PP_WIRE_HEADER_SIZE, body, body_len);
  return g_bytes_new_take (data, size);
}

/* A frame whose body is @body's bytes, under any header. */
GBytes *
frame_with_body (PpWireKind  kind,
                 guint32     serial,
                 GVariant   *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);

  return raw_frame (g_variant_get_size (owned), kind, 0, 0, serial,
                    g_variant_get_data (owned), g_variant_get_size (owned));
}


static struct sigaction saved_sigpipe;

/* Children get the default disposition, which kills on SIGPIPE: the
 * listener's own policy must protect it. */
void
sigpipe_default_for_children (void)
{
  struct sigaction action = { 0 };

  action.sa_handler = SIG_DFL;
  g_assert_cmpint (sigaction (SIGPIPE, &action, &saved_sigpipe), ==, 0);
}

void
sigpipe_restore (void)
{
  g_assert_cmpint (sigaction (SIGPIPE, &saved_sigpipe, NULL), ==, 0);
}

void
closed_cb (GObject      *proxy_or_listener,
           const GError *error,
           gpointer      user_data)
{
  ClosedResult *closed = user_data;

  closed->count++;
  g_clear_error (&closed->error);
  closed->error = error ? g_error_copy (error) : NULL;
}

gboolean
guard_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Dispatches whatever is pending. Returns FALSE if the main context never
 * becomes idle, i.e. some source is ready in every iteration: a busy loop. */
gboolean
drain_main_context (void)
{
  for (guint i = 0; i < 1000; i++)
    if (!g_main_context_iteration (NULL, FALSE))
      return TRUE;
  return FALSE;
}

static void
put_u32 (guint8  *p,
         guint32  v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

/* A header in a buffer of exactly PP_WIRE_HEADER_SIZE bytes on the heap, so
 * that valgrind or ASan see any read past it. */
guint8 *
make_header (guint32 body_size,
             guint8  kind,
             guint8  flags,
             guint16 n_fds,
             guint32 serial,
             guint32 timeout_msec)
{
  guint8 *data = g_malloc0 (PP_WIRE_HEADER_SIZE);

  put_u32 (data, body_size);
  data[4] = kind;
  data[5] = flags;
  data[6] = n_fds & 0xff;
  data[7] = n_fds >> 8;
  put_u32 (data + 8, serial);
  put_u32 (data + 12, timeout_msec);
  return data;
}

/* A body of each kind, floating. */
GVariant *
sample_body (PpWireKind kind)
{
  GVariantBuilder options;

  switch (kind)
    {
    case PP_WIRE_KIND_HELLO:
      return g_variant_new ("(sua{sv})", PP_WIRE_MAGIC, (guint32) PP_WIRE_PROTOCOL_VERSION, NULL);
    case PP_WIRE_KIND_WELCOME:
      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "type-name", g_variant_new_string ("PpTestObject"));
      g_variant_builder_add (&options, "{sv}", "answer", g_variant_new_uint64 (42));
      return g_variant_new ("(sua{sv})", PP_WIRE_MAGIC, (guint32) PP_WIRE_PROTOCOL_VERSION,
                            &options);
    case PP_WIRE_KIND_CALL:
      return g_variant_new ("(usv)", 3, "echo_string", g_variant_new ("(s)", "héllo wörld"));
    case PP_WIRE_KIND_RETURN:
      return g_variant_new_variant (g_variant_new ("(ias)", -7, NULL));
    case PP_WIRE_KIND_ERROR:
      return g_variant_new ("(sis)", "g-io-error-quark", G_IO_ERROR_NOT_FOUND, "No such thing");
    case PP_WIRE_KIND_SIGNAL:
      return g_variant_new ("(ussv)", 0, "notify", "parameter", g_variant_new ("(u)", 3));
    case PP_WIRE_KIND_CANCEL:
      return g_variant_new ("()");
    case PP_WIRE_KIND_SUBSCRIBE:
    case PP_WIRE_KIND_UNSUBSCRIBE:
      return g_variant_new ("(us)", 7, "changed");
    case PP_WIRE_KIND_GET_PROPERTY:
      return g_variant_new ("(us)", 0, "parameter");
    case PP_WIRE_KIND_PROPERTY:
    case PP_WIRE_KIND_SET_PROPERTY:
      return g_variant_new ("(usmv)", 0, "parameter",
                            g_variant_new_variant (g_variant_new_int32 (4)));
    case PP_WIRE_KIND_TYPE:
      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "type-name", g_variant_new_string ("GMenuItem"));
      return g_variant_new ("(ua{sv})", 2, &options);
    case PP_WIRE_KIND_INTRODUCE:
      return g_variant_new_parsed ("[(uint32 4, uint32 2, {'label': <'One'>}), "
                                   "(5, 2, @a{sv} {})]");
    case PP_WIRE_KIND_RELEASE:
      return g_variant_new_parsed ("[(uint32 4, uint32 1), (5, 3)]");
    case PP_WIRE_KIND_RELEASED:
      return g_variant_new_parsed ("[uint32 4, 5]");
    default:
      g_assert_not_reached ();
    }
}
