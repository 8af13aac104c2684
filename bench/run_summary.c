/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A run's summary as printed on stdout (the result files: run_json.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/alloc.h"
#include "../util/clock.h"
#include "../util/stats.h"
#include "lock_stat.h"
#include "faults.h"
#include "measure.h"
#include "measure_report.h"
#include "run_impl.h"
#include "watchdog.h"

/* Said once per thread count: the workload decides how many threads run. */
void run_warn_oversubscribed(unsigned threads, const struct manifest *m)
{
	static unsigned warned_for;
	if (threads <= m->cpus_online || warned_for == threads)
		return;
	warned_for = threads;
	fprintf(stderr,
		"lpibench: warning: %u threads on %u CPUs: oversubscribed. The kernel's LPI "
		"locks are raw spinlocks whose holders are never preempted; here a preempted "
		"holder makes waiters burn time slices, so spinning locks measure the scheduler "
		"as much as the design. Lock: %s (%s).\n",
		threads, m->cpus_online, lb_lock_kind_name(lb_lock_default_kind), lb_lock_choice());
}

/* A counter for the summary: its value, or "-" when absent. */
static const char *cval(char *buf, size_t len, const struct run_result *res, enum lb_counter c)
{
	if (!res->counter_present[c])
		return "-";
	snprintf(buf, len, "%" PRIu64, res->counters.c[c]);
	return buf;
}

