/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A run's result files: one JSON object per run (schema in
 * results/README.md) and one row of the folder's results CSV.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../util/json.h"
#include "buildinfo.h"
#include "config.h"
#include "faults.h"
#include "measure.h"
#include "measure_report.h"
#include "lock_stat.h"
#include "options.h"
#include "result.h"
#include "run_impl.h"
#include "topo.h"
#include "watchdog.h"

/* Acquisitions per lock class (core/sync.h): the names the kernel's
 * lock_stat would print. Mutexes (its_lock, cmd_lock) count here only. */
static void write_lock_classes(struct json *js, const char *key, const struct lb_counters *c)
{
	json_obj_begin(js, key);
	for (int i = 0; i < LB_LC_NR; i++)
		json_u64(js, lb_lock_class_name((enum lb_lock_class)i), c->lock_class[i]);
	json_obj_end(js);
}

static void write_counters(struct json *js, const char *key, const struct lb_counters *c,
			   const bool *present)
{
	json_obj_begin(js, key);
	for (int i = 0; i < LB_C_NR; i++) {
		if (present[i])
			json_u64(js, counters_name((enum lb_counter)i), c->c[i]);
		else
			json_null(js, counters_name((enum lb_counter)i));
	}
	json_obj_end(js);
}

/* Identity, throughput and fairness; opens the result object. */
static void write_json_head(struct json *js, const struct bench_run *r)
{
	const struct run_result *res = &r->res;
	json_obj_begin(js, NULL);
	json_u64(js, "schema", RESULT_SCHEMA);
	json_str(js, "run_id", res->run_id);
	json_str(js, "backend", res->backend);
	json_str(js, "workload", res->workload);
	json_u64(js, "threads", res->threads);
	json_u64(js, "timed_threads", res->nr_timed);
	json_u64(js, "run", res->run_index);
	json_str(js, "status", result_status_name(res->status));
	json_str(js, "status_reason", res->status_reason);
	json_double(js, "duration_s", res->elapsed_s);
	json_u64(js, "total_ops", res->total_ops);
	json_double(js, "ops_per_sec", res->ops_per_sec);
	json_double(js, "ns_per_op", res->ns_per_op);
	json_arr_begin(js, "per_thread_ops");
	for (unsigned i = 0; i < res->nr_timed; i++)
		json_u64(js, NULL, res->per_thread_ops[i]);
	json_arr_end(js);
	measure_json_fairness(js, "fairness", res->per_thread_ops, res->nr_timed);
	json_obj_begin(js, "gets");
	json_u64(js, "ok", res->get_ok);
	json_u64(js, "failed", res->get_fail);
	json_obj_end(js);
}

/* Contention counters: totals, then each worker's. */
static void write_json_counters(struct json *js, const struct bench_run *r)
{
	const struct run_result *res = &r->res;
	/* Totals, then each worker's (timed or not): the totals are their sums. */
	write_counters(js, "counters", &res->counters, res->counter_present);
	json_arr_begin(js, "per_thread_counters");
	for (unsigned i = 0; i < res->threads; i++)
		write_counters(js, NULL, &res->thread_counters[i], res->counter_present);
	json_arr_end(js);
	write_lock_classes(js, "lock_classes", &res->counters);
	lock_stat_json(js, &res->counters, res->total_ops);
	json_arr_begin(js, "per_thread_lock_classes");
	for (unsigned i = 0; i < res->threads; i++)
		write_lock_classes(js, NULL, &res->thread_counters[i]);
	json_arr_end(js);
	/* Process-wide gauge since start (not per thread, not reset per run). */
	if (res->counter_present[LB_C_DEFER_FREE])
		json_u64(js, "deferred_frees_peak", lb_rcu_deferred_peak());
	else
		json_null(js, "deferred_frees_peak");
	/* --gp-latency: callbacks run per CPU (process totals). */
	json_arr_begin(js, "rcu_callbacks_per_cpu");
	for (unsigned i = 0; lb_gp_latency_ns && i < lb_rcu_callback_cpus(); i++)
		json_u64(js, NULL, lb_rcu_callbacks_on_cpu(i));
	json_arr_end(js);
}

