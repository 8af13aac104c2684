/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workload contract (in the spirit of will-it-scale: a test case is one
 * op function plus prepare/cleanup hooks; the driver owns threads, barriers,
 * clocks, placement and output).
 *
 * A workload is one file in workloads/ defining
 * `const struct workload_ops workload_<name>_ops` plus one line in
 * workloads/workload_registry.def.
 *
 * What a workload gets is its plan (struct wl_plan): the driver's settings,
 * resolved once from the command line (--backend to store ops, durations,
 * seed...). A workload reads the plan it is handed and never the driver's
 * configuration; what it needs from the driver it states through hooks
 * (validate the plan, default_backends, act).
 *
 * Life of a run (driver side, bench/run.c):
 *   setup(ctx)            once, main thread; builds state on ctx->store; may
 *                         change ctx->nr_threads and ctx->nr_timed (roles)
 *   thread_init(ctx, w)   on each worker, after RCU registration
 *   op(ctx, w) ...        the measured loop: one call = one operation
 *                         (or setup's per-mode instance, wl_ctx.op_timed)
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
#include <string.h>

#include "../util/option.h"
#include "../core/counters.h"
#include "../core/rand.h"
#include "../structures/store.h"

struct json;
struct wl_ctx;
struct wl_worker;

enum { WL_CONTINUE = 0, WL_DONE = 1 };

/* One operation of the measured loop: WL_CONTINUE or WL_DONE. */
typedef int (*wl_op_fn)(struct wl_ctx *ctx, struct wl_worker *w);

/* verify()'s "found it" (the driver exits with status 3). */
enum { WL_VERIFY_DETECTED = 3 };

/* A counter (core/counters.h) as a bit of workload_ops.counters_never. */
#define WL_COUNTER(c) (1u << (c))
/* What a get+update+put loop without churn or a cache never counts: getput
 * and the reference loop that mirrors it. */
#define WL_COUNTERS_GETPUT_NEVER                                                                   \
	(WL_COUNTER(LB_C_CAS_RETRY) | WL_COUNTER(LB_C_TRYGET_FAIL) | WL_COUNTER(LB_C_GET_MISS) |   \
	 WL_COUNTER(LB_C_GP_WAIT) | WL_COUNTER(LB_C_GP_WAIT_NS) | WL_COUNTER(LB_C_DEFER_FREE) |    \
	 WL_COUNTER(LB_C_CACHE_HIT) | WL_COUNTER(LB_C_CACHE_MISS) | WL_COUNTER(LB_C_CACHE_EVICT) | \
	 WL_COUNTER(LB_C_CACHE_INVAL))

#define WL_PLAN_MAX 128 /* backends or thread counts in one invocation */

#define WL_MAX_NOTES 8

/* The driver's settings, as the workloads see them (read-only). */
struct wl_plan {
	const struct store_ops *backends[WL_PLAN_MAX]; /* in run order */
	unsigned nr_backends;
	bool backends_given; /* by --backend, not the workload's default */
	unsigned threads[WL_PLAN_MAX];
	unsigned nr_threads;
	double duration_s;   /* timed runs; unused when ops != 0 */
	bool duration_given; /* --duration was on the command line */
	uint64_t ops;	     /* total ops per run, split over threads; 0 = timed */
	double warmup_s;
	unsigned runs;
	uint64_t seed;
	bool quiet;
	bool check; /* poisoning and invariant checks on */
};

/* Per worker; workloads may keep private state in priv. */
struct wl_worker {
	unsigned id;
	uint64_t rng; /* xorshift state, seeded per worker from --seed */
	void *priv;
	uint64_t get_ok, get_fail; /* get outcomes, for the summary */
};

struct wl_ctx {
	const struct wl_plan *plan;
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
	/* A measured window shorter than this is flagged too_short (setup may
	 * raise the driver's floor; min_window_why says why). */
	double min_window_s;
	const char *min_window_why;
	void *state; /* the workload's */
	/*
	 * Optional, set by setup: op compiled for this run's modes, so that
	 * the measured loop tests none of them per op. op_timed runs while the
	 * worker's sampler is armed (samp_self set, util/sampling.h), so it
	 * may time its parts without testing samp_self; op_untimed while it is
	 * not, and it touches no sampler. The driver picks one whenever the
	 * sampler changes (bench/run_loop.h, run_pick_op); NULL: workload_ops.op.
	 */
	wl_op_fn op_timed, op_untimed;
	/* How the model stands in for the kernel (e.g. the injection syscall),
	 * noted by setup with wl_note; the driver writes them into the
	 * manifest's "model" object. Keys and values are string literals. */
	struct {
		const char *key, *value;
	} notes[WL_MAX_NOTES];
	unsigned nr_notes;
};

/* Notes a fact about the model for the manifest (see wl_ctx.notes); a key
 * noted again is replaced. Context: setup. */
static inline void wl_note(struct wl_ctx *ctx, const char *key, const char *value)
{
	unsigned i = 0;
	while (i < ctx->nr_notes && strcmp(ctx->notes[i].key, key) != 0)
		i++;
	if (i == WL_MAX_NOTES)
		return;
	ctx->notes[i].key = key;
	ctx->notes[i].value = value;
	if (i == ctx->nr_notes)
		ctx->nr_notes++;
}

/* Extra results: printed lines and JSON members. */
struct wl_report {
	FILE *out;	 /* summary stream (NULL when --quiet) */
	struct json *js; /* positioned inside the "workload_results" object */
	double elapsed_s;
};

/* A driver option a workload does not use, and what it uses instead: the
 * driver refuses the option with that reason (exit 2). */
struct wl_refused_opt {
	const char *option; /* long name, without "--" */
	const char *instead;
};

struct workload_ops {
	const char *name;
	const char *desc;
	/* Workload-specific options, {0}-terminated; the driver parses them and
	 * records them in the result's "params" (bench/option.h). */
	const struct bench_opt *opts;
	/*
	 * Counters that neither this workload's code nor the model it drives
	 * can bump (WL_COUNTER bits); the store's own are decided by its caps.
	 * A counter that nothing on a run's path can bump is reported absent
	 * (null), not 0 (bench/run.c, counter_present). 0, the default:
	 * the workload may bump any, so nothing is reported absent for it.
	 */
	uint32_t counters_never;
	/* Driver options that do not apply to it, {0}-terminated; NULL: none. */
	const struct wl_refused_opt *refuses;
	/*
	 * Optional: an action one of its options asked for instead of a run
	 * (race: --list-scenarios; such an option is accepted whatever the
	 * workload). Returns 0 when none was asked, else 1 and, unless out is
	 * NULL, prints it to out. The driver then exits 0 without running.
	 */
	int (*act)(FILE *out);
	/* Optional: the backends (comma list) to use when --backend is not
	 * given (lpi-stress: --kernel's era), or NULL for the driver's. Called
	 * once, after option parsing. */
	const char *(*default_backends)(void);
	/* Check option combinations against the plan; print a message and
	 * return -1 if bad. */
	int (*validate)(const struct wl_plan *plan);
	/* Optional: how many LPIs set-up will map, handed to the store as a
	 * sizing hint (hash tables are sized like a deployment would). */
	uint32_t (*expected_lpis)(void);
	/* Optional: the threads setup will ask for (--lock=auto decides the
	 * lock kind from it before the store is created); default: the
	 * driver's thread count. */
	unsigned (*planned_threads)(void);
	int (*setup)(struct wl_ctx *ctx);
	int (*thread_init)(struct wl_ctx *ctx, struct wl_worker *w);
	wl_op_fn op; /* every mode, tested per op (see wl_ctx.op_timed) */
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
	return lb_rand64(&w->rng);
}

/* Uniform in [0, n) without division bias worth caring about here. */
static inline uint32_t wl_rand_below(struct wl_worker *w, uint32_t n)
{
	return (uint32_t)(((wl_rand(w) >> 32) * (uint64_t)n) >> 32);
}

#endif
