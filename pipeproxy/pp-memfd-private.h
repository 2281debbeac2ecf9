/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Large frame bodies travel in a sealed memfd instead of through the
 * socket. The seals (no write, no shrink, no grow) are what make it safe
 * for the receiver to use the memory in place: once they are set nobody,
 * the sender included, can change the data after the receiver checked it,
 * nor make the mapping fault by truncating the file. */

/* By default, bodies from this size up take the memfd path on a unix
 * socket (the listener and proxy have a memfd-threshold property): that is
 * the default max-message-size, so only a body of that very size, or
 * bigger where the limit was raised. Below it the socket moves bytes
 * faster where page faults are dear: a memfd's pages are always fresh
 * 4 KiB pages, allocated by the sender and mapped or copied by the
 * receiver, and a sealed memfd can never be written again, while the
 * socket path reads into reused buffers backed by huge pages (the pool
 * keeps two frames of this size, see pp-buffer-private.h). What the memfd
 * buys is the channel: a 16-byte header instead of the whole body queued
 * in the socket ahead of every later call and signal. */
#define PP_MEMFD_DEFAULT_THRESHOLD (128 * 1024 * 1024)

int      pp_memfd_new_sealed (GBytes * const *pieces,
                              guint           n_pieces,
                              gsize           offset,
                              gsize           size,
                              GError        **error);
GBytes  *pp_memfd_read       (int            fd,
                              gsize          size,
                              GError       **error);

void     pp_memfd_get_counts (guint         *sealed,
                              guint         *mapped);

G_END_DECLS
