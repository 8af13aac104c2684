/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit and concurrency tests of the xarray port (structures/xarray.h).
 *
 * Single-threaded cases check the API against the kernel's documented
 * behaviour and, after every change, the full set of structural invariants
 * (xa_validate): heights growing and shrinking with the largest index,
 * insert/cmpxchg/reserve/release, marks and marked iteration, find and
 * find_after bounds, destroy freeing every node, and -ENOMEM injected at
 * every allocation of a store leaving the array unchanged and leak-free.
 *
 * The concurrent case runs one writer (stores, erases, cmpxchg, marks,
 * reservations, collapses to index 0 and growth to ULONG_MAX) against
 * three lock-free readers for about a second (times LB_TEST_SCALE).
 * Every stored pointer is one of two objects owned by its index, so a
 * reader that ever sees an object under another index, or a walk that
 * goes backwards, fails the test. Nodes are freed under the readers'
 * feet; the sanitizer builds check those frees are deferred correctly.
 *
 * Context: every thread registers with RCU before touching the array.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/alloc.h"
#include "core/rand.h"
#include "core/sync.h"
#include "structures/xarray.h"

#define CHECK_VALID(xa)                                                                            \
	do {                                                                                       \
		const char *why_ = xa_validate(xa);                                                \
		CHECKF(why_ == NULL, "xa_validate: %s", why_ ? why_ : "");                         \
	} while (0)

#define V(i) xa_mk_value(i)

static uint64_t live_nodes(void)
{
	lb_rcu_barrier(); /* let deferred node frees land */
	return lb_mem_live_objects(LB_MEM_STORE);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	return lb_rand64(s);
}

/* ---- heights grow and shrink with the largest index ---- */
static void test_heights(void)
{
	struct xarray xa;
	uint64_t base = live_nodes();
	xa_init(&xa);
	CHECK(xa_empty(&xa));
	CHECK(xa_load(&xa, 0) == NULL);
	CHECK(xa_height(&xa) == 0 && xa_nr_nodes(&xa) == 0);

	/* index 0 alone lives in the head */
	CHECK(xa_store(&xa, 0, V(0)) == NULL);
	CHECK(!xa_empty(&xa));
	CHECK(xa_load(&xa, 0) == V(0));
	CHECK(xa_load(&xa, 1) == NULL);
	CHECK(xa_height(&xa) == 0 && xa_nr_nodes(&xa) == 0);
	CHECK_VALID(&xa);

	static const struct {
		unsigned long index;
		unsigned height, nodes;
	} grow[] = {
	    {1, 1, 1},	  {63, 1, 1},	 {64, 2, 3},	 {4095, 2, 4},
	    {4096, 3, 7}, {65535, 3, 9}, {30000, 3, 11},
	};
	for (size_t i = 0; i < sizeof(grow) / sizeof(grow[0]); i++) {
		CHECK(xa_store(&xa, grow[i].index, V(grow[i].index)) == NULL);
		CHECKF(xa_height(&xa) == grow[i].height, "after store %lu: height %u, want %u",
		       grow[i].index, xa_height(&xa), grow[i].height);
		CHECKF(xa_nr_nodes(&xa) == grow[i].nodes, "after store %lu: %lu nodes, want %u",
		       grow[i].index, xa_nr_nodes(&xa), grow[i].nodes);
		CHECK_VALID(&xa);
	}
	CHECK(xa_mem_bytes(&xa) == xa_nr_nodes(&xa) * sizeof(struct xa_node));
	/* The kernel's node on LP64 with 64 slots: 576 bytes (a 16-byte rcu_head) */
	CHECK(sizeof(void *) != 8 || sizeof(struct xa_node) == 576);
	CHECK(live_nodes() - base == xa_nr_nodes(&xa));
	for (size_t i = 0; i < sizeof(grow) / sizeof(grow[0]); i++)
		CHECK(xa_load(&xa, grow[i].index) == V(grow[i].index));
	CHECK(xa_load(&xa, 0) == V(0));
	CHECK(xa_load(&xa, 2) == NULL && xa_load(&xa, 65534) == NULL);
	CHECK(xa_load(&xa, 65536) == NULL && xa_load(&xa, ULONG_MAX) == NULL);

	/* the tallest tree, and back */
	CHECK(xa_store(&xa, ULONG_MAX, V(7)) == NULL);
	CHECK(xa_height(&xa) == XA_MAX_LEVELS);
	CHECK(xa_load(&xa, ULONG_MAX) == V(7));
	CHECK(xa_load(&xa, 65535) == V(65535));
	CHECK_VALID(&xa);
	CHECK(xa_erase(&xa, ULONG_MAX) == V(7));
	CHECK(xa_height(&xa) == 3);
	CHECK_VALID(&xa);

	/* shrink step by step */
	static const struct {
		unsigned long index;
		unsigned height;
	} shrink[] = {{65535, 3}, {30000, 3}, {4096, 2}, {4095, 2}, {64, 1}, {63, 1}, {1, 0}};
	for (size_t i = 0; i < sizeof(shrink) / sizeof(shrink[0]); i++) {
		CHECK(xa_erase(&xa, shrink[i].index) == V(shrink[i].index));
		CHECK(xa_erase(&xa, shrink[i].index) == NULL);
		CHECKF(xa_height(&xa) == shrink[i].height, "after erase %lu: height %u, want %u",
		       shrink[i].index, xa_height(&xa), shrink[i].height);
		CHECK_VALID(&xa);
	}
	CHECK(xa_nr_nodes(&xa) == 0);
	CHECK(xa_load(&xa, 0) == V(0));
	CHECK(xa_erase(&xa, 0) == V(0));
	CHECK(xa_empty(&xa));
	CHECK_VALID(&xa);

	/* a lone index 0 stored into a tall tree collapses into the head */
	CHECK(xa_store(&xa, 65535, V(1)) == NULL);
	CHECK(xa_store(&xa, 0, V(0)) == NULL);
	CHECK(xa_erase(&xa, 65535) == V(1));
	CHECK(xa_height(&xa) == 0 && xa_nr_nodes(&xa) == 0 && xa_load(&xa, 0) == V(0));
	CHECK_VALID(&xa);

	/* store returns the old entry; pointers and values both work */
	static long obj[2];
	CHECK(xa_store(&xa, 0, &obj[0]) == V(0));
	CHECK(xa_store(&xa, 9000, &obj[1]) == NULL);
	CHECK(xa_store(&xa, 9000, &obj[0]) == &obj[1]);
	CHECK(xa_load(&xa, 9000) == &obj[0]);
	CHECK(xa_store(&xa, 9000, NULL) == &obj[0]); /* NULL erases */
	CHECK(xa_load(&xa, 9000) == NULL);
	/* internal entries other than XA_ZERO_ENTRY (a reservation) are refused */
	void *r = xa_store(&xa, 5, XA_RETRY_ENTRY);
	CHECK(xa_is_err(r) && xa_err(r) == -EINVAL);
	r = xa_store(&xa, 5, XA_ERROR(-ENOMEM));
	CHECK(xa_is_err(r) && xa_err(r) == -EINVAL);
	CHECK(xa_load(&xa, 5) == NULL);
	CHECK(xa_err(V(3)) == 0 && !xa_is_err(&obj[0]) && !xa_is_err(NULL));
	CHECK(xa_to_value(V(12345)) == 12345 && xa_is_value(V(0)) && !xa_is_value(&obj[0]));
	CHECK_VALID(&xa);

	xa_fini(&xa);
	CHECK(live_nodes() == base);
}

