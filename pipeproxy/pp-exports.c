/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-boxed-ref-private.h"
#include "pp-description-private.h"
#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-exports-private.h"
#include "pp-introspection-private.h"
#include "pp-introspection-vfuncs-private.h"

typedef struct
{
  guint32   id;
  gboolean  sent;           /* its TYPE went to the peer */
  GVariant *description;    /* a{sv}, without property values */
} ExportedType;

typedef struct
{
  guint32          handle;
  GObject         *object;
  guint64          given;   /* references sent, not yet released */
  ExportedType    *type;
  PpForwarder     *forwarder;
  PpPreconditions *preconditions;
} Export;

struct _PpExports
{
  gatomicrefcount          ref_count;
  GMutex                   lock;
  PpConnection            *connection;   /* borrowed: it outlives the owner's use */
  PpExportsOriginFunc      origin;
  /* Made with the first entry: most connections never carry an object */
  GHashTable              *by_handle;    /* handle → Export, or NULL */
  GHashTable              *by_object;    /* GObject → Export, or NULL */
  GHashTable              *types;        /* GType → ExportedType, or NULL */
  GObject                 *root;
  PpAccess                *access;       /* borrowed, may be NULL */
  guint32                  next_handle;
  guint32                  next_type_id;
  guint                    max_objects;
};

static void
export_free (gpointer data)
{
  Export *export = data;

  pp_forwarder_free (export->forwarder);
  pp_preconditions_free (export->preconditions);
  g_object_unref (export->object);
  g_free (export);
}

static void
exported_type_free (gpointer data)
{
  ExportedType *type = data;

  g_variant_unref (type->description);
  g_free (type);
}

/* The entry of @key in @table, which may not be made yet */
static gpointer
lookup (GHashTable    *table,
        gconstpointer  key)
{
  return table != NULL ? g_hash_table_lookup (table, key) : NULL;
}

static guint
table_size (GHashTable *table)
{
  return table != NULL ? g_hash_table_size (table) : 0;
}

