/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench: runs every (backend, thread count, repetition) of one workload
 * and writes a result per run. After the repetitions of a configuration
 * (--runs, or --until-ci), when there are at least two, it prints the
 * median, min, max and the 95% CI of the median throughput (order
 * statistics; the range, labelled so, below 6 runs) and writes them to
 * <out>/summaries/. Exit status: 0 ok, 1 a run failed its verification
 * or was stopped by the watchdog, 2 bad input or set-up error, 3 a race
 * replay detected its race, 130 interrupted.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/sync.h"
#include "closing_table.h"
#include "config.h"
#include "json.h"
#include "manifest.h"
#include "measure.h"
#include "measure_report.h"
#include "median_ci.h"
#include "option_rules.h"
#include "options.h"
#include "result.h"
#include "run.h"
#include "stats.h"
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
static int plan(const struct workload_ops *wl)
{
	struct topo_plan_run runs[BENCH_MAX_LIST];
	char first[sizeof(bench_cfg.backends)];
	strcpy(first, bench_cfg.backends);
	first[strcspn(first, ",")] = 0;
	const struct store_ops *b = store_find(first);
	lb_rcu_register_thread();
	for (unsigned t = 0; t < bench_cfg.nr_threads; t++) {
		struct store_cfg scfg = {.expected_lpis =
					     wl->expected_lpis ? wl->expected_lpis() : 0};
		struct wl_ctx ctx = {.store_ops = b,
				     .nr_threads = bench_cfg.threads[t],
				     .nr_timed = bench_cfg.threads[t],
				     .seed = bench_cfg.seed};
		ctx.store = b->create(&scfg);
		if (!ctx.store || wl->setup(&ctx)) {
			fprintf(stderr, "lpibench: --plan: cannot set up the workload\n");
			return 2;
		}
		runs[t] = (struct topo_plan_run){ctx.nr_threads, ctx.vcpu_first, ctx.nr_vcpu};
		if (wl->teardown)
			wl->teardown(&ctx);
		b->destroy(ctx.store);
	}
	lb_rcu_barrier();
	lb_rcu_unregister_thread();
	return topo_plan_main(runs, bench_cfg.nr_threads, stdout);
}

/* The repetitions of one configuration. */
struct reps {
	double *x;	    /* ops/s of the complete runs */
	char (*names)[256]; /* their result files */
	unsigned n;	    /* complete runs */
	unsigned runs;	    /* runs made */
	bool until;	    /* --until-ci */
	enum stats_ci_verdict verdict;
	double width_pct;
};

static const char *verdict_name(const struct reps *rp)
{
	if (run_interrupted)
		return "interrupted";
	return rp->verdict == STATS_CI_NARROW ? "narrow"
	       : rp->verdict == STATS_CI_CAP  ? "cap"
					      : "more";
}

/* Summary folder: beside the run files, not among them, so that readers of
 * a result folder (scripts/) see runs only. */
#define SUMMARY_DIR "summaries"

static int write_summary(const char *backend, const struct workload_ops *wl, unsigned threads,
			 const struct reps *rp, const struct manifest *m, char *path, size_t len)
{
	char dir[PATH_MAX], name[256], stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(dir, sizeof(dir), "%s/%s", bench_cfg.out_dir, SUMMARY_DIR);
	snprintf(name, sizeof(name), "%s-%s-%s-t%u-summary.json", stamp, backend, wl->name,
		 threads);
	snprintf(path, len, "%s/%s", dir, name);
	if (result_check_out_dir(dir))
		return -1;

	char *buf = NULL;
	size_t blen = 0;
	FILE *mem = open_memstream(&buf, &blen);
	if (!mem)
		return -1;
	struct json js;
	json_init(&js, mem);
	json_obj_begin(&js, NULL);
	json_u64(&js, "schema", RESULT_SCHEMA);
	json_str(&js, "kind", "summary");
	json_str(&js, "backend", backend);
	json_str(&js, "workload", wl->name);
	json_u64(&js, "threads", threads);
	json_str(&js, "metric", "ops_per_sec");
	measure_json_runs(&js, "repetitions", rp->x, rp->n, bench_cfg.seed);
	json_arr_begin(&js, "run_files"); /* in the folder above */
	for (unsigned i = 0; i < rp->n; i++)
		json_str(&js, NULL, rp->names[i]);
	json_arr_end(&js);
	json_u64(&js, "runs_made", rp->runs);
	json_u64(&js, "runs_left_out", rp->runs - rp->n); /* failed or interrupted */
	if (rp->until) {
		json_obj_begin(&js, "until_ci");
		json_double(&js, "target_pct", measure_cfg.until_ci_pct);
		json_u64(&js, "max_runs", measure_cfg.max_runs);
		json_double(&js, "width_pct", rp->width_pct);
		json_str(&js, "verdict", verdict_name(rp));
		json_obj_end(&js);
	} else {
		json_null(&js, "until_ci");
	}
	json_bool(&js, "interrupted", run_interrupted);
	manifest_write(&js, m, threads);
	json_obj_end(&js);
	fclose(mem);
	int rc = result_write_json(dir, name, buf, blen);
	free(buf);
	return rc;
}

