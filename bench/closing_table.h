/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The closing table of one bench invocation, as hyperfine and benchstat
 * users expect: a line per configuration (backend, workload, threads)
 * with the median throughput, its interval ([lo, hi]: the 95% CI of the
 * median from order statistics, or the min..max range, called so, below 6
 * runs) and how many runs were valid (status ok) of those made.
 * Context: main thread.
 */
#ifndef LB_CLOSING_TABLE_H
#define LB_CLOSING_TABLE_H

#include <stdio.h>

/* One configuration: its valid runs' ops/s (x[0..n)) of `made` runs. */
void closing_add(const char *backend, const char *workload, unsigned threads, const double *x,
		 unsigned n, unsigned made);
/* Prints the table (nothing if no configuration was added) and forgets it. */
void closing_print(FILE *out);

#endif
