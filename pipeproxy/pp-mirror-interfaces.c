/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <ffi.h>
#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-introspection-private.h"
#include "pp-list-model-private.h"
#include "pp-marshal-private.h"
#include "pp-mirror-interfaces-private.h"
#include "pp-proxy.h"
#include "pp-introspection-vfuncs-private.h"

/* One interface a mirror type implements, or why not */
typedef struct
{
  GType       iface;
  GPtrArray  *vfuncs;       /* PpVfunc */
  gpointer   *addresses;    /* the closures, by vfunc */
  gboolean    list_model;   /* a GListModel read in batches and cached */
} Implemented;

struct _PpMirrorInterfaces
{
  GHashTable *reasons;      /* type name → why it is not implemented */
};

/* Values a virtual function returns without giving them away (a const
 * GVariantType *) must live on: the proxy keeps each, by the text of its
 * value on the wire, as long as it lives. At most this many per proxy. */
#define MAX_KEPT_VALUES 4096

typedef struct
{
  const PpTypeDesc *desc;
  PpArgValue        value;
} Kept;

static void
kept_free (gpointer data)
{
  Kept *kept = data;

  pp_marshal_free_value (kept->desc, &kept->value, 0, PP_TRANSFER_FULL);
  g_free (kept);
}

static GQuark
kept_values_quark (void)
{
  return g_quark_from_static_string ("pp-mirror-kept-values");
}

/* Forwarding ------------------------------------------------------------------ */

/* @value, of @desc, where libffi takes a return value: small integers
 * widened to a whole register */
static void
store_return (const PpTypeDesc *desc,
              const PpArgValue *value,
              gpointer          ret)
{
  if (pp_type_rules[desc->tag].flags & PP_RULE_POINTER)
    {
      *(gpointer *) ret = value->v_pointer;
      return;
    }
  /* The numbers */
  switch ((int) desc->tag)
    {
    case PP_TAG_BOOLEAN:
    case PP_TAG_INT32:
    case PP_TAG_ENUM:   *(ffi_sarg *) ret = value->v_int32; break;
    case PP_TAG_INT8:   *(ffi_sarg *) ret = value->v_int8; break;
    case PP_TAG_INT16:  *(ffi_sarg *) ret = value->v_int16; break;
    case PP_TAG_UINT8:  *(ffi_arg *) ret = value->v_uint8; break;
    case PP_TAG_UINT16: *(ffi_arg *) ret = value->v_uint16; break;
    case PP_TAG_UINT32:
    case PP_TAG_UNICHAR:
    case PP_TAG_FLAGS:  *(ffi_arg *) ret = value->v_uint32; break;
    case PP_TAG_INT64:
    case PP_TAG_UINT64: *(guint64 *) ret = value->v_uint64; break;
    case PP_TAG_FLOAT:  *(gfloat *) ret = value->v_float; break;
    case PP_TAG_DOUBLE: *(gdouble *) ret = value->v_double; break;
    case PP_TAG_GTYPE:  *(GType *) ret = value->v_size; break;
    default:            g_assert_not_reached ();
    }
}

static void
store_out (const PpTypeDesc *desc,
           const PpArgValue *value,
           gpointer          location)
{
  if (pp_type_rules[desc->tag].flags & PP_RULE_POINTER)
    *(gpointer *) location = value->v_pointer;
  else
    memcpy (location, value, pp_type_rules[desc->tag].size);
}

/* A value the caller does not own: the one kept for the same wire value */
static gboolean
keep_value (GObject           *instance,
            const PpTypeDesc  *desc,
            GVariant          *wire,
            PpArgValue        *value,
            GError           **error)
{
  GHashTable *kept_values;
  g_autofree char *key = NULL;
  Kept *kept;

  if (!(pp_type_rules[desc->tag].flags & PP_RULE_POINTER) || value->v_pointer == NULL)
    return TRUE;

  kept_values = g_object_get_qdata (instance, kept_values_quark ());
  if (kept_values == NULL)
    {
      kept_values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, kept_free);
      g_object_set_qdata_full (instance, kept_values_quark (), kept_values,
                               (GDestroyNotify) g_hash_table_unref);
    }
  key = g_variant_print (wire, TRUE);
  kept = g_hash_table_lookup (kept_values, key);
  if (kept == NULL && g_hash_table_size (kept_values) >= MAX_KEPT_VALUES)
    {
      pp_marshal_free_value (desc, value, 0, PP_TRANSFER_FULL);
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("The proxy keeps %u values returned without their ownership, "
                     "the most it may"), MAX_KEPT_VALUES);
      return FALSE;
    }
  if (kept == NULL)
    {
      kept = g_new0 (Kept, 1);
      kept->desc = desc;
      kept->value = *value;
      g_hash_table_insert (kept_values, g_steal_pointer (&key), kept);
      return TRUE;
    }
  pp_marshal_free_value (desc, value, 0, PP_TRANSFER_FULL);
  *value = kept->value;
  return TRUE;
}

