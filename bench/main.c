/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench: runs every (backend, thread count, repetition) of one workload
 * and writes a result per run. Exit status: 0 ok, 1 a run failed its
 * verification, 2 bad input or set-up error, 130 interrupted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sync.h"
#include "config.h"
#include "manifest.h"
#include "options.h"
#include "result.h"
#include "run.h"
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
		struct store_cfg scfg = {0};
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

	struct manifest m;
	manifest_collect(&m);
	lb_rcu_register_thread();
	run_install_signal_handlers();

	int status = 0;
	char backends[sizeof(bench_cfg.backends)];
	strcpy(backends, bench_cfg.backends);
	for (char *save, *name = strtok_r(backends, ",", &save); name && !run_interrupted;
	     name = strtok_r(NULL, ",", &save)) {
		const struct store_ops *b = store_find(name);
		for (unsigned t = 0; t < bench_cfg.nr_threads && !run_interrupted; t++) {
			unsigned threads = bench_cfg.threads[t];
			for (unsigned run = 1; run <= bench_cfg.runs && !run_interrupted; run++) {
				int rc = run_one(b, wl, threads, run, &m);
				if (rc > status)
					status = rc;
				if (rc == 2)
					goto out;
			}
		}
	}
out:
	lb_rcu_unregister_thread();
	if (run_interrupted) {
		fprintf(stderr, "lpibench: interrupted; results so far are written\n");
		return 130;
	}
	return status;
}
