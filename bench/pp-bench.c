/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pp-bench: pipeproxy against the raw limit and against GDBus, in one run.
 *
 *   pp-bench [--quick] [--json FILE] [--only GROUP,…] [--reps N]
 *
 * Every measurement runs in two processes of its own: a client
 * (--role=client, or --role=memory for the memory figures), which spawns
 * its server (--role=server); the process started by the user only hands
 * out the work, collects the figures and prints them. Three systems do the
 * same work:
 *
 *  - raw: 16-byte blocking ping-pong over a socket pair or two pipes, the
 *    limit of what the kernel and the machine allow;
 *  - GDBus peer-to-peer: a GDBusConnection over a socket pair (EXTERNAL
 *    authentication, a GUID) with a registered object;
 *  - pipeproxy: a BenchObject served by a PpListener, called through a
 *    PpProxy.
 *
 * Every result is checked (echoed integers, sums, sequence numbers, a full
 * memcmp of every bulk payload), so a fast wrong answer fails the run. A
 * separate control channel (a SOCK_SEQPACKET pair) lets the client ask the
 * child for its own memory figures and hand it new connections; it carries
 * nothing of the measured traffic.
 *
 * Targets are printed as PASS or MISS, never asserted: `--quick` runs as the
 * test `bench-smoke` for correctness only.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-bench-util.h"

/* Failing ------------------------------------------------------------------- */

#define CHECK(cond, ...) \
  G_STMT_START { if (G_UNLIKELY (!(cond))) bench_fail (__VA_ARGS__); } G_STMT_END

#define CHECK_NO_ERROR(error, what) \
  G_STMT_START { \
    if (G_UNLIKELY ((error) != NULL)) \
      bench_fail ("%s: %s", (what), (error)->message); \
  } G_STMT_END

/* Small helpers -------------------------------------------------------------- */

/* A field of /proc/self/status in KiB, e.g. "VmHWM" (peak RSS) or "VmRSS". */
static long
status_kb (const char *field)
{
  g_autofree char *contents = NULL;
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;
  p = strstr (contents, key);
  if (p == NULL)
    return -1;
  return strtol (p + strlen (key), NULL, 10);
}

/* Resets VmHWM to the current RSS (Linux >= 4.0), so each row reports its
 * own peak. */
static void
reset_peak_rss (void)
{
  int fd = open ("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

  if (fd >= 0)
    {
      if (write (fd, "5", 1) != 1)
        {
          /* Old kernel: the peak then covers the process's life. */
        }
      close (fd);
    }
}

static void
write_all (int         fd,
           const void *data,
           gsize       len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      CHECK (n > 0, "write: %s", g_strerror (errno));
      p += n;
      len -= n;
    }
}

static void
writev_all (int           fd,
            struct iovec *iov,
            int           n_iov)
{
  while (n_iov > 0)
    {
      gssize n = writev (fd, iov, n_iov);

      if (n < 0 && errno == EINTR)
        continue;
      CHECK (n > 0, "writev: %s", g_strerror (errno));
      while (n_iov > 0 && (gsize) n >= iov->iov_len)
        {
          n -= iov->iov_len;
          iov++;
          n_iov--;
        }
      if (n_iov > 0)
        {
          iov->iov_base = (guint8 *) iov->iov_base + n;
          iov->iov_len -= n;
        }
    }
}

static gssize
read_some (int    fd,
           void  *buf,
           gsize  len)
{
  gssize n;

  do
    n = read (fd, buf, len);
  while (n < 0 && errno == EINTR);
  CHECK (n >= 0, "read: %s", g_strerror (errno));
  return n;
}

/* Fills @buf with bytes that depend on @seed, so that a reply to another
 * call, or stale memory, never compares equal. */
static void
fill_pattern (guint8  *buf,
              gsize    len,
              guint64  seed)
{
  guint64 x = seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + 1;
  gsize i;

  for (i = 0; i + 8 <= len; i += 8)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      memcpy (buf + i, &x, 8);
    }
  for (; i < len; i++)
    buf[i] = (guint8) (x >> (8 * (i % 8)));
}

/* The control channel ------------------------------------------------------- */

/* One SOCK_SEQPACKET message per command or answer, optionally carrying a
 * descriptor. Blocking on both sides; the child reads it from its main loop
 * (or after the data connection ends, for the raw server). */

#define CTL_FD       5
#define CTL_MAX      256

static void
ctl_send (int         fd,
          const char *message,
          int         pass_fd)
{
  struct msghdr msg = { 0 };
  struct iovec iov = { (void *) message, strlen (message) };
  union
  {
    struct cmsghdr header;
    char           buf[CMSG_SPACE (sizeof (int))];
  } control;
  gssize n;

  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (pass_fd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &pass_fd, sizeof (int));
    }

  do
    n = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  CHECK (n == (gssize) iov.iov_len, "control channel: %s", g_strerror (errno));
}

/* Returns FALSE at the end of the channel. */
static gboolean
ctl_recv (int   fd,
          char *buf,
          int  *out_fd)
{
  struct msghdr msg = { 0 };
  struct iovec iov = { buf, CTL_MAX - 1 };
  union
  {
    struct cmsghdr header;
    char           buf[CMSG_SPACE (sizeof (int))];
  } control;
  struct cmsghdr *cmsg;
  gssize n;

  if (out_fd != NULL)
    *out_fd = -1;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  do
    n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && errno == ECONNRESET))
    return FALSE;
  CHECK (n > 0, "control channel: %s", g_strerror (errno));
  buf[n] = '\0';

  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        int fd_in;

        memcpy (&fd_in, CMSG_DATA (cmsg), sizeof (int));
        if (out_fd != NULL)
          *out_fd = fd_in;
        else
          close (fd_in);
      }
  return TRUE;
}

/* Systems --------------------------------------------------------------------- */

typedef enum
{
  SYSTEM_RAW,
  SYSTEM_GDBUS,
  SYSTEM_PP,
} SystemKind;

typedef enum
{
  TRANSPORT_SOCKETPAIR,
  TRANSPORT_PIPES,
  TRANSPORT_NONE,
} Transport;

static const char *
system_arg (SystemKind kind)
{
  switch (kind)
    {
    case SYSTEM_RAW:
      return "raw";
    case SYSTEM_GDBUS:
      return "gdbus";
    case SYSTEM_PP:
      return "pp";
    default:
      g_assert_not_reached ();
    }
}

static const char *
transport_arg (Transport transport)
{
  switch (transport)
    {
    case TRANSPORT_SOCKETPAIR:
      return "socketpair";
    case TRANSPORT_PIPES:
      return "pipes";
    case TRANSPORT_NONE:
      return "none";
    default:
      g_assert_not_reached ();
    }
}

static const char *
system_label (SystemKind kind,
              Transport  transport)
{
  switch (kind)
    {
    case SYSTEM_RAW:
      return transport == TRANSPORT_PIPES ? "raw pipes" : "raw socketpair";
    case SYSTEM_GDBUS:
      return "GDBus p2p";
    case SYSTEM_PP:
      return transport == TRANSPORT_PIPES ? "pipeproxy pipes" : "pipeproxy";
    default:
      g_assert_not_reached ();
    }
}

/* The raw protocol: a 16-byte header, then @len bytes for an echo. */

enum
{
  RAW_OP_ECHO = 1,
  RAW_OP_EMIT = 2,
  RAW_OP_TICK = 3,
};

typedef struct
{
  guint32 op;
  guint32 len;
  guint64 seq;
} RawHeader;

G_STATIC_ASSERT (sizeof (RawHeader) == 16);

#define RAW_BUFFER_SIZE  (64 * 1024)

/* A buffered reader that writes what is queued in @out before it blocks,
 * so that replies (or pipelined requests) go out in batches. */
typedef struct
{
  int         fd;
  guint8     *buf;
  gsize       start;
  gsize       end;
  int         out_fd;
  GByteArray *out;
} Reader;

static void
reader_init (Reader *r,
             int     fd,
             int     out_fd)
{
  r->fd = fd;
  r->buf = g_malloc (RAW_BUFFER_SIZE);
  r->start = r->end = 0;
  r->out_fd = out_fd;
  r->out = g_byte_array_sized_new (RAW_BUFFER_SIZE);
}

static void
reader_clear (Reader *r)
{
  g_clear_pointer (&r->buf, g_free);
  g_clear_pointer (&r->out, g_byte_array_unref);
}

static void
reader_flush (Reader *r)
{
  if (r->out->len > 0)
    {
      write_all (r->out_fd, r->out->data, r->out->len);
      g_byte_array_set_size (r->out, 0);
    }
}

/* Copies @len bytes out of the stream. Returns FALSE at a clean end of the
 * stream before the first byte, if @eof_ok. */
static gboolean
reader_take (Reader   *r,
             void     *dest,
             gsize     len,
             gboolean  eof_ok)
{
  guint8 *dst = dest;
  gboolean started = FALSE;

  while (len > 0)
    {
      gsize avail = r->end - r->start;
      gssize n;

      if (avail > 0)
        {
          gsize take = MIN (avail, len);

          memcpy (dst, r->buf + r->start, take);
          r->start += take;
          dst += take;
          len -= take;
          started = TRUE;
          continue;
        }

      reader_flush (r);
      r->start = r->end = 0;
      if (len >= RAW_BUFFER_SIZE)
        {
          /* Big payloads go straight to their place. */
          n = read_some (r->fd, dst, len);
          if (n == 0)
            break;
          dst += n;
          len -= n;
          started = TRUE;
          continue;
        }
      n = read_some (r->fd, r->buf, RAW_BUFFER_SIZE);
      if (n == 0)
        break;
      r->end = n;
    }

  if (len == 0)
    return TRUE;
  CHECK (eof_ok && !started, "raw: unexpected end of stream");
  return FALSE;
}

