/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The description of the remote object: what the listener builds comes
 * back the same from the parser, and what a hostile listener could send in
 * its WELCOME fails the handshake with an error that says what was wrong,
 * never with a critical or an abort in the proxy's process. */

#include <string.h>
#include <sys/socket.h>

#include "pp-test-util.h"
#include "pp-description-private.h"
#include "pp-mirror-private.h"
#include "pp-wire-private.h"

/* Generous: only reached when something is wrong (under valgrind, making
 * the mirror of 10,000 properties alone takes longer than 10 s) */
#define IO_TIMEOUT_SEC (g_getenv ("PP_TEST_UNDER_VALGRIND") != NULL ? 600 : 10)

/* A listener that answers the HELLO with a WELCOME of a hand-made
 * description, in a thread of its own, then waits for the proxy to go. */
typedef struct
{
  GSocket  *socket;
  GVariant   *info;
  const char *magic;     /* PP_WIRE_MAGIC when NULL */
  guint32     version;   /* PP_WIRE_PROTOCOL_VERSION when 0 */
  gboolean    proxy_left;
} FakeListener;

static gboolean
receive_exact (GSocket *socket,
               guint8  *buffer,
               gsize    size)
{
  while (size > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (char *) buffer, size, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        return FALSE;
      buffer += n;
      size -= n;
    }
  return TRUE;
}

static gpointer
fake_listener_thread (gpointer data)
{
  FakeListener *fake = data;
  guint8 header_data[PP_WIRE_HEADER_SIZE];
  g_autofree guint8 *body = NULL;
  g_autoptr(GBytes) welcome = NULL;
  g_autoptr(GError) error = NULL;
  PpWireHeader header;
  gsize size;
  const char *frame;
  guint8 rest;

  g_assert_true (receive_exact (fake->socket, header_data, sizeof header_data));
  g_assert_true (pp_wire_parse_header (header_data, G_MAXUINT32, &header, &error));
  g_assert_cmpuint (header.kind, ==, PP_WIRE_KIND_HELLO);
  body = g_malloc (pp_wire_stream_size (&header));
  g_assert_true (receive_exact (fake->socket, body,
                                pp_wire_stream_size (&header) - PP_WIRE_HEADER_SIZE));

  welcome = pp_wire_encode (PP_WIRE_KIND_WELCOME, PP_WIRE_FLAGS_NONE, header.serial, 0,
                            g_variant_new ("(su@a{sv})",
                                           fake->magic ? fake->magic : PP_WIRE_MAGIC,
                                           fake->version ? fake->version
                                                         : (guint32) PP_WIRE_PROTOCOL_VERSION,
                                           fake->info));
  frame = g_bytes_get_data (welcome, &size);
  while (size > 0)
    {
      gssize n = g_socket_send_with_blocking (fake->socket, frame, size, TRUE, NULL, &error);

      if (n < 0)
        break;  /* the proxy may close before it read it all */
      frame += n;
      size -= n;
    }

  /* A proxy that refused the description closes the connection */
  fake->proxy_left = !receive_exact (fake->socket, &rest, 1);
  return NULL;
}

/* Makes a proxy on the fake listener: the proxy, or NULL with @error set */
static PpProxy *
proxy_for_welcome (const char  *magic,
                   guint32      version,
                   GVariant    *info,
                   PpOptions   *options,
                   GError     **error)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  FakeListener fake = { 0 };
  PpProxy *proxy;
  GThread *thread;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  fake.socket = g_socket_new_from_fd (fds[1], &local_error);
  g_assert_no_error (local_error);
  g_socket_set_timeout (fake.socket, IO_TIMEOUT_SEC);
  fake.info = g_variant_ref_sink (info);
  fake.magic = magic;
  fake.version = version;
  thread = g_thread_new ("fake-listener", fake_listener_thread, &fake);

  stream = pp_stream_new_for_fd (fds[0], &local_error);
  g_assert_no_error (local_error);
  proxy = pp_proxy_new_sync (stream, options, NULL, error);
  if (proxy != NULL)
    pp_proxy_close (proxy);
  g_clear_object (&stream);

  g_thread_join (thread);
  g_assert_true (fake.proxy_left);
  g_object_unref (fake.socket);
  g_variant_unref (fake.info);
  return proxy;
}

