/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The median's order-statistics interval (util/median_ci.h) against known
 * values: the published ranks of the distribution-free interval (n = 6:
 * 1 and 6, coverage 1 - 2/64; n = 10: 2 and 9; n = 20: 6 and 15) and the
 * range below 6 runs with its real coverage (3 runs: 75%). With the
 * argument --table N it prints "n lo_rank hi_rank coverage is_range" for
 * n = 2..N instead, which tests/test_median_ci.sh compares with the
 * scripts' own computation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/median_ci.h"
#include "check.h"

static void ranks(unsigned n, unsigned want_lo, unsigned want_hi, double want_cov, bool want_range)
{
	unsigned lo, hi;
	double cov;
	bool range;
	CHECK(median_ci_ranks(n, 0.95, &lo, &hi, &cov, &range) == 0);
	CHECK(lo == want_lo && hi == want_hi);
	CHECK(fabs(cov - want_cov) < 1e-9);
	CHECK(range == want_range);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--table") == 0) {
		unsigned max = (unsigned)strtoul(argv[2], NULL, 10);
		for (unsigned n = 2; n <= max; n++) {
			unsigned lo, hi;
			double cov;
			bool range;
			median_ci_ranks(n, 0.95, &lo, &hi, &cov, &range);
			printf("%u %u %u %.12f %d\n", n, lo, hi, cov, range);
		}
		return 0;
	}
	unsigned lo, hi;
	double cov;
	bool range;
	CHECK(median_ci_ranks(1, 0.95, &lo, &hi, &cov, &range) == -1);
	ranks(2, 1, 2, 0.5, true);
	ranks(3, 1, 3, 0.75, true);
	ranks(5, 1, 5, 1 - 2.0 / 32, true);
	ranks(6, 1, 6, 1 - 2.0 / 64, false);
	ranks(10, 2, 9, 1 - 2 * 11.0 / 1024, false);
	/* n = 20: P(B <= 5) = 21700 / 2^20 */
	ranks(20, 6, 15, 1 - 2 * 21700.0 / 1048576, false);

	/* On values: unsorted input, not modified; ranks pick order statistics. */
	double x[10] = {9, 1, 8, 2, 7, 3, 6, 4, 5, 10};
	double copy[10];
	memcpy(copy, x, sizeof(x));
	struct median_ci ci;
	CHECK(median_ci(x, 10, 0.95, &ci) == 0);
	CHECK(ci.lo == 2 && ci.hi == 9 && !ci.is_range);
	CHECK(memcmp(x, copy, sizeof(x)) == 0);
	CHECK(median_ci(x, 3, 0.95, &ci) == 0);
	CHECK(ci.lo == 1 && ci.hi == 9 && ci.is_range && fabs(ci.coverage - 0.75) < 1e-12);
	CHECK(median_ci(x, 1, 0.95, &ci) == -1);

	/* Large n: no underflow; the ranks close in on n/2 -/+ 0.98 sqrt(n). */
	CHECK(median_ci_ranks(2000, 0.95, &lo, &hi, &cov, &range) == 0);
	CHECK(!range && cov >= 0.95 && cov < 0.96);
	CHECK(lo > 950 && lo < 960 && hi == 2001 - lo);
	return check_exit("test_median_ci");
}
