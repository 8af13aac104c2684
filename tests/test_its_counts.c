/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lock acquisitions per mechanism of the ITS model, per lock class, against
 * counts made by hand from the kernel's source, for each era:
 *   v6.8  = store `list` + cache `lru` (one lpi_list_lock for both)
 *   v6.10 = store `xa`   + cache `xa`  (per-ITS cache, doorbell lookup)
 * The kernel functions each count comes from are named next to it. Also:
 * a kick on every injection with a target, an IPI only to a vCPU in guest
 * mode; --selftest=2024's mapping (every LPI on vCPU 0, nothing acked) and
 * the fixed one (round-robin, every delivered LPI acked); and every queued
 * lock kind passes a mutual-exclusion check under concurrency.
 * Main thread only, except the lock check's workers (no CHECK there).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "check.h"
#include "core/alloc.h"
#include "caches/cache.h"
#include "model/its.h"
#include "model/its_impl.h"
#include "model/its_mix.h"

struct era {
	const char *name, *store, *cache;
	bool a; /* era A: lpi_list_lock; else B */
};
static const struct era eras[] = {
    {"v6.8", "list", "lru", true},
    {"v6.10", "xa", "xa", false},
};

struct snap {
	uint64_t cls[LB_LOCK_CLASSES];
	struct its_thread_stats its;
};

static void snap_take(struct snap *s)
{
	memcpy(s->cls, lb_tc.lock_class, sizeof(s->cls));
	s->its = its_tls;
}

/* Acquisitions of class c since s. */
static uint64_t since(const struct snap *s, enum lb_lock_class c)
{
	return lb_tc.lock_class[c] - s->cls[c];
}

struct fx {
	struct store *store;
	struct its_vm *vm;
	struct its_layout l;
};

static bool fx_init(struct fx *f, const struct era *e, unsigned vcpus, unsigned events,
		    bool selftest_2024)
{
	memset(f, 0, sizeof(*f));
	struct store_cfg cfg = {.expected_lpis = 64};
	f->store = store_find(e->store)->create(&cfg);
	CHECKF(f->store, "%s: store", e->name);
	if (!f->store)
		return false;
	f->l = (struct its_layout){.nr_vcpus = vcpus,
				   .nr_devices = 1,
				   .nr_events = events,
				   .nr_its = 1,
				   .mapc_to_vcpu0 = selftest_2024};
	struct its_vm_cfg vc = {.store = f->store,
				.cache = cache_find(e->cache),
				.nr_vcpus = vcpus,
				.nr_its = 1,
				.no_guest_acks = selftest_2024};
	int rc = its_vm_create(&vc, &f->vm);
	CHECKF(rc == 0, "%s: its_vm_create %d", e->name, rc);
	if (rc == 0)
		rc = its_layout_map(f->vm, &f->l);
	CHECKF(rc == 0, "%s: map %d", e->name, rc);
	return rc == 0;
}

static void fx_fini(struct fx *f)
{
	char msg[256];
	if (f->vm) {
		for (unsigned v = 0; v < f->vm->nr_vcpus; v++)
			its_vcpu_drain(f->vm, &f->vm->vcpus[v]);
		CHECKF(its_vm_check(f->vm, msg, sizeof(msg)) == 0, "invariants: %s", msg);
	}
	its_vm_destroy(f->vm);
	if (f->store)
		f->store->ops->destroy(f->store);
	lb_rcu_barrier();
}

static enum its_inject_result inject(struct fx *f, uint32_t ev)
{
	struct its_inject_stats st = {0};
	return its_inject(&f->vm->its[0], 0, ev, &st);
}