static void
raw_queue (Reader  *r,
           guint32  op,
           guint32  len,
           guint64  seq)
{
  RawHeader h = { op, len, seq };

  g_byte_array_append (r->out, (const guint8 *) &h, sizeof h);
}

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

#define GDBUS_PATH   "/org/pipeproxy/Bench"
#define GDBUS_IFACE  "org.pipeproxy.Bench"

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

static GDBusInterfaceInfo *
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

static GIOStream *
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

static int
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

/* The client side --------------------------------------------------------------- */

static char *self_exe;

typedef struct
{
  SystemKind       kind;
  Transport        transport;
  GSubprocess     *child;
  int              ctl_fd;
  /* raw */
  int              rfd;
  int              wfd;
  Reader           reader;
  guint8          *recv_buf;
  gsize            recv_size;
  /* GDBus */
  GDBusConnection *bus;
  GDBusProxy      *dproxy;
  /* pipeproxy */
  PpProxy         *proxy;
} Client;

static void
ctl_expect (Client     *c,
            const char *expected)
{
  char message[CTL_MAX];

  CHECK (ctl_recv (c->ctl_fd, message, NULL), "the server went away");
  CHECK (g_str_equal (message, expected), "server said \"%s\", expected \"%s\"",
         message, expected);
}

static void
client_server_stats (Client *c,
                     long   *hwm_kb,
                     long   *rss_kb)
{
  char message[CTL_MAX];

  ctl_send (c->ctl_fd, "stats", -1);
  CHECK (ctl_recv (c->ctl_fd, message, NULL), "the server went away");
  CHECK (sscanf (message, "%ld %ld", hwm_kb, rss_kb) == 2, "bad stats \"%s\"", message);
}

static GDBusConnection *
gdbus_client_connect (int          fd,
                      GDBusProxy **out_proxy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = socket_stream_for_fd (fd);
  GDBusConnection *bus;

  bus = g_dbus_connection_new_sync (stream, NULL,
                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                    NULL, NULL, &error);
  CHECK_NO_ERROR (error, "g_dbus_connection_new_sync (client)");
  /* The counterpart of a PpProxy: loads the properties (GetAll), follows
   * their changes and the object's signals. */
  *out_proxy = g_dbus_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, gdbus_interface_info (),
                                      NULL, GDBUS_PATH, GDBUS_IFACE, NULL, &error);
  CHECK_NO_ERROR (error, "g_dbus_proxy_new_sync");
  return bus;
}

static Client *
client_open (SystemKind kind,
             Transport  transport)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *system = g_strdup_printf ("--system=%s", system_arg (kind));
  g_autofree char *transport_opt = g_strdup_printf ("--transport=%s", transport_arg (transport));
  Client *c = g_new0 (Client, 1);
  int ctl[2];
  int mine = -1;

  c->kind = kind;
  c->transport = transport;
  c->rfd = c->wfd = -1;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  CHECK (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) == 0,
         "socketpair: %s", g_strerror (errno));
  c->ctl_fd = ctl[0];
  g_subprocess_launcher_take_fd (launcher, ctl[1], CTL_FD);

  if (transport == TRANSPORT_SOCKETPAIR)
    {
      int fds[2];

      CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0,
             "socketpair: %s", g_strerror (errno));
      mine = fds[0];
      g_subprocess_launcher_take_fd (launcher, fds[1], 3);
      c->rfd = c->wfd = mine;
    }
  else if (transport == TRANSPORT_PIPES)
    {
      int to_child[2], from_child[2];

      CHECK (g_unix_open_pipe (to_child, FD_CLOEXEC, NULL) &&
             g_unix_open_pipe (from_child, FD_CLOEXEC, NULL), "pipe: %s", g_strerror (errno));
      g_subprocess_launcher_take_fd (launcher, to_child[0], 3);
      g_subprocess_launcher_take_fd (launcher, from_child[1], 4);
      c->rfd = from_child[0];
      c->wfd = to_child[1];
    }

  c->child = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--role=server",
                                          system, transport_opt, NULL);
  CHECK_NO_ERROR (error, "spawning the server");
  /* Closes our copies of the child's ends. */
  g_clear_object (&launcher);

  if (transport != TRANSPORT_NONE)
    switch (kind)
      {
      case SYSTEM_RAW:
        reader_init (&c->reader, c->rfd, c->wfd);
        break;

      case SYSTEM_GDBUS:
        c->bus = gdbus_client_connect (mine, &c->dproxy);
        c->rfd = c->wfd = -1;
        break;

      case SYSTEM_PP:
        {
          g_autoptr(GIOStream) stream = NULL;

          if (transport == TRANSPORT_PIPES)
            stream = pp_stream_new_for_fds (c->rfd, c->wfd, &error);
          else
            stream = pp_stream_new_for_fd (c->rfd, &error);
          CHECK_NO_ERROR (error, "client stream");
          c->rfd = c->wfd = -1;
          c->proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
          CHECK_NO_ERROR (error, "pp_proxy_new_sync");
          CHECK (g_strcmp0 (pp_proxy_get_remote_type_name (c->proxy), "BenchObject") == 0,
                 "the proxy is for a %s", pp_proxy_get_remote_type_name (c->proxy));
        }
        break;

      default:
        g_assert_not_reached ();
      }

  ctl_expect (c, "ready");
  return c;
}

/* Ends the data connection, collects the child's peak RSS, lets it exit. */
static void
client_close (Client *c,
              long   *server_peak_kb)
{
  g_autoptr(GError) error = NULL;
  long hwm = -1, rss = -1;

  if (c->proxy != NULL)
    {
      pp_proxy_close (c->proxy);
      g_clear_object (&c->proxy);
    }
  if (c->bus != NULL)
    {
      g_clear_object (&c->dproxy);
      g_dbus_connection_close_sync (c->bus, NULL, NULL);
      g_clear_object (&c->bus);
    }
  if (c->reader.buf != NULL)
    reader_clear (&c->reader);
  if (c->rfd >= 0)
    close (c->rfd);
  if (c->wfd >= 0 && c->wfd != c->rfd)
    close (c->wfd);
  g_clear_pointer (&c->recv_buf, g_free);

  client_server_stats (c, &hwm, &rss);
  if (server_peak_kb != NULL)
    *server_peak_kb = hwm;

  close (c->ctl_fd);
  g_subprocess_wait_check (c->child, NULL, &error);
  CHECK_NO_ERROR (error, "the server");
  g_object_unref (c->child);
  g_free (c);
}

/* Operations ----------------------------------------------------------------------- */

static void
check_int_reply (GVariant   *reply,
                 gint32      expected,
                 const char *what)
{
  gint32 v;

  CHECK (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(i)")),
         "%s: reply of type %s", what, g_variant_get_type_string (reply));
  g_variant_get (reply, "(i)", &v);
  CHECK (v == expected, "%s: sent %d, got %d", what, expected, v);
}

/* One synchronous i → i round trip. */
static void
client_call_int (Client *c,
                 gint32  v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  switch (c->kind)
    {
    case SYSTEM_RAW:
      {
        RawHeader h = { RAW_OP_ECHO, 0, (guint64) (guint32) v };

        write_all (c->wfd, &h, sizeof h);
        reader_take (&c->reader, &h, sizeof h, FALSE);
        CHECK (h.op == RAW_OP_ECHO && h.len == 0 && h.seq == (guint64) (guint32) v,
               "raw echo: sent %d, got op %u seq %" G_GUINT64_FORMAT, v, h.op, h.seq);
      }
      return;

    case SYSTEM_GDBUS:
      reply = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "Echo",
                                           g_variant_new ("(i)", v), G_VARIANT_TYPE ("(i)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      CHECK_NO_ERROR (error, "Echo");
      break;

    case SYSTEM_PP:
      reply = pp_proxy_call_sync (c->proxy, "echo_int32", g_variant_new ("(i)", v),
                                  -1, NULL, &error);
      CHECK_NO_ERROR (error, "echo_int32");
      break;

    default:
      g_assert_not_reached ();
    }
  check_int_reply (reply, v, "echo");
}

/* Asynchronous calls, @depth in flight, from the main context. */
typedef struct
{
  Client *client;
  guint   total;
  guint   depth;
  guint   issued;
  guint   completed;
  gint32  base;
  gint64  sum;
  /* pending-call measurement: "hold" instead of "echo" */
  gboolean hold;
} AsyncRun;

static AsyncRun *current_run;

static void async_issue (AsyncRun *run);

static void
async_completed (GVariant *reply,
                 GError   *error,
                 gint32    expected)
{
  AsyncRun *run = current_run;

  CHECK_NO_ERROR (error, "asynchronous call");
  check_int_reply (reply, expected, "asynchronous echo");
  run->sum += expected;
  run->completed++;
  async_issue (run);
}

static void
pp_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);

  async_completed (reply, error, GPOINTER_TO_INT (user_data));
}

static void
gdbus_async_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);

  async_completed (reply, error, GPOINTER_TO_INT (user_data));
}

static void
async_issue (AsyncRun *run)
{
  Client *c = run->client;

  while (run->issued < run->total && run->issued - run->completed < run->depth)
    {
      gint32 v = run->base + (gint32) run->issued++;

      if (c->kind == SYSTEM_PP)
        pp_proxy_call_async (c->proxy, run->hold ? "hold_echo" : "echo_int32",
                             g_variant_new ("(i)", v), -1, NULL, pp_async_done,
                             GINT_TO_POINTER (v));
      else
        g_dbus_connection_call (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE,
                                run->hold ? "Hold" : "Echo", g_variant_new ("(i)", v),
                                G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                gdbus_async_done, GINT_TO_POINTER (v));
    }
}

