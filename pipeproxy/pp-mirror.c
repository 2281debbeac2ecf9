/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-exports-private.h"
#include "pp-list-model-private.h"
#include "pp-marshal-private.h"
#include "pp-mirror-interfaces-private.h"
#include "pp-mirror-private.h"
#include "pp-normal-form-private.h"
#include "pp-proxy-private.h"
#include "pp-variant-private.h"

/* What a mirror type makes of a described property or signal, by its
 * index in the description */
typedef struct
{
  GType        type;
  GParamSpec  *pspec;           /* owned by the class; NULL when not mirrored */
  gboolean     reference;       /* values are objects, read when asked for */
  const char  *reason;          /* why not, when not */
} MirrorProperty;

typedef struct
{
  guint        signal_id;       /* 0 when not mirrored */
  guint        n_params;
  GType       *param_types;
  const char  *reason;
  gboolean     name_is_detail;  /* the detail is the first argument */
} MirrorSignal;

typedef struct
{
  PpDescription   *description; /* the first one of this type */
  int              private_offset;
  MirrorProperty  *properties;
  guint           *property_index;  /* property id - 1 → description index */
  MirrorSignal    *signals;
  PpMirrorInterfaces *interfaces; /* NULL for the unmirrored type */
  guint            n_mirrored_properties;
  guint            n_mirrored_signals;
} MirrorData;

typedef struct
{
  PpProxyClass  parent_class;
  MirrorData   *data;
} PpMirrorClass;

struct _PpMirror
{
  GObject        *instance;     /* the proxy it is part of */
  MirrorData     *data;
  MirrorData     *own_data;     /* for a proxy of the unmirrored type */
  PpConnection   *connection;
  PpDescription  *description;  /* the type's, shared by its proxies */
  GVariant       *variant;      /* what this proxy's handshake or TYPE said */
  guint32         handle;       /* of the remote object */

  GMutex          lock;
  GVariant      **cache;        /* mv, by description index */
  gboolean       *notify_owed;  /* changed in the cache, notify not yet emitted */
  gboolean       *subscribed;   /* by description index */
};

static GMutex mirror_types_lock;
static GHashTable *mirror_types;  /* description hash → GType */
static guint n_mirror_members;    /* what they describe together */
static GType unmirrored_type;

static MirrorData *
mirror_data (gpointer instance)
{
  return ((PpMirrorClass *) G_OBJECT_GET_CLASS (instance))->data;
}

PpMirror *
pp_mirror_get (PpProxy *proxy)
{
  return G_STRUCT_MEMBER_P (proxy, mirror_data (proxy)->private_offset);
}

/* The cache ----------------------------------------------------------------- */

/* Stores a value the listener reported. notify is emitted at once when
 * @notify_now, else when the same change is dispatched in the proxy's main
 * context later. */
static void
store_property (PpMirror   *self,
                const char *name,
                GVariant   *maybe,
                gboolean    notify_now)
{
  int index = pp_description_find_property (self->description, name);
  const MirrorProperty *prop;
  g_auto(GValue) check = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean changed;

  if (index < 0 || self->data->properties[index].pspec == NULL)
    return;
  prop = &self->data->properties[index];

  /* A reference is not cached: only that it changed */
  if (prop->reference)
    {
      g_mutex_lock (&self->lock);
      self->notify_owed[index] = !notify_now;
      g_mutex_unlock (&self->lock);
      if (notify_now)
        g_object_notify_by_pspec (self->instance, prop->pspec);
      return;
    }

  /* Only values that convert to the property's type are kept. */
  if (!pp_marshal_value_from_maybe (maybe, prop->type, &check, &error))
    {
      g_debug ("Ignoring a value of “%s”: %s", name, error->message);
      return;
    }

  g_mutex_lock (&self->lock);
  changed = self->cache[index] == NULL || !g_variant_equal (self->cache[index], maybe);
  if (changed)
    {
      g_clear_pointer (&self->cache[index], g_variant_unref);
      self->cache[index] = g_variant_ref (maybe);
      self->notify_owed[index] = TRUE;
    }
  changed = notify_now && self->notify_owed[index];
  if (changed)
    self->notify_owed[index] = FALSE;
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (self->instance, prop->pspec);
}

void
pp_mirror_take_property (PpMirror *self,
                         GVariant *body)
{
  g_autoptr(GVariant) maybe = NULL;
  const char *name;

  g_variant_get (body, "(u&s@mv)", NULL, &name, &maybe);
  store_property (self, name, maybe, TRUE);
}

void
pp_mirror_take_queued_properties (PpMirror *self)
{
  g_autoptr(GPtrArray) bodies = NULL;

  if (self->data->n_mirrored_properties == 0)
    return;

  bodies = pp_connection_dup_queued (self->connection, PP_WIRE_KIND_PROPERTY);
  for (guint i = 0; bodies != NULL && i < bodies->len; i++)
    {
      g_autoptr(GVariant) maybe = NULL;
      const char *name;
      guint32 handle;

      g_variant_get (g_ptr_array_index (bodies, i), "(u&s@mv)", &handle, &name, &maybe);
      if (handle == self->handle)
        store_property (self, name, maybe, FALSE);
    }
}

