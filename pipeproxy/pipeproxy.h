/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#define PIPEPROXY_INSIDE
# include "pp-version-macros.h"
# include "pp-version.h"
# include "pp-enums.h"
# include "pp-boxed.h"
# include "pp-error.h"
# include "pp-invocation.h"
# include "pp-listener.h"
# include "pp-member.h"
# include "pp-options.h"
# include "pp-pool.h"
# include "pp-proxy.h"
# include "pp-request.h"
# include "pp-stream.h"
# include "pp-subprocess.h"
#undef PIPEPROXY_INSIDE
