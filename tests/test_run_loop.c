/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The measurement loop's body (bench/run_loop.h): a batch stops after
 * RUN_BATCH ops, at the worker's quota, or at WL_DONE; with sampling it
 * times about one op in N, without it leaves the sampler alone.
 *
 * And the bare-loop baseline of the harness's overhead: the loop as a
 * bench worker runs it (look at the phase, one batch, store the progress
 * counter) around an op that does nothing, called through the workload's
 * function pointer as the driver calls it; sampling off, and on at the N
 * the driver would choose for it (--sample=auto) and at 1 in 64. The
 * figures are printed, not checked: a shared machine's timing is no
 * pass/fail. For steadier ones: test_run_loop SECONDS (per measurement;
 * default 0.02, 5 repetitions each, median reported).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/run_loop.h"
#include "util/stats.h"
#include "check.h"

/* ---- correctness ---- */
static unsigned calls, done_at;

static int op_count(struct wl_ctx *ctx, struct wl_worker *w)
{
	(void)ctx, (void)w;
	calls++;
	return done_at && calls >= done_at ? WL_DONE : WL_CONTINUE;
}

static const struct workload_ops wl_count = {.name = "count", .op = op_count};

static void test_batch(void)
{
	static struct samp_thread s;
	struct wl_ctx ctx = {0};
	struct wl_worker w = {0};
	uint64_t n = 0;

	calls = done_at = 0;
	CHECK(!run_batch(&wl_count.op, &ctx, &w, &n, 0, NULL, false));
	CHECK(n == RUN_BATCH && calls == RUN_BATCH);
	CHECK(!run_batch(&wl_count.op, &ctx, &w, &n, 0, NULL, false));
	CHECK(n == 2 * RUN_BATCH && calls == 2 * RUN_BATCH);

	/* The quota counts the worker's ops, across batches. */
	n = calls = 0;
	CHECK(!run_batch(&wl_count.op, &ctx, &w, &n, RUN_BATCH + 5, NULL, false));
	CHECK(run_batch(&wl_count.op, &ctx, &w, &n, RUN_BATCH + 5, NULL, false));
	CHECK(n == RUN_BATCH + 5 && calls == RUN_BATCH + 5);

	/* WL_DONE ends the batch at once; the op that said it counts. */
	n = calls = 0;
	done_at = 3;
	CHECK(run_batch(&wl_count.op, &ctx, &w, &n, 0, NULL, false));
	CHECK(n == 3 && calls == 3);
	done_at = 0;

	/* Sampling 1 in 4: about a quarter of the ops timed, all as "op". */
	samp_thread_init(&s, 4, 7);
	n = calls = 0;
	while (n < 64000)
		run_batch(&wl_count.op, &ctx, &w, &n, 0, &s, true);
	CHECK(calls == 64000);
	CHECKF(s.h[SAMP_OP_OP].count > 14000 && s.h[SAMP_OP_OP].count < 18000,
	       "%llu of 64000 ops timed at 1 in 4", (unsigned long long)s.h[SAMP_OP_OP].count);
	for (int t = SAMP_OP_OP + 1; t < SAMP_OP_NR; t++)
		CHECK(s.h[t].count == 0);

	/* The plain copy touches no sampler. */
	samp_thread_init(&s, 4, 7);
	uint64_t left = s.left[SAMP_OP_OP];
	n = 0;
	while (n < 6400)
		run_batch(&wl_count.op, &ctx, &w, &n, 0, &s, false);
	CHECK(s.h[SAMP_OP_OP].count == 0 && s.left[SAMP_OP_OP] == left);
}

/* A workload's per-mode instances: the timed one while the worker's
 * sampler is armed, the untimed one while it is not, the workload's op
 * where setup gave none. */
static int op_timed(struct wl_ctx *ctx, struct wl_worker *w)
{
	(void)ctx, (void)w;
	return 10;
}

static int op_untimed(struct wl_ctx *ctx, struct wl_worker *w)
{
	(void)ctx, (void)w;
	return 20;
}