/* Injection paths: the counts are per injection. */
static void test_injection(const struct era *e)
{
	struct fx f;
	if (!fx_init(&f, e, 1, 4, false))
		return fx_fini(&f);
	struct snap s;

	/* One miss (event 0, idle irq). v6.8 vgic_its_inject_msi:
	 * vgic_its_inject_cached_translation -> vgic_its_check_cache takes
	 * lpi_list_lock (1) and misses; vgic_msi_to_its searches the bus (1
	 * lookup); its_lock; vgic_its_trigger_msi -> vgic_its_cache_translation
	 * takes lpi_list_lock (2); irq_lock, dropped and retaken with
	 * ap_list_lock in vgic_queue_irq_unlock (irq_lock 2, ap_list_lock 1);
	 * no vgic_put_irq (the ITE's reference covers it under its_lock).
	 * v6.10: vgic_its_check_cache resolves the doorbell (lookup 1), xa_load
	 * misses without a lock; vgic_msi_to_its (lookup 2); its_lock;
	 * vgic_its_cache_translation's xa_store takes the cache xarray's lock
	 * (cache_lock 1); the LPI xarray is not touched (xa_lock 0). */
	snap_take(&s);
	CHECK(inject(&f, 0) == ITS_INJ_QUEUED);
	CHECKF(since(&s, LB_LC_LPI_LIST) == (e->a ? 2u : 0u), "%s miss lpi_list_lock %lu", e->name,
	       (unsigned long)since(&s, LB_LC_LPI_LIST));
	CHECK(since(&s, LB_LC_XA) == 0);
	CHECKF(since(&s, LB_LC_CACHE) == (e->a ? 0u : 1u), "%s miss cache_lock %lu", e->name,
	       (unsigned long)since(&s, LB_LC_CACHE));
	CHECK(since(&s, LB_LC_ITS) == 1);
	CHECK(since(&s, LB_LC_IRQ) == 2);
	CHECK(since(&s, LB_LC_AP_LIST) == 1);
	CHECK(its_tls.doorbell_lookups - s.its.doorbell_lookups == (e->a ? 1u : 2u));
	CHECK(its_tls.kicks - s.its.kicks == 1);

	/* Cached, already queued (event 0 again). v6.8:
	 * vgic_its_check_cache (lpi_list_lock 1) hits, irq_lock in
	 * vgic_its_inject_cached_translation, vgic_queue_irq_unlock finds
	 * irq->vcpu set: unlock and kick; vgic_put_irq (lpi_list_lock 2).
	 * v6.10: doorbell lookup, RCU xa_load + try-get, irq_lock, kick,
	 * vgic_put_irq is a kref_put that does not reach zero: no lock. */
	snap_take(&s);
	CHECK(inject(&f, 0) == ITS_INJ_COALESCED);
	CHECKF(since(&s, LB_LC_LPI_LIST) == (e->a ? 2u : 0u), "%s queued lpi_list_lock %lu",
	       e->name, (unsigned long)since(&s, LB_LC_LPI_LIST));
	CHECK(since(&s, LB_LC_XA) == 0 && since(&s, LB_LC_CACHE) == 0 && since(&s, LB_LC_ITS) == 0);
	CHECK(since(&s, LB_LC_IRQ) == 1);
	CHECK(since(&s, LB_LC_AP_LIST) == 0);
	CHECK(its_tls.doorbell_lookups - s.its.doorbell_lookups == (e->a ? 0u : 1u));
	CHECK(its_tls.kicks - s.its.kicks == 1); /* kicked although coalesced */

	/* Cached, idle (acknowledged first). As above, but
	 * vgic_queue_irq_unlock queues: irq_lock twice, ap_list_lock once. */
	its_vcpu_drain(f.vm, &f.vm->vcpus[0]);
	snap_take(&s);
	CHECK(inject(&f, 0) == ITS_INJ_QUEUED);
	CHECK(since(&s, LB_LC_LPI_LIST) == (e->a ? 2u : 0u));
	CHECK(since(&s, LB_LC_XA) == 0 && since(&s, LB_LC_CACHE) == 0 && since(&s, LB_LC_ITS) == 0);
	CHECK(since(&s, LB_LC_IRQ) == 2);
	CHECK(since(&s, LB_LC_AP_LIST) == 1);
	CHECK(its_tls.kicks - s.its.kicks == 1);

	/* The kick: a vCPU in guest mode gets one IPI (a signal to this
	 * thread, attached as the vCPU's), and is left EXITING; the next kick
	 * finds it not in guest mode and sends none (kvm_vcpu_kick ->
	 * kvm_arch_vcpu_should_kick's cmpxchg). */
	struct lb_vcpu *v0 = &f.vm->vcpus[0];
	its_vcpu_attach(v0);
	atomic_store(&v0->mode, VCPU_IN_GUEST);
	snap_take(&s);
	CHECK(inject(&f, 0) == ITS_INJ_COALESCED);
	CHECK(its_tls.ipis - s.its.ipis == 1);
	CHECK(atomic_load(&v0->mode) == VCPU_EXITING_GUEST);
	CHECK(atomic_load(&v0->requests) & VCPU_REQ_IRQ_PENDING);
	CHECK(inject(&f, 1) == ITS_INJ_QUEUED);
	CHECK(its_tls.kicks - s.its.kicks == 2);
	CHECK(its_tls.ipis - s.its.ipis == 1); /* already EXITING: no second IPI */
	atomic_store(&v0->mode, VCPU_OUTSIDE_GUEST);
	fx_fini(&f);
}

