/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-marshal-private.h"
#include "pp-preconditions-private.h"
#include "pp-variant-private.h"

/* A rule sees the call's arguments, checked against @in_signature, and
 * the object; @data is the rule's own. */
typedef gboolean (*CheckFunc) (GObject     *object,
                               const char  *method,
                               GVariant    *parameters,
                               const char  *data,
                               GError     **error);

typedef struct
{
  const char   *type_name;          /* the class or interface of the method */
  const char   *method;
  const char   *in_signature;       /* the rule applies to this method only;
                                     * NULL: to any signature of the name;
                                     * PROPERTY: @method names a property */
  CheckFunc     check;
  const char   *data;
} Rule;

/* In a rule's in_signature: the rule is a property's, not a method's:
 * PROPERTY for setting it, with the value as a call's (mv);
 * PROPERTY_READ for reading it, with no arguments */
static const char property_rule[] = "property";
static const char property_read_rule[] = "property read";
#define PROPERTY property_rule
#define PROPERTY_READ property_read_rule

struct _PpPreconditions
{
  GPtrArray *rules;   /* const Rule *, those of one type */
};

typedef enum
{
  ACTION_PARAMETER,
  ACTION_STATE,
  SETTINGS_KEY,
} ValueKind;

/* A value (NULL for none) that must be of @expected (NULL for none), for
 * the action or key @name */
static gboolean
check_type (ValueKind            kind,
            const GVariantType  *expected,
            GVariant            *value,
            const char          *method,
            const char          *name,
            GError             **error)
{
  const char *got = value ? g_variant_get_type_string (value) : NULL;
  int length = expected ? (int) g_variant_type_get_string_length (expected) : 0;
  const char *type = expected ? g_variant_type_peek_string (expected) : NULL;

  /* An action without a parameter type takes none; a state, which a
   * property may be set to NULL for, is always one of the state type */
  if (expected == NULL ? value == NULL && kind != ACTION_STATE
                       : value != NULL && g_variant_is_of_type (value, expected))
    return TRUE;

  switch (kind)
    {
    case ACTION_PARAMETER:
      if (expected == NULL)
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("“%s”: action “%s” takes no parameter, got %s"), method, name, got);
      else if (value == NULL)
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("“%s”: action “%s” takes a parameter of type %.*s, got none"),
                     method, name, length, type);
      else
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("“%s”: action “%s” takes a parameter of type %.*s, got %s"),
                     method, name, length, type, got);
      break;
    case ACTION_STATE:
      if (expected == NULL)
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("“%s”: action “%s” has no state"), method, name);
      else if (value == NULL)
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("“%s”: the state of action “%s” is of type %.*s, got none"),
                     method, name, length, type);
      else
        g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                     _("“%s”: the state of action “%s” is of type %.*s, got %s"),
                     method, name, length, type, got);
      break;
    case SETTINGS_KEY:
    default:
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s”: key “%s” is of type %.*s, got %s"),
                   method, name, length, type, got ? got : "");
      break;
    }
  return FALSE;
}

/* The child @index of @parameters, a maybe or a variant, unwrapped: NULL
 * for nothing */
static GVariant *
get_value (GVariant *parameters,
           gsize     index)
{
  g_autoptr(GVariant) child = g_variant_get_child_value (parameters, index);

  if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT))
    return pp_variant_get_variant (child);
  if (g_variant_is_of_type (child, G_VARIANT_TYPE_MAYBE))
    {
      g_autoptr(GVariant) inner = g_variant_get_maybe (child);

      return inner != NULL && g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT)
             ? pp_variant_get_variant (inner) : g_steal_pointer (&inner);
    }
  return g_steal_pointer (&child);
}

/* A string value, NULL for none */
static const char *
get_string (GVariant *value)
{
  return value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
         ? g_variant_get_string (value, NULL) : NULL;
}

/* Methods that are the implementation's to call ---------------------------- */

static gboolean
refuse (GObject     *object,
        const char  *method,
        GVariant    *parameters,
        const char  *data,
        GError     **error)
{
  g_set_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED,
               _("Method “%s” of %s announces a change to the object's users: "
                 "only the object may call it"),
               method, G_OBJECT_TYPE_NAME (object));
  return FALSE;
}

