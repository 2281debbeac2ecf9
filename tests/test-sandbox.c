/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Sandboxed workers: what they can still do (decode what arrives through
 * descriptors), what the kernel refuses them (files, sockets, processes),
 * and how the parent hears of a worker the filter killed. The worker is
 * tests/pp-sandbox-worker. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include "pp-test-util.h"
#include "pp-memfd-private.h"
#include "pp-sandbox-private.h"

#define TIMEOUT_MSEC 20000

static char *
worker_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "pp-sandbox-worker", NULL);
}

/* Requests from 64 KiB up take the memfd path, as the worker's replies do */
static PpProxy *
start_worker (PpSandboxFlags   sandbox,
              GError         **error)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  g_autoptr(PpOptions) options = pp_options_new ();

  pp_options_set_sandbox (options, sandbox);
  pp_options_set_memfd_threshold (options, 64 * 1024);
  return pp_proxy_new_for_subprocess_sync (NULL, argv, options, NULL, error);
}

static gboolean
need_seccomp (void)
{
  if (!pp_sandbox_has_seccomp ())
    {
      g_test_skip ("built without libseccomp");
      return FALSE;
    }
  return TRUE;
}

/* What the kernel says of the worker: no new privileges, and the number
 * of seccomp filters (0 when there are none) */
static guint
seccomp_filters_of (PpProxy *proxy)
{
  const char *pid = g_subprocess_get_identifier (pp_proxy_get_subprocess (proxy));
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "\nSeccomp_filters:");
  g_assert_nonnull (line);
  if (strstr (status, "\nSeccomp:\t2") != NULL)
    g_assert_nonnull (strstr (status, "\nNoNewPrivs:\t1"));
  return (guint) g_ascii_strtoull (line + strlen ("\nSeccomp_filters:"), NULL, 10);
}

/* Runs the worker's "try" method: 0, or the errno the attempt failed with */
static int
try (PpProxy    *proxy,
     const char *what)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, "try", g_variant_new ("(s)", what));
  int value = -1;

  g_variant_get (result, "(i)", &value);
  g_test_message ("%s: %s", what, value ? g_strerror (value) : "done");
  return value;
}

static GBytes *
make_payload (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 4096);
  return g_bytes_new_take (data, size);
}

typedef struct
{
  int     fd;
  GBytes *data;
} Writer;

static gpointer
write_and_close (gpointer user_data)
{
  Writer *writer = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (writer->data, &size);
  gsize done = 0;

  while (done < size)
    {
      gssize n = write (writer->fd, data + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      done += n;
    }
  close (writer->fd);
  return NULL;
}

static void
assert_same_bytes (GVariant *result,
                   GBytes   *expected)
{
  g_autoptr(GVariant) bytes = g_variant_get_child_value (result, 0);
  g_autofree char *got = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                      g_variant_get_data (bytes),
                                                      g_variant_get_size (bytes));
  g_autofree char *wanted = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, expected);

  g_assert_cmpuint (g_variant_get_size (bytes), ==, g_bytes_get_size (expected));
  g_assert_cmpstr (got, ==, wanted);
}

/* A memory stream the sandboxed worker returns crosses as a pipe that a
 * thread it starts then moves the bytes through */
static void
check_returns_memory_stream (PpProxy *proxy,
                             GBytes  *payload)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;

  input = g_unix_input_stream_new (pp_test_open_bytes_fd (proxy, payload, TIMEOUT_MSEC), TRUE);
  g_output_stream_splice (memory, input, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  got = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  g_assert_true (g_bytes_equal (got, payload));
}

/* The sandboxed worker reads a pipe it is given to its end and sends back
 * what it read, 1 MiB, in a memfd; then the same size there and back, each
 * way in a memfd. */
