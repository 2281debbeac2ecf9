/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-list-model-private.h"
#include "pp-marshal-private.h"
#include "pp-proxy-private.h"
#include "pp-wire-private.h"

/* A proxy of a GListModel reads the remote model in batches and keeps what
 * it read: the count, and a window of at most MAX_CACHED items around the
 * positions asked for last, each a proxy (or the caller's own object) held
 * by the cache. get_n_items() and get_item() of what is cached cost no
 * round trip; a miss costs one, for the BATCH items of the aligned block
 * it falls in (pp-list-model-items, see pp-list-model-items.c).
 *
 * The cache is the model as the items-changed emitted on the proxy so far
 * say it is: each one is applied to it before it is emitted here. A batch
 * read in that same state (no items-changed applied while the call ran,
 * none that came before its reply waiting to be emitted) is kept. A batch
 * read while changes wait, as when the remote model grows fast and a
 * handler of items-changed reads the items just added, is read back
 * through the waiting changes: the items that were there before them, the
 * run around the position asked for, are kept at the positions they have
 * in the cache's state. Otherwise (a change applied while the call ran, a
 * waiting change that does not fit) its items answer the call that asked
 * for them and are not kept. So that no change is missed,
 * the cache keeps the proxy subscribed to items-changed from its first
 * call on. A reply that does not fit what was asked (more items than asked,
 * past the count it gives, names of objects that did not come with it)
 * answers nothing: get_item() returns NULL, get_n_items() 0, and the
 * reason is logged with g_debug(). */

#define BATCH       64
#define MAX_CACHED  1024

typedef struct
{
  GMutex     lock;
  gboolean   valid;     /* n_items and window are the model's */
  guint      n_items;
  guint      start;     /* the position of window[0] */
  GPtrArray *window;    /* GObject, or NULL where not read */
  guint64    changes;   /* items-changed applied, ever */
  GType      item_type; /* as the remote model gave it once, 0 until then */
} Cache;

