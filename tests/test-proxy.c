/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Calls across a real process boundary: the object lives in a child
 * process (pp-test-server), the proxy here. */

#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <string.h>

#include <gio/gfiledescriptorbased.h>

#include "pp-test-object.h"
#include "pp-test-util.h"

/* g_assert_cmpvariant() does not sink a floating expected value */
#define assert_variant(actual, expected) \
  G_STMT_START { \
    g_autoptr(GVariant) expected_ = g_variant_ref_sink (expected); \
    g_assert_cmpvariant (actual, expected_); \
  } G_STMT_END

typedef PpTestFixture Fixture;

#define fixture_set_up    pp_test_fixture_set_up
#define fixture_tear_down pp_test_fixture_tear_down
#define call(f, method, parameters) pp_test_call ((f)->proxy, method, parameters)

static void
call_expect_error (Fixture    *f,
                   const char *method,
                   GVariant   *parameters,
                   GQuark      domain,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = pp_proxy_call_sync (f->proxy, method, parameters, -1, NULL, &error);

  g_test_message ("%s: %s", method, error ? error->message : "no error");
  g_assert_error (error, domain, code);
  g_assert_null (result);
}

static void
test_handshake (Fixture       *f,
                gconstpointer  data)
{
  g_assert_cmpstr (pp_proxy_get_remote_type_name (f->proxy), ==, "PpTestObject");
  g_assert_false (pp_proxy_is_closed (f->proxy));
  g_assert_cmpint (pp_proxy_get_default_timeout (f->proxy), ==, 25000);
}

static void
new_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PpProxy **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pp_proxy_new_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_handshake_async (void)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;

  pp_proxy_new_async (peer->stream, NULL, NULL, new_async_cb, &proxy);
  while (proxy == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "PpTestObject");
  result = pp_proxy_call_sync (proxy, "get_parameter", NULL, -1, NULL, &error);
  g_assert_no_error (error);
  assert_variant (result, g_variant_new ("(i)", 0));
}

static void
test_parameter (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GVariant) r1 = call (f, "set_parameter", g_variant_new ("(i)", 5));
  g_autoptr(GVariant) r2 = call (f, "get_parameter", NULL);

  assert_variant (r1, g_variant_new ("()"));
  assert_variant (r2, g_variant_new ("(i)", 5));
}

static void
assert_echo (Fixture  *f,
             const char *method,
             GVariant *value)
{
  g_autoptr(GVariant) args = g_variant_ref_sink (g_variant_new_tuple (&value, 1));
  g_autoptr(GVariant) result = call (f, method, args);

  g_assert_cmpvariant (result, args);
}

static void
test_types (Fixture       *f,
            gconstpointer  data)
{
  static const char * const strv[] = { "a", "bé", "", NULL };
  static const guint8 raw[] = { 0, 1, 2, 255, 0 };

  assert_echo (f, "echo_boolean", g_variant_new_boolean (TRUE));
  assert_echo (f, "echo_boolean", g_variant_new_boolean (FALSE));
  assert_echo (f, "echo_int8", g_variant_new_int16 (-128));
  assert_echo (f, "echo_int8", g_variant_new_int16 (127));
  assert_echo (f, "echo_uint8", g_variant_new_byte (255));
  assert_echo (f, "echo_int16", g_variant_new_int16 (G_MININT16));
  assert_echo (f, "echo_uint16", g_variant_new_uint16 (G_MAXUINT16));
  assert_echo (f, "echo_int32", g_variant_new_int32 (G_MININT32));
  assert_echo (f, "echo_uint32", g_variant_new_uint32 (G_MAXUINT32));
  assert_echo (f, "echo_int64", g_variant_new_int64 (G_MININT64));
  assert_echo (f, "echo_uint64", g_variant_new_uint64 (G_MAXUINT64));
  assert_echo (f, "echo_float", g_variant_new_double (1.5));
  assert_echo (f, "echo_double", g_variant_new_double (-2.25e300));
  assert_echo (f, "echo_string", g_variant_new_string ("héllo wörld"));
  assert_echo (f, "echo_string", g_variant_new_string (""));
  assert_echo (f, "echo_filename", g_variant_new_bytestring ("/tmp/\xff\xfe-not-utf8"));
  assert_echo (f, "echo_strv", g_variant_new_strv (strv, -1));
  assert_echo (f, "echo_bytes", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, raw, sizeof raw, 1));
  assert_echo (f, "echo_byte_array", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, raw, sizeof raw, 1));
  assert_echo (f, "echo_variant", g_variant_new_variant (g_variant_new ("(sa{sv})", "x", NULL)));
  assert_echo (f, "echo_color", g_variant_new_int32 (PP_TEST_COLOR_BLUE));
  assert_echo (f, "echo_flags", g_variant_new_uint32 (PP_TEST_FLAGS_A | PP_TEST_FLAGS_C));
  assert_echo (f, "echo_gtype", g_variant_new_string ("GObject"));
  assert_echo (f, "echo_gtype", g_variant_new_string ("PpTestObject"));
  assert_echo (f, "echo_nullable_string", g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL));
  assert_echo (f, "echo_nullable_string", g_variant_new_maybe (NULL, g_variant_new_string ("x")));
}

