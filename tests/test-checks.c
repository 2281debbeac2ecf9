/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What is checked around a call so that a wrong one fails alone, with an
 * error that says why: arguments nested too deep, arguments that the
 * method's preconditions refuse, property writes that cannot be made,
 * results that are not what the method was described with.
 *
 * The listeners run in child processes with G_DEBUG=fatal-criticals: a
 * call that made GLib print a critical there ends the child, and the
 * test's next call fails. */

#include <string.h>
#include <sys/socket.h>

#include "pp-test-util.h"
#include "pp-proxy-private.h"
#include "pp-wire-private.h"

static void
assert_error_says (const GError *error,
                   const char   *what)
{
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, what) == NULL)
    g_error ("“%s” does not say “%s”", error->message, what);
}

/* An int32 in @depth - 1 arrays: a value @depth levels deep, as GLib
 * counts */
static GVariant *
nested_arrays (guint depth)
{
  GVariant *value = g_variant_new_int32 (7);

  for (guint i = 1; i < depth; i++)
    value = g_variant_new_array (NULL, &value, 1);
  return value;
}

/* An argument nested deeper than the listener takes fails that call
 * alone; the connection goes on. */
static void
test_deep_argument (PpTestFixture *f,
                    gconstpointer  data)
{
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) echoed = NULL;
  g_autoptr(GVariant) deepest = g_variant_ref_sink (nested_arrays (PP_WIRE_MAX_ARGS_DEPTH));
  const guint too_deep[] = { PP_WIRE_MAX_ARGS_DEPTH + 1, 100, 120 };

  result = pp_test_call (f->proxy, "echo_variant", g_variant_new ("(v)", deepest));
  g_variant_get (result, "(v)", &echoed);
  g_assert_true (g_variant_equal (echoed, deepest));

  for (guint i = 0; i < G_N_ELEMENTS (too_deep); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) refused = NULL;

      refused = pp_proxy_call_sync (f->proxy, "echo_variant",
                                    g_variant_new ("(v)", nested_arrays (too_deep[i])), -1, NULL,
                                    &error);
      g_assert_null (refused);
      g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
      assert_error_says (error, "echo_variant");
      g_assert_false (pp_proxy_is_closed (f->proxy));
    }

  g_clear_pointer (&result, g_variant_unref);
  result = pp_test_call (f->proxy, "echo_string", g_variant_new ("(s)", "still there"));
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(s)");
}

/* A construct-only property is refused as such, by the proxy and by the
 * listener */
