/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Hostile peers, the listener's side: a real listener (tests/pp-test-server,
 * in a child process, or a PpListener here) is sent raw bytes that are not
 * valid protocol. It must close the connection with the right PP_ERROR, end
 * every pending call exactly once, and carry on: no crash, no abort, no
 * SIGPIPE. The proxy's side is test-robustness-proxy.c. */

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-frame-stream-private.h"
#include "pp-test-object.h"
#include "pp-test-raw.h"
#include "pp-test-util.h"
#include "pp-wire-private.h"

/* The real listener, in a child -------------------------------------------- */

typedef struct
{
  PpTestPeer *peer;
  int         fd;
} Conn;

static int
socket_fd (GIOStream *stream)
{
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));

  return g_socket_get_fd (socket);
}

static void
conn_init (Conn       *conn,
           PpTestPeer *peer)
{
  conn->peer = peer;
  conn->fd = socket_fd (peer->stream);
}

static void conn_handshake_as (Conn       *conn,
                               const char *expected_type);

/* Sends HELLO with serial 1 and checks the WELCOME. */
static void
conn_handshake (Conn *conn)
{
  conn_handshake_as (conn, "PpTestObject");
}

static void
conn_handshake_as (Conn       *conn,
                   const char *expected_type)
{
  g_autoptr(GBytes) hello = hello_frame (1, PP_WIRE_MAGIC, PP_WIRE_PROTOCOL_VERSION);
  Frame *welcome;
  const char *magic;
  guint32 version;
  g_autoptr(GVariant) info = NULL;
  const char *type_name = NULL;

  g_assert_true (raw_write_bytes (conn->fd, hello));
  welcome = raw_read_frame (conn->fd);
  g_assert_nonnull (welcome);
  g_assert_cmpuint (welcome->header.kind, ==, PP_WIRE_KIND_WELCOME);
  g_assert_cmpuint (welcome->header.serial, ==, 1);
  g_variant_get (welcome->body, "(&su@a{sv})", &magic, &version, &info);
  g_assert_cmpstr (magic, ==, PP_WIRE_MAGIC);
  g_assert_cmpuint (version, ==, PP_WIRE_PROTOCOL_VERSION);
  g_assert_true (g_variant_lookup (info, "type-name", "&s", &type_name));
  g_assert_cmpstr (type_name, ==, expected_type);
  frame_free (welcome);
}

static void
conn_start (Conn     *conn,
            gboolean  handshake)
{
  conn_init (conn, pp_test_peer_spawn ("test", FALSE));
  if (handshake)
    conn_handshake (conn);
}

/* A call that must work, proving the connection was fine until then. */
static void
conn_check_alive (Conn *conn)
{
  g_autoptr(GBytes) call = pp_wire_encode_call (7, 0, PP_WIRE_FLAGS_NONE, 0, "concat",
                                                g_variant_new ("(ss)", "ab", "cd"), NULL);
  Frame *reply;

  g_assert_true (raw_write_bytes (conn->fd, call));
  reply = raw_read_frame (conn->fd);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->header.kind, ==, PP_WIRE_KIND_RETURN);
  g_assert_cmpuint (reply->header.serial, ==, 7);
  {
    g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new ("(s)", "abcd"));
    g_autoptr(GVariant) result = g_variant_get_variant (reply->body);

    g_assert_cmpvariant (result, expected);
  }
  frame_free (reply);
}

/* Checks that the child closes the connection (we read to its end), then
 * exits normally with status 0 after printing that its listener closed
 * with @code (or any of @codes). Returns what it sent before closing. */
static GPtrArray *
conn_finish_any (Conn      *conn,
                 const int *codes,
                 gsize      n_codes,
                 int       *out_code)
{
  g_autoptr(GByteArray) rest = raw_read_to_end (conn->fd);
  g_autofree char *output = NULL;
  GPtrArray *frames = frames_parse (rest);
  gboolean matched = FALSE;

  /* pp_test_peer_wait() checks the exit: normal, status 0 */
  output = pp_test_peer_wait (conn->peer);
  /* One line */
  g_assert_nonnull (output);
  g_assert_cmpstr (strchr (output, '\n'), ==, "\n");
  g_test_message ("peer said: %s", g_strchomp (output));

  for (gsize i = 0; i < n_codes && !matched; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("# closed: pp-error-quark %d ", codes[i]);

      if (g_str_has_prefix (output, prefix))
        {
          matched = TRUE;
          if (out_code != NULL)
            *out_code = codes[i];
        }
    }
  if (!matched)
    g_test_fail_printf ("The listener closed for another reason: %s", output);

  g_clear_pointer (&conn->peer, pp_test_peer_free);
  return frames;
}

