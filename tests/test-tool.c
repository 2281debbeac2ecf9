/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The pipeproxy tool, run as a user would: describe, call and watch a
 * GSimpleAction and a GMenu hosted in a child, a worker program, the same
 * through the relay that stands in for ssh and through sh, and an object
 * served here on a socket it inherits; and what it says when something is
 * wrong (an unknown type, bad GVariant text, a refused method, a command
 * that fails), once. */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pp-test-util.h"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static GSubprocessLauncher *
tool_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  /* Messages as written, quotes and all */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  g_subprocess_launcher_unsetenv (launcher, "PIPEPROXY_DEBUG");
  return launcher;
}

static GStrv
tool_argv (const char * const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, g_getenv ("PIPEPROXY_TOOL"));
  g_strv_builder_addv (builder, (const char **) args);
  return g_strv_builder_end (builder);
}

/* Runs the tool to its end */
static void
run_tool_with (GSubprocessLauncher *launcher,
               const char * const  *args,
               Run                 *run)
{
  g_auto(GStrv) argv = tool_argv (args);
  g_autoptr(GSubprocess) tool = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) args);

  tool = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (tool, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (tool));
  run->status = g_subprocess_get_exit_status (tool);
  g_test_message ("$ pipeproxy %s  -> %d\n%s%s", line, run->status, run->out, run->err);
}

static void
run_tool (const char * const *args,
          Run                *run)
{
  g_autoptr(GSubprocessLauncher) launcher =
    tool_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  run_tool_with (launcher, args, run);
}

static void
assert_contains (const char *text,
                 const char *expected)
{
  if (strstr (text, expected) == NULL)
    g_error ("“%s” is not in:\n%s", expected, text);
}

/* How many times @needle is in @text */
static guint
count (const char *text,
       const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* Whether @text has a line of a member @name, its columns aligned with
 * spaces, followed by @rest */
static void
assert_member (const char *text,
               const char *name,
               const char *rest)
{
  g_autofree char *start = g_strdup_printf ("\n    %s ", name);

  for (const char *p = strstr (text, start); p != NULL; p = strstr (p + 1, start))
    {
      const char *after = p + strlen (start);

      while (*after == ' ')
        after++;
      if (g_str_has_prefix (after, rest) && after[strlen (rest)] == '\n')
        return;
    }
  g_error ("No member line “%s … %s” in:\n%s", name, rest, text);
}

static void
test_describe_action (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "describe", "Gio", "2.0", "SimpleAction", "--prop",
                               "name=frobnicate", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_true (g_str_has_prefix (run.out, "type GSimpleAction\n"
                                            "  parents: GObject\n"
                                            "  interfaces: GAction\n"
                                            "\n"
                                            "  methods:\n"));
  assert_member (run.out, "activate", "(mv) -> ()");
  assert_member (run.out, "get_enabled", "() -> (b)");
  assert_member (run.out, "set_enabled", "(b) -> ()");
  assert_contains (run.out, "\n  refused methods:\n");
  assert_member (run.out, "bind_property_full", "argument “transform_to” has type "
                                                 "GObject.Closure, which cannot be sent to "
                                                 "another process");
  assert_member (run.out, "ref", "Method “ref” of GSimpleAction may not be called from another "
                                 "process");
  assert_contains (run.out, "\n  signals:\n"
                            "    activate     (mv)  run-last\n"
                            "    change-state (mv)  run-last\n");
  assert_contains (run.out, "\n  properties:\n");
  assert_member (run.out, "enabled", "b    readable, writable = true");
  assert_member (run.out, "name", "s    readable, writable, construct-only = 'frobnicate'");
  assert_member (run.out, "state", "v    readable, writable, construct = nothing");
}

static void
test_describe_menu (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "describe", "Gio", "2.0", "Menu", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "type GMenu\n  parents: GMenuModel, GObject\n\n"));
  assert_member (run.out, "append", "(msms) -> ()");
  assert_member (run.out, "insert", "(imsms) -> ()");
  assert_member (run.out, "unref", "Method “unref” of GMenu may not be called from another "
                                   "process");
  assert_contains (run.out, "\n  signals:\n    items-changed (iii)  run-last\n");
}

/* Through the relay that stands in for ssh, the same description: the
 * refused methods come with it */
