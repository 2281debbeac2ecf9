/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "pp-connection-pair-private.h"
#include "pp-error.h"
#include "pp-stream-private.h"

/* A connection on an end of a pair that pp_stream_new_pair() made in this
 * process knows the connection on the other end, if there is one. A
 * synchronous call to it can never be answered when the only thread that
 * could dispatch that connection's main context is the one that waits:
 * such a call fails at once instead of waiting for its time-out. */

/* Guards what the pairs' users[] point to: a connection leaves its pair
 * before it is freed. */
G_LOCK_DEFINE_STATIC (pairs);

/* Called once, as @self is made on @stream */
void
pp_connection_join_pair (PpConnection *self,
                         GIOStream    *stream)
{
  PpStreamPair *pair;
  guint end;

  pair = pp_stream_get_pair (stream, &end);
  if (pair == NULL || pair->pid != getpid ())
    return;

  self->pair = pp_stream_pair_ref (pair);
  self->pair_end = end;
  G_LOCK (pairs);
  pair->users[end] = self;
  G_UNLOCK (pairs);
}

/* Called once, before @self is freed */
void
pp_connection_leave_pair (PpConnection *self)
{
  if (self->pair == NULL)
    return;

  /* A forked child's copy stays as it is: the lock may have been held by
   * a thread that is not there. */
  if (self->pair->pid == getpid ())
    {
      G_LOCK (pairs);
      if (self->pair->users[self->pair_end] == self)
        self->pair->users[self->pair_end] = NULL;
      G_UNLOCK (pairs);
    }
  g_clear_pointer (&self->pair, pp_stream_pair_unref);
}

/* The main context that dispatches the connection on the other end of
 * @self's pair, and the thread that made it; NULL when there is none in
 * this process, or it is closed or not started. */
static GMainContext *
dup_peer_context (PpConnection  *self,
                  GThread      **out_thread)
{
  GMainContext *context = NULL;
  PpConnection *peer;

  G_LOCK (pairs);
  peer = self->pair->users[1 - self->pair_end];
  if (peer != NULL)
    {
      g_mutex_lock (&peer->lock);
      if (peer->source != NULL && !peer->closed)
        {
          context = g_main_context_ref (peer->context);
          *out_thread = g_thread_ref (peer->thread);
        }
      g_mutex_unlock (&peer->lock);
    }
  G_UNLOCK (pairs);
  return context;
}

/* Whether the calling thread is the only one that could dispatch
 * @context: it is in it now, or it made the connection there and nobody
 * is in it. */
static gboolean
only_caller_dispatches (GMainContext *context,
                        GThread      *thread)
{
  if (g_main_context_is_owner (context))
    return TRUE;
  if (thread != g_thread_self () || !g_main_context_acquire (context))
    return FALSE;
  g_main_context_release (context);
  return TRUE;
}

/* Fails with PP_ERROR_WOULD_DEADLOCK when a synchronous call from the
 * calling thread could never be answered, because the peer is served in
 * this process by a main context only this thread could dispatch. */
gboolean
pp_connection_check_peer_served (PpConnection  *self,
                                 GError       **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GThread) thread = NULL;

  /* Nothing to do for the usual case, a peer in another process */
  if (self->pair == NULL || self->pair->pid != getpid ())
    return TRUE;

  context = dup_peer_context (self, &thread);
  if (context == NULL || !only_caller_dispatches (context, thread))
    return TRUE;

  g_set_error_literal (error, PP_ERROR, PP_ERROR_WOULD_DEADLOCK,
                       _("This synchronous call could never be answered: the listener that "
                         "must answer it runs in this process, in a main context that only the "
                         "calling thread can dispatch. Make the call asynchronously, or serve "
                         "the listener from another thread with a main context of its own"));
  return FALSE;
}
