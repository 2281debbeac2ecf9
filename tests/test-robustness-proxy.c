/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Hostile peers, the proxy's side: a real PpProxy (here) talks to a fake
 * listener that answers with invalid frames. The proxy must close the
 * connection with the right PP_ERROR, end every pending call exactly once,
 * and carry on: no crash, no abort, no SIGPIPE. The listener's side is
 * test-robustness.c. */

#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "pp-test-raw.h"
#include "pp-test-util.h"
#include "pp-wire-private.h"

typedef struct
{
  gboolean  done;
  GVariant *result;
  GError   *error;
} CallResult;

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CallResult *call = user_data;

  g_assert_false (call->done);
  call->result = pp_proxy_call_finish (PP_PROXY (source), result, &call->error);
  call->done = TRUE;
}

static void
test_sigpipe_proxy (void)
{
  g_autoptr(PpTestPeer) peer = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *output = NULL;
  CallResult call = { 0 };
  guint8 *data = g_malloc (BIG_PAYLOAD);

  sigpipe_default_for_children ();
  peer = pp_test_peer_spawn ("test", TRUE);
  sigpipe_restore ();
  proxy = pp_test_peer_proxy (peer);

  memset (data, 0xa5, BIG_PAYLOAD);
  payload = g_bytes_new_take (data, BIG_PAYLOAD);
  pp_proxy_call_async (proxy, "echo_bytes",
                       g_variant_new ("(@ay)", g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                        payload, TRUE)),
                       20, NULL, call_done_cb, &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("call: %s", call.error ? call.error->message : "returned");
  g_clear_pointer (&call.result, g_variant_unref);
  g_clear_error (&call.error);

  /* Gone, with the reply perhaps half written */
  g_clear_object (&proxy);
  g_io_stream_close (peer->stream, NULL, NULL);

  output = pp_test_peer_wait (peer);
  g_test_message ("peer said: %s", g_strchomp (output));
  g_assert_true (g_str_has_prefix (output, "# closed: pp-error-quark 1 "));
}

/* A fake listener, for the proxy's side ------------------------------------ */

typedef enum
{
  FAKE_GARBAGE,
  FAKE_OVERSIZED,
  FAKE_NOT_NORMAL_FORM,
  FAKE_RETURN_NOT_TUPLE,
  FAKE_CALL_TO_PROXY,
  FAKE_ERROR_UNUSED_SERIAL,
  FAKE_RETURN_UNUSED_SERIAL,
  FAKE_WRONG_REPLY_KIND,
  FAKE_UNKNOWN_OBJECT,
  FAKE_TYPE_TWICE,
  FAKE_INTRODUCE_UNDESCRIBED,
  FAKE_RELEASED_UNKNOWN,
  FAKE_TOO_MANY_TYPES,
} FakeScenario;

typedef struct
{
  int           fd;
  FakeScenario  scenario;
  guint         n_calls;
  char         *failure;     /* set by the thread instead of asserting */
} FakeListener;

