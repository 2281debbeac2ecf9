/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* gtk-lines: a GTK 4 window whose list, buttons and progress live in a
 * worker process.
 *
 * The worker (this program run again with --worker) reads a large log file
 * and keeps the lines that mention an error. Its object is both the list
 * of those lines and the group of its actions:
 *
 * - a GListModel: the window's GtkListView shows the proxy itself; its
 *   rows are read from the worker in batches as they become visible;
 * - a GActionGroup: the window inserts the proxy as the action group
 *   "worker", so the Start and Cancel buttons are bound to
 *   "worker.start" and "worker.cancel", the "Match case" check button to
 *   the stateful "worker.match-case" (the window's menu has the same
 *   three), and the status line follows the state of "worker.status".
 *   GTK makes the buttons sensitive as the worker enables and disables
 *   its actions;
 * - its "progress" signal feeds the progress bar.
 *
 * If the worker dies, the window says so and stays.
 *
 *   $ ./gtk-lines FILE                  the window, for a file of yours
 *   $ ./gtk-lines --self-test [--screenshot=FILE.png]
 *
 * --self-test writes a log of LOG_LINES lines to a temporary directory,
 * clicks the window's buttons itself and checks what a user would see:
 *
 *   1. the actions arrive: Start is sensitive, Cancel is not;
 *   2. clicking "Match case" reaches the worker, whose new state comes
 *      back to the check button;
 *   3. Start runs the job: Start turns insensitive and Cancel sensitive,
 *      progress arrives while the list fills (not all at the end), the
 *      list ends with exactly the lines a case-sensitive search finds, the
 *      status line shows the worker's "done" state; with --screenshot the
 *      window is saved as a PNG halfway, and the PNG is checked not to be
 *      blank;
 *   4. Start again, Cancel at the first progress: the worker says
 *      "cancelled", and reads, emits and adds nothing more afterwards;
 *   5. Start again, the worker is killed at the first progress: the window
 *      shows the error, and keeps running.
 *
 * Throughout, a 16 ms timer in the window records how late it fires. The
 * worst lateness is printed, with the part of it the window's thread spent
 * waiting for a CPU, as a figure to read, not as a pass or a failure: a
 * timing depends on the machine and on what else it runs.
 *
 * The self-test's worker pauses --pace-msec between batches, so that the
 * job lasts seconds however fast the machine is and Cancel and the kill
 * come while it runs.
 *
 * How the worker is written: its object is a GSimpleActionGroup subclass
 * that also implements GListModel over a GListStore of GtkStringObjects.
 * The job reads and matches in a thread; every batch of lines is handed to
 * the worker's main context, which appends it to the store and emits
 * "progress". So the worker's main context, which answers the window's
 * calls (the rows the list view asks for), is never busy for long.
 */

#include <inttypes.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <pipeproxy/pipeproxy.h>

#define BATCH_BYTES        (256 * 1024)   /* of the file, per batch */
#define LOG_LINES          400000
#define TICK_MSEC          16
#define SELF_TEST_PACE_MSEC 15          /* 136 batches: 2 s at least */
#define GUI_WAIT_SEC       30             /* the most a self-test step may wait */

/* The worker ---------------------------------------------------------- */

#define GTK_LINES_TYPE_WORKER (gtk_lines_worker_get_type ())
G_DECLARE_FINAL_TYPE (GtkLinesWorker, gtk_lines_worker, GTK_LINES, WORKER, GSimpleActionGroup)

struct _GtkLinesWorker
{
  GSimpleActionGroup parent_instance;
  GListStore        *lines;        /* GtkStringObject */
  GCancellable      *cancellable;  /* of the job running, NULL when none */
  guint64            bytes_read;   /* by every job, atomically */
};

static void gtk_lines_worker_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GtkLinesWorker, gtk_lines_worker, G_TYPE_SIMPLE_ACTION_GROUP,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      gtk_lines_worker_list_model_init))

enum {
  PROGRESS,
  N_SIGNALS
};

static guint worker_signals[N_SIGNALS];

static GType
worker_get_item_type (GListModel *model)
{
  return GTK_TYPE_STRING_OBJECT;
}

static guint
worker_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (GTK_LINES_WORKER (model)->lines));
}

static gpointer
worker_get_item (GListModel *model,
                 guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (GTK_LINES_WORKER (model)->lines), position);
}

static void
gtk_lines_worker_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = worker_get_item_type;
  iface->get_n_items = worker_get_n_items;
  iface->get_item = worker_get_item;
}

static void
lines_changed (GListModel *lines,
               guint       position,
               guint       removed,
               guint       added,
               gpointer    user_data)
{
  g_list_model_items_changed (G_LIST_MODEL (user_data), position, removed, added);
}

static void
set_action_state (GtkLinesWorker *self,
                  const char     *name,
                  GVariant       *state)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_state (G_SIMPLE_ACTION (action), state);
}

