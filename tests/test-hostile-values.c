/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Real GIO types, served by tests/pp-test-server in a child with
 * G_DEBUG=fatal-criticals, sent what a hostile peer may send about their
 * properties and signals: every property the description shows as
 * writable, and not construct-only, set to values of its own type that
 * are odd (none, the ends of its range, empty and strange strings,
 * variants of other types) and to values of every other type; every
 * property, and names no property has, read; signals subscribed to by
 * names they have, with details, and by names nobody has.
 *
 * Every request is a raw frame on the proxy's connection, since the proxy
 * itself refuses values of another type than the property's. Each answer
 * is followed by a call, so that a child that died after answering is
 * seen too. A child that dies is counted, named with what killed it, and
 * replaced; the test fails if any did. What each type did is printed:
 *
 *   # GApplication: set 134 (clean error 124, accepted 10, child died 0); …
 */

#include <float.h>
#include <math.h>
#include <string.h>

#include "pp-test-util.h"
#include "pp-connection-private.h"
#include "pp-proxy-private.h"
#include "pp-wire-private.h"

typedef struct
{
  const char *kind;
  PpTestPeer *peer;
  PpProxy    *proxy;
  char       *type_name;
  guint       set, set_refused, set_accepted, set_died;
  guint       got, got_refused, got_died;
  guint       subscribed, subscribed_died;
  GString    *deaths;
} Probe;

typedef enum
{
  OUTCOME_ACCEPTED,
  OUTCOME_REFUSED,
  OUTCOME_DIED,
} Outcome;

/* Whether the child got as far as describing its object: reading its
 * properties for the description may kill it too */
static gboolean
probe_start (Probe *probe)
{
  g_autoptr(GError) error = NULL;

  /* "gi:NAMESPACE:VERSION:TYPE": a type made by pipeproxy-host */
  if (g_str_has_prefix (probe->kind, "gi:"))
    {
      g_auto(GStrv) names = g_strsplit (probe->kind, ":", 4);

      probe->proxy = pp_proxy_new_for_type_full_sync (names[1], names[2], names[3], NULL, NULL,
                                                      NULL, NULL, NULL, &error);
    }
  else
    {
      probe->peer = pp_test_peer_spawn (probe->kind, FALSE);
      probe->proxy = pp_proxy_new_sync (probe->peer->stream, NULL, NULL, &error);
    }
  if (probe->proxy == NULL)
    {
      g_test_message ("%s: the child died before it answered: %s", probe->kind, error->message);
      g_string_append_printf (probe->deaths, "  %s: the handshake killed the child\n",
                              probe->kind);
      return FALSE;
    }
  if (probe->type_name == NULL)
    probe->type_name = g_strdup (pp_proxy_get_remote_type_name (probe->proxy));
  return TRUE;
}

static void
probe_stop (Probe *probe)
{
  g_clear_object (&probe->proxy);
  g_clear_pointer (&probe->peer, pp_test_peer_free);
}

/* Whether the child still answers, as any listener does: reading a
 * property no object has fails */
static gboolean
probe_alive (Probe *probe)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  if (pp_proxy_is_closed (probe->proxy))
    return FALSE;
  result = pp_test_raw_request (probe->proxy, PP_WIRE_KIND_GET_PROPERTY,
                                g_variant_new ("(us)", pp_proxy_get_handle (probe->proxy), ""),
                                &error);
  g_assert_null (result);
  if (g_error_matches (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD))
    return TRUE;
  g_assert_true (g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED) ||
                 pp_proxy_is_closed (probe->proxy));
  return FALSE;
}

/* After a child died: says what killed it, and starts another */
static void
probe_died (Probe      *probe,
            const char *what)
{
  g_autofree char *line = g_strdup_printf ("%s: %s killed the child", probe->type_name, what);

  g_test_message ("%s", line);
  g_string_append_printf (probe->deaths, "  %s\n", line);
  probe_stop (probe);
  g_assert_true (probe_start (probe));
}

/* Sends one request that is answered with RETURN or ERROR, and tells how
 * it went; @what names it if it kills the child */
