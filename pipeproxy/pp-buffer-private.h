/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Large buffers are kept for reuse: touching fresh memory costs a page
 * fault per 4 KiB, which for a large message costs more than the copy
 * itself. */

#define PP_BUFFER_POOLED_MIN (64 * 1024)
/* At most this much is kept: two frames of the largest message the default
 * limit lets through (128 MiB), which is what one call needs at once on
 * the side that answers it (the arguments received, the reply being
 * sent), so that calls of any size the limit allows reuse their memory.
 * Kept buffers from 2 MiB up are given back to the kernel lazily
 * (MADV_FREE), so that a burst of large messages does not pin its memory
 * for the life of the process. */
#define PP_BUFFER_POOL_MAX   (2 * (128 + 2) * 1024 * 1024)

gpointer pp_buffer_take     (gsize    size,
                             gsize   *capacity);
void     pp_buffer_give     (gpointer data,
                             gsize    capacity);
GBytes  *pp_buffer_to_bytes (gpointer data,
                             gsize    offset,
                             gsize    size,
                             gsize    capacity);

G_END_DECLS