static void
set_action_enabled (GtkLinesWorker *self,
                    const char     *name,
                    gboolean        enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
set_running (GtkLinesWorker *self,
             gboolean        running)
{
  set_action_enabled (self, "start", !running);
  set_action_enabled (self, "match-case", !running);
  set_action_enabled (self, "cancel", running);
}

/* A job: its thread reads and matches, the main context adds and reports */
typedef struct
{
  GtkLinesWorker *worker;
  GCancellable   *cancellable;
  char           *path;
  gboolean        match_case;
} Job;

typedef struct
{
  Job       *job;
  GPtrArray *lines;     /* char *, the lines of this batch that matched */
  guint64    done;      /* bytes of the file read so far */
  guint64    total;
  gboolean   last;      /* the job's end: */
  GError    *error;     /* why it failed, or NULL */
} Batch;

static void
job_free (Job *job)
{
  g_object_unref (job->worker);
  g_object_unref (job->cancellable);
  g_free (job->path);
  g_free (job);
}

/* In the worker's main context */
static gboolean
apply_batch (gpointer data)
{
  Batch *batch = data;
  GtkLinesWorker *self = batch->job->worker;
  /* A batch of a job cancelled meanwhile is dropped */
  gboolean cancelled = g_cancellable_is_cancelled (batch->job->cancellable);

  if (!cancelled && batch->lines->len > 0)
    {
      g_autofree gpointer *items = g_new (gpointer, batch->lines->len);

      for (guint i = 0; i < batch->lines->len; i++)
        items[i] = gtk_string_object_new (g_ptr_array_index (batch->lines, i));
      g_list_store_splice (self->lines, g_list_model_get_n_items (G_LIST_MODEL (self->lines)),
                           0, items, batch->lines->len);
      for (guint i = 0; i < batch->lines->len; i++)
        g_object_unref (items[i]);
    }
  if (!cancelled && !batch->last)
    g_signal_emit (self, worker_signals[PROGRESS], 0, batch->done, batch->total,
                   g_list_model_get_n_items (G_LIST_MODEL (self->lines)));

  if (batch->last)
    {
      g_autofree char *status = NULL;

      if (cancelled)
        status = g_strdup_printf ("cancelled after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                                  " bytes", batch->done, batch->total);
      else if (batch->error != NULL)
        status = g_strdup_printf ("failed: %s", batch->error->message);
      else
        status = g_strdup_printf ("done: %u lines", g_list_model_get_n_items (G_LIST_MODEL (self->lines)));
      if (self->cancellable == batch->job->cancellable)
        {
          g_clear_object (&self->cancellable);
          set_running (self, FALSE);
        }
      set_action_state (self, "status", g_variant_new_string (status));
      job_free (batch->job);
    }
  g_clear_error (&batch->error);
  g_ptr_array_unref (batch->lines);
  g_free (batch);
  return G_SOURCE_REMOVE;
}

static void
send_batch (Job        *job,
            GPtrArray **lines,
            guint64     done,
            guint64     total,
            gboolean    last,
            GError     *error)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->job = job;
  batch->lines = g_steal_pointer (lines);
  batch->done = done;
  batch->total = total;
  batch->last = last;
  batch->error = error;
  g_idle_add_full (G_PRIORITY_DEFAULT, apply_batch, batch, NULL);
  *lines = g_ptr_array_new_with_free_func (g_free);
}

/* What the list shows: errors of something that took 100 ms or more */
#define SEARCH "\\berror: (\\w+) (\\w+) took ([1-9]\\d\\d+) ms"

/* The line for the list if @line, "TIME MESSAGE", has a valid time and
 * matches @search; else NULL */
static char *
parse_line (const char *line,
            gsize       length,
            guint       number,
            GRegex     *search)
{
  const char *space = memchr (line, ' ', length);
  g_autofree char *time_text = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  const char *message;
  gsize message_length;

  if (space == NULL || !g_utf8_validate (line, length, NULL))
    return NULL;
  time_text = g_strndup (line, space - line);
  time = g_date_time_new_from_iso8601 (time_text, NULL);
  if (time == NULL)
    return NULL;
  message = space + 1;
  message_length = length - (message - line);
  if (!g_regex_match_full (search, message, message_length, 0, 0, &match, NULL))
    return NULL;
  shown = g_date_time_format (time, "%H:%M:%S");
  return g_strdup_printf ("%u  %s.%03d  %.*s", number, shown,
                          g_date_time_get_microsecond (time) / 1000,
                          (int) message_length, message);
}

/* --pace-msec: a pause after each batch of the job */
static guint pace_msec;

static gpointer
job_thread (gpointer data)
{
  Job *job = data;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRegex) search = g_regex_new (SEARCH, job->match_case ? 0 : G_REGEX_CASELESS,
                                          0, NULL);
  GError *error = NULL;
  const char *contents, *end, *line, *batch_end;
  guint64 total;
  guint number = 0;

  /* Below the worker's main thread, which answers the window, and the
   * window itself: on Linux a thread has a nice value of its own */
  if (setpriority (PRIO_PROCESS, 0, 10) != 0)
    g_debug ("worker: could not lower the job's priority");
  file = g_mapped_file_new (job->path, FALSE, &error);
  if (file == NULL)
    {
      send_batch (job, &lines, 0, 0, TRUE, error);
      return NULL;
    }
  contents = g_mapped_file_get_contents (file);
  total = g_mapped_file_get_length (file);
  end = contents + total;

  for (line = contents; line < end; )
    {
      batch_end = MIN (line + BATCH_BYTES, end);
      while (line < batch_end)
        {
          const char *eol = memchr (line, '\n', end - line);
          gsize length = (eol ? eol : end) - line;

          char *shown = parse_line (line, length, ++number, search);

          if (shown != NULL)
            g_ptr_array_add (lines, shown);
          g_atomic_pointer_add (&job->worker->bytes_read, length + (eol != NULL));
          line += length + (eol != NULL);
        }
      if (g_cancellable_is_cancelled (job->cancellable))
        break;
      if (line < end)
        send_batch (job, &lines, line - contents, total, FALSE, NULL);
      if (pace_msec > 0)
        g_usleep (pace_msec * G_TIME_SPAN_MILLISECOND);
    }
  send_batch (job, &lines, line - contents, total, TRUE, NULL);
  return NULL;
}

