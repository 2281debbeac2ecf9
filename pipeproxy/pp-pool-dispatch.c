/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-call-table-private.h"
#include "pp-pool-dispatch-private.h"
#include "pp-pool-queue-private.h"
#include "pp-pool-signals-private.h"
#include "pp-pool-worker-private.h"

/* Idle ones first, the one that finished last among them; then, below the
 * limit of calls in flight (or at any count, @over_limit), the least busy.
 * A call its caller gave up on counts until the worker answers it. Under
 * the lock. */
static PpPoolWorker *
pick_worker (PpPool   *self,
             gboolean  over_limit)
{
  PpPoolWorker *best = NULL;
  guint best_load = 0;

  for (guint i = 0; i < self->workers->len; i++)
    {
      PpPoolWorker *w = g_ptr_array_index (self->workers, i);
      guint load;

      if (w->retiring || pp_proxy_is_closed (w->proxy))
        continue;
      load = pp_pool_worker_get_load (w);
      if (!over_limit && load >= self->concurrent_calls)
        continue;
      if (best == NULL || load < best_load ||
          (load == best_load && w->last_done > best->last_done))
        {
          best = w;
          best_load = load;
        }
    }
  return best;
}

/* A call to @w ended, in whatever thread */
static void
release (PpPool       *self,
         PpPoolWorker *w)
{
  gboolean maintain;

  g_mutex_lock (&self->lock);
  w->in_flight--;
  w->last_done = g_get_monotonic_time ();
  maintain = !w->ended && !self->closed &&
             (self->queue.length > 0 ||
              (pp_pool_worker_get_load (w) == 0 &&
               (w->retiring || self->idle_timeout > 0 || self->workers->len > self->max_workers)));
  g_mutex_unlock (&self->lock);

  if (maintain)
    pp_pool_dispatch_maintain_later (self);
}

static void
reply_free (gpointer data)
{
  pp_reply_clear (data);
  g_free (data);
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PpPool *self = g_task_get_source_object (task);
  PpPoolCallData *call = g_task_get_task_data (task);
  g_autoptr(PpPoolWorker) w = g_steal_pointer (&call->worker);
  g_autoptr(GError) error = NULL;
  PpReply *reply = g_new0 (PpReply, 1);

  reply->value = pp_proxy_call_full_finish (PP_PROXY (source), &reply->fds, &reply->objects,
                                            result, &error);

  release (self, w);

  if (reply->value == NULL)
    {
      reply_free (reply);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      g_task_return_pointer (task, reply, reply_free);
    }
}

/* Sends a call to @w, which was reserved for it */
static void
send_call (PpPool       *self,
           PpPoolWorker *w,
           GTask        *task,
           gboolean      queued)
{
  PpPoolCallData *call = g_task_get_task_data (task);
  int timeout = call->timeout_msec;

  call->worker = pp_pool_worker_ref (w);

  /* The time spent in the queue counts */
  if (queued && call->deadline != G_MAXINT64)
    timeout = (int) CLAMP (pp_pool_call_data_msec_left (call), 1, G_MAXINT - 1);

  g_mutex_lock (&self->lock);
  pp_pool_signals_sync (self, w);
  g_mutex_unlock (&self->lock);

  pp_proxy_call_full (w->proxy, call->method, call->parameters, call->fd_list, call->in_objects,
                      timeout, g_task_get_cancellable (task), call_done, task);
}

/* maintain() --------------------------------------------------------------- */

/* Queued calls to the workers with room, as pairs of a task and its
 * worker, reserved, into @sends. Under the lock. */
static void
hand_out_queue (PpPool    *self,
                GPtrArray *sends)
{
  PpPoolWorker *w;

  while (self->queue.length > 0 && (w = pick_worker (self, FALSE)) != NULL)
    {
      pp_pool_worker_reserve (self, w);
      g_ptr_array_add (sends, pp_pool_queue_pop (self));
      g_ptr_array_add (sends, pp_pool_worker_ref (w));
    }
}

/* How many workers to start for the queued calls that the ones starting
 * will not take, counted as starting. Under the lock. */
