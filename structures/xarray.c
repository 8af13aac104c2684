/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xarray: implementation. Design, concurrency contract, reclamation and the
 * differences from the kernel are in xarray.h; this comment covers how the
 * tree changes under readers.
 *
 * Every change a reader can observe is one release store of one pointer
 * (a slot or xa_head), made after the node it publishes is complete:
 *  - grow: a new root is built with slot 0 = the old head and its marks
 *    summarised in bit 0, then published as xa_head. A reader that took
 *    the old head sees the old, still-valid (smaller) tree.
 *  - create: a missing node is linked into its parent's slot empty, then
 *    filled. A reader sees NULL there until the entry is stored.
 *  - delete: a node left empty by an erase is unlinked from its parent
 *    (release store of NULL) and freed after a grace period; a reader still
 *    inside it sees only NULL slots, which is what the index held.
 *  - shrink: a root whose only entry is in slot 0 is replaced by that
 *    entry. If the entry is a node, the old root still leads to it. If it
 *    is a user entry (the tree collapses to xa_head), the old root's slot
 *    becomes XA_RETRY_ENTRY so a reader inside it starts again from the
 *    head instead of returning a value that later writes to index 0 no
 *    longer update.
 * Writers read the tree with plain loads: they hold the xa_lock and are
 * the only ones who change it. Fields readers never look at (offset,
 * count, parent) are plain data under the xa_lock.
 *
 * Allocation: a write first counts the nodes it will need
 * (xa_nodes_needed), gets them into a struct xa_prealloc, and only then
 * modifies the tree, consuming exactly that many. Unused nodes (the tree
 * changed while the lock was dropped) go straight back to the allocator:
 * no reader ever saw them.
 */
#include "xarray.h"

#include <errno.h>

#include "../core/alloc.h"
#include "../core/list.h"

/* Private internal entry: "the op needs nodes; drop the lock, allocate, retry". */
#define XA_NEED_NODES xa_mk_internal(258)

/* Upper bound of nodes one store can need: a new chain of roots over an
 * index-0 head (XA_MAX_LEVELS) plus the path below the new root. */
#define XA_PREALLOC_MAX (2 * XA_MAX_LEVELS)

struct xa_prealloc {
	unsigned int nr;   /* nodes held */
	unsigned int want; /* nodes the last attempt needed */
	struct xa_node *nodes[XA_PREALLOC_MAX];
};

/* As the kernel's: comparisons are with the raw slot (a reservation is
 * XA_ZERO_ENTRY, not NULL); what the callers get back reads a reservation
 * as NULL. */
enum xa_cmp {
	XA_CMP_NONE,  /* store unconditionally */
	XA_CMP_OLD,   /* store if the raw slot equals old (cmpxchg, reserve, release) */
	XA_CMP_EMPTY, /* store if the raw slot is NULL, else -EBUSY (insert) */
};

/* ---- Encoding and index arithmetic ----------------------------------- */

static inline bool xa_is_node(const void *entry)
{
	return xa_is_internal(entry) && (uintptr_t)entry > 4096;
}

static inline struct xa_node *xa_to_node(const void *entry)
{
	return (struct xa_node *)((uintptr_t)entry - 2);
}

static inline void *xa_mk_node(const struct xa_node *node)
{
	return (void *)((uintptr_t)node | 2);
}

static inline void *xa_zero_to_null(void *entry)
{
	return xa_is_zero(entry) ? NULL : entry;
}

static inline unsigned int xa_offset(unsigned long index, unsigned int shift)
{
	return (unsigned int)((index >> shift) & XA_CHUNK_MASK);
}

/* Mask of the low bits bits of an index (all of them if bits >= width). */
static inline unsigned long xa_low_mask(unsigned int bits)
{
	return bits >= XA_INDEX_BITS ? ~0UL : (1UL << bits) - 1;
}

/* Largest index a tree whose root has this shift can hold. */
static inline unsigned long xa_shift_max(unsigned int shift)
{
	return xa_low_mask(shift + XA_CHUNK_SHIFT);
}

/* Shift of the smallest root that can hold index. */
static unsigned int xa_shift_for(unsigned long index)
{
	unsigned int shift = 0;
	while (shift + XA_CHUNK_SHIFT < XA_INDEX_BITS && (index >> shift) > XA_CHUNK_MASK)
		shift += XA_CHUNK_SHIFT;
	return shift;
}

