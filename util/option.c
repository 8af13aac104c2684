/* SPDX-License-Identifier: BSD-2-Clause */
/* One option's value: parsing by type, its record, its choices (option.h). */
#include "option.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

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
		return opt_error(name, "expected a number from %g to %g, got ''", min, max);
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || *end || !isfinite(v))
		return opt_error(name, "expected a number from %g to %g, got '%s'", min, max, arg);
	if (v < min || v > max)
		return opt_error(name, "%s is out of range (%g to %g)", arg, min, max);
	*out = v;
	return 0;
}

/* A duration of at most max_ns; "1 h" is the common limit. */
static int parse_ns(const char *name, const char *arg, const char *default_unit, uint64_t max_ns,
		    uint64_t *out_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	char limit[32];
	char *end;
	if (max_ns == 3600000000000ull)
		snprintf(limit, sizeof(limit), "1 h");
	else
		snprintf(limit, sizeof(limit), "%g s", (double)max_ns / 1e9);
	if (!arg || !*arg || *arg == '-')
		return opt_error(name,
				 "expected a duration such as 500us or 2ms (at most %s), got '%s'",
				 limit, arg ? arg : "");
	errno = 0;
	double v = strtod(arg, &end);
	const char *unit = *end ? end : default_unit;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) == 0 && !errno && isfinite(v) && v >= 0 &&
		    v * units[i].ns <= (double)max_ns) {
			*out_ns = (uint64_t)(v * units[i].ns);
			return 0;
		}
	}
	return opt_error(name, "expected a duration such as 500us or 2ms (at most %s), got '%s'",
			 limit, arg);
}

int opt_parse_ns(const char *name, const char *arg, const char *default_unit, uint64_t *out_ns)
{
	return parse_ns(name, arg, default_unit, 3600000000000ull, out_ns);
}

/* The name of value idx of an OPT_ENUM, or of a registry's idx-th entry;
 * "" for an unused value, NULL past the last. */
static const char *value_name(const struct bench_opt *o, unsigned idx)
{
	if (o->choices)
		return o->choices[idx];
	return o->choice ? o->choice(idx) : NULL;
}

const char *opt_choice(const struct bench_opt *o, unsigned i)
{
	for (unsigned idx = 0;; idx++) {
		const char *n = value_name(o, idx);
		if (!n || (*n && i-- == 0))
			return n;
	}
}

const char *opt_choices_text(const struct bench_opt *o, char *buf, size_t len)
{
	size_t n = 0;
	unsigned count = 0;
	buf[0] = 0;
	while (opt_choice(o, count))
		count++;
	for (unsigned i = 0; i < count && n < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
		int w = snprintf(buf + n, len - n, "%s%s", sep, opt_choice(o, i));
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

/* The value (index) whose name is arg, or -1. */
static int enum_index(const struct bench_opt *o, const char *arg)
{
	for (unsigned idx = 0; value_name(o, idx); idx++)
		if (*value_name(o, idx) && strcmp(value_name(o, idx), arg) == 0)
			return (int)idx;
	return -1;
}

/* A list given to an option that takes one value (README: bench runs
 * lists of --backend and --threads only). */
static int one_value(const struct bench_opt *o, const char *arg)
{
	return opt_error(o->name,
			 "takes one value, got the list '%s' (bench runs lists only for "
			 "--backend and --threads; scripts/sweep crosses lists of any option)",
			 arg);
}

int opt_apply(const struct bench_opt *o, const char *arg)
{
	char names[512];
	uint64_t v;

	if (arg && o->list == OPT_ONE && (o->choices || o->choice) && strchr(arg, ',') &&
	    enum_index(o, arg) < 0)
		return one_value(o, arg);
	if (o->parse)
		return o->parse(o, arg);
	switch (o->type) {
	case OPT_FLAG:
		*(bool *)o->dest = true;
		return 0;
	case OPT_ACTION:
		return 0;
	case OPT_UINT:
		if (opt_parse_u64(o->name, arg, o->min, o->max, &v))
			return -1;
		*(unsigned *)o->dest = (unsigned)v;
		return 0;
	case OPT_U64:
		return opt_parse_u64(o->name, arg, o->min, o->max, (uint64_t *)o->dest);
	case OPT_DOUBLE:
		return opt_parse_double(o->name, arg, o->dmin, o->dmax, (double *)o->dest);
	case OPT_DURATION:
		return parse_ns(o->name, arg, o->unit, o->max, (uint64_t *)o->dest);
	case OPT_ENUM: {
		int i = enum_index(o, arg);
		if (i < 0)
			return opt_error(o->name, "expected %s, got '%s'",
					 opt_choices_text(o, names, sizeof(names)), arg);
		*(int *)o->dest = i;
		return 0;
	}
	case OPT_STRING:
		if (!*arg)
			return opt_error(o->name, "empty value");
		if ((o->choices || o->choice) && enum_index(o, arg) < 0)
			return opt_error(o->name, "unknown value '%s' (one of: %s)", arg,
					 opt_choices_text(o, names, sizeof(names)));
		*(const char **)o->dest = arg;
		return 0;
	}
	return opt_error(o->name, "option of unknown type");
}

void opt_record(struct json *js, const struct bench_opt *o)
{
	if (o->record) {
		o->record(js, o);
		return;
	}
	switch (o->type) {
	case OPT_FLAG:
		json_bool(js, o->json, *(const bool *)o->dest);
		break;
	case OPT_UINT:
		json_u64(js, o->json, *(const unsigned *)o->dest);
		break;
	case OPT_U64:
	case OPT_DURATION:
		json_u64(js, o->json, *(const uint64_t *)o->dest);
		break;
	case OPT_DOUBLE:
		json_double(js, o->json, *(const double *)o->dest);
		break;
	case OPT_ENUM:
		json_str(js, o->json, value_name(o, (unsigned)*(const int *)o->dest));
		break;
	case OPT_STRING: {
		const char *s = *(const char *const *)o->dest;
		if (s)
			json_str(js, o->json, s);
		else
			json_null(js, o->json);
		break;
	}
	case OPT_ACTION:
		break;
	}
}

const char *opt_type_name(enum opt_type t)
{
	static const char *const names[] = {
	    [OPT_FLAG] = "flag", [OPT_ACTION] = "action", [OPT_UINT] = "unsigned",
	    [OPT_U64] = "u64",	 [OPT_DOUBLE] = "double", [OPT_DURATION] = "duration",
	    [OPT_ENUM] = "enum", [OPT_STRING] = "string",
	};
	return names[t];
}

const char *opt_list_name(enum opt_list l)
{
	return l == OPT_SWEEP ? "sweep" : l == OPT_COMMAS ? "commas" : "no";
}
