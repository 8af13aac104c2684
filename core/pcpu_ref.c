/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread reference counts (see pcpu_ref.h for the protocol and why it
 * is correct): set life cycle, per-thread counter arrays, mode switches.
 */
#include "pcpu_ref.h"

#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"

_Thread_local struct pcpu_ref_tls pcpu_ref_tls[PCPU_REF_TLS_SLOTS];
static atomic_ulong pcpu_ref_next_id = 1;

struct pcpu_ref_set *pcpu_ref_create(uint32_t nr)
{
	struct pcpu_ref_set *p = lb_zalloc(LB_MEM_OTHER, sizeof(*p));
	if (!p)
		return NULL;
	p->live = lb_zalloc(LB_MEM_OTHER, nr * sizeof(*p->live));
	if (!p->live) {
		lb_free(LB_MEM_OTHER, p, sizeof(*p));
		return NULL;
	}
	for (uint32_t i = 0; i < nr; i++)
		atomic_init(&p->live[i], NULL);
	p->nr = nr;
	p->id = atomic_fetch_add_explicit(&pcpu_ref_next_id, 1, memory_order_relaxed);
	lb_lock_init_kind(&p->lock, LB_LOCK_MUTEX);
	return p;
}

void pcpu_ref_destroy(struct pcpu_ref_set *p)
{
	if (!p)
		return;
	struct pcpu_ref_cpu *c = p->cpus;
	while (c) {
		struct pcpu_ref_cpu *next = c->next;
		lb_free(LB_MEM_OTHER, c->count, p->nr * sizeof(*c->count));
		lb_free(LB_MEM_OTHER, c, sizeof(*c));
		c = next;
	}
	lb_lock_destroy(&p->lock);
	lb_free(LB_MEM_OTHER, p->live, p->nr * sizeof(*p->live));
	lb_free(LB_MEM_OTHER, p, sizeof(*p));
}

atomic_long *pcpu_ref_mine_slow(struct pcpu_ref_set *p)
{
	for (unsigned i = 1; i < PCPU_REF_TLS_SLOTS; i++) {
		if (pcpu_ref_tls[i].id == p->id) {
			struct pcpu_ref_tls t = pcpu_ref_tls[i];
			pcpu_ref_tls[i] = pcpu_ref_tls[0];
			pcpu_ref_tls[0] = t;
			return t.count;
		}
	}
	struct pcpu_ref_cpu *c = lb_zalloc(LB_MEM_OTHER, sizeof(*c));
	atomic_long *count = lb_zalloc(LB_MEM_OTHER, p->nr * sizeof(*count));
	if (!c || !count) {
		fprintf(stderr, "lpibench: pcpu_ref: out of memory for a thread's counters\n");
		abort();
	}
	for (uint32_t i = 0; i < p->nr; i++)
		atomic_init(&count[i], 0);
	c->count = count;
	lb_lock(&p->lock);
	c->next = p->cpus;
	p->cpus = c;
	p->nr_cpus++;
	lb_unlock(&p->lock);
	for (unsigned i = PCPU_REF_TLS_SLOTS - 1; i > 0; i--)
		pcpu_ref_tls[i] = pcpu_ref_tls[i - 1];
	pcpu_ref_tls[0] = (struct pcpu_ref_tls){.id = p->id, .count = count};
	return count;
}

void pcpu_ref_start(struct pcpu_ref_set *p, uint32_t slot, void *obj)
{
	/* Release: kill's zeroing of this slot's counters comes before any
	 * increment a get makes after seeing obj here. */
	atomic_store_explicit(&p->live[slot], obj, memory_order_release);
}

long pcpu_ref_sum(struct pcpu_ref_set *p, uint32_t slot)
{
	long sum = 0;
	lb_lock(&p->lock);
	for (struct pcpu_ref_cpu *c = p->cpus; c; c = c->next)
		sum += atomic_load_explicit(&c->count[slot], memory_order_relaxed);
	lb_unlock(&p->lock);
	return sum;
}

void pcpu_ref_kill(struct pcpu_ref_set *p, uint32_t slot, lb_ref_t *ref)
{
	if (!atomic_load_explicit(&p->live[slot], memory_order_relaxed))
		return;
	/* 1. bias, 2. atomic mode, 3. no percpu get or put in flight. */
	atomic_fetch_add_explicit(&ref->refs, PCPU_REF_BIAS, memory_order_relaxed);
	atomic_store_explicit(&p->live[slot], NULL, memory_order_release);
	lb_synchronize_rcu();
	/* 4. fold: the counters are still now; zero them for the next start. */
	long sum = 0;
	lb_lock(&p->lock);
	for (struct pcpu_ref_cpu *c = p->cpus; c; c = c->next) {
		sum += atomic_load_explicit(&c->count[slot], memory_order_relaxed);
		atomic_store_explicit(&c->count[slot], 0, memory_order_relaxed);
	}
	lb_unlock(&p->lock);
	/* The sum may be negative: references taken in atomic mode (before
	 * the last start) and dropped in percpu mode. Fold it in while the
	 * bias is held, so the count never passes through zero; we hold a
	 * reference of our own, so it ends >= 1. */
	if (sum >= 0)
		atomic_fetch_add_explicit(&ref->refs, (unsigned)sum, memory_order_relaxed);
	else
		atomic_fetch_sub_explicit(&ref->refs, (unsigned)-sum, memory_order_relaxed);
	atomic_fetch_sub_explicit(&ref->refs, PCPU_REF_BIAS, memory_order_release);
}
