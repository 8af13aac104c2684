/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Concurrent stress suite: every backend in store_registry, no per-backend
 * code (what differs is read from caps: STORE_CAP_SINGLE_WRITER callers
 * serialise add/put; STORE_CAP_NULL has one shared irq). Bounded by time:
 * LB_STRESS_SECONDS per case (default 0.5) times LB_TEST_SCALE; a case
 * runs longer only while some worker has not yet done its minimum (a
 * writer starved by a reader-preferring rwlock, say), up to a cap, and a
 * worker still short then fails the case.
 *
 * Interleavings on a 2-core box: LB_TEST_THREADS workers (default 4; the
 * hot case adds 3) oversubscribe the CPUs, workers yield at random points,
 * and a preempter thread signals random workers every few tens of
 * microseconds so they also lose the CPU inside store operations, where
 * the racy windows are (LB_STRESS_PREEMPT=0 turns that off).
 *
 * The model of who owns which reference is exact, as in the ITS: each LPI
 * has a slot whose mutex serialises its map and unmap (the its_lock of the
 * model), and a mapped slot owns exactly one reference (the ITE's). Every
 * other reference is a short-lived get/put in one thread. So, once the
 * threads are joined, every live irq must have refcount 1, the store must
 * hold exactly the mapped LPIs, and the allocator exactly that many irqs;
 * after unmap, destroy and an RCU barrier, nothing.
 *
 * Case "churn": get/put on random LPIs spread over the INTID space, plus
 *   unmap/re-map of random LPIs, checked gets under the slot lock (a
 *   mapped LPI must be found, and be the mapped object) and short
 *   for_each walks.
 * Case "hot" (issue 3, the try-get-from-zero race): many threads get/put
 *   one hot LPI while a remapper drops its mapping reference and maps it
 *   again, over and over: half its turns at once (the add meets a live
 *   object and reuses it), half after waiting until lookups stop finding
 *   the old object (it died; the add meets an absent or dying entry). No
 *   lookup may increment from zero (the refcount layer reports it through
 *   lb_ref_bug_hook), none may touch a freed irq (poison checks,
 *   lb_irq_bug_hook; ASan in its build), the mapped object must stay
 *   indexed, the hot LPI must really have died, and the count balances.
 *
 * Read modes (issue 10; chosen by ops presence and caps, no per-backend
 * code): each case runs with --get=ref's gets ("ref"); backends with
 * lookup_rcu run both again with the getters' accesses made as --get=rcu
 * makes them ("rcu": lookup_rcu and the update inside one read section,
 * no reference; one access in four "queues" the irq: try-get under the
 * irq lock, keep it past the section, put it later), so readers inside
 * read sections meet irqs that churners unmap and free, and must never
 * see poisoned memory (irq_check before, during and after the update; ASan
 * in its build; the TSan build's checking RCU); backends with
 * STORE_CAP_RECLAIM_HP run both again on a store created with
 * STORE_RECLAIM_HP ("hp": every get goes through hazard pointers). The
 * invariants checked afterwards are the same in every mode.
 *
 * Workers never call CHECK() (check.h is not thread-safe): they count
 * errors in their own block, which main checks after the join. One line
 * per case shows the work done.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store_test.h"

#define NR_LPIS_CHURN 512 /* spread over the whole INTID space */
#define NR_COLD_HOT   64  /* neighbours of the hot LPI, always mapped */
#define HOT_INTID     40000u
#define HOT_MARK      0x11    /* irq_alloc() sets priority 0xa0 */
#define DRAIN_NS      2000000 /* longest wait for the hot LPI to die */

struct slot {
	pthread_mutex_t lock; /* serialises map/unmap of this LPI */
	uint32_t intid;
	bool mapped;
	struct lb_irq *irq; /* holds the mapping's reference while mapped */
};

struct ctx {
	const struct store_ops *ops;
	struct store *s;
	struct slot *slots;
	unsigned nr_slots;
	uint32_t walk_span; /* INTIDs per for_each walk */
	atomic_bool stop;
	pthread_barrier_t start;
	/* STORE_CAP_SINGLE_WRITER: callers serialise add and put. */
	bool single_writer;
	/* STORE_CAP_NULL (store.h): one shared irq for every INTID, never
	 * absent, never freed while the store lives; only the reference
	 * counting is checked, against the sum of the mappings. */
	bool null_store;
	pthread_mutex_t writer;
	bool rcu_reads; /* mode "rcu": getters use lookup_rcu, no reference */
};

struct worker {
	pthread_t th;
	struct ctx *c;
	unsigned id;
	uint64_t rng;
	/* what it did */
	uint64_t ops, hits, misses, maps, unmaps, checked, walks;
	uint64_t fresh;	       /* hot remapper: maps that got a new object (the old died) */
	atomic_ulong progress; /* ops, published for main's progress check */
	atomic_ulong deaths;   /* fresh, likewise */
	uint64_t tryget_fail;
	/* what went wrong */
	uint64_t errors;
};

static atomic_uint errors_printed;

/* One fprintf per report, so reports from several workers do not mix. */
#define WFAIL(w, fmt, ...)                                                                         \
	do {                                                                                       \
		(w)->errors++;                                                                     \
		if (atomic_fetch_add(&errors_printed, 1) < 20)                                     \
			fprintf(stderr, "  %s worker %u: " fmt "\n", (w)->c->ops->name, (w)->id,   \
				__VA_ARGS__);                                                      \
	} while (0)

/* Rarely give the CPU away: 1 in 2^bits calls. */
static inline void maybe_yield(struct worker *w, unsigned bits)
{
	if ((st_rand(&w->rng) & ((1u << bits) - 1)) == 0)
		sched_yield();
}

static unsigned refs_of(const struct lb_irq *irq)
{
	return lb_ref_read(&irq->refcount);
}

/* ---- writer ops, serialised where the backend asks for it ---- */
static void w_lock(struct ctx *c)
{
	if (c->single_writer)
		pthread_mutex_lock(&c->writer);
}

static void w_unlock(struct ctx *c)
{
	if (c->single_writer)
		pthread_mutex_unlock(&c->writer);
}

static int do_add(struct ctx *c, uint32_t intid, struct lb_irq **out)
{
	w_lock(c);
	int rc = c->ops->add(c->s, intid, out);
	w_unlock(c);
	return rc;
}

static void do_put(struct ctx *c, struct lb_irq *irq)
{
	w_lock(c);
	store_put(c->s, irq);
	w_unlock(c);
}

/* A get/put as the vGIC does it: look up, update under the irq's lock,
 * drop. Checks what it holds is alive and the right LPI. */
static struct lb_irq *checked_get(struct worker *w, uint32_t intid)
{
	struct lb_irq *irq = store_get(w->c->s, intid);
	if (!irq) {
		w->misses++;
		return NULL;
	}
	w->hits++;
	irq_check(irq);
	if (irq->intid != intid && !w->c->null_store)
		WFAIL(w, "get(%u) returned INTID %u", intid, irq->intid);
	if (refs_of(irq) == 0)
		WFAIL(w, "get(%u) returned an irq with refcount 0", intid);
	return irq;
}

static void touch(struct lb_irq *irq)
{
	lb_lock(&irq->irq_lock);
	irq->nr_updates++;
	irq->pending_latch = !irq->pending_latch;
	lb_unlock(&irq->irq_lock);
}

/*
 * A getter's access in mode "rcu" (getmode.h): look up and update inside
 * one read section without a reference; if `queue`, also take one (try-get
 * under the irq lock, as queueing on an ap_list does) and drop it after
 * the section. What is checked: the irq is never poisoned while the
 * section lasts, even across a yield that lets churners unmap and free
 * it; a reference is only ever taken on a live irq.
 */
static void rcu_access(struct worker *w, uint32_t intid, bool queue)
{
	struct ctx *c = w->c;
	struct lb_irq *kept = NULL;
	lb_rcu_read_lock();
	struct lb_irq *irq = c->ops->lookup_rcu(c->s, intid);
	if (!irq) {
		lb_rcu_read_unlock();
		w->misses++;
		return;
	}
	w->hits++;
	irq_check(irq);
	if (irq->intid != intid && !c->null_store)
		WFAIL(w, "lookup_rcu(%u) returned INTID %u", intid, irq->intid);
	lb_lock(&irq->irq_lock);
	irq->nr_updates++; /* harmless on a dying irq: lost with it */
	irq->pending_latch = !irq->pending_latch;
	if (queue && lb_ref_tryget(&irq->refcount))
		kept = irq;
	lb_unlock(&irq->irq_lock);
	maybe_yield(w, 6); /* let a churner unmap and free it meanwhile */
	irq_check(irq);
	lb_rcu_read_unlock();
	if (kept) {
		irq_check(kept);
		if (refs_of(kept) == 0)
			WFAIL(w, "kept %u with refcount 0", intid);
		touch(kept);
		do_put(c, kept);
	}
}

/* Context: slot->lock held. Maps the slot's LPI; the new reference is the
 * mapping's. */
static void slot_map(struct worker *w, struct slot *sl)
{
	struct lb_irq *irq = NULL;
	int rc = do_add(w->c, sl->intid, &irq);
	if (rc || !irq) {
		WFAIL(w, "add(%u) failed: %d", sl->intid, rc);
		return;
	}
	irq_check(irq);
	if (irq->intid != sl->intid && !w->c->null_store)
		WFAIL(w, "add(%u) returned INTID %u", sl->intid, irq->intid);
	sl->irq = irq;
	sl->mapped = true;
	w->maps++;
}

/* Context: slot->lock held, slot mapped. Drops the mapping's reference,
 * either directly (the ITE holds the pointer) or through store_remove. */
static void slot_unmap(struct worker *w, struct slot *sl)
{
	struct ctx *c = w->c;
	if (st_rand(&w->rng) & 1) {
		do_put(c, sl->irq);
	} else {
		w_lock(c);
		int rc = store_remove(c->s, sl->intid);
		w_unlock(c);
		if (rc) {
			/* The mapping's reference keeps it indexed: -ENOENT
			 * means the store lost a live entry. Drop ours. */
			WFAIL(w, "remove(%u) of a mapped LPI: %d", sl->intid, rc);
			do_put(c, sl->irq);
		}
	}
	sl->mapped = false;
	sl->irq = NULL;
	w->unmaps++;
}

struct walk {
	uint32_t first, last;
	struct worker *w;
};

static int walk_fn(struct lb_irq *irq, void *arg)
{
	struct walk *k = arg;
	irq_check(irq);
	if (irq->intid < k->first || irq->intid > k->last)
		WFAIL(k->w, "for_each [%u, %u] visited %u", k->first, k->last, irq->intid);
	if (refs_of(irq) == 0)
		WFAIL(k->w, "for_each visited %u with refcount 0", irq->intid);
	return 0;
}

/* Counts one completed op and lets main see it (relaxed: it only reads a
 * number, nothing is published through it). */
static inline void op_done(struct worker *w)
{
	w->ops++;
	atomic_store_explicit(&w->progress, w->ops, memory_order_relaxed);
}

static void worker_begin(struct worker *w)
{
	lb_rcu_register_thread();
	pthread_barrier_wait(&w->c->start);
}

static void *worker_end(struct worker *w)
{
	w->tryget_fail = lb_tc.c[LB_C_TRYGET_FAIL];
	lb_rcu_unregister_thread();
	return NULL;
}

/* ---- case "churn" ---- */
static void *churn_worker(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;
	worker_begin(w);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		struct slot *sl = &c->slots[st_rand(&w->rng) % c->nr_slots];
		unsigned r = (unsigned)(st_rand(&w->rng) % 1000);
		if (r < 30) {
			/* Unmap and (usually) map again, as DISCARD + MAPTI. */
			pthread_mutex_lock(&sl->lock);
			if (sl->mapped) {
				slot_unmap(w, sl);
				maybe_yield(w, 3);
				if (st_rand(&w->rng) % 4)
					slot_map(w, sl);
			} else {
				slot_map(w, sl);
			}
			pthread_mutex_unlock(&sl->lock);
		} else if (r < 80) {
			/* Under the slot lock the mapping cannot change: a mapped
			 * LPI must be found, and it must be the mapped object (a
			 * release that erased a re-mapped INTID fails here). */
			pthread_mutex_lock(&sl->lock);
			struct lb_irq *irq = checked_get(w, sl->intid);
			if (sl->mapped && irq != sl->irq)
				WFAIL(w, "get(%u) of a mapped LPI returned %p, mapped %p",
				      sl->intid, (void *)irq, (void *)sl->irq);
			if (irq)
				do_put(c, irq);
			pthread_mutex_unlock(&sl->lock);
			w->checked++;
		} else if (r < 83) {
			struct walk k = {
			    .first = sl->intid, .last = sl->intid + c->walk_span, .w = w};
			w_lock(c);
			c->ops->for_each(c->s, k.first, k.last, walk_fn, &k);
			w_unlock(c);
			w->walks++;
		} else if (c->rcu_reads) {
			rcu_access(w, sl->intid, r % 4 == 0);
		} else {
			struct lb_irq *irq = checked_get(w, sl->intid);
			if (irq) {
				touch(irq);
				maybe_yield(w, 10);
				irq_check(irq);
				do_put(c, irq);
			}
		}
		op_done(w);
		maybe_yield(w, 12);
	}
	return worker_end(w);
}

/* ---- case "hot" ---- */
static void *hot_getter(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;
	worker_begin(w);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		unsigned r = (unsigned)(st_rand(&w->rng) % 100);
		/* Mostly the hot LPI; sometimes a neighbour (a cold slot),
		 * which shares interior nodes, buckets or the list with it. */
		uint32_t intid = r < 90 ? HOT_INTID : c->slots[1 + r % (c->nr_slots - 1)].intid;
		if (c->rcu_reads) {
			rcu_access(w, intid, r % 4 == 0);
			op_done(w);
			for (unsigned n = (unsigned)(st_rand(&w->rng) % 64); n; n--)
				(void)st_rand(&w->rng);
			maybe_yield(w, 8);
			continue;
		}
		struct lb_irq *irq = checked_get(w, intid);
		if (!irq) {
			op_done(w);
			continue;
		}
		touch(irq);
		if (r < 10) {
			/* A second reference while holding one: plain nesting. */
			struct lb_irq *again = checked_get(w, intid);
			if (again && again != irq)
				WFAIL(w, "get(%u) returned two objects while one was held", intid);
			if (again)
				do_put(c, again);
		}
		maybe_yield(w, 8);
		irq_check(irq);
		do_put(c, irq);
		op_done(w);
		/* Some work holding nothing, as a vCPU does between LPIs:
		 * without it six getters nearly always hold a reference
		 * between them, and the hot LPI would almost never die. */
		for (unsigned n = (unsigned)(st_rand(&w->rng) % 64); n; n--)
			(void)st_rand(&w->rng);
		maybe_yield(w, 8);
	}
	return worker_end(w);
}

