/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ITS commands, with the translation-cache invalidations KVM performs.
 *
 * Each command is processed as KVM processes a command-queue entry: the
 * ITS's cmd_lock, then its its_lock, around the handler. Invalidation is
 * always of the whole cache scope (its->cache: the ITS's own in era B, the
 * VM's in era A), and happens on:
 *   DISCARD             before the ITE is freed
 *   MOVI                after the ITE's collection changed, before the irq
 *                       is retargeted
 *   MAPD unmap / remap  after the device's ITEs are freed
 *   MAPC unmap          after the collection is freed
 *   MOVALL              after the irqs are retargeted (era B scopes it to
 *                       the issuing ITS, as KVM v6.10 does)
 *   GITS_CTLR disable   (its_set_enabled)
 * and never on MAPD map of a new device, MAPC map, MAPTI, INV or INVALL.
 *
 * GITS_CTLR writes are modelled with both locks held, i.e. the variant
 * fixed in 2026: KVM v6.10 held only cmd_lock there, so two invalidations
 * of the same ITS could run at once (race d in docs/design.md).
 *
 * Error handling: a command that fails returns a negative errno and leaves
 * the tables as they were, except MAPD of a mapped device, which (as in
 * KVM) has already dropped the old device when the new one cannot be
 * allocated.
 */
#include <errno.h>

#include "../core/alloc.h"
#include "its_impl.h"

static const char *const its_cmd_names[ITS_CMD_NR] = {
    [ITS_CMD_MAPD] = "MAPD",	   [ITS_CMD_MAPC] = "MAPC",	[ITS_CMD_MAPTI] = "MAPTI",
    [ITS_CMD_DISCARD] = "DISCARD", [ITS_CMD_MOVI] = "MOVI",	[ITS_CMD_MOVALL] = "MOVALL",
    [ITS_CMD_INV] = "INV",	   [ITS_CMD_INVALL] = "INVALL", [ITS_CMD_CTLR] = "CTLR",
};

const char *its_cmd_name(enum its_cmd_type t)
{
	return t < ITS_CMD_NR ? its_cmd_names[t] : "?";
}

static void its_cmd_begin(struct its *its)
{
	its_mutex_lock(&its->cmd_lock, LB_LC_CMD);
	its_mutex_lock(&its->its_lock, LB_LC_ITS);
}

static int its_cmd_end(struct its *its, enum its_cmd_type t, int rc)
{
	its->cmds[t]++;
	if (rc)
		its->cmd_errors++;
	pthread_mutex_unlock(&its->its_lock);
	pthread_mutex_unlock(&its->cmd_lock);
	return rc;
}

static struct lb_vcpu *its_vcpu(struct its *its, unsigned id)
{
	return id < its->vm->nr_vcpus ? &its->vm->vcpus[id] : NULL;
}

/* ---- MAPD ---- */
static int its_mapd_locked(struct its *its, uint32_t devid, unsigned nr_event_bits, bool valid)
{
	if (devid > ITS_MAX_DEVID ||
	    (valid && (!nr_event_bits || nr_event_bits > ITS_MAX_EVENT_BITS)))
		return -EINVAL;
	/* Remapping a mapped device drops its ITT, as unmapping does. */
	struct its_device *dev = its_find_device(its, devid);
	if (dev)
		its_free_device(its, dev, true);
	if (!valid)
		return 0;
	dev = lb_zalloc(LB_MEM_ITS, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->devid = devid;
	dev->nr_event_bits = nr_event_bits;
	lb_list_init(&dev->itt);
	lb_list_add_tail(&dev->link, &its->devices);
	return 0;
}

int its_cmd_mapd(struct its *its, uint32_t devid, unsigned nr_event_bits, bool valid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_MAPD, its_mapd_locked(its, devid, nr_event_bits, valid));
}

/* ---- MAPC ---- */
static void its_free_collection(struct its *its, struct its_collection *coll)
{
	struct lb_list *dpos, *ipos;
	lb_list_for_each(dpos, &its->devices) {
		struct its_device *dev = lb_list_entry(dpos, struct its_device, link);
		lb_list_for_each(ipos, &dev->itt) {
			struct its_ite *ite = lb_list_entry(ipos, struct its_ite, link);
			if (ite->collection == coll)
				ite->collection = NULL;
		}
	}
	lb_list_del_init(&coll->link);
	lb_free(LB_MEM_ITS, coll, sizeof(*coll));
}

/* Retarget every irq whose ITE routes through coll (KVM's
 * update_affinity_collection). */
static void its_update_affinity_collection(struct its *its, struct its_collection *coll)
{
	struct lb_list *dpos, *ipos;
	lb_list_for_each(dpos, &its->devices) {
		struct its_device *dev = lb_list_entry(dpos, struct its_device, link);
		lb_list_for_each(ipos, &dev->itt) {
			struct its_ite *ite = lb_list_entry(ipos, struct its_ite, link);
			if (ite->collection == coll && ite->irq)
				its_update_affinity(ite->irq, coll->target);
		}
	}
}

static int its_mapc_locked(struct its *its, uint32_t icid, unsigned vcpu_id, bool valid)
{
	struct lb_vcpu *vcpu = its_vcpu(its, vcpu_id);
	if (icid > ITS_MAX_ICID || (valid && !vcpu))
		return -EINVAL;
	struct its_collection *coll = its_find_collection(its, icid);
	if (!valid) {
		if (coll)
			its_free_collection(its, coll);
		its_invalidate_cache(its);
		return 0;
	}
	if (coll) {
		coll->target = vcpu;
		its_update_affinity_collection(its, coll);
		return 0;
	}
	coll = lb_zalloc(LB_MEM_ITS, sizeof(*coll));
	if (!coll)
		return -ENOMEM;
	coll->icid = icid;
	coll->target = vcpu;
	lb_list_add_tail(&coll->link, &its->collections);
	return 0;
}

int its_cmd_mapc(struct its *its, uint32_t icid, unsigned vcpu, bool valid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_MAPC, its_mapc_locked(its, icid, vcpu, valid));
}