/* One C value of the reply, owned by the caller when @transfer says so */
static gboolean
take_result (GObject           *instance,
             const PpTypeDesc  *desc,
             PpTransfer         transfer,
             GVariant          *result,
             guint             *index,
             PpMarshalScope    *scope,
             PpArgValue        *value,
             GError           **error)
{
  g_autoptr(GVariant) wire = g_variant_get_child_value (result, (*index)++);

  memset (value, 0, sizeof *value);
  /* A NULL the typelib did not allow (see pp_marshal_type_fits()) */
  if (!desc->nullable && g_variant_is_of_type (wire, G_VARIANT_TYPE_MAYBE))
    {
      g_autoptr(GVariant) inner = g_variant_get_maybe (wire);

      if (inner == NULL)
        return TRUE;
      g_variant_unref (wire);
      wire = g_steal_pointer (&inner);
    }
  if (!pp_marshal_from_variant (desc, wire, PP_TRANSFER_FULL, scope, value, NULL, error))
    return FALSE;
  if (transfer == PP_TRANSFER_NONE)
    return keep_value (instance, desc, wire, value, error);
  return TRUE;
}

/* Actions of a closed group ------------------------------------------------- */

/* A proxy of a GActionGroup knows the names of the actions it had: what
 * list_actions() gave, and the action-added and action-removed since.
 * When it closes, each is removed (action-removed is emitted), so that
 * whoever holds the group (GTK's action muxer) forgets them: a closed
 * proxy cannot list them any more. At most this many names are known. */
#define MAX_KNOWN_ACTIONS 4096

static GQuark
known_actions_quark (void)
{
  return g_quark_from_static_string ("pp-mirror-known-actions");
}

static void
on_action_added (GActionGroup *group,
                 const char   *name,
                 GHashTable   *known)
{
  if (g_hash_table_size (known) < MAX_KNOWN_ACTIONS)
    g_hash_table_add (known, g_strdup (name));
  else
    g_debug ("A proxy knows %u actions, the most it may: “%s” will not be removed when "
             "it closes", MAX_KNOWN_ACTIONS, name);
}

static void
on_action_removed (GActionGroup *group,
                   const char   *name,
                   GHashTable   *known)
{
  g_hash_table_remove (known, name);
}

static void
on_group_closed (PpProxy    *proxy,
                 GError     *error,
                 GHashTable *known)
{
  g_autofree gpointer *names = g_hash_table_get_keys_as_array (known, NULL);
  g_auto(GStrv) gone = g_strdupv ((char **) names);

  g_hash_table_remove_all (known);
  for (guint i = 0; gone[i] != NULL; i++)
    g_action_group_action_removed (G_ACTION_GROUP (proxy), gone[i]);
}

/* What list_actions() of @instance gave: the names it knows */
static void
know_actions (GObject     *instance,
              char       **names)
{
  GHashTable *known = g_object_get_qdata (instance, known_actions_quark ());

  if (known == NULL)
    {
      known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_qdata_full (instance, known_actions_quark (), known,
                               (GDestroyNotify) g_hash_table_unref);
      g_signal_connect (instance, "action-added", G_CALLBACK (on_action_added), known);
      g_signal_connect (instance, "action-removed", G_CALLBACK (on_action_removed), known);
      g_signal_connect (instance, "closed", G_CALLBACK (on_group_closed), known);
    }
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    on_action_added (G_ACTION_GROUP (instance), names[i], known);
}

/* Whether the argument @arg of a method crosses in the direction @direction */
static gboolean
arg_crosses (const PpMethodArg *arg,
             PpArgDirection     direction)
{
  return !arg->skip && arg->role == PP_ARG_ROLE_NORMAL && (arg->direction & direction);
}

