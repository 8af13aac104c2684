/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread reference counts (core/pcpu_ref.h).
 *
 * Unit: gets and puts in percpu mode leave the atomic count alone; kill
 * folds the outstanding per-thread references into it; puts after the
 * kill go to the atomic count; start again after a kill.
 * Concurrent (bounded by LB_PCPU_SECONDS x LB_TEST_SCALE, default 0.5 s):
 * getters take and drop references on one object, in whichever mode its
 * slot is, while a killer switches the slot to atomic mode and back, over
 * and over, holding the object's own reference ("the mapping"). The
 * atomic count must never reach zero (an underflow or a premature zero
 * would be a lost or double-counted reference), and at the end it must be
 * exactly the mapping's.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "core/alloc.h"
#include "core/irq.h"
#include "core/pcpu_ref.h"

#define GETTERS 3

static void unit(void)
{
	struct pcpu_ref_set *p = pcpu_ref_create(4);
	CHECK(p != NULL);
	struct lb_irq *irq = irq_alloc(LB_INTID_BASE);
	CHECK(irq != NULL);
	pcpu_ref_start(p, 2, irq);
	for (int i = 0; i < 3; i++) {
		lb_rcu_read_lock();
		CHECK(pcpu_ref_get_rcu(p, 2, irq));
		lb_rcu_read_unlock();
	}
	CHECK(lb_ref_read(&irq->refcount) == 1);
	CHECK(pcpu_ref_sum(p, 2) == 3);
	CHECK(pcpu_ref_put(p, 2, irq));
	lb_rcu_read_lock();
	CHECK(!pcpu_ref_get_rcu(p, 1, irq)); /* another slot: atomic mode */
	lb_rcu_read_unlock();
	pcpu_ref_kill(p, 2, &irq->refcount);
	CHECK(lb_ref_read(&irq->refcount) == 3); /* mapping + 2 outstanding */
	CHECK(pcpu_ref_sum(p, 2) == 0);
	CHECK(!pcpu_ref_put(p, 2, irq));
	CHECK(!lb_ref_put(&irq->refcount));
	CHECK(!pcpu_ref_put(p, 2, irq));
	CHECK(!lb_ref_put(&irq->refcount));
	CHECK(lb_ref_read(&irq->refcount) == 1);
	pcpu_ref_kill(p, 2, &irq->refcount); /* already atomic: nothing */
	CHECK(lb_ref_read(&irq->refcount) == 1);
	pcpu_ref_start(p, 2, irq);
	lb_rcu_read_lock();
	CHECK(pcpu_ref_get_rcu(p, 2, irq));
	lb_rcu_read_unlock();
	CHECK(pcpu_ref_put(p, 2, irq));
	pcpu_ref_kill(p, 2, &irq->refcount);
	CHECK(lb_ref_read(&irq->refcount) == 1);
	irq_free_now(irq);
	pcpu_ref_destroy(p);
}

static struct pcpu_ref_set *set;
static struct lb_irq *obj;
static atomic_bool stop;
static atomic_ulong zeroed, percpu_gets, atomic_gets, kills;

static void *getter(void *arg)
{
	uint64_t rng = (uintptr_t)arg * 0x9e3779b97f4a7c15ull | 1;
	lb_rcu_register_thread();
	struct lb_irq *held[4];
	unsigned nheld = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		if (nheld < 4 && (rng & 1)) {
			bool got;
			lb_rcu_read_lock();
			got = pcpu_ref_get_rcu(set, 0, obj);
			if (got)
				atomic_fetch_add_explicit(&percpu_gets, 1, memory_order_relaxed);
			else if ((got = lb_ref_tryget(&obj->refcount)))
				atomic_fetch_add_explicit(&atomic_gets, 1, memory_order_relaxed);
			lb_rcu_read_unlock();
			if (got)
				held[nheld++] = obj;
		} else if (nheld) {
			struct lb_irq *irq = held[--nheld];
			if (!pcpu_ref_put(set, 0, irq) && lb_ref_put(&irq->refcount))
				atomic_fetch_add(&zeroed, 1); /* the mapping is held */
		}
		if ((rng & 0xff) == 0)
			sched_yield();
	}
	while (nheld) {
		struct lb_irq *irq = held[--nheld];
		if (!pcpu_ref_put(set, 0, irq) && lb_ref_put(&irq->refcount))
			atomic_fetch_add(&zeroed, 1);
	}
	lb_rcu_unregister_thread();
	return NULL;
}

static void *killer(void *arg)
{
	(void)arg;
	lb_rcu_register_thread();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		pcpu_ref_kill(set, 0, &obj->refcount);
		atomic_fetch_add(&kills, 1);
		if (lb_ref_read(&obj->refcount) == 0)
			atomic_fetch_add(&zeroed, 1);
		sched_yield();
		pcpu_ref_start(set, 0, obj);
		sched_yield();
	}
	pcpu_ref_kill(set, 0, &obj->refcount);
	lb_rcu_unregister_thread();
	return NULL;
}

static void concurrent(void)
{
	const char *e = getenv("LB_PCPU_SECONDS");
	double secs = (e ? atof(e) : 0.5) * check_scale();
	set = pcpu_ref_create(1);
	obj = irq_alloc(LB_INTID_BASE);
	CHECK(set && obj);
	pcpu_ref_start(set, 0, obj);
	pthread_t th[GETTERS + 1];
	for (uintptr_t i = 0; i <= GETTERS; i++)
		pthread_create(&th[i], NULL, i < GETTERS ? getter : killer, (void *)(i + 1));
	struct timespec ts = {.tv_sec = (time_t)secs,
			      .tv_nsec = (long)((secs - (time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i <= GETTERS; i++)
		pthread_join(th[i], NULL);
	printf("pcpu_ref: %lu percpu gets, %lu atomic gets, %lu kills in %.2fs\n",
	       atomic_load(&percpu_gets), atomic_load(&atomic_gets), atomic_load(&kills), secs);
	CHECK(atomic_load(&kills) > 2);
	CHECK(atomic_load(&percpu_gets) > 0);
	CHECKF(atomic_load(&zeroed) == 0, "the count reached zero %lu times", atomic_load(&zeroed));
	CHECKF(lb_ref_read(&obj->refcount) == 1, "refcount %u at the end, expected 1",
	       lb_ref_read(&obj->refcount));
	CHECK(pcpu_ref_sum(set, 0) == 0);
	irq_free_now(obj);
	pcpu_ref_destroy(set);
}

int main(void)
{
	lb_rcu_register_thread();
	lb_irq_checks = true;
	uint64_t other = lb_mem_live_objects(LB_MEM_OTHER);
	unit();
	concurrent();
	CHECK(lb_mem_live_objects(LB_MEM_OTHER) == other);
	lb_rcu_unregister_thread();
	return check_exit("pcpu_ref");
}
