/* SPDX-License-Identifier: BSD-2-Clause */
/* --fail-alloc: allocation fault injection per run (see faults.h). */
#include "faults.h"

#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../util/json.h"

static struct {
	bool on;
	bool percent;
	uint64_t nth;
	double pct;
	char text[32];
	uint64_t failed_base;
} flt;

static void arm(uint64_t seed)
{
	if (flt.percent)
		lb_alloc_fail_percent(flt.pct, seed);
	else
		lb_alloc_fail_nth(flt.nth);
	flt.failed_base = lb_mem_failed_total();
}

/* N or P%: two types in one value, hence its own parser. */
static int parse_fail_alloc(const struct bench_opt *o, const char *arg)
{
	size_t n = strlen(arg);
	if (n >= sizeof(flt.text))
		return opt_error(o->name, "expected N (the Nth allocation) or P%% (0 < P <= "
					  "100), got a value too long");
	char num[sizeof(flt.text)];
	memcpy(num, arg, n + 1);
	if (n && num[n - 1] == '%') {
		num[n - 1] = 0;
		double pct;
		if (opt_parse_double(o->name, num, 0, 100, &pct))
			return -1;
		if (!(pct > 0))
			return opt_error(o->name, "%s: the percentage must be above 0", arg);
		flt.percent = true;
		flt.pct = pct;
	} else {
		uint64_t v;
		if (opt_parse_u64(o->name, arg, 1, UINT64_MAX / 2, &v))
			return -1;
		flt.percent = false;
		flt.nth = v;
	}
	memcpy(flt.text, arg, n + 1);
	flt.on = true;
	arm(1); /* until the driver arms it per run (faults.h) */
	return 0;
}

/* The setting as given, or null when off. */
static void record_fail_alloc(struct json *js, const struct bench_opt *o)
{
	if (flt.on)
		json_str(js, o->json, flt.text);
	else
		json_null(js, o->json);
}

const struct bench_opt fault_opts[] = {
    {.name = "fail-alloc",
     .type = OPT_STRING,
     .metavar = "N|P%",
     .def = "off",
     .json = "fail_alloc",
     .help = "fail the Nth allocation of each run, or each with probability P% (tests -ENOMEM "
	     "handling; counting starts after set-up)",
     .parse = parse_fail_alloc,
     .record = record_fail_alloc},
    {0},
};

bool faults_enabled(void)
{
	return flt.on;
}

const char *faults_desc(void)
{
	return flt.on ? flt.text : NULL;
}

void faults_setup_begin(void)
{
	if (flt.on)
		lb_alloc_fail_nth(0);
}

void faults_run_begin(uint64_t seed)
{
	if (flt.on)
		arm(seed);
}

uint64_t faults_run_end(void)
{
	if (!flt.on)
		return 0;
	lb_alloc_fail_nth(0); /* off: also clears a percentage */
	return lb_mem_failed_total() - flt.failed_base;
}

void faults_reset(void)
{
	if (flt.on)
		lb_alloc_fail_nth(0);
	memset(&flt, 0, sizeof(flt));
}
