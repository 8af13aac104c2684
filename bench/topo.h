/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placement: where worker threads run and where their memory lives.
 *
 * The machine is discovered with hwloc (or loaded with --topology from an
 * XML export, a synthetic string or a named arm64 preset). Cores are
 * ordered by a placement policy and each worker is bound to one PU of the
 * resulting sequence:
 *
 *   compact   cores in topology order (core 0, 1, 2, ...)
 *   scatter   round-robin over the widest level first: packages, then NUMA
 *             nodes, then shared caches (L3, clusters, shared L2), then cores
 *   numa      round-robin over NUMA nodes, compact inside each node; each
 *             worker's memory is bound to its node (--mem-node=N overrides:
 *             every benchmark thread's memory on node N)
 *   list:C    the Linux CPUs C (e.g. list:0,2,4-7), in the order given
 *   none      no binding (the scheduler decides)
 *
 * compact, scatter and numa take an optional domain, @package:N (logical
 * package index) or @numa:N (NUMA node number as Linux numbers it), which
 * restricts them to that part of the machine. With more workers than slots
 * the sequence wraps; on SMT machines every core's first PU is used before
 * any core's second.
 *
 * Roles (lpi-stress): a worker has a role, 0 (generic; lpi-stress's
 * device/injector threads) or 1 (vCPU threads), and an index within the
 * role. --device-place places role 0 by role index, --vcpu-place role 1;
 * a role without its own option is placed by --place using the worker
 * index.
 *
 * Driver sequence:
 *   options_parse()               topo_opts is in options.def
 *   topo_validate()               once; main returns 2 if it returns -1
 *   if (topo_plan_requested())    return topo_plan_main(runs, n, stdout)
 *   topo_bind_memory()            main thread, before creating the store
 *   topo_write_json(js)           the "topology" object (manifest)
 *   for each run:
 *     topo_run_begin(nr_workers)  before starting the workers
 *     topo_bind_worker(w, role, role_index)   first thing in each worker
 *     topo_run_check(&report)     after every worker has bound (after the
 *                                 start barrier, or after the join)
 *     topo_write_placement_json(js)   the run's "placement" object
 *
 * Context: every function runs on the main thread while no worker runs,
 * except topo_bind_worker(), which each worker calls once per run (workers
 * may call it concurrently: each writes only its own record, and hwloc's
 * binding calls only read the shared topology). Records written by the
 * workers are read by the main thread after a barrier or join.
 */
#ifndef LB_TOPO_H
#define LB_TOPO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/option.h"

struct json;

/* --place, --vcpu-place, --device-place, --mem-node, --topology, --plan,
 * --plan-image. */
extern const struct bench_opt topo_opts[];

/* The policy used when --place is not given. */
#define TOPO_DEFAULT_PLACE "compact"

/*
 * Loads the topology (this machine, or --topology), resolves the placement
 * options against it and checks them: CPUs, packages and NUMA nodes that do
 * not exist, a loaded topology without --plan, a PNG without a converter.
 * Returns 0, or -1 after printing one message (exit status 2). Calling it
 * again after a success does nothing.
 */
int topo_validate(void);

/* True when --plan was given: print the plan and exit, run nothing. */
bool topo_plan_requested(void);

/* True when the loaded topology is this machine (binding is possible). */
bool topo_is_this_machine(void);

/* ---- the machine ---- */

#define TOPO_MAX_SHARED 6

/* One level of objects shared by several cores (L3, cluster, shared L2). */
struct topo_shared_level {
	char name[24];	    /* "L3", "L2", "cluster", "Group0" ... */
	unsigned count;	    /* objects at this level */
	unsigned cores_min; /* cores per object */
	unsigned cores_max;
	uint64_t size_bytes; /* caches; 0 when unknown or not a cache */
};

struct topo_summary {
	char source[12];     /* "host", "preset", "synthetic" or "xml" */
	char name[256];	     /* preset name, XML path, synthetic string, "this machine" */
	char synthetic[256]; /* the synthetic string (presets, synthetic:); else "" */
	unsigned packages;
	unsigned numa_nodes;
	unsigned cores;
	unsigned pus;
	bool smt; /* more PUs than cores */
	unsigned nr_shared;
	struct topo_shared_level shared[TOPO_MAX_SHARED];
};

/* After topo_validate(). Returns 0, or -1 if no topology is loaded. */
int topo_get_summary(struct topo_summary *out);

/* Writes the object "topology": the summary and the placement settings
 * (place, vcpu_place, device_place, mem_node). */
void topo_write_json(struct json *js);

/* ---- placement of workers ---- */

