/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "pp-call-table-private.h"
#include "pp-marshal-private.h"
#include "pp-error.h"

struct _PpCallTable
{
  GHashTable *calls;            /* serial → PpPendingCall */
  guint32     next_serial;
  gboolean    serials_wrapped;
  guint       max_calls;
  guint       cancel_timeout;
  GHashTable *unanswered;       /* serial → GSource of its timer, or NULL */
};

void
pp_reply_clear (PpReply *reply)
{
  g_clear_pointer (&reply->value, g_variant_unref);
  g_clear_object (&reply->fds);
  g_clear_pointer (&reply->objects, g_ptr_array_unref);
}

/* Calls ----------------------------------------------------------------- */

PpPendingCall *
pp_pending_call_new_async (PpWireKind          reply_kind,
                           const GVariantType *reply_type,
                           GTask              *task)
{
  PpPendingCall *call = g_new0 (PpPendingCall, 1);

  call->reply_kind = reply_kind;
  call->reply_type = reply_type;
  call->task = task;
  return call;
}

void
pp_pending_call_free (PpPendingCall *call)
{
  g_clear_object (&call->task);
  pp_reply_clear (&call->reply);
  g_clear_error (&call->error);
  g_free (call);
}

/* Takes what the frame @header and @body that answer @call say. */
void
pp_pending_call_take_reply (PpPendingCall      *call,
                            const PpWireHeader *header,
                            GVariant           *body,
                            GPtrArray          *objects,
                            GUnixFDList        *fds)
{
  if (header->kind == PP_WIRE_KIND_ERROR)
    {
      call->error = pp_wire_decode_error (body);
      return;
    }

  /* pp_call_table_find_answered() took a RETURN's result */
  if (header->kind != PP_WIRE_KIND_RETURN)
    call->reply.value = g_variant_ref (body);
  if (fds != NULL)
    call->reply.fds = g_object_ref (fds);
  if (objects != NULL)
    call->reply.objects = g_ptr_array_ref (objects);
}

/* Ends an asynchronous call that left the table: its task returns the
 * error, or the call itself, so that the reply needs no allocation of its
 * own (see pp_pending_call_finish()). Not under the lock. */
void
pp_pending_call_return (PpPendingCall *call)
{
  g_autoptr(GTask) task = g_steal_pointer (&call->task);

  if (call->timeout_source != NULL)
    {
      g_source_destroy (call->timeout_source);
      g_clear_pointer (&call->timeout_source, g_source_unref);
    }
  if (call->cancel_id != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (task), call->cancel_id);
      call->cancel_id = 0;
    }

  if (call->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&call->error));
      pp_pending_call_free (call);
      return;
    }
  g_task_return_pointer (task, call, (GDestroyNotify) pp_pending_call_free);
}

/* Takes the reply of a call that pp_pending_call_return() ended. */
gboolean
pp_pending_call_finish (GAsyncResult  *result,
                        PpReply       *reply,
                        GError       **error)
{
  PpPendingCall *call;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (reply != NULL, FALSE);

  call = g_task_propagate_pointer (G_TASK (result), error);
  if (call == NULL)
    return FALSE;

  *reply = call->reply;
  call->reply = (PpReply) { NULL, NULL };
  pp_pending_call_free (call);
  return TRUE;
}

/* The table ------------------------------------------------------------- */

PpCallTable *
pp_call_table_new (guint max_calls)
{
  PpCallTable *self = g_new0 (PpCallTable, 1);

  self->calls = g_hash_table_new (NULL, NULL);
  self->next_serial = 1;
  self->max_calls = max_calls;
  return self;
}

void
pp_call_table_free (PpCallTable *self)
{
  g_assert (g_hash_table_size (self->calls) == 0);

  g_clear_pointer (&self->unanswered, g_hash_table_unref);
  g_hash_table_unref (self->calls);
  g_free (self);
}

guint
pp_call_table_get_max_calls (PpCallTable *self)
{
  return self->max_calls;
}

void
pp_call_table_set_max_calls (PpCallTable *self,
                             guint        max_calls)
{
  self->max_calls = max_calls;
}

/* Gives @call a serial no waiting call has and adds it, unless as many
 * calls as allowed already wait. */
gboolean
pp_call_table_add (PpCallTable    *self,
                   PpPendingCall  *call,
                   GError        **error)
{
  if (g_hash_table_size (self->calls) >= self->max_calls)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("There are already %u calls waiting for a reply"), self->max_calls);
      return FALSE;
    }

  do
    {
      call->serial = self->next_serial++;
      if (self->next_serial == 0)
        self->serials_wrapped = TRUE;
    }
  while (call->serial == 0 ||
         g_hash_table_contains (self->calls, GUINT_TO_POINTER (call->serial)));

  g_hash_table_insert (self->calls, GUINT_TO_POINTER (call->serial), call);
  return TRUE;
}

PpPendingCall *
pp_call_table_lookup (PpCallTable *self,
                      guint32      serial)
{
  return g_hash_table_lookup (self->calls, GUINT_TO_POINTER (serial));
}

/* Takes the call with @serial out of the table, if it is still there. */
PpPendingCall *
pp_call_table_steal (PpCallTable *self,
                     guint32      serial)
{
  PpPendingCall *call = g_hash_table_lookup (self->calls, GUINT_TO_POINTER (serial));

  if (call != NULL)
    g_hash_table_remove (self->calls, GUINT_TO_POINTER (serial));
  return call;
}

