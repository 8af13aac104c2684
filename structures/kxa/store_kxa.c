/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `kxa`: the kernel's own lib/xarray.c (from the tree named with
 * -DLB_KERNEL_SRC, cmake/kxa.cmake) as the LPI store, driven exactly as the
 * `xa` backend drives lpibench's port (structures/store_xa.c): same store
 * contract, same era-B rules, so the two differ only in the xarray.
 *  - get: RCU read section, xa_load, try-get, leave the section.
 *  - put: decrement with no lock; the put that reaches zero takes the
 *    xa_lock, erases the slot if it still holds this irq (__xa_cmpxchg to
 *    NULL: the fix of the release vs re-registration race, as in `xa`),
 *    and frees the irq after a grace period.
 *  - add: as KVM's vgic_add_lpi: look up; else allocate, xa_reserve with
 *    GFP_KERNEL outside the lock, then under the lock load again and reuse
 *    a live entry or __xa_store with no allocation allowed (gfp 0: the
 *    reservation made the nodes).
 *  - for_each: xa_find/xa_find_after under RCU, try-get, fn outside.
 * Nodes come from lpibench's allocator and are freed through its RCU
 * (kxa_shim.h), so memory accounting and --fail-alloc see them.
 * Callers: registered RCU threads, outside read sections (store.h).
 */
#include <linux/xarray.h>

#include "../store.h"

extern const struct store_ops store_kxa_ops;

struct store_kxa {
	struct store base;
	struct xarray xa;
	unsigned long entries; /* indexed irqs; written under the xa_lock */
};

#define to_kx(s) lb_container_of((s), struct store_kxa, base)

static void kx_count(struct store_kxa *x, long delta)
{
	__atomic_store_n(&x->entries, x->entries + (unsigned long)delta, __ATOMIC_RELAXED);
}

static struct store *kx_create(const struct store_cfg *cfg)
{
	(void)cfg;
	struct store_kxa *x = lb_zalloc(LB_MEM_STORE, sizeof(*x));
	if (!x)
		return NULL;
	x->base.ops = &store_kxa_ops;
	xa_init_flags(&x->xa, XA_FLAGS_LOCK_IRQ);
	return &x->base;
}

static void kx_destroy(struct store *s)
{
	struct store_kxa *x = to_kx(s);
	unsigned long index;
	struct lb_irq *irq;
	xa_for_each(&x->xa, index, irq) {
		irq_free_now(irq);
	}
	xa_destroy(&x->xa);
	lb_lock_destroy(&x->xa.xa_lock);
	lb_free(LB_MEM_STORE, x, sizeof(*x));
}

static struct lb_irq *kx_get(struct store *s, uint32_t intid)
{
	struct store_kxa *x = to_kx(s);
	lb_rcu_read_lock();
	struct lb_irq *irq = xa_load(&x->xa, intid);
	if (irq) {
		irq_check(irq);
		if (!lb_ref_tryget(&irq->refcount))
			irq = NULL; /* dying: its final put has not erased it yet */
	}
	lb_rcu_read_unlock();
	if (!irq)
		LB_COUNT(LB_C_GET_MISS);
	return irq;
}

/* Context: inside lb_rcu_read_lock() (store.h). */
static struct lb_irq *kx_lookup_rcu(struct store *s, uint32_t intid)
{
	if (!store_intid_valid(intid))
		return NULL;
	struct lb_irq *irq = xa_load(&to_kx(s)->xa, intid);
	if (irq)
		irq_check(irq);
	return irq;
}

static void kx_put(struct store *s, struct lb_irq *irq)
{
	struct store_kxa *x = to_kx(s);
	unsigned long flags;
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	/* Erase only if the slot still holds this irq: a concurrent add may
	 * have replaced the dying entry already (see store_xa.c). */
	xa_lock_irqsave(&x->xa, flags);
	if (__xa_cmpxchg(&x->xa, irq->intid, irq, NULL, 0) == irq)
		kx_count(x, -1);
	xa_unlock_irqrestore(&x->xa, flags);
	irq_free_rcu(irq);
}

