/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Floods. A hostile peer in a child process (tests/pp-flood-peer) sends
 * valid frames as fast as it can, or stops reading; the side attacked is
 * here, in this process, so that its memory and its main context can be
 * watched while it happens. Each flood checks the rule of its limit and
 * the memory target: the attacked side grows by no more than its
 * configured caps plus 16 MiB. How late a 10 ms timer in its main context
 * runs is printed, not asserted: on a shared machine it measures the
 * scheduler as much as us (bench/pp-bench-flood measures it against a
 * quiet baseline). The caps are small here, so that the floods are short;
 * the figures are printed (run with --verbose, or read the test log). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <glib-unix.h>

#include "pp-test-object.h"
#include "pp-test-util.h"
#include "pp-mirror-private.h"

#define MiB (1024 * 1024)

/* The target: what the attacked side may grow by beyond its caps, and how
 * late its 10 ms timer may be (printed only) */
#define SLACK_BYTES      (16 * MiB)
#define TARGET_LATE_MSEC 50

/* The figures: each flood runs in a child of the test (see run_flood()),
 * whose stdout is the test's, where they are TAP comments */
static void G_GNUC_PRINTF (1, 2)
report (const char *format,
        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("# %s\n", message);
}

/* Watching the attacked side --------------------------------------------- */

static gsize
rss_now (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%lu %lu", &size, &resident), ==, 2);
  return (gsize) resident * sysconf (_SC_PAGESIZE);
}

typedef struct
{
  const char *what;
  gint64      last;
  gint64      worst_late;   /* µs */
  gsize       rss_start;
  gsize       rss_peak;
  guint       id;
} Watch;

static gboolean
watch_tick (gpointer data)
{
  Watch *watch = data;
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - watch->last - 10000;

  watch->worst_late = MAX (watch->worst_late, late);
  watch->last = now;
  watch->rss_peak = MAX (watch->rss_peak, rss_now ());
  return G_SOURCE_CONTINUE;
}

static void
watch_start (Watch      *watch,
             const char *what)
{
  memset (watch, 0, sizeof *watch);
  watch->what = what;
  watch->rss_start = watch->rss_peak = rss_now ();
  watch->last = g_get_monotonic_time ();
  watch->id = g_timeout_add (10, watch_tick, watch);
}

/* Stops watching, prints the figures and checks the memory: growth
 * within @caps plus the slack. */
static void
watch_finish (Watch *watch,
              gsize  caps)
{
  gsize growth;

  g_source_remove (watch->id);
  watch->rss_peak = MAX (watch->rss_peak, rss_now ());
  growth = watch->rss_peak - watch->rss_start;
  report ("%s: RSS %.1f -> %.1f MiB (+%.1f MiB; caps %.1f MiB + %d MiB), "
                  "10 ms timer at most %.1f ms late (target %d ms)",
                  watch->what, watch->rss_start / (double) MiB, watch->rss_peak / (double) MiB,
                  growth / (double) MiB, caps / (double) MiB, SLACK_BYTES / MiB,
                  watch->worst_late / 1000.0, TARGET_LATE_MSEC);
#ifndef __SANITIZE_ADDRESS__
  g_assert_cmpuint (growth, <=, caps + SLACK_BYTES);
#else
  /* AddressSanitizer keeps freed memory aside (256 MiB by default) to
   * catch its later use, so the resident size says nothing of ours here;
   * the other builds check it */
#endif
}

/* The hostile peer ---------------------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  GIOStream   *stream;      /* our end */
  GHashTable  *said;        /* key → value, once it exited */
  gboolean     exited;
} Peer;

static void
peer_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &output, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (eq == NULL)
        continue;
      report ("peer: %s", lines[i]);
      *eq = '\0';
      g_hash_table_replace (peer->said, g_strdup (lines[i]), g_strdup (eq + 1));
    }
  peer->exited = TRUE;
}

/* Starts the peer with the other end of a new socket pair as its fd 3 */
static Peer *
peer_spawn (const char *first_arg,
            ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Peer *peer = g_new0 (Peer, 1);
  va_list args;
  int fds[2];

  g_ptr_array_add (argv, g_test_build_filename (G_TEST_BUILT, "pp-flood-peer", NULL));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  peer->stream = pp_stream_new_for_fd (fds[0], &error);
  g_assert_no_error (error);
  peer->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);
  for (guint i = 0; i + 1 < argv->len; i++)
    g_free (argv->pdata[i]);
  peer->said = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_subprocess_communicate_utf8_async (peer->process, NULL, NULL, peer_done, peer);
  return peer;
}

