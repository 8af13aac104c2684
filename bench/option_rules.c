/* SPDX-License-Identifier: BSD-2-Clause */
/* Options that do not apply or conflict (see option_rules.h). */
#include "option_rules.h"

#include <stdio.h>
#include <string.h>

#include "options.h"

/* Pairs that contradict each other, whatever the workload. */
static const struct conflict {
	const char *a, *b, *why;
} conflicts[] = {
    {"ops", "duration", "a run is either a fixed count of ops or a fixed time"},
    {"ops", "warmup", "a fixed-count run has no warm-up: it is timed from the start"},
};

int option_rules_check(const struct workload_ops *w)
{
	for (const struct wl_refused_opt *r = w->refuses; r && r->option; r++) {
		if (options_given(r->option)) {
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
