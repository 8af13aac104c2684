/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Conformance suite: the LPI-store contract (structures/store.h), run
 * against every backend in store_registry with no per-backend code. What a
 * backend may do differently is read from its caps only:
 *  - STORE_CAP_LOCKFREE_GET: get can meet an entry whose refcount already
 *    reached zero (the window between the final put and the erase), so the
 *    "dying entry" cases run; a backend whose lookups are serialised with
 *    the free can never show such an entry, and says so in the output.
 *  - STORE_CAP_NULL (the harness baseline, not a store): only what it keeps
 *    of the contract is checked (test_null).
 * A backend whose create() fails with ENOTSUP is reported SKIPPED
 * (store_test.h); a create() failing for any other reason is a failure.
 *
 * Single-threaded: the concurrent cases are test_stress.c. Each case builds
 * its own store and checks, after destroy and an RCU barrier, that every
 * irq, structure and scratch allocation it caused was freed. One line per
 * backend says PASS/FAIL and what was covered; the dense fill of the whole
 * INTID space stops at a time budget for backends with O(n) lookups (the
 * era-A list), and that line says how far it got.
 */
#include <errno.h>
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

#define INTID_FIRST LB_INTID_BASE
#define INTID_LAST  (LB_INTID_LIMIT - 1)
#define IDX(intid)  ((intid)-LB_INTID_BASE)

static uint32_t refs_of(const struct lb_irq *irq)
{
	return lb_ref_read(&irq->refcount);
}

static uint64_t entries_of(struct store *s)
{
	struct store_stats st;
	store_get_stats(s, &st);
	return st.entries;
}

/* entries must equal want, unless the backend reports it absent. */
#define CHECK_ENTRIES(s, want)                                                                     \
	do {                                                                                       \
		uint64_t e_ = entries_of(s);                                                       \
		CHECKF(e_ == STORE_STAT_ABSENT || e_ == (uint64_t)(want),                          \
		       "entries %llu, expected %llu", (unsigned long long)e_,                      \
		       (unsigned long long)(want));                                                \
	} while (0)

#define CHECK_NO_LEAK(base, kind)                                                                  \
	do {                                                                                       \
		int64_t d_ = st_mem_delta((base), (kind));                                         \
		CHECKF(d_ == 0, "%lld %s objects leaked (negative: freed twice)", (long long)d_,   \
		       lb_mem_kind_name(kind));                                                    \
	} while (0)

static struct store *create_or_fail(const struct store_ops *ops, uint32_t expected)
{
	bool skipped;
	struct store *s = st_create(ops, expected, &skipped);
	CHECKF(s != NULL, "%s: create failed (errno %d)", ops->name, errno);
	if (s)
		CHECKF(s->ops == ops, "%s: struct store does not point at its ops", ops->name);
	return s;
}

/* ---- for_each visitor: records what it saw, checks what it holds ---- */
static uint8_t seen[LB_NR_LPI_SPACE];

struct visit {
	uint32_t first, last;
	unsigned min_refs;   /* the walk's reference plus the mapping's */
	unsigned stop_after; /* return non-zero on this call (0: never) */
	unsigned calls, out_of_range, low_refs, dups, bad_intid;
};

static void visit_init(struct visit *v, uint32_t first, uint32_t last, unsigned stop_after)
{
	memset(v, 0, sizeof(*v));
	v->first = first;
	v->last = last;
	v->min_refs = 2;
	v->stop_after = stop_after;
	memset(seen, 0, sizeof(seen));
}

static int visit_fn(struct lb_irq *irq, void *arg)
{
	struct visit *v = arg;
	irq_check(irq);
	v->calls++;
	if (!store_intid_valid(irq->intid)) {
		v->bad_intid++;
		return 0;
	}
	if (irq->intid < v->first || irq->intid > v->last)
		v->out_of_range++;
	/* The walk must hold its own reference while fn runs, or fn could
	 * touch an irq that a concurrent put frees under it. */
	if (refs_of(irq) < v->min_refs)
		v->low_refs++;
	if (seen[IDX(irq->intid)]++)
		v->dups++;
	return v->stop_after && v->calls >= v->stop_after;
}

/* Walks [first, last] and checks it visited exactly the entries marked in
 * want (a bitmap over the LPI space), once each, with references held. */