static void
start_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkLinesWorker *self = user_data;
  g_autoptr(GVariant) match_case = NULL;
  Job *job;

  if (self->cancellable != NULL)
    return;
  match_case = g_action_group_get_action_state (G_ACTION_GROUP (self), "match-case");
  job = g_new0 (Job, 1);
  job->worker = g_object_ref (self);
  job->cancellable = g_cancellable_new ();
  job->path = g_variant_dup_string (parameter, NULL);
  job->match_case = g_variant_get_boolean (match_case);
  self->cancellable = g_object_ref (job->cancellable);

  g_list_store_remove_all (self->lines);
  set_running (self, TRUE);
  set_action_state (self, "status", g_variant_new_string ("running"));
  g_thread_unref (g_thread_new ("read lines", job_thread, job));
}

static void
cancel_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  GtkLinesWorker *self = user_data;

  /* The job's last batch says it stopped */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
gtk_lines_worker_dispose (GObject *object)
{
  GtkLinesWorker *self = GTK_LINES_WORKER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->lines);
  G_OBJECT_CLASS (gtk_lines_worker_parent_class)->dispose (object);
}

static void
gtk_lines_worker_class_init (GtkLinesWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gtk_lines_worker_dispose;

  /* progress (t bytes read, t bytes in all, u lines found so far) */
  worker_signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT);
}

static void
gtk_lines_worker_init (GtkLinesWorker *self)
{
  const GActionEntry entries[] = {
    { .name = "start", .activate = start_activated, .parameter_type = "s" },
    { .name = "cancel", .activate = cancel_activated },
    /* A boolean state and no activate handler: activating toggles it */
    { .name = "match-case", .state = "false" },
    /* What the worker is doing, for the window to show */
    { .name = "status", .state = "'idle'" },
  };

  self->lines = g_list_store_new (GTK_TYPE_STRING_OBJECT);
  g_signal_connect_object (self->lines, "items-changed", G_CALLBACK (lines_changed), self, 0);
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  set_running (self, FALSE);
  /* The status is shown, not activated */
  set_action_enabled (self, "status", FALSE);
}

/* bytes_read () → (t): what every job has read so far */
static GVariant *
bytes_read_method (GObject   *object,
                   GVariant  *parameters,
                   gpointer   user_data,
                   GError   **error)
{
  GtkLinesWorker *self = GTK_LINES_WORKER (object);

  return g_variant_new ("(t)", (guint64) g_atomic_pointer_get (&self->bytes_read));
}

static int
run_worker (void)
{
  g_autoptr(GtkLinesWorker) worker = g_object_new (GTK_LINES_TYPE_WORKER, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  listener = pp_listener_new_for_parent (G_OBJECT (worker), &error);
  if (listener == NULL)
    {
      g_printerr ("worker: %s (run me without --worker)\n", error->message);
      return EXIT_FAILURE;
    }
  pp_listener_add_method (listener, "bytes_read", G_VARIANT_TYPE_UNIT,
                          G_VARIANT_TYPE ("(t)"), bytes_read_method, NULL, NULL);
  pp_listener_run (listener);   /* until the window closes its proxy or goes away */
  return EXIT_SUCCESS;
}

/* The window ---------------------------------------------------------- */

typedef enum {
  STEP_ACTIONS,       /* waiting for the actions to show */
  STEP_MATCH_CASE,    /* "Match case" clicked */
  STEP_COMPLETE,      /* a job that runs to its end */
  STEP_CANCEL,        /* a job cancelled at its first progress */
  STEP_AFTER_CANCEL,  /* a while after */
  STEP_KILL,          /* a job during which the worker is killed */
  STEP_AFTER_KILL,    /* the window lives on */
  STEP_DONE,
} Step;

typedef struct
{
  GtkApplication *app;
  const char     *self_path;
  char           *path;            /* the file */
  GtkWidget      *window;
  GtkWidget      *buttons;        /* of the worker's actions */
  GtkWidget      *start_button;
  GtkWidget      *cancel_button;
  GtkWidget      *match_case_button;
  GtkWidget      *progress_bar;
  GtkWidget      *status_label;
  GtkWidget      *error_label;
  GtkWidget      *list_view;
  GtkNoSelection *selection;
  GdkPaintable   *window_paintable;   /* for --screenshot */

  PpProxy        *worker;

  /* The 16 ms timer */
  gint64          next_tick;
  gint64          worst_lateness;
  gint64          worst_own_lateness;  /* less the time it waited for a CPU */
  gint64          run_delay;           /* of this thread, ns; -1: not known */
  guint           ticks;

  /* --self-test */
  gboolean        self_test;
  const char     *screenshot;
  char           *dir;
  guint           expected_lines;  /* matching with the case */
  guint           expected_folded; /* matching without */
  Step            step;
  gboolean        ok;
  gint64          step_started;
  guint           list_changes;    /* items-changed seen by the window */
  guint           progress_count;
  guint           progress_ticks;  /* distinct timer ticks in which progress arrived */
  guint           last_progress_tick;
  guint           list_changes_at_first_progress;
  guint           list_changes_at_last_progress;
  gint64          first_progress_at; /* after the click on Start, µs */
  gint64          last_progress_at;
  guint64         progress_done;
  guint64         progress_total;
  gboolean        screenshot_taken;
  guint           cancel_progress; /* progress after the worker said it cancelled */
  guint           items_at_cancel;
  guint64         bytes_at_cancel;
  gboolean        cancel_clicked;
  gboolean        killed;
  guint           ticks_at_kill;
} App;

static void test_step (App *app);

static void
check (App        *app,
       gboolean    condition,
       const char *what)
{
  g_print ("%s: %s\n", condition ? "ok" : "FAILED", what);
  app->ok &= condition;
}

static const char *
status_text (App *app)
{
  return gtk_label_get_text (GTK_LABEL (app->status_label));
}

/* How long the calling thread has waited for a CPU while it could run, in
 * ns, from the scheduler's statistics (Linux); -1 if they are not there */
static gint64
thread_run_delay (void)
{
  g_autofree char *contents = NULL;
  guint64 cpu_time, run_delay;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &contents, NULL, NULL) ||
      sscanf (contents, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &cpu_time, &run_delay) != 2)
    return -1;
  return run_delay;
}