PpDescription *
pp_mirror_get_description (PpMirror *self)
{
  return self->description;
}

GVariant *
pp_mirror_get_description_variant (PpMirror *self)
{
  return self->variant;
}

/* The reason a member is not mirrored on a proxy of the unmirrored type */
static const char *
unmirrored_reason (const char *signature,
                   const char *reason)
{
  if (signature[0] == '\0' && reason[0] != '\0')
    return reason;
  return _("this process has as many mirror types as it may have "
           "(PpOptions:max-mirror-types, PpOptions:max-mirror-members)");
}

/* A proxy of the unmirrored type: nothing of @description is mirrored */
static MirrorData *
unmirrored_data (PpDescription *description)
{
  guint n_properties = pp_description_get_n_properties (description);
  guint n_signals = pp_description_get_n_signals (description);
  MirrorData *data = g_new0 (MirrorData, 1);

  data->description = pp_description_ref (description);
  data->properties = g_new0 (MirrorProperty, MAX (n_properties, 1));
  data->property_index = g_new0 (guint, 1);
  for (guint i = 0; i < n_properties; i++)
    {
      const PpDescribedProperty *described = pp_description_get_property (description, i);

      data->properties[i].reason = unmirrored_reason (described->signature, described->reason);
    }
  data->signals = g_new0 (MirrorSignal, MAX (n_signals, 1));
  for (guint i = 0; i < n_signals; i++)
    {
      const PpDescribedSignal *described = pp_description_get_signal (description, i);

      data->signals[i].reason = unmirrored_reason (described->signature, described->reason);
    }
  return data;
}

static void
unmirrored_data_free (MirrorData *data)
{
  g_free (data->properties);
  g_free (data->property_index);
  g_free (data->signals);
  pp_description_unref (data->description);
  g_free (data);
}

static gboolean
same_bytes (GVariant *a,
            GVariant *b)
{
  gsize size = g_variant_get_size (a);

  return a == b || (size == g_variant_get_size (b) &&
                    memcmp (g_variant_get_data (a), g_variant_get_data (b), size) == 0);
}

void
pp_mirror_attach (PpMirror      *self,
                  PpConnection  *connection,
                  guint32        handle,
                  PpDescription *description,
                  GHashTable    *values)
{
  guint n = pp_description_get_n_properties (description);

  self->connection = pp_connection_ref (connection);
  self->handle = handle;
  /* Equal descriptions but for the property values have one mirror type:
   * its proxies share the parsed description and keep their own values,
   * in the cache and in the variant; the type's, when they are the same
   * to the byte. */
  if (G_OBJECT_TYPE (self->instance) == unmirrored_type)
    {
      self->data = self->own_data = unmirrored_data (description);
      self->description = pp_description_ref (description);
    }
  else
    {
      self->description = pp_description_ref (self->data->description);
      if (same_bytes (pp_description_get_variant (description),
                      pp_description_get_variant (self->description)))
        description = self->description;
    }
  self->variant = g_variant_ref (pp_description_get_variant (description));

  for (guint i = 0; i < n; i++)
    if (self->data->properties[i].pspec != NULL)
      self->cache[i] = g_variant_ref (pp_description_get_property (description, i)->value);
  if (values == NULL)
    return;

  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, values);
    while (g_hash_table_iter_next (&iter, &key, &value))
      store_property (self, key, value, FALSE);
    /* Nobody saw another value before */
    for (guint i = 0; i < n; i++)
      self->notify_owed[i] = FALSE;
  }
}

static gboolean
build_get_property (GPtrArray  *frames,
                    guint32     serial,
                    gpointer    user_data,
                    GError    **error)
{
  g_ptr_array_add (frames, pp_wire_encode (PP_WIRE_KIND_GET_PROPERTY, PP_WIRE_FLAGS_NONE, serial,
                                           0, user_data));
  return TRUE;
}

/* A property whose value is an object (or a boxed value with no value
 * form): read from the remote object now, a round trip, since a cached
 * proxy would keep the remote value alive. @value gets the proxy, the
 * same as any other reference to that object gives while it lives. */
