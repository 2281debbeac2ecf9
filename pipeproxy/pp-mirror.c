/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "pp-marshal-private.h"
#include "pp-method-private.h"
#include "pp-mirror-type-private.h"

static GMutex mirror_types_lock;
static GHashTable *mirror_types;  /* description hash → GType */
static guint n_mirror_members;    /* what they describe together */
static GType unmirrored_type;

PpMirror *
pp_mirror_get (PpProxy *proxy)
{
  return G_STRUCT_MEMBER_P (proxy, pp_mirror_data (proxy)->private_offset);
}

PpDescription *
pp_mirror_get_description (PpMirror *self)
{
  return self->description;
}

const PpDescribedMethod *
pp_mirror_lookup_method (PpMirror   *self,
                         const char *name)
{
  const PpDescribedMethod *method = g_atomic_pointer_get (&self->last_method);

  /* Names are unique in a description: the method of this name is the
   * one a lookup finds, without hashing the name. Calls mostly repeat
   * one method. */
  if (method != NULL && strcmp (method->name, name) == 0)
    return method;
  method = pp_description_lookup_method (self->description, name);
  if (method != NULL)
    g_atomic_pointer_set (&self->last_method, method);
  return method;
}

GVariant *
pp_mirror_get_description_variant (PpMirror *self)
{
  return self->variant;
}

/* The reason a member is not mirrored on a proxy of the unmirrored type */
static const char *
unmirrored_reason (const char *signature,
                   const char *reason)
{
  if (signature[0] == '\0' && reason[0] != '\0')
    return reason;
  return _("this process has as many mirror types as it may have "
           "(PpOptions:max-mirror-types, PpOptions:max-mirror-members)");
}

/* A proxy of the unmirrored type: nothing of @description is mirrored */
static MirrorData *
unmirrored_data (PpDescription *description)
{
  guint n_properties = pp_description_get_n_properties (description);
  guint n_signals = pp_description_get_n_signals (description);
  MirrorData *data = g_new0 (MirrorData, 1);

  data->description = pp_description_ref (description);
  data->properties = g_new0 (MirrorProperty, MAX (n_properties, 1));
  data->property_index = g_new0 (guint, 1);
  for (guint i = 0; i < n_properties; i++)
    {
      const PpDescribedProperty *described = pp_description_get_property (description, i);

      data->properties[i].reason = unmirrored_reason (described->signature, described->reason);
    }
  data->signals = g_new0 (MirrorSignal, MAX (n_signals, 1));
  for (guint i = 0; i < n_signals; i++)
    {
      const PpDescribedSignal *described = pp_description_get_signal (description, i);

      data->signals[i].reason = unmirrored_reason (described->signature, described->reason);
    }
  return data;
}

static void
unmirrored_data_free (MirrorData *data)
{
  g_free (data->properties);
  g_free (data->property_index);
  g_free (data->signals);
  pp_description_unref (data->description);
  g_free (data);
}

static gboolean
same_bytes (GVariant *a,
            GVariant *b)
{
  gsize size = g_variant_get_size (a);

  return a == b || (size == g_variant_get_size (b) &&
                    memcmp (g_variant_get_data (a), g_variant_get_data (b), size) == 0);
}

void
pp_mirror_attach (PpMirror      *self,
                  PpConnection  *connection,
                  guint32        handle,
                  PpDescription *description,
                  GHashTable    *values)
{
  guint n = pp_description_get_n_properties (description);

  self->connection = pp_connection_ref (connection);
  self->handle = handle;
  /* Equal descriptions but for the property values have one mirror type:
   * its proxies share the parsed description and keep their own values,
   * in the cache and in the variant; the type's, when they are the same
   * to the byte. */
  if (G_OBJECT_TYPE (self->instance) == unmirrored_type)
    {
      self->data = self->own_data = unmirrored_data (description);
      self->description = pp_description_ref (description);
    }
  else
    {
      self->description = pp_description_ref (self->data->description);
      if (same_bytes (pp_description_get_variant (description),
                      pp_description_get_variant (self->description)))
        description = self->description;
    }
  self->variant = g_variant_ref (pp_description_get_variant (description));

  for (guint i = 0; i < n; i++)
    if (self->data->properties[i].pspec != NULL)
      self->cache[i] = g_variant_ref (pp_description_get_property (description, i)->value);
  if (values == NULL)
    return;

  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, values);
    while (g_hash_table_iter_next (&iter, &key, &value))
      pp_mirror_store_property (self, key, value, PP_MIRROR_STORE_INITIAL);
    /* Nobody saw another value before */
    for (guint i = 0; i < n; i++)
      self->notify_owed[i] = FALSE;
  }
}

