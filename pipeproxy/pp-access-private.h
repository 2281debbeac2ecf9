/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-description-private.h"
#include "pp-request.h"

G_BEGIN_DECLS

/* Who may use what of the object a PpListener serves: the peer's
 * credentials and the same-user rule, the allowlist of members, and the
 * PpListener::authorize handlers, which see a PpRequest per call,
 * property write, subscription and connection. The listener and its
 * forwarder ask here; nothing else decides. Used in the listener's
 * thread only, but for pp_access_get_credentials(). */
typedef struct _PpAccess PpAccess;

typedef enum
{
  PP_ACCESS_METHOD   = 1 << 0,
  PP_ACCESS_SIGNAL   = 1 << 1,
  PP_ACCESS_PROPERTY = 1 << 2,
} PpAccessMember;

/* @listener emits @authorize_signal, (PpRequest) → gboolean, for every
 * request while it has a handler. Not referenced: @listener owns the
 * result. */
PpAccess      *pp_access_new                   (GObject             *listener,
                                                guint                authorize_signal);
void           pp_access_free                  (PpAccess            *self);
/* The peer is at the other end of @stream: reads its credentials */
void           pp_access_set_stream            (PpAccess            *self,
                                                GIOStream           *stream);

/* The credentials of the process at the other end, when the stream is a
 * unix socket (also one made of a socket's descriptor); NULL for anything
 * else, e.g. a pair of pipes. Fixed once made: any thread. */
GCredentials  *pp_access_get_credentials       (PpAccess            *self);

gboolean       pp_access_get_require_same_user (PpAccess            *self);
/* TRUE if it changed */
gboolean       pp_access_set_require_same_user (PpAccess            *self,
                                                gboolean             require);

/* NULL: every member. Entries are "name" (the method, signal and property
 * of that name), "method:name", "signal:name" or "property:name"; '-'
 * and '_' are the same. */
const char * const *pp_access_get_allowed      (PpAccess            *self);
/* TRUE if it changed */
gboolean       pp_access_set_allowed           (PpAccess            *self,
                                                const char * const  *names);

/* At the handshake: the same-user rule, then the handlers (a request of
 * kind PP_REQUEST_CONNECT). FALSE with the error to close with. */
gboolean       pp_access_admit_peer            (PpAccess            *self,
                                                GError             **error);

/* Whether the allowlist has @name as a @member; TRUE without a list */
gboolean       pp_access_shows                 (PpAccess            *self,
                                                PpAccessMember       member,
                                                const char          *name);
/* What the peer is told of the object: @full (transfer full) without the
 * members the allowlist leaves out */
PpDescription *pp_access_filter_description    (PpAccess            *self,
                                                PpDescription       *full,
                                                GType                type);

/* Whether a call needs pp_access_admit_call() at all: there is an
 * allowlist or an authorize handler. Cheap. */
gboolean       pp_access_checks_calls          (PpAccess            *self);
/* A call of @name of @object (the listener's, or one it exported) with
 * @parameters: the allowlist, the arguments against @in_type (when
 * known) and the handlers. FALSE with
 * PP_ERROR_ACCESS_DENIED, or the handler's own error, or the arguments'
 * type error. */
gboolean       pp_access_admit_call            (PpAccess            *self,
                                                GObject             *object,
                                                const char          *name,
                                                const GVariantType  *in_type,
                                                GVariant            *parameters,
                                                GError             **error);
/* A property write ((mv) @parameters) or a subscription (()) of
 * @object; the parameters are borrowed, here and in
 * pp_access_admit_call() */
gboolean       pp_access_admit                 (PpAccess            *self,
                                                PpRequestKind        kind,
                                                GObject             *object,
                                                const char          *name,
                                                GVariant            *parameters,
                                                GError             **error);

/* The accumulator of PpListener::authorize: stops at the first FALSE */
gboolean       pp_access_accumulate            (GSignalInvocationHint *hint,
                                                GValue                *return_accu,
                                                const GValue          *handler_return,
                                                gpointer               data);

/* Requests, for pp-access.c */
PpRequest     *pp_request_new                  (PpRequestKind        kind,
                                                GObject             *object,
                                                const char          *name,
                                                GVariant            *parameters,
                                                GCredentials        *credentials);
/* Whether it was refused, by a handler's FALSE or its refusal; if so,
 * sets @error to the handler's error or PP_ERROR_ACCESS_DENIED */
gboolean       pp_request_refused              (PpRequest           *self,
                                                gboolean             allowed,
                                                const char          *type_name,
                                                GError             **error);

G_END_DECLS
