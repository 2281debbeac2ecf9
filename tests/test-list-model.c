/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A proxy of a GListModel in another process (tests/pp-test-server, a
 * GListStore of actions "i0", "i1"…) reads it in batches and caches it:
 * scrolled through end to end, it costs one round trip per batch, counted
 * from the CALL frames it sends (PIPEPROXY_DEBUG=message's records); a
 * cached item costs none; items-changed keeps the cache equal to the
 * remote model; a peer whose answers do not fit gets NULL, not a crash. */

#include <string.h>

#include "pp-test-util.h"

#include "pp-debug-private.h"
#include "pp-list-model-private.h"

/* What pp-mirror-list-model.c reads at once */
#define BATCH 64

static guint n_calls;

/* Counts the CALL frames our side sends; no other frame is logged */
static GLogWriterOutput
count_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  const char *kind = NULL, *direction = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "PP_KIND") == 0)
      kind = fields[i].value;
    else if (strcmp (fields[i].key, "PP_DIRECTION") == 0)
      direction = fields[i].value;
  if (kind == NULL)
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  if (strcmp (kind, "CALL") == 0 && strcmp (direction, "out") == 0)
    n_calls++;
  return G_LOG_WRITER_HANDLED;
}

static guint
remote_n_items (PpProxy *proxy)
{
  return pp_test_call_u (proxy, "get_n_items", NULL);
}

/* The remote model's item, read without the cache */
static GObject *
remote_item (PpProxy *proxy,
             guint    position)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = pp_test_call_full (proxy, "get_item",
                                                  g_variant_new ("(u)", position), NULL,
                                                  &objects);

  g_assert_nonnull (objects);
  return g_object_ref (g_ptr_array_index (objects, 0));
}

static char *
item_name (GObject *item)
{
  char *name = NULL;

  g_object_get (item, "name", &name, NULL);
  return name;
}

static void
assert_item_named (GListModel *model,
                   guint       position,
                   const char *prefix,
                   guint       number)
{
  g_autoptr(GObject) item = g_list_model_get_item (model, position);
  g_autofree char *name = NULL;
  g_autofree char *expected = g_strdup_printf ("%s%u", prefix, number);

  g_assert_nonnull (item);
  name = item_name (item);
  g_assert_cmpstr (name, ==, expected);
}

static void
read_item (GListModel *model,
           guint       position)
{
  g_autoptr(GObject) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);
}

/* Scrolls a view of @visible rows by @step from @from to @to (the first
 * visible position), reading what it shows */
static void
scroll (GListModel *model,
        guint       visible,
        guint       step,
        int         from,
        int         to)
{
  int direction = from <= to ? 1 : -1;

  for (int top = from; direction > 0 ? top <= to : top >= to; top += direction * (int) step)
    {
      guint n = g_list_model_get_n_items (model);

      for (guint i = top; i < top + visible && i < n; i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          g_assert_nonnull (item);
        }
    }
}

static void
test_scroll (PpTestFixture *f,
             gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);
  const guint visible = 40, step = 8;
  /* Each item read makes a proxy, and each goes when the cache lets it go:
   * under valgrind, the first and last few thousand */
  const gboolean valgrind = g_getenv ("PP_TEST_UNDER_VALGRIND") != NULL;
  const guint up = 3000;
  guint n, first, trips, scrolled;

  g_assert_true (G_IS_LIST_MODEL (f->proxy));
  n_calls = 0;
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, ==, 100000);
  g_assert_cmpuint (n_calls, ==, 1);

  /* Down, end to end: a round trip per batch */
  scrolled = valgrind ? 2 * up : n;
  scroll (model, visible, step, 0, (valgrind ? up : n) - visible);
  if (valgrind)
    scroll (model, visible, step, n - up, n - visible);
  trips = n_calls;
  g_test_message ("%u items scrolled through, batches of %u, %u visible: %u round trips",
                  scrolled, BATCH, visible, trips);
  g_assert_cmpuint (trips, <=, scrolled / BATCH + (valgrind ? 4 : 2));

  /* What is cached costs none, and is the same proxy */
  {
    g_autoptr(GObject) last = g_list_model_get_item (model, n - 1);
    g_autoptr(GObject) again = g_list_model_get_item (model, n - 1);
    g_autofree char *name = item_name (last);

    g_assert_true (last == again);
    g_assert_cmpstr (name, ==, "i99999");
    g_assert_null (g_list_model_get_item (model, n));
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
    g_assert_cmpuint (n_calls, ==, trips);
  }

  /* Back up a while: as many */
  scroll (model, visible, step, n - visible, n - up);
  g_test_message ("%u back up: %u round trips", up, n_calls - trips);
  g_assert_cmpuint (n_calls - trips, <=, up / BATCH + 2);

  /* Every item where it belongs */
  first = g_random_int_range (n - up, n - visible);
  for (guint i = first; i < first + visible; i++)
    assert_item_named (model, i, "i", i);
  assert_item_named (model, 0, "i", 0);
}

