/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The run watchdog (bench/watchdog.h), driven by fake workers instead of
 * the driver:
 *  - "healthy": workers that keep progressing for several periods are
 *    never reported; workers that all finished are never reported;
 *  - "all stuck": every worker blocks on a lock (a deadlock): the stall is
 *    declared within a bounded time, the stop callback runs once, every
 *    worker is reported with its last progress, its published note and a
 *    backtrace on stderr;
 *  - "partial": one worker blocks while the others keep going: nothing is
 *    declared while they progress; once they finish (as at the end of a
 *    run) the stall is declared and only the blocked worker is reported.
 * The JSON object names the stuck workers. Stuck workers are released
 * afterwards and joined.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/json.h"
#include "bench/watchdog.h"
#include "check.h"

#define NR 3

struct fake {
	unsigned id;
	_Atomic uint64_t progress;
	atomic_bool stop;  /* leave the loop */
	atomic_bool block; /* take the shared lock once and stay there */
	pthread_t thread;
};

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop_calls;
static struct fake fakes[NR];

static void on_stop(void *arg)
{
	(void)arg;
	atomic_fetch_add(&stop_calls, 1);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A deliberately named frame for the backtrace (exported: not static). */
void fake_worker_blocked_on_gate(struct fake *f);
void fake_worker_blocked_on_gate(struct fake *f)
{
	watchdog_note("fake_worker_blocked_on_gate: waiting for the gate lock");
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
	atomic_store(&f->block, false);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	watchdog_worker_begin(f->id);
	while (!atomic_load(&f->stop)) {
		if (atomic_load(&f->block))
			fake_worker_blocked_on_gate(f);
		watchdog_note("fake op");
		atomic_fetch_add_explicit(&f->progress, 16, memory_order_relaxed);
		sleep_ms(1);
	}
	watchdog_worker_done(f->id);
	return NULL;
}

static void start_fakes(double seconds, unsigned blocked_mask)
{
	_Atomic uint64_t *prog[NR];
	atomic_store(&stop_calls, 0);
	for (unsigned i = 0; i < NR; i++) {
		memset(&fakes[i], 0, sizeof(fakes[i]));
		fakes[i].id = i;
		atomic_store(&fakes[i].block, (blocked_mask >> i) & 1);
		prog[i] = &fakes[i].progress;
	}
	CHECK(watchdog_start(NR, prog, on_stop, NULL, seconds) == 0);
	for (unsigned i = 0; i < NR; i++)
		CHECK(pthread_create(&fakes[i].thread, NULL, fake_main, &fakes[i]) == 0);
}

static void stop_fakes(unsigned mask)
{
	for (unsigned i = 0; i < NR; i++)
		if ((mask >> i) & 1)
			atomic_store(&fakes[i].stop, true);
}

static void join_fakes(void)
{
	for (unsigned i = 0; i < NR; i++)
		pthread_join(fakes[i].thread, NULL);
}

/* Waits up to ms for the stop callback; returns the time it took. */
static uint64_t wait_for_stop(unsigned ms)
{
	uint64_t t0 = now_ms();
	while (!atomic_load(&stop_calls) && now_ms() - t0 < ms)
		sleep_ms(5);
	return now_ms() - t0;
}

/* stderr into a file for the duration of a test; returns the saved fd. */
static int capture_stderr(const char *path)
{
	fflush(stderr);
	int saved = dup(2);
	FILE *f = fopen(path, "w");
	if (f) {
		dup2(fileno(f), 2);
		fclose(f);
	}
	return saved;
}

static char *restore_stderr(int saved, const char *path)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strdup(buf);
}

static void test_healthy(void)
{
	start_fakes(0.15, 0);
	sleep_ms(600); /* four periods of the limit with progress all along */
	CHECKF(atomic_load(&stop_calls) == 0, "healthy workers declared stuck");
	stop_fakes(7);
	join_fakes();
	sleep_ms(400); /* all done: never a stall */
	CHECK(!watchdog_stop());
	CHECK(atomic_load(&stop_calls) == 0);
	for (unsigned i = 0; i < NR; i++)
		CHECK(!watchdog_worker_stuck(i));
}