/* ---- random operations against a model ---- */
#define POOL 1500
static unsigned long pool[POOL];
static void *model[POOL];

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

static void make_pool(uint64_t *seed)
{
	static const unsigned long special[] = {
	    0, 1, 63, 64, 65, 4095, 4096, 8192, 65535, 65536, 1UL << 32, ULONG_MAX - 1, ULONG_MAX,
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		pool[n++] = special[i];
	while (n < POOL) {
		unsigned long v = rnd(seed) % 70000;
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = pool[i] == v;
		if (!dup)
			pool[n++] = v;
	}
	qsort(pool, POOL, sizeof(pool[0]), cmp_ulong);
}

static void check_against_model(struct xarray *xa, const char *when)
{
	unsigned bad = 0, walked = 0, wrong_walk = 0;
	for (size_t i = 0; i < POOL; i++)
		bad += xa_load(xa, pool[i]) != model[i];
	CHECKF(bad == 0, "%s: %u loads disagree with the model", when, bad);

	unsigned long index;
	void *entry;
	size_t k = 0;
	xa_for_each(xa, index, entry) {
		while (k < POOL && !model[k])
			k++;
		walked++;
		if (k == POOL || pool[k] != index || model[k] != entry)
			wrong_walk++;
		else
			k++;
	}
	while (k < POOL && !model[k])
		k++;
	CHECKF(wrong_walk == 0 && k == POOL, "%s: xa_for_each disagrees with the model (%u wrong)",
	       when, wrong_walk);
	CHECKF(xa_empty(xa) == (walked == 0), "%s: xa_empty wrong", when);
}

static void test_random(void)
{
	struct xarray xa;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint64_t base = live_nodes();
	make_pool(&seed);
	memset(model, 0, sizeof(model));
	xa_init(&xa);
	unsigned rounds = 40;
	for (unsigned round = 0; round < rounds; round++) {
		/* alternate filling and draining phases so heights move */
		unsigned store_pct = (round & 1) ? 25 : 75;
		for (unsigned op = 0; op < 2000; op++) {
			size_t i = rnd(&seed) % POOL;
			/* bias towards the edges of the pool to move the height */
			if (op % 7 == 0)
				i = (rnd(&seed) & 1) ? POOL - 1 - rnd(&seed) % 3 : rnd(&seed) % 3;
			void *v = V(rnd(&seed) & 0xffffff);
			unsigned choice = rnd(&seed) % 100;
			if (choice < store_pct) {
				CHECK(xa_store(&xa, pool[i], v) == model[i]);
				model[i] = v;
			} else if (choice < 90) {
				CHECK(xa_erase(&xa, pool[i]) == model[i]);
				model[i] = NULL;
			} else if (choice < 95) {
				void *old = (rnd(&seed) & 1) ? model[i] : V(0xdeadbeef);
				void *got = xa_cmpxchg(&xa, pool[i], old, v);
				CHECK(got == model[i]);
				if (got == old)
					model[i] = v;
			} else {
				int rc = xa_insert(&xa, pool[i], v);
				CHECK(rc == (model[i] ? -EBUSY : 0));
				if (!rc)
					model[i] = v;
			}
		}
		CHECK_VALID(&xa);
		char when[32];
		snprintf(when, sizeof(when), "round %u", round);
		check_against_model(&xa, when);
	}
	CHECK(live_nodes() - base == xa_nr_nodes(&xa));
	for (size_t i = 0; i < POOL; i++) {
		CHECK(xa_erase(&xa, pool[i]) == model[i]);
		model[i] = NULL;
	}
	CHECK(xa_empty(&xa) && xa_nr_nodes(&xa) == 0);
	CHECK_VALID(&xa);
	xa_fini(&xa);
	CHECK(live_nodes() == base);
}

/* ---- insert, cmpxchg ---- */
static void test_insert_cmpxchg(void)
{
	struct xarray xa;
	xa_init(&xa);
	CHECK(xa_insert(&xa, 100, V(1)) == 0);
	CHECK(xa_insert(&xa, 100, V(2)) == -EBUSY);
	CHECK(xa_load(&xa, 100) == V(1));
	CHECK(xa_insert(&xa, 0, V(3)) == 0);
	CHECK(xa_insert(&xa, 0, V(4)) == -EBUSY);
	CHECK(xa_insert(&xa, 7, XA_RETRY_ENTRY) == -EINVAL);

	/* cmpxchg returns what was there; stores only on a match */
	CHECK(xa_cmpxchg(&xa, 100, V(9), V(5)) == V(1));
	CHECK(xa_load(&xa, 100) == V(1));
	CHECK(xa_cmpxchg(&xa, 100, V(1), V(5)) == V(1));
	CHECK(xa_load(&xa, 100) == V(5));
	CHECK(xa_cmpxchg(&xa, 65535, NULL, V(6)) == NULL); /* into a new leaf */
	CHECK(xa_load(&xa, 65535) == V(6));
	CHECK(xa_cmpxchg(&xa, 65535, V(6), NULL) == V(6)); /* to NULL erases */
	CHECK(xa_load(&xa, 65535) == NULL);
	CHECK(xa_height(&xa) == 2);				  /* and shrank */
	CHECK(xa_cmpxchg(&xa, 100, V(5), XA_ZERO_ENTRY) == V(5)); /* reserves */
	CHECK(xa_load(&xa, 100) == NULL && xa_load_raw(&xa, 100) == XA_ZERO_ENTRY);
	CHECK(xa_store(&xa, 100, V(5)) == NULL);
	CHECK(xa_is_err(xa_cmpxchg(&xa, 100, V(5), XA_RETRY_ENTRY)));

	/* the locked variants, several steps made atomic */
	xa_lock(&xa);
	CHECK(__xa_store(&xa, 200, V(7)) == NULL);
	CHECK(__xa_cmpxchg(&xa, 200, V(7), V(8)) == V(7));
	CHECK(__xa_insert(&xa, 200, V(9)) == -EBUSY);
	CHECK(__xa_erase(&xa, 200) == V(8));
	CHECK(__xa_erase(&xa, 200) == NULL);
	xa_unlock(&xa);
	CHECK(xa_load(&xa, 200) == NULL);
	CHECK_VALID(&xa);
	xa_fini(&xa);
}

/* ---- reservations through the normal API, as the kernel's lib/xarray.c
 * handles them (each once a difference of the port: tests/test_kxa_diff.c) */
static void test_kernel_reservations(void)
{
	struct xarray xa;
	xa_init(&xa);
	/* 1. cmpxchg(old XA_ZERO_ENTRY) fills a reservation */
	CHECK(xa_reserve(&xa, 8192) == 0);
	CHECK(xa_cmpxchg(&xa, 8192, XA_ZERO_ENTRY, V(1)) == NULL);
	CHECK(xa_load(&xa, 8192) == V(1));
	/* 2. cmpxchg(old NULL) leaves it reserved (returning NULL) */
	CHECK(xa_reserve(&xa, 8193) == 0);
	CHECK(xa_cmpxchg(&xa, 8193, NULL, V(2)) == NULL);
	CHECK(xa_load_raw(&xa, 8193) == XA_ZERO_ENTRY);
	/* ... and cmpxchg(old XA_ZERO_ENTRY, new NULL) releases, as xa_release */
	CHECK(xa_cmpxchg(&xa, 8193, XA_ZERO_ENTRY, NULL) == NULL);
	CHECK(xa_load_raw(&xa, 8193) == NULL);
	/* 3. cmpxchg(old NULL, new XA_ZERO_ENTRY) reserves (it is xa_reserve) */
	CHECK(xa_cmpxchg(&xa, 8194, NULL, XA_ZERO_ENTRY) == NULL);
	CHECK(xa_load_raw(&xa, 8194) == XA_ZERO_ENTRY);
	/* 4. store(XA_ZERO_ENTRY) reserves, returning the old entry */
	CHECK(xa_store(&xa, 8192, XA_ZERO_ENTRY) == V(1));
	CHECK(xa_load(&xa, 8192) == NULL && xa_load_raw(&xa, 8192) == XA_ZERO_ENTRY);
	/* 5. insert(XA_ZERO_ENTRY) reserves an empty slot */
	CHECK(xa_insert(&xa, 8195, XA_ZERO_ENTRY) == 0);
	CHECK(xa_insert(&xa, 8195, V(3)) == -EBUSY);
	/* the locked variants alike */
	xa_lock(&xa);
	CHECK(__xa_cmpxchg(&xa, 8195, XA_ZERO_ENTRY, V(3)) == NULL);
	CHECK(__xa_store(&xa, 8196, XA_ZERO_ENTRY) == NULL);
	xa_unlock(&xa);
	CHECK(xa_load(&xa, 8195) == V(3) && xa_load_raw(&xa, 8196) == XA_ZERO_ENTRY);
	CHECK_VALID(&xa);
	xa_destroy(&xa);

	/* 6. a reservation at index 0 of an empty array gets a leaf (the
	 * kernel never makes XA_ZERO_ENTRY the head by a store), which stays
	 * when index 0 is then filled; a later erase elsewhere shrinks it. */
	CHECK(xa_reserve(&xa, 0) == 0);
	CHECK(xa_nr_nodes(&xa) == 1 && xa_height(&xa) == 1);
	CHECK(xa_store(&xa, 0, V(4)) == NULL);
	CHECK(xa_nr_nodes(&xa) == 1);
	CHECK_VALID(&xa);
	CHECK(xa_store(&xa, 64, V(5)) == NULL);
	CHECK(xa_erase(&xa, 64) == V(5));
	CHECK(xa_nr_nodes(&xa) == 0 && xa_load(&xa, 0) == V(4));
	CHECK_VALID(&xa);
	xa_fini(&xa);
}

/* ---- reserve / release ---- */
static void test_reserve(void)
{
	struct xarray xa;
	uint64_t base = live_nodes();
	unsigned long index;
	void *entry;
	xa_init(&xa);

	/* a reserved slot reads as NULL but occupies the array */
	CHECK(xa_reserve(&xa, 12345) == 0);
	CHECK(xa_load(&xa, 12345) == NULL);
	CHECK(!xa_empty(&xa));
	CHECK(xa_nr_nodes(&xa) == 3);
	index = 0;
	CHECK(xa_find(&xa, &index, ULONG_MAX, XA_PRESENT) == NULL);
	CHECK_VALID(&xa);
	CHECK(xa_insert(&xa, 12345, V(1)) == -EBUSY); /* reserved counts as present */
	xa_release(&xa, 12345);
	CHECK(xa_empty(&xa) && xa_nr_nodes(&xa) == 0);
	CHECK_VALID(&xa);

	/* a store into a reservation needs no allocation, even locked */
	CHECK(xa_store(&xa, 1, V(1)) == NULL);
	CHECK(xa_reserve(&xa, 60000) == 0);
	lb_alloc_fail_nth(1); /* the very next allocation would fail */
	xa_lock(&xa);
	void *old = __xa_store(&xa, 60000, V(2));
	xa_unlock(&xa);
	uint64_t attempts = lb_alloc_attempts();
	lb_alloc_fail_nth(0);
	CHECK(old == NULL && attempts == 0);
	CHECK(xa_load(&xa, 60000) == V(2));
	xa_release(&xa, 60000); /* something was stored: does nothing */
	CHECK(xa_load(&xa, 60000) == V(2));
	CHECK(xa_reserve(&xa, 60000) == 0); /* occupied: left alone */
	CHECK(xa_load(&xa, 60000) == V(2));

	/* cmpxchg compares the raw slot: from XA_ZERO_ENTRY it fills a
	 * reservation, from NULL it does not (and returns NULL all the same,
	 * as the kernel's); erase drops one */
	CHECK(xa_reserve(&xa, 500) == 0);
	CHECK(xa_cmpxchg(&xa, 500, NULL, V(3)) == NULL);
	CHECK(xa_load_raw(&xa, 500) == XA_ZERO_ENTRY);
	CHECK(xa_cmpxchg(&xa, 500, XA_ZERO_ENTRY, V(3)) == NULL);
	CHECK(xa_load(&xa, 500) == V(3));
	CHECK(xa_reserve(&xa, 501) == 0);
	CHECK(xa_erase(&xa, 501) == NULL);
	CHECK(xa_insert(&xa, 501, V(4)) == 0);
	/* insert of NULL reserves */
	CHECK(xa_insert(&xa, 502, NULL) == 0);
	CHECK(xa_insert(&xa, 502, NULL) == -EBUSY);
	CHECK(xa_load(&xa, 502) == NULL);
	/* reserved index 0 in the head */
	CHECK(xa_reserve(&xa, 0) == 0);
	CHECK(xa_load(&xa, 0) == NULL);
	CHECK_VALID(&xa);

	/* iteration skips reservations */
	unsigned n = 0;
	xa_for_each(&xa, index, entry) {
		n++;
		CHECK(entry != NULL && !xa_is_internal(entry));
	}
	CHECK(n == 4); /* 1, 500, 501, 60000 */

	/* a lone reservation at index 0 survives collapse into the head */
	xa_destroy(&xa);
	CHECK(xa_store(&xa, 70000, V(5)) == NULL);
	CHECK(xa_reserve(&xa, 0) == 0);
	CHECK(xa_erase(&xa, 70000) == V(5));
	CHECK(!xa_empty(&xa) && xa_height(&xa) == 0 && xa_load(&xa, 0) == NULL);
	CHECK_VALID(&xa);
	xa_release(&xa, 0);
	CHECK(xa_empty(&xa));
	xa_fini(&xa);
	CHECK(live_nodes() == base);
}

/* ---- marks ---- */
static unsigned marked_walk(struct xarray *xa, xa_mark_t mark, unsigned long *out, unsigned max)
{
	unsigned long index;
	void *entry;
	unsigned n = 0;
	xa_for_each_marked(xa, index, entry, mark) {
		if (n < max)
			out[n] = index;
		n++;
		CHECK(entry == xa_load(xa, index));
	}
	return n;
}

static void test_marks(void)
{
	struct xarray xa;
	unsigned long got[64];
	xa_init(&xa);

	/* a mark on the head entry, kept through growth and shrink */
	CHECK(xa_store(&xa, 0, V(0)) == NULL);
	xa_set_mark(&xa, 0, XA_MARK_1);
	CHECK(xa_get_mark(&xa, 0, XA_MARK_1) && !xa_get_mark(&xa, 0, XA_MARK_0));
	CHECK(xa_marked(&xa, XA_MARK_1) && !xa_marked(&xa, XA_MARK_0));
	CHECK(xa_store(&xa, 65535, V(1)) == NULL);
	CHECK(xa_height(&xa) == 3);
	CHECK(xa_get_mark(&xa, 0, XA_MARK_1));
	CHECK(!xa_get_mark(&xa, 65535, XA_MARK_1));
	CHECK_VALID(&xa);
	CHECK(marked_walk(&xa, XA_MARK_1, got, 64) == 1 && got[0] == 0);
	CHECK(xa_erase(&xa, 65535) == V(1));
	CHECK(xa_height(&xa) == 0 && xa_get_mark(&xa, 0, XA_MARK_1));
	CHECK_VALID(&xa);
	CHECK(xa_store(&xa, 0, V(5)) == V(0)); /* replacing keeps marks */
	CHECK(xa_get_mark(&xa, 0, XA_MARK_1));
	CHECK(xa_erase(&xa, 0) == V(5)); /* erasing drops them */
	CHECK(!xa_marked(&xa, XA_MARK_1));

	/* marks on a three-level tree */
	static const unsigned long idx[] = {1, 2, 63, 64, 100, 4095, 4096, 8192, 30000, 65535};
	const size_t n = sizeof(idx) / sizeof(idx[0]);
	for (size_t i = 0; i < n; i++)
		CHECK(xa_store(&xa, idx[i], V(idx[i])) == NULL);
	for (size_t i = 0; i < n; i++) {
		if (i % 2 == 0)
			xa_set_mark(&xa, idx[i], XA_MARK_0);
		if (i % 3 == 0)
			xa_set_mark(&xa, idx[i], XA_MARK_2);
	}
	xa_set_mark(&xa, 5, XA_MARK_0);		/* absent: no effect */
	xa_set_mark(&xa, 1UL << 40, XA_MARK_0); /* beyond the tree: no effect */
	xa_set_mark(&xa, 1, (xa_mark_t)7);	/* not a mark: ignored */
	CHECK(!xa_get_mark(&xa, 5, XA_MARK_0));
	CHECK(!xa_get_mark(&xa, 1, (xa_mark_t)7));
	CHECK_VALID(&xa);
	for (size_t i = 0; i < n; i++) {
		CHECK(xa_get_mark(&xa, idx[i], XA_MARK_0) == (i % 2 == 0));
		CHECK(xa_get_mark(&xa, idx[i], XA_MARK_2) == (i % 3 == 0));
		CHECK(!xa_get_mark(&xa, idx[i], XA_MARK_1));
	}
	unsigned m0 = marked_walk(&xa, XA_MARK_0, got, 64);
	CHECK(m0 == (n + 1) / 2);
	for (unsigned k = 0; k < m0 && k < 64; k++)
		CHECK(got[k] == idx[2 * k]);
	unsigned m2 = marked_walk(&xa, XA_MARK_2, got, 64);
	CHECK(m2 == (n + 2) / 3);
	for (unsigned k = 0; k < m2 && k < 64; k++)
		CHECK(got[k] == idx[3 * k]);
	CHECK(marked_walk(&xa, XA_MARK_1, got, 64) == 0);

	/* marked find with bounds */
	unsigned long index = 65;
	CHECK(xa_find(&xa, &index, ULONG_MAX, XA_MARK_0) == V(100) && index == 100);
	CHECK(xa_find_after(&xa, &index, 4095, XA_MARK_0) == NULL && index == 100);
	CHECK(xa_find_after(&xa, &index, 4096, XA_MARK_0) == V(4096) && index == 4096);

	/* clearing propagates up only when nothing below keeps the mark */
	xa_clear_mark(&xa, 4096, XA_MARK_0);
	CHECK(!xa_get_mark(&xa, 4096, XA_MARK_0) && xa_get_mark(&xa, 100, XA_MARK_0));
	CHECK_VALID(&xa);
	for (size_t i = 0; i < n; i++)
		xa_clear_mark(&xa, idx[i], XA_MARK_0);
	CHECK(!xa_marked(&xa, XA_MARK_0) && xa_marked(&xa, XA_MARK_2));
	CHECK(marked_walk(&xa, XA_MARK_0, got, 64) == 0);
	CHECK_VALID(&xa);

	/* erase clears the entry's marks, and the summary with the last one */
	for (size_t i = 0; i < n; i += 3)
		CHECK(xa_erase(&xa, idx[i]) == V(idx[i]));
	CHECK(!xa_marked(&xa, XA_MARK_2));
	CHECK_VALID(&xa);
	CHECK(xa_store(&xa, idx[0], V(1)) == NULL);
	CHECK(!xa_get_mark(&xa, idx[0], XA_MARK_2)); /* a new entry starts unmarked */

	/* locked variants */
	xa_lock(&xa);
	__xa_set_mark(&xa, 30000, XA_MARK_1);
	__xa_clear_mark(&xa, 30000, XA_MARK_1);
	__xa_set_mark(&xa, 2, XA_MARK_1);
	xa_unlock(&xa);
	CHECK(marked_walk(&xa, XA_MARK_1, got, 64) == 1 && got[0] == 2);
	CHECK_VALID(&xa);
	xa_fini(&xa);
}

/* ---- find / find_after bounds ---- */
static void test_find(void)
{
	struct xarray xa;
	unsigned long index;
	void *entry;
	xa_init(&xa);
	index = 0;
	CHECK(xa_find(&xa, &index, ULONG_MAX, XA_PRESENT) == NULL && index == 0);
	CHECK(xa_store(&xa, 0, V(0)) == NULL);
	index = 0;
	CHECK(xa_find(&xa, &index, 0, XA_PRESENT) == V(0) && index == 0);
	CHECK(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT) == NULL);
	CHECK(xa_erase(&xa, 0) == V(0));

	static const unsigned long idx[] = {10, 100, 5000, 65535, 1UL << 33, ULONG_MAX};
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		CHECK(xa_store(&xa, idx[i], V(i)) == NULL);
	index = 0;
	CHECK(xa_find(&xa, &index, 9, XA_PRESENT) == NULL && index == 0);
	CHECK(xa_find(&xa, &index, 10, XA_PRESENT) == V(0) && index == 10);
	CHECK(xa_find(&xa, &index, ULONG_MAX, XA_PRESENT) == V(0) && index == 10); /* inclusive */
	CHECK(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT) == V(1) && index == 100);
	index = 101;
	CHECK(xa_find(&xa, &index, ULONG_MAX, XA_PRESENT) == V(2) && index == 5000);
	CHECK(xa_find_after(&xa, &index, 65534, XA_PRESENT) == NULL && index == 5000);
	index = 65536;
	CHECK(xa_find(&xa, &index, ULONG_MAX, XA_PRESENT) == V(4) && index == 1UL << 33);
	CHECK(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT) == V(5) && index == ULONG_MAX);
	CHECK(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT) == NULL && index == ULONG_MAX);
	index = 7;
	CHECK(xa_find(&xa, &index, 5, XA_PRESENT) == NULL && index == 7); /* start > max */

	unsigned n = 0;
	xa_for_each_range(&xa, index, entry, 11, 65535)
		n++;
	CHECK(n == 3);
	n = 0;
	xa_for_each_start(&xa, index, entry, 65535)
		n++;
	CHECK(n == 3);
	n = 0;
	unsigned long prev = 0;
	xa_for_each(&xa, index, entry) {
		CHECK(n == 0 || index > prev);
		CHECK(entry == V(n));
		prev = index;
		n++;
	}
	CHECK(n == 6);
	CHECK_VALID(&xa);
	xa_fini(&xa);
}

