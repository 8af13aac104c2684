/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Measurement options (see measure.h).
 */
#include "measure.h"

#include <string.h>

struct measure_config measure_cfg = {
    .clock = CLK_AUTO,
    .sample_auto = true,
    .sample_every = 0,
    .perf = PERF_MODE_AUTO,
    .until_ci_pct = 0,
    .max_runs = 20,
    .interval_ms = 0,
};

struct env_info measure_env;
double measure_timing_cost_ns;

static int set_clock(const char *arg)
{
	if (clk_parse_source(arg, &measure_cfg.clock))
		return opt_error("clock", "expected auto, cntvct, tsc or gettime, got '%s'", arg);
	return 0;
}

static int set_sample(const char *arg)
{
	uint64_t v;

	if (strcmp(arg, "auto") == 0) {
		measure_cfg.sample_auto = true;
		return 0;
	}
	if (strcmp(arg, "off") == 0) {
		v = 0;
	} else if (opt_parse_u64("sample", arg, 0, 1u << 30, &v)) {
		return -1;
	}
	measure_cfg.sample_auto = false;
	measure_cfg.sample_every = (unsigned)v;
	return 0;
}

static int set_perf(const char *arg)
{
	if (strcmp(arg, "auto") == 0)
		measure_cfg.perf = PERF_MODE_AUTO;
	else if (strcmp(arg, "off") == 0)
		measure_cfg.perf = PERF_MODE_OFF;
	else
		return opt_error("perf", "expected auto or off, got '%s'", arg);
	return 0;
}

static int set_until_ci(const char *arg)
{
	return opt_parse_double("until-ci", arg, 0, 100, &measure_cfg.until_ci_pct);
}

static int set_max_runs(const char *arg)
{
	uint64_t v;

	if (opt_parse_u64("max-runs", arg, 1, 1000, &v))
		return -1;
	measure_cfg.max_runs = (unsigned)v;
	return 0;
}

static int set_interval(const char *arg)
{
	uint64_t ns;

	if (opt_parse_ns("interval", arg, "ms", &ns))
		return -1;
	if (ns && ns < 1000000)
		return opt_error("interval", "at least 1 ms (or 0 for no timeline), got '%s'", arg);
	measure_cfg.interval_ms = (unsigned)(ns / 1000000);
	return 0;
}

const struct bench_opt measure_opts[] = {
    {"clock", 0, true, "auto|cntvct|tsc|gettime",
     "clock for timing ops (default auto: cntvct on arm64, invariant TSC on x86, else "
     "clock_gettime)",
     set_clock, NULL},
    {"sample", 0, true, "auto|off|N",
     "time every Nth op of each type into latency histograms (default auto: timing adds "
     "<= ~5% to ns/op)",
     set_sample, NULL},
    {"perf", 0, true, "auto|off",
     "per-thread perf_event_open counters (default auto; unavailable ones are reported as such)",
     set_perf, NULL},
    {"until-ci", 0, true, "P",
     "repeat until the 95% CI of median throughput is narrower than P% (0 = off)", set_until_ci,
     NULL},
    {"max-runs", 0, true, "N", "at most N runs with --until-ci (default 20)", set_max_runs, NULL},
    {"interval", 0, true, "MS",
     "sample per-thread progress every MS ms into the JSON timeline (0 = off)", set_interval, NULL},
    {0},
};

int measure_setup(bool quiet)
{
	int ret = clk_init(measure_cfg.clock);

	measure_timing_cost_ns = samp_measure_cost_ns();

	perf_init(measure_cfg.perf);
	env_collect(&measure_env);
	if (!quiet)
		env_warn_governor(&measure_env, stderr);
	return ret;
}

unsigned measure_sample_n(double op_ns)
{
	if (!measure_cfg.sample_auto)
		return measure_cfg.sample_every;
	return samp_choose_n(measure_timing_cost_ns, op_ns);
}
