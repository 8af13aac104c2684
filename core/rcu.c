/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every RCU flavour shares: grace-period accounting, the emulated
 * kernel-like grace-period latency, the deferred callbacks and their backlog.
 * The flavour itself is rcu_urcu.c (liburcu-memb) or rcu_check.c (LB_TSAN).
 */
#include "rcu_impl.h"

#include <stdlib.h>
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

/*
 * Deferred callbacks, the same in every flavour: lb_call_rcu pushes the
 * head onto one lock-free stack (a compare-and-swap, as cheap as liburcu's
 * queue; no lock, so the head needs only next and func: 16 bytes, the
 * kernel's size). One worker thread takes the whole stack, waits for a
 * grace period (every callback in it was queued before that grace period
 * began) and runs them oldest first. The worker sleeps when the stack is
 * empty; the push that makes it non-empty wakes it.
 */
static _Atomic(struct lb_rcu_head *) cb_stack;
static atomic_ulong cb_queued;
static uint64_t cb_completed; /* under cb_mutex */
static pthread_mutex_t cb_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cb_done = PTHREAD_COND_INITIALIZER;
static pthread_once_t cb_once = PTHREAD_ONCE_INIT;

static void *cb_worker(void *arg)
{
	(void)arg;
	lb_rcu_register_thread(); /* callbacks may enter read sections */
	for (;;) {
		pthread_mutex_lock(&cb_mutex);
		while (!atomic_load_explicit(&cb_stack, memory_order_acquire))
			pthread_cond_wait(&cb_work, &cb_mutex);
		pthread_mutex_unlock(&cb_mutex);

		struct lb_rcu_head *batch =
		    atomic_exchange_explicit(&cb_stack, NULL, memory_order_acquire);
		rcu_impl_synchronize();
		struct lb_rcu_head *fifo = NULL;
		while (batch) { /* the stack is newest first: reverse it */
			struct lb_rcu_head *next = batch->next;
			batch->next = fifo;
			fifo = batch;
			batch = next;
		}
		uint64_t n = 0;
		while (fifo) {
			struct lb_rcu_head *next = fifo->next;
			fifo->func(fifo);
			atomic_fetch_sub_explicit(&deferred_now, 1, memory_order_relaxed);
			fifo = next;
			n++;
		}
		pthread_mutex_lock(&cb_mutex);
		cb_completed += n;
		pthread_cond_broadcast(&cb_done);
		pthread_mutex_unlock(&cb_mutex);
	}
	return NULL;
}

static void cb_start(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, cb_worker, NULL) != 0)
		abort();
	pthread_detach(t);
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
	pthread_once(&cb_once, cb_start);
	head->func = func;
	atomic_fetch_add_explicit(&cb_queued, 1, memory_order_relaxed);
	struct lb_rcu_head *top = atomic_load_explicit(&cb_stack, memory_order_relaxed);
	do
		head->next = top;
	while (!atomic_compare_exchange_weak_explicit(&cb_stack, &top, head, memory_order_release,
						      memory_order_relaxed));
	if (!top) { /* the worker may be asleep: wake it */
		pthread_mutex_lock(&cb_mutex);
		pthread_cond_signal(&cb_work);
		pthread_mutex_unlock(&cb_mutex);
	}
}

void lb_rcu_barrier(void)
{
	uint64_t target = atomic_load_explicit(&cb_queued, memory_order_relaxed);
	pthread_mutex_lock(&cb_mutex);
	while (cb_completed < target)
		pthread_cond_wait(&cb_done, &cb_mutex);
	pthread_mutex_unlock(&cb_mutex);
	rcu_impl_barrier();
}

uint64_t lb_rcu_deferred_outstanding(void)
{
	return atomic_load_explicit(&deferred_now, memory_order_relaxed);
}

uint64_t lb_rcu_deferred_peak(void)
{
	return atomic_load_explicit(&deferred_peak, memory_order_relaxed);
}
