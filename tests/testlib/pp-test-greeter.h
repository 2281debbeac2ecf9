/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PP_TEST_TYPE_GREETER (pp_test_greeter_get_type ())

G_DECLARE_INTERFACE (PpTestGreeter, pp_test_greeter, PP_TEST, GREETER, GObject)

/**
 * PpTestGreeterInterface:
 * @g_iface: the parent interface
 * @greet: the virtual method behind [method@PpTest.Greeter.greet]
 *
 * The interface structure of [iface@PpTest.Greeter].
 */
struct _PpTestGreeterInterface
{
  GTypeInterface g_iface;

  char *(*greet) (PpTestGreeter *self,
                  const char    *name);
};

char *pp_test_greeter_greet (PpTestGreeter *self,
                             const char    *name);

G_END_DECLS
