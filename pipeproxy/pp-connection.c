/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <poll.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <glib/gi18n-lib.h>

#include "pp-connection-internal.h"
#include "pp-error.h"
#include "pp-frame-stream-private.h"

/* How long the owner context, while it dispatches a batch of messages,
 * holds what it sends after its last write: a burst of replies goes out
 * in one write, and a long method's signals leave while it runs. */
#define CORK_USEC  5000

/* The connection itself: frames go out under one lock, whoever holds the
 * reader role reads them in and routes them (replies to their calls, the
 * peer's own messages to the inbound queue), and the owner context's
 * source delivers the inbound queue in arrival order. Making calls is in
 * pp-connection-call.c.
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

/* What a queued message counts beyond its body: the item, the GVariant,
 * the GBytes and their allocations */
#define INBOUND_ITEM_COST 256

typedef enum
{
  ITEM_MESSAGE,
  ITEM_COMPLETE,  /* an asynchronous call for the owner context ended */
  ITEM_CLOSED,
} ItemKind;

typedef struct
{
  ItemKind       kind;
  PpWireHeader   header;
  GVariant      *body;
  GUnixFDList   *fds;
  GPtrArray     *objects;
  PpPendingCall *call;
  GError        *error;
  gsize          cost;     /* in queued_input */
} InboundItem;

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

  /* Calls, under lock */
  PpCallTable           *calls;
  gboolean               peer_refused;
  GError                *broken_error;

  /* Messages for the owner context, in arrival order, under lock */
  GQueue                 inbound;
  gint                   inbound_len;
  gsize                  queued_input;   /* what the messages in it count */
  gsize                  max_queued_input;
  GHashTable            *latest;         /* property key → its PROPERTY item */

  /* The peer's requests read and not answered yet: atomic */
  gint                   requests;
  guint                  max_requests;

  /* Under lock: the frame stream stopped before the end of what is there;
   * input_ready (atomic) says the source may read it now */
  gboolean               read_more;
  gint                   input_ready;
  /* The reader is a thread waiting in a synchronous call: set by it */
  gboolean               sync_reading;
  /* The last update_source_locked() found the owner context may not read */
  gboolean               input_stopped;

  gboolean               input_throttled;
  gboolean               closed;
  gboolean               closed_dispatched;
  gboolean               stream_closed;
  GError                *close_error;
};

static void     close_locked         (PpConnection *self,
                                      GError       *error,
                                      GQueue       *to_complete);
static void     update_source_locked (PpConnection *self);

