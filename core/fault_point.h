/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fault points: places inside critical sections where a test can make the
 * thread that reaches them stop for good, as a thread that lost a wake-up
 * or deadlocked would, with the lock still held. bench's --inject=stall-cache
 * arms the cache point; the driver's watchdog must then end the run, mark
 * it stalled and exit without touching what the stuck thread holds.
 *
 * Cost when disarmed: one relaxed load and a predicted branch.
 * Context: any thread; the first to reach an armed point disarms it and
 * never returns (it sleeps until the process exits).
 */
#ifndef LB_FAULT_POINT_H
#define LB_FAULT_POINT_H

#include <stdatomic.h>

enum lb_fault_point {
	LB_FAULT_NONE,
	LB_FAULT_CACHE, /* a translation cache's lookup, its lock held */
};

extern _Atomic int lb_fault_armed; /* an enum lb_fault_point, or NONE */

/* Never returns. Context: the thread that took the point. */
void lb_fault_stop_here(const char *where) __attribute__((noreturn));

static inline void lb_fault_point(enum lb_fault_point p, const char *where)
{
	int want = (int)p;
	if (__builtin_expect(atomic_load_explicit(&lb_fault_armed, memory_order_relaxed) == want,
			     0) &&
	    atomic_compare_exchange_strong(&lb_fault_armed, &want, LB_FAULT_NONE))
		lb_fault_stop_here(where);
}

#endif
