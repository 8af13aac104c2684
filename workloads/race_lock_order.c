/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Race (c): the store lock taken with IRQs on while an interrupt path takes
 * ap_list_lock: a lock-order cycle through interrupt context (deadlock).
 *
 * Model (all inside this file): the three locks and who takes them, in the
 * kernel's documented order its_lock > ap_list_lock > store lock, with a
 * per-thread IRQ state and "interrupts" delivered at explicit points
 * (race_irq_window) when the thread's IRQs are on. The critical sections
 * do only token work: the scenario is about the order, not the data.
 *
 *   thread 0  an ITS command (DISCARD): mutex_lock(its_lock), then the
 *             store lock to erase an LPI; an interrupt can arrive inside
 *             the store-lock section if IRQs are on there. The interrupt's
 *             handler injects an LPI into vCPU 1's pending list: it takes
 *             ap_list_lock (vgic_queue_irq_unlock from an interrupt).
 *   thread 1  the vCPU: raises that interrupt on thread 0's CPU (a device
 *             MSI through irqfd), then prunes its ap_list: ap_list_lock
 *             with IRQs off, and under it the store lock (vgic_put_irq).
 *
 *   buggy  the store lock is taken with IRQs left on (spin_lock): thread 0
 *          can be interrupted holding it, and the handler then wants
 *          ap_list_lock, which thread 1 holds while it wants the store
 *          lock: store lock -> HARDIRQ -> ap_list_lock -> store lock.
 *   fixed  the store lock is IRQ-safe (lock_irqsave): the interrupt is only
 *          taken after the unlock, so no edge leaves the store lock.
 *
 * Forced schedule: the interrupt is pending before thread 0 takes the store
 * lock; thread 1 prunes after the handler ran. Random mode: the interrupt
 * is raised and taken at random points. Either way the lock-order checker
 * (race_lockdep.c) sees the cycle from the order edges, as lockdep does,
 * and refuses the acquisition that closes it: nothing ever deadlocks.
 */
#include <stdlib.h>

#include "race.h"

enum { EV_RAISED, EV_HANDLED };

struct lo_state {
	struct lb_lock its_lock; /* kernel: a mutex */
	struct lb_lock ap_list_lock;
	struct lb_lock store_lock;
	unsigned queued; /* under ap_list_lock */
	unsigned pruned; /* under store_lock */
};

static int lo_init(struct race_run *rr)
{
	struct lo_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	lb_lock_init_kind(&s->its_lock, LB_LOCK_MUTEX);
	lb_lock_init(&s->ap_list_lock);
	lb_lock_init(&s->store_lock);
	rr->s = s;
	return 0;
}

static void lo_fini(struct race_run *rr)
{
	struct lo_state *s = rr->s;
	lb_lock_destroy(&s->its_lock);
	lb_lock_destroy(&s->ap_list_lock);
	lb_lock_destroy(&s->store_lock);
	free(s);
}

static int lo_round_begin(struct race_run *rr)
{
	(void)rr;
	return 0;
}

/* The interrupt, on whichever thread took it. */
static void lo_irq_handler(struct race_run *rr, struct race_thread *t)
{
	struct lo_state *s = rr->s;
	t->where = "an interrupt injecting an LPI: vgic_queue_irq_unlock";
	if (race_ld_lock(rr, t, &s->ap_list_lock, RACE_LC_AP_LIST,
			 "vgic_queue_irq_unlock (ap_list_lock in an interrupt)") == 0) {
		s->queued++;
		race_ld_unlock(rr, t, &s->ap_list_lock);
	}
	race_signal(rr, t, EV_HANDLED);
}

/* Thread 0: DISCARD, erasing an LPI from the store. */
static void lo_its_command(struct race_run *rr, struct race_thread *t)
{
	struct lo_state *s = rr->s;
	race_wait(rr, t, EV_RAISED);
	t->where = "DISCARD: mutex_lock(its_lock)";
	if (race_ld_lock(rr, t, &s->its_lock, RACE_LC_ITS, "DISCARD: mutex_lock(its_lock)"))
		return;
	bool were_off = false;
	if (!rr->buggy)
		were_off = race_irq_save(rr, t, "DISCARD: xa_lock_irqsave");
	t->where = rr->buggy ? "DISCARD: vgic_put_irq taking the store lock with IRQs on"
			     : "DISCARD: vgic_put_irq taking the store lock with IRQs off";
	if (race_ld_lock(rr, t, &s->store_lock, RACE_LC_STORE,
			 rr->buggy ? "DISCARD: xa_lock (store lock, IRQs left on)"
				   : "DISCARD: xa_lock_irqsave (store lock)") == 0) {
		race_irq_window(rr, t); /* taken here only with IRQs on */
		s->pruned++;
		race_ld_unlock(rr, t, &s->store_lock);
	}
	if (!rr->buggy)
		race_irq_restore(rr, t, were_off, "DISCARD: xa_unlock_irqrestore");
	race_irq_window(rr, t); /* a pending interrupt is taken by now */
	race_ld_unlock(rr, t, &s->its_lock);
	race_irq_window(rr, t);
}

/* Thread 1: the vCPU. */
static void lo_vcpu(struct race_run *rr, struct race_thread *t)
{
	struct lo_state *s = rr->s;
	t->where = "a device MSI for the vCPU, delivered on thread 0's CPU";
	race_window(rr, t);
	race_irq_raise(&rr->t[0]); /* an irqfd MSI */
	race_signal(rr, t, EV_RAISED);
	race_wait(rr, t, EV_HANDLED);
	t->where = "vgic_prune_ap_list";
	bool were_off = race_irq_save(rr, t, "vgic_prune_ap_list: raw_spin_lock_irqsave");
	if (race_ld_lock(rr, t, &s->ap_list_lock, RACE_LC_AP_LIST,
			 "vgic_prune_ap_list (ap_list_lock, IRQs off)") == 0) {
		race_window(rr, t);
		t->where = "vgic_prune_ap_list -> vgic_put_irq (store lock under ap_list_lock)";
		if (race_ld_lock(rr, t, &s->store_lock, RACE_LC_STORE,
				 "vgic_prune_ap_list -> vgic_put_irq (store lock under "
				 "ap_list_lock)") == 0) {
			s->pruned++;
			race_ld_unlock(rr, t, &s->store_lock);
		}
		race_ld_unlock(rr, t, &s->ap_list_lock);
	}
	race_irq_restore(rr, t, were_off, "vgic_prune_ap_list: raw_spin_unlock_irqrestore");
}

static void lo_thread(struct race_run *rr, struct race_thread *t)
{
	if (t->id == 0)
		lo_its_command(rr, t);
	else
		lo_vcpu(rr, t);
}

static void lo_round_end(struct race_run *rr)
{
	/* An interrupt raised too late for thread 0's last window is dropped
	 * with the round (race_between clears pending interrupts). */
	(void)rr;
}

const struct race_scenario race_lock_order_scenario = {
    .name = "lock_order",
    .desc = "(c) store lock taken with IRQs on while an interrupt path takes ap_list_lock -> "
	    "lock-order cycle (deadlock); fix: the store lock is IRQ-safe",
    .nr_threads = 2,
    .init = lo_init,
    .round_begin = lo_round_begin,
    .thread = lo_thread,
    .round_end = lo_round_end,
    .irq_handler = lo_irq_handler,
    .fini = lo_fini,
};
