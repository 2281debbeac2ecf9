/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-options.h"

G_BEGIN_DECLS

/* The default of PpOptions:default-timeout */
#define PP_DEFAULT_TIMEOUT_MSEC 25000

G_END_DECLS
