/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The entry pool of the era-A translation caches (`lru`, `rwlock`): 16 x
 * nr_vcpus entries allocated at create, keyed by (ITS doorbell, devid,
 * eventid), on one list whose valid entries come first and whose free
 * entries (no irq) form the tail. Each valid entry holds one reference on
 * its irq; references are dropped only by writers, under the design's lock.
 *
 * What the two designs share is here; what makes them different stays in
 * their files: the lock (one spinlock; an rwlock), how a hit ranks its
 * entry (moved to the head; stamped with the cache's clock) and which entry
 * an insert evicts (the tail; the oldest stamp).
 *
 * A design's entry type begins with struct cache_entry and may add fields
 * after it (rwlock's stamp); the pool is laid out at the design's stride.
 * Context: init and fini quiescent; find and stats with the design's lock
 * held on either side; every other function with it held for writing.
 */
#ifndef LB_CACHE_ENTRIES_H
#define LB_CACHE_ENTRIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/list.h"
#include "cache.h"

struct cache_entry {
	struct lb_list link;
	uint64_t doorbell;
	uint32_t devid, eventid;
	struct lb_irq *irq; /* NULL: free */
};

struct cache_entries {
	struct store *store; /* where entries' references are dropped */
	/* The design runs under the store's global lock (v6.8's one
	 * lpi_list_lock): references are dropped with store put_locked. */
	bool under_store_lock;
	struct lb_list head; /* valid entries first, free entries last */
	void *pool;
	size_t stride; /* the design's entry size */
	unsigned nr;
	uint64_t inserts, evictions, invalidated; /* under the lock, for writing */
};

/* Allocates cfg->nr_vcpus x 16 entries of entry_size bytes, all free.
 * Returns 0 or -ENOMEM (nothing allocated). */
int cache_entries_init(struct cache_entries *l, const struct cache_cfg *cfg, size_t entry_size);
/* Drops every entry's reference (under the store's lock when the pool
 * runs under it) and frees the pool. */
void cache_entries_fini(struct cache_entries *l);

/* The valid entry for the key, or NULL. Walks from the head and stops at
 * the first free entry. */
static inline struct cache_entry *cache_entries_find(struct cache_entries *l, uint64_t doorbell,
						     uint32_t devid, uint32_t eventid)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &l->head) {
		struct cache_entry *e = lb_list_entry(pos, struct cache_entry, link);
		if (!e->irq)
			break; /* free entries are the tail: nothing after */
#ifdef LB_MUTANT_CACHE_KEY     /* planted bug (tests/test_mutants.sh): eventid not compared */
		(void)eventid;
		if (e->doorbell == doorbell && e->devid == devid)
			return e;
#else
		if (e->doorbell == doorbell && e->devid == devid && e->eventid == eventid)
			return e;
#endif
	}
	return NULL;
}

static inline struct cache_entry *cache_entries_tail(struct cache_entries *l)
{
	return lb_list_entry(l->head.prev, struct cache_entry, link);
}

/* Reuses e (the design's victim) for the key: drops its irq's reference
 * if it held one (an eviction; cache lock > store lock), takes one on irq
 * (the caller's ITE keeps it above zero) and moves e to the head. */
void cache_entries_fill(struct cache_entries *l, struct cache_entry *e, uint64_t doorbell,
			uint32_t devid, uint32_t eventid, struct lb_irq *irq);
/* Invalidation: drops every valid entry's reference; all become free. */
void cache_entries_drop_all(struct cache_entries *l);
/* Visits the valid entries from the head (quiescent, or under the lock). */
void cache_entries_for_each(struct cache_entries *l, cache_visit_fn fn, void *arg);
void cache_entries_stats(struct cache_entries *l, struct cache_stats *st);

#endif
