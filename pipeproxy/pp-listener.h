/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>

#include "pp-invocation.h"
#include "pp-version-macros.h"

G_BEGIN_DECLS

#define PP_TYPE_LISTENER (pp_listener_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpListener, pp_listener, PP, LISTENER, GObject)

/**
 * PpMethodFunc:
 * @object: (type GObject): the exported object
 * @parameters: the arguments, already checked against the method's
 *   in-signature
 * @user_data: the data given to [method@Pp.Listener.add_method]
 * @error: return location for an error to send to the caller
 *
 * Implements a method added with [method@Pp.Listener.add_method]. It runs in
 * the listener's main context.
 *
 * Returns: (transfer full) (nullable): the result, a tuple of the method's
 *   out-signature (a floating reference is sunk), or %NULL with @error set
 *
 * Since: 1.0
 */
typedef GVariant *(*PpMethodFunc) (GObject   *object,
                                   GVariant  *parameters,
                                   gpointer   user_data,
                                   GError   **error);

PP_AVAILABLE_IN_1_0
PpListener *pp_listener_new               (GObject             *object,
                                           GIOStream           *stream,
                                           GError             **error);
PP_AVAILABLE_IN_1_0
PpListener *pp_listener_new_pair          (GObject             *object,
                                           GIOStream          **out_proxy_stream,
                                           GError             **error);
PP_AVAILABLE_IN_1_0
PpListener *pp_listener_new_for_parent    (GObject             *object,
                                           GError             **error);
PP_AVAILABLE_IN_1_0
GObject    *pp_listener_get_object        (PpListener          *self);
PP_AVAILABLE_IN_1_0
GIOStream  *pp_listener_get_stream        (PpListener          *self);
PP_AVAILABLE_IN_1_0
gboolean    pp_listener_is_closed         (PpListener          *self);
PP_AVAILABLE_IN_1_0
void        pp_listener_close             (PpListener          *self);
PP_AVAILABLE_IN_1_0
gsize       pp_listener_get_max_message_size (PpListener       *self);
PP_AVAILABLE_IN_1_0
void        pp_listener_set_max_message_size (PpListener       *self,
                                              gsize             max_message_size);
PP_AVAILABLE_IN_1_0
gsize       pp_listener_get_memfd_threshold  (PpListener       *self);
PP_AVAILABLE_IN_1_0
void        pp_listener_set_memfd_threshold  (PpListener       *self,
                                              gsize             threshold);
PP_AVAILABLE_IN_1_0
GCredentials *pp_listener_get_peer_credentials (PpListener     *self);
PP_AVAILABLE_IN_1_0
gboolean    pp_listener_get_require_same_user  (PpListener     *self);
PP_AVAILABLE_IN_1_0
void        pp_listener_set_require_same_user  (PpListener     *self,
                                                gboolean        require);
PP_AVAILABLE_IN_1_0
const char * const *pp_listener_get_allowed_members (PpListener *self);
PP_AVAILABLE_IN_1_0
void        pp_listener_set_allowed_members    (PpListener         *self,
                                                const char * const *members);
PP_AVAILABLE_IN_1_0
guint       pp_listener_get_max_objects   (PpListener          *self);
PP_AVAILABLE_IN_1_0
void        pp_listener_set_max_objects   (PpListener          *self,
                                           guint                max_objects);
PP_AVAILABLE_IN_1_0
void        pp_listener_add_method        (PpListener          *self,
                                           const char          *name,
                                           const GVariantType  *in_type,
                                           const GVariantType  *out_type,
                                           PpMethodFunc         func,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy);
PP_AVAILABLE_IN_1_0
void        pp_listener_add_method_with_invocation (PpListener         *self,
                                                    const char         *name,
                                                    const GVariantType *in_type,
                                                    const GVariantType *out_type,
                                                    PpInvocationFunc    func,
                                                    gpointer            user_data,
                                                    GDestroyNotify      destroy);
PP_AVAILABLE_IN_1_0
void        pp_listener_run               (PpListener          *self);

G_END_DECLS
