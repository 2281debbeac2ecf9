/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench-spawn: what starting a worker costs, against starting a bare
 * GLib program, measured in one run.
 *
 *   pp-bench-spawn [--quick] [--reps N]
 *
 * Each repetition starts every program below once, in turn (in an order
 * that rotates from one repetition to the next, so that load from elsewhere
 * on a shared machine hits them alike), after one warm-up start of each:
 *
 *  - the baseline: pp-bench-spawn-bare, a C program linked with GLib alone
 *    that runs its main loop once and exits, started with
 *    g_subprocess_launcher_spawnv() and waited for;
 *  - the same program linked with GIO too, as every program using the
 *    library is (pp-bench-spawn-gio), which makes a GIO object and exits;
 *  - a C worker: this program with --worker, which serves an object with
 *    one method, `ping (i)` → (i), through pp_listener_new_for_parent(),
 *    started with pp_proxy_new_for_subprocess_sync() and called once;
 *  - the same program with --exit, which exits before it makes its
 *    listener: what loading the program and its libraries costs;
 *  - a Python worker: Debian's /usr/bin/python3 serving the same method
 *    with @Pp.method and Pp.serve_parent(), the override introspection/Pp.py
 *    of the source tree and the typelib of the build tree (byte code cached
 *    in the build tree, as an installed override has it);
 *  - a GJS worker: bench/pp-bench-gjs.js --role=worker, the same method
 *    through Pipeproxy.serveParent() of introspection/pipeproxy.js;
 *  - and, to compare the two, a python3 that imports gi and GLib and a gjs
 *    that imports GLib, each exiting at once.
 *
 * "to reply" is the time from the start of the spawn to the first reply
 * (for a program that exits, to its end being seen); "to exit" adds
 * closing the proxy and waiting for the worker's exit. Children's CPU time
 * and minor page faults (RUSAGE_CHILDREN), per start, do not depend on the
 * load of the machine the way the wall time does. Every reply is checked.
 *
 * The target (issue 14: the C worker's first reply within 1.3× of the bare
 * program) is printed as PASS or MISS, never asserted: --quick runs as the
 * test bench-spawn-smoke, for correctness only. The Python and GJS rows are
 * left out, with a note, where the interpreter or the typelib is missing.
 *
 * Every program that uses the library links GIO, and loading the C
 * worker's own program (the row that exits before it serves) already costs
 * about 1.5× the bare program: that row is the C worker's load floor, the
 * least any worker could cost. So each row is also given against the GIO
 * program and against its floor (the C worker's own program exiting; for
 * Python and GJS, the interpreter importing GLib and exiting), and what
 * pipeproxy itself adds to each worker's start is printed apart: worker
 * minus floor, in wall time, children's CPU time and page faults.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

#define PYTHON "/usr/bin/python3"

/* The Python worker: argv[1] is the directory of the override */
static const char python_worker[] =
  "import sys\n"
  "import gi\n"
  "import gi.overrides\n"
  "gi.overrides.__path__.insert(0, sys.argv[1])\n"
  "gi.require_version('Pp', '1.0')\n"
  "from gi.repository import GObject, Pp\n"
  "class Worker(GObject.Object):\n"
  "    @Pp.method(in_signature='i', out_signature='i')\n"
  "    def ping(self, value):\n"
  "        return value\n"
  "Pp.serve_parent(Worker())\n";

static const char python_bare[] = "import gi\nfrom gi.repository import GLib\n";
static const char gjs_bare[] = "imports.gi.GLib";

/* The worker ------------------------------------------------------------------ */

static GVariant *
ping_method (GObject   *object,
             GVariant  *parameters,
             gpointer   user_data,
             GError   **error)
{
  return g_variant_ref (parameters);
}

static int
serve (void)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpListener) listener = pp_listener_new_for_parent (object, &error);

  if (listener == NULL)
    bench_fail ("worker: %s", error->message);
  pp_listener_add_method (listener, "ping", G_VARIANT_TYPE ("(i)"), G_VARIANT_TYPE ("(i)"),
                          ping_method, NULL, NULL);
  pp_listener_run (listener);
  return 0;
}

/* The parent ----------------------------------------------------------------- */

typedef struct _System
{
  const char  *name;
  char       **argv;
  /* Serves `ping`, rather than exiting */
  gboolean     worker;
  /* What the same start costs without serving: the row to subtract */
  struct _System *floor;
  /* Per repetition, in ms, and per start */
  double      *to_reply;
  double      *to_exit;
  double      *cpu;
  double      *faults;
  /* Worker minus floor, per repetition */
  double      *added_to_reply;
  double      *added_cpu;
  double      *added_faults;
  double       median_to_reply;
} System;

