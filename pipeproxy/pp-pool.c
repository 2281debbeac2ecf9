/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-enums.h"
#include "pp-error.h"
#include "pp-marshal-private.h"
#include "pp-member.h"
#include "pp-options-private.h"
#include "pp-pool.h"
#include "pp-subprocess.h"

/**
 * PpPool:
 *
 * A pool of worker processes that serve the same object: N children of one
 * program ([ctor@Pp.Pool.new_for_subprocess]) or of one introspectable type
 * hosted by `pipeproxy-host` ([ctor@Pp.Pool.new_for_type]), each reached
 * through its own [class@Pp.Proxy], and called as one.
 *
 * [method@Pp.Pool.call_async] and [method@Pp.Pool.call_sync] take the same
 * arguments as the proxy's calls and give the same results. A call goes to
 * an idle worker. When every worker is busy, it waits in the pool's queue
 * and goes to the first worker that becomes free, in the order the calls
 * were made, so no call waits behind a long one while another worker is
 * idle. With [property@Pp.Pool:concurrent-calls-per-worker] above 1, a
 * busy worker with room takes calls too, the least busy first (for workers
 * whose methods are async pairs and serve several calls at once).
 *
 * Workers are started on demand, up to [property@Pp.Pool:max-workers]
 * (the number of processors by default): when a call finds no idle worker,
 * a new one is started and the call goes to whichever worker is free first.
 * [method@Pp.Pool.start_async] starts them all ahead of time. Every worker
 * gets the pool's [class@Pp.Options], its sandbox included.
 *
 * When a worker exits or crashes, its calls fail as the proxy's calls do,
 * with %PP_ERROR_DISCONNECTED and a message that says how it ended;
 * [signal@Pp.Pool::worker-ended] says it with the same error. The worker is
 * replaced lazily: a new one starts when a call needs it, at once if calls
 * are waiting. A worker can be recycled after
 * [property@Pp.Pool:max-calls-per-worker] calls, and ended after
 * [property@Pp.Pool:idle-timeout] milliseconds without a call; both are
 * started again on demand. [method@Pp.Pool.close] ends them all.
 *
 * The remote object's signals reach the pool's user through
 * [signal@Pp.Pool::worker-signal], with the worker they came from; each
 * worker's proxy is also in [property@Pp.Pool:workers] and passed to
 * [signal@Pp.Pool::worker-started], to connect to its own signals.
 *
 * ## Threads and main contexts
 *
 * A pool may be used from several threads at once. It belongs to the
 * thread-default main context of the thread that created it, "the pool's
 * context": workers are started there (their proxies belong to it, so it
 * must run for their signals and for the replies of asynchronous calls),
 * and [signal@Pp.Pool::worker-started], [signal@Pp.Pool::worker-ended],
 * [signal@Pp.Pool::worker-signal], [signal@Pp.Pool::setup-launcher],
 * changes of [property@Pp.Pool:workers], idle time-outs and the handing of
 * queued calls to workers happen there.
 *
 * The callback of [method@Pp.Pool.call_async] runs in the thread-default
 * main context of the thread that made the call. A queued call's time-out
 * counts from when it was made, and its cancellation ends it at once.
 *
 * [method@Pp.Pool.call_sync] needs no main loop. It calls a worker that has
 * room directly, as [method@Pp.Proxy.call_sync] does. Otherwise, made from a
 * thread that may run the pool's context (its own thread, or any thread
 * while nobody runs it), it starts a worker in the calling thread when
 * fewer than [property@Pp.Pool:max-workers] run, or else goes to the least
 * busy worker: it cannot wait for one to become free without running the
 * context. Made while another thread runs the pool's context, it waits in
 * the queue like an asynchronous call.
 *
 * Since: 1.0
 */

/* A worker: its proxy and what the pool knows of it. Fields marked so are
 * under the pool's lock; the rest is set once, in the pool's context. */
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
} Worker;

/* One call made through the pool, the task data of its GTask */
typedef struct
{
  char         *method;
  GVariant     *parameters;       /* NULL for none */
  GUnixFDList  *fd_list;
  gboolean      with_fds;
  int           timeout_msec;
  gint64        deadline;         /* monotonic µs, G_MAXINT64 for none */
  Worker       *worker;           /* once given to one */

  /* under the lock, while it waits in the queue */
  GList        *link;
  GSource      *timeout_source;
  GSource      *cancel_source;
} PoolCall;

typedef struct
{
  GVariant     *value;
  GUnixFDList  *fd_list;
} CallResult;

struct _PpPool
{
  GObject        parent_instance;

  GMainContext  *context;
  GCancellable  *cancellable;     /* of the starts, cancelled on close */
  GSource       *watch_source;    /* keeps the workers' signal forwarding current */
  GListStore    *worker_model;    /* changed in the pool's context */

  /* Set at construction */
  char         **argv;
  char          *namespace_;
  char          *version;
  char          *type_name;
  char         **construct_properties;
  PpOptions     *options;         /* a copy */

  GMutex         lock;
  guint          max_workers;
  guint          concurrent_calls;
  guint          max_calls_per_worker;
  guint          idle_timeout;
  GPtrArray     *workers;         /* Worker, one reference each; not ended */
  guint          n_starting;
  GQueue         queue;           /* GTask, one reference each */
  GPtrArray     *start_tasks;     /* GTask of pp_pool_start_async() */
  gint64         retry_start;     /* after a failed start, none before then while others run */
  gboolean       maintenance_scheduled;
  gboolean       closed;
};

enum {
  PROP_0,
  PROP_ARGV,
  PROP_NAMESPACE,
  PROP_VERSION,
  PROP_TYPE_NAME,
  PROP_CONSTRUCT_PROPERTIES,
  PROP_OPTIONS,
  PROP_MAX_WORKERS,
  PROP_CONCURRENT_CALLS_PER_WORKER,
  PROP_MAX_CALLS_PER_WORKER,
  PROP_IDLE_TIMEOUT,
  PROP_WORKERS,
  N_PROPS
};

enum {
  WORKER_STARTED,
  WORKER_ENDED,
  WORKER_SIGNAL,
  SETUP_LAUNCHER,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PpPool, pp_pool, G_TYPE_OBJECT)

/* A worker that failed to start is not tried again for this long (µs)
 * while others run */
#define START_RETRY_DELAY G_USEC_PER_SEC

static void maintain_later (PpPool *self);

/* Workers ------------------------------------------------------------------ */

static Worker *
worker_ref (Worker *w)
{
  g_atomic_ref_count_inc (&w->ref_count);
  return w;
}

static void
worker_unref (Worker *w)
{
  if (!g_atomic_ref_count_dec (&w->ref_count))
    return;
  g_weak_ref_clear (&w->pool);
  g_clear_object (&w->proxy);
  for (guint i = 0; i < w->n_signals; i++)
    g_free (w->signal_names[i]);
  g_free (w->signal_names);
  g_free (w->forward_ids);
  g_free (w);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Worker, worker_unref)

/* Signals whose arguments all convert to a GVariant are forwarded; a
 * stream argument ('h') would need its descriptor. */
static Worker *
worker_new (PpPool  *self,
            PpProxy *proxy)
{
  g_autoptr(GListModel) members = pp_proxy_list_signals (proxy);
  Worker *w = g_new0 (Worker, 1);

  g_atomic_ref_count_init (&w->ref_count);
  g_weak_ref_init (&w->pool, self);
  w->proxy = proxy;
  w->last_done = g_get_monotonic_time ();
  w->n_signals = members ? g_list_model_get_n_items (members) : 0;
  w->signal_names = g_new0 (char *, w->n_signals);
  w->forward_ids = g_new0 (gulong, w->n_signals);
  for (guint i = 0; i < w->n_signals; i++)
    {
      g_autoptr(PpSignalMember) member = g_list_model_get_item (members, i);
      const char *name = pp_member_get_name (PP_MEMBER (member));

      if (pp_member_get_available (PP_MEMBER (member)) &&
          strchr (pp_signal_member_get_signature (member), 'h') == NULL &&
          g_signal_lookup (name, G_OBJECT_TYPE (proxy)) != 0)
        w->signal_names[i] = g_strdup (name);
    }
  return w;
}

