/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The listener's answer path, in one process and one thread: whatever
 * answers a call (an added method, a handler, nobody) ends it through one
 * PpInvocation, which checks the result's type where it is known, answers
 * once, and is cancelled when the caller gives up or the connection ends. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

typedef struct
{
  GObject      *object;
  PpListener   *listener;
  PpProxy      *proxy;
  PpInvocation *held;       /* kept by hold_handler() */
} Fixture;

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

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GIOStream) proxy_stream = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  f->object = g_object_new (G_TYPE_OBJECT, NULL);
  f->listener = pp_listener_new_pair (f->object, &proxy_stream, &error);
  g_assert_no_error (error);

  /* The listener answers in this thread's context: asynchronously only */
  pp_proxy_new_async (proxy_stream, NULL, NULL, got_result, &result);
  f->proxy = pp_proxy_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->held);
  g_clear_object (&f->proxy);
  g_clear_object (&f->listener);
  g_clear_object (&f->object);
}

static GVariant *
call (Fixture       *f,
      const char    *method,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pp_proxy_call_async (f->proxy, method, NULL, -1, cancellable, got_result, &result);
  return pp_proxy_call_finish (f->proxy, wait_result (&result), error);
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

static void
test_added_method_result (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  pp_listener_add_method (f->listener, "wrong_type", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          wrong_type, NULL, NULL);
  pp_listener_add_method (f->listener, "no_reason", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          no_reason, NULL, NULL);

  g_test_expect_message ("Pp", G_LOG_LEVEL_WARNING, "*must return (i), not (s)*");
  result = call (f, "wrong_type", NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "wrong type"));
  g_clear_error (&error);

  result = call (f, "no_reason", NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "without saying why"));
}

static gboolean
hold_handler (PpListener   *listener,
              const char   *method_name,
              GVariant     *parameters,
              PpInvocation *invocation,
              Fixture      *f)
{
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

/* A handler that takes a call and drops it answers with an error */
static void
test_handler_drops (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (drop_handler), NULL);
  result = call (f, "anything", NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no answer"));
}

/* No handler for a name: unknown, answered once */
static void
test_unknown (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = call (f, "nothing_answers", NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD);
}

static void
test_answer_twice (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (hold_handler), f);
  pp_proxy_call_async (f->proxy, "later", NULL, -1, NULL, got_result, &result);
  while (f->held == NULL)
    g_main_context_iteration (NULL, TRUE);

  pp_invocation_return_value (f->held, g_variant_new ("(i)", 7));
  g_test_expect_message ("Pp", G_LOG_LEVEL_CRITICAL, "*already answered*");
  pp_invocation_return_value (f->held, g_variant_new ("(i)", 8));
  g_test_assert_expected_messages ();

  value = pp_proxy_call_finish (f->proxy, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (value), ==, "(i)");
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
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  gboolean cancelled = FALSE;

  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (hold_handler), f);
  pp_proxy_call_async (f->proxy, "later", NULL, -1, cancellable, got_result, &result);
  while (f->held == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_cancellable_connect (pp_invocation_get_cancellable (f->held), G_CALLBACK (note_cancelled),
                         &cancelled, NULL);
  g_cancellable_cancel (cancellable);
  value = pp_proxy_call_finish (f->proxy, wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  while (!cancelled)
    g_main_context_iteration (NULL, TRUE);

  /* The late answer is dropped by the caller */
  pp_invocation_return_error_literal (f->held, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
}

/* The connection ends: a call answered later is cancelled, also when its
 * cancellable is first asked for afterwards */
static void
test_close_cancels (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (hold_handler), f);
  pp_proxy_call_async (f->proxy, "later", NULL, -1, NULL, got_result, &result);
  while (f->held == NULL)
    g_main_context_iteration (NULL, TRUE);

  pp_listener_close (f->listener);
  value = pp_proxy_call_finish (f->proxy, wait_result (&result), &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
  while (!g_cancellable_is_cancelled (pp_invocation_get_cancellable (f->held)))
    g_main_context_iteration (NULL, TRUE);

  pp_invocation_return_value (f->held, NULL);
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

/* Answered from another thread, maybe before its dispatch returns: each
 * call ends once and leaves no trace in the table of running calls */
static void
test_answer_from_thread (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  GThreadPool *pool = g_thread_pool_new (answer_in_thread, NULL, 2, FALSE, NULL);
  guint n_done = 0;

  g_signal_connect (f->listener, "handle-method-call", G_CALLBACK (thread_handler), pool);
  g_ptr_array_set_size (results, 200);
  for (guint i = 0; i < results->len; i++)
    pp_proxy_call_async (f->proxy, "in_thread", NULL, -1, NULL, got_result,
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
      g_autoptr(GVariant) value = pp_proxy_call_finish (f->proxy,
                                                        g_ptr_array_index (results, i), &error);

      g_assert_no_error (error);
    }
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
