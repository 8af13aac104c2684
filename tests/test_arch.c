/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/arch.c: the run-time CPU facts the manifest and `bench --version`
 * record. Checks the build choice is reported as built, the MIDR names of
 * the hosts users run on, that aarch64 builds read a timer frequency and
 * a MIDR (under qemu-aarch64 from the emulated CPU), that an lse build only
 * runs where the CPU has LSE, and that arch_get() fills once when many
 * threads ask at the same time. Prints what it found.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bench/arch.h"
#include "buildinfo.h"
#include "check.h"

#define NTHREADS 8

static const struct arch_info *seen[NTHREADS];

static void *ask(void *arg)
{
	seen[(long)arg] = arch_get();
	return NULL;
}

static void check_names(void)
{
	CHECK(strcmp(arch_part_name(0x41, 0xd0c), "Neoverse N1") == 0);
	CHECK(strcmp(arch_part_name(0x41, 0xd40), "Neoverse V1") == 0);
	CHECK(strcmp(arch_part_name(0x41, 0xd4f), "Neoverse V2") == 0);
	CHECK(strcmp(arch_part_name(0x41, 0xd8e), "Neoverse N3") == 0);
	CHECK(strcmp(arch_part_name(0xc0, 0xac3), "AmpereOne") == 0);
	CHECK(strcmp(arch_implementer_name(0xc0), "Ampere") == 0);
	CHECK(strcmp(arch_implementer_name(0x41), "Arm") == 0);
	/* A part number means nothing without its implementer. */
	CHECK(arch_part_name(0xc0, 0xd0c) == NULL);
	CHECK(arch_part_name(0x41, 0xfff) == NULL);
	CHECK(arch_implementer_name(0xee) == NULL);
}

static void check_facts(const struct arch_info *a)
{
	CHECK(a->machine != NULL);
	CHECK(strcmp(a->atomics, LB_ATOMICS) == 0);
	CHECK(a->atomics_path != NULL && a->atomics_path[0]);
	CHECK(a->lock_atomics != NULL && a->lock_atomics[0]);
	CHECK(a->vendor[0] && a->cpu[0]);
#if defined(__aarch64__)
	CHECK(strcmp(a->machine, "aarch64") == 0);
	CHECKF(strcmp(a->atomics, "lse") == 0 || strcmp(a->atomics, "llsc") == 0 ||
		   strcmp(a->atomics, "outline") == 0,
	       "atomics '%s'", a->atomics);
	CHECK(a->lse == 0 || a->lse == 1);
	CHECKF(a->timer_hz >= 1000000 && a->timer_hz <= 10000000000ULL, "cntfrq_el0 %llu Hz",
	       (unsigned long long)a->timer_hz);
	CHECKF(a->midr_valid, "no MIDR (sysfs, /proc/cpuinfo and mrs all failed)");
	if (a->midr_valid) {
		CHECK(a->implementer == ((a->midr >> 24) & 0xff));
		CHECK(a->part == ((a->midr >> 4) & 0xfff));
	}
	if (strcmp(a->atomics, "lse") == 0) {
		CHECKF(a->lse == 1 && !a->lse_missing, "an lse build on a CPU without LSE");
		CHECK(strstr(a->atomics_path, "LSE") != NULL);
	}
	if (strcmp(a->atomics, "llsc") == 0)
		CHECK(strstr(a->atomics_path, "LL/SC") != NULL);
#else
	CHECK(strncmp(a->atomics, "n/a", 3) == 0);
	CHECK(a->lse == -1);
	CHECK(a->timer_hz == 0);
	CHECK(!a->midr_valid);
#endif
}

int main(void)
{
	pthread_t t[NTHREADS];

	check_names();
	for (long i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, ask, (void *)i) == 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(seen[i] == arch_get());

	check_facts(arch_get());

	struct arch_info again;
	arch_info_fill(&again);
	CHECK(again.midr == arch_get()->midr && again.timer_hz == arch_get()->timer_hz);

	char buf[2048] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	CHECK(f != NULL);
	if (f) {
		arch_print_version(f);
		fclose(f);
		CHECK(strstr(buf, "atomics:") != NULL);
		CHECK(strstr(buf, "timer:") != NULL);
		CHECK(strstr(buf, LB_ATOMICS) != NULL);
	}
	fputs(buf, stdout);
	return check_exit("test_arch");
}
