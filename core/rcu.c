/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every RCU flavour shares: grace-period accounting, the emulated
 * kernel-like grace-period latency, and the deferred-callback backlog.
 * The flavour itself is rcu_urcu.c (liburcu-memb) or rcu_check.c (LB_TSAN).
 */
#include "rcu_impl.h"

#include <time.h>

uint64_t lb_gp_latency_ns;
static atomic_ulong deferred_now, deferred_peak;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lb_synchronize_rcu(void)
{
	uint64_t t0 = now_ns();
	rcu_impl_synchronize();
	if (lb_gp_latency_ns) {
		/* Sleep out the rest of a kernel-like grace period. */
		uint64_t spent = now_ns() - t0;
		if (spent < lb_gp_latency_ns) {
			uint64_t left = lb_gp_latency_ns - spent;
			struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull),
					      .tv_nsec = (long)(left % 1000000000ull)};
			nanosleep(&ts, NULL);
		}
	}
	LB_COUNT(LB_C_GP_WAIT);
	LB_COUNT_ADD(LB_C_GP_WAIT_NS, now_ns() - t0);
}

static void deferred_trampoline_done(void)
{
	atomic_fetch_sub_explicit(&deferred_now, 1, memory_order_relaxed);
}

void rcu_impl_run_callback(struct lb_rcu_head *head)
{
	head->func(head);
	deferred_trampoline_done();
}

void lb_call_rcu(struct lb_rcu_head *head, void (*func)(struct lb_rcu_head *))
{
	unsigned long n = atomic_fetch_add_explicit(&deferred_now, 1, memory_order_relaxed) + 1;
	unsigned long peak = atomic_load_explicit(&deferred_peak, memory_order_relaxed);
	while (n > peak &&
	       !atomic_compare_exchange_weak_explicit(&deferred_peak, &peak, n,
						      memory_order_relaxed, memory_order_relaxed))
		;
	LB_COUNT(LB_C_DEFER_FREE);
	head->func = func;
	rcu_impl_call(head);
}

uint64_t lb_rcu_deferred_outstanding(void)
{
	return atomic_load_explicit(&deferred_now, memory_order_relaxed);
}

uint64_t lb_rcu_deferred_peak(void)
{
	return atomic_load_explicit(&deferred_peak, memory_order_relaxed);
}
