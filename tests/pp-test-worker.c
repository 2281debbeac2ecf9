/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A worker started by pp_proxy_new_for_subprocess_*(): serves a
 * PpTestObject to its parent until the parent goes away. */

#include <stdio.h>

#include <pipeproxy/pipeproxy.h>

#include "pp-test-object.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PpTestObject) object = pp_test_object_new ();
  g_autoptr(GError) error = NULL;

  if (!pp_serve_parent (G_OBJECT (object), &error))
    {
      fprintf (stderr, "worker: %s\n", error->message);
      return 1;
    }
  return 0;
}
