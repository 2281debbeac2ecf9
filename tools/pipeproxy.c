/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pipeproxy: an object served by pipeproxy, from the command line, in the
 * spirit of gdbus(1).
 *
 *   pipeproxy describe TARGET               methods, refusals, signals, properties
 *   pipeproxy call TARGET METHOD [ARG…]     arguments and result in GVariant text
 *   pipeproxy watch TARGET                  signals and property changes as they come
 *   pipeproxy serve NAMESPACE VERSION TYPE  pipeproxy-host --stdio, from the PATH
 *
 * TARGET is NAMESPACE VERSION TYPE (an object made in a child by
 * pipeproxy-host), or --command, --worker or --fd for a peer started some
 * other way. The installed manual is pipeproxy(1), made from
 * tools/pipeproxy.1.in; `pipeproxy COMMAND --help` says the same. */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "pipeproxy.h"
#include "pp-error-private.h"
#include "pp-marshal-private.h"
#include "pp-sandbox-private.h"
#include "pp-variant-private.h"

/* Exit statuses: as gdbus, 1 when what was asked failed, and 2 for a
 * command line that could not be understood */
#define EXIT_FAILED 1
#define EXIT_USAGE  2

/* The peer: given by these options, or NAMESPACE VERSION TYPE */
static char     *opt_command;
static char     *opt_worker;
static int       opt_fd = -1;
static char    **opt_properties;
static char     *opt_sandbox;
static gboolean  opt_sandbox_given;
/* call: the call's time-out; watch: how long to watch (seconds) */
static double    opt_timeout = -1;
/* watch: how many events to print before stopping */
static int       opt_count;
/* --command or --worker, split into words */
static char    **child_argv;

static gboolean
parse_sandbox (const char  *option_name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  opt_sandbox_given = TRUE;
  g_free (opt_sandbox);
  opt_sandbox = g_strdup (value ? value : "syscalls,filesystem");
  return TRUE;
}

static const GOptionEntry target_entries[] = {
  { "prop", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &opt_properties,
    N_("Construct property of the object made, in GVariant text format (plain text for a "
       "string); may be repeated"), N_("NAME=VALUE") },
  { "sandbox", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_sandbox,
    N_("Sandbox the child (syscalls, filesystem, namespaces; syscalls,filesystem when no LIST "
       "is given)"), N_("LIST") },
  { "command", 'c', 0, G_OPTION_ARG_STRING, &opt_command,
    N_("Talk to the object served on the standard input and output of COMMAND (split like a "
       "shell would, not run by one), e.g. 'ssh host pipeproxy serve Gio 2.0 SimpleAction'"),
    N_("COMMAND") },
  { "worker", 'w', 0, G_OPTION_ARG_STRING, &opt_worker,
    N_("Talk to the object served by PROGRAM, started with its connection as file descriptor "
       "3 (a program that calls pp_serve_parent())"), N_("PROGRAM") },
  { "fd", 0, 0, G_OPTION_ARG_INT, &opt_fd,
    N_("Talk to the object served on the connected socket FD, inherited from whoever started "
       "this"), N_("FD") },
  G_OPTION_ENTRY_NULL
};

static const GOptionEntry call_entries[] = {
  { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &opt_timeout,
    N_("Give up on the call after SECONDS (25 unless given)"), N_("SECONDS") },
  G_OPTION_ENTRY_NULL
};

static const GOptionEntry watch_entries[] = {
  { "count", 'n', 0, G_OPTION_ARG_INT, &opt_count,
    N_("Stop after N signals and property changes"), N_("N") },
  { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &opt_timeout,
    N_("Stop after SECONDS"), N_("SECONDS") },
  G_OPTION_ENTRY_NULL
};

static void
print_error (const char *message)
{
  g_printerr ("pipeproxy: %s\n", message);
}

static int
usage_error (const char *command,
             const char *message)
{
  print_error (message);
  g_printerr (_("Try “pipeproxy %s --help”."), command);
  g_printerr ("\n");
  return EXIT_USAGE;
}