static void
test_arrays (Fixture       *f,
             gconstpointer  data)
{
  static const gint32 values[] = { 1, 2, 3, -10 };
  g_autoptr(GVariant) sum = NULL;
  g_autoptr(GVariant) empty = NULL;
  g_autoptr(GVariant) doubles = NULL;
  g_autoptr(GVariant) none = NULL;

  sum = call (f, "sum_int_array",
              g_variant_new ("(@ai)", g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, values,
                                                                 G_N_ELEMENTS (values), 4)));
  assert_variant (sum, g_variant_new ("(x)", (gint64) -4));

  empty = call (f, "sum_int_array", g_variant_new_parsed ("(@ai [],)"));
  assert_variant (empty, g_variant_new ("(x)", (gint64) 0));

  doubles = call (f, "make_double_array", g_variant_new ("(u)", 3));
  assert_variant (doubles, g_variant_new_parsed ("([0.5, 1.5, 2.5],)"));

  none = call (f, "make_double_array", g_variant_new ("(u)", 0));
  assert_variant (none, g_variant_new_parsed ("(@ad [],)"));
}

static void
test_out_args (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GVariant) divided = call (f, "divide", g_variant_new ("(ii)", 17, 5));
  g_autoptr(GVariant) incremented = call (f, "increment", g_variant_new ("(i)", 41));
  g_autoptr(GVariant) split = call (f, "split_string", g_variant_new ("(s)", "first and rest"));
  g_autoptr(GVariant) unsplit = call (f, "split_string", g_variant_new ("(s)", "single"));

  assert_variant (divided, g_variant_new ("(bii)", TRUE, 3, 2));
  assert_variant (incremented, g_variant_new ("(i)", 42));
  assert_variant (split, g_variant_new_parsed ("('first', @ms 'and rest')"));
  assert_variant (unsplit, g_variant_new_parsed ("('single', @ms nothing)"));
}

static void
test_large_payload (Fixture       *f,
                    gconstpointer  data)
{
  gsize size = 8 * 1024 * 1024 + 3;
  g_autofree guint8 *payload = g_malloc (size);
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) bytes = NULL;
  gconstpointer echoed;
  gsize echoed_size;

  for (gsize i = 0; i < size; i++)
    payload[i] = (guint8) (i * 7 + (i >> 13));

  result = call (f, "echo_bytes",
                 g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload,
                                                                    size, 1)));
  bytes = g_variant_get_child_value (result, 0);
  echoed = g_variant_get_fixed_array (bytes, &echoed_size, 1);
  g_assert_cmpmem (echoed, echoed_size, payload, size);
}

