/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Worker pools, across real processes: tests/pp-pool-worker answers with
 * its process id, so each case sees which worker took which call. */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pp-test-util.h"
#include "pp-proxy-private.h"

static char *
worker_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "pp-pool-worker", NULL);
}

static PpPool *
new_pool (guint      max_workers,
          PpOptions *options)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  PpPool *pool = pp_pool_new_for_subprocess (argv, options);

  pp_pool_set_max_workers (pool, max_workers);
  return pool;
}

static int
worker_pid (PpProxy *worker)
{
  GSubprocess *subprocess = pp_proxy_get_subprocess (worker);

  g_assert_nonnull (subprocess);
  return atoi (g_subprocess_get_identifier (subprocess));
}

static GArray *
worker_pids (PpPool *pool)
{
  GListModel *workers = pp_pool_get_workers (pool);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < g_list_model_get_n_items (workers); i++)
    {
      g_autoptr(PpProxy) worker = g_list_model_get_item (workers, i);
      int pid = worker_pid (worker);

      g_array_append_val (pids, pid);
    }
  return pids;
}

static gboolean
has_pid (GArray *pids,
         int     pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, int, i) == pid)
      return TRUE;
  return FALSE;
}

/* Waits (bounded, 30 s) for a process to be gone: exited and reaped */
static void
assert_process_ends (int pid)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      if (kill (pid, 0) != 0 && errno == ESRCH)
        return;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_error ("Process %d is still there", pid);
}

static int
call_pid_sync (PpPool *pool)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_pool_call_sync (pool, "pid", NULL, -1, NULL, &error);
  int pid;

  g_assert_no_error (error);
  g_variant_get (value, "(i)", &pid);
  return pid;
}

/* One asynchronous call and how it ended */
typedef struct
{
  gboolean  done;
  int       pid;
  GError   *error;
} Slot;

static void
slot_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Slot *slot = user_data;
  g_autoptr(GVariant) value = pp_pool_call_finish (PP_POOL (source), result, &slot->error);

  if (value != NULL)
    g_variant_get (value, "(i)", &slot->pid);
  slot->done = TRUE;
}

static void
slots_clear (Slot  *slots,
             guint  n)
{
  for (guint i = 0; i < n; i++)
    g_clear_error (&slots[i].error);
}

/* What ::worker-started and ::worker-ended said */
typedef struct
{
  guint      n_started;
  guint      n_ended;
  guint      n_ended_with_error;
  GError    *last_error;
  GPtrArray *ended;      /* PpProxy */
} Events;

static void
on_worker_started (PpPool  *pool,
                   PpProxy *worker,
                   gpointer user_data)
{
  Events *events = user_data;

  g_assert_true (PP_IS_PROXY (worker));
  g_assert_false (pp_proxy_is_closed (worker));
  events->n_started++;
}

static void
on_worker_ended (PpPool       *pool,
                 PpProxy      *worker,
                 const GError *error,
                 gpointer      user_data)
{
  Events *events = user_data;

  g_assert_true (pp_proxy_is_closed (worker));
  events->n_ended++;
  if (error != NULL)
    {
      events->n_ended_with_error++;
      g_clear_error (&events->last_error);
      events->last_error = g_error_copy (error);
    }
  if (events->ended == NULL)
    events->ended = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (events->ended, g_object_ref (worker));
}

static void
events_watch (Events *events,
              PpPool *pool)
{
  g_signal_connect (pool, "worker-started", G_CALLBACK (on_worker_started), events);
  g_signal_connect (pool, "worker-ended", G_CALLBACK (on_worker_ended), events);
}

static void
events_clear (Events *events)
{
  g_clear_error (&events->last_error);
  g_clear_pointer (&events->ended, g_ptr_array_unref);
}

