/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ref: the reference loop for the harness's own cost. Per op it does
 * exactly what getput does through flat, written out by hand on its own
 * preallocated array: pick an LPI uniformly (the same random numbers),
 * load its slot in an RCU read section and try-get the irq, update the
 * irq under its lock (the run's lock kind), put the reference. No store
 * interface, no INTID validation, no sampling, no modes, no counting
 * beyond the locks'. A backend is still created (every run has one) and
 * left unused: run it beside flat, e.g. --backend=flat --workload=getput
 * and then --workload=ref, or scripts/bench with both; getput+flat's ns
 * per op above ref's is what the harness and the store interface cost.
 * The array has getput's default --lpis (4096) irqs: compare with that.
 */
#include <errno.h>
#include <stdlib.h>

#include "../core/irq.h"
#include "../core/sync.h"
#include "workload.h"

struct ref_state {
	struct lb_irq **slots; /* RCU-published, as flat's */
	uint32_t nr;
};

static uint32_t ref_lpis(void)
{
	const struct workload_ops *gp = workload_find("getput");
	return gp && gp->expected_lpis ? gp->expected_lpis() : 4096;
}

static void ref_teardown(struct wl_ctx *ctx)
{
	struct ref_state *st = ctx->state;
	if (!st)
		return;
	for (uint32_t i = 0; i < st->nr; i++)
		if (st->slots[i])
			irq_free_now(st->slots[i]);
	free(st->slots);
	free(st);
	ctx->state = NULL;
}

static int ref_setup(struct wl_ctx *ctx)
{
	struct ref_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ctx->state = st;
	st->nr = ref_lpis();
	st->slots = calloc(st->nr, sizeof(*st->slots));
	if (!st->slots)
		return ref_teardown(ctx), -ENOMEM;
	for (uint32_t i = 0; i < st->nr; i++) {
		st->slots[i] = irq_alloc(LB_INTID_BASE + i);
		if (!st->slots[i])
			return ref_teardown(ctx), -ENOMEM;
	}
	return 0;
}

static int ref_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct ref_state *st = ctx->state;
	struct lb_irq **slot = &st->slots[wl_rand_below(w, st->nr)];
	lb_rcu_read_lock();
	struct lb_irq *irq = lb_rcu_dereference(*slot);
	bool got = irq && lb_ref_tryget(&irq->refcount);
	lb_rcu_read_unlock();
	if (!got)
		return WL_CONTINUE; /* never: nothing unmaps */
	lb_lock(&irq->irq_lock);
	irq->priority = (uint8_t)(irq->priority + 1);
	irq->pending_latch = !irq->pending_latch;
	irq->nr_updates++;
	lb_unlock(&irq->irq_lock);
	lb_ref_put(&irq->refcount); /* the mapping's reference stays */
	return WL_CONTINUE;
}

const struct workload_ops workload_ref_ops = {
    .name = "ref",
    .desc = "reference loop: getput's get+update+put written out by hand on its own array "
	    "(the harness's cost is getput+flat minus this)",
    .counters_never = WL_COUNTERS_GETPUT_NEVER,
    .expected_lpis = ref_lpis,
    .setup = ref_setup,
    .op = ref_op,
    .teardown = ref_teardown,
};
