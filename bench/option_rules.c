/* SPDX-License-Identifier: BSD-2-Clause */
/* Options that do not apply or conflict (see option_rules.h). */
#include "option_rules.h"

#include <stdio.h>
#include <string.h>

#include "options.h"

/* The injection workloads size and run themselves like vgic_lpi_stress. */
#define INJECTION_RULES(wl)                                                                        \
	{wl, "threads",                                                                            \
	 "it starts its own threads: --vcpus vCPU threads plus one injector per --devices"},       \
	    {wl, "ops", "its work is fixed by --devices, --events and --iterations (-i)"},         \
	{                                                                                          \
		wl, "warmup", "its injections are measured from the first, as vgic_lpi_stress's"   \
	}

static const struct rule {
	const char *workload;
	const char *option;
	const char *instead;
} not_for[] = {
    INJECTION_RULES("lpi-stress"),
    INJECTION_RULES("its-churn"),
    {"race", "threads", "each scenario starts the threads its race needs"},
    {"race", "backend", "each scenario models the store its race needs (see --variant)"},
    {"race", "ops", "its rounds are bounded by --rounds and --duration"},
    {"race", "warmup", "every round of a replay counts"},
};

/* Pairs that contradict each other, whatever the workload. */
static const struct conflict {
	const char *a, *b, *why;
} conflicts[] = {
    {"ops", "duration", "a run is either a fixed count of ops or a fixed time"},
    {"ops", "warmup", "a fixed-count run has no warm-up: it is timed from the start"},
};

int option_rules_check(const struct workload_ops *w)
{
	for (size_t i = 0; i < sizeof(not_for) / sizeof(not_for[0]); i++) {
		const struct rule *r = &not_for[i];
		if (strcmp(r->workload, w->name) == 0 && options_given(r->option)) {
			fprintf(stderr, "lpibench: --%s does not apply to workload %s: %s\n",
				r->option, w->name, r->instead);
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
		const struct conflict *c = &conflicts[i];
		if (options_given(c->a) && options_given(c->b)) {
			fprintf(stderr, "lpibench: --%s and --%s conflict: %s\n", c->a, c->b,
				c->why);
			return -1;
		}
	}
	return 0;
}
