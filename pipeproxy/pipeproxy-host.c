/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pipeproxy-host [--sandbox[=LIST]] [--stdio] [--constructor=NAME [--arguments=TUPLE]]
 *                NAMESPACE VERSION TYPE [PROPERTY=VALUE…]
 *
 * Started by pp_proxy_new_for_type_sync() and _full_sync(): makes an object
 * of any type named through GObject-Introspection and serves it to the
 * parent, so that no child code has to be written. A refusal (unknown
 * type, bad property) goes to the parent as the reason its proxy could not
 * be made, and only there: the parent says it (the host prints it only
 * when nobody else can).
 *
 * --stdio serves on standard input and output instead of the inherited
 * connection, for pp_proxy_new_for_command_sync(): run through ssh, it
 * serves a proxy on another machine.
 *
 * --constructor makes the object with a function of the class or interface
 * (`new` of Gtk.StringList, `new_for_path` of Gio.File) called with the
 * arguments of --arguments, a tuple in GVariant text format converted as a
 * method's arguments are; the properties are then set on the object. Without
 * it the object is made with g_object_new() and the properties as construct
 * properties.
 *
 * --sandbox adds the sandbox LIST names (nicks of PpSandboxFlags separated
 * by commas, "syscalls,filesystem" when not given) to what the parent asked
 * for in PIPEPROXY_SANDBOX, for a parent that starts the host itself. The
 * object is made, and its typelibs loaded, before the sandbox applies. */

#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "pp-error.h"
#include "pp-error-private.h"
#include "pp-introspection-private.h"
#include "pp-listener-private.h"
#include "pp-marshal-private.h"
#include "pp-method-private.h"
#include "pp-serve-private.h"
#include "pp-stream.h"
#include "pp-subprocess.h"

/* "name=value": the value in GVariant text format, or plain text for a
 * string */
static gboolean
parse_property (GObjectClass  *klass,
                const char    *assignment,
                gboolean       constructed,
                const char   **out_name,
                GValue        *value,
                GError       **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *equals = strchr (assignment, '=');
  GParamSpec *pspec;

  if (equals == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” is not of the form name=value"), assignment);
      return FALSE;
    }
  name = g_strndup (assignment, equals - assignment);
  pspec = g_object_class_find_property (klass, name);
  if (pspec == NULL || !(pspec->flags & G_PARAM_WRITABLE))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("%s has no property “%s” that can be set"),
                   G_OBJECT_CLASS_NAME (klass), name);
      return FALSE;
    }
  /* Set on an object a constructor made, it would only warn */
  if (constructed && (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Property “%s” of %s can only be set by its constructor"),
                   name, G_OBJECT_CLASS_NAME (klass));
      return FALSE;
    }
  if (!pp_marshal_gtype_signature (pspec->value_type, signature, error))
    return FALSE;

  variant = g_variant_parse (G_VARIANT_TYPE (signature->str), equals + 1, NULL, NULL,
                             &parse_error);
  if (variant == NULL && g_str_equal (signature->str, "s"))
    variant = g_variant_ref_sink (g_variant_new_string (equals + 1));
  if (variant == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Property “%s” of %s takes a value of type %s: %s"),
                   name, G_OBJECT_CLASS_NAME (klass), signature->str, parse_error->message);
      return FALSE;
    }
  if (!pp_marshal_value_from_variant (variant, pspec->value_type, value, error))
    return FALSE;
  if (g_param_value_validate (pspec, value))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("“%s” is not a valid value for property “%s” of %s"),
                   equals + 1, name, G_OBJECT_CLASS_NAME (klass));
      return FALSE;
    }
  *out_name = pspec->name;
  return TRUE;
}

static GObject *
new_object_with_properties (GType                type,
                            const char * const  *properties,
                            GError             **error)
{
  g_autoptr(GTypeClass) type_class = g_type_class_ref (type);
  guint n_properties = properties ? g_strv_length ((char **) properties) : 0;
  g_autofree const char **names = g_new0 (const char *, MAX (n_properties, 1));
  g_autofree GValue *values = g_new0 (GValue, MAX (n_properties, 1));
  GObject *object = NULL;
  guint n_set = 0;

  for (; n_set < n_properties; n_set++)
    if (!parse_property (G_OBJECT_CLASS (type_class), properties[n_set], FALSE, &names[n_set],
                         &values[n_set], error))
      goto out;

  object = g_object_new_with_properties (type, n_properties, names, values);
  if (G_IS_INITABLE (object) && !g_initable_init (G_INITABLE (object), NULL, error))
    g_clear_object (&object);

out:
  for (guint i = 0; i < n_set; i++)
    g_value_unset (&values[i]);
  return object;
}

