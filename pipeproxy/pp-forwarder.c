/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-exports-private.h"
#include "pp-forwarder-private.h"
#include "pp-introspection-private.h"
#include "pp-invocation-private.h"
#include "pp-marshal-private.h"
#include "pp-variant-private.h"

struct _PpForwarder
{
  GObject      *object;
  PpConnection *connection;
  PpExports    *exports;      /* borrowed */
  guint32       handle;
  PpAccess     *access;       /* the listener's */
  PpPreconditions *preconditions; /* borrowed, mostly NULL */
  gulong        notify_id;
  GHashTable   *forwarded;    /* signal name → handler id */
};

PpForwarder *
pp_forwarder_new (GObject      *object,
                  guint32       handle,
                  PpConnection *connection,
                  PpExports    *exports,
                  PpAccess     *access,
                  PpPreconditions *preconditions)
{
  PpForwarder *self = g_new0 (PpForwarder, 1);

  self->preconditions = preconditions;
  self->exports = exports;
  self->handle = handle;
  self->access = access;
  self->object = g_object_ref (object);
  self->connection = pp_connection_ref (connection);
  self->forwarded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
pp_forwarder_free (PpForwarder *self)
{
  if (self == NULL)
    return;
  pp_forwarder_stop (self);
  g_hash_table_unref (self->forwarded);
  pp_connection_unref (self->connection);
  g_object_unref (self->object);
  g_free (self);
}

void
pp_forwarder_stop (PpForwarder *self)
{
  GHashTableIter iter;
  gpointer value;

  g_clear_signal_handler (&self->notify_id, self->object);
  g_hash_table_iter_init (&iter, self->forwarded);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_signal_handler_disconnect (self->object, GPOINTER_TO_SIZE (value));
  g_hash_table_remove_all (self->forwarded);
}

/* Properties -------------------------------------------------------------- */

static gboolean
property_is_mirrored (GParamSpec *pspec,
                      gboolean   *reference)
{
  g_autoptr(GString) signature = g_string_new (NULL);

  if (!(pspec->flags & G_PARAM_READABLE) ||
      !pp_marshal_property_signature (pspec->value_type, signature, NULL))
    return FALSE;
  if (reference != NULL)
    *reference = g_str_equal (signature->str, "o");
  return TRUE;
}

/* NULL, with @error set, for a property the object cannot give now */
static GVariant *
property_value (PpForwarder  *self,
                GParamSpec   *pspec,
                GError      **error)
{
  g_auto(GValue) value = G_VALUE_INIT;

  if (!pp_preconditions_check_read (self->preconditions, self->object, pspec->name, error))
    return NULL;
  g_value_init (&value, pspec->value_type);
  g_object_get_property (self->object, pspec->name, &value);
  return pp_marshal_value_to_maybe (&value, error);
}

/* Keeps the proxy's property cache exact: every change is sent, in order
 * with the calls' replies. */
static void
on_object_notify (GObject     *object,
                  GParamSpec  *pspec,
                  PpForwarder *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) frame = NULL;
  gboolean reference = FALSE;
  GVariant *value;

  if (!property_is_mirrored (pspec, &reference) ||
      (self->access != NULL && !pp_access_shows (self->access, PP_ACCESS_PROPERTY, pspec->name)))
    return;

  /* A reference is read when asked for (GET_PROPERTY): the proxy is only
   * told that it changed */
  if (reference)
    value = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
  else
    value = property_value (self, pspec, &error);
  if (value == NULL)
    {
      g_debug ("Not forwarding the change of “%s”: %s", pspec->name, error->message);
      return;
    }
  /* A big value is written from where it is */
  frame = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  pp_wire_gather (frame, PP_WIRE_KIND_PROPERTY, PP_WIRE_FLAGS_NONE, 0, 0,
                  g_variant_new ("(us@mv)", self->handle, pspec->name, value));
  pp_connection_send_with_fds (self->connection, frame, NULL, NULL);
}

