/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workload `race`: replays one of the kernel's known LPI races (race.h,
 * "The races" in docs/design.md) in its buggy or fixed variant.
 *
 *   bench --workload=race --scenario=NAME [--variant=buggy|fixed]
 *         [--race-mode=forced|random] [--rounds=N] [--duration=S]
 *   bench --workload=race --list-scenarios
 *
 * The scenario decides the threads (--threads is ignored). Each op of a
 * worker is one round of the replay: a barrier, thread 0 audits the last
 * round and builds the next, a barrier, then each thread runs its part.
 * The run ends at the first detection, after --rounds rounds (default: 200
 * in forced mode, unlimited in random mode), or after --duration seconds
 * of rounds, whichever comes first.
 *
 * Outcome: a detection prints `detected: <what, where>` on stdout and the
 * process exits with status 3; a clean run reports its rounds and exits 0.
 * verify() returns WL_VERIFY_DETECTED with the detection as its message
 * when workload.h defines it (run_one then returns 3). Until then it fails
 * the run (status 1, so the result files record the detection) and
 * teardown() exits with status 3 after the results are written.
 *
 * --backend is irrelevant: every scenario models the store it needs (the
 * driver's store stays empty).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/json.h"
#include "../core/alloc.h"
#include "../core/rand.h"
#include "race.h"
#include "workload.h"

/* Forced-schedule waits longer than this are a bug of the replay. */
#define RACE_WAIT_TIMEOUT_NS (10ull * 1000000000ull)
#define RACE_FORCED_ROUNDS   200

const struct race_scenario *const race_scenarios[] = {
#define RACE_SCENARIO(name) &race_##name##_scenario,
#include "race_registry.def"
#undef RACE_SCENARIO
    NULL,
};

const struct race_scenario *race_find(const char *name)
{
	for (const struct race_scenario *const *s = race_scenarios; *s; s++)
		if (strcmp((*s)->name, name) == 0)
			return *s;
	return NULL;
}

_Thread_local struct race_thread *race_self;

/* ---- options ---- */
static struct {
	const struct race_scenario *sc;
	int fixed;	 /* --variant: 0 buggy, 1 fixed */
	int random;	 /* --race-mode: 0 forced, 1 random */
	uint64_t rounds; /* 0: the mode's default */
	bool list;	 /* --list-scenarios */
} race_opt;

static const char *scenario_choice(unsigned i)
{
	for (unsigned n = 0; race_scenarios[n]; n++)
		if (n == i)
			return race_scenarios[n]->name;
	return NULL;
}

static int parse_scenario(const struct bench_opt *o, const char *arg)
{
	char names[512];
	const struct race_scenario *sc = race_find(arg);
	if (!sc)
		return opt_error(o->name, "unknown scenario '%s' (one of: %s)", arg,
				 opt_choices_text(o, names, sizeof(names)));
	race_opt.sc = sc;
	return 0;
}

static void record_scenario(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, race_opt.sc ? race_opt.sc->name : "");
}

static const char *const variant_choices[] = {"buggy", "fixed", NULL};
static const char *const race_mode_choices[] = {"forced", "random", NULL};

/* A listing instead of a run: the parser notes it (race_opt.list),
 * race_act prints it and clears the note. */
static int list_scenarios(const struct bench_opt *o, const char *arg)
{
	(void)o;
	(void)arg;
	race_opt.list = true;
	return 0;
}

static int race_act(FILE *out)
{
	if (!race_opt.list)
		return 0;
	for (const struct race_scenario *const *s = race_scenarios; out && *s; s++)
		fprintf(out, "%-18s %s\n", (*s)->name, (*s)->desc);
	if (out)
		race_opt.list = false;
	return 1;
}

static const struct wl_refused_opt race_refuses[] = {
    {"threads", "each scenario starts the threads its race needs"},
    {"backend", "each scenario models the store its race needs (see --variant)"},
    {"ops", "its rounds are bounded by --rounds and --duration"},
    {"warmup", "every round of a replay counts"},
    {0},
};

