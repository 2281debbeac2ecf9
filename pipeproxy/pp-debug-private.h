/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-wire-private.h"

G_BEGIN_DECLS

/* PIPEPROXY_DEBUG, like GDBUS_DEBUG: a list of the keys below separated by
 * commas (or "all", or "help" for the list), read once, when the first
 * frame stream is made. With "message", every frame read or queued is
 * logged through GLib's structured logging, in the domain "Pp", with
 * fields a journal can filter on (see pp-debug.c).
 *
 * The frame stream tests pp_debug_flags before each call in: one load and
 * one branch that is never taken when the variable is not set. */

typedef enum
{
  PP_DEBUG_MESSAGE = 1 << 0,
} PpDebugFlags;

extern guint pp_debug_flags;

typedef enum
{
  PP_DEBUG_IN,
  PP_DEBUG_OUT,
} PpDebugDirection;

void pp_debug_init        (void);

/* A frame read: its header and decoded body */
void pp_debug_frame_in    (gconstpointer       stream,
                           const PpWireHeader *header,
                           GVariant           *body);
/* A frame queued: as encoded, with the descriptors that go with it, and
 * whether its body goes in a memfd */
void pp_debug_frame_out   (gconstpointer       stream,
                           GBytes             *frame,
                           GUnixFDList        *fds,
                           gboolean            body_in_memfd);

G_END_DECLS
