/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread event counters: perf_event_open software and hardware
 * events, and the context-switch split from getrusage(RUSAGE_THREAD).
 *
 * Why: throughput says how fast, counters say where the time went.
 * Context switches and migrations show what oversubscription does to a
 * spinning lock; voluntary vs involuntary switches (rusage) separate
 * "slept in a futex or synchronize" from "was preempted while holding
 * the lock". Cycles, instructions and cache misses normalised per op show
 * line bouncing; on arm64 STREX_FAIL_SPEC counts failed store-exclusives,
 * i.e. LL/SC retries under contention (zero on an LSE path, which has no
 * exclusives).
 *
 * Counters (enum perf_ctr):
 *   software  task-clock, context-switches, cpu-migrations, page-faults
 *   rusage    voluntary / involuntary context switches (ru_nvcsw, ru_nivcsw)
 *   hardware  cycles, instructions, L1D read misses (HW_CACHE L1D/READ/MISS),
 *             LLC read misses (HW_CACHE LL/READ/MISS), and on arm64 the raw
 *             event 0x6E STREX_FAIL_SPEC ("store-exclusive speculatively
 *             executed, failed"). 0x6E is in Armv8's recommended
 *             IMPLEMENTATION DEFINED range: the PMU's PMCEID registers
 *             cannot advertise it and the kernel accepts any raw number, so
 *             a core without it would silently count 0. It is therefore
 *             opened only on cores known to implement it (by MIDR: Neoverse
 *             N1 (Graviton2, Altra), V1 (Graviton3), N2, V2 (Graviton4),
 *             AmpereOne), or on any core with LB_PERF_STREX=1.
 *
 * Every counter ends in one state: ok (perhaps scaled, when the PMU
 * multiplexed it, or user space only, when the kernel refused kernel-mode
 * counting of a hardware event), or unavailable with a reason and errno.
 * The run always goes on. In these VMs hardware events fail with ENOENT.
 *
 * --perf=off leaves perf_event_open alone (state "unavailable: off");
 * rusage, which costs nothing, is still read. Forcing the failure path
 * (environment LB_PERF_FORCE_FAIL=1 at perf_init, or
 * perf_force_unavailable(true)) makes every counter, rusage included,
 * report unavailable: that is how the degraded path is tested.
 *
 * Context: perf_init() and perf_force_unavailable() from the main thread
 * before workers start. perf_thread_start()/perf_thread_stop() on each
 * worker, around its measured loop; the state between them is the
 * thread's own (thread-local). Everything else: any thread.
 */
#ifndef LB_PERF_H
#define LB_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum perf_mode { PERF_MODE_AUTO, PERF_MODE_OFF };

enum perf_ctr {
	PERF_CTR_TASK_CLOCK,   /* ns on a CPU */
	PERF_CTR_CTX_SWITCHES, /* all context switches */
	PERF_CTR_CPU_MIGRATIONS,
	PERF_CTR_PAGE_FAULTS,
	PERF_CTR_VOL_CSW,   /* rusage: voluntary (blocked, slept, yielded) */
	PERF_CTR_INVOL_CSW, /* rusage: involuntary (preempted) */
	PERF_CTR_CYCLES,
	PERF_CTR_INSTRUCTIONS,
	PERF_CTR_L1D_READ_MISS,
	PERF_CTR_LLC_READ_MISS,
	PERF_CTR_STREX_FAIL, /* arm64 raw 0x6E */
	PERF_CTR_NR
};

enum perf_kind { PERF_KIND_SOFTWARE, PERF_KIND_RUSAGE, PERF_KIND_HARDWARE };

struct perf_value {
	bool ok;
	bool scaled;	 /* multiplexed: value extrapolated by enabled/running time */
	bool user_only;	 /* kernel-mode counting refused: user space only */
	int err;	 /* errno behind an unavailable state, 0 if none */
	const char *why; /* unavailable: short static reason */
	uint64_t value;
};

struct perf_result {
	struct perf_value v[PERF_CTR_NR];
};

/* Set the mode and read LB_PERF_FORCE_FAIL / LB_PERF_STREX. */
void perf_init(enum perf_mode mode);
/* Force (or stop forcing) every counter into the unavailable state. */
void perf_force_unavailable(bool on);

/*
 * Open and start this thread's counters. Returns how many are counting
 * (0 is not an error: the states say why).
 */
int perf_thread_start(void);
/* Every counter of *r unavailable for `why` (static string): a worker
 * whose counters cannot be read (stuck after a stall). */
void perf_result_unavailable(struct perf_result *r, const char *why);
/* Stop, read and close this thread's counters into *out. */
void perf_thread_stop(struct perf_result *out);

/*
 * Total over threads: a counter is ok only if it is ok in every thread
 * (then values add); otherwise it takes the first failing thread's state.
 */
void perf_result_sum(struct perf_result *total, const struct perf_result *per_thread, size_t n);

/* Value per op, NaN when unavailable or ops == 0. */
double perf_per_op(const struct perf_value *v, uint64_t ops);

/* Stable JSON key ("context_switches", "strex_fail", ...). */
const char *perf_ctr_name(enum perf_ctr c);
enum perf_kind perf_ctr_kind(enum perf_ctr c);
const char *perf_kind_name(enum perf_kind k);

/*
 * State as text: "ok", "ok (scaled)", "ok (user space only)" or
 * "unavailable: <why>[: <ERRNO> (<strerror>)]". Returns buf.
 */
const char *perf_state(const struct perf_value *v, char *buf, size_t len);

/* Does this core (MIDR implementer, part number) implement STREX_FAIL_SPEC? */
bool perf_strex_known(unsigned implementer, unsigned part);

#endif
