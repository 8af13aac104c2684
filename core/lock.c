/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lock kinds behind struct lb_lock / lb_rwlock (see sync.h). Normal builds
 * use Concurrency Kit's spinlocks; LB_TSAN builds the same algorithms on
 * C11 atomics so ThreadSanitizer can see them. The queued (MCS) kind is
 * C11 atomics in every build.
 */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Programs other than the driver (tests) never resolve "auto": they keep
 * the plain spinlock unless they choose. */
enum lb_lock_kind lb_lock_default_kind = LB_LOCK_SPIN;
bool lb_lock_kind_explicit;
static const char *lock_choice = "explicit";
enum lb_rwlock_kind lb_rwlock_default_kind = LB_RWLOCK_CK;

/* Spins before a spin-yield lock gives the CPU away. */
#define LB_SPIN_YIELD_SPINS 128

static const char *const lock_names[LB_LOCK_NR] = {
    [LB_LOCK_SPIN] = "spin",   [LB_LOCK_TICKET] = "ticket", [LB_LOCK_SPIN_YIELD] = "spin-yield",
    [LB_LOCK_MUTEX] = "mutex", [LB_LOCK_QUEUED] = "queued",
};

static const char *const class_names[LB_LC_NR] = {
    [LB_LC_OTHER] = "other",  [LB_LC_LPI_LIST] = "lpi_list_lock", [LB_LC_XA] = "xa_lock",
    [LB_LC_IRQ] = "irq_lock", [LB_LC_AP_LIST] = "ap_list_lock",	  [LB_LC_ITS] = "its_lock",
    [LB_LC_CMD] = "cmd_lock", [LB_LC_CACHE] = "cache_lock",
};
_Static_assert(LB_LC_NR <= LB_LOCK_CLASSES, "counters.h: LB_LOCK_CLASSES too small");

const char *lb_lock_class_name(enum lb_lock_class c)
{
	return c < LB_LC_NR ? class_names[c] : "?";
}

static const char *const rwlock_names[LB_RWLOCK_NR] = {
    [LB_RWLOCK_CK] = "ck",
    [LB_RWLOCK_PTHREAD] = "pthread",
};

const char *lb_lock_kind_name(enum lb_lock_kind k)
{
	return k < LB_LOCK_NR ? lock_names[k] : "?";
}

const char *lb_rwlock_kind_name(enum lb_rwlock_kind k)
{
	return k < LB_RWLOCK_NR ? rwlock_names[k] : "?";
}

