/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `list-rw`: era A (Linux v6.8) with lpi_list_lock made a
 * reader-writer lock, one of the fixes proposed on the list before the
 * xarray conversion. Same list and count as `list`; the lock is an
 * lb_rwlock whose kind is lb_rwlock_default_kind (--rwlock=ck|pthread),
 * read when the store is created:
 *  - ck: ck_rwlock, writer-preferring spinning lock. Readers back off while
 *    a writer waits, so adds and final puts are not starved, but a stream
 *    of writers stalls every get.
 *  - pthread: glibc's default rwlock, reader-preferring and sleeping. Gets
 *    never wait for a queued writer, so with many getters an add or a
 *    final put can wait for as long as readers keep overlapping.
 * TSan builds always get pthread's (core/lock.c).
 *
 * Concurrency contract:
 *  - get: read side, linear walk, plain increment (lb_ref_get).
 *  - put: read side, then a decrement that refuses to take the refcount
 *    from 1 to 0 (compare-and-swap loop). Only when it is 1 does put drop
 *    the read side, take the write side, decrement, and at zero unlink and
 *    free.
 *  - add: look up under the read side (reuse); else allocate outside any
 *    lock, take the write side, walk again (another ITS may have raced),
 *    append.
 *  - for_each: copy matching INTIDs under the read side, then get/put each.
 *
 * Why a get under the read side never sees a refcount of zero: it
 * reaches zero only in put's write-side section, and the same section
 * unlinks the irq before the write side is released. The two sides exclude
 * each other, so a reader either runs before that section (the refcount is
 * still >= 1) or after it (the irq is no longer on the list). Decrements
 * made under the read side stop at 1, and increments only add, so no
 * read-side section can ever observe 0 on a listed irq; the plain increment
 * of era A stays correct.
 *
 * Why put cannot decide zero under the read side: with readers sharing the
 * lock, a plain decrement to 0 there would leave a dead irq on the list
 * while other readers walk it; a get would then increment from zero and
 * return an object about to be freed (race b in docs/design.md). Hence
 * the decrement-unless-one, as the kernel's refcount_dec_and_lock() does.
 * The CAS itself would be correct without the read side (it never makes a
 * zero); put takes the read side anyway because that is what the proposal
 * does (every put enters lpi_list_lock), and it is that sharing the backend
 * exists to measure.
 *
 * Reclamation: immediate. Lookups run only under the lock, and the irq is
 * unlinked under the write side before it is freed.
 */
#include <errno.h>

#include "../core/alloc.h"
#include "lpi_list.h"
#include "store.h"

extern const struct store_ops store_list_rw_ops;

struct store_list_rw {
	struct store base;
	struct lb_rwlock lock;
	struct lb_list head;
	uint64_t count; /* written under the write side, with WRITE_ONCE: for_each
			 * sizes its copy from it without the lock */
};

#define to_lrw(s) lb_container_of((s), struct store_list_rw, base)

static struct store *lrw_create(const struct store_cfg *cfg)
{
	(void)cfg;
	struct store_list_rw *l = lb_zalloc(LB_MEM_STORE, sizeof(*l));
	if (!l)
		return NULL;
	l->base.ops = &store_list_rw_ops;
	lb_rwlock_init(&l->lock);
	lb_list_init(&l->head);
	return &l->base;
}

static void lrw_destroy(struct store *s)
{
	struct store_list_rw *l = to_lrw(s);
	lpi_list_free_all(&l->head);
	lb_rwlock_destroy(&l->lock);
	lb_free(LB_MEM_STORE, l, sizeof(*l));
}

/* Context: l->lock held, either side. */
static struct lb_irq *lrw_find_locked(struct store_list_rw *l, uint32_t intid)
{
	return lpi_list_find(&l->head, intid);
}

static struct lb_irq *lrw_get(struct store *s, uint32_t intid)
{
	struct store_list_rw *l = to_lrw(s);
	lb_read_lock(&l->lock);
	struct lb_irq *irq = lrw_find_locked(l, intid);
	if (irq)
		lb_ref_get(&irq->refcount); /* never zero: see the header */
	else
		LB_COUNT(LB_C_GET_MISS);
	lb_read_unlock(&l->lock);
	if (irq)
		irq_check(irq);
	return irq;
}

