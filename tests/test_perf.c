/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * perf counters: the forced-unavailable path reports every counter as
 * unavailable and nothing crashes; unforced, each counter is either ok or
 * unavailable with a reason; context switches are counted when a thread
 * sleeps many times (where the counter exists); per-thread values add up
 * to the totals.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/perf.h"
#include "check.h"

#define SLEEPS 200

static void sleepy(void)
{
	struct timespec t = {.tv_sec = 0, .tv_nsec = 50000};
	for (int i = 0; i < SLEEPS; i++) {
		nanosleep(&t, NULL);
		sched_yield();
	}
}

static void print_result(const char *title, const struct perf_result *r)
{
	char buf[200];

	printf("%s\n", title);
	for (int c = 0; c < PERF_CTR_NR; c++)
		printf("  %-30s %-9s %12llu  %s\n", perf_ctr_name((enum perf_ctr)c),
		       perf_kind_name(perf_ctr_kind((enum perf_ctr)c)),
		       (unsigned long long)r->v[c].value, perf_state(&r->v[c], buf, sizeof(buf)));
}

static void test_forced(void)
{
	struct perf_result r, sum, two[2];
	char buf[200];

	perf_init(PERF_MODE_AUTO);
	perf_force_unavailable(true);
	CHECK(perf_thread_start() == 0);
	sleepy();
	perf_thread_stop(&r);
	for (int c = 0; c < PERF_CTR_NR; c++) {
		CHECK(!r.v[c].ok && r.v[c].why != NULL);
		CHECK(strncmp(perf_state(&r.v[c], buf, sizeof(buf)), "unavailable: ", 13) == 0);
		CHECK(perf_per_op(&r.v[c], 100) != perf_per_op(&r.v[c], 100)); /* NaN */
	}
	two[0] = two[1] = r;
	perf_result_sum(&sum, two, 2);
	for (int c = 0; c < PERF_CTR_NR; c++)
		CHECK(!sum.v[c].ok && sum.v[c].why == r.v[c].why);
	perf_force_unavailable(false);

	/* The environment variable forces it too. */
	setenv("LB_PERF_FORCE_FAIL", "1", 1);
	perf_init(PERF_MODE_AUTO);
	CHECK(perf_thread_start() == 0);
	perf_thread_stop(&r);
	for (int c = 0; c < PERF_CTR_NR; c++)
		CHECK(!r.v[c].ok);
	unsetenv("LB_PERF_FORCE_FAIL");
	perf_force_unavailable(false);
}

static void test_unforced(void)
{
	struct perf_result r;
	int n;

	perf_init(PERF_MODE_AUTO);
	n = perf_thread_start();
	sleepy();
	perf_thread_stop(&r);
	print_result("unforced:", &r);
	CHECK(n >= 2); /* rusage at least */
	for (int c = 0; c < PERF_CTR_NR; c++)
		CHECK(r.v[c].ok || r.v[c].why != NULL);
	/* getrusage(RUSAGE_THREAD) exists on every Linux. */
	CHECK(r.v[PERF_CTR_VOL_CSW].ok && r.v[PERF_CTR_INVOL_CSW].ok);
	CHECKF(r.v[PERF_CTR_VOL_CSW].value >= SLEEPS / 2, "voluntary switches %llu",
	       (unsigned long long)r.v[PERF_CTR_VOL_CSW].value);
	if (r.v[PERF_CTR_CTX_SWITCHES].ok)
		CHECKF(r.v[PERF_CTR_CTX_SWITCHES].value >= SLEEPS / 2, "context switches %llu",
		       (unsigned long long)r.v[PERF_CTR_CTX_SWITCHES].value);
	if (r.v[PERF_CTR_TASK_CLOCK].ok)
		CHECK(r.v[PERF_CTR_TASK_CLOCK].value > 0);
	if (r.v[PERF_CTR_CTX_SWITCHES].ok)
		CHECK(perf_per_op(&r.v[PERF_CTR_CTX_SWITCHES], SLEEPS) >= 0.5);
#if !defined(__aarch64__)
	CHECK(!r.v[PERF_CTR_STREX_FAIL].ok);
#endif

	/* --perf=off: no perf_event_open, rusage still read. */
	perf_init(PERF_MODE_OFF);
	perf_thread_start();
	sleepy();
	perf_thread_stop(&r);
	for (int c = 0; c < PERF_CTR_NR; c++) {
		if (perf_ctr_kind((enum perf_ctr)c) == PERF_KIND_RUSAGE)
			CHECK(r.v[c].ok);
		else
			CHECK(!r.v[c].ok && strstr(r.v[c].why, "off") != NULL);
	}
	perf_init(PERF_MODE_AUTO);
}

