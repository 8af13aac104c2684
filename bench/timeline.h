/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Timeline: a sampler thread that records, every --interval ms, each
 * worker's progress counter and a few extra gauges (e.g. the deferred-free
 * backlog, lb_rcu_deferred_outstanding()).
 *
 * Why: a run's average hides warm-up, stalls (a grace period that took
 * 50 ms, a preempted lock holder) and backlogs that grow without bound.
 * Throughput over time shows them.
 *
 * Progress counters belong to the workers: each worker stores its own op
 * count with atomic_store_explicit(..., memory_order_relaxed) (a plain
 * store on x86 and arm64, no shared-line writes beyond its own counter)
 * and the sampler loads them relaxed. A row is therefore not an atomic
 * snapshot across threads, only a consistent value per thread, which is
 * all a rate needs.
 *
 * Row layout (uint64_t each): [0] ns since timeline_start, [1..nthreads]
 * progress of each thread, then nextra gauge values. A row is taken at
 * start, every interval (absolute deadlines, no drift), and at stop.
 *
 * Context: timeline_start/stop/free from one controlling thread (the
 * driver's main thread); the gauge callback runs on the sampler thread
 * and must be thread-safe. Rows may be read only after timeline_stop().
 * If memory runs out, sampling stops and `truncated` is set.
 */
#ifndef LB_TIMELINE_H
#define LB_TIMELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMELINE_MAX_EXTRA 4

struct timeline_cfg {
	unsigned interval_ms; /* > 0 */
	unsigned nthreads;
	_Atomic uint64_t *const *progress; /* nthreads pointers */
	unsigned nextra;		   /* gauges, <= TIMELINE_MAX_EXTRA */
	const char *extra_name[TIMELINE_MAX_EXTRA];
	/* Fill vals[0..nextra) (called on the sampler thread); may be NULL if nextra == 0. */
	void (*extra)(void *arg, uint64_t *vals);
	void *extra_arg;
};

struct timeline {
	struct timeline_cfg cfg;
	/* Private to the sampler until timeline_stop(). */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool inited; /* lock and wake exist */
	bool stop;
	bool running;
	uint64_t t0_ns;
	uint64_t *rows;
	size_t nrows, cap; /* in rows */
	bool truncated;
};

/* Take the first row and start sampling. Returns 0 or -1 (errno set). */
int timeline_start(struct timeline *tl, const struct timeline_cfg *cfg);
/* Take the last row, stop the sampler and join it. */
void timeline_stop(struct timeline *tl);
void timeline_free(struct timeline *tl);

static inline size_t timeline_width(const struct timeline *tl)
{
	return 1 + (size_t)tl->cfg.nthreads + tl->cfg.nextra;
}

static inline size_t timeline_nrows(const struct timeline *tl)
{
	return tl->nrows;
}

static inline const uint64_t *timeline_row(const struct timeline *tl, size_t i)
{
	return tl->rows + i * timeline_width(tl);
}

/*
 * Ops per second between rows i-1 and i (i >= 1) of one thread, or of all
 * threads for thread < 0. 0 if no time passed.
 */
double timeline_rate(const struct timeline *tl, size_t i, int thread);

#endif
