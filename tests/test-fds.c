/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* File descriptors and large payloads across a process boundary: every
 * case talks to tests/pp-test-server in a child. Descriptors go both ways
 * with calls and replies, streams of introspected methods cross as
 * descriptors, bodies of 1 MiB and more travel in a sealed memfd, and a
 * pair of pipes (which carries no descriptors) still moves everything by
 * copy and refuses descriptors with a clear error. */

#define _GNU_SOURCE  /* memfd_create() */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixinputstream.h>

#include "pp-memfd-private.h"
#include "pp-test-object.h"
#include "pp-test-util.h"
#include "pp-wire-private.h"

/* Generous: valgrind makes copying 64 MiB through pipes take a while */
#define TIMEOUT_MSEC (g_getenv ("PP_TEST_UNDER_VALGRIND") ? 600000 : 20000)

static GBytes *
make_payload (gsize size,
              guint seed)
{
  guint8 *data = g_malloc (size);
  guint32 x = seed * 2654435761u + 1;

  /* Cheap, and different at every offset, so a shifted or truncated copy
   * cannot compare equal */
  for (gsize i = 0; i < size; i++)
    {
      x = x * 1103515245u + 12345u;
      data[i] = x >> 24;
    }
  return g_bytes_new_take (data, size);
}

static GByteArray *
read_fd_to_end (int fd)
{
  GByteArray *all = g_byte_array_new ();
  guint8 buf[65536];

  for (;;)
    {
      gssize n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        break;
      g_byte_array_append (all, buf, n);
    }
  return all;
}

/* Descriptors the caller sends are the same open files in the child. */
static void
test_fds_to_listener (PpTestFixture *f,
                      gconstpointer  data)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder handles;
  int p[2];
  int sent[3];

  g_assert_true (g_unix_open_pipe (p, FD_CLOEXEC, NULL));
  sent[0] = p[0];
  sent[1] = p[1];
  sent[2] = memfd_create ("test", MFD_CLOEXEC);
  g_assert_cmpint (sent[2], >=, 0);

  g_variant_builder_init (&handles, G_VARIANT_TYPE ("ah"));
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    g_variant_builder_add (&handles, "h", g_unix_fd_list_append (fds, sent[i], NULL));

  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "hook_fd_info",
                                                 g_variant_new ("(ah)", &handles), TIMEOUT_MSEC,
                                                 fds, NULL, NULL, &error);
  g_assert_no_error (error);

  info = g_variant_get_child_value (result, 0);
  g_assert_cmpuint (g_variant_n_children (info), ==, G_N_ELEMENTS (sent));
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      struct stat st;
      guint64 dev, ino;

      g_assert_cmpint (fstat (sent[i], &st), ==, 0);
      g_variant_get_child (info, i, "(tt)", &dev, &ino);
      g_assert_cmpuint (dev, ==, st.st_dev);
      g_assert_cmpuint (ino, ==, st.st_ino);
      close (sent[i]);
    }
}

static void
check_made_fds (GVariant    *result,
                GUnixFDList *out_fds,
                guint        n)
{
  g_autoptr(GVariant) handles = g_variant_get_child_value (result, 0);

  g_assert_nonnull (out_fds);
  g_assert_cmpint (g_unix_fd_list_get_length (out_fds), ==, n);
  g_assert_cmpuint (g_variant_n_children (handles), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GByteArray) content = NULL;
      g_autofree char *expected = g_strdup_printf ("pipe %u", i);
      gint32 handle;
      int fd;

      g_variant_get_child (handles, i, "h", &handle);
      fd = g_unix_fd_list_get (out_fds, handle, NULL);
      g_assert_cmpint (fd, >=, 0);
      content = read_fd_to_end (fd);
      close (fd);
      g_assert_cmpmem (content->data, content->len, expected, strlen (expected));
    }
}

