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
 *    Taking it after unlocking was the 2024 use-after-free (DESIGN.md
 *    section 5, race a).
 *  - insert (miss path, its_lock held): lock; if the key is present, done;
 *    else reuse the tail entry, dropping its irq's reference (an
 *    eviction if it had one), and move it to the head.
 *  - invalidate: lock, drop every entry's reference, mark all free. Any
 *    command on any ITS empties the whole cache.
 * Reclamation: entries are never freed before destroy; references are
 * dropped under the lock, where no reader can be.
 *
 * Difference from the kernel: there this lock was lpi_list_lock, the LPI
 * store's own lock, so cache hits also contended with every store get/put
 * and the store's iterators. Here the cache owns its lock (the store may
 * not be a list at all); with --backend=list a run has two global locks
 * where v6.8 had one, taken nested (cache lock, then the store's, when an
 * eviction drops a reference).
 */
#include "../core/alloc.h"
#include "../core/fault_point.h"
#include "its.h"
#include "cache.h"

struct lru_entry {
	struct lb_list link;
	uint64_t doorbell;
	uint32_t devid, eventid;
	struct lb_irq *irq; /* NULL: free */
};

struct cache_lru {
	struct cache base;
	struct store *store;
	struct lb_lock lock; /* stands for the kernel's lpi_list_lock */
	struct lb_list head; /* MRU first, free entries last */
	struct lru_entry *entries;
	unsigned nr;
	uint64_t inserts, evictions, invalidated; /* under lock */
};

#define to_lru(c) lb_container_of((c), struct cache_lru, base)

static struct cache *lru_create(const struct cache_cfg *cfg)
{
	struct cache_lru *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	c->nr = CACHE_ENTRIES_PER_VCPU * cfg->nr_vcpus;
	c->entries = lb_zalloc(LB_MEM_CACHE, (size_t)c->nr * sizeof(*c->entries));
	if (!c->entries) {
		lb_free(LB_MEM_CACHE, c, sizeof(*c));
		return NULL;
	}
	c->base.ops = &cache_lru_ops;
	c->store = cfg->store;
	lb_lock_init(&c->lock);
	lb_list_init(&c->head);
	for (unsigned i = 0; i < c->nr; i++)
		lb_list_add_tail(&c->entries[i].link, &c->head);
	return &c->base;
}

/* Context: c->lock held. */
static void lru_drop_all(struct cache_lru *c)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &c->head)
	{
		struct lru_entry *e = lb_list_entry(pos, struct lru_entry, link);
		if (!e->irq)
			break;
		store_put(c->store, e->irq);
		e->irq = NULL;
		c->invalidated++;
		LB_COUNT(LB_C_CACHE_INVAL);
	}
}

static void lru_destroy(struct cache *base)
{
	struct cache_lru *c = to_lru(base);
	lru_drop_all(c);
	lb_lock_destroy(&c->lock);
	lb_free(LB_MEM_CACHE, c->entries, (size_t)c->nr * sizeof(*c->entries));
	lb_free(LB_MEM_CACHE, c, sizeof(*c));
}

/* Finds the entry and makes it the most recent. Context: c->lock held. */
static struct lru_entry *lru_find(struct cache_lru *c, uint64_t db, uint32_t devid,
				  uint32_t eventid)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &c->head)
	{
		struct lru_entry *e = lb_list_entry(pos, struct lru_entry, link);
		if (!e->irq)
			break; /* free entries are the tail: nothing after */
#ifdef LB_MUTANT_CACHE_KEY     /* planted bug (tests/test_mutants.sh) */
		(void)eventid;
		if (e->doorbell != db || e->devid != devid)
			continue;
#else
		if (e->doorbell != db || e->devid != devid || e->eventid != eventid)
			continue;
#endif
		if (c->head.next != &e->link)
			lb_list_move(&e->link, &c->head);
		return e;
	}
	return NULL;
}

static struct lb_irq *lru_lookup(struct cache *base, const struct its *its, uint32_t devid,
				 uint32_t eventid)
{
	struct cache_lru *c = to_lru(base);
	struct lb_irq *irq = NULL;
	lb_lock(&c->lock);
	lb_fault_point(LB_FAULT_CACHE, "lru lookup, cache lock held");
	struct lru_entry *e = lru_find(c, its->doorbell, devid, eventid);
	if (e) {
		irq = e->irq;
		lb_ref_get(&irq->refcount);
	}
	lb_unlock(&c->lock);
	return irq;
}

static void lru_insert(struct cache *base, struct its *its, uint32_t devid, uint32_t eventid,
		       struct lb_irq *irq)
{
	struct cache_lru *c = to_lru(base);
	lb_lock(&c->lock);
	/* Another injector may have cached it since our lookup missed. */
	if (lru_find(c, its->doorbell, devid, eventid)) {
		lb_unlock(&c->lock);
		return;
	}
	struct lru_entry *e = lb_list_entry(c->head.prev, struct lru_entry, link);
	if (e->irq) {
		store_put(c->store, e->irq); /* cache lock > store lock */
		c->evictions++;
		LB_COUNT(LB_C_CACHE_EVICT);
	}
	lb_ref_get(&irq->refcount); /* the ITE's keeps it above zero */
	e->doorbell = its->doorbell;
	e->devid = devid;
	e->eventid = eventid;
	e->irq = irq;
	lb_list_move(&e->link, &c->head);
	c->inserts++;
	lb_unlock(&c->lock);
}

static void lru_invalidate(struct cache *base, struct its *its)
{
	struct cache_lru *c = to_lru(base);
	(void)its; /* era A: every ITS's entries go */
	lb_lock(&c->lock);
	lru_drop_all(c);
	lb_unlock(&c->lock);
}

static void lru_for_each(struct cache *base, cache_visit_fn fn, void *arg)
{
	struct cache_lru *c = to_lru(base);
	struct lb_list *pos;
	lb_list_for_each(pos, &c->head)
	{
		struct lru_entry *e = lb_list_entry(pos, struct lru_entry, link);
		if (!e->irq || fn(e->doorbell, e->devid, e->eventid, e->irq, arg))
			break;
	}
}

static void lru_stats(struct cache *base, struct cache_stats *st)
{
	struct cache_lru *c = to_lru(base);
	uint64_t n = 0;
	struct lb_list *pos;
	lb_lock(&c->lock);
	lb_list_for_each(pos, &c->head)
	{
		if (!lb_list_entry(pos, struct lru_entry, link)->irq)
			break;
		n++;
	}
	*st = (struct cache_stats){.entries = n,
				   .capacity = c->nr,
				   .inserts = c->inserts,
				   .evictions = c->evictions,
				   .invalidated = c->invalidated};
	lb_unlock(&c->lock);
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