/* The timer's lateness: as measured, and less the time the window's thread
 * waited for a CPU meanwhile (on a busy machine it can wait for a CPU
 * longer than 50 ms, whatever it does; what the window itself does is the
 * rest) */
static gboolean
on_tick (gpointer user_data)
{
  App *app = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 run_delay = thread_run_delay ();
  gint64 lateness = now - app->next_tick;
  gint64 own = lateness;

  if (run_delay >= 0 && app->run_delay >= 0)
    own -= (run_delay - app->run_delay) / 1000;
  app->run_delay = run_delay;
  app->worst_own_lateness = MAX (app->worst_own_lateness, own);

  /* GLib schedules a timeout from its last dispatch */
  app->worst_lateness = MAX (app->worst_lateness, now - app->next_tick);
  app->next_tick = now + TICK_MSEC * 1000;
  app->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
on_progress (PpProxy  *worker,
             guint64   done,
             guint64   total,
             guint     found,
             gpointer  user_data)
{
  App *app = user_data;
  g_autofree char *text = NULL;

  if (app->window == NULL)
    return;
  if (app->self_test)
    app->progress_count++;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (app->progress_bar),
                                 total ? (double) done / total : 0.0);
  text = g_strdup_printf ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " MiB, %u lines",
                          done >> 20, total >> 20, found);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (app->progress_bar), text);

  if (!app->self_test)
    return;
  app->progress_done = done;
  app->progress_total = total;
  app->last_progress_at = g_get_monotonic_time () - app->step_started;
  if (app->progress_count == 1 || app->ticks != app->last_progress_tick)
    app->progress_ticks++;
  if (app->progress_count == 1)
    {
      app->first_progress_at = app->last_progress_at;
      app->list_changes_at_first_progress = app->list_changes;
      if (app->step == STEP_COMPLETE)
        {
          /* The worker changed them before its first progress */
          check (app, g_str_has_prefix (status_text (app), "Worker: running"),
                 "the worker's status reached the window before its progress");
          check (app, !gtk_widget_get_sensitive (app->start_button) &&
                      gtk_widget_get_sensitive (app->cancel_button),
                 "while the job runs, Start is insensitive and Cancel sensitive");
        }
    }
  app->last_progress_tick = app->ticks;
  app->list_changes_at_last_progress = app->list_changes;
  if (app->step == STEP_AFTER_CANCEL)
    app->cancel_progress++;
  test_step (app);
}

static void
on_list_changed (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 gpointer    user_data)
{
  App *app = user_data;

  app->list_changes++;
}

static void
on_status_changed (GActionGroup *group,
                   const char   *name,
                   GVariant     *state,
                   gpointer      user_data)
{
  App *app = user_data;
  g_autofree char *text = NULL;

  if (app->window == NULL || !g_variant_is_of_type (state, G_VARIANT_TYPE_STRING))
    return;
  text = g_strdup_printf ("Worker: %s", g_variant_get_string (state, NULL));
  gtk_label_set_text (GTK_LABEL (app->status_label), text);
  if (app->self_test)
    test_step (app);
}

/* The worker went away: the window says why and lets go of its actions
 * and rows, which were the worker's */