static GPtrArray *
conn_finish (Conn *conn,
             int   code)
{
  return conn_finish_any (conn, &code, 1, NULL);
}

/* Checks that @frames are only an ERROR frame naming PP_ERROR @code, and
 * returns its message. */
static char *
assert_refusal (GPtrArray *frames,
                int        code)
{
  Frame *frame;
  const char *domain;
  const char *message;
  int got_code;

  g_assert_cmpuint (frames->len, ==, 1);
  frame = g_ptr_array_index (frames, 0);
  g_assert_cmpuint (frame->header.kind, ==, PP_WIRE_KIND_ERROR);
  g_variant_get (frame->body, "(&si&s)", &domain, &got_code, &message);
  g_assert_cmpstr (domain, ==, "pp-error-quark");
  g_assert_cmpint (got_code, ==, code);
  g_test_message ("refused with: %s (serial %u)", message, frame->header.serial);
  return g_strdup (message);
}

/* Sends @bytes on a fresh connection (after a handshake if @handshake) and
 * checks the listener closes with @code, sending back only its refusal. */
static void
check_closes_silently (gboolean  handshake,
                       GBytes   *bytes,
                       int       code)
{
  Conn conn;
  g_autoptr(GPtrArray) frames = NULL;
  g_autofree char *message = NULL;

  conn_start (&conn, handshake);
  raw_write_bytes (conn.fd, bytes);
  frames = conn_finish (&conn, code);
  message = assert_refusal (frames, code);
}

/* Object references ------------------------------------------------------ */

/* A listener serving a GListStore of actions, whose item 0 we got: the
 * frames that came, TYPE, INTRODUCE, then the RETURN; the handle */
static guint32
conn_start_with_object (Conn *conn)
{
  g_autoptr(GBytes) call = pp_wire_encode_call (2, 0, PP_WIRE_FLAGS_NONE, 0, "get_item",
                                                g_variant_new ("(u)", 0), NULL);
  g_autoptr(GVariant) table = NULL;
  g_autoptr(GVariant) inner = NULL;
  Frame *frame;
  gboolean theirs;
  guint32 handle;

  conn_init (conn, pp_test_peer_spawn ("action-store", FALSE));
  conn_handshake_as (conn, "GListStore");
  g_assert_true (raw_write_bytes (conn->fd, call));

  frame = raw_read_frame (conn->fd);
  g_assert_cmpuint (frame->header.kind, ==, PP_WIRE_KIND_TYPE);
  frame_free (frame);
  frame = raw_read_frame (conn->fd);
  g_assert_cmpuint (frame->header.kind, ==, PP_WIRE_KIND_INTRODUCE);
  frame_free (frame);
  frame = raw_read_frame (conn->fd);
  g_assert_cmpuint (frame->header.kind, ==, PP_WIRE_KIND_RETURN);
  g_assert_cmpuint (frame->header.flags, ==, PP_WIRE_FLAGS_OBJECTS);
  inner = pp_wire_unwrap_objects (frame->body, &table);
  g_assert_cmpuint (g_variant_n_children (table), ==, 1);
  g_variant_get_child (table, 0, "(bu)", &theirs, &handle);
  g_assert_true (theirs);
  g_assert_cmpuint (handle, !=, 0);
  frame_free (frame);
  return handle;
}

static GBytes *
release_frame (guint32 handle,
               guint32 count)
{
  return pp_wire_encode (PP_WIRE_KIND_RELEASE, PP_WIRE_FLAGS_NONE, 0, 0,
                         g_variant_new_parsed ("[(%u, %u)]", handle, count));
}

/* Releasing what was never given, more than was given, or twice, breaks
 * the protocol, and the same way */
