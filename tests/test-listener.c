/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The listener's answer path: whatever answers a call (an added method, a
 * handler, nobody) ends it through one PpInvocation, which checks the
 * result's type where it is known, answers once, and is cancelled when the
 * caller gives up or the connection ends.
 *
 * Each case forks: the child holds the proxy and plays the caller (its
 * checks end it with a non-zero status when they fail), the parent holds
 * the listener and checks what the serving side sees. */

#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-test-util.h"

typedef struct
{
  GObject      *object;
  PpListener   *listener;
  PpInvocation *held;       /* kept by hold_handler() */
  PpTestChild   child;
} Fixture;

typedef void (*CallerFunc) (PpProxy *proxy);

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* Forks a caller running @caller on a proxy of our listener. The parent
 * returns at once, with the listener made but nothing read yet, so the case
 * can add methods and handlers before the first call is dispatched. */
static void
start (Fixture    *f,
       CallerFunc  caller)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  if (pp_test_child_fork (&f->child))
    {
      g_autoptr(GIOStream) proxy_stream = NULL;
      g_autoptr(PpProxy) proxy = NULL;

      close (fds[0]);
      proxy_stream = pp_stream_new_for_fd (fds[1], &error);
      g_assert_no_error (error);
      proxy = pp_proxy_new_sync (proxy_stream, NULL, NULL, &error);
      g_assert_no_error (error);
      caller (proxy);
      g_clear_object (&proxy);
      g_clear_object (&proxy_stream);   /* _exit () runs no cleanup */
      _exit (0);
    }

  close (fds[1]);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  f->listener = pp_listener_new (f->object, stream, &error);
  g_assert_no_error (error);
}

static void
wait_for_held (Fixture *f)
{
  while (f->held == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->object = g_object_new (G_TYPE_OBJECT, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->held);
  g_clear_object (&f->listener);
  g_clear_object (&f->object);
}

static GVariant *
wrong_type (GObject   *object,
            GVariant  *parameters,
            gpointer   user_data,
            GError   **error)
{
  return g_variant_new ("(s)", "not a number");
}

static GVariant *
no_reason (GObject   *object,
           GVariant  *parameters,
           gpointer   user_data,
           GError   **error)
{
  return NULL;
}

/* Calls @method, which must fail with @code and a message containing
 * @text */
static void
call_fails (PpProxy    *proxy,
            const char *method,
            int         code,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (proxy, method, NULL, -1, NULL, &error);
  g_assert_error (error, PP_ERROR, code);
  if (text != NULL)
    g_assert_nonnull (strstr (error->message, text));
}

static void
call_added_methods (PpProxy *proxy)
{
  call_fails (proxy, "wrong_type", PP_ERROR_FAILED, "wrong type");
  call_fails (proxy, "no_reason", PP_ERROR_FAILED, "without saying why");
}

static void
test_added_method_result (Fixture       *f,
                          gconstpointer  data)
{
  start (f, call_added_methods);
  pp_listener_add_method (f->listener, "wrong_type", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          wrong_type, NULL, NULL);
  pp_listener_add_method (f->listener, "no_reason", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          no_reason, NULL, NULL);

  g_test_expect_message ("Pp", G_LOG_LEVEL_WARNING, "*must return (i), not (s)*");
  pp_test_child_wait (&f->child);
  g_test_assert_expected_messages ();
}

/* Holds the invocation of "later"; nothing else */
static gboolean
hold_handler (PpListener   *listener,
              const char   *method_name,
              GVariant     *parameters,
              PpInvocation *invocation,
              Fixture      *f)
{
  if (!g_str_equal (method_name, "later"))
    return FALSE;
  g_set_object (&f->held, invocation);
  return TRUE;
}

static gboolean
drop_handler (PpListener   *listener,
              const char   *method_name,
              GVariant     *parameters,
              PpInvocation *invocation,
              gpointer      user_data)
{
  return TRUE;
}

static void
call_dropped (PpProxy *proxy)
{
  call_fails (proxy, "anything", PP_ERROR_FAILED, "no answer");
}

/* A handler that takes a call and drops it answers with an error */
static void
test_handler_drops (Fixture       *f,
                    gconstpointer  data)
{
  start (f, call_dropped);
  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (drop_handler), NULL);
  pp_test_child_wait (&f->child);
}

static void
call_unknown (PpProxy *proxy)
{
  call_fails (proxy, "nothing_answers", PP_ERROR_UNKNOWN_METHOD, "nothing_answers");
}

/* No handler for a name: unknown, answered once */
static void
test_unknown (Fixture       *f,
              gconstpointer  data)
{
  start (f, call_unknown);
  pp_test_child_wait (&f->child);
}

