/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A hostile peer for tests/test-limits: floods the process that spawned it
 * with valid frames on an inherited socket (fd 3), written raw, so that
 * the attacked side's limits can be measured from outside. Prints what it
 * saw as "key=value" lines on stdout and exits 0.
 *
 *   cancel N             as a proxy: N CANCELs, then one call; its latency
 *   calls N METHOD [ARGS]  as a proxy: N calls to METHOD with ARGS (GVariant
 *                        text, "()" by default) as fast as the listener
 *                        takes them, reading the replies
 *   stall SIGNAL         as a proxy: subscribes to SIGNAL, calls "ready"
 *                        (so that the listener can tell it has the
 *                        subscription), then never reads until it is
 *                        killed
 *   listener KIND N      as a listener: answers each call after N frames of
 *                        KIND (property: "level" and "depth" in turn,
 *                        signal, other-signal)
 *   listeners PATH N M   as a listener on the unix socket PATH: N
 *                        handshakes in turn, each describing a type of its
 *                        own with M signals and M properties
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-description-private.h"
#include "pp-wire-private.h"

static int fd = 3;

static void
write_all (gconstpointer data,
           gsize         size)
{
  const guint8 *p = data;

  while (size > 0)
    {
      gssize n = send (fd, p, size, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT };

          poll (&pfd, 1, -1);
          continue;
        }
      if (n < 0)
        {
          /* The attacked side closed: that is an outcome, not a failure */
          printf ("write-error=%s\n", g_strerror (errno));
          exit (0);
        }
      p += n;
      size -= n;
    }
}

static void
write_bytes (GBytes *bytes)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  write_all (data, size);
}

/* Reads exactly @size bytes, or returns FALSE at the end */
static gboolean
read_exact (guint8 *buf,
            gsize   size)
{
  while (size > 0)
    {
      gssize n = read (fd, buf, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLIN };

          poll (&pfd, 1, -1);
          continue;
        }
      if (n <= 0)
        return FALSE;
      buf += n;
      size -= n;
    }
  return TRUE;
}

/* One frame, its body decoded; NULL at the end */
static GVariant *
read_frame (PpWireHeader *header)
{
  guint8 head[PP_WIRE_HEADER_SIZE];
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *data;
  gsize size;
  GVariant *decoded;

  if (!read_exact (head, sizeof head))
    return NULL;
  if (!pp_wire_parse_header (head, G_MAXUINT32, header, &error))
    g_error ("bad header: %s", error->message);
  size = pp_wire_stream_size (header) - PP_WIRE_HEADER_SIZE;
  data = g_malloc (MAX (size, 1));
  if (!read_exact (data, size))
    {
      g_free (data);
      return NULL;
    }
  body = g_bytes_new_take (data, header->body_size);
  decoded = pp_wire_decode_body (header, body, &error);
  if (decoded == NULL)
    g_error ("bad body: %s", error->message);
  return decoded;
}

static void
proxy_handshake (void)
{
  g_autoptr(GBytes) hello = NULL;
  g_autoptr(GVariant) welcome = NULL;
  PpWireHeader header;

  hello = pp_wire_encode (PP_WIRE_KIND_HELLO, PP_WIRE_FLAGS_NONE, 1, 0,
                          g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                         (guint32) PP_WIRE_PROTOCOL_VERSION, NULL));
  write_bytes (hello);
  welcome = read_frame (&header);
  if (welcome == NULL || header.kind != PP_WIRE_KIND_WELCOME)
    g_error ("no WELCOME");
}

/* Many copies of @frame in one buffer, to write in big chunks */
static GByteArray *
repeated (GBytes *frame,
          guint   n)
{
  GByteArray *all = g_byte_array_new ();
  gsize size;
  gconstpointer data = g_bytes_get_data (frame, &size);

  for (guint i = 0; i < n; i++)
    g_byte_array_append (all, data, size);
  return all;
}

static int
flood_cancel (guint n)
{
  g_autoptr(GBytes) cancel = pp_wire_encode (PP_WIRE_KIND_CANCEL, PP_WIRE_FLAGS_NO_REPLY,
                                             123456, 0, g_variant_new ("()"));
  g_autoptr(GByteArray) chunk = repeated (cancel, 65536);
  g_autoptr(GBytes) call = pp_wire_encode_call (7, 0, PP_WIRE_FLAGS_NONE, PP_WIRE_ROOT_HANDLE,
                                                "concat", g_variant_new ("(ss)", "ab", "cd"),
                                                NULL);
  gint64 start;
  guint sent = 0;

  proxy_handshake ();
  start = g_get_monotonic_time ();
  while (sent < n)
    {
      guint batch = MIN (65536, n - sent);

      write_all (chunk->data, g_bytes_get_size (cancel) * batch);
      sent += batch;
    }
  printf ("flood-ms=%.1f\n", (g_get_monotonic_time () - start) / 1000.0);

  start = g_get_monotonic_time ();
  write_bytes (call);
  for (;;)
    {
      PpWireHeader header;
      g_autoptr(GVariant) body = read_frame (&header);

      if (body == NULL)
        g_error ("no reply");
      if (header.kind == PP_WIRE_KIND_RETURN && header.serial == 7)
        break;
    }
  printf ("reply-ms=%.1f\n", (g_get_monotonic_time () - start) / 1000.0);
  return 0;
}

