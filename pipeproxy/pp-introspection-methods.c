/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <girffi.h>

#include "pp-boxed-ref-private.h"
#include "pp-error.h"
#include "pp-introspection-gi-private.h"
#include "pp-introspection-private.h"
#include "pp-list-model-private.h"
#include "pp-marshal-private.h"
#include "pp-method-private.h"

/* Methods found through GObject introspection (also async pairs and action
 * signals) and prepared for invoking, kept by type and name; the
 * constructors pipeproxy-host makes objects with. */

G_STATIC_ASSERT (sizeof (PpArgValue) == sizeof (GIArgument));

static GHashTable *method_cache;    /* GType → (method name → PpMethod) */

static const char * const lifecycle_methods[] = {
  "ref", "unref", "ref_sink", "free", "run_dispose", "dispose", "finalize",
  "freeze_notify", "thaw_notify", "force_floating", "is_floating",
  "weak_ref", "weak_unref", "add_weak_pointer", "remove_weak_pointer",
  "add_toggle_ref", "remove_toggle_ref", "watch_closure", "set_data",
  "set_data_full", "get_data", "steal_data", "set_qdata", "set_qdata_full",
  "get_qdata", "steal_qdata", "dup_data", "replace_data", "dup_qdata",
  "replace_qdata", "connect", "disconnect", "set", "get", "setv", "getv",
  "set_valist", "get_valist", "set_property", "get_property",
  /* A peer could fake notifications, and a wrong name makes GObject warn */
  "notify", "notify_by_pspec",
  NULL
};

static gboolean
is_lifecycle_method (const char *name)
{
  if (g_str_has_prefix (name, "steal_") || g_str_has_prefix (name, "steal-"))
    return TRUE;
  return g_strv_contains (lifecycle_methods, name);
}

static PpTransfer
transfer_from_gi (GITransfer transfer)
{
  switch (transfer)
    {
    case GI_TRANSFER_CONTAINER: return PP_TRANSFER_CONTAINER;
    case GI_TRANSFER_EVERYTHING: return PP_TRANSFER_FULL;
    case GI_TRANSFER_NOTHING:
    default: return PP_TRANSFER_NONE;
    }
}

/* The length of an array is filled from the array, and not sent; but a
 * caller-allocated array's is what the peer gives (@given) */
static void
mark_length_arg (PpMethod   *method,
                 PpTypeDesc *desc,
                 gboolean    given)
{
  if (desc != NULL && desc->tag == PP_TAG_C_ARRAY && desc->length_arg >= 0 &&
      (guint) desc->length_arg < method->n_args)
    {
      PpMethodArg *length = &method->args[desc->length_arg];

      length->is_length |= !given;
      desc->length_tag = length->desc ? length->desc->tag : PP_TAG_INT32;
    }
}

/* A caller-allocated array is filled by the method (see allocate_buffers()
 * in pp-method.c): its length must be a number the peer gives, and the
 * call must be over when the method returns, not when it finishes */
static gboolean
check_caller_allocated_arrays (PpMethod    *method,
                               gboolean     async_begin,
                               const char  *type_name,
                               GError     **error)
{
  for (guint i = 0; i < method->n_args; i++)
    {
      PpMethodArg *arg = &method->args[i];
      PpMethodArg *length;

      if (!arg->caller_allocates_array)
        continue;
      length = (guint) arg->desc->length_arg < method->n_args
               ? &method->args[arg->desc->length_arg] : NULL;
      if (async_begin || length == NULL || length->direction != PP_ARG_IN ||
          length->role != PP_ARG_ROLE_NORMAL || length->desc == NULL ||
          !(pp_type_rules[length->desc->tag].flags & PP_RULE_LENGTH))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("Method “%s” of %s cannot be called from another process: "
                         "argument “%s” is a caller-allocated structure"),
                       method->name, type_name, arg->name);
          return FALSE;
        }
    }
  return TRUE;
}

