/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Methods of real types that take what a C caller allocates or lays out
 * itself, called across a process boundary on objects pipeproxy-host
 * makes in a child: g_input_stream_read() fills a buffer as long as the
 * count the caller gives (bounded by the size of a message),
 * g_output_stream_writev() takes an array of GOutputVectors, and
 * g_list_store_splice() a C array of objects. And a boolean signal whose
 * class decides (GApplication::name-lost) is mirrored for observing; a
 * call with an object that the output limit refuses exports nothing. */

#include <string.h>

#include "pp-test-util.h"
#include "pp-exports-private.h"
#include "pp-proxy-private.h"

static PpProxy *
host (const char *type_name,
      const char *constructor,
      GVariant   *arguments)
{
  g_autoptr(GError) error = NULL;
  PpProxy *proxy;

  proxy = pp_proxy_new_for_type_full_sync ("Gio", "2.0", type_name, constructor, arguments, NULL,
                                           NULL, NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

static void
assert_bytes (GVariant   *bytes,
              const char *expected,
              gsize       length)
{
  gsize n = 0;
  const char *data = g_variant_get_fixed_array (bytes, &n, 1);

  g_assert_cmpmem (data, n, expected, length);
}

/* What a method that gives one unsigned number gives */
static guint64
call_unsigned (PpProxy    *proxy,
               const char *method)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, method, NULL);
  g_autoptr(GVariant) value = g_variant_get_child_value (result, 0);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  return g_variant_get_uint64 (value);
}

/* read(), read_all() and read_nonblocking() fill a buffer of the count
 * given, which comes back whole */
static void
test_input_stream_read (void)
{
  g_autoptr(GBytes) text = g_bytes_new_static ("hello, world", 12);
  g_autoptr(PpProxy) stream = host ("MemoryInputStream", "new_from_bytes",
                                    g_variant_new ("(@ay)",
                                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                             text, TRUE)));
  g_autoptr(GVariant) read = NULL;
  g_autoptr(GVariant) read_all = NULL;
  g_autoptr(GVariant) nonblocking = NULL;
  g_autoptr(GVariant) at_end = NULL;
  g_autoptr(GVariant) buffer = NULL;
  gboolean ok;
  gint64 n;
  guint64 bytes_read;

  read = pp_test_call (stream, "read", g_variant_new ("(t)", (guint64) 5));
  g_assert_cmpstr (g_variant_get_type_string (read), ==, "(xay)");
  g_variant_get (read, "(x@ay)", &n, &buffer);
  g_assert_cmpint (n, ==, 5);
  assert_bytes (buffer, "hello", 5);
  g_clear_pointer (&buffer, g_variant_unref);

  read_all = pp_test_call (stream, "read_all", g_variant_new ("(t)", (guint64) 3));
  g_variant_get (read_all, "(b@ayt)", &ok, &buffer, &bytes_read);
  g_assert_true (ok);
  g_assert_cmpuint (bytes_read, ==, 3);
  assert_bytes (buffer, ", w", 3);
  g_clear_pointer (&buffer, g_variant_unref);

  /* What the method did not fill is the zeros it was given */
  nonblocking = pp_test_call (stream, "read_nonblocking", g_variant_new ("(t)", (guint64) 6));
  g_variant_get (nonblocking, "(x@ay)", &n, &buffer);
  g_assert_cmpint (n, ==, 4);
  assert_bytes (buffer, "orld\0\0", 6);
  g_clear_pointer (&buffer, g_variant_unref);

  at_end = pp_test_call (stream, "read", g_variant_new ("(t)", (guint64) 0));
  g_variant_get (at_end, "(x@ay)", &n, &buffer);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpuint (g_variant_n_children (buffer), ==, 0);
}

/* A count past what a message may carry is refused before the owner
 * allocates anything, and the owner goes on serving */
