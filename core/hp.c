/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hazard-pointer domains (see hp.h): registration of per-thread records,
 * retire and scan. ck_hp in normal builds, our own C11 scheme in LB_TSAN
 * builds.
 */
#include "hp.h"

#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"

/* Retired objects a scan waits for (per record with ck, per domain here):
 * small, so a quiescent store has little pending and memory stays close
 * to what RCU would hold. */
#define LB_HP_THRESHOLD 64u

_Thread_local struct lb_hp_tls lb_hp_tls[LB_HP_TLS_SLOTS];
static atomic_ulong lb_hp_next_id = 1;

/* The retirer's half of the pair: unlink before scanning. */
static inline void lb_hp_fence(void)
{
#ifdef LB_TSAN
	lb_rcu_check_fence();
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

#ifndef LB_TSAN
/* ck hands its destructor the retired object only (the hazard's data), not
 * the domain, so ck domains share one destroy function per process: the
 * first domain sets it, a domain asking for another is refused. */
static void (*lb_hp_ck_destroy)(void *obj);

static void lb_hp_ck_destructor(void *obj)
{
	lb_hp_ck_destroy(obj);
}
#endif

struct lb_hp_domain *lb_hp_domain_create(void (*destroy)(void *obj))
{
	struct lb_hp_domain *d = lb_zalloc(LB_MEM_OTHER, sizeof(*d));
	if (!d)
		return NULL;
	d->id = atomic_fetch_add_explicit(&lb_hp_next_id, 1, memory_order_relaxed);
	d->destroy = destroy;
	lb_lock_init_kind(&d->lock, LB_LOCK_MUTEX);
	atomic_init(&d->pending, 0);
#ifndef LB_TSAN
	if (lb_hp_ck_destroy && lb_hp_ck_destroy != destroy) {
		fprintf(stderr, "lpibench: hp: one destroy function per process with ck_hp\n");
		abort();
	}
	lb_hp_ck_destroy = destroy;
	ck_hp_init(&d->ck, 1, LB_HP_THRESHOLD, lb_hp_ck_destructor);
#endif
	return d;
}

struct lb_hp_rec *lb_hp_self_slow(struct lb_hp_domain *d)
{
	for (unsigned i = 1; i < LB_HP_TLS_SLOTS; i++) {
		if (lb_hp_tls[i].id == d->id) {
			struct lb_hp_tls t = lb_hp_tls[i];
			lb_hp_tls[i] = lb_hp_tls[0];
			lb_hp_tls[0] = t;
			return t.rec;
		}
	}
	/* Not registered in d yet: a new record, aligned as ck wants it. An
	 * entry pushed out of the cache leaves its record registered (idle,
	 * hazard NULL) in its domain until the domain goes. */
	size_t bytes = sizeof(struct lb_hp_rec) + LB_LINE_PAIR;
	void *raw = lb_zalloc(LB_MEM_OTHER, bytes);
	if (!raw) {
		fprintf(stderr, "lpibench: hp: out of memory registering a thread\n");
		abort();
	}
	uintptr_t p = ((uintptr_t)raw + LB_LINE_PAIR - 1) & ~(uintptr_t)(LB_LINE_PAIR - 1);
	struct lb_hp_rec *r = (struct lb_hp_rec *)p;
	r->raw = raw;
	r->raw_bytes = bytes;
#ifdef LB_TSAN
	atomic_init(&r->hazard, NULL);
#else
	ck_hp_register(&d->ck, &r->ck, r->hazard);
#endif
	lb_lock(&d->lock);
	r->next = d->recs;
	d->recs = r;
	d->nr_recs++;
	lb_unlock(&d->lock);
	for (unsigned i = LB_HP_TLS_SLOTS - 1; i > 0; i--)
		lb_hp_tls[i] = lb_hp_tls[i - 1];
	lb_hp_tls[0] = (struct lb_hp_tls){.id = d->id, .rec = r};
	return r;
}

#ifdef LB_TSAN
/* Frees every retired object no hazard names (all, if `all`).
 * Context: d->lock held. */
static void lb_hp_scan_locked(struct lb_hp_domain *d, bool all)
{
	void *stack[64];
	void **haz = stack;
	unsigned n = 0;
	if (!all) {
		if (d->nr_recs > 64) {
			haz = malloc(d->nr_recs * sizeof(void *));
			if (!haz)
				return; /* try again at the next retire */
		}
		for (struct lb_hp_rec *r = d->recs; r; r = r->next) {
			void *h = atomic_load_explicit(&r->hazard, memory_order_seq_cst);
			if (h)
				haz[n++] = h;
		}
	}
	struct lb_hp_node **link = &d->retired;
	while (*link) {
		struct lb_hp_node *node = *link;
		bool hazardous = false;
		for (unsigned i = 0; i < n && !hazardous; i++)
			hazardous = haz[i] == node->obj;
		if (hazardous) {
			link = &node->next;
			continue;
		}
		*link = node->next;
		d->nr_retired--;
		atomic_fetch_sub_explicit(&d->pending, 1, memory_order_relaxed);
		d->destroy(node->obj);
	}
	if (haz != stack)
		free(haz);
}

void lb_hp_retire(struct lb_hp_domain *d, struct lb_hp_node *n, void *obj)
{
	lb_hp_fence();
	n->obj = obj;
	atomic_fetch_add_explicit(&d->pending, 1, memory_order_relaxed);
	lb_lock(&d->lock);
	n->next = d->retired;
	d->retired = n;
	if (++d->nr_retired >= LB_HP_THRESHOLD)
		lb_hp_scan_locked(d, false);
	lb_unlock(&d->lock);
}

void lb_hp_drain(struct lb_hp_domain *d)
{
	lb_lock(&d->lock);
	lb_hp_scan_locked(d, true);
	lb_unlock(&d->lock);
}
#else
void lb_hp_retire(struct lb_hp_domain *d, struct lb_hp_node *n, void *obj)
{
	struct lb_hp_rec *r = lb_hp_self(d);
	lb_hp_fence();
	atomic_fetch_add_explicit(&d->pending, 1, memory_order_relaxed);
	uint64_t before = r->ck.n_reclamations;
	ck_hp_free(&r->ck, &n->ck, obj, obj);
	uint64_t freed = r->ck.n_reclamations - before;
	if (freed)
		atomic_fetch_sub_explicit(&d->pending, freed, memory_order_relaxed);
}

void lb_hp_drain(struct lb_hp_domain *d)
{
	/* Quiescent: every hazard is NULL, so one reclaim per record frees
	 * its whole pending list (ck_hp_purge would spin otherwise). */
	for (struct lb_hp_rec *r = d->recs; r; r = r->next) {
		uint64_t before = r->ck.n_reclamations;
		ck_hp_purge(&r->ck);
		atomic_fetch_sub_explicit(&d->pending, r->ck.n_reclamations - before,
					  memory_order_relaxed);
	}
}
#endif

unsigned long lb_hp_pending(struct lb_hp_domain *d)
{
	return atomic_load_explicit(&d->pending, memory_order_relaxed);
}

void lb_hp_domain_destroy(struct lb_hp_domain *d)
{
	if (!d)
		return;
	lb_hp_drain(d);
	struct lb_hp_rec *r = d->recs;
	while (r) {
		struct lb_hp_rec *next = r->next;
		lb_free(LB_MEM_OTHER, r->raw, r->raw_bytes);
		r = next;
	}
	lb_lock_destroy(&d->lock);
	lb_free(LB_MEM_OTHER, d, sizeof(*d));
}