/* Connecting ------------------------------------------------------------- */

static const char *
host_path (void)
{
  const char *host = g_getenv ("PIPEPROXY_HOST");

  return host && *host ? host : PP_HOST_PATH;
}

/* Whether the peer is given by an option, or by NAMESPACE VERSION TYPE */
static gboolean
target_by_option (void)
{
  return opt_command != NULL || opt_worker != NULL || opt_fd >= 0;
}

static gboolean
check_target (const char  *command,
              int          n_args,
              GError     **error)
{
  int n_given = (opt_command != NULL) + (opt_worker != NULL) + (opt_fd >= 0);

  if (n_given > 1)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Give only one of --command, --worker and --fd"));
      return FALSE;
    }
  if (n_given == 0 && n_args < 3)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("Name the object’s type (NAMESPACE VERSION TYPE), or give --command, "
                     "--worker or --fd"));
      return FALSE;
    }
  if (n_given > 0 && opt_properties != NULL)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("--prop is for an object made from NAMESPACE VERSION TYPE"));
      return FALSE;
    }
  if ((opt_command != NULL || opt_fd >= 0) && opt_sandbox_given)
    {
      g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                   _("--sandbox is for a child started here: for --command, give "
                     "pipeproxy-host --sandbox in the command"));
      return FALSE;
    }
  if (opt_command != NULL || opt_worker != NULL)
    {
      if (!g_shell_parse_argv (opt_command ? opt_command : opt_worker, NULL, &child_argv, error))
        {
          g_prefix_error (error, "%s: ", opt_command ? "--command" : "--worker");
          return FALSE;
        }
    }
  return TRUE;
}

/* Makes the proxy. The peer's stderr is left as it is, so that what it
 * says is printed once, by itself, rather than again in our error. On
 * return, *@args points past NAMESPACE VERSION TYPE when they were used. */
static PpProxy *
connect_target (char   ***args,
                int      *n_args,
                GError  **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(PpOptions) options = pp_options_new ();
  PpSandboxFlags sandbox = PP_SANDBOX_NONE;
  char **type_args = *args;

  if (opt_sandbox_given && !pp_sandbox_flags_parse (opt_sandbox, &sandbox, error))
    return NULL;
  pp_options_set_sandbox (options, sandbox);

  if (opt_fd >= 0)
    {
      g_autoptr(GIOStream) stream = pp_stream_new_for_fd (opt_fd, error);

      if (stream == NULL)
        return NULL;
      return pp_proxy_new_sync (stream, options, NULL, error);
    }

  if (opt_command != NULL)
    return pp_proxy_new_for_command_sync (launcher, (const char * const *) child_argv, options,
                                          NULL, error);

  if (opt_worker != NULL)
    return pp_proxy_new_for_subprocess_sync (launcher, (const char * const *) child_argv,
                                             options, NULL, error);

  /* What pp_proxy_new_for_type_sync() runs, but with the host's stderr
   * ours: with the library's own launcher it would be passed on by a
   * thread, and its last lines lost when we exit right after the reply */
  {
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_auto(GStrv) argv = NULL;

    g_strv_builder_add (builder, host_path ());
    g_strv_builder_addv (builder, (const char **) (const char *[]) { type_args[0], type_args[1],
                                                                     type_args[2], NULL });
    if (opt_properties != NULL)
      g_strv_builder_addv (builder, (const char **) opt_properties);
    argv = g_strv_builder_end (builder);
    *args += 3;
    *n_args -= 3;
    return pp_proxy_new_for_subprocess_sync (launcher, (const char * const *) argv, options,
                                             NULL, error);
  }
}

/* Describing --------------------------------------------------------------- */

static int
compare_members (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (pp_member_get_name (*(PpMember **) a), pp_member_get_name (*(PpMember **) b));
}

