/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-imports-private.h"
#include "pp-variant-private.h"

typedef struct
{
  guint32        id;
  PpDescription *description;
} ImportedType;

typedef struct
{
  guint32       handle;
  ImportedType *type;
  GHashTable   *values;       /* name → mv, while no proxy lives */
  guint64       received;     /* references received, not released */
  GWeakRef      proxy;
  guint         generation;   /* of the last proxy made */
} Import;

struct _PpImports
{
  gatomicrefcount      ref_count;
  GMutex               lock;
  PpConnection        *connection;
  PpDescriptionLimits  limits;
  PpImportsProxyFunc   make_proxy;
  gpointer             user_data;
  /* Made with the first entry: most connections never carry an object */
  GHashTable          *types;        /* id → ImportedType, or NULL */
  GHashTable          *imports;      /* handle → Import, or NULL */
  GWeakRef             root;         /* the proxy of the peer's root object, if any */
  guint                max_objects;
  guint                max_types;
};

static void
imported_type_free (gpointer data)
{
  ImportedType *type = data;

  pp_description_unref (type->description);
  g_free (type);
}

static void
import_free (gpointer data)
{
  Import *import = data;

  g_clear_pointer (&import->values, g_hash_table_unref);
  g_weak_ref_clear (&import->proxy);
  g_free (import);
}

/* The entry of @key in @table, which may not be made yet */
static gpointer
lookup (GHashTable *table,
        guint32     key)
{
  return table != NULL ? g_hash_table_lookup (table, GUINT_TO_POINTER (key)) : NULL;
}

static guint
table_size (GHashTable *table)
{
  return table != NULL ? g_hash_table_size (table) : 0;
}

/* Under the lock */
static void
insert (GHashTable     **table,
        GDestroyNotify   free_value,
        guint32          key,
        gpointer         value)
{
  if (*table == NULL)
    *table = g_hash_table_new_full (NULL, NULL, NULL, free_value);
  g_hash_table_insert (*table, GUINT_TO_POINTER (key), value);
}

PpImports *
pp_imports_new (PpConnection              *connection,
                const PpDescriptionLimits *limits,
                PpImportsProxyFunc         make_proxy,
                gpointer                   user_data)
{
  PpImports *self = g_new0 (PpImports, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->connection = pp_connection_ref (connection);
  self->limits = *limits;
  self->make_proxy = make_proxy;
  self->user_data = user_data;
  g_weak_ref_init (&self->root, NULL);
  self->max_objects = PP_DEFAULT_MAX_OBJECTS;
  self->max_types = PP_DEFAULT_MAX_OBJECT_TYPES;
  return self;
}

PpImports *
pp_imports_ref (PpImports *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pp_imports_unref (PpImports *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  pp_connection_unref (self->connection);
  g_clear_pointer (&self->imports, g_hash_table_unref);
  g_clear_pointer (&self->types, g_hash_table_unref);
  g_weak_ref_clear (&self->root);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* The peer's root object (a method that returns the object it was called
 * on, as a builder does) arrives as @root, which is not counted: it is
 * never released */
void
pp_imports_set_root (PpImports *self,
                     GObject   *root)
{
  g_weak_ref_set (&self->root, root);
}

void
pp_imports_set_max_objects (PpImports *self,
                            guint      max)
{
  g_mutex_lock (&self->lock);
  self->max_objects = max;
  g_mutex_unlock (&self->lock);
}

guint
pp_imports_get_n_objects (PpImports *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = table_size (self->imports);
  g_mutex_unlock (&self->lock);
  return n;
}

static gboolean
take_type (PpImports  *self,
           GVariant   *body,
           GError    **error)
{
  g_autoptr(GVariant) info = NULL;
  g_autoptr(PpDescription) description = NULL;
  ImportedType *type;
  guint32 id;

  g_variant_get (body, "(u@a{sv})", &id, &info);

  g_mutex_lock (&self->lock);
  if (lookup (self->types, id) != NULL)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL, _("Type %u was described twice"), id);
      return FALSE;
    }
  if (table_size (self->types) >= self->max_types)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("The peer described more than %u types of objects"), self->max_types);
      return FALSE;
    }
  g_mutex_unlock (&self->lock);

  description = pp_description_parse (info, &self->limits, NULL, error);
  if (description == NULL)
    {
      g_prefix_error (error, _("Type %u: "), id);
      return FALSE;
    }

  type = g_new0 (ImportedType, 1);
  type->id = id;
  type->description = g_steal_pointer (&description);
  /* Only the reading thread adds types */
  g_mutex_lock (&self->lock);
  insert (&self->types, imported_type_free, id, type);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* A property value, mv: nothing, or a value of @signature */
