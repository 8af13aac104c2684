/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocation for structures and the model: jemalloc (mallocx/dallocx) by
 * default, glibc with --alloc=libc. Every allocation names what it is for,
 * so each kind is accounted exactly (allocations, frees, live bytes) and
 * can be made to fail (--fail-alloc) to test -ENOMEM handling.
 *
 * Context: any thread, including RCU callback threads. Accounting uses
 * relaxed atomics; allocation is already a slow path.
 */
#ifndef LB_ALLOC_H
#define LB_ALLOC_H

#include <stddef.h>
#include <stdint.h>

enum lb_mem_kind {
	LB_MEM_IRQ,   /* struct lb_irq objects */
	LB_MEM_STORE, /* LPI-store structure: nodes, tables, buckets */
	LB_MEM_CACHE, /* translation-cache entries and indexes */
	LB_MEM_ITS,   /* ITS model tables: devices, ITTs, ITEs, collections */
	LB_MEM_OTHER,
	LB_MEM_NR
};

enum lb_allocator { LB_ALLOC_JEMALLOC, LB_ALLOC_LIBC };

/* Set once before any allocation. */
extern enum lb_allocator lb_allocator;
const char *lb_allocator_name(enum lb_allocator a);
int lb_allocator_parse(const char *s, enum lb_allocator *out);

/* Returns NULL on failure (real or injected); zero-filled. */
void *lb_zalloc(enum lb_mem_kind kind, size_t size);
/* Aligned to align (a power of two, at most 4096), for structs laid out
 * by line pairs; size a multiple of align (as a struct declared aligned
 * is); freed with lb_free like the others. */
void *lb_zalloc_aligned(enum lb_mem_kind kind, size_t size, size_t align);
/* size must be the size passed to lb_zalloc. NULL is ignored. */
void lb_free(enum lb_mem_kind kind, void *p, size_t size);

/* Bytes the allocator in use really reserves for an allocation of size:
 * its size class (jemalloc: nallocx; glibc: the chunk's usable size, size
 * plus its 8-byte header rounded up to 16, less the header; sanitizer
 * builds: size). Context: any. */
size_t lb_alloc_usable(size_t size);

struct lb_mem_stats {
	uint64_t allocs, frees, live_bytes, failed;
};
void lb_mem_stats(enum lb_mem_kind kind, struct lb_mem_stats *out);
uint64_t lb_mem_live_objects(enum lb_mem_kind kind);
/* Allocations that failed so far, of every kind (injected or real). */
uint64_t lb_mem_failed_total(void);
const char *lb_mem_kind_name(enum lb_mem_kind kind);

/* Fault injection: fail the nth allocation from now (1-based; 0 = off), or
 * fail with probability pct/100 (0 = off). Counting starts at the call. */
void lb_alloc_fail_nth(uint64_t nth);
void lb_alloc_fail_percent(double pct, uint64_t seed);
/* Number of allocations attempted since the last lb_alloc_fail_* call. */
uint64_t lb_alloc_attempts(void);

#endif