PpExports *
pp_exports_new (PpConnection        *connection,
                PpExportsOriginFunc  origin)
{
  PpExports *self = g_new0 (PpExports, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->connection = connection;
  self->origin = origin;
  self->next_handle = PP_WIRE_ROOT_HANDLE + 1;
  self->next_type_id = 1;
  self->max_objects = PP_DEFAULT_MAX_OBJECTS;
  return self;
}

PpExports *
pp_exports_ref (PpExports *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pp_exports_unref (PpExports *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  pp_exports_clear (self);
  g_clear_pointer (&self->by_handle, g_hash_table_unref);
  g_clear_pointer (&self->by_object, g_hash_table_unref);
  g_clear_pointer (&self->types, g_hash_table_unref);
  g_clear_object (&self->root);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
pp_exports_set_root (PpExports *self,
                     GObject   *object)
{
  g_mutex_lock (&self->lock);
  g_set_object (&self->root, object);
  g_mutex_unlock (&self->lock);
}

void
pp_exports_set_access (PpExports *self,
                       PpAccess  *access)
{
  g_mutex_lock (&self->lock);
  self->access = access;
  g_mutex_unlock (&self->lock);
}

void
pp_exports_set_max_objects (PpExports *self,
                            guint      max)
{
  g_mutex_lock (&self->lock);
  self->max_objects = max;
  g_mutex_unlock (&self->lock);
}

guint
pp_exports_get_max_objects (PpExports *self)
{
  guint max;

  g_mutex_lock (&self->lock);
  max = self->max_objects;
  g_mutex_unlock (&self->lock);
  return max;
}

guint
pp_exports_get_n_objects (PpExports *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = table_size (self->by_handle);
  g_mutex_unlock (&self->lock);
  return n;
}

void
pp_exports_clear (PpExports *self)
{
  g_autoptr(GList) exports = NULL;

  g_mutex_lock (&self->lock);
  if (self->by_handle != NULL)
    {
      exports = g_hash_table_get_values (self->by_handle);
      g_hash_table_remove_all (self->by_handle);
      g_hash_table_remove_all (self->by_object);
    }
  g_mutex_unlock (&self->lock);

  /* Outside the lock: finalizing an object may do anything */
  g_list_free_full (g_steal_pointer (&exports), export_free);
}

GObject *
pp_exports_lookup (PpExports        *self,
                   guint32           handle,
                   PpForwarder     **forwarder,
                   PpPreconditions **preconditions)
{
  GObject *object = NULL;
  Export *export;

  g_mutex_lock (&self->lock);
  export = lookup (self->by_handle, GUINT_TO_POINTER (handle));
  if (handle == PP_WIRE_ROOT_HANDLE && self->root != NULL)
    object = g_object_ref (self->root);
  else if (export != NULL)
    {
      object = g_object_ref (export->object);
      if (forwarder != NULL)
        *forwarder = export->forwarder;
      if (preconditions != NULL)
        *preconditions = export->preconditions;
    }
  g_mutex_unlock (&self->lock);
  return object;
}

/* Sending ------------------------------------------------------------------ */

/* What an object needs to be introduced, found before the connection's
 * lock is taken: reading properties and typelibs may take long, and may
 * do anything. */
typedef struct
{
  GObject         *object;
  guint32          peer_handle;    /* for a proxy of the peer's */
  PpExportsOrigin  origin;
  gboolean         is_root;
  GType     type;
  GVariant *type_description;  /* a{sv}, for a type not described yet */
  GVariant *values;            /* a{sv} of mv, for an object not exported yet */
} Prepared;

struct _PpExportsBatch
{
  PpExports             *self;
  Prepared              *prepared;
  guint                  n;
  PpObjectsFrameBuilder  build;
  gpointer               build_data;
  /* A call or property write, which the output limit may refuse: the
   * batch changes nothing then (introductions it made and never sent
   * would stay in the table for good) */
  gboolean               request;
};

/* A boxed value by reference (see pp-boxed-ref.c) is described by its
 * type's methods alone */
static GVariant *
describe_type (PpExports *self,
               GObject   *object)
{
  GType type = pp_boxed_ref_method_type (object);
  g_autoptr(PpDescription) description = pp_description_new (g_type_name (type));

  pp_introspection_describe_type (type, description);
  pp_introspection_describe_methods (type, description);
  pp_vfuncs_describe_interfaces (type, description);
  if (!PP_IS_BOXED_REF (object))
    {
      pp_introspection_describe_signals (type, description);
      pp_introspection_describe_properties (object, description);
    }
  /* The peer sees of it what the allowlist lets it see of any object */
  if (self->access != NULL)
    description = pp_access_filter_description (self->access, g_steal_pointer (&description),
                                                type);
  return g_variant_ref_sink (pp_description_serialize (description,
                                                       pp_connection_receives_fds (self->connection)));
}

static GVariant *
property_values (PpExports *self,
                 GObject   *object)
{
  GType type = G_OBJECT_TYPE (object);
  g_autoptr(PpDescription) description = pp_description_new (g_type_name (type));
  GVariantBuilder builder;
  guint n;

  if (PP_IS_BOXED_REF (object))
    return g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  pp_introspection_describe_properties (object, description);
  n = pp_description_get_n_properties (description);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  for (guint i = 0; i < n; i++)
    {
      const PpDescribedProperty *prop = pp_description_get_property (description, i);

      if (self->access != NULL &&
          !pp_access_shows (self->access, PP_ACCESS_PROPERTY, prop->name))
        continue;
      if (prop->value != NULL && g_variant_n_children (prop->value) > 0)
        g_variant_builder_add (&builder, "{sv}", prop->name, prop->value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
prepare (PpExports *self,
         GPtrArray *objects,
         Prepared  *prepared)
{
  for (guint i = 0; i < objects->len; i++)
    {
      Prepared *p = &prepared[i];
      gboolean known_type;
      gboolean exported;

      p->object = g_ptr_array_index (objects, i);
      p->type = pp_boxed_ref_method_type (p->object);
      if (self->origin != NULL)
        p->origin = self->origin (p->object, self->connection, &p->peer_handle);
      if (p->origin != PP_EXPORTS_ORIGIN_LOCAL)
        continue;

      g_mutex_lock (&self->lock);
      p->is_root = p->object == self->root;
      exported = p->is_root || lookup (self->by_object, p->object) != NULL;
      known_type = lookup (self->types, GSIZE_TO_POINTER (p->type)) != NULL;
      g_mutex_unlock (&self->lock);

      if (exported)
        continue;
      /* A type described twice in one batch is described once */
      for (guint j = 0; j < i && !known_type; j++)
        known_type = prepared[j].type_description != NULL && prepared[j].type == p->type;
      if (!known_type)
        p->type_description = describe_type (self, p->object);
      p->values = property_values (self, p->object);
    }
}

static void
prepared_clear (Prepared *prepared,
                guint     n)
{
  for (guint i = 0; i < n; i++)
    {
      g_clear_pointer (&prepared[i].type_description, g_variant_unref);
      g_clear_pointer (&prepared[i].values, g_variant_unref);
    }
}

/* Under the exports' lock */
static ExportedType *
type_for_locked (PpExports *self,
                 Prepared  *prepared,
                 guint      n,
                 GType      type)
{
  ExportedType *exported = lookup (self->types, GSIZE_TO_POINTER (type));

  if (exported != NULL)
    return exported;
  for (guint i = 0; i < n; i++)
    if (prepared[i].type == type && prepared[i].type_description != NULL)
      {
        exported = g_new0 (ExportedType, 1);
        exported->id = self->next_type_id++;
        exported->description = g_variant_ref (prepared[i].type_description);
        if (self->types == NULL)
          self->types = g_hash_table_new_full (NULL, NULL, NULL, exported_type_free);
        g_hash_table_insert (self->types, GSIZE_TO_POINTER (type), exported);
        return exported;
      }
  return NULL;
}

/* Under the exports' lock: whether every object of @batch can go to the
 * peer, checked before anything changes, so that a batch that fails
 * changes nothing */
static gboolean
batch_check_locked (PpExports       *self,
                    PpExportsBatch  *batch,
                    GError         **error)
{
  guint n_new = 0;

  for (guint i = 0; i < batch->n; i++)
    {
      Prepared *p = &batch->prepared[i];

      if (p->origin == PP_EXPORTS_ORIGIN_FOREIGN)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                       _("Object %u, a %s, stands for an object on another connection: it "
                         "cannot be passed on"), i, G_OBJECT_TYPE_NAME (p->object));
          return FALSE;
        }
      if (p->origin == PP_EXPORTS_ORIGIN_PEER || p->object == self->root ||
          lookup (self->by_object, p->object) != NULL)
        continue;
      n_new++;
      /* Exported when it was prepared, and dropped since */
      if (p->values == NULL || type_for_locked (self, batch->prepared, batch->n, p->type) == NULL)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                       _("A %s was released by the peer while it was being sent back"),
                       G_OBJECT_TYPE_NAME (p->object));
          return FALSE;
        }
    }
  if (table_size (self->by_handle) + n_new > self->max_objects ||
      self->next_handle > G_MAXUINT32 - n_new)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("The peer may hold at most %u objects"), self->max_objects);
      return FALSE;
    }
  /* A call the output limit would refuse introduces nothing */
  return !batch->request || pp_connection_check_request_locked (self->connection, error);
}