/* Descriptors the listener answers with arrive, readable, in order. */
static void
test_fds_from_listener (PpTestFixture *f,
                        gconstpointer  data)
{
  g_autoptr(GUnixFDList) out_fds = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;

  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "hook_make_fds",
                                                 g_variant_new ("(u)", 5), TIMEOUT_MSEC,
                                                 NULL, &out_fds, NULL, &error);
  g_assert_no_error (error);
  check_made_fds (result, out_fds, 5);

  /* A reply without descriptors gives none */
  g_clear_pointer (&result, g_variant_unref);
  g_clear_object (&out_fds);
  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "hook_make_fds",
                                                 g_variant_new ("(u)", 0), TIMEOUT_MSEC,
                                                 NULL, &out_fds, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (out_fds);
}

typedef struct
{
  GVariant    *result;
  GUnixFDList *fds;
  GError      *error;
  gboolean     done;
} AsyncResult;

static void
fd_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->result = pp_proxy_call_with_unix_fd_list_finish (PP_PROXY (source), &r->fds, result,
                                                      &r->error);
  r->done = TRUE;
}

static void
test_fds_async (PpTestFixture *f,
                gconstpointer  data)
{
  AsyncResult r = { 0 };

  pp_proxy_call_with_unix_fd_list_async (f->proxy, "hook_make_fds", g_variant_new ("(u)", 2),
                                         TIMEOUT_MSEC, NULL, NULL, fd_call_done, &r);
  pp_test_wait_for (&r.done);
  g_assert_no_error (r.error);
  check_made_fds (r.result, r.fds, 2);
  g_variant_unref (r.result);
  g_object_unref (r.fds);
}

typedef struct
{
  int     fd;
  GBytes *data;
} Writer;

static gpointer
write_and_close (gpointer user_data)
{
  Writer *w = user_data;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (w->data, &size);
  gsize done = 0;

  while (done < size)
    {
      gssize n = write (w->fd, bytes + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      done += n;
    }
  close (w->fd);
  return NULL;
}

static gpointer
read_to_end_thread (gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  GByteArray *all = read_fd_to_end (fd);

  close (fd);
  return all;
}

/* A GInputStream argument: the child reads what we write into a pipe, and
 * a GOutputStream argument: we read what the child writes. */
static void
test_stream_arguments (PpTestFixture *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) payload = make_payload (300 * 1024, 1);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) echoed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) written = NULL;
  Writer writer;
  GThread *thread;
  int p[2];
  int handle;

  g_assert_true (g_unix_open_pipe (p, FD_CLOEXEC, NULL));
  handle = g_unix_fd_list_append (fds, p[0], NULL);
  close (p[0]);
  writer.fd = p[1];
  writer.data = payload;
  thread = g_thread_new ("writer", write_and_close, &writer);

  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "read_stream",
                                                 g_variant_new ("(h)", handle), TIMEOUT_MSEC,
                                                 fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_thread_join (thread);
  echoed = g_variant_get_child_value (result, 0);
  g_assert_cmpmem (g_variant_get_data (echoed), g_variant_get_size (echoed),
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

  /* The other way: the child writes into our pipe */
  g_clear_pointer (&result, g_variant_unref);
  g_clear_object (&fds);
  fds = g_unix_fd_list_new ();
  g_assert_true (g_unix_open_pipe (p, FD_CLOEXEC, NULL));
  handle = g_unix_fd_list_append (fds, p[1], NULL);
  close (p[1]);
  thread = g_thread_new ("reader", read_to_end_thread, GINT_TO_POINTER (p[0]));

  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "write_stream",
                                                 g_variant_new ("(h@ay)", handle,
                                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                 payload, TRUE)),
                                                 TIMEOUT_MSEC, fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&fds);  /* our copy of the write end, or the reader never ends */
  written = g_thread_join (thread);
  g_assert_cmpmem (written->data, written->len,
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
}

