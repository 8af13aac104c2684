/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Race (d): translation-cache invalidation without its_lock, era B (2026).
 *
 * Model (all inside this file): the era-B store (published slots per
 * INTID, erased under the xarray lock; the final put erases and frees
 * after a grace period, i.e. at the end of the round), one ITS with
 * device 0 mapping events 0..3 to LPIs 8192..8195 (each ITE holds one
 * reference), and that ITS's translation cache: one slot per event, each
 * holding one reference. So every LPI starts at refcount 2.
 *
 * Invalidation walks the cache; for each entry it loads the irq, erases the
 * slot (ignoring what the erase returns) and puts the cache's reference.
 * Two threads invalidate the same ITS's cache at once, e.g. a command
 * (MAPD unmap) and a GITS_CTLR write disabling the ITS.
 *
 *   buggy  no its_lock around the walk: both threads load the same entry
 *          before either erases it, and both put it: the cache's single
 *          reference is dropped twice, the LPI is freed while its ITE
 *          still maps it.
 *   fixed  the walk runs under its_lock: the second walker finds the slot
 *          empty.
 *
 * Forced schedule: each walker signals once it has loaded entry 0 and waits
 * for the other to have loaded it too (in the fixed variant the other is
 * blocked on its_lock, which ends the wait). Random mode: random delays
 * between the load and the erase of every entry.
 * Detection: the next use of the ITE (the end-of-round audit, standing for
 * the next command on that event) runs irq_check() on the mapped irq, which
 * the double put freed and poisoned (lb_irq_bug_hook); the audit also
 * counts the puts each cache entry received.
 */
#include <stdio.h>
#include <stdlib.h>

#include "race.h"

#define IDP_EVENTS 4
#define IDP_INTID0 8192u

enum { EV_SEEN0, EV_SEEN1 };

struct idp_state {
	struct lb_lock its_lock; /* kernel: a mutex */
	struct lb_lock xa_lock;
	struct lb_irq *store_slot[IDP_EVENTS]; /* INTID 8192 + i; published */
	struct lb_irq *cache[IDP_EVENTS];      /* event i; published, holds a reference */
	struct lb_irq *ite[IDP_EVENTS];	       /* event i; the mapping's reference */
	atomic_uint puts[IDP_EVENTS];	       /* cache puts of entry i this round */
	atomic_uint putters[IDP_EVENTS];       /* bit t: thread t put entry i */
	char where[320];
};

static int idp_init(struct race_run *rr)
{
	struct idp_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	lb_lock_init_kind(&s->its_lock, LB_LOCK_MUTEX);
	lb_lock_init(&s->xa_lock);
	rr->s = s;
	return 0;
}

static void idp_fini(struct race_run *rr)
{
	struct idp_state *s = rr->s;
	lb_lock_destroy(&s->its_lock);
	lb_lock_destroy(&s->xa_lock);
	free(s);
}

/* Era-B put with the final decrement under the xarray lock. */
static void idp_put(struct race_run *rr, struct race_thread *t, struct idp_state *s,
		    struct lb_irq *irq)
{
	if (!race_ref_dec_and_lock(t, &irq->refcount, &s->xa_lock))
		return;
	unsigned i = irq->intid - IDP_INTID0;
	if (lb_rcu_dereference(s->store_slot[i]) == irq)
		lb_rcu_assign_pointer(s->store_slot[i], NULL);
	race_unlock(t, &s->xa_lock);
	race_irq_free_deferred(rr, irq);
}

static void idp_free_round(struct race_run *rr, struct idp_state *s)
{
	for (unsigned i = 0; i < IDP_EVENTS; i++) {
		race_irq_discard(rr, s->ite[i]);
		s->ite[i] = s->cache[i] = s->store_slot[i] = NULL;
	}
}

static int idp_round_begin(struct race_run *rr)
{
	struct idp_state *s = rr->s;
	for (unsigned i = 0; i < IDP_EVENTS; i++) {
		struct lb_irq *irq = race_irq_alloc(rr, IDP_INTID0 + i); /* the ITE's */
		if (!irq) {
			idp_free_round(rr, s);
			return -1;
		}
		s->ite[i] = irq;
		lb_rcu_assign_pointer(s->store_slot[i], irq);
		lb_ref_get(&irq->refcount); /* the cache entry's */
		lb_rcu_assign_pointer(s->cache[i], irq);
		atomic_store(&s->puts[i], 0);
		atomic_store(&s->putters[i], 0);
	}
	return 0;
}

