/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-connection-gate-private.h"

/* Whether the owner context may read: the one state that reading,
 * sending, the synchronous wait and the owner's source all change and
 * all consult, kept here below them, with what tells the source. */

/* A side that answers requests stops reading them while more than half
 * the output limit waits: the rest is room for the answers of the calls
 * in flight and for signals */
gboolean
pp_connection_output_throttles_locked (PpConnection *self)
{
  return self->callbacks.request_kinds != 0 &&
         pp_frame_stream_get_queued_output (self->frames) >
           pp_frame_stream_get_max_queued_output (self->frames) / 2;
}

/* Whether the owner context may read now; see pp-connection-internal.h */
gboolean
pp_connection_can_read_locked (PpConnection *self)
{
  return !self->closed && !self->source_paused && !self->input_throttled &&
         self->queued_input < self->max_queued_input &&
         (guint) g_atomic_int_get (&self->requests) < self->max_requests;
}

void
pp_connection_update_source_locked (PpConnection *self)
{
  gboolean can_read;
  gboolean ready;

  self->input_throttled = pp_connection_output_throttles_locked (self);
  can_read = pp_connection_can_read_locked (self);
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
void
pp_connection_set_read_more_locked (PpConnection      *self,
                                    PpFrameReadResult  result)
{
  gboolean more = result == PP_FRAME_READ_MORE;

  if (!more && !self->read_more)
    return;
  self->read_more = more;
  pp_connection_update_source_locked (self);
}
