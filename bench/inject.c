/* SPDX-License-Identifier: BSD-2-Clause */
/* --inject: results in the states readers must recognise (see inject.h). */
#include "inject.h"

#include <signal.h>
#include <string.h>

#include "../core/fault_point.h"

enum inject_kind { INJ_NONE, INJ_OUTSIDE_WINDOW, INJ_INTERRUPT, INJ_STALL_CACHE };

static const char *const kind_names[] = {"none", "outside-window", "interrupt", "stall-cache",
					 NULL};

static int kind; /* enum inject_kind */

const struct bench_opt inject_opts[] = {
    {.name = "inject",
     .type = OPT_ENUM,
     .dest = &kind,
     .choices = kind_names,
     .json = "inject",
     .help = "end each run in a state result readers must recognise (tests): outside-window, "
	     "interrupt, stall-cache (with --watchdog)"},
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
