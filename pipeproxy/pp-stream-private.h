/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-stream.h"

G_BEGIN_DECLS

/* Streams without a descriptor of their own are joined to a new one until
 * either end is done: a two-way stream (TLS, a filter stream), a
 * connection's transport, by splices in the thread-default main context
 * (pp-stream.c); a one-way stream (a memory stream, a converter), a value
 * that crosses, through a pipe, by splices in the library's pump thread
 * (pp-stream-pump.c). */

int pp_stream_splice  (GIOStream  *stream,
                       GError    **error);
int pp_stream_pump    (GObject    *stream,
                       GError    **error);
int pp_stream_dup_fd  (GObject    *stream,
                       GError    **error);

/* Both ends of a pair made by pp_stream_new_pair() start in this process.
 * Each stream carries the pair, so that what is made on one end can find
 * what is made on the other (pp-connection-pair.c). */
typedef struct
{
  gatomicrefcount  ref_count;
  GPid             pid;       /* that made it: a forked child has a copy */
  gpointer         users[2];  /* what is made on each end; set and cleared by its user */
} PpStreamPair;

PpStreamPair *pp_stream_get_pair   (GIOStream     *stream,
                                    guint         *out_end);
PpStreamPair *pp_stream_pair_ref   (PpStreamPair  *pair);
void          pp_stream_pair_unref (PpStreamPair  *pair);

G_END_DECLS
