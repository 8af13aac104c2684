/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Machine settings that change results, for the run manifest.
 *
 * Why: the same binary gives different numbers under the powersave
 * governor, with transparent huge pages off, or with SMT siblings sharing
 * a core; a result that does not record them cannot be compared with
 * another. Read from sysfs:
 *   governor  /sys/devices/system/cpu/cpu<N>/cpufreq/scaling_governor, all
 *             CPUs: one name, "mixed: a,b" if they differ, "unavailable"
 *             when no CPU exposes cpufreq (VMs, like these).
 *   thp       /sys/kernel/mm/transparent_hugepage/enabled, the [selected]
 *             value ("always", "madvise", "never") or "unavailable".
 *   smt       /sys/devices/system/cpu/smt/control ("on", "off",
 *             "forceoff", "notsupported", "notimplemented") or
 *             "unavailable"; smt_active from .../smt/active (-1 unknown).
 *
 * Context: main thread, before workers (reads files, no global state).
 */
#ifndef LB_ENV_H
#define LB_ENV_H

#include <stdbool.h>
#include <stdio.h>

struct env_info {
	char governor[128];
	bool governor_known; /* at least one CPU exposes a governor */
	int governor_cpus;   /* CPUs whose governor was read */
	char thp[32];
	char smt[32];
	int smt_active; /* 1, 0, or -1 when unknown */
};

/* Collect from the live system. */
void env_collect(struct env_info *e);

/* Same, from a tree that mirrors /sys under root (tests use a fake one). */
void env_collect_at(const char *root, struct env_info *e);

/*
 * Print a warning to out when the governor is known and is not
 * "performance" (mixed counts as not). Returns true if it warned.
 */
bool env_warn_governor(const struct env_info *e, FILE *out);

#endif
