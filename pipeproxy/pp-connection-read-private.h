/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* Frames in (pp-connection-read.c): one thread at a time has the reader
 * role, the owner context's source or a synchronous caller. */

gboolean           pp_connection_try_begin_io_locked (PpConnection *self);
void               pp_connection_end_io_locked       (PpConnection *self);
PpFrameReadResult  pp_connection_read                (PpConnection *self,
                                                      gboolean      batch,
                                                      GQueue       *to_complete);

G_END_DECLS
