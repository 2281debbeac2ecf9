/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-call-table-private.h"
#include "pp-frame-stream-private.h"
#include "pp-wire-private.h"

G_BEGIN_DECLS

/* Calls on top of a frame stream: serials, the calls waiting for their
 * replies, time-outs, cancellation, the closed state, and a GSource on the
 * owner's GMainContext that reads whatever is there. It does not know
 * which side it is on: either side may make calls, and what the peer's own
 * messages mean is the callbacks' business. PpListener and PpProxy both
 * sit on it.
 *
 * Threads: any thread may send and make calls. Messages that are not
 * replies to a synchronous call are handed, in arrival order, to the owner
 * context, where the message and closed callbacks run. A synchronous call
 * does its own I/O in the calling thread (no thread hop, no main loop);
 * only one thread reads at a time. */

typedef struct _PpConnection PpConnection;

/* A call given up on was not answered within the cancel time-out: stops
 * the peer if it can, and returns the error the connection then closes
 * with, or NULL for a plain one. Runs in the owner context. */
typedef GError *(*PpCancelUnansweredFunc) (PpConnection *connection,
                                           guint         timeout_msec,
                                           gpointer      user_data);

typedef struct
{
  /* The kinds of frame, other than replies, this side takes: 1 << kind */
  guint accepted_kinds;
  /* The kinds of the peer's requests this side answers: each is in flight
   * from when it is read until pp_connection_request_done(). Reading
   * stops while as many are in flight as allowed, and while more than
   * half the output limit waits to be sent. */
  guint request_kinds;
  /* The kinds of frame that name an object (its handle first in the
   * body) which may not name object 0, because this side serves none or
   * the peer does not: one that does breaks the protocol as it is read. */
  guint no_root_kinds;
  /* The kinds of the peer's requests to this side's objects that a
   * thread waiting in a synchronous call serves itself, in their order,
   * when it owns the owner context (a call back into an object this side
   * passed, made while we wait): nested calls neither deadlock nor time
   * out. Other messages wait for the owner context as usual. */
  guint serve_kinds;
  /* Optional: whether a message of the peer's is worth keeping; one that
   * is not is dropped as it is read. Runs in whichever thread reads,
   * without the connection's lock. */
  gboolean (*wanted) (PpConnection       *connection,
                      const PpWireHeader *header,
                      GVariant           *body,
                      gpointer            user_data);
  /* A frame that is not a reply (a request, a signal, a CANCEL of the
   * peer's), of a kind in accepted_kinds. Runs in the owner context. */
  void (*message) (PpConnection       *connection,
                   const PpWireHeader *header,
                   GVariant           *body,
                   GUnixFDList        *fds,
                   GPtrArray          *objects,
                   gpointer            user_data);
  /* Runs once, in the owner context, after every message before it. */
  void (*closed)  (PpConnection       *connection,
                   const GError       *error,
                   gpointer            user_data);
  /* Optional: runs in the owner context before each poll. */
  void (*prepare) (PpConnection       *connection,
                   gpointer            user_data);
  /* Optional: when the peer went away, may return a better reason than
   * @error (e.g. how its process ended). Runs in whichever thread read the
   * end, without the connection's lock. */
  GError *(*end_reason) (PpConnection *connection,
                         const GError *error,
                         gpointer      user_data);
  /* The handle tables' frames (TYPE, INTRODUCE), of the kinds in
   * immediate_kinds: taken at once, in whichever thread reads and without
   * the connection's lock, so that the frames behind them find what they
   * introduce. FALSE breaks the protocol. */
  guint immediate_kinds;
  gboolean (*immediate) (PpConnection       *connection,
                         const PpWireHeader *header,
                         GVariant           *body,
                         gpointer            user_data,
                         GError            **error);
  /* The objects the object table @table (a(bu)) of a frame with
   * PP_WIRE_FLAGS_OBJECTS names, in order, in the same thread; NULL
   * breaks the protocol. Without it such a frame does. */
  GPtrArray *(*objects) (PpConnection  *connection,
                         GVariant      *table,
                         gpointer       user_data,
                         GError       **error);
  /* Optional: a CANCEL of the peer's, as soon as it is read, in whichever
   * thread read it, without the connection's lock; it comes as a message
   * in order too. */
  void    (*cancel)     (PpConnection *connection,
                         guint32       serial,
                         gpointer      user_data);
  /* Optional: see pp_connection_set_cancel_timeout() */
  PpCancelUnansweredFunc cancel_unanswered;
  /* Optional: the peer answered a call this side gave up on (see
   * pp_connection_get_n_unanswered()), in whichever thread read the
   * answer, without the connection's lock */
  void    (*late_reply) (PpConnection *connection,
                         gpointer      user_data);
} PpConnectionCallbacks;

#define PP_DEFAULT_MAX_PENDING_CALLS    16384
#define PP_DEFAULT_MAX_CALLS_IN_FLIGHT  16384
#define PP_DEFAULT_MAX_QUEUED_INPUT     (64 * 1024 * 1024)

PpConnection *pp_connection_new              (GIOStream                   *stream,
                                              const PpConnectionCallbacks *callbacks,
                                              gpointer                     user_data,
                                              GError                     **error);
PpConnection *pp_connection_ref              (PpConnection                *self);
void          pp_connection_unref            (PpConnection                *self);
void          pp_connection_start            (PpConnection                *self);
void          pp_connection_set_callbacks    (PpConnection                *self,
                                              const PpConnectionCallbacks *callbacks,
                                              gpointer                     user_data);