static void
read_reference (PpMirror   *self,
                const char *name,
                GValue     *value)
{
  g_autoptr(GVariant) request = NULL;
  g_autoptr(PpMarshalScope) scope = NULL;
  g_autoptr(GVariant) maybe = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PpReply) reply = { NULL, };
  g_auto(GValue) read = G_VALUE_INIT;

  if (self->connection == NULL)
    return;
  request = g_variant_ref_sink (g_variant_new ("(us)", self->handle, name));
  if (!pp_connection_call_sync (self->connection, PP_WIRE_KIND_RETURN, G_VARIANT_TYPE ("(mo)"),
                                build_get_property, request, NULL,
                                pp_proxy_get_default_timeout (PP_PROXY (self->instance)), NULL,
                                &reply, &error))
    {
      if (!g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED))
        g_warning ("Could not read property “%s” of the remote object: %s", name, error->message);
      return;
    }

  maybe = g_variant_get_child_value (reply.value, 0);
  scope = pp_marshal_scope_new ();
  pp_marshal_scope_set_in_objects (scope, reply.objects);
  if (!pp_marshal_value_from_nullable (maybe, G_TYPE_OBJECT, scope, &read, &error))
    {
      g_warning ("Could not read property “%s” of the remote object: %s", name, error->message);
      return;
    }
  g_value_set_object (value, g_value_get_object (&read));
}

static void
mirror_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  MirrorData *data = mirror_data (object);
  PpMirror *self = G_STRUCT_MEMBER_P (object, data->private_offset);
  g_autoptr(GVariant) cached = NULL;
  g_auto(GValue) converted = G_VALUE_INIT;
  guint index;

  if (prop_id == 0 || prop_id > data->n_mirrored_properties)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  index = data->property_index[prop_id - 1];

  if (data->properties[index].reference)
    {
      read_reference (self, pspec->name, value);
      return;
    }

  /* Local: the listener keeps the cache exact. */
  g_mutex_lock (&self->lock);
  if (self->cache[index] != NULL)
    cached = g_variant_ref (self->cache[index]);
  g_mutex_unlock (&self->lock);

  if (cached != NULL &&
      pp_marshal_value_from_maybe (cached, data->properties[index].type, &converted, NULL))
    g_value_copy (&converted, value);
}

/* Writing properties -------------------------------------------------------- */

/* A SET_PROPERTY; for a reference, with the object the value names */
typedef struct
{
  GVariant       *body;      /* (usmv) */
  PpExportsBatch *objects;   /* what its object table needs, or NULL */
  guint32         serial;
} PropertyWrite;

static GBytes *
encode_set_property (GVariant *table,
                     gpointer  user_data)
{
  PropertyWrite *write = user_data;

  if (table == NULL)
    return pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, PP_WIRE_FLAGS_NONE, write->serial, 0,
                           write->body);
  return pp_wire_encode (PP_WIRE_KIND_SET_PROPERTY, PP_WIRE_FLAGS_OBJECTS, write->serial, 0,
                         g_variant_new ("(@(usmv)@a(bu))", write->body, table));
}

/* Under the connection's lock: after the frames that introduce the
 * object to the peer */
static gboolean
build_set_property (GPtrArray  *frames,
                    guint32     serial,
                    gpointer    user_data,
                    GError    **error)
{
  PropertyWrite *write = user_data;

  write->serial = serial;
  if (write->objects != NULL)
    return pp_exports_batch_build (frames, write->objects, error);
  g_ptr_array_add (frames, encode_set_property (NULL, write));
  return TRUE;
}

static void
property_write_init (PropertyWrite *write,
                     PpMirror      *self,
                     GVariant      *request,
                     GPtrArray     *objects)
{
  write->body = request;
  write->objects = objects != NULL && objects->len > 0
                   ? pp_exports_batch_new (pp_proxy_get_exports (PP_PROXY (self->instance)),
                                           objects, encode_set_property, write)
                   : NULL;
}

static void
property_write_clear (PropertyWrite *write)
{
  g_clear_pointer (&write->objects, pp_exports_batch_free);
}

/* The SET_PROPERTY request: the name and the value, nothing for NULL */
static GVariant *
property_request (PpMirror   *self,
                  const char *name,
                  GVariant   *value)
{
  GVariant *boxed = value ? g_variant_new_variant (value) : NULL;

  return g_variant_ref_sink (g_variant_new ("(us@mv)", self->handle, name,
                                            g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, boxed)));
}

/* The listener answers a write with the value the object then holds */
static void
take_property_reply (PpMirror   *self,
                     const char *name,
                     GVariant   *reply)
{
  int index = pp_description_find_property (self->description, name);

  /* A reference's change is told by the PROPERTY that follows */
  if (index >= 0 && self->data->properties[index].reference)
    return;
  if (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(mv)")))
    {
      g_autoptr(GVariant) maybe = g_variant_get_child_value (reply, 0);
      store_property (self, name, maybe, TRUE);
    }
}

static gboolean
check_property_write (PpMirror    *self,
                      const char  *name,
                      GVariant    *value,
                      GError     **error)
{
  const char *type_name = pp_description_get_type_name (self->description);
  int index = pp_description_find_property (self->description, name);
  const PpDescribedProperty *described;
  const MirrorProperty *prop;

  if (index < 0 || self->data->properties[index].pspec == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The remote %s has no property “%s” that can be used from here"),
                   type_name, name);
      return FALSE;
    }
  described = pp_description_get_property (self->description, index);
  prop = &self->data->properties[index];

  if (!(prop->pspec->flags & G_PARAM_WRITABLE))
    {
      if (described->flags & G_PARAM_CONSTRUCT_ONLY)
        g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                     _("Property “%s” of the remote %s is construct-only"),
                     name, type_name);
      else
        g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                     _("Property “%s” of the remote %s is read-only"), name, type_name);
      return FALSE;
    }

  if (value != NULL && !g_str_equal (g_variant_get_type_string (value), described->signature))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Property “%s” expects %s, got %s"), name, described->signature,
                   g_variant_get_type_string (value));
      return FALSE;
    }

  return TRUE;
}

