/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MSI path and the vCPU side: translation, pending state, queueing on a
 * vCPU's list, and the guest's acknowledgement.
 *
 * Injection (KVM's vgic_its_inject_msi):
 *  1. cached translation: cache lookup, which returns the irq referenced;
 *     set pending under irq_lock and queue; drop the reference.
 *  2. on a miss: take its_lock, resolve through the tables (ITS enabled,
 *     device, ITE, mapped collection), insert into the cache, set pending
 *     and queue, still under its_lock. As in KVM, no extra reference is
 *     taken there: the ITE's reference cannot go while its_lock is held.
 *
 * The doorbell: designs with a cache per ITS (v6.10) find the ITS from the
 * MSI's doorbell on every injection (vgic_its_check_cache ->
 * __vgic_doorbell_to_its: SRCU + kvm_io_bus_get_dev, its_bus.c); VM-wide
 * designs (v6.8) key the cache by the doorbell and search the bus only on
 * a miss (vgic_msi_to_its), as both eras do on a miss.
 *
 * Queueing: irq_lock, then the target's ap_list_lock. The lock order is
 * ap_list_lock > irq_lock, so the irq lock is dropped, both are taken in
 * order, and the decision is re-made: if the irq got queued or retargeted
 * meanwhile, start over. The list's reference is taken with both held.
 * Whenever the irq has a target, queued now or already on a list, the
 * target is kicked after the locks are dropped (vgic_queue_irq_unlock:
 * the edge case of an irq already on the list whose earlier instance the
 * guest may have EOIed needs the vCPU to look again).
 *
 * The vCPU side (its_vcpu.c) delivers through list registers and prunes;
 * its_vcpu_drain below is the quiescent shortcut (teardown, verify, tests):
 * it takes every irq off the list and forgets the list registers.
 *
 * Context: every function here runs on a registered RCU thread outside a
 * read section.
 */
#include <errno.h>

#include "its_impl.h"

/* Where irq should be queued now, or NULL (KVM's vgic_target_oracle for a
 * software edge LPI). Context: irq_lock held. */
static inline struct lb_vcpu *its_oracle(const struct lb_irq *irq)
{
	return irq->pending_latch && irq->enabled ? irq->target_vcpu : NULL;
}

enum its_inject_result its_queue_irq_unlock(struct lb_irq *irq)
{
	struct lb_vcpu *target;
	for (;;) {
		target = its_oracle(irq);
		if (irq->vcpu || !target) {
			enum its_inject_result r = irq->vcpu ? ITS_INJ_COALESCED : ITS_INJ_HELD;
			lb_unlock(&irq->irq_lock);
			if (target)
				its_vcpu_kick(target);
			return r;
		}
		lb_unlock(&irq->irq_lock);
		lb_lock(&target->ap_list_lock);
		lb_lock(&irq->irq_lock);
		/* Recheck: between the two lock sections someone may have queued
		 * it, acknowledged it, disabled it or moved it elsewhere. */
		if (lb_likely(!irq->vcpu && its_oracle(irq) == target))
			break;
		lb_unlock(&irq->irq_lock);
		lb_unlock(&target->ap_list_lock);
		lb_lock(&irq->irq_lock);
	}
	lb_ref_get(&irq->refcount); /* the list's; the caller holds another */
	lb_list_add_tail(&irq->ap_list, &target->ap_list_head);
	irq->vcpu = target;
	target->queued++;
	atomic_fetch_add_explicit(&target->nr_queued, 1, memory_order_relaxed);
	lb_unlock(&irq->irq_lock);
	lb_unlock(&target->ap_list_lock);
	its_vcpu_kick(target);
	return ITS_INJ_QUEUED;
}

