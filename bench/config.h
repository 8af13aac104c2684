/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The run configuration the driver owns, filled from the command line.
 * Only the driver (bench/) reads it: workloads get the plan built from it
 * (run_plan.h) and state their defaults through hooks (workload.h).
 */
#ifndef LB_BENCH_CONFIG_H
#define LB_BENCH_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_MAX_LIST 64

struct bench_config {
	char backends[256]; /* comma list of backend names */
	bool backends_set;  /* given with --backend */
	const char *workload;
	unsigned threads[BENCH_MAX_LIST];
	unsigned nr_threads; /* entries in threads[] */
	double duration_s;   /* timed runs; ignored when ops != 0 */
	uint64_t ops;	     /* total ops per run, split over threads */
	double warmup_s;
	unsigned runs;
	uint64_t seed;
	const char *out_dir;
	bool quiet;
	bool check;	   /* poisoning and invariant checks on */
	bool check_shared; /* record accounting writes per 128-byte line */
	int argc;
	char **argv;
};

extern struct bench_config bench_cfg;

#endif
