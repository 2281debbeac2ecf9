/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-flusher-private.h"
#include "pp-connection-gate-private.h"
#include "pp-connection-send-private.h"
#include "pp-error.h"

/* Frames out: queued under the connection's lock and written as far as
 * the peer takes them; past the output limit a call is refused and
 * anything else breaks the connection (see pp-connection-internal.h). */

/* How long the owner context, while it dispatches a batch of messages,
 * holds what it sends after its last write: a burst of replies goes out
 * in one write, and a long method's signals leave while it runs, at most
 * this late (the flusher writes them if the method does not send again). */
#define CORK_USEC  5000

/* Returns FALSE if the connection broke (see pp_connection_note_broken_locked()). */
gboolean
pp_connection_flush_locked (PpConnection *self)
{
  GError *error = NULL;

  if (pp_frame_stream_flush (self->frames, &error))
    return TRUE;
  pp_connection_note_broken_locked (self, error);
  return FALSE;
}

/* Writes what waits; the source polls for what the peer does not take
 * yet. @was_empty: whether nothing waited before the frame just queued. */
static void
write_locked (PpConnection *self,
              gboolean      was_empty)
{
  if (!pp_connection_flush_locked (self))
    return;

  if (was_empty != !pp_frame_stream_has_output (self->frames) ||
      self->input_throttled != pp_connection_output_throttles_locked (self))
    pp_connection_update_source_locked (self);
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
  pp_connection_note_broken_locked (self, g_error_copy (local_error));
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

static gboolean
check_open_locked (PpConnection  *self,
                   GError       **error)
{
  if (self->closed || self->broken_error != NULL)
    {
      g_propagate_error (error, self->closed ? pp_connection_disconnected_error (self)
                                             : g_error_copy (self->broken_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
pp_connection_check_request_locked (PpConnection  *self,
                                    GError       **error)
{
  return check_open_locked (self, error) && check_output_locked (self, TRUE, error);
}

/* Queues the frame in @pieces (see pp_wire_gather()) and writes what
 * the peer takes; see pp-connection-internal.h for what happens past the
 * output limit, unless the request it belongs to was @checked against it
 * already. Returns FALSE with @error if the frame was not queued. */
gboolean
pp_connection_send_locked (PpConnection   *self,
                           GBytes * const *pieces,
                           guint           n_pieces,
                           GUnixFDList    *fds,
                           gboolean        is_call,
                           gboolean        checked,
                           GError        **error)
{
  gboolean was_empty;

  if (!check_open_locked (self, error))
    return FALSE;

  /* Nothing waits, mostly: the frame is written at once */
  was_empty = !pp_frame_stream_has_output (self->frames);
  if (was_empty)
    {
      if (!pp_frame_stream_queue (self->frames, pieces, n_pieces, fds, error))
        return FALSE;
    }
  else if (is_property_frame (pieces[0], fds))
    {
      /* A newer value of a property takes the place of one still
       * waiting, as one piece: a big value is copied only when it has to
       * wait */
      g_autoptr(GBytes) frame = pp_wire_join (pieces, n_pieces);

      if (pp_frame_stream_replace_latest (self->frames, frame))
        return TRUE;
      if (!check_output_locked (self, is_call, error))
        return FALSE;
      pp_frame_stream_queue_latest (self->frames, frame);
    }
  else if ((!checked && !check_output_locked (self, is_call, error)) ||
           !pp_frame_stream_queue (self->frames, pieces, n_pieces, fds, error))
    return FALSE;

  /* While the owner context dispatches a batch of messages, the first
   * thing it sends is written at once, and what follows within CORK_USEC
   * only queued, to be written with what comes after that, when the
   * batch is done, or by the flusher once CORK_USEC has passed, whichever
   * comes first. */
  if (self->cork_thread == g_thread_self ())
    {
      gint64 now = g_get_monotonic_time ();

      if (now - self->cork_time < CORK_USEC)
        {
          if (!self->cork_armed)
            {
              self->cork_armed = TRUE;
              pp_connection_flusher_arm (self, self->cork_time + CORK_USEC,
                                     pp_connection_write_corked);
            }
          return TRUE;
        }
      self->cork_time = now;
    }

  write_locked (self, was_empty);
  return TRUE;
}

/* The flusher's turn (see pp-connection-flusher.c): writes what the owner
 * context corked if CORK_USEC passed since its last write, or arms the
 * flusher again for then if it wrote meanwhile. Only while the owner's
 * batch runs: its end writes what waits, and closes the connection if
 * this write broke it. */
void
pp_connection_write_corked (PpConnection *self)
{
  g_mutex_lock (&self->lock);
  self->cork_armed = FALSE;
  if (self->cork_thread != NULL && !self->closed && self->broken_error == NULL &&
      pp_frame_stream_has_output (self->frames))
    {
      gint64 now = g_get_monotonic_time ();

      if (now - self->cork_time < CORK_USEC)
        {
          self->cork_armed = TRUE;
          pp_connection_flusher_arm (self, self->cork_time + CORK_USEC,
                                     pp_connection_write_corked);
        }
      else
        {
          self->cork_time = now;
          write_locked (self, FALSE);
        }
    }
  g_mutex_unlock (&self->lock);
}

/* Sends the frames in @frames (GBytes), each in one or more pieces (see
 * pp_wire_gather()), the last one with @fds */
gboolean
pp_connection_send_frames_locked (PpConnection  *self,
                                  GPtrArray     *frames,
                                  GUnixFDList   *fds,
                                  gboolean       is_call,
                                  GError       **error)
{
  GBytes **pieces = (GBytes **) frames->pdata;

  /* A request goes whole or not at all: the frames that introduce its
   * objects (see pp-exports.c) never go without it */
  if (is_call && frames->len > 0 && !pp_connection_check_request_locked (self, error))
    return FALSE;
  for (guint i = 0; i < frames->len;)
    {
      guint n = pp_wire_frame_n_pieces (pieces + i, frames->len - i);

      if (!pp_connection_send_locked (self, pieces + i, n, i + n == frames->len ? fds : NULL,
                                      is_call, is_call, error))
        return FALSE;
      i += n;
    }
  return TRUE;
}

gboolean
pp_connection_send (PpConnection  *self,
                    GBytes        *frame,
                    GError       **error)
{
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_ptr_array_add (frames, g_bytes_ref (frame));
  return pp_connection_send_with_fds (self, frames, NULL, error);
}

/* Sends @frames (see pp_connection_send_frames_locked()) with the
 * descriptors in @fds (which the last frame's 'h' values index); fails
 * with PP_ERROR_UNSUPPORTED_TYPE where they cannot pass. */
gboolean
pp_connection_send_with_fds (PpConnection  *self,
                             GPtrArray     *frames,
                             GUnixFDList   *fds,
                             GError       **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  gboolean ret;

  g_mutex_lock (&self->lock);
  ret = pp_connection_send_frames_locked (self, frames, fds, FALSE, error);
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
      g_propagate_error (error, pp_connection_disconnected_error (self));
      ret = FALSE;
    }
  else
    ret = build (frames, build_data, error);
  if (ret)
    ret = pp_connection_send_frames_locked (self, frames, fds, FALSE, error);
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
  pp_connection_close_locked (self, g_error_copy (error), to_complete);
  g_mutex_unlock (&self->lock);

  pp_connection_complete_calls (self, to_complete);
}
