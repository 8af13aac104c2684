/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The run configuration the driver owns, filled from the command line.
 * Modules other than the driver read it; a workload option may set
 * backends (e.g. --kernel=v6.8 picks the era's store) when the user did not.
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
	bool duration_set;   /* given with --duration */
	uint64_t ops;	     /* total ops per run, split over threads */
	double warmup_s;
	unsigned runs;
	uint64_t seed;
	const char *out_dir;
	bool quiet;
	bool check; /* poisoning and invariant checks on */
	int argc;
	char **argv;
};

extern struct bench_config bench_cfg;

#endif
