/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-export-server-private.h"
#include "pp-introspection-private.h"
#include "pp-invocation-private.h"
#include "pp-preconditions-private.h"

struct _PpExportServer
{
  PpConnection   *connection;   /* borrowed: the owner holds it */
  PpExports      *exports;
  PpRunningCalls *running;
  PpAccess       *access;       /* borrowed, or NULL */
  gboolean        checks_deadlines;
  guint32         clock_offset; /* our clock minus the peer's, in ms */
};

PpExportServer *
pp_export_server_new (PpConnection *connection,
                      PpExports    *exports,
                      PpAccess     *access)
{
  PpExportServer *self = g_new0 (PpExportServer, 1);

  self->connection = connection;
  self->exports = pp_exports_ref (exports);
  self->running = pp_running_calls_new ();
  self->access = access;
  return self;
}

void
pp_export_server_free (PpExportServer *self)
{
  if (self == NULL)
    return;
  pp_running_calls_cancel_all (self->running);
  pp_running_calls_unref (self->running);
  pp_exports_unref (self->exports);
  g_free (self);
}

void
pp_export_server_set_clock_offset (PpExportServer *self,
                                   guint32         clock_offset)
{
  self->checks_deadlines = TRUE;
  self->clock_offset = clock_offset;
}

PpRunningCalls *
pp_export_server_get_running (PpExportServer *self)
{
  return self->running;
}

/* The caller's deadline, in its monotonic clock's milliseconds (low 32
 * bits), read in ours through the offset measured at the handshake (the
 * peer's clock reading came with its HELLO; the time the HELLO took to
 * arrive makes deadlines a little late, never early): a call whose
 * caller has already given up is not started. */
static gboolean
deadline_passed (PpExportServer *self,
                 guint32         deadline)
{
  guint32 now;

  if (deadline == 0 || !self->checks_deadlines)
    return FALSE;
  now = (guint32) (g_get_monotonic_time () / 1000);
  return (gint32) (deadline + self->clock_offset - now) < 0;
}

gboolean
pp_export_server_may_start (PpExportServer      *self,
                            const PpWireHeader  *header,
                            const char          *name,
                            GError             **error)
{
  if (G_UNLIKELY (header->flags & PP_WIRE_FLAGS_ARGS_TOO_DEEP))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The arguments of “%s” are nested more than %d levels deep"),
                   name, PP_WIRE_MAX_ARGS_DEPTH);
      return FALSE;
    }
  if (deadline_passed (self, header->timeout_msec))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_TIMED_OUT,
                   _("The caller of “%s” gave up before it could start"), name);
      return FALSE;
    }
  return TRUE;
}

gboolean
pp_export_server_admit (PpExportServer   *self,
                        GObject          *object,
                        PpPreconditions  *preconditions,
                        PpMethod         *method,
                        GVariant         *args,
                        GError          **error)
{
  if (self->access != NULL && pp_access_checks_calls (self->access) &&
      !pp_access_admit_call (self->access, object, pp_method_get_name (method),
                             pp_method_get_in_type (method), args, error))
    return FALSE;
  return preconditions == NULL ||
         pp_method_get_kind (method) != PP_METHOD_KIND_INTROSPECTED ||
         pp_preconditions_check (preconditions, object, pp_method_get_name (method),
                                 pp_method_get_in_type (method), args, error);
}

void
pp_export_server_invoke (PpExportServer *self,
                         PpInvocation   *invocation,
                         GObject        *object,
                         PpMethod       *method,
                         GVariant       *args,
                         GUnixFDList    *fds,
                         GPtrArray      *objects)
{
  gboolean async = pp_method_is_async (method);
  GCancellable *cancellable = NULL;

  pp_invocation_take_method (invocation, method);
  /* A sync method blocks this context while it runs: asking for the
   * cancellable makes another thread read, so that a CANCEL reaches it */
  if (pp_method_takes_cancellable (method))
    cancellable = pp_invocation_cancellable (invocation, !async);
  if (async)
    pp_method_invoke_async (method, object, args, fds, objects, cancellable,
                            pp_connection_get_max_message_size (self->connection),
                            pp_invocation_async_method_done, g_object_ref (invocation));
  else
    pp_method_invoke_async (method, object, args, fds, objects, cancellable,
                            pp_connection_get_max_message_size (self->connection),
                            pp_invocation_method_done, invocation);
}

