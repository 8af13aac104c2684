/* SPDX-License-Identifier: BSD-2-Clause */
/* JSON through libjansson (see json.h, json_tree.h). */
#include "json.h"

#include "json_tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Same precision the results always had. */
#define JSON_DOUBLE_DIGITS 10

void json_init(struct json *js, FILE *f)
{
	memset(js, 0, sizeof(*js));
	js->f = f;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2, min = 0x80, cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, min = 0x800, cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *json_utf8_clean(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(3 * len + 1); /* each bad byte grows to 3 */
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	while (*p) {
		size_t n = utf8_seq(p);
		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	out[o] = 0;
	return out;
}

/* Writes the finished document. */
static void emit(struct json *js, void *root)
{
	if (!js->failed)
		jt_dump(root, js->f, JSON_DOUBLE_DIGITS);
	else
		fputs("null", js->f);
	fputc('\n', js->f);
	jt_decref(root);
}

/* Adds v (a new reference, may be NULL on out-of-memory) to the open
 * container, or writes it if nothing is open. */
static void add(struct json *js, const char *key, void *v)
{
	if (!v) {
		js->failed = true;
		return;
	}
	if (js->depth == 0) {
		emit(js, v);
		return;
	}
	if (jt_add(js->open[js->depth - 1], key, v))
		js->failed = true;
}

static void open_(struct json *js, const char *key, void *c)
{
	if (!c || js->depth >= JSON_MAX_DEPTH) {
		js->failed = true;
		if (c)
			jt_decref(c);
		c = jt_null(); /* a placeholder keeps begin/end balanced */
	}
	if (js->depth > 0) {
		jt_incref(c); /* one reference for the parent, one while open */
		if (jt_add(js->open[js->depth - 1], key, c))
			js->failed = true;
	}
	if (js->depth < JSON_MAX_DEPTH)
		js->open[js->depth++] = c;
}

static void close_(struct json *js)
{
	if (js->depth == 0)
		return;
	void *c = js->open[--js->depth];
	if (js->depth == 0)
		emit(js, c);
	else
		jt_decref(c);
}

void json_obj_begin(struct json *js, const char *key)
{
	open_(js, key, jt_object());
}

void json_obj_end(struct json *js)
{
	close_(js);
}

void json_arr_begin(struct json *js, const char *key)
{
	open_(js, key, jt_array());
}

void json_arr_end(struct json *js)
{
	close_(js);
}

void json_str(struct json *js, const char *key, const char *v)
{
	if (!v) {
		add(js, key, jt_null());
		return;
	}
	void *s = jt_string(v);
	if (!s) { /* not valid UTF-8 */
		char *clean = json_utf8_clean(v);
		s = clean ? jt_string(clean) : NULL;
		free(clean);
	}
	add(js, key, s);
}

void json_u64(struct json *js, const char *key, uint64_t v)
{
	add(js, key, v <= INT64_MAX ? jt_int((int64_t)v) : jt_real((double)v));
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
	add(js, key, jt_int(v));
}

void json_double(struct json *js, const char *key, double v)
{
	add(js, key, isfinite(v) ? jt_real(v) : jt_null());
}

void json_bool(struct json *js, const char *key, bool v)
{
	add(js, key, jt_bool(v));
}

void lb_json_null(struct json *js, const char *key)
{
	add(js, key, jt_null());
}

void json_raw(struct json *js, const char *key, const char *text)
{
	add(js, key, jt_parse(text));
}