PpConnection *
pp_connection_ref (PpConnection *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
inbound_item_free (InboundItem *item)
{
  g_clear_pointer (&item->body, g_variant_unref);
  g_clear_object (&item->fds);
  g_clear_pointer (&item->objects, g_ptr_array_unref);
  g_clear_error (&item->error);
  g_free (item);
}

void
pp_connection_unref (PpConnection *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_assert (self->source == NULL);

  pp_call_table_free (self->calls);
  pp_frame_stream_free (self->frames);
  g_main_context_unref (self->context);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_queue_clear_full (&self->inbound, (GDestroyNotify) inbound_item_free);
  g_hash_table_unref (self->latest);
  g_clear_error (&self->close_error);
  g_clear_error (&self->broken_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

PpConnection *
pp_connection_new (GIOStream                   *stream,
                   const PpConnectionCallbacks *callbacks,
                   gpointer                     user_data,
                   GError                     **error)
{
  PpFrameStream *frames;
  PpConnection *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  frames = pp_frame_stream_new (stream, error);
  if (frames == NULL)
    return NULL;

  self = g_new0 (PpConnection, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->frames = frames;
  self->context = g_main_context_ref_thread_default ();
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->calls = pp_call_table_new (PP_DEFAULT_MAX_PENDING_CALLS);
  self->max_queued_input = PP_DEFAULT_MAX_QUEUED_INPUT;
  self->max_requests = PP_DEFAULT_MAX_CALLS_IN_FLIGHT;
  self->latest = g_hash_table_new (pp_frame_property_key_hash, pp_frame_property_key_equal);

  return self;
}

/* Hands the connection to another owner object, in the owner context. */
void
pp_connection_set_callbacks (PpConnection                *self,
                             const PpConnectionCallbacks *callbacks,
                             gpointer                     user_data)
{
  g_mutex_lock (&self->lock);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  g_mutex_unlock (&self->lock);
}

GMainContext *
pp_connection_get_context (PpConnection *self)
{
  return self->context;
}

/* Whether descriptors sent to us arrive: the handshake tells the peer. */
gboolean
pp_connection_receives_fds (PpConnection *self)
{
  return pp_frame_stream_receives_fds (self->frames);
}

/* The peer said, in the handshake, that it takes descriptors. */
void
pp_connection_set_peer_receives_fds (PpConnection *self,
                                     gboolean      receives)
{
  g_mutex_lock (&self->lock);
  pp_frame_stream_set_peer_receives_fds (self->frames, receives);
  g_mutex_unlock (&self->lock);
}

gboolean
pp_connection_is_closed (PpConnection *self)
{
  gboolean closed;

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);
  return closed;
}

gsize
pp_connection_get_max_message_size (PpConnection *self)
{
  return pp_frame_stream_get_max_message_size (self->frames);
}

void
pp_connection_set_max_message_size (PpConnection *self,
                                    gsize         size)
{
  pp_frame_stream_set_max_message_size (self->frames, size);
}

/* Bodies from this size up go in a sealed memfd where descriptors pass;
 * 0 turns that off */
void
pp_connection_set_memfd_threshold (PpConnection *self,
                                   gsize         threshold)
{
  g_mutex_lock (&self->lock);
  pp_frame_stream_set_memfd_threshold (self->frames, threshold);
  g_mutex_unlock (&self->lock);
}

guint
pp_connection_get_max_pending_calls (PpConnection *self)
{
  return pp_call_table_get_max_calls (self->calls);
}

void
pp_connection_set_max_pending_calls (PpConnection *self,
                                     guint         max)
{
  g_mutex_lock (&self->lock);
  pp_call_table_set_max_calls (self->calls, max);
  g_mutex_unlock (&self->lock);
}

/* How many bytes of the peer's messages may wait to be dispatched; see
 * the top of this file */
void
pp_connection_set_max_queued_input (PpConnection *self,
                                    gsize         size)
{
  g_mutex_lock (&self->lock);
  self->max_queued_input = size;
  update_source_locked (self);
  g_mutex_unlock (&self->lock);
}

/* How many bytes may wait to be sent to the peer */
void
pp_connection_set_max_queued_output (PpConnection *self,
                                     gsize         size)
{
  g_mutex_lock (&self->lock);
  pp_frame_stream_set_max_queued_output (self->frames, size);
  update_source_locked (self);
  g_mutex_unlock (&self->lock);
}

/* How many of the peer's requests (callbacks.request_kinds) may be
 * unanswered before reading stops */
void
pp_connection_set_max_calls_in_flight (PpConnection *self,
                                       guint         max)
{
  g_mutex_lock (&self->lock);
  self->max_requests = max;
  update_source_locked (self);
  g_mutex_unlock (&self->lock);
}

/* One of the peer's requests was answered, or will never be; from any
 * thread. Reading resumes once few enough are in flight. */
void
pp_connection_request_done (PpConnection *self)
{
  /* The lock only when the count crosses the limit */
  if ((guint) g_atomic_int_add (&self->requests, -1) < self->max_requests)
    return;

  g_mutex_lock (&self->lock);
  update_source_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Wakes a synchronous caller up that waits in poll() as the reader. */
void
pp_connection_wake_reader (PpConnection *self)
{
  guint64 one = 1;

  if (self->wake_fd >= 0 && write (self->wake_fd, &one, sizeof one) < 0)
    {
      /* The counter is full, so a wake-up is already pending. */
    }
}

static void
broadcast_locked (PpConnection *self)
{
  if (self->n_cond_waiters > 0)
    g_cond_broadcast (&self->cond);
}

/* Inbound queue ----------------------------------------------------------- */

static void
push_inbound_locked (PpConnection *self,
                     InboundItem  *item)
{
  g_queue_push_tail (&self->inbound, item);
  self->queued_input += item->cost;
  if (g_atomic_int_add (&self->inbound_len, 1) == 0 &&
      !g_main_context_is_owner (self->context))
    g_main_context_wakeup (self->context);
}

/* What tells a PROPERTY from one about another property or object (see
 * pp_frame_property_key_hash()) */
static gconstpointer
property_key (GVariant *body)
{
  return g_variant_get_data (body);
}

static GError *
disconnected_error (PpConnection *self)
{
  if (self->close_error != NULL)
    return g_error_copy (self->close_error);
  return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The connection is closed"));
}

/* Completing calls ------------------------------------------------------ */

/* A synchronous call's waiter takes its end (call->reply or call->error)
 * from where it waits. */
void
pp_connection_complete_sync_locked (PpConnection  *self,
                                    PpPendingCall *call)
{
  call->done = TRUE;
  broadcast_locked (self);
  if (pp_frame_stream_is_spliced (self->frames))
    g_main_context_wakeup (self->context);
}

/* Ends the calls closing took out of the table; returns whether there
 * were any. */
gboolean
pp_connection_complete_calls (PpConnection *self,
                              GQueue       *calls)
{
  gboolean any = !g_queue_is_empty (calls);
  PpPendingCall *call;

  while ((call = g_queue_pop_head (calls)) != NULL)
    {
      if (call->error == NULL)
        call->error = disconnected_error (self);
      pp_pending_call_return (call);
    }
  return any;
}

/* Closing --------------------------------------------------------------- */

static void
close_locked (PpConnection *self,
              GError       *error,
              GQueue       *to_complete)
{
  GQueue calls = G_QUEUE_INIT;
  PpPendingCall *call;
  InboundItem *item;

  if (self->closed)
    {
      g_clear_error (&error);
      return;
    }

  self->closed = TRUE;
  self->close_error = error ? error : g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED,
                                                           _("The connection was closed"));

  pp_call_table_steal_all (self->calls, &calls);
  while ((call = g_queue_pop_head (&calls)) != NULL)
    {
      call->error = g_error_copy (self->close_error);
      if (call->sync)
        pp_connection_complete_sync_locked (self, call);
      else
        g_queue_push_tail (to_complete, call);
    }

  pp_frame_stream_shutdown (self->frames);

  item = g_new0 (InboundItem, 1);
  item->kind = ITEM_CLOSED;
  item->error = g_error_copy (self->close_error);
  push_inbound_locked (self, item);

  /* Nothing more is read or written: stop polling, or a shut-down socket
   * would keep the context busy. */
  update_source_locked (self);

  broadcast_locked (self);
  pp_connection_wake_reader (self);
}

void
pp_connection_close (PpConnection *self,
                     const GError *error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };

  g_mutex_lock (&self->lock);
  close_locked (self, error ? g_error_copy (error) : NULL, to_complete);
  g_mutex_unlock (&self->lock);

  pp_connection_complete_calls (self, to_complete);
}

/* A write failed: the connection is broken. It is closed by
 * pp_connection_close_if_broken() once the lock is let go, since finding
 * out why the peer went away (end_reason) may take a moment. Until then
 * calls stay pending, so they end with that reason. */
static void
note_broken_locked (PpConnection *self,
                    GError       *error)
{
  if (self->broken_error == NULL && !self->closed)
    self->broken_error = error;
  else
    g_error_free (error);
}

static GError *
with_end_reason (PpConnection *self,
                 GError       *error)
{
  if (error->domain == PP_ERROR && error->code == PP_ERROR_DISCONNECTED &&
      self->callbacks.end_reason != NULL)
    {
      GError *reason = self->callbacks.end_reason (self, error, self->user_data);

      if (reason != NULL)
        {
          g_error_free (error);
          return reason;
        }
    }
  return error;
}

void
pp_connection_close_if_broken (PpConnection *self,
                               GQueue       *to_complete)
{
  GError *error;

  g_mutex_lock (&self->lock);
  error = g_steal_pointer (&self->broken_error);
  g_mutex_unlock (&self->lock);

  if (error == NULL)
    return;

  error = with_end_reason (self, error);
  g_mutex_lock (&self->lock);
  close_locked (self, error, to_complete);
  g_mutex_unlock (&self->lock);
}

/* Sending --------------------------------------------------------------- */

/* Returns FALSE if the connection broke (see note_broken_locked()). */
static gboolean
flush_locked (PpConnection *self)
{
  GError *error = NULL;

  if (pp_frame_stream_flush (self->frames, &error))
    return TRUE;
  note_broken_locked (self, error);
  return FALSE;
}

/* A side that answers requests stops reading them while more than half
 * the output limit waits: the rest is room for the answers of the calls
 * in flight and for signals */
static gboolean
output_throttles_locked (PpConnection *self)
{
  return self->callbacks.request_kinds != 0 &&
         pp_frame_stream_get_queued_output (self->frames) >
           pp_frame_stream_get_max_queued_output (self->frames) / 2;
}

/* Past the output limit a call is refused; anything else breaks the
 * connection, since the peer does not read what we must send. */
static gboolean
check_output_locked (PpConnection  *self,
                     gboolean       is_call,
                     GError       **error)
{
  gsize queued = pp_frame_stream_get_queued_output (self->frames);
  gsize max = pp_frame_stream_get_max_queued_output (self->frames);
  GError *local_error;

  if (queued <= max)
    return TRUE;

  if (is_call)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("More than %llu bytes are waiting to be sent to the peer"),
                   (unsigned long long) max);
      return FALSE;
    }

  local_error = g_error_new (PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                             _("The peer does not read what is sent to it: more than %llu "
                               "bytes are waiting"),
                             (unsigned long long) max);
  note_broken_locked (self, g_error_copy (local_error));
  g_propagate_error (error, local_error);
  return FALSE;
}

