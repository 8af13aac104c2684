/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Builds one getopt_long table from the driver's own options, every
 * workload's, and every table named in options.def; an option owned by a
 * workload is refused unless that workload is selected.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/sync.h"
#include "config.h"

#define OPTTABLE(sym) extern const struct bench_opt sym[];
#include "options.def"
#undef OPTTABLE

struct bench_config bench_cfg = {
    .backends = "xa",
    .workload = "getput",
    .threads = {1},
    .nr_threads = 1,
    .duration_s = 2.0,
    .warmup_s = 0.2,
    .runs = 1,
    .seed = 1,
    .out_dir = "results",
};

static enum bench_action pending_action = BENCH_RUN;

int opt_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lpibench: --%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int opt_parse_u64(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!arg || !*arg || *arg == '-' || *arg == '+')
		return opt_error(name, "expected a number from %llu to %llu, got '%s'",
				 (unsigned long long)min, (unsigned long long)max, arg ? arg : "");
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 0);
	if (errno || *end)
		return opt_error(name, "expected a number from %llu to %llu, got '%s'",
				 (unsigned long long)min, (unsigned long long)max, arg);
	if (v < min || v > max)
		return opt_error(name, "%llu is out of range (%llu to %llu)", v,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int opt_parse_double(const char *name, const char *arg, double min, double max, double *out)
{
	char *end;
	if (!arg || !*arg)
		return opt_error(name, "expected a number, got ''");
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || *end || !isfinite(v))
		return opt_error(name, "expected a number, got '%s'", arg);
	if (v < min || v > max)
		return opt_error(name, "%s is out of range (%g to %g)", arg, min, max);
	*out = v;
	return 0;
}

int opt_parse_ns(const char *name, const char *arg, const char *default_unit, uint64_t *out_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	char *end;
	if (!arg || !*arg || *arg == '-')
		return opt_error(name, "expected a duration such as 500us or 2ms, got '%s'",
				 arg ? arg : "");
	errno = 0;
	double v = strtod(arg, &end);
	const char *unit = *end ? end : default_unit;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) == 0 && !errno && isfinite(v) && v >= 0 &&
		    v * units[i].ns < 3.6e12) {
			*out_ns = (uint64_t)(v * units[i].ns);
			return 0;
		}
	}
	return opt_error(name, "expected a duration such as 500us or 2ms (at most 1 h), got '%s'",
			 arg);
}

