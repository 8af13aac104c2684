/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workload `lpi-stress`: a userspace vgic_lpi_stress (the kernel selftest
 * tools/testing/selftests/kvm/arm64/vgic_lpi_stress.c), run on the ITS
 * model (its.h) with a chosen LPI store (--backend) and translation cache
 * (--cache, or both through --kernel).
 *
 * Set-up as the selftest's guest: collection n -> vCPU n (--selftest=2024:
 * every collection -> vCPU 0, as the published selftest's MAPC encoded
 * it); per device MAPD, then MAPTI of each event with consecutive INTIDs
 * from 8192, collections round-robin; INVALL per collection. One injector
 * thread per device signals each of its events -i times per pass, and
 * repeats passes until --duration (a syscall, then translate through the
 * cache; on a miss resolve under its_lock and insert; pending + queue on
 * the target vCPU + kick); one thread per vCPU runs KVM's run loop
 * (its_vcpu.c), whose guest acks what it gets unless --selftest=2024.
 * Timed from the start barrier until the last injector is done; prints
 *     Rate: <LPIs/sec> LPIs/sec
 * as the selftest does, then the cache's hits, misses and evictions.
 *
 * --kernel mapping (documented in lpi_stress_engine.c and --help):
 *     v6.8   list + lru   era A: everything under lpi_list_lock
 *     v6.9   xa   + lru   LPI xarray merged, translation cache unchanged
 *     v6.10  xa   + xa    era B: per-ITS xarray cache
 */
#include "getmode.h"
#include "lpi_stress_engine.h"

static const struct bench_opt lpi_stress_opts[] = {
    LPISTRESS_OPTS,
    GETMODE_OPTS,
    {0},
};

static int lpi_stress_setup(struct wl_ctx *ctx)
{
	return lpistress_setup(ctx, 0);
}

static int lpi_stress_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	if (w->id < st->nr_inj)
		return lpistress_inject_op(ctx, w);
	return lpistress_vcpu_op(ctx, w);
}

const struct workload_ops workload_lpi_stress_ops = {
    .name = "lpi-stress",
    .desc = "vgic_lpi_stress: injector per device through the translation cache, vCPU "
	    "threads in KVM's run loop (-v -d -e -i, --cache, --kernel, --selftest)",
    .opts = lpi_stress_opts,
    .default_backends = lpistress_default_backends,
    .refuses = lpistress_refuses,
    .validate = lpistress_validate,
    .expected_lpis = lpistress_expected_lpis,
    .setup = lpi_stress_setup,
    .planned_threads = lpistress_planned_threads,
    .thread_init = lpistress_thread_init,
    .thread_exit = lpistress_thread_exit,
    .op = lpi_stress_op,
    .verify = lpistress_verify,
    .report = lpistress_report,
    .teardown = lpistress_teardown,
};
