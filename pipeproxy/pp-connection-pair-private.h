/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* Both ends of a connection in this process (pp-connection-pair.c) */

void      pp_connection_join_pair          (PpConnection  *self,
                                            GIOStream     *stream);
void      pp_connection_leave_pair         (PpConnection  *self);
gboolean  pp_connection_check_peer_served  (PpConnection  *self,
                                            GError       **error);

G_END_DECLS
