/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "pp-error.h"
#include "pp-proxy-private.h"
#include "pp-sandbox-private.h"
#include "pp-stream.h"
#include "pp-subprocess.h"

/* The descriptor a child gets its connection on */
#define CHILD_FD          3
/* How much of what a child wrote to stderr is kept to explain its end */
#define STDERR_TAIL_SIZE  4096
/* How long the reader of an end waits for the child to be reaped */
#define END_WAIT_USEC     (500 * 1000)
/* How often a worker being stopped is looked at */
#define STOP_POLL_USEC    (5 * 1000)

/* A child process serving the object of a proxy, and the tail of what it
 * wrote to stderr, to say how it ended. */
typedef struct
{
  gatomicrefcount  ref_count;
  GSubprocess     *subprocess;
  GMutex           lock;
  GString         *tail;
  gboolean         stderr_done;
  PpSandboxFlags   sandbox;
  gboolean         in_bwrap;
  /* Connected through its standard input and output: any command, which
   * may stand for a peer elsewhere (ssh) */
  gboolean         command;
  /* PpOptions:stop-timeout; whether stopping started (atomic), and when
 * SIGTERM, then SIGKILL, are sent once it did (ms) */
  int              stop_timeout;
  gint             stopping;
  int              term_delay;
  int              kill_delay;
} PpWorker;

static PpWorker *
pp_worker_ref (PpWorker *worker)
{
  g_atomic_ref_count_inc (&worker->ref_count);
  return worker;
}

static void
pp_worker_unref (PpWorker *worker)
{
  if (!g_atomic_ref_count_dec (&worker->ref_count))
    return;
  g_object_unref (worker->subprocess);
  g_string_free (worker->tail, TRUE);
  g_mutex_clear (&worker->lock);
  g_free (worker);
}

/* Passes the child's stderr through and keeps its tail. A thread of its
 * own, so that a child writing a lot never blocks on a full pipe, with or
 * without a running main loop. */
static gpointer
read_stderr (gpointer data)
{
  PpWorker *worker = data;
  GInputStream *pipe = g_subprocess_get_stderr_pipe (worker->subprocess);
  char buffer[1024];
  gssize n;

  while ((n = g_input_stream_read (pipe, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (write (STDERR_FILENO, buffer, n) < 0)
        {
          /* Our own stderr is gone; keep the tail all the same */
        }
      g_mutex_lock (&worker->lock);
      g_string_append_len (worker->tail, buffer, n);
      if (worker->tail->len > STDERR_TAIL_SIZE)
        g_string_erase (worker->tail, 0, worker->tail->len - STDERR_TAIL_SIZE);
      g_mutex_unlock (&worker->lock);
    }

  g_mutex_lock (&worker->lock);
  worker->stderr_done = TRUE;
  g_mutex_unlock (&worker->lock);
  pp_worker_unref (worker);
  return NULL;
}

/* The last few lines, on one line */
static char *
last_lines (const char *text,
            guint       max_lines)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  guint n = g_strv_length (lines);

  for (guint i = n; i > 0 && kept->len < max_lines; i--)
    {
      char *line = g_strstrip (lines[i - 1]);

      if (*line != '\0')
        g_ptr_array_insert (kept, 0, line);
    }
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (" / ", (char **) kept->pdata);
}

/* The signal that killed the worker, or 0. A worker in a sandbox of
 * bwrap's is bwrap's child, and bwrap exits with 128 + that signal. */
static int
worker_term_sig (PpWorker *worker)
{
  int status;

  if (g_subprocess_get_if_signaled (worker->subprocess))
    return g_subprocess_get_term_sig (worker->subprocess);
  status = g_subprocess_get_exit_status (worker->subprocess);
  if (worker->in_bwrap && status > 128 && status < 128 + NSIG)
    return status - 128;
  return 0;
}

static GError *
pp_worker_end_reason (PpWorker *worker)
{
  gint64 deadline = g_get_monotonic_time () + END_WAIT_USEC;
  g_autoptr(GString) message = g_string_new (NULL);
  g_autofree char *tail = NULL;
  gboolean exited;
  int sig;

  /* GLib reaps the child in its worker thread; the connection usually
   * ends a moment before that. */
  while (!(exited = g_subprocess_get_identifier (worker->subprocess) == NULL) &&
         g_get_monotonic_time () < deadline)
    g_usleep (1000);

  while (g_get_monotonic_time () < deadline)
    {
      gboolean done;

      g_mutex_lock (&worker->lock);
      done = worker->stderr_done || worker->tail == NULL;
      g_mutex_unlock (&worker->lock);
      if (done || !exited)
        break;
      g_usleep (1000);
    }

  if (!exited && worker->command)
    g_string_append (message, _("The command closed its standard output"));
  else if (!exited)
    g_string_append (message, _("The worker process closed its connection"));
  else if ((sig = worker_term_sig (worker)) != 0 && worker->command)
    g_string_append_printf (message, _("The command was killed by signal %d (%s)"),
                            sig, g_strsignal (sig));
  else if (sig != 0)
    g_string_append_printf (message, _("The worker process was killed by signal %d (%s)"),
                            sig, g_strsignal (sig));
  else if (worker->command)
    g_string_append_printf (message, _("The command exited with status %d"),
                            g_subprocess_get_exit_status (worker->subprocess));
  else
    g_string_append_printf (message, _("The worker process exited with status %d"),
                            g_subprocess_get_exit_status (worker->subprocess));

  g_mutex_lock (&worker->lock);
  tail = last_lines (worker->tail->str, 3);
  g_mutex_unlock (&worker->lock);
  if (*tail != '\0')
    g_string_append_printf (message, _("; it last wrote: %s"), tail);

  return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, message->str);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpWorker, pp_worker_unref)

