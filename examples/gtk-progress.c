/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* gtk-progress: a GTK 4 window that offloads a long job to a worker process.
 *
 * The window has a Start button, a progress bar, a Cancel button and a
 * line of status. Start hashes a few hundred MiB of generated data
 * (SHA-256) in a worker process, which is this program run again with
 * --worker; the progress bar follows the worker's "progress" signal, Cancel
 * cancels the call and the worker stops hashing, and a worker that crashes
 * mid-job shows its end in the status line.
 *
 *   $ ./gtk-progress                   the window; the job is 512 MiB
 *   $ ./gtk-progress --self-test [--screenshot=FILE.png]
 *
 * --self-test clicks the buttons itself, checks what a user would see, prints
 * what it measured and exits 0 or 1 (the test example-gtk-progress runs it
 * under xvfb-run):
 *
 *   1. a 64 MiB job runs to the end: progress updates arrive while it runs,
 *      before its reply, and the digest is right; with --screenshot, the
 *      window is saved as a PNG when the job is a third done;
 *   2. a job is cancelled when a quarter done: the call ends with
 *      G_IO_ERROR_CANCELLED, and the worker stops (it says so with its
 *      "stopped" signal, and hashes nothing more afterwards);
 *   3. a job during which the worker aborts: the call ends with
 *      PP_ERROR_DISCONNECTED and the status line says how the worker ended;
 *   4. the window is closed while a job runs: the worker process ends.
 *
 * Throughout, a 16 ms timer in the window's main loop records its worst gap,
 * which is printed, not checked: it depends on the machine's load.
 *
 * How the worker is written, and why:
 *
 * - The worker's object (GtkProgressHasher) has no typelib, so its methods
 *   are not found by introspection. "hash" is answered from
 *   PpListener::handle-method-call, which hands over a PpInvocation that
 *   may be answered later and from any thread: the handler starts a thread
 *   that hashes, and answers the invocation when it is done. The worker's
 *   main context stays free to read the connection meanwhile.
 *
 * - Cancelling the call on the proxy sends a CANCEL to the worker, which
 *   cancels pp_invocation_get_cancellable() of the invocation: the thread
 *   checks it after every MiB, stops, and emits "stopped".
 *
 * - Signals may be emitted from any thread of the worker: the listener sends
 *   them as they are emitted, in order with the reply, and the proxy emits
 *   them in the window's main context.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gtk/gtk.h>
#include <pipeproxy/pipeproxy.h>

#include "example-selftest.h"

/* The worker hashes the data one chunk at a time, and checks for a cancel
 * and reports progress between chunks. */
#define CHUNK_SIZE         (1024 * 1024)
#define PROGRESS_EVERY     2              /* chunks */
#define MAX_JOB_MIB        4096

#define WINDOW_JOB_MIB     512
#define TEST_JOB_MIB       64
/* SHA-256 of the 64 MiB the worker generates (see fill_chunk()), computed
 * independently with Python's hashlib */
#define TEST_JOB_DIGEST    "6b5ca5cdb971a54ec3be4e284afc55efc9cd7cb5c13af3deadaad52330ca9203"

#define TICK_MSEC          16

/* Chunk @index of a job's data: the bytes (j + 7 * index) mod 256 */
static void
fill_chunk (guint8  *chunk,
            guint32  index)
{
  for (gsize j = 0; j < CHUNK_SIZE; j++)
    chunk[j] = (guint8) (j + 7 * index);
}

/* The worker ---------------------------------------------------------- */

#define GTK_PROGRESS_TYPE_HASHER (gtk_progress_hasher_get_type ())
G_DECLARE_FINAL_TYPE (GtkProgressHasher, gtk_progress_hasher, GTK_PROGRESS, HASHER, GObject)

struct _GtkProgressHasher
{
  GObject parent_instance;
  guint64 bytes_hashed;         /* by every job, atomically */
};

G_DEFINE_FINAL_TYPE (GtkProgressHasher, gtk_progress_hasher, G_TYPE_OBJECT)

enum {
  PROGRESS,
  STOPPED,
  N_SIGNALS
};

static guint hasher_signals[N_SIGNALS];

static void
gtk_progress_hasher_class_init (GtkProgressHasherClass *klass)
{
  /* progress (u job, t done, t total) */
  hasher_signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_UINT64);
  /* stopped (u job, t done): the job saw its call cancelled and stopped */
  hasher_signals[STOPPED] =
    g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_UINT, G_TYPE_UINT64);
}