static gboolean
is_property_frame (GBytes      *frame,
                   GUnixFDList *fds)
{
  return fds == NULL &&
         ((const guint8 *) g_bytes_get_data (frame, NULL))[4] == PP_WIRE_KIND_PROPERTY;
}

/* Queues @frame and writes what the peer takes; see the top of this file
 * for what happens past the output limit. Returns FALSE with @error if
 * the frame was not queued. */
gboolean
pp_connection_send_locked (PpConnection  *self,
                           GBytes        *frame,
                           GUnixFDList   *fds,
                           gboolean       is_call,
                           GError       **error)
{
  gboolean was_empty;

  if (self->closed || self->broken_error != NULL)
    {
      g_propagate_error (error, self->closed ? disconnected_error (self)
                                             : g_error_copy (self->broken_error));
      return FALSE;
    }

  /* Nothing waits, mostly: the frame is written at once */
  was_empty = !pp_frame_stream_has_output (self->frames);
  if (was_empty)
    {
      if (!pp_frame_stream_queue (self->frames, frame, fds, error))
        return FALSE;
    }
  else if (is_property_frame (frame, fds))
    {
      /* A newer value of a property takes the place of one still
       * waiting */
      if (pp_frame_stream_replace_latest (self->frames, frame))
        return TRUE;
      if (!check_output_locked (self, is_call, error))
        return FALSE;
      pp_frame_stream_queue_latest (self->frames, frame);
    }
  else if (!check_output_locked (self, is_call, error) ||
           !pp_frame_stream_queue (self->frames, frame, fds, error))
    return FALSE;

  /* While the owner context dispatches a batch of messages, the first
   * thing it sends is written at once, and what follows within CORK_USEC
   * only queued, to be written with what comes after that, or when the
   * batch is done. */
  if (self->cork_thread == g_thread_self ())
    {
      gint64 now = g_get_monotonic_time ();

      if (now - self->cork_time < CORK_USEC)
        return TRUE;
      self->cork_time = now;
    }

  if (!flush_locked (self))
    return TRUE;

  if (was_empty != !pp_frame_stream_has_output (self->frames) ||
      self->input_throttled != output_throttles_locked (self))
    update_source_locked (self);

  return TRUE;
}

