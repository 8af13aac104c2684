/* SPDX-License-Identifier: BSD-2-Clause */
#include "counters.h"

#include <string.h>

_Thread_local struct lb_counters lb_tc;

static const char *const counter_names[LB_C_NR] = {
    [LB_C_LOCK_ACQ] = "lock_acquisitions",	[LB_C_LOCK_CONTENDED] = "lock_contended",
    [LB_C_LOCK_SPINS] = "lock_spins",		[LB_C_CAS_RETRY] = "cas_retries",
    [LB_C_TRYGET_FAIL] = "tryget_failures",	[LB_C_GET_MISS] = "get_misses",
    [LB_C_GP_WAIT] = "grace_periods_waited",	[LB_C_GP_WAIT_NS] = "grace_period_wait_ns",
    [LB_C_DEFER_FREE] = "deferred_frees",	[LB_C_CACHE_HIT] = "cache_hits",
    [LB_C_CACHE_MISS] = "cache_misses",		[LB_C_CACHE_EVICT] = "cache_evictions",
    [LB_C_CACHE_INVAL] = "cache_invalidations",
};

const char *counters_name(enum lb_counter which)
{
	return which < LB_C_NR ? counter_names[which] : "?";
}

void counters_add(struct lb_counters *dst, const struct lb_counters *src)
{
	for (int i = 0; i < LB_C_NR; i++)
		dst->c[i] += src->c[i];
	for (int i = 0; i < LB_LOCK_CLASSES; i++) {
		dst->lock_class[i] += src->lock_class[i];
		dst->class_contended[i] += src->class_contended[i];
		dst->class_wait_ns[i] += src->class_wait_ns[i];
		dst->class_hold_samples[i] += src->class_hold_samples[i];
		dst->class_hold_ns[i] += src->class_hold_ns[i];
		dst->class_hold_preempted[i] += src->class_hold_preempted[i];
	}
}

void counters_take(struct lb_counters *sum)
{
	counters_add(sum, &lb_tc);
	memset(&lb_tc, 0, sizeof(lb_tc));
}
