/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-connection-private.h"
#include "pp-description-private.h"
#include "pp-exports-private.h"

G_BEGIN_DECLS

/* The import table of one connection: the peer's objects this side holds
 * proxies of. Per handle: its type, its property values while no proxy
 * lives, the references received and not yet released, and the proxy, if
 * one lives. The same handle gives the same proxy while it lives; a new
 * one when it died and the handle comes again. A proxy's last reference
 * gone, its entry releases what it received (RELEASE) and waits for the
 * peer's RELEASED.
 *
 * Thread-safe: objects are looked up in whichever thread reads, proxies
 * die in any thread. Each proxy holds the table, which holds the
 * connection its releases go to. Nothing the peer sends is trusted: a handle it did
 * not introduce, a type described twice or a table past its limits
 * breaks the protocol. */

typedef struct _PpImports PpImports;

/* How many types of objects the peer may describe, by default */
#define PP_DEFAULT_MAX_OBJECT_TYPES 1024

/* Makes the proxy of @handle, of the mirror type of @description, its
 * cache started from @values (property name → mv) */
typedef GObject *(*PpImportsProxyFunc) (guint32        handle,
                                        guint          generation,
                                        PpDescription *description,
                                        GHashTable    *values,
                                        gpointer       user_data);

PpImports *pp_imports_new              (PpConnection              *connection,
                                        const PpDescriptionLimits *limits,
                                        PpImportsProxyFunc         make_proxy,
                                        gpointer                   user_data);
PpImports *pp_imports_ref              (PpImports                 *self);
void       pp_imports_unref            (PpImports                 *self);
void       pp_imports_set_root         (PpImports                 *self,
                                        GObject                   *root);
void       pp_imports_set_max_objects  (PpImports                 *self,
                                        guint                      max);
/* Handles held now */
guint      pp_imports_get_n_objects    (PpImports                 *self);

/* TYPE and INTRODUCE */
gboolean   pp_imports_take             (PpImports                 *self,
                                        const PpWireHeader        *header,
                                        GVariant                  *body,
                                        GError                   **error);
/* RELEASED */
gboolean   pp_imports_take_released    (PpImports                 *self,
                                        GVariant                  *body,
                                        GError                   **error);

/* The objects a frame's table (a(bu)) names: proxies of the peer's, and
 * this side's own objects from @exports (may be NULL: then none is) */
GPtrArray *pp_imports_resolve          (PpImports                 *self,
                                        PpExports                 *exports,
                                        GVariant                  *table,
                                        GError                   **error);

/* The live proxy of @handle, or NULL; a PROPERTY for a handle with none
 * is kept for the next one */
GObject   *pp_imports_dup_proxy        (PpImports                 *self,
                                        guint32                    handle);
void       pp_imports_store_property   (PpImports                 *self,
                                        guint32                    handle,
                                        const char                *name,
                                        GVariant                  *maybe);
/* Every live proxy; NULL when nothing was imported */
GPtrArray *pp_imports_dup_proxies      (PpImports                 *self);

/* The proxy made with @generation for @handle died: what it received is
 * released, unless a newer proxy took over */
void       pp_imports_drop             (PpImports                 *self,
                                        guint32                    handle,
                                        guint                      generation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpImports, pp_imports_unref)

G_END_DECLS
