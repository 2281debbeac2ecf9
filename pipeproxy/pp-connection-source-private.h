/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* The owner context's source (pp-connection-source.c). Under the
 * connection's lock. */

/* Whether the owner context may read now: tells the source */
void  pp_connection_update_source_locked  (PpConnection      *self);
void  pp_connection_set_read_more_locked  (PpConnection      *self,
                                           PpFrameReadResult  result);

G_END_DECLS
