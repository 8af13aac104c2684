/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workload `getput`: vCPU-side reference traffic on LPIs.
 *
 * Set-up maps --lpis LPIs from INTID 8192 (or spread evenly over
 * 8192..65535 with --sparse); each mapping holds one reference, as an ITE
 * does. Each op picks an INTID (uniform, zipf:S or hot:P), gets it, updates
 * it under its irq lock as the vGIC would (priority and pending state),
 * and puts it. With --churn=P, P% of ops unmap the LPI (drop the mapping's
 * reference) and map it again (MAPTI), so frees and failed try-gets really
 * happen. A churn op owns its LPI's mapping through a per-LPI flag, so two
 * threads never unmap the same mapping; a thread that finds the flag taken
 * does an ordinary get/put instead.
 *
 * Which LPI each rank of zipf/hot maps to is a seeded shuffle, so the hot
 * LPIs are not, say, the first ones a list walk meets.
 *
 * Read side (--get, workloads/getmode.h): ref (above); rcu: lookup_rcu and
 * the same update inside one RCU read section, no reference taken (with
 * --churn the irq found may be dying: the update is then lost with it,
 * and counts as a hit); percpu: per-thread counts (core/pcpu_ref.h),
 * each slot in percpu mode for its mapped irq, switched to atomic mode
 * (one grace period) before a churn op drops the mapping, and back to
 * percpu mode for the irq mapped again. --reclaim=hp (ref only) makes the
 * store reclaim irqs with hazard pointers.
 *
 * Latency: the store get and put of an op are timed as op types "get" and
 * "put" (util/sampling.h: SAMP_TIMED, or in the common configuration's
 * timed instance its own countdowns, getput_plain); a churn op's unmap
 * and remap are not. Counters: its own code takes only the irq's lock (lock counters);
 * everything else on its path is the store's.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"
#include "../util/sampling.h"
#include "../core/alloc.h"
#include "../core/cells.h"
#include "../core/pcpu_ref.h"
#include "getmode.h"
#include "workload.h"

enum getput_dist { DIST_UNIFORM, DIST_ZIPF, DIST_HOT };

static struct {
	uint64_t lpis;
	bool sparse;
	enum getput_dist dist;
	double zipf_s;
	double hot_pct;	  /* share of ops on the hot set */
	uint64_t hot_set; /* LPIs in the hot set; 0 = 1% of --lpis */
	double churn_pct;
	char dist_text[64];
} gp = {.lpis = 4096, .dist = DIST_UNIFORM, .zipf_s = 0.99, .hot_pct = 90, .dist_text = "uniform"};

enum { GP_CHURNS, GP_ENOMEM, GP_CELLS };

struct getput_state {
	/* getput_plain's per-op reads, together: the store and its get and
	 * put, looked up once rather than through two pointers per call. */
	struct store *store;
	struct lb_irq *(*get)(struct store *s, uint32_t intid);
	void (*put)(struct store *s, struct lb_irq *irq);
	uint32_t nr;
	uint32_t *intid;	 /* slot -> INTID */
	struct lb_irq **mapping; /* slot -> irq holding the mapping reference */
	atomic_uchar *owned;	 /* slot -> churn in progress */
	uint32_t *rank_slot;	 /* zipf/hot rank -> slot (seeded shuffle) */
	double *zipf_cdf;	 /* rank -> cumulative probability */
	uint32_t hot_n;
	uint32_t churn_threshold; /* out of 2^32 */
	bool plain;		  /* uniform, no churn, --get=ref: getput_plain */
	uint64_t irq_live_base;
	int cells;		   /* GP_CHURNS, GP_ENOMEM: per-thread cells (core/cells.h) */
	struct pcpu_ref_set *pcpu; /* --get=percpu: slot -> per-thread counts */
};

