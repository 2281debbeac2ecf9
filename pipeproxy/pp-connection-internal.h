/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-call-table-private.h"
#include "pp-connection-private.h"
#include "pp-frame-stream-private.h"
#include "pp-stream-private.h"

G_BEGIN_DECLS

/* What the files of the connection share: its state, and what the other
 * files use of the connection itself. Each file has a header of its own
 * for what it does:
 *
 *   pp-connection.c          the object: lifetime, settings, the lock,
 *                            closing, and ending the calls closing took
 *   pp-connection-send.c     frames out: the output limit, the cork
 *   pp-connection-flusher.c  the thread that writes what was corked once
 *                            it is due, when the owner does not
 *   pp-connection-read.c     frames in: the reader role, replies routed
 *                            to their calls
 *   pp-connection-inbound.c  the peer's own messages, queued for the
 *                            owner context (a newer PROPERTY replaces an
 *                            undispatched one) and dispatched in order
 *   pp-connection-source.c   the owner context's GSource: when it may
 *                            read, reading and dispatching in batches
 *   pp-connection-wait.c     the synchronous wait: a caller reads for
 *                            itself until its reply comes
 *   pp-connection-call.c     making calls, synchronous or not
 *   pp-connection-watch.c    reading while the owner context is busy
 *   pp-connection-pair.c     both ends in this process: a synchronous
 *                            call that only its own thread could answer
 *
 * Frames go out under one lock, whoever holds the reader role reads them
 * in and routes them (replies to their calls, the peer's own messages to
 * the inbound queue), and the owner context's source delivers the inbound
 * queue in arrival order.
 *
 * Memory stays bounded whatever the peer does:
 * - The owner context reads and dispatches in batches (PP_FRAME_BATCH),
 *   and stops reading while the inbound queue holds max_queued_input
 *   bytes, or, on a side that answers requests, while max_requests of the
 *   peer's requests are unanswered or more than half the output limit
 *   waits to be sent: the peer's own output then fills up.
 * - A thread waiting in a synchronous call cannot stop reading until its
 *   reply comes, so what it reads is bounded by what is kept: a PROPERTY
 *   replaces the undispatched one of the same property, a message the
 *   owner does not want (a signal nobody subscribed to) is dropped, and
 *   anything else past max_queued_input closes the connection with
 *   PP_ERROR_LIMIT_EXCEEDED. It stops reading at its reply.
 * - Output past max_queued_output is refused: a call fails, anything
 *   else closes the connection with PP_ERROR_LIMIT_EXCEEDED, since a
 *   peer that does not read what we must send is as good as gone. A
 *   PROPERTY replaces an unsent one of the same property instead. */

typedef struct
{
  GSource       source;
  PpConnection *connection;
} ConnectionSource;

struct _PpConnection
{
  gatomicrefcount        ref_count;

  /* The write side, the settings and the watch under lock; the read side
   * used only by the thread that has io_busy */
  PpFrameStream         *frames;
  GMainContext          *context;
  PpConnectionCallbacks  callbacks;
  gpointer               user_data;
  int                    wake_fd;

  /* Set once: the thread that made it (its context is that thread's),
   * and the pair of streams it is an end of, when both are in this
   * process (pp-connection-pair.c) */
  GThread               *thread;
  PpStreamPair          *pair;
  guint                  pair_end;

  GMutex                 lock;
  GCond                  cond;
  guint                  n_cond_waiters;

  /* Only one thread does I/O reads at a time: the owner context's source or
   * a thread waiting in a synchronous call. */
  gboolean               io_busy;
  gboolean               source_paused;

  ConnectionSource      *source;
  GThread               *cork_thread;
  gint64                 cork_time;     /* monotonic µs of its last write, 0 before */
  gboolean               cork_armed;    /* the flusher will come for what it corked */

  /* The flusher's, under its own lock (pp-connection-flusher.c) */
  GList                  flush_link;
  gboolean               flush_queued;
  gint64                 flush_at;
  void                 (*flush_func) (PpConnection *self);

  /* Calls, under lock */
  PpCallTable           *calls;
  GPtrArray             *request_frames; /* GBytes: a request's, reused; NULL before the first */
  gboolean               peer_refused;
  GError                *broken_error;

  /* Messages for the owner context, in arrival order, under lock */
  GQueue                 inbound;
  gint                   inbound_len;
  gsize                  queued_input;   /* what the messages in it count */
  gsize                  max_queued_input;
  /* property key → its PROPERTY item; made with the first one */
  GHashTable            *latest;

  /* The peer's requests read and not answered yet: atomic */
  gint                   requests;
  guint                  max_requests;

  /* Under lock: the frame stream stopped before the end of what is there;
   * input_ready (atomic) says the source may read it now */
  gboolean               read_more;
  gint                   input_ready;
  /* The reader is a thread waiting in a synchronous call: set by it */
  gboolean               sync_reading;
  /* The last pp_connection_update_source_locked() found the owner context may not read */
  gboolean               input_stopped;

  gboolean               input_throttled;
  gboolean               closed;
  gboolean               closed_dispatched;
  gboolean               stream_closed;
  GError                *close_error;
};

/* The connection's lock covers its call table and everything marked so
 * above. */
void           pp_connection_lock                 (PpConnection   *self);
void           pp_connection_unlock               (PpConnection   *self);
PpCallTable   *pp_connection_get_calls            (PpConnection   *self);
gboolean       pp_connection_add_call_locked      (PpConnection   *self,
                                                   PpPendingCall  *call,
                                                   GError        **error);
void           pp_connection_broadcast_locked     (PpConnection   *self);
GError        *pp_connection_disconnected_error   (PpConnection   *self);
GError        *pp_connection_timed_out_error      (void);

/* Ending calls and closing */
void           pp_connection_complete_sync_locked (PpConnection   *self,
                                                   PpPendingCall  *call);
gboolean       pp_connection_complete_calls       (PpConnection   *self,
                                                   GQueue         *to_complete);
void           pp_connection_close_locked         (PpConnection   *self,
                                                   GError         *error,
                                                   GQueue         *to_complete);
void           pp_connection_note_broken_locked   (PpConnection   *self,
                                                   GError         *error);
GError        *pp_connection_with_end_reason      (PpConnection   *self,
                                                   GError         *error);
void           pp_connection_close_if_broken      (PpConnection   *self,
                                                   GQueue         *to_complete);

G_END_DECLS