static void
test_construct_only (PpTestFixture *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pp_proxy_set_property_sync (f->proxy, "label", g_variant_new_string ("x"),
                                              NULL, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  assert_error_says (error, "construct-only");
  g_clear_error (&error);

  g_assert_false (pp_proxy_set_property_sync (f->proxy, "count", g_variant_new_uint32 (5),
                                              NULL, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  assert_error_says (error, "read-only");
}

/* A listener that describes one method, `name () → (s)`, and answers
 * every call to it with the results in @replies, one after the other, as
 * a hostile listener could: in a thread of its own, on raw frames. */
typedef struct
{
  GSocket   *socket;
  GPtrArray *replies;   /* GVariant */
} LyingListener;

static gboolean
receive_frame (GSocket      *socket,
               PpWireHeader *header)
{
  guint8 data[PP_WIRE_HEADER_SIZE];
  g_autofree guint8 *rest = NULL;
  gsize size;
  gsize got;

  for (got = 0; got < sizeof data; )
    {
      gssize n = g_socket_receive (socket, (char *) data + got, sizeof data - got, NULL, NULL);

      if (n <= 0)
        return FALSE;
      got += n;
    }
  g_assert_true (pp_wire_parse_header (data, G_MAXUINT32, header, NULL));
  size = pp_wire_stream_size (header) - PP_WIRE_HEADER_SIZE;
  rest = g_malloc (MAX (size, 1));
  for (got = 0; got < size; )
    {
      gssize n = g_socket_receive (socket, (char *) rest + got, size - got, NULL, NULL);

      if (n <= 0)
        return FALSE;
      got += n;
    }
  return TRUE;
}

static void
send_frame (GSocket *socket,
            GBytes  *frame)
{
  gsize size;
  const char *data = g_bytes_get_data (frame, &size);

  while (size > 0)
    {
      gssize n = g_socket_send (socket, data, size, NULL, NULL);

      if (n <= 0)
        return;   /* the proxy went away */
      data += n;
      size -= n;
    }
}

static gpointer
lying_listener_thread (gpointer data)
{
  LyingListener *liar = data;
  g_autoptr(GBytes) welcome = NULL;
  PpWireHeader header;

  if (!receive_frame (liar->socket, &header))
    return NULL;
  g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_HELLO);
  welcome = pp_wire_encode (PP_WIRE_KIND_WELCOME, PP_WIRE_FLAGS_NONE, header.serial, 0,
                            g_variant_new ("(su@a{sv})", PP_WIRE_MAGIC,
                                           (guint32) PP_WIRE_PROTOCOL_VERSION,
                                           g_variant_new_parsed ("{'type-name': <'PpLiar'>,"
                                                                 " 'methods': <[('name', '()',"
                                                                 " '(s)', false, 'added')]>}")));
  send_frame (liar->socket, welcome);

  for (guint i = 0; i < liar->replies->len && receive_frame (liar->socket, &header); i++)
    {
      g_autoptr(GBytes) reply = NULL;

      g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_CALL);
      reply = pp_wire_encode_return (header.serial, g_ptr_array_index (liar->replies, i),
                                     NULL);
      send_frame (liar->socket, reply);
    }

  /* Until the proxy closes */
  while (receive_frame (liar->socket, &header))
    ;
  return NULL;
}

static PpProxy *
lying_proxy (LyingListener  *liar,
             GThread       **thread)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PpProxy *proxy;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  liar->socket = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  *thread = g_thread_new ("lying-listener", lying_listener_thread, liar);
  stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A result that is not of the type the method was described with breaks
 * the protocol: the call fails saying so, and the connection ends */
static void
test_result_type (gconstpointer data)
{
  gboolean async = GPOINTER_TO_INT (data);
  LyingListener liar = { NULL, g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref) };
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) fine = NULL;
  g_autoptr(GVariant) wrong = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;

  g_ptr_array_add (liar.replies, g_variant_ref_sink (g_variant_new ("(s)", "Ada")));
  g_ptr_array_add (liar.replies, g_variant_ref_sink (g_variant_new ("(ii)", 1, 2)));
  proxy = lying_proxy (&liar, &thread);

  fine = pp_proxy_call_sync (proxy, "name", NULL, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (fine), ==, "(s)");

  if (async)
    {
      g_autoptr(GAsyncResult) result = NULL;

      pp_proxy_call_async (proxy, "name", NULL, -1, NULL, async_done, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      wrong = pp_proxy_call_finish (proxy, result, &error);
    }
  else
    wrong = pp_proxy_call_sync (proxy, "name", NULL, -1, NULL, &error);
  g_assert_null (wrong);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  assert_error_says (error, "(ii)");
  assert_error_says (error, "(s)");
  g_assert_true (pp_proxy_is_closed (proxy));

  g_clear_object (&proxy);
  g_thread_join (thread);
  g_object_unref (liar.socket);
  g_ptr_array_unref (liar.replies);
}

/* A call that must fail with @code, saying @what; the listener lives on */
static void
assert_call_fails (PpProxy    *proxy,
                   const char *method,
                   GVariant   *parameters,
                   int         code,
                   const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = pp_proxy_call_sync (proxy, method, parameters, -1, NULL, &error);

  g_assert_null (result);
  g_assert_error (error, PP_ERROR, code);
  assert_error_says (error, what);
  g_assert_false (pp_proxy_is_closed (proxy));
}

static void
assert_printed (GVariant   *value,
                const char *expected)
{
  g_autofree char *printed = g_variant_print (value, FALSE);

  g_assert_cmpstr (printed, ==, expected);
}

static void
assert_call_works (PpProxy    *proxy,
                   const char *method,
                   GVariant   *parameters)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, method, parameters);
}

