/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-private.h"
#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-introspection-private.h"
#include "pp-marshal-private.h"
#include "pp-memfd-private.h"
#include "pp-normal-form-private.h"
#include "pp-member-private.h"
#include "pp-mirror-private.h"
#include "pp-proxy.h"
#include "pp-stream.h"
#include "pp-subprocess-private.h"

#define DEFAULT_TIMEOUT_MSEC 25000

/**
 * PpProxy:
 *
 * The stand-in for an object that a [class@Pp.Listener] serves in another
 * process.
 *
 * Construction performs the handshake ([ctor@Pp.Proxy.new_sync],
 * [func@Pp.Proxy.new_async]). Then [method@Pp.Proxy.call_async] and
 * [method@Pp.Proxy.call_sync] call the remote object's methods by name,
 * with the arguments as a tuple #GVariant; the result is a tuple of the
 * return value (if any) followed by the out-arguments.
 *
 * Every call ends exactly once: with its result, with the error the remote
 * method raised (same domain, code and message when the domain is known in
 * this process, else %PP_ERROR_REMOTE_ERROR), with %PP_ERROR_TIMED_OUT,
 * with %G_IO_ERROR_CANCELLED, or with %PP_ERROR_DISCONNECTED when the peer
 * goes away.
 *
 * ## Threads and main contexts
 *
 * A proxy may be used from several threads at once. The callback of
 * [method@Pp.Proxy.call_async] runs in the thread-default main context of
 * the thread that made the call. [signal@Pp.Proxy::closed] is emitted in
 * the thread-default main context of the thread that created the proxy,
 * which reads the connection while it runs. [method@Pp.Proxy.call_sync]
 * needs no main loop: it waits in the calling thread and dispatches
 * nothing else meanwhile.
 *
 * Since: 1.0
 */

typedef struct
{
  GIOStream    *stream;
  PpConnection *connection;
  char         *remote_type_name;
  int           default_timeout;
  guint         max_pending_calls;
  gsize         max_message_size;
  gsize         memfd_threshold;
  gboolean      closed_emitted;

  /* What the listener described in the handshake */
  GVariant     *description;
  char         *description_hash;
  GHashTable   *method_types;       /* name → GVariantType, for local checks */

  /* Mirror: the property cache and which signals are forwarded */
  GMutex        mirror_lock;
  const PpMirrorClassData *mirror;
  GVariant    **property_cache;     /* mv, by mirror property index */
  gboolean     *notify_owed;        /* changed in the cache, notify not yet emitted */
  gboolean     *subscribed;         /* by mirror signal index */

  PpWorker     *worker;             /* the child serving the object, if any */
} PpProxyPrivate;

enum {
  PROP_0,
  PROP_STREAM,
  PROP_REMOTE_TYPE_NAME,
  PROP_DEFAULT_TIMEOUT,
  PROP_MAX_PENDING_CALLS,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MEMFD_THRESHOLD,
  N_PROPS
};

enum {
  CLOSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void pp_proxy_initable_iface_init       (GInitableIface      *iface);
static void pp_proxy_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (PpProxy, pp_proxy, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (PpProxy)
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                pp_proxy_initable_iface_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                pp_proxy_async_initable_iface_init))

static int
mirror_property_index (PpProxyPrivate *priv,
                       const char     *name)
{
  if (priv->mirror == NULL)
    return -1;
  for (guint i = 0; i < priv->mirror->n_properties; i++)
    if (g_str_equal (priv->mirror->properties[i].remote_name, name))
      return i;
  return -1;
}

/* Stores a value the listener reported. notify is emitted in the proxy's
 * main context: at once when @notify_now, else when the same change is
 * dispatched there later. */
static void
store_property (PpProxy    *self,
                const char *name,
                GVariant   *maybe,
                gboolean    notify_now)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  int index = mirror_property_index (priv, name);
  const PpMirrorProperty *prop;
  g_auto(GValue) check = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean changed;

  if (index < 0)
    return;
  prop = &priv->mirror->properties[index];

  /* Only values that convert to the property's type are kept. */
  if (!pp_marshal_value_from_maybe (maybe, prop->type, &check, &error))
    {
      g_debug ("Ignoring a value of “%s”: %s", name, error->message);
      return;
    }

  g_mutex_lock (&priv->mirror_lock);
  changed = priv->property_cache[index] == NULL ||
            !g_variant_equal (priv->property_cache[index], maybe);
  if (changed)
    {
      g_clear_pointer (&priv->property_cache[index], g_variant_unref);
      priv->property_cache[index] = g_variant_ref (maybe);
      priv->notify_owed[index] = TRUE;
    }
  changed = notify_now && priv->notify_owed[index];
  if (changed)
    priv->notify_owed[index] = FALSE;
  g_mutex_unlock (&priv->mirror_lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), prop->pspec);
}

static void
update_property (PpProxy    *self,
                 const char *name,
                 GVariant   *maybe)
{
  store_property (self, name, maybe, TRUE);
}

/* After a synchronous call returns, the property changes that came before
 * its reply are in the cache already; their notify follows in the main
 * context, like signals. */
static void
take_queued_properties (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GPtrArray) bodies = NULL;

  if (priv->mirror == NULL || priv->mirror->n_properties == 0 || priv->connection == NULL)
    return;

  bodies = pp_connection_dup_queued (priv->connection, PP_WIRE_KIND_PROPERTY);
  for (guint i = 0; bodies != NULL && i < bodies->len; i++)
    {
      g_autoptr(GVariant) maybe = NULL;
      const char *name;

      g_variant_get (g_ptr_array_index (bodies, i), "(&s@mv)", &name, &maybe);
      store_property (self, name, maybe, FALSE);
    }
}

#define FAST_SIGNAL_ARGS 7

/* Reads the arguments straight from the body when they are all numbers or
 * strings; returns FALSE, with nothing set, for any other signal */
static gboolean
values_from_serialised (const PpMirrorSignal *sig,
                        const char           *args_type,
                        const guint8         *args_data,
                        gsize                 args_size,
                        GValue               *values)
{
  gsize starts[FAST_SIGNAL_ARGS], sizes[FAST_SIGNAL_ARGS], type_lengths[FAST_SIGNAL_ARGS];
  const char *types[FAST_SIGNAL_ARGS];
  guint n;

  if (sig->n_params > FAST_SIGNAL_ARGS)
    return FALSE;
  n = pp_normal_form_tuple_members (args_type, args_data, args_size, starts, sizes, types,
                                    type_lengths, FAST_SIGNAL_ARGS);
  if (n != sig->n_params)
    return FALSE;

  for (guint i = 0; i < n; i++)
    if (!pp_marshal_value_from_serialised (sig->param_types[i], types[i], type_lengths[i],
                                           args_data + starts[i], sizes[i], &values[i + 1]))
      {
        for (guint j = 0; j < i; j++)
          g_value_unset (&values[j + 1]);
        return FALSE;
      }
  return TRUE;
}

