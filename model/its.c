/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ITS model's life cycle and its tables (see its.h for the model and
 * the lock order).
 *
 * Tables are intrusive lists walked under its_lock, as KVM's are: a miss
 * on the translation cache costs a device-list walk plus an ITT walk with
 * the ITS mutex held, which is what makes the cache matter.
 */
#include <errno.h>
#include <string.h>

#include "../core/alloc.h"
#include "its_impl.h"

#define ITS_MAX_VCPUS 4096u
#define ITS_MAX_ITS   64u

/* ---- tables ---- */

struct its_device *its_find_device(struct its *its, uint32_t devid)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &its->devices) {
		struct its_device *dev = lb_list_entry(pos, struct its_device, link);
		if (dev->devid == devid)
			return dev;
	}
	return NULL;
}

struct its_ite *its_find_ite_in(struct its_device *dev, uint32_t eventid)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &dev->itt) {
		struct its_ite *ite = lb_list_entry(pos, struct its_ite, link);
		if (ite->eventid == eventid)
			return ite;
	}
	return NULL;
}

struct its_ite *its_find_ite(struct its *its, uint32_t devid, uint32_t eventid)
{
	struct its_device *dev = its_find_device(its, devid);
	return dev ? its_find_ite_in(dev, eventid) : NULL;
}

struct its_collection *its_find_collection(struct its *its, uint32_t icid)
{
	struct lb_list *pos;
	lb_list_for_each(pos, &its->collections) {
		struct its_collection *c = lb_list_entry(pos, struct its_collection, link);
		if (c->icid == icid)
			return c;
	}
	return NULL;
}

void its_free_ite(struct its *its, struct its_ite *ite)
{
	lb_list_del_init(&ite->link);
	if (ite->irq)
		store_put(its->vm->store, ite->irq);
	lb_free(LB_MEM_ITS, ite, sizeof(*ite));
}

void its_free_device(struct its *its, struct its_device *dev, bool invalidate)
{
	struct lb_list *pos, *tmp;
	lb_list_for_each_safe(pos, tmp, &dev->itt) {
		its_free_ite(its, lb_list_entry(pos, struct its_ite, link));
	}
	/* KVM frees the ITEs first, then invalidates: the cache's own
	 * references keep the irqs alive in between. */
	if (invalidate)
		its_invalidate_cache(its);
	lb_list_del_init(&dev->link);
	lb_free(LB_MEM_ITS, dev, sizeof(*dev));
}

static void its_free_tables(struct its *its)
{
	struct lb_list *pos, *tmp;
	lb_list_for_each_safe(pos, tmp, &its->devices) {
		its_free_device(its, lb_list_entry(pos, struct its_device, link), false);
	}
	lb_list_for_each_safe(pos, tmp, &its->collections) {
		struct its_collection *c = lb_list_entry(pos, struct its_collection, link);
		lb_list_del_init(&c->link);
		lb_free(LB_MEM_ITS, c, sizeof(*c));
	}
}

void its_vm_set_lpi_config(struct its_vm *vm, uint32_t intid, uint8_t priority, bool enabled)
{
	if (!store_intid_valid(intid))
		return;
	uint8_t v = (uint8_t)((priority & ITS_PROP_PRIO_MASK) | (enabled ? ITS_PROP_ENABLE : 0));
	__atomic_store_n(&vm->prop[intid - LB_INTID_BASE], v, __ATOMIC_RELAXED);
}

/* ---- life cycle ---- */

/* vCPUs are line-pair aligned; lb_zalloc promises no alignment, so the
 * array is carved out of a slightly larger block. */
static size_t its_vcpus_bytes(unsigned n)
{
	return (size_t)n * sizeof(struct lb_vcpu) + LB_LINE_PAIR;
}

static struct lb_vcpu *its_vcpus_align(void *raw)
{
	uintptr_t p = ((uintptr_t)raw + LB_LINE_PAIR - 1) & ~(uintptr_t)(LB_LINE_PAIR - 1);
	return (struct lb_vcpu *)p;
}

struct its_vm_mem {
	struct its_vm vm;
	void *vcpus_raw;
};

static void its_destroy_caches(struct its_vm *vm)
{
	if (vm->shared_cache) {
		vm->shared_cache->ops->destroy(vm->shared_cache);
		vm->shared_cache = NULL;
	} else {
		for (unsigned i = 0; i < vm->nr_its; i++)
			if (vm->its[i].cache)
				vm->its[i].cache->ops->destroy(vm->its[i].cache);
	}
	for (unsigned i = 0; i < vm->nr_its; i++)
		vm->its[i].cache = NULL;
}

static void its_vm_free(struct its_vm_mem *m, unsigned its_inited, unsigned vcpus_inited)
{
	struct its_vm *vm = &m->vm;
	for (unsigned i = 0; i < its_inited; i++) {
		pthread_mutex_destroy(&vm->its[i].its_lock);
		pthread_mutex_destroy(&vm->its[i].cmd_lock);
	}
	for (unsigned i = 0; i < vcpus_inited; i++) {
		struct lb_vcpu *v = &vm->vcpus[i];
		lb_lock_destroy(&v->ap_list_lock);
		lb_free(LB_MEM_OTHER, v->sort_buf, v->sort_cap * sizeof(*v->sort_buf));
	}
	its_bus_free(vm);
	lb_free(LB_MEM_ITS, vm->its, (size_t)vm->nr_its * sizeof(*vm->its));
	lb_free(LB_MEM_ITS, m->vcpus_raw, its_vcpus_bytes(vm->nr_vcpus));
	lb_free(LB_MEM_ITS, vm->prop, LB_NR_LPI_SPACE);
	lb_free(LB_MEM_ITS, m, sizeof(*m));
}

