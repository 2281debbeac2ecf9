/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The report of pp-bench: ratios against the raw and GDBus rows, the
 * targets, the table and the JSON file. */

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "pp-bench.h"

/* Ratios and targets ------------------------------------------------------------------ */

static Result *
find_result (const char *row,
             SystemKind  kind,
             Transport   transport)
{
  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);

      if (g_str_equal (r->row, row) && r->kind == kind && r->transport == transport)
        return r;
    }
  return NULL;
}

void
compute_ratios (void)
{
  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);
      Transport raw_transport = r->transport == TRANSPORT_PIPES ? TRANSPORT_PIPES
                                                                : TRANSPORT_SOCKETPAIR;
      Result *raw = find_result (r->row, SYSTEM_RAW, raw_transport);
      Result *gdbus = find_result (r->row, SYSTEM_GDBUS, TRANSPORT_SOCKETPAIR);

      if (raw != NULL)
        r->x_raw = r->med_us / raw->med_us;
      if (gdbus != NULL && r->kind != SYSTEM_GDBUS)
        r->x_gdbus = gdbus->med_us / r->med_us;

      if (r->kind != SYSTEM_PP || r->transport != TRANSPORT_SOCKETPAIR)
        continue;
      if (g_str_equal (r->group, "sync"))
        {
          r->target = "≤ 1.3× raw";
          r->status = r->x_raw <= 1.3 ? "PASS" : "MISS";
        }
      else if (g_str_equal (r->row, "async, 128 in flight"))
        {
          r->target = "≥ 12× GDBus";
          r->status = r->x_gdbus >= 12 ? "PASS" : "MISS";
        }
      else if (g_str_equal (r->group, "signals"))
        {
          r->target = "≥ 20× GDBus";
          r->status = r->x_gdbus >= 20 ? "PASS" : "MISS";
        }
      else if (g_str_equal (r->row, "echo ay 16 MiB"))
        {
          r->target = "≥ 25× GDBus";
          r->status = r->x_gdbus >= 25 ? "PASS" : "MISS";
        }
    }
}

/* Output --------------------------------------------------------------------------- */

void
machine_init (Machine *machine)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *cpuinfo = NULL;
  struct utsname uts;

  machine->date = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %z");
  machine->nproc = (int) sysconf (_SC_NPROCESSORS_ONLN);
  machine->cpu = g_strdup ("unknown");
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      const char *p = strstr (cpuinfo, "model name");

      if (p != NULL && (p = strchr (p, ':')) != NULL)
        {
          g_free (machine->cpu);
          machine->cpu = g_strndup (p + 1, strcspn (p + 1, "\n"));
          g_strstrip (machine->cpu);
        }
    }
  if (uname (&uts) == 0)
    machine->kernel = g_strdup_printf ("%s %s %s", uts.sysname, uts.release, uts.machine);
  else
    machine->kernel = g_strdup ("unknown");
}

/* Appends @text padded to @width characters (not bytes). */
static void
cell (GString    *line,
      const char *text,
      int         width,
      gboolean    right)
{
  int pad = width - (int) g_utf8_strlen (text, -1);

  if (right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, text);
  if (!right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, "  ");
}

static char *
format_us (double us)
{
  if (us < 10)
    return g_strdup_printf ("%.2f", us);
  if (us < 1000)
    return g_strdup_printf ("%.1f", us);
  return g_strdup_printf ("%.0f", us);
}

static char *
format_rate (double per_s)
{
  if (per_s >= 1e6)
    return g_strdup_printf ("%.2f M", per_s / 1e6);
  if (per_s >= 1e3)
    return g_strdup_printf ("%.1f k", per_s / 1e3);
  return g_strdup_printf ("%.1f", per_s);
}

static double
result_mb_per_s (const Result *r)
{
  return r->bytes > 0 ? r->bytes / r->med_us : NAN;   /* bytes/µs = MB/s */
}

static double
faults_per_op (const Result *r,
               long          faults)
{
  return faults < 0 ? NAN : (double) faults / ((double) r->n_ops * r->reps);
}

/* Shown where they count: rows that move big payloads */
static char *
format_faults (const Result *r)
{
  if (r->bytes < 64 * 1024)
    return g_strdup ("");
  return g_strdup_printf ("%.0f / %.0f", faults_per_op (r, r->client_faults),
                          faults_per_op (r, r->server_faults));
}

