/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Boxed values with no value form, as remote references, across a process
 * boundary: a GtkTextBuffer hosted in a child by pipeproxy-host gives its
 * GtkTextIters (caller-allocated out-structures) as references to copies
 * the child keeps; their methods are called here, they go back to the
 * buffer as the copies themselves, and the child frees each once this
 * side dropped its proxy (its RELEASED empties the import table). The
 * buffer's signals carry iterators and marks the same way. */

#include <girepository.h>

#include "pp-test-util.h"
#include "pp-proxy-private.h"

/* The text buffer in a child, or NULL (the test skipped) without GTK 4 */
static PpProxy *
host_text_buffer (void)
{
  g_autoptr(GError) error = NULL;
  PpProxy *buffer;

  if (!g_irepository_require (NULL, "Gtk", "4.0", 0, &error))
    {
      g_test_skip ("the GTK 4 typelib is not installed");
      return NULL;
    }
  buffer = pp_proxy_new_for_type_sync ("Gtk", "4.0", "TextBuffer", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_unref (pp_test_call (buffer, "set_text", g_variant_new ("(si)", "hello world", -1)));
  return buffer;
}

/* get_start_iter () and the like: the iterator's proxy */
static PpProxy *
get_iter (PpProxy    *buffer,
          const char *method,
          GVariant   *parameters)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = pp_test_call_full (buffer, method, parameters, NULL, &objects);
  const char *path;

  g_variant_get (result, "(&o)", &path);
  g_assert_cmpstr (path, ==, "/0");
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_true (PP_IS_PROXY (g_ptr_array_index (objects, 0)));
  return g_object_ref (g_ptr_array_index (objects, 0));
}

static int
call_i (PpProxy    *proxy,
        const char *method,
        GVariant   *parameters)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, method, parameters);
  int value;

  g_variant_get (result, "(i)", &value);
  return value;
}

/* The import table empties when the child acknowledged the releases,
 * which come to the main context */
static void
wait_imports_empty (PpProxy *proxy)
{
  while (pp_proxy_get_n_imported (proxy) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static char *
get_text (PpProxy *buffer,
          PpProxy *start,
          PpProxy *end)
{
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GVariant) result = NULL;
  char *text;

  g_ptr_array_add (in, start);
  g_ptr_array_add (in, end);
  result = pp_test_call_full (buffer, "get_text", g_variant_new ("(oob)", "/0", "/1", TRUE), in,
                              NULL);
  g_variant_get (result, "(s)", &text);
  return text;
}

static void
test_text_iters (void)
{
  g_autoptr(PpProxy) buffer = host_text_buffer ();
  g_autoptr(PpProxy) start = NULL;
  g_autoptr(PpProxy) end = NULL;
  g_autoptr(PpProxy) copy = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GPtrArray) objects = NULL;
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;

  if (buffer == NULL)
    return;

  start = get_iter (buffer, "get_start_iter", NULL);
  end = get_iter (buffer, "get_end_iter", NULL);
  g_assert_cmpstr (pp_proxy_get_remote_type_name (start), ==, "GtkTextIter");
  g_assert_true (G_OBJECT_TYPE (start) == G_OBJECT_TYPE (end));
  g_assert_true (start != end);

  /* The iterator's own methods act on the child's copy */
  g_assert_cmpint (call_i (start, "get_offset", NULL), ==, 0);
  g_assert_cmpint (call_i (end, "get_offset", NULL), ==, 11);
  g_variant_unref (pp_test_call (start, "forward_chars", g_variant_new ("(i)", 6)));
  g_assert_cmpint (call_i (start, "get_offset", NULL), ==, 6);

  /* Passed back, they are those copies */
  text = get_text (buffer, start, end);
  g_assert_cmpstr (text, ==, "world");

  /* insert () moves the iterator it is given past the text */
  g_ptr_array_add (in, start);
  g_variant_unref (pp_test_call_full (buffer, "insert",
                                      g_variant_new ("(osi)", "/0", "big ", -1), in, NULL));
  g_assert_cmpint (call_i (start, "get_offset", NULL), ==, 10);
  {
    g_autoptr(PpProxy) first = get_iter (buffer, "get_start_iter", NULL);
    g_autoptr(PpProxy) last = get_iter (buffer, "get_end_iter", NULL);

    edited = get_text (buffer, first, last);
    g_assert_cmpstr (edited, ==, "hello big world");
  }

  /* A method that returns a new value gives a new reference */
  g_variant_unref (pp_test_call_full (start, "copy", NULL, NULL, &objects));
  copy = g_object_ref (g_ptr_array_index (objects, 0));
  g_assert_true (copy != start);
  g_assert_cmpint (call_i (copy, "get_offset", NULL), ==, 10);
  g_variant_unref (pp_test_call (copy, "backward_char", NULL));
  g_assert_cmpint (call_i (copy, "get_offset", NULL), ==, 9);
  g_assert_cmpint (call_i (start, "get_offset", NULL), ==, 10);

  /* Released as their proxies go: nothing is left on either side */
  g_clear_pointer (&objects, g_ptr_array_unref);
  g_clear_object (&copy);
  g_clear_object (&start);
  g_clear_object (&end);
  g_ptr_array_set_size (in, 0);
  wait_imports_empty (buffer);
}