static void
test_defaults (void)
{
  g_autoptr(PpPool) pool = new_pool (1, NULL);
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  g_autoptr(PpPool) fresh = pp_pool_new_for_subprocess (argv, NULL);
  g_autoptr(PpOptions) options = NULL;

  g_assert_cmpuint (pp_pool_get_max_workers (fresh), ==, g_get_num_processors ());
  g_assert_cmpuint (pp_pool_get_concurrent_calls_per_worker (fresh), ==, 1);
  g_assert_cmpuint (pp_pool_get_max_calls_per_worker (fresh), ==, 0);
  g_assert_cmpuint (pp_pool_get_idle_timeout (fresh), ==, 0);
  g_assert_false (pp_pool_is_closed (fresh));
  /* Nothing starts before it is needed */
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (fresh)), ==, 0);

  options = pp_pool_dup_options (pool);
  g_assert_cmpint (pp_options_get_default_timeout (options), ==, 25000);
}

/* Calls made at once spread over the workers */
static void
test_spread (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  Slot slots[8] = { { 0 } };

  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);
  pids = worker_pids (pool);
  g_assert_cmpuint (pids->len, ==, 2);
  g_assert_cmpint (g_array_index (pids, int, 0), !=, g_array_index (pids, int, 1));

  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 100), -1, NULL, slot_done,
                        &slots[i]);
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      pp_test_wait_for (&slots[i].done);
      g_assert_no_error (slots[i].error);
      g_assert_true (has_pid (pids, slots[i].pid));
      g_hash_table_insert (counts, GINT_TO_POINTER (slots[i].pid),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (
                             counts, GINT_TO_POINTER (slots[i].pid))) + 1));
    }
  g_assert_cmpuint (g_hash_table_size (counts), ==, 2);
  slots_clear (slots, G_N_ELEMENTS (slots));
}

/* One worker blocked in a long call: every quick call goes to the other */
static void
test_idle_preferred (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  Slot slow = { 0 };
  Slot quick[10] = { { 0 } };
  int busy_pid;

  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);
  pids = worker_pids (pool);

  pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 60000), G_MAXINT, NULL, slot_done,
                      &slow);
  for (guint i = 0; i < G_N_ELEMENTS (quick); i++)
    pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &quick[i]);

  for (guint i = 0; i < G_N_ELEMENTS (quick); i++)
    {
      pp_test_wait_for (&quick[i].done);
      g_assert_no_error (quick[i].error);
      g_assert_cmpint (quick[i].pid, ==, quick[0].pid);
    }
  g_assert_false (slow.done);
  g_assert_true (has_pid (pids, quick[0].pid));
  busy_pid = g_array_index (pids, int, 0) == quick[0].pid ? g_array_index (pids, int, 1)
                                                           : g_array_index (pids, int, 0);

  /* Closing kills the busy worker; its call fails */
  pp_pool_close (pool);
  pp_test_wait_for (&slow.done);
  g_assert_error (slow.error, PP_ERROR, PP_ERROR_DISCONNECTED);
  assert_process_ends (busy_pid);
  assert_process_ends (quick[0].pid);
  g_clear_error (&slow.error);
  slots_clear (quick, G_N_ELEMENTS (quick));
}

static void
on_started_flag (PpPool  *pool,
                 PpProxy *worker,
                 gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* A worker killed: its call fails with how it ended, a queued call goes to
 * its replacement */
static void
test_crash (void)
{
  g_autoptr(PpPool) pool = new_pool (1, NULL);
  Events events = { 0 };
  gboolean started = FALSE;
  Slot slow = { 0 };
  Slot queued = { 0 };
  g_autoptr(PpProxy) first = NULL;
  int first_pid;

  events_watch (&events, pool);
  g_signal_connect (pool, "worker-started", G_CALLBACK (on_started_flag), &started);

  pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 60000), G_MAXINT, NULL, slot_done,
                      &slow);
  pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &queued);
  pp_test_wait_for (&started);
  first = g_list_model_get_item (pp_pool_get_workers (pool), 0);
  first_pid = worker_pid (first);

  g_assert_cmpint (kill (first_pid, SIGKILL), ==, 0);

  pp_test_wait_for (&slow.done);
  g_assert_error (slow.error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (slow.error->message, "signal 9"));

  pp_test_wait_for (&queued.done);
  g_assert_no_error (queued.error);
  g_assert_cmpint (queued.pid, !=, first_pid);

  g_assert_cmpuint (events.n_ended_with_error, ==, 1);
  g_assert_error (events.last_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpstr (events.last_error->message, ==, slow.error->message);
  g_assert_true (events.ended->pdata[0] == first);
  g_assert_cmpuint (events.n_started, ==, 2);

  /* The next call goes to the replacement */
  g_assert_cmpint (call_pid_sync (pool), ==, queued.pid);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 1);

  pp_pool_close (pool);
  events_clear (&events);
  g_clear_error (&slow.error);
}

