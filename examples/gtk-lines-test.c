/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* gtk-lines --self-test: writes a log, clicks the window's buttons itself
 * and checks what a user would see (the steps are listed in gtk-lines.c).
 * Each event the window sees moves the test on (gtk_lines_test_step());
 * test_poll() catches what comes without one (widgets updated by GTK), and
 * bounds the time every step may take. */

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "gtk-lines.h"

#define LOG_LINES          400000
#define GUI_WAIT_SEC       30             /* the most a self-test step may wait */
#define MAX_LATENESS_MSEC  50

static void
check (App        *app,
       gboolean    condition,
       const char *what)
{
  example_check (&app->ok, condition, what);
}

static const char *
status_text (App *app)
{
  return gtk_label_get_text (GTK_LABEL (app->status_label));
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
  return example_worker_count (app->worker, "bytes_read", &app->ok);
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
  /* The last job's status goes: what the label shows next is the new
   * job's */
  gtk_label_set_text (GTK_LABEL (app->status_label), "Worker: asked to start");
  click (app->start_button, "Start");
}

static void
next_step (App  *app,
           Step  step)
{
  app->step = step;
  app->step_started = g_get_monotonic_time ();
}

static void
step_actions (App *app)
{
  if (!gtk_widget_get_sensitive (app->start_button))
    return;
  check (app, !gtk_widget_get_sensitive (app->cancel_button),
         "the worker's actions reached the buttons: Start is sensitive, Cancel is not");
  check (app, !gtk_check_button_get_active (GTK_CHECK_BUTTON (app->match_case_button)),
         "Match case is off, as the worker's state says");
  next_step (app, STEP_MATCH_CASE);
  click (app->match_case_button, "Match case");
}

static void
step_match_case (App *app)
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

/* Halfway through the complete job */
static void
take_screenshot (App *app)
{
  g_autoptr(GError) error = NULL;

  app->screenshot_taken = TRUE;
  check (app, example_save_screenshot (app->window, app->window_paintable, app->screenshot,
                                       &error),
         error ? error->message : "the window saved as a PNG halfway");
}

static void
check_screenshot (App *app)
{
  int width = 0, height = 0;
  double variance = example_png_variance (app->screenshot, &width, &height);

  g_print ("the screenshot is %d×%d, the variance of its grey levels %.0f\n",
           width, height, variance);
  check (app, app->screenshot_taken && variance > 100, "the screenshot is not blank");
}

static void
step_complete (App *app)
{
  if (app->screenshot != NULL && !app->screenshot_taken &&
      app->progress_done * 2 >= app->progress_total && app->progress_total > 0)
    take_screenshot (app);
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
    check_screenshot (app);
  next_step (app, STEP_CANCEL);
  start_job (app);
}

static void
step_cancel (App *app)
{
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
}

static void
step_kill (App *app)
{
  if (!app->killed && app->progress_count > 0)
    {
      GSubprocess *process = pp_proxy_get_subprocess (app->worker);

      g_print ("killing the worker (pid %s)\n", g_subprocess_get_identifier (process));
      app->killed = TRUE;
      app->ticks_at_kill = app->timer.ticks;
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
}

/* Each event the window sees moves the test on; test_poll() catches what
 * comes without one (widgets updated by GTK), and the time-out */
void
gtk_lines_test_step (App *app)
{
  switch (app->step)
    {
    case STEP_ACTIONS:      step_actions (app); break;
    case STEP_MATCH_CASE:   step_match_case (app); break;
    case STEP_COMPLETE:     step_complete (app); break;
    case STEP_CANCEL:       step_cancel (app); break;
    case STEP_KILL:         step_kill (app); break;
    /* test_poll() goes on after a while */
    case STEP_AFTER_CANCEL:
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
  if (app->step == STEP_AFTER_KILL && app->timer.ticks >= app->ticks_at_kill + 10)
    {
      check (app, app->window != NULL && gtk_widget_get_visible (app->window),
             "the window is still there, its timer still running");
      next_step (app, STEP_DONE);
      gtk_window_close (GTK_WINDOW (app->window));
      return G_SOURCE_REMOVE;
    }

  gtk_lines_test_step (app);
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


/* The self-test's part of a progress update */
void
gtk_lines_test_progress (App     *app,
                         guint64  done,
                         guint64  total)
{
  app->progress_count++;
  app->progress_done = done;
  app->progress_total = total;
  app->last_progress_at = g_get_monotonic_time () - app->step_started;
  if (app->progress_count == 1 || app->timer.ticks != app->last_progress_tick)
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
  app->last_progress_tick = app->timer.ticks;
  app->list_changes_at_last_progress = app->list_changes;
  if (app->step == STEP_AFTER_CANCEL)
    app->cancel_progress++;
  gtk_lines_test_step (app);
}

/* The worker's proxy is there: the first step waits for its actions */
void
gtk_lines_test_begin (App *app)
{
  next_step (app, STEP_ACTIONS);
  g_timeout_add (100, test_poll, app);
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

/* The log to read, in a temporary directory */
gboolean
gtk_lines_test_prepare (App *app)
{
  g_autoptr(GError) error = NULL;

  app->dir = g_dir_make_tmp ("gtk-lines-XXXXXX", &error);
  if (app->dir != NULL)
    app->path = write_log (app->dir, LOG_LINES, &app->expected_lines, &app->expected_folded,
                           &error);
  if (app->path == NULL)
    {
      g_printerr ("cannot write a log: %s\n", error->message);
      return FALSE;
    }
  g_print ("%s: %u lines, %u found by the search, %u without matching the case\n", app->path,
           LOG_LINES, app->expected_lines, app->expected_folded);
  return TRUE;
}

/* After the window closed and the worker ended: the verdict */
int
gtk_lines_test_finish (App *app,
                       int  status)
{
  double load;

  example_timer_print (&app->timer);
  load = example_print_load ();
  /* Above one runnable thread per CPU, the worker's own work and the X
   * server's wait for CPUs too, and the window waits for them: measured
   * at load 13–19 on 2 CPUs, up to 100 ms of the window's lateness was
   * neither its own wait for a CPU nor its worker's */
  if (app->timer.run_delay_known && load >= 0 && load <= g_get_num_processors ())
    check (app, app->timer.worst_own_lateness <= MAX_LATENESS_MSEC * 1000,
           "the 16 ms timer stayed within 50 ms of schedule, less the waits for a CPU");
  else
    g_print ("not checked: the timer's lateness, on a machine this loaded\n");
  check (app, app->step == STEP_DONE, "every step ran");
  g_unlink (app->path);
  g_rmdir (app->dir);
  g_clear_pointer (&app->dir, g_free);
  g_print ("%s\n", app->ok ? "all good" : "FAILED");
  return status == 0 && app->ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
