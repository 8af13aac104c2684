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
 *    release vs re-registration fix, DESIGN.md 5e), then frees the irq
 *    after a grace period.
 *  - add: look up first; else allocate, then under the store lock reuse a
 *    live entry (try-get) or publish the fresh irq, replacing a dying one.
 *  - for_each: scans the slots of [first, last] under RCU, try-gets each
 *    entry and calls fn outside the read section.
 * Callers: registered RCU threads, outside read sections (store.h).
 * Reclamation: irqs via irq_free_rcu; the array lives as long as the store.
 */
#include <errno.h>

#include "../core/alloc.h"
#include "store.h"

extern const struct store_ops store_flat_ops;

struct store_flat {
	struct store base;
	struct lb_lock lock;   /* serialises slot writers (add, final put) */
	unsigned long entries; /* occupied slots; under lock, read atomically */
	struct lb_irq **slots; /* LB_NR_LPI_SPACE pointers, RCU-published */
};

#define to_flat(s)	 lb_container_of((s), struct store_flat, base)
#define FLAT_SLOTS_BYTES (sizeof(struct lb_irq *) * LB_NR_LPI_SPACE)

static void flat_count(struct store_flat *f, long delta)
{
	__atomic_store_n(&f->entries, f->entries + (unsigned long)delta, __ATOMIC_RELAXED);
}

static struct store *flat_create(const struct store_cfg *cfg)
{
	(void)cfg;
	struct store_flat *f = lb_zalloc(LB_MEM_STORE, sizeof(*f));
	if (!f)
		return NULL;
	f->slots = lb_zalloc(LB_MEM_STORE, FLAT_SLOTS_BYTES);
	if (!f->slots) {
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
	for (uint32_t i = 0; i < LB_NR_LPI_SPACE; i++)
		if (f->slots[i])
			irq_free_now(f->slots[i]);
	lb_lock_destroy(&f->lock);
	lb_free(LB_MEM_STORE, f->slots, FLAT_SLOTS_BYTES);
	lb_free(LB_MEM_STORE, f, sizeof(*f));
}

static struct lb_irq *flat_get(struct store *s, uint32_t intid)
{
	struct store_flat *f = to_flat(s);
	struct lb_irq *irq = NULL;
	if (store_intid_valid(intid)) {
		lb_rcu_read_lock();
		irq = lb_rcu_dereference(f->slots[intid - LB_INTID_BASE]);
		if (irq) {
			irq_check(irq);
			if (!lb_ref_tryget(&irq->refcount))
				irq = NULL; /* dying, not yet cleared */
		}
		lb_rcu_read_unlock();
	}
	if (!irq)
		LB_COUNT(LB_C_GET_MISS);
	return irq;
}

static void flat_put(struct store *s, struct lb_irq *irq)
{
	struct store_flat *f = to_flat(s);
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	/* Clear the slot only if a re-registration has not already replaced
	 * this dying irq with a fresh one (DESIGN.md 5e). */
	struct lb_irq **slot = &f->slots[irq->intid - LB_INTID_BASE];
	lb_lock(&f->lock);
	if (*slot == irq) {
		lb_rcu_assign_pointer(*slot, NULL);
		flat_count(f, -1);
	}
	lb_unlock(&f->lock);
	irq_free_rcu(irq);
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
	struct lb_irq **slot = &f->slots[intid - LB_INTID_BASE];
	lb_lock(&f->lock);
	struct lb_irq *old = *slot;
	if (old && lb_ref_tryget(&old->refcount)) {
		irq = old;
	} else {
		if (!old)
			flat_count(f, 1);
		lb_rcu_assign_pointer(*slot, fresh); /* replaces a dying irq, if any */
		irq = fresh;
	}
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
	size_t visited = 0;
	if (first < LB_INTID_BASE)
		first = LB_INTID_BASE;
	if (last >= LB_INTID_LIMIT)
		last = LB_INTID_LIMIT - 1;
	lb_rcu_read_lock();
	for (uint32_t intid = first; intid <= last; intid++) {
		struct lb_irq *irq = lb_rcu_dereference(f->slots[intid - LB_INTID_BASE]);
		if (!irq)
			continue;
		irq_check(irq);
		if (!lb_ref_tryget(&irq->refcount))
			continue; /* dying */
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
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE | STORE_CAP_FIXED_CAPACITY,
    .create = flat_create,
    .destroy = flat_destroy,
    .add = flat_add,
    .get = flat_get,
    .put = flat_put,
    .for_each = flat_for_each,
    .stats = flat_stats,
};