static void
test_input_stream_read_too_large (void)
{
  g_autoptr(GBytes) text = g_bytes_new_static ("abc", 3);
  g_autoptr(PpProxy) stream = host ("MemoryInputStream", "new_from_bytes",
                                    g_variant_new ("(@ay)",
                                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                             text, TRUE)));
  const guint64 counts[] = { G_GUINT64_CONSTANT (4) << 30, G_MAXUINT64, G_MAXSIZE / 2 + 1 };
  g_autoptr(GVariant) read = NULL;
  g_autoptr(GVariant) buffer = NULL;
  gint64 n;

  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) result = NULL;

      result = pp_proxy_call_sync (stream, "read", g_variant_new ("(t)", counts[i]), -1, NULL,
                                   &error);
      g_assert_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
      g_assert_nonnull (strstr (error->message, "“count”"));
      g_assert_null (result);
    }

  read = pp_test_call (stream, "read", g_variant_new ("(t)", (guint64) 3));
  g_variant_get (read, "(x@ay)", &n, &buffer);
  g_assert_cmpint (n, ==, 3);
  assert_bytes (buffer, "abc", 3);
}

static GVariant *
vectors (const char * const *pieces)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aay"));
  for (gsize i = 0; pieces[i] != NULL; i++)
    g_variant_builder_add_value (&builder,
                                 g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, pieces[i],
                                                            strlen (pieces[i]), 1));
  return g_variant_builder_end (&builder);
}

typedef struct
{
  GVariant *result;
  GError   *error;
  gboolean  done;
} Answer;

static void
call_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Answer *answer = user_data;

  answer->result = pp_proxy_call_finish (PP_PROXY (source), result, &answer->error);
  answer->done = TRUE;
}

/* An asynchronous call (the listener may be on this thread), waited for;
 * the result or NULL with @error set */
static GVariant *
call_and_wait (PpProxy     *proxy,
               const char  *method,
               GVariant    *parameters,
               GError     **error)
{
  Answer answer = { NULL, };

  pp_proxy_call_async (proxy, method, parameters, -1, NULL, call_async_cb, &answer);
  while (!answer.done)
    g_main_context_iteration (NULL, TRUE);
  if (answer.error != NULL)
    g_propagate_error (error, answer.error);
  return answer.result;
}

static GVariant *
call_ok (PpProxy    *proxy,
         const char *method,
         GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = call_and_wait (proxy, method, parameters, &error);

  g_assert_no_error (error);
  return result;
}

/* writev(), writev_all(), writev_nonblocking() and writev_async() of a
 * memory stream in a child */
static void
test_output_stream_writev (void)
{
  const char * const first[] = { "ab", "", "cde", NULL };
  const char * const second[] = { "fg", NULL };
  const char * const third[] = { "h", "ij", NULL };
  const char * const fourth[] = { "k", NULL };
  g_autoptr(PpProxy) stream = host ("MemoryOutputStream", "new_resizable", g_variant_new ("()"));
  g_autoptr(GVariant) writev = NULL;
  g_autoptr(GVariant) writev_all = NULL;
  g_autoptr(GVariant) nonblocking = NULL;
  g_autoptr(GVariant) async_result = NULL;
  gboolean ok;
  guint64 written;
  int pollable_return;

  writev = pp_test_call (stream, "writev", g_variant_new ("(@aay)", vectors (first)));
  g_variant_get (writev, "(bt)", &ok, &written);
  g_assert_true (ok);
  g_assert_cmpuint (written, ==, 5);

  writev_all = pp_test_call (stream, "writev_all", g_variant_new ("(@aay)", vectors (second)));
  g_variant_get (writev_all, "(bt)", &ok, &written);
  g_assert_true (ok);
  g_assert_cmpuint (written, ==, 2);

  nonblocking = pp_test_call (stream, "writev_nonblocking",
                              g_variant_new ("(@aay)", vectors (third)));
  g_variant_get (nonblocking, "(it)", &pollable_return, &written);
  g_assert_cmpint (pollable_return, ==, G_POLLABLE_RETURN_OK);
  g_assert_cmpuint (written, ==, 3);

  async_result = call_ok (stream, "writev_async", g_variant_new ("(@aayi)", vectors (fourth), 0));
  g_variant_get (async_result, "(bt)", &ok, &written);
  g_assert_true (ok);
  g_assert_cmpuint (written, ==, 1);

  g_assert_cmpuint (call_unsigned (stream, "get_data_size"), ==, 11);
}

