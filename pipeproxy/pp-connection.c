/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>
#include <sys/eventfd.h>

#include <glib/gi18n-lib.h>

#include "pp-connection-flusher-private.h"
#include "pp-connection-inbound-private.h"
#include "pp-connection-pair-private.h"
#include "pp-connection-internal.h"
#include "pp-connection-gate-private.h"
#include "pp-connection-wait-private.h"
#include "pp-error.h"

/* The connection itself: its lifetime and settings, and closing, which
 * ends every call still waiting. The rest of what it does is in the files
 * pp-connection-internal.h lists. */

PpConnection *
pp_connection_ref (PpConnection *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pp_connection_unref (PpConnection *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_assert (self->source == NULL);
  pp_connection_flusher_forget (self);

  pp_connection_leave_pair (self);
  g_thread_unref (self->thread);

  pp_call_table_free (self->calls);
  g_clear_pointer (&self->request_frames, g_ptr_array_unref);
  pp_frame_stream_free (self->frames);
  g_main_context_unref (self->context);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  /* The items hold their links */
  for (GList *link; (link = g_queue_pop_head_link (&self->inbound)) != NULL;)
    pp_inbound_item_free (link->data);
  g_clear_pointer (&self->latest, g_hash_table_unref);
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
  self->thread = g_thread_ref (g_thread_self ());
  pp_connection_join_pair (self, stream);

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

guint
pp_connection_get_cancel_timeout (PpConnection *self)
{
  guint timeout;

  g_mutex_lock (&self->lock);
  timeout = pp_call_table_get_cancel_timeout (self->calls);
  g_mutex_unlock (&self->lock);
  return timeout;
}

void
pp_connection_set_cancel_timeout (PpConnection *self,
                                  guint         timeout_msec)
{
  g_mutex_lock (&self->lock);
  pp_call_table_set_cancel_timeout (self->calls, timeout_msec);
  g_mutex_unlock (&self->lock);
}

guint
pp_connection_get_n_unanswered (PpConnection *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = pp_call_table_get_n_unanswered (self->calls);
  g_mutex_unlock (&self->lock);
  return n;
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
 * pp-connection-internal.h */
void
pp_connection_set_max_queued_input (PpConnection *self,
                                    gsize         size)
{
  g_mutex_lock (&self->lock);
  self->max_queued_input = size;
  pp_connection_update_source_locked (self);
  g_mutex_unlock (&self->lock);
}

/* How many bytes may wait to be sent to the peer */
void
pp_connection_set_max_queued_output (PpConnection *self,
                                     gsize         size)
{
  g_mutex_lock (&self->lock);
  pp_frame_stream_set_max_queued_output (self->frames, size);
  pp_connection_update_source_locked (self);
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
  pp_connection_update_source_locked (self);
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
  pp_connection_update_source_locked (self);
  g_mutex_unlock (&self->lock);
}

void
pp_connection_broadcast_locked (PpConnection *self)
{
  if (self->n_cond_waiters > 0)
    g_cond_broadcast (&self->cond);
}

GError *
pp_connection_disconnected_error (PpConnection *self)
{
  if (self->close_error != NULL)
    return g_error_copy (self->close_error);
  return g_error_new_literal (PP_ERROR, PP_ERROR_DISCONNECTED, _("The connection is closed"));
}

/* A synchronous call's waiter takes its end (call->reply or call->error)
 * from where it waits. */
void
pp_connection_complete_sync_locked (PpConnection  *self,
                                    PpPendingCall *call)
{
  call->done = TRUE;
  pp_connection_broadcast_locked (self);
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
        call->error = pp_connection_disconnected_error (self);
      pp_pending_call_return (call);
    }
  return any;
}

void
pp_connection_close_locked (PpConnection *self,
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
  self->cork_armed = FALSE;
  pp_connection_flusher_disarm (self);

  item = g_new0 (InboundItem, 1);
  item->kind = ITEM_CLOSED;
  item->error = g_error_copy (self->close_error);
  pp_connection_push_inbound_locked (self, item);

  /* Nothing more is read or written: stop polling, or a shut-down socket
   * would keep the context busy. */
  pp_connection_update_source_locked (self);

  pp_connection_broadcast_locked (self);
  pp_connection_wake_reader (self);
}

void
pp_connection_close (PpConnection *self,
                     const GError *error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };

  g_mutex_lock (&self->lock);
  pp_connection_close_locked (self, error ? g_error_copy (error) : NULL, to_complete);
  g_mutex_unlock (&self->lock);

  pp_connection_complete_calls (self, to_complete);
}

/* A write failed: the connection is broken. It is closed by
 * pp_connection_close_if_broken() once the lock is let go, since finding
 * out why the peer went away (end_reason) may take a moment. Until then
 * calls stay pending, so they end with that reason. */
void
pp_connection_note_broken_locked (PpConnection *self,
                                  GError       *error)
{
  if (self->broken_error == NULL && !self->closed)
    self->broken_error = error;
  else
    g_error_free (error);
}

GError *
pp_connection_with_end_reason (PpConnection *self,
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

  error = pp_connection_with_end_reason (self, error);
  g_mutex_lock (&self->lock);
  pp_connection_close_locked (self, error, to_complete);
  g_mutex_unlock (&self->lock);
}

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
      g_propagate_error (error, pp_connection_disconnected_error (self));
      return FALSE;
    }
  return pp_call_table_add (self->calls, call, error);
}
