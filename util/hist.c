/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Log-linear histograms: reading side (see hist.h for the bucket layout).
 */
#include "hist.h"

#include <string.h>

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_NBUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	dst->overflow += src->overflow;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

void hist_bucket_bounds(unsigned idx, uint64_t *lo, uint64_t *hi)
{
	unsigned g = idx >> HIST_SUB_BITS;
	unsigned sh = g <= 1 ? 0 : g - 1;
	uint64_t l = (uint64_t)(idx - (sh << HIST_SUB_BITS)) << sh;

	*lo = l;
	*hi = l + (1ull << sh);
}

/* A bucket's representative value: its midpoint, clamped to what was seen. */
static uint64_t bucket_value(const struct hist *h, unsigned idx)
{
	uint64_t lo, hi, v;

	hist_bucket_bounds(idx, &lo, &hi);
	v = lo + (hi - lo - 1) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	double r;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* rank = ceil(p% of count), computed so 99.9% of 1000 is exactly 999. */
	r = p / 100.0 * (double)h->count;
	rank = (uint64_t)r;
	if ((double)rank < r - 1e-9 * r)
		rank++;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			return bucket_value(h, i);
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

void hist_summarize(const struct hist *h, struct hist_summary *s)
{
	s->count = h->count;
	s->mean = hist_mean(h);
	s->min = h->count ? h->min : 0;
	s->max = h->max;
	s->p50 = hist_percentile(h, 50);
	s->p90 = hist_percentile(h, 90);
	s->p99 = hist_percentile(h, 99);
	s->p999 = hist_percentile(h, 99.9);
}

bool hist_next_bucket(const struct hist *h, unsigned *it, struct hist_bucket *out)
{
	for (unsigned i = *it; i < HIST_NBUCKETS; i++) {
		if (h->b[i]) {
			hist_bucket_bounds(i, &out->lo, &out->hi);
			out->count = h->b[i];
			*it = i + 1;
			return true;
		}
	}
	*it = HIST_NBUCKETS;
	return false;
}

size_t hist_nonempty(const struct hist *h)
{
	size_t n = 0;
	for (unsigned i = 0; i < HIST_NBUCKETS; i++)
		n += h->b[i] != 0;
	return n;
}