typedef struct
{
  double cpu_msec;
  long   faults;
} Usage;

static Usage
children_usage (void)
{
  struct rusage usage;
  Usage result;

  getrusage (RUSAGE_CHILDREN, &usage);
  result.cpu_msec = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  result.faults = usage.ru_minflt;
  return result;
}

/* Starts @system once; the times in ms to its first reply (or its exit)
 * and to its exit. Workers start as a program would start them, with the
 * library's default launcher. */
static void
start_once (System *system,
            gint32  k,
            double *to_reply,
            double *to_exit)
{
  const char * const *argv = (const char * const *) system->argv;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0 = bench_now_ns ();

  if (system->worker)
    {
      g_autoptr(PpProxy) proxy = NULL;
      g_autoptr(GVariant) reply = NULL;
      gint32 got;

      proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
      if (proxy == NULL)
        bench_fail ("%s: could not start it: %s", system->name, error->message);
      reply = pp_proxy_call_sync (proxy, "ping", g_variant_new ("(i)", k), -1, NULL, &error);
      if (reply == NULL)
        bench_fail ("%s: ping: %s", system->name, error->message);
      *to_reply = (bench_now_ns () - t0) / 1e6;
      g_variant_get (reply, "(i)", &got);
      if (got != k)
        bench_fail ("%s: ping (%d) gave %d", system->name, k, got);
      subprocess = g_object_ref (pp_proxy_get_subprocess (proxy));
      pp_proxy_close (proxy);
    }
  else
    {
      subprocess = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
      if (subprocess == NULL)
        bench_fail ("%s: could not start it: %s", system->name, error->message);
    }
  if (!g_subprocess_wait_check (subprocess, NULL, &error))
    bench_fail ("%s: %s", system->name, error->message);
  *to_exit = (bench_now_ns () - t0) / 1e6;
  if (!system->worker)
    *to_reply = *to_exit;
}

static void
prepend_path (const char *variable,
              const char *dir)
{
  const char *old = g_getenv (variable);
  g_autofree char *value = old != NULL && *old != '\0'
                             ? g_strconcat (dir, ":", old, NULL) : g_strdup (dir);

  g_setenv (variable, value, TRUE);
}

/* Whether @argv runs and exits with 0, quietly */
static gboolean
runs (const char * const *argv)
{
  g_autoptr(GSubprocess) subprocess = g_subprocess_newv (argv,
                                                         G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                         G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                                         NULL);

  return subprocess != NULL && g_subprocess_wait_check (subprocess, NULL, NULL);
}

static System *
add_system (GPtrArray  *systems,
            const char *name,
            gboolean    worker,
            int         reps,
            ...)
{
  System *system = g_new0 (System, 1);
  GPtrArray *argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  va_start (args, reps);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  system->name = name;
  system->argv = (char **) g_ptr_array_free (argv, FALSE);
  system->worker = worker;
  system->to_reply = g_new0 (double, reps);
  system->to_exit = g_new0 (double, reps);
  system->cpu = g_new0 (double, reps);
  system->faults = g_new0 (double, reps);
  g_ptr_array_add (systems, system);
  return system;
}

static void
system_free (gpointer data)
{
  System *system = data;

  g_strfreev (system->argv);
  g_free (system->to_reply);
  g_free (system->to_exit);
  g_free (system->cpu);
  g_free (system->faults);
  g_free (system->added_to_reply);
  g_free (system->added_cpu);
  g_free (system->added_faults);
  g_free (system);
}

static double
minimum (const double *values,
         int           n)
{
  double m = values[0];

  for (int i = 1; i < n; i++)
    m = MIN (m, values[i]);
  return m;
}

static double
maximum (const double *values,
         int           n)
{
  double m = values[0];

  for (int i = 1; i < n; i++)
    m = MAX (m, values[i]);
  return m;
}