static void *hot_remapper(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;
	struct slot *sl = &c->slots[0]; /* the hot LPI */
	worker_begin(w);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		pthread_mutex_lock(&sl->lock);
		bool drain = st_rand(&w->rng) & 1;
		if (sl->mapped) {
			/* Mapped since the last turn: the store must still hold
			 * this object. A getter's final put of the previous one
			 * erasing it by INTID (race e in docs/design.md) shows here. */
			struct lb_irq *irq = checked_get(w, sl->intid);
			if (irq != sl->irq)
				WFAIL(w, "get(%u) of the mapped hot LPI returned %p, mapped %p",
				      sl->intid, (void *)irq, (void *)sl->irq);
			if (irq)
				do_put(c, irq);
			w->checked++;
			slot_unmap(w, sl);
		}
		if (drain) {
			/* Half the turns: wait (boundedly) until lookups stop
			 * finding the old object, so it dies, and re-map at
			 * once: the add then meets an entry that is absent or
			 * still dying (final put done, erase pending), the
			 * replace-vs-release race (race e). Our own put here may be
			 * the final one. */
			uint64_t until = st_now_ns() + DRAIN_NS;
			while (st_now_ns() < until) {
				struct lb_irq *irq = checked_get(w, sl->intid);
				if (!irq)
					break;
				do_put(c, irq);
				sched_yield();
			}
		} else {
			/* Otherwise re-map while getters likely still hold the
			 * old object: the reuse path (try-get on a live entry). */
			maybe_yield(w, 2);
		}
		slot_map(w, sl);
		if (sl->mapped) {
			/* Tell a fresh object (the old one died and was
			 * unindexed) from a reused one (a getter kept it alive):
			 * mark each object we map; only ours writes priority. */
			lb_lock(&sl->irq->irq_lock);
			if (sl->irq->priority != HOT_MARK)
				atomic_store_explicit(&w->deaths, ++w->fresh, memory_order_relaxed);
			sl->irq->priority = HOT_MARK;
			lb_unlock(&sl->irq->irq_lock);
		}
		pthread_mutex_unlock(&sl->lock);
		op_done(w);
		maybe_yield(w, 4);
	}
	return worker_end(w);
}