static void
async_wait (AsyncRun *run)
{
  gint64 expected_sum;

  while (run->completed < run->total)
    g_main_context_iteration (NULL, TRUE);
  expected_sum = (gint64) run->total * run->base + (gint64) run->total * (run->total - 1) / 2;
  CHECK (run->sum == expected_sum, "asynchronous calls: sum %" G_GINT64_FORMAT
         ", expected %" G_GINT64_FORMAT, run->sum, expected_sum);
  current_run = NULL;
}

static void
raw_async (Client *c,
           guint   total,
           guint   depth,
           gint32  base)
{
  Reader *r = &c->reader;
  guint issued = 0, completed = 0;
  gint64 sum = 0;

  while (issued < total && issued < depth)
    raw_queue (r, RAW_OP_ECHO, 0, (guint32) (base + (gint32) issued++));
  while (completed < total)
    {
      RawHeader h;

      reader_take (r, &h, sizeof h, FALSE);   /* sends what is queued first */
      CHECK (h.op == RAW_OP_ECHO && h.seq == (guint32) (base + (gint32) completed),
             "raw pipelined echo: got seq %" G_GUINT64_FORMAT, h.seq);
      sum += (gint32) (guint32) h.seq;
      completed++;
      if (issued < total)
        raw_queue (r, RAW_OP_ECHO, 0, (guint32) (base + (gint32) issued++));
    }
  CHECK (sum == (gint64) total * base + (gint64) total * (total - 1) / 2, "raw: bad sum");
}

static void
client_async (Client *c,
              guint   total,
              guint   depth,
              gint32  base)
{
  AsyncRun run = { 0 };

  if (c->kind == SYSTEM_RAW)
    {
      raw_async (c, total, depth, base);
      return;
    }

  run.client = c;
  run.total = total;
  run.depth = depth;
  run.base = base;
  current_run = &run;
  async_issue (&run);
  async_wait (&run);
}

/* Echo of a byte array; returns the nanoseconds spent in the call itself
 * (building the argument included, checking the answer not). */
static gint64
client_echo_bytes (Client       *c,
                   const guint8 *payload,
                   gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) echoed = NULL;
  const guint8 *data;
  gsize n = 0;
  gint64 t0, t1;

  if (c->kind == SYSTEM_RAW)
    {
      RawHeader h = { RAW_OP_ECHO, (guint32) size, size };
      struct iovec iov[2] = { { &h, sizeof h }, { (void *) payload, size } };

      if (c->recv_size < size)
        {
          g_free (c->recv_buf);
          c->recv_buf = g_malloc (size);
          c->recv_size = size;
        }
      t0 = bench_now_ns ();
      writev_all (c->wfd, iov, 2);
      reader_take (&c->reader, &h, sizeof h, FALSE);
      CHECK (h.op == RAW_OP_ECHO && h.len == size, "raw echo: bad header");
      reader_take (&c->reader, c->recv_buf, size, FALSE);
      t1 = bench_now_ns ();
      CHECK (memcmp (c->recv_buf, payload, size) == 0, "raw echo: payload differs");
      return t1 - t0;
    }

  t0 = bench_now_ns ();
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static (payload, size);
    GVariant *arg = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);

    if (c->kind == SYSTEM_PP)
      {
        reply = pp_proxy_call_sync (c->proxy, "echo_bytes", g_variant_new_tuple (&arg, 1),
                                    G_MAXINT, NULL, &error);
        CHECK_NO_ERROR (error, "echo_bytes");
      }
    else
      {
        reply = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "EchoBytes",
                                             g_variant_new_tuple (&arg, 1),
                                             G_VARIANT_TYPE ("(ay)"), G_DBUS_CALL_FLAGS_NONE,
                                             G_MAXINT, NULL, &error);
        CHECK_NO_ERROR (error, "EchoBytes");
      }
  }
  t1 = bench_now_ns ();

  CHECK (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(ay)")), "echo: reply of type %s",
         g_variant_get_type_string (reply));
  echoed = g_variant_get_child_value (reply, 0);
  data = g_variant_get_fixed_array (echoed, &n, 1);
  CHECK (n == size, "echo: sent %" G_GSIZE_FORMAT " bytes, got %" G_GSIZE_FORMAT, size, n);
  CHECK (size == 0 || memcmp (data, payload, size) == 0, "echo: payload differs");
  return t1 - t0;
}

/* Signals and notifications: the server emits @n, the client checks each
 * one's sequence number as it is received. */
typedef struct
{
  guint    received;
  gint32   first;
  gboolean replied;
} Stream;

static void
stream_step (Stream *s,
             gint64  value,
             gint64  expected,
             const char *what)
{
  CHECK (value == expected, "%s: got %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
         what, value, expected);
  s->received++;
}

static void
on_pp_tick (PpProxy *proxy,
            guint    n,
            Stream  *s)
{
  stream_step (s, n, s->received, "tick");
}

static void
on_pp_notify (GObject    *proxy,
              GParamSpec *pspec,
              Stream     *s)
{
  int v;

  g_object_get (proxy, "value", &v, NULL);
  /* A newer value takes the place of one not delivered yet: the values
   * seen only go up, and the last one is always seen */
  CHECK (v >= s->first + (gint64) s->received,
         "notify::value: got %d, expected at least %" G_GINT64_FORMAT, v,
         s->first + (gint64) s->received);
  s->received = v - s->first + 1;
}

static void
on_gdbus_signal (GDBusProxy *proxy,
                 const char *sender,
                 const char *signal_name,
                 GVariant   *parameters,
                 Stream     *s)
{
  guint32 n;

  CHECK (g_str_equal (signal_name, "Tick") &&
         g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(u)")), "unexpected signal %s",
         signal_name);
  g_variant_get (parameters, "(u)", &n);
  stream_step (s, n, s->received, "Tick");
}

static void
on_gdbus_properties_changed (GDBusProxy  *proxy,
                             GVariant    *changed,
                             const char **invalidated,
                             Stream      *s)
{
  gint32 v;

  CHECK (g_variant_lookup (changed, "Value", "i", &v), "PropertiesChanged without Value");
  stream_step (s, v, s->first + (gint64) s->received, "PropertiesChanged");
}

static void
stream_call_done_pp (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_proxy_call_finish (PP_PROXY (source), result, &error);
  Stream *s = user_data;

  CHECK_NO_ERROR (error, "emit_signals / set_value");
  s->replied = TRUE;
}

static void
stream_call_done_gdbus (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source),
                                                             result, &error);
  Stream *s = user_data;

  CHECK_NO_ERROR (error, "Emit / SetProp");
  s->replied = TRUE;
}

/* Receives @total signals in batches of @batch. */
static void
client_signals (Client *c,
                guint   total,
                guint   batch)
{
  Stream s = { 0 };
  gulong id = 0;

  if (c->kind == SYSTEM_RAW)
    {
      for (guint done = 0; done < total; done += batch)
        {
          guint n = MIN (batch, total - done);

          raw_queue (&c->reader, RAW_OP_EMIT, n, 0);
          for (guint i = 0; i < n; i++)
            {
              RawHeader h;

              reader_take (&c->reader, &h, sizeof h, FALSE);
              CHECK (h.op == RAW_OP_TICK && h.seq == i, "raw tick: got %" G_GUINT64_FORMAT
                     ", expected %u", h.seq, i);
            }
        }
      return;
    }

  if (c->kind == SYSTEM_PP)
    id = g_signal_connect (c->proxy, "tick", G_CALLBACK (on_pp_tick), &s);
  else
    id = g_signal_connect (c->dproxy, "g-signal", G_CALLBACK (on_gdbus_signal), &s);

  for (guint done = 0; done < total; done += batch)
    {
      guint n = MIN (batch, total - done);

      s.received = 0;
      s.replied = FALSE;
      if (c->kind == SYSTEM_PP)
        pp_proxy_call_async (c->proxy, "emit_signals", g_variant_new ("(u)", n), -1, NULL,
                             stream_call_done_pp, &s);
      else
        g_dbus_connection_call (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "Emit",
                                g_variant_new ("(u)", n), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                NULL, stream_call_done_gdbus, &s);
      while (!s.replied || s.received < n)
        g_main_context_iteration (NULL, TRUE);
      CHECK (s.received == n, "received %u signals, %u were emitted", s.received, n);
    }

  g_signal_handler_disconnect (c->kind == SYSTEM_PP ? (gpointer) c->proxy : (gpointer) c->dproxy,
                               id);
}

/* Receives @total property changes in batches of @batch; values count up
 * from *@next_value. */
