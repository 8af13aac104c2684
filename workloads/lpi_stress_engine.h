/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the workloads built on the ITS model share (lpi-stress, its-churn):
 * their options, the selftest's set-up, the injector and vCPU ops, the
 * verification and the report.
 *
 * Threads (roles by worker id, set by lpistress_setup):
 *   [0, d)           injectors, one per device, timed: each signals every
 *                    event of its device -i times (a pass), one injection
 *                    per op, and repeats whole passes until the run has
 *                    lasted --duration (default 1 s), then returns WL_DONE
 *                    (the run ends when all are done)
 *   [d, d + v)       vCPUs: KVM's run loop around a spinning guest
 *                    (its_vcpu.c): kicked out of guest mode, they fold
 *                    list registers, prune and flush their lists
 *   [d + v, ...)     extra helpers a workload asks for (its-churn's
 *                    command thread)
 *
 * Options are shared through LPISTRESS_OPTS so that both workloads'
 * tables parse into the same settings and record the same params (the
 * driver keeps the first table that declares a name, so entries must be
 * identical).
 */
#ifndef LB_LPISTRESS_H
#define LB_LPISTRESS_H

#include <stdint.h>

#include "../caches/cache.h"
#include "../model/its.h"
#include "../model/its_mix.h"
#include "workload.h"

/* --kernel=: which (store backend, translation cache) a kernel had. */
struct lpistress_kernel {
	const char *name;
	const char *backend;
	const char *cache;
	const char *what;
};
extern const struct lpistress_kernel lpistress_kernels[];

enum lpistress_syscall {
	LPISTRESS_SYSCALL_AUTO, /* kvm where the host has it, else pipe */
	LPISTRESS_SYSCALL_KVM,
	LPISTRESS_SYSCALL_PIPE,
	LPISTRESS_SYSCALL_NONE
};
enum lpistress_guest_spin { LPISTRESS_SPIN_AUTO, LPISTRESS_SPIN_SPIN, LPISTRESS_SPIN_YIELD };

struct lpistress_opts {
	uint64_t vcpus, devices, events, iterations, nr_its, inject_cost_ns, lrs;
	int selftest_2024;  /* --selftest: 0 fixed, 1 2024 (all collections on vCPU 0, no acks) */
	bool movall_all;    /* its-churn --movall=v6.10-bug */
	int syscall;	    /* --inject-syscall: enum lpistress_syscall */
	int guest_spin;	    /* --guest-spin: enum lpistress_guest_spin */
	int ipi;	    /* --ipi: 0 poll, 1 signal */
	int world_switch;   /* --world-switch: 0 syscall, 1 none */
	const char *cache;  /* --cache, or NULL: per --kernel, else xa */
	const char *kernel; /* --kernel (a name in lpistress_kernels), or NULL */
};
extern struct lpistress_opts lpistress_opt;
/* LPIs set-up maps (devices x events): the store's sizing hint. */
uint32_t lpistress_expected_lpis(void);

/* For LPISTRESS_OPTS: the registered caches, the --kernel presets. */
const char *lpistress_cache_choice(unsigned i);
void lpistress_record_cache(struct json *js, const struct bench_opt *o);
const char *lpistress_kernel_choice(unsigned i);
extern const char *const lpistress_selftest_choices[];
extern const char *const lpistress_syscall_choices[];
extern const char *const lpistress_guest_spin_choices[];
extern const char *const lpistress_ipi_choices[];
extern const char *const lpistress_world_switch_choices[];
/* Threads set-up will ask for (d + v + extra): --lock=auto decides from it. */
unsigned lpistress_planned_threads(void);

/* Driver options the injection workloads do not use: they size and run
 * themselves like vgic_lpi_stress. */
extern const struct wl_refused_opt lpistress_refuses[];