/* ---- destroy frees every node; the array is reusable ---- */
static void test_destroy(void)
{
	struct xarray xa;
	uint64_t base = live_nodes();
	xa_init_flags(&xa, XA_FLAGS_LOCK_IRQ);
	for (unsigned long i = 0; i < 70000; i += 37)
		CHECK(xa_store(&xa, i, V(i)) == NULL);
	CHECK(xa_store(&xa, ULONG_MAX, V(1)) == NULL);
	xa_set_mark(&xa, 37, XA_MARK_0);
	unsigned long nodes = xa_nr_nodes(&xa);
	CHECK(nodes > 100);
	CHECK(live_nodes() - base == nodes);
	xa_destroy(&xa);
	CHECK(xa_empty(&xa) && xa_nr_nodes(&xa) == 0 && !xa_marked(&xa, XA_MARK_0));
	CHECK(xa_load(&xa, 37) == NULL);
	CHECKF(live_nodes() == base, "xa_destroy left %lld nodes",
	       (long long)(live_nodes() - base));
	CHECK(xa_store(&xa, 8192, V(2)) == NULL); /* usable again */
	CHECK(xa_load(&xa, 8192) == V(2));
	CHECK_VALID(&xa);
	xa_fini(&xa);
	CHECK(live_nodes() == base);
}