static void
client_notify (Client *c,
               guint   total,
               guint   batch,
               gint32 *next_value)
{
  Stream s = { 0 };
  gulong id = 0;

  if (c->kind == SYSTEM_PP)
    id = g_signal_connect (c->proxy, "notify::value", G_CALLBACK (on_pp_notify), &s);
  else
    id = g_signal_connect (c->dproxy, "g-properties-changed",
                           G_CALLBACK (on_gdbus_properties_changed), &s);

  for (guint done = 0; done < total; done += batch)
    {
      guint n = MIN (batch, total - done);

      s.received = 0;
      s.replied = FALSE;
      s.first = *next_value;
      if (c->kind == SYSTEM_PP)
        pp_proxy_call_async (c->proxy, "set_value", g_variant_new ("(iu)", s.first, n), -1,
                             NULL, stream_call_done_pp, &s);
      else
        g_dbus_connection_call (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "SetProp",
                                g_variant_new ("(iu)", s.first, n), NULL,
                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, stream_call_done_gdbus, &s);
      while (!s.replied || s.received < n)
        g_main_context_iteration (NULL, TRUE);
      CHECK (s.received == n, "received %u notifications, %u were made", s.received, n);
      *next_value += n;
    }

  g_signal_handler_disconnect (c->kind == SYSTEM_PP ? (gpointer) c->proxy : (gpointer) c->dproxy,
                               id);

  /* The local copy is the remote value. */
  if (c->kind == SYSTEM_PP)
    {
      int v;

      g_object_get (c->proxy, "value", &v, NULL);
      CHECK (v == *next_value - 1, "cached value %d, expected %d", v, *next_value - 1);
    }
  else
    {
      g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property (c->dproxy, "Value");

      CHECK (v != NULL && g_variant_get_int32 (v) == *next_value - 1, "cached Value is wrong");
    }
}

/* A new connection to a new listener (or GDBus server connection) in the
 * child; the construction alone is timed. */
typedef struct
{
  PpProxy         *proxy;
  GDBusConnection *bus;
  GDBusProxy      *dproxy;
} Handle;

static gint64
client_new_handle (Client *c,
                   Handle *handle)
{
  g_autoptr(GError) error = NULL;
  int fds[2];
  gint64 t0, t1;

  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0,
         "socketpair: %s", g_strerror (errno));
  ctl_send (c->ctl_fd, "fd", fds[1]);
  close (fds[1]);
  ctl_expect (c, "ok");

  t0 = bench_now_ns ();
  if (c->kind == SYSTEM_PP)
    {
      g_autoptr(GIOStream) stream = pp_stream_new_for_fd (fds[0], &error);

      CHECK_NO_ERROR (error, "pp_stream_new_for_fd");
      handle->proxy = pp_proxy_new_sync (stream, NULL, NULL, &error);
      t1 = bench_now_ns ();
      CHECK_NO_ERROR (error, "pp_proxy_new_sync");
      CHECK (g_strcmp0 (pp_proxy_get_remote_type_name (handle->proxy), "BenchObject") == 0,
             "wrong remote type");
    }
  else
    {
      g_autoptr(GVariant) value = NULL;

      handle->bus = gdbus_client_connect (fds[0], &handle->dproxy);
      t1 = bench_now_ns ();
      value = g_dbus_proxy_get_cached_property (handle->dproxy, "Value");
      CHECK (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_INT32),
             "GDBusProxy did not load Value");
    }
  return t1 - t0;
}

static void
handle_clear (Handle *handle)
{
  g_clear_object (&handle->proxy);
  g_clear_object (&handle->dproxy);
  if (handle->bus != NULL)
    {
      g_dbus_connection_close_sync (handle->bus, NULL, NULL);
      g_clear_object (&handle->bus);
    }
}

/* Measurement --------------------------------------------------------------------- */

typedef struct
{
  gboolean  quick;
  guint     reps;
  double    scale;     /* < 1 under valgrind */
  char    **only;
  char    **systems;
} Config;

static Config config;

typedef struct
{
  const char *group;
  char       *row;
  SystemKind  kind;
  Transport   transport;
  guint       n_ops;       /* per repetition */
  guint       reps;
  double      med_us;
  double      min_us;
  double      max_us;
  gsize       bytes;       /* payload per operation, 0 if none */
  long        client_peak_kb;
  long        server_peak_kb;
  long        client_faults;   /* minor page faults over all repetitions */
  long        server_faults;
  double      x_raw;       /* this µs/op ÷ raw's; NAN if none */
  double      x_gdbus;     /* GDBus µs/op ÷ this; NAN if none */
  const char *target;
  const char *status;
} Result;

static GPtrArray *results;

typedef struct
{
  guint  n;        /* operations per repetition */
  guint  depth;    /* async */
  gsize  size;     /* echo */
  guint  batch;    /* signals, notify */
  guint8 *payload;
} Work;

/* Runs one repetition, returns the nanoseconds it took. */
typedef gint64 (*WorkFunc) (Client     *c,
                            const Work *work,
                            gint32     *counter);

static gint64
work_sync (Client     *c,
           const Work *work,
           gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  for (guint i = 0; i < work->n; i++)
    client_call_int (c, (*counter)++);
  return bench_now_ns () - t0;
}

static gint64
work_async (Client     *c,
            const Work *work,
            gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  client_async (c, work->n, work->depth, *counter);
  *counter += work->n;
  return bench_now_ns () - t0;
}

static gint64
work_echo (Client     *c,
           const Work *work,
           gint32     *counter)
{
  gint64 total = 0;

  for (guint i = 0; i < work->n; i++)
    {
      /* A different payload each call: a stale answer cannot match. */
      guint64 seq = (guint64) (*counter)++;

      memcpy (work->payload, &seq, MIN (sizeof seq, work->size));
      total += client_echo_bytes (c, work->payload, work->size);
    }
  return total;
}

static gint64
work_signals (Client     *c,
              const Work *work,
              gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  client_signals (c, work->n, work->batch);
  return bench_now_ns () - t0;
}

static gint64
work_notify (Client     *c,
             const Work *work,
             gint32     *counter)
{
  gint64 t0 = bench_now_ns ();

  client_notify (c, work->n, work->batch, counter);
  return bench_now_ns () - t0;
}

static gint64
work_handshake (Client     *c,
                const Work *work,
                gint32     *counter)
{
  gint64 total = 0;

  for (guint i = 0; i < work->n; i++)
    {
      Handle handle = { 0 };

      total += client_new_handle (c, &handle);
      handle_clear (&handle);
    }
  return total;
}

static gboolean
group_selected (const char *group)
{
  return config.only == NULL || g_strv_contains ((const char * const *) config.only, group);
}

static gboolean
system_selected (SystemKind kind)
{
  return config.systems == NULL ||
         g_strv_contains ((const char * const *) config.systems, system_arg (kind));
}

/* Progress goes to stderr, byte for byte (g_printerr() would turn UTF-8
 * into '?' in the C locale). */
static void
progress_begin (const char *row,
                const char *system)
{
  g_autoptr(GString) line = g_string_new ("  ");
  int pad = 26 - (int) g_utf8_strlen (row, -1);

  g_string_append (line, row);
  for (int i = 0; i < MAX (pad, 1); i++)
    g_string_append_c (line, ' ');
  g_string_append_printf (line, "%-16s", system);
  fputs (line->str, stderr);
  fflush (stderr);
}

typedef struct
{
  SystemKind kind;
  Transport  transport;
} Contender;

#define RAW_SP    { SYSTEM_RAW, TRANSPORT_SOCKETPAIR }
#define RAW_PIPES { SYSTEM_RAW, TRANSPORT_PIPES }
#define GDBUS     { SYSTEM_GDBUS, TRANSPORT_SOCKETPAIR }
#define PP_SP     { SYSTEM_PP, TRANSPORT_SOCKETPAIR }
#define PP_PIPES  { SYSTEM_PP, TRANSPORT_PIPES }

static WorkFunc
work_func_for_group (const char *group)
{
  static const struct
  {
    const char *group;
    WorkFunc    func;
  } funcs[] = {
    { "sync", work_sync },
    { "async", work_async },
    { "echo", work_echo },
    { "signals", work_signals },
    { "notify", work_notify },
    { "handshake", work_handshake },
  };

  for (guint i = 0; i < G_N_ELEMENTS (funcs); i++)
    if (g_strcmp0 (funcs[i].group, group) == 0)
      return funcs[i].func;
  bench_fail ("unknown group %s", group);
}

/* --role=client: one contender of one row, in a process of its own so that
 * its peak RSS is its own. Commands on stdin, one answer line each on
 * stdout:
 *   warmup  →  "ok"
 *   rep     →  "NANOSECONDS PEAK_RSS_KIB CLIENT_FAULTS SERVER_FAULTS" (the peak
 *              reset before the rep; minor page faults during the rep)
 *   close   →  "SERVER_PEAK_RSS_KIB", then the process exits */
static int
run_client_role (SystemKind  kind,
                 Transport   transport,
                 const char *group,
                 Work       *work)
{
  WorkFunc func = work_func_for_group (group);
  g_autofree guint8 *payload = NULL;
  char line[64];
  gint32 counter = 1;
  Client *c;

  bench_set_name ("pp-bench (client worker)");
  if (work->size > 0)
    {
      payload = g_malloc (work->size);
      fill_pattern (payload, work->size, 42 + work->size);
      work->payload = payload;
    }

  c = client_open (kind, transport);
  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_strchomp (line);
      if (g_str_equal (line, "warmup"))
        {
          func (c, work, &counter);
          printf ("ok\n");
        }
      else if (g_str_equal (line, "rep"))
        {
          const char *child = g_subprocess_get_identifier (c->child);
          long faults = bench_minor_faults ("self"), child_faults = bench_minor_faults (child);
          gint64 ns;

          reset_peak_rss ();
          ns = func (c, work, &counter);
          printf ("%" G_GINT64_FORMAT " %ld %ld %ld\n", ns, status_kb ("VmHWM"),
                  bench_minor_faults ("self") - faults, bench_minor_faults (child) - child_faults);
        }
      else if (g_str_equal (line, "close"))
        {
          long server_peak = -1;

          client_close (c, &server_peak);
          printf ("%ld\n", server_peak);
          fflush (stdout);
          return EXIT_SUCCESS;
        }
      else
        bench_fail ("unknown command \"%s\"", line);
      fflush (stdout);
    }
  bench_fail ("the main process went away");
}