/* The cache is the remote model: its count, and each item it holds is
 * the one the remote model has there, with identity kept */
static void
assert_cache_exact (PpProxy *proxy)
{
  GListModel *model = G_LIST_MODEL (proxy);
  guint n_items, start, length;

  g_assert_true (pp_mirror_list_model_peek (model, &n_items, &start, &length));
  g_assert_cmpuint (n_items, ==, remote_n_items (proxy));
  g_assert_cmpuint (start + length, <=, n_items);
  for (guint i = start; i < start + length; i++)
    {
      g_autoptr(GObject) cached = pp_mirror_list_model_peek_item (model, i);
      g_autoptr(GObject) remote = NULL;

      if (cached == NULL)
        continue;
      remote = remote_item (proxy, i);
      g_assert_true (cached == remote);
    }
}

static void
count_change (GListModel *model,
              guint       position,
              guint       removed,
              guint       added,
              guint      *changes)
{
  guint n_items, start, length;

  /* Handlers see the cache already changed */
  g_assert_true (pp_mirror_list_model_peek (model, &n_items, &start, &length));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_items);
  (*changes)++;
}

/* Splices the remote store and waits for its items-changed here */
static void
splice (PpProxy *proxy,
        guint   *changes,
        guint    position,
        guint    removed,
        guint    added)
{
  g_autoptr(GVariant) result = NULL;
  guint before = *changes;

  result = pp_test_call (proxy, "hook_splice", g_variant_new ("(uuu)", position, removed, added));
  while (*changes == before)
    g_main_context_iteration (NULL, TRUE);
}

static void
window (PpProxy *proxy,
        guint   *start,
        guint   *end)
{
  guint n_items, length;

  g_assert_true (pp_mirror_list_model_peek (G_LIST_MODEL (proxy), &n_items, start, &length));
  *end = *start + length;
}

static void
test_changes (PpTestFixture *f,
              gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);
  guint changes = 0;
  guint start, end;

  g_signal_connect (model, "items-changed", G_CALLBACK (count_change), &changes);
  /* Two blocks: [192, 320) */
  for (guint i = 200; i < 260; i++)
    read_item (model, i);
  g_assert_null (pp_mirror_list_model_peek_item (model, 191));
  window (f->proxy, &start, &end);
  g_assert_cmpuint (start, ==, 192);
  g_assert_cmpuint (end, ==, 320);
  assert_cache_exact (f->proxy);

  /* At the window's first item, before it */
  splice (f->proxy, &changes, start, 0, 1);
  window (f->proxy, &start, &end);
  g_assert_cmpuint (start, ==, 193);
  assert_cache_exact (f->proxy);
  /* Right after its last, and removing the one right before it */
  splice (f->proxy, &changes, end, 0, 3);
  splice (f->proxy, &changes, start - 1, 1, 0);
  window (f->proxy, &start, &end);
  g_assert_cmpuint (start, ==, 192);
  assert_cache_exact (f->proxy);
  /* Its first two, then across its end */
  splice (f->proxy, &changes, start, 2, 0);
  window (f->proxy, &start, &end);
  splice (f->proxy, &changes, end - 1, 2, 5);
  assert_cache_exact (f->proxy);
  /* In its middle, and across its beginning */
  splice (f->proxy, &changes, start + 50, 10, 10);
  assert_cache_exact (f->proxy);
  window (f->proxy, &start, &end);
  splice (f->proxy, &changes, start - 5, 10, 3);
  assert_cache_exact (f->proxy);

  /* Holes are read when asked for: the new items, where they are */
  window (f->proxy, &start, &end);
  for (guint i = start; i < end; i++)
    read_item (model, i);
  assert_cache_exact (f->proxy);

  /* Everything goes, and comes back: "n22" to "n91" (22 were made) */
  splice (f->proxy, &changes, 0, g_list_model_get_n_items (model), 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_null (g_list_model_get_item (model, 0));
  splice (f->proxy, &changes, 0, 0, 70);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 70);
  assert_item_named (model, 69, "n", 91);
  assert_cache_exact (f->proxy);
}

/* A change the listener made before it answered a batch, not yet emitted
 * here when the batch comes: the batch is read back through the change,
 * so the item asked for is the one at that position before it, and what
 * the cache keeps of the batch is where the cache's state has it */
