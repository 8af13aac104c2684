/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench: runs every (backend, thread count, repetition) of one workload
 * and writes a result per run. After the repetitions of a configuration
 * (--runs, or --until-ci), when there are at least two, it prints the
 * median, min, max and the 95% CI of the median throughput (order
 * statistics; the range, labelled so, below 6 runs) and writes them to
 * <out>/summaries/. Exit status: 0 ok, 1 a run failed its verification
 * or was stopped by the watchdog, 2 bad input or set-up error, 3 a race
 * replay detected its race, 130 interrupted. Only main() exits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/sync.h"
#include "closing_table.h"
#include "config.h"
#include "manifest.h"
#include "measure.h"
#include "option_rules.h"
#include "options.h"
#include "rep_summary.h"
#include "result.h"
#include "run.h"
#include "run_plan.h"
#include "topo.h"

static void list_backends(void)
{
	for (const struct store_ops *const *o = store_registry; *o; o++)
		printf("%-10s %s\n", (*o)->name, (*o)->desc);
}

static void list_workloads(void)
{
	for (const struct workload_ops *const *w = workload_registry; *w; w++)
		printf("%-12s %s\n", (*w)->name, (*w)->desc);
}

/* --plan: where every thread of every run would go; nothing runs. The
 * workload decides its threads and roles (lpi-stress: injectors and vCPUs),
 * so each configuration is set up on the first backend and torn down. */
static int placement_plan(const struct workload_ops *wl, const struct wl_plan *plan)
{
	struct topo_plan_run runs[WL_PLAN_MAX];
	const struct store_ops *b = plan->backends[0];
	int rc = 0;
	lb_rcu_register_thread();
	for (unsigned t = 0; t < plan->nr_threads && !rc; t++) {
		struct store_cfg scfg = {.expected_lpis =
					     wl->expected_lpis ? wl->expected_lpis() : 0};
		struct wl_ctx ctx = {.plan = plan,
				     .store_ops = b,
				     .nr_threads = plan->threads[t],
				     .nr_timed = plan->threads[t],
				     .seed = plan->seed};
		ctx.store = b->create(&scfg);
		if (!ctx.store || wl->setup(&ctx)) {
			fprintf(stderr, "lpibench: --plan: cannot set up the workload\n");
			rc = 2;
		} else {
			runs[t] =
			    (struct topo_plan_run){ctx.nr_threads, ctx.vcpu_first, ctx.nr_vcpu};
			if (wl->teardown)
				wl->teardown(&ctx);
		}
		if (ctx.store)
			b->destroy(ctx.store);
	}
	lb_rcu_barrier();
	lb_rcu_unregister_thread();
	return rc ? rc : topo_plan_main(runs, plan->nr_threads, stdout);
}

/* The actions that are not runs: returns the exit status, or -1 to run. */
static int act(enum bench_action action)
{
	switch (action) {
	case BENCH_HELP:
		options_usage(stdout);
		return 0;
	case BENCH_VERSION:
		manifest_print_version(stdout);
		return 0;
	case BENCH_LIST_BACKENDS:
		list_backends();
		return 0;
	case BENCH_LIST_WORKLOADS:
		list_workloads();
		return 0;
	case BENCH_WORKLOAD_ACT:
		for (const struct workload_ops *const *w = workload_registry; *w; w++)
			if ((*w)->act && (*w)->act(NULL))
				(*w)->act(stdout);
		return 0;
	case BENCH_LIST_OPTIONS:
		options_list_json(stdout);
		return 0;
	case BENCH_RUN:
		break;
	}
	return -1;
}

/* Folds a run's status into the invocation's: the worst of 0..3, except
 * that a stalled or abandoned run decides alone. */
static void fold_status(enum run_status *status, enum run_status rc)
{
	if (rc == RUN_STALLED || rc == RUN_ABANDONED || rc > *status)
		*status = rc;
}

/* The repetitions of one (backend, thread count): --runs, or --until-ci's
 * at least --runs and at most --max-runs. Returns false when no further
 * run may be made (set-up error, stall). */
