/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

/**
 * PpRequestKind:
 * @PP_REQUEST_CONNECT: the peer's handshake: whether to serve this peer
 *   at all. Refusing it closes the connection.
 * @PP_REQUEST_CALL: a call of a method
 * @PP_REQUEST_SET_PROPERTY: a write of a property
 * @PP_REQUEST_SUBSCRIBE: a subscription to a signal: its emissions are to
 *   be sent to the peer from now on
 *
 * What the peer asks of a [class@Pp.Listener]; see
 * [signal@Pp.Listener::authorize].
 *
 * Since: 1.0
 */
typedef enum
{
  PP_REQUEST_CONNECT,
  PP_REQUEST_CALL,
  PP_REQUEST_SET_PROPERTY,
  PP_REQUEST_SUBSCRIBE,
} PpRequestKind;

#define PP_TYPE_REQUEST (pp_request_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpRequest, pp_request, PP, REQUEST, GObject)

PP_AVAILABLE_IN_1_0
PpRequestKind pp_request_get_kind         (PpRequest    *self);
PP_AVAILABLE_IN_1_0
const char   *pp_request_get_name         (PpRequest    *self);
PP_AVAILABLE_IN_1_0
GVariant     *pp_request_get_parameters   (PpRequest    *self);
PP_AVAILABLE_IN_1_0
GCredentials *pp_request_get_credentials  (PpRequest    *self);
PP_AVAILABLE_IN_1_0
GObject      *pp_request_get_object       (PpRequest    *self);
PP_AVAILABLE_IN_1_0
void          pp_request_refuse           (PpRequest    *self,
                                           const GError *error);
PP_AVAILABLE_IN_1_0
void          pp_request_refuse_literal   (PpRequest    *self,
                                           GQuark        domain,
                                           int           code,
                                           const char   *message);

G_END_DECLS
