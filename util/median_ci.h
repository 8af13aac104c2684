/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The confidence interval of a median from order statistics
 * (distribution-free): for n runs sorted x(1) <= ... <= x(n), the
 * interval [x(l), x(n+1-l)] covers the true median with probability
 * 1 - 2 P(B <= l-1), B ~ Binomial(n, 1/2), whatever the distribution
 * (continuous). l is the largest rank whose coverage still reaches the
 * level asked. Below the run count that level needs (n < 6 for 95%:
 * even [min, max] covers only 1 - 2^(1-n), 75% for 3 runs), there is no
 * such interval: the result is the range [min, max], flagged as a range
 * with its real coverage, never called a 95% interval.
 *
 * scripts/lpibench_results.py computes the same ranks (median_ci_ranks);
 * tests/test_median_ci.sh checks that both agree.
 */
#ifndef LB_MEDIAN_CI_H
#define LB_MEDIAN_CI_H

#include <stdbool.h>
#include <stddef.h>

struct median_ci {
	double lo, hi;		   /* x(lo_rank), x(hi_rank) */
	unsigned lo_rank, hi_rank; /* 1-based ranks in the sorted sample */
	double coverage;	   /* the interval's real coverage, 0..1 */
	bool is_range;		   /* the level is out of reach: [min, max] */
};

/* Ranks and coverage for n values at level (e.g. 0.95). Returns 0, or -1
 * if n < 2. Sets *is_range when even (1, n) is below the level. */
int median_ci_ranks(unsigned n, double level, unsigned *lo_rank, unsigned *hi_rank,
		    double *coverage, bool *is_range);

/* The interval of x[0..n) (not modified). Returns 0, or -1 if n < 2 or
 * memory is short. */
int median_ci(const double *x, size_t n, double level, struct median_ci *ci);

#endif
