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
#include "pp-method-private.h"

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

/* The typelibs on the search path, as namespace names: listed once */
static GPtrArray *
typelib_namespaces_locked (void)
{
  static GPtrArray *namespaces;
  g_autoptr(GHashTable) seen = NULL;

  if (namespaces != NULL)
    return namespaces;

  namespaces = g_ptr_array_new_with_free_func (g_free);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (GSList *l = g_irepository_get_search_path (); l != NULL; l = l->next)
    {
      g_autoptr(GDir) dir = g_dir_open (l->data, 0, NULL);
      const char *file;

      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        {
          const char *dash = strchr (file, '-');
          char *ns;

          if (dash == NULL || !g_str_has_suffix (file, ".typelib"))
            continue;
          ns = g_strndup (file, dash - file);
          if (g_hash_table_add (seen, ns))
            g_ptr_array_add (namespaces, ns);
          else
            g_free (ns);
        }
    }
  return namespaces;
}

/* Namespaces are loaded as needed: a type's namespace is usually a prefix of
 * its name ("JsonParser" → Json, "PpTestObject" → PpTest), and types named
 * G… live in GObject or Gio. Of a namespace that is not loaded yet, the
 * latest version is, so that two versions never are. */
static void
require_namespaces_for_name_locked (const char *type_name)
{
  GIRepository *repo = g_irepository_get_default ();
  GPtrArray *namespaces;

  if (type_name[0] == 'G' && g_ascii_isupper (type_name[1]))
    {
      g_irepository_require (repo, "GObject", NULL, 0, NULL);
      g_irepository_require (repo, "Gio", NULL, 0, NULL);
      return;
    }

  namespaces = typelib_namespaces_locked ();
  for (guint i = 0; i < namespaces->len; i++)
    {
      const char *ns = g_ptr_array_index (namespaces, i);
      gsize ns_len = strlen (ns);

      if (strncmp (type_name, ns, ns_len) == 0 &&
          (type_name[ns_len] == '\0' || g_ascii_isupper (type_name[ns_len])) &&
          !g_irepository_is_registered (repo, ns, NULL))
        g_irepository_require (repo, ns, NULL, 0, NULL);
    }
}

static void
require_namespaces_for_type_locked (GType type)
{
  if (types_searched == NULL)
    types_searched = g_hash_table_new (NULL, NULL);
  if (g_hash_table_contains (types_searched, GSIZE_TO_POINTER (type)))
    return;
  g_hash_table_add (types_searched, GSIZE_TO_POINTER (type));
  require_namespaces_for_name_locked (g_type_name (type));
}

/* The registered type called @name in a loaded namespace whose C prefix
 * starts it: its get-type function registers it */
static GType
find_type_by_name_locked (const char *name)
{
  GIRepository *repo = g_irepository_get_default ();
  g_auto(GStrv) namespaces = g_irepository_get_loaded_namespaces (repo);

  for (guint i = 0; namespaces[i] != NULL; i++)
    {
      const char *prefixes = g_irepository_get_c_prefix (repo, namespaces[i]);
      g_auto(GStrv) each = g_strsplit (prefixes ? prefixes : "", ",", -1);

      for (guint j = 0; each[j] != NULL; j++)
        {
          gsize len = strlen (each[j]);
          auto_info GIBaseInfo *info = NULL;
          GType type;

          if (len == 0 || strncmp (name, each[j], len) != 0 || !g_ascii_isupper (name[len]))
            continue;
          info = g_irepository_find_by_name (repo, namespaces[i], name + len);
          if (info == NULL || !GI_IS_REGISTERED_TYPE_INFO (info))
            continue;
          type = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) info);
          if (type != G_TYPE_INVALID && type != G_TYPE_NONE && g_str_equal (g_type_name (type), name))
            return type;
        }
    }
  return G_TYPE_INVALID;
}

static gboolean
is_type_name (const char *name)
{
  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_-+", *p) == NULL)
      return FALSE;
  return strlen (name) < 256;
}

GType
pp_introspection_type_from_name (const char  *name,
                                 GError     **error)
{
  GType type = g_type_from_name (name);

  if (type == G_TYPE_INVALID && is_type_name (name))
    {
      g_mutex_lock (&gi_lock);
      require_namespaces_for_name_locked (name);
      type = find_type_by_name_locked (name);
      g_mutex_unlock (&gi_lock);
    }
  if (type == G_TYPE_INVALID)
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS, _("No type is called “%s”"), name);
  return type;
}

/* The namespaces are loaded before the first look-up: libgirepository
 * remembers a GType it could not find, even after more namespaces load. */
static GIBaseInfo *
find_info_locked (GType type)
{
  require_namespaces_for_type_locked (type);
  return g_irepository_find_by_gtype (NULL, type);
}

