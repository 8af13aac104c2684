/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `flat`: the physical-limit reference, modelling no kernel era.
 * One preallocated array of LB_NR_LPI_SPACE (57344) irq pointers indexed by
 * INTID - 8192, allocated in create: a lookup is one load, with no tree to
 * walk and no allocation ever on add. Same reference rules as `xa`, so the
 * difference between the two is the cost of the xarray itself.
 *
 * Concurrency contract:
 *  - get: lock-free. RCU read section, acquire load of the slot, try-get
 *    (a dying irq stays in its slot until its final put clears it).
 *  - put: decrement with no lock; the put that reaches zero takes the
 *    store lock and clears the slot only if it still holds this irq (the
 *    release vs re-registration fix, race e of docs/design.md), then frees the irq
 *    after a grace period.
 *  - add: look up first; else allocate, then under the store lock reuse a
 *    live entry (try-get) or publish the fresh irq, replacing a dying one.
 *  - for_each: scans the slots of [first, last] under RCU, try-gets each
 *    entry and calls fn outside the read section.
 *  - lookup_rcu (--get=rcu|percpu): one acquire load, no reference.
 * Callers: registered RCU threads, outside read sections (store.h).
 * Reclamation: irqs via irq_free_rcu; the array lives as long as the store.
 *
 * --reclaim=hp (STORE_CAP_RECLAIM_HP): hazard pointers (core/hp.h) instead
 * of RCU for the irqs; the array needs no reclamation at all. get loads
 * the slot, publishes a hazard on the irq, reloads the slot and retries
 * until both agree, then try-gets and clears the hazard: the irq cannot
 * be freed in between, because its final put clears the slot (under the
 * lock) before retiring it, and the retire's scan then sees our hazard
 * or our reload sees the cleared slot (hp.h). No RCU read section is
 * entered on any path, and lookup_rcu is not offered in that mode. add's
 * locked section and the final put need nothing more: a slot's irq is
 * only unindexed under the lock, and retired after it.
 */
#include <errno.h>
#include <stddef.h>

#include "../core/alloc.h"
#include "slots.h"
#include "store.h"

extern const struct store_ops store_flat_ops;

struct store_flat {
	/* Read by every get and put: never written after create. */
	struct store base;
	struct lb_irq **slots;	 /* LB_NR_LPI_SPACE pointers, RCU-published */
	struct lb_hp_domain *hp; /* --reclaim=hp; NULL in RCU mode */
	/* Written by slot writers: a line pair of their own. */
	struct lb_lock lock lb_pair_aligned; /* serialises slot writers (add, final put) */
	unsigned long entries;		     /* occupied slots; under lock, read atomically */
} lb_pair_aligned;
/* The lock starts a line pair; the read-mostly fields end before it. */
_Static_assert(offsetof(struct store_flat, lock) == LB_LINE_PAIR &&
		   offsetof(struct store_flat, hp) + sizeof(void *) <= LB_LINE_PAIR,
	       "flat: the writer lock shares a line pair with the read-mostly fields");

#define to_flat(s)	 lb_container_of((s), struct store_flat, base)
#define FLAT_SLOTS_BYTES (sizeof(struct lb_irq *) * LB_NR_LPI_SPACE)

static void flat_count(struct store_flat *f, long delta)
{
	__atomic_store_n(&f->entries, f->entries + (unsigned long)delta, __ATOMIC_RELAXED);
}

static struct store *flat_create(const struct store_cfg *cfg)
{
	struct store_flat *f = lb_zalloc_aligned(LB_MEM_STORE, sizeof(*f), LB_LINE_PAIR);
	if (!f)
		return NULL;
	f->slots = lb_zalloc(LB_MEM_STORE, FLAT_SLOTS_BYTES);
	if (f->slots && store_cfg_reclaim(cfg) == STORE_RECLAIM_HP)
		f->hp = lb_hp_domain_create(irq_free_hp_cb);
	if (!f->slots || (store_cfg_reclaim(cfg) == STORE_RECLAIM_HP && !f->hp)) {
		lb_free(LB_MEM_STORE, f->slots, FLAT_SLOTS_BYTES);
		lb_free(LB_MEM_STORE, f, sizeof(*f));
		return NULL;
	}
	f->base.ops = &store_flat_ops;
	lb_lock_init(&f->lock);
	return &f->base;
}

/* Context: quiescent; frees the irqs still indexed, whatever their refs. */
static void flat_destroy(struct store *s)
{
	struct store_flat *f = to_flat(s);
	lb_hp_domain_destroy(f->hp); /* retired irqs are in no slot */
	slot_free_all(f->slots, LB_NR_LPI_SPACE);
	lb_lock_destroy(&f->lock);
	lb_free(LB_MEM_STORE, f->slots, FLAT_SLOTS_BYTES);
	lb_free(LB_MEM_STORE, f, sizeof(*f));
}

