/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pipeproxy/pipeproxy.h>

G_BEGIN_DECLS

/* A listener in a child process (tests/pp-test-server), and our end of the
 * connection to it. */
typedef struct
{
  GSubprocess *process;
  GIOStream   *stream;
} PpTestPeer;

PpTestPeer *pp_test_peer_spawn        (const char *object_kind,
                                       gboolean    pipes);
PpProxy    *pp_test_peer_proxy        (PpTestPeer *peer);
char       *pp_test_peer_wait         (PpTestPeer *peer);
void        pp_test_peer_free         (PpTestPeer *peer);
void        pp_test_wait_for          (gboolean   *flag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpTestPeer, pp_test_peer_free)

/* A listener of @object in this process, on @listener_context (the
 * thread-default one when NULL), and a proxy of it with @options, made
 * asynchronously while both contexts run */
PpProxy    *pp_test_serve_here        (GObject       *object,
                                       GMainContext  *listener_context,
                                       PpOptions     *options,
                                       PpListener   **out_listener);

/* A fixture: a child serving the object kind given as test data ("test"
 * when NULL) and a proxy for it. */
typedef struct
{
  PpTestPeer *peer;
  PpProxy    *proxy;
} PpTestFixture;

void        pp_test_fixture_set_up    (PpTestFixture *f,
                                       gconstpointer  data);
void        pp_test_fixture_tear_down (PpTestFixture *f,
                                       gconstpointer  data);
/* A sync call that must succeed */
GVariant   *pp_test_call              (PpProxy       *proxy,
                                       const char    *method,
                                       GVariant      *parameters);
/* The same, of a method that answers (u): that number */
guint32     pp_test_call_u            (PpProxy       *proxy,
                                       const char    *method,
                                       GVariant      *parameters);
/* The same with objects (pp_proxy_call_full_sync ()) */
GVariant   *pp_test_call_full         (PpProxy       *proxy,
                                       const char    *method,
                                       GVariant      *parameters,
                                       GPtrArray     *in_objects,
                                       GPtrArray    **out_objects);
/* The descriptor of the stream that the test object's open_bytes()
 * returns for @payload, ours to close */
int         pp_test_open_bytes_fd     (PpProxy       *proxy,
                                       GBytes        *payload,
                                       int            timeout_msec);
/* A request of @kind with @body (floating is consumed), answered with
 * RETURN or ERROR, sent on @proxy's connection as the proxy would, but
 * unchecked: as a hostile peer may. The reply's value, or NULL with
 * @error set. */
GVariant   *pp_test_raw_request       (PpProxy       *proxy,
                                       guint8         kind,
                                       GVariant      *body,
                                       GError       **error);

/* A child forked to play a part (the caller, mostly) while this process
 * iterates the thread-default main context */
typedef struct
{
  GPid     pid;
  gboolean done;
  int      status;
} PpTestChild;

/* Forks: TRUE in the child; in the parent FALSE, with the child watched */
gboolean    pp_test_child_fork        (PpTestChild   *child);
/* Iterates the thread-default main context until the child has exited,
 * which it must have done with status 0 */
void        pp_test_child_wait        (PpTestChild   *child);

G_END_DECLS
