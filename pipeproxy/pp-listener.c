/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-enums.h"
#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-listener-struct-private.h"
#include "pp-memfd-private.h"
#include "pp-method-private.h"
#include "pp-options.h"
#include "pp-options-private.h"
#include "pp-proxy-private.h"
#include "pp-stream.h"

/**
 * PpListener:
 *
 * Serves one object to the peer at the other end of a stream.
 *
 * The peer holds a [class@Pp.Proxy] and calls the object's methods by name.
 * A call is answered by, in this order:
 *
 * 1. a method added with [method@Pp.Listener.add_method];
 * 2. a method of the object's class, a parent class or an interface it
 *    implements, found through its GObject-Introspection typelib (the
 *    namespace is loaded when first needed, e.g. `PpTestObject` loads
 *    `PpTest`);
 * 3. an action signal of the object (`G_SIGNAL_ACTION`), so that objects
 *    defined in Python or JavaScript, which have no typelib, can be served;
 *    in its name `-` and `_` are the same;
 * 4. a handler of [signal@Pp.Listener::handle-method-call].
 *
 * Anything else fails with %PP_ERROR_UNKNOWN_METHOD. Methods that take or
 * return raw pointers, callbacks or destroy-notifies, and lifecycle methods
 * (`ref`, `unref`, `free`, `steal_*`, `run_dispose`, `freeze_notify`,
 * `thaw_notify`, `set_data` and the like) are never invoked for the peer:
 * they fail with %PP_ERROR_ACCESS_DENIED. Arguments are checked against the
 * method's signature before it runs.
 *
 * The limits of the connection, and so what the peer can make the listener
 * queue, come from [property@Pp.Listener:options].
 *
 * ## Access control
 *
 * A listener knows who its peer is
 * ([method@Pp.Listener.get_peer_credentials]) and can refuse it:
 * [property@Pp.Listener:require-same-user] serves only a peer of this
 * process's user, [property@Pp.Listener:allowed-members] limits what the
 * peer sees and uses, and handlers of [signal@Pp.Listener::authorize]
 * decide on the handshake and on every call, property write and
 * subscription. A refused request fails alone, with
 * %PP_ERROR_ACCESS_DENIED or the handler's error.
 *
 * ## Cancellation
 *
 * When the caller cancels a call, or it times out, the `GCancellable` the
 * listener gave the method is cancelled: the one of an async pair, and the
 * `GCancellable` argument of a synchronous method. While a synchronous
 * method that takes one runs, a thread of the library reads the connection
 * for the blocked main context, so that the cancel reaches it at once.
 * Methods added with [method@Pp.Listener.add_method_with_invocation] and
 * handlers of [signal@Pp.Listener::handle-method-call] use
 * [method@Pp.Invocation.get_cancellable], whether they answer before they
 * return or later.
 *
 * ## Threads and main contexts
 *
 * The listener serves in the thread-default main context of the thread that
 * created it: methods are invoked, [signal@Pp.Listener::authorize] and the
 * other signals are emitted there, and that context must be running (see
 * [method@Pp.Listener.run]). Its other methods may be called from any
 * thread, but for [method@Pp.Listener.add_method],
 * [method@Pp.Listener.set_allowed_members] and
 * [method@Pp.Listener.set_require_same_user], which belong to the
 * listener's thread.
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_OBJECT,
  PROP_STREAM,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MEMFD_THRESHOLD,
  PROP_REQUIRE_SAME_USER,
  PROP_ALLOWED_MEMBERS,
  PROP_MAX_OBJECTS,
  PROP_OPTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint pp_listener_signals[N_SIGNALS];

static void pp_listener_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PpListener, pp_listener, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      pp_listener_initable_iface_init))

static gboolean
pp_listener_initable_init (GInitable     *initable,
                           GCancellable  *cancellable,
                           GError       **error)
{
  PpListener *self = PP_LISTENER (initable);

  if (self->connection != NULL)
    return TRUE;

  if (self->object == NULL || self->stream == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("A listener needs an object and a stream"));
      return FALSE;
    }

  self->connection = pp_connection_new (self->stream, &pp_listener_callbacks, self, error);
  if (self->connection == NULL)
    return FALSE;
  if (self->max_message_size != 0)
    pp_connection_set_max_message_size (self->connection, self->max_message_size);
  pp_connection_set_memfd_threshold (self->connection, self->memfd_threshold);
  pp_connection_set_max_queued_input (self->connection, self->max_queued_input);
  pp_connection_set_max_queued_output (self->connection, self->max_queued_output);
  pp_connection_set_max_calls_in_flight (self->connection, self->max_calls_in_flight);
  pp_access_set_stream (self->access, self->stream);
  self->exports = pp_exports_new (self->connection, pp_proxy_get_origin);
  self->preconditions = pp_preconditions_for_type (G_OBJECT_TYPE (self->object));
  self->forwarder = pp_forwarder_new (self->object, PP_WIRE_ROOT_HANDLE, self->connection,
                                      self->exports, self->access, self->preconditions);
  pp_exports_set_access (self->exports, self->access);
  self->server = pp_export_server_new (self->connection, self->exports, self->access);
  /* Until the handshake says otherwise, the peer reads the same clock */
  pp_export_server_set_clock_offset (self->server, 0);
  self->imports = pp_imports_new (self->connection, &self->limits,
                                  pp_listener_make_imported_proxy, self);
  pp_exports_set_root (self->exports, self->object);
  pp_exports_set_max_objects (self->exports, self->max_objects);
  pp_connection_start (self->connection);
  return TRUE;
}

