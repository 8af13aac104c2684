/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lock statistics per class, like the kernel's lock_stat, and the
 * serialisation ceiling of every global lock: a lock held h ns on average
 * and taken a times per op lets at most 1 / (h * a) ops through per
 * second, however many cores wait for it.
 * Context: main thread, after a run.
 */
#ifndef LB_LOCK_STAT_H
#define LB_LOCK_STAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/counters.h"
#include "../core/sync.h"
#include "../util/json.h"

struct lock_stat {
	uint64_t acquisitions, contentions, wait_ns, hold_samples;
	uint64_t hold_preempted; /* sampled holds left out: preempted */
	double wait_ns_avg;	 /* per contended acquisition; 0 if none */
	double hold_ns_avg;	 /* over the sampled holds, less a clock read; 0 if none */
	double per_op;		 /* acquisitions per op */
	bool global;		 /* one per VM: it serialises every core */
	double ceiling_ops_s;	 /* global with hold samples: 1 / (hold * per_op); else 0 */
};

void lock_stat_of(const struct lb_counters *c, uint64_t ops, enum lb_lock_class cls,
		  struct lock_stat *out);
/* "lock_stat": {class: {...}, ...} for the classes acquired. */
void lock_stat_json(struct json *js, const struct lb_counters *c, uint64_t ops);
/* Summary lines: per class acquired, and the ceilings. */
void lock_stat_print(FILE *o, const struct lb_counters *c, uint64_t ops, double ops_per_s);
/* Installs the lock statistics' clock (core/sync.h). */
void lock_stat_clock_install(void);

#endif