static void
emit_mirrored_signal (PpProxy     *self,
                      GVariant    *body,
                      GUnixFDList *fds)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) args = NULL;
  const PpMirrorSignal *sig = NULL;
  GValue values_here[FAST_SIGNAL_ARGS + 1] = { G_VALUE_INIT };
  g_autofree GValue *values_allocated = NULL;
  GValue *values = values_here;
  const char *strings[2];
  const char *name, *detail;
  const char *args_type;
  const guint8 *args_data;
  gsize args_size;
  guint n_set = 1;

  /* The strings and the arguments point into @body */
  pp_wire_locate_args (body, strings, 2, &args_type, &args_data, &args_size);
  name = strings[0];
  detail = strings[1];

  for (guint i = 0; priv->mirror != NULL && i < priv->mirror->n_signals; i++)
    if (g_str_equal (priv->mirror->signals[i].name, name))
      sig = &priv->mirror->signals[i];

  if (sig == NULL)
    {
      g_debug ("Ignoring an emission of “%s”, which has no description", name);
      return;
    }

  if (sig->n_params + 1 > G_N_ELEMENTS (values_here))
    values = values_allocated = g_new0 (GValue, sig->n_params + 1);
  g_value_init (&values[0], G_OBJECT_TYPE (self));
  g_value_set_object (&values[0], self);

  /* Numbers and strings need no GVariant: signals are mostly that */
  if (values_from_serialised (sig, args_type, args_data, args_size, values))
    n_set += sig->n_params;
  else
    {
      pp_wire_split_body (body, NULL, 2, &args, NULL);
      if (g_variant_n_children (args) != sig->n_params)
        {
          g_debug ("Ignoring an emission of “%s” that does not match its description", name);
          goto out;
        }

      for (guint i = 0; i < sig->n_params; i++)
        {
          g_autoptr(GVariant) arg = g_variant_get_child_value (args, i);
          g_autoptr(GError) error = NULL;

          if (!pp_marshal_value_from_nullable (arg, sig->param_types[i], fds, &values[i + 1],
                                               &error))
            {
              g_debug ("Ignoring an emission of “%s”: %s", name, error->message);
              goto out;
            }
          n_set++;
        }
    }

  /* A detail nobody here has used cannot have handlers of its own. */
  g_signal_emitv (values, sig->signal_id, detail[0] ? g_quark_try_string (detail) : 0, NULL);

out:
  for (guint i = 0; i < n_set; i++)
    g_value_unset (&values[i]);
}

/* Subscribes to the signals that have handlers here, unsubscribes from the
 * ones that lost them: unwatched signals cost no traffic. Runs before each
 * main-loop iteration and before each call, so a handler connected just
 * before a call sees what the call emits. */
static void
sync_subscriptions (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  if (priv->mirror == NULL || priv->mirror->n_signals == 0 || priv->connection == NULL)
    return;

  g_mutex_lock (&priv->mirror_lock);
  for (guint i = 0; i < priv->mirror->n_signals; i++)
    {
      const PpMirrorSignal *sig = &priv->mirror->signals[i];
      gboolean watched = g_signal_handler_find (self, G_SIGNAL_MATCH_ID, sig->signal_id, 0,
                                                NULL, NULL, NULL) != 0;

      if (watched != priv->subscribed[i])
        {
          g_autoptr(GBytes) frame = NULL;

          priv->subscribed[i] = watched;
          frame = pp_wire_encode (watched ? PP_WIRE_KIND_SUBSCRIBE : PP_WIRE_KIND_UNSUBSCRIBE,
                                  PP_WIRE_FLAGS_NO_REPLY, 0, 0,
                                  g_variant_new ("(s)", sig->name));
          pp_connection_send (priv->connection, frame, NULL);
        }
    }
  g_mutex_unlock (&priv->mirror_lock);
}

static void
on_prepare (PpConnection *connection,
            gpointer      user_data)
{
  if (user_data != NULL)
    sync_subscriptions (user_data);
}

static void
on_message (PpConnection       *connection,
            const PpWireHeader *header,
            GVariant           *body,
            GUnixFDList        *fds,
            gpointer            user_data)
{
  g_autoptr(GError) error = NULL;

  if (user_data == NULL)
    return;

  if (header->kind == PP_WIRE_KIND_SIGNAL)
    {
      emit_mirrored_signal (user_data, body, fds);
      return;
    }
  if (header->kind == PP_WIRE_KIND_PROPERTY)
    {
      const char *name;
      g_autoptr(GVariant) maybe = NULL;

      g_variant_get (body, "(&s@mv)", &name, &maybe);
      update_property (user_data, name, maybe);
      return;
    }

  error = g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                       _("A proxy does not accept %s frames"),
                       pp_wire_kind_to_string (header->kind));
  g_debug ("Closing the connection: %s", error->message);
  pp_connection_close (connection, error);
}

static void
on_closed (PpConnection *connection,
           const GError *error,
           gpointer      user_data)
{
  PpProxy *self = user_data;
  PpProxyPrivate *priv;

  if (self == NULL)
    return;
  priv = pp_proxy_get_instance_private (self);
  if (priv->closed_emitted)
    return;
  priv->closed_emitted = TRUE;

  g_object_ref (self);
  g_signal_emit (self, signals[CLOSED], 0, error);
  g_object_unref (self);
}

static GError *
on_end_reason (PpConnection *connection,
               const GError *error,
               gpointer      user_data)
{
  PpWorker *worker = user_data ? pp_proxy_get_worker (user_data) : NULL;

  return worker ? pp_worker_end_reason (worker) : NULL;
}

static const PpConnectionCallbacks proxy_callbacks = {
  .accepted_kinds = (1u << PP_WIRE_KIND_SIGNAL) | (1u << PP_WIRE_KIND_PROPERTY),
  .message = on_message,
  .closed = on_closed,
  .prepare = on_prepare,
  .end_reason = on_end_reason,
};

static GBytes *
build_hello (guint32  serial,
             gpointer user_data)
{
  PpConnection *connection = user_data;
  GVariantBuilder options;

  /* Our clock, so the listener can read the deadlines of our calls in its
   * own, wherever it runs */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "clock-ms",
                         g_variant_new_uint32 ((guint32) (g_get_monotonic_time () / 1000)));
  g_variant_builder_add (&options, "{sv}", "unix-fds",
                         g_variant_new_boolean (pp_connection_receives_fds (connection)));
  return pp_wire_encode (PP_WIRE_KIND_HELLO, PP_WIRE_FLAGS_NONE, serial, 0,
                         g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                        (guint32) PP_WIRE_PROTOCOL_VERSION, &options));
}

static gboolean
start_connection (PpProxy  *self,
                  GError  **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  if (priv->stream == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("A proxy needs a stream"));
      return FALSE;
    }

  priv->connection = pp_connection_new (priv->stream, &proxy_callbacks, self, error);
  if (priv->connection == NULL)
    return FALSE;
  if (priv->max_message_size != 0)
    pp_connection_set_max_message_size (priv->connection, priv->max_message_size);
  pp_connection_set_max_pending_calls (priv->connection, priv->max_pending_calls);
  pp_connection_set_memfd_threshold (priv->connection, priv->memfd_threshold);
  pp_connection_start (priv->connection);
  return TRUE;
}

/* The hash covers what the description promises, not the current property
 * values, so it is stable for one interface. */