/* The parameters of the call, from the closure's @args */
static GVariant *
build_params (const PpMethod  *method,
              gpointer        *args,
              PpMarshalScope  *scope,
              GError         **error)
{
  GVariantBuilder params;

  g_variant_builder_init (&params, method->in_type);
  for (guint i = 0; i < method->n_args; i++)
    {
      const PpMethodArg *arg = &method->args[i];
      const PpArgValue *value;
      GVariant *item;

      if (!arg_crosses (arg, PP_ARG_IN))
        continue;
      value = arg->direction == PP_ARG_INOUT ? *(const PpArgValue **) args[1 + i] : args[1 + i];
      item = pp_marshal_to_variant (arg->desc, value, 0, scope, error);
      if (item == NULL)
        {
          g_variant_builder_clear (&params);
          return NULL;
        }
      g_variant_builder_add_value (&params, item);
    }
  return g_variant_builder_end (&params);
}

/* The C values of @result: the return value in @outs[n_args], each out
 * argument in @outs[i]; nothing is kept when one fails */
static gboolean
take_results (GObject         *instance,
              const PpMethod  *method,
              GVariant        *result,
              PpMarshalScope  *scope,
              PpArgValue      *outs,
              GError         **error)
{
  guint index = 0;

  if (method->ret_desc != NULL &&
      !take_result (instance, method->ret_desc, method->ret_transfer, result, &index, scope,
                    &outs[method->n_args], error))
    return FALSE;
  for (guint i = 0; i < method->n_args; i++)
    {
      const PpMethodArg *arg = &method->args[i];

      if (!arg_crosses (arg, PP_ARG_OUT))
        continue;
      if (!take_result (instance, arg->desc, arg->transfer, result, &index, scope, &outs[i],
                        error))
        {
          /* What was taken before is given back */
          for (guint j = 0; j < i; j++)
            if (arg_crosses (&method->args[j], PP_ARG_OUT))
              pp_marshal_free_value (method->args[j].desc, &outs[j], 0,
                                     method->args[j].transfer);
          if (method->ret_desc != NULL)
            pp_marshal_free_value (method->ret_desc, &outs[method->n_args], 0,
                                   method->ret_transfer);
          return FALSE;
        }
    }
  return TRUE;
}

/* All there: handed over to the caller's locations and the return value */
static void
hand_over (const PpMethod *method,
           gpointer       *args,
           PpArgValue     *outs,
           gpointer        ret)
{
  for (guint i = 0; i < method->n_args; i++)
    {
      const PpMethodArg *arg = &method->args[i];
      gpointer location;

      if (!arg_crosses (arg, PP_ARG_OUT))
        continue;
      location = *(gpointer *) args[1 + i];
      if (location != NULL)
        store_out (arg->desc, &outs[i], location);
      else
        pp_marshal_free_value (arg->desc, &outs[i], 0, arg->transfer);
    }
  if (method->ret_desc != NULL)
    store_return (method->ret_desc, &outs[method->n_args], ret);
}

/* The zero value, as a method that failed its preconditions returns; an
 * empty list where NULL is not allowed (GTK walks the names of
 * g_action_group_list_actions() of a group it lets go of). The error goes
 * to the caller's GError, or to the debug log. */
static void
fail_vfunc (const PpVfunc  *vfunc,
            GObject        *instance,
            gpointer        ret,
            GError        **error_out,
            GError         *error)
{
  const PpMethod *method = vfunc->method;

  if (method->ret_desc != NULL)
    {
      PpArgValue zero = { 0, };

      if (method->ret_desc->tag == PP_TAG_STRV && !method->ret_desc->nullable &&
          method->ret_transfer != PP_TRANSFER_NONE)
        zero.v_pointer = g_new0 (char *, 1);
      store_return (method->ret_desc, &zero, ret);
    }
  if (error_out != NULL)
    {
      g_propagate_error (error_out, error);
      return;
    }
  g_debug ("%s.%s () of a proxy failed: %s", g_type_name (G_OBJECT_TYPE (instance)),
           vfunc->name, error->message);
  g_error_free (error);
}