static void
check_decodes (PpProxy *proxy)
{
  g_autoptr(GBytes) payload = make_payload (1024 * 1024);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  guint sealed_before, mapped_before, sealed_after, mapped_after;
  Writer writer = { .data = payload };
  GThread *thread;
  int pipe_fds[2];
  int handle;

  g_assert_true (g_unix_open_pipe (pipe_fds, FD_CLOEXEC, NULL));
  handle = g_unix_fd_list_append (fds, pipe_fds[0], NULL);
  close (pipe_fds[0]);
  writer.fd = pipe_fds[1];
  thread = g_thread_new ("writer", write_and_close, &writer);

  pp_memfd_get_counts (&sealed_before, &mapped_before);
  result = pp_proxy_call_with_unix_fd_list_sync (proxy, "read_stream", g_variant_new ("(h)", handle),
                                                 TIMEOUT_MSEC, fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_thread_join (thread);
  assert_same_bytes (result, payload);
  pp_memfd_get_counts (&sealed_after, &mapped_after);
  g_assert_cmpuint (mapped_after, ==, mapped_before + 1);

  g_clear_pointer (&result, g_variant_unref);
  result = pp_proxy_call_sync (proxy, "echo_bytes",
                               g_variant_new ("(@ay)",
                                              g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                        payload, TRUE)),
                               TIMEOUT_MSEC, NULL, &error);
  g_assert_no_error (error);
  assert_same_bytes (result, payload);
  pp_memfd_get_counts (&sealed_before, &mapped_before);
  g_assert_cmpuint (sealed_before, ==, sealed_after + 1);
  g_assert_cmpuint (mapped_before, ==, mapped_after + 1);

  check_returns_memory_stream (proxy, payload);
}

static void
test_flags_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  PpSandboxFlags flags = PP_SANDBOX_NONE;

  text = pp_sandbox_flags_to_string (PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM);
  g_assert_cmpstr (text, ==, "syscalls,filesystem");
  g_assert_true (pp_sandbox_flags_parse (text, &flags, &error));
  g_assert_no_error (error);
  g_assert_cmpint (flags, ==, PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM);
  g_assert_true (pp_sandbox_flags_parse (" namespaces, ", &flags, &error));
  g_assert_cmpint (flags, ==, PP_SANDBOX_NAMESPACES);
  g_assert_true (pp_sandbox_flags_parse ("", &flags, &error));
  g_assert_cmpint (flags, ==, PP_SANDBOX_NONE);

  g_assert_false (pp_sandbox_flags_parse ("syscalls,everything", &flags, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "everything"));
}

/* Unsandboxed, the worker does all it tries: what the sandbox refuses
 * below is the sandbox's doing */
static void
test_unsandboxed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = start_worker (PP_SANDBOX_NONE, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (seccomp_filters_of (proxy), ==, 0);
  g_assert_cmpint (try (proxy, "open"), ==, 0);
  g_assert_cmpint (try (proxy, "stat"), ==, 0);
  g_assert_cmpint (try (proxy, "socket"), ==, 0);
  g_assert_cmpint (try (proxy, "fork"), ==, 0);
  g_assert_cmpint (try (proxy, "signal-parent"), ==, 0);
  check_decodes (proxy);
}

static void
test_decodes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (!need_seccomp ())
    return;
  proxy = start_worker (PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seccomp_filters_of (proxy), ==, 1);
  check_decodes (proxy);
  g_assert_cmpint (try (proxy, "thread"), ==, 0);
  g_assert_cmpint (try (proxy, "thread-pool"), ==, 0);
  g_assert_cmpint (try (proxy, "memfd"), ==, 0);
}

static void
test_refuses (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (!need_seccomp ())
    return;
  proxy = start_worker (PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM, &error);
  g_assert_no_error (error);

  g_assert_cmpint (try (proxy, "open"), ==, EPERM);
  g_assert_cmpint (try (proxy, "stat"), ==, EPERM);
  g_assert_cmpint (try (proxy, "socket"), ==, EPERM);
  g_assert_cmpint (try (proxy, "socket-inet"), ==, EPERM);
  g_assert_cmpint (try (proxy, "fork"), ==, EPERM);
  g_assert_cmpint (try (proxy, "signal-parent"), ==, EPERM);
  /* It still serves */
  g_assert_cmpint (try (proxy, "thread"), ==, 0);
}

/* Landlock alone: files cannot be opened (EACCES is Landlock's answer),
 * sockets can be made but, from Landlock ABI 4, not connected over TCP */