/* GSimpleAction's preconditions: a state of its state type, a parameter
 * of its parameter type */
static void
test_action_preconditions (PpTestFixture *f,
                           gconstpointer  data)
{
  g_autoptr(GVariant) state = NULL;

  assert_call_fails (f->proxy, "set_state", g_variant_new ("(v)", g_variant_new_string ("on")),
                     PP_ERROR_INVALID_ARGUMENTS, "is of type b, got s");
  assert_call_fails (f->proxy, "change_state", g_variant_new ("(v)", g_variant_new_int32 (1)),
                     PP_ERROR_INVALID_ARGUMENTS, "is of type b, got i");
  assert_call_fails (f->proxy, "activate",
                     g_variant_new ("(mv)", g_variant_new_boolean (TRUE)),
                     PP_ERROR_INVALID_ARGUMENTS, "takes a parameter of type s, got b");
  assert_call_fails (f->proxy, "activate", g_variant_new ("(mv)", NULL),
                     PP_ERROR_INVALID_ARGUMENTS, "takes a parameter of type s, got none");

  /* What is right still works */
  assert_call_works (f->proxy, "change_state", g_variant_new ("(v)", g_variant_new_boolean (TRUE)));
  assert_call_works (f->proxy, "activate", g_variant_new ("(mv)", g_variant_new_string ("x")));
  state = pp_test_call (f->proxy, "get_state", NULL);
  assert_printed (state, "(<true>,)");
}

static void
assert_set_fails_with (PpProxy    *proxy,
                       const char *property,
                       GVariant   *value,
                       int         code,
                       const char *what)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pp_proxy_set_property_sync (proxy, property, value, NULL, &error));
  g_assert_error (error, PP_ERROR, code);
  assert_error_says (error, what);
  g_assert_false (pp_proxy_is_closed (proxy));
}

static void
assert_set_fails (PpProxy    *proxy,
                  const char *property,
                  GVariant   *value,
                  const char *what)
{
  assert_set_fails_with (proxy, property, value, PP_ERROR_INVALID_ARGUMENTS, what);
}

/* The "state" property is set through g_simple_action_set_state(), which
 * has the same preconditions */
static void
test_action_state_property (PpTestFixture *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;

  assert_set_fails (f->proxy, "state", g_variant_new_variant (g_variant_new_string ("on")),
                    "is of type b, got s");
  assert_set_fails (f->proxy, "state", NULL, "is of type b, got none");

  g_assert_true (pp_proxy_set_property_sync (f->proxy, "state",
                                             g_variant_new_variant (g_variant_new_boolean (TRUE)),
                                             NULL, &error));
  g_assert_no_error (error);
  state = pp_test_call (f->proxy, "get_state", NULL);
  assert_printed (state, "(<true>,)");
}

static void
test_stateless_action_state_property (PpTestFixture *f,
                                      gconstpointer  data)
{
  assert_set_fails (f->proxy, "state", g_variant_new_variant (g_variant_new_int32 (1)),
                    "has no state");
  assert_set_fails (f->proxy, "state", NULL, "has no state");
  assert_call_works (f->proxy, "activate", g_variant_new ("(mv)", NULL));
}

static void
assert_set_works (PpProxy    *proxy,
                  const char *property,
                  GVariant   *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pp_proxy_set_property_sync (proxy, property, value, NULL, &error));
  g_assert_no_error (error);
}

/* A property read now (GET_PROPERTY, as a proxy reads a reference) */
static GVariant *
read_property (PpProxy     *proxy,
               const char  *property,
               GError     **error)
{
  return pp_test_raw_request (proxy, PP_WIRE_KIND_GET_PROPERTY,
                              g_variant_new ("(us)", pp_proxy_get_handle (proxy), property),
                              error);
}

/* A property whose getter the listener may not call now is described
 * without its value, and reading it fails */
static void
assert_read_fails (PpProxy    *proxy,
                   const char *property,
                   const char *what)
{
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  value = read_property (proxy, property, &error);
  g_assert_null (value);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  assert_error_says (error, what);
  g_assert_false (pp_proxy_is_closed (proxy));
}