static void test_pick_op(void)
{
	static struct samp_thread s;
	struct wl_ctx ctx = {0};
	samp_self = NULL;
	CHECK(run_pick_op(&wl_count, &ctx) == wl_count.op);
	samp_self = &s;
	CHECK(run_pick_op(&wl_count, &ctx) == wl_count.op);
	ctx.op_timed = op_timed;
	ctx.op_untimed = op_untimed;
	CHECK(run_pick_op(&wl_count, &ctx) == op_timed);
	samp_self = NULL;
	CHECK(run_pick_op(&wl_count, &ctx) == op_untimed);
	/* Only one given: the other mode falls back to the workload's op. */
	ctx.op_timed = NULL;
	samp_self = &s;
	CHECK(run_pick_op(&wl_count, &ctx) == wl_count.op);
	samp_self = NULL;
}

/* ---- the bare loop ---- */
__attribute__((noinline)) static int op_empty(struct wl_ctx *ctx, struct wl_worker *w)
{
	(void)ctx, (void)w;
	__asm__ __volatile__("" ::: "memory");
	return WL_CONTINUE;
}

static const struct workload_ops wl_empty = {.name = "empty", .op = op_empty};
/* Read through a volatile pointer: the compiler cannot see which op it
 * calls, so the call stays indirect, as in the driver. */
static const struct workload_ops *volatile wl_bare = &wl_empty;
static atomic_int phase = 1;
static _Atomic uint64_t progress;

/* CPU time of this thread: as bench's task_clock_ns, immune to the time a
 * shared machine's other load takes the CPU away. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU ns per op of `ops` ops (rounded up to batches) of the worker's loop. */
static double bare_ns(uint64_t ops, struct samp_thread *smp)
{
	const struct workload_ops *wl = wl_bare;
	struct wl_ctx ctx = {0};
	struct wl_worker w = {0};
	uint64_t n = 0;
	int seen = 1;
	uint64_t t0 = thread_cpu_ns();
	while (n < ops) {
		int ph = atomic_load_explicit(&phase, memory_order_acquire);
		if (lb_unlikely(ph != seen))
			break;
		bool done = smp ? run_batch(&wl->op, &ctx, &w, &n, 0, smp, true)
				: run_batch(&wl->op, &ctx, &w, &n, 0, NULL, false);
		atomic_store_explicit(&progress, n, memory_order_relaxed);
		if (done)
			break;
	}
	return (double)(thread_cpu_ns() - t0) / (double)n;
}

enum { REPS = 5 };

static void time_bare(double secs)
{
	static struct samp_thread s;
	double off[REPS], on64[REPS], onauto[REPS];

	clk_init(CLK_AUTO);
	double cost = samp_measure_cost_ns();
	/* Calibrate: how many ops take about secs. */
	double ns = bare_ns(1000000, NULL);
	uint64_t ops = (uint64_t)(secs * 1e9 / (ns > 0.1 ? ns : 0.1));
	unsigned n_auto = samp_choose_n(cost, ns);
	for (int r = 0; r < REPS; r++) {
		off[r] = bare_ns(ops, NULL);
		samp_thread_init(&s, SAMP_DEFAULT_N, (uint64_t)r);
		on64[r] = bare_ns(ops, &s);
		samp_thread_init(&s, n_auto, (uint64_t)r);
		onauto[r] = bare_ns(ops, &s);
	}
	double m_off = stats_median(off, REPS);
	printf("bare loop, CPU ns/op (median of %d x %.2f s; clock %s, timing one op %.1f ns):\n",
	       REPS, secs, clk_active_info()->name, cost);
	printf("  sampling off       %6.2f ns/op (min %.2f, max %.2f)\n", m_off,
	       stats_min(off, REPS), stats_max(off, REPS));
	printf("  sampling 1 in %-5u %6.2f ns/op (auto for this op)\n", n_auto,
	       stats_median(onauto, REPS));
	printf("  sampling 1 in %-5u %6.2f ns/op\n", SAMP_DEFAULT_N, stats_median(on64, REPS));
	CHECKF(m_off > 0 && m_off < 1e6, "bare loop %g ns/op", m_off);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.02 * check_scale();
	test_batch();
	test_pick_op();
	time_bare(secs > 0 ? secs : 0.02);
	return check_exit("run_loop");
}
