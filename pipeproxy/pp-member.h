/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib-object.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

/**
 * PpMemberKind:
 * @PP_MEMBER_METHOD: a method the proxy can call
 * @PP_MEMBER_SIGNAL: a signal of the remote object
 * @PP_MEMBER_PROPERTY: a property of the remote object
 *
 * What a [class@Pp.Member] describes.
 *
 * Since: 1.0
 */
typedef enum
{
  PP_MEMBER_METHOD,
  PP_MEMBER_SIGNAL,
  PP_MEMBER_PROPERTY,
} PpMemberKind;

/**
 * PpMethodDispatch:
 * @PP_METHOD_DISPATCH_INTROSPECTED: a method found through
 *   GObject-Introspection, called directly
 * @PP_METHOD_DISPATCH_ASYNC: an `x_async()`/`x_finish()` pair, called as one
 *   method `x_async`
 * @PP_METHOD_DISPATCH_ACTION_SIGNAL: an action signal, emitted
 * @PP_METHOD_DISPATCH_ADDED: a method added to the listener with
 *   [method@Pp.Listener.add_method] or answered by its handlers
 *
 * How the listener runs a method of the remote object.
 *
 * Since: 1.0
 */
typedef enum
{
  PP_METHOD_DISPATCH_INTROSPECTED,
  PP_METHOD_DISPATCH_ASYNC,
  PP_METHOD_DISPATCH_ACTION_SIGNAL,
  PP_METHOD_DISPATCH_ADDED,
} PpMethodDispatch;

#define PP_TYPE_MEMBER (pp_member_get_type ())

PP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PpMember, pp_member, PP, MEMBER, GObject)

PP_AVAILABLE_IN_ALL
PpMemberKind  pp_member_get_kind          (PpMember *self);
PP_AVAILABLE_IN_ALL
const char   *pp_member_get_name          (PpMember *self);
PP_AVAILABLE_IN_ALL
const char   *pp_member_get_signature     (PpMember *self);
PP_AVAILABLE_IN_ALL
const char   *pp_member_get_out_signature (PpMember *self);
PP_AVAILABLE_IN_ALL
guint         pp_member_get_flags         (PpMember *self);
PP_AVAILABLE_IN_ALL
gboolean      pp_member_get_throws        (PpMember *self);
PP_AVAILABLE_IN_ALL
const char   *pp_member_get_detail        (PpMember *self);
PP_AVAILABLE_IN_ALL
gboolean      pp_member_get_available     (PpMember *self);

G_END_DECLS
