/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the pp-introspection*.c files share. They are the only files that
 * use libgirepository: pp-introspection.c (the typelibs: namespaces
 * loaded as needed, types and classes by name), pp-introspection-types.c
 * (a GI type as a PpTypeDesc), pp-introspection-methods.c (methods found
 * and prepared for invoking), pp-introspection-describe.c (an exported
 * object's type described for the handshake) and
 * pp-introspection-vfuncs.c (the virtual functions of an interface, and
 * closures that implement them). */

#include <girepository.h>

#include "pp-marshal-private.h"
#include "pp-method-private.h"

G_BEGIN_DECLS

/* gobject-introspection 1.74 has no autoptr for its infos, which are all
 * the same type underneath. */
static inline void
info_cleanup (GIBaseInfo **info)
{
  if (*info != NULL)
    g_base_info_unref (*info);
}
#define auto_info __attribute__ ((cleanup (info_cleanup)))

/* libgirepository is not thread-safe; every use of it holds this lock. */
extern GMutex pp_introspection_gi_lock;

/* The namespaces are loaded before the first look-up: libgirepository
 * remembers a GType it could not find, even after more namespaces load. */
GIBaseInfo *pp_introspection_find_info_locked   (GType        type);

/* @type, its parent types, then its interfaces: where the methods and
 * signals of a value of @type come from, in the order a look-up tries
 * them. Free with g_free (). */
GType      *pp_introspection_lineage            (GType        type,
                                                 guint       *n_types);
/* The GType of @info, as g_registered_type_info_get_g_type() gives it,
 * but by name when the type is registered already, which costs no
 * look-up of its get-type function in the library's symbols */
GType       pp_introspection_registered_gtype   (GIRegisteredTypeInfo *info);

/* The functions of an object, struct, boxed, union or interface info
 * (0 for any other info), by index or by name */
int             pp_introspection_info_n_methods   (GIBaseInfo *info);
GIFunctionInfo *pp_introspection_info_get_method  (GIBaseInfo *info,
                                                   int         i);
GIFunctionInfo *pp_introspection_info_find_method (GIBaseInfo *info,
                                                   const char *name);

/* What crosses for a value of @type_info, or NULL with @error set saying
 * why it cannot cross */
PpTypeDesc *pp_introspection_desc_for_type_info (GITypeInfo  *type_info,
                                                 gboolean     nullable,
                                                 GError     **error);

/* The types of a function, or of a virtual function (which has no
 * invoker: method->native_address is NULL), as for a method the peer
 * calls; NULL with @error set when they cannot cross */
PpMethod   *pp_introspection_method_from_callable_locked (GICallableInfo  *info,
                                                          const char      *type_name,
                                                          GError         **error);

G_END_DECLS
