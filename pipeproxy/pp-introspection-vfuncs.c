/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <girepository.h>
#include <girffi.h>

#include "pp-error.h"
#include "pp-introspection-gi-private.h"
#include "pp-introspection-vfuncs-private.h"

static void
vfunc_free (gpointer data)
{
  PpVfunc *vfunc = data;

  g_free (vfunc->name);
  g_free (vfunc->method_name);
  g_clear_pointer (&vfunc->method, pp_method_unref);
  g_free (vfunc->reason);
  g_clear_pointer (&vfunc->info, g_base_info_unref);
  g_free (vfunc);
}

/* Where the structure of @iface keeps the pointer to @vfunc: the typelib
 * says so, or else the field of the same name in the interface structure
 * does; -1 if neither does or it is not inside the structure */
static int
vfunc_offset_locked (GIInterfaceInfo *iface,
                     GIVFuncInfo     *vfunc)
{
  int offset = g_vfunc_info_get_offset (vfunc);
  GIStructInfo *structure;
  const char *name = g_base_info_get_name (vfunc);
  gsize size;

  structure = g_interface_info_get_iface_struct (iface);
  if (structure == NULL)
    return -1;
  size = g_struct_info_get_size (structure);
  for (int i = 0; i < g_struct_info_get_n_fields (structure) && offset == 0xFFFF; i++)
    {
      GIFieldInfo *field = g_struct_info_get_field (structure, i);

      if (g_str_equal (g_base_info_get_name (field), name))
        offset = g_field_info_get_offset (field);
      g_base_info_unref (field);
    }
  g_base_info_unref (structure);
  if (offset == 0xFFFF || offset < (int) sizeof (GTypeInterface) ||
      offset + sizeof (gpointer) > size)
    return -1;
  return offset;
}

/* A virtual function that is the class handler of a signal of @iface
 * (GActionGroup::action-added) is the signal's, not a method */
static gboolean
is_signal_handler (GType       iface,
                   const char *name)
{
  g_autofree char *signal_name = g_strdelimit (g_strdup (name), "_", '-');

  return g_signal_lookup (signal_name, iface) != 0;
}

static PpVfunc *
describe_vfunc_locked (GType            iface,
                       GIInterfaceInfo *iface_info,
                       GIVFuncInfo     *info,
                       GError         **error)
{
  PpVfunc *vfunc = g_new0 (PpVfunc, 1);
  GIFunctionInfo *invoker = g_vfunc_info_get_invoker (info);
  g_autoptr(GError) local_error = NULL;
  int offset;

  vfunc->name = g_strdup (g_base_info_get_name (info));
  vfunc->method_name = g_strdup (invoker ? g_base_info_get_name (invoker) : vfunc->name);
  g_clear_pointer (&invoker, g_base_info_unref);
  vfunc->info = g_base_info_ref (info);

  offset = vfunc_offset_locked (iface_info, info);
  if (offset < 0)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("the typelib does not say where virtual function “%s” of %s is"),
                   vfunc->name, g_type_name (iface));
      vfunc_free (vfunc);
      return NULL;
    }
  vfunc->offset = offset;

  vfunc->method = pp_introspection_method_from_callable_locked (info, g_type_name (iface),
                                                                &local_error);
  if (vfunc->method != NULL)
    for (guint i = 0; i < vfunc->method->n_args; i++)
      if (vfunc->method->args[i].is_length)
        {
          g_set_error (&local_error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("argument “%s” is the length of an array"),
                       vfunc->method->args[i].name);
          g_clear_pointer (&vfunc->method, pp_method_unref);
          break;
        }
  if (vfunc->method == NULL)
    vfunc->reason = g_strdup_printf (_("virtual function “%s” cannot be forwarded: %s"),
                                     vfunc->name, local_error->message);
  return vfunc;
}