/* With the options' cancel-timeout, a worker that does not answer a
 * cancelled call (sleep ignores it) is stopped and ends with the reason,
 * and the next call goes to a new worker */
static void
test_cancel_timeout (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpPool) pool = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Events events = { 0 };
  Slot stuck = { 0 };
  int first_pid;

  pp_options_set_cancel_timeout (options, 20);
  pool = new_pool (1, options);
  events_watch (&events, pool);
  first_pid = call_pid_sync (pool);

  pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 60000), G_MAXINT, cancellable,
                      slot_done, &stuck);
  g_cancellable_cancel (cancellable);
  pp_test_wait_for (&stuck.done);
  g_assert_error (stuck.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  while (events.n_ended == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (events.n_ended_with_error, ==, 1);
  g_assert_error (events.last_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_cmpstr (events.last_error->message, ==,
                   "The worker process was stopped because it did not answer a cancel "
                   "within 20 ms");
  assert_process_ends (first_pid);

  /* The next call goes to a new worker */
  g_assert_cmpint (call_pid_sync (pool), !=, first_pid);
  g_assert_cmpuint (events.n_started, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 1);

  pp_pool_close (pool);
  events_clear (&events);
  g_clear_error (&stuck.error);
}

/* The worker that is not @pid, of a pool of two */
static PpProxy *
other_worker (PpPool *pool,
              int     pid)
{
  GListModel *workers = pp_pool_get_workers (pool);

  g_assert_cmpuint (g_list_model_get_n_items (workers), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(PpProxy) worker = g_list_model_get_item (workers, i);

      if (worker_pid (worker) != pid)
        return g_steal_pointer (&worker);
    }
  g_assert_not_reached ();
}

/* How many held calls the worker answered, told to: the calls it was given */
static guint
let_go (PpProxy *worker)
{
  g_autoptr(GVariant) value = pp_test_call (worker, "let_go", NULL);
  guint n;

  g_variant_get (value, "(u)", &n);
  return n;
}

/* A call cancelled by its caller keeps its worker busy until the worker
 * answers it (hold ignores the cancel, as a method that does not look at
 * its cancellable would): the calls made meanwhile go to the idle worker,
 * wait for it when there is none, and go to either once it answered. */
static void
test_cancelled_busy (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) holder = NULL;
  g_autoptr(PpProxy) other = NULL;
  Slot cancelled = { 0 };
  Slot held[2] = { { 0 } };
  int free_pid;

  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);

  pp_pool_call_async (pool, "hold", NULL, -1, cancellable, slot_done, &cancelled);
  g_cancellable_cancel (cancellable);
  pp_test_wait_for (&cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Every call goes to the worker that has nothing to do; the other one
   * still holds the cancelled call */
  free_pid = call_pid_sync (pool);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (call_pid_sync (pool), ==, free_pid);
  holder = other_worker (pool, free_pid);
  g_assert_cmpuint (let_go (holder), ==, 1);

  /* It answered: both take calls again */
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    pp_pool_call_async (pool, "hold", NULL, -1, NULL, slot_done, &held[i]);
  other = other_worker (pool, worker_pid (holder));
  g_assert_cmpuint (let_go (holder), ==, 1);
  g_assert_cmpuint (let_go (other), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      pp_test_wait_for (&held[i].done);
      g_assert_no_error (held[i].error);
    }
  g_assert_cmpint (held[0].pid, !=, held[1].pid);
  pp_pool_close (pool);
  g_clear_error (&cancelled.error);
}

/* With one worker, which holds a cancelled call, a new call waits in the
 * queue until the worker answered the cancelled one */
static void
test_cancelled_queue (void)
{
  g_autoptr(PpPool) pool = new_pool (1, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PpProxy) worker = NULL;
  Slot cancelled = { 0 };
  Slot queued = { 0 };
  int pid = call_pid_sync (pool);

  worker = g_list_model_get_item (pp_pool_get_workers (pool), 0);
  pp_pool_call_async (pool, "hold", NULL, -1, cancellable, slot_done, &cancelled);
  g_cancellable_cancel (cancellable);
  pp_test_wait_for (&cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  pp_pool_call_async (pool, "hold", NULL, -1, NULL, slot_done, &queued);
  /* Not given to the worker: it has nothing to let go but the first */
  g_assert_cmpuint (let_go (worker), ==, 1);
  /* Given once it answered, and held in turn */
  while (let_go (worker) == 0)
    g_main_context_iteration (NULL, TRUE);
  pp_test_wait_for (&queued.done);
  g_assert_no_error (queued.error);
  g_assert_cmpint (queued.pid, ==, pid);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 1);

  pp_pool_close (pool);
  g_clear_error (&cancelled.error);
}

/* A worker is replaced after max-calls-per-worker calls */
static void
test_recycle (void)
{
  g_autoptr(PpPool) pool = new_pool (1, NULL);
  Events events = { 0 };
  int pids[9];

  events_watch (&events, pool);
  pp_pool_set_max_calls_per_worker (pool, 3);

  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    pids[i] = call_pid_sync (pool);

  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      if (i % 3 != 0)
        g_assert_cmpint (pids[i], ==, pids[i - 1]);
      else if (i > 0)
        g_assert_cmpint (pids[i], !=, pids[i - 1]);
    }
  g_assert_cmpint (pids[0], !=, pids[6]);
  g_assert_cmpuint (events.n_started, ==, 3);
  g_assert_cmpuint (events.n_ended, >=, 2);
  g_assert_cmpuint (events.n_ended_with_error, ==, 0);
  assert_process_ends (pids[0]);
  assert_process_ends (pids[3]);

  /* The same with asynchronous calls, two workers */
  pp_pool_set_max_workers (pool, 2);
  {
    Slot slots[12] = { { 0 } };
    g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
    GHashTableIter iter;
    gpointer value;

    for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
      pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &slots[i]);
    for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
      {
        guint n;

        pp_test_wait_for (&slots[i].done);
        g_assert_no_error (slots[i].error);
        n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GINT_TO_POINTER (slots[i].pid)));
        g_hash_table_insert (counts, GINT_TO_POINTER (slots[i].pid), GUINT_TO_POINTER (n + 1));
      }
    /* No worker took more than three */
    g_assert_cmpuint (g_hash_table_size (counts), >=, 4);
    g_hash_table_iter_init (&iter, counts);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_assert_cmpuint (GPOINTER_TO_UINT (value), <=, 3);
  }

  pp_pool_close (pool);
  events_clear (&events);
}