/* ---- the validator itself must catch damage (so CHECK_VALID can fail) ---- */
static void test_validator(void)
{
	struct xarray xa;
	xa_init(&xa);
	CHECK(xa_store(&xa, 100, V(1)) == NULL);
	CHECK(xa_store(&xa, 5000, V(2)) == NULL);
	CHECK(xa_validate(&xa) == NULL);
	struct xa_node *root = (struct xa_node *)((uintptr_t)xa.xa_head - 2);
	root->marks[0] ^= 1UL; /* a mark on an empty slot */
	CHECK(xa_validate(&xa) != NULL);
	root->marks[0] ^= 1UL;
	root->count++;
	CHECK(xa_validate(&xa) != NULL);
	root->count--;
	xa.xa_nodes++;
	CHECK(xa_validate(&xa) != NULL);
	xa.xa_nodes--;
	CHECK(xa_validate(&xa) == NULL);
	xa_fini(&xa);
}

/* ---- what a reader still inside unlinked nodes sees (white box) ----
 * A reader may hold a node that a writer then unlinks; it must find
 * either what the index held or a way back to the live tree. The reader
 * here is this thread itself, inside a read section across the erase,
 * so the nodes it looks at cannot be freed under it. */
static struct xa_node *node_of(void *entry)
{
	return (struct xa_node *)((uintptr_t)entry - 2);
}

