/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-inbound-private.h"
#include "pp-connection-read-private.h"
#include "pp-connection-gate-private.h"
#include "pp-error.h"

/* Frames in: the thread with the reader role (the owner context's source,
 * or a thread waiting in a synchronous call) reads them and routes each,
 * a reply to the call it answers, the peer's own messages to the inbound
 * queue. A frame that breaks the protocol closes the connection. */

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
      /* late: the call timed out or was cancelled */
      void (*late_reply) (PpConnection *, gpointer) = self->callbacks.late_reply;
      gpointer user_data = self->user_data;

      g_mutex_unlock (&self->lock);
      if (late_reply != NULL)
        late_reply (self, user_data);
      return PP_FRAME_NEXT;
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
      pp_connection_push_inbound_locked (self, item);
      g_mutex_unlock (&self->lock);
      return PP_FRAME_NEXT;
    }
  g_mutex_unlock (&self->lock);
  pp_pending_call_return (call);
  return PP_FRAME_NEXT;
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
  return pp_connection_route_message (self, header, body, fds, objects, error);
}

/* Takes the I/O role if it is free. Under lock. */
gboolean
pp_connection_try_begin_io_locked (PpConnection *self)
{
  if (self->io_busy)
    return FALSE;
  self->io_busy = TRUE;
  return TRUE;
}

void
pp_connection_end_io_locked (PpConnection *self)
{
  self->io_busy = FALSE;
  if (self->source_paused)
    {
      self->source_paused = FALSE;
      pp_connection_update_source_locked (self);
    }
  pp_connection_broadcast_locked (self);
}

/* Reads and routes input, in a batch for the owner context; closes the
 * connection on failure. Called with the io role held and the lock NOT
 * held; the caller stores whether the stream stopped early (read_more)
 * under the lock. */
PpFrameReadResult
pp_connection_read (PpConnection *self,
                    gboolean      batch,
                    GQueue       *to_complete)
{
  GError *error = NULL;
  PpFrameReadResult result = pp_frame_stream_read (self->frames, batch, route_frame, self,
                                                   &error);

  if (result != PP_FRAME_READ_FAILED)
    return result;

  error = pp_connection_with_end_reason (self, error);

  g_mutex_lock (&self->lock);
  /* Tell a peer that broke the protocol why it is cut off, as the last
   * thing it reads. */
  if (!self->closed && !self->peer_refused && error->domain == PP_ERROR &&
      (error->code == PP_ERROR_PROTOCOL || error->code == PP_ERROR_LIMIT_EXCEEDED))
    {
      g_autoptr(GBytes) frame = pp_wire_encode_error (0, error);

      pp_frame_stream_write_last (self->frames, frame);
    }
  pp_connection_close_locked (self, error, to_complete);
  g_mutex_unlock (&self->lock);
  return result;
}
