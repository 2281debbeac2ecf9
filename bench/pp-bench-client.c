/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The client side of pp-bench: opening and closing a connection to a
 * server of each system, and the fresh connections of the handshake rows. */

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "pp-bench.h"

/* The client side --------------------------------------------------------------- */

char *self_exe;

static void
ctl_expect (Client     *c,
            const char *expected)
{
  char message[CTL_MAX];

  CHECK (ctl_recv (c->ctl_fd, message, NULL), "the server went away");
  CHECK (g_str_equal (message, expected), "server said \"%s\", expected \"%s\"",
         message, expected);
}

void
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

Client *
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
void
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


/* A new connection to a new listener (or GDBus server connection) in the
 * child; the construction alone is timed. */
gint64
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

void
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
