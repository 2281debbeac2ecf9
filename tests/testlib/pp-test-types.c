/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pp-test-types.h"

/**
 * pp_test_error_quark:
 *
 * Gets the error domain of the test library.
 *
 * Returns: the quark of the %PP_TEST_ERROR domain
 */
G_DEFINE_QUARK (pp-test-error-quark, pp_test_error)
