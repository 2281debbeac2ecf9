/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <poll.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <glib/gi18n-lib.h>

#include "pp-connection-private.h"
#include "pp-error.h"
#include "pp-frame-stream-private.h"

typedef struct
{
  guint32        serial;
  PpWireKind     reply_kind;
  /* asynchronous calls */
  GTask         *task;
  GSource       *timeout_source;
  gulong         cancel_id;
  /* synchronous calls: completed under the connection lock */
  gboolean       sync;
  gboolean       done;
  PpReply        reply;
  GError        *error;
} PendingCall;

typedef enum
{
  ITEM_MESSAGE,
  ITEM_COMPLETE,
  ITEM_CLOSED,
} ItemKind;

typedef struct
{
  ItemKind      kind;
  PpWireHeader  header;
  GVariant     *body;
  GUnixFDList  *fds;
  PendingCall  *call;
  GError       *error;
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

  /* Calls, under lock */
  guint32                next_serial;
  gboolean               serials_wrapped;
  gboolean               peer_refused;
  GError                *broken_error;
  GHashTable            *pending;     /* serial → PendingCall */
  guint                  max_pending;

  /* Messages for the owner context, in arrival order, under lock */
  GQueue                 inbound;
  gint                   inbound_len;

  gboolean               input_throttled;
  gboolean               closed;
  gboolean               closed_dispatched;
  gboolean               stream_closed;
  GError                *close_error;
};

static void     close_locked         (PpConnection *self,
                                      GError       *error,
                                      GQueue       *to_complete);
static gboolean complete_calls       (PpConnection *self,
                                      GQueue       *calls);
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
  g_clear_error (&item->error);
  g_free (item);
}

void
pp_connection_unref (PpConnection *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_assert (self->source == NULL);
  g_assert (g_hash_table_size (self->pending) == 0);

  pp_frame_stream_free (self->frames);
  g_main_context_unref (self->context);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_queue_clear_full (&self->inbound, (GDestroyNotify) inbound_item_free);
  g_hash_table_unref (self->pending);
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
  self->pending = g_hash_table_new (NULL, NULL);
  self->next_serial = 1;
  self->max_pending = PP_DEFAULT_MAX_PENDING_CALLS;

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

/* Set before the connection starts: the reader uses it without the lock. */
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
  return self->max_pending;
}

void
pp_connection_set_max_pending_calls (PpConnection *self,
                                     guint         max)
{
  g_mutex_lock (&self->lock);
  self->max_pending = max;
  g_mutex_unlock (&self->lock);
}

static void
wake_io_thread (PpConnection *self)
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
  if (g_atomic_int_add (&self->inbound_len, 1) == 0 &&
      !g_main_context_is_owner (self->context))
    g_main_context_wakeup (self->context);
}

static GError *
disconnected_error (PpConnection *self)
{
  if (self->close_error != NULL)
    return g_error_copy (self->close_error);
  return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The connection is closed"));
}

/* Completing calls ------------------------------------------------------ */

void
pp_reply_clear (PpReply *reply)
{
  g_clear_pointer (&reply->value, g_variant_unref);
  g_clear_object (&reply->fds);
}

static void
pending_call_free (PendingCall *call)
{
  g_clear_object (&call->task);
  pp_reply_clear (&call->reply);
  g_clear_error (&call->error);
  g_free (call);
}

/* The call was already removed from the table by whoever completes it, so
 * this runs exactly once per call. Not under the lock. A call that
 * succeeded becomes the task's result, so the reply needs no allocation of
 * its own. */
static void
complete_async (PpConnection *self,
                PendingCall  *call,
                GVariant     *result,
                GError       *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&call->task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (call->timeout_source != NULL)
    {
      g_source_destroy (call->timeout_source);
      g_clear_pointer (&call->timeout_source, g_source_unref);
    }
  if (call->cancel_id != 0)
    {
      g_cancellable_disconnect (cancellable, call->cancel_id);
      call->cancel_id = 0;
    }

  if (error != NULL)
    {
      g_task_return_error (task, error);
      pending_call_free (call);
      return;
    }

  call->reply.value = result;
  g_task_return_pointer (task, call, (GDestroyNotify) pending_call_free);
}

