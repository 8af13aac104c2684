/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Race (b): get from zero, era B (v6.10+, where get and put stopped
 * sharing a lock).
 *
 * Model (all inside this file): the era-B store reduced to one INTID: a
 * published pointer (the xarray slot) read lock-free under RCU, with the
 * xarray lock for erasing. A put decrements without any lock; only the put
 * that reaches zero takes the lock, erases the slot and frees after a grace
 * period (kfree_rcu; here: at the end of the round, when no thread can be
 * in a read section). Between the final decrement and the erase, the dead
 * irq is still visible in the slot.
 *
 * LPI 8192 starts with one reference (e.g. the last list membership after a
 * DISCARD dropped the ITE's). Thread 0 drops it (vgic_put_irq); thread 1
 * looks the INTID up (vgic_get_irq) and uses the irq.
 *
 *   buggy  the lookup takes a plain reference (refcount_inc): it can
 *          resurrect an irq whose count already reached zero, which is
 *          then freed under it.
 *   fixed  the lookup uses try-get (refcount_inc_not_zero) and treats a
 *          dying irq as absent.
 *
 * Forced schedule: the lookup happens between the final decrement and the
 * erase. Detection: increment from zero (lb_ref_bug_hook).
 */
#include <stdlib.h>

#include "race.h"

#define GZ_INTID 8192u

enum { EV_ZERO, EV_LOOKED_UP };

struct gz_state {
	struct lb_lock xa_lock;
	struct lb_irq *slot; /* published: lb_rcu_assign_pointer / lb_rcu_dereference */
	struct lb_irq *irq;  /* the round's LPI */
};

static int gz_init(struct race_run *rr)
{
	struct gz_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	lb_lock_init(&s->xa_lock);
	rr->s = s;
	return 0;
}

static void gz_fini(struct race_run *rr)
{
	struct gz_state *s = rr->s;
	lb_lock_destroy(&s->xa_lock);
	free(s);
}

static int gz_round_begin(struct race_run *rr)
{
	struct gz_state *s = rr->s;
	s->irq = race_irq_alloc(rr, GZ_INTID);
	if (!s->irq)
		return -1;
	lb_rcu_assign_pointer(s->slot, s->irq);
	return 0;
}

/* Era-B release after the final decrement: erase if still ours, free after
 * a grace period. */
static void gz_release(struct race_run *rr, struct race_thread *t, struct gz_state *s,
		       struct lb_irq *irq)
{
	t->where = "vgic_put_irq: erasing the dead LPI under the xarray lock";
	race_lock(t, &s->xa_lock);
	if (lb_rcu_dereference(s->slot) == irq)
		lb_rcu_assign_pointer(s->slot, NULL);
	race_unlock(t, &s->xa_lock);
	race_irq_free_deferred(rr, irq);
}

/* Thread 0: vgic_put_irq of the last reference. */
static void gz_put_last(struct race_run *rr, struct race_thread *t)
{
	struct gz_state *s = rr->s;
	t->where = "vgic_put_irq: final decrement (no lock)";
	if (!lb_ref_put(&s->irq->refcount))
		return;
	race_signal(rr, t, EV_ZERO);
	race_wait(rr, t, EV_LOOKED_UP);
	gz_release(rr, t, s, s->irq);
}

/* Thread 1: vgic_get_irq(8192), use, vgic_put_irq. */
static void gz_get_use_put(struct race_run *rr, struct race_thread *t)
{
	struct gz_state *s = rr->s;
	race_wait(rr, t, EV_ZERO);
	t->where = rr->buggy ? "vgic_get_irq: lock-free lookup taking a plain reference "
			       "(refcount_inc, no try-get)"
			     : "vgic_get_irq: lock-free lookup with try-get";
	lb_rcu_read_lock();
	struct lb_irq *irq = lb_rcu_dereference(s->slot);
	if (irq) {
		if (rr->buggy)
			lb_ref_get(&irq->refcount);
		else if (!lb_ref_tryget(&irq->refcount))
			irq = NULL; /* dying: as good as absent */
	}
	lb_rcu_read_unlock();
	race_signal(rr, t, EV_LOOKED_UP);
	if (!irq)
		return;
	if (!race_irq_live(rr, t, irq, "vgic_get_irq's caller, using the irq"))
		return;
	race_lock(t, &irq->irq_lock);
	irq->nr_updates++;
	race_unlock(t, &irq->irq_lock);
	t->where = "vgic_put_irq after the lookup";
	if (lb_ref_put(&irq->refcount))
		gz_release(rr, t, s, irq);
}

static void gz_thread(struct race_run *rr, struct race_thread *t)
{
	if (t->id == 0)
		gz_put_last(rr, t);
	else
		gz_get_use_put(rr, t);
}

/* Quiescent, after the round's deferred frees: a complete round has dropped
 * every reference, so the slot must be empty. */
static void gz_round_end(struct race_run *rr)
{
	struct gz_state *s = rr->s;
	struct lb_irq *left = lb_rcu_dereference(s->slot);
	if (left && race_round_complete(rr))
		race_detect(rr,
			    "store still maps LPI %u (refcount %u) after its last put, at the "
			    "end of the round",
			    GZ_INTID, lb_ref_read(&left->refcount));
	lb_rcu_assign_pointer(s->slot, NULL);
	race_irq_discard(rr, s->irq); /* only a round cut short has it live */
	s->irq = NULL;
}

const struct race_scenario race_get_zero_scenario = {
    .name = "get_zero",
    .desc = "(b) era B: lock-free get takes a plain reference on an irq whose refcount "
	    "reached 0 -> resurrected, freed under it; fix: try-get everywhere",
    .nr_threads = 2,
    .init = gz_init,
    .round_begin = gz_round_begin,
    .thread = gz_thread,
    .round_end = gz_round_end,
    .fini = gz_fini,
};