/* Sampling, latency, perf counters and timeline. */
static void write_json_measure(struct json *js, const struct bench_run *r)
{
	const struct run_result *res = &r->res;
	json_obj_begin(js, "sampling");
	json_str(js, "mode", measure_cfg.sample_auto ? "auto" : res->sample_base ? "fixed" : "off");
	json_u64(js, "base_every", res->sample_base);
	json_arr_begin(js, "per_thread_every");
	for (unsigned i = 0; i < res->threads; i++)
		json_u64(js, NULL, res->sample_every[i]);
	json_arr_end(js);
	json_obj_end(js);
	if (res->latency) {
		unsigned every = 0; /* the longest period; per thread under "sampling" */
		for (unsigned i = 0; i < res->threads; i++)
			every = res->sample_every[i] > every ? res->sample_every[i] : every;
		measure_json_latency(js, "latency", res->latency, every);
	} else {
		json_null(js, "latency");
	}
	measure_json_perf(js, "perf", &res->perf, res->total_ops);
	json_arr_begin(js, "per_thread_perf");
	for (unsigned i = 0; i < res->threads; i++)
		measure_json_perf(js, NULL, &res->thread_perf[i],
				  i < res->nr_timed ? res->per_thread_ops[i] : 0);
	json_arr_end(js);
	if (res->timeline) {
		measure_json_timeline(js, "timeline", res->timeline);
		json_arr_begin(js, "timeline_window_ns");
		json_u64(js, NULL, res->window_ns[0]);
		json_u64(js, NULL, res->window_ns[1]);
		json_arr_end(js);
	} else {
		json_null(js, "timeline");
		json_null(js, "timeline_window_ns");
	}
}

/* The store's shape after the run. */
static void write_json_store(struct json *js, const struct bench_run *r)
{
	const struct run_result *res = &r->res;
	json_obj_begin(js, "store");
	json_str(js, "description", r->ctx.store_ops->desc);
	json_u64_or_null(js, "entries", res->store.entries);
	json_u64_or_null(js, "mem_bytes", res->store.mem_bytes);
	if (res->store.entries != STORE_STAT_ABSENT && res->store.entries &&
	    res->store.mem_bytes != STORE_STAT_ABSENT)
		json_double(js, "bytes_per_lpi",
			    (double)res->store.mem_bytes / (double)res->store.entries);
	else
		json_null(js, "bytes_per_lpi");
	json_u64_or_null(js, "mem_alloc_bytes", res->store.mem_alloc_bytes);
	json_u64_or_null(js, "height", res->store.height);
	json_u64_or_null(js, "nodes", res->store.nodes);
	json_u64_or_null(js, "tombstones", res->store.tombstones);
	json_u64_or_null(js, "capacity", res->store.capacity);
	json_u64_or_null(js, "max_probe", res->store.max_probe);
	json_obj_end(js);
}

/* Parameters, placement, the workload's figures, outcome; closes it. */
static void write_json_tail(struct json *js, const struct bench_run *r)
{
	const struct run_result *res = &r->res;
	options_write_params(js, "params", r->wl, res->threads);
	topo_write_placement_json(js);
	json_obj_begin(js, "workload_results");
	if (res->stalled) /* its report may take a lock a stuck worker holds */
		json_str(js, "unavailable", "the run stalled");
	else if (r->wl->report) {
		struct wl_report rep = {.out = NULL, .js = js, .elapsed_s = res->elapsed_s};
		r->wl->report((struct wl_ctx *)&r->ctx, &rep);
	}
	json_obj_end(js);
	json_u64(js, "workers_outside_window", res->outside_window);
	json_bool(js, "verified", res->verified);
	json_bool(js, "detected", res->detected);
	json_str(js, "verify_message", res->verify_msg);
	json_bool(js, "stalled", res->stalled);
	/* Counters of workers still stuck are a snapshot of their cells. */
	json_u64(js, "stuck_counter_snapshots", res->stuck_snapshots);
	watchdog_write_json(js);
	json_u64(js, "alloc_failures", res->alloc_failures);
	if (res->skew_known) {
		json_obj_begin(js, "skew");
		json_u64(js, "start_ns", res->skew_start_ns);
		json_u64(js, "stop_ns", res->skew_stop_ns);
		json_double(js, "all_running_share", res->all_running_share);
		json_obj_end(js);
	} else {
		json_null(js, "skew");
	}
	if (res->shared_checked)
		json_u64(js, "shared_write_lines", (uint64_t)res->shared_write_lines);
	json_bool(js, "interrupted", res->interrupted);
	json_bool(js, "timed_out", res->timed_out);
	manifest_write(js, r->m, res->threads);
	json_obj_end(js);
}

static void write_json(struct json *js, const struct bench_run *r)
{
	write_json_head(js, r);
	write_json_counters(js, r);
	write_json_measure(js, r);
	write_json_store(js, r);
	write_json_tail(js, r);
}

