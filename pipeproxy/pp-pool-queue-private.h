/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gunixfdlist.h>

#include "pp-pool-private.h"

G_BEGIN_DECLS

/* One call made through the pool, the task data of its GTask */
typedef struct
{
  char         *method;
  GVariant     *parameters;       /* NULL for none */
  GUnixFDList  *fd_list;
  GPtrArray    *in_objects;       /* NULL for none */
  int           timeout_msec;
  gint64        deadline;         /* monotonic µs, G_MAXINT64 for none */
  PpPoolWorker *worker;           /* while a worker has it (pp-pool-dispatch.c) */

  /* under the lock, while it waits in the queue */
  GList        *link;
  GSource      *timeout_source;
  GSource      *cancel_source;
} PpPoolCallData;

/* Takes a reference to @parameters (sinking a floating one), @fd_list and
 * @in_objects */
PpPoolCallData *pp_pool_call_data_new       (const char      *method,
                                             GVariant        *parameters,
                                             GUnixFDList     *fd_list,
                                             GPtrArray       *in_objects,
                                             int              timeout_msec,
                                             gint64           deadline);
void            pp_pool_call_data_free      (gpointer         data);
/* What is left until the deadline, in milliseconds rounded up */
gint64          pp_pool_call_data_msec_left (PpPoolCallData  *call);

/* The queue: calls that wait for a worker, in the order they were made,
 * each until its deadline or its cancellation. Under the lock. */

/* Fails when max-pending-calls wait already */
gboolean        pp_pool_queue_push          (PpPool          *self,
                                             GTask           *task,
                                             GError         **error);
/* The first call, with the queue's reference */
GTask          *pp_pool_queue_pop           (PpPool          *self);
/* Moves every call into @tasks */
void            pp_pool_queue_take_all      (PpPool          *self,
                                             GPtrArray       *tasks);

/* Ends the calls of pp_pool_queue_take_all() with @error, not under the
 * lock */
void            pp_pool_queue_fail          (GPtrArray       *tasks,
                                             const GError    *error);

G_END_DECLS
