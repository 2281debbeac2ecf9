/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-listener.h"

G_BEGIN_DECLS

/* For a process started to serve an object that it could not make: waits
 * for the peer's handshake on @stream and answers it with @reason, which
 * the peer's proxy fails with. FALSE if @stream could not be used. */
gboolean pp_listener_refuse (GIOStream     *stream,
                             const GError  *reason,
                             GError       **error);

/* For a worker about to be sandboxed: loads now what answering calls
 * would otherwise load when first needed, while files can still be
 * opened. */
void     pp_listener_load_for_calls (PpListener *self);

/* How many objects, besides its own, the peer holds proxies of */
guint    pp_listener_get_n_exported (PpListener *self);

G_END_DECLS