GPtrArray *
pp_vfuncs_for_interface (GType    iface,
                         GError **error)
{
  g_autoptr(GPtrArray) vfuncs = g_ptr_array_new_with_free_func (vfunc_free);
  GIBaseInfo *info;
  int n;

  g_return_val_if_fail (G_TYPE_IS_INTERFACE (iface), NULL);

  /* The interface's signals exist once its default vtable was made */
  g_type_default_interface_unref (g_type_default_interface_ref (iface));

  g_mutex_lock (&pp_introspection_gi_lock);
  info = pp_introspection_find_info_locked (iface);
  if (info == NULL || g_base_info_get_type (info) != GI_INFO_TYPE_INTERFACE)
    {
      g_mutex_unlock (&pp_introspection_gi_lock);
      g_clear_pointer (&info, g_base_info_unref);
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("no typelib describes the interface %s"), g_type_name (iface));
      return NULL;
    }

  n = g_interface_info_get_n_vfuncs ((GIInterfaceInfo *) info);
  for (int i = 0; i < n; i++)
    {
      GIVFuncInfo *vfunc_info = g_interface_info_get_vfunc ((GIInterfaceInfo *) info, i);
      PpVfunc *vfunc = NULL;

      if (!is_signal_handler (iface, g_base_info_get_name (vfunc_info)))
        vfunc = describe_vfunc_locked (iface, (GIInterfaceInfo *) info, vfunc_info, error);
      g_base_info_unref (vfunc_info);
      if (vfunc == NULL && error != NULL && *error != NULL)
        {
          g_base_info_unref (info);
          g_mutex_unlock (&pp_introspection_gi_lock);
          return NULL;
        }
      if (vfunc != NULL)
        g_ptr_array_add (vfuncs, vfunc);
    }
  g_base_info_unref (info);
  g_mutex_unlock (&pp_introspection_gi_lock);
  return g_steal_pointer (&vfuncs);
}

typedef struct
{
  ffi_cif          cif;
  const PpVfunc   *vfunc;
  PpVfuncHandler   handler;
  gpointer         user_data;
} Trampoline;

static void
trampoline (ffi_cif  *cif,
            void     *ret,
            void    **args,
            void     *user_data)
{
  Trampoline *self = user_data;

  self->handler (self->vfunc, ret, args, self->user_data);
}

/* Every trampoline made; under pp_introspection_gi_lock */
static GPtrArray *trampolines;

gpointer
pp_vfunc_make_closure (const PpVfunc  *vfunc,
                       PpVfuncHandler  handler,
                       gpointer        user_data)
{
  Trampoline *self = g_new0 (Trampoline, 1);
  ffi_closure *closure;
  gpointer address;

  self->vfunc = vfunc;
  self->handler = handler;
  self->user_data = user_data;

  g_mutex_lock (&pp_introspection_gi_lock);
  closure = g_callable_info_create_closure (vfunc->info, &self->cif, trampoline, self);
  /* Despite its type, what this returns is the address itself */
  address = closure ? (gpointer) g_callable_info_get_closure_native_address (vfunc->info, closure)
                    : NULL;
  /* A closure lives as long as its type, and libffi keeps it in memory of
   * its own: the trampolines are kept here, where they stay reachable */
  if (address != NULL)
    {
      if (trampolines == NULL)
        trampolines = g_ptr_array_new ();
      g_ptr_array_add (trampolines, self);
    }
  g_mutex_unlock (&pp_introspection_gi_lock);

  if (address == NULL)
    g_free (self);
  return address;
}

char *
pp_vfuncs_check (GPtrArray     *vfuncs,
                 PpDescription *description)
{
  for (guint i = 0; i < vfuncs->len; i++)
    {
      const PpVfunc *vfunc = g_ptr_array_index (vfuncs, i);
      const PpDescribedMethod *method;
      g_autofree char *in = NULL;
      g_autofree char *out = NULL;

      if (vfunc->method == NULL)
        return g_strdup (vfunc->reason);
      method = pp_description_lookup_method (description, vfunc->method_name);
      if (method == NULL)
        return g_strdup_printf (_("virtual function “%s” has no method “%s” the peer can call"),
                                vfunc->name, vfunc->method_name);
      in = g_variant_type_dup_string (vfunc->method->in_type);
      out = g_variant_type_dup_string (vfunc->method->out_type);
      if (!g_str_equal (method->in_signature, in) || !g_str_equal (method->out_signature, out))
        return g_strdup_printf (_("virtual function “%s” takes %s and gives %s, but method "
                                  "“%s” takes %s and gives %s"), vfunc->name, in, out,
                                method->name, method->in_signature, method->out_signature);
    }
  return NULL;
}

void
pp_vfuncs_describe_interfaces (GType          type,
                               PpDescription *description)
{
  guint n_interfaces = 0;
  g_autofree GType *interfaces = g_type_interfaces (type, &n_interfaces);

  for (guint i = 0; i < n_interfaces; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) vfuncs = pp_vfuncs_for_interface (interfaces[i], &error);
      g_autofree char *reason = vfuncs ? pp_vfuncs_check (vfuncs, description)
                                       : g_strdup (error->message);

      if (reason != NULL)
        pp_description_refuse_interface (description, g_type_name (interfaces[i]), reason);
    }
}
