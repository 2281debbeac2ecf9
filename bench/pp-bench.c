/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench: pipeproxy against the raw limit and against GDBus, in one run.
 *
 *   pp-bench [--quick] [--json FILE] [--only GROUP,…] [--reps N]
 *
 * Every measurement runs in two processes of its own: a client
 * (--role=client, or --role=memory for the memory figures), which spawns
 * its server (--role=server); the process started by the user only hands
 * out the work, collects the figures and prints them. Three systems do the
 * same work:
 *
 *  - raw: 16-byte blocking ping-pong over a socket pair or two pipes, the
 *    limit of what the kernel and the machine allow;
 *  - GDBus peer-to-peer: a GDBusConnection over a socket pair (EXTERNAL
 *    authentication, a GUID) with a registered object;
 *  - pipeproxy: a BenchObject served by a PpListener, called through a
 *    PpProxy.
 *
 * Every result is checked (echoed integers, sums, sequence numbers, a full
 * memcmp of every bulk payload), so a fast wrong answer fails the run. A
 * separate control channel (a SOCK_SEQPACKET pair) lets the client ask the
 * child for its own memory figures and hand it new connections; it carries
 * nothing of the measured traffic.
 *
 * Targets are printed as PASS or MISS, never asserted: `--quick` runs as the
 * test `bench-smoke` for correctness only.
 */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pp-bench.h"

/* Measurement --------------------------------------------------------------------- */

Config config;

GPtrArray *results;

static gint64
work_sync (Client     *c,
           const Work *work,
           gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  for (guint i = 0; i < work->n; i++)
    client_call_int (c, (*counter)++);
  return bench_now_ns () - t0;
}

static gint64
work_async (Client     *c,
            const Work *work,
            gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  client_async (c, work->n, work->depth, *counter);
  *counter += work->n;
  return bench_now_ns () - t0;
}

static gint64
work_echo (Client     *c,
           const Work *work,
           gint32     *counter)
{
  gint64 total = 0;

  for (guint i = 0; i < work->n; i++)
    {
      /* A different payload each call: a stale answer cannot match. */
      guint64 seq = (guint64) (*counter)++;

      memcpy (work->payload, &seq, MIN (sizeof seq, work->size));
      total += client_echo_bytes (c, work->payload, work->size);
    }
  return total;
}

static gint64
work_signals (Client     *c,
              const Work *work,
              gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  client_signals (c, work->n, work->batch);
  return bench_now_ns () - t0;
}

static gint64
work_notify (Client     *c,
             const Work *work,
             gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  client_notify (c, work->n, work->batch, counter);
  return bench_now_ns () - t0;
}

static gint64
work_handshake (Client     *c,
                const Work *work,
                gint32     *counter)
{
  gint64 total = 0;

  for (guint i = 0; i < work->n; i++)
    {
      Handle handle = { 0 };

      total += client_new_handle (c, &handle);
      handle_clear (&handle);
    }
  return total;
}

static gboolean
group_selected (const char *group)
{
  return config.only == NULL || g_strv_contains ((const char * const *) config.only, group);
}

gboolean
system_selected (SystemKind kind)
{
  return config.systems == NULL ||
         g_strv_contains ((const char * const *) config.systems, system_arg (kind));
}

/* Progress goes to stderr, byte for byte (g_printerr() would turn UTF-8
 * into '?' in the C locale). */
void
progress_begin (const char *row,
                const char *system)
{
  g_autoptr(GString) line = g_string_new ("  ");
  int pad = 26 - (int) g_utf8_strlen (row, -1);

  g_string_append (line, row);
  for (int i = 0; i < MAX (pad, 1); i++)
    g_string_append_c (line, ' ');
  g_string_append_printf (line, "%-16s", system);
  fputs (line->str, stderr);
  fflush (stderr);
}

static WorkFunc
work_func_for_group (const char *group)
{
  static const struct
  {
    const char *group;
    WorkFunc    func;
  } funcs[] = {
    { "sync", work_sync },
    { "async", work_async },
    { "echo", work_echo },
    { "signals", work_signals },
    { "notify", work_notify },
    { "handshake", work_handshake },
  };

  for (guint i = 0; i < G_N_ELEMENTS (funcs); i++)
    if (g_strcmp0 (funcs[i].group, group) == 0)
      return funcs[i].func;
  bench_fail ("unknown group %s", group);
}

