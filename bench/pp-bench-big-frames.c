/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench-big-frames: big values in the frames that are not calls or
 * replies, for bench/count-copies.sh.
 *
 *   pp-bench-big-frames --what=signal|signal-with-object|property [--size BYTES] [--count N]
 *
 * This process (--role=proxy) starts itself as a worker (--role=listener)
 * serving a PpBenchBig, an object with signals `big (GBytes)` and
 * `big-with-object (GObject, GBytes)` and a property `blob` (GBytes), and
 * calls it N times: `emit (uu)` emits `big` once with SIZE bytes,
 * `emit_with_object (uu)` emits `big-with-object` with the object itself
 * (so the frame has an object table), `set_blob (uu)` sets the property to
 * SIZE bytes, whose change the listener forwards. After each call this side
 * waits for the signal, or for the property's new value in the mirror's
 * cache, and checks its size and bytes. One event at a time, so that no
 * property value takes the place of another still queued.
 *
 * With pp-count-copies.so preloaded, each process prints its large copies
 * when it exits ("copies ROLE N BYTES"); count-copies.sh runs it with N
 * and 2N events and prints the difference per event.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

/* The object ------------------------------------------------------------------ */

#define PP_TYPE_BENCH_BIG (pp_bench_big_get_type ())
G_DECLARE_FINAL_TYPE (PpBenchBig, pp_bench_big, PP, BENCH_BIG, GObject)

struct _PpBenchBig
{
  GObject  parent_instance;
  GBytes  *blob;
};

G_DEFINE_FINAL_TYPE (PpBenchBig, pp_bench_big, G_TYPE_OBJECT)

enum { PROP_0, PROP_BLOB, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { BIG, BIG_WITH_OBJECT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
pp_bench_big_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PpBenchBig *self = PP_BENCH_BIG (object);

  if (prop_id == PROP_BLOB)
    g_value_set_boxed (value, self->blob);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pp_bench_big_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PpBenchBig *self = PP_BENCH_BIG (object);