static GType
interface_gtype (GITypeInfo *type_info)
{
  auto_info GIBaseInfo *iface = NULL;
  GIInfoType info_type;

  if (g_type_info_get_tag (type_info) != GI_TYPE_TAG_INTERFACE)
    return G_TYPE_INVALID;
  iface = g_type_info_get_interface (type_info);
  info_type = g_base_info_get_type (iface);
  if (info_type != GI_INFO_TYPE_OBJECT && info_type != GI_INFO_TYPE_INTERFACE)
    return G_TYPE_INVALID;
  return pp_introspection_registered_gtype ((GIRegisteredTypeInfo *) iface);
}

static gboolean
is_async_ready_callback (GITypeInfo *type_info)
{
  auto_info GIBaseInfo *iface = NULL;

  if (g_type_info_get_tag (type_info) != GI_TYPE_TAG_INTERFACE)
    return FALSE;
  iface = g_type_info_get_interface (type_info);
  return g_base_info_get_type (iface) == GI_INFO_TYPE_CALLBACK &&
         g_str_equal (g_base_info_get_namespace (iface), "Gio") &&
         g_str_equal (g_base_info_get_name (iface), "AsyncReadyCallback");
}

/* Finds the arguments the listener fills itself. A GCancellable is always
 * the listener's to give; a callback and its data only in the x_async()
 * half of an async pair, a GAsyncResult only in its x_finish() half. */
static void
assign_roles (GIFunctionInfo *info,
              PpMethod       *method,
              gboolean        async_begin,
              gboolean        async_finish)
{
  for (guint i = 0; i < method->n_args; i++)
    {
      auto_info GIArgInfo *arg_info = g_callable_info_get_arg (info, i);
      auto_info GITypeInfo *type_info = g_arg_info_get_type (arg_info);
      GType gtype;

      if (g_arg_info_get_direction (arg_info) != GI_DIRECTION_IN)
        continue;
      gtype = interface_gtype (type_info);
      if (gtype != G_TYPE_INVALID && g_type_is_a (gtype, G_TYPE_CANCELLABLE))
        method->args[i].role = PP_ARG_ROLE_CANCELLABLE;
      else if (async_finish && gtype == G_TYPE_ASYNC_RESULT)
        method->args[i].role = PP_ARG_ROLE_RESULT;
      else if (async_begin && is_async_ready_callback (type_info))
        {
          int closure = g_arg_info_get_closure (arg_info);

          method->args[i].role = PP_ARG_ROLE_CALLBACK;
          if (closure >= 0 && (guint) closure < method->n_args)
            method->args[closure].role = PP_ARG_ROLE_USER_DATA;
        }
    }
}

/* A boxed structure a caller allocates for an out-argument, when it can
 * cross (by value form or by reference), and its size; else NULL. Its
 * type info is the structure's, not a pointer's. */
static PpTypeDesc *
desc_for_caller_allocated (GITypeInfo *type_info,
                           gsize      *size)
{
  auto_info GIBaseInfo *iface = NULL;
  GIInfoType info_type;
  PpTypeDesc *desc;
  GType gtype;

  if (g_type_info_get_tag (type_info) != GI_TYPE_TAG_INTERFACE)
    return NULL;
  iface = g_type_info_get_interface (type_info);
  info_type = g_base_info_get_type (iface);
  if (info_type != GI_INFO_TYPE_STRUCT && info_type != GI_INFO_TYPE_BOXED &&
      info_type != GI_INFO_TYPE_UNION)
    return NULL;
  gtype = pp_introspection_registered_gtype ((GIRegisteredTypeInfo *) iface);
  if (pp_boxed_ref_is_referenced (gtype))
    {
      desc = pp_type_desc_new (PP_TAG_BOXED_REF);
      desc->gtype = gtype;
    }
  else if (!G_TYPE_IS_BOXED (gtype) || (desc = pp_marshal_desc_for_boxed (gtype)) == NULL)
    return NULL;
  *size = info_type == GI_INFO_TYPE_UNION ? g_union_info_get_size ((GIUnionInfo *) iface)
                                          : g_struct_info_get_size ((GIStructInfo *) iface);
  return desc;
}

