/* SPDX-License-Identifier: BSD-2-Clause */
/* --inject: results in the states readers must recognise (see inject.h). */
#include "inject.h"

#include <signal.h>
#include <string.h>

#include "../core/fault_point.h"

enum inject_kind { INJ_NONE, INJ_OUTSIDE_WINDOW, INJ_INTERRUPT, INJ_STALL_CACHE };

static const char *const kind_names[] = {"", "outside-window", "interrupt", "stall-cache"};

static enum inject_kind kind;

static int set_inject(const char *arg)
{
	for (unsigned k = INJ_OUTSIDE_WINDOW; k <= INJ_STALL_CACHE; k++) {
		if (strcmp(arg, kind_names[k]) == 0) {
			kind = (enum inject_kind)k;
			return 0;
		}
	}
	return opt_error("inject", "'%s': expected outside-window, interrupt or stall-cache", arg);
}

const struct bench_opt inject_opts[] = {
    {"inject", 0, true, "KIND",
     "end each run in a state result readers must recognise (tests): outside-window, "
     "interrupt, stall-cache (with --watchdog)",
     set_inject, NULL},
    {0},
};

bool inject_outside_window(unsigned id, unsigned nr)
{
	return kind == INJ_OUTSIDE_WINDOW && nr && id == nr - 1;
}

void inject_window_open(void)
{
	if (kind == INJ_INTERRUPT)
		raise(SIGINT);
}

void inject_run_begin(void)
{
	if (kind == INJ_STALL_CACHE)
		atomic_store(&lb_fault_armed, LB_FAULT_CACHE);
}

void inject_run_end(void)
{
	atomic_store(&lb_fault_armed, LB_FAULT_NONE);
}

const char *inject_name(void)
{
	return kind_names[kind];
}
