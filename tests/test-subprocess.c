/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Offloading to a child process: start it, use it, and see it end. */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "pp-test-object.h"
#include "pp-test-util.h"

static char *
worker_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "pp-test-worker", NULL);
}

/* A proxy of the mirror type, with the mirrored property */
static void
assert_mirror (PpProxy    *proxy,
               const char *property)
{
  g_assert_true (G_OBJECT_TYPE (proxy) != PP_TYPE_PROXY);
  g_assert_true (g_type_is_a (G_OBJECT_TYPE (proxy), PP_TYPE_PROXY));
  g_assert_nonnull (g_object_class_find_property (G_OBJECT_GET_CLASS (proxy), property));
}

static PpProxy *
start_worker (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  g_autoptr(GError) error = NULL;
  PpProxy *proxy;

  proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pp_proxy_get_subprocess (proxy));
  assert_mirror (proxy, "parameter");
  return proxy;
}

typedef struct
{
  guint   n_failed;
  guint   n_closed;
  GError *call_error;
  GError *closed_error;
} EndState;

static void
end_state_clear (EndState *state)
{
  g_clear_error (&state->call_error);
  g_clear_error (&state->closed_error);
}

static void
on_call_ended (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EndState *state = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  g_assert_null (value);
  if (state->call_error == NULL)
    state->call_error = error;
  else
    g_error_free (error);
  state->n_failed++;
}

static void
on_closed (PpProxy      *proxy,
           const GError *error,
           gpointer      user_data)
{
  EndState *state = user_data;

  state->closed_error = g_error_copy (error);
  state->n_closed++;
}

static void
wait_for_end (EndState *state,
              guint     n_calls)
{
  while (state->n_failed < n_calls || state->n_closed < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state->n_closed, ==, 1);
}

static void
test_basic (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  int parameter = 0;

  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "PpTestObject");
  g_variant_unref (pp_test_call (proxy, "set_parameter", g_variant_new ("(i)", 12)));
  result = pp_test_call (proxy, "get_parameter", NULL);
  g_variant_get (result, "(i)", &parameter);
  g_assert_cmpint (parameter, ==, 12);
}

static void
test_added_methods (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, "--added", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
  g_autoptr(GVariant) tripled = NULL;
  g_autoptr(GVariant) parameter = NULL;
  int value = 0;

  g_assert_no_error (error);
  tripled = pp_test_call (proxy, "triple", g_variant_new ("(i)", 5));
  g_variant_get (tripled, "(i)", &value);
  g_assert_cmpint (value, ==, 15);
  /* The object's own methods are there too */
  parameter = pp_test_call (proxy, "get_parameter", NULL);
}

/* A call whose method in the child waits for this side to acknowledge
 * the signals it emits, with bytes on a pipe */
typedef struct
{
  int      ack;             /* the write end of the child's acknowledgements */
  guint    n_signals;
  guint    n_before_reply;
  guint    n_acked;         /* by the child's count */
  gboolean replied;
  /* burst(): how many signals it emits, whether a notify follows them */
  guint    n_expected;
  gboolean notify;
  gboolean notified;
} Progress;

static void
on_progress_changed (PpProxy  *proxy,
                     int       value,
                     Progress *progress)
{
  g_assert_false (progress->replied);
  g_assert_cmpint (value, ==, (int) progress->n_signals + 1);
  progress->n_signals++;
  /* The child emits the next one only after this */
  g_assert_cmpint (write (progress->ack, "", 1), ==, 1);
}

static void
on_progress_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Progress *progress = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_proxy_call_with_unix_fd_list_finish (PP_PROXY (source), NULL,
                                                                      result, &error);

  g_assert_no_error (error);
  g_variant_get (value, "(u)", &progress->n_acked);
  progress->n_before_reply = progress->n_signals;
  progress->replied = TRUE;
}

/* Calls @method of a worker with @parameters, whose handle 0 is the read
 * end of the pipe of progress->ack, with @on_changed connected to its
 * ::changed and @on_notify, if any, to its notify::count, and waits for
 * the reply. */
