/* SPDX-License-Identifier: BSD-2-Clause */
#include "json.h"

#include <inttypes.h>
#include <math.h>

void json_init(struct json *js, FILE *f)
{
	js->f = f;
	js->depth = 0;
	js->need_comma[0] = false;
}

static void put_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator, indentation and "key": for the next value. */
static void member(struct json *js, const char *key)
{
	if (js->need_comma[js->depth])
		fputc(',', js->f);
	if (js->depth > 0) {
		fputc('\n', js->f);
		for (int i = 0; i < js->depth; i++)
			fputs("  ", js->f);
	}
	js->need_comma[js->depth] = true;
	if (key) {
		put_escaped(js->f, key);
		fputs(": ", js->f);
	}
}

static void open_(struct json *js, const char *key, char c)
{
	member(js, key);
	fputc(c, js->f);
	if (js->depth + 1 < JSON_MAX_DEPTH)
		js->depth++;
	js->need_comma[js->depth] = false;
}

static void close_(struct json *js, char c)
{
	bool had = js->need_comma[js->depth];
	if (js->depth > 0)
		js->depth--;
	if (had) {
		fputc('\n', js->f);
		for (int i = 0; i < js->depth; i++)
			fputs("  ", js->f);
	}
	fputc(c, js->f);
	if (js->depth == 0)
		fputc('\n', js->f);
}

void json_obj_begin(struct json *js, const char *key)
{
	open_(js, key, '{');
}

void json_obj_end(struct json *js)
{
	close_(js, '}');
}

void json_arr_begin(struct json *js, const char *key)
{
	open_(js, key, '[');
}

void json_arr_end(struct json *js)
{
	close_(js, ']');
}

void json_str(struct json *js, const char *key, const char *v)
{
	member(js, key);
	if (v)
		put_escaped(js->f, v);
	else
		fputs("null", js->f);
}

void json_u64(struct json *js, const char *key, uint64_t v)
{
	member(js, key);
	fprintf(js->f, "%" PRIu64, v);
}

void json_u64_or_null(struct json *js, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		json_null(js, key);
	else
		json_u64(js, key, v);
}

void json_i64(struct json *js, const char *key, int64_t v)
{
	member(js, key);
	fprintf(js->f, "%" PRId64, v);
}

void json_double(struct json *js, const char *key, double v)
{
	member(js, key);
	if (isfinite(v))
		fprintf(js->f, "%.10g", v);
	else
		fputs("null", js->f);
}

void json_bool(struct json *js, const char *key, bool v)
{
	member(js, key);
	fputs(v ? "true" : "false", js->f);
}

void json_null(struct json *js, const char *key)
{
	member(js, key);
	fputs("null", js->f);
}

void json_raw(struct json *js, const char *key, const char *text)
{
	member(js, key);
	fputs(text, js->f);
}