static gboolean
value_has_signature (GVariant   *maybe,
                     const char *signature)
{
  g_autoptr(GVariant) boxed = NULL;
  g_autoptr(GVariant) inner = NULL;

  if (!g_variant_is_of_type (maybe, G_VARIANT_TYPE ("mv")))
    return FALSE;
  boxed = g_variant_get_maybe (maybe);
  if (boxed == NULL)
    return TRUE;
  inner = pp_variant_get_variant (boxed);
  return g_str_equal (g_variant_get_type_string (inner), signature);
}

/* Property values as the description's parser would check them: names it
 * describes, values of their signature */
static GHashTable *
checked_values (ImportedType  *type,
                GVariant      *values,
                GError       **error)
{
  GHashTable *checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init (&iter, values);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      int index = pp_description_find_property (type->description, name);
      const PpDescribedProperty *prop;

      g_variant_take_ref (value);  /* see pp-variant-private.h */

      prop = index >= 0 ? pp_description_get_property (type->description, index) : NULL;
      if (prop == NULL || prop->signature[0] == '\0' || !value_has_signature (value, prop->signature))
        {
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("An object of type %s was introduced with a wrong value of “%s”"),
                       pp_description_get_type_name (type->description), name);
          g_variant_unref (value);
          g_hash_table_unref (checked);
          return NULL;
        }
      g_hash_table_replace (checked, g_strdup (name), value);
    }
  return checked;
}

static gboolean
take_introduce (PpImports  *self,
                GVariant   *body,
                GError    **error)
{
  GVariantIter iter;
  guint32 handle, type_id;
  GVariant *values;

  g_variant_iter_init (&iter, body);
  while (g_variant_iter_next (&iter, "(uu@a{sv})", &handle, &type_id, &values))
    {
      g_autoptr(GVariant) owned = values;
      ImportedType *type;
      Import *import;
      GHashTable *checked;

      g_mutex_lock (&self->lock);
      type = lookup (self->types, type_id);
      if (type == NULL || handle == PP_WIRE_ROOT_HANDLE || lookup (self->imports, handle) != NULL)
        {
          g_mutex_unlock (&self->lock);
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       type == NULL ? _("Object %u was introduced with type %u, not described")
                                    : _("Object %u was introduced twice"),
                       handle, type_id);
          return FALSE;
        }
      if (table_size (self->imports) >= self->max_objects)
        {
          g_mutex_unlock (&self->lock);
          g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                       _("The peer introduced more than %u objects"), self->max_objects);
          return FALSE;
        }
      g_mutex_unlock (&self->lock);

      /* Types are never removed: @type stays valid */
      checked = checked_values (type, values, error);
      if (checked == NULL)
        return FALSE;

      import = g_new0 (Import, 1);
      import->handle = handle;
      import->type = type;
      import->values = checked;
      g_weak_ref_init (&import->proxy, NULL);
      g_mutex_lock (&self->lock);
      insert (&self->imports, import_free, handle, import);
      g_mutex_unlock (&self->lock);
    }
  return TRUE;
}

gboolean
pp_imports_take (PpImports           *self,
                 const PpWireHeader  *header,
                 GVariant            *body,
                 GError             **error)
{
  if (header->kind == PP_WIRE_KIND_TYPE)
    return take_type (self, body, error);
  return take_introduce (self, body, error);
}

gboolean
pp_imports_take_released (PpImports  *self,
                          GVariant   *body,
                          GError    **error)
{
  gsize n;
  const guint32 *handles = g_variant_get_fixed_array (body, &n, sizeof (guint32));
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  for (gsize i = 0; i < n && ok; i++)
    {
      Import *import = lookup (self->imports, handles[i]);

      /* The peer sends it once everything it gave was released: nothing
       * can have arrived since */
      if (import == NULL || import->received != 0)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("The peer released object %u, which it still gave out"), handles[i]);
          ok = FALSE;
        }
      else
        g_hash_table_remove (self->imports, GUINT_TO_POINTER (handles[i]));
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

