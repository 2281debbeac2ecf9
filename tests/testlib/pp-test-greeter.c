/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pp-test-greeter.h"

/**
 * PpTestGreeter:
 *
 * An interface with one method implemented through a virtual function, so
 * that [class@PpTest.Object] has a method that comes from an interface.
 */

G_DEFINE_INTERFACE (PpTestGreeter, pp_test_greeter, G_TYPE_OBJECT)

static void
pp_test_greeter_default_init (PpTestGreeterInterface *iface)
{
}

/**
 * pp_test_greeter_greet:
 * @self: a [iface@PpTest.Greeter]
 * @name: whom to greet
 *
 * Makes a greeting for @name, through the virtual method
 * [vfunc@PpTest.Greeter.greet].
 *
 * Returns: (transfer full): the greeting, `"Hello, NAME!"` for
 *   [class@PpTest.Object]
 */
char *
pp_test_greeter_greet (PpTestGreeter *self,
                       const char    *name)
{
  PpTestGreeterInterface *iface;

  g_return_val_if_fail (PP_TEST_IS_GREETER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  iface = PP_TEST_GREETER_GET_IFACE (self);
  g_return_val_if_fail (iface->greet != NULL, NULL);

  return iface->greet (self, name);
}
