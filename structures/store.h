/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The LPI-store contract: INTID -> struct lb_irq, one per VM, as KVM's
 * vgic_dist keeps it (a list in v6.8, an xarray from v6.10).
 *
 * Every backend is one file in structures/ that defines a
 * `const struct store_ops store_<name>_ops` and one line in
 * structures/store_registry.def. Nothing else changes: the driver, the
 * conformance suite and the stress suite find it through the registry.
 *
 * Reference rules (shared by every backend; the suites check them):
 *  - add() returns the irq with one reference taken for the caller (the
 *    mapping's). If a live entry for the INTID exists, it is reused and a
 *    reference is taken on it (MAPTI semantics); an entry whose refcount
 *    already reached zero is dying and is replaced by a fresh one.
 *  - get() returns the irq with a reference taken, or NULL if absent or
 *    dying. Backends with lock-free readers must use try-get.
 *  - put() drops one reference; the one that drops the last removes the
 *    entry from the index and frees it (at once where every lookup is
 *    serialised with the free, after a grace period otherwise). put
 *    cannot fail, so unindexing must need no memory: erase a slot, unlink,
 *    clear, leave a tombstone (the xarray port's erase never allocates;
 *    nodes left empty are freed, not reshaped). A design whose removal
 *    would need memory (say, a copy-on-write index) reserves it in add,
 *    which may fail with -ENOMEM, and never in put.
 *  - for_each() calls fn with a reference held on each live entry whose
 *    INTID is in [first, last]; fn returning non-zero stops the walk.
 *
 * Context: every op may be called concurrently from registered RCU threads
 * (lb_rcu_register_thread), outside any read section, unless the backend's
 * caps say otherwise (STORE_CAP_SINGLE_WRITER: callers serialise add/put).
 *
 * Allocation: create, add and for_each may allocate (for_each a copy of
 * the INTIDs it visits); put never does. Allocate before taking the
 * store's lock, as KVM does (list: kzalloc, then lpi_list_lock; xa:
 * xa_reserve_irq outside the xa_lock): that is the cost being modelled.
 * A backend may allocate under its own lock only where the structure it
 * wraps leaves no choice (ck-hs grows its table under the writer lock),
 * and its file's header says so: the allocator (core/alloc.h) takes no
 * lock a store op holds, so this cannot deadlock, but it lengthens the
 * critical section. A failed allocation leaves the index as it was and
 * add returns -ENOMEM.
 */
#ifndef LB_STORE_H
#define LB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/irq.h"

#define STORE_CAP_LOCKFREE_GET	 (1u << 0) /* get takes no lock (RCU readers) */
#define STORE_CAP_SINGLE_WRITER	 (1u << 1) /* callers must serialise add/put */
#define STORE_CAP_DEFERRED_FREE	 (1u << 2) /* frees wait for a grace period */
#define STORE_CAP_GLOBAL_LOCK	 (1u << 3) /* every op takes one global lock */
#define STORE_CAP_FIXED_CAPACITY (1u << 4) /* preallocated for the whole INTID space */
/*
 * Not a store: the harness's baseline (structures/store_null.c). There is
 * no index: every valid INTID maps to one fixed irq, on which the store
 * holds a reference of its own, so it is never freed while the store
 * exists. add and get take a reference on it, put drops one; invalid
 * INTIDs are rejected as everywhere. What such a backend cannot keep from
 * the reference rules above, and the suites must not expect of it:
 * distinct objects per INTID (nor irq->intid == the INTID asked for),
 * absent INTIDs (get finds every valid one), an irq allocated by add
 * (never -ENOMEM, no irq object accounted per mapping), freeing at the
 * last put, for_each visits (it visits nothing), and entries (absent).
 */
#define STORE_CAP_NULL (1u << 5)
/* Honours store_cfg.reclaim == STORE_RECLAIM_HP (see below). */
#define STORE_CAP_RECLAIM_HP (1u << 6)

