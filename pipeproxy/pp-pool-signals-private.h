/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-pool-private.h"

G_BEGIN_DECLS

/* The workers' signals, emitted again as the pool's ::worker-signal with
 * the worker's proxy and the arguments as a GVariant. A worker's proxy is
 * connected only to the signals the pool has handlers for, since a proxy
 * subscribes to a remote signal only while it has handlers. */

/* Which of the worker's signals can be forwarded; once, as it is made */
void     pp_pool_signals_init_worker  (PpPoolWorker *w);
void     pp_pool_signals_clear_worker (PpPoolWorker *w);

/* Connects to the signals the pool has handlers for, and disconnects from
 * the others. Under the lock. */
void     pp_pool_signals_sync         (PpPool       *self,
                                       PpPoolWorker *w);
/* Disconnects from all. Under the lock. */
void     pp_pool_signals_stop         (PpPoolWorker *w);

/* A source that runs pp_pool_signals_sync() on every worker before each
 * iteration of the pool's context */
GSource *pp_pool_signals_watch_new    (PpPool       *self);

G_END_DECLS
