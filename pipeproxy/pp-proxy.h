/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (PIPEPROXY_INSIDE) && !defined (PIPEPROXY_COMPILATION)
# error "Only <pipeproxy/pipeproxy.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "pp-options.h"
#include "pp-version-macros.h"

G_BEGIN_DECLS

#define PP_TYPE_PROXY (pp_proxy_get_type ())

PP_AVAILABLE_IN_1_0
G_DECLARE_DERIVABLE_TYPE (PpProxy, pp_proxy, PP, PROXY, GObject)

/**
 * PpProxyClass:
 * @parent_class: the parent class
 *
 * The class of [class@Pp.Proxy]. Subclasses are made at run time to mirror a
 * remote type; programs do not derive from it, and the class is abstract.
 *
 * Since: 1.0
 */
struct _PpProxyClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer _reserved[16];
};

PP_AVAILABLE_IN_1_0
void         pp_proxy_new_async                 (GIOStream            *stream,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_finish                (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_sync                  (GIOStream            *stream,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_subprocess_sync   (GSubprocessLauncher  *launcher,
                                                 const char * const   *argv,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
void         pp_proxy_new_for_subprocess_async  (GSubprocessLauncher  *launcher,
                                                 const char * const   *argv,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_subprocess_finish (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_command_sync      (GSubprocessLauncher  *launcher,
                                                 const char * const   *argv,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
void         pp_proxy_new_for_command_async     (GSubprocessLauncher  *launcher,
                                                 const char * const   *argv,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_command_finish    (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_type_sync         (const char           *namespace_,
                                                 const char           *version,
                                                 const char           *type_name,
                                                 const char * const   *properties,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
void         pp_proxy_new_for_type_async        (const char           *namespace_,
                                                 const char           *version,
                                                 const char           *type_name,
                                                 const char * const   *properties,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_type_finish       (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_type_full_sync    (const char           *namespace_,
                                                 const char           *version,
                                                 const char           *type_name,
                                                 const char           *constructor,
                                                 GVariant             *arguments,
                                                 const char * const   *properties,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
void         pp_proxy_new_for_type_full_async   (const char           *namespace_,
                                                 const char           *version,
                                                 const char           *type_name,
                                                 const char           *constructor,
                                                 GVariant             *arguments,
                                                 const char * const   *properties,
                                                 PpOptions            *options,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PP_AVAILABLE_IN_1_0
PpProxy     *pp_proxy_new_for_type_full_finish  (GAsyncResult         *result,
                                                 GError              **error);
PP_AVAILABLE_IN_1_0
GSubprocess *pp_proxy_get_subprocess            (PpProxy              *self);
PP_AVAILABLE_IN_1_0
void        pp_proxy_call_async             (PpProxy              *self,
                                             const char           *method,
                                             GVariant             *parameters,
                                             int                   timeout_msec,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_call_finish            (PpProxy              *self,
                                             GAsyncResult         *result,
                                             GError              **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_call_sync              (PpProxy              *self,
                                             const char           *method,
                                             GVariant             *parameters,
                                             int                   timeout_msec,
                                             GCancellable         *cancellable,
                                             GError              **error);
PP_AVAILABLE_IN_1_0
void        pp_proxy_call_with_unix_fd_list_async (PpProxy              *self,
                                                   const char           *method,
                                                   GVariant             *parameters,
                                                   int                   timeout_msec,
                                                   GUnixFDList          *fd_list,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_call_with_unix_fd_list_finish (PpProxy       *self,
                                                    GUnixFDList  **out_fd_list,
                                                    GAsyncResult  *result,
                                                    GError       **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_call_with_unix_fd_list_sync (PpProxy         *self,
                                                  const char      *method,
                                                  GVariant        *parameters,
                                                  int              timeout_msec,
                                                  GUnixFDList     *fd_list,
                                                  GUnixFDList    **out_fd_list,
                                                  GCancellable    *cancellable,
                                                  GError         **error);
PP_AVAILABLE_IN_1_0
void        pp_proxy_call_full              (PpProxy              *self,
                                             const char           *method,
                                             GVariant             *parameters,
                                             GUnixFDList          *fd_list,
                                             GPtrArray            *in_objects,
                                             int                   timeout_msec,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_call_full_finish       (PpProxy              *self,
                                             GUnixFDList         **out_fd_list,
                                             GPtrArray           **out_objects,
                                             GAsyncResult         *result,
                                             GError              **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_call_full_sync         (PpProxy              *self,
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
gsize       pp_proxy_get_memfd_threshold    (PpProxy              *self);
PP_AVAILABLE_IN_1_0
void        pp_proxy_set_memfd_threshold    (PpProxy              *self,
                                             gsize                 threshold);
PP_AVAILABLE_IN_1_0
guint       pp_proxy_get_cancel_timeout     (PpProxy              *self);
PP_AVAILABLE_IN_1_0
void        pp_proxy_set_cancel_timeout     (PpProxy              *self,
                                             guint                 timeout_msec);
PP_AVAILABLE_IN_1_0
const char *pp_proxy_get_remote_type_name   (PpProxy              *self);
PP_AVAILABLE_IN_1_0
GIOStream  *pp_proxy_get_stream             (PpProxy              *self);
PP_AVAILABLE_IN_1_0
int         pp_proxy_get_default_timeout    (PpProxy              *self);
PP_AVAILABLE_IN_1_0
void        pp_proxy_set_default_timeout    (PpProxy              *self,
                                             int                   timeout_msec);
PP_AVAILABLE_IN_1_0
guint       pp_proxy_get_max_pending_calls  (PpProxy              *self);
PP_AVAILABLE_IN_1_0
void        pp_proxy_set_max_pending_calls  (PpProxy              *self,
                                             guint                 max_pending_calls);
PP_AVAILABLE_IN_1_0
void        pp_proxy_set_property_async     (PpProxy              *self,
                                             const char           *name,
                                             GVariant             *value,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
PP_AVAILABLE_IN_1_0
gboolean    pp_proxy_set_property_finish    (PpProxy              *self,
                                             GAsyncResult         *result,
                                             GError              **error);
PP_AVAILABLE_IN_1_0
gboolean    pp_proxy_set_property_sync      (PpProxy              *self,
                                             const char           *name,
                                             GVariant             *value,
                                             GCancellable         *cancellable,
                                             GError              **error);
PP_AVAILABLE_IN_1_0
GVariant   *pp_proxy_get_description       (PpProxy              *self);
PP_AVAILABLE_IN_1_0
GListModel *pp_proxy_list_methods          (PpProxy              *self);
PP_AVAILABLE_IN_1_0
GListModel *pp_proxy_list_signals          (PpProxy              *self);
PP_AVAILABLE_IN_1_0
GListModel *pp_proxy_list_properties       (PpProxy              *self);
PP_AVAILABLE_IN_1_0
const char *pp_proxy_get_description_hash  (PpProxy              *self);
PP_AVAILABLE_IN_1_0
gboolean    pp_proxy_is_closed              (PpProxy              *self);
PP_AVAILABLE_IN_1_0
void        pp_proxy_close                  (PpProxy              *self);

G_END_DECLS
