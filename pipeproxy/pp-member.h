/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib-object.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

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

PP_AVAILABLE_IN_1_0
G_DECLARE_DERIVABLE_TYPE (PpMember, pp_member, PP, MEMBER, GObject)

/**
 * PpMemberClass:
 * @parent_class: the parent class
 *
 * The class of [class@Pp.Member], an abstract type: the members are
 * [class@Pp.MethodMember], [class@Pp.SignalMember] and
 * [class@Pp.PropertyMember].
 *
 * Since: 1.0
 */
struct _PpMemberClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

PP_AVAILABLE_IN_1_0
const char       *pp_member_get_name                 (PpMember       *self);
PP_AVAILABLE_IN_1_0
gboolean          pp_member_get_available            (PpMember       *self);
PP_AVAILABLE_IN_1_0
const char       *pp_member_get_unavailable_reason   (PpMember       *self);

#define PP_TYPE_METHOD_MEMBER (pp_method_member_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpMethodMember, pp_method_member, PP, METHOD_MEMBER, PpMember)

PP_AVAILABLE_IN_1_0
const char       *pp_method_member_get_in_signature  (PpMethodMember *self);
PP_AVAILABLE_IN_1_0
const char       *pp_method_member_get_out_signature (PpMethodMember *self);
PP_AVAILABLE_IN_1_0
gboolean          pp_method_member_get_throws        (PpMethodMember *self);
PP_AVAILABLE_IN_1_0
PpMethodDispatch  pp_method_member_get_dispatch      (PpMethodMember *self);

#define PP_TYPE_SIGNAL_MEMBER (pp_signal_member_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpSignalMember, pp_signal_member, PP, SIGNAL_MEMBER, PpMember)

PP_AVAILABLE_IN_1_0
const char       *pp_signal_member_get_signature     (PpSignalMember *self);
PP_AVAILABLE_IN_1_0
GSignalFlags      pp_signal_member_get_flags         (PpSignalMember *self);

#define PP_TYPE_PROPERTY_MEMBER (pp_property_member_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpPropertyMember, pp_property_member, PP, PROPERTY_MEMBER, PpMember)

PP_AVAILABLE_IN_1_0
const char       *pp_property_member_get_signature   (PpPropertyMember *self);
PP_AVAILABLE_IN_1_0
GParamFlags       pp_property_member_get_flags       (PpPropertyMember *self);
PP_AVAILABLE_IN_1_0
const char       *pp_property_member_get_value_type_name (PpPropertyMember *self);

G_END_DECLS