GMainContext *pp_connection_get_context      (PpConnection                *self);
gboolean      pp_connection_is_closed        (PpConnection                *self);
void          pp_connection_close            (PpConnection                *self,
                                              const GError                *error);
void          pp_connection_send_and_close   (PpConnection                *self,
                                              GBytes                      *frame,
                                              const GError                *error);
void          pp_connection_detach           (PpConnection                *self);
gsize         pp_connection_get_max_message_size (PpConnection            *self);
void          pp_connection_set_max_message_size (PpConnection            *self,
                                                  gsize                    size);
void          pp_connection_set_memfd_threshold (PpConnection             *self,
                                                 gsize                     threshold);
guint         pp_connection_get_max_pending_calls (PpConnection           *self);
void          pp_connection_set_max_pending_calls (PpConnection           *self,
                                                   guint                   max);
void          pp_connection_set_max_queued_input  (PpConnection           *self,
                                                   gsize                   size);
void          pp_connection_set_max_queued_output (PpConnection           *self,
                                                   gsize                   size);
void          pp_connection_set_max_calls_in_flight (PpConnection         *self,
                                                     guint                 max);
void          pp_connection_request_done     (PpConnection                *self);
/* How long the peer has to answer a call this side gave up on (cancelled,
 * timed out) before the connection is closed, 0 for ever: in the owner
 * context, cancel_unanswered says why, and may stop the peer first */
guint         pp_connection_get_cancel_timeout (PpConnection              *self);
void          pp_connection_set_cancel_timeout (PpConnection              *self,
                                                guint                      timeout_msec);
/* How many calls this side gave up on (cancelled, timed out) the peer has
 * not answered yet: it may still be working on them */
guint         pp_connection_get_n_unanswered (PpConnection                *self);

gboolean      pp_connection_send             (PpConnection                *self,
                                              GBytes                      *frame,
                                              GError                     **error);
/* @frames: one or more frames, each one or more GBytes (see
 * pp_wire_gather()); the last one goes with @fds */
gboolean      pp_connection_send_with_fds    (PpConnection                *self,
                                              GPtrArray                   *frames,
                                              GUnixFDList                 *fds,
                                              GError                     **error);
/* Frames that must go out together: @build appends them to @frames under
 * the connection's lock (nothing else can come between them); the last
 * one goes with @fds. When it fails nothing is sent. */
typedef gboolean (*PpBatchBuilder) (GPtrArray  *frames,
                                    gpointer    user_data,
                                    GError    **error);

gboolean      pp_connection_send_batch       (PpConnection                *self,
                                              PpBatchBuilder               build,
                                              gpointer                     build_data,
                                              GUnixFDList                 *fds,
                                              GError                     **error);
/* Under the lock (in a builder): whether a request may be sent now; FALSE
 * with the error it would fail with (closed, or past the output limit).
 * A request that may is sent whole. */
gboolean      pp_connection_check_request_locked (PpConnection            *self,
                                                  GError                 **error);
gboolean      pp_connection_receives_fds     (PpConnection                *self);
void          pp_connection_set_peer_receives_fds (PpConnection           *self,
                                                   gboolean                receives);

/* Calls: @build appends the request, which carries @serial, to @frames,
 * under the connection's lock, after the frames that must come right
 * before it (the handle tables' TYPE and INTRODUCE); the last one goes
 * with the descriptors. When it fails, the call fails with its error and
 * nothing is sent. A RETURN whose result is not of @reply_type (unless
 * it is NULL; borrowed until the call ends) breaks the protocol, as a
 * reply of another kind than @reply_kind does. */
typedef gboolean (*PpFrameBuilder) (GPtrArray  *frames,
                                    guint32     serial,
                                    gpointer    user_data,
                                    GError    **error);

void          pp_connection_call_async       (PpConnection                *self,
                                              PpWireKind                   reply_kind,
                                              const GVariantType          *reply_type,
                                              PpFrameBuilder               build,
                                              gpointer                     build_data,
                                              GUnixFDList                 *fds,
                                              int                          timeout_msec,
                                              GCancellable                *cancellable,
                                              gpointer                     source_object,
                                              gpointer                     source_tag,
                                              GAsyncReadyCallback          callback,
                                              gpointer                     user_data);
gboolean      pp_connection_call_finish      (GAsyncResult                *result,
                                              PpReply                     *reply,
                                              GError                     **error);
gboolean      pp_connection_call_sync        (PpConnection                *self,
                                              PpWireKind                   reply_kind,
                                              const GVariantType          *reply_type,
                                              PpFrameBuilder               build,
                                              gpointer                     build_data,
                                              GUnixFDList                 *fds,
                                              int                          timeout_msec,
                                              GCancellable                *cancellable,
                                              PpReply                     *reply,
                                              GError                     **error);

GPtrArray    *pp_connection_dup_queued       (PpConnection                *self,
                                              PpWireKind                   kind);

/* While the owner context is busy in one long dispatch, another thread
 * reads for it (pp-connection-watch.c) */
typedef struct _PpConnectionWatch PpConnectionWatch;

PpConnectionWatch *pp_connection_watch_begin (PpConnection      *self);
void               pp_connection_watch_end   (PpConnectionWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpConnection, pp_connection_unref)

G_END_DECLS
