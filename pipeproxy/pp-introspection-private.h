/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Describes and invokes the methods of an exported object. This file's .c
 * is the only place that uses libgirepository. */

typedef enum
{
  PP_METHOD_KIND_INTROSPECTED,
  PP_METHOD_KIND_ACTION_SIGNAL,
} PpMethodKind;

typedef struct _PpMethod PpMethod;

PpMethod           *pp_introspection_lookup_method (GType        type,
                                                    const char  *name,
                                                    GError     **error);
PpMethod           *pp_method_ref                  (PpMethod    *method);
void                pp_method_unref                (PpMethod    *method);
const char         *pp_method_get_name             (PpMethod    *method);
PpMethodKind        pp_method_get_kind             (PpMethod    *method);
const GVariantType *pp_method_get_in_type          (PpMethod    *method);
const GVariantType *pp_method_get_out_type         (PpMethod    *method);
gboolean            pp_method_get_throws           (PpMethod    *method);
GVariant           *pp_method_invoke               (PpMethod    *method,
                                                    GObject     *object,
                                                    GVariant    *parameters,
                                                    GError     **error);

gboolean            pp_introspection_check_args    (const char          *method,
                                                    const GVariantType  *expected,
                                                    GVariant            *parameters,
                                                    GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpMethod, pp_method_unref)

G_END_DECLS
