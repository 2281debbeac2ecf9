/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* The synchronous wait (pp-connection-wait.c) */

void  pp_connection_wait_sync_locked  (PpConnection   *self,
                                       PpPendingCall  *call,
                                       gint64          deadline,
                                       GQueue         *to_complete);
void  pp_connection_read_once_locked  (PpConnection   *self,
                                       GQueue         *to_complete);
void  pp_connection_wake_reader       (PpConnection   *self);

G_END_DECLS