void its_apply_lpi_config(struct its_vm *vm, struct lb_irq *irq, struct lb_vcpu *only_target)
{
	uint8_t cfg = its_lpi_config(vm, irq->intid);
	uint8_t prio = (uint8_t)(cfg & ITS_PROP_PRIO_MASK);
	bool enabled = cfg & ITS_PROP_ENABLE;
	irq_check(irq);
	lb_lock(&irq->irq_lock);
	if ((only_target && irq->target_vcpu != only_target) ||
	    (irq->priority == prio && irq->enabled == enabled)) {
		lb_unlock(&irq->irq_lock);
		return;
	}
	irq->priority = prio;
	irq->enabled = enabled;
	irq->nr_updates++;
	its_queue_irq_unlock(irq); /* newly enabled and pending: deliver now */
}

void its_update_affinity(struct lb_irq *irq, struct lb_vcpu *vcpu)
{
	irq_check(irq);
	lb_lock(&irq->irq_lock);
	irq->target_vcpu = vcpu;
	lb_unlock(&irq->irq_lock);
}

/* Context: its_lock held. Returns 0 with *out mapped by an ITE (no extra
 * reference), or -EBUSY (ITS disabled), -ENODEV, -ENOENT, -ENXIO. */
static int its_resolve_locked(struct its *its, uint32_t devid, uint32_t eventid,
			      struct lb_irq **out)
{
	if (!its->enabled)
		return -EBUSY;
	struct its_device *dev = its_find_device(its, devid);
	if (!dev)
		return -ENODEV;
	struct its_ite *ite = its_find_ite_in(dev, eventid);
	if (!ite)
		return -ENOENT;
	if (!its_collection_mapped(ite->collection))
		return -ENXIO;
	*out = ite->irq;
	return 0;
}

/* The miss path of its_inject: resolve under its_lock, insert, queue. */
static enum its_inject_result its_inject_miss(struct its *its, uint32_t devid, uint32_t eventid,
					      struct its_inject_stats *st)
{
	struct lb_irq *irq;
	enum its_inject_result r;
	st->misses++;
	LB_COUNT(LB_C_CACHE_MISS);
	its = its_doorbell_to_its(its->vm, its->doorbell); /* vgic_msi_to_its */
	if (!its)
		return ITS_INJ_UNMAPPED;
	struct cache *c = its->cache;
	its_mutex_lock(&its->its_lock, LB_LC_ITS);
	if (its_resolve_locked(its, devid, eventid, &irq) == 0) {
		irq_check(irq);
		c->ops->insert(c, its->doorbell, devid, eventid, irq);
		lb_lock(&irq->irq_lock);
		irq->pending_latch = true;
		r = its_queue_irq_unlock(irq);
	} else {
		r = ITS_INJ_UNMAPPED;
	}
	pthread_mutex_unlock(&its->its_lock);
	return r;
}

/* Per-ITS caches need the ITS before the lookup: resolve the doorbell
 * (v6.10's vgic_its_check_cache). VM-wide caches key by the doorbell. */
static bool its_find_for_lookup(struct its **its)
{
	if (!((*its)->cache->ops->flags & CACHE_F_PER_ITS))
		return true;
	*its = its_doorbell_to_its((*its)->vm, (*its)->doorbell);
	return *its != NULL;
}

/*
 * Why the hit path is correct without a reference (getmode.h): the irq
 * and the cache entry that led to it are freed only a grace period after
 * they are unpublished, so both stay valid memory until we leave the
 * section; state written to a dying irq is lost with it; and the only way
 * the pointer outlives the section is the list, whose reference is taken
 * under the irq lock after our try-get succeeded (its_queue_irq_unlock
 * increments with ours held), never on a dying irq.
 */