/* GAction ---------------------------------------------------------------- */

/* With @data "parameter", (mv) a parameter of the action's
 * parameter type, or none without one; with "state", (v) or, for the
 * "state" property, (mv), a state of its state type, which it must have */
static gboolean
check_action (GObject     *object,
              const char  *method,
              GVariant    *parameters,
              const char  *data,
              GError     **error)
{
  GAction *action = G_ACTION (object);
  gboolean state = g_str_equal (data, "state");
  g_autoptr(GVariant) value = get_value (parameters, 0);

  return check_type (state ? ACTION_STATE : ACTION_PARAMETER,
                     state ? g_action_get_state_type (action) : g_action_get_parameter_type (action),
                     value, method, g_action_get_name (action), error);
}

/* GActionGroup: (s…) the name of an action, then its parameter or state.
 * A name the group does not know is the group's business. */
static gboolean
check_group_action (GObject     *object,
                    const char  *method,
                    GVariant    *parameters,
                    const char  *data,
                    GError     **error)
{
  gboolean state = g_str_equal (data, "state");
  const GVariantType *parameter_type = NULL;
  const GVariantType *state_type = NULL;
  g_autoptr(GVariant) value = get_value (parameters, 1);
  const char *name;

  g_variant_get_child (parameters, 0, "&s", &name);
  if (!g_action_group_query_action (G_ACTION_GROUP (object), name, NULL, &parameter_type,
                                    &state_type, NULL, NULL))
    return TRUE;
  if (state)
    return check_type (ACTION_STATE, state_type, value, method, name, error);
  return check_type (ACTION_PARAMETER, parameter_type, value, method, name, error);
}

/* Properties of GIO's and GTK's types ------------------------------------ */

/* With @data "registered", an application that is: what it knows of
 * other instances, g_application_get_is_remote() asserts it; with
 * "unregistered", one that is not yet, for what only changes before
 * (flags it has already are no change, which g_application_set_flags()
 * lets through) */
static gboolean
check_application (GObject     *object,
                   const char  *method,
                   GVariant    *parameters,
                   const char  *data,
                   GError     **error)
{
  GApplication *application = G_APPLICATION (object);
  gboolean registered = g_application_get_is_registered (application);
  g_autoptr(GVariant) value = NULL;

  if (g_str_equal (data, "registered"))
    {
      if (!registered)
        g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
                     _("“%s”: the application is not registered"), method);
      return registered;
    }
  value = get_value (parameters, 0);
  if (!registered ||
      (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) &&
       g_variant_get_uint32 (value) == (guint32) g_application_get_flags (application)))
    return TRUE;
  g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
               _("“%s”: the application is registered already"), method);
  return FALSE;
}

/* An application ID that g_application_id_is_valid(), or none; only
 * before the application is registered, unless it is the same */
static gboolean
check_application_id (GObject     *object,
                      const char  *method,
                      GVariant    *parameters,
                      const char  *data,
                      GError     **error)
{
  GApplication *application = G_APPLICATION (object);
  g_autoptr(GVariant) value = get_value (parameters, 0);
  const char *id = get_string (value);

  if (g_strcmp0 (id, g_application_get_application_id (application)) == 0)
    return TRUE;
  if (id != NULL && !g_application_id_is_valid (id))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s”: “%s” is not a valid application ID"), method, id);
      return FALSE;
    }
  return check_application (object, method, parameters, "unregistered", error);
}

/* A socket of the Internet: GSocket meets any other with a critical when
 * its time to live or multicast options are read or set */
static gboolean
check_socket_inet (GObject     *object,
                   const char  *method,
                   GVariant    *parameters,
                   const char  *data,
                   GError     **error)
{
  GSocketFamily family = g_socket_get_family (G_SOCKET (object));

  if (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6)
    return TRUE;
  g_set_error (error, PP_ERROR, PP_ERROR_FAILED,
               _("“%s”: the socket is not an IPv4 or IPv6 socket"), method);
  return FALSE;
}

/* A string property's value: with @data "uri", a URI that
 * g_uri_is_valid(), or none; with "path", a path that starts with "/",
 * or none; with "object-path", a D-Bus object path, or none; with
 * "value", anything but none (of any property), for a setter that
 * asserts a value though its GParamSpec takes NULL */
