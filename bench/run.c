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
 *
 * run_one() goes through phases, each owning one step: prepare (store,
 * workload set-up, arrays), start (barrier, watchdog, workers), drive
 * (the phases above), join, collect (the workers' figures), verify, write
 * (summary: run_summary.c; result files: run_json.c), release. The run
 * owns every allocation (struct bench_run, run_impl.h); errors and stalls
 * come back as a status (enum run_status) and main() picks the exit status.
 */
#include "run_impl.h"

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
#include "../core/cells.h"
#include "../util/clock.h"
#include "../util/sampling.h"
#include "config.h"
#include "faults.h"
#include "inject.h"
#include "lock_stat.h"
#include "measure.h"
#include "partial.h"
#include "perf.h"
#include "run_loop.h"
#include "timeline.h"
#include "topo.h"
#include "watchdog.h"

enum { PHASE_WARMUP, PHASE_MEASURE, PHASE_STOP };

volatile sig_atomic_t run_interrupted;

/* Below this share of the window with every worker running, say so. */
#define RUN_SKEW_WARN_SHARE 0.95

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
	bw->window_ns = mono_ns();
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
	bw->op = run_pick_op(wl, ctx);
	while (!bw->init_rc) {
		int ph = atomic_load_explicit(&r->phase, memory_order_acquire);
		if (lb_unlikely(ph != seen)) {
			if (ph == PHASE_STOP) {
				bw->stop_ns = mono_ns();
				break;
			}
			/* Entering the measured window: count from here. */
			window_begin(r, bw, n);
			smp = bw->sample_every ? bw->samp : NULL;
			bw->op = run_pick_op(wl, ctx); /* samp_self changed */
			seen = ph;
		}
		bool done = smp ? run_batch(&bw->op, ctx, &bw->w, &n, quota, smp, true)
				: run_batch(&bw->op, ctx, &bw->w, &n, quota, NULL, false);
		atomic_store_explicit(&bw->progress, n, memory_order_relaxed);
		if (done) {
			bw->done_ns = bw->stop_ns = mono_ns();
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

/*
 * prepare: the store, the workload's set-up, placement and every per-worker
 * array. Context: main thread, before any worker exists.
 */
static enum run_status run_prepare(struct bench_run *r, const struct store_ops *backend,
				   unsigned threads, unsigned run_index)
{
	const struct wl_plan *plan = r->plan;
	const struct workload_ops *wl = r->wl;
	r->ctx.plan = plan;
	r->ctx.store_ops = backend;
	r->ctx.nr_threads = threads;
	r->ctx.nr_timed = threads;
	r->ctx.seed = plan->seed + run_index;
	r->res.run_index = run_index; /* for the partial stub before collect */
	if (run_id_new(r->res.run_id))
		fprintf(stderr,
			"lpibench: no random bytes for the run's id: written without one\n");
	r->ctx.ops_per_thread = plan->ops ? (plan->ops + threads - 1) / threads : 0;
	r->sampling = measure_cfg.sample_auto || measure_cfg.sample_every;
	r->sample_scale = measure_cfg.sample_auto;
	lb_irq_checks = plan->check;

	struct store_cfg scfg = {.expected_lpis = wl->expected_lpis ? wl->expected_lpis() : 0};
	/* --lock=auto: decided per run, before any lock is created. */
	lb_lock_resolve_auto(wl->planned_threads ? wl->planned_threads() : threads,
			     r->m->cpus_online);
	faults_setup_begin();
	r->ctx.store = backend->create(&scfg);
	if (!r->ctx.store) {
		fprintf(stderr, "lpibench: backend %s: cannot create the store\n", backend->name);
		return RUN_ERROR;
	}
	if (wl->setup(&r->ctx)) {
		fprintf(stderr, "lpibench: workload %s: set-up failed\n", wl->name);
		return RUN_ERROR;
	}
	for (unsigned i = 0; i < r->ctx.nr_notes; i++)
		manifest_note(r->ctx.notes[i].key, r->ctx.notes[i].value);
	r->set_up = true;
	threads = r->ctx.nr_threads; /* the workload may define its own */
	if (r->ctx.nr_timed > threads)
		r->ctx.nr_timed = threads;
	run_warn_oversubscribed(threads, r->m);
	if (topo_run_begin(threads)) {
		fprintf(stderr, "lpibench: cannot place %u threads\n", threads);
		return RUN_ERROR;
	}
	r->quota = r->ctx.quota_run || plan->ops;

	unsigned timed = r->ctx.nr_timed ? r->ctx.nr_timed : 1;
	/* Line-pair aligned (struct bench_worker): calloc promises 16. */
	r->workers = aligned_alloc(LB_LINE_PAIR, threads * sizeof(*r->workers));
	if (r->workers)
		memset(r->workers, 0, threads * sizeof(*r->workers));
	r->perf = calloc(threads, sizeof(*r->perf));
	r->joined = calloc(threads, sizeof(*r->joined));
	r->progress = calloc(timed, sizeof(*r->progress));
	r->res.per_thread_ops = calloc(timed, sizeof(uint64_t));
	r->res.thread_counters = calloc(threads, sizeof(*r->res.thread_counters));
	r->res.sample_every = calloc(threads, sizeof(*r->res.sample_every));
	if (r->sampling)
		r->res.latency = malloc(sizeof(*r->res.latency));
	if (!r->workers || !r->perf || !r->joined || !r->progress || !r->res.per_thread_ops ||
	    !r->res.thread_counters || !r->res.sample_every || (r->sampling && !r->res.latency)) {
		fprintf(stderr, "lpibench: out of memory\n");
		return RUN_ERROR;
	}
	return RUN_OK;
}

/*
 * start: the barrier, the watchdog, fault injection, then the workers,
 * which wait at the barrier. Context: main thread.
 */
static enum run_status run_start(struct bench_run *r)
{
	lock_stat_clock_install(); /* the clock is chosen: wait and hold times */
	unsigned threads = r->ctx.nr_threads;
	if (pthread_barrier_init(&r->start, NULL, threads + 1)) {
		fprintf(stderr, "lpibench: cannot create the start barrier\n");
		return RUN_ERROR;
	}
	r->barrier_ready = true;
	atomic_init(&r->phase, r->quota ? PHASE_MEASURE : PHASE_WARMUP);
	/* A quota run has no warm-up to learn the op's cost from. */
	if (r->quota)
		r->sample_base = measure_sample_n(0);

	_Atomic uint64_t **wd_progress = calloc(threads, sizeof(*wd_progress));
	if (!wd_progress) {
		fprintf(stderr, "lpibench: out of memory\n");
		return RUN_ERROR;
	}
	for (unsigned i = 0; i < threads; i++)
		wd_progress[i] = &r->workers[i].progress;
	watchdog_start(threads, wd_progress, run_watchdog_stop, r, 0); /* copies them */
	free(wd_progress);
	watchdog_measured(r->ctx.nr_timed);
	faults_run_begin(r->ctx.seed);
	inject_run_begin();
	partial_arm(bench_cfg.out_dir, r->ctx.store_ops->name, r->wl->name, threads,
		    r->res.run_index, r->res.run_id);

	for (unsigned i = 0; i < threads; i++) {
		struct bench_worker *bw = &r->workers[i];
		bw->run = r;
		bw->w.id = i;
		bw->w.rng = (r->ctx.seed + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
		bw->w.rng |= 1;
		if (pthread_create(&bw->thread, NULL, worker_main, bw) != 0) {
			fprintf(stderr, "lpibench: cannot create thread %u of %u: %s\n", i + 1,
				threads, strerror(errno));
			/* Those started wait at the barrier for ever: abandon. */
			watchdog_stop();
			faults_run_end();
			inject_run_end();
			return RUN_ABANDONED;
		}
		bw->started = true;
		r->started++;
	}
	return RUN_OK;
}

/* The timeline sampler over the timed workers' progress (--interval). */
static void run_timeline_start(struct bench_run *r)
{
	if (!measure_cfg.interval_ms)
		return;
	for (unsigned i = 0; i < r->ctx.nr_timed; i++)
		r->progress[i] = &r->workers[i].progress;
	struct timeline_cfg tc = {
	    .interval_ms = measure_cfg.interval_ms,
	    .nthreads = r->ctx.nr_timed,
	    .progress = r->progress,
	    .nextra = 1,
	    .extra_name = {"deferred_outstanding"},
	    .extra = timeline_gauges,
	};
	if (timeline_start(&r->tl, &tc) == 0) {
		r->tl_on = true;
	} else {
		fprintf(stderr, "lpibench: warning: no timeline for this run: %s\n",
			strerror(errno));
		timeline_free(&r->tl);
	}
}

/* --check-shared-writes: the window's result. */
static void shared_check_stop(struct bench_run *r)
{
	if (bench_cfg.check_shared) {
		r->res.shared_write_lines = lb_cells_check_stop();
		r->res.shared_checked = true;
	}
}

/*
 * drive: release the workers and move them through the phases (warm-up,
 * measure, stop), or wait for a quota run's timed workers. Sets the
 * window [t0, t1]. Context: main thread.
 */
static void run_drive(struct bench_run *r)
{
	if (r->quota && bench_cfg.check_shared)
		lb_cells_check_start(); /* the window opens at the barrier */
	pthread_barrier_wait(&r->start);
	r->t0 = mono_ns();
	struct warm_mark warm;
	if (!r->quota)
		warm_mark(r, &warm);
	run_timeline_start(r);
	if (r->quota) {
		inject_window_open();
		sleep_until(RUN_QUOTA_TIMEOUT_S, all_timed_done, r);
		r->res.timed_out = !all_timed_done(r) && !run_interrupted;
		atomic_store_explicit(&r->phase, PHASE_STOP, memory_order_release);
		r->t1 = mono_ns();
		shared_check_stop(r);
		return;
	}
	sleep_until(r->plan->warmup_s, NULL, r);
	r->sample_base = measure_sample_n(warmup_op_ns(r, &warm, r->m->cpus_online));
	if (bench_cfg.check_shared)
		lb_cells_check_start();
	atomic_store_explicit(&r->phase, PHASE_MEASURE, memory_order_release);
	r->t0 = mono_ns();
	inject_window_open();
	sleep_until(r->plan->duration_s, NULL, r);
	atomic_store_explicit(&r->phase, PHASE_STOP, memory_order_release);
	r->t1 = mono_ns();
	if (bench_cfg.check_shared) {
		r->res.shared_write_lines = lb_cells_check_stop();
		r->res.shared_checked = true;
	}
}

/*
 * join: every worker that ended, while the watchdog still watches (a worker
 * stuck at the end of the run, the others gone, is then reported instead
 * of hanging here); then stop the watchdog, fault injection and timeline.
 * Context: main thread.
 */
static void run_join(struct bench_run *r)
{
	/* In any order: one stuck worker must not keep finished ones unjoined. */
	for (unsigned left = r->started; left;) {
		for (unsigned i = 0; i < r->started; i++)
			if (!r->joined[i] && pthread_tryjoin_np(r->workers[i].thread, NULL) == 0) {
				r->joined[i] = true;
				left--;
			}
		if (!left || atomic_load_explicit(&r->stalled, memory_order_acquire))
			break;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	r->res.stalled = watchdog_stop();
	/* The healthy ones see PHASE_STOP; one that blocks on what a stuck
	 * worker holds is given up on after a bound, never waited for. */
	for (unsigned i = 0; i < r->started; i++)
		if (!r->joined[i] && !watchdog_worker_stuck(i)) {
			struct timespec dl;
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 1 + (time_t)watchdog_seconds();
			r->joined[i] = pthread_timedjoin_np(r->workers[i].thread, NULL, &dl) == 0;
		}
	r->res.alloc_failures = faults_run_end();
	inject_run_end();
	if (r->tl_on)
		timeline_stop(&r->tl);
	r->res.interrupted = run_interrupted;
	struct topo_run_report placement;
	topo_run_check(&placement);

	if (r->quota) {
		/* Selftest timing: from the first timed worker's start (a loaded
		 * host may run the workers, even to their end, before the main
		 * thread reads the clock after the barrier) until the last timed
		 * worker finished. */
		uint64_t last = 0;
		for (unsigned i = 0; i < r->ctx.nr_timed; i++) {
			if (r->workers[i].done_ns > last)
				last = r->workers[i].done_ns;
			if (r->workers[i].start_ns && r->workers[i].start_ns < r->t0)
				r->t0 = r->workers[i].start_ns;
		}
		if (last && !r->res.timed_out && !r->res.interrupted)
			r->t1 = last;
	}
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

/* One joined worker's figures into the run's. */
static void collect_worker(struct bench_run *r, unsigned i)
{
	struct run_result *res = &r->res;
	struct bench_worker *bw = &r->workers[i];
	if (i < r->ctx.nr_timed) {
		res->per_thread_ops[i] = bw->ops_measured;
		res->total_ops += bw->ops_measured;
	}
	if (!bw->init_rc && !bw->in_window)
		res->outside_window++;
	res->get_ok += bw->w.get_ok;
	res->get_fail += bw->w.get_fail;
	res->thread_counters[i] = bw->counters;
	counters_add(&res->counters, &bw->counters);
	res->sample_every[i] = bw->sample_every;
	if (bw->samp) {
		samp_merge(res->latency, bw->samp);
		free(bw->samp);
		bw->samp = NULL;
	}
}

/* Start/stop skew over the workers that ran (joined, set up). */
static void run_skew(struct bench_run *r)
{
	struct run_result *res = &r->res;
	uint64_t first = UINT64_MAX, last = 0, in_last = 0, out_first = UINT64_MAX, out_last = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < r->ctx.nr_threads; i++) {
		struct bench_worker *bw = &r->workers[i];
		if (!r->joined[i] || bw->init_rc || !bw->start_ns)
			continue;
		n++;
		first = bw->start_ns < first ? bw->start_ns : first;
		last = bw->start_ns > last ? bw->start_ns : last;
		uint64_t in = r->quota ? bw->start_ns : bw->window_ns;
		uint64_t out = bw->stop_ns ? bw->stop_ns : r->t1;
		in_last = in > in_last ? in : in_last;
		out_first = out < out_first ? out : out_first;
		out_last = out > out_last ? out : out_last;
	}
	if (!n || r->t1 <= r->t0)
		return;
	res->skew_known = true;
	res->skew_start_ns = last - first;
	res->skew_stop_ns = !r->quota && out_last > r->t1 ? out_last - r->t1 : 0;
	uint64_t lo = in_last > r->t0 ? in_last : r->t0, hi = out_first < r->t1 ? out_first : r->t1;
	res->all_running_share = hi > lo ? (double)(hi - lo) / (double)(r->t1 - r->t0) : 0;
}

/*
 * collect: the workers' figures into the result (stuck workers' are left:
 * they still run). Returns RUN_ERROR if a worker's set-up failed.
 */
static enum run_status run_collect(struct bench_run *r, const struct store_ops *backend,
				   unsigned run_index)
{
	struct run_result *res = &r->res;
	enum run_status status = RUN_OK;
	unsigned threads = r->ctx.nr_threads;
	res->backend = backend->name;
	res->workload = r->wl->name;
	res->threads = threads;
	res->nr_timed = r->ctx.nr_timed;
	res->run_index = run_index;
	res->elapsed_s = (double)(r->t1 - r->t0) / 1e9;
	res->sample_base = r->sample_base;
	if (r->tl_on) {
		res->timeline = &r->tl;
		res->window_ns[0] = r->t0 > r->tl.t0_ns ? r->t0 - r->tl.t0_ns : 0;
		res->window_ns[1] = r->t1 > r->tl.t0_ns ? r->t1 - r->tl.t0_ns : 0;
	}
	if (res->latency)
		samp_thread_init(res->latency, 0, 0);
	for (unsigned i = 0; i < threads; i++) {
		if (!r->joined[i]) { /* stuck (watchdog): still running */
			stuck_counters(&r->workers[i], &res->thread_counters[i]);
			counters_add(&res->counters, &res->thread_counters[i]);
			res->stuck_snapshots++;
			continue;
		}
		if (r->workers[i].init_rc) {
			fprintf(stderr, "lpibench: worker %u: thread set-up failed\n", i);
			status = RUN_ERROR;
		}
		collect_worker(r, i);
	}
	for (int c = 0; c < LB_C_NR; c++)
		res->counter_present[c] =
		    counter_present((enum lb_counter)c, backend, r->wl, res->counters.c[c]);
	for (unsigned i = 0; i < threads; i++) /* a stuck worker's are not ours to read */
		if (!r->joined[i])
			perf_result_unavailable(&r->perf[i], "the worker was stuck (watchdog)");
	run_skew(r);
	perf_result_sum(&res->perf, r->perf, threads);
	res->thread_perf = r->perf;
	res->ops_per_sec = res->elapsed_s > 0 ? (double)res->total_ops / res->elapsed_s : 0;
	res->ns_per_op =
	    res->total_ops ? res->elapsed_s * 1e9 * res->nr_timed / (double)res->total_ops : NAN;
	return status;
}

/*
 * verify: the store's statistics and the workload's invariants, unless
 * the run stalled (stuck workers may hold the structure's locks: it is not
 * touched). Returns the run's status given the one so far.
 */
static enum run_status run_verify(struct bench_run *r, enum run_status status)
{
	struct run_result *res = &r->res;
	res->verified = true;
	if (res->stalled) {
		memset(&res->store, 0xff, sizeof(res->store)); /* all STORE_STAT_ABSENT */
		res->verified = false;
		snprintf(res->verify_msg, sizeof(res->verify_msg),
			 "stalled: no progress for %g s (watchdog)", watchdog_seconds());
		status = RUN_FAILED;
	} else {
		store_get_stats(r->ctx.store, &res->store);
		int vrc = r->wl->verify
			      ? r->wl->verify(&r->ctx, res->verify_msg, sizeof(res->verify_msg))
			      : 0;
		if (vrc == WL_VERIFY_DETECTED) {
			res->detected = true;
			status = status ? status : RUN_DETECTED;
		} else if (vrc) {
			res->verified = false;
			status = status ? status : RUN_FAILED;
		}
	}
	if (res->timed_out)
		status = status ? status : RUN_FAILED;
	struct result_status_in sin = {
	    .interrupted = res->interrupted,
	    .stalled = res->stalled,
	    .stall_s = watchdog_seconds(),
	    .timed_out = res->timed_out,
	    .timeout_s = RUN_QUOTA_TIMEOUT_S,
	    .verified = res->verified,
	    .verify_msg = res->verify_msg,
	    .outside_window = res->outside_window,
	    .threads = res->threads,
	    .window_s = res->elapsed_s,
	    .min_window_s = r->ctx.min_window_s,
	    .min_window_why = r->ctx.min_window_why,
	};
	res->status = result_status_decide(&sin, res->status_reason, sizeof(res->status_reason));
	return status;
}

/* write: the summary (unless --quiet), the result files, their path. */
static enum run_status run_write(struct bench_run *r, enum run_status status)
{
	struct run_result *res = &r->res;
	const char *out_dir = bench_cfg.out_dir;
	if (!r->plan->quiet)
		run_print_summary(r);
	int wrc = run_write_results(r);
	partial_disarm();
	if (wrc)
		status = RUN_ERROR;
	else if (r->plan->quiet)
		printf("%s/%s\n", out_dir, res->json_name);
	else
		printf("   result: %s/%s\n", out_dir, res->json_name);
	if (res->status == RESULT_TOO_SHORT)
		fprintf(stderr, "lpibench: warning: %s/%s t%u run %u: %s: too short to mean much\n",
			res->backend, res->workload, res->threads, res->run_index,
			res->status_reason);
	if (res->skew_known && res->all_running_share < RUN_SKEW_WARN_SHARE)
		fprintf(stderr,
			"lpibench: warning: %s/%s t%u run %u: every worker ran together for only "
			"%.1f%% of the window (start skew %.3f ms, stop skew %.3f ms)\n",
			res->backend, res->workload, res->threads, res->run_index,
			100.0 * res->all_running_share, (double)res->skew_start_ns / 1e6,
			(double)res->skew_stop_ns / 1e6);
	if (res->outside_window)
		fprintf(stderr,
			"lpibench: warning: %s/%s t%u run %u: %u worker%s never ran while the "
			"measured window was open (host too loaded?); counted as 0 ops and left "
			"out of the repetitions' summary\n",
			res->backend, res->workload, res->threads, res->run_index,
			res->outside_window, res->outside_window == 1 ? "" : "s");
	return status;
}

/* Everything the run owns: the workload's state, the store, the arrays. */
static void run_release(struct bench_run *r)
{
	if (r->set_up && r->wl->teardown)
		r->wl->teardown(&r->ctx);
	if (r->ctx.store) {
		r->ctx.store_ops->destroy(r->ctx.store);
		lb_rcu_barrier();
	}
	if (r->barrier_ready)
		pthread_barrier_destroy(&r->start);
	if (r->tl_on)
		timeline_free(&r->tl);
	for (unsigned i = 0; r->workers && i < r->ctx.nr_threads; i++)
		free(r->workers[i].samp); /* workers that were never collected */
	free(r->progress);
	free(r->joined);
	free(r->workers);
	free(r->perf);
	free(r->res.per_thread_ops);
	free(r->res.thread_counters);
	free(r->res.sample_every);
	free(r->res.latency);
	free(r);
}

/*
 * A run whose workers cannot all be joined (stuck, or waiting at the
 * barrier for workers never created) is left as it is: its workers may
 * still use the store, the workload's state and the arrays. It stays
 * reachable from here; the process exits next (main).
 */
static struct bench_run *abandoned_run;

enum run_status run_one(const struct store_ops *backend, const struct workload_ops *wl,
			const struct wl_plan *plan, unsigned threads, unsigned run_index,
			const struct manifest *m, struct run_outcome *out)
{
	memset(out, 0, sizeof(*out));
	struct bench_run *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "lpibench: out of memory\n");
		return RUN_ERROR;
	}
	r->wl = wl;
	r->plan = plan;
	r->m = m;
	enum run_status status = run_prepare(r, backend, threads, run_index);
	if (status == RUN_OK)
		status = run_start(r);
	if (status == RUN_ABANDONED) {
		abandoned_run = r;
		return status;
	}
	if (status != RUN_OK) {
		run_release(r);
		return status;
	}
	run_drive(r);
	run_join(r);
	status = run_collect(r, backend, run_index);
	status = run_verify(r, status);
	status = run_write(r, status);
	if (r->res.stalled) {
		/* Stuck threads are still in the workload and the store: no
		 * teardown; the result is written, the sweep ends here. */
		abandoned_run = r;
		return RUN_STALLED;
	}
	out->ops_per_sec = r->res.ops_per_sec;
	out->threads = r->res.threads;
	out->complete = status == RUN_OK && r->res.status == RESULT_OK;
	snprintf(out->json_name, sizeof(out->json_name), "%s", r->res.json_name);
	run_release(r);
	return status;
}
