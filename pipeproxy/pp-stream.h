/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

PP_AVAILABLE_IN_1_0
gboolean   pp_stream_new_pair        (GIOStream **out_stream1,
                                      GIOStream **out_stream2,
                                      GError    **error);
PP_AVAILABLE_IN_1_0
GIOStream *pp_stream_new_for_fd      (int         fd,
                                      GError    **error);
PP_AVAILABLE_IN_1_0
GIOStream *pp_stream_new_for_fds     (int         read_fd,
                                      int         write_fd,
                                      GError    **error);
PP_AVAILABLE_IN_1_0
int        pp_stream_steal_fd        (GIOStream  *stream,
                                      GError    **error);

G_END_DECLS
