/* SPDX-License-Identifier: BSD-2-Clause */
#include "result_status.h"

#include <stdio.h>

static const char *const names[RESULT_STATUS_NR] = {
    [RESULT_OK] = "ok",
    [RESULT_INTERRUPTED] = "interrupted",
    [RESULT_STALLED] = "stalled",
    [RESULT_FAILED_VERIFICATION] = "failed_verification",
    [RESULT_INCOMPLETE_WINDOW] = "incomplete_window",
    [RESULT_TOO_SHORT] = "too_short",
};

const char *result_status_name(enum result_status s)
{
	return (unsigned)s < RESULT_STATUS_NR ? names[s] : "unknown";
}

enum result_status result_status_decide(const struct result_status_in *in, char *reason, size_t len)
{
	if (in->interrupted) {
		snprintf(reason, len, "SIGINT or SIGTERM arrived during the run: partial");
		return RESULT_INTERRUPTED;
	}
	if (in->stalled) {
		snprintf(reason, len, "no worker made progress for %g s (watchdog)", in->stall_s);
		return RESULT_STALLED;
	}
	if (in->timed_out) {
		snprintf(reason, len, "the quota was not done within %g s", in->timeout_s);
		return RESULT_STALLED;
	}
	if (!in->verified) {
		snprintf(reason, len, "verification failed: %s",
			 in->verify_msg ? in->verify_msg : "");
		return RESULT_FAILED_VERIFICATION;
	}
	if (in->outside_window) {
		snprintf(reason, len,
			 "%u of %u workers never ran while the measured window was open",
			 in->outside_window, in->threads);
		return RESULT_INCOMPLETE_WINDOW;
	}
	double floor_s =
	    in->min_window_s > RESULT_MIN_WINDOW_S ? in->min_window_s : RESULT_MIN_WINDOW_S;
	if (in->window_s < floor_s) {
		snprintf(reason, len, "measured window %.3g ms, shorter than %g ms%s%s",
			 in->window_s * 1e3, floor_s * 1e3, in->min_window_why ? ": " : "",
			 in->min_window_why ? in->min_window_why : "");
		return RESULT_TOO_SHORT;
	}
	if (len)
		reason[0] = 0;
	return RESULT_OK;
}