/* Mirror types -------------------------------------------------------------- */

static GParamFlags
mirror_param_flags (guint remote_flags)
{
  /* notify comes from the remote object, not from g_object_set() */
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  if ((remote_flags & G_PARAM_WRITABLE) && !(remote_flags & G_PARAM_CONSTRUCT_ONLY))
    flags |= G_PARAM_WRITABLE;
  return flags;
}

static GParamSpec *
mirror_pspec (const char  *name,
              GType        type,
              GParamFlags  flags)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: return g_param_spec_boolean (name, NULL, NULL, FALSE, flags);
    case G_TYPE_CHAR:    return g_param_spec_char (name, NULL, NULL, G_MININT8, G_MAXINT8, 0, flags);
    case G_TYPE_UCHAR:   return g_param_spec_uchar (name, NULL, NULL, 0, G_MAXUINT8, 0, flags);
    case G_TYPE_INT:     return g_param_spec_int (name, NULL, NULL, G_MININT, G_MAXINT, 0, flags);
    case G_TYPE_UINT:    return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0, flags);
    case G_TYPE_LONG:    return g_param_spec_long (name, NULL, NULL, G_MINLONG, G_MAXLONG, 0, flags);
    case G_TYPE_ULONG:   return g_param_spec_ulong (name, NULL, NULL, 0, G_MAXULONG, 0, flags);
    case G_TYPE_INT64:   return g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
    case G_TYPE_UINT64:  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0, flags);
    case G_TYPE_FLOAT:   return g_param_spec_float (name, NULL, NULL, -G_MAXFLOAT, G_MAXFLOAT, 0, flags);
    case G_TYPE_DOUBLE:  return g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
    case G_TYPE_STRING:  return g_param_spec_string (name, NULL, NULL, NULL, flags);
    case G_TYPE_VARIANT: return g_param_spec_variant (name, NULL, NULL, G_VARIANT_TYPE_ANY, NULL, flags);
    case G_TYPE_BOXED:   return g_param_spec_boxed (name, NULL, NULL, type, flags);
    case G_TYPE_OBJECT:  return g_param_spec_object (name, NULL, NULL, type, flags);
    case G_TYPE_ENUM:
      {
        g_autoptr(GEnumClass) klass = g_type_class_ref (type);

        if (klass->n_values == 0)
          return NULL;
        return g_param_spec_enum (name, NULL, NULL, type, klass->values[0].value, flags);
      }
    case G_TYPE_FLAGS:   return g_param_spec_flags (name, NULL, NULL, type, 0, flags);
    default:
      if (type == G_TYPE_GTYPE)
        return g_param_spec_gtype (name, NULL, NULL, G_TYPE_NONE, flags);
      return NULL;
    }
}