/* Type descriptions ------------------------------------------------------- */

static PpTypeDesc *desc_for_type_info (GITypeInfo  *type_info,
                                       gboolean     nullable,
                                       GError     **error);

static PpTypeDesc *
desc_for_enum (GIEnumInfo *info,
               gboolean    flags)
{
  PpTypeDesc *desc = pp_type_desc_new (flags ? PP_TAG_FLAGS : PP_TAG_ENUM);
  guint n = g_enum_info_get_n_values (info);

  desc->gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) info);
  if (desc->gtype == G_TYPE_INVALID)
    desc->gtype = G_TYPE_NONE;
  desc->enum_values = g_new0 (gint64, MAX (n, 1));
  desc->n_enum_values = n;
  for (guint i = 0; i < n; i++)
    {
      auto_info GIValueInfo *value = g_enum_info_get_value (info, i);

      desc->enum_values[i] = g_value_info_get_value (value);
      desc->flags_mask |= (guint64) desc->enum_values[i];
    }
  return desc;
}

/* Streams cross as descriptors: exactly these, since a method taking a
 * subclass of a stream expects something a descriptor cannot stand for */
static gboolean
tag_for_stream (GType      gtype,
                PpTypeTag *tag)
{
  if (gtype == G_TYPE_INPUT_STREAM)
    *tag = PP_TAG_INPUT_STREAM;
  else if (gtype == G_TYPE_OUTPUT_STREAM)
    *tag = PP_TAG_OUTPUT_STREAM;
  else
    return FALSE;
  return TRUE;
}

static PpTypeDesc *
desc_for_interface (GITypeInfo  *type_info,
                    GError     **error)
{
  auto_info GIBaseInfo *iface = g_type_info_get_interface (type_info);
  GIInfoType info_type = g_base_info_get_type (iface);
  PpTypeDesc *desc;
  PpTypeTag tag;
  GType gtype;

  if (info_type == GI_INFO_TYPE_ENUM || info_type == GI_INFO_TYPE_FLAGS)
    return desc_for_enum ((GIEnumInfo *) iface, info_type == GI_INFO_TYPE_FLAGS);

  if (info_type == GI_INFO_TYPE_CALLBACK)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
                   _("takes a callback (%s)"), g_base_info_get_name (iface));
      return NULL;
    }

  gtype = GI_IS_REGISTERED_TYPE_INFO (iface)
          ? g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface) : G_TYPE_INVALID;
  if (info_type == GI_INFO_TYPE_OBJECT && tag_for_stream (gtype, &tag))
    return pp_type_desc_new (tag);

  /* Any other object crosses as a reference, but for a stream of a
   * particular kind, which a descriptor cannot stand for */
  if ((info_type == GI_INFO_TYPE_OBJECT || info_type == GI_INFO_TYPE_INTERFACE) &&
      (G_TYPE_IS_OBJECT (gtype) || G_TYPE_IS_INTERFACE (gtype)) &&
      !g_type_is_a (gtype, G_TYPE_INPUT_STREAM) && !g_type_is_a (gtype, G_TYPE_OUTPUT_STREAM) &&
      g_type_info_is_pointer (type_info))
    {
      desc = pp_type_desc_new (PP_TAG_OBJECT);
      desc->gtype = gtype;
      return desc;
    }
  if (gtype == G_TYPE_VARIANT)
    return pp_type_desc_new (PP_TAG_VARIANT);

  /* A boxed value with a value form, by pointer */
  if ((info_type == GI_INFO_TYPE_STRUCT || info_type == GI_INFO_TYPE_BOXED ||
       info_type == GI_INFO_TYPE_UNION) && G_TYPE_IS_BOXED (gtype) &&
      g_type_info_is_pointer (type_info) && (desc = pp_marshal_desc_for_boxed (gtype)) != NULL)
    return desc;

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("has type %s.%s, which cannot be sent to another process"),
               g_base_info_get_namespace (iface), g_base_info_get_name (iface));
  return NULL;
}

/* An item of a GList, GSList, GPtrArray or GHashTable, which is a pointer */
static PpTypeDesc *
desc_for_item (GITypeInfo  *type_info,
               int          index,
               gboolean     key,
               GError     **error)
{
  auto_info GITypeInfo *item_info = g_type_info_get_param_type (type_info, index);
  PpTypeDesc *item = item_info ? desc_for_type_info (item_info, FALSE, error) : NULL;
  PpTypeRuleFlags needed = key ? PP_RULE_DICT_KEY : PP_RULE_IN_POINTER;

  if (item_info == NULL)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is a container whose items have no type"));
  if (item == NULL || (pp_type_rules[item->tag].flags & needed))
    return item;

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               key ? _("is a GHashTable whose keys are of type %s, which cannot be a key")
                   : _("is a container of %s, which cannot be an item"),
               pp_type_tag_to_string (item->tag));
  pp_type_desc_free (item);
  return NULL;
}