int its_vm_create(const struct its_vm_cfg *cfg, struct its_vm **out)
{
	*out = NULL;
	if (!cfg->store || !cfg->cache || !cfg->nr_vcpus || cfg->nr_vcpus > ITS_MAX_VCPUS ||
	    !cfg->nr_its || cfg->nr_its > ITS_MAX_ITS || cfg->nr_lrs > ITS_MAX_LRS)
		return -EINVAL;
	struct its_vm_mem *m = lb_zalloc(LB_MEM_ITS, sizeof(*m));
	if (!m)
		return -ENOMEM;
	struct its_vm *vm = &m->vm;
	vm->store = cfg->store;
	vm->cache_ops = cfg->cache;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->nr_its = cfg->nr_its;
	vm->nr_lrs = cfg->nr_lrs ? cfg->nr_lrs : ITS_DEFAULT_LRS;
	vm->guest_acks = !cfg->no_guest_acks;
	vm->movall_all = cfg->movall_all;
	vm->ipi_signal = cfg->ipi_signal;
	vm->world_switch = cfg->world_switch;
	m->vcpus_raw = lb_zalloc(LB_MEM_ITS, its_vcpus_bytes(vm->nr_vcpus));
	vm->its = lb_zalloc(LB_MEM_ITS, (size_t)vm->nr_its * sizeof(*vm->its));
	vm->prop = lb_zalloc(LB_MEM_ITS, LB_NR_LPI_SPACE);
	if (!m->vcpus_raw || !vm->its || !vm->prop) {
		its_vm_free(m, 0, 0);
		return -ENOMEM;
	}
	/* Every LPI enabled at priority 0xa0, as the selftest's guest sets. */
	memset(vm->prop, 0xa0 | ITS_PROP_ENABLE, LB_NR_LPI_SPACE);

	vm->vcpus = its_vcpus_align(m->vcpus_raw);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct lb_vcpu *v = &vm->vcpus[i];
		v->id = i;
		v->ipi_signal = cfg->ipi_signal;
		lb_lock_init(&v->ap_list_lock);
		lb_lock_set_class(&v->ap_list_lock, LB_LC_AP_LIST);
		lb_list_init(&v->ap_list_head);
		atomic_init(&v->nr_queued, 0);
	}
	for (unsigned i = 0; i < vm->nr_its; i++) {
		struct its *its = &vm->its[i];
		its->vm = vm;
		its->index = i;
		its->doorbell = ITS_DOORBELL(i);
		its->enabled = true;
		pthread_mutex_init(&its->cmd_lock, NULL);
		pthread_mutex_init(&its->its_lock, NULL);
		lb_list_init(&its->devices);
		lb_list_init(&its->collections);
	}

	if (its_bus_build(vm))
		goto enomem;
	struct cache_cfg cc = {.store = vm->store, .nr_vcpus = vm->nr_vcpus};
	if (cfg->cache->flags & CACHE_F_PER_ITS) {
		for (unsigned i = 0; i < vm->nr_its; i++) {
			cc.its = &vm->its[i];
			cc.doorbell = vm->its[i].doorbell;
			vm->its[i].cache = cfg->cache->create(&cc);
			if (!vm->its[i].cache)
				goto enomem;
		}
	} else {
		vm->shared_cache = cfg->cache->create(&cc);
		if (!vm->shared_cache)
			goto enomem;
		for (unsigned i = 0; i < vm->nr_its; i++)
			vm->its[i].cache = vm->shared_cache;
	}
	*out = vm;
	return 0;

enomem:
	its_destroy_caches(vm);
	its_vm_free(m, vm->nr_its, vm->nr_vcpus);
	return -ENOMEM;
}

void its_vm_destroy(struct its_vm *vm)
{
	if (!vm)
		return;
	struct its_vm_mem *m = lb_container_of(vm, struct its_vm_mem, vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		its_vcpu_drain(vm, &vm->vcpus[i]);
	its_destroy_caches(vm);
	for (unsigned i = 0; i < vm->nr_its; i++)
		its_free_tables(&vm->its[i]);
	/* Releases the caches deferred (call_rcu) still use the store, which
	 * the caller destroys next: let them finish here. */
	lb_rcu_barrier();
	its_vm_free(m, vm->nr_its, vm->nr_vcpus);
}

void its_vm_list_totals(struct its_vm *vm, uint64_t *queued, uint64_t *drained, uint64_t *bugs)
{
	uint64_t q = 0, d = 0, b = 0;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		/* A migration is one queueing and one removal of no injection. */
		q += vm->vcpus[i].queued - vm->vcpus[i].migrated;
		d += vm->vcpus[i].drained - vm->vcpus[i].migrated;
		b += vm->vcpus[i].bugs;
	}
	*queued = q;
	*drained = d;
	*bugs = b;
}

unsigned its_vm_ite_refs(struct its_vm *vm, uint32_t intid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < vm->nr_its; i++) {
		struct lb_list *dpos, *ipos;
		lb_list_for_each(dpos, &vm->its[i].devices) {
			struct its_device *dev = lb_list_entry(dpos, struct its_device, link);
			lb_list_for_each(ipos, &dev->itt) {
				struct its_ite *ite = lb_list_entry(ipos, struct its_ite, link);
				if (ite->irq && ite->irq->intid == intid)
					n++;
			}
		}
	}
	return n;
}
