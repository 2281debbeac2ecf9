/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The two sides of pixbuf-decode's one method, "decode", also used by
 * bench/pp-bench-pixbuf.c:
 *
 *   decode (h image) → (iiibi ay)  width, height, rowstride, has alpha,
 *                                   bits per sample, pixels
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <pipeproxy/pipeproxy.h>

/* Decodes what @stream holds, as gdk_pixbuf_new_from_stream() does, with
 * the pixels in transparent huge pages where the system has them. */
GdkPixbuf *pixbuf_decoder_decode_stream (GInputStream  *stream,
                                         GError       **error);

/* The worker: serves "decode" on the connection from the parent until
 * the parent closes its proxy or dies. Returns the exit status. */
int        pixbuf_decoder_run_worker (void);

/* The parent: decodes the image in @fd (read from where its offset is; not
 * closed) in the worker; the pixbuf's pixels are the reply's memory. */
GdkPixbuf *pixbuf_decode_in_worker   (PpProxy  *proxy,
                                      int       fd,
                                      GError  **error);
