/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-internal.h"
#include "pp-connection-pair-private.h"
#include "pp-connection-send-private.h"
#include "pp-connection-wait-private.h"
#include "pp-error.h"

/* Making calls: a request goes out with a serial, and the call ends once,
 * with its reply, an ERROR, its time-out, its cancellation (the peer is
 * told with a CANCEL) or the end of the connection. An asynchronous call
 * ends in its task's context; a synchronous one waits in the calling
 * thread. */

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

static PpPendingCall *
give_up_call (PpConnection *self,
              guint32       serial)
{
  PpPendingCall *call;

  pp_connection_lock (self);
  call = pp_call_table_give_up (pp_connection_get_calls (self), serial);
  pp_connection_unlock (self);
  return call;
}

/* The peer did not answer a call given up on within the cancel time-out:
 * the connection closes, with the owner's reason (a worker it stopped) */
static gboolean
cancel_timer_cb (gpointer data)
{
  CallRef *ref = data;
  PpConnection *self = ref->connection;
  PpCancelUnansweredFunc unanswered = NULL;
  gpointer user_data = NULL;
  GError *error = NULL;
  gboolean expired;
  guint timeout;

  pp_connection_lock (self);
  expired = pp_call_table_take_unanswered (pp_connection_get_calls (self), ref->serial);
  timeout = pp_call_table_get_cancel_timeout (pp_connection_get_calls (self));
  unanswered = self->callbacks.cancel_unanswered;
  user_data = self->user_data;
  pp_connection_unlock (self);

  if (!expired)
    return G_SOURCE_REMOVE;
  if (unanswered != NULL)
    error = unanswered (self, timeout, user_data);
  if (error == NULL)
    error = g_error_new (PP_ERROR, PP_ERROR_DISCONNECTED,
                         _("The connection was closed because the peer did not answer a "
                           "cancel within %u ms"), timeout);
  g_debug ("%s", error->message);
  pp_connection_close (self, error);
  g_error_free (error);
  return G_SOURCE_REMOVE;
}

/* Tells the peer to stop working on a call given up on, and with a cancel
 * time-out, waits that long for its answer in the owner context */
static void
send_cancel (PpConnection *self,
             guint32       serial)
{
  g_autoptr(GBytes) frame = pp_wire_encode (PP_WIRE_KIND_CANCEL, PP_WIRE_FLAGS_NO_REPLY,
                                            serial, 0, g_variant_new ("()"));
  PpCallTable *calls = pp_connection_get_calls (self);
  GSource *timer;

  pp_connection_send (self, frame, NULL);

  pp_connection_lock (self);
  if (pp_call_table_get_cancel_timeout (calls) == 0)
    {
      pp_connection_unlock (self);
      return;
    }
  timer = g_timeout_source_new (pp_call_table_get_cancel_timeout (calls));
  g_source_set_static_name (timer, "[pipeproxy] cancel time-out");
  g_source_set_callback (timer, cancel_timer_cb, call_ref_new (self, serial), call_ref_free);
  if (pp_call_table_set_cancel_timer (calls, serial, timer))
    g_source_attach (timer, pp_connection_get_context (self));
  pp_connection_unlock (self);
  g_source_unref (timer);
}

static GError *
cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The call was cancelled"));
}

/* Ends an asynchronous call that still waits, and tells the peer to stop
 * working on it. */
static void
give_up_async (CallRef  *ref,
               gboolean  timed_out)
{
  PpPendingCall *call = give_up_call (ref->connection, ref->serial);

  if (call == NULL)
    return;

  /* The time-out source is the one running, and goes by itself. */
  if (timed_out)
    g_clear_pointer (&call->timeout_source, g_source_unref);
  send_cancel (ref->connection, ref->serial);
  call->error = timed_out ? pp_connection_timed_out_error () : cancelled_error ();
  pp_pending_call_return (call);
}

