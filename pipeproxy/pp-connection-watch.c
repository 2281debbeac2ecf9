/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-connection-inbound-private.h"
#include "pp-connection-internal.h"
#include "pp-connection-wait-private.h"

/* While the owner context is busy in one long synchronous dispatch (a
 * method that takes a cancellable), a thread of a shared pool reads the
 * connection for it, so that a CANCEL of the peer's is acted on at once
 * (PpConnectionCallbacks.cancel). Everything it reads waits in the
 * inbound queue, in order, for the owner context; once that holds
 * WATCH_MAX_INBOUND messages, the watch stops reading, so a peer cannot
 * make it grow without bound while nobody serves it. */

#define WATCH_MAX_INBOUND  256

struct _PpConnectionWatch
{
  PpConnection  *connection;
  PpPendingCall  stop;       /* done when the watch is to end; under the connection's lock */
  GMutex         lock;
  GCond          cond;
  gboolean       finished;   /* under lock */
};

static void
watch_run (gpointer data,
           gpointer pool_data)
{
  PpConnectionWatch *watch = data;
  PpConnection *connection = watch->connection;
  GQueue to_complete[1] = { G_QUEUE_INIT };

  pp_connection_lock (connection);
  while (!watch->stop.done &&
         pp_connection_get_inbound_length (connection) < WATCH_MAX_INBOUND)
    pp_connection_read_once_locked (connection, to_complete);
  pp_connection_unlock (connection);

  pp_connection_close_if_broken (connection, to_complete);
  pp_connection_complete_calls (connection, to_complete);

  g_mutex_lock (&watch->lock);
  watch->finished = TRUE;
  g_cond_signal (&watch->cond);
  g_mutex_unlock (&watch->lock);
}

static GThreadPool *
watch_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (watch_run, NULL, -1, FALSE, NULL));
  return pool;
}

/* Starts reading @self in another thread until pp_connection_watch_end() */
PpConnectionWatch *
pp_connection_watch_begin (PpConnection *self)
{
  PpConnectionWatch *watch = g_new0 (PpConnectionWatch, 1);

  watch->connection = pp_connection_ref (self);
  watch->stop.sync = TRUE;
  g_mutex_init (&watch->lock);
  g_cond_init (&watch->cond);
  g_thread_pool_push (watch_pool (), watch, NULL);
  return watch;
}

/* Stops the reading and waits until it has: what it read is in the
 * inbound queue for the owner context. */
void
pp_connection_watch_end (PpConnectionWatch *watch)
{
  pp_connection_lock (watch->connection);
  pp_connection_complete_sync_locked (watch->connection, &watch->stop);
  pp_connection_unlock (watch->connection);
  pp_connection_wake_reader (watch->connection);

  g_mutex_lock (&watch->lock);
  while (!watch->finished)
    g_cond_wait (&watch->cond, &watch->lock);
  g_mutex_unlock (&watch->lock);

  g_mutex_clear (&watch->lock);
  g_cond_clear (&watch->cond);
  pp_connection_unref (watch->connection);
  g_free (watch);
}
