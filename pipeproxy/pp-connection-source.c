/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-connection-gate-private.h"
#include "pp-connection-inbound-private.h"
#include "pp-connection-read-private.h"
#include "pp-connection-send-private.h"

/* The owner context's GSource: it polls the descriptors while the owner
 * may read (see pp-connection-internal.h for when it may not), reads and
 * dispatches in batches, writes what waits, and closes the descriptors
 * once the owner has seen the end. */

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

/* Reads what the source found, unless a synchronous call in another
 * thread is reading: it hands us what is ours, and the source stops
 * polling until it is done so as not to spin. */
static void
read_or_pause_locked (PpConnection *self,
                      GQueue       *to_complete)
{
  if (pp_connection_try_begin_io_locked (self))
    {
      PpFrameReadResult result;

      g_mutex_unlock (&self->lock);
      result = pp_connection_read (self, TRUE, to_complete);
      g_mutex_lock (&self->lock);
      pp_connection_set_read_more_locked (self, result);
      pp_connection_end_io_locked (self);
    }
  else if (!self->source_paused)
    {
      self->source_paused = TRUE;
      pp_connection_update_source_locked (self);
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
      pp_connection_flush_locked (self);
      pp_connection_update_source_locked (self);
    }

  if ((readable || self->read_more) && pp_connection_can_read_locked (self))
    read_or_pause_locked (self, to_complete);

  previous_cork = self->cork_thread;
  self->cork_thread = g_thread_self ();
  self->cork_time = 0;
  g_mutex_unlock (&self->lock);

  pp_connection_close_if_broken (self, to_complete);
  pp_connection_complete_calls (self, to_complete);
  pp_connection_drain_inbound (self);

  g_mutex_lock (&self->lock);
  self->cork_thread = previous_cork;
  if (pp_frame_stream_has_output (self->frames) && !self->closed)
    {
      pp_connection_flush_locked (self);
      pp_connection_update_source_locked (self);
    }
  else if (self->input_stopped)
    {
      /* The queue may have room again */
      pp_connection_update_source_locked (self);
    }
  close_stream_if_done_locked (self);
  g_mutex_unlock (&self->lock);

  pp_connection_close_if_broken (self, to_complete);
  if (pp_connection_complete_calls (self, to_complete))
    pp_connection_drain_inbound (self);

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
  pp_connection_update_source_locked (self);
  g_mutex_unlock (&self->lock);

  g_source_attach ((GSource *) source, self->context);
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
  while ((item = pp_connection_pop_inbound (self)) != NULL)
    {
      if (item->kind == ITEM_COMPLETE)
        pp_connection_dispatch_item (self, item);
      pp_inbound_item_free (item);
    }
}
