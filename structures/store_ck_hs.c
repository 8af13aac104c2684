/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `ck_hs`: Concurrency Kit's hash set (ck_hs) keyed by INTID, one
 * of the alternatives to the xarray: an open-addressed table whose readers
 * need no lock and whose single writer never blocks them. Era B semantics
 * (RCU readers, try-get, deferred frees) on ck's table.
 *
 * Mode: CK_HS_MODE_SPMC | CK_HS_MODE_DIRECT. ck_hs stores one word per
 * slot; DIRECT means the word is the key itself, so the hash and compare
 * callbacks never dereference anything. Each word packs the INTID in its
 * top 16 bits over the irq pointer (user-space pointers fit in 48 bits on
 * x86-64 and arm64; add() checks). A probe therefore compares INTIDs held
 * in the table's own cache lines, where OBJECT mode would dereference
 * every candidate irq (a cache miss per probe, and, under TSan, a read of
 * the irq that TSan could not order against its initialisation). A word is
 * never ck's EMPTY (0: INTIDs are >= 8192) nor its TOMBSTONE (all ones).
 *
 * Concurrency contract:
 *  - get: lock-free. RCU read section around ck_hs_get (ck's SPMC probe,
 *    which retries while the writer moves an entry), then try-get.
 *  - add and the put that reaches zero: under the store's writer lock
 *    (an lb_lock, kind per --lock), as ck_hs allows one writer at a time.
 *    add looks up again under the lock; a live irq is reused, a dying one
 *    (refcount 0, remove pending) is replaced in place with ck_hs_fas.
 *    The final put removes the INTID only if its slot still holds this
 *    irq, so a replacement made meanwhile is never erased (race e in docs/design.md).
 *    ck_hs_put_unique may grow the table: that allocation happens under
 *    the writer lock (ck leaves no way to reserve it first; store.h).
 *  - put above zero: lock-free decrement.
 *  - lookup_rcu (--get=rcu|percpu): ck_hs_get in the caller's read
 *    section, no reference (the TSan acquire of the magic as in get).
 *  - for_each: collects INTIDs in range with ck_hs_next_spmc in one read
 *    section (into an on-stack bitmap), then gets/puts each.
 *
 * Publication: ck stores slots with plain stores, not releases. Before a
 * new irq goes in, the writer orders its initialisation with a release
 * fence (as rcu_assign_pointer would); readers depend on the loaded word
 * for every access (consume, as rcu_dereference). The writer also stores
 * the irq's magic with release, and TSan builds acquire it on every
 * lookup: TSan sees neither ck's stores nor dependency ordering, and this
 * pair is the edge it can follow.
 *
 * Reclamation: irqs with irq_free_rcu(), after their slot is cleared or
 * replaced. Tables: ck frees a table that readers may still be probing
 * (after a grow or rebuild) with defer=true; our ck_malloc hands that to
 * lb_call_rcu(), so it is freed only after a grace period. All table
 * memory comes from lb_zalloc(LB_MEM_STORE), so it is accounted.
 *
 * Growth and tombstones: ck grows the table (doubling) when it is half
 * full, and never shrinks it. A removal leaves a tombstone; later inserts
 * reuse tombstones on their probe path, but under churn they pile up and
 * lengthen probes. Policy: after a removal, when ck's tombstone count (the
 * removals since this table was built; reused tombstones are not
 * subtracted, so it is an upper bound) reaches a quarter of the capacity,
 * rebuild the table (ck_hs_rebuild: a fresh copy of the same capacity, no
 * tombstones, probe bound recomputed; O(capacity), so O(1) amortised per
 * removal). If the rebuild cannot allocate, ck_hs_gc(hs, 0, 0) compacts
 * probe sequences in place (no allocation in this mode) and the next try
 * waits for another quarter of removals.
 *
 * ThreadSanitizer: libck.so is not instrumented, so TSan cannot check
 * ck_hs's own reader/writer protocol (generation counters, slot and table
 * stores): a misuse of ck_hs such as two concurrent writers would go
 * unreported, and so would a reader probing a table after its deferred
 * free (TSan sees ck's table memsets, not its probes). What it does check
 * is our part: the writer lock (C11 atomics in TSan builds), the grace
 * period before an irq is freed (the checking RCU), refcounts, and the
 * publication pair above (removing the acquire makes TSan report the
 * irq's initialisation racing every lookup). So every ck_hs call that
 * writes is made in this file between lb_lock() and lb_unlock() on the
 * store's lock, in plain sight, and tables are freed only through
 * hs_free() below.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <ck_hs.h>

#include "../core/alloc.h"
#include "store.h"

extern const struct store_ops store_ck_hs_ops;

#define HS_KEY_SHIFT 48
#define HS_PTR_MASK  ((UINT64_C(1) << HS_KEY_SHIFT) - 1)
#define HS_SEED	     0x2545f4914f6cdd1dul
#define HS_MIN_SLOTS 64ul /* capacity() below needs >= 32 */

struct store_ckhs {
	/* Read by every get: ops and the hash set's map pointer (written only
	 * when the single writer grows or rebuilds the table). */
	struct store base;
	ck_hs_t hs;
	/* The writer's: a line pair of its own. */
	struct lb_lock lock lb_pair_aligned;
	/* Under lock: */
	uint64_t table_bytes;	     /* live table blocks (deferred ones excluded) */
	const void *gc_map;	     /* table of the last failed rebuild */
	unsigned long gc_tombstones; /* its tombstone count then */
} lb_pair_aligned;
/* The lock starts a line pair; the read-mostly fields end before it. */
_Static_assert(offsetof(struct store_ckhs, lock) == LB_LINE_PAIR &&
		   offsetof(struct store_ckhs, hs) + sizeof(ck_hs_t) <= LB_LINE_PAIR,
	       "ck_hs: the writer lock shares a line pair with the read-mostly fields");

#define to_hs(s) lb_container_of((s), struct store_ckhs, base)

/* ---- packed slot words ---- */
static inline const void *hs_word(uint32_t intid, const struct lb_irq *irq)
{
	return (const void *)(((uintptr_t)intid << HS_KEY_SHIFT) | (uintptr_t)irq);
}

static inline uint32_t hs_word_intid(const void *w)
{
	return (uint32_t)((uintptr_t)w >> HS_KEY_SHIFT);
}

static inline struct lb_irq *hs_word_irq(const void *w)
{
	return (struct lb_irq *)((uintptr_t)w & HS_PTR_MASK);
}

static inline unsigned long hs_hash_intid(uint32_t intid, unsigned long seed)
{
	/* Fibonacci multiply, folded: ck takes the slot from the low bits and
	 * the probe stride from the high ones, so both must depend on every
	 * INTID bit. */
	uint64_t x = ((uint64_t)intid ^ seed) * 0x9e3779b97f4a7c15ull;
	return (unsigned long)(x ^ (x >> 29));
}

static unsigned long hs_hash_cb(const void *w, unsigned long seed)
{
	return hs_hash_intid(hs_word_intid(w), seed);
}

static bool hs_compare_cb(const void *a, const void *b)
{
	return hs_word_intid(a) == hs_word_intid(b);
}

/* ---- the allocator ck_hs uses for its tables ----
 * ck's callbacks carry no context, so the store being written is named in
 * a thread-local for the duration of each ck_hs call that may allocate or
 * free (all of them under the writer lock, or in create/destroy). */
struct hs_block {
	struct lb_rcu_head rcu;
	size_t bytes; /* the whole block, as passed to lb_zalloc */
	max_align_t data[];
};

static _Thread_local struct store_ckhs *hs_owner;

static void *hs_malloc(size_t size)
{
	size_t bytes = offsetof(struct hs_block, data) + size;
	struct hs_block *b = lb_zalloc(LB_MEM_STORE, bytes);
	if (!b)
		return NULL;
	b->bytes = bytes;
	hs_owner->table_bytes += bytes;
	return b->data;
}

static void hs_block_free_cb(struct lb_rcu_head *head)
{
	struct hs_block *b = lb_container_of(head, struct hs_block, rcu);
	lb_free(LB_MEM_STORE, b, b->bytes);
}

/* Context: hs_owner set. defer: readers may still be probing this table
 * (ck has just published its successor), so free after a grace period. */
static void hs_free(void *p, size_t size, bool defer)
{
	(void)size;
	struct hs_block *b = lb_container_of(p, struct hs_block, data);
	hs_owner->table_bytes -= b->bytes;
	if (defer)
		lb_call_rcu(&b->rcu, hs_block_free_cb);
	else
		lb_free(LB_MEM_STORE, b, b->bytes);
}

/* ck_hs never calls realloc. */
static struct ck_malloc hs_allocator = {.malloc = hs_malloc, .free = hs_free};

/* Context: writer lock held (or quiescent). */
static void hs_writer_begin(struct store_ckhs *h)
{
	hs_owner = h;
}

static void hs_writer_end(void)
{
	hs_owner = NULL;
}

/*
 * Slots of the current table, from the size of its one live block: ck
 * allocates a table as a header, capacity words and a cache line of
 * alignment slack, with a power-of-two capacity; header and slack are
 * smaller than 32 words, so rounding down to a power of two gives the
 * capacity exactly (tables here have at least HS_MIN_SLOTS).
 * Context: writer lock held, outside any ck_hs call.
 */
static unsigned long hs_capacity(const struct store_ckhs *h)
{
	uint64_t words = (h->table_bytes - offsetof(struct hs_block, data)) / sizeof(void *);
	return words ? 1ul << (63 - __builtin_clzll(words)) : 0;
}

/* ---- readers ---- */

/* Context: lb_rcu_read_lock held, or the writer lock. */
static inline bool hs_tryget(struct lb_irq *irq)
{
#ifdef LB_TSAN
	(void)lb_load_acquire(&irq->magic); /* pairs with hs_publish_prepare */
#endif
	return lb_ref_tryget(&irq->refcount);
}

static struct lb_irq *hs_get(struct store *s, uint32_t intid)
{
	struct store_ckhs *h = to_hs(s);
	if (!store_intid_valid(intid)) {
		LB_COUNT(LB_C_GET_MISS);
		return NULL;
	}
	unsigned long hash = hs_hash_intid(intid, HS_SEED);
	lb_rcu_read_lock();
	const void *w = ck_hs_get(&h->hs, hash, hs_word(intid, NULL));
	struct lb_irq *irq = w ? hs_word_irq(w) : NULL;
	if (irq && !hs_tryget(irq))
		irq = NULL;
	lb_rcu_read_unlock();
	if (!w)
		LB_COUNT(LB_C_GET_MISS);
	if (irq)
		irq_check(irq);
	return irq;
}

/* Context: inside lb_rcu_read_lock() (store.h). */
static struct lb_irq *hs_lookup_rcu(struct store *s, uint32_t intid)
{
	struct store_ckhs *h = to_hs(s);
	if (!store_intid_valid(intid))
		return NULL;
	const void *w = ck_hs_get(&h->hs, hs_hash_intid(intid, HS_SEED), hs_word(intid, NULL));
	struct lb_irq *irq = w ? hs_word_irq(w) : NULL;
	if (irq) {
#ifdef LB_TSAN
		(void)lb_load_acquire(&irq->magic); /* pairs with hs_publish_prepare */
#endif
		irq_check(irq);
	}
	return irq;
}

/* ---- the writer ---- */

/* Orders a new irq's initialisation before the plain store that will
 * publish it in a slot; see the header. TSan does not model fences (GCC
 * rejects them under -fsanitize=thread); it follows the magic instead. */
static inline void hs_publish_prepare(struct lb_irq *irq)
{
	lb_store_release(&irq->magic, LB_IRQ_MAGIC_LIVE);
#ifndef LB_TSAN
	atomic_thread_fence(memory_order_release);
#endif
}

/*
 * After a removal: rebuild away tombstones once they may fill a quarter of
 * the table; on -ENOMEM compact in place and wait for another quarter.
 * Context: writer lock held, hs_owner set.
 */
static void hs_compact_locked(struct store_ckhs *h)
{
	struct ck_hs_stat st;
	ck_hs_stat(&h->hs, &st);
	unsigned long base = h->gc_map == (const void *)h->hs.map ? h->gc_tombstones : 0;
	if (st.tombstones - base < hs_capacity(h) / 4)
		return;
	if (ck_hs_rebuild(&h->hs)) {
		h->gc_map = NULL;
		return;
	}
	ck_hs_gc(&h->hs, 0, 0);
	h->gc_map = h->hs.map;
	h->gc_tombstones = st.tombstones;
}

static struct store *hs_create(const struct store_cfg *cfg)
{
	unsigned long expected = cfg ? cfg->expected_lpis : 0;
	if (expected > LB_NR_LPI_SPACE)
		expected = LB_NR_LPI_SPACE;
	/* ck grows at half full: start at twice the hint. */
	unsigned long slots = 2 * expected > HS_MIN_SLOTS ? 2 * expected : HS_MIN_SLOTS;

	struct store_ckhs *h = lb_zalloc_aligned(LB_MEM_STORE, sizeof(*h), LB_LINE_PAIR);
	if (!h)
		return NULL;
	h->base.ops = &store_ck_hs_ops;
	lb_lock_init(&h->lock);
	hs_writer_begin(h);
	bool ok = ck_hs_init(&h->hs, CK_HS_MODE_SPMC | CK_HS_MODE_DIRECT, hs_hash_cb, hs_compare_cb,
			     &hs_allocator, slots, HS_SEED);
	hs_writer_end();
	if (!ok) {
		lb_lock_destroy(&h->lock);
		lb_free(LB_MEM_STORE, h, sizeof(*h));
		return NULL;
	}
	return &h->base;
}

static void hs_destroy(struct store *s)
{
	struct store_ckhs *h = to_hs(s);
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	void *w;
	while (ck_hs_next(&h->hs, &it, &w))
		irq_free_now(hs_word_irq(w));
	hs_writer_begin(h);
	ck_hs_destroy(&h->hs);
	hs_writer_end();
	lb_lock_destroy(&h->lock);
	lb_free(LB_MEM_STORE, h, sizeof(*h));
}

static void hs_put(struct store *s, struct lb_irq *irq)
{
	struct store_ckhs *h = to_hs(s);
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	uint32_t intid = irq->intid;
	unsigned long hash = hs_hash_intid(intid, HS_SEED);
	const void *key = hs_word(intid, NULL);
	lb_lock(&h->lock);
	hs_writer_begin(h);
	/* Anything found in the table under the lock is not yet freed: a
	 * free is issued only after its slot is removed or replaced. */
	const void *w = ck_hs_get(&h->hs, hash, key);
	if (w && hs_word_irq(w) == irq) {
		ck_hs_remove(&h->hs, hash, key);
		hs_compact_locked(h);
	}
	/* else an add replaced it while it was dying */
	hs_writer_end();
	lb_unlock(&h->lock);
	irq_free_rcu(irq);
}

static int hs_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_ckhs *h = to_hs(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = hs_get(s, intid);
	if (irq) {
		*out = irq;
		return 0;
	}
	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	if ((uintptr_t)fresh & ~HS_PTR_MASK) {
		fprintf(stderr, "lpibench: ck_hs: irq at %p does not fit 48 bits\n", (void *)fresh);
		abort();
	}
	hs_publish_prepare(fresh);
	unsigned long hash = hs_hash_intid(intid, HS_SEED);
	int rc = 0;

	lb_lock(&h->lock);
	hs_writer_begin(h);
	const void *w = ck_hs_get(&h->hs, hash, hs_word(intid, NULL));
	irq = w ? hs_word_irq(w) : NULL;
	if (irq && hs_tryget(irq)) {
		/* another add won the race: reuse it */
	} else if (irq) {
		/* Dying: replace it in place (no allocation; its release
		 * will find the new word and leave it). */
		void *prev;
		ck_hs_fas(&h->hs, hash, hs_word(intid, fresh), &prev);
		irq = fresh;
	} else if (ck_hs_put_unique(&h->hs, hash, hs_word(intid, fresh))) {
		irq = fresh;
	} else {
		rc = -ENOMEM; /* no free slot and the table could not grow */
	}
	hs_writer_end();
	lb_unlock(&h->lock);

	if (irq != fresh)
		irq_free_now(fresh); /* never published */
	if (rc)
		return rc;
	*out = irq;
	return 0;
}

static size_t hs_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			  void *arg)
{
	struct store_ckhs *h = to_hs(s);
	if (!store_clamp_range(&first, &last))
		return 0;
	/* One bit per LPI (7 KiB): what was in range during the scan. The
	 * table may be replaced once we leave the read section, so the walk
	 * keeps INTIDs, not positions, and re-looks each one up. */
	uint64_t bits[STORE_BITMAP_WORDS] = {0};
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	void *w;
	lb_rcu_read_lock();
	while (ck_hs_next_spmc(&h->hs, &it, &w)) {
		uint32_t intid = hs_word_intid(w);
		if (intid >= first && intid <= last)
			store_bitmap_set(bits, intid);
	}
	lb_rcu_read_unlock();

	return store_visit_bitmap(s, bits, first, last, fn, arg);
}

static void hs_stats(struct store *s, struct store_stats *st)
{
	struct store_ckhs *h = to_hs(s);
	struct ck_hs_stat hst;
	lb_lock(&h->lock);
	ck_hs_stat(&h->hs, &hst);
	st->capacity = hs_capacity(h);
	st->mem_bytes = sizeof(*h) + h->table_bytes;
	lb_unlock(&h->lock);
	st->entries = hst.n_entries;
	st->tombstones = hst.tombstones;
	st->max_probe = hst.probe_maximum;
}

const struct store_ops store_ck_hs_ops = {
    .name = "ck_hs",
    .desc = "ck_hs (SPMC, direct) keyed by INTID: one locked writer, RCU + try-get readers",
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE,
    .create = hs_create,
    .destroy = hs_destroy,
    .add = hs_add,
    .get = hs_get,
    .put = hs_put,
    .for_each = hs_for_each,
    .stats = hs_stats,
    .lookup_rcu = hs_lookup_rcu,
};
