/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line parsing over every module's option table (see option.h). */
#ifndef LB_OPTIONS_H
#define LB_OPTIONS_H

#include "../workloads/workload.h"

enum bench_action {
	BENCH_RUN,
	BENCH_HELP,
	BENCH_VERSION,
	BENCH_LIST_BACKENDS,
	BENCH_LIST_WORKLOADS,
	BENCH_WORKLOAD_ACT, /* a workload's listing (workload_ops.act) */
};

/* Parses argv into bench_cfg and the modules' settings. Returns 0, or -1
 * after printing one message (the caller exits with status 2). */
int options_parse(int argc, char **argv, enum bench_action *action);
void options_usage(FILE *out);
/* True if the named option was given (any module's table). */
bool options_given(const char *name);
/* Forgets which options were given (their seen flags too), the pending
 * action and getopt's state (tests, fuzzing); bench_cfg and module
 * settings are not restored. */
void options_reset(void);

extern const struct bench_opt bench_core_opts[];

#endif