static void check_walk(struct store *s, uint32_t first, uint32_t last, const uint8_t *want)
{
	struct visit v;
	visit_init(&v, first, last, 0);
	size_t n = s->ops->for_each(s, first, last, visit_fn, &v);
	size_t expect = 0, missing = 0;
	for (uint32_t i = first; i <= last && i < LB_INTID_LIMIT; i++) {
		if (i < LB_INTID_BASE)
			continue;
		expect += want[IDX(i)] != 0;
		missing += want[IDX(i)] && !seen[IDX(i)];
	}
	size_t extra = 0;
	for (uint32_t i = 0; i < LB_NR_LPI_SPACE; i++)
		extra += seen[i] && !want[i];
	CHECKF(v.calls == expect && missing == 0 && extra == 0,
	       "for_each [%u, %u]: %u calls, %zu expected, %zu missing, %zu unexpected", first,
	       last, v.calls, expect, missing, extra);
	CHECKF(n == v.calls, "for_each returned %zu, fn called %u times", n, v.calls);
	CHECKF(v.out_of_range == 0 && v.bad_intid == 0, "for_each visited %u out of range",
	       v.out_of_range + v.bad_intid);
	CHECKF(v.low_refs == 0, "for_each: fn ran %u times without a reference held", v.low_refs);
	CHECKF(v.dups == 0, "for_each visited %u entries twice", v.dups);
}

/* ---- create / destroy ---- */
static void test_create_destroy(const struct store_ops *ops)
{
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 0);
	if (!s)
		return;
	CHECK_ENTRIES(s, 0);
	struct store_stats st;
	store_get_stats(s, &st);
	CHECKF(st.mem_bytes != STORE_STAT_ABSENT, "%s does not report its footprint", ops->name);
	CHECKF(st.mem_alloc_bytes == STORE_STAT_ABSENT || st.mem_alloc_bytes >= st.mem_bytes,
	       "%s: allocated bytes below the bytes held", ops->name);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);

	/* destroy() frees what is left, whatever its refcounts. */
	s = create_or_fail(ops, 4);
	if (!s)
		return;
	struct lb_irq *irq;
	CHECK(ops->add(s, 8192, &irq) == 0);
	CHECK(ops->add(s, 8192, &irq) == 0); /* refcount 2 */
	CHECK(ops->add(s, 30000, &irq) == 0);
	CHECK(ops->add(s, 65535, &irq) == 0);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
	CHECK_NO_LEAK(&base, LB_MEM_OTHER);
}

/* ---- add / get / put / remove: the reference rules ---- */
static void test_refs(const struct store_ops *ops)
{
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 16);
	if (!s)
		return;
	struct lb_irq *irq = NULL, *again = NULL;

	CHECK(ops->add(s, 8200, &irq) == 0);
	if (!irq) {
		CHECK(irq != NULL);
		ops->destroy(s);
		return;
	}
	irq_check(irq);
	CHECK(irq->intid == 8200);
	CHECKF(refs_of(irq) == 1, "fresh add: refcount %u", refs_of(irq));
	CHECK_ENTRIES(s, 1);
	CHECK(st_mem_delta(&base, LB_MEM_IRQ) == 1);

	/* MAPTI of a mapped INTID: same object, one more reference. */
	CHECK(ops->add(s, 8200, &again) == 0);
	CHECK(again == irq);
	CHECKF(refs_of(irq) == 2, "second add: refcount %u", refs_of(irq));
	CHECK_ENTRIES(s, 1);
	CHECK(st_mem_delta(&base, LB_MEM_IRQ) == 1);

	struct lb_irq *g = store_get(s, 8200);
	CHECK(g == irq);
	CHECKF(refs_of(irq) == 3, "get: refcount %u", refs_of(irq));
	store_put(s, g);
	CHECKF(refs_of(irq) == 2, "put: refcount %u", refs_of(irq));

	/* Absent INTIDs, including the neighbours and the range ends. */
	CHECK(store_get(s, 8199) == NULL);
	CHECK(store_get(s, 8201) == NULL);
	CHECK(store_get(s, INTID_FIRST) == NULL);
	CHECK(store_get(s, INTID_LAST) == NULL);

	store_put(s, irq); /* the second mapping */
	CHECKF(refs_of(irq) == 1, "put: refcount %u", refs_of(irq));
	g = store_get(s, 8200);
	CHECK(g == irq);
	if (g)
		store_put(s, g);

	/* The last put removes at once (get fails) and frees (after a grace
	 * period where readers are lock-free). */
	store_put(s, irq);
	if (!(ops->caps & STORE_CAP_DEFERRED_FREE))
		CHECKF(lb_mem_live_objects(LB_MEM_IRQ) == base.live[LB_MEM_IRQ],
		       "no STORE_CAP_DEFERRED_FREE, yet the last put did not free at once");
	CHECK(store_get(s, 8200) == NULL);
	CHECK_ENTRIES(s, 0);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);

	/* The INTID can be mapped again, to a fresh object. */
	irq = NULL;
	CHECK(ops->add(s, 8200, &irq) == 0);
	if (irq) {
		CHECK(irq->intid == 8200 && refs_of(irq) == 1);
		g = store_get(s, 8200);
		CHECK(g == irq);
		if (g)
			store_put(s, g);
	}

	/* store_remove: drops the mapping's reference; -ENOENT when absent. */
	CHECK(store_remove(s, 8200) == 0);
	CHECK(store_get(s, 8200) == NULL);
	CHECK(store_remove(s, 8200) == -ENOENT);
	CHECK_ENTRIES(s, 0);

	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
}