void
pp_forwarder_start (PpForwarder *self)
{
  if (self->notify_id == 0)
    self->notify_id = g_signal_connect (self->object, "notify", G_CALLBACK (on_object_notify),
                                        self);
}

static gboolean
set_property (PpForwarder  *self,
              GParamSpec   *pspec,
              const char   *name,
              GVariant     *maybe,
              GPtrArray    *objects,
              GError      **error)
{
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean reference = FALSE;

  if (pspec == NULL || !property_is_mirrored (pspec, NULL))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD,
                   _("Object of type %s has no property “%s” that can be set from another process"),
                   G_OBJECT_TYPE_NAME (self->object), name);
      return FALSE;
    }
  if (!(pspec->flags & G_PARAM_WRITABLE))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Property “%s” of %s is read-only"), name, G_OBJECT_TYPE_NAME (self->object));
      return FALSE;
    }
  if (pspec->flags & G_PARAM_CONSTRUCT_ONLY)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Property “%s” of %s is construct-only"), name,
                   G_OBJECT_TYPE_NAME (self->object));
      return FALSE;
    }
  property_is_mirrored (pspec, &reference);
  if (reference)
    {
      /* "/N" into the objects that came with it: a proxy of the peer's
       * object, or one of ours passed back as itself */
      g_autoptr(PpMarshalScope) scope = pp_marshal_scope_new ();
      g_autoptr(GVariant) boxed = g_variant_get_maybe (maybe);
      g_autoptr(GVariant) inner = boxed ? pp_variant_get_variant (boxed) : NULL;

      pp_marshal_scope_set_in_objects (scope, objects);
      if (inner == NULL)
        g_value_init (&value, pspec->value_type);
      else if (!pp_marshal_value_from_nullable (inner, pspec->value_type, scope, &value, error))
        return FALSE;
    }
  else if (!pp_marshal_value_from_maybe (maybe, pspec->value_type, &value, error))
    return FALSE;
  /* Checked here, since GObject only warns about an invalid value. */
  if (g_param_value_validate (pspec, &value))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The value is not valid for property “%s” of %s"),
                   name, G_OBJECT_TYPE_NAME (self->object));
      return FALSE;
    }
  /* and what the object's setter asserts beyond its GParamSpec */
  if (!pp_preconditions_check_property (self->preconditions, self->object, pspec->name, &value,
                                        error))
    return FALSE;
  /* The listener's allowlist and authorize handlers, last: they see a
   * value the property takes */
  {
    g_autoptr(GVariant) parameters = g_variant_ref_sink (g_variant_new_tuple (&maybe, 1));

    if (self->access != NULL &&
        !pp_access_admit (self->access, PP_REQUEST_SET_PROPERTY, self->object, pspec->name,
                         parameters, error))
      return FALSE;
  }
  g_object_set_property (self->object, name, &value);
  return TRUE;
}

void
pp_forwarder_set_property (PpForwarder        *self,
                           const PpWireHeader *header,
                           GVariant           *body,
                           GPtrArray          *objects)
{
  g_autoptr(GVariant) maybe = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) current = NULL;
  GParamSpec *pspec;
  const char *name;

  g_variant_get (body, "(u&s@mv)", NULL, &name, &maybe);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->object), name);

  if (set_property (self, pspec, name, maybe, objects, &error))
    {
      gboolean reference = FALSE;

      /* A reference's new value is read when asked for */
      property_is_mirrored (pspec, &reference);
      current = reference ? g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL)
                          : property_value (self, pspec, &error);
      if (current != NULL)
        current = g_variant_ref_sink (g_variant_new_tuple (&current, 1));
    }

  pp_invocation_send_answer (self->connection, NULL, header->serial, current, NULL, NULL, error);
}

/* GET_PROPERTY: a property whose values are references, read now. The
 * answer is (mo), with the object it refers to exported as a call's
 * result is; any other property answers with its value too. */
