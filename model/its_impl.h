/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal interface between the files of the ITS model (its.c: life
 * cycle and tables; its_cmd.c: commands; its_irq.c: injection, queueing
 * and acknowledgement; its_check.c: invariants). Not for workloads.
 */
#ifndef LB_ITS_IMPL_H
#define LB_ITS_IMPL_H

#include "../caches/cache.h"
#include "its.h"

/* The ITS mutexes (KVM: struct mutex), counted per lock class like the
 * spinlocks (core/sync.h). */
static inline void its_mutex_lock(pthread_mutex_t *m, enum lb_lock_class cls)
{
	LB_COUNT_CLASS(cls);
	pthread_mutex_lock(m);
}

/* ---- table lookups: Context: its->its_lock held (or quiescent) ---- */
struct its_device *its_find_device(struct its *its, uint32_t devid);
struct its_ite *its_find_ite_in(struct its_device *dev, uint32_t eventid);
struct its_ite *its_find_ite(struct its *its, uint32_t devid, uint32_t eventid);
struct its_collection *its_find_collection(struct its *its, uint32_t icid);

static inline bool its_collection_mapped(const struct its_collection *c)
{
	return c && c->target;
}

/* Unlinks ite, drops its reference on the irq, frees it.
 * Context: its_lock held. */
void its_free_ite(struct its *its, struct its_ite *ite);
/* Frees every ITE of dev, then the device. `invalidate` selects whether
 * the cache is invalidated after the ITEs go (commands: yes, as KVM's
 * vgic_its_free_device; teardown: the cache is already gone).
 * Context: its_lock held. */
void its_free_device(struct its *its, struct its_device *dev, bool invalidate);

/* Drops every translation of its scope. Context: its_lock held. */
static inline void its_invalidate_cache(struct its *its)
{
	its->cache->ops->invalidate(its->cache, its);
}

/* The LPI's configuration byte from the guest's property table. */
static inline uint8_t its_lpi_config(const struct its_vm *vm, uint32_t intid)
{
	return __atomic_load_n(&vm->prop[intid - LB_INTID_BASE], __ATOMIC_RELAXED);
}
#define ITS_PROP_ENABLE	   0x01u
#define ITS_PROP_PRIO_MASK 0xfcu

/* ---- irq state (its_irq.c) ---- */

/* The kernel's vgic_queue_irq_unlock, in our words: puts irq on its target
 * vCPU's list if it is deliverable and on no list yet.
 * Context: irq->irq_lock held on entry, released on return; the caller
 * holds a reference on irq (or its_lock with an ITE mapping it); takes the
 * target's ap_list_lock, dropping and retaking irq_lock to respect
 * ap_list_lock > irq_lock, then rechecks. */
enum its_inject_result its_queue_irq_unlock(struct lb_irq *irq);

/* kvm_make_request(KVM_REQ_IRQ_PENDING) + kvm_vcpu_kick (its_vcpu.c): the
 * request bit, a cmpxchg of the vCPU's mode from IN_GUEST to EXITING, and a
 * signal to its thread only when that succeeded. Context: any; no lock
 * needed (vgic_queue_irq_unlock kicks after dropping its locks). */
void its_vcpu_kick(struct lb_vcpu *vcpu);

/* Applies the guest's configuration byte to irq and queues it if that
 * made it deliverable (KVM's update_lpi_config). When `only_target` is not
 * NULL, irqs with another target are left alone (INVALL).
 * Context: a reference held on irq (or its_lock + ITE); takes irq_lock. */
void its_apply_lpi_config(struct its_vm *vm, struct lb_irq *irq, struct lb_vcpu *only_target);

/* Retargets irq (KVM's update_affinity for a software LPI). The irq stays
 * on the list it may be on; the next acknowledgement takes it off.
 * Context: as its_apply_lpi_config. */
void its_update_affinity(struct lb_irq *irq, struct lb_vcpu *vcpu);

#endif
