/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <poll.h>
#include <unistd.h>

#include "pp-connection-inbound-private.h"
#include "pp-connection-read-private.h"
#include "pp-connection-send-private.h"
#include "pp-connection-gate-private.h"
#include "pp-connection-wait-private.h"

/* The synchronous wait: a caller waits in its own thread, doing the
 * connection's I/O itself when no other thread does (no thread hop, no
 * main loop), or waiting for the thread that reads to hand over its
 * reply. */

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
      result = pp_connection_read (self, FALSE, to_complete);
      g_mutex_lock (&self->lock);
      pp_connection_set_read_more_locked (self, result);
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
            pp_connection_flush_locked (self);
          pp_connection_update_source_locked (self);
          g_mutex_unlock (&self->lock);
          pp_connection_close_if_broken (self, to_complete);
        }
      if (readable)
        result = pp_connection_read (self, FALSE, to_complete);
    }

  g_mutex_lock (&self->lock);
  pp_connection_set_read_more_locked (self, result);
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
  if (pp_connection_try_begin_io_locked (self))
    {
      poll_once_locked (self, -1, 0, to_complete);
      pp_connection_end_io_locked (self);
    }
  else
    wait_for_reader_locked (self, -1);
}

/* The peer's calls back into this side's objects, made while we wait
 * for its answer, served here when this thread may act for the owner
 * context (it owns it, or nobody does): otherwise the peer would wait
 * for us as we wait for it. Lets go of the lock meanwhile. */
static void
serve_nested_locked (PpConnection *self)
{
  InboundItem *item;

  /* Mostly nothing waits: then the context is not even acquired */
  if (self->callbacks.serve_kinds == 0 || self->closed || g_queue_is_empty (&self->inbound) ||
      !g_main_context_acquire (self->context))
    return;
  while (!self->closed &&
         (item = pp_connection_steal_inbound_locked (self, self->callbacks.serve_kinds)) != NULL)
    {
      g_mutex_unlock (&self->lock);
      pp_connection_dispatch_item (self, item);
      pp_inbound_item_free (item);
      g_mutex_lock (&self->lock);
    }
  g_main_context_release (self->context);
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
          pp_call_table_give_up (self->calls, call->serial);
          call->error = pp_connection_timed_out_error ();
          pp_connection_complete_sync_locked (self, call);
          break;
        }

      serve_nested_locked (self);
      if (call->done)
        break;

      if (pp_frame_stream_is_spliced (self->frames) && !self->io_busy &&
          g_main_context_acquire (self->context))
        iterate_context_locked (self, deadline, now);
      else if (pp_connection_try_begin_io_locked (self))
        {
          self->sync_reading = TRUE;
          poll_once_locked (self, deadline, now, to_complete);
          self->sync_reading = FALSE;
          pp_connection_end_io_locked (self);
        }
      else
        wait_for_reader_locked (self, deadline);
    }
}
