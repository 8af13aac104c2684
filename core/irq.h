/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The model of KVM's struct vgic_irq for an LPI: what the LPI store maps an
 * INTID to. Only the fields that matter to the store's and the ITS's
 * concurrency are kept.
 *
 * Lifetime: created with one reference (the caller's: usually the ITE's
 * mapping). Freed by the store backend when the last reference goes, at
 * once (era A: the free happens under the same lock as every lookup) or
 * after a grace period (era B: lock-free readers may still hold a pointer).
 * Freed objects are poisoned; with lb_irq_checks on, every access through
 * irq_check() catches a use after free.
 */
#ifndef LB_IRQ_H
#define LB_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "hp.h"
#include "list.h"
#include "sync.h"

#define LB_INTID_BASE	8192u				 /* first LPI INTID */
#define LB_INTID_LIMIT	65536u				 /* 16 ID bits, as KVM's ITS */
#define LB_NR_LPI_SPACE (LB_INTID_LIMIT - LB_INTID_BASE) /* 57344 */

#define LB_IRQ_MAGIC_LIVE  0x4c504921u /* "LPI!" */
#define LB_IRQ_POISON_BYTE 0x6b

struct lb_vcpu;

struct lb_irq {
	uint32_t intid;
	uint32_t magic;
	lb_ref_t refcount;
	struct lb_lock irq_lock; /* kernel: raw spinlock, taken with IRQs off */

	/* vGIC state, under irq_lock */
	struct lb_vcpu *target_vcpu; /* where it should be queued */
	struct lb_vcpu *vcpu;	     /* whose ap_list it is on; NULL if none */
	struct lb_list ap_list;
	uint64_t nr_updates;
	uint8_t priority;
	bool pending_latch;
	bool enabled;
	bool active;

	/* Store-private: the era-A list links its entries through this. */
	struct lb_list lpi_list;
	/* Deferred free, for stores with lock-free readers: after a grace
	 * period (irq_free_rcu), or, with --reclaim=hp, once no hazard
	 * pointer names it (irq_retire_hp). An irq takes one of the two. */
	union {
		struct lb_rcu_head rcu;
		struct lb_hp_node hp;
	};
};

/* Checks on every irq_check() (test builds and --check turn this on). */
extern bool lb_irq_checks;

/* New irq with refcount 1, enabled, not pending. NULL on -ENOMEM.
 * Context: any; allocates. */
struct lb_irq *irq_alloc(uint32_t intid);
/* Poison and free now. Context: no reader can still see it. */
void irq_free_now(struct lb_irq *irq);
/* Poison and free after a grace period. Context: registered RCU thread. */
void irq_free_rcu(struct lb_irq *irq);

/* Retire to d, freed (poisoned) once no hazard names it; d must have
 * been created with irq_free_hp_cb. Context: unindexed already. */
void irq_retire_hp(struct lb_hp_domain *d, struct lb_irq *irq);
/* The destroy function of irq hazard-pointer domains. */
void irq_free_hp_cb(void *irq);

/* Hook called when a check fails; default prints and aborts. */
typedef void (*lb_irq_bug_fn)(const char *what, const struct lb_irq *irq);
extern lb_irq_bug_fn lb_irq_bug_hook;

void irq_check_failed(const struct lb_irq *irq);
static inline void irq_check(const struct lb_irq *irq)
{
	if (lb_irq_checks && lb_unlikely(LB_READ_ONCE(irq->magic) != LB_IRQ_MAGIC_LIVE))
		irq_check_failed(irq);
}

#endif