static void
gtk_progress_hasher_init (GtkProgressHasher *self)
{
}

typedef struct
{
  GtkProgressHasher *hasher;
  PpInvocation      *invocation;
  guint32            id;
  guint32            mib;
  guint32            crash_at_mib;   /* 0: never */
} HashJob;

static gpointer
hash_job_thread (gpointer data)
{
  HashJob *job = data;
  GCancellable *cancellable = pp_invocation_get_cancellable (job->invocation);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *chunk = g_malloc (CHUNK_SIZE);
  guint64 total = (guint64) job->mib * CHUNK_SIZE;
  guint64 done = 0;

  for (guint32 i = 0; i < job->mib; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_signal_emit (job->hasher, hasher_signals[STOPPED], 0, job->id, done);
          /* Nobody waits for this answer any more; the proxy drops it. */
          pp_invocation_return_error_literal (job->invocation, G_IO_ERROR,
                                              G_IO_ERROR_CANCELLED, "The job was cancelled");
          goto out;
        }
      if (job->crash_at_mib != 0 && i == job->crash_at_mib)
        {
          g_printerr ("worker: crashing on purpose after %u MiB\n", i);
          abort ();
        }
      fill_chunk (chunk, i);
      g_checksum_update (checksum, chunk, CHUNK_SIZE);
      done += CHUNK_SIZE;
      g_atomic_pointer_add (&job->hasher->bytes_hashed, CHUNK_SIZE);
      if ((i + 1) % PROGRESS_EVERY == 0 && i + 1 < job->mib)
        g_signal_emit (job->hasher, hasher_signals[PROGRESS], 0, job->id, done, total);
    }
  pp_invocation_return_value (job->invocation,
                              g_variant_new ("(s)", g_checksum_get_string (checksum)));

out:
  g_object_unref (job->invocation);
  g_object_unref (job->hasher);
  g_free (job);
  return NULL;
}

/* hash (u job, u mib, u crash_at_mib) → (s digest), answered by a thread */
static gboolean
on_handle_hash (PpListener   *listener,
                const char   *method_name,
                GVariant     *parameters,
                PpInvocation *invocation,
                gpointer      user_data)
{
  HashJob *job;

  /* A handler's arguments are exactly what the peer sent, unchecked */
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uuu)")))
    {
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          "method “hash” expects (uuu)");
      return TRUE;
    }
  job = g_new0 (HashJob, 1);
  g_variant_get (parameters, "(uuu)", &job->id, &job->mib, &job->crash_at_mib);
  if (job->mib == 0 || job->mib > MAX_JOB_MIB)
    {
      g_free (job);
      pp_invocation_return_error_literal (invocation, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                                          "hash: the size is out of range");
      return TRUE;
    }
  job->hasher = g_object_ref (GTK_PROGRESS_HASHER (pp_invocation_get_object (invocation)));
  job->invocation = g_object_ref (invocation);
  g_thread_unref (g_thread_new ("hash job", hash_job_thread, job));
  return TRUE;
}

/* bytes_hashed () → (t): what every job has hashed so far */
static GVariant *
bytes_hashed_method (GObject   *object,
                     GVariant  *parameters,
                     gpointer   user_data,
                     GError   **error)
{
  GtkProgressHasher *self = GTK_PROGRESS_HASHER (object);

  return g_variant_new ("(t)", (guint64) g_atomic_pointer_get (&self->bytes_hashed));
}

