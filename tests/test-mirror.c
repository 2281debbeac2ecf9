/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The proxy looks like the object: its signals, properties and
 * self-description, across a real process boundary. */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pp-test-object.h"
#include "pp-test-util.h"

typedef PpTestFixture Fixture;

#define fixture_set_up    pp_test_fixture_set_up
#define fixture_tear_down pp_test_fixture_tear_down
#define call(f, method, parameters) pp_test_call ((f)->proxy, method, parameters)

static gboolean
remote_has_handlers (Fixture    *f,
                     const char *signal_name)
{
  g_autoptr(GVariant) result = call (f, "has_handlers", g_variant_new ("(s)", signal_name));
  gboolean has;

  g_variant_get (result, "(b)", &has);
  return has;
}

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gpointer
find_member (GListModel *list,
             const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (list, i);

      if (g_str_equal (pp_member_get_name (member), name))
        return g_steal_pointer (&member);
    }
  return NULL;
}

static void
test_description (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GListModel) methods = pp_proxy_list_methods (f->proxy);
  g_autoptr(GListModel) signals = pp_proxy_list_signals (f->proxy);
  g_autoptr(GListModel) props = pp_proxy_list_properties (f->proxy);
  g_autoptr(PpMethodMember) divide = find_member (methods, "divide");
  g_autoptr(PpMethodMember) greet = find_member (methods, "greet");
  g_autoptr(PpMethodMember) action = find_member (methods, "add-numbers");
  g_autoptr(PpMethodMember) added = find_member (methods, "concat");
  g_autoptr(PpMethodMember) callback = find_member (methods, "set_callback");
  g_autoptr(PpSignalMember) many = find_member (signals, "many");
  g_autoptr(PpSignalMember) with_object = find_member (signals, "with-object");
  g_autoptr(PpSignalMember) closed = find_member (signals, "closed");
  g_autoptr(PpPropertyMember) parameter = find_member (props, "parameter");
  g_autoptr(PpPropertyMember) count = find_member (props, "count");
  g_autoptr(PpProxy) second = NULL;
  g_autoptr(PpTestPeer) peer2 = NULL;
  GVariant *description = pp_proxy_get_description (f->proxy);
  g_autofree char **chain = NULL;

  g_assert_nonnull (description);
  g_assert_true (g_variant_lookup (description, "type-chain", "^a&s", &chain));
  g_assert_cmpstr (chain[0], ==, "PpTestObject");
  g_assert_cmpstr (chain[1], ==, "PpTestBase");
  g_assert_cmpstr (chain[2], ==, "GObject");

  g_assert_true (PP_IS_METHOD_MEMBER (divide));
  g_assert_cmpstr (pp_method_member_get_in_signature (divide), ==, "(ii)");
  g_assert_cmpstr (pp_method_member_get_out_signature (divide), ==, "(bii)");
  g_assert_true (pp_method_member_get_throws (divide));
  g_assert_cmpint (pp_method_member_get_dispatch (divide), ==, PP_METHOD_DISPATCH_INTROSPECTED);
  g_assert_true (pp_member_get_available (PP_MEMBER (divide)));
  g_assert_null (pp_member_get_unavailable_reason (PP_MEMBER (divide)));
  g_assert_nonnull (greet);
  g_assert_nonnull (action);
  g_assert_cmpint (pp_method_member_get_dispatch (action), ==, PP_METHOD_DISPATCH_ACTION_SIGNAL);
  g_assert_nonnull (added);
  g_assert_cmpint (pp_method_member_get_dispatch (added), ==, PP_METHOD_DISPATCH_ADDED);
  /* A method that cannot be called is described, with the reason */
  g_assert_nonnull (callback);
  g_assert_false (pp_member_get_available (PP_MEMBER (callback)));
  g_assert_nonnull (strstr (pp_member_get_unavailable_reason (PP_MEMBER (callback)),
                            "callback"));
  g_assert_cmpstr (pp_method_member_get_in_signature (callback), ==, "");

  g_assert_true (PP_IS_SIGNAL_MEMBER (many));
  g_assert_true (pp_member_get_available (PP_MEMBER (many)));
  g_assert_cmpstr (pp_signal_member_get_signature (many), ==, "(imsdbtmas)");
  g_assert_true (pp_signal_member_get_flags (many) & G_SIGNAL_RUN_LAST);
  /* An object argument crosses as a reference */
  g_assert_nonnull (with_object);
  g_assert_true (pp_member_get_available (PP_MEMBER (with_object)));
  g_assert_cmpstr (pp_signal_member_get_signature (with_object), ==, "(mo)");
  /* A remote signal named like one of the proxy's own is not mirrored */
  if (closed != NULL)
    g_assert_false (pp_member_get_available (PP_MEMBER (closed)));

  g_assert_true (PP_IS_PROPERTY_MEMBER (parameter));
  g_assert_true (pp_member_get_available (PP_MEMBER (parameter)));
  g_assert_cmpstr (pp_property_member_get_signature (parameter), ==, "i");
  g_assert_cmpstr (pp_property_member_get_value_type_name (parameter), ==, "gint");
  g_assert_nonnull (count);
  g_assert_false (pp_property_member_get_flags (count) & G_PARAM_WRITABLE);

  /* The hash is stable for one interface, whatever the values */
  g_variant_unref (call (f, "set_parameter", g_variant_new ("(i)", 99)));
  peer2 = pp_test_peer_spawn ("test", FALSE);
  second = pp_test_peer_proxy (peer2);
  g_assert_cmpstr (pp_proxy_get_description_hash (f->proxy), ==,
                   pp_proxy_get_description_hash (second));
  g_assert_true (G_OBJECT_TYPE (f->proxy) == G_OBJECT_TYPE (second));
  g_assert_cmpint (strlen (pp_proxy_get_description_hash (f->proxy)), ==, 64);
}