/* Idle ones first, the one that finished last among them; then, below the
 * limit of calls in flight, the least busy. Under the lock. */
static Worker *
pick_worker (PpPool   *self,
             gboolean  over_limit)
{
  Worker *best = NULL;

  for (guint i = 0; i < self->workers->len; i++)
    {
      Worker *w = g_ptr_array_index (self->workers, i);

      if (w->retiring || (!over_limit && w->in_flight >= self->concurrent_calls) ||
          pp_proxy_is_closed (w->proxy))
        continue;
      if (best == NULL || w->in_flight < best->in_flight ||
          (w->in_flight == best->in_flight && w->last_done > best->last_done))
        best = w;
    }
  return best;
}

/* A call goes to @w. Under the lock. */
static void
reserve (PpPool *self,
         Worker *w)
{
  w->in_flight++;
  w->n_given++;
  if (self->max_calls_per_worker > 0 && w->n_given >= self->max_calls_per_worker)
    w->retiring = TRUE;
  if (w->idle_source != NULL)
    {
      g_source_destroy (w->idle_source);
      g_clear_pointer (&w->idle_source, g_source_unref);
    }
}

/* A call to @w ended, in whatever thread */
static void
release (PpPool *self,
         Worker *w)
{
  gboolean maintain;

  g_mutex_lock (&self->lock);
  w->in_flight--;
  w->last_done = g_get_monotonic_time ();
  maintain = !w->ended && !self->closed &&
             (self->queue.length > 0 ||
              (w->in_flight == 0 &&
               (w->retiring || self->idle_timeout > 0 || self->workers->len > self->max_workers)));
  g_mutex_unlock (&self->lock);

  if (maintain)
    maintain_later (self);
}

static gboolean
can_start (PpPool *self)
{
  guint alive = self->workers->len + self->n_starting;

  return !self->closed && alive < self->max_workers &&
         (alive == 0 || self->retry_start == 0 || g_get_monotonic_time () >= self->retry_start);
}

/* Signal forwarding -------------------------------------------------------- */

typedef struct
{
  GClosure  closure;
  Worker   *worker;
  char     *name;
} Forward;

static void
forward_finalize (gpointer  data,
                  GClosure *closure)
{
  Forward *forward = (Forward *) closure;

  worker_unref (forward->worker);
  g_free (forward->name);
}

/* A mirrored signal of a worker's proxy, emitted again on the pool */
static void
forward_marshal (GClosure     *closure,
                 GValue       *return_value,
                 guint         n_param_values,
                 const GValue *param_values,
                 gpointer      invocation_hint,
                 gpointer      marshal_data)
{
  Forward *forward = (Forward *) closure;
  GSignalInvocationHint *hint = invocation_hint;
  g_autoptr(PpPool) self = g_weak_ref_get (&forward->worker->pool);
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GVariant) tuple = NULL;
  g_autofree char *detailed = NULL;

  if (self == NULL)
    return;

  args = g_ptr_array_new_full (n_param_values, (GDestroyNotify) g_variant_unref);
  for (guint i = 1; i < n_param_values; i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *arg = pp_marshal_value_to_nullable (&param_values[i], NULL, &error);

      if (arg == NULL)
        {
          g_debug ("Not forwarding an emission of “%s”: %s", forward->name, error->message);
          return;
        }
      g_ptr_array_add (args, g_variant_ref_sink (arg));
    }
  tuple = g_variant_ref_sink (g_variant_new_tuple ((GVariant **) args->pdata, args->len));
  if (hint != NULL && hint->detail != 0)
    detailed = g_strconcat (forward->name, "::", g_quark_to_string (hint->detail), NULL);

  /* A name nobody here connected to as a detail has no quark, and no
   * handler of its own */
  g_signal_emit (self, signals[WORKER_SIGNAL], g_quark_try_string (forward->name),
                 forward->worker->proxy, detailed ? detailed : forward->name, tuple);
}

/* Connects to the worker's signals that the pool's ::worker-signal has
 * handlers for, and disconnects from the others: the proxy subscribes to a
 * remote signal only while it has handlers. Under the lock. */
static void
sync_forwards (PpPool *self,
               Worker *w)
{
  guint id = signals[WORKER_SIGNAL];
  gboolean any;

  if (w->ended || w->n_signals == 0)
    return;

  any = g_signal_handler_find (self, G_SIGNAL_MATCH_ID, id, 0, NULL, NULL, NULL) != 0;
  for (guint i = 0; i < w->n_signals; i++)
    {
      const char *name = w->signal_names[i];
      gboolean wanted;

      if (name == NULL)
        continue;
      wanted = any && g_signal_has_handler_pending (self, id, g_quark_try_string (name), TRUE);
      if (wanted && w->forward_ids[i] == 0)
        {
          Forward *forward = (Forward *) g_closure_new_simple (sizeof (Forward), NULL);

          forward->worker = worker_ref (w);
          forward->name = g_strdup (name);
          g_closure_add_finalize_notifier (&forward->closure, NULL, forward_finalize);
          g_closure_set_marshal (&forward->closure, forward_marshal);
          w->forward_ids[i] = g_signal_connect_closure (w->proxy, name, &forward->closure,
                                                        FALSE);
        }
      else if (!wanted && w->forward_ids[i] != 0)
        {
          g_signal_handler_disconnect (w->proxy, w->forward_ids[i]);
          w->forward_ids[i] = 0;
        }
    }
}

typedef struct
{
  GSource   source;
  GWeakRef  pool;
} WatchSource;

/* Before each iteration of the pool's context, ahead of the proxies'
 * sources (which subscribe in theirs), as the proxy does for its own
 * handlers */
static gboolean
watch_prepare (GSource *source,
               int     *timeout)
{
  g_autoptr(PpPool) self = g_weak_ref_get (&((WatchSource *) source)->pool);

  *timeout = -1;
  if (self == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->workers->len; i++)
    sync_forwards (self, g_ptr_array_index (self->workers, i));
  g_mutex_unlock (&self->lock);
  return FALSE;
}

static gboolean
watch_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
watch_finalize (GSource *source)
{
  g_weak_ref_clear (&((WatchSource *) source)->pool);
}

static GSourceFuncs watch_funcs = {
  .prepare = watch_prepare,
  .dispatch = watch_dispatch,
  .finalize = watch_finalize,
};

/* Workers coming and going ------------------------------------------------- */

/* Closes an ended worker's connection; its child sees it and exits. A busy
 * one (only when the pool closes) is killed as well: its results can no
 * longer be delivered. */
