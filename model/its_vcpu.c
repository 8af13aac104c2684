/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The vCPU side: KVM arm64's run loop around a guest that spins, as
 * vgic_lpi_stress's guest does (it avoids WFI and loops on cpu_relax).
 *
 * One pass (its_vcpu_run_once), after kvm_arch_vcpu_ioctl_run:
 *  1. check_vcpu_requests: consume KVM_REQ_IRQ_PENDING.
 *  2. kvm_vgic_flush_hwstate: if the ap_list is not empty, under
 *     ap_list_lock: compute_ap_list_depth (irq_lock per irq); when more
 *     irqs than list registers, vgic_sort_ap_list (a stable merge sort whose
 *     comparison, vgic_irq_cmp, takes both irqs' irq_lock); then walk the
 *     list (irq_lock per irq) and vgic_populate_lr the deliverable ones
 *     until the LRs are full. An edge LPI's pending state moves into the LR
 *     (pending_latch cleared).
 *  3. enter: mode = IN_GUEST_MODE with a full barrier (smp_store_mb), then
 *     kvm_vcpu_exit_request: a request made meanwhile aborts the entry.
 *     Then the world switch (kvm_arm_vcpu_enter_exit): an ERET into the
 *     guest and, at its exit, an exception back into the host, with the
 *     guest's and host's registers saved and restored around them. With
 *     --world-switch=syscall (the default) the two exception-level changes
 *     are executed as one real kernel entry and return, getppid(2), while
 *     the vCPU is in guest mode (kicks then find it there, as they find a
 *     vCPU that is entering); the register save and restore, EL2-only,
 *     are not executed.
 *  4. the guest: with acks (--selftest=fixed) it takes every pending LR at
 *     once (IAR, then EOI: the LR becomes invalid); then it spins until an
 *     IPI (a kick that found it IN_GUEST_MODE: the kicker's cmpxchg to
 *     EXITING_GUEST_MODE; see "IPIs" below), a host tick (4 ms: CONFIG_HZ=250 in Debian's arm64 and
 * amd64 kernels; a busy CPU's tick interrupts the guest) or the end of the run.
 *  5. mode = OUTSIDE_GUEST_MODE; kvm_vgic_sync_hwstate: if the ap_list is
 *     not empty, vgic_v3_fold_lr_state: per used LR vgic_get_irq (era A:
 *     lpi_list_lock and a list walk; era B: RCU, xa_load, try-get: the
 *     store's get), irq_lock, an LR still pending makes the irq pending
 *     again, vgic_put_irq (era A: lpi_list_lock again); then
 *     vgic_prune_ap_list under ap_list_lock: irq_lock per irq; an irq no
 *     longer pending leaves the list (the list's reference dropped under
 *     ap_list_lock), one retargeted moves to its new vCPU's list (both
 *     ap_list_locks, lower vCPU id first).
 *
 * Oversubscribed hosts (more threads than CPUs): a spinning guest would
 * burn the CPU the injectors need until the scheduler's tick; with `yield`
 * the guest loop gives the CPU away on every spin instead. Recorded in the
 * results (guest_spin); it changes who runs, not the work per exit.
 *
 * IPIs: the kernel's injector is already in the kernel when it kicks, and
 * smp_send_reschedule is a barrier and a write to the GIC's SGI register;
 * the target CPU, spinning in the guest, takes the interrupt and exits. By
 * default (--ipi=poll) the kicker's cmpxchg of the vCPU's mode word is the
 * IPI and the spinning guest polls that word as a CPU polls its pending
 * interrupts: the sender pays the write of a line the target reads, the
 * target sees it one line transfer later. --ipi=signal sends a real
 * SIGUSR2 instead: the sender then pays a tgkill(2) syscall per IPI (about
 * a microsecond on a VM, more than the whole kernel-side injection) and
 * the target a signal delivery, costs the kernel never has. Under TSan
 * signals are delivered only at points the runtime chooses, so the guest
 * there always polls its mode word as well.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/alloc.h"
#include "its_impl.h"

#define ITS_IPI_SIGNAL SIGUSR2
#define ITS_TICK_NS    4000000ull /* HZ=250 */

static _Thread_local volatile sig_atomic_t its_ipi_seen;

static void its_ipi_handler(int sig)
{
	(void)sig;
	its_ipi_seen = 1;
}

static pthread_once_t its_ipi_once = PTHREAD_ONCE_INIT;

static void its_ipi_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = its_ipi_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(ITS_IPI_SIGNAL, &sa, NULL);
}

void its_vcpu_attach(struct lb_vcpu *vcpu)
{
	pthread_once(&its_ipi_once, its_ipi_install);
	vcpu->thread = pthread_self();
	atomic_store_explicit(&vcpu->has_thread, true, memory_order_release);
}

void its_vcpu_detach(struct lb_vcpu *vcpu)
{
	atomic_store(&vcpu->has_thread, false);
	while (atomic_load(&vcpu->ipis_in_flight))
		lb_cpu_relax();
}

void its_vcpu_kick(struct lb_vcpu *vcpu)
{
	uint64_t t0 = its_tls.sample ? its_clock_ns() : 0;
	its_tls.kicks++;
	/* kvm_make_request: the request bit, after the state it announces. */
	atomic_fetch_or_explicit(&vcpu->requests, VCPU_REQ_IRQ_PENDING, memory_order_release);
	/* kvm_vcpu_kick -> kvm_arch_vcpu_should_kick -> kvm_vcpu_exiting_guest_mode:
	 * only a vCPU in guest mode is sent an IPI (smp_send_reschedule). */
	int mode = VCPU_IN_GUEST;
	if (atomic_compare_exchange_strong_explicit(&vcpu->mode, &mode, VCPU_EXITING_GUEST,
						    memory_order_acq_rel, memory_order_relaxed)) {
		its_tls.ipis++;
		if (vcpu->ipi_signal) {
			atomic_fetch_add(&vcpu->ipis_in_flight, 1);
			if (atomic_load(&vcpu->has_thread))
				pthread_kill(vcpu->thread, ITS_IPI_SIGNAL);
			atomic_fetch_sub(&vcpu->ipis_in_flight, 1);
		}
	}
	if (its_tls.sample) {
		uint64_t d = its_clock_ns() - t0;
		its_tls.stage_ns[ITS_ST_KICK] += d;
		its_tls.last_ns[ITS_ST_KICK] = (uint32_t)d;
	}
}

static uint64_t its_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* vgic_target_oracle for a software edge LPI. Context: irq_lock held. */
static inline struct lb_vcpu *vcpu_oracle(const struct lb_irq *irq)
{
	return irq->pending_latch && irq->enabled ? irq->target_vcpu : NULL;
}

/* vgic_irq_cmp: active first, then pending+enabled, then by priority.
 * Takes both irq locks, as the kernel does (the second nested). */
static int vcpu_irq_cmp(struct lb_irq *a, struct lb_irq *b)
{
	if (a == b)
		return 0;
	lb_lock(&a->irq_lock);
	lb_lock(&b->irq_lock);
	int ret;
	if (a->active || b->active) {
		ret = (int)b->active - (int)a->active;
	} else {
		bool pa = a->enabled && a->pending_latch, pb = b->enabled && b->pending_latch;
		ret = (!pa || !pb) ? (int)pb - (int)pa : (int)a->priority - (int)b->priority;
	}
	lb_unlock(&b->irq_lock);
	lb_unlock(&a->irq_lock);
	return ret;
}

/* Stable bottom-up merge sort of v[0..n) using tmp, like list_sort. */
static void vcpu_merge_sort(struct lb_irq **v, struct lb_irq **tmp, size_t n)
{
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = vcpu_irq_cmp(v[j], v[i]) < 0 ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
}

/* vgic_sort_ap_list. Context: ap_list_lock held. */
static void vcpu_sort_ap_list(struct lb_vcpu *vcpu, size_t n)
{
	if (vcpu->sort_cap < 2 * n) {
		size_t cap = 2 * n + 64;
		struct lb_irq **b = lb_zalloc(LB_MEM_OTHER, cap * sizeof(*b));
		if (!b)
			return; /* unsorted: delivery order only */
		lb_free(LB_MEM_OTHER, vcpu->sort_buf, vcpu->sort_cap * sizeof(*b));
		vcpu->sort_buf = b;
		vcpu->sort_cap = cap;
	}
	struct lb_irq **v = vcpu->sort_buf, **tmp = v + n;
	size_t k = 0;
	struct lb_list *pos;
	lb_list_for_each(pos, &vcpu->ap_list_head)
		v[k++] = lb_list_entry(pos, struct lb_irq, ap_list);
	vcpu_merge_sort(v, tmp, k);
	lb_list_init(&vcpu->ap_list_head);
	for (size_t i = 0; i < k; i++)
		lb_list_add_tail(&v[i]->ap_list, &vcpu->ap_list_head);
	vcpu->sorts++;
}

void its_vcpu_flush(struct its_vm *vm, struct lb_vcpu *vcpu)
{
	vcpu->used_lrs = 0;
	if (its_vcpu_idle(vcpu)) /* list_empty() without the lock, as KVM */
		return;
	lb_lock(&vcpu->ap_list_lock);
	size_t depth = 0;
	struct lb_list *pos;
	lb_list_for_each(pos, &vcpu->ap_list_head) {
		struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, ap_list);
		lb_lock(&irq->irq_lock); /* compute_ap_list_depth */
		depth++;
		lb_unlock(&irq->irq_lock);
	}
	if (depth > vm->nr_lrs)
		vcpu_sort_ap_list(vcpu, depth);
	unsigned count = 0;
	lb_list_for_each(pos, &vcpu->ap_list_head) {
		struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, ap_list);
		lb_lock(&irq->irq_lock);
		if (lb_likely(vcpu_oracle(irq) == vcpu)) {
			vcpu->lr[count].intid = irq->intid;
			vcpu->lr[count].state = LR_PENDING;
			irq->pending_latch = false; /* edge: the LR holds it now */
			count++;
			vcpu->delivered++;
		}
		lb_unlock(&irq->irq_lock);
		if (count == vm->nr_lrs)
			break;
	}
	vcpu->used_lrs = count;
	lb_unlock(&vcpu->ap_list_lock);
}

