/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Objects as remote references, across a process boundary: a real
 * listener (tests/pp-test-server, in a child) serves a GListStore of
 * GSimpleActions or a GMenu with a section; what its methods return
 * arrives here as proxies, the same proxy for the same object, and goes
 * back as the object itself. Releases are watched on the owner's side, by
 * weak references on the objects and by its export table. */

#include "pp-test-util.h"
#include "pp-proxy-private.h"

static void
assert_variant (GVariant *value,
                GVariant *expected)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (expected);

  g_assert_cmpvariant (value, owned);
}

/* get_item (i) of a GListModel proxy: the item's proxy */
static PpProxy *
get_item (PpProxy *list,
          guint    i)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = pp_test_call_full (list, "get_item", g_variant_new ("(u)", i), NULL,
                                                  &objects);
  const char *path;

  g_variant_get (result, "(m&o)", &path);
  g_assert_cmpstr (path, ==, "/0");
  g_assert_nonnull (objects);
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_true (PP_IS_PROXY (g_ptr_array_index (objects, 0)));
  return g_object_ref (g_ptr_array_index (objects, 0));
}

/* The import table empties when the peer acknowledged the releases,
 * which come to the main context */
static void
wait_imports_empty (PpProxy *proxy)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (pp_proxy_get_n_imported (proxy) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, pp_proxy_get_n_imported (proxy) > 0);
  g_assert_cmpuint (pp_proxy_get_n_imported (proxy), ==, 0);
}

static void
test_returned_objects (PpTestFixture *f,
                       gconstpointer  data)
{
  g_autoptr(PpProxy) first = get_item (f->proxy, 0);
  g_autoptr(PpProxy) again = get_item (f->proxy, 0);
  g_autoptr(PpProxy) second = get_item (f->proxy, 1);
  g_autoptr(GVariant) name = NULL;
  g_autofree char *first_name = NULL;
  g_autofree char *second_name = NULL;
  gboolean enabled = FALSE;

  /* A proxy of the item's own class, whose properties are mirrored */
  g_assert_cmpstr (pp_proxy_get_remote_type_name (first), ==, "GSimpleAction");
  g_assert_true (first == again);
  g_assert_true (first != second);
  g_assert_true (G_OBJECT_TYPE (first) == G_OBJECT_TYPE (second));
  g_object_get (first, "name", &first_name, "enabled", &enabled, NULL);
  g_object_get (second, "name", &second_name, NULL);
  g_assert_cmpstr (first_name, ==, "a0");
  g_assert_true (enabled);
  g_assert_cmpstr (second_name, ==, "a1");

  /* Its methods are the object's */
  name = pp_test_call (second, "get_name", NULL);
  assert_variant (name, g_variant_new ("(s)", "a1"));

  /* Its property changes follow, for it alone */
  g_variant_unref (pp_test_call (second, "set_enabled", g_variant_new ("(b)", FALSE)));
  g_object_get (second, "enabled", &enabled, NULL);
  g_assert_false (enabled);
  g_object_get (first, "enabled", &enabled, NULL);
  g_assert_true (enabled);

  /* The root's own properties are not touched */
  g_assert_cmpuint (pp_test_call_u (f->proxy, "get_n_items", NULL), ==, 3);
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_exported", NULL), ==, 2);
}

static void
test_passed_back (PpTestFixture *f,
                  gconstpointer  data)
{
  g_autoptr(PpProxy) item = get_item (f->proxy, 2);
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GVariant) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GObject *local = g_object_new (G_TYPE_OBJECT, NULL);

  /* The proxy arrives as the object itself: the store finds it */
  g_ptr_array_add (in, item);
  found = pp_test_call_full (f->proxy, "find", g_variant_new ("(o)", "/0"), in, NULL);
  assert_variant (found, g_variant_new ("(bu)", TRUE, 2));

  /* An index past the list is refused before the call leaves */
  g_ptr_array_set_size (in, 0);
  g_ptr_array_add (in, local);
  result = pp_proxy_call_full_sync (f->proxy, "find", g_variant_new ("(o)", "/1"), NULL, in, -1,
                                    NULL, NULL, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_null (result);
  g_object_unref (local);

  /* The connection is fine */
  g_assert_cmpuint (pp_test_call_u (f->proxy, "get_n_items", NULL), ==, 3);
}