/* Two caller-allocated structures in one call */
static void
test_bounds (void)
{
  g_autoptr(PpProxy) buffer = host_text_buffer ();
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *text = NULL;

  if (buffer == NULL)
    return;

  result = pp_test_call_full (buffer, "get_bounds", NULL, NULL, &objects);
  {
    const char *first, *second;

    g_variant_get (result, "(&o&o)", &first, &second);
    g_assert_cmpstr (first, ==, "/0");
    g_assert_cmpstr (second, ==, "/1");
  }
  g_assert_cmpuint (objects->len, ==, 2);
  g_assert_cmpint (call_i (g_ptr_array_index (objects, 1), "get_offset", NULL), ==, 11);
  text = get_text (buffer, g_ptr_array_index (objects, 0), g_ptr_array_index (objects, 1));
  g_assert_cmpstr (text, ==, "hello world");
  g_clear_pointer (&objects, g_ptr_array_unref);
  wait_imports_empty (buffer);
}

/* A reference of another type, or an object, where an iterator goes */
static void
test_wrong_reference (void)
{
  g_autoptr(PpProxy) buffer = host_text_buffer ();
  g_autoptr(PpProxy) end = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;

  if (buffer == NULL)
    return;

  end = get_iter (buffer, "get_end_iter", NULL);
  g_ptr_array_add (in, buffer);
  g_ptr_array_add (in, end);
  result = pp_proxy_call_full_sync (buffer, "get_text", g_variant_new ("(oob)", "/0", "/1", TRUE),
                                    NULL, in, -1, NULL, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "start"));
  g_assert_nonnull (strstr (error->message, "GtkTextIter"));

  /* The connection is fine */
  g_assert_cmpint (call_i (end, "get_offset", NULL), ==, 11);
}

/* Many references nobody keeps leave nothing behind */
static void
test_many_short_lived (void)
{
  g_autoptr(PpProxy) buffer = host_text_buffer ();

  if (buffer == NULL)
    return;

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(PpProxy) iter = get_iter (buffer, "get_iter_at_offset",
                                          g_variant_new ("(i)", (int) (i % 12)));

      g_assert_cmpint (call_i (iter, "get_offset", NULL), ==, (int) MIN (i % 12, 11));
    }
  wait_imports_empty (buffer);
}

/* Signals of the buffer: what its handlers here see */
typedef struct
{
  guint       n_inserted;
  GHashTable *marks;        /* mark name → the proxy first seen, kept */
  guint       n_marks_set;
  int         mark_offset;
} TextSignals;

static void
on_insert_text (PpProxy     *buffer,
                GObject     *location,
                const char  *text,
                int          length,
                TextSignals *seen)
{
  /* A copy of the child's iterator, made as the signal was emitted: the
   * text changed since, so GTK says it is no longer valid */
  g_assert_true (PP_IS_PROXY (location));
  g_assert_cmpstr (pp_proxy_get_remote_type_name (PP_PROXY (location)), ==, "GtkTextIter");
  g_assert_cmpstr (text, ==, "big ");
  g_assert_cmpint (length, ==, 4);
  seen->n_inserted++;
}

static void
on_mark_set (PpProxy     *buffer,
             GObject     *location,
             GObject     *mark,
             TextSignals *seen)
{
  g_autoptr(GVariant) name = NULL;
  const char *text;
  GObject *known;

  /* Moving a mark leaves the text alone: the iterator is still good */
  g_assert_true (PP_IS_PROXY (location));
  seen->mark_offset = call_i (PP_PROXY (location), "get_offset", NULL);
  g_assert_true (PP_IS_PROXY (mark));
  g_assert_cmpstr (pp_proxy_get_remote_type_name (PP_PROXY (mark)), ==, "GtkTextMark");
  name = pp_test_call (PP_PROXY (mark), "get_name", NULL);
  g_variant_get (name, "(m&s)", &text);
  if (text == NULL)
    return;
  /* The same mark of the child is the same proxy while one is kept */
  known = g_hash_table_lookup (seen->marks, text);
  if (known != NULL)
    g_assert_true (known == mark);
  else
    g_hash_table_insert (seen->marks, g_strdup (text), g_object_ref (mark));
  seen->n_marks_set++;
}