static void
peer_wait (Peer *peer)
{
  while (!peer->exited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_get_if_exited (peer->process));
  g_assert_cmpint (g_subprocess_get_exit_status (peer->process), ==, 0);
}

static void
peer_kill (Peer *peer)
{
  g_subprocess_force_exit (peer->process);
  while (!peer->exited)
    g_main_context_iteration (NULL, TRUE);
}

static const char *
peer_said (Peer       *peer,
           const char *key)
{
  return g_hash_table_lookup (peer->said, key);
}

static void
peer_free (Peer *peer)
{
  g_clear_object (&peer->process);
  g_clear_object (&peer->stream);
  g_hash_table_unref (peer->said);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* A listener here ------------------------------------------------------------ */

static GVariant *
concat_method (GObject   *object,
               GVariant  *parameters,
               gpointer   user_data,
               GError   **error)
{
  const char *a, *b;
  GVariant *joined;

  g_variant_get (parameters, "(&s&s)", &a, &b);
  joined = g_variant_new_take_string (g_strconcat (a, b, NULL));
  return g_variant_new_tuple (&joined, 1);
}

static PpListener *
listener_new (GObject   *object,
              GIOStream *stream,
              PpOptions *options)
{
  g_autoptr(GError) error = NULL;
  PpListener *listener = g_initable_new (PP_TYPE_LISTENER, NULL, &error,
                                         "object", object,
                                         "stream", stream,
                                         "options", options,
                                         NULL);

  g_assert_no_error (error);
  pp_listener_add_method (listener, "concat", G_VARIANT_TYPE ("(ss)"), G_VARIANT_TYPE ("(s)"),
                          concat_method, NULL, NULL);
  return listener;
}

typedef struct
{
  guint   count;
  GError *error;
} Closed;

static void
closed_cb (GObject      *listener_or_proxy,
           const GError *error,
           gpointer      user_data)
{
  Closed *closed = user_data;

  closed->count++;
  g_clear_error (&closed->error);
  closed->error = error ? g_error_copy (error) : NULL;
}

/* 1. Inbound: a flood of CANCELs ------------------------------------------- */

#define CANCEL_FLOOD 2000000

static void
test_cancel_flood (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(Peer) peer = NULL;
  g_autofree char *count = g_strdup_printf ("%d", CANCEL_FLOOD);
  Watch watch;

  pp_options_set_max_queued_input (options, 1 * MiB);
  peer = peer_spawn ("cancel", count, NULL);
  listener = listener_new (G_OBJECT (object), peer->stream, options);

  watch_start (&watch, "CANCEL flood at a listener");
  peer_wait (peer);
  watch_finish (&watch, pp_options_get_max_queued_input (options));

  /* The call behind the flood was answered */
  g_assert_nonnull (peer_said (peer, "reply-ms"));
}

/* 2. Calls in flight at a listener ---------------------------------------- */

#define HELD_CALLS     50000
#define MAX_IN_FLIGHT  2000

typedef struct
{
  GPtrArray *held;
  guint      most_held;
  guint      answered;
  gboolean   answering;
} Holder;

static gboolean
hold_call (PpListener   *listener,
           const char   *method,
           GVariant     *parameters,
           PpInvocation *invocation,
           gpointer      user_data)
{
  Holder *holder = user_data;

  g_ptr_array_add (holder->held, g_object_ref (invocation));
  holder->most_held = MAX (holder->most_held, holder->held->len);
  return TRUE;
}

/* Once the listener holds as many calls as it may (and so stopped
 * reading), answers them, a few at each tick, oldest first */
static gboolean
answer_held (gpointer user_data)
{
  Holder *holder = user_data;
  guint n;

  if (holder->held->len >= MAX_IN_FLIGHT)
    holder->answering = TRUE;
  if (!holder->answering)
    return G_SOURCE_CONTINUE;

  n = MIN (holder->held->len, 200);
  for (guint i = 0; i < n; i++)
    pp_invocation_return_value (g_ptr_array_index (holder->held, i), NULL);
  g_ptr_array_remove_range (holder->held, 0, n);
  holder->answered += n;
  holder->answering = holder->held->len > 0;
  return G_SOURCE_CONTINUE;
}

static void
test_calls_in_flight (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(Peer) peer = NULL;
  g_autofree char *count = g_strdup_printf ("%d", HELD_CALLS);
  Holder holder = { g_ptr_array_new_with_free_func (g_object_unref), 0, 0 };
  Watch watch;
  guint answerer;

  pp_options_set_max_calls_in_flight (options, MAX_IN_FLIGHT);
  peer = peer_spawn ("calls", count, "hold", NULL);
  listener = listener_new (G_OBJECT (object), peer->stream, options);
  g_signal_connect (listener, "handle-method-call::hold", G_CALLBACK (hold_call), &holder);
  answerer = g_timeout_add (10, answer_held, &holder);

  watch_start (&watch, "calls held at a listener");
  peer_wait (peer);
  /* Each held call costs about 1 KiB: the invocation, its frame */
  watch_finish (&watch, MAX_IN_FLIGHT * 1024);
  g_source_remove (answerer);

  report ("at most %u calls held at once (cap %d)", holder.most_held, MAX_IN_FLIGHT);
  g_assert_cmpuint (holder.most_held, ==, MAX_IN_FLIGHT);
  /* Every call was read in the end, and answered but the last few */
  g_assert_cmpuint (holder.answered + holder.held->len, ==, HELD_CALLS);
  g_ptr_array_unref (holder.held);
}

/* 4. Outbound: a proxy that stopped reading -------------------------------- */

#define MAX_OUTPUT (4 * MiB)

static gboolean
ready_call (PpListener   *listener,
            const char   *method,
            GVariant     *parameters,
            PpInvocation *invocation,
            gpointer      user_data)
{
  gboolean *ready = user_data;

  *ready = TRUE;
  pp_invocation_return_value (invocation, NULL);
  return TRUE;
}

/* A listener for the "stall" peer, once it has read the peer's
 * subscription: the peer's "ready" call comes after it */
static PpListener *
stalled_listener_new (GObject   *object,
                      Peer      *peer,
                      PpOptions *options)
{
  PpListener *listener = listener_new (object, peer->stream, options);
  gboolean ready = FALSE;

  g_signal_connect (listener, "handle-method-call::ready", G_CALLBACK (ready_call), &ready);
  while (!ready)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_func (listener, ready_call, &ready);
  return listener;
}

static void
test_stalled_proxy_signals (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(Peer) peer = NULL;
  Closed closed = { 0 };
  Watch watch;
  guint emitted = 0;

  pp_options_set_max_queued_output (options, MAX_OUTPUT);
  peer = peer_spawn ("stall", "changed", NULL);
  listener = stalled_listener_new (G_OBJECT (object), peer, options);
  g_signal_connect (listener, "closed", G_CALLBACK (closed_cb), &closed);

  watch_start (&watch, "signals to a proxy that does not read");
  while (closed.count == 0 && emitted < 2000000)
    {
      g_signal_emit_by_name (object, "changed", (int) emitted);
      emitted++;
      if (emitted % 100 == 0)
        while (g_main_context_iteration (NULL, FALSE))
          ;
    }
  watch_finish (&watch, MAX_OUTPUT);
  report ("closed after %u emissions: %s", emitted,
                  closed.error ? closed.error->message : "not closed");
  g_assert_cmpuint (closed.count, ==, 1);
  g_assert_error (closed.error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_clear_error (&closed.error);
  peer_kill (peer);
}

static void
test_stalled_proxy_properties (void)
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(Peer) peer = NULL;
  Closed closed = { 0 };
  Watch watch;

  pp_options_set_max_queued_output (options, MAX_OUTPUT);
  peer = peer_spawn ("stall", "ping", NULL);
  listener = stalled_listener_new (G_OBJECT (object), peer, options);
  g_signal_connect (listener, "closed", G_CALLBACK (closed_cb), &closed);

  /* Each value replaces the last one not yet sent: the queue stays short */
  watch_start (&watch, "property changes to a proxy that does not read");
  for (guint i = 0; i < 500000; i++)
    {
      pp_test_object_set_parameter (object, (int) i);
      if (i % 100 == 0)
        while (g_main_context_iteration (NULL, FALSE))
          ;
    }
  watch_finish (&watch, MAX_OUTPUT);
  g_assert_cmpuint (closed.count, ==, 0);
  peer_kill (peer);
}

/* 3. The sync reader: a listener floods while a sync call waits ------------ */

#define PROXY_FLOOD     300000
#define MAX_QUEUED_INPUT       (2 * MiB)

typedef struct
{
  Peer    *peer;
  PpProxy *proxy;
  guint    ticks;
} FakeListener;

static void
fake_listener_start (FakeListener *fake,
                     const char   *kind,
                     PpOptions    *options)
{
  g_autofree char *count = g_strdup_printf ("%d", PROXY_FLOOD);
  g_autoptr(GError) error = NULL;

  fake->peer = peer_spawn ("listener", kind, count, NULL);
  fake->proxy = pp_proxy_new_sync (fake->peer->stream, options, NULL, &error);
  g_assert_no_error (error);
}

static void
fake_listener_finish (FakeListener *fake)
{
  g_clear_object (&fake->proxy);
  g_io_stream_close (fake->peer->stream, NULL, NULL);
  peer_wait (fake->peer);
  g_clear_pointer (&fake->peer, peer_free);
}

static void
count_ticks (PpProxy *proxy,
             int      value,
             gpointer user_data)
{
  FakeListener *fake = user_data;

  fake->ticks++;
}

/* The call, then the flood's dispatch in the main context */
static void
sync_call_through_flood (FakeListener *fake,
                         const char   *what,
                         GError      **error)
{
  g_autoptr(GVariant) result = NULL;
  Watch watch;

  watch_start (&watch, what);
  result = pp_proxy_call_sync (fake->proxy, "flood", NULL, -1, NULL, error);
  /* The call blocked this context on purpose: the timer counts from now */
  watch.last = g_get_monotonic_time ();
  /* What the flood left is dispatched with the timer running */
  for (guint i = 0; i < 200; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
  watch_finish (&watch, MAX_QUEUED_INPUT);
}

static void
test_sync_property_flood (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  FakeListener fake = { 0 };
  int level = -1, depth = -1;

  pp_options_set_max_queued_input (options, MAX_QUEUED_INPUT);
  fake_listener_start (&fake, "property", options);
  sync_call_through_flood (&fake, "PROPERTY flood during a sync call", &error);
  g_assert_no_error (error);
  /* Only the newest value of each property was kept, and it is the last
   * one sent: the odd values are "level"'s, the even ones "depth"'s */
  g_object_get (fake.proxy, "level", &level, "depth", &depth, NULL);
  g_assert_cmpint (level, ==, PROXY_FLOOD - 1);
  g_assert_cmpint (depth, ==, PROXY_FLOOD);
  fake_listener_finish (&fake);
}

static void
test_sync_unsubscribed_flood (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  FakeListener fake = { 0 };

  pp_options_set_max_queued_input (options, MAX_QUEUED_INPUT);
  fake_listener_start (&fake, "other-signal", options);
  g_signal_connect (fake.proxy, "tick", G_CALLBACK (count_ticks), &fake);
  sync_call_through_flood (&fake, "unsubscribed SIGNAL flood during a sync call", &error);
  g_assert_no_error (error);
  g_assert_false (pp_proxy_is_closed (fake.proxy));
  fake_listener_finish (&fake);
}

static void
test_sync_subscribed_flood (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(GError) error = NULL;
  FakeListener fake = { 0 };
  Closed closed = { 0 };

  pp_options_set_max_queued_input (options, MAX_QUEUED_INPUT);
  fake_listener_start (&fake, "signal", options);
  g_signal_connect (fake.proxy, "tick", G_CALLBACK (count_ticks), &fake);
  g_signal_connect (fake.proxy, "closed", G_CALLBACK (closed_cb), &closed);
  sync_call_through_flood (&fake, "subscribed SIGNAL flood during a sync call", &error);

  /* More than the proxy may queue while it cannot stop reading: the peer
   * is cut off, the call fails saying why */
  report ("call: %s; %u ticks dispatched", error ? error->message : "returned",
                  fake.ticks);
  g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_assert_cmpuint (closed.count, ==, 1);
  g_assert_error (closed.error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_clear_error (&closed.error);
  g_assert_cmpuint (fake.ticks, <, PROXY_FLOOD);
  fake_listener_finish (&fake);
}

static void
set_flag (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *flag = user_data;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, NULL);

  *flag = TRUE;
}

/* Signals that the proxy's main context reads: it stops reading while its
 * queue is full, and the peer waits */
static void
test_async_subscribed_flood (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  FakeListener fake = { 0 };
  Closed closed = { 0 };
  gboolean done = FALSE;
  Watch watch;

  pp_options_set_max_queued_input (options, MAX_QUEUED_INPUT);
  fake_listener_start (&fake, "signal", options);
  g_signal_connect (fake.proxy, "tick", G_CALLBACK (count_ticks), &fake);
  g_signal_connect (fake.proxy, "closed", G_CALLBACK (closed_cb), &closed);

  watch_start (&watch, "subscribed SIGNAL flood read by the main context");
  pp_proxy_call_async (fake.proxy, "flood", NULL, -1, NULL,
                       set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  watch_finish (&watch, MAX_QUEUED_INPUT);
  g_assert_cmpuint (fake.ticks, ==, PROXY_FLOOD);
  g_assert_cmpuint (closed.count, ==, 0);
  fake_listener_finish (&fake);
}

/* 5. Mirror types ---------------------------------------------------------- */

#define N_DESCRIPTIONS   2000
#define MAX_MIRROR_TYPES 16

static void
test_mirror_types (void)
{
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autofree char *path = g_strdup_printf ("%s/pp-limits-%d", g_get_tmp_dir (), getpid ());
  g_autofree char *count = g_strdup_printf ("%d", N_DESCRIPTIONS);
  g_autoptr(Peer) peer = NULL;
  guint mirrored = 0, unmirrored = 0;
  Watch watch;

  pp_options_set_max_mirror_types (options, MAX_MIRROR_TYPES);
  peer = peer_spawn ("listeners", path, count, "10", NULL);
  /* Until it listens */
  while (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_usleep (1000);

  watch_start (&watch, "hostile descriptions, one per connection");
  for (guint i = 0; i < N_DESCRIPTIONS; i++)
    {
      struct sockaddr_un addr = { .sun_family = AF_UNIX };
      g_autoptr(GError) error = NULL;
      g_autoptr(PpProxy) proxy = NULL;
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GListModel) signals = NULL;
      int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

      g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
      g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
      stream = pp_stream_new_for_fd (fd, &error);
      g_assert_no_error (error);
      proxy = pp_proxy_new_sync (stream, options, NULL, &error);
      g_assert_no_error (error);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (g_signal_lookup ("tick", G_OBJECT_TYPE (proxy)) != 0)
        mirrored++;
      else
        unmirrored++;

      /* One without: its description says why */
      if (i == N_DESCRIPTIONS - 1)
        {
          g_autoptr(PpMember) tick = NULL;

          signals = pp_proxy_list_signals (proxy);
          tick = g_list_model_get_item (signals, 0);
          g_assert_cmpstr (pp_member_get_name (tick), ==, "tick");
          report ("a signal of a proxy without a mirror type: %s",
                  pp_member_get_unavailable_reason (tick));
          g_assert_nonnull (strstr (pp_member_get_unavailable_reason (tick),
                                    "max-mirror-types"));
        }
    }
  watch_finish (&watch, 0);
  report ("%u proxies with a mirror type of their own, %u without", mirrored,
                  unmirrored);
  g_assert_cmpuint (mirrored, ==, MAX_MIRROR_TYPES);
  g_assert_cmpuint (unmirrored, ==, N_DESCRIPTIONS - MAX_MIRROR_TYPES);
  peer_wait (peer);

  /* Names from the peer became no quarks: neither the names of members
   * nobody mirrored nor their types' */
  g_assert_cmpuint (g_quark_try_string ("Hostile1999-signal-0"), ==, 0);
  g_assert_cmpuint (g_quark_try_string ("Hostile1999-property-0"), ==, 0);
  g_assert_cmpuint (g_quark_try_string ("Hostile1999"), ==, 0);
}

static void
run_flood (gconstpointer data)
{
  GTestFunc func = (GTestFunc) data;

  if (g_test_subprocess ())
    {
      func ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                   G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Each flood in a process of its own, so that what one left in the heap
 * does not hide what the next one takes */
static void
add_flood (const char *path,
           GTestFunc   func)
{
  g_test_add_data_func (path, func, (GTestDataFunc) run_flood);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_flood ("/Pp/Limits/cancel-flood", test_cancel_flood);
  add_flood ("/Pp/Limits/calls-in-flight", test_calls_in_flight);
  add_flood ("/Pp/Limits/stalled-proxy-signals", test_stalled_proxy_signals);
  add_flood ("/Pp/Limits/stalled-proxy-properties", test_stalled_proxy_properties);
  add_flood ("/Pp/Limits/sync-property-flood", test_sync_property_flood);
  add_flood ("/Pp/Limits/sync-unsubscribed-flood", test_sync_unsubscribed_flood);
  add_flood ("/Pp/Limits/sync-subscribed-flood", test_sync_subscribed_flood);
  add_flood ("/Pp/Limits/async-subscribed-flood", test_async_subscribed_flood);
  add_flood ("/Pp/Limits/mirror-types", test_mirror_types);

  return g_test_run ();
}