static void
unref_item (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static void
cache_free (gpointer data)
{
  Cache *cache = data;

  g_ptr_array_unref (cache->window);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

static GQuark
cache_quark (void)
{
  return g_quark_from_static_string ("pp-mirror-list-model-cache");
}

static void
keep_subscribed (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added)
{
}

static GMutex caches_lock;

static Cache *
cache_get (GListModel *model)
{
  Cache *cache;

  g_mutex_lock (&caches_lock);
  cache = g_object_get_qdata (G_OBJECT (model), cache_quark ());
  if (cache == NULL)
    {
      cache = g_new0 (Cache, 1);
      g_mutex_init (&cache->lock);
      cache->window = g_ptr_array_new_with_free_func (unref_item);
      g_object_set_qdata_full (G_OBJECT (model), cache_quark (), cache, cache_free);
      /* The next call subscribes, before it is sent */
      g_signal_connect (model, "items-changed", G_CALLBACK (keep_subscribed), NULL);
    }
  g_mutex_unlock (&caches_lock);
  return cache;
}

/* Under the lock: what the window holds moves to @dropped, to be released
 * outside it (an item may be what holds the model) */
static void
drop_range (Cache     *cache,
            guint      index,
            guint      length,
            GPtrArray *dropped)
{
  for (guint i = index; i < index + length; i++)
    g_ptr_array_add (dropped, g_steal_pointer (&cache->window->pdata[i]));
  g_ptr_array_remove_range (cache->window, index, length);
}

static void
invalidate (Cache     *cache,
            GPtrArray *dropped)
{
  cache->valid = FALSE;
  drop_range (cache, 0, cache->window->len, dropped);
}

/* Inserts @n holes (items not read) at @index */
static void
insert_holes (GPtrArray *window,
              guint      index,
              guint      n)
{
  guint len = window->len;

  g_ptr_array_set_size (window, len + n);
  memmove (window->pdata + index + n, window->pdata + index, (len - index) * sizeof (gpointer));
  memset (window->pdata + index, 0, n * sizeof (gpointer));
}

/* items-changed: the same splice, on the count and the window */
static void
apply_change (Cache     *cache,
              guint      position,
              guint      removed,
              guint      added,
              GPtrArray *dropped)
{
  guint len = cache->window->len;
  guint start = cache->start;
  guint index, cut;

  if (position > cache->n_items || removed > cache->n_items - position ||
      added > G_MAXUINT - (cache->n_items - removed))
    {
      g_debug ("items-changed (%u, %u, %u) does not fit a model of %u items: "
               "the proxy's cache starts again", position, removed, added, cache->n_items);
      invalidate (cache, dropped);
      return;
    }
  cache->n_items = cache->n_items - removed + added;
  if (len == 0)
    return;

  if (position + removed <= start)
    {
      /* Before the window: it moves */
      cache->start = start - removed + added;
      return;
    }
  if (position >= start + len)
    return;

  if (position < start)
    {
      /* Over its beginning: what is left of it follows what was added */
      cut = MIN (position + removed - start, len);
      drop_range (cache, 0, cut, dropped);
      cache->start = position + added;
      return;
    }

  /* Inside it: the new items are holes, unless there are too many */
  index = position - start;
  cut = MIN (removed, len - index);
  drop_range (cache, index, cut, dropped);
  if (cache->window->len + added <= MAX_CACHED)
    insert_holes (cache->window, index, added);
  else
    drop_range (cache, index, cache->window->len - index, dropped);
}

/* A block read in the cache's state: the window becomes the block and
 * what it can keep of itself around it, at most MAX_CACHED items */
static void
store_block (Cache     *cache,
             guint      block_start,
             GPtrArray *items,
             GPtrArray *dropped)
{
  guint old_start = cache->start, old_end = old_start + cache->window->len;
  guint block_end = block_start + items->len;
  guint new_start = block_start, new_end = block_end;
  GPtrArray *window;

  if (items->len == 0)
    return;
  if (cache->window->len > 0 && block_start <= old_end && old_start <= block_end)
    {
      new_start = MIN (old_start, block_start);
      new_end = MAX (old_end, block_end);
    }
  if (new_end - new_start > MAX_CACHED)
    {
      /* What is farthest from the block goes */
      if (block_start > old_start)
        new_start = new_end - MAX_CACHED;
      else
        new_end = new_start + MAX_CACHED;
    }

  window = g_ptr_array_new_full (new_end - new_start, unref_item);
  for (guint i = new_start; i < new_end; i++)
    {
      gpointer item = NULL;

      if (i >= block_start && i < block_end)
        item = g_object_ref (g_ptr_array_index (items, i - block_start));
      else if (i >= old_start && i < old_end)
        item = g_steal_pointer (&cache->window->pdata[i - old_start]);
      g_ptr_array_add (window, item);
    }
  for (guint i = 0; i < cache->window->len; i++)
    if (cache->window->pdata[i] != NULL)
      g_ptr_array_add (dropped, g_steal_pointer (&cache->window->pdata[i]));
  g_ptr_array_unref (cache->window);
  cache->window = window;
  cache->start = new_start;
}

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

/* The items-changed of @model that came before the reply just read and
 * wait to be emitted, in order; NULL when none waits. *@readable is
 * FALSE when one of them has other arguments than (uuu). */
static GArray *
waiting_changes (GListModel *model,
                 gboolean   *readable)
{
  PpProxy *proxy = PP_PROXY (model);
  guint32 handle = pp_proxy_get_handle (proxy);
  g_autoptr(GPtrArray) bodies = pp_connection_dup_queued (pp_proxy_get_connection (proxy),
                                                          PP_WIRE_KIND_SIGNAL);
  GArray *changes = NULL;

  *readable = TRUE;
  for (guint i = 0; bodies != NULL && i < bodies->len; i++)
    {
      GVariant *body = g_ptr_array_index (bodies, i);
      /* The body begins with the object's handle, then the signal's name */
      const char *name = (const char *) g_variant_get_data (body) + sizeof (guint32);
      const char *strings[2];
      g_autoptr(GVariant) args = NULL;
      Change change;

      if (pp_wire_body_handle (body) != handle || strcmp (name, "items-changed") != 0)
        continue;
      if (changes == NULL)
        changes = g_array_new (FALSE, FALSE, sizeof (Change));
      if (!pp_wire_split_body (body, strings, 2, &args, NULL) ||
          !g_variant_is_of_type (args, G_VARIANT_TYPE ("(uuu)")))
        {
          *readable = FALSE;
          continue;
        }
      g_variant_get (args, "(uuu)", &change.position, &change.removed, &change.added);
      g_array_append_val (changes, change);
    }
  return changes;
}

/* The count of the model before @changes, from @n_items after them; FALSE
 * if they do not fit one another */
static gboolean
count_before (GArray *changes,
              guint   n_items,
              guint  *before)
{
  guint64 n = n_items;

  for (guint i = changes->len; i-- > 0; )
    {
      const Change *change = &g_array_index (changes, Change, i);

      /* After the change, its added items stand at its position */
      if (change->added > n || change->position > n - change->added)
        return FALSE;
      n = n - change->added + change->removed;
      if (n > G_MAXUINT)
        return FALSE;
    }
  *before = n;
  return TRUE;
}

/* Where the item at @position after @changes was before them; FALSE if
 * one of them added it */
static gboolean
position_before (GArray *changes,
                 guint   position,
                 guint  *before)
{
  guint64 p = position;

  for (guint i = changes->len; i-- > 0; )
    {
      const Change *change = &g_array_index (changes, Change, i);

      if (p < change->position)
        continue;
      if (p - change->position < change->added)
        return FALSE;
      p = p - change->added + change->removed;
    }
  if (p > G_MAXUINT)
    return FALSE;
  *before = p;
  return TRUE;
}

/* @items, read from @start in the state after @changes, as the cache's
 * state has them: the run of consecutive items around @position (in that
 * state) that were there before the changes, from *@run_start; NULL when
 * the item at @position is not among them */
static GPtrArray *
read_back (GArray    *changes,
           GPtrArray *items,
           guint      start,
           guint      position,
           guint      n_before,
           guint     *run_start)
{
  g_autofree guint *before = g_new (guint, MAX (items->len, 1));
  g_autofree gboolean *there = g_new0 (gboolean, MAX (items->len, 1));
  GPtrArray *run;
  guint at = G_MAXUINT, first, last;

  for (guint i = 0; i < items->len; i++)
    {
      there[i] = position_before (changes, start + i, &before[i]) && before[i] < n_before;
      if (there[i] && before[i] == position)
        at = i;
    }
  if (at == G_MAXUINT)
    return NULL;
  for (first = at; first > 0 && there[first - 1] && before[first - 1] + 1 == before[first]; )
    first--;
  for (last = at; last + 1 < items->len && there[last + 1] && before[last] + 1 == before[last + 1]; )
    last++;

  run = g_ptr_array_new_full (last - first + 1, g_object_unref);
  for (guint i = first; i <= last; i++)
    g_ptr_array_add (run, g_object_ref (g_ptr_array_index (items, i)));
  *run_start = before[first];
  return run;
}

/* The reply's items, or NULL with @error set when it does not fit the
 * request */
static GPtrArray *
read_reply (GVariant   *reply,
            GPtrArray  *objects,
            guint       position,
            guint       count,
            guint      *n_items,
            GError    **error)
{
  g_autoptr(GVariant) paths = NULL;
  g_autoptr(GPtrArray) items = NULL;
  gsize n;

  if (!g_variant_is_of_type (reply, G_VARIANT_TYPE (PP_LIST_MODEL_ITEMS_OUT)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL, _("Method “%s” gave %s, not %s"),
                   PP_LIST_MODEL_ITEMS_METHOD, g_variant_get_type_string (reply),
                   PP_LIST_MODEL_ITEMS_OUT);
      return NULL;
    }
  g_variant_get (reply, "(u@ao)", n_items, &paths);
  n = g_variant_n_children (paths);
  if (n > count || (n > 0 && (position >= *n_items || n > *n_items - position)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Method “%s” gave %u items from position %u of a model of %u, asked "
                     "for %u"), PP_LIST_MODEL_ITEMS_METHOD, (guint) MIN (n, G_MAXUINT), position,
                   *n_items, count);
      return NULL;
    }

  items = g_ptr_array_new_full (n, g_object_unref);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) path = g_variant_get_child_value (paths, i);
      GObject *item = pp_marshal_object_from_path (path, G_TYPE_OBJECT, objects, error);

      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, g_object_ref (item));
    }
  return g_steal_pointer (&items);
}

