/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The server side of pp-bench (--role=server): the exported BenchObject
 * and the pipeproxy, GDBus and raw servers that answer the client. */

#include <stdlib.h>

#include <glib-unix.h>

#include "pp-bench.h"

/* The exported object ----------------------------------------------------------- */

#define BENCH_TYPE_OBJECT (bench_object_get_type ())
G_DECLARE_FINAL_TYPE (BenchObject, bench_object, BENCH, OBJECT, GObject)

struct _BenchObject
{
  GObject parent_instance;
  int     value;
};

G_DEFINE_FINAL_TYPE (BenchObject, bench_object, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_VALUE,
  N_PROPS
};

enum
{
  TICK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
bench_object_set_value (BenchObject *self,
                        int          value)
{
  if (self->value == value)
    return;
  self->value = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

static void
bench_object_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BenchObject *self = BENCH_OBJECT (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      g_value_set_int (value, self->value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_object_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  BenchObject *self = BENCH_OBJECT (object);

  switch (prop_id)
    {
    case PROP_VALUE:
      bench_object_set_value (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bench_object_class_init (BenchObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = bench_object_get_property;
  object_class->set_property = bench_object_set_property;

  properties[PROP_VALUE] =
    g_param_spec_int ("value", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[TICK] = g_signal_new ("tick", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
bench_object_init (BenchObject *self)
{
}

/* Methods exported with pp_listener_add_method(). */

static GVariant *
method_echo_int32 (GObject   *object,
                   GVariant  *parameters,
                   gpointer   user_data,
                   GError   **error)
{
  gint32 v;

  g_variant_get (parameters, "(i)", &v);
  return g_variant_new ("(i)", v);
}

static GVariant *
method_echo_bytes (GObject   *object,
                   GVariant  *parameters,
                   gpointer   user_data,
                   GError   **error)
{
  g_autoptr(GVariant) bytes = g_variant_get_child_value (parameters, 0);

  return g_variant_new_tuple (&bytes, 1);
}

/* Emits "tick" @n times, with 0 … n-1. */
static GVariant *
method_emit_signals (GObject   *object,
                     GVariant  *parameters,
                     gpointer   user_data,
                     GError   **error)
{
  guint32 n;

  g_variant_get (parameters, "(u)", &n);
  for (guint32 i = 0; i < n; i++)
    g_signal_emit (object, signals[TICK], 0, i);
  return g_variant_new ("()");
}

/* Sets "value" to first, first + 1, … : @n changes, @n notifications. */
static GVariant *
method_set_value (GObject   *object,
                  GVariant  *parameters,
                  gpointer   user_data,
                  GError   **error)
{
  gint32 first;
  guint32 n;

  g_variant_get (parameters, "(iu)", &first, &n);
  for (guint32 i = 0; i < n; i++)
    bench_object_set_value (BENCH_OBJECT (object), first + (gint32) i);
  return g_variant_new ("()");
}

/* The servers (the child) ----------------------------------------------------------- */

static const char gdbus_xml[] =
  "<node>"
  "  <interface name='" GDBUS_IFACE "'>"
  "    <method name='Echo'>"
  "      <arg type='i' direction='in'/><arg type='i' direction='out'/>"
  "    </method>"
  "    <method name='EchoBytes'>"
  "      <arg type='ay' direction='in'/><arg type='ay' direction='out'/>"
  "    </method>"
  "    <method name='Emit'><arg type='u' direction='in'/></method>"
  "    <method name='SetProp'>"
  "      <arg type='i' direction='in'/><arg type='u' direction='in'/>"
  "    </method>"
  "    <method name='Hold'>"
  "      <arg type='i' direction='in'/><arg type='i' direction='out'/>"
  "    </method>"
  "    <method name='Release'/>"
  "    <method name='HeldCount'><arg type='u' direction='out'/></method>"
  "    <signal name='Tick'><arg type='u'/></signal>"
  "    <property name='Value' type='i' access='readwrite'/>"
  "  </interface>"
  "</node>";

GDBusInterfaceInfo *
gdbus_interface_info (void)
{
  static GDBusNodeInfo *node = NULL;

  if (node == NULL)
    {
      g_autoptr(GError) error = NULL;

      node = g_dbus_node_info_new_for_xml (gdbus_xml, &error);
      CHECK_NO_ERROR (error, "D-Bus introspection data");
    }
  return node->interfaces[0];
}

typedef struct
{
  SystemKind   kind;
  gboolean     quit;
  int          ctl_fd;
  /* pipeproxy */
  BenchObject *object;
  GPtrArray   *listeners;
  /* GDBus */
  char        *guid;
  GPtrArray   *connections;
  gint32       value;
  /* calls held back to measure pending calls: invocations and values */
  GPtrArray   *held;
  GArray      *held_values;
} Server;

static void
server_answer_stats (Server *server)
{
  char reply[CTL_MAX];

  g_snprintf (reply, sizeof reply, "%ld %ld", status_kb ("VmHWM"), status_kb ("VmRSS"));
  ctl_send (server->ctl_fd, reply, -1);
}

/* pipeproxy server */

static gboolean
on_hold_echo (PpListener   *listener,
              const char   *method_name,
              GVariant     *parameters,
              PpInvocation *invocation,
              Server       *server)
{
  gint32 v;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(i)")))
    {
      pp_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                          "hold_echo expects (i)");
      return TRUE;
    }
  g_variant_get (parameters, "(i)", &v);
  g_ptr_array_add (server->held, g_object_ref (invocation));
  g_array_append_val (server->held_values, v);
  return TRUE;
}

static GVariant *
method_release (GObject   *object,
                GVariant  *parameters,
                gpointer   user_data,
                GError   **error)
{
  Server *server = user_data;

  for (guint i = 0; i < server->held->len; i++)
    pp_invocation_return_value (g_ptr_array_index (server->held, i),
                                g_variant_new ("(i)", g_array_index (server->held_values,
                                                                     gint32, i)));
  g_ptr_array_set_size (server->held, 0);
  g_array_set_size (server->held_values, 0);
  return g_variant_new ("()");
}

static GVariant *
method_held_count (GObject   *object,
                   GVariant  *parameters,
                   gpointer   user_data,
                   GError   **error)
{
  Server *server = user_data;

  return g_variant_new ("(u)", server->held->len);
}

static gboolean
drop_listener_idle (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
on_listener_closed (PpListener   *listener,
                    const GError *error,
                    Server       *server)
{
  guint index;

  /* Dropped after the emission, not inside it. */
  if (g_ptr_array_find (server->listeners, listener, &index))
    g_idle_add (drop_listener_idle, g_ptr_array_steal_index_fast (server->listeners, index));
}

static void
pp_serve (Server    *server,
          GIOStream *stream)
{
  g_autoptr(GError) error = NULL;
  PpListener *listener;

  listener = pp_listener_new (G_OBJECT (server->object), stream, &error);
  CHECK_NO_ERROR (error, "pp_listener_new");

  pp_listener_add_method (listener, "echo_int32", G_VARIANT_TYPE ("(i)"),
                          G_VARIANT_TYPE ("(i)"), method_echo_int32, NULL, NULL);
  pp_listener_add_method (listener, "echo_bytes", G_VARIANT_TYPE ("(ay)"),
                          G_VARIANT_TYPE ("(ay)"), method_echo_bytes, NULL, NULL);
  pp_listener_add_method (listener, "emit_signals", G_VARIANT_TYPE ("(u)"),
                          G_VARIANT_TYPE_UNIT, method_emit_signals, NULL, NULL);
  pp_listener_add_method (listener, "set_value", G_VARIANT_TYPE ("(iu)"),
                          G_VARIANT_TYPE_UNIT, method_set_value, NULL, NULL);
  pp_listener_add_method (listener, "release", G_VARIANT_TYPE_UNIT,
                          G_VARIANT_TYPE_UNIT, method_release, server, NULL);
  pp_listener_add_method (listener, "held_count", G_VARIANT_TYPE_UNIT,
                          G_VARIANT_TYPE ("(u)"), method_held_count, server, NULL);
  /* Not added: answered later, through PpInvocation. */
  g_signal_connect (listener, "handle-method-call::hold_echo",
                    G_CALLBACK (on_hold_echo), server);
  g_signal_connect (listener, "closed", G_CALLBACK (on_listener_closed), server);
  g_ptr_array_add (server->listeners, listener);
}

/* GDBus server */

static void
gdbus_method_call (GDBusConnection       *connection,
                   const char            *sender,
                   const char            *object_path,
                   const char            *interface_name,
                   const char            *method_name,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  Server *server = user_data;

  if (g_str_equal (method_name, "Echo"))
    {
      gint32 v;

      g_variant_get (parameters, "(i)", &v);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(i)", v));
    }
  else if (g_str_equal (method_name, "EchoBytes"))
    {
      g_autoptr(GVariant) bytes = g_variant_get_child_value (parameters, 0);

      g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&bytes, 1));
    }
  else if (g_str_equal (method_name, "Emit"))
    {
      guint32 n;

      g_variant_get (parameters, "(u)", &n);
      for (guint32 i = 0; i < n; i++)
        g_dbus_connection_emit_signal (connection, NULL, GDBUS_PATH, GDBUS_IFACE, "Tick",
                                       g_variant_new ("(u)", i), NULL);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "SetProp"))
    {
      gint32 first;
      guint32 n;

      g_variant_get (parameters, "(iu)", &first, &n);
      for (guint32 i = 0; i < n; i++)
        {
          GVariantBuilder changed;

          server->value = first + (gint32) i;
          g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
          g_variant_builder_add (&changed, "{sv}", "Value", g_variant_new_int32 (server->value));
          g_dbus_connection_emit_signal (connection, NULL, GDBUS_PATH,
                                         "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                         g_variant_new ("(sa{sv}as)", GDBUS_IFACE, &changed,
                                                        NULL),
                                         NULL);
        }
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "Hold"))
    {
      gint32 v;

      g_variant_get (parameters, "(i)", &v);
      g_ptr_array_add (server->held, invocation);   /* keeps the reference */
      g_array_append_val (server->held_values, v);
    }
  else if (g_str_equal (method_name, "Release"))
    {
      for (guint i = 0; i < server->held->len; i++)
        g_dbus_method_invocation_return_value (g_ptr_array_index (server->held, i),
                                               g_variant_new ("(i)",
                                                              g_array_index (server->held_values,
                                                                             gint32, i)));
      g_ptr_array_set_size (server->held, 0);
      g_array_set_size (server->held_values, 0);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "HeldCount"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", server->held->len));
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static GVariant *
gdbus_get_property (GDBusConnection  *connection,
                    const char       *sender,
                    const char       *object_path,
                    const char       *interface_name,
                    const char       *property_name,
                    GError          **error,
                    gpointer          user_data)
{
  Server *server = user_data;

  return g_variant_new_int32 (server->value);
}

static const GDBusInterfaceVTable gdbus_vtable = {
  .method_call = gdbus_method_call,
  .get_property = gdbus_get_property,
};

static gboolean
drop_connection_idle (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
on_gdbus_closed (GDBusConnection *connection,
                 gboolean         remote_peer_vanished,
                 GError          *error,
                 Server          *server)
{
  guint index;

  if (g_ptr_array_find (server->connections, connection, &index))
    g_idle_add (drop_connection_idle, g_ptr_array_steal_index_fast (server->connections, index));
}

static void
gdbus_register (Server          *server,
                GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_register_object (connection, GDBUS_PATH, gdbus_interface_info (),
                                     &gdbus_vtable, server, NULL, &error);
  CHECK_NO_ERROR (error, "g_dbus_connection_register_object");
  g_signal_connect (connection, "closed", G_CALLBACK (on_gdbus_closed), server);
  g_ptr_array_add (server->connections, connection);
  g_dbus_connection_start_message_processing (connection);
}

static void
gdbus_server_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_finish (result, &error);

  CHECK_NO_ERROR (error, "g_dbus_connection_new (server)");
  gdbus_register (user_data, connection);
}

#define GDBUS_SERVER_FLAGS (G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER | \
                            G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING)

GIOStream *
socket_stream_for_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  CHECK_NO_ERROR (error, "g_socket_new_from_fd");
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* The control channel, from the child's main loop. */
static gboolean
on_server_ctl (int           fd,
               GIOCondition  condition,
               gpointer      user_data)
{
  Server *server = user_data;
  char message[CTL_MAX];
  int passed = -1;

  if (!ctl_recv (fd, message, &passed))
    {
      server->quit = TRUE;
      return G_SOURCE_REMOVE;
    }

  if (g_str_equal (message, "stats"))
    server_answer_stats (server);
  else if (g_str_equal (message, "fd"))
    {
      CHECK (passed >= 0, "no descriptor with \"fd\"");
      if (server->kind == SYSTEM_PP)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GIOStream) stream = pp_stream_new_for_fd (passed, &error);

          CHECK_NO_ERROR (error, "pp_stream_new_for_fd");
          pp_serve (server, stream);
        }
      else
        {
          g_autoptr(GIOStream) stream = socket_stream_for_fd (passed);

          g_dbus_connection_new (stream, server->guid, GDBUS_SERVER_FLAGS, NULL, NULL,
                                 gdbus_server_ready, server);
        }
      ctl_send (fd, "ok", -1);
    }
  else
    bench_fail ("unknown control command \"%s\"", message);
  return G_SOURCE_CONTINUE;
}

static int
run_raw_server (int in_fd,
                int out_fd)
{
  Reader r;
  guint8 *payload = NULL;
  gsize payload_size = 0;
  char message[CTL_MAX];

  reader_init (&r, in_fd, out_fd);
  ctl_send (CTL_FD, "ready", -1);

  for (;;)
    {
      RawHeader h;

      if (!reader_take (&r, &h, sizeof h, TRUE))
        break;

      switch (h.op)
        {
        case RAW_OP_ECHO:
          if (h.len == 0)
            {
              g_byte_array_append (r.out, (const guint8 *) &h, sizeof h);
              break;
            }
          if (payload_size < h.len)
            {
              g_free (payload);
              payload_size = h.len;
              payload = g_malloc (payload_size);
            }
          reader_take (&r, payload, h.len, FALSE);
          {
            struct iovec iov[2] = { { &h, sizeof h }, { payload, h.len } };

            reader_flush (&r);
            writev_all (out_fd, iov, 2);
          }
          break;

        case RAW_OP_EMIT:
          for (guint32 i = 0; i < h.len; i++)
            {
              raw_queue (&r, RAW_OP_TICK, 0, i);
              if (r.out->len >= RAW_BUFFER_SIZE)
                reader_flush (&r);
            }
          break;

        default:
          bench_fail ("raw: unknown operation %u", h.op);
        }
    }

  reader_flush (&r);
  reader_clear (&r);
  g_free (payload);

  /* The data connection is gone: answer the client's last questions. */
  while (ctl_recv (CTL_FD, message, NULL))
    {
      CHECK (g_str_equal (message, "stats"), "raw server: unexpected \"%s\"", message);
      g_snprintf (message, sizeof message, "%ld %ld", status_kb ("VmHWM"), status_kb ("VmRSS"));
      ctl_send (CTL_FD, message, -1);
    }
  return EXIT_SUCCESS;
}

int
run_server (SystemKind kind,
            Transport  transport)
{
  Server server = { 0 };
  int in_fd = 3;
  int out_fd = transport == TRANSPORT_PIPES ? 4 : 3;

  bench_set_name ("pp-bench (server)");
  if (kind == SYSTEM_RAW)
    return run_raw_server (in_fd, out_fd);

  server.kind = kind;
  server.ctl_fd = CTL_FD;
  server.listeners = g_ptr_array_new_with_free_func (g_object_unref);
  server.connections = g_ptr_array_new_with_free_func (g_object_unref);
  server.held = g_ptr_array_new ();
  server.held_values = g_array_new (FALSE, FALSE, sizeof (gint32));
  server.guid = g_dbus_generate_guid ();

  if (kind == SYSTEM_PP)
    {
      server.object = g_object_new (BENCH_TYPE_OBJECT, NULL);
      if (transport != TRANSPORT_NONE)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GIOStream) stream = NULL;

          if (transport == TRANSPORT_PIPES)
            stream = pp_stream_new_for_fds (in_fd, out_fd, &error);
          else
            stream = pp_stream_new_for_fd (in_fd, &error);
          CHECK_NO_ERROR (error, "server stream");
          pp_serve (&server, stream);
        }
    }
  else if (transport != TRANSPORT_NONE)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GIOStream) stream = NULL;
      GDBusConnection *connection;

      CHECK (transport == TRANSPORT_SOCKETPAIR, "GDBus runs over a socket pair only");
      stream = socket_stream_for_fd (in_fd);
      connection = g_dbus_connection_new_sync (stream, server.guid, GDBUS_SERVER_FLAGS,
                                               NULL, NULL, &error);
      CHECK_NO_ERROR (error, "g_dbus_connection_new_sync (server)");
      gdbus_register (&server, connection);
    }

  g_unix_fd_add (CTL_FD, G_IO_IN | G_IO_HUP | G_IO_ERR, on_server_ctl, &server);
  ctl_send (CTL_FD, "ready", -1);

  while (!server.quit)
    g_main_context_iteration (NULL, TRUE);

  /* Held calls are dropped, not answered: the client is gone. */
  for (guint i = 0; i < server.held->len; i++)
    g_object_unref (g_ptr_array_index (server.held, i));
  g_ptr_array_unref (server.held);
  g_array_unref (server.held_values);
  g_ptr_array_unref (server.listeners);
  g_ptr_array_unref (server.connections);
  g_clear_object (&server.object);
  g_free (server.guid);
  return EXIT_SUCCESS;
}