/* Finds the method through introspection (a boxed reference's in its
 * boxed type), checks it and invokes it; the invocation answers */
static void
serve_call (PpExportServer     *self,
            const PpWireHeader *header,
            GVariant           *body,
            GUnixFDList        *fds,
            GPtrArray          *objects)
{
  g_autoptr(GVariant) args = NULL;
  g_autoptr(PpInvocation) invocation = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = NULL;
  PpPreconditions *preconditions = NULL;
  guint32 handle = pp_wire_body_handle (body);
  PpMethod *method = NULL;
  const char *name;

  object = pp_exports_lookup (self->exports, handle, NULL, &preconditions);

  /* The name points into @body */
  pp_wire_split_body (body, &name, 1, &args, NULL);
  invocation = pp_invocation_new (self->connection, self->running, self->exports, object);
  pp_invocation_start (invocation, header->serial, (header->flags & PP_WIRE_FLAGS_NO_REPLY) != 0,
                       body, name, args, fds, objects);

  if (object == NULL)
    error = pp_error_no_such_object (handle);
  else if (pp_export_server_may_start (self, header, name, &error))
    method = pp_introspection_lookup_method (pp_boxed_ref_method_type (object), name, &error);

  if (method != NULL && !pp_export_server_admit (self, object, preconditions, method, args, &error))
    {
      pp_invocation_take_method (invocation, method);
      method = NULL;
    }

  if (method == NULL)
    pp_invocation_return_gerror (invocation, error);
  else
    pp_export_server_invoke (self, invocation, object, method, args, fds, objects);

  /* One answered later can be cancelled */
  pp_invocation_dispatched (invocation);
}

gboolean
pp_export_server_take (PpExportServer      *self,
                       const PpWireHeader  *header,
                       GVariant            *body,
                       GUnixFDList         *fds,
                       GPtrArray           *objects,
                       GError             **error)
{
  PpForwarder *forwarder = NULL;
  g_autoptr(GObject) object = NULL;

  switch (header->kind)
    {
    case PP_WIRE_KIND_CALL:
      serve_call (self, header, body, fds, objects);
      return TRUE;

    case PP_WIRE_KIND_RELEASE:
      return pp_exports_take_release (self->exports, body, error);

    case PP_WIRE_KIND_CANCEL:
      pp_running_calls_cancel (self->running, header->serial);
      return TRUE;

    case PP_WIRE_KIND_SUBSCRIBE:
    case PP_WIRE_KIND_UNSUBSCRIBE:
      {
        const char *name;
        guint32 handle;

        g_variant_get (body, "(u&s)", &handle, &name);
        object = pp_exports_lookup (self->exports, handle, &forwarder, NULL);
        if (forwarder != NULL)
          pp_forwarder_subscribe (forwarder, name, header->kind == PP_WIRE_KIND_SUBSCRIBE);
      }
      return TRUE;

    case PP_WIRE_KIND_SET_PROPERTY:
    case PP_WIRE_KIND_GET_PROPERTY:
      {
        guint32 handle = pp_wire_body_handle (body);

        object = pp_exports_lookup (self->exports, handle, &forwarder, NULL);
        if (forwarder != NULL && header->kind == PP_WIRE_KIND_GET_PROPERTY)
          pp_forwarder_get_property (forwarder, header, body);
        else if (forwarder != NULL)
          pp_forwarder_set_property (forwarder, header, body, objects);
        else
          {
            g_autoptr(GError) missing = pp_error_no_such_object (handle);

            pp_invocation_send_answer (self->connection, NULL, header->serial, NULL, NULL, NULL,
                                       missing);
          }
      }
      return TRUE;

    default:
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL, _("Received a %s frame here"),
                   pp_wire_kind_to_string (header->kind));
      return FALSE;
    }
}

void
pp_export_server_cancel (PpExportServer *self,
                         guint32         serial)
{
  pp_running_calls_cancel_early (self->running, serial);
}

void
pp_export_server_closed (PpExportServer *self)
{
  pp_running_calls_cancel_all (self->running);
  /* The peer's proxies are gone with it */
  pp_exports_clear (self->exports);
}