static int kx_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_kxa *x = to_kx(s);
	unsigned long flags;
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = kx_get(s, intid);
	if (irq) {
		*out = irq; /* the caller keeps the lookup's reference */
		return 0;
	}

	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	int ret = xa_reserve_irq(&x->xa, intid, GFP_KERNEL);
	if (ret) {
		irq_free_now(fresh);
		return ret;
	}

	xa_lock_irqsave(&x->xa, flags);
	struct lb_irq *old = xa_load(&x->xa, intid);
	if (old && lb_ref_tryget(&old->refcount)) {
		irq = old; /* another adder won the race: reuse its irq */
	} else {
		void *prev = __xa_store(&x->xa, intid, fresh, 0);
		if (xa_is_err(prev)) {
			ret = xa_err(prev); /* reservation lost meanwhile */
		} else {
			if (!prev) /* empty or reserved; else replaced a dying irq */
				kx_count(x, 1);
			irq = fresh;
		}
	}
	xa_unlock_irqrestore(&x->xa, flags);

	if (irq != fresh)
		irq_free_now(fresh); /* never published */
	if (ret)
		return ret;
	*out = irq;
	return 0;
}

/* As store_xa.c's: resume after the INTID just visited; fn runs outside
 * the read section with a reference held. */
static size_t kx_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			  void *arg)
{
	struct store_kxa *x = to_kx(s);
	unsigned long index = first;
	size_t visited = 0;
	bool started = false;

	if (first > last)
		return 0;
	for (;;) {
		lb_rcu_read_lock();
		struct lb_irq *irq = started ? xa_find_after(&x->xa, &index, last, XA_PRESENT)
					     : xa_find(&x->xa, &index, last, XA_PRESENT);
		bool held = false;
		if (irq) {
			irq_check(irq);
			held = lb_ref_tryget(&irq->refcount);
		}
		lb_rcu_read_unlock();
		if (!irq)
			break;
		started = true;
		if (!held)
			continue;
		visited++;
		int stop = fn(irq, arg);
		kx_put(s, irq);
		if (stop)
			break;
	}
	return visited;
}

/* Nodes below entry. Context: xa_lock held. */
static uint64_t kx_nodes(void *entry)
{
	if (!xa_is_node(entry))
		return 0;
	struct xa_node *node = xa_to_node(entry);
	uint64_t n = 1;
	if (node->shift)
		for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++)
			n += kx_nodes(node->slots[i]);
	return n;
}

static void kx_stats(struct store *s, struct store_stats *st)
{
	struct store_kxa *x = to_kx(s);
	unsigned long flags;
	xa_lock_irqsave(&x->xa, flags);
	void *head = x->xa.xa_head;
	st->nodes = kx_nodes(head);
	st->height = xa_is_node(head) ? xa_to_node(head)->shift / XA_CHUNK_SHIFT + 1u : 0;
	xa_unlock_irqrestore(&x->xa, flags);
	st->entries = __atomic_load_n(&x->entries, __ATOMIC_RELAXED);
	st->mem_bytes = sizeof(*x) + st->nodes * sizeof(struct xa_node);
	st->mem_alloc_bytes =
	    lb_alloc_usable(sizeof(*x)) + st->nodes * lb_alloc_usable(sizeof(struct xa_node));
}

const struct store_ops store_kxa_ops = {
    .name = "kxa",
    .desc = "era B: the kernel's own lib/xarray.c (GPL-2.0, from the tree built in) + RCU, "
	    "try-get, erase at zero",
    .caps = STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE,
    .create = kx_create,
    .destroy = kx_destroy,
    .add = kx_add,
    .get = kx_get,
    .put = kx_put,
    .for_each = kx_for_each,
    .stats = kx_stats,
    .lookup_rcu = kx_lookup_rcu,
};
