/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workload `its-churn`: lpi-stress's injectors and vCPUs, plus one command
 * thread that keeps changing the mappings under them: a weighted mix
 * (--cmd-mix) of DISCARD+MAPTI, MOVI, MAPD unmap/remap (+ MAPTI of the
 * events), INVALL, MOVALL (and, if asked, INV, MAPC unmap/remap, ITS
 * disable/enable), paced at --cmd-rate sequences per second.
 *
 * Every command takes cmd_lock and its_lock and invalidates the cache as
 * KVM does (its_cmd.c), so injections keep missing, re-resolving and
 * racing with invalidations, with frees of LPIs (DISCARD, MAPD unmap) and
 * with re-creation of the same INTIDs (MAPTI).
 *
 * Reported: injection throughput (the Rate line), per command sequence its
 * count, errors, mean and max latency. Verified: no LPI lost or
 * duplicated, every reference accounted for, every cached translation
 * still true, and (under --check) no freed irq touched.
 *
 * Threads: injectors [0, d) timed with their quota, vCPUs [d, d + v), the
 * command thread d + v (stopped when the injectors are done).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/json.h"
#include "../core/alloc.h"
#include "getmode.h"
#include "lpi_stress_engine.h"

#define CHURN_DEFAULT_MIX "discard-mapti:4,movi:2,mapd:1,invall:2,movall:1"
/* Longest nap between two paced sequences, so stopping never lags. */
#define CHURN_MAX_NAP_NS 1000000ull

static struct {
	struct its_mix mix;
	char mix_text[256];
	uint64_t rate; /* sequences per second; 0: back to back */
} churn_opt = {.rate = 1000};

struct churn_lat {
	uint64_t count, errors, sum_ns, max_ns;
};

struct churn_state {
	uint64_t interval_ns, next_ns;
	struct churn_lat lat[ITS_MIX_NR];
};

static int churn_set_mix(const char *name, const char *arg)
{
	char err[160];
	if (strlen(arg) >= sizeof(churn_opt.mix_text))
		return opt_error(name, "too long");
	if (its_mix_parse(arg, &churn_opt.mix, err, sizeof(err)))
		return opt_error(name, "%s", err);
	strcpy(churn_opt.mix_text, arg);
	return 0;
}

/* NAME:W,...: one value that is itself a list. */
static int churn_parse_mix(const struct bench_opt *o, const char *arg)
{
	return churn_set_mix(o->name, arg);
}

static void churn_record_mix(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, churn_opt.mix_text[0] ? churn_opt.mix_text : CHURN_DEFAULT_MIX);
}

static const char *const movall_choices[] = {"fixed", "v6.10-bug", NULL};

static int churn_parse_movall(const struct bench_opt *o, const char *arg)
{
	if (strcmp(arg, "fixed") == 0)
		lpistress_opt.movall_all = false;
	else if (strcmp(arg, "v6.10-bug") == 0)
		lpistress_opt.movall_all = true;
	else
		return opt_error(o->name, "expected fixed or v6.10-bug, got '%s'", arg);
	return 0;
}

static void churn_record_movall(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, movall_choices[lpistress_opt.movall_all ? 1 : 0]);
}

static const struct bench_opt its_churn_opts[] = {
    LPISTRESS_OPTS,
    GETMODE_OPTS,
    {.name = "cmd-mix",
     .type = OPT_STRING,
     .list = OPT_COMMAS,
     .metavar = "NAME:W,...",
     .def = CHURN_DEFAULT_MIX,
     .json = "cmd_mix",
     .help = "command sequences and weights: discard-mapti, movi, mapd, invall, movall, inv, "
	     "mapc, ctlr",
     .parse = churn_parse_mix,
     .record = churn_record_mix},
    {.name = "cmd-rate",
     .type = OPT_U64,
     .dest = &churn_opt.rate,
     .min = 0,
     .max = 10000000,
     .unit = "/s",
     .json = "cmd_rate",
     .help = "command sequences per second, 0 = back to back"},
    {.name = "movall",
     .type = OPT_ENUM,
     .choices = movall_choices,
     .json = "movall",
     .help = "MOVALL moves the LPIs on the source vCPU (fixed), or every LPI as v6.10 was "
	     "released (v6.10-bug)",
     .parse = churn_parse_movall,
     .record = churn_record_movall},
    {0},
};

static int churn_validate(const struct wl_plan *plan)
{
	if (!churn_opt.mix_text[0] && churn_set_mix("cmd-mix", CHURN_DEFAULT_MIX))
		return -1;
	return lpistress_validate(plan);
}

static unsigned churn_planned_threads(void)
{
	return lpistress_planned_threads() + 1; /* the command thread */
}

