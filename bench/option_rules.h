/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Options that do not apply, or contradict each other, are errors: a run
 * that silently ignores --threads or replaces -i with --ops measures
 * something other than what its command line says. Checked once, after
 * parsing, against the selected workload.
 */
#ifndef LB_OPTION_RULES_H
#define LB_OPTION_RULES_H

#include "../workloads/workload.h"

/* 0, or -1 with one line on stderr naming the option and what the
 * workload uses instead (the driver then exits with status 2). */
int option_rules_check(const struct workload_ops *w);

#endif