static char *
hash_description (GVariant *info)
{
  g_autoptr(GVariant) property_list = g_variant_lookup_value (info, "properties", NULL);
  GVariantDict dict;
  GVariantBuilder stripped;
  g_autoptr(GVariant) stable = NULL;
  GChecksum *checksum;
  char *hash;

  g_variant_dict_init (&dict, info);
  if (property_list != NULL)
    {
      GVariantIter iter;
      const char *name, *type_name, *signature, *reason;
      guint flags;

      g_variant_builder_init (&stripped, G_VARIANT_TYPE ("a(susss)"));
      g_variant_iter_init (&iter, property_list);
      while (g_variant_iter_next (&iter, "(&su&s&s&s@mv)", &name, &flags, &type_name,
                                  &signature, &reason, NULL))
        g_variant_builder_add (&stripped, "(susss)", name, flags, type_name, signature, reason);
      g_variant_dict_insert_value (&dict, "properties", g_variant_builder_end (&stripped));
    }
  stable = g_variant_ref_sink (g_variant_dict_end (&dict));

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, g_variant_get_data (stable), g_variant_get_size (stable));
  hash = g_strdup (g_checksum_get_string (checksum));
  g_checksum_free (checksum);
  return hash;
}

static void
take_description (PpProxy  *self,
                  GVariant *info)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) methods = NULL;

  priv->description = g_variant_ref (info);
  priv->description_hash = hash_description (info);
  priv->method_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_variant_type_free);

  methods = g_variant_lookup_value (info, "methods", G_VARIANT_TYPE ("a(sssbs)"));
  if (methods != NULL)
    {
      GVariantIter iter;
      const char *name, *in, *out, *dispatch;
      gboolean throws;

      g_variant_iter_init (&iter, methods);
      while (g_variant_iter_next (&iter, "(&s&s&sb&s)", &name, &in, &out, &throws, &dispatch))
        {
          if (!g_variant_type_string_is_valid (in))
            continue;
          g_hash_table_replace (priv->method_types, g_strdup (name), g_variant_type_new (in));
          /* An action signal answers to either spelling */
          if (g_str_equal (dispatch, "action-signal"))
            g_hash_table_replace (priv->method_types, g_strdelimit (g_strdup (name), "-", '_'),
                                  g_variant_type_new (in));
        }
    }
}

static gboolean
finish_handshake (PpProxy   *self,
                  GVariant  *welcome,
                  GError   **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) info = NULL;
  const char *magic;
  const char *type_name = NULL;
  guint32 version;

  g_variant_get (welcome, "(&su@a{sv})", &magic, &version, &info);

  if (g_strcmp0 (magic, PP_WIRE_MAGIC) != 0 || version != PP_WIRE_PROTOCOL_VERSION)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("The listener speaks protocol version %u, this proxy speaks version %u"),
                   version, PP_WIRE_PROTOCOL_VERSION);
      pp_connection_close (priv->connection, *error);
      return FALSE;
    }

  g_variant_lookup (info, "type-name", "&s", &type_name);
  priv->remote_type_name = g_strdup (type_name ? type_name : "");
  {
    gboolean unix_fds = FALSE;

    g_variant_lookup (info, "unix-fds", "b", &unix_fds);
    pp_connection_set_peer_receives_fds (priv->connection, unix_fds);
  }
  take_description (self, info);
  return TRUE;
}

static gboolean
pp_proxy_initable_init (GInitable     *initable,
                        GCancellable  *cancellable,
                        GError       **error)
{
  PpProxy *self = PP_PROXY (initable);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_auto(PpReply) welcome = { NULL, };

  if (priv->remote_type_name != NULL)
    return TRUE;

  if (priv->connection == NULL && !start_connection (self, error))
    return FALSE;

  if (!pp_connection_call_sync (priv->connection, PP_WIRE_KIND_WELCOME, build_hello,
                                priv->connection, NULL, priv->default_timeout,
                                cancellable, &welcome, error))
    return FALSE;

  return finish_handshake (self, welcome.value, error);
}

static void
pp_proxy_initable_iface_init (GInitableIface *iface)
{
  iface->init = pp_proxy_initable_init;
}

