/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-handshake-private.h"
#include "pp-introspection-private.h"
#include "pp-introspection-vfuncs-private.h"
#include "pp-listener-struct-private.h"
#include "pp-method-private.h"

/* The added methods, as the description reads them */
typedef PpMethod AddedMethod;

/* Tells the peer why, and closes */
static void
close_with_error (PpConnection *connection,
                  const GError *error)
{
  g_autoptr(GBytes) frame = pp_wire_encode_error (0, error);

  g_debug ("Closing the connection: %s", error->message);
  pp_connection_send_and_close (connection, frame, error);
}

void
pp_listener_protocol_error (PpListener *self,
                            GError     *error)
{
  close_with_error (self->connection, error);
  g_error_free (error);
}

static PpDescription *
describe_object (PpListener *self)
{
  GType type = G_OBJECT_TYPE (self->object);
  PpDescription *description = pp_description_new (g_type_name (type));
  GHashTableIter iter;
  gpointer key, value;

  pp_introspection_describe_type (type, description);

  g_hash_table_iter_init (&iter, self->methods);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      AddedMethod *added = value;

      pp_description_add_method (description, key, g_variant_type_peek_string (added->in_type),
                                 g_variant_type_peek_string (added->out_type), TRUE,
                                 PP_METHOD_DISPATCH_ADDED);
    }
  pp_introspection_describe_methods (type, description);
  pp_vfuncs_describe_interfaces (type, description);
  pp_introspection_describe_signals (type, description);
  pp_introspection_describe_properties (self->object, description);
  return pp_access_filter_description (self->access, description, type);
}

void
pp_listener_handle_hello (PpListener         *self,
                          const PpWireHeader *header,
                          GVariant           *body)
{
  g_autoptr(GVariant) options = NULL;
  const char *magic;
  guint32 version;

  g_variant_get (body, "(&su@a{sv})", &magic, &version, &options);

  {
    guint32 peer_clock;
    const char *peer_boot_id = NULL;
    gboolean unix_fds = FALSE;

    /* A peer of the same boot reads the same clock: the difference
     * measured from this frame would be how late it came, which under
     * load can be longer than the calls' time-outs */
    g_variant_lookup (options, "boot-id", "&s", &peer_boot_id);
    if (peer_boot_id != NULL && *peer_boot_id != '\0' &&
        g_str_equal (peer_boot_id, pp_handshake_boot_id ()))
      pp_export_server_set_clock_offset (self->server, 0);
    else if (g_variant_lookup (options, "clock-ms", "u", &peer_clock))
      pp_export_server_set_clock_offset (self->server,
                                         (guint32) (g_get_monotonic_time () / 1000) - peer_clock);
    g_variant_lookup (options, "unix-fds", "b", &unix_fds);
    pp_connection_set_peer_receives_fds (self->connection, unix_fds);
  }

  if (g_strcmp0 (magic, PP_WIRE_MAGIC) != 0)
    {
      pp_listener_protocol_error (self, g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                                                     _("The peer is not a pipeproxy proxy")));
      return;
    }
  if (version != PP_WIRE_PROTOCOL_VERSION)
    {
      pp_listener_protocol_error (self, g_error_new (PP_ERROR, PP_ERROR_PROTOCOL,
                                                     _("The proxy speaks protocol version %u, "
                                                       "this listener speaks version %u"),
                                                     version, PP_WIRE_PROTOCOL_VERSION));
      return;
    }

  {
    GError *error = NULL;

    if (!pp_access_admit_peer (self->access, &error))
      {
        pp_listener_protocol_error (self, error);
        return;
      }
  }

  self->greeted = TRUE;

  {
    g_autoptr(PpDescription) description = describe_object (self);
    GVariant *info = pp_description_serialize (description,
                                               pp_connection_receives_fds (self->connection));
    g_autoptr(GBytes) frame = pp_wire_encode (PP_WIRE_KIND_WELCOME, PP_WIRE_FLAGS_NONE,
                                              header->serial, 0,
                                              g_variant_new ("(su@a{sv})", PP_WIRE_MAGIC,
                                                             (guint32) PP_WIRE_PROTOCOL_VERSION,
                                                             info));
    pp_connection_send (self->connection, frame, NULL);
  }

  /* From now on the proxy's property cache follows every change. */
  pp_forwarder_start (self->forwarder);
}

typedef struct
{
  PpConnection *connection;
  const GError *reason;
  gboolean      done;
} Refusal;

static void
refuse_hello (PpConnection       *connection,
              const PpWireHeader *header,
              GVariant           *body,
              GUnixFDList        *fds,
              GPtrArray          *objects,
              gpointer            user_data)
{
  Refusal *refusal = user_data;

  close_with_error (connection, refusal->reason);
}

static void
refusal_sent (PpConnection *connection,
              const GError *error,
              gpointer      user_data)
{
  Refusal *refusal = user_data;

  refusal->done = TRUE;
}

/* A peer that does not say hello is told all the same */
static gboolean
refuse_anyway (gpointer user_data)
{
  Refusal *refusal = user_data;

  close_with_error (refusal->connection, refusal->reason);
  return G_SOURCE_REMOVE;
}

gboolean
pp_listener_refuse (GIOStream     *stream,
                    const GError  *reason,
                    GError       **error)
{
  static const PpConnectionCallbacks callbacks = {
    .accepted_kinds = 1u << PP_WIRE_KIND_HELLO,
    .message = refuse_hello,
    .closed = refusal_sent,
  };
  Refusal refusal = { .reason = reason };
  g_autoptr(GSource) timeout = NULL;
  GMainContext *context;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), FALSE);
  g_return_val_if_fail (reason != NULL, FALSE);

  refusal.connection = pp_connection_new (stream, &callbacks, &refusal, error);
  if (refusal.connection == NULL)
    return FALSE;
  context = pp_connection_get_context (refusal.connection);
  timeout = g_timeout_source_new (1000);
  g_source_set_callback (timeout, refuse_anyway, &refusal, NULL);
  g_source_attach (timeout, context);

  pp_connection_start (refusal.connection);
  while (!refusal.done)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  pp_connection_detach (refusal.connection);
  pp_connection_unref (refusal.connection);
  return TRUE;
}

/* Describing the object loads what the handshake and the calls would
 * load when first needed: the typelibs of its type, the libraries their
 * methods are in. */
void
pp_listener_load_for_calls (PpListener *self)
{
  g_return_if_fail (PP_IS_LISTENER (self));

  pp_description_unref (describe_object (self));
}