/* vgic_its_invalidate_cache, by either thread. */
static void idp_invalidate(struct race_run *rr, struct race_thread *t)
{
	struct idp_state *s = rr->s;
	const char *walk = rr->buggy
			       ? "vgic_its_invalidate_cache, walking the cache without its_lock"
			       : "vgic_its_invalidate_cache, under its_lock";
	t->where = walk;
	if (!rr->buggy)
		race_lock(t, &s->its_lock);
	for (unsigned i = 0; i < IDP_EVENTS; i++) {
		t->where = walk;
		struct lb_irq *irq = lb_rcu_dereference(s->cache[i]);
		if (!irq)
			continue;
		if (i == 0) {
			race_signal(rr, t, t->id ? EV_SEEN1 : EV_SEEN0);
			race_wait(rr, t, t->id ? EV_SEEN0 : EV_SEEN1);
		} else {
			race_window(rr, t);
		}
		lb_rcu_assign_pointer(s->cache[i], NULL); /* xa_erase; its return is ignored */
		atomic_fetch_add(&s->puts[i], 1);
		atomic_fetch_or(&s->putters[i], 1u << t->id);
		t->where = "vgic_its_invalidate_cache -> vgic_put_irq of the cache's reference";
		idp_put(rr, t, s, irq);
	}
	if (!rr->buggy)
		race_unlock(t, &s->its_lock);
}

/* Quiescent, after the round's deferred frees (poisoned by now). */
static void idp_round_end(struct race_run *rr)
{
	struct idp_state *s = rr->s;
	struct race_thread *t = &rr->t[0];
	if (!race_round_complete(rr)) {
		for (unsigned i = 0; i < IDP_EVENTS; i++)
			race_irq_discard(rr, lb_rcu_dereference(s->cache[i]));
		idp_free_round(rr, s);
		return;
	}
	for (unsigned i = 0; i < IDP_EVENTS; i++) {
		struct lb_irq *irq = s->ite[i];
		unsigned puts = atomic_load(&s->puts[i]);
		unsigned who = atomic_load(&s->putters[i]);
		snprintf(s->where, sizeof(s->where),
			 "the next command on ITE (device 0, event %u) after the invalidations: "
			 "the cache entry's one reference was put %u time%s (thread%s %s%s) in "
			 "vgic_its_invalidate_cache%s",
			 i, puts, puts == 1 ? "" : "s", who == 3 ? "s" : "", who & 1 ? "0" : "",
			 who == 3 ? " and 1" : (who & 2 ? "1" : ""),
			 rr->buggy ? " without its_lock" : "");
		if (!race_irq_live(rr, t, irq, s->where)) {
			s->ite[i] = NULL; /* freed: nothing left to drop */
			continue;
		}
		if (lb_ref_read(&irq->refcount) != 1)
			race_detect(rr,
				    "refcount of LPI %u is %u with only its ITE referencing it, at "
				    "%s",
				    irq->intid, lb_ref_read(&irq->refcount), s->where);
		/* Unmap the ITE (DISCARD): the mapping's reference. */
		t->where = "round clean-up: DISCARD of every event";
		idp_put(rr, t, s, irq);
		s->ite[i] = NULL;
	}
	for (unsigned i = 0; i < IDP_EVENTS; i++)
		s->store_slot[i] = s->cache[i] = NULL;
}

const struct race_scenario race_inval_double_put_scenario = {
    .name = "inval_double_put",
    .desc = "(d) era B, 2026: two cache invalidations without its_lock both put one entry -> "
	    "LPI freed while its ITE maps it; fix: serialise under its_lock",
    .nr_threads = 2,
    .init = idp_init,
    .round_begin = idp_round_begin,
    .thread = idp_invalidate,
    .round_end = idp_round_end,
    .fini = idp_fini,
};
