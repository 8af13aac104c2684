/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The libjansson calls util/json.c builds documents with, behind names of
 * our own: jansson's json_null() and the writer's json_null() cannot share
 * a translation unit. Values are opaque json_t pointers; NULL means out
 * of memory (or, for jt_string, not valid UTF-8).
 */
#ifndef LB_JSON_TREE_H
#define LB_JSON_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void *jt_object(void);
void *jt_array(void);
void *jt_string(const char *s);
void *jt_int(int64_t v);
void *jt_real(double v);
void *jt_bool(bool v);
void *jt_null(void);
/* A value parsed from JSON text; NULL if the text is not one JSON value. */
void *jt_parse(const char *text);
bool jt_is_object(const void *v);
/* Adds v to an object (under key) or an array, taking v's reference.
 * Returns 0 or -1. */
int jt_add(void *container, const char *key, void *v);
void jt_incref(void *v);
void jt_decref(void *v);
/* Writes v, indented, reals with `digits` significant digits. */
void jt_dump(const void *v, FILE *f, int digits);

#endif
