/* SPDX-License-Identifier: BSD-2-Clause */
/* libjansson behind names of our own (see json_tree.h). */
#include "json_tree.h"

#include <jansson.h>

void *jt_object(void)
{
	return json_object();
}

void *jt_array(void)
{
	return json_array();
}

void *jt_string(const char *s)
{
	return json_string(s);
}

void *jt_int(int64_t v)
{
	return json_integer((json_int_t)v);
}

void *jt_real(double v)
{
	return json_real(v);
}

void *jt_bool(bool v)
{
	return json_boolean(v);
}

void *jt_null(void)
{
	return json_null();
}

void *jt_parse(const char *text)
{
	return json_loads(text, JSON_DECODE_ANY, NULL);
}

bool jt_is_object(const void *v)
{
	return json_is_object((const json_t *)v);
}

int jt_add(void *container, const char *key, void *v)
{
	json_t *c = container;
	return json_is_object(c) ? json_object_set_new(c, key ? key : "", v)
				 : json_array_append_new(c, v);
}

void jt_incref(void *v)
{
	json_incref(v);
}

void jt_decref(void *v)
{
	json_decref(v);
}

void jt_dump(const void *v, FILE *f, int digits)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_REAL_PRECISION(digits) | JSON_ENCODE_ANY);
}
