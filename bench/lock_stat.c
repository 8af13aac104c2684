/* SPDX-License-Identifier: BSD-2-Clause */
#include "lock_stat.h"

#include <inttypes.h>

#include "../util/clock.h"

static bool class_global(enum lb_lock_class cls)
{
	switch (cls) {
	case LB_LC_LPI_LIST:
	case LB_LC_XA:
	case LB_LC_ITS:
	case LB_LC_CMD:
	case LB_LC_CACHE:
		return true;
	default: /* irq_lock, ap_list_lock: one per object; other: unknown */
		return false;
	}
}

void lock_stat_of(const struct lb_counters *c, uint64_t ops, enum lb_lock_class cls,
		  struct lock_stat *out)
{
	*out = (struct lock_stat){
	    .acquisitions = c->lock_class[cls],
	    .contentions = c->class_contended[cls],
	    .wait_ns = c->class_wait_ns[cls],
	    .hold_samples = c->class_hold_samples[cls],
	    .hold_preempted = c->class_hold_preempted[cls],
	    .global = class_global(cls),
	};
	if (out->contentions)
		out->wait_ns_avg = (double)out->wait_ns / (double)out->contentions;
	if (out->hold_samples) {
		/* A sampled hold spans one clock read too: take its cost off. */
		const struct clk_info *ci = clk_active_info();
		double clock = ci ? ci->read_cost_ns : 0;
		out->hold_ns_avg =
		    (double)c->class_hold_ns[cls] / (double)out->hold_samples - clock;
		if (out->hold_ns_avg < 1)
			out->hold_ns_avg = 1;
	}
	if (ops)
		out->per_op = (double)out->acquisitions / (double)ops;
	if (out->global && out->hold_ns_avg > 0 && out->per_op > 0)
		out->ceiling_ops_s = 1e9 / (out->hold_ns_avg * out->per_op);
}

void lock_stat_json(struct json *js, const struct lb_counters *c, uint64_t ops)
{
	json_obj_begin(js, "lock_stat");
	for (int i = 0; i < LB_LC_NR; i++) {
		struct lock_stat s;
		lock_stat_of(c, ops, (enum lb_lock_class)i, &s);
		if (!s.acquisitions)
			continue;
		json_obj_begin(js, lb_lock_class_name((enum lb_lock_class)i));
		json_u64(js, "acquisitions", s.acquisitions);
		json_u64(js, "contentions", s.contentions);
		json_u64(js, "wait_ns", s.wait_ns);
		json_double(js, "wait_ns_avg", s.wait_ns_avg);
		json_u64(js, "hold_samples", s.hold_samples);
		json_double(js, "hold_ns_avg", s.hold_ns_avg);
		json_u64(js, "hold_preempted", s.hold_preempted);
		json_double(js, "acquisitions_per_op", s.per_op);
		json_bool(js, "global", s.global);
		if (s.ceiling_ops_s > 0)
			json_double(js, "ceiling_ops_per_sec", s.ceiling_ops_s);
		else
			json_null(js, "ceiling_ops_per_sec");
		json_obj_end(js);
	}
	json_obj_end(js);
}

void lock_stat_print(FILE *o, const struct lb_counters *c, uint64_t ops, double ops_per_s)
{
	for (int i = 0; i < LB_LC_NR; i++) {
		struct lock_stat s;
		lock_stat_of(c, ops, (enum lb_lock_class)i, &s);
		if (!s.acquisitions)
			continue;
		fprintf(o,
			"   lock %-9s %" PRIu64 " acq (%.2f/op), %" PRIu64
			" contended (wait %.0f ns avg), hold %.1f ns avg (%" PRIu64 " samples)\n",
			lb_lock_class_name((enum lb_lock_class)i), s.acquisitions, s.per_op,
			s.contentions, s.wait_ns_avg, s.hold_ns_avg, s.hold_samples);
		if (s.ceiling_ops_s > 0)
			fprintf(
			    o,
			    "   ceiling: %s serialises at most %.3g ops/s on any number of cores "
			    "(%.0f%% of it reached)\n",
			    lb_lock_class_name((enum lb_lock_class)i), s.ceiling_ops_s,
			    100.0 * ops_per_s / s.ceiling_ops_s);
	}
}

static uint64_t lock_stat_now(void)
{
	return clk_ticks_to_ns(clk_now());
}

void lock_stat_clock_install(void)
{
	lb_lock_stat_now = lock_stat_now;
}