/* GApplication asserts a valid ID and a resource path, and, once
 * registered, that neither they nor its flags change; whether it is
 * remote is only known once it is registered */
static void
test_application_properties (PpTestFixture *f,
                             gconstpointer  data)
{
  gboolean registered = g_str_equal (data, "registered-application");
  g_autofree char *id = NULL;

  assert_set_fails (f->proxy, "application-id", g_variant_new_string ("not valid"),
                    "“not valid” is not a valid application ID");
  assert_set_fails (f->proxy, "resource-base-path", g_variant_new_string ("x"),
                    "“x” is not a resource path");
  assert_set_works (f->proxy, "resource-base-path", g_variant_new_string ("/x"));
  assert_set_works (f->proxy, "resource-base-path", NULL);
  if (!registered)
    {
      assert_read_fails (f->proxy, "is-remote", "the application is not registered");
      assert_set_works (f->proxy, "application-id", g_variant_new_string ("org.pipeproxy.Other"));
      assert_set_works (f->proxy, "flags", g_variant_new_uint32 (G_APPLICATION_HANDLES_OPEN));
      g_object_get (f->proxy, "application-id", &id, NULL);
      g_assert_cmpstr (id, ==, "org.pipeproxy.Other");
      return;
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) remote = read_property (f->proxy, "is-remote", &error);

    g_assert_no_error (error);
    assert_printed (remote, "(false,)");
  }
  g_assert_false (pp_proxy_set_property_sync (f->proxy, "application-id",
                                              g_variant_new_string ("org.pipeproxy.Other"),
                                              NULL, NULL));
  assert_set_fails_with (f->proxy, "flags", g_variant_new_uint32 (G_APPLICATION_HANDLES_OPEN),
                         PP_ERROR_FAILED, "the application is registered already");
  /* What does not change is no change */
  assert_set_works (f->proxy, "application-id", g_variant_new_string ("org.pipeproxy.Test"));
  assert_set_works (f->proxy, "flags", g_variant_new_uint32 (G_APPLICATION_NON_UNIQUE));
}

/* GSocket's time to live and multicast options are those of an IPv4 or
 * IPv6 socket: a unix one is served without them */
static void
test_socket_properties (PpTestFixture *f,
                        gconstpointer  data)
{
  assert_read_fails (f->proxy, "ttl", "not an IPv4 or IPv6 socket");
  assert_read_fails (f->proxy, "multicast-loopback", "not an IPv4 or IPv6 socket");
  assert_set_fails_with (f->proxy, "ttl", g_variant_new_uint32 (5), PP_ERROR_FAILED,
                         "not an IPv4 or IPv6 socket");
  assert_set_fails_with (f->proxy, "multicast-ttl", g_variant_new_uint32 (5), PP_ERROR_FAILED,
                         "not an IPv4 or IPv6 socket");
  assert_set_fails_with (f->proxy, "multicast-loopback", g_variant_new_boolean (FALSE),
                         PP_ERROR_FAILED, "not an IPv4 or IPv6 socket");
  assert_set_works (f->proxy, "timeout", g_variant_new_uint32 (5));
}

/* GSimpleProxyResolver asserts that its default proxy is a URI */
static void
test_proxy_resolver_properties (PpTestFixture *f,
                                gconstpointer  data)
{
  assert_set_fails (f->proxy, "default-proxy", g_variant_new_string (""), "“” is not a URI");
  assert_set_fails (f->proxy, "default-proxy", g_variant_new_string ("localhost"),
                    "is not a URI");
  assert_set_works (f->proxy, "default-proxy", g_variant_new_string ("socks5://proxy:1080"));
  assert_set_works (f->proxy, "default-proxy", NULL);
}

static void
test_stateless_action_preconditions (PpTestFixture *f,
                                     gconstpointer  data)
{
  assert_call_fails (f->proxy, "change_state", g_variant_new ("(v)", g_variant_new_int32 (1)),
                     PP_ERROR_INVALID_ARGUMENTS, "has no state");
  assert_call_fails (f->proxy, "set_state", g_variant_new ("(v)", g_variant_new_int32 (1)),
                     PP_ERROR_INVALID_ARGUMENTS, "has no state");
  assert_call_fails (f->proxy, "activate", g_variant_new ("(mv)", g_variant_new_int32 (1)),
                     PP_ERROR_INVALID_ARGUMENTS, "takes no parameter, got i");
  assert_call_works (f->proxy, "activate", g_variant_new ("(mv)", NULL));
}