static GByteArray *
read_returned_stream (GVariant    *result,
                      GUnixFDList *fds)
{
  GByteArray *content;
  gint32 handle;
  int fd;

  g_variant_get (result, "(h)", &handle);
  g_assert_nonnull (fds);
  fd = g_unix_fd_list_get (fds, handle, NULL);
  g_assert_cmpint (fd, >=, 0);
  content = read_fd_to_end (fd);
  close (fd);
  return content;
}

/* Streams returned: one on a file (its descriptor passes as is) and one in
 * memory (spliced through a pipe by the child). */
static void
test_stream_results (PpTestFixture *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) payload = make_payload (200 * 1024, 2);
  g_autofree char *path = NULL;
  g_autoptr(GUnixFDList) out_fds = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) content = NULL;
  int fd;

  fd = g_file_open_tmp ("pp-test-fds-XXXXXX", &path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (payload, NULL),
                                      g_bytes_get_size (payload), NULL));
  close (fd);

  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "open_file",
                                                 g_variant_new ("(^ay)", path), TIMEOUT_MSEC,
                                                 NULL, &out_fds, NULL, &error);
  g_assert_no_error (error);
  content = read_returned_stream (result, out_fds);
  g_assert_cmpmem (content->data, content->len,
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  unlink (path);

  g_clear_pointer (&result, g_variant_unref);
  g_clear_pointer (&content, g_byte_array_unref);
  g_clear_object (&out_fds);
  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "open_bytes",
                                                 g_variant_new ("(@ay)",
                                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                 payload, TRUE)),
                                                 TIMEOUT_MSEC, NULL, &out_fds, NULL, &error);
  g_assert_no_error (error);
  content = read_returned_stream (result, out_fds);
  g_assert_cmpmem (content->data, content->len,
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

  /* A file that is not there: the method's own error */
  g_clear_pointer (&result, g_variant_unref);
  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "open_file",
                                                 g_variant_new ("(^ay)", "/nonexistent/file"), TIMEOUT_MSEC,
                                                 NULL, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (result);
}

/* A stream the child returned, handed back to it: the child's method reads
 * it to its end, blocking its main context, while the pipe's other end is
 * fed from the child's memory stream. More than a pipe holds (64 KiB), so
 * this needs the child to move the bytes outside its main context. */
static void
test_stream_round_trip (PpTestFixture *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) payload = make_payload (1024 * 1024, 6);
  g_autoptr(GUnixFDList) out_fds = NULL;
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) echoed = NULL;
  g_autoptr(GError) error = NULL;

  opened = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "open_bytes",
                                                 g_variant_new ("(@ay)",
                                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                 payload, TRUE)),
                                                 TIMEOUT_MSEC, NULL, &out_fds, NULL, &error);
  g_assert_no_error (error);

  /* The reply's handle indexes the list we got, so both go back as they are */
  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "read_stream", opened,
                                                 TIMEOUT_MSEC, out_fds, NULL, NULL, &error);
  g_assert_no_error (error);
  echoed = g_variant_get_child_value (result, 0);
  g_assert_cmpmem (g_variant_get_data (echoed), g_variant_get_size (echoed),
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
}

/* Streams the child returned do not wait for each other: one we never read
 * holds up neither the next one nor the child, and one we close unread
 * ends quietly */
static void
test_streams_independent (PpTestFixture *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) unread = make_payload (1024 * 1024, 8);
  g_autoptr(GBytes) closed = make_payload (1024 * 1024, 9);
  g_autoptr(GBytes) payload = make_payload (1024 * 1024, 10);
  g_autoptr(GByteArray) content = NULL;
  int unread_fd = pp_test_open_bytes_fd (f->proxy, unread, TIMEOUT_MSEC);
  int fd;

  close (pp_test_open_bytes_fd (f->proxy, closed, TIMEOUT_MSEC));
  fd = pp_test_open_bytes_fd (f->proxy, payload, TIMEOUT_MSEC);
  content = read_fd_to_end (fd);
  close (fd);
  g_assert_cmpmem (content->data, content->len,
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

  g_variant_unref (pp_test_call (f->proxy, "get_parameter", NULL));
  close (unread_fd);
}

