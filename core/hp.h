/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hazard pointers (Michael, 2004): the reclamation alternative to RCU for
 * lock-free stores (--reclaim=hp). A reader publishes the address of the
 * object it is about to use in its own hazard slot, re-reads the link it
 * came from, and uses the object only if the link still names it. A
 * writer unlinks an object, then retires it; it is freed once no hazard
 * slot names it.
 *
 * Implementations:
 *  - normal builds: Concurrency Kit's ck_hp (one ck_hp_t per domain, one
 *    ck_hp_record_t per thread and domain, one hazard per record).
 *  - LB_TSAN builds: a small scheme of our own on C11 atomics, because
 *    TSan cannot see inside libck.so nor ck's inline-assembly atomics
 *    (docs/design.md, "Testing concurrent code"): the same protocol,
 *    with the retire list kept per domain under a lock and scanned when
 *    it grows past a threshold.
 * The read side costs the same in both: one store and one full fence
 * (x86: xchg; arm64: str + dmb ish), one reload, one release store.
 *
 * Concurrency contract:
 *  - lb_hp_self, lb_hp_protect, lb_hp_reload, lb_hp_clear: any thread,
 *    concurrently; each thread uses its own record (registered on its first
 *    use of a domain, kept until the domain is destroyed). One hazard per
 *    record: protect one object at a time.
 *  - lb_hp_retire: any thread, concurrently with readers and other
 *    retirers; the caller must have unlinked the object first (no new
 *    reader can find it), and retires it exactly once.
 *  - lb_hp_drain, lb_hp_domain_destroy: quiescent (no reader, no retirer).
 *
 * Why it is safe (the Dekker pair): the reader does
 *     hazard = p; FENCE; q = *link;  (uses p only if q == p)
 * the retirer does
 *     *link = other; FENCE; scan hazards; (frees p only if none names it)
 * With both fences sequentially consistent, either the reader's reload
 * sees the unlink (and it drops p), or the retirer's scan sees the hazard
 * (and p waits for the next scan). A hazard cleared with release orders
 * the reader's accesses before the free that follows a scan seeing NULL.
 *
 * Reclamation: retired objects are freed with the domain's destroy
 * function by a later scan (ck: when the retiring thread's pending list
 * reaches the threshold; here: when the domain's does), by lb_hp_drain,
 * or by lb_hp_domain_destroy. Records are freed with the domain.
 */
#ifndef LB_HP_H
#define LB_HP_H

#include <stdbool.h>
#include <stdint.h>

#include "sync.h"

#ifndef LB_TSAN
#include <ck_hp.h>
#endif

/* Embedded in every object that may be retired. */
struct lb_hp_node {
#ifdef LB_TSAN
	struct lb_hp_node *next;
	void *obj;
#else
	ck_hp_hazard_t ck;
#endif
};

struct lb_hp_rec {
#ifdef LB_TSAN
	_Atomic(void *) hazard;
#else
	ck_hp_record_t ck; /* first: the record is allocated aligned to it */
	void *hazard[1];   /* ck's pointers array: one hazard */
#endif
	struct lb_hp_rec *next; /* the domain's list, under its lock */
	void *raw;		/* allocation, for freeing */
	size_t raw_bytes;
};

struct lb_hp_domain {
	uint64_t id; /* unique for the process's life: thread caches key on it */
	void (*destroy)(void *obj);
#ifndef LB_TSAN
	ck_hp_t ck;
#endif
	struct lb_lock lock;	/* recs (and the retire list in TSan builds) */
	struct lb_hp_rec *recs; /* every record ever registered */
	unsigned nr_recs;
#ifdef LB_TSAN
	struct lb_hp_node *retired;
	unsigned long nr_retired;
#endif
	atomic_ulong pending; /* retired, not yet freed (all threads) */
};

/* Returns NULL on -ENOMEM. destroy frees one retired object. */
struct lb_hp_domain *lb_hp_domain_create(void (*destroy)(void *obj));
/* Context: quiescent. Frees every retired object, the records, the domain. */
void lb_hp_domain_destroy(struct lb_hp_domain *d);
/* Context: quiescent. Frees every retired object now. */
void lb_hp_drain(struct lb_hp_domain *d);
/* Retired objects not yet freed. */
unsigned long lb_hp_pending(struct lb_hp_domain *d);

/* ---- the calling thread's record ---- */
#define LB_HP_TLS_SLOTS 4
struct lb_hp_tls {
	uint64_t id;
	struct lb_hp_rec *rec;
};
extern _Thread_local struct lb_hp_tls lb_hp_tls[LB_HP_TLS_SLOTS];
struct lb_hp_rec *lb_hp_self_slow(struct lb_hp_domain *d);

/* The calling thread's record in d, registered on first use (aborts on
 * -ENOMEM: a lookup has no way to fail). Context: any thread. */
static inline struct lb_hp_rec *lb_hp_self(struct lb_hp_domain *d)
{
	if (lb_likely(lb_hp_tls[0].id == d->id))
		return lb_hp_tls[0].rec;
	return lb_hp_self_slow(d);
}

/* Publish p as in use, then a full fence (the reader's half of the pair). */
static inline void lb_hp_protect(struct lb_hp_rec *r, void *p)
{
#ifdef LB_TSAN
	atomic_store_explicit(&r->hazard, p, memory_order_seq_cst);
#else
	ck_hp_set_fence(&r->ck, 0, p);
#endif
}

/* Re-read a published link after lb_hp_protect (sequentially consistent,
 * so it cannot be satisfied before the hazard store is visible). */
#define lb_hp_reload(link) __atomic_load_n((link), __ATOMIC_SEQ_CST)

/* Done with the protected object (release: our accesses to it come
 * before any free a scan seeing this NULL allows). */
static inline void lb_hp_clear(struct lb_hp_rec *r)
{
#ifdef LB_TSAN
	atomic_store_explicit(&r->hazard, NULL, memory_order_release);
#else
	ck_pr_fence_release();
	ck_hp_set(&r->ck, 0, NULL);
#endif
}

/* Retire obj (already unlinked); n is embedded in it. Context: any
 * thread; may free retired objects (the domain's destroy) before it
 * returns. */
void lb_hp_retire(struct lb_hp_domain *d, struct lb_hp_node *n, void *obj);

#endif
