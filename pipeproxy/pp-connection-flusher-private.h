/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* The thread that writes what the owner context corked when the owner
 * does not come back in time to write it (pp-connection-flusher.c). Each
 * function takes the flusher's lock, which comes after a connection's. */

/* What the flusher calls for a connection it was armed with, without its
 * own lock and without the connection's */
typedef void (*PpConnectionFlushFunc) (PpConnection *self);

/* Has @func called for @self at @at (monotonic µs), unless it is armed
 * already */
void  pp_connection_flusher_arm     (PpConnection          *self,
                                     gint64                 at,
                                     PpConnectionFlushFunc  func);
/* Takes @self out: it was closed */
void  pp_connection_flusher_disarm  (PpConnection          *self);
/* Takes @self out for good, once the flusher is done with it: for its
 * finalization */
void  pp_connection_flusher_forget  (PpConnection          *self);

G_END_DECLS