/* ---- MAPTI ---- */
static int its_mapti_locked(struct its *its, uint32_t devid, uint32_t eventid, uint32_t intid,
			    uint32_t icid)
{
	struct its_vm *vm = its->vm;
	struct its_device *dev = its_find_device(its, devid);
	if (!dev)
		return -ENODEV;
	if (eventid >= (1u << dev->nr_event_bits) || !store_intid_valid(intid) ||
	    icid > ITS_MAX_ICID)
		return -EINVAL;
	if (its_find_ite_in(dev, eventid))
		return 0; /* already mapped: KVM ignores the command */

	struct its_collection *coll = its_find_collection(its, icid), *new_coll = NULL;
	if (!coll) {
		/* MAPTI into an unmapped collection creates it, unmapped. */
		new_coll = lb_zalloc(LB_MEM_ITS, sizeof(*new_coll));
		if (!new_coll)
			return -ENOMEM;
		new_coll->icid = icid;
		coll = new_coll;
	}
	struct its_ite *ite = lb_zalloc(LB_MEM_ITS, sizeof(*ite));
	if (!ite) {
		lb_free(LB_MEM_ITS, new_coll, sizeof(*new_coll));
		return -ENOMEM;
	}
	struct lb_irq *irq;
	int rc = vm->store->ops->add(vm->store, intid, &irq);
	if (rc) {
		lb_free(LB_MEM_ITS, ite, sizeof(*ite));
		lb_free(LB_MEM_ITS, new_coll, sizeof(*new_coll));
		return rc;
	}
	if (new_coll)
		lb_list_add_tail(&new_coll->link, &its->collections);

	/* A fresh irq takes its target from the collection and its
	 * configuration from the guest's table (KVM's vgic_add_lpi); one
	 * reused from another mapping keeps its own. A fresh irq is the one
	 * with no target yet. */
	lb_lock(&irq->irq_lock);
	if (!irq->target_vcpu) {
		uint8_t cfg = its_lpi_config(vm, intid);
		irq->target_vcpu = coll->target;
		irq->priority = (uint8_t)(cfg & ITS_PROP_PRIO_MASK);
		irq->enabled = cfg & ITS_PROP_ENABLE;
	}
	lb_unlock(&irq->irq_lock);

	ite->eventid = eventid;
	ite->collection = coll;
	ite->irq = irq; /* the reference add() took */
	lb_list_add_tail(&ite->link, &dev->itt);
	return 0;
}

int its_cmd_mapti(struct its *its, uint32_t devid, uint32_t eventid, uint32_t intid, uint32_t icid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_MAPTI, its_mapti_locked(its, devid, eventid, intid, icid));
}

/* ---- DISCARD ---- */
static int its_discard_locked(struct its *its, uint32_t devid, uint32_t eventid)
{
	struct its_ite *ite = its_find_ite(its, devid, eventid);
	if (!ite)
		return -ENOENT;
	if (!its_collection_mapped(ite->collection))
		return -ENXIO;
	/* The pending state goes with the ITE: KVM does not clear it. */
	its_invalidate_cache(its);
	its_free_ite(its, ite);
	return 0;
}

int its_cmd_discard(struct its *its, uint32_t devid, uint32_t eventid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_DISCARD, its_discard_locked(its, devid, eventid));
}

