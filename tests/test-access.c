/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Access control at the listener: the peer's credentials, the same-user
 * rule, PpListener::authorize and the allowlist, across a real process
 * boundary.
 *
 * Each case forks: the child holds the proxy and plays the caller (its
 * checks end it with a non-zero status when they fail), the parent serves
 * a PpTestObject and checks what the serving side sees. The child may
 * connect to a listening socket, so that the kernel reports it, not the
 * parent, as the peer, and may first become another user. */

#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <pipeproxy/pipeproxy.h>

#include "pp-test-util.h"

#include "testlib/pp-test-object.h"

#define NOBODY 65534

typedef enum
{
  SOCKET_PAIR,   /* made by the parent, before the fork */
  CONNECTED,     /* the child connects to the parent's listening socket */
  PIPES,
} Transport;

typedef struct
{
  PpTestObject *object;
  GObject      *served;        /* served instead of @object, when set */
  PpListener   *listener;
  PpTestChild   child;
  gboolean      closed;
  GError       *closed_error;
  GPtrArray    *seen;          /* what the authorize handler saw */
} Fixture;

/* Runs in the child with the proxy, or with why there is none */
typedef void (*CallerFunc) (PpProxy *proxy,
                            GError  *error);

static void
on_closed (PpListener   *listener,
           const GError *error,
           Fixture      *f)
{
  f->closed = TRUE;
  if (error != NULL)
    f->closed_error = g_error_copy (error);
}

static void
become_nobody (void)
{
  g_assert_no_errno (setgroups (0, NULL));
  g_assert_no_errno (setgid (NOBODY));
  g_assert_no_errno (setuid (NOBODY));
}

/* Takes @stream; never returns */
static void
run_caller (CallerFunc  caller,
            GIOStream  *stream)
{
  GError *error = NULL;
  PpProxy *proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);

  caller (proxy, error);
  g_clear_error (&error);
  g_clear_object (&proxy);
  g_object_unref (stream);
  _exit (0);
}

/* What the two processes talk through, made before the fork */
typedef struct
{
  Transport          transport;
  struct sockaddr_un address;   /* CONNECTED: the parent's listening socket */
  socklen_t          length;
  int                server;
  int                fds[2];    /* SOCKET_PAIR: the pair; PIPES: to the parent */
  int                to_child[2];
} Ends;

static void
ends_open (Ends      *ends,
           Transport  transport)
{
  *ends = (Ends) { .transport = transport, .address.sun_family = AF_UNIX, .server = -1 };

  if (transport == CONNECTED)
    {
      /* Abstract: another user can connect to it */
      g_snprintf (ends->address.sun_path + 1, sizeof ends->address.sun_path - 1,
                  "pp-test-access-%d-%d", (int) getpid (), g_test_rand_int ());
      ends->length = offsetof (struct sockaddr_un, sun_path) + 1 +
                     strlen (ends->address.sun_path + 1);
      ends->server = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (ends->server, >=, 0);
      g_assert_no_errno (bind (ends->server, (struct sockaddr *) &ends->address, ends->length));
      g_assert_no_errno (listen (ends->server, 1));
    }
  else if (transport == SOCKET_PAIR)
    g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends->fds));
  else
    {
      g_assert_true (g_unix_open_pipe (ends->fds, FD_CLOEXEC, NULL));
      g_assert_true (g_unix_open_pipe (ends->to_child, FD_CLOEXEC, NULL));
    }
}

/* In the child: its stream, the other ends closed */
static GIOStream *
ends_child_stream (Ends *ends)
{
  GIOStream *stream;
  GError *error = NULL;

  if (ends->transport == CONNECTED)
    {
      int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

      close (ends->server);
      g_assert_no_errno (connect (fd, (struct sockaddr *) &ends->address, ends->length));
      stream = pp_stream_new_for_fd (fd, &error);
    }
  else if (ends->transport == SOCKET_PAIR)
    {
      close (ends->fds[0]);
      stream = pp_stream_new_for_fd (ends->fds[1], &error);
    }
  else
    {
      /* We read to_child, write fds */
      close (ends->fds[0]);
      close (ends->to_child[1]);
      stream = pp_stream_new_for_fds (ends->to_child[0], ends->fds[1], &error);
    }
  g_assert_no_error (error);
  return stream;
}

