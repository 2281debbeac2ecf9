/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The baselines of pp-bench-spawn: a bare GLib program, linked with GLib
 * alone, that runs its main loop once and exits; built with PP_BENCH_GIO,
 * the same program linked with GIO too (as any program using pipeproxy
 * is), which makes one GIO object first. */

#ifdef PP_BENCH_GIO
#include <gio/gio.h>
#else
#include <glib.h>
#endif

static gboolean
quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

#ifdef PP_BENCH_GIO
  g_object_unref (g_cancellable_new ());
#endif
  g_idle_add (quit, loop);
  g_main_loop_run (loop);
  return 0;
}