static void
test_remote_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *domain = NULL;
  int code = 0;

  /* Known here: the error keeps domain, code and message. */
  pp_test_error_quark ();
  result = pp_proxy_call_sync (f->proxy, "divide", g_variant_new ("(ii)", 7, 0), -1, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, PP_TEST_ERROR, PP_TEST_ERROR_DIVIDE_BY_ZERO);
  g_assert_cmpstr (error->message, ==, "Division of 7 by zero");
  g_clear_error (&error);

  call_expect_error (f, "fail_with_io_error", NULL, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  /* Known only to the listener's process: kept by name. */
  result = pp_proxy_call_sync (f->proxy, "hook_fail", NULL, -1, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_REMOTE_ERROR);
  g_assert_true (pp_error_get_remote (error, &domain, &code));
  g_assert_cmpstr (domain, ==, "pp-server-only-error-quark");
  g_assert_cmpint (code, ==, 42);
  g_assert_nonnull (strstr (error->message, "only the server knows this domain"));
  g_assert_cmpint (g_quark_try_string ("pp-server-only-error-quark"), ==, 0);
}

static void
test_unknown_method (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = pp_proxy_call_sync (f->proxy, "no_such_method", NULL, -1, NULL,
                                                   &error);

  g_assert_error (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD);
  g_assert_nonnull (strstr (error->message, "no_such_method"));
}

static void
test_wrong_arguments (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (f->proxy, "set_parameter", g_variant_new ("(s)", "five"), -1,
                               NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "expects (i), got (s)"));
  g_clear_error (&error);

  result = pp_proxy_call_sync (f->proxy, "set_parameter", g_variant_new ("(ii)", 1, 2), -1,
                               NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "expects (i), got (ii)"));
  g_clear_error (&error);

  call_expect_error (f, "set_parameter", NULL, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "echo_color", g_variant_new ("(i)", 3), PP_ERROR,
                     PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "echo_flags", g_variant_new ("(u)", 8), PP_ERROR,
                     PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "echo_int8", g_variant_new ("(n)", 128), PP_ERROR,
                     PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "echo_gtype", g_variant_new ("(s)", "NoSuchType"), PP_ERROR,
                     PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "echo_filename",
                     g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "abc",
                                                                        3, 1)),
                     PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "concat", g_variant_new ("(i)", 1), PP_ERROR,
                     PP_ERROR_INVALID_ARGUMENTS);

  /* Nothing of that reached the object */
  {
    g_autoptr(GVariant) parameter = call (f, "get_parameter", NULL);
    assert_variant (parameter, g_variant_new ("(i)", 0));
  }
}

static void
test_dangerous_methods (Fixture       *f,
                        gconstpointer  data)
{
  static const char * const denied[] = {
    "set_callback", "get_pointer", "take_pointer", "steal_name",
    "ref", "unref", "ref_sink", "run_dispose", "freeze_notify", "thaw_notify",
    "set_data", "get_data", "weak_ref", "set_property",
  };
  static const char * const unsupported[] = { "take_point" };
  g_autoptr(GVariant) count = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (denied); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = pp_proxy_call_sync (f->proxy, denied[i], NULL, -1, NULL, &error);

      g_test_message ("%s: %s", denied[i], error ? error->message : "no error");
      g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
    }

  for (guint i = 0; i < G_N_ELEMENTS (unsupported); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = pp_proxy_call_sync (f->proxy, unsupported[i], NULL, -1, NULL,
                                                       &error);

      g_test_message ("%s: %s", unsupported[i], error ? error->message : "no error");
      g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
      g_assert_nonnull (strstr (error->message, unsupported[i]));
    }

  count = call (f, "get_dangerous_call_count", NULL);
  assert_variant (count, g_variant_new ("(u)", 0));
}