static gboolean
check_string (GObject     *object,
              const char  *method,
              GVariant    *parameters,
              const char  *data,
              GError     **error)
{
  g_autoptr(GVariant) value = get_value (parameters, 0);
  const char *text = get_string (value);

  if (value == NULL || text == NULL)
    {
      if (!g_str_equal (data, "value") || value != NULL)
        return TRUE;
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s”: %s takes a value, not none"), method, G_OBJECT_TYPE_NAME (object));
      return FALSE;
    }
  if (g_str_equal (data, "uri") && !g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL))
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                 _("“%s”: “%s” is not a URI"), method, text);
  else if (g_str_equal (data, "path") && text[0] != '/')
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                 _("“%s”: “%s” is not a resource path"), method, text);
  else if (g_str_equal (data, "object-path") && !g_variant_is_object_path (text))
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                 _("“%s”: “%s” is not a D-Bus object path"), method, text);
  else
    return TRUE;
  return FALSE;
}

/* GtkTextTag:size-points: a size in points that Pango units (1024 to the
 * point) can hold, which pango_font_description_set_size() asserts of
 * the product */
static gboolean
check_font_points (GObject     *object,
                   const char  *method,
                   GVariant    *parameters,
                   const char  *data,
                   GError     **error)
{
  g_autoptr(GVariant) value = get_value (parameters, 0);
  double points = 0;

  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    points = g_variant_get_double (value);
  if (points >= 0 && points <= G_MAXINT / 1024)
    return TRUE;
  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("“%s”: a size of %g points is out of range"), method, points);
  return FALSE;
}

/* GSettings -------------------------------------------------------------- */

/* The key named by the first argument, which the schema must have: GLib
 * aborts the process for a key it does not have */
static GSettingsSchemaKey *
settings_key (GObject     *object,
              const char  *method,
              GVariant    *parameters,
              GError     **error)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  const char *key;

  g_object_get (object, "settings-schema", &schema, NULL);
  g_variant_get_child (parameters, 0, "&s", &key);
  if (schema == NULL || !g_settings_schema_has_key (schema, key))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s”: schema “%s” has no key “%s”"), method,
                   schema ? g_settings_schema_get_id (schema) : "", key);
      return NULL;
    }
  return g_settings_schema_get_key (schema, key);
}

/* Any key the schema has */
static gboolean
check_settings_key (GObject     *object,
                    const char  *method,
                    GVariant    *parameters,
                    const char  *data,
                    GError     **error)
{
  g_autoptr(GSettingsSchemaKey) key = settings_key (object, method, parameters, error);

  return key != NULL;
}

/* A key whose values are of one of the types in @data, separated by
 * spaces (e.g. "s o g"), or "enum" or "flags" for a key of that kind */
static gboolean
check_settings_key_type (GObject     *object,
                         const char  *method,
                         GVariant    *parameters,
                         const char  *data,
                         GError     **error)
{
  g_autoptr(GSettingsSchemaKey) key = settings_key (object, method, parameters, error);
  g_auto(GStrv) types = NULL;
  g_autoptr(GVariant) range = NULL;
  const GVariantType *type;
  const char *kind;

  if (key == NULL)
    return FALSE;

  if (g_str_equal (data, "enum") || g_str_equal (data, "flags"))
    {
      range = g_settings_schema_key_get_range (key);
      g_variant_get (range, "(&sv)", &kind, NULL);
      if (g_str_equal (kind, data))
        return TRUE;
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   g_str_equal (data, "enum") ? _("“%s”: key “%s” is not of an enumerated type")
                                              : _("“%s”: key “%s” is not of a flags type"),
                   method, g_settings_schema_key_get_name (key));
      return FALSE;
    }

  type = g_settings_schema_key_get_value_type (key);
  types = g_strsplit (data, " ", -1);
  for (guint i = 0; types[i] != NULL; i++)
    if (g_variant_type_equal (type, G_VARIANT_TYPE (types[i])))
      return TRUE;
  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("“%s”: key “%s” is of type %.*s"), method, g_settings_schema_key_get_name (key),
               (int) g_variant_type_get_string_length (type), g_variant_type_peek_string (type));
  return FALSE;
}