/* The members of @model, sorted by name */
static GPtrArray *
sorted_members (GListModel *model,
                guint      *width)
{
  GPtrArray *members = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      PpMember *member = g_list_model_get_item (model, i);

      *width = MAX (*width, strlen (pp_member_get_name (member)));
      g_ptr_array_add (members, member);
    }
  g_ptr_array_sort (members, compare_members);
  return members;
}

typedef struct
{
  guint       bit;
  const char *nick;
} FlagName;

static const FlagName signal_flag_names[] = {
  { G_SIGNAL_RUN_FIRST, "run-first" },
  { G_SIGNAL_RUN_LAST, "run-last" },
  { G_SIGNAL_RUN_CLEANUP, "run-cleanup" },
  { G_SIGNAL_NO_RECURSE, "no-recurse" },
  { G_SIGNAL_DETAILED, "detailed" },
  { G_SIGNAL_ACTION, "action" },
  { G_SIGNAL_NO_HOOKS, "no-hooks" },
  { G_SIGNAL_DEPRECATED, "deprecated" },
  { 0, NULL }
};

static const FlagName param_flag_names[] = {
  { G_PARAM_READABLE, "readable" },
  { G_PARAM_WRITABLE, "writable" },
  { G_PARAM_CONSTRUCT, "construct" },
  { G_PARAM_CONSTRUCT_ONLY, "construct-only" },
  { G_PARAM_EXPLICIT_NOTIFY, "explicit-notify" },
  { G_PARAM_DEPRECATED, "deprecated" },
  { 0, NULL }
};

/* The names of the bits of @flags that are set */
static char *
flags_text (const FlagName *names,
            guint           flags)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (; names->nick != NULL; names++)
    {
      if ((flags & names->bit) == 0)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, names->nick);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
print_strings (const char *label,
               GVariant   *strv,
               gsize       skip)
{
  g_autofree const char **strings = strv ? g_variant_get_strv (strv, NULL) : NULL;
  g_autofree char *joined = NULL;

  if (strings == NULL || g_strv_length ((char **) strings) <= skip)
    return;
  joined = g_strjoinv (", ", (char **) strings + skip);
  g_print ("  %s: %s\n", label, joined);
}

/* Why @method cannot be called: what its reason says after the method's
 * name ("argument “target” has type …"), or all of it ("Method “ref” of
 * GSimpleAction may not be called from another process") */
static const char *
refusal_text (PpMember *method)
{
  const char *reason = pp_member_get_unavailable_reason (method);
  const char *name = strstr (reason, pp_member_get_name (method));
  const char *detail = name ? strstr (name + strlen (pp_member_get_name (method)), ": ") : NULL;

  return detail ? detail + 2 : reason;
}

static void
describe_methods (PpProxy *proxy)
{
  g_autoptr(GListModel) model = pp_proxy_list_methods (proxy);
  guint width = 0;
  g_autoptr(GPtrArray) methods = sorted_members (model, &width);
  gboolean any_refused = FALSE;

  g_print ("\n  methods:\n");
  for (guint i = 0; i < methods->len; i++)
    {
      PpMethodMember *method = g_ptr_array_index (methods, i);
      g_autoptr(GString) notes = g_string_new (NULL);

      if (!pp_member_get_available (PP_MEMBER (method)))
        {
          any_refused = TRUE;
          continue;
        }
      if (pp_method_member_get_throws (method))
        g_string_append (notes, "  throws");
      switch (pp_method_member_get_dispatch (method))
        {
        case PP_METHOD_DISPATCH_ASYNC:
          g_string_append (notes, "  async");
          break;
        case PP_METHOD_DISPATCH_ACTION_SIGNAL:
          g_string_append (notes, "  action signal");
          break;
        case PP_METHOD_DISPATCH_ADDED:
          g_string_append (notes, "  added");
          break;
        case PP_METHOD_DISPATCH_INTROSPECTED:
        default:
          break;
        }
      g_print ("    %-*s %s -> %s%s\n", (int) width, pp_member_get_name (PP_MEMBER (method)),
               pp_method_member_get_in_signature (method),
               pp_method_member_get_out_signature (method), notes->str);
    }

  if (!any_refused)
    return;
  g_print ("\n  refused methods:\n");
  for (guint i = 0; i < methods->len; i++)
    {
      PpMember *method = g_ptr_array_index (methods, i);

      if (!pp_member_get_available (method))
        g_print ("    %-*s %s\n", (int) width, pp_member_get_name (method),
                 refusal_text (method));
    }
}