static int
run_worker (void)
{
  g_autoptr(GtkProgressHasher) hasher = g_object_new (GTK_PROGRESS_TYPE_HASHER, NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  listener = pp_listener_new_for_parent (G_OBJECT (hasher), &error);
  if (listener == NULL)
    {
      g_printerr ("worker: %s (run me without --worker)\n", error->message);
      return EXIT_FAILURE;
    }
  pp_listener_add_method (listener, "bytes_hashed", G_VARIANT_TYPE_UNIT,
                          G_VARIANT_TYPE ("(t)"), bytes_hashed_method, NULL, NULL);
  g_signal_connect (listener, "handle-method-call::hash", G_CALLBACK (on_handle_hash), NULL);
  pp_listener_run (listener);   /* until the window closes its proxy or goes away */
  return EXIT_SUCCESS;
}

/* The window ---------------------------------------------------------- */

typedef enum {
  TEST_NONE,
  TEST_COMPLETE,
  TEST_CANCEL,
  TEST_CRASH,
  TEST_CLOSE,
} TestStep;

typedef struct
{
  GtkApplication *app;
  const char     *self_path;
  GtkWidget      *window;
  GtkWidget      *start_button;
  GtkWidget      *cancel_button;
  GtkWidget      *progress_bar;
  GtkWidget      *status_label;
  GdkPaintable   *window_paintable;   /* for --screenshot */

  PpProxy        *worker;
  GCancellable   *cancellable;    /* of the job running; NULL when none */
  guint32         job_id;
  guint32         job_mib;
  guint32         crash_at_mib;

  /* What the job showed */
  guint           updates;        /* progress updates before the reply */
  gint64          job_started;
  gint64          last_update;
  gint64          max_update_gap;
  gint64          sum_update_gap;
  guint64         last_done;
  gint64          cancelled_at;
  gint64          cancel_latency;
  gboolean        stopped;        /* the worker said it stopped the job */
  guint64         stopped_after;
  gint64          stop_latency;   /* from the click to the worker's "stopped" */

  ExampleTimer    timer;          /* every 16 ms */

  /* --self-test */
  gboolean        self_test;
  const char     *screenshot;
  gboolean        screenshot_taken;
  TestStep        step;
  gboolean        ok;
  guint64         bytes_before;
  guint64         worker_cpu_before;
} App;

static void start_job (App *app);
static void test_next (App *app);

static void
set_status (App        *app,
            const char *text)
{
  gtk_label_set_text (GTK_LABEL (app->status_label), text);
}

static void
set_running (App      *app,
             gboolean  running)
{
  gtk_widget_set_sensitive (app->start_button, !running);
  gtk_widget_set_sensitive (app->cancel_button, running);
}

static void
check (App        *app,
       gboolean    condition,
       const char *what)
{
  example_check (&app->ok, condition, what);
}

/* The worker's progress, emitted on the proxy in the window's main context */
static void
on_progress (PpProxy  *worker,
             guint     job,
             guint64   done,
             guint64   total,
             gpointer  user_data)
{
  App *app = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *text = NULL;

  if (app->window == NULL || app->cancellable == NULL || job != app->job_id)
    return;   /* a job that already ended, or the window is gone */

  app->updates++;
  app->max_update_gap = MAX (app->max_update_gap, now - app->last_update);
  app->sum_update_gap += now - app->last_update;
  app->last_update = now;
  app->last_done = done;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (app->progress_bar), (double) done / total);
  text = g_strdup_printf ("Hashing… %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " MiB",
                          done >> 20, total >> 20);
  set_status (app, text);

  if (!app->self_test)
    return;
  if (app->step == TEST_COMPLETE && app->screenshot != NULL && !app->screenshot_taken
      && done * 3 >= total)
    {
      g_autoptr(GError) error = NULL;
      gboolean saved = example_save_screenshot (app->window, app->window_paintable,
                                                app->screenshot, &error);

      app->screenshot_taken = TRUE;
      check (app, saved, saved ? "the window saved as a PNG mid-job" : error->message);
    }
  if (app->step == TEST_CLOSE)
    {
      g_print ("closing the window at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " MiB\n",
               done >> 20, total >> 20);
      gtk_window_close (GTK_WINDOW (app->window));
    }
  if (app->step == TEST_CANCEL && app->cancelled_at == 0 && done * 4 >= total)
    {
      g_print ("clicking Cancel at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " MiB\n",
               done >> 20, total >> 20);
      g_signal_emit_by_name (app->cancel_button, "clicked");
    }
}