/*
 * How irq objects are reclaimed after their final put (--reclaim=):
 *  - RCU (every backend): freed a grace period after they are unindexed
 *    (backends with STORE_CAP_DEFERRED_FREE), or at once where every lookup
 *    is serialised with the free.
 *  - HP (backends with STORE_CAP_RECLAIM_HP): hazard pointers (core/hp.h).
 *    get publishes a hazard on the entry it loaded and re-checks the slot
 *    before its try-get; the final put retires the irq, freed once no
 *    hazard names it. Lookups then take no RCU read section, and
 *    lookup_rcu must not be used (irq memory is no longer kept for RCU
 *    readers): the workloads refuse --get=rcu|percpu with --reclaim=hp.
 *    Only stores whose index memory is never freed while the store lives
 *    offer it, so irqs are the only objects that need reclaiming. Such a
 *    store no longer frees after a grace period, whatever its caps say
 *    (STORE_CAP_DEFERRED_FREE describes its RCU mode): code that relies
 *    on that for lock-free readers of its own (the translation caches)
 *    must not run on it, and lpi-stress refuses --reclaim=hp.
 * DEFAULT means store_reclaim_default, which --reclaim sets (the driver
 * creates stores with a zeroed store_cfg).
 */
struct store_cfg;
enum store_reclaim { STORE_RECLAIM_DEFAULT, STORE_RECLAIM_RCU, STORE_RECLAIM_HP };
extern enum store_reclaim store_reclaim_default; /* RCU unless --reclaim=hp */
const char *store_reclaim_name(enum store_reclaim r);
/* The mode a store created with cfg runs in (DEFAULT resolved). */
enum store_reclaim store_cfg_reclaim(const struct store_cfg *cfg);

struct store;

struct store_cfg {
	uint32_t expected_lpis;	    /* sizing hint; backends may ignore it */
	enum store_reclaim reclaim; /* backends without STORE_CAP_RECLAIM_HP ignore it */
};

/*
 * Backend-reported statistics, read quiescent after a run. Each field is
 * defined by what it measures, not by a design: any backend reports every
 * field that applies to its index and leaves the others at
 * STORE_STAT_ABSENT (reported as absent, never as zero).
 */
#define STORE_STAT_ABSENT UINT64_MAX
struct store_stats {
	uint64_t entries;   /* live entries in the index */
	uint64_t mem_bytes; /* bytes of index memory; irq objects excluded */
	/* mem_bytes as the allocator reserves it: each allocation rounded
	 * up to its size class (lb_alloc_usable). */
	uint64_t mem_alloc_bytes;
	uint64_t height;     /* levels a lookup descends from the root: 1 for
			      * one array, the depth for trees */
	uint64_t nodes;	     /* index blocks allocated separately (tree nodes,
			      * leaf pages, chain entries) */
	uint64_t tombstones; /* slots holding a removed-entry marker that
			      * lookups must step over */
	uint64_t capacity;   /* entries the index holds before it must grow
			      * (fixed arrays: all it ever holds) */
	uint64_t max_probe;  /* the most slots or entries one lookup may have
			      * to examine (probe sequence, chain, list) */
};

typedef int (*store_visit_fn)(struct lb_irq *irq, void *arg);

struct store_ops {
	const char *name;
	const char *desc; /* one line: design and era */
	unsigned caps;
	struct store *(*create)(const struct store_cfg *cfg);
	/* Context: quiescent (no concurrent ops); frees what is left. */
	void (*destroy)(struct store *s);
	/* Returns 0 with *out referenced, -ENOMEM, or -EINVAL for a bad INTID. */
	int (*add)(struct store *s, uint32_t intid, struct lb_irq **out);
	struct lb_irq *(*get)(struct store *s, uint32_t intid);
	void (*put)(struct store *s, struct lb_irq *irq);
	/* Returns the number of entries visited. */
	size_t (*for_each)(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			   void *arg);
	/* Fills every field it can; the caller preset them to ABSENT. */
	void (*stats)(struct store *s, struct store_stats *st);

