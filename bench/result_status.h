/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A run's validity: one status and a one-line reason, decided once from
 * what the driver saw, written into the run's JSON and runs.csv, and the
 * only thing readers (the repetitions' summary, scripts/) go by. Only
 * RESULT_OK results are numbers bench stands behind.
 *
 * Precedence, first match wins: interrupted (a signal cut it short),
 * stalled (the watchdog stopped it, or a quota run did not finish),
 * failed_verification (the workload's invariants broke), incomplete_window
 * (a worker never ran while the measured window was open), too_short (a
 * window too short for its rate to mean much), ok.
 */
#ifndef LB_RESULT_STATUS_H
#define LB_RESULT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum result_status {
	RESULT_OK,
	RESULT_INTERRUPTED,
	RESULT_STALLED,
	RESULT_FAILED_VERIFICATION,
	RESULT_INCOMPLETE_WINDOW,
	RESULT_TOO_SHORT,
	RESULT_STATUS_NR
};

/* A measured window shorter than this is too short: timer resolution,
 * thread start-up and the first cache misses weigh on it too much. */
#define RESULT_MIN_WINDOW_S 0.01

/* What the driver saw of one run. */
struct result_status_in {
	bool interrupted;
	bool stalled;	/* the watchdog stopped it */
	double stall_s; /* --watchdog, for the reason */
	bool timed_out; /* a quota run did not finish in time */
	double timeout_s;
	bool verified;
	const char *verify_msg;
	unsigned outside_window; /* workers that never saw the window */
	unsigned threads;
	double window_s;
	/* The workload's own floor for a window that means something (0:
	 * RESULT_MIN_WINDOW_S), and why (lpi-stress: ten scheduler ticks). */
	double min_window_s;
	const char *min_window_why;
};

/* "ok", "interrupted", "stalled", "failed_verification",
 * "incomplete_window", "too_short". */
const char *result_status_name(enum result_status s);

/* The status of a run, and why (reason: "" when ok). */
enum result_status result_status_decide(const struct result_status_in *in, char *reason,
					size_t len);

#endif
