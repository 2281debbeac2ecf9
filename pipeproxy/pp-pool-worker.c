/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-pool-queue-private.h"
#include "pp-pool-signals-private.h"
#include "pp-pool-worker-private.h"
#include "pp-proxy-private.h"
#include "pp-subprocess.h"

/* A worker that failed to start is not tried again for this long (µs)
 * while others run */
#define START_RETRY_DELAY G_USEC_PER_SEC

PpPoolWorker *
pp_pool_worker_ref (PpPoolWorker *w)
{
  g_atomic_ref_count_inc (&w->ref_count);
  return w;
}

void
pp_pool_worker_unref (PpPoolWorker *w)
{
  if (!g_atomic_ref_count_dec (&w->ref_count))
    return;
  g_weak_ref_clear (&w->pool);
  pp_pool_signals_clear_worker (w);
  g_clear_object (&w->proxy);
  g_free (w);
}

static gboolean
maintain_cb (gpointer pool)
{
  PpPool *self = pool;

  self->maintain_later (self);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* A worker answered a call given up on, in whichever thread read it: it
 * may be free for a queued call now, or idle. Later in the pool's context,
 * not in the middle of the read. */
static void
on_late_reply (gpointer data)
{
  g_autoptr(PpPool) self = g_weak_ref_get (data);
  GSource *idle;

  if (self == NULL)
    return;
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[pipeproxy] late reply");
  g_source_set_callback (idle, maintain_cb, g_object_ref (self), g_object_unref);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
}

/* Takes @proxy */
static PpPoolWorker *
worker_new (PpPool  *self,
            PpProxy *proxy)
{
  PpPoolWorker *w = g_new0 (PpPoolWorker, 1);
  GWeakRef *pool = g_new0 (GWeakRef, 1);

  g_atomic_ref_count_init (&w->ref_count);
  g_weak_ref_init (&w->pool, self);
  g_weak_ref_init (pool, self);
  pp_proxy_set_late_reply_func (proxy, on_late_reply, pool, weak_ref_free);
  w->proxy = proxy;
  w->last_done = g_get_monotonic_time ();
  pp_pool_signals_init_worker (w);
  return w;
}

guint
pp_pool_worker_get_load (PpPoolWorker *w)
{
  return w->in_flight + pp_proxy_get_n_unanswered (w->proxy);
}

void
pp_pool_worker_reserve (PpPool       *self,
                        PpPoolWorker *w)
{
  w->in_flight++;
  w->n_given++;
  if (self->max_calls_per_worker > 0 && w->n_given >= self->max_calls_per_worker)
    w->retiring = TRUE;
  pp_pool_clear_source (&w->idle_source);
}

gboolean
pp_pool_worker_can_start (PpPool *self)
{
  guint alive = self->workers->len + self->n_starting;

  return !self->closed && alive < self->max_workers &&
         (alive == 0 || self->retry_start == 0 || g_get_monotonic_time () >= self->retry_start);
}

/* Ending ------------------------------------------------------------------- */

/* Closes an ended worker's connection; its child sees it and exits. A busy
 * one (only when the pool closes) is killed as well, its results can no
 * longer be delivered: at once, or through the stop-timeout of the
 * options, which stops any worker whose proxy closed. */
static void
worker_stop (PpPool       *self,
             PpPoolWorker *w,
             gboolean      kill)
{
  GSubprocess *subprocess = pp_proxy_get_subprocess (w->proxy);

  g_mutex_lock (&self->lock);
  pp_pool_signals_stop (w);
  pp_pool_clear_source (&w->idle_source);
  g_mutex_unlock (&self->lock);

  g_clear_signal_handler (&w->closed_id, w->proxy);
  pp_proxy_close (w->proxy);
  if (kill && subprocess != NULL && pp_options_get_stop_timeout (self->options) < 0)
    g_subprocess_force_exit (subprocess);
}

/* In the pool's context */
static void
worker_announce_end (PpPool       *self,
                     PpPoolWorker *w,
                     const GError *reason)
{
  guint position;

  if (g_list_store_find (self->worker_model, w->proxy, &position))
    g_list_store_remove (self->worker_model, position);
  g_signal_emit_by_name (self, "worker-ended", w->proxy, reason);
}

void
pp_pool_worker_end (PpPool       *self,
                    PpPoolWorker *w,
                    const GError *reason)
{
  worker_stop (self, w, FALSE);
  worker_announce_end (self, w, reason);
  pp_pool_worker_unref (w);
}

/* Takes @w out of the array, if it is still there. Under the lock. */
static gboolean
worker_take_out (PpPool       *self,
                 PpPoolWorker *w)
{
  if (w->ended)
    return FALSE;
  w->ended = TRUE;
  g_ptr_array_remove (self->workers, w);
  return TRUE;
}

static void
on_worker_closed (PpProxy      *proxy,
                  const GError *error,
                  gpointer      user_data)
{
  PpPoolWorker *w = user_data;
  g_autoptr(PpPool) self = g_weak_ref_get (&w->pool);
  gboolean ended;

  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  ended = worker_take_out (self, w);
  g_mutex_unlock (&self->lock);

  if (ended)
    {
      g_debug ("A worker of the pool ended: %s", error ? error->message : "closed");
      pp_pool_worker_end (self, w, error);
      /* Its replacement, when calls wait */
      self->maintain_later (self);
    }
}

/* Idle time-outs and recycling --------------------------------------------- */

static gboolean
idle_elapsed (gpointer user_data)
{
  PpPoolWorker *w = user_data;
  g_autoptr(PpPool) self = g_weak_ref_get (&w->pool);
  gboolean ended = FALSE;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->lock);
  if (w->idle_source == g_main_current_source ())
    {
      g_clear_pointer (&w->idle_source, g_source_unref);
      if (pp_pool_worker_get_load (w) == 0 && !pp_proxy_is_closed (w->proxy))
        ended = worker_take_out (self, w);
    }
  g_mutex_unlock (&self->lock);

  if (ended)
    pp_pool_worker_end (self, w, NULL);
  return G_SOURCE_REMOVE;
}