static void
pp_listener_initable_iface_init (GInitableIface *iface)
{
  iface->init = pp_listener_initable_init;
}

static void
pp_listener_dispose (GObject *object)
{
  PpListener *self = PP_LISTENER (object);

  g_clear_pointer (&self->forwarder, pp_forwarder_free);
  g_clear_object (&self->spare);
  pp_listener_forget_method (self);
  if (self->exports != NULL)
    {
      pp_exports_clear (self->exports);
      g_clear_pointer (&self->exports, pp_exports_unref);
    }
  if (self->connection != NULL)
    {
      self->closed = TRUE;
      pp_connection_detach (self->connection);
      g_clear_pointer (&self->connection, pp_connection_unref);
    }
  g_clear_pointer (&self->imports, pp_imports_unref);
  g_clear_pointer (&self->methods, g_hash_table_unref);
  g_clear_pointer (&self->preconditions, pp_preconditions_free);
  g_clear_object (&self->object);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (pp_listener_parent_class)->dispose (object);
}

static void
pp_listener_finalize (GObject *object)
{
  PpListener *self = PP_LISTENER (object);

  /* Last, as the running-call table was: a thread that reads for a busy
   * owner may hand it a CANCEL until the connection is gone */
  pp_export_server_free (self->server);
  pp_access_free (self->access);

  G_OBJECT_CLASS (pp_listener_parent_class)->finalize (object);
}