/* Proxies of one mirror type share what their descriptions have in
 * common; each keeps the property values of its own handshake */
static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static PpProxy *
in_process_proxy (PpTestObject  *object,
                  PpListener   **out_listener)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  PpProxy *proxy;

  *out_listener = pp_listener_new_pair (G_OBJECT (object), &stream, &error);
  g_assert_no_error (error);
  pp_proxy_new_async (stream, NULL, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  proxy = pp_proxy_new_finish (result, &error);
  g_assert_no_error (error);
  return proxy;
}

static gint32
described_parameter (PpProxy *proxy)
{
  g_autoptr(GVariant) properties = NULL;
  GVariantIter iter;
  GVariant *value;
  const char *name;
  gint32 parameter = -1;

  g_assert_true (g_variant_lookup (pp_proxy_get_description (proxy), "properties",
                                   "@a(susssmv)", &properties));
  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_loop (&iter, "(&sus&s&smv)", &name, NULL, NULL, NULL, NULL, &value))
    if (g_str_equal (name, "parameter") && value != NULL)
      parameter = g_variant_get_int32 (value);
  return parameter;
}

static void
test_shared_description (void)
{
  g_autoptr(PpTestObject) object1 = pp_test_object_new ();
  g_autoptr(PpTestObject) object2 = pp_test_object_new ();
  g_autoptr(PpTestObject) object3 = pp_test_object_new ();
  g_autoptr(PpListener) listener1 = NULL;
  g_autoptr(PpListener) listener2 = NULL;
  g_autoptr(PpListener) listener3 = NULL;
  g_autoptr(PpProxy) proxy1 = NULL;
  g_autoptr(PpProxy) proxy2 = NULL;
  g_autoptr(PpProxy) proxy3 = NULL;
  int parameter = 0;

  pp_test_object_set_parameter (object1, 11);
  pp_test_object_set_parameter (object2, 22);
  pp_test_object_set_parameter (object3, 11);
  proxy1 = in_process_proxy (object1, &listener1);
  proxy2 = in_process_proxy (object2, &listener2);
  proxy3 = in_process_proxy (object3, &listener3);

  g_assert_true (G_OBJECT_TYPE (proxy1) == G_OBJECT_TYPE (proxy2));
  g_assert_true (G_OBJECT_TYPE (proxy1) == G_OBJECT_TYPE (proxy3));
  g_assert_cmpint (described_parameter (proxy1), ==, 11);
  g_assert_cmpint (described_parameter (proxy2), ==, 22);
  g_assert_cmpint (described_parameter (proxy3), ==, 11);
  g_object_get (proxy1, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 11);
  g_object_get (proxy2, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 22);
  g_object_get (proxy3, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 11);
  /* This test runs first: proxy1 made the type, and proxy3's handshake
   * said the same to the byte, so it keeps no copy of its own */
  g_assert_true (pp_proxy_get_description (proxy3) == pp_proxy_get_description (proxy1));
  g_assert_false (pp_proxy_get_description (proxy2) == pp_proxy_get_description (proxy1));

  /* The first proxy of the type may go: the others keep what they share */
  g_clear_object (&proxy1);
  g_assert_cmpint (described_parameter (proxy2), ==, 22);
  g_assert_cmpint (described_parameter (proxy3), ==, 11);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy2), ==, "PpTestObject");
}

