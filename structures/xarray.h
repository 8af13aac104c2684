/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xarray: a userspace port of the idea of Linux's XArray (lib/xarray.c),
 * written from its documented behaviour for lpibench's era-B LPI store.
 *
 * Design. A radix tree of 64-slot nodes (XA_CHUNK_SHIFT = 6) indexed by an
 * unsigned long. The tree is only as tall as its largest index needs: it
 * grows a new root above the old one when a larger index is stored, and
 * shrinks (drops a root whose only entry is in slot 0) when the last entry
 * beyond slot 0 goes. An array holding only index 0 keeps that entry in
 * xa_head itself, with no node. Each node keeps, for each of XA_MAX_MARKS
 * marks, a 64-bit bitmap; in a leaf bit i means "slot i is marked", above a
 * leaf it means "something below slot i is marked", and struct xarray keeps
 * the root summary, so marked searches skip unmarked subtrees.
 *
 * Entries. Slots hold void pointers with the kernel's encoding: the low two
 * bits are 00 for a pointer (so stored pointers must be 4-byte aligned),
 * x1 for a value entry (xa_mk_value), 10 for an internal entry: a node,
 * XA_ZERO_ENTRY (a reserved slot, which reads as NULL through the normal
 * API) or XA_RETRY_ENTRY (left in a node the tree shrank away from, so a
 * reader still inside it starts again from the head). Errors come back as
 * internal entries too: test with xa_is_err(), decode with xa_err().
 *
 * Concurrency contract.
 *  - Readers (xa_load, xa_find, xa_find_after, xa_for_each*, xa_get_mark,
 *    xa_marked, xa_empty, xa_height) take no lock: each enters its own RCU
 *    read section (lb_rcu_read_lock, nesting allowed). A pointer a reader
 *    returns stays valid only while the *caller* is inside a read section
 *    (or holds a reference on the object by its own rules).
 *  - Writers serialise on one lock per array, the xa_lock (an lb_lock whose
 *    kind is --lock's). The plain functions take and release it; the
 *    __xa_* variants require the caller to hold it (xa_lock/xa_unlock), so
 *    a caller can make several steps atomic, as KVM does.
 *  - Publication: every slot and head update a reader can see is a
 *    release store (lb_rcu_assign_pointer), every reader load an acquire
 *    (lb_rcu_dereference); marks are relaxed atomics (a hint for the
 *    search, always confirmed against the slot).
 *  - Reader guarantees, as the kernel's: a load sees a value that was at
 *    the index at some point during the call; an iteration finds every
 *    entry present for its whole duration, in ascending index order, and
 *    may or may not see entries stored or erased meanwhile.
 *
 * Reclamation. Nodes come from lb_zalloc(LB_MEM_STORE) and are freed after
 * a grace period (lb_call_rcu) once unlinked, so writers must run on
 * registered RCU threads. Entries themselves are the user's: the array
 * never frees what its slots point to.
 *
 * Allocation failure (-ENOMEM) is all-or-nothing: a store first counts the
 * nodes it needs, gets all of them, and only then touches the tree, so a
 * failed store leaves the array exactly as it was and leaks nothing.
 *
 * Differences from the kernel's XArray, on purpose:
 *  1. No gfp_t. The plain writers (xa_store, xa_insert, xa_cmpxchg,
 *     xa_reserve) behave as the kernel's with GFP_KERNEL: when nodes are
 *     needed they drop the xa_lock, allocate, retake it and retry. The
 *     __xa_* writers never drop the caller's lock: they allocate under it,
 *     as the kernel's with GFP_NOWAIT/GFP_ATOMIC, and may fail with
 *     -ENOMEM. Prepare with xa_reserve() outside the lock so that a later
 *     __xa_store() into the reserved slot needs no allocation (KVM's
 *     pattern).
 *  2. xa_init_flags() takes unsigned int flags. XA_FLAGS_LOCK_IRQ is
 *     accepted and is a no-op (there are no interrupts to mask; it is kept
 *     so code reads as KVM's). XA_FLAGS_ALLOC, XA_FLAGS_LOCK_BH,
 *     XA_FLAGS_ACCOUNT and allocating arrays (xa_alloc*) are not provided.
 *     xa_lock_irq/xa_unlock_irq are aliases of xa_lock/xa_unlock.
 *  3. Subset only: no multi-index entries (xa_store_range, sibling
 *     entries, orders), no advanced xas_* API, no XA_FREE_MARK, no tagged
 *     pointers. XA_MAX_MARKS marks (XA_MARK_0..XA_MARK_2) as in the kernel.
 *  4. (None left here: reservations through the normal API behave as the
 *     kernel's. cmpxchg compares the raw slot, so cmpxchg(XA_ZERO_ENTRY ->
 *     x) fills a reservation and cmpxchg(NULL -> x) leaves it (returning
 *     NULL); storing, inserting or cmpxchg-ing XA_ZERO_ENTRY reserves; a
 *     reservation at index 0 of an empty array gets a leaf node. These were
 *     differences until tests/test_kxa_diff.c ran the port against the
 *     kernel's lib/xarray.c; they are tests now, in both files.)
 *  5. Extras the kernel does not have: xa_fini() (xa_destroy plus the
 *     lock's teardown, for pthread-mutex locks), footprint and shape
 *     queries for stats (xa_nr_nodes, xa_mem_bytes, xa_height), and
 *     xa_validate(), a full invariant check for tests. xa_load_raw() is
 *     the kernel's advanced xas_load (a reservation reads as
 *     XA_ZERO_ENTRY), for tests comparing whole contents.
 *  6. Misuse is reported, not WARNed: storing an internal entry other than
 *     XA_ZERO_ENTRY through the normal API returns XA_ERROR(-EINVAL) (the
 *     kernel WARNs for XA_RETRY_ENTRY and below and stores the others,
 *     such as error entries, which its readers then misread); an
 *     out-of-range mark is ignored (set/clear) or reads as false.
 *
 * Memory: a node is 576 bytes, as the kernel's with 64 slots (struct
 * lb_rcu_head is 16 bytes, as its rcu_head), so node counts and bytes per
 * entry match the kernel's exactly (tests/test_kxa_diff.c compares node
 * counts after every call).
 */
