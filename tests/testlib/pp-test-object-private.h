/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The instance of PpTestObject, for the files its methods are in (not
 * installed, not scanned for the GIR) */

#include "pp-test-object.h"

G_BEGIN_DECLS

struct _PpTestObject
{
  PpTestBase      parent_instance;

  int             parameter;
  guint           call_count;
  guint           dangerous_calls;

  PpTestCallback  callback;
  gpointer        callback_data;
  GDestroyNotify  callback_destroy;

  gpointer        pointer;
  char           *name;
  GObject        *object;
  PpTestPoint     point;
  char           *label;
  guint           count;
  guint           cancelled_waits;
};
#define COUNT_CALL(self) \
  g_atomic_int_inc (&(self)->call_count)

#define COUNT_DANGEROUS_CALL(self) \
  G_STMT_START { \
    g_atomic_int_inc (&(self)->call_count); \
    g_atomic_int_inc (&(self)->dangerous_calls); \
  } G_STMT_END

G_END_DECLS
