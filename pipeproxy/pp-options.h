/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <glib-object.h>

#include "pp-version-macros.h"

G_BEGIN_DECLS

/**
 * PpSandboxFlags:
 * @PP_SANDBOX_NONE: the worker is not sandboxed
 * @PP_SANDBOX_SYSCALLS: the worker gets no new privileges and a seccomp
 *   filter: it may compute and use the descriptors it has, but not open
 *   files, create sockets or start processes. Needs a pipeproxy built with
 *   libseccomp: without it, the worker refuses to start.
 * @PP_SANDBOX_FILESYSTEM: Landlock: the worker cannot open any file or
 *   directory by its path, and, as far as the kernel's Landlock goes, not
 *   bind or connect TCP sockets nor signal processes outside the sandbox.
 *   Skipped where the kernel has no Landlock.
 * @PP_SANDBOX_NAMESPACES: the worker runs under bubblewrap (`bwrap`) in
 *   namespaces of its own: a file system of read-only `/usr` and the
 *   worker's own files, no home, no network. Skipped when `bwrap` is not
 *   installed or cannot make namespaces.
 *
 * How a worker started by the library is sandboxed; see
 * [property@Pp.Options:sandbox]. %PP_SANDBOX_SYSCALLS and
 * %PP_SANDBOX_FILESYSTEM are applied by the worker to itself, in
 * [func@Pp.serve_parent] or [ctor@Pp.Listener.new_for_parent], before it
 * reads its first call.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  PP_SANDBOX_NONE       = 0,
  PP_SANDBOX_SYSCALLS   = 1 << 0,
  PP_SANDBOX_FILESYSTEM = 1 << 1,
  PP_SANDBOX_NAMESPACES = 1 << 2,
} PpSandboxFlags;

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
PP_AVAILABLE_IN_1_0
guint64    pp_options_get_max_queued_input        (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_queued_input        (PpOptions *self,
                                                   guint64    size);
PP_AVAILABLE_IN_1_0
guint64    pp_options_get_max_queued_output       (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_queued_output       (PpOptions *self,
                                                   guint64    size);
PP_AVAILABLE_IN_1_0
guint      pp_options_get_max_calls_in_flight     (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_calls_in_flight     (PpOptions *self,
                                                   guint      max_calls);
PP_AVAILABLE_IN_1_0
guint      pp_options_get_max_mirror_types        (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_mirror_types        (PpOptions *self,
                                                   guint      max_types);
PP_AVAILABLE_IN_1_0
guint      pp_options_get_max_mirror_members      (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_max_mirror_members      (PpOptions *self,
                                                   guint      max_members);
PP_AVAILABLE_IN_1_0
PpSandboxFlags pp_options_get_sandbox             (PpOptions      *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_sandbox                 (PpOptions      *self,
                                                   PpSandboxFlags  sandbox);
PP_AVAILABLE_IN_1_0
int        pp_options_get_stop_timeout            (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_stop_timeout            (PpOptions *self,
                                                   int        timeout_msec);
PP_AVAILABLE_IN_1_0
guint      pp_options_get_cancel_timeout          (PpOptions *self);
PP_AVAILABLE_IN_1_0
void       pp_options_set_cancel_timeout          (PpOptions *self,
                                                   guint      timeout_msec);

G_END_DECLS
