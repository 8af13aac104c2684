/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The translation-cache contract: (ITS doorbell, devid, eventid) -> irq,
 * what KVM consults on every MSI before walking the ITS tables. Chosen with
 * --cache=, orthogonal to the LPI store (--backend=).
 *
 * A design is one file defining `const struct cache_ops cache_<name>_ops`
 * plus one line in caches/cache_registry.def; the model, the workloads
 * and tests/test_cache.c find it through the registry.
 *
 * Scope: a design flagged CACHE_F_PER_ITS gets one instance per ITS (era B:
 * the key is (devid, eventid) and an invalidation empties that ITS's
 * instance only); otherwise one instance serves the whole VM (era A: the
 * key includes the ITS doorbell and every invalidation empties it all).
 *
 * Reference rules (tests/test_cache.c checks them for every design):
 *  - each entry holds one reference on its irq;
 *  - lookup() returns the irq with a reference taken for the caller (who
 *    drops it with store_put), or NULL on a miss;
 *  - insert() takes the entry's reference itself; the caller's irq is kept
 *    alive by its ITE, since the caller holds its_lock;
 *  - invalidate() drops every entry of its scope; a reference whose object a
 *    lock-free reader may still be looking at is dropped only once no such
 *    reader can remain (after a grace period) unless the store frees after
 *    a grace period anyway (STORE_CAP_DEFERRED_FREE), as era B relies on.
 *
 * Which commands invalidate: KVM drops the whole cache (of the ITS in era B,
 * of the VM in era A) on DISCARD, MOVI, MAPD unmap (and remap), MAPC unmap,
 * MOVALL and an ITS disable; never on MAPTI, INV or INVALL. It never
 * invalidates by device or event, so the contract has no such operation: a
 * design that wants finer invalidation would add optional ops here.
 *
 * Context: lookup from any registered RCU thread outside a read section;
 * insert and invalidate with the owning ITS's its_lock held (may sleep:
 * usage-rcu waits for grace periods); create, destroy, for_each, stats
 * quiescent.
 */
#ifndef LB_CACHE_H
#define LB_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/irq.h"
#include "../structures/store.h"

struct its;

#define CACHE_F_PER_ITS	    (1u << 0) /* one instance per ITS (era B) */
#define CACHE_F_LIMITED	    (1u << 1) /* bounded: 16 x vCPUs entries, evicts */
#define CACHE_F_RCU_READERS (1u << 2) /* lookups take no lock */
#define CACHE_F_NEVER	    (1u << 3) /* caches nothing (`none`) */
#define CACHE_F_CONFLICT    (1u << 4) /* bounded (cache_cfg.size): a key evicts its slot's */

#define CACHE_ENTRIES_PER_VCPU 16u /* KVM's LPI_DEFAULT_PCPU_CACHE_SIZE */

struct cache_cfg {
	struct store *store; /* where entries' references are dropped */
	struct its *its;     /* owner of a per-ITS instance; NULL for VM-wide */
	uint64_t doorbell;   /* the owner's doorbell (per-ITS instances) */
	unsigned nr_vcpus;   /* sizes limited designs */
	unsigned size;	     /* entries, for designs that take one; 0: their default */
};

struct cache_stats {
	uint64_t entries;	/* valid entries now */
	uint64_t capacity;	/* 0: unlimited */
	uint64_t inserts;	/* entries added */
	uint64_t evictions;	/* valid entries pushed out by an insert */
	uint64_t invalidated;	/* entries dropped by invalidations */
	uint64_t insert_enomem; /* inserts skipped for lack of memory */
};

struct cache;

/* Visit one entry (quiescent): return non-zero to stop. */
typedef int (*cache_visit_fn)(uint64_t doorbell, uint32_t devid, uint32_t eventid,
			      struct lb_irq *irq, void *arg);

struct cache_ops {
	const char *name;
	const char *desc; /* one line: design and era */
	unsigned flags;
	/* NULL on -ENOMEM. */
	struct cache *(*create)(const struct cache_cfg *cfg);
	/* Context: quiescent. Drops every entry's reference and frees. Releases
	 * still deferred through call_rcu use the store: the owner waits for
	 * them (lb_rcu_barrier) before destroying it. */
	void (*destroy)(struct cache *c);
	/* Returns a referenced irq or NULL. doorbell: the injecting ITS's
	 * (its->doorbell), part of the key of VM-wide designs. */
	struct lb_irq *(*lookup)(struct cache *c, uint64_t doorbell, uint32_t devid,
				 uint32_t eventid);
	/*
	 * Context: the owning ITS's its_lock held; irq mapped by one of its
	 * ITEs. An existing entry for the key is either kept (lru, rwlock,
	 * usage-*: 6.8's "already cached, done") or replaced and its
	 * reference dropped (xa: 6.10's xa_store); every command that remaps
	 * a key invalidates first, so under its_lock an existing entry holds
	 * this same irq and both give the same answer. Allocation failure:
	 * not cached (insert_enomem), never an error: the cache is best effort.
	 */
	void (*insert)(struct cache *c, uint64_t doorbell, uint32_t devid, uint32_t eventid,
		       struct lb_irq *irq);
	/* Drops every entry of its scope (VM-wide designs: all). Context:
	 * its->its_lock held. */
	void (*invalidate)(struct cache *c, struct its *its);
	void (*for_each)(struct cache *c, cache_visit_fn fn, void *arg);
	void (*stats)(struct cache *c, struct cache_stats *st);
	/*
	 * Optional, for --get=rcu (getmode.h): the cached irq without a
	 * reference. Context: inside lb_rcu_read_lock(). The result is valid
	 * memory until lb_rcu_read_unlock() and may be dying (refcount 0: an
	 * invalidation dropped the entry's reference meanwhile); a caller
	 * that keeps it past the section must try-get it. Offered by designs
	 * whose lookups are RCU readers (CACHE_F_RCU_READERS) and whose
	 * entries are freed a grace period after they are unlinked; the irq
	 * itself stays valid because --get=rcu requires a store that frees
	 * after a grace period.
	 */
	struct lb_irq *(*lookup_rcu)(struct cache *c, uint64_t doorbell, uint32_t devid,
				     uint32_t eventid);
};

/* Every design's instance begins with this. */
struct cache {
	const struct cache_ops *ops;
};

/* Every design's ops, declared for the designs themselves and the registry. */
#define CACHE(sym) extern const struct cache_ops cache_##sym##_ops;
#include "cache_registry.def"
#undef CACHE

/* Registry (cache.c): NULL-terminated, in cache_registry.def order. */
extern const struct cache_ops *const cache_registry[];
const struct cache_ops *cache_find(const char *name);
/* "lru, usage-rcu, ..." for messages. */
const char *cache_names(void);

/* ---- Helpers shared by the designs (cache.c) ---- */

/* Drop a reference a lock-free reader may still be about to try-get:
 * at once if the store frees after a grace period, else after one (via
 * call_rcu; if that cannot allocate, by waiting for a grace period here,
 * so the caller must hold no lock an RCU reader could wait on... which no
 * reader does). Context: registered thread, outside a read section. */
void cache_put_rcu_safe(struct store *s, struct lb_irq *irq);

static inline bool cache_store_defers_free(const struct store *s)
{
	return (s->ops->caps & STORE_CAP_DEFERRED_FREE) != 0;
}

#endif
