/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Measurement options (see measure.h).
 */
#include "measure.h"

#include <stdio.h>
#include <string.h>

#include "../util/json.h"

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

static const char *clock_choice(unsigned i)
{
	return i < CLK_NR ? clk_source_name((enum clk_source)i) : NULL;
}

static int parse_sample(const struct bench_opt *o, const char *arg)
{
	uint64_t v;

	if (strcmp(arg, "auto") == 0) {
		measure_cfg.sample_auto = true;
		return 0;
	}
	if (strcmp(arg, "off") == 0) {
		v = 0;
	} else if (opt_parse_u64(o->name, arg, 0, 1u << 30, &v)) {
		return -1;
	}
	measure_cfg.sample_auto = false;
	measure_cfg.sample_every = (unsigned)v;
	return 0;
}

/* "auto", "off" or N (as a string: one type for the key). */
static void record_sample(struct json *js, const struct bench_opt *o)
{
	char n[16];
	snprintf(n, sizeof(n), "%u", measure_cfg.sample_every);
	json_str(js, o->json,
		 measure_cfg.sample_auto    ? "auto"
		 : measure_cfg.sample_every ? n
					    : "off");
}

static const char *const perf_choices[] = {
    [PERF_MODE_AUTO] = "auto", [PERF_MODE_OFF] = "off", NULL};

/* A duration kept in whole ms, 0 or at least 1 ms. */
static int parse_interval(const struct bench_opt *o, const char *arg)
{
	uint64_t ns;

	if (opt_parse_ns(o->name, arg, o->unit, &ns))
		return -1;
	if (ns && ns < 1000000)
		return opt_error(o->name, "at least 1 ms (or 0 for no timeline), got '%s'", arg);
	measure_cfg.interval_ms = (unsigned)(ns / 1000000);
	return 0;
}

static void record_interval(struct json *js, const struct bench_opt *o)
{
	json_u64(js, o->json, measure_cfg.interval_ms);
}

const struct bench_opt measure_opts[] = {
    {.name = "clock",
     .type = OPT_ENUM,
     .dest = OPT_ENUM_DEST(measure_cfg.clock),
     .choice = clock_choice,
     .json = "clock",
     .help = "clock for timing ops (auto: cntvct on arm64, invariant TSC on x86, else "
	     "clock_gettime)"},
    {.name = "sample",
     .type = OPT_STRING,
     .metavar = "auto|off|N",
     .def = "auto",
     .json = "sample",
     .help = "time every Nth op of each type into latency histograms (auto: timing adds "
	     "<= ~5% to ns/op)",
     .parse = parse_sample,
     .record = record_sample},
    {.name = "perf",
     .type = OPT_ENUM,
     .dest = OPT_ENUM_DEST(measure_cfg.perf),
     .choices = perf_choices,
     .json = "perf",
     .help = "per-thread perf_event_open counters (unavailable ones are reported as such)"},
    {.name = "until-ci",
     .type = OPT_DOUBLE,
     .dest = &measure_cfg.until_ci_pct,
     .dmin = 0,
     .dmax = 100,
     .unit = "%",
     .metavar = "P",
     .json = "until_ci_pct",
     .help = "repeat until the 95% CI of median throughput is narrower than P% (0 = off)"},
    {.name = "max-runs",
     .type = OPT_UINT,
     .dest = &measure_cfg.max_runs,
     .min = 1,
     .max = 1000,
     .json = "max_runs",
     .help = "at most N runs with --until-ci"},
    {.name = "interval",
     .type = OPT_DURATION,
     .max = 3600000000000ull,
     .unit = "ms",
     .metavar = "MS",
     .json = "interval_ms",
     .help = "sample per-thread progress every MS ms into the JSON timeline (0 = off)",
     .parse = parse_interval,
     .record = record_interval},
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
