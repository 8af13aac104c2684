/* SPDX-License-Identifier: BSD-2-Clause */
#include "alloc.h"

#include "cells.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline void *zero(void *p, size_t size)
{
	return p ? memset(p, 0, size) : NULL;
}

#ifdef LB_SANITIZE
/* Sanitizer builds: plain malloc, which ASan/TSan intercept; jemalloc would
 * hide every heap error from them. */
#define jemalloc_zalloc(size)		     calloc(1, (size))
#define jemalloc_zalloc_aligned(size, align) zero(aligned_alloc((align), (size)), (size))
#define libc_zalloc_aligned(size, align)     zero(aligned_alloc((align), (size)), (size))
#define jemalloc_free(p)		     free(p)
#define libc_zalloc(size)		     calloc(1, (size))
#define libc_free(p)			     free(p)
#else
#include <jemalloc/jemalloc.h>
/* glibc's own entry points stay callable beside jemalloc's, which replaces
 * malloc itself: that is how --alloc=libc reaches glibc. */
extern void *__libc_calloc(size_t n, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);
#define jemalloc_zalloc(size)		     mallocx((size), MALLOCX_ZERO)
#define jemalloc_zalloc_aligned(size, align) mallocx((size), MALLOCX_ZERO | MALLOCX_ALIGN(align))
#define libc_zalloc_aligned(size, align)     zero(__libc_memalign((align), (size)), (size))
#define jemalloc_free(p)		     dallocx((p), 0)
#define libc_zalloc(size)		     __libc_calloc(1, (size))
#define libc_free(p)			     __libc_free(p)
#endif

enum lb_allocator lb_allocator = LB_ALLOC_JEMALLOC;

/* Accounting goes to per-thread cells (cells.h): frees run on RCU callback
 * threads too, and a shared counter here would be the one line every
 * allocating thread writes. */
enum { MEM_ALLOCS, MEM_FREES, MEM_LIVE_BYTES, MEM_FAILED, MEM_CELLS };
_Static_assert(LB_CELL_MEM_BASE + LB_MEM_NR * MEM_CELLS <= LB_CELL_RCU_BASE, "cells overlap");
#define MEM_CELL(kind, which) (LB_CELL_MEM_BASE + (unsigned)(kind)*MEM_CELLS + (which))

static atomic_ulong attempts;
static atomic_ulong fail_nth;	  /* 0 = off */
static atomic_ulong fail_pct_ppm; /* parts per million, 0 = off */
static atomic_ulong fail_rng;

static const char *const kind_names[LB_MEM_NR] = {
    [LB_MEM_IRQ] = "irq", [LB_MEM_STORE] = "store", [LB_MEM_CACHE] = "cache",
    [LB_MEM_ITS] = "its", [LB_MEM_OTHER] = "other",
};

const char *lb_mem_kind_name(enum lb_mem_kind kind)
{
	return kind < LB_MEM_NR ? kind_names[kind] : "?";
}

const char *lb_allocator_name(enum lb_allocator a)
{
#ifdef LB_SANITIZE
	(void)a;
	return "libc (sanitizer build)";
#else
	return a == LB_ALLOC_LIBC ? "libc" : "jemalloc";
#endif
}

int lb_allocator_parse(const char *s, enum lb_allocator *out)
{
	if (strcmp(s, "jemalloc") == 0)
		*out = LB_ALLOC_JEMALLOC;
	else if (strcmp(s, "libc") == 0)
		*out = LB_ALLOC_LIBC;
	else
		return -1;
	return 0;
}

void lb_alloc_fail_nth(uint64_t nth)
{
	atomic_store(&attempts, 0);
	atomic_store(&fail_pct_ppm, 0);
	atomic_store(&fail_nth, nth);
}

void lb_alloc_fail_percent(double pct, uint64_t seed)
{
	atomic_store(&attempts, 0);
	atomic_store(&fail_nth, 0);
	atomic_store(&fail_rng, seed | 1);
	atomic_store(&fail_pct_ppm, (unsigned long)(pct * 10000.0));
}