/* Installs the property if it can be one of the proxy's: returns why not */
static const char *
mirror_property (GObjectClass              *object_class,
                 const PpDescribedProperty *described,
                 guint                      prop_id,
                 MirrorProperty            *prop)
{
  if (described->signature[0] == '\0')
    return described->reason[0] ? described->reason : _("its values cannot cross");
  if (!(described->flags & G_PARAM_READABLE))
    return _("it is not readable");
  /* A name GLib would write with '-' for '_' is no GObject's own, and
   * would not be the name of a static pspec */
  if (!g_param_spec_is_valid_name (described->name) || strchr (described->name, '_') != NULL)
    return _("the name is not valid here");
  /* Names the proxy itself uses stay the proxy's */
  if (g_object_class_find_property (object_class, described->name) != NULL)
    return _("the name is taken by PpProxy");

  prop->type = pp_marshal_gtype_for_signature (described->signature, described->type_name);
  prop->reference = g_str_equal (described->signature, "o");
  if (prop->type != G_TYPE_INVALID)
    prop->pspec = mirror_pspec (described->name, prop->type, mirror_param_flags (described->flags));
  if (prop->pspec == NULL)
    return _("its type is not known here");

  g_object_class_install_property (object_class, prop_id, prop->pspec);
  return NULL;
}

/* A signal of an interface the mirror type implements (GListModel::items-changed)
 * is emitted as the remote object's when its arguments are the same */
static const char *
interface_signal (const PpDescribedSignal *described,
                  MirrorSignal            *sig)
{
  GSignalQuery query;
  g_autoptr(GString) signature = g_string_new ("(");

  g_signal_query (sig->signal_id, &query);
  if (!G_TYPE_IS_INTERFACE (query.itype) || query.return_type != G_TYPE_NONE)
    {
      sig->signal_id = 0;
      return _("the name is taken by PpProxy");
    }
  for (guint i = 0; i < query.n_params; i++)
    if (!pp_marshal_gtype_nullable_signature (query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE,
                                              signature, NULL))
      break;
  g_string_append_c (signature, ')');
  if (query.n_params != described->n_args || !g_str_equal (signature->str, described->signature))
    {
      sig->signal_id = 0;
      return _("the interface's signal of that name takes other arguments");
    }
  sig->n_params = query.n_params;
  sig->param_types = g_new0 (GType, MAX (query.n_params, 1));
  for (guint i = 0; i < query.n_params; i++)
    sig->param_types[i] = query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;
  /* GActionGroup's signals are detailed with the action's name */
  sig->name_is_detail = query.itype == G_TYPE_ACTION_GROUP &&
                        (query.signal_flags & G_SIGNAL_DETAILED) &&
                        query.n_params > 0 && sig->param_types[0] == G_TYPE_STRING;
  return NULL;
}

/* Registers the signal if it can be one of the proxy's: returns why not */
static const char *
mirror_signal (GType                    type,
               const PpDescribedSignal *described,
               MirrorSignal            *sig)
{
  const GVariantType *item;

  if (described->signature[0] == '\0')
    return described->reason[0] ? described->reason : _("its arguments cannot cross");
  if (!g_signal_is_valid_name (described->name))
    return _("the name is not valid here");
  sig->signal_id = g_signal_lookup (described->name, type);
  if (sig->signal_id != 0)
    return interface_signal (described, sig);

  /* The parser checked that the tuple has one item per argument */
  sig->param_types = g_new0 (GType, MAX (described->n_args, 1));
  item = g_variant_type_first (G_VARIANT_TYPE (described->signature));
  for (guint i = 0; i < described->n_args; i++, item = g_variant_type_next (item))
    {
      const char *item_sig = g_variant_type_peek_string (item);
      g_autofree char *plain = g_strndup (item_sig + (item_sig[0] == 'm'),
                                          g_variant_type_get_string_length (item) -
                                          (item_sig[0] == 'm'));

      /* A maybe is a value that may be NULL */
      sig->param_types[i] = pp_marshal_gtype_for_signature (plain, described->arg_type_names[i]);
      if (sig->param_types[i] == G_TYPE_INVALID)
        {
          g_clear_pointer (&sig->param_types, g_free);
          return _("an argument type is not known here");
        }
    }

  sig->n_params = described->n_args;
  sig->signal_id = g_signal_newv (described->name, type,
                                  G_SIGNAL_RUN_LAST |
                                  (described->flags & (G_SIGNAL_DETAILED | G_SIGNAL_NO_RECURSE |
                                                       G_SIGNAL_NO_HOOKS)),
                                  NULL, NULL, NULL, NULL, G_TYPE_NONE,
                                  sig->n_params, sig->param_types);
  return NULL;
}