static void
hello_cb (GObject      *source_object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PpProxy *self = g_task_get_source_object (task);
  g_auto(PpReply) welcome = { NULL, };
  GError *error = NULL;

  if (!pp_connection_call_finish (result, &welcome, &error) ||
      !finish_handshake (self, welcome.value, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
pp_proxy_init_async (GAsyncInitable      *initable,
                     int                  io_priority,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  PpProxy *self = PP_PROXY (initable);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pp_proxy_init_async);

  if (priv->remote_type_name != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (priv->connection == NULL && !start_connection (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  pp_connection_call_async (priv->connection, PP_WIRE_KIND_WELCOME, build_hello,
                            priv->connection, NULL, priv->default_timeout, cancellable,
                            self, build_hello, hello_cb, g_steal_pointer (&task));
}

static gboolean
pp_proxy_init_finish (GAsyncInitable  *initable,
                      GAsyncResult    *result,
                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
pp_proxy_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = pp_proxy_init_async;
  iface->init_finish = pp_proxy_init_finish;
}

static void
pp_proxy_dispose (GObject *object)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  if (priv->connection != NULL)
    {
      priv->closed_emitted = TRUE;
      pp_connection_detach (priv->connection);
      g_clear_pointer (&priv->connection, pp_connection_unref);
    }
  g_clear_object (&priv->stream);

  G_OBJECT_CLASS (pp_proxy_parent_class)->dispose (object);
}

static void
pp_proxy_finalize (GObject *object)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_free (priv->remote_type_name);
  g_clear_pointer (&priv->description, g_variant_unref);
  g_free (priv->description_hash);
  g_clear_pointer (&priv->method_types, g_hash_table_unref);
  if (priv->property_cache != NULL)
    for (guint i = 0; i < priv->mirror->n_properties; i++)
      g_clear_pointer (&priv->property_cache[i], g_variant_unref);
  g_free (priv->property_cache);
  g_free (priv->notify_owed);
  g_free (priv->subscribed);
  g_clear_pointer (&priv->worker, pp_worker_unref);
  g_mutex_clear (&priv->mirror_lock);

  G_OBJECT_CLASS (pp_proxy_parent_class)->finalize (object);
}

static void
pp_proxy_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STREAM:
      g_value_set_object (value, priv->stream);
      break;
    case PROP_REMOTE_TYPE_NAME:
      g_value_set_string (value, priv->remote_type_name);
      break;
    case PROP_DEFAULT_TIMEOUT:
      g_value_set_int (value, priv->default_timeout);
      break;
    case PROP_MAX_PENDING_CALLS:
      g_value_set_uint (value, priv->max_pending_calls);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, priv->max_message_size);
      break;
    case PROP_MEMFD_THRESHOLD:
      g_value_set_uint64 (value, pp_proxy_get_memfd_threshold (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_proxy_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  PpProxy *self = PP_PROXY (object);
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_STREAM:
      priv->stream = g_value_dup_object (value);
      break;
    case PROP_DEFAULT_TIMEOUT:
      pp_proxy_set_default_timeout (self, g_value_get_int (value));
      break;
    case PROP_MAX_PENDING_CALLS:
      pp_proxy_set_max_pending_calls (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      priv->max_message_size = g_value_get_uint64 (value);
      break;
    case PROP_MEMFD_THRESHOLD:
      pp_proxy_set_memfd_threshold (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pp_proxy_class_init (PpProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  pp_i18n_init ();

  /* Remote errors keep their domain only if it is registered here. */
  g_type_ensure (G_TYPE_IO_STREAM);
  pp_error_quark ();
  g_io_error_quark ();

  object_class->dispose = pp_proxy_dispose;
  object_class->finalize = pp_proxy_finalize;
  object_class->get_property = pp_proxy_get_property;
  object_class->set_property = pp_proxy_set_property;

  /**
   * PpProxy:stream:
   *
   * The stream to the listener.
   *
   * Since: 1.0
   */
  properties[PROP_STREAM] =
    g_param_spec_object ("stream", NULL, NULL, G_TYPE_IO_STREAM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:remote-type-name:
   *
   * The type name of the remote object, as the listener reported it.
   *
   * Since: 1.0
   */
  properties[PROP_REMOTE_TYPE_NAME] =
    g_param_spec_string ("remote-type-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:default-timeout:
   *
   * The time-out in milliseconds of calls made with a time-out of -1, and
   * of the handshake. %G_MAXINT means none. The default is 25 seconds.
   *
   * Since: 1.0
   */
  properties[PROP_DEFAULT_TIMEOUT] =
    g_param_spec_int ("default-timeout", NULL, NULL, 0, G_MAXINT, DEFAULT_TIMEOUT_MSEC,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:max-pending-calls:
   *
   * How many calls may wait for a reply at once; one more fails at once
   * with %PP_ERROR_LIMIT_EXCEEDED. The default is 16384.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_PENDING_CALLS] =
    g_param_spec_uint ("max-pending-calls", NULL, NULL, 1, G_MAXUINT,
                       PP_DEFAULT_MAX_PENDING_CALLS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:max-message-size:
   *
   * The largest frame body, in bytes, accepted from the listener; a bigger
   * one closes the connection with %PP_ERROR_LIMIT_EXCEEDED before memory
   * is allocated for it. 0 means the default, 128 MiB.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 0, G_MAXUINT32, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PpProxy:memfd-threshold:
   *
 * Frame bodies of at least this many bytes are sent in a memfd sealed
 * against changes instead of through the socket, when the connection is a
 * unix socket and the peer takes file descriptors; 0 turns this off. The
 * default, 64 MiB, is where the memfd was measured to cost about as much
 * as the socket on virtual machines, where each fresh page of a memfd
 * costs a page fault; there it keeps a big message from queueing in the
 * socket ahead of every later one.
   *
   * Since: 1.0
   */
  properties[PROP_MEMFD_THRESHOLD] =
    g_param_spec_uint64 ("memfd-threshold", NULL, NULL, 0, G_MAXUINT32, PP_MEMFD_DEFAULT_THRESHOLD,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PpProxy::closed:
   * @self: the proxy
   * @error: (nullable): why: %PP_ERROR_DISCONNECTED when the peer went
   *   away or the proxy was closed, %PP_ERROR_PROTOCOL when the peer sent
   *   something invalid
   *
   * Emitted once, in the main context the proxy was created in, when the
   * connection ends. By then every pending call has failed.
   *
   * Since: 1.0
   */
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pp_proxy_init (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  priv->default_timeout = DEFAULT_TIMEOUT_MSEC;
  priv->max_pending_calls = PP_DEFAULT_MAX_PENDING_CALLS;
  priv->memfd_threshold = PP_MEMFD_DEFAULT_THRESHOLD;
  g_mutex_init (&priv->mirror_lock);
}

/* Moves a handshaken proxy into an instance of the mirror type of what it
 * described. Runs in the proxy's main context, so no message is dispatched
 * in between. */
static PpProxy *
become_mirror (PpProxy *probe)
{
  PpProxyPrivate *from = pp_proxy_get_instance_private (probe);
  PpProxyPrivate *to;
  g_autoptr(GVariant) property_list = NULL;
  PpProxy *self;
  GType type;

  type = pp_mirror_type_for (from->remote_type_name, from->description, from->description_hash);
  self = g_object_new (type,
                       "stream", from->stream,
                       "default-timeout", from->default_timeout,
                       "max-pending-calls", from->max_pending_calls,
                       "max-message-size", (guint64) from->max_message_size,
                       "memfd-threshold", (guint64) from->memfd_threshold,
                       NULL);
  to = pp_proxy_get_instance_private (self);

  to->connection = g_steal_pointer (&from->connection);
  to->remote_type_name = g_strdup (from->remote_type_name);
  to->description = g_variant_ref (from->description);
  to->description_hash = g_strdup (from->description_hash);
  to->method_types = g_hash_table_ref (from->method_types);
  to->mirror = pp_mirror_get_class_data (type);
  to->property_cache = g_new0 (GVariant *, MAX (to->mirror->n_properties, 1));
  to->notify_owed = g_new0 (gboolean, MAX (to->mirror->n_properties, 1));
  to->subscribed = g_new0 (gboolean, MAX (to->mirror->n_signals, 1));

  property_list = g_variant_lookup_value (to->description, "properties", NULL);
  if (property_list != NULL)
    {
      GVariantIter iter;
      const char *name;
      GVariant *value;

      g_variant_iter_init (&iter, property_list);
      while (g_variant_iter_next (&iter, "(&su&s&s&s@mv)", &name, NULL, NULL, NULL, NULL, &value))
        {
          int index = mirror_property_index (to, name);

          if (index >= 0)
            to->property_cache[index] = value;
          else
            g_variant_unref (value);
        }
    }

  pp_connection_set_callbacks (to->connection, &proxy_callbacks, self);
  return self;
}

/**
 * pp_proxy_new_sync:
 * @stream: the stream to a [class@Pp.Listener]
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Makes a proxy and performs the handshake, waiting in the calling thread.
 *
 * Returns: (transfer full): a new proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_sync (GIOStream     *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(PpProxy) probe = NULL;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  probe = g_initable_new (PP_TYPE_PROXY, cancellable, error, "stream", stream, NULL);
  if (probe == NULL)
    return NULL;
  return become_mirror (probe);
}

/**
 * pp_proxy_new_for_fd_sync:
 * @fd: a connected socket, e.g. inherited from the parent process; the
 *   proxy owns it from then on, also when this fails
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [ctor@Pp.Proxy.new_sync] for a socket descriptor.
 *
 * Returns: (transfer full): a new proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_for_fd_sync (int            fd,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GIOStream) stream = NULL;

  g_return_val_if_fail (fd >= 0, NULL);

  stream = pp_stream_new_for_fd (fd, error);
  if (stream == NULL)
    return NULL;
  return pp_proxy_new_sync (stream, cancellable, error);
}

/**
 * pp_proxy_new_async:
 * @stream: the stream to a [class@Pp.Listener]
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the proxy is ready
 * @user_data: data for @callback
 *
 * Makes a proxy and performs the handshake without blocking. @callback runs
 * in the thread-default main context; finish with
 * [ctor@Pp.Proxy.new_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_new_async (GIOStream           *stream,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_async_initable_new_async (PP_TYPE_PROXY, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, "stream", stream, NULL);
}

/**
 * pp_proxy_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [func@Pp.Proxy.new_async].
 *
 * Returns: (transfer full): a new proxy, or %NULL with @error set
 *
 * Since: 1.0
 */
PpProxy *
pp_proxy_new_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_autoptr(GObject) source = NULL;
  g_autoptr(PpProxy) probe = NULL;
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  source = g_async_result_get_source_object (result);
  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  if (object == NULL)
    return NULL;
  probe = PP_PROXY (object);
  return become_mirror (probe);
}

typedef struct
{
  const char *method;
  GVariant   *parameters;
  guint32     timeout_msec;
} CallRequest;

static GBytes *
build_call (guint32  serial,
            gpointer user_data)
{
  CallRequest *request = user_data;

  return pp_wire_encode_call (serial, request->timeout_msec, PP_WIRE_FLAGS_NONE,
                              request->method, request->parameters);
}

/* A described method's arguments are checked here, so a wrong call fails at
 * once without a round trip. Methods not described (answered by a hook on
 * the other side) go as they are. */
static gboolean
check_arguments (PpProxy     *self,
                 const char  *method,
                 GVariant    *parameters,
                 GError     **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  const GVariantType *expected;

  if (priv->method_types == NULL)
    return TRUE;
  expected = g_hash_table_lookup (priv->method_types, method);
  if (expected == NULL)
    return TRUE;
  return pp_introspection_check_args (method, expected, parameters, error);
}

/* What travels with a call: when its caller gives up, in our monotonic
 * clock's milliseconds (low 32 bits; the HELLO told the listener how to
 * read it), 0 for never. */
static guint32
call_deadline (int timeout_msec)
{
  guint32 deadline;

  if (timeout_msec == G_MAXINT)
    return 0;
  deadline = (guint32) (g_get_monotonic_time () / 1000 + timeout_msec);
  return deadline != 0 ? deadline : 1;
}

static int
resolve_timeout (PpProxy *self,
                 int      timeout_msec)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  return timeout_msec < 0 ? priv->default_timeout : timeout_msec;
}

static void
call_internal_async (PpProxy             *self,
                     const char          *method,
                     GVariant            *parameters,
                     GUnixFDList         *fd_list,
                     int                  timeout_msec,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data,
                     gpointer             source_tag)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) owned = NULL;
  GError *error = NULL;
  CallRequest request;
  int timeout;

  owned = parameters ? g_variant_ref_sink (parameters) : g_variant_ref_sink (g_variant_new ("()"));

  if (priv->connection == NULL)
    {
      g_task_report_new_error (self, callback, user_data, source_tag,
                               PP_ERROR, PP_ERROR_DISCONNECTED,
                               _("The proxy is not connected"));
      return;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) ||
      !check_arguments (self, method, owned, &error))
    {
      g_task_report_error (self, callback, user_data, source_tag, error);
      return;
    }
  sync_subscriptions (self);

  timeout = resolve_timeout (self, timeout_msec);
  request.method = method;
  request.parameters = owned;
  request.timeout_msec = call_deadline (timeout);
  pp_connection_call_async (priv->connection, PP_WIRE_KIND_RETURN, build_call, &request,
                            fd_list, timeout, cancellable, self, source_tag,
                            callback, user_data);
}

static GVariant *
call_internal_sync (PpProxy       *self,
                    const char    *method,
                    GVariant      *parameters,
                    GUnixFDList   *fd_list,
                    int            timeout_msec,
                    GUnixFDList  **out_fd_list,
                    GCancellable  *cancellable,
                    GError       **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) owned = NULL;
  g_auto(PpReply) reply = { NULL, };
  CallRequest request;
  gboolean ok;
  int timeout;

  owned = parameters ? g_variant_ref_sink (parameters) : g_variant_ref_sink (g_variant_new ("()"));

  if (priv->connection == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The proxy is not connected"));
      return NULL;
    }

  if (!check_arguments (self, method, owned, error))
    return NULL;
  sync_subscriptions (self);

  timeout = resolve_timeout (self, timeout_msec);
  request.method = method;
  request.parameters = owned;
  request.timeout_msec = call_deadline (timeout);
  ok = pp_connection_call_sync (priv->connection, PP_WIRE_KIND_RETURN, build_call, &request,
                                fd_list, timeout, cancellable, &reply, error);
  take_queued_properties (self);
  if (!ok)
    return NULL;
  if (out_fd_list != NULL)
    *out_fd_list = g_steal_pointer (&reply.fds);
  return g_steal_pointer (&reply.value);
}

/**
 * pp_proxy_call_async:
 * @self: a #PpProxy
 * @method: the name of the remote method, e.g. `get_n_items`
 * @parameters: (nullable): the arguments, a tuple; a floating reference is
 *   consumed. %NULL means no arguments.
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the call ends
 * @user_data: data for @callback
 *
 * Calls a method of the remote object. Many calls may be in flight at once;
 * each ends exactly once. @callback runs in the thread-default main context
 * of the calling thread; finish with [method@Pp.Proxy.call_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_call_async (PpProxy             *self,
                     const char          *method,
                     GVariant            *parameters,
                     int                  timeout_msec,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (method != NULL && g_utf8_validate (method, -1, NULL));
  g_return_if_fail (parameters == NULL || g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_internal_async (self, method, parameters, NULL, timeout_msec, cancellable,
                       callback, user_data, pp_proxy_call_async);
}

/**
 * pp_proxy_call_finish:
 * @self: a #PpProxy
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Proxy.call_async]. File descriptors that came with
 * the reply are closed; use [method@Pp.Proxy.call_with_unix_fd_list] to
 * receive them.
 *
 * Returns: (transfer full): the result, a tuple of the return value (if
 *   the method has one) and the out-arguments, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_finish (PpProxy       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_auto(PpReply) reply = { NULL, };

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pp_proxy_call_async, NULL);

  if (!pp_connection_call_finish (result, &reply, error))
    return NULL;
  return g_steal_pointer (&reply.value);
}

/**
 * pp_proxy_call_sync:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple; a floating reference is
 *   consumed. %NULL means no arguments.
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Calls a method of the remote object and waits for the result in the
 * calling thread. No main loop needs to run, and none of the caller's other
 * sources are dispatched meanwhile. Safe to call from several threads at
 * once.
 *
 * Returns: (transfer full): the result, a tuple of the return value (if
 *   the method has one) and the out-arguments, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_sync (PpProxy       *self,
                    const char    *method,
                    GVariant      *parameters,
                    int            timeout_msec,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  g_return_val_if_fail (method != NULL && g_utf8_validate (method, -1, NULL), NULL);
  g_return_val_if_fail (parameters == NULL ||
                        g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return call_internal_sync (self, method, parameters, NULL, timeout_msec, NULL,
                             cancellable, error);
}

/**
 * pp_proxy_call_with_unix_fd_list:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the call ends
 * @user_data: data for @callback
 *
 * Like [method@Pp.Proxy.call_async], with file descriptors passed both
 * ways. They can only pass over a unix socket (not over a pair of pipes);
 * elsewhere the call fails with %PP_ERROR_UNSUPPORTED_TYPE. The descriptors
 * in @fd_list are duplicated by the kernel as the call is sent: the caller
 * keeps its own. Finish with
 * [method@Pp.Proxy.call_with_unix_fd_list_finish].
 *
 * Since: 1.0
 */
void
pp_proxy_call_with_unix_fd_list (PpProxy             *self,
                                 const char          *method,
                                 GVariant            *parameters,
                                 GUnixFDList         *fd_list,
                                 int                  timeout_msec,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (method != NULL && g_utf8_validate (method, -1, NULL));
  g_return_if_fail (parameters == NULL || g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_internal_async (self, method, parameters, fd_list, timeout_msec, cancellable,
                       callback, user_data, pp_proxy_call_with_unix_fd_list);
}

/**
 * pp_proxy_call_with_unix_fd_list_finish:
 * @self: a #PpProxy
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Proxy.call_with_unix_fd_list].
 *
 * Returns: (transfer full): the result, a tuple whose handle (`h`) values
 *   index @out_fd_list, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_with_unix_fd_list_finish (PpProxy       *self,
                                        GUnixFDList  **out_fd_list,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_auto(PpReply) reply = { NULL, };

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        pp_proxy_call_with_unix_fd_list, NULL);

  if (!pp_connection_call_finish (result, &reply, error))
    {
      if (out_fd_list != NULL)
        *out_fd_list = NULL;
      return NULL;
    }
  if (out_fd_list != NULL)
    *out_fd_list = g_steal_pointer (&reply.fds);
  return g_steal_pointer (&reply.value);
}

/**
 * pp_proxy_call_with_unix_fd_list_sync:
 * @self: a #PpProxy
 * @method: the name of the remote method
 * @parameters: (nullable): the arguments, a tuple whose handle (`h`)
 *   values index @fd_list; a floating reference is consumed
 * @fd_list: (nullable): the file descriptors that go with the call
 * @timeout_msec: the time-out in milliseconds, -1 for the proxy's
 *   [property@Pp.Proxy:default-timeout], %G_MAXINT for none
 * @out_fd_list: (out) (optional) (nullable) (transfer full): where to put
 *   the file descriptors that came with the reply, %NULL if none did
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Like [method@Pp.Proxy.call_sync], with file descriptors passed both
 * ways; see [method@Pp.Proxy.call_with_unix_fd_list].
 *
 * Returns: (transfer full): the result, a tuple whose handle (`h`) values
 *   index @out_fd_list, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_call_with_unix_fd_list_sync (PpProxy       *self,
                                      const char    *method,
                                      GVariant      *parameters,
                                      GUnixFDList   *fd_list,
                                      int            timeout_msec,
                                      GUnixFDList  **out_fd_list,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  g_return_val_if_fail (method != NULL && g_utf8_validate (method, -1, NULL), NULL);
  g_return_val_if_fail (parameters == NULL ||
                        g_variant_is_of_type (parameters, G_VARIANT_TYPE_TUPLE), NULL);
  g_return_val_if_fail (fd_list == NULL || G_IS_UNIX_FD_LIST (fd_list), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_fd_list != NULL)
    *out_fd_list = NULL;
  return call_internal_sync (self, method, parameters, fd_list, timeout_msec, out_fd_list,
                             cancellable, error);
}

/**
 * pp_proxy_get_memfd_threshold:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:memfd-threshold].
 *
 * Returns: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Since: 1.0
 */
gsize
pp_proxy_get_memfd_threshold (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), 0);

  return priv->memfd_threshold;
}

/**
 * pp_proxy_set_memfd_threshold:
 * @self: a #PpProxy
 * @threshold: the size from which frame bodies go in a sealed memfd, 0 for
 *   never
 *
 * Sets [property@Pp.Proxy:memfd-threshold].
 *
 * Since: 1.0
 */
void
pp_proxy_set_memfd_threshold (PpProxy *self,
                              gsize    threshold)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));

  if (priv->memfd_threshold == threshold)
    return;
  priv->memfd_threshold = threshold;
  if (priv->connection != NULL)
    pp_connection_set_memfd_threshold (priv->connection, threshold);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMFD_THRESHOLD]);
}

