/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Op sampler: samp_choose_n keeps timing within its budget; every Nth op
 * of each type is timed on average, alternating types do not alias, the
 * jitter is reproducible for a seed, and off means off.
 */
#include <stdlib.h>
#include <string.h>

#include "util/sampling.h"
#include "check.h"

static struct samp_thread a, b;

static void test_choose(void)
{
	double cost;

	CHECK(samp_choose_n(50, 100) == 25); /* 50 / (0.02*100) */
	CHECK(samp_choose_n(50, 1e6) == 1);  /* slow ops: time them all */
	CHECK(samp_choose_n(50, 1) == 2500);
	CHECK(samp_choose_n(0, 50) == 1);
	CHECK(samp_choose_n(50, 0) == SAMP_DEFAULT_N);
	CHECK(samp_choose_n(50, -1) == SAMP_DEFAULT_N);
	CHECK(samp_choose_n(50, 0.0 / 0.0) == SAMP_DEFAULT_N);
	CHECK(samp_choose_n(1e6, 1e-3) == SAMP_MAX_N);
	/* The chosen N meets the budget: the timing cost spread over N ops. */
	for (double tc = 5; tc <= 400; tc *= 2)
		for (double op = 10; op <= 10000; op *= 3) {
			unsigned n = samp_choose_n(tc, op);
			CHECK(tc / n <= SAMP_BUDGET * op * 1.0000001 || n == SAMP_MAX_N);
			CHECK(n == 1 || tc / (n - 1) > SAMP_BUDGET * op); /* and no larger */
		}

	/* The measured cost: positive and sane (no timing target). */
	clk_init(CLK_AUTO);
	cost = samp_measure_cost_ns();
	printf("timing one op costs %.1f ns (clock %s, read %.1f ns)\n", cost,
	       clk_active_info()->name, clk_active_info()->read_cost_ns);
	CHECKF(cost > 0 && cost < 100000, "timing cost %g ns", cost);
}

static unsigned count_due(struct samp_thread *s, enum samp_op op, unsigned ops)
{
	unsigned due = 0;
	for (unsigned i = 0; i < ops; i++)
		due += samp_due(s, op);
	return due;
}

static void test_due(void)
{
	unsigned due, g = 0, p = 0;
	static const unsigned ns[] = {1, 2, 3, 7, 64, 1000};

	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		unsigned n = ns[k], ops = 200000;
		samp_thread_init(&a, n, 42);
		due = count_due(&a, SAMP_OP_GET, ops);
		CHECKF(due >= ops / n * 95 / 100 && due <= ops / n * 105 / 100 + 1,
		       "N=%u: %u of %u ops due", n, due, ops);
	}
	samp_thread_init(&a, 1, 1);
	CHECK(count_due(&a, SAMP_OP_PUT, 1000) == 1000);

	samp_thread_init(&a, 0, 1);
	CHECK(count_due(&a, SAMP_OP_GET, 1000000) == 0);

	/* get, put, get, put... with N = 2: both types sampled about half. */
	samp_thread_init(&a, 2, 9);
	for (int i = 0; i < 100000; i++) {
		g += samp_due(&a, SAMP_OP_GET);
		p += samp_due(&a, SAMP_OP_PUT);
	}
	CHECKF(g > 45000 && g < 55000 && p > 45000 && p < 55000, "get %u put %u", g, p);

	/* Same seed, same decisions; another seed, other decisions. */
	{
		int same = 1, differ = 0;
		samp_thread_init(&a, 10, 5);
		samp_thread_init(&b, 10, 5);
		for (int i = 0; i < 10000; i++)
			same &= samp_due(&a, SAMP_OP_GET) == samp_due(&b, SAMP_OP_GET);
		CHECK(same);
		samp_thread_init(&b, 10, 6);
		samp_thread_init(&a, 10, 5);
		for (int i = 0; i < 10000; i++)
			differ |= samp_due(&a, SAMP_OP_GET) != samp_due(&b, SAMP_OP_GET);
		CHECK(differ);
	}
}

static void test_record(void)
{
	int x = 0;
	uint64_t t0;

	clk_init(CLK_GETTIME); /* identity ticks: exact values */
	samp_thread_init(&a, 1, 3);
	samp_record(&a, SAMP_OP_TRANSLATE, 1000, 1250);
	CHECK(a.h[SAMP_OP_TRANSLATE].count == 1 && a.h[SAMP_OP_TRANSLATE].max == 250);
	samp_record(&a, SAMP_OP_TRANSLATE, 1000, 900); /* backwards: 0 */
	CHECK(a.h[SAMP_OP_TRANSLATE].min == 0);

	/* SAMP_TIMED goes through the thread's sampler; without one it only runs. */
	samp_self = NULL;
	SAMP_TIMED(SAMP_OP_GET, x++);
	CHECK(x == 1 && a.h[SAMP_OP_GET].count == 0);
	samp_self = &a;
	for (int i = 0; i < 10; i++)
		SAMP_TIMED(SAMP_OP_GET, x++);
	CHECK(x == 11 && a.h[SAMP_OP_GET].count == 10);
	samp_self = NULL;

	t0 = clk_now();
	samp_record(&a, SAMP_OP_OP, t0, clk_now());
	CHECK(a.h[SAMP_OP_OP].count == 1 && a.h[SAMP_OP_OP].max < 1000000000);

	samp_thread_init(&b, 1, 4);
	samp_record(&b, SAMP_OP_TRANSLATE, 0, 7);
	samp_merge(&b, &a);
	CHECK(b.h[SAMP_OP_TRANSLATE].count == 3 && b.h[SAMP_OP_GET].count == 10);
	CHECK(strcmp(samp_op_name(SAMP_OP_INVALIDATE), "invalidate") == 0);
}

int main(void)
{
	test_choose();
	test_due();
	test_record();
	return check_exit("test_sampling");
}