/* An output stream whose writev_async() reads the vectors only in an idle
 * callback, after it returned, as GIO allows (a file stream does it in a
 * thread) */
typedef struct
{
  GOutputStream        parent;
  GByteArray          *written;
} TestLazyStream;

typedef GOutputStreamClass TestLazyStreamClass;

static GType test_lazy_stream_get_type (void);
G_DEFINE_TYPE (TestLazyStream, test_lazy_stream, G_TYPE_OUTPUT_STREAM)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestLazyStream, g_object_unref)

static gssize
test_lazy_stream_write (GOutputStream  *stream,
                        const void     *buffer,
                        gsize           count,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_byte_array_append (((TestLazyStream *) stream)->written, buffer, count);
  return count;
}

typedef struct
{
  const GOutputVector *vectors;
  gsize                n_vectors;
} LazyWrite;

static gboolean
lazy_write_now (gpointer user_data)
{
  GTask *task = user_data;
  LazyWrite *lazy = g_task_get_task_data (task);
  TestLazyStream *self = g_task_get_source_object (task);
  gsize total = 0;

  for (gsize i = 0; i < lazy->n_vectors; i++)
    {
      g_byte_array_append (self->written, lazy->vectors[i].buffer, lazy->vectors[i].size);
      total += lazy->vectors[i].size;
    }
  g_task_return_int (task, total);
  return G_SOURCE_REMOVE;
}

static void
test_lazy_stream_writev_async (GOutputStream        *stream,
                               const GOutputVector  *vectors,
                               gsize                 n_vectors,
                               int                   io_priority,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  LazyWrite *lazy = g_new0 (LazyWrite, 1);

  lazy->vectors = vectors;
  lazy->n_vectors = n_vectors;
  g_task_set_task_data (task, lazy, g_free);
  g_idle_add_full (G_PRIORITY_DEFAULT, lazy_write_now, task, g_object_unref);
}

static gboolean
test_lazy_stream_writev_finish (GOutputStream  *stream,
                                GAsyncResult   *result,
                                gsize          *bytes_written,
                                GError        **error)
{
  gssize n = g_task_propagate_int (G_TASK (result), error);

  if (bytes_written != NULL)
    *bytes_written = MAX (n, 0);
  return n >= 0;
}

static void
test_lazy_stream_finalize (GObject *object)
{
  g_byte_array_unref (((TestLazyStream *) object)->written);
  G_OBJECT_CLASS (test_lazy_stream_parent_class)->finalize (object);
}

static void
test_lazy_stream_init (TestLazyStream *self)
{
  self->written = g_byte_array_new ();
}

static void
test_lazy_stream_class_init (TestLazyStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_lazy_stream_finalize;
  klass->write_fn = test_lazy_stream_write;
  klass->writev_async = test_lazy_stream_writev_async;
  klass->writev_finish = test_lazy_stream_writev_finish;
}

/* The bytes written are the vectors', also when writev_async() reads them
 * after it returned: the arguments of an x_async() call live until it
 * finishes */
static void
test_output_stream_writev_content (void)
{
  const char * const pieces[] = { "one ", "", "two ", "three", NULL };
  g_autoptr(TestLazyStream) stream = g_object_new (test_lazy_stream_get_type (), NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpProxy) proxy = pp_test_serve_here (G_OBJECT (stream), NULL, NULL, &listener);
  g_autoptr(GVariant) result = NULL;
  gboolean ok;
  guint64 written;

  g_variant_unref (call_ok (proxy, "writev", g_variant_new ("(@aay)", vectors (pieces))));
  g_assert_cmpmem (stream->written->data, stream->written->len, "one two three", 13);

  result = call_ok (proxy, "writev_async", g_variant_new ("(@aayi)", vectors (pieces), 0));
  g_variant_get (result, "(bt)", &ok, &written);
  g_assert_true (ok);
  g_assert_cmpuint (written, ==, 13);
  g_assert_cmpmem (stream->written->data, stream->written->len, "one two threeone two three", 26);
  pp_listener_close (listener);
}