/* A C array of numbers a caller allocates for an out-argument, of a
 * length given by another argument (g_input_stream_read()'s buffer and
 * count); else NULL */
static PpTypeDesc *
desc_for_caller_allocated_array (GITypeInfo *type_info)
{
  PpTypeDesc *desc;

  if (g_type_info_get_tag (type_info) != GI_TYPE_TAG_ARRAY ||
      g_type_info_get_array_type (type_info) != GI_ARRAY_TYPE_C ||
      g_type_info_get_array_length (type_info) < 0)
    return NULL;
  desc = pp_introspection_desc_for_type_info (type_info, FALSE, NULL);
  if (desc != NULL && desc->tag == PP_TAG_C_ARRAY &&
      (pp_type_rules[desc->element->tag].flags & PP_RULE_NUMBER))
    return desc;
  pp_type_desc_free (desc);
  return NULL;
}

/* One argument of the peer's, or an error saying why it cannot cross */
static gboolean
describe_arg (GIArgInfo    *arg_info,
              PpMethodArg  *arg,
              const char   *method_name,
              const char   *type_name,
              GError      **error)
{
  auto_info GITypeInfo *type_info = g_arg_info_get_type (arg_info);
  GIDirection direction = g_arg_info_get_direction (arg_info);
  g_autoptr(GError) local_error = NULL;

  arg->direction = direction == GI_DIRECTION_IN ? PP_ARG_IN :
                   direction == GI_DIRECTION_OUT ? PP_ARG_OUT : PP_ARG_INOUT;
  arg->transfer = transfer_from_gi (g_arg_info_get_ownership_transfer (arg_info));
  arg->skip = g_arg_info_is_skip (arg_info);

  if (g_arg_info_get_closure (arg_info) >= 0 || g_arg_info_get_destroy (arg_info) >= 0 ||
      g_arg_info_get_scope (arg_info) != GI_SCOPE_TYPE_INVALID)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Method “%s” of %s may not be called from another process: "
                     "argument “%s” is a callback or its data"),
                   method_name, type_name, arg->name);
      return FALSE;
    }

  if (direction == GI_DIRECTION_OUT && g_arg_info_is_caller_allocates (arg_info))
    {
      arg->desc = desc_for_caller_allocated (type_info, &arg->caller_allocates);
      if (arg->desc == NULL && (arg->desc = desc_for_caller_allocated_array (type_info)) != NULL)
        arg->caller_allocates_array = TRUE;
      if (arg->desc != NULL)
        return TRUE;
    }
  if (direction != GI_DIRECTION_IN && g_arg_info_is_caller_allocates (arg_info))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("Method “%s” of %s cannot be called from another process: "
                     "argument “%s” is a caller-allocated structure"),
                   method_name, type_name, arg->name);
      return FALSE;
    }

  arg->desc = pp_introspection_desc_for_type_info (type_info, g_arg_info_may_be_null (arg_info),
                                                   &local_error);
  /* A stream made of a descriptor is no stream of a particular class */
  if (arg->desc != NULL && (arg->direction & PP_ARG_IN) &&
      (arg->desc->tag == PP_TAG_INPUT_STREAM || arg->desc->tag == PP_TAG_OUTPUT_STREAM) &&
      arg->desc->gtype != G_TYPE_INPUT_STREAM && arg->desc->gtype != G_TYPE_OUTPUT_STREAM)
    {
      g_set_error (&local_error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("has type %s, a stream of a particular class, which a descriptor cannot "
                     "stand for"), g_type_name (arg->desc->gtype));
      g_clear_pointer (&arg->desc, pp_type_desc_free);
    }
  if (arg->desc == NULL)
    {
      g_set_error (error, PP_ERROR, local_error->code,
                   _("Method “%s” of %s cannot be called from another process: "
                     "argument “%s” %s"),
                   method_name, type_name, arg->name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
describe_return (GIFunctionInfo  *info,
                 PpMethod        *method,
                 const char      *type_name,
                 GError         **error)
{
  auto_info GITypeInfo *ret_info = g_callable_info_get_return_type (info);
  g_autoptr(GError) local_error = NULL;

  if (g_type_info_get_tag (ret_info) == GI_TYPE_TAG_VOID && !g_type_info_is_pointer (ret_info))
    return TRUE;

  method->ret_transfer = transfer_from_gi (g_callable_info_get_caller_owns (info));
  method->ret_desc = pp_introspection_desc_for_type_info (ret_info,
                                                          g_callable_info_may_return_null (info),
                                                          &local_error);
  if (method->ret_desc == NULL)
    {
      g_set_error (error, PP_ERROR, local_error->code,
                   _("Method “%s” of %s cannot be called from another process: "
                     "its return value %s"),
                   method->name, type_name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The in- and out-signatures: what the peer sends and gets back */
static void
set_signatures (PpMethod *method,
                gboolean  skip_return)
{
  g_autoptr(GString) in_sig = g_string_new ("(");
  g_autoptr(GString) out_sig = g_string_new ("(");

  if (method->ret_desc != NULL && !skip_return)
    pp_type_desc_append_signature (method->ret_desc, out_sig);
  for (guint i = 0; i < method->n_args; i++)
    {
      PpMethodArg *arg = &method->args[i];

      if (arg->is_length || arg->skip || arg->role != PP_ARG_ROLE_NORMAL)
        continue;
      if (arg->direction & PP_ARG_IN)
        pp_type_desc_append_signature (arg->desc, in_sig);
      if (arg->direction & PP_ARG_OUT)
        pp_type_desc_append_signature (arg->desc, out_sig);
    }
  g_string_append_c (in_sig, ')');
  g_string_append_c (out_sig, ')');
  pp_method_set_types (method, g_variant_type_new (in_sig->str), g_variant_type_new (out_sig->str));
}

static void
invoker_free (gpointer data)
{
  g_function_invoker_destroy (data);
  g_free (data);
}

/* The ffi call, prepared once: what pp-method.c invokes */
static gboolean
prepare_invoker (GIFunctionInfo  *info,
                 PpMethod        *method,
                 const char      *type_name,
                 GError         **error)
{
  GIFunctionInvoker *invoker = g_new0 (GIFunctionInvoker, 1);
  g_autoptr(GError) local_error = NULL;

  if (!g_function_info_prep_invoker (info, invoker, &local_error))
    {
      g_free (invoker);
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Method “%s” of %s cannot be called: %s"),
                   method->name, type_name, local_error->message);
      return FALSE;
    }
  method->invoker = invoker;
  method->invoker_free = invoker_free;
  method->cif = &invoker->cif;
  method->native_address = invoker->native_address;
  return TRUE;
}

static PpMethod *
method_from_function_info_full (GIFunctionInfo  *info,
                                const char      *type_name,
                                gboolean         async_begin,
                                gboolean         async_finish,
                                GError         **error)
{
  /* A virtual function (pp-introspection-vfuncs.c) is a method with no
   * invoker */
  gboolean is_function = GI_IS_FUNCTION_INFO (info);
  gboolean is_constructor = is_function &&
                            !(g_function_info_get_flags (info) & GI_FUNCTION_IS_METHOD);
  g_autoptr(PpMethod) method = pp_method_new (PP_METHOD_KIND_INTROSPECTED,
                                              g_base_info_get_name (info));

  method->throws = g_callable_info_can_throw_gerror (info);
  method->n_args = g_callable_info_get_n_args (info);
  method->args = g_new0 (PpMethodArg, method->n_args);
  assign_roles (info, method, async_begin, async_finish);

  for (guint i = 0; i < method->n_args; i++)
    {
      auto_info GIArgInfo *arg_info = g_callable_info_get_arg (info, i);
      PpMethodArg *arg = &method->args[i];

      arg->name = g_strdup (g_base_info_get_name (arg_info));
      if (arg->role != PP_ARG_ROLE_NORMAL)
        arg->direction = PP_ARG_IN;
      else if (!describe_arg (arg_info, arg, method->name, type_name, error))
        return NULL;
    }
  /* A constructor's object stays here: it is what is served */
  method->is_constructor = is_constructor;
  if (is_constructor)
    method->ret_transfer = transfer_from_gi (g_callable_info_get_caller_owns (info));
  else if (!describe_return (info, method, type_name, error))
    return NULL;

  if (!check_caller_allocated_arrays (method, async_begin, type_name, error))
    return NULL;
  for (guint i = 0; i < method->n_args; i++)
    mark_length_arg (method, method->args[i].desc, method->args[i].caller_allocates_array);
  mark_length_arg (method, method->ret_desc, FALSE);

  set_signatures (method, g_callable_info_skip_return (info));
  if (g_callable_info_skip_return (info))
    g_clear_pointer (&method->ret_desc, pp_type_desc_free);

  if (is_function && !prepare_invoker (info, method, type_name, error))
    return NULL;
  return g_steal_pointer (&method);
}

static PpMethod *
method_from_function_info (GIFunctionInfo  *info,
                           const char      *type_name,
                           GError         **error)
{
  return method_from_function_info_full (info, type_name, FALSE, FALSE, error);
}

/* The method @name of @type, its parent classes or its interfaces */
static GIFunctionInfo *
find_function_locked (GType       type,
                      const char *name)
{
  guint n_types = 0;
  g_autofree GType *types = pp_introspection_lineage (type, &n_types);

  for (guint t = 0; t < n_types; t++)
    {
      auto_info GIBaseInfo *info = pp_introspection_find_info_locked (types[t]);
      GIFunctionInfo *function = info ? pp_introspection_info_find_method (info, name) : NULL;

      if (function != NULL && (g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD))
        return function;
      g_clear_pointer (&function, g_base_info_unref);
    }
  return NULL;
}

static gboolean
first_in_arg_is_async_result (GIFunctionInfo *info)
{
  for (int i = 0; i < g_callable_info_get_n_args (info); i++)
    {
      auto_info GIArgInfo *arg_info = g_callable_info_get_arg (info, i);
      auto_info GITypeInfo *type_info = NULL;

      if (g_arg_info_get_direction (arg_info) != GI_DIRECTION_IN)
        continue;
      type_info = g_arg_info_get_type (arg_info);
      return interface_gtype (type_info) == G_TYPE_ASYNC_RESULT;
    }
  return FALSE;
}

static gboolean
takes_async_ready_callback (GIFunctionInfo *info)
{
  for (int i = 0; i < g_callable_info_get_n_args (info); i++)
    {
      auto_info GIArgInfo *arg_info = g_callable_info_get_arg (info, i);
      auto_info GITypeInfo *type_info = g_arg_info_get_type (arg_info);

      if (is_async_ready_callback (type_info))
        return TRUE;
    }
  return FALSE;
}

/* The x_finish() of an async method whose name without "_async" is @base:
 * as GJS and PyGObject do, @base + "_finish", or else the finish method of
 * a shorter prefix of it (replace_contents_bytes_async() is finished by
 * replace_contents_finish()), whose first in-argument is a GAsyncResult */
static GIFunctionInfo *
find_finish_locked (GType       type,
                    const char *base)
{
  g_autofree char *prefix = g_strdup (base);

  for (;;)
    {
      g_autofree char *finish_name = g_strconcat (prefix, "_finish", NULL);
      GIFunctionInfo *finish = find_function_locked (type, finish_name);
      char *underscore;

      if (finish != NULL && first_in_arg_is_async_result (finish))
        return finish;
      g_clear_pointer (&finish, g_base_info_unref);
      underscore = strrchr (prefix, '_');
      if (underscore == NULL || underscore == prefix)
        return NULL;
      *underscore = '\0';
    }
}

/* An async pair answers to the name of its start: x_async() (also to "x"
 * when there is no synchronous x()), or a method without the suffix that
 * takes a GAsyncReadyCallback (g_dbus_proxy_call()). The listener calls it
 * with a cancellable and callback of its own, and the finish method when
 * it completes. NULL without @error set when @name is none. */
static PpMethod *
lookup_async_pair_locked (GType        type,
                          const char  *name,
                          GError     **error)
{
  g_autofree char *base = g_str_has_suffix (name, "_async")
                          ? g_strndup (name, strlen (name) - strlen ("_async"))
                          : g_strdup (name);
  g_autofree char *begin_name = g_strconcat (base, "_async", NULL);
  auto_info GIFunctionInfo *begin_info = find_function_locked (type, begin_name);
  auto_info GIFunctionInfo *finish_info = NULL;
  g_autoptr(PpMethod) begin = NULL;

  if (begin_info == NULL && !g_str_has_suffix (name, "_async"))
    {
      begin_info = find_function_locked (type, name);
      if (begin_info != NULL && !takes_async_ready_callback (begin_info))
        g_clear_pointer (&begin_info, g_base_info_unref);
    }
  if (begin_info == NULL)
    return NULL;
  finish_info = find_finish_locked (type, base);
  if (finish_info == NULL)
    return NULL;

  begin = method_from_function_info_full (begin_info, g_type_name (type), TRUE, FALSE, error);
  if (begin == NULL)
    return NULL;
  begin->finish = method_from_function_info_full (finish_info, g_type_name (type), FALSE, TRUE,
                                                  error);
  if (begin->finish == NULL)
    return NULL;

  g_free (begin->name);
  begin->name = g_strdup (name);
  begin->throws = begin->finish->throws;
  return g_steal_pointer (&begin);
}

static PpMethod *
lookup_introspected_locked (GType        type,
                            const char  *name,
                            GError     **error)
{
  auto_info GIFunctionInfo *function = NULL;
  PpMethod *pair;

  if (!g_str_has_suffix (name, "_async"))
    {
      function = find_function_locked (type, name);
      if (function != NULL && !takes_async_ready_callback (function))
        return method_from_function_info (function, g_type_name (type), error);
    }

  pair = lookup_async_pair_locked (type, name, error);
  if (pair != NULL || (error != NULL && *error != NULL))
    return pair;

  g_clear_pointer (&function, g_base_info_unref);
  function = find_function_locked (type, name);
  if (function != NULL && g_str_has_suffix (name, "_finish") &&
      first_in_arg_is_async_result (function))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Method “%s” of %s may not be called from another process: it finishes "
                     "an asynchronous call, which the listener does itself; call the method "
                     "that starts it"), name, g_type_name (type));
      return NULL;
    }
  if (function != NULL)
    return method_from_function_info (function, g_type_name (type), error);
  return NULL;
}

PpMethod *
pp_introspection_lookup_method (GType        type,
                                const char  *name,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GHashTable *methods;
  PpMethod *method;

  g_return_val_if_fail (g_type_is_a (type, G_TYPE_OBJECT) || G_TYPE_IS_BOXED (type), NULL);

  /* Every call looks its method up: found ones are kept by type, then by
   * name, which costs two hash lookups and no allocation. */
  g_mutex_lock (&pp_introspection_gi_lock);
  if (method_cache == NULL)
    method_cache = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_hash_table_unref);
  methods = g_hash_table_lookup (method_cache, GSIZE_TO_POINTER (type));
  method = methods ? g_hash_table_lookup (methods, name) : NULL;
  if (method != NULL)
    {
      pp_method_ref (method);
      g_mutex_unlock (&pp_introspection_gi_lock);
      return method;
    }
  g_mutex_unlock (&pp_introspection_gi_lock);

  /* One the library adds */
  method = pp_list_model_items_lookup (type, name);
  if (method != NULL)
    return method;

  if (is_lifecycle_method (name))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Method “%s” of %s may not be called from another process"),
                   name, g_type_name (type));
      return NULL;
    }

  g_mutex_lock (&pp_introspection_gi_lock);

  method = lookup_introspected_locked (type, name, &local_error);
  if (method == NULL && local_error == NULL && G_TYPE_IS_OBJECT (type))
    method = pp_method_new_for_action_signal (type, name, &local_error);

  /* Only methods that exist are kept: a peer's made-up names are not */
  if (method != NULL)
    {
      methods = g_hash_table_lookup (method_cache, GSIZE_TO_POINTER (type));
      if (methods == NULL)
        {
          methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) pp_method_unref);
          g_hash_table_insert (method_cache, GSIZE_TO_POINTER (type), methods);
        }
      g_hash_table_replace (methods, g_strdup (name), pp_method_ref (method));
    }

  g_mutex_unlock (&pp_introspection_gi_lock);

  if (method == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD,
                     _("Object of type %s has no method “%s”"), g_type_name (type), name);
    }

  return method;
}