/* A key, then its new value: of the key's type; with @data "range", also
 * within its range, which GLib only warns about */
static gboolean
check_settings_value (GObject     *object,
                      const char  *method,
                      GVariant    *parameters,
                      const char  *data,
                      GError     **error)
{
  g_autoptr(GSettingsSchemaKey) key = settings_key (object, method, parameters, error);
  g_autoptr(GVariant) value = NULL;

  if (key == NULL)
    return FALSE;

  value = get_value (parameters, 1);
  /* g_settings_set_strv() takes NULL for the empty list */
  if (value == NULL && g_str_equal (method, "set_strv"))
    value = g_variant_ref_sink (g_variant_new_strv (NULL, 0));
  if (!check_type (SETTINGS_KEY, g_settings_schema_key_get_value_type (key), value, method,
                   g_settings_schema_key_get_name (key), error))
    return FALSE;
  if (g_str_equal (data, "range") && !g_settings_schema_key_range_check (key, value))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s”: the value is outside the range of key “%s”"), method,
                   g_settings_schema_key_get_name (key));
      return FALSE;
    }
  return TRUE;
}

/* GMenuModel ------------------------------------------------------------- */

/* (i…) the position of an item, which must exist: GMenu reads past the
 * end of its array for any other */
static gboolean
check_menu_item (GObject     *object,
                 const char  *method,
                 GVariant    *parameters,
                 const char  *data,
                 GError     **error)
{
  g_autoptr(GVariant) first = NULL;
  int n_items = g_menu_model_get_n_items (G_MENU_MODEL (object));
  gint32 position;

  if (g_variant_n_children (parameters) == 0)
    return TRUE;
  first = g_variant_get_child_value (parameters, 0);
  if (!g_variant_is_of_type (first, G_VARIANT_TYPE_INT32))
    return TRUE;
  position = g_variant_get_int32 (first);
  if (position >= 0 && position < n_items)
    return TRUE;
  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("“%s”: the menu has no item %d, it has %d"), method, position, n_items);
  return FALSE;
}

/* (…s…) a detailed action name at the position given by @data, or none:
 * GMenuItem ends the process with g_error() for one it cannot parse */
static gboolean
check_detailed_action (GObject     *object,
                       const char  *method,
                       GVariant    *parameters,
                       const char  *data,
                       GError     **error)
{
  gsize index = (gsize) g_ascii_strtoull (data, NULL, 10);
  g_autoptr(GVariant) name = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autofree char *action = NULL;

  if (index >= g_variant_n_children (parameters))
    return TRUE;
  name = get_value (parameters, index);
  /* GLib 2.74 writes the action's name and target unasked */
  if (name == NULL || !g_variant_is_of_type (name, G_VARIANT_TYPE_STRING) ||
      g_action_parse_detailed_name (g_variant_get_string (name, NULL), &action, &target, NULL))
    return TRUE;
  g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
               _("“%s”: “%s” is not a detailed action name"), method,
               g_variant_get_string (name, NULL));
  return FALSE;
}

/* The table -------------------------------------------------------------- */