/* ---- invalid INTIDs ---- */
static void test_invalid(const struct store_ops *ops)
{
	static const uint32_t bad[] = {
	    0,	      1,	 1023, LB_INTID_BASE - 1, LB_INTID_LIMIT, LB_INTID_LIMIT + 1,
	    1u << 20, UINT32_MAX};
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 4);
	if (!s)
		return;
	struct lb_irq *edge[2] = {NULL, NULL};
	CHECK(ops->add(s, INTID_FIRST, &edge[0]) == 0);
	CHECK(ops->add(s, INTID_LAST, &edge[1]) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lb_irq *irq = NULL;
		int rc = ops->add(s, bad[i], &irq);
		CHECKF(rc == -EINVAL, "add(%u) returned %d, expected -EINVAL", bad[i], rc);
		/* Out of range is absent: and must not index outside a table. */
		irq = store_get(s, bad[i]);
		CHECKF(irq == NULL, "get(%u) found something", bad[i]);
		if (irq)
			store_put(s, irq);
	}
	CHECK_ENTRIES(s, 2);
	/* Ranges that reach outside the LPI space visit only what is inside. */
	struct visit v;
	visit_init(&v, 0, LB_INTID_BASE - 1, 0);
	CHECK(ops->for_each(s, 0, LB_INTID_BASE - 1, visit_fn, &v) == 0 && v.calls == 0);
	visit_init(&v, LB_INTID_LIMIT, UINT32_MAX, 0);
	CHECK(ops->for_each(s, LB_INTID_LIMIT, UINT32_MAX, visit_fn, &v) == 0 && v.calls == 0);
	visit_init(&v, 0, UINT32_MAX, 0);
	CHECK(ops->for_each(s, 0, UINT32_MAX, visit_fn, &v) == 2 && v.calls == 2);
	/* Only the two edge irqs exist: a rejected add allocated nothing, or
	 * freed what it allocated. */
	CHECK(st_mem_delta(&base, LB_MEM_IRQ) == 2);
	for (int i = 0; i < 2; i++)
		if (edge[i])
			store_put(s, edge[i]);
	CHECK_ENTRIES(s, 0);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
}

/* ---- the INTID space: ends, sparse, dense ---- */
static uint8_t want[LB_NR_LPI_SPACE];
static struct lb_irq *held[LB_NR_LPI_SPACE];

/* Gets every INTID in [0, span) of the space and checks the store holds
 * exactly the irqs recorded in held[] (refcount: the mapping's only). */
static void check_contents(struct store *s, uint32_t span, const char *what)
{
	size_t wrong = 0, wrong_refs = 0;
	for (uint32_t i = 0; i < span; i++) {
		struct lb_irq *g = store_get(s, LB_INTID_BASE + i);
		if (g != held[i])
			wrong++;
		if (g) {
			irq_check(g);
			if (g->intid != LB_INTID_BASE + i || refs_of(g) != 2)
				wrong_refs++;
			store_put(s, g);
		}
	}
	CHECKF(wrong == 0 && wrong_refs == 0, "%s: %zu lookups wrong, %zu wrong intid/refcount",
	       what, wrong, wrong_refs);
}

static void check_exact_contents(struct store *s, const char *what)
{
	check_contents(s, LB_NR_LPI_SPACE, what);
}

static void fill(struct store *s, const uint32_t *ids, size_t n, const char *what)
{
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct lb_irq *irq = NULL;
		int rc = s->ops->add(s, ids[i], &irq);
		if (rc || !irq || irq->intid != ids[i] || refs_of(irq) != 1) {
			failed++;
			continue;
		}
		held[IDX(ids[i])] = irq;
		want[IDX(ids[i])] = 1;
	}
	CHECKF(failed == 0, "%s: %zu adds failed", what, failed);
}

static void drain(struct store *s, const uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lb_irq *irq = held[IDX(ids[i])];
		if (!irq)
			continue;
		held[IDX(ids[i])] = NULL;
		want[IDX(ids[i])] = 0;
		store_put(s, irq);
	}
}

static uint32_t ids[LB_NR_LPI_SPACE];

/* Seconds (times LB_TEST_SCALE) the dense fill may take before it stops. */
#define DENSE_BUDGET_S 2.0

