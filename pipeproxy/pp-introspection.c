/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <girepository.h>
#include <girffi.h>

#include "pp-error.h"
#include "pp-introspection-private.h"
#include "pp-marshal-private.h"

G_STATIC_ASSERT (sizeof (PpArgValue) == sizeof (GIArgument));

/* gobject-introspection 1.74 has no autoptr for its infos, which are all
 * the same type underneath. */
static inline void
info_cleanup (GIBaseInfo **info)
{
  if (*info != NULL)
    g_base_info_unref (*info);
}
#define auto_info __attribute__ ((cleanup (info_cleanup)))

typedef enum
{
  ARG_IN    = 1 << 0,
  ARG_OUT   = 1 << 1,
  ARG_INOUT = ARG_IN | ARG_OUT,
} ArgDirection;

/* Arguments the listener fills itself rather than taking from the peer */
typedef enum
{
  ROLE_NORMAL,
  ROLE_CANCELLABLE,  /* a GCancellable: the listener's, or NULL */
  ROLE_CALLBACK,     /* the GAsyncReadyCallback of an x_async() method */
  ROLE_USER_DATA,    /* its user data */
  ROLE_RESULT,       /* the GAsyncResult of an x_finish() method */
} ArgRole;

typedef struct
{
  char         *name;
  ArgRole       role;
  ArgDirection  direction;
  PpTransfer    transfer;
  PpTypeDesc   *desc;
  /* TRUE when another argument (or the return value) is the array whose
   * length this one holds: it is filled from the array, not sent. */
  gboolean      is_length;
  gboolean      skip;
} MethodArg;

struct _PpMethod
{
  gatomicrefcount  ref_count;
  PpMethodKind     kind;
  char            *name;
  GVariantType    *in_type;
  GVariantType    *out_type;
  gboolean         throws;

  /* PP_METHOD_KIND_INTROSPECTED: everything invocation needs is copied out
   * of the typelib here, so invoking never touches libgirepository, which is
   * not thread-safe. */
  GIFunctionInvoker invoker;
  gboolean          has_invoker;
  MethodArg        *args;
  guint             n_args;
  PpTypeDesc       *ret_desc;   /* NULL for void or skipped */
  PpTransfer        ret_transfer;
  GITypeTag         ret_tag;
  GIInfoType        ret_iface_type;

  /* An x_async() method: the matching x_finish(), which gives the result */
  PpMethod        *finish;

  /* PP_METHOD_KIND_ACTION_SIGNAL */
  guint            signal_id;
  GType            return_gtype;
  GType           *param_gtypes;
  guint            n_params;
};

/* libgirepository is not thread-safe; every use of it holds this lock. */
static GMutex gi_lock;
static GHashTable *method_cache;    /* GType → (method name → PpMethod) */
static GHashTable *types_searched;  /* GType → TRUE once namespaces were looked for */

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

PpMethod *
pp_method_ref (PpMethod *method)
{
  g_atomic_ref_count_inc (&method->ref_count);
  return method;
}

void
pp_method_unref (PpMethod *method)
{
  if (!g_atomic_ref_count_dec (&method->ref_count))
    return;

  for (guint i = 0; i < method->n_args; i++)
    {
      g_free (method->args[i].name);
      pp_type_desc_free (method->args[i].desc);
    }
  g_free (method->args);
  pp_type_desc_free (method->ret_desc);
  if (method->has_invoker)
    g_function_invoker_destroy (&method->invoker);
  g_free (method->param_gtypes);
  g_clear_pointer (&method->finish, pp_method_unref);
  g_clear_pointer (&method->in_type, g_variant_type_free);
  g_clear_pointer (&method->out_type, g_variant_type_free);
  g_free (method->name);
  g_free (method);
}

const char *
pp_method_get_name (PpMethod *method)
{
  return method->name;
}

PpMethodKind
pp_method_get_kind (PpMethod *method)
{
  return method->kind;
}

const GVariantType *
pp_method_get_in_type (PpMethod *method)
{
  return method->in_type;
}

/* What the caller gets: for an async pair, what x_finish() gives */
const GVariantType *
pp_method_get_out_type (PpMethod *method)
{
  return method->finish ? method->finish->out_type : method->out_type;
}

gboolean
pp_method_get_throws (PpMethod *method)
{
  return method->throws;
}

gboolean
pp_introspection_check_args (const char          *method,
                             const GVariantType  *expected,
                             GVariant            *parameters,
                             GError             **error)
{
  if (g_variant_is_of_type (parameters, expected))
    return TRUE;

  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("Method “%s” expects %.*s, got %s"), method,
               (int) g_variant_type_get_string_length (expected),
               g_variant_type_peek_string (expected),
               g_variant_get_type_string (parameters));
  return FALSE;
}

/* Namespaces are loaded as needed: a type's namespace is usually a prefix of
 * its name ("JsonParser" → Json, "PpTestObject" → PpTest), and types named
 * G… live in GObject or Gio. */
static void
require_namespaces_for_type_locked (GType type)
{
  const char *type_name = g_type_name (type);
  GIRepository *repo = g_irepository_get_default ();
  GSList *search_path;

  if (types_searched == NULL)
    types_searched = g_hash_table_new (NULL, NULL);
  if (g_hash_table_contains (types_searched, GSIZE_TO_POINTER (type)))
    return;
  g_hash_table_add (types_searched, GSIZE_TO_POINTER (type));

  if (type_name[0] == 'G' && g_ascii_isupper (type_name[1]))
    {
      g_irepository_require (repo, "GObject", NULL, 0, NULL);
      g_irepository_require (repo, "Gio", NULL, 0, NULL);
      return;
    }

  search_path = g_irepository_get_search_path ();
  for (GSList *l = search_path; l != NULL; l = l->next)
    {
      g_autoptr(GDir) dir = g_dir_open (l->data, 0, NULL);
      const char *file;

      if (dir == NULL)
        continue;

      while ((file = g_dir_read_name (dir)) != NULL)
        {
          const char *dash = strchr (file, '-');
          gsize ns_len;

          if (dash == NULL || !g_str_has_suffix (file, ".typelib"))
            continue;
          ns_len = dash - file;
          if (strncmp (type_name, file, ns_len) == 0 &&
              (type_name[ns_len] == '\0' || g_ascii_isupper (type_name[ns_len])))
            {
              g_autofree char *ns = g_strndup (file, ns_len);
              g_autofree char *version = g_strndup (dash + 1, strlen (dash + 1) - strlen (".typelib"));

              g_irepository_require (repo, ns, version, 0, NULL);
            }
        }
    }
}