/* clang-format off */
#define LPISTRESS_OPTS                                                                             \
	{.name = "vcpus", .short_name = 'v', .type = OPT_U64, .dest = &lpistress_opt.vcpus,        \
	 .min = 1, .max = 4096, .json = "vcpus", .help = "vCPUs, one thread each"},                \
	{.name = "devices", .short_name = 'd', .type = OPT_U64, .dest = &lpistress_opt.devices,    \
	 .min = 1, .max = ITS_MAX_DEVID + 1, .json = "devices",                                    \
	 .help = "devices, one injector thread each"},                                             \
	{.name = "events", .short_name = 'e', .type = OPT_U64, .dest = &lpistress_opt.events,      \
	 .min = 1, .max = 1u << ITS_MAX_EVENT_BITS, .json = "events",                              \
	 .help = "events (LPIs) per device"},                                                      \
	{.name = "iterations", .short_name = 'i', .type = OPT_U64,                                 \
	 .dest = &lpistress_opt.iterations, .min = 1, .max = UINT64_MAX / (1u << 20),              \
	 .json = "iterations", .help = "times each event is signalled"},                           \
	{.name = "its", .type = OPT_U64, .dest = &lpistress_opt.nr_its, .min = 1, .max = 64,       \
	 .json = "its", .help = "ITSes; device n is on ITS n mod N"},                              \
	{.name = "cache", .type = OPT_STRING, .dest = &lpistress_opt.cache,                        \
	 .choice = lpistress_cache_choice, .metavar = "NAME", .def = "--kernel's, else xa",        \
	 .json = "cache", .help = "translation cache design", .record = lpistress_record_cache},                                \
	{.name = "kernel", .type = OPT_STRING, .dest = &lpistress_opt.kernel,                      \
	 .choice = lpistress_kernel_choice, .metavar = "v6.8|v6.9|v6.10", .def = "none",           \
	 .json = "kernel", .help = "the (backend, cache) of that kernel: v6.8 list+lru, v6.9 "     \
	 "xa+lru, v6.10 xa+xa (--backend and --cache replace its parts)"},                         \
	{.name = "inject-cost", .type = OPT_DURATION, .dest = &lpistress_opt.inject_cost_ns,       \
	 .max = 3600000000000ull, .unit = "ns", .json = "inject_cost_ns",                          \
	 .help = "extra busy-wait per injection on top of the syscall (e.g. 1us)"},               \
	{.name = "inject-syscall", .type = OPT_ENUM, .dest = &lpistress_opt.syscall,               \
	 .choices = lpistress_syscall_choices, .json = "inject_syscall",                           \
	 .help = "the injection call: kvm = the host's KVM_SIGNAL_MSI ioctl on a shared VM fd; "  \
	 "pipe = a 32-byte write(2); auto = kvm where /dev/kvm allows, else pipe"},                \
	{.name = "lrs", .type = OPT_U64, .dest = &lpistress_opt.lrs, .min = 1,                     \
	 .max = ITS_MAX_LRS, .json = "lrs", .help = "list registers per vCPU (4 on Neoverse)"},    \
	{.name = "selftest", .type = OPT_ENUM, .dest = &lpistress_opt.selftest_2024,               \
	 .choices = lpistress_selftest_choices, .json = "selftest",                                \
	 .help = "2024: the selftest as published (every collection on vCPU 0, nothing acked); "  \
	 "fixed: round-robin targets, the guest acks"},                                            \
	{.name = "guest-spin", .type = OPT_ENUM, .dest = &lpistress_opt.guest_spin,                \
	 .choices = lpistress_guest_spin_choices, .json = "guest_spin",                            \
	 .help = "a vCPU in guest mode spins, or yields its CPU (auto: yield when oversubscribed)"}, \
	{.name = "ipi", .type = OPT_ENUM, .dest = &lpistress_opt.ipi,                              \
	 .choices = lpistress_ipi_choices, .json = "ipi",                                          \
	 .help = "a kick's IPI: poll = the guest polls the mode word the kicker writes; "         \
	 "signal = a real SIGUSR2 (the sender pays a syscall)"},                                  \
	{.name = "world-switch", .type = OPT_ENUM, .dest = &lpistress_opt.world_switch,            \
	 .choices = lpistress_world_switch_choices, .json = "world_switch",                        \
	 .help = "per guest entry: syscall = one real kernel entry and return for the ERET into "  \
	 "the guest and the exception out; none = nothing"}