/* --role=client: one contender of one row, in a process of its own so that
 * its peak RSS is its own. Commands on stdin, one answer line each on
 * stdout:
 *   warmup  →  "ok"
 *   rep     →  "NANOSECONDS PEAK_RSS_KIB CLIENT_FAULTS SERVER_FAULTS" (the peak
 *              reset before the rep; minor page faults during the rep)
 *   close   →  "SERVER_PEAK_RSS_KIB", then the process exits */
static int
run_client_role (SystemKind  kind,
                 Transport   transport,
                 const char *group,
                 Work       *work)
{
  WorkFunc func = work_func_for_group (group);
  g_autofree guint8 *payload = NULL;
  char line[64];
  gint32 counter = 1;
  Client *c;

  bench_set_name ("pp-bench (client worker)");
  if (work->size > 0)
    {
      payload = g_malloc (work->size);
      fill_pattern (payload, work->size, 42 + work->size);
      work->payload = payload;
    }

  c = client_open (kind, transport);
  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_strchomp (line);
      if (g_str_equal (line, "warmup"))
        {
          func (c, work, &counter);
          printf ("ok\n");
        }
      else if (g_str_equal (line, "rep"))
        {
          const char *child = g_subprocess_get_identifier (c->child);
          long faults = bench_minor_faults ("self"), child_faults = bench_minor_faults (child);
          gint64 ns;

          reset_peak_rss ();
          ns = func (c, work, &counter);
          printf ("%" G_GINT64_FORMAT " %ld %ld %ld\n", ns, status_kb ("VmHWM"),
                  bench_minor_faults ("self") - faults, bench_minor_faults (child) - child_faults);
        }
      else if (g_str_equal (line, "close"))
        {
          long server_peak = -1;

          client_close (c, &server_peak);
          printf ("%ld\n", server_peak);
          fflush (stdout);
          return EXIT_SUCCESS;
        }
      else
        bench_fail ("unknown command \"%s\"", line);
      fflush (stdout);
    }
  bench_fail ("the main process went away");
}

typedef struct
{
  GSubprocess      *process;
  GOutputStream    *in;
  GDataInputStream *out;
  SystemKind        kind;
  Transport         transport;
} Worker;

static Worker *
worker_start (const Contender *contender,
              const char      *group,
              const Work      *work)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  Worker *w = g_new0 (Worker, 1);

  w->kind = contender->kind;
  w->transport = contender->transport;
  g_ptr_array_add (args, g_strdup (self_exe));
  g_ptr_array_add (args, g_strdup ("--role=client"));
  g_ptr_array_add (args, g_strdup_printf ("--system=%s", system_arg (contender->kind)));
  g_ptr_array_add (args, g_strdup_printf ("--transport=%s", transport_arg (contender->transport)));
  g_ptr_array_add (args, g_strdup_printf ("--what=%s", group));
  g_ptr_array_add (args, g_strdup_printf ("--calls=%u", work->n));
  g_ptr_array_add (args, g_strdup_printf ("--depth=%u", work->depth));
  g_ptr_array_add (args, g_strdup_printf ("--size=%" G_GSIZE_FORMAT, work->size));
  g_ptr_array_add (args, g_strdup_printf ("--batch=%u", work->batch));
  g_ptr_array_add (args, NULL);

  w->process = g_subprocess_newv ((const char * const *) args->pdata,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                  &error);
  CHECK_NO_ERROR (error, "spawning a client worker");
  w->in = g_subprocess_get_stdin_pipe (w->process);
  w->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (w->process));
  return w;
}

static char *
worker_ask (Worker     *w,
            const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strconcat (command, "\n", NULL);
  char *answer;

  g_output_stream_write_all (w->in, line, strlen (line), NULL, NULL, &error);
  CHECK_NO_ERROR (error, "the client worker");
  answer = g_data_input_stream_read_line (w->out, NULL, NULL, &error);
  CHECK_NO_ERROR (error, "the client worker");
  CHECK (answer != NULL, "the client worker (%s) failed",
         system_label (w->kind, w->transport));
  return answer;
}