static void
worker_stop (PpPool *self,
             Worker *w,
             gboolean kill)
{
  GSubprocess *subprocess = pp_proxy_get_subprocess (w->proxy);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < w->n_signals; i++)
    if (w->forward_ids[i] != 0)
      {
        g_signal_handler_disconnect (w->proxy, w->forward_ids[i]);
        w->forward_ids[i] = 0;
      }
  if (w->idle_source != NULL)
    {
      g_source_destroy (w->idle_source);
      g_clear_pointer (&w->idle_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  g_clear_signal_handler (&w->closed_id, w->proxy);
  pp_proxy_close (w->proxy);
  if (kill && subprocess != NULL)
    g_subprocess_force_exit (subprocess);
}

/* In the pool's context */
static void
worker_announce_end (PpPool       *self,
                     Worker       *w,
                     const GError *reason)
{
  guint position;

  if (g_list_store_find (self->worker_model, w->proxy, &position))
    g_list_store_remove (self->worker_model, position);
  g_signal_emit (self, signals[WORKER_ENDED], 0, w->proxy, reason);
}

/* @w, out of the array (whose reference this takes), ends */
static void
worker_end (PpPool       *self,
            Worker       *w,
            const GError *reason,
            gboolean      kill)
{
  worker_stop (self, w, kill);
  worker_announce_end (self, w, reason);
  worker_unref (w);
}

/* Takes @w out of the array, if it is still there. Under the lock. */
static gboolean
worker_take_out (PpPool *self,
                 Worker *w)
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
  Worker *w = user_data;
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
      worker_end (self, w, error, FALSE);
      /* Its replacement, when calls wait */
      maintain_later (self);
    }
}

static gboolean
idle_elapsed (gpointer user_data)
{
  Worker *w = user_data;
  g_autoptr(PpPool) self = g_weak_ref_get (&w->pool);
  gboolean ended = FALSE;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->lock);
  if (w->idle_source == g_main_current_source ())
    {
      g_clear_pointer (&w->idle_source, g_source_unref);
      if (w->in_flight == 0 && !pp_proxy_is_closed (w->proxy))
        ended = worker_take_out (self, w);
    }
  g_mutex_unlock (&self->lock);

  if (ended)
    worker_end (self, w, NULL, FALSE);
  return G_SOURCE_REMOVE;
}

/* Under the lock */
static void
arm_idle_timeout (PpPool *self,
                  Worker *w)
{
  w->idle_source = g_timeout_source_new (self->idle_timeout);
  g_source_set_static_name (w->idle_source, "[pipeproxy] idle worker");
  g_source_set_callback (w->idle_source, idle_elapsed, worker_ref (w),
                         (GDestroyNotify) worker_unref);
  g_source_attach (w->idle_source, self->context);
}

/* A new worker joins the pool, in the pool's context */
static void
worker_adopt (PpPool *self,
              Worker *w)
{
  w->closed_id = g_signal_connect (w->proxy, "closed", G_CALLBACK (on_worker_closed), w);

  g_mutex_lock (&self->lock);
  sync_forwards (self, w);
  g_mutex_unlock (&self->lock);

  g_list_store_append (self->worker_model, w->proxy);
  g_signal_emit (self, signals[WORKER_STARTED], 0, w->proxy);
}

static void
call_result_free (gpointer data)
{
  CallResult *result = data;

  g_clear_pointer (&result->value, g_variant_unref);
  g_clear_object (&result->fd_list);
  g_free (result);
}

/* Ends queued calls with @error. Under the lock: moves them to @failed. */
static void
take_queue (PpPool    *self,
            GPtrArray *failed)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->queue)) != NULL)
    {
      PoolCall *call = g_task_get_task_data (task);

      call->link = NULL;
      if (call->timeout_source != NULL)
        g_source_destroy (call->timeout_source);
      if (call->cancel_source != NULL)
        g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->timeout_source, g_source_unref);
      g_clear_pointer (&call->cancel_source, g_source_unref);
      g_ptr_array_add (failed, task);
    }
}

static void
fail_tasks (GPtrArray    *tasks,
            const GError *error)
{
  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

/* Ends the pp_pool_start_async() tasks when no start is left. Under the
 * lock: moves them to @done. */
static void
take_start_tasks (PpPool    *self,
                  GPtrArray *done)
{
  if (self->n_starting > 0 && !self->closed)
    return;
  g_ptr_array_extend_and_steal (done, g_steal_pointer (&self->start_tasks));
  self->start_tasks = g_ptr_array_new ();
}

static void
return_start_tasks (GPtrArray *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);
      GError *error = g_task_get_task_data (task);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

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

/* A start ended, with @proxy or with @error. In the pool's context. With
 * @reserve, the caller has a call for it; the new worker is returned then,
 * with a reference. */
static Worker *
worker_arrived (PpPool       *self,
                PpProxy      *proxy,
                const GError *error,
                gboolean      reserve_one)
{
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
  g_autoptr(GError) closed_error = NULL;
  Worker *w = NULL;

  g_mutex_lock (&self->lock);
  self->n_starting--;
  if (proxy != NULL && self->closed)
    {
      closed_error = g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED,
                                          _("The pool is closed"));
      error = closed_error;
    }
  if (proxy == NULL || self->closed)
    {
      g_debug ("A worker of the pool did not start: %s", error->message);
      note_start_error (self, error);
      if (proxy == NULL)
        self->retry_start = g_get_monotonic_time () + START_RETRY_DELAY;
      /* Nothing is left to serve what waits */
      if (self->workers->len == 0 && self->n_starting == 0)
        take_queue (self, failed);
    }
  else
    {
      self->retry_start = 0;
      w = worker_new (self, g_object_ref (proxy));
      g_ptr_array_add (self->workers, w);
      if (reserve_one)
        reserve (self, w);
    }
  take_start_tasks (self, done);
  g_mutex_unlock (&self->lock);

  if (w != NULL)
    {
      worker_adopt (self, w);
      maintain_later (self);
    }
  else if (proxy != NULL)
    {
      pp_proxy_close (proxy);
    }
  fail_tasks (failed, error);
  return_start_tasks (done);
  return w && reserve_one ? worker_ref (w) : NULL;
}

static GSubprocessLauncher *
make_launcher (PpPool *self)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_signal_emit (self, signals[SETUP_LAUNCHER], 0, launcher);
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

