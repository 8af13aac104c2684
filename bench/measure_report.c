/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON members and summary lines for measurement results (see
 * measure_report.h).
 */
#include "measure_report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/median_ci.h"
#include "measure.h"
#include "../util/stats.h"

void measure_json_clock(struct json *js, const char *key)
{
	json_obj_begin(js, key);
	json_str(js, "active", clk_active_info()->name);
	json_obj_begin(js, "sources");
	for (int s = CLK_AUTO + 1; s < CLK_NR; s++) {
		const struct clk_info *ci = clk_get_info((enum clk_source)s);
		json_obj_begin(js, ci->name ? ci->name : clk_source_name((enum clk_source)s));
		json_bool(js, "available", ci->available);
		if (ci->available) {
			json_null(js, "why_not");
			json_bool(js, "invariant", ci->invariant);
			json_bool(js, "calibrated", ci->calibrated);
			json_double(js, "freq_hz", ci->freq_hz);
			json_double(js, "tick_ns", ci->tick_ns);
			json_double(js, "resolution_ns", ci->resolution_ns);
			json_double(js, "read_cost_ns", ci->read_cost_ns);
		} else {
			json_str(js, "why_not", ci->why_not ? ci->why_not : "not probed");
		}
		json_obj_end(js);
	}
	json_obj_end(js);
	json_obj_end(js);
}

void measure_json_env(struct json *js, const char *key, const struct env_info *e)
{
	json_obj_begin(js, key);
	json_str(js, "governor", e->governor);
	json_u64(js, "governor_cpus", (uint64_t)e->governor_cpus);
	json_str(js, "thp", e->thp);
	json_str(js, "smt", e->smt);
	if (e->smt_active < 0)
		json_null(js, "smt_active");
	else
		json_bool(js, "smt_active", e->smt_active == 1);
	json_obj_end(js);
}

void measure_json_hist(struct json *js, const char *key, const struct hist *h)
{
	struct hist_summary s;
	struct hist_bucket b;
	unsigned it = 0;

	hist_summarize(h, &s);
	json_obj_begin(js, key);
	json_u64(js, "count", s.count);
	if (s.count) {
		json_double(js, "mean_ns", s.mean);
		json_u64(js, "min_ns", s.min);
		json_u64(js, "p50_ns", s.p50);
		json_u64(js, "p90_ns", s.p90);
		json_u64(js, "p99_ns", s.p99);
		json_u64(js, "p99_9_ns", s.p999);
		json_u64(js, "max_ns", s.max);
	} else {
		static const char *const k[] = {"mean_ns", "min_ns",   "p50_ns", "p90_ns",
						"p99_ns",  "p99_9_ns", "max_ns"};
		for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
			json_null(js, k[i]);
	}
	json_u64(js, "overflow", h->overflow);
	json_arr_begin(js, "buckets");
	while (hist_next_bucket(h, &it, &b)) {
		json_arr_begin(js, NULL);
		json_u64(js, NULL, b.lo);
		json_u64(js, NULL, b.hi);
		json_u64(js, NULL, b.count);
		json_arr_end(js);
	}
	json_arr_end(js);
	json_obj_end(js);
}

void measure_json_latency(struct json *js, const char *key, const struct samp_thread *merged,
			  unsigned every)
{
	json_obj_begin(js, key);
	json_u64(js, "sample_every", every);
	json_str(js, "clock", clk_active_info()->name);
	json_double(js, "clock_read_ns", clk_active_info()->read_cost_ns);
	json_double(js, "timing_cost_ns", measure_timing_cost_ns);
	json_obj_begin(js, "ops");
	for (int op = 0; op < SAMP_OP_NR; op++)
		if (merged->h[op].count)
			measure_json_hist(js, samp_op_name((enum samp_op)op), &merged->h[op]);
	json_obj_end(js);
	json_obj_end(js);
}

void measure_json_perf(struct json *js, const char *key, const struct perf_result *r, uint64_t ops)
{
	char state[160];

	json_obj_begin(js, key);
	for (int c = 0; c < PERF_CTR_NR; c++) {
		const struct perf_value *v = &r->v[c];
		json_obj_begin(js, perf_ctr_name((enum perf_ctr)c));
		json_str(js, "kind", perf_kind_name(perf_ctr_kind((enum perf_ctr)c)));
		json_str(js, "state", perf_state(v, state, sizeof(state)));
		if (v->ok) {
			json_u64(js, "value", v->value);
			json_double(js, "per_op", perf_per_op(v, ops));
		} else {
			json_null(js, "value");
			json_null(js, "per_op");
		}
		json_obj_end(js);
	}
	json_obj_end(js);
}

