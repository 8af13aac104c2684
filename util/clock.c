/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Clock probing, calibration and selection (see clock.h).
 *
 * Each source is measured the same way, by reading it back to back:
 *  - read cost: 1000 back-to-back reads timed by the source itself, 7
 *    batches, median (not the minimum: a loaded VM's cost is what counts);
 *  - resolution: the smallest non-zero difference between two consecutive
 *    reads (for a fast counter this is about the read cost; for a slow
 *    one, such as a 25 MHz CNTVCT, it is the tick).
 */
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

struct clk_state clk_cur = {.source = CLK_GETTIME, .mult = 1ull << CLK_SHIFT};

static struct clk_info infos[CLK_NR];

static const char *const names[CLK_NR] = {
    [CLK_AUTO] = "auto",
    [CLK_CNTVCT] = "cntvct",
    [CLK_TSC] = "tsc",
    [CLK_GETTIME] = "gettime",
};

const char *clk_source_name(enum clk_source s)
{
	return (unsigned)s < CLK_NR ? names[s] : "?";
}

int clk_parse_source(const char *s, enum clk_source *out)
{
	for (int i = 0; i < CLK_NR; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum clk_source)i;
			return 0;
		}
	}
	return -1;
}

static uint64_t mult_for_freq(double freq_hz)
{
	return (uint64_t)llround(1e9 / freq_hz * (double)(1ull << CLK_SHIFT));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define CLK_BATCHES 7
#define CLK_BATCH   1000
#define CLK_RES_N   10000

struct measured {
	double read_ns; /* one read, back to back with the next */
	double res_ns;
};

/* One measuring function per source, so each loop inlines its own reader;
 * ns_per_tick converts the source's ticks. */
#define DEFINE_MEASURE(fn, reader)                                                                 \
	static void fn(double ns_per_tick, struct measured *m)                                     \
	{                                                                                          \
		double batch[CLK_BATCHES];                                                         \
		uint64_t min_step = UINT64_MAX;                                                    \
		uint64_t prev = reader();                                                          \
		for (int i = 0; i < CLK_RES_N; i++) {                                              \
			uint64_t t = reader();                                                     \
			if (t > prev && t - prev < min_step)                                       \
				min_step = t - prev;                                               \
			prev = t;                                                                  \
		}                                                                                  \
		for (int b = 0; b < CLK_BATCHES; b++) {                                            \
			uint64_t t0 = reader();                                                    \
			for (int i = 0; i < CLK_BATCH - 1; i++)                                    \
				(void)reader();                                                    \
			uint64_t t1 = reader();                                                    \
			batch[b] = (double)(t1 - t0) * ns_per_tick / CLK_BATCH;                    \
		}                                                                                  \
		qsort(batch, CLK_BATCHES, sizeof(batch[0]), cmp_double);                           \
		m->read_ns = batch[CLK_BATCHES / 2];                                               \
		m->res_ns = min_step == UINT64_MAX ? 0 : (double)min_step * ns_per_tick;           \
	}

DEFINE_MEASURE(measure_gettime, clk_read_gettime)
#if defined(__x86_64__)
DEFINE_MEASURE(measure_tsc, clk_read_tsc)
#endif
#if defined(__aarch64__)
DEFINE_MEASURE(measure_cntvct, clk_read_cntvct)
#endif
DEFINE_MEASURE(measure_active, clk_now)

/*
 * Frequency of a counter against CLOCK_MONOTONIC over ~20 ms. Each end is
 * a counter read bracketed by two clock_gettime reads; of 5 tries the
 * tightest bracket wins, so the error is a few tens of ns in 20 ms.
 */
static void bracket(uint64_t (*reader)(void), uint64_t *ns, uint64_t *ticks)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t g0 = clk_read_gettime();
		uint64_t c = reader();
		uint64_t g1 = clk_read_gettime();
		if (g1 - g0 < best) {
			best = g1 - g0;
			*ns = g0 + (g1 - g0) / 2;
			*ticks = c;
		}
	}
}

static __attribute__((unused)) double calibrate(uint64_t (*reader)(void))
{
	uint64_t n0 = 0, c0 = 0, n1 = 0, c1 = 0; /* set by bracket; -O3 cannot see it */
	struct timespec nap = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};

	bracket(reader, &n0, &c0);
	while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
		;
	bracket(reader, &n1, &c1);
	if (n1 <= n0 || c1 <= c0)
		return 0;
	return (double)(c1 - c0) * 1e9 / (double)(n1 - n0);
}