static bool run_config(const struct store_ops *b, const struct workload_ops *wl,
		       const struct wl_plan *plan, unsigned threads, unsigned cap, struct reps *rp,
		       const struct manifest *m, enum run_status *status)
{
	rp->n = rp->runs = 0;
	rp->verdict = STATS_CI_MORE;
	rp->width_pct = INFINITY;
	for (unsigned run = 1; run <= cap && !run_interrupted; run++) {
		struct run_outcome o;
		enum run_status rc = run_one(b, wl, plan, threads, run, m, &o);
		fold_status(status, rc);
		if (rc == RUN_ERROR || rc == RUN_STALLED || rc == RUN_ABANDONED)
			return false;
		rp->runs++;
		threads = o.threads ? o.threads : threads; /* the workload's own */
		if (o.complete) {
			rp->x[rp->n] = o.ops_per_sec;
			snprintf(rp->names[rp->n], sizeof(rp->names[0]), "%s", o.json_name);
			rp->n++;
		}
		if (!rp->until)
			continue;
		rp->verdict = stats_until_ci(rp->x, rp->n, measure_cfg.until_ci_pct, plan->runs,
					     measure_cfg.max_runs, plan->seed, &rp->width_pct);
		if (rp->verdict == STATS_CI_MORE && run == cap)
			rp->verdict = STATS_CI_CAP; /* failed runs count too */
		if (rp->verdict != STATS_CI_MORE)
			break;
	}
	if (reps_summarize(b->name, wl, threads, rp, m))
		*status = RUN_ERROR; /* and the sweep goes on */
	closing_add(b->name, wl->name, threads, rp->x, rp->n, rp->runs);
	return true;
}

/* Every (backend, thread count) of the plan, until one cannot go on. */
static enum run_status run_all(const struct workload_ops *wl, const struct wl_plan *plan,
			       const struct manifest *m)
{
	bool until = measure_cfg.until_ci_pct > 0;
	unsigned cap = plan->runs;
	if (until && measure_cfg.max_runs > cap)
		cap = measure_cfg.max_runs;
	struct reps rp = {.until = until};
	rp.x = calloc(cap, sizeof(*rp.x));
	rp.names = calloc(cap, sizeof(*rp.names));
	enum run_status status = RUN_OK;
	bool go_on = rp.x && rp.names;
	if (!go_on) {
		fprintf(stderr, "lpibench: out of memory\n");
		status = RUN_ERROR;
	}
	for (unsigned b = 0; go_on && b < plan->nr_backends && !run_interrupted; b++)
		for (unsigned t = 0; go_on && t < plan->nr_threads && !run_interrupted; t++)
			go_on = run_config(plan->backends[b], wl, plan, plan->threads[t], cap, &rp,
					   m, &status);
	free(rp.x);
	free(rp.names);
	return status;
}

/* A run's status as the process's exit status. */
static int exit_status(enum run_status s)
{
	switch (s) {
	case RUN_STALLED:
		return 1;
	case RUN_ABANDONED:
		return 2;
	default:
		return (int)s;
	}
}

int main(int argc, char **argv)
{
	enum bench_action action;
	if (options_parse(argc, argv, &action))
		return 2;
	int rc = act(action);
	if (rc >= 0)
		return rc;

	const struct workload_ops *wl = workload_find(bench_cfg.workload);
	struct wl_plan plan;
	if (run_plan_build(&plan, wl))
		return 2;
	if (option_rules_check(wl))
		return 2;
	if (wl->validate && wl->validate(&plan))
		return 2;
	if (topo_validate())
		return 2;
	if (topo_plan_requested())
		return placement_plan(wl, &plan);
	if (result_check_out_dir(bench_cfg.out_dir) || topo_bind_memory())
		return 2;
	/* Clock, sampling cost, perf mode, environment: before any thread. */
	if (measure_setup(plan.quiet))
		return 2;
	struct manifest m;
	manifest_collect(&m);
	lb_rcu_register_thread();
	run_install_signal_handlers();
	enum run_status status = run_all(wl, &plan, &m);
	if (!plan.quiet)
		closing_print(stdout);
	if (status == RUN_STALLED || status == RUN_ABANDONED) {
		/* Workers left running: no clean-up, and no exit handlers either
		 * (one may wait for a grace period a stuck reader blocks). */
		fflush(NULL);
		_exit(exit_status(status));
	}
	lb_rcu_unregister_thread();
	if (run_interrupted) {
		fprintf(stderr, "lpibench: interrupted; results so far are written\n");
		return 130;
	}
	return exit_status(status);
}
