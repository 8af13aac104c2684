/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The translation-cache registry and the helpers the designs share.
 */
#include "cache.h"

#include <string.h>

#include "../core/alloc.h"

const struct cache_ops *const cache_registry[] = {
#define CACHE(sym) &cache_##sym##_ops,
#include "cache_registry.def"
#undef CACHE
    NULL,
};

const struct cache_ops *cache_find(const char *name)
{
	for (const struct cache_ops *const *o = cache_registry; *o; o++)
		if (strcmp((*o)->name, name) == 0)
			return *o;
	return NULL;
}

const char *cache_names(void)
{
	static char buf[256];
	if (!buf[0]) {
		size_t n = 0;
		for (const struct cache_ops *const *o = cache_registry; *o; o++) {
			size_t l = strlen((*o)->name);
			if (n + l + 3 >= sizeof(buf))
				break;
			if (n) {
				memcpy(buf + n, ", ", 2);
				n += 2;
			}
			memcpy(buf + n, (*o)->name, l);
			n += l;
		}
		buf[n] = 0;
	}
	return buf;
}

/* A reference to drop once a grace period has passed. */
struct cache_deferred_put {
	struct lb_rcu_head rcu;
	struct store *store;
	struct lb_irq *irq;
};

static void cache_deferred_put_cb(struct lb_rcu_head *head)
{
	struct cache_deferred_put *d = lb_container_of(head, struct cache_deferred_put, rcu);
	store_put(d->store, d->irq);
	lb_free(LB_MEM_CACHE, d, sizeof(*d));
}

void cache_put_rcu_safe(struct store *s, struct lb_irq *irq)
{
	if (cache_store_defers_free(s)) {
		/* Era B: a dying irq stays readable until a grace period after
		 * the store's final put, so readers' try-get is safe. */
		store_put(s, irq);
		return;
	}
	/* The store frees at once (era-A list): a reader that loaded irq
	 * before we unpublished it must be gone before the last put. */
	struct cache_deferred_put *d = lb_zalloc(LB_MEM_CACHE, sizeof(*d));
	if (d) {
		d->store = s;
		d->irq = irq;
		lb_call_rcu(&d->rcu, cache_deferred_put_cb);
		return;
	}
	lb_synchronize_rcu();
	store_put(s, irq);
}
