/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench-pool: what a PpPool of workers gains, measured in one run.
 *
 *   pp-bench-pool [--quick] [--reps N]
 *
 * The workers are this program, started with --worker: a listener with
 * two methods, `burn (t n)` → (ti), a CPU-bound loop of n steps (its result
 * and the worker's pid), and `pid ()` → (i).
 *
 *  - CPU-bound jobs: the same batch of jobs (each about 20 ms of computing,
 *    calibrated in this process first) on a pool of 1 worker and on a pool
 *    of 2, alternately, each repetition; the ratio of the median times is
 *    what the second worker gains (target ≥ 1.8× on a 2-core machine). A
 *    second pair of pools starts each worker in a session of its own
 *    (setsid() from ::setup-launcher): on a busy machine with autogroup
 *    scheduling, the processes of one session share one share of the
 *    CPUs, and this shows what the pool gains when the scheduler lets it.
 *  - 100 small calls made at once while one of 2 workers is busy with a
 *    long job: how many went to the busy worker, and so waited behind it,
 *    while the other was free (target 0); and the same with
 *    concurrent-calls-per-worker 100, which hands every call out at once to
 *    the least busy worker instead of queueing, for comparison.
 *
 * Every result is checked (each job's value, each pid), so a fast wrong run
 * fails. Figures are printed with the load average, never asserted:
 * `--quick` runs as the test `bench-pool-smoke` for correctness only.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

static gboolean quick;
static int reps;

/* The job: xorshift64, so that no compiler folds it */
static guint64
burn (guint64 n)
{
  guint64 x = 88172645463325252ull;

  for (guint64 i = 0; i < n; i++)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  return x;
}

/* The worker ------------------------------------------------------------------ */

static GVariant *
burn_method (GObject   *object,
             GVariant  *parameters,
             gpointer   user_data,
             GError   **error)
{
  guint64 n;

  g_variant_get (parameters, "(t)", &n);
  return g_variant_new ("(ti)", burn (n), (gint32) getpid ());
}

static GVariant *
pid_method (GObject   *object,
            GVariant  *parameters,
            gpointer   user_data,
            GError   **error)
{
  return g_variant_new ("(i)", (gint32) getpid ());
}

static int
serve (void)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpListener) listener = pp_listener_new_for_parent (object, &error);

  if (listener == NULL)
    bench_fail ("worker: %s", error->message);
  pp_listener_add_method (listener, "burn", G_VARIANT_TYPE ("(t)"), G_VARIANT_TYPE ("(ti)"),
                          burn_method, NULL, NULL);
  pp_listener_add_method (listener, "pid", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE ("(i)"),
                          pid_method, NULL, NULL);
  pp_listener_run (listener);
  return 0;
}

/* The parent ----------------------------------------------------------------- */

static char *self_path;

static void
new_session (gpointer user_data)
{
  setsid ();
}

static void
setup_own_session (PpPool              *pool,
                   GSubprocessLauncher *launcher,
                   gpointer             user_data)
{
  g_subprocess_launcher_set_child_setup (launcher, new_session, NULL, NULL);
}

/* With @own_sessions, each worker in a session of its own, which autogroup
 * scheduling gives a share of its own */
static PpPool *
new_pool_full (guint    max_workers,
               gboolean own_sessions)
{
  const char * const argv[] = { self_path, "--worker", NULL };
  g_autoptr(PpPool) pool = pp_pool_new_for_subprocess (argv, NULL);
  g_autoptr(GError) error = NULL;

  if (own_sessions)
    g_signal_connect (pool, "setup-launcher", G_CALLBACK (setup_own_session), NULL);
  pp_pool_set_max_workers (pool, max_workers);
  if (!pp_pool_start_sync (pool, NULL, &error))
    bench_fail ("could not start the workers: %s", error->message);
  return g_steal_pointer (&pool);
}

static PpPool *
new_pool (guint max_workers)
{
  return new_pool_full (max_workers, FALSE);
}

