/* SPDX-License-Identifier: BSD-2-Clause */
/* The port (structures/xarray.c) behind struct xa_impl. */
#include "xa_impl.h"

#include "../core/alloc.h"
#include "xarray.h"

static void *p_create(void)
{
	struct xarray *xa = lb_zalloc(LB_MEM_OTHER, sizeof(*xa));
	if (xa)
		xa_init(xa);
	return xa;
}

static void p_destroy(void *xa)
{
	xa_fini(xa);
	lb_free(LB_MEM_OTHER, xa, sizeof(struct xarray));
}

static void *p_store(void *xa, unsigned long i, void *e)
{
	return xa_store(xa, i, e);
}

static void *p_erase(void *xa, unsigned long i)
{
	return xa_erase(xa, i);
}

static void *p_cmpxchg(void *xa, unsigned long i, void *old, void *e)
{
	return xa_cmpxchg(xa, i, old, e);
}

static int p_insert(void *xa, unsigned long i, void *e)
{
	return xa_insert(xa, i, e);
}

static int p_reserve(void *xa, unsigned long i)
{
	return xa_reserve(xa, i);
}

static void p_release(void *xa, unsigned long i)
{
	xa_release(xa, i);
}

static void *p_load(void *xa, unsigned long i)
{
	return xa_load(xa, i);
}

static void *p_find(void *xa, unsigned long *i, unsigned long max, unsigned int f)
{
	return xa_find(xa, i, max, f);
}

static void *p_find_after(void *xa, unsigned long *i, unsigned long max, unsigned int f)
{
	return xa_find_after(xa, i, max, f);
}

static void p_set_mark(void *xa, unsigned long i, unsigned int m)
{
	xa_set_mark(xa, i, m);
}

static void p_clear_mark(void *xa, unsigned long i, unsigned int m)
{
	xa_clear_mark(xa, i, m);
}

static bool p_get_mark(void *xa, unsigned long i, unsigned int m)
{
	return xa_get_mark(xa, i, m);
}

static bool p_marked(void *xa, unsigned int m)
{
	return xa_marked(xa, m);
}

static bool p_empty(void *xa)
{
	return xa_empty(xa);
}

static void p_lock(void *xa, bool irq)
{
	if (irq)
		xa_lock_irq((struct xarray *)xa);
	else
		xa_lock(xa);
}

static void p_unlock(void *xa, bool irq)
{
	if (irq)
		xa_unlock_irq((struct xarray *)xa);
	else
		xa_unlock(xa);
}

static void *p_store_locked(void *xa, unsigned long i, void *e)
{
	return __xa_store(xa, i, e);
}

static void *p_erase_locked(void *xa, unsigned long i)
{
	return __xa_erase(xa, i);
}

static void *p_cmpxchg_locked(void *xa, unsigned long i, void *old, void *e)
{
	return __xa_cmpxchg(xa, i, old, e);
}

static int p_insert_locked(void *xa, unsigned long i, void *e)
{
	return __xa_insert(xa, i, e);
}

static void p_set_mark_locked(void *xa, unsigned long i, unsigned int m)
{
	__xa_set_mark(xa, i, m);
}

static void p_clear_mark_locked(void *xa, unsigned long i, unsigned int m)
{
	__xa_clear_mark(xa, i, m);
}

static void *p_load_raw(void *xa, unsigned long i)
{
	return xa_load_raw(xa, i);
}

static unsigned long p_nodes(void *xa)
{
	return xa_nr_nodes(xa);
}

static const char *p_validate(void *xa)
{
	return xa_validate(xa);
}

const struct xa_impl xa_impl_port = {
    .name = "port",
    .create = p_create,
    .destroy = p_destroy,
    .store = p_store,
    .erase = p_erase,
    .cmpxchg = p_cmpxchg,
    .insert = p_insert,
    .reserve = p_reserve,
    .release = p_release,
    .load = p_load,
    .find = p_find,
    .find_after = p_find_after,
    .set_mark = p_set_mark,
    .clear_mark = p_clear_mark,
    .get_mark = p_get_mark,
    .marked = p_marked,
    .empty = p_empty,
    .lock = p_lock,
    .unlock = p_unlock,
    .store_locked = p_store_locked,
    .erase_locked = p_erase_locked,
    .cmpxchg_locked = p_cmpxchg_locked,
    .insert_locked = p_insert_locked,
    .set_mark_locked = p_set_mark_locked,
    .clear_mark_locked = p_clear_mark_locked,
    .load_raw = p_load_raw,
    .nodes = p_nodes,
    .validate = p_validate,
};