static void test_unlinked_nodes(void)
{
	struct xarray xa;
	xa_init(&xa);

	/* collapse into the head: the old root sends readers back */
	CHECK(xa_store(&xa, 0, V(0)) == NULL);
	CHECK(xa_store(&xa, 5, V(5)) == NULL);
	lb_rcu_read_lock();
	struct xa_node *leaf = node_of(xa.xa_head);
	CHECK(leaf->shift == 0 && leaf->slots[0] == V(0));
	CHECK(xa_erase(&xa, 5) == V(5));
	CHECK(xa.xa_head == V(0));
	CHECKF(leaf->slots[0] == XA_RETRY_ENTRY, "old root still shows a stale index 0");
	CHECK(leaf->slots[5] == NULL);
	lb_rcu_read_unlock();

	/* shrink by one level: the old root still leads to the live child */
	CHECK(xa_store(&xa, 5, V(5)) == NULL);
	CHECK(xa_store(&xa, 4096, V(1)) == NULL);
	lb_rcu_read_lock();
	struct xa_node *root = node_of(xa.xa_head);
	void *child = root->slots[0];
	struct xa_node *gone = node_of(node_of(root->slots[1])->slots[0]);
	CHECK(root->shift == 12 && gone->shift == 0);
	CHECK(xa_erase(&xa, 4096) == V(1));
	CHECK(xa_height(&xa) == 1);
	CHECK(root->slots[0] == child); /* through it a reader reaches index 0 and 5 */
	CHECK(node_of(node_of(child)->slots[0])->slots[5] == V(5));
	/* a node unlinked because it emptied shows only empty slots */
	unsigned stale = 0;
	for (unsigned i = 0; i < XA_CHUNK_SIZE; i++)
		stale += gone->slots[i] != NULL;
	CHECK(stale == 0);
	lb_rcu_read_unlock();
	CHECK_VALID(&xa);
	xa_fini(&xa);
}

