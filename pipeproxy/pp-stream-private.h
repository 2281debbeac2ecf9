/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-stream.h"

G_BEGIN_DECLS

/* Streams without a descriptor of their own (a memory stream, a converter,
 * TLS) are joined to a new descriptor by splices that run in the
 * thread-default main context until either end is done. */

int pp_stream_splice  (GObject  *stream,
                       GError  **error);
int pp_stream_dup_fd  (GObject  *stream,
                       GError  **error);

G_END_DECLS
