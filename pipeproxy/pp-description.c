/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "pp-description-private.h"
#include "pp-error.h"
#include "pp-variant-private.h"

/* The WELCOME's dictionary (a{sv}):
 *
 *   type-name   s          the exported object's type
 *   type-chain  as         that type and its parents
 *   interfaces  as         the interfaces it implements
 *   refused-interfaces a(ss) name, why a proxy cannot implement it (a
 *                          virtual function the peer cannot call)
 *   unix-fds    b          whether the listener takes file descriptors
 *   methods     a(sssbs)   name, in-signature, out-signature, throws, dispatch
 *   refused-methods a(ss)  name, why the peer cannot call it (methods of the
 *                          object that no call reaches)
 *   signals     a(suasss)  name, flags, argument type names, argument tuple
 *                          (or ""), why it cannot cross (or "")
 *   properties  a(susssmv) name, flags, value type name, signature (or ""),
 *                          why it cannot cross (or ""), value
 */
#define METHODS_TYPE    "a(sssbs)"
#define REFUSED_TYPE    "a(ss)"
#define REFUSED_INTERFACES_TYPE "a(ss)"
#define SIGNALS_TYPE    "a(suasss)"
#define PROPERTIES_TYPE "a(susssmv)"

/* The WELCOME's keys, in the order they are written and checked */
enum
{
  KEY_TYPE_NAME,
  KEY_TYPE_CHAIN,
  KEY_INTERFACES,
  KEY_REFUSED_INTERFACES,
  KEY_UNIX_FDS,
  KEY_METHODS,
  KEY_REFUSED_METHODS,
  KEY_SIGNALS,
  KEY_PROPERTIES,
  N_KEYS
};

static const struct
{
  const char *name;
  const char *type;
} keys[N_KEYS] = {
  { "type-name", "s" },
  { "type-chain", "as" },
  { "interfaces", "as" },
  { "refused-interfaces", REFUSED_INTERFACES_TYPE },
  { "unix-fds", "b" },
  { "methods", METHODS_TYPE },
  { "refused-methods", REFUSED_TYPE },
  { "signals", SIGNALS_TYPE },
  { "properties", PROPERTIES_TYPE },
};

struct _PpDescription
{
  gatomicrefcount  ref_count;
  GStringChunk    *strings;       /* every string of the description */
  const char      *type_name;
  GPtrArray       *type_chain;    /* const char * */
  GPtrArray       *interfaces;    /* const char * */
  GHashTable      *interface_reasons; /* name → why it cannot be implemented */
  GPtrArray       *refused_interfaces; /* const char *, in order */
  GArray          *methods;       /* PpDescribedMethod */
  GArray          *signals;       /* PpDescribedSignal */
  GArray          *properties;    /* PpDescribedProperty */
  /* name → index + 1; signal and property names with '-' for '_' */
  GHashTable      *method_index;
  GHashTable      *signal_index;
  GHashTable      *property_index;
  GVariant        *variant;       /* what it was parsed from, or serialized */
  char            *hash;
};

static const char * const dispatch_names[] = {
  [PP_METHOD_DISPATCH_INTROSPECTED] = "introspected",
  [PP_METHOD_DISPATCH_ASYNC] = "async",
  [PP_METHOD_DISPATCH_ACTION_SIGNAL] = "action-signal",
  [PP_METHOD_DISPATCH_ADDED] = "added",
};

