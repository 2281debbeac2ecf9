/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-private.h"
#include "pp-description-private.h"
#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-export-server-private.h"
#include "pp-exports-private.h"
#include "pp-handshake-private.h"
#include "pp-imports-private.h"
#include "pp-memfd-private.h"
#include "pp-mirror-private.h"
#include "pp-options-private.h"
#include "pp-proxy-private.h"
#include "pp-stream.h"

/**
 * PpProxy:
 *
 * The stand-in for an object that a [class@Pp.Listener] serves in another
 * process.
 *
 * A constructor performs the handshake ([ctor@Pp.Proxy.new_sync],
 * [func@Pp.Proxy.new_async], [ctor@Pp.Proxy.new_for_subprocess_sync], …)
 * and returns an instance of a subclass made for what the listener
 * described: the remote object's signals and properties are the proxy's
 * own. `PpProxy` itself is abstract, so `g_object_new()` cannot make one.
 * Then [method@Pp.Proxy.call_async] and [method@Pp.Proxy.call_sync] call
 * the remote object's methods by name, with the arguments as a tuple
 * #GVariant; the result is a tuple of the return value (if any) followed
 * by the out-arguments.
 *
 * Every call ends exactly once: with its result, with the error the remote
 * method raised (same domain, code and message when the domain is known in
 * this process, else %PP_ERROR_REMOTE_ERROR), with %PP_ERROR_TIMED_OUT,
 * with %G_IO_ERROR_CANCELLED, or with %PP_ERROR_DISCONNECTED when the peer
 * goes away.
 *
 * ## Threads and main contexts
 *
 * A proxy may be used from several threads at once. The callback of
 * [method@Pp.Proxy.call_async] runs in the thread-default main context of
 * the thread that made the call. [signal@Pp.Proxy::closed], mirrored
 * signals and `notify` are emitted in the thread-default main context of
 * the thread that created the proxy, which reads the connection while it
 * runs. [method@Pp.Proxy.call_sync] needs no main loop: it waits in the
 * calling thread and dispatches nothing else meanwhile.
 *
 * Since: 1.0
 */

typedef struct
{
  GIOStream        *stream;
  PpConnection     *connection;
  PpDescription    *description;   /* what the listener described in the handshake */
  PpMirror         *mirror;        /* this instance's cache and subscriptions */
  int               default_timeout;
  guint             max_pending_calls;
  gsize             max_message_size;
  gsize             memfd_threshold;
  guint             max_mirror_types;   /* for the objects it imports */
  guint             max_mirror_members;
  gboolean          closed_emitted;

  /* The object it stands for; a proxy of another object than the one the
   * listener serves (handle 0) was made by an import table: the root
   * proxy's, and then it holds the root, or a listener's */
  guint32           handle;
  guint             generation;
  PpProxy          *root;
  PpImports        *imports;       /* held by every proxy of the connection */
  PpExports        *exports;       /* this side's objects passed to the peer: likewise */
  PpExportServer   *server;        /* the root's: serves them */

  PpEndReasonFunc   end_reason;
  gpointer          end_reason_data;
  GDestroyNotify    end_reason_destroy;
  GError           *close_reason;
  PpStopFunc        stop;
  gpointer          stop_data;
  PpLateReplyFunc   late_reply;
  gpointer          late_reply_data;
  GDestroyNotify    late_reply_destroy;
} PpProxyPrivate;

enum {
  PROP_0,
  PROP_STREAM,
  PROP_REMOTE_TYPE_NAME,
  PROP_DEFAULT_TIMEOUT,
  PROP_MAX_PENDING_CALLS,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MEMFD_THRESHOLD,
  PROP_CANCEL_TIMEOUT,
  N_PROPS
};

enum {
  CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Set while a constructor makes the instance, so that g_object_new() of a
 * mirror type alone is refused */
static GPrivate constructing;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PpProxy, pp_proxy, G_TYPE_OBJECT)

/* The connection's callbacks --------------------------------------------- */