/* The connection of a child: a socket as its fd 3, or, for a command, a
 * pipe as its stdin and another as its stdout. @ours gets our ends. */
static gboolean
connect_child (GSubprocessLauncher  *launcher,
               gboolean              command,
               int                   ours[2],
               GError              **error)
{
  g_autofree char *fd_text = NULL;
  int to_child[2], from_child[2];
  int fds[2];

  if (command)
    {
      if (!g_unix_open_pipe (to_child, FD_CLOEXEC, error))
        return FALSE;
      if (!g_unix_open_pipe (from_child, FD_CLOEXEC, error))
        {
          close (to_child[0]);
          close (to_child[1]);
          return FALSE;
        }
      g_subprocess_launcher_take_stdin_fd (launcher, to_child[0]);
      g_subprocess_launcher_take_stdout_fd (launcher, from_child[1]);
      ours[0] = from_child[0];
      ours[1] = to_child[1];
      return TRUE;
    }

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create a socket pair: %s"), g_strerror (saved));
      return FALSE;
    }
  fd_text = g_strdup_printf ("%d", CHILD_FD);
  g_subprocess_launcher_take_fd (launcher, fds[1], CHILD_FD);
  g_subprocess_launcher_setenv (launcher, PP_SUBPROCESS_FD_VARIABLE, fd_text, TRUE);
  ours[0] = ours[1] = fds[0];
  return TRUE;
}