static void
test_dispatch_kinds (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GVariant) base = call (f, "get_base_name", NULL);
  g_autoptr(GVariant) greeting = call (f, "greet", g_variant_new ("(s)", "Ada"));
  g_autoptr(GVariant) sum1 = call (f, "add_numbers", g_variant_new ("(ii)", 2, 3));
  g_autoptr(GVariant) sum2 = call (f, "add-numbers", g_variant_new ("(ii)", -2, 3));
  g_autoptr(GVariant) set = call (f, "set_parameter", g_variant_new ("(i)", 9));
  g_autoptr(GVariant) reset = call (f, "reset", NULL);
  g_autoptr(GVariant) parameter = call (f, "get_parameter", NULL);
  g_autoptr(GVariant) concat = call (f, "concat", g_variant_new ("(ss)", "pipe", "proxy"));
  g_autoptr(GVariant) hook = call (f, "hook_anything", g_variant_new ("(u)", 7));

  assert_variant (base, g_variant_new ("(s)", "base"));
  assert_variant (greeting, g_variant_new ("(s)", "Hello, Ada!"));
  assert_variant (sum1, g_variant_new ("(i)", 5));
  assert_variant (sum2, g_variant_new ("(i)", 1));
  assert_variant (parameter, g_variant_new ("(i)", 0));
  assert_variant (concat, g_variant_new ("(s)", "pipeproxy"));
  assert_variant (hook, g_variant_new_parsed ("('hook_anything', (uint32 7,))"));
  call_expect_error (f, "add_numbers", g_variant_new ("(i)", 2), PP_ERROR,
                     PP_ERROR_INVALID_ARGUMENTS);
  call_expect_error (f, "concat", g_variant_new ("(ss)", "", "x"), G_IO_ERROR,
                     G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_inherited_gio_method (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GVariant) n = call (f, "get_n_items", NULL);
  g_autoptr(GVariant) mutable = call (f, "is_mutable", NULL);

  g_assert_cmpstr (pp_proxy_get_remote_type_name (f->proxy), ==, "GMenu");
  assert_variant (n, g_variant_new ("(i)", 2));
  assert_variant (mutable, g_variant_new ("(b)", TRUE));
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) after = NULL;

  /* The error itself shows that the time-out ended the call, since the
   * reply comes later: no bound on the time, which a busy machine
   * stretches */
  result = pp_proxy_call_sync (f->proxy, "sleep_msec", g_variant_new ("(u)", 1000), 50, NULL,
                               &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_TIMED_OUT);

  /* The late reply is dropped; the next call gets its own. */
  after = call (f, "echo_int32", g_variant_new ("(i)", 77));
  assert_variant (after, g_variant_new ("(i)", 77));
}

static void
async_error_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **out = user_data;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, out);

  g_assert_null (value);
  g_assert_nonnull (*out);
}

static void
async_error_or_done_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, NULL);

  *(gboolean *) user_data = TRUE;
}

static void
test_timeout_async (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  pp_proxy_call_async (f->proxy, "sleep_msec", g_variant_new ("(u)", 300), 30, NULL,
                       async_error_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, PP_ERROR, PP_ERROR_TIMED_OUT);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (50 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancellable2 = g_cancellable_new ();
  g_autoptr(GCancellable) already = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) async_error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) after = NULL;
  GThread *thread;

  thread = g_thread_new ("cancel", cancel_later, cancellable);
  result = pp_proxy_call_sync (f->proxy, "sleep_msec", g_variant_new ("(u)", 300), -1,
                               cancellable, &error);
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_cancellable_cancel (already);
  result = pp_proxy_call_sync (f->proxy, "get_parameter", NULL, -1, already, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  pp_proxy_call_async (f->proxy, "sleep_msec", g_variant_new ("(u)", 300), -1, cancellable2,
                       async_error_cb, &async_error);
  g_cancellable_cancel (cancellable2);
  while (async_error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (async_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  after = call (f, "echo_int32", g_variant_new ("(i)", 78));
  assert_variant (after, g_variant_new ("(i)", 78));
}

typedef struct
{
  guint  n_done;
  guint  next_expected;
  gboolean in_order;
} Pipelined;

typedef struct
{
  Pipelined *state;
  gint32     value;
} PipelinedCall;

static void
pipelined_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PipelinedCall *pc = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, &error);
  gint32 echoed;

  g_assert_no_error (error);
  g_variant_get (value, "(i)", &echoed);
  g_assert_cmpint (echoed, ==, pc->value);
  if ((guint) pc->value != pc->state->next_expected)
    pc->state->in_order = FALSE;
  pc->state->next_expected++;
  pc->state->n_done++;
  g_free (pc);
}

