/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What some well-known methods require of their arguments beyond their
 * signature, checked before they run: a value that GLib would meet with a
 * critical warning (an action's state of another type than its state
 * type, a GSettings key the schema does not have) fails the call with
 * PP_ERROR_INVALID_ARGUMENTS instead, so that a listener survives a peer
 * that sends it under G_DEBUG=fatal-criticals. Methods only the object's
 * implementation may call (g_list_model_items_changed() and the like,
 * which tell every user of the object about a change that did not
 * happen) fail with PP_ERROR_ACCESS_DENIED.
 *
 * The same goes for a property whose setter asserts more than its
 * GParamSpec says (a GSimpleAction's state), or whose getter asserts a
 * state of the object (a GApplication's "is-remote").
 *
 * The rules are one table in pp-preconditions.c, keyed by the class or
 * interface and the method's name and in-signature, or the property's
 * name. Index ranges and other rules only the object knows are its own
 * business. */

typedef struct _PpPreconditions PpPreconditions;

/* The rules for the methods of @type, or NULL when there are none, which
 * is the case for most types: the call path then costs nothing. */
PpPreconditions *pp_preconditions_for_type (GType             type);
void             pp_preconditions_free     (PpPreconditions  *self);

/* Whether the call of the introspected method @method with @parameters
 * (of @in_type, else no rule applies) may go to @object */
gboolean         pp_preconditions_check    (PpPreconditions     *self,
                                            GObject             *object,
                                            const char          *method,
                                            const GVariantType  *in_type,
                                            GVariant            *parameters,
                                            GError             **error);
/* Whether the peer may set the property @name of @object to @value, as
 * g_object_set_property() would be given it; @self may be NULL */
gboolean         pp_preconditions_check_property (PpPreconditions  *self,
                                                  GObject          *object,
                                                  const char       *name,
                                                  const GValue     *value,
                                                  GError          **error);
/* Whether the property @name of @object may be read now: a few getters
 * assert what only holds in some states (a GApplication's "is-remote",
 * once it is registered); @self may be NULL */
gboolean         pp_preconditions_check_read (PpPreconditions  *self,
                                              GObject          *object,
                                              const char       *name,
                                              GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpPreconditions, pp_preconditions_free)

G_END_DECLS