static void
pp_listener_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PpListener *self = PP_LISTENER (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      g_value_set_object (value, self->object);
      break;
    case PROP_STREAM:
      g_value_set_object (value, self->stream);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, pp_listener_get_max_message_size (self));
      break;
    case PROP_MEMFD_THRESHOLD:
      g_value_set_uint64 (value, pp_listener_get_memfd_threshold (self));
      break;
    case PROP_REQUIRE_SAME_USER:
      g_value_set_boolean (value, pp_listener_get_require_same_user (self));
      break;
    case PROP_ALLOWED_MEMBERS:
      g_value_set_boxed (value, pp_listener_get_allowed_members (self));
      break;
    case PROP_MAX_OBJECTS:
      g_value_set_uint (value, pp_listener_get_max_objects (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Read once, at construction: the listener's own properties, set later,
 * win */
static void
take_options (PpListener *self,
              PpOptions  *options)
{
  if (options == NULL)
    return;
  self->max_message_size = pp_options_get_max_message_size (options);
  self->memfd_threshold = pp_options_get_memfd_threshold (options);
  self->max_queued_input = pp_options_get_max_queued_input (options);
  self->max_queued_output = pp_options_get_max_queued_output (options);
  self->max_calls_in_flight = pp_options_get_max_calls_in_flight (options);
  self->limits.max_size = pp_options_get_max_description_size (options);
  self->limits.max_members = pp_options_get_max_description_members (options);
  self->max_mirror_types = pp_options_get_max_mirror_types (options);
  self->max_mirror_members = pp_options_get_max_mirror_members (options);
}

static void
pp_listener_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  PpListener *self = PP_LISTENER (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      self->object = g_value_dup_object (value);
      break;
    case PROP_STREAM:
      self->stream = g_value_dup_object (value);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      pp_listener_set_max_message_size (self, g_value_get_uint64 (value));
      break;
    case PROP_MEMFD_THRESHOLD:
      pp_listener_set_memfd_threshold (self, g_value_get_uint64 (value));
      break;
    case PROP_REQUIRE_SAME_USER:
      pp_listener_set_require_same_user (self, g_value_get_boolean (value));
      break;
    case PROP_ALLOWED_MEMBERS:
      pp_listener_set_allowed_members (self, g_value_get_boxed (value));
      break;
    case PROP_MAX_OBJECTS:
      pp_listener_set_max_objects (self, g_value_get_uint (value));
      break;
    case PROP_OPTIONS:
      take_options (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* What no handler refuses is allowed */
static gboolean
authorize_by_default (PpListener *self,
                      PpRequest  *request)
{
  return TRUE;
}

/* The limits of the connection */
static void
install_limit_properties (void)
{
  /**
   * PpListener:max-message-size:
   *
   * The largest frame body, in bytes, accepted from the peer. A bigger
   * frame closes the connection with %PP_ERROR_LIMIT_EXCEEDED before any
   * memory is allocated for it. The default is 128 MiB.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL,
                         1024, G_MAXUINT32, PP_DEFAULT_MAX_MESSAGE_SIZE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PpListener:memfd-threshold:
   *
   * Frame bodies of at least this many bytes are sent in a memfd sealed
   * against changes instead of through the socket, when the connection is
   * a unix socket and the peer takes file descriptors; 0 turns this off.
   * Such a body does not queue in the socket ahead of every later message.
   * The default is 128 MiB; below that, the socket costs less.
   *
   * Since: 1.0
   */
  properties[PROP_MEMFD_THRESHOLD] =
    g_param_spec_uint64 ("memfd-threshold", NULL, NULL, 0, G_MAXUINT32, PP_MEMFD_DEFAULT_THRESHOLD,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PpListener:max-objects:
   *
   * How many objects, other than the listener's own, the peer may hold
   * proxies of at once. A call whose result would take it past this fails
   * with %PP_ERROR_LIMIT_EXCEEDED. The default is 65536.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_OBJECTS] =
    g_param_spec_uint ("max-objects", NULL, NULL, 0, G_MAXUINT32, PP_DEFAULT_MAX_OBJECTS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PpListener:options:
   *
   * The limits of the connection, read when the listener is made:
   * [property@Pp.Options:max-message-size],
   * [property@Pp.Options:memfd-threshold],
   * [property@Pp.Options:max-queued-input],
   * [property@Pp.Options:max-queued-output] and
   * [property@Pp.Options:max-calls-in-flight]; %NULL means the defaults.
   * [property@Pp.Listener:max-message-size] and
   * [property@Pp.Listener:memfd-threshold] start as the options say, and
   * may be changed later.
   *
   * ```c
   * listener = g_initable_new (PP_TYPE_LISTENER, NULL, &error,
   *                            "object", object,
   *                            "stream", stream,
   *                            "options", options,
   *                            NULL);
   * ```
   *
   * Since: 1.0
   */
  properties[PROP_OPTIONS] =
    g_param_spec_object ("options", NULL, NULL, PP_TYPE_OPTIONS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
}

/* Who the peer is and what it may do: pp-access.c */
static void
install_access_properties (void)
{
  /**
   * PpListener:require-same-user:
   *
   * Whether only a peer running as the same user as this process is
   * served. The user is the one the kernel reports for the other end of
   * the unix socket (`SO_PEERCRED`): for a socket pair, the process that
   * made the pair; for a connection to a listening socket, the process
   * that connected. A peer of another user, or one the listener cannot
   * tell the user of (a stream made of pipes), is refused at the
   * handshake: the proxy's constructor fails with
   * %PP_ERROR_ACCESS_DENIED saying which user it runs as, and the
   * listener closes with that error. The default is %FALSE.
   *
   * Set it before the listener's main context first runs, in the
   * listener's thread: set later, it has no effect on this connection.
   *
   * Since: 1.0
   */
  properties[PROP_REQUIRE_SAME_USER] =
    g_param_spec_boolean ("require-same-user", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PpListener:allowed-members:
   *
   * The members of the object the peer may use, or %NULL (the default)
   * for all of them. An entry is a name, which allows the method, the
   * signal and the property of that name, or `method:name`,
   * `signal:name` or `property:name`, which allow just one of them; in
   * names `-` and `_` are the same. The rest is left out of what the
   * peer is told of the object, calls to it and writes of it fail with
   * %PP_ERROR_ACCESS_DENIED, its changes and emissions are not sent.
   * Methods added with [method@Pp.Listener.add_method] and calls that
   * only [signal@Pp.Listener::handle-method-call] answers are members
   * like any other. The list applies to every object served on the
   * connection alike: the listener's own and the objects and boxed
   * values its methods give the peer (a `GListStore`'s items), so it
   * names the members the peer may use of any of them.
   *
   * Set it in the listener's thread, normally before its main context
   * first runs: the peer learns what the object has at the handshake. A
   * list set later applies to every request from then on, but the peer
   * still believes it has what it was told.
   *
   * Since: 1.0
   */
  properties[PROP_ALLOWED_MEMBERS] =
    g_param_spec_boxed ("allowed-members", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
install_properties (GObjectClass *object_class)
{
  /**
   * PpListener:object:
   *
   * The object served to the peer.
   *
   * Since: 1.0
   */
  properties[PROP_OBJECT] =
    g_param_spec_object ("object", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PpListener:stream:
   *
   * The stream to the peer.
   *
   * Since: 1.0
   */
  properties[PROP_STREAM] =
    g_param_spec_object ("stream", NULL, NULL, G_TYPE_IO_STREAM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  install_limit_properties ();
  install_access_properties ();
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
install_signals (PpListenerClass *klass)
{
  /**
   * PpListener::closed:
   * @self: the listener
   * @error: (nullable): why: %PP_ERROR_DISCONNECTED when the peer went
   *   away, %PP_ERROR_PROTOCOL or %PP_ERROR_LIMIT_EXCEEDED when it sent
   *   something invalid
   *
   * Emitted once, in the listener's main context, when the connection
   * ends, whatever the reason. Not emitted when the listener is disposed.
   *
   * Since: 1.0
   */
  pp_listener_signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * PpListener::handle-method-call:
   * @self: the listener
   * @method_name: the name of the method the peer called
   * @parameters: the arguments, a tuple, not checked
   * @invocation: answer it, now or later
   *
   * Emitted for a call that no added method, introspected method or
   * action signal answers, with the method's name as the detail, so
   * `handle-method-call::frobnicate` sees only calls to `frobnicate`. A
   * handler that takes the call returns %TRUE and answers @invocation;
   * if none does, the call fails with %PP_ERROR_UNKNOWN_METHOD.
   *
   * Returns: %TRUE if the call was taken
   *
   * Since: 1.0
   */
  pp_listener_signals[HANDLE_METHOD_CALL] =
    g_signal_new ("handle-method-call", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 3, G_TYPE_STRING, G_TYPE_VARIANT, PP_TYPE_INVOCATION);

  /**
   * PpListener::authorize:
   * @self: the listener
   * @request: what the peer asks for, and who it is
   *
   * Emitted before the listener does what the peer asks: serve it at all
   * (at the handshake, %PP_REQUEST_CONNECT), call a method, write a
   * property or subscribe to a signal. The detail is the name of the
   * member, as [method@Pp.Request.get_name] gives it, so
   * `authorize::frobnicate` sees only requests about `frobnicate`. A
   * handler that returns %FALSE, or calls [method@Pp.Request.refuse],
   * refuses the request, and no later handler runs.
   *
   * A refused call fails with the handler's error, or with
   * %PP_ERROR_ACCESS_DENIED; a refused property write likewise; a
   * refused subscription is never forwarded (the proxy's handlers of
   * that signal do not run); a refused handshake closes the connection
   * and the proxy's constructor fails with the error. Nothing else on the
   * connection is affected.
   *
   * The signal is emitted in the listener's main context, while the
   * request is read: a handler decides at once, and should be quick.
   * Calls are checked against the [property@Pp.Listener:allowed-members]
   * and their arguments against the method's signature first; the
   * object's own checks and the method itself come after. Connect
   * handlers before the listener's main context first runs, to see the
   * handshake.
   *
   * Returns: %TRUE to allow the request, %FALSE to refuse it
   *
   * Since: 1.0
   */
  pp_listener_signals[AUTHORIZE] =
    g_signal_new_class_handler ("authorize", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                G_CALLBACK (authorize_by_default), pp_access_accumulate, NULL,
                                NULL, G_TYPE_BOOLEAN, 1, PP_TYPE_REQUEST);
}

static void
pp_listener_class_init (PpListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  pp_i18n_init ();

  /* The proxy's closing reason keeps its domain only if it is registered */
  pp_error_quark ();

  object_class->dispose = pp_listener_dispose;
  object_class->finalize = pp_listener_finalize;
  object_class->get_property = pp_listener_get_property;
  object_class->set_property = pp_listener_set_property;

  install_properties (object_class);
  install_signals (klass);
}

static void
pp_listener_init (PpListener *self)
{
  self->methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) pp_method_unref);
  self->memfd_threshold = PP_MEMFD_DEFAULT_THRESHOLD;
  self->max_queued_input = PP_DEFAULT_MAX_QUEUED_INPUT;
  self->max_queued_output = PP_DEFAULT_MAX_QUEUED_OUTPUT;
  self->max_calls_in_flight = PP_DEFAULT_MAX_CALLS_IN_FLIGHT;
  self->access = pp_access_new (G_OBJECT (self), pp_listener_signals[AUTHORIZE]);
  self->max_objects = PP_DEFAULT_MAX_OBJECTS;
  self->limits.max_size = PP_DESCRIPTION_DEFAULT_MAX_SIZE;
  self->limits.max_members = PP_DESCRIPTION_DEFAULT_MAX_MEMBERS;
  self->max_mirror_types = PP_DEFAULT_MAX_MIRROR_TYPES;
  self->max_mirror_members = PP_DEFAULT_MAX_MIRROR_MEMBERS;
}

/**
 * pp_listener_new:
 * @object: the object to serve
 * @stream: a stream to the peer: a socket connection (see
 *   [func@Pp.stream_new_pair]) or a stream made of two pipes (see
 *   [func@Pp.stream_new_for_fds])
 * @error: return location for an error
 *
 * Serves @object over @stream in the thread-default main context, which
 * must run for calls to be answered.
 *
 * Returns: (transfer full): a new listener, or %NULL with @error set
 *
 * Since: 1.0
 */
PpListener *
pp_listener_new (GObject    *object,
                 GIOStream  *stream,
                 GError    **error)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (PP_TYPE_LISTENER, NULL, error,
                         "object", object,
                         "stream", stream,
                         NULL);
}

/**
 * pp_listener_new_pair:
 * @object: the object to serve
 * @out_proxy_stream: (out) (transfer full): the other end, for the proxy
 * @error: return location for an error
 *
 * The one-call start: makes a socket pair, serves @object on one end and
 * gives back the other, to be handed to a forked or spawned child that
 * makes a [class@Pp.Proxy] of it.
 *
 * Returns: (transfer full): a new listener, or %NULL with @error set
 *
 * Since: 1.0
 */
PpListener *
pp_listener_new_pair (GObject    *object,
                      GIOStream **out_proxy_stream,
                      GError    **error)
{
  g_autoptr(GIOStream) mine = NULL;
  g_autoptr(GIOStream) theirs = NULL;
  PpListener *listener;

  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (out_proxy_stream != NULL, NULL);

  if (!pp_stream_new_pair (&mine, &theirs, error))
    return NULL;

  listener = pp_listener_new (object, mine, error);
  if (listener != NULL)
    *out_proxy_stream = g_steal_pointer (&theirs);
  return listener;
}

/**
 * pp_listener_get_object:
 * @self: a #PpListener
 *
 * Gets the object the listener serves.
 *
 * Returns: (transfer none): the object served
 *
 * Since: 1.0
 */
GObject *
pp_listener_get_object (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), NULL);
  return self->object;
}

/**
 * pp_listener_get_stream:
 * @self: a #PpListener
 *
 * Gets the stream to the peer.
 *
 * Returns: (transfer none): the stream to the peer
 *
 * Since: 1.0
 */
GIOStream *
pp_listener_get_stream (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), NULL);
  return self->stream;
}

/**
 * pp_listener_is_closed:
 * @self: a #PpListener
 *
 * Tells whether the connection has ended.
 *
 * Returns: %TRUE once the connection has ended
 *
 * Since: 1.0
 */
gboolean
pp_listener_is_closed (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), TRUE);
  return self->connection == NULL || pp_connection_is_closed (self->connection);
}

/**
 * pp_listener_close:
 * @self: a #PpListener
 *
 * Ends the connection. The peer's pending calls fail with
 * %PP_ERROR_DISCONNECTED; [signal@Pp.Listener::closed] is emitted in the
 * listener's main context.
 *
 * Since: 1.0
 */
void
pp_listener_close (PpListener *self)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  if (self->connection != NULL)
    pp_connection_close (self->connection, NULL);
}

/**
 * pp_listener_get_max_message_size:
 * @self: a #PpListener
 *
 * Gets [property@Pp.Listener:max-message-size].
 *
 * Returns: the largest frame body accepted from the peer, in bytes
 *
 * Since: 1.0
 */
gsize
pp_listener_get_max_message_size (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), 0);

  if (self->connection != NULL)
    return pp_connection_get_max_message_size (self->connection);
  return self->max_message_size ? self->max_message_size : PP_DEFAULT_MAX_MESSAGE_SIZE;
}

/**
 * pp_listener_set_max_message_size:
 * @self: a #PpListener
 * @max_message_size: the largest frame body accepted from the peer
 *
 * Sets [property@Pp.Listener:max-message-size].
 *
 * Since: 1.0
 */
void
pp_listener_set_max_message_size (PpListener *self,
                                  gsize       max_message_size)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  if (pp_listener_get_max_message_size (self) == max_message_size)
    return;
  self->max_message_size = max_message_size;
  if (self->connection != NULL)
    pp_connection_set_max_message_size (self->connection, max_message_size);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_MESSAGE_SIZE]);
}

