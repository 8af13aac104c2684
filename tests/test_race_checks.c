/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The race replays' checkers (workloads/race.h), outside any scenario:
 *  - lock order: A -> B then B -> A is a cycle, reported with both sites,
 *    and the closing acquisition is refused (-EDEADLK) without blocking,
 *    so nothing is held afterwards; consistent orders are never reported;
 *  - IRQ inversion: a lock held with IRQs on plus the same lock's order
 *    through an interrupt handler is a cycle through HARDIRQ; with the lock
 *    taken IRQs off it is not; an interrupt is only taken with IRQs on;
 *  - poisoned frees: a freed irq fails irq_check (use after free, through
 *    lb_irq_bug_hook), a second free is a double free, and only the first
 *    detection is kept as the message (later ones are counted).
 * Single-threaded: the checks are deterministic by construction.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "core/alloc.h"
#include "workloads/race.h"

static struct race_run rr;
static struct lb_lock la, lb, lc;
static int handler_rc;

static void handler(struct race_run *r, struct race_thread *t)
{
	handler_rc = race_ld_lock(r, t, &lb, RACE_LC_AP_LIST, "test handler");
	if (!handler_rc)
		race_ld_unlock(r, t, &lb);
}

static const struct race_scenario fake = {.name = "fake", .irq_handler = handler};

static void reset(void)
{
	race_lockdep_destroy(&rr.ld);
	pthread_mutex_destroy(&rr.det_mu);
	pthread_mutex_destroy(&rr.q_mu);
	memset(&rr, 0, sizeof(rr));
	rr.sc = &fake;
	rr.nr = 1;
	rr.round = 1;
	pthread_mutex_init(&rr.det_mu, NULL);
	pthread_mutex_init(&rr.q_mu, NULL);
	race_lockdep_init(&rr.ld);
	race_self = &rr.t[0];
}

static void test_abba(void)
{
	reset();
	struct race_thread *t = &rr.t[0];
	bool off = race_irq_save(&rr, t, "test");
	CHECK(race_ld_lock(&rr, t, &la, RACE_LC_ITS, "site one") == 0);
	CHECK(race_ld_lock(&rr, t, &lb, RACE_LC_STORE, "site two") == 0);
	race_ld_unlock(&rr, t, &lb);
	race_ld_unlock(&rr, t, &la);
	CHECK(!race_detected(&rr));
	/* The same order again: fine. */
	CHECK(race_ld_lock(&rr, t, &la, RACE_LC_ITS, "site one") == 0);
	CHECK(race_ld_lock(&rr, t, &lb, RACE_LC_STORE, "site two") == 0);
	race_ld_unlock(&rr, t, &lb);
	race_ld_unlock(&rr, t, &la);
	CHECK(!race_detected(&rr));
	/* The reverse closes the cycle: refused, reported, nothing held. */
	CHECK(race_ld_lock(&rr, t, &lb, RACE_LC_STORE, "site three") == 0);
	CHECK(race_ld_lock(&rr, t, &la, RACE_LC_ITS, "site four") == -EDEADLK);
	CHECK(t->nr_held == 1);
	CHECK(!lb_lock_is_locked(&la));
	race_ld_unlock(&rr, t, &lb);
	CHECK(t->nr_held == 0 && !lb_lock_is_locked(&lb));
	race_irq_restore(&rr, t, off, "test");
	CHECKF(race_detected(&rr) && strstr(rr.det_msg, "lock-order cycle") &&
		   strstr(rr.det_msg, "site two") && strstr(rr.det_msg, "site four"),
	       "message: %s", rr.det_msg);
}

/* Thread holds lc (class STORE) and takes an interrupt whose handler takes
 * lb (class AP_LIST); elsewhere AP_LIST -> STORE. */
