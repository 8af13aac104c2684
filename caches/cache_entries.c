/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The entry pool shared by the era-A caches (cache_entries.h).
 */
#include "cache_entries.h"

#include <errno.h>

#include "../core/alloc.h"

static struct cache_entry *entry_at(struct cache_entries *l, unsigned i)
{
	return (struct cache_entry *)((char *)l->pool + (size_t)i * l->stride);
}

int cache_entries_init(struct cache_entries *l, const struct cache_cfg *cfg, size_t entry_size)
{
	*l = (struct cache_entries){.store = cfg->store,
				    .stride = entry_size,
				    .nr = CACHE_ENTRIES_PER_VCPU * cfg->nr_vcpus};
	l->pool = lb_zalloc(LB_MEM_CACHE, (size_t)l->nr * l->stride);
	if (!l->pool)
		return -ENOMEM;
	lb_list_init(&l->head);
	for (unsigned i = 0; i < l->nr; i++)
		lb_list_add_tail(&entry_at(l, i)->link, &l->head);
	return 0;
}

/* Drops an entry's reference. Context: the design's lock held for
 * writing (which is the store's own lock when under_store_lock). */
static void entry_put(struct cache_entries *l, struct lb_irq *irq)
{
	if (l->under_store_lock)
		l->store->ops->put_locked(l->store, irq);
	else
		store_put(l->store, irq); /* cache lock > store lock */
}

void cache_entries_drop_all(struct cache_entries *l)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &l->head) {
		struct cache_entry *e = lb_list_entry(pos, struct cache_entry, link);
		if (!e->irq)
			break;
		entry_put(l, e->irq);
		e->irq = NULL;
		l->invalidated++;
		LB_COUNT(LB_C_CACHE_INVAL);
	}
}

void cache_entries_fini(struct cache_entries *l)
{
	if (l->under_store_lock) {
		struct lb_lock *lock = l->store->ops->global_lock(l->store);
		lb_lock(lock);
		cache_entries_drop_all(l);
		lb_unlock(lock);
	} else {
		cache_entries_drop_all(l);
	}
	lb_free(LB_MEM_CACHE, l->pool, (size_t)l->nr * l->stride);
}

void cache_entries_fill(struct cache_entries *l, struct cache_entry *e, uint64_t doorbell,
			uint32_t devid, uint32_t eventid, struct lb_irq *irq)
{
	if (e->irq) {
		entry_put(l, e->irq);
		l->evictions++;
		LB_COUNT(LB_C_CACHE_EVICT);
	}
	lb_ref_get(&irq->refcount); /* the ITE's keeps it above zero */
	e->doorbell = doorbell;
	e->devid = devid;
	e->eventid = eventid;
	e->irq = irq;
	lb_list_move(&e->link, &l->head);
	l->inserts++;
}

void cache_entries_for_each(struct cache_entries *l, cache_visit_fn fn, void *arg)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &l->head) {
		struct cache_entry *e = lb_list_entry(pos, struct cache_entry, link);
		if (!e->irq || fn(e->doorbell, e->devid, e->eventid, e->irq, arg))
			break;
	}
}

void cache_entries_stats(struct cache_entries *l, struct cache_stats *st)
{
	uint64_t n = 0;
	struct lb_list *pos;
	lb_list_for_each(pos, &l->head) {
		if (!lb_list_entry(pos, struct cache_entry, link)->irq)
			break;
		n++;
	}
	*st = (struct cache_stats){.entries = n,
				   .capacity = l->nr,
				   .inserts = l->inserts,
				   .evictions = l->evictions,
				   .invalidated = l->invalidated};
}