static gpointer
fake_listener_thread (gpointer data)
{
  FakeListener *fake = data;
  g_autoptr(GArray) serials = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GByteArray) rest = NULL;
  g_autoptr(GBytes) bad = NULL;
  Frame *frame;

  /* The handshake, done right */
  frame = raw_read_frame (fake->fd);
  if (frame == NULL || frame->header.kind != PP_WIRE_KIND_HELLO)
    {
      fake->failure = g_strdup ("no HELLO");
      goto out;
    }
  {
    GVariantBuilder info;
    g_autoptr(GBytes) welcome = NULL;

    g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&info, "{sv}", "type-name", g_variant_new_string ("PpFakeObject"));
    welcome = pp_wire_encode (PP_WIRE_KIND_WELCOME, 0, frame->header.serial, 0,
                              g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                             (guint32) PP_WIRE_PROTOCOL_VERSION, &info));
    frame_free (frame);
    raw_write_bytes (fake->fd, welcome);
  }

  /* The calls the proxy makes, so that they are all pending */
  for (guint i = 0; i < fake->n_calls; i++)
    {
      frame = raw_read_frame (fake->fd);
      if (frame == NULL || frame->header.kind != PP_WIRE_KIND_CALL)
        {
          fake->failure = g_strdup_printf ("no CALL %u", i);
          g_clear_pointer (&frame, frame_free);
          goto out;
        }
      g_array_append_val (serials, frame->header.serial);
      frame_free (frame);
    }

  switch (fake->scenario)
    {
    case FAKE_GARBAGE:
      {
        g_autoptr(GRand) rand = g_rand_new_with_seed (31337);
        guint8 garbage[512];

        for (gsize i = 0; i < sizeof garbage; i++)
          garbage[i] = g_rand_int_range (rand, 0, 256);
        /* Sure to be caught by its header */
        garbage[4] = 0xee;
        bad = g_bytes_new (garbage, sizeof garbage);
      }
      break;
    case FAKE_OVERSIZED:
      bad = raw_frame (G_MAXUINT32, PP_WIRE_KIND_RETURN, 0, 0,
                       g_array_index (serials, guint32, 0), NULL, 0);
      break;
    case FAKE_NOT_NORMAL_FORM:
      bad = raw_frame (5, PP_WIRE_KIND_RETURN, 0, 0, g_array_index (serials, guint32, 0),
                       "\1\2\3\4\5", 5);
      break;
    case FAKE_RETURN_NOT_TUPLE:
      bad = frame_with_body (PP_WIRE_KIND_RETURN, g_array_index (serials, guint32, 0),
                             g_variant_new_variant (g_variant_new_string ("not a tuple")));
      break;
    case FAKE_CALL_TO_PROXY:
      bad = pp_wire_encode_call (1, 0, 0, 0, "frobnicate", g_variant_new ("()"), NULL);
      break;
    case FAKE_ERROR_UNUSED_SERIAL:
      {
        g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "who?");

        bad = pp_wire_encode_error (1000, error);
      }
      break;
    case FAKE_RETURN_UNUSED_SERIAL:
      bad = pp_wire_encode_return (1000, g_variant_new ("()"), NULL);
      break;
    case FAKE_WRONG_REPLY_KIND:
      bad = pp_wire_encode (PP_WIRE_KIND_WELCOME, 0, g_array_index (serials, guint32, 0), 0,
                            g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                           (guint32) PP_WIRE_PROTOCOL_VERSION, NULL));
      break;
    case FAKE_UNKNOWN_OBJECT:
      /* A reference to an object never introduced */
      bad = pp_wire_encode_return (g_array_index (serials, guint32, 0),
                                   g_variant_new_parsed ("(@o '/0',)"),
                                   g_variant_new_parsed ("[(true, uint32 9)]"));
      break;
    case FAKE_TYPE_TWICE:
    case FAKE_INTRODUCE_UNDESCRIBED:
    case FAKE_RELEASED_UNKNOWN:
    case FAKE_TOO_MANY_TYPES:
      {
        g_autoptr(GByteArray) frames = g_byte_array_new ();
        guint n = fake->scenario == FAKE_TOO_MANY_TYPES ? 1025 : 2;

        /* Types that describe themselves well enough, but too often */
        for (guint i = 0; i < n && fake->scenario != FAKE_RELEASED_UNKNOWN; i++)
          {
            g_autoptr(GBytes) type = NULL;

            if (fake->scenario == FAKE_INTRODUCE_UNDESCRIBED && i == 1)
              type = pp_wire_encode (PP_WIRE_KIND_INTRODUCE, 0, 0, 0,
                                     g_variant_new_parsed ("[(uint32 4, uint32 2, @a{sv} {})]"));
            else
              type = pp_wire_encode (PP_WIRE_KIND_TYPE, 0, 0, 0,
                                     g_variant_new_parsed ("(%u, {'type-name': <'Thing'>})",
                                                           fake->scenario == FAKE_TYPE_TWICE
                                                           ? 1 : i + 1));
            g_byte_array_append (frames, g_bytes_get_data (type, NULL), g_bytes_get_size (type));
          }
        if (fake->scenario == FAKE_RELEASED_UNKNOWN)
          {
            g_autoptr(GBytes) released = pp_wire_encode (PP_WIRE_KIND_RELEASED, 0, 0, 0,
                                                         g_variant_new_parsed ("[uint32 3]"));

            g_byte_array_append (frames, g_bytes_get_data (released, NULL),
                                 g_bytes_get_size (released));
          }
        bad = g_byte_array_free_to_bytes (g_steal_pointer (&frames));
      }
      break;
    default:
      g_assert_not_reached ();
    }
  /* Then proper answers to every call, in the same write so that the
   * proxy reads them together with the bad frame: a proxy that lets the
   * bad frame through (or honours what follows it) completes its calls
   * with these instead of hanging, and the outcome does not depend on how
   * the reads happen to be split. */
  {
    g_autoptr(GByteArray) all = g_byte_array_new ();
    gsize size;
    gconstpointer bytes = g_bytes_get_data (bad, &size);

    g_byte_array_append (all, bytes, size);
    for (guint i = 0; i < serials->len; i++)
      {
        g_autoptr(GBytes) reply = pp_wire_encode_return (g_array_index (serials, guint32, i),
                                                         g_variant_new ("(s)", "fine"), NULL);

        bytes = g_bytes_get_data (reply, &size);
        g_byte_array_append (all, bytes, size);
      }
    raw_write (fake->fd, all->data, all->len);
  }

  /* Until the proxy closes */
  rest = raw_read_to_end (fake->fd);