static void
test_release (PpTestFixture *f,
              gconstpointer  data)
{
  PpProxy *item = get_item (f->proxy, 0);

  /* The item leaves the store, but the proxy keeps it alive */
  g_variant_unref (pp_test_call (f->proxy, "hook_watch_item", g_variant_new ("(u)", 0)));
  g_variant_unref (pp_test_call (f->proxy, "remove", g_variant_new ("(u)", 0)));
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_finalized", NULL), ==, 0);
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_exported", NULL), ==, 1);
  g_assert_cmpuint (pp_proxy_get_n_imported (f->proxy), ==, 1);

  /* The last reference here releases it there, before the next call */
  g_object_unref (item);
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_finalized", NULL), ==, 1);
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_exported", NULL), ==, 0);
  wait_imports_empty (f->proxy);
}

/* Objects nobody keeps, returned over and over, leave no handle behind on
 * either side */
static void
test_many_short_lived (PpTestFixture *f,
                       gconstpointer  data)
{
  /* Fewer under valgrind, which checks what each one does */
  const guint n = g_getenv ("PP_TEST_UNDER_VALGRIND") ? 1000 : 10000;
  gint64 start = g_get_monotonic_time ();
  double per_call;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) objects = NULL;
      g_autoptr(GVariant) result = pp_test_call_full (f->proxy, "get_item",
                                                      g_variant_new ("(u)", i % 3), NULL,
                                                      &objects);

      g_assert_cmpuint (objects->len, ==, 1);
    }
  per_call = (g_get_monotonic_time () - start) / (double) n;

  /* For comparison, a call returning a number */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_variant_unref (pp_test_call (f->proxy, "get_n_items", NULL));
  g_test_message ("%u get_item calls returning a new object each: %.1f µs each; "
                  "get_n_items: %.1f µs each", n, per_call,
                  (g_get_monotonic_time () - start) / (double) n);

  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_exported", NULL), ==, 0);
  wait_imports_empty (f->proxy);
}

static void
test_limit (PpTestFixture *f,
            gconstpointer  data)
{
  g_autoptr(PpProxy) first = get_item (f->proxy, 0);
  g_autoptr(PpProxy) same = get_item (f->proxy, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(PpProxy) second = NULL;

  /* One object at a time: the same one again is no new one */
  g_assert_true (first == same);
  result = pp_proxy_call_full_sync (f->proxy, "get_item", g_variant_new ("(u)", 1), NULL, NULL,
                                    -1, NULL, NULL, NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_assert_null (result);
  g_test_message ("%s", error->message);

  /* Once released, another */
  g_clear_object (&first);
  g_clear_object (&same);
  second = get_item (f->proxy, 1);
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_exported", NULL), ==, 1);
}

static void
test_menu_links (PpTestFixture *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) submenu = NULL;
  g_autoptr(GVariant) link = NULL;
  g_autoptr(GVariant) label = NULL;
  PpProxy *section;

  link = pp_test_call_full (f->proxy, "get_item_link", g_variant_new ("(is)", 0, "section"), NULL,
                            &objects);
  g_clear_pointer (&link, g_variant_unref);
  g_assert_cmpuint (objects->len, ==, 1);
  section = g_ptr_array_index (objects, 0);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (section), ==, "GMenu");
  {
    g_autoptr(GVariant) n = pp_test_call (section, "get_n_items", NULL);

    assert_variant (n, g_variant_new ("(i)", 2));
  }
  label = pp_test_call (section, "get_item_attribute_value",
                        g_variant_new ("(is@ms)", 1, "label", g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL)));
  assert_variant (label, g_variant_new_parsed ("(@mv <'Two'>,)"));

  /* The same section is the same proxy; a link that is not there, none */
  link = pp_test_call_full (f->proxy, "get_item_link", g_variant_new ("(is)", 0, "section"), NULL,
                            &again);
  g_clear_pointer (&link, g_variant_unref);
  g_assert_true (g_ptr_array_index (again, 0) == (gpointer) section);
  link = pp_test_call_full (f->proxy, "get_item_link", g_variant_new ("(is)", 0, "submenu"), NULL,
                            &submenu);
  assert_variant (link, g_variant_new_parsed ("(@mo nothing,)"));
  g_clear_pointer (&link, g_variant_unref);
  g_assert_true (submenu == NULL || submenu->len == 0);
  g_clear_pointer (&submenu, g_ptr_array_unref);

  link = pp_test_call_full (f->proxy, "get_item_link", g_variant_new ("(is)", 1, "submenu"), NULL,
                            &submenu);
  {
    g_autoptr(GVariant) n = pp_test_call (g_ptr_array_index (submenu, 0), "get_n_items", NULL);

    assert_variant (n, g_variant_new ("(i)", 1));
  }
}