static void
set_property_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_auto(PpReply) reply = { NULL, };
  GError *error = NULL;

  if (!pp_connection_call_finish (result, &reply, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  take_property_reply (pp_mirror_get (PP_PROXY (source)), g_task_get_task_data (task),
                       reply.value);
  g_task_return_boolean (task, TRUE);
}

static void
write_property_async (PpMirror            *self,
                      const char          *name,
                      GVariant            *value,
                      GPtrArray           *objects,
                      GCancellable        *cancellable,
                      gpointer             source_tag,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GVariant) owned = value ? g_variant_ref_sink (value) : NULL;
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GTask) task = NULL;
  PropertyWrite write = { NULL, };
  GError *error = NULL;

  task = g_task_new (self->instance, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (name), g_free);

  if (self->connection == NULL)
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

  request = property_request (self, name, owned);
  property_write_init (&write, self, request, objects);
  pp_connection_call_async (self->connection, PP_WIRE_KIND_RETURN, NULL, build_set_property,
                            &write, NULL, pp_proxy_get_default_timeout (PP_PROXY (self->instance)),
                            cancellable, self->instance, set_property_done, set_property_done,
                            g_steal_pointer (&task));
  property_write_clear (&write);
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
  g_return_if_fail (PP_IS_PROXY (self));
  g_return_if_fail (name != NULL);

  write_property_async (pp_mirror_get (self), name, value, NULL, cancellable,
                        pp_proxy_set_property_async, callback, user_data);
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
  g_autoptr(GVariant) owned = value ? g_variant_ref_sink (value) : NULL;
  g_autoptr(GVariant) request = NULL;
  g_auto(PpReply) reply = { NULL, };
  PropertyWrite write = { NULL, };
  PpMirror *mirror;

  g_return_val_if_fail (PP_IS_PROXY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  mirror = pp_mirror_get (self);
  if (mirror->connection == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_DISCONNECTED, _("The proxy is not connected"));
      return FALSE;
    }
  if (!check_property_write (mirror, name, owned, error))
    return FALSE;

  request = property_request (mirror, name, owned);
  property_write_init (&write, mirror, request, NULL);
  if (!pp_connection_call_sync (mirror->connection, PP_WIRE_KIND_RETURN, NULL, build_set_property,
                                &write, NULL, pp_proxy_get_default_timeout (self), cancellable,
                                &reply, error))
    return FALSE;

  take_property_reply (mirror, name, reply.value);
  return TRUE;
}

static void
plain_set_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED))
    g_warning ("Could not set a property of the remote object: %s", error->message);
}

/* g_object_set() on a mirror: the write goes to the remote object; the
 * value and notify follow when it answers. A failure is logged. */
static void
mirror_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  MirrorData *data = mirror_data (object);
  PpMirror *self = G_STRUCT_MEMBER_P (object, data->private_offset);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) maybe = NULL;
  g_autoptr(GVariant) inner = NULL;
  g_autoptr(GVariant) unboxed = NULL;
  const char *name;

  if (prop_id == 0 || prop_id > data->n_mirrored_properties)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  name = pp_description_get_property (data->description, data->property_index[prop_id - 1])->name;

  /* An object: a proxy of this connection goes back as the remote object
   * itself, one of this process is exported to the peer */
  if (data->properties[data->property_index[prop_id - 1]].reference)
    {
      GObject *target = g_value_get_object (value);
      g_autoptr(GPtrArray) objects = g_ptr_array_new ();

      if (target != NULL)
        g_ptr_array_add (objects, target);
      write_property_async (self, name, target ? g_variant_new_object_path ("/0") : NULL,
                            objects, NULL, mirror_set_property, plain_set_done, NULL);
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
  unboxed = inner ? pp_variant_get_variant (inner) : NULL;
  write_property_async (self, name, unboxed, NULL, NULL, mirror_set_property, plain_set_done,
                        NULL);
}

/* Signals ----------------------------------------------------------------- */

#define FAST_SIGNAL_ARGS 7

/* Reads the arguments straight from the body when they are all numbers or
 * strings; returns FALSE, with nothing set, for any other signal */
static gboolean
values_from_serialised (const MirrorSignal *sig,
                        const char         *args_type,
                        const guint8       *args_data,
                        gsize               args_size,
                        GValue             *values)
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

