/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A worker started by pp_proxy_new_for_subprocess_*(): serves a
 * PpTestObject to its parent until the parent goes away.
 *
 * --ticking: the object emits "ping" and bumps "count" every 20 ms, on
 * its own, for a peer that only watches; with --stdio it serves on
 * standard input and output, as a command reached through ssh would. */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
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

/* progress (u n, u msec, h ack) → (u): emits ::changed with 1 to n, all
 * in one synchronous method, sleeping msec before each (more than the 5 ms
 * within which a write waits for the next, see docs/wire-protocol.md), and
 * after each but the last waits until the caller acknowledged it with a
 * byte on @ack: it emits the next only once the caller got this one.
 * Answers how many acknowledgements came (fewer only when @ack closed). */
static void
progress (GObject      *object,
          GVariant     *parameters,
          PpInvocation *invocation,
          gpointer      user_data)
{
  GUnixFDList *fds = pp_invocation_get_unix_fd_list (invocation);
  guint32 n, msec, acked = 0;
  gint32 handle;
  int ack;

  g_variant_get (parameters, "(uuh)", &n, &msec, &handle);
  ack = fds ? g_unix_fd_list_get (fds, handle, NULL) : -1;
  for (guint32 i = 1; i <= n; i++)
    {
      char byte;

      g_usleep ((gulong) msec * 1000);
      g_signal_emit_by_name (object, "changed", (int) i);
      if (i < n && ack >= 0 && read (ack, &byte, 1) == 1)
        acked++;
    }
  if (ack >= 0)
    close (ack);
  pp_invocation_return_value (invocation, g_variant_new ("(u)", acked));
}

/* burst (u n, b notify, h ack) → (u): emits ::changed with 1 to n, 1 ms
 * apart, all in one synchronous method (well within the 5 ms in which a
 * write waits for the next, see docs/wire-protocol.md), with @notify then
 * bumps "count" 1 ms later, and waits until the caller acknowledges the
 * last of these with a byte on @ack, for 10 s at most: nothing else is
 * sent meanwhile, so the caller gets them only if they leave on their
 * own. Answers how many acknowledgements came: 1, or 0 if none did. */
static void
burst (GObject      *object,
       GVariant     *parameters,
       PpInvocation *invocation,
       gpointer      user_data)
{
  GUnixFDList *fds = pp_invocation_get_unix_fd_list (invocation);
  struct pollfd poll_fd = { .events = POLLIN };
  gboolean notify;
  guint32 n, acked = 0;
  gint32 handle;
  char byte;

  g_variant_get (parameters, "(ubh)", &n, &notify, &handle);
  poll_fd.fd = g_unix_fd_list_get (fds, handle, NULL);
  for (guint32 i = 1; i <= n; i++)
    {
      if (i > 1)
        g_usleep (1000);
      g_signal_emit_by_name (object, "changed", (int) i);
    }
  if (notify)
    {
      g_usleep (1000);
      pp_test_object_bump_count (PP_TEST_OBJECT (object));
    }
  if (poll (&poll_fd, 1, 10000) == 1)
    acked = read (poll_fd.fd, &byte, 1) == 1 ? 1 : 0;
  close (poll_fd.fd);
  pp_invocation_return_value (invocation, g_variant_new ("(u)", acked));
}

/* work_blocking (u msec) → (b): pp_test_object_work() in the listener's
 * context, with the invocation's cancellable */
static void
work_blocking (GObject      *object,
               GVariant     *parameters,
               PpInvocation *invocation,
               gpointer      user_data)
{
  GCancellable *cancellable = pp_invocation_get_cancellable (invocation);
  g_autoptr(GError) error = NULL;
  guint32 msec;

  g_variant_get (parameters, "(u)", &msec);
  if (pp_test_object_work (PP_TEST_OBJECT (object), msec, cancellable, &error))
    pp_invocation_return_value (invocation, g_variant_new ("(b)", TRUE));
  else
    pp_invocation_return_gerror (invocation, error);
}

static void
work_in_thread (GTask        *task,
                gpointer      object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (pp_test_object_work (object, GPOINTER_TO_UINT (task_data), cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
work_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PpInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    pp_invocation_return_value (invocation, g_variant_new ("(b)", TRUE));
  else
    pp_invocation_return_gerror (invocation, error);
}

/* work_later (u msec) → (b): the same in a thread, answered later */
static void
work_later (GObject      *object,
            GVariant     *parameters,
            PpInvocation *invocation,
            gpointer      user_data)
{
  g_autoptr(GTask) task = g_task_new (object, pp_invocation_get_cancellable (invocation),
                                      work_done, g_object_ref (invocation));
  guint32 msec;

  g_variant_get (parameters, "(u)", &msec);
  g_task_set_task_data (task, GUINT_TO_POINTER (msec), NULL);
  g_task_run_in_thread (task, work_in_thread);
}

/* open_null () → (h): /dev/null, as a descriptor of the reply */
static void
open_null (GObject      *object,
           GVariant     *parameters,
           PpInvocation *invocation,
           gpointer      user_data)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  int handle = fd < 0 ? -1 : g_unix_fd_list_append (fds, fd, &error);

  if (fd >= 0)
    close (fd);
  if (handle < 0)
    {
      pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_FAILED,
                                          "could not open /dev/null");
      return;
    }
  pp_invocation_return_value_with_unix_fd_list (invocation, g_variant_new ("(h)", handle), fds);
}

/* ::handle-method-call::work_handled, (u msec): work_blocking's way */
static gboolean
handle_work (PpListener   *listener,
             const char   *method_name,
             GVariant     *parameters,
             PpInvocation *invocation,
             gpointer      user_data)
{
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(u)")))
    return FALSE;
  work_blocking (pp_invocation_get_object (invocation), parameters, invocation, NULL);
  return TRUE;
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
      pp_listener_add_method_with_invocation (listener, "progress", G_VARIANT_TYPE ("(uuh)"),
                                              G_VARIANT_TYPE ("(u)"), progress, NULL, NULL);
      pp_listener_add_method_with_invocation (listener, "burst", G_VARIANT_TYPE ("(ubh)"),
                                              G_VARIANT_TYPE ("(u)"), burst, NULL, NULL);
      pp_listener_add_method_with_invocation (listener, "work_blocking", G_VARIANT_TYPE ("(u)"),
                                              G_VARIANT_TYPE ("(b)"), work_blocking, NULL, NULL);
      pp_listener_add_method_with_invocation (listener, "work_later", G_VARIANT_TYPE ("(u)"),
                                              G_VARIANT_TYPE ("(b)"), work_later, NULL, NULL);
      pp_listener_add_method_with_invocation (listener, "open_null", G_VARIANT_TYPE_UNIT,
                                              G_VARIANT_TYPE ("(h)"), open_null, NULL, NULL);
      g_signal_connect (listener, "handle-method-call::work_handled", G_CALLBACK (handle_work),
                        NULL);
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
