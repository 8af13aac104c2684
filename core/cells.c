/* SPDX-License-Identifier: BSD-2-Clause */
#include "cells.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

_Thread_local struct lb_cell_block *lb_cells_mine;
atomic_bool lb_cells_checking;

static _Atomic(struct lb_cell_block *) blocks;
static pthread_mutex_t dyn_lock = PTHREAD_MUTEX_INITIALIZER;
static bool dyn_used[LB_CELLS]; /* under dyn_lock */
static pthread_key_t retire_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static unsigned long my_tid(void)
{
	static _Thread_local unsigned long tid;
	if (!tid)
		tid = (unsigned long)syscall(SYS_gettid);
	return tid;
}

/* At thread exit the block is retired, values kept, for a later thread. */
static void retire(void *p)
{
	struct lb_cell_block *b = p;
	atomic_store_explicit(&b->owner, 0, memory_order_release);
}

static void make_key(void)
{
	if (pthread_key_create(&retire_key, retire) != 0)
		abort();
}

struct lb_cell_block *lb_cells_attach(void)
{
	pthread_once(&key_once, make_key);
	unsigned long me = my_tid();
	struct lb_cell_block *b;
	for (b = atomic_load_explicit(&blocks, memory_order_acquire); b; b = b->next) {
		unsigned long free_owner = 0;
		if (atomic_load_explicit(&b->owner, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong_explicit(
			&b->owner, &free_owner, me, memory_order_acquire, memory_order_relaxed))
			break;
	}
	if (!b) {
		b = aligned_alloc(LB_CELL_LINE, sizeof(*b));
		if (!b)
			abort();
		memset(b, 0, sizeof(*b));
		atomic_store_explicit(&b->owner, me, memory_order_relaxed);
		struct lb_cell_block *head = atomic_load_explicit(&blocks, memory_order_relaxed);
		do
			b->next = head;
		while (!atomic_compare_exchange_weak_explicit(
		    &blocks, &head, b, memory_order_release, memory_order_relaxed));
	}
	pthread_setspecific(retire_key, b);
	lb_cells_mine = b;
	return b;
}

int64_t lb_cell_sum(unsigned id)
{
	int64_t s = 0;
	for (struct lb_cell_block *b = atomic_load_explicit(&blocks, memory_order_acquire); b;
	     b = b->next)
		s += atomic_load_explicit(&b->v[id], memory_order_relaxed);
	return s;
}

int lb_cells_get(unsigned n)
{
	int base = -1;
	pthread_mutex_lock(&dyn_lock);
	for (unsigned i = LB_CELL_DYN_BASE; i + n <= LB_CELLS && base < 0; i++) {
		unsigned k = 0;
		while (k < n && !dyn_used[i + k])
			k++;
		if (k == n)
			base = (int)i;
	}
	if (base >= 0) {
		for (unsigned k = 0; k < n; k++)
			dyn_used[base + k] = true;
		/* Nobody writes these cells until the caller publishes them. */
		for (struct lb_cell_block *b = atomic_load_explicit(&blocks, memory_order_acquire);
		     b; b = b->next)
			for (unsigned k = 0; k < n; k++)
				atomic_store_explicit(&b->v[base + k], 0, memory_order_relaxed);
	}
	pthread_mutex_unlock(&dyn_lock);
	return base;
}

void lb_cells_put(int base, unsigned n)
{
	if (base < 0)
		return;
	pthread_mutex_lock(&dyn_lock);
	for (unsigned k = 0; k < n; k++)
		dyn_used[base + k] = false;
	pthread_mutex_unlock(&dyn_lock);
}

/* ---- the shared-write check: 128-byte line -> first writer, or many ---- */
#define NOTE_SLOTS 8192
#define NOTE_MANY  (~0ul)
static struct {
	atomic_ulong line; /* line number + 1; 0 = empty */
	atomic_ulong writer;
} notes[NOTE_SLOTS];

void lb_cells_note(const void *addr)
{
	unsigned long line = ((uintptr_t)addr / LB_CELL_LINE) + 1, me = my_tid();
	unsigned long h = (line * 0x9e3779b97f4a7c15ul) >> 51; /* 13 bits */
	for (unsigned probe = 0; probe < NOTE_SLOTS; probe++, h = (h + 1) % NOTE_SLOTS) {
		unsigned long cur = atomic_load_explicit(&notes[h].line, memory_order_acquire);
		if (cur == 0) {
			unsigned long want = 0;
			if (atomic_compare_exchange_strong(&notes[h].line, &want, line)) {
				unsigned long none = 0;
				if (!atomic_compare_exchange_strong(&notes[h].writer, &none, me) &&
				    none != me)
					atomic_store(&notes[h].writer, NOTE_MANY);
				return;
			}
			cur = want;
		}
		if (cur != line)
			continue;
		unsigned long w = atomic_load_explicit(&notes[h].writer, memory_order_relaxed);
		if (w == me || w == NOTE_MANY)
			return;
		if (w == 0) {
			unsigned long none = 0;
			if (atomic_compare_exchange_strong(&notes[h].writer, &none, me) ||
			    none == me)
				return;
		}
		atomic_store(&notes[h].writer, NOTE_MANY);
		return;
	}
}

void lb_cells_check_start(void)
{
	for (unsigned i = 0; i < NOTE_SLOTS; i++) {
		atomic_store(&notes[i].line, 0);
		atomic_store(&notes[i].writer, 0);
	}
	atomic_store(&lb_cells_checking, true);
}

unsigned lb_cells_check_stop(void)
{
	atomic_store(&lb_cells_checking, false);
	unsigned shared = 0;
	for (unsigned i = 0; i < NOTE_SLOTS; i++)
		if (atomic_load(&notes[i].line) && atomic_load(&notes[i].writer) == NOTE_MANY)
			shared++;
	return shared;
}
