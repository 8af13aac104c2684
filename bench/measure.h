/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Measurement options and the one setup call that applies them.
 *
 * Options (table measure_opts, listed in options.def):
 *   --clock=auto|cntvct|tsc|gettime  clock for op timing (clock.h)
 *   --sample=auto|off|N  time every Nth op of each type (0 or off: none);
 *                        auto (default) picks N from the measured cost of
 *                        timing one op and the warm-up's untimed ns/op
 *                        (samp_choose_n), so timing adds <= ~5%
 *   --perf=auto|off      perf_event_open counters (perf.h); rusage is
 *                        read either way
 *   --until-ci=P         repeat each configuration until the bootstrap 95%
 *                        CI of the median throughput is narrower than P% of
 *                        it (at least max(--runs, 5) runs, at most
 *                        --max-runs); 0 = off (default)
 *   --max-runs=N         cap for --until-ci (default 20)
 *   --interval=MS        timeline period (a unit suffix is accepted: 50ms,
 *                        0.5s); 0 = no timeline (default)
 *
 * Context: options are applied by the parser on the main thread;
 * measure_setup() runs once on the main thread before any worker exists.
 */
#ifndef LB_MEASURE_H
#define LB_MEASURE_H

#include <stdbool.h>
#include <stdio.h>

#include "../util/clock.h"
#include "env.h"
#include "../util/option.h"
#include "perf.h"
#include "../util/sampling.h"

struct measure_config {
	enum clk_source clock;
	bool sample_auto;      /* true unless --sample=N|off */
	unsigned sample_every; /* --sample=N; 0 = off (when !sample_auto) */
	enum perf_mode perf;
	double until_ci_pct; /* 0 = off */
	unsigned max_runs;
	unsigned interval_ms; /* 0 = off */
};

extern struct measure_config measure_cfg;
extern const struct bench_opt measure_opts[];

/* Facts gathered by measure_setup(), for the manifest. */
extern struct env_info measure_env;
extern double measure_timing_cost_ns; /* samp_measure_cost_ns() */

/*
 * Before any worker: choose and calibrate the clock (~20 ms), measure what
 * timing one op costs (~1 ms), set the perf mode, collect the environment
 * and, unless quiet, warn about a governor that is not 'performance'. Returns 0, or -1 when the
 * requested clock is unavailable (message printed; the driver exits with status 2).
 */
int measure_setup(bool quiet);

/*
 * The sampling period for a run whose untimed warm-up took op_ns per op
 * (pass 0 if unknown): --sample=N as given, else samp_choose_n().
 */
unsigned measure_sample_n(double op_ns);

#endif