static void
on_prepare (PpConnection *connection,
            gpointer      user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  pp_mirror_sync_subscriptions (priv->mirror);
  pp_mirror_sync_imported (priv->imports);
}

static void
close_for (PpConnection *connection,
           GError       *error)
{
  g_debug ("Closing the connection: %s", error->message);
  pp_connection_close (connection, error);
  g_error_free (error);
}

static void
on_message (PpConnection       *connection,
            const PpWireHeader *header,
            GVariant           *body,
            GUnixFDList        *fds,
            GPtrArray          *objects,
            gpointer            user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);
  GError *error = NULL;

  /* What the listener's side says of its objects, or what it asks of the
   * objects this side passed to it */
  if (header->kind == PP_WIRE_KIND_SIGNAL || header->kind == PP_WIRE_KIND_PROPERTY)
    pp_mirror_route_message (priv->imports, user_data, header, body, fds, objects);
  else if (!pp_export_server_take (priv->server, header, body, fds, objects, &error))
    close_for (connection, error);
}

/* The import table's frames, in the reading thread: before the frames
 * that need them, and a bad one before anything behind it is acted on */
static gboolean
on_immediate (PpConnection       *connection,
              const PpWireHeader *header,
              GVariant           *body,
              gpointer            user_data,
              GError            **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  if (header->kind == PP_WIRE_KIND_RELEASED)
    return pp_imports_take_released (priv->imports, body, error);
  return pp_imports_take (priv->imports, header, body, error);
}

static GPtrArray *
on_objects (PpConnection  *connection,
            GVariant      *table,
            gpointer       user_data,
            GError       **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  return pp_imports_resolve (priv->imports, priv->exports, table, error);
}

/* A CANCEL of a call to one of the objects this side passed */
static void
on_cancel (PpConnection *connection,
           guint32       serial,
           gpointer      user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  pp_export_server_cancel (priv->server, serial);
}

/* A signal of the root object nobody here is connected to, and a value
 * of a property its description does not have, are dropped as they are
 * read, also while a synchronous call reads. In the reading thread. What
 * is about another object is kept, within PpOptions:max-queued-input:
 * its proxy is the owner context's to find. */
static gboolean
on_wanted (PpConnection       *connection,
           const PpWireHeader *header,
           GVariant           *body,
           gpointer            user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  if ((header->kind != PP_WIRE_KIND_SIGNAL && header->kind != PP_WIRE_KIND_PROPERTY) ||
      pp_wire_body_handle (body) != PP_WIRE_ROOT_HANDLE)
    return TRUE;
  if (header->kind == PP_WIRE_KIND_SIGNAL)
    return pp_mirror_wants_signal (priv->mirror, body);

  /* (usmv): the object's handle, then the property's name */
  return pp_description_find_property (priv->description,
                                       (const char *) g_variant_get_data (body) +
                                       sizeof (guint32)) >= 0;
}

static void
on_closed (PpConnection *connection,
           const GError *error,
           gpointer      user_data)
{
  PpProxy *self = user_data;
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  if (priv->closed_emitted)
    return;
  priv->closed_emitted = TRUE;
  pp_export_server_closed (priv->server);

  g_object_ref (self);
  g_signal_emit (self, signals[CLOSED], 0, error);
  g_object_unref (self);
}

static GError *
on_end_reason (PpConnection *connection,
               const GError *error,
               gpointer      user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  return priv->end_reason ? priv->end_reason (error, priv->end_reason_data) : NULL;
}

/* A call given up on went unanswered: a worker the library started is
 * stopped; another peer is only cut off */
static GError *
on_cancel_unanswered (PpConnection *connection,
                      guint         timeout_msec,
                      gpointer      user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  return priv->stop ? priv->stop (timeout_msec, priv->stop_data) : NULL;
}

static void
on_late_reply (PpConnection *connection,
               gpointer      user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (user_data);

  if (priv->late_reply != NULL)
    priv->late_reply (priv->late_reply_data);
}

