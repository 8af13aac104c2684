/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's lib/xarray.c behind struct xa_impl (kxa builds). The plain
 * writers get GFP_KERNEL (they may drop the lock to allocate, as the port's
 * do); the __xa_* ones under the lock GFP_NOWAIT (they allocate under it,
 * as the port's do).
 */
#include <linux/xarray.h>

#include "../xa_impl.h"

static void *k_create(void)
{
	struct xarray *xa = lb_zalloc(LB_MEM_OTHER, sizeof(*xa));
	if (xa)
		xa_init_flags(xa, XA_FLAGS_LOCK_IRQ);
	return xa;
}

static void k_destroy(void *xa)
{
	xa_destroy(xa);
	lb_lock_destroy(&((struct xarray *)xa)->xa_lock);
	lb_free(LB_MEM_OTHER, xa, sizeof(struct xarray));
}

static void *k_store(void *xa, unsigned long i, void *e)
{
	return xa_store(xa, i, e, GFP_KERNEL);
}

static void *k_erase(void *xa, unsigned long i)
{
	return xa_erase(xa, i);
}

static void *k_cmpxchg(void *xa, unsigned long i, void *old, void *e)
{
	return xa_cmpxchg(xa, i, old, e, GFP_KERNEL);
}

static int k_insert(void *xa, unsigned long i, void *e)
{
	return xa_insert(xa, i, e, GFP_KERNEL);
}

static int k_reserve(void *xa, unsigned long i)
{
	return xa_reserve(xa, i, GFP_KERNEL);
}

static void k_release(void *xa, unsigned long i)
{
	xa_release(xa, i);
}

static void *k_load(void *xa, unsigned long i)
{
	return xa_load(xa, i);
}

static void *k_find(void *xa, unsigned long *i, unsigned long max, unsigned int f)
{
	return xa_find(xa, i, max, f);
}

static void *k_find_after(void *xa, unsigned long *i, unsigned long max, unsigned int f)
{
	return xa_find_after(xa, i, max, f);
}

static void k_set_mark(void *xa, unsigned long i, unsigned int m)
{
	xa_set_mark(xa, i, m);
}

static void k_clear_mark(void *xa, unsigned long i, unsigned int m)
{
	xa_clear_mark(xa, i, m);
}

static bool k_get_mark(void *xa, unsigned long i, unsigned int m)
{
	return xa_get_mark(xa, i, m);
}

static bool k_marked(void *xa, unsigned int m)
{
	return xa_marked(xa, m);
}

static bool k_empty(void *xa)
{
	return xa_empty(xa);
}

static void k_lock(void *xa, bool irq)
{
	if (irq)
		xa_lock_irq((struct xarray *)xa);
	else
		xa_lock((struct xarray *)xa);
}

static void k_unlock(void *xa, bool irq)
{
	if (irq)
		xa_unlock_irq((struct xarray *)xa);
	else
		xa_unlock((struct xarray *)xa);
}

static void *k_store_locked(void *xa, unsigned long i, void *e)
{
	return __xa_store(xa, i, e, GFP_NOWAIT);
}

static void *k_erase_locked(void *xa, unsigned long i)
{
	return __xa_erase(xa, i);
}

static void *k_cmpxchg_locked(void *xa, unsigned long i, void *old, void *e)
{
	return __xa_cmpxchg(xa, i, old, e, GFP_NOWAIT);
}

static int k_insert_locked(void *xa, unsigned long i, void *e)
{
	return __xa_insert(xa, i, e, GFP_NOWAIT);
}

static void k_set_mark_locked(void *xa, unsigned long i, unsigned int m)
{
	__xa_set_mark(xa, i, m);
}

static void k_clear_mark_locked(void *xa, unsigned long i, unsigned int m)
{
	__xa_clear_mark(xa, i, m);
}

/* The advanced API's xas_load: a reservation reads as XA_ZERO_ENTRY. */
static void *k_load_raw(void *xa, unsigned long i)
{
	XA_STATE(xas, xa, i);
	void *entry;
	rcu_read_lock();
	do
		entry = xas_load(&xas);
	while (xa_is_retry(entry) && (xas_reset(&xas), true));
	rcu_read_unlock();
	return entry;
}

static unsigned long nodes_below(void *entry)
{
	if (!xa_is_node(entry))
		return 0;
	struct xa_node *node = xa_to_node(entry);
	unsigned long n = 1;
	if (node->shift)
		for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++)
			n += nodes_below(node->slots[i]);
	return n;
}

static unsigned long k_nodes(void *xa)
{
	return nodes_below(((struct xarray *)xa)->xa_head);
}

const struct xa_impl xa_impl_kernel = {
    .name = "kernel",
    .create = k_create,
    .destroy = k_destroy,
    .store = k_store,
    .erase = k_erase,
    .cmpxchg = k_cmpxchg,
    .insert = k_insert,
    .reserve = k_reserve,
    .release = k_release,
    .load = k_load,
    .find = k_find,
    .find_after = k_find_after,
    .set_mark = k_set_mark,
    .clear_mark = k_clear_mark,
    .get_mark = k_get_mark,
    .marked = k_marked,
    .empty = k_empty,
    .lock = k_lock,
    .unlock = k_unlock,
    .store_locked = k_store_locked,
    .erase_locked = k_erase_locked,
    .cmpxchg_locked = k_cmpxchg_locked,
    .insert_locked = k_insert_locked,
    .set_mark_locked = k_set_mark_locked,
    .clear_mark_locked = k_clear_mark_locked,
    .load_raw = k_load_raw,
    .nodes = k_nodes,
    .validate = NULL, /* the kernel checks itself only with XA_DEBUG */
};
