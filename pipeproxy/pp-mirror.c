/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "pp-marshal-private.h"
#include "pp-mirror-private.h"

static GMutex mirror_lock;
static GHashTable *mirror_types;  /* "Type:hash" → GType */
static GQuark class_data_quark;

const PpMirrorClassData *
pp_mirror_get_class_data (GType type)
{
  if (class_data_quark == 0)
    return NULL;
  return g_type_get_qdata (type, class_data_quark);
}

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
mirror_pspec (const char *name,
              GType       type,
              GParamFlags flags)
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
    case G_TYPE_ENUM:
      {
        g_autoptr(GEnumClass) klass = g_type_class_ref (type);
        return g_param_spec_enum (name, NULL, NULL, type, klass->values[0].value, flags);
      }
    case G_TYPE_FLAGS:   return g_param_spec_flags (name, NULL, NULL, type, 0, flags);
    default:
      if (type == G_TYPE_GTYPE)
        return g_param_spec_gtype (name, NULL, NULL, G_TYPE_NONE, flags);
      return NULL;
    }
}

static void
mirror_class_init (gpointer klass,
                   gpointer class_data)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GVariant *description = class_data;
  PpMirrorClassData *data = g_new0 (PpMirrorClassData, 1);
  GType type = G_TYPE_FROM_CLASS (klass);
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GVariant) signals = NULL;
  GVariantIter iter;
  const char *name, *type_name, *signature, *reason;
  g_autoptr(GVariant) arg_types = NULL;
  g_autoptr(GVariant) value = NULL;
  guint flags;

  object_class->get_property = pp_proxy_mirror_get_property;
  object_class->set_property = pp_proxy_mirror_set_property;

  g_variant_lookup (description, "type-name", "s", &data->remote_type_name);

  properties = g_variant_lookup_value (description, "properties", G_VARIANT_TYPE ("a(susssmv)"));
  if (properties != NULL)
    {
      data->properties = g_new0 (PpMirrorProperty, g_variant_n_children (properties));
      g_variant_iter_init (&iter, properties);
      while (g_variant_iter_next (&iter, "(&su&s&s&s@mv)", &name, &flags, &type_name,
                                  &signature, &reason, NULL))
        {
          PpMirrorProperty *prop = &data->properties[data->n_properties];
          GType gtype;

          if (signature[0] == '\0' || !(flags & G_PARAM_READABLE))
            continue;
          /* Names the proxy itself uses stay the proxy's */
          if (g_object_class_find_property (object_class, name) != NULL ||
              !g_param_spec_is_valid_name (name))
            {
              g_debug ("Property “%s” of %s is not mirrored: the name is taken", name,
                       data->remote_type_name);
              continue;
            }
          gtype = pp_marshal_gtype_for_signature (signature, type_name);
          if (gtype == G_TYPE_INVALID)
            continue;
          prop->pspec = mirror_pspec (name, gtype, mirror_param_flags (flags));
          if (prop->pspec == NULL)
            continue;
          prop->remote_name = g_strdup (name);
          prop->signature = g_strdup (signature);
          prop->type = gtype;
          g_object_class_install_property (object_class, ++data->n_properties, prop->pspec);
        }
    }

  signals = g_variant_lookup_value (description, "signals", G_VARIANT_TYPE ("a(suasss)"));
  if (signals != NULL)
    {
      data->signals = g_new0 (PpMirrorSignal, g_variant_n_children (signals));
      g_variant_iter_init (&iter, signals);
      while (g_variant_iter_next (&iter, "(&su@as&s&s)", &name, &flags, &arg_types,
                                  &signature, &reason))
        {
          PpMirrorSignal *sig = &data->signals[data->n_signals];
          g_autoptr(GVariant) types = g_steal_pointer (&arg_types);
          gsize n = g_variant_n_children (types);
          GVariantType *tuple;
          const GVariantType *item;
          gboolean ok = signature[0] != '\0';

          if (!ok || g_signal_lookup (name, type) != 0 || !g_signal_is_valid_name (name))
            continue;

          tuple = g_variant_type_new (signature);
          sig->param_types = g_new0 (GType, MAX (n, 1));
          item = g_variant_type_first (tuple);
          for (gsize i = 0; i < n && ok && item != NULL; i++, item = g_variant_type_next (item))
            {
              g_autofree char *item_sig = g_variant_type_dup_string (item);
              const char *arg_type_name;

              g_variant_get_child (types, i, "&s", &arg_type_name);
              /* A maybe is a value that may be NULL */
              sig->param_types[i] = pp_marshal_gtype_for_signature (item_sig + (item_sig[0] == 'm'),
                                                                     arg_type_name);
              ok = sig->param_types[i] != G_TYPE_INVALID;
            }
          g_variant_type_free (tuple);
          if (!ok)
            {
              g_clear_pointer (&sig->param_types, g_free);
              continue;
            }

          sig->name = g_strdup (name);
          sig->n_params = n;
          sig->signal_id = g_signal_newv (name, type,
                                          G_SIGNAL_RUN_LAST |
                                          (flags & (G_SIGNAL_DETAILED | G_SIGNAL_NO_RECURSE |
                                                    G_SIGNAL_NO_HOOKS)),
                                          NULL, NULL, NULL, NULL, G_TYPE_NONE,
                                          n, sig->param_types);
          data->n_signals++;
        }
    }

  g_type_set_qdata (type, class_data_quark, data);
}

static gboolean
is_type_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-' || c == '+';
}

GType
pp_mirror_type_for (const char *remote_type_name,
                    GVariant   *description,
                    const char *hash)
{
  g_autofree char *key = g_strdup_printf ("%s:%s", remote_type_name, hash);
  GType type;

  g_mutex_lock (&mirror_lock);

  if (mirror_types == NULL)
    {
      mirror_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      class_data_quark = g_quark_from_static_string ("pp-mirror-class-data");
    }

  type = GPOINTER_TO_SIZE (g_hash_table_lookup (mirror_types, key));
  if (type == 0)
    {
      GString *name = g_string_new ("PpProxy_");
      GTypeInfo info = {
        .class_size = sizeof (PpProxyClass),
        .class_init = mirror_class_init,
        .class_data = g_variant_ref (description),
        .instance_size = 0,
      };
      GTypeQuery query;

      /* A name made only of what GType accepts, unique per description */
      for (const char *p = remote_type_name; *p; p++)
        g_string_append_c (name, is_type_name_char (*p) ? *p : '_');
      g_string_append_printf (name, "_%.16s", hash);

      g_type_query (PP_TYPE_PROXY, &query);
      info.instance_size = query.instance_size;
      type = g_type_register_static (PP_TYPE_PROXY, name->str, &info, 0);
      g_string_free (name, TRUE);
      g_hash_table_insert (mirror_types, g_steal_pointer (&key), GSIZE_TO_POINTER (type));
    }

  g_mutex_unlock (&mirror_lock);

  /* Classes are made the first time they are used: make it now, outside
   * the lock. */
  g_type_class_unref (g_type_class_ref (type));
  return type;
}