static void
on_stopped (PpProxy  *worker,
            guint     job,
            guint64   done,
            gpointer  user_data)
{
  App *app = user_data;
  g_autofree char *text = NULL;

  if (app->window == NULL || job != app->job_id)
    return;
  app->stopped = TRUE;
  app->stopped_after = done;
  app->stop_latency = g_get_monotonic_time () - app->cancelled_at;
  text = g_strdup_printf ("Cancelled; the worker stopped after %" G_GUINT64_FORMAT " MiB",
                          done >> 20);
  set_status (app, text);
  if (app->self_test && app->step == TEST_CANCEL && app->cancellable == NULL)
    test_next (app);
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);
  gint64 now = g_get_monotonic_time ();
  gint64 elapsed = now - app->job_started;
  const char *digest = NULL;

  g_clear_object (&app->cancellable);
  if (app->window == NULL)
    return;   /* closed meanwhile */
  set_running (app, FALSE);

  if (reply != NULL)
    {
      g_autofree char *text = NULL;

      g_variant_get (reply, "(&s)", &digest);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (app->progress_bar), 1.0);
      text = g_strdup_printf ("Done: %u MiB in %.1f s, SHA-256 %.16s…",
                              app->job_mib, elapsed / 1e6, digest);
      set_status (app, text);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      app->cancel_latency = now - app->cancelled_at;
      if (!app->stopped)
        set_status (app, "Cancelled");
    }
  else
    {
      g_autofree char *text = g_strdup_printf ("The job failed: %s", error->message);

      set_status (app, text);
      /* A worker that went away stays gone: the next job starts a new one */
      if (pp_proxy_is_closed (app->worker))
        g_clear_object (&app->worker);
    }

  if (!app->self_test)
    return;

  g_print ("job %u (%u MiB) ended after %.0f ms with %s; %u progress updates before the "
           "reply, %.1f ms apart on average, %.1f ms at most; the 16 ms timer's worst lateness "
           "meanwhile: %.1f ms, %.1f ms of it not spent waiting for a CPU\n",
           app->job_id, app->job_mib, elapsed / 1e3,
           reply ? "a result" : error->message, app->updates,
           app->updates ? app->sum_update_gap / 1e3 / app->updates : 0.0,
           app->max_update_gap / 1e3, app->timer.worst_lateness / 1e3,
           app->timer.worst_own_lateness / 1e3);

  switch (app->step)
    {
    case TEST_COMPLETE:
      check (app, reply != NULL, "the job ended with a result");
      check (app, digest != NULL && g_str_equal (digest, TEST_JOB_DIGEST), "the digest is right");
      /* One update every PROGRESS_EVERY MiB but at the end */
      check (app, app->updates == TEST_JOB_MIB / PROGRESS_EVERY - 1,
             "every progress update arrived before the reply");
      check (app, app->screenshot == NULL || app->screenshot_taken, "the screenshot was taken");
      test_next (app);
      break;

    case TEST_CANCEL:
      check (app, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
             "the cancelled job ended with G_IO_ERROR_CANCELLED");
      check (app, app->updates > 0, "progress updates arrived before the cancel");
      g_print ("cancel latency (click to the call's end): %.2f ms\n", app->cancel_latency / 1e3);
      /* A job that ran to its end before the cancel reached the worker
       * sends no "stopped": the check above has failed, go on */
      if (app->stopped || reply != NULL)
        test_next (app);
      /* else on_stopped() goes on */
      break;

    case TEST_CRASH:
      check (app, g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED),
             "the job ended with PP_ERROR_DISCONNECTED when the worker crashed");
      check (app, app->updates > 0, "progress updates arrived before the crash");
      check (app, strstr (gtk_label_get_text (GTK_LABEL (app->status_label)),
                          "killed by signal 6") != NULL,
             "the window says how the worker ended");
      g_print ("the window shows: %s\n", gtk_label_get_text (GTK_LABEL (app->status_label)));
      test_next (app);
      break;

    case TEST_CLOSE:   /* the window closed: main() checks the rest */
      break;

    case TEST_NONE:
    default:
      g_assert_not_reached ();
    }
}

