/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The model's invariants, checked after a run (workload verify) or a test
 * step: every reference the model holds is accounted for, every cached
 * translation is one the tables make, and no pending LPI was lost or
 * queued twice.
 *
 * Context: quiescent (no other thread touches the VM); registered RCU
 * thread. Deferred cache releases (call_rcu) are flushed first, so a
 * reference already dropped by the model is not counted as held.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../core/alloc.h"
#include "its_impl.h"

struct its_check_ctx {
	struct its_vm *vm;
	uint32_t *ite_refs, *cache_refs, *list_refs;
	struct lb_irq **obj; /* the object the model references for each INTID */
	uint8_t *in_store;
	uint64_t visited;
	char *msg;
	size_t len;
	bool failed;
};

#define CHECK_FAIL(cx, ...)                                                                        \
	do {                                                                                       \
		if (!(cx)->failed) {                                                               \
			snprintf((cx)->msg, (cx)->len, __VA_ARGS__);                               \
			(cx)->failed = true;                                                       \
		}                                                                                  \
	} while (0)

/* Records that the model references irq; complains if another object
 * stands for the same INTID. Returns the INTID's index. */
static uint32_t check_note(struct its_check_ctx *cx, struct lb_irq *irq, const char *who)
{
	irq_check(irq);
	uint32_t i = irq->intid - LB_INTID_BASE;
	if (cx->obj[i] && cx->obj[i] != irq)
		CHECK_FAIL(cx, "INTID %u: %s references irq %p, elsewhere %p", irq->intid, who,
			   (void *)irq, (void *)cx->obj[i]);
	cx->obj[i] = irq;
	return i;
}

static void check_tables(struct its_check_ctx *cx)
{
	for (unsigned t = 0; t < cx->vm->nr_its; t++) {
		struct lb_list *dpos, *ipos;
		lb_list_for_each(dpos, &cx->vm->its[t].devices) {
			struct its_device *dev = lb_list_entry(dpos, struct its_device, link);
			lb_list_for_each(ipos, &dev->itt) {
				struct its_ite *ite = lb_list_entry(ipos, struct its_ite, link);
				if (!ite->irq) {
					CHECK_FAIL(cx, "ITS %u device %u event %u has no irq", t,
						   dev->devid, ite->eventid);
					continue;
				}
				cx->ite_refs[check_note(cx, ite->irq, "an ITE")]++;
			}
		}
	}
}

static struct its *check_its_of(struct its_vm *vm, uint64_t doorbell)
{
	for (unsigned t = 0; t < vm->nr_its; t++)
		if (vm->its[t].doorbell == doorbell)
			return &vm->its[t];
	return NULL;
}

static int check_cache_entry(uint64_t doorbell, uint32_t devid, uint32_t eventid,
			     struct lb_irq *irq, void *arg)
{
	struct its_check_ctx *cx = arg;
	cx->cache_refs[check_note(cx, irq, "a cache entry")]++;
	struct its *its = check_its_of(cx->vm, doorbell);
	if (!its) {
		CHECK_FAIL(cx, "cache entry for unknown doorbell %#" PRIx64, doorbell);
		return 0;
	}
	/* A cached translation must be one the tables would make now: an
	 * invalidation that was missed shows up here. */
	struct its_ite *ite = its_find_ite(its, devid, eventid);
	if (!its->enabled || !ite || ite->irq != irq || !its_collection_mapped(ite->collection))
		CHECK_FAIL(cx,
			   "stale translation: ITS %u device %u event %u -> INTID %u (ITS %s, ITE "
			   "%s)",
			   its->index, devid, eventid, irq->intid,
			   its->enabled ? "enabled" : "disabled",
			   !ite		      ? "gone"
			   : ite->irq != irq  ? "maps another irq"
			   : !ite->collection ? "has no collection"
					      : "collection unmapped");
	return 0;
}

static void check_caches(struct its_check_ctx *cx)
{
	struct its_vm *vm = cx->vm;
	if (vm->shared_cache) {
		vm->shared_cache->ops->for_each(vm->shared_cache, check_cache_entry, cx);
		return;
	}
	for (unsigned t = 0; t < vm->nr_its; t++)
		vm->its[t].cache->ops->for_each(vm->its[t].cache, check_cache_entry, cx);
}

static void check_lists(struct its_check_ctx *cx)
{
	for (unsigned v = 0; v < cx->vm->nr_vcpus; v++) {
		struct lb_vcpu *vcpu = &cx->vm->vcpus[v];
		uint64_t n = 0;
		struct lb_list *pos;
		lb_list_for_each(pos, &vcpu->ap_list_head) {
			struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, ap_list);
			uint32_t i = check_note(cx, irq, "a vCPU list");
			if (++cx->list_refs[i] > 1)
				CHECK_FAIL(cx, "INTID %u is queued twice (duplicated)", irq->intid);
			lb_lock(&irq->irq_lock);
			struct lb_vcpu *owner = irq->vcpu;
			lb_unlock(&irq->irq_lock);
			if (owner != vcpu)
				CHECK_FAIL(cx, "INTID %u is on vCPU %u's list but says vCPU %d",
					   irq->intid, v, owner ? (int)owner->id : -1);
			n++;
		}
		unsigned nq = atomic_load_explicit(&vcpu->nr_queued, memory_order_relaxed);
		if (n != nq)
			CHECK_FAIL(cx, "vCPU %u: %" PRIu64 " irqs on its list, count says %u", v, n,
				   nq);
		if (vcpu->queued != vcpu->drained + n)
			CHECK_FAIL(cx,
				   "vCPU %u: %" PRIu64 " queued but %" PRIu64
				   " acknowledged + %" PRIu64 " on the list (lost or duplicated)",
				   v, vcpu->queued, vcpu->drained, n);
		if (vcpu->bugs)
			CHECK_FAIL(cx, "vCPU %u acknowledged %" PRIu64 " irqs queued elsewhere", v,
				   vcpu->bugs);
	}
}