static void
worker_finish (Worker *w,
               long   *server_peak_kb)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = worker_ask (w, "close");

  *server_peak_kb = strtol (answer, NULL, 10);
  g_subprocess_wait_check (w->process, NULL, &error);
  CHECK_NO_ERROR (error, "the client worker");
  g_object_unref (w->out);
  g_object_unref (w->process);
  g_free (w);
}

/* Measures one row for each contender, each in a client process of its own
 * with a server of its own. The machine is shared and noisy, so the
 * contenders take turns, one repetition each (in a rotating order), rather
 * than one after the other: a burst of load from elsewhere then hits all of
 * them alike, and the ratios between them stay meaningful. */
static void
measure (const char      *group,
         const char      *row,
         const Contender *contenders,
         guint            n_contenders,
         const Work      *work,
         guint            reps)
{
  g_autofree Worker **workers = g_new0 (Worker *, n_contenders);
  g_autofree Result **row_results = g_new0 (Result *, n_contenders);
  g_autofree double *per_op = g_new0 (double, (gsize) n_contenders * reps);
  guint n = 0;

  for (guint i = 0; i < n_contenders; i++)
    if (system_selected (contenders[i].kind))
      {
        g_autofree char *ok = NULL;

        workers[n] = worker_start (&contenders[i], group, work);
        ok = worker_ask (workers[n], "warmup");
        CHECK (g_str_equal (ok, "ok"), "client worker: %s", ok);
        row_results[n] = g_new0 (Result, 1);
        n++;
      }

  for (guint r = 0; r < reps; r++)
    for (guint k = 0; k < n; k++)
      {
        guint i = (k + r) % n;
        g_autofree char *answer = worker_ask (workers[i], "rep");
        gint64 ns;
        long hwm, client_faults, server_faults;

        CHECK (sscanf (answer, "%" G_GINT64_FORMAT " %ld %ld %ld", &ns, &hwm, &client_faults,
                       &server_faults) == 4,
               "client worker: %s", answer);
        per_op[i * reps + r] = ns / 1000.0 / work->n;
        row_results[i]->client_peak_kb = MAX (row_results[i]->client_peak_kb, hwm);
        row_results[i]->client_faults += client_faults;
        row_results[i]->server_faults += server_faults;
      }

  for (guint i = 0; i < n; i++)
    {
      Result *result = row_results[i];
      double *mine = per_op + i * reps;

      result->kind = workers[i]->kind;
      result->transport = workers[i]->transport;
      worker_finish (workers[i], &result->server_peak_kb);

      result->group = group;
      result->row = g_strdup (row);
      result->n_ops = work->n;
      result->reps = reps;
      result->med_us = bench_median (mine, reps);   /* sorts them */
      result->min_us = mine[0];
      result->max_us = mine[reps - 1];
      result->bytes = work->size;
      result->x_raw = NAN;
      result->x_gdbus = NAN;
      g_ptr_array_add (results, result);

      progress_begin (row, system_label (result->kind, result->transport));
      fprintf (stderr, " %10.2f µs/op\n", result->med_us);
    }
}

guint
scaled (guint n,
        guint minimum)
{
  return MAX ((guint) (n * config.scale), minimum);
}

static void
run_sync_rows (void)
{
  Work work = { .n = scaled (config.quick ? 300 : 10000, 20) };
  const char *row = "sync call i→i";

  static const Contender all[] = { RAW_SP, RAW_PIPES, GDBUS, PP_SP, PP_PIPES };

  measure ("sync", row, all, G_N_ELEMENTS (all), &work, config.reps);
}

static const Contender three[] = { RAW_SP, GDBUS, PP_SP };
static const Contender two[] = { GDBUS, PP_SP };

static void
run_async_rows (void)
{
  static const guint depths[] = { 1, 16, 128, 1024 };

  for (guint i = 0; i < G_N_ELEMENTS (depths); i++)
    {
      Work work = { .depth = depths[i] };
      g_autofree char *row = g_strdup_printf ("async, %u in flight", depths[i]);

      work.n = scaled (config.quick ? 600 : 20000, depths[i]);
      measure ("async", row, three, G_N_ELEMENTS (three), &work, config.reps);
    }
}

static char *
format_size (gsize size)
{
  if (size >= 1024 * 1024)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " MiB", size / (1024 * 1024));
  if (size >= 1024)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " KiB", size / 1024);
  return g_strdup_printf ("%" G_GSIZE_FORMAT " B", size);
}