static void
call_hash (App *app)
{
  app->job_id++;
  app->updates = 0;
  app->max_update_gap = 0;
  app->sum_update_gap = 0;
  app->last_done = 0;
  app->cancelled_at = 0;
  app->stopped = FALSE;
  app->job_started = app->last_update = g_get_monotonic_time ();
  example_timer_reset (&app->timer);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (app->progress_bar), 0.0);
  set_status (app, "Hashing…");

  /* No time-out: the job takes as long as it takes, and Cancel ends it */
  pp_proxy_call_async (app->worker, "hash",
                       g_variant_new ("(uuu)", app->job_id, app->job_mib, app->crash_at_mib),
                       G_MAXINT, app->cancellable, job_done, app);
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
    {
      g_clear_object (&app->cancellable);
      return;   /* closed meanwhile; main() closes the proxy */
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Cancel while it started: the library has stopped the child */
      g_clear_object (&app->cancellable);
      set_running (app, FALSE);
      set_status (app, "Cancelled");
      return;
    }
  if (app->worker == NULL)
    {
      g_autofree char *text = g_strdup_printf ("The worker did not start: %s", error->message);

      set_status (app, text);
      g_clear_object (&app->cancellable);
      set_running (app, FALSE);
      if (app->self_test)
        {
          check (app, FALSE, text);
          g_application_quit (G_APPLICATION (app->app));
        }
      return;
    }
  g_signal_connect (app->worker, "progress", G_CALLBACK (on_progress), app);
  g_signal_connect (app->worker, "stopped", G_CALLBACK (on_stopped), app);
  if (g_cancellable_is_cancelled (app->cancellable))
    {
      g_clear_object (&app->cancellable);
      set_running (app, FALSE);
      set_status (app, "Cancelled");
      return;
    }
  call_hash (app);
}

static void
start_job (App *app)
{
  app->cancellable = g_cancellable_new ();
  set_running (app, TRUE);
  if (app->worker != NULL)
    {
      call_hash (app);
      return;
    }

  set_status (app, "Starting the worker…");
  pp_proxy_new_for_subprocess_async (NULL,
                                     (const char * const[]) { app->self_path, "--worker", NULL },
                                     NULL, app->cancellable, worker_started, app);
}

static void
on_start_clicked (GtkButton *button,
                  gpointer   user_data)
{
  start_job (user_data);
}

static void
on_cancel_clicked (GtkButton *button,
                   gpointer   user_data)
{
  App *app = user_data;

  if (app->cancellable == NULL)
    return;
  app->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (app->cancellable);
}

/* CPU time the worker has used, in clock ticks, from /proc/PID/stat */
static guint64
worker_cpu_ticks (App *app)
{
  const char *pid = g_subprocess_get_identifier (pp_proxy_get_subprocess (app->worker));
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL)
      || (after_name = strrchr (contents, ')')) == NULL)
    return 0;
  /* After "pid (name)": state is field 3, utime field 14 and stime field 15 */
  fields = g_strsplit (after_name + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static guint64
worker_bytes_hashed (App *app)
{
  return example_worker_count (app->worker, "bytes_hashed", &app->ok);
}

static gboolean
test_after_cancel (gpointer user_data)
{
  App *app = user_data;
  guint64 bytes = worker_bytes_hashed (app);
  guint64 cpu = worker_cpu_ticks (app);

  g_print ("300 ms after it stopped, the worker used %.0f ms of CPU time and hashed %"
           G_GUINT64_FORMAT " bytes more\n",
           (double) (cpu - app->worker_cpu_before) * 1000 / sysconf (_SC_CLK_TCK),
           bytes - app->bytes_before);
  check (app, bytes == app->bytes_before, "the worker hashed nothing after it stopped");

  /* 3. A job during which the worker crashes */
  app->step = TEST_CRASH;
  app->job_mib = TEST_JOB_MIB;
  app->crash_at_mib = TEST_JOB_MIB / 2;
  g_print ("clicking Start; the worker will abort halfway\n");
  g_signal_emit_by_name (app->start_button, "clicked");
  return G_SOURCE_REMOVE;
}

static void
test_next (App *app)
{
  switch (app->step)
    {
    case TEST_NONE:
      /* 1. A job that runs to the end */
      app->step = TEST_COMPLETE;
      app->job_mib = TEST_JOB_MIB;
      g_print ("clicking Start\n");
      g_signal_emit_by_name (app->start_button, "clicked");
      break;

    case TEST_COMPLETE:
      /* 2. A job cancelled a quarter of the way (by on_progress()) */
      app->step = TEST_CANCEL;
      g_print ("clicking Start again\n");
      g_signal_emit_by_name (app->start_button, "clicked");
      break;

    case TEST_CANCEL:
      check (app, app->stopped, "the worker stopped the job");
      g_print ("the worker stopped after %" G_GUINT64_FORMAT " MiB, %" G_GUINT64_FORMAT
               " MiB after the progress update before the cancel; its \"stopped\" came "
               "%.2f ms after the click\n",
               app->stopped_after >> 20, (app->stopped_after - app->last_done) >> 20,
               app->stop_latency / 1e3);
      /* What it hashed since it stopped, and the CPU it used, a while later */
      app->bytes_before = worker_bytes_hashed (app);
      app->worker_cpu_before = worker_cpu_ticks (app);
      g_timeout_add (300, test_after_cancel, app);
      break;

    case TEST_CRASH:
      /* 4. The window closed during a job; main() waits for the worker */
      app->step = TEST_CLOSE;
      app->crash_at_mib = 0;
      g_print ("clicking Start; the window will be closed during the job\n");
      g_signal_emit_by_name (app->start_button, "clicked");
      break;

    case TEST_CLOSE:
    default:
      g_assert_not_reached ();
    }
}

static void
on_window_mapped (GtkWidget *window,
                  gpointer   user_data)
{
  App *app = user_data;

  if (app->self_test && app->step == TEST_NONE)
    test_next (app);
}

static void
activate (GtkApplication *application,
          gpointer        user_data)
{
  App *app = user_data;
  GtkWidget *box, *buttons;

  if (app->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (app->window));
      return;
    }

  app->window = gtk_application_window_new (application);
  gtk_window_set_title (GTK_WINDOW (app->window), "Hash in a worker");
  gtk_window_set_default_size (GTK_WINDOW (app->window), 420, -1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_window_set_child (GTK_WINDOW (app->window), box);

  app->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (app->progress_bar), TRUE);
  gtk_box_append (GTK_BOX (box), app->progress_bar);

  app->status_label = gtk_label_new ("Press Start to hash in a worker process");
  gtk_label_set_wrap (GTK_LABEL (app->status_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (app->status_label), 0.0);
  gtk_box_append (GTK_BOX (box), app->status_label);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (box), buttons);

  app->cancel_button = gtk_button_new_with_label ("Cancel");
  g_signal_connect (app->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), app);
  gtk_box_append (GTK_BOX (buttons), app->cancel_button);

  app->start_button = gtk_button_new_with_label ("Start");
  gtk_widget_add_css_class (app->start_button, "suggested-action");
  g_signal_connect (app->start_button, "clicked", G_CALLBACK (on_start_clicked), app);
  gtk_box_append (GTK_BOX (buttons), app->start_button);

  set_running (app, FALSE);
  g_signal_connect_swapped (app->window, "destroy", G_CALLBACK (g_nullify_pointer),
                            &app->window);
  if (app->screenshot != NULL)
    app->window_paintable = gtk_widget_paintable_new (app->window);
  g_signal_connect_after (app->window, "map", G_CALLBACK (on_window_mapped), app);
  gtk_window_present (GTK_WINDOW (app->window));
}

