/* SPDX-License-Identifier: BSD-2-Clause */
#include "run_status.h"

#include <stdio.h>

static const char *const names[RUN_STATUS_NR] = {
    [RUN_OK] = "ok",
    [RUN_INTERRUPTED] = "interrupted",
    [RUN_STALLED] = "stalled",
    [RUN_FAILED_VERIFICATION] = "failed_verification",
    [RUN_INCOMPLETE_WINDOW] = "incomplete_window",
    [RUN_TOO_SHORT] = "too_short",
};

const char *run_status_name(enum run_status s)
{
	return (unsigned)s < RUN_STATUS_NR ? names[s] : "unknown";
}

enum run_status run_status_decide(const struct run_status_in *in, char *reason, size_t len)
{
	if (in->interrupted) {
		snprintf(reason, len, "SIGINT or SIGTERM arrived during the run: partial");
		return RUN_INTERRUPTED;
	}
	if (in->stalled) {
		snprintf(reason, len, "no worker made progress for %g s (watchdog)", in->stall_s);
		return RUN_STALLED;
	}
	if (in->timed_out) {
		snprintf(reason, len, "the quota was not done within %g s", in->timeout_s);
		return RUN_STALLED;
	}
	if (!in->verified) {
		snprintf(reason, len, "verification failed: %s",
			 in->verify_msg ? in->verify_msg : "");
		return RUN_FAILED_VERIFICATION;
	}
	if (in->outside_window) {
		snprintf(reason, len,
			 "%u of %u workers never ran while the measured window was open",
			 in->outside_window, in->threads);
		return RUN_INCOMPLETE_WINDOW;
	}
	if (in->window_s < RUN_MIN_WINDOW_S) {
		snprintf(reason, len, "measured window %.3g ms, shorter than %g ms",
			 in->window_s * 1e3, RUN_MIN_WINDOW_S * 1e3);
		return RUN_TOO_SHORT;
	}
	if (len)
		reason[0] = 0;
	return RUN_OK;
}
