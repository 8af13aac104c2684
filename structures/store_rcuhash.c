/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `rcuhash`: liburcu's lock-free resizable RCU hash table
 * (cds_lfht, a split-ordered list with bucket index; Shalev/Shavit and
 * Michael) keyed by INTID: a maintained, general-purpose alternative to
 * the kernel's xarray, where adds and removes are lock-free too.
 *
 * Each LPI is one entry of ours (the lfht node, the INTID, the irq
 * pointer), allocated with lb_zalloc(LB_MEM_STORE); the irq itself is not
 * modified (struct lb_irq has no room for an lfht node).
 *
 * Concurrency contract (nothing here takes a lock of ours):
 *  - get: RCU read section, cds_lfht_lookup, try-get.
 *  - add: allocate irq and entry outside the read section, then in it
 *    cds_lfht_add_unique. If the INTID is present and live, reuse it
 *    (try-get) and free our unpublished pair at once (liburcu: a failed
 *    add_unique needs no grace period). If it is dying (refcount 0, its
 *    delete pending), swap our entry in with cds_lfht_replace, which
 *    lookups see as one atomic change.
 *  - put: lock-free decrement; the put that reaches zero looks the INTID
 *    up and deletes the entry only if it still carries this irq, so an
 *    entry that replaced it is never removed (race e in docs/design.md).
 *  - lookup_rcu (--get=rcu|percpu): cds_lfht_lookup in the caller's
 *    read section, no reference.
 *  - for_each: collects INTIDs in range with one cds_lfht traversal in a
 *    read section (into an on-stack bitmap), then gets/puts each.
 * Resizing is liburcu's (CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING): its
 * own worker thread grows the bucket index as chains lengthen and, for
 * large tables, shrinks it as the count drops.
 *
 * Reclamation: the entry belongs to whoever unlinked it (a successful
 * cds_lfht_del or cds_lfht_replace) and the irq to the put that reached
 * zero; each frees its part with lb_call_rcu after unlinking. Old bucket
 * tables are liburcu's business (freed after its own grace period).
 *
 * RCU flavour: cds_lfht synchronises on the flavour it is created with.
 * Normal builds run our RCU (core/sync.h) on liburcu-memb, so the table is
 * created with urcu_memb_flavor and our read sections are its read
 * sections. LB_TSAN builds replace our RCU with the checking flavour
 * (core/rcu_check.c), which liburcu knows nothing about; readers would have
 * to hold both, and TSan cannot follow liburcu's inline-assembly atomics
 * anyway (docs/design.md, "Testing concurrent code"). So in TSan builds
 * create() fails with errno ENOTSUP, the skip rule of tests/store_test.h,
 * and the backend is covered by the normal and ASan+UBSan builds. The
 * code still compiles in TSan builds.
 *
 * Memory (stats.mem_bytes) is an estimate: entries x sizeof(entry), which
 * is exact, plus bucket nodes. liburcu does not expose its bucket count;
 * with the order allocator (max_nr_buckets 0) the bucket tables hold one
 * 16-byte node per bucket and never fewer than min_nr_alloc_buckets, and
 * its resize target is one node per bucket, so the estimate is
 * max(initial size, next power of two >= entries) buckets. The real count
 * can lag or lead by a small power of two while a resize is pending.
 * liburcu's table header and per-CPU split counters (calloc'd by liburcu,
 * not through lb_zalloc) are not counted. liburcu's own allocations abort
 * the program on failure; -ENOMEM here covers our irq and entry.
 */
#include <errno.h>
#include <stdio.h>

#include "../core/alloc.h"
#include "../core/cells.h"
#include "store.h"

/* After store.h: core/sync.h includes the memb flavour with _LGPL_SOURCE
 * (inline read side) in normal builds, and the flavour must come before
 * the hash table's header. In TSan builds this brings declarations only. */
#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

extern const struct store_ops store_rcuhash_ops;

#define RH_SEED	       0x2545f4914f6cdd1dull
#define RH_MIN_BUCKETS 16ul
#define RH_MAX_INIT    65536ul

struct rh_entry {
	struct cds_lfht_node node;
	struct lb_irq *irq;
	uint32_t intid;
	struct lb_rcu_head rcu;
};

struct store_rcuhash {
	struct store base;
	struct cds_lfht *ht;
	unsigned long init_buckets; /* also min_nr_alloc_buckets */
	int entries_cell;	    /* entries linked: a per-thread cell (core/cells.h) */
};

#define to_rh(s)       lb_container_of((s), struct store_rcuhash, base)
#define rh_entry_of(n) lb_container_of((n), struct rh_entry, node)