gboolean
pp_connection_send (PpConnection  *self,
                    GBytes        *frame,
                    GError       **error)
{
  return pp_connection_send_with_fds (self, frame, NULL, error);
}

/* Sends @frame with the descriptors in @fds (which the frame's 'h' values
 * index); fails with PP_ERROR_UNSUPPORTED_TYPE where they cannot pass. */
gboolean
pp_connection_send_with_fds (PpConnection  *self,
                             GBytes        *frame,
                             GUnixFDList   *fds,
                             GError       **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  gboolean ret;

  g_mutex_lock (&self->lock);
  ret = pp_connection_send_locked (self, frame, fds, FALSE, error);
  g_mutex_unlock (&self->lock);

  pp_connection_close_if_broken (self, to_complete);
  pp_connection_complete_calls (self, to_complete);
  return ret;
}

gboolean
pp_connection_send_batch (PpConnection    *self,
                          PpBatchBuilder   build,
                          gpointer         build_data,
                          GUnixFDList     *fds,
                          GError         **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean ret = TRUE;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_propagate_error (error, disconnected_error (self));
      ret = FALSE;
    }
  else
    ret = build (frames, build_data, error);
  for (guint i = 0; ret && i < frames->len; i++)
    ret = pp_connection_send_locked (self, g_ptr_array_index (frames, i),
                                     i + 1 == frames->len ? fds : NULL, FALSE, error);
  g_mutex_unlock (&self->lock);

  pp_connection_close_if_broken (self, to_complete);
  pp_connection_complete_calls (self, to_complete);
  return ret;
}

/* Sends a last frame (a refusal) and closes, for when the peer is not to
 * be served. The frame is written at once, ahead of anything corked. */
void
pp_connection_send_and_close (PpConnection *self,
                              GBytes       *frame,
                              const GError *error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };

  g_mutex_lock (&self->lock);
  if (!self->closed)
    pp_frame_stream_write_last (self->frames, frame);
  close_locked (self, g_error_copy (error), to_complete);
  g_mutex_unlock (&self->lock);

  pp_connection_complete_calls (self, to_complete);
}

/* Reading --------------------------------------------------------------- */

/* A reply ends the call it answers: a synchronous one where it waits, an
 * asynchronous one in its task's context. */
static PpFrameAction
route_reply (PpConnection        *self,
             const PpWireHeader  *header,
             GVariant            *body,
             GUnixFDList         *fds,
             GPtrArray           *objects,
             GError             **error)
{
  PpPendingCall *call;
  InboundItem *item;

  /* An error that answers no call is the peer's reason for closing,
   * e.g. a refused handshake. */
  if (header->kind == PP_WIRE_KIND_ERROR && header->serial == 0)
    {
      self->peer_refused = TRUE;
      g_propagate_error (error, pp_wire_decode_error (body));
      return PP_FRAME_FAIL;
    }

  g_mutex_lock (&self->lock);
  if (!pp_call_table_find_answered (self->calls, header, body, &call, error))
    {
      g_mutex_unlock (&self->lock);
      return PP_FRAME_FAIL;
    }
  if (call == NULL)
    {
      g_mutex_unlock (&self->lock);
      return PP_FRAME_NEXT;  /* late: the call timed out or was cancelled */
    }

  pp_pending_call_take_reply (call, header, body, objects, fds);
  if (call->sync)
    {
      pp_connection_complete_sync_locked (self, call);
      g_mutex_unlock (&self->lock);
      /* A synchronous caller reads no further than a reply: what follows
       * is the owner context's to read, in batches */
      return self->sync_reading ? PP_FRAME_PAUSE : PP_FRAME_NEXT;
    }

  /* Replies for callers in the owner context go through the inbound
   * queue, so they keep their order with the messages around them. */
  if (g_task_get_context (call->task) == self->context)
    {
      item = g_new0 (InboundItem, 1);
      item->kind = ITEM_COMPLETE;
      item->call = call;
      push_inbound_locked (self, item);
      g_mutex_unlock (&self->lock);
      return PP_FRAME_NEXT;
    }
  g_mutex_unlock (&self->lock);
  pp_pending_call_return (call);
  return PP_FRAME_NEXT;
}

/* Replaces the undispatched PROPERTY of the same property, if there is
 * one. Under lock. */
static gboolean
replace_property_locked (PpConnection *self,
                         GVariant     *body,
                         gsize         cost)
{
  InboundItem *item = g_hash_table_lookup (self->latest, property_key (body));

  if (item == NULL)
    return FALSE;

  /* The key points into the body */
  g_hash_table_replace (self->latest, (gpointer) property_key (body), item);
  g_variant_unref (item->body);
  item->body = g_variant_ref (body);
  self->queued_input = self->queued_input - item->cost + cost;
  item->cost = cost;
  return TRUE;
}

static GError *
queued_input_error (PpConnection *self)
{
  return g_error_new (PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                      _("The peer sent more than %llu bytes of messages while a synchronous "
                        "call waited for its reply"),
                      (unsigned long long) self->max_queued_input);
}