/**
 * pp_listener_get_memfd_threshold:
 * @self: a #PpListener
 *
 * Gets [property@Pp.Listener:memfd-threshold].
 *
 * Returns: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Since: 1.0
 */
gsize
pp_listener_get_memfd_threshold (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), 0);

  return self->memfd_threshold;
}

/**
 * pp_listener_set_memfd_threshold:
 * @self: a #PpListener
 * @threshold: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Sets [property@Pp.Listener:memfd-threshold].
 *
 * Since: 1.0
 */
void
pp_listener_set_memfd_threshold (PpListener *self,
                                 gsize       threshold)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  if (self->memfd_threshold == threshold)
    return;
  self->memfd_threshold = threshold;
  if (self->connection != NULL)
    pp_connection_set_memfd_threshold (self->connection, threshold);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMFD_THRESHOLD]);
}

guint
pp_listener_get_n_exported (PpListener *self)
{
  return self->exports ? pp_exports_get_n_objects (self->exports) : 0;
}

/**
 * pp_listener_get_max_objects:
 * @self: a #PpListener
 *
 * Gets [property@Pp.Listener:max-objects].
 *
 * Returns: how many objects the peer may hold proxies of at once
 *
 * Since: 1.0
 */
guint
pp_listener_get_max_objects (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), 0);

  return self->max_objects;
}