#ifndef LB_XARRAY_H
#define LB_XARRAY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/sync.h"

#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE  (1UL << XA_CHUNK_SHIFT)
#define XA_CHUNK_MASK  (XA_CHUNK_SIZE - 1)
#define XA_INDEX_BITS  ((unsigned int)(sizeof(unsigned long) * CHAR_BIT))
/* Levels of the tallest tree (index ULONG_MAX): 11 on LP64. */
#define XA_MAX_LEVELS ((XA_INDEX_BITS + XA_CHUNK_SHIFT - 1) / XA_CHUNK_SHIFT)

/* Marks. XA_PRESENT is the "any entry" filter of xa_find. */
typedef unsigned int xa_mark_t;
#define XA_MARK_0    ((xa_mark_t)0U)
#define XA_MARK_1    ((xa_mark_t)1U)
#define XA_MARK_2    ((xa_mark_t)2U)
#define XA_PRESENT   ((xa_mark_t)8U)
#define XA_MAX_MARKS 3

/* Flags for xa_init_flags(). */
#define XA_FLAGS_LOCK_IRQ (1U << 0) /* accepted, no-op (see difference 2) */

struct xa_node {
	unsigned char shift;	/* bits of index below this node's slots */
	unsigned char offset;	/* slot in the parent (writers only) */
	unsigned char count;	/* non-NULL slots (writers only) */
	struct xa_node *parent; /* writers only */
	struct xarray *array;
	void *slots[XA_CHUNK_SIZE];
	unsigned long marks[XA_MAX_MARKS];
	struct lb_rcu_head rcu;
};

struct xarray {
	struct lb_lock xa_lock;
	unsigned int xa_flags;
	unsigned int xa_marks;	/* bit m: some entry carries mark m (atomic) */
	void *xa_head;		/* NULL, the entry at index 0, or a node (RCU) */
	unsigned long xa_nodes; /* nodes linked into the tree (atomic) */
};

/* ---- Entry encoding --------------------------------------------------- */

/* Value entries: integers up to LONG_MAX stored without any allocation. */
static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1UL);
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (uintptr_t)entry >> 1;
}

static inline bool xa_is_value(const void *entry)
{
	return (uintptr_t)entry & 1UL;
}

static inline void *xa_mk_internal(unsigned long v)
{
	return (void *)((v << 2) | 2UL);
}

