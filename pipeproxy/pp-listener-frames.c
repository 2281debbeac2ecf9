/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-export-server-private.h"
#include "pp-imports-private.h"
#include "pp-listener-struct-private.h"
#include "pp-mirror-private.h"
#include "pp-proxy-private.h"

/* What is not about the object itself: the other objects it exported,
 * releases and cancels */
static void
serve_exported (PpListener         *self,
                const PpWireHeader *header,
                GVariant           *body,
                GUnixFDList        *fds,
                GPtrArray          *objects)
{
  GError *error = NULL;

  if (!pp_export_server_take (self->server, header, body, fds, objects, &error))
    pp_listener_protocol_error (self, error);
}

/* SET_PROPERTY or GET_PROPERTY of the object */
static void
handle_property (PpListener         *self,
                 const PpWireHeader *header,
                 GVariant           *body,
                 GPtrArray          *objects)
{
  if (header->kind == PP_WIRE_KIND_GET_PROPERTY)
    pp_forwarder_get_property (self->forwarder, header, body);
  else
    pp_forwarder_set_property (self->forwarder, header, body, objects);
}

static void
on_message (PpConnection       *connection,
            const PpWireHeader *header,
            GVariant           *body,
            GUnixFDList        *fds,
            GPtrArray          *objects,
            gpointer            user_data)
{
  PpListener *self = user_data;

  if (!self->greeted && header->kind != PP_WIRE_KIND_HELLO)
    {
      pp_listener_protocol_error (self,
                                  g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                                               _("Received a frame of kind %s before the "
                                                 "handshake"),
                                               pp_wire_kind_to_string (header->kind)));
      return;
    }

  switch (header->kind)
    {
    case PP_WIRE_KIND_HELLO:
      if (self->greeted)
        pp_listener_protocol_error (self, g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                                                       _("Received a second handshake")));
      else
        pp_listener_handle_hello (self, header, body);
      break;

    case PP_WIRE_KIND_CALL:
    case PP_WIRE_KIND_SUBSCRIBE:
    case PP_WIRE_KIND_UNSUBSCRIBE:
    case PP_WIRE_KIND_SET_PROPERTY:
    case PP_WIRE_KIND_GET_PROPERTY:
      if (pp_wire_body_handle (body) != PP_WIRE_ROOT_HANDLE)
        serve_exported (self, header, body, fds, objects);
      else if (header->kind == PP_WIRE_KIND_CALL)
        pp_listener_handle_call (self, header, body, fds, objects);
      else if (header->kind == PP_WIRE_KIND_SET_PROPERTY ||
               header->kind == PP_WIRE_KIND_GET_PROPERTY)
        handle_property (self, header, body, objects);
      else
        {
          const char *name;

          g_variant_get_child (body, 1, "&s", &name);
          pp_forwarder_subscribe (self->forwarder, name,
                                  header->kind == PP_WIRE_KIND_SUBSCRIBE);
        }
      break;

    case PP_WIRE_KIND_RELEASE:
    case PP_WIRE_KIND_CANCEL:
      /* A call answered later is told through its cancellable. One
       * answered at once has been by the time a cancel is read: the
       * caller dropped its reply already. */
      serve_exported (self, header, body, fds, objects);
      break;

    case PP_WIRE_KIND_SIGNAL:
    case PP_WIRE_KIND_PROPERTY:
      /* About an object of the peer's passed to a call */
      pp_mirror_route_message (self->imports, NULL, header, body, fds, objects);
      break;

    case PP_WIRE_KIND_WELCOME:
    case PP_WIRE_KIND_RETURN:
    case PP_WIRE_KIND_ERROR:
    default:
      pp_listener_protocol_error (self, g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                                                     _("A listener does not accept %s frames"),
                                                     pp_wire_kind_to_string (header->kind)));
      break;
    }
}

static void
on_closed (PpConnection *connection,
           const GError *error,
           gpointer      user_data)
{
  PpListener *self = user_data;

  if (self->closed)
    return;
  self->closed = TRUE;
  pp_forwarder_stop (self->forwarder);
  pp_export_server_closed (self->server);

  g_object_ref (self);
  g_signal_emit (self, pp_listener_signals[CLOSED], 0, error);
  g_object_unref (self);
}

/* In the reading thread: a call's arguments may refer to objects of ours
 * the peer holds */
static GPtrArray *
on_objects (PpConnection  *connection,
            GVariant      *table,
            gpointer       user_data,
            GError       **error)
{
  PpListener *self = user_data;

  return pp_imports_resolve (self->imports, self->exports, table, error);
}

/* The import table's frames, in the reading thread, before the frames
 * that need them */
static gboolean
on_immediate (PpConnection       *connection,
              const PpWireHeader *header,
              GVariant           *body,
              gpointer            user_data,
              GError            **error)
{
  PpListener *self = user_data;

  if (header->kind == PP_WIRE_KIND_RELEASED)
    return pp_imports_take_released (self->imports, body, error);
  return pp_imports_take (self->imports, header, body, error);
}

static void
on_prepare (PpConnection *connection,
            gpointer      user_data)
{
  PpListener *self = user_data;

  pp_mirror_sync_imported (self->imports);
}

/* A proxy of an object the peer passed, on the listener's connection.
 * Under the import table's lock. */
GObject *
pp_listener_make_imported_proxy (guint32        handle,
                                 guint          generation,
                                 PpDescription *description,
                                 GHashTable    *values,
                                 gpointer       user_data)
{
  PpListener *self = user_data;

  return G_OBJECT (pp_proxy_new_imported (self->imports, self->exports, self->connection, handle,
                                          generation, description, values,
                                          self->max_mirror_types, self->max_mirror_members));
}

/* A CANCEL as soon as it is read, also by another thread while a method
 * runs: it cancels the call if it runs, or as it starts */
static void
on_cancel (PpConnection *connection,
           guint32       serial,
           gpointer      user_data)
{
  PpListener *self = user_data;

  pp_export_server_cancel (self->server, serial);
}

const PpConnectionCallbacks pp_listener_callbacks = {
  .accepted_kinds = (1u << PP_WIRE_KIND_HELLO) | (1u << PP_WIRE_KIND_CALL) |
                    (1u << PP_WIRE_KIND_CANCEL) | (1u << PP_WIRE_KIND_SUBSCRIBE) |
                    (1u << PP_WIRE_KIND_UNSUBSCRIBE) | (1u << PP_WIRE_KIND_SET_PROPERTY) |
                    (1u << PP_WIRE_KIND_GET_PROPERTY) |
                    (1u << PP_WIRE_KIND_RELEASE) | (1u << PP_WIRE_KIND_SIGNAL) |
                    (1u << PP_WIRE_KIND_PROPERTY),
  /* Each ends through its PpInvocation */
  .request_kinds = 1u << PP_WIRE_KIND_CALL,
  /* Calls back into our objects while we wait in a call of our own */
  .serve_kinds = PP_EXPORT_SERVER_KINDS,
  /* The peer serves no object 0 */
  .no_root_kinds = (1u << PP_WIRE_KIND_SIGNAL) | (1u << PP_WIRE_KIND_PROPERTY),
  .message = on_message,
  .closed = on_closed,
  .prepare = on_prepare,
  .immediate_kinds = (1u << PP_WIRE_KIND_TYPE) | (1u << PP_WIRE_KIND_INTRODUCE) |
                     (1u << PP_WIRE_KIND_RELEASED),
  .immediate = on_immediate,
  .objects = on_objects,
  .cancel = on_cancel,
};