static void
test_describe_command (void)
{
  g_autofree char *relay = g_test_build_filename (G_TEST_BUILT, "pp-relay", NULL);
  g_autofree char *command = g_strdup_printf ("'%s' '%s' --stdio Gio 2.0 Menu", relay,
                                              g_getenv ("PIPEPROXY_HOST"));
  g_auto(Run) run = { 0 };
  g_auto(Run) direct = { 0 };

  run_tool ((const char *[]) { "describe", "--command", command, NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  run_tool ((const char *[]) { "describe", "Gio", "2.0", "Menu", NULL }, &direct);
  g_assert_cmpstr (run.out, ==, direct.out);
}

static void
test_call (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "call", "Gio", "2.0", "SimpleAction", "-p", "name=frobnicate",
                               "get_name", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "('frobnicate',)\n");
  g_assert_cmpstr (run.err, ==, "");
  run_clear (&run);

  /* Plain text for a maybe string, a negative number after -- */
  run_tool ((const char *[]) { "call", "Gio", "2.0", "Menu", "insert", "--", "-1", "Last",
                               "'app.last'", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "()\n");
  run_clear (&run);

  run_tool ((const char *[]) { "call", "Gio", "2.0", "Menu", "get_n_items", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "(0,)\n");
}

/* A worker program of ours, with an added method: described, and called */
static void
test_worker (void)
{
  g_autofree char *worker = g_test_build_filename (G_TEST_BUILT, "pp-test-worker", NULL);
  g_autofree char *command = g_strdup_printf ("'%s' --added", worker);
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "describe", "--worker", command, NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "type PpTestObject\n"));
  assert_contains (run.out, "    divide                   (ii) -> (bii)  throws\n");
  assert_contains (run.out, "    wait_async               (u) -> (b)  throws  async\n");
  assert_contains (run.out, "    triple                   (i) -> (i)  throws  added\n");
  run_clear (&run);

  run_tool ((const char *[]) { "call", "--worker", command, "triple", "14", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "(42,)\n");
  run_clear (&run);

  /* A remote error: its message, status 1 */
  run_tool ((const char *[]) { "call", "--worker", command, "divide", "1", "0", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "pipeproxy: "));
}

/* serve is pipeproxy-host --stdio, here behind the relay */
static void
test_call_serve (void)
{
  g_autofree char *relay = g_test_build_filename (G_TEST_BUILT, "pp-relay", NULL);
  g_autofree char *command = g_strdup_printf ("'%s' '%s' serve Gio 2.0 SimpleAction "
                                              "name=frobnicate", relay,
                                              g_getenv ("PIPEPROXY_TOOL"));
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "call", "--command", command, "get_name", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "('frobnicate',)\n");
}

static void
test_unknown_type (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "call", "Gio", "2.0", "NoSuchType", "get_name", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, "pipeproxy: Namespace Gio has no type NoSuchType\n");
  run_clear (&run);

  run_tool ((const char *[]) { "describe", "NoSuchNamespace", "1.0", "Thing", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "pipeproxy: No namespace NoSuchNamespace-1.0");
  /* Said once: pipeproxy-host does not print it as well */
  g_assert_cmpuint (count (run.err, "NoSuchNamespace"), ==, 2);
  g_assert_cmpuint (count (run.err, "\n"), ==, 1);
  run_clear (&run);

  run_tool ((const char *[]) { "describe", "Gio", "2.0", "SimpleAction", "-p", "nmae=x",
                               NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.err, ==, "pipeproxy: GSimpleAction has no property “nmae” that can be "
                                "set\n");
}

static void
test_bad_text (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "call", "Gio", "2.0", "SimpleAction", "-p", "name=x",
                               "set_enabled", "maybe", NULL }, &run);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  assert_contains (run.err, "pipeproxy: Argument 1 of “set_enabled” is not a value of type b in "
                            "GVariant text format:\n");
  assert_contains (run.err, "  maybe\n  ^^^^^\n");
  assert_contains (run.err, "Try “pipeproxy call --help”.\n");
  run_clear (&run);

  run_tool ((const char *[]) { "call", "Gio", "2.0", "Menu", "remove", NULL }, &run);
  g_assert_cmpint (run.status, ==, 2);
  assert_contains (run.err, "pipeproxy: Method “remove” takes 1 argument (i), 0 given\n");
  run_clear (&run);

  run_tool ((const char *[]) { "call", "Gio", "2.0", "Menu", NULL }, &run);
  g_assert_cmpint (run.status, ==, 2);
  assert_contains (run.err, "pipeproxy: Name the method to call\n");
  run_clear (&run);

  run_tool ((const char *[]) { "describe", "--fd", "3", "--command", "true", NULL }, &run);
  g_assert_cmpint (run.status, ==, 2);
  assert_contains (run.err, "Give only one of --command, --worker and --fd\n");
  run_clear (&run);

  run_tool ((const char *[]) { "frobnicate", NULL }, &run);
  g_assert_cmpint (run.status, ==, 2);
  assert_contains (run.err, "pipeproxy: Unknown command “frobnicate”\n");
}