/* The same with the listener in this process and this thread, so that
 * valgrind and the sanitizers see the thread that moves the stream */
static void
test_stream_round_trip_here (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpProxy) proxy = pp_test_serve_here (G_OBJECT (object), NULL, NULL, &listener);
  g_autoptr(GBytes) payload = make_payload (256 * 1024, 7);
  g_autoptr(GVariant) echoed = NULL;
  AsyncResult opened = { 0 };
  AsyncResult read = { 0 };

  pp_proxy_call_with_unix_fd_list_async (proxy, "open_bytes",
                                         g_variant_new ("(@ay)",
                                         g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                   payload, TRUE)),
                                         TIMEOUT_MSEC, NULL, NULL, fd_call_done, &opened);
  pp_test_wait_for (&opened.done);
  g_assert_no_error (opened.error);

  pp_proxy_call_with_unix_fd_list_async (proxy, "read_stream", opened.result, TIMEOUT_MSEC,
                                         opened.fds, NULL, fd_call_done, &read);
  pp_test_wait_for (&read.done);
  g_assert_no_error (read.error);
  echoed = g_variant_get_child_value (read.result, 0);
  g_assert_cmpmem (g_variant_get_data (echoed), g_variant_get_size (echoed),
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_variant_unref (opened.result);
  g_object_unref (opened.fds);
  g_variant_unref (read.result);
  g_clear_object (&read.fds);
}

static GVariant *
echo_bytes (PpProxy  *proxy,
            GBytes   *payload,
            GError  **error)
{
  return pp_proxy_call_sync (proxy, "echo_bytes",
                             g_variant_new ("(@ay)",
                                            g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                      payload, TRUE)),
                             TIMEOUT_MSEC, NULL, error);
}

static void
check_echo (GVariant *result,
            GBytes   *payload)
{
  g_autoptr(GVariant) echoed = g_variant_get_child_value (result, 0);

  g_assert_cmpuint (g_variant_get_size (echoed), ==, g_bytes_get_size (payload));
  g_assert_true (memcmp (g_variant_get_data (echoed), g_bytes_get_data (payload, NULL),
                         g_bytes_get_size (payload)) == 0);
}

/* 64 MiB there and back, checked byte for byte: by default through the
 * socket (a memfd's pages are always fresh, the socket's buffers are
 * reused); with the proxy's threshold at 64 MiB, the request in a sealed
 * memfd and the reply, under the listener's default, through the socket;
 * just under that threshold through the socket again. On a pair of pipes,
 * always by copy. */
static void
test_large_payload (PpTestFixture *f,
                    gconstpointer  data)
{
  gboolean pipes = g_strcmp0 (data, "pipes") == 0;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  guint sealed_before, mapped_before, sealed_after, mapped_after;

  if (g_getenv ("PP_TEST_UNDER_VALGRIND") != NULL)
    {
      /* Minutes under valgrind; the plain and sanitizer builds run it */
      g_test_skip ("64 MiB each way is too slow under valgrind");
      return;
    }

  payload = make_payload (64 * 1024 * 1024, 3);
  pp_memfd_get_counts (&sealed_before, &mapped_before);
  result = echo_bytes (f->proxy, payload, &error);
  g_assert_no_error (error);
  pp_memfd_get_counts (&sealed_after, &mapped_after);
  check_echo (result, payload);
  g_assert_cmpuint (sealed_after, ==, sealed_before);
  g_assert_cmpuint (mapped_after, ==, mapped_before);
  g_clear_pointer (&result, g_variant_unref);

  pp_proxy_set_memfd_threshold (f->proxy, 64 * 1024 * 1024);
  pp_memfd_get_counts (&sealed_before, &mapped_before);
  result = echo_bytes (f->proxy, payload, &error);
  g_assert_no_error (error);
  pp_memfd_get_counts (&sealed_after, &mapped_after);
  check_echo (result, payload);
  g_assert_cmpuint (sealed_after, ==, sealed_before + (pipes ? 0 : 1));
  g_assert_cmpuint (mapped_after, ==, mapped_before);
  g_clear_pointer (&result, g_variant_unref);

  /* The body holds the payload and a little more: 64 bytes less is under */
  g_clear_pointer (&payload, g_bytes_unref);
  payload = make_payload (64 * 1024 * 1024 - 64, 4);
  pp_memfd_get_counts (&sealed_before, &mapped_before);
  result = echo_bytes (f->proxy, payload, &error);
  g_assert_no_error (error);
  pp_memfd_get_counts (&sealed_after, &mapped_after);
  check_echo (result, payload);
  g_assert_cmpuint (sealed_after, ==, sealed_before);
  g_assert_cmpuint (mapped_after, ==, mapped_before);
}