/* Moves *index to the first index past the aligned block of 2^bits that
 * holds it. Returns false if that would wrap past ULONG_MAX. */
static inline bool xa_index_past(unsigned long *index, unsigned int bits)
{
	unsigned long next = (*index | xa_low_mask(bits)) + 1;
	if (next == 0)
		return false;
	*index = next;
	return true;
}

/* ---- Marks (relaxed atomics: readers use them as hints) ----------------- */

static inline unsigned long xa_node_marks(const struct xa_node *node, xa_mark_t mark)
{
	return __atomic_load_n(&node->marks[mark], __ATOMIC_RELAXED);
}

static inline bool xa_node_mark_test(const struct xa_node *node, unsigned int off, xa_mark_t mark)
{
	return (xa_node_marks(node, mark) >> off) & 1UL;
}

/* Sets mark on slot off of node and on every ancestor that lacks it.
 * Context: xa_lock held. */
static void xa_mark_set_up(struct xarray *xa, struct xa_node *node, unsigned int off,
			   xa_mark_t mark)
{
	while (node) {
		if (xa_node_mark_test(node, off, mark))
			return; /* the ancestors have it already */
		__atomic_fetch_or(&node->marks[mark], 1UL << off, __ATOMIC_RELAXED);
		off = node->offset;
		node = node->parent;
	}
	__atomic_fetch_or(&xa->xa_marks, 1U << mark, __ATOMIC_RELAXED);
}

/* Clears mark on slot off of node, and upwards while nothing below a
 * level keeps it. Context: xa_lock held. */
static void xa_mark_clear_up(struct xarray *xa, struct xa_node *node, unsigned int off,
			     xa_mark_t mark)
{
	while (node) {
		__atomic_fetch_and(&node->marks[mark], ~(1UL << off), __ATOMIC_RELAXED);
		if (xa_node_marks(node, mark))
			return;
		off = node->offset;
		node = node->parent;
	}
	__atomic_fetch_and(&xa->xa_marks, ~(1U << mark), __ATOMIC_RELAXED);
}

/* ---- Nodes ---------------------------------------------------------------- */

static void xa_node_rcu_free(struct lb_rcu_head *head)
{
	lb_free(LB_MEM_STORE, lb_container_of(head, struct xa_node, rcu), sizeof(struct xa_node));
}

/* Frees an unlinked node after a grace period.
 * Context: xa_lock held, registered RCU thread. */
static void xa_node_retire(struct xarray *xa, struct xa_node *node)
{
	__atomic_fetch_sub(&xa->xa_nodes, 1UL, __ATOMIC_RELAXED);
	lb_call_rcu(&node->rcu, xa_node_rcu_free);
}

/* Tops pa up to want zeroed nodes. Returns 0 or -ENOMEM (what was
 * allocated stays in pa). Context: any; allocates. */
static int xa_prealloc_fill(struct xa_prealloc *pa, unsigned int want)
{
	while (pa->nr < want) {
		struct xa_node *node = lb_zalloc(LB_MEM_STORE, sizeof(*node));
		if (!node)
			return -ENOMEM;
		pa->nodes[pa->nr++] = node;
	}
	return 0;
}

/* Frees what pa still holds: never published, so at once. Context: any. */
static void xa_prealloc_drain(struct xa_prealloc *pa)
{
	while (pa->nr)
		lb_free(LB_MEM_STORE, pa->nodes[--pa->nr], sizeof(struct xa_node));
}

/* A node from pa, initialised but not yet visible to readers.
 * Context: xa_lock held; pa is known to hold enough. */
static struct xa_node *xa_node_take(struct xarray *xa, struct xa_prealloc *pa, unsigned int shift,
				    struct xa_node *parent, unsigned int offset)
{
	struct xa_node *node = pa->nodes[--pa->nr];
	node->shift = (unsigned char)shift;
	node->offset = (unsigned char)offset;
	node->parent = parent;
	node->array = xa;
	__atomic_fetch_add(&xa->xa_nodes, 1UL, __ATOMIC_RELAXED);
	return node;
}

/* A new root of the given shift over child (the old head), with the
 * array's mark summary in bit 0. Not yet published. Context: xa_lock held. */