/* Takes every call out, onto @calls. */
void
pp_call_table_steal_all (PpCallTable *self,
                         GQueue      *calls)
{
  GHashTableIter iter;
  PpPendingCall *call;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      g_hash_table_iter_remove (&iter);
      g_queue_push_tail (calls, call);
    }
  if (self->unanswered != NULL)
    g_hash_table_remove_all (self->unanswered);
}

/* Calls given up on --------------------------------------------------------- */

static void
destroy_timer (gpointer data)
{
  if (data != NULL)
    {
      g_source_destroy (data);
      g_source_unref (data);
    }
}

guint
pp_call_table_get_cancel_timeout (PpCallTable *self)
{
  return self->cancel_timeout;
}

void
pp_call_table_set_cancel_timeout (PpCallTable *self,
                                  guint        timeout_msec)
{
  self->cancel_timeout = timeout_msec;
}

PpPendingCall *
pp_call_table_give_up (PpCallTable *self,
                       guint32      serial)
{
  PpPendingCall *call = pp_call_table_steal (self, serial);

  if (call == NULL)
    return call;
  if (self->unanswered == NULL)
    self->unanswered = g_hash_table_new_full (NULL, NULL, NULL, destroy_timer);
  g_hash_table_insert (self->unanswered, GUINT_TO_POINTER (serial), NULL);
  return call;
}

gboolean
pp_call_table_set_cancel_timer (PpCallTable *self,
                                guint32      serial,
                                GSource     *timer)
{
  if (self->unanswered == NULL ||
      !g_hash_table_contains (self->unanswered, GUINT_TO_POINTER (serial)))
    return FALSE;
  g_hash_table_insert (self->unanswered, GUINT_TO_POINTER (serial), g_source_ref (timer));
  return TRUE;
}

guint
pp_call_table_get_n_unanswered (PpCallTable *self)
{
  return self->unanswered != NULL ? g_hash_table_size (self->unanswered) : 0;
}

gboolean
pp_call_table_take_unanswered (PpCallTable *self,
                               guint32      serial)
{
  gpointer timer = NULL;

  if (self->unanswered == NULL ||
      !g_hash_table_steal_extended (self->unanswered, GUINT_TO_POINTER (serial), NULL, &timer))
    return FALSE;
  /* The timer is the one running, and goes by itself */
  if (timer != NULL)
    g_source_unref (timer);
  return TRUE;
}

/* Whether the complete type string @found is @expected. No complete type
 * is the beginning of another, so the loop stops at the first difference
 * before it passes the end of either; g_variant_type_equal() would check
 * both and measure both on every reply. */
static gboolean
type_is (const char         *found,
         const GVariantType *expected)
{
  const char *string = (const char *) expected;
  gsize i = 0;

  while (found[i] != '\0' && found[i] == string[i])
    i++;
  return found[i] == '\0';
}

/* A RETURN whose result, @args, is not of the type its call expects */
static gboolean
check_result_type (const PpPendingCall *call,
                   GVariant            *args,
                   GError             **error)
{
  const char *type_string = g_variant_get_type_string (args);

  if (type_is (type_string, call->reply_type))
    return TRUE;
  /* A result the listener's typelib said could not be NULL, and was:
   * nothing in place of the item */
  if (pp_marshal_type_fits ((const GVariantType *) type_string, call->reply_type, TRUE))
    return TRUE;

  g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
               _("Received a result of type %.*s in answer to a call that returns %.*s"),
               (int) strlen (type_string), type_string,
               (int) g_variant_type_get_string_length (call->reply_type),
               g_variant_type_peek_string (call->reply_type));
  return FALSE;
}

/* Takes the call that the reply @header with @body answers out of the
 * table, a RETURN's result into its reply. Returns FALSE with @error for a reply that breaks the protocol
 * (also a result of another type than the call's reply type); TRUE with
 * *@call NULL for one that comes late, after its call timed out or was
 * cancelled. */
gboolean
pp_call_table_find_answered (PpCallTable         *self,
                             const PpWireHeader  *header,
                             GVariant            *body,
                             PpPendingCall      **call,
                             GError             **error)
{
  gboolean issued = header->serial != 0 &&
                    (self->serials_wrapped || header->serial < self->next_serial);

  *call = g_hash_table_lookup (self->calls, GUINT_TO_POINTER (header->serial));
  if (*call == NULL)
    {
      /* A late reply: the peer did answer a call given up on */
      if (issued && self->unanswered != NULL)
        g_hash_table_remove (self->unanswered, GUINT_TO_POINTER (header->serial));
      if (issued)
        return TRUE;
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a reply (%s) to request %u, which was never made"),
                   pp_wire_kind_to_string (header->kind), header->serial);
      return FALSE;
    }

  if (header->kind != PP_WIRE_KIND_ERROR && header->kind != (*call)->reply_kind)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s in answer to a request that expects %s"),
                   pp_wire_kind_to_string (header->kind),
                   pp_wire_kind_to_string ((*call)->reply_kind));
      *call = NULL;
      return FALSE;
    }
  /* The result, which pp_pending_call_take_reply() then takes as it is */
  if (header->kind == PP_WIRE_KIND_RETURN)
    {
      g_autoptr(GVariant) args = NULL;

      pp_wire_split_body (body, NULL, 0, &args, NULL);
      if ((*call)->reply_type != NULL && !check_result_type (*call, args, error))
        {
          *call = NULL;
          return FALSE;
        }
      g_clear_pointer (&(*call)->reply.value, g_variant_unref);
      (*call)->reply.value = g_steal_pointer (&args);
    }

  g_hash_table_remove (self->calls, GUINT_TO_POINTER (header->serial));
  return TRUE;
}
