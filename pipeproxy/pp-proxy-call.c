/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-private.h"
#include "pp-description-private.h"
#include "pp-error.h"
#include "pp-method-private.h"
#include "pp-mirror-private.h"
#include "pp-proxy-private.h"

/* The calls of a PpProxy: the arguments checked against the description
 * (so that a wrong call fails at once, without a round trip), the object
 * table, the time-out and the deadline that travels; then one path to the
 * connection for every public variant. */

typedef struct
{
  PpConnection       *connection;
  guint32             handle;
  const char         *method;
  GVariant           *parameters;
  PpExportsBatch     *objects;       /* what the object table needs, or NULL */
  int                 timeout_msec;  /* resolved: not -1 */
  guint32             deadline;      /* what travels: see call_deadline() */
  const GVariantType *reply_type;    /* NULL for a method not described */
  guint32             serial;
} CallRequest;

/* Big arguments are written from where they are */
static void
encode_call (GPtrArray *frames,
             GVariant  *table,
             gpointer   user_data)
{
  CallRequest *request = user_data;

  pp_wire_gather_call (frames, request->serial, request->deadline, PP_WIRE_FLAGS_NONE,
                       request->handle, request->method, request->parameters, table);
}

/* Under the connection's lock: with objects, after the frames that
 * introduce this side's objects to the peer */
static gboolean
build_call (GPtrArray  *frames,
            guint32     serial,
            gpointer    user_data,
            GError    **error)
{
  CallRequest *request = user_data;

  request->serial = serial;
  if (request->objects != NULL)
    return pp_exports_batch_build (frames, request->objects, error);
  encode_call (frames, NULL, request);
  return TRUE;
}

/* What the object table of a call needs: proxies of the peer's objects
 * go back as the handles they stand for, objects of this process are
 * exported. None when the call refers to no object. */
static gboolean
prepare_objects (PpProxy      *self,
                 CallRequest  *request,
                 GPtrArray    *in_objects,
                 GError      **error)
{
  guint n = in_objects ? in_objects->len : 0;
  g_autoptr(GPtrArray) none = NULL;

  if (n == 0 && !pp_wire_type_has_objects (g_variant_get_type_string (request->parameters)))
    return TRUE;

  if (!pp_wire_check_object_values (request->parameters, n))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("An object value of the arguments does not index the %u objects given"), n);
      return FALSE;
    }
  if (in_objects == NULL)
    in_objects = none = g_ptr_array_new ();
  request->objects = pp_exports_batch_new (pp_proxy_get_exports (self), in_objects, encode_call,
                                           request);
  return TRUE;
}

/* A described method's arguments are checked here, so a wrong call fails at
 * once without a round trip, and so is its result, which must be of
 * *@reply_type. Methods not described (answered by a hook on the other
 * side) go as they are, and their results come as they are. */
static gboolean
check_arguments (PpProxy             *self,
                 const char          *method,
                 GVariant            *parameters,
                 const GVariantType **reply_type,
                 GError             **error)
{
  const PpDescribedMethod *described = pp_mirror_lookup_method (pp_mirror_get (self), method);

  *reply_type = NULL;
  if (described == NULL)
    return TRUE;
  /* Tuple types, checked when the description was parsed: no need for
   * G_VARIANT_TYPE() to check them again on every call */
  *reply_type = (const GVariantType *) described->out_signature;
  return pp_method_check_args (method, (const GVariantType *) described->in_signature,
                               parameters, error);
}

/* What travels with a call: when its caller gives up, in our monotonic
 * clock's milliseconds (low 32 bits; the HELLO told the listener how to
 * read it), 0 for never. */
static guint32
call_deadline (int timeout_msec)
{
  guint32 deadline;

  if (timeout_msec == G_MAXINT)
    return 0;
  deadline = (guint32) (g_get_monotonic_time () / 1000 + timeout_msec);
  return deadline != 0 ? deadline : 1;
}

/* Everything a call needs before it is sent: @parameters (a floating
 * reference is consumed; NULL for none) checked against the description,
 * the object table, the time-out. Cleared with call_request_clear()
 * whatever this returns. */
static gboolean
call_request_init (CallRequest   *request,
                   PpProxy       *self,
                   const char    *method,
                   GVariant      *parameters,
                   GPtrArray     *in_objects,
                   int            timeout_msec,
                   GCancellable  *cancellable,
                   GError       **error)
{
  request->connection = pp_proxy_get_connection (self);
  request->handle = pp_proxy_get_handle (self);
  request->method = method;
  request->parameters = g_variant_ref_sink (parameters ? parameters : g_variant_new ("()"));

  if (request->connection == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The proxy is not connected"));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !check_arguments (self, method, request->parameters, &request->reply_type, error) ||
      !prepare_objects (self, request, in_objects, error))
    return FALSE;
  pp_mirror_sync_subscriptions (pp_mirror_get (self));

  request->timeout_msec = pp_proxy_resolve_timeout (self, timeout_msec);
  request->deadline = call_deadline (request->timeout_msec);
  return TRUE;
}