/* The arguments through GVariant: anything that is not a number or string */
static gboolean
values_from_body (const MirrorSignal *sig,
                  const char         *name,
                  GVariant           *body,
                  PpMarshalScope     *scope,
                  GValue             *values,
                  guint              *n_set)
{
  g_autoptr(GVariant) args = NULL;

  pp_wire_split_body (body, NULL, 2, &args, NULL);
  if (g_variant_n_children (args) != sig->n_params)
    {
      g_debug ("Ignoring an emission of “%s” that does not match its description", name);
      return FALSE;
    }

  for (guint i = 0; i < sig->n_params; i++)
    {
      g_autoptr(GVariant) arg = g_variant_get_child_value (args, i);
      g_autoptr(GError) error = NULL;

      if (!pp_marshal_value_from_nullable (arg, sig->param_types[i], scope, &values[i + 1],
                                           &error))
        {
          g_debug ("Ignoring an emission of “%s”: %s", name, error->message);
          return FALSE;
        }
      (*n_set)++;
    }
  return TRUE;
}

/* Whether a SIGNAL's emission has somewhere to go: a signal that is
 * mirrored and subscribed to. From any thread. */
gboolean
pp_mirror_wants_signal (PpMirror *self,
                        GVariant *body)
{
  /* The body begins with the object's handle, then the signal's name */
  const char *name = (const char *) g_variant_get_data (body) + sizeof (guint32);
  int index = pp_description_find_signal (self->description, name);

  return index >= 0 && self->data->signals[index].signal_id != 0 &&
         g_atomic_int_get (&self->subscribed[index]);
}

void
pp_mirror_emit_signal (PpMirror    *self,
                       GVariant    *body,
                       GUnixFDList *fds,
                       GPtrArray   *objects)
{
  PpMarshalScope *scope = NULL;
  const MirrorSignal *sig;
  GValue values_here[FAST_SIGNAL_ARGS + 1] = { G_VALUE_INIT };
  g_autofree GValue *values_allocated = NULL;
  GValue *values = values_here;
  const char *strings[2];
  const char *args_type;
  const guint8 *args_data;
  gsize args_size;
  guint n_set = 1;
  GQuark detail = 0;
  int index;

  /* The strings and the arguments point into @body: name, detail */
  pp_wire_locate_args (body, strings, 2, &args_type, &args_data, &args_size);
  index = pp_description_find_signal (self->description, strings[0]);
  if (index < 0 || self->data->signals[index].signal_id == 0)
    {
      g_debug ("Ignoring an emission of “%s”, which is not mirrored", strings[0]);
      return;
    }
  sig = &self->data->signals[index];

  if (sig->n_params + 1 > G_N_ELEMENTS (values_here))
    values = values_allocated = g_new0 (GValue, sig->n_params + 1);
  g_value_init (&values[0], G_OBJECT_TYPE (self->instance));
  g_value_set_object (&values[0], self->instance);

  /* Numbers and strings need no GVariant: signals are mostly that */
  if (values_from_serialised (sig, args_type, args_data, args_size, values))
    n_set += sig->n_params;
  else
    {
      /* The proxies of the objects it refers to: @objects holds them
       * while the handlers run, a handler that keeps one keeps it */
      scope = pp_marshal_scope_new ();
      pp_marshal_scope_set_in_fds (scope, fds);
      pp_marshal_scope_set_in_objects (scope, objects);
      if (!values_from_body (sig, strings[0], body, scope, values, &n_set))
        goto out;
    }

  /* A list model's cache takes the change before anyone sees it */
  pp_mirror_list_model_changing (self->instance, sig->signal_id, values);
  /* A detail nobody here has used cannot have handlers of its own. GIO
   * emits action-state-changed::NAME only when the quark NAME exists in
   * the emitting process: the name here is the one that counts. */
  if (sig->name_is_detail && g_value_get_string (&values[1]) != NULL)
    detail = g_quark_try_string (g_value_get_string (&values[1]));
  else if (strings[1][0])
    detail = g_quark_try_string (strings[1]);
  g_signal_emitv (values, sig->signal_id, detail, NULL);

out:
  for (guint i = 0; i < n_set; i++)
    g_value_unset (&values[i]);
  pp_marshal_scope_free (scope);
}

/* Unwatched signals cost no traffic. Runs before each main-loop iteration
 * and before each call, so a handler connected just before a call sees
 * what the call emits. */
void
pp_mirror_sync_subscriptions (PpMirror *self)
{
  guint n = pp_description_get_n_signals (self->description);

  if (self->data->n_mirrored_signals == 0)
    return;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < n; i++)
    {
      const MirrorSignal *sig = &self->data->signals[i];
      gboolean watched;

      if (sig->signal_id == 0)
        continue;
      watched = g_signal_handler_find (self->instance, G_SIGNAL_MATCH_ID, sig->signal_id, 0,
                                       NULL, NULL, NULL) != 0;
      if (watched != self->subscribed[i])
        {
          const char *name = pp_description_get_signal (self->description, i)->name;
          g_autoptr(GBytes) frame = NULL;

          g_atomic_int_set (&self->subscribed[i], watched);
          frame = pp_wire_encode (watched ? PP_WIRE_KIND_SUBSCRIBE : PP_WIRE_KIND_UNSUBSCRIBE,
                                  PP_WIRE_FLAGS_NO_REPLY, 0, 0,
                                  g_variant_new ("(us)", self->handle, name));
          pp_connection_send (self->connection, frame, NULL);
        }
    }
  g_mutex_unlock (&self->lock);
}

