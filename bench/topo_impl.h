/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal to the placement module (topo.c, place.c, plan_svg.c): the
 * loaded machine flattened into cores and PUs, and the parsed placement
 * options. hwloc stays behind this header; the driver sees only topo.h.
 *
 * Context: built by topo_validate() on the main thread; read-only while
 * workers run.
 */
#ifndef LB_TOPO_IMPL_H
#define LB_TOPO_IMPL_H

#include <hwloc.h>

#include "topo.h"

/* Grouping keys of a core, widest first: package, NUMA node, then each
 * shared level (L3, cluster, shared L2...). */
#define TOPO_KEY_PACKAGE 0
#define TOPO_KEY_NUMA	 1
#define TOPO_MAX_KEYS	 (2 + TOPO_MAX_SHARED)
#define TOPO_KEY_NONE	 (~0u) /* the core has no object at that level */

struct topo_core {
	unsigned logical;  /* hwloc logical index of the core */
	int numa_os;	   /* NUMA node os index, -1 if none */
	unsigned first_pu; /* its PUs: topo_m.pu_os[first_pu ...] */
	unsigned nr_pus;
	unsigned key[TOPO_MAX_KEYS]; /* logical index per level, or TOPO_KEY_NONE */
};

struct topo_level {
	char name[24];	     /* "package", "NUMA", "L3", "cluster" ... */
	int depth;	     /* hwloc depth of a shared level; -1 for package/NUMA */
	uint64_t size_bytes; /* caches */
};

struct topo_model {
	hwloc_topology_t t;
	bool loaded;
	bool this_machine;
	struct topo_summary sum;
	unsigned nr_cores;
	struct topo_core *cores; /* in hwloc logical order */
	unsigned nr_pus;
	unsigned *pu_os;   /* PU slot -> Linux CPU number, grouped by core */
	unsigned *pu_core; /* PU slot -> index in cores[] */
	unsigned max_os;   /* largest PU os index + 1 */
	int *os_slot;	   /* Linux CPU number -> PU slot, -1 if not in the model */
	unsigned nr_keys;  /* 2 + shared levels */
	struct topo_level level[TOPO_MAX_KEYS];
};

enum topo_policy { TP_NONE, TP_COMPACT, TP_SCATTER, TP_NUMA, TP_LIST };
enum topo_domain { TD_ALL, TD_PACKAGE, TD_NUMA };

/* One placement option (--place, --vcpu-place, --device-place). */
struct topo_spec {
	const char *opt; /* option name, for messages */
	bool given;
	char text[128]; /* as given, for records */
	enum topo_policy policy;
	enum topo_domain domain;
	unsigned domain_index;
	unsigned *cpus; /* list: Linux CPU numbers */
	unsigned nr_cpus;
	/* Resolved by topo_resolve_spec(): PU slots in placement order. */
	unsigned *slots;
	unsigned nr_slots;
};

extern struct topo_model topo_m;
extern struct topo_spec topo_place, topo_vcpu_place, topo_device_place;
extern int topo_mem_node; /* -1: not given */
extern const char *topo_plan_image_path;

/* place.c: orders the spec's slots on the loaded model. Returns 0, or -1
 * after a message naming the option. */
int topo_resolve_spec(struct topo_spec *s);
/* place.c: the spec that places a worker of this role. */
const struct topo_spec *topo_spec_for(unsigned role);
/* place.c: frees run records. */
void topo_place_reset(void);

/* topo.c: the location of a PU slot; all -1 for slot < 0. */
void topo_slot_loc(int slot, struct topo_loc *out);
/* topo.c: one line saying what the loaded machine is (a preset's facts). */
const char *topo_source_desc(void);
/* topo.c: "32 MB", "1024 KB". */
void topo_size_text(uint64_t bytes, char *buf, size_t len);
/* topo.c: a core's label for a shared level, e.g. "L3 #1 (32 MB)". */
void topo_level_label(unsigned level, unsigned index, char *buf, size_t len);

/* plan_svg.c: draws the machine with worker i on PU slot slot[i] (-1:
 * unbound) in role role[i]. path ends in .svg or .png. Returns 0, or -1
 * after a message. */
int topo_plan_image(const char *path, const char *title, unsigned nr, const int *slot,
		    const unsigned char *role);
/* plan_svg.c: check at validation time that a PNG can be made. Returns 0,
 * or -1 after a message. */
int topo_plan_image_check(const char *path);

#endif
