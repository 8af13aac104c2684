/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Statistics: median/mean/CV/Jain on known inputs; bootstrap CI on
 * synthetic samples (contains the true median, narrows as n grows, same
 * for the same seed); the --until-ci decision.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/stats.h"
#include "check.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rs = 0x853c49e6748fea9bull;

static double unif(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return ((double)(rs >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(double mu, double sigma)
{
	return mu + sigma * sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

static void test_known(void)
{
	const double a[] = {2, 4, 4, 4, 5, 5, 7, 9};
	const double odd[] = {9, 1, 5, 3, 7};
	const double one[] = {42};
	const double eq[] = {3, 3, 3, 3};
	const double one_hot[] = {0, 0, 10, 0};
	const double j[] = {1, 2, 3, 4};
	struct stats_summary s;

	CHECK(stats_mean(a, N_OF(a)) == 5);
	CHECK(stats_median(a, N_OF(a)) == 4.5);
	CHECK(stats_median(odd, N_OF(odd)) == 5);
	CHECK(stats_median(one, 1) == 42);
	CHECK(isnan(stats_median(a, 0)));
	CHECK(stats_min(odd, 5) == 1 && stats_max(odd, 5) == 9);
	CHECK(near(stats_stddev(a, N_OF(a)), sqrt(32.0 / 7), 1e-12));
	CHECK(near(stats_cv(a, N_OF(a)), sqrt(32.0 / 7) / 5, 1e-12));
	CHECK(stats_stddev(one, 1) == 0 && stats_cv(eq, 4) == 0);

	CHECK(stats_jain(eq, 4) == 1);
	CHECK(near(stats_jain(one_hot, 4), 0.25, 1e-12));
	CHECK(near(stats_jain(j, 4), 100.0 / 120, 1e-12));
	CHECK(stats_jain(j, 0) == 1);

	stats_summarize(a, N_OF(a), &s);
	CHECK(s.n == 8 && s.min == 2 && s.max == 9 && s.median == 4.5 && s.mean == 5);
}

/* Quickselect median against sorting, on many sizes, with duplicates. */
static void test_median_random(void)
{
	double x[301], y[301];

	for (int trial = 0; trial < 2000; trial++) {
		size_t n = 1 + (size_t)(unif() * 300);
		int dup = trial % 3 == 0;
		for (size_t i = 0; i < n; i++)
			x[i] = y[i] = dup ? floor(unif() * 5) : unif();
		qsort(y, n, sizeof(y[0]), cmp_double);
		double want = n & 1 ? y[n / 2] : (y[n / 2 - 1] + y[n / 2]) / 2;
		CHECKF(stats_median(x, n) == want, "n=%zu: got %.17g want %.17g", n,
		       stats_median(x, n), want);
	}
}

static double ci_width(size_t n, uint64_t seed, double *lo, double *hi)
{
	double *x = malloc(n * sizeof(*x));

	for (size_t i = 0; i < n; i++)
		x[i] = normal(1000, 10);
	CHECK(stats_bootstrap_median_ci(x, n, STATS_BOOT_RESAMPLES, 0.95, seed, lo, hi) == 0);
	free(x);
	return *hi - *lo;
}

static void test_bootstrap(void)
{
	double lo, hi, lo2, hi2, w20 = 0, w500 = 0;
	double x[40];
	int covered = 0;

	/* A tight normal sample (median 1000): the CI contains it. */
	for (int t = 0; t < 20; t++) {
		ci_width(50, 7 + (uint64_t)t, &lo, &hi);
		covered += lo <= 1000 && 1000 <= hi;
		CHECK(lo <= hi);
	}
	CHECKF(covered >= 16, "95%% CI covered the true median in %d of 20 samples", covered);

	/* Narrows as n grows (averaged over a few samples). */
	for (int t = 0; t < 5; t++) {
		w20 += ci_width(20, 1, &lo, &hi);
		w500 += ci_width(500, 1, &lo, &hi);
	}
	CHECKF(w500 < w20 / 2, "width n=20: %g, n=500: %g", w20 / 5, w500 / 5);

	/* Deterministic for a seed. */
	for (size_t i = 0; i < N_OF(x); i++)
		x[i] = normal(5e6, 2e5);
	CHECK(stats_bootstrap_median_ci(x, N_OF(x), 2000, 0.95, 1234, &lo, &hi) == 0);
	CHECK(stats_bootstrap_median_ci(x, N_OF(x), 2000, 0.95, 1234, &lo2, &hi2) == 0);
	CHECK(lo == lo2 && hi == hi2);
	CHECK(lo <= stats_median(x, N_OF(x)) && stats_median(x, N_OF(x)) <= hi);

	/* Degenerate inputs. */
	CHECK(stats_bootstrap_median_ci(x, 0, 2000, 0.95, 1, &lo, &hi) == -1);
	CHECK(stats_bootstrap_median_ci(x, 1, 2000, 0.95, 1, &lo, &hi) == 0 && lo == x[0] &&
	      hi == x[0]);
}

static void test_until_ci(void)
{
	double tight[30], wide[30], w;

	for (int i = 0; i < 30; i++) {
		tight[i] = 1e6 * (1 + 0.001 * (unif() - 0.5));
		wide[i] = 1e6 * (0.5 + unif());
	}
	/* Too few runs for a 95% interval of the median (6, order
	 * statistics): always more, however tight, and no width yet. */
	CHECK(stats_until_ci(tight, 5, 5, 1, 20, 1, &w) == STATS_CI_MORE);
	CHECK(isinf(w));
	CHECK(stats_until_ci(tight, 1, 5, 1, 20, 1, &w) == STATS_CI_MORE && isinf(w));
	/* Enough runs and a narrow interval: stop. */
	CHECK(stats_until_ci(tight, 6, 5, 1, 20, 1, &w) == STATS_CI_NARROW);
	CHECK(w < 5);
	/* --runs above the minimum is honoured. */
	CHECK(stats_until_ci(tight, 6, 5, 8, 20, 1, NULL) == STATS_CI_MORE);
	/* Wide samples do not meet 1%: more, until the cap. */
	CHECK(stats_until_ci(wide, 10, 1, 1, 20, 1, &w) == STATS_CI_MORE);
	CHECK(w > 1);
	CHECK(stats_until_ci(wide, 20, 1, 1, 20, 1, &w) == STATS_CI_CAP);
	/* The cap never stops before the CI could pass when it would. */
	CHECK(stats_until_ci(tight, 20, 5, 1, 20, 1, &w) == STATS_CI_NARROW);
}

int main(void)
{
	test_known();
	test_median_random();
	test_bootstrap();
	test_until_ci();
	return check_exit("test_stats");
}
