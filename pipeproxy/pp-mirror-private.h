/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-connection-private.h"
#include "pp-description-private.h"
#include "pp-imports-private.h"
#include "pp-proxy.h"

G_BEGIN_DECLS

/* Mirror types: a subclass of PpProxy registered at run time for each
 * description, carrying the remote object's signals and properties;
 * proxies with equal descriptions share it. Types are never freed, so
 * their number is limited (PpOptions:max-mirror-types and
 * :max-mirror-members): past that a proxy is of a type that mirrors
 * nothing. An instance's mirror state
 * (PpMirror) lives in the instance: the property cache the listener keeps
 * exact, and the signals subscribed to. pp-mirror-properties.c also
 * implements the public property writes, pp_proxy_set_property_*(). */

typedef struct _PpMirror PpMirror;

GType       pp_mirror_type_for               (PpDescription  *description,
                                              guint           max_types,
                                              guint           max_members);
PpMirror   *pp_mirror_get                    (PpProxy        *proxy);
/* Once, when the proxy is made: the connection, the remote object's
 * handle and what the handshake (or its TYPE) described, with the values
 * to start the cache with: the description's, then @values' (property
 * name → mv), if not NULL */
void        pp_mirror_attach                 (PpMirror       *self,
                                              PpConnection   *connection,
                                              guint32         handle,
                                              PpDescription  *description,
                                              GHashTable     *values);

/* What the listener sends, in the proxy's main context */
gboolean    pp_mirror_wants_signal           (PpMirror       *self,
                                              GVariant       *body);
/* @fds and @objects: what came with the SIGNAL (its objects' proxies,
 * held while the handlers run), or NULL */
void        pp_mirror_emit_signal            (PpMirror       *self,
                                              GVariant       *body,
                                              GUnixFDList    *fds,
                                              GPtrArray      *objects);
void        pp_mirror_take_property          (PpMirror       *self,
                                              GVariant       *body);
/* After a synchronous call: the PROPERTY frames that came before its
 * reply go into the cache; their notify follows in the main context */
void        pp_mirror_take_queued_properties (PpMirror       *self);
/* Subscribes to the signals that have handlers, unsubscribes from the
 * ones that lost them */
void        pp_mirror_sync_subscriptions     (PpMirror       *self);

/* The description it mirrors (its type's), NULL for a proxy that was not made by a
 * constructor */
PpDescription *pp_mirror_get_description     (PpMirror       *self);
/* pp_description_lookup_method() in the description, for a call: the
 * method found last is looked at first */
const PpDescribedMethod *pp_mirror_lookup_method (PpMirror   *self,
                                                  const char *name);
/* The description as this proxy received it, with the property values
 * of that moment; NULL like the above */
GVariant      *pp_mirror_get_description_variant (PpMirror   *self);

/* Why the described signal or property with this index is not one of the
 * proxy's, or NULL when it is */
const char *pp_mirror_signal_unavailable     (PpMirror       *self,
                                              guint           index);
const char *pp_mirror_property_unavailable   (PpMirror       *self,
                                              guint           index);
/* Why the described interface is not one of the proxy's, or NULL when it
 * is */
const char *pp_mirror_interface_unavailable  (PpMirror       *self,
                                              const char     *type_name);

/* A SIGNAL or PROPERTY about the peer's object @root (NULL on a
 * listener's side, whose connection refuses those about object 0) or one
 * of those @imports holds, in the owner context */
void     pp_mirror_route_message      (PpImports            *imports,
                                       PpProxy              *root,
                                       const PpWireHeader   *header,
                                       GVariant             *body,
                                       GUnixFDList          *fds,
                                       GPtrArray            *objects);
/* Subscribes the proxies @imports holds to the signals that have
 * handlers, before each poll */
void     pp_mirror_sync_imported      (PpImports            *imports);

G_END_DECLS