static void set_measured(struct clk_info *ci, const struct measured *m)
{
	ci->read_cost_ns = m->read_ns;
	ci->resolution_ns = m->res_ns;
}

static void probe_gettime(struct clk_info *ci)
{
	struct timespec res;
	struct measured m;

	ci->available = true;
	ci->invariant = true;
	ci->freq_hz = 1e9;
	ci->tick_ns = clock_getres(CLOCK_MONOTONIC, &res) == 0
			  ? (double)res.tv_sec * 1e9 + (double)res.tv_nsec
			  : 1;
	measure_gettime(1.0, &m);
	set_measured(ci, &m);
}

#if defined(__x86_64__)
static uint64_t read_tsc_fn(void)
{
	return clk_read_tsc();
}
#endif

static void probe_tsc(struct clk_info *ci)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;
	struct measured m;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(d & (1u << 4))) {
		ci->why_not = "CPUID reports no TSC";
		return;
	}
	ci->invariant = __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
	ci->freq_hz = calibrate(read_tsc_fn);
	if (!(ci->freq_hz > 1e6)) {
		ci->why_not = "calibration against CLOCK_MONOTONIC failed";
		return;
	}
	ci->available = true;
	ci->calibrated = true;
	ci->tick_ns = 1e9 / ci->freq_hz;
	measure_tsc(ci->tick_ns, &m);
	set_measured(ci, &m);
#else
	ci->why_not = "not an x86-64 build";
#endif
}

#if defined(__aarch64__)
static uint64_t read_cntvct_fn(void)
{
	return clk_read_cntvct();
}
#endif

static void probe_cntvct(struct clk_info *ci)
{
#if defined(__aarch64__)
	uint64_t frq;
	struct measured m;

	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(frq));
	frq &= 0xffffffffu; /* upper half is RES0 */
	ci->invariant = true;
	if (frq) {
		ci->freq_hz = (double)frq;
	} else {
		/* Firmware left CNTFRQ_EL0 unset: measure it instead. */
		ci->freq_hz = calibrate(read_cntvct_fn);
		ci->calibrated = true;
	}
	if (!(ci->freq_hz > 1e3)) {
		ci->why_not = "CNTFRQ_EL0 is 0 and calibration failed";
		return;
	}
	ci->available = true;
	ci->tick_ns = 1e9 / ci->freq_hz;
	measure_cntvct(ci->tick_ns, &m);
	set_measured(ci, &m);
#else
	ci->why_not = "not an aarch64 build";
#endif
}

int clk_init(enum clk_source want)
{
	static const enum clk_source order[] = {CLK_CNTVCT, CLK_TSC, CLK_GETTIME};
	enum clk_source pick = CLK_GETTIME;
	int ret = 0;

	memset(infos, 0, sizeof(infos));
	for (int i = 0; i < CLK_NR; i++) {
		infos[i].source = (enum clk_source)i;
		infos[i].name = names[i];
	}
	infos[CLK_AUTO].why_not = "not a clock";
	probe_gettime(&infos[CLK_GETTIME]);
	probe_tsc(&infos[CLK_TSC]);
	probe_cntvct(&infos[CLK_CNTVCT]);

	if (want == CLK_AUTO) {
		for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			const struct clk_info *ci = &infos[order[i]];
			if (ci->available && ci->invariant) {
				pick = order[i];
				break;
			}
		}
	} else if ((unsigned)want < CLK_NR && infos[want].available) {
		pick = want;
		if (!infos[want].invariant)
			fprintf(stderr,
				"lpibench: warning: --clock=%s: the counter is not invariant; "
				"frequency changes will distort timings\n",
				names[want]);
	} else {
		fprintf(stderr, "lpibench: --clock=%s: unavailable here (%s)\n",
			clk_source_name(want),
			(unsigned)want < CLK_NR && infos[want].why_not ? infos[want].why_not
								       : "unknown source");
		ret = -1;
	}

	clk_cur.source = pick;
	clk_cur.mult = mult_for_freq(infos[pick].freq_hz);
	/* The cost that matters is clk_now()'s, dispatch included. */
	{
		struct measured m;
		measure_active(1e9 / infos[pick].freq_hz, &m);
		infos[pick].read_cost_ns = m.read_ns;
	}
	return ret;
}

const struct clk_info *clk_get_info(enum clk_source s)
{
	return (unsigned)s < CLK_NR ? &infos[s] : NULL;
}

const struct clk_info *clk_active_info(void)
{
	return &infos[clk_cur.source];
}
