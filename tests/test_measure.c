/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Measurement options (measure_opts) and the JSON members the driver
 * writes from measurement results: option values land in measure_cfg,
 * bad values are refused, unavailable data is null (never 0).
 */
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "bench/measure.h"
#include "bench/measure_report.h"
#include "util/stats.h"
#include "check.h"

static int apply(const char *name, const char *arg)
{
	for (const struct bench_opt *o = measure_opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return opt_apply(o, arg);
	CHECKF(0, "no option --%s", name);
	return -2;
}

static void test_options(void)
{
	CHECK(measure_cfg.clock == CLK_AUTO && measure_cfg.sample_auto);
	CHECK(measure_cfg.interval_ms == 0 && measure_cfg.until_ci_pct == 0);
	CHECK(apply("clock", "gettime") == 0 && measure_cfg.clock == CLK_GETTIME);
	CHECK(apply("clock", "sundial") == -1 && measure_cfg.clock == CLK_GETTIME);
	CHECK(apply("sample", "16") == 0 && !measure_cfg.sample_auto &&
	      measure_cfg.sample_every == 16);
	CHECK(measure_sample_n(100) == 16);
	CHECK(apply("sample", "off") == 0 && measure_cfg.sample_every == 0);
	CHECK(apply("sample", "-3") == -1);
	CHECK(apply("sample", "auto") == 0 && measure_cfg.sample_auto);
	CHECK(apply("perf", "off") == 0 && measure_cfg.perf == PERF_MODE_OFF);
	CHECK(apply("perf", "maybe") == -1);
	CHECK(apply("perf", "auto") == 0 && measure_cfg.perf == PERF_MODE_AUTO);
	CHECK(apply("until-ci", "2.5") == 0 && measure_cfg.until_ci_pct == 2.5);
	CHECK(apply("until-ci", "200") == -1);
	CHECK(apply("max-runs", "7") == 0 && measure_cfg.max_runs == 7);
	CHECK(apply("max-runs", "0") == -1);
	CHECK(apply("interval", "100") == 0 && measure_cfg.interval_ms == 100);
	CHECK(apply("interval", "0.5s") == 0 && measure_cfg.interval_ms == 500);
	CHECK(apply("interval", "100us") == -1);
	CHECK(apply("interval", "0") == 0 && measure_cfg.interval_ms == 0);
	for (const struct bench_opt *o = measure_opts; o->name; o++)
		CHECK(o->help && o->json && o->type != OPT_FLAG && o->type != OPT_ACTION);
}

static int balanced(const char *s)
{
	int depth = 0, in_str = 0;
	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				in_str = 0;
			continue;
		}
		if (*s == '"')
			in_str = 1;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			depth--;
		if (depth < 0)
			return 0;
	}
	return depth == 0;
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json js;
	static struct samp_thread s;
	struct perf_result pr;
	struct env_info env;
	const double runs[] = {100, 104, 98, 101, 99};
	const uint64_t per_thread[] = {10, 10, 20};

	measure_cfg.clock = CLK_AUTO;
	CHECK(measure_setup(true) == 0);
	samp_thread_init(&s, 1, 1);
	samp_record(&s, SAMP_OP_GET, 0, 100);
	samp_record(&s, SAMP_OP_GET, 0, 200);
	perf_force_unavailable(true);
	perf_thread_start();
	perf_thread_stop(&pr);
	perf_force_unavailable(false);
	env_collect(&env);

	json_init(&js, f);
	json_obj_begin(&js, NULL);
	measure_json_clock(&js, "clock");
	measure_json_env(&js, "env", &env);
	measure_json_latency(&js, "latency", &s, 1);
	measure_json_perf(&js, "perf", &pr, 1000);
	measure_json_runs(&js, "runs", runs, 5, 1);
	measure_json_runs(&js, "one_run", runs, 1, 1);
	measure_json_fairness(&js, "fairness", per_thread, 3);
	json_obj_end(&js);
	fclose(f);

	CHECK(balanced(buf));
	CHECK(strstr(buf, "\"p99_9_ns\": ") != NULL);
	CHECK(strstr(buf, "\"get\": {") != NULL && strstr(buf, "\"put\": {") == NULL);
	CHECK(strstr(buf, "\"buckets\": [") != NULL);
	CHECK(strstr(buf, "\"value\": null") != NULL); /* forced-unavailable perf */
	CHECK(strstr(buf, "\"state\": \"unavailable: forced") != NULL);
	CHECK(strstr(buf, "\"ci95_lo\": ") != NULL && strstr(buf, "\"jain\": ") != NULL);
	CHECK(strstr(buf, "\"read_cost_ns\": ") != NULL);
	if (getenv("LB_TEST_DUMP"))
		fputs(buf, stdout);
	free(buf);
}

int main(void)
{
	test_options();
	test_json();
	return check_exit("test_measure");
}
