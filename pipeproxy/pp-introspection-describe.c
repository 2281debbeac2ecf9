/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gio/gio.h>

#include "pp-error.h"
#include "pp-introspection-gi-private.h"
#include "pp-introspection-private.h"
#include "pp-list-model-private.h"
#include "pp-marshal-private.h"
#include "pp-method-private.h"
#include "pp-preconditions-private.h"

/* An exported object's type described for the handshake: its chain of
 * types, its methods with their signatures or why they cannot be called,
 * its signals and its properties. */

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
  guint n_types = 0;
  g_autofree GType *types = pp_introspection_lineage (type, &n_types);

  for (guint t = 0; t < n_types; t++)
    {
      auto_info GIBaseInfo *info = pp_introspection_find_info_locked (types[t]);
      int n = info ? pp_introspection_info_n_methods (info) : 0;

      for (int i = 0; i < n; i++)
        {
          auto_info GIFunctionInfo *function = pp_introspection_info_get_method (info, i);

          if (g_function_info_get_flags (function) & GI_FUNCTION_IS_METHOD)
            g_ptr_array_add (names, g_strdup (g_base_info_get_name (function)));
        }
    }
}

static void
collect_signal_ids (GType   type,
                    GArray *ids)
{
  guint n_types = 0;
  g_autofree GType *types = pp_introspection_lineage (type, &n_types);

  for (guint t = 0; t < n_types; t++)
    {
      guint n = 0;
      g_autofree guint *list = g_signal_list_ids (types[t], &n);

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

  g_mutex_lock (&pp_introspection_gi_lock);
  collect_method_names_locked (type, names);
  g_mutex_unlock (&pp_introspection_gi_lock);

  for (guint i = 0; i < names->len; i++)
    describe_method (type, g_ptr_array_index (names, i), tried, description);
  pp_list_model_items_describe (type, description);

  /* A boxed type has methods only */
  if (G_TYPE_IS_OBJECT (type))
    collect_signal_ids (type, ids);
  for (guint i = 0; i < ids->len; i++)
    {
      GSignalQuery query;

      g_signal_query (g_array_index (ids, guint, i), &query);
      if (query.signal_flags & G_SIGNAL_ACTION)
        describe_method (type, query.signal_name, tried, description);
    }
}

/* A signal that returns a value is mirrored when the value is a boolean
 * its class gives last (GApplication::name-lost, "handled"): the proxy
 * only observes it. The forwarder's handler leaves the return value as
 * GLib resets it between handlers (FALSE: not handled), so the owner's
 * handlers and default handler decide as if nobody listened remotely;
 * handlers on the proxy return nothing. Any other value a remote handler
 * would have to give, and cannot. */
static gboolean
returns_observable (const GSignalQuery *query)
{
  GType type = query->return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE;

  return type == G_TYPE_NONE ||
         (type == G_TYPE_BOOLEAN && (query->signal_flags & G_SIGNAL_RUN_LAST) &&
          !(query->signal_flags & G_SIGNAL_RUN_FIRST));
}

/* Signals mirrored on a proxy: any but GObject's notify (properties have
 * their own mirror) whose arguments convert and which return nothing, or
 * a boolean their class decides. */
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

  if (!returns_observable (query))
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
  g_autoptr(PpPreconditions) preconditions = pp_preconditions_for_type (G_OBJECT_TYPE (object));

  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      g_autoptr(GString) signature = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      GVariant *value = NULL;

      if (!pp_marshal_property_signature (pspec->value_type, signature, &error))
        {
          g_debug ("Property “%s” of %s is not mirrored: %s", pspec->name,
                   G_OBJECT_TYPE_NAME (object), error->message);
          g_string_truncate (signature, 0);
        }
      /* A reference is read when asked for: no value to describe; nor
       * has a property whose getter would assert (see pp-preconditions.c) */
      else if ((pspec->flags & G_PARAM_READABLE) && !g_str_equal (signature->str, "o") &&
               pp_preconditions_check_read (preconditions, object, pspec->name, NULL))
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