static void
call_with_acks (const char *method,
                GVariant   *parameters,
                GCallback   on_changed,
                GCallback   on_notify,
                Progress   *progress)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, "--added", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  int ack[2];

  g_assert_no_error (error);
  g_assert_no_errno (pipe (ack));
  g_assert_cmpint (g_unix_fd_list_append (fds, ack[0], &error), ==, 0);
  g_assert_no_error (error);
  close (ack[0]);
  progress->ack = ack[1];

  g_signal_connect (proxy, "changed", on_changed, progress);
  if (on_notify != NULL)
    g_signal_connect (proxy, "notify::count", on_notify, progress);
  pp_proxy_call_with_unix_fd_list_async (proxy, method, parameters, -1, fds, NULL,
                                         on_progress_done, progress);
  pp_test_wait_for (&progress->replied);
  close (ack[1]);
}

/* A synchronous method's signals leave as it emits them, in order, before
 * its reply, and not all at once with it: the child emits each but the
 * first only once this side acknowledged the one before (were they held
 * until the reply, neither side could go on, and the call would time out). */
static void
test_signals_while_running (void)
{
  Progress progress = { 0 };

  /* Each 10 ms after the last, so that no write waits for the next */
  call_with_acks ("progress", g_variant_new ("(uuh)", 6, 10, 0),
                  G_CALLBACK (on_progress_changed), NULL, &progress);

  g_assert_cmpuint (progress.n_before_reply, ==, 6);
  g_assert_cmpuint (progress.n_acked, ==, 5);
}

/* burst(): acknowledges the last of what it emits */
static void
burst_ack_if_done (Progress *burst)
{
  if (burst->n_signals == burst->n_expected && burst->notified == burst->notify)
    g_assert_cmpint (write (burst->ack, "", 1), ==, 1);
}

static void
on_burst_changed (PpProxy  *proxy,
                  int       value,
                  Progress *burst)
{
  g_assert_false (burst->replied);
  g_assert_false (burst->notified);
  g_assert_cmpint (value, ==, (int) burst->n_signals + 1);
  burst->n_signals++;
  burst_ack_if_done (burst);
}

static void
on_burst_notify (PpProxy    *proxy,
                 GParamSpec *pspec,
                 Progress   *burst)
{
  g_assert_false (burst->replied);
  g_assert_cmpuint (burst->n_signals, ==, burst->n_expected);
  g_assert_false (burst->notified);
  burst->notified = TRUE;
  burst_ack_if_done (burst);
}

/* Signals, and a notify, that a synchronous method emits 1 ms apart leave
 * while it runs, with nothing sent after them, and not with its reply: the
 * method waits (10 s at most) until this side acknowledges the last one,
 * and answers whether that came. Were they held until the reply, the
 * acknowledgement could not come. */
static void
check_burst (guint    n,
             gboolean notify)
{
  Progress burst = { .n_expected = n, .notify = notify };

  call_with_acks ("burst", g_variant_new ("(ubh)", n, notify, 0),
                  G_CALLBACK (on_burst_changed), notify ? G_CALLBACK (on_burst_notify) : NULL,
                  &burst);

  g_assert_cmpuint (burst.n_before_reply, ==, n);
  g_assert_true (burst.notified == notify);
  g_assert_cmpuint (burst.n_acked, ==, 1);
}

static void
test_signals_burst (void)
{
  check_burst (2, FALSE);
}

static void
test_signals_burst_notify (void)
{
  check_burst (3, TRUE);
}

typedef struct
{
  gboolean  started;
  gboolean  done;
  GError   *error;
} Work;

static void
on_work_started (PpProxy *proxy,
                 Work    *work)
{
  work->started = TRUE;
}

static void
on_work_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Work *work = user_data;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, &work->error);

  g_assert_null (value);
  work->done = TRUE;
}

/* Cancels a call of @method (20 s of work) once the work started, or
 * with @at_once as soon as it is sent; the worker's count of cancelled
 * work, asked once the call ended */
static guint
cancel_work (PpProxy    *proxy,
             const char *method,
             gboolean    at_once)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GVariant) count = NULL;
  Work work = { 0 };
  gulong started_id = g_signal_connect (proxy, "ping", G_CALLBACK (on_work_started), &work);
  guint cancelled;

  pp_proxy_call_async (proxy, method, g_variant_new ("(u)", 20000), G_MAXINT, cancellable,
                       on_work_done, &work);
  while (!at_once && !work.started)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  while (!work.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (work.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&work.error);
  g_signal_handler_disconnect (proxy, started_id);

  /* Answered once the worker's context is free again: the work that
   * blocked it stopped by then only if the cancel reached it */
  count = pp_test_call (proxy, "get_cancelled_count", NULL);
  g_variant_get (count, "(u)", &cancelled);
  return cancelled;
}

