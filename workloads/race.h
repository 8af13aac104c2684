/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Race replays (workload `race`): the known LPI races of KVM's vGIC/ITS
 * ("The races" in docs/design.md), each as a small self-contained model of
 * the kernel code path involved, in a buggy and a fixed variant, replayed
 * under a schedule that opens the race window, with checkers that say what
 * went wrong and where.
 *
 * A scenario is one file, workloads/race_<name>.c, defining
 * `const struct race_scenario race_<name>_scenario`, plus one line in
 * workloads/race_registry.def. It uses only what this header offers on top
 * of the project's primitives (core/irq.h, core/sync.h); it models the
 * store, the translation cache and the ITS tables it needs itself (a few
 * lines each), so a replay does not depend on the ITS model of
 * model/its*.c and stays readable next to the kernel's history.
 *
 * A run is a sequence of rounds. Every round starts from a fresh state
 * built by the scenario's round_begin() (one thread, quiescent), then each
 * of the scenario's threads runs its part (thread()) concurrently, then
 * round_end() audits and tears the round down (quiescent again). The round
 * boundary is also the grace period of the models that defer frees: every
 * thread is outside any read section there.
 *
 * Schedules (--race-mode):
 *   forced  race_wait()/race_signal() hooks at the racy points make the
 *           threads take the interleaving that opens the window, every
 *           round. A wait never deadlocks: it also returns when every other
 *           thread is blocked on a model lock or done with its part, which
 *           is exactly what happens when a fixed variant's lock closes the
 *           window (the waiter holds that lock).
 *   random  the same hooks become random delays (spins, sched_yield); the
 *           window is hit by chance, round after round.
 *
 * Checkers (all record instead of aborting; the first detection is the one
 * reported, later ones are counted):
 *   - poisoned frees: freed irqs get their magic cleared and are kept in a
 *     quarantine until the round ends, so a use after free is seen by
 *     irq_check() (lb_irq_bug_hook) and never touches freed memory;
 *     freeing a poisoned irq again is a double free;
 *   - refcounts: increment from zero and underflow (lb_ref_bug_hook);
 *   - lock order: a lockdep-style graph of lock classes (race_lockdep.c)
 *     with per-thread IRQ state; holding a lock with "IRQs on" adds an edge
 *     to a virtual class HARDIRQ, taking a lock in an "interrupt" adds an
 *     edge from it; a new edge that closes a cycle is reported and the lock
 *     is not taken, so the replay never really deadlocks;
 *   - round audits: a scenario checks its tables against the store (lost
 *     or duplicate entries) and every irq allocated in a round must be
 *     freed exactly once by its end (leak / double free).
 *
 * Context: race_* calls run on the scenario's threads (workers of the
 * driver, registered with RCU) or, for round_begin/round_end, on thread 0
 * while the others wait at the round barrier.
 */
#ifndef LB_RACE_H
#define LB_RACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/irq.h"
#include "../core/sync.h"

#define RACE_MAX_THREADS 4
#define RACE_NR_EVENTS	 8
#define RACE_MAX_HELD	 8

struct race_run;
struct race_thread;

struct race_scenario {
	const char *name;
	const char *desc; /* one line: the race, its era, the fix */
	unsigned nr_threads;
	/* Once per run: allocate rr->s. Returns 0 or -ENOMEM. */
	int (*init)(struct race_run *rr);
	/* Quiescent, thread 0: build the round's objects. 0 or -ENOMEM. */
	int (*round_begin)(struct race_run *rr);
	/* One thread's part of a round (t->id in [0, nr_threads)). */
	void (*thread)(struct race_run *rr, struct race_thread *t);
	/* Quiescent, thread 0: audit, then drop every reference of the round
	 * (irqs go through race_irq_free / race_irq_free_deferred). */
	void (*round_end)(struct race_run *rr);
	/* Interrupt handler, for scenarios that raise "interrupts"
	 * (race_irq_raise): runs on the interrupted thread. May be NULL. */
	void (*irq_handler)(struct race_run *rr, struct race_thread *t);
	/* Once per run: free rr->s. */
	void (*fini)(struct race_run *rr);
};

/* Lock classes of the lock-order checker, in the kernel's documented order
 * (its_lock > ap_list_lock > store lock > irq_lock). */
enum race_lock_class {
	RACE_LC_ITS,
	RACE_LC_AP_LIST,
	RACE_LC_STORE,
	RACE_LC_IRQ,
	RACE_LC_HARDIRQ, /* virtual: "an interrupt may run here" */
	RACE_LC_NR
};

enum race_tstate { RACE_T_RUNNING, RACE_T_BLOCKED, RACE_T_DONE };

struct race_held {
	enum race_lock_class cls;
	struct lb_lock *lock;
	const char *site;
};

struct race_thread {
	unsigned id;
	uint64_t rng;
	atomic_int state;  /* enum race_tstate, read by peers' waits */
	const char *where; /* what this thread does now, for reports */
	/* Lock-order checker state (this thread only). */
	struct race_held held[RACE_MAX_HELD];
	unsigned nr_held;
	unsigned irq_base; /* held[] entries below this belong to the interrupted context */
	bool irqs_off;
	bool in_irq;
	atomic_bool irq_pending; /* raised by a peer (race_irq_raise) */
} lb_cacheline_aligned;

