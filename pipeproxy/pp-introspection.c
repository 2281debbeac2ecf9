/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>

#include "pp-error.h"
#include "pp-introspection-gi-private.h"
#include "pp-introspection-private.h"

/* The typelibs: namespaces loaded as needed, types and classes found by
 * name. */

GMutex pp_introspection_gi_lock;
static GHashTable *types_searched;  /* GType → TRUE once namespaces were looked for */

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
      auto_info GIBaseInfo *info = NULL;

      /* Gio only for what GObject lacks: a worker serving a plain
       * GObject would otherwise load the biggest typelib for nothing */
      g_irepository_require (repo, "GObject", NULL, 0, NULL);
      info = g_irepository_find_by_name (repo, "GObject", type_name + 1);
      if (info == NULL)
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

GType
pp_introspection_registered_gtype (GIRegisteredTypeInfo *info)
{
  const char *name = g_registered_type_info_get_type_name (info);
  GType type = name != NULL ? g_type_from_name (name) : G_TYPE_INVALID;

  return type != G_TYPE_INVALID ? type : g_registered_type_info_get_g_type (info);
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
      g_mutex_lock (&pp_introspection_gi_lock);
      require_namespaces_for_name_locked (name);
      type = find_type_by_name_locked (name);
      g_mutex_unlock (&pp_introspection_gi_lock);
    }
  if (type == G_TYPE_INVALID)
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS, _("No type is called “%s”"), name);
  return type;
}

GIBaseInfo *
pp_introspection_find_info_locked (GType type)
{
  require_namespaces_for_type_locked (type);
  return g_irepository_find_by_gtype (NULL, type);
}

GType *
pp_introspection_lineage (GType  type,
                          guint *n_types)
{
  g_autofree GType *interfaces = NULL;
  guint n_interfaces = 0;
  guint depth = g_type_depth (type);
  GType *types;
  guint n = 0;

  interfaces = g_type_interfaces (type, &n_interfaces);
  types = g_new (GType, depth + n_interfaces);
  for (GType t = type; t != 0; t = g_type_parent (t))
    types[n++] = t;
  for (guint i = 0; i < n_interfaces; i++)
    types[n++] = interfaces[i];
  *n_types = n;
  return types;
}

static gboolean
is_struct_info (GIInfoType info_type)
{
  return info_type == GI_INFO_TYPE_STRUCT || info_type == GI_INFO_TYPE_BOXED;
}

int
pp_introspection_info_n_methods (GIBaseInfo *info)
{
  GIInfoType info_type = g_base_info_get_type (info);

  if (info_type == GI_INFO_TYPE_OBJECT)
    return g_object_info_get_n_methods ((GIObjectInfo *) info);
  if (is_struct_info (info_type))
    return g_struct_info_get_n_methods ((GIStructInfo *) info);
  if (info_type == GI_INFO_TYPE_UNION)
    return g_union_info_get_n_methods ((GIUnionInfo *) info);
  if (info_type == GI_INFO_TYPE_INTERFACE)
    return g_interface_info_get_n_methods ((GIInterfaceInfo *) info);
  return 0;
}

GIFunctionInfo *
pp_introspection_info_get_method (GIBaseInfo *info,
                                  int         i)
{
  GIInfoType info_type = g_base_info_get_type (info);

  if (info_type == GI_INFO_TYPE_OBJECT)
    return g_object_info_get_method ((GIObjectInfo *) info, i);
  if (is_struct_info (info_type))
    return g_struct_info_get_method ((GIStructInfo *) info, i);
  if (info_type == GI_INFO_TYPE_UNION)
    return g_union_info_get_method ((GIUnionInfo *) info, i);
  if (info_type == GI_INFO_TYPE_INTERFACE)
    return g_interface_info_get_method ((GIInterfaceInfo *) info, i);
  g_return_val_if_reached (NULL);
}

GIFunctionInfo *
pp_introspection_info_find_method (GIBaseInfo *info,
                                   const char *name)
{
  GIInfoType info_type = g_base_info_get_type (info);

  if (info_type == GI_INFO_TYPE_OBJECT)
    return g_object_info_find_method ((GIObjectInfo *) info, name);
  if (is_struct_info (info_type))
    return g_struct_info_find_method ((GIStructInfo *) info, name);
  if (info_type == GI_INFO_TYPE_UNION)
    return g_union_info_find_method ((GIUnionInfo *) info, name);
  if (info_type == GI_INFO_TYPE_INTERFACE)
    return g_interface_info_find_method ((GIInterfaceInfo *) info, name);
  return NULL;
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

  g_mutex_lock (&pp_introspection_gi_lock);
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
  g_mutex_unlock (&pp_introspection_gi_lock);

  return type;
}