unsigned its_vcpu_guest_ack(struct lb_vcpu *vcpu)
{
	unsigned n = 0;
	for (unsigned i = 0; i < vcpu->used_lrs; i++) {
		if (vcpu->lr[i].state == LR_PENDING) {
			vcpu->lr[i].state = LR_INVALID; /* IAR then EOI */
			n++;
		}
	}
	vcpu->acks += n;
	return n;
}

/* vgic_v3_fold_lr_state. Context: the vCPU's thread, outside guest mode. */
static void vcpu_fold_lrs(struct its_vm *vm, struct lb_vcpu *vcpu)
{
	for (unsigned i = 0; i < vcpu->used_lrs; i++) {
		struct lb_irq *irq = store_get(vm->store, vcpu->lr[i].intid); /* vgic_get_irq */
		if (!irq)
			continue; /* unmapped meanwhile */
		lb_lock(&irq->irq_lock);
		if (vcpu->lr[i].state == LR_PENDING)
			irq->pending_latch = true;
		lb_unlock(&irq->irq_lock);
		store_put(vm->store, irq); /* vgic_put_irq */
	}
	vcpu->used_lrs = 0;
}

/* Moves irq from vcpu's list to target's, both locks taken lower id first
 * (the migration half of vgic_prune_ap_list). Returns with no lock held. */
