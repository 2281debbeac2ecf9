/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-pool-private.h"

G_BEGIN_DECLS

/* A worker's life: started on demand, in the pool's context or waited for
 * by a thread that acquired it; adopted into the pool; given calls until it
 * retires after max-calls-per-worker; ended when it stays idle too long,
 * when it is one too many, when its proxy closes, or with the pool. */

PpPoolWorker *pp_pool_worker_ref                  (PpPoolWorker  *w);
void          pp_pool_worker_unref                (PpPoolWorker  *w);

/* How busy @w is: its calls in flight, and the calls given up on (cancelled,
 * timed out) that it has not answered yet, for it may still be working on
 * them. Under the lock. */
guint         pp_pool_worker_get_load             (PpPoolWorker  *w);

/* A call goes to @w. Under the lock. */
void          pp_pool_worker_reserve              (PpPool        *self,
                                                   PpPoolWorker  *w);

/* Whether one more may start now. Under the lock. */
gboolean      pp_pool_worker_can_start            (PpPool        *self);
/* Starts one, already counted in n_starting, in the pool's context; the
 * same as a GSourceFunc whose data is the pool */
void          pp_pool_worker_start_async          (PpPool        *self);
gboolean      pp_pool_worker_start_cb             (gpointer       pool);
/* The same, waiting, in a thread that acquired the pool's context. With
 * @reserve_one the caller has a call for it: the new worker is returned,
 * reserved, with a reference. */
PpPoolWorker *pp_pool_worker_start_sync           (PpPool        *self,
                                                   gboolean       reserve_one,
                                                   GCancellable  *cancellable,
                                                   GError       **error);
/* Workers until max-workers run: pp_pool_start_async() in the pool's
 * context, as a GSourceFunc whose data is its task, and
 * pp_pool_start_sync() in a thread that acquired the context */
gboolean      pp_pool_worker_start_all            (gpointer       task);
gboolean      pp_pool_worker_start_all_sync       (PpPool        *self,
                                                   GCancellable  *cancellable,
                                                   GError       **error);

/* Under the lock: the idle time-outs of the idle workers start, or all
 * stop (the setting changed) */
void          pp_pool_worker_arm_idle_timeouts    (PpPool        *self);
void          pp_pool_worker_disarm_idle_timeouts (PpPool        *self);
/* Under the lock: moves the idle workers that retired, or are more than
 * max-workers, out of the pool into @ended, for pp_pool_worker_end() */
void          pp_pool_worker_take_idle_ended      (PpPool        *self,
                                                   GPtrArray     *ended);
/* Ends a worker taken out of the pool, taking its reference;
 * ::worker-ended says @reason */
void          pp_pool_worker_end                  (PpPool        *self,
                                                   PpPoolWorker  *w,
                                                   const GError  *reason);

/* The pool closes: every worker ends (a busy one is killed), and so do the
 * starts under way and the calls that wait. ::worker-ended follows in the
 * pool's context with @announce. Once. */
void          pp_pool_worker_end_all              (PpPool        *self,
                                                   gboolean       announce);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpPoolWorker, pp_pool_worker_unref)

G_END_DECLS