PpDescription *
pp_description_new (const char *type_name)
{
  PpDescription *self = g_new0 (PpDescription, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->strings = g_string_chunk_new (1024);
  self->type_name = g_string_chunk_insert (self->strings, type_name);
  self->type_chain = g_ptr_array_new ();
  self->interfaces = g_ptr_array_new ();
  self->interface_reasons = g_hash_table_new (g_str_hash, g_str_equal);
  self->refused_interfaces = g_ptr_array_new ();
  self->methods = g_array_new (FALSE, FALSE, sizeof (PpDescribedMethod));
  self->signals = g_array_new (FALSE, FALSE, sizeof (PpDescribedSignal));
  self->properties = g_array_new (FALSE, FALSE, sizeof (PpDescribedProperty));
  self->method_index = g_hash_table_new (g_str_hash, g_str_equal);
  self->signal_index = g_hash_table_new (g_str_hash, g_str_equal);
  self->property_index = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

PpDescription *
pp_description_ref (PpDescription *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pp_description_unref (PpDescription *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->signals->len; i++)
    g_free (g_array_index (self->signals, PpDescribedSignal, i).arg_type_names);
  for (guint i = 0; i < self->properties->len; i++)
    g_variant_unref (g_array_index (self->properties, PpDescribedProperty, i).value);
  g_hash_table_unref (self->method_index);
  g_hash_table_unref (self->signal_index);
  g_hash_table_unref (self->property_index);
  g_array_unref (self->methods);
  g_array_unref (self->signals);
  g_array_unref (self->properties);
  g_ptr_array_unref (self->type_chain);
  g_ptr_array_unref (self->interfaces);
  g_hash_table_unref (self->interface_reasons);
  g_ptr_array_unref (self->refused_interfaces);
  g_clear_pointer (&self->variant, g_variant_unref);
  g_string_chunk_free (self->strings);
  g_free (self->hash);
  g_free (self);
}

static const char *
intern (PpDescription *self,
        const char    *string)
{
  return g_string_chunk_insert (self->strings, string);
}

/* GLib takes '_' for '-' in signal and property names */
static const char *
canonical_key (PpDescription *self,
               const char    *name)
{
  char *key;

  if (strchr (name, '_') == NULL)
    return name;
  key = g_string_chunk_insert (self->strings, name);
  return g_strdelimit (key, "_", '-');
}

static int
find_canonical (GHashTable *index,
                const char *name)
{
  gpointer found = g_hash_table_lookup (index, name);

  if (found == NULL && strchr (name, '_') != NULL)
    {
      g_autofree char *key = g_strdelimit (g_strdup (name), "_", '-');

      found = g_hash_table_lookup (index, key);
    }
  return GPOINTER_TO_INT (found) - 1;
}

void
pp_description_add_chain_type (PpDescription *self,
                               const char    *type_name)
{
  g_ptr_array_add (self->type_chain, (gpointer) intern (self, type_name));
}

void
pp_description_add_interface (PpDescription *self,
                              const char    *type_name)
{
  g_ptr_array_add (self->interfaces, (gpointer) intern (self, type_name));
}

gboolean
pp_description_refuse_interface (PpDescription *self,
                                 const char    *type_name,
                                 const char    *reason)
{
  const char *name;

  if (g_hash_table_contains (self->interface_reasons, type_name))
    return FALSE;
  name = intern (self, type_name);
  g_hash_table_insert (self->interface_reasons, (gpointer) name,
                       (gpointer) intern (self, *reason ? reason : "refused"));
  g_ptr_array_add (self->refused_interfaces, (gpointer) name);
  return TRUE;
}

gboolean
pp_description_add_method (PpDescription    *self,
                           const char       *name,
                           const char       *in_signature,
                           const char       *out_signature,
                           gboolean          throws,
                           PpMethodDispatch  dispatch)
{
  PpDescribedMethod method;

  if (g_hash_table_contains (self->method_index, name))
    return FALSE;

  method.name = intern (self, name);
  method.in_signature = intern (self, in_signature);
  method.out_signature = intern (self, out_signature);
  method.throws = !!throws;
  method.dispatch = dispatch;
  method.reason = "";
  g_array_append_val (self->methods, method);
  g_hash_table_insert (self->method_index, (gpointer) method.name,
                       GUINT_TO_POINTER (self->methods->len));
  return TRUE;
}

gboolean
pp_description_add_refused_method (PpDescription *self,
                                   const char    *name,
                                   const char    *reason)
{
  PpDescribedMethod method = { NULL, "", "", FALSE, PP_METHOD_DISPATCH_INTROSPECTED, NULL };

  if (g_hash_table_contains (self->method_index, name))
    return FALSE;

  method.name = intern (self, name);
  method.reason = intern (self, *reason ? reason : "refused");
  g_array_append_val (self->methods, method);
  g_hash_table_insert (self->method_index, (gpointer) method.name,
                       GUINT_TO_POINTER (self->methods->len));
  return TRUE;
}

gboolean
pp_description_add_signal (PpDescription      *self,
                           const char         *name,
                           guint               flags,
                           guint               n_args,
                           const char * const *arg_type_names,
                           const char         *signature,
                           const char         *reason)
{
  const char *key = canonical_key (self, name);
  PpDescribedSignal sig;

  if (g_hash_table_contains (self->signal_index, key))
    return FALSE;

  sig.name = intern (self, name);
  sig.flags = flags;
  sig.n_args = n_args;
  sig.arg_type_names = g_new (const char *, MAX (n_args, 1));
  for (guint i = 0; i < n_args; i++)
    sig.arg_type_names[i] = intern (self, arg_type_names[i]);
  sig.signature = intern (self, signature);
  sig.reason = intern (self, reason);
  g_array_append_val (self->signals, sig);
  g_hash_table_insert (self->signal_index, (gpointer) key, GUINT_TO_POINTER (self->signals->len));
  return TRUE;
}

gboolean
pp_description_add_property (PpDescription *self,
                             const char    *name,
                             guint          flags,
                             const char    *type_name,
                             const char    *signature,
                             const char    *reason,
                             GVariant      *value)
{
  const char *key = canonical_key (self, name);
  PpDescribedProperty prop;

  if (g_hash_table_contains (self->property_index, key))
    {
      if (value != NULL)
        g_variant_unref (g_variant_ref_sink (value));
      return FALSE;
    }

  prop.name = intern (self, name);
  prop.flags = flags;
  prop.type_name = intern (self, type_name);
  prop.signature = intern (self, signature);
  prop.reason = intern (self, reason);
  prop.value = value ? g_variant_ref_sink (value)
                     : g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  g_array_append_val (self->properties, prop);
  g_hash_table_insert (self->property_index, (gpointer) key,
                       GUINT_TO_POINTER (self->properties->len));
  return TRUE;
}

/* Serializing ------------------------------------------------------------- */

/* Each value is made from its members without a format string, whose
 * parsing and checks cost more than the value: a worker's start
 * describes GObject's twenty refused methods, every time. The members
 * are floating and consumed. */

static GVariant *
new_list (const char *type,
          GPtrArray  *items)
{
  return g_variant_new_array (g_variant_type_element (G_VARIANT_TYPE (type)),
                              (GVariant **) items->pdata, items->len);
}

static GVariant *
serialize_methods (PpDescription *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < self->methods->len; i++)
    {
      const PpDescribedMethod *m = &g_array_index (self->methods, PpDescribedMethod, i);
      GVariant *members[5];

      if (*m->reason != '\0')
        continue;
      members[0] = g_variant_new_string (m->name);
      members[1] = g_variant_new_string (m->in_signature);
      members[2] = g_variant_new_string (m->out_signature);
      members[3] = g_variant_new_boolean (m->throws);
      members[4] = g_variant_new_string (dispatch_names[m->dispatch]);
      g_ptr_array_add (items, g_variant_new_tuple (members, G_N_ELEMENTS (members)));
    }
  return new_list (METHODS_TYPE, items);
}

static GVariant *
new_pair (const char *name,
          const char *reason)
{
  GVariant *members[2] = { g_variant_new_string (name), g_variant_new_string (reason) };

  return g_variant_new_tuple (members, G_N_ELEMENTS (members));
}

static GVariant *
serialize_refused_methods (PpDescription *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < self->methods->len; i++)
    {
      const PpDescribedMethod *m = &g_array_index (self->methods, PpDescribedMethod, i);

      if (*m->reason != '\0')
        g_ptr_array_add (items, new_pair (m->name, m->reason));
    }
  return new_list (REFUSED_TYPE, items);
}

