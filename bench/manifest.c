/* SPDX-License-Identifier: BSD-2-Clause */
#include "manifest.h"

#include <sched.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/sync.h"
#include "arch.h"
#include "buildinfo.h"
#include "config.h"
#include "measure.h"
#include "measure_report.h"
#include "topo.h"

/* First "key : value" line of /proc/cpuinfo whose key matches. */
static bool cpuinfo_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	bool found = false;
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon || strncmp(line, key, strlen(key)) != 0)
			continue;
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, len, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

void manifest_collect(struct manifest *m)
{
	struct utsname u;
	memset(m, 0, sizeof(*m));
	if (uname(&u) == 0) {
		snprintf(m->host, sizeof(m->host), "%s", u.nodename);
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.release, u.machine);
	}
	if (!cpuinfo_field("model name", m->cpu_model, sizeof(m->cpu_model))) {
		/* arm64 has no model name: implementer and part identify it */
		char impl[32] = "?", part[32] = "?";
		cpuinfo_field("CPU implementer", impl, sizeof(impl));
		cpuinfo_field("CPU part", part, sizeof(part));
		snprintf(m->cpu_model, sizeof(m->cpu_model), "implementer %s part %s", impl, part);
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		m->cpus_online = (unsigned)CPU_COUNT(&set);
	else
		m->cpus_online = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}

#define MANIFEST_NOTES 8
static struct {
	const char *key, *value;
} notes[MANIFEST_NOTES];

void manifest_note(const char *key, const char *value)
{
	for (int i = 0; i < MANIFEST_NOTES; i++) {
		if (!notes[i].key || strcmp(notes[i].key, key) == 0) {
			notes[i].key = key;
			notes[i].value = value;
			return;
		}
	}
}

void manifest_write(struct json *js, const struct manifest *m, unsigned threads)
{
	char when[64];
	time_t now = time(NULL);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_obj_begin(js, "manifest");
	json_str(js, "host", m->host);
	json_str(js, "cpu_model", m->cpu_model);
	json_u64(js, "cpus", m->cpus_online);
	json_str(js, "kernel", m->kernel);
	json_str(js, "compiler", LB_COMPILER);
	json_str(js, "cflags", LB_CFLAGS);
	json_str(js, "sanitizer", LB_SANITIZER[0] ? LB_SANITIZER : "none");
	json_str(js, "git_commit", LB_GIT_COMMIT);
	json_str(js, "version", LB_VERSION);
	/* kxa builds contain the kernel's lib/xarray.c: which one, from where. */
	if (LB_KXA_VERSION[0]) {
		json_obj_begin(js, "kernel_xarray");
		json_str(js, "license", "GPL-2.0");
		json_str(js, "kernel_version", LB_KXA_VERSION);
		json_str(js, "tree", LB_KXA_TREE);
		json_str(js, "file", LB_KXA_FILE);
		json_str(js, "sha256", LB_KXA_SHA256);
		json_str(js, "origin", LB_KXA_ORIGIN);
		json_obj_end(js);
	} else {
		json_null(js, "kernel_xarray");
	}
	json_arr_begin(js, "argv");
	for (int i = 0; i < bench_cfg.argc; i++)
		json_str(js, NULL, bench_cfg.argv[i]);
	json_arr_end(js);
	json_str(js, "allocator", lb_allocator_name(lb_allocator));
	json_str(js, "lock", lb_lock_kind_name(lb_lock_default_kind));
	json_str(js, "lock_choice", lb_lock_choice());
	json_str(js, "rwlock", lb_rwlock_kind_name(lb_rwlock_default_kind));
	json_str(js, "rcu", lb_rcu_flavour());
	json_obj_begin(js, "model");
	for (int i = 0; i < MANIFEST_NOTES && notes[i].key; i++)
		json_str(js, notes[i].key, notes[i].value);
	json_obj_end(js);
	json_u64(js, "gp_latency_ns", lb_gp_latency_ns);
	json_bool(js, "oversubscribed", threads > m->cpus_online);
	json_bool(js, "checks", bench_cfg.check);
	const struct arch_info *a = arch_get();
	json_obj_begin(js, "arch");
	json_str(js, "machine", a->machine);
	json_str(js, "atomics", a->atomics);
	json_str(js, "atomics_path", a->atomics_path);
	json_str(js, "lock_atomics", a->lock_atomics);
	if (a->lse < 0)
		json_null(js, "cpu_lse");
	else
		json_bool(js, "cpu_lse", a->lse);
	if (a->midr_valid) {
		char midr[16];
		snprintf(midr, sizeof(midr), "0x%08x", a->midr);
		json_str(js, "midr", midr);
	} else {
		json_null(js, "midr");
	}
	json_str(js, "vendor", a->vendor);
	json_str(js, "cpu", a->cpu);
	json_u64(js, "timer_hz", a->timer_hz);
	json_obj_end(js);
	json_str(js, "date", when);
	topo_write_json(js);
	/* Measurement: the clocks (each one's resolution and read cost), the
	 * settings that shape results, and the measurement options. */
	measure_json_clock(js, "clock");
	measure_json_env(js, "env", &measure_env);
	json_obj_begin(js, "measure");
	json_str(js, "clock_requested", clk_source_name(measure_cfg.clock));
	if (measure_cfg.sample_auto)
		json_str(js, "sample", "auto");
	else
		json_u64(js, "sample", measure_cfg.sample_every); /* 0: off */
	json_double(js, "sample_budget", SAMP_BUDGET);
	json_double(js, "timing_cost_ns", measure_timing_cost_ns);
	json_str(js, "perf", measure_cfg.perf == PERF_MODE_OFF ? "off" : "auto");
	json_u64(js, "interval_ms", measure_cfg.interval_ms);
	json_double(js, "until_ci_pct", measure_cfg.until_ci_pct);
	json_u64(js, "max_runs", measure_cfg.max_runs);
	json_obj_end(js);
	json_obj_end(js);
}

void manifest_print_version(FILE *out)
{
	fprintf(out, "lpibench %s (git %s)\n", LB_VERSION, LB_GIT_COMMIT);
	fprintf(out, "compiler: %s\ncflags: %s\nsanitizer: %s\nrcu: %s\n", LB_COMPILER, LB_CFLAGS,
		LB_SANITIZER[0] ? LB_SANITIZER : "none", lb_rcu_flavour());
	arch_print_version(out);
	if (LB_KXA_VERSION[0])
		fprintf(out,
			"kernel xarray (backend kxa): Linux %s %s (%s, sha256 %s)\n"
			"license: this program includes GPL-2.0 code (the kernel's lib/xarray.c)\n",
			LB_KXA_VERSION, LB_KXA_FILE, LB_KXA_ORIGIN, LB_KXA_SHA256);
	else
		fprintf(out,
			"kernel xarray: not built in (no GPL code; -DLB_KERNEL_SRC adds kxa)\n");
}
