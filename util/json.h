/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writing JSON, through libjansson (Debian's libjansson-dev): the calls
 * below build a document member by member, in order (`key` is NULL inside
 * arrays), and the end of the outermost object or array writes it to the
 * FILE, indented. Every string goes out as valid, escaped UTF-8: bytes that
 * are not UTF-8 (a path from the command line, say) become U+FFFD.
 * Non-finite doubles are written as null; integers above INT64_MAX (which
 * JSON parsers and jansson hold as doubles) as numbers with 17 significant
 * digits.
 *
 * Context: one thread per struct json.
 */
#ifndef LB_JSON_H
#define LB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	void *open[JSON_MAX_DEPTH]; /* json_t containers being filled */
	bool failed;		    /* out of memory: nothing more is added */
};

void json_init(struct json *js, FILE *f);
void json_obj_begin(struct json *js, const char *key);
void json_obj_end(struct json *js);
void json_arr_begin(struct json *js, const char *key);
void json_arr_end(struct json *js);
void json_str(struct json *js, const char *key, const char *v);
void json_u64(struct json *js, const char *key, uint64_t v);
void json_i64(struct json *js, const char *key, int64_t v);
void json_double(struct json *js, const char *key, double v);
void json_bool(struct json *js, const char *key, bool v);
/* Named lb_json_null in the object code: libjansson exports json_null(). */
#define json_null(js, key) lb_json_null(js, key)
void lb_json_null(struct json *js, const char *key);
/* A value already in JSON form (e.g. rendered earlier by this writer). */
void json_raw(struct json *js, const char *key, const char *text);
/* A u64 counter that may be absent (UINT64_MAX): absent is written as null. */
void json_u64_or_null(struct json *js, const char *key, uint64_t v);

/* s with every byte that is not part of a valid UTF-8 sequence replaced by
 * U+FFFD; malloc'd, NULL if out of memory. */
char *json_utf8_clean(const char *s);

#endif
