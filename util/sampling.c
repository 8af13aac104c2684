/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread op sampler (see sampling.h).
 */
#include "sampling.h"

#include <math.h>
#include <stdlib.h>

#include "../core/rand.h"

_Thread_local struct samp_thread *samp_self;

static const char *const op_names[SAMP_OP_NR] = {
    [SAMP_OP_OP] = "op",
    [SAMP_OP_GET] = "get",
    [SAMP_OP_PUT] = "put",
    [SAMP_OP_TRANSLATE] = "translate",
    [SAMP_OP_QUEUE] = "queue",
    [SAMP_OP_COMMAND] = "command",
    [SAMP_OP_INVALIDATE] = "invalidate",
};

const char *samp_op_name(enum samp_op op)
{
	return (unsigned)op < SAMP_OP_NR ? op_names[op] : "?";
}

static uint64_t next_period(struct samp_thread *s)
{
	uint64_t half = s->every / 2;

	if (!s->every)
		return UINT64_MAX; /* never due in practice; reloaded if it is */
	/* Uniform in [N - N/2, N + N/2]: mean N. Multiply-shift, not %: a
	 * 64-bit division costs tens of ns and this runs once per timed op. */
	return s->every - half + ((lb_rand64(&s->rng) >> 32) * (2 * half + 1) >> 32);
}

void samp_thread_init(struct samp_thread *s, unsigned every, uint64_t seed)
{
	s->every = every;
	/* splitmix64 of the seed: any seed, including 0, gives a good state. */
	seed += 0x9E3779B97F4A7C15ull;
	seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ull;
	seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBull;
	s->rng = (seed ^ (seed >> 31)) | 1;
	for (int i = 0; i < SAMP_OP_NR; i++) {
		s->left[i] = next_period(s);
		hist_reset(&s->h[i]);
	}
}

bool samp_reload(struct samp_thread *s, enum samp_op op)
{
	s->left[op] = next_period(s);
	return s->every != 0;
}

unsigned samp_choose_n(double timing_cost_ns, double op_ns)
{
	double n;

	if (!(op_ns > 0) || !isfinite(op_ns))
		return SAMP_DEFAULT_N;
	if (!(timing_cost_ns > 0))
		return 1;
	n = ceil(timing_cost_ns / (SAMP_BUDGET * op_ns));
	if (!(n >= 1))
		return 1;
	if (n > SAMP_MAX_N)
		return SAMP_MAX_N;
	return (unsigned)n;
}

static volatile uint64_t samp_sink;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum { SAMP_COST_OPS = 2000 };

/* ns for SAMP_COST_OPS trivial ops through the sampling check; whether
 * each is timed depends on how s was set up. */
static inline __attribute__((always_inline)) double samp_loop_ns(struct samp_thread *s)
{
	uint64_t t0 = clk_now();
	for (int i = 0; i < SAMP_COST_OPS; i++) {
		if (samp_due(s, SAMP_OP_OP)) {
			uint64_t a = clk_now();
			samp_sink++;
			samp_record(s, SAMP_OP_OP, a, clk_now());
		} else {
			samp_sink++;
		}
	}
	return (double)clk_delta_ns(t0, clk_now());
}

double samp_measure_cost_ns(void)
{
	enum { BATCHES = 7 };
	struct samp_thread *s = malloc(sizeof(*s));
	double diff[BATCHES];

	if (!s)
		return 0;
	for (int b = 0; b < BATCHES; b++) {
		samp_thread_init(s, 0, (uint64_t)b); /* never due */
		double untimed = samp_loop_ns(s);
		samp_thread_init(s, 1, (uint64_t)b); /* always due */
		double timed = samp_loop_ns(s);
		diff[b] = (timed - untimed) / SAMP_COST_OPS;
	}
	free(s);
	qsort(diff, BATCHES, sizeof(diff[0]), cmp_double);
	return diff[BATCHES / 2] > 0 ? diff[BATCHES / 2] : 0;
}

void samp_merge(struct samp_thread *dst, const struct samp_thread *src)
{
	for (int i = 0; i < SAMP_OP_NR; i++)
		hist_merge(&dst->h[i], &src->h[i]);
}