static void
run_echo_rows (void)
{
  static const gsize sizes[] = { 16, 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024,
                                 64 * 1024 * 1024 };
  gsize max_size = config.quick ? 1024 * 1024 : 64 * 1024 * 1024;
  gsize budget = config.quick ? 2 * 1024 * 1024 : 128 * 1024 * 1024;

  for (guint i = 0; i < G_N_ELEMENTS (sizes) && sizes[i] <= max_size; i++)
    {
      g_autofree char *size = format_size (sizes[i]);
      g_autofree char *row = g_strdup_printf ("echo ay %s", size);
      Work work = { .size = sizes[i] };
      guint reps = sizes[i] >= 16 * 1024 * 1024 ? MIN (config.reps, 3) : config.reps;

      work.n = CLAMP (budget / sizes[i], 2, config.quick ? 100 : 5000);
      work.n = scaled (work.n, 2);
      measure ("echo", row, three, G_N_ELEMENTS (three), &work, reps);
    }
}

static void
run_signal_rows (void)
{
  Work work = { .n = scaled (config.quick ? 1000 : 100000, 100) };
  const char *row = "signals received (u)";

  work.batch = MIN (work.n, 10000);
  measure ("signals", row, three, G_N_ELEMENTS (three), &work, config.reps);
}

static void
run_notify_rows (void)
{
  Work work = { .n = scaled (config.quick ? 1000 : 100000, 100) };
  const char *row = "property notify (int)";

  work.batch = MIN (work.n, 10000);
  measure ("notify", row, two, G_N_ELEMENTS (two), &work, config.reps);
}

static void
run_handshake_rows (void)
{
  Work work = { .n = scaled (config.quick ? 10 : 200, 3) };
  const char *row = "proxy construction";

  static const Contender fresh[] = { { SYSTEM_GDBUS, TRANSPORT_NONE },
                                     { SYSTEM_PP, TRANSPORT_NONE } };

  measure ("handshake", row, fresh, G_N_ELEMENTS (fresh), &work, config.reps);
}

/* The syscall-count mode (bench/count-syscalls.sh) --------------------------------------- */

static int
run_syscall_count (const char *system,
                   guint       calls)
{
  SystemKind kind;
  Client *c;

  if (g_str_equal (system, "pp"))
    kind = SYSTEM_PP;
  else if (g_str_equal (system, "gdbus"))
    kind = SYSTEM_GDBUS;
  else if (g_str_equal (system, "raw"))
    kind = SYSTEM_RAW;
  else
    bench_fail ("--syscalls takes pp, gdbus or raw");

  c = client_open (kind, TRANSPORT_SOCKETPAIR);
  /* A few calls first, so that one-time setup is the same in both runs. */
  for (guint i = 0; i < 10; i++)
    client_call_int (c, (gint32) i);
  for (guint i = 0; i < calls; i++)
    client_call_int (c, (gint32) i);
  client_close (c, NULL);
  return EXIT_SUCCESS;
}

/* main ---------------------------------------------------------------------------------- */