/* In the parent: its stream, the child's ends closed */
static GIOStream *
ends_parent_stream (Ends *ends)
{
  GIOStream *stream;
  GError *error = NULL;

  if (ends->transport == CONNECTED)
    {
      int fd = accept (ends->server, NULL, NULL);

      g_assert_cmpint (fd, >=, 0);
      close (ends->server);
      stream = pp_stream_new_for_fd (fd, &error);
    }
  else if (ends->transport == SOCKET_PAIR)
    {
      close (ends->fds[1]);
      stream = pp_stream_new_for_fd (ends->fds[0], &error);
    }
  else
    {
      close (ends->fds[1]);
      close (ends->to_child[0]);
      stream = pp_stream_new_for_fds (ends->fds[0], ends->to_child[1], &error);
    }
  g_assert_no_error (error);
  return stream;
}

/* Forks a caller running @caller on a proxy of our listener, as user
 * @uid when it is not ours. The parent returns with the listener made
 * but nothing read yet, so the case can set it up before the handshake. */
static void
start (Fixture    *f,
       Transport   transport,
       uid_t       uid,
       CallerFunc  caller)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  Ends ends;

  ends_open (&ends, transport);
  if (pp_test_child_fork (&f->child))
    {
      if (uid != getuid ())
        become_nobody ();
      run_caller (caller, ends_child_stream (&ends));
    }

  stream = ends_parent_stream (&ends);
  f->listener = pp_listener_new (f->served ? f->served : G_OBJECT (f->object), stream, &error);
  g_assert_no_error (error);
  g_signal_connect (f->listener, "closed", G_CALLBACK (on_closed), f);
}

static void
wait_for_closed (Fixture *f)
{
  while (!f->closed)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->object = pp_test_object_new ();
  f->seen = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->listener);
  g_clear_object (&f->served);
  g_clear_object (&f->object);
  g_clear_error (&f->closed_error);
  g_ptr_array_unref (f->seen);
}

static void
assert_printed (GVariant   *value,
                const char *expected)
{
  g_autofree char *printed = g_variant_print (value, FALSE);

  g_assert_cmpstr (printed, ==, expected);
  g_variant_unref (value);
}

static int
get_parameter (PpProxy *proxy)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, "get_parameter", NULL);
  int value;

  g_variant_get (result, "(i)", &value);
  return value;
}

/* Calls @method, which must fail with @domain and @code and a message
 * containing @text */
static void
call_fails (PpProxy    *proxy,
            const char *method,
            GVariant   *parameters,
            GQuark      domain,
            int         code,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = pp_proxy_call_sync (proxy, method, parameters, -1, NULL, &error);
  g_assert_error (error, domain, code);
  if (text != NULL && strstr (error->message, text) == NULL)
    g_error ("“%s” does not say “%s”", error->message, text);
}

/* Credentials ------------------------------------------------------------- */

static void
call_once (PpProxy *proxy,
           GError  *error)
{
  g_assert_no_error (error);
  g_assert_cmpint (get_parameter (proxy), ==, 0);
}

/* The process that connected is the peer */
static void
test_credentials_connected (Fixture       *f,
                            gconstpointer  data)
{
  GCredentials *credentials;

  start (f, CONNECTED, getuid (), call_once);
  credentials = pp_listener_get_peer_credentials (f->listener);
  g_assert_nonnull (credentials);
  g_assert_cmpint (g_credentials_get_unix_pid (credentials, NULL), ==, f->child.pid);
  g_assert_cmpint (g_credentials_get_unix_user (credentials, NULL), ==, getuid ());
  pp_test_child_wait (&f->child);
}