uint64_t lb_alloc_attempts(void)
{
	return atomic_load(&attempts);
}

static bool inject_failure(void)
{
	unsigned long nth = atomic_load_explicit(&fail_nth, memory_order_relaxed);
	unsigned long ppm = atomic_load_explicit(&fail_pct_ppm, memory_order_relaxed);
	if (!nth && !ppm)
		return false;
	unsigned long n = atomic_fetch_add_explicit(&attempts, 1, memory_order_relaxed) + 1;
	if (nth)
		return n == nth;
	/* splitmix-style step on a shared state: this is a test path only */
	unsigned long x =
	    atomic_fetch_add_explicit(&fail_rng, 0x9e3779b97f4a7c15ul, memory_order_relaxed);
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ul;
	x ^= x >> 27;
	return (x % 1000000ul) < ppm;
}

void *lb_zalloc(enum lb_mem_kind kind, size_t size)
{
	void *p = NULL;
	if (!inject_failure()) {
		if (lb_allocator == LB_ALLOC_LIBC)
			p = libc_zalloc(size);
		else
			p = jemalloc_zalloc(size);
	}
	if (!p) {
		lb_cell_add(MEM_CELL(kind, MEM_FAILED), 1);
		return NULL;
	}
	lb_cell_add(MEM_CELL(kind, MEM_ALLOCS), 1);
	lb_cell_add(MEM_CELL(kind, MEM_LIVE_BYTES), (int64_t)size);
	return p;
}

void *lb_zalloc_aligned(enum lb_mem_kind kind, size_t size, size_t align)
{
	void *p = NULL;
	if (!inject_failure()) {
		if (lb_allocator == LB_ALLOC_LIBC)
			p = libc_zalloc_aligned(size, align);
		else
			p = jemalloc_zalloc_aligned(size, align);
	}
	if (!p) {
		lb_cell_add(MEM_CELL(kind, MEM_FAILED), 1);
		return NULL;
	}
	lb_cell_add(MEM_CELL(kind, MEM_ALLOCS), 1);
	lb_cell_add(MEM_CELL(kind, MEM_LIVE_BYTES), (int64_t)size);
	return p;
}

void lb_free(enum lb_mem_kind kind, void *p, size_t size)
{
	if (!p)
		return;
	lb_cell_add(MEM_CELL(kind, MEM_FREES), 1);
	lb_cell_add(MEM_CELL(kind, MEM_LIVE_BYTES), -(int64_t)size);
	if (lb_allocator == LB_ALLOC_LIBC)
		libc_free(p);
	else
		jemalloc_free(p);
}

size_t lb_alloc_usable(size_t size)
{
#ifdef LB_SANITIZE
	return size;
#else
	if (lb_allocator == LB_ALLOC_JEMALLOC)
		return nallocx(size ? size : 1, 0);
	size_t chunk = (size + 8 + 15) & ~(size_t)15;
	return (chunk < 32 ? 32 : chunk) - 8;
#endif
}

void lb_mem_stats(enum lb_mem_kind kind, struct lb_mem_stats *out)
{
	out->allocs = (uint64_t)lb_cell_sum(MEM_CELL(kind, MEM_ALLOCS));
	out->frees = (uint64_t)lb_cell_sum(MEM_CELL(kind, MEM_FREES));
	out->live_bytes = (uint64_t)lb_cell_sum(MEM_CELL(kind, MEM_LIVE_BYTES));
	out->failed = (uint64_t)lb_cell_sum(MEM_CELL(kind, MEM_FAILED));
}

uint64_t lb_mem_failed_total(void)
{
	uint64_t n = 0;
	for (int k = 0; k < LB_MEM_NR; k++)
		n += (uint64_t)lb_cell_sum(MEM_CELL(k, MEM_FAILED));
	return n;
}

uint64_t lb_mem_live_objects(enum lb_mem_kind kind)
{
	return (uint64_t)(lb_cell_sum(MEM_CELL(kind, MEM_ALLOCS)) -
			  lb_cell_sum(MEM_CELL(kind, MEM_FREES)));
}
