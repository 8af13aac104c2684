/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ITS model: a userspace stand-in for KVM's vGICv3 ITS emulation, the
 * consumer of the LPI store and of the translation cache.
 *
 * What is modelled (KVM names in brackets):
 *  - a VM (struct its_vm) with vCPUs, one LPI store (ctx->store) and N ITSes
 *  - per vCPU a pending list [ap_list] under its own lock [ap_list_lock, a
 *    raw spinlock: an lb_lock here, kind per --lock]; an irq on a list holds
 *    one reference on it
 *  - per ITS a device table (devid) -> ITT (eventid) -> ITE {collection,
 *    irq}, a collection table (icid -> target vCPU), a mutex over all of
 *    them [its_lock], a mutex that serialises command processing
 *    [cmd_lock], and the translation cache (caches/cache.h): its own
 *    instance (era B) or the VM's shared one (era A). Tables are lists
 *    walked under its_lock, as in the kernel. Each ITE holds one reference
 *    on its irq, taken by the store's add (MAPTI semantics).
 *  - the LPI configuration table (priority, enable) in "guest memory",
 *    read by MAPTI, INV and INVALL.
 *
 * Lock order (as the kernel documents it):
 *     cmd_lock > its_lock > ap_list_lock > cache lock / store lock > irq_lock
 * The era-A cache lock stands for the kernel's lpi_list_lock, the store's
 * lock, so it sits at the store lock's level (and above the store's own
 * lock, which it may take to drop a reference).
 *
 * Context of every function: a thread registered with RCU
 * (lb_rcu_register_thread), outside any RCU read section, holding none of
 * the model's locks unless it says otherwise.
 */
#ifndef LB_ITS_H
#define LB_ITS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/irq.h"
#include "../structures/store.h"

struct cache;
struct cache_ops;

#define ITS_MAX_DEVID	   0xffffu /* 16-bit device IDs, as KVM's ITS */
#define ITS_MAX_EVENT_BITS 16u	   /* ITT size: up to 2^16 events per device */
#define ITS_MAX_ICID	   0xffffu
/* Where each ITS's GITS_TRANSLATER would be: the era-A cache key's doorbell. */
#define ITS_DOORBELL(i) (0x08080000ull + (uint64_t)(i)*0x20000ull + 0x10040ull)

/* ---- vCPUs ----
 * The run loop's state (its_vcpu.c): KVM's vcpu->mode and vcpu->requests,
 * and the list registers of a GICv3 CPU interface. */
enum lb_vcpu_mode { VCPU_OUTSIDE_GUEST, VCPU_IN_GUEST, VCPU_EXITING_GUEST };
#define VCPU_REQ_IRQ_PENDING 1u	 /* KVM_REQ_IRQ_PENDING */
#define ITS_MAX_LRS	     16u /* ICH_VTR_EL2.ListRegs allows up to 16 */
#define ITS_DEFAULT_LRS	     4u	 /* Neoverse N1/V1/N2 implement 4 */

enum lb_lr_state { LR_INVALID, LR_PENDING };
struct lb_lr {
	uint32_t intid; /* a list register names the INTID, not the irq */
	uint8_t state;
};

struct lb_vcpu {
	unsigned id;
	/* Written by kickers, read by the vCPU thread. */
	atomic_uint requests; /* VCPU_REQ_* bits (kvm_make_request) */
	atomic_int mode;      /* enum lb_vcpu_mode (kvm_vcpu_exiting_guest_mode) */
	pthread_t thread;     /* where an IPI goes with --ipi=signal */
	bool ipi_signal;      /* the VM's ipi_signal, read by kickers */
	atomic_bool has_thread;
	atomic_uint ipis_in_flight; /* kickers between the cmpxchg and the signal */
	/* The vCPU thread's own. */
	struct lb_lr lr[ITS_MAX_LRS];
	unsigned used_lrs;
	struct lb_irq **sort_buf; /* vgic_sort_ap_list's scratch */
	size_t sort_cap;
	uint64_t migrated;	    /* moved to another vCPU's list by a prune (counted in
				     * this one's drained and the other's queued) */
	uint64_t exit_ns, flush_ns; /* time in sync (fold + prune) and flush */
	uint64_t exits, kick_exits, tick_exits, aborted_entries, acks, delivered, sorts;
	struct lb_lock ap_list_lock; /* kernel: raw spinlock */
	struct lb_list ap_list_head; /* irqs via irq->ap_list, under ap_list_lock */
	/* Entries on the list; written under ap_list_lock, read without it so an
	 * idle vCPU thread need not take the lock to see there is nothing. */
	atomic_uint nr_queued;
	uint64_t queued;  /* irqs put on this list, under ap_list_lock */
	uint64_t drained; /* irqs acknowledged off it, under ap_list_lock */
	uint64_t bugs;	  /* list entries whose irq->vcpu was not this vCPU */
} lb_pair_aligned;