/* The namespaces are loaded before the first look-up: libgirepository
 * remembers a GType it could not find, even after more namespaces load. */
static GIBaseInfo *
find_info_locked (GType type)
{
  require_namespaces_for_type_locked (type);
  return g_irepository_find_by_gtype (NULL, type);
}

static PpTypeDesc *
desc_for_type_info (GITypeInfo  *type_info,
                    gboolean     nullable,
                    GError     **error);

static PpTypeDesc *
desc_for_interface (GITypeInfo  *type_info,
                    GError     **error)
{
  auto_info GIBaseInfo *iface = g_type_info_get_interface (type_info);
  GIInfoType info_type = g_base_info_get_type (iface);
  PpTypeDesc *desc;

  switch (info_type)
    {
    case GI_INFO_TYPE_ENUM:
    case GI_INFO_TYPE_FLAGS:
      {
        guint n = g_enum_info_get_n_values ((GIEnumInfo *) iface);

        desc = pp_type_desc_new (info_type == GI_INFO_TYPE_ENUM ? PP_TAG_ENUM : PP_TAG_FLAGS);
        desc->gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);
        if (desc->gtype == G_TYPE_INVALID)
          desc->gtype = G_TYPE_NONE;
        desc->enum_values = g_new0 (gint64, MAX (n, 1));
        desc->n_enum_values = n;
        for (guint i = 0; i < n; i++)
          {
            auto_info GIValueInfo *value = g_enum_info_get_value ((GIEnumInfo *) iface, i);

            desc->enum_values[i] = g_value_info_get_value (value);
            desc->flags_mask |= (guint64) desc->enum_values[i];
          }
        return desc;
      }

    case GI_INFO_TYPE_STRUCT:
    case GI_INFO_TYPE_BOXED:
      {
        GType gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);

        if (gtype == G_TYPE_BYTES)
          return pp_type_desc_new (PP_TAG_BYTES);
        if (gtype == G_TYPE_VARIANT)
          return pp_type_desc_new (PP_TAG_VARIANT);
        if (gtype == G_TYPE_BYTE_ARRAY)
          return pp_type_desc_new (PP_TAG_BYTE_ARRAY);
      }
      break;

    case GI_INFO_TYPE_OBJECT:
      {
        GType gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);

        /* Exactly the base types: a method taking a subclass expects
         * something a descriptor cannot stand for. */
        if (gtype == G_TYPE_INPUT_STREAM)
          return pp_type_desc_new (PP_TAG_INPUT_STREAM);
        if (gtype == G_TYPE_OUTPUT_STREAM)
          return pp_type_desc_new (PP_TAG_OUTPUT_STREAM);
      }
      break;

    case GI_INFO_TYPE_CALLBACK:
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("takes a callback (%s)"), g_base_info_get_name (iface));
      return NULL;

    case GI_INFO_TYPE_INVALID:
    case GI_INFO_TYPE_FUNCTION:
    case GI_INFO_TYPE_INTERFACE:
    case GI_INFO_TYPE_CONSTANT:
    case GI_INFO_TYPE_INVALID_0:
    case GI_INFO_TYPE_UNION:
    case GI_INFO_TYPE_VALUE:
    case GI_INFO_TYPE_SIGNAL:
    case GI_INFO_TYPE_VFUNC:
    case GI_INFO_TYPE_PROPERTY:
    case GI_INFO_TYPE_FIELD:
    case GI_INFO_TYPE_ARG:
    case GI_INFO_TYPE_TYPE:
    case GI_INFO_TYPE_UNRESOLVED:
    default:
      break;
    }

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("has type %s.%s, which cannot be sent to another process"),
               g_base_info_get_namespace (iface), g_base_info_get_name (iface));
  return NULL;
}

static PpTypeTag
tag_for_basic (GITypeTag tag,
               gboolean *ok)
{
  *ok = TRUE;
  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN:  return PP_TAG_BOOLEAN;
    case GI_TYPE_TAG_INT8:     return PP_TAG_INT8;
    case GI_TYPE_TAG_UINT8:    return PP_TAG_UINT8;
    case GI_TYPE_TAG_INT16:    return PP_TAG_INT16;
    case GI_TYPE_TAG_UINT16:   return PP_TAG_UINT16;
    case GI_TYPE_TAG_INT32:    return PP_TAG_INT32;
    case GI_TYPE_TAG_UINT32:   return PP_TAG_UINT32;
    case GI_TYPE_TAG_INT64:    return PP_TAG_INT64;
    case GI_TYPE_TAG_UINT64:   return PP_TAG_UINT64;
    case GI_TYPE_TAG_FLOAT:    return PP_TAG_FLOAT;
    case GI_TYPE_TAG_DOUBLE:   return PP_TAG_DOUBLE;
    case GI_TYPE_TAG_UNICHAR:  return PP_TAG_UNICHAR;
    case GI_TYPE_TAG_GTYPE:    return PP_TAG_GTYPE;
    case GI_TYPE_TAG_UTF8:     return PP_TAG_STRING;
    case GI_TYPE_TAG_FILENAME: return PP_TAG_FILENAME;
    case GI_TYPE_TAG_VOID:
    case GI_TYPE_TAG_ARRAY:
    case GI_TYPE_TAG_INTERFACE:
    case GI_TYPE_TAG_GLIST:
    case GI_TYPE_TAG_GSLIST:
    case GI_TYPE_TAG_GHASH:
    case GI_TYPE_TAG_ERROR:
    default:
      *ok = FALSE;
      return PP_TAG_BOOLEAN;
    }
}

