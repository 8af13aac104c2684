/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The race replays' lock-order checker: a small lockdep. Lock classes (not
 * lock instances) are the nodes of a graph; an edge A -> B says "B was
 * taken while A was held" somewhere. IRQ state is modelled per thread:
 * holding A with IRQs on adds A -> HARDIRQ (an interrupt may run while A is
 * held), taking B inside an interrupt handler adds HARDIRQ -> B. A cycle
 * through HARDIRQ is the classic IRQ inversion: one CPU holds A with IRQs
 * on and is interrupted by a handler spinning on B, while another CPU
 * holds B (IRQs off) and spins on A.
 *
 * Every edge is added, and checked, before the thread blocks on the lock;
 * the edge that would close a cycle is reported and the lock is not taken
 * (race_ld_lock returns -EDEADLK). Whichever thread of a would-be deadlock
 * comes last therefore sees the cycle and backs out: the replay never
 * deadlocks, and, as with lockdep, the order is caught even when the
 * threads never overlap in time.
 *
 * Context: the graph is shared, under ld->mu; held locks, IRQ state and
 * interrupt nesting are the calling thread's own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "race.h"

static const char *const class_names[RACE_LC_NR] = {
    [RACE_LC_ITS] = "its_lock", [RACE_LC_AP_LIST] = "ap_list_lock", [RACE_LC_STORE] = "store lock",
    [RACE_LC_IRQ] = "irq_lock", [RACE_LC_HARDIRQ] = "HARDIRQ",
};

const char *race_lock_class_name(enum race_lock_class c)
{
	return c < RACE_LC_NR ? class_names[c] : "?";
}

void race_lockdep_init(struct race_lockdep *ld)
{
	memset(ld, 0, sizeof(*ld));
	pthread_mutex_init(&ld->mu, NULL);
}

void race_lockdep_destroy(struct race_lockdep *ld)
{
	pthread_mutex_destroy(&ld->mu);
}

/* Breadth-first search from `from` to `to` over the recorded edges; fills
 * path[0..n) with the classes from `from` to `to`. Returns n, 0 if none.
 * Context: ld->mu held. */
static unsigned find_path(const struct race_lockdep *ld, unsigned from, unsigned to, unsigned *path)
{
	int parent[RACE_LC_NR];
	unsigned queue[RACE_LC_NR], head = 0, tail = 0;
	for (unsigned i = 0; i < RACE_LC_NR; i++)
		parent[i] = -1;
	parent[from] = (int)from;
	queue[tail++] = from;
	while (head < tail) {
		unsigned a = queue[head++];
		if (a == to)
			break;
		for (unsigned b = 0; b < RACE_LC_NR; b++) {
			if ((ld->edges[a] & (1u << b)) && parent[b] < 0) {
				parent[b] = (int)a;
				queue[tail++] = b;
			}
		}
	}
	if (parent[to] < 0)
		return 0;
	unsigned rev[RACE_LC_NR + 1], n = 0;
	for (unsigned c = to;; c = (unsigned)parent[c]) {
		rev[n++] = c;
		if (c == from)
			break;
	}
	for (unsigned i = 0; i < n; i++)
		path[i] = rev[n - 1 - i];
	return n;
}

/* What an edge a -> b means, for reports. */
static void edge_text(char *buf, size_t len, unsigned a, unsigned b, const char *site)
{
	if (b == RACE_LC_HARDIRQ)
		snprintf(buf, len, "%s held with IRQs on at %s", class_names[a], site);
	else if (a == RACE_LC_HARDIRQ)
		snprintf(buf, len, "%s taken in an interrupt at %s", class_names[b], site);
	else
		snprintf(buf, len, "%s taken under %s at %s", class_names[b], class_names[a], site);
}

/* Adds a -> b unless known; reports and refuses an edge that closes a
 * cycle. Context: ld->mu held. */