static GObject *
get_item (PpProxy *store,
          guint    position)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = pp_test_call_full (store, "get_item",
                                                  g_variant_new ("(u)", position), NULL,
                                                  &objects);

  g_assert_cmpuint (objects->len, ==, 1);
  return g_object_ref (g_ptr_array_index (objects, 0));
}

/* splice() takes a C array of objects: ours, which come back as
 * themselves */
static void
test_list_store_splice (void)
{
  const char * const properties[] = { "item-type=GObject", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) store = pp_proxy_new_for_type_sync ("Gio", "2.0", "ListStore", properties,
                                                         NULL, NULL, &error);
  g_autoptr(GObject) first = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) second = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GPtrArray) additions = g_ptr_array_new ();
  const char *paths[] = { "/0", "/1" };
  g_autoptr(GObject) item0 = NULL;
  g_autoptr(GObject) item1 = NULL;
  g_autoptr(GObject) left = NULL;

  g_assert_no_error (error);
  g_ptr_array_add (additions, first);
  g_ptr_array_add (additions, second);
  g_variant_unref (pp_test_call_full (store, "splice",
                                      g_variant_new ("(uu@ao)", 0, 0,
                                                     g_variant_new_objv (paths, 2)),
                                      additions, NULL));
  g_assert_cmpuint (call_unsigned (store, "get_n_items"), ==, 2);
  item0 = get_item (store, 0);
  item1 = get_item (store, 1);
  g_assert_true (item0 == first);
  g_assert_true (item1 == second);

  g_variant_unref (pp_test_call (store, "splice",
                                 g_variant_new ("(uu@ao)", 0, 1, g_variant_new_objv (NULL, 0))));
  g_assert_cmpuint (call_unsigned (store, "get_n_items"), ==, 1);
  left = get_item (store, 0);
  g_assert_true (left == second);
}

/* A boolean signal whose class decides ------------------------------------ */

typedef struct
{
  GObject parent;
} TestDecider;

typedef struct
{
  GObjectClass parent_class;
  gboolean (*decide) (TestDecider *self,
                      int          value);
} TestDeciderClass;

static GType test_decider_get_type (void);
G_DEFINE_TYPE (TestDecider, test_decider, G_TYPE_OBJECT)

static gboolean
test_decider_real_decide (TestDecider *self,
                          int          value)
{
  return value > 5;
}

static void
test_decider_init (TestDecider *self)
{
}

static void
test_decider_class_init (TestDeciderClass *klass)
{
  klass->decide = test_decider_real_decide;
  /* As GApplication::name-lost: run last, the first TRUE ends it */
  g_signal_new ("decide", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                G_STRUCT_OFFSET (TestDeciderClass, decide), g_signal_accumulator_true_handled,
                NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_INT);
  /* Run first: a handler's FALSE would come after the class's answer */
  g_signal_new ("decide-first", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_FIRST, 0, NULL, NULL,
                NULL, G_TYPE_BOOLEAN, 1, G_TYPE_INT);
  /* A value a remote handler would have to give */
  g_signal_new ("count", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_INT, 0);
}

static void
on_decide (PpProxy *proxy,
           int      value,
           gpointer user_data)
{
  GArray *seen = user_data;

  g_array_append_val (seen, value);
}

static PpMember *
find_member (GListModel *model,
             const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (model, i);

      if (g_str_equal (pp_member_get_name (member), name))
        return g_steal_pointer (&member);
    }
  return NULL;
}

