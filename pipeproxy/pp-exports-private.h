/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-access-private.h"
#include "pp-connection-private.h"
#include "pp-forwarder-private.h"
#include "pp-preconditions-private.h"

G_BEGIN_DECLS

/* The export table of one connection: the objects this side serves to the
 * peer, each under a handle. The same object keeps its handle while it is
 * exported; handles are never reused. Per handle the table counts the
 * references it sent (every occurrence in a frame); the peer's RELEASE
 * gives back what it received, and at 0 the object is dropped and the
 * peer told with RELEASED. The first reference to an object comes right
 * after a TYPE (once per type and connection) and an INTRODUCE, in the
 * same write batch.
 *
 * Thread-safe: frames that refer to objects may be sent from any thread
 * (under the connection's lock, see pp_exports_send()); RELEASE is taken
 * in the owner context, where the objects are unreferenced. */

typedef struct _PpExports PpExports;

/* How many handles the peer may hold at once, by default */
#define PP_DEFAULT_MAX_OBJECTS 65536

/* Where an object to be sent comes from */
typedef enum
{
  PP_EXPORTS_ORIGIN_LOCAL,    /* this process's: exported */
  PP_EXPORTS_ORIGIN_PEER,     /* a proxy of the peer's, on this connection */
  PP_EXPORTS_ORIGIN_FOREIGN,  /* a proxy on another connection: not sent */
} PpExportsOrigin;

/* Where @object comes from; for the peer's, its handle */
typedef PpExportsOrigin (*PpExportsOriginFunc) (GObject      *object,
                                                PpConnection *connection,
                                                guint32      *handle);

PpExports   *pp_exports_new            (PpConnection            *connection,
                                        PpExportsOriginFunc      origin);
PpExports   *pp_exports_ref            (PpExports               *self);
void         pp_exports_unref          (PpExports               *self);
/* The root object, handle 0: never counted, never released */
void         pp_exports_set_root       (PpExports               *self,
                                        GObject                 *object);
/* What the peer may see and do of the objects exported from now on: the
 * listener's rules (borrowed: the listener outlives its table), or NULL */
void         pp_exports_set_access     (PpExports               *self,
                                        PpAccess                *access);
void         pp_exports_set_max_objects (PpExports              *self,
                                         guint                   max);
guint        pp_exports_get_max_objects (PpExports              *self);
/* Handles the peer holds now, the root not counted */
guint        pp_exports_get_n_objects  (PpExports               *self);
/* Every export dropped, as when the connection ends; the objects are
 * unreferenced in the calling thread */
void         pp_exports_clear          (PpExports               *self);

/* The object exported as @handle, with its forwarder and preconditions
 * (borrowed, valid while the returned reference is held), or NULL; for
 * the root, its object alone */
GObject     *pp_exports_lookup         (PpExports               *self,
                                        guint32                  handle,
                                        PpForwarder            **forwarder,
                                        PpPreconditions        **preconditions);

/* Appends to @frames the frame referring to @objects (which it indexes as
 * "/N") with @table, the frame's object table (a(bu), floating), in
 * pieces (see pp_wire_gather()), under the connection's lock */
typedef void (*PpObjectsFrameBuilder) (GPtrArray *frames,
                                       GVariant  *table,
                                       gpointer   user_data);

/* Sends the frame @build makes, with @fds, right after the TYPE and
 * INTRODUCE frames @objects need. Fails, sending nothing, when exporting
 * them would take the peer past the limit (PP_ERROR_LIMIT_EXCEEDED) or
 * an object is a proxy on another connection (PP_ERROR_UNSUPPORTED_TYPE). */
gboolean     pp_exports_send           (PpExports               *self,
                                        GPtrArray               *objects,
                                        PpObjectsFrameBuilder    build,
                                        gpointer                 build_data,
                                        GUnixFDList             *fds,
                                        GError                 **error);

/* The same in two steps, for a request, whose frame needs more than the
 * lock (a call's serial): what @objects need is found first, outside the
 * connection's lock; pp_exports_batch_build() then appends the frames to
 * @frames, under the lock (it is a PpBatchBuilder), or fails changing
 * nothing when the request may not be sent (past the output limit) */
typedef struct _PpExportsBatch PpExportsBatch;

PpExportsBatch *pp_exports_batch_new   (PpExports               *self,
                                        GPtrArray               *objects,
                                        PpObjectsFrameBuilder    build,
                                        gpointer                 build_data);
gboolean     pp_exports_batch_build    (GPtrArray               *frames,
                                        gpointer                 batch,
                                        GError                 **error);
void         pp_exports_batch_free     (PpExportsBatch          *batch);

/* The peer's RELEASE: FALSE, with a protocol error, for a handle it does
 * not hold or a count larger than it received */
gboolean     pp_exports_take_release   (PpExports               *self,
                                        GVariant                *body,
                                        GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpExports, pp_exports_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpExportsBatch, pp_exports_batch_free)

G_END_DECLS