static PpWorker *
spawn_worker (GSubprocessLauncher  *launcher,
              const char * const   *argv,
              PpOptions            *options,
              gboolean              command,
              GIOStream           **out_stream,
              GError              **error)
{
  g_autoptr(GSubprocessLauncher) own = NULL;
  PpSandboxFlags sandbox = options ? pp_options_get_sandbox (options) : PP_SANDBOX_NONE;
  g_auto(GStrv) bwrap_argv = NULL;
  GSubprocess *subprocess;
  PpWorker *worker;
  int ours[2];

  if (command && sandbox != PP_SANDBOX_NONE)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("A command connected through its standard input and output cannot be "
                     "sandboxed from here: give pipeproxy-host --sandbox in the command"));
      return NULL;
    }

  if (launcher == NULL)
    launcher = own = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);

  if (!connect_child (launcher, command, ours, error))
    return NULL;

  if (sandbox != PP_SANDBOX_NONE)
    {
      g_autofree char *sandbox_text = pp_sandbox_flags_to_string (sandbox);

      g_subprocess_launcher_setenv (launcher, PP_SUBPROCESS_SANDBOX_VARIABLE, sandbox_text, TRUE);
      if (sandbox & PP_SANDBOX_NAMESPACES)
        bwrap_argv = pp_sandbox_bwrap_argv (argv, launcher);
    }
  subprocess = g_subprocess_launcher_spawnv (launcher,
                                             bwrap_argv ? (const char * const *) bwrap_argv : argv,
                                             error);

  /* The launcher keeps the child's ends open until told otherwise: while it
   * does, the child's death would not end the connection. */
  g_subprocess_launcher_close (launcher);

  if (subprocess == NULL)
    {
      close (ours[0]);
      if (ours[1] != ours[0])
        close (ours[1]);
      return NULL;
    }

  if (command)
    *out_stream = pp_stream_new_for_fds (ours[0], ours[1], error);
  else
    *out_stream = pp_stream_new_for_fd (ours[0], error);
  if (*out_stream == NULL)
    {
      g_subprocess_force_exit (subprocess);
      g_object_unref (subprocess);
      return NULL;
    }

  worker = g_new0 (PpWorker, 1);
  g_atomic_ref_count_init (&worker->ref_count);
  g_mutex_init (&worker->lock);
  worker->subprocess = subprocess;
  worker->tail = g_string_new (NULL);
  worker->sandbox = sandbox;
  worker->in_bwrap = bwrap_argv != NULL;
  worker->command = command;
  worker->stop_timeout = options ? pp_options_get_stop_timeout (options) : -1;
  if (g_subprocess_get_stderr_pipe (subprocess) != NULL)
    g_thread_unref (g_thread_new ("pp-worker-stderr", read_stderr, pp_worker_ref (worker)));
  else
    worker->stderr_done = TRUE;

  return worker;
}

static GError *
worker_end_reason (const GError *error,
                   gpointer      user_data)
{
  return pp_worker_end_reason (user_data);
}

/* A handshake with a child that ended fails with how it ended (the
 * connection asks worker_end_reason()); a child that will not serve is
 * not left running. A command that wrote something else than frames (a
 * shell's greeting, a program that is not pipeproxy-host) is told so,
 * before what was wrong with the bytes. */
static void
handshake_failed (PpWorker  *worker,
                  GError   **error)
{
  if (!g_error_matches (*error, PP_ERROR, PP_ERROR_DISCONNECTED))
    g_subprocess_force_exit (worker->subprocess);
  if (worker->command && g_error_matches (*error, PP_ERROR, PP_ERROR_PROTOCOL))
    g_prefix_error (error, _("The command’s standard output is not a pipeproxy connection "
                             "(it must run pipeproxy-host --stdio, or pp_serve_stdio(), and "
                             "print nothing else there): "));
}

static GQuark
worker_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("pp-worker");
  return quark;
}

/* A worker asked for a sandbox must show it has one before it is used; one
 * under bwrap is bwrap's grandchild, and is trusted to. A worker that did
 * not is stopped, and the proxy closed. */
static PpProxy *
check_sandbox (PpWorker  *worker,
               PpProxy   *proxy,
               GError   **error)
{
  if (worker->in_bwrap ||
      pp_sandbox_check_process (g_subprocess_get_identifier (worker->subprocess),
                                worker->sandbox, error))
    return proxy;

  g_subprocess_force_exit (worker->subprocess);
  pp_proxy_close (proxy);
  g_object_unref (proxy);
  return NULL;
}

/* Until @deadline: whether the child was reaped */
static gboolean
wait_for_exit (PpWorker *worker,
               gint64    deadline)
{
  while (g_subprocess_get_identifier (worker->subprocess) != NULL)
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (STOP_POLL_USEC);
    }
  return TRUE;
}