/* The closure of a virtual function: one synchronous call of its method */
static void
forward_vfunc (const PpVfunc *vfunc,
               gpointer       ret,
               gpointer      *args,
               gpointer       user_data)
{
  const PpMethod *method = vfunc->method;
  GObject *instance = *(GObject **) args[0];
  GError **error_out = method->throws ? *(GError ***) args[1 + method->n_args] : NULL;
  g_autoptr(GError) error = NULL;
  PpMarshalScope *scope = pp_marshal_scope_new ();
  g_autoptr(GUnixFDList) in_fds = NULL;
  g_autoptr(GUnixFDList) out_fds = NULL;
  g_autoptr(GPtrArray) in_objects = NULL;
  g_autoptr(GPtrArray) out_objects = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree PpArgValue *outs = g_new0 (PpArgValue, method->n_args + 1);
  GVariant *params = build_params (method, args, scope, &error);

  if (params == NULL)
    goto out;
  in_fds = pp_marshal_scope_steal_out_fds (scope);
  in_objects = pp_marshal_scope_steal_out_objects (scope);

  result = pp_proxy_call_full_sync (PP_PROXY (instance), vfunc->method_name, params, in_fds,
                                    in_objects, -1, &out_fds, &out_objects, NULL, &error);
  if (result == NULL)
    goto out;
  if (!g_variant_is_of_type (result, method->out_type) &&
      !pp_marshal_type_fits (g_variant_get_type (result), method->out_type, TRUE))
    {
      g_set_error (&error, PP_ERROR, PP_ERROR_PROTOCOL,
                   _("Method “%s” gave %s, not %s"), vfunc->method_name,
                   g_variant_get_type_string (result),
                   g_variant_type_peek_string (method->out_type));
      goto out;
    }

  pp_marshal_scope_set_in_fds (scope, out_fds);
  pp_marshal_scope_set_in_objects (scope, out_objects);
  if (take_results (instance, method, result, scope, outs, &error))
    {
      hand_over (method, args, outs, ret);
      /* GActionMap's add_action() has the same offset in its own structure */
      if (G_IS_ACTION_GROUP (instance) && g_str_equal (vfunc->name, "list_actions") &&
          vfunc->offset == G_STRUCT_OFFSET (GActionGroupInterface, list_actions))
        know_actions (instance, *(char ***) ret);
    }

out:
  pp_marshal_scope_free (scope);
  if (error != NULL)
    fail_vfunc (vfunc, instance, ret, error_out, g_steal_pointer (&error));
}

/* Implementing ---------------------------------------------------------------- */

static void
interface_init (gpointer g_iface,
                gpointer iface_data)
{
  Implemented *implemented = iface_data;

  for (guint i = 0; i < implemented->vfuncs->len; i++)
    {
      const PpVfunc *vfunc = g_ptr_array_index (implemented->vfuncs, i);

      G_STRUCT_MEMBER (gpointer, g_iface, vfunc->offset) = implemented->addresses[i];
    }
  if (implemented->list_model)
    pp_mirror_list_model_init (g_iface);
}

/* Why the mirror type's property @name would not do for the interface's
 * @pspec, checked as GObject will check it when the class is made: a
 * property the description lacks or gives another type would be a
 * critical, and the description comes from the peer */
static char *
check_interface_property (GParamSpec    *pspec,
                          PpDescription *description)
{
  GObjectClass *proxy_class = g_type_class_ref (PP_TYPE_PROXY);
  int index = pp_description_find_property (description, pspec->name);
  const PpDescribedProperty *described;
  gboolean writable, type_fits;
  GType type;

  if (g_object_class_find_property (proxy_class, pspec->name) != NULL)
    {
      g_type_class_unref (proxy_class);
      return g_strdup_printf (_("its property “%s” is a name PpProxy uses"), pspec->name);
    }
  g_type_class_unref (proxy_class);
  if (index < 0)
    return g_strdup_printf (_("its property “%s” is not in the description"), pspec->name);

  described = pp_description_get_property (description, index);
  type = described->signature[0] == '\0' || !(described->flags & G_PARAM_READABLE)
           ? G_TYPE_INVALID
           : pp_marshal_gtype_for_signature (described->signature, described->type_name);
  writable = (described->flags & G_PARAM_WRITABLE) && !(described->flags & G_PARAM_CONSTRUCT_ONLY);
  if (!(pspec->flags & G_PARAM_WRITABLE))
    type_fits = type != G_TYPE_INVALID && g_type_is_a (type, pspec->value_type);
  else if (pspec->flags & G_PARAM_READABLE)
    type_fits = type != G_TYPE_INVALID && type == pspec->value_type;
  else
    type_fits = type != G_TYPE_INVALID && g_type_is_a (pspec->value_type, type);

  if (!type_fits || ((pspec->flags & G_PARAM_WRITABLE) && !writable))
    return g_strdup_printf (_("its property “%s” cannot be one of the proxy's"), pspec->name);
  return NULL;
}

