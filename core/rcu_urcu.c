/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RCU flavour for normal builds: liburcu, memb flavour. Read sections are
 * inline (sync.h); grace periods use the membarrier system call; call_rcu
 * callbacks run on liburcu's worker thread.
 */
#include "rcu_impl.h"

#include <stddef.h>

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

static void urcu_trampoline(struct rcu_head *h)
{
	struct lb_rcu_head *head =
	    (struct lb_rcu_head *)((char *)h - offsetof(struct lb_rcu_head, urcu));
	rcu_impl_run_callback(head);
}

void rcu_impl_call(struct lb_rcu_head *head)
{
	urcu_memb_call_rcu(&head->urcu, urcu_trampoline);
}

void rcu_impl_barrier(void)
{
	urcu_memb_barrier();
}

const char *lb_rcu_flavour(void)
{
	return "liburcu-memb";
}
