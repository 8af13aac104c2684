/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `null`: no structure, modelling no kernel era. Every valid INTID
 * maps to one fixed irq, allocated in create. A run on it measures what
 * surrounds a store: the driver's loop, the op dispatch, the workload's
 * own work (picking an INTID, the irq lock getput takes), and the
 * reference traffic every backend has (one atomic increment per get, one
 * decrement per put). Subtract its ns/op from a backend's to get what the
 * backend's lookup costs.
 *
 * Concurrency contract: every op is wait-free and takes no lock and no RCU
 * read section. get and add: check the INTID, one relaxed atomic
 * increment. put: one release decrement. With more than one thread every
 * get and put, and any lock a workload takes on the irq, hit the same
 * cache line: a multi-thread run on null measures that line bouncing, not
 * the harness. The harness's cost per op is a one-thread figure.
 *
 * What it keeps of the store contract, and what not (STORE_CAP_NULL,
 * store.h): references are counted exactly, and invalid INTIDs are
 * rejected (add: -EINVAL, get: NULL). There are no absent INTIDs, no
 * distinct objects, no allocation on add, no frees at the last put, and
 * for_each visits nothing.
 *
 * lookup_rcu (--get=rcu|percpu): the fixed irq for every valid INTID,
 * no reference, no read section needed (it lives as long as the store).
 *
 * Reclamation: the store holds one reference of its own on the irq, so the
 * count cannot reach zero while the store exists; a put that takes it to
 * zero dropped a reference nobody held and is reported as a refcount bug.
 * destroy frees the irq whatever its count.
 */
#include <errno.h>

#include "../core/alloc.h"
#include "store.h"

extern const struct store_ops store_null_ops;

struct store_null {
	struct store base;
	struct lb_irq *irq; /* the fixed irq: refcount = 1 (ours) + callers' */
};

#define to_null(s) lb_container_of((s), struct store_null, base)

static struct store *null_create(const struct store_cfg *cfg)
{
	(void)cfg;
	struct store_null *n = lb_zalloc(LB_MEM_STORE, sizeof(*n));
	if (!n)
		return NULL;
	/* INTID 8192: valid, so code that indexes by irq->intid stays in range. */
	n->irq = irq_alloc(LB_INTID_BASE);
	if (!n->irq) {
		lb_free(LB_MEM_STORE, n, sizeof(*n));
		return NULL;
	}
	n->base.ops = &store_null_ops;
	return &n->base;
}

/* Context: quiescent; frees the irq whatever its refcount. */
static void null_destroy(struct store *s)
{
	struct store_null *n = to_null(s);
	irq_free_now(n->irq);
	lb_free(LB_MEM_STORE, n, sizeof(*n));
}

static struct lb_irq *null_get(struct store *s, uint32_t intid)
{
	struct store_null *n = to_null(s);
	if (!store_intid_valid(intid))
		return NULL;
	lb_ref_get(&n->irq->refcount); /* never zero: we hold one */
	irq_check(n->irq);
	return n->irq;
}

/* Context: any (a read section is allowed, not needed). */
static struct lb_irq *null_lookup_rcu(struct store *s, uint32_t intid)
{
	struct store_null *n = to_null(s);
	if (!store_intid_valid(intid))
		return NULL;
	irq_check(n->irq);
	return n->irq;
}

static void null_put(struct store *s, struct lb_irq *irq)
{
	(void)s;
	irq_check(irq);
	if (lb_unlikely(lb_ref_put(&irq->refcount)))
		lb_ref_underflow_bug(&irq->refcount); /* dropped the store's own */
}

static int null_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct lb_irq *irq = null_get(s, intid);
	if (!irq)
		return -EINVAL;
	*out = irq;
	return 0;
}

/* No index to walk. */
static size_t null_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			    void *arg)
{
	(void)s, (void)first, (void)last, (void)fn, (void)arg;
	return 0;
}

static void null_stats(struct store *s, struct store_stats *st)
{
	(void)s;
	st->mem_bytes = sizeof(struct store_null); /* entries: absent, there is no index */
}

const struct store_ops store_null_ops = {
    .name = "null",
    .desc = "baseline, not a store: one fixed irq for every INTID (harness cost per op)",
    .caps = STORE_CAP_NULL,
    .create = null_create,
    .destroy = null_destroy,
    .add = null_add,
    .get = null_get,
    .put = null_put,
    .for_each = null_for_each,
    .stats = null_stats,
    .lookup_rcu = null_lookup_rcu,
};