static void
describe_signals (PpProxy *proxy)
{
  g_autoptr(GListModel) model = pp_proxy_list_signals (proxy);
  guint width = 0;
  g_autoptr(GPtrArray) signals = sorted_members (model, &width);

  if (signals->len == 0)
    return;
  g_print ("\n  signals:\n");
  for (guint i = 0; i < signals->len; i++)
    {
      PpSignalMember *signal = g_ptr_array_index (signals, i);
      const char *name = pp_member_get_name (PP_MEMBER (signal));
      g_autofree char *flags = NULL;

      if (!pp_member_get_available (PP_MEMBER (signal)))
        {
          g_print ("    %-*s not mirrored: %s\n", (int) width, name,
                   pp_member_get_unavailable_reason (PP_MEMBER (signal)));
          continue;
        }
      flags = flags_text (signal_flag_names, pp_signal_member_get_flags (signal));
      g_print ("    %-*s %s  %s\n", (int) width, name, pp_signal_member_get_signature (signal),
               flags);
    }
}

/* Each property's value at the handshake, by name */
static GHashTable *
property_values (PpProxy *proxy)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_variant_unref);
  GVariant *description = pp_proxy_get_description (proxy);
  g_autoptr(GVariant) properties = NULL;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  properties = description ? pp_variant_lookup_value (description, "properties",
                                                     G_VARIANT_TYPE ("a(susssmv)"))
                           : NULL;
  if (properties == NULL)
    return values;
  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "(&susss@mv)", &name, NULL, NULL, NULL, NULL, &value))
    g_hash_table_insert (values, g_strdup (name), value);
  return values;
}

static void
describe_properties (PpProxy *proxy)
{
  g_autoptr(GListModel) model = pp_proxy_list_properties (proxy);
  g_autoptr(GHashTable) values = property_values (proxy);
  guint width = 0;
  g_autoptr(GPtrArray) properties = sorted_members (model, &width);

  if (properties->len == 0)
    return;
  g_print ("\n  properties:\n");
  for (guint i = 0; i < properties->len; i++)
    {
      PpPropertyMember *property = g_ptr_array_index (properties, i);
      const char *name = pp_member_get_name (PP_MEMBER (property));
      GParamFlags flags = pp_property_member_get_flags (property);
      GVariant *maybe = g_hash_table_lookup (values, name);
      g_autoptr(GVariant) value = maybe ? g_variant_get_maybe (maybe) : NULL;
      g_autofree char *value_text = NULL;
      g_autofree char *flags_shown = NULL;

      if (!pp_member_get_available (PP_MEMBER (property)))
        {
          g_print ("    %-*s not mirrored: %s\n", (int) width, name,
                   pp_member_get_unavailable_reason (PP_MEMBER (property)));
          continue;
        }
      flags_shown = flags_text (param_flag_names, flags);
      if (value != NULL)
        {
          g_autoptr(GVariant) inner = pp_variant_get_variant (value);

          value_text = g_variant_print (inner, TRUE);
        }
      g_print ("    %-*s %-4s %s%s%s\n", (int) width, name,
               pp_property_member_get_signature (property), flags_shown,
               (flags & G_PARAM_READABLE) ? " = " : "",
               (flags & G_PARAM_READABLE) ? (value_text ? value_text : "nothing") : "");
    }
}