/* ---- preemption at arbitrary points ----
 * Yields in the workers only land between store calls; the windows that
 * matter are inside them (between a lookup's load and its try-get, between
 * the final decrement and the erase), a few instructions wide. A preempter
 * thread sends SIGURG to a random worker every few tens of microseconds;
 * the handler yields, so the worker loses the CPU wherever it happened to
 * be, including inside those windows. LB_STRESS_PREEMPT=0 turns it off. */
#define PREEMPT_SIG SIGURG

static void preempt_handler(int sig)
{
	(void)sig;
	int saved = errno;
	sched_yield();
	errno = saved;
}

struct preempter {
	pthread_t th;
	struct worker *w;
	unsigned nw;
	atomic_bool stop;
	uint64_t rng, sent;
};

static void *preempter_fn(void *arg)
{
	struct preempter *p = arg;
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		struct timespec ts = {.tv_sec = 0,
				      .tv_nsec = 5000 + (long)(st_rand(&p->rng) % 50000)};
		nanosleep(&ts, NULL);
		if (pthread_kill(p->w[st_rand(&p->rng) % p->nw].th, PREEMPT_SIG) == 0)
			p->sent++;
	}
	return NULL;
}

static bool preempt_enabled(void)
{
	const char *e = getenv("LB_STRESS_PREEMPT");
	return !e || atoi(e) != 0;
}

