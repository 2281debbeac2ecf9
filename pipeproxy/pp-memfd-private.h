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
 * socket (the listener and proxy have a memfd-threshold property). On the
 * machines this was measured on (2-core VMs where a page fault costs
 * 10-16 µs) the socket moves bytes faster: a memfd's pages are always fresh
 * 4 KiB pages, while the socket path reads into reused buffers backed by
 * huge pages. A 16 MiB echo took 40 ms through memfds and 9.5 ms through
 * the socket; a 64 MiB one 76 ms and 52 ms. What the memfd buys at that
 * size is the channel: a 16-byte header instead of 64 MiB queued in the
 * socket ahead of every later call and signal. */
#define PP_MEMFD_DEFAULT_THRESHOLD (64 * 1024 * 1024)

int      pp_memfd_new_sealed (const guint8  *data,
                              gsize          size,
                              GError       **error);
GBytes  *pp_memfd_read       (int            fd,
                              gsize          size,
                              GError       **error);

void     pp_memfd_get_counts (guint         *sealed,
                              guint         *mapped);

G_END_DECLS