void
pp_pool_worker_arm_idle_timeouts (PpPool *self)
{
  for (guint i = 0; self->idle_timeout > 0 && i < self->workers->len; i++)
    {
      PpPoolWorker *w = g_ptr_array_index (self->workers, i);

      if (w->idle_source != NULL || pp_pool_worker_get_load (w) > 0)
        continue;
      w->idle_source = g_timeout_source_new (self->idle_timeout);
      g_source_set_static_name (w->idle_source, "[pipeproxy] idle worker");
      g_source_set_callback (w->idle_source, idle_elapsed, pp_pool_worker_ref (w),
                             (GDestroyNotify) pp_pool_worker_unref);
      g_source_attach (w->idle_source, self->context);
    }
}

void
pp_pool_worker_disarm_idle_timeouts (PpPool *self)
{
  for (guint i = 0; i < self->workers->len; i++)
    {
      PpPoolWorker *w = g_ptr_array_index (self->workers, i);

      pp_pool_clear_source (&w->idle_source);
    }
}

void
pp_pool_worker_take_idle_ended (PpPool    *self,
                                GPtrArray *ended)
{
  for (guint i = self->workers->len; i-- > 0;)
    {
      PpPoolWorker *w = g_ptr_array_index (self->workers, i);

      if (w->in_flight == 0 && (w->retiring || self->workers->len > self->max_workers) &&
          !pp_proxy_is_closed (w->proxy))
        {
          worker_take_out (self, w);
          g_ptr_array_add (ended, w);
        }
    }
}

/* Starting ----------------------------------------------------------------- */

/* Under the lock: moves the pp_pool_start_async() tasks to @tasks once no
 * start is left, or the pool is closed */
static void
take_start_tasks (PpPool    *self,
                  GPtrArray *tasks)
{
  if (self->n_starting > 0 && !self->closed)
    return;
  g_ptr_array_extend_and_steal (tasks, g_steal_pointer (&self->start_tasks));
  self->start_tasks = g_ptr_array_new ();
}