struct race_lockdep {
	pthread_mutex_t mu;
	unsigned edges[RACE_LC_NR]; /* bit b of edges[a]: a -> b observed */
	const char *site[RACE_LC_NR][RACE_LC_NR];
};

struct race_run {
	const struct race_scenario *sc;
	bool buggy;
	bool forced;
	unsigned nr;
	struct race_thread t[RACE_MAX_THREADS];
	uint64_t round;			 /* 1-based; written by thread 0 between barriers */
	atomic_ulong ev[RACE_NR_EVENTS]; /* round in which each event was signalled */
	atomic_bool abort;		 /* leave every wait and barrier now */

	/* Detection record. */
	pthread_mutex_t det_mu;
	atomic_bool detected;
	atomic_uint nr_detections;
	char det_msg[512];
	/* A failure of the replay itself (a stuck schedule, no memory). */
	atomic_bool failed;
	char fail_msg[256];

	/* Every irq allocated in the current round (freed ones stay, poisoned,
	 * until the round ends) and the frees deferred to its end; under q_mu. */
	pthread_mutex_t q_mu;
	struct lb_irq **quar, **deferred;
	size_t nr_quar, cap_quar, nr_deferred, cap_deferred;
	atomic_ulong round_allocs, round_frees;

	struct race_lockdep ld;
	void *s; /* the scenario's state */
};

/* ---- schedule hooks ---- */

/* forced: mark event ev as happened in this round; random: nothing. */
void race_signal(struct race_run *rr, struct race_thread *t, unsigned ev);
/* forced: wait until ev happened in this round, or until no other thread
 * can make it happen (each is blocked on a model lock or done), or abort;
 * random: a random delay. */
void race_wait(struct race_run *rr, struct race_thread *t, unsigned ev);
/* A racy point with no ordering of its own: a random delay in random mode. */
void race_window(struct race_run *rr, struct race_thread *t);

/* ---- model locks ----
 * race_lock/race_unlock: an lb_lock that marks the thread blocked while it
 * waits (forced waits rely on it) and yields instead of spinning. */
void race_lock(struct race_thread *t, struct lb_lock *l);
void race_unlock(struct race_thread *t, struct lb_lock *l);

/* Checked acquisition for the lock-order checker: records the order edges
 * this acquisition implies and takes the lock, or, if an edge closes a
 * cycle, reports it and returns -EDEADLK without taking the lock. */
int race_ld_lock(struct race_run *rr, struct race_thread *t, struct lb_lock *l,
		 enum race_lock_class cls, const char *site);
void race_ld_unlock(struct race_run *rr, struct race_thread *t, struct lb_lock *l);
/* local_irq_save / local_irq_restore for this thread. */
bool race_irq_save(struct race_run *rr, struct race_thread *t, const char *site);
void race_irq_restore(struct race_run *rr, struct race_thread *t, bool were_off, const char *site);
/* Make target take an "interrupt" at its next race_irq_window() with
 * IRQs on. */
void race_irq_raise(struct race_thread *target);
/* A point where an interrupt can be taken: runs sc->irq_handler if one is
 * pending and this thread's IRQs are on. Returns true if it ran. */
bool race_irq_window(struct race_run *rr, struct race_thread *t);
void race_lockdep_init(struct race_lockdep *ld);
void race_lockdep_destroy(struct race_lockdep *ld);
const char *race_lock_class_name(enum race_lock_class c);

/* ---- objects ---- */

/* irq_alloc() with the round's accounting. NULL on -ENOMEM. */
struct lb_irq *race_irq_alloc(struct race_run *rr, uint32_t intid);
/* Free now: poison, quarantine until the round ends. A second free of the
 * same object is reported as a double free. */
void race_irq_free(struct race_run *rr, struct lb_irq *irq, const char *site);
/* Free after a grace period: at the end of the round. */
void race_irq_free_deferred(struct race_run *rr, struct lb_irq *irq);
/* irq_check() with this thread's context; true if the irq is live. */
bool race_irq_live(struct race_run *rr, struct race_thread *t, const struct lb_irq *irq,
		   const char *where);

/* Quiescent clean-up of a round cut short (abort): frees irq if live,
 * without any report. */
void race_irq_discard(struct race_run *rr, struct lb_irq *irq);
/* True when every thread finished its part of the round (round_end audits
 * only complete rounds; a round cut short is just cleaned up). */
bool race_round_complete(struct race_run *rr);

/* refcount_dec_and_lock: drops a reference; if it was the last, returns
 * true with l held (taken before the final decrement), else false. */
bool race_ref_dec_and_lock(struct race_thread *t, lb_ref_t *r, struct lb_lock *l);

/* ---- reports ---- */

/* Records a detection: "what, where". First one wins. */
void race_detect(struct race_run *rr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a failure of the replay itself (not a detection). */
void race_fail(struct race_run *rr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool race_detected(struct race_run *rr)
{
	return atomic_load_explicit(&rr->detected, memory_order_acquire);
}

/* The scenario of the calling thread's current round, for the bug hooks. */
extern _Thread_local struct race_thread *race_self;

/* Registry. */
#define RACE_SCENARIO(name) extern const struct race_scenario race_##name##_scenario;
#include "race_registry.def"
#undef RACE_SCENARIO
extern const struct race_scenario *const race_scenarios[];
const struct race_scenario *race_find(const char *name);

#endif