static Outcome
probe_request (Probe      *probe,
               PpWireKind  kind,
               GVariant   *body,
               const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = pp_test_raw_request (probe->proxy, kind, body, &error);

  if (!probe_alive (probe))
    {
      probe_died (probe, what);
      return OUTCOME_DIED;
    }
  if (reply != NULL)
    return OUTCOME_ACCEPTED;
  /* A clean refusal says what was wrong: a name no property has, a value
   * it does not take, or one it does not take now */
  g_assert_nonnull (error);
  g_assert_true (g_error_matches (error, PP_ERROR, PP_ERROR_UNKNOWN_METHOD) ||
                 g_error_matches (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS) ||
                 g_error_matches (error, PP_ERROR, PP_ERROR_FAILED));
  g_assert_cmpstr (error->message, !=, "");
  return OUTCOME_REFUSED;
}

/* Values ------------------------------------------------------------------ */

/* Odd values of a type, in GVariant text format (see values_of_type) */
static const char *const odd_values[] = {
  "b", "true", "false", NULL,
  "y", "byte 0", "byte 255", NULL,
  "n", "int16 -32768", "int16 -1", "int16 0", "int16 32767", NULL,
  "q", "uint16 0", "uint16 65535", NULL,
  "i", "-2147483648", "-1", "0", "1", "2147483647", NULL,
  "u", "uint32 0", "uint32 1", "uint32 4294967295", NULL,
  "x", "int64 -9223372036854775808", "int64 -1", "int64 0", "int64 9223372036854775807", NULL,
  "t", "uint64 0", "uint64 18446744073709551615", NULL,
  "d", "-1.0", "0.0", "-0.0", "1e308", "-1e308", NULL,
  "s", "''", "' '", "'0'", "'/'", "'(((('", "'app.x((('", "'a\\nb'", "'%s%s%n'", "'-'",
       "'org..x'", "'a.b'", "'\\u202e\\u0301'", "'/org/x/'", "'*'", NULL,
  "o", "objectpath '/'", "objectpath '/0'", "objectpath '/1'", "objectpath '/999999'",
       "objectpath '/a/b'", NULL,
  "g", "signature ''", "signature 'a{sv}'", NULL,
  "as", "@as []", "['']", "['', 'a', '']", "['*', '(((']", NULL,
  "v", "<true>", "<-1>", "<''>", "<@as []>", "<()>", "<@mv nothing>", "<<<1>>>",
       "<@a{sv} {}>", "<@ay []>", "<uint64 18446744073709551615>", "<objectpath '/'>",
       "<(1, 2)>", "<handle 0>", "<{'a': <1>}>", NULL,
  NULL,
};

/* A value of each type, for properties of another */
static const char *const any_values[] = {
  "true", "byte 1", "int16 -1", "uint16 1", "-1", "uint32 1", "int64 -1", "uint64 1", "1.5",
  "'x'", "objectpath '/0'", "signature 'i'", "<1>", "@as ['x']", "@ay []", "()",
  "@a{sv} {}", "handle 0", "(1, 2)", "@mi nothing", "@mv nothing", "@aas [[]]",
};

static GVariant *
parse (const char         *text,
       const GVariantType *type)
{
  g_autoptr(GError) error = NULL;
  GVariant *value = g_variant_parse (type, text, NULL, NULL, &error);   /* not floating */

  g_assert_no_error (error);
  return value;
}

static void
free_value (gpointer value)
{
  if (value != NULL)
    g_variant_unref (value);
}

/* What a property of @signature is set to: nothing, odd values of its
 * type, then values of every other type. Each as the (mv) of the
 * request; NULL entries stand for nothing. */
static GPtrArray *
values_of_type (const char *signature)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (free_value);
  const GVariantType *type = G_VARIANT_TYPE (signature);

  g_ptr_array_add (values, NULL);
  for (guint i = 0; odd_values[i] != NULL; i++)
    {
      gboolean ours = g_str_equal (odd_values[i], signature);

      for (i++; odd_values[i] != NULL; i++)
        if (ours)
          g_ptr_array_add (values, parse (odd_values[i], type));
    }
  if (g_str_equal (signature, "d"))
    {
      g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_double (INFINITY)));
      g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_double (-INFINITY)));
      g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_double (NAN)));
      g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_double (DBL_MIN / 2)));
    }
  if (g_str_equal (signature, "s"))
    {
      g_autofree char *long_text = g_strnfill (64 * 1024, 'x');

      g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_string (long_text)));
    }
  if (g_str_equal (signature, "as"))
    {
      const char *many[1000];

      for (guint i = 0; i < G_N_ELEMENTS (many); i++)
        many[i] = "x";
      g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_strv (many, G_N_ELEMENTS (many))));
    }
  for (guint i = 0; i < G_N_ELEMENTS (any_values); i++)
    {
      GVariant *value = parse (any_values[i], NULL);

      if (g_variant_is_of_type (value, type))
        g_variant_unref (value);
      else
        g_ptr_array_add (values, value);
    }
  return values;
}