/* Cancels a call of sleep_msec (@msec, which does not see the cancel) as
 * soon as it is sent */
static void
cancel_sleep (PpProxy *proxy,
              guint    msec)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Work work = { 0 };

  pp_proxy_call_async (proxy, "sleep_msec", g_variant_new ("(u)", msec), G_MAXINT,
                       cancellable, on_work_done, &work);
  g_cancellable_cancel (cancellable);
  pp_test_wait_for (&work.done);
  g_assert_error (work.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&work.error);
}

/* Keeps the worker's context busy for @msec with a call nobody gives up,
 * so that a call given up after it can never be answered in time: were
 * the worker idle, a cancel read together with its call (which a loaded
 * machine makes likely) would be answered at once. Its end goes to @state. */
static void
occupy_worker (PpProxy  *proxy,
               guint     msec,
               EndState *state)
{
  pp_proxy_call_async (proxy, "sleep_msec", g_variant_new ("(u)", msec), G_MAXINT, NULL,
                       on_call_ended, state);
}

/* A call that waits behind the stuck ones (the one occupy_worker() made
 * and the one given up), until the connection ends: its error and the
 * end's are in @state */
static void
call_until_end (PpProxy  *proxy,
                EndState *state)
{
  pp_proxy_call_async (proxy, "get_parameter", NULL, G_MAXINT, NULL, on_call_ended, state);
  wait_for_end (state, 2);
}

/* Cancelling a call cancels the GCancellable of the synchronous method
 * that runs it in the worker, which stops: the worker's next answer says
 * so. Also when the cancel is read before the method starts. */
static void
test_cancel_reaches_method (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();

  g_assert_cmpuint (cancel_work (proxy, "work", FALSE), ==, 1);
  g_assert_cmpuint (cancel_work (proxy, "work", TRUE), ==, 2);
}

/* The same for methods added with pp_listener_add_method_with_invocation()
 * and a ::handle-method-call handler, which take the invocation's
 * cancellable: answered before their function returns (the listener's
 * context blocked meanwhile) or later, from a thread. */
static void
test_cancel_reaches_invocation (void)
{
  const char * const methods[] = { "work_blocking", "work_later", "work_handled" };
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, "--added", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      guint cancelled;

      g_test_message ("%s", methods[i]);
      cancelled = cancel_work (proxy, methods[i], FALSE);
      /* The thread of work_later may still be on its way out */
      while (cancelled < i + 1 && g_str_equal (methods[i], "work_later"))
        {
          g_autoptr(GVariant) count = NULL;

          g_usleep (1000);
          count = pp_test_call (proxy, "get_cancelled_count", NULL);
          g_variant_get (count, "(u)", &cancelled);
        }
      g_assert_cmpuint (cancelled, ==, i + 1);
    }

  /* Not cancelled, each answers */
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(GVariant) done = pp_proxy_call_sync (proxy, methods[i],
                                                     g_variant_new ("(u)", 1), -1, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (g_variant_is_of_type (done, G_VARIANT_TYPE ("(b)")));
    }
}

/* With a stop-timeout, a worker busy in a method that does not return is
 * stopped once its proxy closes: SIGTERM, or SIGKILL when it ignores that */