static guint
count_starts_for_queue (PpPool *self)
{
  guint n_start = 0;

  while (self->queue.length > self->n_starting && pp_pool_worker_can_start (self))
    {
      self->n_starting++;
      n_start++;
    }
  return n_start;
}

/* Hands queued calls to workers with room, ends recycled workers and idle
 * ones beyond max-workers, arms idle time-outs and starts the workers that
 * queued calls need. In the pool's context. */
static void
maintain (PpPool *self)
{
  g_autoptr(GPtrArray) ended = g_ptr_array_new ();
  g_autoptr(GPtrArray) sends = g_ptr_array_new ();
  guint n_start;

  g_mutex_lock (&self->lock);
  self->maintenance_scheduled = FALSE;
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  pp_pool_worker_take_idle_ended (self, ended);
  hand_out_queue (self, sends);
  pp_pool_worker_arm_idle_timeouts (self);
  n_start = count_starts_for_queue (self);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < ended->len; i++)
    pp_pool_worker_end (self, g_ptr_array_index (ended, i), NULL);
  for (guint i = 0; i < sends->len; i += 2)
    {
      g_autoptr(GTask) task = g_ptr_array_index (sends, i);
      g_autoptr(PpPoolWorker) to = g_ptr_array_index (sends, i + 1);

      send_call (self, to, g_steal_pointer (&task), TRUE);
    }
  while (n_start-- > 0)
    pp_pool_worker_start_async (self);
}

static gboolean
maintain_cb (gpointer user_data)
{
  maintain (user_data);
  return G_SOURCE_REMOVE;
}

void
pp_pool_dispatch_maintain_later (PpPool *self)
{
  if (self->context == NULL)
    return;  /* not constructed yet */

  g_mutex_lock (&self->lock);
  if (self->maintenance_scheduled || self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->maintenance_scheduled = TRUE;
  g_mutex_unlock (&self->lock);

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, maintain_cb,
                              g_object_ref (self), g_object_unref);
}

/* Asynchronous calls ------------------------------------------------------- */

static gint64
deadline_for (PpPool *self,
              int     timeout_msec)
{
  if (timeout_msec == -1)
    timeout_msec = pp_options_get_default_timeout (self->options);
  if (timeout_msec == G_MAXINT)
    return G_MAXINT64;
  return g_get_monotonic_time () + (gint64) timeout_msec * 1000;
}

/* A worker with room for the call of @task, reserved and with a
 * reference, or NULL when the task went into the queue. @start: one more
 * worker is wanted, counted as starting, unless the ones starting will do.
 * Under the lock. */
static PpPoolWorker *
place_call (PpPool    *self,
            GTask     *task,
            gboolean  *start,
            GError   **error)
{
  PpPoolWorker *w;
  gboolean busy;

  *start = FALSE;
  if (self->closed)
    {
      g_propagate_error (error, pp_pool_closed_error ());
      return NULL;
    }

  w = pick_worker (self, FALSE);
  busy = w == NULL || pp_pool_worker_get_load (w) > 0;
  if (w != NULL)
    {
      pp_pool_worker_reserve (self, w);
      pp_pool_worker_ref (w);
    }
  else if (!pp_pool_queue_push (self, task, error))
    {
      return NULL;
    }

  if (busy && pp_pool_worker_can_start (self) &&
      self->n_starting < self->queue.length + (w ? 1 : 0))
    {
      self->n_starting++;
      *start = TRUE;
    }
  return w;
}

void
pp_pool_dispatch_call_async (PpPool              *self,
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
  g_autoptr(GTask) task = NULL;
  g_autoptr(PpPoolWorker) w = NULL;
  g_autoptr(GError) error = NULL;
  gboolean start;

  g_return_if_fail (PP_IS_POOL (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (parameters == NULL ||
                    g_variant_type_is_tuple (g_variant_get_type (parameters)));
  g_return_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list));
  g_return_if_fail (timeout_msec >= -1);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, pp_pool_call_data_new (method, parameters, fd_list, in_objects,
                                                     timeout_msec,
                                                     deadline_for (self, timeout_msec)),
                        pp_pool_call_data_free);
  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->lock);
  w = place_call (self, task, &start, &error);
  g_mutex_unlock (&self->lock);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (start)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, pp_pool_worker_start_cb,
                                g_object_ref (self), g_object_unref);
  if (w != NULL)
    send_call (self, w, g_steal_pointer (&task), FALSE);
}