static gboolean
async_timeout_cb (gpointer data)
{
  give_up_async (data, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
async_cancelled_idle_cb (gpointer data)
{
  give_up_async (data, FALSE);
  return G_SOURCE_REMOVE;
}

static void
async_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  CallRef *ref = data;
  GMainContext *context = NULL;
  PpPendingCall *call;
  GSource *idle;

  /* Disconnecting a handler from inside it would deadlock, so the call
   * ends in an idle in the caller's context. */
  pp_connection_lock (ref->connection);
  call = pp_call_table_lookup (pp_connection_get_calls (ref->connection), ref->serial);
  if (call != NULL)
    context = g_task_get_context (call->task);
  pp_connection_unlock (ref->connection);

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

/* The request and what must go right before it, under the lock */
static gboolean
send_request_locked (PpConnection    *self,
                     PpFrameBuilder   build,
                     gpointer         build_data,
                     guint32          serial,
                     GUnixFDList     *fds,
                     GError         **error)
{
  GPtrArray *frames;
  gboolean ok;

  /* One array for all requests, emptied after each: the lock is held */
  if (self->request_frames == NULL)
    self->request_frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  frames = self->request_frames;

  ok = build (frames, serial, build_data, error) &&
       pp_connection_send_frames_locked (self, frames, fds, TRUE, error);
  g_ptr_array_set_size (frames, 0);
  return ok;
}

/* The call with @serial ends when @cancellable is cancelled, unless it
 * has ended already. */
static void
connect_async_cancellable (PpConnection *self,
                           guint32       serial,
                           GCancellable *cancellable)
{
  gulong id = g_cancellable_connect (cancellable, G_CALLBACK (async_cancelled_cb),
                                     call_ref_new (self, serial), call_ref_free);
  PpPendingCall *call;

  pp_connection_lock (self);
  call = pp_call_table_lookup (pp_connection_get_calls (self), serial);
  if (call != NULL)
    call->cancel_id = id;
  pp_connection_unlock (self);
  if (call == NULL)
    g_cancellable_disconnect (cancellable, id);
}

/* Sends the request @build makes and completes a GTask with @source_object
 * and @source_tag (so the caller's _finish can check them) when the reply
 * of @reply_kind, an ERROR, the time-out, cancellation or the end of the
 * connection comes; @callback runs in the thread-default main context.
 * Finish with pp_connection_call_finish(). */
void
pp_connection_call_async (PpConnection        *self,
                          PpWireKind           reply_kind,
                          const GVariantType  *reply_type,
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
  GTask *task;
  PpPendingCall *call;
  GError *error = NULL;
  guint32 serial;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  call = pp_pending_call_new_async (reply_kind, reply_type, task);

  pp_connection_lock (self);
  if (!pp_connection_add_call_locked (self, call, &error))
    {
      pp_connection_unlock (self);
      call->error = error;
      pp_pending_call_return (call);
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

  if (!send_request_locked (self, build, build_data, serial, fds, &error))
    {
      /* Either the call is still ours to end, or closing took it. */
      if (pp_call_table_steal (pp_connection_get_calls (self), serial) != NULL)
        {
          pp_connection_unlock (self);
          call->error = error;
          pp_pending_call_return (call);
          pp_connection_close_if_broken (self, to_complete);
          pp_connection_complete_calls (self, to_complete);
          return;
        }
      g_clear_error (&error);
    }
  pp_connection_unlock (self);

  pp_connection_close_if_broken (self, to_complete);
  pp_connection_complete_calls (self, to_complete);

  /* Connected last: if @cancellable is already cancelled the handler runs
   * right here, and the call must exist by then. */
  if (cancellable != NULL)
    connect_async_cancellable (self, serial, cancellable);
}

/* Takes the reply of a call made with pp_connection_call_async(). */
gboolean
pp_connection_call_finish (GAsyncResult  *result,
                           PpReply       *reply,
                           GError       **error)
{
  return pp_pending_call_finish (result, reply, error);
}

static void
sync_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  CallRef *ref = data;
  PpConnection *self = ref->connection;
  PpPendingCall *call;

  pp_connection_lock (self);
  call = pp_call_table_give_up (pp_connection_get_calls (self), ref->serial);
  if (call != NULL)
    {
      call->error = cancelled_error ();
      pp_connection_complete_sync_locked (self, call);
      pp_connection_wake_reader (self);
    }
  pp_connection_unlock (self);
}

/* Like pp_connection_call_async(), waiting in the calling thread; on
 * success fills @reply, which the caller clears. */
gboolean
pp_connection_call_sync (PpConnection        *self,
                         PpWireKind           reply_kind,
                         const GVariantType  *reply_type,
                         PpFrameBuilder       build,
                         gpointer             build_data,
                         GUnixFDList         *fds,
                         int                  timeout_msec,
                         GCancellable        *cancellable,
                         PpReply             *reply,
                         GError             **error)
{
  GQueue to_complete[1] = { G_QUEUE_INIT };
  PpPendingCall call = { 0 };
  gint64 deadline = -1;
  gulong cancel_id = 0;
  GError *local_error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !pp_connection_check_peer_served (self, error))
    return FALSE;

  call.sync = TRUE;
  call.reply_kind = reply_kind;
  call.reply_type = reply_type;

  if (has_timeout (timeout_msec))
    deadline = g_get_monotonic_time () + (gint64) timeout_msec * 1000;

  pp_connection_lock (self);
  if (!pp_connection_add_call_locked (self, &call, error))
    {
      pp_connection_unlock (self);
      return FALSE;
    }

  if (!send_request_locked (self, build, build_data, call.serial, fds, &local_error))
    {
      pp_call_table_steal (pp_connection_get_calls (self), call.serial);
      pp_connection_unlock (self);
      pp_connection_close_if_broken (self, to_complete);
      pp_connection_complete_calls (self, to_complete);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  pp_connection_unlock (self);
  pp_connection_close_if_broken (self, to_complete);

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (sync_cancelled_cb),
                                       call_ref_new (self, call.serial), call_ref_free);

  pp_connection_lock (self);
  pp_connection_wait_sync_locked (self, &call, deadline, to_complete);
  pp_connection_unlock (self);

  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);

  pp_connection_close_if_broken (self, to_complete);
  pp_connection_complete_calls (self, to_complete);

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
