/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The LPI-store contract: INTID -> struct lb_irq, one per VM, as KVM's
 * vgic_dist keeps it (a list in v6.8, an xarray from v6.10).
 *
 * Every backend is one file in structures/ that defines a
 * `const struct store_ops store_<name>_ops` and one line in
 * structures/registry.def. Nothing else changes: the driver, the
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
 *    serialised with the free, after a grace period otherwise).
 *  - for_each() calls fn with a reference held on each live entry whose
 *    INTID is in [first, last]; fn returning non-zero stops the walk.
 *
 * Context: every op may be called concurrently from registered RCU threads
 * (lb_rcu_register_thread), outside any read section, unless the backend's
 * caps say otherwise (STORE_CAP_SINGLE_WRITER: callers serialise add/put).
 */
#ifndef LB_STORE_H
#define LB_STORE_H

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

struct store;

struct store_cfg {
	uint32_t expected_lpis; /* sizing hint; backends may ignore it */
};

/* Backend-reported statistics. A field a backend cannot report keeps the
 * value STORE_STAT_ABSENT (reported as absent, never as zero). */
#define STORE_STAT_ABSENT UINT64_MAX
struct store_stats {
	uint64_t entries;	/* live entries in the index */
	uint64_t mem_bytes;	/* structure only, irq objects excluded */
	uint64_t height;	/* tree height (xa, radix) */
	uint64_t nodes;		/* interior/leaf nodes (trees) */
	uint64_t tombstones;	/* hash tables */
	uint64_t capacity;	/* slots (hash tables, flat) */
	uint64_t max_probe;	/* hash tables */
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
};

/* Every backend begins with this, so generic code can find its ops. */
struct store {
	const struct store_ops *ops;
};

/* Registry (registry.c): NULL-terminated, in registry.def order. */
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

/* Unmap (DISCARD): drop the mapping's reference on intid's irq. The caller
 * must own that reference. Returns 0 or -ENOENT. */
int store_remove(struct store *s, uint32_t intid);
/* Stats with every field preset to absent, then filled by the backend. */
void store_get_stats(struct store *s, struct store_stats *st);
static inline int store_intid_valid(uint32_t intid)
{
	return intid >= LB_INTID_BASE && intid < LB_INTID_LIMIT;
}

#endif
