/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Both ends in this process, from pp_listener_new_pair(): a synchronous
 * call that only the calling thread could answer fails at once with
 * PP_ERROR_WOULD_DEADLOCK instead of waiting for its time-out, and one
 * that another thread answers works. No case measures time: a call that
 * waited would end with PP_ERROR_TIMED_OUT instead. */

#include "pp-test-object.h"
#include "pp-test-util.h"

/* Long enough that a call that waits for it cannot be mistaken for one
 * that failed at once */
#define CALL_TIMEOUT_MSEC  (60 * 1000)

/* A listener on this thread's main context and a proxy of it, made
 * asynchronously: the handshake needs the context to run */
static PpProxy *
new_proxy_here (PpTestObject  *object,
                PpListener   **out_listener)
{
  return pp_test_serve_here (G_OBJECT (object), NULL, NULL, out_listener);
}

static void
assert_would_deadlock (const GError *error)
{
  g_assert_error (error, PP_ERROR, PP_ERROR_WOULD_DEADLOCK);
  g_assert_nonnull (strstr (error->message, "asynchronously"));
  g_assert_nonnull (strstr (error->message, "another thread"));
}

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  g_assert_no_error (error);
  *done = TRUE;
}

/* From the thread that made the listener, outside any main loop: nobody
 * else runs its context. Nothing is sent, and the proxy goes on working. */
static void
test_sync_from_listener_thread (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpProxy) proxy = new_proxy_here (object, &listener);
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  result = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 5),
                               CALL_TIMEOUT_MSEC, NULL, &error);
  g_assert_null (result);
  assert_would_deadlock (error);

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (pp_test_object_get_parameter (object), ==, 0);

  pp_proxy_call_async (proxy, "set_parameter", g_variant_new ("(i)", 6), CALL_TIMEOUT_MSEC,
                       NULL, call_cb, &done);
  pp_test_wait_for (&done);
  g_assert_cmpint (pp_test_object_get_parameter (object), ==, 6);
  g_assert_false (pp_proxy_is_closed (proxy));
}

typedef struct
{
  PpProxy   *proxy;
  GMainLoop *loop;
  GError    *error;
} InLoop;

static gboolean
call_in_loop_cb (gpointer data)
{
  InLoop *in_loop = data;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (in_loop->proxy, "set_parameter", g_variant_new ("(i)", 5),
                               CALL_TIMEOUT_MSEC, NULL, &in_loop->error);
  g_assert_null (result);
  g_main_loop_quit (in_loop->loop);
  return G_SOURCE_REMOVE;
}

/* From a callback of the main loop that runs the listener's context */
static void
test_sync_in_listener_loop (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpProxy) proxy = new_proxy_here (object, &listener);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  InLoop in_loop = { proxy, loop, NULL };

  g_idle_add (call_in_loop_cb, &in_loop);
  g_main_loop_run (loop);
  assert_would_deadlock (in_loop.error);
  g_clear_error (&in_loop.error);
  g_assert_cmpint (pp_test_object_get_parameter (object), ==, 0);
}

/* The handshake of pp_proxy_new_sync() is a synchronous call too */
static void
test_sync_handshake (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;

  listener = pp_listener_new_pair (G_OBJECT (object), &stream, &error);
  g_assert_no_error (error);
  pp_options_set_default_timeout (options, CALL_TIMEOUT_MSEC);
  proxy = pp_proxy_new_sync (stream, options, NULL, &error);
  g_assert_null (proxy);
  assert_would_deadlock (error);
}

/* A thread with a main context of its own and a loop running it, which
 * serves the listener, or makes the calls */
typedef struct
{
  PpTestObject *object;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GIOStream    *stream;   /* the proxy's end, when it serves */
  GMainLoop    *caller;   /* quit when it made its calls */
  GError       *error;    /* of the calls it made */
  gboolean      burst;    /* it serves burst(), see burst_and_wait() */
  gboolean      seen;     /* under lock: the caller saw the burst's last signal */
} Worker;

/* burst () → (b): emits ::changed with 1, then 2 1 ms later, both within
 * the 5 ms in which what the listener's thread sends after a write waits
 * for the next one, and then waits, 10 s at most, until the caller's
 * thread saw the second: only the flusher can send it meanwhile. Answers
 * whether it was seen. */
static void
burst_and_wait (GObject      *object,
                GVariant     *parameters,
                PpInvocation *invocation,
                gpointer      user_data)
{
  Worker *worker = user_data;
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  gboolean seen;

  g_signal_emit_by_name (object, "changed", 1);
  g_usleep (1000);
  g_signal_emit_by_name (object, "changed", 2);

  g_mutex_lock (&worker->lock);
  while (!worker->seen && g_cond_wait_until (&worker->cond, &worker->lock, end))
    ;
  seen = worker->seen;
  worker->seen = FALSE;
  g_mutex_unlock (&worker->lock);
  pp_invocation_return_value (invocation, g_variant_new ("(b)", seen));
}

static gboolean
ready_cb (gpointer data)
{
  Worker *worker = data;

  g_mutex_lock (&worker->lock);
  worker->ready = TRUE;
  g_cond_signal (&worker->cond);
  g_mutex_unlock (&worker->lock);
  return G_SOURCE_REMOVE;
}

