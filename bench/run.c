/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The measurement loop, shared by every backend and workload.
 *
 * Workers start together at a barrier. A timed run goes through phases
 * that the main thread advances and each worker notices between batches
 * of ops: warm-up (not counted), measure (each worker takes a base of its
 * op count and clears its counters), stop. A quota run (--ops, or a
 * workload whose timed workers finish with WL_DONE, like lpi-stress) is
 * timed from the start barrier until the last timed worker is done.
 *
 * Measurement (bench/measure.h) rides on the same loop without adding a
 * call per op: the loop body exists twice (run_batch, inlined with a
 * constant `sample`), and a worker picks the plain copy for a batch unless
 * it is timing samples, so with --sample=off each op costs what it did
 * before. With sampling on, each op pays one decrement and branch
 * (samp_due) and every Nth op is timed whole ("op"); workloads time their
 * own parts (SAMP_TIMED: get, put, ...) through the thread's samp_self.
 * Per worker and only over the measured window: lb_counters, latency
 * histograms and perf counters (started when the worker enters the
 * window). The timeline sampler reads the workers' progress counters,
 * which each worker stores once per batch.
 */
#include "run.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "buildinfo.h"
#include "clock.h"
#include "config.h"
#include "faults.h"
#include "inject.h"
#include "json.h"
#include "measure.h"
#include "measure_report.h"
#include "partial.h"
#include "perf.h"
#include "result.h"
#include "run_loop.h"
#include "sampling.h"
#include "stats.h"
#include "timeline.h"
#include "topo.h"
#include "watchdog.h"

enum { PHASE_WARMUP, PHASE_MEASURE, PHASE_STOP };

/* A quota run that takes longer than this is stopped and reported. */
#define RUN_QUOTA_TIMEOUT_S 600.0

volatile sig_atomic_t run_interrupted;

struct bench_run;

struct bench_worker {
	pthread_t thread;
	struct bench_run *run;
	struct wl_worker w;
	_Atomic uint64_t progress; /* ops so far; read by the timeline sampler */
	uint64_t ops_base, ops_measured;
	uint64_t start_ns; /* when it left the start barrier */
	uint64_t done_ns;  /* when a quota was completed, 0 if not */
	struct lb_counters counters;
	/* The worker's own cells (thread-local), for a snapshot after a stall,
	 * when the worker cannot hand them over. */
	const struct lb_counters *live_counters;
	struct samp_thread *samp; /* NULL when sampling is off */
	unsigned sample_every;	  /* its period in the measured window; 0 = none */
	bool in_window;		  /* it saw the measured window begin */
	int init_rc;
	bool started;
} lb_cacheline_aligned;