static void
assert_stopped_with (const char *option,
                     int         expected_signal)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, option, NULL };
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GSubprocess) child = NULL;
  Work work = { 0 };
  Work queued = { 0 };

  pp_options_set_stop_timeout (options, 100);
  proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, options, NULL, &error);
  g_assert_no_error (error);
  child = g_object_ref (pp_proxy_get_subprocess (proxy));

  /* 20 s of work that nothing cancels */
  g_signal_connect (proxy, "ping", G_CALLBACK (on_work_started), &work);
  pp_proxy_call_async (proxy, "work", g_variant_new ("(u)", 20000), G_MAXINT, NULL,
                       on_work_done, &work);
  while (!work.started)
    g_main_context_iteration (NULL, TRUE);
  /* and one that waits behind it */
  pp_proxy_call_async (proxy, "get_parameter", NULL, G_MAXINT, NULL, on_work_done, &queued);

  /* Every pending call says the worker was stopped, and why */
  pp_proxy_close (proxy);
  while (!work.done || !queued.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (work.error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_error (queued.error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpstr (work.error->message, ==, queued.error->message);
  g_assert_true (g_str_has_prefix (work.error->message,
                                   "The worker process was stopped: its proxy was closed"));
  g_assert_nonnull (strstr (work.error->message, "100 ms"));
  g_clear_error (&work.error);
  g_clear_error (&queued.error);
  g_clear_object (&proxy);

  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, expected_signal);
}

static void
test_stop_timeout (void)
{
  assert_stopped_with (NULL, SIGTERM);
  assert_stopped_with ("--ignore-term", SIGKILL);
}

/* With a cancel-timeout, a worker that does not answer a call given up on
 * (sleep_msec ignores its cancel) is stopped: the call still pending and
 * ::closed say why, and the process gets SIGTERM, or SIGKILL when it
 * ignores that. The call is given up by cancelling it, or by the time-out
 * of a synchronous call. */
static void
assert_stopped_for_cancel (const char *option,
                           gboolean    sync,
                           int         expected_signal)
{
  const char *reason = "The worker process was stopped because it did not answer a cancel "
                       "within 20 ms";
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, option, NULL };
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GSubprocess) child = NULL;
  EndState state = { 0 };

  pp_options_set_cancel_timeout (options, 20);
  proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pp_proxy_get_cancel_timeout (proxy), ==, 20);
  child = g_object_ref (pp_proxy_get_subprocess (proxy));
  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &state);

  occupy_worker (proxy, 20000, &state);
  if (sync)
    {
      g_autoptr(GVariant) result = pp_proxy_call_sync (proxy, "sleep_msec",
                                                       g_variant_new ("(u)", 20000), 10, NULL,
                                                       &error);

      g_assert_error (error, PP_ERROR, PP_ERROR_TIMED_OUT);
      g_clear_error (&error);
    }
  else
    {
      cancel_sleep (proxy, 20000);
    }

  /* A call that waits behind the stuck one fails with the reason */
  call_until_end (proxy, &state);
  g_assert_error (state.call_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpstr (state.call_error->message, ==, reason);
  g_assert_error (state.closed_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpstr (state.closed_error->message, ==, reason);
  g_assert_true (pp_proxy_is_closed (proxy));
  end_state_clear (&state);

  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, expected_signal);
}

static void
test_cancel_timeout (void)
{
  assert_stopped_for_cancel (NULL, FALSE, SIGTERM);
  assert_stopped_for_cancel ("--ignore-term", TRUE, SIGKILL);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A worker that answers the cancel in time is not stopped. The cancel
 * time-out is set on the proxy this time. */
static void
test_cancel_answered_in_time (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  g_autoptr(GVariant) result = NULL;
  gboolean waited = FALSE;
  guint timeout = 0;

  g_object_set (proxy, "cancel-timeout", 1000, NULL);
  g_object_get (proxy, "cancel-timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 1000);

  /* The worker's answer to the cancelled call comes before the answer to
   * the call cancel_work() makes after it */
  g_assert_cmpuint (cancel_work (proxy, "work", FALSE), ==, 1);

  /* Past the cancel time-out, counted from the cancel: still there */
  g_timeout_add (1500, set_flag, &waited);
  pp_test_wait_for (&waited);
  g_assert_false (pp_proxy_is_closed (proxy));
  result = pp_test_call (proxy, "get_parameter", NULL);
  g_assert_nonnull (g_subprocess_get_identifier (pp_proxy_get_subprocess (proxy)));
}

/* Over a stream to a process the library did not start, the connection is
 * closed instead, and the process is left alone: it sees the end once its
 * method returns, and exits normally */
static void
test_cancel_timeout_plain_stream (void)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autofree char *output = NULL;
  EndState state = { 0 };

  pp_options_set_cancel_timeout (options, 20);
  proxy = pp_proxy_new_sync (peer->stream, options, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &state);

  occupy_worker (proxy, 3000, &state);
  cancel_sleep (proxy, 3000);
  call_until_end (proxy, &state);
  g_assert_error (state.call_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpstr (state.call_error->message, ==,
                   "The connection was closed because the peer did not answer a cancel "
                   "within 20 ms");
  g_assert_cmpstr (state.closed_error->message, ==, state.call_error->message);
  end_state_clear (&state);

  output = pp_test_peer_wait (peer);
}

/* How many descriptors a process has open */
static guint
count_fds (GSubprocess *process)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (process));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Calls whose result is a descriptor: one a method added with its
 * invocation returns as a handle (h) with a GUnixFDList, and streams of
 * introspected methods (a file's descriptor as it is, a pipe the worker
 * writes memory into). Each is read to its end here and closed. */
static void
call_fd_results (PpProxy *proxy)
{
  const char *methods[] = { "open_null", "open_file", "open_bytes" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      GVariant *parameters = NULL;
      g_autoptr(GUnixFDList) fds = NULL;
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GError) error = NULL;
      char buffer[256];
      gint32 handle;
      int fd;

      if (g_str_equal (methods[i], "open_file"))
        parameters = g_variant_new ("(^ay)", "/proc/self/cmdline");
      else if (g_str_equal (methods[i], "open_bytes"))
        parameters = g_variant_new ("(@ay)", g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING,
                                                                     "some bytes", 10, TRUE,
                                                                     NULL, NULL));
      result = pp_proxy_call_with_unix_fd_list_sync (proxy, methods[i], parameters, -1, NULL,
                                                     &fds, NULL, &error);
      g_assert_no_error (error);
      g_variant_get (result, "(h)", &handle);
      fd = g_unix_fd_list_get (fds, handle, &error);
      g_assert_no_error (error);
      while (read (fd, buffer, sizeof buffer) > 0)
        ;
      close (fd);
    }
}