/* Starts a worker, counted in n_starting already. In the pool's context. */
static void
start_worker_async (PpPool *self)
{
  if (pp_pool_is_closed (self))
    {
      g_autoptr(GError) error = g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED,
                                                     _("The pool is closed"));

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

/* The same, waiting, in a thread that acquired the pool's context */
static Worker *
start_worker_sync (PpPool        *self,
                   gboolean       reserve_one,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) local_error = NULL;
  Worker *w;

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
    g_set_error_literal (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The pool is closed"));
  return w;
}

static gboolean
start_worker_cb (gpointer user_data)
{
  start_worker_async (user_data);
  return G_SOURCE_REMOVE;
}

/* Calls ---------------------------------------------------------------------- */

static void
pool_call_free (gpointer data)
{
  PoolCall *call = data;

  g_free (call->method);
  g_clear_pointer (&call->parameters, g_variant_unref);
  g_clear_object (&call->fd_list);
  g_clear_pointer (&call->worker, worker_unref);
  g_warn_if_fail (call->link == NULL && call->timeout_source == NULL &&
                  call->cancel_source == NULL);
  g_free (call);
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PpPool *self = g_task_get_source_object (task);
  PoolCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  CallResult *value = g_new0 (CallResult, 1);

  if (call->with_fds)
    value->value = pp_proxy_call_with_unix_fd_list_finish (PP_PROXY (source), &value->fd_list,
                                                           result, &error);
  else
    value->value = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  release (self, call->worker);

  if (value->value == NULL)
    {
      call_result_free (value);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      g_task_return_pointer (task, value, call_result_free);
    }
}

/* Sends a call to @w, which was reserved for it */
static void
send_call (PpPool  *self,
           Worker  *w,
           GTask   *task,
           gboolean queued)
{
  PoolCall *call = g_task_get_task_data (task);
  int timeout = call->timeout_msec;

  call->worker = worker_ref (w);

  /* The time spent in the queue counts */
  if (queued && call->deadline != G_MAXINT64)
    {
      gint64 left = call->deadline - g_get_monotonic_time ();

      timeout = (int) CLAMP ((left + 999) / 1000, 1, G_MAXINT - 1);
    }

  g_mutex_lock (&self->lock);
  sync_forwards (self, w);
  g_mutex_unlock (&self->lock);

  if (call->with_fds)
    pp_proxy_call_with_unix_fd_list (w->proxy, call->method, call->parameters, call->fd_list,
                                     timeout, g_task_get_cancellable (task), call_done, task);
  else
    pp_proxy_call_async (w->proxy, call->method, call->parameters, timeout,
                         g_task_get_cancellable (task), call_done, task);
}

/* A queued call leaves the queue. Under the lock. */
static void
unqueue (PpPool   *self,
         PoolCall *call)
{
  g_queue_delete_link (&self->queue, call->link);
  call->link = NULL;
  if (call->timeout_source != NULL)
    g_source_destroy (call->timeout_source);
  if (call->cancel_source != NULL)
    g_source_destroy (call->cancel_source);
  g_clear_pointer (&call->timeout_source, g_source_unref);
  g_clear_pointer (&call->cancel_source, g_source_unref);
}

/* A queued call timed out or was cancelled, in its caller's context */
static gboolean
queued_call_expired (GTask  *task,
                     GError *error)
{
  PpPool *self = g_task_get_source_object (task);
  PoolCall *call = g_task_get_task_data (task);
  gboolean queued;

  g_mutex_lock (&self->lock);
  queued = call->link != NULL;
  if (queued)
    unqueue (self, call);
  g_mutex_unlock (&self->lock);

  if (queued)
    {
      g_task_return_error (task, error);
      g_object_unref (task);  /* the queue's */
    }
  else
    {
      g_error_free (error);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
queued_call_timed_out (gpointer user_data)
{
  return queued_call_expired (user_data, g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT,
                                                              _("The call timed out")));
}

static gboolean
queued_call_cancelled (GCancellable *cancellable,
                       gpointer      user_data)
{
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  return queued_call_expired (user_data, error);
}

/* Under the lock */
static void
enqueue (PpPool *self,
         GTask  *task)
{
  PoolCall *call = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_queue_push_tail (&self->queue, g_object_ref (task));
  call->link = self->queue.tail;

  if (call->deadline != G_MAXINT64)
    {
      gint64 left = call->deadline - g_get_monotonic_time ();

      call->timeout_source = g_timeout_source_new ((guint) CLAMP ((left + 999) / 1000, 0,
                                                                   G_MAXINT));
      g_source_set_static_name (call->timeout_source, "[pipeproxy] queued call time-out");
      g_source_set_callback (call->timeout_source, queued_call_timed_out,
                             g_object_ref (task), g_object_unref);
      g_source_attach (call->timeout_source, context);
    }
  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (call->cancel_source, "[pipeproxy] queued call cancel");
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (queued_call_cancelled),
                             g_object_ref (task), g_object_unref);
      g_source_attach (call->cancel_source, context);
    }
}

/* Hands queued calls to workers with room, ends recycled workers and idle
 * ones beyond max-workers, arms idle time-outs and starts the workers that
 * queued calls need. In the pool's context. */
static void
maintain (PpPool *self)
{
  g_autoptr(GPtrArray) ended = g_ptr_array_new ();
  g_autoptr(GPtrArray) sends = g_ptr_array_new ();
  guint n_start = 0;
  Worker *w;

  g_mutex_lock (&self->lock);
  self->maintenance_scheduled = FALSE;
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }

  for (guint i = self->workers->len; i-- > 0;)
    {
      w = g_ptr_array_index (self->workers, i);
      if (w->in_flight == 0 && (w->retiring || self->workers->len > self->max_workers) &&
          !pp_proxy_is_closed (w->proxy))
        {
          worker_take_out (self, w);
          g_ptr_array_add (ended, w);
        }
    }

  while (self->queue.length > 0 && (w = pick_worker (self, FALSE)) != NULL)
    {
      GTask *task = self->queue.head->data;

      unqueue (self, g_task_get_task_data (task));
      reserve (self, w);
      g_ptr_array_add (sends, task);
      g_ptr_array_add (sends, worker_ref (w));
    }

  for (guint i = 0; self->idle_timeout > 0 && i < self->workers->len; i++)
    {
      w = g_ptr_array_index (self->workers, i);
      if (w->in_flight == 0 && w->idle_source == NULL)
        arm_idle_timeout (self, w);
    }

  while (self->queue.length > self->n_starting && can_start (self))
    {
      self->n_starting++;
      n_start++;
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < ended->len; i++)
    worker_end (self, g_ptr_array_index (ended, i), NULL, FALSE);
  for (guint i = 0; i < sends->len; i += 2)
    {
      g_autoptr(GTask) task = g_ptr_array_index (sends, i);
      g_autoptr(Worker) to = g_ptr_array_index (sends, i + 1);

      send_call (self, to, g_steal_pointer (&task), TRUE);
    }
  while (n_start-- > 0)
    start_worker_async (self);
}

static gboolean
maintain_cb (gpointer user_data)
{
  maintain (user_data);
  return G_SOURCE_REMOVE;
}

/* maintain() in the pool's context: now when this thread may run it, else
 * when it runs */
static void
maintain_later (PpPool *self)
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

static void
call_internal_async (PpPool              *self,
                     const char          *method,
                     GVariant            *parameters,
                     GUnixFDList         *fd_list,
                     gboolean             with_fds,
                     int                  timeout_msec,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data,
                     gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  PoolCall *call;
  Worker *w = NULL;
  gboolean start = FALSE;
  gboolean busy;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  call = g_new0 (PoolCall, 1);
  call->method = g_strdup (method);
  call->parameters = parameters ? g_variant_ref_sink (parameters) : NULL;
  call->fd_list = fd_list ? g_object_ref (fd_list) : NULL;
  call->with_fds = with_fds;
  call->timeout_msec = timeout_msec;
  call->deadline = deadline_for (self, timeout_msec);
  g_task_set_task_data (task, call, pool_call_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_new_error (task, PP_ERROR, PP_ERROR_DISCONNECTED, _("The pool is closed"));
      return;
    }

  w = pick_worker (self, FALSE);
  busy = w == NULL || w->in_flight > 0;
  if (w != NULL)
    {
      reserve (self, w);
      worker_ref (w);
    }
  else if (self->queue.length >= pp_options_get_max_pending_calls (self->options))
    {
      g_mutex_unlock (&self->lock);
      g_task_return_new_error (task, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                               _("Too many calls are waiting for a worker (%u)"),
                               pp_options_get_max_pending_calls (self->options));
      return;
    }
  else
    {
      enqueue (self, task);
    }

  /* One more worker, unless the ones starting will do */
  if (busy && can_start (self) && self->n_starting < self->queue.length + (w ? 1 : 0))
    {
      self->n_starting++;
      start = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (start)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, start_worker_cb,
                                g_object_ref (self), g_object_unref);
  if (w != NULL)
    {
      send_call (self, w, g_steal_pointer (&task), FALSE);
      worker_unref (w);
    }
}

static CallResult *
call_internal_finish (PpPool        *self,
                      GAsyncResult  *result,
                      gpointer       source_tag,
                      GError       **error)
{
  g_return_val_if_fail (PP_IS_POOL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GAsyncResult *result;
} SyncWait;

static void
sync_wait_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SyncWait *wait = user_data;

  wait->result = g_object_ref (result);
}

/* Runs an asynchronous operation in a context of its own, for a thread
 * that cannot run the pool's */
static GAsyncResult *
sync_wait (GMainContext *context,
           SyncWait     *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (context, TRUE);
  return wait->result;
}

