/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-access-private.h"
#include "pp-connection-private.h"
#include "pp-preconditions-private.h"

G_BEGIN_DECLS

/* The listener's half of the mirror: sends the exported object's property
 * changes and the emissions of the signals the peer subscribed to, in
 * order with the calls' replies, and sets properties for the peer. */
typedef struct _PpForwarder PpForwarder;
typedef struct _PpExports PpExports;

/* For @object, exported as @handle; @access (the listener's) decides
 * what the peer may write, subscribe to and see change: NULL, for the
 * objects the listener's calls return, lets everything through.
 * @exports, the connection's export table, sends the objects and boxed
 * references in signal arguments; borrowed: it outlives the forwarder
 * (it owns those of the objects it exports). @preconditions, those of
 * the object's type or NULL, borrowed too, check the values the peer
 * writes. */
PpForwarder *pp_forwarder_new          (GObject            *object,
                                        guint32             handle,
                                        PpConnection       *connection,
                                        PpExports          *exports,
                                        PpAccess           *access,
                                        PpPreconditions    *preconditions);
/* Stops forwarding, and frees */
void         pp_forwarder_free         (PpForwarder        *self);
/* From the handshake on, every property change is sent */
void         pp_forwarder_start        (PpForwarder        *self);
void         pp_forwarder_stop         (PpForwarder        *self);
/* SUBSCRIBE and UNSUBSCRIBE */
void         pp_forwarder_subscribe    (PpForwarder        *self,
                                        const char         *name,
                                        gboolean            subscribe);
/* SET_PROPERTY, answered with the property's new value (nothing for a
 * reference, read when asked for); @objects, what came with it, or NULL */
void         pp_forwarder_set_property (PpForwarder        *self,
                                        const PpWireHeader *header,
                                        GVariant           *body,
                                        GPtrArray          *objects);
/* GET_PROPERTY, answered with the property's value, a reference to an
 * object exported with it */
void         pp_forwarder_get_property (PpForwarder        *self,
                                        const PpWireHeader *header,
                                        GVariant           *body);

G_END_DECLS