static const PpConnectionCallbacks proxy_callbacks = {
  .accepted_kinds = (1u << PP_WIRE_KIND_SIGNAL) | (1u << PP_WIRE_KIND_PROPERTY) |
                    PP_EXPORT_SERVER_KINDS,
  /* Calls to the objects this side passed end through a PpInvocation */
  .request_kinds = 1u << PP_WIRE_KIND_CALL,
  .no_root_kinds = PP_EXPORT_SERVER_OBJECT_KINDS,
  .serve_kinds = PP_EXPORT_SERVER_KINDS,
  .wanted = on_wanted,
  .message = on_message,
  .closed = on_closed,
  .prepare = on_prepare,
  .end_reason = on_end_reason,
  .immediate_kinds = (1u << PP_WIRE_KIND_TYPE) | (1u << PP_WIRE_KIND_INTRODUCE) |
                     (1u << PP_WIRE_KIND_RELEASED),
  .immediate = on_immediate,
  .objects = on_objects,
  .cancel = on_cancel,
  .cancel_unanswered = on_cancel_unanswered,
  .late_reply = on_late_reply,
};

PpProxy *
pp_proxy_new_imported (PpImports     *imports,
                       PpExports     *exports,
                       PpConnection  *connection,
                       guint32        handle,
                       guint          generation,
                       PpDescription *description,
                       GHashTable    *values,
                       guint          max_mirror_types,
                       guint          max_mirror_members)
{
  PpProxyPrivate *priv;
  PpProxy *self;
  GType type;

  type = pp_mirror_type_for (description, max_mirror_types, max_mirror_members);
  g_private_set (&constructing, imports);
  self = g_object_new (type, NULL);
  g_private_set (&constructing, NULL);
  priv = pp_proxy_get_instance_private (self);

  priv->imports = pp_imports_ref (imports);
  priv->exports = pp_exports_ref (exports);
  priv->handle = handle;
  priv->generation = generation;
  priv->connection = pp_connection_ref (connection);
  priv->default_timeout = PP_DEFAULT_TIMEOUT_MSEC;
  priv->max_pending_calls = PP_DEFAULT_MAX_PENDING_CALLS;
  priv->max_message_size = pp_connection_get_max_message_size (connection);
  priv->memfd_threshold = PP_MEMFD_DEFAULT_THRESHOLD;
  priv->max_mirror_types = max_mirror_types;
  priv->max_mirror_members = max_mirror_members;
  priv->closed_emitted = TRUE;  /* the root's signal says it */

  priv->mirror = pp_mirror_get (self);
  pp_mirror_attach (priv->mirror, priv->connection, handle, description, values);
  priv->description = pp_description_ref (pp_mirror_get_description (priv->mirror));
  return self;
}

/* A PpImportsProxyFunc: the proxy of another object of the listener's
 * process, sharing the root's connection and settings. Under the import
 * table's lock: nothing here goes back to it. */
static GObject *
make_imported_proxy (guint32        handle,
                     guint          generation,
                     PpDescription *description,
                     GHashTable    *values,
                     gpointer       user_data)
{
  PpProxy *root = user_data;
  PpProxyPrivate *root_priv = pp_proxy_get_instance_private (root);
  PpProxy *self = pp_proxy_new_imported (root_priv->imports, root_priv->exports,
                                         root_priv->connection, handle,
                                         generation, description, values,
                                         root_priv->max_mirror_types,
                                         root_priv->max_mirror_members);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  priv->root = g_object_ref (root);
  priv->default_timeout = root_priv->default_timeout;
  priv->max_pending_calls = root_priv->max_pending_calls;
  priv->max_message_size = root_priv->max_message_size;
  priv->memfd_threshold = root_priv->memfd_threshold;
  return G_OBJECT (self);
}

PpExportsOrigin
pp_proxy_get_origin (GObject      *object,
                     PpConnection *connection,
                     guint32      *handle)
{
  PpProxyPrivate *priv;

  if (!PP_IS_PROXY (object))
    return PP_EXPORTS_ORIGIN_LOCAL;
  priv = pp_proxy_get_instance_private (PP_PROXY (object));
  if (priv->connection == NULL || priv->connection != connection)
    return PP_EXPORTS_ORIGIN_FOREIGN;
  *handle = priv->handle;
  return PP_EXPORTS_ORIGIN_PEER;
}

