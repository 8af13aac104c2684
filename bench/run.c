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
#include "config.h"
#include "json.h"
#include "result.h"
#include "topo.h"

enum { PHASE_WARMUP, PHASE_MEASURE, PHASE_STOP };

/* Ops between two looks at the phase: small enough that stopping lags by
 * microseconds, large enough that the check costs nothing per op. */
#define RUN_BATCH 16
/* A quota run that takes longer than this is stopped and reported. */
#define RUN_QUOTA_TIMEOUT_S 600.0

volatile sig_atomic_t run_interrupted;

struct bench_run;

struct bench_worker {
	pthread_t thread;
	struct bench_run *run;
	struct wl_worker w;
	atomic_ullong progress; /* ops so far; read by the timeline sampler */
	uint64_t ops_base, ops_measured;
	uint64_t done_ns; /* when a quota was completed, 0 if not */
	struct lb_counters counters;
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
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
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

static void *worker_main(void *arg)
{
	struct bench_worker *bw = arg;
	struct bench_run *r = bw->run;
	const struct workload_ops *wl = r->wl;
	bool timed = bw->w.id < r->ctx.nr_timed;
	uint64_t quota = timed ? r->ctx.ops_per_thread : 0;
	uint64_t n = 0;
	int seen = PHASE_WARMUP;
	unsigned id = bw->w.id;
	bool vcpu = id >= r->ctx.vcpu_first && id < r->ctx.vcpu_first + r->ctx.nr_vcpu;

	/* Bind first, so what the thread allocates lands on its node. */
	topo_bind_worker(id, vcpu ? TOPO_ROLE_VCPU : TOPO_ROLE_GENERIC,
			 vcpu ? id - r->ctx.vcpu_first : id);
	lb_rcu_register_thread();
	bw->init_rc = wl->thread_init ? wl->thread_init(&r->ctx, &bw->w) : 0;
	pthread_barrier_wait(&r->start);

	while (!bw->init_rc) {
		int ph = atomic_load_explicit(&r->phase, memory_order_acquire);
		if (lb_unlikely(ph != seen)) {
			if (ph == PHASE_STOP)
				break;
			/* Entering the measured window: count from here. */
			bw->ops_base = n;
			bw->w.get_ok = bw->w.get_fail = 0;
			memset(&lb_tc, 0, sizeof(lb_tc));
			seen = ph;
		}
		bool done = false;
		for (int i = 0; i < RUN_BATCH; i++) {
			int rc = wl->op(&r->ctx, &bw->w);
			n++;
			if (rc == WL_DONE || (quota && n >= quota)) {
				done = true;
				break;
			}
		}
		atomic_store_explicit(&bw->progress, n, memory_order_relaxed);
		if (done) {
			bw->done_ns = mono_ns();
			if (timed)
				atomic_fetch_add_explicit(&r->timed_done, 1, memory_order_release);
			break;
		}
	}
	bw->ops_measured = n - bw->ops_base;
	if (wl->thread_exit)
		wl->thread_exit(&r->ctx, &bw->w);
	counters_take(&bw->counters);
	lb_rcu_unregister_thread();
	return NULL;
}

/* Sleeps up to s seconds in small steps; returns early on a signal or
 * when stop_when() says so. */
static void sleep_until(double s, bool (*stop_when)(struct bench_run *), struct bench_run *r)
{
	uint64_t end = mono_ns() + (uint64_t)(s * 1e9);
	while (!run_interrupted && (!stop_when || !stop_when(r))) {
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
	if (wl->write_params)
		wl->write_params(js);
	json_obj_end(js);
}

static void fairness(const uint64_t *v, unsigned n, double *cv, double *jain)
{
	double sum = 0, sq = 0;
	for (unsigned i = 0; i < n; i++) {
		sum += (double)v[i];
		sq += (double)v[i] * (double)v[i];
	}
	double mean = n ? sum / n : 0;
	double var = n ? sq / n - mean * mean : 0;
	*cv = mean > 0 ? sqrt(var > 0 ? var : 0) / mean : NAN;
	*jain = sq > 0 ? sum * sum / (n * sq) : NAN;
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
	json_double(js, "duration_s", res->elapsed_s);
	json_u64(js, "total_ops", res->total_ops);
	json_double(js, "ops_per_sec", res->ops_per_sec);
	json_double(js, "ns_per_op", res->ns_per_op);
	json_arr_begin(js, "per_thread_ops");
	for (unsigned i = 0; i < res->nr_timed; i++)
		json_u64(js, NULL, res->per_thread_ops[i]);
	json_arr_end(js);
	double cv, jain;
	fairness(res->per_thread_ops, res->nr_timed, &cv, &jain);
	json_obj_begin(js, "fairness");
	json_double(js, "cv", cv);
	json_double(js, "jain", jain);
	json_obj_end(js);
	json_obj_begin(js, "gets");
	json_u64(js, "ok", res->get_ok);
	json_u64(js, "failed", res->get_fail);
	json_obj_end(js);
	json_obj_begin(js, "counters");
	for (int c = 0; c < LB_C_NR; c++)
		json_u64(js, counters_name((enum lb_counter)c), res->counters.c[c]);
	json_u64(js, "deferred_frees_peak", lb_rcu_deferred_peak());
	json_obj_end(js);
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
	if (r->wl->report) {
		struct wl_report rep = {.out = NULL, .js = js, .elapsed_s = res->elapsed_s};
		r->wl->report(&r->ctx, &rep);
	}
	json_obj_end(js);
	json_bool(js, "verified", res->verified);
	json_str(js, "verify_message", res->verify_msg);
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

static void print_summary(struct run_result *res, struct bench_run *r, const struct manifest *m)
{
	FILE *o = stdout;
	uint64_t mn = UINT64_MAX, mx = 0;
	for (unsigned i = 0; i < res->nr_timed; i++) {
		mn = res->per_thread_ops[i] < mn ? res->per_thread_ops[i] : mn;
		mx = res->per_thread_ops[i] > mx ? res->per_thread_ops[i] : mx;
	}
	fprintf(o, "== %s / %s, %u thread%s, run %u of %u\n", res->backend, res->workload,
		res->threads, res->threads == 1 ? "" : "s", res->run_index, bench_cfg.runs);
	if (res->threads > m->cpus_online)
		fprintf(o, "   oversubscribed: %u threads on %u CPUs\n", res->threads,
			m->cpus_online);
	fprintf(o, "   %.3f Mops/s total in %.3f s; %.1f ns/op per thread\n",
		res->ops_per_sec / 1e6, res->elapsed_s, res->ns_per_op);
	double secs = res->elapsed_s > 0 ? res->elapsed_s : 1;
	fprintf(o, "   per thread: min %.3f, max %.3f Mops/s\n", (double)mn / secs / 1e6,
		(double)mx / secs / 1e6);
	fprintf(o, "   gets: %" PRIu64 " ok, %" PRIu64 " failed\n", res->get_ok, res->get_fail);
	const struct lb_counters *c = &res->counters;
	uint64_t acq = c->c[LB_C_LOCK_ACQ];
	fprintf(o,
		"   locks: %" PRIu64 " acquisitions, %.2f%% contended; try-get failures %" PRIu64
		"; grace periods %" PRIu64 "; deferred frees %" PRIu64 "\n",
		acq, acq ? 100.0 * (double)c->c[LB_C_LOCK_CONTENDED] / (double)acq : 0.0,
		c->c[LB_C_TRYGET_FAIL], c->c[LB_C_GP_WAIT], c->c[LB_C_DEFER_FREE]);
	if (res->store.mem_bytes != STORE_STAT_ABSENT && res->store.entries &&
	    res->store.entries != STORE_STAT_ABSENT)
		fprintf(o, "   store: %" PRIu64 " entries, %" PRIu64 " bytes (%.1f B/LPI)\n",
			res->store.entries, res->store.mem_bytes,
			(double)res->store.mem_bytes / (double)res->store.entries);
	if (r->wl->report) {
		struct wl_report rep = {.out = o, .js = NULL, .elapsed_s = res->elapsed_s};
		r->wl->report(&r->ctx, &rep);
	}
	if (!res->verified)
		fprintf(o, "   VERIFY FAILED: %s\n", res->verify_msg);
	if (res->interrupted)
		fprintf(o, "   interrupted: partial run\n");
	if (res->timed_out)
		fprintf(o, "   timed out after %.0f s\n", RUN_QUOTA_TIMEOUT_S);
}

/* CSV cells here never contain commas or quotes except params, which is
 * quoted. */
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
		LB_GIT_COMMIT,
		m->host,
		params,
		res->json_name,
	};
	return result_append_csv(bench_cfg.out_dir, values, sizeof(values) / sizeof(values[0]));
}

int run_one(const struct store_ops *backend, const struct workload_ops *wl, unsigned threads,
	    unsigned run_index, const struct manifest *m)
{
	struct bench_run r;
	struct run_result res;
	int status = 0;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	r.wl = wl;
	r.ctx.store_ops = backend;
	r.ctx.nr_threads = threads;
	r.ctx.nr_timed = threads;
	r.ctx.seed = bench_cfg.seed + run_index;
	r.ctx.ops_per_thread = bench_cfg.ops ? (bench_cfg.ops + threads - 1) / threads : 0;
	lb_irq_checks = bench_cfg.check;

	struct store_cfg scfg = {0};
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
	res.per_thread_ops = calloc(r.ctx.nr_timed ? r.ctx.nr_timed : 1, sizeof(uint64_t));
	if (!r.workers || !res.per_thread_ops) {
		fprintf(stderr, "lpibench: out of memory\n");
		exit(2);
	}
	pthread_barrier_init(&r.start, NULL, threads + 1);
	atomic_init(&r.phase, quota ? PHASE_MEASURE : PHASE_WARMUP);

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

	pthread_barrier_wait(&r.start);
	uint64_t t0 = mono_ns(), t1;
	if (quota) {
		sleep_until(RUN_QUOTA_TIMEOUT_S, all_timed_done, &r);
		res.timed_out = !all_timed_done(&r) && !run_interrupted;
		atomic_store_explicit(&r.phase, PHASE_STOP, memory_order_release);
		t1 = mono_ns();
	} else {
		sleep_until(bench_cfg.warmup_s, NULL, &r);
		atomic_store_explicit(&r.phase, PHASE_MEASURE, memory_order_release);
		t0 = mono_ns();
		sleep_until(bench_cfg.duration_s, NULL, &r);
		atomic_store_explicit(&r.phase, PHASE_STOP, memory_order_release);
		t1 = mono_ns();
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(r.workers[i].thread, NULL);
	res.interrupted = run_interrupted;
	struct topo_run_report placement;
	topo_run_check(&placement);

	if (quota) {
		/* Selftest timing: until the last timed worker finished. */
		uint64_t last = 0;
		for (unsigned i = 0; i < r.ctx.nr_timed; i++)
			if (r.workers[i].done_ns > last)
				last = r.workers[i].done_ns;
		if (last && !res.timed_out && !res.interrupted)
			t1 = last;
	}

	res.backend = backend->name;
	res.workload = wl->name;
	res.threads = threads;
	res.nr_timed = r.ctx.nr_timed;
	res.run_index = run_index;
	res.elapsed_s = (double)(t1 - t0) / 1e9;
	for (unsigned i = 0; i < threads; i++) {
		struct bench_worker *bw = &r.workers[i];
		if (bw->init_rc) {
			fprintf(stderr, "lpibench: worker %u: thread set-up failed\n", i);
			status = 2;
		}
		if (i < r.ctx.nr_timed) {
			res.per_thread_ops[i] = bw->ops_measured;
			res.total_ops += bw->ops_measured;
		}
		res.get_ok += bw->w.get_ok;
		res.get_fail += bw->w.get_fail;
		counters_add(&res.counters, &bw->counters);
	}
	res.ops_per_sec = res.elapsed_s > 0 ? (double)res.total_ops / res.elapsed_s : 0;
	res.ns_per_op = res.total_ops ? res.elapsed_s * 1e9 * res.nr_timed / (double)res.total_ops
				      : NAN;
	store_get_stats(r.ctx.store, &res.store);

	res.verified = true;
	if (wl->verify && wl->verify(&r.ctx, res.verify_msg, sizeof(res.verify_msg))) {
		res.verified = false;
		status = status ? status : 1;
	}
	if (res.timed_out)
		status = status ? status : 1;

	if (!bench_cfg.quiet)
		print_summary(&res, &r, m);
	if (write_results(&res, &r, m))
		status = 2;
	else if (bench_cfg.quiet)
		printf("%s/%s\n", bench_cfg.out_dir, res.json_name);
	else
		printf("   result: %s/%s\n", bench_cfg.out_dir, res.json_name);

	if (wl->teardown)
		wl->teardown(&r.ctx);
	backend->destroy(r.ctx.store);
	lb_rcu_barrier();
	pthread_barrier_destroy(&r.start);
	free(r.workers);
	free(res.per_thread_ops);
	return status;
}