static int
cmd_describe (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) chain = NULL;
  g_autoptr(GVariant) interfaces = NULL;
  GVariant *description;
  char **args;
  int n_args;

  context = g_option_context_new (_("[NAMESPACE VERSION TYPE] — describe an object"));
  g_option_context_set_summary (context,
    _("Makes the object (or reaches it through --command, --worker or --fd) and prints what "
      "its peers can use: its methods with their in- and out-signatures, the methods they "
      "cannot call with the reason, its signals, and its properties with their flags, types "
      "and values."));
  g_option_context_add_main_entries (context, target_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("describe", error->message);

  args = argv + 1;
  n_args = argc - 1;
  if (!check_target ("describe", n_args, &error))
    return usage_error ("describe", error->message);
  if (n_args != (target_by_option () ? 0 : 3))
    return usage_error ("describe", _("Too many arguments"));

  proxy = connect_target (&args, &n_args, &error);
  if (proxy == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  description = pp_proxy_get_description (proxy);
  chain = pp_variant_lookup_value (description, "type-chain", G_VARIANT_TYPE_STRING_ARRAY);
  interfaces = pp_variant_lookup_value (description, "interfaces", G_VARIANT_TYPE_STRING_ARRAY);

  g_print ("type %s\n", pp_proxy_get_remote_type_name (proxy));
  print_strings ("parents", chain, 1);
  print_strings ("interfaces", interfaces, 0);
  describe_methods (proxy);
  describe_signals (proxy);
  describe_properties (proxy);
  return 0;
}

/* Calling --------------------------------------------------------------- */

static PpMethodMember *
find_method (PpProxy    *proxy,
             const char *name)
{
  g_autoptr(GListModel) model = pp_proxy_list_methods (proxy);

  /* '-' and '_' are the same, as in action signals' names */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (model, i);
      g_autofree char *a = g_strdelimit (g_strdup (pp_member_get_name (member)), "-", '_');
      g_autofree char *b = g_strdelimit (g_strdup (name), "-", '_');

      if (g_str_equal (a, b))
        return PP_METHOD_MEMBER (g_steal_pointer (&member));
    }
  return NULL;
}

/* One argument in GVariant text format; a string (or maybe string) also
 * as plain text */
static GVariant *
parse_argument (const char          *method,
                guint                index,
                const GVariantType  *type,
                const char          *text,
                GError             **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *context = NULL;
  GVariant *value;

  value = g_variant_parse (type, text, NULL, NULL, &parse_error);
  if (value != NULL)
    return value;
  if (type != NULL && g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    return g_variant_new_string (text);
  if (type != NULL && g_variant_type_equal (type, G_VARIANT_TYPE ("ms")))
    return g_variant_new_maybe (G_VARIANT_TYPE_STRING, g_variant_new_string (text));

  context = g_variant_parse_error_print_context (parse_error, text);
  if (type != NULL)
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                 _("Argument %u of “%s” is not a value of type %.*s in GVariant text format:\n%s"),
                 index + 1, method, (int) g_variant_type_get_string_length (type),
                 g_variant_type_peek_string (type), context);
  else
    g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                 _("Argument %u of “%s” is not a value in GVariant text format:\n%s"),
                 index + 1, method, context);
  return NULL;
}

/* The arguments as the method's in-signature says, or each as its text
 * says for a method the description does not list */
static GVariant *
parse_arguments (PpMethodMember  *member,
                 const char      *method,
                 char           **args,
                 int              n_args,
                 GError         **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  const GVariantType *type = NULL;
  gsize n_expected = 0;

  if (member != NULL)
    {
      const char *signature = pp_method_member_get_in_signature (member);

      n_expected = g_variant_type_n_items (G_VARIANT_TYPE (signature));
      if ((gsize) n_args != n_expected)
        {
          g_set_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "Method “%s” takes %lu argument %s, %d given",
                                    "Method “%s” takes %lu arguments %s, %d given",
                                    n_expected),
                       method, (gulong) n_expected, signature, n_args);
          return NULL;
        }
      type = g_variant_type_first (G_VARIANT_TYPE (signature));
    }

  for (int i = 0; i < n_args; i++)
    {
      GVariant *value = parse_argument (method, i, type, args[i], error);

      if (value == NULL)
        return NULL;
      /* g_variant_parse () gives a full reference, the constructors a
       * floating one: either way, one that the array now owns */
      g_ptr_array_add (values, g_variant_take_ref (value));
      if (type != NULL)
        type = g_variant_type_next (type);
    }
  return g_variant_new_tuple ((GVariant **) values->pdata, values->len);
}

