/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Statistics over small samples: repetitions of a run (throughput per
 * run) and per-thread figures (ops per thread, for fairness).
 *
 * Why: one run's number says nothing about its noise. A cover-letter
 * figure is the median of runs with a bootstrap 95% confidence interval:
 * the median because VM noise is one-sided (preemption only slows a run
 * down), the bootstrap because n is small and the distribution unknown.
 * The bootstrap uses its own seeded RNG, so the same samples and seed give
 * the same interval on every machine.
 *
 * All functions are pure (no global state) and take samples as doubles;
 * they may be called from any thread. Functions that need scratch memory
 * allocate it and return -1 (or NaN) if allocation fails.
 */
#ifndef LB_STATS_H
#define LB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_BOOT_RESAMPLES 2000
/* --until-ci never stops before this many runs: the fewest with a 95%
 * order-statistics interval of the median (util/median_ci.h). */
#define STATS_CI_MIN_RUNS 6

struct stats_summary {
	size_t n;
	double min, max, mean, median;
	double stddev; /* sample standard deviation (n - 1); 0 when n < 2 */
	double cv;     /* stddev / mean; 0 when mean is 0 */
};

double stats_mean(const double *x, size_t n);
double stats_min(const double *x, size_t n);
double stats_max(const double *x, size_t n);
/* Median; the mean of the two middle values when n is even. NaN if n == 0. */
double stats_median(const double *x, size_t n);
double stats_stddev(const double *x, size_t n);
double stats_cv(const double *x, size_t n);
/*
 * Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all equal,
 * 1/n when one thread got everything. 1 for n == 0 or all zero.
 */
double stats_jain(const double *x, size_t n);

void stats_summarize(const double *x, size_t n, struct stats_summary *s);

/*
 * Percentile bootstrap confidence interval of the median: `resamples`
 * resamples of size n with replacement (xoshiro256** seeded from seed),
 * the median of each, then their (1-level)/2 and (1+level)/2 quantiles.
 * level is e.g. 0.95. Returns 0, or -1 if n == 0 or memory is short.
 */
int stats_bootstrap_median_ci(const double *x, size_t n, unsigned resamples, double level,
			      uint64_t seed, double *lo, double *hi);

enum stats_ci_verdict {
	STATS_CI_MORE,	 /* run again */
	STATS_CI_NARROW, /* the interval is narrow enough: stop */
	STATS_CI_CAP,	 /* max_runs reached without it: stop, say so */
};

/*
 * The --until-ci=P decision after n runs: NARROW when n >= min_runs
 * (at least STATS_CI_MIN_RUNS) and the 95% CI of the median (order
 * statistics, util/median_ci.h) is
 * narrower than pct% of the median; else CAP when n >= max_runs; else
 * MORE. *width_pct (may be NULL) gets the current width in % of the
 * median (INFINITY when it cannot be computed yet).
 */
enum stats_ci_verdict stats_until_ci(const double *x, size_t n, double pct, unsigned min_runs,
				     unsigned max_runs, uint64_t seed, double *width_pct);

#endif