static PpProxy *
proxy_for (GVariant   *info,
           PpOptions  *options,
           GError    **error)
{
  return proxy_for_welcome (NULL, 0, info, options, error);
}

/* The handshake fails with @code, in a message that says @what */
static void
check_refused (const char *description,
               PpOptions  *options,
               int         code,
               const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = proxy_for (g_variant_new_parsed (description), options, &error);

  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, what) == NULL)
    g_error ("“%s” does not say “%s”", error->message, what);
}

#define refused(description, what) \
  check_refused (description, NULL, PP_ERROR_PROTOCOL, what)

static void
test_hand_made (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GListModel) signals = NULL;

  proxy = proxy_for (g_variant_new_parsed ("{'type-name': <'PpFake'>,"
                                           " 'methods': <[('frob', '(u)', '()', false, 'added')]>,"
                                           " 'signals': <[('ping', uint32 0, ['guint'], '(u)', '')]>,"
                                           " 'properties': <[('size', uint32 3, 'guint', 'u', '',"
                                           "                  just <uint32 7>)]>}"),
                     NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "PpFake");
  g_assert_cmpuint (g_signal_lookup ("ping", G_OBJECT_TYPE (proxy)), !=, 0);
  g_assert_nonnull (g_object_class_find_property (G_OBJECT_GET_CLASS (proxy), "size"));
  signals = pp_proxy_list_signals (proxy);
  g_assert_cmpuint (g_list_model_get_n_items (signals), ==, 1);
}

static void
test_signal_not_tuple (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'signals': <[('bad', uint32 0, ['gint'], 'i', '')]>}",
           "signal “bad” has arguments of type i, which is not a tuple type");
}

static void
test_signal_not_a_type (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'signals': <[('bad', uint32 0, ['gint'], '(((', '')]>}",
           "signal “bad” has arguments of type (((");
}

static void
test_signal_too_few_items (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'signals': <[('bad', uint32 0, ['gint'], '()', '')]>}",
           "signal “bad” has 1 argument types for a tuple of 0");
}

static void
test_signal_twice (void)
{
  /* '_' and '-' are the same in a signal name */
  refused ("{'type-name': <'PpFake'>,"
           " 'signals': <[('two-words', uint32 0, @as [], '()', ''),"
           "              ('two_words', uint32 0, @as [], '()', '')]>}",
           "signal “two_words” is described twice");
}

static void
test_property_twice (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'properties': <[('size', uint32 3, 'guint', 'u', '', just <uint32 7>),"
           "                 ('size', uint32 3, 'guint', 'u', '', just <uint32 8>)]>}",
           "property “size” is described twice");
}

static void
test_property_value_type (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'properties': <[('size', uint32 3, 'guint', 'u', '', just <'seven'>)]>}",
           "property “size” of type u has a value of type s");
}

static void
test_property_not_a_type (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'properties': <[('size', uint32 3, 'guint', 'uu', '', @mv nothing)]>}",
           "property “size” has values of type “uu”");
}

static void
test_method_twice (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'methods': <[('frob', '()', '()', false, 'added'),"
           "              ('frob', '(u)', '()', false, 'introspected')]>}",
           "method “frob” is described twice");
}

static void
test_method_not_tuple (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'methods': <[('frob', 'u', '()', false, 'added')]>}",
           "method “frob” takes u and gives ()");
}

static void
test_method_dispatch (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'methods': <[('frob', '()', '()', false, 'telepathy')]>}",
           "method “frob” is dispatched as “telepathy”");
}

static void
test_wrong_key_type (void)
{
  refused ("{'type-name': <'PpFake'>, 'methods': <['frob']>}",
           "“methods” is of type as, not a(sssbs)");
}

