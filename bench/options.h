/* SPDX-License-Identifier: BSD-2-Clause */
/* The command line over every module's option table (see option.h). */
#ifndef LB_OPTIONS_H
#define LB_OPTIONS_H

#include "../workloads/workload.h"

struct json;

enum bench_action {
	BENCH_RUN,
	BENCH_HELP,
	BENCH_VERSION,
	BENCH_LIST_BACKENDS,
	BENCH_LIST_WORKLOADS,
	BENCH_WORKLOAD_ACT, /* a workload's listing (workload_ops.act) */
	BENCH_LIST_OPTIONS,
};

#define OPTIONS_MAX 256

/* One option of the combined table. */
struct opt_entry {
	const struct bench_opt *opt;
	const char *owner;		     /* options.def's owner, or "workload" */
	const struct workload_ops *workload; /* the first workload declaring it, or NULL */
	char *default_json;		     /* its record before parsing, or NULL */
};

/* Parses argv into bench_cfg and the modules' settings. Returns 0, or -1
 * after printing one message (the caller exits with status 2). */
int options_parse(int argc, char **argv, enum bench_action *action);
/* Every option, once (rows shared by workloads appear under the first). */
const struct opt_entry *options_table(unsigned *nr);
bool options_workload_has(const struct workload_ops *w, const char *name);
/* True if the named option was given (any module's table). */
bool options_given(const char *name);
/* Forgets which options were given (their seen flags too), the pending
 * action and getopt's state (tests, fuzzing); bench_cfg and module
 * settings are not restored. */
void options_reset(void);

/* The "params" object (member `key`, or a bare object with key NULL) of a
 * run of workload wl with `threads` threads: every row recorded in params,
 * the modules' in options.def's order, then wl's. */
void options_write_params(struct json *js, const char *key, const struct workload_ops *wl,
			  unsigned threads);

/* options_print.c: --help and --list-options=json. */
void options_usage(FILE *out);
void options_list_json(FILE *out);

extern const struct bench_opt bench_core_opts[];

#endif
