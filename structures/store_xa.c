/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `xa`: era B (Linux v6.10+). The LPI store is an xarray keyed by
 * INTID (structures/xarray.h); its xa_lock is the only lock (the kernel
 * takes it with IRQs off: XA_FLAGS_LOCK_IRQ, a no-op here).
 *
 * Concurrency contract:
 *  - get: lock-free. RCU read section, xa_load, try-get (increment only
 *    from non-zero: between the final put and the erase a dead object is
 *    still indexed; race b in docs/design.md), leave the section.
 *  - put: decrement with no lock. Only the put that reaches zero takes the
 *    xa_lock, erases the slot if it still holds this irq, and frees the irq
 *    after a grace period.
 *  - add: look up first (a live entry is reused, as KVM's vgic_add_lpi
 *    does); else allocate the irq and reserve the slot outside the lock
 *    (xa_reserve allocates any nodes), then under the xa_lock load again:
 *    a live entry (try-get succeeds) is reused and the fresh irq freed;
 *    otherwise the fresh irq is stored, replacing a dying entry if any.
 *  - for_each: walks the xarray under RCU, try-gets each entry, and calls
 *    fn outside the read section (fn may block; see xs_for_each).
 *  - lookup_rcu (--get=rcu|percpu): xa_load inside the caller's read
 *    section, no reference.
 * Callers: registered RCU threads, outside read sections (store.h).
 * Reclamation: irqs via irq_free_rcu (a grace period after the erase);
 * xarray nodes likewise, inside the xarray.
 */
#include <errno.h>

#include "../core/alloc.h"
#include "store.h"
#include "xarray.h"

extern const struct store_ops store_xa_ops;

struct store_xa {
	struct store base;
	struct xarray xa;
	/* Indexed irqs, dying ones included; written under the xa_lock,
	 * read atomically. */
	unsigned long entries;
};

#define to_xs(s) lb_container_of((s), struct store_xa, base)

static void xs_count(struct store_xa *x, long delta)
{
	__atomic_store_n(&x->entries, x->entries + (unsigned long)delta, __ATOMIC_RELAXED);
}

static struct store *xs_create(const struct store_cfg *cfg)
{
	(void)cfg;
	struct store_xa *x = lb_zalloc(LB_MEM_STORE, sizeof(*x));
	if (!x)
		return NULL;
	x->base.ops = &store_xa_ops;
	xa_init_flags(&x->xa, XA_FLAGS_LOCK_IRQ);
	return &x->base;
}

/* Context: quiescent; frees the irqs still indexed, whatever their refs. */
static void xs_destroy(struct store *s)
{
	struct store_xa *x = to_xs(s);
	unsigned long index;
	struct lb_irq *irq;
	xa_for_each(&x->xa, index, irq) {
		irq_free_now(irq);
	}
	xa_fini(&x->xa);
	lb_free(LB_MEM_STORE, x, sizeof(*x));
}

static struct lb_irq *xs_get(struct store *s, uint32_t intid)
{
	struct store_xa *x = to_xs(s);
	lb_rcu_read_lock();
	struct lb_irq *irq = xa_load(&x->xa, intid);
	if (irq) {
		irq_check(irq);	 /* freed while still indexed would show here */
#ifdef LB_MUTANT_STORE_PLAIN_GET /* planted bug (tests/test_mutants.sh) */
		lb_ref_get(&irq->refcount);
#else
		if (!lb_ref_tryget(&irq->refcount))
			irq = NULL; /* dying: its final put has not erased it yet */
#endif
	}
	lb_rcu_read_unlock();
	if (!irq)
		LB_COUNT(LB_C_GET_MISS);
	return irq;
}

/* Context: inside lb_rcu_read_lock() (store.h). */
static struct lb_irq *xs_lookup_rcu(struct store *s, uint32_t intid)
{
	if (!store_intid_valid(intid))
		return NULL;
	struct lb_irq *irq = xa_load(&to_xs(s)->xa, intid);
	if (irq)
		irq_check(irq);
	return irq;
}

