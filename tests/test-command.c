/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A proxy over a command's standard input and output: pipeproxy-host
 * --stdio behind tests/pp-relay, a process of its own that moves bytes
 * between its stdio and a socket, as ssh would, and behind a real ssh to
 * a private sshd on 127.0.0.1 when one can be started. Everything works
 * but descriptors, which are refused with a reason, and memfd bodies,
 * which are copied through the pipes instead. */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gio/gunixfdlist.h>

#include "pp-test-util.h"

static char *
relay_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "pp-relay", NULL);
}

/* pp-relay pipeproxy-host --stdio NAMESPACE VERSION TYPE [PROPERTY…] */
static GStrv
relayed_host (const char *namespace_,
              const char *version,
              const char *type_name,
              ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *relay = relay_path ();
  const char *property;
  va_list args;


  g_strv_builder_add (builder, relay);
  g_strv_builder_add_many (builder, g_getenv ("PIPEPROXY_HOST"), "--stdio", namespace_, version,
                           type_name, NULL);
  va_start (args, type_name);
  while ((property = va_arg (args, const char *)) != NULL)
    g_strv_builder_add (builder, property);
  va_end (args);
  return g_strv_builder_end (builder);
}

static PpProxy *
new_relayed_action (void)
{
  g_auto(GStrv) argv = relayed_host ("Gio", "2.0", "SimpleAction", "name=frobnicate", NULL);
  g_autoptr(GError) error = NULL;
  PpProxy *proxy;

  proxy = pp_proxy_new_for_command_sync (NULL, (const char * const *) argv, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (PP_IS_PROXY (proxy));
  return proxy;
}

static void
on_activate (GObject  *proxy,
             GVariant *parameter,
             gpointer  user_data)
{
  char **got = user_data;

  g_assert_null (parameter);
  g_free (*got);
  *got = g_strdup ("activated");
}

/* Calls, the property cache, writes and signals, through the relay */
static void
test_relay (void)
{
  g_autoptr(PpProxy) proxy = new_relayed_action ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *activated = NULL;
  gboolean enabled = TRUE;

  g_assert_cmpstr (pp_proxy_get_remote_type_name (proxy), ==, "GSimpleAction");
  g_assert_nonnull (pp_proxy_get_subprocess (proxy));
  result = pp_test_call (proxy, "get_name", NULL);
  g_variant_get (result, "(s)", &name);
  g_assert_cmpstr (name, ==, "frobnicate");

  g_assert_true (pp_proxy_set_property_sync (proxy, "enabled", g_variant_new_boolean (FALSE),
                                             NULL, &error));
  g_assert_no_error (error);
  g_object_get (proxy, "enabled", &enabled, NULL);
  g_assert_false (enabled);

  g_signal_connect (proxy, "activate", G_CALLBACK (on_activate), &activated);
  g_clear_pointer (&result, g_variant_unref);
  /* A disabled action does not activate: enable it first */
  result = pp_test_call (proxy, "set_enabled", g_variant_new ("(b)", TRUE));
  g_clear_pointer (&result, g_variant_unref);
  result = pp_test_call (proxy, "activate", g_variant_new ("(mv)", NULL));
  while (activated == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (activated, ==, "activated");
}

static void
new_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  PpProxy **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pp_proxy_new_for_command_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_relay_async (void)
{
  g_auto(GStrv) argv = relayed_host ("Gio", "2.0", "Menu", NULL);
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) n = NULL;
  int n_items = -1;

  pp_proxy_new_for_command_async (NULL, (const char * const *) argv, NULL, NULL, new_cb, &proxy);
  while (proxy == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_variant_unref (pp_test_call (proxy, "append", g_variant_new ("(msms)", "One", "app.one")));
  n = pp_test_call (proxy, "get_n_items", NULL);
  g_variant_get (n, "(i)", &n_items);
  g_assert_cmpint (n_items, ==, 1);
}

/* No descriptor crosses, either way, and each refusal says why */
static void
test_relay_refuses_fds (void)
{
  g_auto(GStrv) argv = relayed_host ("PpTest", "1.0", "Object", NULL);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  proxy = pp_proxy_new_for_command_sync (NULL, (const char * const *) argv, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_unix_fd_list_append (fds, STDERR_FILENO, NULL), ==, 0);
  result = pp_proxy_call_with_unix_fd_list_sync (proxy, "echo_variant",
                                                 g_variant_new ("(v)", g_variant_new_handle (0)),
                                                 -1, fds, NULL, NULL, &error);
  g_assert_null (result);
  g_test_message ("sending: %s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
  g_assert_nonnull (strstr (error->message, "unix socket"));
  g_clear_error (&error);

  /* A stream in the reply would be a descriptor */
  result = pp_proxy_call_sync (proxy, "open_bytes", g_variant_new ("(ay)", NULL), -1, NULL,
                               &error);
  g_assert_null (result);
  g_test_message ("receiving: %s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
  g_assert_nonnull (strstr (error->message, "descriptors"));
  g_clear_error (&error);

  /* The connection is still good */
  g_clear_pointer (&result, g_variant_unref);
  result = pp_test_call (proxy, "echo_string", g_variant_new ("(s)", "still here"));
}

static void
on_stream_ready (GObject      *proxy,
                 GInputStream *stream,
                 gpointer      user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* The other ways a descriptor would cross: a stream argument of an
 * introspected method, where the caller gives a handle with no list, and
 * a signal whose argument is a stream. Each call fails alone, with a
 * reason; a signal cannot be answered with one, so the host says on its
 * stderr (which ssh passes back) that it does not forward it, once, and
 * the connection and the other signals go on. */
static void
test_relay_refuses_fd_arguments (void)
{
  g_auto(GStrv) argv = relayed_host ("PpTest", "1.0", "Object", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "fd-arguments-stderr", NULL);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autofree char *echoed = NULL;
  g_autofree char *printed = NULL;
  g_autoptr(GSubprocess) command = NULL;
  const char *said;
  guint streams = 0;

  g_subprocess_launcher_set_stderr_file_path (launcher, path);
  proxy = pp_proxy_new_for_command_sync (launcher, (const char * const *) argv, NULL, NULL,
                                         &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_unix_fd_list_append (fds, STDIN_FILENO, NULL), ==, 0);
  result = pp_proxy_call_with_unix_fd_list_sync (proxy, "read_stream", g_variant_new ("(h)", 0),
                                                 -1, fds, NULL, NULL, &error);
  g_assert_null (result);
  g_test_message ("stream argument: %s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE);
  g_assert_nonnull (strstr (error->message, "unix socket"));
  g_clear_error (&error);

  /* A handle without a list names no descriptor the peer could get */
  result = pp_proxy_call_sync (proxy, "read_stream", g_variant_new ("(h)", 0), -1, NULL, &error);
  g_assert_null (result);
  g_test_message ("handle alone: %s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "read_stream"));
  g_clear_error (&error);

  /* Twice: said once */
  g_signal_connect (proxy, "stream-ready", G_CALLBACK (on_stream_ready), &streams);
  for (guint i = 0; i < 2; i++)
    g_variant_unref (pp_test_call (proxy, "emit_stream_ready",
                                   g_variant_new_parsed ("(@may just b'data',)")));

  /* The connection is still good, and a stream-ready without a stream
   * still arrives, alone */
  g_variant_unref (pp_test_call (proxy, "emit_stream_ready",
                                 g_variant_new_parsed ("(@may nothing,)")));
  result = pp_test_call (proxy, "echo_string", g_variant_new ("(s)", "still here"));
  g_variant_get (result, "(s)", &echoed);
  g_assert_cmpstr (echoed, ==, "still here");
  while (streams < 1)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (streams, ==, 1);
  g_assert_false (pp_proxy_is_closed (proxy));

  command = g_object_ref (pp_proxy_get_subprocess (proxy));
  g_clear_object (&proxy);
  g_subprocess_wait (command, NULL, NULL);
  g_assert_true (g_file_get_contents (path, &printed, NULL, NULL));
  g_test_message ("the host wrote: %s", printed);
  said = strstr (printed, "Not forwarding signal “stream-ready” to the peer: ");
  g_assert_nonnull (said);
  g_assert_nonnull (strstr (said, "descriptors"));
  g_assert_null (strstr (said + 1, "Not forwarding"));
  g_unlink (path);
}

/* A body over the memfd threshold is copied through the pipes */
static void
test_relay_large (void)
{
  g_auto(GStrv) argv = relayed_host ("PpTest", "1.0", "Object", NULL);
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) echoed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  gsize size = 4 * 1024 * 1024;
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = i * 7 + (i >> 13);
  pp_options_set_memfd_threshold (options, 64 * 1024);
  proxy = pp_proxy_new_for_command_sync (NULL, (const char * const *) argv, options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pp_proxy_get_memfd_threshold (proxy), ==, 64 * 1024);

  result = pp_test_call (proxy, "echo_bytes",
                         g_variant_new ("(@ay)", g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING,
                                                                         data, size, TRUE,
                                                                         g_free, data)));
  echoed = g_variant_get_child_value (result, 0);
  g_assert_cmpuint (g_variant_get_size (echoed), ==, size);
  for (gsize i = 0; i < size; i += 4093)
    g_assert_cmpuint (((const guint8 *) g_variant_get_data (echoed))[i], ==,
                      (guint8) (i * 7 + (i >> 13)));
}

/* The host's refusal comes through the command, as the reason, and only
 * there: the host does not print it as well */
static void
test_relay_refusal (void)
{
  g_auto(GStrv) argv = relayed_host ("NoSuchNamespace", "1.0", "Thing", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "refusal-stderr", NULL);
  g_autofree char *printed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  g_subprocess_launcher_set_stderr_file_path (launcher, path);
  proxy = pp_proxy_new_for_command_sync (launcher, (const char * const *) argv, NULL, NULL,
                                         &error);
  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "NoSuchNamespace"));

  g_assert_true (g_file_get_contents (path, &printed, NULL, NULL));
  g_assert_cmpstr (printed, ==, "");
  g_unlink (path);
}

/* A command that ends says how, and what it last wrote (ssh's error) */
static void
test_command_ends (void)
{
  g_autofree char *relay = relay_path ();
  const char * const argv[] = { relay, "sh", "-c",
                                "echo 'ssh: Could not resolve hostname nowhere' >&2; exit 255",
                                NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  proxy = pp_proxy_new_for_command_sync (NULL, argv, NULL, NULL, &error);
  g_assert_null (proxy);
  g_test_message ("%s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, "The command exited with status 255"));
  g_assert_nonnull (strstr (error->message, "ssh: Could not resolve hostname nowhere"));
}

/* A command that writes something else than frames (an ssh server's
 * greeting, a shell's banner) is named as the cause, and not left running */
static void
test_command_not_pipeproxy (void)
{
  const char *argv[] = { "sh", "-c",
                         "echo 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 and more text'; "
                         "sleep 60", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  gint64 start = g_get_monotonic_time ();

  proxy = pp_proxy_new_for_command_sync (NULL, argv, NULL, NULL, &error);
  g_assert_null (proxy);
  g_test_message ("%s", error->message);
  g_assert_error (error, PP_ERROR, PP_ERROR_PROTOCOL);
  g_assert_true (g_str_has_prefix (error->message, "The command’s standard output is not a "
                                                   "pipeproxy connection"));
  /* Stopped, not waited for */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
}

/* What the served process writes to stdout does not reach the frames:
 * with G_MESSAGES_DEBUG, GLib writes debug messages to stdout, and the
 * host describes its type with some */
static void
test_stdout_kept_apart (void)
{
  g_auto(GStrv) argv = relayed_host ("Gio", "2.0", "Menu", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "debug-output", NULL);

  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  /* Into a file of ours, not the test's output */
  g_subprocess_launcher_set_stderr_file_path (launcher, path);
  proxy = pp_proxy_new_for_command_sync (launcher, (const char * const *) argv, NULL, NULL,
                                         &error);
  g_assert_no_error (error);
  g_variant_unref (pp_test_call (proxy, "get_n_items", NULL));
  g_clear_object (&proxy);
  g_unlink (path);
}

static void
test_sandbox_refused (void)
{
  g_auto(GStrv) argv = relayed_host ("Gio", "2.0", "Menu", NULL);
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;

  pp_options_set_sandbox (options, PP_SANDBOX_SYSCALLS);
  proxy = pp_proxy_new_for_command_sync (NULL, (const char * const *) argv, options, NULL, &error);
  g_assert_null (proxy);
  g_assert_error (error, PP_ERROR, PP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "--sandbox"));
}

/* µs per synchronous call, for the log */
static double
time_calls (PpProxy *proxy,
            int      n)
{
  gint64 start = g_get_monotonic_time ();

  for (int i = 0; i < n; i++)
    g_variant_unref (pp_test_call (proxy, "get_enabled", NULL));
  return (double) (g_get_monotonic_time () - start) / n;
}

static void
test_relay_latency (void)
{
  g_autoptr(PpProxy) relayed = new_relayed_action ();
  const char * const properties[] = { "name=frobnicate", NULL };
  g_autoptr(PpProxy) direct = NULL;
  g_autoptr(GError) error = NULL;
  int n = g_getenv ("PP_TEST_UNDER_VALGRIND") ? 20 : 2000;

  direct = pp_proxy_new_for_type_sync ("Gio", "2.0", "SimpleAction", properties, NULL, NULL,
                                       &error);
  g_assert_no_error (error);
  time_calls (relayed, n / 10);
  time_calls (direct, n / 10);
  g_test_message ("sync call: %.1f us through the relay, %.1f us on a socket pair",
                  time_calls (relayed, n), time_calls (direct, n));
}

/* A private sshd ------------------------------------------------------------- */

typedef struct
{
  char        *dir;
  GSubprocess *sshd;
  GStrv        ssh;   /* ssh and its options, up to the destination */
} Sshd;

static void
sshd_stop (Sshd *s)
{
  if (s->sshd != NULL)
    {
      g_subprocess_send_signal (s->sshd, SIGTERM);
      g_subprocess_wait (s->sshd, NULL, NULL);
      g_clear_object (&s->sshd);
    }
  if (s->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (s->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (s->dir, name, NULL);

          g_unlink (path);
        }
      g_rmdir (s->dir);
      g_clear_pointer (&s->dir, g_free);
    }
  g_clear_pointer (&s->ssh, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sshd, sshd_stop)

static gboolean
run_quietly (const char * const  *argv,
             char               **output)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, output, NULL, &error))
    {
      *output = g_strdup (error->message);
      return FALSE;
    }
  return g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
}

static int
free_port (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int port = -1;

  if (fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0 &&
      getsockname (fd, (struct sockaddr *) &address, &length) == 0)
    port = ntohs (address.sin_port);
  if (fd >= 0)
    close (fd);
  return port;
}

/* Starts sshd on a free port of 127.0.0.1 with a throwaway host key and a
 * key of ours authorized; FALSE with the reason when it cannot */
static gboolean
sshd_start (Sshd  *s,
            char **why)
{
  g_autofree char *sshd = g_find_program_in_path ("sshd");
  g_autofree char *ssh = g_find_program_in_path ("ssh");
  g_autofree char *keygen = g_find_program_in_path ("ssh-keygen");
  g_autofree char *host_key = NULL, *client_key = NULL, *client_pub = NULL;
  g_autofree char *authorized = NULL, *config_path = NULL, *config = NULL;
  g_autofree char *public_key = NULL, *output = NULL, *port_text = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  int port;

  if (sshd == NULL && g_file_test ("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE))
    sshd = g_strdup ("/usr/sbin/sshd");
  if (sshd == NULL || ssh == NULL || keygen == NULL)
    {
      *why = g_strdup ("sshd, ssh or ssh-keygen is not installed (openssh-server, "
                       "openssh-client)");
      return FALSE;
    }
  s->dir = g_dir_make_tmp ("pp-sshd-XXXXXX", &error);
  if (s->dir == NULL)
    {
      *why = g_strdup (error->message);
      return FALSE;
    }

  host_key = g_build_filename (s->dir, "host_key", NULL);
  client_key = g_build_filename (s->dir, "client_key", NULL);
  client_pub = g_strconcat (client_key, ".pub", NULL);
  authorized = g_build_filename (s->dir, "authorized_keys", NULL);
  config_path = g_build_filename (s->dir, "sshd_config", NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *key = i == 0 ? host_key : client_key;

      g_clear_pointer (&output, g_free);
      if (!run_quietly ((const char *[]) { keygen, "-q", "-t", "ed25519", "-N", "", "-f", key,
                                           NULL }, &output))
        {
          *why = g_strdup_printf ("ssh-keygen failed: %s", output);
          return FALSE;
        }
    }
  if (!g_file_get_contents (client_pub, &public_key, NULL, &error) ||
      !g_file_set_contents (authorized, public_key, -1, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }

  port = free_port ();
  port_text = g_strdup_printf ("%d", port);
  config = g_strdup_printf ("Port %d\n"
                            "ListenAddress 127.0.0.1\n"
                            "HostKey %s\n"
                            "PidFile %s/sshd.pid\n"
                            "AuthorizedKeysFile %s\n"
                            "StrictModes no\n"
                            "UsePAM no\n"
                            "PasswordAuthentication no\n"
                            "KbdInteractiveAuthentication no\n"
                            "PubkeyAuthentication yes\n"
                            "PermitRootLogin prohibit-password\n"
                            "PrintMotd no\n"
                            "LogLevel ERROR\n",
                            port, host_key, s->dir, authorized);
  if (!g_file_set_contents (config_path, config, -1, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  /* sshd running as root wants its privilege separation directory */
  if (getuid () == 0)
    g_mkdir_with_parents ("/run/sshd", 0755);

  s->sshd = g_subprocess_newv ((const char *[]) { sshd, "-D", "-e", "-f", config_path, NULL },
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (s->sshd == NULL)
    {
      *why = g_strdup (error->message);
      return FALSE;
    }

  s->ssh = g_strdupv ((char **) (const char *[]) {
                        ssh, "-F", "/dev/null", "-p", port_text, "-i", client_key,
                        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                        "-o", "LogLevel=ERROR", "127.0.0.1", NULL });

  /* Until it takes a login */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;

      g_strv_builder_addv (builder, (const char **) s->ssh);
      g_strv_builder_add (builder, "true");
      argv = g_strv_builder_end (builder);
      g_clear_pointer (&output, g_free);
      if (run_quietly ((const char * const *) argv, &output))
        return TRUE;
      if (g_subprocess_get_identifier (s->sshd) == NULL || g_get_monotonic_time () > deadline)
        {
          *why = g_strdup_printf ("could not log in to a private sshd: %s", output);
          return FALSE;
        }
      g_usleep (100 * 1000);
    }
}

/* The same, through a real ssh to 127.0.0.1 */
static void
test_ssh (void)
{
  g_auto(Sshd) sshd = { 0 };
  g_autofree char *why = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *host = g_canonicalize_filename (g_getenv ("PIPEPROXY_HOST"), NULL);
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *name = NULL;
  int n = g_getenv ("PP_TEST_UNDER_VALGRIND") ? 20 : 500;

  if (!sshd_start (&sshd, &why))
    {
      g_test_skip (why);
      return;
    }

  g_strv_builder_addv (builder, (const char **) sshd.ssh);
  g_strv_builder_add_many (builder, host, "--stdio", "Gio", "2.0", "SimpleAction",
                           "name=frobnicate", NULL);
  argv = g_strv_builder_end (builder);
  proxy = pp_proxy_new_for_command_sync (NULL, (const char * const *) argv, NULL, NULL, &error);
  g_assert_no_error (error);

  result = pp_test_call (proxy, "get_name", NULL);
  g_variant_get (result, "(s)", &name);
  g_assert_cmpstr (name, ==, "frobnicate");
  g_assert_true (pp_proxy_set_property_sync (proxy, "enabled", g_variant_new_boolean (FALSE),
                                             NULL, &error));
  g_assert_no_error (error);

  time_calls (proxy, n / 10);
  g_test_message ("sync call through ssh to 127.0.0.1: %.1f us", time_calls (proxy, n));

  /* The host ends with the connection, and so does ssh */
  g_clear_object (&proxy);
}

/* The ssh command line that runs @remote (already a shell command: ssh
 * hands it to the login shell there), quoted for the tool's --command */
static char *
ssh_command (Sshd       *sshd,
             const char *remote)
{
  g_autoptr(GString) command = g_string_new (NULL);

  for (guint i = 0; sshd->ssh[i] != NULL; i++)
    {
      g_autofree char *word = g_shell_quote (sshd->ssh[i]);

      g_string_append_printf (command, "%s ", word);
    }
  {
    g_autofree char *word = g_shell_quote (remote);

    g_string_append (command, word);
  }
  return g_string_free (g_steal_pointer (&command), FALSE);
}

/* Runs the pipeproxy tool to its end; its stdout */
static char *
run_tool (const char * const *args,
          int                *status)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocess) tool = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_strv_builder_add (builder, g_getenv ("PIPEPROXY_TOOL"));
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  tool = g_subprocess_newv ((const char * const *) argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (tool, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("pipeproxy %s: %d\n%s%s", args[0], g_subprocess_get_exit_status (tool), out,
                  err);
  *status = g_subprocess_get_exit_status (tool);
  return out;
}

/* The pipeproxy tool through a real ssh: `pipeproxy serve` at the far end
 * calls, and a worker there that emits on its own is watched */
static void
test_ssh_tool (void)
{
  g_auto(Sshd) sshd = { 0 };
  g_autofree char *why = NULL;
  g_autofree char *host = g_canonicalize_filename (g_getenv ("PIPEPROXY_HOST"), NULL);
  g_autofree char *tool = g_canonicalize_filename (g_getenv ("PIPEPROXY_TOOL"), NULL);
  g_autofree char *worker = g_test_build_filename (G_TEST_BUILT, "pp-test-worker", NULL);
  g_autofree char *worker_path = g_canonicalize_filename (worker, NULL);
  g_autofree char *remote = NULL;
  g_autofree char *command = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status;

  if (!sshd_start (&sshd, &why))
    {
      g_test_skip (why);
      return;
    }

  /* A login has none of our environment: the host in the build tree is
   * named there */
  {
    g_autofree char *host_word = g_shell_quote (host);
    g_autofree char *tool_word = g_shell_quote (tool);

    remote = g_strdup_printf ("PIPEPROXY_HOST=%s %s serve Gio 2.0 SimpleAction name=frobnicate",
                              host_word, tool_word);
  }
  command = ssh_command (&sshd, remote);
  out = run_tool ((const char *[]) { "call", "--command", command, "get_name", NULL }, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "('frobnicate',)\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&remote, g_free);
  g_clear_pointer (&command, g_free);

  {
    g_autofree char *typelibs = g_shell_quote (g_getenv ("GI_TYPELIB_PATH"));
    g_autofree char *libraries = g_shell_quote (g_getenv ("LD_LIBRARY_PATH"));
    g_autofree char *worker_word = g_shell_quote (worker_path);

    remote = g_strdup_printf ("GI_TYPELIB_PATH=%s LD_LIBRARY_PATH=%s %s --ticking --stdio",
                              typelibs, libraries, worker_word);
  }
  command = ssh_command (&sshd, remote);
  out = run_tool ((const char *[]) { "watch", "--command", command, "--count", "4", NULL },
                  &status);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  for (guint i = 0; i < 4; i++)
    g_assert_true (g_str_equal (lines[i], "signal ping ()") ||
                   g_str_has_prefix (lines[i], "property count = uint32 "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Command/relay", test_relay);
  g_test_add_func ("/Pp/Command/relay-async", test_relay_async);
  g_test_add_func ("/Pp/Command/relay-refuses-fds", test_relay_refuses_fds);
  g_test_add_func ("/Pp/Command/relay-refuses-fd-arguments", test_relay_refuses_fd_arguments);
  g_test_add_func ("/Pp/Command/relay-large", test_relay_large);
  g_test_add_func ("/Pp/Command/relay-refusal", test_relay_refusal);
  g_test_add_func ("/Pp/Command/ends", test_command_ends);
  g_test_add_func ("/Pp/Command/not-pipeproxy", test_command_not_pipeproxy);
  g_test_add_func ("/Pp/Command/stdout-kept-apart", test_stdout_kept_apart);
  g_test_add_func ("/Pp/Command/sandbox-refused", test_sandbox_refused);
  g_test_add_func ("/Pp/Command/relay-latency", test_relay_latency);
  g_test_add_func ("/Pp/Command/ssh", test_ssh);
  g_test_add_func ("/Pp/Command/ssh-tool", test_ssh_tool);

  return g_test_run ();
}