void measure_json_runs(struct json *js, const char *key, const double *x, size_t n, uint64_t seed)
{
	struct stats_summary s;

	json_obj_begin(js, key);
	json_u64(js, "n", n);
	json_arr_begin(js, "values");
	for (size_t i = 0; i < n; i++)
		json_double(js, NULL, x[i]);
	json_arr_end(js);
	if (!n) {
		json_obj_end(js);
		return;
	}
	stats_summarize(x, n, &s);
	json_double(js, "median", s.median);
	json_double(js, "min", s.min);
	json_double(js, "max", s.max);
	json_double(js, "mean", s.mean);
	json_double(js, "stddev", s.stddev);
	json_double(js, "cv", s.cv);
	(void)seed;
	struct median_ci ci;
	bool have = median_ci(x, n, 0.95, &ci) == 0;
	if (have && !ci.is_range) {
		json_double(js, "ci95_lo", ci.lo);
		json_double(js, "ci95_hi", ci.hi);
		json_double(js, "ci95_width_pct",
			    s.median != 0 ? (ci.hi - ci.lo) / fabs(s.median) * 100 : NAN);
	} else { /* too few runs for a 95% interval: see "interval" */
		json_null(js, "ci95_lo");
		json_null(js, "ci95_hi");
		json_null(js, "ci95_width_pct");
	}
	if (have) {
		json_obj_begin(js, "interval");
		json_str(js, "method", "order_statistics");
		json_str(js, "kind", ci.is_range ? "range" : "ci95");
		json_double(js, "lo", ci.lo);
		json_double(js, "hi", ci.hi);
		json_u64(js, "lo_rank", ci.lo_rank);
		json_u64(js, "hi_rank", ci.hi_rank);
		json_double(js, "coverage", ci.coverage);
		json_obj_end(js);
	} else {
		json_null(js, "interval");
	}
	json_obj_end(js);
}

void measure_json_fairness(struct json *js, const char *key, const uint64_t *ops, size_t n)
{
	double *x = n ? malloc(n * sizeof(*x)) : NULL;

	json_obj_begin(js, key);
	if (x) {
		for (size_t i = 0; i < n; i++)
			x[i] = (double)ops[i];
		json_double(js, "min", stats_min(x, n));
		json_double(js, "max", stats_max(x, n));
		json_double(js, "mean", stats_mean(x, n));
		json_double(js, "cv", stats_cv(x, n));
		json_double(js, "jain", stats_jain(x, n));
		free(x);
	}
	json_obj_end(js);
}

void measure_json_timeline(struct json *js, const char *key, const struct timeline *tl)
{
	size_t rows = timeline_nrows(tl);

	json_obj_begin(js, key);
	json_u64(js, "interval_ms", tl->cfg.interval_ms);
	json_bool(js, "truncated", tl->truncated);
	json_arr_begin(js, "t_ns");
	for (size_t i = 0; i < rows; i++)
		json_u64(js, NULL, timeline_row(tl, i)[0]);
	json_arr_end(js);
	json_arr_begin(js, "ops_per_sec");
	for (size_t i = 0; i < rows; i++) {
		if (i == 0)
			json_null(js, NULL);
		else
			json_double(js, NULL, timeline_rate(tl, i, -1));
	}
	json_arr_end(js);
	json_arr_begin(js, "threads");
	for (unsigned t = 0; t < tl->cfg.nthreads; t++) {
		json_arr_begin(js, NULL);
		for (size_t i = 0; i < rows; i++)
			json_u64(js, NULL, timeline_row(tl, i)[1 + t]);
		json_arr_end(js);
	}
	json_arr_end(js);
	for (unsigned e = 0; e < tl->cfg.nextra; e++) {
		json_arr_begin(js, tl->cfg.extra_name[e] ? tl->cfg.extra_name[e] : "extra");
		for (size_t i = 0; i < rows; i++)
			json_u64(js, NULL, timeline_row(tl, i)[1 + tl->cfg.nthreads + e]);
		json_arr_end(js);
	}
	json_obj_end(js);
}

void measure_print_latency(FILE *out, const struct samp_thread *merged)
{
	for (int op = 0; op < SAMP_OP_NR; op++) {
		struct hist_summary s;
		if (!merged->h[op].count)
			continue;
		hist_summarize(&merged->h[op], &s);
		fprintf(out,
			"  latency %-10s n=%" PRIu64 "  p50 %" PRIu64 "  p90 %" PRIu64
			"  p99 %" PRIu64 "  p99.9 %" PRIu64 "  max %" PRIu64 " ns\n",
			samp_op_name((enum samp_op)op), s.count, s.p50, s.p90, s.p99, s.p999,
			s.max);
	}
}

void measure_print_perf(FILE *out, const struct perf_result *r, uint64_t ops)
{
	char state[160];

	/* Counters unavailable for the same reason (all the hardware ones in
	 * a VM) are said on one line. */
	bool said[PERF_CTR_NR] = {false};
	for (int c = 0; c < PERF_CTR_NR; c++) {
		const struct perf_value *v = &r->v[c];
		if (v->ok) {
			fprintf(out, "  %-30s %14" PRIu64 "  %10.3f/op%s\n",
				perf_ctr_name((enum perf_ctr)c), v->value, perf_per_op(v, ops),
				v->scaled ? " (scaled)" : "");
			continue;
		}
		if (said[c])
			continue;
		const char *st = perf_state(v, state, sizeof(state));
		char names[256];
		int n = snprintf(names, sizeof(names), "%s", perf_ctr_name((enum perf_ctr)c));
		for (int d = c + 1; d < PERF_CTR_NR; d++) {
			char other[160];
			if (r->v[d].ok || strcmp(perf_state(&r->v[d], other, sizeof(other)), st))
				continue;
			said[d] = true;
			if (n >= 0 && (size_t)n < sizeof(names))
				n += snprintf(names + n, sizeof(names) - (size_t)n, ", %s",
					      perf_ctr_name((enum perf_ctr)d));
		}
		fprintf(out, "  %-30s %s\n", names, st);
	}
}