static void test_space(const struct store_ops *ops, uint32_t *dense)
{
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 0);
	if (!s)
		return;
	memset(want, 0, sizeof(want));
	memset(held, 0, sizeof(held));

	/* The two ends, alone: trees must cover both without confusing them. */
	st_set_step("space: ends");
	ids[0] = INTID_LAST;
	ids[1] = INTID_FIRST;
	fill(s, ids, 2, "ends");
	CHECK_ENTRIES(s, 2);
	check_exact_contents(s, "ends");
	check_walk(s, INTID_FIRST, INTID_LAST, want);
	check_walk(s, INTID_FIRST + 1, INTID_LAST - 1, want);
	drain(s, ids, 2);
	CHECK_ENTRIES(s, 0);
	check_exact_contents(s, "ends removed");

	/* Sparse: 700 INTIDs scattered over the space (7919 is prime, so
	 * i * 7919 mod 57344 visits distinct slots), added in that order. */
	st_set_step("space: sparse");
	size_t ns = 700;
	for (size_t i = 0; i < ns; i++)
		ids[i] = LB_INTID_BASE + (uint32_t)((i * 7919u + 11) % LB_NR_LPI_SPACE);
	fill(s, ids, ns, "sparse");
	CHECK_ENTRIES(s, ns);
	check_exact_contents(s, "sparse");
	check_walk(s, INTID_FIRST, INTID_LAST, want);
	check_walk(s, 20000, 40000, want);
	/* Remove every other one, then check again: sparse holes inside
	 * populated nodes must stay holes. */
	for (size_t i = 0; i < ns; i += 2) {
		store_put(s, held[IDX(ids[i])]);
		held[IDX(ids[i])] = NULL;
		want[IDX(ids[i])] = 0;
	}
	CHECK_ENTRIES(s, ns / 2);
	check_exact_contents(s, "sparse, half removed");
	check_walk(s, INTID_FIRST, INTID_LAST, want);
	drain(s, ids, ns);
	CHECK_ENTRIES(s, 0);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);

	/* Dense: the whole 16-bit LPI space, 57344 entries, added from 8192
	 * up. A backend whose lookups walk every entry (the era-A list) needs
	 * O(n^2) for that; the fill stops at a time budget there, and the
	 * output says how far it got (never silently). */
	st_set_step("space: dense fill");
	uint64_t budget = (uint64_t)(DENSE_BUDGET_S * check_scale() * 1e9);
	uint64_t t0 = st_now_ns();
	uint32_t n = 0;
	while (n < LB_NR_LPI_SPACE) {
		uint32_t chunk = LB_NR_LPI_SPACE - n < 1024 ? LB_NR_LPI_SPACE - n : 1024;
		for (uint32_t i = 0; i < chunk; i++)
			ids[i] = LB_INTID_BASE + n + i;
		fill(s, ids, chunk, "dense");
		n += chunk;
		if (st_now_ns() - t0 > budget)
			break;
	}
	*dense = n;
	/* Entries above the filled part must be absent: look one chunk past. */
	uint32_t span = n + 1024 < LB_NR_LPI_SPACE ? n + 1024 : LB_NR_LPI_SPACE;
	CHECK_ENTRIES(s, n);
	CHECK(st_mem_delta(&base, LB_MEM_IRQ) == n);
	st_set_step("space: dense lookups");
	check_contents(s, span, "dense");
	st_set_step("space: dense walks");
	check_walk(s, INTID_FIRST, INTID_LAST, want);
	check_walk(s, 9000, 9099, want);
	/* Remove the odd INTIDs first, then the even ones from the top:
	 * shrinking paths, not only the reverse of the fill. */
	st_set_step("space: dense drain");
	for (uint32_t i = 1; i < n; i += 2) {
		store_put(s, held[i]);
		held[i] = NULL;
		want[i] = 0;
	}
	CHECK_ENTRIES(s, n / 2);
	check_contents(s, span, "dense, odd removed");
	check_walk(s, INTID_FIRST, INTID_LAST, want);
	for (uint32_t i = n; i-- > 0;) {
		if (held[i])
			store_put(s, held[i]);
		held[i] = NULL;
		want[i] = 0;
	}
	CHECK_ENTRIES(s, 0);
	check_exact_contents(s, "dense removed");
	check_walk(s, INTID_FIRST, INTID_LAST, want);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);

	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
	CHECK_NO_LEAK(&base, LB_MEM_OTHER);
}

