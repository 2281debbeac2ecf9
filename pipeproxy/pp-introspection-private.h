/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-description-private.h"
#include "pp-method-private.h"

G_BEGIN_DECLS

/* Finds the methods of an exported object and describes it. This file's
 * .c is the only place that uses libgirepository. */

/* An introspected method or an action signal of @type, prepared for
 * invoking; it is kept for the next look-up of the same name. */
PpMethod           *pp_introspection_lookup_method (GType        type,
                                                    const char  *name,
                                                    GError     **error);

/* Self-description, sent to the proxy in the handshake: each fills
 * @description. Whatever cannot be used from another process is described
 * with the reason, or left out with the reason in a debug message. */
void                pp_introspection_describe_type       (GType            type,
                                                          PpDescription   *description);
/* Methods described already (e.g. added ones) are kept */
void                pp_introspection_describe_methods    (GType            type,
                                                          PpDescription   *description);
void                pp_introspection_describe_signals    (GType            type,
                                                          PpDescription   *description);
void                pp_introspection_describe_properties (GObject         *object,
                                                          PpDescription   *description);
gboolean            pp_introspection_signal_is_mirrored  (GType            type,
                                                          const char      *name,
                                                          guint           *signal_id);

/* The class @type_name of the namespace @namespace_ (loaded first, in
 * @version or the latest), for pipeproxy-host; G_TYPE_INVALID with @error
 * set if there is none */
GType               pp_introspection_find_class          (const char         *namespace_,
                                                          const char         *version,
                                                          const char         *type_name,
                                                          GError            **error);

/* The function @name of the class or interface @type_name that returns a
 * new object (gtk_string_list_new(), g_file_new_for_path()), for
 * pipeproxy-host; NULL with @error set if there is none or its arguments
 * cannot cross */
PpMethod           *pp_introspection_lookup_constructor  (const char         *namespace_,
                                                          const char         *version,
                                                          const char         *type_name,
                                                          const char         *name,
                                                          GError            **error);

/* The GType called @name (a name from the peer), loaded from the typelib
 * that defines it when it is not registered yet: only typelibs on the
 * search path whose namespace's C prefix starts @name are loaded.
 * G_TYPE_INVALID with @error set if there is none. */
GType               pp_introspection_type_from_name      (const char         *name,
                                                          GError            **error);

G_END_DECLS