static int race_validate(const struct wl_plan *plan)
{
	(void)plan;
	if (!race_opt.sc)
		return opt_error("scenario", "which race? give --scenario=NAME (see "
					     "--list-scenarios)");
	return 0;
}

static uint64_t race_max_rounds(void)
{
	if (race_opt.rounds)
		return race_opt.rounds;
	return race_opt.random ? 0 : RACE_FORCED_ROUNDS;
}

/* --rounds is recorded as the bound in force (0: time only). */
static void record_rounds(struct json *js, const struct bench_opt *o)
{
	json_u64(js, o->json, race_max_rounds());
}

static const struct bench_opt race_opts[] = {
    {.name = "scenario",
     .type = OPT_STRING,
     .choice = scenario_choice,
     .metavar = "NAME",
     .def = "none: required",
     .json = "scenario",
     .help = "the race to replay (see --list-scenarios)",
     .parse = parse_scenario,
     .record = record_scenario},
    {.name = "variant",
     .type = OPT_ENUM,
     .dest = &race_opt.fixed,
     .choices = variant_choices,
     .json = "variant",
     .help = "the code with the bug or with its fix"},
    {.name = "race-mode",
     .type = OPT_ENUM,
     .dest = &race_opt.random,
     .choices = race_mode_choices,
     .json = "race_mode",
     .help = "forced: hooks open the race window every round; random: random delays at the "
	     "racy points"},
    {.name = "rounds",
     .type = OPT_U64,
     .dest = &race_opt.rounds,
     .min = 1,
     .max = UINT64_MAX / 2,
     .def = "200 forced, unlimited random",
     .json = "max_rounds",
     .help = "at most N rounds (--duration bounds both); recorded as the bound in force",
     .record = record_rounds},
    {.name = "list-scenarios",
     .type = OPT_ACTION,
     .rec = OPT_REC_NONE,
     .help = "list the race scenarios and exit",
     .parse = list_scenarios},
    {0},
};

/* ---- the run's state beyond struct race_run (workload side) ---- */
struct race_wl {
	struct race_run rr;
	uint64_t max_rounds;
	uint64_t budget_ns, t0_ns;
	atomic_uint bar_count, bar_gen;
	atomic_bool stop;
	uint64_t rounds_done;
	uint64_t leaked_total;
	lb_ref_bug_fn old_ref_hook;
	lb_irq_bug_fn old_irq_hook;
	bool old_checks;
};

/* The run the bug hooks report to (one run at a time). */
static struct race_run *race_cur;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t race_rand(struct race_thread *t)
{
	return lb_rand64(&t->rng);
}

/* ---- reports ---- */
static void race_vrecord(struct race_run *rr, bool detection, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&rr->det_mu);
	if (detection) {
		atomic_fetch_add(&rr->nr_detections, 1);
		if (!atomic_load(&rr->detected)) {
			int n = vsnprintf(rr->det_msg, sizeof(rr->det_msg), fmt, ap);
			if (n >= 0 && (size_t)n < sizeof(rr->det_msg))
				snprintf(rr->det_msg + n, sizeof(rr->det_msg) - (size_t)n,
					 " [round %" PRIu64 "]", rr->round);
			atomic_store_explicit(&rr->detected, true, memory_order_release);
		}
	} else if (!atomic_load(&rr->failed)) {
		vsnprintf(rr->fail_msg, sizeof(rr->fail_msg), fmt, ap);
		atomic_store_explicit(&rr->failed, true, memory_order_release);
	}
	pthread_mutex_unlock(&rr->det_mu);
}

void race_detect(struct race_run *rr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	race_vrecord(rr, true, fmt, ap);
	va_end(ap);
}

void race_fail(struct race_run *rr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	race_vrecord(rr, false, fmt, ap);
	va_end(ap);
	atomic_store(&rr->abort, true);
}

static const char *self_where(unsigned *id)
{
	struct race_thread *t = race_self;
	*id = t ? t->id : 0;
	return t && t->where ? t->where : "an RCU callback";
}

static void race_ref_bug(const char *what, const lb_ref_t *r)
{
	unsigned id;
	const char *where = self_where(&id);
	const struct lb_irq *irq = lb_container_of(r, struct lb_irq, refcount);
	if (race_cur)
		race_detect(race_cur, "refcount %s on LPI %u, in %s (thread %u)", what, irq->intid,
			    where, id);
}

