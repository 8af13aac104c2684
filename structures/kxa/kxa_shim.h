/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel environment lib/xarray.c is compiled against in a kxa build
 * (cmake/kxa.cmake force-includes this before every file that sees the
 * kernel's xarray). Written for lpibench from the kernel's documented
 * interfaces; no kernel file is copied. Only what lib/xarray.c and
 * include/linux/xarray.h use is defined, and each maps onto lpibench's own
 * layers, so a kxa run measures the kernel's xarray and nothing in between:
 *  - kmem_cache (the node cache) -> lb_zalloc/lb_free(LB_MEM_STORE):
 *    accounted per kind and subject to --fail-alloc fault injection, with
 *    no lock or shared counter of the shim's own;
 *  - call_rcu, rcu_read_lock, rcu_dereference, rcu_assign_pointer ->
 *    lpibench's RCU layer (liburcu-memb normally, the C11 checking flavour
 *    in TSan builds, so TSan sees every edge);
 *  - spinlock_t -> struct lb_lock (its kind is --lock's), the _irq/_bh
 *    variants being the same lock (there are no interrupts to mask); a
 *    holder is inside an RCU read section, as a kernel spinlock holder is
 *    (see below);
 *  - bit operations on the mark bitmaps -> relaxed atomics (readers test
 *    marks under RCU while the lock holder changes them, as in the kernel
 *    where they are plain word accesses).
 * The build renames every global symbol of lib/xarray.c (xa_load ->
 * kxa_xa_load, ...: kxa_rename.h, generated from the file itself) so
 * the kernel's xarray and lpibench's port (structures/xarray.c) link into
 * one program.
 */
#ifndef LB_KXA_SHIM_H
#define LB_KXA_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/sync.h"
#include "kxa_rename.h" /* generated in the build tree */

/* ---- Configuration: as the kernel builds it for KVM on arm64 ----------- */
#define XA_CHUNK_SHIFT	      6
#define CONFIG_XARRAY_MULTI   1 /* set in distribution configs (THP selects it) */
#define CONFIG_64BIT	      1
#define BITS_PER_LONG	      64
#define BITS_PER_BYTE	      8
#define IS_ENABLED(option)    0 /* every other CONFIG_ option is off */
#define IS_BUILTIN(option)    0
#define MAX_ERRNO	      4095
#define BITS_TO_LONGS(nr)     (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DIV_ROUND_UP(n, d)    (((n) + (d)-1) / (d))
#define ARRAY_SIZE(a)	      (sizeof(a) / sizeof((a)[0]))
#define BIT(nr)		      (1UL << (nr))
#define max(a, b)	      ((a) > (b) ? (a) : (b))
#define min(a, b)	      ((a) < (b) ? (a) : (b))
#define container_of(p, t, m) ((t *)((char *)(p)-offsetof(t, m)))

/* ---- Compiler annotations ---------------------------------------------- */
#define __rcu
#define __force
#define __bitwise
#define __must_check __attribute__((warn_unused_result))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define noinline	 __attribute__((noinline))
#define __maybe_unused	 __attribute__((unused))
#define fallthrough	 __attribute__((fallthrough))
#define likely(x)	 __builtin_expect(!!(x), 1)
#define unlikely(x)	 __builtin_expect(!!(x), 0)
#define READ_ONCE(x)	 __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int __bitwise gfp_t;

/* ---- Diagnostics: WARN counts and says so once; BUG aborts ---------------- */
extern unsigned long kxa_warnings;
void kxa_warn(const char *file, int line);
#define WARN_ON(c)                                                                                 \
	({                                                                                         \
		bool __w = !!(c);                                                                  \
		if (unlikely(__w))                                                                 \
			kxa_warn(__FILE__, __LINE__);                                              \
		unlikely(__w);                                                                     \
	})
#define WARN_ON_ONCE(c) WARN_ON(c)
#define BUG()		__builtin_trap()
#define BUG_ON(c)                                                                                  \
	do {                                                                                       \
		if (unlikely(c))                                                                   \
			BUG();                                                                     \
	} while (0)
#define VM_BUG_ON(c)                                                                               \
	do {                                                                                       \
	} while (0 && (c))
#define pr_cont(...) printf(__VA_ARGS__)
#define pr_info(...) printf(__VA_ARGS__)

/* ---- Allocation flags: only "may this block" matters here ------------- */
#define __GFP_DIRECT_RECLAIM 0x400u
#define __GFP_NOWARN	     0x2000u
#define __GFP_ACCOUNT	     0x400000u
#define __GFP_BITS_SHIFT     26
#define GFP_KERNEL	     (__GFP_DIRECT_RECLAIM | 0x03u)
#define GFP_NOWAIT	     0x800u
#define GFP_ATOMIC	     0x820u
static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}
#define might_alloc(gfp) ((void)(gfp))

