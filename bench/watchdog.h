/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The run watchdog (--watchdog=S): a run whose workers stop making
 * progress (deadlock, livelock, a lost unlock) is stopped and reported
 * instead of hanging a sweep.
 *
 * Rule: the run is stalled when no worker still in its loop has advanced
 * its progress counter for S seconds. Workers that left their loop (quota
 * done, run stopped) are never stuck: they call watchdog_worker_done().
 * So a whole-run deadlock is caught S seconds after it starts, and a
 * partial one (two workers stuck, the others fine) at the latest S seconds
 * after the healthy workers have stopped at the end of the run, instead of
 * the driver waiting forever to join the stuck ones.
 *
 * On a stall the watchdog thread reports, on stderr, every worker still in
 * its loop: index, last progress, for how long, and where: the string the
 * worker last published with watchdog_note() if any, and its backtrace
 * (pthread_kill(SIGUSR1); the handler prints backtrace_symbols_fd() to
 * stderr; frames are symbolised only for exported symbols: resolve the
 * others with addr2line -e BINARY OFFSET). Then it calls the driver's stop
 * callback once. The driver must then not join or tear down what stuck
 * workers may still touch: it writes the result marked stalled and exits.
 *
 * Driver sequence, per run:
 *   watchdog_start(nr, progress, stop_cb, arg, 0)   before creating workers
 *   worker i: watchdog_worker_begin(i) first, watchdog_worker_done(i)
 *             when it leaves its loop
 *   main: its waits also end when stop_cb has fired; then, if
 *   watchdog_stop() returns true: join only the workers that are not
 *   watchdog_worker_stuck(i), write the result marked stalled, exit 1.
 *
 * Context: start/stop/stalled/write on the driver's main thread;
 * worker_begin/note/done on each worker; the stop callback runs on the
 * watchdog thread. Progress counters are read with relaxed loads.
 */
#ifndef LB_WATCHDOG_H
#define LB_WATCHDOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/option.h"

struct json;

/* --watchdog=S (seconds, fractions allowed; 0 or absent: off). */
extern const struct bench_opt watchdog_opts[];
double watchdog_seconds(void);

typedef void (*watchdog_stop_fn)(void *arg);

/*
 * Starts watching one run of nr workers, before they are created:
 * progress[i] is worker i's op counter (the array is copied). stop(arg) is
 * called once, from the watchdog thread, when a stall is declared. seconds
 * overrides --watchdog when > 0 (tests). Each worker's clock starts at
 * watchdog_worker_begin(). Returns 0 (also when the watchdog is off:
 * nothing starts), or -1 with a message if the thread could not be started
 * (the run goes on unwatched).
 */
int watchdog_start(unsigned nr, _Atomic uint64_t *const *progress, watchdog_stop_fn stop, void *arg,
		   double seconds);
/* Only workers [0, nr) move the measured work (lpi-stress: the injectors,
 * not the vCPUs, whose polls advance their counters while the injectors
 * are stuck): while any of them is in its loop, only their progress
 * counts. Once they are all done, every worker still running counts.
 * Call after watchdog_start(); nr >= the run's workers: all count. */
void watchdog_measured(unsigned nr);
/* First thing in worker i: ties the calling thread to slot i (for its
 * backtrace) and starts its clock. */
void watchdog_worker_begin(unsigned i);
/* Publishes what the calling worker is doing (static storage string);
 * reported if it gets stuck. One relaxed store; a no-op when unwatched. */
void watchdog_note(const char *where);
/* Worker i left its loop: never reported as stuck. */
void watchdog_worker_done(unsigned i);
/* Stops the watchdog thread (joined). Returns true if it declared a stall. */
bool watchdog_stop(void);
/* After a stall: whether worker i was reported stuck. */
bool watchdog_stalled(void);
bool watchdog_worker_stuck(unsigned i);
/* Object "watchdog": seconds, stalled, stuck workers (worker, progress,
 * stuck_s, where). */
void watchdog_write_json(struct json *js);
/* One line per stuck worker, for the summary. */
void watchdog_print(FILE *out);

#endif