static struct xa_node *xa_new_root(struct xarray *xa, struct xa_prealloc *pa, unsigned int shift,
				   void *child)
{
	struct xa_node *node = xa_node_take(xa, pa, shift, NULL, 0);
	unsigned int summary = __atomic_load_n(&xa->xa_marks, __ATOMIC_RELAXED);
	node->slots[0] = child;
	node->count = 1;
	for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
		if (summary & (1U << m))
			node->marks[m] = 1UL;
	if (xa_is_node(child)) {
		xa_to_node(child)->parent = node;
		xa_to_node(child)->offset = 0;
	}
	return node;
}

/* ---- Locked walks -------------------------------------------------------- */

/* The leaf that holds index, or NULL if there is none (or the head holds
 * index 0 directly). Context: xa_lock held. */
static struct xa_node *xa_leaf_locked(struct xarray *xa, unsigned long index)
{
	void *entry = xa->xa_head;
	if (!xa_is_node(entry))
		return NULL;
	struct xa_node *node = xa_to_node(entry);
	if (index > xa_shift_max(node->shift))
		return NULL;
	while (node->shift) {
		entry = node->slots[xa_offset(index, node->shift)];
		if (!xa_is_node(entry))
			return NULL;
		node = xa_to_node(entry);
	}
	return node;
}

/* The raw entry at index (reserved entries as XA_ZERO_ENTRY).
 * Context: xa_lock held. */
static void *xa_load_locked(struct xarray *xa, unsigned long index)
{
	void *head = xa->xa_head;
	if (!xa_is_node(head))
		return index == 0 ? head : NULL;
	struct xa_node *leaf = xa_leaf_locked(xa, index);
	return leaf ? leaf->slots[xa_offset(index, 0)] : NULL;
}

/* Index 0 lives in the head itself, except a reservation made in an empty
 * array, which the kernel puts in a leaf (its xas_create never lets
 * XA_ZERO_ENTRY become the head; a shrink may move it there later). */
static inline bool xa_head_slot(const void *head, const void *entry)
{
	return head || !xa_is_zero(entry);
}

/* Nodes a store of a non-NULL entry at index would allocate.
 * Context: xa_lock held. */
static unsigned int xa_nodes_needed(struct xarray *xa, unsigned long index, const void *entry)
{
	void *head = xa->xa_head;
	if (index == 0 && !xa_is_node(head))
		return xa_head_slot(head, entry) ? 0 : 1;
	unsigned int top = xa_shift_for(index), levels = top / XA_CHUNK_SHIFT;
	if (!head)
		return levels + 1;
	/* index > 0 has a non-zero digit at level top, so below a newly grown
	 * root its whole path is new: levels nodes. */
	if (!xa_is_node(head))
		return (levels + 1) + levels; /* roots over index 0, then the path */
	struct xa_node *node = xa_to_node(head);
	if (top > node->shift)
		return (top - node->shift) / XA_CHUNK_SHIFT + levels;
	while (node->shift) {
		void *child = node->slots[xa_offset(index, node->shift)];
		if (!child)
			return node->shift / XA_CHUNK_SHIFT;
		node = xa_to_node(child);
	}
	return 0;
}

/* Grows the tree until it can hold index and creates index's path; returns
 * the slot for index and its leaf (NULL for the head slot). Consumes
 * exactly xa_nodes_needed(xa, index) nodes from pa.
 * Context: xa_lock held; pa holds enough. */
static void **xa_create_slot(struct xarray *xa, unsigned long index, const void *entry,
			     struct xa_prealloc *pa, struct xa_node **leafp)
{
	void *head = xa->xa_head;
	*leafp = NULL;
	if (index == 0 && !xa_is_node(head)) {
		if (xa_head_slot(head, entry))
			return &xa->xa_head;
		struct xa_node *leaf = xa_node_take(xa, pa, 0, NULL, 0);
		lb_rcu_assign_pointer(xa->xa_head, xa_mk_node(leaf));
		*leafp = leaf;
		return &leaf->slots[0];
	}

