/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-handshake-private.h"
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

/* What the calls (pp-proxy-call.c) need of the proxy: its connection
 * (NULL once it is disposed) and the handle of the object it stands for */
PpConnection *pp_proxy_get_connection (PpProxy *self);
guint32       pp_proxy_get_handle     (PpProxy *self);

G_END_DECLS