static void
test_action_group_preconditions (PpTestFixture *f,
                                 gconstpointer  data)
{
  assert_call_fails (f->proxy, "change_action_state",
                     g_variant_new ("(sv)", "toggle", g_variant_new_string ("on")),
                     PP_ERROR_INVALID_ARGUMENTS, "is of type b, got s");
  assert_call_fails (f->proxy, "activate_action",
                     g_variant_new ("(smv)", "toggle", g_variant_new_int32 (5)),
                     PP_ERROR_INVALID_ARGUMENTS, "takes a parameter of type s, got i");
  /* An action it does not have is the group's business */
  assert_call_works (f->proxy, "activate_action",
                     g_variant_new ("(smv)", "nothing", g_variant_new_int32 (5)));
  assert_call_works (f->proxy, "change_action_state",
                     g_variant_new ("(sv)", "toggle", g_variant_new_boolean (TRUE)));

  /* Its signals are the group's to emit */
  assert_call_fails (f->proxy, "action_added", g_variant_new ("(s)", "fake"),
                     PP_ERROR_ACCESS_DENIED, "only the object may call it");
  assert_call_fails (f->proxy, "action_state_changed",
                     g_variant_new ("(sv)", "toggle", g_variant_new_int32 (1)),
                     PP_ERROR_ACCESS_DENIED, "only the object may call it");
}

static void
test_list_preconditions (PpTestFixture *f,
                         gconstpointer  data)
{
  const char *signature = g_str_equal (data, "menu") ? "(iii)" : "(uuu)";

  assert_call_fails (f->proxy, "items_changed", g_variant_new (signature, 0, 0, 5),
                     PP_ERROR_ACCESS_DENIED, "items_changed");
}

/* GMenu reads past its items for a position it does not have */
static void
test_menu_preconditions (PpTestFixture *f,
                         gconstpointer  data)
{
  g_autoptr(GVariant) label = NULL;

  test_list_preconditions (f, data);
  assert_call_fails (f->proxy, "get_item_attribute_value",
                     g_variant_new ("(isms)", 2, "label", NULL),
                     PP_ERROR_INVALID_ARGUMENTS, "the menu has no item 2, it has 2");
  assert_call_fails (f->proxy, "get_item_attribute_value",
                     g_variant_new ("(isms)", -1, "label", NULL),
                     PP_ERROR_INVALID_ARGUMENTS, "the menu has no item -1");
  assert_call_fails (f->proxy, "remove", g_variant_new ("(i)", 7),
                     PP_ERROR_INVALID_ARGUMENTS, "the menu has no item 7");

  /* GMenuItem ends the process for a detailed action it cannot parse */
  assert_call_fails (f->proxy, "append", g_variant_new ("(msms)", "Three", "app.three((("),
                     PP_ERROR_INVALID_ARGUMENTS, "“app.three(((” is not a detailed action name");

  label = pp_test_call (f->proxy, "get_item_attribute_value",
                        g_variant_new ("(isms)", 1, "label", NULL));
  assert_printed (label, "(<'Two'>,)");
  assert_call_works (f->proxy, "remove", g_variant_new ("(i)", 0));
}

/* GSettings aborts the process for a key its schema does not have, and
 * prints a critical for a value of another type */