static void
on_ended_flag (PpPool       *pool,
               PpProxy      *worker,
               const GError *error,
               gpointer      user_data)
{
  g_assert_null (error);
  *(gboolean *) user_data = TRUE;
}

/* An idle worker ends after idle-timeout; another starts on demand */
static void
test_idle_timeout (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  gboolean ended = FALSE;
  int first;
  int second;

  pp_pool_set_idle_timeout (pool, 200);
  g_signal_connect (pool, "worker-ended", G_CALLBACK (on_ended_flag), &ended);

  first = call_pid_sync (pool);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 1);
  pp_test_wait_for (&ended);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 0);
  assert_process_ends (first);

  /* Asynchronously too */
  {
    Slot slot = { 0 };

    pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &slot);
    pp_test_wait_for (&slot.done);
    g_assert_no_error (slot.error);
    second = slot.pid;
  }
  g_assert_cmpint (second, !=, first);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 1);

  /* A worker in use does not time out */
  ended = FALSE;
  pp_pool_set_idle_timeout (pool, 100);
  {
    g_autoptr(GVariant) value = pp_pool_call_sync (pool, "sleep", g_variant_new ("(u)", 300),
                                                   -1, NULL, NULL);
    int pid;

    g_variant_get (value, "(i)", &pid);
    g_assert_cmpint (pid, ==, second);
  }
  pp_test_wait_for (&ended);
  assert_process_ends (second);
  pp_pool_close (pool);
}

