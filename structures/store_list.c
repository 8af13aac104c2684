/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend `list`: era A (Linux v6.8). One doubly linked list of every LPI
 * plus a count, under one global spinlock (the kernel's lpi_list_lock, a
 * raw spinlock taken with IRQs off; here an lb_lock, kind per --lock).
 *
 * Concurrency contract: every operation takes the global lock.
 *  - get: lock, linear walk comparing INTIDs, plain increment. A lookup can
 *    never see refcount 0, because the final put unlinks under the lock.
 *  - put: lock, decrement; at zero unlink, count--, free at once.
 *  - add: look up first (reuse); else allocate outside the lock, lock, walk
 *    again (another ITS may have raced us), append.
 *  - for_each: copy the matching INTIDs into an array under the lock, then
 *    get/put each one outside it (what the kernel's iterators do).
 * Reclamation: immediate; no reader runs outside the lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "../core/alloc.h"
#include "lpi_list.h"
#include "store.h"

extern const struct store_ops store_list_ops;

struct store_list {
	struct store base;
	struct lb_lock lock;
	struct lb_list head;
	uint64_t count;
};

#define to_list(s) lb_container_of((s), struct store_list, base)

static struct store *list_create(const struct store_cfg *cfg)
{
	(void)cfg;
	struct store_list *l = lb_zalloc(LB_MEM_STORE, sizeof(*l));
	if (!l)
		return NULL;
	l->base.ops = &store_list_ops;
	lb_lock_init(&l->lock);
	lb_lock_set_class(&l->lock, LB_LC_LPI_LIST);
	lb_list_init(&l->head);
	return &l->base;
}

static void list_destroy(struct store *s)
{
	struct store_list *l = to_list(s);
	lpi_list_free_all(&l->head);
	lb_lock_destroy(&l->lock);
	lb_free(LB_MEM_STORE, l, sizeof(*l));
}

/* Context: l->lock held. */
static struct lb_irq *list_find_locked(struct store_list *l, uint32_t intid)
{
	return lpi_list_find(&l->head, intid);
}

static struct lb_irq *list_get(struct store *s, uint32_t intid)
{
	struct store_list *l = to_list(s);
	lb_lock(&l->lock);
	struct lb_irq *irq = list_find_locked(l, intid);
	if (irq)
		lb_ref_get(&irq->refcount); /* never zero under the lock */
	else
		LB_COUNT(LB_C_GET_MISS);
	lb_unlock(&l->lock);
	if (irq)
		irq_check(irq);
	return irq;
}

static void list_put(struct store *s, struct lb_irq *irq)
{
	struct store_list *l = to_list(s);
	irq_check(irq);
	lb_lock(&l->lock);
	if (!lb_ref_put(&irq->refcount)) {
		lb_unlock(&l->lock);
		return;
	}
	lb_list_del_init(&irq->lpi_list);
	LB_WRITE_ONCE(l->count, l->count - 1);
	lb_unlock(&l->lock);
	irq_free_now(irq);
}

static struct lb_lock *list_global_lock(struct store *s)
{
	return &to_list(s)->lock;
}

/* Context: l->lock held (a cache sharing it, see store.h). */
static void list_put_locked(struct store *s, struct lb_irq *irq)
{
	struct store_list *l = to_list(s);
	irq_check(irq);
	if (!lb_ref_put(&irq->refcount))
		return;
	lb_list_del_init(&irq->lpi_list);
	LB_WRITE_ONCE(l->count, l->count - 1);
	irq_free_now(irq);
}

static int list_add(struct store *s, uint32_t intid, struct lb_irq **out)
{
	struct store_list *l = to_list(s);
	if (!store_intid_valid(intid))
		return -EINVAL;
	struct lb_irq *irq = list_get(s, intid);
	if (irq) {
		*out = irq;
		return 0;
	}
	struct lb_irq *fresh = irq_alloc(intid);
	if (!fresh)
		return -ENOMEM;
	lb_lock(&l->lock);
	irq = list_find_locked(l, intid);
	if (irq) {
		lb_ref_get(&irq->refcount);
	} else {
		lb_list_add_tail(&fresh->lpi_list, &l->head);
		LB_WRITE_ONCE(l->count, l->count + 1);
	}
	lb_unlock(&l->lock);
	if (irq) {
		irq_free_now(fresh); /* lost the race: reuse the winner's */
		*out = irq;
	} else {
		*out = fresh;
	}
	return 0;
}

static size_t list_for_each(struct store *s, uint32_t first, uint32_t last, store_visit_fn fn,
			    void *arg)
{
	struct store_list *l = to_list(s);
	/* Size the copy outside the lock, as the kernel does; entries added
	 * meanwhile beyond the slack are not visited (they were not there). */
	size_t cap = LB_READ_ONCE(l->count) + 16, n = 0, visited = 0;
	uint32_t *ids = lb_zalloc(LB_MEM_OTHER, cap * sizeof(*ids));
	if (!ids)
		return 0;
	lb_lock(&l->lock);
	struct lb_list *pos;
	lb_list_for_each(pos, &l->head) {
		struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, lpi_list);
		if (irq->intid >= first && irq->intid <= last && n < cap)
			ids[n++] = irq->intid;
	}
	lb_unlock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct lb_irq *irq = list_get(s, ids[i]);
		if (!irq)
			continue;
		visited++;
		int stop = fn(irq, arg);
		list_put(s, irq);
		if (stop)
			break;
	}
	lb_free(LB_MEM_OTHER, ids, cap * sizeof(*ids));
	return visited;
}

static void list_stats(struct store *s, struct store_stats *st)
{
	struct store_list *l = to_list(s);
	lb_lock(&l->lock);
	st->entries = l->count;
	lb_unlock(&l->lock);
	/* The links live inside each irq: count them as the structure's. */
	st->mem_bytes = sizeof(*l) + st->entries * sizeof(struct lb_list);
}

const struct store_ops store_list_ops = {
    .name = "list",
    .desc = "era A (v6.8): linked list + count under one global spinlock",
    .caps = STORE_CAP_GLOBAL_LOCK,
    .create = list_create,
    .destroy = list_destroy,
    .add = list_add,
    .get = list_get,
    .put = list_put,
    .for_each = list_for_each,
    .stats = list_stats,
    .global_lock = list_global_lock,
    .put_locked = list_put_locked,
};