static PpTypeDesc *
desc_for_type_info (GITypeInfo  *type_info,
                    gboolean     nullable,
                    GError     **error)
{
  GITypeTag tag = g_type_info_get_tag (type_info);
  PpTypeDesc *desc = NULL;
  gboolean ok;
  PpTypeTag basic = tag_for_basic (tag, &ok);

  if (ok)
    desc = pp_type_desc_new (basic);
  else if (tag == GI_TYPE_TAG_VOID)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED, _("is a raw pointer"));
      return NULL;
    }
  else if (tag == GI_TYPE_TAG_INTERFACE)
    desc = desc_for_interface (type_info, error);
  else if (tag == GI_TYPE_TAG_ARRAY)
    {
      GIArrayType array_type = g_type_info_get_array_type (type_info);

      if (array_type == GI_ARRAY_TYPE_BYTE_ARRAY)
        desc = pp_type_desc_new (PP_TAG_BYTE_ARRAY);
      else if (array_type == GI_ARRAY_TYPE_C)
        {
          auto_info GITypeInfo *element_info = g_type_info_get_param_type (type_info, 0);
          PpTypeDesc *element = desc_for_type_info (element_info, FALSE, error);
          int length = g_type_info_get_array_length (type_info);
          int fixed = g_type_info_get_array_fixed_size (type_info);
          gboolean zero_terminated = g_type_info_is_zero_terminated (type_info);

          if (element == NULL)
            return NULL;

          switch (element->tag)
            {
            case PP_TAG_C_ARRAY:
            case PP_TAG_STRV:
            case PP_TAG_BYTES:
            case PP_TAG_BYTE_ARRAY:
            case PP_TAG_VARIANT:
              pp_type_desc_free (element);
              g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("is an array of containers, which cannot be sent to another process"));
              return NULL;
            case PP_TAG_INPUT_STREAM:
            case PP_TAG_OUTPUT_STREAM:
              pp_type_desc_free (element);
              g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("is an array of streams, which cannot be sent to another process"));
              return NULL;
            case PP_TAG_BOOLEAN:
            case PP_TAG_INT8:
            case PP_TAG_UINT8:
            case PP_TAG_INT16:
            case PP_TAG_UINT16:
            case PP_TAG_INT32:
            case PP_TAG_UINT32:
            case PP_TAG_INT64:
            case PP_TAG_UINT64:
            case PP_TAG_FLOAT:
            case PP_TAG_DOUBLE:
            case PP_TAG_UNICHAR:
            case PP_TAG_STRING:
            case PP_TAG_FILENAME:
            case PP_TAG_GTYPE:
            case PP_TAG_ENUM:
            case PP_TAG_FLAGS:
            default:
              break;
            }

          if (element->tag == PP_TAG_STRING && length < 0 && fixed < 0 && zero_terminated)
            {
              pp_type_desc_free (element);
              desc = pp_type_desc_new (PP_TAG_STRV);
            }
          else if (length < 0 && fixed < 0 && !zero_terminated)
            {
              pp_type_desc_free (element);
              g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                           _("is a C array of unknown length"));
              return NULL;
            }
          else
            {
              desc = pp_type_desc_new (PP_TAG_C_ARRAY);
              desc->element = element;
              desc->length_arg = length;
              desc->fixed_size = fixed;
              desc->zero_terminated = zero_terminated;
            }
        }
      else
        {
          g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("is a %s, which cannot be sent to another process"),
                       array_type == GI_ARRAY_TYPE_PTR_ARRAY ? "GPtrArray" : "GArray");
          return NULL;
        }
    }
  else
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("has type %s, which cannot be sent to another process"),
                   g_type_tag_to_string (tag));
      return NULL;
    }

  if (desc != NULL && nullable &&
      (desc->tag == PP_TAG_STRING || desc->tag == PP_TAG_FILENAME ||
       desc->tag == PP_TAG_VARIANT || desc->tag == PP_TAG_BYTES ||
       desc->tag == PP_TAG_BYTE_ARRAY || desc->tag == PP_TAG_STRV ||
       desc->tag == PP_TAG_C_ARRAY))
    desc->nullable = TRUE;

  return desc;
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

static void
mark_length_arg (PpMethod   *method,
                 PpTypeDesc *desc)
{
  if (desc != NULL && desc->tag == PP_TAG_C_ARRAY && desc->length_arg >= 0 &&
      (guint) desc->length_arg < method->n_args)
    {
      MethodArg *length = &method->args[desc->length_arg];

      length->is_length = TRUE;
      desc->length_tag = length->desc ? length->desc->tag : PP_TAG_INT32;
    }
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
  return g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);
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
        method->args[i].role = ROLE_CANCELLABLE;
      else if (async_finish && gtype == G_TYPE_ASYNC_RESULT)
        method->args[i].role = ROLE_RESULT;
      else if (async_begin && is_async_ready_callback (type_info))
        {
          int closure = g_arg_info_get_closure (arg_info);

          method->args[i].role = ROLE_CALLBACK;
          if (closure >= 0 && (guint) closure < method->n_args)
            method->args[closure].role = ROLE_USER_DATA;
        }
    }
}

static PpMethod *
method_from_function_info_full (GIFunctionInfo  *info,
                                const char      *type_name,
                                gboolean         async_begin,
                                gboolean         async_finish,
                                GError         **error);

static PpMethod *
method_from_function_info (GIFunctionInfo  *info,
                           const char      *type_name,
                           GError         **error)
{
  return method_from_function_info_full (info, type_name, FALSE, FALSE, error);
}