static void irq_inversion(bool store_irqsafe, bool *cycle, bool *handled)
{
	reset();
	struct race_thread *t = &rr.t[0];
	/* The vCPU's order: ap_list (IRQs off), then the store lock. */
	bool off = race_irq_save(&rr, t, "vcpu");
	CHECK(race_ld_lock(&rr, t, &lb, RACE_LC_AP_LIST, "vcpu ap_list") == 0);
	CHECK(race_ld_lock(&rr, t, &lc, RACE_LC_STORE, "vcpu store") == 0);
	race_ld_unlock(&rr, t, &lc);
	race_ld_unlock(&rr, t, &lb);
	race_irq_restore(&rr, t, off, "vcpu");
	/* The command: the store lock, with IRQs on or off. */
	race_irq_raise(t);
	handler_rc = 1;
	off = store_irqsafe ? race_irq_save(&rr, t, "irqsave") : t->irqs_off;
	int rc = race_ld_lock(&rr, t, &lc, RACE_LC_STORE, "command store");
	bool inside = race_irq_window(&rr, t);
	if (!rc)
		race_ld_unlock(&rr, t, &lc);
	if (store_irqsafe)
		race_irq_restore(&rr, t, off, "irqrestore");
	bool after = race_irq_window(&rr, t);
	*handled = inside || after;
	CHECKF(inside == !store_irqsafe, "interrupt taken inside=%d with irqsafe=%d", inside,
	       store_irqsafe);
	*cycle = race_detected(&rr);
	CHECK(t->nr_held == 0 && !t->in_irq && !t->irqs_off);
}

static void test_irq_inversion(void)
{
	bool cycle, handled;
	irq_inversion(false, &cycle, &handled);
	CHECKF(cycle && strstr(rr.det_msg, "HARDIRQ") &&
		   strstr(rr.det_msg, "held with IRQs on at command store"),
	       "IRQs on: %s", rr.det_msg);
	CHECK(handled && handler_rc == -EDEADLK);
	irq_inversion(true, &cycle, &handled);
	CHECKF(!cycle, "IRQ-safe store lock reported: %s", rr.det_msg);
	CHECK(handled && handler_rc == 0);
}

static void test_poison(void)
{
	reset();
	lb_ref_bug_fn old_ref = lb_ref_bug_hook;
	struct race_thread *t = &rr.t[0];
	uint64_t live0 = lb_mem_live_objects(LB_MEM_IRQ);
	struct lb_irq *irq = race_irq_alloc(&rr, 8192);
	CHECK(irq && rr.nr_quar == 1);
	CHECK(race_irq_live(&rr, t, irq, "before the free"));
	race_irq_free(&rr, irq, "first free");
	CHECK(!race_detected(&rr));
	race_irq_free(&rr, irq, "second free");
	CHECKF(race_detected(&rr) && strstr(rr.det_msg, "double free") &&
		   strstr(rr.det_msg, "second free"),
	       "message: %s", rr.det_msg);
	race_irq_free(&rr, irq, "third free");
	CHECK(atomic_load(&rr.nr_detections) == 2);
	CHECK(strstr(rr.det_msg, "second free")); /* the first one is kept */
	CHECK(atomic_load(&rr.round_allocs) == 1 && atomic_load(&rr.round_frees) == 1);
	/* The memory is still ours (quarantine): release it as a round does. */
	irq_free_now(irq);
	rr.nr_quar = 0;
	CHECK(lb_mem_live_objects(LB_MEM_IRQ) == live0);
	lb_ref_bug_hook = old_ref;
}

int main(void)
{
	lb_lock_init(&la);
	lb_lock_init(&lb);
	lb_lock_init(&lc);
	pthread_mutex_init(&rr.det_mu, NULL);
	pthread_mutex_init(&rr.q_mu, NULL);
	race_lockdep_init(&rr.ld);
	lb_irq_checks = true;
	test_abba();
	test_irq_inversion();
	test_poison();
	free(rr.quar);
	race_lockdep_destroy(&rr.ld);
	return check_exit("race_checks");
}