static void
call_request_clear (CallRequest *request)
{
  g_clear_pointer (&request->parameters, g_variant_unref);
  g_clear_pointer (&request->objects, pp_exports_batch_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CallRequest, call_request_clear)

/* The one path of every asynchronous call: the public functions differ
 * only in what they pass and in their source tag */
static void
call_internal_async (PpProxy             *self,
                     const char          *method,
                     GVariant            *parameters,
                     GUnixFDList         *fd_list,
                     GPtrArray           *in_objects,
                     int                  timeout_msec,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data,
                     gpointer             source_tag)
{
  g_auto(CallRequest) request = { 0, };
  GError *error = NULL;

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (method != NULL && g_utf8_validate (method, -1, NULL));
  g_return_if_fail (parameters == NULL ||
                    g_variant_type_is_tuple (g_variant_get_type (parameters)));
  g_return_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!call_request_init (&request, self, method, parameters, in_objects, timeout_msec,
                          cancellable, &error))
    {
      g_task_report_error (self, callback, user_data, source_tag, error);
      return;
    }
  pp_connection_call_async (request.connection, PP_WIRE_KIND_RETURN, request.reply_type,
                            build_call, &request, fd_list, request.timeout_msec, cancellable,
                            self, source_tag, callback, user_data);
}

/* The one finish of them, for the call started with @source_tag */
static GVariant *
call_internal_finish (PpProxy       *self,
                      GAsyncResult  *result,
                      gpointer       source_tag,
                      GUnixFDList  **out_fd_list,
                      GPtrArray    **out_objects,
                      GError       **error)
{
  g_auto(PpReply) reply = { NULL, };

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  if (out_fd_list != NULL)
    *out_fd_list = NULL;
  if (out_objects != NULL)
    *out_objects = NULL;
  if (!pp_connection_call_finish (result, &reply, error))
    return NULL;
  return pp_reply_steal (&reply, out_fd_list, out_objects);
}

/* The one path of every synchronous call */
static GVariant *
call_internal_sync (PpProxy       *self,
                    const char    *method,
                    GVariant      *parameters,
                    GUnixFDList   *fd_list,
                    GPtrArray     *in_objects,
                    int            timeout_msec,
                    GUnixFDList  **out_fd_list,
                    GPtrArray    **out_objects,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_auto(CallRequest) request = { 0, };
  g_auto(PpReply) reply = { NULL, };
  gboolean ok;

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  g_return_val_if_fail (method != NULL && g_utf8_validate (method, -1, NULL), NULL);
  g_return_val_if_fail (parameters == NULL ||
                        g_variant_type_is_tuple (g_variant_get_type (parameters)), NULL);
  g_return_val_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_fd_list != NULL)
    *out_fd_list = NULL;
  if (out_objects != NULL)
    *out_objects = NULL;
  if (!call_request_init (&request, self, method, parameters, in_objects, timeout_msec,
                          cancellable, error))
    return NULL;
  ok = pp_connection_call_sync (request.connection, PP_WIRE_KIND_RETURN, request.reply_type,
                                build_call, &request, fd_list, request.timeout_msec,
                                cancellable, &reply, error);
  pp_mirror_take_queued_properties (pp_mirror_get (self));
  if (!ok)
    return NULL;
  return pp_reply_steal (&reply, out_fd_list, out_objects);
}