	unsigned int top = xa_shift_for(index);
	if (!head) {
		struct xa_node *root = xa_node_take(xa, pa, top, NULL, 0);
		lb_rcu_assign_pointer(xa->xa_head, xa_mk_node(root));
	} else if (!xa_is_node(head)) {
		/* Index 0 lived in the head: give it a chain of nodes from a
		 * leaf up to the new root, built off-line, published once. */
		void *child = head;
		for (unsigned int shift = 0;; shift += XA_CHUNK_SHIFT) {
			child = xa_mk_node(xa_new_root(xa, pa, shift, child));
			if (shift == top)
				break;
		}
		lb_rcu_assign_pointer(xa->xa_head, child);
	} else {
		struct xa_node *root = xa_to_node(head);
		while (root->shift < top) {
			root = xa_new_root(xa, pa, root->shift + XA_CHUNK_SHIFT, xa_mk_node(root));
			lb_rcu_assign_pointer(xa->xa_head, xa_mk_node(root));
		}
	}

	struct xa_node *node = xa_to_node(xa->xa_head);
	while (node->shift) {
		unsigned int off = xa_offset(index, node->shift);
		void *child = node->slots[off];
		if (!child) {
			struct xa_node *n =
			    xa_node_take(xa, pa, node->shift - XA_CHUNK_SHIFT, node, off);
			child = xa_mk_node(n);
			lb_rcu_assign_pointer(node->slots[off], child);
			node->count++;
		}
		node = xa_to_node(child);
	}
	*leafp = node;
	return &node->slots[xa_offset(index, 0)];
}

/* After an erase reached the root: while the root's only entry is in slot
 * 0, replace the root by that entry. Context: xa_lock held. */
static void xa_shrink(struct xarray *xa)
{
	for (;;) {
		struct xa_node *node = xa_to_node(xa->xa_head);
		void *entry = node->slots[0];
		if (node->count != 1 || !entry)
			return;
		lb_rcu_assign_pointer(xa->xa_head, entry);
		if (!xa_is_node(entry)) {
			/* The entry now lives in the head; send readers there. */
			lb_rcu_assign_pointer(node->slots[0], XA_RETRY_ENTRY);
			xa_node_retire(xa, node);
			return;
		}
		xa_to_node(entry)->parent = NULL;
		xa_node_retire(xa, node);
	}
}

/* Unlinks node and its ancestors while they are empty, then shrinks if
 * that reached the root. Context: xa_lock held. */
static void xa_delete_empty(struct xarray *xa, struct xa_node *node)
{
	while (node->count == 0) {
		struct xa_node *parent = node->parent;
		if (!parent) {
			lb_rcu_assign_pointer(xa->xa_head, NULL);
			xa_node_retire(xa, node);
			return;
		}
		lb_rcu_assign_pointer(parent->slots[node->offset], NULL);
		parent->count--;
		xa_node_retire(xa, node);
		node = parent;
	}
	if (!node->parent)
		xa_shrink(xa);
}

/* Removes whatever index holds, marks included. Returns the raw old entry.
 * Context: xa_lock held. Never allocates. */
static void *xa_erase_raw(struct xarray *xa, unsigned long index)
{
	void *head = xa->xa_head;
	if (!xa_is_node(head)) {
		if (index != 0 || !head)
			return NULL;
		__atomic_store_n(&xa->xa_marks, 0U, __ATOMIC_RELAXED);
		lb_rcu_assign_pointer(xa->xa_head, NULL);
		return head;
	}
	struct xa_node *leaf = xa_leaf_locked(xa, index);
	if (!leaf)
		return NULL;
	unsigned int off = xa_offset(index, 0);
	void *old = leaf->slots[off];
	if (!old)
		return NULL;
	for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
		if (xa_node_mark_test(leaf, off, m))
			xa_mark_clear_up(xa, leaf, off, m);
	lb_rcu_assign_pointer(leaf->slots[off], NULL);
	leaf->count--;
	xa_delete_empty(xa, leaf);
	return old;
}

/* The one write path. Compares as cmp says, then stores entry (NULL
 * erases, XA_ZERO_ENTRY reserves). Returns what the caller's API returns
 * as "old": NULL for XA_CMP_EMPTY, else the slot's entry with a
 * reservation read as NULL; or an XA_ERROR; or XA_NEED_NODES (pa->want
 * set) when nodes are needed and may_drop says the caller will drop the
 * lock to allocate them.
 * Context: xa_lock held. Without may_drop, allocates under the lock. */