typedef struct
{
  GByteArray *content;
  gboolean    got_null;
  guint       count;
} StreamSignal;

static void
stream_ready_cb (GObject      *proxy,
                 GInputStream *stream,
                 gpointer      user_data)
{
  StreamSignal *got = user_data;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  got->count++;
  if (stream == NULL)
    {
      got->got_null = TRUE;
      return;
    }
  g_assert_true (G_IS_INPUT_STREAM (stream));
  g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  got->content = g_bytes_unref_to_array (g_steal_pointer (&bytes));
}

/* A signal argument that is a stream arrives as a stream on a descriptor
 * (the child splices its memory stream through a pipe); a NULL one as
 * NULL. */
static void
test_stream_in_signal (PpTestFixture *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) payload = make_payload (100 * 1024, 5);
  g_autoptr(GVariant) result = NULL;
  StreamSignal got = { 0 };

  g_signal_connect (f->proxy, "stream-ready", G_CALLBACK (stream_ready_cb), &got);

  result = pp_test_call (f->proxy, "emit_stream_ready",
                         g_variant_new ("(@may)",
                                        g_variant_new_maybe (NULL,
                                                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                                       payload, TRUE))));
  /* A synchronous call leaves signals to the main context */
  while (got.count < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (got.count, ==, 1);
  g_assert_nonnull (got.content);
  g_assert_cmpmem (got.content->data, got.content->len,
                   g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_byte_array_unref (got.content);

  g_clear_pointer (&result, g_variant_unref);
  result = pp_test_call (f->proxy, "emit_stream_ready", g_variant_new_parsed ("(@may nothing,)"));
  while (got.count < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (got.got_null);
}

/* A pair of pipes carries no descriptors: calls with some, and results
 * with some, fail with PP_ERROR_UNSUPPORTED_TYPE, and the connection goes
 * on. */
static void
test_pipes_refuse_fds (PpTestFixture *f,
                       gconstpointer  data)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  int handle;

  handle = g_unix_fd_list_append (fds, 0, NULL);
  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "hook_fd_info",
                                                 g_variant_new_parsed ("([%h],)", handle), TIMEOUT_MSEC,
                                                 fds, NULL, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
  g_assert_null (result);
  g_clear_error (&error);

  result = pp_proxy_call_with_unix_fd_list_sync (f->proxy, "open_bytes",
                                                 g_variant_new_parsed ("(b'abc',)"), TIMEOUT_MSEC,
                                                 NULL, NULL, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
  g_assert_null (result);
  g_clear_error (&error);

  result = pp_test_call (f->proxy, "echo_int32", g_variant_new ("(i)", 7));
  {
    g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new_parsed ("(7,)"));

    g_assert_true (g_variant_equal (result, expected));
  }
}

/* The threshold is a setting of each side: at 1 MiB a 2 MiB echo goes in
 * memfds both ways, at 0 (off) in neither, and just under it through the
 * socket */
static void
test_memfd_threshold (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *server = g_test_build_filename (G_TEST_BUILT, "pp-test-server", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  struct { gsize threshold; gsize size; guint sealed; } cases[] = {
    { 1024 * 1024, 2 * 1024 * 1024, 1 },
    { 1024 * 1024, 1024 * 1024 - 64, 0 },
    { 0, 2 * 1024 * 1024, 0 },
  };
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  process = g_subprocess_launcher_spawn (launcher, &error, server,
                                         "--memfd-threshold=1048576", NULL);
  g_assert_no_error (error);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pp_proxy_get_memfd_threshold (proxy), ==, PP_MEMFD_DEFAULT_THRESHOLD);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) payload = make_payload (cases[i].size, 10 + i);
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GVariant) echoed = NULL;
      guint sealed_before, mapped_before, sealed_after, mapped_after;

      /* Through the property and the setter alike; with 0 here, the
       * listener's side stays at 1 MiB, so only its reply takes a memfd */
      if (cases[i].threshold == 0)
        pp_proxy_set_memfd_threshold (proxy, 0);
      else
        g_object_set (proxy, "memfd-threshold", (guint64) cases[i].threshold, NULL);
      {
        guint64 threshold;

        g_object_get (proxy, "memfd-threshold", &threshold, NULL);
        g_assert_cmpuint (threshold, ==, cases[i].threshold);
      }

      pp_memfd_get_counts (&sealed_before, &mapped_before);
      result = echo_bytes (proxy, payload, &error);
      g_assert_no_error (error);
      pp_memfd_get_counts (&sealed_after, &mapped_after);

      echoed = g_variant_get_child_value (result, 0);
      g_assert_cmpmem (g_variant_get_data (echoed), g_variant_get_size (echoed),
                       g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
      g_assert_cmpuint (sealed_after - sealed_before, ==, cases[i].sealed);
      /* What the listener sent in a memfd came in one */
      g_assert_cmpuint (mapped_after - mapped_before, ==,
                        cases[i].size >= 1024 * 1024 ? 1 : 0);
    }

  pp_proxy_close (proxy);
  g_subprocess_wait (process, NULL, NULL);
}