/* A worker closes the descriptors it returned once they are sent: the
 * count of its open descriptors does not grow with such calls */
static void
test_fd_results_closed_in_worker (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, "--added", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
  GSubprocess *child;
  guint before;

  g_assert_no_error (error);
  child = pp_proxy_get_subprocess (proxy);

  /* Once, for what the first calls open for good */
  call_fd_results (proxy);
  g_variant_unref (pp_test_call (proxy, "get_parameter", NULL));
  before = count_fds (child);

  for (guint i = 0; i < 10; i++)
    call_fd_results (proxy);
  g_variant_unref (pp_test_call (proxy, "get_parameter", NULL));
  g_assert_cmpuint (count_fds (child), ==, before);
}

/* A synchronous call to a worker that died fails at once with how it died,
 * with no main loop running to have seen the end */
static void
test_sync_call_after_death (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  GSubprocess *child = pp_proxy_get_subprocess (proxy);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  g_subprocess_send_signal (child, SIGKILL);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);

  /* Not the time-out's error */
  result = pp_proxy_call_sync (proxy, "get_parameter", NULL, 10000, NULL, &error);
  g_assert_null (result);
  g_test_message ("call: %s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, "signal 9"));
}

static void
new_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PpProxy **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pp_proxy_new_for_subprocess_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async_start (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;

  pp_options_set_default_timeout (options, 4321);
  pp_proxy_new_for_subprocess_async (NULL, argv, options, NULL, new_async_cb, &proxy);
  while (proxy == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (pp_proxy_get_subprocess (proxy));
  assert_mirror (proxy, "parameter");
  g_assert_cmpint (pp_proxy_get_default_timeout (proxy), ==, 4321);
  result = pp_test_call (proxy, "echo_int32", g_variant_new ("(i)", 5));
}

static void
test_abort_mid_call (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  EndState state = { 0 };

  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &state);
  /* The worker aborts in the first call; the second waits behind it */
  pp_proxy_call_async (proxy, "end_process", g_variant_new ("(s)", "abort"), G_MAXINT, NULL,
                       on_call_ended, &state);
  pp_proxy_call_async (proxy, "get_parameter", NULL, G_MAXINT, NULL, on_call_ended, &state);
  wait_for_end (&state, 2);

  g_test_message ("call: %s", state.call_error->message);
  g_assert_error (state.call_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (state.call_error->message, "signal 6"));
  g_assert_nonnull (strstr (state.call_error->message, "worker: ending with abort"));
  g_assert_cmpstr (state.closed_error->message, ==, state.call_error->message);
  end_state_clear (&state);
}

static void
test_killed (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  EndState state = { 0 };

  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &state);
  pp_proxy_call_async (proxy, "sleep_msec", g_variant_new ("(u)", 10000), G_MAXINT, NULL,
                       on_call_ended, &state);
  /* The call is written at once; let the child start on it */
  g_usleep (50 * 1000);
  g_subprocess_send_signal (pp_proxy_get_subprocess (proxy), SIGKILL);
  wait_for_end (&state, 1);

  g_test_message ("call: %s", state.call_error->message);
  g_assert_error (state.call_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (state.call_error->message, "signal 9"));
  end_state_clear (&state);
}