/* One vCPU exit with k occupied list registers (kvm_vgic_sync_hwstate).
 * vgic_v3_fold_lr_state, per LR: vgic_get_irq (v6.8 vgic_get_lpi:
 * lpi_list_lock + list walk; v6.10: RCU xa_load + try-get, no lock),
 * irq_lock, vgic_put_irq (v6.8: lpi_list_lock; v6.10: kref_put, not the
 * last reference: no lock). vgic_prune_ap_list: ap_list_lock once,
 * irq_lock per irq on the list; an irq acked by the guest leaves the list
 * and its reference goes with vgic_put_irq (v6.8: lpi_list_lock again).
 * So per LR: v6.8 2 lpi_list_lock (3 when acked), v6.10 none. */
static void test_exit(const struct era *e, unsigned k, bool acked)
{
	struct fx f;
	if (!fx_init(&f, e, 1, k, !acked))
		return fx_fini(&f);
	struct lb_vcpu *v = &f.vm->vcpus[0];
	f.vm->nr_lrs = k;
	for (unsigned ev = 0; ev < k; ev++)
		CHECK(inject(&f, ev) == ITS_INJ_QUEUED);
	struct snap s;
	/* kvm_vgic_flush_hwstate: ap_list_lock; compute_ap_list_depth (irq_lock
	 * per irq); k irqs fit k LRs: no vgic_sort_ap_list; populate (irq_lock
	 * per irq). */
	snap_take(&s);
	its_vcpu_flush(f.vm, v);
	CHECK(v->used_lrs == k);
	CHECK(since(&s, LB_LC_AP_LIST) == 1);
	CHECK(since(&s, LB_LC_IRQ) == 2 * k);
	CHECK(since(&s, LB_LC_LPI_LIST) == 0 && v->sorts == 0);
	if (acked)
		CHECK(its_vcpu_guest_ack(v) == k);
	snap_take(&s);
	its_vcpu_sync(f.vm, v);
	uint64_t per_lr = e->a ? (acked ? 3 : 2) : 0;
	CHECKF(since(&s, LB_LC_LPI_LIST) == per_lr * k, "%s k=%u acked=%d: lpi_list_lock %lu",
	       e->name, k, acked, (unsigned long)since(&s, LB_LC_LPI_LIST));
	CHECK(since(&s, LB_LC_XA) == 0);
	CHECK(since(&s, LB_LC_IRQ) == 2 * k);
	CHECK(since(&s, LB_LC_AP_LIST) == 1);
	/* Acked: the list is empty; not acked: all still pending, on the list. */
	CHECK(atomic_load(&v->nr_queued) == (acked ? 0u : k));
	fx_fini(&f);
}

/* More irqs than LRs: vgic_sort_ap_list runs, each comparison
 * (vgic_irq_cmp) taking two irq_locks. */
static void test_sort(const struct era *e)
{
	struct fx f;
	if (!fx_init(&f, e, 1, 8, true))
		return fx_fini(&f);
	struct lb_vcpu *v = &f.vm->vcpus[0];
	for (unsigned ev = 0; ev < 8; ev++)
		inject(&f, ev);
	struct snap s;
	snap_take(&s);
	its_vcpu_flush(f.vm, v);
	CHECK(v->sorts == 1);
	CHECK(v->used_lrs == ITS_DEFAULT_LRS);
	/* depth 8 + sort comparisons x2 (even) + populate stops at 4 */
	uint64_t irq = since(&s, LB_LC_IRQ);
	CHECKF(irq > 8 + 4 && (irq - 8 - 4) % 2 == 0, "sort irq_lock %lu", (unsigned long)irq);
	fx_fini(&f);
}

/* --selftest=2024: every collection on vCPU 0, the guest acks nothing:
 * after the first injection each LPI stays pending and later injections
 * coalesce, vCPU 0 still kicked each time. fixed: round-robin targets and
 * every delivered LPI acked. */