out:
  close (fake->fd);
  return NULL;
}

#define N_FAKE_CALLS 3

static void
check_fake_listener (FakeScenario scenario,
                     int          code)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) after = NULL;
  FakeListener fake = { 0 };
  ClosedResult closed = { 0 };
  CallResult calls[N_FAKE_CALLS] = { { 0 } };
  g_autoptr(GString) problems = g_string_new (NULL);
  gboolean expired = FALSE;
  guint guard;
  GThread *thread;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  fake.fd = fds[1];
  fake.scenario = scenario;
  fake.n_calls = N_FAKE_CALLS;
  thread = g_thread_new ("fake-listener", fake_listener_thread, &fake);

  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "PpFakeObject");
  g_signal_connect (proxy, "closed", G_CALLBACK (closed_cb), &closed);

  for (guint i = 0; i < N_FAKE_CALLS; i++)
    pp_proxy_call_async (proxy, "frobnicate", g_variant_new ("(u)", i), IO_TIMEOUT_MSEC, NULL,
                         call_done_cb, &calls[i]);

  guard = g_timeout_add (2 * IO_TIMEOUT_MSEC, guard_cb, &expired);
  for (;;)
    {
      gboolean all_done = TRUE;

      for (guint i = 0; i < N_FAKE_CALLS; i++)
        all_done = all_done && calls[i].done;
      if (all_done || expired)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_false (expired);
  g_source_remove (guard);

  /* Anything still queued (a second completion, a second "closed") runs */
  /* A context that never becomes idle is /Pp/Robustness/closed-proxy-idle's
   * business; here it only must not hang the test. */
  if (!drain_main_context ())
    g_test_message ("The main context never became idle after the proxy closed");

  /* Every call ended once (call_done_cb asserts "once"), with the error
   * that closed the connection; "closed" was emitted once, with it too.
   * Misbehaviour is collected and reported without aborting. */
  for (guint i = 0; i < N_FAKE_CALLS; i++)
    {
      g_test_message ("call %u: %s", i, calls[i].error ? calls[i].error->message : "returned");
      if (calls[i].error == NULL)
        g_string_append_printf (problems, " call %u succeeded after the bad frame;", i);
      else if (!g_error_matches (calls[i].error, PP_ERROR, code))
        g_string_append_printf (problems, " call %u failed with %s %d '%s';", i,
                                g_quark_to_string (calls[i].error->domain),
                                calls[i].error->code, calls[i].error->message);
    }

  if (closed.count != 1)
    g_string_append_printf (problems, " 'closed' was emitted %u times;", closed.count);
  else if (!g_error_matches (closed.error, PP_ERROR, code))
    g_string_append_printf (problems, " closed with %s %d '%s';",
                            closed.error ? g_quark_to_string (closed.error->domain) : "no error",
                            closed.error ? closed.error->code : 0,
                            closed.error ? closed.error->message : "");
  else
    g_test_message ("closed: %s", closed.error->message);

  if (!pp_proxy_is_closed (proxy))
    g_string_append (problems, " the proxy is still open;");
  else
    {
      /* Later calls fail at once, saying why */
      after = pp_proxy_call_sync (proxy, "frobnicate", NULL, -1, NULL, &error);
      g_assert_null (after);
      if (!g_error_matches (error, PP_ERROR, code))
        g_string_append_printf (problems, " a later call failed with '%s';", error->message);
    }

  if (problems->len > 0)
    g_test_fail_printf ("%s", problems->str + 1);

  for (guint i = 0; i < N_FAKE_CALLS; i++)
    {
      g_clear_pointer (&calls[i].result, g_variant_unref);
      g_clear_error (&calls[i].error);
    }
  g_clear_error (&closed.error);

  /* Closing our end lets the fake listener finish */
  g_clear_object (&proxy);
  g_io_stream_close (stream, NULL, NULL);
  g_thread_join (thread);
  g_assert_null (fake.failure);
}

