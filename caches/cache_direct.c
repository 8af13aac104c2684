/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Translation cache `direct`: per ITS, a direct-mapped table of
 * cache_cfg.size slots (default 16 x vCPUs); a key goes to one slot
 * ((devid * 31 + eventid) mod size) and an insert evicts whatever key held
 * it: a bounded cache that evicts on conflict, not by age. Not a kernel
 * design: the cheapest bounded cache, to set against lru (bounded, evicts
 * the oldest) and xa (unbounded).
 *
 * Concurrency contract: every operation takes the instance's lock.
 *  - lookup: lock, compare the slot's key, on a hit take a reference
 *    (plain increment: the entry's own reference keeps the irq alive while
 *    the lock is held), unlock.
 *  - insert (its_lock held): lock; an entry of another key in the slot is
 *    dropped (its reference put; cache lock > store lock), ours stored
 *    with a new reference.
 *  - invalidate: lock, drop every entry's reference. No lock-free reader
 *    exists, so nothing waits for a grace period.
 * Reclamation: the table lives as long as the instance.
 */
#include "../core/alloc.h"
#include "cache.h"

struct direct_slot {
	uint32_t devid, eventid;
	struct lb_irq *irq; /* NULL: empty */
};

struct cache_direct {
	struct cache base;
	struct store *store;
	uint64_t doorbell; /* the owning ITS's */
	struct lb_lock lock;
	struct direct_slot *slots;
	unsigned nr;
	uint64_t inserts, evictions, invalidated; /* under lock */
};

#define to_direct(c) lb_container_of((c), struct cache_direct, base)

static struct cache *direct_create(const struct cache_cfg *cfg)
{
	struct cache_direct *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	c->nr = cfg->size ? cfg->size : CACHE_ENTRIES_PER_VCPU * cfg->nr_vcpus;
	if (!c->nr)
		c->nr = 1;
	c->slots = lb_zalloc(LB_MEM_CACHE, (size_t)c->nr * sizeof(*c->slots));
	if (!c->slots) {
		lb_free(LB_MEM_CACHE, c, sizeof(*c));
		return NULL;
	}
	c->base.ops = &cache_direct_ops;
	c->store = cfg->store;
	c->doorbell = cfg->doorbell;
	lb_lock_init(&c->lock);
	lb_lock_set_class(&c->lock, LB_LC_CACHE);
	return &c->base;
}

static struct direct_slot *direct_slot(struct cache_direct *c, uint32_t devid, uint32_t eventid)
{
	return &c->slots[((uint64_t)devid * 31 + eventid) % c->nr];
}

/* Context: c->lock held, or quiescent. */
static void direct_drop_all(struct cache_direct *c)
{
	for (unsigned i = 0; i < c->nr; i++) {
		if (!c->slots[i].irq)
			continue;
		store_put(c->store, c->slots[i].irq);
		c->slots[i].irq = NULL;
		c->invalidated++;
		LB_COUNT(LB_C_CACHE_INVAL);
	}
}

static void direct_destroy(struct cache *base)
{
	struct cache_direct *c = to_direct(base);
	direct_drop_all(c);
	lb_lock_destroy(&c->lock);
	lb_free(LB_MEM_CACHE, c->slots, (size_t)c->nr * sizeof(*c->slots));
	lb_free(LB_MEM_CACHE, c, sizeof(*c));
}

static struct lb_irq *direct_lookup(struct cache *base, uint64_t doorbell, uint32_t devid,
				    uint32_t eventid)
{
	struct cache_direct *c = to_direct(base);
	struct lb_irq *irq = NULL;
	(void)doorbell; /* one instance per ITS */
	lb_lock(&c->lock);
	struct direct_slot *s = direct_slot(c, devid, eventid);
	if (s->irq && s->devid == devid && s->eventid == eventid) {
		irq = s->irq;
		lb_ref_get(&irq->refcount);
	}
	lb_unlock(&c->lock);
	return irq;
}

static void direct_insert(struct cache *base, uint64_t doorbell, uint32_t devid, uint32_t eventid,
			  struct lb_irq *irq)
{
	struct cache_direct *c = to_direct(base);
	(void)doorbell;
	lb_lock(&c->lock);
	struct direct_slot *s = direct_slot(c, devid, eventid);
	if (s->irq && s->devid == devid && s->eventid == eventid) {
		lb_unlock(&c->lock); /* another injector cached it first */
		return;
	}
	if (s->irq) { /* a conflict: the other key goes */
		store_put(c->store, s->irq);
		c->evictions++;
		LB_COUNT(LB_C_CACHE_EVICT);
	}
	lb_ref_get(&irq->refcount); /* the ITE's keeps it above zero */
	s->devid = devid;
	s->eventid = eventid;
	s->irq = irq;
	c->inserts++;
	lb_unlock(&c->lock);
}

static void direct_invalidate(struct cache *base, struct its *its)
{
	struct cache_direct *c = to_direct(base);
	(void)its; /* this ITS's instance */
	lb_lock(&c->lock);
	direct_drop_all(c);
	lb_unlock(&c->lock);
}

static void direct_for_each(struct cache *base, cache_visit_fn fn, void *arg)
{
	struct cache_direct *c = to_direct(base);
	for (unsigned i = 0; i < c->nr; i++) {
		struct direct_slot *s = &c->slots[i];
		if (s->irq && fn(c->doorbell, s->devid, s->eventid, s->irq, arg))
			break;
	}
}

static void direct_stats(struct cache *base, struct cache_stats *st)
{
	struct cache_direct *c = to_direct(base);
	uint64_t n = 0;
	lb_lock(&c->lock);
	for (unsigned i = 0; i < c->nr; i++)
		n += c->slots[i].irq != NULL;
	*st = (struct cache_stats){.entries = n,
				   .capacity = c->nr,
				   .inserts = c->inserts,
				   .evictions = c->evictions,
				   .invalidated = c->invalidated};
	lb_unlock(&c->lock);
}

const struct cache_ops cache_direct_ops = {
    .name = "direct",
    .desc = "per ITS: direct-mapped table of 16 x vCPUs slots, an insert evicts the key "
	    "in its slot (not a kernel design); one lock per ITS",
    .flags = CACHE_F_PER_ITS | CACHE_F_CONFLICT,
    .create = direct_create,
    .destroy = direct_destroy,
    .lookup = direct_lookup,
    .insert = direct_insert,
    .invalidate = direct_invalidate,
    .for_each = direct_for_each,
    .stats = direct_stats,
};