/* A message of the peer's own goes to the owner context, unless nobody
 * wants it. */
static PpFrameAction
route_message (PpConnection        *self,
               const PpWireHeader  *header,
               GVariant            *body,
               GUnixFDList         *fds,
               GPtrArray           *objects,
               GError             **error)
{
  gboolean property = header->kind == PP_WIRE_KIND_PROPERTY;
  gsize cost = header->body_size + INBOUND_ITEM_COST;
  PpFrameAction action = PP_FRAME_NEXT;
  InboundItem *item;

  /* Checked as it is read, so that nothing behind a frame this side does
   * not take is ever acted on. */
  if (!(self->callbacks.accepted_kinds & (1u << header->kind)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s, which this side does not accept"),
                   pp_wire_kind_to_string (header->kind));
      return PP_FRAME_FAIL;
    }

  if (header->kind == PP_WIRE_KIND_CANCEL && self->callbacks.cancel != NULL)
    self->callbacks.cancel (self, header->serial, self->user_data);

  if (self->callbacks.wanted != NULL &&
      !self->callbacks.wanted (self, header, body, self->user_data))
    return PP_FRAME_NEXT;

  g_mutex_lock (&self->lock);
  if (self->closed || (property && fds == NULL && replace_property_locked (self, body, cost)))
    {
      g_mutex_unlock (&self->lock);
      return PP_FRAME_NEXT;
    }

  /* A synchronous caller must read on to its reply: what it cannot keep
   * means the peer floods us */
  if (self->sync_reading && self->queued_input > 0 &&
      self->queued_input + cost > self->max_queued_input)
    {
      g_mutex_unlock (&self->lock);
      g_propagate_error (error, queued_input_error (self));
      return PP_FRAME_FAIL;
    }

  item = g_new (InboundItem, 1);
  *item = (InboundItem) {
    .kind = ITEM_MESSAGE,
    .header = *header,
    .body = g_variant_ref (body),
    .fds = fds ? g_object_ref (fds) : NULL,
    .objects = objects ? g_ptr_array_ref (objects) : NULL,
    .cost = cost,
  };
  push_inbound_locked (self, item);
  if (property && fds == NULL)
    g_hash_table_insert (self->latest, (gpointer) property_key (body), item);

  if (self->callbacks.request_kinds & (1u << header->kind))
    g_atomic_int_inc (&self->requests);

  /* The owner context stops reading until there is room again */
  if (!self->sync_reading &&
      (self->queued_input >= self->max_queued_input ||
       (guint) g_atomic_int_get (&self->requests) >= self->max_requests))
    action = PP_FRAME_PAUSE;
  g_mutex_unlock (&self->lock);
  return action;
}

/* A PpFrameFunc: called by the thread doing I/O, without the lock. */
static PpFrameAction
route_frame (const PpWireHeader  *header,
             GVariant            *body,
             GUnixFDList         *fds,
             gpointer             user_data,
             GError             **error)
{
  PpConnection *self = user_data;
  g_autoptr(GVariant) inner = NULL;
  g_autoptr(GVariant) table = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  if (self->callbacks.immediate_kinds & (1u << header->kind))
    return self->callbacks.immediate (self, header, body, self->user_data, error)
           ? PP_FRAME_NEXT : PP_FRAME_FAIL;

  /* The objects a frame refers to are found as it is read, in order with
   * the frames that introduced them */
  if (header->flags & PP_WIRE_FLAGS_OBJECTS)
    {
      if (self->callbacks.objects == NULL)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("Received a frame of kind %s that refers to objects"),
                       pp_wire_kind_to_string (header->kind));
          return PP_FRAME_FAIL;
        }
      inner = pp_wire_unwrap_objects (body, &table);
      objects = self->callbacks.objects (self, table, self->user_data, error);
      if (objects == NULL)
        return PP_FRAME_FAIL;
      body = inner;
    }

  if (pp_wire_kind_is_reply (header->kind))
    return route_reply (self, header, body, fds, objects, error);
  return route_message (self, header, body, fds, objects, error);
}

/* Takes the I/O role if it is free. Under lock. */
static gboolean
try_begin_io_locked (PpConnection *self)
{
  if (self->io_busy)
    return FALSE;
  self->io_busy = TRUE;
  return TRUE;
}

static void
end_io_locked (PpConnection *self)
{
  self->io_busy = FALSE;
  if (self->source_paused)
    {
      self->source_paused = FALSE;
      update_source_locked (self);
    }
  broadcast_locked (self);
}

/* Reads and routes input, in a batch for the owner context; closes the
 * connection on failure. Called with the io role held and the lock NOT
 * held; the caller stores whether the stream stopped early (read_more)
 * under the lock. */
static PpFrameReadResult
do_read (PpConnection *self,
         gboolean      batch,
         GQueue       *to_complete)
{
  GError *error = NULL;
  PpFrameReadResult result = pp_frame_stream_read (self->frames, batch, route_frame, self,
                                                   &error);

  if (result != PP_FRAME_READ_FAILED)
    return result;

  error = with_end_reason (self, error);

  g_mutex_lock (&self->lock);
  /* Tell a peer that broke the protocol why it is cut off, as the last
   * thing it reads. */
  if (!self->closed && !self->peer_refused && error->domain == PP_ERROR &&
      (error->code == PP_ERROR_PROTOCOL || error->code == PP_ERROR_LIMIT_EXCEEDED))
    {
      g_autoptr(GBytes) frame = pp_wire_encode_error (0, error);

      pp_frame_stream_write_last (self->frames, frame);
    }
  close_locked (self, error, to_complete);
  g_mutex_unlock (&self->lock);
  return result;
}

