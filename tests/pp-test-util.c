/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "pp-test-util.h"
#include "pp-connection-private.h"
#include "pp-proxy-private.h"
#include "pp-wire-private.h"

PpTestPeer *
pp_test_peer_spawn (const char *object_kind,
                    gboolean    pipes)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *server = g_test_build_filename (G_TEST_BUILT, "pp-test-server", NULL);
  g_autofree char *object_arg = g_strdup_printf ("--object=%s", object_kind);
  g_autoptr(GError) error = NULL;
  PpTestPeer *peer = g_new0 (PpTestPeer, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  if (pipes)
    {
      int to_child[2], from_child[2];

      g_assert_true (g_unix_open_pipe (to_child, FD_CLOEXEC, NULL));
      g_assert_true (g_unix_open_pipe (from_child, FD_CLOEXEC, NULL));
      g_subprocess_launcher_take_fd (launcher, to_child[0], 3);
      g_subprocess_launcher_take_fd (launcher, from_child[1], 4);
      peer->stream = pp_stream_new_for_fds (from_child[0], to_child[1], &error);
      g_assert_no_error (error);
      peer->process = g_subprocess_launcher_spawn (launcher, &error, server, object_arg,
                                                   "--pipes", NULL);
    }
  else
    {
      int fds[2];

      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
      g_subprocess_launcher_take_fd (launcher, fds[1], 3);
      peer->stream = pp_stream_new_for_fd (fds[0], &error);
      g_assert_no_error (error);
      peer->process = g_subprocess_launcher_spawn (launcher, &error, server, object_arg, NULL);
    }
  g_assert_no_error (error);
  g_assert_nonnull (peer->process);

  /* The launcher keeps the child's ends open until it is finalized. */
  g_clear_object (&launcher);
  return peer;
}

PpProxy *
pp_test_peer_proxy (PpTestPeer *peer)
{
  g_autoptr(GError) error = NULL;
  PpProxy *proxy = pp_proxy_new_sync (peer->stream, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (PP_IS_PROXY (proxy));
  return proxy;
}

/* Waits for the child to exit normally and returns what it printed. */
char *
pp_test_peer_wait (PpTestPeer *peer)
{
  g_autoptr(GError) error = NULL;
  char *output = NULL;

  g_subprocess_communicate_utf8 (peer->process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (peer->process));
  g_assert_cmpint (g_subprocess_get_exit_status (peer->process), ==, 0);
  return output;
}

void
pp_test_peer_free (PpTestPeer *peer)
{
  if (peer == NULL)
    return;
  g_clear_object (&peer->stream);
  if (peer->process != NULL)
    {
      g_subprocess_force_exit (peer->process);
      g_subprocess_wait (peer->process, NULL, NULL);
    }
  g_clear_object (&peer->process);
  g_free (peer);
}

void
pp_test_wait_for (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

void
pp_test_fixture_set_up (PpTestFixture *f,
                        gconstpointer  data)
{
  f->peer = pp_test_peer_spawn (data ? data : "test", FALSE);
  f->proxy = pp_test_peer_proxy (f->peer);
}

void
pp_test_fixture_tear_down (PpTestFixture *f,
                           gconstpointer  data)
{
  g_clear_object (&f->proxy);
  g_clear_pointer (&f->peer, pp_test_peer_free);
}

GVariant *
pp_test_call (PpProxy    *proxy,
              const char *method,
              GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = pp_proxy_call_sync (proxy, method, parameters, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
serve_here_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PpProxy **proxy = user_data;
  g_autoptr(GError) error = NULL;

  *proxy = pp_proxy_new_finish (result, &error);
  g_assert_no_error (error);
}

PpProxy *
pp_test_serve_here (GObject       *object,
                    GMainContext  *listener_context,
                    PpOptions     *options,
                    PpListener   **out_listener)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PpProxy *proxy = NULL;

  if (listener_context != NULL)
    g_main_context_push_thread_default (listener_context);
  *out_listener = pp_listener_new_pair (object, &stream, &error);
  if (listener_context != NULL)
    g_main_context_pop_thread_default (listener_context);
  g_assert_no_error (error);

  /* The handshake needs both ends */
  pp_proxy_new_async (stream, options, NULL, serve_here_cb, &proxy);
  while (proxy == NULL)
    {
      if (listener_context != NULL)
        g_main_context_iteration (listener_context, FALSE);
      g_main_context_iteration (NULL, listener_context == NULL);
    }
  return proxy;
}

int
pp_test_open_bytes_fd (PpProxy *proxy,
                       GBytes  *payload,
                       int      timeout_msec)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  gint32 handle;
  int fd;

  result = pp_proxy_call_with_unix_fd_list_sync (proxy, "open_bytes",
                                                 g_variant_new ("(@ay)",
                                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                                           payload, TRUE)),
                                                 timeout_msec, NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  g_assert_no_error (error);
  return fd;
}

/* A sync call with objects that must succeed */
guint32
pp_test_call_u (PpProxy    *proxy,
                const char *method,
                GVariant   *parameters)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, method, parameters);
  guint32 value;

  g_variant_get (result, "(u)", &value);
  return value;
}

GVariant *
pp_test_call_full (PpProxy     *proxy,
                   const char  *method,
                   GVariant    *parameters,
                   GPtrArray   *in_objects,
                   GPtrArray  **out_objects)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = pp_proxy_call_full_sync (proxy, method, parameters, NULL, in_objects, -1,
                                              NULL, out_objects, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
child_exited (GPid     pid,
              int      status,
              gpointer user_data)
{
  PpTestChild *child = user_data;

  child->status = status;
  child->done = TRUE;
  g_main_context_wakeup (NULL);
}

gboolean
pp_test_child_fork (PpTestChild *child)
{
  child->pid = fork ();
  g_assert_cmpint (child->pid, >=, 0);
  if (child->pid == 0)
    return TRUE;
  g_child_watch_add (child->pid, child_exited, child);
  return FALSE;
}

void
pp_test_child_wait (PpTestChild *child)
{
  g_autoptr(GError) error = NULL;

  while (!child->done)
    g_main_context_iteration (NULL, TRUE);
  g_spawn_check_wait_status (child->status, &error);
  g_assert_no_error (error);
}

typedef struct
{
  PpWireKind  kind;
  GVariant   *body;
} RawRequest;

static gboolean
build_raw_request (GPtrArray  *frames,
                   guint32     serial,
                   gpointer    user_data,
                   GError    **error)
{
  RawRequest *request = user_data;

  pp_wire_gather (frames, request->kind, PP_WIRE_FLAGS_NONE, serial, 0, request->body);
  return TRUE;
}

GVariant *
pp_test_raw_request (PpProxy  *proxy,
                     guint8    kind,
                     GVariant *body,
                     GError  **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  g_auto(PpReply) reply = { NULL, };
  RawRequest request = { kind, owned };

  if (!pp_connection_call_sync (pp_proxy_get_connection (proxy), PP_WIRE_KIND_RETURN, NULL,
                                build_raw_request, &request, NULL, -1, NULL, &reply, error))
    return NULL;
  return pp_reply_steal (&reply, NULL, NULL);
}
