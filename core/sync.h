/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one layer through which every structure and workload synchronises:
 * locks, reference counts, published pointers and RCU.
 *
 * Why a layer: ThreadSanitizer only sees synchronisation it understands
 * (C11 atomics, pthreads, instrumented code). ck's locks are inline assembly
 * and liburcu's grace periods use membarrier, so under TSan they produce
 * false reports. Normal builds map this layer to the real things (ck
 * spinlocks, liburcu-memb, C11 atomics with the kernel's orderings); builds
 * with LB_TSAN map locks to C11 atomics and RCU to a C11-atomic RCU of our
 * own (core/rcu_check.c), so every report TSan makes is a real one.
 *
 * Orderings follow the kernel:
 *   refcount_inc_not_zero (try-get) ... acquire on success
 *   refcount_dec_and_test (put)     ... release, then acquire at zero
 *   rcu_assign_pointer / rcu_dereference ... release / acquire (consume)
 */
#ifndef LB_SYNC_H
#define LB_SYNC_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

#ifndef LB_TSAN
#include <ck_pr.h>
#include <ck_rwlock.h>
#include <ck_spinlock.h>
/* Inline liburcu's read side, as the kernel's rcu_read_lock is inline. */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>
#endif

#define lb_likely(x)	     __builtin_expect(!!(x), 1)
#define lb_unlikely(x)	     __builtin_expect(!!(x), 0)
#define LB_CACHELINE	     64
#define lb_cacheline_aligned __attribute__((aligned(LB_CACHELINE)))
/* Adjacent-line prefetchers (x86, many arm64 cores) move 64-byte lines in
 * pairs: per-thread and per-vCPU structs, and writer-hot fields beside
 * read-mostly ones, must be a whole pair apart. */
#define LB_LINE_PAIR	0x80
#define lb_pair_aligned __attribute__((aligned(LB_LINE_PAIR)))

/* ---- Published pointers and once-accesses (kernel READ_ONCE & co.) ---- */
#define LB_READ_ONCE(x)	       __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define LB_WRITE_ONCE(x, v)    __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define lb_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define lb_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* rcu_dereference: consume is promoted to acquire by every compiler. */
#define lb_rcu_dereference(p)	    __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define lb_rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static inline void lb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- Locks -------------------------------------------------------------
 * The kernel's LPI locks are raw spinlocks held with IRQs off: a holder is
 * never descheduled, and a raw spinlock is a qspinlock (queued_spin_lock:
 * MCS queueing, each waiter spinning on its own node). The queued kind
 * below is that lock, and the default (--lock=auto) when the run's threads
 * fit on the CPUs. With more threads than CPUs a queued lock is the worst
 * choice in userspace: the lock is handed to the next waiter in line, and
 * if that waiter is preempted everyone behind it waits a whole time slice.
 * An oversubscribed auto run therefore uses spin-yield (no hand-over, a
 * waiter gives its CPU away after a bounded spin) and says so in the
 * summary and in params.lock_choice. Every other kind stays available.
 */
enum lb_lock_kind {
	LB_LOCK_SPIN,	    /* test-and-set (ck_spinlock_fas) */
	LB_LOCK_TICKET,	    /* FIFO ticket lock (ck_spinlock_ticket) */
	LB_LOCK_SPIN_YIELD, /* test-and-set, sched_yield() after a bounded spin */
	LB_LOCK_MUTEX,	    /* pthread mutex (sleeps) */
	LB_LOCK_QUEUED,	    /* MCS queue lock, as the kernel's qspinlock */
	LB_LOCK_NR
};

/* The kind new locks get; set once before structures are created. */
extern enum lb_lock_kind lb_lock_default_kind;
/* False until --lock names a kind: the driver then resolves "auto" per run
 * with lb_lock_resolve_auto. */
extern bool lb_lock_kind_explicit;
const char *lb_lock_kind_name(enum lb_lock_kind k);
/* Accepts every kind's name and "auto" (sets explicit = false). */
int lb_lock_kind_parse(const char *s, enum lb_lock_kind *out);
int lb_lock_kind_set(const char *s);
/* --lock=auto: queued when threads <= cpus, else spin-yield. No-op when a
 * kind was named. Returns a one-line reason for the choice (static). */
const char *lb_lock_resolve_auto(unsigned threads, unsigned cpus);
/* The reason lb_lock_resolve_auto gave last ("explicit" when named). */
const char *lb_lock_choice(void);

/* Lock classes: which of the kernel's locks a lock stands for, so that
 * acquisitions can be counted per class (core/counters.h). */
enum lb_lock_class {
	LB_LC_OTHER,
	LB_LC_LPI_LIST, /* era A: lpi_list_lock (LPI list + translation cache) */
	LB_LC_XA,	/* era B: the LPI xarray's xa_lock */
	LB_LC_IRQ,	/* vgic_irq.irq_lock */
	LB_LC_AP_LIST,	/* vgic_cpu.ap_list_lock */
	LB_LC_ITS,	/* vgic_its.its_lock (a mutex) */
	LB_LC_CMD,	/* vgic_its.cmd_lock (a mutex) */
	LB_LC_CACHE,	/* a translation cache's own lock (v6.9 lru, other designs) */
	LB_LC_NR
};
const char *lb_lock_class_name(enum lb_lock_class c);

struct lb_mcs_node;

struct lb_lock {
	union {
#ifdef LB_TSAN
		atomic_uint flag;
		struct {
			atomic_uint next, owner;
		} ticket;
#else
		ck_spinlock_fas_t fas;
		ck_spinlock_ticket_t ticket;
#endif
		pthread_mutex_t mutex;
		/* Queued, as the kernel's qspinlock: the locked word (taken by
		 * one compare-and-exchange when nobody waits, released by a
		 * store) and the tail of the waiters' MCS queue. C11 atomics
		 * in every build (TSan follows them). */
		struct {
			atomic_uint locked;
			_Atomic(struct lb_mcs_node *) tail;
		} q;
	} u;
	uint8_t kind;
	uint8_t cls;	  /* enum lb_lock_class */
	uint64_t hold_t0; /* a sampled hold's start (ns), 0 if none; the holder's */
};

/* Lock statistics' clock (ns), set by the driver before any run; NULL:
 * no wait or hold times. */
extern uint64_t (*lb_lock_stat_now)(void);
extern _Thread_local unsigned lb_hold_n;

void lb_lock_init(struct lb_lock *l);
void lb_lock_init_kind(struct lb_lock *l, enum lb_lock_kind kind);
static inline void lb_lock_set_class(struct lb_lock *l, enum lb_lock_class c)
{
	l->cls = (uint8_t)c;
}
void lb_lock_destroy(struct lb_lock *l);
void lb_lock_slow(struct lb_lock *l);	   /* contended path */
void lb_lock_contended(struct lb_lock *l); /* counts, times, then lb_lock_slow */
void lb_lock_hold_start(struct lb_lock *l);
bool lb_trylock(struct lb_lock *l);

/* Context: any; spins or sleeps per kind. Counts acquisitions and how many
 * found the lock held. */
static inline void lb_lock(struct lb_lock *l)
{
	LB_COUNT(LB_C_LOCK_ACQ);
	LB_COUNT_CLASS(l->cls);
	if (lb_unlikely(!lb_trylock(l)))
		lb_lock_contended(l);
	if (lb_unlikely(++lb_hold_n % LB_HOLD_EVERY == 0))
		lb_lock_hold_start(l);
}

void lb_unlock(struct lb_lock *l);

/* Assertion helper for tests and debug checks: true if someone holds it. */
bool lb_lock_is_locked(struct lb_lock *l);

/* ---- Reader-writer locks -------------------------------------------- */
enum lb_rwlock_kind {
	LB_RWLOCK_CK,	   /* ck_rwlock: writer-preferring spinning rwlock */
	LB_RWLOCK_PTHREAD, /* pthread_rwlock_t (glibc: reader-preferring, sleeps) */
	LB_RWLOCK_NR
};
extern enum lb_rwlock_kind lb_rwlock_default_kind;
const char *lb_rwlock_kind_name(enum lb_rwlock_kind k);
int lb_rwlock_kind_parse(const char *s, enum lb_rwlock_kind *out);

struct lb_rwlock {
	union {
#ifndef LB_TSAN
		ck_rwlock_t ck;
#endif
		pthread_rwlock_t pt;
	} u;
	uint8_t kind;
};
void lb_rwlock_init(struct lb_rwlock *l);
void lb_rwlock_destroy(struct lb_rwlock *l);
void lb_read_lock(struct lb_rwlock *l);
void lb_read_unlock(struct lb_rwlock *l);
void lb_write_lock(struct lb_rwlock *l);
void lb_write_unlock(struct lb_rwlock *l);

/* ---- Reference counts (kernel refcount_t semantics) ------------------ */
typedef struct {
	atomic_uint refs;
} lb_ref_t;

static inline void lb_ref_init(lb_ref_t *r, unsigned v)
{
	atomic_init(&r->refs, v);
}

static inline unsigned lb_ref_read(const lb_ref_t *r)
{
	return atomic_load_explicit((atomic_uint *)&r->refs, memory_order_relaxed);
}

/* Plain increment: only where the caller knows another reference is held. */
void lb_ref_zero_inc_bug(const lb_ref_t *r);
static inline void lb_ref_get(lb_ref_t *r)
{
	unsigned old = atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	if (lb_unlikely(old == 0))
		lb_ref_zero_inc_bug(r);
}

/* Try-get: increment only from non-zero; acquire on success.
 * Returns false when the object is already dying. */
static inline bool lb_ref_tryget(lb_ref_t *r)
{
	unsigned old = atomic_load_explicit(&r->refs, memory_order_relaxed);
	do {
		if (old == 0) {
			LB_COUNT(LB_C_TRYGET_FAIL);
			return false;
		}
	} while (!atomic_compare_exchange_weak_explicit(
		     &r->refs, &old, old + 1, memory_order_acquire, memory_order_relaxed) &&
		 (LB_COUNT(LB_C_CAS_RETRY), 1));
	return true;
}

/* Put: release; returns true when this dropped the last reference (the
 * caller then owns the teardown; acquire makes earlier users' writes
 * visible to it). Underflow is a bug and aborts. */
void lb_ref_underflow_bug(const lb_ref_t *r);
static inline bool lb_ref_put(lb_ref_t *r)
{
#ifdef LB_TSAN
	/* TSan does not model fences (GCC rejects them under -Werror=tsan):
	 * make the decrement itself acquire too, which TSan follows. */
	unsigned old = atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel);
#else
	unsigned old = atomic_fetch_sub_explicit(&r->refs, 1, memory_order_release);
#endif
	if (lb_unlikely(old <= 1)) {
		if (old == 0) {
			lb_ref_underflow_bug(r);
			return false; /* never tear down twice */
		}
#ifndef LB_TSAN
		atomic_thread_fence(memory_order_acquire);
#endif
		return true;
	}
	return false;
}