/* uniform, zipf:S or hot:P: a word with a number of its own. */
static int parse_dist(const struct bench_opt *o, const char *arg)
{
	if (strlen(arg) >= sizeof(gp.dist_text))
		return opt_error(o->name, "too long");
	if (strcmp(arg, "uniform") == 0) {
		gp.dist = DIST_UNIFORM;
	} else if (strncmp(arg, "zipf:", 5) == 0) {
		gp.dist = DIST_ZIPF;
		if (opt_parse_double(o->name, arg + 5, 0.01, 10, &gp.zipf_s))
			return -1;
	} else if (strncmp(arg, "hot:", 4) == 0) {
		gp.dist = DIST_HOT;
		if (opt_parse_double(o->name, arg + 4, 0, 100, &gp.hot_pct))
			return -1;
	} else {
		return opt_error(o->name, "expected uniform, zipf:S or hot:P, got '%s'", arg);
	}
	strcpy(gp.dist_text, arg);
	return 0;
}

static void record_dist(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, gp.dist_text);
}

/* Only with hot:P, and then the size in use (1% of --lpis by default). */
static void record_hot_set(struct json *js, const struct bench_opt *o)
{
	if (gp.dist == DIST_HOT)
		json_u64(js, o->json, gp.hot_set ? gp.hot_set : (gp.lpis + 99) / 100);
}

static const struct bench_opt getput_opts[] = {
    {.name = "lpis",
     .type = OPT_U64,
     .dest = &gp.lpis,
     .min = 1,
     .max = LB_NR_LPI_SPACE,
     .json = "lpis",
     .help = "LPIs mapped"},
    {.name = "sparse",
     .type = OPT_FLAG,
     .dest = &gp.sparse,
     .json = "sparse",
     .help = "spread the LPIs over INTIDs 8192..65535"},
    {.name = "dist",
     .type = OPT_STRING,
     .metavar = "D",
     .def = "uniform",
     .json = "dist",
     .help = "uniform, zipf:S, or hot:P (P% of ops on the hot set)",
     .parse = parse_dist,
     .record = record_dist},
    {.name = "hot-set",
     .type = OPT_U64,
     .dest = &gp.hot_set,
     .min = 1,
     .max = LB_NR_LPI_SPACE,
     .def = "1% of --lpis",
     .json = "hot_set",
     .help = "LPIs in the hot set of hot:P (recorded only with hot:P)",
     .record = record_hot_set},
    {.name = "churn",
     .type = OPT_DOUBLE,
     .dest = &gp.churn_pct,
     .dmin = 0,
     .dmax = 100,
     .unit = "%",
     .metavar = "P",
     .json = "churn_pct",
     .help = "P% of ops unmap and remap an LPI"},
    GETMODE_OPTS,
    {0},
};

static int getput_validate(const struct wl_plan *plan)
{
	if (getmode_validate(plan, "getput", true, true))
		return -1;
	if (gp.hot_set > gp.lpis)
		return opt_error("hot-set", "%" PRIu64 " is more than --lpis (%" PRIu64 ")",
				 gp.hot_set, gp.lpis);
	return 0;
}

static uint32_t getput_expected_lpis(void)
{
	return (uint32_t)gp.lpis;
}

static void getput_free_state(struct getput_state *st)
{
	free(st->intid);
	free(st->mapping);
	free(st->owned);
	free(st->rank_slot);
	free(st->zipf_cdf);
	pcpu_ref_destroy(st->pcpu);
	lb_cells_put(st->cells, GP_CELLS);
	free(st);
}

/* The common configuration's instances (getput_plain, below). */
static int getput_op_dense(struct wl_ctx *ctx, struct wl_worker *w);
static int getput_op_dense_timed(struct wl_ctx *ctx, struct wl_worker *w);
static int getput_op_sparse(struct wl_ctx *ctx, struct wl_worker *w);
static int getput_op_sparse_timed(struct wl_ctx *ctx, struct wl_worker *w);

