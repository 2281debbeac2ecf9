/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-options.h"
#include "pp-proxy.h"

G_BEGIN_DECLS

/* Says why the peer went away, e.g. how its process ended: a better error
 * than @error, or NULL. Called in whichever thread read the end, also
 * during the handshake. */
typedef GError *(*PpProxyEndReason) (const GError *error,
                                     gpointer      user_data);

/* The constructors, with an end reason that the proxy keeps (and destroys
 * with @destroy, also when this fails) */
PpProxy *pp_proxy_new_explained_sync  (GIOStream            *stream,
                                       PpOptions            *options,
                                       PpProxyEndReason      end_reason,
                                       gpointer              end_reason_data,
                                       GDestroyNotify        destroy,
                                       GCancellable         *cancellable,
                                       GError              **error);
void     pp_proxy_new_explained_async (GIOStream            *stream,
                                       PpOptions            *options,
                                       PpProxyEndReason      end_reason,
                                       gpointer              end_reason_data,
                                       GDestroyNotify        destroy,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);

G_END_DECLS