/* Objects of ours passed to the child ---------------------------------- */

typedef struct
{
  GVariant  *result;
  GPtrArray *objects;
  GError    *error;
  gboolean   done;
} AsyncCall;

static void
async_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncCall *call = user_data;

  call->result = pp_proxy_call_full_finish (PP_PROXY (source), NULL, &call->objects, result,
                                            &call->error);
  call->done = TRUE;
}

/* A call made without waiting in it: our main context runs meanwhile,
 * and serves what the child asks of our objects */
static GVariant *
call_serving (PpProxy     *proxy,
              const char  *method,
              GVariant    *parameters,
              GPtrArray   *in_objects,
              GPtrArray  **out_objects)
{
  AsyncCall call = { 0 };

  pp_proxy_call_full (proxy, method, parameters, NULL, in_objects, -1, NULL, async_call_done,
                      &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (call.error);
  if (out_objects != NULL)
    *out_objects = call.objects;
  else
    g_clear_pointer (&call.objects, g_ptr_array_unref);
  return call.result;
}

static void
count_activate (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* The export table empties when the child released what it held */
static void
wait_exports_empty (PpProxy *proxy)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (pp_proxy_get_n_exported (proxy) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, pp_proxy_get_n_exported (proxy) > 0);
  g_assert_cmpuint (pp_proxy_get_n_exported (proxy), ==, 0);
}

static void
set_flag (gpointer  data,
          GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

/* Our action, passed to the child, is called back and its signal is seen
 * there */
static void
test_passed_in (PpTestFixture *f,
                gconstpointer  data)
{
  GSimpleAction *action = g_simple_action_new ("go", NULL);
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GVariant) result = NULL;
  gboolean finalized = FALSE;
  guint activated = 0;

  g_signal_connect (action, "activate", G_CALLBACK (count_activate), &activated);
  g_object_weak_ref (G_OBJECT (action), set_flag, &finalized);
  g_ptr_array_add (in, action);

  /* The child calls our action while we wait for its answer */
  result = call_serving (f->proxy, "hook_call_back",
                         g_variant_new_parsed ("(objectpath '/0', 'activate', <(@mv nothing,)>)"),
                         in, NULL);
  assert_variant (result, g_variant_new_parsed ("(<@() ()>,)"));
  g_clear_pointer (&result, g_variant_unref);
  g_assert_cmpuint (activated, ==, 1);

  /* It connects to its signal, which it sees when we emit it */
  g_variant_unref (call_serving (f->proxy, "hook_connect",
                                 g_variant_new ("(os)", "/0", "activate"), in, NULL));
  g_assert_cmpuint (pp_proxy_get_n_exported (f->proxy), ==, 1);
  g_action_activate (G_ACTION (action), NULL);
  g_action_activate (G_ACTION (action), NULL);
  g_assert_cmpuint (activated, ==, 3);
  g_assert_cmpuint (pp_test_call_u (f->proxy, "hook_signals_seen", NULL), ==, 2);

  /* Once the child drops it, our table lets it go */
  g_ptr_array_set_size (in, 0);
  g_object_unref (action);
  g_assert_false (finalized);
  g_variant_unref (pp_test_call (f->proxy, "hook_drop_kept", NULL));
  wait_exports_empty (f->proxy);
  g_assert_true (finalized);
}

/* Our object, stored in the child's list, comes back as itself */
static void
test_passed_in_identity (PpTestFixture *f,
                         gconstpointer  data)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("go", NULL);
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(GVariant) item = NULL;
  g_autoptr(GVariant) found = NULL;

  g_ptr_array_add (in, action);
  g_variant_unref (pp_test_call_full (f->proxy, "append", g_variant_new ("(o)", "/0"), in, NULL));
  g_variant_unref (pp_test_call_full (f->proxy, "append", g_variant_new ("(o)", "/0"), in, NULL));
  g_assert_cmpuint (pp_test_call_u (f->proxy, "get_n_items", NULL), ==, 2);
  /* One handle for it, however often it was sent */
  g_assert_cmpuint (pp_proxy_get_n_exported (f->proxy), ==, 1);

  /* The child holds one proxy of it: the store finds it */
  found = pp_test_call_full (f->proxy, "find", g_variant_new ("(o)", "/0"), in, NULL);
  assert_variant (found, g_variant_new ("(bu)", TRUE, 0));

  item = pp_test_call_full (f->proxy, "get_item", g_variant_new ("(u)", 1), NULL, &out);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_true (g_ptr_array_index (out, 0) == (gpointer) action);

  /* Out of the store, it is released */
  g_variant_unref (pp_test_call_full (f->proxy, "remove_all", NULL, NULL, NULL));
  wait_exports_empty (f->proxy);
}