/* A command that fails says why itself, on the stderr it shares with the
 * tool, and the tool says how it ended: each once */
static void
test_command_errors (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "describe", "--command",
                               "sh -c 'echo ssh: Could not resolve hostname nowhere >&2; "
                               "exit 255'", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, "ssh: Could not resolve hostname nowhere\n"
                                "pipeproxy: The command exited with status 255\n");
  run_clear (&run);

  /* What an ssh server or a shell might print instead of frames */
  run_tool ((const char *[]) { "call", "--command",
                               "sh -c 'echo SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 and then some "
                               "more text; sleep 10'", "get_name", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "pipeproxy: The command’s standard output is not a "
                                            "pipeproxy connection (it must run pipeproxy-host "
                                            "--stdio, or pp_serve_stdio(), and print nothing "
                                            "else there): "));
  run_clear (&run);

  run_tool ((const char *[]) { "describe", "--command", "no-such-program-here", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "no-such-program-here");
  run_clear (&run);

  /* Not a command line: the usage's status */
  run_tool ((const char *[]) { "describe", "--command", "'unterminated", NULL }, &run);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_true (g_str_has_prefix (run.err, "pipeproxy: --command: "));
  assert_contains (run.err, "Try “pipeproxy describe --help”.\n");
}

static void
test_refused_method (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "call", "Gio", "2.0", "SimpleAction", "-p", "name=x",
                               "bind_property_full", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, "pipeproxy: Method “bind_property_full” of GSimpleAction cannot "
                                "be called from another process: argument “transform_to” has "
                                "type GObject.Closure, which cannot be sent to another "
                                "process\n");
  run_clear (&run);

  run_tool ((const char *[]) { "call", "Gio", "2.0", "SimpleAction", "-p", "name=x", "unref",
                               NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "pipeproxy: Method “unref” of GSimpleAction may not be called from "
                            "another process\n");
  run_clear (&run);

  run_tool ((const char *[]) { "call", "Gio", "2.0", "SimpleAction", "-p", "name=x",
                               "no_such_method", NULL }, &run);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "no_such_method");
}