/* ---- for_each: range, references, stop ---- */
static void test_for_each(const struct store_ops *ops)
{
	static const uint32_t set[] = {8192,  8193,  8300,  9000,  16383,
				       16384, 20000, 40000, 65534, 65535};
	const size_t n = sizeof(set) / sizeof(set[0]);
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 16);
	if (!s)
		return;
	memset(want, 0, sizeof(want));
	memset(held, 0, sizeof(held));
	fill(s, set, n, "for_each set");

	check_walk(s, INTID_FIRST, INTID_LAST, want);
	check_walk(s, 8193, 16384, want);  /* bounds are inclusive */
	check_walk(s, 8194, 8299, want);   /* an empty gap */
	check_walk(s, 16384, 16384, want); /* one INTID */
	check_walk(s, 16385, 19999, want);

	/* fn returning non-zero stops the walk at once. */
	for (unsigned stop = 1; stop <= 3; stop++) {
		struct visit v;
		visit_init(&v, INTID_FIRST, INTID_LAST, stop);
		size_t r = ops->for_each(s, INTID_FIRST, INTID_LAST, visit_fn, &v);
		CHECKF(v.calls == stop && r == stop, "stop after %u: %u calls, returned %zu", stop,
		       v.calls, r);
	}

	/* The walk's references are all dropped again. */
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += held[IDX(set[i])] && refs_of(held[IDX(set[i])]) != 1;
	CHECKF(bad == 0, "%zu refcounts changed by for_each", bad);
	CHECK_ENTRIES(s, n);

	drain(s, set, n);
	struct visit v;
	visit_init(&v, INTID_FIRST, INTID_LAST, 0);
	CHECK(ops->for_each(s, INTID_FIRST, INTID_LAST, visit_fn, &v) == 0 && v.calls == 0);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
	CHECK_NO_LEAK(&base, LB_MEM_OTHER);
}

/* ---- dying entries (lock-free readers only) ----
 * Between the put that reaches zero and the erase, a lock-free reader can
 * find the dead object. Simulated deterministically: force the refcount of
 * an indexed irq to zero (as if its final put were preempted before the
 * erase), check every path treats it as gone, then let that "final put"
 * finish by restoring 1 and putting. */
static void test_dying(const struct store_ops *ops)
{
	const uint32_t x = 12345;
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 4);
	if (!s)
		return;
	struct lb_irq *old = NULL, *nb = NULL, *fresh = NULL;
	CHECK(ops->add(s, x, &old) == 0);
	CHECK(ops->add(s, x + 1, &nb) == 0);
	if (!old || !nb) {
		ops->destroy(s);
		return;
	}
	atomic_store(&old->refcount.refs, 0u);

	/* get must try-get: fail, and count the failure. */
	uint64_t fails = lb_tc.c[LB_C_TRYGET_FAIL];
	unsigned long zero_incs = atomic_load(&st_ref_bugs);
	struct lb_irq *g = store_get(s, x);
	CHECKF(g == NULL, "get returned a dying entry");
	CHECKF(lb_tc.c[LB_C_TRYGET_FAIL] > fails,
	       "get of a dying entry counted no try-get failure");
	CHECKF(atomic_load(&st_ref_bugs) == zero_incs, "get incremented a zero refcount");
	if (g) {
		atomic_store(&old->refcount.refs, 1u);
		ops->destroy(s);
		return; /* the store is beyond saving; destroy frees both */
	}

	/* for_each skips it. */
	memset(want, 0, sizeof(want));
	want[IDX(x + 1)] = 1;
	check_walk(s, x - 10, x + 10, want);

	/* add replaces a dying entry with a fresh object (MAPTI after the
	 * last unmap, racing its release). */
	zero_incs = atomic_load(&st_ref_bugs);
	CHECK(ops->add(s, x, &fresh) == 0);
	CHECKF(atomic_load(&st_ref_bugs) == zero_incs, "add revived a dying entry");
	CHECKF(fresh && fresh != old, "add reused a dying entry");
	if (!fresh || fresh == old) {
		atomic_store(&old->refcount.refs, 1u);
		ops->destroy(s);
		return;
	}
	CHECK(fresh->intid == x && refs_of(fresh) == 1);
	g = store_get(s, x);
	CHECK(g == fresh);
	if (g)
		store_put(s, g);

	/* The old object's release completes now: it must free the old object
	 * and must not erase the fresh one that took its INTID (issue 5e:
	 * release vs re-registration). */
	atomic_store(&old->refcount.refs, 1u);
	store_put(s, old);
	g = store_get(s, x);
	CHECKF(g == fresh, "the old entry's release removed the new mapping");
	if (g)
		store_put(s, g);
	CHECKF(st_mem_delta(&base, LB_MEM_IRQ) == 2, "the released dying object was not freed");
	CHECK_ENTRIES(s, 2);

	if (g == fresh)
		store_put(s, fresh);
	store_put(s, nb);
	CHECK(store_get(s, x) == NULL);
	CHECK_ENTRIES(s, 0);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
}

/* ---- allocation failure ----
 * A fixed add/get/put sequence, run once per allocation it makes with that
 * allocation failing (lb_alloc_fail_nth). A model of the expected
 * references says what the store must hold after each run. */
