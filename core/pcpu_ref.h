/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread reference counts in the spirit of the kernel's percpu_ref
 * (--get=percpu): while an object is live, a get or put writes only the
 * calling thread's own counter; the counters are summed once, when the
 * object is being torn down, and from then on it is counted in its
 * ordinary atomic refcount (lb_ref_t).
 *
 * One pcpu_ref_set covers nr slots (a workload's LPIs, a per-CPU-area
 * style array: slot i's counters are count[thread][i]). Each slot is in
 * one of two modes:
 *   percpu: live[slot] names the object; gets and puts of that object go
 *           to the calling thread's counter for the slot;
 *   atomic: live[slot] is NULL (or names another object); gets try-get
 *           the object's lb_ref_t, puts drop it.
 *
 * Concurrency contract:
 *  - pcpu_ref_get_rcu: any registered thread, inside an RCU read section
 *    that also covers the lookup that found obj (so obj is valid memory).
 *  - pcpu_ref_put: any registered thread outside a read section, for a
 *    reference it took with pcpu_ref_get_rcu or a try-get.
 *  - pcpu_ref_start, pcpu_ref_kill: serialised per slot by the caller
 *    (getput: the slot's churn flag), from a registered thread outside any
 *    read section, holding a reference on obj of its own (the mapping's);
 *    kill waits for a grace period.
 *
 * Why it is correct:
 *  1. A get counts obj on a thread's counter only if, inside its read
 *     section, live[slot] == obj; a put decrements a counter only if,
 *     inside its read section, live[slot] == obj. So per-thread counts move
 *     only while the slot is in percpu mode for obj.
 *  2. kill first adds a large bias to obj's atomic count, then sets
 *     live[slot] = NULL, then waits for a grace period: every read
 *     section that could have seen live == obj has ended, so no counter
 *     of the slot moves again until the next start. Puts of references
 *     taken in percpu mode that happen after the switch go to the atomic
 *     count; the bias keeps it above zero meanwhile (at most one such put
 *     per outstanding reference).
 *  3. At any time the true count is the atomic count plus the sum of the
 *     slot's counters (a reference taken in atomic mode may be dropped in
 *     percpu mode after a start, making the sum negative: it is signed).
 *     kill sums and zeroes the counters, folds the sum into the atomic
 *     count and removes the bias: the atomic count is now exactly the
 *     mapping's plus the outstanding references, and normal put-to-zero
 *     teardown follows.
 *  4. No ABA on live[slot]: a put compares with obj, on which it holds a
 *     reference, so obj is not freed and no new object can have its
 *     address while the put runs.
 *  5. The counters are C11 atomics (relaxed; each written by its owner, or
 *     by kill only while no owner can write it): start's release store of
 *     live[slot] orders kill's zeroing before any later increment.
 * Memory: nr x sizeof(long) per thread and set, allocated on a thread's
 * first get, freed with the set.
 */
#ifndef LB_PCPU_REF_H
#define LB_PCPU_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "sync.h"

struct pcpu_ref_cpu {
	atomic_long *count; /* [nr] */
	struct pcpu_ref_cpu *next;
};

struct pcpu_ref_set {
	uint64_t id; /* unique for the process's life: thread caches key on it */
	uint32_t nr;
	_Atomic(void *) *live; /* [nr]: the object in percpu mode, or NULL */
	struct lb_lock lock;   /* cpus */
	struct pcpu_ref_cpu *cpus;
	unsigned nr_cpus;
};

/* Bias held in the atomic count while a kill sums (kernel: PERCPU_COUNT_BIAS). */
#define PCPU_REF_BIAS (1u << 30)

/* All slots in atomic mode. NULL on -ENOMEM. */
struct pcpu_ref_set *pcpu_ref_create(uint32_t nr);
/* Context: quiescent. */
void pcpu_ref_destroy(struct pcpu_ref_set *p);

#define PCPU_REF_TLS_SLOTS 4
struct pcpu_ref_tls {
	uint64_t id;
	atomic_long *count;
};
extern _Thread_local struct pcpu_ref_tls pcpu_ref_tls[PCPU_REF_TLS_SLOTS];
atomic_long *pcpu_ref_mine_slow(struct pcpu_ref_set *p);

/* The calling thread's counters (allocated on first use; aborts on
 * -ENOMEM, as a get has no way to fail for lack of memory). */
static inline atomic_long *pcpu_ref_mine(struct pcpu_ref_set *p)
{
	if (lb_likely(pcpu_ref_tls[0].id == p->id))
		return pcpu_ref_tls[0].count;
	return pcpu_ref_mine_slow(p);
}

static inline void pcpu_ref_add(atomic_long *c, long d)
{
	/* Only this thread writes it while it can move: no RMW needed. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
			      memory_order_relaxed);
}

/* Takes a per-thread reference on obj if slot is in percpu mode for it.
 * Returns false otherwise (the caller then try-gets obj's refcount).
 * Context: inside lb_rcu_read_lock(), obj found in that section. */
static inline bool pcpu_ref_get_rcu(struct pcpu_ref_set *p, uint32_t slot, void *obj)
{
	if (atomic_load_explicit(&p->live[slot], memory_order_acquire) != obj)
		return false;
	pcpu_ref_add(&pcpu_ref_mine(p)[slot], 1);
	return true;
}

/* Drops a reference on obj in percpu mode and returns true; returns false
 * when slot is no longer in percpu mode for obj: the caller then drops it
 * from the atomic count (store_put). Context: outside a read section. */
static inline bool pcpu_ref_put(struct pcpu_ref_set *p, uint32_t slot, void *obj)
{
	bool percpu;
	lb_rcu_read_lock();
	percpu = atomic_load_explicit(&p->live[slot], memory_order_acquire) == obj;
	if (percpu)
		pcpu_ref_add(&pcpu_ref_mine(p)[slot], -1);
	lb_rcu_read_unlock();
	return percpu;
}

/* Switches slot to percpu mode for obj. Context: see the header; the slot
 * is in atomic mode (its counters are zero). */
void pcpu_ref_start(struct pcpu_ref_set *p, uint32_t slot, void *obj);
/* Switches slot back to atomic mode, folding the per-thread counts into
 * ref (obj's refcount). Context: see the header; waits for a grace period.
 * A slot already in atomic mode is left alone. */
void pcpu_ref_kill(struct pcpu_ref_set *p, uint32_t slot, lb_ref_t *ref);
/* Sum of slot's per-thread counters (tests; quiescent). */
long pcpu_ref_sum(struct pcpu_ref_set *p, uint32_t slot);

#endif