static void
mirror_finalize (GObject *object)
{
  MirrorData *data = pp_mirror_data (object);
  PpMirror *self = G_STRUCT_MEMBER_P (object, data->private_offset);
  guint n = pp_description_get_n_properties (data->description);

  for (guint i = 0; i < n; i++)
    g_clear_pointer (&self->cache[i], g_variant_unref);
  g_free (self->cache);
  g_free (self->notify_owed);
  g_clear_pointer (&self->read_ahead, g_ptr_array_unref);
  g_free (self->subscribed);
  g_clear_pointer (&self->own_data, unmirrored_data_free);
  g_clear_pointer (&self->connection, pp_connection_unref);
  g_clear_pointer (&self->description, pp_description_unref);
  g_clear_pointer (&self->variant, g_variant_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (g_type_class_peek (PP_TYPE_PROXY))->finalize (object);
}

static void
mirror_class_init (gpointer klass,
                   gpointer class_data)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MirrorData *data = class_data;
  PpDescription *description = data->description;
  guint n_properties = pp_description_get_n_properties (description);
  guint n_signals = pp_description_get_n_signals (description);
  guint n_installed = 0;

  ((PpMirrorClass *) klass)->data = data;
  g_type_class_adjust_private_offset (klass, &data->private_offset);
  object_class->get_property = pp_mirror_get_property_vfunc;
  object_class->set_property = pp_mirror_set_property_vfunc;
  object_class->finalize = mirror_finalize;

  data->properties = g_new0 (MirrorProperty, MAX (n_properties, 1));
  data->property_index = g_new0 (guint, MAX (n_properties, 1));
  for (guint i = 0; i < n_properties; i++)
    {
      data->properties[i].reason =
        mirror_property (object_class, pp_description_get_property (description, i),
                         n_installed + 1, &data->properties[i]);
      if (data->properties[i].reason == NULL)
        data->property_index[n_installed++] = i;
    }
  data->n_mirrored_properties = n_installed;

  data->signals = g_new0 (MirrorSignal, MAX (n_signals, 1));
  for (guint i = 0; i < n_signals; i++)
    {
      data->signals[i].reason = mirror_signal (G_TYPE_FROM_CLASS (klass),
                                               pp_description_get_signal (description, i),
                                               &data->signals[i]);
      data->n_mirrored_signals += data->signals[i].reason == NULL;
    }

  data->kept_types = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) g_variant_unref);
  for (guint i = 0; i < pp_description_get_n_methods (description); i++)
    {
      const PpDescribedMethod *method = pp_description_get_method (description, i);
      const char *signatures[] = { method->in_signature, method->out_signature };

      for (guint k = 0; k < G_N_ELEMENTS (signatures); k++)
        if (*signatures[k] != '\0' && !g_hash_table_contains (data->kept_types, signatures[k]))
          g_hash_table_insert (data->kept_types, (gpointer) signatures[k],
                               pp_method_keep_type ((const GVariantType *) signatures[k]));
    }
}

static void
mirror_instance_init (GTypeInstance *instance,
                      gpointer       klass)
{
  MirrorData *data = ((PpMirrorClass *) klass)->data;
  PpMirror *self = G_STRUCT_MEMBER_P (instance, data->private_offset);
  guint n_properties = pp_description_get_n_properties (data->description);
  guint n_signals = pp_description_get_n_signals (data->description);

  self->instance = G_OBJECT (instance);
  self->data = data;
  g_mutex_init (&self->lock);
  self->cache = g_new0 (GVariant *, MAX (n_properties, 1));
  self->notify_owed = g_new0 (gboolean, MAX (n_properties, 1));
  self->subscribed = g_new0 (gboolean, MAX (n_signals, 1));
}

static gboolean
is_type_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-' || c == '+';
}

#define MAX_TYPE_NAME_PART 64

