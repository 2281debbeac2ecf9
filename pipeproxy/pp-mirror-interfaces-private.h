/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "pp-description-private.h"

G_BEGIN_DECLS

/* The interfaces of the remote object, implemented by its mirror type:
 * each virtual function calls the remote method of the same meaning (its
 * invoker in the typelib, or the method of its own name). An interface is
 * implemented when its type is known here (registered, or in a typelib on
 * the search path), each of its virtual functions has a method the peer
 * can call with the same types, and the listener did not refuse it. */

typedef struct _PpMirrorInterfaces PpMirrorInterfaces;

/* Proxy side: adds the interfaces of @description to the mirror type
 * @type, registered and not yet initialized. Never freed, as the type. */
PpMirrorInterfaces *pp_mirror_interfaces_add      (GType               type,
                                                   PpDescription      *description);
/* Why the interface is not one of the proxy's, or NULL when it is */
const char         *pp_mirror_interfaces_reason   (PpMirrorInterfaces *self,
                                                   const char         *type_name);

G_END_DECLS