static const Rule rules[] = {
  /* GAction: GSimpleAction meets a wrong type with a critical */
  { "GAction", "activate", "(mv)", check_action, "parameter" },
  { "GAction", "change_state", "(v)", check_action, "state" },
  { "GSimpleAction", "set_state", "(v)", check_action, "state" },
  /* whose "state" property is set through g_simple_action_set_state() */
  { "GSimpleAction", "state", PROPERTY, check_action, "state" },

  { "GActionGroup", "activate_action", "(smv)", check_group_action, "parameter" },
  { "GActionGroup", "change_action_state", "(sv)", check_group_action, "state" },
  /* These emit GActionGroup's signals, for its implementation */
  { "GActionGroup", "action_added", "(s)", refuse, NULL },
  { "GActionGroup", "action_removed", "(s)", refuse, NULL },
  { "GActionGroup", "action_enabled_changed", "(sb)", refuse, NULL },
  { "GActionGroup", "action_state_changed", "(sv)", refuse, NULL },

  /* And these tell a list's users that it changed */
  { "GListModel", "items_changed", "(uuu)", refuse, NULL },
  { "GMenuModel", "items_changed", "(iii)", refuse, NULL },

  /* GMenuModel: GMenu takes any item position on trust and reads past its
   * items; any signature, as the expected type may be described either way */
  { "GMenuModel", "get_item_attribute_value", NULL, check_menu_item, NULL },
  { "GMenuModel", "get_item_link", NULL, check_menu_item, NULL },
  { "GMenuModel", "iterate_item_attributes", NULL, check_menu_item, NULL },
  { "GMenuModel", "iterate_item_links", NULL, check_menu_item, NULL },
  { "GMenu", "remove", "(i)", check_menu_item, NULL },
  /* GMenu and GMenuItem: a detailed action they cannot parse is g_error() */
  { "GMenu", "append", NULL, check_detailed_action, "1" },
  { "GMenu", "prepend", NULL, check_detailed_action, "1" },
  { "GMenu", "insert", NULL, check_detailed_action, "2" },
  { "GMenuItem", "set_detailed_action", NULL, check_detailed_action, "0" },

  /* GSettings: a key the schema does not have aborts the process; a value
   * of another type than the key's is a critical */
  { "GSettings", "get_value", "(s)", check_settings_key, NULL },
  { "GSettings", "get_user_value", "(s)", check_settings_key, NULL },
  { "GSettings", "get_default_value", "(s)", check_settings_key, NULL },
  { "GSettings", "reset", "(s)", check_settings_key, NULL },
  { "GSettings", "is_writable", "(s)", check_settings_key, NULL },
  { "GSettings", "get_range", "(s)", check_settings_key, NULL },
  { "GSettings", "get_string", "(s)", check_settings_key_type, "s o g" },
  { "GSettings", "get_boolean", "(s)", check_settings_key_type, "b" },
  { "GSettings", "get_int", "(s)", check_settings_key_type, "i" },
  { "GSettings", "get_int64", "(s)", check_settings_key_type, "x" },
  { "GSettings", "get_uint", "(s)", check_settings_key_type, "u" },
  { "GSettings", "get_uint64", "(s)", check_settings_key_type, "t" },
  { "GSettings", "get_double", "(s)", check_settings_key_type, "d" },
  { "GSettings", "get_strv", "(s)", check_settings_key_type, "as" },
  { "GSettings", "get_enum", "(s)", check_settings_key_type, "enum" },
  { "GSettings", "set_enum", "(si)", check_settings_key_type, "enum" },
  { "GSettings", "get_flags", "(s)", check_settings_key_type, "flags" },
  { "GSettings", "set_flags", "(su)", check_settings_key_type, "flags" },
  { "GSettings", "set_value", "(sv)", check_settings_value, "range" },
  { "GSettings", "set_string", "(ss)", check_settings_value, "range" },
  { "GSettings", "set_boolean", "(sb)", check_settings_value, "range" },
  { "GSettings", "set_int", "(si)", check_settings_value, "range" },
  { "GSettings", "set_int64", "(sx)", check_settings_value, "range" },
  { "GSettings", "set_uint", "(su)", check_settings_value, "range" },
  { "GSettings", "set_uint64", "(st)", check_settings_value, "range" },
  { "GSettings", "set_double", "(sd)", check_settings_value, "range" },
  { "GSettings", "set_strv", "(smas)", check_settings_value, "range" },
  { "GSettings", "range_check", "(sv)", check_settings_value, NULL },

  /* Properties whose getter or setter asserts more than the GParamSpec
   * says */
  { "GApplication", "is-remote", PROPERTY_READ, check_application, "registered" },
  { "GApplication", "application-id", PROPERTY, check_application_id, NULL },
  { "GApplication", "flags", PROPERTY, check_application, "unregistered" },
  { "GApplication", "resource-base-path", PROPERTY, check_string, "path" },
  { "GSocket", "ttl", PROPERTY_READ, check_socket_inet, NULL },
  { "GSocket", "ttl", PROPERTY, check_socket_inet, NULL },
  { "GSocket", "multicast-ttl", PROPERTY_READ, check_socket_inet, NULL },
  { "GSocket", "multicast-ttl", PROPERTY, check_socket_inet, NULL },
  { "GSocket", "multicast-loopback", PROPERTY_READ, check_socket_inet, NULL },
  { "GSocket", "multicast-loopback", PROPERTY, check_socket_inet, NULL },
  { "GSimpleProxyResolver", "default-proxy", PROPERTY, check_string, "uri" },
  { "GDBusObjectSkeleton", "g-object-path", PROPERTY, check_string, "object-path" },
  /* GTK's, found by name: a process without GTK has none of its types */
  { "GtkTextBuffer", "text", PROPERTY, check_string, "value" },
  { "GtkEntryBuffer", "text", PROPERTY, check_string, "value" },
  { "GtkTextTag", "tabs", PROPERTY, check_string, "value" },
  { "GtkTextTag", "size-points", PROPERTY, check_font_points, NULL },
};