struct bench_run {
	struct wl_ctx ctx;
	const struct workload_ops *wl;
	struct bench_worker *workers;
	pthread_barrier_t start;
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
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The first signal stops the run, which then writes its result marked
 * interrupted; a second exits at once (bench/partial.h). */
static void on_signal(int sig)
{
	(void)sig;
	if (run_interrupted)
		partial_exit(130);
	run_interrupted = 1;
}

void run_install_signal_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * The worker enters the measured window after n ops: take the op count's
 * base, clear its counters, arm its sampler and start its perf counters
 * (last, so opening them is not counted).
 *
 * With --sample=auto the sampler counted, during the warm-up, the ops of
 * each type the workload times itself (samp_self armed with period 0: the
 * countdowns run down from UINT64_MAX and never fire). If an op has, say,
 * a get and a put timed besides itself, timing all three every Nth time
 * costs three times what the driver budgeted for N (SAMP_BUDGET), so the
 * period is scaled by 1 + typed ops per op to keep the whole within it.
 * Context: the worker itself.
 */
static void window_begin(struct bench_run *r, struct bench_worker *bw, uint64_t n)
{
	bw->ops_base = n;
	bw->in_window = true;
	bw->w.get_ok = bw->w.get_fail = 0;
	memset(&lb_tc, 0, sizeof(lb_tc));
	if (bw->samp) {
		double every = r->sample_base;
		if (every && r->sample_scale && n) {
			uint64_t typed = 0;
			for (int t = SAMP_OP_OP + 1; t < SAMP_OP_NR; t++)
				typed += UINT64_MAX - bw->samp->left[t];
			every = ceil(every * (1.0 + (double)typed / (double)n));
			if (every > (double)(1u << 30))
				every = (double)(1u << 30);
		}
		bw->sample_every = (unsigned)every;
		samp_thread_init(bw->samp, bw->sample_every, r->ctx.seed ^ bw->w.id);
		samp_self = bw->sample_every ? bw->samp : NULL;
	}
	perf_thread_start();
}

/* The watchdog's stop callback (its thread): end every wait of the run. */
static void run_watchdog_stop(void *arg)
{
	struct bench_run *r = arg;
	atomic_store_explicit(&r->stalled, true, memory_order_release);
}

static void *worker_main(void *arg)
{
	struct bench_worker *bw = arg;
	struct bench_run *r = bw->run;
	const struct workload_ops *wl = r->wl;
	struct wl_ctx *ctx = &r->ctx;
	bool timed = bw->w.id < r->ctx.nr_timed;
	uint64_t quota = timed ? r->ctx.ops_per_thread : 0;
	uint64_t n = 0;
	int seen = PHASE_WARMUP;
	unsigned id = bw->w.id;
	bool vcpu = id >= r->ctx.vcpu_first && id < r->ctx.vcpu_first + r->ctx.nr_vcpu;

	watchdog_worker_begin(id);
	bw->live_counters = &lb_tc;
	/* Bind first, so what the thread allocates lands on its node. */
	topo_bind_worker(id, vcpu ? TOPO_ROLE_VCPU : TOPO_ROLE_GENERIC,
			 vcpu ? id - r->ctx.vcpu_first : id);
	lb_rcu_register_thread();
	bw->init_rc = wl->thread_init ? wl->thread_init(ctx, &bw->w) : 0;
	if (r->sampling && !bw->init_rc) {
		bw->samp = malloc(sizeof(*bw->samp));
		if (!bw->samp) {
			bw->init_rc = -ENOMEM;
		} else {
			samp_thread_init(bw->samp, 0, 0); /* touches its pages, times nothing */
			if (r->sample_scale)
				samp_self = bw->samp; /* count the warm-up's typed ops */
		}
	}
	pthread_barrier_wait(&r->start);
	bw->start_ns = mono_ns();
	if (inject_outside_window(id, r->ctx.nr_timed)) /* --inject=outside-window */
		while (atomic_load_explicit(&r->phase, memory_order_acquire) != PHASE_STOP &&
		       !atomic_load_explicit(&r->stalled, memory_order_acquire)) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}

	struct samp_thread *smp = NULL; /* set while timing samples */
	while (!bw->init_rc) {
		int ph = atomic_load_explicit(&r->phase, memory_order_acquire);
		if (lb_unlikely(ph != seen)) {
			if (ph == PHASE_STOP)
				break;
			/* Entering the measured window: count from here. */
			window_begin(r, bw, n);
			smp = bw->sample_every ? bw->samp : NULL;
			seen = ph;
		}
		bool done = smp ? run_batch(wl, ctx, &bw->w, &n, quota, smp, true)
				: run_batch(wl, ctx, &bw->w, &n, quota, NULL, false);
		atomic_store_explicit(&bw->progress, n, memory_order_relaxed);
		if (done) {
			bw->done_ns = mono_ns();
			if (timed)
				atomic_fetch_add_explicit(&r->timed_done, 1, memory_order_release);
			break;
		}
	}
	/* A worker that never got a CPU while the window was open (a loaded
	 * host) measured nothing: its warm-up ops are not the window's. */
	bw->ops_measured = bw->in_window ? n - bw->ops_base : 0;
	if (!bw->in_window) { /* nor its warm-up's counters and gets */
		memset(&lb_tc, 0, sizeof(lb_tc));
		bw->w.get_ok = bw->w.get_fail = 0;
	}
	perf_thread_stop(&r->perf[id]);
	samp_self = NULL;
	if (wl->thread_exit)
		wl->thread_exit(ctx, &bw->w);
	counters_take(&bw->counters);
	lb_rcu_unregister_thread();
	watchdog_worker_done(id);
	return NULL;
}

/* Sleeps up to s seconds in small steps; returns early on a signal or
 * when stop_when() says so. */
static void sleep_until(double s, bool (*stop_when)(struct bench_run *), struct bench_run *r)
{
	uint64_t end = mono_ns() + (uint64_t)(s * 1e9);
	while (!run_interrupted && !atomic_load_explicit(&r->stalled, memory_order_acquire) &&
	       (!stop_when || !stop_when(r))) {
		uint64_t now = mono_ns();
		if (now >= end)
			break;
		uint64_t step = end - now < 2000000 ? end - now : 2000000;
		struct timespec ts = {0, (long)step};
		nanosleep(&ts, NULL);
	}
}

static bool all_timed_done(struct bench_run *r)
{
	return atomic_load_explicit(&r->timed_done, memory_order_acquire) >= r->ctx.nr_timed;
}

