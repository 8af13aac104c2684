/* SPDX-License-Identifier: BSD-2-Clause */
/* --help and --list-options=json, both from the option rows (option.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"
#include "options.h"

/* "N", "a|b|c"...: the value's shape when the row names none. */
static const char *metavar(const struct bench_opt *o, char *buf, size_t len)
{
	if (o->metavar)
		return o->metavar;
	switch (o->type) {
	case OPT_UINT:
	case OPT_U64:
		return "N";
	case OPT_DOUBLE:
		return "X";
	case OPT_DURATION:
		return "TIME";
	case OPT_ENUM:
		buf[0] = 0;
		for (unsigned i = 0; opt_choice(o, i); i++)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "|" : "",
				 opt_choice(o, i));
		return buf;
	default:
		return "VALUE";
	}
}

/* The default for --help: the row's words, else its value before parsing
 * (strings unquoted); NULL when there is nothing worth saying. */
static const char *default_text(const struct opt_entry *e, char *buf, size_t len)
{
	const char *d = e->default_json;
	if (e->opt->def)
		return e->opt->def;
	if (!d || e->opt->type == OPT_FLAG || strcmp(d, "null") == 0 || strcmp(d, "\"\"") == 0)
		return NULL;
	size_t n = strlen(d);
	if (d[0] == '"' && n >= 2) {
		snprintf(buf, len, "%.*s", (int)(n - 2), d + 1);
		return buf;
	}
	return d;
}

static void usage_row(FILE *out, const struct opt_entry *e)
{
	const struct bench_opt *o = e->opt;
	char left[96], mv[256], def[128];
	const char *eq = o->type == OPT_FLAG || o->type == OPT_ACTION ? "" : "=";
	const char *val = *eq ? metavar(o, mv, sizeof(mv)) : "";
	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, eq, val);
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, eq, val);
	fprintf(out, "  %-30s %s", left, o->help);
	/* A registry's names, unless the metavar lists them. */
	if (o->type == OPT_STRING && o->choice && !strchr(val, '|'))
		fprintf(out, ": %s", opt_choices_text(o, mv, sizeof(mv)));
	if (o->list == OPT_SWEEP)
		fprintf(out, "; a comma list runs each");
	const char *d = default_text(e, def, sizeof(def));
	const char *unit = o->unit && o->type != OPT_DURATION && !o->def ? o->unit : "";
	if (d)
		fprintf(out, " (default %s%s%s)", d, isalpha((unsigned char)unit[0]) ? " " : "",
			unit);
	fputc('\n', out);
}

void options_usage(FILE *out)
{
	unsigned nr;
	const struct opt_entry *t = options_table(&nr);
	fprintf(out, "usage: bench [options]\n"
		     "Measures LPI-store designs of KVM's arm64 vGIC/ITS under contention.\n\n");
	for (unsigned i = 0; i < nr; i++)
		if (!t[i].workload)
			usage_row(out, &t[i]);
	/* Per workload, its whole table (shared rows under each). */
	for (const struct workload_ops *const *w = workload_registry; *w; w++) {
		if (!(*w)->opts || !(*w)->opts[0].name)
			continue;
		fprintf(out, "\nworkload %s:\n", (*w)->name);
		for (const struct bench_opt *o = (*w)->opts; o->name; o++)
			for (unsigned i = 0; i < nr; i++)
				if (strcmp(t[i].opt->name, o->name) == 0)
					usage_row(out, &t[i]);
	}
	fprintf(out, "\nOnly --backend and --threads take a comma list (bench runs each value); "
		     "scripts/sweep crosses lists of any option.\n"
		     "Exit status: 0 ok, 1 run failed (verification, watchdog), 2 bad input, "
		     "3 race detected (--workload=race).\n");
}

static void list_row(struct json *js, const struct opt_entry *e)
{
	const struct bench_opt *o = e->opt;
	char mv[256], sh[2] = {(char)o->short_name, 0};
	static const char *const recs[] = {"params", "top", "none"};

	json_obj_begin(js, NULL);
	json_str(js, "name", o->name);
	if (o->short_name)
		json_str(js, "short", sh);
	else
		json_null(js, "short");
	json_str(js, "type", opt_type_name(o->type));
	json_bool(js, "takes_value", o->type != OPT_FLAG && o->type != OPT_ACTION);
	json_str(js, "list", opt_list_name(o->list));
	if (o->type == OPT_UINT || o->type == OPT_U64) {
		json_u64(js, "min", o->min);
		json_u64(js, "max", o->max);
	} else if (o->type == OPT_DOUBLE) {
		json_double(js, "min", o->dmin);
		json_double(js, "max", o->dmax);
	} else if (o->type == OPT_DURATION) {
		json_u64(js, "min", 0);
		json_u64(js, "max", o->max); /* ns, as the record */
	} else {
		json_null(js, "min");
		json_null(js, "max");
	}
	if (o->choices || o->choice) {
		json_arr_begin(js, "choices");
		for (unsigned i = 0; opt_choice(o, i); i++)
			json_str(js, NULL, opt_choice(o, i));
		json_arr_end(js);
	} else {
		json_null(js, "choices");
	}
	if (o->type == OPT_DURATION)
		json_str(js, "unit", "ns"); /* of min, max and default; bare values: bare_unit */
	else if (o->unit)
		json_str(js, "unit", o->unit);
	else
		json_null(js, "unit");
	if (o->type == OPT_DURATION)
		json_str(js, "bare_unit", o->unit);
	if (e->default_json)
		json_raw(js, "default", e->default_json);
	else
		json_null(js, "default");
	if (o->def)
		json_str(js, "default_text", o->def);
	else
		json_null(js, "default_text");
	json_str(js, "metavar",
		 o->type == OPT_FLAG || o->type == OPT_ACTION ? "" : metavar(o, mv, sizeof(mv)));
	json_str(js, "owner", e->owner);
	if (e->workload) {
		json_arr_begin(js, "workloads");
		for (const struct workload_ops *const *w = workload_registry; *w; w++)
			if (options_workload_has(*w, o->name))
				json_str(js, NULL, (*w)->name);
		json_arr_end(js);
	} else {
		json_null(js, "workloads");
	}
	json_str(js, "record", recs[o->rec]);
	if (o->json)
		json_str(js, "json", o->json);
	else
		json_null(js, "json");
	json_str(js, "help", o->help);
	json_obj_end(js);
}

void options_list_json(FILE *out)
{
	unsigned nr;
	const struct opt_entry *t = options_table(&nr);
	struct json js;
	json_init(&js, out);
	json_obj_begin(&js, NULL);
	json_u64(&js, "schema", 1);
	json_arr_begin(&js, "options");
	for (unsigned i = 0; i < nr; i++)
		list_row(&js, &t[i]);
	json_arr_end(&js);
	json_obj_end(&js);
	fputc('\n', out);
}
