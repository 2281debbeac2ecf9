/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-exports-private.h"
#include "pp-handshake-private.h"
#include "pp-imports-private.h"
#include "pp-options.h"
#include "pp-proxy.h"

G_BEGIN_DECLS

/* The constructors, with an end reason that the proxy keeps (and destroys
 * with @destroy, also when this fails) */
PpProxy *pp_proxy_new_explained_sync  (GIOStream            *stream,
                                       PpOptions            *options,
                                       PpEndReasonFunc       end_reason,
                                       gpointer              end_reason_data,
                                       GDestroyNotify        destroy,
                                       GCancellable         *cancellable,
                                       GError              **error);
void     pp_proxy_new_explained_async (GIOStream            *stream,
                                       PpOptions            *options,
                                       PpEndReasonFunc       end_reason,
                                       gpointer              end_reason_data,
                                       GDestroyNotify        destroy,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);

/* How many of the peer's objects, besides the root's, the import table
 * holds: those with a live proxy, and those whose release the peer has
 * not acknowledged yet */
guint    pp_proxy_get_n_imported      (PpProxy              *self);
/* How many of this side's objects the peer holds proxies of */
guint    pp_proxy_get_n_exported      (PpProxy              *self);

/* For the handle tables of either side of a connection (a listener's
 * too): */

/* A proxy of the peer's object @handle, of the mirror type of
 * @description, its cache started from @values; it holds @imports and
 * @exports, and objects passed to its calls are exported through
 * @exports. Its default time-out and limits are the defaults. */
PpProxy *pp_proxy_new_imported        (PpImports            *imports,
                                       PpExports            *exports,
                                       PpConnection         *connection,
                                       guint32               handle,
                                       guint                 generation,
                                       PpDescription        *description,
                                       GHashTable           *values,
                                       guint                 max_mirror_types,
                                       guint                 max_mirror_members);
/* A PpExportsOriginFunc: a proxy on @connection is the peer's */
PpExportsOrigin pp_proxy_get_origin   (GObject              *object,
                                       PpConnection         *connection,
                                       guint32              *handle);

/* What the calls (pp-proxy-call.c) need of the proxy: its connection
 * (NULL once it is disposed) and the handle of the object it stands for */
PpConnection *pp_proxy_get_connection (PpProxy *self);
guint32       pp_proxy_get_handle     (PpProxy *self);
/* The time-out of a call made with @timeout_msec: -1 is the proxy's
 * default-timeout */
int           pp_proxy_resolve_timeout (PpProxy *self,
                                        int      timeout_msec);
/* The export table objects passed to its calls go through */
PpExports    *pp_proxy_get_exports    (PpProxy *self);

/* What calls still pending fail with when the proxy is closed (and what
 * PpProxy::closed gives), instead of "The connection was closed" */
void     pp_proxy_set_close_reason    (PpProxy              *self,
                                       const GError         *reason);

/* Stops the process that serves the proxy, one the library started, when
 * a call given up on was not answered within PpProxy:cancel-timeout, and
 * says so: the error the pending calls and PpProxy::closed then give.
 * @user_data must live as long as the proxy. */
typedef GError *(*PpStopFunc) (guint    timeout_msec,
                               gpointer user_data);
void     pp_proxy_set_stop_func       (PpProxy              *self,
                                       PpStopFunc            func,
                                       gpointer              user_data);

/* How many calls given up on (cancelled, timed out) the peer has not
 * answered yet, so may still be working on; once one is answered @func
 * runs, in whichever thread read the answer. @destroy frees @user_data
 * with the proxy. Once. */
typedef void (*PpLateReplyFunc) (gpointer user_data);
guint    pp_proxy_get_n_unanswered    (PpProxy              *self);
void     pp_proxy_set_late_reply_func (PpProxy              *self,
                                       PpLateReplyFunc       func,
                                       gpointer              user_data,
                                       GDestroyNotify        destroy);

G_END_DECLS
