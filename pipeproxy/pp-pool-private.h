/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-options.h"
#include "pp-pool.h"
#include "pp-proxy.h"

G_BEGIN_DECLS

/* What the files of PpPool share: the pool's state and the record of one
 * worker. Each file has a header of its own for what it does, and uses
 * only the ones below it:
 *
 *   pp-pool.c           the public object: properties, signals, entry points
 *   pp-pool-dispatch.c  where a call goes: a worker with room, or the queue;
 *                       maintain(), which hands queued calls to workers
 *   pp-pool-worker.c    a worker's life: start, adopt, recycle, end
 *   pp-pool-queue.c     the calls that wait for a worker, their time-outs
 *   pp-pool-signals.c   the workers' signals, emitted as ::worker-signal
 *
 * Fields marked "under the lock" are read and written with the pool's lock
 * held, from any thread; the rest is set once, or only in the pool's
 * context. */

/* A worker: its proxy and what the pool knows of it */
typedef struct
{
  gatomicrefcount  ref_count;
  GWeakRef         pool;
  PpProxy         *proxy;
  gulong           closed_id;
  guint            n_signals;
  char           **signal_names;  /* by index: the name of one forwardable, else NULL */

  /* under the lock */
  gulong          *forward_ids;   /* 0 when not forwarded, by index */
  guint            in_flight;
  guint            n_given;
  gint64           last_done;     /* monotonic µs; the start for a new one */
  guint            retiring : 1;  /* takes no more calls; ends when idle */
  guint            ended : 1;     /* out of the pool */
  GSource         *idle_source;
} PpPoolWorker;

struct _PpPool
{
  GObject        parent_instance;

  GMainContext  *context;
  GCancellable  *cancellable;     /* of the starts, cancelled on close */
  GSource       *watch_source;    /* keeps the workers' signal forwarding current */
  GListStore    *worker_model;    /* changed in the pool's context */

  /* pp_pool_dispatch_maintain_later(), for the files below the dispatch:
   * a worker came or went, so queued calls may go to one now, or need
   * another started */
  void         (*maintain_later) (PpPool *self);

  /* The objects of the ::worker-signal being emitted (pp-pool-signals.c),
   * in the pool's context, else NULL */
  GPtrArray     *signal_objects;

  /* Set at construction */
  char         **argv;
  char          *namespace_;
  char          *version;
  char          *type_name;
  char         **construct_properties;
  PpOptions     *options;         /* a copy */

  GMutex         lock;
  /* under the lock */
  guint          max_workers;
  guint          concurrent_calls;
  guint          max_calls_per_worker;
  guint          idle_timeout;
  GPtrArray     *workers;         /* PpPoolWorker, one reference each; not ended */
  guint          n_starting;
  GQueue         queue;           /* GTask, one reference each */
  GPtrArray     *start_tasks;     /* GTask of pp_pool_start_async() */
  gint64         retry_start;     /* after a failed start, none before then while others run */
  gboolean       maintenance_scheduled;
  gboolean       closed;
};

/* Destroys a source the pool attached, and drops its reference */
static inline void
pp_pool_clear_source (GSource **source)
{
  if (*source != NULL)
    g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* What everything asked of a closed pool fails with */
static inline GError *
pp_pool_closed_error (void)
{
  return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The pool is closed"));
}

G_END_DECLS
