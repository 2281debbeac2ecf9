/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The memory rows of pp-bench (--role=memory): what a proxy, pending
 * calls and idle connections cost on each side. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pp-bench.h"

/* Memory ------------------------------------------------------------------------- */

/* Each memory figure is taken in a fresh client process (--role=memory)
 * with a fresh server: in the long-lived main process, memory freed by
 * earlier rows would be reused and hide what the measured objects cost. */

const char * const memory_args[] = { "flat", "pending", "idle" };

GPtrArray *memory_results;

static void
memory_snapshot (Client *c,
                 long   *client_kb,
                 long   *server_kb)
{
  long hwm;

  *client_kb = status_kb ("VmRSS");
  client_server_stats (c, &hwm, server_kb);
}

/* RSS of both sides before and after @n calls, after a warm-up: half
 * synchronous, half asynchronous with 128 in flight. */
static void
memory_flat (MemoryResult *m)
{
  Client *c = client_open (m->kind, TRANSPORT_SOCKETPAIR);
  gint32 counter = 1;

  for (guint i = 0; i < m->n / 20; i++)
    client_call_int (c, counter++);
  client_async (c, m->n / 20, 128, counter);
  counter += m->n / 20;

  memory_snapshot (c, &m->client_before_kb, &m->server_before_kb);
  for (guint i = 0; i < m->n / 2; i++)
    client_call_int (c, counter++);
  client_async (c, m->n - m->n / 2, 128, counter);
  memory_snapshot (c, &m->client_after_kb, &m->server_after_kb);

  client_close (c, NULL);
}

/* RSS delta with @n calls held by the server. */
static void
memory_pending (MemoryResult *m)
{
  Client *c = client_open (m->kind, TRANSPORT_SOCKETPAIR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) count = NULL;
  AsyncRun run = { 0 };

  for (guint round = 0; round < 2; round++)
    {
      guint this_n = round == 0 ? 100 : m->n;   /* a small warm-up round first */
      guint32 held;

      memset (&run, 0, sizeof run);
      run.client = c;
      run.total = this_n;
      run.depth = this_n;
      run.base = 1;
      run.hold = TRUE;
      current_run = &run;

      if (round == 1)
        memory_snapshot (c, &m->client_before_kb, &m->server_before_kb);
      async_issue (&run);

      /* Ordered after all the held calls: when it returns, they all are
       * with the server. */
      if (m->kind == SYSTEM_PP)
        count = pp_proxy_call_sync (c->proxy, "held_count", NULL, -1, NULL, &error);
      else
        count = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "HeldCount",
                                             NULL, G_VARIANT_TYPE ("(u)"),
                                             G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      CHECK_NO_ERROR (error, "held_count");
      g_variant_get (count, "(u)", &held);
      CHECK (held == this_n, "the server holds %u calls, expected %u", held, this_n);
      g_clear_pointer (&count, g_variant_unref);
      CHECK (run.completed == 0, "held calls completed early");

      if (round == 1)
        memory_snapshot (c, &m->client_after_kb, &m->server_after_kb);

      if (m->kind == SYSTEM_PP)
        count = pp_proxy_call_sync (c->proxy, "release", NULL, -1, NULL, &error);
      else
        count = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "Release",
                                             NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                             &error);
      CHECK_NO_ERROR (error, "release");
      g_clear_pointer (&count, g_variant_unref);
      async_wait (&run);
    }

  client_close (c, NULL);
}

/* RSS delta for @n proxies, each with a connection of its own. */
static void
memory_idle (MemoryResult *m)
{
  g_autofree Handle *handles = g_new0 (Handle, m->n);
  Client *c = client_open (m->kind, TRANSPORT_NONE);

  for (guint i = 0; i < 5; i++)
    {
      client_new_handle (c, &handles[i]);
      handle_clear (&handles[i]);
    }
  /* Let the server drop the warm-up connections. */
  for (guint i = 0; i < 5; i++)
    {
      long hwm, rss;

      g_main_context_iteration (NULL, FALSE);
      client_server_stats (c, &hwm, &rss);
    }

  memory_snapshot (c, &m->client_before_kb, &m->server_before_kb);
  for (guint i = 0; i < m->n; i++)
    client_new_handle (c, &handles[i]);
  memory_snapshot (c, &m->client_after_kb, &m->server_after_kb);

  for (guint i = 0; i < m->n; i++)
    handle_clear (&handles[i]);
  client_close (c, NULL);
}