static void
complete_sync_locked (PpConnection *self,
                      PendingCall  *call,
                      GVariant     *result,
                      GError       *error)
{
  call->done = TRUE;
  call->reply.value = result;
  call->error = error;
  broadcast_locked (self);
  if (pp_frame_stream_is_spliced (self->frames))
    g_main_context_wakeup (self->context);
}

/* Ends the calls closing took out of the table; returns whether there
 * were any. */
static gboolean
complete_calls (PpConnection *self,
                GQueue       *calls)
{
  gboolean any = !g_queue_is_empty (calls);
  PendingCall *call;

  while ((call = g_queue_pop_head (calls)) != NULL)
    complete_async (self, call, NULL,
                    call->error ? g_steal_pointer (&call->error) : disconnected_error (self));
  return any;
}

/* Closing --------------------------------------------------------------- */

static void
close_locked (PpConnection *self,
              GError       *error,
              GQueue       *to_complete)
{
  GHashTableIter iter;
  PendingCall *call;
  InboundItem *item;

  if (self->closed)
    {
      g_clear_error (&error);
      return;
    }

  self->closed = TRUE;
  self->close_error = error ? error : g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED,
                                                           _("The connection was closed"));

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_hash_table_iter_remove (&iter);
      if (call->sync)
        complete_sync_locked (self, call, NULL, g_error_copy (self->close_error));
      else
        {
          call->error = g_error_copy (self->close_error);
          g_queue_push_tail (to_complete, call);
        }
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
  wake_io_thread (self);
}

void
pp_connection_close (PpConnection *self,
                     const GError *error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };

  g_mutex_lock (&self->lock);
  close_locked (self, error ? g_error_copy (error) : NULL, to_complete);
  g_mutex_unlock (&self->lock);

  complete_calls (self, to_complete);
}

/* A write failed: the connection is broken. It is closed by
 * close_if_broken() once the lock is let go, since finding out why the
 * peer went away (end_reason) may take a moment. Until then calls stay
 * pending, so they end with that reason. */
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

static void
close_if_broken (PpConnection *self,
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

/* Calls are refused while too much output waits; replies and signals are
 * always queued, and instead the connection stops reading new requests
 * until the peer has read what is queued (see update_source_locked()). */
static gboolean
send_locked (PpConnection  *self,
             GBytes        *frame,
             GUnixFDList   *fds,
             gboolean       is_call,
             GError       **error)
{
  gboolean was_empty;

  if (self->closed)
    {
      g_propagate_error (error, disconnected_error (self));
      return FALSE;
    }

  if (is_call && !pp_frame_stream_check_output (self->frames, error))
    return FALSE;

  was_empty = !pp_frame_stream_has_output (self->frames);
  if (!pp_frame_stream_queue (self->frames, frame, fds, error))
    return FALSE;

  /* While the owner context dispatches a batch of messages, replies are
   * only queued, and written together when the batch is done. */
  if (self->cork_thread == g_thread_self ())
    return TRUE;

  if (!flush_locked (self))
    return TRUE;

  if (was_empty != !pp_frame_stream_has_output (self->frames) ||
      self->input_throttled != pp_frame_stream_output_over_limit (self->frames))
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
  ret = send_locked (self, frame, fds, FALSE, error);
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);
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

  complete_calls (self, to_complete);
}

/* Reading --------------------------------------------------------------- */

/* Finds the call @header answers. Returns FALSE with @error for a reply
 * that breaks the protocol, TRUE with *@call NULL for a late reply to a
 * call that timed out or was cancelled. */
static gboolean
find_call_locked (PpConnection        *self,
                  const PpWireHeader  *header,
                  PendingCall        **call,
                  GError             **error)
{
  gboolean issued = header->serial != 0 &&
                    (self->serials_wrapped || header->serial < self->next_serial);

  *call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (header->serial));
  if (*call == NULL)
    {
      if (issued)
        return TRUE;
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a reply (%s) to request %u, which was never made"),
                   pp_wire_kind_to_string (header->kind), header->serial);
      return FALSE;
    }

  if (header->kind != PP_WIRE_KIND_ERROR && header->kind != (*call)->reply_kind)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s in answer to a request that expects %s"),
                   pp_wire_kind_to_string (header->kind),
                   pp_wire_kind_to_string ((*call)->reply_kind));
      *call = NULL;
      return FALSE;
    }
  return TRUE;
}