static void
test_landlock_alone (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  int abi = pp_sandbox_landlock_abi ();

  if (abi == 0)
    {
      g_test_skip ("this kernel has no Landlock");
      return;
    }
  g_test_message ("Landlock ABI %d", abi);
  proxy = start_worker (PP_SANDBOX_FILESYSTEM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seccomp_filters_of (proxy), ==, 0);

  g_assert_cmpint (try (proxy, "open"), ==, EACCES);
  g_assert_cmpint (try (proxy, "socket"), ==, 0);
  if (abi >= 4)
    g_assert_cmpint (try (proxy, "connect-tcp"), ==, EACCES);
  if (abi >= 6)
    g_assert_cmpint (try (proxy, "signal-parent"), ==, EPERM);
  check_decodes (proxy);
}

typedef struct
{
  GError *call_error;
  GError *closed_error;
} EndState;

static void
on_call_ended (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EndState *state = user_data;
  g_autoptr(GVariant) value = pp_proxy_call_finish (PP_PROXY (source), result,
                                                    &state->call_error);

  g_assert_null (value);
}

static void
on_closed (PpProxy      *proxy,
           const GError *error,
           gpointer      user_data)
{
  EndState *state = user_data;

  g_assert_null (state->closed_error);
  state->closed_error = g_error_copy (error);
}

/* A call the filter does not let through kills the worker; the pending
 * call and "closed" say so, with the call's name from the worker's last
 * words. */
static void
check_killed (PpProxy *proxy)
{
  EndState state = { NULL, NULL };

  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &state);
  pp_proxy_call_async (proxy, "forbidden", NULL, TIMEOUT_MSEC, NULL, on_call_ended, &state);
  while (state.call_error == NULL || state.closed_error == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("call: %s", state.call_error->message);
  g_assert_error (state.call_error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (state.call_error->message, "killed by signal 31"));
  g_assert_nonnull (strstr (state.call_error->message, "does not allow system call ptrace"));
  g_assert_cmpstr (state.closed_error->message, ==, state.call_error->message);
  g_clear_error (&state.call_error);
  g_clear_error (&state.closed_error);
}

static void
test_killed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  GSubprocess *process;

  if (!need_seccomp ())
    return;
  proxy = start_worker (PP_SANDBOX_SYSCALLS, &error);
  g_assert_no_error (error);
  process = pp_proxy_get_subprocess (proxy);
  check_killed (proxy);

  g_assert_true (g_subprocess_wait (process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGSYS);
}

/* A worker asked for a sandbox it does not know does not serve without */
static void
test_unknown_sandbox (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  g_subprocess_launcher_setenv (launcher, PP_SUBPROCESS_SANDBOX_VARIABLE, "syscalls,tight", TRUE);
  proxy = pp_proxy_new_for_subprocess_sync (launcher, argv, NULL, NULL, &error);
  g_assert_null (proxy);
  g_test_message ("%s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "tight"));
}

static void
new_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(PpProxy) proxy = pp_proxy_new_for_subprocess_finish (result, error);

  g_assert_null (proxy);
  g_assert_nonnull (*error);
}

/* A worker that serves without reading the request (it makes its own
 * listener on fd 3) is found out after the handshake, and not used */
static void
test_worker_ignores_request (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, "--by-hand", NULL };
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (!need_seccomp ())
    return;
  pp_options_set_sandbox (options, PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM);
  proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, options, NULL, &error);
  g_assert_null (proxy);
  g_test_message ("%s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "did not sandbox itself"));
  g_clear_error (&error);

  /* Landlock alone shows as no new privileges */
  pp_options_set_sandbox (options, PP_SANDBOX_FILESYSTEM);
  pp_proxy_new_for_subprocess_async (NULL, argv, options, NULL, new_async_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "did not sandbox itself"));
}