static void
test_settings_preconditions (PpTestFixture *f,
                             gconstpointer  data)
{
  g_autoptr(GVariant) count = NULL;

  assert_call_fails (f->proxy, "get_value", g_variant_new ("(s)", "nothing"),
                     PP_ERROR_INVALID_ARGUMENTS, "has no key “nothing”");
  assert_call_fails (f->proxy, "reset", g_variant_new ("(s)", "nothing"),
                     PP_ERROR_INVALID_ARGUMENTS, "has no key “nothing”");
  assert_call_fails (f->proxy, "get_int", g_variant_new ("(s)", "name"),
                     PP_ERROR_INVALID_ARGUMENTS, "key “name” is of type s");
  assert_call_fails (f->proxy, "get_strv", g_variant_new ("(s)", "count"),
                     PP_ERROR_INVALID_ARGUMENTS, "key “count” is of type i");
  assert_call_fails (f->proxy, "get_enum", g_variant_new ("(s)", "name"),
                     PP_ERROR_INVALID_ARGUMENTS, "not of an enumerated type");
  assert_call_fails (f->proxy, "set_value",
                     g_variant_new ("(sv)", "count", g_variant_new_string ("x")),
                     PP_ERROR_INVALID_ARGUMENTS, "is of type i, got s");
  assert_call_fails (f->proxy, "set_string", g_variant_new ("(ss)", "count", "x"),
                     PP_ERROR_INVALID_ARGUMENTS, "is of type i, got s");
  assert_call_fails (f->proxy, "range_check",
                     g_variant_new ("(sv)", "count", g_variant_new_string ("x")),
                     PP_ERROR_INVALID_ARGUMENTS, "is of type i, got s");
  /* GLib only warns about a value out of range; so do we, with an error */
  assert_call_fails (f->proxy, "set_int", g_variant_new ("(si)", "count", 99),
                     PP_ERROR_INVALID_ARGUMENTS, "outside the range");

  assert_call_works (f->proxy, "set_int", g_variant_new ("(si)", "count", 5));
  assert_call_works (f->proxy, "set_strv", g_variant_new ("(s@mas)", "words",
                                                          g_variant_new_maybe (G_VARIANT_TYPE_STRING_ARRAY,
                                                                               NULL)));
  assert_call_works (f->proxy, "get_enum", g_variant_new ("(s)", "mode"));
  count = pp_test_call (f->proxy, "get_int", g_variant_new ("(s)", "count"));
  assert_printed (count, "(5,)");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* For the children: a critical ends them; a GSettings of our schema */
  g_setenv ("G_DEBUG", "gc-friendly,fatal-criticals", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", g_test_get_dir (G_TEST_BUILT), TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  g_test_add ("/Pp/Checks/deep-argument", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_deep_argument, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/construct-only", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_construct_only, pp_test_fixture_tear_down);

  g_test_add ("/Pp/Checks/preconditions/action", PpTestFixture, "stateful-action",
              pp_test_fixture_set_up, test_action_preconditions, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/stateless-action", PpTestFixture, "action",
              pp_test_fixture_set_up, test_stateless_action_preconditions,
              pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/action-state-property", PpTestFixture, "stateful-action",
              pp_test_fixture_set_up, test_action_state_property, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/stateless-action-state-property", PpTestFixture,
              "action", pp_test_fixture_set_up, test_stateless_action_state_property,
              pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/application-properties", PpTestFixture, "application",
              pp_test_fixture_set_up, test_application_properties, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/registered-application-properties", PpTestFixture,
              "registered-application", pp_test_fixture_set_up, test_application_properties,
              pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/socket-properties", PpTestFixture, "socket",
              pp_test_fixture_set_up, test_socket_properties, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/proxy-resolver-properties", PpTestFixture,
              "proxy-resolver", pp_test_fixture_set_up, test_proxy_resolver_properties,
              pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/action-group", PpTestFixture, "action-group",
              pp_test_fixture_set_up, test_action_group_preconditions, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/list-store", PpTestFixture, "list-store",
              pp_test_fixture_set_up, test_list_preconditions, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/menu", PpTestFixture, "menu",
              pp_test_fixture_set_up, test_menu_preconditions, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/preconditions/settings", PpTestFixture, "settings",
              pp_test_fixture_set_up, test_settings_preconditions, pp_test_fixture_tear_down);
  g_test_add_data_func ("/Pp/Checks/result-type/sync", GINT_TO_POINTER (FALSE),
                        test_result_type);
  g_test_add_data_func ("/Pp/Checks/result-type/async", GINT_TO_POINTER (TRUE),
                        test_result_type);

  return g_test_run ();
}