/* ---- Lists (only the type is used by struct xa_node) -------------------- */
struct list_head {
	struct list_head *next, *prev;
};
struct list_lru;

/* ---- RCU: lpibench's layer. Its head is 16 bytes, as the kernel's ---------- */
#define rcu_head	   lb_rcu_head
#define rcu_read_lock()	   lb_rcu_read_lock()
#define rcu_read_unlock()  lb_rcu_read_unlock()
#define call_rcu(head, fn) lb_call_rcu((head), (fn))
#undef rcu_dereference
#undef rcu_assign_pointer
#define rcu_dereference(p)		lb_rcu_dereference(p)
#define rcu_dereference_raw(p)		lb_rcu_dereference(p)
#define rcu_dereference_check(p, c)	((void)sizeof(c), lb_rcu_dereference(p))
#define rcu_dereference_protected(p, c) ((void)sizeof(c), READ_ONCE(p))
#define rcu_assign_pointer(p, v)	lb_rcu_assign_pointer((p), (v))
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE((p), (v))

/* ---- Spinlocks: lpibench's locks, IRQ and BH variants alike ---------------
 * A holder is also inside an RCU read section, as in the kernel, where a
 * spinlock holder cannot be preempted and so holds off every grace period.
 * lib/xarray.c relies on that: xas_delete_node queues a node's free
 * (call_rcu) before it unlinks the node from its parent. Without the read
 * section a grace period could end in between and free a node readers can
 * still reach (ASan caught exactly that in tests/test_stress.c).
 */
typedef struct lb_lock spinlock_t;
static inline void kxa_spin_lock(spinlock_t *l)
{
	lb_lock(l);
	lb_rcu_read_lock();
}

static inline void kxa_spin_unlock(spinlock_t *l)
{
	lb_rcu_read_unlock();
	lb_unlock(l);
}

static inline bool kxa_spin_trylock(spinlock_t *l)
{
	if (!lb_trylock(l))
		return false;
	lb_rcu_read_lock();
	return true;
}
#define spin_lock_init(l)		  lb_lock_init(l)
#define spin_lock(l)			  kxa_spin_lock(l)
#define spin_unlock(l)			  kxa_spin_unlock(l)
#define spin_trylock(l)			  kxa_spin_trylock(l)
#define spin_lock_irq(l)		  kxa_spin_lock(l)
#define spin_unlock_irq(l)		  kxa_spin_unlock(l)
#define spin_lock_bh(l)			  kxa_spin_lock(l)
#define spin_unlock_bh(l)		  kxa_spin_unlock(l)
#define spin_lock_irqsave(l, f)		  ((f) = 0, kxa_spin_lock(l))
#define spin_unlock_irqrestore(l, f)	  ((void)(f), kxa_spin_unlock(l))
#define spin_lock_nested(l, s)		  kxa_spin_lock(l)
#define spin_lock_irqsave_nested(l, f, s) ((f) = 0, kxa_spin_lock(l))
#define lockdep_is_held(l)		  ((void)(l), 1)
#define lockdep_assert_held(l)		  ((void)0)

