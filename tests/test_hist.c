/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Log-linear histograms: bucketing of known values, percentiles of known
 * distributions within bucket precision, merge equals recording all in one.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hist.h"
#include "check.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* |got - want| within the bucket precision of want (1/32, plus 1 ns). */
static int close_enough(uint64_t got, uint64_t want)
{
	double tol = (double)want / HIST_SUB + 1;
	return fabs((double)got - (double)want) <= tol;
}

static void test_bucketing(void)
{
	uint64_t lo, hi, prev_hi = 0;

	/* 0..63 ns: one bucket per value. */
	for (uint64_t v = 0; v < 64; v++) {
		CHECK(hist_index(v) == v);
		hist_bucket_bounds((unsigned)v, &lo, &hi);
		CHECK(lo == v && hi == v + 1);
	}
	/* Then 32 sub-buckets per power of two. */
	CHECK(hist_index(64) == 64 && hist_index(65) == 64 && hist_index(66) == 65);
	CHECK(hist_index(127) == 95 && hist_index(128) == 96);
	CHECK(hist_index(1000) == hist_index(1007)); /* [1000, 1008) is one bucket */
	CHECK(hist_index(1008) == hist_index(1000) + 1);
	CHECK(hist_index(HIST_MAX_VALUE) == HIST_NBUCKETS - 1);
	CHECK(hist_index(UINT64_MAX) == HIST_NBUCKETS - 1);
	CHECK(hist_index(100000000000ull) < HIST_NBUCKETS); /* 1e11 ns is in range */

	/* Buckets tile the range: contiguous, each within 1/32 of its lower bound. */
	for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
		hist_bucket_bounds(i, &lo, &hi);
		CHECKF(lo == prev_hi, "bucket %u starts at %llu, previous ended at %llu", i,
		       (unsigned long long)lo, (unsigned long long)prev_hi);
		CHECK(hi > lo);
		if (lo >= HIST_SUB)
			CHECK((hi - lo) * HIST_SUB <= lo);
		CHECK(hist_index(lo) == i && hist_index(hi - 1) == i);
		prev_hi = hi;
	}
	CHECK(prev_hi == HIST_MAX_VALUE + 1);

	/* Random values fall in their bucket; index is monotonic. */
	for (int i = 0; i < 100000; i++) {
		uint64_t v = rnd() >> (rnd() % 64), w = v + rnd() % 1000;
		if (v > HIST_MAX_VALUE || w > HIST_MAX_VALUE)
			continue;
		hist_bucket_bounds(hist_index(v), &lo, &hi);
		CHECK(lo <= v && v < hi);
		CHECK(hist_index(v) <= hist_index(w));
	}
}

static void test_record_and_export(void)
{
	static struct hist h;
	struct hist_bucket b;
	unsigned it = 0;
	uint64_t total = 0, last_hi = 0;
	size_t n = 0;

	hist_reset(&h);
	CHECK(h.count == 0 && hist_percentile(&h, 50) == 0 && hist_mean(&h) == 0);
	CHECK(!hist_next_bucket(&h, &it, &b));

	it = 0;
	for (uint64_t v = 1; v <= 10; v++)
		hist_record(&h, v);
	CHECK(h.count == 10 && h.min == 1 && h.max == 10 && h.sum == 55);
	CHECK(hist_percentile(&h, 50) == 5); /* exact buckets below 64 */
	CHECK(hist_percentile(&h, 90) == 9);
	CHECK(hist_percentile(&h, 91) == 10);
	CHECK(hist_percentile(&h, 0) == 1 && hist_percentile(&h, 100) == 10);
	CHECK(hist_mean(&h) == 5.5);

	hist_record(&h, 1000000);
	hist_record(&h, HIST_MAX_VALUE + 12345);
	CHECK(h.overflow == 1 && h.max == HIST_MAX_VALUE + 12345);
	CHECK(hist_percentile(&h, 100) == HIST_MAX_VALUE + 12345);

	while (hist_next_bucket(&h, &it, &b)) {
		CHECK(b.count > 0 && b.lo >= last_hi && b.hi > b.lo);
		last_hi = b.hi;
		total += b.count;
		n++;
	}
	CHECK(total == h.count);
	CHECK(n == hist_nonempty(&h) && n == 12);
}