static GVariant *
call_internal_sync (PpPool        *self,
                    const char    *method,
                    GVariant      *parameters,
                    GUnixFDList   *fd_list,
                    gboolean       with_fds,
                    int            timeout_msec,
                    GUnixFDList  **out_fd_list,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GVariant) owned = parameters ? g_variant_ref_sink (parameters) : NULL;
  g_autoptr(Worker) w = NULL;
  gboolean acquired;
  gboolean start = FALSE;
  GVariant *value;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  acquired = g_main_context_acquire (self->context);
  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      if (acquired)
        g_main_context_release (self->context);
      g_set_error_literal (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The pool is closed"));
      return NULL;
    }
  w = pick_worker (self, FALSE);
  if (w == NULL && acquired)
    {
      /* Nobody else may run the pool's context: a free worker cannot be
       * waited for */
      if (!can_start (self) && self->workers->len > 0)
        w = pick_worker (self, TRUE);
      if (w == NULL)
        {
          self->n_starting++;
          start = TRUE;
        }
    }
  if (w != NULL)
    {
      reserve (self, w);
      worker_ref (w);
    }
  g_mutex_unlock (&self->lock);

  if (start)
    w = start_worker_sync (self, TRUE, cancellable, error);
  if (acquired)
    g_main_context_release (self->context);
  if (start && w == NULL)
    return NULL;

  if (w == NULL)
    {
      /* Another thread runs the pool's context: wait in the queue */
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GAsyncResult) result = NULL;
      SyncWait wait = { NULL };
      CallResult *value_and_fds;

      g_main_context_push_thread_default (context);
      call_internal_async (self, method, owned, fd_list, with_fds, timeout_msec, cancellable,
                           sync_wait_done, &wait, call_internal_sync);
      result = sync_wait (context, &wait);
      g_main_context_pop_thread_default (context);

      value_and_fds = call_internal_finish (self, result, call_internal_sync, error);
      if (value_and_fds == NULL)
        return NULL;
      value = g_steal_pointer (&value_and_fds->value);
      if (out_fd_list != NULL)
        *out_fd_list = g_steal_pointer (&value_and_fds->fd_list);
      call_result_free (value_and_fds);
      return value;
    }

  g_mutex_lock (&self->lock);
  sync_forwards (self, w);
  g_mutex_unlock (&self->lock);

  if (with_fds)
    value = pp_proxy_call_with_unix_fd_list_sync (w->proxy, method, owned, fd_list, timeout_msec,
                                                  out_fd_list, cancellable, error);
  else
    value = pp_proxy_call_sync (w->proxy, method, owned, timeout_msec, cancellable, error);
  release (self, w);
  return value;
}

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
  g_return_if_fail (PP_IS_POOL (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (parameters == NULL || g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (timeout_msec >= -1);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_internal_async (self, method, parameters, NULL, FALSE, timeout_msec, cancellable,
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
  CallResult *value_and_fds = call_internal_finish (self, result, pp_pool_call_async, error);
  GVariant *value;

  if (value_and_fds == NULL)
    return NULL;
  value = g_steal_pointer (&value_and_fds->value);
  call_result_free (value_and_fds);
  return value;
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
  g_return_val_if_fail (PP_IS_POOL (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (parameters == NULL ||
                        g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE), NULL);
  g_return_val_if_fail (timeout_msec >= -1, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return call_internal_sync (self, method, parameters, NULL, FALSE, timeout_msec, NULL,
                             cancellable, error);
}

/**
 * pp_pool_call_with_unix_fd_list:
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
 * [method@Pp.Proxy.call_with_unix_fd_list] sends them. Finish with
 * [method@Pp.Pool.call_with_unix_fd_list_finish].
 *
 * Since: 1.0
 */
void
pp_pool_call_with_unix_fd_list (PpPool              *self,
                                const char          *method,
                                GVariant            *parameters,
                                GUnixFDList         *fd_list,
                                int                  timeout_msec,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (PP_IS_POOL (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (parameters == NULL || g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list));
  g_return_if_fail (timeout_msec >= -1);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_internal_async (self, method, parameters, fd_list, TRUE, timeout_msec, cancellable,
                       callback, user_data, pp_pool_call_with_unix_fd_list);
}

/**
 * pp_pool_call_with_unix_fd_list_finish:
 * @self: a #PpPool
 * @out_fd_list: (out) (optional) (nullable) (transfer full): the file
 *   descriptors that came with the result, or %NULL
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Pool.call_with_unix_fd_list].
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
  CallResult *value_and_fds = call_internal_finish (self, result, pp_pool_call_with_unix_fd_list,
                                                    error);
  GVariant *value;

  if (value_and_fds == NULL)
    return NULL;
  value = g_steal_pointer (&value_and_fds->value);
  if (out_fd_list != NULL)
    *out_fd_list = g_steal_pointer (&value_and_fds->fd_list);
  call_result_free (value_and_fds);
  return value;
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
                                     GUnixFDList   *fd_list,
                                     int            timeout_msec,
                                     GUnixFDList  **out_fd_list,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  g_return_val_if_fail (PP_IS_POOL (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (parameters == NULL ||
                        g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE), NULL);
  g_return_val_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list), NULL);
  g_return_val_if_fail (timeout_msec >= -1, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return call_internal_sync (self, method, parameters, fd_list, TRUE, timeout_msec, out_fd_list,
                             cancellable, error);
}

/* Starting ahead of time ----------------------------------------------------- */

static gboolean
start_in_context (gpointer user_data)
{
  GTask *task = user_data;
  PpPool *self = g_task_get_source_object (task);
  guint n_start = 0;
  gboolean now = FALSE;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_new_error (task, PP_ERROR, PP_ERROR_DISCONNECTED, _("The pool is closed"));
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
    start_worker_async (self);
  return G_SOURCE_REMOVE;
}

/**
 * pp_pool_start_async:
 * @self: a #PpPool
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the workers are ready, in the thread-default main
 *   context of the calling thread
 * @user_data: data for @callback
 *
 * Starts workers until [property@Pp.Pool:max-workers] run, so that the
 * first calls need not wait for them, and calls @callback once no start is
 * under way. Finish with [method@Pp.Pool.start_finish].
 *
 * Since: 1.0
 */
void
pp_pool_start_async (PpPool              *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PP_IS_POOL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pp_pool_start_async);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, start_in_context, task,
                              g_object_unref);
}

/**
 * pp_pool_start_finish:
 * @self: a #PpPool
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Pool.start_async].
 *
 * Returns: %TRUE, or %FALSE with the error of a worker that did not start
 *
 * Since: 1.0
 */
gboolean
pp_pool_start_finish (PpPool        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (PP_IS_POOL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pp_pool_start_sync:
 * @self: a #PpPool
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Starts workers until [property@Pp.Pool:max-workers] run and waits for
 * them. From a thread that may run the pool's context, they are started one
 * after the other in the calling thread; otherwise the pool's context
 * starts them, and this waits until no start is under way.
 *
 * Returns: %TRUE, or %FALSE with the error of a worker that did not start
 *
 * Since: 1.0
 */
gboolean
pp_pool_start_sync (PpPool        *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (PP_IS_POOL (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_main_context_acquire (self->context))
    {
      gboolean ok = TRUE;

      for (;;)
        {
          g_autoptr(GError) local_error = NULL;
          gboolean start;

          g_mutex_lock (&self->lock);
          if (self->closed)
            {
              g_mutex_unlock (&self->lock);
              g_set_error_literal (error, PP_ERROR, PP_ERROR_DISCONNECTED,
                                   _("The pool is closed"));
              ok = FALSE;
              break;
            }
          start = self->workers->len + self->n_starting < self->max_workers;
          if (start)
            self->n_starting++;
          g_mutex_unlock (&self->lock);

          if (!start)
            break;
          /* Its own error: @error may be NULL, and a start that fails
           * would be tried again forever */
          start_worker_sync (self, FALSE, cancellable, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              ok = FALSE;
              break;
            }
        }
      g_main_context_release (self->context);
      return ok;
    }
  else
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GAsyncResult) result = NULL;
      SyncWait wait = { NULL };

      g_main_context_push_thread_default (context);
      pp_pool_start_async (self, cancellable, sync_wait_done, &wait);
      result = sync_wait (context, &wait);
      g_main_context_pop_thread_default (context);
      return pp_pool_start_finish (self, result, error);
    }
}

/* Closing ------------------------------------------------------------------- */

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
      Worker *w = g_ptr_array_index (announcement->workers, i);

      worker_announce_end (announcement->pool, w, NULL);
      worker_unref (w);
    }
  g_ptr_array_unref (announcement->workers);
  g_object_unref (announcement->pool);
  g_free (announcement);
  return G_SOURCE_REMOVE;
}

/* Ends everything; @announce: with ::worker-ended, in the pool's context */
static void
close_pool (PpPool   *self,
            gboolean  announce)
{
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
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
  workers = g_steal_pointer (&self->workers);
  self->workers = g_ptr_array_new ();
  for (guint i = 0; i < workers->len; i++)
    {
      Worker *w = g_ptr_array_index (workers, i);
      gboolean in_flight = w->in_flight > 0;

      w->ended = TRUE;
      g_array_append_val (busy, in_flight);
    }
  take_queue (self, failed);
  take_start_tasks (self, done);
  g_mutex_unlock (&self->lock);

  g_cancellable_cancel (self->cancellable);
  if (self->watch_source != NULL)
    {
      g_source_destroy (self->watch_source);
      g_clear_pointer (&self->watch_source, g_source_unref);
    }

  error = g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The pool is closed"));
  fail_tasks (failed, error);
  for (guint i = 0; i < done->len; i++)
    {
      GTask *task = g_ptr_array_index (done, i);

      if (g_task_get_task_data (task) == NULL)
        g_task_set_task_data (task, g_error_copy (error), (GDestroyNotify) g_error_free);
    }
  return_start_tasks (done);

  for (guint i = 0; i < workers->len; i++)
    worker_stop (self, g_ptr_array_index (workers, i), g_array_index (busy, gboolean, i));

  if (announce)
    {
      Announcement *announcement = g_new0 (Announcement, 1);

      announcement->pool = g_object_ref (self);
      announcement->workers = g_steal_pointer (&workers);
      g_main_context_invoke (self->context, announce_ends, announcement);
    }
  else
    {
      g_list_store_remove_all (self->worker_model);
      g_ptr_array_foreach (workers, (GFunc) worker_unref, NULL);
    }
}

/**
 * pp_pool_close:
 * @self: a #PpPool
 *
 * Closes the pool: calls waiting for a worker fail with
 * %PP_ERROR_DISCONNECTED, and so do later calls; every worker's connection
 * is closed, so each child exits, and a worker busy with a call is killed
 * (its call fails as a proxy's calls fail when it is closed).
 * [signal@Pp.Pool::worker-ended] is emitted for each worker, with no
 * error, in the pool's context. Dropping the last reference to the pool
 * closes it too, without the signals.
 *
 * Since: 1.0
 */
void
pp_pool_close (PpPool *self)
{
  g_return_if_fail (PP_IS_POOL (self));

  close_pool (self, TRUE);
}

/**
 * pp_pool_is_closed:
 * @self: a #PpPool
 *
 * Whether [method@Pp.Pool.close] was called.
 *
 * Returns: %TRUE when the pool is closed
 *
 * Since: 1.0
 */
gboolean
pp_pool_is_closed (PpPool *self)
{
  gboolean closed;

  g_return_val_if_fail (PP_IS_POOL (self), TRUE);

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);
  return closed;
}

/* Properties ------------------------------------------------------------------ */

/**
 * pp_pool_get_workers:
 * @self: a #PpPool
 *
 * Gets the workers that run now, in the order they started. The model
 * changes in the pool's context, where it should be read.
 *
 * Returns: (transfer none): a #GListModel of [class@Pp.Proxy]
 *
 * Since: 1.0
 */
GListModel *
pp_pool_get_workers (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), NULL);

  return G_LIST_MODEL (self->worker_model);
}

