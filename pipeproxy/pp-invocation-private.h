/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-private.h"
#include "pp-exports-private.h"
#include "pp-invocation.h"
#include "pp-method-private.h"

G_BEGIN_DECLS

/* The calls of one connection that are answered later, by serial, so that
 * the peer's CANCEL, or the end of the connection, reaches their
 * cancellables. Shared by the listener and its invocations, which may be
 * answered from any thread. */
typedef struct _PpRunningCalls PpRunningCalls;

PpRunningCalls *pp_running_calls_new        (void);
PpRunningCalls *pp_running_calls_ref        (PpRunningCalls *running);
void            pp_running_calls_unref      (PpRunningCalls *running);
void            pp_running_calls_cancel     (PpRunningCalls *running,
                                             guint32         serial);
/* A CANCEL as it is read, maybe before its call started: then the call is
 * cancelled as it starts (the last few such serials are kept) */
void            pp_running_calls_cancel_early (PpRunningCalls *running,
                                               guint32         serial);
/* The connection ended: every call, also one still being dispatched, is
 * cancelled */
void            pp_running_calls_cancel_all (PpRunningCalls *running);

/* An invocation for the calls on @connection to @object (NULL for one
 * that is not there), one at a time; objects in the results are exported
 * through @exports */
PpInvocation *pp_invocation_new        (PpConnection   *connection,
                                        PpRunningCalls *running,
                                        PpExports      *exports,
                                        GObject        *object);
/* Starts a call in a new invocation, or in a recycled one; @method_name
 * points into @body */
void          pp_invocation_start      (PpInvocation   *self,
                                        guint32         serial,
                                        gboolean        no_reply,
                                        GVariant       *body,
                                        const char     *method_name,
                                        GVariant       *parameters,
                                        GUnixFDList    *fd_list,
                                        GPtrArray      *objects);
/* The objects the parameters' 'o' values index, or NULL */
GPtrArray    *pp_invocation_get_objects (PpInvocation  *self);
/* Its call answered, and nobody but the listener ever held it: forgets
 * the call and returns TRUE, so that the next one can start in it instead
 * of a new object */
gboolean      pp_invocation_recycle    (PpInvocation   *self);
/* The method that answers, whose result type is checked; takes @method */
void          pp_invocation_take_method (PpInvocation  *self,
                                         PpMethod      *method);
/* Answers with @result, of the method's out-type, @fds and @objects, or
 * with @error; all borrowed */
void          pp_invocation_return     (PpInvocation   *self,
                                        GVariant       *result,
                                        GUnixFDList    *fds,
                                        GPtrArray      *objects,
                                        const GError   *error);
/* PpMethodCallbacks that answer the invocation given as user data; the
 * one for an async method, which answers after its dispatch, drops the
 * reference the method held */
void          pp_invocation_method_done       (GVariant     *result,
                                               GUnixFDList  *out_fds,
                                               GPtrArray    *out_objects,
                                               const GError *error,
                                               gpointer      user_data);
void          pp_invocation_async_method_done (GVariant     *result,
                                               GUnixFDList  *out_fds,
                                               GPtrArray    *out_objects,
                                               const GError *error,
                                               gpointer      user_data);

/* Its dispatch returned: an invocation not answered yet is running, and
 * a CANCEL for its serial cancels it from now on. Ends the reading that
 * pp_invocation_cancellable() may have started. */
void          pp_invocation_dispatched (PpInvocation   *self);
/* The call's cancellable. With @blocking, asked in the listener's thread
 * before the dispatch returned, the dispatch may block the listener's
 * context: a CANCEL for the call cancels it from now on, and until the
 * dispatch returns a thread of the library reads the connection, so that
 * the CANCEL is seen at once. */
GCancellable *pp_invocation_cancellable (PpInvocation  *self,
                                         gboolean       blocking);
/* Runs the method taken with pp_invocation_take_method(), one added with
 * pp_listener_add_method_with_invocation(), which answers through @self */
void          pp_invocation_invoke_added (PpInvocation *self,
                                          GObject      *object,
                                          GVariant     *parameters);

/* The one way an answer leaves: RETURN with @result, @fds and @objects
 * (exported through @exports), or ERROR with @error. A result whose
 * descriptors cannot pass, or whose objects cannot be exported, is
 * answered with why. */
void          pp_invocation_send_answer (PpConnection  *connection,
                                         PpExports     *exports,
                                         guint32        serial,
                                         GVariant      *result,
                                         GUnixFDList   *fds,
                                         GPtrArray     *objects,
                                         const GError  *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpRunningCalls, pp_running_calls_unref)

G_END_DECLS
