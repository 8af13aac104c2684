/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the generic store suites (test_conformance.c, test_stress.c) share:
 * bug hooks that record instead of aborting, a watchdog that turns a hang
 * into a named failure, the rule that decides whether a backend is skipped
 * in this build, and small helpers (clock, rng, memory baselines).
 *
 * Context: the hooks may fire on any thread (workers, RCU callback thread),
 * so everything they touch is atomic; CHECK() (check.h) is main-thread only.
 */
#ifndef LB_TEST_STORE_TEST_H
#define LB_TEST_STORE_TEST_H

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/irq.h"
#include "core/rand.h"
#include "structures/store.h"

/* ---- Bug hooks: record, so one backend's bug fails its checks and the
 * suite goes on to report the others, instead of aborting the program. */
static atomic_ulong st_ref_bugs, st_irq_bugs;

static void st_ref_bug(const char *what, const lb_ref_t *r)
{
	if (atomic_fetch_add(&st_ref_bugs, 1) < 8)
		fprintf(stderr, "  refcount bug recorded: %s (refcount at %p)\n", what,
			(const void *)r);
}

static void st_irq_bug(const char *what, const struct lb_irq *irq)
{
	if (atomic_fetch_add(&st_irq_bugs, 1) < 8)
		fprintf(stderr, "  irq bug recorded: %s (irq %p)\n", what, (const void *)irq);
}

/* Sanitizer builds: count each report (sanitizer_common calls this once
 * per report, with its SUMMARY line), so the backend that was running is
 * marked FAIL in the output, not only the exit status. TSan goes on after
 * a report; ASan and UBSan (-fno-sanitize-recover) stop the program. */
#ifdef LB_SANITIZE
static atomic_ulong st_sanitizer_reports;

__attribute__((visibility("default"))) void __sanitizer_report_error_summary(const char *summary);
void __sanitizer_report_error_summary(const char *summary)
{
	atomic_fetch_add(&st_sanitizer_reports, 1);
	/* What the default prints; write(2) because this runs inside the
	 * sanitizer's report, where stdio may not be re-entered. */
	ssize_t r = write(2, summary, strlen(summary));
	r = write(2, "\n", 1);
	(void)r;
}

static unsigned long st_sanitizer_count(void)
{
	return atomic_load(&st_sanitizer_reports);
}
#else
static unsigned long st_sanitizer_count(void)
{
	return 0;
}
#endif

static void st_install_hooks(void)
{
	lb_irq_checks = true; /* poison checks on every irq_check() */
	lb_ref_bug_hook = st_ref_bug;
	lb_irq_bug_hook = st_irq_bug;
}

/* ---- Watchdog: a backend that spins forever (e.g. an add that waits for a
 * dying entry to vanish, or a lost unlock) must fail with its name and the
 * step, not be killed silently by ctest's timeout. */
static _Atomic(const char *) st_step = "start";
static _Atomic(const char *) st_backend = "-";

static void st_write_str(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

static void st_alarm(int sig)
{
	(void)sig;
	/* Async-signal-safe: lock-free atomic loads and write(2) only. */
	st_write_str("WATCHDOG: no progress: backend ");
	st_write_str(atomic_load_explicit(&st_backend, memory_order_relaxed));
	st_write_str(", step ");
	st_write_str(atomic_load_explicit(&st_step, memory_order_relaxed));
	st_write_str("\n");
	_exit(1);
}

static void st_watchdog_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = st_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

/* Arms the watchdog for one backend-sized piece of work. */
static void st_watch(const char *backend, unsigned seconds)
{
	atomic_store_explicit(&st_backend, backend, memory_order_relaxed);
	alarm(seconds);
}

static void st_set_step(const char *step)
{
	atomic_store_explicit(&st_step, step, memory_order_relaxed);
}

/* ---- Skips ----------------------------------------------------------
 * A backend that cannot run in this build (rcuhash under ThreadSanitizer:
 * liburcu's lock-free hash table runs on liburcu's own RCU, which TSan
 * cannot follow) returns NULL from create() with errno set to ENOTSUP.
 * That, and only that, is a skip; a NULL for any other reason is a failure
 * of that backend. Sets *skipped and returns NULL in both cases.
 */
static struct store *st_create_reclaim(const struct store_ops *ops, uint32_t expected,
				       enum store_reclaim reclaim, bool *skipped)
{
	struct store_cfg cfg = {.expected_lpis = expected, .reclaim = reclaim};
	errno = 0;
	struct store *s = ops->create(&cfg);
	*skipped = !s && errno == ENOTSUP;
	return s;
}

static inline struct store *st_create(const struct store_ops *ops, uint32_t expected, bool *skipped)
{
	return st_create_reclaim(ops, expected, STORE_RECLAIM_DEFAULT, skipped);
}

/* ---- Memory baselines: every object a backend allocates is accounted by
 * kind (alloc.h); a test compares live counts against a baseline taken
 * before the store existed, after an RCU barrier so deferred frees of
 * earlier work have landed. */
struct st_mem {
	uint64_t live[LB_MEM_NR];
};

static void st_mem_snapshot(struct st_mem *m)
{
	lb_rcu_barrier();
	for (int k = 0; k < LB_MEM_NR; k++)
		m->live[k] = lb_mem_live_objects((enum lb_mem_kind)k);
}

/* Live objects of kind now, relative to base (after an RCU barrier). */
static int64_t st_mem_delta(const struct st_mem *base, enum lb_mem_kind kind)
{
	lb_rcu_barrier();
	return (int64_t)(lb_mem_live_objects(kind) - base->live[kind]);
}

/* ---- Misc ---- */
static inline uint64_t st_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: cheap per-thread randomness; state must be non-zero. */
static inline uint64_t st_rand(uint64_t *s)
{
	return lb_rand64(s);
}

static inline uint64_t st_stat_or(uint64_t v, uint64_t absent_as)
{
	return v == STORE_STAT_ABSENT ? absent_as : v;
}

#endif
