/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What kxa_shim.h declares and lib/xarray.c links against: the node cache
 * (lpibench's allocator, LB_MEM_STORE) and its RCU free, and WARN.
 */
#include <linux/xarray.h>

#include "radix-tree.h"

unsigned long kxa_warnings;

void kxa_warn(const char *file, int line)
{
	if (__atomic_fetch_add(&kxa_warnings, 1, __ATOMIC_RELAXED) == 0)
		fprintf(stderr, "lpibench: kernel xarray WARN at %s:%d (reported once)\n", file,
			line);
}

static struct kmem_cache node_cache = {.size = sizeof(struct xa_node)};
struct kmem_cache *radix_tree_node_cachep = &node_cache;

/* Zeroed, as the kernel's node cache constructor leaves a node. */
void *kxa_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	(void)gfp; /* nothing here sleeps; --fail-alloc decides failures */
	return lb_zalloc(LB_MEM_STORE, c->size);
}

void kxa_cache_free(struct kmem_cache *c, void *p)
{
	lb_free(LB_MEM_STORE, p, c->size);
}

/* The callback lib/xarray.c hands to call_rcu for unlinked nodes (and
 * calls directly for preallocated nodes it never used). */
void radix_tree_node_rcu_free(struct rcu_head *head)
{
	kxa_cache_free(radix_tree_node_cachep, container_of(head, struct xa_node, rcu_head));
}
