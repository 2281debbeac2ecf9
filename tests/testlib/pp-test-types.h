/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PpTestColor:
 * @PP_TEST_COLOR_RED: red
 * @PP_TEST_COLOR_GREEN: green
 * @PP_TEST_COLOR_BLUE: blue; its value is not contiguous with the others
 *
 * A registered enumeration with a gap in its values.
 */
typedef enum
{
  PP_TEST_COLOR_RED = 0,
  PP_TEST_COLOR_GREEN = 1,
  PP_TEST_COLOR_BLUE = 5,
} PpTestColor;

/**
 * PpTestFlags:
 * @PP_TEST_FLAGS_NONE: no flag
 * @PP_TEST_FLAGS_A: flag A
 * @PP_TEST_FLAGS_B: flag B
 * @PP_TEST_FLAGS_C: flag C
 *
 * Registered flags.
 */
typedef enum
{
  PP_TEST_FLAGS_NONE = 0,
  PP_TEST_FLAGS_A = 1 << 0,
  PP_TEST_FLAGS_B = 1 << 1,
  PP_TEST_FLAGS_C = 1 << 2,
} PpTestFlags;

/**
 * PP_TEST_ERROR:
 *
 * The error domain of the test library. Errors in it use codes from
 * [enum@PpTest.Error].
 */
#define PP_TEST_ERROR (pp_test_error_quark ())

/**
 * PpTestError:
 * @PP_TEST_ERROR_DIVIDE_BY_ZERO: a division by zero was asked for
 * @PP_TEST_ERROR_OTHER: any other failure
 *
 * Error codes of the %PP_TEST_ERROR domain. There is deliberately no code 0.
 */
typedef enum
{
  PP_TEST_ERROR_DIVIDE_BY_ZERO = 1,
  PP_TEST_ERROR_OTHER = 2,
} PpTestError;

GQuark pp_test_error_quark (void);

/**
 * PpTestPoint:
 * @x: the horizontal coordinate
 * @y: the vertical coordinate
 *
 * A plain C structure with no registered boxed type, so that a method taking
 * it has an argument type that cannot cross a process boundary.
 */
typedef struct _PpTestPoint PpTestPoint;

struct _PpTestPoint
{
  int x;
  int y;
};

/**
 * PpTestCallback:
 * @value: the new value of [property@PpTest.Object:parameter]
 * @user_data: (closure): the data given to [method@PpTest.Object.set_callback]
 *
 * The type of the callback given to [method@PpTest.Object.set_callback].
 */
typedef void (*PpTestCallback) (int      value,
                                gpointer user_data);

G_END_DECLS
