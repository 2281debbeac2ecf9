/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-exports-private.h"
#include "pp-marshal-private.h"
#include "pp-mirror-type-private.h"
#include "pp-proxy-private.h"
#include "pp-variant-private.h"

/* The cache ----------------------------------------------------------------- */

void
pp_mirror_store_property (PpMirror      *self,
                          const char    *name,
                          GVariant      *maybe,
                          PpMirrorStore  how)
{
  int index = pp_description_find_property (self->description, name);
  const MirrorProperty *prop;
  g_auto(GValue) check = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;
  gboolean notify;

  if (index < 0 || self->data->properties[index].pspec == NULL)
    return;
  prop = &self->data->properties[index];

  /* Only values that convert to the property's type are kept; a
   * reference is not cached at all, only that it changed. */
  if (!prop->reference && !pp_marshal_value_from_maybe (maybe, prop->type, &check, &error))
    {
      g_debug ("Ignoring a value of “%s”: %s", name, error->message);
      return;
    }

  g_mutex_lock (&self->lock);
  if (!prop->reference &&
      (self->cache[index] == NULL || !g_variant_equal (self->cache[index], maybe)))
    {
      g_clear_pointer (&self->cache[index], g_variant_unref);
      self->cache[index] = g_variant_ref (maybe);
      changed = TRUE;
    }
  switch (how)
    {
    case PP_MIRROR_STORE_INITIAL:
      notify = FALSE;
      break;
    case PP_MIRROR_STORE_READ_AHEAD:
      /* The remote object notified: the proxy will when the frame is
       * dispatched, or when the answer to a write comes first */
      self->notify_owed[index] = TRUE;
      notify = FALSE;
      break;
    case PP_MIRROR_STORE_ANSWER:
      notify = changed || self->notify_owed[index] || prop->reference;
      break;
    case PP_MIRROR_STORE_NOTIFIED:
    default:
      /* as often as the remote object notified, changed or not: a
       * GObject notifies on every g_object_set() of a property without
       * G_PARAM_EXPLICIT_NOTIFY */
      notify = TRUE;
      break;
    }
  if (notify)
    self->notify_owed[index] = FALSE;
  g_mutex_unlock (&self->lock);

  if (notify)
    g_object_notify_by_pspec (self->instance, prop->pspec);
}

/* Removes from the bodies read ahead those of @name, which are older
 * than or the same as @body. Returns whether @body was one of them. */
static gboolean
forget_read_ahead_locked (PpMirror   *self,
                          GVariant   *body,
                          const char *name)
{
  gboolean found = FALSE;

  for (guint i = 0; self->read_ahead != NULL && i < self->read_ahead->len;)
    {
      GVariant *queued = g_ptr_array_index (self->read_ahead, i);
      const char *queued_name;

      g_variant_get_child (queued, 1, "&s", &queued_name);
      if (g_str_equal (queued_name, name))
        {
          found |= queued == body;
          g_ptr_array_remove_index_fast (self->read_ahead, i);
        }
      else
        i++;
    }
  return found;
}

void
pp_mirror_take_property (PpMirror *self,
                         GVariant *body)
{
  g_autoptr(GVariant) maybe = NULL;
  const char *name;
  gboolean read_ahead;

  g_variant_get (body, "(u&s@mv)", NULL, &name, &maybe);
  g_mutex_lock (&self->lock);
  read_ahead = forget_read_ahead_locked (self, body, name);
  g_mutex_unlock (&self->lock);
  /* Stored already: notify if that is still owed */
  pp_mirror_store_property (self, name, maybe,
                            read_ahead ? PP_MIRROR_STORE_ANSWER : PP_MIRROR_STORE_NOTIFIED);
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
      GVariant *body = g_ptr_array_index (bodies, i);
      g_autoptr(GVariant) maybe = NULL;
      const char *name;
      guint32 handle;
      gboolean seen;

      g_variant_get (body, "(u&s@mv)", &handle, &name, &maybe);
      if (handle != self->handle)
        continue;

      /* Each frame is read ahead once, however many calls end before
       * it is dispatched */
      g_mutex_lock (&self->lock);
      if (self->read_ahead == NULL)
        self->read_ahead = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      seen = g_ptr_array_find (self->read_ahead, body, NULL);
      if (!seen)
        g_ptr_array_add (self->read_ahead, g_variant_ref (body));
      g_mutex_unlock (&self->lock);
      if (!seen)
        pp_mirror_store_property (self, name, maybe, PP_MIRROR_STORE_READ_AHEAD);
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

void
pp_mirror_get_property_vfunc (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MirrorData *data = pp_mirror_data (object);
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

/* A big value is written from where it is */
static void
encode_set_property (GPtrArray *frames,
                     GVariant  *table,
                     gpointer   user_data)
{
  PropertyWrite *write = user_data;

  if (table == NULL)
    pp_wire_gather (frames, PP_WIRE_KIND_SET_PROPERTY, PP_WIRE_FLAGS_NONE, write->serial, 0,
                    write->body);
  else
    pp_wire_gather (frames, PP_WIRE_KIND_SET_PROPERTY, PP_WIRE_FLAGS_OBJECTS, write->serial, 0,
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
  encode_set_property (frames, NULL, write);
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

      /* The write's notify, if the object sent one, came before the
       * answer: it is read ahead, so that the proxy notifies once */
      pp_mirror_take_queued_properties (self);
      pp_mirror_store_property (self, name, maybe, PP_MIRROR_STORE_ANSWER);
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
void
pp_mirror_set_property_vfunc (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  MirrorData *data = pp_mirror_data (object);
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
                            objects, NULL, pp_mirror_set_property_vfunc, plain_set_done,
                            NULL);
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
  write_property_async (self, name, unboxed, NULL, NULL, pp_mirror_set_property_vfunc,
                        plain_set_done, NULL);
}

