/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cache `lru`: era A (Linux v6.8, and still v6.9). One list per VM of
 * 16 x nr_vcpus entries, all allocated up front, keyed by (ITS doorbell,
 * devid, eventid), most recently used first; free entries (no irq) always
 * form the tail.
 *
 * Concurrency contract: every operation takes one global lock.
 *  - lookup: lock, walk from the head, on a hit move the entry to the head
 *    (so a hit writes and every hit serialises) and take the caller's
 *    reference, still under the lock. The entry's own reference keeps the
 *    irq alive while the lock is held, so a plain increment is right.
 *    Taking it after unlocking was the 2024 use-after-free (race a in
 *    docs/design.md).
 *  - insert (miss path, its_lock held): lock; if the key is present, done;
 *    else reuse the tail entry, dropping its irq's reference (an
 *    eviction if it had one), and move it to the head.
 *  - invalidate: lock, drop every entry's reference, mark all free. Any
 *    command on any ITS empties the whole cache.
 * Reclamation: entries are never freed before destroy; references are
 * dropped under the lock, where no reader can be.
 *
 * Which lock: in v6.8 it is lpi_list_lock, the LPI list's own lock
 * (vgic_its_check_cache and vgic_its_cache_translation take it, and drop
 * an evicted entry's reference with __vgic_put_lpi_locked under it), so
 * cache hits contend with every get/put of the list. When the store offers
 * its global lock (store_ops.global_lock: the `list` backend, v6.8) the
 * cache runs under that lock and drops references with put_locked. With
 * any other store (v6.9: the xarray) it owns a lock, as v6.9 kept
 * lpi_list_lock for the cache alone, taken before the store's own lock
 * when an eviction drops a reference.
 */
#include "../core/alloc.h"
#include "../core/fault_point.h"
#include "cache_entries.h"

struct cache_lru {
	struct cache base;
	struct lb_lock own;	      /* the cache's lock when the store has none to share */
	struct lb_lock *lock;	      /* &own, or the store's global lock (v6.8) */
	struct cache_entries entries; /* MRU first, free entries last */
};

#define to_lru(c) lb_container_of((c), struct cache_lru, base)

static struct cache *lru_create(const struct cache_cfg *cfg)
{
	struct cache_lru *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	if (cache_entries_init(&c->entries, cfg, sizeof(struct cache_entry))) {
		lb_free(LB_MEM_CACHE, c, sizeof(*c));
		return NULL;
	}
	c->base.ops = &cache_lru_ops;
	if (cfg->store->ops->global_lock && cfg->store->ops->put_locked) {
		c->lock = cfg->store->ops->global_lock(cfg->store);
		c->entries.under_store_lock = true;
	} else {
		lb_lock_init(&c->own);
		lb_lock_set_class(&c->own, LB_LC_CACHE);
		c->lock = &c->own;
	}
	return &c->base;
}

static void lru_destroy(struct cache *base)
{
	struct cache_lru *c = to_lru(base);
	bool own = !c->entries.under_store_lock;
	cache_entries_fini(&c->entries);
	if (own)
		lb_lock_destroy(&c->own);
	lb_free(LB_MEM_CACHE, c, sizeof(*c));
}

/* Finds the entry and makes it the most recent. Context: c->lock held. */
static struct cache_entry *lru_find(struct cache_lru *c, uint64_t db, uint32_t devid,
				    uint32_t eventid)
{
	struct cache_entry *e = cache_entries_find(&c->entries, db, devid, eventid);
	if (e && c->entries.head.next != &e->link)
		lb_list_move(&e->link, &c->entries.head);
	return e;
}

static struct lb_irq *lru_lookup(struct cache *base, uint64_t doorbell, uint32_t devid,
				 uint32_t eventid)
{
	struct cache_lru *c = to_lru(base);
	struct lb_irq *irq = NULL;
	lb_lock(c->lock);
	lb_fault_point(LB_FAULT_CACHE, "lru lookup, cache lock held");
	struct cache_entry *e = lru_find(c, doorbell, devid, eventid);
	if (e) {
		irq = e->irq;
		lb_ref_get(&irq->refcount);
	}
	lb_unlock(c->lock);
	return irq;
}

static void lru_insert(struct cache *base, uint64_t doorbell, uint32_t devid, uint32_t eventid,
		       struct lb_irq *irq)
{
	struct cache_lru *c = to_lru(base);
	lb_lock(c->lock);
	/* Another injector may have cached it since our lookup missed. */
	if (!lru_find(c, doorbell, devid, eventid))
		cache_entries_fill(&c->entries, cache_entries_tail(&c->entries), doorbell, devid,
				   eventid, irq);
	lb_unlock(c->lock);
}

static void lru_invalidate(struct cache *base, struct its *its)
{
	struct cache_lru *c = to_lru(base);
	(void)its; /* era A: every ITS's entries go */
	lb_lock(c->lock);
	cache_entries_drop_all(&c->entries);
	lb_unlock(c->lock);
}

static void lru_for_each(struct cache *base, cache_visit_fn fn, void *arg)
{
	cache_entries_for_each(&to_lru(base)->entries, fn, arg);
}

static void lru_stats(struct cache *base, struct cache_stats *st)
{
	struct cache_lru *c = to_lru(base);
	lb_lock(c->lock);
	cache_entries_stats(&c->entries, st);
	lb_unlock(c->lock);
}

const struct cache_ops cache_lru_ops = {
    .name = "lru",
    .desc = "era A (v6.8/v6.9): global LRU list, 16 x vCPUs preallocated entries, one "
	    "global lock, hits move to head",
    .flags = CACHE_F_LIMITED,
    .create = lru_create,
    .destroy = lru_destroy,
    .lookup = lru_lookup,
    .insert = lru_insert,
    .invalidate = lru_invalidate,
    .for_each = lru_for_each,
    .stats = lru_stats,
};
