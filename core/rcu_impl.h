/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interface between core/rcu.c and one RCU flavour. */
#ifndef LB_RCU_IMPL_H
#define LB_RCU_IMPL_H

#include "sync.h"

void rcu_impl_synchronize(void);
/* Queue head; the flavour calls rcu_impl_run_callback(head) after a grace period. */
void rcu_impl_call(struct lb_rcu_head *head);
void rcu_impl_run_callback(struct lb_rcu_head *head);

#endif
