/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The slot protocol of the array-indexed stores (`flat`, `radix`): an index
 * slot holds one irq pointer, published with release and loaded with
 * acquire. One copy of the three steps that keep such a slot correct:
 *  - get: load the slot, then try-get. A dying irq (refcount 0, final put
 *    done) stays in its slot until that put clears it, so a plain
 *    increment could resurrect it (race b of docs/design.md). The load is
 *    protected by an RCU read section, or in --reclaim=hp mode by a hazard
 *    pointer re-checked against the slot.
 *  - install (add): reuse the slot's live irq (try-get), else CAS the fresh
 *    irq over what is there, NULL or a dying irq (MAPTI racing the last
 *    unmap, store.h).
 *  - erase at zero (final put): CAS the slot from this irq to NULL, so an
 *    irq installed meanwhile is never unindexed (race e), then reclaim it:
 *    after a grace period, or by hazard-pointer retire.
 * How writers are serialised stays each store's own: `flat` holds its lock
 * around install and erase (as xa holds xa_lock), so its CASes never fail;
 * `radix` runs them lock-free. Every function is static inline: these are
 * the stores' hot paths.
 */
#ifndef LB_SLOTS_H
#define LB_SLOTS_H

#include <stdbool.h>

#include "../core/hp.h"
#include "store.h"

/* Try-get an irq loaded from a slot. Returns it with a reference, or NULL
 * (empty slot, or dying). Context: irq kept from being freed (RCU read
 * section, hazard pointer, or the writers' lock). */
static inline struct lb_irq *slot_tryget(struct lb_irq *irq)
{
	if (!irq)
		return NULL;
	irq_check(irq); /* freed while still indexed would show here */
	return lb_ref_tryget(&irq->refcount) ? irq : NULL;
}

/* Loads *slot and protects what it holds: on return the hazard names the
 * result (or NULL), and the slot still held it after the hazard became
 * visible, so it cannot be freed before lb_hp_clear (core/hp.h). */
static inline struct lb_irq *slot_protect(struct lb_hp_rec *hr, struct lb_irq **slot)
{
	struct lb_irq *irq = lb_rcu_dereference(*slot);
	while (irq) {
		lb_hp_protect(hr, irq);
		struct lb_irq *again = lb_hp_reload(slot);
		if (again == irq)
			break;
		irq = again; /* unindexed or replaced meanwhile */
	}
	return irq;
}

/* The read side in --reclaim=hp mode: the slot's irq with a reference, or
 * NULL. Out of line, so that the RCU mode's path (slot_get) needs no
 * registers saved for it. Context: registered thread. */
static __attribute__((noinline, unused)) struct lb_irq *slot_get_hp(struct lb_irq **slot,
								    struct lb_hp_domain *hp)
{
	struct lb_hp_rec *hr = lb_hp_self(hp);
	struct lb_irq *irq = slot_tryget(slot_protect(hr, slot));
	lb_hp_clear(hr);
	return irq;
}

/* The whole read side: the slot's irq with a reference, or NULL. hp is the
 * store's hazard domain in --reclaim=hp mode, NULL in RCU mode. Context:
 * registered thread outside a read section. */
static inline struct lb_irq *slot_get(struct lb_irq **slot, struct lb_hp_domain *hp)
{
	if (lb_unlikely(hp))
		return slot_get_hp(slot, hp);
	lb_rcu_read_lock();
	struct lb_irq *irq = slot_tryget(lb_rcu_dereference(*slot));
	lb_rcu_read_unlock();
	return irq;
}

/* lookup_rcu's load: the slot's irq without a reference, maybe dying.
 * Context: inside lb_rcu_read_lock(), RCU reclaim mode (store.h). */
static inline struct lb_irq *slot_peek(struct lb_irq **slot)
{
	struct lb_irq *irq = lb_rcu_dereference(*slot);
	if (irq)
		irq_check(irq);
	return irq;
}

/*
 * add's install step: fresh (allocated, not yet published) goes into *slot
 * unless a live irq is already there. Returns the irq now mapped, with a
 * reference for the caller: the live one (another add won, try-get) or
 * fresh (its initial reference). *filled says the slot was empty before
 * (the store's entry count grows; replacing a dying irq leaves it alone).
 * The caller frees fresh if another irq is returned.
 * Context: what the slot holds must stay allocated while it is examined:
 * hr protects it (hazard mode), or with hr NULL the caller is inside an
 * RCU read section or holds the lock every slot writer takes.
 */
static inline struct lb_irq *slot_install(struct lb_irq **slot, struct lb_irq *fresh,
					  struct lb_hp_rec *hr, bool *filled)
{
	struct lb_irq *cur = hr ? slot_protect(hr, slot) : lb_rcu_dereference(*slot);
	for (;;) {
		if (cur && lb_ref_tryget(&cur->refcount))
			break; /* live: reuse it */
		bool was_empty = cur == NULL;
		/* Release publishes fresh's initialisation. */
		if (__atomic_compare_exchange_n(slot, &cur, fresh, false, __ATOMIC_RELEASE,
						__ATOMIC_ACQUIRE)) {
			*filled = was_empty;
			return fresh;
		}
		LB_COUNT(LB_C_CAS_RETRY); /* cur now holds what beat us */
		if (hr && cur)
			cur = slot_protect(hr, slot);
	}
	*filled = false;
	return cur;
}

/* slot_install for stores whose writers take no lock: protects what the
 * slot holds itself (hazard pointer in hp mode, else an RCU read section).
 * Context: registered thread outside a read section. */
static inline struct lb_irq *slot_install_lockfree(struct lb_irq **slot, struct lb_irq *fresh,
						   struct lb_hp_domain *hp, bool *filled)
{
	struct lb_hp_rec *hr = hp ? lb_hp_self(hp) : NULL;
	if (!hr)
		lb_rcu_read_lock();
	struct lb_irq *irq = slot_install(slot, fresh, hr, filled);
	if (hr)
		lb_hp_clear(hr);
	else
		lb_rcu_read_unlock();
	return irq;
}

/* The final put's unindexing: clears *slot only if it still holds irq.
 * Returns true if it did (the entry count shrinks); false means an add
 * already replaced the dying irq, which is then unindexed too. Clearing
 * publishes nothing, so the CAS needs no ordering of its own.
 * Context: after lb_ref_put() returned true for irq. */
static inline bool slot_erase(struct lb_irq **slot, struct lb_irq *irq)
{
	struct lb_irq *expected = irq;
	return __atomic_compare_exchange_n(slot, &expected, NULL, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

/* Reclaims an unindexed irq: after a grace period, or once no hazard
 * pointer of hp names it. Context: after slot_erase (whatever it
 * returned). */
static inline void slot_reclaim(struct lb_hp_domain *hp, struct lb_irq *irq)
{
	if (hp)
		irq_retire_hp(hp, irq);
	else
		irq_free_rcu(irq);
}

/* destroy's sweep: frees every irq still in slots[0, n), whatever its
 * references. Context: quiescent. */
static inline void slot_free_all(struct lb_irq **slots, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (slots[i])
			irq_free_now(slots[i]);
}

#endif