PpMethod *
pp_introspection_lookup_constructor (const char  *namespace_,
                                     const char  *version,
                                     const char  *type_name,
                                     const char  *name,
                                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  auto_info GIBaseInfo *info = NULL;
  auto_info GIFunctionInfo *function = NULL;
  auto_info GITypeInfo *ret_info = NULL;
  auto_info GIBaseInfo *ret_iface = NULL;
  PpMethod *method = NULL;
  GIInfoType info_type;

  g_mutex_lock (&pp_introspection_gi_lock);
  if (g_irepository_require (NULL, namespace_, version && *version ? version : NULL, 0,
                             &local_error) == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("No namespace %s: %s"), namespace_,
                   local_error->message);
      goto out;
    }
  info = g_irepository_find_by_name (NULL, namespace_, type_name);
  info_type = info ? g_base_info_get_type (info) : GI_INFO_TYPE_INVALID;
  if (info_type == GI_INFO_TYPE_OBJECT)
    function = g_object_info_find_method ((GIObjectInfo *) info, name);
  else if (info_type == GI_INFO_TYPE_INTERFACE)
    function = g_interface_info_find_method ((GIInterfaceInfo *) info, name);
  else
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("Namespace %s has no class or interface %s"),
                   namespace_, type_name);
      goto out;
    }

  if (function != NULL && !(g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD))
    {
      ret_info = g_callable_info_get_return_type (function);
      if (g_type_info_get_tag (ret_info) == GI_TYPE_TAG_INTERFACE)
        ret_iface = g_type_info_get_interface (ret_info);
    }
  if (ret_iface == NULL || (g_base_info_get_type (ret_iface) != GI_INFO_TYPE_OBJECT &&
                            g_base_info_get_type (ret_iface) != GI_INFO_TYPE_INTERFACE))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("%s.%s has no function “%s” that makes an object"), namespace_, type_name,
                   name);
      goto out;
    }
  method = method_from_function_info_full (function, type_name, FALSE, FALSE, error);

out:
  g_mutex_unlock (&pp_introspection_gi_lock);
  return method;
}

PpMethod *
pp_introspection_method_from_callable_locked (GICallableInfo  *info,
                                              const char      *type_name,
                                              GError         **error)
{
  return method_from_function_info (info, type_name, error);
}