/* The object the listener serves, passed to its own method and returned
 * by another (as a builder's methods return the builder), is the proxy
 * the constructor returned: never a second proxy, never counted */
static void
test_root_returned (PpTestFixture *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(GVariant) item = NULL;

  g_ptr_array_add (in, f->proxy);
  g_variant_unref (pp_test_call_full (f->proxy, "append", g_variant_new ("(o)", "/0"), in, NULL));
  g_assert_cmpuint (pp_proxy_get_n_exported (f->proxy), ==, 0);

  item = pp_test_call_full (f->proxy, "get_item", g_variant_new ("(u)", 0), NULL, &out);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_true (g_ptr_array_index (out, 0) == (gpointer) f->proxy);
  g_assert_cmpuint (pp_proxy_get_n_imported (f->proxy), ==, 0);

  /* The store lets go of itself */
  g_variant_unref (pp_test_call_full (f->proxy, "remove_all", NULL, NULL, NULL));
}

typedef struct
{
  PpProxy *store;
  guint    activated;
  guint32  n_items;
} Nested;

/* Runs while the child waits in its call to us, which runs while we wait
 * in ours: the child serves this one itself */
static void
activate_calls_child (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  Nested *nested = user_data;

  nested->activated++;
  nested->n_items = pp_test_call_u (nested->store, "get_n_items", NULL);
}

/* Calls back into us while we wait in a synchronous call are served by
 * the waiting thread, two levels deep: no deadlock, no time-out */
static void
test_nested_sync (PpTestFixture *f,
                  gconstpointer  data)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("go", NULL);
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GVariant) result = NULL;
  Nested nested = { f->proxy, 0, G_MAXUINT32 };

  g_signal_connect (action, "activate", G_CALLBACK (activate_calls_child), &nested);
  g_ptr_array_add (in, action);
  for (guint i = 1; i <= 3; i++)
    {
      result = pp_test_call_full (f->proxy, "hook_call_back",
                                  g_variant_new_parsed ("(objectpath '/0', 'activate', "
                                                        "<(@mv nothing,)>)"),
                                  in, NULL);
      g_clear_pointer (&result, g_variant_unref);
      g_assert_cmpuint (nested.activated, ==, i);
      g_assert_cmpuint (nested.n_items, ==, 0);
    }
}

/* GSocketListener::event: the socket it binds, as seen here */
typedef struct
{
  guint    n_events;
  GObject *socket;          /* the proxy first seen, kept */
} SocketEvents;