void
print_table (const Machine *machine)
{
  static const char *headers[] = { "row", "system", "µs/op", "[min – max]", "ops/s", "MB/s",
                                   "peak RSS c/s MiB", "faults/op c/s", "×raw", "×GDBus",
                                   "target" };
  static const int widths[] = { 22, 15, 8, 17, 9, 8, 16, 15, 6, 7, 18 };
  static const gboolean right[] = { FALSE, FALSE, TRUE, FALSE, TRUE, TRUE, TRUE, TRUE, TRUE,
                                    TRUE, FALSE };
  g_autoptr(GString) line = g_string_new (NULL);
  const char *last_row = "";

  printf ("pipeproxy %s benchmark, %s mode: median of %u repetitions after a warm-up "
          "[min – max]\n", PP_VERSION_S, config.quick ? "quick" : "full", config.reps);
  printf ("date     %s\n", machine->date);
  printf ("machine  %d CPUs (nproc), %s, %s, GLib %u.%u.%u\n\n", machine->nproc, machine->cpu,
          machine->kernel, glib_major_version, glib_minor_version, glib_micro_version);

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    cell (line, headers[i], widths[i], right[i]);
  printf ("%s\n", line->str);

  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);
      g_autofree char *us = format_us (r->med_us);
      g_autofree char *min = format_us (r->min_us);
      g_autofree char *max = format_us (r->max_us);
      g_autofree char *spread = g_strdup_printf ("[%s – %s]", min, max);
      g_autofree char *ops = format_rate (1e6 / r->med_us);
      g_autofree char *mbs = r->bytes > 0 ? g_strdup_printf ("%.1f", result_mb_per_s (r))
                                          : g_strdup ("");
      g_autofree char *rss = g_strdup_printf ("%.1f / %.1f", r->client_peak_kb / 1024.0,
                                              r->server_peak_kb / 1024.0);
      g_autofree char *faults = format_faults (r);
      g_autofree char *xraw = isnan (r->x_raw) ? g_strdup ("") : g_strdup_printf ("%.2f",
                                                                                  r->x_raw);
      g_autofree char *xgdbus = isnan (r->x_gdbus) ? g_strdup ("")
                                                   : g_strdup_printf ("%.1f", r->x_gdbus);
      g_autofree char *target = r->target ? g_strdup_printf ("%s %s", r->target, r->status)
                                          : g_strdup ("");

      gboolean same_row = i > 0 && g_str_equal (last_row, r->row);

      if (i > 0 && !same_row)
        printf ("\n");
      last_row = r->row;

      g_string_truncate (line, 0);
      cell (line, same_row ? "" : r->row, widths[0], right[0]);
      cell (line, system_label (r->kind, r->transport), widths[1], right[1]);
      cell (line, us, widths[2], right[2]);
      cell (line, spread, widths[3], right[3]);
      cell (line, ops, widths[4], right[4]);
      cell (line, mbs, widths[5], right[5]);
      cell (line, rss, widths[6], right[6]);
      cell (line, faults, widths[7], right[7]);
      cell (line, xraw, widths[8], right[8]);
      cell (line, xgdbus, widths[9], right[9]);
      cell (line, target, widths[10], right[10]);
      g_strchomp (line->str);
      printf ("%s\n", line->str);
    }

  if (memory_results->len > 0)
    {
      static const char * const names[] = { "RSS over calls", "bytes per pending call",
                                            "bytes per idle proxy" };

      printf ("\nmemory (VmRSS from /proc/self/status, each side reports its own; "
              "each figure from fresh processes)\n");
      for (guint i = 0; i < memory_results->len; i++)
        {
          MemoryResult *m = g_ptr_array_index (memory_results, i);
          long dc = m->client_after_kb - m->client_before_kb;
          long ds = m->server_after_kb - m->server_before_kb;

          if (m->status != NULL)
            printf ("  %-24s %-10s client %.1f → %.1f MiB (%+ld KiB), server %.1f → %.1f MiB "
                    "(%+ld KiB): flat within 1 MiB %s\n",
                    names[m->what], system_label (m->kind, TRANSPORT_SOCKETPAIR),
                    m->client_before_kb / 1024.0, m->client_after_kb / 1024.0, dc,
                    m->server_before_kb / 1024.0, m->server_after_kb / 1024.0, ds, m->status);
          else
            printf ("  %-24s %-10s client %7.0f B, server %7.0f B  (n = %u)\n",
                    names[m->what], system_label (m->kind, TRANSPORT_SOCKETPAIR),
                    dc * 1024.0 / m->n, ds * 1024.0 / m->n, m->n);
          printf ("  %-24s %-10s   %s\n", "", "", m->how);
        }
    }

  printf ("\n×raw: µs/op ÷ the raw transport's (same transport); ×GDBus: GDBus µs/op ÷ this "
          "row's, i.e. the speed-up in ops/s and MB/s.\n"
          "MB/s: payload bytes per call ÷ time per call (each byte crosses twice). ops/s of "
          "signal and notify rows are emissions received per second.\n"
          "peak RSS: VmHWM of the client and of the server; each contender of each row has "
          "a client process and a server process of its own (the client's peak is reset before "
          "each repetition).\n"
          "faults/op: minor page faults (fresh pages touched) of the client and of the server "
          "per operation, which unlike the time do not depend on the machine's load; shown "
          "for payloads from 64 KiB.\n"
          "Each row's contenders take turns, one repetition each, so that load from elsewhere "
          "hits them alike.\n");
}

