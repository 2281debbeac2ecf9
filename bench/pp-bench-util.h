/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the benchmark programs share */

#include <glib.h>

G_BEGIN_DECLS

/* The name bench_fail() gives, e.g. "pp-bench (server)" */
void    bench_set_name     (const char *name);
/* Prints "NAME: FAIL: message" to stderr and ends the process at once */
void    bench_fail         (const char *format,
                            ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

gint64  bench_now_ns       (void);
/* Minor page faults (a fresh page touched) of process @pid ("self" or a
 * number) so far; -1 if unknown. Unlike the time, this does not depend on
 * the load of the machine. */
long    bench_minor_faults (const char *pid);
/* The load averages of /proc/loadavg, "1.00 0.50 0.25", or "?" */
char   *bench_load_average (void);
/* The median of @n values, which it sorts */
double  bench_median       (double     *values,
                            guint       n);

G_END_DECLS
