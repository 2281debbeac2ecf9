/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* PIPEPROXY_DEBUG=message: every frame in and out is logged through GLib's
 * structured logging, with fields to filter on; without the variable,
 * nothing is. The variable is read once, by the first frame stream, so
 * each case runs in a fresh subprocess that sets it (or not) first. */

#include <stdlib.h>
#include <string.h>

#include "pp-test-util.h"

typedef struct
{
  GPtrArray *records;   /* GHashTable: field → value */
} Captured;

static Captured captured;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autoptr(GHashTable) record = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                        g_free, g_free);

  for (gsize i = 0; i < n_fields; i++)
    {
      gsize length = fields[i].length < 0 ? strlen (fields[i].value) : (gsize) fields[i].length;

      g_hash_table_insert (record, g_strdup (fields[i].key),
                           g_strndup (fields[i].value, length));
    }
  if (g_hash_table_contains (record, "PP_KIND"))
    {
      g_assert_cmpint (log_level, ==, G_LOG_LEVEL_MESSAGE);
      g_ptr_array_add (captured.records, g_steal_pointer (&record));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* The first frame logged with these fields, or NULL */
static GHashTable *
find_record (const char *direction,
             const char *kind,
             const char *member)
{
  for (guint i = 0; i < captured.records->len; i++)
    {
      GHashTable *record = g_ptr_array_index (captured.records, i);

      if (g_strcmp0 (g_hash_table_lookup (record, "PP_DIRECTION"), direction) == 0 &&
          g_strcmp0 (g_hash_table_lookup (record, "PP_KIND"), kind) == 0 &&
          (member == NULL || g_strcmp0 (g_hash_table_lookup (record, "PP_MEMBER"), member) == 0))
        return record;
    }
  return NULL;
}

static void
on_ping (GObject  *proxy,
         gpointer  user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
run_calls (const char *debug)
{
  g_autoptr(PpTestPeer) peer = pp_test_peer_spawn ("test", FALSE);
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GBytes) big = NULL;
  gboolean pinged = FALSE;
  guint8 *data;

  captured.records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  /* For this process only: the child is started already */
  if (debug != NULL)
    g_setenv ("PIPEPROXY_DEBUG", debug, TRUE);

  proxy = pp_test_peer_proxy (peer);
  result = pp_test_call (proxy, "echo_string", g_variant_new ("(s)", "hello"));
  g_clear_pointer (&result, g_variant_unref);

  /* A body of 4 KiB, over a memfd-threshold of 1 KiB: in a memfd */
  pp_proxy_set_memfd_threshold (proxy, 1024);
  data = g_malloc (4096);
  memset (data, 'x', 4096);
  big = g_bytes_new_take (data, 4096);
  result = pp_test_call (proxy, "echo_bytes",
                         g_variant_new ("(@ay)", g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                          big, TRUE)));
  g_clear_pointer (&result, g_variant_unref);

  g_signal_connect (proxy, "ping", G_CALLBACK (on_ping), &pinged);
  result = pp_test_call (proxy, "emit_ping", NULL);
  pp_test_wait_for (&pinged);
}

static void
test_debug_off (void)
{
  if (g_test_subprocess ())
    {
      g_unsetenv ("PIPEPROXY_DEBUG");
      run_calls (NULL);
      g_assert_cmpuint (captured.records->len, ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_debug_message (void)
{
  GHashTable *call, *reply, *big, *signal;
  const char *serial;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_unsetenv ("PIPEPROXY_DEBUG");
  run_calls ("message");

  g_assert_nonnull (find_record ("out", "HELLO", NULL));
  g_assert_nonnull (find_record ("in", "WELCOME", NULL));

  call = find_record ("out", "CALL", "echo_string");
  g_assert_nonnull (call);
  serial = g_hash_table_lookup (call, "PP_SERIAL");
  g_assert_cmpstr (g_hash_table_lookup (call, "PP_BODY"), ==, "(0, 'echo_string', <('hello',)>)");
  g_assert_cmpstr (g_hash_table_lookup (call, "PP_FDS"), ==, "0");
  g_assert_cmpstr (g_hash_table_lookup (call, "PP_MEMFD"), ==, "0");
  g_assert_cmpstr (g_hash_table_lookup (call, "GLIB_DOMAIN"), ==, "Pp");
  g_assert_nonnull (strstr (g_hash_table_lookup (call, "MESSAGE"),
                            "out CALL #"));
  g_assert_nonnull (strstr (g_hash_table_lookup (call, "MESSAGE"),
                            " 'echo_string' "));

  reply = find_record ("in", "RETURN", NULL);
  g_assert_nonnull (reply);
  g_assert_cmpstr (g_hash_table_lookup (reply, "PP_SERIAL"), ==, serial);
  g_assert_cmpstr (g_hash_table_lookup (reply, "PP_BODY"), ==, "<('hello',)>");
  g_assert_false (g_hash_table_contains (reply, "PP_MEMBER"));

  /* The memfd body: the stream carries the header alone, the text is cut */
  big = find_record ("out", "CALL", "echo_bytes");
  g_assert_nonnull (big);
  g_assert_cmpstr (g_hash_table_lookup (big, "PP_MEMFD"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (big, "PP_FRAME_SIZE"), ==, "16");
  g_assert_cmpint (atoi (g_hash_table_lookup (big, "PP_BODY_SIZE")), >, 4096);
  g_assert_true (g_str_has_suffix (g_hash_table_lookup (big, "PP_BODY"), "..."));
  g_assert_cmpint (strlen (g_hash_table_lookup (big, "PP_BODY")), <=, 512 + strlen ("..."));
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (big, "PP_BODY"),
                                   "(0, 'echo_bytes', <([0x78, 0x78, "));

  g_assert_nonnull (find_record ("out", "SUBSCRIBE", "ping"));
  signal = find_record ("in", "SIGNAL", "ping");
  g_assert_nonnull (signal);
  g_assert_cmpstr (g_hash_table_lookup (signal, "PP_BODY"), ==, "(0, 'ping', '', <()>)");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Debug/off", test_debug_off);
  g_test_add_func ("/Pp/Debug/message", test_debug_message);

  return g_test_run ();
}
