/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What the GTK examples' --self-test share: the pass-or-fail lines, a
 * timer that measures how late the window's main loop is, screenshots,
 * and waiting for the worker to end. Not part of the library. */

#pragma once

#include <gtk/gtk.h>
#include <pipeproxy/pipeproxy.h>

G_BEGIN_DECLS

/* Prints "ok: WHAT" or "FAILED: WHAT"; a failure clears *@ok */
void     example_check            (gboolean    *ok,
                                   gboolean     condition,
                                   const char  *what);

/* A timer in the main context that records how late it fires. The
 * lateness is measured twice: as it is, and less the time the thread
 * running the main loop waited for a CPU meanwhile (run_delay in
 * /proc/thread-self/schedstat), which is what a loaded machine adds
 * whatever the program does. */
typedef struct
{
  guint    interval_msec;
  guint    ticks;
  gint64   worst_lateness;       /* µs */
  gint64   worst_own_lateness;   /* µs, less the waits for a CPU */
  gint64   worst_own_ran;        /* µs, of it on a CPU */
  gint64   worst_run_delay;      /* µs, the most waited for a CPU in one interval */
  gboolean run_delay_known;      /* whether the scheduler says */
  /* private */
  gint64   next_tick;
  gint64   run_delay;            /* ns, of the thread, at the last tick */
  gint64   cpu_time;             /* ns, likewise */
  GPid     peer_pid;             /* the worker, 0: none */
  gint64   peer_run_delay;       /* ns, of its main thread, -1: not read yet */
  guint    source_id;
} ExampleTimer;

void     example_timer_start      (ExampleTimer *timer,
                                   guint         interval_msec);
void     example_timer_reset      (ExampleTimer *timer);
void     example_timer_stop       (ExampleTimer *timer);
/* The process whose main thread the window waits for in synchronous
 * calls: its waits for a CPU while the window's thread was blocked are
 * subtracted too */
void     example_timer_set_peer   (ExampleTimer *timer,
                                   GPid          pid);
void     example_timer_print      (ExampleTimer *timer);

/* Saves what @window showed in its last frame as a PNG, rendered by the
 * window's own renderer. @paintable is gtk_widget_paintable_new (window),
 * made with the window: it holds the frames drawn after it was made. */
gboolean example_save_screenshot  (GtkWidget    *window,
                                   GdkPaintable *paintable,
                                   const char   *path,
                                   GError      **error);

/* The variance of the grey levels of the PNG at @path: 0 for a blank
 * image or one that cannot be read */
double   example_png_variance     (const char   *path,
                                   int          *width,
                                   int          *height);

/* Runs the main context until @process ends, at most @timeout_sec; says
 * how long it took. FALSE if it did not end. */
gboolean example_wait_for_process (GSubprocess  *process,
                                   guint         timeout_sec);

/* A count the worker keeps, from its method @method () → (t); 0, and a
 * failure, if the call fails */
guint64  example_worker_count     (PpProxy      *worker,
                                   const char   *method,
                                   gboolean     *ok);

/* Prints the load average, to read the timings by, and returns it; -1
 * if it is not known */
double   example_print_load       (void);

G_END_DECLS
