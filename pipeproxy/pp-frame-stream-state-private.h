/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-frame-stream-private.h"

G_BEGIN_DECLS

/* What the frame stream's files share: pp-frame-stream.c sets it up,
 * reads and polls, pp-frame-writer.c writes. */

/* The descriptors that go with a queued frame: sent, as SCM_RIGHTS, with
 * the first byte of @header, which is its own element of the out queue. */
typedef struct
{
  GBytes      *header;   /* not a reference: identifies the element */
  GUnixFDList *fds;
  int          body_fd;  /* a sealed memfd holding the body, or -1 */
} OutFds;

struct _PpFrameStream
{
  GIOStream    *stream;
  int           in_fd;
  int           out_fd;
  gboolean      in_is_socket;
  gboolean      out_is_socket;
  /* A spliced stream's socket pair ends at the splice, which moves bytes
   * only. */
  gboolean      spliced;
  /* Descriptors pass only over a unix socket we read and write ourselves,
   * and are sent only once the peer said it takes them. */
  gboolean      receives_fds;
  gboolean      sends_fds;
  gboolean      stream_closed;

  /* Read side */
  guint8       *rbuf;
  gsize         rbuf_size;
  gsize         rbuf_len;
  gboolean      rbuf_unparsed; /* a read stopped before the end of rbuf */
  guint8       *large;       /* a frame bigger than LARGE_FRAME_SIZE */
  gsize         large_capacity;
  gsize         large_size;
  gsize         large_len;
  GArray       *in_fds;      /* int: received, not yet claimed */

  /* Write side */
  GQueue        out_queue;   /* GBytes */
  GQueue        out_fds;     /* OutFds, in out_queue order */
  gsize         out_offset;  /* into the head */
  gsize         out_queued;
  /* Unsent frames that a newer one with the same key replaces (see
   * pp_frame_stream_queue_latest()): key → out_queue link, and back */
  GHashTable   *latest;
  GHashTable   *latest_links;

  gsize         max_message_size;
  gsize         max_queued_output;
  gsize         memfd_threshold;   /* 0: never */

  /* The owner's source polling the descriptors */
  GSource      *source;
  gpointer      in_tag;
  gpointer      out_tag;
  GIOCondition  in_events;
  GIOCondition  out_events;
};

void     pp_frame_out_fds_free      (OutFds *out);
gboolean pp_frame_fd_is_unix_socket (int     fd);

G_END_DECLS
