/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-member.h"

G_BEGIN_DECLS

PpMember *pp_member_new (PpMemberKind  kind,
                         const char   *name,
                         const char   *signature,
                         const char   *out_signature,
                         guint         flags,
                         gboolean      throws,
                         const char   *detail,
                         gboolean      available);

G_END_DECLS