struct step {
	char op; /* a: add, g: get+put, p: put one mapping reference */
	uint32_t intid;
};

static const struct step seq[] = {
    {'a', 8192},  {'a', 8193},	{'a', 40000}, {'a', 65535}, {'a', 8192},
    {'g', 40000}, {'p', 8193},	{'a', 8193},  {'a', 20000}, {'p', 40000},
    {'a', 40001}, {'p', 65535}, {'a', 65535}, {'a', 12000}, {'a', 12001},
};
#define SEQ_LEN	 (sizeof(seq) / sizeof(seq[0]))
#define MAX_KEYS SEQ_LEN

struct model {
	uint32_t intid[MAX_KEYS];
	unsigned refs[MAX_KEYS];
	struct lb_irq *irq[MAX_KEYS];
	size_t n;
};

static size_t model_key(struct model *m, uint32_t intid)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->intid[i] == intid)
			return i;
	m->intid[m->n] = intid;
	m->refs[m->n] = 0;
	m->irq[m->n] = NULL;
	return m->n++;
}

/* Runs the sequence with allocation nth failing. Returns whether the
 * injected failure was reached; counts -ENOMEM results. */
static bool alloc_run(const struct store_ops *ops, uint64_t nth, unsigned *enomem)
{
	struct st_mem base;
	st_mem_snapshot(&base);
	struct model m = {.n = 0};
	lb_alloc_fail_nth(nth);
	errno = 0;
	struct store_cfg cfg = {.expected_lpis = 8};
	struct store *s = ops->create(&cfg);
	if (!s) {
		bool fired = lb_alloc_attempts() >= nth;
		lb_alloc_fail_nth(0);
		CHECKF(fired, "create failed with no injected failure (nth %llu)",
		       (unsigned long long)nth);
		CHECK_NO_LEAK(&base, LB_MEM_STORE);
		CHECK_NO_LEAK(&base, LB_MEM_IRQ);
		return fired;
	}
	for (size_t i = 0; i < SEQ_LEN; i++) {
		size_t k = model_key(&m, seq[i].intid);
		if (seq[i].op == 'a') {
			struct lb_mem_stats i0, i1;
			lb_mem_stats(LB_MEM_IRQ, &i0);
			uint64_t a0 = lb_alloc_attempts();
			struct lb_irq *irq = NULL;
			int rc = ops->add(s, seq[i].intid, &irq);
			uint64_t a1 = lb_alloc_attempts();
			lb_mem_stats(LB_MEM_IRQ, &i1);
			bool injected = a0 < nth && a1 >= nth;
			if (rc == 0) {
				CHECKF(irq && irq->intid == seq[i].intid, "nth %llu: add bad irq",
				       (unsigned long long)nth);
				CHECKF(!m.irq[k] || irq == m.irq[k],
				       "nth %llu: add of a mapped INTID made a new object",
				       (unsigned long long)nth);
				/* The irq itself failing to allocate leaves
				 * nothing to return. */
				CHECKF(i1.failed == i0.failed || m.irq[k],
				       "nth %llu: add succeeded without its irq",
				       (unsigned long long)nth);
				m.irq[k] = irq;
				m.refs[k]++;
			} else if (rc == -ENOMEM) {
				CHECKF(injected, "nth %llu: -ENOMEM with no failure injected",
				       (unsigned long long)nth);
				(*enomem)++;
			} else {
				CHECKF(0, "nth %llu: add returned %d", (unsigned long long)nth, rc);
			}
		} else if (seq[i].op == 'g') {
			struct lb_irq *g = store_get(s, seq[i].intid);
			CHECKF(g == (m.refs[k] ? m.irq[k] : NULL), "nth %llu: get(%u) wrong",
			       (unsigned long long)nth, seq[i].intid);
			if (g)
				store_put(s, g);
		} else if (m.refs[k]) {
			store_put(s, m.irq[k]);
			if (--m.refs[k] == 0)
				m.irq[k] = NULL;
		}
	}
	bool fired = lb_alloc_attempts() >= nth;
	lb_alloc_fail_nth(0);

	/* After any failure the store holds exactly what succeeded, and
	 * keeps working. */
	size_t live = 0;
	for (size_t k = 0; k < m.n; k++) {
		struct lb_irq *g = store_get(s, m.intid[k]);
		CHECKF(g == m.irq[k], "nth %llu: INTID %u: store disagrees with the model",
		       (unsigned long long)nth, m.intid[k]);
		if (g) {
			CHECKF(refs_of(g) == m.refs[k] + 1,
			       "nth %llu: INTID %u: refcount %u, want %u", (unsigned long long)nth,
			       m.intid[k], refs_of(g), m.refs[k] + 1);
			store_put(s, g);
		}
		live += m.refs[k] != 0;
	}
	CHECK_ENTRIES(s, live);
	struct lb_irq *probe = NULL;
	CHECK(ops->add(s, 30000, &probe) == 0);
	if (probe)
		store_put(s, probe);
	for (size_t k = 0; k < m.n; k++)
		while (m.refs[k]--)
			store_put(s, m.irq[k]);
	CHECK_ENTRIES(s, 0);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);
	CHECK_NO_LEAK(&base, LB_MEM_OTHER);
	return fired;
}