static void
json_string (GString    *out,
             const char *s)
{
  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_printf (out, "\\%c", *s);
      else if ((guchar) *s < 0x20)
        g_string_append_printf (out, "\\u%04x", *s);
      else
        g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

static void
json_number (GString *out,
             double   v)
{
  if (isnan (v) || isinf (v))
    g_string_append (out, "null");
  else
    g_string_append_printf (out, "%.6g", v);
}

void
write_json (const char    *path,
            const Machine *machine)
{
  g_autoptr(GString) out = g_string_new ("{\n  \"benchmark\": \"pp-bench\",\n  \"mode\": ");
  g_autoptr(GError) error = NULL;

  json_string (out, config.quick ? "quick" : "full");
  g_string_append (out, ",\n  \"date\": ");
  json_string (out, machine->date);
  g_string_append_printf (out, ",\n  \"machine\": { \"nproc\": %d, \"cpu\": ", machine->nproc);
  json_string (out, machine->cpu);
  g_string_append (out, ", \"kernel\": ");
  json_string (out, machine->kernel);
  g_string_append_printf (out, ", \"glib\": \"%u.%u.%u\", \"pipeproxy\": \"%s\" },\n",
                          glib_major_version, glib_minor_version, glib_micro_version,
                          PP_VERSION_S);
  g_string_append_printf (out, "  \"repetitions\": %u,\n  \"rows\": [\n", config.reps);

  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);

      g_string_append (out, "    { \"group\": ");
      json_string (out, r->group);
      g_string_append (out, ", \"row\": ");
      json_string (out, r->row);
      g_string_append (out, ", \"system\": ");
      json_string (out, system_label (r->kind, r->transport));
      g_string_append_printf (out, ", \"ops_per_repetition\": %u, \"repetitions\": %u",
                              r->n_ops, r->reps);
      g_string_append (out, ", \"us_per_op\": { \"median\": ");
      json_number (out, r->med_us);
      g_string_append (out, ", \"min\": ");
      json_number (out, r->min_us);
      g_string_append (out, ", \"max\": ");
      json_number (out, r->max_us);
      g_string_append (out, " }, \"ops_per_s\": ");
      json_number (out, 1e6 / r->med_us);
      g_string_append (out, ", \"mb_per_s\": ");
      json_number (out, result_mb_per_s (r));
      g_string_append_printf (out, ", \"payload_bytes\": %" G_GSIZE_FORMAT, r->bytes);
      g_string_append_printf (out, ", \"peak_rss_kib\": { \"client\": %ld, \"server\": %ld }",
                              r->client_peak_kb, r->server_peak_kb);
      g_string_append (out, ", \"minor_faults_per_op\": { \"client\": ");
      json_number (out, faults_per_op (r, r->client_faults));
      g_string_append (out, ", \"server\": ");
      json_number (out, faults_per_op (r, r->server_faults));
      g_string_append (out, " }, \"x_raw\": ");
      json_number (out, r->x_raw);
      g_string_append (out, ", \"x_gdbus\": ");
      json_number (out, r->x_gdbus);
      if (r->target != NULL)
        {
          g_string_append (out, ", \"target\": ");
          json_string (out, r->target);
          g_string_append (out, ", \"status\": ");
          json_string (out, r->status);
        }
      g_string_append (out, i + 1 < results->len ? " },\n" : " }\n");
    }

  g_string_append (out, "  ],\n  \"memory\": [\n");
  for (guint i = 0; i < memory_results->len; i++)
    {
      MemoryResult *m = g_ptr_array_index (memory_results, i);

      g_string_append (out, "    { \"what\": ");
      json_string (out, memory_args[m->what]);
      g_string_append (out, ", \"system\": ");
      json_string (out, system_label (m->kind, TRANSPORT_SOCKETPAIR));
      g_string_append_printf (out, ", \"n\": %u, \"client_rss_kib\": { \"before\": %ld, "
                              "\"after\": %ld }, \"server_rss_kib\": { \"before\": %ld, "
                              "\"after\": %ld }",
                              m->n, m->client_before_kb, m->client_after_kb,
                              m->server_before_kb, m->server_after_kb);
      if (m->status != NULL)
        {
          g_string_append (out, ", \"target\": \"flat within 1 MiB\", \"status\": ");
          json_string (out, m->status);
        }
      else
        {
          g_string_append (out, ", \"client_bytes_per_item\": ");
          json_number (out, (m->client_after_kb - m->client_before_kb) * 1024.0 / m->n);
          g_string_append (out, ", \"server_bytes_per_item\": ");
          json_number (out, (m->server_after_kb - m->server_before_kb) * 1024.0 / m->n);
        }
      g_string_append (out, ", \"how\": ");
      json_string (out, m->how);
      g_string_append (out, i + 1 < memory_results->len ? " },\n" : " }\n");
    }
  g_string_append (out, "  ]\n}\n");

  if (!g_file_set_contents (path, out->str, out->len, &error))
    bench_fail ("writing %s: %s", path, error->message);
}
