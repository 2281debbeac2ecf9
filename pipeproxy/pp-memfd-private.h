/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Large frame bodies travel in a sealed memfd instead of through the
 * socket. The seals (no write, no shrink, no grow) are what make it safe
 * for the receiver to use the memory in place: once they are set nobody,
 * the sender included, can change the data after the receiver checked it,
 * nor make the mapping fault by truncating the file. */

/* Bodies from this size up take the memfd path on a unix socket. Below it
 * the socket is faster on the machines this was measured on (2-core VMs
 * with shadow paging, where a page of fresh memory costs 10-16 µs): a
 * memfd's pages are always fresh, while the copy path reads into buffers
 * that are reused. A 16 MiB echo took 40 ms through memfds and 15.7 ms
 * through the socket; at 64 MiB, beyond the reuse pool, both pay for
 * fresh memory and the memfd is no slower (1.07 s against 1.2 s). */
#define PP_MEMFD_MIN_BODY_SIZE (64 * 1024 * 1024)

int      pp_memfd_new_sealed (const guint8  *data,
                              gsize          size,
                              GError       **error);
GBytes  *pp_memfd_read       (int            fd,
                              gsize          size,
                              GError       **error);

void     pp_memfd_get_counts (guint         *sealed,
                              guint         *mapped);

G_END_DECLS
