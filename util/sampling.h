/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which operations to time: a per-thread sampler feeding per-op-type
 * latency histograms.
 *
 * Why: reading a clock twice costs about as much as a lookup in a small
 * store, so timing every op would double what is measured. Instead every
 * Nth op of each type is timed, with N chosen so timing adds at most ~5%
 * to ns/op (samp_choose_n), or given with --sample=N (0 = no timing).
 *
 * Each op type keeps its own countdown, so a workload that alternates
 * get/put cannot alias a period of 2 onto one type; and each period is
 * drawn uniformly from [N - N/2, N + N/2] (mean N) so no fixed stride of
 * the workload (a key walk, a batch size) lines up with the samples.
 *
 * Recorded values are end - start of two clk_now() reads around the op:
 * they include one clock read (clk_active_info()->read_cost_ns, kept in
 * the manifest) and are not corrected for it.
 *
 * Use in a worker (the driver's loop or a workload's op):
 *
 *	if (samp_due(s, SAMP_OP_GET)) {
 *		uint64_t t0 = clk_now();
 *		do_get();
 *		samp_record(s, SAMP_OP_GET, t0, clk_now());
 *	} else {
 *		do_get();
 *	}
 *
 * or SAMP_TIMED(SAMP_OP_GET, do_get()) through the thread's samp_self.
 *
 * Context: a struct samp_thread belongs to one worker thread; no atomics.
 * The driver merges them (samp_merge) after joining the workers.
 */
#ifndef LB_SAMPLING_H
#define LB_SAMPLING_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "hist.h"

enum samp_op {
	SAMP_OP_OP,	    /* one whole workload op() call, as the driver sees it */
	SAMP_OP_GET,	    /* store lookup taking a reference */
	SAMP_OP_PUT,	    /* reference drop */
	SAMP_OP_TRANSLATE,  /* (device, event) -> LPI translation */
	SAMP_OP_QUEUE,	    /* LPI injection / queueing */
	SAMP_OP_COMMAND,    /* ITS command */
	SAMP_OP_INVALIDATE, /* cache invalidation */
	SAMP_OP_NR
};

#define SAMP_MAX_N     (1u << 16) /* longest period samp_choose_n picks */
#define SAMP_DEFAULT_N 64	  /* when the op cost is unknown */
/* Share of ns/op the timed ops may add. The whole harness target is about
 * 5%; the per-op countdown and the cache lines a timed op disturbs cost
 * about as much again as the timings themselves (measured on null and xa,
 * see README "Harness overhead"), so the timed ops get 2%. */
#define SAMP_BUDGET 0.02

struct samp_thread {
	uint64_t left[SAMP_OP_NR]; /* ops of the type until the next timed one */
	unsigned every;		   /* mean period N; 0 = timing off */
	uint64_t rng;		   /* xorshift state for the period jitter */
	struct hist h[SAMP_OP_NR];
};

/* The calling worker's sampler, or NULL (set by the driver, read by SAMP_TIMED). */
extern _Thread_local struct samp_thread *samp_self;

/* Initialise: every = N (0 = off); seed makes the jitter reproducible. */
void samp_thread_init(struct samp_thread *s, unsigned every, uint64_t seed);

/* Out-of-line part of samp_due: draw the next period; true if timing is on. */
bool samp_reload(struct samp_thread *s, enum samp_op op);

/* Is this op (of type op) to be timed? Hot path: one decrement and branch. */
static inline bool samp_due(struct samp_thread *s, enum samp_op op)
{
	if (__builtin_expect(--s->left[op] != 0, 1))
		return false;
	return samp_reload(s, op);
}

/* Record a timed op from its two clk_now() values. */
static inline void samp_record(struct samp_thread *s, enum samp_op op, uint64_t t0, uint64_t t1)
{
	hist_record(&s->h[op], clk_delta_ns(t0, t1));
}

/* stmt, timed as an op of type op when the sampler s (not NULL) says so. */
#define SAMP_TIMED_BY(s, op, stmt)                                                                 \
	do {                                                                                       \
		if (samp_due((s), (op))) {                                                         \
			uint64_t samp_t0_ = clk_now();                                             \
			stmt;                                                                      \
			samp_record((s), (op), samp_t0_, clk_now());                               \
		} else {                                                                           \
			stmt;                                                                      \
		}                                                                                  \
	} while (0)

/* The same through the thread's samp_self, which may be NULL (not timing). */
#define SAMP_TIMED(op, stmt)                                                                       \
	do {                                                                                       \
		struct samp_thread *samp_s_ = samp_self;                                           \
		if (samp_s_)                                                                       \
			SAMP_TIMED_BY(samp_s_, op, stmt);                                          \
		else                                                                               \
			stmt;                                                                      \
	} while (0)

/*
 * N for a timing overhead of at most SAMP_BUDGET: timing one op costs
 * timing_cost_ns more than not timing it (two clk_now(), the record, the
 * next period: samp_measure_cost_ns()), so
 * N = ceil(timing_cost_ns / (SAMP_BUDGET * op_ns)), in [1, SAMP_MAX_N].
 * op_ns is the untimed ns/op of a warm-up; unknown (<= 0, NaN) gives
 * SAMP_DEFAULT_N; a cost <= 0 gives 1.
 */
unsigned samp_choose_n(double timing_cost_ns, double op_ns);

/*
 * Measure timing_cost_ns on the calling thread: a trivial op timed every
 * time vs never, 7 alternating batches, median difference. ~1 ms. Call
 * after clk_init(). Measured rather than derived from the clock's read
 * cost: on these VMs LFENCE;RDTSC costs 14 ns back to back, but timing an
 * op costs 40-85 ns (two ordered reads, the histogram record, the next
 * period; more when the host is loaded).
 */
double samp_measure_cost_ns(void);

/* dst's histograms += src's (after the owner of src has finished). */
void samp_merge(struct samp_thread *dst, const struct samp_thread *src);

/* "op", "get", "put", "translate", "queue", "command", "invalidate". */
const char *samp_op_name(enum samp_op op);

#endif
