/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Translation-cache suite: every design in cache_registry, driven through
 * the ITS model (model/its.h) directly, not through the driver.
 *
 * Semantics, for each design against every LPI-store backend (the null
 * backend, one irq for every INTID, only gets a reference-total check):
 *  - "hit":   a first injection misses and fills the cache, the next hits;
 *             lookup() returns a referenced irq; an unknown key misses.
 *  - "keys":  every hit, over 24 keys on two ITSes, returns the irq that
 *             key maps (a hit that compares only part of the key fails).
 *  - "dying": (lock-free lookups) an entry whose irq count is 0, as
 *             between a final put and its removal, is a miss (try-get).
 *  - "invalidate under a reader": (list store) DISCARD while a reader holds
 *             the cached irq in its read section leaves it live until the
 *             reader is gone (the cache's put waits for a grace period).
 *  - "evict": (limited designs) fill to capacity, use all entries but one,
 *             insert one more: exactly that one is evicted, nothing else.
 *             Designs bounded by cache_cfg.size that evict on conflict
 *             (CACHE_F_CONFLICT): more keys than slots never overflow,
 *             every eviction drops a reference, the newest key is cached.
 *             Unlimited designs keep everything.
 *  - "inval": (list and xa stores) for each command, on ITS 0 of a
 *             two-ITS VM whose caches were warmed on both ITSes: DISCARD,
 *             MOVI, MAPD unmap, MAPD remap, MAPC unmap and ITS disable
 *             empty the cache (era-A designs: all of it; per-ITS designs:
 *             ITS 0's only); MAPTI, MAPC map, INV and INVALL leave it
 *             alone. Each command's effect on injection is checked too
 *             (unmapped, retargeted...).
 *  - "enomem": (list and xa stores) every allocation of a set-up + command
 *             sequence made to fail in turn: the model must fail cleanly,
 *             keep its invariants and leak nothing.
 * After every step the model's invariants hold (its_vm_check: refcount of
 * every LPI = ITEs + cache entries + list membership, cached translations
 * true, nothing lost or queued twice), and after teardown no irq, cache
 * entry, ITS object or store node is left.
 *
 * Concurrency, for each design against the list store (era A) and the xa
 * store (era B): injector threads, vCPU threads acknowledging, and two
 * command threads running every command sequence of its_mix.h, for
 * 0.5 s x LB_TEST_SCALE in all; then the same invariants, plus the
 * injection accounting (queued = acknowledged) and no refcount or
 * use-after-free report (bug hooks record instead of aborting).
 *
 * Workers never call CHECK (check.h is main-thread only).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "store_test.h"
#include "caches/cache.h"
#include "model/its.h"
#include "model/its_mix.h"

struct fx {
	const struct cache_ops *cops;
	const struct store_ops *sops;
	struct store *store;
	struct its_vm *vm;
	struct its_layout l;
	char name[96];
};

/* Builds store + VM + the layout's mappings. Returns 1 ok, 0 skipped
 * (backend unavailable in this build), -1 failed (already CHECKed). */
static int fx_init(struct fx *f, const struct cache_ops *cops, const struct store_ops *sops,
		   struct its_layout l)
{
	bool skipped;
	memset(f, 0, sizeof(*f));
	f->cops = cops;
	f->sops = sops;
	f->l = l;
	snprintf(f->name, sizeof(f->name), "%s/%s", cops->name, sops->name);
	f->store = st_create(sops, 1024, &skipped);
	if (skipped)
		return 0;
	CHECKF(f->store, "%s: store create failed", f->name);
	if (!f->store)
		return -1;
	struct its_vm_cfg vc = {
	    .store = f->store, .cache = cops, .nr_vcpus = l.nr_vcpus, .nr_its = l.nr_its};
	int rc = its_vm_create(&vc, &f->vm);
	CHECKF(rc == 0, "%s: its_vm_create: %d", f->name, rc);
	if (!rc) {
		rc = its_layout_map(f->vm, &f->l);
		CHECKF(rc == 0, "%s: layout: %d", f->name, rc);
	}
	if (rc) {
		its_vm_destroy(f->vm);
		sops->destroy(f->store);
		lb_rcu_barrier();
		return -1;
	}
	return 1;
}

/* The store's own deferred frees are left to the next RCU barrier (leak
 * checks take one). */
static void fx_fini(struct fx *f)
{
	its_vm_destroy(f->vm);
	f->sops->destroy(f->store);
}

static void fx_check(struct fx *f, const char *what)
{
	char msg[256] = "";
	int rc = its_vm_check(f->vm, msg, sizeof(msg));
	CHECKF(rc == 0, "%s %s: %s", f->name, what, msg);
}

static void fx_drain(struct fx *f)
{
	for (unsigned v = 0; v < f->vm->nr_vcpus; v++)
		its_vcpu_drain(f->vm, &f->vm->vcpus[v]);
}

struct inj {
	enum its_inject_result r;
	bool hit;
};

static struct inj fx_inject(struct fx *f, uint32_t dev, uint32_t ev)
{
	struct its_inject_stats st = {0};
	struct inj out;
	out.r = its_inject(its_layout_its(f->vm, &f->l, dev), dev, ev, &st);
	out.hit = st.hits == 1;
	return out;
}

struct count_arg {
	uint64_t doorbell;
	uint32_t devid, eventid;
	unsigned n, found;
};

static int count_entry(uint64_t db, uint32_t devid, uint32_t eventid, struct lb_irq *irq, void *arg)
{
	struct count_arg *a = arg;
	(void)irq;
	if (db != a->doorbell)
		return 0;
	a->n++;
	if (devid == a->devid && eventid == a->eventid)
		a->found++;
	return 0;
}

/* Entries cached for ITS t (and whether (dev, ev) is among them). */
static unsigned fx_entries(struct fx *f, unsigned t, uint32_t dev, uint32_t ev, bool *has)
{
	struct its *its = &f->vm->its[t];
	struct count_arg a = {.doorbell = its->doorbell, .devid = dev, .eventid = ev};
	its->cache->ops->for_each(its->cache, count_entry, &a);
	if (has)
		*has = a.found > 0;
	return a.n;
}

static bool fx_cached(struct fx *f, uint32_t dev, uint32_t ev)
{
	bool has;
	fx_entries(f, dev % f->l.nr_its, dev, ev, &has);
	return has;
}

/* References on intid's irq besides the lookup made here, or -1 if the
 * store does not hold it. */
static int fx_refs(struct fx *f, uint32_t intid)
{
	struct lb_irq *irq = store_get(f->store, intid);
	if (!irq)
		return -1;
	int n = (int)lb_ref_read(&irq->refcount) - 1;
	store_put(f->store, irq);
	return n;
}

static bool caches(const struct fx *f)
{
	return !(f->cops->flags & CACHE_F_NEVER);
}

static const struct its_layout small_layout = {
    .nr_vcpus = 2, .nr_devices = 4, .nr_events = 40, .nr_its = 2};

/* ---- hit ---- */
static void test_hit(const struct cache_ops *cops, const struct store_ops *sops)
{
	struct fx f;
	if (fx_init(&f, cops, sops, small_layout) <= 0)
		return;
	uint32_t intid = its_layout_intid(&f.l, 0, 0);
	struct inj a = fx_inject(&f, 0, 0), b = fx_inject(&f, 0, 0);
	CHECKF(!a.hit && a.r == ITS_INJ_QUEUED, "%s: first injection hit=%d r=%d", f.name, a.hit,
	       a.r);
	CHECKF(b.hit == caches(&f) && b.r == ITS_INJ_COALESCED, "%s: second injection hit=%d r=%d",
	       f.name, b.hit, b.r);
	/* ITE + cache entry + the vCPU list */
	CHECKF(fx_refs(&f, intid) == 1 + caches(&f) + 1, "%s: refs %d while queued", f.name,
	       fx_refs(&f, intid));
	fx_check(&f, "hit/queued");
	fx_drain(&f);
	CHECKF(fx_refs(&f, intid) == 1 + caches(&f), "%s: refs %d after ack", f.name,
	       fx_refs(&f, intid));
	CHECKF(fx_cached(&f, 0, 0) == caches(&f), "%s: (0,0) cached=%d", f.name,
	       fx_cached(&f, 0, 0));

	struct its *its0 = &f.vm->its[0];
	struct lb_irq *irq = its0->cache->ops->lookup(its0->cache, its0->doorbell, 0, 0);
	CHECKF((irq != NULL) == caches(&f), "%s: lookup returned %p", f.name, (void *)irq);
	if (irq) {
		CHECKF(irq->intid == intid, "%s: lookup returned INTID %u", f.name, irq->intid);
		CHECKF(fx_refs(&f, intid) == 1 + 1 + 1, "%s: lookup took no reference", f.name);
		store_put(f.store, irq);
	}
	CHECKF(!its0->cache->ops->lookup(its0->cache, its0->doorbell, 0, 7), "%s: unknown key hit",
	       f.name);
	/* Same devid/eventid on the other ITS is another key. */
	struct its *its1 = &f.vm->its[1];
	irq = its1->cache->ops->lookup(its1->cache, its1->doorbell, 0, 0);
	CHECKF(!irq, "%s: key of ITS 0 hit on ITS 1", f.name);
	if (irq)
		store_put(f.store, irq);
	fx_check(&f, "hit");
	fx_fini(&f);
}

/* ---- the null store (STORE_CAP_NULL): every INTID is one irq ---- */
static void test_null_store(const struct cache_ops *cops, const struct store_ops *sops)
{
	struct fx f;
	if (fx_init(&f, cops, sops, small_layout) <= 0)
		return;
	for (uint32_t ev = 0; ev < 8; ev++) {
		fx_inject(&f, 0, ev);
		fx_inject(&f, 1, ev);
	}
	fx_check(&f, "null store, queued");
	fx_drain(&f);
	its_cmd_discard(&f.vm->its[0], 0, 1);
	its_cmd_mapd(&f.vm->its[1], 1, 0, false);
	fx_inject(&f, 0, 2);
	fx_drain(&f);
	fx_check(&f, "null store, after commands");
	fx_fini(&f);
}

/* ---- evict ---- */
static void test_evict(const struct cache_ops *cops, const struct store_ops *sops)
{
	struct fx f;
	struct its_layout l = small_layout;
	if (fx_init(&f, cops, sops, l) <= 0)
		return;
	struct cache *c = f.vm->its[0].cache;
	struct cache_stats st;
	c->ops->stats(c, &st);
	if (cops->flags & CACHE_F_CONFLICT) {
		/* Bounded, evicting on conflict: more keys than slots never
		 * overflow it; each insert that met another key evicted it
		 * (its reference dropped: fx_check counts every irq's); the
		 * newest key is always cached; the rest hit or miss, never
		 * return another key's irq (test_keys). */
		unsigned cap = (unsigned)st.capacity;
		CHECKF(cap == CACHE_ENTRIES_PER_VCPU * l.nr_vcpus, "%s: capacity %u", f.name, cap);
		for (uint32_t ev = 0; ev < l.nr_events; ev++) {
			fx_inject(&f, 0, ev);
			CHECKF(fx_cached(&f, 0, ev), "%s: event %u not cached after its insert",
			       f.name, ev);
		}
		c->ops->stats(c, &st);
		CHECKF(st.entries <= cap && st.entries > 0 &&
			   st.evictions == st.inserts - st.entries && st.evictions > 0,
		       "%s: %llu entries of %u, %llu inserts, %llu evictions", f.name,
		       (unsigned long long)st.entries, cap, (unsigned long long)st.inserts,
		       (unsigned long long)st.evictions);
		fx_drain(&f);
		lb_rcu_barrier();
		fx_check(&f, "conflict evictions");
		fx_fini(&f);
		return;
	}
	if (!(cops->flags & CACHE_F_LIMITED)) {
		for (uint32_t ev = 0; ev < l.nr_events; ev++)
			fx_inject(&f, 0, ev);
		c->ops->stats(c, &st);
		CHECKF(st.entries == (caches(&f) ? l.nr_events : 0) && !st.evictions,
		       "%s: unlimited cache: %llu entries, %llu evictions", f.name,
		       (unsigned long long)st.entries, (unsigned long long)st.evictions);
		fx_drain(&f);
		fx_check(&f, "fill");
		fx_fini(&f);
		return;
	}
	unsigned cap = (unsigned)st.capacity, victim = 5;
	CHECKF(cap == CACHE_ENTRIES_PER_VCPU * l.nr_vcpus && cap < l.nr_events, "%s: capacity %u",
	       f.name, cap);
	if (cap >= l.nr_events) {
		fx_fini(&f);
		return;
	}
	for (uint32_t ev = 0; ev < cap; ev++)
		CHECKF(!fx_inject(&f, 0, ev).hit, "%s: fill %u hit", f.name, ev);
	c->ops->stats(c, &st);
	CHECKF(st.entries == cap && st.evictions == 0, "%s: full: %llu entries, %llu evicted",
	       f.name, (unsigned long long)st.entries, (unsigned long long)st.evictions);
	for (uint32_t ev = 0; ev < cap; ev++)
		if (ev != victim)
			CHECKF(fx_inject(&f, 0, ev).hit, "%s: use %u missed", f.name, ev);
	CHECKF(!fx_inject(&f, 0, cap).hit, "%s: new key hit", f.name);
	c->ops->stats(c, &st);
	CHECKF(st.entries == cap && st.evictions == 1, "%s: after: %llu entries, %llu evicted",
	       f.name, (unsigned long long)st.entries, (unsigned long long)st.evictions);
	for (uint32_t ev = 0; ev <= cap; ev++)
		CHECKF(fx_cached(&f, 0, ev) == (ev != victim), "%s: event %u cached=%d", f.name, ev,
		       fx_cached(&f, 0, ev));
	fx_drain(&f);
	lb_rcu_barrier(); /* usage-callrcu drops the victim's reference in a callback */
	/* The victim's irq lost exactly the cache's reference. */
	CHECKF(fx_refs(&f, its_layout_intid(&l, 0, victim)) == 1, "%s: victim refs %d", f.name,
	       fx_refs(&f, its_layout_intid(&l, 0, victim)));
	fx_check(&f, "evict");
	fx_fini(&f);
}

/* ---- invalidation, one command at a time ---- */
enum inval_cmd {
	IC_DISCARD,
	IC_MOVI,
	IC_MAPD_UNMAP,
	IC_MAPD_REMAP,
	IC_MAPC_UNMAP,
	IC_MOVALL,
	IC_DISABLE,
	IC_MAPTI,
	IC_MAPC_MAP,
	IC_INV,
	IC_INVALL,
	IC_NR
};

static const char *const ic_names[IC_NR] = {
    "DISCARD", "MOVI",	"MAPD unmap", "MAPD remap", "MAPC unmap", "MOVALL",
    "disable", "MAPTI", "MAPC map",   "INV",	    "INVALL",
};

static bool ic_invalidates(enum inval_cmd c)
{
	return c <= IC_DISABLE;
}

static void test_inval_one(const struct cache_ops *cops, const struct store_ops *sops,
			   enum inval_cmd cmd)
{
	struct fx f;
	if (fx_init(&f, cops, sops, small_layout) <= 0)
		return;
	snprintf(f.name + strlen(f.name), sizeof(f.name) - strlen(f.name), " %s", ic_names[cmd]);
	const struct its_layout *l = &f.l;
	struct its *its0 = &f.vm->its[0];
	/* Device 0 is on ITS 0, device 1 on ITS 1; warm 4 events of each. */
	for (uint32_t ev = 0; ev < 4; ev++) {
		fx_inject(&f, 0, ev);
		fx_inject(&f, 1, ev);
	}
	fx_drain(&f);
	unsigned want = caches(&f) ? 4 : 0;
	CHECKF(fx_entries(&f, 0, 0, 0, NULL) == want && fx_entries(&f, 1, 0, 0, NULL) == want,
	       "%s: warm: %u + %u entries", f.name, fx_entries(&f, 0, 0, 0, NULL),
	       fx_entries(&f, 1, 0, 0, NULL));

	/* Event 0 of device 0 routes through collection 0 (vCPU 0), event 1
	 * through collection 1 (vCPU 1). */
	uint32_t i00 = its_layout_intid(l, 0, 0), i01 = its_layout_intid(l, 0, 1);
	int rc = 0;
	switch (cmd) {
	case IC_DISCARD:
		rc = its_cmd_discard(its0, 0, 1);
		break;
	case IC_MOVI:
		rc = its_cmd_movi(its0, 0, 0, 1);
		break;
	case IC_MAPD_UNMAP:
		rc = its_cmd_mapd(its0, 0, 0, false);
		break;
	case IC_MAPD_REMAP:
		rc = its_cmd_mapd(its0, 0, its_layout_event_bits(l), true);
		break;
	case IC_MAPC_UNMAP:
		rc = its_cmd_mapc(its0, 0, 0, false);
		break;
	case IC_MOVALL:
		rc = its_cmd_movall(its0, 0, 1);
		break;
	case IC_DISABLE:
		rc = its_set_enabled(its0, false);
		break;
	case IC_MAPTI:
		rc = its_cmd_mapti(its0, 0, 50, LB_INTID_BASE + 5000, 0);
		break;
	case IC_MAPC_MAP:
		rc = its_cmd_mapc(its0, 0, 1, true);
		break;
	case IC_INV:
		rc = its_cmd_inv(its0, 0, 0);
		break;
	case IC_INVALL:
		rc = its_cmd_invall(its0, 0);
		break;
	default:
		break;
	}
	CHECKF(rc == 0, "%s: command failed: %d", f.name, rc);

	bool global = !(cops->flags & CACHE_F_PER_ITS);
	unsigned want0 = ic_invalidates(cmd) ? 0 : want;
	unsigned want1 = ic_invalidates(cmd) && global ? 0 : want;
	unsigned got0 = fx_entries(&f, 0, 0, 0, NULL), got1 = fx_entries(&f, 1, 0, 0, NULL);
	CHECKF(got0 == want0 && got1 == want1, "%s: entries ITS0 %u (want %u), ITS1 %u (want %u)",
	       f.name, got0, want0, got1, want1);
	fx_check(&f, "after command");

	/* What the command did to the mappings. */
	struct lb_vcpu *v0 = &f.vm->vcpus[0], *v1 = &f.vm->vcpus[1];
	unsigned q0 = (unsigned)v0->queued, q1 = (unsigned)v1->queued;
	struct inj r;
	switch (cmd) {
	case IC_DISCARD:
		CHECKF(fx_refs(&f, i01) == -1, "%s: discarded LPI still stored (refs %d)", f.name,
		       fx_refs(&f, i01));
		CHECKF(fx_inject(&f, 0, 1).r == ITS_INJ_UNMAPPED, "%s: discarded event injected",
		       f.name);
		break;
	case IC_MOVI:
	case IC_MOVALL:
	case IC_MAPC_MAP:
		r = fx_inject(&f, 0, 0);
		CHECKF(r.r == ITS_INJ_QUEUED && v1->queued == q1 + 1 && v0->queued == q0,
		       "%s: not retargeted to vCPU 1 (r=%d)", f.name, r.r);
		break;
	case IC_MAPD_UNMAP:
		CHECKF(fx_refs(&f, i00) == -1 && fx_refs(&f, i01) == -1,
		       "%s: unmapped device's LPIs still stored", f.name);
		CHECKF(fx_inject(&f, 0, 0).r == ITS_INJ_UNMAPPED, "%s: unmapped device injected",
		       f.name);
		break;
	case IC_MAPD_REMAP:
		/* A remapped device has an empty ITT. */
		CHECKF(fx_inject(&f, 0, 0).r == ITS_INJ_UNMAPPED, "%s: remapped ITT not empty",
		       f.name);
		CHECKF(its_layout_map_device(f.vm, l, 0) == 0, "%s: re-MAPTI failed", f.name);
		CHECKF(fx_inject(&f, 0, 0).r == ITS_INJ_QUEUED, "%s: re-mapped event not injected",
		       f.name);
		break;
	case IC_MAPC_UNMAP:
		CHECKF(fx_inject(&f, 0, 0).r == ITS_INJ_UNMAPPED,
		       "%s: event of an unmapped collection injected", f.name);
		CHECKF(fx_inject(&f, 0, 1).r == ITS_INJ_QUEUED, "%s: other collection broken",
		       f.name);
		break;
	case IC_DISABLE:
		CHECKF(fx_inject(&f, 0, 0).r == ITS_INJ_UNMAPPED, "%s: disabled ITS translated",
		       f.name);
		CHECKF(its_set_enabled(its0, true) == 0, "%s: enable", f.name);
		r = fx_inject(&f, 0, 0);
		CHECKF(!r.hit && r.r == ITS_INJ_QUEUED, "%s: re-enabled ITS: hit=%d r=%d", f.name,
		       r.hit, r.r);
		break;
	case IC_MAPTI:
		CHECKF(fx_refs(&f, LB_INTID_BASE + 5000) == 1, "%s: new LPI refs %d", f.name,
		       fx_refs(&f, LB_INTID_BASE + 5000));
		r = fx_inject(&f, 0, 50);
		CHECKF(r.r == ITS_INJ_QUEUED && v0->queued == q0 + 1, "%s: new LPI r=%d", f.name,
		       r.r);
		break;
	default:
		r = fx_inject(&f, 0, 0);
		CHECKF(r.hit == caches(&f), "%s: entry lost without invalidation", f.name);
		break;
	}
	fx_drain(&f);
	fx_check(&f, "after injections");
	fx_fini(&f);
}

/* ---- allocation failures ---- */
static void enomem_sequence(struct fx *f)
{
	for (uint32_t ev = 0; ev < f->l.nr_events; ev++) {
		fx_inject(f, 0, ev);
		fx_inject(f, 1, ev);
	}
	its_cmd_discard(&f->vm->its[0], 0, 1);
	its_cmd_mapti(&f->vm->its[0], 0, 1, its_layout_intid(&f->l, 0, 1), 1);
	its_cmd_movall(&f->vm->its[1], 0, 1);
	its_cmd_mapd(&f->vm->its[1], 1, 0, false);
	its_layout_map_device(f->vm, &f->l, 1);
	fx_inject(f, 1, 0);
	fx_inject(f, 0, 1);
}

static void test_enomem(const struct cache_ops *cops, const struct store_ops *sops)
{
	const struct its_layout l = {.nr_vcpus = 1, .nr_devices = 2, .nr_events = 6, .nr_its = 2};
	char name[64];
	snprintf(name, sizeof(name), "%s/%s enomem", cops->name, sops->name);
	struct st_mem base;
	st_mem_snapshot(&base);
	for (uint64_t nth = 1; nth < 100000; nth++) {
		struct fx f;
		bool skipped;
		memset(&f, 0, sizeof(f));
		f.cops = cops;
		f.sops = sops;
		f.l = l;
		snprintf(f.name, sizeof(f.name), "%s #%llu", name, (unsigned long long)nth);
		f.store = st_create(sops, 64, &skipped);
		if (!f.store)
			break; /* skipped, or failed elsewhere in this suite */
		lb_alloc_fail_nth(nth);
		struct its_vm_cfg vc = {
		    .store = f.store, .cache = cops, .nr_vcpus = l.nr_vcpus, .nr_its = l.nr_its};
		int rc = its_vm_create(&vc, &f.vm);
		if (rc == 0) {
			its_layout_map(f.vm, &f.l); /* may fail part way: fine */
			enomem_sequence(&f);
		} else {
			CHECKF(rc == -ENOMEM && !f.vm, "%s: create: %d", f.name, rc);
		}
		bool done = lb_alloc_attempts() < nth; /* nothing failed: every site seen */
		lb_alloc_fail_nth(0);
		if (f.vm) {
			fx_drain(&f);
			fx_check(&f, "after failures");
			its_vm_destroy(f.vm);
		}
		sops->destroy(f.store);
		if (done || check_failures)
			break;
	}
	/* Once for the whole series (each RCU barrier can cost a liburcu
	 * callback-thread poll period): a leak at any step shows here. */
	for (int k = 0; k < LB_MEM_NR; k++)
		CHECKF(st_mem_delta(&base, (enum lb_mem_kind)k) == 0, "%s: %lld %s objects leaked",
		       name, (long long)st_mem_delta(&base, (enum lb_mem_kind)k),
		       lb_mem_kind_name((enum lb_mem_kind)k));
}

/* ---- concurrent injection + churn ---- */
#define CC_INJECTORS 3
#define CC_CHURNERS  2

struct cc {
	struct fx f;
	atomic_bool stop;
	pthread_barrier_t start;
	struct its_inject_stats inj[CC_INJECTORS];
	uint64_t steps[CC_CHURNERS], step_errors[CC_CHURNERS];
	struct its_mix mix;
};

struct cc_arg {
	struct cc *cc;
	unsigned idx;
};

static void *cc_injector(void *p)
{
	struct cc_arg *a = p;
	struct cc *cc = a->cc;
	uint64_t rng = 0x9e3779b97f4a7c15ull * (a->idx + 1) | 1;
	lb_rcu_register_thread();
	pthread_barrier_wait(&cc->start);
	for (unsigned n = 0; !atomic_load_explicit(&cc->stop, memory_order_relaxed); n++) {
		uint32_t dev = (uint32_t)(st_rand(&rng) % cc->f.l.nr_devices);
		uint32_t ev = (uint32_t)(st_rand(&rng) % cc->f.l.nr_events);
		its_inject(its_layout_its(cc->f.vm, &cc->f.l, dev), dev, ev, &cc->inj[a->idx]);
		if ((n & 63) == 0)
			sched_yield();
	}
	lb_rcu_unregister_thread();
	return NULL;
}

static void *cc_vcpu(void *p)
{
	struct cc_arg *a = p;
	struct cc *cc = a->cc;
	struct lb_vcpu *vcpu = &cc->f.vm->vcpus[a->idx];
	lb_rcu_register_thread();
	pthread_barrier_wait(&cc->start);
	while (!atomic_load_explicit(&cc->stop, memory_order_relaxed))
		if (!its_vcpu_drain(cc->f.vm, vcpu))
			sched_yield();
	lb_rcu_unregister_thread();
	return NULL;
}

static void *cc_churner(void *p)
{
	struct cc_arg *a = p;
	struct cc *cc = a->cc;
	uint64_t rng = 0xbf58476d1ce4e5b9ull * (a->idx + 7) | 1;
	lb_rcu_register_thread();
	pthread_barrier_wait(&cc->start);
	while (!atomic_load_explicit(&cc->stop, memory_order_relaxed)) {
		enum its_mix_op op = its_mix_pick(&cc->mix, st_rand(&rng));
		cc->steps[a->idx]++;
		cc->step_errors[a->idx] += its_mix_step(cc->f.vm, &cc->f.l, op, &rng) != 0;
		sched_yield();
	}
	lb_rcu_unregister_thread();
	return NULL;
}

static void test_concurrent(const struct cache_ops *cops, const struct store_ops *sops,
			    double seconds)
{
	/* 2 vCPUs: limited caches hold 32 entries, fewer than the 48 LPIs. */
	const struct its_layout l = {.nr_vcpus = 2, .nr_devices = 4, .nr_events = 12, .nr_its = 2};
	struct cc *cc = calloc(1, sizeof(*cc));
	CHECK(cc);
	if (!cc)
		return;
	char err[128];
	CHECK(its_mix_parse("discard-mapti:4,movi:2,mapd:1,invall:1,movall:1,inv:1,mapc:1,ctlr:1",
			    &cc->mix, err, sizeof(err)) == 0);
	struct st_mem base;
	st_mem_snapshot(&base);
	unsigned long ref_bugs0 = atomic_load(&st_ref_bugs), irq_bugs0 = atomic_load(&st_irq_bugs);
	unsigned long san0 = st_sanitizer_count();
	if (fx_init(&cc->f, cops, sops, l) <= 0) {
		free(cc);
		return;
	}
	st_watch(cc->f.name, 60 + (unsigned)(seconds * 20));
	st_set_step("concurrent");
	unsigned nthreads = CC_INJECTORS + l.nr_vcpus + CC_CHURNERS;
	pthread_t th[CC_INJECTORS + 8 + CC_CHURNERS];
	struct cc_arg args[CC_INJECTORS + 8 + CC_CHURNERS];
	pthread_barrier_init(&cc->start, NULL, nthreads + 1);
	unsigned t = 0;
	for (unsigned i = 0; i < CC_INJECTORS; i++, t++) {
		args[t] = (struct cc_arg){cc, i};
		pthread_create(&th[t], NULL, cc_injector, &args[t]);
	}
	for (unsigned i = 0; i < l.nr_vcpus; i++, t++) {
		args[t] = (struct cc_arg){cc, i};
		pthread_create(&th[t], NULL, cc_vcpu, &args[t]);
	}
	for (unsigned i = 0; i < CC_CHURNERS; i++, t++) {
		args[t] = (struct cc_arg){cc, i};
		pthread_create(&th[t], NULL, cc_churner, &args[t]);
	}
	pthread_barrier_wait(&cc->start);
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&ts, NULL);
	atomic_store(&cc->stop, true);
	for (unsigned i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&cc->start);

	fx_drain(&cc->f);
	fx_check(&cc->f, "after concurrent run");
	uint64_t inj = 0, hits = 0, misses = 0, queued_inj = 0, steps = 0;
	for (unsigned i = 0; i < CC_INJECTORS; i++) {
		hits += cc->inj[i].hits;
		misses += cc->inj[i].misses;
		queued_inj += cc->inj[i].result[ITS_INJ_QUEUED];
		for (int r = 0; r < ITS_INJ_NR; r++)
			inj += cc->inj[i].result[r];
	}
	for (unsigned i = 0; i < CC_CHURNERS; i++)
		steps += cc->steps[i];
	uint64_t queued, drained, bugs;
	its_vm_list_totals(cc->f.vm, &queued, &drained, &bugs);
	CHECKF(hits + misses == inj, "%s: %llu hits + %llu misses != %llu injections", cc->f.name,
	       (unsigned long long)hits, (unsigned long long)misses, (unsigned long long)inj);
	CHECKF(queued == queued_inj && queued == drained && !bugs,
	       "%s: injectors queued %llu, lists got %llu, acknowledged %llu, bugs %llu",
	       cc->f.name, (unsigned long long)queued_inj, (unsigned long long)queued,
	       (unsigned long long)drained, (unsigned long long)bugs);
	CHECKF(inj > 0 && steps > 0, "%s: no progress (%llu injections, %llu command steps)",
	       cc->f.name, (unsigned long long)inj, (unsigned long long)steps);
	struct cache_stats cs = {0};
	cc->f.vm->its[0].cache->ops->stats(cc->f.vm->its[0].cache, &cs);
	printf("  %-22s %8llu injections (%llu hits), %5llu command steps, %llu evictions, "
	       "%llu invalidated\n",
	       cc->f.name, (unsigned long long)inj, (unsigned long long)hits,
	       (unsigned long long)steps, (unsigned long long)cs.evictions,
	       (unsigned long long)cs.invalidated);
	fx_fini(&cc->f);
	alarm(0);
	for (int k = 0; k < LB_MEM_NR; k++)
		CHECKF(st_mem_delta(&base, (enum lb_mem_kind)k) == 0, "%s: %lld %s objects leaked",
		       cc->f.name, (long long)st_mem_delta(&base, (enum lb_mem_kind)k),
		       lb_mem_kind_name((enum lb_mem_kind)k));
	CHECKF(atomic_load(&st_ref_bugs) == ref_bugs0 && atomic_load(&st_irq_bugs) == irq_bugs0,
	       "%s: refcount bugs %lu, use-after-free reports %lu", cc->f.name,
	       atomic_load(&st_ref_bugs) - ref_bugs0, atomic_load(&st_irq_bugs) - irq_bugs0);
	CHECKF(st_sanitizer_count() == san0, "%s: %lu sanitizer reports", cc->f.name,
	       st_sanitizer_count() - san0);
	free(cc);
}