/* The owner context's source ---------------------------------------------- */

/* Whether the owner context may read now; see the top of this file */
static gboolean
can_read_locked (PpConnection *self)
{
  return !self->closed && !self->source_paused && !self->input_throttled &&
         self->queued_input < self->max_queued_input &&
         (guint) g_atomic_int_get (&self->requests) < self->max_requests;
}

static void
update_source_locked (PpConnection *self)
{
  gboolean can_read;
  gboolean ready;

  self->input_throttled = output_throttles_locked (self);
  can_read = can_read_locked (self);
  self->input_stopped = !can_read;

  /* What the frame stream holds already is read without a poll */
  ready = can_read && self->read_more;
  if (ready != g_atomic_int_get (&self->input_ready))
    {
      g_atomic_int_set (&self->input_ready, ready);
      if (ready && !g_main_context_is_owner (self->context))
        g_main_context_wakeup (self->context);
    }

  if (self->source == NULL)
    return;
  pp_frame_stream_update_watch (self->frames, can_read);
}

/* After a read: whether the frame stream stopped early, for the source to
 * read on without a poll once it may. A read that stopped early may have
 * filled the queue, so the source is updated then. */
static void
set_read_more_locked (PpConnection      *self,
                      PpFrameReadResult  result)
{
  gboolean more = result == PP_FRAME_READ_MORE;

  if (!more && !self->read_more)
    return;
  self->read_more = more;
  update_source_locked (self);
}

static gboolean
connection_source_prepare (GSource *source,
                           int     *timeout)
{
  ConnectionSource *cs = (ConnectionSource *) source;
  PpConnection *self = cs->connection;

  if (self->callbacks.prepare != NULL)
    self->callbacks.prepare (self, self->user_data);

  *timeout = -1;
  return g_atomic_int_get (&self->inbound_len) > 0 || g_atomic_int_get (&self->input_ready);
}

static gboolean
connection_source_check (GSource *source)
{
  ConnectionSource *cs = (ConnectionSource *) source;

  return g_atomic_int_get (&cs->connection->inbound_len) > 0 ||
         g_atomic_int_get (&cs->connection->input_ready) ||
         pp_frame_stream_watch_ready (cs->connection->frames);
}

static void
dispatch_item (PpConnection *self,
               InboundItem  *item)
{
  switch (item->kind)
    {
    case ITEM_MESSAGE:
      /* After a close, requests queued before it are not acted on: no
       * answer could be sent, and a peer that broke the protocol is not
       * served any further. */
      if (self->callbacks.message != NULL && !pp_connection_is_closed (self))
        self->callbacks.message (self, &item->header, item->body, item->fds, item->objects,
                                 self->user_data);
      break;

    case ITEM_COMPLETE:
      pp_pending_call_return (g_steal_pointer (&item->call));
      break;

    case ITEM_CLOSED:
      g_mutex_lock (&self->lock);
      self->closed_dispatched = TRUE;
      g_mutex_unlock (&self->lock);
      if (self->callbacks.closed != NULL)
        self->callbacks.closed (self, item->error, self->user_data);
      break;

    default:
      g_assert_not_reached ();
    }
}

static InboundItem *
pop_inbound (PpConnection *self)
{
  InboundItem *item;

  g_mutex_lock (&self->lock);
  item = g_queue_pop_head (&self->inbound);
  if (item != NULL)
    {
      g_atomic_int_add (&self->inbound_len, -1);
      self->queued_input -= item->cost;
      if (item->kind == ITEM_MESSAGE && item->header.kind == PP_WIRE_KIND_PROPERTY &&
          g_hash_table_lookup (self->latest, property_key (item->body)) == item)
        g_hash_table_remove (self->latest, property_key (item->body));
    }
  g_mutex_unlock (&self->lock);
  return item;
}

/* Dispatches a batch of what is queued: the rest waits for the next
 * iteration, so that the context's other sources run in between. */
static void
drain_inbound (PpConnection *self)
{
  InboundItem *item;

  for (guint i = 0; i < PP_FRAME_BATCH && (item = pop_inbound (self)) != NULL; i++)
    {
      dispatch_item (self, item);
      inbound_item_free (item);
    }
}

/* Reads what the source found, unless a synchronous call in another
 * thread is reading: it hands us what is ours, and the source stops
 * polling until it is done so as not to spin. */
static void
read_or_pause_locked (PpConnection *self,
                      GQueue       *to_complete)
{
  if (try_begin_io_locked (self))
    {
      PpFrameReadResult result;

      g_mutex_unlock (&self->lock);
      result = do_read (self, TRUE, to_complete);
      g_mutex_lock (&self->lock);
      set_read_more_locked (self, result);
      end_io_locked (self);
    }
  else if (!self->source_paused)
    {
      self->source_paused = TRUE;
      update_source_locked (self);
    }
}

/* Once the owner has seen the end and nobody polls the descriptors, they
 * are closed so that a pipe's peer sees the end too. */
