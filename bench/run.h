/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One run: a backend, a workload and a thread count. The driver owns the
 * threads, the start barrier, the clock and the one measurement loop; the
 * workload owns only its op.
 */
#ifndef LB_RUN_H
#define LB_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/counters.h"
#include "../structures/store.h"
#include "../workloads/workload.h"
#include "manifest.h"
#include "perf.h"
#include "../util/sampling.h"
#include "result_status.h"
#include "run_id.h"
#include "timeline.h"

struct run_result {
	const char *backend;
	const char *workload;
	unsigned threads; /* workers started */
	unsigned nr_timed;
	unsigned run_index;	 /* 1-based */
	char run_id[RUN_ID_LEN]; /* the run's UUID (run_id.h) */
	double elapsed_s;
	uint64_t total_ops; /* timed workers' ops in the measured window */
	double ops_per_sec;
	double ns_per_op; /* thread-time per op: elapsed * timed / ops */
	uint64_t *per_thread_ops;
	uint64_t get_ok, get_fail;
	struct lb_counters counters;	     /* sum of thread_counters */
	struct lb_counters *thread_counters; /* per worker, [threads] */
	bool counter_present[LB_C_NR];	     /* false: reported absent (null) */
	struct samp_thread *latency;	     /* merged; NULL when sampling is off */
	unsigned sample_base;		     /* N for one op type; 0 = no timing */
	unsigned *sample_every;		     /* per worker: the N it used */
	struct perf_result perf;	     /* summed over workers */
	struct perf_result *thread_perf;     /* per worker */
	struct timeline *timeline;	     /* NULL without --interval */
	uint64_t window_ns[2];		     /* measured window, timeline clock */
	struct store_stats store;
	bool verified;
	bool detected; /* verify() returned WL_VERIFY_DETECTED */
	char verify_msg[256];
	bool stalled;		  /* stopped by the watchdog */
	unsigned stuck_snapshots; /* workers whose counters were read while stuck */
	uint64_t alloc_failures;  /* --fail-alloc: allocations that failed */
	/* Start and stop skew: first to last worker leaving the start
	 * barrier; stop signal to the last worker seeing it (timed runs);
	 * the share of the window during which every worker ran. */
	bool skew_known;
	uint64_t skew_start_ns, skew_stop_ns;
	double all_running_share;
	bool shared_checked;	     /* --check-shared-writes on a timed run: */
	unsigned shared_write_lines; /* lines more than one thread wrote */
	unsigned outside_window;     /* workers that never saw the window open */
	bool interrupted;
	bool timed_out;
	enum result_status status; /* what readers go by (bench/result_status.h) */
	char status_reason[320];
	char json_name[256];
};

/* Set by SIGINT/SIGTERM: workers stop at their next check. */
extern volatile sig_atomic_t run_interrupted;
void run_install_signal_handlers(void);

/* What the driver's repetition loop needs from one run. */
struct run_outcome {
	double ops_per_sec;
	bool complete;	  /* written and status ok */
	unsigned threads; /* workers the run really started (lpi-stress: its own) */
	char json_name[256];
};

/*
 * How a run ended, worst last; main() turns it into the exit status (the
 * first four are the statuses themselves).
 */
enum run_status {
	RUN_OK = 0,	   /* written and verified */
	RUN_FAILED = 1,	   /* verification failed, or a quota run timed out */
	RUN_ERROR = 2,	   /* set-up impossible or results not written: exit 2 */
	RUN_DETECTED = 3,  /* the workload found what it looks for (race replays) */
	RUN_STALLED = 4,   /* the watchdog stopped it: result written; exit 1 now */
	RUN_ABANDONED = 5, /* workers could not all be started: exit 2 now */
};

/* Runs one configuration and writes its results (JSON + CSV row); fills
 * *out. A stalled or abandoned run leaves its workers (stuck, or waiting
 * for ones never created) and what they use behind: the caller makes no
 * further run and exits. Context: main thread; measure_setup() has run. */
enum run_status run_one(const struct store_ops *backend, const struct workload_ops *wl,
			const struct wl_plan *plan, unsigned threads, unsigned run_index,
			const struct manifest *m, struct run_outcome *out);

#endif