/* A reference to @handle arrived: its proxy, made if none lives */
static GObject *
get_proxy (PpImports  *self,
           guint32     handle,
           GError    **error)
{
  GObject *proxy = NULL;
  Import *import;

  g_mutex_lock (&self->lock);
  import = lookup (self->imports, handle);
  if (import != NULL && self->make_proxy != NULL)
    {
      proxy = g_weak_ref_get (&import->proxy);
      if (proxy == NULL)
        {
          /* Its values stay here, in case it dies before the peer's
           * RELEASED; then they follow PROPERTY frames again */
          proxy = self->make_proxy (handle, ++import->generation, import->type->description,
                                    import->values, self->user_data);
          g_weak_ref_set (&import->proxy, proxy);
        }
      import->received++;
    }
  g_mutex_unlock (&self->lock);

  if (proxy == NULL)
    g_propagate_error (error, pp_error_no_such_object (handle));
  return proxy;
}

GPtrArray *
pp_imports_resolve (PpImports  *self,
                    PpExports  *exports,
                    GVariant   *table,
                    GError    **error)
{
  g_autoptr(GPtrArray) objects = NULL;
  GVariantIter iter;
  gboolean theirs;
  guint32 handle;

  objects = g_ptr_array_new_full (g_variant_n_children (table), g_object_unref);
  g_variant_iter_init (&iter, table);
  while (g_variant_iter_next (&iter, "(bu)", &theirs, &handle))
    {
      GObject *object = NULL;

      if (theirs && self != NULL && handle == PP_WIRE_ROOT_HANDLE)
        object = g_weak_ref_get (&self->root);
      else if (theirs && self != NULL)
        object = get_proxy (self, handle, NULL);
      else if (!theirs && exports != NULL)
        object = pp_exports_lookup (exports, handle, NULL, NULL);

      if (object == NULL)
        {
          g_autoptr(GError) reason = pp_error_no_such_object (handle);

          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("A frame refers to an object the peer cannot refer to: %s"),
                       reason->message);
          return NULL;
        }
      g_ptr_array_add (objects, object);
    }
  return g_steal_pointer (&objects);
}

GObject *
pp_imports_dup_proxy (PpImports *self,
                      guint32    handle)
{
  GObject *proxy = NULL;
  Import *import;

  g_mutex_lock (&self->lock);
  import = lookup (self->imports, handle);
  if (import != NULL)
    proxy = g_weak_ref_get (&import->proxy);
  g_mutex_unlock (&self->lock);
  return proxy;
}

void
pp_imports_store_property (PpImports  *self,
                           guint32     handle,
                           const char *name,
                           GVariant   *maybe)
{
  Import *import;

  g_mutex_lock (&self->lock);
  import = lookup (self->imports, handle);
  /* Only names of the description: the table does not grow */
  if (import != NULL && pp_description_find_property (import->type->description, name) >= 0)
    g_hash_table_replace (import->values, g_strdup (name), g_variant_ref (maybe));
  g_mutex_unlock (&self->lock);
}

GPtrArray *
pp_imports_dup_proxies (PpImports *self)
{
  GPtrArray *proxies = NULL;
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  if (table_size (self->imports) > 0)
    {
      proxies = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_iter_init (&iter, self->imports);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          GObject *proxy = g_weak_ref_get (&((Import *) value)->proxy);

          if (proxy != NULL)
            g_ptr_array_add (proxies, proxy);
        }
    }
  g_mutex_unlock (&self->lock);
  return proxies;
}

void
pp_imports_drop (PpImports *self,
                 guint32    handle,
                 guint      generation)
{
  g_autoptr(GBytes) frame = NULL;
  guint64 received = 0;
  Import *import;

  g_mutex_lock (&self->lock);
  import = lookup (self->imports, handle);
  if (import != NULL && import->generation == generation)
    {
      received = import->received;
      import->received = 0;
    }
  g_mutex_unlock (&self->lock);

  /* Counts past 32 bits go in several entries */
  if (received > 0)
    {
      GVariantBuilder builder;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(uu)"));
      for (; received > G_MAXUINT32; received -= G_MAXUINT32)
        g_variant_builder_add (&builder, "(uu)", handle, G_MAXUINT32);
      g_variant_builder_add (&builder, "(uu)", handle, (guint32) received);
      frame = pp_wire_encode (PP_WIRE_KIND_RELEASE, PP_WIRE_FLAGS_NONE, 0, 0,
                              g_variant_builder_end (&builder));
      pp_connection_send (self->connection, frame, NULL);
    }
}
