/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interface between core/rcu.c and one RCU flavour. */
#ifndef LB_RCU_IMPL_H
#define LB_RCU_IMPL_H

#include "sync.h"

void rcu_impl_synchronize(void);
/* Queue head; the flavour calls rcu_impl_run_callback(head) after a grace period. */
void rcu_impl_call(struct lb_rcu_head *head);
void rcu_impl_run_callback(struct lb_rcu_head *head);
/* --gp-latency queues (rcu.c): wait until they are empty; true if any was
 * not (a barrier then repeats: their callbacks may have queued more). */
bool rcu_gp_queues_drain(void);
/* The flavour's own barrier (its call_rcu callbacks). */
void rcu_impl_barrier(void);

#endif