static void
test_local_argument_check (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) calls_before = call (f, "get_call_count", NULL);
  g_autoptr(GVariant) calls_after = NULL;

  result = pp_proxy_call_sync (f->proxy, "set_parameter", g_variant_new ("(s)", "x"), -1, NULL,
                               &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "expects (i), got (s)"));

  /* Nothing reached the object: only get_call_count itself counted. */
  calls_after = call (f, "get_call_count", NULL);
  {
    guint before, after;

    g_variant_get (calls_before, "(u)", &before);
    g_variant_get (calls_after, "(u)", &after);
    g_assert_cmpuint (after, ==, before);
  }
}

typedef struct
{
  GPtrArray *log;
} SignalLog;

static void
on_changed (PpProxy *proxy,
            int      value,
            gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("changed %d", value));
}

static void
on_ping (PpProxy *proxy,
         gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup ("ping"));
}

static void
on_many (PpProxy            *proxy,
         int                 i,
         const char         *s,
         double              d,
         gboolean            b,
         guint64             t,
         const char * const *strv,
         gpointer            user_data)
{
  g_autofree char *joined = g_strjoinv (",", (char **) strv);

  g_ptr_array_add (user_data, g_strdup_printf ("many %d %s %.1f %d %" G_GUINT64_FORMAT " %s",
                                               i, s, d, b, t, joined));
}

static void
on_detailed (PpProxy    *proxy,
             const char *text,
             gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("detailed %s", text));
}

static void
on_numbers (PpProxy  *proxy,
            gboolean  b,
            gchar     c,
            guchar    uc,
            glong     l,
            gulong    ul,
            gfloat    f,
            gdouble   d,
            gpointer  user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("numbers %d %d %u %ld %lu %g %g",
                                               b, c, uc, l, ul, f, d));
}

static void
on_integers (PpProxy    *proxy,
             gint        i,
             guint       u,
             gint64      x,
             guint64     t,
             const char *s,
             gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strdup_printf ("integers %d %u %" G_GINT64_FORMAT " %"
                                               G_GUINT64_FORMAT " %s",
                                               i, u, x, t, s ? s : "(null)"));
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GPtrArray *log = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (log, g_strdup ("reply"));
}

