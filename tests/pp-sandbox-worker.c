/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The worker of test-sandbox: serves a PpTestObject to its parent, which
 * started it sandboxed or not, plus two added methods:
 *
 *   try (s) → (i)   does what the string names and returns 0, or the errno
 *                   it failed with: what a sandbox refuses, or allows
 *   forbidden ()    makes a system call the sandbox kills the process for
 *
 * pp_listener_new_for_parent() applies the sandbox the parent asked for.
 * With --by-hand, the worker makes its listener on fd 3 itself, and so
 * never reads the request for a sandbox. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <netinet/in.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-test-object.h"

static int
try_open (void)
{
  int fd = open ("/etc/passwd", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return errno;
  close (fd);
  return 0;
}

static int
try_stat (void)
{
  struct stat st;

  return stat ("/etc/passwd", &st) == 0 ? 0 : errno;
}

static int
try_socket (int domain)
{
  int fd = socket (domain, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return errno;
  close (fd);
  return 0;
}

static int
try_connect_tcp (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (9) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int result;

  if (fd < 0)
    return errno;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  result = connect (fd, (struct sockaddr *) &address, sizeof address) == 0 ? 0 : errno;
  close (fd);
  return result;
}

static int
try_fork (void)
{
  pid_t pid = fork ();
  int status;

  if (pid < 0)
    return errno;
  if (pid == 0)
    _exit (0);
  waitpid (pid, &status, 0);
  return 0;
}

static gpointer
thread_func (gpointer data)
{
  return data;
}

static int
try_thread (void)
{
  GThread *thread = g_thread_new ("sandboxed", thread_func, GINT_TO_POINTER (7));

  return GPOINTER_TO_INT (g_thread_join (thread)) == 7 ? 0 : EINVAL;
}

static void
task_func (GTask        *task,
           gpointer      source_object,
           gpointer      task_data,
           GCancellable *cancellable)
{
  g_task_return_int (task, 7);
}

/* GLib's thread pool, as GTask and GIO's async calls use it */
static int
try_thread_pool (void)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_run_in_thread_sync (task, task_func);
  return g_task_propagate_int (task, NULL) == 7 ? 0 : EINVAL;
}

/* What pipeproxy's large bodies need: a sealed memfd, mapped */
static int
try_memfd (void)
{
  int fd = memfd_create ("sandbox-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  char *data;
  int result = 0;

  if (fd < 0)
    return errno;
  if (ftruncate (fd, 4096) != 0 ||
      (data = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
    result = errno;
  else
    {
      data[0] = 1;
      munmap (data, 4096);
      if (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
        result = errno;
    }
  close (fd);
  return result;
}

static GVariant *
try_method (GObject   *object,
            GVariant  *parameters,
            gpointer   user_data,
            GError   **error)
{
  const char *what;
  int result;

  g_variant_get (parameters, "(&s)", &what);
  if (g_str_equal (what, "open"))
    result = try_open ();
  else if (g_str_equal (what, "stat"))
    result = try_stat ();
  else if (g_str_equal (what, "socket"))
    result = try_socket (AF_UNIX);
  else if (g_str_equal (what, "socket-inet"))
    result = try_socket (AF_INET);
  else if (g_str_equal (what, "connect-tcp"))
    result = try_connect_tcp ();
  else if (g_str_equal (what, "fork"))
    result = try_fork ();
  else if (g_str_equal (what, "signal-parent"))
    result = kill (getppid (), 0) == 0 ? 0 : errno;
  else if (g_str_equal (what, "thread"))
    result = try_thread ();
  else if (g_str_equal (what, "thread-pool"))
    result = try_thread_pool ();
  else if (g_str_equal (what, "memfd"))
    result = try_memfd ();
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "nothing to try called %s", what);
      return NULL;
    }
  return g_variant_new ("(i)", result);
}

static GVariant *
forbidden_method (GObject   *object,
                  GVariant  *parameters,
                  gpointer   user_data,
                  GError   **error)
{
  int result = ptrace (PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : errno;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "ptrace was not refused: %d", result);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GError) error = NULL;

  if (argc > 1 && g_str_equal (argv[1], "--by-hand"))
    {
      g_autoptr(GIOStream) stream = pp_stream_new_for_fd (3, &error);

      if (stream != NULL)
        listener = pp_listener_new (G_OBJECT (object), stream, &error);
    }
  else
    listener = pp_listener_new_for_parent (G_OBJECT (object), &error);
  if (listener == NULL)
    {
      fprintf (stderr, "sandbox worker: %s\n", error->message);
      return 1;
    }

  /* Replies from 64 KiB up take the memfd path */
  pp_listener_set_memfd_threshold (listener, 64 * 1024);
  pp_listener_add_method (listener, "try", G_VARIANT_TYPE ("(s)"), G_VARIANT_TYPE ("(i)"),
                          try_method, NULL, NULL);
  pp_listener_add_method (listener, "forbidden", G_VARIANT_TYPE_UNIT, G_VARIANT_TYPE_UNIT,
                          forbidden_method, NULL, NULL);
  pp_listener_run (listener);
  return 0;
}
