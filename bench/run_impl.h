/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One run's state, shared by its phases (run.c), its result files
 * (run_json.c) and its printed summary (run_summary.c). The run owns every
 * allocation here; run_release() frees them, unless stuck workers may
 * still use them (then the run is abandoned, see run.c).
 */
#ifndef LB_BENCH_RUN_IMPL_H
#define LB_BENCH_RUN_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "run.h"

/* A quota run that takes longer than this is stopped and reported. */
#define RUN_QUOTA_TIMEOUT_S 600.0

struct bench_run;

struct bench_worker {
	pthread_t thread;
	struct bench_run *run;
	struct wl_worker w;
	_Atomic uint64_t progress; /* ops so far; read by the timeline sampler */
	uint64_t ops_base, ops_measured;
	uint64_t start_ns;  /* when it left the start barrier */
	uint64_t done_ns;   /* when a quota was completed, 0 if not */
	uint64_t window_ns; /* when it saw the measured window open */
	uint64_t stop_ns;   /* when it saw the stop (or finished its quota) */
	struct lb_counters counters;
	/* The worker's own cells (thread-local), for a snapshot after a stall,
	 * when the worker cannot hand them over. */
	const struct lb_counters *live_counters;
	struct samp_thread *samp; /* NULL when sampling is off */
	wl_op_fn op;		  /* the op it calls (run_pick_op) */
	unsigned sample_every;	  /* its period in the measured window; 0 = none */
	bool in_window;		  /* it saw the measured window begin */
	int init_rc;
	bool started;
} lb_pair_aligned;

struct bench_run {
	struct wl_ctx ctx;
	const struct workload_ops *wl;
	const struct wl_plan *plan;
	const struct manifest *m;
	struct bench_worker *workers;
	unsigned started;	     /* workers created */
	bool *joined;		     /* per worker: joined (not stuck) */
	_Atomic uint64_t **progress; /* the timed workers', for the timeline */
	pthread_barrier_t start;
	bool barrier_ready;
	bool set_up; /* the workload's setup succeeded: teardown owed */
	bool quota;  /* ends when the timed workers are done (or --ops) */
	atomic_int phase;
	atomic_uint timed_done;
	atomic_bool stalled; /* the watchdog stopped the run */
	/* Sampling: N for one op type, written before the workers enter the
	 * measured window (before they start, or before the phase's release
	 * store). With --sample=auto each worker scales it by the op types it
	 * times per op, counted in its warm-up (window_begin). */
	bool sampling;
	bool sample_scale;
	unsigned sample_base;
	struct perf_result *perf; /* per worker, written by the worker at its end */
	struct timeline tl;
	bool tl_on;
	uint64_t t0, t1; /* the measured window, monotonic ns */
	struct run_result res;
};

/* run_json.c: the JSON result file and the CSV row. Returns 0 or -1. */
int run_write_results(struct bench_run *r);
/* run_summary.c: the human summary on stdout. */
void run_print_summary(const struct bench_run *r);
void run_warn_oversubscribed(unsigned threads, const struct manifest *m);

#endif