/* Mirror types -------------------------------------------------------------- */

static GParamFlags
mirror_param_flags (guint remote_flags)
{
  /* notify comes from the remote object, not from g_object_set() */
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  if ((remote_flags & G_PARAM_WRITABLE) && !(remote_flags & G_PARAM_CONSTRUCT_ONLY))
    flags |= G_PARAM_WRITABLE;
  return flags;
}

static GParamSpec *
mirror_pspec (const char  *name,
              GType        type,
              GParamFlags  flags)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: return g_param_spec_boolean (name, NULL, NULL, FALSE, flags);
    case G_TYPE_CHAR:    return g_param_spec_char (name, NULL, NULL, G_MININT8, G_MAXINT8, 0, flags);
    case G_TYPE_UCHAR:   return g_param_spec_uchar (name, NULL, NULL, 0, G_MAXUINT8, 0, flags);
    case G_TYPE_INT:     return g_param_spec_int (name, NULL, NULL, G_MININT, G_MAXINT, 0, flags);
    case G_TYPE_UINT:    return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0, flags);
    case G_TYPE_LONG:    return g_param_spec_long (name, NULL, NULL, G_MINLONG, G_MAXLONG, 0, flags);
    case G_TYPE_ULONG:   return g_param_spec_ulong (name, NULL, NULL, 0, G_MAXULONG, 0, flags);
    case G_TYPE_INT64:   return g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
    case G_TYPE_UINT64:  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0, flags);
    case G_TYPE_FLOAT:   return g_param_spec_float (name, NULL, NULL, -G_MAXFLOAT, G_MAXFLOAT, 0, flags);
    case G_TYPE_DOUBLE:  return g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
    case G_TYPE_STRING:  return g_param_spec_string (name, NULL, NULL, NULL, flags);
    case G_TYPE_VARIANT: return g_param_spec_variant (name, NULL, NULL, G_VARIANT_TYPE_ANY, NULL, flags);
    case G_TYPE_BOXED:   return g_param_spec_boxed (name, NULL, NULL, type, flags);
    case G_TYPE_OBJECT:  return g_param_spec_object (name, NULL, NULL, type, flags);
    case G_TYPE_ENUM:
      {
        g_autoptr(GEnumClass) klass = g_type_class_ref (type);

        if (klass->n_values == 0)
          return NULL;
        return g_param_spec_enum (name, NULL, NULL, type, klass->values[0].value, flags);
      }
    case G_TYPE_FLAGS:   return g_param_spec_flags (name, NULL, NULL, type, 0, flags);
    default:
      if (type == G_TYPE_GTYPE)
        return g_param_spec_gtype (name, NULL, NULL, G_TYPE_NONE, flags);
      return NULL;
    }
}

/* Installs the property if it can be one of the proxy's: returns why not */
static const char *
mirror_property (GObjectClass              *object_class,
                 const PpDescribedProperty *described,
                 guint                      prop_id,
                 MirrorProperty            *prop)
{
  if (described->signature[0] == '\0')
    return described->reason[0] ? described->reason : _("its values cannot cross");
  if (!(described->flags & G_PARAM_READABLE))
    return _("it is not readable");
  if (!g_param_spec_is_valid_name (described->name))
    return _("the name is not valid here");
  /* Names the proxy itself uses stay the proxy's */
  if (g_object_class_find_property (object_class, described->name) != NULL)
    return _("the name is taken by PpProxy");

  prop->type = pp_marshal_gtype_for_signature (described->signature, described->type_name);
  prop->reference = g_str_equal (described->signature, "o");
  if (prop->type != G_TYPE_INVALID)
    prop->pspec = mirror_pspec (described->name, prop->type, mirror_param_flags (described->flags));
  if (prop->pspec == NULL)
    return _("its type is not known here");

  g_object_class_install_property (object_class, prop_id, prop->pspec);
  return NULL;
}

/* A signal of an interface the mirror type implements (GListModel::items-changed)
 * is emitted as the remote object's when its arguments are the same */