	/*
	 * Optional (NULL where the store has no lock-free readers: list,
	 * list-rw): the read side of --get=rcu and --get=percpu, which take
	 * no reference per access.
	 * Context: caller inside lb_rcu_read_lock(), store in RCU reclaim
	 * mode. Returns the irq indexed for intid, or NULL (absent, invalid
	 * INTID); takes no reference. The result is valid memory until
	 * lb_rcu_read_unlock(); it may be a dying object (refcount 0, final
	 * put done, not yet unindexed): callers that keep it beyond the
	 * section must lb_ref_tryget() it first (and drop that reference
	 * with put), and state they change on it may be lost with it.
	 * What must hold for this to be correct, in every backend that
	 * offers it: an irq is freed only a grace period after it is
	 * unindexed (irq_free_rcu), and index memory a lookup walks is freed
	 * the same way or never.
	 */
	struct lb_irq *(*lookup_rcu)(struct store *s, uint32_t intid);
	/*
	 * Optional: Context: quiescent (no concurrent op). Frees every irq
	 * whose reclamation is still pending in the store's own scheme
	 * (hazard-pointer retire lists), so memory accounting can be checked;
	 * RCU-deferred frees are lb_rcu_barrier()'s business instead.
	 */
	void (*quiesce)(struct store *s);
	/*
	 * Optional, era A (list): the store's global lock, for a translation
	 * cache that runs under it as v6.8's ran under lpi_list_lock, and the
	 * put a holder of that lock uses (the kernel's __vgic_put_lpi_locked:
	 * decrement; at zero unlink and free, all under the lock).
	 * Context of put_locked: global_lock held; the store frees at once.
	 */
	struct lb_lock *(*global_lock)(struct store *s);
	void (*put_locked)(struct store *s, struct lb_irq *irq);
};

/* Every backend begins with this, so generic code can find its ops. */
struct store {
	const struct store_ops *ops;
};

/* Registry (store_registry.c): NULL-terminated, in store_registry.def order. */
extern const struct store_ops *const store_registry[];
const struct store_ops *store_find(const char *name);

/* Generic helpers over the ops. */
static inline struct lb_irq *store_get(struct store *s, uint32_t intid)
{
	return s->ops->get(s, intid);
}

static inline void store_put(struct store *s, struct lb_irq *irq)
{
	s->ops->put(s, irq);
}

/* See store_ops.quiesce; a no-op for stores without one. */
static inline void store_quiesce(struct store *s)
{
	if (s->ops->quiesce)
		s->ops->quiesce(s);
}

/* Unmap (DISCARD): drop the mapping's reference on intid's irq. The caller
 * must own that reference. Returns 0 or -ENOENT. */
int store_remove(struct store *s, uint32_t intid);
/* for_each for indexes with no INTID order (hash tables): collect the live
 * INTIDs in range into a bitmap under RCU (store_bitmap_set), then visit
 * them in INTID order with get/fn/put through the store's own ops, so fn
 * runs outside the read section on an object it holds a reference to.
 * store_clamp_range() clips [first, last] to the LPI space and returns
 * false when nothing is left. The bitmap (STORE_BITMAP_WORDS words, bit i =
 * INTID 8192 + i) is consumed. Returns the entries visited. */
#define STORE_BITMAP_WORDS (LB_NR_LPI_SPACE / 64)
bool store_clamp_range(uint32_t *first, uint32_t *last);
static inline void store_bitmap_set(uint64_t *bits, uint32_t intid)
{
	uint32_t i = intid - LB_INTID_BASE;
	bits[i / 64] |= UINT64_C(1) << (i % 64);
}
size_t store_visit_bitmap(struct store *s, uint64_t *bits, uint32_t first, uint32_t last,
			  store_visit_fn fn, void *arg);
/* for_each where no read section can span the walk (hazard-pointer mode):
 * get(s, intid) for every INTID of [first, last] (already clamped), fn on
 * each irq found, then the store's put. Returns the entries visited. */
size_t store_visit_gets(struct store *s, uint32_t first, uint32_t last,
			struct lb_irq *(*get)(struct store *s, uint32_t intid), store_visit_fn fn,
			void *arg);
/* Stats with every field preset to absent, then filled by the backend. */
void store_get_stats(struct store *s, struct store_stats *st);
static inline int store_intid_valid(uint32_t intid)
{
	return intid >= LB_INTID_BASE && intid < LB_INTID_LIMIT;
}

#endif