static int getput_setup(struct wl_ctx *ctx)
{
	struct getput_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -1;
	st->cells = lb_cells_get(GP_CELLS);
	if (st->cells < 0) {
		free(st);
		return -1;
	}
	uint32_t n = (uint32_t)gp.lpis;
	st->nr = n;
	st->intid = calloc(n, sizeof(*st->intid));
	st->mapping = calloc(n, sizeof(*st->mapping));
	st->owned = calloc(n, sizeof(*st->owned));
	st->rank_slot = calloc(n, sizeof(*st->rank_slot));
	if (!st->intid || !st->mapping || !st->owned || !st->rank_slot) {
		getput_free_state(st);
		return -1;
	}
	st->irq_live_base = lb_mem_live_objects(LB_MEM_IRQ);
	for (uint32_t i = 0; i < n; i++) {
		st->intid[i] = gp.sparse
				   ? LB_INTID_BASE + (uint32_t)((uint64_t)i * LB_NR_LPI_SPACE / n)
				   : LB_INTID_BASE + i;
		st->rank_slot[i] = i;
	}
	/* Seeded Fisher-Yates: rank -> slot. */
	struct wl_worker rng = {.rng = ctx->seed * 0x9E3779B97F4A7C15ull | 1};
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = wl_rand_below(&rng, i + 1);
		uint32_t t = st->rank_slot[i];
		st->rank_slot[i] = st->rank_slot[j];
		st->rank_slot[j] = t;
	}
	if (gp.dist == DIST_ZIPF) {
		st->zipf_cdf = calloc(n, sizeof(double));
		if (!st->zipf_cdf) {
			getput_free_state(st);
			return -1;
		}
		double sum = 0;
		for (uint32_t r = 0; r < n; r++)
			sum += 1.0 / pow((double)(r + 1), gp.zipf_s);
		double acc = 0;
		for (uint32_t r = 0; r < n; r++) {
			acc += 1.0 / pow((double)(r + 1), gp.zipf_s) / sum;
			st->zipf_cdf[r] = acc;
		}
		st->zipf_cdf[n - 1] = 1.0;
	}
	st->hot_n = (uint32_t)(gp.hot_set ? gp.hot_set : (n + 99) / 100);
	st->churn_threshold = (uint32_t)(gp.churn_pct / 100.0 * 4294967295.0);
	st->plain = gp.dist == DIST_UNIFORM && !st->churn_threshold && getmode == GETMODE_REF;
	for (uint32_t i = 0; i < n; i++) {
		int rc = ctx->store_ops->add(ctx->store, st->intid[i], &st->mapping[i]);
		if (rc) {
			fprintf(stderr, "lpibench: getput: mapping INTID %u failed: %s\n",
				st->intid[i], strerror(-rc));
			for (uint32_t j = 0; j < i; j++)
				store_put(ctx->store, st->mapping[j]);
			getput_free_state(st);
			return -1;
		}
	}
	if (getmode == GETMODE_PERCPU) {
		st->pcpu = pcpu_ref_create(n);
		if (!st->pcpu) {
			for (uint32_t i = 0; i < n; i++)
				store_put(ctx->store, st->mapping[i]);
			getput_free_state(st);
			return -1;
		}
		for (uint32_t i = 0; i < n; i++)
			pcpu_ref_start(st->pcpu, i, st->mapping[i]);
	}
	ctx->state = st;
	st->store = ctx->store;
	st->get = ctx->store->ops->get;
	st->put = ctx->store->ops->put;
	if (st->plain) {
		ctx->op_untimed = gp.sparse ? getput_op_sparse : getput_op_dense;
		ctx->op_timed = gp.sparse ? getput_op_sparse_timed : getput_op_dense_timed;
	}
	return 0;
}

