/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Caches `usage-rcu` and `usage-callrcu`: the intermediate design of the
 * 2024 LPI-injection series (v1/v2, never merged), and the call_rcu
 * alternative proposed against it. One list per VM keyed by (doorbell,
 * devid, eventid), at most 16 x nr_vcpus entries, allocated lazily.
 *
 * Concurrency contract:
 *  - lookup: lock-free. RCU read section, walk the RCU list, on a key
 *    match bump the entry's atomic usage count and try-get the irq (the
 *    entry's irq pointer may be cleared and its reference dropped by an
 *    invalidation at any time, so the count may be zero).
 *  - insert (its_lock held): allocate outside the lock, then under the
 *    writers' lock (the kernel's lpi_list_lock): keep an existing entry for
 *    the key; if full, pick a victim (an invalidated entry first, else the
 *    lowest usage count, on a tie the one nearest the tail, i.e. oldest),
 *    unlink it; the new entry starts with the highest usage count seen in
 *    that scan and goes to the head. The victim is released after the
 *    lock is dropped:
 *      usage-rcu:     synchronize (wait a grace period, plus --gp-latency),
 *                     then drop its reference and free it. One grace period
 *                     per miss once the cache is full: the 2024 regression
 *                     (733 K -> 149 LPIs/s for -e 17 through 16 entries).
 *      usage-callrcu: hand both to call_rcu; the miss returns at once.
 *  - invalidate: under the lock, clear every entry's irq pointer and drop
 *    its reference at once, as v2 did; entries stay, as free victims. That
 *    is safe only because the era-B store frees irqs after a grace period;
 *    with a store that frees at once (era-A list) the drop is deferred past
 *    a grace period instead (cache_put_rcu_safe).
 *  - lookup_rcu (--get=rcu): the same walk in the caller's read section,
 *    bumping the usage count, without the try-get.
 * Reclamation: entries after a grace period (synchronize or call_rcu).
 */
#include "../core/alloc.h"
#include "cache.h"

struct usage_entry {
	struct usage_entry *next; /* RCU: readers use lb_rcu_dereference */
	uint64_t doorbell;	  /* key: fixed before the entry is published */
	uint32_t devid, eventid;
	struct lb_irq *irq; /* RCU pointer; NULL once invalidated */
	atomic_ullong usage;
	struct lb_rcu_head rcu; /* usage-callrcu release */
	struct store *store;
};

struct cache_usage {
	struct cache base;
	struct store *store;
	bool call_rcu;	     /* usage-callrcu */
	struct lb_lock lock; /* writers; stands for the kernel's lpi_list_lock */
	struct usage_entry *head;
	unsigned nr, limit; /* linked entries (valid or not), at most limit */
	uint64_t inserts, evictions, invalidated, enomem; /* under lock */
};

#define to_usage(c) lb_container_of((c), struct cache_usage, base)

static struct cache *usage_create_common(const struct cache_cfg *cfg, const struct cache_ops *ops,
					 bool call_rcu)
{
	struct cache_usage *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	c->base.ops = ops;
	c->store = cfg->store;
	c->call_rcu = call_rcu;
	c->limit = CACHE_ENTRIES_PER_VCPU * cfg->nr_vcpus;
	lb_lock_init(&c->lock);
	lb_lock_set_class(&c->lock, LB_LC_CACHE);
	return &c->base;
}

static struct cache *usage_rcu_create(const struct cache_cfg *cfg)
{
	return usage_create_common(cfg, &cache_usage_rcu_ops, false);
}

static struct cache *usage_callrcu_create(const struct cache_cfg *cfg)
{
	return usage_create_common(cfg, &cache_usage_callrcu_ops, true);
}

