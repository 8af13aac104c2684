/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workload contract (in the spirit of will-it-scale: a test case is one
 * op function plus prepare/cleanup hooks; the driver owns threads, barriers,
 * clocks, placement and output).
 *
 * A workload is one file in workloads/ defining
 * `const struct workload_ops workload_<name>_ops` plus one line in
 * workloads/registry.def.
 *
 * Life of a run (driver side, bench/run.c):
 *   setup(ctx)            once, main thread; builds state on ctx->store; may
 *                         change ctx->nr_threads and ctx->nr_timed (roles)
 *   thread_init(ctx, w)   on each worker, after RCU registration
 *   op(ctx, w) ...        the measured loop: one call = one operation
 *   thread_exit(ctx, w)   on each worker, after the loop
 *   verify(ctx, ...)      main thread, quiescent: check invariants
 *   report(ctx, rep)      main thread: extra figures for summary and JSON
 *   teardown(ctx)         main thread: free everything
 *
 * op() returns WL_CONTINUE, or WL_DONE when this worker has finished a
 * fixed quota (lpi-stress injectors). Workers [0, nr_timed) are timed: a
 * quota run ends when all of them are done; the others (helpers such as
 * vCPU threads) are then stopped.
 */
#ifndef LB_WORKLOAD_H
#define LB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../bench/option.h"
#include "../core/counters.h"
#include "../structures/store.h"

struct json;

enum { WL_CONTINUE = 0, WL_DONE = 1 };

/* verify()'s "found it" (exit status 3); a macro, so a workload can test
 * for it with #ifdef. */
#define WL_VERIFY_DETECTED 3

/* A counter (core/counters.h) as a bit of workload_ops.counters_never. */
#define WL_COUNTER(c) (1u << (c))

/* Per worker; workloads may keep private state in priv. */
struct wl_worker {
	unsigned id;
	uint64_t rng; /* xorshift state, seeded per worker from --seed */
	void *priv;
	uint64_t get_ok, get_fail; /* get outcomes, for the summary */
};

struct wl_ctx {
	struct store *store;
	const struct store_ops *store_ops;
	unsigned nr_threads; /* workers to start (setup may change it) */
	unsigned nr_timed;   /* workers that define the end of a quota run */
	uint64_t seed;
	uint64_t ops_per_thread; /* driver quota per worker from --ops; 0 = none */
	bool quota_run;		 /* setup sets it when its timed workers end the
				  * run themselves (op returns WL_DONE) */
	/* Roles, for placement (--vcpu-place): workers [vcpu_first,
	 * vcpu_first + nr_vcpu) are vCPU threads; the rest are generic
	 * (injectors, get/put workers). Setup sets them; default none. */
	unsigned vcpu_first, nr_vcpu;
	void *state; /* the workload's */
};

/* Extra results: printed lines and JSON members. */
struct wl_report {
	FILE *out;	 /* summary stream (NULL when --quiet) */
	struct json *js; /* positioned inside the "workload_results" object */
	double elapsed_s;
};

struct workload_ops {
	const char *name;
	const char *desc;
	const struct bench_opt *opts; /* workload-specific options, {0}-terminated */
	/*
	 * Counters that neither this workload's code nor the model it drives
	 * can bump (WL_COUNTER bits); the store's own are decided by its caps.
	 * A counter that nothing on a run's path can bump is reported absent
	 * (null), not 0 (bench/run.c, counter_present). 0, the default:
	 * the workload may bump any, so nothing is reported absent for it.
	 */
	uint32_t counters_never;
	/* Check option combinations; print a message and return -1 if bad. */
	int (*validate)(void);
	/* Optional: how many LPIs set-up will map, handed to the store as a
	 * sizing hint (hash tables are sized like a deployment would). */
	uint32_t (*expected_lpis)(void);
	/* Write every workload parameter as members of the JSON "params". */
	void (*write_params)(struct json *js);
	/* Optional: the threads setup will ask for (--lock=auto decides the
	 * lock kind from it before the store is created); default: the
	 * driver's thread count. */
	unsigned (*planned_threads)(void);
	int (*setup)(struct wl_ctx *ctx);
	int (*thread_init)(struct wl_ctx *ctx, struct wl_worker *w);
	int (*op)(struct wl_ctx *ctx, struct wl_worker *w);
	void (*thread_exit)(struct wl_ctx *ctx, struct wl_worker *w);
	/* Returns 0, or -1 with a message in msg, or WL_VERIFY_DETECTED with
	 * "detected: ..." in msg when the run found what it exists to find (a
	 * race replay's race): the driver then exits with status 3. */
	int (*verify)(struct wl_ctx *ctx, char *msg, size_t len);
	void (*report)(struct wl_ctx *ctx, struct wl_report *rep);
	void (*teardown)(struct wl_ctx *ctx);
};

extern const struct workload_ops *const workload_registry[];
const struct workload_ops *workload_find(const char *name);

/* xorshift64*: fast per-thread randomness. */
static inline uint64_t wl_rand(struct wl_worker *w)
{
	uint64_t x = w->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) without division bias worth caring about here. */
static inline uint32_t wl_rand_below(struct wl_worker *w, uint32_t n)
{
	return (uint32_t)(((wl_rand(w) >> 32) * (uint64_t)n) >> 32);
}

#endif
