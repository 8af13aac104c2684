/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Environment facts from sysfs (see env.h).
 */
#include "env.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define UNAVAILABLE "unavailable"

/* First line of root/rel, trimmed, into buf; false if unreadable or empty. */
static bool read_line(const char *root, const char *rel, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	return n != 0;
}

/* "always [madvise] never" -> "madvise". */
static void bracketed(const char *s, char *out, size_t len)
{
	const char *o = strchr(s, '['), *c = o ? strchr(o, ']') : NULL;

	if (!o || !c || c == o + 1) {
		snprintf(out, len, "%s", UNAVAILABLE);
		return;
	}
	snprintf(out, len, "%.*s", (int)(c - o - 1), o + 1);
}

static void add_governor(struct env_info *e, const char *g)
{
	size_t used;

	if (!e->governor_known) {
		snprintf(e->governor, sizeof(e->governor), "%s", g);
		e->governor_known = true;
		return;
	}
	/* Already listed? (the list is "g" or "mixed: g1,g2,...") */
	{
		const char *list =
		    strncmp(e->governor, "mixed: ", 7) == 0 ? e->governor + 7 : e->governor;
		size_t gl = strlen(g);
		for (const char *p = list; *p;) {
			const char *comma = strchr(p, ',');
			size_t l = comma ? (size_t)(comma - p) : strlen(p);
			if (l == gl && strncmp(p, g, l) == 0)
				return;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	if (strncmp(e->governor, "mixed: ", 7) != 0) {
		char first[sizeof(e->governor)];
		snprintf(first, sizeof(first), "%s", e->governor);
		snprintf(e->governor, sizeof(e->governor), "mixed: %.100s", first);
	}
	used = strlen(e->governor);
	snprintf(e->governor + used, sizeof(e->governor) - used, ",%s", g);
}

void env_collect_at(const char *root, struct env_info *e)
{
	char buf[256], rel[128];
	DIR *d;
	struct dirent *de;

	memset(e, 0, sizeof(*e));
	snprintf(e->governor, sizeof(e->governor), "%s", UNAVAILABLE);
	e->smt_active = -1;

	snprintf(buf, sizeof(buf), "%s/sys/devices/system/cpu", root);
	d = opendir(buf);
	while (d && (de = readdir(d))) {
		const char *n = de->d_name;
		if (strncmp(n, "cpu", 3) != 0 || !isdigit((unsigned char)n[3]))
			continue;
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/%.20s/cpufreq/scaling_governor",
			 n);
		if (read_line(root, rel, buf, sizeof(buf))) {
			add_governor(e, buf);
			e->governor_cpus++;
		}
	}
	if (d)
		closedir(d);

	if (read_line(root, "/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)))
		bracketed(buf, e->thp, sizeof(e->thp));
	else
		snprintf(e->thp, sizeof(e->thp), "%s", UNAVAILABLE);

	if (read_line(root, "/sys/devices/system/cpu/smt/control", buf, sizeof(buf)))
		snprintf(e->smt, sizeof(e->smt), "%.31s", buf);
	else
		snprintf(e->smt, sizeof(e->smt), "%s", UNAVAILABLE);
	if (read_line(root, "/sys/devices/system/cpu/smt/active", buf, sizeof(buf)))
		e->smt_active = atoi(buf) ? 1 : 0;
}

void env_collect(struct env_info *e)
{
	env_collect_at("", e);
}

bool env_warn_governor(const struct env_info *e, FILE *out)
{
	if (!e->governor_known || strcmp(e->governor, "performance") == 0)
		return false;
	fprintf(out,
		"lpibench: warning: CPU frequency governor is '%s', not 'performance': "
		"clock speed may change during the run and skew results\n",
		e->governor);
	return true;
}