/* An iterator and a mark as signal arguments: proxies the handler may
 * call, the same proxy for the same mark, all released once dropped */
static void
test_signal_arguments (void)
{
  g_autoptr(PpProxy) buffer = host_text_buffer ();
  g_autoptr(PpProxy) at = NULL;
  g_autoptr(GPtrArray) in = g_ptr_array_new ();
  g_autoptr(GHashTable) marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       g_object_unref);
  TextSignals seen = { 0, marks, 0, -1 };
  GObject *insert;

  if (buffer == NULL)
    return;

  g_signal_connect (buffer, "insert-text", G_CALLBACK (on_insert_text), &seen);
  g_signal_connect (buffer, "mark-set", G_CALLBACK (on_mark_set), &seen);

  at = get_iter (buffer, "get_iter_at_offset", g_variant_new ("(i)", 6));
  g_ptr_array_add (in, at);
  g_variant_unref (pp_test_call_full (buffer, "insert", g_variant_new ("(osi)", "/0", "big ", -1),
                                      in, NULL));
  while (seen.n_inserted < 1)
    g_main_context_iteration (NULL, TRUE);

  /* The cursor moves twice: the insert mark comes as one proxy */
  for (int offset = 0; offset < 2; offset++)
    {
      g_autoptr(PpProxy) iter = get_iter (buffer, "get_iter_at_offset",
                                          g_variant_new ("(i)", offset));
      guint before = seen.n_marks_set;

      g_ptr_array_set_size (in, 0);
      g_ptr_array_add (in, iter);
      g_variant_unref (pp_test_call_full (buffer, "place_cursor", g_variant_new ("(o)", "/0"),
                                          in, NULL));
      while (seen.n_marks_set < before + 2)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (seen.mark_offset, ==, offset);
    }
  insert = g_hash_table_lookup (marks, "insert");
  g_assert_nonnull (insert);
  g_assert_nonnull (g_hash_table_lookup (marks, "selection_bound"));

  /* A kept proxy stays valid after the emission */
  {
    g_autoptr(GVariant) deleted = pp_test_call (PP_PROXY (insert), "get_deleted", NULL);
    gboolean value = TRUE;

    g_variant_get (deleted, "(b)", &value);
    g_assert_false (value);
  }

  g_signal_handlers_disconnect_by_data (buffer, &seen);
  g_ptr_array_set_size (in, 0);
  g_clear_object (&at);
  g_hash_table_remove_all (marks);
  wait_imports_empty (buffer);
}

/* A property set to an object of this process: the child's list model
 * filters our own store, calling it back, and reading the property gives
 * the store itself */
static void
test_local_object_property (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PpProxy) filtered = NULL;
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr(GObject) model = NULL;
  g_autoptr(GVariant) n = NULL;
  guint32 n_items = 0;

  if (!g_irepository_require (NULL, "Gtk", "4.0", 0, &error))
    {
      g_test_skip ("the GTK 4 typelib is not installed");
      return;
    }
  filtered = pp_proxy_new_for_type_sync ("Gtk", "4.0", "FilterListModel", NULL, NULL, NULL,
                                         &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GSimpleAction) item = g_simple_action_new ("item", NULL);

      g_list_store_append (store, item);
    }
  g_object_set (filtered, "model", store, NULL);
  n = pp_test_call (filtered, "get_n_items", NULL);
  g_variant_get (n, "(u)", &n_items);
  g_assert_cmpuint (n_items, ==, 3);

  g_object_get (filtered, "model", &model, NULL);
  g_assert_true (model == G_OBJECT (store));
  g_clear_object (&model);

  /* Unset, the child lets go of our store. Waited for: the child calls
   * the store back as it lets go, and a read while it waits in that call
   * would be served first */
  pp_proxy_set_property_sync (filtered, "model", NULL, NULL, &error);
  g_assert_no_error (error);
  g_object_get (filtered, "model", &model, NULL);
  g_assert_null (model);
  while (pp_proxy_get_n_exported (filtered) > 0)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/BoxedRefs/text-iters", test_text_iters);
  g_test_add_func ("/Pp/BoxedRefs/bounds", test_bounds);
  g_test_add_func ("/Pp/BoxedRefs/wrong-reference", test_wrong_reference);
  g_test_add_func ("/Pp/BoxedRefs/many-short-lived", test_many_short_lived);
  g_test_add_func ("/Pp/BoxedRefs/signal-arguments", test_signal_arguments);
  g_test_add_func ("/Pp/BoxedRefs/local-object-property", test_local_object_property);

  return g_test_run ();
}
