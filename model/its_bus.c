/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM's MMIO bus and the doorbell -> ITS lookup.
 *
 * An MSI names its ITS by the doorbell address (GITS_TRANSLATER). KVM finds
 * the ITS by searching the VM's MMIO bus: __vgic_doorbell_to_its enters an
 * SRCU read section on kvm->srcu and calls kvm_io_bus_get_dev, which
 * binary-searches the bus's sorted range array (kvm_io_bus_get_first_dev:
 * bsearch with a comparison callback, then a walk back to the first
 * matching range). The bus holds every MMIO device KVM registered for the
 * VM's GIC: the distributor, one redistributor frame per vCPU
 * (vgic_register_redist_iodev) and each ITS, so the search grows with the
 * vCPU count. v6.10 does this on every injection (vgic_its_check_cache);
 * v6.8 only on a cache miss (vgic_msi_to_its), its cache key holding the
 * doorbell itself.
 *
 * The SRCU read side modelled: __srcu_read_lock increments this CPU's lock
 * counter for the current index, then a full barrier; __srcu_read_unlock a
 * full barrier, then the unlock counter. Here the "CPU" is the thread: a
 * thread-local counter bumped with a sequentially consistent
 * read-modify-write (a full barrier on x86 and arm64, and visible to TSan,
 * which does not model fences). Nothing updates the bus during a run, so
 * no synchronize_srcu is modelled.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "../core/alloc.h"
#include "its_impl.h"

_Thread_local struct its_thread_stats its_tls;

uint64_t its_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Guest-physical layout of a GICv3 VM (distributor, ITS frames, then one
 * 128 KiB redistributor per vCPU); only the order and count matter. */
#define BUS_GICD_BASE  0x08000000ull
#define BUS_GICD_LEN   0x10000ull
#define BUS_ITS_LEN    0x20000ull
#define BUS_GICR_BASE  0x10000000ull
#define BUS_GICR_FRAME 0x20000ull

static struct {
	atomic_ulong srcu_idx; /* which counter pair readers use */
} bus_srcu;
static _Thread_local atomic_ulong srcu_lock_count[2], srcu_unlock_count[2];

static unsigned srcu_read_lock_model(void)
{
	unsigned idx =
	    (unsigned)(atomic_load_explicit(&bus_srcu.srcu_idx, memory_order_relaxed) & 1);
	atomic_fetch_add_explicit(&srcu_lock_count[idx], 1, memory_order_seq_cst);
	return idx;
}

static void srcu_read_unlock_model(unsigned idx)
{
	atomic_fetch_add_explicit(&srcu_unlock_count[idx], 1, memory_order_seq_cst);
}

/* kvm_io_bus_cmp: ranges ordered by address; a key inside a range matches. */
static int bus_cmp(const void *k, const void *d)
{
	const struct its_bus_dev *key = k, *dev = d;
	if (key->addr < dev->addr)
		return -1;
	if (key->addr + key->len > dev->addr + dev->len)
		return 1;
	return 0;
}

static int bus_sort_cmp(const void *a, const void *b)
{
	const struct its_bus_dev *x = a, *y = b;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

int its_bus_build(struct its_vm *vm)
{
	unsigned n = 1 + vm->nr_vcpus + vm->nr_its;
	struct its_bus_dev *d = lb_zalloc(LB_MEM_ITS, (size_t)n * sizeof(*d));
	if (!d)
		return -ENOMEM;
	unsigned k = 0;
	d[k++] = (struct its_bus_dev){BUS_GICD_BASE, BUS_GICD_LEN, NULL};
	for (unsigned i = 0; i < vm->nr_its; i++)
		d[k++] = (struct its_bus_dev){vm->its[i].doorbell & ~(BUS_ITS_LEN - 1), BUS_ITS_LEN,
					      &vm->its[i]};
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		d[k++] =
		    (struct its_bus_dev){BUS_GICR_BASE + i * BUS_GICR_FRAME, BUS_GICR_FRAME, NULL};
	qsort(d, n, sizeof(*d), bus_sort_cmp); /* kvm_io_bus_register_dev keeps it sorted */
	vm->bus.nr = n;
	vm->bus.devs = d;
	return 0;
}

void its_bus_free(struct its_vm *vm)
{
	lb_free(LB_MEM_ITS, vm->bus.devs, (size_t)vm->bus.nr * sizeof(*vm->bus.devs));
	vm->bus.devs = NULL;
	vm->bus.nr = 0;
}

struct its *its_doorbell_to_its(struct its_vm *vm, uint64_t doorbell)
{
	its_tls.doorbell_lookups++;
	unsigned idx = srcu_read_lock_model();
	const struct its_bus_dev *devs = lb_rcu_dereference(vm->bus.devs);
	struct its_bus_dev key = {doorbell, 4, NULL};
	const struct its_bus_dev *hit = bsearch(&key, devs, vm->bus.nr, sizeof(*devs), bus_cmp);
	if (hit)
		while (hit > devs && bus_cmp(&key, hit - 1) == 0)
			hit--;
	struct its *its = hit ? hit->its : NULL;
	srcu_read_unlock_model(idx);
	return its;
}