static const char *
interface_signal (const PpDescribedSignal *described,
                  MirrorSignal            *sig)
{
  GSignalQuery query;
  g_autoptr(GString) signature = g_string_new ("(");

  g_signal_query (sig->signal_id, &query);
  if (!G_TYPE_IS_INTERFACE (query.itype) || query.return_type != G_TYPE_NONE)
    {
      sig->signal_id = 0;
      return _("the name is taken by PpProxy");
    }
  for (guint i = 0; i < query.n_params; i++)
    if (!pp_marshal_gtype_nullable_signature (query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE,
                                              signature, NULL))
      break;
  g_string_append_c (signature, ')');
  if (query.n_params != described->n_args || !g_str_equal (signature->str, described->signature))
    {
      sig->signal_id = 0;
      return _("the interface's signal of that name takes other arguments");
    }
  sig->n_params = query.n_params;
  sig->param_types = g_new0 (GType, MAX (query.n_params, 1));
  for (guint i = 0; i < query.n_params; i++)
    sig->param_types[i] = query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;
  /* GActionGroup's signals are detailed with the action's name */
  sig->name_is_detail = query.itype == G_TYPE_ACTION_GROUP &&
                        (query.signal_flags & G_SIGNAL_DETAILED) &&
                        query.n_params > 0 && sig->param_types[0] == G_TYPE_STRING;
  return NULL;
}

/* Registers the signal if it can be one of the proxy's: returns why not */
static const char *
mirror_signal (GType                    type,
               const PpDescribedSignal *described,
               MirrorSignal            *sig)
{
  const GVariantType *item;

  if (described->signature[0] == '\0')
    return described->reason[0] ? described->reason : _("its arguments cannot cross");
  if (!g_signal_is_valid_name (described->name))
    return _("the name is not valid here");
  sig->signal_id = g_signal_lookup (described->name, type);
  if (sig->signal_id != 0)
    return interface_signal (described, sig);

  /* The parser checked that the tuple has one item per argument */
  sig->param_types = g_new0 (GType, MAX (described->n_args, 1));
  item = g_variant_type_first (G_VARIANT_TYPE (described->signature));
  for (guint i = 0; i < described->n_args; i++, item = g_variant_type_next (item))
    {
      const char *item_sig = g_variant_type_peek_string (item);
      g_autofree char *plain = g_strndup (item_sig + (item_sig[0] == 'm'),
                                          g_variant_type_get_string_length (item) -
                                          (item_sig[0] == 'm'));

      /* A maybe is a value that may be NULL */
      sig->param_types[i] = pp_marshal_gtype_for_signature (plain, described->arg_type_names[i]);
      if (sig->param_types[i] == G_TYPE_INVALID)
        {
          g_clear_pointer (&sig->param_types, g_free);
          return _("an argument type is not known here");
        }
    }

  sig->n_params = described->n_args;
  sig->signal_id = g_signal_newv (described->name, type,
                                  G_SIGNAL_RUN_LAST |
                                  (described->flags & (G_SIGNAL_DETAILED | G_SIGNAL_NO_RECURSE |
                                                       G_SIGNAL_NO_HOOKS)),
                                  NULL, NULL, NULL, NULL, G_TYPE_NONE,
                                  sig->n_params, sig->param_types);
  return NULL;
}

static void
mirror_finalize (GObject *object)
{
  MirrorData *data = mirror_data (object);
  PpMirror *self = G_STRUCT_MEMBER_P (object, data->private_offset);
  guint n = pp_description_get_n_properties (data->description);

  for (guint i = 0; i < n; i++)
    g_clear_pointer (&self->cache[i], g_variant_unref);
  g_free (self->cache);
  g_free (self->notify_owed);
  g_free (self->subscribed);
  g_clear_pointer (&self->own_data, unmirrored_data_free);
  g_clear_pointer (&self->connection, pp_connection_unref);
  g_clear_pointer (&self->description, pp_description_unref);
  g_clear_pointer (&self->variant, g_variant_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (g_type_class_peek (PP_TYPE_PROXY))->finalize (object);
}

static void
mirror_class_init (gpointer klass,
                   gpointer class_data)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MirrorData *data = class_data;
  PpDescription *description = data->description;
  guint n_properties = pp_description_get_n_properties (description);
  guint n_signals = pp_description_get_n_signals (description);
  guint n_installed = 0;

  ((PpMirrorClass *) klass)->data = data;
  g_type_class_adjust_private_offset (klass, &data->private_offset);
  object_class->get_property = mirror_get_property;
  object_class->set_property = mirror_set_property;
  object_class->finalize = mirror_finalize;

  data->properties = g_new0 (MirrorProperty, MAX (n_properties, 1));
  data->property_index = g_new0 (guint, MAX (n_properties, 1));
  for (guint i = 0; i < n_properties; i++)
    {
      data->properties[i].reason =
        mirror_property (object_class, pp_description_get_property (description, i),
                         n_installed + 1, &data->properties[i]);
      if (data->properties[i].reason == NULL)
        data->property_index[n_installed++] = i;
    }
  data->n_mirrored_properties = n_installed;

  data->signals = g_new0 (MirrorSignal, MAX (n_signals, 1));
  for (guint i = 0; i < n_signals; i++)
    {
      data->signals[i].reason = mirror_signal (G_TYPE_FROM_CLASS (klass),
                                               pp_description_get_signal (description, i),
                                               &data->signals[i]);
      data->n_mirrored_signals += data->signals[i].reason == NULL;
    }
}