static void
worker_wait_ready (Worker *worker)
{
  g_mutex_lock (&worker->lock);
  while (!worker->ready)
    g_cond_wait (&worker->cond, &worker->lock);
  g_mutex_unlock (&worker->lock);
}

static gpointer
serve_thread (gpointer data)
{
  Worker *worker = data;
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  GSource *idle;

  g_main_context_push_thread_default (worker->context);
  listener = pp_listener_new_pair (G_OBJECT (worker->object), &worker->stream, &error);
  g_assert_no_error (error);
  if (worker->burst)
    pp_listener_add_method_with_invocation (listener, "burst", G_VARIANT_TYPE_UNIT,
                                            G_VARIANT_TYPE ("(b)"), burst_and_wait, worker,
                                            NULL);

  idle = g_idle_source_new ();
  g_source_set_callback (idle, ready_cb, worker, NULL);
  g_source_attach (idle, worker->context);
  g_source_unref (idle);
  g_main_loop_run (worker->loop);

  g_clear_object (&listener);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static void
worker_init (Worker       *worker,
             PpTestObject *object)
{
  *worker = (Worker) { .object = object };
  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  g_mutex_init (&worker->lock);
  g_cond_init (&worker->cond);
}

static void
worker_clear (Worker *worker)
{
  g_clear_object (&worker->stream);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->cond);
  g_clear_error (&worker->error);
}

/* The listener runs in another thread, with a context of its own: the
 * synchronous handshake and call from here work */
static void
test_sync_listener_in_thread (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  Worker worker;
  GThread *thread;

  worker_init (&worker, object);
  thread = g_thread_new ("serve", serve_thread, &worker);
  worker_wait_ready (&worker);

  proxy = pp_proxy_new_sync (worker.stream, NULL, NULL, &error);
  g_assert_no_error (error);
  result = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 5),
                               CALL_TIMEOUT_MSEC, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pp_test_object_get_parameter (object), ==, 5);

  g_clear_object (&proxy);
  g_main_loop_quit (worker.loop);
  g_thread_join (thread);
  worker_clear (&worker);
}

static gpointer
call_thread (gpointer data)
{
  Worker *worker = data;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;

  g_main_context_push_thread_default (worker->context);
  proxy = pp_proxy_new_sync (worker->stream, NULL, NULL, &worker->error);
  if (proxy != NULL)
    result = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 7),
                                 CALL_TIMEOUT_MSEC, NULL, &worker->error);
  g_clear_object (&proxy);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  g_main_context_pop_thread_default (worker->context);
  g_main_loop_quit (worker->caller);
  return NULL;
}

/* The listener runs here, in a main loop; another thread makes the calls
 * synchronously: they work */
static void
test_sync_from_other_thread (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  Worker worker;
  GThread *thread;

  worker_init (&worker, object);
  listener = pp_listener_new_pair (G_OBJECT (object), &worker.stream, &error);
  g_assert_no_error (error);
  worker.caller = loop;

  thread = g_thread_new ("call", call_thread, &worker);
  g_main_loop_run (loop);
  g_thread_join (thread);

  g_assert_no_error (worker.error);
  g_assert_cmpint (pp_test_object_get_parameter (object), ==, 7);
  worker_clear (&worker);
}

static void
on_burst_changed (PpProxy *proxy,
                  int      value,
                  Worker  *worker)
{
  if (value != 2)
    return;
  g_mutex_lock (&worker->lock);
  worker->seen = TRUE;
  g_cond_signal (&worker->cond);
  g_mutex_unlock (&worker->lock);
}

static void
burst_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *seen = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  g_assert_no_error (error);
  g_variant_get (reply, "(b)", seen);
}

/* What the listener's thread corked while it runs a method leaves while
 * the method waits, sent by the flusher thread; each round with a
 * listener and a proxy of its own, which go away right after, whatever
 * the flusher still has armed. */
static void
test_corked_while_running (void)
{
  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(PpTestObject) object = pp_test_object_new ();
      g_autoptr(PpProxy) proxy = NULL;
      g_autoptr(GError) error = NULL;
      int seen = -1;
      Worker worker;
      GThread *thread;

      worker_init (&worker, object);
      worker.burst = TRUE;
      thread = g_thread_new ("serve", serve_thread, &worker);
      worker_wait_ready (&worker);

      proxy = pp_proxy_new_sync (worker.stream, NULL, NULL, &error);
      g_assert_no_error (error);
      g_signal_connect (proxy, "changed", G_CALLBACK (on_burst_changed), &worker);
      pp_proxy_call_async (proxy, "burst", NULL, CALL_TIMEOUT_MSEC, NULL, burst_cb, &seen);
      while (seen < 0)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (seen, ==, TRUE);

      g_clear_object (&proxy);
      g_main_loop_quit (worker.loop);
      g_thread_join (thread);
      worker_clear (&worker);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Connection/sync-from-listener-thread", test_sync_from_listener_thread);
  g_test_add_func ("/Pp/Connection/sync-in-listener-loop", test_sync_in_listener_loop);
  g_test_add_func ("/Pp/Connection/sync-handshake", test_sync_handshake);
  g_test_add_func ("/Pp/Connection/sync-listener-in-thread", test_sync_listener_in_thread);
  g_test_add_func ("/Pp/Connection/sync-from-other-thread", test_sync_from_other_thread);
  g_test_add_func ("/Pp/Connection/corked-while-running", test_corked_while_running);

  return g_test_run ();
}
