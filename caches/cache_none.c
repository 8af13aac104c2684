/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cache `none`: no translation cache. Every injection misses and resolves
 * through the ITS tables under its_lock (a device-list walk and an ITT
 * walk), so every injection of an ITS serialises on its mutex: the
 * baseline the caches are measured against.
 *
 * Concurrency contract: nothing is shared; every operation is a no-op.
 */
#include "../core/alloc.h"
#include "cache.h"

struct cache_none {
	struct cache base;
};

static struct cache *none_create(const struct cache_cfg *cfg)
{
	(void)cfg;
	struct cache_none *c = lb_zalloc(LB_MEM_CACHE, sizeof(*c));
	if (!c)
		return NULL;
	c->base.ops = &cache_none_ops;
	return &c->base;
}

static void none_destroy(struct cache *c)
{
	lb_free(LB_MEM_CACHE, c, sizeof(struct cache_none));
}

static struct lb_irq *none_lookup(struct cache *c, uint64_t doorbell, uint32_t devid,
				  uint32_t eventid)
{
	(void)c;
	(void)doorbell;
	(void)devid;
	(void)eventid;
	return NULL;
}

static void none_insert(struct cache *c, uint64_t doorbell, uint32_t devid, uint32_t eventid,
			struct lb_irq *irq)
{
	(void)c;
	(void)doorbell;
	(void)devid;
	(void)eventid;
	(void)irq;
}

static void none_invalidate(struct cache *c, struct its *its)
{
	(void)c;
	(void)its;
}

static void none_for_each(struct cache *c, cache_visit_fn fn, void *arg)
{
	(void)c;
	(void)fn;
	(void)arg;
}

static void none_stats(struct cache *c, struct cache_stats *st)
{
	(void)c;
	*st = (struct cache_stats){0};
}

const struct cache_ops cache_none_ops = {
    .name = "none",
    .desc = "no translation cache: every injection resolves through the ITS tables "
	    "under its_lock",
    .flags = CACHE_F_PER_ITS | CACHE_F_NEVER,
    .create = none_create,
    .destroy = none_destroy,
    .lookup = none_lookup,
    .insert = none_insert,
    .invalidate = none_invalidate,
    .for_each = none_for_each,
    .stats = none_stats,
};