static void
fixture_set_up_pipes (PpTestFixture *f,
                      gconstpointer  data)
{
  f->peer = pp_test_peer_spawn ("test", TRUE);
  f->proxy = pp_test_peer_proxy (f->peer);
}

/* Raw peers, for frames a proxy would never send ------------------------- */

static void
send_with_fds (int           fd,
               GBytes       *frame,
               const int    *fds,
               guint         n_fds)
{
  union {
    struct cmsghdr align;
    char           buf[CMSG_SPACE (sizeof (int) * 4)];
  } control;
  struct iovec iov;
  struct msghdr msg = { 0 };
  gsize size;

  iov.iov_base = (gpointer) g_bytes_get_data (frame, &size);
  iov.iov_len = size;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (n_fds > 0)
    {
      struct cmsghdr *cmsg;

      g_assert_cmpuint (n_fds, <=, 4);
      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * n_fds);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
      memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n_fds);
    }
  g_assert_cmpint (sendmsg (fd, &msg, MSG_NOSIGNAL), ==, (gssize) size);
}

/* Our end of a socket to a pp-test-server child, after the handshake */
static int
raw_connect (GSubprocess **process)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *server = g_test_build_filename (G_TEST_BUILT, "pp-test-server", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hello = NULL;
  GVariantBuilder options;
  guint8 header[PP_WIRE_HEADER_SIZE];
  PpWireHeader parsed;
  g_autofree guint8 *body = NULL;
  gsize got = 0;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  *process = g_subprocess_launcher_spawn (launcher, &error, server, NULL);
  g_assert_no_error (error);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "unix-fds", g_variant_new_boolean (TRUE));
  hello = pp_wire_encode (PP_WIRE_KIND_HELLO, 0, 1, 0,
                          g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                         (guint32) PP_WIRE_PROTOCOL_VERSION, &options));
  send_with_fds (fds[0], hello, NULL, 0);

  /* The WELCOME: its header, then its body */
  while (got < sizeof header)
    {
      gssize n = read (fds[0], header + got, sizeof header - got);
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_true (pp_wire_parse_header (header, G_MAXUINT32, &parsed, NULL));
  g_assert_cmpuint (parsed.kind, ==, PP_WIRE_KIND_WELCOME);
  body = g_malloc (pp_wire_stream_size (&parsed) - PP_WIRE_HEADER_SIZE);
  got = 0;
  while (got < pp_wire_stream_size (&parsed) - PP_WIRE_HEADER_SIZE)
    {
      gssize n = read (fds[0], body + got, pp_wire_stream_size (&parsed) - PP_WIRE_HEADER_SIZE - got);
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  return fds[0];
}

/* A CALL whose header says what @flags and @n_fds say, its body in a
 * descriptor or not */
static GBytes *
crafted_call (guint8   flags,
              guint16  n_fds,
              GBytes **body_out)
{
  g_autoptr(GBytes) encoded = pp_wire_encode_call (2, 0, 0, 0, "echo_int32",
                                                   g_variant_new ("(i)", 5), NULL);
  gsize size;
  const guint8 *data = g_bytes_get_data (encoded, &size);
  PpWireHeader header;
  guint8 *out;

  g_assert_true (pp_wire_parse_header (data, G_MAXUINT32, &header, NULL));
  if (body_out != NULL)
    *body_out = g_bytes_new (data + PP_WIRE_HEADER_SIZE, header.body_size);
  header.flags |= flags;
  header.n_fds = n_fds;
  out = g_memdup2 (data, size);
  pp_wire_write_header (&header, out);
  if (flags & PP_WIRE_FLAGS_BODY_IN_FD)
    size = PP_WIRE_HEADER_SIZE;
  return g_bytes_new_take (out, size);
}

static void
check_refused (GSubprocess *process,
               int          fd,
               const char  *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GByteArray) rest = NULL;

  /* The child says why, closes, and exits */
  rest = read_fd_to_end (fd);
  close (fd);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("child: %s", output);
  g_assert_true (g_str_has_prefix (output, "# closed: pp-error-quark 7 "));
  g_assert_nonnull (strstr (output, reason));
  g_assert_cmpuint (rest->len, >=, PP_WIRE_HEADER_SIZE);
  g_assert_cmpuint (rest->data[4], ==, PP_WIRE_KIND_ERROR);
}