int
main (int   argc,
      char *argv[])
{
  gboolean quick = FALSE;
  int reps = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Two repetitions, for a smoke test", NULL },
    { "reps", 'r', 0, G_OPTION_ARG_INT, &reps, "Repetitions after the warm-up (default 21)",
      "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) systems = g_ptr_array_new_with_free_func (system_free);
  g_autoptr(GString) notes = g_string_new (NULL);
  g_autofree char *self = NULL;
  g_autofree char *bare = NULL;
  g_autofree char *gio = NULL;
  g_autofree char *gjs = NULL;
  g_autofree char *load_before = NULL;
  g_autofree char *load_after = NULL;
  const char *typelib = PP_BENCH_BUILD_ROOT "/introspection/Pp-1.0.typelib";
  const char *overrides = PP_BENCH_SOURCE_ROOT "/introspection";
  const char *gjs_worker = PP_BENCH_SOURCE_ROOT "/bench/pp-bench-gjs.js";
  System *baseline, *gio_program, *c_worker;
  System *worker = NULL;
  double base, base_cpu, base_gio;
  gint32 k = 0;

  bench_set_name ("pp-bench-spawn");

  if (argc > 1 && g_str_equal (argv[1], "--worker"))
    return serve ();
  if (argc > 1 && g_str_equal (argv[1], "--exit"))
    return 0;

  context = g_option_context_new ("— starting a worker against starting a bare GLib program");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_fail ("%s", error->message);
  if (reps <= 0)
    reps = quick ? 2 : 21;

  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    bench_fail ("cannot find this program");
  bare = g_build_filename (PP_BENCH_BUILD_ROOT, "bench", "pp-bench-spawn-bare", NULL);
  gio = g_build_filename (PP_BENCH_BUILD_ROOT, "bench", "pp-bench-spawn-gio", NULL);

  /* The children's environment: the build tree's typelib and library
   * (before any thread exists, as setenv() wants) */
  prepend_path ("GI_TYPELIB_PATH", PP_BENCH_BUILD_ROOT "/introspection");
  prepend_path ("LD_LIBRARY_PATH", PP_BENCH_BUILD_ROOT "/pipeproxy");
  g_setenv ("PYTHONPYCACHEPREFIX", PP_BENCH_BUILD_ROOT "/bench/pycache", TRUE);
  g_unsetenv ("PYTHONDONTWRITEBYTECODE");

  baseline = add_system (systems, "bare GLib program", FALSE, reps, bare, NULL);
  gio_program = add_system (systems, "GLib + GIO program", FALSE, reps, gio, NULL);
  c_worker = add_system (systems, "C worker", TRUE, reps, self, "--worker", NULL);
  c_worker->floor = add_system (systems, "C worker, exits", FALSE, reps, self, "--exit", NULL);

  if (!g_file_test (typelib, G_FILE_TEST_EXISTS))
    g_string_append_printf (notes, "no Python and GJS rows: no %s (build with "
                            "-Dintrospection=enabled)\n", typelib);
  else
    {
      const char * const python_probe[] = { PYTHON, "-c", python_bare, NULL };

      if (runs (python_probe))
        {
          worker = add_system (systems, "Python worker", TRUE, reps, PYTHON, "-c", python_worker,
                               overrides, NULL);
          worker->floor = add_system (systems, "python3 + gi, exits", FALSE, reps, PYTHON, "-c",
                                      python_bare, NULL);
        }
      else
        g_string_append (notes, "no Python rows: " PYTHON " cannot import gi (python3-gi)\n");

      gjs = g_find_program_in_path ("gjs");
      if (gjs != NULL)
        {
          worker = add_system (systems, "GJS worker", TRUE, reps, gjs, "-m", gjs_worker,
                               "--role=worker", NULL);
          worker->floor = add_system (systems, "gjs, exits", FALSE, reps, gjs, "-c", gjs_bare,
                                      NULL);
        }
      else
        g_string_append (notes, "no GJS rows: no gjs on PATH\n");
    }

  load_before = bench_load_average ();

  /* A warm-up start of each (files into the page cache, byte code into
   * its cache), then the repetitions, in turns */
  for (guint i = 0; i < systems->len; i++)
    {
      double to_reply, to_exit;

      start_once (g_ptr_array_index (systems, i), ++k, &to_reply, &to_exit);
    }
  for (int r = 0; r < reps; r++)
    for (guint i = 0; i < systems->len; i++)
      {
        System *system = g_ptr_array_index (systems, (i + r) % systems->len);
        Usage before = children_usage (), after;

        start_once (system, ++k, &system->to_reply[r], &system->to_exit[r]);
        after = children_usage ();
        system->cpu[r] = after.cpu_msec - before.cpu_msec;
        system->faults[r] = after.faults - before.faults;
      }
  load_after = bench_load_average ();

  /* What each worker adds to its floor, paired by repetition (the two
   * ran one after the other), before the medians sort the values */
  for (guint i = 0; i < systems->len; i++)
    {
      System *system = g_ptr_array_index (systems, i);

      if (system->floor == NULL)
        continue;
      system->added_to_reply = g_new0 (double, reps);
      system->added_cpu = g_new0 (double, reps);
      system->added_faults = g_new0 (double, reps);
      for (int r = 0; r < reps; r++)
        {
          system->added_to_reply[r] = system->to_reply[r] - system->floor->to_reply[r];
          system->added_cpu[r] = system->cpu[r] - system->floor->cpu[r];
          system->added_faults[r] = system->faults[r] - system->floor->faults[r];
        }
    }

  printf ("pipeproxy %s benchmark, starting workers, %s mode: median of %d repetitions after "
          "a warm-up [min – max]\n", PP_VERSION_S, quick ? "quick" : "full", reps);
  printf ("machine  %d CPUs (nproc), GLib %u.%u.%u, load average %s at the start, %s at the "
          "end\n\n", g_get_num_processors (), glib_major_version, glib_minor_version,
          glib_micro_version, load_before, load_after);
  printf ("%-22s %9s  %-17s %9s  %9s  %7s  %7s  %7s  %7s  %7s\n", "system", "to reply",
          "[min – max] ms", "to exit", "children", "CPU", "faults", "to reply", "to reply",
          "to reply");
  printf ("%-22s %9s  %-17s %9s  %9s  %7s  %7s  %7s  %7s  %7s\n", "", "ms", "", "ms", "CPU ms",
          "×bare", "", "×bare", "×GIO", "×floor");

  base = bench_median (baseline->to_reply, reps);
  base_cpu = bench_median (baseline->cpu, reps);
  base_gio = bench_median (gio_program->to_reply, reps);
  for (guint i = 0; i < systems->len; i++)
    {
      System *system = g_ptr_array_index (systems, i);
      g_autofree char *range = g_strdup_printf ("[%.1f – %.1f]", minimum (system->to_reply, reps),
                                                maximum (system->to_reply, reps));
      double to_reply = bench_median (system->to_reply, reps);
      double cpu = bench_median (system->cpu, reps);

      system->median_to_reply = to_reply;
      printf ("%-22s %9.1f  %-17s %9.1f  %9.1f  %7.2f  %7.0f  %7.2f  %7.2f", system->name,
              to_reply, range, bench_median (system->to_exit, reps), cpu, cpu / base_cpu,
              bench_median (system->faults, reps), to_reply / base, to_reply / base_gio);
      if (system->floor != NULL)
        printf ("  %7.2f", to_reply / bench_median (system->floor->to_reply, reps));
      printf ("\n");
    }

  printf ("\ntarget (issue 14, as written): the C worker's first reply within 1.3× of the bare "
          "GLib program:\n  %.2f× %s (%.2f× the GLib + GIO program; %.2f× its own program "
          "exiting, its load floor)\n", c_worker->median_to_reply / base,
          c_worker->median_to_reply / base <= 1.3 ? "PASS" : "MISS",
          c_worker->median_to_reply / base_gio,
          c_worker->median_to_reply / c_worker->floor->median_to_reply);
  printf ("\nwhat pipeproxy itself adds to a worker's start (the worker minus its floor, paired "
          "by repetition):\n");
  printf ("%-22s %9s  %9s  %7s  %s\n", "worker", "to reply", "CPU", "faults", "floor");
  printf ("%-22s %9s  %9s  %7s\n", "", "+ms", "+ms", "+");
  for (guint i = 0; i < systems->len; i++)
    {
      System *system = g_ptr_array_index (systems, i);

      if (system->floor == NULL)
        continue;
      printf ("%-22s %9.1f  %9.1f  %7.0f  %s\n", system->name,
              bench_median (system->added_to_reply, reps), bench_median (system->added_cpu, reps),
              bench_median (system->added_faults, reps), system->floor->name);
    }

  printf ("\nto reply: from the spawn to the first reply of ping (i) (programs that exit: "
          "to their end seen);\nto exit: to the worker's exit after closing the proxy; "
          "children CPU ms and faults:\nuser + system time and minor page faults of the "
          "waited-for children (RUSAGE_CHILDREN), per start, which\nthe load of the machine "
          "changes less than the wall time. ×floor: against the same start without serving\n"
          "(the C worker's program exiting before it makes its listener; the interpreter "
          "importing GLib).\n");
  if (notes->len > 0)
    printf ("\n%s", notes->str);
  return EXIT_SUCCESS;
}