static int add_edge(struct race_run *rr, struct race_thread *t, unsigned a, unsigned b,
		    const char *site)
{
	struct race_lockdep *ld = &rr->ld;
	unsigned path[RACE_LC_NR + 1];
	if (ld->edges[a] & (1u << b))
		return 0;
	unsigned n;
	if (a == b) {
		path[0] = a; /* taking a class while holding it */
		n = 1;
	} else {
		n = find_path(ld, b, a, path);
	}
	if (!n) {
		ld->edges[a] |= 1u << b;
		ld->site[a][b] = site;
		return 0;
	}
	/* Cycle: a -> b (the new edge), then b -> ... -> a (recorded ones). */
	char msg[448], part[160];
	size_t off = (size_t)snprintf(msg, sizeof(msg), "%s", class_names[a]);
	unsigned from = a;
	for (unsigned i = 0; i < n; i++) {
		unsigned to = path[i];
		edge_text(part, sizeof(part), from, to, i == 0 ? site : ld->site[from][to]);
		if (off < sizeof(msg))
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, " -> %s (%s)",
						class_names[to], part);
		from = to;
	}
	race_detect(rr, "lock-order cycle %s; the last edge would have blocked thread %u", msg,
		    t->id);
	return -EDEADLK;
}

int race_ld_lock(struct race_run *rr, struct race_thread *t, struct lb_lock *l,
		 enum race_lock_class cls, const char *site)
{
	int rc = 0;
	pthread_mutex_lock(&rr->ld.mu);
	for (unsigned i = t->irq_base; i < t->nr_held && !rc; i++)
		rc = add_edge(rr, t, t->held[i].cls, cls, site);
	if (!rc && t->in_irq)
		rc = add_edge(rr, t, RACE_LC_HARDIRQ, cls, site);
	if (!rc && !t->irqs_off)
		rc = add_edge(rr, t, cls, RACE_LC_HARDIRQ, site);
	pthread_mutex_unlock(&rr->ld.mu);
	if (rc)
		return rc;
	if (t->nr_held == RACE_MAX_HELD) {
		race_fail(rr, "thread %u holds more than %d model locks", t->id, RACE_MAX_HELD);
		return -EDEADLK;
	}
	race_lock(t, l);
	t->held[t->nr_held++] = (struct race_held){cls, l, site};
	return 0;
}

void race_ld_unlock(struct race_run *rr, struct race_thread *t, struct lb_lock *l)
{
	for (unsigned i = t->nr_held; i-- > t->irq_base;) {
		if (t->held[i].lock != l)
			continue;
		memmove(&t->held[i], &t->held[i + 1], (t->nr_held - i - 1) * sizeof(t->held[0]));
		t->nr_held--;
		race_unlock(t, l);
		return;
	}
	race_fail(rr, "thread %u released a model lock it does not hold", t->id);
}

bool race_irq_save(struct race_run *rr, struct race_thread *t, const char *site)
{
	(void)rr;
	(void)site;
	bool were_off = t->irqs_off;
	t->irqs_off = true;
	return were_off;
}

void race_irq_restore(struct race_run *rr, struct race_thread *t, bool were_off, const char *site)
{
	if (were_off || !t->irqs_off)
		return;
	t->irqs_off = false;
	/* IRQs back on with locks still held: each may now be interrupted. */
	pthread_mutex_lock(&rr->ld.mu);
	for (unsigned i = t->irq_base; i < t->nr_held; i++)
		if (add_edge(rr, t, t->held[i].cls, RACE_LC_HARDIRQ, site))
			break;
	pthread_mutex_unlock(&rr->ld.mu);
}

void race_irq_raise(struct race_thread *target)
{
	atomic_store_explicit(&target->irq_pending, true, memory_order_release);
}

bool race_irq_window(struct race_run *rr, struct race_thread *t)
{
	race_window(rr, t);
	if (t->irqs_off || t->in_irq || !rr->sc->irq_handler ||
	    !atomic_load_explicit(&t->irq_pending, memory_order_acquire))
		return false;
	atomic_store_explicit(&t->irq_pending, false, memory_order_relaxed);
	const char *where = t->where;
	unsigned base = t->irq_base;
	/* The CPU takes the interrupt: IRQs off, a new lock context. */
	t->in_irq = true;
	t->irqs_off = true;
	t->irq_base = t->nr_held;
	rr->sc->irq_handler(rr, t);
	t->irq_base = base;
	t->irqs_off = false;
	t->in_irq = false;
	t->where = where;
	return true;
}
