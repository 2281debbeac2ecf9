/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-options-private.h"
#include "pp-pool-dispatch-private.h"
#include "pp-pool-signals-private.h"
#include "pp-pool-worker-private.h"

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
 * idle; a worker still working on a call its caller cancelled, or that
 * timed out, counts as busy until it answers it. With
 * [property@Pp.Pool:concurrent-calls-per-worker] above 1, a
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

/* Emitted by pp-pool-worker.c and pp-pool-signals.c, by name */
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

/* Starting ahead of time --------------------------------------------------- */

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
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, pp_pool_worker_start_all,
                              task, g_object_unref);
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
      gboolean ok = pp_pool_worker_start_all_sync (self, cancellable, error);

      g_main_context_release (self->context);
      return ok;
    }
  else
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(GAsyncResult) result = NULL;

      g_main_context_push_thread_default (context);
      pp_pool_start_async (self, cancellable, pp_pool_sync_wait_done, &result);
      pp_pool_sync_wait (context, &result);
      g_main_context_pop_thread_default (context);
      return pp_pool_start_finish (self, result, error);
    }
}

/* Closing ------------------------------------------------------------------ */

/**
 * pp_pool_close:
 * @self: a #PpPool
 *
 * Closes the pool: calls waiting for a worker fail with
 * %PP_ERROR_DISCONNECTED, and so do later calls; every worker's connection
 * is closed, so each child exits, and a worker busy with a call is killed
 * (its call fails as a proxy's calls fail when it is closed): at once, or,
 * with [property@Pp.Options:stop-timeout] in the pool's options, with
 * SIGTERM and then SIGKILL as that says.
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

  pp_pool_worker_end_all (self, TRUE);
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

/* Properties --------------------------------------------------------------- */

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
 * pp_pool_get_signal_objects:
 * @self: a #PpPool
 *
 * Gets the objects that came with the [signal@Pp.Pool::worker-signal]
 * being emitted, for its handlers. An argument of the remote signal that
 * is an object, or a boxed value with no value form, is `"/N"` (type `o`,
 * or nothing in a maybe for %NULL) in the signal's parameters: its index
 * in this list, which holds the [class@Pp.Proxy] of the worker's object,
 * as [method@Pp.Proxy.call_full_finish] gives the objects of a result.
 * Keep a reference to a proxy to use it after the handler returns; the
 * worker keeps its object while one is kept.
 *
 * Returns: (transfer none) (nullable) (element-type GObject): the objects,
 *   or %NULL when the signal has none, or outside a handler of
 *   [signal@Pp.Pool::worker-signal] in the pool's context
 *
 * Since: 1.0
 */
GPtrArray *
pp_pool_get_signal_objects (PpPool *self)
{
  g_return_val_if_fail (PP_IS_POOL (self), NULL);

  return self->signal_objects;
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
    pp_pool_worker_disarm_idle_timeouts (self);
  g_mutex_unlock (&self->lock);

  if (changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
      pp_pool_dispatch_maintain_later (self);
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

/* The object --------------------------------------------------------------- */

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

  G_OBJECT_CLASS (pp_pool_parent_class)->constructed (object);

  if (self->options == NULL)
    self->options = pp_options_new ();
  if ((self->argv == NULL || self->argv[0] == NULL) == (self->type_name == NULL) ||
      (self->type_name != NULL && self->namespace_ == NULL))
    g_critical ("A PpPool needs either argv, or a namespace and a type-name");

  self->context = g_main_context_ref_thread_default ();
  self->watch_source = pp_pool_signals_watch_new (self);
  g_source_attach (self->watch_source, self->context);
}

static void
pp_pool_dispose (GObject *object)
{
  PpPool *self = PP_POOL (object);

  pp_pool_worker_end_all (self, FALSE);

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

/* What it serves and how each worker starts */
static void
install_construct_properties (void)
{
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

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
}

/* What can change while it runs */
static void
install_settings (void)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

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
}

/* Workers coming and going */
static void
install_worker_life_signals (GType type)
{
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
    g_signal_new ("worker-started", type, G_SIGNAL_RUN_LAST,
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
    g_signal_new ("worker-ended", type, G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, PP_TYPE_PROXY, G_TYPE_ERROR);

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
    g_signal_new ("setup-launcher", type, G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_SUBPROCESS_LAUNCHER);
}

static void
install_worker_signal (GType type)
{
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
   * `args.deepUnpack()` in JavaScript). An object argument, or a boxed one
   * with no value form, is `"/N"` there, an index into
   * [method@Pp.Pool.get_signal_objects], which gives its proxy. Signals
   * with a stream argument are not forwarded here: connect to the worker's
   * own signal in [signal@Pp.Pool::worker-started].
   *
   * Since: 1.0
   */
  signals[WORKER_SIGNAL] =
    g_signal_new ("worker-signal", type,
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  PP_TYPE_PROXY, G_TYPE_STRING, G_TYPE_VARIANT);
}

static void
pp_pool_class_init (PpPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pp_pool_constructed;
  object_class->dispose = pp_pool_dispose;
  object_class->finalize = pp_pool_finalize;
  object_class->get_property = pp_pool_get_property;
  object_class->set_property = pp_pool_set_property;

  install_construct_properties ();
  install_settings ();
  g_object_class_install_properties (object_class, N_PROPS, properties);

  install_worker_life_signals (G_TYPE_FROM_CLASS (klass));
  install_worker_signal (G_TYPE_FROM_CLASS (klass));
}

static void
pp_pool_init (PpPool *self)
{
  g_mutex_init (&self->lock);
  self->maintain_later = pp_pool_dispatch_maintain_later;
  self->workers = g_ptr_array_new ();
  self->start_tasks = g_ptr_array_new ();
  self->worker_model = g_list_store_new (PP_TYPE_PROXY);
  self->cancellable = g_cancellable_new ();
  self->max_workers = g_get_num_processors ();
  self->concurrent_calls = 1;
  g_queue_init (&self->queue);
}