static void write_params(struct json *js, const char *key, const struct workload_ops *wl,
			 unsigned threads)
{
	json_obj_begin(js, key);
	json_u64(js, "threads", threads);
	json_double(js, "duration_s", bench_cfg.ops ? 0 : bench_cfg.duration_s);
	json_u64(js, "ops", bench_cfg.ops);
	json_double(js, "warmup_s", bench_cfg.warmup_s);
	json_u64(js, "seed", bench_cfg.seed);
	json_u64(js, "runs", bench_cfg.runs);
	json_str(js, "lock", lb_lock_kind_name(lb_lock_default_kind));
	json_str(js, "rwlock", lb_rwlock_kind_name(lb_rwlock_default_kind));
	json_str(js, "alloc", lb_allocator_name(lb_allocator));
	json_u64(js, "gp_latency_ns", lb_gp_latency_ns);
	faults_write_params(js);
	if (*inject_name())
		json_str(js, "inject", inject_name());
	if (wl->write_params)
		wl->write_params(js);
	json_obj_end(js);
}

/*
 * Contention counters: a number, or absent (null).
 *
 * A counter is absent when nothing on the run's path has code that bumps
 * it; a number, 0 included, means something could have and this is how
 * often it did. The path is the backend, the workload (with the model it
 * drives) and the lock kind:
 *  - the backend, by its caps (structures/store.h): the null backend bumps
 *    nothing; every other has a lock (lock_acquisitions, lock_contended),
 *    may retry a CAS and counts its misses; try-get failures only where
 *    get is lock-free (STORE_CAP_LOCKFREE_GET: elsewhere get is serialised
 *    with the final put and cannot meet a dying entry); grace-period waits
 *    only where it uses RCU (LOCKFREE_GET or DEFERRED_FREE); deferred frees
 *    only with STORE_CAP_DEFERRED_FREE; cache counters never.
 *  - the workload, by its counters_never (workloads/workload.h); one that
 *    does not declare it may bump any counter.
 *  - lock_spins only from spinning locks: absent under --lock=mutex.
 * A counter that counted anything is present whatever these say. Caps are
 * coarse: a backend that has a kind of code but never runs it on a path
 * (list never retries a CAS; list_rw, with the same caps, does) reports 0.
 */
static bool store_may_count(enum lb_counter c, unsigned caps)
{
	if (caps & STORE_CAP_NULL)
		return false;
	switch (c) {
	case LB_C_LOCK_ACQ:
	case LB_C_LOCK_CONTENDED:
	case LB_C_LOCK_SPINS:
	case LB_C_CAS_RETRY:
	case LB_C_GET_MISS:
		return true;
	case LB_C_TRYGET_FAIL:
		return caps & STORE_CAP_LOCKFREE_GET;
	case LB_C_GP_WAIT:
	case LB_C_GP_WAIT_NS:
		return caps & (STORE_CAP_LOCKFREE_GET | STORE_CAP_DEFERRED_FREE);
	case LB_C_DEFER_FREE:
		return caps & STORE_CAP_DEFERRED_FREE;
	default:
		return false;
	}
}