/**
 * pp_listener_set_max_objects:
 * @self: a #PpListener
 * @max_objects: how many objects the peer may hold proxies of at once
 *
 * Sets [property@Pp.Listener:max-objects].
 *
 * Since: 1.0
 */
void
pp_listener_set_max_objects (PpListener *self,
                             guint       max_objects)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  if (self->max_objects == max_objects)
    return;
  self->max_objects = max_objects;
  if (self->exports != NULL)
    pp_exports_set_max_objects (self->exports, max_objects);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_OBJECTS]);
}

/**
 * pp_listener_get_peer_credentials:
 * @self: a #PpListener
 *
 * Gets the credentials of the peer's process (its pid, user and group),
 * as the kernel reports them for the other end of a unix socket
 * (`SO_PEERCRED`): those of the process that connected to a listening
 * socket, or, for a socket pair, of the process that made the pair,
 * whichever process holds its other end now.
 *
 * They are known once the listener is made, and do not change: this
 * may be called from any thread.
 *
 * Returns: (transfer none) (nullable): the peer's credentials, or %NULL
 *   when the stream is not a unix socket (e.g. a pair of pipes)
 *
 * Since: 1.0
 */
GCredentials *
pp_listener_get_peer_credentials (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), NULL);

  return pp_access_get_credentials (self->access);
}

