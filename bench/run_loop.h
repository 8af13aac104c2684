/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The body of the one measurement loop (bench/run.c), in a header so that
 * tests/test_run_loop.c times exactly this code around an empty op (the
 * bare-loop baseline of the harness's overhead).
 *
 * Context: a worker thread; smp is its own sampler (sampling.h).
 */
#ifndef LB_RUN_LOOP_H
#define LB_RUN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "../workloads/workload.h"
#include "../util/clock.h"
#include "../util/sampling.h"

/* Ops between two looks at the phase: small enough that stopping lags by
 * microseconds, large enough that the check costs nothing per op. */
#define RUN_BATCH 16

/*
 * The op a worker calls while its sampler is as it is now: the workload's
 * instance for its modes (wl_ctx.op_timed when samp_self is set, else
 * op_untimed), or the workload's op. Context: the worker, whenever it
 * changes samp_self (before its loop, entering the window).
 */
static inline wl_op_fn run_pick_op(const struct workload_ops *wl, const struct wl_ctx *ctx)
{
	wl_op_fn op = samp_self ? ctx->op_timed : ctx->op_untimed;
	return op ? op : wl->op;
}

/*
 * One batch of ops: the measured loop body. Always inlined, and called with
 * a constant `sample`, so the two copies share one source: sample == false
 * is the plain loop (no sampler touched); sample == true also times every
 * Nth op whole (SAMP_OP_OP) with the inline countdown of samp_due().
 * *op comes from run_pick_op, once per change of mode, not per op; it is
 * called through memory, as workload_ops.op was (held in a register
 * instead, the reference loop ran ~10% slower on an AMD EPYC host).
 * Returns true when the worker is done (WL_DONE or its quota).
 */
static inline __attribute__((always_inline)) bool run_batch(const wl_op_fn *op, struct wl_ctx *ctx,
							    struct wl_worker *w, uint64_t *np,
							    uint64_t quota, struct samp_thread *smp,
							    const bool sample)
{
	uint64_t n = *np;
	bool done = false;
	for (int i = 0; i < RUN_BATCH; i++) {
		int rc;
		if (sample && samp_due(smp, SAMP_OP_OP)) {
			uint64_t t0 = clk_now();
			rc = (*op)(ctx, w);
			samp_record(smp, SAMP_OP_OP, t0, clk_now());
		} else {
			rc = (*op)(ctx, w);
		}
		n++;
		if (rc == WL_DONE || (quota && n >= quota)) {
			done = true;
			break;
		}
	}
	*np = n;
	return done;
}

#endif