/* clang-format on */

#define LPISTRESS_SAMPLES 4096

struct lpistress_injector {
	struct its *its;
	uint32_t devid;
	uint32_t next_event;
	uint64_t iter, injections, passes;
	int pipe_fd[2];		 /* the syscall's sink; -1: none */
	char *drain;		 /* read buffer for draining the pipe */
	uint64_t drains;	 /* reads that emptied the pipe */
	uint64_t syscall_errors; /* KVM_SIGNAL_MSI calls the host did not refuse as expected */
	uint64_t syscall_ns;	 /* time in the syscall, sampled injections */
	/* The first LPISTRESS_SAMPLES sampled injections: ns per stage
	 * (ITS_ST_*), then the syscall's; medians in the report. */
	uint32_t (*samples)[ITS_ST_NR + 1];
	unsigned nr_samples;
	uint64_t first_ns, done_ns; /* this injector's first op and completion */
	uint64_t cpu0_ns, cpu_ns;   /* thread CPU time at the first op; used until done */
	bool done;
	struct its_inject_stats st;
} lb_pair_aligned;

struct lpistress_state {
	struct its_vm *vm;
	struct its_layout layout;
	const struct cache_ops *cache;
	unsigned nr_inj, vcpu_base, extra_base; /* role boundaries (worker ids) */
	struct lpistress_injector *inj;
	void *inj_raw;
	size_t inj_bytes;
	unsigned cpus;
	bool oversubscribed;
	bool guest_yield;
	int syscall;	 /* the resolved --inject-syscall (never AUTO) */
	int kvm_vm_fd;	 /* LPISTRESS_SYSCALL_KVM: the VM every injector signals; else -1 */
	double clock_ns; /* one its_clock_ns() read, measured at set-up */
	double min_duration_s;
	atomic_bool stop; /* every injector done: guests leave guest mode */
	atomic_uint injectors_done;
	atomic_uint_fast64_t start_ns;	   /* the first injection of the run */
	uint64_t cpu_start_ns, cpu_end_ns; /* process CPU time at both ends */
	/* Per role, summed at thread exit (under sum_lock). */
	pthread_mutex_t sum_lock;
	struct lb_counters inj_counters, vcpu_counters;
	struct its_thread_stats inj_its, vcpu_its;
	void *extra; /* the workload's own */
};

/* --kernel's store, or NULL: the workload's default_backends hook. */
const char *lpistress_default_backends(void);
/* Context: main thread, after parsing, with the driver's plan. */
int lpistress_validate(const struct wl_plan *plan);
/* Builds the VM on ctx->store as the selftest's guest does, sets
 * nr_threads = d + v + extra, nr_timed = d, quota_run. Returns 0 or -1. */
int lpistress_setup(struct wl_ctx *ctx, unsigned extra_threads);
int lpistress_thread_init(struct wl_ctx *ctx, struct wl_worker *w);
int lpistress_inject_op(struct wl_ctx *ctx, struct wl_worker *w);
int lpistress_vcpu_op(struct wl_ctx *ctx, struct wl_worker *w);
void lpistress_thread_exit(struct wl_ctx *ctx, struct wl_worker *w);
/* Context: quiescent. Acknowledges what is left queued, then checks the
 * model's invariants and the injection accounting. */
int lpistress_verify(struct wl_ctx *ctx, char *msg, size_t len);
/* The Rate line, cache figures and injection outcomes. */
void lpistress_report(struct wl_ctx *ctx, struct wl_report *rep);
void lpistress_teardown(struct wl_ctx *ctx);

#endif