static int parse_name(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int lb_lock_kind_parse(const char *s, enum lb_lock_kind *out)
{
	int i = parse_name(s, lock_names, LB_LOCK_NR);
	if (i < 0)
		return -1;
	*out = (enum lb_lock_kind)i;
	return 0;
}

int lb_lock_kind_set(const char *s)
{
	if (strcmp(s, "auto") == 0) {
		lb_lock_kind_explicit = false;
		return 0;
	}
	if (lb_lock_kind_parse(s, &lb_lock_default_kind))
		return -1;
	lb_lock_kind_explicit = true;
	lock_choice = "explicit";
	return 0;
}

const char *lb_lock_resolve_auto(unsigned threads, unsigned cpus)
{
	if (lb_lock_kind_explicit)
		return lock_choice = "explicit";
	if (threads <= cpus) {
		lb_lock_default_kind = LB_LOCK_QUEUED;
		lock_choice = "auto: queued (threads <= CPUs, as the kernel's qspinlock)";
	} else {
		lb_lock_default_kind = LB_LOCK_SPIN_YIELD;
		lock_choice = "auto: spin-yield (threads > CPUs: a preempted queued waiter "
			      "would stall every waiter behind it)";
	}
	return lock_choice;
}

const char *lb_lock_choice(void)
{
	return lock_choice;
}

/* ---- queued lock ----
 * The kernel's qspinlock (queued_spin_lock): an uncontended acquisition is
 * one compare-and-exchange of the locked word and a release is one store
 * (queued_spin_unlock), so an uncontended lock costs what a test-and-set
 * lock does. Waiters queue MCS-style: each appends its own node to the
 * tail and spins on a flag in it; the queue's head spins on the locked
 * word, takes it, then hands the head to the next node. This keeps the
 * kernel's structure without its word encoding (pending bit, tail as CPU
 * and index in the same 32 bits): the tail is a pointer beside the word.
 * Nodes are per thread, like the kernel's per-CPU nodes; one is used only
 * while its thread waits, so a thread needs one per lock it may be waiting
 * for at once (eight are plenty). */
struct lb_mcs_node {
	_Atomic(struct lb_mcs_node *) next;
	atomic_uint head; /* set by the predecessor: this node leads the queue */
	bool used;
} lb_pair_aligned;

#define LB_MCS_NODES 8
static _Thread_local struct lb_mcs_node mcs_nodes[LB_MCS_NODES];

static struct lb_mcs_node *mcs_node_get(void)
{
	for (int i = 0; i < LB_MCS_NODES; i++) {
		struct lb_mcs_node *n = &mcs_nodes[i];
		if (!n->used) {
			n->used = true;
			atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
			atomic_store_explicit(&n->head, 0, memory_order_relaxed);
			return n;
		}
	}
	fprintf(stderr, "lpibench: more than %d queued-lock waits nested in one thread\n",
		LB_MCS_NODES);
	abort();
}

/* queued_spin_trylock: only when nobody holds or waits. */
static bool mcs_try(struct lb_lock *l)
{
	unsigned zero = 0;
	return !atomic_load_explicit(&l->u.q.tail, memory_order_relaxed) &&
	       atomic_compare_exchange_strong_explicit(&l->u.q.locked, &zero, 1,
						       memory_order_acquire, memory_order_relaxed);
}

/* queued_spin_lock_slowpath, without the pending bit. */
static void mcs_lock(struct lb_lock *l)
{
	struct lb_mcs_node *n = mcs_node_get();
	struct lb_mcs_node *prev = atomic_exchange_explicit(&l->u.q.tail, n, memory_order_acq_rel);
	if (prev) {
		atomic_store_explicit(&prev->next, n, memory_order_release);
		while (!atomic_load_explicit(&n->head, memory_order_acquire)) {
			LB_COUNT(LB_C_LOCK_SPINS);
			lb_cpu_relax();
		}
	}
	/* The queue's head: wait for the holder, then take the word. */
	for (;;) {
		unsigned zero = 0;
		while (atomic_load_explicit(&l->u.q.locked, memory_order_relaxed)) {
			LB_COUNT(LB_C_LOCK_SPINS);
			lb_cpu_relax();
		}
		if (atomic_compare_exchange_weak_explicit(
			&l->u.q.locked, &zero, 1, memory_order_acquire, memory_order_relaxed))
			break;
	}
	/* Hand the queue's head on (or empty the queue). */
	struct lb_mcs_node *next = atomic_load_explicit(&n->next, memory_order_acquire);
	if (!next) {
		struct lb_mcs_node *me = n;
		if (!atomic_compare_exchange_strong_explicit(
			&l->u.q.tail, &me, NULL, memory_order_release, memory_order_relaxed)) {
			/* A waiter swapped itself in: wait for it to link. */
			while (!(next = atomic_load_explicit(&n->next, memory_order_acquire)))
				lb_cpu_relax();
		}
	}
	if (next)
		atomic_store_explicit(&next->head, 1, memory_order_release);
	n->used = false;
}

/* queued_spin_unlock: a release store. */
static void mcs_unlock(struct lb_lock *l)
{
	atomic_store_explicit(&l->u.q.locked, 0, memory_order_release);
}

int lb_rwlock_kind_parse(const char *s, enum lb_rwlock_kind *out)
{
	int i = parse_name(s, rwlock_names, LB_RWLOCK_NR);
	if (i < 0)
		return -1;
	*out = (enum lb_rwlock_kind)i;
	return 0;
}

void lb_lock_init_kind(struct lb_lock *l, enum lb_lock_kind kind)
{
	memset(l, 0, sizeof(*l));
	l->kind = (uint8_t)kind;
	switch (kind) {
	case LB_LOCK_MUTEX:
		pthread_mutex_init(&l->u.mutex, NULL);
		break;
	case LB_LOCK_QUEUED:
		atomic_init(&l->u.q.locked, 0);
		atomic_init(&l->u.q.tail, NULL);
		break;
#ifdef LB_TSAN
	case LB_LOCK_TICKET:
		atomic_init(&l->u.ticket.next, 0);
		atomic_init(&l->u.ticket.owner, 0);
		break;
	default:
		atomic_init(&l->u.flag, 0);
		break;
#else
	case LB_LOCK_TICKET:
		ck_spinlock_ticket_init(&l->u.ticket);
		break;
	default:
		ck_spinlock_fas_init(&l->u.fas);
		break;
#endif
	}
}

void lb_lock_init(struct lb_lock *l)
{
	lb_lock_init_kind(l, lb_lock_default_kind);
}

void lb_lock_destroy(struct lb_lock *l)
{
	if (l->kind == LB_LOCK_MUTEX)
		pthread_mutex_destroy(&l->u.mutex);
}

#ifdef LB_TSAN
static bool tas_try(struct lb_lock *l)
{
	return atomic_exchange_explicit(&l->u.flag, 1, memory_order_acquire) == 0;
}

static bool tas_locked(struct lb_lock *l)
{
	return atomic_load_explicit(&l->u.flag, memory_order_relaxed) != 0;
}

static void tas_unlock(struct lb_lock *l)
{
	atomic_store_explicit(&l->u.flag, 0, memory_order_release);
}

static bool ticket_try(struct lb_lock *l)
{
	unsigned owner = atomic_load_explicit(&l->u.ticket.owner, memory_order_acquire);
	unsigned next = owner;
	return atomic_compare_exchange_strong_explicit(&l->u.ticket.next, &next, owner + 1,
						       memory_order_acquire, memory_order_relaxed);
}

static void ticket_lock(struct lb_lock *l)
{
	unsigned me = atomic_fetch_add_explicit(&l->u.ticket.next, 1, memory_order_relaxed);
	while (atomic_load_explicit(&l->u.ticket.owner, memory_order_acquire) != me) {
		LB_COUNT(LB_C_LOCK_SPINS);
		lb_cpu_relax();
	}
}

static void ticket_unlock(struct lb_lock *l)
{
	atomic_fetch_add_explicit(&l->u.ticket.owner, 1, memory_order_release);
}

static bool ticket_locked(struct lb_lock *l)
{
	return atomic_load_explicit(&l->u.ticket.next, memory_order_relaxed) !=
	       atomic_load_explicit(&l->u.ticket.owner, memory_order_relaxed);
}
#else
static bool tas_try(struct lb_lock *l)
{
	return ck_spinlock_fas_trylock(&l->u.fas);
}

static bool tas_locked(struct lb_lock *l)
{
	return ck_spinlock_fas_locked(&l->u.fas);
}

static void tas_unlock(struct lb_lock *l)
{
	ck_spinlock_fas_unlock(&l->u.fas);
}

static bool ticket_try(struct lb_lock *l)
{
#ifdef CK_F_SPINLOCK_TICKET_TRYLOCK
	return ck_spinlock_ticket_trylock(&l->u.ticket);
#else
	/* ck has a ticket trylock only on x86: take the next ticket only if
	 * it is the one being served. */
	unsigned int pos = ck_pr_load_uint(&l->u.ticket.position);
	if (!ck_pr_cas_uint(&l->u.ticket.next, pos, pos + 1))
		return false;
	ck_pr_fence_lock();
	return true;
#endif
}

static void ticket_lock(struct lb_lock *l)
{
	ck_spinlock_ticket_lock(&l->u.ticket);
}

static void ticket_unlock(struct lb_lock *l)
{
	ck_spinlock_ticket_unlock(&l->u.ticket);
}

static bool ticket_locked(struct lb_lock *l)
{
	return ck_spinlock_ticket_locked(&l->u.ticket);
}
#endif

bool lb_trylock(struct lb_lock *l)
{
	switch (l->kind) {
	case LB_LOCK_TICKET:
		return ticket_try(l);
	case LB_LOCK_MUTEX:
		return pthread_mutex_trylock(&l->u.mutex) == 0;
	case LB_LOCK_QUEUED:
		return mcs_try(l);
	default:
		return tas_try(l);
	}
}

/* Test-and-test-and-set wait; the yield variant gives the CPU away after a
 * bounded spin, which is what saves an oversubscribed run. */
static void tas_wait(struct lb_lock *l, bool yield)
{
	unsigned spins = 0;
	for (;;) {
		while (tas_locked(l)) {
			LB_COUNT(LB_C_LOCK_SPINS);
			if (yield && ++spins >= LB_SPIN_YIELD_SPINS) {
				spins = 0;
				sched_yield();
			} else {
				lb_cpu_relax();
			}
		}
		if (tas_try(l))
			return;
	}
}

void lb_lock_slow(struct lb_lock *l)
{
	switch (l->kind) {
	case LB_LOCK_TICKET:
		ticket_lock(l);
		break;
	case LB_LOCK_MUTEX:
		pthread_mutex_lock(&l->u.mutex);
		break;
	case LB_LOCK_SPIN_YIELD:
		tas_wait(l, true);
		break;
	case LB_LOCK_QUEUED:
		mcs_lock(l);
		break;
	default:
		tas_wait(l, false);
		break;
	}
}

uint64_t (*lb_lock_stat_now)(void);
_Thread_local unsigned lb_hold_n;

void lb_lock_contended(struct lb_lock *l)
{
	LB_COUNT(LB_C_LOCK_CONTENDED);
	lb_tc.class_contended[l->cls]++;
	uint64_t (*now)(void) = lb_lock_stat_now;
	if (!now) {
		lb_lock_slow(l);
		return;
	}
	uint64_t t0 = now();
	lb_lock_slow(l);
	lb_tc.class_wait_ns[l->cls] += now() - t0;
}

void lb_lock_hold_start(struct lb_lock *l)
{
	uint64_t (*now)(void) = lb_lock_stat_now;
	if (now)
		l->hold_t0 = now();
}

void lb_unlock(struct lb_lock *l)
{
	if (lb_unlikely(l->hold_t0)) {
		uint64_t t1 = lb_lock_stat_now();
		uint64_t held = t1 > l->hold_t0 ? t1 - l->hold_t0 : 0;
		if (held > LB_HOLD_PREEMPTED_NS) {
			lb_tc.class_hold_preempted[l->cls]++;
		} else {
			lb_tc.class_hold_samples[l->cls]++;
			lb_tc.class_hold_ns[l->cls] += held;
		}
		l->hold_t0 = 0;
	}
	switch (l->kind) {
	case LB_LOCK_TICKET:
		ticket_unlock(l);
		break;
	case LB_LOCK_MUTEX:
		pthread_mutex_unlock(&l->u.mutex);
		break;
	case LB_LOCK_QUEUED:
		mcs_unlock(l);
		break;
	default:
		tas_unlock(l);
		break;
	}
}

bool lb_lock_is_locked(struct lb_lock *l)
{
	switch (l->kind) {
	case LB_LOCK_TICKET:
		return ticket_locked(l);
	case LB_LOCK_MUTEX:
		if (pthread_mutex_trylock(&l->u.mutex) == 0) {
			pthread_mutex_unlock(&l->u.mutex);
			return false;
		}
		return true;
	case LB_LOCK_QUEUED:
		return atomic_load_explicit(&l->u.q.locked, memory_order_relaxed) != 0;
	default:
		return tas_locked(l);
	}
}

/* ---- rwlocks (TSan builds always use pthread's) ---- */
void lb_rwlock_init(struct lb_rwlock *l)
{
	memset(l, 0, sizeof(*l));
#ifdef LB_TSAN
	l->kind = LB_RWLOCK_PTHREAD;
#else
	l->kind = (uint8_t)lb_rwlock_default_kind;
	if (l->kind == LB_RWLOCK_CK) {
		ck_rwlock_init(&l->u.ck);
		return;
	}
#endif
	pthread_rwlock_init(&l->u.pt, NULL);
}

void lb_rwlock_destroy(struct lb_rwlock *l)
{
	if (l->kind == LB_RWLOCK_PTHREAD)
		pthread_rwlock_destroy(&l->u.pt);
}

void lb_read_lock(struct lb_rwlock *l)
{
	LB_COUNT(LB_C_LOCK_ACQ);
#ifndef LB_TSAN
	if (l->kind == LB_RWLOCK_CK) {
		if (!ck_rwlock_read_trylock(&l->u.ck)) {
			LB_COUNT(LB_C_LOCK_CONTENDED);
			ck_rwlock_read_lock(&l->u.ck);
		}
		return;
	}
#endif
	if (pthread_rwlock_tryrdlock(&l->u.pt) != 0) {
		LB_COUNT(LB_C_LOCK_CONTENDED);
		pthread_rwlock_rdlock(&l->u.pt);
	}
}

void lb_read_unlock(struct lb_rwlock *l)
{
#ifndef LB_TSAN
	if (l->kind == LB_RWLOCK_CK) {
		ck_rwlock_read_unlock(&l->u.ck);
		return;
	}
#endif
	pthread_rwlock_unlock(&l->u.pt);
}

void lb_write_lock(struct lb_rwlock *l)
{
	LB_COUNT(LB_C_LOCK_ACQ);
#ifndef LB_TSAN
	if (l->kind == LB_RWLOCK_CK) {
		if (!ck_rwlock_write_trylock(&l->u.ck)) {
			LB_COUNT(LB_C_LOCK_CONTENDED);
			ck_rwlock_write_lock(&l->u.ck);
		}
		return;
	}
#endif
	if (pthread_rwlock_trywrlock(&l->u.pt) != 0) {
		LB_COUNT(LB_C_LOCK_CONTENDED);
		pthread_rwlock_wrlock(&l->u.pt);
	}
}

void lb_write_unlock(struct lb_rwlock *l)
{
#ifndef LB_TSAN
	if (l->kind == LB_RWLOCK_CK) {
		ck_rwlock_write_unlock(&l->u.ck);
		return;
	}
#endif
	pthread_rwlock_unlock(&l->u.pt);
}

/* ---- refcount bugs ---- */
static void ref_bug_abort(const char *what, const lb_ref_t *r)
{
	fprintf(stderr, "lpibench: refcount bug: %s (refcount at %p)\n", what, (const void *)r);
	abort();
}

lb_ref_bug_fn lb_ref_bug_hook = ref_bug_abort;

void lb_ref_zero_inc_bug(const lb_ref_t *r)
{
	lb_ref_bug_hook("increment from zero", r);
}

void lb_ref_underflow_bug(const lb_ref_t *r)
{
	lb_ref_bug_hook("refcount underflow", r);
}