/* ---- ITS tables (all under its->its_lock) ---- */
struct its_collection {
	struct lb_list link;
	uint32_t icid;
	struct lb_vcpu *target; /* NULL: created by MAPTI, not mapped by MAPC yet */
};

struct its_ite {
	struct lb_list link;
	uint32_t eventid;
	struct its_collection *collection; /* NULL once its collection is unmapped */
	struct lb_irq *irq;		   /* holds one reference */
};

struct its_device {
	struct lb_list link;
	uint32_t devid;
	unsigned nr_event_bits;
	struct lb_list itt; /* struct its_ite */
};

enum its_cmd_type {
	ITS_CMD_MAPD,
	ITS_CMD_MAPC,
	ITS_CMD_MAPTI,
	ITS_CMD_DISCARD,
	ITS_CMD_MOVI,
	ITS_CMD_MOVALL,
	ITS_CMD_INV,
	ITS_CMD_INVALL,
	ITS_CMD_CTLR, /* not a command: a GITS_CTLR write (enable/disable) */
	ITS_CMD_NR
};

struct its_vm;

struct its {
	struct its_vm *vm;
	unsigned index;
	uint64_t doorbell;
	pthread_mutex_t cmd_lock; /* serialises command processing */
	pthread_mutex_t its_lock; /* every field below */
	bool enabled;		  /* GITS_CTLR.Enabled */
	struct lb_list devices;	  /* struct its_device */
	struct lb_list collections;
	struct cache *cache; /* own (per-ITS designs) or the VM's */
	uint64_t cmds[ITS_CMD_NR], cmd_errors;
};

/* The VM's MMIO bus (its_bus.c): what kvm_io_bus_get_dev searches. */
struct its_bus_dev {
	uint64_t addr, len;
	struct its *its; /* NULL: a distributor or redistributor frame */
};
struct its_bus {
	unsigned nr;
	struct its_bus_dev *devs; /* sorted by addr */
};

struct its_vm {
	struct store *store;
	struct its_bus bus;
	unsigned nr_lrs;   /* list registers per vCPU (1..ITS_MAX_LRS) */
	bool guest_acks;   /* the guest acks and EOIs what it receives */
	bool movall_all;   /* MOVALL as released in v6.10: retargets every LPI */
	bool ipi_signal;   /* IPIs are SIGUSR2 (else the guest polls its mode word) */
	bool world_switch; /* a real kernel entry and return per guest entry */
	const struct cache_ops *cache_ops;
	struct cache *shared_cache; /* VM-wide designs; NULL otherwise */
	unsigned nr_vcpus, nr_its;
	struct lb_vcpu *vcpus;
	struct its *its;
	/* LPI configuration table in guest memory, indexed by INTID - 8192:
	 * bit 0 enable, bits 7..2 priority. Guest stores, ITS loads: relaxed. */
	uint8_t *prop;
};

