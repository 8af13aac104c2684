/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <string.h>

#include "store.h"

#define STORE(name) extern const struct store_ops store_##name##_ops;
#include "store_registry.def"
#undef STORE

const struct store_ops *const store_registry[] = {
#define STORE(name) &store_##name##_ops,
#include "store_registry.def"
#undef STORE
    NULL,
};

const struct store_ops *store_find(const char *name)
{
	for (const struct store_ops *const *o = store_registry; *o; o++)
		if (strcmp((*o)->name, name) == 0)
			return *o;
	return NULL;
}

int store_remove(struct store *s, uint32_t intid)
{
	struct lb_irq *irq = s->ops->get(s, intid);
	if (!irq)
		return -ENOENT;
	s->ops->put(s, irq); /* the lookup's reference */
	s->ops->put(s, irq); /* the mapping's */
	return 0;
}

void store_get_stats(struct store *s, struct store_stats *st)
{
	st->entries = st->mem_bytes = st->height = st->nodes = STORE_STAT_ABSENT;
	st->mem_alloc_bytes = STORE_STAT_ABSENT;
	st->tombstones = st->capacity = st->max_probe = STORE_STAT_ABSENT;
	s->ops->stats(s, st);
}

enum store_reclaim store_reclaim_default = STORE_RECLAIM_RCU;

const char *store_reclaim_name(enum store_reclaim r)
{
	switch (r) {
	case STORE_RECLAIM_HP:
		return "hp";
	case STORE_RECLAIM_RCU:
		return "rcu";
	default:
		return store_reclaim_name(store_reclaim_default);
	}
}

enum store_reclaim store_cfg_reclaim(const struct store_cfg *cfg)
{
	enum store_reclaim r = cfg ? cfg->reclaim : STORE_RECLAIM_DEFAULT;
	return r == STORE_RECLAIM_DEFAULT ? store_reclaim_default : r;
}

bool store_clamp_range(uint32_t *first, uint32_t *last)
{
	if (*first < LB_INTID_BASE)
		*first = LB_INTID_BASE;
	if (*last >= LB_INTID_LIMIT)
		*last = LB_INTID_LIMIT - 1;
	return *first <= *last;
}

/* One visit: fn on an irq the walk holds a reference to, then the put.
 * Returns fn's verdict (non-zero: stop). */
static int visit(struct store *s, struct lb_irq *irq, store_visit_fn fn, void *arg, size_t *visited)
{
	++*visited;
	int stop = fn(irq, arg);
	s->ops->put(s, irq);
	return stop;
}

size_t store_visit_gets(struct store *s, uint32_t first, uint32_t last,
			struct lb_irq *(*get)(struct store *s, uint32_t intid), store_visit_fn fn,
			void *arg)
{
	size_t visited = 0;
	for (uint32_t intid = first; intid <= last; intid++) {
		struct lb_irq *irq = get(s, intid);
		if (irq && visit(s, irq, fn, arg, &visited))
			break;
	}
	return visited;
}

size_t store_visit_bitmap(struct store *s, uint64_t *bits, uint32_t first, uint32_t last,
			  store_visit_fn fn, void *arg)
{
	size_t visited = 0;
	for (uint32_t i = (first - LB_INTID_BASE) / 64; i <= (last - LB_INTID_BASE) / 64; i++) {
		while (bits[i]) {
			uint32_t bit = (uint32_t)__builtin_ctzll(bits[i]);
			bits[i] &= bits[i] - 1;
			struct lb_irq *irq = s->ops->get(s, LB_INTID_BASE + i * 64 + bit);
			if (irq && visit(s, irq, fn, arg, &visited))
				return visited;
		}
	}
	return visited;
}