/* A socket pair's peer is the process that made it */
static void
test_credentials_pair (Fixture       *f,
                       gconstpointer  data)
{
  GCredentials *credentials;

  start (f, SOCKET_PAIR, getuid (), call_once);
  credentials = pp_listener_get_peer_credentials (f->listener);
  g_assert_nonnull (credentials);
  g_assert_cmpint (g_credentials_get_unix_pid (credentials, NULL), ==, getpid ());
  pp_test_child_wait (&f->child);
}

static void
test_credentials_pipes (Fixture       *f,
                        gconstpointer  data)
{
  start (f, PIPES, getuid (), call_once);
  g_assert_null (pp_listener_get_peer_credentials (f->listener));
  pp_test_child_wait (&f->child);
}

/* The same-user rule ------------------------------------------------------ */

static void
test_same_user (Fixture       *f,
                gconstpointer  data)
{
  start (f, CONNECTED, getuid (), call_once);
  g_assert_false (pp_listener_get_require_same_user (f->listener));
  pp_listener_set_require_same_user (f->listener, TRUE);
  g_assert_true (pp_listener_get_require_same_user (f->listener));
  pp_test_child_wait (&f->child);
}

static void
refused_as_nobody (PpProxy *proxy,
                   GError  *error)
{
  g_autofree char *user = g_strdup_printf ("runs as user %d", NOBODY);

  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  if (strstr (error->message, user) == NULL ||
      strstr (error->message, "serves only its own user (0)") == NULL)
    g_error ("Not clear: %s", error->message);
}

/* A peer of another user is refused at the handshake; not before the
 * listener is asked to */
static void
test_other_user (Fixture       *f,
                 gconstpointer  data)
{
  GCredentials *credentials;

  if (getuid () != 0)
    {
      g_test_skip ("Only root can become another user");
      return;
    }

  start (f, CONNECTED, NOBODY, refused_as_nobody);
  g_object_set (f->listener, "require-same-user", TRUE, NULL);
  credentials = pp_listener_get_peer_credentials (f->listener);
  g_assert_cmpint (g_credentials_get_unix_user (credentials, NULL), ==, NOBODY);
  wait_for_closed (f);
  g_assert_error (f->closed_error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  pp_test_child_wait (&f->child);
}

static void
test_other_user_allowed (Fixture       *f,
                         gconstpointer  data)
{
  if (getuid () != 0)
    {
      g_test_skip ("Only root can become another user");
      return;
    }

  /* The rule is off by default */
  start (f, CONNECTED, NOBODY, call_once);
  pp_test_child_wait (&f->child);
}

static void
refused_on_pipes (PpProxy *proxy,
                  GError  *error)
{
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (error->message, "cannot tell the proxy’s"));
}

/* A peer whose user cannot be told is not served */
static void
test_same_user_pipes (Fixture       *f,
                      gconstpointer  data)
{
  start (f, PIPES, getuid (), refused_on_pipes);
  pp_listener_set_require_same_user (f->listener, TRUE);
  wait_for_closed (f);
  pp_test_child_wait (&f->child);
}

/* PpListener::authorize --------------------------------------------------- */