static uint64_t churn_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int churn_setup(struct wl_ctx *ctx)
{
	if (!churn_opt.mix_text[0] && churn_set_mix("cmd-mix", CHURN_DEFAULT_MIX))
		return -1;
	struct churn_state *cs = lb_zalloc(LB_MEM_OTHER, sizeof(*cs));
	if (!cs)
		return -1;
	if (lpistress_setup(ctx, 1)) {
		lb_free(LB_MEM_OTHER, cs, sizeof(*cs));
		return -1;
	}
	cs->interval_ns = churn_opt.rate ? 1000000000ull / churn_opt.rate : 0;
	((struct lpistress_state *)ctx->state)->extra = cs;
	return 0;
}

static void churn_teardown(struct wl_ctx *ctx)
{
	struct lpistress_state *st = ctx->state;
	if (st)
		lb_free(LB_MEM_OTHER, st->extra, sizeof(struct churn_state));
	lpistress_teardown(ctx);
}

/* One paced command sequence. Context: the command thread. */
static int churn_cmd_op(struct lpistress_state *st, struct wl_worker *w)
{
	struct churn_state *cs = st->extra;
	uint64_t now = churn_now_ns();
	if (cs->interval_ns) {
		if (!cs->next_ns)
			cs->next_ns = now;
		if (now < cs->next_ns) {
			uint64_t nap = cs->next_ns - now;
			nap = nap < CHURN_MAX_NAP_NS ? nap : CHURN_MAX_NAP_NS;
			struct timespec ts = {0, (long)nap};
			nanosleep(&ts, NULL);
			return WL_CONTINUE;
		}
	}
	enum its_mix_op op = its_mix_pick(&churn_opt.mix, wl_rand(w));
	uint64_t t0 = churn_now_ns();
	int rc = its_mix_step(st->vm, &st->layout, op, &w->rng);
	uint64_t t1 = churn_now_ns(), ns = t1 - t0;
	struct churn_lat *l = &cs->lat[op];
	l->count++;
	l->errors += rc != 0;
	l->sum_ns += ns;
	l->max_ns = ns > l->max_ns ? ns : l->max_ns;
	if (cs->interval_ns) {
		/* Keep the pace, but never burst to catch up. */
		cs->next_ns += cs->interval_ns;
		if (cs->next_ns < t1)
			cs->next_ns = t1;
	}
	return WL_CONTINUE;
}

static int churn_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	if (w->id < st->nr_inj)
		return lpistress_inject_op(ctx, w);
	if (w->id < st->extra_base)
		return lpistress_vcpu_op(ctx, w);
	return churn_cmd_op(st, w);
}

static void churn_report(struct wl_ctx *ctx, struct wl_report *rep)
{
	struct lpistress_state *st = ctx->state;
	struct churn_state *cs = st->extra;
	lpistress_report(ctx, rep);
	if (rep->out) {
		fprintf(rep->out, "   command sequences (%s at %" PRIu64 "/s):\n",
			churn_opt.mix_text, churn_opt.rate);
		for (int i = 0; i < ITS_MIX_NR; i++) {
			const struct churn_lat *l = &cs->lat[i];
			if (!l->count)
				continue;
			fprintf(rep->out,
				"     %-14s %8" PRIu64 " done, %6" PRIu64
				" failed, mean %9.1f us, max %9.1f us\n",
				its_mix_name((enum its_mix_op)i), l->count, l->errors,
				(double)l->sum_ns / (double)l->count / 1e3,
				(double)l->max_ns / 1e3);
		}
	}
	if (rep->js) {
		json_obj_begin(rep->js, "commands");
		for (int i = 0; i < ITS_MIX_NR; i++) {
			const struct churn_lat *l = &cs->lat[i];
			if (!churn_opt.mix.weight[i] && !l->count)
				continue;
			json_obj_begin(rep->js, its_mix_name((enum its_mix_op)i));
			json_u64(rep->js, "count", l->count);
			json_u64(rep->js, "errors", l->errors);
			json_double(rep->js, "mean_ns",
				    l->count ? (double)l->sum_ns / (double)l->count : 0.0);
			json_u64(rep->js, "max_ns", l->max_ns);
			json_obj_end(rep->js);
		}
		json_obj_end(rep->js);
	}
}

const struct workload_ops workload_its_churn_ops = {
    .name = "its-churn",
    .desc = "lpi-stress plus a command thread churning mappings (DISCARD+MAPTI, MOVI, MAPD, "
	    "INVALL, MOVALL...); command latencies, invariants checked",
    .opts = its_churn_opts,
    .default_backends = lpistress_default_backends,
    .refuses = lpistress_refuses,
    .validate = churn_validate,
    .expected_lpis = lpistress_expected_lpis,
    .setup = churn_setup,
    .planned_threads = churn_planned_threads,
    .thread_init = lpistress_thread_init,
    .thread_exit = lpistress_thread_exit,
    .op = churn_op,
    .verify = lpistress_verify,
    .report = churn_report,
    .teardown = churn_teardown,
};
