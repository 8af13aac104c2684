/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every RCU flavour shares: grace-period accounting, the emulated
 * kernel-like grace-period latency, the deferred callbacks and their backlog.
 * The flavour itself is rcu_urcu.c (liburcu-memb) or rcu_check.c (LB_TSAN).
 */
#include "rcu_impl.h"

#include "cells.h"

#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

uint64_t lb_gp_latency_ns;
/* Deferred callbacks are counted in per-thread cells (cells.h): queued by
 * the caller, run by the callback thread. The peak backlog is sampled by
 * the threads that run callbacks, just before each batch runs, where it is highest. */
enum { RCU_QUEUED, RCU_RAN, RCU_QUEUED_SHARED };
#define RCU_CELL(which) (LB_CELL_RCU_BASE + (which))
static atomic_ulong deferred_peak;

static uint64_t deferred_now(void)
{
	int64_t n = lb_cell_sum(RCU_CELL(RCU_QUEUED)) - lb_cell_sum(RCU_CELL(RCU_RAN));
	return n > 0 ? (uint64_t)n : 0;
}

/* Called by callback threads only, once per batch. */
static void sample_peak(void)
{
	unsigned long n = deferred_now();
	unsigned long peak = atomic_load_explicit(&deferred_peak, memory_order_relaxed);
	while (n > peak &&
	       !atomic_compare_exchange_weak_explicit(&deferred_peak, &peak, n,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

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
static uint64_t cb_completed; /* under cb_mutex */
static pthread_mutex_t cb_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cb_done = PTHREAD_COND_INITIALIZER;
static pthread_once_t cb_once = PTHREAD_ONCE_INIT;

static void run_callback(struct lb_rcu_head *head)
{
	head->func(head);
	lb_cell_add(RCU_CELL(RCU_RAN), 1);
}

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
		sample_peak();
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
			run_callback(fifo);
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

/* ---- --gp-latency: per-CPU callback queues, one per configured CPU ---- */
struct gp_cpu {
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	struct lb_rcu_head *head, **tail;
	uint64_t due_ns; /* the newest queued callback's due time */
	bool busy, started;
	atomic_ulong ran;
	unsigned cpu;
};
static struct gp_cpu *gp_cpus; /* gp_nr_cpus of them, never freed */
static unsigned gp_nr_cpus;
static pthread_once_t gp_once = PTHREAD_ONCE_INIT;

static void gp_init(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	gp_nr_cpus = n > 0 ? (unsigned)n : 1;
	gp_cpus = calloc(gp_nr_cpus, sizeof(*gp_cpus));
	if (!gp_cpus)
		abort(); /* at the first deferred free: nothing to fall back on */
	for (unsigned i = 0; i < gp_nr_cpus; i++) {
		struct gp_cpu *c = &gp_cpus[i];
		pthread_mutex_init(&c->lock, NULL);
		pthread_cond_init(&c->work, NULL);
		pthread_cond_init(&c->idle, NULL);
		c->tail = &c->head;
		c->cpu = i;
	}
}

static void gp_sleep_until(uint64_t due)
{
	uint64_t now = now_ns();
	if (due > now) {
		uint64_t left = due - now;
		struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull),
				      .tv_nsec = (long)(left % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

/* One per CPU that queued callbacks, pinned there. Takes the queue as a
 * batch, waits out its last callback's due time, then a real grace period,
 * then runs the batch in order. */
static void *gp_cpu_main(void *arg)
{
	struct gp_cpu *c = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	lb_rcu_register_thread();
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->head)
			pthread_cond_wait(&c->work, &c->lock);
		struct lb_rcu_head *batch = c->head;
		uint64_t due = c->due_ns;
		c->head = NULL;
		c->tail = &c->head;
		c->busy = true;
		pthread_mutex_unlock(&c->lock);
		gp_sleep_until(due);
		rcu_impl_synchronize();
		sample_peak();
		unsigned long n = 0;
		while (batch) {
			struct lb_rcu_head *next = batch->next;
			run_callback(batch);
			batch = next;
			n++;
		}
		atomic_fetch_add_explicit(&c->ran, n, memory_order_relaxed);
		pthread_mutex_lock(&c->lock);
		c->busy = false;
		pthread_cond_broadcast(&c->idle);
	}
	return NULL;
}

static void gp_queue(struct lb_rcu_head *head)
{
	pthread_once(&gp_once, gp_init);
	int cpu = sched_getcpu();
	struct gp_cpu *c = &gp_cpus[cpu >= 0 && (unsigned)cpu < gp_nr_cpus ? (unsigned)cpu : 0];
	uint64_t due = now_ns() + lb_gp_latency_ns;
	head->next = NULL;
	pthread_mutex_lock(&c->lock);
	if (!c->started) {
		pthread_t t;
		if (pthread_create(&t, NULL, gp_cpu_main, c) == 0) {
			pthread_detach(t);
			c->started = true;
		}
	}
	if (!c->started) { /* no thread: run it here after a grace period */
		pthread_mutex_unlock(&c->lock);
		gp_sleep_until(due);
		rcu_impl_synchronize();
		run_callback(head);
		atomic_fetch_add_explicit(&c->ran, 1, memory_order_relaxed);
		return;
	}
	*c->tail = head;
	c->tail = &head->next;
	c->due_ns = due;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
}

/* Waits until every per-CPU queue is empty and idle; true if any was not. */
static bool rcu_gp_queues_drain(void)
{
	bool waited = false;
	if (!lb_gp_latency_ns)
		return false;
	pthread_once(&gp_once, gp_init);
	for (unsigned i = 0; i < gp_nr_cpus; i++) {
		struct gp_cpu *c = &gp_cpus[i];
		pthread_mutex_lock(&c->lock);
		while (c->head || c->busy) {
			waited = true;
			pthread_cond_wait(&c->idle, &c->lock);
		}
		pthread_mutex_unlock(&c->lock);
	}
	return waited;
}

static void cb_drain(void);

void lb_rcu_barrier(void)
{
	for (;;) {
		bool waited = rcu_gp_queues_drain();
		cb_drain();
		rcu_impl_barrier();
		if (!waited && !rcu_gp_queues_drain())
			break;
	}
}

uint64_t lb_rcu_callbacks_on_cpu(unsigned cpu)
{
	return cpu < gp_nr_cpus ? atomic_load_explicit(&gp_cpus[cpu].ran, memory_order_relaxed) : 0;
}

unsigned lb_rcu_callback_cpus(void)
{
	return gp_nr_cpus;
}

void lb_call_rcu(struct lb_rcu_head *head, void (*func)(struct lb_rcu_head *))
{
	lb_cell_add(RCU_CELL(RCU_QUEUED), 1);
	LB_COUNT(LB_C_DEFER_FREE);
	pthread_once(&cb_once, cb_start);
	head->func = func;
	if (lb_gp_latency_ns) {
		gp_queue(head);
		return;
	}
	lb_cell_add(RCU_CELL(RCU_QUEUED_SHARED), 1);
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

/* Waits for the callbacks queued on the shared stack before the call. */
static void cb_drain(void)
{
	uint64_t target = (uint64_t)lb_cell_sum(RCU_CELL(RCU_QUEUED_SHARED));
	pthread_mutex_lock(&cb_mutex);
	while (cb_completed < target)
		pthread_cond_wait(&cb_done, &cb_mutex);
	pthread_mutex_unlock(&cb_mutex);
}

uint64_t lb_rcu_deferred_outstanding(void)
{
	return deferred_now();
}

uint64_t lb_rcu_deferred_peak(void)
{
	return atomic_load_explicit(&deferred_peak, memory_order_relaxed);
}