static void vcpu_migrate(struct its_vm *vm, struct lb_vcpu *vcpu, struct lb_irq *irq,
			 struct lb_vcpu *target)
{
	struct lb_vcpu *a = vcpu->id < target->id ? vcpu : target;
	struct lb_vcpu *b = a == vcpu ? target : vcpu;
	lb_lock(&a->ap_list_lock);
	lb_lock(&b->ap_list_lock);
	lb_lock(&irq->irq_lock);
	if (irq->vcpu == vcpu && vcpu_oracle(irq) == target) {
		lb_list_del_init(&irq->ap_list);
		lb_list_add_tail(&irq->ap_list, &target->ap_list_head);
		irq->vcpu = target;
		atomic_fetch_sub_explicit(&vcpu->nr_queued, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&target->nr_queued, 1, memory_order_relaxed);
		vcpu->drained++;
		vcpu->migrated++;
		target->queued++;
	}
	lb_unlock(&irq->irq_lock);
	lb_unlock(&b->ap_list_lock);
	lb_unlock(&a->ap_list_lock);
	store_put(vm->store, irq); /* the reference that kept it alive */
}

/* vgic_prune_ap_list. */
static void vcpu_prune(struct its_vm *vm, struct lb_vcpu *vcpu)
{
retry:
	lb_lock(&vcpu->ap_list_lock);
	struct lb_list *pos, *tmp;
	unsigned removed = 0;
	lb_list_for_each_safe(pos, tmp, &vcpu->ap_list_head) {
		struct lb_irq *irq = lb_list_entry(pos, struct lb_irq, ap_list);
		lb_lock(&irq->irq_lock);
		if (lb_unlikely(irq->vcpu != vcpu))
			vcpu->bugs++;
		struct lb_vcpu *target = vcpu_oracle(irq);
		if (!target) {
			lb_list_del_init(&irq->ap_list);
			irq->vcpu = NULL;
			lb_unlock(&irq->irq_lock);
			store_put(vm->store, irq); /* the list's reference */
			removed++;
			continue;
		}
		if (target == vcpu) {
			lb_unlock(&irq->irq_lock);
			continue;
		}
		lb_ref_get(&irq->refcount); /* keep it while the locks are dropped */
		lb_unlock(&irq->irq_lock);
		if (removed) {
			vcpu->drained += removed;
			atomic_fetch_sub_explicit(&vcpu->nr_queued, removed, memory_order_relaxed);
		}
		lb_unlock(&vcpu->ap_list_lock);
		vcpu_migrate(vm, vcpu, irq, target);
		goto retry;
	}
	if (removed) {
		vcpu->drained += removed;
		atomic_fetch_sub_explicit(&vcpu->nr_queued, removed, memory_order_relaxed);
	}
	lb_unlock(&vcpu->ap_list_lock);
}