static void check_json(unsigned stuck_mask)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct json js;
	json_init(&js, mem);
	json_obj_begin(&js, NULL);
	watchdog_write_json(&js);
	json_obj_end(&js);
	fclose(mem);
	CHECKF(strstr(buf, "\"stalled\": true"), "JSON: %s", buf);
	for (unsigned i = 0; i < NR; i++) {
		char want[32];
		snprintf(want, sizeof(want), "\"worker\": %u", i);
		CHECKF(!strstr(buf, want) == !((stuck_mask >> i) & 1), "JSON worker %u: %s", i,
		       buf);
	}
	free(buf);
}

static void test_all_stuck(void)
{
	const char *path = "test_watchdog.stderr";
	pthread_mutex_lock(&gate);
	int saved = capture_stderr(path);
	start_fakes(0.3, 7);
	uint64_t took = wait_for_stop(10000);
	CHECK(watchdog_stop());
	char *err = restore_stderr(saved, path);
	if (getenv("LB_TEST_VERBOSE"))
		fputs(err, stderr);
	CHECKF(atomic_load(&stop_calls) == 1, "stop callback ran %d times",
	       atomic_load(&stop_calls));
	CHECKF(took < 5000, "stall declared after %llu ms (limit 300 ms)",
	       (unsigned long long)took);
	for (unsigned i = 0; i < NR; i++)
		CHECKF(watchdog_worker_stuck(i), "worker %u not reported", i);
	CHECKF(strstr(err, "no progress for"), "stderr: %s", err);
	CHECKF(strstr(err, "worker 1 stuck"), "stderr: %s", err);
	CHECKF(strstr(err, "fake_worker_blocked_on_gate: waiting"), "note not reported: %s", err);
	/* A backtrace, or (sanitizer runtimes may hold the signal while the
	 * thread sleeps in the lock) the statement that none came. */
	CHECKF(strstr(err, "backtrace:") || strstr(err, "did not answer"), "stderr: %s", err);
	check_json(7);
	free(err);
	stop_fakes(7);
	pthread_mutex_unlock(&gate);
	join_fakes();
	unlink(path);
}

static void test_partial(void)
{
	const char *path = "test_watchdog.stderr";
	pthread_mutex_lock(&gate);
	int saved = capture_stderr(path);
	start_fakes(0.2, 1u << 1); /* worker 1 blocks, 0 and 2 go on */
	sleep_ms(700);
	int early = atomic_load(&stop_calls);
	stop_fakes(1u << 0 | 1u << 2); /* the run ends: the healthy ones leave */
	uint64_t took = wait_for_stop(10000);
	CHECK(watchdog_stop());
	char *err = restore_stderr(saved, path);
	CHECKF(early == 0, "stall declared while workers 0 and 2 progressed");
	CHECKF(atomic_load(&stop_calls) == 1, "stop callback ran %d times",
	       atomic_load(&stop_calls));
	CHECKF(took < 5000, "partial stall declared after %llu ms", (unsigned long long)took);
	CHECK(!watchdog_worker_stuck(0));
	CHECK(watchdog_worker_stuck(1));
	CHECK(!watchdog_worker_stuck(2));
	CHECKF(strstr(err, "worker 1 stuck") && !strstr(err, "worker 0 stuck") &&
		   !strstr(err, "worker 2 stuck"),
	       "stderr: %s", err);
	check_json(1u << 1);
	free(err);
	stop_fakes(1u << 1);
	pthread_mutex_unlock(&gate);
	join_fakes();
	unlink(path);
}

int main(void)
{
	test_healthy();
	test_all_stuck();
	test_partial();
	/* Off: no thread, nothing reported. */
	CHECK(watchdog_seconds() == 0);
	CHECK(watchdog_start(NR, (_Atomic uint64_t *const[]){NULL, NULL, NULL}, on_stop, NULL, 0) ==
	      0);
	CHECK(!watchdog_stop());
	return check_exit("watchdog");
}