GVariant *
pp_pool_dispatch_call_finish (PpPool        *self,
                              GAsyncResult  *result,
                              gpointer       source_tag,
                              GUnixFDList  **out_fd_list,
                              GPtrArray    **out_objects,
                              GError       **error)
{
  g_auto(PpReply) reply = { NULL, };
  PpReply *returned;

  g_return_val_if_fail (PP_IS_POOL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  returned = g_task_propagate_pointer (G_TASK (result), error);
  if (returned == NULL)
    return NULL;
  reply = *returned;
  g_free (returned);
  return pp_reply_steal (&reply, out_fd_list, out_objects);
}

/* Synchronous calls -------------------------------------------------------- */

void
pp_pool_sync_wait_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **wait = user_data;

  *wait = g_object_ref (result);
}

void
pp_pool_sync_wait (GMainContext  *context,
                   GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
}

/* The worker for a synchronous call, reserved, with a reference: one with
 * room; else, from a thread that may run the pool's context, a new one
 * started in this thread, or the least busy once no more may start (a free
 * one cannot be waited for without running the context). NULL when another
 * thread runs the context: the call waits in the queue then. FALSE with
 * @error when the pool is closed or the start failed. */
static gboolean
reserve_for_sync_call (PpPool        *self,
                       PpPoolWorker **reserved,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gboolean acquired = g_main_context_acquire (self->context);
  gboolean start = FALSE;
  PpPoolWorker *w;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      if (acquired)
        g_main_context_release (self->context);
      g_propagate_error (error, pp_pool_closed_error ());
      return FALSE;
    }
  w = pick_worker (self, FALSE);
  if (w == NULL && acquired)
    {
      if (!pp_pool_worker_can_start (self) && self->workers->len > 0)
        w = pick_worker (self, TRUE);
      if (w == NULL)
        {
          self->n_starting++;
          start = TRUE;
        }
    }
  if (w != NULL)
    {
      pp_pool_worker_reserve (self, w);
      pp_pool_worker_ref (w);
    }
  g_mutex_unlock (&self->lock);

  if (start)
    w = pp_pool_worker_start_sync (self, TRUE, cancellable, error);
  if (acquired)
    g_main_context_release (self->context);
  *reserved = w;
  return !start || w != NULL;
}

/* Another thread runs the pool's context: the call waits in the queue, as
 * an asynchronous one, in a context of its own */
static GVariant *
call_in_queue_sync (PpPool        *self,
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
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  pp_pool_dispatch_call_async (self, method, parameters, fd_list, in_objects, timeout_msec,
                               cancellable, pp_pool_sync_wait_done, &result,
                               call_in_queue_sync);
  pp_pool_sync_wait (context, &result);
  g_main_context_pop_thread_default (context);

  return pp_pool_dispatch_call_finish (self, result, call_in_queue_sync, out_fd_list, out_objects,
                                       error);
}

GVariant *
pp_pool_dispatch_call_sync (PpPool        *self,
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
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(PpPoolWorker) w = NULL;
  GVariant *value;

  g_return_val_if_fail (PP_IS_POOL (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (parameters == NULL ||
                        g_variant_type_is_tuple (g_variant_get_type (parameters)), NULL);
  g_return_val_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list), NULL);
  g_return_val_if_fail (timeout_msec >= -1, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  owned = parameters ? g_variant_ref_sink (parameters) : NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (!reserve_for_sync_call (self, &w, cancellable, error))
    return NULL;
  if (w == NULL)
    return call_in_queue_sync (self, method, owned, fd_list, in_objects, timeout_msec,
                               out_fd_list, out_objects, cancellable, error);

  g_mutex_lock (&self->lock);
  pp_pool_signals_sync (self, w);
  g_mutex_unlock (&self->lock);

  value = pp_proxy_call_full_sync (w->proxy, method, owned, fd_list, in_objects, timeout_msec,
                                   out_fd_list, out_objects, cancellable, error);
  release (self, w);
  return value;
}
