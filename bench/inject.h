/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --inject=KIND: make a run end in one of the states a reader of results
 * must recognise, through the real code paths, so tests can have bench
 * itself write such results instead of hand-made files:
 *   outside-window  the last worker waits for the measured window to close
 *                   before its first op (a timed run; as on a host so
 *                   loaded that a thread never got a CPU in the window)
 *   interrupt       the driver raises SIGINT once the window is open
 *   stall-cache     the first translation-cache lookup stops for good
 *                   with the cache's lock held (core/fault_point.h);
 *                   needs --watchdog to end the run
 * Context: main thread, except inject_outside_window (workers, read-only).
 */
#ifndef LB_INJECT_H
#define LB_INJECT_H

#include <stdbool.h>

#include "../util/option.h"

extern const struct bench_opt inject_opts[];

/* Worker id of nr whose first op waits for the window to close. */
bool inject_outside_window(unsigned id, unsigned nr);
/* The measured window just opened: raise SIGINT if asked. */
void inject_window_open(void);
/* The workers are about to start: arm the fault points asked for. */
void inject_run_begin(void);
/* The workers are joined (or stuck): disarm. */
void inject_run_end(void);
/* "" or the --inject value, for the params. */
const char *inject_name(void);

#endif
