/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-options.h"
#include "pp-proxy.h"
#include "pp-version-macros.h"

G_BEGIN_DECLS

#define PP_TYPE_POOL (pp_pool_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (PpPool, pp_pool, PP, POOL, GObject)

PP_AVAILABLE_IN_1_0
PpPool     *pp_pool_new_for_subprocess         (const char * const   *argv,
                                                PpOptions            *options);
PP_AVAILABLE_IN_1_0
PpPool     *pp_pool_new_for_type               (const char           *namespace_,
                                                const char           *version,
                                                const char           *type_name,
                                                const char * const   *construct_properties,
                                                PpOptions            *options);

PP_AVAILABLE_IN_1_0
void        pp_pool_call_async                 (PpPool               *self,
                                                const char           *method,
                                                GVariant             *parameters,
                                                int                   timeout_msec,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PP_AVAILABLE_IN_1_0
GVariant   *pp_pool_call_finish                (PpPool               *self,
                                                GAsyncResult         *result,
                                                GError              **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_pool_call_sync                  (PpPool               *self,
                                                const char           *method,
                                                GVariant             *parameters,
                                                int                   timeout_msec,
                                                GCancellable         *cancellable,
                                                GError              **error);
PP_AVAILABLE_IN_1_0
void        pp_pool_call_with_unix_fd_list_async     (PpPool               *self,
                                                const char           *method,
                                                GVariant             *parameters,
                                                int                   timeout_msec,
                                                GUnixFDList          *fd_list,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PP_AVAILABLE_IN_1_0
GVariant   *pp_pool_call_with_unix_fd_list_finish (PpPool            *self,
                                                   GUnixFDList      **out_fd_list,
                                                   GAsyncResult      *result,
                                                   GError           **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_pool_call_with_unix_fd_list_sync (PpPool              *self,
                                                 const char          *method,
                                                 GVariant            *parameters,
                                                 int                  timeout_msec,
                                                 GUnixFDList         *fd_list,
                                                 GUnixFDList        **out_fd_list,
                                                 GCancellable        *cancellable,
                                                 GError             **error);

PP_AVAILABLE_IN_1_0
void        pp_pool_call_full                  (PpPool               *self,
                                                const char           *method,
                                                GVariant             *parameters,
                                                GUnixFDList          *fd_list,
                                                GPtrArray            *in_objects,
                                                int                   timeout_msec,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PP_AVAILABLE_IN_1_0
GVariant   *pp_pool_call_full_finish           (PpPool               *self,
                                                GUnixFDList         **out_fd_list,
                                                GPtrArray           **out_objects,
                                                GAsyncResult         *result,
                                                GError              **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_pool_call_full_sync             (PpPool               *self,
                                                const char           *method,
                                                GVariant             *parameters,
                                                GUnixFDList          *fd_list,
                                                GPtrArray            *in_objects,
                                                int                   timeout_msec,
                                                GUnixFDList         **out_fd_list,
                                                GPtrArray           **out_objects,
                                                GCancellable         *cancellable,
                                                GError              **error);

PP_AVAILABLE_IN_1_0
void        pp_pool_start_async                (PpPool               *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PP_AVAILABLE_IN_1_0
gboolean    pp_pool_start_finish               (PpPool               *self,
                                                GAsyncResult         *result,
                                                GError              **error);
PP_AVAILABLE_IN_1_0
gboolean    pp_pool_start_sync                 (PpPool               *self,
                                                GCancellable         *cancellable,
                                                GError              **error);

PP_AVAILABLE_IN_1_0
GListModel *pp_pool_get_workers                (PpPool               *self);
PP_AVAILABLE_IN_1_0
GPtrArray  *pp_pool_get_signal_objects         (PpPool               *self);
PP_AVAILABLE_IN_1_0
PpOptions  *pp_pool_dup_options                (PpPool               *self);
PP_AVAILABLE_IN_1_0
guint       pp_pool_get_max_workers            (PpPool               *self);
PP_AVAILABLE_IN_1_0
void        pp_pool_set_max_workers            (PpPool               *self,
                                                guint                 max_workers);
PP_AVAILABLE_IN_1_0
guint       pp_pool_get_concurrent_calls_per_worker (PpPool          *self);
PP_AVAILABLE_IN_1_0
void        pp_pool_set_concurrent_calls_per_worker (PpPool          *self,
                                                     guint            n_calls);
PP_AVAILABLE_IN_1_0
guint       pp_pool_get_max_calls_per_worker   (PpPool               *self);
PP_AVAILABLE_IN_1_0
void        pp_pool_set_max_calls_per_worker   (PpPool               *self,
                                                guint                 max_calls);
PP_AVAILABLE_IN_1_0
guint       pp_pool_get_idle_timeout           (PpPool               *self);
PP_AVAILABLE_IN_1_0
void        pp_pool_set_idle_timeout           (PpPool               *self,
                                                guint                 timeout_msec);
PP_AVAILABLE_IN_1_0
gboolean    pp_pool_is_closed                  (PpPool               *self);
PP_AVAILABLE_IN_1_0
void        pp_pool_close                      (PpPool               *self);

G_END_DECLS