/**
 * pp_listener_get_require_same_user:
 * @self: a #PpListener
 *
 * Gets [property@Pp.Listener:require-same-user].
 *
 * Returns: whether only a peer of this process's user is served
 *
 * Since: 1.0
 */
gboolean
pp_listener_get_require_same_user (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), FALSE);

  return pp_access_get_require_same_user (self->access);
}

/**
 * pp_listener_set_require_same_user:
 * @self: a #PpListener
 * @require: whether only a peer of this process's user is served
 *
 * Sets [property@Pp.Listener:require-same-user], before the listener's
 * main context first runs: the peer is checked at the handshake.
 *
 * Since: 1.0
 */
void
pp_listener_set_require_same_user (PpListener *self,
                                   gboolean    require)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  if (pp_access_set_require_same_user (self->access, require))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUIRE_SAME_USER]);
}

/**
 * pp_listener_get_allowed_members:
 * @self: a #PpListener
 *
 * Gets [property@Pp.Listener:allowed-members].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the
 *   members the peer may use, or %NULL for all of them
 *
 * Since: 1.0
 */
const char * const *
pp_listener_get_allowed_members (PpListener *self)
{
  g_return_val_if_fail (PP_IS_LISTENER (self), NULL);

  return pp_access_get_allowed (self->access);
}

