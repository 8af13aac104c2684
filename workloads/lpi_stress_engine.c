/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shared part of lpi-stress and its-churn (see lpi_stress_engine.h): options,
 * set-up as vgic_lpi_stress's guest, the injector and vCPU ops, verify,
 * report.
 *
 * Fidelity notes (docs/design.md, "Where the model differs"):
 *  - --inject-cost busy-waits before each injection, standing in for the
 *    KVM_SIGNAL_MSI ioctl the selftest pays (about a microsecond).
 *  - vCPU threads poll: an idle vCPU yields the CPU instead of halting and
 *    being kicked by the injector, as a real vCPU would.
 *  - threads beyond CPUs: the driver warns (a pure spinlock whose holder
 *    is preempted makes its waiters burn whole time slices); the result's
 *    workload_results record it too (oversubscribed_pure_spinlock).
 */
#include "lpi_stress_engine.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/json.h"
#include "../core/alloc.h"
#include "getmode.h"

const struct lpistress_kernel lpistress_kernels[] = {
    {"v6.8", "list", "lru", "era A: LPI list + global LRU cache under lpi_list_lock"},
    /* 6.9 merged the LPI xarray with RCU lookups (and puts without the
     * list lock), but kept the global LRU translation cache; the per-ITS
     * xarray cache came with 6.10. */
    {"v6.9", "xa", "lru", "LPI xarray + RCU get; still the global LRU translation cache"},
    {"v6.10", "xa", "xa", "era B: LPI xarray + per-ITS xarray translation cache"},
    {NULL, NULL, NULL, NULL},
};

uint32_t lpistress_expected_lpis(void)
{
	return (uint32_t)(lpistress_opt.devices * lpistress_opt.events);
}

struct lpistress_opts lpistress_opt = {
    .vcpus = 1,
    .devices = 1,
    .events = 16,
    .iterations = 1000,
    .nr_its = 1,
};

const char *lpistress_cache_choice(unsigned i)
{
	for (unsigned n = 0; cache_registry[n]; n++)
		if (n == i)
			return cache_registry[n]->name;
	return NULL;
}

const char *lpistress_kernel_choice(unsigned i)
{
	for (unsigned n = 0; lpistress_kernels[n].name; n++)
		if (n == i)
			return lpistress_kernels[n].name;
	return NULL;
}

/* The --kernel preset, or NULL. */
static const struct lpistress_kernel *lpistress_kernel(void)
{
	for (const struct lpistress_kernel *k = lpistress_kernels; k->name; k++)
		if (lpistress_opt.kernel && strcmp(k->name, lpistress_opt.kernel) == 0)
			return k;
	return NULL;
}

const char *lpistress_default_backends(void)
{
	const struct lpistress_kernel *k = lpistress_kernel();
	return k ? k->backend : NULL;
}

static const char *lpistress_cache_name(void)
{
	const struct lpistress_kernel *k = lpistress_kernel();
	if (lpistress_opt.cache)
		return lpistress_opt.cache;
	return k ? k->cache : "xa";
}

int lpistress_validate(const struct wl_plan *plan)
{
	const struct lpistress_opts *o = &lpistress_opt;
	if (o->devices * o->events > LB_NR_LPI_SPACE)
		return opt_error("events",
				 "%" PRIu64 " devices x %" PRIu64
				 " events need more LPIs than INTIDs 8192..65535 hold (%u)",
				 o->devices, o->events, LB_NR_LPI_SPACE);
	const struct lpistress_kernel *k = lpistress_kernel();
	if (k && plan->backends_given &&
	    (plan->nr_backends != 1 || strcmp(plan->backends[0]->name, k->backend))) {
		char given[256] = "";
		for (unsigned i = 0; i < plan->nr_backends; i++)
			snprintf(given + strlen(given), sizeof(given) - strlen(given), "%s%s",
				 i ? "," : "", plan->backends[i]->name);
		fprintf(stderr, "lpibench: note: --backend=%s replaces %s's store (%s)\n", given,
			k->name, k->backend);
	}
	if (k && o->cache && strcmp(o->cache, k->cache))
		fprintf(stderr, "lpibench: note: --cache=%s replaces %s's cache (%s)\n", o->cache,
			k->name, k->cache);
	if (getmode_validate(plan, "lpi-stress/its-churn", false, false))
		return -1;
	const struct cache_ops *cache = cache_find(lpistress_cache_name());
	if (getmode == GETMODE_RCU && cache && !cache->lookup_rcu) {
		char names[256] = "";
		for (const struct cache_ops *const *c = cache_registry; *c; c++)
			if ((*c)->lookup_rcu)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", names[0] ? ", " : "", (*c)->name);
		return opt_error("get",
				 "rcu: cache %s has no lookup without a reference; caches "
				 "that have one: %s",
				 cache->name, names);
	}
	return 0;
}