/* Hook for refcount bugs: default aborts with a message; the race replays
 * install one that records the detection instead. */
typedef void (*lb_ref_bug_fn)(const char *what, const lb_ref_t *r);
extern lb_ref_bug_fn lb_ref_bug_hook;

/* ---- RCU -------------------------------------------------------------
 * Normal builds: liburcu, memb flavour (membarrier; readers are two
 * thread-local stores). LB_TSAN builds: rcu_check.c, a counter-based RCU on
 * C11 atomics that TSan can follow.
 *
 * Rules, as in the kernel: every thread that enters read sections or calls
 * lb_call_rcu() registers first; lb_synchronize_rcu() must not be called
 * inside a read section or while holding a lock a reader may wait on.
 */
/* 16 bytes, as the kernel's struct rcu_head: structures that embed one
 * (xarray nodes) keep the kernel's size. Queued by core/rcu.c itself in
 * every flavour; the flavour only provides the grace period. */
struct lb_rcu_head {
	struct lb_rcu_head *next;
	void (*func)(struct lb_rcu_head *head);
};

void lb_rcu_register_thread(void);
void lb_rcu_unregister_thread(void);

#ifdef LB_TSAN
/* The store->load ordering the checking flavour's grace periods rely on.
 * The CPU still executes the fence; TSan does not model fences, and GCC 12
 * warns about them (-Wtsan), which -Werror turns into a build failure. No
 * happens-before edge TSan needs comes from it: readers and writers
 * synchronise through the release/acquire pairs on the reader counters. */