/* A body in a memfd that is not sealed could change after the listener
 * checked it: refused, as is a body in something that is not a file, and
 * a header announcing descriptors that never came. */
static void
test_unsealed_body_refused (void)
{
  for (guint scenario = 0; scenario < 4; scenario++)
    {
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) frame = NULL;
      int fd = raw_connect (&process);
      const char *reason;
      int body_fd;

      if (scenario == 3)
        {
          frame = crafted_call (0, 1, NULL);
          send_with_fds (fd, frame, NULL, 0);
          check_refused (process, fd, "announces 1 file descriptors, but 0 came");
          continue;
        }

      frame = crafted_call (PP_WIRE_FLAGS_BODY_IN_FD, 1, &body);
      if (scenario == 2)
        {
          int p[2];

          g_assert_true (g_unix_open_pipe (p, FD_CLOEXEC, NULL));
          g_assert_cmpint (write (p[1], g_bytes_get_data (body, NULL), g_bytes_get_size (body)),
                           ==, (gssize) g_bytes_get_size (body));
          close (p[1]);
          body_fd = p[0];
          reason = "not sealed";
        }
      else
        {
          body_fd = memfd_create ("body", MFD_CLOEXEC | MFD_ALLOW_SEALING);
          g_assert_cmpint (write (body_fd, g_bytes_get_data (body, NULL), g_bytes_get_size (body)),
                           ==, (gssize) g_bytes_get_size (body));
          if (scenario == 1)
            {
              /* Sealed, but still writable */
              g_assert_cmpint (fcntl (body_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), ==, 0);
            }
          reason = "not sealed";
        }

      send_with_fds (fd, frame, &body_fd, 1);
      close (body_fd);
      check_refused (process, fd, reason);
    }
}