static void
on_socket_event (PpProxy      *listener,
                 int           event,
                 GObject      *socket,
                 SocketEvents *seen)
{
  g_assert_true (PP_IS_PROXY (socket));
  g_assert_cmpstr (pp_proxy_get_remote_type_name (PP_PROXY (socket)), ==, "GSocket");
  /* One socket: one proxy, while it is kept */
  if (seen->socket == NULL)
    seen->socket = g_object_ref (socket);
  else
    g_assert_true (seen->socket == socket);
  seen->n_events++;
}

/* An object in a signal's arguments arrives as its proxy, with identity,
 * stays valid while it is kept and is released once dropped */
static void
test_signal_arguments (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) listener = NULL;
  g_autoptr(GVariant) port = NULL;
  g_autoptr(GVariant) closed = NULL;
  SocketEvents seen = { 0, NULL };

  listener = pp_proxy_new_for_type_sync ("Gio", "2.0", "SocketListener", NULL, NULL, NULL,
                                         &error);
  g_assert_no_error (error);
  g_signal_connect (listener, "event", G_CALLBACK (on_socket_event), &seen);

  /* binding, bound, listening, listened: emitted in the child before the
   * call returns, each with the socket */
  port = pp_test_call (listener, "add_any_inet_port", g_variant_new ("(mo)", NULL));
  while (seen.n_events < 4)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (seen.n_events, ==, 4);

  /* The kept proxy is the child's socket */
  closed = pp_test_call (PP_PROXY (seen.socket), "is_closed", NULL);
  assert_variant (closed, g_variant_new ("(b)", FALSE));

  g_signal_handlers_disconnect_by_data (listener, &seen);
  g_clear_object (&seen.socket);
  wait_imports_empty (listener);
}

/* A property whose value is an object reads as its proxy, the same one
 * while it is kept, and set to that proxy the child gets its own object */
static void
test_object_properties (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) client = NULL;
  g_autoptr(GObject) resolver = NULL;
  g_autoptr(GObject) again = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = NULL;

  client = pp_proxy_new_for_type_sync ("Gio", "2.0", "SocketClient", NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_object_get (client, "proxy-resolver", &resolver, NULL);
  g_assert_true (PP_IS_PROXY (resolver));
  g_object_get (client, "proxy-resolver", &again, NULL);
  g_assert_true (resolver == again);
  g_clear_object (&again);

  /* Set back, it is the child's own resolver, and still the same proxy;
   * the write is done when a later call is answered */
  g_object_set (client, "proxy-resolver", resolver, NULL);
  result = pp_test_call_full (client, "get_proxy_resolver", NULL, NULL, &objects);
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_true (g_ptr_array_index (objects, 0) == resolver);
  g_clear_pointer (&objects, g_ptr_array_unref);

  /* NULL crosses as NULL */
  g_object_set (client, "local-address", NULL, NULL);
  g_object_get (client, "local-address", &again, NULL);
  g_assert_null (again);

  g_clear_object (&resolver);
  wait_imports_empty (client);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, kind, func) \
  g_test_add ("/Pp/References/" path, PpTestFixture, kind, pp_test_fixture_set_up, func, \
              pp_test_fixture_tear_down)

  ADD ("returned-objects", "action-store", test_returned_objects);
  ADD ("passed-back", "action-store", test_passed_back);
  ADD ("release", "action-store", test_release);
  ADD ("many-short-lived", "action-store", test_many_short_lived);
  ADD ("limit", "limited-action-store", test_limit);
  ADD ("menu-links", "sectioned-menu", test_menu_links);
  ADD ("passed-in", "list-store", test_passed_in);
  ADD ("passed-in-identity", "list-store", test_passed_in_identity);
  ADD ("nested-sync", "list-store", test_nested_sync);
  ADD ("root-returned", "list-store", test_root_returned);
  g_test_add_func ("/Pp/References/signal-arguments", test_signal_arguments);
  g_test_add_func ("/Pp/References/object-properties", test_object_properties);

  return g_test_run ();
}