/* A build without libseccomp does not start a worker it cannot filter */
static void
test_without_seccomp (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (pp_sandbox_has_seccomp ())
    {
      g_test_skip ("built with libseccomp");
      return;
    }
  proxy = start_worker (PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM, &error);
  g_assert_null (proxy);
  g_test_message ("%s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "libseccomp"));
}

/* pipeproxy-host serves any introspectable type sandboxed */
static void
test_host (void)
{
  const char * const properties[] = { "name=frobnicate", NULL };
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autofree char *name = NULL;

  if (!need_seccomp ())
    return;
  pp_options_set_sandbox (options, PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM);
  proxy = pp_proxy_new_for_type_sync ("Gio", "2.0", "SimpleAction", properties, options, NULL,
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seccomp_filters_of (proxy), ==, 1);
  g_variant_unref (pp_test_call (proxy, "set_enabled", g_variant_new ("(b)", FALSE)));
  g_object_get (proxy, "name", &name, NULL);
  g_assert_cmpstr (name, ==, "frobnicate");
}

/* pipeproxy-host --sandbox, for a parent that starts it itself */
static void
test_host_option (void)
{
  const char * const argv[] = { g_getenv ("PIPEPROXY_HOST"), "--sandbox", "Gio", "2.0",
                                "SimpleAction", "name=frobnicate", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (!need_seccomp ())
    return;
  g_assert_nonnull (argv[0]);
  proxy = pp_proxy_new_for_subprocess_sync (NULL, argv, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "GSimpleAction");
  g_assert_cmpuint (seccomp_filters_of (proxy), ==, 1);
  g_variant_unref (pp_test_call (proxy, "set_enabled", g_variant_new ("(b)", FALSE)));
}

/* Under bubblewrap the worker sees only /usr and its own files */
static void
test_namespaces (void)
{
  g_autofree char *path = worker_path ();
  const char * const argv[] = { path, NULL };
  g_auto(GStrv) wrapped = pp_sandbox_bwrap_argv (argv, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  if (wrapped == NULL)
    {
      g_test_skip ("bwrap is not installed or cannot make namespaces here");
      return;
    }

  proxy = start_worker (PP_SANDBOX_NAMESPACES, &error);
  g_assert_no_error (error);
  g_assert_cmpint (try (proxy, "open"), ==, ENOENT);
  check_decodes (proxy);
  g_clear_object (&proxy);

  if (!need_seccomp ())
    return;
  proxy = start_worker (PP_SANDBOX_NAMESPACES | PP_SANDBOX_SYSCALLS | PP_SANDBOX_FILESYSTEM,
                        &error);
  g_assert_no_error (error);
  g_assert_cmpint (try (proxy, "open"), ==, EPERM);
  check_decodes (proxy);
  check_killed (proxy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#ifdef __SANITIZE_ADDRESS__
  /* LeakSanitizer stops the world at exit with a clone() that is no
   * thread, which the sandbox refuses: in a sandboxed worker it would only
   * say so. This process read its own options already; the leaks of the
   * code the workers run are checked by the suites of unsandboxed ones. */
  {
    const char *options = g_getenv ("ASAN_OPTIONS");
    g_autofree char *value = g_strconcat (options ? options : "", options ? ":" : "",
                                          "detect_leaks=0", NULL);

    g_setenv ("ASAN_OPTIONS", value, TRUE);
  }
#endif

  g_test_add_func ("/Pp/Sandbox/flags-text", test_flags_text);
  g_test_add_func ("/Pp/Sandbox/unsandboxed", test_unsandboxed);
  g_test_add_func ("/Pp/Sandbox/decodes", test_decodes);
  g_test_add_func ("/Pp/Sandbox/refuses", test_refuses);
  g_test_add_func ("/Pp/Sandbox/landlock-alone", test_landlock_alone);
  g_test_add_func ("/Pp/Sandbox/killed", test_killed);
  g_test_add_func ("/Pp/Sandbox/unknown-sandbox", test_unknown_sandbox);
  g_test_add_func ("/Pp/Sandbox/without-seccomp", test_without_seccomp);
  g_test_add_func ("/Pp/Sandbox/worker-ignores-request", test_worker_ignores_request);
  g_test_add_func ("/Pp/Sandbox/host", test_host);
  g_test_add_func ("/Pp/Sandbox/host-option", test_host_option);
  g_test_add_func ("/Pp/Sandbox/namespaces", test_namespaces);

  return g_test_run ();
}