static void test_selftest(const struct era *e, bool y2024)
{
	const unsigned vcpus = 4, events = 8;
	struct fx f;
	if (!fx_init(&f, e, vcpus, events, y2024))
		return fx_fini(&f);
	for (unsigned ev = 0; ev < events; ev++) {
		struct lb_irq *irq = store_get(f.store, LB_INTID_BASE + ev);
		CHECK(irq && irq->target_vcpu == &f.vm->vcpus[y2024 ? 0 : ev % vcpus]);
		if (irq)
			store_put(f.store, irq);
	}
	uint64_t kicks0 = its_tls.kicks, coalesced = 0;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned ev = 0; ev < events; ev++)
			coalesced += inject(&f, ev) == ITS_INJ_COALESCED;
		for (unsigned v = 0; v < vcpus; v++) { /* one guest entry and exit each */
			struct lb_vcpu *c = &f.vm->vcpus[v];
			its_vcpu_flush(f.vm, c);
			if (f.vm->guest_acks)
				its_vcpu_guest_ack(c);
			its_vcpu_sync(f.vm, c);
		}
	}
	CHECK(its_tls.kicks - kicks0 == 3 * events);
	uint64_t acks = 0, delivered = 0;
	for (unsigned v = 0; v < vcpus; v++) {
		acks += f.vm->vcpus[v].acks;
		delivered += f.vm->vcpus[v].delivered;
		if (y2024 && v)
			CHECK(f.vm->vcpus[v].delivered == 0);
	}
	if (y2024) {
		CHECK(acks == 0);
		CHECK(coalesced == 2 * events); /* every injection after the first */
		CHECK(atomic_load(&f.vm->vcpus[0].nr_queued) == events);
	} else {
		CHECK(coalesced == 0);
		CHECK(acks == delivered && delivered == 3 * events);
	}
	fx_fini(&f);
}

/* MOVALL 0 -> 1 on three vCPUs (events round-robin): the fixed command
 * (v6.8, and v6.10 as in stable kernels) moves only vCPU 0's LPIs; the
 * released v6.10 variant moves vCPU 2's as well. */
static void test_movall(const struct era *e, bool bug)
{
	struct fx f;
	if (!fx_init(&f, e, 3, 6, false))
		return fx_fini(&f);
	f.vm->movall_all = bug;
	CHECK(its_cmd_movall(&f.vm->its[0], 0, 1) == 0);
	for (unsigned ev = 0; ev < 6; ev++) {
		struct lb_irq *irq = store_get(f.store, LB_INTID_BASE + ev);
		unsigned was = ev % 3, want = was == 0 ? 1 : (bug ? 1 : was);
		CHECKF(irq && irq->target_vcpu == &f.vm->vcpus[want], "%s movall bug=%d ev %u",
		       e->name, bug, ev);
		if (irq)
			store_put(f.store, irq);
	}
	fx_fini(&f);
}

/* Mutual exclusion of the queued (MCS) kind under concurrency: plain
 * increments under the lock, nested with a second lock. */
static struct lb_lock qa, qb;
static uint64_t qa_count, qb_count;
static void *lock_worker(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < n; i++) {
		lb_lock(&qa);
		qa_count++;
		if (i % 3 == 0) {
			lb_lock(&qb);
			qb_count++;
			lb_unlock(&qb);
		}
		lb_unlock(&qa);
		if (i % 5 == 0 && lb_trylock(&qb)) {
			qb_count++;
			lb_unlock(&qb);
		}
	}
	return NULL;
}

static void test_queued_lock(void)
{
	lb_lock_init_kind(&qa, LB_LOCK_QUEUED);
	lb_lock_init_kind(&qb, LB_LOCK_QUEUED);
	enum { T = 3 };
	unsigned n = (unsigned)(20000 * check_scale());
	pthread_t t[T];
	for (int i = 0; i < T; i++)
		pthread_create(&t[i], NULL, lock_worker, (void *)(uintptr_t)n);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	CHECK(qa_count == (uint64_t)T * n);
	CHECK(!lb_lock_is_locked(&qa) && !lb_lock_is_locked(&qb));
	CHECK(qb_count >= (uint64_t)T * ((n + 2) / 3));
}

int main(void)
{
	uint64_t live_irqs = lb_mem_live_objects(LB_MEM_IRQ);
	lb_rcu_register_thread();
	lb_lock_default_kind = LB_LOCK_QUEUED; /* the kernel's kind */
	for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		const struct era *e = &eras[i];
		test_injection(e);
		for (unsigned k = 1; k <= 4; k++) {
			test_exit(e, k, false);
			test_exit(e, k, true);
		}
		test_sort(e);
		test_selftest(e, true);
		test_selftest(e, false);
		test_movall(e, false);
		test_movall(e, true);
	}
	test_queued_lock();
	lb_rcu_barrier();
	CHECK(lb_mem_live_objects(LB_MEM_IRQ) == live_irqs); /* every LPI freed */
	lb_rcu_unregister_thread();
	return check_exit("test_its_counts");
}