static void
on_worker_closed (PpProxy  *worker,
                  GError   *error,
                  gpointer  user_data)
{
  App *app = user_data;
  g_autofree char *text = NULL;

  if (app->window == NULL)
    return;
  text = g_strdup_printf ("The worker stopped: %s",
                          error ? error->message : "it closed the connection");
  gtk_label_set_text (GTK_LABEL (app->error_label), text);
  gtk_widget_set_visible (app->error_label, TRUE);
  /* A closed proxy cannot list its actions for GTK to forget them, so the
   * buttons are made insensitive here */
  gtk_widget_set_sensitive (app->buttons, FALSE);
  gtk_widget_insert_action_group (app->window, "worker", NULL);
  gtk_no_selection_set_model (app->selection, NULL);
  if (app->self_test)
    test_step (app);
}

/* Saves what the window showed in its last frame as a PNG, rendered by the
 * window's own renderer */
static gboolean
save_screenshot (App         *app,
                 const char  *path,
                 GError     **error)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gdk_paintable_get_intrinsic_width (app->window_paintable);
  int height = gdk_paintable_get_intrinsic_height (app->window_paintable);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (app->window));

  gdk_paintable_snapshot (app->window_paintable, snapshot, width, height);
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

/* The variance of the grey levels of the PNG at @path: 0 for a blank image */
static double
png_variance (const char *path,
              int        *width_out,
              int        *height_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autofree guchar *pixels = NULL;
  int width, height;
  double sum = 0, sum_squares = 0;

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
click (GtkWidget  *button,
       const char *label)
{
  g_print ("clicking %s\n", label);
  g_signal_emit_by_name (button, GTK_IS_CHECK_BUTTON (button) ? "activate" : "clicked");
}

static guint
list_items (App *app)
{
  GListModel *model = gtk_no_selection_get_model (app->selection);

  return model ? g_list_model_get_n_items (model) : 0;
}

static guint64
worker_bytes_read (App *app)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_sync (app->worker, "bytes_read", NULL, -1,
                                                  NULL, &error);
  guint64 bytes = 0;

  if (reply == NULL)
    check (app, FALSE, error->message);
  else
    g_variant_get (reply, "(t)", &bytes);
  return bytes;
}

static void
start_job (App *app)
{
  app->progress_count = 0;
  app->progress_ticks = 0;
  app->list_changes = 0;
  app->list_changes_at_first_progress = 0;
  app->list_changes_at_last_progress = 0;
  app->progress_done = 0;
  app->cancel_clicked = FALSE;
  click (app->start_button, "Start");
}

static void
next_step (App  *app,
           Step  step)
{
  app->step = step;
  app->step_started = g_get_monotonic_time ();
}

/* Each event the window sees moves the test on; test_poll() catches what
 * comes without one (widgets updated by GTK), and the time-out */
static void
test_step (App *app)
{
  switch (app->step)
    {
    case STEP_ACTIONS:
      if (!gtk_widget_get_sensitive (app->start_button))
        return;
      check (app, !gtk_widget_get_sensitive (app->cancel_button),
             "the worker's actions reached the buttons: Start is sensitive, Cancel is not");
      check (app, !gtk_check_button_get_active (GTK_CHECK_BUTTON (app->match_case_button)),
             "Match case is off, as the worker's state says");
      next_step (app, STEP_MATCH_CASE);
      click (app->match_case_button, "Match case");
      break;

    case STEP_MATCH_CASE:
      {
        g_autoptr(GVariant) state = NULL;

        if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (app->match_case_button)))
          return;
        state = g_action_group_get_action_state (G_ACTION_GROUP (app->worker), "match-case");
        check (app, state != NULL && g_variant_get_boolean (state),
               "the click reached the worker, and its new state the check button");
        next_step (app, STEP_COMPLETE);
        start_job (app);
      }
      break;

    case STEP_COMPLETE:
      if (app->screenshot != NULL && !app->screenshot_taken &&
          app->progress_done * 2 >= app->progress_total && app->progress_total > 0)
        {
          g_autoptr(GError) error = NULL;

          app->screenshot_taken = TRUE;
          check (app, save_screenshot (app, app->screenshot, &error),
                 error ? error->message : "the window saved as a PNG halfway");
        }
      if (!g_str_has_prefix (status_text (app), "Worker: done"))
        return;
      g_print ("the job ended with \"%s\" %.0f ms after the click; %u progress updates "
               "arrived from %.0f to %.0f ms, in %u distinct ticks of the timer, the first after "
               "%u and the last after %u of the list's %u changes\n",
               status_text (app), (g_get_monotonic_time () - app->step_started) / 1e3,
               app->progress_count, app->first_progress_at / 1e3, app->last_progress_at / 1e3,
               app->progress_ticks, app->list_changes_at_first_progress,
               app->list_changes_at_last_progress, app->list_changes);
      check (app, list_items (app) == app->expected_lines,
             "the list holds exactly the lines the search finds, matching the case");
      check (app, app->progress_count >= 3, "progress arrived");
      /* Not all at once at the end: the window's timer fired between them,
       * and they came while the list was still filling */
      check (app, app->progress_ticks >= 3, "progress arrived spread over the job");
      check (app, app->list_changes_at_first_progress + 2 < app->list_changes,
             "progress arrived while the list was filling");
      check (app, gtk_widget_get_sensitive (app->start_button) &&
                  !gtk_widget_get_sensitive (app->cancel_button),
             "after the job, Start is sensitive again and Cancel not");
      if (app->screenshot != NULL)
        {
          int width = 0, height = 0;
          double variance = png_variance (app->screenshot, &width, &height);

          g_print ("the screenshot is %d×%d, the variance of its grey levels %.0f\n",
                   width, height, variance);
          check (app, app->screenshot_taken && variance > 100, "the screenshot is not blank");
        }
      next_step (app, STEP_CANCEL);
      start_job (app);
      break;

    case STEP_CANCEL:
      if (!app->cancel_clicked && app->progress_count > 0)
        {
          app->cancel_clicked = TRUE;
          click (app->cancel_button, "Cancel");
          return;
        }
      if (!g_str_has_prefix (status_text (app), "Worker: cancelled"))
        {
          if (g_str_has_prefix (status_text (app), "Worker: done"))
            {
              check (app, FALSE, "the job was cancelled before its end");
              next_step (app, STEP_KILL);
              start_job (app);
            }
          return;
        }
      g_print ("the window shows: %s\n", status_text (app));
      check (app, gtk_widget_get_sensitive (app->start_button) &&
                  !gtk_widget_get_sensitive (app->cancel_button),
             "after the cancel, Start is sensitive again and Cancel not");
      app->items_at_cancel = list_items (app);
      app->bytes_at_cancel = worker_bytes_read (app);
      app->cancel_progress = 0;
      check (app, app->items_at_cancel < app->expected_lines, "the list stopped short");
      next_step (app, STEP_AFTER_CANCEL);
      break;

    case STEP_AFTER_CANCEL:
      /* test_poll() goes on after a while */
      break;

    case STEP_KILL:
      if (!app->killed && app->progress_count > 0)
        {
          GSubprocess *process = pp_proxy_get_subprocess (app->worker);

          g_print ("killing the worker (pid %s)\n", g_subprocess_get_identifier (process));
          app->killed = TRUE;
          app->ticks_at_kill = app->ticks;
          g_subprocess_force_exit (process);
          return;
        }
      if (!gtk_widget_get_visible (app->error_label))
        return;
      g_print ("the window shows: %s\n", gtk_label_get_text (GTK_LABEL (app->error_label)));
      check (app, app->killed, "the worker was killed while the job ran");
      check (app, strstr (gtk_label_get_text (GTK_LABEL (app->error_label)),
                          "killed by signal 9") != NULL,
             "the window says how the worker ended");
      check (app, !gtk_widget_is_sensitive (app->start_button) &&
                  !gtk_widget_is_sensitive (app->cancel_button),
             "the worker's buttons are insensitive without it");
      next_step (app, STEP_AFTER_KILL);
      break;

    case STEP_AFTER_KILL:
    case STEP_DONE:
    default:
      break;
    }
}

