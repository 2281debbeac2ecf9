/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What gtk-lines' three parts share: the worker (gtk-lines-worker.c), the
 * window (gtk-lines.c) and the window's --self-test (gtk-lines-test.c). */

#pragma once

#include <gtk/gtk.h>
#include <pipeproxy/pipeproxy.h>

#include "example-selftest.h"

#define TICK_MSEC          16

/* The worker: serves its object to the parent until the connection ends.
 * @pace_msec is a pause after each batch of a job, 0 for none. */
int gtk_lines_run_worker (guint pace_msec);

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
  ExampleTimer    timer;           /* every 16 ms */

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

/* The self-test (gtk-lines-test.c) */
gboolean    gtk_lines_test_prepare      (App        *app);
void        gtk_lines_test_begin        (App        *app);
void        gtk_lines_test_progress     (App        *app,
                                         guint64     done,
                                         guint64     total);
void        gtk_lines_test_step         (App        *app);
int         gtk_lines_test_finish       (App        *app,
                                         int         status);