void
pp_forwarder_get_property (PpForwarder        *self,
                           const PpWireHeader *header,
                           GVariant           *body)
{
  g_autoptr(PpMarshalScope) scope = pp_marshal_scope_new ();
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GParamSpec *pspec;
  const char *name;

  g_variant_get (body, "(u&s)", NULL, &name);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->object), name);
  if (pspec == NULL || !property_is_mirrored (pspec, NULL) ||
      (self->access != NULL && !pp_access_shows (self->access, PP_ACCESS_PROPERTY, pspec->name)))
    {
      error = g_error_new (PP_ERROR, PP_ERROR_UNKNOWN_METHOD,
                           _("Object of type %s has no property “%s” that can be read from "
                             "another process"), G_OBJECT_TYPE_NAME (self->object), name);
      pp_invocation_send_answer (self->connection, NULL, header->serial, NULL, NULL, NULL, error);
      return;
    }
  if (!pp_preconditions_check_read (self->preconditions, self->object, pspec->name, &error))
    {
      pp_invocation_send_answer (self->connection, NULL, header->serial, NULL, NULL, NULL, error);
      return;
    }

  g_value_init (&value, pspec->value_type);
  g_object_get_property (self->object, pspec->name, &value);
  /* A boxed reference keeps the object alive */
  pp_marshal_scope_set_instance (scope, self->object);
  {
    GVariant *maybe = pp_marshal_value_to_nullable (&value, scope, &error);

    if (maybe != NULL)
      result = g_variant_ref_sink (g_variant_new_tuple (&maybe, 1));
  }
  objects = pp_marshal_scope_steal_out_objects (scope);
  pp_invocation_send_answer (self->connection, self->exports, header->serial, result, NULL,
                             objects, error);
}

/* Signals ----------------------------------------------------------------- */

typedef struct
{
  GClosure     closure;
  PpForwarder *forwarder;
  char        *name;
  gboolean     refused;      /* said once that the peer cannot get it */
} ForwardClosure;

static void
forward_closure_finalize (gpointer  data,
                          GClosure *closure)
{
  g_free (((ForwardClosure *) closure)->name);
}

typedef struct
{
  guint32     handle;
  const char *name;
  const char *detail;
  GVariant   *args;
} SignalFrame;

/* A PpObjectsFrameBuilder; big arguments are written from where they are */
static void
build_signal (GPtrArray *frames,
              GVariant  *table,
              gpointer   user_data)
{
  SignalFrame *frame = user_data;

  pp_wire_gather_signal (frames, frame->handle, frame->name, frame->detail, frame->args, table);
}

/* Sends one emission of a subscribed signal: all of it or, if an argument
 * cannot be converted, nothing. The objects and boxed references among
 * its arguments are exported with it: the peer holds them while its
 * handlers keep their proxies. */