/* ---- allocation failure: all-or-nothing ----
 * Each scenario builds a starting tree, then fails the nth allocation of
 * one write for n = 1, 2, ... until the write succeeds. Every failing run
 * must return -ENOMEM, leave the tree as it was, and allocate nothing that
 * outlives it; the number of failing runs must equal the nodes the write
 * needed. */
enum writer { W_STORE, W_STORE_LOCKED, W_INSERT, W_CMPXCHG, W_RESERVE, W_NR };
static const char *const writer_name[W_NR] = {"xa_store", "__xa_store", "xa_insert", "xa_cmpxchg",
					      "xa_reserve"};

static int do_write(struct xarray *xa, enum writer w, unsigned long index, void *v)
{
	void *r = NULL;
	switch (w) {
	case W_STORE:
		r = xa_store(xa, index, v);
		break;
	case W_STORE_LOCKED:
		xa_lock(xa);
		r = __xa_store(xa, index, v);
		xa_unlock(xa);
		break;
	case W_INSERT:
		return xa_insert(xa, index, v);
	case W_CMPXCHG:
		r = xa_cmpxchg(xa, index, NULL, v);
		break;
	case W_RESERVE:
		return xa_reserve(xa, index);
	default:
		break;
	}
	return xa_err(r);
}

struct scenario {
	const char *name;
	unsigned long pre[4];
	unsigned npre;
	unsigned long target;
	unsigned nodes; /* allocations the write needs */
};