struct its_vm_cfg {
	struct store *store;
	const struct cache_ops *cache;
	unsigned nr_vcpus;  /* 1..4096 */
	unsigned nr_its;    /* 1..64 */
	unsigned nr_lrs;    /* 0: ITS_DEFAULT_LRS */
	bool no_guest_acks; /* --selftest=2024: the guest never unmasks */
	bool movall_all;    /* the released v6.10 MOVALL bug (see its_cmd.c) */
	bool ipi_signal;    /* --ipi=signal (see its_vcpu.c) */
	bool world_switch;  /* --world-switch=syscall (see its_vcpu.c) */
};

/* Builds a VM with empty ITS tables, every ITS enabled, every LPI enabled at
 * priority 0xa0. Returns 0, -EINVAL or -ENOMEM (nothing left allocated). */
int its_vm_create(const struct its_vm_cfg *cfg, struct its_vm **out);
/* Context: quiescent. Acknowledges what is queued, empties every cache and
 * unmaps every device (dropping every reference the model holds), frees the
 * model. The store is the caller's. */
void its_vm_destroy(struct its_vm *vm);

/* Guest store to the LPI configuration table (INV/INVALL make it seen). */
void its_vm_set_lpi_config(struct its_vm *vm, uint32_t intid, uint8_t priority, bool enabled);

/* ---- Commands: Context: takes its->cmd_lock then its->its_lock; may sleep.
 * Return 0 or a negative errno (the command then did nothing):
 * -ENODEV unmapped device, -ENOENT no such event, -ENXIO unmapped
 * collection, -EINVAL bad argument, -ENOMEM. Each performs the translation
 * cache invalidation the kernel performs (see its_cmd.c). */
int its_cmd_mapd(struct its *its, uint32_t devid, unsigned nr_event_bits, bool valid);
int its_cmd_mapc(struct its *its, uint32_t icid, unsigned vcpu, bool valid);
int its_cmd_mapti(struct its *its, uint32_t devid, uint32_t eventid, uint32_t intid, uint32_t icid);
int its_cmd_discard(struct its *its, uint32_t devid, uint32_t eventid);
int its_cmd_movi(struct its *its, uint32_t devid, uint32_t eventid, uint32_t icid);
int its_cmd_movall(struct its *its, unsigned from_vcpu, unsigned to_vcpu);
int its_cmd_inv(struct its *its, uint32_t devid, uint32_t eventid);
int its_cmd_invall(struct its *its, uint32_t icid);
/* GITS_CTLR write: disabling invalidates the cache; a disabled ITS refuses
 * to translate. */
int its_set_enabled(struct its *its, bool enabled);
const char *its_cmd_name(enum its_cmd_type t);

/* ---- Injection (the MSI path) and acknowledgement ---- */
enum its_inject_result {
	ITS_INJ_QUEUED,	   /* made pending and put on its target's list */
	ITS_INJ_COALESCED, /* already on a list: pending again, nothing to add */
	ITS_INJ_HELD,	   /* pending but not deliverable (disabled, no target) */
	ITS_INJ_UNMAPPED,  /* no translation (ITS disabled, no device/ITE/collection) */
	ITS_INJ_NR
};

/* Per-thread injection counters (plain: one owner). */
struct its_inject_stats {
	uint64_t hits, misses;
	uint64_t result[ITS_INJ_NR];
};

/* What the calling thread did in the model since the last take: kicks
 * (every vgic_queue_irq_unlock with a target), IPIs sent (kicks that found
 * the vCPU in guest mode), doorbell lookups (SRCU + kvm_io_bus_get_dev). */
enum its_stage { ITS_ST_DOORBELL, ITS_ST_CACHE, ITS_ST_QUEUE, ITS_ST_KICK, ITS_ST_PUT, ITS_ST_NR };
struct its_thread_stats {
	uint64_t kicks, ipis, doorbell_lookups;
	/* Sampled stage times of its_inject (ref path): set `sample` before one
	 * injection to time its stages (queue includes the kick, timed apart). */
	bool sample;
	uint64_t sampled, stage_ns[ITS_ST_NR];
	uint32_t last_ns[ITS_ST_NR]; /* the last sampled injection's stages */
};
uint64_t its_clock_ns(void);
extern _Thread_local struct its_thread_stats its_tls;

