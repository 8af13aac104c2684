/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Race (a): translation-cache hit vs DISCARD, era A (v6.8, fixed in 2024).
 *
 * Model (all inside this file): the era-A LPI store, a list of irqs under
 * one global lock (lpi_list_lock, taken with IRQs off in the kernel), and
 * the era-A translation cache, a few entries under the same lock, each
 * holding one reference. One LPI (INTID 8192) is mapped by ITE (device 0,
 * event 0) and cached: refcount 2 (ITE + cache entry).
 *
 * Thread 0 injects an MSI for (device 0, event 0) through the cache
 * (vgic_its_inject_cached_msi): look up under the lock, then make the irq
 * pending under its irq_lock. Thread 1 runs DISCARD for the same event:
 * invalidate the cache (drop each entry's reference under the lock), then
 * drop the ITE's reference (vgic_put_irq). In era A a put that reaches zero
 * unlinks and frees at once, under the lock.
 *
 *   buggy  the lookup returns the irq without taking a reference; the lock
 *          is dropped before the irq is used. DISCARD can drop both
 *          references in between and free it: use after free.
 *   fixed  the lookup takes a reference under the lock (a plain increment
 *          is safe there: the cache's reference is held and frees happen
 *          under the same lock); the injector puts it when done.
 *
 * Forced schedule: the injector signals after its lookup and waits for the
 * DISCARD to finish before using the irq.
 * Detection: the free poisons the irq; the injector's irq_check() sees it
 * (lb_irq_bug_hook): "use after free (poisoned irq)" in the injection.
 */
#include <stdlib.h>
#include <string.h>

#include "race.h"

#define CD_INTID   8192u
#define CD_ENTRIES 4

enum { EV_LOOKED_UP, EV_DISCARDED };

struct cd_entry {
	uint32_t devid, eventid;
	struct lb_irq *irq; /* holds a reference; NULL: free slot */
};

struct cd_state {
	struct lb_lock lpi_list_lock; /* the list, its count, the cache */
	struct lb_list lpi_list;
	unsigned lpi_count;
	struct cd_entry cache[CD_ENTRIES];
	struct lb_irq *ite_irq; /* ITE (0, 0): the mapping's reference; DISCARD's thread owns it */
};

static int cd_init(struct race_run *rr)
{
	struct cd_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	lb_lock_init(&s->lpi_list_lock);
	lb_list_init(&s->lpi_list);
	rr->s = s;
	return 0;
}

static void cd_fini(struct race_run *rr)
{
	struct cd_state *s = rr->s;
	lb_lock_destroy(&s->lpi_list_lock);
	free(s);
}

static int cd_round_begin(struct race_run *rr)
{
	struct cd_state *s = rr->s;
	struct lb_irq *irq = race_irq_alloc(rr, CD_INTID); /* refcount 1: the ITE's */
	if (!irq)
		return -1;
	lb_list_add_tail(&irq->lpi_list, &s->lpi_list);
	s->lpi_count = 1;
	s->ite_irq = irq;
	memset(s->cache, 0, sizeof(s->cache));
	lb_ref_get(&irq->refcount); /* the cache entry's */
	s->cache[0] = (struct cd_entry){0, 0, irq};
	return 0;
}

/* Era-A put: Context: lpi_list_lock held. At zero: unlink and free now. */
static void cd_put_locked(struct race_run *rr, struct cd_state *s, struct lb_irq *irq,
			  const char *site)
{
	if (!lb_ref_put(&irq->refcount))
		return;
	lb_list_del_init(&irq->lpi_list);
	s->lpi_count--;
	race_irq_free(rr, irq, site);
}

static void cd_put(struct race_run *rr, struct race_thread *t, struct cd_state *s,
		   struct lb_irq *irq, const char *site)
{
	race_lock(t, &s->lpi_list_lock);
	cd_put_locked(rr, s, irq, site);
	race_unlock(t, &s->lpi_list_lock);
}

/* Thread 0: vgic_its_inject_cached_msi(device 0, event 0). */
static void cd_inject(struct race_run *rr, struct race_thread *t)
{
	struct cd_state *s = rr->s;
	struct lb_irq *irq = NULL;
	const char *use = rr->buggy ? "vgic_its_inject_cached_msi, using a cache hit returned "
				      "without a reference after lpi_list_lock was dropped"
				    : "vgic_its_inject_cached_msi, using a referenced cache hit";

	t->where = "vgic_its_check_cache (lookup under lpi_list_lock)";
	race_lock(t, &s->lpi_list_lock);
	for (unsigned i = 0; i < CD_ENTRIES; i++) {
		struct cd_entry *e = &s->cache[i];
		if (e->irq && e->devid == 0 && e->eventid == 0) {
			irq = e->irq;
			if (!rr->buggy)
				lb_ref_get(&irq->refcount); /* the fix */
			break;
		}
	}
	race_unlock(t, &s->lpi_list_lock);
	race_signal(rr, t, EV_LOOKED_UP);
	race_wait(rr, t, EV_DISCARDED);
	if (!irq)
		return; /* miss: the slow path through the ITS tables (not modelled) */

	if (!race_irq_live(rr, t, irq, use))
		return;
	race_lock(t, &irq->irq_lock);
	irq->pending_latch = true;
	irq->nr_updates++;
	race_unlock(t, &irq->irq_lock);
	if (!race_irq_live(rr, t, irq, use))
		return; /* freed while it was being queued */
	if (!rr->buggy)
		cd_put(rr, t, s, irq, "vgic_put_irq after the injection");
}

/* Thread 1: DISCARD (device 0, event 0). */
static void cd_discard(struct race_run *rr, struct race_thread *t)
{
	struct cd_state *s = rr->s;
	race_wait(rr, t, EV_LOOKED_UP);
	t->where = "DISCARD: vgic_its_invalidate_cache (era A: every entry, under lpi_list_lock)";
	race_lock(t, &s->lpi_list_lock);
	for (unsigned i = 0; i < CD_ENTRIES; i++) {
		struct lb_irq *irq = s->cache[i].irq;
		if (!irq)
			continue;
		s->cache[i].irq = NULL;
		cd_put_locked(rr, s, irq, "DISCARD: the cache invalidation's put");
	}
	race_unlock(t, &s->lpi_list_lock);
	t->where = "DISCARD: vgic_put_irq of the ITE's reference";
	struct lb_irq *irq = s->ite_irq;
	s->ite_irq = NULL;
	if (irq)
		cd_put(rr, t, s, irq, "DISCARD: the ITE's put");
	race_signal(rr, t, EV_DISCARDED);
}

static void cd_thread(struct race_run *rr, struct race_thread *t)
{
	if (t->id == 0)
		cd_inject(rr, t);
	else
		cd_discard(rr, t);
}

/* Quiescent. A complete round leaves nothing: every reference was
 * dropped, so the list must be empty (the generic audit then finds any irq
 * not freed). A round cut short is cleaned up. */
static void cd_round_end(struct race_run *rr)
{
	struct cd_state *s = rr->s;
	struct race_thread *t = &rr->t[0];
	if (race_round_complete(rr) && s->lpi_count)
		race_detect(rr,
			    "store not empty after DISCARD: %u LPI(s) still listed, at the end "
			    "of the round",
			    s->lpi_count);
	for (unsigned i = 0; i < CD_ENTRIES; i++) {
		if (s->cache[i].irq && race_irq_live(rr, t, s->cache[i].irq, "round clean-up"))
			cd_put(rr, t, s, s->cache[i].irq, "round clean-up");
		s->cache[i].irq = NULL;
	}
	if (s->ite_irq && race_irq_live(rr, t, s->ite_irq, "round clean-up"))
		cd_put(rr, t, s, s->ite_irq, "round clean-up");
	s->ite_irq = NULL;
	/* Anything still listed (a round cut short with references in flight). */
	while (!lb_list_empty(&s->lpi_list)) {
		struct lb_irq *irq = lb_list_entry(s->lpi_list.next, struct lb_irq, lpi_list);
		lb_list_del_init(&irq->lpi_list);
		race_irq_discard(rr, irq);
	}
	s->lpi_count = 0;
}

const struct race_scenario race_cache_discard_scenario = {
    .name = "cache_discard",
    .desc = "(a) era A, 2024: cache hit returned without a reference vs DISCARD -> use "
	    "after free; fix: take the reference under the lock",
    .nr_threads = 2,
    .init = cd_init,
    .round_begin = cd_round_begin,
    .thread = cd_thread,
    .round_end = cd_round_end,
    .fini = cd_fini,
};
