/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib.h>

#ifndef _PP_EXTERN
# define _PP_EXTERN __attribute__((visibility ("default"))) extern
#endif

#define PP_AVAILABLE_IN_ALL _PP_EXTERN
#define PP_AVAILABLE_IN_1_0 _PP_EXTERN