static GVariant *
serialize_refused_interfaces (PpDescription *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < self->refused_interfaces->len; i++)
    {
      const char *name = g_ptr_array_index (self->refused_interfaces, i);

      g_ptr_array_add (items, new_pair (name, g_hash_table_lookup (self->interface_reasons, name)));
    }
  return new_list (REFUSED_INTERFACES_TYPE, items);
}

static GVariant *
serialize_signals (PpDescription *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < self->signals->len; i++)
    {
      const PpDescribedSignal *s = &g_array_index (self->signals, PpDescribedSignal, i);
      GVariant *members[5];

      members[0] = g_variant_new_string (s->name);
      members[1] = g_variant_new_uint32 (s->flags);
      members[2] = g_variant_new_strv (s->arg_type_names, s->n_args);
      members[3] = g_variant_new_string (s->signature);
      members[4] = g_variant_new_string (s->reason);
      g_ptr_array_add (items, g_variant_new_tuple (members, G_N_ELEMENTS (members)));
    }
  return new_list (SIGNALS_TYPE, items);
}

static GVariant *
serialize_properties (PpDescription *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < self->properties->len; i++)
    {
      const PpDescribedProperty *p = &g_array_index (self->properties, PpDescribedProperty, i);
      GVariant *members[6];

      members[0] = g_variant_new_string (p->name);
      members[1] = g_variant_new_uint32 (p->flags);
      members[2] = g_variant_new_string (p->type_name);
      members[3] = g_variant_new_string (p->signature);
      members[4] = g_variant_new_string (p->reason);
      members[5] = p->value;
      g_ptr_array_add (items, g_variant_new_tuple (members, G_N_ELEMENTS (members)));
    }
  return new_list (PROPERTIES_TYPE, items);
}

