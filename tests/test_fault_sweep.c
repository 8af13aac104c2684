/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Allocation fault sweep (--fail-alloc's guarantee): for every LPI-store
 * backend in store_registry and every translation-cache design in
 * cache_registry, a small scripted run is repeated once per allocation it
 * makes, with exactly that allocation failing (lb_alloc_fail_nth), until a
 * run makes fewer allocations than the one to fail. Each time:
 *  - the operation that met the failure reports it cleanly (-ENOMEM from
 *    add, NULL from create, "not cached" from a cache insert), and no
 *    operation reports -ENOMEM when nothing was injected into it;
 *  - the structure stays consistent: the failed add retried at once
 *    succeeds, lookups agree with a model of what succeeded, entry counts
 *    and refcounts are right, for_each visits exactly the live entries;
 *  - nothing leaks: after destroy (and an RCU barrier where frees are
 *    deferred) the live objects of every kind are back to the baseline.
 * Stores: adds (fresh and reuse), gets, puts, removes (store_remove),
 * for_each, all counted from create(). Caches (against the list store,
 * era A's immediate frees, and the xa store, era B's deferred ones): the
 * LPIs are mapped first, then counting starts at the cache's create():
 * inserts past capacity (evictions in limited designs), duplicate
 * inserts, lookups (hit and miss), invalidation, re-inserts.
 * Then a short percentage run (--fail-alloc=P% semantics, 25%) per store
 * and cache design, on a longer random script, with the same checks at
 * the end. And the option itself: --fail-alloc=N|P% parsing and the
 * per-run arming (bench/faults.h).
 *
 * Bounded: a few hundred allocation points per structure; the RCU barriers
 * (about 10 ms each with liburcu) dominate.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/faults.h"
#include "bench/options.h"
#include "check.h"
#include "core/alloc.h"
#include "core/rand.h"
#include "structures/store.h"
#include "caches/cache.h"
#include "model/its.h"

#define MAX_NTH 5000u

/* ---- memory ---- */
struct mem {
	uint64_t live[LB_MEM_NR];
};

static void mem_take(struct mem *m, bool barrier)
{
	if (barrier)
		lb_rcu_barrier();
	for (int k = 0; k < LB_MEM_NR; k++)
		m->live[k] = lb_mem_live_objects((enum lb_mem_kind)k);
}

static void check_no_leak(const struct mem *base, bool barrier, const char *name,
			  unsigned long long nth)
{
	struct mem now;
	mem_take(&now, barrier);
	for (int k = 0; k < LB_MEM_NR; k++)
		CHECKF(now.live[k] == base->live[k], "%s nth %llu: %lld %s objects leaked", name,
		       nth, (long long)(now.live[k] - base->live[k]),
		       lb_mem_kind_name((enum lb_mem_kind)k));
}

static bool fired_in(uint64_t before, uint64_t nth)
{
	return before < nth && lb_alloc_attempts() >= nth;
}

static uint64_t entries_of(struct store *s)
{
	struct store_stats st;
	store_get_stats(s, &st);
	return st.entries;
}

/* ---- stores ---- */
static const uint32_t skeys[] = {8192, 8193, 9000, 20000, 40000, 65535, 12345, 30001};
#define NSKEYS (sizeof(skeys) / sizeof(skeys[0]))

struct smodel {
	unsigned refs[NSKEYS];
	struct lb_irq *irq[NSKEYS];
};

static unsigned smodel_live(const struct smodel *m)
{
	unsigned n = 0;
	for (unsigned k = 0; k < NSKEYS; k++)
		n += m->refs[k] != 0;
	return n;
}

/* Walks that met an injected failure and visited nothing (see store_step). */
static unsigned for_each_dropped;

struct visit {
	const struct smodel *m;
	unsigned seen, wrong;
};

static int visit_fn(struct lb_irq *irq, void *arg)
{
	struct visit *v = arg;
	v->seen++;
	bool ok = false;
	for (unsigned k = 0; k < NSKEYS; k++)
		if (skeys[k] == irq->intid && v->m->irq[k] == irq && v->m->refs[k])
			ok = true;
	v->wrong += !ok;
	return 0;
}

/* One op of a store script: a(dd), g(et+put), p(ut a mapping), r(emove),
 * f(or_each). Returns -1 after a failed CHECK. */
static int store_step(struct store *s, char op, unsigned k, struct smodel *m, uint64_t nth,
		      const char *name, unsigned *enomem)
{
	const struct store_ops *ops = s->ops;
	uint32_t intid = skeys[k];
	int f0 = check_failures;
	if (op == 'a') {
		uint64_t a0 = lb_alloc_attempts();
		struct lb_irq *irq = NULL;
		int rc = ops->add(s, intid, &irq);
		if (rc == -ENOMEM) {
			CHECKF(fired_in(a0, nth),
			       "%s nth %llu: add(%u) -ENOMEM with nothing injected", name,
			       (unsigned long long)nth, intid);
			(*enomem)++;
			rc = ops->add(s, intid, &irq); /* the failure is spent: must work */
			CHECKF(rc == 0, "%s nth %llu: add(%u) retried after -ENOMEM: %d", name,
			       (unsigned long long)nth, intid, rc);
		}
		if (rc == 0) {
			CHECKF(irq && irq->intid == intid, "%s nth %llu: add(%u) bad irq", name,
			       (unsigned long long)nth, intid);
			CHECKF(!m->refs[k] || irq == m->irq[k],
			       "%s nth %llu: add(%u) of a mapped INTID made a new object", name,
			       (unsigned long long)nth, intid);
			m->irq[k] = irq;
			m->refs[k]++;
		} else {
			CHECKF(0, "%s nth %llu: add(%u) returned %d", name, (unsigned long long)nth,
			       intid, rc);
		}
	} else if (op == 'g') {
		struct lb_irq *g = store_get(s, intid);
		CHECKF(g == (m->refs[k] ? m->irq[k] : NULL), "%s nth %llu: get(%u) disagrees", name,
		       (unsigned long long)nth, intid);
		if (g)
			store_put(s, g);
	} else if (op == 'p' && m->refs[k]) {
		store_put(s, m->irq[k]);
		if (!--m->refs[k])
			m->irq[k] = NULL;
	} else if (op == 'r' && m->refs[k]) {
		CHECKF(store_remove(s, intid) == 0, "%s nth %llu: remove(%u) failed", name,
		       (unsigned long long)nth, intid);
		if (!--m->refs[k])
			m->irq[k] = NULL;
	} else if (op == 'f') {
		struct visit v = {m, 0, 0};
		uint64_t fail0 = lb_mem_failed_total();
		size_t n = ops->for_each(s, LB_INTID_BASE, LB_INTID_LIMIT - 1, visit_fn, &v);
		/* The contract gives for_each no error return: a walk whose own
		 * allocation failed (list, list-rw copy the INTIDs first, as the
		 * kernel does) visits nothing. Anything else must be exact. */
		bool dropped = lb_mem_failed_total() != fail0 && n == 0 && v.seen == 0;
		for_each_dropped += dropped;
		CHECKF(dropped || (n == v.seen && v.seen == smodel_live(m) && !v.wrong),
		       "%s nth %llu: for_each visited %u (returned %zu, %u unexpected), %u live",
		       name, (unsigned long long)nth, v.seen, n, v.wrong, smodel_live(m));
	}
	uint64_t e = entries_of(s);
	CHECKF(e == STORE_STAT_ABSENT || e == smodel_live(m), "%s nth %llu: %llu entries, %u live",
	       name, (unsigned long long)nth, (unsigned long long)e, smodel_live(m));
	return check_failures == f0 ? 0 : -1;
}

/* The scripted run: (op, key) pairs. */
static const char store_script[][2] = {
    {'a', 0}, {'a', 1}, {'a', 2}, {'a', 5}, {'a', 0}, {'g', 2}, {'f', 0}, {'r', 1}, {'a', 1},
    {'a', 3}, {'a', 4}, {'p', 0}, {'g', 0}, {'r', 5}, {'a', 5}, {'a', 6}, {'a', 7}, {'f', 0},
    {'r', 0}, {'g', 0}, {'a', 0}, {'p', 2}, {'a', 2}, {'r', 3}, {'f', 0},
};
#define STORE_SCRIPT_LEN (sizeof(store_script) / sizeof(store_script[0]))

/* Drops every reference the model holds, checks the store is empty,
 * destroys it. */
static void store_finish(struct store *s, struct smodel *m, uint64_t nth, const char *name)
{
	for (unsigned k = 0; k < NSKEYS; k++) {
		struct lb_irq *g = store_get(s, skeys[k]);
		CHECKF(g == m->irq[k], "%s nth %llu: INTID %u: store disagrees with the model",
		       name, (unsigned long long)nth, skeys[k]);
		if (g) {
			CHECKF(lb_ref_read(&g->refcount) == m->refs[k] + 1,
			       "%s nth %llu: INTID %u refcount %u, want %u", name,
			       (unsigned long long)nth, skeys[k], lb_ref_read(&g->refcount),
			       m->refs[k] + 1);
			store_put(s, g);
		}
		while (m->refs[k]) {
			store_put(s, m->irq[k]);
			m->refs[k]--;
		}
		m->irq[k] = NULL;
	}
	uint64_t e = entries_of(s);
	CHECKF(e == STORE_STAT_ABSENT || e == 0, "%s nth %llu: %llu entries left", name,
	       (unsigned long long)nth, (unsigned long long)e);
	s->ops->destroy(s);
}

/* Returns whether the nth allocation was reached (else the sweep is over). */
static bool store_run(const struct store_ops *ops, uint64_t nth, unsigned *enomem)
{
	bool deferred = ops->caps & STORE_CAP_DEFERRED_FREE;
	struct mem base;
	struct smodel m;
	memset(&m, 0, sizeof(m));
	mem_take(&base, false);
	lb_alloc_fail_nth(nth);
	struct store_cfg cfg = {.expected_lpis = 8};
	struct store *s = ops->create(&cfg);
	if (!s) {
		bool fired = lb_alloc_attempts() >= nth;
		lb_alloc_fail_nth(0);
		CHECKF(fired, "%s nth %llu: create failed with nothing injected", ops->name,
		       (unsigned long long)nth);
		check_no_leak(&base, deferred, ops->name, nth);
		return fired;
	}
	int f0 = check_failures;
	for (size_t i = 0; i < STORE_SCRIPT_LEN; i++)
		if (store_step(s, store_script[i][0], (unsigned)store_script[i][1], &m, nth,
			       ops->name, enomem))
			break;
	bool fired = lb_alloc_attempts() >= nth;
	lb_alloc_fail_nth(0);
	/* The store keeps working: one more add and remove. */
	if (check_failures == f0) {
		store_step(s, 'a', 3, &m, nth, ops->name, enomem);
		store_step(s, 'r', 3, &m, nth, ops->name, enomem);
	}
	store_finish(s, &m, nth, ops->name);
	check_no_leak(&base, deferred, ops->name, nth);
	return fired;
}

static void store_percent(const struct store_ops *ops, uint64_t seed, unsigned *enomem)
{
	bool deferred = ops->caps & STORE_CAP_DEFERRED_FREE;
	struct mem base;
	struct smodel m;
	memset(&m, 0, sizeof(m));
	mem_take(&base, deferred);
	struct store_cfg cfg = {.expected_lpis = 8};
	struct store *s = ops->create(&cfg);
	CHECKF(s, "%s: create", ops->name);
	if (!s)
		return;
	uint64_t x = seed * 0x9E3779B97F4A7C15ull | 1;
	lb_alloc_fail_percent(25, seed);
	static const char opsyms[] = "aaagprf";
	int f0 = check_failures;
	for (unsigned i = 0; i < 400 && check_failures == f0; i++) {
		uint64_t r = lb_rand64(&x);
		char op = opsyms[(r >> 8) % 7];
		unsigned k = (unsigned)((r >> 24) % NSKEYS);
		if (op == 'a') {
			/* percent mode: a retry may fail again; count and move on */
			struct lb_irq *irq = NULL;
			int rc = ops->add(s, skeys[k], &irq);
			CHECKF(rc == 0 || rc == -ENOMEM, "%s: add %d", ops->name, rc);
			if (rc == 0) {
				CHECK(!m.refs[k] || irq == m.irq[k]);
				m.irq[k] = irq;
				m.refs[k]++;
			} else {
				(*enomem)++;
			}
			uint64_t e = entries_of(s);
			CHECKF(e == STORE_STAT_ABSENT || e == smodel_live(&m), "%s: entries",
			       ops->name);
		} else {
			store_step(s, op, k, &m, 0, ops->name, enomem);
		}
	}
	lb_alloc_fail_nth(0);
	store_finish(s, &m, 0, ops->name);
	check_no_leak(&base, deferred, ops->name, 0);
}

static void sweep_store(const struct store_ops *ops)
{
	unsigned enomem = 0, points, dropped0 = for_each_dropped;
	int f0 = check_failures;
	for (points = 1; points < MAX_NTH; points++)
		if (!store_run(ops, points, &enomem) || check_failures != f0)
			break;
	CHECKF(points < MAX_NTH, "%s: the sweep did not end", ops->name);
	CHECKF(enomem > 0, "%s: no add ever met a failure", ops->name);
	unsigned pct_enomem = 0;
	for (uint64_t seed = 1; seed <= 3 && check_failures == f0; seed++)
		store_percent(ops, seed, &pct_enomem);
	printf("fault sweep: store %-8s %s: %u allocation points, %u -ENOMEM; 25%%: %u -ENOMEM%s\n",
	       ops->name, check_failures == f0 ? "PASS" : "FAIL", points - 1, enomem, pct_enomem,
	       for_each_dropped != dropped0 ? "; for_each visits nothing when its own allocation "
					      "fails (no error return in the contract)"
					    : "");
	fflush(stdout);
}

/* ---- caches ---- */
#define NLPI	 20 /* more than a limited design's 16 entries for one vCPU */
#define INTID(i) (8192u + 7u * (i))

struct cfix {
	const struct cache_ops *cops;
	const struct store_ops *sops;
	struct store *store;
	struct its its;
	struct lb_irq *irq[NLPI]; /* the mappings (one reference each) */
	struct cache *c;
	char name[64];
};

static void cfix_its(struct cfix *f)
{
	memset(&f->its, 0, sizeof(f->its));
	f->its.doorbell = ITS_DOORBELL(0);
	f->its.enabled = true;
	pthread_mutex_init(&f->its.its_lock, NULL);
	pthread_mutex_init(&f->its.cmd_lock, NULL);
	lb_list_init(&f->its.devices);
	lb_list_init(&f->its.collections);
}

/* Store and mappings, outside the injection. Returns 0, or -1 (skip). */
static int cfix_init(struct cfix *f, const struct cache_ops *cops, const struct store_ops *sops)
{
	memset(f, 0, sizeof(*f));
	f->cops = cops;
	f->sops = sops;
	snprintf(f->name, sizeof(f->name), "%s/%s", cops->name, sops->name);
	struct store_cfg cfg = {.expected_lpis = NLPI};
	f->store = sops->create(&cfg);
	CHECKF(f->store, "%s: store create", f->name);
	if (!f->store)
		return -1;
	for (unsigned i = 0; i < NLPI; i++)
		CHECK(sops->add(f->store, INTID(i), &f->irq[i]) == 0);
	cfix_its(f);
	f->its.cache = NULL;
	return 0;
}

static struct cache *cfix_create(struct cfix *f)
{
	struct cache_cfg cc = {
	    .store = f->store,
	    .its = (f->cops->flags & CACHE_F_PER_ITS) ? &f->its : NULL,
	    .doorbell = f->its.doorbell,
	    .nr_vcpus = 1,
	};
	return f->cops->create(&cc);
}

static void cfix_fini(struct cfix *f)
{
	if (f->c)
		f->cops->destroy(f->c);
	f->c = NULL;
	for (unsigned i = 0; i < NLPI; i++)
		if (f->irq[i])
			store_put(f->store, f->irq[i]);
	f->sops->destroy(f->store);
	pthread_mutex_destroy(&f->its.its_lock);
	pthread_mutex_destroy(&f->its.cmd_lock);
}

static void c_insert(struct cfix *f, unsigned i)
{
	pthread_mutex_lock(&f->its.its_lock);
	f->cops->insert(f->c, f->its.doorbell, 0, i, f->irq[i]);
	pthread_mutex_unlock(&f->its.its_lock);
}

static void c_invalidate(struct cfix *f)
{
	pthread_mutex_lock(&f->its.its_lock);
	f->cops->invalidate(f->c, &f->its);
	pthread_mutex_unlock(&f->its.its_lock);
}

/* Looks (0, i) up; checks the answer; drops the lookup's reference.
 * Returns whether it hit. */
static bool c_lookup(struct cfix *f, unsigned i, uint64_t nth)
{
	struct lb_irq *irq = f->cops->lookup(f->c, f->its.doorbell, 0, i);
	CHECKF(!irq || irq == f->irq[i], "%s nth %llu: lookup(0, %u) returned another irq", f->name,
	       (unsigned long long)nth, i);
	if (irq)
		store_put(f->store, irq);
	return irq != NULL;
}

struct centry_count {
	const struct cfix *f;
	unsigned n, wrong;
	unsigned per_irq[NLPI];
};

static int count_centry(uint64_t db, uint32_t devid, uint32_t eventid, struct lb_irq *irq,
			void *arg)
{
	struct centry_count *a = arg;
	a->n++;
	if (db != a->f->its.doorbell || devid != 0 || eventid >= NLPI || irq != a->f->irq[eventid])
		a->wrong++;
	else
		a->per_irq[eventid]++;
	return 0;
}

/* Quiescent: entries are right, stats agree, every irq's refcount is its
 * mapping + its cache entries (after a barrier for deferred drops). */
static void c_consistent(struct cfix *f, uint64_t nth, const char *when)
{
	lb_rcu_barrier();
	struct centry_count a = {.f = f};
	f->cops->for_each(f->c, count_centry, &a);
	struct cache_stats st;
	memset(&st, 0, sizeof(st));
	f->cops->stats(f->c, &st);
	CHECKF(!a.wrong, "%s nth %llu %s: %u entries map a wrong key or irq", f->name,
	       (unsigned long long)nth, when, a.wrong);
	CHECKF(st.entries == a.n, "%s nth %llu %s: stats say %llu entries, for_each saw %u",
	       f->name, (unsigned long long)nth, when, (unsigned long long)st.entries, a.n);
	CHECKF(!st.capacity || a.n <= st.capacity, "%s nth %llu %s: %u entries over capacity %llu",
	       f->name, (unsigned long long)nth, when, a.n, (unsigned long long)st.capacity);
	for (unsigned i = 0; i < NLPI; i++)
		CHECKF(lb_ref_read(&f->irq[i]->refcount) == 1 + a.per_irq[i],
		       "%s nth %llu %s: LPI %u refcount %u, want 1 + %u entries", f->name,
		       (unsigned long long)nth, when, INTID(i), lb_ref_read(&f->irq[i]->refcount),
		       a.per_irq[i]);
}

/* The scripted cache run, counting from create(). */
static bool cache_run(const struct cache_ops *cops, const struct store_ops *sops, uint64_t nth)
{
	struct cfix f;
	struct mem base;
	mem_take(&base, true);
	if (cfix_init(&f, cops, sops))
		return false;
	bool caches = !(cops->flags & CACHE_F_NEVER);
	int f0 = check_failures;
	lb_alloc_fail_nth(nth);
	f.c = cfix_create(&f);
	if (!f.c) {
		bool fired = lb_alloc_attempts() >= nth;
		lb_alloc_fail_nth(0);
		CHECKF(fired, "%s nth %llu: create failed with nothing injected", f.name,
		       (unsigned long long)nth);
		cfix_fini(&f);
		check_no_leak(&base, true, f.name, nth);
		return fired;
	}
	for (unsigned i = 0; i < NLPI && check_failures == f0; i++) {
		bool had = c_lookup(&f, i, nth);
		uint64_t a0 = lb_alloc_attempts();
		c_insert(&f, i);
		bool failed = fired_in(a0, nth);
		bool hit = c_lookup(&f, i, nth);
		if (!caches)
			CHECKF(!hit, "%s: a `never` cache hit", f.name);
		else if (!failed)
			CHECKF(hit,
			       "%s nth %llu: (0, %u) not cached after an insert that did not "
			       "fail",
			       f.name, (unsigned long long)nth, i);
		else
			CHECKF(!hit || had, "%s nth %llu: (0, %u) cached by an insert that failed",
			       f.name, (unsigned long long)nth, i);
	}
	c_insert(&f, NLPI - 1); /* a duplicate: kept, no second entry */
	for (unsigned i = 0; i < NLPI; i++)
		c_lookup(&f, i, nth);
	c_consistent(&f, nth, "after inserts");
	c_invalidate(&f);
	for (unsigned i = 0; i < NLPI; i++)
		CHECKF(!c_lookup(&f, i, nth), "%s nth %llu: hit after invalidation", f.name,
		       (unsigned long long)nth);
	for (unsigned i = 0; i < 4; i++)
		c_insert(&f, i);
	bool fired = lb_alloc_attempts() >= nth;
	lb_alloc_fail_nth(0);
	/* Keeps working: what is inserted now is cached. */
	c_insert(&f, 5);
	CHECKF(!caches || c_lookup(&f, 5, nth), "%s nth %llu: no hit after the failures", f.name,
	       (unsigned long long)nth);
	c_consistent(&f, nth, "at the end");
	c_invalidate(&f);
	c_consistent(&f, nth, "after the last invalidation");
	cfix_fini(&f);
	check_no_leak(&base, true, f.name, nth);
	return fired;
}

static void cache_percent(const struct cache_ops *cops, const struct store_ops *sops, uint64_t seed)
{
	struct cfix f;
	struct mem base;
	mem_take(&base, true);
	if (cfix_init(&f, cops, sops))
		return;
	f.c = cfix_create(&f);
	CHECKF(f.c, "%s: create", f.name);
	if (!f.c) {
		cfix_fini(&f);
		return;
	}
	lb_alloc_fail_percent(25, seed);
	uint64_t x = seed * 0x9E3779B97F4A7C15ull | 1;
	for (unsigned n = 0; n < 300; n++) {
		uint64_t r = lb_rand64(&x);
		unsigned i = (unsigned)((r >> 16) % NLPI);
		switch ((r >> 8) % 8) {
		case 0:
			c_invalidate(&f);
			break;
		case 1:
		case 2:
		case 3:
			c_insert(&f, i);
			break;
		default:
			c_lookup(&f, i, 0);
			break;
		}
	}
	lb_alloc_fail_nth(0);
	c_consistent(&f, 0, "after 25% failures");
	cfix_fini(&f);
	check_no_leak(&base, true, f.name, 0);
}

static void sweep_cache(const struct cache_ops *cops, const struct store_ops *sops)
{
	int f0 = check_failures;
	unsigned points;
	struct store_cfg cfg = {0};
	errno = 0;
	struct store *probe = sops->create(&cfg);
	if (!probe) {
		CHECKF(errno == ENOTSUP, "%s: store create", sops->name);
		return;
	}
	sops->destroy(probe);
	for (points = 1; points < MAX_NTH; points++)
		if (!cache_run(cops, sops, points) || check_failures != f0)
			break;
	CHECKF(points < MAX_NTH, "%s/%s: the sweep did not end", cops->name, sops->name);
	for (uint64_t seed = 1; seed <= 2 && check_failures == f0; seed++)
		cache_percent(cops, sops, seed);
	printf("fault sweep: cache %-13s on %-4s %s: %u allocation points\n", cops->name,
	       sops->name, check_failures == f0 ? "PASS" : "FAIL", points - 1);
	fflush(stdout);
}

/* ---- the option: --fail-alloc=N|P% and per-run arming ---- */
static int parse(const char *arg)
{
	char opt[64];
	snprintf(opt, sizeof(opt), "--fail-alloc=%s", arg);
	char *argv[] = {"bench", opt, NULL};
	enum bench_action act;
	faults_reset();
	return options_parse(2, argv, &act);
}

static void test_option(void)
{
	static const char *const bad[] = {"0",	  "-1",	 "x",	 "",	"%",	 "0%",
					  "101%", "1.5", "nan%", "5%%", "1e400%"};
	FILE *saved = stderr;
	stderr = fopen("/dev/null", "w");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(parse(bad[i]) == -1 && !faults_enabled(), "--fail-alloc=%s accepted",
		       bad[i]);
	fclose(stderr);
	stderr = saved;

	CHECK(parse("3") == 0 && faults_enabled() && strcmp(faults_desc(), "3") == 0);
	faults_run_begin(1);
	void *p[4];
	for (int i = 0; i < 4; i++)
		p[i] = lb_zalloc(LB_MEM_OTHER, 8);
	CHECK(p[0] && p[1] && !p[2] && p[3]);
	CHECK(faults_run_end() == 1);
	void *q = lb_zalloc(LB_MEM_OTHER, 8); /* disarmed */
	CHECK(q);
	faults_run_begin(1); /* re-armed: counts again from here */
	void *r[3];
	for (int i = 0; i < 3; i++)
		r[i] = lb_zalloc(LB_MEM_OTHER, 8);
	CHECK(r[0] && r[1] && !r[2]);
	CHECK(faults_run_end() == 1);
	for (int i = 0; i < 4; i++)
		lb_free(LB_MEM_OTHER, p[i], 8);
	for (int i = 0; i < 3; i++)
		lb_free(LB_MEM_OTHER, r[i], 8);
	lb_free(LB_MEM_OTHER, q, 8);

	CHECK(parse("50%") == 0 && strcmp(faults_desc(), "50%") == 0);
	faults_run_begin(7);
	unsigned failed = 0;
	for (int i = 0; i < 1000; i++) {
		void *v = lb_zalloc(LB_MEM_OTHER, 8);
		failed += !v;
		lb_free(LB_MEM_OTHER, v, 8);
	}
	CHECKF(failed > 400 && failed < 600, "50%%: %u of 1000 failed", failed);
	CHECK(faults_run_end() == failed);
	faults_reset();
	CHECK(!faults_enabled());
}

int main(void)
{
	lb_rcu_register_thread();
	lb_irq_checks = true;
	uint64_t t0 = lb_alloc_attempts();
	(void)t0;
	test_option();
	for (const struct store_ops *const *o = store_registry; *o; o++) {
		struct store_cfg cfg = {0};
		errno = 0;
		struct store *probe = (*o)->create(&cfg);
		if (!probe && errno == ENOTSUP) {
			printf("fault sweep: store %-8s SKIPPED: not in this build\n", (*o)->name);
			continue;
		}
#ifdef STORE_CAP_NULL
		if ((*o)->caps & STORE_CAP_NULL) {
			/* The harness baseline: no index, nothing allocated per add. */
			printf("fault sweep: store %-8s SKIPPED: not a store (STORE_CAP_NULL)\n",
			       (*o)->name);
			if (probe)
				(*o)->destroy(probe);
			continue;
		}
#endif
		CHECKF(probe, "%s: create", (*o)->name);
		if (probe)
			(*o)->destroy(probe);
		sweep_store(*o);
	}
	const struct store_ops *era_a = store_find("list"), *era_b = store_find("xa");
	for (const struct cache_ops *const *c = cache_registry; *c; c++) {
		if (era_a)
			sweep_cache(*c, era_a);
		if (era_b)
			sweep_cache(*c, era_b);
	}
	lb_rcu_barrier();
	lb_rcu_unregister_thread();
	return check_exit("fault_sweep");
}
