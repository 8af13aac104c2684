/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `radix`: a fixed-height, two-level radix tree over the 16-bit
 * INTID space, with lock-free inserts. Era B's semantics (RCU readers,
 * try-get, deferred frees) on a structure simpler than the xarray.
 *
 * Shape, in the spirit of the ITS's two-level tables (a first-level array
 * of pointers to second-level pages that are allocated on demand):
 *   level 1: 256 pointers indexed by INTID[15:8], embedded in the store;
 *   level 2: leaves of 256 irq pointers indexed by INTID[7:0], 2 KiB each,
 *            installed on first use.
 * Entries 0..31 of level 1 cover INTIDs below 8192 and stay NULL; the LPI
 * space 8192..65535 needs at most 224 leaves (448 KiB) and is always
 * reached in exactly two dependent loads. 256 x 256 rather than three
 * levels of 16/64 slots: one load fewer on every get and a page-ish leaf
 * like the ITS's, at the price of 2 KiB per touched leaf for sparse maps.
 *
 * Concurrency contract:
 *  - get: lock-free. RCU read section, two acquire loads, try-get (the
 *    entry may be dying: its last put has happened, its slot not yet
 *    cleared).
 *  - add: lock-free. A missing leaf is allocated and installed with a CAS
 *    on its level-1 pointer; the loser frees its unpublished leaf. The slot
 *    is then set with a CAS from NULL to the new irq; if it holds a live
 *    irq, that one is reused (try-get); if it holds a dying one, the CAS
 *    replaces it (MAPTI racing the last unmap, store.h).
 *  - put: lock-free decrement; the put that reaches zero CASes the slot
 *    from this irq to NULL, so a new irq stored there meanwhile is never
 *    erased (race e of docs/design.md), then frees after a grace period.
 *    The CAS failing means an add already replaced the dying irq.
 *  - for_each: per leaf, try-get the range's entries in one read section,
 *    then call fn on each outside it and put.
 *  Callers may run every op concurrently; no lock is taken anywhere.
 *
 * Reclamation: irqs with irq_free_rcu() (readers may still hold a pointer
 * found before the slot was cleared). ABA is impossible: an irq is freed
 * only after its final put's CAS and a grace period, so its address cannot
 * reappear in a slot while that CAS is pending. Leaves are kept once
 * installed, until destroy: reclaiming them would need a per-leaf count and
 * a way to stop an add from filling a leaf being retired (a lock, or a
 * second CAS protocol), for at most 448 KiB. The tree never shrinks.
 *
 * --reclaim=hp (STORE_CAP_RECLAIM_HP): irqs are reclaimed with hazard
 * pointers (core/hp.h) instead; leaves are never freed, so they need
 * nothing. get: two loads, publish a hazard on the irq, reload the slot
 * until it agrees, try-get, clear. add: the same protection on the irq it
 * finds in the slot, held across its try-get and its CAS (so the CAS
 * cannot meet a freed-and-reused address). The final put CASes the slot
 * to NULL, then retires the irq. No read section is entered in this mode;
 * lookup_rcu (--get=rcu|percpu) is for RCU mode only.
 *
 * How it differs from `xa` (the port of the kernel's xarray):
 *  - xa's height follows the largest index and its nodes have 64 slots
 *    (6 bits a level: 3 levels for 16-bit INTIDs) plus marks, counts and
 *    parent links; radix is always 2 levels of 256 with nothing but
 *    pointers.
 *  - xa serialises every store and erase on its internal lock (xa_lock);
 *    radix inserts and clears with CAS and takes no lock at all.
 *  - xa frees empty nodes as entries go; radix keeps its leaves.
 * When each wins: radix for dense INTID ranges (KVM allocates LPIs
 * consecutively from 8192) and for map/unmap under contention (no lock),
 * with the shortest lookup; xa for sparse or small sets (a 64-slot node
 * costs ~0.5 KiB where a leaf here costs 2 KiB, and xa gives memory back),
 * and wherever ranges, marks or ordered search are needed.
 */
#include <errno.h>

#include "../core/alloc.h"
#include "../core/cells.h"
#include "slots.h"
#include "store.h"

extern const struct store_ops store_radix_ops;

#define RADIX_LEAF_BITS	 8u
#define RADIX_LEAF_SLOTS (1u << RADIX_LEAF_BITS)
#define RADIX_LEAF_MASK	 (RADIX_LEAF_SLOTS - 1)
#define RADIX_ROOT_SLOTS (LB_INTID_LIMIT >> RADIX_LEAF_BITS)
#define RADIX_HEIGHT	 2u

struct radix_leaf {
	struct lb_irq *slot[RADIX_LEAF_SLOTS]; /* set/cleared with CAS */
};

struct store_radix {
	struct store base;
	/* Read-mostly only: every get reads ops, the root and hp. The entry
	 * and leaf counts are per-thread cells (core/cells.h), so no line
	 * here is written per add or final put. */
	struct lb_hp_domain *hp;		   /* --reclaim=hp; NULL in RCU mode */
	int cells;				   /* RADIX_ENTRIES, RADIX_LEAVES */
	struct radix_leaf *root[RADIX_ROOT_SLOTS]; /* installed with CAS, then fixed */
};
enum { RADIX_ENTRIES, RADIX_LEAVES, RADIX_CELLS };

#define to_radix(s) lb_container_of((s), struct store_radix, base)

static inline struct lb_irq **radix_slot(struct radix_leaf *leaf, uint32_t intid)
{
	return &leaf->slot[intid & RADIX_LEAF_MASK];
}

static struct store *radix_create(const struct store_cfg *cfg)
{
	/* nothing to size: leaves come on demand */
	struct store_radix *r = lb_zalloc(LB_MEM_STORE, sizeof(*r));
	if (!r)
		return NULL;
	if (store_cfg_reclaim(cfg) == STORE_RECLAIM_HP) {
		r->hp = lb_hp_domain_create(irq_free_hp_cb);
		if (!r->hp) {
			lb_free(LB_MEM_STORE, r, sizeof(*r));
			return NULL;
		}
	}
	r->cells = lb_cells_get(RADIX_CELLS);
	if (r->cells < 0) {
		lb_hp_domain_destroy(r->hp);
		lb_free(LB_MEM_STORE, r, sizeof(*r));
		return NULL;
	}
	r->base.ops = &store_radix_ops;
	return &r->base;
}

static void radix_destroy(struct store *s)
{
	struct store_radix *r = to_radix(s);
	lb_hp_domain_destroy(r->hp); /* retired irqs are in no slot */
	for (uint32_t hi = 0; hi < RADIX_ROOT_SLOTS; hi++) {
		struct radix_leaf *leaf = r->root[hi];
		if (!leaf)
			continue;
		slot_free_all(leaf->slot, RADIX_LEAF_SLOTS);
		lb_free(LB_MEM_STORE, leaf, sizeof(*leaf));
	}
	lb_cells_put(r->cells, RADIX_CELLS);
	lb_free(LB_MEM_STORE, r, sizeof(*r));
}

/*
 * Returns the leaf covering intid, installing an empty one if there is
 * none; NULL on -ENOMEM (the tree is unchanged). The CAS publishes the
 * zeroed leaf (release); a loser frees its leaf, which nobody saw.
 * Context: any; allocates; no lock.
 */
static struct radix_leaf *radix_leaf_install(struct store_radix *r, uint32_t intid)
{
	struct radix_leaf **where = &r->root[intid >> RADIX_LEAF_BITS];
	struct radix_leaf *leaf = lb_rcu_dereference(*where);
	if (leaf)
		return leaf;
	struct radix_leaf *fresh = lb_zalloc(LB_MEM_STORE, sizeof(*fresh));
	if (!fresh)
		return NULL;
	if (__atomic_compare_exchange_n(where, &leaf, fresh, false, __ATOMIC_RELEASE,
					__ATOMIC_ACQUIRE)) {
		lb_cell_add((unsigned)r->cells + RADIX_LEAVES, 1);
		return fresh;
	}
	lb_free(LB_MEM_STORE, fresh, sizeof(*fresh));
	return leaf; /* the winner's, loaded by the failed CAS */
}

/* The slot of intid, or NULL if its leaf was never installed. Leaves are
 * never freed before destroy, so no protection is needed to use one. */
static inline struct lb_irq **radix_find_slot(struct store_radix *r, uint32_t intid)
{
	struct radix_leaf *leaf = lb_rcu_dereference(r->root[intid >> RADIX_LEAF_BITS]);
	return leaf ? radix_slot(leaf, intid) : NULL;
}

/* get without the miss count (for_each's walk). Context: intid valid. */
static struct lb_irq *radix_slot_get(struct store *s, uint32_t intid)
{
	struct store_radix *r = to_radix(s);
	struct lb_irq **slot = radix_find_slot(r, intid);
	return slot ? slot_get(slot, r->hp) : NULL;
}

static struct lb_irq *radix_get(struct store *s, uint32_t intid)
{
	struct lb_irq *irq = store_intid_valid(intid) ? radix_slot_get(s, intid) : NULL;
	if (!irq)
		LB_COUNT(LB_C_GET_MISS);
	return irq;
}

static void radix_put(struct store *s, struct lb_irq *irq)
{
	struct store_radix *r = to_radix(s);
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	/* The last reference: unindex this irq, and only this one. Its leaf
	 * exists (the irq was stored in it) and is never freed. */
	if (slot_erase(radix_find_slot(r, irq->intid), irq))
		lb_cell_add((unsigned)r->cells + RADIX_ENTRIES, -1);
	slot_reclaim(r->hp, irq);
}

/* Context: inside lb_rcu_read_lock(), RCU reclaim mode (store.h). */
static struct lb_irq *radix_lookup_norefs(struct store *s, uint32_t intid)
{
	struct lb_irq **slot =
	    store_intid_valid(intid) ? radix_find_slot(to_radix(s), intid) : NULL;
	return slot ? slot_peek(slot) : NULL;
}

/* Context: quiescent. */
static void radix_quiesce(struct store *s)
{
	struct store_radix *r = to_radix(s);
	if (r->hp)
		lb_hp_drain(r->hp);
}

static int radix_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_radix *r = to_radix(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = radix_get(s, intid);
	if (irq) {
		*out = irq;
		return 0;
	}
	struct radix_leaf *leaf = radix_leaf_install(r, intid);
	if (!leaf)
		return -ENOMEM;
	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM; /* an installed leaf stays: leaves are kept */

	bool filled; /* the slot may hold a dying irq: protected inside */
	struct lb_irq *cur = slot_install_lockfree(radix_slot(leaf, intid), fresh, r->hp, &filled);
	if (filled)
		lb_cell_add((unsigned)r->cells + RADIX_ENTRIES, 1);
	if (cur != fresh)
		irq_free_now(fresh); /* never published */
	*out = cur;
	return 0;
}

static size_t radix_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			     void *arg)
{
	struct store_radix *r = to_radix(s);
	if (!store_clamp_range(&first, &last))
		return 0;
	if (r->hp) /* no read section to batch under: one protected get each */
		return store_visit_gets(s, first, last, radix_slot_get, fn, arg);
	size_t visited = 0;
	struct lb_irq *batch[RADIX_LEAF_SLOTS];
	for (uint32_t base = first & ~RADIX_LEAF_MASK; first <= last && base <= last;
	     base += RADIX_LEAF_SLOTS) {
		struct radix_leaf *leaf = lb_rcu_dereference(r->root[base >> RADIX_LEAF_BITS]);
		if (!leaf)
			continue;
		uint32_t lo = base < first ? first - base : 0;
		uint32_t hi = last - base < RADIX_LEAF_MASK ? last - base : RADIX_LEAF_MASK;
		unsigned n = 0;
		lb_rcu_read_lock();
		for (uint32_t i = lo; i <= hi; i++) {
			struct lb_irq *irq = slot_tryget(lb_rcu_dereference(leaf->slot[i]));
			if (irq)
				batch[n++] = irq;
		}
		lb_rcu_read_unlock();
		int stop = 0;
		for (unsigned i = 0; i < n; i++) {
			if (!stop) {
				visited++;
				stop = fn(batch[i], arg);
			}
			radix_put(s, batch[i]);
		}
		if (stop)
			break;
	}
	return visited;
}

static void radix_stats(struct store *s, struct store_stats *st)
{
	struct store_radix *r = to_radix(s);
	uint64_t leaves = (uint64_t)lb_cell_sum((unsigned)r->cells + RADIX_LEAVES);
	st->entries = (uint64_t)lb_cell_sum((unsigned)r->cells + RADIX_ENTRIES);
	st->height = RADIX_HEIGHT;
	st->nodes = leaves;
	st->mem_bytes = sizeof(*r) + leaves * sizeof(struct radix_leaf);
}

const struct store_ops store_radix_ops = {
    .name = "radix",
    .desc = "2-level 256x256 radix tree: CAS inserts, RCU + try-get lookups (era B style)",
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE | STORE_CAP_RECLAIM_HP,
    .create = radix_create,
    .destroy = radix_destroy,
    .add = radix_add,
    .get = radix_get,
    .put = radix_put,
    .for_each = radix_for_each,
    .stats = radix_stats,
    .lookup_rcu = radix_lookup_norefs,
    .quiesce = radix_quiesce,
};