static unsigned test_alloc_failure(const struct store_ops *ops, unsigned *enomem)
{
	uint64_t nth;
	*enomem = 0;
	for (nth = 1; nth < 10000; nth++)
		if (!alloc_run(ops, nth, enomem))
			break;
	CHECKF(nth < 10000, "allocation sweep did not end");
	/* Every add allocates its irq: failing one of them must show. */
	CHECKF(*enomem > 0, "no add ever returned -ENOMEM under injected failures");
	return (unsigned)(nth - 1);
}

/* ---- STORE_CAP_NULL: the harness baseline, not a store ----
 * One shared irq for every valid INTID (store.h says what it keeps of the
 * contract): what is left to check is exact reference counting, INTID
 * validation, an empty for_each, and that create/destroy neither leak nor
 * mishandle an allocation failure. */
/* The final put under a reader: a reader inside its RCU read section
 * holds an irq from lookup_rcu (no reference); the last reference is then
 * dropped. Until the reader leaves, the irq must stay live (freed irqs are
 * poisoned): a store that offers lookup_rcu frees a grace period after
 * unindexing. Deterministic: the reader checks once the put has returned;
 * a put that waits for readers returns only after the reader gives up
 * waiting (0.3 s). */
struct put_reader {
	const struct store_ops *ops;
	struct store *s;
	uint32_t intid;
	atomic_int state; /* 1: holding the irq, 2: the put returned */
	bool got, checked, live;
};