GVariant *
pp_description_serialize (PpDescription *self,
                          gboolean       unix_fds)
{
  GVariant *values[N_KEYS] = {
    [KEY_TYPE_NAME] = g_variant_new_string (self->type_name),
    [KEY_TYPE_CHAIN] = g_variant_new_strv ((const char * const *) self->type_chain->pdata,
                                           self->type_chain->len),
    [KEY_INTERFACES] = g_variant_new_strv ((const char * const *) self->interfaces->pdata,
                                           self->interfaces->len),
    [KEY_REFUSED_INTERFACES] = serialize_refused_interfaces (self),
    [KEY_UNIX_FDS] = g_variant_new_boolean (unix_fds),
    [KEY_METHODS] = serialize_methods (self),
    [KEY_REFUSED_METHODS] = serialize_refused_methods (self),
    [KEY_SIGNALS] = serialize_signals (self),
    [KEY_PROPERTIES] = serialize_properties (self),
  };
  GVariant *entries[N_KEYS];

  for (guint k = 0; k < N_KEYS; k++)
    entries[k] = g_variant_new_dict_entry (g_variant_new_string (keys[k].name),
                                           g_variant_new_variant (values[k]));
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), entries, N_KEYS);
}

/* Parsing: the trust boundary ---------------------------------------------- */

G_GNUC_PRINTF (2, 3)
static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PP_ERROR, PP_ERROR_PROTOCOL,
               _("The listener described the object wrongly: %s"), what);
  return FALSE;
}

/* The value of each key in @info, as g_variant_lookup_value() gives it
 * (the first entry of a key; NULL for a missing one), in one pass over
 * the dictionary rather than one per key; then a value of another type
 * than its key's fails */
