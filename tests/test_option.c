/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One typed option row (bench/option.h), parsed and recorded by type: each
 * type stores what it should where it should, refuses what is out of
 * range or not a choice and then leaves the destination as it was, and
 * records the value the way the result's "params" shows it. The command
 * line over all tables is tests/test_options.sh's.
 */
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/option.h"
#include "check.h"

enum colour { RED, GREEN, BLUE };

static bool flag;
static unsigned count = 3;
static uint64_t big = 7;
static double ratio = 0.5;
static uint64_t wait_ns;
static enum colour colour = GREEN;
static const char *name;

static const char *const colours[] = {"red", "green", "blue", NULL};
static const char *const sparse[] = {"", "one", "two", NULL};
static const char *fruit(unsigned i)
{
	static const char *const f[] = {"apple", "pear"};
	return i < 2 ? f[i] : NULL;
}

static const struct bench_opt rows[] = {
    {.name = "flag", .type = OPT_FLAG, .dest = &flag, .json = "flag"},
    {.name = "count", .type = OPT_UINT, .dest = &count, .min = 1, .max = 10, .json = "count"},
    {.name = "big", .type = OPT_U64, .dest = &big, .min = 0, .max = UINT64_MAX, .json = "big"},
    {.name = "ratio", .type = OPT_DOUBLE, .dest = &ratio, .dmin = 0, .dmax = 1, .json = "ratio"},
    {.name = "wait",
     .type = OPT_DURATION,
     .dest = &wait_ns,
     .max = 1000000000,
     .unit = "us",
     .json = "wait_ns"},
    {.name = "colour",
     .type = OPT_ENUM,
     .dest = OPT_ENUM_DEST(colour),
     .choices = colours,
     .json = "colour"},
    {.name = "name", .type = OPT_STRING, .dest = &name, .choice = fruit, .json = "name"},
};

static const struct bench_opt *row(const char *n)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i].name, n) == 0)
			return &rows[i];
	abort();
}

/* The row's record as JSON text, e.g. "colour": "blue". */
static const char *record(const char *n)
{
	static char out[128];
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct json js;
	json_init(&js, mem);
	json_obj_begin(&js, NULL);
	opt_record(&js, row(n));
	json_obj_end(&js);
	fclose(mem);
	/* The member alone: the object's one line between its braces. */
	const char *p = buf ? strchr(buf, '"') : NULL;
	size_t k = 0;
	while (p && *p && *p != '\n' && k + 1 < sizeof(out))
		out[k++] = *p++;
	while (k && (out[k - 1] == ',' || out[k - 1] == ' '))
		k--;
	out[k] = 0;
	free(buf);
	return out;
}

static void test_types(void)
{
	CHECK(opt_apply(row("flag"), NULL) == 0 && flag);
	CHECK(strcmp(record("flag"), "\"flag\": true") == 0);

	CHECK(opt_apply(row("count"), "10") == 0 && count == 10);
	CHECK(opt_apply(row("count"), "11") == -1 && count == 10);
	CHECK(opt_apply(row("count"), "0") == -1 && opt_apply(row("count"), "-1") == -1);
	CHECK(opt_apply(row("count"), "3x") == -1 && opt_apply(row("count"), "") == -1);
	CHECK(strcmp(record("count"), "\"count\": 10") == 0);

	CHECK(opt_apply(row("big"), "18446744073709551615") == 0 && big == UINT64_MAX);
	CHECK(opt_apply(row("big"), "18446744073709551616") == -1 && big == UINT64_MAX);

	CHECK(opt_apply(row("ratio"), "0.25") == 0 && ratio == 0.25);
	CHECK(opt_apply(row("ratio"), "1.5") == -1 && opt_apply(row("ratio"), "nan") == -1);
	CHECK(opt_apply(row("ratio"), "inf") == -1 && ratio == 0.25);
	CHECK(strcmp(record("ratio"), "\"ratio\": 0.25") == 0);

	CHECK(opt_apply(row("wait"), "3") == 0 && wait_ns == 3000); /* bare: us */
	CHECK(opt_apply(row("wait"), "2ms") == 0 && wait_ns == 2000000);
	CHECK(opt_apply(row("wait"), "1s") == 0 && wait_ns == 1000000000);
	CHECK(opt_apply(row("wait"), "2s") == -1 && wait_ns == 1000000000); /* over max */
	CHECK(opt_apply(row("wait"), "5 parsecs") == -1 && opt_apply(row("wait"), "-1") == -1);
	CHECK(strcmp(record("wait"), "\"wait_ns\": 1000000000") == 0);

	CHECK(opt_apply(row("colour"), "blue") == 0 && colour == BLUE);
	CHECK(opt_apply(row("colour"), "mauve") == -1 && colour == BLUE);
	CHECK(opt_apply(row("colour"), "red,blue") == -1 && colour == BLUE); /* one value */
	CHECK(strcmp(record("colour"), "\"colour\": \"blue\"") == 0);

	CHECK(strcmp(record("name"), "\"name\": null") == 0);
	CHECK(opt_apply(row("name"), "pear") == 0 && name && strcmp(name, "pear") == 0);
	CHECK(opt_apply(row("name"), "plum") == -1 && strcmp(name, "pear") == 0);
	CHECK(opt_apply(row("name"), "") == -1);
	CHECK(strcmp(record("name"), "\"name\": \"pear\"") == 0);
}

static void test_choices(void)
{
	struct bench_opt o = {.name = "n", .type = OPT_ENUM, .choices = sparse};
	char buf[64];
	/* "" marks a value that cannot be given: skipped in lists. */
	CHECK(strcmp(opt_choice(&o, 0), "one") == 0 && strcmp(opt_choice(&o, 1), "two") == 0);
	CHECK(opt_choice(&o, 2) == NULL);
	CHECK(strcmp(opt_choices_text(&o, buf, sizeof(buf)), "one or two") == 0);
	CHECK(strcmp(opt_choices_text(row("colour"), buf, sizeof(buf)), "red, green or blue") == 0);
	int v = 0;
	o.dest = &v;
	CHECK(opt_apply(&o, "") == -1 && opt_apply(&o, "two") == 0 && v == 2);
}

int main(void)
{
	test_types();
	test_choices();
	return check_exit("test_option");
}