static void preempt_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = preempt_handler;
	sa.sa_flags = SA_RESTART; /* the workers' own waits just resume */
	sigemptyset(&sa.sa_mask);
	sigaction(PREEMPT_SIG, &sa, NULL);
}

/* ---- runner ---- */
static double case_seconds(void)
{
	const char *e = getenv("LB_STRESS_SECONDS");
	double v = e ? atof(e) : 0.5;
	return (v > 0 ? v : 0.5) * check_scale();
}

static unsigned nr_threads(void)
{
	const char *e = getenv("LB_TEST_THREADS");
	int v = e ? atoi(e) : 4;
	return v >= 2 && v <= 256 ? (unsigned)v : 4;
}

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static struct slot *slots_new(unsigned n)
{
	struct slot *sl = calloc(n, sizeof(*sl));
	if (!sl) {
		perror("calloc");
		exit(2);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_mutex_init(&sl[i].lock, NULL);
	return sl;
}

static void slots_free(struct slot *sl, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pthread_mutex_destroy(&sl[i].lock);
	free(sl);
}

/* Counts what the store returns for a full walk, with a reference held. */
static int count_fn(struct lb_irq *irq, void *arg)
{
	irq_check(irq);
	(*(size_t *)arg)++;
	return 0;
}

/* The null store's reading of the same invariants: its one irq holds the
 * store's own reference plus one per mapping; it is the only irq. */
static void verify_null(struct ctx *c, const struct st_mem *base)
{
	size_t mapped = 0;
	for (unsigned i = 0; i < c->nr_slots; i++)
		mapped += c->slots[i].mapped;
	struct lb_irq *g = store_get(c->s, LB_INTID_BASE);
	CHECK(g != NULL);
	if (g) {
		CHECKF(refs_of(g) == mapped + 2,
		       "%s: refcount %u, expected %zu (mappings, store, us)", c->ops->name,
		       refs_of(g), mapped + 2);
		store_put(c->s, g);
	}
	size_t walked = 0;
	c->ops->for_each(c->s, LB_INTID_BASE, LB_INTID_LIMIT - 1, count_fn, &walked);
	CHECK(walked == 0);
	CHECK(st_mem_delta(base, LB_MEM_IRQ) == 1);
}

/* The store holds exactly the mapped slots, each with only the mapping's
 * reference, and the allocator agrees. */
static void verify_contents(struct ctx *c, const struct st_mem *base)
{
	const struct store_ops *ops = c->ops;
	size_t mapped = 0, bad_refs = 0, bad_get = 0;
	for (unsigned i = 0; i < c->nr_slots; i++) {
		struct slot *sl = &c->slots[i];
		if (sl->mapped) {
			mapped++;
			if (refs_of(sl->irq) != 1) {
				if (bad_refs++ < 5)
					fprintf(stderr, "  %s: LPI %u refcount %u, expected 1\n",
						ops->name, sl->intid, refs_of(sl->irq));
			}
		}
		struct lb_irq *g = store_get(c->s, sl->intid);
		if (g != (sl->mapped ? sl->irq : NULL))
			bad_get++;
		if (g)
			store_put(c->s, g);
	}
	CHECKF(bad_refs == 0, "%s: %zu live LPIs with refcount != mapping references", ops->name,
	       bad_refs);
	CHECKF(bad_get == 0, "%s: %zu LPIs where the store disagrees with the mappings", ops->name,
	       bad_get);
	struct store_stats st;
	store_get_stats(c->s, &st);
	CHECKF(st.entries == STORE_STAT_ABSENT || st.entries == mapped,
	       "%s: entries %llu, mapped %zu", ops->name, (unsigned long long)st.entries, mapped);
	store_quiesce(c->s); /* hazard-pointer retire lists, if any */
	size_t walked = 0;
	ops->for_each(c->s, LB_INTID_BASE, LB_INTID_LIMIT - 1, count_fn, &walked);
	CHECKF(walked == mapped, "%s: for_each visited %zu, mapped %zu", ops->name, walked, mapped);
	int64_t live = st_mem_delta(base, LB_MEM_IRQ);
	CHECKF(live == (int64_t)mapped, "%s: %lld irq objects live, %zu mapped", ops->name,
	       (long long)live, mapped);
}

/* Quiescent: checks the invariants, then unmaps everything and destroys
 * the store; nothing may be left. */
static void verify_and_destroy(struct ctx *c, const struct st_mem *base)
{
	const struct store_ops *ops = c->ops;
	if (c->null_store)
		verify_null(c, base);
	else
		verify_contents(c, base);
	for (unsigned i = 0; i < c->nr_slots; i++) {
		struct slot *sl = &c->slots[i];
		if (sl->mapped && refs_of(sl->irq) >= 1)
			store_put(c->s, sl->irq);
		sl->mapped = false;
		sl->irq = NULL;
	}
	struct store_stats st;
	store_get_stats(c->s, &st);
	CHECKF(st.entries == STORE_STAT_ABSENT || st.entries == 0, "%s: entries %llu after unmap",
	       ops->name, (unsigned long long)st.entries);
	ops->destroy(c->s);
	c->s = NULL;
	for (int k = 0; k < LB_MEM_NR; k++) {
		int64_t d = st_mem_delta(base, (enum lb_mem_kind)k);
		CHECKF(d == 0, "%s: %lld %s objects left after destroy", ops->name, (long long)d,
		       lb_mem_kind_name((enum lb_mem_kind)k));
	}
}

enum stress_case { CASE_CHURN, CASE_HOT };
enum stress_mode { MODE_REF, MODE_RCU, MODE_HP };
static const char *const mode_names[] = {"ref", "rcu", "hp"};

/* Remaps the hot case needs for its race to have been played at all. */
#define HOT_MIN_REMAPS 32

static uint64_t min_ops_for(enum stress_case which, unsigned i, unsigned nw)
{
	return which == CASE_HOT && i == nw - 1 ? HOT_MIN_REMAPS : 1;
}

/* Every worker did its minimum, and the hot LPI died at least once
 * (except on the null store, where it cannot). */
static bool progress_ok(struct ctx *c, struct worker *w, unsigned nw, enum stress_case which)
{
	for (unsigned i = 0; i < nw; i++)
		if (atomic_load_explicit(&w[i].progress, memory_order_relaxed) <
		    min_ops_for(which, i, nw))
			return false;
	return which != CASE_HOT || c->null_store ||
	       atomic_load_explicit(&w[nw - 1].deaths, memory_order_relaxed) > 0;
}

/* Returns false when the backend is skipped in this build. */
static bool run_case(const struct store_ops *ops, enum stress_case which, enum stress_mode mode,
		     double secs, unsigned nthreads)
{
	char cname[16];
	snprintf(cname, sizeof(cname), "%s/%s", which == CASE_CHURN ? "churn" : "hot",
		 mode_names[mode]);
	struct st_mem base;
	st_mem_snapshot(&base);
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.ops = ops;
	c.single_writer = ops->caps & STORE_CAP_SINGLE_WRITER;
	c.null_store = ops->caps & STORE_CAP_NULL;
	pthread_mutex_init(&c.writer, NULL);
	atomic_init(&c.stop, false);
	c.rcu_reads = mode == MODE_RCU;

	bool skipped;
	c.s = st_create_reclaim(ops, which == CASE_CHURN ? NR_LPIS_CHURN : NR_COLD_HOT + 1,
				mode == MODE_HP ? STORE_RECLAIM_HP : STORE_RECLAIM_RCU, &skipped);
	if (!c.s) {
		pthread_mutex_destroy(&c.writer);
		if (skipped)
			return false;
		CHECKF(0, "%s: create failed (errno %d)", ops->name, errno);
		return true;
	}

	/* Slots: churn spreads its LPIs over the whole space (deep trees,
	 * many buckets); hot keeps its neighbours near the hot INTID (shared
	 * nodes). Slot 0 of "hot" is the hot LPI. */
	if (which == CASE_CHURN) {
		c.nr_slots = NR_LPIS_CHURN;
		c.walk_span = LB_NR_LPI_SPACE / NR_LPIS_CHURN * 4;
	} else {
		c.nr_slots = NR_COLD_HOT + 1;
	}
	c.slots = slots_new(c.nr_slots);
	for (unsigned i = 0; i < c.nr_slots; i++) {
		struct slot *sl = &c.slots[i];
		if (which == CASE_CHURN)
			sl->intid = LB_INTID_BASE + i * (LB_NR_LPI_SPACE / NR_LPIS_CHURN) + i % 7;
		else
			sl->intid = i == 0		   ? HOT_INTID
				    : i <= NR_COLD_HOT / 2 ? HOT_INTID - NR_COLD_HOT / 2 - 1 + i
							   : HOT_INTID + i - NR_COLD_HOT / 2;
		/* Start with three quarters mapped (all, for "hot"). */
		if (which == CASE_HOT || i % 4) {
			struct lb_irq *irq = NULL;
			CHECK(ops->add(c.s, sl->intid, &irq) == 0 && irq);
			sl->irq = irq;
			sl->mapped = irq != NULL;
		}
	}

	/* hot: more getters than churn has workers, plus the remapper. */
	unsigned nw = which == CASE_CHURN ? nthreads : nthreads + 3;
	struct worker *w = calloc(nw, sizeof(*w));
	if (!w) {
		perror("calloc");
		exit(2);
	}
	pthread_barrier_init(&c.start, NULL, nw + 1);
	unsigned long rb0 = atomic_load(&st_ref_bugs), ib0 = atomic_load(&st_irq_bugs);
	unsigned long sb0 = st_sanitizer_count();
	for (unsigned i = 0; i < nw; i++) {
		w[i].c = &c;
		w[i].id = i;
		atomic_init(&w[i].progress, 0);
		atomic_init(&w[i].deaths, 0);
		w[i].rng = 0x9e3779b97f4a7c15ull * (i + 1) ^ (uint64_t)which << 32 ^ st_now_ns();
		w[i].rng |= 1;
		void *(*fn)(void *) = which == CASE_CHURN ? churn_worker
				      : i == nw - 1	  ? hot_remapper
							  : hot_getter;
		if (pthread_create(&w[i].th, NULL, fn, &w[i]) != 0) {
			perror("pthread_create");
			exit(2);
		}
	}
	/* Workers exist now; the preempter only signals them, and stops
	 * before they are joined (a joined thread's id is no longer valid). */
	struct preempter pre = {.w = w, .nw = nw, .rng = st_now_ns() | 1};
	atomic_init(&pre.stop, false);
	bool preempting =
	    preempt_enabled() && pthread_create(&pre.th, NULL, preempter_fn, &pre) == 0;
	pthread_barrier_wait(&c.start);
	uint64_t t0 = st_now_ns();
	sleep_s(secs);
	/* The time is up, but a case where some worker barely ran tested
	 * little: a writer starved by a reader-preferring rwlock, say, on an
	 * oversubscribed box. Give them longer, within a cap; a worker still
	 * short at the cap fails below. */
	double cap = secs * 20 > 10 ? secs * 20 : 10;
	while (!progress_ok(&c, w, nw, which) && (double)(st_now_ns() - t0) / 1e9 < cap)
		sleep_s(0.01);
	if (preempting) {
		atomic_store(&pre.stop, true);
		pthread_join(pre.th, NULL);
	}
	atomic_store(&c.stop, true);
	for (unsigned i = 0; i < nw; i++)
		pthread_join(w[i].th, NULL);
	double elapsed = (double)(st_now_ns() - t0) / 1e9;

	uint64_t ops_total = 0, hits = 0, misses = 0, maps = 0, unmaps = 0, checked = 0;
	uint64_t walks = 0, tryget = 0, errors = 0, fresh = 0, min_ops = UINT64_MAX;
	for (unsigned i = 0; i < nw; i++) {
		ops_total += w[i].ops;
		hits += w[i].hits;
		misses += w[i].misses;
		maps += w[i].maps;
		unmaps += w[i].unmaps;
		checked += w[i].checked;
		walks += w[i].walks;
		tryget += w[i].tryget_fail;
		errors += w[i].errors;
		fresh += w[i].fresh;
		if (w[i].ops < min_ops)
			min_ops = w[i].ops;
		CHECKF(w[i].ops >= min_ops_for(which, i, nw),
		       "%s/%s: worker %u did %llu ops in %.1fs", ops->name, cname, i,
		       (unsigned long long)w[i].ops, elapsed);
	}
	char freshs[48] = "";
	if (which == CASE_HOT)
		snprintf(freshs, sizeof(freshs), " (%llu fresh)", (unsigned long long)fresh);
	printf("stress: %-8s %-9s %u threads %.2fs%s: ops %llu (min/thread %llu); get hit %llu "
	       "miss %llu; map %llu%s unmap %llu; checked %llu; walks %llu; try-get failed %llu; "
	       "preempted %llu\n",
	       ops->name, cname, nw, elapsed,
	       elapsed > secs * 1.5 ? " (extended: a worker lagged)" : "",
	       (unsigned long long)ops_total, (unsigned long long)min_ops, (unsigned long long)hits,
	       (unsigned long long)misses, (unsigned long long)maps, freshs,
	       (unsigned long long)unmaps, (unsigned long long)checked, (unsigned long long)walks,
	       (unsigned long long)tryget, (unsigned long long)pre.sent);
	fflush(stdout);
	CHECKF(errors == 0, "%s/%s: %llu errors seen by workers", ops->name, cname,
	       (unsigned long long)errors);
	/* Every remap really happened (the remapper and the churners did
	 * unmap); otherwise the case did not test what it claims. */
	CHECKF(maps > 0 && unmaps > 0, "%s/%s: no churn happened", ops->name, cname);
	/* The hot case is about objects dying under lookups: it must have
	 * happened (the remapper waits for it on half its turns). */
	CHECKF(which != CASE_HOT || fresh > 0 || c.null_store, "%s/hot: the hot LPI never died",
	       ops->name);

	verify_and_destroy(&c, &base);
	CHECKF(atomic_load(&st_ref_bugs) == rb0,
	       "%s/%s: %lu refcount bugs (increment from zero "
	       "or underflow)",
	       ops->name, cname, atomic_load(&st_ref_bugs) - rb0);
	CHECKF(atomic_load(&st_irq_bugs) == ib0, "%s/%s: %lu uses of a freed irq", ops->name, cname,
	       atomic_load(&st_irq_bugs) - ib0);
	CHECKF(st_sanitizer_count() == sb0, "%s/%s: %lu sanitizer reports", ops->name, cname,
	       st_sanitizer_count() - sb0);

	pthread_barrier_destroy(&c.start);
	pthread_mutex_destroy(&c.writer);
	slots_free(c.slots, c.nr_slots);
	free(w);
	return true;
}

int main(void)
{
	lb_rcu_register_thread();
	st_install_hooks();
	st_watchdog_init();
	preempt_install();
	double secs = case_seconds();
	unsigned nthreads = nr_threads();
	unsigned skipped = 0, failed = 0, passed = 0;

	for (const struct store_ops *const *o = store_registry; *o; o++) {
		const struct store_ops *ops = *o;
		int f0 = check_failures;
		/* Time-bounded work plus verification: a hang is a failure. */
		st_watch(ops->name, (unsigned)(6 * secs) + 120);
		st_set_step("churn");
		if (!run_case(ops, CASE_CHURN, MODE_REF, secs, nthreads)) {
			printf("stress: %-8s SKIPPED: create() reports ENOTSUP in this build\n",
			       ops->name);
			skipped++;
			alarm(0);
			continue;
		}
		st_set_step("hot");
		run_case(ops, CASE_HOT, MODE_REF, secs, nthreads);
		if (ops->lookup_rcu) {
			st_set_step("churn/rcu");
			run_case(ops, CASE_CHURN, MODE_RCU, secs, nthreads);
			st_set_step("hot/rcu");
			run_case(ops, CASE_HOT, MODE_RCU, secs, nthreads);
		}
		if (ops->caps & STORE_CAP_RECLAIM_HP) {
			st_set_step("churn/hp");
			run_case(ops, CASE_CHURN, MODE_HP, secs, nthreads);
			st_set_step("hot/hp");
			run_case(ops, CASE_HOT, MODE_HP, secs, nthreads);
		}
		alarm(0);
		bool ok = check_failures == f0;
		printf("stress: %-8s %s\n", ops->name, ok ? "PASS" : "FAIL");
		ok ? passed++ : failed++;
	}
	printf("stress: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	lb_rcu_unregister_thread();
	return check_exit("stress");
}
