/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A worker started by pp_proxy_new_for_subprocess_*(): serves a
 * PpTestObject to its parent until the parent goes away.
 *
 * --ticking: the object emits "ping" and bumps "count" every 20 ms, on
 * its own, for a peer that only watches; with --stdio it serves on
 * standard input and output, as a command reached through ssh would. */

#include <signal.h>
#include <stdio.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-test-object.h"

static GVariant *
triple (GObject   *object,
        GVariant  *parameters,
        gpointer   user_data,
        GError   **error)
{
  int value;

  g_variant_get (parameters, "(i)", &value);
  return g_variant_new ("(i)", value * 3);
}

static gboolean
tick (gpointer object)
{
  pp_test_object_emit_ping (object);
  pp_test_object_bump_count (object);
  return G_SOURCE_CONTINUE;
}

static int
serve_ticking (PpTestObject *object,
               gboolean      stdio)
{
  g_autoptr(GError) error = NULL;
  gboolean served;

  g_timeout_add (20, tick, object);
  served = stdio ? pp_serve_stdio (G_OBJECT (object), &error)
                 : pp_serve_parent (G_OBJECT (object), &error);
  if (!served)
    {
      fprintf (stderr, "worker: %s\n", error->message);
      return 1;
    }
  return 0;
}

/* progress (u n, u msec) → (u): emits ::changed with 1 to n, sleeping
 * msec before each, all in one synchronous method */
static GVariant *
progress (GObject   *object,
          GVariant  *parameters,
          gpointer   user_data,
          GError   **error)
{
  guint32 n, msec;

  g_variant_get (parameters, "(uu)", &n, &msec);
  for (guint32 i = 1; i <= n; i++)
    {
      g_usleep ((gulong) msec * 1000);
      g_signal_emit_by_name (object, "changed", (int) i);
    }
  return g_variant_new ("(u)", n);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(GError) error = NULL;

  /* With --ignore-term, SIGTERM does not end it */
  if (argc > 1 && g_str_equal (argv[1], "--ignore-term"))
    signal (SIGTERM, SIG_IGN);

  if (argc > 1 && g_str_equal (argv[1], "--ticking"))
    return serve_ticking (object, argc > 2 && g_str_equal (argv[2], "--stdio"));

  /* With --added, methods added by hand before serving */
  if (argc > 1 && g_str_equal (argv[1], "--added"))
    {
      g_autoptr(PpListener) listener = pp_listener_new_for_parent (G_OBJECT (object), &error);

      if (listener == NULL)
        {
          fprintf (stderr, "worker: %s\n", error->message);
          return 1;
        }
      pp_listener_add_method (listener, "triple", G_VARIANT_TYPE ("(i)"), G_VARIANT_TYPE ("(i)"),
                              triple, NULL, NULL);
      pp_listener_add_method (listener, "progress", G_VARIANT_TYPE ("(uu)"), G_VARIANT_TYPE ("(u)"),
                              progress, NULL, NULL);
      pp_listener_run (listener);
      return 0;
    }

  if (!pp_serve_parent (G_OBJECT (object), &error))
    {
      fprintf (stderr, "worker: %s\n", error->message);
      return 1;
    }
  return 0;
}
