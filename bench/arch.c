/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Run-time CPU facts for the manifest (see arch.h).
 *
 * Where the aarch64 MIDR comes from, in order:
 *   1. /sys/devices/system/cpu/cpu0/regs/identification/midr_el1 (Linux 4.7+)
 *   2. /proc/cpuinfo "CPU implementer", "CPU variant", "CPU part", "CPU revision"
 *   3. mrs MIDR_EL1, which the kernel emulates for EL0 when HWCAP_CPUID is set
 * Under qemu-aarch64 the first two show the x86 host (no such file or
 * fields), so the third reports the emulated CPU model.
 */
#include "arch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buildinfo.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ATOMICS
#define HWCAP_ATOMICS (1UL << 8)
#endif
#ifndef HWCAP_CPUID
#define HWCAP_CPUID (1UL << 11)
#endif
#endif

/* The build's atomics choice as a string in the object and every program
 * linked with it; tests/test_atomics_asm.sh reads it from the binary it
 * disassembles, so the check cannot be fooled by a stale build tree. */
const char arch_atomics_tag[] = "lpibench-atomics=" LB_ATOMICS;

#define MIDR_IMPLEMENTER(m) (((m) >> 24) & 0xffu)
#define MIDR_VARIANT(m)	    (((m) >> 20) & 0xfu)
#define MIDR_PARTNUM(m)	    (((m) >> 4) & 0xfffu)
#define MIDR_REVISION(m)    ((m)&0xfu)

/* One implementer a line. */
/* clang-format off */
static const struct {
	unsigned id;
	const char *name;
} implementers[] = {
	{0x00, "software"}, /* e.g. an emulator */
	{0x41, "Arm"},
	{0x42, "Broadcom"},
	{0x43, "Cavium"},
	{0x46, "Fujitsu"},
	{0x48, "HiSilicon"},
	{0x4e, "NVIDIA"},
	{0x50, "APM"},
	{0x51, "Qualcomm"},
	{0x61, "Apple"},
	{0x6d, "Microsoft"},
	{0xc0, "Ampere"},
};
/* clang-format on */

/* Server parts first; the Cortex cores are there for boards and qemu's
 * named models. Part numbers as in Linux's arch/arm64/include/asm/cputype.h. */
static const struct {
	unsigned implementer, part;
	const char *name;
} parts[] = {
    {0x41, 0xd0c, "Neoverse N1"}, /* Graviton2, Ampere Altra / Altra Max */
    {0x41, 0xd40, "Neoverse V1"}, /* Graviton3 */
    {0x41, 0xd49, "Neoverse N2"},
    {0x41, 0xd4f, "Neoverse V2"}, /* Graviton4, NVIDIA Grace, Google Axion */
    {0x41, 0xd83, "Neoverse V3AE"},
    {0x41, 0xd84, "Neoverse V3"},
    {0x41, 0xd8e, "Neoverse N3"},
    {0x41, 0xd03, "Cortex-A53"},
    {0x41, 0xd04, "Cortex-A35"},
    {0x41, 0xd05, "Cortex-A55"},
    {0x41, 0xd07, "Cortex-A57"},
    {0x41, 0xd08, "Cortex-A72"},
    {0x41, 0xd09, "Cortex-A73"},
    {0x41, 0xd0b, "Cortex-A76"},
    {0x41, 0xd0d, "Cortex-A77"},
    {0x41, 0xd41, "Cortex-A78"},
    {0x41, 0xd44, "Cortex-X1"},
    {0x41, 0xd47, "Cortex-A710"},
    {0x41, 0xd48, "Cortex-X2"},
    {0xc0, 0xac3, "AmpereOne"},
    {0xc0, 0xac4, "AmpereOne (AC04)"},
    {0x6d, 0xd49, "Azure Cobalt 100 (Neoverse N2)"},
    {0x43, 0x0af, "ThunderX2"},
    {0x42, 0x516, "Vulcan"},
    {0x48, 0xd01, "Kunpeng 920 (TSV110)"},
    {0x46, 0x001, "A64FX"},
    {0x00, 0x051, "QEMU max"}, /* qemu -cpu max (TCG) */
};

const char *arch_implementer_name(unsigned implementer)
{
	for (size_t i = 0; i < sizeof(implementers) / sizeof(implementers[0]); i++)
		if (implementers[i].id == implementer)
			return implementers[i].name;
	return NULL;
}

const char *arch_part_name(unsigned implementer, unsigned part)
{
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].implementer == implementer && parts[i].part == part)
			return parts[i].name;
	return NULL;
}

/* Copies the value of the first "key<spaces/tabs>: value" line of
 * /proc/cpuinfo into out; returns false if there is none. */
static bool cpuinfo_field(const char *key, char *out, size_t outsz)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	size_t klen = strlen(key);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) != 0 || !strchr(" \t:", line[klen]))
			continue;
		char *v = strchr(line + klen, ':');
		if (!v)
			continue;
		v++;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, outsz, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

#if defined(__aarch64__)
static bool cpuinfo_number(const char *key, unsigned *out)
{
	char buf[64], *end;
	if (!cpuinfo_field(key, buf, sizeof(buf)))
		return false;
	unsigned long v = strtoul(buf, &end, 0);
	if (end == buf)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool midr_from_sysfs(uint32_t *midr)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1", "r");
	char buf[64], *end;
	bool ok = false;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		unsigned long long v = strtoull(buf, &end, 16);
		ok = end != buf;
		*midr = (uint32_t)v;
	}
	fclose(f);
	return ok;
}

