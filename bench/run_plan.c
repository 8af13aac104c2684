/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Builds the workloads' plan from bench_cfg: the one place the backend list
 * is split into names and looked up.
 */
#include "run_plan.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "options.h"

/* Splits a comma list of backend names into store ops. */
static int resolve_backends(struct wl_plan *plan, const char *list)
{
	char tmp[sizeof(bench_cfg.backends)];
	if (strlen(list) >= sizeof(tmp)) {
		fprintf(stderr, "lpibench: --backend: list too long\n");
		return -1;
	}
	strcpy(tmp, list);
	plan->nr_backends = 0;
	for (char *save, *name = strtok_r(tmp, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		const struct store_ops *o = store_find(name);
		if (!o) {
			fprintf(stderr,
				"lpibench: --backend: unknown backend '%s' (see "
				"--list-backends)\n",
				name);
			return -1;
		}
		if (plan->nr_backends == WL_PLAN_MAX) {
			fprintf(stderr, "lpibench: --backend: more than %d backends\n",
				WL_PLAN_MAX);
			return -1;
		}
		plan->backends[plan->nr_backends++] = o;
	}
	if (!plan->nr_backends) {
		fprintf(stderr, "lpibench: --backend: no backend given\n");
		return -1;
	}
	return 0;
}

int run_plan_build(struct wl_plan *plan, const struct workload_ops *wl)
{
	memset(plan, 0, sizeof(*plan));
	const char *list = bench_cfg.backends;
	if (!bench_cfg.backends_set && wl->default_backends && wl->default_backends())
		list = wl->default_backends();
	plan->backends_given = bench_cfg.backends_set;
	if (resolve_backends(plan, list))
		return -1;
	if (bench_cfg.nr_threads > WL_PLAN_MAX) {
		fprintf(stderr, "lpibench: --threads: more than %d counts\n", WL_PLAN_MAX);
		return -1;
	}
	memcpy(plan->threads, bench_cfg.threads, bench_cfg.nr_threads * sizeof(unsigned));
	plan->nr_threads = bench_cfg.nr_threads;
	plan->duration_s = bench_cfg.duration_s;
	plan->duration_given = options_given("duration");
	plan->ops = bench_cfg.ops;
	plan->warmup_s = bench_cfg.warmup_s;
	plan->runs = bench_cfg.runs;
	plan->seed = bench_cfg.seed;
	plan->quiet = bench_cfg.quiet;
	plan->check = bench_cfg.check;
	return 0;
}