/* As ck_hs's: cds_lfht picks the bucket from the low bits (bit-reversed
 * into its split order), so they must depend on every INTID bit. */
static inline unsigned long rh_hash(uint32_t intid)
{
	uint64_t x = ((uint64_t)intid ^ RH_SEED) * 0x9e3779b97f4a7c15ull;
	return (unsigned long)(x ^ (x >> 29));
}

static int rh_match(struct cds_lfht_node *node, const void *key)
{
	return rh_entry_of(node)->intid == *(const uint32_t *)key;
}

static void rh_entry_free_cb(struct lb_rcu_head *head)
{
	lb_free(LB_MEM_STORE, lb_container_of(head, struct rh_entry, rcu), sizeof(struct rh_entry));
}

static struct store *rh_create(const struct store_cfg *cfg)
{
#ifdef LB_TSAN
	(void)cfg;
	errno = ENOTSUP; /* see the header: liburcu's RCU is not ours here */
	return NULL;
#else
	unsigned long want = cfg ? cfg->expected_lpis : 0, init = RH_MIN_BUCKETS;
	while (init < want && init < RH_MAX_INIT)
		init <<= 1;
	struct store_rcuhash *r = lb_zalloc(LB_MEM_STORE, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->base.ops = &store_rcuhash_ops;
	r->init_buckets = init;
	r->entries_cell = lb_cells_get(1);
	if (r->entries_cell < 0) {
		lb_free(LB_MEM_STORE, r, sizeof(*r));
		errno = ENOMEM;
		return NULL;
	}
	r->ht = cds_lfht_new_flavor(init, init, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				    &urcu_memb_flavor, NULL);
	if (!r->ht) {
		lb_cells_put(r->entries_cell, 1);
		lb_free(LB_MEM_STORE, r, sizeof(*r));
		errno = ENOMEM;
		return NULL;
	}
	return &r->base;
#endif
}

/* Context: quiescent (no concurrent ops), registered RCU thread. */
static void rh_destroy(struct store *s)
{
	struct store_rcuhash *r = to_rh(s);
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	/* cds_lfht_destroy wants an empty table. liburcu's resize worker may
	 * still be walking nodes, so entries go after a grace period; the
	 * irqs are ours alone. */
	lb_rcu_read_lock();
	cds_lfht_for_each(r->ht, &iter, node)
	{
		struct rh_entry *e = rh_entry_of(node);
		if (cds_lfht_del(r->ht, node) == 0) {
			irq_free_now(e->irq);
			lb_call_rcu(&e->rcu, rh_entry_free_cb);
		}
	}
	lb_rcu_read_unlock();
	int rc = cds_lfht_destroy(r->ht, NULL);
	if (rc)
		fprintf(stderr, "lpibench: rcuhash: cds_lfht_destroy: %d\n", rc);
	lb_cells_put(r->entries_cell, 1);
	lb_free(LB_MEM_STORE, r, sizeof(*r));
}

/* Context: lb_rcu_read_lock held. Returns the irq with a reference, or
 * NULL if absent or dying. */
static inline struct lb_irq *rh_lookup_rcu(struct store_rcuhash *r, uint32_t intid)
{
	struct cds_lfht_iter iter;
	cds_lfht_lookup(r->ht, rh_hash(intid), rh_match, &intid, &iter);
	struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
	if (!node) {
		LB_COUNT(LB_C_GET_MISS);
		return NULL;
	}
	struct lb_irq *irq = rh_entry_of(node)->irq;
	return lb_ref_tryget(&irq->refcount) ? irq : NULL;
}

/* Context: inside lb_rcu_read_lock() (store.h). */
static struct lb_irq *rh_lookup_norefs(struct store *s, uint32_t intid)
{
	struct store_rcuhash *r = to_rh(s);
	if (!store_intid_valid(intid))
		return NULL;
	struct cds_lfht_iter iter;
	cds_lfht_lookup(r->ht, rh_hash(intid), rh_match, &intid, &iter);
	struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
	struct lb_irq *irq = node ? rh_entry_of(node)->irq : NULL;
	if (irq)
		irq_check(irq);
	return irq;
}

static struct lb_irq *rh_get(struct store *s, uint32_t intid)
{
	struct store_rcuhash *r = to_rh(s);
	if (!store_intid_valid(intid)) {
		LB_COUNT(LB_C_GET_MISS);
		return NULL;
	}
	lb_rcu_read_lock();
	struct lb_irq *irq = rh_lookup_rcu(r, intid);
	lb_rcu_read_unlock();
	if (irq)
		irq_check(irq);
	return irq;
}

static void rh_put(struct store *s, struct lb_irq *irq)
{
	struct store_rcuhash *r = to_rh(s);
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	uint32_t intid = irq->intid;
	struct cds_lfht_iter iter;
	lb_rcu_read_lock();
	cds_lfht_lookup(r->ht, rh_hash(intid), rh_match, &intid, &iter);
	struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
	/* Not found, another irq's entry, or a failed del: an add replaced
	 * ours while it was dying, and owns the old entry. */
	if (node && rh_entry_of(node)->irq == irq && cds_lfht_del(r->ht, node) == 0) {
		lb_cell_add((unsigned)r->entries_cell, -1);
		lb_call_rcu(&rh_entry_of(node)->rcu, rh_entry_free_cb);
	}
	lb_rcu_read_unlock();
	irq_free_rcu(irq);
}

static int rh_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_rcuhash *r = to_rh(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = rh_get(s, intid);
	if (irq) {
		*out = irq;
		return 0;
	}
	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	struct rh_entry *e = lb_zalloc(LB_MEM_STORE, sizeof(*e));
	if (!e) {
		irq_free_now(fresh);
		return -ENOMEM;
	}
	e->irq = fresh;
	e->intid = intid;
	cds_lfht_node_init(&e->node);
	unsigned long hash = rh_hash(intid);

	lb_rcu_read_lock();
	for (;;) {
		/* Full barriers around the commit publish e and fresh. */
		struct cds_lfht_node *node =
		    cds_lfht_add_unique(r->ht, hash, rh_match, &intid, &e->node);
		if (node == &e->node) {
			lb_cell_add((unsigned)r->entries_cell, 1);
			irq = fresh;
			break;
		}
		struct rh_entry *old = rh_entry_of(node);
		if (lb_ref_tryget(&old->irq->refcount)) {
			irq = old->irq; /* live: reuse */
			break;
		}
		/* Dying: replace its entry with ours. replace() needs the
		 * iterator of a lookup; if the entry went meanwhile (its put
		 * deleted it, or another add replaced it), start over. */
		struct cds_lfht_iter iter;
		cds_lfht_lookup(r->ht, hash, rh_match, &intid, &iter);
		if (cds_lfht_iter_get_node(&iter) == node &&
		    cds_lfht_replace(r->ht, &iter, hash, rh_match, &intid, &e->node) == 0) {
			lb_call_rcu(&old->rcu, rh_entry_free_cb); /* ours now */
			irq = fresh;
			break;
		}
		LB_COUNT(LB_C_CAS_RETRY);
	}
	lb_rcu_read_unlock();
	if (irq != fresh) {
		irq_free_now(fresh); /* never published */
		lb_free(LB_MEM_STORE, e, sizeof(*e));
	}
	*out = irq;
	return 0;
}

static size_t rh_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			  void *arg)
{
	struct store_rcuhash *r = to_rh(s);
	if (!store_clamp_range(&first, &last))
		return 0;
	/* One bit per LPI (7 KiB), filled in one traversal; fn runs outside
	 * the read section, on INTIDs looked up again. */
	uint64_t bits[STORE_BITMAP_WORDS] = {0};
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	lb_rcu_read_lock();
	cds_lfht_for_each(r->ht, &iter, node)
	{
		uint32_t intid = rh_entry_of(node)->intid;
		if (intid >= first && intid <= last)
			store_bitmap_set(bits, intid);
	}
	lb_rcu_read_unlock();

	return store_visit_bitmap(s, bits, first, last, fn, arg);
}

static void rh_stats(struct store *s, struct store_stats *st)
{
	struct store_rcuhash *r = to_rh(s);
	int64_t sum = lb_cell_sum((unsigned)r->entries_cell);
	uint64_t n = sum > 0 ? (uint64_t)sum : 0;
	uint64_t buckets = r->init_buckets;
	while (buckets < n)
		buckets <<= 1;
	st->entries = n;
	st->mem_bytes =
	    sizeof(*r) + n * sizeof(struct rh_entry) + buckets * sizeof(struct cds_lfht_node);
}

const struct store_ops store_rcuhash_ops = {
    .name = "rcuhash",
#ifdef LB_TSAN
    .desc = "liburcu cds_lfht (not in TSan builds: create fails with ENOTSUP)",
#else
    .desc = "liburcu cds_lfht keyed by INTID: lock-free add/del, RCU + try-get lookups",
#endif
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE,
    .create = rh_create,
    .destroy = rh_destroy,
    .add = rh_add,
    .get = rh_get,
    .put = rh_put,
    .for_each = rh_for_each,
    .stats = rh_stats,
    .lookup_rcu = rh_lookup_norefs,
};