/* A reply ends the call it answers: a synchronous one where it waits, an
 * asynchronous one in its task's context. */
static gboolean
route_reply (PpConnection        *self,
             const PpWireHeader  *header,
             GVariant            *body,
             GUnixFDList         *fds,
             GError             **error)
{
  GVariant *result = NULL;
  GError *call_error = NULL;
  PendingCall *call;
  InboundItem *item;

  /* An error that answers no call is the peer's reason for closing,
   * e.g. a refused handshake. */
  if (header->kind == PP_WIRE_KIND_ERROR && header->serial == 0)
    {
      self->peer_refused = TRUE;
      g_propagate_error (error, pp_wire_decode_error (body));
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  if (!find_call_locked (self, header, &call, error))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  if (call == NULL)
    {
      g_mutex_unlock (&self->lock);
      return TRUE;  /* late: the call timed out or was cancelled */
    }

  if (header->kind == PP_WIRE_KIND_ERROR)
    call_error = pp_wire_decode_error (body);
  else if (header->kind == PP_WIRE_KIND_RETURN)
    pp_wire_split_body (body, NULL, 0, &result, NULL);
  else
    result = g_variant_ref (body);

  g_hash_table_remove (self->pending, GUINT_TO_POINTER (header->serial));
  if (fds != NULL && call_error == NULL)
    call->reply.fds = g_object_ref (fds);

  if (call->sync)
    {
      complete_sync_locked (self, call, result, call_error);
      g_mutex_unlock (&self->lock);
      return TRUE;
    }

  /* Replies for callers in the owner context go through the inbound
   * queue, so they keep their order with the messages around them. */
  if (g_task_get_context (call->task) == self->context)
    {
      item = g_new0 (InboundItem, 1);
      item->kind = ITEM_COMPLETE;
      item->call = call;
      item->body = result;
      item->error = call_error;
      push_inbound_locked (self, item);
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  g_mutex_unlock (&self->lock);
  complete_async (self, call, result, call_error);
  return TRUE;
}

/* A message of the peer's own goes to the owner context. */
static gboolean
route_message (PpConnection        *self,
               const PpWireHeader  *header,
               GVariant            *body,
               GUnixFDList         *fds,
               GError             **error)
{
  InboundItem *item;

  /* Checked as it is read, so that nothing behind a frame this side does
   * not take is ever acted on. */
  if (!(self->callbacks.accepted_kinds & (1u << header->kind)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s, which this side does not accept"),
                   pp_wire_kind_to_string (header->kind));
      return FALSE;
    }

  item = g_new0 (InboundItem, 1);
  item->kind = ITEM_MESSAGE;
  item->header = *header;
  item->body = g_variant_ref (body);
  item->fds = fds ? g_object_ref (fds) : NULL;
  g_mutex_lock (&self->lock);
  if (self->closed)
    inbound_item_free (item);
  else
    push_inbound_locked (self, item);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* A PpFrameFunc: called by the thread doing I/O, without the lock. */
static gboolean
route_frame (const PpWireHeader  *header,
             GVariant            *body,
             GUnixFDList         *fds,
             gpointer             user_data,
             GError             **error)
{
  if (pp_wire_kind_is_reply (header->kind))
    return route_reply (user_data, header, body, fds, error);
  return route_message (user_data, header, body, fds, error);
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

/* Reads and routes input; closes the connection on failure. Called with
 * the io role held and the lock NOT held. */
static void
do_read (PpConnection *self,
         GQueue       *to_complete)
{
  GError *error = NULL;

  if (pp_frame_stream_read (self->frames, route_frame, self, &error))
    return;

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
}

/* The owner context's source ---------------------------------------------- */

static void
update_source_locked (PpConnection *self)
{
  self->input_throttled = pp_frame_stream_output_over_limit (self->frames);
  if (self->source == NULL)
    return;
  pp_frame_stream_update_watch (self->frames,
                                !self->closed && !self->source_paused && !self->input_throttled);
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
  return g_atomic_int_get (&self->inbound_len) > 0;
}

static gboolean
connection_source_check (GSource *source)
{
  ConnectionSource *cs = (ConnectionSource *) source;

  return g_atomic_int_get (&cs->connection->inbound_len) > 0 ||
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
        self->callbacks.message (self, &item->header, item->body, item->fds, self->user_data);
      break;

    case ITEM_COMPLETE:
      complete_async (self, item->call, g_steal_pointer (&item->body),
                      g_steal_pointer (&item->error));
      item->call = NULL;
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
    g_atomic_int_add (&self->inbound_len, -1);
  g_mutex_unlock (&self->lock);
  return item;
}

static void
drain_inbound (PpConnection *self)
{
  InboundItem *item;

  while ((item = pop_inbound (self)) != NULL)
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
      g_mutex_unlock (&self->lock);
      do_read (self, to_complete);
      g_mutex_lock (&self->lock);
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

  if (readable && !self->closed)
    read_or_pause_locked (self, to_complete);

  previous_cork = self->cork_thread;
  self->cork_thread = g_thread_self ();
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);
  drain_inbound (self);

  g_mutex_lock (&self->lock);
  self->cork_thread = previous_cork;
  if (pp_frame_stream_has_output (self->frames) && !self->closed)
    {
      flush_locked (self);
      update_source_locked (self);
    }
  close_stream_if_done_locked (self);
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  if (complete_calls (self, to_complete))
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
 * owner context, oldest first; NULL when nothing is queued. */
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
  for (GList *l = self->inbound.head; l != NULL; l = l->next)
    {
      InboundItem *item = l->data;

      if (item->kind == ITEM_MESSAGE && item->header.kind == kind)
        g_ptr_array_add (bodies, g_variant_ref (item->body));
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

/* Calls ----------------------------------------------------------------- */

static gboolean
add_pending_locked (PpConnection  *self,
                    PendingCall   *call,
                    GError       **error)
{
  if (self->closed)
    {
      g_propagate_error (error, disconnected_error (self));
      return FALSE;
    }
  if (g_hash_table_size (self->pending) >= self->max_pending)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("There are already %u calls waiting for a reply"), self->max_pending);
      return FALSE;
    }

  do
    {
      call->serial = self->next_serial++;
      if (self->next_serial == 0)
        self->serials_wrapped = TRUE;
    }
  while (call->serial == 0 ||
         g_hash_table_contains (self->pending, GUINT_TO_POINTER (call->serial)));

  g_hash_table_insert (self->pending, GUINT_TO_POINTER (call->serial), call);
  return TRUE;
}

static gboolean
has_timeout (int timeout_msec)
{
  return timeout_msec >= 0 && timeout_msec != G_MAXINT;
}

typedef struct
{
  PpConnection *connection;
  guint32       serial;
} CallRef;

static void
call_ref_free (gpointer data)
{
  CallRef *ref = data;

  pp_connection_unref (ref->connection);
  g_free (ref);
}

static CallRef *
call_ref_new (PpConnection *self,
              guint32       serial)
{
  CallRef *ref = g_new0 (CallRef, 1);

  ref->connection = pp_connection_ref (self);
  ref->serial = serial;
  return ref;
}

static PendingCall *
steal_pending (PpConnection *self,
               guint32       serial)
{
  PendingCall *call;

  g_mutex_lock (&self->lock);
  call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (serial));
  if (call != NULL)
    g_hash_table_remove (self->pending, GUINT_TO_POINTER (serial));
  g_mutex_unlock (&self->lock);
  return call;
}

static void
send_cancel (PpConnection *self,
             guint32       serial)
{
  g_autoptr(GBytes) frame = pp_wire_encode (PP_WIRE_KIND_CANCEL, PP_WIRE_FLAGS_NO_REPLY,
                                            serial, 0, g_variant_new ("()"));

  pp_connection_send (self, frame, NULL);
}

static gboolean
async_timeout_cb (gpointer data)
{
  CallRef *ref = data;
  PendingCall *call = steal_pending (ref->connection, ref->serial);

  if (call != NULL)
    {
      g_clear_pointer (&call->timeout_source, g_source_unref);
      send_cancel (ref->connection, ref->serial);
      complete_async (ref->connection, call, NULL,
                      g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT,
                                           _("The call timed out")));
    }
  return G_SOURCE_REMOVE;
}

static gboolean
async_cancelled_idle_cb (gpointer data)
{
  CallRef *ref = data;
  PendingCall *call = steal_pending (ref->connection, ref->serial);

  if (call != NULL)
    {
      send_cancel (ref->connection, ref->serial);
      complete_async (ref->connection, call, NULL,
                      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           _("The call was cancelled")));
    }
  return G_SOURCE_REMOVE;
}