static void
test_pipelined (Fixture       *f,
                gconstpointer  data)
{
  Pipelined state = { 0, 0, TRUE };

  for (int i = 0; i < 1000; i++)
    {
      PipelinedCall *pc = g_new0 (PipelinedCall, 1);

      pc->state = &state;
      pc->value = i;
      pp_proxy_call_async (f->proxy, "echo_int32", g_variant_new ("(i)", i), -1, NULL,
                           pipelined_cb, pc);
    }

  while (state.n_done < 1000)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (state.in_order);
}

typedef struct
{
  PpProxy *proxy;
  int      id;
  guint    ok;
} ThreadData;

static gpointer
calling_thread (gpointer data)
{
  ThreadData *td = data;

  for (int i = 0; i < 250; i++)
    {
      g_autoptr(GError) error = NULL;
      gint32 value = td->id * 100000 + i;
      g_autoptr(GVariant) result = pp_proxy_call_sync (td->proxy, "echo_int32",
                                                       g_variant_new ("(i)", value), -1, NULL,
                                                       &error);
      gint32 echoed;

      g_assert_no_error (error);
      g_variant_get (result, "(i)", &echoed);
      g_assert_cmpint (echoed, ==, value);
      td->ok++;
    }
  return NULL;
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  ThreadData td[4];
  GThread *threads[4];
  Pipelined state = { 0, 0, TRUE };

  /* Async calls answered in this thread's context while four threads make
   * sync calls on the same proxy. */
  for (int i = 0; i < 100; i++)
    {
      PipelinedCall *pc = g_new0 (PipelinedCall, 1);

      pc->state = &state;
      pc->value = i;
      pp_proxy_call_async (f->proxy, "echo_int32", g_variant_new ("(i)", i), -1, NULL,
                           pipelined_cb, pc);
    }

  for (int i = 0; i < 4; i++)
    {
      td[i] = (ThreadData) { f->proxy, i + 1, 0 };
      threads[i] = g_thread_new ("caller", calling_thread, &td[i]);
    }

  while (state.n_done < 100)
    g_main_context_iteration (NULL, TRUE);

  for (int i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (td[i].ok, ==, 250);
    }
  g_assert_true (state.in_order);
}

typedef struct
{
  guint    n_failed;
  guint    n_closed;
  gboolean wrong_error;
} KillState;

static void
killed_call_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KillState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  if (!g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED))
    state->wrong_error = TRUE;
  state->n_failed++;
}

static void
killed_closed_cb (PpProxy      *proxy,
                  const GError *error,
                  gpointer      user_data)
{
  KillState *state = user_data;

  g_assert_error ((GError *) error, PP_ERROR, PP_ERROR_DISCONNECTED);
  state->n_closed++;
}

static void
test_peer_killed (Fixture       *f,
                  gconstpointer  data)
{
  KillState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  gint64 killed_at;

  g_signal_connect (f->proxy, "closed", G_CALLBACK (killed_closed_cb), &state);

  /* The first call keeps the listener busy; the others queue behind it. */
  for (int i = 0; i < 100; i++)
    pp_proxy_call_async (f->proxy, "sleep_msec", g_variant_new ("(u)", 10000), G_MAXINT, NULL,
                         killed_call_cb, &state);

  /* Let the calls reach the child before it dies */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (50 * 1000);

  killed_at = g_get_monotonic_time ();
  g_subprocess_send_signal (f->peer->process, SIGKILL);

  while (state.n_failed < 100 || state.n_closed < 1)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("all calls failed %.1f ms after SIGKILL",
                  (g_get_monotonic_time () - killed_at) / 1000.0);
  /* Long before any call could end on its own: the end was seen, not
   * waited out (a generous bound, for a busy machine) */
  g_assert_cmpint (g_get_monotonic_time () - killed_at, <, 8 * G_USEC_PER_SEC);
  g_assert_false (state.wrong_error);

  /* Nothing more arrives, and later calls fail at once. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (state.n_closed, ==, 1);
  g_assert_cmpuint (state.n_failed, ==, 100);
  g_assert_true (pp_proxy_is_closed (f->proxy));

  result = pp_proxy_call_sync (f->proxy, "get_parameter", NULL, -1, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
}

static void
test_close (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *output = NULL;

  pp_proxy_close (f->proxy);
  g_assert_true (pp_proxy_is_closed (f->proxy));

  result = pp_proxy_call_sync (f->proxy, "get_parameter", NULL, -1, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);

  /* The listener sees the end and its process exits by itself. */
  output = pp_test_peer_wait (f->peer);
  g_assert_nonnull (strstr (output, "# closed: pp-error-quark 1 "));
}