static void
test_hostile_release (void)
{
  const struct { gboolean given; guint32 first; guint32 second; } cases[] = {
    { FALSE, 1, 0 },    /* a handle never given */
    { TRUE, 2, 0 },     /* more than was given */
    { TRUE, G_MAXUINT32, 0 },
    { TRUE, 1, 1 },     /* twice */
    { TRUE, 0, 0 },     /* nothing */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) frames = NULL;
      g_autofree char *message = NULL;
      g_autoptr(GBytes) first = NULL;
      Conn conn;
      guint32 handle = 77;

      if (cases[i].given)
        handle = conn_start_with_object (&conn);
      else
        conn_start (&conn, TRUE);
      first = release_frame (handle, cases[i].first);
      g_assert_true (raw_write_bytes (conn.fd, first));
      if (cases[i].second != 0)
        {
          g_autoptr(GBytes) second = release_frame (handle, cases[i].second);
          Frame *released = raw_read_frame (conn.fd);

          /* The first one was right: acknowledged */
          g_assert_cmpuint (released->header.kind, ==, PP_WIRE_KIND_RELEASED);
          frame_free (released);
          g_assert_true (raw_write_bytes (conn.fd, second));
        }
      frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
      message = assert_refusal (frames, PP_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (message, "does not hold"));
    }
}

/* A call naming, as one of the listener's own objects, one it did not
 * give */
static void
test_hostile_object_reference (void)
{
  const guint32 handles[] = { 0, 1, 2, G_MAXUINT32 };

  for (gsize i = 0; i < G_N_ELEMENTS (handles); i++)
    {
      g_autoptr(GPtrArray) frames = NULL;
      g_autofree char *message = NULL;
      g_autoptr(GBytes) call = NULL;
      Conn conn;

      conn_start (&conn, TRUE);
      /* handle 0 is the object served: a reference to it is fine */
      call = pp_wire_encode_call (3, 0, PP_WIRE_FLAGS_OBJECTS, 0, "concat",
                                  g_variant_new ("(ss)", "a", "b"),
                                  g_variant_new_parsed ("[(false, %u)]", handles[i]));
      g_assert_true (raw_write_bytes (conn.fd, call));
      if (handles[i] == 0)
        {
          Frame *reply = raw_read_frame (conn.fd);

          g_assert_cmpuint (reply->header.kind, ==, PP_WIRE_KIND_RETURN);
          g_assert_cmpuint (reply->header.serial, ==, 3);
          frame_free (reply);
          conn_check_alive (&conn);
          g_clear_pointer (&conn.peer, pp_test_peer_free);
          continue;
        }
      frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
      message = assert_refusal (frames, PP_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (message, "cannot refer to"));
    }
}

static void
test_unknown_kind (void)
{
  const guint8 kinds[] = { 0, PP_WIRE_KIND_LAST + 1, 0xff };

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    for (int handshake = 0; handshake <= 1; handshake++)
      {
        g_autoptr(GBytes) frame = raw_frame (8, kinds[i], 0, 0, 2, "\0\0\0\0\0\0\0\0", 8);

        check_closes_silently (handshake, frame, PP_ERROR_PROTOCOL);
      }
}

/* 256 descriptors is over the limit; unknown flags are refused */
static void
test_fd_count_and_flags (void)
{
  g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(usv)", 0, "get_parameter",
                                                                g_variant_new ("()")));
  g_autoptr(GBytes) reserved = raw_frame (g_variant_get_size (body), PP_WIRE_KIND_CALL, 0, 0x100,
                                          2, g_variant_get_data (body), g_variant_get_size (body));
  g_autoptr(GBytes) flags = raw_frame (g_variant_get_size (body), PP_WIRE_KIND_CALL, 0x80, 0,
                                       2, g_variant_get_data (body), g_variant_get_size (body));

  check_closes_silently (TRUE, reserved, PP_ERROR_PROTOCOL);
  check_closes_silently (TRUE, flags, PP_ERROR_PROTOCOL);
}