/* By a constructor function, then the properties are set */
static GObject *
new_object_with_constructor (const char         *namespace_,
                             const char         *version,
                             const char         *type_name,
                             const char         *constructor,
                             const char         *arguments,
                             const char * const *properties,
                             GError            **error)
{
  g_autoptr(PpMethod) method = NULL;
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GObject) object = NULL;
  g_autoptr(GError) parse_error = NULL;

  method = pp_introspection_lookup_constructor (namespace_, version, type_name, constructor,
                                                error);
  if (method == NULL)
    return NULL;

  args = g_variant_parse (NULL, arguments ? arguments : "()", NULL, NULL, &parse_error);
  if (args == NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("The arguments of “%s” are not a GVariant tuple: %s"), constructor,
                   parse_error->message);
      return NULL;
    }
  object = pp_method_invoke_constructor (method, args, error);
  if (object == NULL)
    return NULL;
  if (G_IS_INITABLE (object) && !g_initable_init (G_INITABLE (object), NULL, error))
    return NULL;

  for (guint i = 0; properties != NULL && properties[i] != NULL; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      const char *name;

      if (!parse_property (G_OBJECT_GET_CLASS (object), properties[i], TRUE, &name, &value,
                           error))
        return NULL;
      g_object_set_property (object, name, &value);
    }
  return g_steal_pointer (&object);
}

static GObject *
new_object (const char         *namespace_,
            const char         *version,
            const char         *type_name,
            const char * const *properties,
            GError            **error)
{
  GType type = pp_introspection_find_class (namespace_, version, type_name, error);

  if (type == G_TYPE_INVALID)
    return NULL;
  if (!g_type_is_a (type, G_TYPE_OBJECT))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("%s.%s is not a GObject class"), namespace_, type_name);
      return NULL;
    }
  if (G_TYPE_IS_ABSTRACT (type))
    {
      g_set_error (error, PP_ERROR, PP_ERROR_UNSUPPORTED_TYPE,
                   _("%s.%s is abstract: it has no instances of its own"), namespace_, type_name);
      return NULL;
    }
  return new_object_with_properties (type, properties, error);
}

/* The peer learns why from the answer to its handshake; the reason is
 * printed only when there is no peer to tell */
static void
refuse (GIOStream    *stream,
        const GError *reason)
{
  g_autoptr(GIOStream) parent = NULL;
  g_autoptr(GError) error = NULL;

  if (stream == NULL)
    stream = parent = pp_serve_parent_stream (NULL);
  if (stream != NULL && pp_listener_refuse (stream, reason, &error))
    return;

  g_printerr ("pipeproxy-host: %s\n", reason->message);
  if (error != NULL)
    g_printerr ("pipeproxy-host: %s\n", error->message);
}

/* pp_serve_parent() applies it, and refuses what it does not understand */
static void
add_sandbox (const char *list)
{
  const char *asked = g_getenv (PP_SUBPROCESS_SANDBOX_VARIABLE);
  g_autofree char *value = asked && *asked ? g_strconcat (asked, ",", list, NULL) : g_strdup (list);

  g_setenv (PP_SUBPROCESS_SANDBOX_VARIABLE, value, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const char *constructor = NULL;
  const char *arguments = NULL;
  gboolean stdio = FALSE;
  gboolean told_peer = FALSE;
  int first = 1;

  /* Refusals and the usage in the language of the environment */
  setlocale (LC_ALL, "");
  pp_i18n_init ();

  for (; first < argc && g_str_has_prefix (argv[first], "--"); first++)
    {
      const char *option = argv[first];

      if (g_str_equal (option, "--stdio"))
        stdio = TRUE;
      else if (g_str_equal (option, "--sandbox"))
        add_sandbox ("syscalls,filesystem");
      else if (g_str_has_prefix (option, "--sandbox="))
        add_sandbox (option + strlen ("--sandbox="));
      else if (g_str_has_prefix (option, "--constructor="))
        constructor = option + strlen ("--constructor=");
      else if (g_str_has_prefix (option, "--arguments="))
        arguments = option + strlen ("--arguments=");
      else
        break;
    }

  if (argc - first < 3 || g_str_has_prefix (argv[first], "-"))
    {
      g_printerr ("%s\n", _("Usage: pipeproxy-host [--sandbox[=LIST]] [--stdio] "
                            "[--constructor=NAME [--arguments=TUPLE]] NAMESPACE VERSION TYPE "
                            "[PROPERTY=VALUE…]"));
      return 2;
    }

  /* Before anything can print to stdout */
  if (stdio && (stream = pp_serve_stdio_stream (&error)) == NULL)
    {
      g_printerr ("pipeproxy-host: %s\n", error->message);
      return 1;
    }

  if (constructor != NULL)
    object = new_object_with_constructor (argv[first], argv[first + 1], argv[first + 2],
                                          constructor, arguments,
                                          (const char * const *) argv + first + 3, &error);
  else
    object = new_object (argv[first], argv[first + 1], argv[first + 2],
                         (const char * const *) argv + first + 3, &error);
  if (object == NULL)
    {
      refuse (stream, error);
      return 2;
    }

  if (stream == NULL && (stream = pp_serve_parent_stream (&error)) == NULL)
    {
      g_printerr ("pipeproxy-host: %s\n", error->message);
      return 1;
    }
  if (!pp_serve_stream (object, stream, &told_peer, &error))
    {
      if (!told_peer)
        g_printerr ("pipeproxy-host: %s\n", error->message);
      return 1;
    }
  return 0;
}