/**
 * pp_pool_dup_options:
 * @self: a #PpPool
 *
 * Gets a copy of the options every worker is started with.
 *
 * Returns: (transfer full): the options
 *
 * Since: 1.0
 */
PpOptions *
pp_pool_dup_options (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), NULL);

  return pp_options_copy (self->options);
}

static guint
get_setting (PpPool *self,
             guint  *field)
{
  guint value;

  g_mutex_lock (&self->lock);
  value = *field;
  g_mutex_unlock (&self->lock);
  return value;
}

/* Sets @field; a change may start, end or re-arm workers */
static void
set_setting (PpPool *self,
             guint  *field,
             guint   value,
             guint   prop_id)
{
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = *field != value;
  *field = value;
  if (changed && field == &self->idle_timeout)
    {
      for (guint i = 0; i < self->workers->len; i++)
        {
          Worker *w = g_ptr_array_index (self->workers, i);

          if (w->idle_source != NULL)
            {
              g_source_destroy (w->idle_source);
              g_clear_pointer (&w->idle_source, g_source_unref);
            }
        }
    }
  g_mutex_unlock (&self->lock);

  if (changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
      maintain_later (self);
    }
}

/**
 * pp_pool_get_max_workers:
 * @self: a #PpPool
 *
 * Gets [property@Pp.Pool:max-workers].
 *
 * Returns: how many workers may run at once
 *
 * Since: 1.0
 */
guint
pp_pool_get_max_workers (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), 0);

  return get_setting (self, &self->max_workers);
}

/**
 * pp_pool_set_max_workers:
 * @self: a #PpPool
 * @max_workers: how many workers may run at once, at least 1
 *
 * Sets [property@Pp.Pool:max-workers].
 *
 * Since: 1.0
 */
void
pp_pool_set_max_workers (PpPool *self,
                         guint   max_workers)
{
  g_return_if_fail (PP_IS_POOL (self));
  g_return_if_fail (max_workers > 0);

  set_setting (self, &self->max_workers, max_workers, PROP_MAX_WORKERS);
}

/**
 * pp_pool_get_concurrent_calls_per_worker:
 * @self: a #PpPool
 *
 * Gets [property@Pp.Pool:concurrent-calls-per-worker].
 *
 * Returns: how many calls a worker is given at once
 *
 * Since: 1.0
 */
guint
pp_pool_get_concurrent_calls_per_worker (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), 0);

  return get_setting (self, &self->concurrent_calls);
}

/**
 * pp_pool_set_concurrent_calls_per_worker:
 * @self: a #PpPool
 * @n_calls: how many calls a worker is given at once, at least 1
 *
 * Sets [property@Pp.Pool:concurrent-calls-per-worker].
 *
 * Since: 1.0
 */
void
pp_pool_set_concurrent_calls_per_worker (PpPool *self,
                                         guint   n_calls)
{
  g_return_if_fail (PP_IS_POOL (self));
  g_return_if_fail (n_calls > 0);

  set_setting (self, &self->concurrent_calls, n_calls, PROP_CONCURRENT_CALLS_PER_WORKER);
}

/**
 * pp_pool_get_max_calls_per_worker:
 * @self: a #PpPool
 *
 * Gets [property@Pp.Pool:max-calls-per-worker].
 *
 * Returns: after how many calls a worker is replaced, or 0 for never
 *
 * Since: 1.0
 */
guint
pp_pool_get_max_calls_per_worker (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), 0);

  return get_setting (self, &self->max_calls_per_worker);
}

/**
 * pp_pool_set_max_calls_per_worker:
 * @self: a #PpPool
 * @max_calls: after how many calls a worker is replaced, or 0 for never
 *
 * Sets [property@Pp.Pool:max-calls-per-worker].
 *
 * Since: 1.0
 */