typedef struct
{
  GSubprocess      *process;
  GOutputStream    *in;
  GDataInputStream *out;
  SystemKind        kind;
  Transport         transport;
} Worker;

static Worker *
worker_start (const Contender *contender,
              const char      *group,
              const Work      *work)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  Worker *w = g_new0 (Worker, 1);

  w->kind = contender->kind;
  w->transport = contender->transport;
  g_ptr_array_add (args, g_strdup (self_exe));
  g_ptr_array_add (args, g_strdup ("--role=client"));
  g_ptr_array_add (args, g_strdup_printf ("--system=%s", system_arg (contender->kind)));
  g_ptr_array_add (args, g_strdup_printf ("--transport=%s", transport_arg (contender->transport)));
  g_ptr_array_add (args, g_strdup_printf ("--what=%s", group));
  g_ptr_array_add (args, g_strdup_printf ("--calls=%u", work->n));
  g_ptr_array_add (args, g_strdup_printf ("--depth=%u", work->depth));
  g_ptr_array_add (args, g_strdup_printf ("--size=%" G_GSIZE_FORMAT, work->size));
  g_ptr_array_add (args, g_strdup_printf ("--batch=%u", work->batch));
  g_ptr_array_add (args, NULL);

  w->process = g_subprocess_newv ((const char * const *) args->pdata,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                  &error);
  CHECK_NO_ERROR (error, "spawning a client worker");
  w->in = g_subprocess_get_stdin_pipe (w->process);
  w->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (w->process));
  return w;
}

static char *
worker_ask (Worker     *w,
            const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strconcat (command, "\n", NULL);
  char *answer;

  g_output_stream_write_all (w->in, line, strlen (line), NULL, NULL, &error);
  CHECK_NO_ERROR (error, "the client worker");
  answer = g_data_input_stream_read_line (w->out, NULL, NULL, &error);
  CHECK_NO_ERROR (error, "the client worker");
  CHECK (answer != NULL, "the client worker (%s) failed",
         system_label (w->kind, w->transport));
  return answer;
}

static void
worker_finish (Worker *w,
               long   *server_peak_kb)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = worker_ask (w, "close");

  *server_peak_kb = strtol (answer, NULL, 10);
  g_subprocess_wait_check (w->process, NULL, &error);
  CHECK_NO_ERROR (error, "the client worker");
  g_object_unref (w->out);
  g_object_unref (w->process);
  g_free (w);
}

/* Measures one row for each contender, each in a client process of its own
 * with a server of its own. The machine is shared and noisy, so the
 * contenders take turns, one repetition each (in a rotating order), rather
 * than one after the other: a burst of load from elsewhere then hits all of
 * them alike, and the ratios between them stay meaningful. */
static void
measure (const char      *group,
         const char      *row,
         const Contender *contenders,
         guint            n_contenders,
         const Work      *work,
         guint            reps)
{
  g_autofree Worker **workers = g_new0 (Worker *, n_contenders);
  g_autofree Result **row_results = g_new0 (Result *, n_contenders);
  g_autofree double *per_op = g_new0 (double, (gsize) n_contenders * reps);
  guint n = 0;

  for (guint i = 0; i < n_contenders; i++)
    if (system_selected (contenders[i].kind))
      {
        g_autofree char *ok = NULL;

        workers[n] = worker_start (&contenders[i], group, work);
        ok = worker_ask (workers[n], "warmup");
        CHECK (g_str_equal (ok, "ok"), "client worker: %s", ok);
        row_results[n] = g_new0 (Result, 1);
        n++;
      }

  for (guint r = 0; r < reps; r++)
    for (guint k = 0; k < n; k++)
      {
        guint i = (k + r) % n;
        g_autofree char *answer = worker_ask (workers[i], "rep");
        gint64 ns;
        long hwm, client_faults, server_faults;

        CHECK (sscanf (answer, "%" G_GINT64_FORMAT " %ld %ld %ld", &ns, &hwm, &client_faults,
                       &server_faults) == 4,
               "client worker: %s", answer);
        per_op[i * reps + r] = ns / 1000.0 / work->n;
        row_results[i]->client_peak_kb = MAX (row_results[i]->client_peak_kb, hwm);
        row_results[i]->client_faults += client_faults;
        row_results[i]->server_faults += server_faults;
      }

  for (guint i = 0; i < n; i++)
    {
      Result *result = row_results[i];
      double *mine = per_op + i * reps;

      result->kind = workers[i]->kind;
      result->transport = workers[i]->transport;
      worker_finish (workers[i], &result->server_peak_kb);

      result->group = group;
      result->row = g_strdup (row);
      result->n_ops = work->n;
      result->reps = reps;
      result->med_us = bench_median (mine, reps);   /* sorts them */
      result->min_us = mine[0];
      result->max_us = mine[reps - 1];
      result->bytes = work->size;
      result->x_raw = NAN;
      result->x_gdbus = NAN;
      g_ptr_array_add (results, result);

      progress_begin (row, system_label (result->kind, result->transport));
      fprintf (stderr, " %10.2f µs/op\n", result->med_us);
    }
}

static guint
scaled (guint n,
        guint minimum)
{
  return MAX ((guint) (n * config.scale), minimum);
}

static void
run_sync_rows (void)
{
  Work work = { .n = scaled (config.quick ? 300 : 10000, 20) };
  const char *row = "sync call i→i";

  static const Contender all[] = { RAW_SP, RAW_PIPES, GDBUS, PP_SP, PP_PIPES };

  measure ("sync", row, all, G_N_ELEMENTS (all), &work, config.reps);
}

static const Contender three[] = { RAW_SP, GDBUS, PP_SP };
static const Contender two[] = { GDBUS, PP_SP };

static void
run_async_rows (void)
{
  static const guint depths[] = { 1, 16, 128, 1024 };

  for (guint i = 0; i < G_N_ELEMENTS (depths); i++)
    {
      Work work = { .depth = depths[i] };
      g_autofree char *row = g_strdup_printf ("async, %u in flight", depths[i]);

      work.n = scaled (config.quick ? 600 : 20000, depths[i]);
      measure ("async", row, three, G_N_ELEMENTS (three), &work, config.reps);
    }
}

static char *
format_size (gsize size)
{
  if (size >= 1024 * 1024)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " MiB", size / (1024 * 1024));
  if (size >= 1024)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " KiB", size / 1024);
  return g_strdup_printf ("%" G_GSIZE_FORMAT " B", size);
}

static void
run_echo_rows (void)
{
  static const gsize sizes[] = { 16, 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024,
                                 64 * 1024 * 1024 };
  gsize max_size = config.quick ? 1024 * 1024 : 64 * 1024 * 1024;
  gsize budget = config.quick ? 2 * 1024 * 1024 : 128 * 1024 * 1024;

  for (guint i = 0; i < G_N_ELEMENTS (sizes) && sizes[i] <= max_size; i++)
    {
      g_autofree char *size = format_size (sizes[i]);
      g_autofree char *row = g_strdup_printf ("echo ay %s", size);
      Work work = { .size = sizes[i] };
      guint reps = sizes[i] >= 16 * 1024 * 1024 ? MIN (config.reps, 3) : config.reps;

      work.n = CLAMP (budget / sizes[i], 2, config.quick ? 100 : 5000);
      work.n = scaled (work.n, 2);
      measure ("echo", row, three, G_N_ELEMENTS (three), &work, reps);
    }
}

static void
run_signal_rows (void)
{
  Work work = { .n = scaled (config.quick ? 1000 : 100000, 100) };
  const char *row = "signals received (u)";

  work.batch = MIN (work.n, 10000);
  measure ("signals", row, three, G_N_ELEMENTS (three), &work, config.reps);
}

static void
run_notify_rows (void)
{
  Work work = { .n = scaled (config.quick ? 1000 : 100000, 100) };
  const char *row = "property notify (int)";

  work.batch = MIN (work.n, 10000);
  measure ("notify", row, two, G_N_ELEMENTS (two), &work, config.reps);
}

static void
run_handshake_rows (void)
{
  Work work = { .n = scaled (config.quick ? 10 : 200, 3) };
  const char *row = "proxy construction";

  static const Contender fresh[] = { { SYSTEM_GDBUS, TRANSPORT_NONE },
                                     { SYSTEM_PP, TRANSPORT_NONE } };

  measure ("handshake", row, fresh, G_N_ELEMENTS (fresh), &work, config.reps);
}

/* Memory ------------------------------------------------------------------------- */

/* Each memory figure is taken in a fresh client process (--role=memory)
 * with a fresh server: in the long-lived main process, memory freed by
 * earlier rows would be reused and hide what the measured objects cost. */

typedef enum
{
  MEMORY_FLAT,
  MEMORY_PENDING,
  MEMORY_IDLE,
} MemoryKind;

static const char * const memory_args[] = { "flat", "pending", "idle" };

typedef struct
{
  MemoryKind  what;
  SystemKind  kind;
  guint       n;
  long        client_before_kb;
  long        client_after_kb;
  long        server_before_kb;
  long        server_after_kb;
  char       *how;
  const char *status;   /* only for the flatness target */
} MemoryResult;

static GPtrArray *memory_results;

static void
memory_snapshot (Client *c,
                 long   *client_kb,
                 long   *server_kb)
{
  long hwm;

  *client_kb = status_kb ("VmRSS");
  client_server_stats (c, &hwm, server_kb);
}

/* RSS of both sides before and after @n calls, after a warm-up: half
 * synchronous, half asynchronous with 128 in flight. */
