/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-handshake-private.h"

/* Until the proxy exists, the listener has no reason to send anything but
 * the WELCOME: it only sends changes after it */
static void
on_message (PpConnection       *connection,
            const PpWireHeader *header,
            GVariant           *body,
            GUnixFDList        *fds,
            GPtrArray          *objects,
            gpointer            user_data)
{
  g_debug ("Ignoring a %s frame that came before the proxy",
           pp_wire_kind_to_string (header->kind));
}

static GError *
on_end_reason (PpConnection *connection,
               const GError *error,
               gpointer      user_data)
{
  PpHandshake *self = user_data;

  return self->end_reason ? self->end_reason (error, self->end_reason_data) : NULL;
}

static const PpConnectionCallbacks handshake_callbacks = {
  .accepted_kinds = (1u << PP_WIRE_KIND_SIGNAL) | (1u << PP_WIRE_KIND_PROPERTY),
  .message = on_message,
  .end_reason = on_end_reason,
};

PpHandshake *
pp_handshake_new (GIOStream       *stream,
                  PpOptions       *options,
                  PpEndReasonFunc  end_reason,
                  gpointer         end_reason_data,
                  GDestroyNotify   destroy)
{
  g_autoptr(PpOptions) defaults = options ? NULL : pp_options_new ();
  PpHandshake *self = g_new0 (PpHandshake, 1);

  /* The listener's reason for refusing us keeps its domain only if it is
   * registered, and nothing may have registered it yet */
  pp_error_quark ();

  if (options == NULL)
    options = defaults;
  self->stream = g_object_ref (stream);
  self->default_timeout = pp_options_get_default_timeout (options);
  self->cancel_timeout = pp_options_get_cancel_timeout (options);
  self->max_pending_calls = pp_options_get_max_pending_calls (options);
  self->max_message_size = pp_options_get_max_message_size (options);
  self->memfd_threshold = pp_options_get_memfd_threshold (options);
  self->max_queued_input = pp_options_get_max_queued_input (options);
  self->max_queued_output = pp_options_get_max_queued_output (options);
  self->max_mirror_types = pp_options_get_max_mirror_types (options);
  self->max_mirror_members = pp_options_get_max_mirror_members (options);
  self->limits.max_size = pp_options_get_max_description_size (options);
  self->limits.max_members = pp_options_get_max_description_members (options);
  self->end_reason = end_reason;
  self->end_reason_data = end_reason_data;
  self->end_reason_destroy = destroy;
  return self;
}

void
pp_handshake_free (PpHandshake *self)
{
  if (self->connection != NULL)
    {
      pp_connection_detach (self->connection);
      pp_connection_unref (self->connection);
    }
  g_clear_object (&self->stream);
  g_clear_pointer (&self->description, pp_description_unref);
  if (self->end_reason_destroy != NULL)
    self->end_reason_destroy (self->end_reason_data);
  g_free (self);
}

static gboolean
connect_stream (PpHandshake  *self,
                GError      **error)
{
  self->connection = pp_connection_new (self->stream, &handshake_callbacks, self, error);
  if (self->connection == NULL)
    return FALSE;
  pp_connection_set_max_message_size (self->connection, self->max_message_size);
  pp_connection_set_max_pending_calls (self->connection, self->max_pending_calls);
  pp_connection_set_memfd_threshold (self->connection, self->memfd_threshold);
  pp_connection_set_max_queued_input (self->connection, self->max_queued_input);
  pp_connection_set_max_queued_output (self->connection, self->max_queued_output);
  pp_connection_start (self->connection);
  return TRUE;
}

const char *
pp_handshake_boot_id (void)
{
  static char *boot_id;

  if (g_once_init_enter (&boot_id))
    {
      char *contents = NULL;

      if (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
        g_strstrip (contents);
      else
        contents = g_strdup ("");
      g_once_init_leave (&boot_id, contents);
    }
  return boot_id;
}

static gboolean
build_hello (GPtrArray  *frames,
             guint32     serial,
             gpointer    user_data,
             GError    **error)
{
  PpConnection *connection = user_data;
  GVariantBuilder options;

  /* Our clock, so the listener can read the deadlines of our calls in its
   * own, wherever it runs; and our boot, so that one on this machine
   * knows it shares the clock and need not guess the difference from how
   * late this frame arrives */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "clock-ms",
                         g_variant_new_uint32 ((guint32) (g_get_monotonic_time () / 1000)));
  if (*pp_handshake_boot_id () != '\0')
    g_variant_builder_add (&options, "{sv}", "boot-id",
                           g_variant_new_string (pp_handshake_boot_id ()));
  g_variant_builder_add (&options, "{sv}", "unix-fds",
                         g_variant_new_boolean (pp_connection_receives_fds (connection)));
  g_ptr_array_add (frames, pp_wire_encode (PP_WIRE_KIND_HELLO, PP_WIRE_FLAGS_NONE, serial, 0,
                                           g_variant_new ("(sua{sv})", PP_WIRE_MAGIC,
                                                          (guint32) PP_WIRE_PROTOCOL_VERSION,
                                                          &options)));
  return TRUE;
}

/* Reads the WELCOME; a listener that described its object wrongly is not
 * talked to */
static gboolean
take_welcome (PpHandshake  *self,
              GVariant     *welcome,
              GError      **error)
{
  g_autoptr(GVariant) info = NULL;
  gboolean unix_fds = FALSE;
  const char *magic;
  guint32 version;

  g_variant_get (welcome, "(&su@a{sv})", &magic, &version, &info);
  if (g_strcmp0 (magic, PP_WIRE_MAGIC) != 0)
    g_set_error_literal (error, PP_ERROR, PP_ERROR_PROTOCOL,
                         _("The peer is not a pipeproxy listener"));
  else if (version != PP_WIRE_PROTOCOL_VERSION)
    g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                 _("The listener speaks protocol version %u, this proxy speaks version %u"),
                 version, PP_WIRE_PROTOCOL_VERSION);
  if (error != NULL && *error != NULL)
    {
      pp_connection_close (self->connection, *error);
      return FALSE;
    }

  self->description = pp_description_parse (info, &self->limits, &unix_fds, error);
  if (self->description == NULL)
    {
      pp_connection_close (self->connection, *error);
      return FALSE;
    }
  pp_connection_set_peer_receives_fds (self->connection, unix_fds);
  return TRUE;
}

gboolean
pp_handshake_run_sync (PpHandshake   *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_auto(PpReply) welcome = { NULL, };

  return connect_stream (self, error) &&
         pp_connection_call_sync (self->connection, PP_WIRE_KIND_WELCOME, NULL, build_hello,
                                  self->connection, NULL, self->default_timeout, cancellable,
                                  &welcome, error) &&
         take_welcome (self, welcome.value, error);
}

static void
hello_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PpHandshake *self = g_task_get_task_data (task);
  g_auto(PpReply) welcome = { NULL, };
  GError *error = NULL;

  if (!pp_connection_call_finish (result, &welcome, &error) ||
      !take_welcome (self, welcome.value, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
pp_handshake_run_async (PpHandshake         *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, pp_handshake_run_async);
  g_task_set_task_data (task, self, NULL);

  if (!connect_stream (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  pp_connection_call_async (self->connection, PP_WIRE_KIND_WELCOME, NULL, build_hello,
                            self->connection, NULL, self->default_timeout, cancellable, NULL,
                            hello_done, hello_done, g_steal_pointer (&task));
}

gboolean
pp_handshake_run_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