/* --role=memory: one measurement, printed as numbers on stdout. */
int
run_memory_role (const char *what,
                 SystemKind  kind,
                 guint       n)
{
  MemoryResult m = { 0 };

  bench_set_name ("pp-bench (memory client)");
  m.kind = kind;
  m.n = n;
  if (g_strcmp0 (what, "flat") == 0)
    memory_flat (&m);
  else if (g_strcmp0 (what, "pending") == 0)
    memory_pending (&m);
  else if (g_strcmp0 (what, "idle") == 0)
    memory_idle (&m);
  else
    bench_fail ("unknown memory measurement %s", what);

  printf ("%ld %ld %ld %ld\n", m.client_before_kb, m.client_after_kb,
          m.server_before_kb, m.server_after_kb);
  return EXIT_SUCCESS;
}

static void
memory_run (MemoryKind what,
            SystemKind kind,
            guint      n)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *what_opt = g_strdup_printf ("--what=%s", memory_args[what]);
  g_autofree char *system_opt = g_strdup_printf ("--system=%s", system_arg (kind));
  g_autofree char *calls_opt = g_strdup_printf ("--calls=%u", n);
  MemoryResult *m;
  const char *labels[] = { "RSS over calls", "pending calls", "idle proxies" };

  if (!system_selected (kind))
    return;

  progress_begin (labels[what], system_label (kind, TRANSPORT_SOCKETPAIR));
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe,
                              "--role=memory", what_opt, system_opt, calls_opt, NULL);
  CHECK_NO_ERROR (error, "spawning the memory client");
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  CHECK_NO_ERROR (error, "the memory client");
  CHECK (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0,
         "the memory client failed");

  m = g_new0 (MemoryResult, 1);
  m->what = what;
  m->kind = kind;
  m->n = n;
  CHECK (sscanf (out, "%ld %ld %ld %ld", &m->client_before_kb, &m->client_after_kb,
                 &m->server_before_kb, &m->server_after_kb) == 4,
         "bad output from the memory client: %s", out);
  g_ptr_array_add (memory_results, m);
  fprintf (stderr, " done\n");

  switch (what)
    {
    case MEMORY_FLAT:
      m->how = g_strdup_printf ("VmRSS of each side before and after %u echo_int32 calls "
                                "(%u sync, %u async with 128 in flight), after %u warm-up "
                                "calls", n, n / 2, n - n / 2, n / 20 * 2);
      m->status = ABS (m->client_after_kb - m->client_before_kb) <= 1024 &&
                  ABS (m->server_after_kb - m->server_before_kb) <= 1024 ? "PASS" : "MISS";
      break;

    case MEMORY_PENDING:
      m->how = g_strdup_printf ("VmRSS delta of each side with %u calls in flight (held by "
                                "the server, answered later) / %u, after a 100-call warm-up", n,
                                n);
      break;

    case MEMORY_IDLE:
      m->how = g_strdup_printf ("VmRSS delta of each side after making %u proxies, each on its "
                                "own socket pair served by its own %s in one server process, "
                                "/ %u, after 5 warm-up proxies", n,
                                kind == SYSTEM_PP ? "PpListener" : "GDBusConnection", n);
      break;

    default:
      g_assert_not_reached ();
    }
}

void
run_memory_rows (void)
{
  struct rlimit limit;
  guint idle = scaled (config.quick ? 50 : 1000, 10);

  /* pipeproxy needs a socket and an eventfd per connection on each side;
   * leave room under the open-files limit. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      idle > (limit.rlim_cur - 100) / 3)
    {
      idle = limit.rlim_cur > 130 ? (guint) (limit.rlim_cur - 100) / 3 : 10;
      fprintf (stderr, "  (open-files limit %lu: %u idle proxies)\n",
               (unsigned long) limit.rlim_cur, idle);
    }

  memory_run (MEMORY_FLAT, SYSTEM_PP, scaled (config.quick ? 20000 : 1000000, 2000));
  memory_run (MEMORY_PENDING, SYSTEM_GDBUS, scaled (config.quick ? 1000 : 10000, 200));
  memory_run (MEMORY_PENDING, SYSTEM_PP, scaled (config.quick ? 1000 : 10000, 200));
  memory_run (MEMORY_IDLE, SYSTEM_GDBUS, idle);
  memory_run (MEMORY_IDLE, SYSTEM_PP, idle);
}
