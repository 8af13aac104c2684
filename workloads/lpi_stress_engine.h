/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the workloads built on the ITS model share (lpi-stress, its-churn):
 * their options, the selftest's set-up, the injector and vCPU ops, the
 * verification and the report.
 *
 * Threads (roles by worker id, set by lpistress_setup):
 *   [0, d)           injectors, one per device, timed: each signals every
 *                    event of its device -i times, one injection per op,
 *                    then returns WL_DONE (the run ends when all are done)
 *   [d, d + v)       vCPUs: each acknowledges its list, like the guest
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

struct lpistress_opts {
	uint64_t vcpus, devices, events, iterations, nr_its, inject_cost_ns;
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
	 .help = "busy-wait per injection standing in for the ioctl (e.g. 1us)"}
/* clang-format on */

struct lpistress_injector {
	struct its *its;
	uint32_t devid;
	uint32_t next_event;
	uint64_t iter, injections;
	uint64_t first_ns, done_ns; /* this injector's first op and completion */
	bool done;
	struct its_inject_stats st;
} lb_cacheline_aligned;

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
/* Context: quiescent. Acknowledges what is left queued, then checks the
 * model's invariants and the injection accounting. */
int lpistress_verify(struct wl_ctx *ctx, char *msg, size_t len);
/* The Rate line, cache figures and injection outcomes. */
void lpistress_report(struct wl_ctx *ctx, struct wl_report *rep);
void lpistress_teardown(struct wl_ctx *ctx);

#endif
