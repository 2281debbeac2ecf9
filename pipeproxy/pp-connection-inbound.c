/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-connection-inbound-private.h"
#include "pp-error.h"

/* The peer's own messages (requests, signals, property values, CANCELs),
 * queued as they are read for the owner context, which dispatches them in
 * arrival order along with the ends of its asynchronous calls and the
 * close. A PROPERTY replaces the undispatched one of the same property, a
 * message nobody wants is dropped, and what the queue may hold is bounded
 * (see pp-connection-internal.h). */

void
pp_inbound_item_free (InboundItem *item)
{
  g_clear_pointer (&item->body, g_variant_unref);
  g_clear_object (&item->fds);
  g_clear_pointer (&item->objects, g_ptr_array_unref);
  g_clear_error (&item->error);
  g_free (item);
}

void
pp_connection_push_inbound_locked (PpConnection *self,
                                   InboundItem  *item)
{
  item->link = (GList) { item, NULL, NULL };
  g_queue_push_tail_link (&self->inbound, &item->link);
  self->queued_input += item->cost;
  if (g_atomic_int_add (&self->inbound_len, 1) == 0 &&
      !g_main_context_is_owner (self->context))
    g_main_context_wakeup (self->context);
  /* A synchronous caller waiting for another reader serves it */
  if (item->kind == ITEM_MESSAGE && (self->callbacks.serve_kinds & (1u << item->header.kind)))
    pp_connection_broadcast_locked (self);
}

/* The first queued request of @kinds (only those, never a PROPERTY),
 * taken out of the queue. Under lock. */
InboundItem *
pp_connection_steal_inbound_locked (PpConnection *self,
                                    guint         kinds)
{
  for (GList *l = self->inbound.head; l != NULL; l = l->next)
    {
      InboundItem *item = l->data;

      if (item->kind == ITEM_MESSAGE && (kinds & (1u << item->header.kind)))
        {
          g_queue_unlink (&self->inbound, l);
          g_atomic_int_add (&self->inbound_len, -1);
          self->queued_input -= item->cost;
          return item;
        }
    }
  return NULL;
}

/* What tells a PROPERTY from one about another property or object (see
 * pp_frame_property_key_hash()) */
static gconstpointer
property_key (GVariant *body)
{
  return g_variant_get_data (body);
}

/* Replaces the undispatched PROPERTY of the same property, if there is
 * one. Under lock. */
static gboolean
replace_property_locked (PpConnection *self,
                         GVariant     *body,
                         gsize         cost)
{
  InboundItem *item;

  if (self->latest == NULL ||
      (item = g_hash_table_lookup (self->latest, property_key (body))) == NULL)
    return FALSE;

  /* The key points into the body */
  g_hash_table_replace (self->latest, (gpointer) property_key (body), item);
  g_variant_unref (item->body);
  item->body = g_variant_ref (body);
  self->queued_input = self->queued_input - item->cost + cost;
  item->cost = cost;
  return TRUE;
}

static GError *
queued_input_error (PpConnection *self)
{
  return g_error_new (PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                      _("The peer sent more than %llu bytes of messages while a synchronous "
                        "call waited for its reply"),
                      (unsigned long long) self->max_queued_input);
}

/* A message of the peer's own goes to the owner context, unless nobody
 * wants it. */
PpFrameAction
pp_connection_route_message (PpConnection        *self,
                             const PpWireHeader  *header,
                             GVariant            *body,
                             GUnixFDList         *fds,
                             GPtrArray           *objects,
                             GError             **error)
{
  gboolean property = header->kind == PP_WIRE_KIND_PROPERTY;
  gsize cost = header->body_size + INBOUND_ITEM_COST;
  PpFrameAction action = PP_FRAME_NEXT;
  InboundItem *item;

  /* Checked as it is read, so that nothing behind a frame this side does
   * not take is ever acted on. */
  if (!(self->callbacks.accepted_kinds & (1u << header->kind)))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s, which this side does not accept"),
                   pp_wire_kind_to_string (header->kind));
      return PP_FRAME_FAIL;
    }

  if ((self->callbacks.no_root_kinds & (1u << header->kind)) &&
      pp_wire_body_handle (body) == PP_WIRE_ROOT_HANDLE)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Received a frame of kind %s about object 0, which is not served here"),
                   pp_wire_kind_to_string (header->kind));
      return PP_FRAME_FAIL;
    }

  if (header->kind == PP_WIRE_KIND_CANCEL && self->callbacks.cancel != NULL)
    self->callbacks.cancel (self, header->serial, self->user_data);

  if (self->callbacks.wanted != NULL &&
      !self->callbacks.wanted (self, header, body, self->user_data))
    return PP_FRAME_NEXT;

  g_mutex_lock (&self->lock);
  if (self->closed || (property && fds == NULL && replace_property_locked (self, body, cost)))
    {
      g_mutex_unlock (&self->lock);
      return PP_FRAME_NEXT;
    }

  /* A synchronous caller must read on to its reply: what it cannot keep
   * means the peer floods us */
  if (self->sync_reading && self->queued_input > 0 &&
      self->queued_input + cost > self->max_queued_input)
    {
      g_mutex_unlock (&self->lock);
      g_propagate_error (error, queued_input_error (self));
      return PP_FRAME_FAIL;
    }

  item = g_new (InboundItem, 1);
  *item = (InboundItem) {
    .kind = ITEM_MESSAGE,
    .header = *header,
    .body = g_variant_ref (body),
    .fds = fds ? g_object_ref (fds) : NULL,
    .objects = objects ? g_ptr_array_ref (objects) : NULL,
    .cost = cost,
  };
  pp_connection_push_inbound_locked (self, item);
  if (property && fds == NULL)
    {
      if (self->latest == NULL)
        self->latest = g_hash_table_new (pp_frame_property_key_hash, pp_frame_property_key_equal);
      g_hash_table_insert (self->latest, (gpointer) property_key (body), item);
    }

  if (self->callbacks.request_kinds & (1u << header->kind))
    g_atomic_int_inc (&self->requests);

  /* The owner context stops reading until there is room again */
  if (!self->sync_reading &&
      (self->queued_input >= self->max_queued_input ||
       (guint) g_atomic_int_get (&self->requests) >= self->max_requests))
    action = PP_FRAME_PAUSE;
  g_mutex_unlock (&self->lock);
  return action;
}

