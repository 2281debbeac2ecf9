/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* gtk-lines' worker: the object that lives in the child (gtk-lines run
 * with --worker), the job that reads the log, and the listener that
 * serves the object to the window.
 *
 * The object is a GSimpleActionGroup subclass that also implements
 * GListModel over a GListStore of GtkStringObjects. The job reads and
 * matches in a thread; every batch of lines is handed to the worker's main
 * context, which keeps them and, at most every FLUSH_MSEC, appends what it
 * kept to the store and emits "progress". So the worker's main context,
 * which answers the window's calls (the rows the list view asks for), is
 * never busy for long, and the window gets a few changes a second, not
 * one per batch.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "gtk-lines.h"

#define BATCH_BYTES        (256 * 1024)   /* of the file, per batch */
#define FLUSH_MSEC         50             /* the most often the list grows */

#define GTK_LINES_TYPE_WORKER (gtk_lines_worker_get_type ())
G_DECLARE_FINAL_TYPE (GtkLinesWorker, gtk_lines_worker, GTK_LINES, WORKER, GSimpleActionGroup)

struct _GtkLinesWorker
{
  GSimpleActionGroup parent_instance;
  GListStore        *lines;        /* GtkStringObject */
  GCancellable      *cancellable;  /* of the job running, NULL when none */
  guint64            bytes_read;   /* by every job, atomically */
  /* What the job found since the list last grew */
  GPtrArray         *found;        /* char *, lines */
  guint64            done;         /* bytes of the file read */
  guint64            total;
  guint              flush_id;
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

/* In the worker's main context: the lines found join the list, and the
 * window hears of them, at most every FLUSH_MSEC, in one items-changed
 * and one progress for all the batches read meanwhile. A window that
 * gets the CPU after a while has that many fewer changes to go through. */
static void
flush_found (GtkLinesWorker *self,
             gboolean        report)
{
  guint n = self->found->len;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (n > 0)
    {
      g_autofree gpointer *items = g_new (gpointer, n);

      for (guint i = 0; i < n; i++)
        items[i] = gtk_string_object_new (g_ptr_array_index (self->found, i));
      g_list_store_splice (self->lines, g_list_model_get_n_items (G_LIST_MODEL (self->lines)),
                           0, items, n);
      for (guint i = 0; i < n; i++)
        g_object_unref (items[i]);
      g_ptr_array_set_size (self->found, 0);
    }
  if (report)
    g_signal_emit (self, worker_signals[PROGRESS], 0, self->done, self->total,
                   g_list_model_get_n_items (G_LIST_MODEL (self->lines)));
}

static gboolean
flush_timeout (gpointer user_data)
{
  GtkLinesWorker *self = user_data;

  self->flush_id = 0;
  flush_found (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* The job's end: what it found is shown, and its status */
static void
end_job (GtkLinesWorker *self,
         Batch          *batch,
         gboolean        cancelled)
{
  g_autofree char *status = NULL;

  if (cancelled)
    status = g_strdup_printf ("cancelled after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                              " bytes", batch->done, batch->total);
  else if (batch->error != NULL)
    status = g_strdup_printf ("failed: %s", batch->error->message);
  else
    status = g_strdup_printf ("done: %u lines",
                              g_list_model_get_n_items (G_LIST_MODEL (self->lines)));
  if (self->cancellable == batch->job->cancellable)
    {
      g_clear_object (&self->cancellable);
      set_running (self, FALSE);
    }
  set_action_state (self, "status", g_variant_new_string (status));
  job_free (batch->job);
}

/* In the worker's main context */
static gboolean
apply_batch (gpointer data)
{
  Batch *batch = data;
  GtkLinesWorker *self = batch->job->worker;
  /* A batch of a job cancelled meanwhile is dropped, and what the job
   * found before it and the list does not show yet */
  gboolean cancelled = g_cancellable_is_cancelled (batch->job->cancellable);

  if (cancelled && self->cancellable == batch->job->cancellable)
    {
      g_clear_handle_id (&self->flush_id, g_source_remove);
      g_ptr_array_set_size (self->found, 0);
    }
  if (!cancelled)
    {
      g_ptr_array_extend_and_steal (self->found, g_steal_pointer (&batch->lines));
      self->done = batch->done;
      self->total = batch->total;
      if (batch->last)
        flush_found (self, FALSE);
      else if (self->flush_id == 0)
        self->flush_id = g_timeout_add (FLUSH_MSEC, flush_timeout, self);
    }
  if (batch->last)
    end_job (self, batch, cancelled);
  g_clear_error (&batch->error);
  g_clear_pointer (&batch->lines, g_ptr_array_unref);
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
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->found, g_ptr_array_unref);
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
  self->found = g_ptr_array_new_with_free_func (g_free);
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

int
gtk_lines_run_worker (guint pace)
{
  g_autoptr(GtkLinesWorker) worker = g_object_new (GTK_LINES_TYPE_WORKER, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  pace_msec = pace;
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