/* Part of a header, then the end of the stream: the peer went away. */
static void
test_truncated_header (void)
{
  for (int handshake = 0; handshake <= 1; handshake++)
    {
      g_autoptr(GBytes) hello = hello_frame (1, PP_WIRE_MAGIC, PP_WIRE_PROTOCOL_VERSION);
      g_autoptr(GPtrArray) frames = NULL;
      Conn conn;

      conn_start (&conn, handshake);
      g_assert_true (raw_write (conn.fd, g_bytes_get_data (hello, NULL), 7));
      g_assert_cmpint (shutdown (conn.fd, SHUT_WR), ==, 0);
      frames = conn_finish (&conn, PP_ERROR_DISCONNECTED);
      g_assert_cmpuint (frames->len, ==, 0);
    }

  /* A whole header and part of the body */
  {
    g_autoptr(GBytes) call = pp_wire_encode_call (2, 0, 0, 0, "concat",
                                                  g_variant_new ("(ss)", "xxxxxxxx", "yyyyyyyy"),
                                                  NULL);
    g_autoptr(GPtrArray) frames = NULL;
    Conn conn;

    conn_start (&conn, TRUE);
    g_assert_true (raw_write (conn.fd, g_bytes_get_data (call, NULL),
                              g_bytes_get_size (call) - 9));
    g_assert_cmpint (shutdown (conn.fd, SHUT_WR), ==, 0);
    frames = conn_finish (&conn, PP_ERROR_DISCONNECTED);
    g_assert_cmpuint (frames->len, ==, 0);
  }
}

/* The child runs with its address space limited below what a body of
 * 0xFFFFFFFF bytes would need, so a listener that allocated before
 * checking the size would abort in g_malloc() instead of exiting 0. */
#define CHILD_ADDRESS_SPACE (1536 * 1024 * 1024UL)

static void
limit_address_space (gpointer user_data)
{
#if !defined (__SANITIZE_ADDRESS__)
  struct rlimit limit = { CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE };

  setrlimit (RLIMIT_AS, &limit);
#endif
}

static PpTestPeer *
spawn_limited_peer (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *server = g_test_build_filename (G_TEST_BUILT, "pp-test-server", NULL);
  g_autoptr(GError) error = NULL;
  PpTestPeer *peer = g_new0 (PpTestPeer, 1);
  int fds[2];

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, limit_address_space, NULL, NULL);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  peer->stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  peer->process = g_subprocess_launcher_spawn (launcher, &error, server, "--object=test", NULL);
  g_assert_no_error (error);

#if !defined (__SANITIZE_ADDRESS__)
  /* The limit is in force */
  {
    g_autofree char *path = g_strdup_printf ("/proc/%s/limits",
                                             g_subprocess_get_identifier (peer->process));
    g_autofree char *limits = NULL;
    g_autofree char *expected = g_strdup_printf ("%lu", CHILD_ADDRESS_SPACE);
    const char *line;

    g_assert_true (g_file_get_contents (path, &limits, NULL, NULL));
    line = strstr (limits, "Max address space");
    g_assert_nonnull (line);
    g_assert_true (g_str_has_prefix (line + strlen ("Max address space"),
                                     "         ") &&
                   strstr (line, expected) != NULL &&
                   strstr (line, expected) < strchr (line, '\n'));
  }
#endif

  return peer;
}

static void
test_oversized (void)
{
  const struct { guint32 size; guint8 kind; gboolean handshake; } cases[] = {
    { G_MAXUINT32, PP_WIRE_KIND_HELLO, FALSE },
    { G_MAXUINT32, PP_WIRE_KIND_CALL, TRUE },
    { PP_DEFAULT_MAX_MESSAGE_SIZE + 1, PP_WIRE_KIND_CALL, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) header = raw_frame (cases[i].size, cases[i].kind, 0, 0, 2, NULL, 0);
      g_autoptr(GPtrArray) frames = NULL;
      Conn conn;

      conn_init (&conn, spawn_limited_peer ());
      if (cases[i].handshake)
        {
          conn_handshake (&conn);
          /* It works under the limit */
          conn_check_alive (&conn);
        }

      /* The header alone, and the stream stays open: the listener must not
       * wait for a body it will never accept. */
      g_assert_true (raw_write_bytes (conn.fd, header));
      frames = conn_finish (&conn, PP_ERROR_LIMIT_EXCEEDED);
      g_free (assert_refusal (frames, PP_ERROR_LIMIT_EXCEEDED));
    }
}