/* ---- every hit returns the irq mapped for its key ---- */
static void test_keys(const struct cache_ops *cops, const struct store_ops *sops)
{
	struct fx f;
	if (fx_init(&f, cops, sops, small_layout) <= 0)
		return;
	/* 6 events of each of 4 devices: 24 keys, within a limited design's
	 * 32 entries, two ITSes. */
	enum { KEY_EVENTS = 6 };
	for (uint32_t dev = 0; dev < f.l.nr_devices; dev++)
		for (uint32_t ev = 0; ev < KEY_EVENTS; ev++)
			fx_inject(&f, dev, ev);
	fx_drain(&f);
	unsigned hits = 0, wrong = 0;
	for (uint32_t dev = 0; dev < f.l.nr_devices; dev++)
		for (uint32_t ev = 0; ev < KEY_EVENTS; ev++) {
			struct its *its = its_layout_its(f.vm, &f.l, dev);
			struct lb_irq *irq =
			    its->cache->ops->lookup(its->cache, its->doorbell, dev, ev);
			if (!irq)
				continue;
			hits++;
			wrong += irq->intid != its_layout_intid(&f.l, dev, ev);
			store_put(f.store, irq);
		}
	CHECKF(!wrong, "%s: %u of %u hits returned another key's irq", f.name, wrong, hits);
	/* A design that evicts on conflict may have lost some keys to others. */
	unsigned want = caches(&f) ? f.l.nr_devices * KEY_EVENTS : 0;
	CHECKF((cops->flags & CACHE_F_CONFLICT) ? hits > 0 && hits <= want : hits == want,
	       "%s: %u hits of %u keys", f.name, hits, want);
	fx_check(&f, "keys");
	fx_fini(&f);
}