/* The cache in use: --cache, else --kernel's, else xa. */
void lpistress_record_cache(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, lpistress_cache_name());
}

/* ---- set-up and teardown ---- */

static void lpistress_free_state(struct lpistress_state *st)
{
	if (!st)
		return;
	its_vm_destroy(st->vm);
	lb_free(LB_MEM_OTHER, st->inj_raw, st->inj_bytes);
	lb_free(LB_MEM_OTHER, st, sizeof(*st));
}

int lpistress_setup(struct wl_ctx *ctx, unsigned extra_threads)
{
	const struct lpistress_opts *o = &lpistress_opt;
	const char *name = lpistress_cache_name();
	const struct cache_ops *cache = cache_find(name);
	if (!cache) {
		fprintf(stderr, "lpibench: unknown cache '%s'\n", name);
		return -1;
	}
	struct lpistress_state *st = lb_zalloc(LB_MEM_OTHER, sizeof(*st));
	if (!st)
		return -1;
	st->cache = cache;
	st->layout = (struct its_layout){.nr_vcpus = (unsigned)o->vcpus,
					 .nr_devices = (unsigned)o->devices,
					 .nr_events = (unsigned)o->events,
					 .nr_its = (unsigned)o->nr_its};
	st->nr_inj = (unsigned)o->devices;
	st->vcpu_base = st->nr_inj;
	st->extra_base = st->vcpu_base + (unsigned)o->vcpus;

	st->inj_bytes = st->nr_inj * sizeof(struct lpistress_injector) + LB_CACHELINE;
	st->inj_raw = lb_zalloc(LB_MEM_OTHER, st->inj_bytes);
	struct its_vm_cfg vc = {.store = ctx->store,
				.cache = cache,
				.nr_vcpus = st->layout.nr_vcpus,
				.nr_its = st->layout.nr_its};
	int rc = st->inj_raw ? its_vm_create(&vc, &st->vm) : -ENOMEM;
	if (!rc)
		rc = its_layout_map(st->vm, &st->layout);
	if (rc) {
		fprintf(stderr, "lpibench: %s: building the ITS model failed: %s\n", name,
			strerror(-rc));
		lpistress_free_state(st);
		return -1;
	}
	uintptr_t p = ((uintptr_t)st->inj_raw + LB_CACHELINE - 1) & ~(uintptr_t)(LB_CACHELINE - 1);
	st->inj = (struct lpistress_injector *)p;
	for (unsigned d = 0; d < st->nr_inj; d++) {
		st->inj[d].its = its_layout_its(st->vm, &st->layout, d);
		st->inj[d].devid = d;
	}

	unsigned threads = st->extra_base + extra_threads;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	st->cpus = cpus > 0 ? (unsigned)cpus : 1;
	st->oversubscribed = threads > st->cpus;
	ctx->nr_threads = threads;
	ctx->nr_timed = st->nr_inj;
	/* Injectors are workers [0, nr_inj), vCPU threads follow: placement
	 * (--device-place / --vcpu-place) needs the roles. */
	ctx->vcpu_first = st->vcpu_base;
	ctx->nr_vcpu = st->layout.nr_vcpus;
	ctx->quota_run = true;
	ctx->state = st;
	return 0;
}

void lpistress_teardown(struct wl_ctx *ctx)
{
	lpistress_free_state(ctx->state);
	ctx->state = NULL;
}

/* ---- the ops ---- */

int lpistress_thread_init(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	if (w->id < st->nr_inj)
		w->priv = &st->inj[w->id];
	else if (w->id < st->extra_base)
		w->priv = &st->vm->vcpus[w->id - st->vcpu_base];
	return 0;
}