static char *
check_interface_properties (GType          iface,
                            PpDescription *description)
{
  gpointer vtable = g_type_default_interface_ref (iface);
  guint n = 0;
  g_autofree GParamSpec **pspecs = g_object_interface_list_properties (vtable, &n);
  char *reason = NULL;

  for (guint i = 0; i < n && reason == NULL; i++)
    reason = check_interface_property (pspecs[i], description);
  g_type_default_interface_unref (vtable);
  return reason;
}

/* Why @iface, an interface of the remote object, cannot be one of @type */
static char *
implement (GType          type,
           GType          iface,
           PpDescription *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vfuncs = NULL;
  g_autofree GType *prerequisites = NULL;
  guint n_prerequisites = 0;
  Implemented *implemented;
  char *reason;
  GInterfaceInfo info = { interface_init, NULL, NULL };

  if (g_type_is_a (type, iface))
    return NULL;
  prerequisites = g_type_interface_prerequisites (iface, &n_prerequisites);
  for (guint i = 0; i < n_prerequisites; i++)
    if (!g_type_is_a (type, prerequisites[i]))
      return g_strdup_printf (_("it requires %s, which a proxy is not"),
                              g_type_name (prerequisites[i]));

  vfuncs = pp_vfuncs_for_interface (iface, &error);
  if (vfuncs == NULL)
    return g_strdup (error->message);
  reason = pp_vfuncs_check (vfuncs, description);
  if (reason == NULL)
    reason = check_interface_properties (iface, description);
  if (reason != NULL)
    return reason;

  implemented = g_new0 (Implemented, 1);
  implemented->iface = iface;
  implemented->addresses = g_new0 (gpointer, MAX (vfuncs->len, 1));
  for (guint i = 0; i < vfuncs->len; i++)
    {
      implemented->addresses[i] = pp_vfunc_make_closure (g_ptr_array_index (vfuncs, i),
                                                         forward_vfunc, NULL);
      if (implemented->addresses[i] == NULL)
        {
          const PpVfunc *vfunc = g_ptr_array_index (vfuncs, i);

          /* What was made lives on with the type */
          g_free (implemented->addresses);
          g_free (implemented);
          return g_strdup_printf (_("no closure could be made for virtual function “%s”"),
                                  vfunc->name);
        }
    }
  implemented->vfuncs = g_steal_pointer (&vfuncs);
  implemented->list_model = iface == G_TYPE_LIST_MODEL && pp_mirror_list_model_usable (description);
  info.interface_data = implemented;
  g_type_add_interface_static (type, iface, &info);
  return NULL;
}

PpMirrorInterfaces *
pp_mirror_interfaces_add (GType          type,
                          PpDescription *description)
{
  PpMirrorInterfaces *self = g_new0 (PpMirrorInterfaces, 1);
  guint n = pp_description_get_n_interfaces (description);

  self->reasons = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; i < n; i++)
    {
      const char *name = pp_description_get_interface (description, i);
      const char *refused = pp_description_get_interface_reason (description, name);
      g_autoptr(GError) error = NULL;
      GType iface = G_TYPE_INVALID;
      char *reason;

      if (refused != NULL)
        reason = g_strdup (refused);
      else if ((iface = pp_introspection_type_from_name (name, &error)) == G_TYPE_INVALID)
        reason = g_strdup_printf (_("its type is not known here: %s"), error->message);
      else if (!G_TYPE_IS_INTERFACE (iface))
        reason = g_strdup (_("it is not an interface here"));
      else
        reason = implement (type, iface, description);

      if (reason != NULL)
        {
          g_debug ("A proxy of %s does not implement %s: %s",
                   pp_description_get_type_name (description), name, reason);
          /* Names from the peer: the description keeps them */
          g_hash_table_replace (self->reasons, (gpointer) name, reason);
        }
    }
  return self;
}

const char *
pp_mirror_interfaces_reason (PpMirrorInterfaces *self,
                             const char         *type_name)
{
  return g_hash_table_lookup (self->reasons, type_name);
}
