/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Measurement results as JSON members (through util/json.h) and summary
 * lines. Each function writes one member named key (NULL inside an
 * array); absent data is written as null, never as 0.
 *
 * Context: main thread, after the workers are joined; reads the merged
 * results only.
 */
#ifndef LB_MEASURE_REPORT_H
#define LB_MEASURE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "env.h"
#include "../util/hist.h"
#include "../util/json.h"
#include "perf.h"
#include "../util/sampling.h"
#include "timeline.h"

/* {"active": name, "sources": {name: {available, why_not, invariant, ...}}} */
void measure_json_clock(struct json *js, const char *key);

/* {"thp", "smt", "smt_active", "governor", "governor_cpus"} */
void measure_json_env(struct json *js, const char *key, const struct env_info *e);

/* {count, mean_ns, min_ns, p50_ns, p90_ns, p99_ns, p99_9_ns, max_ns, overflow,
 *  buckets: [[lo_ns, hi_ns, count], ...]} (lo inclusive, hi exclusive) */
void measure_json_hist(struct json *js, const char *key, const struct hist *h);

/* {sample_every, clock, clock_read_ns, timing_cost_ns, ops: {type: hist, ...}}
 * for the op types seen */
void measure_json_latency(struct json *js, const char *key, const struct samp_thread *merged,
			  unsigned every);

/* {counter: {kind, state, value, per_op}, ...}; value/per_op null when unavailable */
void measure_json_perf(struct json *js, const char *key, const struct perf_result *r, uint64_t ops);

/* {n, values, median, min, max, mean, stddev, cv, ci95_lo, ci95_hi, ci95_width_pct,
 * interval} of per-run values (e.g. ops/s): the median's 95% interval from
 * order statistics (util/median_ci.h), null below 6 runs; interval:
 * {method, kind ("ci95" or "range"), lo, hi, lo_rank, hi_rank, coverage},
 * null below 2 runs. seed is unused (kept for the callers). */
void measure_json_runs(struct json *js, const char *key, const double *x, size_t n, uint64_t seed);

/* {min, max, mean, cv, jain} of per-thread op counts */
void measure_json_fairness(struct json *js, const char *key, const uint64_t *ops, size_t n);

/* {interval_ms, truncated, t_ns: [...], ops_per_sec: [...] (total, null for
 *  the first row), threads: [[progress per row], ...], <gauge>: [...]} */
void measure_json_timeline(struct json *js, const char *key, const struct timeline *tl);

/* Summary lines: one per op type seen, "latency get  p50 ... ns". */
void measure_print_latency(FILE *out, const struct samp_thread *merged);
/* Summary lines: each counter, per op where available. */
void measure_print_perf(FILE *out, const struct perf_result *r, uint64_t ops);

#endif