static uint64_t lpistress_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Stand-in for the ioctl: burn the CPU for ns. */
static void lpistress_spin_ns(uint64_t ns)
{
	uint64_t end = lpistress_now_ns() + ns;
	while (lpistress_now_ns() < end)
		lb_cpu_relax();
}

int lpistress_inject_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	struct lpistress_injector *in = w->priv;
	if (lb_unlikely(in->done))
		return WL_DONE;
	if (lb_unlikely(!in->first_ns))
		in->first_ns = lpistress_now_ns();
	if (lpistress_opt.inject_cost_ns)
		lpistress_spin_ns(lpistress_opt.inject_cost_ns);
	if (getmode == GETMODE_RCU)
		its_inject_rcu(in->its, in->devid, in->next_event, &in->st);
	else
		its_inject(in->its, in->devid, in->next_event, &in->st);
	in->injections++;
	if (++in->next_event == st->layout.nr_events) {
		in->next_event = 0;
		if (++in->iter == lpistress_opt.iterations) {
			in->done = true;
			in->done_ns = lpistress_now_ns();
			return WL_DONE;
		}
	}
	return WL_CONTINUE;
}

int lpistress_vcpu_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	struct lb_vcpu *vcpu = w->priv;
	if (its_vcpu_idle(vcpu))
		sched_yield();
	else
		its_vcpu_drain(st->vm, vcpu);
	return WL_CONTINUE;
}

/* ---- results ---- */

struct lpistress_totals {
	uint64_t injections, hits, misses;
	uint64_t result[ITS_INJ_NR];
	uint64_t queued, drained, bugs;
	struct cache_stats cache;
	uint64_t cmds[ITS_CMD_NR], cmd_errors;
	uint64_t first_ns, last_ns; /* earliest first injection, latest completion */
	bool all_done;
};

static void lpistress_sum(struct lpistress_state *st, struct lpistress_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->all_done = true;
	for (unsigned d = 0; d < st->nr_inj; d++) {
		const struct lpistress_injector *in = &st->inj[d];
		t->injections += in->injections;
		t->hits += in->st.hits;
		t->misses += in->st.misses;
		for (int r = 0; r < ITS_INJ_NR; r++)
			t->result[r] += in->st.result[r];
		t->all_done &= in->done;
		if (in->first_ns && (!t->first_ns || in->first_ns < t->first_ns))
			t->first_ns = in->first_ns;
		if (in->done_ns > t->last_ns)
			t->last_ns = in->done_ns;
	}
	its_vm_list_totals(st->vm, &t->queued, &t->drained, &t->bugs);
	struct its_vm *vm = st->vm;
	for (unsigned i = 0; i < vm->nr_its; i++) {
		for (int c = 0; c < ITS_CMD_NR; c++)
			t->cmds[c] += vm->its[i].cmds[c];
		t->cmd_errors += vm->its[i].cmd_errors;
		if (vm->shared_cache && i > 0)
			continue;
		struct cache_stats cs;
		vm->its[i].cache->ops->stats(vm->its[i].cache, &cs);
		t->cache.entries += cs.entries;
		t->cache.capacity += cs.capacity;
		t->cache.inserts += cs.inserts;
		t->cache.evictions += cs.evictions;
		t->cache.invalidated += cs.invalidated;
		t->cache.insert_enomem += cs.insert_enomem;
	}
}