/* ---- the driver's own options ---- */
static int set_backend(const char *arg)
{
	if (strlen(arg) >= sizeof(bench_cfg.backends))
		return opt_error("backend", "list too long");
	char tmp[sizeof(bench_cfg.backends)];
	strcpy(tmp, arg);
	for (char *save, *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!store_find(tok))
			return opt_error("backend", "unknown backend '%s' (see --list-backends)",
					 tok);
	if (!*arg || arg[strlen(arg) - 1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		return opt_error("backend", "empty name in '%s'", arg);
	strcpy(bench_cfg.backends, arg);
	bench_cfg.backends_set = true;
	return 0;
}

static int set_workload(const char *arg)
{
	if (!workload_find(arg))
		return opt_error("workload", "unknown workload '%s' (see --list-workloads)", arg);
	bench_cfg.workload = arg;
	return 0;
}

static int set_threads(const char *arg)
{
	char tmp[512];
	if (!*arg || strlen(arg) >= sizeof(tmp))
		return opt_error("threads", "expected a number or a list such as 1,2,4,8");
	strcpy(tmp, arg);
	unsigned n = 0;
	if (arg[strlen(arg) - 1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		return opt_error("threads", "empty entry in '%s'", arg);
	for (char *save, *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (n == BENCH_MAX_LIST)
			return opt_error("threads", "at most %d entries", BENCH_MAX_LIST);
		if (opt_parse_u64("threads", tok, 1, 4096, &v))
			return -1;
		bench_cfg.threads[n++] = (unsigned)v;
	}
	bench_cfg.nr_threads = n;
	return 0;
}

static int set_duration(const char *arg)
{
	bench_cfg.duration_set = true;
	return opt_parse_double("duration", arg, 0.001, 86400, &bench_cfg.duration_s);
}

static int set_warmup(const char *arg)
{
	return opt_parse_double("warmup", arg, 0, 3600, &bench_cfg.warmup_s);
}

static int set_ops(const char *arg)
{
	return opt_parse_u64("ops", arg, 1, UINT64_MAX / 2, &bench_cfg.ops);
}

static int set_runs(const char *arg)
{
	uint64_t v;
	if (opt_parse_u64("runs", arg, 1, 1000, &v))
		return -1;
	bench_cfg.runs = (unsigned)v;
	return 0;
}

static int set_seed(const char *arg)
{
	return opt_parse_u64("seed", arg, 0, UINT64_MAX, &bench_cfg.seed);
}

static int set_out(const char *arg)
{
	if (!*arg)
		return opt_error("out", "empty folder name");
	bench_cfg.out_dir = arg;
	return 0;
}

static int set_quiet(const char *arg)
{
	(void)arg;
	bench_cfg.quiet = true;
	return 0;
}

static int set_check(const char *arg)
{
	(void)arg;
	bench_cfg.check = true;
	return 0;
}

static int set_alloc(const char *arg)
{
	if (lb_allocator_parse(arg, &lb_allocator))
		return opt_error("alloc", "expected jemalloc or libc, got '%s'", arg);
	return 0;
}

static int set_lock(const char *arg)
{
	if (lb_lock_kind_set(arg))
		return opt_error(
		    "lock", "expected auto, queued, spin, ticket, spin-yield or mutex, got '%s'",
		    arg);
	return 0;
}

static int set_rwlock(const char *arg)
{
	if (lb_rwlock_kind_parse(arg, &lb_rwlock_default_kind))
		return opt_error("rwlock", "expected ck or pthread, got '%s'", arg);
	return 0;
}

static int set_gp_latency(const char *arg)
{
	return opt_parse_ns("gp-latency", arg, "us", &lb_gp_latency_ns);
}

#define ACTION(fn, act)                                                                            \
	static int fn(const char *arg)                                                             \
	{                                                                                          \
		(void)arg;                                                                         \
		pending_action = act;                                                              \
		return 0;                                                                          \
	}
ACTION(act_help, BENCH_HELP)
ACTION(act_version, BENCH_VERSION)
ACTION(act_list_backends, BENCH_LIST_BACKENDS)
ACTION(act_list_workloads, BENCH_LIST_WORKLOADS)

const struct bench_opt bench_core_opts[] = {
    {"backend", 'b', true, "NAME[,NAME...]", "LPI-store backend(s) to run (default xa)",
     set_backend, NULL},
    {"workload", 'w', true, "NAME", "workload (default getput)", set_workload, NULL},
    {"threads", 't', true, "N[,N...]", "worker threads; a list runs each (default 1)", set_threads,
     NULL},
    {"duration", 0, true, "SECONDS", "measured time per run (default 2)", set_duration, NULL},
    {"ops", 0, true, "N", "run N operations in total instead of a duration", set_ops, NULL},
    {"warmup", 0, true, "SECONDS", "unmeasured time before each run (default 0.2)", set_warmup,
     NULL},
    {"runs", 0, true, "N", "repetitions of each configuration (default 1)", set_runs, NULL},
    {"seed", 0, true, "N", "random seed (default 1)", set_seed, NULL},
    {"alloc", 0, true, "jemalloc|libc", "allocator for irqs and nodes (default jemalloc)",
     set_alloc, NULL},
    {"lock", 0, true, "KIND",
     "where the kernel has a raw spinlock: auto, queued, spin, ticket, spin-yield or mutex "
     "(default auto: queued when threads <= CPUs, else spin-yield)",
     set_lock, NULL},
    {"rwlock", 0, true, "ck|pthread", "reader-writer lock kind (default ck)", set_rwlock, NULL},
    {"gp-latency", 0, true, "TIME",
     "emulate a kernel-like grace period: each synchronize_rcu lasts at least TIME (e.g. 3ms)",
     set_gp_latency, NULL},
    {"check", 0, false, NULL, "poison freed irqs and check every access (slower)", set_check, NULL},
    {"out", 'o', true, "DIR", "where results go (default results/)", set_out, NULL},
    {"quiet", 'q', false, NULL, "print only errors and the result path", set_quiet, NULL},
    {"list-backends", 0, false, NULL, "list backends and exit", act_list_backends, NULL},
    {"list-workloads", 0, false, NULL, "list workloads and exit", act_list_workloads, NULL},
    {"version", 'V', false, NULL, "print version and build facts and exit", act_version, NULL},
    {"help", 'h', false, NULL, "this help", act_help, NULL},
    {0},
};

/* ---- the combined table ---- */
struct opt_entry {
	const struct bench_opt *opt;
	const struct workload_ops *owner; /* NULL: not workload-specific */
	bool given;
};

#define MAX_OPTS 256
static struct opt_entry entries[MAX_OPTS];
static unsigned nr_entries;

static void collect(const struct bench_opt *table, const struct workload_ops *owner)
{
	for (const struct bench_opt *o = table; o && o->name; o++) {
		/* Several workloads may share a name (e.g. --cache): first wins
		 * for parsing, ownership is checked by name below. */
		bool dup = false;
		for (unsigned i = 0; i < nr_entries; i++)
			if (strcmp(entries[i].opt->name, o->name) == 0)
				dup = true;
		if (!dup && nr_entries < MAX_OPTS)
			entries[nr_entries++] = (struct opt_entry){o, owner, false};
	}
}

static void build_table(void)
{
	if (nr_entries)
		return;
	static const struct bench_opt *const tables[] = {
#define OPTTABLE(sym) sym,
#include "options.def"
#undef OPTTABLE
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		collect(tables[i], NULL);
	for (const struct workload_ops *const *w = workload_registry; *w; w++)
		collect((*w)->opts, *w);
}

static bool workload_has_opt(const struct workload_ops *w, const char *name)
{
	for (const struct bench_opt *o = w->opts; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return true;
	return false;
}

bool options_given(const char *name)
{
	for (unsigned i = 0; i < nr_entries; i++)
		if (strcmp(entries[i].opt->name, name) == 0)
			return entries[i].given;
	return false;
}

int options_parse(int argc, char **argv, enum bench_action *action)
{
	static struct option longopts[MAX_OPTS + 1];
	char shortopts[2 * MAX_OPTS + 2] = ":";
	size_t sl = 1;

	build_table();
	for (unsigned i = 0; i < nr_entries; i++) {
		const struct bench_opt *o = entries[i].opt;
		longopts[i] = (struct option){o->name, o->has_arg ? required_argument : no_argument,
					      NULL, (int)(1000 + i)};
		if (o->short_name) {
			shortopts[sl++] = (char)o->short_name;
			if (o->has_arg)
				shortopts[sl++] = ':';
		}
	}
	longopts[nr_entries] = (struct option){0};
	shortopts[sl] = 0;

	bench_cfg.argc = argc;
	bench_cfg.argv = argv;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shortopts, longopts, NULL);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (c == ':')
				fprintf(stderr, "lpibench: %s needs a value\n", bad);
			else if (optopt)
				fprintf(stderr, "lpibench: unknown option -%c (see --help)\n",
					optopt);
			else
				fprintf(stderr, "lpibench: unknown option %s (see --help)\n", bad);
			return -1;
		}
		unsigned idx = nr_entries;
		if (c >= 1000)
			idx = (unsigned)c - 1000;
		else
			for (unsigned i = 0; i < nr_entries; i++)
				if (entries[i].opt->short_name == c)
					idx = i;
		if (idx >= nr_entries)
			return -1;
		entries[idx].given = true;
		if (entries[idx].opt->seen)
			*entries[idx].opt->seen = true;
		if (entries[idx].opt->apply(optarg))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "lpibench: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}

	const struct workload_ops *w = workload_find(bench_cfg.workload);
	for (unsigned i = 0; i < nr_entries; i++) {
		if (!entries[i].given || !entries[i].owner)
			continue;
		if (!workload_has_opt(w, entries[i].opt->name)) {
			fprintf(stderr, "lpibench: --%s does not apply to workload %s\n",
				entries[i].opt->name, w->name);
			return -1;
		}
	}
	*action = pending_action;
	return 0;
}

static void usage_table(FILE *out, const struct bench_opt *t)
{
	for (const struct bench_opt *o = t; o && o->name; o++) {
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->has_arg ? "=" : "", o->has_arg ? o->arg_name : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->has_arg ? "=" : "",
				 o->has_arg ? o->arg_name : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
}

void options_usage(FILE *out)
{
	fprintf(out, "usage: bench [options]\n"
		     "Measures LPI-store designs of KVM's arm64 vGIC/ITS under contention.\n\n");
	static const struct bench_opt *const tables[] = {
#define OPTTABLE(sym) sym,
#include "options.def"
#undef OPTTABLE
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		usage_table(out, tables[i]);
	for (const struct workload_ops *const *w = workload_registry; *w; w++) {
		if (!(*w)->opts || !(*w)->opts[0].name)
			continue;
		fprintf(out, "\nworkload %s:\n", (*w)->name);
		usage_table(out, (*w)->opts);
	}
	fprintf(out, "\nExit status: 0 ok, 1 run failed (verification, watchdog), 2 bad input, "
		     "3 race detected (--workload=race).\n");
}

/* Forget which options were given and any pending action, and getopt's own
 * state (tests and fuzzing parse many command lines in one process). The
 * settings the options wrote stay: bench_cfg and the modules' variables
 * are their owners' to restore (topo_reset, faults_reset...). */
void options_reset(void)
{
	for (unsigned i = 0; i < nr_entries; i++)
		entries[i].given = false;
	pending_action = BENCH_RUN;
	/* optind = 0 makes glibc's getopt re-initialise, dropping a pointer
	 * into the previous argv left by a parse that stopped inside a
	 * cluster of short options ("-qZ"). */
	static char *const none[] = {"lpibench", NULL};
	optind = 0;
	opterr = 0;
	getopt(1, none, "");
}