/**
 * pp_proxy_get_remote_type_name:
 * @self: a #PpProxy
 *
 * Gets the type name of the remote object.
 *
 * Returns: (nullable): the type name of the remote object, e.g.
 *   `GSimpleAction`, or %NULL before the handshake
 *
 * Since: 1.0
 */
const char *
pp_proxy_get_remote_type_name (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return priv->remote_type_name;
}

/**
 * pp_proxy_get_stream:
 * @self: a #PpProxy
 *
 * Gets the stream to the listener.
 *
 * Returns: (transfer none): the stream to the listener
 *
 * Since: 1.0
 */
GIOStream *
pp_proxy_get_stream (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return priv->stream;
}

/**
 * pp_proxy_get_default_timeout:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:default-timeout].
 *
 * Returns: the value of [property@Pp.Proxy:default-timeout]
 *
 * Since: 1.0
 */
int
pp_proxy_get_default_timeout (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), -1);
  return priv->default_timeout;
}

/**
 * pp_proxy_set_default_timeout:
 * @self: a #PpProxy
 * @timeout_msec: milliseconds, or %G_MAXINT for none
 *
 * Sets [property@Pp.Proxy:default-timeout].
 *
 * Since: 1.0
 */
void
pp_proxy_set_default_timeout (PpProxy *self,
                              int      timeout_msec)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (timeout_msec >= 0);

  if (priv->default_timeout == timeout_msec)
    return;
  priv->default_timeout = timeout_msec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEFAULT_TIMEOUT]);
}