static void
mirror_instance_init (GTypeInstance *instance,
                      gpointer       klass)
{
  MirrorData *data = ((PpMirrorClass *) klass)->data;
  PpMirror *self = G_STRUCT_MEMBER_P (instance, data->private_offset);
  guint n_properties = pp_description_get_n_properties (data->description);
  guint n_signals = pp_description_get_n_signals (data->description);

  self->instance = G_OBJECT (instance);
  self->data = data;
  g_mutex_init (&self->lock);
  self->cache = g_new0 (GVariant *, MAX (n_properties, 1));
  self->notify_owed = g_new0 (gboolean, MAX (n_properties, 1));
  self->subscribed = g_new0 (gboolean, MAX (n_signals, 1));
}

static gboolean
is_type_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-' || c == '+';
}

#define MAX_TYPE_NAME_PART 64

static GType
register_mirror_type (PpDescription *description,
                      const char    *type_name)
{
  const char *remote_name = pp_description_get_type_name (description);
  g_autoptr(GString) name = g_string_new ("PpProxy_");
  MirrorData *data = g_new0 (MirrorData, 1);
  GTypeInfo info = {
    .class_size = sizeof (PpMirrorClass),
    .class_init = mirror_class_init,
    .class_data = data,
    .instance_init = mirror_instance_init,
  };
  GTypeQuery query;
  GType type;

  /* A name made only of what GType accepts, unique per description */
  for (const char *p = remote_name; *p && p - remote_name < MAX_TYPE_NAME_PART; p++)
    g_string_append_c (name, is_type_name_char (*p) ? *p : '_');
  g_string_append_printf (name, "_%.16s", pp_description_get_hash (description));
  if (type_name != NULL)
    g_string_assign (name, type_name);

  g_type_query (PP_TYPE_PROXY, &query);
  info.instance_size = query.instance_size;
  data->description = pp_description_ref (description);
  type = g_type_register_static (PP_TYPE_PROXY, name->str, &info, 0);
  data->private_offset = g_type_add_instance_private (type, sizeof (PpMirror));
  /* Before the class is made, which then has the interfaces' signals */
  if (type_name == NULL)
    data->interfaces = pp_mirror_interfaces_add (type, description);
  return type;
}

/* The type of proxies past the limits: it mirrors nothing, and each
 * instance gets what it needs of its own description */
static GType
get_unmirrored_type_locked (void)
{
  if (unmirrored_type == 0)
    {
      g_autoptr(PpDescription) nothing = pp_description_new ("PpProxyUnmirrored");

      unmirrored_type = register_mirror_type (nothing, "PpProxyUnmirrored");
    }
  return unmirrored_type;
}

/* The mirror type of @description: the one of an equal description, else
 * a new one if the process has fewer than @max_types, with fewer than
 * @max_members signals and properties altogether, else the unmirrored
 * type. Types are never freed, and each name in them is a quark. */
GType
pp_mirror_type_for (PpDescription *description,
                    guint          max_types,
                    guint          max_members)
{
  const char *hash = pp_description_get_hash (description);
  guint members = pp_description_get_n_signals (description) +
                  pp_description_get_n_properties (description);
  GType type;

  g_mutex_lock (&mirror_types_lock);
  if (mirror_types == NULL)
    mirror_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  type = GPOINTER_TO_SIZE (g_hash_table_lookup (mirror_types, hash));
  if (type == 0 && g_hash_table_size (mirror_types) < max_types &&
      members <= max_members && n_mirror_members <= max_members - members)
    {
      type = register_mirror_type (description, NULL);
      g_hash_table_insert (mirror_types, g_strdup (hash), GSIZE_TO_POINTER (type));
      n_mirror_members += members;
    }
  else if (type == 0)
    {
      g_debug ("Not mirroring the signals and properties of the remote %s: this process has "
               "%u mirror types with %u signals and properties, the most it may have "
               "(max-mirror-types %u, max-mirror-members %u)",
               pp_description_get_type_name (description), g_hash_table_size (mirror_types),
               n_mirror_members, max_types, max_members);
      type = get_unmirrored_type_locked ();
    }
  g_mutex_unlock (&mirror_types_lock);

  /* Classes are made the first time they are used: make it now, outside
   * the lock. */
  g_type_class_unref (g_type_class_ref (type));
  return type;
}

const char *
pp_mirror_signal_unavailable (PpMirror *self,
                              guint     index)
{
  return self->data->signals[index].reason;
}

const char *
pp_mirror_property_unavailable (PpMirror *self,
                                guint     index)
{
  return self->data->properties[index].reason;
}

const char *
pp_mirror_interface_unavailable (PpMirror   *self,
                                 const char *type_name)
{
  if (self->data->interfaces == NULL)
    return unmirrored_reason ("", "");
  return pp_mirror_interfaces_reason (self->data->interfaces, type_name);
}
