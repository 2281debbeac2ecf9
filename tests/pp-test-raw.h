/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the tests that play a hostile peer share (pp-test-raw.c) */

#include <signal.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-wire-private.h"

G_BEGIN_DECLS

/* Generous: only reached when something is wrong */
#define IO_TIMEOUT_MSEC 10000

#define ALL_KINDS_FOREACH(k) \
  for (PpWireKind k = PP_WIRE_KIND_HELLO; k <= PP_WIRE_KIND_LAST; k++)

typedef struct
{
  PpWireHeader  header;
  GVariant     *body;
} Frame;

#define BIG_PAYLOAD (32 * 1024 * 1024)

typedef struct
{
  guint   count;
  GError *error;
} ClosedResult;

/* pp-test-raw.c */
gboolean raw_write (int           fd,
                    gconstpointer data,
                    gsize         size);
gboolean raw_write_bytes (int     fd,
                          GBytes *bytes);
GByteArray *raw_read_to_end (int fd);
void frame_free (gpointer data);
GPtrArray *frames_parse (GByteArray *bytes);
Frame *raw_read_frame (int fd);
GBytes *hello_frame (guint32     serial,
                     const char *magic,
                     guint32     version);
GBytes *raw_frame (guint32       body_size,
                   guint8        kind,
                   guint8        flags,
                   guint16       reserved,
                   guint32       serial,
                   gconstpointer body,
                   gsize         body_len);
GBytes *frame_with_body (PpWireKind  kind,
                         guint32     serial,
                         GVariant   *body);
void sigpipe_default_for_children (void);
void sigpipe_restore (void);
void closed_cb (GObject      *proxy_or_listener,
                const GError *error,
                gpointer      user_data);
gboolean guard_cb (gpointer user_data);
gboolean drain_main_context (void);
guint8 *make_header (guint32 body_size,
                     guint8  kind,
                     guint8  flags,
                     guint16 n_fds,
                     guint32 serial,
                     guint32 timeout_msec);
GVariant *sample_body (PpWireKind kind);

G_END_DECLS
