/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-pool-dispatch-private.h"

/* PpPool's calls: each hands what it has to the dispatcher
 * (pp-pool-dispatch.c), which checks it and picks the worker */

/**
 * pp_pool_call_async:
 * @self: a #PpPool
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple; a floating reference is
 *   consumed. %NULL means no arguments.
 * @timeout_msec: the time-out in milliseconds, counted from now (time spent
 *   waiting for a free worker included): -1 for the
 *   [property@Pp.Options:default-timeout] of the pool's options,
 *   %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the call ends, in the thread-default main context
 *   of the calling thread
 * @user_data: data for @callback
 *
 * Calls a method of the object the workers serve, on an idle worker, or on
 * the first worker to become free; see [class@Pp.Pool]. Finish with
 * [method@Pp.Pool.call_finish].
 *
 * Besides the errors of [method@Pp.Proxy.call_async], the call fails with
 * %PP_ERROR_DISCONNECTED when the pool is closed or no worker could be
 * started (with the reason the start failed), and with
 * %PP_ERROR_LIMIT_EXCEEDED when [property@Pp.Options:max-pending-calls]
 * calls already wait for a worker.
 *
 * Since: 1.0
 */
void
pp_pool_call_async (PpPool              *self,
                    const char          *method,
                    GVariant            *parameters,
                    int                  timeout_msec,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  pp_pool_dispatch_call_async (self, method, parameters, NULL, NULL, timeout_msec, cancellable,
                               callback, user_data, pp_pool_call_async);
}

/**
 * pp_pool_call_finish:
 * @self: a #PpPool
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Pool.call_async].
 *
 * Returns: (transfer full): the result, a tuple of the return value (if
 *   any) followed by the out-arguments, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_pool_call_finish (PpPool        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  return pp_pool_dispatch_call_finish (self, result, pp_pool_call_async, NULL, NULL, error);
}

/**
 * pp_pool_call_sync:
 * @self: a #PpPool
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple; a floating reference is
 *   consumed. %NULL means no arguments.
 * @timeout_msec: the time-out in milliseconds: -1 for the
 *   [property@Pp.Options:default-timeout] of the pool's options,
 *   %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Calls a method of the object the workers serve and waits for the
 * result, without running a main loop. See [class@Pp.Pool] for where the
 * call goes, and [method@Pp.Pool.call_async] for the errors.
 *
 * Returns: (transfer full): the result, a tuple, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_pool_call_sync (PpPool        *self,
                   const char    *method,
                   GVariant      *parameters,
                   int            timeout_msec,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return pp_pool_dispatch_call_sync (self, method, parameters, NULL, NULL, timeout_msec, NULL,
                                     NULL, cancellable, error);
}

/**
 * pp_pool_call_with_unix_fd_list_async:
 * @self: a #PpPool
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handles (`h`) index
 *   @fd_list; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors to send with the call; they
 *   are duplicated as the call is sent, so the caller keeps its own
 * @timeout_msec: the time-out in milliseconds, as for
 *   [method@Pp.Pool.call_async]
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the call ends, in the thread-default main context
 *   of the calling thread
 * @user_data: data for @callback
 *
 * Like [method@Pp.Pool.call_async], with file descriptors, as
 * [method@Pp.Proxy.call_with_unix_fd_list_async] sends them. Finish with
 * [method@Pp.Pool.call_with_unix_fd_list_finish].
 *
 * Since: 1.0
 */
void
pp_pool_call_with_unix_fd_list_async (PpPool              *self,
                                      const char          *method,
                                      GVariant            *parameters,
                                      int                  timeout_msec,
                                      GUnixFDList         *fd_list,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  pp_pool_dispatch_call_async (self, method, parameters, fd_list, NULL, timeout_msec, cancellable,
                               callback, user_data, pp_pool_call_with_unix_fd_list_async);
}

