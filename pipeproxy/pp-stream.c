/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <gio/gfiledescriptorbased.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-error.h"
#include "pp-stream-private.h"

static gboolean
open_socket_pair (int      fds[2],
                  GError **error)
{
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create a socket pair: %s"), g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * pp_stream_new_for_fd:
 * @fd: a connected socket (`AF_UNIX` is what allows file descriptors to be
 *   passed)
 * @error: return location for an error
 *
 * Wraps a socket, for example one inherited from a parent process, in a
 * stream that [ctor@Pp.Proxy.new_sync] or [ctor@Pp.Listener.new] can use.
 * The stream owns @fd from then on, also when this fails.
 *
 * Returns: (transfer full): a new stream, or %NULL with @error set
 *
 * Since: 1.0
 */
GIOStream *
pp_stream_new_for_fd (int      fd,
                      GError **error)
{
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (fd >= 0, NULL);

  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    {
      close (fd);
      return NULL;
    }
  return (GIOStream *) g_socket_connection_factory_create_connection (socket);
}

/**
 * pp_stream_new_for_fds:
 * @read_fd: a descriptor to read from, such as the read end of a pipe
 * @write_fd: a descriptor to write to, such as the write end of another pipe
 * @error: return location for an error
 *
 * Makes one stream out of two descriptors, typically two pipes. The stream
 * owns both descriptors.
 *
 * Returns: (transfer full): a new stream, or %NULL with @error set
 *
 * Since: 1.0
 */
GIOStream *
pp_stream_new_for_fds (int      read_fd,
                       int      write_fd,
                       GError **error)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) output = NULL;

  g_return_val_if_fail (read_fd >= 0, NULL);
  g_return_val_if_fail (write_fd >= 0, NULL);

  input = g_unix_input_stream_new (read_fd, TRUE);
  output = g_unix_output_stream_new (write_fd, TRUE);
  return g_simple_io_stream_new (input, output);
}

/* Pairs made in this process ---------------------------------------- */

typedef struct
{
  PpStreamPair *pair;
  guint         end;
} PairEnd;

static GQuark
pair_end_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("pp-stream-pair-end"));
  return (GQuark) quark;
}

PpStreamPair *
pp_stream_pair_ref (PpStreamPair *pair)
{
  g_atomic_ref_count_inc (&pair->ref_count);
  return pair;
}

void
pp_stream_pair_unref (PpStreamPair *pair)
{
  if (g_atomic_ref_count_dec (&pair->ref_count))
    g_free (pair);
}

static void
pair_end_free (gpointer data)
{
  PairEnd *end = data;

  pp_stream_pair_unref (end->pair);
  g_free (end);
}

static void
mark_pair (GIOStream *stream1,
           GIOStream *stream2)
{
  PpStreamPair *pair = g_new0 (PpStreamPair, 1);
  GIOStream *streams[2] = { stream1, stream2 };

  g_atomic_ref_count_init (&pair->ref_count);
  pair->pid = getpid ();
  for (guint i = 0; i < 2; i++)
    {
      PairEnd *end = g_new (PairEnd, 1);

      end->pair = i == 0 ? pair : pp_stream_pair_ref (pair);
      end->end = i;
      g_object_set_qdata_full (G_OBJECT (streams[i]), pair_end_quark (), end, pair_end_free);
    }
}

/* The pair @stream is an end of, when pp_stream_new_pair() made it, with
 * which end it is; else NULL. */
PpStreamPair *
pp_stream_get_pair (GIOStream *stream,
                    guint     *out_end)
{
  PairEnd *end = g_object_get_qdata (G_OBJECT (stream), pair_end_quark ());

  if (end == NULL)
    return NULL;
  *out_end = end->end;
  return end->pair;
}