/* Construction ------------------------------------------------------------ */

/* Makes the proxy, of the mirror type of what the listener described, and
 * hands it the connection. Runs in the proxy's main context, so no message
 * is dispatched in between. */
static PpProxy *
proxy_new (PpHandshake *hs)
{
  PpProxyPrivate *priv;
  PpProxy *self;
  GType type;

  type = pp_mirror_type_for (hs->description, hs->max_mirror_types, hs->max_mirror_members);
  g_private_set (&constructing, hs);
  self = g_object_new (type, NULL);
  g_private_set (&constructing, NULL);
  priv = pp_proxy_get_instance_private (self);

  priv->stream = g_steal_pointer (&hs->stream);
  priv->connection = g_steal_pointer (&hs->connection);
  priv->default_timeout = hs->default_timeout;
  priv->max_pending_calls = hs->max_pending_calls;
  priv->max_message_size = hs->max_message_size;
  priv->memfd_threshold = hs->memfd_threshold;
  pp_connection_set_cancel_timeout (priv->connection, hs->cancel_timeout);
  priv->max_mirror_types = hs->max_mirror_types;
  priv->max_mirror_members = hs->max_mirror_members;
  priv->end_reason = hs->end_reason;
  priv->end_reason_data = hs->end_reason_data;
  priv->end_reason_destroy = g_steal_pointer (&hs->end_reason_destroy);

  priv->handle = PP_WIRE_ROOT_HANDLE;
  priv->imports = pp_imports_new (priv->connection, &hs->limits, make_imported_proxy, self);
  pp_imports_set_root (priv->imports, G_OBJECT (self));
  priv->exports = pp_exports_new (priv->connection, pp_proxy_get_origin);
  priv->server = pp_export_server_new (priv->connection, priv->exports, NULL);

  priv->mirror = pp_mirror_get (self);
  pp_mirror_attach (priv->mirror, priv->connection, PP_WIRE_ROOT_HANDLE, hs->description, NULL);
  priv->description = pp_description_ref (pp_mirror_get_description (priv->mirror));
  pp_connection_set_callbacks (priv->connection, &proxy_callbacks, self);
  return self;
}

PpProxy *
pp_proxy_new_explained_sync (GIOStream        *stream,
                             PpOptions        *options,
                             PpEndReasonFunc   end_reason,
                             gpointer          end_reason_data,
                             GDestroyNotify    destroy,
                             GCancellable     *cancellable,
                             GError          **error)
{
  g_autoptr(PpHandshake) hs = pp_handshake_new (stream, options, end_reason, end_reason_data,
                                                destroy);

  if (!pp_handshake_run_sync (hs, cancellable, error))
    return NULL;
  return proxy_new (hs);
}

static void
handshake_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!pp_handshake_run_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, proxy_new (g_task_get_task_data (task)), g_object_unref);
}

void
pp_proxy_new_explained_async (GIOStream           *stream,
                              PpOptions           *options,
                              PpEndReasonFunc      end_reason,
                              gpointer             end_reason_data,
                              GDestroyNotify       destroy,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  PpHandshake *hs = pp_handshake_new (stream, options, end_reason, end_reason_data, destroy);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pp_proxy_new_async);
  g_task_set_task_data (task, hs, (GDestroyNotify) pp_handshake_free);
  pp_handshake_run_async (hs, cancellable, handshake_done, task);
}

