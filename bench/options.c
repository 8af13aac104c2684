/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The driver's own options, and one getopt_long table built from them,
 * every table named in options.def and every workload's; an option owned
 * by a workload is refused unless that workload is selected.
 */
#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/sync.h"
#include "config.h"
#include "../util/json.h"

#define OPTTABLE(sym, owner) extern const struct bench_opt sym[];
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

/* ---- the driver's own options ---- */
static int parse_backend(const struct bench_opt *o, const char *arg)
{
	char names[512];
	if (strlen(arg) >= sizeof(bench_cfg.backends))
		return opt_error(o->name, "list too long");
	char tmp[sizeof(bench_cfg.backends)];
	strcpy(tmp, arg);
	for (char *save, *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!store_find(tok))
			return opt_error(o->name, "unknown backend '%s' (one of: %s)", tok,
					 opt_choices_text(o, names, sizeof(names)));
	if (!*arg || arg[strlen(arg) - 1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		return opt_error(o->name, "empty name in '%s'", arg);
	strcpy(bench_cfg.backends, arg);
	bench_cfg.backends_set = true;
	return 0;
}

static void record_backend(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, bench_cfg.backends);
}

static const char *backend_choice(unsigned i)
{
	for (unsigned n = 0; store_registry[n]; n++)
		if (n == i)
			return store_registry[n]->name;
	return NULL;
}

static const char *workload_choice(unsigned i)
{
	for (unsigned n = 0; workload_registry[n]; n++)
		if (n == i)
			return workload_registry[n]->name;
	return NULL;
}

static int parse_threads(const struct bench_opt *o, const char *arg)
{
	char tmp[512];
	if (!*arg || strlen(arg) >= sizeof(tmp))
		return opt_error(o->name, "expected a number or a list such as 1,2,4,8");
	strcpy(tmp, arg);
	unsigned n = 0;
	if (arg[strlen(arg) - 1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		return opt_error(o->name, "empty entry in '%s'", arg);
	for (char *save, *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (n == BENCH_MAX_LIST)
			return opt_error(o->name, "at most %d entries", BENCH_MAX_LIST);
		if (opt_parse_u64(o->name, tok, o->min, o->max, &v))
			return -1;
		bench_cfg.threads[n++] = (unsigned)v;
	}
	bench_cfg.nr_threads = n;
	return 0;
}

/* The thread count of the run whose params are being written (a point of
 * the --threads list); 0 outside one: the first. */
static unsigned point_threads;

static void record_threads(struct json *js, const struct bench_opt *o)
{
	json_u64(js, o->json, point_threads ? point_threads : bench_cfg.threads[0]);
}

static void record_duration(struct json *js, const struct bench_opt *o)
{
	json_double(js, o->json, bench_cfg.ops ? 0 : bench_cfg.duration_s);
}

/* The kinds, then auto (queued when threads <= CPUs, else spin-yield). */
static const char *lock_choice(unsigned i)
{
	if (i < LB_LOCK_NR)
		return lb_lock_kind_name((enum lb_lock_kind)i);
	return i == LB_LOCK_NR ? "auto" : NULL;
}

static int parse_lock(const struct bench_opt *o, const char *arg)
{
	char names[160];
	if (lb_lock_kind_set(arg))
		return opt_error(o->name, "expected %s, got '%s'",
				 opt_choices_text(o, names, sizeof(names)), arg);
	return 0;
}

static const char *rwlock_choice(unsigned i)
{
	return i < LB_RWLOCK_NR ? lb_rwlock_kind_name((enum lb_rwlock_kind)i) : NULL;
}

static const char *const alloc_choices[] = {
    [LB_ALLOC_JEMALLOC] = "jemalloc", [LB_ALLOC_LIBC] = "libc", NULL};

/* Sanitizer builds always use libc, and say so. */
static void record_alloc(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, lb_allocator_name(lb_allocator));
}

static int parse_action(const struct bench_opt *o, const char *arg)
{
	static const struct {
		const char *name;
		enum bench_action act;
	} acts[] = {{"help", BENCH_HELP},
		    {"version", BENCH_VERSION},
		    {"list-backends", BENCH_LIST_BACKENDS},
		    {"list-workloads", BENCH_LIST_WORKLOADS},
		    {"list-options", BENCH_LIST_OPTIONS}};
	if (arg && strcmp(arg, "json") != 0)
		return opt_error(o->name, "expected json, got '%s'", arg);
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(acts[i].name, o->name) == 0)
			pending_action = acts[i].act;
	return 0;
}

static const char *const list_formats[] = {"json", NULL};

const struct bench_opt bench_core_opts[] = {
    {.name = "backend",
     .short_name = 'b',
     .type = OPT_STRING,
     .list = OPT_SWEEP,
     .dest = bench_cfg.backends,
     .choice = backend_choice,
     .metavar = "NAME[,NAME...]",
     .json = "backend",
     .rec = OPT_REC_TOP,
     .help = "LPI-store backend(s) to run",
     .parse = parse_backend,
     .record = record_backend},
    {.name = "workload",
     .short_name = 'w',
     .type = OPT_STRING,
     .dest = &bench_cfg.workload,
     .choice = workload_choice,
     .metavar = "NAME",
     .json = "workload",
     .rec = OPT_REC_TOP,
     .help = "workload"},
    {.name = "threads",
     .short_name = 't',
     .type = OPT_UINT,
     .list = OPT_SWEEP,
     .min = 1,
     .max = 4096,
     .metavar = "N[,N...]",
     .json = "threads",
     .help = "worker threads",
     .parse = parse_threads,
     .record = record_threads},
    {.name = "duration",
     .type = OPT_DOUBLE,
     .dest = &bench_cfg.duration_s,
     .dmin = 0.001,
     .dmax = 86400,
     .unit = "s",
     .metavar = "SECONDS",
     .json = "duration_s",
     .help = "measured time per run (recorded as 0 with --ops)",
     .record = record_duration},
    {.name = "ops",
     .type = OPT_U64,
     .dest = &bench_cfg.ops,
     .min = 1,
     .max = UINT64_MAX / 2,
     .def = "none: run for --duration",
     .json = "ops",
     .help = "run N operations in total instead of a duration (recorded as 0 when not given)"},
    {.name = "warmup",
     .type = OPT_DOUBLE,
     .dest = &bench_cfg.warmup_s,
     .dmin = 0,
     .dmax = 3600,
     .unit = "s",
     .metavar = "SECONDS",
     .json = "warmup_s",
     .help = "unmeasured time before each run"},
    {.name = "seed",
     .type = OPT_U64,
     .dest = &bench_cfg.seed,
     .min = 0,
     .max = INT64_MAX, /* JSON integers (libjansson) are signed 64-bit */
     .json = "seed",
     .help = "random seed"},
    {.name = "runs",
     .type = OPT_UINT,
     .dest = &bench_cfg.runs,
     .min = 1,
     .max = 1000,
     .json = "runs",
     .help = "repetitions of each configuration"},
    {.name = "lock",
     .type = OPT_ENUM,
     .dest = OPT_ENUM_DEST(lb_lock_default_kind),
     .choice = lock_choice,
     .def = "auto",
     .json = "lock",
     .help = "the lock kind where the kernel has a raw spinlock (auto: queued when threads <= "
	     "CPUs, as the kernel's qspinlock; else spin-yield, since a preempted queued waiter "
	     "stalls every waiter behind it)",
     .parse = parse_lock},
    {.name = "rwlock",
     .type = OPT_ENUM,
     .dest = OPT_ENUM_DEST(lb_rwlock_default_kind),
     .choice = rwlock_choice,
     .json = "rwlock",
     .help = "reader-writer lock kind"},
    {.name = "alloc",
     .type = OPT_ENUM,
     .dest = OPT_ENUM_DEST(lb_allocator),
     .choices = alloc_choices,
     .json = "alloc",
     .help = "allocator for irqs and nodes (sanitizer builds: always libc)",
     .record = record_alloc},
    {.name = "gp-latency",
     .type = OPT_DURATION,
     .dest = &lb_gp_latency_ns,
     .max = 3600000000000ull,
     .unit = "us",
     .json = "gp_latency_ns",
     .help = "emulate a kernel-like grace period: each synchronize_rcu lasts at least TIME "
	     "(e.g. 3ms)"},
    {.name = "check",
     .type = OPT_FLAG,
     .dest = &bench_cfg.check,
     .json = "check",
     .help = "poison freed irqs and check every access (slower)"},
    {.name = "check-shared-writes",
     .type = OPT_FLAG,
     .dest = &bench_cfg.check_shared,
     .json = "check_shared_writes",
     .help = "record which threads write each accounting cell's line in the measured window "
	     "and count lines written by more than one (debug)"},
    {.name = "out",
     .short_name = 'o',
     .type = OPT_STRING,
     .dest = &bench_cfg.out_dir,
     .metavar = "DIR",
     .rec = OPT_REC_NONE,
     .help = "where results go"},
    {.name = "quiet",
     .short_name = 'q',
     .type = OPT_FLAG,
     .dest = &bench_cfg.quiet,
     .rec = OPT_REC_NONE,
     .help = "print only errors and the result path"},
    {.name = "list-backends",
     .type = OPT_ACTION,
     .rec = OPT_REC_NONE,
     .help = "list backends and exit",
     .parse = parse_action},
    {.name = "list-workloads",
     .type = OPT_ACTION,
     .rec = OPT_REC_NONE,
     .help = "list workloads and exit",
     .parse = parse_action},
    {.name = "list-options",
     .type = OPT_ENUM,
     .choices = list_formats,
     .rec = OPT_REC_NONE,
     .help = "print every option (type, range or choices, default, unit, list, owner, JSON "
	     "key, help) as JSON and exit",
     .parse = parse_action},
    {.name = "version",
     .short_name = 'V',
     .type = OPT_ACTION,
     .rec = OPT_REC_NONE,
     .help = "print version and build facts and exit",
     .parse = parse_action},
    {.name = "help",
     .short_name = 'h',
     .type = OPT_ACTION,
     .rec = OPT_REC_NONE,
     .help = "this help",
     .parse = parse_action},
    {0},
};

/* ---- the combined table ---- */
static struct opt_entry entries[OPTIONS_MAX];
static unsigned nr_entries;
static bool given[OPTIONS_MAX];

static void collect(const struct bench_opt *table, const char *owner, const struct workload_ops *wl)
{
	for (const struct bench_opt *o = table; o && o->name; o++) {
		/* Several workloads share rows (e.g. --cache): the first keeps
		 * the entry; ownership is checked by name (workload_has_opt). */
		bool dup = false;
		for (unsigned i = 0; i < nr_entries; i++)
			if (strcmp(entries[i].opt->name, o->name) == 0)
				dup = true;
		if (!dup && nr_entries < OPTIONS_MAX)
			entries[nr_entries++] = (struct opt_entry){o, owner, wl, NULL};
	}
}

/* The value an option has before parsing, as JSON (its record). */
static char *render_default(const struct bench_opt *o)
{
	if (o->type == OPT_ACTION || (!o->dest && !o->record))
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return NULL;
	struct json js;
	struct bench_opt bare = *o;
	bare.json = NULL; /* the value alone */
	json_init(&js, mem);
	opt_record(&js, &bare);
	fclose(mem);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0'; /* the writer ends a top-level value with a newline */
	if (!len) {
		free(buf);
		return NULL;
	}
	return buf;
}

const struct opt_entry *options_table(unsigned *nr)
{
	if (!nr_entries) {
		static const struct {
			const struct bench_opt *table;
			const char *owner;
		} tables[] = {
#define OPTTABLE(sym, owner) {sym, owner},
#include "options.def"
#undef OPTTABLE
		};
		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			collect(tables[i].table, tables[i].owner, NULL);
		for (const struct workload_ops *const *w = workload_registry; *w; w++)
			collect((*w)->opts, "workload", *w);
		for (unsigned i = 0; i < nr_entries; i++)
			entries[i].default_json = render_default(entries[i].opt);
	}
	*nr = nr_entries;
	return entries;
}

bool options_workload_has(const struct workload_ops *w, const char *name)
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
			return given[i];
	return false;
}