/* ::worker-signal, with the worker it came from */
typedef struct
{
  GHashTable *counts;     /* pid → signals seen */
  guint       n_other;
  guint       n_all;
} SignalState;

static void
on_progress (PpPool     *pool,
             PpProxy    *worker,
             const char *name,
             GVariant   *parameters,
             gpointer    user_data)
{
  SignalState *state = user_data;
  int pid, step;
  guint n;

  g_assert_cmpstr (name, ==, "progress");
  g_assert_cmpstr (g_variant_get_type_string (parameters), ==, "(ii)");
  g_variant_get (parameters, "(ii)", &pid, &step);
  g_assert_cmpint (pid, ==, worker_pid (worker));
  n = GPOINTER_TO_UINT (g_hash_table_lookup (state->counts, GINT_TO_POINTER (pid)));
  g_assert_cmpint (step, ==, (int) n);
  g_hash_table_insert (state->counts, GINT_TO_POINTER (pid), GUINT_TO_POINTER (n + 1));
}

static void
on_other (PpPool     *pool,
          PpProxy    *worker,
          const char *name,
          GVariant   *parameters,
          gpointer    user_data)
{
  ((SignalState *) user_data)->n_other++;
}

static void
on_any (PpPool     *pool,
        PpProxy    *worker,
        const char *name,
        GVariant   *parameters,
        gpointer    user_data)
{
  ((SignalState *) user_data)->n_all++;
}

typedef struct
{
  Slot         slot;
  SignalState *state;
  guint        seen_before_result;
} EmitCall;

static void
emit_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  EmitCall *call = user_data;

  slot_done (source, result, &call->slot);
  if (call->slot.error == NULL)
    call->seen_before_result = GPOINTER_TO_UINT (g_hash_table_lookup (
      call->state->counts, GINT_TO_POINTER (call->slot.pid)));
}

static void
test_signals (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  g_autoptr(GError) error = NULL;
  SignalState state = { 0 };
  EmitCall calls[2] = { { { 0 } } };
  gulong any;

  state.counts = g_hash_table_new (NULL, NULL);
  g_signal_connect (pool, "worker-signal::progress", G_CALLBACK (on_progress), &state);
  g_signal_connect (pool, "worker-signal::other", G_CALLBACK (on_other), &state);
  any = g_signal_connect (pool, "worker-signal", G_CALLBACK (on_any), &state);
  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      calls[i].state = &state;
      pp_pool_call_async (pool, "emit", g_variant_new ("(u)", 3), -1, NULL, emit_done, &calls[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      pp_test_wait_for (&calls[i].slot.done);
      g_assert_no_error (calls[i].slot.error);
      /* Signals emitted while the method ran came before its result */
      g_assert_cmpuint (calls[i].seen_before_result, ==, 3);
    }
  /* Each worker emitted its own */
  g_assert_cmpint (calls[0].slot.pid, !=, calls[1].slot.pid);
  g_assert_cmpuint (g_hash_table_size (state.counts), ==, 2);
  g_assert_cmpuint (state.n_all, ==, 6);
  g_assert_cmpuint (state.n_other, ==, 0);

  /* Without handlers, nothing is forwarded */
  g_signal_handlers_disconnect_by_data (pool, &state);
  g_signal_connect (pool, "worker-signal::other", G_CALLBACK (on_other), &state);
  {
    g_autoptr(GVariant) value = pp_pool_call_sync (pool, "emit", g_variant_new ("(u)", 2), -1,
                                                   NULL, &error);
    g_assert_no_error (error);
  }
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (state.n_all, ==, 6);
  (void) any;

  pp_pool_close (pool);
  g_hash_table_unref (state.counts);
}

/* ::worker-signal with an object and a boxed value with no value form:
 * proxies of the worker's, which the handler may call and keep */
typedef struct
{
  guint       n_made;
  int         pid;            /* of the worker it came from */
  char       *name;           /* the action's, asked of the worker */
  char       *group;          /* the key file's start group, likewise */
  PpProxy    *kept;           /* the last action */
} MadeState;

static char *
call_string (PpProxy    *proxy,
             const char *method)
{
  g_autoptr(GVariant) value = pp_test_call (proxy, method, NULL);
  char *text = NULL;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("(ms)")))
    g_variant_get (value, "(ms)", &text);
  else
    g_variant_get (value, "(s)", &text);
  return text;
}

