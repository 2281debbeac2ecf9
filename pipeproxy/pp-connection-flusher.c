/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-connection-flusher-private.h"

/* The flusher: one thread for the process, started by the first
 * connection that corks its output (see pp-connection-send.c). The owner
 * context writes what it corked with the next thing it sends, or when its
 * batch is done; a method that emits a signal and then works for a while
 * does neither, so a connection that corks is armed here with the moment
 * its output is due, and the thread writes it then
 * (pp_connection_write_corked(), the function it is armed with) unless
 * the owner did.
 *
 * A connection is armed at most once at a time, and the flusher holds no
 * reference to it: a connection leaves when it closes, and its
 * finalization waits while the thread writes it and takes it out. So the
 * thread never touches a finalized connection, nor finalizes one. Its
 * lock is taken after a connection's lock, never before: the thread lets
 * go of it before it writes. */

typedef struct
{
  GMutex        lock;
  GCond         cond;       /* the thread waits on it for what is due */
  GCond         done_cond;  /* a finalization waits on it for current */
  GThread      *thread;     /* set once */

  /* Under lock */
  GQueue        armed;      /* PpConnection, linked by their flush_link */
  gint64        wake_at;    /* when the thread wakes unless signalled */
  PpConnection *current;    /* the one it writes */
  guint         n_forgetting;
} Flusher;

/* Static GMutex and GCond need no initialization */
static Flusher flusher;

static PpConnection *
next_due_locked (void)
{
  PpConnection *due = NULL;

  for (GList *l = flusher.armed.head; l != NULL; l = l->next)
    {
      PpConnection *connection = l->data;

      if (due == NULL || connection->flush_at < due->flush_at)
        due = connection;
    }
  return due;
}

static void
unlink_locked (PpConnection *connection)
{
  if (!connection->flush_queued)
    return;
  g_queue_unlink (&flusher.armed, &connection->flush_link);
  connection->flush_queued = FALSE;
}

static gpointer
flusher_run (gpointer data)
{
  g_mutex_lock (&flusher.lock);
  for (;;)
    {
      PpConnection *due = next_due_locked ();

      if (due == NULL)
        {
          flusher.wake_at = G_MAXINT64;
          g_cond_wait (&flusher.cond, &flusher.lock);
          continue;
        }
      if (g_get_monotonic_time () < due->flush_at)
        {
          flusher.wake_at = due->flush_at;
          g_cond_wait_until (&flusher.cond, &flusher.lock, due->flush_at);
          continue;
        }

      /* Busy: whatever is armed meanwhile is seen before the next wait */
      unlink_locked (due);
      flusher.current = due;
      flusher.wake_at = G_MININT64;
      g_mutex_unlock (&flusher.lock);

      due->flush_func (due);

      g_mutex_lock (&flusher.lock);
      flusher.current = NULL;
      if (flusher.n_forgetting > 0)
        g_cond_broadcast (&flusher.done_cond);
    }
  return NULL;
}

void
pp_connection_flusher_arm (PpConnection          *self,
                           gint64                 at,
                           PpConnectionFlushFunc  func)
{
  if (g_once_init_enter (&flusher.thread))
    g_once_init_leave (&flusher.thread, g_thread_new ("pp-flusher", flusher_run, NULL));

  g_mutex_lock (&flusher.lock);
  if (!self->flush_queued)
    {
      self->flush_queued = TRUE;
      self->flush_at = at;
      self->flush_func = func;
      self->flush_link.data = self;
      g_queue_push_tail_link (&flusher.armed, &self->flush_link);
      if (at < flusher.wake_at)
        g_cond_signal (&flusher.cond);
    }
  g_mutex_unlock (&flusher.lock);
}

void
pp_connection_flusher_disarm (PpConnection *self)
{
  if (g_atomic_pointer_get (&flusher.thread) == NULL)
    return;

  g_mutex_lock (&flusher.lock);
  unlink_locked (self);
  g_mutex_unlock (&flusher.lock);
}

void
pp_connection_flusher_forget (PpConnection *self)
{
  if (g_atomic_pointer_get (&flusher.thread) == NULL)
    return;

  g_mutex_lock (&flusher.lock);
  flusher.n_forgetting++;
  while (flusher.current == self)
    g_cond_wait (&flusher.done_cond, &flusher.lock);
  flusher.n_forgetting--;
  /* Writing it may have armed it again */
  unlink_locked (self);
  g_mutex_unlock (&flusher.lock);
}
