/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib-object.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

#define PP_TYPE_OPTIONS (pp_options_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpOptions, pp_options, PP, OPTIONS, GObject)

PP_AVAILABLE_IN_1_0
PpOptions *pp_options_new                         (void);
PP_AVAILABLE_IN_1_0
int        pp_options_get_default_timeout         (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_default_timeout         (PpOptions *self,
                                                   int        timeout_msec);
PP_AVAILABLE_IN_1_0
guint64    pp_options_get_max_message_size        (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_message_size        (PpOptions *self,
                                                   guint64    size);
PP_AVAILABLE_IN_1_0
guint      pp_options_get_max_pending_calls       (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_pending_calls       (PpOptions *self,
                                                   guint      max_pending_calls);
PP_AVAILABLE_IN_1_0
guint64    pp_options_get_memfd_threshold         (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_memfd_threshold         (PpOptions *self,
                                                   guint64    threshold);
PP_AVAILABLE_IN_1_0
guint64    pp_options_get_max_description_size    (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_description_size    (PpOptions *self,
                                                   guint64    size);
PP_AVAILABLE_IN_1_0
guint      pp_options_get_max_description_members (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_description_members (PpOptions *self,
                                                   guint      max_members);

G_END_DECLS