void
pp_pool_set_max_calls_per_worker (PpPool *self,
                                  guint   max_calls)
{
  g_return_if_fail (PP_IS_POOL (self));

  set_setting (self, &self->max_calls_per_worker, max_calls, PROP_MAX_CALLS_PER_WORKER);
}

/**
 * pp_pool_get_idle_timeout:
 * @self: a #PpPool
 *
 * Gets [property@Pp.Pool:idle-timeout].
 *
 * Returns: after how many milliseconds without a call a worker ends, or 0
 *   for never
 *
 * Since: 1.0
 */
guint
pp_pool_get_idle_timeout (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), 0);

  return get_setting (self, &self->idle_timeout);
}

/**
 * pp_pool_set_idle_timeout:
 * @self: a #PpPool
 * @timeout_msec: after how many milliseconds without a call a worker ends,
 *   or 0 for never
 *
 * Sets [property@Pp.Pool:idle-timeout]. Idle workers count their time-out
 * again from now.
 *
 * Since: 1.0
 */
void
pp_pool_set_idle_timeout (PpPool *self,
                          guint   timeout_msec)
{
  g_return_if_fail (PP_IS_POOL (self));

  set_setting (self, &self->idle_timeout, timeout_msec, PROP_IDLE_TIMEOUT);
}

/* The object ---------------------------------------------------------------- */

/**
 * pp_pool_new_for_subprocess:
 * @argv: (array zero-terminated=1) (element-type filename): the program and
 *   its arguments, as for [ctor@Pp.Proxy.new_for_subprocess_sync]
 * @options: (nullable): what every worker is started with (limits,
 *   defaults, sandbox), or %NULL for the defaults; the pool keeps a copy
 *
 * Makes a pool of workers running @argv. No worker starts until a call
 * needs one, or [method@Pp.Pool.start_async] is called. Each worker gets a
 * launcher of its own, which [signal@Pp.Pool::setup-launcher] may set up.
 *
 * Returns: (transfer full): a new pool
 *
 * Since: 1.0
 */
PpPool *
pp_pool_new_for_subprocess (const char * const *argv,
                            PpOptions          *options)
{
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (options == NULL || PP_IS_OPTIONS (options), NULL);

  return g_object_new (PP_TYPE_POOL, "argv", argv, "options", options, NULL);
}

/**
 * pp_pool_new_for_type:
 * @namespace_: a GObject-Introspection namespace, e.g. `Gio`
 * @version: (nullable): its version, or %NULL for the latest
 * @type_name: the name of a class in it
 * @construct_properties: (nullable) (array zero-terminated=1): construct properties,
 *   as for [ctor@Pp.Proxy.new_for_type_sync]
 * @options: (nullable): what every worker is started with, or %NULL for
 *   the defaults; the pool keeps a copy
 *
 * Makes a pool of workers that each make an object of @type_name with
 * `pipeproxy-host` and serve it, as [ctor@Pp.Proxy.new_for_type_sync]
 * does. No worker starts until a call needs one.
 *
 * Returns: (transfer full): a new pool
 *
 * Since: 1.0
 */
PpPool *
pp_pool_new_for_type (const char         *namespace_,
                      const char         *version,
                      const char         *type_name,
                      const char * const *construct_properties,
                      PpOptions          *options)
{
  g_return_val_if_fail (namespace_ != NULL, NULL);
  g_return_val_if_fail (type_name != NULL, NULL);
  g_return_val_if_fail (options == NULL || PP_IS_OPTIONS (options), NULL);

  return g_object_new (PP_TYPE_POOL,
                       "namespace", namespace_,
                       "version", version,
                       "type-name", type_name,
                       "construct-properties", construct_properties,
                       "options", options,
                       NULL);
}

static void
pp_pool_constructed (GObject *object)
{
  PpPool *self = PP_POOL (object);
  WatchSource *watch;

  G_OBJECT_CLASS (pp_pool_parent_class)->constructed (object);

  if (self->options == NULL)
    self->options = pp_options_new ();
  if ((self->argv == NULL || self->argv[0] == NULL) == (self->type_name == NULL) ||
      (self->type_name != NULL && self->namespace_ == NULL))
    g_critical ("A PpPool needs either argv, or a namespace and a type-name");

  self->context = g_main_context_ref_thread_default ();
  watch = (WatchSource *) g_source_new (&watch_funcs, sizeof (WatchSource));
  g_weak_ref_init (&watch->pool, self);
  self->watch_source = (GSource *) watch;
  g_source_set_static_name (self->watch_source, "[pipeproxy] pool signals");
  g_source_set_priority (self->watch_source, G_PRIORITY_HIGH);
  g_source_attach (self->watch_source, self->context);
}

static void
pp_pool_dispose (GObject *object)
{
  PpPool *self = PP_POOL (object);

  close_pool (self, FALSE);

  G_OBJECT_CLASS (pp_pool_parent_class)->dispose (object);
}

static void
pp_pool_finalize (GObject *object)
{
  PpPool *self = PP_POOL (object);

  g_clear_pointer (&self->workers, g_ptr_array_unref);
  g_clear_pointer (&self->start_tasks, g_ptr_array_unref);
  g_clear_object (&self->worker_model);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->options);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_strfreev (self->argv);
  g_free (self->namespace_);
  g_free (self->version);
  g_free (self->type_name);
  g_strfreev (self->construct_properties);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pp_pool_parent_class)->finalize (object);
}