static void
test_pipes (void)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", TRUE);
  g_autoptr(PpProxy) proxy = pp_test_peer_proxy (peer);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) set = NULL;
  g_autoptr(GVariant) get = NULL;
  g_autoptr(GVariant) failed = NULL;
  g_autofree char *output = NULL;

  set = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 11), -1, NULL, &error);
  g_assert_no_error (error);
  get = pp_proxy_call_sync (proxy, "get_parameter", NULL, -1, NULL, &error);
  g_assert_no_error (error);
  assert_variant (get, g_variant_new ("(i)", 11));

  failed = pp_proxy_call_sync (proxy, "fail_with_io_error", NULL, -1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  g_clear_object (&proxy);
  output = pp_test_peer_wait (peer);
  g_assert_nonnull (strstr (output, "# closed: pp-error-quark 1 "));
}

static void
test_async_method (PpTestFixture *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) waited = call (f, "wait", g_variant_new ("(u)", 10));
  g_autoptr(GVariant) waited2 = call (f, "wait_async", g_variant_new ("(u)", 1));
  g_autoptr(GListModel) methods = pp_proxy_list_methods (f->proxy);
  gboolean listed = FALSE;

  assert_variant (waited, g_variant_new ("(b)", TRUE));
  assert_variant (waited2, g_variant_new ("(b)", TRUE));
  for (guint i = 0; i < g_list_model_get_n_items (methods); i++)
    {
      g_autoptr(PpMethodMember) member = g_list_model_get_item (methods, i);

      if (g_str_equal (pp_member_get_name (PP_MEMBER (member)), "wait_async"))
        {
          listed = TRUE;
          g_assert_cmpstr (pp_method_member_get_in_signature (member), ==, "(u)");
          g_assert_cmpstr (pp_method_member_get_out_signature (member), ==, "(b)");
          g_assert_cmpint (pp_method_member_get_dispatch (member), ==, PP_METHOD_DISPATCH_ASYNC);
        }
    }
  g_assert_true (listed);
}

static void
test_cancel_async_method (PpTestFixture *f,
                          gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) count = NULL;
  guint cancelled = 0;
  gint64 start = g_get_monotonic_time ();

  pp_proxy_call_async (f->proxy, "wait", g_variant_new ("(u)", 10000), -1, cancellable,
                       async_error_cb, &error);
  g_usleep (50 * 1000);
  g_cancellable_cancel (cancellable);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* The remote method's own cancellable fired: the child counts it. */
  while (cancelled == 0)
    {
      g_clear_pointer (&count, g_variant_unref);
      count = call (f, "get_cancelled_count", NULL);
      g_variant_get (count, "(u)", &cancelled);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
    }
  g_assert_cmpuint (cancelled, ==, 1);
}

static void
test_cancel_reaches_handler (PpTestFixture *f,
                             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint cancellations = 0;
  gint64 start = g_get_monotonic_time ();

  pp_proxy_call_async (f->proxy, "hook_wait_for_cancel", NULL, -1, cancellable,
                       async_error_cb, &error);
  g_usleep (20 * 1000);
  g_cancellable_cancel (cancellable);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The handler's invocation was told through its cancellable */
  while (cancellations == 0)
    {
      g_autoptr(GVariant) count = call (f, "hook_cancellations", NULL);

      g_variant_get (count, "(u)", &cancellations);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
    }
  g_assert_cmpuint (cancellations, ==, 1);
}