static char *
describe (GVariant *value)
{
  g_autofree char *printed = NULL;

  if (value == NULL)
    return g_strdup ("nothing");
  printed = g_variant_print (value, TRUE);
  if (strlen (printed) > 60)
    return g_strdup_printf ("%.40s… (%s)", printed, g_variant_get_type_string (value));
  return g_steal_pointer (&printed);
}

/* The probes -------------------------------------------------------------- */

static GVariant *
set_body (Probe      *probe,
          const char *name,
          GVariant   *value)
{
  GVariant *boxed = value ? g_variant_new_variant (value) : NULL;

  return g_variant_new ("(us@mv)", pp_proxy_get_handle (probe->proxy), name,
                        g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, boxed));
}

static void
probe_set (Probe      *probe,
           const char *name,
           GVariant   *value)
{
  g_autofree char *printed = describe (value);
  g_autofree char *what = g_strdup_printf ("setting “%s” to %s", name, printed);

  probe->set++;
  switch (probe_request (probe, PP_WIRE_KIND_SET_PROPERTY, set_body (probe, name, value), what))
    {
    case OUTCOME_ACCEPTED:
      probe->set_accepted++;
      break;
    case OUTCOME_REFUSED:
      probe->set_refused++;
      break;
    case OUTCOME_DIED:
    default:
      probe->set_died++;
      break;
    }
}

static void
probe_get (Probe      *probe,
           const char *name)
{
  g_autofree char *what = g_strdup_printf ("reading “%.40s”", name);
  GVariant *body = g_variant_new ("(us)", pp_proxy_get_handle (probe->proxy), name);

  probe->got++;
  switch (probe_request (probe, PP_WIRE_KIND_GET_PROPERTY, body, what))
    {
    case OUTCOME_ACCEPTED:
      break;
    case OUTCOME_REFUSED:
      probe->got_refused++;
      break;
    case OUTCOME_DIED:
    default:
      probe->got_died++;
      break;
    }
}

/* A subscription has no answer: sent, taken back, then a call */
static void
probe_subscribe (Probe      *probe,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  PpConnection *connection = pp_proxy_get_connection (probe->proxy);

  probe->subscribed++;
  for (PpWireKind kind = PP_WIRE_KIND_SUBSCRIBE; kind <= PP_WIRE_KIND_UNSUBSCRIBE; kind++)
    {
      g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      pp_wire_gather (frames, kind, PP_WIRE_FLAGS_NONE, 0, 0,
                      g_variant_new ("(us)", pp_proxy_get_handle (probe->proxy), name));
      g_assert_true (pp_connection_send_with_fds (connection, frames, NULL, &error) ||
                     g_error_matches (error, PP_ERROR, PP_ERROR_DISCONNECTED));
    }
  if (!probe_alive (probe))
    {
      g_autofree char *what = g_strdup_printf ("subscribing to “%.40s”", name);

      probe->subscribed_died++;
      probe_died (probe, what);
    }
}

static const char *const unknown_names[] = {
  "", "nothing", "-", "::", "notify", "notify::", "notify::nothing", "a::b::c", "x\xc3\xa9",
  "items-changed::x",
};