/**
 * pp_proxy_call_async:
 * @self: a #PpProxy
 * @method: the name of the remote method, e.g. `get_n_items`
 * @parameters: (nullable): the arguments, a tuple; a floating reference is
 *   consumed. %NULL means no arguments.
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the call ends
 * @user_data: data for @callback
 *
 * Calls a method of the remote object. Many calls may be in flight at once;
 * each ends exactly once. @callback runs in the thread-default main context
 * of the calling thread; finish with [method@Pp.Proxy.call_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_call_async (PpProxy             *self,
                     const char          *method,
                     GVariant            *parameters,
                     int                  timeout_msec,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  call_internal_async (self, method, parameters, NULL, NULL, timeout_msec, cancellable,
                       callback, user_data, pp_proxy_call_async);
}

/**
 * pp_proxy_call_finish:
 * @self: a #PpProxy
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Proxy.call_async]. File descriptors that came with
 * the reply are closed; use [method@Pp.Proxy.call_with_unix_fd_list_async] to
 * receive them.
 *
 * Returns: (transfer full): the result, a tuple of the return value (if
 *   the method has one) and the out-arguments, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_finish (PpProxy       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return call_internal_finish (self, result, pp_proxy_call_async, NULL, NULL, error);
}

/**
 * pp_proxy_call_sync:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple; a floating reference is
 *   consumed. %NULL means no arguments.
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Calls a method of the remote object and waits for the result in the
 * calling thread. No main loop needs to run, and none of the caller's other
 * sources are dispatched meanwhile. Safe to call from several threads at
 * once.
 *
 * Returns: (transfer full): the result, a tuple of the return value (if
 *   the method has one) and the out-arguments, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_sync (PpProxy       *self,
                    const char    *method,
                    GVariant      *parameters,
                    int            timeout_msec,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return call_internal_sync (self, method, parameters, NULL, NULL, timeout_msec, NULL, NULL,
                             cancellable, error);
}

/**
 * pp_proxy_call_with_unix_fd_list_async:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the call ends
 * @user_data: data for @callback
 *
 * Like [method@Pp.Proxy.call_async], with file descriptors passed both
 * ways. They can only pass over a unix socket (not over a pair of pipes);
 * elsewhere the call fails with %PP_ERROR_UNSUPPORTED_TYPE. The descriptors
 * in @fd_list are duplicated by the kernel as the call is sent: the caller
 * keeps its own. Finish with
 * [method@Pp.Proxy.call_with_unix_fd_list_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_call_with_unix_fd_list_async (PpProxy             *self,
                                       const char          *method,
                                       GVariant            *parameters,
                                       int                  timeout_msec,
                                       GUnixFDList         *fd_list,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  call_internal_async (self, method, parameters, fd_list, NULL, timeout_msec, cancellable,
                       callback, user_data, pp_proxy_call_with_unix_fd_list_async);
}

/**
 * pp_proxy_call_with_unix_fd_list_finish:
 * @self: a #PpProxy
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Proxy.call_with_unix_fd_list_async].
 *
 * Returns: (transfer full): the result, a tuple whose handle (`h`) values
 *   index @out_fd_list, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_with_unix_fd_list_finish (PpProxy       *self,
                                        GUnixFDList  **out_fd_list,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return call_internal_finish (self, result, pp_proxy_call_with_unix_fd_list_async, out_fd_list,
                               NULL, error);
}

/**
 * pp_proxy_call_with_unix_fd_list_sync:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [method@Pp.Proxy.call_sync], with file descriptors passed both
 * ways; see [method@Pp.Proxy.call_with_unix_fd_list_async].
 *
 * Returns: (transfer full): the result, a tuple whose handle (`h`) values
 *   index @out_fd_list, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_with_unix_fd_list_sync (PpProxy       *self,
                                      const char    *method,
                                      GVariant      *parameters,
                                      int            timeout_msec,
                                      GUnixFDList   *fd_list,
                                      GUnixFDList  **out_fd_list,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  return call_internal_sync (self, method, parameters, fd_list, NULL, timeout_msec, out_fd_list,
                             NULL, cancellable, error);
}

/**
 * pp_proxy_call_full:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list and whose object (`o`, `"/N"`) values index
 *   @in_objects; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @in_objects: (nullable) (element-type GObject): the objects that go with
 *   the call: proxies of objects of the peer's, on this proxy's connection
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the call ends
 * @user_data: data for @callback
 *
 * Like [method@Pp.Proxy.call_with_unix_fd_list_async], with objects passed both
 * ways, by reference: an object value (GVariant type `o`) is `"/N"`, N an
 * index into the list of objects that goes with the call or the result.
 * A proxy in @in_objects reaches the peer as the object it stands for.
 * The objects of the result are proxies of the peer's objects, on this
 * proxy's connection: the same proxy for the same object while it lives.
 * Finish with [method@Pp.Proxy.call_full_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_call_full (PpProxy             *self,
                    const char          *method,
                    GVariant            *parameters,
                    GUnixFDList         *fd_list,
                    GPtrArray           *in_objects,
                    int                  timeout_msec,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  call_internal_async (self, method, parameters, fd_list, in_objects, timeout_msec, cancellable,
                       callback, user_data, pp_proxy_call_full);
}

/**
 * pp_proxy_call_full_finish:
 * @self: a #PpProxy
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @out_objects: (out) (optional) (nullable) (transfer container)
 *   (element-type GObject): where to put the objects the result's object
 *   values index, %NULL if it has none. The list holds them: a proxy
 *   nobody else keeps dies with it, and the peer is told.
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Proxy.call_full].
 *
 * Returns: (transfer full): the result, a tuple whose handle (`h`) values
 *   index @out_fd_list and whose object (`o`) values index @out_objects,
 *   or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_full_finish (PpProxy       *self,
                           GUnixFDList  **out_fd_list,
                           GPtrArray    **out_objects,
                           GAsyncResult  *result,
                           GError       **error)
{
  return call_internal_finish (self, result, pp_proxy_call_full, out_fd_list, out_objects, error);
}

/**
 * pp_proxy_call_full_sync:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list and whose object (`o`) values index
 *   @in_objects; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @in_objects: (nullable) (element-type GObject): the objects that go with
 *   the call
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @out_objects: (out) (optional) (nullable) (transfer container)
 *   (element-type GObject): where to put the objects the result's object
 *   values index, %NULL if it has none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [method@Pp.Proxy.call_sync], with file descriptors and objects
 * passed both ways; see [method@Pp.Proxy.call_full].
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_full_sync (PpProxy       *self,
                         const char    *method,
                         GVariant      *parameters,
                         GUnixFDList   *fd_list,
                         GPtrArray     *in_objects,
                         int            timeout_msec,
                         GUnixFDList  **out_fd_list,
                         GPtrArray    **out_objects,
                         GCancellable  *cancellable,
                         GError       **error)
{
  return call_internal_sync (self, method, parameters, fd_list, in_objects, timeout_msec,
                             out_fd_list, out_objects, cancellable, error);
}
