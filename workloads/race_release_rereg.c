/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Race (e): release vs re-registration of the same INTID, era B (2026).
 *
 * Model (all inside this file): the era-B store for INTID 8192 (a
 * published slot, the xarray lock), vgic_add_lpi as KVM does it (allocate,
 * then under the lock: reuse a live entry if try-get succeeds, else store
 * the new irq over a dying one), and two ITEs: the old mapping (already
 * DISCARDed: the old irq's last reference is its membership of vCPU 0's
 * pending list) and a new one, (device 5, event 0) on ITS 1, that a MAPTI
 * maps to the same INTID.
 *
 *   thread 0  vCPU 0 prunes its pending list: vgic_put_irq of the old irq's
 *             last reference.
 *   thread 1  MAPTI on ITS 1 (its own cmd_lock and its_lock, so nothing
 *             serialises it with thread 0): vgic_add_lpi(8192).
 *
 *   buggy  the final decrement is lock-free and the erase by INTID follows
 *          under the lock: in between, MAPTI sees the dying irq, fails to
 *          try-get it and stores its new irq; the releaser then erases the
 *          new one. The store has lost a mapped LPI (its interrupts are
 *          dropped, and a later MAPTI of 8192 makes a second object).
 *   fixed  the final decrement happens inside the store lock
 *          (refcount_dec_and_lock): MAPTI either takes a reference on the
 *          old irq before it dies, or finds the slot already erased.
 *
 * Forced schedule: MAPTI runs after the final decrement and before the
 * erase (in the fixed variant it blocks on the store lock the releaser
 * holds, which ends the releaser's wait).
 * Detection: the end-of-round audit checks the store against the ITEs
 * (every mapped LPI is live and is what the store holds for its INTID),
 * then unmaps everything; the generic audit then requires every irq of the
 * round to have been freed exactly once (leak / double free).
 */
#include <stdio.h>
#include <stdlib.h>

#include "race.h"

#define RRG_INTID 8192u

enum { EV_ZERO, EV_STORED };

struct rrg_state {
	struct lb_lock xa_lock;
	struct lb_irq *slot;	/* published */
	struct lb_irq *old_irq; /* on vCPU 0's list: one reference */
	struct lb_irq *new_ite; /* ITE (5, 0) on ITS 1: the mapping's reference */
	char where[256];
};

static int rrg_init(struct race_run *rr)
{
	struct rrg_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	lb_lock_init(&s->xa_lock);
	rr->s = s;
	return 0;
}

static void rrg_fini(struct race_run *rr)
{
	struct rrg_state *s = rr->s;
	lb_lock_destroy(&s->xa_lock);
	free(s);
}

static int rrg_round_begin(struct race_run *rr)
{
	struct rrg_state *s = rr->s;
	s->old_irq = race_irq_alloc(rr, RRG_INTID);
	if (!s->old_irq)
		return -1;
	s->new_ite = NULL;
	lb_rcu_assign_pointer(s->slot, s->old_irq);
	return 0;
}

/* The correct era-B put (the fixed variant's, also used by the audit's
 * unmapping): final decrement under the lock, erase, free after a grace
 * period. */
static void rrg_put_fixed(struct race_run *rr, struct race_thread *t, struct rrg_state *s,
			  struct lb_irq *irq, bool hooks)
{
	if (!race_ref_dec_and_lock(t, &irq->refcount, &s->xa_lock))
		return;
	if (hooks) {
		race_signal(rr, t, EV_ZERO);
		race_wait(rr, t, EV_STORED);
	}
	t->where = "vgic_put_irq: erase under the store lock taken before the final decrement";
	if (lb_rcu_dereference(s->slot) == irq)
		lb_rcu_assign_pointer(s->slot, NULL);
	race_unlock(t, &s->xa_lock);
	race_irq_free_deferred(rr, irq);
}

/* Thread 0: vgic_prune_ap_list -> vgic_put_irq of the old irq. */
static void rrg_release(struct race_run *rr, struct race_thread *t)
{
	struct rrg_state *s = rr->s;
	struct lb_irq *irq = s->old_irq;
	t->where = "vgic_put_irq: final decrement";
	if (!rr->buggy) {
		rrg_put_fixed(rr, t, s, irq, true);
		return;
	}
	if (!lb_ref_put(&irq->refcount))
		return;
	race_signal(rr, t, EV_ZERO);
	race_wait(rr, t, EV_STORED);
	t->where = "vgic_put_irq: xa_erase(INTID) after a lock-free final decrement";
	race_lock(t, &s->xa_lock);
	lb_rcu_assign_pointer(s->slot, NULL); /* erases whatever 8192 maps to now */
	race_unlock(t, &s->xa_lock);
	race_irq_free_deferred(rr, irq);
}

/* Thread 1: MAPTI (5, 0) -> 8192 on ITS 1: vgic_add_lpi. */
static void rrg_mapti(struct race_run *rr, struct race_thread *t)
{
	struct rrg_state *s = rr->s;
	race_wait(rr, t, EV_ZERO);
	t->where = "MAPTI on ITS 1: vgic_add_lpi(8192)";
	struct lb_irq *fresh = race_irq_alloc(rr, RRG_INTID), *irq;
	if (!fresh) {
		race_signal(rr, t, EV_STORED);
		return; /* -ENOMEM: the command fails, nothing mapped */
	}
	race_lock(t, &s->xa_lock);
	struct lb_irq *cur = lb_rcu_dereference(s->slot);
	if (cur && lb_ref_tryget(&cur->refcount)) {
		irq = cur; /* still live: share it */
	} else {
		lb_rcu_assign_pointer(s->slot, fresh); /* empty or dying: replace */
		irq = fresh;
		fresh = NULL;
	}
	race_unlock(t, &s->xa_lock);
	if (fresh)
		race_irq_free(rr, fresh, "vgic_add_lpi: the unused new irq");
	s->new_ite = irq;
	race_signal(rr, t, EV_STORED);
}

static void rrg_thread(struct race_run *rr, struct race_thread *t)
{
	if (t->id == 0)
		rrg_release(rr, t);
	else
		rrg_mapti(rr, t);
}

/* Quiescent, after the round's deferred frees. */
static void rrg_round_end(struct race_run *rr)
{
	struct rrg_state *s = rr->s;
	struct race_thread *t = &rr->t[0];
	struct lb_irq *stored = lb_rcu_dereference(s->slot), *mapped = s->new_ite;
	if (!race_round_complete(rr)) {
		race_irq_discard(rr, s->old_irq);
		race_irq_discard(rr, mapped);
		lb_rcu_assign_pointer(s->slot, NULL);
		s->old_irq = s->new_ite = NULL;
		return;
	}
	if (mapped) {
		snprintf(s->where, sizeof(s->where),
			 "the next command on ITE (device 5, event 0) of ITS 1, mapped by MAPTI to "
			 "LPI %u",
			 RRG_INTID);
		if (!race_irq_live(rr, t, mapped, s->where)) {
			mapped = NULL;
		} else if (stored != mapped) {
			race_detect(rr,
				    "lost LPI: ITE (device 5, event 0) maps LPI %u (live, refcount "
				    "%u) but the store maps %u to %s: the release of the previous "
				    "LPI %u erased the re-registered one (%s)",
				    RRG_INTID, lb_ref_read(&mapped->refcount), RRG_INTID,
				    stored ? "another object" : "nothing", RRG_INTID,
				    rr->buggy ? "vgic_put_irq: xa_erase by INTID after a lock-free "
						"final decrement, racing vgic_add_lpi on ITS 1"
					      : "fixed variant");
		}
	} else if (stored && LB_READ_ONCE(stored->magic) == LB_IRQ_MAGIC_LIVE) {
		race_detect(rr,
			    "store maps LPI %u (refcount %u) that nothing references, at the "
			    "end of the round",
			    RRG_INTID, lb_ref_read(&stored->refcount));
	}
	/* Unmap: DISCARD of (5, 0) drops the mapping's reference. */
	t->where = "round clean-up: DISCARD of ITE (device 5, event 0)";
	if (mapped)
		rrg_put_fixed(rr, t, s, mapped, false);
	lb_rcu_assign_pointer(s->slot, NULL);
	s->old_irq = s->new_ite = NULL;
}

const struct race_scenario race_release_rereg_scenario = {
    .name = "release_rereg",
    .desc = "(e) era B, 2026: final put drops to 0, MAPTI re-registers the INTID before the "
	    "erase, which removes the new LPI; fix: final decrement inside the store lock",
    .nr_threads = 2,
    .init = rrg_init,
    .round_begin = rrg_round_begin,
    .thread = rrg_thread,
    .round_end = rrg_round_end,
    .fini = rrg_fini,
};