static void usage_destroy(struct cache *base)
{
	struct cache_usage *c = to_usage(base);
	/* Quiescent: no reader left, so references go at once. Victims still
	 * in call_rcu are the owner's to wait for (its_vm_destroy does). */
	struct usage_entry *e = c->head;
	while (e) {
		struct usage_entry *next = e->next;
		if (e->irq)
			store_put(c->store, e->irq);
		lb_free(LB_MEM_CACHE, e, sizeof(*e));
		e = next;
	}
	lb_lock_destroy(&c->lock);
	lb_free(LB_MEM_CACHE, c, sizeof(*c));
}

static struct lb_irq *usage_lookup(struct cache *base, uint64_t doorbell, uint32_t devid,
				   uint32_t eventid)
{
	struct cache_usage *c = to_usage(base);
	struct lb_irq *found = NULL;
	lb_rcu_read_lock();
	for (struct usage_entry *e = lb_rcu_dereference(c->head); e;
	     e = lb_rcu_dereference(e->next)) {
		if (e->doorbell != doorbell || e->devid != devid || e->eventid != eventid)
			continue;
		struct lb_irq *irq = lb_rcu_dereference(e->irq);
		if (!irq)
			continue; /* invalidated; a newer entry may follow */
		atomic_fetch_add_explicit(&e->usage, 1, memory_order_relaxed);
		if (lb_ref_tryget(&irq->refcount))
			found = irq;
		break;
	}
	lb_rcu_read_unlock();
	if (found)
		irq_check(found);
	return found;
}

/* Context: inside lb_rcu_read_lock() (cache.h). */
static struct lb_irq *usage_lookup_rcu(struct cache *base, uint64_t doorbell, uint32_t devid,
				       uint32_t eventid)
{
	struct cache_usage *c = to_usage(base);
	for (struct usage_entry *e = lb_rcu_dereference(c->head); e;
	     e = lb_rcu_dereference(e->next)) {
		if (e->doorbell != doorbell || e->devid != devid || e->eventid != eventid)
			continue;
		struct lb_irq *irq = lb_rcu_dereference(e->irq);
		if (!irq)
			continue; /* invalidated; a newer entry may follow */
		atomic_fetch_add_explicit(&e->usage, 1, memory_order_relaxed);
		irq_check(irq);
		return irq;
	}
	return NULL;
}

static void usage_release_cb(struct lb_rcu_head *head)
{
	struct usage_entry *e = lb_container_of(head, struct usage_entry, rcu);
	if (e->irq)
		store_put(e->store, e->irq);
	lb_free(LB_MEM_CACHE, e, sizeof(*e));
}

/* Picks the victim and returns the link pointing to it.
 * Context: c->lock held, c->head non-NULL. */
static struct usage_entry **usage_victim(struct cache_usage *c, uint64_t *max_usage)
{
	struct usage_entry **victim = NULL, **link;
	uint64_t min = 0, max = 0;
	for (link = &c->head; *link; link = &(*link)->next) {
		struct usage_entry *e = *link;
		uint64_t u = atomic_load_explicit(&e->usage, memory_order_relaxed);
		max = u > max ? u : max;
		if (!e->irq) {
			victim = link;
			break;
		}
		if (!victim || u <= min) {
			victim = link;
			min = u;
		}
	}
	*max_usage = max;
	return victim;
}

static void usage_insert(struct cache *base, uint64_t doorbell, uint32_t devid, uint32_t eventid,
			 struct lb_irq *irq)
{
	struct cache_usage *c = to_usage(base);
	struct usage_entry *n = lb_zalloc(LB_MEM_CACHE, sizeof(*n));
	if (!n) {
		lb_lock(&c->lock);
		c->enomem++;
		lb_unlock(&c->lock);
		return;
	}
	n->doorbell = doorbell;
	n->devid = devid;
	n->eventid = eventid;
	n->store = c->store;

