/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "pp-description-private.h"
#include "pp-method-private.h"

G_BEGIN_DECLS

/* The virtual functions of an interface, read from its typelib, and C
 * functions made at run time (ffi closures) that implement them: what a
 * mirror type needs to implement an interface of the remote object; and
 * whether a proxy can, by the same rule on both sides. */

typedef struct
{
  char      *name;          /* of the virtual function */
  char      *method_name;   /* of the method that calls it: its invoker, else its own name */
  gsize      offset;        /* of its pointer in the interface structure */
  PpMethod  *method;        /* its types, as a method's; NULL when they cannot cross */
  char      *reason;        /* why not, when @method is NULL */
  gpointer   info;          /* GIVFuncInfo */
} PpVfunc;

/* Called with the C arguments as libffi gives them: @args[0] points to the
 * instance, @args[1 + i] to argument i of @vfunc->method, then to the
 * GError ** of a method that throws. @ret is ffi's return slot. */
typedef void (*PpVfuncHandler) (const PpVfunc *vfunc,
                                gpointer       ret,
                                gpointer      *args,
                                gpointer       user_data);

/* The virtual functions of interface @iface that are not signal class
 * handlers (PpVfunc, freed with it); NULL with @error set when it has
 * no typelib or a virtual function is not in its structure */
GPtrArray  *pp_vfuncs_for_interface (GType           iface,
                                     GError        **error);
/* A C function of @vfunc's type that calls @handler. It is never freed:
 * it is made for mirror types, which are never freed either. */
gpointer    pp_vfunc_make_closure   (const PpVfunc  *vfunc,
                                     PpVfuncHandler  handler,
                                     gpointer        user_data);

/* Why @vfuncs cannot be forwarded to the methods of @description, or
 * NULL: each needs a method the peer can call, of the same types */
char       *pp_vfuncs_check               (GPtrArray      *vfuncs,
                                           PpDescription  *description);
/* Listener side: refuses in @description each interface of @type that a
 * proxy cannot implement, with the reason. Its methods are described
 * already. */
void        pp_vfuncs_describe_interfaces (GType           type,
                                           PpDescription  *description);

G_END_DECLS