static gboolean
lookup_keys (GVariant  *info,
             GVariant  *values[N_KEYS],
             GError   **error)
{
  GVariantIter iter;
  GVariant *entry;
  guint found = 0;

  g_variant_iter_init (&iter, info);
  while (found < N_KEYS && (entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
      const char *name = g_variant_get_string (key, NULL);

      for (guint k = 0; k < N_KEYS; k++)
        if (values[k] == NULL && g_str_equal (name, keys[k].name))
          {
            g_autoptr(GVariant) boxed = g_variant_get_child_value (entry, 1);

            values[k] = pp_variant_get_variant (boxed);
            found++;
            break;
          }
      g_variant_unref (entry);
    }

  for (guint k = 0; k < N_KEYS; k++)
    if (values[k] != NULL && !g_variant_is_of_type (values[k], G_VARIANT_TYPE (keys[k].type)))
      return invalid (error, _("“%s” is of type %s, not %s"), keys[k].name,
                      g_variant_get_type_string (values[k]), keys[k].type);
  return TRUE;
}

static gboolean
is_definite_type (const char *signature)
{
  return g_variant_type_string_is_valid (signature) &&
         g_variant_type_is_definite (G_VARIANT_TYPE (signature));
}

static gboolean
is_tuple_type (const char *signature)
{
  return is_definite_type (signature) && g_variant_type_is_tuple (G_VARIANT_TYPE (signature));
}

static gboolean
parse_type_names (PpDescription  *self,
                  GVariant       *list,
                  void          (*add) (PpDescription *, const char *))
{
  g_autofree const char **names = NULL;

  if (list == NULL)
    return TRUE;
  names = g_variant_get_strv (list, NULL);
  for (guint i = 0; names[i] != NULL; i++)
    add (self, names[i]);
  return TRUE;
}

static gboolean
dispatch_from_name (const char       *name,
                    PpMethodDispatch *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (dispatch_names); i++)
    if (g_str_equal (name, dispatch_names[i]))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_methods (PpDescription  *self,
               GVariant       *list,
               GError        **error)
{
  gsize n = list ? g_variant_n_children (list) : 0;

  for (gsize i = 0; i < n; i++)
    {
      const char *name, *in, *out, *dispatch_name;
      PpMethodDispatch dispatch;
      gboolean throws;

      g_variant_get_child (list, i, "(&s&s&sb&s)", &name, &in, &out, &throws, &dispatch_name);
      if (*name == '\0')
        return invalid (error, _("a method has no name"));
      if (!is_tuple_type (in) || !is_tuple_type (out))
        return invalid (error, _("method “%s” takes %s and gives %s, which are not both tuple types"),
                        name, in, out);
      if (!dispatch_from_name (dispatch_name, &dispatch))
        return invalid (error, _("method “%s” is dispatched as “%s”, which is unknown"),
                        name, dispatch_name);
      if (!pp_description_add_method (self, name, in, out, throws, dispatch))
        return invalid (error, _("method “%s” is described twice"), name);
    }
  return TRUE;
}

/* The methods a peer cannot call (@of_methods), or the interfaces a proxy
 * cannot implement: (name, reason) pairs */
static gboolean
parse_refused (PpDescription  *self,
               GVariant       *list,
               gboolean        of_methods,
               GError        **error)
{
  gsize n = list ? g_variant_n_children (list) : 0;

  for (gsize i = 0; i < n; i++)
    {
      /* Read without a format string, whose checks cost twice as much:
       * every object describes GObject's twenty refused methods */
      g_autoptr(GVariant) pair = g_variant_get_child_value (list, i);
      g_autoptr(GVariant) name_value = g_variant_get_child_value (pair, 0);
      g_autoptr(GVariant) reason_value = g_variant_get_child_value (pair, 1);
      const char *name = g_variant_get_string (name_value, NULL);
      const char *reason = g_variant_get_string (reason_value, NULL);

      if (*name == '\0')
        return of_methods ? invalid (error, _("a method has no name"))
                          : invalid (error, _("an interface has no name"));
      if (of_methods ? !pp_description_add_refused_method (self, name, reason)
                     : !pp_description_refuse_interface (self, name, reason))
        return of_methods ? invalid (error, _("method “%s” is described twice"), name)
                          : invalid (error, _("interface “%s” is refused twice"), name);
    }
  return TRUE;
}

static gboolean
check_signal_arguments (const char  *name,
                        const char  *signature,
                        gsize        n_args,
                        GError     **error)
{
  const GVariantType *item;
  gsize n_items = 0;

  if (!is_tuple_type (signature))
    return invalid (error, _("signal “%s” has arguments of type %s, which is not a tuple type"),
                    name, signature);
  for (item = g_variant_type_first (G_VARIANT_TYPE (signature)); item != NULL;
       item = g_variant_type_next (item))
    n_items++;
  if (n_items != n_args)
    return invalid (error, _("signal “%s” has %lu argument types for a tuple of %lu (%s)"),
                    name, (gulong) n_args, (gulong) n_items, signature);
  return TRUE;
}

static gboolean
parse_signals (PpDescription  *self,
               GVariant       *list,
               GError        **error)
{
  gsize n = list ? g_variant_n_children (list) : 0;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) arg_types = NULL;
      g_autofree const char **arg_names = NULL;
      const char *name, *signature, *reason;
      gsize n_args;
      guint flags;

      g_variant_get_child (list, i, "(&su@as&s&s)", &name, &flags, &arg_types, &signature,
                           &reason);
      arg_names = g_variant_get_strv (arg_types, &n_args);
      if (*name == '\0')
        return invalid (error, _("a signal has no name"));
      if (*signature != '\0' && !check_signal_arguments (name, signature, n_args, error))
        return FALSE;
      if (!pp_description_add_signal (self, name, flags, n_args, arg_names, signature, reason))
        return invalid (error, _("signal “%s” is described twice"), name);
    }
  return TRUE;
}