static void
test_no_type_name (void)
{
  refused ("{'methods': <@a(sssbs) []>}", "it has no type name");
}

static void
test_no_names (void)
{
  refused ("{'type-name': <'PpFake'>,"
           " 'methods': <[('', '()', '()', false, 'added')]>}",
           "a method has no name");
}

static void
test_interface_refused_twice (void)
{
  refused ("{'type-name': <'PpFake'>, 'interfaces': <['GListModel']>,"
           " 'refused-interfaces': <[('GListModel', 'no'), ('GListModel', 'no')]>}",
           "interface “GListModel” is refused twice");
}

static void
test_interface_limit (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();

  /* Type names and interfaces count as members */
  pp_options_set_max_description_members (options, 3);
  check_refused ("{'type-name': <'PpFake'>, 'type-chain': <['PpFake', 'GObject']>,"
                 " 'interfaces': <['A', 'B']>}",
                 options, PP_ERROR_LIMIT_EXCEEDED, "more than the limit of 3");
}

/* What a peer says it implements is implemented only when the methods it
 * describes are the interface's, with the same types */
static void
test_interfaces_checked (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(PpProxy) wrong = NULL;
  g_autoptr(PpProxy) right = NULL;

  proxy = proxy_for (g_variant_new_parsed ("{'type-name': <'PpFake1'>,"
                                           " 'interfaces': <['GListModel', 'GObject', 'NoSuch']>}"),
                     NULL, &error);
  g_assert_no_error (error);
  g_assert_false (G_IS_LIST_MODEL (proxy));
  g_assert_nonnull (strstr (pp_mirror_interface_unavailable (pp_mirror_get (proxy), "GListModel"),
                            "has no method “get_item”"));
  g_assert_nonnull (pp_mirror_interface_unavailable (pp_mirror_get (proxy), "GObject"));
  g_assert_nonnull (pp_mirror_interface_unavailable (pp_mirror_get (proxy), "NoSuch"));

  wrong = proxy_for (g_variant_new_parsed ("{'type-name': <'PpFake2'>,"
                                           " 'interfaces': <['GListModel']>,"
                                           " 'methods': <[('get_item_type', '()', '(s)', false, 'added'),"
                                           "  ('get_n_items', '()', '(i)', false, 'added'),"
                                           "  ('get_item', '(u)', '(mo)', false, 'added')]>}"),
                     NULL, &error);
  g_assert_no_error (error);
  g_assert_false (G_IS_LIST_MODEL (wrong));
  g_test_message ("%s", pp_mirror_interface_unavailable (pp_mirror_get (wrong), "GListModel"));
  g_assert_nonnull (strstr (pp_mirror_interface_unavailable (pp_mirror_get (wrong), "GListModel"),
                            "takes () and gives (u), but method “get_n_items” takes () and "
                            "gives (i)"));

  right = proxy_for (g_variant_new_parsed ("{'type-name': <'PpFake3'>,"
                                           " 'interfaces': <['GListModel']>,"
                                           " 'methods': <[('get_item_type', '()', '(s)', false, 'added'),"
                                           "  ('get_n_items', '()', '(u)', false, 'added'),"
                                           "  ('get_item', '(u)', '(mo)', false, 'added')]>}"),
                     NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_LIST_MODEL (right));
  g_assert_null (pp_mirror_interface_unavailable (pp_mirror_get (right), "GListModel"));
}

static void
test_size_limit (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();

  pp_options_set_max_description_size (options, 64);
  check_refused ("{'type-name': <'PpFake'>,"
                 " 'methods': <[('a_method_with_a_long_name', '()', '()', false, 'added')]>}",
                 options, PP_ERROR_LIMIT_EXCEEDED, "more than the limit of 64");
}

/* A WELCOME from something else, or from another version, is refused with
 * the reason that is true */
