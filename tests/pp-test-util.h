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

G_END_DECLS