static uint32_t pick_slot(struct getput_state *st, struct wl_worker *w)
{
	switch (gp.dist) {
	case DIST_ZIPF: {
		double u = (double)(wl_rand(w) >> 11) * 0x1.0p-53;
		uint32_t lo = 0, hi = st->nr - 1;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			if (st->zipf_cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		return st->rank_slot[lo];
	}
	case DIST_HOT: {
		uint64_t r = wl_rand(w);
		bool hot = (double)(r >> 40) < gp.hot_pct / 100.0 * (double)(1ull << 24);
		if (hot || st->hot_n >= st->nr)
			return st->rank_slot[wl_rand_below(w, st->hot_n)];
		return st->rank_slot[st->hot_n + wl_rand_below(w, st->nr - st->hot_n)];
	}
	default:
		return wl_rand_below(w, st->nr);
	}
}

/* Unmap and remap one LPI; the caller owns the slot's flag. */
static void churn_slot(struct wl_ctx *ctx, struct getput_state *st, uint32_t slot)
{
	struct lb_irq *old = st->mapping[slot];
	if (old && st->pcpu)
		pcpu_ref_kill(st->pcpu, slot, &old->refcount); /* atomic mode first */
	if (old) {
		st->mapping[slot] = NULL;
		store_put(ctx->store, old);
	}
	struct lb_irq *irq = NULL;
	int rc = ctx->store_ops->add(ctx->store, st->intid[slot], &irq);
	if (rc == 0 && st->pcpu)
		pcpu_ref_start(st->pcpu, slot, irq); /* the mapping holds it */
	if (rc == 0)
		st->mapping[slot] = irq;
	else
		lb_cell_add((unsigned)st->cells + GP_ENOMEM, 1);
	lb_cell_add((unsigned)st->cells + GP_CHURNS, 1);
}

/* What the vGIC does with a looked-up LPI: change state under its lock. */
static inline void getput_update(struct lb_irq *irq)
{
	lb_lock(&irq->irq_lock);
	irq->priority = (uint8_t)(irq->priority + 1);
	irq->pending_latch = !irq->pending_latch;
	irq->nr_updates++;
	lb_unlock(&irq->irq_lock);
}

/* --get=rcu and --get=percpu: the access without a shared refcount write
 * (percpu: unless the slot is in atomic mode, mid-churn). */
static void getput_access_norefs(struct wl_ctx *ctx, struct getput_state *st, struct wl_worker *w,
				 uint32_t slot)
{
	struct lb_irq *irq;
	lb_rcu_read_lock();
	SAMP_TIMED(SAMP_OP_GET, irq = ctx->store_ops->lookup_rcu(ctx->store, st->intid[slot]));
	if (getmode == GETMODE_RCU) {
		if (irq) /* may be dying (with --churn): the update is then lost */
			getput_update(irq);
		lb_rcu_read_unlock();
		irq ? w->get_ok++ : w->get_fail++;
		return;
	}
	if (irq && !pcpu_ref_get_rcu(st->pcpu, slot, irq) && !lb_ref_tryget(&irq->refcount))
		irq = NULL; /* atomic mode, and dying */
	lb_rcu_read_unlock();
	if (!irq) {
		w->get_fail++;
		return;
	}
	w->get_ok++;
	getput_update(irq);
	bool percpu;
	SAMP_TIMED(SAMP_OP_PUT, percpu = pcpu_ref_put(st->pcpu, slot, irq));
	if (!percpu)
		store_put(ctx->store, irq);
}

/* Every configuration, testing its modes per op (the driver's fallback;
 * the common one runs getput_plain's instances instead). */
static int getput_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct getput_state *st = ctx->state;
	uint32_t slot = pick_slot(st, w);

	if (st->churn_threshold && (uint32_t)wl_rand(w) < st->churn_threshold) {
		unsigned char expect = 0;
		if (atomic_compare_exchange_strong_explicit(
			&st->owned[slot], &expect, 1, memory_order_acquire, memory_order_relaxed)) {
			churn_slot(ctx, st, slot);
			atomic_store_explicit(&st->owned[slot], 0, memory_order_release);
			return WL_CONTINUE;
		}
	}

	if (getmode != GETMODE_REF) {
		getput_access_norefs(ctx, st, w, slot);
		return WL_CONTINUE;
	}
	struct lb_irq *irq;
	SAMP_TIMED(SAMP_OP_GET, irq = store_get(ctx->store, st->intid[slot]));
	if (!irq) {
		w->get_fail++;
		return WL_CONTINUE;
	}
	w->get_ok++;
	getput_update(irq);
	SAMP_TIMED(SAMP_OP_PUT, store_put(ctx->store, irq));
	return WL_CONTINUE;
}