static int check_store_entry(struct lb_irq *irq, void *arg)
{
	struct its_check_ctx *cx = arg;
	irq_check(irq);
	uint32_t i = irq->intid - LB_INTID_BASE;
	cx->visited++;
	cx->in_store[i] = 1;
	if (cx->obj[i] && cx->obj[i] != irq)
		CHECK_FAIL(cx, "INTID %u: the store holds irq %p, the model references %p",
			   irq->intid, (void *)irq, (void *)cx->obj[i]);
	lb_lock(&irq->irq_lock);
	unsigned refs = lb_ref_read(&irq->refcount);
	bool lost = irq->pending_latch && irq->enabled && irq->target_vcpu && !irq->vcpu;
	lb_unlock(&irq->irq_lock);
	/* +1: the reference the store's walk holds while calling us. */
	unsigned want = cx->ite_refs[i] + cx->cache_refs[i] + cx->list_refs[i] + 1;
	if (refs != want)
		CHECK_FAIL(cx,
			   "INTID %u: refcount %u, expected %u (ITEs %u + cache %u + lists %u + "
			   "the walk's 1)",
			   irq->intid, refs, want, cx->ite_refs[i], cx->cache_refs[i],
			   cx->list_refs[i]);
	if (lost)
		CHECK_FAIL(cx, "INTID %u is pending and deliverable but on no list (lost)",
			   irq->intid);
	return 0;
}

/* The null backend (STORE_CAP_NULL, the harness baseline) maps every INTID
 * to one irq and cannot be walked: all the model's references are on that
 * one object, which also carries the store's own. */
static void check_null_store(struct its_check_ctx *cx)
{
	struct store *s = cx->vm->store;
	struct lb_irq *irq = store_get(s, LB_INTID_BASE);
	if (!irq) {
		CHECK_FAIL(cx, "the null store returned no irq");
		return;
	}
	uint32_t i = irq->intid - LB_INTID_BASE;
	if (cx->obj[i] && cx->obj[i] != irq)
		CHECK_FAIL(cx, "the null store's irq %p is not the one the model holds (%p)",
			   (void *)irq, (void *)cx->obj[i]);
	uint64_t held = 0;
	for (size_t k = 0; k < LB_NR_LPI_SPACE; k++)
		held += (uint64_t)cx->ite_refs[k] + cx->cache_refs[k] + cx->list_refs[k];
	lb_lock(&irq->irq_lock);
	unsigned refs = lb_ref_read(&irq->refcount);
	bool lost = irq->pending_latch && irq->enabled && irq->target_vcpu && !irq->vcpu;
	lb_unlock(&irq->irq_lock);
	/* + the store's own + our get */
	if (refs != held + 2)
		CHECK_FAIL(cx, "null store: refcount %u, expected %" PRIu64 " (model) + 2", refs,
			   held);
	if (lost)
		CHECK_FAIL(cx, "null store: the irq is pending and deliverable but on no list");
	store_put(s, irq);
}

int its_vm_check(struct its_vm *vm, char *msg, size_t len)
{
	/* Deferred releases put references: let them land (their own frees
	 * queued meanwhile touch no reference count). The barrier is also
	 * what orders their writes before our reads. */
	lb_rcu_barrier();

	size_t n = LB_NR_LPI_SPACE;
	size_t bytes = n * (3 * sizeof(uint32_t) + sizeof(struct lb_irq *) + 1);
	char *mem = lb_zalloc(LB_MEM_OTHER, bytes);
	if (!mem) {
		snprintf(msg, len, "check: out of memory");
		return -1;
	}
	struct its_check_ctx cx = {.vm = vm, .msg = msg, .len = len};
	cx.obj = (struct lb_irq **)mem;
	cx.ite_refs = (uint32_t *)(mem + n * sizeof(struct lb_irq *));
	cx.cache_refs = cx.ite_refs + n;
	cx.list_refs = cx.cache_refs + n;
	cx.in_store = (uint8_t *)(cx.list_refs + n);

	check_tables(&cx);
	check_caches(&cx);
	check_lists(&cx);
	struct store *s = vm->store;
	if (s->ops->caps & STORE_CAP_NULL) {
		check_null_store(&cx);
		goto out;
	}
	s->ops->for_each(s, LB_INTID_BASE, LB_INTID_LIMIT - 1, check_store_entry, &cx);
	for (size_t i = 0; i < n && !cx.failed; i++)
		if ((cx.ite_refs[i] || cx.cache_refs[i] || cx.list_refs[i]) && !cx.in_store[i])
			CHECK_FAIL(&cx, "INTID %u is referenced by the model but not in the store",
				   (unsigned)(i + LB_INTID_BASE));
	struct store_stats st;
	store_get_stats(s, &st);
	if (st.entries != STORE_STAT_ABSENT && st.entries != cx.visited)
		CHECK_FAIL(&cx, "the store counts %" PRIu64 " entries, its walk found %" PRIu64,
			   st.entries, cx.visited);
out:
	lb_free(LB_MEM_OTHER, mem, bytes);
	return cx.failed ? -1 : 0;
}
