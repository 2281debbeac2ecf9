/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* Frames out (pp-connection-send.c). Under the connection's lock. */

gboolean  pp_connection_send_locked              (PpConnection   *self,
                                                  GBytes * const *pieces,
                                                  guint           n_pieces,
                                                  GUnixFDList    *fds,
                                                  gboolean        is_call,
                                                  gboolean        checked,
                                                  GError        **error);
gboolean  pp_connection_send_frames_locked       (PpConnection   *self,
                                                  GPtrArray      *frames,
                                                  GUnixFDList    *fds,
                                                  gboolean        is_call,
                                                  GError        **error);
gboolean  pp_connection_flush_locked             (PpConnection   *self);

/* From the flusher's thread, without the lock */
void      pp_connection_write_corked             (PpConnection   *self);

G_END_DECLS