/* The JSON result file; names it in r->res.json_name. */
static int write_json_file(struct bench_run *r, time_t now)
{
	struct run_result *res = &r->res;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return -1;
	struct json js;
	json_init(&js, mem);
	write_json(&js, r);
	fclose(mem);

	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(res->json_name, sizeof(res->json_name), "%s-%s-%s-t%u-r%u-%d.json", stamp,
		 res->backend, res->workload, res->threads, res->run_index, (int)getpid());
	int rc = result_write_json(bench_cfg.out_dir, res->json_name, buf, len);
	free(buf);
	return rc ? -1 : 0;
}

/* The JSON params, compact and CSV-quoted: newlines and indentation
 * dropped, quotes doubled. Returns 0 or -1. */
static int csv_params(const struct bench_run *r, char *params, size_t size)
{
	char *pbuf = NULL;
	size_t plen = 0;
	FILE *mem = open_memstream(&pbuf, &plen);
	if (!mem)
		return -1;
	struct json js;
	json_init(&js, mem);
	options_write_params(&js, NULL, r->wl, r->res.threads);
	fclose(mem);
	size_t o = 0;
	bool line_start = false;
	params[o++] = '"';
	for (char *p = pbuf; *p && o < size - 3; p++) {
		if (*p == '\n') {
			line_start = true;
			continue;
		}
		if (line_start && *p == ' ')
			continue;
		line_start = false;
		if (*p == '"')
			params[o++] = '"';
		params[o++] = *p;
	}
	params[o++] = '"';
	params[o] = 0;
	free(pbuf);
	return 0;
}

/* One row of the results CSV. Cells never contain commas or quotes except
 * params, which is quoted. */
static int append_csv_row(const struct bench_run *r, time_t now)
{
	const struct run_result *res = &r->res;
	char params[4096]; /* every key at its longest: under 2 KiB */
	if (csv_params(r, params, sizeof(params)))
		return -1;
	char v_threads[16], v_run[16], v_dur[32], v_ops[32], v_ops_s[32], v_ns[32], v_min[32],
	    v_max[32], v_ok[32], v_fail[32], v_schema[8], date[32];
	uint64_t mn = UINT64_MAX, mx = 0;
	for (unsigned i = 0; i < res->nr_timed; i++) {
		mn = res->per_thread_ops[i] < mn ? res->per_thread_ops[i] : mn;
		mx = res->per_thread_ops[i] > mx ? res->per_thread_ops[i] : mx;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(v_schema, sizeof(v_schema), "%d", RESULT_SCHEMA);
	snprintf(v_threads, sizeof(v_threads), "%u", res->threads);
	snprintf(v_run, sizeof(v_run), "%u", res->run_index);
	snprintf(v_dur, sizeof(v_dur), "%.6f", res->elapsed_s);
	snprintf(v_ops, sizeof(v_ops), "%" PRIu64, res->total_ops);
	snprintf(v_ops_s, sizeof(v_ops_s), "%.1f", res->ops_per_sec);
	snprintf(v_ns, sizeof(v_ns), "%.3f", res->ns_per_op);
	snprintf(v_min, sizeof(v_min), "%" PRIu64, mn);
	snprintf(v_max, sizeof(v_max), "%" PRIu64, mx);
	snprintf(v_ok, sizeof(v_ok), "%" PRIu64, res->get_ok);
	snprintf(v_fail, sizeof(v_fail), "%" PRIu64, res->get_fail);
	/* The status reason is free text: quoted, like params. */
	char reason[2 * sizeof(res->status_reason) + 3];
	result_csv_quote(reason, sizeof(reason), res->status_reason);
	const char *values[] = {
	    v_schema,
	    date,
	    res->backend,
	    res->workload,
	    v_threads,
	    v_run,
	    v_dur,
	    v_ops,
	    v_ops_s,
	    v_ns,
	    v_min,
	    v_max,
	    v_ok,
	    v_fail,
	    lb_lock_kind_name(lb_lock_default_kind),
	    lb_allocator_name(lb_allocator),
	    res->threads > r->m->cpus_online ? "true" : "false",
	    res->verified ? "true" : "false",
	    result_status_name(res->status),
	    reason,
	    LB_GIT_COMMIT,
	    r->m->host,
	    params,
	    res->json_name,
	};
	return result_append_csv(bench_cfg.out_dir, values, sizeof(values) / sizeof(values[0]));
}

int run_write_results(struct bench_run *r)
{
	time_t now = time(NULL);
	if (write_json_file(r, now))
		return -1;
	return append_csv_row(r, now);
}