/* ---- Bit operations on the mark bitmaps ----------------------------------- */
static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (__atomic_load_n(&addr[nr / BITS_PER_LONG], __ATOMIC_RELAXED) >>
		(nr % BITS_PER_LONG)) &
	       1UL;
}

/* Non-atomic read-modify-write (the caller holds the xa_lock), made of
 * atomic accesses so concurrent readers do not race with it. */
static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	unsigned long *w = &addr[nr / BITS_PER_LONG];
	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) | BIT(nr % BITS_PER_LONG),
			 __ATOMIC_RELAXED);
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	unsigned long *w = &addr[nr / BITS_PER_LONG];
	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) & ~BIT(nr % BITS_PER_LONG),
			 __ATOMIC_RELAXED);
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	bool was = test_bit(nr, addr);
	__set_bit(nr, addr);
	return was;
}

static inline bool __test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	bool was = test_bit(nr, addr);
	__clear_bit(nr, addr);
	return was;
}

static inline unsigned long __ffs(unsigned long word)
{
	return (unsigned long)__builtin_ctzl(word);
}

/* First set bit at or after offset in a bitmap of size bits, or size. */
static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	while (offset < size) {
		unsigned long w = __atomic_load_n(&addr[offset / BITS_PER_LONG], __ATOMIC_RELAXED);
		w &= ~0UL << (offset % BITS_PER_LONG);
		if (w) {
			unsigned long bit = (offset & ~(unsigned long)(BITS_PER_LONG - 1)) +
					    (unsigned long)__builtin_ctzl(w);
			return bit < size ? bit : size;
		}
		offset = (offset | (BITS_PER_LONG - 1)) + 1;
	}
	return size;
}

static inline unsigned long find_first_bit(const unsigned long *addr, unsigned long size)
{
	return find_next_bit(addr, size, 0);
}

static inline bool bitmap_empty(const unsigned long *addr, unsigned int bits)
{
	return find_first_bit(addr, bits) >= bits;
}

static inline void bitmap_fill(unsigned long *addr, unsigned int bits)
{
	for (unsigned int i = 0; i < BITS_TO_LONGS(bits); i++)
		__atomic_store_n(&addr[i], ~0UL, __ATOMIC_RELAXED);
	if (bits % BITS_PER_LONG)
		__atomic_store_n(&addr[bits / BITS_PER_LONG],
				 ~0UL >> (BITS_PER_LONG - bits % BITS_PER_LONG), __ATOMIC_RELAXED);
}

static inline void bitmap_zero(unsigned long *addr, unsigned int bits)
{
	for (unsigned int i = 0; i < BITS_TO_LONGS(bits); i++)
		__atomic_store_n(&addr[i], 0UL, __ATOMIC_RELAXED);
}

static inline void bitmap_clear(unsigned long *addr, unsigned int start, unsigned int nbits)
{
	for (unsigned int i = start; i < start + nbits; i++)
		__clear_bit(i, addr);
}

static inline void bitmap_set(unsigned long *addr, unsigned int start, unsigned int nbits)
{
	for (unsigned int i = start; i < start + nbits; i++)
		__set_bit(i, addr);
}

/* ---- The node cache: lpibench's allocator ------------------------------------ */
struct kmem_cache {
	size_t size;
};
void *kxa_cache_alloc(struct kmem_cache *c, gfp_t gfp);
void kxa_cache_free(struct kmem_cache *c, void *p);
#define kmem_cache_alloc(c, gfp)	  kxa_cache_alloc((c), (gfp))
#define kmem_cache_alloc_lru(c, lru, gfp) ((void)(lru), kxa_cache_alloc((c), (gfp)))
#define kmem_cache_free(c, p)		  kxa_cache_free((c), (p))

#endif