static int
cmd_call (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(PpMethodMember) member = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GVariant *parameters;
  const char *method;
  char **args;
  int n_args;

  context = g_option_context_new (_("[NAMESPACE VERSION TYPE] METHOD [ARGUMENT…] — call a method"));
  g_option_context_set_summary (context,
    _("Calls METHOD with the ARGUMENTs, each in GVariant text format (“5”, “'text'”, "
      "“[1, 2]”, “<true>”; a string argument also as plain text), and prints the result tuple "
      "in GVariant text format. An argument that starts with “-” follows “--”."));
  g_option_context_add_main_entries (context, target_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, call_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("call", error->message);

  /* GOptionContext leaves the "--" that ends the options */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--"))
      {
        memmove (argv + i, argv + i + 1, (argc - i - 1) * sizeof (char *));
        argv[--argc] = NULL;
        break;
      }

  args = argv + 1;
  n_args = argc - 1;
  if (!check_target ("call", n_args, &error))
    return usage_error ("call", error->message);
  if (n_args < (target_by_option () ? 1 : 4))
    return usage_error ("call", _("Name the method to call"));

  proxy = connect_target (&args, &n_args, &error);
  if (proxy == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  method = args[0];
  member = find_method (proxy, method);
  /* A refused method: its reason is in the description, as the listener
   * would answer it */
  if (member != NULL && !pp_member_get_available (PP_MEMBER (member)))
    {
      print_error (pp_member_get_unavailable_reason (PP_MEMBER (member)));
      return EXIT_FAILED;
    }
  parameters = parse_arguments (member, method, args + 1, n_args - 1, &error);
  if (parameters == NULL)
    return usage_error ("call", error->message);

  result = pp_proxy_call_sync (proxy, member ? pp_member_get_name (PP_MEMBER (member)) : method,
                               parameters,
                               opt_timeout < 0 ? -1 : (int) MIN (opt_timeout * 1000, G_MAXINT - 1),
                               NULL, &error);
  if (result == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }
  text = g_variant_print (result, TRUE);
  g_print ("%s\n", text);
  return 0;
}

/* Watching ---------------------------------------------------------------- */

typedef struct
{
  GMainLoop  *loop;
  GHashTable *properties;   /* the remote object's, by name */
  int         seen;
  int         status;
} Watch;

/* Whether --count events were printed: the loop is told to stop at the
 * last one, but the frames read with it are still dispatched */
static gboolean
watch_done (Watch *watch)
{
  return opt_count > 0 && watch->seen >= opt_count;
}

static void
watch_event (Watch *watch)
{
  watch->seen++;
  if (watch_done (watch))
    g_main_loop_quit (watch->loop);
}

/* A remote signal: its arguments back to GVariant text */
static void
print_signal (GClosure     *closure,
              GValue       *return_value,
              guint         n_param_values,
              const GValue *param_values,
              gpointer      invocation_hint,
              gpointer      marshal_data)
{
  GSignalInvocationHint *hint = invocation_hint;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  PpMarshalScope *scope = pp_marshal_scope_new ();
  g_autoptr(GVariant) tuple = NULL;
  g_autofree char *text = NULL;
  Watch *watch = closure->data;
  GSignalQuery query;

  if (watch_done (watch))
    return;
  g_signal_query (hint->signal_id, &query);
  for (guint i = 1; i < n_param_values; i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *arg = pp_marshal_value_to_nullable (&param_values[i], scope, &error);

      if (arg == NULL)
        arg = g_variant_new_string ("?");
      g_ptr_array_add (args, g_variant_ref_sink (arg));
    }
  /* An object is printed as its place in the list ("/0") */
  pp_marshal_scope_free (scope);
  tuple = g_variant_ref_sink (g_variant_new_tuple ((GVariant **) args->pdata, args->len));
  text = g_variant_print (tuple, TRUE);
  if (hint->detail != 0)
    g_print ("signal %s::%s %s\n", query.signal_name, g_quark_to_string (hint->detail), text);
  else
    g_print ("signal %s %s\n", query.signal_name, text);
  watch_event (watch);
}

static void
on_notify (GObject    *proxy,
           GParamSpec *pspec,
           Watch      *watch)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GVariant) maybe = NULL;
  g_autoptr(GVariant) inner = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (watch_done (watch) || !g_hash_table_contains (watch->properties, pspec->name))
    return;
  g_value_init (&value, pspec->value_type);
  g_object_get_property (proxy, pspec->name, &value);
  /* mv: nothing for NULL, else the value in a variant */
  maybe = pp_marshal_value_to_maybe (&value, &error);
  if (maybe != NULL)
    g_variant_ref_sink (maybe);
  inner = maybe ? g_variant_get_maybe (maybe) : NULL;
  if (inner != NULL)
    {
      g_autoptr(GVariant) boxed = g_steal_pointer (&inner);

      inner = pp_variant_get_variant (boxed);
    }
  text = inner ? g_variant_print (inner, TRUE) : g_strdup ("nothing");
  g_print ("property %s = %s\n", pspec->name, text);
  watch_event (watch);
}