static PpMethod *
method_from_function_info_full (GIFunctionInfo  *info,
                                const char      *type_name,
                                gboolean         async_begin,
                                gboolean         async_finish,
                                GError         **error)
{
  g_autoptr(PpMethod) method = g_new0 (PpMethod, 1);
  auto_info GITypeInfo *ret_info = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) in_sig = g_string_new ("(");
  g_autoptr(GString) out_sig = g_string_new ("(");

  g_atomic_ref_count_init (&method->ref_count);
  method->kind = PP_METHOD_KIND_INTROSPECTED;
  method->name = g_strdup (g_base_info_get_name (info));
  method->throws = g_callable_info_can_throw_gerror (info);
  method->n_args = g_callable_info_get_n_args (info);
  method->args = g_new0 (MethodArg, method->n_args);
  assign_roles (info, method, async_begin, async_finish);

  for (guint i = 0; i < method->n_args; i++)
    {
      auto_info GIArgInfo *arg_info = g_callable_info_get_arg (info, i);
      auto_info GITypeInfo *type_info = g_arg_info_get_type (arg_info);
      MethodArg *arg = &method->args[i];
      GIDirection direction = g_arg_info_get_direction (arg_info);

      arg->name = g_strdup (g_base_info_get_name (arg_info));
      if (arg->role != ROLE_NORMAL)
        {
          arg->direction = ARG_IN;
          continue;
        }
      arg->direction = direction == GI_DIRECTION_IN ? ARG_IN :
                       direction == GI_DIRECTION_OUT ? ARG_OUT : ARG_INOUT;
      arg->transfer = transfer_from_gi (g_arg_info_get_ownership_transfer (arg_info));
      arg->skip = g_arg_info_is_skip (arg_info);

      if (g_arg_info_get_closure (arg_info) >= 0 || g_arg_info_get_destroy (arg_info) >= 0 ||
          g_arg_info_get_scope (arg_info) != GI_SCOPE_TYPE_INVALID)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                       _("Method “%s” of %s may not be called from another process: "
                         "argument “%s” is a callback or its data"),
                       method->name, type_name, arg->name);
          return NULL;
        }

      if (direction != GI_DIRECTION_IN && g_arg_info_is_caller_allocates (arg_info))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("Method “%s” of %s cannot be called from another process: "
                         "argument “%s” is a caller-allocated structure"),
                       method->name, type_name, arg->name);
          return NULL;
        }

      arg->desc = desc_for_type_info (type_info, g_arg_info_may_be_null (arg_info), &local_error);
      if (arg->desc == NULL)
        {
          g_set_error (error, PP_ERROR, local_error->code,
                       _("Method “%s” of %s cannot be called from another process: "
                         "argument “%s” %s"),
                       method->name, type_name, arg->name, local_error->message);
          return NULL;
        }
    }

  ret_info = g_callable_info_get_return_type (info);
  method->ret_tag = g_type_info_get_tag (ret_info);
  method->ret_iface_type = GI_INFO_TYPE_INVALID;
  if (method->ret_tag == GI_TYPE_TAG_INTERFACE)
    {
      auto_info GIBaseInfo *iface = g_type_info_get_interface (ret_info);
      method->ret_iface_type = g_base_info_get_type (iface);
    }

  if (!(method->ret_tag == GI_TYPE_TAG_VOID && !g_type_info_is_pointer (ret_info)))
    {
      method->ret_transfer = transfer_from_gi (g_callable_info_get_caller_owns (info));
      method->ret_desc = desc_for_type_info (ret_info, g_callable_info_may_return_null (info),
                                             &local_error);
      if (method->ret_desc == NULL)
        {
          g_set_error (error, PP_ERROR, local_error->code,
                       _("Method “%s” of %s cannot be called from another process: "
                         "its return value %s"),
                       method->name, type_name, local_error->message);
          return NULL;
        }
    }

  for (guint i = 0; i < method->n_args; i++)
    mark_length_arg (method, method->args[i].desc);
  mark_length_arg (method, method->ret_desc);

  if (method->ret_desc != NULL && !g_callable_info_skip_return (info))
    pp_type_desc_append_signature (method->ret_desc, out_sig);
  for (guint i = 0; i < method->n_args; i++)
    {
      MethodArg *arg = &method->args[i];

      if (arg->is_length || arg->skip || arg->role != ROLE_NORMAL)
        continue;
      if (arg->direction & ARG_IN)
        pp_type_desc_append_signature (arg->desc, in_sig);
      if (arg->direction & ARG_OUT)
        pp_type_desc_append_signature (arg->desc, out_sig);
    }
  if (g_callable_info_skip_return (info))
    g_clear_pointer (&method->ret_desc, pp_type_desc_free);

  g_string_append_c (in_sig, ')');
  g_string_append_c (out_sig, ')');
  method->in_type = g_variant_type_new (in_sig->str);
  method->out_type = g_variant_type_new (out_sig->str);

  if (!g_function_info_prep_invoker (info, &method->invoker, &local_error))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                   _("Method “%s” of %s cannot be called: %s"),
                   method->name, type_name, local_error->message);
      return NULL;
    }
  method->has_invoker = TRUE;

  return g_steal_pointer (&method);
}

/* The method @name of @type, its parent classes or its interfaces */
static GIFunctionInfo *
find_function_locked (GType       type,
                      const char *name)
{
  g_autofree GType *interfaces = NULL;
  guint n_interfaces = 0;

  for (GType t = type; t != 0; t = g_type_parent (t))
    {
      auto_info GIBaseInfo *info = find_info_locked (t);
      GIFunctionInfo *function;

      if (info == NULL || g_base_info_get_type (info) != GI_INFO_TYPE_OBJECT)
        continue;
      function = g_object_info_find_method ((GIObjectInfo *) info, name);
      if (function != NULL && (g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD))
        return function;
      g_clear_pointer (&function, g_base_info_unref);
    }

  interfaces = g_type_interfaces (type, &n_interfaces);
  for (guint i = 0; i < n_interfaces; i++)
    {
      auto_info GIBaseInfo *info = find_info_locked (interfaces[i]);
      GIFunctionInfo *function;

      if (info == NULL || g_base_info_get_type (info) != GI_INFO_TYPE_INTERFACE)
        continue;
      function = g_interface_info_find_method ((GIInterfaceInfo *) info, name);
      if (function != NULL && (g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD))
        return function;
      g_clear_pointer (&function, g_base_info_unref);
    }

  return NULL;
}

/* An async pair x_async()/x_finish() answers to "x_async", and to "x"
 * when there is no synchronous x(). The listener calls x_async() with a
 * cancellable and callback of its own, and x_finish() when it completes. */
static PpMethod *
lookup_async_pair_locked (GType        type,
                          const char  *name,
                          GError     **error)
{
  g_autofree char *base = g_str_has_suffix (name, "_async")
                          ? g_strndup (name, strlen (name) - strlen ("_async"))
                          : g_strdup (name);
  g_autofree char *begin_name = g_strconcat (base, "_async", NULL);
  g_autofree char *finish_name = g_strconcat (base, "_finish", NULL);
  auto_info GIFunctionInfo *begin_info = find_function_locked (type, begin_name);
  auto_info GIFunctionInfo *finish_info = NULL;
  g_autoptr(PpMethod) begin = NULL;

  if (begin_info == NULL)
    return NULL;
  finish_info = find_function_locked (type, finish_name);
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
      if (function != NULL)
        return method_from_function_info (function, g_type_name (type), error);
    }

  pair = lookup_async_pair_locked (type, name, error);
  if (pair != NULL || (error != NULL && *error != NULL))
    return pair;

  function = find_function_locked (type, name);
  if (function != NULL)
    return method_from_function_info (function, g_type_name (type), error);
  return NULL;
}