/* Reads whatever replies are there without waiting; returns how many */
static guint
read_replies (GByteArray *pending)
{
  guint8 buf[65536];
  guint n_replies = 0;

  for (;;)
    {
      gssize n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_byte_array_append (pending, buf, n);
    }

  while (pending->len >= PP_WIRE_HEADER_SIZE)
    {
      PpWireHeader header;
      gsize size;

      if (!pp_wire_parse_header (pending->data, G_MAXUINT32, &header, NULL))
        g_error ("bad header");
      size = pp_wire_stream_size (&header);
      if (pending->len < size)
        break;
      g_byte_array_remove_range (pending, 0, size);
      n_replies++;
    }
  return n_replies;
}

static int
flood_calls (guint       n,
             const char *method,
             const char *args_text)
{
  g_autoptr(GVariant) args = g_variant_take_ref (g_variant_parse (NULL, args_text, NULL, NULL,
                                                                  NULL));
  g_autoptr(GByteArray) pending = g_byte_array_new ();
  guint replies = 0;
  gint64 start, lap;

  proxy_handshake ();
  start = lap = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) call = pp_wire_encode_call (100 + i, 0, PP_WIRE_FLAGS_NONE,
                                                    PP_WIRE_ROOT_HANDLE, method, args, NULL);
      gsize size;
      const guint8 *data = g_bytes_get_data (call, &size);

      /* Writes what the socket takes, reading replies meanwhile so that
       * the listener is never stopped by us */
      while (size > 0)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT | POLLIN };
          gssize written;

          replies += read_replies (pending);
          written = send (fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (written > 0)
            {
              data += written;
              size -= written;
              continue;
            }
          if (written < 0 && errno != EAGAIN && errno != EINTR)
            {
              printf ("write-error=%s\nsent=%u\nreplies=%u\n", g_strerror (errno), i, replies);
              return 0;
            }
          poll (&pfd, 1, -1);
        }

      if ((i + 1) % 10000 == 0)
        {
          gint64 now = g_get_monotonic_time ();

          printf ("lap-%u-ms=%.1f\n", i + 1, (now - lap) / 1000.0);
          lap = now;
        }
    }
  printf ("sent=%u\nreplies=%u\nseconds=%.2f\n", n, replies,
          (g_get_monotonic_time () - start) / 1e6);
  fflush (stdout);

  /* The rest of the replies, until the listener closes */
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      guint8 probe;

      if (poll (&pfd, 1, 200) <= 0)
        break;
      if (recv (fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
        break;
      replies += read_replies (pending);
    }
  printf ("replies-at-end=%u\n", replies);
  return 0;
}

static int
stall (const char *signal_name)
{
  g_autoptr(GBytes) subscribe = pp_wire_encode (PP_WIRE_KIND_SUBSCRIBE, PP_WIRE_FLAGS_NO_REPLY,
                                                0, 0, g_variant_new ("(us)", PP_WIRE_ROOT_HANDLE,
                                                                     signal_name));
  g_autoptr(GBytes) ready = pp_wire_encode_call (2, 0, PP_WIRE_FLAGS_NO_REPLY,
                                                 PP_WIRE_ROOT_HANDLE, "ready",
                                                 g_variant_new ("()"), NULL);

  proxy_handshake ();
  write_bytes (subscribe);
  write_bytes (ready);
  printf ("subscribed=%s\n", signal_name);
  fflush (stdout);

  /* Never reads again, until it is killed */
  for (;;)
    pause ();
  return 0;
}

/* As a listener ----------------------------------------------------------- */

static GVariant *
describe (const char *type_name,
          guint       n_members)
{
  g_autoptr(PpDescription) description = pp_description_new (type_name);
  const char *int_type[] = { "gint" };

  pp_description_add_chain_type (description, type_name);
  pp_description_add_signal (description, "tick", 0, 1, int_type, "(i)", "");
  pp_description_add_signal (description, "other", 0, 1, int_type, "(i)", "");
  pp_description_add_property (description, "level", G_PARAM_READWRITE, "gint", "i", "",
                               g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                    g_variant_new_variant (
                                                      g_variant_new_int32 (0))));
  pp_description_add_property (description, "depth", G_PARAM_READWRITE, "gint", "i", "",
                               g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                    g_variant_new_variant (
                                                      g_variant_new_int32 (0))));
  for (guint i = 0; i < n_members; i++)
    {
      g_autofree char *signal = g_strdup_printf ("%s-signal-%u", type_name, i);
      g_autofree char *property = g_strdup_printf ("%s-property-%u", type_name, i);

      pp_description_add_signal (description, signal, 0, 1, int_type, "(i)", "");
      pp_description_add_property (description, property, G_PARAM_READABLE, "gint", "i", "",
                                   g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                        g_variant_new_variant (
                                                          g_variant_new_int32 (0))));
    }
  return pp_description_serialize (description, FALSE);
}