static void
on_closed (PpProxy      *proxy,
           const GError *error,
           Watch        *watch)
{
  if (error != NULL)
    print_error (error->message);
  watch->status = EXIT_FAILED;
  g_main_loop_quit (watch->loop);
}

static gboolean
stop_watching (gpointer user_data)
{
  Watch *watch = user_data;

  g_main_loop_quit (watch->loop);
  return G_SOURCE_REMOVE;
}

static int
cmd_watch (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(PpProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) signals = NULL;
  g_autoptr(GListModel) properties = NULL;
  Watch watch = { 0 };
  char **args;
  int n_args;

  context = g_option_context_new (_("[NAMESPACE VERSION TYPE] — watch signals and properties"));
  g_option_context_set_summary (context,
    _("Prints the object’s signals (“signal NAME ARGUMENTS”) and property changes (“property "
      "NAME = VALUE”), in GVariant text format, as they arrive, until interrupted, until "
      "--count of them or --timeout, or until the object goes away."));
  g_option_context_add_main_entries (context, target_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, watch_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("watch", error->message);

  args = argv + 1;
  n_args = argc - 1;
  if (!check_target ("watch", n_args, &error))
    return usage_error ("watch", error->message);
  if (n_args != (target_by_option () ? 0 : 3))
    return usage_error ("watch", _("Too many arguments"));

  proxy = connect_target (&args, &n_args, &error);
  if (proxy == NULL)
    {
      print_error (error->message);
      return EXIT_FAILED;
    }

  watch.loop = g_main_loop_new (NULL, FALSE);
  watch.properties = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Connecting subscribes: the listener forwards from then on */
  signals = pp_proxy_list_signals (proxy);
  for (guint i = 0; i < g_list_model_get_n_items (signals); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (signals, i);
      GClosure *closure;

      if (!pp_member_get_available (member))
        continue;
      closure = g_closure_new_simple (sizeof (GClosure), &watch);
      g_closure_set_marshal (closure, print_signal);
      g_signal_connect_closure (proxy, pp_member_get_name (member), closure, FALSE);
    }
  properties = pp_proxy_list_properties (proxy);
  for (guint i = 0; i < g_list_model_get_n_items (properties); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (properties, i);

      if (pp_member_get_available (member))
        g_hash_table_add (watch.properties, g_strdup (pp_member_get_name (member)));
    }
  g_signal_connect (proxy, "notify", G_CALLBACK (on_notify), &watch);
  g_signal_connect (proxy, "closed", G_CALLBACK (on_closed), &watch);

  g_unix_signal_add (SIGINT, stop_watching, &watch);
  g_unix_signal_add (SIGTERM, stop_watching, &watch);
  if (opt_timeout >= 0)
    g_timeout_add ((guint) MIN (opt_timeout * 1000, G_MAXUINT), stop_watching, &watch);

  g_main_loop_run (watch.loop);

  g_signal_handlers_disconnect_by_data (proxy, &watch);
  g_hash_table_unref (watch.properties);
  g_main_loop_unref (watch.loop);
  return watch.status;
}

/* Serving ----------------------------------------------------------------- */

/* pipeproxy-host --stdio, for `ssh host pipeproxy serve …`: the host is in
 * libexecdir, which is on nobody's PATH */
static int
cmd_serve (int    argc,
           char **argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) host_argv = NULL;
  int first = 1;

  if (argc > 1 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print ("%s\n\n%s\n", _("Usage: pipeproxy serve [--sandbox[=LIST]] NAMESPACE VERSION TYPE "
                               "[PROPERTY=VALUE…]"),
               _("Makes an object of TYPE and serves it on standard input and output, until the "
                 "other end closes them: pipeproxy-host --stdio, for a peer that runs this "
                 "through ssh, e.g. pipeproxy describe --command 'ssh host pipeproxy serve Gio "
                 "2.0 SimpleAction'."));
      return 0;
    }

  g_strv_builder_add (builder, host_path ());
  g_strv_builder_add (builder, "--stdio");
  for (; first < argc && g_str_has_prefix (argv[first], "--sandbox"); first++)
    g_strv_builder_add (builder, argv[first]);
  g_strv_builder_addv (builder, (const char **) argv + first);
  host_argv = g_strv_builder_end (builder);

  execv (host_argv[0], host_argv);
  {
    g_autofree char *message = g_strdup_printf (_("Could not run %s: %s"), host_argv[0],
                                                g_strerror (errno));
    print_error (message);
  }
  return EXIT_FAILED;
}