static PpMethod *
lookup_action_signal (GType        type,
                      const char  *name,
                      GError     **error)
{
  g_autofree char *canonical = g_strdelimit (g_strdup (name), "_", '-');
  g_autoptr(PpMethod) method = NULL;
  g_autoptr(GString) in_sig = g_string_new ("(");
  g_autoptr(GString) out_sig = g_string_new ("(");
  GSignalQuery query;
  guint signal_id;

  if (!g_signal_parse_name (canonical, type, &signal_id, NULL, FALSE))
    return NULL;
  g_signal_query (signal_id, &query);
  if (!(query.signal_flags & G_SIGNAL_ACTION))
    return NULL;

  method = g_new0 (PpMethod, 1);
  g_atomic_ref_count_init (&method->ref_count);
  method->kind = PP_METHOD_KIND_ACTION_SIGNAL;
  method->name = g_strdup (query.signal_name);
  method->signal_id = signal_id;
  method->return_gtype = query.return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE;
  method->n_params = query.n_params;
  method->param_gtypes = g_new0 (GType, MAX (query.n_params, 1));

  for (guint i = 0; i < query.n_params; i++)
    {
      g_autoptr(GError) local_error = NULL;

      method->param_gtypes[i] = query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;
      if (!pp_marshal_gtype_signature (method->param_gtypes[i], in_sig, &local_error))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("Action signal “%s” of %s cannot be emitted from another process: "
                         "argument %u: %s"),
                       query.signal_name, g_type_name (type), i + 1, local_error->message);
          return NULL;
        }
    }

  if (method->return_gtype != G_TYPE_NONE)
    {
      g_autoptr(GError) local_error = NULL;

      if (!pp_marshal_gtype_signature (method->return_gtype, out_sig, &local_error))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("Action signal “%s” of %s cannot be emitted from another process: "
                         "its return value: %s"),
                       query.signal_name, g_type_name (type), local_error->message);
          return NULL;
        }
    }

  g_string_append_c (in_sig, ')');
  g_string_append_c (out_sig, ')');
  method->in_type = g_variant_type_new (in_sig->str);
  method->out_type = g_variant_type_new (out_sig->str);

  return g_steal_pointer (&method);
}

PpMethod *
pp_introspection_lookup_method (GType        type,
                                const char  *name,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GHashTable *methods;
  PpMethod *method;

  g_return_val_if_fail (g_type_is_a (type, G_TYPE_OBJECT), NULL);

  /* Every call looks its method up: found ones are kept by type, then by
   * name, which costs two hash lookups and no allocation. */
  g_mutex_lock (&gi_lock);
  if (method_cache == NULL)
    method_cache = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_hash_table_unref);
  methods = g_hash_table_lookup (method_cache, GSIZE_TO_POINTER (type));
  method = methods ? g_hash_table_lookup (methods, name) : NULL;
  if (method != NULL)
    {
      pp_method_ref (method);
      g_mutex_unlock (&gi_lock);
      return method;
    }
  g_mutex_unlock (&gi_lock);

  if (is_lifecycle_method (name))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("Method “%s” of %s may not be called from another process"),
                   name, g_type_name (type));
      return NULL;
    }

  g_mutex_lock (&gi_lock);

  method = lookup_introspected_locked (type, name, &local_error);
  if (method == NULL && local_error == NULL)
    method = lookup_action_signal (type, name, &local_error);

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

  g_mutex_unlock (&gi_lock);

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

static GVariant *
invoke_action_signal (PpMethod  *method,
                      GObject   *object,
                      GVariant  *parameters,
                      GError   **error)
{
  g_autofree GValue *values = g_new0 (GValue, method->n_params + 1);
  g_auto(GValue) return_value = G_VALUE_INIT;
  GVariant *result = NULL;
  guint n_set = 1;

  g_value_init (&values[0], G_OBJECT_TYPE (object));
  g_value_set_object (&values[0], object);

  for (guint i = 0; i < method->n_params; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (parameters, i);
      g_autoptr(GError) local_error = NULL;

      if (!pp_marshal_value_from_variant (child, method->param_gtypes[i], &values[i + 1],
                                          &local_error))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       _("Argument %u of “%s”: %s"), i + 1, method->name, local_error->message);
          goto out;
        }
      n_set++;
    }

  if (method->return_gtype != G_TYPE_NONE)
    g_value_init (&return_value, method->return_gtype);

  g_signal_emitv (values, method->signal_id, 0, &return_value);

  if (method->return_gtype != G_TYPE_NONE)
    {
      GVariant *ret = pp_marshal_value_to_variant (&return_value, error);

      if (ret == NULL)
        goto out;
      result = g_variant_new_tuple (&ret, 1);
    }
  else
    result = g_variant_new_tuple (NULL, 0);

out:
  for (guint i = 0; i < n_set; i++)
    g_value_unset (&values[i]);
  return result;
}

typedef struct
{
  GCancellable *cancellable;
  gpointer      callback;
  gpointer      user_data;
  GAsyncResult *result;
  /* the descriptors that came with the arguments, and go with the result */
  GUnixFDList  *in_fds;
  GUnixFDList  *out_fds;
} Specials;