/* Every 100 ms: what no event announces, and a bound on every step */
static gboolean
test_poll (gpointer user_data)
{
  App *app = user_data;
  gint64 waited = g_get_monotonic_time () - app->step_started;

  if (app->window == NULL)
    return G_SOURCE_REMOVE;

  if (app->step == STEP_AFTER_CANCEL && waited >= 300 * 1000)
    {
      guint64 bytes = worker_bytes_read (app);

      g_print ("300 ms after it said it stopped, the worker had read %" G_GUINT64_FORMAT
               " bytes more and the list had %u lines more\n",
               bytes - app->bytes_at_cancel, list_items (app) - app->items_at_cancel);
      check (app, bytes == app->bytes_at_cancel && list_items (app) == app->items_at_cancel &&
                  app->cancel_progress == 0,
             "after the cancel the worker read, added and reported nothing more");
      next_step (app, STEP_KILL);
      start_job (app);
      return G_SOURCE_CONTINUE;
    }
  if (app->step == STEP_AFTER_KILL && app->ticks >= app->ticks_at_kill + 10)
    {
      check (app, app->window != NULL && gtk_widget_get_visible (app->window),
             "the window is still there, its timer still running");
      next_step (app, STEP_DONE);
      gtk_window_close (GTK_WINDOW (app->window));
      return G_SOURCE_REMOVE;
    }

  test_step (app);
  if (waited > GUI_WAIT_SEC * G_USEC_PER_SEC && app->step != STEP_AFTER_KILL)
    {
      g_print ("FAILED: step %d did not end within %d s\n", app->step, GUI_WAIT_SEC);
      app->ok = FALSE;
      next_step (app, STEP_DONE);
      gtk_window_close (GTK_WINDOW (app->window));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

/* The row's item is a proxy of the worker's GtkStringObject */
static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  GObject *line = gtk_list_item_get_item (item);
  g_autofree char *text = NULL;

  if (line != NULL)
    g_object_get (line, "string", &text, NULL);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text ? text : "");
}

