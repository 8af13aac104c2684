/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small streaming JSON writer. Members are written in order; `key` is
 * NULL inside arrays. Non-finite doubles are written as null.
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
	bool need_comma[JSON_MAX_DEPTH];
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
void json_null(struct json *js, const char *key);
/* A value already in JSON form (e.g. rendered earlier by this writer). */
void json_raw(struct json *js, const char *key, const char *text);
/* A u64 counter that may be absent (UINT64_MAX): absent is written as null. */
void json_u64_or_null(struct json *js, const char *key, uint64_t v);

#endif