static void
async_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  CallRef *ref = data;
  GMainContext *context = NULL;
  PendingCall *call;
  GSource *idle;

  /* Disconnecting a handler from inside it would deadlock, so the call
   * ends in an idle in the caller's context. */
  g_mutex_lock (&ref->connection->lock);
  call = g_hash_table_lookup (ref->connection->pending, GUINT_TO_POINTER (ref->serial));
  if (call != NULL)
    context = g_task_get_context (call->task);
  g_mutex_unlock (&ref->connection->lock);

  if (context == NULL)
    return;

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[pipeproxy] call cancelled");
  g_source_set_callback (idle, async_cancelled_idle_cb,
                         call_ref_new (ref->connection, ref->serial), call_ref_free);
  g_source_attach (idle, context);
  g_source_unref (idle);
}

/* Sends the request @build makes and completes a GTask with @source_object
 * and @source_tag (so the caller's _finish can check them) when the reply
 * of @reply_kind, an ERROR, the time-out, cancellation or the end of the
 * connection comes; @callback runs in the thread-default main context.
 * Finish with pp_connection_call_finish(). */
void
pp_connection_call_async (PpConnection        *self,
                          PpWireKind           reply_kind,
                          PpFrameBuilder       build,
                          gpointer             build_data,
                          GUnixFDList         *fds,
                          int                  timeout_msec,
                          GCancellable        *cancellable,
                          gpointer             source_object,
                          gpointer             source_tag,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  g_autoptr(GBytes) frame = NULL;
  GTask *task;
  PendingCall *call;
  GError *error = NULL;
  guint32 serial;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  call = g_new0 (PendingCall, 1);
  call->reply_kind = reply_kind;
  call->task = task;

  g_mutex_lock (&self->lock);
  if (!add_pending_locked (self, call, &error))
    {
      g_mutex_unlock (&self->lock);
      g_task_return_error (task, error);
      pending_call_free (call);
      return;
    }
  serial = call->serial;

  if (has_timeout (timeout_msec))
    {
      call->timeout_source = g_timeout_source_new (timeout_msec);
      g_source_set_static_name (call->timeout_source, "[pipeproxy] call time-out");
      g_source_set_callback (call->timeout_source, async_timeout_cb,
                             call_ref_new (self, serial), call_ref_free);
      g_source_attach (call->timeout_source, g_task_get_context (task));
    }

  frame = build (serial, build_data);
  if (!send_locked (self, frame, fds, TRUE, &error))
    {
      /* Either the call is still ours to end, or closing took it. */
      if (g_hash_table_remove (self->pending, GUINT_TO_POINTER (serial)))
        {
          g_mutex_unlock (&self->lock);
          complete_async (self, call, NULL, error);
          close_if_broken (self, to_complete);
          complete_calls (self, to_complete);
          return;
        }
      g_clear_error (&error);
    }
  g_mutex_unlock (&self->lock);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);

  /* Connected last: if @cancellable is already cancelled the handler runs
   * right here, and the call must exist by then. */
  if (cancellable != NULL)
    {
      gulong id = g_cancellable_connect (cancellable, G_CALLBACK (async_cancelled_cb),
                                         call_ref_new (self, serial), call_ref_free);

      g_mutex_lock (&self->lock);
      call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (serial));
      if (call != NULL)
        call->cancel_id = id;
      g_mutex_unlock (&self->lock);
      if (call == NULL)
        g_cancellable_disconnect (cancellable, id);
    }
}