static gboolean
parse_properties (PpDescription  *self,
                  GVariant       *list,
                  GError        **error)
{
  gsize n = list ? g_variant_n_children (list) : 0;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) value = NULL;
      g_autoptr(GVariant) boxed = NULL;
      const char *name, *type_name, *signature, *reason;
      guint flags;

      g_variant_get_child (list, i, "(&su&s&s&s@mv)", &name, &flags, &type_name, &signature,
                           &reason, &value);
      if (*name == '\0')
        return invalid (error, _("a property has no name"));
      if (*signature != '\0' && !is_definite_type (signature))
        return invalid (error, _("property “%s” has values of type “%s”, which is not a type"),
                        name, signature);

      boxed = g_variant_get_maybe (value);
      if (boxed != NULL && *signature == '\0')
        g_clear_pointer (&value, g_variant_unref);  /* a value nothing here can read */
      else if (boxed != NULL)
        {
          g_autoptr(GVariant) inner = pp_variant_get_variant (boxed);

          if (!g_str_equal (g_variant_get_type_string (inner), signature))
            return invalid (error, _("property “%s” of type %s has a value of type %s"),
                            name, signature, g_variant_get_type_string (inner));
        }

      if (!pp_description_add_property (self, name, flags, type_name, signature, reason, value))
        return invalid (error, _("property “%s” is described twice"), name);
    }
  return TRUE;
}

static gsize
n_children (GVariant *list)
{
  return list ? g_variant_n_children (list) : 0;
}

static gboolean
check_limits (GVariant                   *info,
              GVariant                   *type_names,
              GVariant                   *interfaces,
              GVariant                   *refused_interfaces,
              GVariant                   *methods,
              GVariant                   *refused,
              GVariant                   *signals,
              GVariant                   *properties,
              const PpDescriptionLimits  *limits,
              GError                    **error)
{
  gsize n_members = n_children (type_names) + n_children (interfaces) +
                    n_children (refused_interfaces) + n_children (methods) +
                    n_children (refused) + n_children (signals) + n_children (properties);

  if (g_variant_get_size (info) > limits->max_size)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("The listener's description of the object is %lu bytes, "
                     "more than the limit of %lu"), (gulong) g_variant_get_size (info),
                   (gulong) limits->max_size);
      return FALSE;
    }
  if (n_members > limits->max_members)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_LIMIT_EXCEEDED,
                   _("The listener described %lu types, interfaces, methods, signals and "
                     "properties, more than the limit of %u"), (gulong) n_members,
                   limits->max_members);
      return FALSE;
    }
  return TRUE;
}

