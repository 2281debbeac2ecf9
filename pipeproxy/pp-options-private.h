/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-options.h"

G_BEGIN_DECLS

/* The default of PpOptions:default-timeout */
#define PP_DEFAULT_TIMEOUT_MSEC 25000

/* A copy of every setting, for an object that keeps the options it was
 * given (a pool); the defaults for NULL */
PpOptions *pp_options_copy (PpOptions *options);

G_END_DECLS
