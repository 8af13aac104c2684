/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lock kinds behind struct lb_lock / lb_rwlock (see sync.h). Normal builds
 * use Concurrency Kit's spinlocks; LB_TSAN builds the same algorithms on
 * C11 atomics so ThreadSanitizer can see them.
 */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum lb_lock_kind lb_lock_default_kind = LB_LOCK_SPIN;
enum lb_rwlock_kind lb_rwlock_default_kind = LB_RWLOCK_CK;

/* Spins before a spin-yield lock gives the CPU away. */
#define LB_SPIN_YIELD_SPINS 128

static const char *const lock_names[LB_LOCK_NR] = {
    [LB_LOCK_SPIN] = "spin",
    [LB_LOCK_TICKET] = "ticket",
    [LB_LOCK_SPIN_YIELD] = "spin-yield",
    [LB_LOCK_MUTEX] = "mutex",
};

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
	default:
		tas_wait(l, false);
		break;
	}
}

void lb_unlock(struct lb_lock *l)
{
	switch (l->kind) {
	case LB_LOCK_TICKET:
		ticket_unlock(l);
		break;
	case LB_LOCK_MUTEX:
		pthread_mutex_unlock(&l->u.mutex);
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