static void
test_proxy_garbage (void)
{
  check_fake_listener (FAKE_GARBAGE, PP_ERROR_PROTOCOL);
}

static void
test_proxy_oversized (void)
{
  check_fake_listener (FAKE_OVERSIZED, PP_ERROR_LIMIT_EXCEEDED);
}

static void
test_proxy_not_normal_form (void)
{
  check_fake_listener (FAKE_NOT_NORMAL_FORM, PP_ERROR_PROTOCOL);
}

static void
test_proxy_return_not_tuple (void)
{
  check_fake_listener (FAKE_RETURN_NOT_TUPLE, PP_ERROR_PROTOCOL);
}

static void
test_proxy_call_to_proxy (void)
{
  check_fake_listener (FAKE_CALL_TO_PROXY, PP_ERROR_PROTOCOL);
}

static void
test_proxy_error_unused_serial (void)
{
  check_fake_listener (FAKE_ERROR_UNUSED_SERIAL, PP_ERROR_PROTOCOL);
}

static void
test_proxy_return_unused_serial (void)
{
  check_fake_listener (FAKE_RETURN_UNUSED_SERIAL, PP_ERROR_PROTOCOL);
}

static void
test_proxy_wrong_reply_kind (void)
{
  check_fake_listener (FAKE_WRONG_REPLY_KIND, PP_ERROR_PROTOCOL);
}

/* What a listener says of objects is checked like the rest */
static void
test_proxy_hostile_objects (void)
{
  check_fake_listener (FAKE_UNKNOWN_OBJECT, PP_ERROR_PROTOCOL);
  check_fake_listener (FAKE_TYPE_TWICE, PP_ERROR_PROTOCOL);
  check_fake_listener (FAKE_INTRODUCE_UNDESCRIBED, PP_ERROR_PROTOCOL);
  check_fake_listener (FAKE_RELEASED_UNKNOWN, PP_ERROR_PROTOCOL);
  check_fake_listener (FAKE_TOO_MANY_TYPES, PP_ERROR_LIMIT_EXCEEDED);
}

/* A synchronous call waiting when the garbage comes */
static gpointer
fake_garbage_after_one_call (gpointer data)
{
  FakeListener *fake = data;

  fake->n_calls = 1;
  fake->scenario = FAKE_GARBAGE;
  return fake_listener_thread (fake);
}

static void
test_proxy_garbage_sync (void)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  FakeListener fake = { 0 };
  ClosedResult closed = { 0 };
  GThread *thread;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  fake.fd = fds[1];
  thread = g_thread_new ("fake-listener", fake_garbage_after_one_call, &fake);

  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (proxy, "closed", G_CALLBACK (closed_cb), &closed);

  result = pp_proxy_call_sync (proxy, "frobnicate", NULL, IO_TIMEOUT_MSEC, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);

  while (closed.count == 0)
    g_main_context_iteration (NULL, TRUE);
  if (!drain_main_context ())
    g_test_message ("The main context never became idle after the proxy closed");
  g_assert_cmpuint (closed.count, ==, 1);
  g_assert_error (closed.error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_clear_error (&closed.error);

  g_clear_object (&proxy);
  g_io_stream_close (stream, NULL, NULL);
  g_thread_join (thread);
  g_assert_null (fake.failure);
}

