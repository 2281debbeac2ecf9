/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench-progress: how soon a signal emitted inside a running method
 * reaches the caller in another process.
 *
 *   pp-bench-progress [--quick] [--reps N]
 *
 * The worker is this program, started with --worker: an object with the
 * signal ::progress (step, emitted), emitted stamps the monotonic clock
 * (shared by all processes), and two synchronous methods:
 *
 *  - `progress (u n, u msec, u work)` → (x): emits ::progress n times,
 *    sleeping msec before each, works (sleeps) for work ms, and returns
 *    the time it returns at. Latency is the time from emission to the
 *    caller's handler; "reply after last" is how long after the last
 *    signal's handler the reply came. With signals 1 ms apart and then
 *    300 ms of work, the second signal follows the first within the 5 ms
 *    in which output waits for more: it comes that late at most, not with
 *    the reply.
 *  - `burst (u n)` → (x): emits ::progress n times back to back. What the
 *    caller sees: how long the n signals and the reply took in all, and
 *    the latency of the signals, which the batching of output bounds.
 *
 * Figures are printed with the load average, never asserted: `--quick`
 * runs as the test `bench-progress-smoke`, which checks that every signal
 * came, in order, before its reply.
 */

#include <stdio.h>
#include <stdlib.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

static gboolean quick;
static int reps;

/* The worker ------------------------------------------------------------------ */

#define BENCH_TYPE_WORK (bench_work_get_type ())
G_DECLARE_FINAL_TYPE (BenchWork, bench_work, BENCH, WORK, GObject)

struct _BenchWork
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchWork, bench_work, G_TYPE_OBJECT)

static guint progress_signal;

static void
bench_work_class_init (BenchWorkClass *klass)
{
  progress_signal = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                  G_TYPE_INT, G_TYPE_INT64);
}

static void
bench_work_init (BenchWork *self)
{
}

static GVariant *
progress_method (GObject   *object,
                 GVariant  *parameters,
                 gpointer   user_data,
                 GError   **error)
{
  guint32 n, msec, work;

  g_variant_get (parameters, "(uuu)", &n, &msec, &work);
  for (guint32 i = 0; i < n; i++)
    {
      g_usleep ((gulong) msec * 1000);
      g_signal_emit (object, progress_signal, 0, (int) i, g_get_monotonic_time ());
    }
  g_usleep ((gulong) work * 1000);
  return g_variant_new ("(x)", g_get_monotonic_time ());
}

static GVariant *
burst_method (GObject   *object,
              GVariant  *parameters,
              gpointer   user_data,
              GError   **error)
{
  guint32 n;

  g_variant_get (parameters, "(u)", &n);
  for (guint32 i = 0; i < n; i++)
    g_signal_emit (object, progress_signal, 0, (int) i, g_get_monotonic_time ());
  return g_variant_new ("(x)", g_get_monotonic_time ());
}

static int
serve (void)
{
  g_autoptr(GObject) object = g_object_new (BENCH_TYPE_WORK, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpListener) listener = pp_listener_new_for_parent (object, &error);

  if (listener == NULL)
    bench_fail ("worker: %s", error->message);
  pp_listener_add_method (listener, "progress", G_VARIANT_TYPE ("(uuu)"), G_VARIANT_TYPE ("(x)"),
                          progress_method, NULL, NULL);
  pp_listener_add_method (listener, "burst", G_VARIANT_TYPE ("(u)"), G_VARIANT_TYPE ("(x)"),
                          burst_method, NULL, NULL);
  pp_listener_run (listener);
  return 0;
}

/* The parent ----------------------------------------------------------------- */

typedef struct
{
  guint    n_expected;
  guint    n_seen;
  gint64   start;        /* when the call was made */
  gint64  *arrived;      /* by step: when its handler ran */
  gint64  *latency;      /* by step: arrived - emitted */
  gint64   replied;      /* when the reply's callback ran */
  gboolean done;
} Run;

static void
on_progress (PpProxy *proxy,
             int      step,
             gint64   emitted,
             Run     *run)
{
  gint64 now = g_get_monotonic_time ();

  if (run->done)
    bench_fail ("a signal came after its method's reply");
  if (step != (int) run->n_seen || run->n_seen >= run->n_expected)
    bench_fail ("signal %d came as number %u", step, run->n_seen);
  run->arrived[step] = now;
  run->latency[step] = now - emitted;
  run->n_seen++;
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  if (value == NULL)
    bench_fail ("%s", error->message);
  run->replied = g_get_monotonic_time ();
  run->done = TRUE;
}