static void
on_made (PpPool     *pool,
         PpProxy    *worker,
         const char *name,
         GVariant   *parameters,
         gpointer    user_data)
{
  MadeState *state = user_data;
  GPtrArray *objects = pp_pool_get_signal_objects (pool);
  const char *action_path, *file_path;
  PpProxy *action, *file;

  g_assert_cmpstr (name, ==, "made");
  g_assert_cmpstr (g_variant_get_type_string (parameters), ==, "(momo)");
  g_variant_get (parameters, "(m&om&o)", &action_path, &file_path);
  g_assert_cmpstr (action_path, ==, "/0");
  g_assert_cmpstr (file_path, ==, "/1");
  g_assert_nonnull (objects);
  g_assert_cmpuint (objects->len, ==, 2);
  action = g_ptr_array_index (objects, 0);
  file = g_ptr_array_index (objects, 1);
  g_assert_true (PP_IS_PROXY (action));
  g_assert_true (PP_IS_PROXY (file));
  g_assert_cmpstr (pp_proxy_get_remote_type_name (action), ==, "GSimpleAction");
  g_assert_cmpstr (pp_proxy_get_remote_type_name (file), ==, "GKeyFile");

  state->n_made++;
  state->pid = worker_pid (worker);
  g_free (state->name);
  state->name = call_string (action, "get_name");
  g_free (state->group);
  state->group = call_string (file, "get_start_group");
  g_set_object (&state->kept, action);
}

static void
test_signal_objects (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  g_autoptr(GError) error = NULL;
  MadeState state = { 0 };
  const char *names[] = { "first", "second", "third" };
  GListModel *workers;

  g_signal_connect (pool, "worker-signal::made", G_CALLBACK (on_made), &state);
  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      Slot slot = { 0 };

      pp_pool_call_async (pool, "make", g_variant_new ("(s)", names[i]), -1, NULL, slot_done,
                          &slot);
      pp_test_wait_for (&slot.done);
      g_assert_no_error (slot.error);

      /* The signal came before the result, with its worker */
      g_assert_cmpuint (state.n_made, ==, i + 1);
      g_assert_cmpint (state.pid, ==, slot.pid);
      g_assert_cmpstr (state.name, ==, names[i]);
      g_assert_cmpstr (state.group, ==, names[i]);
      g_assert_null (pp_pool_get_signal_objects (pool));
    }

  /* A kept proxy works after the emission; dropped, it is released */
  g_free (state.name);
  state.name = call_string (state.kept, "get_name");
  g_assert_cmpstr (state.name, ==, "third");
  g_clear_object (&state.kept);
  workers = pp_pool_get_workers (pool);
  for (guint i = 0; i < g_list_model_get_n_items (workers); i++)
    {
      g_autoptr(PpProxy) worker = g_list_model_get_item (workers, i);

      while (pp_proxy_get_n_imported (worker) > 0)
        g_main_context_iteration (NULL, TRUE);
    }

  pp_pool_close (pool);
  g_free (state.name);
  g_free (state.group);
}

/* Closing ends every child */
static void
test_close (void)
{
  g_autoptr(PpPool) pool = new_pool (2, NULL);
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Events events = { 0 };
  Slot slot = { 0 };

  events_watch (&events, pool);
  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);
  pids = worker_pids (pool);
  g_assert_cmpuint (pids->len, ==, 2);

  pp_pool_close (pool);
  g_assert_true (pp_pool_is_closed (pool));
  pp_pool_close (pool);

  while (events.n_ended < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (events.n_ended_with_error, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (pp_pool_get_workers (pool)), ==, 0);
  for (guint i = 0; i < pids->len; i++)
    assert_process_ends (g_array_index (pids, int, i));

  value = pp_pool_call_sync (pool, "pid", NULL, -1, NULL, &error);
  g_assert_null (value);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_clear_error (&error);
  pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &slot);
  pp_test_wait_for (&slot.done);
  g_assert_error (slot.error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_false (pp_pool_start_sync (pool, NULL, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);

  g_clear_error (&slot.error);
  events_clear (&events);
}

/* Dropping the pool ends its children too */
static void
test_unref (void)
{
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  PpPool *pool = new_pool (2, NULL);

  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);
  pids = worker_pids (pool);
  g_object_unref (pool);
  for (guint i = 0; i < pids->len; i++)
    assert_process_ends (g_array_index (pids, int, i));
}