static void race_irq_bug(const char *what, const struct lb_irq *irq)
{
	unsigned id;
	const char *where = self_where(&id);
	if (race_cur)
		race_detect(race_cur, "%s, LPI %u, in %s (thread %u)", what, irq->intid, where, id);
}

/* ---- schedule hooks ---- */
static void race_delay(struct race_thread *t)
{
	uint64_t r = race_rand(t);
	switch (r & 7) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
	case 4:
	case 5:
		for (unsigned i = (unsigned)((r >> 8) % 512); i; i--)
			lb_cpu_relax();
		break;
	default:
		sched_yield();
		break;
	}
}

void race_signal(struct race_run *rr, struct race_thread *t, unsigned ev)
{
	(void)t;
	if (rr->forced)
		atomic_store_explicit(&rr->ev[ev], rr->round, memory_order_release);
}

static bool others_cannot_signal(struct race_run *rr, struct race_thread *self)
{
	for (unsigned i = 0; i < rr->nr; i++) {
		if (&rr->t[i] == self)
			continue;
		if (atomic_load_explicit(&rr->t[i].state, memory_order_acquire) == RACE_T_RUNNING)
			return false;
	}
	return true;
}

void race_wait(struct race_run *rr, struct race_thread *t, unsigned ev)
{
	if (!rr->forced) {
		race_delay(t);
		return;
	}
	uint64_t start = 0;
	for (unsigned spins = 0;; spins++) {
		if (atomic_load_explicit(&rr->ev[ev], memory_order_acquire) == rr->round ||
		    atomic_load_explicit(&rr->abort, memory_order_relaxed) ||
		    others_cannot_signal(rr, t))
			return;
		if (spins < 64) {
			lb_cpu_relax();
			continue;
		}
		sched_yield();
		if ((spins & 1023) == 0) {
			uint64_t now = now_ns();
			if (!start) {
				start = now;
			} else if (now - start > RACE_WAIT_TIMEOUT_NS) {
				race_fail(
				    rr, "forced schedule stuck: thread %u waits for event %u in %s",
				    t->id, ev, t->where ? t->where : "?");
				return;
			}
		}
	}
}

void race_window(struct race_run *rr, struct race_thread *t)
{
	if (!rr->forced)
		race_delay(t);
}

void race_lock(struct race_thread *t, struct lb_lock *l)
{
	if (lb_trylock(l))
		return;
	atomic_store_explicit(&t->state, RACE_T_BLOCKED, memory_order_release);
	while (!lb_trylock(l))
		sched_yield();
	atomic_store_explicit(&t->state, RACE_T_RUNNING, memory_order_release);
}

void race_unlock(struct race_thread *t, struct lb_lock *l)
{
	(void)t;
	lb_unlock(l);
}

bool race_ref_dec_and_lock(struct race_thread *t, lb_ref_t *r, struct lb_lock *l)
{
	unsigned old = atomic_load_explicit(&r->refs, memory_order_relaxed);
	while (old > 1)
		if (atomic_compare_exchange_weak_explicit(
			&r->refs, &old, old - 1, memory_order_release, memory_order_relaxed))
			return false;
	race_lock(t, l);
	if (lb_ref_put(r))
		return true;
	race_unlock(t, l);
	return false;
}

/* ---- objects ---- */
static int push(struct lb_irq ***arr, size_t *nr, size_t *cap, struct lb_irq *irq)
{
	if (*nr == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		struct lb_irq **n = realloc(*arr, ncap * sizeof(**arr));
		if (!n)
			return -ENOMEM;
		*arr = n;
		*cap = ncap;
	}
	(*arr)[(*nr)++] = irq;
	return 0;
}