static void xs_put(struct store *s, struct lb_irq *irq)
{
	struct store_xa *x = to_xs(s);
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	/*
	 * Last reference. Between the decrement above and the erase below a
	 * concurrent add (MAPTI of the same INTID) may find this dying irq,
	 * fail to try-get it and store a fresh one in its slot. Erasing
	 * unconditionally would then remove the new mapping (race e in
	 * docs/design.md, "release vs re-registration"). The fix modelled
	 * here: erase only if the slot still holds this irq
	 * (compare-and-exchange under the xa_lock). The other fix, the final
	 * decrement inside the store lock, closes the window too; either
	 * leaves the fresh entry alone. No ABA: this irq's memory cannot be reused by a fresh
	 * irq before the exchange, as it is freed only below.
	 */
	xa_lock(&x->xa);
#ifdef LB_MUTANT_STORE_ERASE_ANY /* planted bug (tests/test_mutants.sh) */
	if (__xa_erase(&x->xa, irq->intid))
		xs_count(x, -1);
#else
	if (__xa_cmpxchg(&x->xa, irq->intid, irq, NULL) == irq)
		xs_count(x, -1);
#endif
	xa_unlock(&x->xa);
#ifdef LB_MUTANT_STORE_NO_GRACE /* planted bug (tests/test_mutants.sh) */
	irq_free_now(irq);
#else
	irq_free_rcu(irq);
#endif
}

static int xs_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_xa *x = to_xs(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = xs_get(s, intid);
	if (irq) {
		*out = irq; /* the caller keeps the lookup's reference */
		return 0;
	}

	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	/* Any nodes the store needs are allocated here, outside our locked
	 * section; a slot already holding an entry is left alone. */
	int ret = xa_reserve(&x->xa, intid);
	if (ret) {
		irq_free_now(fresh);
		return ret;
	}

	xa_lock(&x->xa);
	struct lb_irq *old = xa_load(&x->xa, intid);
	if (old && lb_ref_tryget(&old->refcount)) {
		irq = old; /* another adder won the race: reuse its irq */
	} else {
		/* Empty, reserved, or dying (refcount 0, not yet erased: its
		 * releaser's cmpxchg will then find our irq and leave it). */
		void *prev = __xa_store(&x->xa, intid, fresh);
		if (xa_is_err(prev)) {
			/* Only if the reservation was lost meanwhile (a
			 * releaser erased the dying entry that occupied the
			 * slot and its node went): nothing of ours remains
			 * in the array to release. */
			ret = xa_err(prev);
		} else {
			if (!prev) /* was empty or reserved; else replaced a dying irq */
				xs_count(x, 1);
			irq = fresh;
		}
	}
	xa_unlock(&x->xa);

	if (irq != fresh)
		irq_free_now(fresh); /* never published */
	if (ret)
		return ret;
	*out = irq;
	return 0;
}

/*
 * Walk order and reference rules: the search and the try-get happen inside
 * one read section, so the entry cannot be freed between them; fn then runs
 * outside any read section (it may block, take locks, or call into the
 * store), holding the reference taken here, which is dropped with a normal
 * put afterwards. The walk resumes with xa_find_after from the INTID just
 * visited, so entries added or removed meanwhile behind the cursor are not
 * revisited, and every entry present for the whole walk is visited once.
 */
static size_t xs_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			  void *arg)
{
	struct store_xa *x = to_xs(s);
	unsigned long index = first;
	size_t visited = 0;
	bool started = false;

	if (first > last)
		return 0;
	for (;;) {
		lb_rcu_read_lock();
		struct lb_irq *irq = started ? xa_find_after(&x->xa, &index, last, XA_PRESENT)
					     : xa_find(&x->xa, &index, last, XA_PRESENT);
		bool held = false;
		if (irq) {
			irq_check(irq);
			held = lb_ref_tryget(&irq->refcount);
		}
		lb_rcu_read_unlock();
		if (!irq)
			break;
		started = true;
		if (!held)
			continue; /* dying: not a live entry */
		visited++;
		int stop = fn(irq, arg);
		xs_put(s, irq);
		if (stop)
			break;
	}
	return visited;
}

static void xs_stats(struct store *s, struct store_stats *st)
{
	struct store_xa *x = to_xs(s);
	st->entries = __atomic_load_n(&x->entries, __ATOMIC_RELAXED);
	st->mem_bytes = sizeof(*x) + xa_mem_bytes(&x->xa);
	st->height = xa_height(&x->xa);
	st->nodes = xa_nr_nodes(&x->xa);
	st->mem_alloc_bytes =
	    lb_alloc_usable(sizeof(*x)) + st->nodes * lb_alloc_usable(sizeof(struct xa_node));
}

const struct store_ops store_xa_ops = {
    .name = "xa",
    .desc = "era B (v6.10+): xarray + RCU, lock-free try-get, erase at zero",
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE,
    .create = xs_create,
    .destroy = xs_destroy,
    .add = xs_add,
    .get = xs_get,
    .put = xs_put,
    .for_each = xs_for_each,
    .stats = xs_stats,
    .lookup_rcu = xs_lookup_rcu,
};
