/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "pp-enums.h"
#include "pp-options.h"

G_BEGIN_DECLS

/* Sandboxing a worker. The parent asks for it through the environment
 * (PP_SUBPROCESS_SANDBOX_VARIABLE) and, for PP_SANDBOX_NAMESPACES, by
 * starting the worker under bwrap; the worker applies the rest to itself
 * once it has loaded what its calls need and before it reads the first
 * one. In that order: no new privileges, Landlock, the seccomp filter
 * (whose allow-list has no room for the Landlock calls). */

typedef struct _PpSandbox PpSandbox;

/* "syscalls,filesystem" ⇄ flags, with the enum's nicks; "" and "none"
 * are PP_SANDBOX_NONE. An unknown word fails: a worker asked for a
 * sandbox it does not understand does not start without one. */
gboolean    pp_sandbox_flags_parse     (const char      *text,
                                        PpSandboxFlags  *out_flags,
                                        GError         **error);
char       *pp_sandbox_flags_to_string (PpSandboxFlags   flags);

/* In the worker: checks that what @flags asks for can be had here and
 * builds the seccomp filter, without applying anything yet. Fails when
 * seccomp is asked for and this build has no libseccomp; a kernel
 * without Landlock only makes PP_SANDBOX_FILESYSTEM a no-op. */
PpSandbox  *pp_sandbox_new             (PpSandboxFlags   flags,
                                        GError         **error);
/* Applies it to the whole process, for good */
gboolean    pp_sandbox_apply           (PpSandbox       *self,
                                        GError         **error);
void        pp_sandbox_free            (PpSandbox       *self);

/* The Landlock ABI version of the running kernel, 0 when it has none */
int         pp_sandbox_landlock_abi    (void);
/* Whether this build can filter system calls */
gboolean    pp_sandbox_has_seccomp     (void);

/* In the parent, once the handshake is done: whether the worker process
 * @pid did sandbox itself as @flags asked, as far as /proc shows (no new
 * privileges; a seccomp filter). Catches a worker that serves without
 * pp_listener_new_for_parent(), which would not read the request. */
gboolean    pp_sandbox_check_process   (const char      *pid,
                                        PpSandboxFlags   flags,
                                        GError         **error);

/* In the parent: the command line that runs @argv under bwrap, binding
 * read-only what the worker needs to start (see the function), or NULL
 * when bwrap is not installed or cannot make namespaces here. @launcher,
 * when given, is read for the child's environment. */
GStrv       pp_sandbox_bwrap_argv      (const char * const  *argv,
                                        GSubprocessLauncher *launcher);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PpSandbox, pp_sandbox_free)

G_END_DECLS