/* The listener refuses the handshake the way pp-listener-handshake.c does (an ERROR
 * frame, then it closes): the proxy's caller learns why. */
static gpointer
fake_refusing_listener (gpointer data)
{
  FakeListener *fake = data;
  g_autoptr(GError) refusal = g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                                           "The proxy speaks protocol version %u, "
                                           "this listener speaks version 2",
                                           PP_WIRE_PROTOCOL_VERSION);
  g_autoptr(GBytes) frame = NULL;
  Frame *hello = raw_read_frame (fake->fd);

  if (hello == NULL || hello->header.kind != PP_WIRE_KIND_HELLO)
    fake->failure = g_strdup ("no HELLO");
  g_clear_pointer (&hello, frame_free);

  /* Serial 0, as PpListener's protocol_error() sends it */
  frame = pp_wire_encode_error (0, refusal);
  raw_write_bytes (fake->fd, frame);
  shutdown (fake->fd, SHUT_RDWR);
  close (fake->fd);
  return NULL;
}

static void
test_proxy_handshake_refused (void)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  FakeListener fake = { 0 };
  GThread *thread;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  fake.fd = fds[1];
  thread = g_thread_new ("fake-listener", fake_refusing_listener, &fake);

  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  g_thread_join (thread);
  g_assert_null (fake.failure);

  g_assert_null (proxy);
  g_assert_nonnull (error);
  g_test_message ("handshake: %s", error->message);
  if (!g_error_matches (error, PP_ERROR, PP_ERROR_PROTOCOL) ||
      strstr (error->message, "version 2") == NULL)
    g_test_fail_printf ("The listener's reason was lost: the handshake failed with %s %d '%s'",
                        g_quark_to_string (error->domain), error->code, error->message);
}

/* Once closed, an object whose owner keeps it must cost nothing: no source
 * that is ready in every iteration of its main context. */
static void
test_closed_proxy_idle (void)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpProxy) proxy = pp_test_peer_proxy (peer);
  ClosedResult closed = { 0 };
  gboolean expired = FALSE;
  guint guard;

  g_signal_connect (proxy, "closed", G_CALLBACK (closed_cb), &closed);
  g_subprocess_force_exit (peer->process);

  guard = g_timeout_add (IO_TIMEOUT_MSEC, guard_cb, &expired);
  while (closed.count == 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (guard);
  g_assert_error (closed.error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_clear_error (&closed.error);

  if (!drain_main_context ())
    g_test_fail_printf ("A closed PpProxy keeps its main context busy");
  g_assert_cmpuint (closed.count, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Robustness/sigpipe-proxy", test_sigpipe_proxy);
  g_test_add_func ("/Pp/Robustness/proxy-garbage", test_proxy_garbage);
  g_test_add_func ("/Pp/Robustness/proxy-garbage-sync", test_proxy_garbage_sync);
  g_test_add_func ("/Pp/Robustness/proxy-oversized", test_proxy_oversized);
  g_test_add_func ("/Pp/Robustness/proxy-not-normal-form", test_proxy_not_normal_form);
  g_test_add_func ("/Pp/Robustness/proxy-return-not-tuple", test_proxy_return_not_tuple);
  g_test_add_func ("/Pp/Robustness/proxy-call-to-proxy", test_proxy_call_to_proxy);
  g_test_add_func ("/Pp/Robustness/proxy-error-unused-serial", test_proxy_error_unused_serial);
  g_test_add_func ("/Pp/Robustness/proxy-return-unused-serial", test_proxy_return_unused_serial);
  g_test_add_func ("/Pp/Robustness/proxy-wrong-reply-kind", test_proxy_wrong_reply_kind);
  g_test_add_func ("/Pp/Robustness/proxy-handshake-refused", test_proxy_handshake_refused);
  g_test_add_func ("/Pp/Robustness/closed-proxy-idle", test_closed_proxy_idle);
  g_test_add_func ("/Pp/Robustness/proxy-hostile-objects", test_proxy_hostile_objects);

  return g_test_run ();
}