static void
wait_for_reply (GPtrArray *log)
{
  guint before = log->len;

  for (;;)
    {
      for (guint i = before; i < log->len; i++)
        if (g_str_equal (g_ptr_array_index (log, i), "reply"))
          return;
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_signals (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  gulong ping_id, many_id, changed_id, detailed_id;

  ping_id = g_signal_connect (f->proxy, "ping", G_CALLBACK (on_ping), log);
  many_id = g_signal_connect (f->proxy, "many", G_CALLBACK (on_many), log);
  changed_id = g_signal_connect (f->proxy, "changed", G_CALLBACK (on_changed), log);
  detailed_id = g_signal_connect (f->proxy, "detailed::wanted", G_CALLBACK (on_detailed), log);

  /* Signals emitted during a call arrive before its reply, in order. */
  pp_proxy_call_async (f->proxy, "emit_ping", NULL, -1, NULL, async_done, log);
  wait_for_reply (log);
  pp_proxy_call_async (f->proxy, "emit_many", g_variant_new ("(i)", 3), -1, NULL, async_done, log);
  wait_for_reply (log);
  pp_proxy_call_async (f->proxy, "emit_changed_times", g_variant_new ("(u)", 3), -1, NULL,
                       async_done, log);
  wait_for_reply (log);
  pp_proxy_call_async (f->proxy, "emit_detailed", g_variant_new ("(ss)", "other", "no"), -1,
                       NULL, async_done, log);
  wait_for_reply (log);
  pp_proxy_call_async (f->proxy, "emit_detailed", g_variant_new ("(ss)", "wanted", "yes"), -1,
                       NULL, async_done, log);
  wait_for_reply (log);

  g_ptr_array_add (log, NULL);
  {
    g_autofree char *joined = g_strjoinv ("|", (char **) log->pdata);
    g_assert_cmpstr (joined, ==,
                     "ping|reply|"
                     "many 3 text 3 1.5 1 25769803776 a,b|reply|"
                     "changed 1|changed 2|changed 3|reply|"
                     "reply|"
                     "detailed yes|reply");
  }

  g_signal_handler_disconnect (f->proxy, ping_id);
  g_signal_handler_disconnect (f->proxy, many_id);
  g_signal_handler_disconnect (f->proxy, changed_id);
  g_signal_handler_disconnect (f->proxy, detailed_id);
}

/* Numbers and strings are read straight from the message: every number
 * type, at its extremes, and a NULL string arrive as they were sent */
static void
test_signal_numbers (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *expected = NULL;
  gulong numbers_id, integers_id;

  numbers_id = g_signal_connect (f->proxy, "numbers", G_CALLBACK (on_numbers), log);
  integers_id = g_signal_connect (f->proxy, "integers", G_CALLBACK (on_integers), log);

  pp_proxy_call_async (f->proxy, "emit_numbers", g_variant_new ("(b)", TRUE), -1, NULL,
                       async_done, log);
  wait_for_reply (log);
  pp_proxy_call_async (f->proxy, "emit_numbers", g_variant_new ("(b)", FALSE), -1, NULL,
                       async_done, log);
  wait_for_reply (log);

  expected = g_strdup_printf ("numbers 1 %d %u %ld %lu %g %g|"
                              "integers %d %u %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " (null)|"
                              "reply|"
                              "numbers 0 120 7 -3 4 1.5 -2.25|"
                              "integers -1 2 -3 4 h\u00e9llo|reply",
                              G_MININT8, G_MAXUINT8, G_MINLONG, G_MAXULONG,
                              -G_MAXFLOAT, G_MAXDOUBLE,
                              G_MININT32, G_MAXUINT32, G_MININT64, G_MAXUINT64);
  g_ptr_array_add (log, NULL);
  {
    g_autofree char *joined = g_strjoinv ("|", (char **) log->pdata);
    g_assert_cmpstr (joined, ==, expected);
  }

  g_signal_handler_disconnect (f->proxy, numbers_id);
  g_signal_handler_disconnect (f->proxy, integers_id);
}

static void
test_lazy_subscription (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  gulong id;

  /* Nobody watches: the listener forwards nothing */
  g_assert_false (remote_has_handlers (f, "changed"));
  g_assert_false (remote_has_handlers (f, "ping"));

  id = g_signal_connect (f->proxy, "changed", G_CALLBACK (on_changed), log);
  g_assert_true (remote_has_handlers (f, "changed"));
  g_assert_false (remote_has_handlers (f, "ping"));

  g_signal_handler_disconnect (f->proxy, id);
  g_assert_false (remote_has_handlers (f, "changed"));

  /* A handler for one detail subscribes the signal too */
  id = g_signal_connect (f->proxy, "detailed::x", G_CALLBACK (on_detailed), log);
  g_assert_true (remote_has_handlers (f, "detailed"));
  g_signal_handler_disconnect (f->proxy, id);
  g_assert_false (remote_has_handlers (f, "detailed"));
  g_assert_cmpuint (log->len, ==, 0);
}

static void
count_changed (PpProxy *proxy,
               int      value,
               gpointer user_data)
{
  int *expected = user_data;

  g_assert_cmpint (value, ==, *expected + 1);
  *expected = value;
}

static void
test_many_signals (Fixture       *f,
                   gconstpointer  data)
{
  int last = 0;
  gulong id = g_signal_connect (f->proxy, "changed", G_CALLBACK (count_changed), &last);
  g_autoptr(GVariant) result = call (f, "emit_changed_times", g_variant_new ("(u)", 10000));

  /* A sync call returns first; the signals follow in the main context. */
  while (last < 10000)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (last, ==, 10000);
  g_signal_handler_disconnect (f->proxy, id);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(int *) user_data)++;
}

static void
test_properties (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  int parameter = -1;
  guint count = 99;
  int notified = 0;
  int count_notified = 0;
  GParamSpec *pspec;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (f->proxy), "parameter");
  g_assert_nonnull (pspec);
  g_assert_true (pspec->value_type == G_TYPE_INT);
  g_assert_true (pspec->flags & G_PARAM_WRITABLE);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (f->proxy), "label");
  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  g_object_get (f->proxy, "parameter", &parameter, "count", &count, "label", &label, NULL);
  g_assert_cmpint (parameter, ==, 0);
  g_assert_cmpuint (count, ==, 0);
  g_assert_cmpstr (label, ==, "initial");

  g_signal_connect (f->proxy, "notify::parameter", G_CALLBACK (count_notify), &notified);
  g_signal_connect (f->proxy, "notify::count", G_CALLBACK (count_notify), &count_notified);

  /* A change made by a method is in the cache when the sync call returns;
   * its notify follows in the main context, once. */
  g_variant_unref (call (f, "set_parameter", g_variant_new ("(i)", 42)));
  g_object_get (f->proxy, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 42);
  g_assert_cmpint (notified, ==, 0);
  spin ();
  g_assert_cmpint (notified, ==, 1);
  spin ();
  g_assert_cmpint (notified, ==, 1);

  g_variant_unref (call (f, "bump_count", NULL));
  spin ();
  g_object_get (f->proxy, "count", &count, NULL);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpint (count_notified, ==, 1);

  /* Reading is local: it works while the other process is stopped */
  g_subprocess_send_signal (f->peer->process, SIGSTOP);
  for (int i = 0; i < 1000; i++)
    {
      g_object_get (f->proxy, "count", &count, "parameter", &parameter, NULL);
      g_assert_cmpuint (count, ==, 1);
      g_assert_cmpint (parameter, ==, 42);
    }
  g_subprocess_send_signal (f->peer->process, SIGCONT);

  /* Writes go to the remote object; the value follows its answer */
  g_assert_true (pp_proxy_set_property_sync (f->proxy, "parameter", g_variant_new_int32 (7),
                                             NULL, &error));
  g_assert_no_error (error);
  g_object_get (f->proxy, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 7);
  {
    g_autoptr(GVariant) remote = call (f, "get_parameter", NULL);
    g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new ("(i)", 7));

    g_assert_cmpvariant (remote, expected);
  }
  spin ();
  g_assert_cmpint (notified, ==, 2);

  /* Setting the same value again changes nothing, so no notify */
  g_assert_true (pp_proxy_set_property_sync (f->proxy, "parameter", g_variant_new_int32 (7),
                                             NULL, &error));
  spin ();
  g_assert_cmpint (notified, ==, 2);

  /* g_object_set() works too, asynchronously */
  g_object_set (f->proxy, "parameter", 8, NULL);
  while (parameter != 8)
    {
      g_main_context_iteration (NULL, TRUE);
      g_object_get (f->proxy, "parameter", &parameter, NULL);
    }
  g_assert_cmpint (notified, ==, 3);

  /* Read-only, construct-only and wrong types are refused with an error */
  g_assert_false (pp_proxy_set_property_sync (f->proxy, "count", g_variant_new_uint32 (5), NULL,
                                              &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  g_clear_error (&error);
  g_assert_false (pp_proxy_set_property_sync (f->proxy, "label", g_variant_new_string ("x"), NULL,
                                              &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  g_clear_error (&error);
  g_assert_false (pp_proxy_set_property_sync (f->proxy, "parameter", g_variant_new_string ("x"),
                                              NULL, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_clear_error (&error);
  g_assert_false (pp_proxy_set_property_sync (f->proxy, "no-such", g_variant_new_int32 (1), NULL,
                                              &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_clear_error (&error);

  g_object_get (f->proxy, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 8);
}

typedef struct
{
  int      activated;
  int      enabled_notified;
  GVariant *last_parameter;
} ActionState;

static void
on_activate (PpProxy  *proxy,
             GVariant *parameter,
             gpointer  user_data)
{
  ActionState *state = user_data;

  state->activated++;
}

static void
on_enabled (GObject    *object,
            GParamSpec *pspec,
            gpointer    user_data)
{
  ActionState *state = user_data;

  state->enabled_notified++;
}

static void
test_gio_action (Fixture       *f,
                 gconstpointer  data)
{
  ActionState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  gboolean enabled = FALSE;

  g_assert_cmpstr (pp_proxy_get_remote_type_name (f->proxy), ==, "GSimpleAction");
  g_object_get (f->proxy, "name", &name, "enabled", &enabled, NULL);
  g_assert_cmpstr (name, ==, "frobnicate");
  g_assert_true (enabled);

  g_signal_connect (f->proxy, "activate", G_CALLBACK (on_activate), &state);
  g_signal_connect (f->proxy, "notify::enabled", G_CALLBACK (on_enabled), &state);

  /* The child activates its action: the proxy sees the signal */
  g_variant_unref (call (f, "activate", g_variant_new ("(mv)", NULL)));
  while (state.activated < 1)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (pp_proxy_set_property_sync (f->proxy, "enabled", g_variant_new_boolean (FALSE),
                                             NULL, &error));
  g_assert_no_error (error);
  spin ();
  g_object_get (f->proxy, "enabled", &enabled, NULL);
  g_assert_false (enabled);
  g_assert_cmpint (state.enabled_notified, ==, 1);

  /* g_object_set() notifies a property without G_PARAM_EXPLICIT_NOTIFY
   * even when its value stays: the proxy notifies as often as the remote
   * object does, which does as a local one does */
  {
    g_autoptr(GSimpleAction) local = g_simple_action_new ("frobnicate", NULL);
    ActionState local_state = { 0 };

    g_signal_connect (local, "notify::enabled", G_CALLBACK (on_enabled), &local_state);
    g_object_set (local, "enabled", FALSE, NULL);
    g_object_set (local, "enabled", FALSE, NULL);
    g_assert_cmpint (local_state.enabled_notified, ==, 2);
  }
  g_assert_true (pp_proxy_set_property_sync (f->proxy, "enabled", g_variant_new_boolean (FALSE),
                                             NULL, &error));
  g_assert_no_error (error);
  spin ();
  g_assert_cmpint (state.enabled_notified, ==, 2);

  /* A disabled GSimpleAction ignores activation */
  g_variant_unref (call (f, "activate", g_variant_new ("(mv)", NULL)));
  spin ();
  g_assert_cmpint (state.activated, ==, 1);
}

/* Only the constructors make a proxy: PpProxy is abstract, and neither
 * GInitable nor GAsyncInitable */
static void
test_abstract (void)
{
  g_assert_true (G_TYPE_IS_ABSTRACT (PP_TYPE_PROXY));
  g_assert_false (g_type_is_a (PP_TYPE_PROXY, G_TYPE_INITABLE));
  g_assert_false (g_type_is_a (PP_TYPE_PROXY, G_TYPE_ASYNC_INITABLE));

  g_test_trap_subprocess ("/Pp/Mirror/abstract/subprocess/new", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*cannot create instance of abstract*PpProxy*");
  g_test_trap_subprocess ("/Pp/Mirror/abstract/subprocess/initable", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*G_TYPE_IS_INITABLE*");
  g_test_trap_subprocess ("/Pp/Mirror/abstract/subprocess/async-initable", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*G_TYPE_IS_ASYNC_INITABLE*");
}

static void
abstract_new (void)
{
  g_object_new (PP_TYPE_PROXY, NULL);
}

static void
abstract_initable_new (void)
{
  g_initable_new (PP_TYPE_PROXY, NULL, NULL, NULL);
}

static void
abstract_async_initable_new (void)
{
  g_async_initable_new_async (PP_TYPE_PROXY, G_PRIORITY_DEFAULT, NULL, NULL, NULL, NULL);
}

/* A mirror type made with g_object_new() alone is refused: an object
 * without a connection */
static void
test_not_by_g_object_new (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(PpProxy) bare = NULL;

  g_test_expect_message ("Pp", G_LOG_LEVEL_CRITICAL, "*made with g_object_new()*");
  bare = g_object_new (G_OBJECT_TYPE (f->proxy), NULL);
  g_test_assert_expected_messages ();
  g_assert_true (pp_proxy_is_closed (bare));
  result = pp_proxy_call_sync (bare, "get_parameter", NULL, -1, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
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
assert_mirror (PpProxy *proxy,
               GType    expected)
{
  g_assert_true (G_OBJECT_TYPE (proxy) == expected);
  g_assert_true (G_OBJECT_TYPE (proxy) != PP_TYPE_PROXY);
  g_assert_nonnull (g_object_class_find_property (G_OBJECT_GET_CLASS (proxy), "parameter"));
  g_assert_cmpuint (g_signal_lookup ("many", G_OBJECT_TYPE (proxy)), !=, 0);
}

/* Every constructor gives the mirror type, one type for one description */
static void
test_constructors (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PpTestPeer) peer_async = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpTestPeer) peer_fd = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpTestPeer) peer_pipes = pp_test_peer_spawn ("test", TRUE);
  g_autoptr(PpProxy) by_async = NULL;
  g_autoptr(GIOStream) fd_stream = NULL;
  g_autoptr(PpProxy) by_fd = NULL;
  g_autoptr(PpProxy) by_pipes = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  assert_mirror (f->proxy, G_OBJECT_TYPE (f->proxy));

  pp_proxy_new_async (peer_async->stream, NULL, NULL, new_async_cb, &by_async);
  while (by_async == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_mirror (by_async, G_OBJECT_TYPE (f->proxy));

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (peer_fd->stream));
  fd_stream = pp_stream_new_for_fd (dup (g_socket_get_fd (socket)), &error);
  g_assert_no_error (error);
  by_fd = pp_proxy_new_sync (fd_stream, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_mirror (by_fd, G_OBJECT_TYPE (f->proxy));

  by_pipes = pp_proxy_new_sync (peer_pipes->stream, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_mirror (by_pipes, G_OBJECT_TYPE (f->proxy));
}

/* What PpOptions says is what the proxy has */
static void
test_options (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *half = g_strnfill (9000, 'x');
  guint64 max_message_size, memfd_threshold;
  guint max_pending_calls;
  int timeout;

  g_object_set (options, "default-timeout", 1234, "max-pending-calls", 7,
                "memfd-threshold", (guint64) 4096, NULL);
  /* Room for the description, which lists the methods that cannot be
   * called too */
  pp_options_set_max_message_size (options, 16384);
  proxy = pp_proxy_new_sync (peer->stream, options, NULL, &error);
  g_assert_no_error (error);

  /* Later changes to the options change nothing made with them */
  pp_options_set_default_timeout (options, 5);
  g_object_get (proxy, "default-timeout", &timeout, "max-pending-calls", &max_pending_calls,
                "max-message-size", &max_message_size, "memfd-threshold", &memfd_threshold,
                NULL);
  g_assert_cmpint (timeout, ==, 1234);
  g_assert_cmpuint (max_pending_calls, ==, 7);
  g_assert_cmpuint (max_message_size, ==, 16384);
  g_assert_cmpuint (memfd_threshold, ==, 4096);

  /* A reply over the message size closes the connection */
  result = pp_proxy_call_sync (proxy, "concat", g_variant_new ("(ss)", half, half), -1, NULL,
                               &error);
  g_assert_null (result);
  g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_assert_true (pp_proxy_is_closed (proxy));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/Pp/Mirror/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  /* First, so that its proxies make their type */
  g_test_add_func ("/Pp/Mirror/shared-description", test_shared_description);
  ADD ("description", test_description, NULL);
  ADD ("local-argument-check", test_local_argument_check, NULL);
  ADD ("signals", test_signals, NULL);
  ADD ("lazy-subscription", test_lazy_subscription, NULL);
  ADD ("many-signals", test_many_signals, NULL);
  ADD ("signal-numbers", test_signal_numbers, NULL);
  ADD ("properties", test_properties, NULL);
  ADD ("gio-action", test_gio_action, "action");
  g_test_add_func ("/Pp/Mirror/abstract", test_abstract);
  g_test_add_func ("/Pp/Mirror/abstract/subprocess/new", abstract_new);
  g_test_add_func ("/Pp/Mirror/abstract/subprocess/initable", abstract_initable_new);
  g_test_add_func ("/Pp/Mirror/abstract/subprocess/async-initable", abstract_async_initable_new);
  ADD ("not-by-g-object-new", test_not_by_g_object_new, NULL);
  ADD ("constructors", test_constructors, NULL);
  ADD ("options", test_options, NULL);

  return g_test_run ();
}
