/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

#define PP_TYPE_INVOCATION (pp_invocation_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpInvocation, pp_invocation, PP, INVOCATION, GObject)

/**
 * PpInvocationFunc:
 * @object: (type GObject): the exported object
 * @parameters: the arguments, already checked against the method's
 *   in-signature
 * @invocation: the call, to answer now or later
 * @user_data: the data given to [method@Pp.Listener.add_method_with_invocation]
 *
 * Implements a method added with
 * [method@Pp.Listener.add_method_with_invocation]. It runs in the
 * listener's main context and answers @invocation exactly once, before it
 * returns or later (keeping a reference), from any thread. It gets the
 * descriptors that came with the call from
 * [method@Pp.Invocation.get_unix_fd_list], and learns that the caller
 * gave up from [method@Pp.Invocation.get_cancellable].
 *
 * Since: 1.0
 */
typedef void (*PpInvocationFunc) (GObject      *object,
                                  GVariant     *parameters,
                                  PpInvocation *invocation,
                                  gpointer      user_data);

PP_AVAILABLE_IN_1_0
const char *pp_invocation_get_method_name       (PpInvocation *self);
PP_AVAILABLE_IN_1_0
GVariant   *pp_invocation_get_parameters        (PpInvocation *self);
PP_AVAILABLE_IN_1_0
GUnixFDList *pp_invocation_get_unix_fd_list     (PpInvocation *self);
PP_AVAILABLE_IN_1_0
GObject    *pp_invocation_get_object            (PpInvocation *self);
PP_AVAILABLE_IN_1_0
GCancellable *pp_invocation_get_cancellable     (PpInvocation *self);
PP_AVAILABLE_IN_1_0
void        pp_invocation_return_value          (PpInvocation *self,
                                                 GVariant     *result);
PP_AVAILABLE_IN_1_0
void        pp_invocation_return_value_with_unix_fd_list (PpInvocation *self,
                                                          GVariant     *result,
                                                          GUnixFDList  *fd_list);
PP_AVAILABLE_IN_1_0
void        pp_invocation_return_gerror         (PpInvocation *self,
                                                 const GError *error);
PP_AVAILABLE_IN_1_0
void        pp_invocation_return_error_literal  (PpInvocation *self,
                                                 GQuark        domain,
                                                 int           code,
                                                 const char   *message);

G_END_DECLS
