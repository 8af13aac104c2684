/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Environment facts, on a fake sysfs tree: governor (one, mixed, absent),
 * the bracketed THP value, SMT state, and the governor warning.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/env.h"
#include "check.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512], dir[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	/* mkdir -p of the parent */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = 0;
	for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int warns(const struct env_info *e, const char *needle)
{
	char buf[512] = "";
	FILE *f = tmpfile();
	int w = env_warn_governor(e, f);

	rewind(f);
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (w && needle)
		CHECKF(strstr(buf, needle) != NULL, "warning '%s' lacks '%s'", buf, needle);
	return w;
}

int main(void)
{
	struct env_info e;
	char cmd[128];

	snprintf(root, sizeof(root), "/tmp/lb-env-XXXXXX");
	CHECK(mkdtemp(root) != NULL);

	/* Nothing there: all unavailable, no warning. */
	env_collect_at(root, &e);
	CHECK(strcmp(e.governor, "unavailable") == 0 && !e.governor_known);
	CHECK(strcmp(e.thp, "unavailable") == 0 && strcmp(e.smt, "unavailable") == 0);
	CHECK(e.smt_active == -1);
	CHECK(!warns(&e, NULL));

	put("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
	put("/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
	put("/sys/devices/system/cpu/cpufreq/policy0/x", "");
	put("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put("/sys/devices/system/cpu/smt/control", "on\n");
	put("/sys/devices/system/cpu/smt/active", "1\n");
	env_collect_at(root, &e);
	CHECK(strcmp(e.governor, "performance") == 0 && e.governor_cpus == 2);
	CHECK(strcmp(e.thp, "madvise") == 0);
	CHECK(strcmp(e.smt, "on") == 0 && e.smt_active == 1);
	CHECK(!warns(&e, NULL));

	put("/sys/devices/system/cpu/cpu10/cpufreq/scaling_governor", "powersave\n");
	put("/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
	put("/sys/devices/system/cpu/smt/control", "notsupported\n");
	put("/sys/devices/system/cpu/smt/active", "0\n");
	env_collect_at(root, &e);
	CHECKF(strcmp(e.governor, "mixed: performance,powersave") == 0 ||
		   strcmp(e.governor, "mixed: powersave,performance") == 0,
	       "governor '%s'", e.governor);
	CHECK(e.governor_cpus == 3);
	CHECK(strcmp(e.thp, "always") == 0);
	CHECK(strcmp(e.smt, "notsupported") == 0 && e.smt_active == 0);
	CHECK(warns(&e, "powersave"));

	put("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "schedutil\n");
	put("/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "schedutil\n");
	put("/sys/devices/system/cpu/cpu10/cpufreq/scaling_governor", "schedutil\n");
	env_collect_at(root, &e);
	CHECK(strcmp(e.governor, "schedutil") == 0);
	CHECK(warns(&e, "'schedutil', not 'performance'"));

	/* The live system: whatever it has, no crash and a value for each. */
	env_collect(&e);
	printf("live: governor=%s thp=%s smt=%s smt_active=%d\n", e.governor, e.thp, e.smt,
	       e.smt_active);
	CHECK(e.governor[0] && e.thp[0] && e.smt[0]);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(system(cmd) == 0);
	return check_exit("test_env");
}