/* Under the exports' lock: a handle for @p's object, which the peer does
 * not know yet; its type's TYPE goes into @frames if the peer has not
 * seen it, its introduction into @introduce */
static Export *
export_new_locked (PpExports       *self,
                   PpExportsBatch  *batch,
                   Prepared        *p,
                   GPtrArray       *frames,
                   GVariantBuilder *introduce)
{
  ExportedType *type = type_for_locked (self, batch->prepared, batch->n, p->type);
  Export *export;

  if (!type->sent)
    {
      pp_wire_gather (frames, PP_WIRE_KIND_TYPE, PP_WIRE_FLAGS_NONE, 0, 0,
                      g_variant_new ("(u@a{sv})", type->id, type->description));
      type->sent = TRUE;
    }
  export = g_new0 (Export, 1);
  export->handle = self->next_handle++;
  export->object = g_object_ref (p->object);
  export->type = type;
  if (self->by_handle == NULL)
    {
      self->by_handle = g_hash_table_new (NULL, NULL);
      self->by_object = g_hash_table_new (NULL, NULL);
    }
  g_hash_table_insert (self->by_handle, GUINT_TO_POINTER (export->handle), export);
  g_hash_table_insert (self->by_object, export->object, export);
  /* From now on the peer's mirror follows its properties */
  export->preconditions = pp_preconditions_for_type (p->type);
  export->forwarder = pp_forwarder_new (export->object, export->handle, self->connection,
                                        self, self->access, export->preconditions);
  pp_forwarder_start (export->forwarder);
  g_variant_builder_add (introduce, "(uu@a{sv})", export->handle, type->id, p->values);
  return export;
}

/* A PpBatchBuilder: under the connection's lock, so that nothing comes
 * between the introductions and the frame that needs them */