static void
test_help (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "call", "--help", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  assert_contains (run.out, "pipeproxy call [OPTION…] [NAMESPACE VERSION TYPE] METHOD");
  assert_contains (run.out, "--command=COMMAND");
  run_clear (&run);

  run_tool ((const char *[]) { "help", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  assert_contains (run.out, "  describe  ");
  assert_contains (run.out, "  serve     ");
}

/* PIPEPROXY_DEBUG=message: both sides log, on the tool's stderr */
static void
test_debug (void)
{
  g_autoptr(GSubprocessLauncher) launcher =
    tool_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_auto(Run) run = { 0 };

  g_subprocess_launcher_setenv (launcher, "PIPEPROXY_DEBUG", "message", TRUE);
  run_tool_with (launcher, (const char *[]) { "call", "Gio", "2.0", "SimpleAction", "-p",
                                              "name=x", "set_enabled", "false", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "()\n");
  assert_contains (run.err, "out HELLO #1 ");
  assert_contains (run.err, "in  HELLO #1 ");
  assert_contains (run.err, "out CALL #2 'set_enabled' 22 bytes: (0, 'set_enabled', <(false,)>)\n");
  assert_contains (run.err, "in  CALL #2 'set_enabled' 22 bytes: (0, 'set_enabled', <(false,)>)\n");
  assert_contains (run.err, "out PROPERTY #0 'enabled' ");
  assert_contains (run.err, "in  RETURN #2 4 bytes: <()>\n");
}

/* Watching an object served here, on a socket the tool inherits ------------ */

typedef struct
{
  GDataInputStream *lines;
  GPtrArray        *seen;
  gboolean          reading;
  gboolean          ended;
} Reader;

static void
line_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Reader *reader = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);

  g_assert_no_error (error);
  reader->reading = FALSE;
  if (line == NULL)
    reader->ended = TRUE;
  else
    {
      g_test_message ("watch: %s", line);
      g_ptr_array_add (reader->seen, line);
    }
}

/* Iterates until a line that starts with @prefix was read, calling @poke
 * every 20 ms meanwhile; FALSE if the output ended first */
static gboolean
wait_for_line (Reader     *reader,
               const char *prefix,
               void      (*poke) (gpointer),
               gpointer    data)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gint64 next = 0;

  for (;;)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("No line starting with “%s” from pipeproxy watch within 60 s", prefix);
      for (guint i = 0; i < reader->seen->len; i++)
        if (g_str_has_prefix (g_ptr_array_index (reader->seen, i), prefix))
          return TRUE;
      if (reader->ended)
        return FALSE;
      if (!reader->reading)
        {
          reader->reading = TRUE;
          g_data_input_stream_read_line_async (reader->lines, G_PRIORITY_DEFAULT, NULL, line_read,
                                               reader);
        }
      if (poke != NULL && g_get_monotonic_time () >= next)
        {
          poke (data);
          next = g_get_monotonic_time () + 20 * 1000;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
activate (gpointer action)
{
  g_action_activate (action, NULL);
}

static void
toggle (gpointer action)
{
  g_simple_action_set_enabled (action, !g_action_get_enabled (action));
}

static GSubprocess *
spawn_watch (GObject     *object,
             PpListener **out_listener,
             Reader      *reader,
             const char  *count)
{
  g_autoptr(GSubprocessLauncher) launcher = tool_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_auto(GStrv) argv = tool_argv ((const char *[]) { "watch", "--fd", "3",
                                                     count ? "--count" : NULL, count, NULL });
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *tool;
  int fd = -1;

  *out_listener = pp_listener_new_pair (object, &stream, &error);
  g_assert_no_error (error);
  fd = pp_stream_steal_fd (stream, &error);
  g_assert_no_error (error);
  g_subprocess_launcher_take_fd (launcher, fd, 3);
  tool = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  reader->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (tool));
  reader->seen = g_ptr_array_new_with_free_func (g_free);
  return tool;
}

static void
reader_clear (Reader *reader)
{
  while (reader->reading)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&reader->lines);
  g_clear_pointer (&reader->seen, g_ptr_array_unref);
}

static void
test_watch (void)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("frobnicate", NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GSubprocess) tool = NULL;
  g_autoptr(GError) error = NULL;
  Reader reader = { 0 };

  tool = spawn_watch (G_OBJECT (action), &listener, &reader, NULL);

  /* Signals are forwarded once the tool subscribed: emit until one is */
  g_assert_true (wait_for_line (&reader, "signal activate ", activate, action));
  g_assert_cmpstr (g_ptr_array_index (reader.seen, 0), ==, "signal activate (@mv nothing,)");

  g_simple_action_set_enabled (action, FALSE);
  g_assert_true (wait_for_line (&reader, "property enabled = false", NULL, NULL));

  /* Interrupted, it ends well */
  g_subprocess_send_signal (tool, SIGINT);
  g_assert_false (wait_for_line (&reader, "never", NULL, NULL));
  g_subprocess_wait (tool, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (tool));
  g_assert_cmpint (g_subprocess_get_exit_status (tool), ==, 0);
  reader_clear (&reader);
}

static void
test_watch_count (void)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("frobnicate", NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GSubprocess) tool = NULL;
  Reader reader = { 0 };

  tool = spawn_watch (G_OBJECT (action), &listener, &reader, "2");

  /* Property changes always come: the tool stops at the second */
  g_assert_false (wait_for_line (&reader, "never", toggle, action));
  g_assert_cmpuint (reader.seen->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (reader.seen, 0), "property enabled = "));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (reader.seen, 1), "property enabled = "));
  g_assert_true (g_subprocess_wait_check (tool, NULL, NULL));
  reader_clear (&reader);
}