static bool counter_present(enum lb_counter c, const struct store_ops *b,
			    const struct workload_ops *wl, uint64_t total)
{
	if (total)
		return true;
	if (c == LB_C_LOCK_SPINS && lb_lock_default_kind == LB_LOCK_MUTEX)
		return false;
	return !(wl->counters_never & WL_COUNTER(c)) || store_may_count(c, b->caps);
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

static void write_json(struct json *js, struct run_result *res, struct bench_run *r,
		       const struct manifest *m)
{
	json_obj_begin(js, NULL);
	json_u64(js, "schema", RESULT_SCHEMA);
	json_str(js, "backend", res->backend);
	json_str(js, "workload", res->workload);
	json_u64(js, "threads", res->threads);
	json_u64(js, "timed_threads", res->nr_timed);
	json_u64(js, "run", res->run_index);
	json_str(js, "status", run_status_name(res->status));
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
	/* Totals, then each worker's (timed or not): the totals are their sums. */
	write_counters(js, "counters", &res->counters, res->counter_present);
	json_arr_begin(js, "per_thread_counters");
	for (unsigned i = 0; i < res->threads; i++)
		write_counters(js, NULL, &res->thread_counters[i], res->counter_present);
	json_arr_end(js);
	/* Process-wide gauge since start (not per thread, not reset per run). */
	if (res->counter_present[LB_C_DEFER_FREE])
		json_u64(js, "deferred_frees_peak", lb_rcu_deferred_peak());
	else
		json_null(js, "deferred_frees_peak");
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
	json_u64_or_null(js, "height", res->store.height);
	json_u64_or_null(js, "nodes", res->store.nodes);
	json_u64_or_null(js, "tombstones", res->store.tombstones);
	json_u64_or_null(js, "capacity", res->store.capacity);
	json_u64_or_null(js, "max_probe", res->store.max_probe);
	json_obj_end(js);
	write_params(js, "params", r->wl, res->threads);
	topo_write_placement_json(js);
	json_obj_begin(js, "workload_results");
	if (res->stalled) /* its report may take a lock a stuck worker holds */
		json_str(js, "unavailable", "the run stalled");
	else if (r->wl->report) {
		struct wl_report rep = {.out = NULL, .js = js, .elapsed_s = res->elapsed_s};
		r->wl->report(&r->ctx, &rep);
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
	json_bool(js, "interrupted", res->interrupted);
	json_bool(js, "timed_out", res->timed_out);
	manifest_write(js, m, res->threads);
	json_obj_end(js);
}

/* Said once per thread count: the workload decides how many threads run. */
static void warn_oversubscribed(unsigned threads, const struct manifest *m)
{
	static unsigned warned_for;
	if (threads <= m->cpus_online || warned_for == threads)
		return;
	warned_for = threads;
	fprintf(stderr,
		"lpibench: warning: %u threads on %u CPUs: oversubscribed. The kernel's LPI "
		"locks are raw spinlocks whose holders are never preempted; here a preempted "
		"holder makes waiters burn time slices, so spinning locks measure the scheduler "
		"as much as the design (see --lock=spin-yield|mutex).\n",
		threads, m->cpus_online);
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
	}
	if (res->counter_present[LB_C_CACHE_HIT] || res->counter_present[LB_C_CACHE_MISS] ||
	    res->counter_present[LB_C_CACHE_EVICT] || res->counter_present[LB_C_CACHE_INVAL])
		fprintf(o, "   cache: %s hits, %s misses, %s evictions, %s invalidations\n",
			cval(c, sizeof(c), res, LB_C_CACHE_HIT),
			cval(d, sizeof(d), res, LB_C_CACHE_MISS),
			cval(e, sizeof(e), res, LB_C_CACHE_EVICT),
			cval(f, sizeof(f), res, LB_C_CACHE_INVAL));
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

static void print_summary(struct run_result *res, struct bench_run *r, const struct manifest *m)
{
	FILE *o = stdout;
	double secs = res->elapsed_s > 0 ? res->elapsed_s : 1;
	double *x = malloc((res->nr_timed ? res->nr_timed : 1) * sizeof(*x));
	for (unsigned i = 0; x && i < res->nr_timed; i++)
		x[i] = (double)res->per_thread_ops[i];
	fprintf(o, "== %s / %s, %u thread%s, run %u of %u\n", res->backend, res->workload,
		res->threads, res->threads == 1 ? "" : "s", res->run_index, bench_cfg.runs);
	if (res->threads > m->cpus_online)
		fprintf(o, "   oversubscribed: %u threads on %u CPUs\n", res->threads,
			m->cpus_online);
	fprintf(o, "   %.3f Mops/s total in %.3f s; %.1f ns/op per thread\n",
		res->ops_per_sec / 1e6, res->elapsed_s, res->ns_per_op);
	if (x && res->nr_timed)
		fprintf(o, "   per thread: min %.3f, max %.3f Mops/s; cv %.3f, Jain %.4f\n",
			stats_min(x, res->nr_timed) / secs / 1e6,
			stats_max(x, res->nr_timed) / secs / 1e6, stats_cv(x, res->nr_timed),
			stats_jain(x, res->nr_timed));
	free(x);
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
		fprintf(o, "   store: %" PRIu64 " entries, %" PRIu64 " bytes (%.1f B/LPI)\n",
			res->store.entries, res->store.mem_bytes,
			(double)res->store.mem_bytes / (double)res->store.entries);
	if (r->wl->report && !res->stalled) {
		struct wl_report rep = {.out = o, .js = NULL, .elapsed_s = res->elapsed_s};
		r->wl->report(&r->ctx, &rep);
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
	if (res->status != RUN_OK)
		fprintf(o, "   status: %s (%s): not a number to use\n",
			run_status_name(res->status), res->status_reason);
	if (res->timed_out)
		fprintf(o, "   timed out after %.0f s\n", RUN_QUOTA_TIMEOUT_S);
}

/* CSV cells here never contain commas or quotes except params and the
 * status reason, which are quoted. */
static int write_results(struct run_result *res, struct bench_run *r, const struct manifest *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return -1;
	struct json js;
	json_init(&js, mem);
	write_json(&js, res, r, m);
	fclose(mem);

	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(res->json_name, sizeof(res->json_name), "%s-%s-%s-t%u-r%u-%d.json", stamp,
		 res->backend, res->workload, res->threads, res->run_index, (int)getpid());
	int rc = result_write_json(bench_cfg.out_dir, res->json_name, buf, len);
	free(buf);
	if (rc)
		return -1;

	/* params as compact k=v;k=v from the JSON params (workload-specific) */
	char *pbuf = NULL;
	size_t plen = 0;
	mem = open_memstream(&pbuf, &plen);
	if (!mem)
		return -1;
	json_init(&js, mem);
	write_params(&js, NULL, r->wl, res->threads);
	fclose(mem);
	/* Compact JSON, CSV-quoted: drop newlines and indentation, double quotes. */
	char params[2048];
	size_t o = 0;
	bool line_start = false;
	params[o++] = '"';
	for (char *p = pbuf; *p && o < sizeof(params) - 3; p++) {
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
	    res->threads > m->cpus_online ? "true" : "false",
	    res->verified ? "true" : "false",
	    run_status_name(res->status),
	    reason,
	    LB_GIT_COMMIT,
	    m->host,
	    params,
	    res->json_name,
	};
	return result_append_csv(bench_cfg.out_dir, values, sizeof(values) / sizeof(values[0]));
}

/*
 * A stuck worker's counters, read from its cells without its help (it
 * holds a lock, or waits for one, and will never hand them over): a
 * snapshot, each cell as it was at some moment of the read; the worker may
 * still bump the spin counters meanwhile. Context: main thread, after a
 * stall. ThreadSanitizer builds report such reads as races (they are, by
 * design), so there the stuck workers' counters are left at zero.
 */
static void stuck_counters(const struct bench_worker *bw, struct lb_counters *out)
{
	memset(out, 0, sizeof(*out));
#ifndef LB_TSAN
	if (!bw->live_counters)
		return;
	for (int c = 0; c < LB_C_NR; c++)
		out->c[c] = __atomic_load_n(&bw->live_counters->c[c], __ATOMIC_RELAXED);
#else
	(void)bw;
#endif
}

/* Timeline gauge, on the sampler thread: the deferred-free backlog. */
static void timeline_gauges(void *arg, uint64_t *vals)
{
	(void)arg;
	vals[0] = lb_rcu_deferred_outstanding();
}

/* CPU time the timed workers used so far and their ops, for warmup_op_ns. */
struct warm_mark {
	uint64_t cpu_ns, wall_ns, ops;
	bool cpu_ok;
};

static void warm_mark(struct bench_run *r, struct warm_mark *w)
{
	w->cpu_ns = w->ops = 0;
	w->cpu_ok = true;
	w->wall_ns = mono_ns();
	for (unsigned i = 0; i < r->ctx.nr_timed; i++) {
		clockid_t cid;
		struct timespec ts;
		w->ops += atomic_load_explicit(&r->workers[i].progress, memory_order_relaxed);
		if (pthread_getcpuclockid(r->workers[i].thread, &cid) == 0 &&
		    clock_gettime(cid, &ts) == 0)
			w->cpu_ns += (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		else
			w->cpu_ok = false;
	}
}

/*
 * CPU ns per op of the timed workers between two marks (0 if too little to
 * tell), for samp_choose_n(): their CPU time, not the wall clock, so a
 * loaded or oversubscribed machine, where a thread waits for a CPU, does
 * not make ops look dearer than they are (and sampling denser than its
 * budget). Without per-thread CPU clocks: wall time times the CPUs busy.
 */
static double warmup_op_ns(struct bench_run *r, const struct warm_mark *a, unsigned cpus)
{
	struct warm_mark b;
	warm_mark(r, &b);
	uint64_t ops = b.ops - a->ops, wall = b.wall_ns - a->wall_ns;
	if (ops < 1000 || wall < 1000000)
		return 0;
	if (a->cpu_ok && b.cpu_ok && b.cpu_ns > a->cpu_ns)
		return (double)(b.cpu_ns - a->cpu_ns) / (double)ops;
	unsigned busy = r->ctx.nr_timed < cpus ? r->ctx.nr_timed : cpus;
	return (double)wall * (busy ? busy : 1) / (double)ops;
}

int run_one(const struct store_ops *backend, const struct workload_ops *wl, unsigned threads,
	    unsigned run_index, const struct manifest *m, struct run_outcome *out)
{
	struct bench_run r;
	struct run_result res;
	int status = 0;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	memset(out, 0, sizeof(*out));
	r.wl = wl;
	r.ctx.store_ops = backend;
	r.ctx.nr_threads = threads;
	r.ctx.nr_timed = threads;
	r.ctx.seed = bench_cfg.seed + run_index;
	r.ctx.ops_per_thread = bench_cfg.ops ? (bench_cfg.ops + threads - 1) / threads : 0;
	r.sampling = measure_cfg.sample_auto || measure_cfg.sample_every;
	r.sample_scale = measure_cfg.sample_auto;
	lb_irq_checks = bench_cfg.check;

	struct store_cfg scfg = {.expected_lpis = wl->expected_lpis ? wl->expected_lpis() : 0};
	faults_setup_begin();
	r.ctx.store = backend->create(&scfg);
	if (!r.ctx.store) {
		fprintf(stderr, "lpibench: backend %s: cannot create the store\n", backend->name);
		return 2;
	}
	if (wl->setup(&r.ctx)) {
		fprintf(stderr, "lpibench: workload %s: set-up failed\n", wl->name);
		backend->destroy(r.ctx.store);
		lb_rcu_barrier();
		return 2;
	}
	threads = r.ctx.nr_threads; /* the workload may define its own */
	if (r.ctx.nr_timed > threads)
		r.ctx.nr_timed = threads;
	warn_oversubscribed(threads, m);
	if (topo_run_begin(threads)) {
		fprintf(stderr, "lpibench: cannot place %u threads\n", threads);
		exit(2);
	}
	bool quota = r.ctx.quota_run || bench_cfg.ops;

	r.workers = calloc(threads, sizeof(*r.workers));
	r.perf = calloc(threads, sizeof(*r.perf));
	res.per_thread_ops = calloc(r.ctx.nr_timed ? r.ctx.nr_timed : 1, sizeof(uint64_t));
	res.thread_counters = calloc(threads, sizeof(*res.thread_counters));
	res.sample_every = calloc(threads, sizeof(*res.sample_every));
	_Atomic uint64_t **progress =
	    calloc(r.ctx.nr_timed ? r.ctx.nr_timed : 1, sizeof(*progress));
	if (!r.workers || !r.perf || !res.per_thread_ops || !res.thread_counters ||
	    !res.sample_every || !progress) {
		fprintf(stderr, "lpibench: out of memory\n");
		exit(2);
	}
	pthread_barrier_init(&r.start, NULL, threads + 1);
	atomic_init(&r.phase, quota ? PHASE_MEASURE : PHASE_WARMUP);
	/* A quota run has no warm-up to learn the op's cost from. */
	if (quota)
		r.sample_base = measure_sample_n(0);

	_Atomic uint64_t **wd_progress = calloc(threads, sizeof(*wd_progress));
	bool *joined = calloc(threads, sizeof(*joined));
	if (!wd_progress || !joined) {
		fprintf(stderr, "lpibench: out of memory\n");
		exit(2);
	}
	for (unsigned i = 0; i < threads; i++)
		wd_progress[i] = &r.workers[i].progress;
	watchdog_start(threads, wd_progress, run_watchdog_stop, &r, 0); /* copies them */
	free(wd_progress);
	watchdog_measured(r.ctx.nr_timed);
	faults_run_begin(r.ctx.seed);
	inject_run_begin();

	partial_arm(bench_cfg.out_dir, backend->name, wl->name, threads, run_index);
	unsigned started = 0;
	for (unsigned i = 0; i < threads; i++) {
		struct bench_worker *bw = &r.workers[i];
		bw->run = &r;
		bw->w.id = i;
		bw->w.rng = (r.ctx.seed + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
		bw->w.rng |= 1;
		if (pthread_create(&bw->thread, NULL, worker_main, bw) != 0) {
			fprintf(stderr, "lpibench: cannot create thread %u of %u: %s\n", i + 1,
				threads, strerror(errno));
			exit(2);
		}
		bw->started = true;
		started++;
	}

	struct timeline tl;
	bool tl_on = false;
	pthread_barrier_wait(&r.start);
	uint64_t t0 = mono_ns(), t1;
	struct warm_mark warm;
	if (!quota)
		warm_mark(&r, &warm);
	if (measure_cfg.interval_ms) {
		for (unsigned i = 0; i < r.ctx.nr_timed; i++)
			progress[i] = &r.workers[i].progress;
		struct timeline_cfg tc = {
		    .interval_ms = measure_cfg.interval_ms,
		    .nthreads = r.ctx.nr_timed,
		    .progress = progress,
		    .nextra = 1,
		    .extra_name = {"deferred_outstanding"},
		    .extra = timeline_gauges,
		};
		if (timeline_start(&tl, &tc) == 0) {
			tl_on = true;
		} else {
			fprintf(stderr, "lpibench: warning: no timeline for this run: %s\n",
				strerror(errno));
			timeline_free(&tl);
		}
	}
	if (quota) {
		inject_window_open();
		sleep_until(RUN_QUOTA_TIMEOUT_S, all_timed_done, &r);
		res.timed_out = !all_timed_done(&r) && !run_interrupted;
		atomic_store_explicit(&r.phase, PHASE_STOP, memory_order_release);
		t1 = mono_ns();
	} else {
		sleep_until(bench_cfg.warmup_s, NULL, &r);
		r.sample_base = measure_sample_n(warmup_op_ns(&r, &warm, m->cpus_online));
		atomic_store_explicit(&r.phase, PHASE_MEASURE, memory_order_release);
		t0 = mono_ns();
		inject_window_open();
		sleep_until(bench_cfg.duration_s, NULL, &r);
		atomic_store_explicit(&r.phase, PHASE_STOP, memory_order_release);
		t1 = mono_ns();
	}
	/* Join while the watchdog still watches: a worker stuck at the end of
	 * the run (the others gone) is then reported instead of hanging here. */
	/* In any order: one stuck worker must not keep finished ones unjoined. */
	for (unsigned left = started; left;) {
		for (unsigned i = 0; i < started; i++)
			if (!joined[i] && pthread_tryjoin_np(r.workers[i].thread, NULL) == 0) {
				joined[i] = true;
				left--;
			}
		if (!left || atomic_load_explicit(&r.stalled, memory_order_acquire))
			break;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	res.stalled = watchdog_stop();
	/* The healthy ones see PHASE_STOP; one that blocks on what a stuck
	 * worker holds is given up on after a bound, never waited for. */
	for (unsigned i = 0; i < started; i++)
		if (!joined[i] && !watchdog_worker_stuck(i)) {
			struct timespec dl;
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 1 + (time_t)watchdog_seconds();
			joined[i] = pthread_timedjoin_np(r.workers[i].thread, NULL, &dl) == 0;
		}
	res.alloc_failures = faults_run_end();
	inject_run_end();
	if (tl_on)
		timeline_stop(&tl);
	res.interrupted = run_interrupted;
	struct topo_run_report placement;
	topo_run_check(&placement);

	if (quota) {
		/* Selftest timing: from the first timed worker's start (a loaded
		 * host may run the workers, even to their end, before the main
		 * thread reads the clock after the barrier) until the last timed
		 * worker finished. */
		uint64_t last = 0;
		for (unsigned i = 0; i < r.ctx.nr_timed; i++) {
			if (r.workers[i].done_ns > last)
				last = r.workers[i].done_ns;
			if (r.workers[i].start_ns && r.workers[i].start_ns < t0)
				t0 = r.workers[i].start_ns;
		}
		if (last && !res.timed_out && !res.interrupted)
			t1 = last;
	}

	res.backend = backend->name;
	res.workload = wl->name;
	res.threads = threads;
	res.nr_timed = r.ctx.nr_timed;
	res.run_index = run_index;
	res.elapsed_s = (double)(t1 - t0) / 1e9;
	res.sample_base = r.sample_base;
	if (tl_on) {
		res.timeline = &tl;
		res.window_ns[0] = t0 > tl.t0_ns ? t0 - tl.t0_ns : 0;
		res.window_ns[1] = t1 > tl.t0_ns ? t1 - tl.t0_ns : 0;
	}
	if (r.sampling) {
		res.latency = malloc(sizeof(*res.latency));
		if (!res.latency) {
			fprintf(stderr, "lpibench: out of memory\n");
			exit(2);
		}
		samp_thread_init(res.latency, 0, 0);
	}
	for (unsigned i = 0; i < threads; i++) {
		struct bench_worker *bw = &r.workers[i];
		if (!joined[i]) { /* stuck (watchdog): still running */
			stuck_counters(bw, &res.thread_counters[i]);
			counters_add(&res.counters, &res.thread_counters[i]);
			res.stuck_snapshots++;
			continue;
		}
		if (bw->init_rc) {
			fprintf(stderr, "lpibench: worker %u: thread set-up failed\n", i);
			status = 2;
		}
		if (i < r.ctx.nr_timed) {
			res.per_thread_ops[i] = bw->ops_measured;
			res.total_ops += bw->ops_measured;
		}
		if (!bw->init_rc && !bw->in_window)
			res.outside_window++;
		res.get_ok += bw->w.get_ok;
		res.get_fail += bw->w.get_fail;
		res.thread_counters[i] = bw->counters;
		counters_add(&res.counters, &bw->counters);
		res.sample_every[i] = bw->sample_every;
		if (bw->samp) {
			samp_merge(res.latency, bw->samp);
			free(bw->samp);
		}
	}
	for (int c = 0; c < LB_C_NR; c++)
		res.counter_present[c] =
		    counter_present((enum lb_counter)c, backend, wl, res.counters.c[c]);
	for (unsigned i = 0; i < threads; i++) /* a stuck worker's are not ours to read */
		if (!joined[i])
			perf_result_unavailable(&r.perf[i], "the worker was stuck (watchdog)");
	perf_result_sum(&res.perf, r.perf, threads);
	res.thread_perf = r.perf;
	res.ops_per_sec = res.elapsed_s > 0 ? (double)res.total_ops / res.elapsed_s : 0;
	res.ns_per_op =
	    res.total_ops ? res.elapsed_s * 1e9 * res.nr_timed / (double)res.total_ops : NAN;
	res.verified = true;
	if (res.stalled) {
		/* Stuck workers may hold the structure's locks: do not touch it. */
		memset(&res.store, 0xff, sizeof(res.store)); /* all STORE_STAT_ABSENT */
		res.verified = false;
		snprintf(res.verify_msg, sizeof(res.verify_msg),
			 "stalled: no progress for %g s (watchdog)", watchdog_seconds());
		status = 1;
	} else {
		store_get_stats(r.ctx.store, &res.store);
		int vrc =
		    wl->verify ? wl->verify(&r.ctx, res.verify_msg, sizeof(res.verify_msg)) : 0;
		if (vrc == WL_VERIFY_DETECTED) {
			res.detected = true;
			status = status ? status : 3;
		} else if (vrc) {
			res.verified = false;
			status = status ? status : 1;
		}
	}
	if (res.timed_out)
		status = status ? status : 1;
	struct run_status_in sin = {
	    .interrupted = res.interrupted,
	    .stalled = res.stalled,
	    .stall_s = watchdog_seconds(),
	    .timed_out = res.timed_out,
	    .timeout_s = RUN_QUOTA_TIMEOUT_S,
	    .verified = res.verified,
	    .verify_msg = res.verify_msg,
	    .outside_window = res.outside_window,
	    .threads = threads,
	    .window_s = res.elapsed_s,
	};
	res.status = run_status_decide(&sin, res.status_reason, sizeof(res.status_reason));

	if (!bench_cfg.quiet)
		print_summary(&res, &r, m);
	int wrc = write_results(&res, &r, m);
	partial_disarm();
	if (wrc)
		status = 2;
	else if (bench_cfg.quiet)
		printf("%s/%s\n", bench_cfg.out_dir, res.json_name);
	else
		printf("   result: %s/%s\n", bench_cfg.out_dir, res.json_name);

	if (res.status == RUN_TOO_SHORT)
		fprintf(stderr, "lpibench: warning: %s/%s t%u run %u: %s: too short to mean much\n",
			backend->name, wl->name, threads, run_index, res.status_reason);
	if (res.outside_window)
		fprintf(stderr,
			"lpibench: warning: %s/%s t%u run %u: %u worker%s never ran while the "
			"measured window was open (host too loaded?); counted as 0 ops and left "
			"out of the repetitions' summary\n",
			backend->name, wl->name, threads, run_index, res.outside_window,
			res.outside_window == 1 ? "" : "s");
	if (res.stalled) {
		/* Stuck threads are still in the workload and the store: no
		 * teardown, and no exit handlers either (one may wait for a
		 * grace period a stuck reader blocks); the result is written,
		 * the sweep goes on with us out. */
		fflush(NULL);
		_exit(1);
	}
	out->ops_per_sec = res.ops_per_sec;
	out->threads = threads;
	out->complete = status == 0 && res.status == RUN_OK;
	snprintf(out->json_name, sizeof(out->json_name), "%s", res.json_name);

	if (wl->teardown)
		wl->teardown(&r.ctx);
	backend->destroy(r.ctx.store);
	lb_rcu_barrier();
	pthread_barrier_destroy(&r.start);
	if (tl_on)
		timeline_free(&tl);
	free(progress);
	free(joined);
	free(r.workers);
	free(r.perf);
	free(res.per_thread_ops);
	free(res.thread_counters);
	free(res.sample_every);
	free(res.latency);
	return status;
}
