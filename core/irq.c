/* SPDX-License-Identifier: BSD-2-Clause */
#include "irq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

bool lb_irq_checks;

static void irq_bug_abort(const char *what, const struct lb_irq *irq)
{
	fprintf(stderr, "lpibench: irq bug: %s (irq %p)\n", what, (const void *)irq);
	abort();
}

lb_irq_bug_fn lb_irq_bug_hook = irq_bug_abort;

void irq_check_failed(const struct lb_irq *irq)
{
	lb_irq_bug_hook("use after free (poisoned irq)", irq);
}

struct lb_irq *irq_alloc(uint32_t intid)
{
	struct lb_irq *irq = lb_zalloc(LB_MEM_IRQ, sizeof(*irq));
	if (!irq)
		return NULL;
	irq->intid = intid;
	irq->magic = LB_IRQ_MAGIC_LIVE;
	lb_ref_init(&irq->refcount, 1);
	lb_lock_init(&irq->irq_lock);
	lb_lock_set_class(&irq->irq_lock, LB_LC_IRQ);
	lb_list_init(&irq->ap_list);
	lb_list_init(&irq->lpi_list);
	irq->enabled = true;
	irq->priority = 0xa0;
	return irq;
}

void irq_free_now(struct lb_irq *irq)
{
	lb_lock_destroy(&irq->irq_lock);
	/* The store may publish the magic to lock-free readers: atomically. */
	LB_WRITE_ONCE(irq->magic, 0u);
	memset((char *)irq + sizeof(irq->intid) + sizeof(irq->magic), LB_IRQ_POISON_BYTE,
	       sizeof(*irq) - sizeof(irq->intid) - sizeof(irq->magic));
	lb_free(LB_MEM_IRQ, irq, sizeof(*irq));
}

static void irq_free_cb(struct lb_rcu_head *head)
{
	irq_free_now(lb_container_of(head, struct lb_irq, rcu));
}

void irq_free_rcu(struct lb_irq *irq)
{
	lb_call_rcu(&irq->rcu, irq_free_cb);
}

void irq_free_hp_cb(void *irq)
{
	irq_free_now(irq);
}

void irq_retire_hp(struct lb_hp_domain *d, struct lb_irq *irq)
{
	lb_hp_retire(d, &irq->hp, irq);
}