PpDescription *
pp_description_parse (GVariant                   *info,
                      const PpDescriptionLimits  *limits,
                      gboolean                   *out_unix_fds,
                      GError                    **error)
{
  g_autoptr(PpDescription) self = NULL;
  g_autoptr(GVariant) owned = NULL;
  GVariant *values[N_KEYS] = { NULL, };
  gboolean parsed;

  owned = g_variant_ref_sink (info);
  if (!g_variant_is_of_type (info, G_VARIANT_TYPE_VARDICT))
    {
      invalid (error, _("it is of type %s, not a{sv}"), g_variant_get_type_string (info));
      return NULL;
    }

  parsed = lookup_keys (info, values, error) &&
           check_limits (info, values[KEY_TYPE_CHAIN], values[KEY_INTERFACES],
                         values[KEY_REFUSED_INTERFACES], values[KEY_METHODS],
                         values[KEY_REFUSED_METHODS], values[KEY_SIGNALS],
                         values[KEY_PROPERTIES], limits, error);
  if (parsed && values[KEY_TYPE_NAME] == NULL)
    parsed = invalid (error, _("it has no type name"));
  if (parsed)
    {
      self = pp_description_new (g_variant_get_string (values[KEY_TYPE_NAME], NULL));
      parsed = parse_type_names (self, values[KEY_TYPE_CHAIN], pp_description_add_chain_type) &&
               parse_type_names (self, values[KEY_INTERFACES], pp_description_add_interface) &&
               parse_refused (self, values[KEY_REFUSED_INTERFACES], FALSE, error) &&
               parse_methods (self, values[KEY_METHODS], error) &&
               parse_refused (self, values[KEY_REFUSED_METHODS], TRUE, error) &&
               parse_signals (self, values[KEY_SIGNALS], error) &&
               parse_properties (self, values[KEY_PROPERTIES], error);
    }
  if (parsed && out_unix_fds != NULL)
    *out_unix_fds = values[KEY_UNIX_FDS] != NULL && g_variant_get_boolean (values[KEY_UNIX_FDS]);

  for (guint k = 0; k < N_KEYS; k++)
    g_clear_pointer (&values[k], g_variant_unref);
  if (!parsed)
    return NULL;
  self->variant = g_steal_pointer (&owned);
  return g_steal_pointer (&self);
}

/* Reading ------------------------------------------------------------------ */

const char *
pp_description_get_type_name (PpDescription *self)
{
  return self->type_name;
}

GVariant *
pp_description_get_variant (PpDescription *self)
{
  if (g_once_init_enter (&self->variant))
    g_once_init_leave (&self->variant,
                               g_variant_ref_sink (pp_description_serialize (self, FALSE)));
  return self->variant;
}

static void
checksum_string (GChecksum  *checksum,
                 const char *string)
{
  g_checksum_update (checksum, (const guchar *) string, strlen (string) + 1);
}

static void
checksum_uint (GChecksum *checksum,
               guint32    value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_checksum_update (checksum, (const guchar *) &le, sizeof le);
}

static void
checksum_strings (GChecksum          *checksum,
                  const char * const *strings,
                  guint               n)
{
  checksum_uint (checksum, n);
  for (guint i = 0; i < n; i++)
    checksum_string (checksum, strings[i]);
}

/* Every field but the property values and unix-fds, each list after its
 * length, so that the hash is the same exactly for the same promises */
