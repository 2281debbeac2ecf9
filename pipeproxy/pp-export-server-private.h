/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-connection-private.h"
#include "pp-exports-private.h"
#include "pp-invocation-private.h"

G_BEGIN_DECLS

/* Serves the objects one side of a connection exports to the peer, other
 * than a listener's own (handle 0, which PpListener serves with its added
 * methods and handlers, through the checks and the invoking below): the
 * peer's calls to them, its subscriptions to their signals, its property
 * writes, its releases and its cancels. A method is found through
 * introspection (a boxed reference's in its boxed type), admitted by the
 * owner's access control if it has one, checked against the preconditions
 * of its type and invoked; every call ends through one PpInvocation. This
 * is what serves the objects a listener's methods returned, and lets a
 * proxy's side serve the objects its caller passed as arguments.
 *
 * Runs in the owner context of the connection; pp_export_server_cancel()
 * in whichever thread reads. */

typedef struct _PpExportServer PpExportServer;

/* @access, borrowed, is the owner's (a listener's), or NULL: every call
 * is admitted */
PpExportServer *pp_export_server_new     (PpConnection       *connection,
                                          PpExports          *exports,
                                          PpAccess           *access);
void            pp_export_server_free    (PpExportServer     *self);

/* From the handshake: our monotonic clock minus the peer's, in ms. Once
 * it is set, a call whose caller's deadline has passed does not start. */
void            pp_export_server_set_clock_offset (PpExportServer *self,
                                                   guint32         clock_offset);
/* The calls answered later, to whichever object: the owner's invocations
 * of its own object go in it too, so that one CANCEL finds any */
PpRunningCalls *pp_export_server_get_running      (PpExportServer *self);

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
/* What every call goes through, also a listener's to its own object:
 * whether it may start (its arguments not nested too deep, its caller's
 * deadline not passed); whether the peer may call @method with @args
 * (see pp-access.c), and what the object's type requires of them beyond
 * their types (see pp-preconditions.c; only of an introspected method,
 * an added one is the listener author's own); and invoking @method, which
 * @invocation takes and through which the call ends */
gboolean        pp_export_server_may_start (PpExportServer      *self,
                                            const PpWireHeader  *header,
                                            const char          *name,
                                            GError             **error);
gboolean        pp_export_server_admit     (PpExportServer      *self,
                                            GObject             *object,
                                            PpPreconditions     *preconditions,
                                            PpMethod            *method,
                                            GVariant            *args,
                                            GError             **error);
void            pp_export_server_invoke    (PpExportServer      *self,
                                            PpInvocation        *invocation,
                                            GObject             *object,
                                            PpMethod            *method,
                                            GVariant            *args,
                                            GUnixFDList         *fds,
                                            GPtrArray           *objects);

/* A CANCEL as soon as it is read */
void            pp_export_server_cancel  (PpExportServer     *self,
                                          guint32             serial);
/* The connection ended: running calls are cancelled, exports dropped */
void            pp_export_server_closed  (PpExportServer     *self);

G_END_DECLS