/* Takes the reply of a call made with pp_connection_call_async(). */
gboolean
pp_connection_call_finish (GAsyncResult  *result,
                           PpReply       *reply,
                           GError       **error)
{
  PendingCall *call;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (reply != NULL, FALSE);

  call = g_task_propagate_pointer (G_TASK (result), error);
  if (call == NULL)
    return FALSE;

  *reply = call->reply;
  call->reply = (PpReply) { NULL, NULL };
  pending_call_free (call);
  return TRUE;
}

static void
sync_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  CallRef *ref = data;
  PpConnection *self = ref->connection;
  PendingCall *call;

  g_mutex_lock (&self->lock);
  call = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (ref->serial));
  if (call != NULL)
    {
      g_hash_table_remove (self->pending, GUINT_TO_POINTER (ref->serial));
      complete_sync_locked (self, call, NULL,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("The call was cancelled")));
      wake_io_thread (self);
    }
  g_mutex_unlock (&self->lock);
}

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
 * cancellation or a close) once and does the I/O that is ready. Called
 * with the I/O role and the lock held; lets go of the lock meanwhile. */
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

  if (!self->closed)
    n_fds = pp_frame_stream_prepare_poll (self->frames, fds, want_out);
  fds[n_fds] = (struct pollfd) { .fd = self->wake_fd, .events = POLLIN };
  g_mutex_unlock (&self->lock);

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
          close_if_broken (self, to_complete);
        }
      if (readable)
        do_read (self, to_complete);
    }

  g_mutex_lock (&self->lock);
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

