/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-connection-private.h"
#include "pp-description-private.h"
#include "pp-options.h"

G_BEGIN_DECLS

/* Says why the peer went away, e.g. how its process ended: a better error
 * than @error, or NULL. Called in whichever thread read the end, also
 * during the handshake. */
typedef GError *(*PpEndReasonFunc) (const GError *error,
                                    gpointer      user_data);

/* The proxy's side of HELLO/WELCOME, on a connection of its own, before
 * any proxy exists. Once it succeeded, @connection is started and
 * @description is what the listener described; whoever makes the proxy
 * takes them (and the rest) over, setting the connection's callbacks. */
typedef struct
{
  GIOStream           *stream;
  PpConnection        *connection;
  PpDescription       *description;

  /* From the options */
  PpDescriptionLimits  limits;
  int                  default_timeout;
  guint                cancel_timeout;
  guint                max_pending_calls;
  gsize                max_message_size;
  gsize                memfd_threshold;
  gsize                max_queued_input;
  gsize                max_queued_output;
  guint                max_mirror_types;
  guint                max_mirror_members;

  PpEndReasonFunc      end_reason;
  gpointer             end_reason_data;
  GDestroyNotify       end_reason_destroy;
} PpHandshake;

PpHandshake *pp_handshake_new          (GIOStream            *stream,
                                        PpOptions            *options,
                                        PpEndReasonFunc       end_reason,
                                        gpointer              end_reason_data,
                                        GDestroyNotify        destroy);
void         pp_handshake_free         (PpHandshake          *self);
gboolean     pp_handshake_run_sync     (PpHandshake          *self,
                                        GCancellable         *cancellable,
                                        GError              **error);
/* The task's source object is NULL */
void         pp_handshake_run_async    (PpHandshake          *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean     pp_handshake_run_finish   (GAsyncResult         *result,
                                        GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpHandshake, pp_handshake_free)

/* This boot's id, as the kernel gives it, or "" where it does not: two
 * processes that read the same one read the same monotonic clock */
const char  *pp_handshake_boot_id      (void);

G_END_DECLS