/* One round trip for the block @position is in: the item at @position
 * (a new reference, NULL past the end or on failure) and the count,
 * both as the remote model has them; kept when they are the cache's */
static GObject *
fetch (GListModel *model,
       Cache      *cache,
       guint       position,
       guint      *n_items)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func (unref_item);
  guint start = position - position % BATCH;
  guint count = BATCH;
  g_autoptr(GArray) waiting = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  guint64 changes;
  gboolean readable;
  guint n_before, kept_start;
  GObject *item = NULL;

  *n_items = 0;
  g_mutex_lock (&cache->lock);
  changes = cache->changes;
  g_mutex_unlock (&cache->lock);

  reply = pp_proxy_call_full_sync (PP_PROXY (model), PP_LIST_MODEL_ITEMS_METHOD,
                                   g_variant_new ("(uu)", start, count), NULL, NULL, -1, NULL,
                                   &objects, NULL, &error);
  if (reply == NULL && g_error_matches (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED))
    {
      /* The listener lets us hold fewer objects than a block: one */
      g_clear_error (&error);
      start = position;
      count = 1;
      reply = pp_proxy_call_full_sync (PP_PROXY (model), PP_LIST_MODEL_ITEMS_METHOD,
                                       g_variant_new ("(uu)", start, count), NULL, NULL, -1,
                                       NULL, &objects, NULL, &error);
    }
  if (reply != NULL)
    items = read_reply (reply, objects, start, count, n_items, &error);
  if (items == NULL)
    {
      g_debug ("Reading the remote list model failed: %s", error->message);
      *n_items = 0;
      return NULL;
    }
  waiting = waiting_changes (model, &readable);
  if (waiting != NULL && readable && count_before (waiting, *n_items, &n_before))
    {
      /* Read ahead of the cache: its items as the cache has them */
      kept = read_back (waiting, items, start, position, n_before, &kept_start);
      if (kept != NULL)
        {
          g_ptr_array_unref (items);
          items = g_steal_pointer (&kept);
          start = kept_start;
          *n_items = n_before;
          g_clear_pointer (&waiting, g_array_unref);
        }
    }
  if (position >= start && position - start < items->len)
    item = g_object_ref (g_ptr_array_index (items, position - start));

  g_mutex_lock (&cache->lock);
  if (waiting == NULL && cache->changes == changes)
    {
      if (cache->valid && cache->n_items != *n_items)
        {
          g_debug ("The remote list model has %u items where its items-changed say %u: "
                   "the proxy's cache starts again", *n_items, cache->n_items);
          invalidate (cache, dropped);
        }
      cache->valid = TRUE;
      cache->n_items = *n_items;
      store_block (cache, start, items, dropped);
    }
  g_mutex_unlock (&cache->lock);
  return item;
}