static bool takes_value(const struct bench_opt *o)
{
	return o->type != OPT_FLAG && o->type != OPT_ACTION;
}

int options_parse(int argc, char **argv, enum bench_action *action)
{
	static struct option longopts[OPTIONS_MAX + 1];
	char shortopts[2 * OPTIONS_MAX + 2] = ":";
	size_t sl = 1;
	unsigned nr;

	options_table(&nr);
	for (unsigned i = 0; i < nr; i++) {
		const struct bench_opt *o = entries[i].opt;
		longopts[i] =
		    (struct option){o->name, takes_value(o) ? required_argument : no_argument, NULL,
				    (int)(1000 + i)};
		if (o->short_name) {
			shortopts[sl++] = (char)o->short_name;
			if (takes_value(o))
				shortopts[sl++] = ':';
		}
	}
	longopts[nr] = (struct option){0};
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
			else if (optopt >= 1000 && optopt < 1000 + (int)nr)
				fprintf(stderr, "lpibench: --%s takes no value\n",
					entries[optopt - 1000].opt->name);
			else if (optopt)
				fprintf(stderr, "lpibench: unknown option -%c (see --help)\n",
					optopt);
			else
				fprintf(stderr, "lpibench: unknown option %s (see --help)\n", bad);
			return -1;
		}
		unsigned idx = nr;
		if (c >= 1000)
			idx = (unsigned)c - 1000;
		else
			for (unsigned i = 0; i < nr; i++)
				if (entries[i].opt->short_name == c)
					idx = i;
		if (idx >= nr)
			return -1;
		given[idx] = true;
		if (opt_apply(entries[idx].opt, optarg))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "lpibench: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}

	/* A workload's listing (race: --list-scenarios) is an action, not a
	 * run: it needs no --workload. */
	for (const struct workload_ops *const *wl = workload_registry; *wl; wl++) {
		if ((*wl)->act && (*wl)->act(NULL)) {
			*action = BENCH_WORKLOAD_ACT;
			return 0;
		}
	}
	const struct workload_ops *w = workload_find(bench_cfg.workload);
	for (unsigned i = 0; i < nr; i++) {
		if (!given[i] || !entries[i].workload)
			continue;
		if (!options_workload_has(w, entries[i].opt->name)) {
			fprintf(stderr, "lpibench: --%s does not apply to workload %s\n",
				entries[i].opt->name, w->name);
			return -1;
		}
	}
	*action = pending_action;
	return 0;
}