/* Prints and writes the summary of one configuration's repetitions. */
static int summarize(const char *backend, const struct workload_ops *wl, unsigned threads,
		     const struct reps *rp, const struct manifest *m)
{
	char path[PATH_MAX + 300];
	if (rp->n < 2 && !rp->until)
		return 0; /* one run: its own summary says it all */
	int rc = write_summary(backend, wl, threads, rp, m, path, sizeof(path));
	if (bench_cfg.quiet) {
		if (!rc)
			printf("%s\n", path);
		return rc;
	}
	printf("== %s / %s, %u thread%s: %u of %u runs complete\n", backend, wl->name, threads,
	       threads == 1 ? "" : "s", rp->n, rp->runs);
	if (rp->n) {
		struct stats_summary st;
		struct median_ci ci;
		stats_summarize(rp->x, rp->n, &st);
		printf("   throughput: median %.3f Mops/s (min %.3f, max %.3f)", st.median / 1e6,
		       st.min / 1e6, st.max / 1e6);
		if (median_ci(rp->x, rp->n, 0.95, &ci))
			printf("; no interval from fewer than 2 runs\n");
		else if (ci.is_range)
			printf("; %u runs are too few for a 95%% CI of the median (6 needed): "
			       "range [%.3f, %.3f] Mops/s covers it with probability %.1f%%\n",
			       rp->n, ci.lo / 1e6, ci.hi / 1e6, ci.coverage * 100);
		else
			printf("; 95%% CI of the median [%.3f, %.3f] Mops/s (order statistics %u "
			       "and %u of %u, coverage %.1f%%), width %.1f%%\n",
			       ci.lo / 1e6, ci.hi / 1e6, ci.lo_rank, ci.hi_rank, rp->n,
			       ci.coverage * 100, (ci.hi - ci.lo) / st.median * 100);
	}
	if (rp->until && !run_interrupted) {
		if (rp->verdict == STATS_CI_NARROW)
			printf("   --until-ci=%g: CI width %.1f%% < %g%% after %u runs\n",
			       measure_cfg.until_ci_pct, rp->width_pct, measure_cfg.until_ci_pct,
			       rp->runs);
		else
			printf("   --until-ci=%g: NOT REACHED: CI width still %.1f%% after %u runs "
			       "(--max-runs=%u)\n",
			       measure_cfg.until_ci_pct, rp->width_pct, rp->runs,
			       measure_cfg.max_runs);
	}
	if (!rc)
		printf("   summary: %s\n", path);
	return rc;
}

int main(int argc, char **argv)
{
	enum bench_action action;
	if (options_parse(argc, argv, &action))
		return 2;
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
	case BENCH_RUN:
		break;
	}

	const struct workload_ops *wl = workload_find(bench_cfg.workload);
	if (option_rules_check(wl))
		return 2;
	if (wl->validate && wl->validate())
		return 2;
	if (topo_validate())
		return 2;
	if (topo_plan_requested())
		return plan(wl);
	if (result_check_out_dir(bench_cfg.out_dir))
		return 2;
	if (topo_bind_memory())
		return 2;

	/* Clock, sampling cost, perf mode, environment: before any thread. */
	if (measure_setup(bench_cfg.quiet))
		exit(2);
	struct manifest m;
	manifest_collect(&m);
	lb_rcu_register_thread();
	run_install_signal_handlers();

	/* --until-ci: at least --runs, at most --max-runs (or --runs if more). */
	bool until = measure_cfg.until_ci_pct > 0;
	unsigned cap = bench_cfg.runs;
	if (until && measure_cfg.max_runs > cap)
		cap = measure_cfg.max_runs;
	struct reps rp = {.until = until};
	rp.x = calloc(cap, sizeof(*rp.x));
	rp.names = calloc(cap, sizeof(*rp.names));
	if (!rp.x || !rp.names) {
		fprintf(stderr, "lpibench: out of memory\n");
		return 2;
	}

	int status = 0;
	char backends[sizeof(bench_cfg.backends)];
	strcpy(backends, bench_cfg.backends);
	for (char *save, *name = strtok_r(backends, ",", &save); name && !run_interrupted;
	     name = strtok_r(NULL, ",", &save)) {
		const struct store_ops *b = store_find(name);
		for (unsigned t = 0; t < bench_cfg.nr_threads && !run_interrupted; t++) {
			unsigned threads = bench_cfg.threads[t];
			rp.n = rp.runs = 0;
			rp.verdict = STATS_CI_MORE;
			rp.width_pct = INFINITY;
			for (unsigned run = 1; run <= cap && !run_interrupted; run++) {
				struct run_outcome o;
				int rc = run_one(b, wl, threads, run, &m, &o);
				if (rc > status)
					status = rc;
				if (rc == 2)
					goto out;
				rp.runs++;
				threads = o.threads ? o.threads : threads; /* the workload's own */
				if (o.complete) {
					rp.x[rp.n] = o.ops_per_sec;
					snprintf(rp.names[rp.n], sizeof(rp.names[0]), "%s",
						 o.json_name);
					rp.n++;
				}
				if (!until)
					continue;
				rp.verdict = stats_until_ci(rp.x, rp.n, measure_cfg.until_ci_pct,
							    bench_cfg.runs, measure_cfg.max_runs,
							    bench_cfg.seed, &rp.width_pct);
				if (rp.verdict == STATS_CI_MORE && run == cap)
					rp.verdict = STATS_CI_CAP; /* failed runs count too */
				if (rp.verdict != STATS_CI_MORE)
					break;
			}
			if (summarize(name, wl, threads, &rp, &m))
				status = 2;
			closing_add(name, wl->name, threads, rp.x, rp.n, rp.runs);
		}
	}
out:
	if (!bench_cfg.quiet)
		closing_print(stdout);
	free(rp.x);
	free(rp.names);
	lb_rcu_unregister_thread();
	if (run_interrupted) {
		fprintf(stderr, "lpibench: interrupted; results so far are written\n");
		return 130;
	}
	return status;
}