static guint
cached_get_n_items (GListModel *model)
{
  Cache *cache = cache_get (model);
  g_autoptr(GObject) item = NULL;
  guint n_items;

  g_mutex_lock (&cache->lock);
  n_items = cache->n_items;
  if (cache->valid)
    {
      g_mutex_unlock (&cache->lock);
      return n_items;
    }
  g_mutex_unlock (&cache->lock);

  item = fetch (model, cache, 0, &n_items);
  return n_items;
}

static gpointer
cached_get_item (GListModel *model,
                 guint       position)
{
  Cache *cache = cache_get (model);
  guint n_items;

  g_mutex_lock (&cache->lock);
  if (cache->valid)
    {
      GObject *item = NULL;

      if (position >= cache->start && position - cache->start < cache->window->len)
        item = g_ptr_array_index (cache->window, position - cache->start);
      if (item != NULL || position >= cache->n_items)
        {
          item = item ? g_object_ref (item) : NULL;
          g_mutex_unlock (&cache->lock);
          return item;
        }
    }
  g_mutex_unlock (&cache->lock);

  return fetch (model, cache, position, &n_items);
}

void
pp_mirror_list_model_changing (GObject      *instance,
                               guint         signal_id,
                               const GValue *values)
{
  static guint items_changed;
  g_autoptr(GPtrArray) dropped = NULL;
  Cache *cache;

  if (!G_IS_LIST_MODEL (instance))
    return;
  if (items_changed == 0)
    items_changed = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);
  if (signal_id != items_changed)
    return;
  cache = g_object_get_qdata (instance, cache_quark ());
  if (cache == NULL)
    return;

  dropped = g_ptr_array_new_with_free_func (unref_item);
  g_mutex_lock (&cache->lock);
  cache->changes++;
  if (cache->valid)
    apply_change (cache, g_value_get_uint (&values[1]), g_value_get_uint (&values[2]),
                  g_value_get_uint (&values[3]), dropped);
  g_mutex_unlock (&cache->lock);
}

