/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Option value parsers (option.h): strict numbers and durations, each
 * error one line naming the option.
 */
#include "option.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