static void test_alloc_failure(void)
{
	static const struct scenario sc[] = {
	    {"empty -> 65535", {0}, 0, 65535, 3},
	    {"head entry -> 100", {0}, 1, 100, 3},
	    {"head entry -> ULONG_MAX", {0}, 1, ULONG_MAX, 2 * XA_MAX_LEVELS - 1},
	    {"height 2 -> 65535 (grow)", {0, 70}, 2, 65535, 3},
	    {"height 3 -> new leaf", {8192, 65535}, 2, 30000, 2},
	    {"height 3 -> existing leaf", {8192, 65535}, 2, 8193, 0},
	};
	uint64_t base = live_nodes();
	for (size_t s = 0; s < sizeof(sc) / sizeof(sc[0]); s++) {
		for (int w = 0; w < W_NR; w++) {
			struct xarray xa;
			unsigned enomem = 0;
			uint64_t nth;
			xa_init(&xa);
			for (unsigned i = 0; i < sc[s].npre; i++)
				xa_store(&xa, sc[s].pre[i], V(sc[s].pre[i]));
			/* After this barrier nothing is pending, and a failed
			 * write frees what it allocated at once (never
			 * published): live counts compare without barriers. */
			uint64_t before = live_nodes();
			unsigned long nodes_before = xa_nr_nodes(&xa);
			unsigned height_before = xa_height(&xa);
			/* The same array for every run: a failure must leave
			 * it as it was, so the next run starts from the same
			 * state. */
			for (nth = 1; nth < 100; nth++) {
				lb_alloc_fail_nth(nth);
				int rc = do_write(&xa, (enum writer)w, sc[s].target, V(1));
				bool fired = lb_alloc_attempts() >= nth;
				lb_alloc_fail_nth(0);

				CHECK_VALID(&xa);
				for (unsigned i = 0; i < sc[s].npre; i++)
					CHECKF(xa_load(&xa, sc[s].pre[i]) == V(sc[s].pre[i]),
					       "%s/%s nth %llu: lost index %lu", sc[s].name,
					       writer_name[w], (unsigned long long)nth,
					       sc[s].pre[i]);
				uint64_t live = lb_mem_live_objects(LB_MEM_STORE);
				if (!fired) {
					CHECKF(rc == 0, "%s/%s: rc %d without failure", sc[s].name,
					       writer_name[w], rc);
					CHECK(xa_load(&xa, sc[s].target) ==
					      (w == W_RESERVE ? NULL : V(1)));
					CHECK(xa_nr_nodes(&xa) == nodes_before + sc[s].nodes);
					CHECK(live == before + sc[s].nodes);
					break;
				}
				enomem++;
				CHECKF(rc == -ENOMEM, "%s/%s nth %llu: rc %d", sc[s].name,
				       writer_name[w], (unsigned long long)nth, rc);
				CHECK(xa_load(&xa, sc[s].target) == NULL);
				CHECK(xa_nr_nodes(&xa) == nodes_before);
				CHECK(xa_height(&xa) == height_before);
				CHECKF(live == before, "%s/%s nth %llu: %lld nodes leaked",
				       sc[s].name, writer_name[w], (unsigned long long)nth,
				       (long long)(live - before));
			}
			CHECKF(enomem == sc[s].nodes, "%s/%s: %u allocations failed, want %u",
			       sc[s].name, writer_name[w], enomem, sc[s].nodes);
			/* and the array keeps working */
			CHECK(xa_store(&xa, sc[s].target, V(2)) == (w == W_RESERVE ? NULL : V(1)));
			CHECK(xa_load(&xa, sc[s].target) == V(2));
			CHECK_VALID(&xa);
			xa_fini(&xa);
		}
	}
	CHECK(live_nodes() == base);
}

/* ---- concurrent: one writer, several RCU readers ---- */
#define CIDX	 192
#define NREADERS 3

struct cobj {
	unsigned long index;
	unsigned gen;
} __attribute__((aligned(8)));

static struct xarray cxa;
static unsigned long cidx[CIDX];
static struct cobj cobjs[CIDX][2];
static atomic_bool cstop;
static atomic_ulong c_loads, c_hits, c_walks, c_bad_load, c_bad_walk, c_bad_mark;