/**
 * pp_proxy_get_max_pending_calls:
 * @self: a #PpProxy
 *
 * Gets [property@Pp.Proxy:max-pending-calls].
 *
 * Returns: the value of [property@Pp.Proxy:max-pending-calls]
 *
 * Since: 1.0
 */
guint
pp_proxy_get_max_pending_calls (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), 0);
  return priv->max_pending_calls;
}

/**
 * pp_proxy_set_max_pending_calls:
 * @self: a #PpProxy
 * @max_pending_calls: how many calls may wait for a reply at once
 *
 * Sets [property@Pp.Proxy:max-pending-calls].
 *
 * Since: 1.0
 */
void
pp_proxy_set_max_pending_calls (PpProxy *self,
                                guint    max_pending_calls)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (max_pending_calls > 0);

  if (priv->max_pending_calls == max_pending_calls)
    return;
  priv->max_pending_calls = max_pending_calls;
  if (priv->connection != NULL)
    pp_connection_set_max_pending_calls (priv->connection, max_pending_calls);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PENDING_CALLS]);
}

/**
 * pp_proxy_is_closed:
 * @self: a #PpProxy
 *
 * Tells whether the connection has ended.
 *
 * Returns: %TRUE once the connection has ended; calls then fail at once
 *   with %PP_ERROR_DISCONNECTED
 *
 * Since: 1.0
 */
