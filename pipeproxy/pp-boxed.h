/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib-object.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

/**
 * PpBoxedToVariantFunc:
 * @boxed: (not nullable): the boxed value, borrowed
 * @error: return location for an error
 *
 * Makes the value form of a boxed value, for
 * [func@Pp.boxed_register_value_form].
 *
 * Returns: (transfer floating) (nullable): a value of the registered
 *   #GVariantType (a floating reference is sunk), or %NULL with @error set
 *
 * Since: 1.0
 */
typedef GVariant *(*PpBoxedToVariantFunc)   (gconstpointer   boxed,
                                             GError        **error);

/**
 * PpBoxedFromVariantFunc:
 * @value: a value of the registered #GVariantType, from the peer: checked
 *   to be of that type, but its contents are not to be trusted
 * @error: return location for an error
 *
 * Makes a boxed value from its value form, for
 * [func@Pp.boxed_register_value_form].
 *
 * Returns: (transfer full) (nullable): a new boxed value, which
 *   g_boxed_free() frees, or %NULL with @error set when @value does not
 *   stand for one
 *
 * Since: 1.0
 */
typedef gpointer  (*PpBoxedFromVariantFunc) (GVariant       *value,
                                             GError        **error);

PP_AVAILABLE_IN_1_0
void                pp_boxed_register_value_form (GType                   boxed_type,
                                                  const GVariantType     *value_type,
                                                  PpBoxedToVariantFunc    to_variant,
                                                  PpBoxedFromVariantFunc  from_variant);
PP_AVAILABLE_IN_1_0
void                pp_boxed_register_value_form_with_closures (GType               boxed_type,
                                                                const GVariantType *value_type,
                                                                GClosure           *to_variant,
                                                                GClosure           *from_variant);
PP_AVAILABLE_IN_1_0
const GVariantType *pp_boxed_get_value_type      (GType                   boxed_type);

G_END_DECLS