static void
test_boolean_signal_observed (void)
{
  g_autoptr(GObject) decider = g_object_new (test_decider_get_type (), NULL);
  g_autoptr(PpListener) listener = NULL;
  g_autoptr(PpProxy) proxy = pp_test_serve_here (decider, NULL, NULL, &listener);
  g_autoptr(GListModel) signals = pp_proxy_list_signals (proxy);
  g_autoptr(PpMember) decide = find_member (signals, "decide");
  g_autoptr(PpMember) decide_first = find_member (signals, "decide-first");
  g_autoptr(PpMember) count = find_member (signals, "count");
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (int));
  const int values[] = { 7, 3 };
  gboolean handled;

  g_assert_true (pp_member_get_available (decide));
  g_assert_false (pp_member_get_available (decide_first));
  g_assert_false (pp_member_get_available (count));
  g_assert_nonnull (strstr (pp_member_get_unavailable_reason (count), "returns a value"));

  g_signal_connect (proxy, "decide", G_CALLBACK (on_decide), seen);
  /* The subscription reaches the listener before the next call */
  g_assert_null (call_and_wait (proxy, "no_such_method", NULL, NULL));

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      /* The owner's default decides, as if nobody listened remotely */
      g_signal_emit_by_name (decider, "decide", values[i], &handled);
      g_assert_cmpint (handled, ==, values[i] > 5);
    }
  while (seen->len < G_N_ELEMENTS (values))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_array_index (seen, int, 0), ==, 7);
  g_assert_cmpint (g_array_index (seen, int, 1), ==, 3);

  pp_listener_close (listener);
}

/* A call the output limit refuses introduces nothing ------------------- */

static void
call_full_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Answer *answer = user_data;

  answer->result = pp_proxy_call_full_finish (PP_PROXY (source), NULL, NULL, result,
                                              &answer->error);
  answer->done = TRUE;
}

static void
append_section (PpProxy    *proxy,
                GMenuModel *section,
                Answer     *answer)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new ();

  g_ptr_array_add (objects, section);
  pp_proxy_call_full (proxy, "append_section", g_variant_new ("(mso)", NULL, "/0"), NULL, objects,
                      -1, NULL, call_full_cb, answer);
}

/* The listener runs in a context of its own that is iterated only when
 * asked: until then it reads nothing, and what the proxy sends waits in
 * its output queue */
static void
test_refused_call_introduces_nothing (void)
{
  g_autoptr(GMainContext) listener_context = g_main_context_new ();
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();
  g_autoptr(PpOptions) options = pp_options_new ();
  g_autoptr(PpListener) listener = NULL;
  g_autofree char *label = g_strnfill (1024 * 1024, 'x');
  PpProxy *proxy;
  PpExports *exports;
  Answer big = { NULL, };
  Answer refused = { NULL, };

  pp_options_set_max_queued_output (options, 64 * 1024);
  proxy = pp_test_serve_here (G_OBJECT (menu), listener_context, options, &listener);
  exports = pp_proxy_get_exports (proxy);

  /* A MiB the socket cannot take: most of it waits */
  pp_proxy_call_async (proxy, "append", g_variant_new ("(sms)", label, NULL), -1, NULL,
                       call_async_cb, &big);
  append_section (proxy, G_MENU_MODEL (section), &refused);
  while (!refused.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (refused.error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED);
  g_assert_cmpuint (pp_exports_get_n_objects (exports), ==, 0);

  /* The listener reads what waited, and the table stays empty */
  while (!big.done)
    {
      g_main_context_iteration (listener_context, FALSE);
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_no_error (big.error);
  g_assert_cmpint (g_menu_model_get_n_items (G_MENU_MODEL (menu)), ==, 1);
  g_assert_cmpuint (pp_exports_get_n_objects (exports), ==, 0);

  g_clear_error (&refused.error);
  g_variant_unref (big.result);
  pp_listener_close (listener);
  g_object_unref (proxy);
  while (g_main_context_iteration (listener_context, FALSE) ||
         g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/RealTypes/input-stream-read", test_input_stream_read);
  g_test_add_func ("/Pp/RealTypes/input-stream-read-too-large", test_input_stream_read_too_large);
  g_test_add_func ("/Pp/RealTypes/output-stream-writev", test_output_stream_writev);
  g_test_add_func ("/Pp/RealTypes/output-stream-writev-content",
                   test_output_stream_writev_content);
  g_test_add_func ("/Pp/RealTypes/list-store-splice", test_list_store_splice);
  g_test_add_func ("/Pp/RealTypes/boolean-signal-observed", test_boolean_signal_observed);
  g_test_add_func ("/Pp/RealTypes/refused-call-introduces-nothing",
                   test_refused_call_introduces_nothing);

  return g_test_run ();
}