static inline unsigned long xa_to_internal(const void *entry)
{
	return (uintptr_t)entry >> 2;
}

static inline bool xa_is_internal(const void *entry)
{
	return ((uintptr_t)entry & 3UL) == 2UL;
}

#define XA_RETRY_ENTRY xa_mk_internal(256)
#define XA_ZERO_ENTRY  xa_mk_internal(257)
#define XA_MAX_ERRNO   4095L
#define XA_ERROR(err)  xa_mk_internal((unsigned long)(long)(err))

static inline bool xa_is_zero(const void *entry)
{
	return entry == XA_ZERO_ENTRY;
}

static inline bool xa_is_retry(const void *entry)
{
	return entry == XA_RETRY_ENTRY;
}

static inline bool xa_is_err(const void *entry)
{
	return xa_is_internal(entry) && (uintptr_t)entry >= (uintptr_t)XA_ERROR(-XA_MAX_ERRNO);
}

/* The negative errno an xa_* call returned, or 0 if entry is no error. */
static inline int xa_err(const void *entry)
{
	if (xa_is_err(entry))
		return (int)((intptr_t)entry >> 2);
	return 0;
}

/* ---- Set-up and teardown ---------------------------------------------- */

/* Context: any; the array must not be in use. Allocates nothing. */
void xa_init_flags(struct xarray *xa, unsigned int flags);

static inline void xa_init(struct xarray *xa)
{
	xa_init_flags(xa, 0);
}

/* Unlinks and frees every node (after a grace period); the entries are the
 * caller's. The array is empty and usable afterwards.
 * Context: registered RCU thread, not in a read section; takes the
 * xa_lock. Concurrent readers are safe (they see the old tree or none). */
void xa_destroy(struct xarray *xa);

/* xa_destroy() plus the lock's teardown; the array is dead afterwards.
 * Context: as xa_destroy, and nobody else uses the array any more. */
void xa_fini(struct xarray *xa);

/* ---- Readers (lock-free, RCU) -------------------------------------------- */

/* The entry at index, or NULL (absent or reserved).
 * Context: any registered thread; enters and leaves its own read section. */
void *xa_load(struct xarray *xa, unsigned long index);

/* The entry at index as stored: a reservation reads as XA_ZERO_ENTRY (the
 * kernel's advanced xas_load). For tests comparing whole contents.
 * Context: as xa_load. */
void *xa_load_raw(struct xarray *xa, unsigned long index);

/* True if the array holds nothing, not even a reserved entry.
 * Context: any; one atomic load. */
static inline bool xa_empty(const struct xarray *xa)
{
	return __atomic_load_n(&xa->xa_head, __ATOMIC_RELAXED) == NULL;
}

/* True if some entry carries mark. Context: any; one atomic load. */
static inline bool xa_marked(const struct xarray *xa, xa_mark_t mark)
{
	return mark < XA_MAX_MARKS &&
	       (__atomic_load_n(&xa->xa_marks, __ATOMIC_RELAXED) & (1U << mark));
}

/* The first entry at an index in [*indexp, max] that matches filter
 * (XA_PRESENT: any entry; a mark: entries carrying it). Reserved entries
 * never match. On success *indexp is set to its index; on NULL *indexp is
 * left alone.
 * Context: any registered thread; enters and leaves its own read section. */
void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter);

/* As xa_find, but over (*indexp, max]. Context: as xa_find. */
void *xa_find_after(struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter);

/* Iterate in ascending index order. Safe against concurrent writers (see
 * the reader guarantees above); entry is only RCU-protected inside the
 * body if the caller holds a read section around the whole loop. */
#define xa_for_each_range(xa, index, entry, start, last)                                           \
	for ((index) = (start), (entry) = xa_find((xa), &(index), (last), XA_PRESENT); (entry);    \
	     (entry) = xa_find_after((xa), &(index), (last), XA_PRESENT))
#define xa_for_each_start(xa, index, entry, start)                                                 \
	xa_for_each_range(xa, index, entry, start, ULONG_MAX)
#define xa_for_each(xa, index, entry) xa_for_each_start(xa, index, entry, 0)
#define xa_for_each_marked(xa, index, entry, filter)                                               \
	for ((index) = 0, (entry) = xa_find((xa), &(index), ULONG_MAX, (filter)); (entry);         \
	     (entry) = xa_find_after((xa), &(index), ULONG_MAX, (filter)))