struct lb_irq *race_irq_alloc(struct race_run *rr, uint32_t intid)
{
	struct lb_irq *irq = irq_alloc(intid);
	if (!irq)
		return NULL;
	pthread_mutex_lock(&rr->q_mu);
	int rc = push(&rr->quar, &rr->nr_quar, &rr->cap_quar, irq);
	pthread_mutex_unlock(&rr->q_mu);
	if (rc) {
		irq_free_now(irq);
		return NULL;
	}
	atomic_fetch_add(&rr->round_allocs, 1);
	return irq;
}

void race_irq_free(struct race_run *rr, struct lb_irq *irq, const char *site)
{
	if (LB_READ_ONCE(irq->magic) != LB_IRQ_MAGIC_LIVE) {
		race_detect(rr, "double free of LPI %u, at %s", irq->intid, site);
		return;
	}
	/* Poison what a late user checks; the memory stays ours until the
	 * round ends (no real use after free, no reuse to hide one). */
	LB_WRITE_ONCE(irq->magic, 0u);
	atomic_fetch_add(&rr->round_frees, 1);
}

void race_irq_discard(struct race_run *rr, struct lb_irq *irq)
{
	if (irq && LB_READ_ONCE(irq->magic) == LB_IRQ_MAGIC_LIVE)
		race_irq_free(rr, irq, "round clean-up");
}

bool race_round_complete(struct race_run *rr)
{
	for (unsigned i = 0; i < rr->nr; i++)
		if (atomic_load(&rr->t[i].state) != RACE_T_DONE)
			return false;
	return true;
}

void race_irq_free_deferred(struct race_run *rr, struct lb_irq *irq)
{
	pthread_mutex_lock(&rr->q_mu);
	int rc = push(&rr->deferred, &rr->nr_deferred, &rr->cap_deferred, irq);
	pthread_mutex_unlock(&rr->q_mu);
	if (rc)
		race_fail(rr, "out of memory recording a deferred free");
}

bool race_irq_live(struct race_run *rr, struct race_thread *t, const struct lb_irq *irq,
		   const char *where)
{
	(void)rr;
	t->where = where;
	irq_check(irq);
	return LB_READ_ONCE(irq->magic) == LB_IRQ_MAGIC_LIVE;
}

/* Grace period: every thread is at the round barrier. */
static void flush_deferred(struct race_run *rr)
{
	for (size_t i = 0; i < rr->nr_deferred; i++)
		race_irq_free(rr, rr->deferred[i], "a grace-period callback (kfree_rcu)");
	rr->nr_deferred = 0;
}

/* End of round: every object still live was leaked; release all. */
static void release_round(struct race_wl *wl)
{
	struct race_run *rr = &wl->rr;
	size_t leaked = 0;
	uint32_t leaked_intid = 0;
	for (size_t i = 0; i < rr->nr_quar; i++) {
		struct lb_irq *irq = rr->quar[i];
		if (LB_READ_ONCE(irq->magic) == LB_IRQ_MAGIC_LIVE) {
			leaked++;
			leaked_intid = irq->intid;
		}
		irq_free_now(irq);
	}
	rr->nr_quar = 0;
	if (leaked) {
		wl->leaked_total += leaked;
		race_detect(rr,
			    "leak: %zu irq object%s of the round never freed (LPI %u among them; "
			    "%lu allocated, %lu freed), found by the end-of-round audit",
			    leaked, leaked == 1 ? "" : "s", leaked_intid,
			    (unsigned long)atomic_load(&rr->round_allocs),
			    (unsigned long)atomic_load(&rr->round_frees));
	}
}

/* ---- the workload ---- */

/* A barrier for the scenario's threads that gives up on abort (a peer left
 * the driver's loop: SIGINT, --ops, a failure). Returns false then. */
static bool race_barrier(struct race_wl *wl)
{
	struct race_run *rr = &wl->rr;
	unsigned gen = atomic_load_explicit(&wl->bar_gen, memory_order_acquire);
	if (atomic_fetch_add_explicit(&wl->bar_count, 1, memory_order_acq_rel) + 1 == rr->nr) {
		atomic_store_explicit(&wl->bar_count, 0, memory_order_relaxed);
		atomic_store_explicit(&wl->bar_gen, gen + 1, memory_order_release);
		return !atomic_load(&rr->abort);
	}
	for (unsigned spins = 0; atomic_load_explicit(&wl->bar_gen, memory_order_acquire) == gen;
	     spins++) {
		if (atomic_load_explicit(&rr->abort, memory_order_acquire))
			return false;
		if (spins < 64)
			lb_cpu_relax();
		else
			sched_yield();
	}
	return !atomic_load(&rr->abort);
}