static void
test_deadline (PpTestFixture *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) parameter = NULL;
  gboolean busy_done = FALSE;

  /* The listener is busy for 300 ms; a call that gives up after 50 ms is
   * not started when the listener gets to it. */
  pp_proxy_call_async (f->proxy, "sleep_msec", g_variant_new ("(u)", 300), -1, NULL,
                       async_error_or_done_cb, &busy_done);
  result = pp_proxy_call_sync (f->proxy, "set_parameter", g_variant_new ("(i)", 9), 50, NULL,
                               &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_TIMED_OUT);

  parameter = call (f, "get_parameter", NULL);
  assert_variant (parameter, g_variant_new ("(i)", 0));

  while (!busy_done)
    g_main_context_iteration (NULL, TRUE);
}

/* A listener that reads the HELLO long after it was sent must not take
 * that delay for a difference of clocks: on one machine the clock is the
 * same, and the deadlines keep their meaning. */
static void
test_deadline_late_hello (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *server = g_test_build_filename (G_TEST_BUILT, "pp-test-server", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) parameter = NULL;
  g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new ("(i)", 0));
  gboolean busy_done = FALSE;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  process = g_subprocess_launcher_spawn (launcher, &error, server, "--start-after-msec=600",
                                         NULL);
  g_assert_no_error (error);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  g_assert_no_error (error);

  /* As in test_deadline: the listener gets to the call 300 ms after a
   * caller that gave up after 50 ms; read through a difference of 600 ms
   * the deadline would still be ahead */
  pp_proxy_call_async (proxy, "sleep_msec", g_variant_new ("(u)", 300), -1, NULL,
                       async_error_or_done_cb, &busy_done);
  result = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 9), 50, NULL,
                               &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_TIMED_OUT);
  parameter = pp_test_call (proxy, "get_parameter", NULL);
  g_assert_cmpvariant (parameter, expected);
  while (!busy_done)
    g_main_context_iteration (NULL, TRUE);
  pp_proxy_close (proxy);
  g_subprocess_wait (process, NULL, NULL);
}

static void
test_stream_without_fd (void)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;
  g_autoptr(GIOStream) wrapped = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) async_error = NULL;
  g_autoptr(GVariant) get = NULL;
  g_autofree char *output_text = NULL;
  Pipelined state = { 0, 0, TRUE };

  /* Filter streams have no descriptor to poll, like a TLS connection. */
  input = G_INPUT_STREAM (g_data_input_stream_new (g_io_stream_get_input_stream (peer->stream)));
  output = G_OUTPUT_STREAM (g_data_output_stream_new (g_io_stream_get_output_stream (peer->stream)));
  g_assert_false (G_IS_FILE_DESCRIPTOR_BASED (input));
  wrapped = g_simple_io_stream_new (input, output);

  proxy = pp_proxy_new_sync (wrapped, NULL, NULL, &error);
  g_assert_no_error (error);

  g_variant_unref (pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 3), -1,
                                       NULL, &error));
  g_assert_no_error (error);
  get = pp_proxy_call_sync (proxy, "get_parameter", NULL, -1, NULL, &error);
  g_assert_no_error (error);
  assert_variant (get, g_variant_new ("(i)", 3));

  for (int i = 0; i < 100; i++)
    {
      PipelinedCall *pc = g_new0 (PipelinedCall, 1);

      pc->state = &state;
      pc->value = i;
      pp_proxy_call_async (proxy, "echo_int32", g_variant_new ("(i)", i), -1, NULL,
                           pipelined_cb, pc);
    }
  while (state.n_done < 100)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (state.in_order);

  pp_proxy_call_async (proxy, "sleep_msec", g_variant_new ("(u)", 300), 30, NULL,
                       async_error_cb, &async_error);
  while (async_error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (async_error, PP_ERROR, PP_ERROR_TIMED_OUT);

  pp_proxy_close (proxy);
  g_clear_object (&proxy);

  /* The end reaches the wrapped stream, which gets closed in this context */
  while (!g_io_stream_is_closed (wrapped))
    g_main_context_iteration (NULL, TRUE);

  /* Closing a socket connection's streams leaves its socket open. */
  g_io_stream_close (peer->stream, NULL, NULL);
  output_text = pp_test_peer_wait (peer);
  g_assert_nonnull (strstr (output_text, "# closed: pp-error-quark 1 "));
}