typedef struct
{
  guint    n_done;
  guint64  expected;
  gint64   done_at;
  int      pid;
} Job;

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_pool_call_finish (PP_POOL (source), result, &error);
  guint64 x;

  if (value == NULL)
    bench_fail ("a job failed: %s", error->message);
  g_variant_get (value, "(ti)", &x, &job->pid);
  if (x != job->expected)
    bench_fail ("a job computed %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, x,
                job->expected);
  job->done_at = g_get_monotonic_time ();
  job->n_done++;
}

static void
wait_for (const guint *counter,
          guint        n)
{
  while (*counter < n)
    g_main_context_iteration (NULL, TRUE);
}

/* CPU time (user and system) the workers of @pool have used, in seconds,
 * from /proc/PID/stat */
static double
workers_cpu (PpPool *pool)
{
  GListModel *workers = pp_pool_get_workers (pool);
  double total = 0;

  for (guint i = 0; i < g_list_model_get_n_items (workers); i++)
    {
      g_autoptr(PpProxy) worker = g_list_model_get_item (workers, i);
      const char *pid = g_subprocess_get_identifier (pp_proxy_get_subprocess (worker));
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
      g_autofree char *text = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after_name;

      if (!g_file_get_contents (path, &text, NULL, NULL) ||
          (after_name = strrchr (text, ')')) == NULL)
        bench_fail ("cannot read %s", path);
      /* Fields 14 and 15 (utime, stime), counted from the state, field 3 */
      fields = g_strsplit (after_name + 2, " ", 0);
      if (g_strv_length (fields) < 13)
        bench_fail ("%s is too short", path);
      total += (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
               sysconf (_SC_CLK_TCK);
    }
  return total;
}

/* Seconds for @n_jobs jobs of @steps, all made at once, and the CPU
 * seconds the workers used meanwhile */
static double
run_batch (PpPool  *pool,
           guint    n_jobs,
           guint64  steps,
           guint64  expected,
           double  *cpu)
{
  Job job = { 0, expected, 0, 0 };
  double cpu_before = workers_cpu (pool);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n_jobs; i++)
    pp_pool_call_async (pool, "burn", g_variant_new ("(t)", steps), G_MAXINT, NULL, job_done,
                        &job);
  wait_for (&job.n_done, n_jobs);
  *cpu = workers_cpu (pool) - cpu_before;
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
thread_cpu_msec (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

/* How many steps of burn() take @msec here, undisturbed: the fastest of
 * several short runs, since on a busy (virtual) machine a run may be
 * preempted or its CPU stolen, which even its CPU time counts */
static guint64
calibrate (double msec)
{
  guint64 steps = 1 << 16;
  double best = G_MAXDOUBLE;

  for (;;)
    {
      double start = thread_cpu_msec ();
      volatile guint64 sink = burn (steps);

      (void) sink;
      if (thread_cpu_msec () - start > 5)
        break;
      steps *= 2;
    }
  for (int i = 0; i < 15; i++)
    {
      double start = thread_cpu_msec ();
      volatile guint64 sink = burn (steps);
      double took = thread_cpu_msec () - start;

      (void) sink;
      best = MIN (best, took);
    }
  return (guint64) (steps * msec / best);
}

/* Whether the kernel groups the processes of a session for scheduling, so
 * that the workers share their session's CPU share on a busy machine */
static gboolean
autogroup_enabled (void)
{
  g_autofree char *text = NULL;

  return g_file_get_contents ("/proc/sys/kernel/sched_autogroup_enabled", &text, NULL, NULL) &&
         text[0] == '1';
}

static void
cpu_rows (double steps_per_msec)
{
  double job_msec = quick ? 5 : 20;
  guint n_jobs = quick ? 8 : 40;
  guint64 steps = (guint64) (steps_per_msec * job_msec);
  guint64 expected = burn (steps);
  g_autofree double *one = g_new0 (double, reps);
  g_autofree double *two = g_new0 (double, reps);
  g_autofree double *one_cores = g_new0 (double, reps);
  g_autofree double *two_cores = g_new0 (double, reps);
  g_autofree double *own1 = g_new0 (double, reps);
  g_autofree double *own1_cores = g_new0 (double, reps);
  g_autofree double *own2 = g_new0 (double, reps);
  g_autofree double *own2_cores = g_new0 (double, reps);
  double cpu;
  g_autoptr(PpPool) pool1 = new_pool (1);
  g_autoptr(PpPool) pool2 = new_pool (2);
  g_autoptr(PpPool) pool1s = new_pool_full (1, TRUE);
  g_autoptr(PpPool) pool2s = new_pool_full (2, TRUE);
  double t1, t2, t1s, t2s, ratio;

  /* A warm-up of each, then alternately, so both see the same load */
  run_batch (pool1, 2, steps, expected, &cpu);
  run_batch (pool2, 2, steps, expected, &cpu);
  run_batch (pool1s, 2, steps, expected, &cpu);
  run_batch (pool2s, 2, steps, expected, &cpu);
  for (int r = 0; r < reps; r++)
    {
      one[r] = run_batch (pool1, n_jobs, steps, expected, &cpu);
      one_cores[r] = cpu / one[r];
      two[r] = run_batch (pool2, n_jobs, steps, expected, &cpu);
      two_cores[r] = cpu / two[r];
      own1[r] = run_batch (pool1s, n_jobs, steps, expected, &cpu);
      own1_cores[r] = cpu / own1[r];
      own2[r] = run_batch (pool2s, n_jobs, steps, expected, &cpu);
      own2_cores[r] = cpu / own2[r];
    }
  t1 = bench_median (one, reps);
  t2 = bench_median (two, reps);
  t1s = bench_median (own1, reps);
  t2s = bench_median (own2, reps);
  ratio = t1 / t2;

  printf ("CPU-bound jobs: %u jobs of %.0f ms of computing (%" G_GUINT64_FORMAT " steps), "
          "median of %d\n", n_jobs, job_msec, steps, reps);
  printf ("  %-10s %9.1f ms  %8.1f jobs/s  the workers got %.2f CPUs\n", "1 worker", t1 * 1e3,
          n_jobs / t1, bench_median (one_cores, reps));
  printf ("  %-10s %9.1f ms  %8.1f jobs/s  the workers got %.2f CPUs  %.2f× of 1 worker  "
          "target ≥ 1.8×  %s\n", "2 workers", t2 * 1e3, n_jobs / t2,
          bench_median (two_cores, reps), ratio, ratio >= 1.8 ? "PASS" : "MISS");
  printf ("each worker in a session of its own:\n");
  printf ("  %-10s %9.1f ms  %8.1f jobs/s  the workers got %.2f CPUs\n", "1 worker",
          t1s * 1e3, n_jobs / t1s, bench_median (own1_cores, reps));
  printf ("  %-10s %9.1f ms  %8.1f jobs/s  the workers got %.2f CPUs  %.2f× of 1 worker\n",
          "2 workers", t2s * 1e3, n_jobs / t2s, bench_median (own2_cores, reps), t1s / t2s);

  pp_pool_close (pool1);
  pp_pool_close (pool2);
  pp_pool_close (pool1s);
  pp_pool_close (pool2s);
}

/* 100 small calls made at once while one of two workers runs a long job */
typedef struct
{
  guint n_done;
  int   pids[100];
} Small;

static void
small_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Small *small = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_pool_call_finish (PP_POOL (source), result, &error);

  if (value == NULL)
    bench_fail ("a small call failed: %s", error->message);
  g_variant_get (value, "(i)", &small->pids[small->n_done++]);
}

/* How many of the small calls went to the busy worker, so waited behind
 * its long job while the other worker was free; @took_msec: the time for
 * all of them */
static guint
busy_run (guint    concurrent,
          guint64  long_steps,
          guint64  long_expected,
          double  *took_msec)
{
  g_autoptr(PpPool) pool = new_pool (2);
  g_autoptr(GListModel) workers = g_object_ref (pp_pool_get_workers (pool));
  Job busy = { 0, long_expected, 0, 0 };
  Small small = { 0 };
  guint waited = 0;
  int worker_pids[2];
  gint64 start;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(PpProxy) worker = g_list_model_get_item (workers, i);

      worker_pids[i] = atoi (g_subprocess_get_identifier (pp_proxy_get_subprocess (worker)));
    }

  pp_pool_set_concurrent_calls_per_worker (pool, concurrent);
  pp_pool_call_async (pool, "burn", g_variant_new ("(t)", long_steps), G_MAXINT, NULL, job_done,
                      &busy);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (small.pids); i++)
    pp_pool_call_async (pool, "pid", NULL, G_MAXINT, NULL, small_done, &small);
  wait_for (&small.n_done, G_N_ELEMENTS (small.pids));
  *took_msec = (g_get_monotonic_time () - start) / 1e3;
  wait_for (&busy.n_done, 1);

  for (guint i = 0; i < G_N_ELEMENTS (small.pids); i++)
    {
      if (small.pids[i] != worker_pids[0] && small.pids[i] != worker_pids[1])
        bench_fail ("a call was answered by %d, not a worker", small.pids[i]);
      if (small.pids[i] == busy.pid)
        waited++;
    }
  pp_pool_close (pool);
  return waited;
}

