/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Command-line options, declared once, where they are used. Every module
 * that takes options (the driver, each workload, placement, measurement...)
 * exports a table of typed rows ending with {0}; bench/options.def lists
 * the tables with their owners (workloads' tables come from the workload
 * registry). One row drives everything about its option:
 *
 *   parsing        by type into dest, with the range or choices in the
 *                  error message (one line naming the option; exit 2);
 *   --help         name, metavar, help and default;
 *   params         the member `json` of every result's "params" object
 *                  (options_write_params), from dest by type;
 *   --list-options=json   all of the above, machine-readable, which
 *                  scripts/sweep and tests/test_options.sh read.
 *
 * The typed rows need no code. `parse` and `record` are escape hatches for
 * the few options whose values have a syntax of their own (--dist=zipf:S,
 * --place, --fail-alloc) or whose record is derived (--rounds records
 * max_rounds); such a row still declares its type, key and help.
 */
#ifndef LB_OPTION_H
#define LB_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;

enum opt_type {
	OPT_FLAG,     /* no value: sets the bool at dest */
	OPT_ACTION,   /* no value: parse() does something (--help); never recorded */
	OPT_UINT,     /* unsigned at dest, in [min, max] */
	OPT_U64,      /* uint64_t at dest, in [min, max] */
	OPT_DOUBLE,   /* double at dest, in [dmin, dmax] */
	OPT_DURATION, /* uint64_t nanoseconds at dest, at most max; a bare number is in `unit` */
	OPT_ENUM,     /* int at dest: index of the value in choices ("" entries are unused) */
	OPT_STRING,   /* const char * at dest (into argv); one of choice(i) when choice is set */
};

/* Whether bench itself takes a comma list. scripts/sweep crosses lists of
 * any option; bench only those marked OPT_SWEEP. */
enum opt_list {
	OPT_ONE,    /* one value */
	OPT_SWEEP,  /* a comma list: bench runs each value in turn (--backend, --threads) */
	OPT_COMMAS, /* one value that is itself a comma list (--cmd-mix) */
};

/* Where a run's result records the option. */
enum opt_rec {
	OPT_REC_PARAMS, /* member `json` of "params" */
	OPT_REC_TOP,	/* top-level member `json`, written by the driver (backend) */
	OPT_REC_NONE,	/* not a run parameter (actions, output, --plan) */
};

struct bench_opt {
	const char *name; /* long name, without "--" */
	int short_name;	  /* 0 if none */
	enum opt_type type;
	enum opt_list list;
	void *dest;
	uint64_t min, max; /* OPT_UINT, OPT_U64; OPT_DURATION: max in ns */
	double dmin, dmax; /* OPT_DOUBLE */
	/* OPT_ENUM: the names of values 0, 1... ("" for a value that cannot be
	 * given), NULL-terminated; or choice(value), NULL past the last. An
	 * OPT_STRING with either accepts only those names (registries). */
	const char *const *choices;
	const char *(*choice)(unsigned i);
	const char *unit;    /* of the value ("s", "%", "ns"...); OPT_DURATION: of a bare number */
	const char *metavar; /* for --help; NULL: from the type */
	/* The default in words when it is not dest's initial value (e.g. "--place"). */
	const char *def;
	const char *json; /* key of the record (rec), NULL with OPT_REC_NONE */
	enum opt_rec rec;
	const char *help;
	/* Escape hatches: parse arg (NULL for flags) into dest, return 0 or
	 * opt_error(); write the record (member `o->json`). */
	int (*parse)(const struct bench_opt *o, const char *arg);
	void (*record)(struct json *js, const struct bench_opt *o);
};

/* An OPT_ENUM destination: any enum the size of an int, so that it may be
 * written through an int (the enum's compatible type, or its signed form). */
#define OPT_ENUM_DEST(var)                                                                         \
	((void *)((char *)&(var) + 0 * sizeof(char[sizeof(var) == sizeof(int) ? 1 : -1])))

/* Parses arg (NULL for flags and actions) into o->dest as its type says,
 * or through o->parse. Returns 0, or -1 after one message. */
int opt_apply(const struct bench_opt *o, const char *arg);
/* Writes the option's current value as member o->json (o->record, or by type). */
void opt_record(struct json *js, const struct bench_opt *o);
/* The i-th accepted value of an OPT_ENUM or a choice-checked OPT_STRING
 * (empty names skipped), or NULL past the last. */
const char *opt_choice(const struct bench_opt *o, unsigned i);
/* "a, b or c" into buf: the choices, for messages and --help. */
const char *opt_choices_text(const struct bench_opt *o, char *buf, size_t len);
/* "type" as --list-options=json names it: flag, action, unsigned... */
const char *opt_type_name(enum opt_type t);
const char *opt_list_name(enum opt_list l);

/* Print "lpibench: --name: <fmt>" to stderr and return -1. */
int opt_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Strict number parsing; on error print a message naming the option. */
int opt_parse_u64(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
int opt_parse_double(const char *name, const char *arg, double min, double max, double *out);
/* Durations with an optional unit suffix: ns, us, ms, s (default unit given). */
int opt_parse_ns(const char *name, const char *arg, const char *default_unit, uint64_t *out_ns);

#endif
