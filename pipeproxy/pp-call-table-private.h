/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-wire-private.h"

G_BEGIN_DECLS

/* The calls one side made that wait for their replies, by serial: serials
 * never reused while a call waits, the limit on how many may wait, which
 * frame answers which call, and how an asynchronous call's task ends.
 *
 * Not thread-safe on its own: the connection's lock covers the table and
 * the calls in it. A call taken out of the table belongs to whoever took
 * it, which ends it exactly once. */

/* What answered a call: the RETURN's result tuple (or the WELCOME's body)
 * and the descriptors that came with it, NULL when none did. */
typedef struct
{
  GVariant    *value;
  GUnixFDList *fds;
  GPtrArray   *objects;   /* what the result's 'o' values index */
} PpReply;

void pp_reply_clear (PpReply *reply);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PpReply, pp_reply_clear)

/* The value, and the descriptors and objects to @out_fd_list and
 * @out_objects; where those are NULL what they would get stays in @reply,
 * to be cleared with it */
static inline GVariant *
pp_reply_steal (PpReply      *reply,
                GUnixFDList **out_fd_list,
                GPtrArray   **out_objects)
{
  if (out_fd_list != NULL)
    *out_fd_list = g_steal_pointer (&reply->fds);
  if (out_objects != NULL)
    *out_objects = g_steal_pointer (&reply->objects);
  return g_steal_pointer (&reply->value);
}

typedef struct
{
  guint32      serial;
  PpWireKind   reply_kind;
  /* The type a RETURN's result must have, or NULL for any; borrowed */
  const GVariantType *reply_type;
  /* asynchronous calls */
  GTask       *task;
  GSource     *timeout_source;
  gulong       cancel_id;
  /* synchronous calls */
  gboolean     sync;
  gboolean     done;
  /* how it ended: a reply, or an error */
  PpReply      reply;
  GError      *error;
} PpPendingCall;

PpPendingCall *pp_pending_call_new_async    (PpWireKind           reply_kind,
                                             const GVariantType  *reply_type,
                                             GTask               *task);
void           pp_pending_call_free         (PpPendingCall       *call);
void           pp_pending_call_take_reply   (PpPendingCall       *call,
                                             const PpWireHeader  *header,
                                             GVariant            *body,
                                             GPtrArray           *objects,
                                             GUnixFDList         *fds);
void           pp_pending_call_return       (PpPendingCall       *call);
gboolean       pp_pending_call_finish       (GAsyncResult        *result,
                                             PpReply             *reply,
                                             GError             **error);

typedef struct _PpCallTable PpCallTable;

PpCallTable   *pp_call_table_new            (guint                max_calls);
void           pp_call_table_free           (PpCallTable         *self);
guint          pp_call_table_get_max_calls  (PpCallTable         *self);
void           pp_call_table_set_max_calls  (PpCallTable         *self,
                                             guint                max_calls);
gboolean       pp_call_table_add            (PpCallTable         *self,
                                             PpPendingCall       *call,
                                             GError             **error);
PpPendingCall *pp_call_table_lookup         (PpCallTable         *self,
                                             guint32              serial);
PpPendingCall *pp_call_table_steal          (PpCallTable         *self,
                                             guint32              serial);
void           pp_call_table_steal_all      (PpCallTable         *self,
                                             GQueue              *calls);

/* Calls given up on (cancelled, timed out) whose peer has not answered
 * them yet, and must within the cancel time-out (0, the default, for no
 * such wait): pp_call_table_give_up() takes the call out like
 * pp_call_table_steal() and keeps its serial until the late reply comes
 * (pp_call_table_find_answered()) or the table is emptied by
 * pp_call_table_steal_all(). With a cancel time-out the connection arms a
 * timer for it, which the table destroys when the reply comes first. */
guint          pp_call_table_get_cancel_timeout (PpCallTable     *self);
void           pp_call_table_set_cancel_timeout (PpCallTable     *self,
                                                 guint            timeout_msec);
PpPendingCall *pp_call_table_give_up        (PpCallTable         *self,
                                             guint32              serial);
/* Keeps @timer (a reference) for @serial; FALSE when the reply came, or
 * the table was emptied, in between */
gboolean       pp_call_table_set_cancel_timer (PpCallTable       *self,
                                               guint32            serial,
                                               GSource           *timer);
/* How many such serials wait for their late reply: the peer may still be
 * working on them */
guint          pp_call_table_get_n_unanswered (PpCallTable       *self);
/* Whether @serial was still unanswered: its timer fired */
gboolean       pp_call_table_take_unanswered (PpCallTable        *self,
                                              guint32             serial);
gboolean       pp_call_table_find_answered  (PpCallTable         *self,
                                             const PpWireHeader  *header,
                                             GVariant            *body,
                                             PpPendingCall      **call,
                                             GError             **error);

G_END_DECLS
