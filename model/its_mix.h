/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a guest does to the ITS model, shared by the workloads and the
 * tests: the selftest's set-up (its_layout_*) and a weighted mix of
 * command sequences that churn the mappings while injections run
 * (its_mix_*).
 *
 * Layout (vgic_lpi_stress's guest): devices 0..d-1, device n on ITS
 * n % nr_its; event e of device n is INTID 8192 + n*events + e, routed
 * through collection (n*events + e) % vcpus; collection c maps to vCPU c
 * on every ITS.
 *
 * Context: as the commands (its.h): any registered thread; may sleep.
 */
#ifndef LB_ITS_MIX_H
#define LB_ITS_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "../core/rand.h"
#include "its.h"

struct its_layout {
	unsigned nr_vcpus, nr_devices, nr_events, nr_its;
	/* The selftest as published in 2024: its MAPC encoded the target vCPU
	 * shifted right by 16, so every collection maps to vCPU 0. */
	bool mapc_to_vcpu0;
};

/* The vCPU MAPC gives collection c (0 under mapc_to_vcpu0). */
static inline unsigned its_layout_mapc_target(const struct its_layout *l, unsigned c)
{
	return l->mapc_to_vcpu0 ? 0 : c;
}

static inline struct its *its_layout_its(struct its_vm *vm, const struct its_layout *l,
					 uint32_t dev)
{
	return &vm->its[dev % l->nr_its];
}

static inline uint32_t its_layout_intid(const struct its_layout *l, uint32_t dev, uint32_t ev)
{
	return LB_INTID_BASE + dev * l->nr_events + ev;
}

static inline uint32_t its_layout_icid(const struct its_layout *l, uint32_t dev, uint32_t ev)
{
	return (dev * l->nr_events + ev) % l->nr_vcpus;
}

/* Smallest ITT size (in ID bits) holding nr_events events. */
unsigned its_layout_event_bits(const struct its_layout *l);

/* The set-up: MAPC every collection on every ITS, MAPD and MAPTI every
 * device, then INVALL per collection. Returns 0 or the first error. */
int its_layout_map(struct its_vm *vm, const struct its_layout *l);
/* MAPD (map) one device and MAPTI its events as the layout says. */
int its_layout_map_device(struct its_vm *vm, const struct its_layout *l, uint32_t dev);

enum its_mix_op {
	ITS_MIX_DISCARD_MAPTI, /* DISCARD an event, MAPTI it again to a random collection */
	ITS_MIX_MOVI,	       /* MOVI an event to a random collection */
	ITS_MIX_MAPD,	       /* MAPD unmap a device, MAPD map it, MAPTI its events */
	ITS_MIX_INVALL,	       /* INVALL a random collection */
	ITS_MIX_MOVALL,	       /* MOVALL between two random vCPUs */
	ITS_MIX_INV,	       /* INV an event */
	ITS_MIX_MAPC,	       /* MAPC unmap a collection, MAPC map it back */
	ITS_MIX_CTLR,	       /* disable an ITS, enable it again */
	ITS_MIX_NR
};

struct its_mix {
	unsigned weight[ITS_MIX_NR];
	unsigned total;
};

/* Name used in --cmd-mix and in results: "discard-mapti", "movi", ... */
const char *its_mix_name(enum its_mix_op op);
/* Parses "name:weight,..." (weights 0..1000, at least one non-zero).
 * Returns 0, or -1 with a message in err. */
int its_mix_parse(const char *spec, struct its_mix *m, char *err, size_t len);
/* Picks an op with probability weight/total. */
enum its_mix_op its_mix_pick(const struct its_mix *m, uint64_t rnd);

/* xorshift64* on a caller-owned state (non-zero). */
static inline uint64_t its_mix_rand(uint64_t *s)
{
	return lb_rand64(s);
}

/* Performs one sequence of `op` on targets drawn from *rng. Commands that
 * race with other sequences may fail (e.g. DISCARD of an event a MAPD just
 * dropped): returns 0 if all succeeded, else the first error. */
int its_mix_step(struct its_vm *vm, const struct its_layout *l, enum its_mix_op op, uint64_t *rng);

#endif