InboundItem *
pp_connection_pop_inbound (PpConnection *self)
{
  InboundItem *item;
  GList *link;

  g_mutex_lock (&self->lock);
  link = g_queue_pop_head_link (&self->inbound);
  item = link != NULL ? link->data : NULL;
  if (item != NULL)
    {
      g_atomic_int_add (&self->inbound_len, -1);
      self->queued_input -= item->cost;
      if (item->kind == ITEM_MESSAGE && item->header.kind == PP_WIRE_KIND_PROPERTY &&
          self->latest != NULL &&
          g_hash_table_lookup (self->latest, property_key (item->body)) == item)
        g_hash_table_remove (self->latest, property_key (item->body));
    }
  g_mutex_unlock (&self->lock);
  return item;
}

void
pp_connection_dispatch_item (PpConnection *self,
                             InboundItem  *item)
{
  switch (item->kind)
    {
    case ITEM_MESSAGE:
      /* After a close, requests queued before it are not acted on: no
       * answer could be sent, and a peer that broke the protocol is not
       * served any further. */
      if (self->callbacks.message != NULL && !pp_connection_is_closed (self))
        self->callbacks.message (self, &item->header, item->body, item->fds, item->objects,
                                 self->user_data);
      break;

    case ITEM_COMPLETE:
      pp_pending_call_return (g_steal_pointer (&item->call));
      break;

    case ITEM_CLOSED:
      g_mutex_lock (&self->lock);
      self->closed_dispatched = TRUE;
      g_mutex_unlock (&self->lock);
      if (self->callbacks.closed != NULL)
        self->callbacks.closed (self, item->error, self->user_data);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Dispatches a batch of what is queued: the rest waits for the next
 * iteration, so that the context's other sources run in between. */
void
pp_connection_drain_inbound (PpConnection *self)
{
  InboundItem *item;

  for (guint i = 0; i < PP_FRAME_BATCH && (item = pp_connection_pop_inbound (self)) != NULL; i++)
    {
      pp_connection_dispatch_item (self, item);
      pp_inbound_item_free (item);
    }
}

guint
pp_connection_get_inbound_length (PpConnection *self)
{
  return g_atomic_int_get (&self->inbound_len);
}

/* The bodies of the messages of @kind read but not yet dispatched to the
 * owner context, oldest first; NULL when nothing is queued. For PROPERTY,
 * the one of each property that is kept, in no order. */
GPtrArray *
pp_connection_dup_queued (PpConnection *self,
                          PpWireKind    kind)
{
  GPtrArray *bodies;

  /* The common case, checked without the lock or an allocation */
  if (g_atomic_int_get (&self->inbound_len) == 0)
    return NULL;

  bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_mutex_lock (&self->lock);
  if (kind == PP_WIRE_KIND_PROPERTY)
    {
      GHashTableIter iter;
      gpointer value;

      /* Not a walk through the queue, which a flood may have filled */
      if (self->latest != NULL)
        g_hash_table_iter_init (&iter, self->latest);
      while (self->latest != NULL && g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (bodies, g_variant_ref (((InboundItem *) value)->body));
    }
  else
    {
      for (GList *l = self->inbound.head; l != NULL; l = l->next)
        {
          InboundItem *item = l->data;

          if (item->kind == ITEM_MESSAGE && item->header.kind == kind)
            g_ptr_array_add (bodies, g_variant_ref (item->body));
        }
    }
  g_mutex_unlock (&self->lock);
  return bodies;
}