static void *xa_modify_locked(struct xarray *xa, unsigned long index, void *old, void *entry,
			      enum xa_cmp cmp, struct xa_prealloc *pa, bool may_drop)
{
	void *curr = xa_load_locked(xa, index);
	void *seen = xa_zero_to_null(curr);

	switch (cmp) {
	case XA_CMP_NONE:
		break;
	case XA_CMP_OLD:
		if (curr != old)
			return seen;
		break;
	case XA_CMP_EMPTY:
		if (curr)
			return XA_ERROR(-EBUSY);
		seen = NULL;
		break;
	}

	if (!entry) {
		if (curr)
			xa_erase_raw(xa, index);
		return seen;
	}
	if (curr == entry)
		return seen;

	unsigned int need = xa_nodes_needed(xa, index, entry);
	if (need > pa->nr) {
		if (may_drop) {
			pa->want = need;
			return XA_NEED_NODES;
		}
		if (xa_prealloc_fill(pa, need))
			return XA_ERROR(-ENOMEM);
	}
	struct xa_node *leaf;
	void **slot = xa_create_slot(xa, index, entry, pa, &leaf);
	lb_rcu_assign_pointer(*slot, entry);
	if (leaf && !curr)
		leaf->count++;
	return seen;
}

/* xa_modify_locked with the xa_lock taken here and dropped to allocate.
 * Context: registered RCU thread, xa_lock not held; may allocate. */
static void *xa_modify(struct xarray *xa, unsigned long index, void *old, void *entry,
		       enum xa_cmp cmp)
{
	struct xa_prealloc pa;
	void *ret;

	pa.nr = 0;
	xa_lock(xa);
	for (;;) {
		ret = xa_modify_locked(xa, index, old, entry, cmp, &pa, true);
		if (ret != XA_NEED_NODES) {
			xa_unlock(xa);
			break;
		}
		xa_unlock(xa);
		if (xa_prealloc_fill(&pa, pa.want)) {
			ret = XA_ERROR(-ENOMEM);
			break;
		}
		xa_lock(xa); /* the tree may have changed: check again */
	}
	xa_prealloc_drain(&pa);
	return ret;
}

/* xa_modify_locked for the __xa_* API: never drops the caller's lock.
 * Context: xa_lock held; may allocate under it. */
static void *xa_modify_held(struct xarray *xa, unsigned long index, void *old, void *entry,
			    enum xa_cmp cmp)
{
	struct xa_prealloc pa;
	pa.nr = 0;
	void *ret = xa_modify_locked(xa, index, old, entry, cmp, &pa, false);
	xa_prealloc_drain(&pa); /* only after a partial fill that failed */
	return ret;
}

/* ---- Set-up and teardown ---------------------------------------------- */

void xa_init_flags(struct xarray *xa, unsigned int flags)
{
	lb_lock_init(&xa->xa_lock);
	lb_lock_set_class(&xa->xa_lock, LB_LC_XA);
	xa->xa_flags = flags & XA_FLAGS_LOCK_IRQ;
	xa->xa_marks = 0;
	xa->xa_head = NULL;
	xa->xa_nodes = 0;
}

/* Retires node and everything below it. Reads each node completely before
 * queueing it: after lb_call_rcu it may be freed at any time.
 * Context: xa_lock held; the subtree is unlinked. */
static void xa_retire_subtree(struct xarray *xa, struct xa_node *node)
{
	if (node->shift)
		for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++)
			if (xa_is_node(node->slots[i]))
				xa_retire_subtree(xa, xa_to_node(node->slots[i]));
	xa_node_retire(xa, node);
}

void xa_destroy(struct xarray *xa)
{
	xa_lock(xa);
	void *head = xa->xa_head;
	lb_rcu_assign_pointer(xa->xa_head, NULL);
	__atomic_store_n(&xa->xa_marks, 0U, __ATOMIC_RELAXED);
	if (xa_is_node(head))
		xa_retire_subtree(xa, xa_to_node(head));
	xa_unlock(xa);
}

void xa_fini(struct xarray *xa)
{
	xa_destroy(xa);
	lb_lock_destroy(&xa->xa_lock);
}

/* ---- Readers --------------------------------------------------------------- */

void *xa_load(struct xarray *xa, unsigned long index)
{
	return xa_zero_to_null(xa_load_raw(xa, index));
}