/* The timed instance's timed get and put: out of line, so that its other
 * ops pay the countdowns alone and save no more registers than the
 * untimed instance. */
static __attribute__((noinline)) struct lb_irq *getput_get_timed(struct getput_state *st,
								 uint32_t intid)
{
	uint64_t t0 = clk_now();
	struct lb_irq *irq = st->get(st->store, intid);
	samp_record(samp_self, SAMP_OP_GET, t0, clk_now());
	return irq;
}

static __attribute__((noinline)) void getput_put_timed(struct getput_state *st, struct lb_irq *irq)
{
	uint64_t t0 = clk_now();
	st->put(st->store, irq);
	samp_record(samp_self, SAMP_OP_PUT, t0, clk_now());
}

/*
 * The common configuration (uniform, no churn, --get=ref), compiled once
 * per mode so that its ops test none: timed (the worker's sampler is
 * armed: the get's and the put's countdowns, samp_due) and dense (INTID =
 * 8192 + slot, computed rather than loaded from the slot table; else
 * --sparse). Setup hands the driver the instance for its run
 * (wl_ctx.op_timed, op_untimed). What is left per op is the design's: the
 * pick, the store's get through its ops, the update under the irq lock,
 * the store's put.
 */
static inline __attribute__((always_inline)) int
getput_plain(struct wl_ctx *ctx, struct wl_worker *w, const bool timed, const bool dense)
{
	struct getput_state *st = ctx->state;
	uint32_t slot = wl_rand_below(w, st->nr);
	uint32_t intid = dense ? LB_INTID_BASE + slot : st->intid[slot];
	struct lb_irq *irq;
	if (timed && lb_unlikely(samp_due(samp_self, SAMP_OP_GET)))
		irq = getput_get_timed(st, intid);
	else
		irq = st->get(st->store, intid);
	if (lb_unlikely(!irq)) {
		w->get_fail++;
		return WL_CONTINUE;
	}
	w->get_ok++;
	getput_update(irq);
	if (timed && lb_unlikely(samp_due(samp_self, SAMP_OP_PUT)))
		getput_put_timed(st, irq);
	else
		st->put(st->store, irq);
	return WL_CONTINUE;
}

static int getput_op_dense(struct wl_ctx *ctx, struct wl_worker *w)
{
	return getput_plain(ctx, w, false, true);
}

static int getput_op_dense_timed(struct wl_ctx *ctx, struct wl_worker *w)
{
	return getput_plain(ctx, w, true, true);
}

static int getput_op_sparse(struct wl_ctx *ctx, struct wl_worker *w)
{
	return getput_plain(ctx, w, false, false);
}

static int getput_op_sparse_timed(struct wl_ctx *ctx, struct wl_worker *w)
{
	return getput_plain(ctx, w, true, false);
}

