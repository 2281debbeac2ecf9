/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-subprocess.h"

G_BEGIN_DECLS

/* A child process serving the object of a proxy, and the tail of what it
 * wrote to stderr, to say how it ended. */
typedef struct _PpWorker PpWorker;

PpWorker    *pp_worker_ref            (PpWorker *worker);
void         pp_worker_unref          (PpWorker *worker);
GSubprocess *pp_worker_get_subprocess (PpWorker *worker);
GError      *pp_worker_end_reason     (PpWorker *worker);

/* Implemented by PpProxy */
void         pp_proxy_set_worker      (PpProxy  *self,
                                       PpWorker *worker);
PpWorker    *pp_proxy_get_worker      (PpProxy  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpWorker, pp_worker_unref)

G_END_DECLS
