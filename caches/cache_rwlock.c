/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cache `rwlock`: era A with the global lock made a reader-writer lock
 * (proposed on the list in 2024, never merged). Same list of 16 x nr_vcpus
 * preallocated entries keyed by (doorbell, devid, eventid) as `lru`.
 *
 * Concurrency contract:
 *  - lookup: read side. Readers run in parallel, so a hit cannot move its
 *    entry to the head (that rewrites the list under readers). What we do
 *    instead: a hit stamps the entry with the cache's clock, which only
 *    writers advance (once per insert), and only if the stamp differs,
 *    so repeated hits between two misses write nothing shared but the
 *    irq's refcount. The reference is a plain increment under the read
 *    lock: the entry's own reference is dropped only under the write lock.
 *  - insert (its_lock held): write side. The victim is a free entry if one
 *    is left, else the entry with the oldest stamp, the one nearest the
 *    tail (inserted longest ago) on a tie: LRU at the granularity of
 *    misses instead of hits. The new entry goes to the head with a fresh
 *    stamp, so list order is insertion order.
 *  - invalidate: write side; drops every entry's reference (all ITSes).
 * Reclamation: as `lru`, references are dropped under the write lock.
 * Lock kind: --rwlock (ck: writer-preferring spin; pthread: glibc's,
 * reader-preferring, sleeps).
 */
#include "../core/alloc.h"
#include "../core/fault_point.h"
#include "cache_entries.h"

struct rw_entry {
	struct cache_entry e; /* irq written under the write lock */
	uint64_t stamp;	      /* clock at the last insert or hit (atomic) */
};

struct cache_rw {
	struct cache base;
	struct lb_rwlock lock;
	struct cache_entries entries; /* newest insert first, free entries last */
	uint64_t clock;		      /* advanced by writers, read by readers (atomic) */
};

#define to_rw(c)	lb_container_of((c), struct cache_rw, base)
#define to_rw_entry(ce) lb_container_of((ce), struct rw_entry, e)

static struct cache *rw_create(const struct cache_cfg *cfg)
{
	struct cache_rw *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	if (cache_entries_init(&c->entries, cfg, sizeof(struct rw_entry))) {
		lb_free(LB_MEM_CACHE, c, sizeof(*c));
		return NULL;
	}
	c->base.ops = &cache_rwlock_ops;
	lb_rwlock_init(&c->lock);
	return &c->base;
}

static void rw_destroy(struct cache *base)
{
	struct cache_rw *c = to_rw(base);
	cache_entries_fini(&c->entries);
	lb_rwlock_destroy(&c->lock);
	lb_free(LB_MEM_CACHE, c, sizeof(*c));
}

static struct lb_irq *rw_lookup(struct cache *base, uint64_t doorbell, uint32_t devid,
				uint32_t eventid)
{
	struct cache_rw *c = to_rw(base);
	struct lb_irq *irq = NULL;
	lb_read_lock(&c->lock);
	lb_fault_point(LB_FAULT_CACHE, "rwlock lookup, read lock held");
	struct cache_entry *ce = cache_entries_find(&c->entries, doorbell, devid, eventid);
	if (ce) {
		struct rw_entry *e = to_rw_entry(ce);
		irq = ce->irq;
		lb_ref_get(&irq->refcount);
		uint64_t now = LB_READ_ONCE(c->clock);
		if (LB_READ_ONCE(e->stamp) != now)
			LB_WRITE_ONCE(e->stamp, now);
	}
	lb_read_unlock(&c->lock);
	return irq;
}

/* Context: write lock held. */
static struct rw_entry *rw_victim(struct cache_rw *c)
{
	struct rw_entry *tail = to_rw_entry(cache_entries_tail(&c->entries));
	if (!tail->e.irq)
		return tail;
	struct rw_entry *victim = NULL;
	struct lb_list *pos;
	lb_list_for_each(pos, &c->entries.head) {
		struct rw_entry *e = to_rw_entry(lb_list_entry(pos, struct cache_entry, link));
		/* <=: on a tie the later one, i.e. the older insert. */
		if (!victim || LB_READ_ONCE(e->stamp) <= LB_READ_ONCE(victim->stamp))
			victim = e;
	}
	return victim;
}

static void rw_insert(struct cache *base, uint64_t doorbell, uint32_t devid, uint32_t eventid,
		      struct lb_irq *irq)
{
	struct cache_rw *c = to_rw(base);
	lb_write_lock(&c->lock);
	if (!cache_entries_find(&c->entries, doorbell, devid, eventid)) {
		struct rw_entry *e = rw_victim(c);
		uint64_t now = LB_READ_ONCE(c->clock) + 1;
		LB_WRITE_ONCE(c->clock, now);
		cache_entries_fill(&c->entries, &e->e, doorbell, devid, eventid, irq);
		LB_WRITE_ONCE(e->stamp, now);
	}
	lb_write_unlock(&c->lock);
}

static void rw_invalidate(struct cache *base, struct its *its)
{
	struct cache_rw *c = to_rw(base);
	(void)its;
	lb_write_lock(&c->lock);
	cache_entries_drop_all(&c->entries);
	lb_write_unlock(&c->lock);
}

static void rw_for_each(struct cache *base, cache_visit_fn fn, void *arg)
{
	cache_entries_for_each(&to_rw(base)->entries, fn, arg);
}

static void rw_stats(struct cache *base, struct cache_stats *st)
{
	struct cache_rw *c = to_rw(base);
	lb_write_lock(&c->lock);
	cache_entries_stats(&c->entries, st);
	lb_write_unlock(&c->lock);
}

const struct cache_ops cache_rwlock_ops = {
    .name = "rwlock",
    .desc = "era A with the global lock as an rwlock: hits under the read side stamp "
	    "instead of moving (LRU per miss), 16 x vCPUs entries",
    .flags = CACHE_F_LIMITED,
    .create = rw_create,
    .destroy = rw_destroy,
    .lookup = rw_lookup,
    .insert = rw_insert,
    .invalidate = rw_invalidate,
    .for_each = rw_for_each,
    .stats = rw_stats,
};