enum its_inject_result its_inject_rcu(struct its *its, uint32_t devid, uint32_t eventid,
				      struct its_inject_stats *st)
{
	enum its_inject_result r;
	struct lb_irq *held = NULL;
	if (!its_find_for_lookup(&its)) {
		st->result[ITS_INJ_UNMAPPED]++;
		return ITS_INJ_UNMAPPED;
	}
	struct cache *c = its->cache;
	lb_rcu_read_lock();
	struct lb_irq *irq = c->ops->lookup_rcu(c, its->doorbell, devid, eventid);
	if (!irq) {
		lb_rcu_read_unlock();
		r = its_inject_miss(its, devid, eventid, st);
		st->result[r]++;
		return r;
	}
	st->hits++;
	LB_COUNT(LB_C_CACHE_HIT);
	lb_lock(&irq->irq_lock);
	if (irq->vcpu) {
		irq->pending_latch = true; /* on a list: it holds a reference */
		lb_unlock(&irq->irq_lock);
		r = ITS_INJ_COALESCED;
	} else if (lb_ref_tryget(&irq->refcount)) {
		held = irq;
		irq->pending_latch = true;
		r = its_queue_irq_unlock(irq);
	} else {
		lb_unlock(&irq->irq_lock); /* dying: unmapped meanwhile */
		r = ITS_INJ_UNMAPPED;
	}
	lb_rcu_read_unlock();
	if (held)
		store_put(its->vm->store, held);
	st->result[r]++;
	return r;
}

enum its_inject_result its_inject(struct its *its, uint32_t devid, uint32_t eventid,
				  struct its_inject_stats *st)
{
	enum its_inject_result r;
	bool smp = its_tls.sample;
	uint64_t t0 = smp ? its_clock_ns() : 0;
#define ITS_STAGE(s)                                                                               \
	do {                                                                                       \
		if (smp) {                                                                         \
			uint64_t t1 = its_clock_ns();                                              \
			its_tls.stage_ns[s] += t1 - t0;                                            \
			its_tls.last_ns[s] = (uint32_t)(t1 - t0);                                  \
			t0 = t1;                                                                   \
		}                                                                                  \
	} while (0)
	bool found = its_find_for_lookup(&its);
	ITS_STAGE(ITS_ST_DOORBELL);
	if (!found) {
		st->result[ITS_INJ_UNMAPPED]++;
		return ITS_INJ_UNMAPPED;
	}
	struct cache *c = its->cache;
	struct lb_irq *irq = c->ops->lookup(c, its->doorbell, devid, eventid);
	if (irq) {
		ITS_STAGE(ITS_ST_CACHE);
		st->hits++;
		LB_COUNT(LB_C_CACHE_HIT);
		irq_check(irq);
		lb_lock(&irq->irq_lock);
		irq->pending_latch = true;
		r = its_queue_irq_unlock(irq);
		ITS_STAGE(ITS_ST_QUEUE);
		store_put(its->vm->store, irq);
		ITS_STAGE(ITS_ST_PUT);
	} else {
		r = its_inject_miss(its, devid, eventid, st);
		ITS_STAGE(ITS_ST_CACHE); /* a miss: lookup, tables, insert, queue */
	}
#undef ITS_STAGE
	if (smp)
		its_tls.sampled++;
	st->result[r]++;
	return r;
}

unsigned its_vcpu_drain(struct its_vm *vm, struct lb_vcpu *vcpu)
{
	unsigned n = 0;
	lb_lock(&vcpu->ap_list_lock);
	vcpu->used_lrs = 0;
	while (!lb_list_empty(&vcpu->ap_list_head)) {
		struct lb_irq *irq = lb_list_entry(vcpu->ap_list_head.next, struct lb_irq, ap_list);
		irq_check(irq);
		lb_lock(&irq->irq_lock);
		if (lb_unlikely(irq->vcpu != vcpu))
			vcpu->bugs++;
		lb_list_del_init(&irq->ap_list);
		irq->vcpu = NULL;
		irq->pending_latch = false;
		lb_unlock(&irq->irq_lock);
		/* The list's reference, under ap_list_lock as KVM's prune does
		 * (ap_list_lock > store lock). */
		store_put(vm->store, irq);
		n++;
	}
	if (n) {
		vcpu->drained += n;
		atomic_fetch_sub_explicit(&vcpu->nr_queued, n, memory_order_relaxed);
	}
	lb_unlock(&vcpu->ap_list_lock);
	return n;
}
