/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-stream-private.h"

/* A one-way stream with no descriptor of its own (a memory stream, a
 * converter) crosses as one end of a pipe, and splices move the bytes
 * between the pipe and the stream until either is done.
 *
 * They run in the pump: one thread for the process with a main context
 * of its own, not the context of the connection. The process that made
 * the stream may block that context while the peer still reads, in a
 * method that runs long or that reads this very pipe, handed back to it;
 * a pipe's 64 KiB would then fill and nothing would empty it. One thread
 * serves every stream, and our end of each pipe does not block, so a
 * peer that never reads holds up no other stream and costs no thread of
 * its own. A stream that cannot be polled is read or written by GIO's
 * own threads, as for any asynchronous splice. */

typedef struct
{
  GObject *stream;  /* a GInputStream to read, or a GOutputStream to feed */
  int      fd;      /* our end of the pipe */
} Pump;

static GMutex        pump_lock;
static GMainContext *pump_context;  /* set once, under pump_lock */

static gpointer
pump_run (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

/* The pump's context, its thread started on first use */
static GMainContext *
get_pump_context (GError **error)
{
  GMainContext *context;

  g_mutex_lock (&pump_lock);
  if (pump_context == NULL)
    {
      GMainContext *made = g_main_context_new ();
      GThread *thread = g_thread_try_new ("pp-stream-pump", pump_run, made, error);

      if (thread != NULL)
        {
          g_thread_unref (thread);
          pump_context = made;
        }
      else
        g_main_context_unref (made);
    }
  context = pump_context;
  g_mutex_unlock (&pump_lock);
  return context;
}

static void
pump_free (Pump *pump)
{
  g_object_unref (pump->stream);
  g_free (pump);
}

static void
pump_done (GObject      *target,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The peer closing its end early is no fault of ours */
  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (target), result, &error) < 0)
    g_debug ("A stream sent as a descriptor ended early: %s", error->message);
  pump_free (user_data);
}

/* In the pump's thread. Our end of the pipe is closed when the splice
 * ends, so that the peer sees the end; the caller's stream stays its own
 * to close, since a memory stream's data is read after. */
static gboolean
pump_start (gpointer user_data)
{
  Pump *pump = user_data;

  if (G_IS_INPUT_STREAM (pump->stream))
    {
      g_autoptr(GOutputStream) to_fd = g_unix_output_stream_new (pump->fd, TRUE);

      g_output_stream_splice_async (to_fd, G_INPUT_STREAM (pump->stream),
                                    G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, G_PRIORITY_DEFAULT,
                                    NULL, pump_done, pump);
    }
  else
    {
      g_autoptr(GInputStream) from_fd = g_unix_input_stream_new (pump->fd, TRUE);

      g_output_stream_splice_async (G_OUTPUT_STREAM (pump->stream), from_fd,
                                    G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, G_PRIORITY_DEFAULT,
                                    NULL, pump_done, pump);
    }
  return G_SOURCE_REMOVE;
}

/* Returns one end of a new pipe: reading it gives what @stream (a
 * GInputStream) yields, or writing it feeds @stream (a GOutputStream). */
int
pp_stream_pump (GObject  *stream,
                GError  **error)
{
  gboolean input = G_IS_INPUT_STREAM (stream);
  GMainContext *context;
  Pump *pump;
  int fds[2];

  g_return_val_if_fail (input || G_IS_OUTPUT_STREAM (stream), -1);

  context = get_pump_context (error);
  if (context == NULL)
    return -1;
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return -1;

  pump = g_new0 (Pump, 1);
  pump->stream = g_object_ref (stream);
  pump->fd = input ? fds[1] : fds[0];
  if (!g_unix_set_fd_nonblocking (pump->fd, TRUE, error))
    {
      close (fds[0]);
      close (fds[1]);
      pump_free (pump);
      return -1;
    }
  g_main_context_invoke (context, pump_start, pump);
  return input ? fds[0] : fds[1];
}
