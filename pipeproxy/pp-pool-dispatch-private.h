/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gunixfdlist.h>

#include "pp-pool-private.h"

G_BEGIN_DECLS

/* Where a call goes: to an idle worker, else the least busy with room,
 * else into the queue until maintain() hands it to the first worker to
 * become free, starting workers as calls need them. The calls of
 * pp_pool_call_*(), pp_pool_call_with_unix_fd_list_*() and
 * pp_pool_call_full*(), which pass what they have and whose arguments
 * these check: each goes to its worker
 * as pp_proxy_call_full() (@in_objects exported on that worker's
 * connection). */

void      pp_pool_dispatch_call_async     (PpPool               *self,
                                           const char           *method,
                                           GVariant             *parameters,
                                           GUnixFDList          *fd_list,
                                           GPtrArray            *in_objects,
                                           int                   timeout_msec,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data,
                                           gpointer              source_tag);
/* The one finish of them, for the call started with @source_tag.
 * @out_fd_list and @out_objects may be NULL: what they would get is
 * dropped then */
GVariant *pp_pool_dispatch_call_finish    (PpPool               *self,
                                           GAsyncResult         *result,
                                           gpointer              source_tag,
                                           GUnixFDList         **out_fd_list,
                                           GPtrArray           **out_objects,
                                           GError              **error);
GVariant *pp_pool_dispatch_call_sync      (PpPool               *self,
                                           const char           *method,
                                           GVariant             *parameters,
                                           GUnixFDList          *fd_list,
                                           GPtrArray            *in_objects,
                                           int                   timeout_msec,
                                           GUnixFDList         **out_fd_list,
                                           GPtrArray           **out_objects,
                                           GCancellable         *cancellable,
                                           GError              **error);

/* Runs maintain() in the pool's context: now when this thread may run it,
 * else when it runs. Also PpPool.maintain_later. */
void      pp_pool_dispatch_maintain_later (PpPool               *self);

/* For a thread that cannot run the pool's context: an asynchronous call
 * made with pp_pool_sync_wait_done() and &result, in @context, the
 * thread-default one, is waited for by iterating it */
void      pp_pool_sync_wait_done          (GObject              *source,
                                           GAsyncResult         *result,
                                           gpointer              user_data);
void      pp_pool_sync_wait               (GMainContext         *context,
                                           GAsyncResult        **result);

G_END_DECLS