/* Position of index in cidx (sorted), or -1. */
static long cpos(unsigned long index)
{
	long lo = 0, hi = CIDX - 1;
	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		if (cidx[mid] == index)
			return mid;
		if (cidx[mid] < index)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Is entry one of the objects owned by index? */
static bool owned_by(const void *entry, unsigned long index)
{
	long p = cpos(index);
	if (p < 0)
		return false;
	if (entry != &cobjs[p][0] && entry != &cobjs[p][1])
		return false;
	return ((const struct cobj *)entry)->index == index;
}

static void *reader(void *arg)
{
	uint64_t seed = 0x1234567ull + (uintptr_t)arg * 7919;
	unsigned long loads = 0, hits = 0, walks = 0;
	lb_rcu_register_thread();
	while (!atomic_load_explicit(&cstop, memory_order_relaxed)) {
		for (int k = 0; k < 256; k++) {
			size_t i = rnd(&seed) % CIDX;
			lb_rcu_read_lock();
			void *e = xa_load(&cxa, cidx[i]);
			if (e) {
				hits++;
				if (!owned_by(e, cidx[i]))
					atomic_fetch_add(&c_bad_load, 1);
			}
			/* an index never stored must always read empty */
			if (xa_load(&cxa, cidx[i] + 1) && cpos(cidx[i] + 1) < 0)
				atomic_fetch_add(&c_bad_load, 1);
			lb_rcu_read_unlock();
			loads++;
			(void)xa_get_mark(&cxa, cidx[i], XA_MARK_0);
		}
		/* a full walk and a marked walk: ascending, every entry its own */
		unsigned long index, prev = 0;
		void *e;
		bool first = true;
		lb_rcu_read_lock();
		xa_for_each(&cxa, index, e) {
			if (!owned_by(e, index) || (!first && index <= prev))
				atomic_fetch_add(&c_bad_walk, 1);
			prev = index;
			first = false;
		}
		first = true;
		xa_for_each_marked(&cxa, index, e, XA_MARK_0) {
			if (!owned_by(e, index) || (!first && index <= prev))
				atomic_fetch_add(&c_bad_mark, 1);
			prev = index;
			first = false;
		}
		lb_rcu_read_unlock();
		walks++;
		sched_yield(); /* 2 cores, 4 threads: let the writer interleave */
	}
	atomic_fetch_add(&c_loads, loads);
	atomic_fetch_add(&c_hits, hits);
	atomic_fetch_add(&c_walks, walks);
	lb_rcu_unregister_thread();
	return NULL;
}

static void writer_step(uint64_t *seed, unsigned *gen, unsigned long *errors)
{
	size_t i = rnd(seed) % CIDX;
	/* bias towards the extremes so the height keeps changing */
	if (rnd(seed) % 8 == 0)
		i = (rnd(seed) & 1) ? CIDX - 1 : 0;
	struct cobj *o = &cobjs[i][(*gen)++ & 1];
	unsigned long index = cidx[i];
	void *r = NULL;
	switch (rnd(seed) % 10) {
	case 0:
	case 1:
	case 2:
		r = xa_store(&cxa, index, o);
		break;
	case 3:
	case 4:
	case 5:
		r = xa_erase(&cxa, index);
		break;
	case 6:
		r = xa_cmpxchg(&cxa, index, NULL, o);
		break;
	case 7:
		xa_lock(&cxa);
		if (rnd(seed) & 1)
			r = __xa_store(&cxa, index, o);
		else
			r = __xa_erase(&cxa, index);
		xa_unlock(&cxa);
		break;
	case 8:
		if (rnd(seed) & 1)
			xa_set_mark(&cxa, index, XA_MARK_0);
		else
			xa_clear_mark(&cxa, index, XA_MARK_0);
		break;
	case 9:
		if (xa_reserve(&cxa, index) != 0)
			(*errors)++;
		if (rnd(seed) & 1)
			xa_release(&cxa, index);
		break;
	}
	if (xa_is_err(r) || (r && !owned_by(r, index)))
		(*errors)++;
}

static void test_concurrent(void)
{
	uint64_t seed = 0xfeedfacecafef00dull;
	uint64_t base = live_nodes();
	/* indices: 0, a spread over the LPI range, and ULONG_MAX (height 11) */
	cidx[0] = 0;
	for (size_t i = 1; i < CIDX - 1; i++)
		cidx[i] = 8192 + (i - 1) * 301;
	cidx[CIDX - 1] = ULONG_MAX;
	for (size_t i = 0; i < CIDX; i++)
		for (int g = 0; g < 2; g++)
			cobjs[i][g] = (struct cobj){.index = cidx[i], .gen = (unsigned)g};
	xa_init(&cxa);
	atomic_store(&cstop, false);

	pthread_t th[NREADERS];
	for (uintptr_t r = 0; r < NREADERS; r++)
		CHECK(pthread_create(&th[r], NULL, reader, (void *)r) == 0);

	uint64_t deadline = now_ns() + (uint64_t)(1e9 * check_scale());
	unsigned gen = 0;
	unsigned long steps = 0, errors = 0, collapses = 0;
	while (now_ns() < deadline) {
		for (int k = 0; k < 64; k++)
			writer_step(&seed, &gen, &errors);
		steps += 64;
		if (steps % 4096 == 0) {
			/* collapse to index 0 (shrink through the retry path),
			 * then regrow */
			for (size_t i = 1; i < CIDX; i++)
				xa_erase(&cxa, cidx[i]);
			xa_store(&cxa, 0, &cobjs[0][0]);
			if (xa_height(&cxa) != 0 || xa_nr_nodes(&cxa) != 0)
				errors++;
			collapses++;
			sched_yield();
		}
		if (steps % 1024 == 0)
			sched_yield();
	}
	atomic_store(&cstop, true);
	for (int r = 0; r < NREADERS; r++)
		pthread_join(th[r], NULL);

	printf("concurrent: %lu writer steps, %lu collapses, %lu loads (%lu hits), %lu walks\n",
	       steps, collapses, atomic_load(&c_loads), atomic_load(&c_hits),
	       atomic_load(&c_walks));
	CHECKF(errors == 0, "writer saw %lu wrong results", errors);
	CHECKF(atomic_load(&c_bad_load) == 0, "readers loaded %lu foreign values",
	       atomic_load(&c_bad_load));
	CHECKF(atomic_load(&c_bad_walk) == 0, "walks saw %lu wrong entries or orders",
	       atomic_load(&c_bad_walk));
	CHECKF(atomic_load(&c_bad_mark) == 0, "marked walks saw %lu wrong entries",
	       atomic_load(&c_bad_mark));
	CHECK(atomic_load(&c_loads) > 0 && atomic_load(&c_walks) > 0 && collapses > 0);
	CHECK_VALID(&cxa);
	xa_fini(&cxa);
	CHECK(live_nodes() == base);
}

/* A hang (a search that never ends, a lost unlock) fails with a name
 * instead of waiting for ctest's timeout. */
static void watchdog(int sig)
{
	static const char msg[] = "test_xarray: WATCHDOG: no progress, giving up\n";
	(void)sig;
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	_exit(1);
}

int main(void)
{
	signal(SIGALRM, watchdog);
	alarm((unsigned)(60 + 30 * check_scale()));
	lb_rcu_register_thread();
	test_heights();
	test_random();
	test_insert_cmpxchg();
	test_reserve();
	test_kernel_reservations();
	test_marks();
	test_find();
	test_destroy();
	test_validator();
	test_unlinked_nodes();
	test_alloc_failure();
	test_concurrent();
	lb_rcu_barrier();
	lb_rcu_unregister_thread();
	return check_exit("test_xarray");
}
