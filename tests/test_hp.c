/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hazard pointers (core/hp.h): ck_hp in normal builds, the C11 scheme in
 * TSan builds; the same tests for both.
 *
 * Unit: an unprotected retired object is freed by a drain; a protected
 * one survives scans until its hazard is cleared; records of several
 * threads and domains coexist.
 * Concurrent (bounded by LB_HP_SECONDS x LB_TEST_SCALE, default 0.5 s):
 * readers protect the object a shared shared_link names and check it is live
 * while protected; writers swap new objects in and retire the old ones.
 * Objects come from a pool and are never returned to the system, so a
 * premature free shows as a reader seeing a dead object, not as undefined
 * behaviour; ASan and TSan check the rest in their builds.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "core/hp.h"

#define POOL	4096
#define LIVE	0x1111u
#define DEAD	0xdeadu
#define READERS 3
#define WRITERS 2

struct obj {
	struct lb_hp_node node;
	atomic_uint state;
	struct obj *next_free; /* under pool_lock */
};

static struct obj pool[POOL];
static struct obj *free_list;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong freed, dead_seen;

static void obj_destroy(void *p)
{
	struct obj *o = p;
	atomic_store_explicit(&o->state, DEAD, memory_order_release);
	pthread_mutex_lock(&pool_lock);
	o->next_free = free_list;
	free_list = o;
	pthread_mutex_unlock(&pool_lock);
	atomic_fetch_add(&freed, 1);
}

static struct obj *obj_new(void)
{
	pthread_mutex_lock(&pool_lock);
	struct obj *o = free_list;
	if (o)
		free_list = o->next_free;
	pthread_mutex_unlock(&pool_lock);
	if (o)
		atomic_store_explicit(&o->state, LIVE, memory_order_release);
	return o;
}

static void unit(void)
{
	struct lb_hp_domain *d = lb_hp_domain_create(obj_destroy);
	CHECK(d != NULL);
	struct obj *a = obj_new(), *b = obj_new();
	unsigned long f0 = atomic_load(&freed);
	struct lb_hp_rec *r = lb_hp_self(d);
	CHECK(r == lb_hp_self(d));
	lb_hp_protect(r, b);
	lb_hp_retire(d, &a->node, a);
	lb_hp_retire(d, &b->node, b);
	CHECK(lb_hp_pending(d) <= 2);
	/* Scans before the clear must keep b: retire many to force them. */
	for (int i = 0; i < 200; i++) {
		struct obj *o = obj_new();
		lb_hp_retire(d, &o->node, o);
	}
	CHECK(atomic_load_explicit(&b->state, memory_order_acquire) == LIVE);
	lb_hp_clear(r);
	lb_hp_drain(d);
	CHECK(lb_hp_pending(d) == 0);
	CHECK(atomic_load(&freed) - f0 == 202);
	CHECK(atomic_load(&a->state) == DEAD && atomic_load(&b->state) == DEAD);
	/* A second domain: the thread's cache keeps both records. */
	struct lb_hp_domain *d2 = lb_hp_domain_create(obj_destroy);
	CHECK(lb_hp_self(d2) != lb_hp_self(d));
	lb_hp_domain_destroy(d2);
	lb_hp_domain_destroy(d);
}

static struct lb_hp_domain *dom;
static struct obj *_Atomic shared_link;
static atomic_bool stop;

static void *reader(void *arg)
{
	(void)arg;
	uint64_t n = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct lb_hp_rec *r = lb_hp_self(dom);
		struct obj *o = atomic_load_explicit(&shared_link, memory_order_acquire);
		while (o) {
			lb_hp_protect(r, o);
			struct obj *again = lb_hp_reload(&shared_link);
			if (again == o)
				break;
			o = again;
		}
		if (o && atomic_load_explicit(&o->state, memory_order_acquire) != LIVE)
			atomic_fetch_add(&dead_seen, 1);
		if ((++n & 63) == 0)
			sched_yield();
		lb_hp_clear(r);
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct obj *o = obj_new();
		if (!o) {
			sched_yield(); /* pool empty: retired objects still pending */
			continue;
		}
		struct obj *old = atomic_exchange_explicit(&shared_link, o, memory_order_acq_rel);
		if (old)
			lb_hp_retire(dom, &old->node, old);
	}
	return NULL;
}

static void concurrent(void)
{
	const char *e = getenv("LB_HP_SECONDS");
	double secs = (e ? atof(e) : 0.5) * check_scale();
	dom = lb_hp_domain_create(obj_destroy);
	CHECK(dom != NULL);
	unsigned long f0 = atomic_load(&freed);
	atomic_store(&shared_link, obj_new());
	pthread_t th[READERS + WRITERS];
	for (int i = 0; i < READERS + WRITERS; i++)
		pthread_create(&th[i], NULL, i < READERS ? reader : writer, NULL);
	struct timespec ts = {.tv_sec = (time_t)secs,
			      .tv_nsec = (long)((secs - (time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < READERS + WRITERS; i++)
		pthread_join(th[i], NULL);
	unsigned long swaps = atomic_load(&freed) - f0 + lb_hp_pending(dom);
	printf("hp: %lu objects retired in %.2fs, %lu still pending before the drain\n", swaps,
	       secs, lb_hp_pending(dom));
	CHECK(swaps > 100);
	CHECKF(atomic_load(&dead_seen) == 0, "readers saw %lu freed objects while protected",
	       atomic_load(&dead_seen));
	struct obj *last = atomic_exchange(&shared_link, NULL);
	lb_hp_retire(dom, &last->node, last);
	lb_hp_domain_destroy(dom);
	/* Everything came back to the pool. */
	unsigned n = 0;
	for (struct obj *o = free_list; o; o = o->next_free)
		n++;
	CHECKF(n == POOL, "%u of %u objects back in the pool", n, POOL);
}

int main(void)
{
	for (int i = POOL - 1; i >= 0; i--) {
		atomic_init(&pool[i].state, DEAD);
		pool[i].next_free = free_list;
		free_list = &pool[i];
	}
	unit();
	concurrent();
	return check_exit("hp");
}