/* Each with the error of a start that failed, else @error, else TRUE */
static void
return_start_tasks (GPtrArray    *tasks,
                    const GError *error)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);
      const GError *own_error = g_task_get_task_data (task);

      if (own_error == NULL)
        own_error = error;
      if (own_error != NULL)
        g_task_return_error (task, g_error_copy (own_error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* The start tasks waiting now fail with the first error of a start */
static void
note_start_error (PpPool       *self,
                  const GError *error)
{
  for (guint i = 0; i < self->start_tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (self->start_tasks, i);

      if (g_task_get_task_data (task) == NULL)
        g_task_set_task_data (task, g_error_copy (error), (GDestroyNotify) g_error_free);
    }
}

/* A new worker joins the pool, in the pool's context */
static void
worker_adopt (PpPool       *self,
              PpPoolWorker *w)
{
  w->closed_id = g_signal_connect (w->proxy, "closed", G_CALLBACK (on_worker_closed), w);

  g_mutex_lock (&self->lock);
  pp_pool_signals_sync (self, w);
  g_mutex_unlock (&self->lock);

  g_list_store_append (self->worker_model, w->proxy);
  g_signal_emit_by_name (self, "worker-started", w->proxy);
}

/* A start that did not give a worker, for @error. Under the lock: the
 * calls that wait fail when nothing is left to serve them. */
static void
start_failed_locked (PpPool       *self,
                     gboolean      no_proxy,
                     const GError *error,
                     GPtrArray    *failed)
{
  g_debug ("A worker of the pool did not start: %s", error->message);
  note_start_error (self, error);
  if (no_proxy)
    self->retry_start = g_get_monotonic_time () + START_RETRY_DELAY;
  if (self->workers->len == 0 && self->n_starting == 0)
    pp_pool_queue_take_all (self, failed);
}

/* A start ended, with @proxy or with @error. In the pool's context. With
 * @reserve_one, the caller has a call for it; the new worker is returned
 * then, with a reference. */
static PpPoolWorker *
worker_arrived (PpPool       *self,
                PpProxy      *proxy,
                const GError *error,
                gboolean      reserve_one)
{
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
  g_autoptr(GError) closed_error = NULL;
  PpPoolWorker *w = NULL;

  g_mutex_lock (&self->lock);
  self->n_starting--;
  if (proxy != NULL && self->closed)
    error = closed_error = pp_pool_closed_error ();
  if (proxy == NULL || self->closed)
    {
      start_failed_locked (self, proxy == NULL, error, failed);
    }
  else
    {
      self->retry_start = 0;
      w = worker_new (self, g_object_ref (proxy));
      g_ptr_array_add (self->workers, w);
      if (reserve_one)
        pp_pool_worker_reserve (self, w);
    }
  take_start_tasks (self, done);
  g_mutex_unlock (&self->lock);

  if (w != NULL)
    {
      worker_adopt (self, w);
      self->maintain_later (self);
    }
  else if (proxy != NULL)
    {
      pp_proxy_close (proxy);
    }
  pp_pool_queue_fail (failed, error);
  return_start_tasks (done, NULL);
  return w && reserve_one ? pp_pool_worker_ref (w) : NULL;
}

static GSubprocessLauncher *
make_launcher (PpPool *self)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_signal_emit_by_name (self, "setup-launcher", launcher);
  return launcher;
}

static void
worker_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PpPool) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (self->argv != NULL)
    proxy = pp_proxy_new_for_subprocess_finish (result, &error);
  else
    proxy = pp_proxy_new_for_type_finish (result, &error);
  worker_arrived (self, proxy, error, FALSE);
}

void
pp_pool_worker_start_async (PpPool *self)
{
  gboolean closed;

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);

  if (closed)
    {
      g_autoptr(GError) error = pp_pool_closed_error ();

      worker_arrived (self, NULL, error, FALSE);
      return;
    }

  g_main_context_push_thread_default (self->context);
  if (self->argv != NULL)
    {
      g_autoptr(GSubprocessLauncher) launcher = make_launcher (self);

      pp_proxy_new_for_subprocess_async (launcher, (const char * const *) self->argv,
                                         self->options, self->cancellable,
                                         worker_started, g_object_ref (self));
    }
  else
    {
      pp_proxy_new_for_type_async (self->namespace_, self->version, self->type_name,
                                   (const char * const *) self->construct_properties,
                                   self->options, self->cancellable,
                                   worker_started, g_object_ref (self));
    }
  g_main_context_pop_thread_default (self->context);
}

gboolean
pp_pool_worker_start_cb (gpointer pool)
{
  pp_pool_worker_start_async (pool);
  return G_SOURCE_REMOVE;
}

PpPoolWorker *
pp_pool_worker_start_sync (PpPool        *self,
                           gboolean       reserve_one,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) local_error = NULL;
  PpPoolWorker *w;

  g_main_context_push_thread_default (self->context);
  if (self->argv != NULL)
    {
      g_autoptr(GSubprocessLauncher) launcher = make_launcher (self);

      proxy = pp_proxy_new_for_subprocess_sync (launcher, (const char * const *) self->argv,
                                                self->options, cancellable, &local_error);
    }
  else
    {
      proxy = pp_proxy_new_for_type_sync (self->namespace_, self->version, self->type_name,
                                          (const char * const *) self->construct_properties,
                                          self->options, cancellable, &local_error);
    }
  g_main_context_pop_thread_default (self->context);

  w = worker_arrived (self, proxy, local_error, reserve_one);
  if (proxy == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (w == NULL && reserve_one)
    g_propagate_error (error, pp_pool_closed_error ());
  return w;
}