/**
 * pp_listener_set_allowed_members:
 * @self: a #PpListener
 * @members: (nullable) (array zero-terminated=1): the members the peer may
 *   use, or %NULL for all of them
 *
 * Sets [property@Pp.Listener:allowed-members]. For example,
 * `{ "compute", "progress", NULL }` lets the peer call `compute()` and
 * see the `progress` property or signal, and nothing else.
 *
 * Since: 1.0
 */
void
pp_listener_set_allowed_members (PpListener         *self,
                                 const char * const *members)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  if (pp_access_set_allowed (self->access, members))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOWED_MEMBERS]);
}

/* Either kind of added method: @func, or @invocation_func */
static void
add_method (PpListener         *self,
            const char         *name,
            const GVariantType *in_type,
            const GVariantType *out_type,
            PpMethodFunc        func,
            PpInvocationFunc    invocation_func,
            gpointer            user_data,
            GDestroyNotify      destroy)
{
  PpMethod *method;

  g_return_if_fail (PP_IS_LISTENER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (in_type != NULL && g_variant_type_is_tuple (in_type));
  g_return_if_fail (out_type != NULL && g_variant_type_is_tuple (out_type));
  g_return_if_fail (func != NULL || invocation_func != NULL);

  method = pp_method_new_added (name, in_type, out_type, func, user_data, destroy);
  method->invocation_func = invocation_func;
  g_hash_table_replace (self->methods, g_strdup (name), method);
  pp_listener_forget_method (self);
}

/**
 * pp_listener_add_method:
 * @self: a #PpListener
 * @name: the method's name
 * @in_type: the type of its arguments, a tuple type
 * @out_type: the type of its result, a tuple type
 * @func: (scope notified) (closure user_data) (destroy destroy): implements it
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Adds a method that the peer can call, for objects whose methods cannot be
 * found through introspection. Call it in the listener's thread, before the
 * peer can call the method (e.g. right after making the listener). It takes
 * precedence over a method of the same name that the object has. The
 * arguments are checked against @in_type before @func runs, and its result
 * against @out_type: a result of another type fails the call with
 * %PP_ERROR_FAILED.
 *
 * Since: 1.0
 */
void
pp_listener_add_method (PpListener         *self,
                        const char         *name,
                        const GVariantType *in_type,
                        const GVariantType *out_type,
                        PpMethodFunc        func,
                        gpointer            user_data,
                        GDestroyNotify      destroy)
{
  add_method (self, name, in_type, out_type, func, NULL, user_data, destroy);
}

/**
 * pp_listener_add_method_with_invocation:
 * @self: a #PpListener
 * @name: the method's name
 * @in_type: the type of its arguments, a tuple type
 * @out_type: the type of its result, a tuple type
 * @func: (scope notified) (closure user_data) (destroy destroy): implements it
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Adds a method as [method@Pp.Listener.add_method] does, implemented by a
 * function that answers through a [class@Pp.Invocation]: before it returns
 * or later, from any thread. So the method can take and return file
 * descriptors, stop when the caller cancels
 * ([method@Pp.Invocation.get_cancellable]), and run its work in a thread
 * while the listener serves other calls. The arguments are checked
 * against @in_type before @func runs, and the result against @out_type.
 *
 * Since: 1.0
 */
void
pp_listener_add_method_with_invocation (PpListener         *self,
                                        const char         *name,
                                        const GVariantType *in_type,
                                        const GVariantType *out_type,
                                        PpInvocationFunc    func,
                                        gpointer            user_data,
                                        GDestroyNotify      destroy)
{
  add_method (self, name, in_type, out_type, NULL, func, user_data, destroy);
}

static void
quit_when_closed (PpListener   *self,
                  const GError *error,
                  gpointer      user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  g_main_context_wakeup (pp_connection_get_context (self->connection));
}

/**
 * pp_listener_run:
 * @self: a #PpListener
 *
 * Serves until the connection ends, by iterating the listener's main
 * context. Meant for the `main()` of a process that only serves an object.
 * Call it from the thread that created the listener.
 *
 * Since: 1.0
 */
void
pp_listener_run (PpListener *self)
{
  GMainContext *context;
  gboolean done = FALSE;
  gulong id;

  g_return_if_fail (PP_IS_LISTENER (self));

  if (self->connection == NULL || self->closed)
    return;

  context = pp_connection_get_context (self->connection);
  id = g_signal_connect (self, "closed", G_CALLBACK (quit_when_closed), &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_signal_handler_disconnect (self, id);
}