/* Queued calls time out and are cancelled where they wait; the queue has a
 * limit */
static void
test_queue (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpPool) pool = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Slot slow = { 0 };
  Slot timed = { 0 };
  Slot cancelled = { 0 };
  Slot third = { 0 };
  Slot over = { 0 };

  pp_options_set_max_pending_calls (options, 3);
  pool = new_pool (1, options);
  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);

  pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 1500), -1, NULL, slot_done, &slow);
  pp_pool_call_async (pool, "pid", NULL, 50, NULL, slot_done, &timed);
  pp_pool_call_async (pool, "pid", NULL, -1, cancellable, slot_done, &cancelled);
  pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &third);
  pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &over);

  pp_test_wait_for (&over.done);
  g_assert_error (over.error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  pp_test_wait_for (&timed.done);
  g_assert_error (timed.error, PP_ERROR, PP_ERROR_TIMED_OUT);
  g_assert_false (slow.done);
  g_cancellable_cancel (cancellable);
  pp_test_wait_for (&cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (slow.done);

  pp_test_wait_for (&third.done);
  g_assert_no_error (third.error);
  g_assert_true (slow.done);
  g_assert_no_error (slow.error);
  g_assert_cmpint (third.pid, ==, slow.pid);

  pp_pool_close (pool);
  g_clear_error (&over.error);
  g_clear_error (&timed.error);
  g_clear_error (&cancelled.error);
}

/* Calls that take and give descriptors */
static void
fd_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GVariant **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pp_pool_call_with_unix_fd_list_finish (PP_POOL (source), NULL, result, &error);
  g_assert_no_error (error);
}