gboolean
pp_proxy_is_closed (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), TRUE);
  return priv->connection == NULL || pp_connection_is_closed (priv->connection);
}

/**
 * pp_proxy_close:
 * @self: a #PpProxy
 *
 * Ends the connection. Pending calls fail with %PP_ERROR_DISCONNECTED and
 * [signal@Pp.Proxy::closed] is emitted in the proxy's main context. The
 * listener sees the connection end.
 *
 * Since: 1.0
 */
void
pp_proxy_close (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_if_fail (PP_IS_PROXY (self));

  if (priv->connection != NULL)
    pp_connection_close (priv->connection, NULL);
}

/* Mirrored properties ------------------------------------------------------ */

void
pp_proxy_mirror_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (PP_PROXY (object));
  const PpMirrorClassData *mirror = pp_mirror_get_class_data (G_OBJECT_TYPE (object));
  g_autoptr(GVariant) cached = NULL;
  g_auto(GValue) converted = G_VALUE_INIT;

  if (mirror == NULL || prop_id == 0 || prop_id > mirror->n_properties ||
      priv->property_cache == NULL)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  /* Local: the listener keeps the cache exact. */
  g_mutex_lock (&priv->mirror_lock);
  if (priv->property_cache[prop_id - 1] != NULL)
    cached = g_variant_ref (priv->property_cache[prop_id - 1]);
  g_mutex_unlock (&priv->mirror_lock);

  if (cached != NULL &&
      pp_marshal_value_from_maybe (cached, mirror->properties[prop_id - 1].type, &converted, NULL))
    g_value_copy (&converted, value);
}

static GBytes *
build_set_property (guint32  serial,
                    gpointer user_data)
{
  GVariant *request = user_data;

  return pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, PP_WIRE_FLAGS_NONE, serial, 0, request);
}

/* The SET_PROPERTY request: the name and the value, nothing for NULL */
static GVariant *
property_request (const char *name,
                  GVariant   *value)
{
  return g_variant_ref_sink (g_variant_new ("(s@mv)", name,
                                            g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                                 value ? g_variant_new_variant (value)
                                                                       : NULL)));
}

/* The listener answers a write with the value the object then holds */
static void
take_property_reply (PpProxy    *self,
                     const char *name,
                     GVariant   *reply)
{
  if (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(mv)")))
    {
      g_autoptr(GVariant) maybe = g_variant_get_child_value (reply, 0);
      update_property (self, name, maybe);
    }
}

static void
set_property_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  g_auto(PpReply) reply = { NULL, };
  GError *error = NULL;
  const char *name = g_task_get_task_data (outer);

  if (!pp_connection_call_finish (result, &reply, &error))
    {
      g_task_return_error (outer, error);
      return;
    }

  take_property_reply (PP_PROXY (source), name, reply.value);
  g_task_return_boolean (outer, TRUE);
}

static gboolean
check_property_write (PpProxy     *self,
                      const char  *name,
                      GVariant    *value,
                      GError     **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  int index = mirror_property_index (priv, name);
  const PpMirrorProperty *prop;

  if (index < 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The remote %s has no property “%s” that can be used from here"),
                   priv->remote_type_name ? priv->remote_type_name : "object", name);
      return FALSE;
    }
  prop = &priv->mirror->properties[index];

  if (!(prop->pspec->flags & G_PARAM_WRITABLE))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Property “%s” of the remote %s is read-only"), name,
                   priv->remote_type_name);
      return FALSE;
    }

  if (value != NULL && !g_str_equal (g_variant_get_type_string (value), prop->signature))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Property “%s” expects %s, got %s"), name, prop->signature,
                   g_variant_get_type_string (value));
      return FALSE;
    }

  return TRUE;
}

/**
 * pp_proxy_set_property_async:
 * @self: a #PpProxy
 * @name: the name of a property of the remote object
 * @value: (nullable): the new value, of the property's GVariant type (see
 *   [method@Pp.Proxy.list_properties]); a floating reference is consumed.
 *   %NULL sets a string, boxed or variant property to %NULL.
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the remote object has the value
 * @user_data: data for @callback
 *
 * Sets a property of the remote object. When the call ends, the proxy's
 * cached value (and so `notify`) already follows what the remote object
 * really holds. Read-only and construct-only properties fail with
 * %PP_ERROR_ACCESS_DENIED, a value of the wrong type with
 * %PP_ERROR_INVALID_ARGUMENTS, both without a round trip.
 *
 * Since: 1.0
 */
void
pp_proxy_set_property_async (PpProxy             *self,
                             const char          *name,
                             GVariant            *value,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (name != NULL);

  owned = value ? g_variant_ref_sink (value) : NULL;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pp_proxy_set_property_async);
  g_task_set_task_data (task, g_strdup (name), g_free);

  if (priv->connection == NULL)
    {
      g_task_return_new_error (task, PP_ERROR, PP_ERROR_DISCONNECTED,
                               _("The proxy is not connected"));
      return;
    }
  if (!check_property_write (self, name, owned, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  request = property_request (name, owned);
  pp_connection_call_async (priv->connection, PP_WIRE_KIND_RETURN, build_set_property, request,
                            NULL, priv->default_timeout, cancellable, self, set_property_done,
                            set_property_done, g_steal_pointer (&task));
}

/**
 * pp_proxy_set_property_finish:
 * @self: a #PpProxy
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Pp.Proxy.set_property_async].
 *
 * Returns: %TRUE if the remote object took the value
 *
 * Since: 1.0
 */
gboolean
pp_proxy_set_property_finish (PpProxy       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (PP_IS_PROXY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pp_proxy_set_property_sync:
 * @self: a #PpProxy
 * @name: the name of a property of the remote object
 * @value: (nullable): the new value; a floating reference is consumed
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Sets a property of the remote object and waits, like
 * [method@Pp.Proxy.call_sync]. On return the proxy's cached value follows
 * the remote object's.
 *
 * Returns: %TRUE if the remote object took the value
 *
 * Since: 1.0
 */
gboolean
pp_proxy_set_property_sync (PpProxy       *self,
                            const char    *name,
                            GVariant      *value,
                            GCancellable  *cancellable,
                            GError       **error)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) request = NULL;
  g_auto(PpReply) reply = { NULL, };

  g_return_val_if_fail (PP_IS_PROXY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  owned = value ? g_variant_ref_sink (value) : NULL;
  if (priv->connection == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The proxy is not connected"));
      return FALSE;
    }
  if (!check_property_write (self, name, owned, error))
    return FALSE;

  request = property_request (name, owned);
  if (!pp_connection_call_sync (priv->connection, PP_WIRE_KIND_RETURN, build_set_property,
                                request, NULL, priv->default_timeout, cancellable, &reply, error))
    return FALSE;

  take_property_reply (self, name, reply.value);
  return TRUE;
}

static void
plain_set_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!pp_proxy_set_property_finish (PP_PROXY (source), result, &error) &&
      !g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED))
    g_warning ("Could not set a property of the remote object: %s", error->message);
}

/* g_object_set() on a mirror: the write goes to the remote object; the
 * value and notify follow when it answers. A failure is logged. */