/* Percentiles against the exact order statistics of the same samples. */
static void check_against_exact(const char *what, uint64_t *v, size_t n)
{
	static struct hist h;
	static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9};
	double sum = 0;

	hist_reset(&h);
	for (size_t i = 0; i < n; i++) {
		hist_record(&h, v[i]);
		sum += (double)v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double r = ps[i] / 100 * (double)n; /* rank = ceil(r), as hist.c */
		size_t rank = (size_t)r;
		if ((double)rank < r - 1e-9 * r)
			rank++;
		uint64_t want = v[rank ? rank - 1 : 0], got = hist_percentile(&h, ps[i]);
		CHECKF(close_enough(got, want), "%s p%g: got %llu, exact %llu", what, ps[i],
		       (unsigned long long)got, (unsigned long long)want);
	}
	CHECK(hist_percentile(&h, 100) == v[n - 1]);
	CHECK(h.min == v[0]);
	CHECK(fabs(hist_mean(&h) - sum / (double)n) < 1e-6 * sum / (double)n);
}

static void test_percentiles(void)
{
	size_t n = 100000;
	uint64_t *v = malloc(n * sizeof(*v));
	struct hist_summary s;
	static struct hist h;

	/* Uniform 1..100000, each once: p50 = 50000, p99.9 = 99900. */
	hist_reset(&h);
	for (size_t i = 0; i < n; i++)
		hist_record(&h, i + 1);
	hist_summarize(&h, &s);
	CHECK(close_enough(s.p50, 50000) && close_enough(s.p90, 90000));
	CHECK(close_enough(s.p99, 99000) && close_enough(s.p999, 99900));
	CHECK(s.min == 1 && s.max == 100000 && s.count == n && s.mean == 50000.5);

	for (size_t i = 0; i < n; i++)
		v[i] = i + 1;
	check_against_exact("uniform", v, n);

	/* Exponential with a 200 ns mean: a long tail. */
	for (size_t i = 0; i < n; i++) {
		double u = ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
		v[i] = (uint64_t)(-200.0 * log(u));
	}
	check_against_exact("exponential", v, n);

	/* Log-uniform over 1 ns .. 1e11 ns: every decade of the range. */
	for (size_t i = 0; i < n; i++) {
		double u = (double)(rnd() >> 11) / 9007199254740992.0;
		v[i] = (uint64_t)pow(10.0, 11.0 * u);
	}
	check_against_exact("log-uniform", v, n);

	/* Bimodal: fast path 40 ns, slow path 50 us (1%). */
	for (size_t i = 0; i < n; i++)
		v[i] = (rnd() % 100 == 0) ? 50000 + rnd() % 1000 : 40 + rnd() % 5;
	check_against_exact("bimodal", v, n);
	free(v);
}

static void test_merge(void)
{
	static struct hist all, part[4], merged;
	uint64_t lo, hi;

	hist_reset(&all);
	hist_reset(&merged);
	for (int i = 0; i < 4; i++)
		hist_reset(&part[i]);
	for (int i = 0; i < 200000; i++) {
		uint64_t v = rnd() >> (20 + rnd() % 44);
		hist_record(&all, v);
		hist_record(&part[rnd() % 4], v);
	}
	for (int i = 0; i < 4; i++)
		hist_merge(&merged, &part[i]);
	CHECK(memcmp(&merged, &all, sizeof(all)) == 0);
	CHECK(hist_percentile(&merged, 99) == hist_percentile(&all, 99));

	/* Merging an empty one changes nothing (min stays right). */
	hist_reset(&part[0]);
	hist_merge(&merged, &part[0]);
	CHECK(memcmp(&merged, &all, sizeof(all)) == 0);
	hist_bucket_bounds(hist_index(merged.min), &lo, &hi);
	CHECK(lo <= merged.min);
}

int main(void)
{
	test_bucketing();
	test_record_and_export();
	test_percentiles();
	test_merge();
	return check_exit("test_hist");
}
