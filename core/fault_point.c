/* SPDX-License-Identifier: BSD-2-Clause */
#include "fault_point.h"

#include <time.h>

_Atomic int lb_fault_armed;

/* A note for whoever reads a backtrace or a debugger: where it stopped. */
static const char *volatile lb_fault_stopped_at;

void lb_fault_stop_here(const char *where)
{
	lb_fault_stopped_at = where;
	for (;;) {
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
	}
}