/* ---- a lock-free lookup meets a dying entry ----
 * Between an irq's final put and its removal, a cached pointer to it may
 * still be found: its count is 0. A lookup that takes no lock must then
 * try-get and miss; a plain increment would hand out a freed object. The
 * state is made directly: the count set to 0 while the entry is cached. */
static void test_dying(const struct cache_ops *cops, const struct store_ops *sops)
{
	if (!(cops->flags & CACHE_F_RCU_READERS))
		return; /* under a lock a cached entry's reference keeps it alive */
	struct fx f;
	if (fx_init(&f, cops, sops, small_layout) <= 0)
		return;
	fx_inject(&f, 0, 0);
	fx_drain(&f);
	uint32_t intid = its_layout_intid(&f.l, 0, 0);
	struct lb_irq *irq = store_get(f.store, intid);
	CHECKF(irq && fx_cached(&f, 0, 0), "%s: (0,0) not cached", f.name);
	if (irq) {
		unsigned refs = lb_ref_read(&irq->refcount);
		struct its *its0 = its_layout_its(f.vm, &f.l, 0);
		lb_ref_init(&irq->refcount, 0);
		struct lb_irq *got = its0->cache->ops->lookup(its0->cache, its0->doorbell, 0, 0);
		unsigned after = lb_ref_read(&irq->refcount);
		lb_ref_init(&irq->refcount, refs);
		CHECKF(!got && after == 0,
		       "%s: a lookup of a dying entry (count 0) returned it, count now %u: a "
		       "lock-free hit must try-get",
		       f.name, after);
		store_put(f.store, irq);
	}
	fx_check(&f, "dying");
	fx_fini(&f);
}