  if (prop_id == PROP_BLOB)
    {
      g_clear_pointer (&self->blob, g_bytes_unref);
      self->blob = g_value_dup_boxed (value);
      g_object_notify_by_pspec (object, pspec);
    }
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pp_bench_big_finalize (GObject *object)
{
  g_clear_pointer (&PP_BENCH_BIG (object)->blob, g_bytes_unref);
  G_OBJECT_CLASS (pp_bench_big_parent_class)->finalize (object);
}

static void
pp_bench_big_class_init (PpBenchBigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pp_bench_big_get_property;
  object_class->set_property = pp_bench_big_set_property;
  object_class->finalize = pp_bench_big_finalize;

  properties[PROP_BLOB] = g_param_spec_boxed ("blob", NULL, NULL, G_TYPE_BYTES,
                                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[BIG] = g_signal_new ("big", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                               NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  signals[BIG_WITH_OBJECT] = g_signal_new ("big-with-object", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_OBJECT, G_TYPE_BYTES);
}

static void
pp_bench_big_init (PpBenchBig *self)
{
}

/* @size bytes that depend on @seed, so that a value left over from the
 * event before cannot pass the check */
static GBytes *
make_bytes (guint32 seed,
            gsize   size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + seed);
  return g_bytes_new_take (data, size);
}

static void
check_bytes (GBytes  *bytes,
             guint32  seed,
             gsize    size)
{
  gsize got_size = 0;
  const guint8 *data = bytes ? g_bytes_get_data (bytes, &got_size) : NULL;

  if (got_size != size)
    bench_fail ("got %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT, got_size, size);
  for (gsize i = 0; i < size; i++)
    if (data[i] != (guint8) (i * 7 + seed))
      bench_fail ("byte %" G_GSIZE_FORMAT " differs", i);
}

/* The listener ---------------------------------------------------------------- */

static GVariant *
emit_method (GObject   *object,
             GVariant  *parameters,
             gpointer   user_data,
             GError   **error)
{
  g_autoptr(GBytes) bytes = NULL;
  guint32 seed, size;

  g_variant_get (parameters, "(uu)", &seed, &size);
  bytes = make_bytes (seed, size);
  if (GPOINTER_TO_INT (user_data))
    g_signal_emit (object, signals[BIG_WITH_OBJECT], 0, object, bytes);
  else
    g_signal_emit (object, signals[BIG], 0, bytes);
  return g_variant_new_tuple (NULL, 0);
}

static GVariant *
set_blob_method (GObject   *object,
                 GVariant  *parameters,
                 gpointer   user_data,
                 GError   **error)
{
  g_autoptr(GBytes) bytes = NULL;
  guint32 seed, size;

  g_variant_get (parameters, "(uu)", &seed, &size);
  bytes = make_bytes (seed, size);
  g_object_set (object, "blob", bytes, NULL);
  return g_variant_new_tuple (NULL, 0);
}

static int
serve (void)
{
  g_autoptr(GObject) object = g_object_new (PP_TYPE_BENCH_BIG, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PpListener) listener = pp_listener_new_for_parent (object, &error);

  if (listener == NULL)
    bench_fail ("listener: %s", error->message);
  pp_listener_add_method (listener, "emit", G_VARIANT_TYPE ("(uu)"), G_VARIANT_TYPE_UNIT,
                          emit_method, GINT_TO_POINTER (FALSE), NULL);
  pp_listener_add_method (listener, "emit_with_object", G_VARIANT_TYPE ("(uu)"),
                          G_VARIANT_TYPE_UNIT, emit_method, GINT_TO_POINTER (TRUE), NULL);
  pp_listener_add_method (listener, "set_blob", G_VARIANT_TYPE ("(uu)"), G_VARIANT_TYPE_UNIT,
                          set_blob_method, NULL, NULL);
  pp_listener_run (listener);
  return 0;
}

/* The proxy ------------------------------------------------------------------- */

typedef struct
{
  guint32 seed;
  gsize   size;
  guint   n_received;
} Expected;

static void
on_big (GObject  *proxy,
        GBytes   *bytes,
        Expected *expected)
{
  check_bytes (bytes, expected->seed, expected->size);
  expected->n_received++;
}

static void
on_big_with_object (GObject  *proxy,
                    GObject  *object,
                    GBytes   *bytes,
                    Expected *expected)
{
  if (object != proxy)
    bench_fail ("the signal's object is not the proxy");
  on_big (proxy, bytes, expected);
}

static void
on_blob (GObject    *proxy,
         GParamSpec *pspec,
         Expected   *expected)
{
  g_autoptr(GBytes) bytes = NULL;

  g_object_get (proxy, "blob", &bytes, NULL);
  check_bytes (bytes, expected->seed, expected->size);
  expected->n_received++;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *role = NULL;
  g_autofree char *what = NULL;
  gint64 size = 16 * 1024 * 1024;
  int count = 2;
  GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "proxy (the default) or listener", "ROLE" },
    { "what", 0, 0, G_OPTION_ARG_STRING, &what, "signal, signal-with-object or property",
      "WHAT" },
    { "size", 0, 0, G_OPTION_ARG_INT64, &size, "Bytes of each value (16 MiB)", "BYTES" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "How many events (2)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- big signals and properties");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *self_path = NULL;
  Expected expected = { 0, 0, 0 };
  const char *method = NULL;

  bench_set_name ("pp-bench-big-frames");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    bench_fail ("%s", error->message);
  if (g_strcmp0 (role, "listener") == 0)
    return serve ();
  if (g_strcmp0 (what, "signal") == 0)
    method = "emit";
  else if (g_strcmp0 (what, "signal-with-object") == 0)
    method = "emit_with_object";
  else if (g_strcmp0 (what, "property") == 0)
    method = "set_blob";
  else
    bench_fail ("--what=signal, --what=signal-with-object or --what=property");
  if (size < 0 || size > G_MAXUINT32)
    bench_fail ("--size out of range");

  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL)
    bench_fail ("cannot find this program");

  /* The worker's stderr is this one's, so that what it prints when it
   * exits is not lost */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  proxy = pp_proxy_new_for_subprocess_sync (launcher,
                                            (const char * const[]) { self_path, "--role=listener",
                                                                     NULL },
                                            NULL, NULL, &error);
  if (proxy == NULL)
    bench_fail ("starting the listener: %s", error->message);
  if (g_str_equal (method, "emit"))
    g_signal_connect (proxy, "big", G_CALLBACK (on_big), &expected);
  else if (g_str_equal (method, "emit_with_object"))
    g_signal_connect (proxy, "big-with-object", G_CALLBACK (on_big_with_object), &expected);
  else
    g_signal_connect (proxy, "notify::blob", G_CALLBACK (on_blob), &expected);

  expected.size = size;
  for (int i = 0; i < count; i++)
    {
      g_autoptr(GVariant) reply = NULL;

      expected.seed = i + 1;
      reply = pp_proxy_call_sync (proxy, method,
                                  g_variant_new ("(uu)", expected.seed, (guint32) size), -1, NULL,
                                  &error);
      if (reply == NULL)
        bench_fail ("%s: %s", method, error->message);
      while (expected.n_received < (guint) i + 1)
        g_main_context_iteration (NULL, TRUE);
    }

  subprocess = g_object_ref (pp_proxy_get_subprocess (proxy));
  pp_proxy_close (proxy);
  if (!g_subprocess_wait_check (subprocess, NULL, &error))
    bench_fail ("the listener: %s", error->message);
  return EXIT_SUCCESS;
}