void *xa_load_raw(struct xarray *xa, unsigned long index)
{
	void *entry;

	lb_rcu_read_lock();
retry:
	entry = lb_rcu_dereference(xa->xa_head);
	if (xa_is_node(entry)) {
		struct xa_node *node = xa_to_node(entry);
		if (index > xa_shift_max(node->shift)) {
			entry = NULL;
		} else {
			for (;;) {
				entry =
				    lb_rcu_dereference(node->slots[xa_offset(index, node->shift)]);
				if (!xa_is_node(entry))
					break;
				node = xa_to_node(entry);
			}
			if (xa_is_retry(entry))
				goto retry;
		}
	} else if (index != 0) {
		entry = NULL;
	}
	lb_rcu_read_unlock();
	return entry;
}

/* First slot at or after off that may lead to a match for filter, or
 * XA_CHUNK_SIZE. Context: RCU read section. */
static unsigned int xa_node_next(const struct xa_node *node, unsigned int off, xa_mark_t filter)
{
	if (filter < XA_MAX_MARKS) {
		unsigned long bits = xa_node_marks(node, filter) & (~0UL << off);
		return bits ? (unsigned int)__builtin_ctzl(bits) : XA_CHUNK_SIZE;
	}
	for (; off < XA_CHUNK_SIZE; off++)
		if (LB_READ_ONCE(node->slots[off]))
			return off;
	return XA_CHUNK_SIZE;
}

/* The search behind xa_find: top-down from the head; whenever it has to
 * leave a node sideways it moves the index past that node's range and
 * starts again from the head (at most a few levels), so it needs no parent
 * pointers, which writers change. Context: RCU read section. */
static void *xa_find_rcu(struct xarray *xa, unsigned long *indexp, unsigned long max,
			 xa_mark_t filter)
{
	unsigned long index = *indexp;

restart:
	if (index > max)
		return NULL;
	void *entry = lb_rcu_dereference(xa->xa_head);
	if (!xa_is_node(entry)) {
		if (index != 0 || !entry || xa_is_zero(entry))
			return NULL;
		if (filter < XA_MAX_MARKS && !xa_marked(xa, filter))
			return NULL;
		*indexp = 0;
		return entry;
	}
	struct xa_node *node = xa_to_node(entry);
	if (index > xa_shift_max(node->shift))
		return NULL;
	for (;;) {
		unsigned int shift = node->shift;
		unsigned int off = xa_offset(index, shift);
		unsigned int hit = xa_node_next(node, off, filter);
		if (hit == XA_CHUNK_SIZE) {
			/* Nothing more in this node: continue past its range. */
			if (!xa_index_past(&index, shift + XA_CHUNK_SHIFT))
				return NULL;
			goto restart;
		}
		if (hit != off) /* first index of slot hit's range */
			index = (index & ~xa_low_mask(shift + XA_CHUNK_SHIFT)) |
				((unsigned long)hit << shift);
		if (index > max)
			return NULL;
		entry = lb_rcu_dereference(node->slots[hit]);
		if (shift) {
			if (xa_is_node(entry)) {
				node = xa_to_node(entry);
				continue;
			}
			/* Unlinked since we looked (or a stale mark): skip it. */
			if (!xa_index_past(&index, shift))
				return NULL;
			goto restart;
		}
		if (xa_is_retry(entry))
			goto restart;
		if (entry && !xa_is_zero(entry)) {
			*indexp = index;
			return entry;
		}
		/* Erased meanwhile, or reserved: try the next slot. */
		if (!xa_index_past(&index, 0))
			return NULL;
		if (xa_offset(index, 0) == 0)
			goto restart; /* left this leaf */
	}
}

void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter)
{
	lb_rcu_read_lock();
	void *entry = xa_find_rcu(xa, indexp, max, filter);
	lb_rcu_read_unlock();
	return entry;
}

void *xa_find_after(struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter)
{
	if (*indexp >= max)
		return NULL;
	unsigned long index = *indexp + 1;
	void *entry = xa_find(xa, &index, max, filter);
	if (entry)
		*indexp = index;
	return entry;
}

