/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Clocks: every available source is monotonic and its ns conversion agrees
 * with CLOCK_MONOTONIC. Bounds are loose on purpose (noisy shared VMs):
 * sanity, not timing targets.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "check.h"

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(long ms)
{
	struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

static void check_active(void)
{
	const struct clk_info *ci = clk_active_info();
	uint64_t prev = clk_now(), m0, m1, t0, t1, ns;
	int backwards = 0;

	printf("  %-8s freq %.6g Hz  tick %.3g ns  resolution %.3g ns  read %.1f ns%s\n", ci->name,
	       ci->freq_hz, ci->tick_ns, ci->resolution_ns, ci->read_cost_ns,
	       ci->invariant ? "" : "  (not invariant)");
	CHECK(ci->available);
	CHECK(ci->freq_hz > 0);
	CHECKF(ci->read_cost_ns > 0 && ci->read_cost_ns < 100000, "read cost %g ns",
	       ci->read_cost_ns);
	CHECKF(ci->resolution_ns > 0 && ci->resolution_ns < 1e7, "resolution %g ns",
	       ci->resolution_ns);

	/* Monotonic. */
	for (int i = 0; i < 200000; i++) {
		uint64_t t = clk_now();
		backwards += t < prev;
		prev = t;
	}
	CHECKF(backwards == 0, "%s went backwards %d times", ci->name, backwards);

	/* A 20 ms sleep measures between 10 and 500 ms, and agrees with
	 * CLOCK_MONOTONIC over the same interval within a factor of 2. */
	m0 = mono();
	t0 = clk_now();
	nap_ms(20);
	t1 = clk_now();
	m1 = mono();
	ns = clk_delta_ns(t0, t1);
	CHECKF(ns >= 10000000 && ns <= 500000000, "%s: 20 ms sleep measured %llu ns", ci->name,
	       (unsigned long long)ns);
	CHECKF((double)ns > 0.5 * (double)(m1 - m0) && (double)ns < 2.0 * (double)(m1 - m0),
	       "%s: %llu ns vs CLOCK_MONOTONIC %llu ns", ci->name, (unsigned long long)ns,
	       (unsigned long long)(m1 - m0));
}

int main(void)
{
	enum clk_source s;

	/* Before clk_init: gettime, identity conversion. */
	CHECK(clk_ticks_to_ns(12345) == 12345);
	CHECK(clk_delta_ns(10, 5) == 0);

	CHECK(clk_parse_source("tsc", &s) == 0 && s == CLK_TSC);
	CHECK(clk_parse_source("auto", &s) == 0 && s == CLK_AUTO);
	CHECK(clk_parse_source("cntvct", &s) == 0 && s == CLK_CNTVCT);
	CHECK(clk_parse_source("gettime", &s) == 0 && s == CLK_GETTIME);
	CHECK(clk_parse_source("hpet", &s) == -1);
	CHECK(strcmp(clk_source_name(CLK_TSC), "tsc") == 0);

	CHECK(clk_init(CLK_AUTO) == 0);
	printf("auto picked %s\n", clk_active_info()->name);
	CHECK(clk_active_info()->source != CLK_AUTO);
#if defined(__aarch64__)
	CHECK(clk_active_info()->source == CLK_CNTVCT);
#elif defined(__x86_64__)
	if (clk_get_info(CLK_TSC)->invariant)
		CHECK(clk_active_info()->source == CLK_TSC);
#endif
	CHECK(clk_ticks_to_ns(0) == 0);
	check_active();

	/* Each source on its own: available ones work, others are refused
	 * (with gettime left active) and say why. */
	for (int i = CLK_AUTO + 1; i < CLK_NR; i++) {
		enum clk_source src = (enum clk_source)i;
		int rc = clk_init(src);
		const struct clk_info *ci = clk_get_info(src);
		if (ci->available) {
			CHECK(rc == 0 && clk_active_info()->source == src);
			check_active();
		} else {
			printf("  %-8s unavailable: %s\n", ci->name, ci->why_not);
			CHECK(rc == -1 && ci->why_not != NULL);
			CHECK(clk_active_info()->source == CLK_GETTIME);
		}
	}
	CHECK(clk_get_info(CLK_GETTIME)->available);
	return check_exit("test_clock");
}
