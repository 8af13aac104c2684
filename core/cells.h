/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread accounting cells: counters kept only to be reported
 * (allocations, live bytes, deferred frees, entries of a store) must not
 * put a shared cache line on the path they count. Each thread writes its
 * own block of cells (plain load + store, no read-modify-write); the
 * reporting side sums every block by itself, so it works at a window's
 * start and end and after a stall, when stuck threads never exit. Blocks
 * outlive their threads (a later thread adopts a retired block and keeps
 * adding to it), so sums stay exact.
 *
 * Blocks are LB_CELL_LINE-aligned and sized: adjacent-line prefetchers move
 * 64-byte lines in pairs, so two blocks never share a 128-byte pair.
 *
 * Cell ids: the fixed ones below, and ranges taken at run time by an
 * object that counts per instance (lb_cells_get / lb_cells_put).
 *
 * The shared-write check (lb_cells_check_start): while on, every cell write
 * and every lb_cells_note() records which thread wrote which 128-byte line;
 * lb_cells_check_shared() returns the lines written by more than one thread.
 * Context: any thread. Not async-signal-safe.
 */
#ifndef LB_CELLS_H
#define LB_CELLS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define LB_CELL_LINE 128

enum {
	LB_CELL_MEM_BASE = 0, /* 4 per lb_mem_kind: see alloc.c */
	LB_CELL_RCU_BASE = 32,
	LB_CELL_DYN_BASE = 40,
	LB_CELLS = 128
};

struct lb_cell_block {
	_Atomic int64_t v[LB_CELLS];
	struct lb_cell_block *next; /* registry list, never unlinked */
	atomic_ulong owner;	    /* thread id of the writer; 0 = retired */
} __attribute__((aligned(LB_CELL_LINE)));
_Static_assert(sizeof(struct lb_cell_block) % LB_CELL_LINE == 0, "blocks pad to a line pair");

extern _Thread_local struct lb_cell_block *lb_cells_mine;
extern atomic_bool lb_cells_checking;

struct lb_cell_block *lb_cells_attach(void);
void lb_cells_note(const void *addr);

/* Only the calling thread writes its block, so no read-modify-write. */
static inline void lb_cell_add(unsigned id, int64_t d)
{
	struct lb_cell_block *b = lb_cells_mine;
	if (__builtin_expect(!b, 0))
		b = lb_cells_attach();
	atomic_store_explicit(&b->v[id], atomic_load_explicit(&b->v[id], memory_order_relaxed) + d,
			      memory_order_relaxed);
	if (__builtin_expect(atomic_load_explicit(&lb_cells_checking, memory_order_relaxed), 0))
		lb_cells_note(&b->v[id]);
}

/* Sum of one cell over every thread, living, stuck or gone. */
int64_t lb_cell_sum(unsigned id);

/* n consecutive cells, zeroed in every block; -1 when none are left. */
int lb_cells_get(unsigned n);
void lb_cells_put(int base, unsigned n);

/* The shared-write check. */
void lb_cells_check_start(void);
/* Stops recording; returns the lines written by more than one thread. */
unsigned lb_cells_check_stop(void);

#endif