/**
 * pp_proxy_new_sync:
 * @stream: the stream to a [class@Pp.Listener]
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Performs the handshake, waiting in the calling thread, and makes a proxy
 * of the object the listener serves. A listener that describes its object
 * wrongly fails it with %PP_ERROR_PROTOCOL, one whose description is over
 * the limits of @options with %PP_ERROR_LIMIT_EXCEEDED.
 *
 * Returns: (transfer full): a new proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_sync (GIOStream     *stream,
                   PpOptions     *options,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (options == NULL || PP_IS_OPTIONS (options), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return pp_proxy_new_explained_sync (stream, options, NULL, NULL, NULL, cancellable, error);
}

/**
 * pp_proxy_new_async:
 * @stream: the stream to a [class@Pp.Listener]
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the proxy is ready
 * @user_data: data for @callback
 *
 * Like [ctor@Pp.Proxy.new_sync] without blocking. @callback runs in the
 * thread-default main context, which is then the proxy's; finish with
 * [ctor@Pp.Proxy.new_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_new_async (GIOStream           *stream,
                    PpOptions           *options,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (options == NULL || PP_IS_OPTIONS (options));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  pp_proxy_new_explained_async (stream, options, NULL, NULL, NULL, cancellable, callback,
                                user_data);
}

/**
 * pp_proxy_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Pp.Proxy.new_async].
 *
 * Returns: (transfer full): a new proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pp_proxy_new_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The type ------------------------------------------------------------------ */

static void
pp_proxy_constructed (GObject *object)
{
  G_OBJECT_CLASS (pp_proxy_parent_class)->constructed (object);

  if (g_private_get (&constructing) == NULL)
    g_critical ("A %s was made with g_object_new(): it has no connection. Proxies are made "
                "by pp_proxy_new_sync() and the other constructors.", G_OBJECT_TYPE_NAME (object));
}

static void
pp_proxy_dispose (GObject *object)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  /* The root's connection is everybody's */
  if (priv->connection != NULL && priv->handle == PP_WIRE_ROOT_HANDLE)
    {
      priv->closed_emitted = TRUE;
      pp_connection_detach (priv->connection);
    }
  g_clear_pointer (&priv->server, pp_export_server_free);
  if (priv->exports != NULL && priv->handle == PP_WIRE_ROOT_HANDLE)
    pp_exports_clear (priv->exports);
  g_clear_pointer (&priv->exports, pp_exports_unref);
  g_clear_pointer (&priv->connection, pp_connection_unref);
  g_clear_object (&priv->stream);

  G_OBJECT_CLASS (pp_proxy_parent_class)->dispose (object);
}

static void
pp_proxy_finalize (GObject *object)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_clear_pointer (&priv->description, pp_description_unref);
  g_clear_error (&priv->close_reason);
  if (priv->end_reason_destroy != NULL)
    priv->end_reason_destroy (priv->end_reason_data);
  if (priv->late_reply_destroy != NULL)
    priv->late_reply_destroy (priv->late_reply_data);

  /* What it received goes back to the peer, unless a newer proxy of the
   * same object took over */
  if (priv->imports != NULL && priv->handle != PP_WIRE_ROOT_HANDLE)
    pp_imports_drop (priv->imports, priv->handle, priv->generation);
  g_clear_pointer (&priv->imports, pp_imports_unref);
  g_clear_object (&priv->root);

  G_OBJECT_CLASS (pp_proxy_parent_class)->finalize (object);
}

static void
pp_proxy_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STREAM:
      g_value_set_object (value, priv->stream);
      break;
    case PROP_REMOTE_TYPE_NAME:
      g_value_set_string (value, pp_proxy_get_remote_type_name (self));
      break;
    case PROP_DEFAULT_TIMEOUT:
      g_value_set_int (value, priv->default_timeout);
      break;
    case PROP_MAX_PENDING_CALLS:
      g_value_set_uint (value, priv->max_pending_calls);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, priv->max_message_size);
      break;
    case PROP_MEMFD_THRESHOLD:
      g_value_set_uint64 (value, priv->memfd_threshold);
      break;
    case PROP_CANCEL_TIMEOUT:
      g_value_set_uint (value, pp_proxy_get_cancel_timeout (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_max_message_size (PpProxy *self,
                      gsize    size)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  if (priv->max_message_size == size)
    return;
  priv->max_message_size = size;
  if (priv->connection != NULL)
    pp_connection_set_max_message_size (priv->connection, size);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_MESSAGE_SIZE]);
}

