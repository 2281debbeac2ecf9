/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-options.h"

G_BEGIN_DECLS

/* The default of PpOptions:default-timeout */
#define PP_DEFAULT_TIMEOUT_MSEC 25000

/* A copy of every setting, for an object that keeps the options it was
 * given (a pool); the defaults for NULL */
PpOptions *pp_options_copy (PpOptions *options);

/* The defaults of PpOptions:max-mirror-types and :max-mirror-members */
#define PP_DEFAULT_MAX_MIRROR_TYPES    256
#define PP_DEFAULT_MAX_MIRROR_MEMBERS  16384

G_END_DECLS
