/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One xarray implementation behind function pointers, so the port
 * (structures/xarray.c: xa_impl_port) and the kernel's lib/xarray.c (kxa
 * builds: xa_impl_kernel, structures/kxa/kxa_impl.c) can be driven in
 * lockstep by the differential tests (tests/xa_diff.h) although their
 * headers cannot meet in one file. The normal API only, plus what a test
 * needs to see the whole contents: the raw slot (reservations visible) and
 * the node count. Entries are passed as they are: both encode XA_ZERO_ENTRY,
 * value entries and errors alike (internal 257, (v << 1) | 1, -errno << 2 | 2).
 * Context: registered RCU threads; the *_locked calls between lock and
 * unlock (which the locked variants never drop; they may allocate under it).
 */
#ifndef LB_XA_IMPL_H
#define LB_XA_IMPL_H

#include <stdbool.h>

struct xa_impl {
	const char *name;
	void *(*create)(void);
	void (*destroy)(void *xa); /* frees the array; entries are values */
	void *(*store)(void *xa, unsigned long index, void *entry);
	void *(*erase)(void *xa, unsigned long index);
	void *(*cmpxchg)(void *xa, unsigned long index, void *old, void *entry);
	int (*insert)(void *xa, unsigned long index, void *entry);
	int (*reserve)(void *xa, unsigned long index);
	void (*release)(void *xa, unsigned long index);
	void *(*load)(void *xa, unsigned long index);
	void *(*find)(void *xa, unsigned long *index, unsigned long max, unsigned int filter);
	void *(*find_after)(void *xa, unsigned long *index, unsigned long max, unsigned int filter);
	void (*set_mark)(void *xa, unsigned long index, unsigned int mark);
	void (*clear_mark)(void *xa, unsigned long index, unsigned int mark);
	bool (*get_mark)(void *xa, unsigned long index, unsigned int mark);
	bool (*marked)(void *xa, unsigned int mark);
	bool (*empty)(void *xa);
	/* xa_lock / xa_lock_irq and the __xa_* calls made under it. */
	void (*lock)(void *xa, bool irq);
	void (*unlock)(void *xa, bool irq);
	void *(*store_locked)(void *xa, unsigned long index, void *entry);
	void *(*erase_locked)(void *xa, unsigned long index);
	void *(*cmpxchg_locked)(void *xa, unsigned long index, void *old, void *entry);
	int (*insert_locked)(void *xa, unsigned long index, void *entry);
	void (*set_mark_locked)(void *xa, unsigned long index, unsigned int mark);
	void (*clear_mark_locked)(void *xa, unsigned long index, unsigned int mark);
	/* For comparing contents: the slot as stored (XA_ZERO_ENTRY for a
	 * reservation), nodes in the tree, and a structural check (NULL: ok,
	 * or no check available). Context: no concurrent writer. */
	void *(*load_raw)(void *xa, unsigned long index);
	unsigned long (*nodes)(void *xa);
	const char *(*validate)(void *xa);
};

extern const struct xa_impl xa_impl_port;
#ifdef LB_HAVE_KXA
extern const struct xa_impl xa_impl_kernel;
#endif

#endif