static gboolean
listener_handshake (const char *type_name,
                    guint       n_members)
{
  g_autoptr(GVariant) hello = NULL;
  g_autoptr(GBytes) welcome = NULL;
  PpWireHeader header;

  hello = read_frame (&header);
  if (hello == NULL)
    return FALSE;
  if (header.kind != PP_WIRE_KIND_HELLO)
    g_error ("no HELLO");
  welcome = pp_wire_encode (PP_WIRE_KIND_WELCOME, PP_WIRE_FLAGS_NONE, header.serial, 0,
                            g_variant_new ("(su@a{sv})", PP_WIRE_MAGIC,
                                           (guint32) PP_WIRE_PROTOCOL_VERSION,
                                           describe (type_name, n_members)));
  write_bytes (welcome);
  return TRUE;
}

static GBytes *
flood_frame (const char *kind,
             guint       i)
{
  /* Two properties in turn: "level" takes the odd values, "depth" the
   * even ones, each replacing only its own older value */
  if (g_str_equal (kind, "property"))
    return pp_wire_encode (PP_WIRE_KIND_PROPERTY, PP_WIRE_FLAGS_NONE, 0, 0,
                           g_variant_new ("(usmv)", PP_WIRE_ROOT_HANDLE,
                                          i % 2 ? "level" : "depth",
                                          g_variant_new_int32 (i)));
  if (g_str_equal (kind, "signal"))
    return pp_wire_encode_signal (PP_WIRE_ROOT_HANDLE, "tick", "", g_variant_new ("(i)", i), NULL);
  if (g_str_equal (kind, "other-signal"))
    return pp_wire_encode_signal (PP_WIRE_ROOT_HANDLE, "other", "", g_variant_new ("(i)", i),
                                  NULL);
  g_error ("unknown kind %s", kind);
}

static int
fake_listener (const char *kind,
               guint       n)
{
  guint calls = 0;

  if (!listener_handshake ("PpFloodObject", 0))
    return 0;

  for (;;)
    {
      PpWireHeader header;
      g_autoptr(GVariant) body = read_frame (&header);
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GByteArray) chunk = g_byte_array_new ();
      gint64 start;

      if (body == NULL)
        break;
      if (header.kind != PP_WIRE_KIND_CALL)
        continue;

      /* The flood, in big writes, the last value last */
      start = g_get_monotonic_time ();
      for (guint i = 1; i <= n; i++)
        {
          g_autoptr(GBytes) frame = flood_frame (kind, i);

          g_byte_array_append (chunk, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
          if (chunk->len >= 65536 || i == n)
            {
              write_all (chunk->data, chunk->len);
              g_byte_array_set_size (chunk, 0);
            }
        }
      printf ("flood-%u-ms=%.1f\n", calls, (g_get_monotonic_time () - start) / 1000.0);
      fflush (stdout);
      reply = pp_wire_encode_return (header.serial, g_variant_new ("()"), NULL);
      write_bytes (reply);
      calls++;
    }
  printf ("calls=%u\n", calls);
  return 0;
}

static int
fake_listeners (const char *path,
                guint       n,
                guint       n_members)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int server = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  guint served = 0;
  g_autofree char *binding = g_strconcat (path, ".new", NULL);

  /* Bound under another name, so that PATH exists only once it listens */
  g_strlcpy (addr.sun_path, binding, sizeof addr.sun_path);
  if (bind (server, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (server, 16) < 0 ||
      rename (binding, path) < 0)
    g_error ("cannot listen on %s: %s", path, g_strerror (errno));
  /* Tells the parent it may connect */
  printf ("listening=%s\n", path);
  fflush (stdout);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *type_name = g_strdup_printf ("Hostile%u", i);
      guint8 buf[4096];

      fd = accept (server, NULL, NULL);
      if (fd < 0)
        g_error ("accept: %s", g_strerror (errno));
      if (listener_handshake (type_name, n_members))
        served++;
      /* Until the proxy is gone */
      while (read (fd, buf, sizeof buf) > 0)
        ;
      close (fd);
    }
  close (server);
  unlink (path);
  printf ("served=%u\n", served);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "cancel"))
    return flood_cancel (atoi (argv[2]));
  if (argc == 4 && g_str_equal (argv[1], "calls"))
    return flood_calls (atoi (argv[2]), argv[3], "()");
  if (argc == 5 && g_str_equal (argv[1], "calls"))
    return flood_calls (atoi (argv[2]), argv[3], argv[4]);
  if (argc == 3 && g_str_equal (argv[1], "stall"))
    return stall (argv[2]);
  if (argc == 4 && g_str_equal (argv[1], "listener"))
    return fake_listener (argv[2], atoi (argv[3]));
  if (argc == 5 && g_str_equal (argv[1], "listeners"))
    return fake_listeners (argv[2], atoi (argv[3]), atoi (argv[4]));

  fprintf (stderr, "usage: see the comment at the top of pp-flood-peer.c\n");
  return 2;
}