	lb_lock(&c->lock);
	for (struct usage_entry *e = c->head; e; e = e->next) {
		if (e->irq && e->doorbell == n->doorbell && e->devid == devid &&
		    e->eventid == eventid) {
			lb_unlock(&c->lock);
			lb_free(LB_MEM_CACHE, n, sizeof(*n));
			return;
		}
	}
	struct usage_entry *victim = NULL;
	uint64_t usage = 0;
	if (c->nr >= c->limit) {
		struct usage_entry **link = usage_victim(c, &usage);
		victim = *link;
		lb_rcu_assign_pointer(*link, victim->next); /* readers may still be on it */
		c->nr--;
		if (victim->irq) {
			c->evictions++;
			LB_COUNT(LB_C_CACHE_EVICT);
		}
	}
	atomic_init(&n->usage, usage);
	lb_ref_get(&irq->refcount); /* the ITE's keeps it above zero */
	n->irq = irq;
	n->next = c->head;
	lb_rcu_assign_pointer(c->head, n); /* publishes the key and irq too */
	c->nr++;
	c->inserts++;
	lb_unlock(&c->lock);

	if (!victim)
		return;
	/* Unlinked under the lock: nobody else can reach it to clear its irq. */
	if (c->call_rcu) {
		lb_call_rcu(&victim->rcu, usage_release_cb);
	} else {
		lb_synchronize_rcu();
		if (victim->irq)
			store_put(c->store, victim->irq);
		lb_free(LB_MEM_CACHE, victim, sizeof(*victim));
	}
}

static void usage_invalidate(struct cache *base, struct its *its)
{
	struct cache_usage *c = to_usage(base);
	(void)its; /* VM-wide, as era A */
	lb_lock(&c->lock);
	for (struct usage_entry *e = c->head; e; e = e->next) {
		struct lb_irq *irq = e->irq;
		if (!irq)
			continue;
		lb_rcu_assign_pointer(e->irq, NULL);
		c->invalidated++;
		LB_COUNT(LB_C_CACHE_INVAL);
		cache_put_rcu_safe(c->store, irq);
	}
	lb_unlock(&c->lock);
}

static void usage_for_each(struct cache *base, cache_visit_fn fn, void *arg)
{
	struct cache_usage *c = to_usage(base);
	for (struct usage_entry *e = c->head; e; e = e->next)
		if (e->irq && fn(e->doorbell, e->devid, e->eventid, e->irq, arg))
			break;
}

static void usage_stats(struct cache *base, struct cache_stats *st)
{
	struct cache_usage *c = to_usage(base);
	uint64_t n = 0;
	lb_lock(&c->lock);
	for (struct usage_entry *e = c->head; e; e = e->next)
		n += e->irq != NULL;
	*st = (struct cache_stats){.entries = n,
				   .capacity = c->limit,
				   .inserts = c->inserts,
				   .evictions = c->evictions,
				   .invalidated = c->invalidated,
				   .insert_enomem = c->enomem};
	lb_unlock(&c->lock);
}

const struct cache_ops cache_usage_rcu_ops = {
    .name = "usage-rcu",
    .desc = "2024 v1/v2 (unmerged): lazy entries, usage-count victim, RCU readers, "
	    "synchronize_rcu on every eviction",
    .flags = CACHE_F_LIMITED | CACHE_F_RCU_READERS,
    .create = usage_rcu_create,
    .destroy = usage_destroy,
    .lookup = usage_lookup,
    .insert = usage_insert,
    .invalidate = usage_invalidate,
    .for_each = usage_for_each,
    .stats = usage_stats,
    .lookup_rcu = usage_lookup_rcu,
};

const struct cache_ops cache_usage_callrcu_ops = {
    .name = "usage-callrcu",
    .desc = "as usage-rcu, the evicted entry released through call_rcu instead of a "
	    "synchronous grace period",
    .flags = CACHE_F_LIMITED | CACHE_F_RCU_READERS,
    .create = usage_callrcu_create,
    .destroy = usage_destroy,
    .lookup = usage_lookup,
    .insert = usage_insert,
    .invalidate = usage_invalidate,
    .for_each = usage_for_each,
    .stats = usage_stats,
    .lookup_rcu = usage_lookup_rcu,
};