static void
close_stream_if_done_locked (PpConnection *self)
{
  if (!self->closed || !self->closed_dispatched || self->io_busy || self->stream_closed)
    return;

  self->stream_closed = TRUE;
  pp_frame_stream_unwatch (self->frames);
  g_mutex_unlock (&self->lock);
  pp_frame_stream_close (self->frames);
  g_mutex_lock (&self->lock);
}

static gboolean
connection_source_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  ConnectionSource *cs = (ConnectionSource *) source;
  PpConnection *self = pp_connection_ref (cs->connection);
  GQueue to_complete[1] = { G_QUEUE_INIT };
  gboolean readable, writable;
  GThread *previous_cork;

  g_mutex_lock (&self->lock);
  pp_frame_stream_query_watch (self->frames, &readable, &writable);

  if (writable && !self->closed)
    {
      flush_locked (self);
      update_source_locked (self);
    }

  if ((readable || self->read_more) && can_read_locked (self))
    read_or_pause_locked (self, to_complete);

  previous_cork = self->cork_thread;
  self->cork_thread = g_thread_self ();
  self->cork_time = 0;
  g_mutex_unlock (&self->lock);

  pp_connection_close_if_broken (self, to_complete);
  pp_connection_complete_calls (self, to_complete);
  drain_inbound (self);

  g_mutex_lock (&self->lock);
  self->cork_thread = previous_cork;
  if (pp_frame_stream_has_output (self->frames) && !self->closed)
    {
      flush_locked (self);
      update_source_locked (self);
    }
  else if (self->input_stopped)
    {
      /* The queue may have room again */
      update_source_locked (self);
    }
  close_stream_if_done_locked (self);
  g_mutex_unlock (&self->lock);

  pp_connection_close_if_broken (self, to_complete);
  if (pp_connection_complete_calls (self, to_complete))
    drain_inbound (self);

  pp_connection_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs connection_source_funcs = {
  .prepare = connection_source_prepare,
  .check = connection_source_check,
  .dispatch = connection_source_dispatch,
};

void
pp_connection_start (PpConnection *self)
{
  ConnectionSource *source;

  g_return_if_fail (self->source == NULL);

  source = (ConnectionSource *) g_source_new (&connection_source_funcs, sizeof *source);
  source->connection = self;
  g_source_set_static_name ((GSource *) source, "[pipeproxy] connection");
  /* Dispatching may run a nested main loop (a method that waits); letting
   * the source recurse also saves the syscalls GLib spends blocking it. */
  g_source_set_can_recurse ((GSource *) source, TRUE);

  g_mutex_lock (&self->lock);
  self->source = source;
  pp_frame_stream_watch (self->frames, (GSource *) source);
  update_source_locked (self);
  g_mutex_unlock (&self->lock);

  g_source_attach ((GSource *) source, self->context);
}

/* The bodies of the messages of @kind read but not yet dispatched to the
 * owner context, oldest first; NULL when nothing is queued. For PROPERTY,
 * the one of each property that is kept, in no order. */
GPtrArray *
pp_connection_dup_queued (PpConnection *self,
                          PpWireKind    kind)
{
  GPtrArray *bodies;

  /* The common case, checked without the lock or an allocation */
  if (g_atomic_int_get (&self->inbound_len) == 0)
    return NULL;

  bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_mutex_lock (&self->lock);
  if (kind == PP_WIRE_KIND_PROPERTY)
    {
      GHashTableIter iter;
      gpointer value;

      /* Not a walk through the queue, which a flood may have filled */
      g_hash_table_iter_init (&iter, self->latest);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (bodies, g_variant_ref (((InboundItem *) value)->body));
    }
  else
    {
      for (GList *l = self->inbound.head; l != NULL; l = l->next)
        {
          InboundItem *item = l->data;

          if (item->kind == ITEM_MESSAGE && item->header.kind == kind)
            g_ptr_array_add (bodies, g_variant_ref (item->body));
        }
    }
  g_mutex_unlock (&self->lock);
  return bodies;
}

/* Stops dispatching: the owner is going away. Pending calls fail. */
void
pp_connection_detach (PpConnection *self)
{
  ConnectionSource *source;
  InboundItem *item;

  pp_connection_close (self, NULL);

  g_mutex_lock (&self->lock);
  source = g_steal_pointer (&self->source);
  g_mutex_unlock (&self->lock);

  if (source != NULL)
    {
      g_source_destroy ((GSource *) source);
      g_mutex_lock (&self->lock);
      pp_frame_stream_unwatch (self->frames);
      g_mutex_unlock (&self->lock);
      g_source_unref ((GSource *) source);
    }

  /* Calls whose completion was queued for the owner context still end;
   * messages for the owner are dropped with it. */
  while ((item = pop_inbound (self)) != NULL)
    {
      if (item->kind == ITEM_COMPLETE)
        dispatch_item (self, item);
      inbound_item_free (item);
    }
}

/* For the calls (pp-connection-call.c) ----------------------------------- */

GError *
pp_connection_timed_out_error (void)
{
  return g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT, _("The call timed out"));
}

void
pp_connection_lock (PpConnection *self)
{
  g_mutex_lock (&self->lock);
}

void
pp_connection_unlock (PpConnection *self)
{
  g_mutex_unlock (&self->lock);
}

/* The calls waiting for replies: under the lock. */
PpCallTable *
pp_connection_get_calls (PpConnection *self)
{
  return self->calls;
}

