/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-stream-private.h"

/* A one-way stream with no descriptor of its own (a memory stream, a
 * converter) crosses as one end of a pipe, and a thread of its own moves
 * the bytes between the pipe and the stream until either is done.
 *
 * Not the main context: the process that made the stream may block it
 * while the peer still reads, in a method that runs long or that reads
 * this very pipe, handed back to it; a pipe's 64 KiB would then fill and
 * nothing would ever empty it. GIO itself reads and writes a stream that
 * cannot be polled in a thread, so a stream is no less safe here. */

typedef struct
{
  GObject *stream;  /* a GInputStream to read, or a GOutputStream to feed */
  int      fd;      /* our end of the pipe */
} Pump;

static gpointer
pump_run (gpointer data)
{
  Pump *pump = data;
  g_autoptr(GError) error = NULL;
  gssize moved;

  /* The pipe's end is closed when the splice ends, so that the peer sees
   * the end; the caller's stream stays its own to close, since a memory
   * stream's data is read after. */
  if (G_IS_INPUT_STREAM (pump->stream))
    {
      g_autoptr(GOutputStream) to_fd = g_unix_output_stream_new (pump->fd, TRUE);

      moved = g_output_stream_splice (to_fd, G_INPUT_STREAM (pump->stream),
                                      G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    }
  else
    {
      g_autoptr(GInputStream) from_fd = g_unix_input_stream_new (pump->fd, TRUE);

      moved = g_output_stream_splice (G_OUTPUT_STREAM (pump->stream), from_fd,
                                      G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, &error);
    }
  /* The peer closing its end early is no fault of ours */
  if (moved < 0)
    g_debug ("A stream sent as a descriptor ended early: %s", error->message);

  g_object_unref (pump->stream);
  g_free (pump);
  return NULL;
}

/* Returns one end of a new pipe: reading it gives what @stream (a
 * GInputStream) yields, or writing it feeds @stream (a GOutputStream). */
int
pp_stream_pump (GObject  *stream,
                GError  **error)
{
  gboolean input = G_IS_INPUT_STREAM (stream);
  g_autoptr(GThread) thread = NULL;
  Pump *pump;
  int fds[2];

  g_return_val_if_fail (input || G_IS_OUTPUT_STREAM (stream), -1);

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return -1;

  pump = g_new0 (Pump, 1);
  pump->stream = g_object_ref (stream);
  pump->fd = input ? fds[1] : fds[0];
  thread = g_thread_try_new ("pp-stream-pump", pump_run, pump, error);
  if (thread == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      g_object_unref (pump->stream);
      g_free (pump);
      return -1;
    }
  return input ? fds[0] : fds[1];
}
