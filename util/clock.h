/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Clocks for timing single operations.
 *
 * Why: an operation on an LPI store takes tens of nanoseconds, so the clock
 * must be cheap to read (a few ns) and its cost known, or the measurement
 * measures the clock. Three sources, chosen at run time (--clock=):
 *
 *   cntvct   aarch64 virtual counter CNTVCT_EL0, frequency from CNTFRQ_EL0
 *            (varies by host: 25 MHz .. 1 GHz), read after an ISB so the
 *            read is not hoisted above earlier instructions.
 *   tsc      x86-64 time-stamp counter, read as LFENCE; RDTSC (LFENCE keeps
 *            the read from starting before earlier instructions complete).
 *            Used by "auto" only when CPUID says the TSC is invariant
 *            (leaf 0x80000007 EDX bit 8: constant rate, runs in all
 *            C-states); ticks->ns is calibrated against CLOCK_MONOTONIC
 *            over ~20 ms at clk_init().
 *   gettime  clock_gettime(CLOCK_MONOTONIC): portable fallback (vDSO, so
 *            ~20 ns where the kernel's clocksource allows it).
 *   auto     the first available of cntvct, tsc, gettime.
 *
 * clk_now() returns raw ticks of the active source; convert differences
 * with clk_ticks_to_ns() (fixed-point, no division). Ticks of different
 * threads are comparable (TSC invariant and synchronised, CNTVCT global).
 *
 * Context: clk_init() once, from the main thread, before any worker
 * starts; it sleeps ~20 ms per calibrated source. After it, clk_now(),
 * clk_ticks_to_ns() and clk_delta_ns() may be called from any thread at
 * any time (they read state that no longer changes); they are
 * async-signal-safe.
 */
#ifndef LB_CLOCK_H
#define LB_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum clk_source {
	CLK_AUTO = 0, /* only as a request: clk_init picks a real one */
	CLK_CNTVCT,
	CLK_TSC,
	CLK_GETTIME,
	CLK_NR
};

/* Facts about one clock source, for the run manifest. */
struct clk_info {
	enum clk_source source;
	const char *name;     /* "cntvct", "tsc", "gettime" */
	bool available;	      /* usable on this machine (and build) */
	const char *why_not;  /* when !available: one short reason */
	bool invariant;	      /* constant rate across P-/C-states */
	bool calibrated;      /* frequency measured against CLOCK_MONOTONIC */
	double freq_hz;	      /* ticks per second */
	double tick_ns;	      /* nominal tick: 1e9 / freq_hz (gettime: clock_getres) */
	double resolution_ns; /* smallest non-zero step seen between two reads */
	/*
	 * Median cost of one clk_now()-style read, back to back. Timing an op
	 * costs more (two reads, the record, and the reads' ordering against
	 * real work): sampling budgets with samp_measure_cost_ns() instead.
	 */
	double read_cost_ns;
};

/* The active source's conversion; written only by clk_init(). */
struct clk_state {
	enum clk_source source;
	uint64_t mult; /* ns = ticks * mult >> CLK_SHIFT */
};
#define CLK_SHIFT 32

extern struct clk_state clk_cur;

static inline uint64_t clk_read_gettime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
static inline uint64_t clk_read_tsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}
#endif

#if defined(__aarch64__)
/*
 * isb: the read is not taken before earlier instructions complete. Then a
 * load whose address depends on the value read (v ^ v is 0, plus sp): the
 * timed op's memory accesses cannot be performed before the counter read
 * has returned, so a start timestamp is not taken late. The kernel orders
 * its counter reads the same way (arch_counter_enforce_ordering).
 */
static inline uint64_t clk_read_cntvct(void)
{
	uint64_t v, dep;
	__asm__ __volatile__("isb\n\t"
			     "mrs %0, cntvct_el0\n\t"
			     "eor %1, %0, %0\n\t"
			     "add %1, sp, %1\n\t"
			     "ldr xzr, [%1]"
			     : "=&r"(v), "=&r"(dep)::"memory");
	return v;
}
#endif

/* Current time in ticks of the active source. Hot path. */
static inline uint64_t clk_now(void)
{
#if defined(__x86_64__)
	if (__builtin_expect(clk_cur.source == CLK_TSC, 1))
		return clk_read_tsc();
#elif defined(__aarch64__)
	if (__builtin_expect(clk_cur.source == CLK_CNTVCT, 1))
		return clk_read_cntvct();
#endif
	return clk_read_gettime();
}

/* Ticks (a difference of clk_now() values) to nanoseconds. */
static inline uint64_t clk_ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * clk_cur.mult) >> CLK_SHIFT);
}

/* Nanoseconds from start to end; 0 if end < start (never negative). */
static inline uint64_t clk_delta_ns(uint64_t start, uint64_t end)
{
	return end > start ? clk_ticks_to_ns(end - start) : 0;
}

/*
 * Probe every source (availability, frequency, resolution, read cost) and
 * make `want` the active one (CLK_AUTO: the best available). Returns 0, or
 * -1 with a message on stderr if the requested source is unavailable (the
 * active source is then gettime). A forced tsc that is not invariant is
 * accepted with a warning.
 */
int clk_init(enum clk_source want);

/* After clk_init(): the facts for one source, and for the active one. */
const struct clk_info *clk_get_info(enum clk_source s);
const struct clk_info *clk_active_info(void);

/* "auto", "cntvct", "tsc", "gettime". */
const char *clk_source_name(enum clk_source s);
/* Parse a --clock= value; returns 0 or -1 (unknown name). */
int clk_parse_source(const char *s, enum clk_source *out);

#endif