static void
test_hostile_values (gconstpointer data)
{
  Probe probe = { .kind = data, .deaths = g_string_new (NULL) };
  g_autofree char *long_name = g_strnfill (4096, 'p');
  g_autoptr(GPtrArray) properties = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) signals = g_ptr_array_new_with_free_func (g_free);

  if (!probe_start (&probe))
    {
      g_test_fail_printf ("The listener of a %s died:\n%s", probe.kind, probe.deaths->str);
      probe_stop (&probe);
      g_string_free (probe.deaths, TRUE);
      return;
    }
  {
    g_autoptr(GListModel) described = pp_proxy_list_properties (probe.proxy);
    g_autoptr(GListModel) emitted = pp_proxy_list_signals (probe.proxy);

    for (guint i = 0; i < g_list_model_get_n_items (described); i++)
      g_ptr_array_add (properties, g_list_model_get_item (described, i));
    for (guint i = 0; i < g_list_model_get_n_items (emitted); i++)
      {
        g_autoptr(PpMember) member = g_list_model_get_item (emitted, i);

        g_ptr_array_add (signals, g_strdup (pp_member_get_name (member)));
      }
  }

  for (guint i = 0; i < properties->len; i++)
    {
      PpPropertyMember *property = g_ptr_array_index (properties, i);
      const char *name = pp_member_get_name (PP_MEMBER (property));
      GParamFlags flags = pp_property_member_get_flags (property);
      g_autoptr(GPtrArray) values = NULL;

      probe_get (&probe, name);
      if (!pp_member_get_available (PP_MEMBER (property)) || !(flags & G_PARAM_WRITABLE) ||
          (flags & G_PARAM_CONSTRUCT_ONLY))
        continue;
      values = values_of_type (pp_property_member_get_signature (property));
      for (guint j = 0; j < values->len; j++)
        {
          GVariant *value = g_ptr_array_index (values, j);

          /* A buffer takes what it is told to (see docs/security.md):
           * 4 GiB would be filled under MALLOC_PERTURB_, and refused
           * under valgrind */
          if (g_str_equal (name, "buffer-size") && value != NULL &&
              g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) &&
              g_variant_get_uint32 (value) > 1024 * 1024)
            continue;
          probe_set (&probe, name, value);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (unknown_names); i++)
    {
      g_autoptr(GVariant) one = g_variant_ref_sink (g_variant_new_int32 (1));

      probe_get (&probe, unknown_names[i]);
      probe_set (&probe, unknown_names[i], one);
      probe_subscribe (&probe, unknown_names[i]);
    }
  probe_get (&probe, long_name);
  probe_subscribe (&probe, long_name);
  for (guint i = 0; i < signals->len; i++)
    {
      const char *name = g_ptr_array_index (signals, i);
      g_autofree char *detailed = g_strdup_printf ("%s::%s", name, long_name);
      g_autofree char *empty_detail = g_strdup_printf ("%s::", name);

      probe_subscribe (&probe, name);
      probe_subscribe (&probe, detailed);
      probe_subscribe (&probe, empty_detail);
    }

  g_test_message ("%s: set %u (clean error %u, accepted %u, child died %u); "
                  "read %u (clean error %u, child died %u); "
                  "subscribed %u (child died %u)",
                  probe.type_name, probe.set, probe.set_refused, probe.set_accepted, probe.set_died,
                  probe.got, probe.got_refused, probe.got_died,
                  probe.subscribed, probe.subscribed_died);
  if (probe.deaths->len > 0)
    g_test_fail_printf ("The listener of a %s died:\n%s", probe.type_name, probe.deaths->str);

  probe_stop (&probe);
  g_free (probe.type_name);
  g_string_free (probe.deaths, TRUE);
}

static const char *const kinds[] = {
  "action", "stateful-action", "action-group", "menu", "menu-item", "list-store", "settings",
  "property-action", "notification", "file-info", "cancellable", "application",
  "registered-application", "mount-operation", "socket-client", "socket", "socket-service",
  "proxy-resolver", "tls-password", "data-input-stream", "buffered-output-stream",
  "zlib-compressor", "charset-converter", "dbus-object-skeleton",
};

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) types = NULL;

  g_test_init (&argc, &argv, NULL);

  /* For the children: a critical ends them; a GSettings of our schema */
  g_setenv ("G_DEBUG", "gc-friendly,fatal-criticals", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", g_test_get_dir (G_TEST_BUILT), TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  /* --types=NAMESPACE:VERSION:TYPE,…: those types instead, made with
   * g_object_new() and served by pipeproxy-host (GTK's, in the suite
   * "gui", which valgrind and the sanitizers leave out) */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--types="))
      types = g_strsplit (argv[i] + strlen ("--types="), ",", -1);
  for (guint i = 0; types != NULL && types[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("/Pp/HostileValues/%s", types[i]);

      g_test_add_data_func_full (path, g_strdup_printf ("gi:%s", types[i]), test_hostile_values,
                                 g_free);
    }
  for (guint i = 0; types == NULL && i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Pp/HostileValues/%s", kinds[i]);

      g_test_add_data_func (path, kinds[i], test_hostile_values);
    }

  return g_test_run ();
}
