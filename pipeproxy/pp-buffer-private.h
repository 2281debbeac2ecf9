/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Large buffers are kept for reuse: touching fresh memory costs a page
 * fault per 4 KiB, which for a large message costs more than the copy
 * itself. */

#define PP_BUFFER_POOLED_MIN (64 * 1024)
/* At most this much is kept, so that one burst of large messages does not
 * pin its memory for the life of the process. */
#define PP_BUFFER_POOL_MAX   (64 * 1024 * 1024)

gpointer pp_buffer_take     (gsize    size,
                             gsize   *capacity);
void     pp_buffer_give     (gpointer data,
                             gsize    capacity);
GBytes  *pp_buffer_to_bytes (gpointer data,
                             gsize    offset,
                             gsize    size,
                             gsize    capacity);

G_END_DECLS
