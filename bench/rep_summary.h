/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The repetitions of one configuration (backend, workload, thread count):
 * their throughputs and result files, and their summary, printed and
 * written to <out>/summaries/ when there are at least two (or --until-ci).
 */
#ifndef LB_BENCH_REP_SUMMARY_H
#define LB_BENCH_REP_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/stats.h"
#include "../workloads/workload.h"
#include "manifest.h"

struct reps {
	double *x;	    /* ops/s of the complete runs */
	char (*names)[256]; /* their result files */
	unsigned n;	    /* complete runs */
	unsigned runs;	    /* runs made */
	bool until;	    /* --until-ci */
	enum stats_ci_verdict verdict;
	double width_pct;
};

/* Prints and writes the summary of one configuration's repetitions.
 * Returns 0, or -1 if it could not be written. */
int reps_summarize(const char *backend, const struct workload_ops *wl, unsigned threads,
		   const struct reps *rp, const struct manifest *m);

#endif
