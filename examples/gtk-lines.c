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
 * Throughout, a 16 ms timer in the window records how late it fires: the
 * worst lateness is printed, and what is left of it once the time the
 * window's thread waited for a CPU is taken out (the scheduler's run_delay
 * of the thread, /proc/thread-self/schedstat, per tick; and, while the
 * thread was blocked, the run_delay of the worker's main thread it was
 * waiting for) must stay within 50 ms. A machine loaded with other work
 * makes the first figure anything; the second is what the window and the
 * worker's main thread did.
 *
 * The self-test's worker pauses --pace-msec between batches, so that the
 * job lasts seconds however fast the machine is and Cancel and the kill
 * come while it runs; a user's window runs the worker flat out, and stays
 * responsive (see "Lists, read in batches" in docs/interfaces.md for what
 * keeps the window from reading the list row by row while it grows).
 *
 * The worker is in gtk-lines-worker.c, the self-test's steps in
 * gtk-lines-test.c.
 */

#include <stdlib.h>
#include <string.h>

#include "gtk-lines.h"

#define SELF_TEST_PACE_MSEC 15         /* 136 batches: 2 s at least */

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
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (app->progress_bar),
                                 total ? (double) done / total : 0.0);
  text = g_strdup_printf ("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " MiB, %u lines",
                          done >> 20, total >> 20, found);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (app->progress_bar), text);

  if (app->self_test)
    gtk_lines_test_progress (app, done, total);
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
    gtk_lines_test_step (app);
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
  /* The proxy removes the actions it had as it closes, after this
   * handler: GTK makes their buttons and menu items insensitive (the
   * self-test's poll checks them) */
  gtk_no_selection_set_model (app->selection, NULL);
}

/* Saves what the window showed in its last frame as a PNG, rendered by the
 * window's own renderer */
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
          example_check (&app->ok, FALSE, text);
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
  example_timer_set_peer (&app->timer,
                          atoi (g_subprocess_get_identifier (pp_proxy_get_subprocess (app->worker))));
  if (app->self_test)
    gtk_lines_test_begin (app);
}

/* After the window's first frame: the worker starts, and the timer's
 * lateness counts from here (GTK's own start, loading fonts and themes,
 * is not the worker's doing) */
static void
on_first_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  App *app = user_data;

  /* The self-test's job pauses between batches, so that it lasts long
   * enough for its checks whatever the machine */
  const char *argv[] = { app->self_path, "--worker",
                         app->self_test ? "--pace-msec=" G_STRINGIFY (SELF_TEST_PACE_MSEC) : NULL,
                         NULL };

  g_signal_handlers_disconnect_by_func (clock, on_first_paint, user_data);
  example_timer_reset (&app->timer);
  pp_proxy_new_for_subprocess_async (NULL, argv, NULL, NULL, worker_started, app);
}

static void
on_window_mapped (GtkWidget *window,
                  gpointer   user_data)
{
  g_signal_connect_after (gtk_widget_get_frame_clock (window), "after-paint",
                          G_CALLBACK (on_first_paint), user_data);
}

/* The buttons and the menu, bound to the worker's actions */
static GtkWidget *
build_buttons (App *app)
{
  GtkWidget *buttons, *menu_button;
  g_autoptr(GMenu) menu = NULL;
  g_autoptr(GMenuItem) item = NULL;

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

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
  return buttons;
}

/* The list: its model, the worker's proxy, is set when the worker is there */
static GtkWidget *
build_list (App *app)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scrolled;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), app);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), app);
  app->selection = gtk_no_selection_new (NULL);
  app->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (app->selection)),
                                      factory);
  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), app->list_view);
  return scrolled;
}

static void
activate (GtkApplication *application,
          gpointer        user_data)
{
  App *app = user_data;
  GtkWidget *box;

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
  gtk_box_append (GTK_BOX (box), build_buttons (app));

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

  gtk_box_append (GTK_BOX (box), build_list (app));

  g_signal_connect_swapped (app->window, "destroy", G_CALLBACK (g_nullify_pointer),
                            &app->window);
  if (app->screenshot != NULL)
    app->window_paintable = gtk_widget_paintable_new (app->window);
  g_signal_connect_after (app->window, "map", G_CALLBACK (on_window_mapped), app);
  gtk_window_present (GTK_WINDOW (app->window));
}

/* The window closed: the worker ends with the proxy's connection */
static void
close_worker (App *app)
{
  g_autoptr(GSubprocess) process = g_object_ref (pp_proxy_get_subprocess (app->worker));
  gboolean ended;

  pp_proxy_close (app->worker);
  ended = example_wait_for_process (process, 20);
  if (app->self_test)
    example_check (&app->ok, ended, "the worker ended");
}

static gboolean
parse_arguments (App   *app,
                 int    argc,
                 char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--self-test") == 0)
        app->self_test = TRUE;
      else if (g_str_has_prefix (argv[i], "--screenshot="))
        app->screenshot = argv[i] + strlen ("--screenshot=");
      else if (argv[i][0] != '-' && app->path == NULL)
        app->path = g_canonicalize_filename (argv[i], NULL);
      else
        return FALSE;
    }
  return app->self_test || app->path != NULL;
}

int
main (int   argc,
      char *argv[])
{
  App app = { .ok = TRUE };
  int status;

  if (argc >= 2 && strcmp (argv[1], "--worker") == 0)
    {
      guint pace_msec = 0;

      if (argc == 3 && g_str_has_prefix (argv[2], "--pace-msec="))
        pace_msec = (guint) g_ascii_strtoull (argv[2] + strlen ("--pace-msec="), NULL, 10);
      return gtk_lines_run_worker (pace_msec);
    }

  app.self_path = argv[0];
  if (!parse_arguments (&app, argc, argv))
    {
      g_printerr ("Usage: %s FILE | --self-test [--screenshot=FILE.png]\n", argv[0]);
      return EXIT_FAILURE;
    }
  if (app.self_test && !gtk_lines_test_prepare (&app))
    return EXIT_FAILURE;

  app.app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app.app, "activate", G_CALLBACK (activate), &app);
  example_timer_start (&app.timer, TICK_MSEC);
  status = g_application_run (G_APPLICATION (app.app), 1, argv);

  g_clear_object (&app.window_paintable);
  g_clear_object (&app.selection);
  if (app.worker != NULL)
    close_worker (&app);
  g_clear_object (&app.worker);
  g_object_unref (app.app);
  if (app.self_test)
    status = gtk_lines_test_finish (&app, status);
  g_free (app.path);
  return status;
}