static void
run_call (PpProxy    *proxy,
          Run        *run,
          const char *method,
          GVariant   *parameters,
          guint       n)
{
  run->n_expected = n;
  run->n_seen = 0;
  run->done = FALSE;
  run->arrived = g_new0 (gint64, n);
  run->latency = g_new0 (gint64, n);
  run->start = g_get_monotonic_time ();
  pp_proxy_call_async (proxy, method, parameters, -1, NULL, call_done, run);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
  if (run->n_seen != n)
    bench_fail ("%u of %u signals came before the reply", run->n_seen, n);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->arrived, g_free);
  g_clear_pointer (&run->latency, g_free);
}

static int
compare_int64 (const void *a,
               const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_latencies (const char *label,
                 GArray     *values)
{
  gint64 *v = &g_array_index (values, gint64, 0);
  guint n = values->len;

  qsort (v, n, sizeof (gint64), compare_int64);
  printf ("  %-30s min %8.3f  median %8.3f  p90 %8.3f  max %8.3f ms  (%u)\n", label,
          v[0] / 1000.0, v[n / 2] / 1000.0, v[n * 9 / 10] / 1000.0, v[n - 1] / 1000.0, n);
}

/* The run under way, which ::progress is connected to once */
static Run current;

static void
progress_rows (PpProxy    *proxy,
               const char *title,
               guint       n,
               guint       msec,
               guint       work)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) after_last = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) arrivals = g_string_new (NULL);

  printf ("%s, %d runs:\n", title, reps);
  for (int r = 0; r < reps; r++)
    {
      run_call (proxy, &current, "progress", g_variant_new ("(uuu)", n, msec, work), n);
      g_array_append_vals (latencies, current.latency, n);
      g_array_append_val (after_last, (gint64) { current.replied - current.arrived[n - 1] });
      if (r == 0)
        {
          for (guint i = 0; i < n; i++)
            g_string_append_printf (arrivals, " %.1f",
                                    (current.arrived[i] - current.start) / 1000.0);
          g_string_append_printf (arrivals, "; reply %.1f",
                                  (current.replied - current.start) / 1000.0);
        }
      run_clear (&current);
    }
  printf ("  first run, ms after the call:  %s\n", arrivals->str);
  print_latencies ("signal latency", latencies);
  print_latencies ("reply after last signal", after_last);
}

static void
burst_rows (PpProxy *proxy)
{
  guint n = quick ? 1000 : 20000;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) totals = g_array_new (FALSE, FALSE, sizeof (gint64));

  printf ("\nA method emitting %u signals back to back, %d runs:\n", n, reps);
  for (int r = 0; r < reps; r++)
    {
      run_call (proxy, &current, "burst", g_variant_new ("(u)", n), n);
      g_array_append_vals (latencies, current.latency, n);
      g_array_append_val (totals, (gint64) { current.replied - current.start });
      run_clear (&current);
    }
  print_latencies ("signal latency", latencies);
  print_latencies ("call to reply", totals);
  printf ("  %-30s %.0f signals/s (median run)\n", "",
          n / (g_array_index (totals, gint64, totals->len / 2) / 1e6));
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
  g_autoptr(PpProxy) proxy = NULL;
  g_autofree char *self_path = NULL;
  g_autofree char *load_before = NULL;
  g_autofree char *load_after = NULL;

  bench_set_name ("pp-bench-progress");

  if (argc > 1 && g_str_equal (argv[1], "--worker"))
    return serve ();

  context = g_option_context_new ("— how soon a running method's signals arrive");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_fail ("%s", error->message);
  if (reps <= 0)
    reps = quick ? 1 : 5;
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL)
    bench_fail ("cannot find this program");

  {
    const char * const worker_argv[] = { self_path, "--worker", NULL };

    proxy = pp_proxy_new_for_subprocess_sync (NULL, worker_argv, NULL, NULL, &error);
    if (proxy == NULL)
      bench_fail ("could not start the worker: %s", error->message);
  }

  load_before = bench_load_average ();
  printf ("pipeproxy %s progress benchmark, %s mode; %d CPUs (nproc), load average %s\n\n",
          PP_VERSION_S, quick ? "quick" : "full", g_get_num_processors (), load_before);

  g_signal_connect (proxy, "progress", G_CALLBACK (on_progress), &current);
  progress_rows (proxy, "A method emitting a signal every 50 ms for 300 ms", 6, 50, 0);
  printf ("\n");
  progress_rows (proxy, "A method emitting two signals 1 ms apart, then working 300 ms", 2, 1,
                 300);
  burst_rows (proxy);
  load_after = bench_load_average ();
  printf ("\nload average at the end %s\n", load_after);
  return 0;
}
