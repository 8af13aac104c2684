/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RCU flavour for ThreadSanitizer builds (LB_TSAN): the classic
 * two-phase counter RCU (as in liburcu's "mb" flavour), written on C11
 * atomics so TSan sees every happens-before edge: a reader's release on
 * leaving its section pairs with the writer's acquire scan, so a free after
 * lb_synchronize_rcu() is ordered after every access of the section.
 *
 * Readers never block. synchronize_rcu serialises on a mutex, flips the
 * phase twice and waits for every registered reader still in a section
 * that began in the old phase. Callbacks run on one worker thread.
 */
#include "rcu_impl.h"

#include <stdlib.h>
#include <time.h>

#define LB_RCU_PHASE (LB_RCU_NEST_MASK + 1)

_Thread_local struct lb_rcu_reader lb_rcu_self;
atomic_ulong lb_rcu_gp_ctr = 1; /* nest count 1: what a reader stores on entry */

static pthread_mutex_t gp_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct lb_rcu_reader *readers;

void lb_rcu_register_thread(void)
{
	if (lb_rcu_self.registered)
		return;
	atomic_init(&lb_rcu_self.ctr, 0);
	pthread_mutex_lock(&registry_mutex);
	lb_rcu_self.next = readers;
	readers = &lb_rcu_self;
	lb_rcu_self.registered = true;
	pthread_mutex_unlock(&registry_mutex);
}

void lb_rcu_unregister_thread(void)
{
	if (!lb_rcu_self.registered)
		return;
	pthread_mutex_lock(&registry_mutex);
	for (struct lb_rcu_reader **pp = &readers; *pp; pp = &(*pp)->next) {
		if (*pp == &lb_rcu_self) {
			*pp = lb_rcu_self.next;
			break;
		}
	}
	lb_rcu_self.registered = false;
	pthread_mutex_unlock(&registry_mutex);
}

static bool reader_blocks(struct lb_rcu_reader *r)
{
	unsigned long c = atomic_load_explicit(&r->ctr, memory_order_acquire);
	unsigned long gp = atomic_load_explicit(&lb_rcu_gp_ctr, memory_order_relaxed);
	return (c & LB_RCU_NEST_MASK) && ((c ^ gp) & LB_RCU_PHASE);
}

static void wait_for_readers(void)
{
	pthread_mutex_lock(&registry_mutex);
	for (struct lb_rcu_reader *r = readers; r; r = r->next) {
		unsigned spins = 0;
		while (reader_blocks(r)) {
			if (++spins > 64) {
				/* Readers may be preempted on an oversubscribed host. */
				sched_yield();
				spins = 0;
			}
		}
	}
	pthread_mutex_unlock(&registry_mutex);
}

void rcu_impl_synchronize(void)
{
	pthread_mutex_lock(&gp_mutex);
	lb_rcu_check_fence();
	for (int phase = 0; phase < 2; phase++) {
		atomic_fetch_xor_explicit(&lb_rcu_gp_ctr, LB_RCU_PHASE, memory_order_seq_cst);
		wait_for_readers();
	}
	pthread_mutex_unlock(&gp_mutex);
}

/* ---- callbacks: one worker, batches separated by a grace period ---- */
static pthread_mutex_t cb_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cb_done = PTHREAD_COND_INITIALIZER;
static struct lb_rcu_head *cb_head, **cb_tail = &cb_head;
static uint64_t cb_queued, cb_completed;
static pthread_once_t cb_once = PTHREAD_ONCE_INIT;

static void *cb_worker(void *arg)
{
	(void)arg;
	lb_rcu_register_thread();
	pthread_mutex_lock(&cb_mutex);
	for (;;) {
		while (!cb_head)
			pthread_cond_wait(&cb_cond, &cb_mutex);
		struct lb_rcu_head *batch = cb_head;
		cb_head = NULL;
		cb_tail = &cb_head;
		pthread_mutex_unlock(&cb_mutex);

		rcu_impl_synchronize();
		uint64_t n = 0;
		while (batch) {
			struct lb_rcu_head *next = batch->next;
			rcu_impl_run_callback(batch);
			batch = next;
			n++;
		}

		pthread_mutex_lock(&cb_mutex);
		cb_completed += n;
		pthread_cond_broadcast(&cb_done);
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

void rcu_impl_call(struct lb_rcu_head *head)
{
	pthread_once(&cb_once, cb_start);
	head->next = NULL;
	pthread_mutex_lock(&cb_mutex);
	*cb_tail = head;
	cb_tail = &head->next;
	cb_queued++;
	pthread_cond_signal(&cb_cond);
	pthread_mutex_unlock(&cb_mutex);
}

void rcu_impl_barrier(void)
{
	pthread_mutex_lock(&cb_mutex);
	uint64_t target = cb_queued;
	while (cb_completed < target)
		pthread_cond_wait(&cb_done, &cb_mutex);
	pthread_mutex_unlock(&cb_mutex);
}

const char *lb_rcu_flavour(void)
{
	return "check (C11-atomic counter RCU, TSan build)";
}
