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
 * that began in the old phase. Callbacks are core/rcu.c's.
 */
#include "rcu_impl.h"

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

void rcu_impl_barrier(void)
{
}

const char *lb_rcu_flavour(void)
{
	return "check (C11-atomic counter RCU, TSan build)";
}