bool xa_get_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	bool ret = false;

	if (mark >= XA_MAX_MARKS)
		return false;
	lb_rcu_read_lock();
	void *entry = lb_rcu_dereference(xa->xa_head);
	if (!xa_marked(xa, mark))
		goto out;
	if (!xa_is_node(entry)) {
		ret = index == 0 && entry;
		goto out;
	}
	struct xa_node *node = xa_to_node(entry);
	if (index > xa_shift_max(node->shift))
		goto out;
	for (;;) {
		unsigned int off = xa_offset(index, node->shift);
		if (!xa_node_mark_test(node, off, mark))
			goto out;
		if (!node->shift) {
			ret = true;
			goto out;
		}
		entry = lb_rcu_dereference(node->slots[off]);
		if (!xa_is_node(entry))
			goto out;
		node = xa_to_node(entry);
	}
out:
	lb_rcu_read_unlock();
	return ret;
}

/* ---- Writers ---------------------------------------------------------------- */

/* Entries the normal API stores: pointers, values, NULL and XA_ZERO_ENTRY
 * (a reservation, as the kernel's). Other internal entries are refused. */
static inline bool xa_bad_entry(const void *entry)
{
	return xa_is_internal(entry) && !xa_is_zero(entry);
}

void *__xa_store(struct xarray *xa, unsigned long index, void *entry)
{
	if (xa_bad_entry(entry))
		return XA_ERROR(-EINVAL);
	return xa_modify_held(xa, index, NULL, entry, XA_CMP_NONE);
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry)
{
	if (xa_bad_entry(entry))
		return XA_ERROR(-EINVAL);
	return xa_modify(xa, index, NULL, entry, XA_CMP_NONE);
}

void *__xa_erase(struct xarray *xa, unsigned long index)
{
	return xa_zero_to_null(xa_erase_raw(xa, index));
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	xa_lock(xa);
	void *old = __xa_erase(xa, index);
	xa_unlock(xa);
	return old;
}

void *__xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry)
{
	if (xa_bad_entry(entry))
		return XA_ERROR(-EINVAL);
	return xa_modify_held(xa, index, old, entry, XA_CMP_OLD);
}

void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry)
{
	if (xa_bad_entry(entry))
		return XA_ERROR(-EINVAL);
	return xa_modify(xa, index, old, entry, XA_CMP_OLD);
}

int __xa_insert(struct xarray *xa, unsigned long index, void *entry)
{
	if (xa_bad_entry(entry))
		return -EINVAL;
	return xa_err(xa_modify_held(xa, index, NULL, entry ? entry : XA_ZERO_ENTRY, XA_CMP_EMPTY));
}

int xa_insert(struct xarray *xa, unsigned long index, void *entry)
{
	if (xa_bad_entry(entry))
		return -EINVAL;
	return xa_err(xa_modify(xa, index, NULL, entry ? entry : XA_ZERO_ENTRY, XA_CMP_EMPTY));
}

int xa_reserve(struct xarray *xa, unsigned long index)
{
	return xa_err(xa_modify(xa, index, NULL, XA_ZERO_ENTRY, XA_CMP_OLD));
}

void xa_release(struct xarray *xa, unsigned long index)
{
	xa_modify(xa, index, XA_ZERO_ENTRY, NULL, XA_CMP_OLD);
}

void __xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	if (mark >= XA_MAX_MARKS)
		return;
	void *head = xa->xa_head;
	if (!xa_is_node(head)) {
		if (index == 0 && head)
			__atomic_fetch_or(&xa->xa_marks, 1U << mark, __ATOMIC_RELAXED);
		return;
	}
	struct xa_node *leaf = xa_leaf_locked(xa, index);
	unsigned int off = xa_offset(index, 0);
	if (leaf && leaf->slots[off])
		xa_mark_set_up(xa, leaf, off, mark);
}

void __xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	if (mark >= XA_MAX_MARKS)
		return;
	void *head = xa->xa_head;
	if (!xa_is_node(head)) {
		if (index == 0)
			__atomic_fetch_and(&xa->xa_marks, ~(1U << mark), __ATOMIC_RELAXED);
		return;
	}
	struct xa_node *leaf = xa_leaf_locked(xa, index);
	unsigned int off = xa_offset(index, 0);
	if (leaf && xa_node_mark_test(leaf, off, mark))
		xa_mark_clear_up(xa, leaf, off, mark);
}

void xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	xa_lock(xa);
	__xa_set_mark(xa, index, mark);
	xa_unlock(xa);
}

void xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	xa_lock(xa);
	__xa_clear_mark(xa, index, mark);
	xa_unlock(xa);
}

/* ---- Footprint, shape, validation ------------------------------------------- */

unsigned long xa_nr_nodes(const struct xarray *xa)
{
	return __atomic_load_n(&xa->xa_nodes, __ATOMIC_RELAXED);
}

size_t xa_mem_bytes(const struct xarray *xa)
{
	return xa_nr_nodes(xa) * sizeof(struct xa_node);
}

unsigned int xa_height(struct xarray *xa)
{
	unsigned int height = 0;
	lb_rcu_read_lock();
	void *head = lb_rcu_dereference(xa->xa_head);
	if (xa_is_node(head))
		height = xa_to_node(head)->shift / XA_CHUNK_SHIFT + 1;
	lb_rcu_read_unlock();
	return height;
}

static int xa_bad(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/* Checks the subtree at node; adds its nodes to *nodes and returns which
 * marks anything in it carries (bit m), or -1 after setting *why. */
static int xa_validate_node(struct xarray *xa, struct xa_node *node, struct xa_node *parent,
			    unsigned int offset, unsigned long *nodes, const char **why)
{
	int summary = 0;
	unsigned int count = 0;

	(*nodes)++;
	if (node->shift % XA_CHUNK_SHIFT || node->shift >= XA_INDEX_BITS)
		return xa_bad(why, "node shift is not a level");
	if (node->parent != parent || (parent && node->offset != offset))
		return xa_bad(why, "node parent/offset link is wrong");
	if (parent && node->shift + XA_CHUNK_SHIFT != parent->shift)
		return xa_bad(why, "child shift is not parent shift - 6");
	if (node->array != xa)
		return xa_bad(why, "node belongs to another array");
	for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++) {
		void *entry = node->slots[i];
		int below = 0;
		if (!entry) {
			for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
				if (xa_node_mark_test(node, i, m))
					return xa_bad(why, "mark set on an empty slot");
			continue;
		}
		count++;
		if (node->shift) {
			if (!xa_is_node(entry))
				return xa_bad(why, "interior slot holds a non-node entry");
			below = xa_validate_node(xa, xa_to_node(entry), node, i, nodes, why);
			if (below < 0)
				return -1;
			for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
				if (!!(below & (1 << m)) != xa_node_mark_test(node, i, m))
					return xa_bad(why,
						      "interior mark disagrees with its subtree");
		} else {
			if (xa_is_node(entry) || xa_is_retry(entry) || xa_is_err(entry))
				return xa_bad(why, "leaf slot holds a node, retry or error entry");
		}
		for (xa_mark_t m = 0; m < XA_MAX_MARKS; m++)
			if (xa_node_mark_test(node, i, m))
				summary |= 1 << m;
	}
	if (count != node->count)
		return xa_bad(why, "node count disagrees with its slots");
	if (count == 0)
		return xa_bad(why, "empty node left in the tree");
	return summary;
}

const char *xa_validate(struct xarray *xa)
{
	const char *why = NULL;
	unsigned long nodes = 0;
	void *head = xa->xa_head;
	unsigned int marks = __atomic_load_n(&xa->xa_marks, __ATOMIC_RELAXED);

	if (marks & ~((1U << XA_MAX_MARKS) - 1))
		return "unknown mark bits in the summary";
	if (!head) {
		if (marks)
			return "empty array with marks set";
	} else if (!xa_is_node(head)) {
		if (xa_is_retry(head) || xa_is_err(head))
			return "head holds a retry or error entry";
	} else {
		struct xa_node *root = xa_to_node(head);
		int summary = xa_validate_node(xa, root, NULL, 0, &nodes, &why);
		if (summary < 0)
			return why;
		if ((unsigned int)summary != marks)
			return "mark summary disagrees with the root";
		/* The one exception: a reservation at index 0 made in an empty
		 * array gets a leaf, which stays (whatever index 0 then holds)
		 * until a later erase shrinks it, as in the kernel. */
		if (root->count == 1 && root->slots[0] && root->shift != 0)
			return "tree taller than needed (root uses slot 0 only)";
	}
	if (nodes != xa_nr_nodes(xa))
		return "node accounting disagrees with the tree";
	return NULL;
}