static void print_counters(FILE *o, const struct run_result *res)
{
	char a[24], b[24], c[24], d[24], e[24], f[24];
	const struct lb_counters *k = &res->counters;
	uint64_t acq = k->c[LB_C_LOCK_ACQ];
	char pct[32] = "-";
	if (res->counter_present[LB_C_LOCK_CONTENDED] && acq)
		snprintf(pct, sizeof(pct), "%.2f%%",
			 100.0 * (double)k->c[LB_C_LOCK_CONTENDED] / (double)acq);
	fprintf(o,
		"   locks: %s acquisitions, %s contended, %s spins; CAS retries %s; try-get "
		"failures %s; get misses %s\n",
		cval(a, sizeof(a), res, LB_C_LOCK_ACQ), pct,
		cval(b, sizeof(b), res, LB_C_LOCK_SPINS), cval(c, sizeof(c), res, LB_C_CAS_RETRY),
		cval(d, sizeof(d), res, LB_C_TRYGET_FAIL), cval(e, sizeof(e), res, LB_C_GET_MISS));
	if (res->counter_present[LB_C_GP_WAIT] || res->counter_present[LB_C_DEFER_FREE]) {
		char w[32] = "-";
		if (res->counter_present[LB_C_GP_WAIT_NS])
			snprintf(w, sizeof(w), "%.3f ms", (double)k->c[LB_C_GP_WAIT_NS] / 1e6);
		fprintf(o, "   RCU: grace periods waited %s (%s); deferred frees %s\n",
			cval(a, sizeof(a), res, LB_C_GP_WAIT), w,
			cval(b, sizeof(b), res, LB_C_DEFER_FREE));
		if (lb_gp_latency_ns) {
			fprintf(o,
				"   deferred callbacks run per CPU (--gp-latency, process total):");
			for (unsigned i = 0; i < lb_rcu_callback_cpus(); i++)
				fprintf(o, " %" PRIu64, lb_rcu_callbacks_on_cpu(i));
			fprintf(o, "\n");
		}
	}
	if (res->counter_present[LB_C_CACHE_HIT] || res->counter_present[LB_C_CACHE_MISS] ||
	    res->counter_present[LB_C_CACHE_EVICT] || res->counter_present[LB_C_CACHE_INVAL])
		fprintf(o, "   cache: %s hits, %s misses, %s evictions, %s invalidations\n",
			cval(c, sizeof(c), res, LB_C_CACHE_HIT),
			cval(d, sizeof(d), res, LB_C_CACHE_MISS),
			cval(e, sizeof(e), res, LB_C_CACHE_EVICT),
			cval(f, sizeof(f), res, LB_C_CACHE_INVAL));
	fprintf(o, "   lock acquisitions by class:");
	for (int i = 0; i < LB_LC_NR; i++)
		if (k->lock_class[i])
			fprintf(o, " %s %" PRIu64, lb_lock_class_name((enum lb_lock_class)i),
				k->lock_class[i]);
	fprintf(o, "\n");
	lock_stat_print(o, k, res->total_ops,
			res->elapsed_s > 0 ? (double)res->total_ops / res->elapsed_s : 0);
	for (int i = 0; i < LB_C_NR; i++) {
		if (!res->counter_present[i] && i < LB_C_CACHE_HIT) {
			fprintf(o, "   (-: absent, nothing on this run's path counts it)\n");
			break;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Throughput over the timeline's intervals inside the measured window. */
static void print_timeline(FILE *o, const struct run_result *res)
{
	const struct timeline *tl = res->timeline;
	size_t rows = timeline_nrows(tl), n = 0;
	double *rate = rows ? malloc(rows * sizeof(*rate)) : NULL;
	uint64_t backlog = 0;
	for (size_t i = 0; i < rows; i++) {
		const uint64_t *row = timeline_row(tl, i);
		uint64_t d = row[1 + tl->cfg.nthreads]; /* deferred_outstanding */
		backlog = d > backlog ? d : backlog;
		if (rate && i && timeline_row(tl, i - 1)[0] >= res->window_ns[0] &&
		    row[0] <= res->window_ns[1])
			rate[n++] = timeline_rate(tl, i, -1);
	}
	fprintf(o, "   timeline: %zu rows every %u ms%s", rows, tl->cfg.interval_ms,
		tl->truncated ? " (truncated: out of memory)" : "");
	if (n) {
		qsort(rate, n, sizeof(*rate), cmp_double);
		fprintf(o, "; %zu measured intervals: min %.3f, median %.3f, max %.3f Mops/s", n,
			rate[0] / 1e6, stats_median(rate, n) / 1e6, rate[n - 1] / 1e6);
	}
	fprintf(o, "; deferred-free backlog max %" PRIu64 "\n", backlog);
	free(rate);
}

void run_print_summary(const struct bench_run *r)
{
	const struct run_result *res = &r->res;
	const struct manifest *m = r->m;
	FILE *o = stdout;
	double secs = res->elapsed_s > 0 ? res->elapsed_s : 1;
	double *x = malloc((res->nr_timed ? res->nr_timed : 1) * sizeof(*x));
	for (unsigned i = 0; x && i < res->nr_timed; i++)
		x[i] = (double)res->per_thread_ops[i];
	fprintf(o, "== %s / %s, %u thread%s, run %u of %u\n", res->backend, res->workload,
		res->threads, res->threads == 1 ? "" : "s", res->run_index, r->plan->runs);
	if (res->threads > m->cpus_online)
		fprintf(o, "   oversubscribed: %u threads on %u CPUs\n", res->threads,
			m->cpus_online);
	fprintf(o, "   lock: %s (%s)\n", lb_lock_kind_name(lb_lock_default_kind), lb_lock_choice());
	fprintf(o, "   %.3f Mops/s total in %.3f s; %.1f ns/op per thread\n",
		res->ops_per_sec / 1e6, res->elapsed_s, res->ns_per_op);
	if (x && res->nr_timed)
		fprintf(o, "   per thread: min %.3f, max %.3f Mops/s; cv %.3f, Jain %.4f\n",
			stats_min(x, res->nr_timed) / secs / 1e6,
			stats_max(x, res->nr_timed) / secs / 1e6, stats_cv(x, res->nr_timed),
			stats_jain(x, res->nr_timed));
	free(x);
	if (res->skew_known)
		fprintf(
		    o,
		    "   skew: start %.1f us, stop %.1f us; all workers ran %.2f%% of the window\n",
		    (double)res->skew_start_ns / 1e3, (double)res->skew_stop_ns / 1e3,
		    100.0 * res->all_running_share);
	fprintf(o, "   gets: %" PRIu64 " ok, %" PRIu64 " failed\n", res->get_ok, res->get_fail);
	print_counters(o, res);
	if (res->latency) {
		fprintf(o,
			"   latency: ~1 in %u ops of each type timed (%s clock; timing one costs "
			"~%.0f ns, included)\n",
			res->sample_every[0], clk_active_info()->name, measure_timing_cost_ns);
		measure_print_latency(o, res->latency);
	}
	fprintf(o, "   perf counters (per op over the measured window):\n");
	measure_print_perf(o, &res->perf, res->total_ops);
	if (res->timeline)
		print_timeline(o, res);
	if (res->store.mem_bytes != STORE_STAT_ABSENT && res->store.entries &&
	    res->store.entries != STORE_STAT_ABSENT)
		fprintf(o, "   store: %" PRIu64 " entries, %" PRIu64 " bytes (%.2f B/LPI)\n",
			res->store.entries, res->store.mem_bytes,
			(double)res->store.mem_bytes / (double)res->store.entries);
	if (res->store.mem_alloc_bytes != STORE_STAT_ABSENT && res->store.entries &&
	    res->store.entries != STORE_STAT_ABSENT)
		fprintf(o,
			"   store as allocated (size classes of %s): %" PRIu64
			" bytes (%.2f B/LPI)\n",
			lb_allocator_name(lb_allocator), res->store.mem_alloc_bytes,
			(double)res->store.mem_alloc_bytes / (double)res->store.entries);
	if (r->wl->report && !res->stalled) {
		struct wl_report rep = {.out = o, .js = NULL, .elapsed_s = res->elapsed_s};
		r->wl->report((struct wl_ctx *)&r->ctx, &rep);
	}
	if (!res->verified)
		fprintf(o, "   VERIFY FAILED: %s\n", res->verify_msg);
	if (res->detected)
		fprintf(o, "   %s\n", res->verify_msg);
	if (res->stalled) {
		fprintf(o, "   STALLED: stopped by the watchdog (--watchdog=%g)\n",
			watchdog_seconds());
		watchdog_print(o);
	}
	if (faults_enabled())
		fprintf(o, "   --fail-alloc=%s: %" PRIu64 " allocations failed\n", faults_desc(),
			res->alloc_failures);
	if (res->interrupted)
		fprintf(o, "   interrupted: partial run\n");
	if (res->status != RESULT_OK)
		fprintf(o, "   status: %s (%s): not a number to use\n",
			result_status_name(res->status), res->status_reason);
	if (res->timed_out)
		fprintf(o, "   timed out after %.0f s\n", RUN_QUOTA_TIMEOUT_S);
}
