/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Value forms of boxed types (pp-boxed.c): the forms of GLib's own types,
 * a form registered with C functions crossing to a pp-test-server child
 * (GFileAttributeMatcher as its string, for GFileInfo's
 * set_attribute_mask ()), a form registered with C closures, and the
 * registrations that are refused. */

#include <string.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-marshal-private.h"
#include "pp-test-util.h"

static void
test_own_forms (void)
{
  g_assert_cmpstr (g_variant_type_peek_string (pp_boxed_get_value_type (G_TYPE_DATE_TIME)), ==,
                   "(xis)");
  g_assert_cmpstr (g_variant_type_peek_string (pp_boxed_get_value_type (G_TYPE_BYTES)), ==,
                   "ay");
  g_assert_null (pp_boxed_get_value_type (G_TYPE_MAIN_LOOP));
}

static GPtrArray *
methods_named (PpProxy    *proxy,
               const char *name)
{
  g_autoptr(GListModel) methods = pp_proxy_list_methods (proxy);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (methods); i++)
    {
      g_autoptr(PpMember) member = g_list_model_get_item (methods, i);

      if (g_str_equal (pp_member_get_name (member), name))
        g_ptr_array_add (found, g_steal_pointer (&member));
    }
  return found;
}

static gboolean
has_attribute (PpProxy    *proxy,
               const char *attribute)
{
  g_autoptr(GVariant) result = pp_test_call (proxy, "has_attribute",
                                             g_variant_new ("(s)", attribute));
  gboolean has;

  g_variant_get (result, "(b)", &has);
  return has;
}

/* Without the form the method takes a reference to a matcher of the
 * child's; with it, the matcher crosses as its string */
static void
test_registered_form_crosses (void)
{
  PpTestPeer *plain = pp_test_peer_spawn ("file-info", FALSE);
  PpTestPeer *peer = pp_test_peer_spawn ("file-info-matcher-form", FALSE);
  PpProxy *proxy;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  found = methods_named (pp_test_peer_proxy (plain), "set_attribute_mask");
  g_assert_cmpuint (found->len, ==, 1);
  /* Without it, only a reference to a matcher of the child's would do */
  g_assert_true (pp_member_get_available (found->pdata[0]));
  g_assert_cmpstr (pp_method_member_get_in_signature (found->pdata[0]), ==, "(o)");
  g_clear_pointer (&found, g_ptr_array_unref);

  proxy = pp_test_peer_proxy (peer);
  found = methods_named (proxy, "set_attribute_mask");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_true (pp_member_get_available (found->pdata[0]));
  g_assert_cmpstr (pp_method_member_get_in_signature (found->pdata[0]), ==, "(s)");

  g_variant_unref (pp_test_call (proxy, "set_attribute_mask",
                                 g_variant_new ("(s)", "standard::*")));
  /* Outside the mask, GFileInfo drops what is set */
  g_variant_unref (pp_test_call (proxy, "set_attribute_string",
                                 g_variant_new ("(ss)", "xattr::note", "dropped")));
  g_variant_unref (pp_test_call (proxy, "set_display_name", g_variant_new ("(s)", "kept")));
  g_assert_false (has_attribute (proxy, "xattr::note"));
  g_assert_true (has_attribute (proxy, "standard::display-name"));

  /* The form's function refuses the peer's nonsense: the call fails */
  result = pp_proxy_call_sync (proxy, "set_attribute_mask", g_variant_new ("(s)", ""), -1, NULL,
                               &error);
  g_assert_null (result);
  g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "GFileAttributeMatcher"));
  g_assert_nonnull (strstr (error->message, "empty matcher"));

  pp_test_peer_free (peer);
  pp_test_peer_free (plain);
}

static GVariant *
time_zone_to_variant (GTimeZone *zone)
{
  return g_variant_new_string (g_time_zone_get_identifier (zone));
}

static GTimeZone *
time_zone_from_variant (GVariant *variant)
{
  const char *identifier = g_variant_get_string (variant, NULL);

  return g_str_equal (identifier, "bad") ? NULL : g_time_zone_new_identifier (identifier);
}

/* C closures, through the marshaller the library sets */
static void
test_closures (void)
{
  const PpBoxedForm *form;
  g_autoptr(GTimeZone) zone = g_time_zone_new_offset (3600);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) bad = g_variant_ref_sink (g_variant_new_string ("bad"));
  g_autoptr(GError) error = NULL;
  GTimeZone *back;

  pp_boxed_register_value_form_with_closures (G_TYPE_TIME_ZONE, G_VARIANT_TYPE_STRING,
                                              g_cclosure_new (G_CALLBACK (time_zone_to_variant),
                                                              NULL, NULL),
                                              g_cclosure_new (G_CALLBACK (time_zone_from_variant),
                                                              NULL, NULL));
  g_assert_cmpstr (g_variant_type_peek_string (pp_boxed_get_value_type (G_TYPE_TIME_ZONE)), ==,
                   "s");
  form = pp_boxed_lookup_form (G_TYPE_TIME_ZONE);
  g_assert_nonnull (form);

  value = pp_boxed_form_to_variant (form, zone, &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_is_floating (value));
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "+01:00:00");

  back = pp_boxed_form_from_variant (form, value, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_time_zone_get_offset (back, 0), ==, 3600);
  g_time_zone_unref (back);

  g_assert_null (pp_boxed_form_from_variant (form, bad, &error));
}

static void
test_refusals (void)
{
  g_test_expect_message ("Pp", G_LOG_LEVEL_CRITICAL, "*has a value form of its own*");
  pp_boxed_register_value_form_with_closures (G_TYPE_DATE_TIME, G_VARIANT_TYPE_STRING,
                                              g_cclosure_new (G_CALLBACK (time_zone_to_variant),
                                                              NULL, NULL),
                                              g_cclosure_new (G_CALLBACK (time_zone_from_variant),
                                                              NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Pp", G_LOG_LEVEL_CRITICAL, "*may not hold object references*");
  pp_boxed_register_value_form_with_closures (G_TYPE_MAIN_LOOP, G_VARIANT_TYPE ("(so)"),
                                              g_cclosure_new (G_CALLBACK (time_zone_to_variant),
                                                              NULL, NULL),
                                              g_cclosure_new (G_CALLBACK (time_zone_from_variant),
                                                              NULL, NULL));
  g_test_assert_expected_messages ();
  g_assert_null (pp_boxed_get_value_type (G_TYPE_MAIN_LOOP));
}

static GClosure *
closure (GCallback callback)
{
  return g_cclosure_new (callback, NULL, NULL);
}

static void
test_registered_twice (void)
{
  if (g_test_subprocess ())
    {
      pp_boxed_register_value_form_with_closures (G_TYPE_KEY_FILE, G_VARIANT_TYPE_STRING,
                                                  closure (G_CALLBACK (time_zone_to_variant)),
                                                  closure (G_CALLBACK (time_zone_from_variant)));
      pp_boxed_register_value_form_with_closures (G_TYPE_KEY_FILE, G_VARIANT_TYPE_INT32,
                                                  closure (G_CALLBACK (time_zone_to_variant)),
                                                  closure (G_CALLBACK (time_zone_from_variant)));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*GKeyFile has a value form already*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Pp/Boxed/own-forms", test_own_forms);
  g_test_add_func ("/Pp/Boxed/registered-form-crosses", test_registered_form_crosses);
  g_test_add_func ("/Pp/Boxed/closures", test_closures);
  g_test_add_func ("/Pp/Boxed/refusals", test_refusals);
  g_test_add_func ("/Pp/Boxed/registered-twice", test_registered_twice);
  return g_test_run ();
}