gboolean
pp_exports_batch_build (GPtrArray  *frames,
                        gpointer    user_data,
                        GError    **error)
{
  PpExportsBatch *batch = user_data;
  PpExports *self = batch->self;
  GVariantBuilder table;
  GVariantBuilder introduce;
  guint n_added = 0;

  g_mutex_lock (&self->lock);
  if (!batch_check_locked (self, batch, error))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  g_variant_builder_init (&table, G_VARIANT_TYPE ("a(bu)"));
  g_variant_builder_init (&introduce, G_VARIANT_TYPE ("a(uua{sv})"));
  for (guint i = 0; i < batch->n; i++)
    {
      Prepared *p = &batch->prepared[i];
      Export *export;

      if (p->origin == PP_EXPORTS_ORIGIN_PEER)
        {
          g_variant_builder_add (&table, "(bu)", FALSE, p->peer_handle);
          continue;
        }
      if (p->object == self->root)
        {
          g_variant_builder_add (&table, "(bu)", TRUE, (guint32) PP_WIRE_ROOT_HANDLE);
          continue;
        }

      export = lookup (self->by_object, p->object);
      if (export == NULL)
        {
          export = export_new_locked (self, batch, p, frames, &introduce);
          n_added++;
        }
      export->given++;
      g_variant_builder_add (&table, "(bu)", TRUE, export->handle);
    }
  g_mutex_unlock (&self->lock);

  if (n_added > 0)
    pp_wire_gather (frames, PP_WIRE_KIND_INTRODUCE, PP_WIRE_FLAGS_NONE, 0, 0,
                    g_variant_builder_end (&introduce));
  else
    g_variant_builder_clear (&introduce);

  batch->build (frames, g_variant_builder_end (&table), batch->build_data);
  return TRUE;
}

PpExportsBatch *
pp_exports_batch_new (PpExports             *self,
                      GPtrArray             *objects,
                      PpObjectsFrameBuilder  build,
                      gpointer               build_data)
{
  PpExportsBatch *batch = g_new0 (PpExportsBatch, 1);

  batch->self = pp_exports_ref (self);
  batch->n = objects->len;
  batch->prepared = g_new0 (Prepared, MAX (objects->len, 1));
  batch->build = build;
  batch->build_data = build_data;
  batch->request = TRUE;
  prepare (self, objects, batch->prepared);
  return batch;
}

void
pp_exports_batch_free (PpExportsBatch *batch)
{
  prepared_clear (batch->prepared, batch->n);
  g_free (batch->prepared);
  pp_exports_unref (batch->self);
  g_free (batch);
}

gboolean
pp_exports_send (PpExports              *self,
                 GPtrArray              *objects,
                 PpObjectsFrameBuilder   build,
                 gpointer                build_data,
                 GUnixFDList            *fds,
                 GError                **error)
{
  g_autoptr(PpExportsBatch) batch = pp_exports_batch_new (self, objects, build, build_data);

  batch->request = FALSE;
  return pp_connection_send_batch (self->connection, pp_exports_batch_build, batch, fds, error);
}

/* Releases ----------------------------------------------------------------- */

gboolean
pp_exports_take_release (PpExports  *self,
                         GVariant   *body,
                         GError    **error)
{
  g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func (export_free);
  g_autoptr(GArray) released = g_array_new (FALSE, FALSE, sizeof (guint32));
  GVariantIter iter;
  guint32 handle, count;
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  g_variant_iter_init (&iter, body);
  while (ok && g_variant_iter_next (&iter, "(uu)", &handle, &count))
    {
      Export *export = lookup (self->by_handle, GUINT_TO_POINTER (handle));

      /* A handle never given and one released already look the same */
      if (export == NULL || count == 0 || count > export->given)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
                       _("The peer released %u references to object %u, which it does not hold"),
                       count, handle);
          ok = FALSE;
          break;
        }
      export->given -= count;
      if (export->given == 0)
        {
          g_hash_table_remove (self->by_handle, GUINT_TO_POINTER (handle));
          g_hash_table_remove (self->by_object, export->object);
          g_ptr_array_add (dropped, export);
          g_array_append_val (released, handle);
        }
    }
  g_mutex_unlock (&self->lock);

  if (released->len > 0)
    {
      g_autoptr(GBytes) frame = NULL;

      frame = pp_wire_encode (PP_WIRE_KIND_RELEASED, PP_WIRE_FLAGS_NONE, 0, 0,
                              g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, released->data,
                                                         released->len, sizeof (guint32)));
      pp_connection_send (self->connection, frame, NULL);
    }
  /* The objects go here, outside the lock */
  return ok;
}