static PpTypeDesc *
desc_for_container (GITypeInfo  *type_info,
                    PpTypeTag    tag,
                    GError     **error)
{
  PpTypeDesc *element = desc_for_item (type_info, tag == PP_TAG_HASH_TABLE ? 1 : 0, FALSE, error);
  PpTypeDesc *key = NULL;
  PpTypeDesc *desc;

  if (element == NULL)
    return NULL;
  if (tag == PP_TAG_HASH_TABLE && (key = desc_for_item (type_info, 0, TRUE, error)) == NULL)
    {
      pp_type_desc_free (element);
      return NULL;
    }
  desc = pp_type_desc_new (tag);
  desc->element = element;
  desc->key = key;
  return desc;
}

static gboolean
tag_for_basic (GITypeTag  tag,
               PpTypeTag *out)
{
  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN:  *out = PP_TAG_BOOLEAN; return TRUE;
    case GI_TYPE_TAG_INT8:     *out = PP_TAG_INT8; return TRUE;
    case GI_TYPE_TAG_UINT8:    *out = PP_TAG_UINT8; return TRUE;
    case GI_TYPE_TAG_INT16:    *out = PP_TAG_INT16; return TRUE;
    case GI_TYPE_TAG_UINT16:   *out = PP_TAG_UINT16; return TRUE;
    case GI_TYPE_TAG_INT32:    *out = PP_TAG_INT32; return TRUE;
    case GI_TYPE_TAG_UINT32:   *out = PP_TAG_UINT32; return TRUE;
    case GI_TYPE_TAG_INT64:    *out = PP_TAG_INT64; return TRUE;
    case GI_TYPE_TAG_UINT64:   *out = PP_TAG_UINT64; return TRUE;
    case GI_TYPE_TAG_FLOAT:    *out = PP_TAG_FLOAT; return TRUE;
    case GI_TYPE_TAG_DOUBLE:   *out = PP_TAG_DOUBLE; return TRUE;
    case GI_TYPE_TAG_UNICHAR:  *out = PP_TAG_UNICHAR; return TRUE;
    case GI_TYPE_TAG_GTYPE:    *out = PP_TAG_GTYPE; return TRUE;
    case GI_TYPE_TAG_UTF8:     *out = PP_TAG_STRING; return TRUE;
    case GI_TYPE_TAG_FILENAME: *out = PP_TAG_FILENAME; return TRUE;
    case GI_TYPE_TAG_VOID:
    case GI_TYPE_TAG_ARRAY:
    case GI_TYPE_TAG_INTERFACE:
    case GI_TYPE_TAG_GLIST:
    case GI_TYPE_TAG_GSLIST:
    case GI_TYPE_TAG_GHASH:
    case GI_TYPE_TAG_ERROR:
    default:
      return FALSE;
    }
}

static PpTypeDesc *
desc_for_c_array (GITypeInfo  *type_info,
                  GError     **error)
{
  auto_info GITypeInfo *element_info = g_type_info_get_param_type (type_info, 0);
  PpTypeDesc *element = desc_for_type_info (element_info, FALSE, error);
  int length = g_type_info_get_array_length (type_info);
  int fixed = g_type_info_get_array_fixed_size (type_info);
  gboolean zero_terminated = g_type_info_is_zero_terminated (type_info);
  PpTypeDesc *desc;

  if (element == NULL)
    return NULL;

  if (pp_type_rules[element->tag].flags & PP_RULE_CONTAINER)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is an array of containers, which cannot be sent to another process"));
  else if (pp_type_rules[element->tag].flags & PP_RULE_STREAM)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is an array of streams, which cannot be sent to another process"));
  else if (length < 0 && fixed < 0 && !zero_terminated)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("is a C array of unknown length"));
  else if (element->tag == PP_TAG_STRING && length < 0 && fixed < 0)
    {
      pp_type_desc_free (element);
      return pp_type_desc_new (PP_TAG_STRV);
    }
  else
    {
      desc = pp_type_desc_new (PP_TAG_C_ARRAY);
      desc->element = element;
      desc->length_arg = length;
      desc->fixed_size = fixed;
      desc->zero_terminated = zero_terminated;
      return desc;
    }

  pp_type_desc_free (element);
  return NULL;
}