static struct perf_result thread_res[3];

static void *worker(void *arg)
{
	struct perf_result *out = arg;
	perf_thread_start();
	sleepy();
	perf_thread_stop(out);
	return NULL;
}

/* Per-thread values sum to the total; a counter missing in one thread is
 * missing in the total. */
static void test_threads(void)
{
	pthread_t t[3];
	struct perf_result sum;

	perf_init(PERF_MODE_AUTO);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, &thread_res[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	perf_result_sum(&sum, thread_res, 3);
	for (int c = 0; c < PERF_CTR_NR; c++) {
		uint64_t s = 0;
		int all_ok = 1;
		for (int i = 0; i < 3; i++) {
			s += thread_res[i].v[c].value;
			all_ok &= thread_res[i].v[c].ok;
		}
		CHECK(sum.v[c].ok == all_ok);
		if (all_ok)
			CHECK(sum.v[c].value == s);
	}
	CHECK(sum.v[PERF_CTR_VOL_CSW].ok && sum.v[PERF_CTR_VOL_CSW].value >= 3 * SLEEPS / 2);

	thread_res[1].v[PERF_CTR_VOL_CSW].ok = false;
	thread_res[1].v[PERF_CTR_VOL_CSW].why = "test";
	perf_result_sum(&sum, thread_res, 3);
	CHECK(!sum.v[PERF_CTR_VOL_CSW].ok && strcmp(sum.v[PERF_CTR_VOL_CSW].why, "test") == 0);
	perf_result_sum(&sum, thread_res, 0);
	CHECK(!sum.v[PERF_CTR_CYCLES].ok);
}

static void test_misc(void)
{
	struct perf_result r;
	struct perf_value v = {.ok = false, .why = "perf_event_open failed", .err = 2};
	char buf[200];

	/* Stop without start: all unavailable, no crash. */
	perf_thread_stop(&r);
	for (int c = 0; c < PERF_CTR_NR; c++)
		CHECK(!r.v[c].ok);
	CHECK(strcmp(perf_state(&v, buf, sizeof(buf)),
		     "unavailable: perf_event_open failed: ENOENT (No such file or directory)") ==
	      0);
	v = (struct perf_value){.ok = true, .scaled = true, .value = 5};
	CHECK(strcmp(perf_state(&v, buf, sizeof(buf)), "ok (scaled)") == 0);
	CHECK(perf_per_op(&v, 10) == 0.5);

	CHECK(perf_strex_known(0x41, 0xd0c));  /* Neoverse N1 */
	CHECK(perf_strex_known(0x41, 0xd4f));  /* Neoverse V2 */
	CHECK(perf_strex_known(0xc0, 0xac3));  /* AmpereOne */
	CHECK(!perf_strex_known(0x41, 0xd03)); /* Cortex-A53: not known */
	CHECK(strcmp(perf_ctr_name(PERF_CTR_STREX_FAIL), "strex_fail") == 0);
}

int main(void)
{
	test_forced();
	test_unforced();
	test_threads();
	test_misc();
	return check_exit("test_perf");
}