gboolean
pp_pool_worker_start_all (gpointer user_data)
{
  GTask *task = user_data;
  PpPool *self = g_task_get_source_object (task);
  guint n_start = 0;
  gboolean now = FALSE;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_error (task, pp_pool_closed_error ());
      return G_SOURCE_REMOVE;
    }
  while (self->workers->len + self->n_starting < self->max_workers)
    {
      self->n_starting++;
      n_start++;
    }
  if (self->n_starting == 0)
    now = TRUE;
  else
    g_ptr_array_add (self->start_tasks, g_object_ref (task));
  g_mutex_unlock (&self->lock);

  if (now)
    g_task_return_boolean (task, TRUE);
  while (n_start-- > 0)
    pp_pool_worker_start_async (self);
  return G_SOURCE_REMOVE;
}

/* One after the other, in this thread */
gboolean
pp_pool_worker_start_all_sync (PpPool        *self,
                               GCancellable  *cancellable,
                               GError       **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean start;

      g_mutex_lock (&self->lock);
      if (self->closed)
        {
          g_mutex_unlock (&self->lock);
          g_propagate_error (error, pp_pool_closed_error ());
          return FALSE;
        }
      start = self->workers->len + self->n_starting < self->max_workers;
      if (start)
        self->n_starting++;
      g_mutex_unlock (&self->lock);

      if (!start)
        return TRUE;
      /* Its own error: @error may be NULL, and a start that fails would
       * be tried again forever */
      pp_pool_worker_start_sync (self, FALSE, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}

/* Closing ------------------------------------------------------------------ */

/* Under the lock: every worker leaves the pool; @busy says, by index, which
 * had a call in flight */
static GPtrArray *
take_all (PpPool *self,
          GArray *busy)
{
  GPtrArray *workers = g_steal_pointer (&self->workers);

  self->workers = g_ptr_array_new ();
  for (guint i = 0; i < workers->len; i++)
    {
      PpPoolWorker *w = g_ptr_array_index (workers, i);
      gboolean in_flight = pp_pool_worker_get_load (w) > 0;

      w->ended = TRUE;
      g_array_append_val (busy, in_flight);
    }
  return workers;
}

typedef struct
{
  PpPool    *pool;
  GPtrArray *workers;
} Announcement;

static gboolean
announce_ends (gpointer user_data)
{
  Announcement *announcement = user_data;

  for (guint i = 0; i < announcement->workers->len; i++)
    {
      PpPoolWorker *w = g_ptr_array_index (announcement->workers, i);

      worker_announce_end (announcement->pool, w, NULL);
      pp_pool_worker_unref (w);
    }
  g_ptr_array_unref (announcement->workers);
  g_object_unref (announcement->pool);
  g_free (announcement);
  return G_SOURCE_REMOVE;
}

/* Stops the workers taken out by take_all(), killing the busy ones, and
 * says so now or in the pool's context */
static void
stop_all (PpPool    *self,
          GPtrArray *workers,
          GArray    *busy,
          gboolean   announce)
{
  for (guint i = 0; i < workers->len; i++)
    worker_stop (self, g_ptr_array_index (workers, i), g_array_index (busy, gboolean, i));

  if (announce)
    {
      Announcement *announcement = g_new0 (Announcement, 1);

      announcement->pool = g_object_ref (self);
      announcement->workers = g_ptr_array_ref (workers);
      g_main_context_invoke (self->context, announce_ends, announcement);
    }
  else
    {
      g_list_store_remove_all (self->worker_model);
      g_ptr_array_foreach (workers, (GFunc) pp_pool_worker_unref, NULL);
    }
}

void
pp_pool_worker_end_all (PpPool   *self,
                        gboolean  announce)
{
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();
  g_autoptr(GPtrArray) start_tasks = g_ptr_array_new ();
  g_autoptr(GPtrArray) workers = NULL;
  g_autoptr(GArray) busy = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  workers = take_all (self, busy);
  pp_pool_queue_take_all (self, waiting);
  take_start_tasks (self, start_tasks);
  g_mutex_unlock (&self->lock);

  g_cancellable_cancel (self->cancellable);
  pp_pool_clear_source (&self->watch_source);

  error = pp_pool_closed_error ();
  pp_pool_queue_fail (waiting, error);
  return_start_tasks (start_tasks, error);
  stop_all (self, workers, busy, announce);
}
