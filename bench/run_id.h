/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A run's stable identity: a random (version 4) UUID written into its
 * result, so that an archive importing the same file twice, or from two
 * copies of a folder, recognises the run (scripts/archive).
 */
#ifndef LB_RUN_ID_H
#define LB_RUN_ID_H

#include <stddef.h>

/* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" and its NUL. */
#define RUN_ID_LEN 37

/* Fills out with a new UUID from the kernel's random pool (getrandom(2)).
 * Returns 0, or -1 with out set to "" if no randomness could be had. */
int run_id_new(char out[RUN_ID_LEN]);

#endif