static gboolean
refuse_echo (PpListener *listener,
             PpRequest  *request,
             Fixture    *f)
{
  g_assert_cmpint (pp_request_get_kind (request), ==, PP_REQUEST_CALL);
  g_assert_cmpstr (pp_request_get_name (request), ==, "echo_string");
  g_assert_cmpstr (g_variant_get_type_string (pp_request_get_parameters (request)), ==, "(s)");
  pp_request_refuse_literal (request, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "No echoes");
  return TRUE;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

/* Calls in flight around a refused one all end as they would have */
static void
refused_among_others (PpProxy *proxy,
                      GError  *error)
{
  GAsyncResult *results[4] = { NULL, };
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) refused = NULL;
  int i;

  g_assert_no_error (error);
  pp_proxy_call_async (proxy, "set_parameter", g_variant_new ("(i)", 7), -1, NULL,
                       got_result, &results[0]);
  pp_proxy_call_async (proxy, "echo_string", g_variant_new ("(s)", "hi"), -1, NULL,
                       got_result, &results[1]);
  pp_proxy_call_async (proxy, "echo_int32", g_variant_new ("(i)", 3), -1, NULL,
                       got_result, &results[2]);
  pp_proxy_call_async (proxy, "get_parameter", NULL, -1, NULL, got_result, &results[3]);
  while (results[3] == NULL)
    g_main_context_iteration (NULL, TRUE);
  for (i = 0; i < 3; i++)
    g_assert_nonnull (results[i]);

  value = pp_proxy_call_finish (proxy, results[0], &error);
  g_assert_no_error (error);
  g_clear_pointer (&value, g_variant_unref);

  value = pp_proxy_call_finish (proxy, results[1], &refused);
  g_assert_null (value);
  g_assert_error (refused, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (refused->message, ==, "No echoes");

  value = pp_proxy_call_finish (proxy, results[2], &error);
  g_assert_no_error (error);
  assert_printed (g_steal_pointer (&value), "(3,)");

  value = pp_proxy_call_finish (proxy, results[3], &error);
  g_assert_no_error (error);
  assert_printed (g_steal_pointer (&value), "(7,)");

  for (i = 0; i < 4; i++)
    g_object_unref (results[i]);

  /* And the connection goes on */
  g_assert_false (pp_proxy_is_closed (proxy));
  call_fails (proxy, "echo_string", g_variant_new ("(s)", "again"),
              G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "No echoes");
  g_assert_cmpint (get_parameter (proxy), ==, 7);
}

static void
test_authorize_one_method (Fixture       *f,
                           gconstpointer  data)
{
  start (f, SOCKET_PAIR, getuid (), refused_among_others);
  g_signal_connect (f->listener, "authorize::echo_string", G_CALLBACK (refuse_echo), f);
  pp_test_child_wait (&f->child);
  /* Only because the caller went away */
  wait_for_closed (f);
  g_assert_error (f->closed_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpint (pp_test_object_get_parameter (f->object), ==, 7);
}

/* Records every request; refuses a write of 13 and the subscription to
 * "numbers" by returning FALSE */
static gboolean
record (PpListener *listener,
        PpRequest  *request,
        Fixture    *f)
{
  static const char * const kinds[] = { "connect", "call", "set-property", "subscribe" };
  GVariant *parameters = pp_request_get_parameters (request);
  GCredentials *credentials = pp_request_get_credentials (request);
  g_autofree char *printed = g_variant_print (parameters, FALSE);

  g_assert_true (credentials == pp_listener_get_peer_credentials (listener));
  g_assert_cmpint (g_credentials_get_unix_pid (credentials, NULL), ==, f->child.pid);

  g_ptr_array_add (f->seen, g_strdup_printf ("%s %s %s", kinds[pp_request_get_kind (request)],
                                             pp_request_get_name (request) ?: "-", printed));
  if (pp_request_get_kind (request) == PP_REQUEST_SET_PROPERTY)
    {
      g_autoptr(GVariant) value = NULL;

      g_variant_get (parameters, "(mv)", &value);
      return value == NULL || g_variant_get_int32 (value) != 13;
    }
  return g_strcmp0 (pp_request_get_name (request), "numbers") != 0;
}

static void
on_ping (GObject *proxy,
         int     *count)
{
  (*count)++;
}

static void
every_kind (PpProxy *proxy,
            GError  *error)
{
  g_autoptr(GError) refused = NULL;
  int pings = 0, numbers = 0, parameter;

  g_assert_no_error (error);

  pp_proxy_set_property_sync (proxy, "parameter", g_variant_new_int32 (12), NULL, &error);
  g_assert_no_error (error);
  pp_proxy_set_property_sync (proxy, "parameter", g_variant_new_int32 (13), NULL, &refused);
  g_assert_error (refused, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  g_assert_cmpstr (refused->message, ==,
                   "Writing property “parameter” of PpTestObject was refused");
  g_object_get (proxy, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 12);

  g_signal_connect (proxy, "ping", G_CALLBACK (on_ping), &pings);
  g_signal_connect_swapped (proxy, "numbers", G_CALLBACK (on_ping), &numbers);
  g_variant_unref (pp_test_call (proxy, "emit_numbers", g_variant_new ("(b)", FALSE)));
  g_variant_unref (pp_test_call (proxy, "emit_ping", NULL));
  /* In order: "numbers" would come first */
  while (pings == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (numbers, ==, 0);
}

static void
test_authorize_every_kind (Fixture       *f,
                           gconstpointer  data)
{
  static const char * const expected[] = {
    "connect - ()",
    "set-property parameter (<12>,)",
    "set-property parameter (<13>,)",
    "subscribe ping ()",
    "subscribe numbers ()",
    "call emit_numbers (false,)",
    "call emit_ping ()",
    NULL
  };

  start (f, CONNECTED, getuid (), every_kind);
  g_signal_connect (f->listener, "authorize", G_CALLBACK (record), f);
  pp_test_child_wait (&f->child);
  g_ptr_array_add (f->seen, NULL);
  g_assert_cmpstrv ((const char * const *) f->seen->pdata, expected);
  g_assert_cmpint (pp_test_object_get_parameter (f->object), ==, 12);
}

static gboolean
refuse_peer (PpListener *listener,
             PpRequest  *request,
             Fixture    *f)
{
  if (pp_request_get_kind (request) == PP_REQUEST_CONNECT)
    pp_request_refuse_literal (request, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               "Not this one");
  return TRUE;
}

static void
refused_peer (PpProxy *proxy,
              GError  *error)
{
  g_assert_null (proxy);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Not this one");
}

static void
test_authorize_peer (Fixture       *f,
                     gconstpointer  data)
{
  start (f, CONNECTED, getuid (), refused_peer);
  g_signal_connect (f->listener, "authorize", G_CALLBACK (refuse_peer), f);
  wait_for_closed (f);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  pp_test_child_wait (&f->child);
}

/* The allowlist ----------------------------------------------------------- */

static gboolean
has_member (GListModel *members,
            const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (members, i);

      if (g_str_equal (pp_member_get_name (member), name))
        return TRUE;
    }
  return FALSE;
}

static void
sees_allowed (PpProxy *proxy,
              GError  *error)
{
  g_autoptr(GListModel) methods = NULL;
  g_autoptr(GListModel) signals = NULL;
  g_autoptr(GListModel) props = NULL;

  g_assert_no_error (error);
  methods = pp_proxy_list_methods (proxy);
  signals = pp_proxy_list_signals (proxy);
  props = pp_proxy_list_properties (proxy);
  g_assert_cmpuint (g_list_model_get_n_items (methods), ==, 2);
  g_assert_true (has_member (methods, "get_parameter"));
  g_assert_true (has_member (methods, "emit_ping"));
  g_assert_cmpuint (g_list_model_get_n_items (signals), ==, 1);
  g_assert_true (has_member (signals, "ping"));
  g_assert_cmpuint (g_list_model_get_n_items (props), ==, 1);
  g_assert_true (has_member (props, "parameter"));

  g_assert_cmpint (get_parameter (proxy), ==, 0);
  pp_proxy_set_property_sync (proxy, "parameter", g_variant_new_int32 (4), NULL, &error);
  g_assert_no_error (error);
  g_variant_unref (pp_test_call (proxy, "emit_ping", NULL));
}

static void
test_allowlist_description (Fixture       *f,
                            gconstpointer  data)
{
  static const char * const allowed[] = {
    "get_parameter", "emit-ping", "ping", "property:parameter", "method:parameter", NULL
  };
  start (f, SOCKET_PAIR, getuid (), sees_allowed);
  pp_listener_set_allowed_members (f->listener, allowed);
  g_assert_cmpstrv (pp_listener_get_allowed_members (f->listener), allowed);
  pp_test_child_wait (&f->child);
  g_assert_cmpint (pp_test_object_get_parameter (f->object), ==, 4);
}

/* Sets the allowlist once the peer has the whole description, as if the
 * peer had made up the names it calls */
static GVariant *
restrict_access (GObject   *object,
                 GVariant  *parameters,
                 gpointer   user_data,
                 GError   **error)
{
  static const char * const allowed[] = { "get_parameter", "echo_int32", NULL };

  pp_listener_set_allowed_members (user_data, allowed);
  /* Not sent: the peer may no longer see them */
  pp_test_object_set_parameter (PP_TEST_OBJECT (object), 42);
  pp_test_object_emit_ping (PP_TEST_OBJECT (object));
  return g_variant_new ("()");
}

static void
makes_up_names (PpProxy *proxy,
                GError  *error)
{
  g_autoptr(GError) refused = NULL;
  int parameter;
  int pings = 0;

  g_assert_no_error (error);
  g_signal_connect (proxy, "ping", G_CALLBACK (on_ping), &pings);
  g_variant_unref (pp_test_call (proxy, "restrict", NULL));
  /* What came before the reply is there to dispatch */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (pings, ==, 0);

  call_fails (proxy, "set_parameter", g_variant_new ("(i)", 1), PP_ERROR, PP_ERROR_ACCESS_DENIED,
              "Method “set_parameter” of PpTestObject is not on the listener’s list");
  call_fails (proxy, "no_such_method", NULL, PP_ERROR, PP_ERROR_ACCESS_DENIED,
              "not on the listener’s list");
  call_fails (proxy, "restrict", NULL, PP_ERROR, PP_ERROR_ACCESS_DENIED, NULL);
  pp_proxy_set_property_sync (proxy, "parameter", g_variant_new_int32 (4), NULL, &refused);
  g_assert_error (refused, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (refused->message, "Property “parameter” of PpTestObject"));

  g_assert_cmpint (get_parameter (proxy), ==, 42);
  assert_printed (pp_test_call (proxy, "echo_int32", g_variant_new ("(i)", 5)), "(5,)");
  /* Its change was not sent, nor the subscription's emissions */
  g_object_get (proxy, "parameter", &parameter, NULL);
  g_assert_cmpint (parameter, ==, 0);
  call_fails (proxy, "emit_ping", NULL, PP_ERROR, PP_ERROR_ACCESS_DENIED, NULL);
  g_assert_cmpint (pings, ==, 0);
}

static void
test_allowlist_calls (Fixture       *f,
                      gconstpointer  data)
{
  start (f, SOCKET_PAIR, getuid (), makes_up_names);
  pp_listener_add_method (f->listener, "restrict", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE_UNIT,
                          restrict_access, f->listener, NULL);
  pp_test_child_wait (&f->child);
  g_assert_cmpint (pp_test_object_get_parameter (f->object), ==, 42);
}

/* Objects the listener's methods return ----------------------------------- */

/* Refuses a call of echo_int32 on the store's item, and says which object
 * each call was for */
static gboolean
refuse_item_echo (PpListener *listener,
                  PpRequest  *request,
                  Fixture    *f)
{
  GObject *object = pp_request_get_object (request);

  if (pp_request_get_kind (request) == PP_REQUEST_CONNECT)
    return TRUE;
  g_assert_nonnull (object);
  g_ptr_array_add (f->seen, g_strdup_printf ("%s %s", G_OBJECT_TYPE_NAME (object),
                                             pp_request_get_name (request)));
  if (object == (GObject *) f->object && pp_request_get_kind (request) == PP_REQUEST_CALL &&
      g_strcmp0 (pp_request_get_name (request), "echo_int32") == 0)
    pp_request_refuse_literal (request, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "Not here");
  return TRUE;
}

static void
item_follows_rules (PpProxy *proxy,
                    GError  *error)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GListModel) methods = NULL;
  g_autoptr(GListModel) props = NULL;
  g_autoptr(GError) refused = NULL;
  PpProxy *item;

  g_assert_no_error (error);
  result = pp_proxy_call_full_sync (proxy, "get_item", g_variant_new ("(u)", 0), NULL, NULL, -1,
                                    NULL, &objects, NULL, &error);
  g_assert_no_error (error);
  item = g_ptr_array_index (objects, 0);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (item), ==, "PpTestObject");

  /* It is described as the allowlist lets the peer see it */
  methods = pp_proxy_list_methods (item);
  props = pp_proxy_list_properties (item);
  g_assert_true (has_member (methods, "get_parameter"));
  g_assert_true (has_member (methods, "echo_int32"));
  g_assert_false (has_member (methods, "set_parameter"));
  g_assert_false (has_member (props, "parameter"));
  g_assert_cmpint (get_parameter (item), ==, 7);

  /* Its calls are checked as the listener's object's are */
  call_fails (item, "set_parameter", g_variant_new ("(i)", 1), PP_ERROR, PP_ERROR_ACCESS_DENIED,
              "Method “set_parameter” of PpTestObject is not on the listener’s list");
  /* The property is not even described */
  pp_proxy_set_property_sync (item, "parameter", g_variant_new_int32 (4), NULL, &refused);
  g_assert_nonnull (refused);
  g_assert_true (refused->domain == PP_ERROR);
  call_fails (item, "echo_int32", g_variant_new ("(i)", 3), G_IO_ERROR,
              G_IO_ERROR_PERMISSION_DENIED, "Not here");
  call_fails (proxy, "remove_all", NULL, PP_ERROR, PP_ERROR_ACCESS_DENIED,
              "Method “remove_all” of GListStore is not on the listener’s list");
  g_assert_cmpint (get_parameter (item), ==, 7);
}

