/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interface between core/rcu.c and one RCU flavour. */
#ifndef LB_RCU_IMPL_H
#define LB_RCU_IMPL_H

#include "sync.h"

/* Waits for a grace period. Context: registered or not, outside any read
 * section. */
void rcu_impl_synchronize(void);
/* Waits for callbacks the flavour's library queued on its own (liburcu's
 * hash tables defer their frees through liburcu's call_rcu). */
void rcu_impl_barrier(void);

#endif