/* The same sealed memfd path, done by hand, is accepted: the refusals
 * above are for the missing seals only. */
static void
test_sealed_body_accepted (void)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) frame = crafted_call (PP_WIRE_FLAGS_BODY_IN_FD, 1, &body);
  g_autoptr(GError) error = NULL;
  guint8 reply[PP_WIRE_HEADER_SIZE];
  PpWireHeader header;
  gsize got = 0;
  int fd = raw_connect (&process);
  int body_fd = pp_memfd_new_sealed (&body, 1, 0, g_bytes_get_size (body), &error);

  g_assert_no_error (error);
  send_with_fds (fd, frame, &body_fd, 1);
  close (body_fd);

  while (got < sizeof reply)
    {
      gssize n = read (fd, reply + got, sizeof reply - got);
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_true (pp_wire_parse_header (reply, G_MAXUINT32, &header, NULL));
  g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_RETURN);
  g_assert_cmpuint (header.serial, ==, 2);
  close (fd);
  g_subprocess_wait (process, NULL, NULL);
}

/* A method that gives a stream of a particular class (g_file_read () a
 * GFileInputStream, g_file_append_to () a GFileOutputStream) gives its
 * descriptor; a method taking one is refused with why */
static void
test_file_streams (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "pp-test-fds-XXXXXX", NULL);
  g_autoptr(PpProxy) file = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  char buffer[32] = { 0, };
  int handle, fd;

  fd = g_mkstemp (path);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "hello", 5), ==, 5);
  close (fd);

  file = pp_proxy_new_for_type_full_sync ("Gio", "2.0", "File", "new_for_path",
                                          g_variant_new ("(^ay)", path), NULL, NULL, NULL,
                                          &error);
  g_assert_no_error (error);

  result = pp_proxy_call_full_sync (file, "read", NULL, NULL, NULL, TIMEOUT_MSEC, &fds, NULL,
                                    NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read (fd, buffer, sizeof buffer - 1), ==, 5);
  g_assert_cmpstr (buffer, ==, "hello");
  close (fd);
  g_clear_pointer (&result, g_variant_unref);
  g_clear_object (&fds);

  result = pp_proxy_call_full_sync (file, "append_to", g_variant_new ("(u)", 0), NULL, NULL,
                                    TIMEOUT_MSEC, &fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (fd, " world", 6), ==, 6);
  close (fd);
  g_clear_pointer (&result, g_variant_unref);
  g_clear_object (&file);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "hello world");
  g_unlink (path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Pp/Fds/to-listener", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_fds_to_listener, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/from-listener", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_fds_from_listener, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/async", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_fds_async, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/stream-arguments", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_stream_arguments, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/stream-results", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_stream_results, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/stream-round-trip", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_stream_round_trip, pp_test_fixture_tear_down);
  g_test_add_func ("/Pp/Fds/stream-round-trip-here", test_stream_round_trip_here);
  g_test_add ("/Pp/Fds/streams-independent", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_streams_independent, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/socket-64MiB", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_large_payload, pp_test_fixture_tear_down);
  g_test_add_func ("/Pp/Fds/memfd-threshold", test_memfd_threshold);
  g_test_add ("/Pp/Fds/pipes-64MiB", PpTestFixture, "pipes",
              fixture_set_up_pipes, test_large_payload, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/pipes-refuse-fds", PpTestFixture, "pipes",
              fixture_set_up_pipes, test_pipes_refuse_fds, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Fds/stream-in-signal", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_stream_in_signal, pp_test_fixture_tear_down);
  g_test_add_func ("/Pp/Fds/unsealed-body-refused", test_unsealed_body_refused);
  g_test_add_func ("/Pp/Fds/sealed-body-accepted", test_sealed_body_accepted);
  g_test_add_func ("/Pp/Fds/file-streams", test_file_streams);

  return g_test_run ();
}
