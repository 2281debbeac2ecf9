/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-subprocess.h"

G_BEGIN_DECLS

/* For pipeproxy-host, which serves on either connection and tells the
 * peer, not its own stderr, why it cannot */

/* PP_SUBPROCESS_FD_VARIABLE's connection; the variable is removed */
GIOStream *pp_serve_parent_stream (GError     **error);
/* Standard input and output, moved off descriptors 0 and 1 (which then
 * read /dev/null and write to stderr) */
GIOStream *pp_serve_stdio_stream  (GError     **error);
/* Serves @object on @stream until the peer goes away; when it cannot,
 * *@told_peer (if not NULL) says whether the peer was told why */
gboolean   pp_serve_stream        (GObject     *object,
                                   GIOStream   *stream,
                                   gboolean    *told_peer,
                                   GError     **error);

G_END_DECLS
