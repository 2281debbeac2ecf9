/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>

#include "pp-listener.h"
#include "pp-proxy.h"
#include "pp-version-macros.h"

G_BEGIN_DECLS

/**
 * PP_SUBPROCESS_FD_VARIABLE:
 *
 * The environment variable that tells a child process started by
 * [ctor@Pp.Proxy.new_for_subprocess_sync] which file descriptor is its
 * connection to the parent. [func@Pp.serve_parent] reads it.
 *
 * Since: 1.0
 */
#define PP_SUBPROCESS_FD_VARIABLE "PIPEPROXY_FD"

PP_AVAILABLE_IN_ALL
PpProxy     *pp_proxy_new_for_subprocess_sync   (GSubprocessLauncher  *launcher,
                                                 const char * const   *argv,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_ALL
void         pp_proxy_new_for_subprocess_async  (GSubprocessLauncher  *launcher,
                                                 const char * const   *argv,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_ALL
PpProxy     *pp_proxy_new_for_subprocess_finish (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_ALL
PpProxy     *pp_proxy_new_for_type_sync         (const char           *namespace_,
                                                 const char           *version,
                                                 const char           *type_name,
                                                 const char * const   *properties,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_ALL
void         pp_proxy_new_for_type_async        (const char           *namespace_,
                                                 const char           *version,
                                                 const char           *type_name,
                                                 const char * const   *properties,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_ALL
PpProxy     *pp_proxy_new_for_type_finish       (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_ALL
GSubprocess *pp_proxy_get_subprocess            (PpProxy              *self);

PP_AVAILABLE_IN_ALL
gboolean     pp_serve_parent                    (GObject              *object,
                                                 GError              **error);
PP_AVAILABLE_IN_ALL
PpListener  *pp_listener_new_for_parent         (GObject              *object,
                                                 GError              **error);

G_END_DECLS