static void
test_exit_unexpectedly (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  EndState state = { 0 };

  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &state);
  pp_proxy_call_async (proxy, "end_process", g_variant_new ("(s)", "exit3"), -1, NULL,
                       on_call_ended, &state);
  wait_for_end (&state, 1);

  g_test_message ("call: %s", state.call_error->message);
  g_assert_error (state.call_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (state.call_error->message, "exited with status 3"));
  g_assert_nonnull (strstr (state.call_error->message, "worker: ending with exit3"));
  end_state_clear (&state);

  {
    g_autoptr(PpProxy) again = start_worker ();
    EndState state0 = { 0 };

    g_signal_connect (again, "closed", G_CALLBACK (on_closed), &state0);
    pp_proxy_call_async (again, "end_process", g_variant_new ("(s)", "exit"), -1, NULL,
                         on_call_ended, &state0);
    wait_for_end (&state0, 1);
    g_assert_nonnull (strstr (state0.call_error->message, "exited with status 0"));
    end_state_clear (&state0);
  }
}

static void
test_sync_call_sees_the_end (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  /* No main loop runs here: the reason still comes with the error. */
  result = pp_proxy_call_sync (proxy, "end_process", g_variant_new ("(s)", "abort"), -1, NULL,
                               &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, "signal 6"));
}

static void
test_hang_times_out (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  /* The worker is stuck in a long call: the next one times out, and the
   * worker serves again once the long call returns. */
  pp_proxy_call_async (proxy, "sleep_msec", g_variant_new ("(u)", 1000), -1, NULL, NULL, NULL);
  result = pp_proxy_call_sync (proxy, "get_parameter", NULL, 100, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_TIMED_OUT);

  g_clear_error (&error);
  g_variant_unref (pp_test_call (proxy, "get_parameter", NULL));
}

static void
test_parent_closes (void)
{
  g_autoptr(PpProxy) proxy = start_worker ();
  g_autoptr(GSubprocess) child = g_object_ref (pp_proxy_get_subprocess (proxy));
  gint64 start;

  pp_proxy_close (proxy);
  g_clear_object (&proxy);

  /* The child sees the end and exits by itself: nothing else would end
   * it (a generous bound, for a busy machine) */
  start = g_get_monotonic_time ();
  while (g_subprocess_get_identifier (child) != NULL)
    {
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
      g_usleep (1000);
    }
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
}

static void
test_spawn_failure (void)
{
  const char * const argv[] = { "/nonexistent/pp-worker", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);

  g_assert_null (proxy);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
}

static void
test_not_a_worker (void)
{
  const char * const argv[] = { "/bin/true", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);

  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, "exited with status 0"));
}