static void
pp_proxy_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  PpProxy *self = PP_PROXY (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_TIMEOUT:
      pp_proxy_set_default_timeout (self, g_value_get_int (value));
      break;
    case PROP_MAX_PENDING_CALLS:
      pp_proxy_set_max_pending_calls (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      set_max_message_size (self, g_value_get_uint64 (value));
      break;
    case PROP_MEMFD_THRESHOLD:
      pp_proxy_set_memfd_threshold (self, g_value_get_uint64 (value));
      break;
    case PROP_CANCEL_TIMEOUT:
      pp_proxy_set_cancel_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* What the proxy is connected through, and the limits of its frames */
static void
init_stream_properties (GParamFlags rw)
{
  /**
   * PpProxy:stream:
   *
   * The stream to the listener.
   *
   * Since: 1.0
   */
  properties[PROP_STREAM] =
    g_param_spec_object ("stream", NULL, NULL, G_TYPE_IO_STREAM,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:remote-type-name:
   *
   * The type name of the remote object, as the listener reported it.
   *
   * Since: 1.0
   */
  properties[PROP_REMOTE_TYPE_NAME] =
    g_param_spec_string ("remote-type-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:max-message-size:
   *
   * The largest frame body, in bytes, accepted from the listener; a bigger
   * one closes the connection with %PP_ERROR_LIMIT_EXCEEDED before memory
   * is allocated for it. It starts as [property@Pp.Options:max-message-size].
   *
   * Since: 1.0
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 1, G_MAXUINT32,
                         PP_DEFAULT_MAX_MESSAGE_SIZE, rw);

  /**
   * PpProxy:memfd-threshold:
   *
   * Frame bodies of at least this many bytes are sent in a sealed memfd
   * instead of through the socket; 0 turns this off. It starts as
   * [property@Pp.Options:memfd-threshold], which says more.
   *
   * Since: 1.0
   */
  properties[PROP_MEMFD_THRESHOLD] =
    g_param_spec_uint64 ("memfd-threshold", NULL, NULL, 0, G_MAXUINT32,
                         PP_MEMFD_DEFAULT_THRESHOLD, rw);
}

/* The time-outs and limits of its calls */
static void
init_call_properties (GParamFlags rw)
{
  /**
   * PpProxy:default-timeout:
   *
   * The time-out in milliseconds of calls made with a time-out of -1.
   * %G_MAXINT means none. It starts as [property@Pp.Options:default-timeout].
   *
   * Since: 1.0
   */
  properties[PROP_DEFAULT_TIMEOUT] =
    g_param_spec_int ("default-timeout", NULL, NULL, 0, G_MAXINT, PP_DEFAULT_TIMEOUT_MSEC, rw);

  /**
   * PpProxy:max-pending-calls:
   *
   * How many calls may wait for a reply at once; one more fails at once
   * with %PP_ERROR_LIMIT_EXCEEDED. It starts as
   * [property@Pp.Options:max-pending-calls].
   *
   * Since: 1.0
   */
  properties[PROP_MAX_PENDING_CALLS] =
    g_param_spec_uint ("max-pending-calls", NULL, NULL, 1, G_MAXUINT,
                       PP_DEFAULT_MAX_PENDING_CALLS, rw);

  /**
   * PpProxy:cancel-timeout:
   *
   * How many milliseconds the listener has to answer a call that was
   * cancelled or timed out, 0 for no limit. When no answer comes in time,
   * the proxy is closed: every pending call fails with
   * %PP_ERROR_DISCONNECTED and a message that says so ("The worker process
   * was stopped because it did not answer a cancel within 500 ms"). A
   * worker the library started is sent SIGTERM, then SIGKILL as many
   * milliseconds later if it has not exited; over another stream the
   * connection is only closed. The time is counted in the proxy's main
   * context, which must run. It starts as
   * [property@Pp.Options:cancel-timeout], and is shared by the proxies of
   * the other objects of the same connection.
   *
   * Since: 1.0
   */
  properties[PROP_CANCEL_TIMEOUT] =
    g_param_spec_uint ("cancel-timeout", NULL, NULL, 0, G_MAXINT, 0, rw);
}

static void
install_properties (GObjectClass *object_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  init_stream_properties (rw);
  init_call_properties (rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pp_proxy_class_init (PpProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  pp_i18n_init ();

  /* Remote errors keep their domain only if it is registered here. */
  g_type_ensure (G_TYPE_IO_STREAM);
  pp_error_quark ();
  g_io_error_quark ();

  object_class->constructed = pp_proxy_constructed;
  object_class->dispose = pp_proxy_dispose;
  object_class->finalize = pp_proxy_finalize;
  object_class->get_property = pp_proxy_get_property;
  object_class->set_property = pp_proxy_set_property;
  install_properties (object_class);

  /**
   * PpProxy::closed:
   * @self: the proxy
   * @error: (nullable): why: %PP_ERROR_DISCONNECTED when the peer went
   *   away or the proxy was closed, %PP_ERROR_PROTOCOL when the peer sent
   *   something invalid
   *
   * Emitted once, in the main context the proxy was created in, when the
   * connection ends. By then every pending call has failed.
   *
   * Since: 1.0
   */
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pp_proxy_init (PpProxy *self)
{
}

/* What the calls need (pp-proxy-call.c) -------------------------------- */

PpConnection *
pp_proxy_get_connection (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return priv->connection;
}

guint32
pp_proxy_get_handle (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return priv->handle;
}

int
pp_proxy_resolve_timeout (PpProxy *self,
                          int      timeout_msec)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return timeout_msec < 0 ? priv->default_timeout : timeout_msec;
}

PpExports *
pp_proxy_get_exports (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return priv->exports;
}

guint
pp_proxy_get_n_exported (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return priv->exports ? pp_exports_get_n_objects (priv->exports) : 0;
}

guint
pp_proxy_get_n_imported (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return priv->imports ? pp_imports_get_n_objects (priv->imports) : 0;
}

/**
 * pp_proxy_get_memfd_threshold:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:memfd-threshold].
 *
 * Returns: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Since: 1.0
 */
gsize
pp_proxy_get_memfd_threshold (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), 0);

  return priv->memfd_threshold;
}

/**
 * pp_proxy_set_memfd_threshold:
 * @self: a #PpProxy
 * @threshold: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Sets [property@Pp.Proxy:memfd-threshold].
 *
 * Since: 1.0
 */
void
pp_proxy_set_memfd_threshold (PpProxy *self,
                              gsize    threshold)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));

  if (priv->memfd_threshold == threshold)
    return;
  priv->memfd_threshold = threshold;
  if (priv->connection != NULL)
    pp_connection_set_memfd_threshold (priv->connection, threshold);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMFD_THRESHOLD]);
}