void its_vcpu_sync(struct its_vm *vm, struct lb_vcpu *vcpu)
{
	if (its_vcpu_idle(vcpu)) { /* an empty list implies no used LRs */
		vcpu->used_lrs = 0;
		return;
	}
	if (vcpu->used_lrs)
		vcpu_fold_lrs(vm, vcpu);
	vcpu_prune(vm, vcpu);
}

static bool vcpu_guest_exit_due(struct lb_vcpu *vcpu)
{
	if (its_ipi_seen) {
		its_ipi_seen = 0;
		return true;
	}
#ifndef LB_TSAN
	if (vcpu->ipi_signal)
		return false;
#endif
	return atomic_load_explicit(&vcpu->mode, memory_order_acquire) == VCPU_EXITING_GUEST;
}

void its_vcpu_run_once(struct its_vm *vm, struct lb_vcpu *vcpu, const atomic_bool *stop, bool yield)
{
	if (atomic_load_explicit(stop, memory_order_relaxed)) {
		/* The run is over (KVM_RUN returned): wait to be stopped. */
		sched_yield();
		return;
	}
	atomic_fetch_and_explicit(&vcpu->requests, ~VCPU_REQ_IRQ_PENDING, memory_order_acquire);
	uint64_t t0 = its_now_ns();
	its_vcpu_flush(vm, vcpu);
	vcpu->flush_ns += its_now_ns() - t0;
	its_ipi_seen = 0; /* an IPI of an earlier entry, delivered late */
	atomic_store_explicit(&vcpu->mode, VCPU_IN_GUEST, memory_order_seq_cst);
	if (atomic_load_explicit(&vcpu->requests, memory_order_seq_cst)) {
		/* kvm_vcpu_exit_request: a kick came in between: do not enter. */
		atomic_store_explicit(&vcpu->mode, VCPU_OUTSIDE_GUEST, memory_order_release);
		vcpu->aborted_entries++;
		t0 = its_now_ns();
		its_vcpu_sync(vm, vcpu);
		vcpu->exit_ns += its_now_ns() - t0;
		return;
	}
	if (vm->world_switch)
		syscall(SYS_getppid);
	if (vm->guest_acks)
		its_vcpu_guest_ack(vcpu);
	uint64_t tick = its_now_ns() + ITS_TICK_NS;
	for (unsigned spins = 0;; spins++) {
		if (vcpu_guest_exit_due(vcpu)) {
			vcpu->kick_exits++;
			break;
		}
		if (atomic_load_explicit(stop, memory_order_relaxed))
			break;
		if ((spins & 63) == 63 || yield) {
			if (its_now_ns() >= tick) {
				vcpu->tick_exits++;
				break;
			}
		}
		if (yield)
			sched_yield();
		else
			lb_cpu_relax();
	}
	atomic_store_explicit(&vcpu->mode, VCPU_OUTSIDE_GUEST, memory_order_release);
	vcpu->exits++;
	t0 = its_now_ns();
	its_vcpu_sync(vm, vcpu);
	vcpu->exit_ns += its_now_ns() - t0;
}
