/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A boxed value of a type with no value form, served to the peer by
 * reference: a copy this side owns (g_boxed_copy()), freed with
 * g_boxed_free() when the object goes, that is when the peer released
 * every reference to it. In the handle tables it stands for the value as
 * a GObject stands for itself: its handle, its TYPE (the boxed type's
 * introspected methods, no signals, no properties), its release. The
 * peer calls its methods as an object's, and passing it back gives the
 * owner this very copy.
 *
 * @source, the object (or the reference) whose method gave the value, is
 * kept alive with it: a GtkTextIter points into its buffer without a
 * reference of its own. Immutable once made: any thread. */

#define PP_TYPE_BOXED_REF (pp_boxed_ref_get_type ())
G_DECLARE_FINAL_TYPE (PpBoxedRef, pp_boxed_ref, PP, BOXED_REF, GObject)

/* A reference to a copy of @boxed (of @type) */
GObject  *pp_boxed_ref_new              (GType          type,
                                         gconstpointer  boxed,
                                         GObject       *source);
GType     pp_boxed_ref_get_boxed_type   (PpBoxedRef    *self);
/* The copy itself, owned by @self */
gpointer  pp_boxed_ref_get_boxed        (PpBoxedRef    *self);

/* The type whose methods the peer calls on @object: the boxed type of a
 * reference, the object's class otherwise */
GType     pp_boxed_ref_method_type      (GObject       *object);
/* The instance those methods take: the boxed copy of a reference, the
 * object otherwise */
gpointer  pp_boxed_ref_instance         (GObject       *object);
/* Whether values of @type cross as references: a boxed type with no
 * value form of its own or registered, and not one that stands for code
 * (GClosure) */
gboolean  pp_boxed_ref_is_referenced    (GType          type);

G_END_DECLS