int lpistress_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct lpistress_state *st = ctx->state;
	/* The vCPU threads stopped: acknowledge what they left. */
	for (unsigned v = 0; v < st->vm->nr_vcpus; v++)
		its_vcpu_drain(st->vm, &st->vm->vcpus[v]);
	if (its_vm_check(st->vm, msg, len))
		return -1;
	struct lpistress_totals t;
	lpistress_sum(st, &t);
	uint64_t want = st->layout.nr_events * lpistress_opt.iterations;
	for (unsigned d = 0; d < st->nr_inj; d++) {
		if (st->inj[d].done && st->inj[d].injections != want) {
			snprintf(msg, len,
				 "injector %u made %" PRIu64 " injections, expected %" PRIu64, d,
				 st->inj[d].injections, want);
			return -1;
		}
	}
	if (t.hits + t.misses != t.injections) {
		snprintf(msg, len,
			 "%" PRIu64 " hits + %" PRIu64 " misses != %" PRIu64 " injections", t.hits,
			 t.misses, t.injections);
		return -1;
	}
	/* Config never changes here, so only injections queue. */
	if (t.result[ITS_INJ_QUEUED] != t.queued) {
		snprintf(msg, len,
			 "injectors queued %" PRIu64 " LPIs, the vCPU lists received %" PRIu64,
			 t.result[ITS_INJ_QUEUED], t.queued);
		return -1;
	}
	if (t.queued != t.drained) {
		snprintf(msg, len, "%" PRIu64 " LPIs queued, %" PRIu64 " acknowledged", t.queued,
			 t.drained);
		return -1;
	}
	return 0;
}

void lpistress_report(struct wl_ctx *ctx, struct wl_report *rep)
{
	struct lpistress_state *st = ctx->state;
	struct lpistress_totals t;
	lpistress_sum(st, &t);
	/* vgic_lpi_stress's figure: LPIs signalled per second of the run. */
	double rate = rep->elapsed_s > 0 ? (double)t.injections / rep->elapsed_s : 0;
	bool pure_spin =
	    lb_lock_default_kind == LB_LOCK_SPIN || lb_lock_default_kind == LB_LOCK_TICKET;
	if (rep->out) {
		fprintf(rep->out, "Rate: %.2f LPIs/sec\n", rate);
		fprintf(rep->out,
			"   cache %s: %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
			" evictions, %" PRIu64 " invalidated\n",
			st->cache->name, t.hits, t.misses, t.cache.evictions, t.cache.invalidated);
		fprintf(rep->out,
			"   injections: %" PRIu64 " queued, %" PRIu64 " coalesced, %" PRIu64
			" held, %" PRIu64 " unmapped; %" PRIu64 " acknowledged\n",
			t.result[ITS_INJ_QUEUED], t.result[ITS_INJ_COALESCED],
			t.result[ITS_INJ_HELD], t.result[ITS_INJ_UNMAPPED], t.drained);
	}
	if (rep->js) {
		struct json *js = rep->js;
		json_double(js, "rate_lpis_per_sec", rate);
		json_u64(js, "injections", t.injections);
		/* Cross-check of the driver's clock: first injection to the last
		 * injector's completion, as the injectors saw it. */
		if (t.all_done && t.first_ns && t.last_ns >= t.first_ns)
			json_double(js, "injector_span_s", (double)(t.last_ns - t.first_ns) / 1e9);
		else
			json_null(js, "injector_span_s");
		json_obj_begin(js, "cache");
		json_str(js, "name", st->cache->name);
		json_str(js, "description", st->cache->desc);
		json_u64(js, "hits", t.hits);
		json_u64(js, "misses", t.misses);
		json_u64(js, "evictions", t.cache.evictions);
		json_u64(js, "invalidated", t.cache.invalidated);
		json_u64(js, "inserts", t.cache.inserts);
		json_u64(js, "insert_enomem", t.cache.insert_enomem);
		json_u64(js, "entries_at_end", t.cache.entries);
		json_u64(js, "capacity", t.cache.capacity);
		json_obj_end(js);
		json_obj_begin(js, "injection_results");
		json_u64(js, "queued", t.result[ITS_INJ_QUEUED]);
		json_u64(js, "coalesced", t.result[ITS_INJ_COALESCED]);
		json_u64(js, "held", t.result[ITS_INJ_HELD]);
		json_u64(js, "unmapped", t.result[ITS_INJ_UNMAPPED]);
		json_u64(js, "acknowledged", t.drained);
		json_obj_end(js);
		json_obj_begin(js, "its_commands");
		for (int c = 0; c < ITS_CMD_NR; c++)
			json_u64(js, its_cmd_name((enum its_cmd_type)c), t.cmds[c]);
		json_u64(js, "errors", t.cmd_errors);
		json_obj_end(js);
		json_u64(js, "cpus", st->cpus);
		json_bool(js, "oversubscribed", st->oversubscribed);
		json_bool(js, "oversubscribed_pure_spinlock", st->oversubscribed && pure_spin);
	}
}