/* The object going away ends the watch, with the reason */
static void
test_watch_closed (void)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("frobnicate", NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(GSubprocess) tool = NULL;
  Reader reader = { 0 };

  tool = spawn_watch (G_OBJECT (action), &listener, &reader, NULL);
  g_assert_true (wait_for_line (&reader, "property enabled", toggle, action));
  pp_listener_close (listener);
  g_assert_false (wait_for_line (&reader, "never", NULL, NULL));
  g_subprocess_wait (tool, NULL, NULL);
  g_assert_cmpint (g_subprocess_get_exit_status (tool), ==, 1);
  reader_clear (&reader);
}

/* A worker whose object emits on its own: "ping" and "count" every 20 ms.
 * The tool stops after --count events, exactly, even when several arrive
 * in one read. */
static void
check_ticks (const Run *run)
{
  g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);
  guint pings = 0;
  guint counts = 0;

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpuint (g_strv_length (lines), ==, 7);
  g_assert_cmpstr (lines[6], ==, "");
  for (guint i = 0; i < 6; i++)
    {
      if (g_str_equal (lines[i], "signal ping ()"))
        pings++;
      else if (g_str_has_prefix (lines[i], "property count = uint32 "))
        counts++;
      else
        g_error ("Unexpected line “%s” from pipeproxy watch", lines[i]);
    }
  g_assert_cmpuint (pings, >=, 2);
  g_assert_cmpuint (counts, >=, 2);
}

static void
test_watch_worker (void)
{
  g_autofree char *worker = g_test_build_filename (G_TEST_BUILT, "pp-test-worker", NULL);
  g_autofree char *program = g_strdup_printf ("'%s' --ticking", worker);
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "watch", "--worker", program, "--count", "6", NULL }, &run);
  check_ticks (&run);
}

/* The same object on a command's stdio, through the relay that stands in
 * for ssh, and through sh, as any command */
static void
test_watch_command (void)
{
  g_autofree char *relay = g_test_build_filename (G_TEST_BUILT, "pp-relay", NULL);
  g_autofree char *worker = g_test_build_filename (G_TEST_BUILT, "pp-test-worker", NULL);
  g_autofree char *command = g_strdup_printf ("'%s' '%s' --ticking --stdio", relay, worker);
  g_autofree char *shell = g_strdup_printf ("sh -c 'exec \"%s\" --ticking --stdio'", worker);
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "watch", "--command", command, "-n", "6", NULL }, &run);
  check_ticks (&run);
  run_clear (&run);

  run_tool ((const char *[]) { "watch", "--command", shell, "-n", "6", NULL }, &run);
  check_ticks (&run);
}

static void
test_watch_timeout (void)
{
  g_auto(Run) run = { 0 };

  run_tool ((const char *[]) { "watch", "Gio", "2.0", "Menu", "--timeout", "0.2", NULL }, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Tool/describe-action", test_describe_action);
  g_test_add_func ("/Pp/Tool/describe-menu", test_describe_menu);
  g_test_add_func ("/Pp/Tool/describe-command", test_describe_command);
  g_test_add_func ("/Pp/Tool/call", test_call);
  g_test_add_func ("/Pp/Tool/call-serve", test_call_serve);
  g_test_add_func ("/Pp/Tool/worker", test_worker);
  g_test_add_func ("/Pp/Tool/unknown-type", test_unknown_type);
  g_test_add_func ("/Pp/Tool/bad-text", test_bad_text);
  g_test_add_func ("/Pp/Tool/command-errors", test_command_errors);
  g_test_add_func ("/Pp/Tool/refused-method", test_refused_method);
  g_test_add_func ("/Pp/Tool/help", test_help);
  g_test_add_func ("/Pp/Tool/debug", test_debug);
  g_test_add_func ("/Pp/Tool/watch", test_watch);
  g_test_add_func ("/Pp/Tool/watch-count", test_watch_count);
  g_test_add_func ("/Pp/Tool/watch-closed", test_watch_closed);
  g_test_add_func ("/Pp/Tool/watch-worker", test_watch_worker);
  g_test_add_func ("/Pp/Tool/watch-command", test_watch_command);
  g_test_add_func ("/Pp/Tool/watch-timeout", test_watch_timeout);

  return g_test_run ();
}
