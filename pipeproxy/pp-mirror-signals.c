/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-list-model-private.h"
#include "pp-marshal-private.h"
#include "pp-mirror-type-private.h"
#include "pp-normal-form-private.h"

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

/* Frames about a remote object ----------------------------------------- */

void
pp_mirror_route_message (PpImports          *imports,
                         PpProxy            *root,
                         const PpWireHeader *header,
                         GVariant           *body,
                         GUnixFDList        *fds,
                         GPtrArray          *objects)
{
  guint32 handle = pp_wire_body_handle (body);
  g_autoptr(PpProxy) target = NULL;
  PpMirror *mirror = NULL;

  if (handle == PP_WIRE_ROOT_HANDLE)
    target = g_object_ref (root);
  else
    target = (PpProxy *) pp_imports_dup_proxy (imports, handle);
  if (target != NULL)
    mirror = pp_mirror_get (target);

  if (header->kind == PP_WIRE_KIND_SIGNAL)
    {
      if (mirror != NULL)
        pp_mirror_emit_signal (mirror, body, fds, objects);
    }
  else if (mirror != NULL)
    pp_mirror_take_property (mirror, body);
  else
    {
      g_autoptr(GVariant) maybe = NULL;
      const char *name;

      /* For the next proxy of an object, if it comes again */
      g_variant_get (body, "(u&s@mv)", &handle, &name, &maybe);
      pp_imports_store_property (imports, handle, name, maybe);
    }
}

void
pp_mirror_sync_imported (PpImports *imports)
{
  g_autoptr(GPtrArray) imported = pp_imports_dup_proxies (imports);

  for (guint i = 0; imported != NULL && i < imported->len; i++)
    pp_mirror_sync_subscriptions (pp_mirror_get (g_ptr_array_index (imported, i)));
}
