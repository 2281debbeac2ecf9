/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-introspection-private.h"
#include "pp-listener-struct-private.h"
#include "pp-method-private.h"

/* The caller's deadline, in its monotonic clock's milliseconds (low 32
 * bits), read in ours through the offset measured at the handshake (the
 * peer's clock reading came with its HELLO; the time the HELLO took to
 * arrive makes deadlines a little late, never early): a call whose
 * caller has already given up is not started. */
static gboolean
deadline_passed (PpListener *self,
                 guint32     deadline)
{
  guint32 now = (guint32) (g_get_monotonic_time () / 1000);

  return deadline != 0 && (gint32) (deadline + self->clock_offset - now) < 0;
}

/* For the listener's object an added method first, then the object's
 * own */
static PpMethod *
lookup_method (PpListener  *self,
               GObject     *object,
               const char  *name,
               GError     **error)
{
  PpMethod *method = object == self->object ? g_hash_table_lookup (self->methods, name) : NULL;

  if (method != NULL)
    return pp_method_ref (method);
  return pp_introspection_lookup_method (pp_boxed_ref_method_type (object), name, error);
}


/* Invokes @method of @object, which the invocation takes */
static void
invoke_method (PpListener   *self,
               PpInvocation *invocation,
               GObject      *object,
               PpMethod     *method,
               GVariant     *args,
               GUnixFDList  *fds,
               GPtrArray    *objects)
{
  GCancellable *cancellable = NULL;

  pp_invocation_take_method (invocation, method);
  if (method->invocation_func != NULL)
    {
      pp_invocation_invoke_added (invocation, object, args);
      return;
    }
  if (!pp_method_is_async (method))
    {
      /* One that takes a cancellable gets the invocation's, and while it
       * runs another thread reads, so that a CANCEL for it cancels it */
      if (pp_method_takes_cancellable (method))
        cancellable = pp_invocation_cancellable (invocation, TRUE);
      pp_method_invoke_async (method, object, args, fds, objects, cancellable,
                              pp_connection_get_max_message_size (self->connection),
                              pp_invocation_method_done, invocation);
      return;
    }

  if (pp_method_takes_cancellable (method))
    cancellable = pp_invocation_cancellable (invocation, FALSE);
  pp_method_invoke_async (method, object, args, fds, objects, cancellable,
                          pp_connection_get_max_message_size (self->connection),
                          pp_invocation_async_method_done, g_object_ref (invocation));
}

/* A call that no method answers: a handler may */
static void
emit_handle_method_call (PpListener   *self,
                         PpInvocation *invocation,
                         const GError *unknown)
{
  const char *name = pp_invocation_get_method_name (invocation);
  gboolean handled = FALSE;

  g_signal_emit (self, pp_listener_signals[HANDLE_METHOD_CALL], g_quark_try_string (name),
                 name, pp_invocation_get_parameters (invocation), invocation, &handled);
  if (!handled)
    pp_invocation_return_gerror (invocation, unknown);
}

/* Whether the peer may call @method with @args (see pp-access.c), and
 * what the object's type requires of them beyond their types (see
 * pp-preconditions.c); an added method is the listener author's own */
static gboolean
admit_method (PpListener       *self,
              GObject          *object,
              PpPreconditions  *preconditions,
              PpMethod         *method,
              GVariant         *args,
              GError          **error)
{
  /* The same rules for every object served, the listener's own and the
   * ones its methods gave the peer */
  if (pp_access_checks_calls (self->access) &&
      !pp_access_admit_call (self->access, object, pp_method_get_name (method),
                             pp_method_get_in_type (method), args, error))
    return FALSE;
  return preconditions == NULL ||
         pp_method_get_kind (method) != PP_METHOD_KIND_INTROSPECTED ||
         pp_preconditions_check (preconditions, object, pp_method_get_name (method),
                                 pp_method_get_in_type (method), args, error);
}

/* For the listener's object in the invocation the last call left, if it
 * could */
static PpInvocation *
start_invocation (PpListener         *self,
                  GObject            *object,
                  const PpWireHeader *header,
                  GVariant           *body,
                  const char         *name,
                  GVariant           *args,
                  GUnixFDList        *fds,
                  GPtrArray          *objects)
{
  PpInvocation *invocation = NULL;

  if (object == self->object)
    invocation = g_steal_pointer (&self->spare);
  if (invocation == NULL)
    invocation = pp_invocation_new (self->connection, self->running, self->exports, object);
  pp_invocation_start (invocation, header->serial, (header->flags & PP_WIRE_FLAGS_NO_REPLY) != 0,
                       body, name, args, fds, objects);
  return invocation;
}

void
pp_listener_handle_call (PpListener         *self,
                         const PpWireHeader *header,
                         GVariant           *body,
                         GUnixFDList        *fds,
                         GPtrArray          *objects)
{
  g_autoptr(GVariant) args = NULL;
  g_autoptr(PpInvocation) invocation = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = NULL;
  PpPreconditions *preconditions = self->preconditions;
  guint32 handle = pp_wire_body_handle (body);
  PpMethod *method;
  const char *name;

  if (handle == PP_WIRE_ROOT_HANDLE)
    object = g_object_ref (self->object);
  else
    object = pp_exports_lookup (self->exports, handle, NULL, &preconditions);

  /* The name points into @body */
  pp_wire_split_body (body, &name, 1, &args, NULL);
  invocation = start_invocation (self, object ? object : self->object, header, body, name, args,
                                 fds, objects);

  if (object == NULL)
    {
      error = pp_error_no_such_object (handle);
      pp_invocation_return_gerror (invocation, error);
      return;
    }

  if (G_UNLIKELY (header->flags & PP_WIRE_FLAGS_ARGS_TOO_DEEP))
    {
      g_set_error (&error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The arguments of “%s” are nested more than %d levels deep"),
                   name, PP_WIRE_MAX_ARGS_DEPTH);
      pp_invocation_return_gerror (invocation, error);
      return;
    }

  if (deadline_passed (self, header->timeout_msec))
    {
      g_set_error (&error, PP_ERROR, PP_ERROR_TIMED_OUT,
                   _("The caller of “%s” gave up before it could start"), name);
      pp_invocation_return_gerror (invocation, error);
      return;
    }

  method = lookup_method (self, object, name, &error);
  if (method != NULL &&
      G_UNLIKELY (preconditions != NULL || pp_access_checks_calls (self->access)) &&
      !admit_method (self, object, preconditions, method, args, &error))
    {
      pp_invocation_take_method (invocation, method);
      pp_invocation_return_gerror (invocation, error);
    }
  else if (method != NULL)
    invoke_method (self, invocation, object, method, args, fds, objects);
  else if (g_error_matches (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD) && object == self->object)
    {
      g_autoptr(GError) refused = NULL;

      /* A handle-method-call handler could answer it */
      if (pp_access_checks_calls (self->access) &&
          !pp_access_admit_call (self->access, object, name, NULL, args, &refused))
        pp_invocation_return_gerror (invocation, refused);
      else
        emit_handle_method_call (self, invocation, error);
    }
  else
    pp_invocation_return_gerror (invocation, error);

  /* One answered later (an async method, a handler's) can be cancelled */
  pp_invocation_dispatched (invocation);

  /* Most calls are answered at once, by a method: the next one reuses the
   * invocation, which no handler has seen */
  if (method != NULL && object == self->object && self->spare == NULL &&
      pp_invocation_recycle (invocation))
    self->spare = g_steal_pointer (&invocation);
}
