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

/**
 * PP_SUBPROCESS_SANDBOX_VARIABLE:
 *
 * The environment variable that tells a child process started with
 * [property@Pp.Options:sandbox] how to sandbox itself: the nicks of
 * [flags@Pp.SandboxFlags] separated by commas, e.g. `syscalls,filesystem`.
 * [func@Pp.serve_parent] and [ctor@Pp.Listener.new_for_parent] read it and
 * apply the sandbox before the first call is read; a value they do not
 * understand makes them fail rather than serve without it.
 *
 * Since: 1.0
 */
#define PP_SUBPROCESS_SANDBOX_VARIABLE "PIPEPROXY_SANDBOX"

PP_AVAILABLE_IN_1_0
gboolean     pp_serve_parent                    (GObject              *object,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
gboolean     pp_serve_stdio                     (GObject              *object,
                                                 GError              **error);
G_END_DECLS