static void
test_not_pipeproxy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  proxy = proxy_for_welcome ("dbus", 0, g_variant_new_parsed ("{'type-name': <'PpFake'>}"),
                             NULL, &error);
  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "not a pipeproxy listener"));
  g_clear_error (&error);

  proxy = proxy_for_welcome (NULL, PP_WIRE_PROTOCOL_VERSION + 1,
                             g_variant_new_parsed ("{'type-name': <'PpFake'>}"), NULL, &error);
  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "protocol version"));
}

static GVariant *
many_methods (guint n)
{
  GVariantBuilder methods;

  g_variant_builder_init (&methods, G_VARIANT_TYPE ("a(sssbs)"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u", i);

      g_variant_builder_add (&methods, "(sssbs)", name, "()", "()", FALSE, "added");
    }
  return g_variant_new_parsed ("{'type-name': <'PpFake'>, 'methods': <%*>}",
                               g_variant_builder_end (&methods));
}

static void
test_member_limit (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  /* The default applies without options */
  g_assert_cmpuint (pp_options_get_max_description_members (options), ==, 8192);
  proxy = proxy_for (many_methods (8193), NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_assert_nonnull (strstr (error->message, "more than the limit of 8192"));
  g_clear_error (&error);

  pp_options_set_max_description_members (options, 10);
  proxy = proxy_for (many_methods (10), options, &error);
  g_assert_no_error (error);
  g_clear_object (&proxy);
  proxy = proxy_for (many_methods (11), options, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
}

static GVariant *
many_properties (guint n)
{
  GVariantBuilder properties;

  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a(susssmv)"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u-%u", n, i);

      /* Not readable, so not mirrored: a mirrored name becomes a quark,
       * which is GLib's business, not the parser's */
      g_variant_builder_add (&properties, "(susss@mv)", name, G_PARAM_WRITABLE, "guint", "u", "",
                             g_variant_new_maybe (NULL, g_variant_new_variant (
                                                    g_variant_new_uint32 (i))));
    }
  return g_variant_new_parsed ("{'type-name': <'PpFake'>, 'properties': <%*>}",
                               g_variant_builder_end (&properties));
}

/* A description of 20,000 members is taken once the limits allow it. How
 * the time this takes grows with the count is a figure of pp-bench-flood,
 * not checked here: a machine that is busy elsewhere makes any timing in
 * a test unreliable. */
static void
test_many_members (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;

  proxy = proxy_for (many_properties (20000), NULL, &error);
  g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_assert_null (proxy);
  g_clear_error (&error);

  pp_options_set_max_description_members (options, 100000);
  pp_options_set_max_description_size (options, 16 * 1024 * 1024);
  proxy = proxy_for (many_properties (20000), options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (proxy);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "PpFake");
}

/* What the listener builds is what the proxy parses */
static void
test_round_trip (void)
{
  g_autoptr(PpDescription) built = pp_description_new ("PpThing");
  g_autoptr(PpDescription) parsed = NULL;
  g_autoptr(PpDescription) other_values = pp_description_new ("PpThing");
  g_autoptr(GError) error = NULL;
  const char *arg_types[] = { "gint", "gchararray" };
  PpDescriptionLimits limits = { 4096, 16 };
  const PpDescribedSignal *sig;
  const PpDescribedMethod *method;
  g_autoptr(GVariant) three = g_variant_ref_sink (g_variant_new_parsed ("just <uint32 3>"));
  gboolean unix_fds = FALSE;

  for (PpDescription *d = built; d != NULL; d = d == built ? other_values : NULL)
    {
      pp_description_add_chain_type (d, "PpThing");
      pp_description_add_chain_type (d, "GObject");
      pp_description_add_interface (d, "PpThingish");
      g_assert_true (pp_description_refuse_interface (d, "PpThingish", "it is not"));
      g_assert_false (pp_description_refuse_interface (d, "PpThingish", "twice"));
      g_assert_true (pp_description_add_method (d, "add-one", "(i)", "(i)", FALSE,
                                                PP_METHOD_DISPATCH_ACTION_SIGNAL));
      g_assert_false (pp_description_add_method (d, "add-one", "()", "()", FALSE,
                                                 PP_METHOD_DISPATCH_ADDED));
      g_assert_true (pp_description_add_signal (d, "changed", G_SIGNAL_RUN_LAST, 2, arg_types,
                                                "(ims)", ""));
      g_assert_true (pp_description_add_property (d, "size", G_PARAM_READWRITE, "guint", "u", "",
                                                  g_variant_new_parsed ("just <uint32 %u>",
                                                                        d == built ? 3 : 4)));
    }

  parsed = pp_description_parse (pp_description_serialize (built, TRUE), &limits, &unix_fds,
                                 &error);
  g_assert_no_error (error);
  g_assert_true (unix_fds);
  g_assert_cmpstr (pp_description_get_type_name (parsed), ==, "PpThing");
  g_assert_cmpstr (pp_description_get_hash (parsed), ==, pp_description_get_hash (built));
  /* The values are not part of the interface */
  g_assert_cmpstr (pp_description_get_hash (other_values), ==, pp_description_get_hash (built));

  method = pp_description_lookup_method (parsed, "add_one");
  g_assert_nonnull (method);
  g_assert_cmpstr (method->in_signature, ==, "(i)");
  g_assert_cmpint (method->dispatch, ==, PP_METHOD_DISPATCH_ACTION_SIGNAL);
  g_assert_cmpint (pp_description_find_signal (parsed, "changed"), ==, 0);
  sig = pp_description_get_signal (parsed, 0);
  g_assert_cmpuint (sig->n_args, ==, 2);
  g_assert_cmpstr (sig->arg_type_names[1], ==, "gchararray");
  g_assert_cmpint (pp_description_find_property (parsed, "size"), ==, 0);
  g_assert_cmpuint (pp_description_get_n_interfaces (parsed), ==, 1);
  g_assert_cmpstr (pp_description_get_interface_reason (parsed, "PpThingish"), ==, "it is not");
  g_assert_true (g_variant_equal (pp_description_get_property (parsed, 0)->value, three));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Description/round-trip", test_round_trip);
  g_test_add_func ("/Pp/Description/hand-made", test_hand_made);
  g_test_add_func ("/Pp/Description/not-pipeproxy", test_not_pipeproxy);
  g_test_add_func ("/Pp/Description/signal-not-tuple", test_signal_not_tuple);
  g_test_add_func ("/Pp/Description/signal-not-a-type", test_signal_not_a_type);
  g_test_add_func ("/Pp/Description/signal-too-few-items", test_signal_too_few_items);
  g_test_add_func ("/Pp/Description/signal-twice", test_signal_twice);
  g_test_add_func ("/Pp/Description/property-twice", test_property_twice);
  g_test_add_func ("/Pp/Description/property-value-type", test_property_value_type);
  g_test_add_func ("/Pp/Description/property-not-a-type", test_property_not_a_type);
  g_test_add_func ("/Pp/Description/method-twice", test_method_twice);
  g_test_add_func ("/Pp/Description/method-not-tuple", test_method_not_tuple);
  g_test_add_func ("/Pp/Description/method-dispatch", test_method_dispatch);
  g_test_add_func ("/Pp/Description/wrong-key-type", test_wrong_key_type);
  g_test_add_func ("/Pp/Description/no-type-name", test_no_type_name);
  g_test_add_func ("/Pp/Description/no-names", test_no_names);
  g_test_add_func ("/Pp/Description/size-limit", test_size_limit);
  g_test_add_func ("/Pp/Description/interface-refused-twice", test_interface_refused_twice);
  g_test_add_func ("/Pp/Description/interface-limit", test_interface_limit);
  g_test_add_func ("/Pp/Description/interfaces-checked", test_interfaces_checked);
  g_test_add_func ("/Pp/Description/member-limit", test_member_limit);
  g_test_add_func ("/Pp/Description/many-members", test_many_members);

  return g_test_run ();
}
