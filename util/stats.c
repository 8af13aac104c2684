/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small-sample statistics and the bootstrap (see stats.h).
 */
#include "stats.h"

#include "median_ci.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

double stats_mean(const double *x, size_t n)
{
	double s = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

double stats_min(const double *x, size_t n)
{
	double m = n ? x[0] : NAN;

	for (size_t i = 1; i < n; i++)
		if (x[i] < m)
			m = x[i];
	return m;
}

double stats_max(const double *x, size_t n)
{
	double m = n ? x[0] : NAN;

	for (size_t i = 1; i < n; i++)
		if (x[i] > m)
			m = x[i];
	return m;
}

/*
 * Quickselect (Wirth): reorder a so that a[k] is the k-th smallest, with
 * everything before it <= a[k] and everything after it >= a[k].
 */
static double select_k(double *a, size_t n, size_t k)
{
	ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < r) {
		double x = a[kk], t;
		ptrdiff_t i = l, j = r;

		do {
			while (a[i] < x)
				i++;
			while (x < a[j])
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			r = j;
	}
	return a[kk];
}

/* Median of a scratch array (reordered). */
static double median_inplace(double *a, size_t n)
{
	size_t k = n / 2;
	double hi = select_k(a, n, k), lo;

	if (n & 1)
		return hi;
	lo = a[0];
	for (size_t i = 1; i < k; i++)
		if (a[i] > lo)
			lo = a[i];
	return (lo + hi) / 2;
}

double stats_median(const double *x, size_t n)
{
	double *a, m;

	if (!n)
		return NAN;
	a = malloc(n * sizeof(*a));
	if (!a)
		return NAN;
	memcpy(a, x, n * sizeof(*a));
	m = median_inplace(a, n);
	free(a);
	return m;
}

double stats_stddev(const double *x, size_t n)
{
	double m, s = 0;

	if (n < 2)
		return 0;
	m = stats_mean(x, n);
	for (size_t i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (double)(n - 1));
}

double stats_cv(const double *x, size_t n)
{
	double m = stats_mean(x, n);

	if (!n || m == 0)
		return 0;
	return stats_stddev(x, n) / fabs(m);
}

double stats_jain(const double *x, size_t n)
{
	double s = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		s += x[i];
		s2 += x[i] * x[i];
	}
	if (!n || s2 == 0)
		return 1;
	return s * s / ((double)n * s2);
}

void stats_summarize(const double *x, size_t n, struct stats_summary *s)
{
	s->n = n;
	s->min = stats_min(x, n);
	s->max = stats_max(x, n);
	s->mean = stats_mean(x, n);
	s->median = stats_median(x, n);
	s->stddev = stats_stddev(x, n);
	s->cv = stats_cv(x, n);
}

/* xoshiro256**, seeded through splitmix64. */
struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n): multiply-shift, bias below 2^-40 for these n. */
static size_t rng_below(struct rng *r, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile q of sorted v (linear interpolation between order statistics). */
static double quantile_sorted(const double *v, size_t n, double q)
{
	double h = q * (double)(n - 1);
	size_t i = (size_t)h;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

int stats_bootstrap_median_ci(const double *x, size_t n, unsigned resamples, double level,
			      uint64_t seed, double *lo, double *hi)
{
	double *draw, *med;
	struct rng r;

	if (!n || !resamples)
		return -1;
	draw = malloc(n * sizeof(*draw));
	med = malloc(resamples * sizeof(*med));
	if (!draw || !med) {
		free(draw);
		free(med);
		return -1;
	}
	rng_seed(&r, seed);
	for (unsigned b = 0; b < resamples; b++) {
		for (size_t i = 0; i < n; i++)
			draw[i] = x[rng_below(&r, n)];
		med[b] = median_inplace(draw, n);
	}
	qsort(med, resamples, sizeof(*med), cmp_double);
	*lo = quantile_sorted(med, resamples, (1 - level) / 2);
	*hi = quantile_sorted(med, resamples, (1 + level) / 2);
	free(draw);
	free(med);
	return 0;
}

enum stats_ci_verdict stats_until_ci(const double *x, size_t n, double pct, unsigned min_runs,
				     unsigned max_runs, uint64_t seed, double *width_pct)
{
	double lo, hi, med, w = INFINITY;

	if (min_runs < STATS_CI_MIN_RUNS)
		min_runs = STATS_CI_MIN_RUNS;
	struct median_ci ci;
	(void)seed;
	if (median_ci(x, n, 0.95, &ci) == 0 && !ci.is_range) {
		lo = ci.lo;
		hi = ci.hi;
		med = stats_median(x, n);
		if (med != 0 && isfinite(med))
			w = (hi - lo) / fabs(med) * 100.0;
	}
	if (width_pct)
		*width_pct = w;
	if (n >= min_runs && w < pct)
		return STATS_CI_NARROW;
	if (n >= max_runs)
		return STATS_CI_CAP;
	return STATS_CI_MORE;
}
