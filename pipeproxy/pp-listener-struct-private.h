/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The instance of PpListener, shared by the files that make it up:
 * pp-listener.c (the type: properties, signals, public API),
 * pp-listener-frames.c (what each frame from the peer does),
 * pp-listener-handshake.c (HELLO and WELCOME, or the refusal) and
 * pp-listener-calls.c (a CALL to the object admitted and dispatched; the
 * calls to the other objects it exports are pp-export-server.c's).
 * Nothing else includes it. */

#include "pp-access-private.h"
#include "pp-connection-private.h"
#include "pp-export-server-private.h"
#include "pp-exports-private.h"
#include "pp-forwarder-private.h"
#include "pp-imports-private.h"
#include "pp-invocation-private.h"
#include "pp-listener-private.h"
#include "pp-preconditions-private.h"

G_BEGIN_DECLS

struct _PpListener
{
  GObject         parent_instance;

  GObject        *object;
  GIOStream      *stream;
  PpConnection   *connection;
  GHashTable     *methods;      /* name → PpMethod, added */
  gsize           max_message_size;
  gsize           memfd_threshold;
  gsize           max_queued_input;
  gsize           max_queued_output;
  guint           max_calls_in_flight;
  gboolean        greeted;
  gboolean        closed;
  PpForwarder    *forwarder;
  PpExports      *exports;      /* the object as handle 0, and what calls return */
  guint           max_objects;
  PpImports      *imports;      /* the peer's objects passed to calls */
  PpDescriptionLimits limits;   /* of the peer's descriptions of them */
  guint           max_mirror_types;
  guint           max_mirror_members;
  PpExportServer *server;       /* the other objects; the calls answered later */
  PpInvocation   *spare;        /* for the next call */
  char           *last_name;    /* the name a call looked up last */
  PpMethod       *last_method;  /* and what it found */
  PpPreconditions *preconditions; /* of the object's type, mostly none */
  PpAccess       *access;       /* who may use what: pp-access.c */
};

enum {
  CLOSED,
  HANDLE_METHOD_CALL,
  AUTHORIZE,
  N_SIGNALS
};

extern guint pp_listener_signals[N_SIGNALS];

/* The listener's side of its connection (pp-listener-frames.c) */
extern const PpConnectionCallbacks pp_listener_callbacks;

/* A PpImportsProxyFunc for the listener's import table
 * (pp-listener-frames.c) */
GObject *pp_listener_make_imported_proxy (guint32        handle,
                                          guint          generation,
                                          PpDescription *description,
                                          GHashTable    *values,
                                          gpointer       user_data);

/* Tells the peer what was wrong, closes, and frees @error */
void pp_listener_protocol_error (PpListener         *self,
                                 GError             *error);
void pp_listener_handle_hello   (PpListener         *self,
                                 const PpWireHeader *header,
                                 GVariant           *body);
void pp_listener_handle_call    (PpListener         *self,
                                 const PpWireHeader *header,
                                 GVariant           *body,
                                 GUnixFDList        *fds,
                                 GPtrArray          *objects);
/* Forgets the method a call looked up last: the methods changed */
void pp_listener_forget_method  (PpListener         *self);

G_END_DECLS