static inline void lb_rcu_check_fence(void)
{
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
	atomic_thread_fence(memory_order_seq_cst);
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
}

/* Per-thread reader state of the checking flavour (rcu_check.c). */
struct lb_rcu_reader {
	atomic_ulong ctr; /* nesting in the low bits, phase snapshot above */
	struct lb_rcu_reader *next;
	bool registered;
};
extern _Thread_local struct lb_rcu_reader lb_rcu_self;
extern atomic_ulong lb_rcu_gp_ctr;
#define LB_RCU_NEST_MASK 0xffffUL

static inline void lb_rcu_read_lock(void)
{
	unsigned long c = atomic_load_explicit(&lb_rcu_self.ctr, memory_order_relaxed);
	if (!(c & LB_RCU_NEST_MASK)) {
		/* Outermost: snapshot the phase; seq_cst orders this store
		 * before the section's loads, against synchronize's scan. */
		atomic_store_explicit(&lb_rcu_self.ctr,
				      atomic_load_explicit(&lb_rcu_gp_ctr, memory_order_relaxed),
				      memory_order_seq_cst);
		lb_rcu_check_fence();
	} else {
		atomic_store_explicit(&lb_rcu_self.ctr, c + 1, memory_order_relaxed);
	}
}

static inline void lb_rcu_read_unlock(void)
{
	unsigned long c = atomic_load_explicit(&lb_rcu_self.ctr, memory_order_relaxed);
	/* Release: the section's loads happen before a writer sees us leave. */
	atomic_store_explicit(&lb_rcu_self.ctr, c - 1, memory_order_release);
}
#else
static inline void lb_rcu_read_lock(void)
{
	urcu_memb_read_lock();
}