static void
test_fds (void)
{
  g_autoptr(PpPool) pool = new_pool (1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  int pipe_fds[2];
  guint64 n;
  int pid;

  g_assert_no_errno (pipe (pipe_fds));
  g_assert_cmpint (write (pipe_fds[1], "hello", 5), ==, 5);
  close (pipe_fds[1]);
  g_assert_cmpint (g_unix_fd_list_append (fds, pipe_fds[0], &error), ==, 0);
  g_assert_no_error (error);
  close (pipe_fds[0]);

  value = pp_pool_call_with_unix_fd_list_sync (pool, "read_fd", g_variant_new ("(h)", 0), -1,
                                               fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(ti)", &n, &pid);
  g_assert_cmpuint (n, ==, 5);
  g_clear_pointer (&value, g_variant_unref);
  g_clear_object (&fds);

  fds = g_unix_fd_list_new ();
  g_assert_no_errno (pipe (pipe_fds));
  g_assert_cmpint (write (pipe_fds[1], "hi", 2), ==, 2);
  close (pipe_fds[1]);
  g_unix_fd_list_append (fds, pipe_fds[0], &error);
  close (pipe_fds[0]);
  pp_pool_call_with_unix_fd_list_async (pool, "read_fd", g_variant_new ("(h)", 0), -1, fds, NULL,
                                        fd_done, &value);
  while (value == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_variant_get (value, "(ti)", &n, &pid);
  g_assert_cmpuint (n, ==, 2);

  pp_pool_close (pool);
}

/* A pool of a type that pipeproxy-host makes */
static void
test_type (void)
{
  g_autoptr(PpPool) pool = pp_pool_new_for_type ("PpTest", "1.0", "Object", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(PpProxy) worker = NULL;
  int parameter;

  pp_pool_set_max_workers (pool, 1);
  value = pp_pool_call_sync (pool, "set_parameter", g_variant_new ("(i)", 5), -1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&value, g_variant_unref);
  value = pp_pool_call_sync (pool, "get_parameter", NULL, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (value, "(i)", &parameter);
  g_assert_cmpint (parameter, ==, 5);
  worker = g_list_model_get_item (pp_pool_get_workers (pool), 0);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (worker), ==, "PpTestObject");
  pp_pool_close (pool);
}

/* A worker that cannot start fails the calls waiting for it */
static void
test_start_failure (void)
{
  const char * const argv[] = { "/nonexistent/pp-pool-worker", NULL };
  g_autoptr(PpPool) pool = pp_pool_new_for_subprocess (argv, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  Slot slot = { 0 };

  pp_pool_call_async (pool, "pid", NULL, -1, NULL, slot_done, &slot);
  pp_test_wait_for (&slot.done);
  g_assert_nonnull (slot.error);
  value = pp_pool_call_sync (pool, "pid", NULL, -1, NULL, &error);
  g_assert_null (value);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_error (&slot.error);

  /* Starting ahead of time stops at the first failure, reported or not */
  g_assert_false (pp_pool_start_sync (pool, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (pp_pool_start_sync (pool, NULL, NULL));
}

/* Synchronous calls from another thread while this one runs the pool's
 * context: they wait in the queue */
typedef struct
{
  PpPool    *pool;
  GMainLoop *loop;
  int        pid;
} ThreadState;

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
thread_call (gpointer user_data)
{
  ThreadState *state = user_data;

  state->pid = call_pid_sync (state->pool);
  g_idle_add (quit_loop, state->loop);
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(PpPool) pool = new_pool (1, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  ThreadState state = { pool, loop, 0 };
  GThread *thread;
  Slot slow = { 0 };
  int pid;

  g_assert_true (pp_pool_start_sync (pool, NULL, &error));
  g_assert_no_error (error);

  pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 300), -1, NULL, slot_done, &slow);
  thread = g_thread_new ("pool-caller", thread_call, &state);
  g_main_loop_run (loop);
  g_thread_join (thread);
  pp_test_wait_for (&slow.done);
  g_assert_no_error (slow.error);
  g_assert_cmpint (state.pid, ==, slow.pid);

  /* In the pool's own thread, with no loop running, a synchronous call
   * cannot wait for the busy worker to be free: it goes to it */
  slow.done = FALSE;
  pp_pool_call_async (pool, "sleep", g_variant_new ("(u)", 200), -1, NULL, slot_done, &slow);
  pid = call_pid_sync (pool);
  g_assert_cmpint (pid, ==, state.pid);
  pp_test_wait_for (&slow.done);
  g_assert_no_error (slow.error);

  pp_pool_close (pool);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Pool/defaults", test_defaults);
  g_test_add_func ("/Pp/Pool/spread", test_spread);
  g_test_add_func ("/Pp/Pool/idle-preferred", test_idle_preferred);
  g_test_add_func ("/Pp/Pool/crash", test_crash);
  g_test_add_func ("/Pp/Pool/cancel-timeout", test_cancel_timeout);
  g_test_add_func ("/Pp/Pool/cancelled-busy", test_cancelled_busy);
  g_test_add_func ("/Pp/Pool/cancelled-queue", test_cancelled_queue);
  g_test_add_func ("/Pp/Pool/recycle", test_recycle);
  g_test_add_func ("/Pp/Pool/idle-timeout", test_idle_timeout);
  g_test_add_func ("/Pp/Pool/signals", test_signals);
  g_test_add_func ("/Pp/Pool/signal-objects", test_signal_objects);
  g_test_add_func ("/Pp/Pool/close", test_close);
  g_test_add_func ("/Pp/Pool/unref", test_unref);
  g_test_add_func ("/Pp/Pool/queue", test_queue);
  g_test_add_func ("/Pp/Pool/fds", test_fds);
  g_test_add_func ("/Pp/Pool/type", test_type);
  g_test_add_func ("/Pp/Pool/start-failure", test_start_failure);
  g_test_add_func ("/Pp/Pool/threads", test_threads);

  return g_test_run ();
}
