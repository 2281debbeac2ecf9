/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>

#include "example-selftest.h"

void
example_check (gboolean   *ok,
               gboolean    condition,
               const char *what)
{
  g_print ("%s: %s\n", condition ? "ok" : "FAILED", what);
  *ok &= condition;
}

/* A thread's time on a CPU and waiting for one, in ns, from the
 * scheduler's statistics (Linux); FALSE if they are not there */
static gboolean
thread_schedstat (const char *path,
                  gint64     *cpu_time,
                  gint64     *run_delay)
{
  g_autofree char *contents = NULL;
  guint64 cpu, delay;

  if (!g_file_get_contents (path, &contents, NULL, NULL) ||
      sscanf (contents, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &cpu, &delay) != 2)
    return FALSE;
  *cpu_time = cpu;
  *run_delay = delay;
  return TRUE;
}

/* How long the peer's main thread waited for a CPU since the last tick, µs */
static gint64
peer_run_delay (ExampleTimer *timer)
{
  g_autofree char *path = NULL;
  gint64 cpu_time, run_delay, waited;

  if (timer->peer_pid == 0)
    return 0;
  path = g_strdup_printf ("/proc/%d/task/%d/schedstat", timer->peer_pid, timer->peer_pid);
  if (!thread_schedstat (path, &cpu_time, &run_delay))
    return 0;
  waited = timer->peer_run_delay >= 0 ? (run_delay - timer->peer_run_delay) / 1000 : 0;
  timer->peer_run_delay = run_delay;
  return waited;
}

/* GLib schedules a timeout from its last dispatch: the lateness of a tick
 * is how much later than one interval after the last it came */
static gboolean
on_tick (gpointer user_data)
{
  ExampleTimer *timer = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu_time = 0, run_delay = 0;
  gint64 lateness = now - timer->next_tick;
  gint64 waited = 0, ran = 0, peer_waited = 0;

  timer->run_delay_known = thread_schedstat ("/proc/thread-self/schedstat", &cpu_time,
                                             &run_delay);
  if (timer->run_delay_known)
    {
      waited = (run_delay - timer->run_delay) / 1000;
      ran = (cpu_time - timer->cpu_time) / 1000;
    }
  timer->run_delay = run_delay;
  timer->cpu_time = cpu_time;
  peer_waited = peer_run_delay (timer);
  /* The peer's waits count while this thread was blocked, at the most */
  waited += CLAMP (peer_waited, 0, MAX (lateness - waited - ran, 0));
  timer->worst_lateness = MAX (timer->worst_lateness, lateness);
  if (lateness - waited > timer->worst_own_lateness)
    {
      timer->worst_own_lateness = lateness - waited;
      timer->worst_own_ran = ran;
    }
  timer->worst_run_delay = MAX (timer->worst_run_delay, waited);
  timer->next_tick = now + timer->interval_msec * 1000;
  timer->ticks++;
  return G_SOURCE_CONTINUE;
}

void
example_timer_start (ExampleTimer *timer,
                     guint         interval_msec)
{
  timer->interval_msec = interval_msec;
  example_timer_reset (timer);
  timer->source_id = g_timeout_add (interval_msec, on_tick, timer);
}

/* The figures count from here */
void
example_timer_reset (ExampleTimer *timer)
{
  timer->ticks = 0;
  timer->worst_lateness = 0;
  timer->worst_own_lateness = 0;
  timer->worst_run_delay = 0;
  timer->worst_own_ran = 0;
  timer->next_tick = g_get_monotonic_time () + timer->interval_msec * 1000;
  timer->run_delay_known = thread_schedstat ("/proc/thread-self/schedstat", &timer->cpu_time,
                                             &timer->run_delay);
  timer->peer_run_delay = -1;
  peer_run_delay (timer);
}

void
example_timer_set_peer (ExampleTimer *timer,
                        GPid          pid)
{
  timer->peer_pid = pid;
  timer->peer_run_delay = -1;
  peer_run_delay (timer);
}

void
example_timer_stop (ExampleTimer *timer)
{
  g_clear_handle_id (&timer->source_id, g_source_remove);
}

void
example_timer_print (ExampleTimer *timer)
{
  g_print ("the %u ms timer fired %u times; its worst lateness: %.1f ms; less the time the "
           "window's thread waited for a CPU, itself or blocked on the worker waiting for one: "
           "%.1f ms; the thread ran %.1f ms in that interval (the longest "
           "wait for a CPU in one interval: %.1f ms%s)\n", timer->interval_msec, timer->ticks,
           timer->worst_lateness / 1e3, timer->worst_own_lateness / 1e3,
           timer->worst_own_ran / 1e3, timer->worst_run_delay / 1e3,
           timer->run_delay_known ? "" : ", not known here");
}

gboolean
example_save_screenshot (GtkWidget     *window,
                         GdkPaintable  *paintable,
                         const char    *path,
                         GError       **error)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gdk_paintable_get_intrinsic_width (paintable);
  int height = gdk_paintable_get_intrinsic_height (paintable);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || renderer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window shows nothing yet");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write %s", path);
      return FALSE;
    }
  return TRUE;
}

double
example_png_variance (const char *path,
                      int        *width_out,
                      int        *height_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autofree guchar *pixels = NULL;
  int width, height;
  double sum = 0, sum_squares = 0;

  *width_out = *height_out = 0;
  if (texture == NULL)
    {
      g_print ("cannot read %s: %s\n", path, error->message);
      return 0;
    }
  width = *width_out = gdk_texture_get_width (texture);
  height = *height_out = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) width * height * 4);
  /* Premultiplied B, G, R, A in memory */
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      const guchar *p = pixels + 4 * i;
      double grey = 0.114 * p[0] + 0.587 * p[1] + 0.299 * p[2];

      sum += grey;
      sum_squares += grey * grey;
    }
  sum /= (double) width * height;
  return sum_squares / ((double) width * height) - sum * sum;
}

static void
process_waited (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_main_loop_quit (user_data);
  g_main_loop_unref (user_data);
}

static gboolean
give_up_waiting (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

gboolean
example_wait_for_process (GSubprocess *process,
                          guint        timeout_sec)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gint64 start = g_get_monotonic_time ();
  guint timeout_id = g_timeout_add_seconds (timeout_sec, give_up_waiting, loop);

  g_subprocess_wait_async (process, NULL, process_waited, g_main_loop_ref (loop));
  g_main_loop_run (loop);
  if (g_subprocess_get_identifier (process) != NULL)
    {
      g_print ("the worker did not end within %u s\n", timeout_sec);
      return FALSE;
    }
  g_source_remove (timeout_id);
  g_print ("the worker ended %.1f ms after the proxy was closed, %s\n",
           (g_get_monotonic_time () - start) / 1e3,
           g_subprocess_get_if_exited (process) ? "exiting" : "killed");
  return TRUE;
}

guint64
example_worker_count (PpProxy    *worker,
                      const char *method,
                      gboolean   *ok)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_sync (worker, method, NULL, -1, NULL, &error);
  guint64 count = 0;

  if (reply == NULL)
    example_check (ok, FALSE, error->message);
  else
    g_variant_get (reply, "(t)", &count);
  return count;
}

double
example_print_load (void)
{
  g_autofree char *contents = NULL;
  double load;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL) ||
      sscanf (contents, "%lf", &load) != 1)
    return -1;
  g_print ("load average: %.2f on %u CPUs\n", load, g_get_num_processors ());
  return load;
}
