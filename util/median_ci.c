/* SPDX-License-Identifier: BSD-2-Clause */
/* The median's order-statistics interval (see median_ci.h). */
#include "median_ci.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* P(B <= k), B ~ Binomial(n, 1/2), summed in the log domain so that large
 * n does not underflow 2^-n. */
static double binom_half_cdf(unsigned n, unsigned k)
{
	double sum = 0, ln2n = (double)n * log(2.0);
	for (unsigned i = 0; i <= k && i <= n; i++)
		sum += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - ln2n);
	return sum > 1 ? 1 : sum;
}

int median_ci_ranks(unsigned n, double level, unsigned *lo_rank, unsigned *hi_rank,
		    double *coverage, bool *is_range)
{
	if (n < 2)
		return -1;
	/* Ranks move inwards while the coverage stays at or above level. */
	unsigned l = 1;
	double cov = 1 - 2 * binom_half_cdf(n, 0);
	while (l + 1 <= n + 1 - (l + 1)) {
		double next = 1 - 2 * binom_half_cdf(n, l);
		if (next < level)
			break;
		l++;
		cov = next;
	}
	*lo_rank = l;
	*hi_rank = n + 1 - l;
	*coverage = cov;
	*is_range = cov < level;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int median_ci(const double *x, size_t n, double level, struct median_ci *ci)
{
	if (n < 2 || n > 0xffffffffu)
		return -1;
	double *s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	median_ci_ranks((unsigned)n, level, &ci->lo_rank, &ci->hi_rank, &ci->coverage,
			&ci->is_range);
	ci->lo = s[ci->lo_rank - 1];
	ci->hi = s[ci->hi_rank - 1];
	free(s);
	return 0;
}
