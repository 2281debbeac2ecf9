/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pp-pool-queue-private.h"

PpPoolCallData *
pp_pool_call_data_new (const char  *method,
                       GVariant    *parameters,
                       GUnixFDList *fd_list,
                       GPtrArray   *in_objects,
                       int          timeout_msec,
                       gint64       deadline)
{
  PpPoolCallData *call = g_new0 (PpPoolCallData, 1);

  call->method = g_strdup (method);
  call->parameters = parameters ? g_variant_ref_sink (parameters) : NULL;
  call->fd_list = fd_list ? g_object_ref (fd_list) : NULL;
  call->in_objects = in_objects ? g_ptr_array_ref (in_objects) : NULL;
  call->timeout_msec = timeout_msec;
  call->deadline = deadline;
  return call;
}

void
pp_pool_call_data_free (gpointer data)
{
  PpPoolCallData *call = data;

  g_free (call->method);
  g_clear_pointer (&call->parameters, g_variant_unref);
  g_clear_object (&call->fd_list);
  g_clear_pointer (&call->in_objects, g_ptr_array_unref);
  g_warn_if_fail (call->worker == NULL && call->link == NULL &&
                  call->timeout_source == NULL && call->cancel_source == NULL);
  g_free (call);
}

gint64
pp_pool_call_data_msec_left (PpPoolCallData *call)
{
  return (call->deadline - g_get_monotonic_time () + 999) / 1000;
}

/* A call leaves the queue. Under the lock. */
static void
unqueue (PpPool         *self,
         PpPoolCallData *call)
{
  g_queue_delete_link (&self->queue, call->link);
  call->link = NULL;
  pp_pool_clear_source (&call->timeout_source);
  pp_pool_clear_source (&call->cancel_source);
}

/* A queued call timed out or was cancelled, in its caller's context */
static gboolean
queued_call_expired (GTask  *task,
                     GError *error)
{
  PpPool *self = g_task_get_source_object (task);
  PpPoolCallData *call = g_task_get_task_data (task);
  gboolean queued;

  g_mutex_lock (&self->lock);
  queued = call->link != NULL;
  if (queued)
    unqueue (self, call);
  g_mutex_unlock (&self->lock);

  if (queued)
    {
      g_task_return_error (task, error);
      g_object_unref (task);  /* the queue's */
    }
  else
    {
      g_error_free (error);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
queued_call_timed_out (gpointer user_data)
{
  return queued_call_expired (user_data, g_error_new_literal (PP_ERROR, PP_ERROR_TIMED_OUT,
                                                              _("The call timed out")));
}

static gboolean
queued_call_cancelled (GCancellable *cancellable,
                       gpointer      user_data)
{
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  return queued_call_expired (user_data, error);
}

/* Its time-out counts from when it was made; both run in its caller's
 * context */
static void
watch_deadline_and_cancellable (GTask          *task,
                                PpPoolCallData *call)
{
  GMainContext *context = g_task_get_context (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (call->deadline != G_MAXINT64)
    {
      gint64 left = pp_pool_call_data_msec_left (call);

      call->timeout_source = g_timeout_source_new ((guint) CLAMP (left, 0, G_MAXINT));
      g_source_set_static_name (call->timeout_source, "[pipeproxy] queued call time-out");
      g_source_set_callback (call->timeout_source, queued_call_timed_out,
                             g_object_ref (task), g_object_unref);
      g_source_attach (call->timeout_source, context);
    }
  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (call->cancel_source, "[pipeproxy] queued call cancel");
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (queued_call_cancelled),
                             g_object_ref (task), g_object_unref);
      g_source_attach (call->cancel_source, context);
    }
}

gboolean
pp_pool_queue_push (PpPool  *self,
                    GTask   *task,
                    GError **error)
{
  PpPoolCallData *call = g_task_get_task_data (task);
  guint max = pp_options_get_max_pending_calls (self->options);

  if (self->queue.length >= max)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("Too many calls are waiting for a worker (%u)"), max);
      return FALSE;
    }

  g_queue_push_tail (&self->queue, g_object_ref (task));
  call->link = self->queue.tail;
  watch_deadline_and_cancellable (task, call);
  return TRUE;
}

GTask *
pp_pool_queue_pop (PpPool *self)
{
  GTask *task = g_queue_peek_head (&self->queue);

  if (task != NULL)
    unqueue (self, g_task_get_task_data (task));
  return task;
}

void
pp_pool_queue_take_all (PpPool    *self,
                        GPtrArray *tasks)
{
  GTask *task;

  while ((task = pp_pool_queue_pop (self)) != NULL)
    g_ptr_array_add (tasks, task);
}

void
pp_pool_queue_fail (GPtrArray    *tasks,
                    const GError *error)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}
