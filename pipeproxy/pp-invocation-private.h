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
                                 const GVariantType *out_type);

G_END_DECLS
