/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* Whether the owner context may read now (pp-connection-gate.c). Under
 * the connection's lock. */

gboolean  pp_connection_can_read_locked          (PpConnection      *self);
/* A side that answers requests stops reading them while more than half
 * the output limit waits */
gboolean  pp_connection_output_throttles_locked  (PpConnection      *self);
/* Whether the owner context may read now: tells the source */
void      pp_connection_update_source_locked     (PpConnection      *self);
void      pp_connection_set_read_more_locked     (PpConnection      *self,
                                                  PpFrameReadResult  result);

G_END_DECLS
