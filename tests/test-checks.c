/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What is checked around a call so that a wrong one fails alone, with an
 * error that says why: arguments nested too deep, property writes that
 * cannot be made. */

#include <string.h>

#include "pp-test-util.h"
#include "pp-wire-private.h"

static void
assert_error_says (const GError *error,
                   const char   *what)
{
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, what) == NULL)
    g_error ("“%s” does not say “%s”", error->message, what);
}

/* An int32 in @depth - 1 arrays: a value @depth levels deep, as GLib
 * counts */
static GVariant *
nested_arrays (guint depth)
{
  GVariant *value = g_variant_new_int32 (7);

  for (guint i = 1; i < depth; i++)
    value = g_variant_new_array (NULL, &value, 1);
  return value;
}

/* An argument nested deeper than the listener takes fails that call
 * alone; the connection goes on. */
static void
test_deep_argument (PpTestFixture *f,
                    gconstpointer  data)
{
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) echoed = NULL;
  g_autoptr(GVariant) deepest = g_variant_ref_sink (nested_arrays (PP_WIRE_MAX_ARGS_DEPTH));
  const guint too_deep[] = { PP_WIRE_MAX_ARGS_DEPTH + 1, 100, 120 };

  result = pp_test_call (f->proxy, "echo_variant", g_variant_new ("(v)", deepest));
  g_variant_get (result, "(v)", &echoed);
  g_assert_true (g_variant_equal (echoed, deepest));

  for (guint i = 0; i < G_N_ELEMENTS (too_deep); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) refused = NULL;

      refused = pp_proxy_call_sync (f->proxy, "echo_variant",
                                    g_variant_new ("(v)", nested_arrays (too_deep[i])), -1, NULL,
                                    &error);
      g_assert_null (refused);
      g_assert_error (error, PP_ERROR, PP_ERROR_INVALID_ARGUMENTS);
      assert_error_says (error, "echo_variant");
      g_assert_false (pp_proxy_is_closed (f->proxy));
    }

  g_clear_pointer (&result, g_variant_unref);
  result = pp_test_call (f->proxy, "echo_string", g_variant_new ("(s)", "still there"));
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(s)");
}

/* A construct-only property is refused as such, by the proxy and by the
 * listener */
static void
test_construct_only (PpTestFixture *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pp_proxy_set_property_sync (f->proxy, "label", g_variant_new_string ("x"),
                                              NULL, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  assert_error_says (error, "construct-only");
  g_clear_error (&error);

  g_assert_false (pp_proxy_set_property_sync (f->proxy, "count", g_variant_new_uint32 (5),
                                              NULL, &error));
  g_assert_error (error, PP_ERROR, PP_ERROR_ACCESS_DENIED);
  assert_error_says (error, "read-only");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Pp/Checks/deep-argument", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_deep_argument, pp_test_fixture_tear_down);
  g_test_add ("/Pp/Checks/construct-only", PpTestFixture, NULL,
              pp_test_fixture_set_up, test_construct_only, pp_test_fixture_tear_down);

  return g_test_run ();
}
