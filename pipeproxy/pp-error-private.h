/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void    pp_i18n_init              (void);
/* The one answer for a handle the peer does not hold, whether it never
 * got it or released it: the two are not told apart */
GError *pp_error_no_such_object   (guint32 handle);

G_END_DECLS
