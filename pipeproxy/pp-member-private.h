/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-description-private.h"
#include "pp-member.h"

G_BEGIN_DECLS

/* The members of a description, as GListModels of PpMember; signals and
 * properties are available when @mirror_type has them */
GListModel *pp_member_list_methods    (PpDescription *description);
GListModel *pp_member_list_signals    (PpDescription *description,
                                       GType          mirror_type);
GListModel *pp_member_list_properties (PpDescription *description,
                                       GType          mirror_type);

G_END_DECLS