static gpointer
stop_thread (gpointer data)
{
  PpWorker *worker = data;

  if (!wait_for_exit (worker, g_get_monotonic_time () + (gint64) worker->term_delay * 1000))
    {
      g_subprocess_send_signal (worker->subprocess, SIGTERM);
      if (!wait_for_exit (worker, g_get_monotonic_time () + (gint64) worker->kill_delay * 1000))
        g_subprocess_force_exit (worker->subprocess);
    }
  pp_worker_unref (worker);
  return NULL;
}

/* A child that has not exited @term_delay ms from now gets SIGTERM, and
 * SIGKILL @kill_delay ms after that. Once. */
static void
stop_worker_after (PpWorker *worker,
                   int       term_delay,
                   int       kill_delay)
{
  if (!g_atomic_int_compare_and_exchange (&worker->stopping, 0, 1) ||
      g_subprocess_get_identifier (worker->subprocess) == NULL)
    return;
  worker->term_delay = term_delay;
  worker->kill_delay = kill_delay;
  g_thread_unref (g_thread_new ("pp-worker-stop", stop_thread, pp_worker_ref (worker)));
}

/* The proxy closed, or went: with a stop-timeout, a child that does not
 * exit in time gets SIGTERM, then SIGKILL */
static void
stop_worker (PpWorker *worker)
{
  if (worker->stop_timeout >= 0)
    stop_worker_after (worker, worker->stop_timeout, worker->stop_timeout);
}

/* A PpStopFunc: a call given up on was not answered within the
 * cancel-timeout. SIGTERM now, SIGKILL as long again later. */
static GError *
stop_unanswering_worker (guint    timeout_msec,
                         gpointer user_data)
{
  PpWorker *worker = user_data;

  stop_worker_after (worker, 0, timeout_msec);
  if (worker->command)
    return g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                        _("The command was stopped because it did not answer a cancel within "
                          "%u ms"), timeout_msec);
  return g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                      _("The worker process was stopped because it did not answer a cancel "
                        "within %u ms"), timeout_msec);
}

static void
worker_proxy_closed (PpProxy      *proxy,
                     const GError *error,
                     gpointer      user_data)
{
  stop_worker (user_data);
}

static void
release_worker (gpointer data)
{
  stop_worker (data);
  pp_worker_unref (data);
}

/* The proxy keeps its worker, for pp_proxy_get_subprocess(), and stops it
 * when it closes or goes */
static PpProxy *
keep_worker (PpProxy  *proxy,
             PpWorker *worker)
{
  g_object_set_qdata_full (G_OBJECT (proxy), worker_quark (), pp_worker_ref (worker),
                           release_worker);
  pp_proxy_set_stop_func (proxy, stop_unanswering_worker, worker);
  if (worker->stop_timeout >= 0)
    {
      g_autoptr(GError) reason = NULL;

      reason = g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                            _("The worker process was stopped: its proxy was closed, and it is "
                              "sent SIGTERM if it has not exited %d ms later, SIGKILL %d ms "
                              "after that"),
                            worker->stop_timeout, worker->stop_timeout);
      pp_proxy_set_close_reason (proxy, reason);
      g_signal_connect_data (proxy, "closed", G_CALLBACK (worker_proxy_closed),
                             pp_worker_ref (worker), (GClosureNotify) pp_worker_unref, 0);
    }
  return proxy;
}

/* The one path of the constructors that start a child: a worker on fd 3
 * (new_for_subprocess) or on stdin and stdout (@command) */