static inline void lb_rcu_read_unlock(void)
{
	urcu_memb_read_unlock();
}
#endif

/* Waits for a grace period (plus --gp-latency, if set); counts and times it. */
void lb_synchronize_rcu(void);
/* Defers func(head) past a grace period. Context: registered thread. */
void lb_call_rcu(struct lb_rcu_head *head, void (*func)(struct lb_rcu_head *));
/* Waits until all callbacks queued so far have run. Context: registered
 * thread, outside any read section. */
void lb_rcu_barrier(void);
/* Emulated grace-period latency in ns added to each synchronize (kernel
 * grace periods take milliseconds; liburcu's take microseconds). When set,
 * lb_call_rcu callbacks (kfree_rcu / call_rcu) are delayed as long too:
 * they queue on the calling CPU and run there, on a callback thread pinned
 * to that CPU, once their due time has passed and a real grace period has
 * elapsed (as the kernel runs callbacks per CPU, in softirq or rcuc). */
extern uint64_t lb_gp_latency_ns;
/* Callbacks run so far per CPU under --gp-latency (0 for other CPUs). */
uint64_t lb_rcu_callbacks_on_cpu(unsigned cpu);
unsigned lb_rcu_callback_cpus(void);
/* Outstanding deferred callbacks (queued, not yet run) and the peak. */
uint64_t lb_rcu_deferred_outstanding(void);
uint64_t lb_rcu_deferred_peak(void);
/* Name of the RCU implementation in use, for the manifest. */
const char *lb_rcu_flavour(void);

#endif