/* ---- invalidation under a reader ----
 * A reader inside its RCU read section holds a cached irq without a
 * reference (lookup_rcu); DISCARD then unmaps it and invalidates the
 * cache. With a store that frees at once (list), the cache's reference may
 * be dropped only after a grace period: until the reader leaves, the irq
 * must stay live (freed irqs are poisoned). Deterministic: the reader
 * checks once the DISCARD has returned; a design that waits for readers
 * instead returns only after the reader gives up waiting (0.3 s). */
struct inval_reader {
	struct fx *f;
	atomic_int state; /* 1: holding the irq, 2: DISCARD returned */
	bool got, checked, live;
};

static void *inval_reader_main(void *p)
{
	struct inval_reader *r = p;
	lb_rcu_register_thread();
	lb_rcu_read_lock();
	struct its *its0 = its_layout_its(r->f->vm, &r->f->l, 0);
	struct lb_irq *irq = its0->cache->ops->lookup_rcu(its0->cache, its0->doorbell, 0, 0);
	r->got = irq != NULL;
	atomic_store(&r->state, 1);
	for (int i = 0; irq && i < 300 && atomic_load(&r->state) != 2; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	if (irq && atomic_load(&r->state) == 2) {
		r->checked = true;
		r->live = LB_READ_ONCE(irq->magic) == LB_IRQ_MAGIC_LIVE;
	}
	lb_rcu_read_unlock();
	lb_rcu_unregister_thread();
	return NULL;
}

static void test_inval_readers(const struct cache_ops *cops, const struct store_ops *sops)
{
	if (!cops->lookup_rcu)
		return;
	struct fx f;
	if (fx_init(&f, cops, sops, small_layout) <= 0)
		return;
	fx_inject(&f, 0, 0);
	fx_drain(&f);
	struct inval_reader r = {.f = &f};
	pthread_t th;
	CHECK(pthread_create(&th, NULL, inval_reader_main, &r) == 0);
	while (atomic_load(&r.state) != 1)
		sched_yield();
	int rc = its_cmd_discard(its_layout_its(f.vm, &f.l, 0), 0, 0);
	atomic_store(&r.state, 2);
	pthread_join(th, NULL);
	CHECKF(rc == 0 && r.got, "%s: DISCARD %d, reader found the entry: %d", f.name, rc, r.got);
	CHECKF(!r.checked || r.live,
	       "%s: DISCARD freed an irq a reader still held in its read section: the cache "
	       "dropped its reference without waiting for a grace period",
	       f.name);
	lb_rcu_barrier();
	fx_check(&f, "invalidate under a reader");
	fx_fini(&f);
}

int main(void)
{
	st_install_hooks();
	st_watchdog_init();
	lb_rcu_register_thread();
	/* 2 cores, up to 7 threads: a spinning waiter must not hold the CPU
	 * its lock holder needs. */
	lb_lock_default_kind = LB_LOCK_SPIN_YIELD;

	unsigned nr_caches = 0;
	for (const struct cache_ops *const *c = cache_registry; *c; c++)
		nr_caches++;
	CHECK(nr_caches >= 6);
	CHECK(cache_find("lru") && cache_find("usage-rcu") && cache_find("usage-callrcu") &&
	      cache_find("rwlock") && cache_find("xa") && cache_find("none") &&
	      cache_find("direct") && !cache_find("x"));

	for (const struct cache_ops *const *c = cache_registry; *c; c++) {
		for (const struct store_ops *const *s = store_registry; *s; s++) {
			if ((*s)->caps & STORE_CAP_NULL) {
				/* One irq for every INTID: only the totals hold. */
				test_null_store(*c, *s);
				continue;
			}
			st_watch((*c)->name, 120);
			st_set_step("hit");
			test_hit(*c, *s);
			st_set_step("keys");
			test_keys(*c, *s);
			st_set_step("dying");
			test_dying(*c, *s);
			if (strcmp((*s)->name, "list") == 0) {
				st_set_step("invalidate under a reader");
				test_inval_readers(*c, *s);
			}
			st_set_step("evict");
			test_evict(*c, *s);
			/* Command by command: with an era-A and an era-B store
			 * (every fixture costs RCU barriers). */
			st_set_step("invalidate");
			if (strcmp((*s)->name, "list") == 0 || strcmp((*s)->name, "xa") == 0)
				for (int cmd = 0; cmd < IC_NR; cmd++)
					test_inval_one(*c, *s, (enum inval_cmd)cmd);
			alarm(0);
		}
		printf("  %-14s semantics: ok so far (%d failed)\n", (*c)->name, check_failures);
	}

	/* Allocation failures: with an era-A and an era-B store. */
	const struct store_ops *list = store_find("list"), *xa = store_find("xa");
	CHECK(list && xa);
	for (const struct cache_ops *const *c = cache_registry; *c && list && xa; c++) {
		st_watch((*c)->name, 240);
		st_set_step("enomem");
		test_enomem(*c, list);
		test_enomem(*c, xa);
		alarm(0);
	}

	double budget = 0.5 * check_scale();
	for (const struct cache_ops *const *c = cache_registry; *c && list && xa; c++) {
		test_concurrent(*c, list, budget / 2);
		test_concurrent(*c, xa, budget / 2);
	}
	return check_exit("test_cache");
}
