/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocation fault injection for runs: --fail-alloc=N fails the Nth
 * allocation of each run, --fail-alloc=P% fails each allocation with
 * probability P/100 (seeded from the run's seed). Every allocation of the
 * store, the irqs, the translation caches and the ITS model goes through
 * lb_zalloc (core/alloc.h), so each site meets its -ENOMEM path.
 *
 * Counting starts at faults_run_begin(): after the workload's set-up,
 * before the workers start, so N indexes the allocations of the measured
 * run (set-up failures would only turn into exit status 2, which tells
 * nothing about a structure's -ENOMEM handling), and stops at
 * faults_run_end() (after the workers are joined), so verification and
 * teardown allocate normally. Driver sequence, per run:
 *   faults_setup_begin()          before the store is created
 *   faults_run_begin(seed)        after set-up, before the workers start
 *   n = faults_run_end()          after the workers are joined
 * Until the driver calls them, the option arms the injection when it is
 * parsed, counting from there (set-up included).
 *
 * Context: main thread; the run functions while no worker runs.
 */
#ifndef LB_FAULTS_H
#define LB_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/option.h"

struct json;

/* --fail-alloc */
extern const struct bench_opt fault_opts[];

/* True when --fail-alloc was given. */
bool faults_enabled(void);
/* "N", "P%" as given, or NULL. */
const char *faults_desc(void);
/* Set-up allocates normally: disarms until faults_run_begin(). */
void faults_setup_begin(void);
/* Arms the injection for one run; counting starts now. */
void faults_run_begin(uint64_t seed);
/* Disarms; returns the allocations that failed since faults_run_begin()
 * (injected, and real ones if any). */
uint64_t faults_run_end(void);
/* Forget the option (tests, fuzzing). */
void faults_reset(void);

#endif