static void
memory_flat (MemoryResult *m)
{
  Client *c = client_open (m->kind, TRANSPORT_SOCKETPAIR);
  gint32 counter = 1;

  for (guint i = 0; i < m->n / 20; i++)
    client_call_int (c, counter++);
  client_async (c, m->n / 20, 128, counter);
  counter += m->n / 20;

  memory_snapshot (c, &m->client_before_kb, &m->server_before_kb);
  for (guint i = 0; i < m->n / 2; i++)
    client_call_int (c, counter++);
  client_async (c, m->n - m->n / 2, 128, counter);
  memory_snapshot (c, &m->client_after_kb, &m->server_after_kb);

  client_close (c, NULL);
}

/* RSS delta with @n calls held by the server. */
static void
memory_pending (MemoryResult *m)
{
  Client *c = client_open (m->kind, TRANSPORT_SOCKETPAIR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) count = NULL;
  AsyncRun run = { 0 };

  for (guint round = 0; round < 2; round++)
    {
      guint this_n = round == 0 ? 100 : m->n;   /* a small warm-up round first */
      guint32 held;

      memset (&run, 0, sizeof run);
      run.client = c;
      run.total = this_n;
      run.depth = this_n;
      run.base = 1;
      run.hold = TRUE;
      current_run = &run;

      if (round == 1)
        memory_snapshot (c, &m->client_before_kb, &m->server_before_kb);
      async_issue (&run);

      /* Ordered after all the held calls: when it returns, they all are
       * with the server. */
      if (m->kind == SYSTEM_PP)
        count = pp_proxy_call_sync (c->proxy, "held_count", NULL, -1, NULL, &error);
      else
        count = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "HeldCount",
                                             NULL, G_VARIANT_TYPE ("(u)"),
                                             G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      CHECK_NO_ERROR (error, "held_count");
      g_variant_get (count, "(u)", &held);
      CHECK (held == this_n, "the server holds %u calls, expected %u", held, this_n);
      g_clear_pointer (&count, g_variant_unref);
      CHECK (run.completed == 0, "held calls completed early");

      if (round == 1)
        memory_snapshot (c, &m->client_after_kb, &m->server_after_kb);

      if (m->kind == SYSTEM_PP)
        count = pp_proxy_call_sync (c->proxy, "release", NULL, -1, NULL, &error);
      else
        count = g_dbus_connection_call_sync (c->bus, NULL, GDBUS_PATH, GDBUS_IFACE, "Release",
                                             NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                             &error);
      CHECK_NO_ERROR (error, "release");
      g_clear_pointer (&count, g_variant_unref);
      async_wait (&run);
    }

  client_close (c, NULL);
}

/* RSS delta for @n proxies, each with a connection of its own. */
static void
memory_idle (MemoryResult *m)
{
  g_autofree Handle *handles = g_new0 (Handle, m->n);
  Client *c = client_open (m->kind, TRANSPORT_NONE);

  for (guint i = 0; i < 5; i++)
    {
      client_new_handle (c, &handles[i]);
      handle_clear (&handles[i]);
    }
  /* Let the server drop the warm-up connections. */
  for (guint i = 0; i < 5; i++)
    {
      long hwm, rss;

      g_main_context_iteration (NULL, FALSE);
      client_server_stats (c, &hwm, &rss);
    }

  memory_snapshot (c, &m->client_before_kb, &m->server_before_kb);
  for (guint i = 0; i < m->n; i++)
    client_new_handle (c, &handles[i]);
  memory_snapshot (c, &m->client_after_kb, &m->server_after_kb);

  for (guint i = 0; i < m->n; i++)
    handle_clear (&handles[i]);
  client_close (c, NULL);
}

/* --role=memory: one measurement, printed as numbers on stdout. */
static int
run_memory_role (const char *what,
                 SystemKind  kind,
                 guint       n)
{
  MemoryResult m = { 0 };

  bench_set_name ("pp-bench (memory client)");
  m.kind = kind;
  m.n = n;
  if (g_strcmp0 (what, "flat") == 0)
    memory_flat (&m);
  else if (g_strcmp0 (what, "pending") == 0)
    memory_pending (&m);
  else if (g_strcmp0 (what, "idle") == 0)
    memory_idle (&m);
  else
    bench_fail ("unknown memory measurement %s", what);

  printf ("%ld %ld %ld %ld\n", m.client_before_kb, m.client_after_kb,
          m.server_before_kb, m.server_after_kb);
  return EXIT_SUCCESS;
}

static void
memory_run (MemoryKind what,
            SystemKind kind,
            guint      n)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *what_opt = g_strdup_printf ("--what=%s", memory_args[what]);
  g_autofree char *system_opt = g_strdup_printf ("--system=%s", system_arg (kind));
  g_autofree char *calls_opt = g_strdup_printf ("--calls=%u", n);
  MemoryResult *m;
  const char *labels[] = { "RSS over calls", "pending calls", "idle proxies" };

  if (!system_selected (kind))
    return;

  progress_begin (labels[what], system_label (kind, TRANSPORT_SOCKETPAIR));
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe,
                              "--role=memory", what_opt, system_opt, calls_opt, NULL);
  CHECK_NO_ERROR (error, "spawning the memory client");
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  CHECK_NO_ERROR (error, "the memory client");
  CHECK (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0,
         "the memory client failed");

  m = g_new0 (MemoryResult, 1);
  m->what = what;
  m->kind = kind;
  m->n = n;
  CHECK (sscanf (out, "%ld %ld %ld %ld", &m->client_before_kb, &m->client_after_kb,
                 &m->server_before_kb, &m->server_after_kb) == 4,
         "bad output from the memory client: %s", out);
  g_ptr_array_add (memory_results, m);
  fprintf (stderr, " done\n");

  switch (what)
    {
    case MEMORY_FLAT:
      m->how = g_strdup_printf ("VmRSS of each side before and after %u echo_int32 calls "
                                "(%u sync, %u async with 128 in flight), after %u warm-up "
                                "calls", n, n / 2, n - n / 2, n / 20 * 2);
      m->status = ABS (m->client_after_kb - m->client_before_kb) <= 1024 &&
                  ABS (m->server_after_kb - m->server_before_kb) <= 1024 ? "PASS" : "MISS";
      break;

    case MEMORY_PENDING:
      m->how = g_strdup_printf ("VmRSS delta of each side with %u calls in flight (held by "
                                "the server, answered later) / %u, after a 100-call warm-up", n,
                                n);
      break;

    case MEMORY_IDLE:
      m->how = g_strdup_printf ("VmRSS delta of each side after making %u proxies, each on its "
                                "own socket pair served by its own %s in one server process, "
                                "/ %u, after 5 warm-up proxies", n,
                                kind == SYSTEM_PP ? "PpListener" : "GDBusConnection", n);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
run_memory_rows (void)
{
  struct rlimit limit;
  guint idle = scaled (config.quick ? 50 : 1000, 10);

  /* pipeproxy needs a socket and an eventfd per connection on each side;
   * leave room under the open-files limit. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      idle > (limit.rlim_cur - 100) / 3)
    {
      idle = limit.rlim_cur > 130 ? (guint) (limit.rlim_cur - 100) / 3 : 10;
      fprintf (stderr, "  (open-files limit %lu: %u idle proxies)\n",
               (unsigned long) limit.rlim_cur, idle);
    }

  memory_run (MEMORY_FLAT, SYSTEM_PP, scaled (config.quick ? 20000 : 1000000, 2000));
  memory_run (MEMORY_PENDING, SYSTEM_GDBUS, scaled (config.quick ? 1000 : 10000, 200));
  memory_run (MEMORY_PENDING, SYSTEM_PP, scaled (config.quick ? 1000 : 10000, 200));
  memory_run (MEMORY_IDLE, SYSTEM_GDBUS, idle);
  memory_run (MEMORY_IDLE, SYSTEM_PP, idle);
}

/* Ratios and targets ------------------------------------------------------------------ */

static Result *
find_result (const char *row,
             SystemKind  kind,
             Transport   transport)
{
  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);

      if (g_str_equal (r->row, row) && r->kind == kind && r->transport == transport)
        return r;
    }
  return NULL;
}

static void
compute_ratios (void)
{
  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);
      Transport raw_transport = r->transport == TRANSPORT_PIPES ? TRANSPORT_PIPES
                                                                : TRANSPORT_SOCKETPAIR;
      Result *raw = find_result (r->row, SYSTEM_RAW, raw_transport);
      Result *gdbus = find_result (r->row, SYSTEM_GDBUS, TRANSPORT_SOCKETPAIR);

      if (raw != NULL)
        r->x_raw = r->med_us / raw->med_us;
      if (gdbus != NULL && r->kind != SYSTEM_GDBUS)
        r->x_gdbus = gdbus->med_us / r->med_us;

      if (r->kind != SYSTEM_PP || r->transport != TRANSPORT_SOCKETPAIR)
        continue;
      if (g_str_equal (r->group, "sync"))
        {
          r->target = "≤ 1.3× raw";
          r->status = r->x_raw <= 1.3 ? "PASS" : "MISS";
        }
      else if (g_str_equal (r->row, "async, 128 in flight"))
        {
          r->target = "≥ 12× GDBus";
          r->status = r->x_gdbus >= 12 ? "PASS" : "MISS";
        }
      else if (g_str_equal (r->group, "signals"))
        {
          r->target = "≥ 20× GDBus";
          r->status = r->x_gdbus >= 20 ? "PASS" : "MISS";
        }
      else if (g_str_equal (r->row, "echo ay 16 MiB"))
        {
          r->target = "≥ 25× GDBus";
          r->status = r->x_gdbus >= 25 ? "PASS" : "MISS";
        }
    }
}

/* Output --------------------------------------------------------------------------- */

typedef struct
{
  char *date;
  int   nproc;
  char *cpu;
  char *kernel;
} Machine;