static void
worker_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  app->worker = pp_proxy_new_for_subprocess_finish (result, &error);
  if (app->window == NULL)
    return;   /* closed meanwhile; main() closes the proxy */
  if (app->worker == NULL || !G_IS_LIST_MODEL (app->worker) || !G_IS_ACTION_GROUP (app->worker))
    {
      g_autofree char *text = g_strdup_printf ("The worker did not start: %s",
                                               error ? error->message
                                                     : "its object is not a list and actions here");

      gtk_label_set_text (GTK_LABEL (app->error_label), text);
      gtk_widget_set_visible (app->error_label, TRUE);
      if (app->self_test)
        {
          check (app, FALSE, text);
          gtk_window_close (GTK_WINDOW (app->window));
        }
      return;
    }

  g_signal_connect (app->worker, "progress", G_CALLBACK (on_progress), app);
  g_signal_connect (app->worker, "action-state-changed::status",
                    G_CALLBACK (on_status_changed), app);
  g_signal_connect (app->worker, "items-changed", G_CALLBACK (on_list_changed), app);
  g_signal_connect (app->worker, "closed", G_CALLBACK (on_worker_closed), app);
  gtk_widget_insert_action_group (app->window, "worker", G_ACTION_GROUP (app->worker));
  gtk_no_selection_set_model (app->selection, G_LIST_MODEL (app->worker));
  if (app->self_test)
    {
      next_step (app, STEP_ACTIONS);
      g_timeout_add (100, test_poll, app);
    }
}

/* After the window's first frame: the worker starts, and the timer's
 * lateness counts from here (GTK's own start, loading fonts and themes,
 * is not the worker's doing) */
static void
on_first_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  App *app = user_data;

  g_signal_handlers_disconnect_by_func (clock, on_first_paint, user_data);
  app->worst_lateness = 0;
  app->worst_own_lateness = 0;
  app->ticks = 0;
  pp_proxy_new_for_subprocess_async (NULL,
                                     (const char * const[]) { app->self_path, "--worker",
                                                              "--pace-msec=" G_STRINGIFY (SELF_TEST_PACE_MSEC),
                                                              NULL },
                                     NULL, NULL, worker_started, app);
}

static void
on_window_mapped (GtkWidget *window,
                  gpointer   user_data)
{
  g_signal_connect_after (gtk_widget_get_frame_clock (window), "after-paint",
                          G_CALLBACK (on_first_paint), user_data);
}

static void
activate (GtkApplication *application,
          gpointer        user_data)
{
  App *app = user_data;
  GtkWidget *box, *buttons, *scrolled, *menu_button;
  GtkListItemFactory *factory;
  g_autoptr(GMenu) menu = NULL;
  g_autoptr(GMenuItem) item = NULL;

  if (app->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (app->window));
      return;
    }

  app->window = gtk_application_window_new (application);
  gtk_window_set_title (GTK_WINDOW (app->window), "Errors in a log, found by a worker");
  gtk_window_set_default_size (GTK_WINDOW (app->window), 640, 420);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_window_set_child (GTK_WINDOW (app->window), box);

  app->buttons = buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (box), buttons);

  app->start_button = gtk_button_new_with_label ("Start");
  gtk_widget_add_css_class (app->start_button, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (app->start_button), "worker.start");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (app->start_button),
                                          g_variant_new_string (app->path));
  gtk_box_append (GTK_BOX (buttons), app->start_button);

  app->cancel_button = gtk_button_new_with_label ("Cancel");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (app->cancel_button), "worker.cancel");
  gtk_box_append (GTK_BOX (buttons), app->cancel_button);

  app->match_case_button = gtk_check_button_new_with_label ("Match case");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (app->match_case_button), "worker.match-case");
  gtk_box_append (GTK_BOX (buttons), app->match_case_button);

  /* The same actions in a menu: its items follow them as the buttons do */
  menu = g_menu_new ();
  item = g_menu_item_new ("Start", NULL);
  g_menu_item_set_action_and_target_value (item, "worker.start", g_variant_new_string (app->path));
  g_menu_append_item (menu, item);
  g_menu_append (menu, "Cancel", "worker.cancel");
  g_menu_append (menu, "Match case", "worker.match-case");
  menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_hexpand (menu_button, TRUE);
  gtk_widget_set_halign (menu_button, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (buttons), menu_button);

  app->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (app->progress_bar), TRUE);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (app->progress_bar), app->path);
  gtk_box_append (GTK_BOX (box), app->progress_bar);

  app->status_label = gtk_label_new ("Starting the worker…");
  gtk_label_set_xalign (GTK_LABEL (app->status_label), 0.0);
  gtk_box_append (GTK_BOX (box), app->status_label);

  app->error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (app->error_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (app->error_label), TRUE);
  gtk_widget_add_css_class (app->error_label, "error");
  gtk_widget_set_visible (app->error_label, FALSE);
  gtk_box_append (GTK_BOX (box), app->error_label);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), app);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), app);
  app->selection = gtk_no_selection_new (NULL);
  app->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (app->selection)),
                                      factory);
  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), app->list_view);
  gtk_box_append (GTK_BOX (box), scrolled);

  g_signal_connect_swapped (app->window, "destroy", G_CALLBACK (g_nullify_pointer),
                            &app->window);
  if (app->screenshot != NULL)
    app->window_paintable = gtk_widget_paintable_new (app->window);
  g_signal_connect_after (app->window, "map", G_CALLBACK (on_window_mapped), app);
  gtk_window_present (GTK_WINDOW (app->window));
}

/* A log of @n_lines lines, some of which mention an error in one case or
 * another; counts those with "error" as it is and in any case */