static void
test_serve_parent_without_parent (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(GError) error = NULL;

  g_unsetenv (PP_SUBPROCESS_FD_VARIABLE);
  g_assert_false (pp_serve_parent (G_OBJECT (object), &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_clear_error (&error);

  g_setenv (PP_SUBPROCESS_FD_VARIABLE, "987", TRUE);
  g_assert_false (pp_serve_parent (G_OBJECT (object), &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_unsetenv (PP_SUBPROCESS_FD_VARIABLE);
}

static void
test_host_gio_type (void)
{
  const char * const properties[] = { "name=frobnicate", "enabled=false", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) enabled = NULL;
  g_autofree char *name = NULL;

  proxy = pp_proxy_new_for_type_sync ("Gio", "2.0", "SimpleAction", properties, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "GSimpleAction");
  assert_mirror (proxy, "enabled");

  g_object_get (proxy, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "frobnicate");
  enabled = pp_test_call (proxy, "get_enabled", NULL);
  {
    gboolean value = TRUE;

    g_variant_get (enabled, "(b)", &value);
    g_assert_false (value);
  }
}

static void
new_for_type_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PpProxy **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pp_proxy_new_for_type_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_host_menu (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) n = NULL;
  int n_items = -1;

  pp_options_set_max_pending_calls (options, 3);
  pp_proxy_new_for_type_async ("Gio", NULL, "Menu", NULL, options, NULL, new_for_type_cb, &proxy);
  while (proxy == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (G_OBJECT_TYPE (proxy) != PP_TYPE_PROXY);
  g_assert_cmpuint (pp_proxy_get_max_pending_calls (proxy), ==, 3);
  g_variant_unref (pp_test_call (proxy, "append", g_variant_new ("(msms)", "One", "app.one")));
  n = pp_test_call (proxy, "get_n_items", NULL);
  g_variant_get (n, "(i)", &n_items);
  g_assert_cmpint (n_items, ==, 1);
}

static void
assert_host_refuses (const char         *namespace_,
                     const char         *type_name,
                     const char * const *properties,
                     int                 code,
                     const char         *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  proxy = pp_proxy_new_for_type_sync (namespace_, NULL, type_name, properties, NULL, NULL, &error);
  g_assert_null (proxy);
  g_test_message ("%s.%s: %s", namespace_, type_name, error->message);
  g_assert_error (error, PP_ERROR, code);
  g_assert_nonnull (strstr (error->message, text));
}

static void
test_host_refusals (void)
{
  const char * const unknown_property[] = { "no-such-thing=1", NULL };
  const char * const bad_value[] = { "enabled=maybe", NULL };
  const char * const not_assignment[] = { "enabled", NULL };

  assert_host_refuses ("NoSuchNamespace", "Thing", NULL, PP_ERROR_FAILED, "NoSuchNamespace");
  assert_host_refuses ("Gio", "NoSuchType", NULL, PP_ERROR_FAILED, "NoSuchType");
  assert_host_refuses ("Gio", "MenuModel", NULL, PP_ERROR_UNSUPPORTED_TYPE, "abstract");
  assert_host_refuses ("GLib", "MainLoop", NULL, PP_ERROR_UNSUPPORTED_TYPE, "not a GObject");
  assert_host_refuses ("Gio", "SimpleAction", unknown_property, PP_ERROR_INVALID_ARGUMENTS,
                       "no-such-thing");
  assert_host_refuses ("Gio", "SimpleAction", bad_value, PP_ERROR_INVALID_ARGUMENTS, "enabled");
  assert_host_refuses ("Gio", "SimpleAction", not_assignment, PP_ERROR_INVALID_ARGUMENTS,
                       "name=value");
}

/* Made by a function of the type, then the properties set on it */
static void
test_host_constructor (void)
{
  const char * const properties[] = { "use-default-fallbacks=true", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) names = NULL;
  g_autofree const char **strv = NULL;

  /* g_themed_icon_new () returns a GIcon; the property is construct-only */
  proxy = pp_proxy_new_for_type_full_sync ("Gio", "2.0", "ThemedIcon", "new",
                                           g_variant_new ("(s)", "folder-remote"), NULL, NULL,
                                           NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "GThemedIcon");
  names = pp_test_call (proxy, "get_names", NULL);
  g_variant_get (names, "(^a&s)", &strv);
  g_assert_cmpuint (g_strv_length ((char **) strv), >=, 1);
  g_assert_cmpstr (strv[0], ==, "folder-remote");
  g_clear_object (&proxy);

  proxy = pp_proxy_new_for_type_full_sync ("Gio", "2.0", "ThemedIcon", "new",
                                           g_variant_new ("(s)", "folder"), properties, NULL,
                                           NULL, &error);
  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "use-default-fallbacks"));
}

static void
new_for_type_full_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PpProxy **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pp_proxy_new_for_type_full_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_host_constructor_async (void)
{
  const char * const properties[] = { "enabled=false", NULL };
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) enabled = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autofree char *name = NULL;
  gboolean value = TRUE;

  /* Arguments of any crossable type, a property set after */
  pp_proxy_new_for_type_full_async ("Gio", NULL, "SimpleAction", "new_stateful",
                                    g_variant_new ("(smsv)", "go", "s",
                                                   g_variant_new_string ("here")),
                                    properties, NULL, NULL, new_for_type_full_cb, &proxy);
  while (proxy == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_object_get (proxy, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "go");
  enabled = pp_test_call (proxy, "get_enabled", NULL);
  g_variant_get (enabled, "(b)", &value);
  g_assert_false (value);
  state = pp_test_call (proxy, "get_state", NULL);
  g_assert_cmpstr (g_variant_get_type_string (state), ==, "(mv)");
  {
    g_autoptr(GVariant) inner = NULL;

    g_variant_get (state, "(mv)", &inner);
    g_assert_nonnull (inner);
    g_assert_cmpstr (g_variant_get_string (inner, NULL), ==, "here");
  }
}

static void
assert_constructor_refused (const char *type_name,
                            const char *constructor,
                            GVariant   *arguments,
                            int         code,
                            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  proxy = pp_proxy_new_for_type_full_sync ("Gio", NULL, type_name, constructor, arguments, NULL,
                                           NULL, NULL, &error);
  g_assert_null (proxy);
  g_test_message ("%s.%s: %s", type_name, constructor, error->message);
  g_assert_error (error, PP_ERROR, code);
  g_assert_nonnull (strstr (error->message, text));
}

static void
test_host_constructor_refusals (void)
{
  assert_constructor_refused ("ThemedIcon", "no_such_function", NULL, PP_ERROR_FAILED,
                              "no_such_function");
  /* A method, not a function that makes an object */
  assert_constructor_refused ("ThemedIcon", "get_names", NULL, PP_ERROR_FAILED, "get_names");
  assert_constructor_refused ("ThemedIcon", "new", g_variant_new ("(i)", 3),
                              PP_ERROR_INVALID_ARGUMENTS, "(s)");
  assert_constructor_refused ("ThemedIcon", "new", NULL, PP_ERROR_INVALID_ARGUMENTS, "(s)");
  /* Takes a callback */
  assert_constructor_refused ("SimpleAsyncResult", "new", NULL, PP_ERROR_ACCESS_DENIED,
                              "callback");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Subprocess/basic", test_basic);
  g_test_add_func ("/Pp/Subprocess/async-start", test_async_start);
  g_test_add_func ("/Pp/Subprocess/added-methods", test_added_methods);
  g_test_add_func ("/Pp/Subprocess/signals-while-running", test_signals_while_running);
  g_test_add_func ("/Pp/Subprocess/signals-burst", test_signals_burst);
  g_test_add_func ("/Pp/Subprocess/signals-burst-notify", test_signals_burst_notify);
  g_test_add_func ("/Pp/Subprocess/cancel-reaches-method", test_cancel_reaches_method);
  g_test_add_func ("/Pp/Subprocess/cancel-reaches-invocation", test_cancel_reaches_invocation);
  g_test_add_func ("/Pp/Subprocess/stop-timeout", test_stop_timeout);
  g_test_add_func ("/Pp/Subprocess/cancel-timeout", test_cancel_timeout);
  g_test_add_func ("/Pp/Subprocess/cancel-answered-in-time", test_cancel_answered_in_time);
  g_test_add_func ("/Pp/Subprocess/cancel-timeout-plain-stream",
                   test_cancel_timeout_plain_stream);
  g_test_add_func ("/Pp/Subprocess/fd-results-closed-in-worker",
                   test_fd_results_closed_in_worker);
  g_test_add_func ("/Pp/Subprocess/sync-call-after-death", test_sync_call_after_death);
  g_test_add_func ("/Pp/Subprocess/abort-mid-call", test_abort_mid_call);
  g_test_add_func ("/Pp/Subprocess/killed", test_killed);
  g_test_add_func ("/Pp/Subprocess/exit-unexpectedly", test_exit_unexpectedly);
  g_test_add_func ("/Pp/Subprocess/sync-call-sees-the-end", test_sync_call_sees_the_end);
  g_test_add_func ("/Pp/Subprocess/hang-times-out", test_hang_times_out);
  g_test_add_func ("/Pp/Subprocess/parent-closes", test_parent_closes);
  g_test_add_func ("/Pp/Subprocess/spawn-failure", test_spawn_failure);
  g_test_add_func ("/Pp/Subprocess/not-a-worker", test_not_a_worker);
  g_test_add_func ("/Pp/Subprocess/serve-parent-without-parent", test_serve_parent_without_parent);
  g_test_add_func ("/Pp/Subprocess/host-gio-type", test_host_gio_type);
  g_test_add_func ("/Pp/Subprocess/host-menu", test_host_menu);
  g_test_add_func ("/Pp/Subprocess/host-refusals", test_host_refusals);
  g_test_add_func ("/Pp/Subprocess/host-constructor", test_host_constructor);
  g_test_add_func ("/Pp/Subprocess/host-constructor-async", test_host_constructor_async);
  g_test_add_func ("/Pp/Subprocess/host-constructor-refusals", test_host_constructor_refusals);

  return g_test_run ();
}
