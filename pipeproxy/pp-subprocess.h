/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>

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

PP_AVAILABLE_IN_1_0
gboolean     pp_serve_parent                    (GObject              *object,
                                                 GError              **error);
G_END_DECLS