static char *
write_log (const char  *dir,
           guint        n_lines,
           guint       *with_case,
           guint       *any_case,
           GError     **error)
{
  static const char *const levels[] = { "info", "debug", "warning", "error", "Error", "ERROR",
                                        "notice", "info" };
  static const char *const words[] = { "disk", "network", "cache", "session", "request",
                                       "timer", "worker", "socket", "queue", "index" };
  g_autoptr(GString) text = g_string_sized_new ((gsize) n_lines * 90);
  char *path = g_build_filename (dir, "test.log", NULL);
  guint32 seed = 12345;

  *with_case = *any_case = 0;
  for (guint i = 0; i < n_lines; i++)
    {
      const char *level;

      seed = seed * 1103515245 + 12345;
      level = levels[(seed >> 16) % G_N_ELEMENTS (levels)];
      g_string_append_printf (text, "2026-12-05T12:%02u:%02u.%03uZ host%u app[%u]: %s: %s %s "
                              "took %u ms (%08x)\n",
                              (i / 60000) % 60, (i / 1000) % 60, i % 1000, seed % 7,
                              1000 + seed % 97, level, words[(seed >> 8) % 10],
                              words[(seed >> 12) % 10], seed % 1000, seed);
      /* What SEARCH finds */
      *with_case += strcmp (level, "error") == 0 && seed % 1000 >= 100;
      *any_case += g_ascii_strcasecmp (level, "error") == 0 && seed % 1000 >= 100;
    }
  if (!g_file_set_contents (path, text->str, text->len, error))
    g_clear_pointer (&path, g_free);
  return path;
}

/* What else the machine ran, to read the timer's figure by */
static void
print_load (void)
{
  g_autofree char *contents = NULL;
  double load;

  if (g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL) &&
      sscanf (contents, "%lf", &load) == 1)
    g_print ("load average: %.2f on %u CPUs\n", load, g_get_num_processors ());
}

static void
worker_waited (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_main_loop_quit (user_data);
}

static gboolean
give_up_waiting (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  App app = { .ok = TRUE };
  int status;

  if (argc >= 2 && strcmp (argv[1], "--worker") == 0)
    {
      if (argc == 3 && g_str_has_prefix (argv[2], "--pace-msec="))
        pace_msec = (guint) g_ascii_strtoull (argv[2] + strlen ("--pace-msec="), NULL, 10);
      return run_worker ();
    }

  app.self_path = argv[0];
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--self-test") == 0)
        app.self_test = TRUE;
      else if (g_str_has_prefix (argv[i], "--screenshot="))
        app.screenshot = argv[i] + strlen ("--screenshot=");
      else if (argv[i][0] != '-' && app.path == NULL)
        app.path = g_canonicalize_filename (argv[i], NULL);
      else
        {
          g_printerr ("Usage: %s FILE | --self-test [--screenshot=FILE.png]\n", argv[0]);
          return EXIT_FAILURE;
        }
    }
  if (app.self_test)
    {
      g_autoptr(GError) error = NULL;

      app.dir = g_dir_make_tmp ("gtk-lines-XXXXXX", &error);
      if (app.dir != NULL)
        app.path = write_log (app.dir, LOG_LINES, &app.expected_lines, &app.expected_folded,
                              &error);
      if (app.path == NULL)
        {
          g_printerr ("cannot write a log: %s\n", error->message);
          return EXIT_FAILURE;
        }
      g_print ("%s: %u lines, %u found by the search, %u without matching the case\n", app.path,
               LOG_LINES, app.expected_lines, app.expected_folded);
    }
  else if (app.path == NULL)
    {
      g_printerr ("Usage: %s FILE | --self-test [--screenshot=FILE.png]\n", argv[0]);
      return EXIT_FAILURE;
    }

  app.app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app.app, "activate", G_CALLBACK (activate), &app);
  app.next_tick = g_get_monotonic_time () + TICK_MSEC * 1000;
  app.run_delay = thread_run_delay ();
  g_timeout_add (TICK_MSEC, on_tick, &app);
  status = g_application_run (G_APPLICATION (app.app), 1, argv);

  g_clear_object (&app.window_paintable);
  g_clear_object (&app.selection);
  if (app.worker != NULL)
    {
      g_autoptr(GSubprocess) process = g_object_ref (pp_proxy_get_subprocess (app.worker));
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      guint timeout_id;

      pp_proxy_close (app.worker);
      /* The worker ends when its connection does; at most 20 s */
      timeout_id = g_timeout_add_seconds (20, give_up_waiting, loop);
      g_subprocess_wait_async (process, NULL, worker_waited, loop);
      g_main_loop_run (loop);
      if (app.self_test)
        check (&app, g_subprocess_get_identifier (process) == NULL, "the worker ended");
      if (g_subprocess_get_identifier (process) == NULL)
        g_source_remove (timeout_id);
    }
  g_clear_object (&app.worker);
  g_object_unref (app.app);

  if (app.self_test)
    {
      g_print ("the 16 ms timer fired %u times; its worst lateness: %.1f ms, %.1f ms of it "
               "not spent waiting for a CPU\n", app.ticks, app.worst_lateness / 1e3,
               app.worst_own_lateness / 1e3);
      print_load ();
      check (&app, app.step == STEP_DONE, "every step ran");
      g_unlink (app.path);
      g_rmdir (app.dir);
      g_free (app.dir);
      g_print ("%s\n", app.ok ? "all good" : "FAILED");
    }
  g_free (app.path);
  if (app.self_test)
    return status == 0 && app.ok ? EXIT_SUCCESS : EXIT_FAILURE;
  return status;
}