static void
busy_rows (double steps_per_msec)
{
  double long_msec = quick ? 300 : 1000;
  guint64 long_steps = (guint64) (steps_per_msec * long_msec);
  guint64 long_expected = burn (long_steps);
  double took_queue, took_at_once;
  guint waited_queue, waited_at_once;

  waited_queue = busy_run (1, long_steps, long_expected, &took_queue);
  waited_at_once = busy_run (100, long_steps, long_expected, &took_at_once);

  printf ("\n100 small calls made at once while one of 2 workers runs a %.0f ms job\n",
          long_msec);
  printf ("  %-38s %3u of 100 waited behind the busy worker, all done in %7.1f ms  "
          "target 0  %s\n", "queue (concurrent-calls-per-worker 1)", waited_queue, took_queue,
          waited_queue == 0 ? "PASS" : "MISS");
  printf ("  %-38s %3u of 100 waited behind the busy worker, all done in %7.1f ms\n",
          "least busy at once (… 100)", waited_at_once, took_at_once);
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A short run, for a smoke test", NULL },
    { "reps", 'r', 0, G_OPTION_ARG_INT, &reps, "Repetitions (default 5, 1 with --quick)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *load_before = NULL;
  g_autofree char *load_after = NULL;
  double steps_per_msec;

  bench_set_name ("pp-bench-pool");

  if (argc > 1 && g_str_equal (argv[1], "--worker"))
    return serve ();

  context = g_option_context_new ("— what a pool of workers gains");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_fail ("%s", error->message);
  if (reps <= 0)
    reps = quick ? 1 : 5;
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL)
    bench_fail ("cannot find this program");

  load_before = bench_load_average ();
  printf ("pipeproxy %s pool benchmark, %s mode; %d CPUs (nproc), load average %s\n\n",
          PP_VERSION_S, quick ? "quick" : "full", g_get_num_processors (), load_before);
  steps_per_msec = calibrate (1.0);
  cpu_rows (steps_per_msec);
  busy_rows (steps_per_msec);
  load_after = bench_load_average ();
  printf ("\nload average at the end %s\n", load_after);
  if (autogroup_enabled () && g_ascii_strtod (load_before, NULL) > g_get_num_processors ())
    printf ("note: the machine is busier than its CPUs and the kernel's autogroup scheduling "
            "is on: this\nsession's processes share one session's part of the CPUs, so a "
            "second worker adds little\nCPU (\"the workers got\") unless it runs in a session "
            "of its own; on an idle machine\neach worker gets a CPU.\n");
  g_free (self_path);
  return 0;
}