/**
 * pp_proxy_get_cancel_timeout:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:cancel-timeout].
 *
 * Returns: milliseconds, or 0 for no limit
 *
 * Since: 1.0
 */
guint
pp_proxy_get_cancel_timeout (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), 0);

  return priv->connection ? pp_connection_get_cancel_timeout (priv->connection) : 0;
}

/**
 * pp_proxy_set_cancel_timeout:
 * @self: a #PpProxy
 * @timeout_msec: milliseconds, or 0 for no limit
 *
 * Sets [property@Pp.Proxy:cancel-timeout]. It counts for the calls given
 * up on from then on.
 *
 * Since: 1.0
 */
void
pp_proxy_set_cancel_timeout (PpProxy *self,
                             guint    timeout_msec)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (timeout_msec <= G_MAXINT);

  if (priv->connection == NULL || pp_proxy_get_cancel_timeout (self) == timeout_msec)
    return;
  pp_connection_set_cancel_timeout (priv->connection, timeout_msec);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CANCEL_TIMEOUT]);
}

/**
 * pp_proxy_get_remote_type_name:
 * @self: a #PpProxy
 *
 * Gets the type name of the remote object.
 *
 * Returns: (nullable): the type name of the remote object, e.g.
 *   `GSimpleAction`
 *
 * Since: 1.0
 */