static void
test_not_normal_form (void)
{
  /* A method name without its nul */
  {
    g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(usv)", 0, "concat",
                                                                  g_variant_new ("(ss)", "a",
                                                                                 "b")));
    g_autofree guint8 *bytes = g_memdup2 (g_variant_get_data (body), g_variant_get_size (body));
    g_autoptr(GBytes) frame = NULL;

    g_assert_cmpuint (bytes[10], ==, 0);
    bytes[10] = 'X';
    frame = raw_frame (g_variant_get_size (body), PP_WIRE_KIND_CALL, 0, 0, 2, bytes,
                       g_variant_get_size (body));
    check_closes_silently (TRUE, frame, PP_ERROR_PROTOCOL);
  }

  /* Invalid UTF-8 in the HELLO */
  {
    g_autoptr(GBytes) hello = hello_frame (1, "pipeXproxy", PP_WIRE_PROTOCOL_VERSION);
    gsize size;
    guint8 *bytes = g_bytes_unref_to_data (g_bytes_ref (hello), &size);
    guint8 *x = memchr (bytes + PP_WIRE_HEADER_SIZE, 'X', size - PP_WIRE_HEADER_SIZE);
    g_autoptr(GBytes) frame = NULL;

    g_assert_nonnull (x);
    *x = 0xc3;
    frame = g_bytes_new_take (bytes, size);
    check_closes_silently (FALSE, frame, PP_ERROR_PROTOCOL);
  }

  /* Non-zero padding inside the body */
  {
    g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(usv)", 0, "set_parameter",
                                                                  g_variant_new ("(i)", 1)));
    g_autofree guint8 *bytes = g_memdup2 (g_variant_get_data (body), g_variant_get_size (body));
    g_autoptr(GBytes) frame = NULL;

    /* The handle and "set_parameter\0" are 18 bytes, then padding to 24
     * for the variant */
    g_assert_cmpuint (bytes[18], ==, 0);
    bytes[18] = 0x55;
    frame = raw_frame (g_variant_get_size (body), PP_WIRE_KIND_CALL, 0, 0, 2, bytes,
                       g_variant_get_size (body));
    check_closes_silently (TRUE, frame, PP_ERROR_PROTOCOL);
  }

  /* A CANCEL whose body is not () */
  {
    g_autoptr(GBytes) frame = raw_frame (3, PP_WIRE_KIND_CANCEL, 0, 0, 2, "\1\2\3", 3);

    check_closes_silently (TRUE, frame, PP_ERROR_PROTOCOL);
  }
}

static void
test_call_before_hello (void)
{
  g_autoptr(GBytes) call = pp_wire_encode_call (1, 0, 0, 0, "get_parameter", g_variant_new ("()"),
                                                NULL);
  g_autoptr(GPtrArray) frames = NULL;
  g_autofree char *message = NULL;
  Conn conn;

  conn_start (&conn, FALSE);
  raw_write_bytes (conn.fd, call);
  frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
  message = assert_refusal (frames, PP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (message, "CALL"));
}

static void
test_hello_wrong_magic (void)
{
  const char *magics[] = { "", "PIPEPROXY", "pipeproxy ", "dbus" };

  for (gsize i = 0; i < G_N_ELEMENTS (magics); i++)
    {
      g_autoptr(GBytes) hello = hello_frame (1, magics[i], PP_WIRE_PROTOCOL_VERSION);
      g_autoptr(GPtrArray) frames = NULL;
      g_autofree char *message = NULL;
      Conn conn;

      conn_start (&conn, FALSE);
      raw_write_bytes (conn.fd, hello);
      frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
      message = assert_refusal (frames, PP_ERROR_PROTOCOL);
    }
}

/* A newer proxy: the listener says which versions both sides speak. */
static void
test_hello_wrong_version (void)
{
  const guint32 versions[] = { 99, 0, G_MAXUINT32 };

  for (gsize i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autoptr(GBytes) hello = hello_frame (1, PP_WIRE_MAGIC, versions[i]);
      g_autoptr(GPtrArray) frames = NULL;
      g_autofree char *message = NULL;
      g_autofree char *theirs = g_strdup_printf ("version %u", versions[i]);
      g_autofree char *ours = g_strdup_printf ("version %u", PP_WIRE_PROTOCOL_VERSION);
      Conn conn;

      conn_start (&conn, FALSE);
      raw_write_bytes (conn.fd, hello);
      frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
      message = assert_refusal (frames, PP_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (message, theirs));
      g_assert_nonnull (strstr (message, ours));
    }
}

static void
test_call_args_not_tuple (void)
{
  g_autoptr(GBytes) frame = frame_with_body (PP_WIRE_KIND_CALL, 2,
                                             g_variant_new ("(usv)", 0, "set_parameter",
                                                            g_variant_new_int32 (5)));

  check_closes_silently (TRUE, frame, PP_ERROR_PROTOCOL);
}

