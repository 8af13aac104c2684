/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The result of a run cut short by a second SIGINT/SIGTERM: the first
 * signal asks the run to stop and write its (partial, marked) result; a
 * second one exits at once from the signal handler, which may be while a
 * worker is stuck or the run is still winding down. So that the run does
 * not then vanish, a small JSON saying what ran and that it was
 * interrupted is composed before the run starts, and the handler writes it
 * with open/write only (async-signal-safe) unless the full result is
 * already written.
 * Context: arm/disarm on the main thread; exit from a signal handler.
 */
#ifndef LB_PARTIAL_H
#define LB_PARTIAL_H

/* Composes the stub for one run (status "interrupted"), with the run's id
 * (run_id.h) so that it keeps the identity its full result would have had. */
void partial_arm(const char *dir, const char *backend, const char *workload, unsigned threads,
		 unsigned run, const char *run_id);
/* The run's own result is written (or the run never started). */
void partial_disarm(void);
/* Writes the stub if armed, then _exit(code). Async-signal-safe. */
void partial_exit(int code) __attribute__((noreturn));

#endif
