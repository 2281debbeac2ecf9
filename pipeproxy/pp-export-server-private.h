/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-connection-private.h"
#include "pp-exports-private.h"

G_BEGIN_DECLS

/* Serves the objects one side of a connection exports to the peer, other
 * than a listener's own (handle 0, which PpListener serves with its added
 * methods, access control and handlers): the peer's calls to them, its
 * subscriptions to their signals, its property writes, its releases and
 * its cancels. A method is found through introspection, checked against
 * the preconditions of its type and invoked; every call ends through one
 * PpInvocation. This is what lets a proxy's side serve the objects its
 * caller passed as arguments.
 *
 * Runs in the owner context of the connection; pp_export_server_cancel()
 * in whichever thread reads. */

typedef struct _PpExportServer PpExportServer;

PpExportServer *pp_export_server_new     (PpConnection       *connection,
                                          PpExports          *exports);
void            pp_export_server_free    (PpExportServer     *self);

/* The kinds of frame it takes, 1 << kind; those but RELEASE and CANCEL
 * name an object, never object 0 */
#define PP_EXPORT_SERVER_KINDS ((1u << PP_WIRE_KIND_CALL) | (1u << PP_WIRE_KIND_CANCEL) | \
                                (1u << PP_WIRE_KIND_SUBSCRIBE) |                          \
                                (1u << PP_WIRE_KIND_UNSUBSCRIBE) |                        \
                                (1u << PP_WIRE_KIND_SET_PROPERTY) |                       \
                                (1u << PP_WIRE_KIND_GET_PROPERTY) |                       \
                                (1u << PP_WIRE_KIND_RELEASE))
#define PP_EXPORT_SERVER_OBJECT_KINDS ((1u << PP_WIRE_KIND_CALL) |         \
                                       (1u << PP_WIRE_KIND_SUBSCRIBE) |    \
                                       (1u << PP_WIRE_KIND_UNSUBSCRIBE) |  \
                                       (1u << PP_WIRE_KIND_SET_PROPERTY) | \
                                       (1u << PP_WIRE_KIND_GET_PROPERTY))

/* A frame of one of those kinds, in the owner context: FALSE, with a
 * protocol error, when the peer broke the protocol */
gboolean        pp_export_server_take    (PpExportServer     *self,
                                          const PpWireHeader *header,
                                          GVariant           *body,
                                          GUnixFDList        *fds,
                                          GPtrArray          *objects,
                                          GError            **error);
/* A CANCEL as soon as it is read */
void            pp_export_server_cancel  (PpExportServer     *self,
                                          guint32             serial);
/* The connection ended: running calls are cancelled, exports dropped */
void            pp_export_server_closed  (PpExportServer     *self);

G_END_DECLS