static void
call_later_once (PpProxy *proxy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  int answer = 0;

  value = pp_proxy_call_sync (proxy, "later", NULL, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(i)", &answer);
  g_assert_cmpint (answer, ==, 7);

  /* Nothing else came: the next call gets its own answer */
  call_unknown (proxy);
}

static void
test_answer_twice (Fixture       *f,
                   gconstpointer  data)
{
  start (f, call_later_once);
  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (hold_handler), f);
  wait_for_held (f);

  pp_invocation_return_value (f->held, g_variant_new ("(i)", 7));
  g_test_expect_message ("Pp", G_LOG_LEVEL_CRITICAL, "*already answered*");
  pp_invocation_return_value (f->held, g_variant_new ("(i)", 8));
  g_test_assert_expected_messages ();
  pp_test_child_wait (&f->child);
}

static void
call_later_and_cancel (PpProxy *proxy)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  pp_proxy_call_async (proxy, "later", NULL, -1, cancellable, got_result, &result);
  g_cancellable_cancel (cancellable);
  value = pp_proxy_call_finish (proxy, wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The listener's late answer is dropped; the connection goes on */
  call_unknown (proxy);
}

static void
note_cancelled (GCancellable *cancellable,
                gboolean     *cancelled)
{
  *cancelled = TRUE;
}

/* The caller gives up: the cancellable of a call answered later says so */
static void
test_cancel_held (Fixture       *f,
                  gconstpointer  data)
{
  gboolean cancelled = FALSE;

  start (f, call_later_and_cancel);
  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (hold_handler), f);
  wait_for_held (f);

  g_cancellable_connect (pp_invocation_get_cancellable (f->held), G_CALLBACK (note_cancelled),
                         &cancelled, NULL);
  while (!cancelled)
    g_main_context_iteration (NULL, TRUE);

  pp_invocation_return_error_literal (f->held, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
  pp_test_child_wait (&f->child);
}

static void
call_later_disconnected (PpProxy *proxy)
{
  call_fails (proxy, "later", PP_ERROR_DISCONNECTED, NULL);
}

/* The connection ends: a call answered later is cancelled, also when its
 * cancellable is first asked for afterwards */
static void
test_close_cancels (Fixture       *f,
                    gconstpointer  data)
{
  start (f, call_later_disconnected);
  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (hold_handler), f);
  wait_for_held (f);

  pp_listener_close (f->listener);
  while (!g_cancellable_is_cancelled (pp_invocation_get_cancellable (f->held)))
    g_main_context_iteration (NULL, TRUE);

  pp_invocation_return_value (f->held, NULL);
  pp_test_child_wait (&f->child);
}

static void
answer_in_thread (gpointer data,
                  gpointer user_data)
{
  PpInvocation *invocation = data;

  pp_invocation_return_value (invocation, g_variant_new ("(i)", 1));
  g_object_unref (invocation);
}

static gboolean
thread_handler (PpListener   *listener,
                const char   *method_name,
                GVariant     *parameters,
                PpInvocation *invocation,
                GThreadPool  *pool)
{
  g_thread_pool_push (pool, g_object_ref (invocation), NULL);
  return TRUE;
}

#define N_THREAD_CALLS 200

static void
call_many (PpProxy *proxy)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_done = 0;

  g_ptr_array_set_size (results, N_THREAD_CALLS);
  for (guint i = 0; i < results->len; i++)
    pp_proxy_call_async (proxy, "in_thread", NULL, -1, NULL, got_result,
                         &g_ptr_array_index (results, i));

  while (n_done < results->len)
    {
      g_main_context_iteration (NULL, TRUE);
      for (n_done = 0; n_done < results->len && g_ptr_array_index (results, n_done); n_done++)
        ;
    }
  for (guint i = 0; i < results->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = pp_proxy_call_finish (proxy, g_ptr_array_index (results, i),
                                                        &error);
      int answer = 0;

      g_assert_no_error (error);
      g_variant_get (value, "(i)", &answer);
      g_assert_cmpint (answer, ==, 1);
    }
}

/* Answered from another thread, maybe before its dispatch returns: each
 * call ends once */
static void
test_answer_from_thread (Fixture       *f,
                         gconstpointer  data)
{
  GThreadPool *pool = g_thread_pool_new (answer_in_thread, NULL, 2, FALSE, NULL);

  start (f, call_many);
  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (thread_handler), pool);
  pp_test_child_wait (&f->child);
  g_thread_pool_free (pool, FALSE, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/Pp/Listener/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("added-method-result", test_added_method_result);
  ADD ("handler-drops", test_handler_drops);
  ADD ("unknown", test_unknown);
  ADD ("answer-twice", test_answer_twice);
  ADD ("cancel-held", test_cancel_held);
  ADD ("close-cancels", test_close_cancels);
  ADD ("answer-from-thread", test_answer_from_thread);

  return g_test_run ();
}