static void
test_pair_in_process_thread (void)
{
  /* pp_listener_new_pair() is the one-call start; here its proxy end goes
   * to a child that was forked after it was made. */
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(GIOStream) proxy_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpListener) listener = NULL;
  int status;
  GPid pid;

  if (g_getenv ("PP_TEST_UNDER_VALGRIND") != NULL)
    {
      /* valgrind applies its exit code to the forked child too, which
       * exits with what it still holds. */
      g_test_skip ("fork() under valgrind");
      return;
    }

  listener = pp_listener_new_pair (G_OBJECT (object), &proxy_stream, &error);
  g_assert_no_error (error);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(PpProxy) proxy = NULL;
      g_autoptr(GVariant) result = NULL;

      g_main_context_push_thread_default (context);
      proxy = pp_proxy_new_sync (proxy_stream, NULL, NULL, NULL);
      if (proxy == NULL)
        _exit (10);
      result = pp_proxy_call_sync (proxy, "set_parameter", g_variant_new ("(i)", 5), -1, NULL,
                                   NULL);
      _exit (result != NULL ? 0 : 11);
    }

  g_io_stream_close (proxy_stream, NULL, NULL);
  while (pp_test_object_get_parameter (object) != 5 && !pp_listener_is_closed (listener))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pp_test_object_get_parameter (object), ==, 5);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/Pp/Proxy/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  /* First, while this process has no threads: fork() copies only the
   * calling thread, and a lock held by another one would stay locked in
   * the child. */
  g_test_add_func ("/Pp/Proxy/pair-forked", test_pair_in_process_thread);

  ADD ("handshake", test_handshake, NULL);
  g_test_add_func ("/Pp/Proxy/handshake-async", test_handshake_async);
  ADD ("parameter", test_parameter, NULL);
  ADD ("types", test_types, NULL);
  ADD ("arrays", test_arrays, NULL);
  ADD ("out-args", test_out_args, NULL);
  ADD ("large-payload", test_large_payload, NULL);
  ADD ("remote-errors", test_remote_errors, NULL);
  ADD ("unknown-method", test_unknown_method, NULL);
  ADD ("wrong-arguments", test_wrong_arguments, NULL);
  ADD ("dangerous-methods", test_dangerous_methods, NULL);
  ADD ("dispatch-kinds", test_dispatch_kinds, NULL);
  ADD ("inherited-gio-method", test_inherited_gio_method, "menu");
  ADD ("timeout", test_timeout, NULL);
  ADD ("timeout-async", test_timeout_async, NULL);
  ADD ("cancel", test_cancel, NULL);
  ADD ("pipelined", test_pipelined, NULL);
  ADD ("async-method", test_async_method, NULL);
  ADD ("cancel-async-method", test_cancel_async_method, NULL);
  ADD ("deadline", test_deadline, NULL);
  ADD ("cancel-reaches-handler", test_cancel_reaches_handler, NULL);
  ADD ("threads", test_threads, NULL);
  ADD ("peer-killed", test_peer_killed, NULL);
  ADD ("close", test_close, NULL);
  g_test_add_func ("/Pp/Proxy/pipes", test_pipes);
  g_test_add_func ("/Pp/Proxy/deadline-late-hello", test_deadline_late_hello);
  g_test_add_func ("/Pp/Proxy/stream-without-fd", test_stream_without_fd);

  return g_test_run ();
}