/* Waits in the calling thread until @call is done, doing the connection's
 * I/O itself when no other thread does: no thread hop, no main loop. */
static void
wait_sync_locked (PpConnection *self,
                  PendingCall  *call,
                  gint64        deadline,
                  GQueue       *to_complete)
{
  while (!call->done)
    {
      gint64 now = deadline >= 0 ? g_get_monotonic_time () : 0;

      if (deadline >= 0 && now >= deadline)
        {
          g_hash_table_remove (self->pending, GUINT_TO_POINTER (call->serial));
          complete_sync_locked (self, call, NULL,
                                g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT,
                                                     _("The call timed out")));
          break;
        }

      if (pp_frame_stream_is_spliced (self->frames) && !self->io_busy &&
          g_main_context_acquire (self->context))
        iterate_context_locked (self, deadline, now);
      else if (try_begin_io_locked (self))
        {
          poll_once_locked (self, deadline, now, to_complete);
          end_io_locked (self);
        }
      else
        wait_for_reader_locked (self, deadline);
    }
}

/* Like pp_connection_call_async(), waiting in the calling thread; on
 * success fills @reply, which the caller clears. */
gboolean
pp_connection_call_sync (PpConnection    *self,
                         PpWireKind       reply_kind,
                         PpFrameBuilder   build,
                         gpointer         build_data,
                         GUnixFDList     *fds,
                         int              timeout_msec,
                         GCancellable    *cancellable,
                         PpReply         *reply,
                         GError         **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  g_autoptr(GBytes) frame = NULL;
  PendingCall call = { 0 };
  gint64 deadline = -1;
  gulong cancel_id = 0;
  GError *local_error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  call.sync = TRUE;
  call.reply_kind = reply_kind;

  if (has_timeout (timeout_msec))
    deadline = g_get_monotonic_time () + (gint64) timeout_msec * 1000;

  g_mutex_lock (&self->lock);
  if (!add_pending_locked (self, &call, error))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  frame = build (call.serial, build_data);
  if (!send_locked (self, frame, fds, TRUE, &local_error))
    {
      g_hash_table_remove (self->pending, GUINT_TO_POINTER (call.serial));
      g_mutex_unlock (&self->lock);
      close_if_broken (self, to_complete);
      complete_calls (self, to_complete);
      pp_reply_clear (&call.reply);
      g_clear_error (&call.error);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_mutex_unlock (&self->lock);
  close_if_broken (self, to_complete);

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (sync_cancelled_cb),
                                       call_ref_new (self, call.serial), call_ref_free);

  g_mutex_lock (&self->lock);
  wait_sync_locked (self, &call, deadline, to_complete);
  g_mutex_unlock (&self->lock);

  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);

  close_if_broken (self, to_complete);
  complete_calls (self, to_complete);

  if (call.error != NULL && reply_kind == PP_WIRE_KIND_RETURN &&
      ((call.error->domain == PP_ERROR && call.error->code == PP_ERROR_TIMED_OUT) ||
       g_error_matches (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    send_cancel (self, call.serial);

  if (call.error != NULL)
    {
      pp_reply_clear (&call.reply);
      g_propagate_error (error, g_steal_pointer (&call.error));
      return FALSE;
    }
  *reply = call.reply;
  return TRUE;
}
