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
/* A workload's note on how it stands in for the kernel (e.g. which syscall
 * replaces an ioctl), written under the manifest's "model" object. Keys and
 * values must outlive the run (string literals); a key noted again is
 * replaced. At most 8. Context: main thread, during set-up. */
void manifest_note(const char *key, const char *value);
/* Prints the version and build facts (bench --version). */
void manifest_print_version(FILE *out);

#endif
