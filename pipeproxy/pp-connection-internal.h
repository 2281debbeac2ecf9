/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-call-table-private.h"
#include "pp-connection-private.h"

G_BEGIN_DECLS

/* What the calls (pp-connection-call.c) and the watch
 * (pp-connection-watch.c) use of the connection itself (pp-connection.c).
 * The connection's lock covers its call table. */

void           pp_connection_lock                 (PpConnection   *self);
void           pp_connection_unlock               (PpConnection   *self);
PpCallTable   *pp_connection_get_calls            (PpConnection   *self);
gboolean       pp_connection_add_call_locked      (PpConnection   *self,
                                                   PpPendingCall  *call,
                                                   GError        **error);
gboolean       pp_connection_send_locked          (PpConnection   *self,
                                                   GBytes         *frame,
                                                   GUnixFDList    *fds,
                                                   gboolean        is_call,
                                                   GError        **error);
void           pp_connection_complete_sync_locked (PpConnection   *self,
                                                   PpPendingCall  *call);
void           pp_connection_wait_sync_locked     (PpConnection   *self,
                                                   PpPendingCall  *call,
                                                   gint64          deadline,
                                                   GQueue         *to_complete);
void           pp_connection_wake_reader          (PpConnection   *self);
void           pp_connection_read_once_locked     (PpConnection   *self,
                                                   GQueue         *to_complete);
guint          pp_connection_get_inbound_length   (PpConnection   *self);
void           pp_connection_close_if_broken      (PpConnection   *self,
                                                   GQueue         *to_complete);
gboolean       pp_connection_complete_calls       (PpConnection   *self,
                                                   GQueue         *to_complete);
GError        *pp_connection_timed_out_error      (void);

G_END_DECLS
