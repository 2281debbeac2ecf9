/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-listener.h"
#include "pp-listener-private.h"
#include "pp-sandbox-private.h"
#include "pp-serve-private.h"
#include "pp-stream.h"
#include "pp-subprocess.h"

/* The child's side of a worker: the connection it inherited (or its
 * standard input and output), the sandbox its parent asked for, and
 * serving until the parent goes away. */

/* The sandbox the parent asked for, ready to apply; none when it asked
 * for none. The variable goes, as the descriptor's does. */
static gboolean
sandbox_from_environment (PpSandbox **out_sandbox,
                          GError    **error)
{
  g_autofree char *text = g_strdup (g_getenv (PP_SUBPROCESS_SANDBOX_VARIABLE));
  PpSandboxFlags flags;

  *out_sandbox = NULL;
  if (text == NULL)
    return TRUE;
  g_unsetenv (PP_SUBPROCESS_SANDBOX_VARIABLE);
  if (!pp_sandbox_flags_parse (text, &flags, error))
    return FALSE;
  *out_sandbox = pp_sandbox_new (flags, error);
  return *out_sandbox != NULL;
}

/* The connection inherited from the parent; the variable goes */
GIOStream *
pp_serve_parent_stream (GError **error)
{
  const char *value = g_getenv (PP_SUBPROCESS_FD_VARIABLE);
  char *rest = NULL;
  long fd;

  if (value == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("This process was not started to serve an object: %s is not set"),
                   PP_SUBPROCESS_FD_VARIABLE);
      return NULL;
    }

  fd = strtol (value, &rest, 10);
  if (rest == value || *rest != '\0' || fd < 0 || fd > G_MAXINT || fcntl (fd, F_GETFD) < 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("%s=%s is not an open file descriptor"), PP_SUBPROCESS_FD_VARIABLE, value);
      return NULL;
    }
  g_unsetenv (PP_SUBPROCESS_FD_VARIABLE);
  fcntl (fd, F_SETFD, FD_CLOEXEC);

  return pp_stream_new_for_fd (fd, error);
}

/* The process's standard input and output, moved to descriptors of their
 * own: stdin then reads /dev/null and stdout goes to stderr, so that
 * nothing else the process prints (a g_print(), a library's g_debug())
 * ends up in the middle of a frame. */