static void
test_returned_objects (Fixture       *f,
                       gconstpointer  data)
{
  static const char * const allowed[] = {
    "get_item", "get_parameter", "echo_int32", NULL
  };
  static const char * const expected[] = {
    "GListStore get_item", "PpTestObject get_parameter", "PpTestObject echo_int32",
    "PpTestObject get_parameter", NULL
  };
  GListStore *store = g_list_store_new (PP_TEST_TYPE_OBJECT);

  pp_test_object_set_parameter (f->object, 7);
  g_list_store_append (store, f->object);
  f->served = G_OBJECT (store);
  start (f, SOCKET_PAIR, getuid (), item_follows_rules);
  pp_listener_set_allowed_members (f->listener, allowed);
  g_signal_connect (f->listener, "authorize", G_CALLBACK (refuse_item_echo), f);
  pp_test_child_wait (&f->child);
  g_ptr_array_add (f->seen, NULL);
  g_assert_cmpstrv ((const char * const *) f->seen->pdata, expected);
  g_assert_cmpint (pp_test_object_get_parameter (f->object), ==, 7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/Pp/Access/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("credentials-connected", test_credentials_connected);
  ADD ("credentials-pair", test_credentials_pair);
  ADD ("credentials-pipes", test_credentials_pipes);
  ADD ("same-user", test_same_user);
  ADD ("other-user", test_other_user);
  ADD ("other-user-allowed", test_other_user_allowed);
  ADD ("same-user-pipes", test_same_user_pipes);
  ADD ("authorize-one-method", test_authorize_one_method);
  ADD ("authorize-every-kind", test_authorize_every_kind);
  ADD ("authorize-peer", test_authorize_peer);
  ADD ("allowlist-description", test_allowlist_description);
  ADD ("allowlist-calls", test_allowlist_calls);
  ADD ("returned-objects", test_returned_objects);

  return g_test_run ();
}