static void
forward_signal_marshal (GClosure     *closure,
                        GValue       *return_value,
                        guint         n_param_values,
                        const GValue *param_values,
                        gpointer      invocation_hint,
                        gpointer      marshal_data)
{
  ForwardClosure *fc = (ForwardClosure *) closure;
  PpForwarder *self = fc->forwarder;
  GSignalInvocationHint *hint = invocation_hint;
  const char *detail = hint->detail ? g_quark_to_string (hint->detail) : "";
  g_autofree GVariant **args = g_new0 (GVariant *, MAX (n_param_values, 1));
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GError) error = NULL;
  PpMarshalScope *scope;
  SignalFrame frame = { self->handle, fc->name, detail, NULL };
  gboolean sent;

  /* The listener's allowlist may have changed since the subscription */
  if (self->access != NULL && !pp_access_shows (self->access, PP_ACCESS_SIGNAL, fc->name))
    return;

  /* A detail is any quark the emitter made; only text can cross */
  if (!g_utf8_validate (detail, -1, NULL))
    {
      g_debug ("Not forwarding an emission of “%s” whose detail is not UTF-8", fc->name);
      return;
    }

  /* A boxed reference keeps the emitter alive: a GtkTextIter points into
   * its buffer */
  scope = pp_marshal_scope_new ();
  pp_marshal_scope_set_instance (scope, self->object);
  for (guint i = 1; i < n_param_values; i++)
    {
      args[i - 1] = pp_marshal_value_to_nullable (&param_values[i], scope, &error);
      if (args[i - 1] == NULL)
        {
          g_debug ("Not forwarding an emission of “%s”: %s", fc->name, error->message);
          for (guint j = 0; j + 1 < i; j++)
            g_variant_unref (g_variant_ref_sink (args[j]));
          pp_marshal_scope_free (scope);
          return;
        }
    }
  fds = pp_marshal_scope_steal_out_fds (scope);
  objects = pp_marshal_scope_steal_out_objects (scope);
  pp_marshal_scope_free (scope);
  frame.args = g_variant_ref_sink (g_variant_new_tuple (args, n_param_values - 1));

  if (objects != NULL)
    sent = pp_exports_send (self->exports, objects, build_signal, &frame, fds, &error);
  else
    {
      g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      build_signal (pieces, NULL, &frame);
      sent = pp_connection_send_with_fds (self->connection, pieces, fds, &error);
    }
  g_variant_unref (frame.args);

  /* E.g. a stream on a pair of pipes or over ssh: the peer cannot get
   * it, and the protocol has no way to tell it so. Said once per
   * subscription, where the serving process's log goes (over ssh, back to
   * the caller's terminal), rather than dropped unseen. */
  if (!sent && !g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED))
    {
      if (!fc->refused && g_error_matches (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE))
        g_warning (_("Not forwarding signal “%s” to the peer: %s"), fc->name, error->message);
      else
        g_debug ("Not forwarding an emission of “%s”: %s", fc->name, error->message);
      fc->refused = TRUE;
    }
}

void
pp_forwarder_subscribe (PpForwarder *self,
                        const char  *name,
                        gboolean     subscribe)
{
  gulong handler_id = GPOINTER_TO_SIZE (g_hash_table_lookup (self->forwarded, name));
  ForwardClosure *fc;
  guint signal_id;

  if (!subscribe)
    {
      if (handler_id != 0)
        {
          g_signal_handler_disconnect (self->object, handler_id);
          g_hash_table_remove (self->forwarded, name);
        }
      return;
    }

  /* Names that are no mirrored signal are ignored: the proxy only asks for
   * what the description offered. */
  if (handler_id != 0 ||
      !pp_introspection_signal_is_mirrored (G_OBJECT_TYPE (self->object), name, &signal_id))
    return;

  /* There is no answer to a subscription: a refused one is never
   * forwarded */
  {
    g_autoptr(GVariant) parameters = g_variant_ref_sink (g_variant_new ("()"));
    g_autoptr(GError) error = NULL;

    if (self->access != NULL &&
        !pp_access_admit (self->access, PP_REQUEST_SUBSCRIBE, self->object, g_signal_name (signal_id),
                          parameters, &error))
      {
        g_debug ("Not forwarding “%s”: %s", name, error->message);
        return;
      }
  }

  fc = (ForwardClosure *) g_closure_new_simple (sizeof (ForwardClosure), NULL);
  fc->forwarder = self;
  fc->name = g_strdup (name);
  g_closure_add_finalize_notifier (&fc->closure, NULL, forward_closure_finalize);
  g_closure_set_marshal (&fc->closure, forward_signal_marshal);
  handler_id = g_signal_connect_closure_by_id (self->object, signal_id, 0, &fc->closure, FALSE);
  g_hash_table_insert (self->forwarded, g_strdup (name), GSIZE_TO_POINTER (handler_id));
}