const char *
pp_proxy_get_remote_type_name (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return priv->description ? pp_description_get_type_name (priv->description) : NULL;
}

/**
 * pp_proxy_get_stream:
 * @self: a #PpProxy
 *
 * Gets the stream to the listener.
 *
 * Returns: (transfer none): the stream to the listener
 *
 * Since: 1.0
 */
GIOStream *
pp_proxy_get_stream (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return priv->stream;
}

/**
 * pp_proxy_get_default_timeout:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:default-timeout].
 *
 * Returns: the value of [property@Pp.Proxy:default-timeout]
 *
 * Since: 1.0
 */
int
pp_proxy_get_default_timeout (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), -1);
  return priv->default_timeout;
}

/**
 * pp_proxy_set_default_timeout:
 * @self: a #PpProxy
 * @timeout_msec: milliseconds, or %G_MAXINT for none
 *
 * Sets [property@Pp.Proxy:default-timeout].
 *
 * Since: 1.0
 */
void
pp_proxy_set_default_timeout (PpProxy *self,
                              int      timeout_msec)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (timeout_msec >= 0);

  if (priv->default_timeout == timeout_msec)
    return;
  priv->default_timeout = timeout_msec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEFAULT_TIMEOUT]);
}

/**
 * pp_proxy_get_max_pending_calls:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:max-pending-calls].
 *
 * Returns: the value of [property@Pp.Proxy:max-pending-calls]
 *
 * Since: 1.0
 */
guint
pp_proxy_get_max_pending_calls (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), 0);
  return priv->max_pending_calls;
}

/**
 * pp_proxy_set_max_pending_calls:
 * @self: a #PpProxy
 * @max_pending_calls: how many calls may wait for a reply at once
 *
 * Sets [property@Pp.Proxy:max-pending-calls].
 *
 * Since: 1.0
 */
void
pp_proxy_set_max_pending_calls (PpProxy *self,
                                guint    max_pending_calls)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (max_pending_calls > 0);

  if (priv->max_pending_calls == max_pending_calls)
    return;
  priv->max_pending_calls = max_pending_calls;
  if (priv->connection != NULL)
    pp_connection_set_max_pending_calls (priv->connection, max_pending_calls);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PENDING_CALLS]);
}

/**
 * pp_proxy_is_closed:
 * @self: a #PpProxy
 *
 * Tells whether the connection has ended.
 *
 * Returns: %TRUE once the connection has ended; calls then fail at once
 *   with %PP_ERROR_DISCONNECTED
 *
 * Since: 1.0
 */
gboolean
pp_proxy_is_closed (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), TRUE);
  return priv->connection == NULL || pp_connection_is_closed (priv->connection);
}

/**
 * pp_proxy_close:
 * @self: a #PpProxy
 *
 * Ends the connection. Pending calls fail with %PP_ERROR_DISCONNECTED and
 * [signal@Pp.Proxy::closed] is emitted in the proxy's main context. The
 * listener sees the connection end.
 *
 * Since: 1.0
 */
void
pp_proxy_close (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));

  if (priv->connection != NULL)
    pp_connection_close (priv->connection, priv->close_reason);
}

void
pp_proxy_set_close_reason (PpProxy      *self,
                           const GError *reason)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_clear_error (&priv->close_reason);
  priv->close_reason = g_error_copy (reason);
}

void
pp_proxy_set_stop_func (PpProxy    *self,
                        PpStopFunc  func,
                        gpointer    user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  priv->stop = func;
  priv->stop_data = user_data;
}

void
pp_proxy_set_late_reply_func (PpProxy         *self,
                              PpLateReplyFunc  func,
                              gpointer         user_data,
                              GDestroyNotify   destroy)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_assert (priv->late_reply == NULL);
  priv->late_reply = func;
  priv->late_reply_data = user_data;
  priv->late_reply_destroy = destroy;
}

guint
pp_proxy_get_n_unanswered (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return priv->connection != NULL ? pp_connection_get_n_unanswered (priv->connection) : 0;
}