static void
test_change_in_flight (PpTestFixture *f,
                       gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GObject) item = NULL;
  g_autofree char *name = NULL;
  guint changes = 0;
  guint n_items, start, length;

  g_signal_connect (model, "items-changed", G_CALLBACK (count_change), &changes);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1000);

  /* Its items-changed is queued behind the reply */
  result = pp_test_call (f->proxy, "hook_splice", g_variant_new ("(uuu)", 500, 0, 1));
  g_assert_cmpuint (changes, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1000);
  n_calls = 0;
  item = g_list_model_get_item (model, 500);
  name = item_name (item);
  g_assert_cmpstr (name, ==, "i500");
  g_assert_cmpuint (n_calls, ==, 1);
  /* The block [448, 512) after the change: from "i500" on, the run of
   * what was there before it */
  g_assert_true (pp_mirror_list_model_peek (model, &n_items, &start, &length));
  g_assert_cmpuint (n_items, ==, 1000);
  g_assert_cmpuint (start, ==, 500);
  g_assert_cmpuint (length, ==, 11);
  assert_item_named (model, 510, "i", 510);
  g_assert_cmpuint (n_calls, ==, 1);

  while (changes == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1001);
  assert_item_named (model, 500, "n", 0);
  assert_item_named (model, 501, "i", 500);
  assert_cache_exact (f->proxy);
}

/* Reads, in each items-changed, every item it adds, as GTK's list view
 * makes rows for the items added near those it shows */
static void
read_added (GListModel *model,
            guint       position,
            guint       removed,
            guint       added,
            gpointer    user_data)
{
  guint *read = user_data;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_assert_nonnull (item);
      (*read)++;
    }
}

/* A model that grows faster than its items-changed are emitted here (a
 * worker appending as it finds): the batches read while later changes
 * wait are read back through them and kept, so reading what each change
 * adds costs a round trip per batch, not one per item */
static void
test_growing (PpTestFixture *f,
              gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);
  guint read = 0;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1000);
  /* Ten appends of 100, whose items-changed wait behind the replies */
  for (guint k = 0; k < 10; k++)
    g_variant_unref (pp_test_call (f->proxy, "hook_splice",
                                   g_variant_new ("(uuu)", 1000 + 100 * k, 0, 100)));
  g_signal_connect (model, "items-changed", G_CALLBACK (read_added), &read);
  n_calls = 0;
  while (read < 1000)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("1,000 items added in 10 changes, each read in its items-changed: "
                  "%u round trips", n_calls);
  /* A batch of 64 per round trip, and one more where a change ends one */
  g_assert_cmpuint (n_calls, <=, 1000 / BATCH + 1 + 10);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2000);
  assert_item_named (model, 1000, "n", 0);
  assert_item_named (model, 1999, "n", 999);
  assert_cache_exact (f->proxy);
}

static void
test_lying (PpTestFixture *f,
            gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 300);
  assert_item_named (model, 63, "i", 63);
  /* One item too many; items past its own count */
  g_assert_null (g_list_model_get_item (model, 64));
  g_assert_null (g_list_model_get_item (model, 192));
  g_assert_false (pp_proxy_is_closed (f->proxy));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 300);
  assert_item_named (model, 299, "i", 299);
  /* The name of an object that did not come with the reply breaks the
   * protocol, as in any reply */
  g_assert_null (g_list_model_get_item (model, 128));
  g_assert_true (pp_proxy_is_closed (f->proxy));
}

/* The item type is read once: a model's does not change */
static void
test_item_type (PpTestFixture *f,
                gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);
  GType type;

  n_calls = 0;
  type = g_list_model_get_item_type (model);
  g_assert_true (g_type_is_a (type, G_TYPE_OBJECT));
  g_assert_cmpuint (n_calls, ==, 1);
  for (guint i = 0; i < 10; i++)
    g_assert_true (g_list_model_get_item_type (model) == type);
  g_assert_cmpuint (n_calls, ==, 1);
}

/* A batch method of other types: the interface calls the model's own */
static void
test_mistyped (PpTestFixture *f,
               gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->proxy);

  n_calls = 0;
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 300);
  assert_item_named (model, 5, "i", 5);
  g_assert_cmpuint (n_calls, ==, 2);
  g_assert_false (pp_mirror_list_model_peek (model, &(guint) { 0 }, &(guint) { 0 },
                                             &(guint) { 0 }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Frames are counted through the debug records */
  pp_debug_init ();
  pp_debug_flags |= PP_DEBUG_MESSAGE;
  g_log_set_writer_func (count_writer, NULL, NULL);

#define ADD(name, kind, func) \
  g_test_add ("/Pp/ListModel/" name, PpTestFixture, kind, pp_test_fixture_set_up, func, \
              pp_test_fixture_tear_down)
  ADD ("scroll", "store-100000", test_scroll);
  ADD ("changes", "store-1000", test_changes);
  ADD ("change-in-flight", "store-1000", test_change_in_flight);
  ADD ("growing", "store-1000", test_growing);
  ADD ("item-type", "store-1000", test_item_type);
  ADD ("lying", "lying-store", test_lying);
  ADD ("mistyped", "mistyped-store", test_mistyped);

  return g_test_run ();
}
