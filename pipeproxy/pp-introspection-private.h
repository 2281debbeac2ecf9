/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-description-private.h"

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
/* Streams in the arguments and results are indexes into @in_fds and
 * @out_fds (see pp-marshal-private.h) */
GVariant           *pp_method_invoke               (PpMethod      *method,
                                                    GObject       *object,
                                                    GVariant      *parameters,
                                                    GUnixFDList   *in_fds,
                                                    GUnixFDList  **out_fds,
                                                    GError       **error);

/* @result, @out_fds and @error are borrowed; one of @result and @error is
 * set */
typedef void      (*PpMethodCallback)              (GVariant       *result,
                                                    GUnixFDList    *out_fds,
                                                    const GError   *error,
                                                    gpointer        user_data);

gboolean            pp_method_is_async             (PpMethod         *method);
void                pp_method_invoke_async         (PpMethod         *method,
                                                    GObject          *object,
                                                    GVariant         *parameters,
                                                    GUnixFDList      *in_fds,
                                                    GCancellable     *cancellable,
                                                    PpMethodCallback  callback,
                                                    gpointer          user_data);

gboolean            pp_introspection_check_args    (const char          *method,
                                                    const GVariantType  *expected,
                                                    GVariant            *parameters,
                                                    GError             **error);

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

/* Makes an object of a type named through GObject-Introspection, with
 * construct properties given as "name=value" (value in GVariant text
 * format, or plain text for a string), for pipeproxy-host. */
GObject            *pp_introspection_new_object          (const char         *namespace_,
                                                          const char         *version,
                                                          const char         *type_name,
                                                          const char * const *properties,
                                                          GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpMethod, pp_method_unref)

G_END_DECLS
