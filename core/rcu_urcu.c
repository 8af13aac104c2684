/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RCU flavour for normal builds: liburcu, memb flavour. Read sections are
 * inline (sync.h); grace periods use the membarrier system call. lb_call_rcu
 * callbacks are queued by core/rcu.c; liburcu's own call_rcu worker only
 * runs what liburcu's data structures queue themselves.
 */
#include "rcu_impl.h"

void lb_rcu_register_thread(void)
{
	urcu_memb_register_thread();
}

void lb_rcu_unregister_thread(void)
{
	urcu_memb_unregister_thread();
}

void rcu_impl_synchronize(void)
{
	urcu_memb_synchronize_rcu();
}

void rcu_impl_barrier(void)
{
	urcu_memb_barrier();
}

const char *lb_rcu_flavour(void)
{
	return "liburcu-memb";
}
