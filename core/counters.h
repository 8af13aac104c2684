/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread contention and event counters.
 *
 * Every thread owns one block of counters in thread-local storage and bumps
 * them with plain (non-atomic) increments: nothing on a hot path writes a
 * shared cache line just to be counted. The driver snapshots a worker's
 * block when the worker finishes (before the join, so no race). Exact
 * object accounting (allocations, frees, live objects) lives in alloc.h,
 * because frees also run on RCU callback threads.
 *
 * Context: any thread. Not async-signal-safe.
 */
#ifndef LB_COUNTERS_H
#define LB_COUNTERS_H

#include <stdint.h>

enum lb_counter {
	LB_C_LOCK_ACQ,	     /* lock acquisitions (all kinds) */
	LB_C_LOCK_CONTENDED, /* ... that found the lock taken */
	LB_C_LOCK_SPINS,     /* spin iterations while waiting */
	LB_C_CAS_RETRY,	     /* failed compare-and-swap attempts that were retried */
	LB_C_TRYGET_FAIL,    /* try-get that found a refcount of zero */
	LB_C_GET_MISS,	     /* lookups that found nothing */
	LB_C_GP_WAIT,	     /* synchronize (grace period waits) */
	LB_C_GP_WAIT_NS,     /* time spent in them */
	LB_C_DEFER_FREE,     /* frees deferred past a grace period */
	LB_C_CACHE_HIT,	     /* translation cache hits */
	LB_C_CACHE_MISS,     /* translation cache misses */
	LB_C_CACHE_EVICT,    /* translation cache evictions */
	LB_C_CACHE_INVAL,    /* translation cache entries invalidated */
	LB_C_NR
};

/* Lock acquisitions per class (enum lb_lock_class in sync.h). */
#define LB_LOCK_CLASSES 8

/* Per lock class, like the kernel's lock_stat: acquisitions, how many
 * found the lock held and how long they waited (every contended one), and
 * hold times, sampled every LB_HOLD_EVERY-th acquisition of a thread. */
#define LB_HOLD_EVERY 64u
/* A sampled hold longer than this was preempted (the kernel's LPI locks
 * are raw spinlocks, never preempted): counted apart, not in the mean. */
#define LB_HOLD_PREEMPTED_NS 100000u
struct lb_counters {
	uint64_t c[LB_C_NR];
	uint64_t lock_class[LB_LOCK_CLASSES];
	uint64_t class_contended[LB_LOCK_CLASSES];
	uint64_t class_wait_ns[LB_LOCK_CLASSES];
	uint64_t class_hold_samples[LB_LOCK_CLASSES];
	uint64_t class_hold_ns[LB_LOCK_CLASSES];
	uint64_t class_hold_preempted[LB_LOCK_CLASSES];
};

extern _Thread_local struct lb_counters lb_tc;

/* Hot-path increment: thread-local, no atomics. */
#define LB_COUNT(which)	       (lb_tc.c[(which)]++)
#define LB_COUNT_ADD(which, n) (lb_tc.c[(which)] += (n))
#define LB_COUNT_CLASS(cls)    (lb_tc.lock_class[(cls)]++)

/* Stable, machine-readable name of a counter (used as JSON key). */
const char *counters_name(enum lb_counter which);

/* Add this thread's block into *sum and clear it; used at thread exit. */
void counters_take(struct lb_counters *sum);

void counters_add(struct lb_counters *dst, const struct lb_counters *src);

#endif