static void
test_second_hello (void)
{
  g_autoptr(GBytes) hello = hello_frame (2, PP_WIRE_MAGIC, PP_WIRE_PROTOCOL_VERSION);
  g_autoptr(GPtrArray) frames = NULL;
  g_autofree char *message = NULL;
  Conn conn;

  conn_start (&conn, TRUE);
  raw_write_bytes (conn.fd, hello);
  frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
  message = assert_refusal (frames, PP_ERROR_PROTOCOL);
}

/* Frames only a listener sends, sent to a listener. Each is followed by a
 * valid call: a listener that ignored the frame answers it instead of
 * closing, and the test fails rather than waits. */
static void
test_frames_for_a_proxy (void)
{
  GVariant *bodies[] = {
    g_variant_new ("(ussv)", 0, "notify", "", g_variant_new ("()")),
    g_variant_new ("(sua{sv})", PP_WIRE_MAGIC, (guint32) PP_WIRE_PROTOCOL_VERSION, NULL),
    g_variant_new_variant (g_variant_new ("()")),
    g_variant_new ("(sis)", "g-io-error-quark", 1, "x"),
  };
  const PpWireKind kinds[] = {
    PP_WIRE_KIND_SIGNAL, PP_WIRE_KIND_WELCOME, PP_WIRE_KIND_RETURN, PP_WIRE_KIND_ERROR,
  };
  GString *ignored = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(GBytes) frame = pp_wire_encode (kinds[i], 0, 1, 0, bodies[i]);
      g_autoptr(GBytes) call = pp_wire_encode_call (7, 0, 0, 0, "concat",
                                                    g_variant_new ("(ss)", "a", "b"), NULL);
      g_autoptr(GPtrArray) frames = NULL;
      Conn conn;
      Frame *first;

      conn_start (&conn, TRUE);
      raw_write_bytes (conn.fd, frame);
      raw_write_bytes (conn.fd, call);

      first = raw_read_frame (conn.fd);
      g_assert_nonnull (first);
      if (first->header.kind == PP_WIRE_KIND_RETURN)
        {
          /* Still serving: end it ourselves */
          g_string_append_printf (ignored, " %s", pp_wire_kind_to_string (kinds[i]));
          frame_free (first);
          shutdown (conn.fd, SHUT_WR);
          frames = conn_finish (&conn, PP_ERROR_DISCONNECTED);
        }
      else
        {
          g_autofree char *message = NULL;

          frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
          g_ptr_array_insert (frames, 0, first);
          message = assert_refusal (frames, PP_ERROR_PROTOCOL);
          g_assert_nonnull (strstr (message, pp_wire_kind_to_string (kinds[i])));
        }
    }

  if (ignored->len > 0)
    g_test_fail_printf ("The listener ignored these frames and went on serving:%s", ignored->str);
  g_string_free (ignored, TRUE);
}

static void
test_garbage (void)
{
  const gsize sizes[] = { 1, 15, 16, 17, 100, 4096, 100000 };
  const int codes[] = { PP_ERROR_PROTOCOL, PP_ERROR_LIMIT_EXCEEDED, PP_ERROR_DISCONNECTED };
  g_autoptr(GRand) rand = g_rand_new_with_seed (0xbadf00d);
  guint n_seen[3] = { 0, 0, 0 };

  for (int handshake = 0; handshake <= 1; handshake++)
    for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autofree guint8 *garbage = g_malloc (sizes[i]);
        g_autoptr(GPtrArray) frames = NULL;
        int code = -1;
        Conn conn;

        for (gsize j = 0; j < sizes[i]; j++)
          garbage[j] = g_rand_int_range (rand, 0, 256);

        conn_start (&conn, handshake);
        /* The listener may close before it has read everything */
        raw_write (conn.fd, garbage, sizes[i]);
        /* Less than a frame: the end of the stream ends it */
        shutdown (conn.fd, SHUT_WR);
        frames = conn_finish_any (&conn, codes, G_N_ELEMENTS (codes), &code);
        g_test_message ("%" G_GSIZE_FORMAT " bytes of garbage: code %d", sizes[i], code);
        for (gsize c = 0; c < G_N_ELEMENTS (codes); c++)
          if (codes[c] == code)
            n_seen[c]++;
      }

  /* Most garbage is caught by its header */
  g_assert_cmpuint (n_seen[0] + n_seen[1], >, 0);
}

