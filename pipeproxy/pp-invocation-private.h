/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-connection-private.h"
#include "pp-invocation.h"

G_BEGIN_DECLS

PpInvocation *pp_invocation_new (PpConnection       *connection,
                                 GObject            *object,
                                 guint32             serial,
                                 gboolean            no_reply,
                                 const char         *method_name,
                                 GVariant           *parameters,
                                 GUnixFDList        *fd_list,
                                 const GVariantType *out_type);

/* Called once, from the thread that answers, when the call is answered */
void          pp_invocation_set_answered_func (PpInvocation   *self,
                                               GDestroyNotify  func,
                                               gpointer        data);

G_END_DECLS