PpPreconditions *
pp_preconditions_for_type (GType type)
{
  PpPreconditions *self = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      /* A type not registered yet is no type of the object's: asking for
       * it by name does not register GIO's action, menu and settings
       * types in every worker, which costs its start page faults */
      GType rule_type = g_type_from_name (rules[i].type_name);

      if (rule_type == 0 || !g_type_is_a (type, rule_type))
        continue;
      if (self == NULL)
        {
          self = g_new0 (PpPreconditions, 1);
          self->rules = g_ptr_array_new ();
        }
      g_ptr_array_add (self->rules, (gpointer) &rules[i]);
    }
  return self;
}

void
pp_preconditions_free (PpPreconditions *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->rules);
  g_free (self);
}

gboolean
pp_preconditions_check (PpPreconditions     *self,
                        GObject             *object,
                        const char          *method,
                        const GVariantType  *in_type,
                        GVariant            *parameters,
                        GError             **error)
{
  for (guint i = 0; i < self->rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (self->rules, i);

      if (!g_str_equal (rule->method, method) ||
          (rule->in_signature != NULL &&
           (rule->in_signature == PROPERTY || rule->in_signature == PROPERTY_READ ||
            !g_variant_type_equal (in_type, G_VARIANT_TYPE (rule->in_signature)))))
        continue;
      /* Arguments of another type fail on their signature, later */
      if (!g_variant_is_of_type (parameters, in_type))
        return TRUE;
      return rule->check (object, method, parameters, rule->data, error);
    }
  return TRUE;
}

/* The rule of @kind for the property @name, or NULL */
static const Rule *
property_rule_for (PpPreconditions *self,
                   const char      *kind,
                   const char      *name)
{
  for (guint i = 0; self != NULL && i < self->rules->len; i++)
    {
      const Rule *rule = g_ptr_array_index (self->rules, i);

      if (rule->in_signature == kind && g_str_equal (rule->method, name))
        return rule;
    }
  return NULL;
}

gboolean
pp_preconditions_check_property (PpPreconditions  *self,
                                 GObject          *object,
                                 const char       *name,
                                 const GValue     *value,
                                 GError          **error)
{
  const Rule *rule = property_rule_for (self, PROPERTY, name);
  g_autoptr(GVariant) parameters = NULL;
  GVariant *maybe = NULL;

  if (rule == NULL)
    return TRUE;
  /* The rules see the value as a call's (mv): a variant as itself, any
   * other value as it crosses */
  if (G_VALUE_HOLDS_VARIANT (value))
    {
      GVariant *variant = g_value_get_variant (value);

      maybe = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                   variant ? g_variant_new_variant (variant) : NULL);
    }
  else if (g_value_fits_pointer (value) && g_value_peek_pointer (value) == NULL)
    maybe = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
  else
    maybe = pp_marshal_value_to_maybe (value, NULL);
  /* A value that crosses as a reference is still a value */
  if (maybe == NULL)
    maybe = g_variant_new_maybe (NULL, g_variant_new_variant (g_variant_new_tuple (NULL, 0)));
  parameters = g_variant_ref_sink (g_variant_new_tuple (&maybe, 1));
  return rule->check (object, name, parameters, rule->data, error);
}

gboolean
pp_preconditions_check_read (PpPreconditions  *self,
                             GObject          *object,
                             const char       *name,
                             GError          **error)
{
  const Rule *rule = property_rule_for (self, PROPERTY_READ, name);

  return rule == NULL || rule->check (object, name, NULL, rule->data, error);
}