/* kvm_io_bus_get_dev for an ITS doorbell, inside an SRCU-like read section
 * (__vgic_doorbell_to_its). Returns the ITS or NULL. Context: any thread. */
struct its *its_doorbell_to_its(struct its_vm *vm, uint64_t doorbell);
int its_bus_build(struct its_vm *vm);
void its_bus_free(struct its_vm *vm);

/* ---- The vCPU run loop (its_vcpu.c) ----
 * One call = one pass of KVM's run loop: consume requests, flush pending
 * irqs into the list registers (kvm_vgic_flush_hwstate), enter guest mode,
 * run the guest until an IPI, a host tick or `stop`, leave guest mode, fold
 * the list registers and prune the ap_list (kvm_vgic_sync_hwstate).
 * Context: the vCPU's own thread, registered with its_vcpu_attach. */
void its_vcpu_attach(struct lb_vcpu *vcpu);
/* The vCPU's thread is leaving: no signal is sent to it after this returns. */
void its_vcpu_detach(struct lb_vcpu *vcpu);
void its_vcpu_run_once(struct its_vm *vm, struct lb_vcpu *vcpu, const atomic_bool *stop,
		       bool yield);
/* Pieces of it, for tests. Context: the vCPU's thread, or quiescent. */
void its_vcpu_flush(struct its_vm *vm, struct lb_vcpu *vcpu);
void its_vcpu_sync(struct its_vm *vm, struct lb_vcpu *vcpu);
/* The guest takes every pending list register (IAR + EOI); returns how many. */
unsigned its_vcpu_guest_ack(struct lb_vcpu *vcpu);

/* Signals (devid, eventid) on its: translate through the cache; on a miss
 * resolve through the tables under its_lock and insert into the cache;
 * then make the irq pending and queue it on its target vCPU.
 * Context: any registered thread; takes its_lock only on a miss. */
enum its_inject_result its_inject(struct its *its, uint32_t devid, uint32_t eventid,
				  struct its_inject_stats *st);

/* its_inject for --get=rcu (getmode.h): the cached translation is used
 * inside one RCU read section without a reference (cache_ops.lookup_rcu);
 * under the irq lock, an irq already on a list is just made pending again
 * (the list holds a reference), one on no list is try-got (a dying irq is
 * reported ITS_INJ_UNMAPPED) and queued, and that reference is dropped
 * after the section. A miss takes its_inject's path.
 * Context: as its_inject; its cache offers lookup_rcu. */
enum its_inject_result its_inject_rcu(struct its *its, uint32_t devid, uint32_t eventid,
				      struct its_inject_stats *st);

/* Guest acknowledgement of everything on vcpu's list: remove, clear
 * pending, drop the list's reference. Returns how many.
 * Context: takes vcpu->ap_list_lock, then each irq_lock. */
unsigned its_vcpu_drain(struct its_vm *vm, struct lb_vcpu *vcpu);
static inline bool its_vcpu_idle(struct lb_vcpu *vcpu)
{
	return atomic_load_explicit(&vcpu->nr_queued, memory_order_relaxed) == 0;
}

/* ---- Invariants (workload verify and tests) ----
 * Context: quiescent (no injector, command or vCPU thread running) and
 * deferred cache releases finished (its_vm_check calls lb_rcu_barrier).
 * Checks: every live LPI's refcount equals the references the model holds
 * (ITEs + cache entries + list membership); every cache entry translates to
 * what the ITS tables map; every list entry points back to its vCPU; no
 * irq is pending, enabled and targeted yet on no list (lost); the store
 * holds no LPI that nothing references (leak); every vCPU's queued count
 * equals drained + still queued. Returns 0 or -1 with a message. */
int its_vm_check(struct its_vm *vm, char *msg, size_t len);

/* Totals over the vCPUs (quiescent). */
void its_vm_list_totals(struct its_vm *vm, uint64_t *queued, uint64_t *drained, uint64_t *bugs);

/* Number of ITEs that map intid, over every ITS (quiescent; tests). */
unsigned its_vm_ite_refs(struct its_vm *vm, uint32_t intid);

#endif
