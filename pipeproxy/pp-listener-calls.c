/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-introspection-private.h"
#include "pp-listener-struct-private.h"
#include "pp-method-private.h"

void
pp_listener_forget_method (PpListener *self)
{
  g_clear_pointer (&self->last_name, g_free);
  g_clear_pointer (&self->last_method, pp_method_unref);
}

/* An added method first, then the object's own. Calls mostly repeat one
 * method: the name looked up last is compared first, and what it found
 * kept until the added methods change. */
static PpMethod *
lookup_method (PpListener  *self,
               const char  *name,
               GError     **error)
{
  PpMethod *method;

  if (self->last_method != NULL && strcmp (self->last_name, name) == 0)
    return pp_method_ref (self->last_method);

  method = g_hash_table_lookup (self->methods, name);
  if (method != NULL)
    method = pp_method_ref (method);
  else
    method = pp_introspection_lookup_method (G_OBJECT_TYPE (self->object), name, error);
  if (method != NULL)
    {
      pp_listener_forget_method (self);
      self->last_name = g_strdup (name);
      self->last_method = pp_method_ref (method);
    }
  return method;
}

/* Invokes @method, which the invocation takes */
static void
invoke_method (PpListener   *self,
               PpInvocation *invocation,
               PpMethod     *method,
               GVariant     *args,
               GUnixFDList  *fds,
               GPtrArray    *objects)
{
  if (method->invocation_func != NULL)
    {
      pp_invocation_take_method (invocation, method);
      pp_invocation_invoke_added (invocation, self->object, args);
      return;
    }
  pp_export_server_invoke (self->server, invocation, self->object, method, args, fds, objects);
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

/* In the invocation the last call left, if it could */
static PpInvocation *
start_invocation (PpListener         *self,
                  const PpWireHeader *header,
                  GVariant           *body,
                  const char         *name,
                  GVariant           *args,
                  GUnixFDList        *fds,
                  GPtrArray          *objects)
{
  PpInvocation *invocation = g_steal_pointer (&self->spare);

  if (invocation == NULL)
    invocation = pp_invocation_new (self->connection, pp_export_server_get_running (self->server),
                                    self->exports, self->object);
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
  PpMethod *method = NULL;
  const char *name;

  /* The name points into @body */
  pp_wire_split_body (body, &name, 1, &args, NULL);
  invocation = start_invocation (self, header, body, name, args, fds, objects);

  if (pp_export_server_may_start (self->server, header, name, &error))
    method = lookup_method (self, name, &error);

  if (method != NULL &&
      G_UNLIKELY (self->preconditions != NULL || pp_access_checks_calls (self->access)) &&
      !pp_export_server_admit (self->server, self->object, self->preconditions, method, args,
                               &error))
    {
      pp_invocation_take_method (invocation, method);
      pp_invocation_return_gerror (invocation, error);
    }
  else if (method != NULL)
    invoke_method (self, invocation, method, args, fds, objects);
  else if (g_error_matches (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD))
    {
      g_autoptr(GError) refused = NULL;

      /* A handle-method-call handler could answer it */
      if (pp_access_checks_calls (self->access) &&
          !pp_access_admit_call (self->access, self->object, name, NULL, args, &refused))
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
  if (method != NULL && self->spare == NULL && pp_invocation_recycle (invocation))
    self->spare = g_steal_pointer (&invocation);
}
