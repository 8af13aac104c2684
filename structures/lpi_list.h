/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The era-A LPI list, shared by the `list` and `list-rw` backends: every
 * irq is linked through irq->lpi_list, as KVM v6.8 linked vgic_irq on
 * lpi_list_head. The lock around it is the backend's.
 */
#ifndef LB_LPI_LIST_H
#define LB_LPI_LIST_H

#include "../core/irq.h"

/* Linear walk by INTID. Context: the backend's lock held (either side of
 * an rwlock). */
static inline struct lb_irq *lpi_list_find(struct lb_list *head, uint32_t intid)
{
	struct lb_list *pos;
	lb_list_for_each(pos, head) {
		struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, lpi_list);
		if (irq->intid == intid)
			return irq;
	}
	return NULL;
}

/* Unlinks and frees every entry. Context: quiescent (store destroy). */
static inline void lpi_list_free_all(struct lb_list *head)
{
	struct lb_list *pos, *tmp;
	lb_list_for_each_safe(pos, tmp, head) {
		lb_list_del_init(pos);
		irq_free_now(lb_list_entry(pos, struct lb_irq, lpi_list));
	}
}

#endif
