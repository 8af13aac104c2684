/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workloads' plan (struct wl_plan, workloads/workload.h), built once
 * from the parsed command line: --backend (or the workload's default)
 * resolved to store ops, thread counts, durations, seed, flags.
 */
#ifndef LB_BENCH_RUN_PLAN_H
#define LB_BENCH_RUN_PLAN_H

#include "../workloads/workload.h"

/* Fills *plan for workload wl from bench_cfg. Returns 0, or -1 after one
 * message on stderr (bad input: exit status 2). Context: main thread,
 * after options_parse(). */
int run_plan_build(struct wl_plan *plan, const struct workload_ops *wl);

#endif