/* The commands ------------------------------------------------------------ */

static const struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "describe", cmd_describe, N_("Describe an object: methods, signals, properties") },
  { "call",     cmd_call,     N_("Call a method, with arguments in GVariant text format") },
  { "watch",    cmd_watch,    N_("Print signals and property changes as they arrive") },
  { "serve",    cmd_serve,    N_("Serve an object on standard input and output (for ssh)") },
};

static int
print_usage (FILE *out)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "%s\n\n%s\n",
                          _("Usage: pipeproxy COMMAND [OPTION…] [NAMESPACE VERSION TYPE] …"),
                          _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-10s%s\n", commands[i].name, _(commands[i].summary));
  g_string_append_printf (text, "\n%s\n",
                          _("Use “pipeproxy COMMAND --help” for what each takes, and see "
                            "pipeproxy(1)."));
  if (out == stdout)
    g_print ("%s", text->str);
  else
    g_printerr ("%s", text->str);
  return out == stdout ? 0 : EXIT_USAGE;
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  pp_i18n_init ();
  /* Events reach a pipe as they happen */
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (argc < 2)
    return print_usage (stderr);
  if (g_str_equal (argv[1], "help") || g_str_equal (argv[1], "--help") ||
      g_str_equal (argv[1], "-h"))
    {
      if (argc > 2 && !g_str_has_prefix (argv[2], "-"))
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };

          for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
            if (g_str_equal (argv[2], commands[i].name))
              {
                g_autofree char *prgname = g_strconcat ("pipeproxy ", commands[i].name, NULL);

                g_set_prgname (prgname);
                return commands[i].run (2, help_argv);
              }
        }
      return print_usage (stdout);
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("pipeproxy %s\n", PACKAGE_VERSION);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strconcat ("pipeproxy ", commands[i].name, NULL);

        /* What --help says to run */
        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }

  {
    g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);

    print_error (message);
    return print_usage (stderr);
  }
}