static void
pp_pool_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  PpPool *self = PP_POOL (object);

  switch (prop_id)
    {
    case PROP_ARGV:
      g_value_set_boxed (value, self->argv);
      break;
    case PROP_NAMESPACE:
      g_value_set_string (value, self->namespace_);
      break;
    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;
    case PROP_TYPE_NAME:
      g_value_set_string (value, self->type_name);
      break;
    case PROP_CONSTRUCT_PROPERTIES:
      g_value_set_boxed (value, self->construct_properties);
      break;
    case PROP_OPTIONS:
      g_value_take_object (value, pp_pool_dup_options (self));
      break;
    case PROP_MAX_WORKERS:
      g_value_set_uint (value, pp_pool_get_max_workers (self));
      break;
    case PROP_CONCURRENT_CALLS_PER_WORKER:
      g_value_set_uint (value, pp_pool_get_concurrent_calls_per_worker (self));
      break;
    case PROP_MAX_CALLS_PER_WORKER:
      g_value_set_uint (value, pp_pool_get_max_calls_per_worker (self));
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, pp_pool_get_idle_timeout (self));
      break;
    case PROP_WORKERS:
      g_value_set_object (value, self->worker_model);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_pool_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  PpPool *self = PP_POOL (object);

  switch (prop_id)
    {
    case PROP_ARGV:
      self->argv = g_value_dup_boxed (value);
      break;
    case PROP_NAMESPACE:
      self->namespace_ = g_value_dup_string (value);
      break;
    case PROP_VERSION:
      self->version = g_value_dup_string (value);
      break;
    case PROP_TYPE_NAME:
      self->type_name = g_value_dup_string (value);
      break;
    case PROP_CONSTRUCT_PROPERTIES:
      self->construct_properties = g_value_dup_boxed (value);
      break;
    case PROP_OPTIONS:
      /* A copy: the caller may change or reuse its options */
      g_clear_object (&self->options);
      self->options = pp_options_copy (g_value_get_object (value));
      break;
    case PROP_MAX_WORKERS:
      pp_pool_set_max_workers (self, g_value_get_uint (value));
      break;
    case PROP_CONCURRENT_CALLS_PER_WORKER:
      pp_pool_set_concurrent_calls_per_worker (self, g_value_get_uint (value));
      break;
    case PROP_MAX_CALLS_PER_WORKER:
      pp_pool_set_max_calls_per_worker (self, g_value_get_uint (value));
      break;
    case PROP_IDLE_TIMEOUT:
      pp_pool_set_idle_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_pool_class_init (PpPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = pp_pool_constructed;
  object_class->dispose = pp_pool_dispose;
  object_class->finalize = pp_pool_finalize;
  object_class->get_property = pp_pool_get_property;
  object_class->set_property = pp_pool_set_property;

  /**
   * PpPool:argv: (type GStrv)
   *
   * The program the workers run and its arguments, for a pool made by
   * [ctor@Pp.Pool.new_for_subprocess]; %NULL for a pool of a type.
   *
   * Since: 1.0
   */
  properties[PROP_ARGV] =
    g_param_spec_boxed ("argv", NULL, NULL, G_TYPE_STRV, construct);

  /**
   * PpPool:namespace:
   *
   * The GObject-Introspection namespace of [property@Pp.Pool:type-name],
   * for a pool made by [ctor@Pp.Pool.new_for_type].
   *
   * Since: 1.0
   */
  properties[PROP_NAMESPACE] =
    g_param_spec_string ("namespace", NULL, NULL, NULL, construct);

  /**
   * PpPool:version:
   *
   * The version of [property@Pp.Pool:namespace], or %NULL for the latest.
   *
   * Since: 1.0
   */
  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL, construct);

  /**
   * PpPool:type-name:
   *
   * The class each worker makes an object of and serves, for a pool made by
   * [ctor@Pp.Pool.new_for_type]; %NULL for a pool of a program.
   *
   * Since: 1.0
   */
  properties[PROP_TYPE_NAME] =
    g_param_spec_string ("type-name", NULL, NULL, NULL, construct);

  /**
   * PpPool:construct-properties: (type GStrv)
   *
   * Construct properties of the object each worker makes, `name=value`, as
   * for [ctor@Pp.Proxy.new_for_type_sync].
   *
   * Since: 1.0
   */
  properties[PROP_CONSTRUCT_PROPERTIES] =
    g_param_spec_boxed ("construct-properties", NULL, NULL, G_TYPE_STRV, construct);

  /**
   * PpPool:options:
   *
   * What every worker is started with: the connection's limits and
   * defaults, and [property@Pp.Options:sandbox]. The pool keeps a copy;
   * reading the property gives another. Its
   * [property@Pp.Options:max-pending-calls] also bounds the calls that wait
   * in the pool's queue.
   *
   * Since: 1.0
   */
  properties[PROP_OPTIONS] =
    g_param_spec_object ("options", NULL, NULL, PP_TYPE_OPTIONS, construct);

  /**
   * PpPool:max-workers:
   *
   * How many workers may run at once; the default is the number of
   * processors (g_get_num_processors()). Lowering it ends surplus workers
   * as they become idle.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_WORKERS] =
    g_param_spec_uint ("max-workers", NULL, NULL, 1, G_MAXUINT, g_get_num_processors (),
                       flags);

  /**
   * PpPool:concurrent-calls-per-worker:
   *
   * How many calls a worker is given at once; the default, 1, gives calls
   * to idle workers only, the others wait in the pool's queue. More suits
   * workers whose methods are async pairs, which serve several calls at
   * once: a call then goes to an idle worker, else to the least busy.
   *
   * Since: 1.0
   */
  properties[PROP_CONCURRENT_CALLS_PER_WORKER] =
    g_param_spec_uint ("concurrent-calls-per-worker", NULL, NULL, 1, G_MAXUINT, 1,
                       flags);

  /**
   * PpPool:max-calls-per-worker:
   *
   * After how many calls a worker is replaced, to bound what a leaking or
   * fragmenting worker can grow to: it takes no more calls, and ends once
   * its last call has returned; a new worker starts on demand. 0, the
   * default, means never.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_CALLS_PER_WORKER] =
    g_param_spec_uint ("max-calls-per-worker", NULL, NULL, 0, G_MAXUINT, 0,
                       flags);

  /**
   * PpPool:idle-timeout:
   *
   * After how many milliseconds without a call a worker ends; it is started
   * again on demand. 0, the default, means never.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       flags);

  /**
   * PpPool:workers:
   *
   * The workers that run now, a #GListModel of [class@Pp.Proxy]; see
   * [method@Pp.Pool.get_workers].
   *
   * Since: 1.0
   */
  properties[PROP_WORKERS] =
    g_param_spec_object ("workers", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PpPool::worker-started:
   * @self: the pool
   * @worker: the worker's proxy
   *
   * Emitted in the pool's context when a worker has started and done its
   * handshake, before it gets a call. Connect to its own signals here to
   * get them with their original types (streams too).
   *
   * Since: 1.0
   */
  signals[WORKER_STARTED] =
    g_signal_new ("worker-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PP_TYPE_PROXY);

  /**
   * PpPool::worker-ended:
   * @self: the pool
   * @worker: the worker's proxy, now closed
   * @error: (nullable): why it ended when it went away by itself (it
   *   exited or crashed): the error its calls failed with; %NULL when the
   *   pool ended it (recycled, idle, surplus, or the pool closed)
   *
   * Emitted in the pool's context when a worker leaves the pool.
   *
   * Since: 1.0
   */
  signals[WORKER_ENDED] =
    g_signal_new ("worker-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, PP_TYPE_PROXY, G_TYPE_ERROR);

  /**
   * PpPool::worker-signal:
   * @self: the pool
   * @worker: the worker's proxy it came from
   * @signal_name: the remote signal's name, with `::detail` when it was
   *   emitted with a detail
   * @parameters: the signal's arguments, a tuple of the types of its
   *   signature ([method@Pp.SignalMember.get_signature])
   *
   * Emitted in the pool's context when a worker's object emits a signal,
   * with the worker it came from. The detail is the signal's name:
   * connect to `worker-signal::progress` for one signal, or to
   * `worker-signal` for all. As for a proxy, a worker's signal is forwarded
   * only while the pool has handlers for it, and one emitted while a method
   * runs arrives before that call's result.
   *
   * The arguments are a #GVariant so that one signal carries every remote
   * signal, in C and in bindings alike (`args.unpack()` in Python,
   * `args.deepUnpack()` in JavaScript). Signals with a stream argument are
   * not forwarded here: connect to the worker's own signal in
   * [signal@Pp.Pool::worker-started].
   *
   * Since: 1.0
   */
  signals[WORKER_SIGNAL] =
    g_signal_new ("worker-signal", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  PP_TYPE_PROXY, G_TYPE_STRING, G_TYPE_VARIANT);

  /**
   * PpPool::setup-launcher:
   * @self: the pool
   * @launcher: the launcher that will start the worker
   *
   * Emitted in the pool's context before each worker of a program is
   * started, with a new launcher made with
   * %G_SUBPROCESS_FLAGS_STDERR_PIPE (so that a crash is reported with the
   * last lines the worker wrote). Set the worker's environment, working
   * directory or flags on it. A launcher is good for one child, so a pool
   * cannot take one; it is not emitted for a pool of a type.
   *
   * Since: 1.0
   */
  signals[SETUP_LAUNCHER] =
    g_signal_new ("setup-launcher", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_SUBPROCESS_LAUNCHER);
}

static void
pp_pool_init (PpPool *self)
{
  g_mutex_init (&self->lock);
  self->workers = g_ptr_array_new ();
  self->start_tasks = g_ptr_array_new ();
  self->worker_model = g_list_store_new (PP_TYPE_PROXY);
  self->cancellable = g_cancellable_new ();
  self->max_workers = g_get_num_processors ();
  self->concurrent_calls = 1;
  g_queue_init (&self->queue);
}