static PpTypeDesc *
desc_for_array (GITypeInfo  *type_info,
                GError     **error)
{
  GIArrayType array_type = g_type_info_get_array_type (type_info);

  if (array_type == GI_ARRAY_TYPE_BYTE_ARRAY)
    return pp_type_desc_new (PP_TAG_BYTE_ARRAY);
  if (array_type == GI_ARRAY_TYPE_C)
    return desc_for_c_array (type_info, error);
  if (array_type == GI_ARRAY_TYPE_PTR_ARRAY)
    return desc_for_container (type_info, PP_TAG_PTR_ARRAY, error);

  g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
               _("is a %s, which cannot be sent to another process"),
               array_type == GI_ARRAY_TYPE_PTR_ARRAY ? "GPtrArray" : "GArray");
  return NULL;
}

static PpTypeDesc *
desc_for_type_info (GITypeInfo  *type_info,
                    gboolean     nullable,
                    GError     **error)
{
  GITypeTag tag = g_type_info_get_tag (type_info);
  PpTypeDesc *desc;
  PpTypeTag basic;

  if (tag_for_basic (tag, &basic))
    desc = pp_type_desc_new (basic);
  else if (tag == GI_TYPE_TAG_INTERFACE)
    desc = desc_for_interface (type_info, error);
  else if (tag == GI_TYPE_TAG_ARRAY)
    desc = desc_for_array (type_info, error);
  else if (tag == GI_TYPE_TAG_GLIST)
    desc = desc_for_container (type_info, PP_TAG_LIST, error);
  else if (tag == GI_TYPE_TAG_GSLIST)
    desc = desc_for_container (type_info, PP_TAG_SLIST, error);
  else if (tag == GI_TYPE_TAG_GHASH)
    desc = desc_for_container (type_info, PP_TAG_HASH_TABLE, error);
  else if (tag == GI_TYPE_TAG_ERROR)
    desc = pp_marshal_desc_for_boxed (G_TYPE_ERROR);
  else if (tag == GI_TYPE_TAG_VOID)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED, _("is a raw pointer"));
      return NULL;
    }
  else
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("has type %s, which cannot be sent to another process"),
                   g_type_tag_to_string (tag));
      return NULL;
    }

  if (desc != NULL && nullable && (pp_type_rules[desc->tag].flags & PP_RULE_NULLABLE))
    desc->nullable = TRUE;
  return desc;
}

/* Methods ----------------------------------------------------------------- */

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
      PpMethodArg *length = &method->args[desc->length_arg];

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

  if (direction != GI_DIRECTION_IN && g_arg_info_is_caller_allocates (arg_info))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("Method “%s” of %s cannot be called from another process: "
                     "argument “%s” is a caller-allocated structure"),
                   method_name, type_name, arg->name);
      return FALSE;
    }

  arg->desc = desc_for_type_info (type_info, g_arg_info_may_be_null (arg_info), &local_error);
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
  method->ret_desc = desc_for_type_info (ret_info, g_callable_info_may_return_null (info),
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
  method->in_type = g_variant_type_new (in_sig->str);
  method->out_type = g_variant_type_new (out_sig->str);
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
  gboolean is_constructor = !(g_function_info_get_flags (info) & GI_FUNCTION_IS_METHOD);
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

  for (guint i = 0; i < method->n_args; i++)
    mark_length_arg (method, method->args[i].desc);
  mark_length_arg (method, method->ret_desc);

  set_signatures (method, g_callable_info_skip_return (info));
  if (g_callable_info_skip_return (info))
    g_clear_pointer (&method->ret_desc, pp_type_desc_free);

  if (!prepare_invoker (info, method, type_name, error))
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
      pp_description_add_refused_method (description, name, error->message);
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

/* Classes by name -------------------------------------------------------- */

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

  g_mutex_lock (&gi_lock);
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
  g_mutex_unlock (&gi_lock);
  return method;
}

GType
pp_introspection_find_class (const char  *namespace_,
                             const char  *version,
                             const char  *type_name,
                             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GIBaseInfo *info = NULL;
  GType type = G_TYPE_INVALID;

  g_mutex_lock (&gi_lock);
  if (g_irepository_require (NULL, namespace_, version && *version ? version : NULL, 0,
                             &local_error) == NULL)
    g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("No namespace %s%s%s: %s"),
                 namespace_, version && *version ? "-" : "", version ? version : "",
                 local_error->message);
  else if ((info = g_irepository_find_by_name (NULL, namespace_, type_name)) == NULL)
    g_set_error (error, PP_ERROR, PP_ERROR_FAILED, _("Namespace %s has no type %s"),
                 namespace_, type_name);
  else if (g_base_info_get_type (info) != GI_INFO_TYPE_OBJECT)
    g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                 _("%s.%s is not a GObject class"), namespace_, type_name);
  else
    type = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) info);
  g_clear_pointer (&info, g_base_info_unref);
  g_mutex_unlock (&gi_lock);

  return type;
}
