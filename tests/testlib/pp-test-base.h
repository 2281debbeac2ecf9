/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PP_TEST_TYPE_BASE (pp_test_base_get_type ())

G_DECLARE_DERIVABLE_TYPE (PpTestBase, pp_test_base, PP_TEST, BASE, GObject)

/**
 * PpTestBaseClass:
 * @parent_class: the parent class
 *
 * The class structure of [class@PpTest.Base].
 */
struct _PpTestBaseClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

const char *pp_test_base_get_base_name (PpTestBase *self);

G_END_DECLS