static GVariant *
invoke_introspected (PpMethod        *method,
                     GObject         *object,
                     GVariant        *parameters,
                     Specials        *specials,
                     GError         **error)
{
  guint n = method->n_args;
  g_autofree PpArgValue *values = g_new0 (PpArgValue, n + 1);
  g_autofree gsize *lengths = g_new0 (gsize, n + 1);
  g_autofree gpointer *out_pointers = g_new0 (gpointer, n + 1);
  g_autofree gpointer *ffi_args = g_new0 (gpointer, n + 2);
  PpMarshalScope *scope = pp_marshal_scope_new ();
  GError *local_error = NULL;
  gpointer error_pointer = &local_error;
  gpointer instance = object;
  GIFFIReturnValue ffi_return = { 0 };
  GIArgument ret_arg = { 0 };
  PpArgValue ret_value = { 0 };
  GVariantBuilder builder;
  gboolean invoked = FALSE;
  gboolean ok = FALSE;
  GVariant *result = NULL;
  gsize child = 0;

  if (specials != NULL)
    pp_marshal_scope_set_in_fds (scope, specials->in_fds);

  for (guint i = 0; i < n; i++)
    {
      MethodArg *arg = &method->args[i];

      switch (arg->role)
        {
        case ROLE_CANCELLABLE: values[i].v_pointer = specials ? specials->cancellable : NULL; continue;
        case ROLE_CALLBACK:    values[i].v_pointer = specials ? specials->callback : NULL; continue;
        case ROLE_USER_DATA:   values[i].v_pointer = specials ? specials->user_data : NULL; continue;
        case ROLE_RESULT:      values[i].v_pointer = specials ? specials->result : NULL; continue;
        case ROLE_NORMAL:
        default:
          break;
        }

      if (arg->is_length || arg->skip || !(arg->direction & ARG_IN))
        continue;

      {
        g_autoptr(GVariant) v = g_variant_get_child_value (parameters, child++);
        g_autoptr(GError) arg_error = NULL;
        PpTransfer transfer = arg->direction == ARG_IN ? arg->transfer : PP_TRANSFER_NONE;

        if (!pp_marshal_from_variant (arg->desc, v, transfer, scope, &values[i], &lengths[i],
                                      &arg_error))
          {
            g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                         _("Argument “%s” of “%s”: %s"), arg->name, method->name,
                         arg_error->message);
            goto out;
          }
        if (arg->desc->tag == PP_TAG_C_ARRAY && arg->desc->length_arg >= 0)
          pp_marshal_write_length (arg->desc->length_tag, lengths[i],
                                   &values[arg->desc->length_arg]);
      }
    }

  ffi_args[0] = &instance;
  for (guint i = 0; i < n; i++)
    {
      if (method->args[i].direction & ARG_OUT)
        {
          out_pointers[i] = &values[i];
          ffi_args[i + 1] = &out_pointers[i];
        }
      else
        ffi_args[i + 1] = &values[i];
    }
  if (method->throws)
    ffi_args[n + 1] = &error_pointer;

  ffi_call (&method->invoker.cif, method->invoker.native_address, &ffi_return, ffi_args);
  invoked = TRUE;
  gi_type_tag_extract_ffi_return_value (method->ret_tag, method->ret_iface_type,
                                        &ffi_return, &ret_arg);
  memcpy (&ret_value, &ret_arg, sizeof ret_value);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      goto out;
    }

  g_variant_builder_init (&builder, method->out_type);

  if (method->ret_desc != NULL)
    {
      gsize length = 0;
      GVariant *v;

      if (method->ret_desc->tag == PP_TAG_C_ARRAY && method->ret_desc->length_arg >= 0)
        pp_marshal_read_length (method->ret_desc->length_tag,
                                &values[method->ret_desc->length_arg], &length);
      v = pp_marshal_to_variant (method->ret_desc, &ret_value, length, scope, error);
      if (v == NULL)
        {
          g_prefix_error (error, _("Return value of “%s”: "), method->name);
          g_variant_builder_clear (&builder);
          goto out;
        }
      g_variant_builder_add_value (&builder, v);
    }

  for (guint i = 0; i < n; i++)
    {
      MethodArg *arg = &method->args[i];
      gsize length = 0;
      GVariant *v;

      if (arg->is_length || arg->skip || !(arg->direction & ARG_OUT))
        continue;
      if (arg->desc->tag == PP_TAG_C_ARRAY && arg->desc->length_arg >= 0)
        pp_marshal_read_length (arg->desc->length_tag, &values[arg->desc->length_arg], &length);
      v = pp_marshal_to_variant (arg->desc, &values[i], length, scope, error);
      if (v == NULL)
        {
          g_prefix_error (error, _("Argument “%s” of “%s”: "), arg->name, method->name);
          g_variant_builder_clear (&builder);
          goto out;
        }
      g_variant_builder_add_value (&builder, v);
    }

  result = g_variant_builder_end (&builder);
  ok = TRUE;
  if (specials != NULL)
    specials->out_fds = pp_marshal_scope_steal_out_fds (scope);

out:
  if (invoked)
    {
      /* What the method handed over is ours to free, whether or not it
       * could be sent; after an error, out-arguments are not set. */
      if (method->ret_desc != NULL)
        {
          gsize length = 0;

          if (method->ret_desc->tag == PP_TAG_C_ARRAY && method->ret_desc->length_arg >= 0)
            pp_marshal_read_length (method->ret_desc->length_tag,
                                    &values[method->ret_desc->length_arg], &length);
          pp_marshal_free_value (method->ret_desc, &ret_value, length, method->ret_transfer);
        }
      for (guint i = 0; i < n && (ok || local_error == NULL); i++)
        {
          MethodArg *arg = &method->args[i];
          gsize length = 0;

          if (arg->is_length || !(arg->direction & ARG_OUT))
            continue;
          if (arg->desc->tag == PP_TAG_C_ARRAY && arg->desc->length_arg >= 0)
            pp_marshal_read_length (arg->desc->length_tag, &values[arg->desc->length_arg],
                                    &length);
          pp_marshal_free_value (arg->desc, &values[i], length, arg->transfer);
        }
    }
  pp_marshal_scope_free (scope);
  return result;
}

GVariant *
pp_method_invoke (PpMethod      *method,
                  GObject       *object,
                  GVariant      *parameters,
                  GUnixFDList   *in_fds,
                  GUnixFDList  **out_fds,
                  GError       **error)
{
  Specials specials = { .in_fds = in_fds };
  GVariant *result;

  *out_fds = NULL;
  if (!pp_introspection_check_args (method->name, method->in_type, parameters, error))
    return NULL;

  if (method->kind == PP_METHOD_KIND_ACTION_SIGNAL)
    return invoke_action_signal (method, object, parameters, error);
  result = invoke_introspected (method, object, parameters, &specials, error);
  *out_fds = specials.out_fds;
  return result;
}

gboolean
pp_method_is_async (PpMethod *method)
{
  return method->finish != NULL;
}

typedef struct
{
  PpMethod         *method;
  PpMethodCallback  callback;
  gpointer          user_data;
} AsyncInvocation;

/* The GAsyncReadyCallback given to every x_async() method: a plain C
 * function, so no closure has to be made for it. */
static void
async_method_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AsyncInvocation *ai = user_data;
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new ("()"));
  Specials specials = { .result = result };
  GError *error = NULL;
  GVariant *value;

  value = invoke_introspected (ai->method->finish, source, empty, &specials, &error);
  if (value != NULL)
    g_variant_ref_sink (value);
  ai->callback (value, specials.out_fds, error, ai->user_data);
  g_clear_pointer (&value, g_variant_unref);
  g_clear_object (&specials.out_fds);
  g_clear_error (&error);
  pp_method_unref (ai->method);
  g_free (ai);
}

/* Invokes @method and calls @callback with the result or error, at once for
 * a method that returns its result, or when an x_async() method finishes.
 * @cancellable goes to the method when it takes one. */