static GType
register_mirror_type (PpDescription *description,
                      const char    *type_name)
{
  const char *remote_name = pp_description_get_type_name (description);
  g_autoptr(GString) name = g_string_new ("PpProxy_");
  MirrorData *data = g_new0 (MirrorData, 1);
  GTypeInfo info = {
    .class_size = sizeof (PpMirrorClass),
    .class_init = mirror_class_init,
    .class_data = data,
    .instance_init = mirror_instance_init,
  };
  GTypeQuery query;
  GType type;

  /* A name made only of what GType accepts, unique per description */
  for (const char *p = remote_name; *p && p - remote_name < MAX_TYPE_NAME_PART; p++)
    g_string_append_c (name, is_type_name_char (*p) ? *p : '_');
  g_string_append_printf (name, "_%.16s", pp_description_get_hash (description));
  if (type_name != NULL)
    g_string_assign (name, type_name);

  g_type_query (PP_TYPE_PROXY, &query);
  info.instance_size = query.instance_size;
  data->description = pp_description_ref (description);
  type = g_type_register_static (PP_TYPE_PROXY, name->str, &info, 0);
  data->private_offset = g_type_add_instance_private (type, sizeof (PpMirror));
  /* Before the class is made, which then has the interfaces' signals */
  if (type_name == NULL)
    data->interfaces = pp_mirror_interfaces_add (type, description);
  return type;
}

/* The type of proxies past the limits: it mirrors nothing, and each
 * instance gets what it needs of its own description */
static GType
get_unmirrored_type_locked (void)
{
  if (unmirrored_type == 0)
    {
      g_autoptr(PpDescription) nothing = pp_description_new ("PpProxyUnmirrored");

      unmirrored_type = register_mirror_type (nothing, "PpProxyUnmirrored");
    }
  return unmirrored_type;
}

/* The mirror type of @description: the one of an equal description, else
 * a new one if the process has fewer than @max_types, with fewer than
 * @max_members signals and properties altogether, else the unmirrored
 * type. Types are never freed, and each name in them is a quark. */
GType
pp_mirror_type_for (PpDescription *description,
                    guint          max_types,
                    guint          max_members)
{
  const char *hash = pp_description_get_hash (description);
  guint members = pp_description_get_n_signals (description) +
                  pp_description_get_n_properties (description);
  GType type;

  g_mutex_lock (&mirror_types_lock);
  if (mirror_types == NULL)
    mirror_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  type = GPOINTER_TO_SIZE (g_hash_table_lookup (mirror_types, hash));
  if (type == 0 && g_hash_table_size (mirror_types) < max_types &&
      members <= max_members && n_mirror_members <= max_members - members)
    {
      type = register_mirror_type (description, NULL);
      g_hash_table_insert (mirror_types, g_strdup (hash), GSIZE_TO_POINTER (type));
      n_mirror_members += members;
    }
  else if (type == 0)
    {
      g_debug ("Not mirroring the signals and properties of the remote %s: this process has "
               "%u mirror types with %u signals and properties, the most it may have "
               "(max-mirror-types %u, max-mirror-members %u)",
               pp_description_get_type_name (description), g_hash_table_size (mirror_types),
               n_mirror_members, max_types, max_members);
      type = get_unmirrored_type_locked ();
    }
  g_mutex_unlock (&mirror_types_lock);

  /* Classes are made the first time they are used: make it now, outside
   * the lock. */
  g_type_class_unref (g_type_class_ref (type));
  return type;
}

const char *
pp_mirror_signal_unavailable (PpMirror *self,
                              guint     index)
{
  return self->data->signals[index].reason;
}

const char *
pp_mirror_property_unavailable (PpMirror *self,
                                guint     index)
{
  return self->data->properties[index].reason;
}

const char *
pp_mirror_interface_unavailable (PpMirror   *self,
                                 const char *type_name)
{
  if (self->data->interfaces == NULL)
    return unmirrored_reason ("", "");
  return pp_mirror_interfaces_reason (self->data->interfaces, type_name);
}