static void write_rows(struct json *js, const struct bench_opt *table)
{
	for (const struct bench_opt *o = table; o && o->name; o++)
		if (o->rec == OPT_REC_PARAMS && o->json)
			opt_record(js, o);
}

void options_write_params(struct json *js, const char *key, const struct workload_ops *wl,
			  unsigned threads)
{
	static const struct bench_opt *const tables[] = {
#define OPTTABLE(sym, owner) sym,
#include "options.def"
#undef OPTTABLE
	};
	point_threads = threads;
	json_obj_begin(js, key);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		write_rows(js, tables[i]);
	write_rows(js, wl->opts);
	json_obj_end(js);
	point_threads = 0;
}

/* Forget which options were given and any pending action, and getopt's own
 * state (tests and fuzzing parse many command lines in one process). The
 * settings the options wrote stay: bench_cfg and the modules' variables
 * are their owners' to restore (topo_reset, faults_reset...). */
void options_reset(void)
{
	memset(given, 0, sizeof(given));
	pending_action = BENCH_RUN;
	/* optind = 0 makes glibc's getopt re-initialise, dropping a pointer
	 * into the previous argv left by a parse that stopped inside a
	 * cluster of short options ("-qZ"). */
	static char *const none[] = {"lpibench", NULL};
	optind = 0;
	opterr = 0;
	getopt(1, none, "");
}