/**
 * pp_pool_call_with_unix_fd_list_finish:
 * @self: a #PpPool
 * @out_fd_list: (out) (optional) (nullable) (transfer full): the file
 *   descriptors that came with the result, or %NULL
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Pool.call_with_unix_fd_list_async].
 *
 * Returns: (transfer full): the result, a tuple, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_pool_call_with_unix_fd_list_finish (PpPool        *self,
                                       GUnixFDList  **out_fd_list,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return pp_pool_dispatch_call_finish (self, result, pp_pool_call_with_unix_fd_list_async,
                                       out_fd_list, NULL, error);
}

/**
 * pp_pool_call_with_unix_fd_list_sync:
 * @self: a #PpPool
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handles (`h`) index
 *   @fd_list; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors to send with the call
 * @timeout_msec: the time-out in milliseconds, as for
 *   [method@Pp.Pool.call_sync]
 * @out_fd_list: (out) (optional) (nullable) (transfer full): the file
 *   descriptors that came with the result, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [method@Pp.Pool.call_sync], with file descriptors.
 *
 * Returns: (transfer full): the result, a tuple, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_pool_call_with_unix_fd_list_sync (PpPool        *self,
                                     const char    *method,
                                     GVariant      *parameters,
                                     int            timeout_msec,
                                     GUnixFDList   *fd_list,
                                     GUnixFDList  **out_fd_list,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  return pp_pool_dispatch_call_sync (self, method, parameters, fd_list, NULL, timeout_msec,
                                     out_fd_list, NULL, cancellable, error);
}

/**
 * pp_pool_call_full:
 * @self: a #PpPool
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list and whose object (`o`, `"/N"`) values index
 *   @in_objects; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @in_objects: (nullable) (element-type GObject): the objects that go with
 *   the call: objects of this process, exported on the connection of the
 *   worker the call goes to, or proxies of that worker's objects
 * @timeout_msec: the time-out in milliseconds, as for
 *   [method@Pp.Pool.call_sync]
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the call ends
 * @user_data: data for @callback
 *
 * Like [method@Pp.Pool.call_with_unix_fd_list_async], with objects passed
 * both ways by reference, as [method@Pp.Proxy.call_full] passes them on the
 * worker the call goes to: the objects of the result are proxies of that
 * worker's objects, on its connection, living as long as that worker.
 * Finish with [method@Pp.Pool.call_full_finish].
 *
 * Since: 1.0
 */
void
pp_pool_call_full (PpPool              *self,
                   const char          *method,
                   GVariant            *parameters,
                   GUnixFDList         *fd_list,
                   GPtrArray           *in_objects,
                   int                  timeout_msec,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  pp_pool_dispatch_call_async (self, method, parameters, fd_list, in_objects, timeout_msec,
                               cancellable, callback, user_data, pp_pool_call_full);
}

/**
 * pp_pool_call_full_finish:
 * @self: a #PpPool
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @out_objects: (out) (optional) (nullable) (transfer container)
 *   (element-type GObject): where to put the objects the result's object
 *   values index, %NULL if it has none
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Pool.call_full].
 *
 * Returns: (transfer full): the result, a tuple whose handle (`h`) values
 *   index @out_fd_list and whose object (`o`) values index @out_objects,
 *   or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_pool_call_full_finish (PpPool        *self,
                          GUnixFDList  **out_fd_list,
                          GPtrArray    **out_objects,
                          GAsyncResult  *result,
                          GError       **error)
{
  return pp_pool_dispatch_call_finish (self, result, pp_pool_call_full, out_fd_list,
                                       out_objects, error);
}

/**
 * pp_pool_call_full_sync:
 * @self: a #PpPool
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, as for [method@Pp.Pool.call_full];
 *   a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @in_objects: (nullable) (element-type GObject): the objects that go with
 *   the call
 * @timeout_msec: the time-out in milliseconds, as for
 *   [method@Pp.Pool.call_sync]
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @out_objects: (out) (optional) (nullable) (transfer container)
 *   (element-type GObject): where to put the objects the result's object
 *   values index, %NULL if it has none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [method@Pp.Pool.call_sync], with file descriptors and objects
 * passed both ways; see [method@Pp.Pool.call_full].
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_pool_call_full_sync (PpPool        *self,
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
  return pp_pool_dispatch_call_sync (self, method, parameters, fd_list, in_objects, timeout_msec,
                                     out_fd_list, out_objects, cancellable, error);
}