int
main (int   argc,
      char *argv[])
{
  App app = { .job_mib = WINDOW_JOB_MIB, .ok = TRUE };
  int status;

  if (argc == 2 && strcmp (argv[1], "--worker") == 0)
    return run_worker ();

  app.self_path = argv[0];
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--self-test") == 0)
        app.self_test = TRUE;
      else if (g_str_has_prefix (argv[i], "--screenshot="))
        app.screenshot = argv[i] + strlen ("--screenshot=");
      else
        {
          g_printerr ("Usage: %s [--self-test [--screenshot=FILE.png]]\n", argv[0]);
          return EXIT_FAILURE;
        }
    }

  app.app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app.app, "activate", G_CALLBACK (activate), &app);
  example_timer_start (&app.timer, TICK_MSEC);
  status = g_application_run (G_APPLICATION (app.app), 1, argv);

  g_clear_object (&app.window_paintable);
  if (app.worker != NULL)
    {
      g_autoptr(GSubprocess) process = g_object_ref (pp_proxy_get_subprocess (app.worker));

      /* The worker's pp_listener_run() returns, even during a job: the
       * job's cancellable is cancelled and its thread stops. */
      pp_proxy_close (app.worker);
      if (app.self_test)
        check (&app, example_wait_for_process (process, 20),
               "the worker ended after the window closed");
    }
  g_clear_object (&app.cancellable);
  g_clear_object (&app.worker);
  g_object_unref (app.app);

  if (app.self_test)
    {
      check (&app, app.step == TEST_CLOSE, "every step ran");
      g_print ("%s\n", app.ok ? "all good" : "FAILED");
      return status == 0 && app.ok ? EXIT_SUCCESS : EXIT_FAILURE;
    }
  return status;
}