/* Random bytes after a valid header: bodies that cannot be decoded */
static void
test_garbage_bodies (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  const PpWireKind kinds[] = { PP_WIRE_KIND_CALL, PP_WIRE_KIND_CALL, PP_WIRE_KIND_CANCEL,
                               PP_WIRE_KIND_HELLO };
  const gsize sizes[] = { 9, 200, 8, 64 };

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree guint8 *garbage = g_malloc (sizes[i]);
      g_autoptr(GBytes) frame = NULL;
      g_autoptr(GPtrArray) frames = NULL;
      Conn conn;

      for (gsize j = 0; j < sizes[i]; j++)
        garbage[j] = g_rand_int_range (rand, 0, 256);
      /* A first byte of 0xff cannot start a valid method name, nor is it () */
      garbage[0] = 0xff;
      frame = raw_frame (sizes[i], kinds[i], 0, 0, 2, garbage, sizes[i]);

      conn_start (&conn, TRUE);
      raw_write_bytes (conn.fd, frame);
      frames = conn_finish (&conn, PP_ERROR_PROTOCOL);
      g_free (assert_refusal (frames, PP_ERROR_PROTOCOL));
    }
}

/* The reader of the listener's reply pipe is gone when the listener writes
 * a large reply: write() fails with EPIPE and raises SIGPIPE, which must
 * not kill it. */
static void
test_sigpipe_raw (void)
{
  g_autoptr(PpTestPeer) peer = NULL;
  g_autoptr(GBytes) hello = hello_frame (1, PP_WIRE_MAGIC, PP_WIRE_PROTOCOL_VERSION);
  g_autoptr(GBytes) call = NULL;
  g_autofree guint8 *payload = g_malloc (BIG_PAYLOAD);
  g_autofree char *output = NULL;
  GInputStream *input;
  GOutputStream *output_stream;
  struct sigaction ignore = { 0 };
  struct sigaction previous;
  Frame *welcome;
  int in_fd, out_fd;

  sigpipe_default_for_children ();
  peer = pp_test_peer_spawn ("test", TRUE);
  sigpipe_restore ();

  input = g_io_stream_get_input_stream (peer->stream);
  output_stream = g_io_stream_get_output_stream (peer->stream);
  in_fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (input));
  out_fd = g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (output_stream));
  g_unix_set_fd_nonblocking (in_fd, TRUE, NULL);
  g_unix_set_fd_nonblocking (out_fd, TRUE, NULL);

  /* Our own writes must not kill us either if the child dies */
  ignore.sa_handler = SIG_IGN;
  sigaction (SIGPIPE, &ignore, &previous);

  g_assert_true (raw_write_bytes (out_fd, hello));
  welcome = raw_read_frame (in_fd);
  g_assert_nonnull (welcome);
  g_assert_cmpuint (welcome->header.kind, ==, PP_WIRE_KIND_WELCOME);
  frame_free (welcome);

  /* Nobody reads the replies any more; the request stream stays open, so
   * the listener learns it only by writing. */
  g_assert_true (g_input_stream_close (input, NULL, NULL));

  memset (payload, 0x5a, BIG_PAYLOAD);
  call = pp_wire_encode_call (2, 0, 0, 0, "echo_bytes",
                              g_variant_new ("(@ay)",
                                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                        payload, BIG_PAYLOAD, 1)),
                              NULL);
  g_clear_pointer (&payload, g_free);
  g_assert_true (raw_write_bytes (out_fd, call));

  output = pp_test_peer_wait (peer);
  sigaction (SIGPIPE, &previous, NULL);
  g_test_message ("peer said: %s", g_strchomp (output));
  g_assert_true (g_str_has_prefix (output, "# closed: pp-error-quark 1 "));
  /* It was the write that failed */
  g_assert_nonnull (strstr (output, "write"));
}