/* Whether the entry at index carries mark (false if absent).
 * Context: any registered thread; enters and leaves its own read section. */
bool xa_get_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);

/* ---- Writers, taking the xa_lock themselves --------------------------
 * Context for all: registered RCU thread (node frees are deferred through
 * lb_call_rcu), the xa_lock not held by the caller. A read section around
 * the call is allowed (nothing here waits for a grace period). Those that
 * may allocate do it with the xa_lock dropped, then retake it and redo
 * their check, as the kernel's do with GFP_KERNEL. */

/* Stores entry at index (NULL erases, XA_ZERO_ENTRY reserves). Returns the
 * old entry (a reserved slot reads as NULL), or XA_ERROR(-ENOMEM / -EINVAL
 * for another internal entry). May allocate, with the xa_lock dropped. */
void *xa_store(struct xarray *xa, unsigned long index, void *entry);

/* Erases index. Returns the old entry (NULL if absent or reserved; the
 * reservation is dropped too). Never allocates. */
void *xa_erase(struct xarray *xa, unsigned long index);

/* Stores entry if the raw slot holds old (a reserved slot compares as
 * XA_ZERO_ENTRY, not NULL). Returns what the slot held, a reservation read
 * as NULL (so NULL also when cmpxchg(NULL -> x) met a reservation and
 * stored nothing, as the kernel's), or an XA_ERROR. May allocate, with the
 * xa_lock dropped. */
void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry);

/* Stores entry only if the slot is empty: not present, not reserved.
 * NULL (or XA_ZERO_ENTRY) reserves the slot instead. Returns 0, -EBUSY, -ENOMEM or -EINVAL.
 * May allocate, with the xa_lock dropped. */
int xa_insert(struct xarray *xa, unsigned long index, void *entry);

/* Makes sure a later store at index needs no allocation: an empty slot
 * becomes reserved (reads as NULL, makes xa_empty() false); a non-empty
 * slot is left alone. Returns 0 or -ENOMEM. May allocate, lock dropped. */
int xa_reserve(struct xarray *xa, unsigned long index);

/* Drops the reservation at index; does nothing if something else was
 * stored there meanwhile. Never allocates. */
void xa_release(struct xarray *xa, unsigned long index);

/* Sets or clears mark on the entry at index; nothing if absent. Never
 * allocates. */
void xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);
void xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);

/* ---- The xa_lock and the locked variants ----------------------------- */

/* Context: as lb_lock; the IRQ variants are the same lock (difference 2). */
static inline void xa_lock(struct xarray *xa)
{
	lb_lock(&xa->xa_lock);
}

static inline void xa_unlock(struct xarray *xa)
{
	lb_unlock(&xa->xa_lock);
}

#define xa_lock_irq(xa)	  xa_lock(xa)
#define xa_unlock_irq(xa) xa_unlock(xa)

/* As the functions without __, but Context: xa_lock held by the caller,
 * registered RCU thread. They never drop the lock: when nodes are needed
 * they allocate under it and may return XA_ERROR(-ENOMEM) / -ENOMEM (the
 * array is then unchanged). */
void *__xa_store(struct xarray *xa, unsigned long index, void *entry);
void *__xa_erase(struct xarray *xa, unsigned long index);
void *__xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry);
int __xa_insert(struct xarray *xa, unsigned long index, void *entry);
void __xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);
void __xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark);

/* ---- Footprint and shape (stats) --------------------------------------- */

/* Nodes currently linked into the tree (not those waiting for their grace
 * period). Context: any; one atomic load. */
unsigned long xa_nr_nodes(const struct xarray *xa);
/* Bytes of those nodes. Context: any. */
size_t xa_mem_bytes(const struct xarray *xa);
/* Levels of nodes: 0 when empty or when only index 0 is used.
 * Context: registered thread; enters its own read section. */
unsigned int xa_height(struct xarray *xa);

/* Checks every structural invariant (shifts, parent links, counts, mark
 * propagation, node accounting, minimal height). Returns NULL if all hold,
 * else a description of the first violation.
 * Context: no concurrent writer (quiescent, or the xa_lock held). */
const char *xa_validate(struct xarray *xa);

#endif