gboolean
pp_mirror_list_model_usable (PpDescription *description)
{
  const PpDescribedMethod *method =
    pp_description_lookup_method (description, PP_LIST_MODEL_ITEMS_METHOD);
  int signal = pp_description_find_signal (description, "items-changed");

  return method != NULL && g_str_equal (method->in_signature, PP_LIST_MODEL_ITEMS_IN) &&
         g_str_equal (method->out_signature, PP_LIST_MODEL_ITEMS_OUT) && signal >= 0 &&
         g_str_equal (pp_description_get_signal (description, signal)->signature, "(uuu)");
}

/* The forwarding get_item_type() of each mirror type, called once per
 * proxy: a model's item type does not change */
static GMutex item_types_lock;
static GHashTable *item_type_forwarders;   /* mirror GType → function */

static GType
cached_get_item_type (GListModel *model)
{
  Cache *cache = cache_get (model);
  GType (*forward) (GListModel *model);
  GType type;

  g_mutex_lock (&cache->lock);
  type = cache->item_type;
  g_mutex_unlock (&cache->lock);
  if (type != 0)
    return type;

  /* The mirror type, or a type derived from it */
  g_mutex_lock (&item_types_lock);
  forward = NULL;
  for (GType t = G_OBJECT_TYPE (model); forward == NULL && t != 0; t = g_type_parent (t))
    forward = g_hash_table_lookup (item_type_forwarders, GSIZE_TO_POINTER (t));
  g_mutex_unlock (&item_types_lock);
  if (forward == NULL)
    return G_TYPE_INVALID;
  type = forward (model);
  /* Not kept when the call failed (its zero value) */
  g_mutex_lock (&cache->lock);
  if (type != G_TYPE_INVALID)
    cache->item_type = type;
  g_mutex_unlock (&cache->lock);
  return type;
}

void
pp_mirror_list_model_init (gpointer g_iface)
{
  GListModelInterface *iface = g_iface;

  g_mutex_lock (&item_types_lock);
  if (item_type_forwarders == NULL)
    item_type_forwarders = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (item_type_forwarders,
                       GSIZE_TO_POINTER (iface->g_iface.g_instance_type), iface->get_item_type);
  g_mutex_unlock (&item_types_lock);
  iface->get_item_type = cached_get_item_type;
  iface->get_n_items = cached_get_n_items;
  iface->get_item = cached_get_item;
}

gboolean
pp_mirror_list_model_peek (GListModel *model,
                           guint      *n_items,
                           guint      *start,
                           guint      *length)
{
  Cache *cache = g_object_get_qdata (G_OBJECT (model), cache_quark ());
  gboolean valid;

  if (cache == NULL)
    return FALSE;
  g_mutex_lock (&cache->lock);
  valid = cache->valid;
  *n_items = cache->n_items;
  *start = cache->start;
  *length = cache->window->len;
  g_mutex_unlock (&cache->lock);
  return valid;
}

GObject *
pp_mirror_list_model_peek_item (GListModel *model,
                                guint       position)
{
  Cache *cache = g_object_get_qdata (G_OBJECT (model), cache_quark ());
  GObject *item = NULL;

  if (cache == NULL)
    return NULL;
  g_mutex_lock (&cache->lock);
  if (cache->valid && position >= cache->start && position - cache->start < cache->window->len)
    item = g_ptr_array_index (cache->window, position - cache->start);
  if (item != NULL)
    g_object_ref (item);
  g_mutex_unlock (&cache->lock);
  return item;
}
