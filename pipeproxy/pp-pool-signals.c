/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-marshal-private.h"
#include "pp-member.h"
#include "pp-pool-signals-private.h"

/* PpPool::worker-signal, which pp-pool.c registers */
static guint
worker_signal_id (PpPool *self)
{
  static gsize id = 0;

  if (g_once_init_enter (&id))
    g_once_init_leave (&id, g_signal_lookup ("worker-signal", G_OBJECT_TYPE (self)));
  return (guint) id;
}

/* Signals whose arguments all convert to a GVariant are forwarded, an
 * object or a boxed reference as "/N" ('o') into the emission's objects; a
 * stream argument ('h') would need its descriptor. */
void
pp_pool_signals_init_worker (PpPoolWorker *w)
{
  g_autoptr(GListModel) members = pp_proxy_list_signals (w->proxy);

  w->n_signals = members ? g_list_model_get_n_items (members) : 0;
  w->signal_names = g_new0 (char *, w->n_signals);
  w->forward_ids = g_new0 (gulong, w->n_signals);
  for (guint i = 0; i < w->n_signals; i++)
    {
      g_autoptr(PpSignalMember) member = g_list_model_get_item (members, i);
      const char *name = pp_member_get_name (PP_MEMBER (member));

      if (pp_member_get_available (PP_MEMBER (member)) &&
          strchr (pp_signal_member_get_signature (member), 'h') == NULL &&
          g_signal_lookup (name, G_OBJECT_TYPE (w->proxy)) != 0)
        w->signal_names[i] = g_strdup (name);
    }
}

void
pp_pool_signals_clear_worker (PpPoolWorker *w)
{
  for (guint i = 0; i < w->n_signals; i++)
    g_free (w->signal_names[i]);
  g_clear_pointer (&w->signal_names, g_free);
  g_clear_pointer (&w->forward_ids, g_free);
  w->n_signals = 0;
}

/* A handler on a worker's proxy. It holds no reference to the worker: a
 * worker disconnects its handlers before it ends, but an emission under
 * way in another thread may still run one. */
typedef struct
{
  GClosure  closure;
  GWeakRef  pool;
  char     *name;
} Forward;

static void
forward_finalize (gpointer  data,
                  GClosure *closure)
{
  Forward *forward = (Forward *) closure;

  g_weak_ref_clear (&forward->pool);
  g_free (forward->name);
}

/* A mirrored signal of a worker's proxy (the first parameter), emitted
 * again on the pool, with the objects among its arguments (proxies of the
 * worker's objects and boxed values) where pp_pool_get_signal_objects()
 * finds them during the emission */
static void
forward_marshal (GClosure     *closure,
                 GValue       *return_value,
                 guint         n_param_values,
                 const GValue *param_values,
                 gpointer      invocation_hint,
                 gpointer      marshal_data)
{
  Forward *forward = (Forward *) closure;
  GSignalInvocationHint *hint = invocation_hint;
  g_autoptr(PpPool) self = g_weak_ref_get (&forward->pool);
  g_autoptr(PpMarshalScope) scope = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) tuple = NULL;
  g_autofree char *detailed = NULL;
  GPtrArray *outer_objects;

  if (self == NULL)
    return;

  scope = pp_marshal_scope_new ();
  args = g_ptr_array_new_full (n_param_values, (GDestroyNotify) g_variant_unref);
  for (guint i = 1; i < n_param_values; i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *arg = pp_marshal_value_to_nullable (&param_values[i], scope, &error);

      if (arg == NULL)
        {
          g_debug ("Not forwarding an emission of “%s”: %s", forward->name, error->message);
          return;
        }
      g_ptr_array_add (args, g_variant_ref_sink (arg));
    }
  tuple = g_variant_ref_sink (g_variant_new_tuple ((GVariant **) args->pdata, args->len));
  if (hint != NULL && hint->detail != 0)
    detailed = g_strconcat (forward->name, "::", g_quark_to_string (hint->detail), NULL);

  objects = pp_marshal_scope_steal_out_objects (scope);

  /* A name nobody here connected to as a detail has no quark, and no
   * handler of its own. A handler may make a worker emit again. */
  outer_objects = self->signal_objects;
  self->signal_objects = objects;
  g_signal_emit (self, worker_signal_id (self), g_quark_try_string (forward->name),
                 g_value_get_object (&param_values[0]), detailed ? detailed : forward->name,
                 tuple);
  self->signal_objects = outer_objects;
}

static gulong
connect_forward (PpPool       *self,
                 PpPoolWorker *w,
                 const char   *name)
{
  Forward *forward = (Forward *) g_closure_new_simple (sizeof (Forward), NULL);

  g_weak_ref_init (&forward->pool, self);
  forward->name = g_strdup (name);
  g_closure_add_finalize_notifier (&forward->closure, NULL, forward_finalize);
  g_closure_set_marshal (&forward->closure, forward_marshal);
  return g_signal_connect_closure (w->proxy, name, &forward->closure, FALSE);
}

void
pp_pool_signals_sync (PpPool       *self,
                      PpPoolWorker *w)
{
  guint id = worker_signal_id (self);
  gboolean any;

  if (w->ended || w->n_signals == 0)
    return;

  any = g_signal_handler_find (self, G_SIGNAL_MATCH_ID, id, 0, NULL, NULL, NULL) != 0;
  for (guint i = 0; i < w->n_signals; i++)
    {
      const char *name = w->signal_names[i];
      gboolean wanted;

      if (name == NULL)
        continue;
      wanted = any && g_signal_has_handler_pending (self, id, g_quark_try_string (name), TRUE);
      if (wanted && w->forward_ids[i] == 0)
        {
          w->forward_ids[i] = connect_forward (self, w, name);
        }
      else if (!wanted && w->forward_ids[i] != 0)
        {
          g_signal_handler_disconnect (w->proxy, w->forward_ids[i]);
          w->forward_ids[i] = 0;
        }
    }
}

void
pp_pool_signals_stop (PpPoolWorker *w)
{
  for (guint i = 0; i < w->n_signals; i++)
    if (w->forward_ids[i] != 0)
      {
        g_signal_handler_disconnect (w->proxy, w->forward_ids[i]);
        w->forward_ids[i] = 0;
      }
}

/* The watch ---------------------------------------------------------------- */

typedef struct
{
  GSource   source;
  GWeakRef  pool;
} WatchSource;

/* Before each iteration of the pool's context, ahead of the proxies'
 * sources (which subscribe in theirs), as the proxy does for its own
 * handlers */
static gboolean
watch_prepare (GSource *source,
               int     *timeout)
{
  g_autoptr(PpPool) self = g_weak_ref_get (&((WatchSource *) source)->pool);

  *timeout = -1;
  if (self == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->workers->len; i++)
    pp_pool_signals_sync (self, g_ptr_array_index (self->workers, i));
  g_mutex_unlock (&self->lock);
  return FALSE;
}

static gboolean
watch_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
watch_finalize (GSource *source)
{
  g_weak_ref_clear (&((WatchSource *) source)->pool);
}

static GSourceFuncs watch_funcs = {
  .prepare = watch_prepare,
  .dispatch = watch_dispatch,
  .finalize = watch_finalize,
};

GSource *
pp_pool_signals_watch_new (PpPool *self)
{
  WatchSource *watch = (WatchSource *) g_source_new (&watch_funcs, sizeof (WatchSource));

  g_weak_ref_init (&watch->pool, self);
  g_source_set_static_name (&watch->source, "[pipeproxy] pool signals");
  g_source_set_priority (&watch->source, G_PRIORITY_HIGH);
  return &watch->source;
}
