/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pp-test-base.h"

/**
 * PpTestBase:
 *
 * A derivable base class, so that [class@PpTest.Object] has a method it
 * inherits rather than defines: [method@PpTest.Base.get_base_name].
 *
 * Instances are not thread-safe.
 */

G_DEFINE_TYPE (PpTestBase, pp_test_base, G_TYPE_OBJECT)

static void
pp_test_base_class_init (PpTestBaseClass *klass)
{
}

static void
pp_test_base_init (PpTestBase *self)
{
}

/**
 * pp_test_base_get_base_name:
 * @self: a [class@PpTest.Base]
 *
 * Gets a fixed name, defined on the base class only.
 *
 * Returns: (transfer none): the string `"base"`
 */
const char *
pp_test_base_get_base_name (PpTestBase *self)
{
  g_return_val_if_fail (PP_TEST_IS_BASE (self), NULL);

  return "base";
}
