/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cache `xa`: era B (Linux v6.10+). One xarray per ITS keyed by
 * (devid << 16 | eventid), whose entries are the irq pointers themselves;
 * each holds one reference. No size limit, no eviction.
 *
 * Concurrency contract:
 *  - lookup: lock-free. RCU read section, xa_load, try-get (an
 *    invalidation may have erased the entry and dropped its reference
 *    meanwhile, so the count may be zero).
 *  - insert (its_lock held): keep an existing entry for the same irq;
 *    else take the entry's reference and xa_store (which may allocate
 *    nodes, with the xa_lock dropped); a replaced entry's reference is
 *    dropped. On -ENOMEM the reference is given back: not cached.
 *  - invalidate (its_lock held): for each entry, erase it and drop the
 *    reference of exactly what the erase returned: two invalidators racing
 *    on one entry can never both drop it (race d in docs/design.md).
 *    Only this ITS's entries go (KVM scopes invalidations to the ITS).
 *  - lookup_rcu (--get=rcu): xa_load in the caller's read section, no
 *    reference.
 * Reclamation: the era-B store frees irqs after a grace period, so a
 * reader's try-get on an irq whose last reference just went is safe and
 * the reference is dropped at once. With a store that frees at once the
 * drop waits for a grace period (cache_put_rcu_safe). Nodes of the xarray
 * are freed after a grace period by the xarray itself (and accounted as
 * store memory by it).
 */
#include "../core/alloc.h"
#include "../structures/xarray.h"
#include "cache.h"

struct cache_xa {
	struct cache base;
	struct store *store;
	uint64_t doorbell;
	struct xarray xa;
	uint64_t inserts, invalidated, enomem; /* under the owner's its_lock */
};

#define to_xa(c) lb_container_of((c), struct cache_xa, base)

static inline unsigned long xa_cache_key(uint32_t devid, uint32_t eventid)
{
	return ((unsigned long)devid << 16) | (eventid & 0xffffu);
}

static struct cache *xac_create(const struct cache_cfg *cfg)
{
	struct cache_xa *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	c->base.ops = &cache_xa_ops;
	c->store = cfg->store;
	c->doorbell = cfg->doorbell;
	xa_init_flags(&c->xa, XA_FLAGS_LOCK_IRQ);
	/* The cache's own xarray lock, not the LPI store's. */
	lb_lock_set_class(&c->xa.xa_lock, LB_LC_CACHE);
	return &c->base;
}

static void xac_destroy(struct cache *base)
{
	struct cache_xa *c = to_xa(base);
	unsigned long idx;
	void *entry;
	xa_for_each(&c->xa, idx, entry) {
		struct lb_irq *irq = xa_erase(&c->xa, idx);
		if (irq)
			store_put(c->store, irq); /* quiescent: no reader left */
	}
	xa_fini(&c->xa);
	lb_free(LB_MEM_CACHE, c, sizeof(*c));
}

static struct lb_irq *xac_lookup(struct cache *base, uint64_t doorbell, uint32_t devid,
				 uint32_t eventid)
{
	struct cache_xa *c = to_xa(base);
	(void)doorbell;
	lb_rcu_read_lock();
	struct lb_irq *irq = xa_load(&c->xa, xa_cache_key(devid, eventid));
#ifdef LB_MUTANT_CACHE_NO_TRYGET /* planted bug (tests/test_mutants.sh) */
	if (irq)
		lb_ref_get(&irq->refcount);
#else
	if (irq && !lb_ref_tryget(&irq->refcount))
		irq = NULL;
#endif
	lb_rcu_read_unlock();
	if (irq)
		irq_check(irq);
	return irq;
}

/* Context: inside lb_rcu_read_lock() (cache.h). */
static struct lb_irq *xac_lookup_rcu(struct cache *base, uint64_t doorbell, uint32_t devid,
				     uint32_t eventid)
{
	(void)doorbell;
	struct lb_irq *irq = xa_load(&to_xa(base)->xa, xa_cache_key(devid, eventid));
	if (irq)
		irq_check(irq);
	return irq;
}

static void xac_insert(struct cache *base, uint64_t doorbell, uint32_t devid, uint32_t eventid,
		       struct lb_irq *irq)
{
	struct cache_xa *c = to_xa(base);
	unsigned long key = xa_cache_key(devid, eventid);
	(void)doorbell;
	/* Another injector of this ITS may have cached it first (we both
	 * missed, then took its_lock in turn). */
	if (xa_load(&c->xa, key) == irq)
		return;
	lb_ref_get(&irq->refcount); /* the ITE's keeps it above zero */
	void *old = xa_store(&c->xa, key, irq);
	if (xa_is_err(old)) {
		store_put(c->store, irq);
		c->enomem++;
		return;
	}
	c->inserts++;
	if (old)
		cache_put_rcu_safe(c->store, old);
}

static void xac_invalidate(struct cache *base, struct its *its)
{
	struct cache_xa *c = to_xa(base);
	unsigned long idx;
	void *entry;
	(void)its;
	xa_for_each(&c->xa, idx, entry) {
		struct lb_irq *irq = xa_erase(&c->xa, idx);
		if (!irq)
			continue;
		c->invalidated++;
		LB_COUNT(LB_C_CACHE_INVAL);
#ifdef LB_MUTANT_CACHE_NO_GRACE /* planted bug (tests/test_mutants.sh) */
		store_put(c->store, irq);
#else
		cache_put_rcu_safe(c->store, irq);
#endif
	}
}

static void xac_for_each(struct cache *base, cache_visit_fn fn, void *arg)
{
	struct cache_xa *c = to_xa(base);
	unsigned long idx;
	void *entry;
	xa_for_each(&c->xa, idx, entry) {
		if (fn(c->doorbell, (uint32_t)(idx >> 16), (uint32_t)(idx & 0xffffu), entry, arg))
			break;
	}
}

static void xac_stats(struct cache *base, struct cache_stats *st)
{
	struct cache_xa *c = to_xa(base);
	uint64_t n = 0;
	unsigned long idx;
	void *entry;
	xa_for_each(&c->xa, idx, entry) {
		n++;
	}
	*st = (struct cache_stats){.entries = n,
				   .capacity = 0,
				   .inserts = c->inserts,
				   .invalidated = c->invalidated,
				   .insert_enomem = c->enomem};
}

const struct cache_ops cache_xa_ops = {
    .name = "xa",
    .desc = "era B (v6.10+): one xarray per ITS keyed by devid<<16|eventid, RCU lookup + "
	    "try-get, no limit, invalidate = erase + put",
    .flags = CACHE_F_PER_ITS | CACHE_F_RCU_READERS,
    .create = xac_create,
    .destroy = xac_destroy,
    .lookup = xac_lookup,
    .insert = xac_insert,
    .invalidate = xac_invalidate,
    .for_each = xac_for_each,
    .stats = xac_stats,
    .lookup_rcu = xac_lookup_rcu,
};