static gboolean
parse_system (const char *arg,
              SystemKind *kind)
{
  if (g_strcmp0 (arg, "raw") == 0)
    *kind = SYSTEM_RAW;
  else if (g_strcmp0 (arg, "gdbus") == 0)
    *kind = SYSTEM_GDBUS;
  else if (g_strcmp0 (arg, "pp") == 0)
    *kind = SYSTEM_PP;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_transport (const char *arg,
                 Transport  *transport)
{
  if (g_strcmp0 (arg, "socketpair") == 0)
    *transport = TRANSPORT_SOCKETPAIR;
  else if (g_strcmp0 (arg, "pipes") == 0)
    *transport = TRANSPORT_PIPES;
  else if (g_strcmp0 (arg, "none") == 0)
    *transport = TRANSPORT_NONE;
  else
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *only = NULL;
  g_autofree char *systems_opt = NULL;
  g_autofree char *role = NULL;
  g_autofree char *system = NULL;
  g_autofree char *transport = NULL;
  g_autofree char *syscalls = NULL;
  g_autofree char *what = NULL;
  gboolean quick = FALSE;
  int reps = 0;
  int calls = 10000;
  int depth = 0;
  int batch = 0;
  gint64 size = 0;
  struct rlimit limit;
  Machine machine = { 0 };
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Small counts, a few seconds: a correctness smoke test", NULL },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json, "Also write the figures to FILE", "FILE" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Run only these groups: sync,async,echo,signals,notify,handshake,memory", "GROUPS" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions after the warm-up", "N" },
    { "systems", 0, 0, G_OPTION_ARG_STRING, &systems_opt,
      "Run only these systems: raw,gdbus,pp", "SYSTEMS" },
    { "syscalls", 0, 0, G_OPTION_ARG_STRING, &syscalls,
      "Only make --calls synchronous calls (for count-syscalls.sh)", "pp|gdbus|raw" },
    { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "Calls for --syscalls", "N" },
    { "role", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &role, NULL, NULL },
    { "system", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &system, NULL, NULL },
    { "transport", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &transport, NULL, NULL },
    { "what", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &what, NULL, NULL },
    { "depth", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &depth, NULL, NULL },
    { "size", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &size, NULL, NULL },
    { "batch", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &batch, NULL, NULL },
    { NULL }
  };

  bench_set_name ("pp-bench (client)");

  /* A peer that dies must not kill us: its death is reported as a failure. */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new ("- pipeproxy against a raw socket and GDBus");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  if (g_strcmp0 (role, "server") == 0)
    {
      SystemKind kind;
      Transport tr;

      if (!parse_system (system, &kind) || !parse_transport (transport, &tr))
        bench_fail ("bad --system or --transport");
      return run_server (kind, tr);
    }
  if (g_strcmp0 (role, "client") == 0)
    {
      SystemKind kind;
      Transport tr;
      Work work = { 0 };

      if (!parse_system (system, &kind) || !parse_transport (transport, &tr))
        bench_fail ("bad --system or --transport");
      self_exe = g_file_read_link ("/proc/self/exe", &error);
      CHECK_NO_ERROR (error, "/proc/self/exe");
      work.n = (guint) MAX (calls, 1);
      work.depth = (guint) MAX (depth, 0);
      work.size = (gsize) MAX (size, 0);
      work.batch = (guint) MAX (batch, 0);
      return run_client_role (kind, tr, what, &work);
    }
  if (g_strcmp0 (role, "memory") == 0)
    {
      SystemKind kind;

      if (!parse_system (system, &kind))
        bench_fail ("bad --system");
      self_exe = g_file_read_link ("/proc/self/exe", &error);
      CHECK_NO_ERROR (error, "/proc/self/exe");
      return run_memory_role (what, kind, (guint) MAX (calls, 1));
    }
  CHECK (role == NULL, "unknown role %s", role);

  /* Many connections at once for the idle-proxy row. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  self_exe = g_file_read_link ("/proc/self/exe", &error);
  CHECK_NO_ERROR (error, "/proc/self/exe");

  if (syscalls != NULL)
    return run_syscall_count (syscalls, (guint) MAX (calls, 0));

  config.quick = quick;
  config.reps = reps > 0 ? (guint) reps : quick ? 2 : 5;
  config.scale = g_getenv ("PP_TEST_UNDER_VALGRIND") != NULL ? 0.1 : 1.0;
  config.only = only != NULL ? g_strsplit (only, ",", -1) : NULL;
  config.systems = systems_opt != NULL ? g_strsplit (systems_opt, ",", -1) : NULL;
  results = g_ptr_array_new ();
  memory_results = g_ptr_array_new ();
  machine_init (&machine);

  g_printerr ("pp-bench: %s mode, %u repetitions after a warm-up\n",
              quick ? "quick" : "full", config.reps);
  if (group_selected ("sync"))
    run_sync_rows ();
  if (group_selected ("async"))
    run_async_rows ();
  if (group_selected ("echo"))
    run_echo_rows ();
  if (group_selected ("signals"))
    run_signal_rows ();
  if (group_selected ("notify"))
    run_notify_rows ();
  if (group_selected ("handshake"))
    run_handshake_rows ();
  if (group_selected ("memory"))
    run_memory_rows ();
  g_printerr ("\n");

  compute_ratios ();
  print_table (&machine);
  if (json != NULL)
    write_json (json, &machine);

  g_strfreev (config.only);
  g_strfreev (config.systems);
  g_free (machine.date);
  g_free (machine.cpu);
  g_free (machine.kernel);
  return EXIT_SUCCESS;
}