/* Thread 0 between two rounds: audit and free the last, build the next. */
static void race_between(struct race_wl *wl)
{
	struct race_run *rr = &wl->rr;
	if (!wl->t0_ns)
		wl->t0_ns = now_ns();
	if (rr->round) {
		flush_deferred(rr);
		rr->sc->round_end(rr);
		flush_deferred(rr);
		release_round(wl);
		wl->rounds_done = rr->round;
	}
	bool stop = race_detected(rr) || atomic_load(&rr->failed) ||
		    (wl->max_rounds && rr->round >= wl->max_rounds) ||
		    now_ns() - wl->t0_ns >= wl->budget_ns;
	if (!stop) {
		rr->round++;
		atomic_store(&rr->round_allocs, 0);
		atomic_store(&rr->round_frees, 0);
		for (unsigned i = 0; i < rr->nr; i++) {
			struct race_thread *t = &rr->t[i];
			atomic_store(&t->state, RACE_T_RUNNING);
			t->nr_held = t->irq_base = 0;
			t->irqs_off = t->in_irq = false;
			atomic_store(&t->irq_pending, false);
			t->where = "round start";
		}
		if (rr->sc->round_begin(rr)) {
			release_round(wl);
			race_fail(rr, "round %" PRIu64 " set-up: out of memory", rr->round);
			rr->round--;
			stop = true;
		}
	}
	atomic_store_explicit(&wl->stop, stop, memory_order_release);
}

static void race_free_wl(struct race_wl *wl)
{
	struct race_run *rr = &wl->rr;
	free(rr->quar);
	free(rr->deferred);
	pthread_mutex_destroy(&rr->det_mu);
	pthread_mutex_destroy(&rr->q_mu);
	race_lockdep_destroy(&rr->ld);
	free(wl);
}

static int race_setup(struct wl_ctx *ctx)
{
	const struct race_scenario *sc = race_opt.sc;
	if (!sc || sc->nr_threads < 1 || sc->nr_threads > RACE_MAX_THREADS)
		return -1;
	struct race_wl *wl = calloc(1, sizeof(*wl));
	if (!wl)
		return -1;
	struct race_run *rr = &wl->rr;
	rr->sc = sc;
	rr->buggy = !race_opt.fixed;
	rr->forced = !race_opt.random;
	rr->nr = sc->nr_threads;
	pthread_mutex_init(&rr->det_mu, NULL);
	pthread_mutex_init(&rr->q_mu, NULL);
	race_lockdep_init(&rr->ld);
	for (unsigned i = 0; i < rr->nr; i++) {
		rr->t[i].id = i;
		rr->t[i].rng =
		    ((ctx->seed + 1) * 0x9E3779B97F4A7C15ull) ^ (i + 1) * 0xBF58476D1CE4E5B9ull;
		rr->t[i].rng |= 1;
		atomic_init(&rr->t[i].state, RACE_T_DONE);
	}
	wl->max_rounds = race_max_rounds();
	wl->budget_ns = (uint64_t)(ctx->plan->duration_s * 1e9);
	if (sc->init && sc->init(rr)) {
		race_free_wl(wl);
		return -1;
	}
	ctx->nr_threads = ctx->nr_timed = rr->nr;
	ctx->vcpu_first = ctx->nr_vcpu = 0;
	ctx->quota_run = true;
	ctx->state = wl;

	race_cur = rr;
	wl->old_ref_hook = lb_ref_bug_hook;
	wl->old_irq_hook = lb_irq_bug_hook;
	wl->old_checks = lb_irq_checks;
	lb_ref_bug_hook = race_ref_bug;
	lb_irq_bug_hook = race_irq_bug;
	lb_irq_checks = true;
	return 0;
}