static void *put_reader_main(void *p)
{
	struct put_reader *r = p;
	lb_rcu_register_thread();
	lb_rcu_read_lock();
	struct lb_irq *irq = r->ops->lookup_rcu(r->s, r->intid);
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

static void test_put_under_reader(const struct store_ops *ops)
{
	if (!ops->lookup_rcu)
		return;
	struct store *s = create_or_fail(ops, 4);
	if (!s)
		return;
	struct put_reader r = {.ops = ops, .s = s, .intid = 9000};
	struct lb_irq *irq = NULL;
	CHECK(ops->add(s, r.intid, &irq) == 0 && irq);
	if (!irq) {
		ops->destroy(s);
		return;
	}
	pthread_t th;
	CHECK(pthread_create(&th, NULL, put_reader_main, &r) == 0);
	while (atomic_load(&r.state) != 1)
		sched_yield();
	ops->put(s, irq); /* the last reference */
	atomic_store(&r.state, 2);
	pthread_join(th, NULL);
	CHECKF(r.got, "%s: lookup_rcu did not find the entry", ops->name);
	CHECKF(!r.checked || r.live,
	       "%s: the final put freed an irq a reader still held in its read section: "
	       "freed without waiting for a grace period",
	       ops->name);
	lb_rcu_barrier();
	ops->destroy(s);
}

static void test_null(const struct store_ops *ops)
{
	struct st_mem base;
	st_mem_snapshot(&base);
	struct store *s = create_or_fail(ops, 0);
	if (!s)
		return;
	struct lb_irq *a = NULL, *b = NULL, *c = NULL;
	CHECK(ops->add(s, 8200, &a) == 0 && a);
	if (!a) {
		ops->destroy(s);
		return;
	}
	irq_check(a);
	unsigned r = refs_of(a);
	CHECK(ops->add(s, 8200, &b) == 0 && b == a && refs_of(a) == r + 1);
	CHECK(ops->add(s, INTID_LAST, &c) == 0 && c && refs_of(a) == r + 2);
	struct lb_irq *g = store_get(s, 12345);
	CHECK(g != NULL && refs_of(a) == r + 3);
	if (g)
		store_put(s, g);
	CHECK(refs_of(a) == r + 2);
	static const uint32_t bad[] = {0, LB_INTID_BASE - 1, LB_INTID_LIMIT, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lb_irq *x = NULL;
		CHECKF(ops->add(s, bad[i], &x) == -EINVAL, "add(%u) not rejected", bad[i]);
		CHECKF(store_get(s, bad[i]) == NULL, "get(%u) found something", bad[i]);
	}
	CHECK(refs_of(a) == r + 2);
	struct visit v;
	visit_init(&v, 0, UINT32_MAX, 0);
	CHECK(ops->for_each(s, 0, UINT32_MAX, visit_fn, &v) == 0 && v.calls == 0);
	store_put(s, c);
	store_put(s, b);
	CHECK(refs_of(a) == r);
	store_put(s, a);
	/* Its irq outlives every mapping: the store holds a reference. */
	CHECK(st_mem_delta(&base, LB_MEM_IRQ) == 1);
	ops->destroy(s);
	CHECK_NO_LEAK(&base, LB_MEM_IRQ);
	CHECK_NO_LEAK(&base, LB_MEM_STORE);

	/* create under every allocation it makes failing: NULL, no leak. */
	for (uint64_t nth = 1; nth < 100; nth++) {
		lb_alloc_fail_nth(nth);
		struct store_cfg cfg = {.expected_lpis = 0};
		s = ops->create(&cfg);
		bool fired = lb_alloc_attempts() >= nth;
		lb_alloc_fail_nth(0);
		CHECKF(!fired || !s, "create succeeded with allocation %llu failing",
		       (unsigned long long)nth);
		if (s)
			ops->destroy(s);
		CHECK_NO_LEAK(&base, LB_MEM_IRQ);
		CHECK_NO_LEAK(&base, LB_MEM_STORE);
		if (!fired)
			break;
	}
}

/* Runs every case that applies to ops; writes what the summary line
 * should say about coverage into note. */
static void run_backend(const struct store_ops *ops, char *note, size_t len)
{
	if (ops->caps & STORE_CAP_NULL) {
		st_set_step("null");
		test_null(ops);
		snprintf(note, len,
			 "STORE_CAP_NULL: reference counting, INTID checks and "
			 "create/destroy only");
		return;
	}
	/* Lock-free readers may hold a pointer past the final put: such a
	 * backend must defer its frees, and say so. */
	if (ops->caps & STORE_CAP_LOCKFREE_GET)
		CHECKF(ops->caps & STORE_CAP_DEFERRED_FREE,
		       "%s: STORE_CAP_LOCKFREE_GET without STORE_CAP_DEFERRED_FREE", ops->name);
	st_set_step("create/destroy");
	test_create_destroy(ops);
	st_set_step("refs");
	test_refs(ops);
	st_set_step("invalid");
	test_invalid(ops);
	uint32_t dense = 0;
	test_space(ops, &dense);
	st_set_step("for_each");
	test_for_each(ops);
	bool lockfree = ops->caps & STORE_CAP_LOCKFREE_GET;
	if (lockfree) {
		st_set_step("dying");
		test_dying(ops);
	}
	st_set_step("final put under a reader");
	test_put_under_reader(ops);
	st_set_step("alloc failure");
	unsigned enomem;
	unsigned points = test_alloc_failure(ops, &enomem);
	snprintf(note, len,
		 "dense %u of %u%s; dying entries %s; %u allocation failure points, %u -ENOMEM",
		 dense, LB_NR_LPI_SPACE,
		 dense < LB_NR_LPI_SPACE ? " (time budget: O(n) lookups)" : "",
		 lockfree ? "tested" : "n/a: get is serialised with the free", points, enomem);
}

int main(void)
{
	lb_rcu_register_thread();
	st_install_hooks();
	st_watchdog_init();
	unsigned skipped = 0, failed = 0, passed = 0;

	for (const struct store_ops *const *o = store_registry; *o; o++) {
		const struct store_ops *ops = *o;
		bool skip;
		struct store *probe = st_create(ops, 0, &skip);
		if (!probe && skip) {
			printf(
			    "conformance: %-8s SKIPPED: create() reports ENOTSUP in this build\n",
			    ops->name);
			skipped++;
			continue;
		}
		if (probe)
			ops->destroy(probe);

		int f0 = check_failures;
		unsigned long rb0 = atomic_load(&st_ref_bugs), ib0 = atomic_load(&st_irq_bugs);
		unsigned long sb0 = st_sanitizer_count();
		uint64_t t0 = st_now_ns();
		char note[160] = "";
		st_watch(ops->name, 120);
		run_backend(ops, note, sizeof(note));
		alarm(0);
		CHECKF(atomic_load(&st_ref_bugs) == rb0, "%s: refcount bugs recorded", ops->name);
		CHECKF(atomic_load(&st_irq_bugs) == ib0, "%s: use after free recorded", ops->name);
		CHECKF(st_sanitizer_count() == sb0, "%s: sanitizer reports", ops->name);

		bool ok = check_failures == f0;
		printf("conformance: %-8s %s (%d failed; %s) %.0f ms\n", ops->name,
		       ok ? "PASS" : "FAIL", check_failures - f0, note,
		       (double)(st_now_ns() - t0) / 1e6);
		fflush(stdout);
		ok ? passed++ : failed++;
	}
	printf("conformance: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	lb_rcu_unregister_thread();
	return check_exit("conformance");
}