enum topo_role { TOPO_ROLE_GENERIC = 0, TOPO_ROLE_VCPU = 1 };

/* A position on the machine; -1 where not known or not applicable. */
struct topo_loc {
	int pu;	     /* Linux CPU number (hwloc PU os index) */
	int core;    /* core, hwloc logical index (0 .. cores-1) */
	int numa;    /* NUMA node, Linux number (hwloc os index) */
	int package; /* package, hwloc logical index */
};

enum topo_bind_state {
	TOPO_NOT_STARTED = 0, /* topo_bind_worker() was not called */
	TOPO_UNBOUND,	      /* policy none: not bound, location observed */
	TOPO_BOUND,	      /* bound, and observed running inside the binding */
	TOPO_BIND_FAILED,     /* binding refused, or observed running elsewhere */
};

/* What one worker asked for and got. */
struct topo_where {
	unsigned role;
	unsigned role_index;
	const char *place;    /* the option value that placed it, e.g. "scatter" */
	struct topo_loc plan; /* the target; all -1 when unbound */
	struct topo_loc ran;  /* where it ran right after binding */
	enum topo_bind_state state;
	int bind_errno; /* of a refused binding, else 0 */
	int mem_node;	/* NUMA node its memory is bound to; -1: first touch */
	bool mem_bound; /* that memory binding succeeded */
};

/*
 * The target of a worker under the current options, without binding:
 * what topo_bind_worker() would aim for. plan is all -1 with policy none.
 * Returns 0, or -1 before topo_validate() succeeded.
 */
int topo_plan_where(unsigned worker, unsigned role, unsigned role_index, struct topo_where *out);

/*
 * Before starting the workers of a run: resets the per-worker records.
 * Warns once per process (stderr) when workers exceed cores. Returns 0, or
 * -1 if memory for the records cannot be had. Needs the host topology.
 */
int topo_run_begin(unsigned nr_workers);

/*
 * Called by worker `worker` on itself, first thing: binds the calling
 * thread (CPU, and memory with numa or --mem-node), then observes where it
 * runs and records both. Returns 0, or -1 when the binding failed (recorded;
 * the run goes on unbound and topo_run_check() reports it).
 */
int topo_bind_worker(unsigned worker, unsigned role, unsigned role_index);

/*
 * --mem-node=N: binds the calling thread's future allocations to node N
 * (hwloc_set_membind, this thread only). The driver calls it on the thread
 * that creates the store; topo_bind_worker() does the same for workers.
 * Returns 0 (also when --mem-node was not given), or -1 if refused (warned
 * once, recorded in the JSON).
 */
int topo_bind_memory(void);

struct topo_run_report {
	unsigned nr_workers;
	unsigned bound;	       /* TOPO_BOUND */
	unsigned unbound;      /* TOPO_UNBOUND */
	unsigned failed;       /* TOPO_BIND_FAILED or TOPO_NOT_STARTED */
	unsigned mem_failed;   /* memory binding asked for and refused */
	unsigned shared_cores; /* cores on which two or more workers ran */
	bool oversubscribed;   /* more workers than cores */
};

/*
 * After every worker of the run has called topo_bind_worker(): computes the
 * report and warns (stderr, once per process and kind) about shared cores
 * (bound runs only), failed bindings and refused memory bindings.
 * Returns the number of workers whose binding failed.
 */
unsigned topo_run_check(struct topo_run_report *out);

/* A worker's record of the current run. Returns 0, or -1 if out of range. */
int topo_worker_info(unsigned worker, struct topo_where *out);

/* Writes the object "placement" for the current run: the report and one
 * entry per worker (role, planned and observed PU/core/NUMA/package). */
void topo_write_placement_json(struct json *js);

/* ---- --plan ---- */

/* One run to plan: its workers; workers [vcpu_first, vcpu_first + nr_vcpu)
 * are vCPU threads (role 1, role index = worker - vcpu_first), every other
 * worker is role 0 with role index = worker (lpi-stress: injectors are
 * workers 0 .. devices-1, then the vCPUs, then any helpers). */
struct topo_plan_run {
	unsigned nr_threads;
	unsigned vcpu_first;
	unsigned nr_vcpu;
};

/*
 * --plan: prints the machine, then for each run every worker's target
 * (PU, core, NUMA node, package, shared-cache indices) and per-package and
 * per-NUMA counts, to out. With --plan-image, draws the run with the most
 * threads. Returns the exit status: 0, or 1 if the picture could not be
 * written (message printed).
 */
int topo_plan_main(const struct topo_plan_run *runs, unsigned nr_runs, FILE *out);

/* Frees the topology and records and forgets every option (tests). */
void topo_reset(void);

#endif