/*
 * Decrements unless that would reach zero (refcount_dec_not_one). Returns
 * 1 if it decremented, 0 if the count is 1 (the caller must decide zero
 * exclusively), -1 if it was already 0 (a put without a reference:
 * reported, nothing done). Release on success, as every put: this
 * reference's writes happen before whoever frees the irq.
 * Context: the caller owns a reference; l->lock read side held.
 */
static int lrw_ref_dec_not_one(lb_ref_t *r)
{
	unsigned old = atomic_load_explicit(&r->refs, memory_order_relaxed);
	do {
		if (old == 0) {
			lb_ref_underflow_bug(r);
			return -1;
		}
		if (old == 1)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(
		     &r->refs, &old, old - 1, memory_order_release, memory_order_relaxed) &&
		 (LB_COUNT(LB_C_CAS_RETRY), 1));
	return 1;
}

static void lrw_put(struct store *s, struct lb_irq *irq)
{
	struct store_list_rw *l = to_lrw(s);
	irq_check(irq);
	lb_read_lock(&l->lock);
	int done = lrw_ref_dec_not_one(&irq->refcount);
	lb_read_unlock(&l->lock);
	if (done)
		return;

	/* Maybe the last reference. Others may get and put between the two
	 * sections (the count may be 2 by now); lb_ref_put decides under the
	 * write side, where no reader can be looking. */
	lb_write_lock(&l->lock);
	if (!lb_ref_put(&irq->refcount)) {
		lb_write_unlock(&l->lock);
		return;
	}
	lb_list_del_init(&irq->lpi_list);
	LB_WRITE_ONCE(l->count, l->count - 1);
	lb_write_unlock(&l->lock);
	irq_free_now(irq);
}

static int lrw_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_list_rw *l = to_lrw(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = lrw_get(s, intid);
	if (irq) {
		*out = irq;
		return 0;
	}
	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	lb_write_lock(&l->lock);
	irq = lrw_find_locked(l, intid);
	if (irq) {
		lb_ref_get(&irq->refcount);
	} else {
		lb_list_add_tail(&fresh->lpi_list, &l->head);
		LB_WRITE_ONCE(l->count, l->count + 1);
	}
	lb_write_unlock(&l->lock);
	if (irq) {
		irq_free_now(fresh); /* lost the race: reuse the winner's */
		*out = irq;
	} else {
		*out = fresh;
	}
	return 0;
}

static size_t lrw_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			   void *arg)
{
	struct store_list_rw *l = to_lrw(s);
	if (first < LB_INTID_BASE)
		first = LB_INTID_BASE;
	if (last >= LB_INTID_LIMIT)
		last = LB_INTID_LIMIT - 1;
	if (first > last)
		return 0;
	/* Sized outside the lock, as era A; entries added meanwhile beyond
	 * the slack are not visited (they were not there when we started). */
	size_t cap = LB_READ_ONCE(l->count) + 16, n = 0, visited = 0;
	uint32_t *ids = lb_zalloc(LB_MEM_OTHER, cap * sizeof(*ids));
	if (!ids)
		return 0;
	lb_read_lock(&l->lock);
	struct lb_list *pos;
	lb_list_for_each(pos, &l->head) {
		struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, lpi_list);
		if (irq->intid >= first && irq->intid <= last && n < cap)
			ids[n++] = irq->intid;
	}
	lb_read_unlock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct lb_irq *irq = lrw_get(s, ids[i]);
		if (!irq)
			continue;
		visited++;
		int stop = fn(irq, arg);
		lrw_put(s, irq);
		if (stop)
			break;
	}
	lb_free(LB_MEM_OTHER, ids, cap * sizeof(*ids));
	return visited;
}

static void lrw_stats(struct store *s, struct store_stats *st)
{
	struct store_list_rw *l = to_lrw(s);
	lb_read_lock(&l->lock);
	st->entries = l->count;
	lb_read_unlock(&l->lock);
	/* The links live inside each irq: count them as the structure's. */
	st->mem_bytes = sizeof(*l) + st->entries * sizeof(struct lb_list);
}

const struct store_ops store_list_rw_ops = {
    .name = "list-rw",
    .desc = "era A with lpi_list_lock as an rwlock (--rwlock=ck|pthread): gets share it",
    .caps = STORE_CAP_GLOBAL_LOCK,
    .create = lrw_create,
    .destroy = lrw_destroy,
    .add = lrw_add,
    .get = lrw_get,
    .put = lrw_put,
    .for_each = lrw_for_each,
    .stats = lrw_stats,
};