static inline struct lb_irq **flat_slot(struct store_flat *f, uint32_t intid)
{
	return &f->slots[intid - LB_INTID_BASE];
}

/* get without the miss count (for_each's walk). Context: intid valid. */
static struct lb_irq *flat_slot_get(struct store *s, uint32_t intid)
{
	struct store_flat *f = to_flat(s);
	return slot_get(flat_slot(f, intid), f->hp);
}

static struct lb_irq *flat_get(struct store *s, uint32_t intid)
{
	struct store_flat *f = to_flat(s);
	struct lb_irq *irq = store_intid_valid(intid) ? slot_get(flat_slot(f, intid), f->hp) : NULL;
	if (!irq)
		LB_COUNT(LB_C_GET_MISS);
	return irq;
}

/* The final put's unindexing. Out of line, so that every other put is a
 * decrement with no registers to save. */
static __attribute__((noinline)) void flat_put_last(struct store_flat *f, struct lb_irq *irq)
{
	lb_lock(&f->lock);
	if (slot_erase(flat_slot(f, irq->intid), irq))
		flat_count(f, -1);
	lb_unlock(&f->lock);
	slot_reclaim(f->hp, irq);
}

static inline void flat_put_unchecked(struct store *s, struct lb_irq *irq)
{
	if (lb_unlikely(lb_ref_put(&irq->refcount)))
		flat_put_last(to_flat(s), irq);
}

/* --check's put: out of line, as its failure call would make every put
 * save registers. */
static __attribute__((noinline)) void flat_put_checked(struct store *s, struct lb_irq *irq)
{
	irq_check(irq);
	flat_put_unchecked(s, irq);
}

static void flat_put(struct store *s, struct lb_irq *irq)
{
	if (lb_unlikely(lb_irq_checks))
		flat_put_checked(s, irq);
	else
		flat_put_unchecked(s, irq);
}

/* Context: inside lb_rcu_read_lock(), RCU reclaim mode (store.h). */
static struct lb_irq *flat_lookup_rcu(struct store *s, uint32_t intid)
{
	return store_intid_valid(intid) ? slot_peek(flat_slot(to_flat(s), intid)) : NULL;
}

/* Context: quiescent. */
static void flat_quiesce(struct store *s)
{
	struct store_flat *f = to_flat(s);
	if (f->hp)
		lb_hp_drain(f->hp);
}

static int flat_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_flat *f = to_flat(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = flat_get(s, intid);
	if (irq) {
		*out = irq;
		return 0;
	}
	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	/* The lock keeps the slot's irq allocated: only writers unindex it. */
	bool filled;
	lb_lock(&f->lock);
	irq = slot_install(flat_slot(f, intid), fresh, NULL, &filled);
	if (filled)
		flat_count(f, 1);
	lb_unlock(&f->lock);
	if (irq != fresh)
		irq_free_now(fresh); /* never published */
	*out = irq;
	return 0;
}

/* One read section over the scan, left only around fn (which may block),
 * holding the reference taken inside it. */
static size_t flat_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			    void *arg)
{
	struct store_flat *f = to_flat(s);
	if (!store_clamp_range(&first, &last))
		return 0;
	if (f->hp) /* no read section to hold: protect and try-get one at a time */
		return store_visit_gets(s, first, last, flat_slot_get, fn, arg);
	size_t visited = 0;
	lb_rcu_read_lock();
	for (uint32_t intid = first; intid <= last; intid++) {
		struct lb_irq *irq = slot_tryget(lb_rcu_dereference(*flat_slot(f, intid)));
		if (!irq)
			continue; /* empty or dying */
		lb_rcu_read_unlock();
		visited++;
		int stop = fn(irq, arg);
		flat_put(s, irq);
		if (stop)
			return visited;
		lb_rcu_read_lock();
	}
	lb_rcu_read_unlock();
	return visited;
}

static void flat_stats(struct store *s, struct store_stats *st)
{
	struct store_flat *f = to_flat(s);
	st->entries = __atomic_load_n(&f->entries, __ATOMIC_RELAXED);
	st->mem_bytes = sizeof(*f) + FLAT_SLOTS_BYTES;
	st->capacity = LB_NR_LPI_SPACE;
}

const struct store_ops store_flat_ops = {
    .name = "flat",
    .desc = "reference: preallocated INTID-indexed array, RCU try-get, erase at zero",
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE | STORE_CAP_FIXED_CAPACITY |
	    STORE_CAP_RECLAIM_HP,
    .create = flat_create,
    .destroy = flat_destroy,
    .add = flat_add,
    .get = flat_get,
    .put = flat_put,
    .for_each = flat_for_each,
    .stats = flat_stats,
    .lookup_rcu = flat_lookup_rcu,
    .quiesce = flat_quiesce,
};