/* ---- MOVI ---- */
static int its_movi_locked(struct its *its, uint32_t devid, uint32_t eventid, uint32_t icid)
{
	struct its_ite *ite = its_find_ite(its, devid, eventid);
	if (!ite)
		return -ENOENT;
	if (!its_collection_mapped(ite->collection))
		return -ENXIO;
	struct its_collection *coll = its_find_collection(its, icid);
	if (!its_collection_mapped(coll))
		return -ENXIO;
	ite->collection = coll;
	its_invalidate_cache(its);
	its_update_affinity(ite->irq, coll->target);
	return 0;
}

int its_cmd_movi(struct its *its, uint32_t devid, uint32_t eventid, uint32_t icid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_MOVI, its_movi_locked(its, devid, eventid, icid));
}

/* ---- MOVALL ---- */
/*
 * MOVALL per era (vgic_its_cmd_handle_movall):
 *  v6.8   vgic_copy_lpi_list copies the INTIDs targeting the source vCPU
 *         under lpi_list_lock, each is retargeted (get, update_affinity,
 *         put), then vgic_its_invalidate_cache empties the VM's cache.
 *  v6.10  walks every LPI of the xarray (get, update_affinity, put) and
 *         invalidates this ITS's cache only. As released it retargeted
 *         every LPI, whatever its vCPU (vm->movall_all: its-churn
 *         --movall=v6.10-bug); stable kernels (Debian's 6.12) move only
 *         those on the source vCPU, which is the default here.
 * The store's iterator stands for both walks (the list backend copies
 * INTIDs under its lock, the xarray walks with try-get); the scope of the
 * invalidation is the cache design's (VM-wide for lru, per ITS for xa).
 */
struct its_movall_arg {
	struct lb_vcpu *from, *to;
	bool all;
};

static int its_movall_one(struct lb_irq *irq, void *arg)
{
	struct its_movall_arg *a = arg;
	lb_lock(&irq->irq_lock);
	if (irq->target_vcpu == a->from || a->all)
		irq->target_vcpu = a->to;
	lb_unlock(&irq->irq_lock);
	return 0;
}

static int its_movall_locked(struct its *its, unsigned from_id, unsigned to_id)
{
	struct its_movall_arg a = {its_vcpu(its, from_id), its_vcpu(its, to_id),
				   its->vm->movall_all};
	if (!a.from || !a.to)
		return -EINVAL;
	if (a.from == a.to)
		return 0;
	/* Every LPI of the VM targeting `from`, whichever ITS maps it: the
	 * store's iterator (a copy of the INTIDs under the list lock in era
	 * A, an xarray walk with try-get in era B). */
	struct store *s = its->vm->store;
	s->ops->for_each(s, LB_INTID_BASE, LB_INTID_LIMIT - 1, its_movall_one, &a);
	its_invalidate_cache(its);
	return 0;
}

int its_cmd_movall(struct its *its, unsigned from_vcpu, unsigned to_vcpu)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_MOVALL, its_movall_locked(its, from_vcpu, to_vcpu));
}

/* ---- INV / INVALL ---- */
static int its_inv_locked(struct its *its, uint32_t devid, uint32_t eventid)
{
	struct its_ite *ite = its_find_ite(its, devid, eventid);
	if (!ite)
		return -ENOENT;
	its_apply_lpi_config(its->vm, ite->irq, NULL);
	return 0;
}

int its_cmd_inv(struct its *its, uint32_t devid, uint32_t eventid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_INV, its_inv_locked(its, devid, eventid));
}

struct its_invall_arg {
	struct its_vm *vm;
	struct lb_vcpu *vcpu;
};

static int its_invall_one(struct lb_irq *irq, void *arg)
{
	struct its_invall_arg *a = arg;
	its_apply_lpi_config(a->vm, irq, a->vcpu);
	return 0;
}

static int its_invall_locked(struct its *its, uint32_t icid)
{
	struct its_collection *coll = its_find_collection(its, icid);
	if (!its_collection_mapped(coll))
		return -ENXIO;
	/* Every LPI targeting the collection's vCPU re-reads its
	 * configuration (KVM's vgic_its_invall); no cache invalidation. */
	struct its_invall_arg a = {its->vm, coll->target};
	struct store *s = its->vm->store;
	s->ops->for_each(s, LB_INTID_BASE, LB_INTID_LIMIT - 1, its_invall_one, &a);
	return 0;
}

int its_cmd_invall(struct its *its, uint32_t icid)
{
	its_cmd_begin(its);
	return its_cmd_end(its, ITS_CMD_INVALL, its_invall_locked(its, icid));
}

/* ---- GITS_CTLR ---- */
int its_set_enabled(struct its *its, bool enabled)
{
	its_cmd_begin(its);
	its->enabled = enabled;
	if (!enabled)
		its_invalidate_cache(its);
	return its_cmd_end(its, ITS_CMD_CTLR, 0);
}
