/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the command line. The input is split at newlines into
 * arguments (argv[0] is "bench"); options_parse() must accept (0) or
 * reject with one clear message (-1, fuzz_common.h). An accepted run is
 * then checked the way main() does: the plan built, the workload's
 * validate() of it, and topo_validate() when a placement option was
 * given, against this machine's topology. With --topology the loading is left to
 * fuzz_topology.c, which bounds the size of what it loads (a synthetic
 * string can describe a machine that takes minutes to build; reported).
 *
 * Every module keeps its settings in globals, and some keep pointers into
 * argv (bench_cfg.workload, --out, --cache, --kernel, --plan-image): after each input
 * the target restores them from a snapshot taken before the first one,
 * and resets what has a reset (options_reset, topo_reset, faults_reset).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/config.h"
#include "bench/faults.h"
#include "bench/measure.h"
#include "bench/options.h"
#include "bench/run_plan.h"
#include "bench/topo.h"
#include "fuzz_common.h"
#include "workloads/lpi_stress_engine.h"

#define MAX_ARGS 32

static struct bench_config cfg0;
static struct measure_config measure0;
static struct lpistress_opts lpistress0;
static int snapshot_taken;

static const char *const topo_options[] = {"place",    "vcpu-place", "device-place", "mem-node",
					   "topology", "plan",	     "plan-image",   NULL};

static int topo_given(void)
{
	for (const char *const *o = topo_options; *o; o++)
		if (options_given(*o))
			return 1;
	return 0;
}

static void restore(void)
{
	options_reset();
	topo_reset();
	faults_reset();
	bench_cfg = cfg0;
	measure_cfg = measure0;
	lpistress_opt = lpistress0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!snapshot_taken) {
		cfg0 = bench_cfg;
		measure0 = measure_cfg;
		lpistress0 = lpistress_opt;
		snapshot_taken = 1;
	}
	char *buf = fuzz_cstring(data, size, 8192);
	if (!buf)
		return 0;

	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = "bench";
	for (char *p = buf; p && argc <= MAX_ARGS;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		argv[argc++] = p;
		p = nl ? nl + 1 : NULL;
	}
	argv[argc] = NULL;

	struct fuzz_capture c;
	enum bench_action action = BENCH_RUN;
	fuzz_capture_begin(&c);
	int rc = options_parse(argc, argv, &action);
	fuzz_check("options_parse", rc, fuzz_capture_end(&c));
	fuzz_capture_free(&c);

	if (rc == 0 && action == BENCH_RUN) {
		const struct workload_ops *wl = workload_find(bench_cfg.workload);
		if (!wl) {
			fprintf(stderr, "FUZZ: options_parse accepted an unknown workload\n");
			abort();
		}
		struct wl_plan plan;
		fuzz_capture_begin(&c);
		rc = run_plan_build(&plan, wl);
		fuzz_check("run_plan_build", rc, fuzz_capture_end(&c));
		fuzz_capture_free(&c);
		if (rc == 0 && wl->validate) {
			fuzz_capture_begin(&c);
			rc = wl->validate(&plan);
			fuzz_check("workload validate", rc, fuzz_capture_end(&c));
			fuzz_capture_free(&c);
		}
		if (rc == 0 && topo_given() && !options_given("topology")) {
			fuzz_capture_begin(&c);
			rc = topo_validate();
			fuzz_check("topo_validate", rc, fuzz_capture_end(&c));
			fuzz_capture_free(&c);
		}
	}
	restore();
	free(buf);
	return 0;
}