/* The same through a PpProxy that gives up on a large call at once. */
static void
test_closed_listener_idle (void)
{
  g_autoptr(GIOStream) mine = NULL;
  g_autoptr(GIOStream) theirs = NULL;
  g_autoptr(GObject) object = G_OBJECT (g_simple_action_new ("frobnicate", NULL));
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GBytes) garbage = raw_frame (8, 0xee, 0, 0, 1, "\0\0\0\0\0\0\0\0", 8);
  g_autoptr(GError) error = NULL;
  ClosedResult closed = { 0 };
  gboolean expired = FALSE;
  guint guard;

  g_assert_true (pp_stream_new_pair (&mine, &theirs, &error));
  listener = pp_listener_new (object, mine, &error);
  g_assert_no_error (error);
  g_signal_connect (listener, "closed", G_CALLBACK (closed_cb), &closed);

  g_assert_true (raw_write_bytes (socket_fd (theirs), garbage));

  guard = g_timeout_add (IO_TIMEOUT_MSEC, guard_cb, &expired);
  while (closed.count == 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (guard);
  g_assert_error (closed.error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_clear_error (&closed.error);

  if (!drain_main_context ())
    g_test_fail_printf ("A closed PpListener keeps its main context busy");
  g_assert_cmpuint (closed.count, ==, 1);
}

/* What follows a protocol error in the same read is not acted upon: the
 * connection is closed, so no method may run for it any more. */
static void
test_no_call_after_protocol_error (void)
{
  g_autoptr(GIOStream) mine = NULL;
  g_autoptr(GIOStream) theirs = NULL;
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GBytes) hello = hello_frame (1, PP_WIRE_MAGIC, PP_WIRE_PROTOCOL_VERSION);
  g_autoptr(GBytes) refused = pp_wire_encode (PP_WIRE_KIND_SIGNAL, 0, 2, 0,
                                              g_variant_new ("(ussv)", 0, "notify", "",
                                                             g_variant_new ("()")));
  g_autoptr(GBytes) call = pp_wire_encode_call (3, 0, 0, 0, "set_parameter",
                                                g_variant_new ("(i)", 42), NULL);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  ClosedResult closed = { 0 };
  gboolean expired = FALSE;
  guint guard;

  g_assert_true (pp_stream_new_pair (&mine, &theirs, &error));
  listener = pp_listener_new (G_OBJECT (object), mine, &error);
  g_assert_no_error (error);
  g_signal_connect (listener, "closed", G_CALLBACK (closed_cb), &closed);

  g_byte_array_append (all, g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));
  g_byte_array_append (all, g_bytes_get_data (refused, NULL), g_bytes_get_size (refused));
  g_byte_array_append (all, g_bytes_get_data (call, NULL), g_bytes_get_size (call));
  g_assert_true (raw_write (socket_fd (theirs), all->data, all->len));

  guard = g_timeout_add (IO_TIMEOUT_MSEC, guard_cb, &expired);
  while (closed.count == 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (guard);
  g_assert_error (closed.error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_clear_error (&closed.error);
  drain_main_context ();

  if (pp_test_object_get_parameter (object) != 0)
    g_test_fail_printf ("set_parameter ran after the connection was closed for a protocol error");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Robustness/unknown-kind", test_unknown_kind);
  g_test_add_func ("/Pp/Robustness/fd-count-and-flags", test_fd_count_and_flags);
  g_test_add_func ("/Pp/Robustness/truncated-header", test_truncated_header);
  g_test_add_func ("/Pp/Robustness/oversized", test_oversized);
  g_test_add_func ("/Pp/Robustness/not-normal-form", test_not_normal_form);
  g_test_add_func ("/Pp/Robustness/call-before-hello", test_call_before_hello);
  g_test_add_func ("/Pp/Robustness/hello-wrong-magic", test_hello_wrong_magic);
  g_test_add_func ("/Pp/Robustness/hello-wrong-version", test_hello_wrong_version);
  g_test_add_func ("/Pp/Robustness/call-args-not-tuple", test_call_args_not_tuple);
  g_test_add_func ("/Pp/Robustness/second-hello", test_second_hello);
  g_test_add_func ("/Pp/Robustness/frames-for-a-proxy", test_frames_for_a_proxy);
  g_test_add_func ("/Pp/Robustness/garbage", test_garbage);
  g_test_add_func ("/Pp/Robustness/garbage-bodies", test_garbage_bodies);
  g_test_add_func ("/Pp/Robustness/sigpipe", test_sigpipe_raw);
  g_test_add_func ("/Pp/Robustness/no-call-after-protocol-error",
                   test_no_call_after_protocol_error);
  g_test_add_func ("/Pp/Robustness/closed-listener-idle", test_closed_listener_idle);
  g_test_add_func ("/Pp/Robustness/hostile-release", test_hostile_release);
  g_test_add_func ("/Pp/Robustness/hostile-object-reference", test_hostile_object_reference);

  return g_test_run ();
}