void
pp_method_invoke_async (PpMethod         *method,
                        GObject          *object,
                        GVariant         *parameters,
                        GUnixFDList      *in_fds,
                        GCancellable     *cancellable,
                        PpMethodCallback  callback,
                        gpointer          user_data)
{
  GError *error = NULL;
  GVariant *value;

  if (method->finish != NULL &&
      pp_introspection_check_args (method->name, method->in_type, parameters, &error))
    {
      AsyncInvocation *ai = g_new0 (AsyncInvocation, 1);
      Specials specials = {
        .cancellable = cancellable,
        .callback = async_method_ready,
        .user_data = ai,
        .in_fds = in_fds,
      };

      ai->method = pp_method_ref (method);
      ai->callback = callback;
      ai->user_data = user_data;

      value = invoke_introspected (method, object, parameters, &specials, &error);
      if (value != NULL)
        {
          /* Started: the result comes through async_method_ready() */
          g_variant_unref (g_variant_ref_sink (value));
          g_clear_object (&specials.out_fds);
          return;
        }
      pp_method_unref (ai->method);
      g_free (ai);
    }
  else if (method->finish == NULL)
    {
      g_autoptr(GUnixFDList) out_fds = NULL;

      value = pp_method_invoke (method, object, parameters, in_fds, &out_fds, &error);
      if (value != NULL)
        g_variant_ref_sink (value);
      callback (value, out_fds, error, user_data);
      g_clear_pointer (&value, g_variant_unref);
      g_clear_error (&error);
      return;
    }

  callback (NULL, NULL, error, user_data);
  g_clear_error (&error);
}

/* Self-description ------------------------------------------------------ */

static const char *
param_type_name (GType type)
{
  return g_type_name (type & ~G_SIGNAL_TYPE_STATIC_SCOPE);
}

void
pp_introspection_describe_type (GType          type,
                                PpDescription *description)
{
  g_autofree GType *interfaces = NULL;
  guint n_interfaces = 0;

  for (GType t = type; t != 0; t = g_type_parent (t))
    pp_description_add_chain_type (description, g_type_name (t));

  interfaces = g_type_interfaces (type, &n_interfaces);
  for (guint i = 0; i < n_interfaces; i++)
    pp_description_add_interface (description, g_type_name (interfaces[i]));
}

static void
collect_method_names_locked (GType      type,
                             GPtrArray *names)
{
  g_autofree GType *interfaces = NULL;
  guint n_interfaces = 0;

  for (GType t = type; t != 0; t = g_type_parent (t))
    {
      auto_info GIBaseInfo *info = find_info_locked (t);

      if (info == NULL || g_base_info_get_type (info) != GI_INFO_TYPE_OBJECT)
        continue;
      for (int i = 0; i < g_object_info_get_n_methods ((GIObjectInfo *) info); i++)
        {
          auto_info GIFunctionInfo *function = g_object_info_get_method ((GIObjectInfo *) info, i);

          if (g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD)
            g_ptr_array_add (names, g_strdup (g_base_info_get_name (function)));
        }
    }

  interfaces = g_type_interfaces (type, &n_interfaces);
  for (guint j = 0; j < n_interfaces; j++)
    {
      auto_info GIBaseInfo *info = find_info_locked (interfaces[j]);

      if (info == NULL || g_base_info_get_type (info) != GI_INFO_TYPE_INTERFACE)
        continue;
      for (int i = 0; i < g_interface_info_get_n_methods ((GIInterfaceInfo *) info); i++)
        {
          auto_info GIFunctionInfo *function = g_interface_info_get_method ((GIInterfaceInfo *) info, i);

          if (g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD)
            g_ptr_array_add (names, g_strdup (g_base_info_get_name (function)));
        }
    }
}

static void
collect_signal_ids (GType   type,
                    GArray *ids)
{
  g_autofree GType *interfaces = NULL;
  guint n_interfaces = 0;

  for (GType t = type; t != 0; t = g_type_parent (t))
    {
      guint n = 0;
      g_autofree guint *list = g_signal_list_ids (t, &n);

      g_array_append_vals (ids, list, n);
    }

  interfaces = g_type_interfaces (type, &n_interfaces);
  for (guint j = 0; j < n_interfaces; j++)
    {
      guint n = 0;
      g_autofree guint *list = g_signal_list_ids (interfaces[j], &n);

      g_array_append_vals (ids, list, n);
    }
}

static PpMethodDispatch
method_dispatch (PpMethod *method)
{
  if (method->finish != NULL)
    return PP_METHOD_DISPATCH_ASYNC;
  if (method->kind == PP_METHOD_KIND_ACTION_SIGNAL)
    return PP_METHOD_DISPATCH_ACTION_SIGNAL;
  return PP_METHOD_DISPATCH_INTROSPECTED;
}

static void
describe_method (GType          type,
                 const char    *name,
                 GHashTable    *tried,
                 PpDescription *description)
{
  g_autoptr(PpMethod) method = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_hash_table_add (tried, (gpointer) name))
    return;

  method = pp_introspection_lookup_method (type, name, &error);
  if (method == NULL)
    {
      g_debug ("Not describing method “%s” of %s: %s", name, g_type_name (type), error->message);
      return;
    }

  pp_description_add_method (description, name, g_variant_type_peek_string (method->in_type),
                             g_variant_type_peek_string (pp_method_get_out_type (method)),
                             method->throws, method_dispatch (method));
}

void
pp_introspection_describe_methods (GType          type,
                                   PpDescription *description)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) tried = g_hash_table_new (g_str_hash, g_str_equal);

  g_mutex_lock (&gi_lock);
  collect_method_names_locked (type, names);
  g_mutex_unlock (&gi_lock);

  for (guint i = 0; i < names->len; i++)
    describe_method (type, g_ptr_array_index (names, i), tried, description);

  collect_signal_ids (type, ids);
  for (guint i = 0; i < ids->len; i++)
    {
      GSignalQuery query;

      g_signal_query (g_array_index (ids, guint, i), &query);
      if (query.signal_flags & G_SIGNAL_ACTION)
        describe_method (type, query.signal_name, tried, description);
    }
}

/* Signals mirrored on a proxy: any but GObject's notify (properties have
 * their own mirror) whose arguments convert and which return nothing. */
static gboolean
signal_mirror_check (const GSignalQuery  *query,
                     GString             *signature,
                     GError             **error)
{
  g_string_append_c (signature, '(');
  for (guint i = 0; i < query->n_params; i++)
    {
      if (!pp_marshal_gtype_nullable_signature (query->param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE,
                                                signature, error))
        return FALSE;
    }
  g_string_append_c (signature, ')');

  if ((query->return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE) != G_TYPE_NONE)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("it returns a value, which a remote handler cannot give"));
      return FALSE;
    }
  return TRUE;
}

