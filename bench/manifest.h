/* SPDX-License-Identifier: BSD-2-Clause */
/* The manifest: everything needed to know where and how a result was made. */
#ifndef LB_MANIFEST_H
#define LB_MANIFEST_H

#include <stdbool.h>

#include "../util/json.h"

struct manifest {
	char host[128];
	char cpu_model[160];
	char kernel[160];
	unsigned cpus_online; /* CPUs this process may run on */
};

void manifest_collect(struct manifest *m);
/* Writes the "manifest" object; threads decides "oversubscribed". */
void manifest_write(struct json *js, const struct manifest *m, unsigned threads);
/* Prints the version and build facts (bench --version). */
void manifest_print_version(FILE *out);

#endif
