/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Command-line options, declared where they are used. Every module that
 * takes options (the driver, each workload, placement, measurement...)
 * exports a table of struct bench_opt ending with {0}; bench/options.def
 * lists the tables (workloads' tables come from the workload registry).
 * The parser builds one getopt_long table from all of them.
 *
 * apply() gets the argument (NULL for flags) and returns 0, or prints one
 * clear message to stderr (via opt_error) and returns -1: the driver then
 * exits with status 2 before anything is written.
 */
#ifndef LB_OPTION_H
#define LB_OPTION_H

#include <stdbool.h>
#include <stdint.h>

struct bench_opt {
	const char *name; /* long name, without "--" */
	int short_name;	  /* 0 if none */
	bool has_arg;
	const char *arg_name; /* for --help, e.g. "N" */
	const char *help;
	int (*apply)(const char *arg);
	/* Set by the parser when the option was given on the command line. */
	bool *seen;
};

/* Print "lpibench: --name: <fmt>" to stderr and return -1. */
int opt_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Strict number parsing; on error print a message naming the option. */
int opt_parse_u64(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
int opt_parse_double(const char *name, const char *arg, double min, double max, double *out);
/* Durations with an optional unit suffix: ns, us, ms, s (default unit given). */
int opt_parse_ns(const char *name, const char *arg, const char *default_unit, uint64_t *out_ns);

#endif