gboolean
pp_connection_add_call_locked (PpConnection   *self,
                               PpPendingCall  *call,
                               GError        **error)
{
  if (self->closed)
    {
      g_propagate_error (error, disconnected_error (self));
      return FALSE;
    }
  return pp_call_table_add (self->calls, call, error);
}

/* The synchronous wait ---------------------------------------------------- */

static gboolean
wake_only (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* A spliced stream's bytes pass through splices in the owner context,
 * which the caller acquired and nobody else runs now: run it until
 * something happens. Lets go of the lock meanwhile. */
static void
iterate_context_locked (PpConnection *self,
                        gint64        deadline,
                        gint64        now)
{
  GSource *timeout = NULL;

  g_mutex_unlock (&self->lock);
  if (deadline >= 0)
    {
      timeout = g_timeout_source_new (MAX ((deadline - now) / 1000, 0) + 1);
      g_source_set_callback (timeout, wake_only, NULL, NULL);
      g_source_attach (timeout, self->context);
    }
  g_main_context_iteration (self->context, TRUE);
  if (timeout != NULL)
    {
      g_source_destroy (timeout);
      g_source_unref (timeout);
    }
  g_main_context_release (self->context);
  g_mutex_lock (&self->lock);
}

/* Polls the descriptors (and the eventfd that wakes a reader up for a
 * cancellation or a close) once and does the I/O that is ready; reads
 * without a poll what the frame stream holds already. Called with the I/O
 * role and the lock held; lets go of the lock meanwhile. */
static void
poll_once_locked (PpConnection *self,
                  gint64        deadline,
                  gint64        now,
                  GQueue       *to_complete)
{
  struct pollfd fds[3];
  guint n_fds = 0;
  int timeout = deadline >= 0 ? (int) MIN ((deadline - now + 999) / 1000, G_MAXINT) : -1;
  gboolean want_out = pp_frame_stream_has_output (self->frames);
  gboolean readable, writable;
  PpFrameReadResult result;

  if (self->read_more && !self->closed)
    {
      g_mutex_unlock (&self->lock);
      result = do_read (self, FALSE, to_complete);
      g_mutex_lock (&self->lock);
      set_read_more_locked (self, result);
      return;
    }

  if (!self->closed)
    n_fds = pp_frame_stream_prepare_poll (self->frames, fds, want_out);
  fds[n_fds] = (struct pollfd) { .fd = self->wake_fd, .events = POLLIN };
  g_mutex_unlock (&self->lock);

  result = PP_FRAME_READ_DRAINED;
  if (poll (fds, n_fds + 1, timeout) > 0)
    {
      if (fds[n_fds].revents & POLLIN)
        {
          guint64 value;

          if (read (self->wake_fd, &value, sizeof value) < 0)
            {
              /* Already reset by another thread */
            }
        }

      pp_frame_stream_check_poll (self->frames, fds, n_fds, &readable, &writable);
      if (writable)
        {
          g_mutex_lock (&self->lock);
          if (!self->closed)
            flush_locked (self);
          update_source_locked (self);
          g_mutex_unlock (&self->lock);
          pp_connection_close_if_broken (self, to_complete);
        }
      if (readable)
        result = do_read (self, FALSE, to_complete);
    }

  g_mutex_lock (&self->lock);
  set_read_more_locked (self, result);
}

/* Another thread reads: it hands over the reply and wakes us. */
static void
wait_for_reader_locked (PpConnection *self,
                        gint64        deadline)
{
  self->n_cond_waiters++;
  if (deadline >= 0)
    g_cond_wait_until (&self->cond, &self->lock, deadline);
  else
    g_cond_wait (&self->cond, &self->lock);
  self->n_cond_waiters--;
}

/* One turn of the wait below for a thread that waits for no call of its
 * own (pp-connection-watch.c): the I/O that is ready when nobody else
 * reads, else until the reader is done. */
void
pp_connection_read_once_locked (PpConnection *self,
                                GQueue       *to_complete)
{
  if (try_begin_io_locked (self))
    {
      poll_once_locked (self, -1, 0, to_complete);
      end_io_locked (self);
    }
  else
    wait_for_reader_locked (self, -1);
}

guint
pp_connection_get_inbound_length (PpConnection *self)
{
  return g_atomic_int_get (&self->inbound_len);
}

/* Waits in the calling thread until @call is done, doing the connection's
 * I/O itself when no other thread does: no thread hop, no main loop. */
void
pp_connection_wait_sync_locked (PpConnection  *self,
                                PpPendingCall *call,
                                gint64         deadline,
                                GQueue        *to_complete)
{
  while (!call->done)
    {
      gint64 now = deadline >= 0 ? g_get_monotonic_time () : 0;

      if (deadline >= 0 && now >= deadline)
        {
          pp_call_table_steal (self->calls, call->serial);
          call->error = pp_connection_timed_out_error ();
          pp_connection_complete_sync_locked (self, call);
          break;
        }

      if (pp_frame_stream_is_spliced (self->frames) && !self->io_busy &&
          g_main_context_acquire (self->context))
        iterate_context_locked (self, deadline, now);
      else if (try_begin_io_locked (self))
        {
          self->sync_reading = TRUE;
          poll_once_locked (self, deadline, now, to_complete);
          self->sync_reading = FALSE;
          end_io_locked (self);
        }
      else
        wait_for_reader_locked (self, deadline);
    }
}