void
pp_proxy_mirror_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  const PpMirrorClassData *mirror = pp_mirror_get_class_data (G_OBJECT_TYPE (object));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) maybe = NULL;
  g_autoptr(GVariant) inner = NULL;

  if (mirror == NULL || prop_id == 0 || prop_id > mirror->n_properties)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  maybe = pp_marshal_value_to_maybe (value, &error);
  if (maybe == NULL)
    {
      g_warning ("Could not send property “%s”: %s", pspec->name, error->message);
      return;
    }
  g_variant_ref_sink (maybe);
  inner = g_variant_get_maybe (maybe);
  if (inner != NULL)
    {
      g_autoptr(GVariant) unboxed = g_variant_get_variant (inner);

      pp_proxy_set_property_async (PP_PROXY (object), mirror->properties[prop_id - 1].remote_name,
                                   unboxed, NULL, plain_set_done, NULL);
    }
  else
    pp_proxy_set_property_async (PP_PROXY (object), mirror->properties[prop_id - 1].remote_name,
                                 NULL, NULL, plain_set_done, NULL);
}

/* Self-description ------------------------------------------------------ */

/**
 * pp_proxy_get_description:
 * @self: a #PpProxy
 *
 * The listener's description of the remote object, as it came in the
 * handshake: a `a{sv}` dictionary with `type-name` (s), `type-chain` (as),
 * `interfaces` (as), `methods` (`a(sssbs)`: name, in-signature,
 * out-signature, throws, dispatch), `signals` (`a(suasss)`: name, flags,
 * argument type names, argument signature, why it is not mirrored) and
 * `properties` (`a(susssmv)`: name, flags, type name, signature, why it is
 * not mirrored, value at the handshake).
 *
 * Returns: (transfer none) (nullable): the description, or %NULL before the
 *   handshake
 *
 * Since: 1.0
 */
GVariant *
pp_proxy_get_description (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return priv->description;
}

/**
 * pp_proxy_get_description_hash:
 * @self: a #PpProxy
 *
 * A SHA-256 of the description without the property values: equal for two
 * listeners that offer the same interface, so a program can check that it
 * talks to the interface it was written for.
 *
 * Returns: (nullable): the hash in hexadecimal, or %NULL before the
 *   handshake
 *
 * Since: 1.0
 */
const char *
pp_proxy_get_description_hash (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return priv->description_hash;
}

static GListModel *
list_members (PpProxy      *self,
              PpMemberKind  kind)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  GListStore *store = g_list_store_new (PP_TYPE_MEMBER);
  g_autoptr(GVariant) list = NULL;
  GVariantIter iter;

  if (priv->description == NULL)
    return G_LIST_MODEL (store);

  if (kind == PP_MEMBER_METHOD &&
      (list = g_variant_lookup_value (priv->description, "methods", G_VARIANT_TYPE ("a(sssbs)"))))
    {
      const char *name, *in, *out, *dispatch;
      gboolean throws;

      g_variant_iter_init (&iter, list);
      while (g_variant_iter_next (&iter, "(&s&s&sb&s)", &name, &in, &out, &throws, &dispatch))
        {
          g_autoptr(PpMember) member = pp_member_new (kind, name, in, out, 0, throws, dispatch, TRUE);
          g_list_store_append (store, member);
        }
    }
  else if (kind == PP_MEMBER_SIGNAL &&
           (list = g_variant_lookup_value (priv->description, "signals", G_VARIANT_TYPE ("a(suasss)"))))
    {
      const char *name, *signature, *reason;
      guint flags;

      g_variant_iter_init (&iter, list);
      while (g_variant_iter_next (&iter, "(&su@as&s&s)", &name, &flags, NULL, &signature, &reason))
        {
          gboolean mirrored = FALSE;
          g_autoptr(PpMember) member = NULL;

          for (guint i = 0; priv->mirror != NULL && i < priv->mirror->n_signals; i++)
            mirrored |= g_str_equal (priv->mirror->signals[i].name, name);
          member = pp_member_new (kind, name, signature, NULL, flags, FALSE,
                                  mirrored ? "" : (reason[0] ? reason : "not mirrored"), mirrored);
          g_list_store_append (store, member);
        }
    }
  else if (kind == PP_MEMBER_PROPERTY &&
           (list = g_variant_lookup_value (priv->description, "properties", G_VARIANT_TYPE ("a(susssmv)"))))
    {
      const char *name, *type_name, *signature, *reason;
      guint flags;

      g_variant_iter_init (&iter, list);
      while (g_variant_iter_next (&iter, "(&su&s&s&s@mv)", &name, &flags, &type_name, &signature,
                                  &reason, NULL))
        {
          gboolean mirrored = mirror_property_index (priv, name) >= 0;
          g_autoptr(PpMember) member = pp_member_new (kind, name, signature, NULL, flags, FALSE,
                                                      mirrored ? type_name :
                                                      (reason[0] ? reason : "not mirrored"),
                                                      mirrored);
          g_list_store_append (store, member);
        }
    }

  return G_LIST_MODEL (store);
}

/**
 * pp_proxy_list_methods:
 * @self: a #PpProxy
 *
 * The methods of the remote object that can be called from here, with their
 * signatures. Calls to a listed method are checked against its signature
 * before anything is sent.
 *
 * Returns: (transfer full): a list of [class@Pp.Member]
 *
 * Since: 1.0
 */
GListModel *
pp_proxy_list_methods (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return list_members (self, PP_MEMBER_METHOD);
}

/**
 * pp_proxy_list_signals:
 * @self: a #PpProxy
 *
 * The signals of the remote object. Those marked available are signals of
 * the proxy too: connect to them as to the object's own. The others say
 * why not (an argument type that cannot cross, a return value).
 *
 * Returns: (transfer full): a list of [class@Pp.Member]
 *
 * Since: 1.0
 */
GListModel *
pp_proxy_list_signals (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return list_members (self, PP_MEMBER_SIGNAL);
}

/**
 * pp_proxy_list_properties:
 * @self: a #PpProxy
 *
 * The properties of the remote object. Those marked available are
 * properties of the proxy too, read from a local cache that the listener
 * keeps exact, with `notify` when they change.
 *
 * Returns: (transfer full): a list of [class@Pp.Member]
 *
 * Since: 1.0
 */
GListModel *
pp_proxy_list_properties (PpProxy *self)
{
  g_return_val_if_fail (PP_IS_PROXY (self), NULL);
  return list_members (self, PP_MEMBER_PROPERTY);
}

void
pp_proxy_set_worker (PpProxy  *self,
                     PpWorker *worker)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);

  g_mutex_lock (&priv->mirror_lock);
  g_clear_pointer (&priv->worker, pp_worker_unref);
  priv->worker = pp_worker_ref (worker);
  g_mutex_unlock (&priv->mirror_lock);
}

PpWorker *
pp_proxy_get_worker (PpProxy *self)
{
  PpProxyPrivate *priv = pp_proxy_get_instance_private (self);
  PpWorker *worker;

  g_mutex_lock (&priv->mirror_lock);
  worker = priv->worker;
  g_mutex_unlock (&priv->mirror_lock);
  return worker;
}