static PpProxy *
new_for_child_sync (GSubprocessLauncher  *launcher,
                    const char * const   *argv,
                    PpOptions            *options,
                    gboolean              command,
                    GCancellable         *cancellable,
                    GError              **error)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(PpWorker) worker = NULL;
  GError *local_error = NULL;
  PpProxy *proxy;

  g_return_val_if_fail (launcher == NULL || G_IS_SUBPROCESS_LAUNCHER (launcher), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (options == NULL || PP_IS_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  worker = spawn_worker (launcher, argv, options, command, &stream, error);
  if (worker == NULL)
    return NULL;

  proxy = pp_proxy_new_explained_sync (stream, options, worker_end_reason,
                                       pp_worker_ref (worker), (GDestroyNotify) pp_worker_unref,
                                       cancellable, &local_error);
  if (proxy == NULL)
    {
      handshake_failed (worker, &local_error);
      g_propagate_error (error, local_error);
      return NULL;
    }
  proxy = check_sandbox (worker, proxy, error);
  return proxy ? keep_worker (proxy, worker) : NULL;
}

static void
subprocess_proxy_ready (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PpWorker *worker = g_task_get_task_data (task);
  GError *error = NULL;
  PpProxy *proxy = pp_proxy_new_finish (result, &error);

  if (proxy == NULL)
    {
      handshake_failed (worker, &error);
      g_task_return_error (task, error);
      return;
    }
  proxy = check_sandbox (worker, proxy, &error);
  if (proxy == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, keep_worker (proxy, worker), g_object_unref);
}

static void
new_for_child_async (GSubprocessLauncher  *launcher,
                     const char * const   *argv,
                     PpOptions            *options,
                     gboolean              command,
                     GCancellable         *cancellable,
                     gpointer              source_tag,
                     GAsyncReadyCallback   callback,
                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;
  PpWorker *worker;

  g_return_if_fail (launcher == NULL || G_IS_SUBPROCESS_LAUNCHER (launcher));
  g_return_if_fail (argv != NULL && argv[0] != NULL);
  g_return_if_fail (options == NULL || PP_IS_OPTIONS (options));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  worker = spawn_worker (launcher, argv, options, command, &stream, &error);
  if (worker == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, worker, (GDestroyNotify) pp_worker_unref);

  pp_proxy_new_explained_async (stream, options, worker_end_reason, pp_worker_ref (worker),
                                (GDestroyNotify) pp_worker_unref, cancellable,
                                subprocess_proxy_ready, g_steal_pointer (&task));
}

/**
 * pp_proxy_new_for_subprocess_sync:
 * @launcher: (nullable): a launcher to set the child's environment, working
 *   directory and flags, or %NULL for one that captures stderr. It gets the
 *   connection (file descriptor 3 in the child) and the variable
 *   %PP_SUBPROCESS_FD_VARIABLE, and its file descriptors are closed in this
 *   process once the child is started.
 * @argv: (array zero-terminated=1) (element-type filename): the program and
 *   its arguments; the program serves an object with [func@Pp.serve_parent]
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Starts a child process that serves an object, and returns a proxy for it
 * once the handshake is done.
 *
 * When the child exits or crashes, [signal@Pp.Proxy::closed] and every
 * pending call fail with %PP_ERROR_DISCONNECTED and a message that says how
 * it ended (its exit status, or the signal that killed it) and the last
 * lines it wrote to stderr, when stderr is captured: always with a %NULL
 * @launcher, else when @launcher has %G_SUBPROCESS_FLAGS_STDERR_PIPE.
 * Captured output is passed on to this process's stderr as well.
 *
 * When the proxy is closed or finalized, or this process dies, the child
 * sees its connection end; [func@Pp.serve_parent] then returns.
 *
 * With [property@Pp.Options:sandbox] in @options, the child is sandboxed:
 * it is told through %PP_SUBPROCESS_SANDBOX_VARIABLE and sandboxes itself
 * before it reads the first call; with %PP_SANDBOX_NAMESPACES it is also
 * started under `bwrap`, whose process is then the one
 * [method@Pp.Proxy.get_subprocess] gives. A child killed by the sandbox
 * ends with SIGSYS, and the name of the system call it was refused. After
 * the handshake, a child not under `bwrap` that shows no sandbox (it served
 * without reading the request) is stopped, and this fails with
 * %PP_ERROR_FAILED.
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_subprocess_sync (GSubprocessLauncher  *launcher,
                                  const char * const   *argv,
                                  PpOptions            *options,
                                  GCancellable         *cancellable,
                                  GError              **error)
{
  return new_for_child_sync (launcher, argv, options, FALSE, cancellable, error);
}

/**
 * pp_proxy_new_for_subprocess_async:
 * @launcher: (nullable): as for [ctor@Pp.Proxy.new_for_subprocess_sync]
 * @argv: (array zero-terminated=1) (element-type filename): the program and
 *   its arguments
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the proxy is ready
 * @user_data: data for @callback
 *
 * Like [ctor@Pp.Proxy.new_for_subprocess_sync] without blocking: the child
 * is started at once, the handshake happens in the thread-default main
 * context, and @callback runs there. Finish with
 * [ctor@Pp.Proxy.new_for_subprocess_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_new_for_subprocess_async (GSubprocessLauncher  *launcher,
                                   const char * const   *argv,
                                   PpOptions            *options,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  new_for_child_async (launcher, argv, options, FALSE, cancellable,
                       pp_proxy_new_for_subprocess_async, callback, user_data);
}

/**
 * pp_proxy_new_for_subprocess_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Pp.Proxy.new_for_subprocess_async].
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_subprocess_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pp_proxy_new_for_command_sync:
 * @launcher: (nullable): a launcher to set the command's environment,
 *   working directory and stderr, or %NULL for one that captures stderr.
 *   Its stdin and stdout become the connection: it must not set them.
 * @argv: (array zero-terminated=1) (element-type filename): the command
 *   and its arguments, e.g. `ssh`, `host.example.org`,
 *   `/usr/libexec/pipeproxy-host`, `--stdio`, `Gio`, `2.0`, `SimpleAction`
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Starts a command and makes a proxy for the object served on its
 * standard input and output, once the handshake is done: the command is
 * `pipeproxy-host --stdio …`, a program that serves with
 * [func@Pp.serve_stdio], or anything that carries the bytes to one of
 * those and back, such as `ssh`. So `ssh host pipeproxy-host --stdio …`
 * serves an object from another machine through SSH's own connection: no
 * listening socket, and authentication left to SSH.
 *
 * The connection is a pair of pipes, which carry no file descriptors: a
 * call with some fails with %PP_ERROR_UNSUPPORTED_TYPE, and large messages
 * are copied through the pipes instead of going in a memfd. Everything else
 * works as with [ctor@Pp.Proxy.new_for_subprocess_sync], whose @launcher,
 * stderr capture and end reasons this shares ("The command exited with
 * status 255; it last wrote: ssh: Could not resolve hostname …"), except
 * that a sandbox in @options is refused: give `pipeproxy-host --sandbox`
 * in the command instead. [method@Pp.Proxy.get_subprocess] gives the
 * command's process.
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_command_sync (GSubprocessLauncher  *launcher,
                               const char * const   *argv,
                               PpOptions            *options,
                               GCancellable         *cancellable,
                               GError              **error)
{
  return new_for_child_sync (launcher, argv, options, TRUE, cancellable, error);
}

/**
 * pp_proxy_new_for_command_async:
 * @launcher: (nullable): as for [ctor@Pp.Proxy.new_for_command_sync]
 * @argv: (array zero-terminated=1) (element-type filename): the command
 *   and its arguments
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the proxy is ready
 * @user_data: data for @callback
 *
 * Like [ctor@Pp.Proxy.new_for_command_sync] without blocking: the command
 * is started at once, the handshake happens in the thread-default main
 * context, and @callback runs there. Finish with
 * [ctor@Pp.Proxy.new_for_command_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_new_for_command_async (GSubprocessLauncher  *launcher,
                                const char * const   *argv,
                                PpOptions            *options,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  new_for_child_async (launcher, argv, options, TRUE, cancellable,
                       pp_proxy_new_for_command_async, callback, user_data);
}

/**
 * pp_proxy_new_for_command_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Pp.Proxy.new_for_command_async].
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_command_finish (GAsyncResult  *result,
                                 GError       **error)
{
  return pp_proxy_new_for_subprocess_finish (result, error);
}

/**
 * pp_proxy_get_subprocess:
 * @self: a #PpProxy
 *
 * Gets the child process that serves the remote object, for a proxy made
 * by [ctor@Pp.Proxy.new_for_subprocess_sync] or its async form.
 *
 * Returns: (transfer none) (nullable): the child process, or %NULL
 *
 * Since: 1.0
 */
GSubprocess *
pp_proxy_get_subprocess (PpProxy *self)
{
  PpWorker *worker;

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);

  worker = g_object_get_qdata (G_OBJECT (self), worker_quark ());
  return worker ? worker->subprocess : NULL;
}