static bool midr_from_cpuinfo(uint32_t *midr)
{
	unsigned impl, part, var = 0, rev = 0;
	if (!cpuinfo_number("CPU implementer", &impl) || !cpuinfo_number("CPU part", &part))
		return false;
	cpuinfo_number("CPU variant", &var);
	cpuinfo_number("CPU revision", &rev);
	/* Architecture field 0xf: "defined by CPUID scheme", as on every ARMv8 CPU. */
	*midr = (impl & 0xffu) << 24 | (var & 0xfu) << 20 | 0xfu << 16 | (part & 0xfffu) << 4 |
		(rev & 0xfu);
	return true;
}

static bool midr_from_mrs(uint32_t *midr)
{
	if (!(getauxval(AT_HWCAP) & HWCAP_CPUID))
		return false;
	uint64_t v;
	__asm__ __volatile__("mrs %0, midr_el1" : "=r"(v));
	*midr = (uint32_t)v;
	return true;
}

static void fill_midr(struct arch_info *info)
{
	uint32_t m = 0;

	if (midr_from_sysfs(&m))
		info->midr_source = "sysfs";
	else if (midr_from_cpuinfo(&m))
		info->midr_source = "/proc/cpuinfo";
	else if (midr_from_mrs(&m))
		info->midr_source = "mrs";
	else
		return;
	info->midr_valid = true;
	info->midr = m;
	info->implementer = MIDR_IMPLEMENTER(m);
	info->part = MIDR_PARTNUM(m);
	info->variant = MIDR_VARIANT(m);
	info->revision = MIDR_REVISION(m);

	const char *vendor = arch_implementer_name(info->implementer);
	const char *name = arch_part_name(info->implementer, info->part);
	if (vendor)
		snprintf(info->vendor, sizeof(info->vendor), "%s", vendor);
	else
		snprintf(info->vendor, sizeof(info->vendor), "implementer 0x%02x",
			 info->implementer);
	if (name)
		snprintf(info->cpu, sizeof(info->cpu), "%s", name);
	else
		snprintf(info->cpu, sizeof(info->cpu), "part 0x%03x", info->part);
}

#endif /* __aarch64__ */

void arch_info_fill(struct arch_info *info)
{
	memset(info, 0, sizeof(*info));
	info->atomics = LB_ATOMICS;
	info->atomics_path = "n/a";
	info->lock_atomics = "n/a";
	info->lse = -1;
	info->midr_source = "n/a";
	snprintf(info->vendor, sizeof(info->vendor), "unknown");
	snprintf(info->cpu, sizeof(info->cpu), "unknown");

#if defined(__aarch64__)
	info->machine = "aarch64";
	info->lse = (getauxval(AT_HWCAP) & HWCAP_ATOMICS) ? 1 : 0;
	fill_midr(info);
	uint64_t frq;
	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(frq));
	info->timer_hz = frq;
#ifdef LB_TSAN
	info->lock_atomics = "C11 atomics, as the hot atomics (TSan build)";
#else
	/* Debian's ck 0.7.1 has no usable LSE path (ck_pr_lse.h does not build). */
	info->lock_atomics = "LL/SC (ck inline assembly, in every build)";
#endif
#if defined(__ARM_FEATURE_ATOMICS)
	/* -march=armv8.1-a or later: LSE inline, whatever the CPU says. */
	info->atomics_path = "LSE inline";
	info->lse_missing = info->lse == 0;
#else
	/* No macro tells -mno-outline-atomics apart: the build choice does. */
	if (strcmp(LB_ATOMICS, "llsc") == 0)
		info->atomics_path = "LL/SC inline";
	else
		info->atomics_path = info->lse ? "LSE via libgcc helpers, chosen at run time"
					       : "LL/SC via libgcc helpers: the CPU has no LSE";
#endif
#else
#if defined(__x86_64__)
	info->machine = "x86_64";
#else
	info->machine = "other";
#endif
	cpuinfo_field("vendor_id", info->vendor, sizeof(info->vendor));
	cpuinfo_field("model name", info->cpu, sizeof(info->cpu));
#endif
}

static struct arch_info arch_once_info;
static pthread_once_t arch_once = PTHREAD_ONCE_INIT;

static void arch_once_fill(void)
{
	arch_info_fill(&arch_once_info);
}

const struct arch_info *arch_get(void)
{
	pthread_once(&arch_once, arch_once_fill);
	return &arch_once_info;
}

void arch_print_version(FILE *out)
{
	const struct arch_info *a = arch_get();

	fprintf(out, "machine:      %s\n", a->machine);
	if (strncmp(a->atomics, "n/a", 3) == 0)
		fprintf(out, "atomics:      %s\n", a->atomics);
	else
		fprintf(out, "atomics:      %s (%s)\n", a->atomics, a->atomics_path);
	if (a->lse < 0)
		fprintf(out, "cpu lse:      n/a\n");
	else
		fprintf(out, "cpu lse:      %s%s\n", a->lse ? "yes" : "no",
			a->lse_missing ? " (this lse build needs it: expect SIGILL)" : "");
	if (strcmp(a->lock_atomics, "n/a") != 0)
		fprintf(out, "lock atomics: %s\n", a->lock_atomics);
	if (a->midr_valid)
		fprintf(out,
			"cpu:          %s %s (MIDR 0x%08x: implementer 0x%02x part 0x%03x r%up%u, "
			"%s)\n",
			a->vendor, a->cpu, a->midr, a->implementer, a->part, a->variant,
			a->revision, a->midr_source);
	else
		fprintf(out, "cpu:          %s %s\n", a->vendor, a->cpu);
	if (a->timer_hz)
		fprintf(out, "timer:        %llu Hz (cntfrq_el0)\n",
			(unsigned long long)a->timer_hz);
	else
		fprintf(out, "timer:        n/a\n");
}