/**
 * pp_stream_new_pair:
 * @out_stream1: (out) (transfer full): one end
 * @out_stream2: (out) (transfer full): the other end
 * @error: return location for an error
 *
 * Creates a connected pair of streams over an `AF_UNIX` socket pair, the
 * default transport. Both descriptors are close-on-exec; a child process
 * that is to use one end gets it passed explicitly, e.g. with
 * g_subprocess_launcher_take_fd().
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
pp_stream_new_pair (GIOStream **out_stream1,
                    GIOStream **out_stream2,
                    GError    **error)
{
  int fds[2];

  g_return_val_if_fail (out_stream1 != NULL, FALSE);
  g_return_val_if_fail (out_stream2 != NULL, FALSE);

  if (!open_socket_pair (fds, error))
    return FALSE;

  *out_stream1 = pp_stream_new_for_fd (fds[0], error);
  if (*out_stream1 == NULL)
    {
      close (fds[1]);
      return FALSE;
    }
  *out_stream2 = pp_stream_new_for_fd (fds[1], error);
  if (*out_stream2 == NULL)
    {
      g_clear_object (out_stream1);
      return FALSE;
    }
  mark_pair (*out_stream1, *out_stream2);
  return TRUE;
}

/**
 * pp_stream_steal_fd:
 * @stream: a stream made by [func@Pp.stream_new_pair] or
 *   [func@Pp.stream_new_for_fd]
 * @error: return location for an error
 *
 * Takes the socket out of @stream, to hand it to a child process. @stream is
 * closed and must not be used afterwards.
 *
 * Returns: a descriptor the caller owns, or -1 with @error set
 *
 * Since: 1.0
 */
int
pp_stream_steal_fd (GIOStream  *stream,
                    GError    **error)
{
  GSocket *socket;
  int fd;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), -1);

  if (!G_IS_SOCKET_CONNECTION (stream))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("A %s is not a socket stream"), G_OBJECT_TYPE_NAME (stream));
      return -1;
    }

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not duplicate the socket: %s"), g_strerror (saved));
      return -1;
    }
  g_io_stream_close (stream, NULL, NULL);
  return fd;
}

/* Splicing --------------------------------------------------------------
 *
 * A copy and a main-loop hop per chunk: only streams that have no
 * descriptor pay it. */

typedef struct
{
  GIOStream    *stream;       /* the caller's */
  GIOStream    *inner;        /* our end of the socket pair */
  GCancellable *cancellable;  /* stops reading @stream */
  guint         n_running;
} Splice;

static void
splice_unref (Splice *splice)
{
  if (--splice->n_running > 0)
    return;

  g_io_stream_close (splice->inner, NULL, NULL);
  g_object_unref (splice->inner);
  /* Done with once both ways ended */
  g_io_stream_close_async (splice->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_unref (splice->stream);
  g_object_unref (splice->cancellable);
  g_free (splice);
}

static void
debug_splice_error (GObject      *target,
                    GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (target), result, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("A spliced stream ended early: %s", error->message);
}

/* All that the stream yields went to the descriptor, or nobody reads it. */
static void
splice_out_done (GObject      *target,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Splice *splice = user_data;

  debug_splice_error (target, result);
  /* Let the reader see the end */
  g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (splice->inner)),
                     FALSE, TRUE, NULL);
  splice_unref (splice);
}

/* The descriptor's writer is done. */
static void
splice_in_done (GObject      *target,
                GAsyncResult *result,
                gpointer      user_data)
{
  Splice *splice = user_data;

  debug_splice_error (target, result);
  g_cancellable_cancel (splice->cancellable);
  splice_unref (splice);
}

/* Returns a new descriptor that stands for @stream, a GIOStream: reading
 * it gives what @stream's input yields, writing it feeds @stream's output.
 * It is one end of a socket pair; @stream is closed when both ways ended.
 * The splices run in the thread-default main context. */
int
pp_stream_splice (GIOStream  *stream,
                  GError    **error)
{
  GIOStream *inner;
  Splice *splice;
  int fds[2];

  if (!open_socket_pair (fds, error))
    return -1;
  inner = pp_stream_new_for_fd (fds[1], error);
  if (inner == NULL)
    {
      close (fds[0]);
      return -1;
    }

  splice = g_new0 (Splice, 1);
  splice->stream = g_object_ref (stream);
  splice->inner = inner;
  splice->cancellable = g_cancellable_new ();
  splice->n_running = 2;

  g_output_stream_splice_async (g_io_stream_get_output_stream (inner),
                                g_io_stream_get_input_stream (stream),
                                G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT,
                                splice->cancellable, splice_out_done, splice);
  g_output_stream_splice_async (g_io_stream_get_output_stream (stream),
                                g_io_stream_get_input_stream (inner),
                                G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT,
                                NULL, splice_in_done, splice);
  return fds[0];
}

/* A descriptor of the caller's own for a one-way @stream: a duplicate of
 * its own, or one spliced to it. */
int
pp_stream_dup_fd (GObject  *stream,
                  GError  **error)
{
  int fd;

  if (!G_IS_FILE_DESCRIPTOR_BASED (stream))
    return pp_stream_pump (stream, error);

  fd = fcntl (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (stream)),
              F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "dup: %s", g_strerror (saved));
    }
  return fd;
}