static int count_live(struct lb_irq *irq, void *arg)
{
	(void)irq;
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * The null backend (STORE_CAP_NULL) maps every INTID to one irq on which it
 * holds a reference of its own: what can be checked is that every get was
 * put, i.e. its refcount is the mappings' plus the store's, and that every
 * get returns the mapping's object. It has no index to walk and allocates
 * no irq per mapping, so the walk and the leak check do not apply.
 */
static int getput_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct getput_state *st = ctx->state;
	bool null_store = ctx->store_ops->caps & STORE_CAP_NULL;
	uint64_t mapped = 0;
	for (uint32_t i = 0; i < st->nr; i++)
		mapped += st->mapping[i] != NULL;
	unsigned want = null_store ? (unsigned)mapped + 1 : 1;
	for (uint32_t i = 0; i < st->nr; i++) {
		struct lb_irq *irq = st->mapping[i];
		if (!irq)
			continue;
		/* --get=percpu: the true count is the atomic one plus the slot's
		 * per-thread counts (pcpu_ref.h), which may be negative. */
		long pcpu = st->pcpu ? pcpu_ref_sum(st->pcpu, i) : 0;
		unsigned refs = lb_ref_read(&irq->refcount) + (unsigned)pcpu;
		if (refs != want) {
			snprintf(msg, len, "INTID %u has refcount %u, expected %u (%s)",
				 st->intid[i], refs, want,
				 null_store ? "every mapping, plus the store's own"
					    : "its mapping");
			return -1;
		}
		struct lb_irq *got = store_get(ctx->store, st->intid[i]);
		if (got != irq) {
			snprintf(msg, len, "INTID %u: get returned %p, mapped %p", st->intid[i],
				 (void *)got, (void *)irq);
			if (got)
				store_put(ctx->store, got);
			return -1;
		}
		store_put(ctx->store, got);
	}
	if (null_store)
		return 0;
	uint64_t visited = 0;
	ctx->store_ops->for_each(ctx->store, LB_INTID_BASE, LB_INTID_LIMIT - 1, count_live,
				 &visited);
	if (visited != mapped) {
		snprintf(msg, len, "for_each visited %" PRIu64 " LPIs, %" PRIu64 " are mapped",
			 visited, mapped);
		return -1;
	}
	lb_rcu_barrier();	   /* let deferred frees finish before counting */
	store_quiesce(ctx->store); /* and hazard-pointer retire lists */
	uint64_t live = lb_mem_live_objects(LB_MEM_IRQ) - st->irq_live_base;
	if (live != mapped) {
		snprintf(msg, len, "%" PRIu64 " irq objects alive, %" PRIu64 " mapped (leak)", live,
			 mapped);
		return -1;
	}
	return 0;
}

static void getput_report(struct wl_ctx *ctx, struct wl_report *rep)
{
	struct getput_state *st = ctx->state;
	uint64_t churns = (uint64_t)lb_cell_sum((unsigned)st->cells + GP_CHURNS);
	uint64_t enomem = (uint64_t)lb_cell_sum((unsigned)st->cells + GP_ENOMEM);
	if (rep->out && churns)
		fprintf(rep->out, "   churn: %" PRIu64 " unmap+remap (%" PRIu64 " remaps failed)\n",
			churns, enomem);
	if (rep->js) {
		json_u64(rep->js, "churns", churns);
		json_u64(rep->js, "remap_failures", enomem);
	}
}

static void getput_teardown(struct wl_ctx *ctx)
{
	struct getput_state *st = ctx->state;
	for (uint32_t i = 0; i < st->nr; i++)
		if (st->mapping[i])
			store_put(ctx->store, st->mapping[i]);
	getput_free_state(st);
	ctx->state = NULL;
}

const struct workload_ops workload_getput_ops = {
    .name = "getput",
    .desc = "vCPU-side get/put on LPIs (uniform, zipf, hot set), optional map/unmap churn",
    .opts = getput_opts,
    /* --get=percpu with --churn can bump TRYGET_FAIL, CAS_RETRY and
     * GP_WAIT(_NS) from here (atomic-mode fallback, pcpu_ref_kill); they
     * are then still reported absent: a static mask cannot say so. */
    .counters_never = WL_COUNTERS_GETPUT_NEVER,
    .validate = getput_validate,
    .expected_lpis = getput_expected_lpis,
    .setup = getput_setup,
    .op = getput_op,
    .verify = getput_verify,
    .report = getput_report,
    .teardown = getput_teardown,
};