static int race_thread_init(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct race_wl *wl = ctx->state;
	struct race_thread *t = &wl->rr.t[w->id];
	t->rng ^= w->rng;
	t->rng |= 1;
	race_self = t;
	return 0;
}

static int race_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct race_wl *wl = ctx->state;
	struct race_run *rr = &wl->rr;
	struct race_thread *t = &rr->t[w->id];

	if (!race_barrier(wl))
		return WL_DONE;
	if (w->id == 0)
		race_between(wl);
	if (!race_barrier(wl) || atomic_load_explicit(&wl->stop, memory_order_acquire))
		return WL_DONE;
	rr->sc->thread(rr, t);
	t->where = "round end";
	atomic_store_explicit(&t->state, RACE_T_DONE, memory_order_release);
	return WL_CONTINUE;
}

static void race_thread_exit(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct race_wl *wl = ctx->state;
	(void)w;
	/* Whoever leaves first releases the others from barriers and waits. */
	atomic_store_explicit(&wl->rr.abort, true, memory_order_release);
	race_self = NULL;
}

static int race_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct race_wl *wl = ctx->state;
	struct race_run *rr = &wl->rr;
	/* Quiescent: finish a round cut short (detection, interrupt). */
	if (rr->round > wl->rounds_done) {
		flush_deferred(rr);
		rr->sc->round_end(rr);
		flush_deferred(rr);
		release_round(wl);
		wl->rounds_done = rr->round;
	}
	if (race_detected(rr)) {
		printf("detected: %s\n", rr->det_msg);
		fflush(stdout);
		snprintf(msg, len, "detected: %s", rr->det_msg);
		return WL_VERIFY_DETECTED; /* the driver exits with status 3 */
	}
	if (atomic_load(&rr->failed)) {
		snprintf(msg, len, "race replay failed: %s", rr->fail_msg);
		return -1;
	}
	return 0;
}

static void race_report(struct wl_ctx *ctx, struct wl_report *rep)
{
	struct race_wl *wl = ctx->state;
	struct race_run *rr = &wl->rr;
	bool det = race_detected(rr);
	if (rep->out)
		fprintf(rep->out, "   race: %s, %s variant, %s schedule: %" PRIu64 " round%s, %s\n",
			rr->sc->name, rr->buggy ? "buggy" : "fixed",
			rr->forced ? "forced" : "random", wl->rounds_done,
			wl->rounds_done == 1 ? "" : "s", det ? "detected" : "clean");
	if (rep->js) {
		json_str(rep->js, "scenario", rr->sc->name);
		json_str(rep->js, "variant", rr->buggy ? "buggy" : "fixed");
		json_str(rep->js, "race_mode", rr->forced ? "forced" : "random");
		json_u64(rep->js, "rounds", wl->rounds_done);
		json_bool(rep->js, "detected", det);
		if (det)
			json_str(rep->js, "detection", rr->det_msg);
		else
			json_null(rep->js, "detection");
		json_u64(rep->js, "detections", atomic_load(&rr->nr_detections));
	}
}

static void race_teardown(struct wl_ctx *ctx)
{
	struct race_wl *wl = ctx->state;
	struct race_run *rr = &wl->rr;
	if (rr->round > wl->rounds_done) {
		flush_deferred(rr);
		rr->sc->round_end(rr);
		flush_deferred(rr);
		release_round(wl);
	}
	if (rr->sc->fini)
		rr->sc->fini(rr);
	lb_ref_bug_hook = wl->old_ref_hook;
	lb_irq_bug_hook = wl->old_irq_hook;
	lb_irq_checks = wl->old_checks;
	race_cur = NULL;
	race_free_wl(wl);
	ctx->state = NULL;
}

const struct workload_ops workload_race_ops = {
    .name = "race",
    .desc = "replay a known LPI race (--scenario), buggy or fixed: exit 3 when detected",
    .opts = race_opts,
    .act = race_act,
    .refuses = race_refuses,
    .validate = race_validate,
    .setup = race_setup,
    .thread_init = race_thread_init,
    .op = race_op,
    .thread_exit = race_thread_exit,
    .verify = race_verify,
    .report = race_report,
    .teardown = race_teardown,
};