void
pp_introspection_describe_signals (GType          type,
                                   PpDescription *description)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));

  collect_signal_ids (type, ids);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GString) signature = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autofree const char **names = NULL;
      GSignalQuery query;

      g_signal_query (g_array_index (ids, guint, i), &query);
      if (query.itype == G_TYPE_OBJECT && g_str_equal (query.signal_name, "notify"))
        continue;

      names = g_new (const char *, MAX (query.n_params, 1));
      for (guint j = 0; j < query.n_params; j++)
        names[j] = param_type_name (query.param_types[j]);

      if (!signal_mirror_check (&query, signature, &error))
        {
          g_debug ("Signal “%s” of %s is not mirrored: %s", query.signal_name,
                   g_type_name (type), error->message);
          g_string_truncate (signature, 0);
        }

      pp_description_add_signal (description, query.signal_name, query.signal_flags,
                                 query.n_params, names, signature->str,
                                 error ? error->message : "");
    }
}

gboolean
pp_introspection_signal_is_mirrored (GType       type,
                                     const char *name,
                                     guint      *signal_id)
{
  g_autoptr(GString) signature = g_string_new (NULL);
  GSignalQuery query;
  guint id;

  if (!g_signal_parse_name (name, type, &id, NULL, FALSE))
    return FALSE;
  g_signal_query (id, &query);
  if (query.itype == G_TYPE_OBJECT && g_str_equal (query.signal_name, "notify"))
    return FALSE;
  if (!signal_mirror_check (&query, signature, NULL))
    return FALSE;
  *signal_id = id;
  return TRUE;
}

void
pp_introspection_describe_properties (GObject       *object,
                                      PpDescription *description)
{
  guint n_pspecs = 0;
  g_autofree GParamSpec **pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object),
                                                                   &n_pspecs);

  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      g_autoptr(GString) signature = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      GVariant *value = NULL;

      if (!pp_marshal_gtype_signature (pspec->value_type, signature, &error))
        {
          g_debug ("Property “%s” of %s is not mirrored: %s", pspec->name,
                   G_OBJECT_TYPE_NAME (object), error->message);
          g_string_truncate (signature, 0);
        }
      else if (pspec->flags & G_PARAM_READABLE)
        {
          g_auto(GValue) gvalue = G_VALUE_INIT;

          g_value_init (&gvalue, pspec->value_type);
          g_object_get_property (object, pspec->name, &gvalue);
          value = pp_marshal_value_to_maybe (&gvalue, &error);
          if (value == NULL)
            g_string_truncate (signature, 0);
        }

      pp_description_add_property (description, pspec->name, pspec->flags,
                                   g_type_name (pspec->value_type), signature->str,
                                   error ? error->message : "", value);
    }
}

/* Objects by name --------------------------------------------------------- */

static gboolean
parse_property (GObjectClass  *klass,
                const char    *assignment,
                const char   **out_name,
                GValue        *value,
                GError       **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *equals = strchr (assignment, '=');
  GParamSpec *pspec;

  if (equals == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” is not of the form name=value"), assignment);
      return FALSE;
    }
  name = g_strndup (assignment, equals - assignment);
  pspec = g_object_class_find_property (klass, name);
  if (pspec == NULL || !(pspec->flags & G_PARAM_WRITABLE))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("%s has no property “%s” that can be set"),
                   G_OBJECT_CLASS_NAME (klass), name);
      return FALSE;
    }
  if (!pp_marshal_gtype_signature (pspec->value_type, signature, error))
    return FALSE;

  variant = g_variant_parse (G_VARIANT_TYPE (signature->str), equals + 1, NULL, NULL,
                             &parse_error);
  /* A string may be given bare */
  if (variant == NULL && g_str_equal (signature->str, "s"))
    variant = g_variant_ref_sink (g_variant_new_string (equals + 1));
  if (variant == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Property “%s” of %s takes a value of type %s: %s"),
                   name, G_OBJECT_CLASS_NAME (klass), signature->str, parse_error->message);
      return FALSE;
    }
  if (!pp_marshal_value_from_variant (variant, pspec->value_type, value, error))
    return FALSE;
  if (g_param_value_validate (pspec, value))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” is not a valid value for property “%s” of %s"),
                   equals + 1, name, G_OBJECT_CLASS_NAME (klass));
      return FALSE;
    }
  *out_name = pspec->name;
  return TRUE;
}

GObject *
pp_introspection_new_object (const char         *namespace_,
                             const char         *version,
                             const char         *type_name,
                             const char * const *properties,
                             GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GTypeClass) type_class = NULL;
  GObjectClass *klass;
  g_autofree const char **names = NULL;
  g_autofree GValue *values = NULL;
  GObject *object = NULL;
  guint n_properties = properties ? g_strv_length ((char **) properties) : 0;
  guint n_set = 0;
  GType type;

  g_mutex_lock (&gi_lock);
  if (g_irepository_require (NULL, namespace_, version && *version ? version : NULL, 0,
                             &local_error) == NULL)
    {
      g_mutex_unlock (&gi_lock);
      g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("No namespace %s%s%s: %s"),
                   namespace_, version && *version ? "-" : "", version ? version : "",
                   local_error->message);
      return NULL;
    }

  {
    auto_info GIBaseInfo *info = g_irepository_find_by_name (NULL, namespace_, type_name);

    if (info == NULL)
      {
        g_mutex_unlock (&gi_lock);
        g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("Namespace %s has no type %s"),
                     namespace_, type_name);
        return NULL;
      }
    if (g_base_info_get_type (info) != GI_INFO_TYPE_OBJECT)
      {
        g_mutex_unlock (&gi_lock);
        g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                     _("%s.%s is not a GObject class"), namespace_, type_name);
        return NULL;
      }
    type = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) info);
  }
  g_mutex_unlock (&gi_lock);

  if (!g_type_is_a (type, G_TYPE_OBJECT))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("%s.%s is not a GObject class"), namespace_, type_name);
      return NULL;
    }
  if (G_TYPE_IS_ABSTRACT (type))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("%s.%s is abstract: it has no instances of its own"), namespace_, type_name);
      return NULL;
    }

  type_class = g_type_class_ref (type);
  klass = G_OBJECT_CLASS (type_class);
  names = g_new0 (const char *, MAX (n_properties, 1));
  values = g_new0 (GValue, MAX (n_properties, 1));
  for (; n_set < n_properties; n_set++)
    if (!parse_property (klass, properties[n_set], &names[n_set], &values[n_set], error))
      goto out;

  object = g_object_new_with_properties (type, n_properties, names, values);
  if (G_IS_INITABLE (object) && !g_initable_init (G_INITABLE (object), NULL, error))
    g_clear_object (&object);

out:
  for (guint i = 0; i < n_set; i++)
    g_value_unset (&values[i]);
  return object;
}
