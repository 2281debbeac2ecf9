/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <poll.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-wire-private.h"

G_BEGIN_DECLS

/* Bytes ⇄ frames on one stream's descriptors: whole frames are parsed out
 * of reads into a reused buffer (each header checked before anything is
 * allocated for its body), descriptors and memfd bodies are taken apart
 * and put together, and output waits in a queue until the descriptor takes
 * it. It knows nothing of what the frames mean.
 *
 * Not thread-safe on its own, so that the owner decides what is locked:
 * the write side, the settings and the watch are used under the owner's
 * lock, the read side by one reader at a time. */

typedef struct _PpFrameStream PpFrameStream;

typedef enum
{
  PP_FRAME_NEXT,   /* taken: go on */
  PP_FRAME_PAUSE,  /* taken: stop reading for now; what follows waits */
  PP_FRAME_FAIL,   /* @error is set: stop; what follows is not acted on */
} PpFrameAction;

/* One frame read: @body is decoded and of the type its kind requires;
 * @fds are the descriptors its header announced, or NULL. */
typedef PpFrameAction (*PpFrameFunc) (const PpWireHeader  *header,
                                      GVariant            *body,
                                      GUnixFDList         *fds,
                                      gpointer             user_data,
                                      GError             **error);

typedef enum
{
  PP_FRAME_READ_FAILED,   /* @error is set: the stream must close */
  PP_FRAME_READ_DRAINED,  /* nothing more is there for now: poll */
  PP_FRAME_READ_MORE,     /* stopped early: read again without polling */
} PpFrameReadResult;

#define PP_DEFAULT_MAX_MESSAGE_SIZE   (128 * 1024 * 1024)
#define PP_DEFAULT_MAX_QUEUED_OUTPUT  (64 * 1024 * 1024)

/* What one batch of pp_frame_stream_read() takes at most, so that a
 * reader in a main context lets the context's other sources run: frames,
 * and bytes read */
#define PP_FRAME_BATCH        256
#define PP_FRAME_BATCH_BYTES  (1024 * 1024)

PpFrameStream *pp_frame_stream_new                   (GIOStream      *stream,
                                                      GError        **error);
void           pp_frame_stream_free                  (PpFrameStream  *self);
gboolean       pp_frame_stream_is_spliced            (PpFrameStream  *self);
gsize          pp_frame_stream_get_max_message_size  (PpFrameStream  *self);
void           pp_frame_stream_set_max_message_size  (PpFrameStream  *self,
                                                      gsize           size);
void           pp_frame_stream_set_memfd_threshold   (PpFrameStream  *self,
                                                      gsize           threshold);
gboolean       pp_frame_stream_receives_fds          (PpFrameStream  *self);
void           pp_frame_stream_set_peer_receives_fds (PpFrameStream  *self,
                                                      gboolean        receives);

/* Reading */
PpFrameReadResult pp_frame_stream_read               (PpFrameStream  *self,
                                                      gboolean        batch,
                                                      PpFrameFunc     func,
                                                      gpointer        user_data,
                                                      GError        **error);

/* Writing (pp-frame-writer.c) */
gsize          pp_frame_stream_get_max_queued_output (PpFrameStream  *self);
void           pp_frame_stream_set_max_queued_output (PpFrameStream  *self,
                                                      gsize           size);
gsize          pp_frame_stream_get_queued_output     (PpFrameStream  *self);
gboolean       pp_frame_stream_has_output            (PpFrameStream  *self);
gboolean       pp_frame_stream_queue                 (PpFrameStream  *self,
                                                      GBytes * const *pieces,
                                                      guint           n_pieces,
                                                      GUnixFDList    *fds,
                                                      GError        **error);
/* A PROPERTY body, (usmv), replaces an older one about the same property
 * of the same object: its key is where its data begins, the object's
 * handle followed by the property's name. For hash tables keyed so. */
guint          pp_frame_property_key_hash            (gconstpointer   key);
gboolean       pp_frame_property_key_equal           (gconstpointer   a,
                                                      gconstpointer   b);
gboolean       pp_frame_stream_replace_latest        (PpFrameStream  *self,
                                                      GBytes         *frame);
void           pp_frame_stream_queue_latest          (PpFrameStream  *self,
                                                      GBytes         *frame);
gboolean       pp_frame_stream_flush                 (PpFrameStream  *self,
                                                      GError        **error);
void           pp_frame_stream_write_last            (PpFrameStream  *self,
                                                      GBytes         *frame);

/* The end */
void           pp_frame_stream_shutdown              (PpFrameStream  *self);
void           pp_frame_stream_close                 (PpFrameStream  *self);

/* Polling, from a GSource of the owner's or from poll() */
void           pp_frame_stream_watch                 (PpFrameStream  *self,
                                                      GSource        *source);
void           pp_frame_stream_update_watch          (PpFrameStream  *self,
                                                      gboolean        want_read);
gboolean       pp_frame_stream_watch_ready           (PpFrameStream  *self);
void           pp_frame_stream_query_watch           (PpFrameStream  *self,
                                                      gboolean       *readable,
                                                      gboolean       *writable);
void           pp_frame_stream_unwatch               (PpFrameStream  *self);
guint          pp_frame_stream_prepare_poll          (PpFrameStream  *self,
                                                      struct pollfd  *fds,
                                                      gboolean        want_write);
void           pp_frame_stream_check_poll            (PpFrameStream       *self,
                                                      const struct pollfd *fds,
                                                      guint                n_fds,
                                                      gboolean            *readable,
                                                      gboolean            *writable);

G_END_DECLS
