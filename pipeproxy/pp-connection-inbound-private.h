/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-internal.h"

G_BEGIN_DECLS

/* The peer's own messages on their way to the owner context
 * (pp-connection-inbound.c) */

/* What a queued message counts beyond its body: the item, the GVariant,
 * the GBytes and their allocations */
#define INBOUND_ITEM_COST 256

typedef enum
{
  ITEM_MESSAGE,
  ITEM_COMPLETE,  /* an asynchronous call for the owner context ended */
  ITEM_CLOSED,
} ItemKind;

typedef struct
{
  ItemKind       kind;
  PpWireHeader   header;
  GVariant      *body;
  GUnixFDList   *fds;
  GPtrArray     *objects;
  PpPendingCall *call;
  GError        *error;
  gsize          cost;     /* in queued_input */
  GList          link;     /* in the queue, which allocates no link of its own */
} InboundItem;

void           pp_inbound_item_free              (InboundItem         *item);
void           pp_connection_push_inbound_locked (PpConnection        *self,
                                                  InboundItem         *item);
InboundItem   *pp_connection_pop_inbound         (PpConnection        *self);
InboundItem   *pp_connection_steal_inbound_locked (PpConnection       *self,
                                                   guint               kinds);
PpFrameAction  pp_connection_route_message       (PpConnection        *self,
                                                  const PpWireHeader  *header,
                                                  GVariant            *body,
                                                  GUnixFDList         *fds,
                                                  GPtrArray           *objects,
                                                  GError             **error);
void           pp_connection_dispatch_item       (PpConnection        *self,
                                                  InboundItem         *item);
void           pp_connection_drain_inbound       (PpConnection        *self);
guint          pp_connection_get_inbound_length  (PpConnection        *self);

G_END_DECLS
