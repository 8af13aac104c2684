/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Log-linear latency histograms of nanosecond values (HDR-style).
 *
 * Why: a mean hides the tail, and the tail is where a lock or a grace
 * period shows. Keeping every sample costs memory and cache traffic on
 * the hot path; a log-linear histogram keeps a fixed relative precision
 * over a huge range in a fixed array, records with a few instructions and
 * no allocation, and histograms of different threads (or runs) merge by
 * adding counts.
 *
 * Buckets: values 0..63 ns have one bucket each; above, every power of two
 * [2^e, 2^(e+1)) is split into 32 equal sub-buckets, so a bucket is at
 * most 1/32 (3.1%) of its lower bound wide; a percentile reported as the
 * bucket's midpoint is within 1/64 (1.6%) of a true sample value. The
 * range ends at HIST_MAX_VALUE (2^37-1 ns, ~137 s); larger values are
 * counted in the last bucket and in `overflow` (min, max, sum stay exact).
 *
 * Context: a struct hist is owned by one thread while it records (no
 * atomics). Merge and read it after the owner is done (after a join).
 */
#ifndef LB_HIST_H
#define LB_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS  5
#define HIST_SUB       (1u << HIST_SUB_BITS) /* linear sub-buckets per power of two */
#define HIST_MAX_EXP   36		     /* top power of two tracked */
#define HIST_MAX_VALUE ((1ull << (HIST_MAX_EXP + 1)) - 1)
#define HIST_NBUCKETS  ((HIST_MAX_EXP - HIST_SUB_BITS + 2) << HIST_SUB_BITS) /* 1056 */

struct hist {
	uint64_t count;
	uint64_t sum;	   /* of recorded values, exact */
	uint64_t min, max; /* exact; min is UINT64_MAX while empty */
	uint64_t overflow; /* values above HIST_MAX_VALUE */
	uint64_t b[HIST_NBUCKETS];
};

/* One non-empty bucket, for export: values in [lo, hi) were counted. */
struct hist_bucket {
	uint64_t lo, hi, count;
};

struct hist_summary {
	uint64_t count;
	double mean;
	uint64_t min, p50, p90, p99, p999, max;
};

/* Bucket index of a value (values above the range go to the last one). */
static inline unsigned hist_index(uint64_t v)
{
	if (v > HIST_MAX_VALUE)
		v = HIST_MAX_VALUE;
	unsigned e = 63 - (unsigned)__builtin_clzll(v | HIST_SUB);
	unsigned sh = e - HIST_SUB_BITS;
	return (sh << HIST_SUB_BITS) + (unsigned)(v >> sh);
}

/* Record one value. Hot path: no branches but the min/max/overflow ones. */
static inline void hist_record(struct hist *h, uint64_t ns)
{
	h->b[hist_index(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	if (__builtin_expect(ns > HIST_MAX_VALUE, 0))
		h->overflow++;
}

/* Empty a histogram (also the way to initialise one). */
void hist_reset(struct hist *h);

/* dst += src. */
void hist_merge(struct hist *dst, const struct hist *src);

/* Bounds of bucket idx: values in [*lo, *hi). */
void hist_bucket_bounds(unsigned idx, uint64_t *lo, uint64_t *hi);

/*
 * Value at percentile p (0..100): the smallest recorded value v such that
 * at least p% of the samples are <= v, reported as the midpoint of v's
 * bucket clamped to [min, max]. p <= 0 gives min, p >= 100 gives max;
 * an empty histogram gives 0.
 */
uint64_t hist_percentile(const struct hist *h, double p);

double hist_mean(const struct hist *h);

void hist_summarize(const struct hist *h, struct hist_summary *s);

/*
 * Iterate over the non-empty buckets in increasing order, for JSON:
 *   unsigned it = 0; struct hist_bucket b;
 *   while (hist_next_bucket(h, &it, &b)) ...
 */
bool hist_next_bucket(const struct hist *h, unsigned *it, struct hist_bucket *out);

/* Number of non-empty buckets. */
size_t hist_nonempty(const struct hist *h);

#endif
