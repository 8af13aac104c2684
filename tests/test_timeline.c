/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Timeline sampler: rows at start, every interval and at stop; times
 * increase, per-thread progress never goes back, the last row is the
 * final count, gauges are recorded; bad configurations are refused.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "bench/timeline.h"
#include "check.h"

#define NT 2

static _Atomic uint64_t progress[NT];
static atomic_bool stop;
static _Atomic uint64_t gauge_calls;

static void *worker(void *arg)
{
	_Atomic uint64_t *p = arg;
	uint64_t n = 0;
	struct timespec t = {.tv_sec = 0, .tv_nsec = 100000};

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 1000; i++)
			atomic_store_explicit(p, ++n, memory_order_relaxed);
		nanosleep(&t, NULL); /* 2 shared cores: leave room for the sampler */
	}
	return NULL;
}

static void gauges(void *arg, uint64_t *vals)
{
	(void)arg;
	vals[0] = atomic_fetch_add(&gauge_calls, 1) + 1;
	vals[1] = 77;
}

int main(void)
{
	_Atomic uint64_t *ptrs[NT] = {&progress[0], &progress[1]};
	struct timeline tl, bad;
	struct timeline_cfg cfg = {
	    .interval_ms = 10,
	    .nthreads = NT,
	    .progress = ptrs,
	    .nextra = 2,
	    .extra_name = {"calls", "constant"},
	    .extra = gauges,
	};
	pthread_t t[NT];
	struct timespec run = {.tv_sec = 0, .tv_nsec = 150 * 1000000};
	size_t rows;

	for (int i = 0; i < NT; i++)
		pthread_create(&t[i], NULL, worker, ptrs[i]);
	CHECK(timeline_start(&tl, &cfg) == 0);
	nanosleep(&run, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	timeline_stop(&tl);

	rows = timeline_nrows(&tl);
	printf("%zu rows in ~150 ms at 10 ms\n", rows);
	CHECK(rows >= 4 && rows <= 40); /* loose: shared, noisy VMs */
	CHECK(timeline_width(&tl) == 1 + NT + 2);
	CHECK(!tl.truncated);
	/* Timestamps are relative to the start (no timing target: noisy VMs
	 * and qemu translate code on first use). */
	CHECK(timeline_row(&tl, 0)[0] < 1000000000ull);
	for (size_t i = 1; i < rows; i++) {
		const uint64_t *a = timeline_row(&tl, i - 1), *b = timeline_row(&tl, i);
		CHECK(b[0] >= a[0]);
		for (int k = 0; k < NT; k++)
			CHECK(b[1 + k] >= a[1 + k]);
		CHECK(b[1 + NT] == a[1 + NT] + 1 && b[2 + NT] == 77);
		CHECK(timeline_rate(&tl, i, -1) >= 0);
	}
	for (int k = 0; k < NT; k++)
		CHECK(timeline_row(&tl, rows - 1)[1 + k] == atomic_load(&progress[k]));
	CHECK(atomic_load(&gauge_calls) == rows);
	CHECK(timeline_rate(&tl, 0, -1) == 0 && timeline_rate(&tl, rows, -1) == 0);
	CHECK(timeline_rate(&tl, rows - 1, 5) == 0);
	{
		/* The total rate over the run is the sum of the threads'. */
		double sum = 0, tot = 0;
		for (size_t i = 1; i < rows; i++) {
			tot += timeline_rate(&tl, i, -1);
			for (int k = 0; k < NT; k++)
				sum += timeline_rate(&tl, i, k);
		}
		CHECK(tot > 0 && fabs(tot - sum) <= 1e-6 * tot);
	}
	timeline_stop(&tl); /* twice is harmless */
	timeline_free(&tl);

	cfg.interval_ms = 0;
	errno = 0;
	CHECK(timeline_start(&bad, &cfg) == -1 && errno == EINVAL);
	timeline_free(&bad);
	cfg.interval_ms = 10;
	cfg.extra = NULL;
	CHECK(timeline_start(&bad, &cfg) == -1);
	timeline_free(&bad);
	return check_exit("test_timeline");
}