GIOStream *
pp_serve_stdio_stream (GError **error)
{
  int in = fcntl (STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  int out = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  if (in < 0 || out < 0 || null < 0 ||
      dup2 (null, STDIN_FILENO) < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    {
      int saved = errno;

      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Could not take over standard input and output: %s"), g_strerror (saved));
      if (in >= 0)
        close (in);
      if (out >= 0)
        close (out);
      if (null >= 0)
        close (null);
      return NULL;
    }
  close (null);
  return pp_stream_new_for_fds (in, out, error);
}

/* A listener for @object on @stream, sandboxed as the parent asked. A
 * sandbox that cannot be had is why the peer's handshake fails:
 * *@told_peer says whether the peer was told. */
static PpListener *
listener_for_stream (GObject    *object,
                     GIOStream  *stream,
                     gboolean   *told_peer,
                     GError    **error)
{
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpSandbox) sandbox = NULL;
  GError *local_error = NULL;

  if (told_peer != NULL)
    *told_peer = FALSE;

  if (!sandbox_from_environment (&sandbox, &local_error))
    {
      gboolean told = pp_listener_refuse (stream, local_error, NULL);

      if (told_peer != NULL)
        *told_peer = told;
      g_propagate_error (error, local_error);
      return NULL;
    }

  listener = pp_listener_new (object, stream, error);
  if (listener == NULL)
    return NULL;
  if (sandbox != NULL)
    {
      pp_listener_load_for_calls (listener);
      if (!pp_sandbox_apply (sandbox, error))
        return NULL;
    }
  return g_steal_pointer (&listener);
}

/**
 * pp_listener_new_for_parent:
 * @object: the object to serve
 * @error: return location for an error
 *
 * The first half of [func@Pp.serve_parent], for a worker that adds methods
 * ([method@Pp.Listener.add_method]) or connects to
 * [signal@Pp.Listener::handle-method-call] before it serves: makes a
 * listener for @object on the connection inherited from the parent, in the
 * thread-default main context. Serve with [method@Pp.Listener.run]. Like
 * [func@Pp.serve_parent], it removes %PP_SUBPROCESS_FD_VARIABLE from the
 * environment; call it from the main thread, early.
 *
 * When the parent asked for a sandbox ([property@Pp.Options:sandbox],
 * passed in %PP_SUBPROCESS_SANDBOX_VARIABLE), this applies it to the whole
 * process before it returns, so before the first call is read: after it,
 * files cannot be opened nor processes started. It first loads what the
 * object's methods need (the typelibs of its type, the libraries of its
 * methods); anything else the worker loads while it runs (modules, plugins,
 * Python or JavaScript imports, translations) must be loaded before. A
 * sandbox this process cannot apply fails the parent's handshake with the
 * reason, and this function with the same error.
 *
 * Returns: (transfer full): a listener, or %NULL with @error set when this
 *   process has no connection to a parent
 *
 * Since: 1.0
 */
PpListener *
pp_listener_new_for_parent (GObject  *object,
                            GError  **error)
{
  g_autoptr(GIOStream) stream = NULL;

  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stream = pp_serve_parent_stream (error);
  if (stream == NULL)
    return NULL;
  return listener_for_stream (object, stream, NULL, error);
}

static void
remember_end (PpListener   *listener,
              const GError *error,
              gpointer      user_data)
{
  GError **end = user_data;

  if (*end == NULL && error != NULL)
    *end = g_error_copy (error);
}

/* Serves until the peer goes away, which is a normal end */
static gboolean
serve_until_end (PpListener  *listener,
                 GError     **error)
{
  g_autoptr(GError) end = NULL;

  g_signal_connect (listener, "closed", G_CALLBACK (remember_end), &end);
  pp_listener_run (listener);
  g_signal_handlers_disconnect_by_func (listener, remember_end, &end);

  if (end != NULL && !g_error_matches (end, PP_ERROR, PP_ERROR_DISCONNECTED))
    {
      g_propagate_error (error, g_steal_pointer (&end));
      return FALSE;
    }
  return TRUE;
}

/**
 * pp_serve_parent:
 * @object: the object to serve
 * @error: return location for an error
 *
 * The child side of [ctor@Pp.Proxy.new_for_subprocess_sync], in one call:
 * serves @object on the connection inherited from the parent, in the
 * thread-default main context, until the parent goes away (it closed the
 * proxy, or died). A worker's `main()` is then a few lines:
 *
 * ```c
 * int
 * main (void)
 * {
 *   g_autoptr(MyDecoder) decoder = my_decoder_new ();
 *   g_autoptr(GError) error = NULL;
 *
 *   if (!pp_serve_parent (G_OBJECT (decoder), &error))
 *     g_printerr ("%s\n", error->message);
 *   return error ? 1 : 0;
 * }
 * ```
 *
 * Call it from the main thread, early: it removes
 * %PP_SUBPROCESS_FD_VARIABLE from the environment so that processes this
 * one starts do not take the connection for theirs. To add methods before
 * serving, use [ctor@Pp.Listener.new_for_parent] and
 * [method@Pp.Listener.run] instead. A sandbox the parent asked for
 * ([property@Pp.Options:sandbox]) is applied before the first call is
 * read, as [ctor@Pp.Listener.new_for_parent] says: load everything the
 * object needs before calling this.
 *
 * Returns: %TRUE when the parent went away, %FALSE with @error set when
 *   there was no connection to serve on or the parent broke the protocol
 *
 * Since: 1.0
 */
gboolean
pp_serve_parent (GObject  *object,
                 GError  **error)
{
  g_autoptr(PpListener) listener = NULL;

  g_return_val_if_fail (G_IS_OBJECT (object), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  listener = pp_listener_new_for_parent (object, error);
  if (listener == NULL)
    return FALSE;
  return serve_until_end (listener, error);
}

/**
 * pp_serve_stdio:
 * @object: the object to serve
 * @error: return location for an error
 *
 * The other side of [ctor@Pp.Proxy.new_for_command_sync]: serves @object
 * on this process's standard input and output, in the thread-default main
 * context, until the peer goes away, as `pipeproxy-host --stdio` does. Run
 * through `ssh host my-worker`, it serves a proxy on another machine.
 *
 * It first moves the connection off descriptors 0 and 1, which then read
 * `/dev/null` and write to stderr, so that nothing else the process prints
 * with `printf()` or g_print() (or a library's g_debug(), which GLib
 * writes to stdout) can break a frame. A sandbox asked for in
 * %PP_SUBPROCESS_SANDBOX_VARIABLE is applied as by [func@Pp.serve_parent].
 * Call it from the main thread, once.
 *
 * The connection is a byte stream that carries no file descriptors, even
 * when stdin is a socket: what is between the two ends (ssh, a relay)
 * moves bytes only.
 *
 * Returns: %TRUE when the peer went away, %FALSE with @error set when the
 *   peer broke the protocol or a sandbox could not be applied
 *
 * Since: 1.0
 */
gboolean
pp_serve_stdio (GObject  *object,
                GError  **error)
{
  g_autoptr(GIOStream) stream = NULL;

  g_return_val_if_fail (G_IS_OBJECT (object), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stream = pp_serve_stdio_stream (error);
  if (stream == NULL)
    return FALSE;
  return pp_serve_stream (object, stream, NULL, error);
}

/* pp_serve_parent() on any stream, for pipeproxy-host: *@told_peer says
 * whether an @error the peer should know about reached it */
gboolean
pp_serve_stream (GObject     *object,
                 GIOStream   *stream,
                 gboolean    *told_peer,
                 GError     **error)
{
  g_autoptr(PpListener) listener = listener_for_stream (object, stream, told_peer, error);

  if (listener == NULL)
    return FALSE;
  return serve_until_end (listener, error);
}
