/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Facts about the CPU a run happens on and the atomics this build uses,
 * for the manifest and `bench --version`.
 *
 * aarch64: the atomics choice of the build (LB_ATOMICS: lse, llsc or
 * outline), whether the CPU has LSE (HWCAP_ATOMICS), the CPU's MIDR
 * (implementer, part, variant, revision; named where known: Neoverse N1 for
 * Graviton2 and Ampere Altra, V1 for Graviton3, V2 for Graviton4,
 * AmpereOne...) and the generic timer's frequency (cntfrq_el0).
 * x86-64: the CPU's vendor and model name; the arm fields read "n/a".
 *
 * Context: arch_get() may be called from any thread at any time; the first
 * call reads /sys and /proc (it may allocate and does I/O), later calls
 * return the same filled struct. Nothing here is on a measured path.
 */
#ifndef LB_BENCH_ARCH_H
#define LB_BENCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct arch_info {
	const char *machine;	  /* "aarch64", "x86_64", ... (build target) */
	const char *atomics;	  /* build choice: "lse", "llsc", "outline", "n/a (x86-64)" */
	const char *atomics_path; /* what the hot atomics execute on this CPU:
				   * "LSE inline", "LL/SC inline", "LSE via libgcc
				   * helpers, chosen at run time"... */
	const char *lock_atomics; /* what the ck locks (spin, ticket, rwlock "ck") use */
	int lse;		  /* CPU has LSE atomics: 1, 0, or -1 for n/a */
	bool lse_missing;	  /* an lse build on a CPU without LSE: it will SIGILL */

	/* aarch64 MIDR_EL1; midr_source is "n/a" when it could not be read. */
	bool midr_valid;
	uint32_t midr;
	unsigned implementer, part, variant, revision;
	const char *midr_source; /* "sysfs", "/proc/cpuinfo", "mrs" or "n/a" */

	char vendor[64]; /* "Arm", "Ampere", "GenuineIntel"... or "unknown" */
	char cpu[128];	 /* "Neoverse N1", "AmpereOne", x86 model name... */

	uint64_t timer_hz; /* cntfrq_el0; 0 when n/a (x86-64) */
};

/* The run's facts, read on the first call. Never NULL. */
const struct arch_info *arch_get(void);

/* Fills *info from scratch (what arch_get() does once). */
void arch_info_fill(struct arch_info *info);

/* Name of an aarch64 implementer / (implementer, part); NULL if unknown. */
const char *arch_implementer_name(unsigned implementer);
const char *arch_part_name(unsigned implementer, unsigned part);

/* The lines `bench --version` prints after the build facts: atomics build
 * and path, LSE, CPU (with MIDR), timer frequency. */
void arch_print_version(FILE *out);

#endif