static char *
compute_hash (PpDescription *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  checksum_string (checksum, self->type_name);
  checksum_strings (checksum, (const char * const *) self->type_chain->pdata,
                    self->type_chain->len);
  checksum_strings (checksum, (const char * const *) self->interfaces->pdata,
                    self->interfaces->len);
  checksum_uint (checksum, self->refused_interfaces->len);
  for (guint i = 0; i < self->refused_interfaces->len; i++)
    {
      const char *name = g_ptr_array_index (self->refused_interfaces, i);

      checksum_string (checksum, name);
      checksum_string (checksum, g_hash_table_lookup (self->interface_reasons, name));
    }

  checksum_uint (checksum, self->methods->len);
  for (guint i = 0; i < self->methods->len; i++)
    {
      const PpDescribedMethod *m = &g_array_index (self->methods, PpDescribedMethod, i);

      checksum_string (checksum, m->name);
      checksum_string (checksum, m->in_signature);
      checksum_string (checksum, m->out_signature);
      checksum_uint (checksum, m->throws);
      checksum_uint (checksum, m->dispatch);
      checksum_string (checksum, m->reason);
    }

  checksum_uint (checksum, self->signals->len);
  for (guint i = 0; i < self->signals->len; i++)
    {
      const PpDescribedSignal *s = &g_array_index (self->signals, PpDescribedSignal, i);

      checksum_string (checksum, s->name);
      checksum_uint (checksum, s->flags);
      checksum_strings (checksum, s->arg_type_names, s->n_args);
      checksum_string (checksum, s->signature);
      checksum_string (checksum, s->reason);
    }

  checksum_uint (checksum, self->properties->len);
  for (guint i = 0; i < self->properties->len; i++)
    {
      const PpDescribedProperty *p = &g_array_index (self->properties, PpDescribedProperty, i);

      checksum_string (checksum, p->name);
      checksum_uint (checksum, p->flags);
      checksum_string (checksum, p->type_name);
      checksum_string (checksum, p->signature);
      checksum_string (checksum, p->reason);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

const char *
pp_description_get_hash (PpDescription *self)
{
  if (g_once_init_enter (&self->hash))
    g_once_init_leave (&self->hash, compute_hash (self));
  return self->hash;
}

guint
pp_description_get_n_methods (PpDescription *self)
{
  return self->methods->len;
}

const PpDescribedMethod *
pp_description_get_method (PpDescription *self,
                           guint          index)
{
  return &g_array_index (self->methods, PpDescribedMethod, index);
}

const PpDescribedMethod *
pp_description_lookup_method (PpDescription *self,
                              const char    *name)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->method_index, name));
  const PpDescribedMethod *method;

  if (index == 0 && strchr (name, '_') != NULL)
    {
      g_autofree char *dashed = g_strdelimit (g_strdup (name), "_", '-');

      index = GPOINTER_TO_UINT (g_hash_table_lookup (self->method_index, dashed));
      method = index ? pp_description_get_method (self, index - 1) : NULL;
      return method && method->dispatch == PP_METHOD_DISPATCH_ACTION_SIGNAL &&
             *method->reason == '\0' ? method : NULL;
    }
  method = index ? pp_description_get_method (self, index - 1) : NULL;
  return method && *method->reason == '\0' ? method : NULL;
}

guint
pp_description_get_n_signals (PpDescription *self)
{
  return self->signals->len;
}

const PpDescribedSignal *
pp_description_get_signal (PpDescription *self,
                           guint          index)
{
  return &g_array_index (self->signals, PpDescribedSignal, index);
}

int
pp_description_find_signal (PpDescription *self,
                            const char    *name)
{
  return find_canonical (self->signal_index, name);
}

guint
pp_description_get_n_properties (PpDescription *self)
{
  return self->properties->len;
}

const PpDescribedProperty *
pp_description_get_property (PpDescription *self,
                             guint          index)
{
  return &g_array_index (self->properties, PpDescribedProperty, index);
}

int
pp_description_find_property (PpDescription *self,
                              const char    *name)
{
  return find_canonical (self->property_index, name);
}

guint
pp_description_get_n_interfaces (PpDescription *self)
{
  return self->interfaces->len;
}

const char *
pp_description_get_interface (PpDescription *self,
                              guint          index)
{
  return g_ptr_array_index (self->interfaces, index);
}

const char *
pp_description_get_interface_reason (PpDescription *self,
                                     const char    *type_name)
{
  return g_hash_table_lookup (self->interface_reasons, type_name);
}