static void
machine_init (Machine *machine)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *cpuinfo = NULL;
  struct utsname uts;

  machine->date = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %z");
  machine->nproc = (int) sysconf (_SC_NPROCESSORS_ONLN);
  machine->cpu = g_strdup ("unknown");
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      const char *p = strstr (cpuinfo, "model name");

      if (p != NULL && (p = strchr (p, ':')) != NULL)
        {
          g_free (machine->cpu);
          machine->cpu = g_strndup (p + 1, strcspn (p + 1, "\n"));
          g_strstrip (machine->cpu);
        }
    }
  if (uname (&uts) == 0)
    machine->kernel = g_strdup_printf ("%s %s %s", uts.sysname, uts.release, uts.machine);
  else
    machine->kernel = g_strdup ("unknown");
}

/* Appends @text padded to @width characters (not bytes). */
static void
cell (GString    *line,
      const char *text,
      int         width,
      gboolean    right)
{
  int pad = width - (int) g_utf8_strlen (text, -1);

  if (right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, text);
  if (!right)
    for (int i = 0; i < pad; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, "  ");
}

static char *
format_us (double us)
{
  if (us < 10)
    return g_strdup_printf ("%.2f", us);
  if (us < 1000)
    return g_strdup_printf ("%.1f", us);
  return g_strdup_printf ("%.0f", us);
}

static char *
format_rate (double per_s)
{
  if (per_s >= 1e6)
    return g_strdup_printf ("%.2f M", per_s / 1e6);
  if (per_s >= 1e3)
    return g_strdup_printf ("%.1f k", per_s / 1e3);
  return g_strdup_printf ("%.1f", per_s);
}

static double
result_mb_per_s (const Result *r)
{
  return r->bytes > 0 ? r->bytes / r->med_us : NAN;   /* bytes/µs = MB/s */
}

static double
faults_per_op (const Result *r,
               long          faults)
{
  return faults < 0 ? NAN : (double) faults / ((double) r->n_ops * r->reps);
}

/* Shown where they count: rows that move big payloads */
static char *
format_faults (const Result *r)
{
  if (r->bytes < 64 * 1024)
    return g_strdup ("");
  return g_strdup_printf ("%.0f / %.0f", faults_per_op (r, r->client_faults),
                          faults_per_op (r, r->server_faults));
}

static void
print_table (const Machine *machine)
{
  static const char *headers[] = { "row", "system", "µs/op", "[min – max]", "ops/s", "MB/s",
                                   "peak RSS c/s MiB", "faults/op c/s", "×raw", "×GDBus",
                                   "target" };
  static const int widths[] = { 22, 15, 8, 17, 9, 8, 16, 15, 6, 7, 18 };
  static const gboolean right[] = { FALSE, FALSE, TRUE, FALSE, TRUE, TRUE, TRUE, TRUE, TRUE,
                                    TRUE, FALSE };
  g_autoptr(GString) line = g_string_new (NULL);
  const char *last_row = "";

  printf ("pipeproxy %s benchmark, %s mode: median of %u repetitions after a warm-up "
          "[min – max]\n", PP_VERSION_S, config.quick ? "quick" : "full", config.reps);
  printf ("date     %s\n", machine->date);
  printf ("machine  %d CPUs (nproc), %s, %s, GLib %u.%u.%u\n\n", machine->nproc, machine->cpu,
          machine->kernel, glib_major_version, glib_minor_version, glib_micro_version);

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    cell (line, headers[i], widths[i], right[i]);
  printf ("%s\n", line->str);

  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);
      g_autofree char *us = format_us (r->med_us);
      g_autofree char *min = format_us (r->min_us);
      g_autofree char *max = format_us (r->max_us);
      g_autofree char *spread = g_strdup_printf ("[%s – %s]", min, max);
      g_autofree char *ops = format_rate (1e6 / r->med_us);
      g_autofree char *mbs = r->bytes > 0 ? g_strdup_printf ("%.1f", result_mb_per_s (r))
                                          : g_strdup ("");
      g_autofree char *rss = g_strdup_printf ("%.1f / %.1f", r->client_peak_kb / 1024.0,
                                              r->server_peak_kb / 1024.0);
      g_autofree char *faults = format_faults (r);
      g_autofree char *xraw = isnan (r->x_raw) ? g_strdup ("") : g_strdup_printf ("%.2f",
                                                                                  r->x_raw);
      g_autofree char *xgdbus = isnan (r->x_gdbus) ? g_strdup ("")
                                                   : g_strdup_printf ("%.1f", r->x_gdbus);
      g_autofree char *target = r->target ? g_strdup_printf ("%s %s", r->target, r->status)
                                          : g_strdup ("");

      gboolean same_row = i > 0 && g_str_equal (last_row, r->row);

      if (i > 0 && !same_row)
        printf ("\n");
      last_row = r->row;

      g_string_truncate (line, 0);
      cell (line, same_row ? "" : r->row, widths[0], right[0]);
      cell (line, system_label (r->kind, r->transport), widths[1], right[1]);
      cell (line, us, widths[2], right[2]);
      cell (line, spread, widths[3], right[3]);
      cell (line, ops, widths[4], right[4]);
      cell (line, mbs, widths[5], right[5]);
      cell (line, rss, widths[6], right[6]);
      cell (line, faults, widths[7], right[7]);
      cell (line, xraw, widths[8], right[8]);
      cell (line, xgdbus, widths[9], right[9]);
      cell (line, target, widths[10], right[10]);
      g_strchomp (line->str);
      printf ("%s\n", line->str);
    }

  if (memory_results->len > 0)
    {
      static const char * const names[] = { "RSS over calls", "bytes per pending call",
                                            "bytes per idle proxy" };

      printf ("\nmemory (VmRSS from /proc/self/status, each side reports its own; "
              "each figure from fresh processes)\n");
      for (guint i = 0; i < memory_results->len; i++)
        {
          MemoryResult *m = g_ptr_array_index (memory_results, i);
          long dc = m->client_after_kb - m->client_before_kb;
          long ds = m->server_after_kb - m->server_before_kb;

          if (m->status != NULL)
            printf ("  %-24s %-10s client %.1f → %.1f MiB (%+ld KiB), server %.1f → %.1f MiB "
                    "(%+ld KiB): flat within 1 MiB %s\n",
                    names[m->what], system_label (m->kind, TRANSPORT_SOCKETPAIR),
                    m->client_before_kb / 1024.0, m->client_after_kb / 1024.0, dc,
                    m->server_before_kb / 1024.0, m->server_after_kb / 1024.0, ds, m->status);
          else
            printf ("  %-24s %-10s client %7.0f B, server %7.0f B  (n = %u)\n",
                    names[m->what], system_label (m->kind, TRANSPORT_SOCKETPAIR),
                    dc * 1024.0 / m->n, ds * 1024.0 / m->n, m->n);
          printf ("  %-24s %-10s   %s\n", "", "", m->how);
        }
    }

  printf ("\n×raw: µs/op ÷ the raw transport's (same transport); ×GDBus: GDBus µs/op ÷ this "
          "row's, i.e. the speed-up in ops/s and MB/s.\n"
          "MB/s: payload bytes per call ÷ time per call (each byte crosses twice). ops/s of "
          "signal and notify rows are emissions received per second.\n"
          "peak RSS: VmHWM of the client and of the server; each contender of each row has "
          "a client process and a server process of its own (the client's peak is reset before "
          "each repetition).\n"
          "faults/op: minor page faults (fresh pages touched) of the client and of the server "
          "per operation, which unlike the time do not depend on the machine's load; shown "
          "for payloads from 64 KiB.\n"
          "Each row's contenders take turns, one repetition each, so that load from elsewhere "
          "hits them alike.\n");
}