/* pipeproxy-host's command line */
static GStrv
host_argv (const char         *namespace_,
           const char         *version,
           const char         *type_name,
           const char         *constructor,
           GVariant           *arguments,
           const char * const *properties)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GVariant) owned = arguments ? g_variant_ref_sink (arguments) : NULL;
  const char *host = g_getenv ("PIPEPROXY_HOST");

  g_strv_builder_add (builder, host && *host ? host : PP_HOST_PATH);
  if (constructor != NULL)
    {
      g_autofree char *name = g_strconcat ("--constructor=", constructor, NULL);
      g_autofree char *text = owned ? g_variant_print (owned, TRUE) : g_strdup ("()");
      g_autofree char *args = g_strconcat ("--arguments=", text, NULL);

      g_strv_builder_add (builder, name);
      g_strv_builder_add (builder, args);
    }
  g_strv_builder_add (builder, namespace_);
  g_strv_builder_add (builder, version ? version : "");
  g_strv_builder_add (builder, type_name);
  if (properties != NULL)
    g_strv_builder_addv (builder, (const char **) properties);
  return g_strv_builder_end (builder);
}

/**
 * pp_proxy_new_for_type_sync:
 * @namespace_: a GObject-Introspection namespace, e.g. `Gio` or `Json`
 * @version: (nullable): its version, e.g. `2.0`, or %NULL for the latest
 * @type_name: the name of a class in it, e.g. `SimpleAction`
 * @properties: (nullable) (array zero-terminated=1): construct properties,
 *   each `name=value` with the value in GVariant text format (a string
 *   property also takes plain text)
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes a new object of any introspectable class in a child process and
 * returns a proxy for it, with no child code to write: the installed
 * helper program `pipeproxy-host` (the variable `PIPEPROXY_HOST` may name
 * another) makes the object and serves it with [func@Pp.serve_parent].
 *
 * An unknown namespace or type fails with %PP_ERROR_FAILED, an abstract or
 * non-GObject type with %PP_ERROR_UNSUPPORTED_TYPE, a construct property
 * that does not exist or does not take the value with
 * %PP_ERROR_INVALID_ARGUMENTS. Otherwise it behaves like
 * [ctor@Pp.Proxy.new_for_subprocess_sync].
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_type_sync (const char         *namespace_,
                            const char         *version,
                            const char         *type_name,
                            const char * const *properties,
                            PpOptions          *options,
                            GCancellable       *cancellable,
                            GError            **error)
{
  return pp_proxy_new_for_type_full_sync (namespace_, version, type_name, NULL, NULL, properties,
                                          options, cancellable, error);
}

/**
 * pp_proxy_new_for_type_async:
 * @namespace_: a GObject-Introspection namespace
 * @version: (nullable): its version, or %NULL for the latest
 * @type_name: the name of a class in it
 * @properties: (nullable) (array zero-terminated=1): construct properties,
 *   as for [ctor@Pp.Proxy.new_for_type_sync]
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the proxy is ready
 * @user_data: data for @callback
 *
 * Like [ctor@Pp.Proxy.new_for_type_sync] without blocking; finish with
 * [ctor@Pp.Proxy.new_for_type_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_new_for_type_async (const char          *namespace_,
                             const char          *version,
                             const char          *type_name,
                             const char * const  *properties,
                             PpOptions           *options,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  pp_proxy_new_for_type_full_async (namespace_, version, type_name, NULL, NULL, properties,
                                    options, cancellable, callback, user_data);
}

/**
 * pp_proxy_new_for_type_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Pp.Proxy.new_for_type_async].
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_type_finish (GAsyncResult  *result,
                              GError       **error)
{
  return pp_proxy_new_for_subprocess_finish (result, error);
}

/**
 * pp_proxy_new_for_type_full_sync:
 * @namespace_: a GObject-Introspection namespace, e.g. `Gtk`
 * @version: (nullable): its version, or %NULL for the latest
 * @type_name: the name of a class or interface in it, e.g. `StringList`
 *   or `File`
 * @constructor: (nullable): a function of @type_name that returns a new
 *   object, e.g. `new` or `new_for_path`, or %NULL to make the object with
 *   g_object_new() and @properties
 * @arguments: (nullable): the arguments of @constructor, a tuple converted
 *   as a method's arguments are (`("GMenuItem",)` for g_list_store_new(),
 *   whose GType crosses by name); a floating reference is consumed. %NULL
 *   means none.
 * @properties: (nullable) (array zero-terminated=1): properties, each
 *   `name=value` with the value in GVariant text format, of any type a
 *   property value crosses as; with a @constructor they are set after it
 *   returns, else they are construct properties
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [ctor@Pp.Proxy.new_for_type_sync], and the object may be made by a
 * constructor function: `pipeproxy-host --constructor=NAME
 * --arguments=TUPLE` in the child. A constructor that does not exist or
 * does not return an object fails with %PP_ERROR_FAILED, arguments that do
 * not fit it with %PP_ERROR_INVALID_ARGUMENTS, and one whose arguments
 * cannot cross with the reason a method would be refused for.
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_type_full_sync (const char         *namespace_,
                                 const char         *version,
                                 const char         *type_name,
                                 const char         *constructor,
                                 GVariant           *arguments,
                                 const char * const *properties,
                                 PpOptions          *options,
                                 GCancellable       *cancellable,
                                 GError            **error)
{
  g_auto(GStrv) argv = NULL;

  g_return_val_if_fail (namespace_ != NULL, NULL);
  g_return_val_if_fail (type_name != NULL, NULL);
  g_return_val_if_fail (arguments == NULL || constructor != NULL, NULL);
  g_return_val_if_fail (arguments == NULL ||
                        g_variant_is_of_type (arguments, G_VARIANT_TYPE_TUPLE), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  argv = host_argv (namespace_, version, type_name, constructor, arguments, properties);
  return pp_proxy_new_for_subprocess_sync (NULL, (const char * const *) argv, options,
                                           cancellable, error);
}

/**
 * pp_proxy_new_for_type_full_async:
 * @namespace_: a GObject-Introspection namespace
 * @version: (nullable): its version, or %NULL for the latest
 * @type_name: the name of a class or interface in it
 * @constructor: (nullable): a function of @type_name that returns a new
 *   object, or %NULL
 * @arguments: (nullable): the arguments of @constructor, a tuple; a
 *   floating reference is consumed
 * @properties: (nullable) (array zero-terminated=1): properties, as for
 *   [ctor@Pp.Proxy.new_for_type_full_sync]
 * @options: (nullable): limits and defaults of the connection, or %NULL
 *   for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the proxy is ready
 * @user_data: data for @callback
 *
 * Like [ctor@Pp.Proxy.new_for_type_full_sync] without blocking; finish
 * with [ctor@Pp.Proxy.new_for_type_full_finish]. @callback runs in the
 * thread-default main context of the caller.
 *
 * Since: 1.0
 */
void
pp_proxy_new_for_type_full_async (const char          *namespace_,
                                  const char          *version,
                                  const char          *type_name,
                                  const char          *constructor,
                                  GVariant            *arguments,
                                  const char * const  *properties,
                                  PpOptions           *options,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_auto(GStrv) argv = NULL;

  g_return_if_fail (namespace_ != NULL);
  g_return_if_fail (type_name != NULL);
  g_return_if_fail (arguments == NULL || constructor != NULL);
  g_return_if_fail (arguments == NULL || g_variant_is_of_type (arguments, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  argv = host_argv (namespace_, version, type_name, constructor, arguments, properties);
  pp_proxy_new_for_subprocess_async (NULL, (const char * const *) argv, options, cancellable,
                                     callback, user_data);
}

/**
 * pp_proxy_new_for_type_full_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Pp.Proxy.new_for_type_full_async].
 *
 * Returns: (transfer full): a proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_type_full_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return pp_proxy_new_for_subprocess_finish (result, error);
}
