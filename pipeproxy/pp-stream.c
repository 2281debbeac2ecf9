/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "pp-error.h"
#include "pp-stream.h"

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

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create a socket pair: %s"), g_strerror (saved));
      return FALSE;
    }

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
  return TRUE;
}

/**
 * pp_stream_new_pipe_pair:
 * @out_stream1: (out) (transfer full): one end
 * @out_stream2: (out) (transfer full): the other end
 * @error: return location for an error
 *
 * Creates a connected pair of streams over two plain pipes, for when a
 * socket cannot be used. File descriptors cannot be passed over pipes.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
pp_stream_new_pipe_pair (GIOStream **out_stream1,
                         GIOStream **out_stream2,
                         GError    **error)
{
  int a[2], b[2];

  g_return_val_if_fail (out_stream1 != NULL, FALSE);
  g_return_val_if_fail (out_stream2 != NULL, FALSE);

  if (!g_unix_open_pipe (a, FD_CLOEXEC, error))
    return FALSE;
  if (!g_unix_open_pipe (b, FD_CLOEXEC, error))
    {
      close (a[0]);
      close (a[1]);
      return FALSE;
    }

  *out_stream1 = pp_stream_new_for_fds (a[0], b[1], NULL);
  *out_stream2 = pp_stream_new_for_fds (b[0], a[1], NULL);
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