static void
json_string (GString    *out,
             const char *s)
{
  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_printf (out, "\\%c", *s);
      else if ((guchar) *s < 0x20)
        g_string_append_printf (out, "\\u%04x", *s);
      else
        g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

static void
json_number (GString *out,
             double   v)
{
  if (isnan (v) || isinf (v))
    g_string_append (out, "null");
  else
    g_string_append_printf (out, "%.6g", v);
}

static void
write_json (const char    *path,
            const Machine *machine)
{
  g_autoptr(GString) out = g_string_new ("{\n  \"benchmark\": \"pp-bench\",\n  \"mode\": ");
  g_autoptr(GError) error = NULL;

  json_string (out, config.quick ? "quick" : "full");
  g_string_append (out, ",\n  \"date\": ");
  json_string (out, machine->date);
  g_string_append_printf (out, ",\n  \"machine\": { \"nproc\": %d, \"cpu\": ", machine->nproc);
  json_string (out, machine->cpu);
  g_string_append (out, ", \"kernel\": ");
  json_string (out, machine->kernel);
  g_string_append_printf (out, ", \"glib\": \"%u.%u.%u\", \"pipeproxy\": \"%s\" },\n",
                          glib_major_version, glib_minor_version, glib_micro_version,
                          PP_VERSION_S);
  g_string_append_printf (out, "  \"repetitions\": %u,\n  \"rows\": [\n", config.reps);

  for (guint i = 0; i < results->len; i++)
    {
      Result *r = g_ptr_array_index (results, i);

      g_string_append (out, "    { \"group\": ");
      json_string (out, r->group);
      g_string_append (out, ", \"row\": ");
      json_string (out, r->row);
      g_string_append (out, ", \"system\": ");
      json_string (out, system_label (r->kind, r->transport));
      g_string_append_printf (out, ", \"ops_per_repetition\": %u, \"repetitions\": %u",
                              r->n_ops, r->reps);
      g_string_append (out, ", \"us_per_op\": { \"median\": ");
      json_number (out, r->med_us);
      g_string_append (out, ", \"min\": ");
      json_number (out, r->min_us);
      g_string_append (out, ", \"max\": ");
      json_number (out, r->max_us);
      g_string_append (out, " }, \"ops_per_s\": ");
      json_number (out, 1e6 / r->med_us);
      g_string_append (out, ", \"mb_per_s\": ");
      json_number (out, result_mb_per_s (r));
      g_string_append_printf (out, ", \"payload_bytes\": %" G_GSIZE_FORMAT, r->bytes);
      g_string_append_printf (out, ", \"peak_rss_kib\": { \"client\": %ld, \"server\": %ld }",
                              r->client_peak_kb, r->server_peak_kb);
      g_string_append (out, ", \"minor_faults_per_op\": { \"client\": ");
      json_number (out, faults_per_op (r, r->client_faults));
      g_string_append (out, ", \"server\": ");
      json_number (out, faults_per_op (r, r->server_faults));
      g_string_append (out, " }, \"x_raw\": ");
      json_number (out, r->x_raw);
      g_string_append (out, ", \"x_gdbus\": ");
      json_number (out, r->x_gdbus);
      if (r->target != NULL)
        {
          g_string_append (out, ", \"target\": ");
          json_string (out, r->target);
          g_string_append (out, ", \"status\": ");
          json_string (out, r->status);
        }
      g_string_append (out, i + 1 < results->len ? " },\n" : " }\n");
    }

  g_string_append (out, "  ],\n  \"memory\": [\n");
  for (guint i = 0; i < memory_results->len; i++)
    {
      MemoryResult *m = g_ptr_array_index (memory_results, i);

      g_string_append (out, "    { \"what\": ");
      json_string (out, memory_args[m->what]);
      g_string_append (out, ", \"system\": ");
      json_string (out, system_label (m->kind, TRANSPORT_SOCKETPAIR));
      g_string_append_printf (out, ", \"n\": %u, \"client_rss_kib\": { \"before\": %ld, "
                              "\"after\": %ld }, \"server_rss_kib\": { \"before\": %ld, "
                              "\"after\": %ld }",
                              m->n, m->client_before_kb, m->client_after_kb,
                              m->server_before_kb, m->server_after_kb);
      if (m->status != NULL)
        {
          g_string_append (out, ", \"target\": \"flat within 1 MiB\", \"status\": ");
          json_string (out, m->status);
        }
      else
        {
          g_string_append (out, ", \"client_bytes_per_item\": ");
          json_number (out, (m->client_after_kb - m->client_before_kb) * 1024.0 / m->n);
          g_string_append (out, ", \"server_bytes_per_item\": ");
          json_number (out, (m->server_after_kb - m->server_before_kb) * 1024.0 / m->n);
        }
      g_string_append (out, ", \"how\": ");
      json_string (out, m->how);
      g_string_append (out, i + 1 < memory_results->len ? " },\n" : " }\n");
    }
  g_string_append (out, "  ]\n}\n");

  if (!g_file_set_contents (path, out->str, out->len, &error))
    bench_fail ("writing %s: %s", path, error->message);
}

/* The syscall-count mode (bench/count-syscalls.sh) --------------------------------------- */

static int
run_syscall_count (const char *system,
                   guint       calls)
{
  SystemKind kind;
  Client *c;

  if (g_str_equal (system, "pp"))
    kind = SYSTEM_PP;
  else if (g_str_equal (system, "gdbus"))
    kind = SYSTEM_GDBUS;
  else if (g_str_equal (system, "raw"))
    kind = SYSTEM_RAW;
  else
    bench_fail ("--syscalls takes pp, gdbus or raw");

  c = client_open (kind, TRANSPORT_SOCKETPAIR);
  /* A few calls first, so that one-time setup is the same in both runs. */
  for (guint i = 0; i < 10; i++)
    client_call_int (c, (gint32) i);
  for (guint i = 0; i < calls; i++)
    client_call_int (c, (gint32) i);
  client_close (c, NULL);
  return EXIT_SUCCESS;
}

/* main ---------------------------------------------------------------------------------- */

static gboolean
parse_system (const char *arg,
              SystemKind *kind)
{
  if (g_strcmp0 (arg, "raw") == 0)
    *kind = SYSTEM_RAW;
  else if (g_strcmp0 (arg, "gdbus") == 0)
    *kind = SYSTEM_GDBUS;
  else if (g_strcmp0 (arg, "pp") == 0)
    *kind = SYSTEM_PP;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_transport (const char *arg,
                 Transport  *transport)
{
  if (g_strcmp0 (arg, "socketpair") == 0)
    *transport = TRANSPORT_SOCKETPAIR;
  else if (g_strcmp0 (arg, "pipes") == 0)
    *transport = TRANSPORT_PIPES;
  else if (g_strcmp0 (arg, "none") == 0)
    *transport = TRANSPORT_NONE;
  else
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *only = NULL;
  g_autofree char *systems_opt = NULL;
  g_autofree char *role = NULL;
  g_autofree char *system = NULL;
  g_autofree char *transport = NULL;
  g_autofree char *syscalls = NULL;
  g_autofree char *what = NULL;
  gboolean quick = FALSE;
  int reps = 0;
  int calls = 10000;
  int depth = 0;
  int batch = 0;
  gint64 size = 0;
  struct rlimit limit;
  Machine machine = { 0 };
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Small counts, a few seconds: a correctness smoke test", NULL },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json, "Also write the figures to FILE", "FILE" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Run only these groups: sync,async,echo,signals,notify,handshake,memory", "GROUPS" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions after the warm-up", "N" },
    { "systems", 0, 0, G_OPTION_ARG_STRING, &systems_opt,
      "Run only these systems: raw,gdbus,pp", "SYSTEMS" },
    { "syscalls", 0, 0, G_OPTION_ARG_STRING, &syscalls,
      "Only make --calls synchronous calls (for count-syscalls.sh)", "pp|gdbus|raw" },
    { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "Calls for --syscalls", "N" },
    { "role", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &role, NULL, NULL },
    { "system", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &system, NULL, NULL },
    { "transport", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &transport, NULL, NULL },
    { "what", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &what, NULL, NULL },
    { "depth", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &depth, NULL, NULL },
    { "size", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &size, NULL, NULL },
    { "batch", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &batch, NULL, NULL },
    { NULL }
  };

  bench_set_name ("pp-bench (client)");

  /* A peer that dies must not kill us: its death is reported as a failure. */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new ("- pipeproxy against a raw socket and GDBus");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  if (g_strcmp0 (role, "server") == 0)
    {
      SystemKind kind;
      Transport tr;

      if (!parse_system (system, &kind) || !parse_transport (transport, &tr))
        bench_fail ("bad --system or --transport");
      return run_server (kind, tr);
    }
  if (g_strcmp0 (role, "client") == 0)
    {
      SystemKind kind;
      Transport tr;
      Work work = { 0 };

      if (!parse_system (system, &kind) || !parse_transport (transport, &tr))
        bench_fail ("bad --system or --transport");
      self_exe = g_file_read_link ("/proc/self/exe", &error);
      CHECK_NO_ERROR (error, "/proc/self/exe");
      work.n = (guint) MAX (calls, 1);
      work.depth = (guint) MAX (depth, 0);
      work.size = (gsize) MAX (size, 0);
      work.batch = (guint) MAX (batch, 0);
      return run_client_role (kind, tr, what, &work);
    }
  if (g_strcmp0 (role, "memory") == 0)
    {
      SystemKind kind;

      if (!parse_system (system, &kind))
        bench_fail ("bad --system");
      self_exe = g_file_read_link ("/proc/self/exe", &error);
      CHECK_NO_ERROR (error, "/proc/self/exe");
      return run_memory_role (what, kind, (guint) MAX (calls, 1));
    }
  CHECK (role == NULL, "unknown role %s", role);

  /* Many connections at once for the idle-proxy row. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  self_exe = g_file_read_link ("/proc/self/exe", &error);
  CHECK_NO_ERROR (error, "/proc/self/exe");

  if (syscalls != NULL)
    return run_syscall_count (syscalls, (guint) MAX (calls, 0));

  config.quick = quick;
  config.reps = reps > 0 ? (guint) reps : quick ? 2 : 5;
  config.scale = g_getenv ("PP_TEST_UNDER_VALGRIND") != NULL ? 0.1 : 1.0;
  config.only = only != NULL ? g_strsplit (only, ",", -1) : NULL;
  config.systems = systems_opt != NULL ? g_strsplit (systems_opt, ",", -1) : NULL;
  results = g_ptr_array_new ();
  memory_results = g_ptr_array_new ();
  machine_init (&machine);

  g_printerr ("pp-bench: %s mode, %u repetitions after a warm-up\n",
              quick ? "quick" : "full", config.reps);
  if (group_selected ("sync"))
    run_sync_rows ();
  if (group_selected ("async"))
    run_async_rows ();
  if (group_selected ("echo"))
    run_echo_rows ();
  if (group_selected ("signals"))
    run_signal_rows ();
  if (group_selected ("notify"))
    run_notify_rows ();
  if (group_selected ("handshake"))
    run_handshake_rows ();
  if (group_selected ("memory"))
    run_memory_rows ();
  g_printerr ("\n");

  compute_ratios ();
  print_table (&machine);
  if (json != NULL)
    write_json (json, &machine);

  g_strfreev (config.only);
  g_strfreev (config.systems);
  g_free (machine.date);
  g_free (machine.cpu);
  g_free (machine.kernel);
  return EXIT_SUCCESS;
}
