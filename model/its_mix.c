/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The selftest's guest set-up and the command churn (see its_mix.h).
 */
#include "its_mix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const its_mix_names[ITS_MIX_NR] = {
    [ITS_MIX_DISCARD_MAPTI] = "discard-mapti",
    [ITS_MIX_MOVI] = "movi",
    [ITS_MIX_MAPD] = "mapd",
    [ITS_MIX_INVALL] = "invall",
    [ITS_MIX_MOVALL] = "movall",
    [ITS_MIX_INV] = "inv",
    [ITS_MIX_MAPC] = "mapc",
    [ITS_MIX_CTLR] = "ctlr",
};

const char *its_mix_name(enum its_mix_op op)
{
	return op < ITS_MIX_NR ? its_mix_names[op] : "?";
}

unsigned its_layout_event_bits(const struct its_layout *l)
{
	unsigned bits = 1;
	while (bits < ITS_MAX_EVENT_BITS && (1u << bits) < l->nr_events)
		bits++;
	return bits;
}

int its_layout_map_device(struct its_vm *vm, const struct its_layout *l, uint32_t dev)
{
	struct its *its = its_layout_its(vm, l, dev);
	int rc = its_cmd_mapd(its, dev, its_layout_event_bits(l), true);
	for (uint32_t ev = 0; !rc && ev < l->nr_events; ev++)
		rc = its_cmd_mapti(its, dev, ev, its_layout_intid(l, dev, ev),
				   its_layout_icid(l, dev, ev));
	return rc;
}

int its_layout_map(struct its_vm *vm, const struct its_layout *l)
{
	int rc = 0;
	for (unsigned t = 0; !rc && t < vm->nr_its; t++)
		for (unsigned c = 0; !rc && c < l->nr_vcpus; c++)
			rc = its_cmd_mapc(&vm->its[t], c, its_layout_mapc_target(l, c), true);
	for (uint32_t dev = 0; !rc && dev < l->nr_devices; dev++)
		rc = its_layout_map_device(vm, l, dev);
	for (unsigned t = 0; !rc && t < vm->nr_its; t++)
		for (unsigned c = 0; !rc && c < l->nr_vcpus; c++)
			rc = its_cmd_invall(&vm->its[t], c);
	return rc;
}

int its_mix_parse(const char *spec, struct its_mix *m, char *err, size_t len)
{
	char buf[256];
	memset(m, 0, sizeof(*m));
	if (!spec || !*spec || strlen(spec) >= sizeof(buf)) {
		snprintf(err, len, "expected name:weight[,name:weight...]");
		return -1;
	}
	strcpy(buf, spec);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		unsigned long w = 1;
		if (colon) {
			char *end;
			*colon = 0;
			w = strtoul(colon + 1, &end, 10);
			if (!colon[1] || *end || w > 1000) {
				snprintf(err, len, "bad weight for '%s' (0..1000)", tok);
				return -1;
			}
		}
		int op = -1;
		for (int i = 0; i < ITS_MIX_NR; i++)
			if (strcmp(tok, its_mix_names[i]) == 0)
				op = i;
		if (op < 0) {
			snprintf(err, len,
				 "unknown command '%s' (discard-mapti, movi, mapd, invall, movall, "
				 "inv, mapc, ctlr)",
				 tok);
			return -1;
		}
		m->weight[op] = (unsigned)w;
	}
	for (int i = 0; i < ITS_MIX_NR; i++)
		m->total += m->weight[i];
	if (!m->total) {
		snprintf(err, len, "every weight is zero");
		return -1;
	}
	return 0;
}

enum its_mix_op its_mix_pick(const struct its_mix *m, uint64_t rnd)
{
	unsigned r = (unsigned)(((rnd >> 32) * m->total) >> 32);
	for (int i = 0; i < ITS_MIX_NR; i++) {
		if (r < m->weight[i])
			return (enum its_mix_op)i;
		r -= m->weight[i];
	}
	return ITS_MIX_INVALL; /* not reached when total is right */
}

static uint32_t its_mix_below(uint64_t *rng, uint32_t n)
{
	return (uint32_t)(((its_mix_rand(rng) >> 32) * (uint64_t)n) >> 32);
}

static int its_mix_first(int a, int b)
{
	return a ? a : b;
}

int its_mix_step(struct its_vm *vm, const struct its_layout *l, enum its_mix_op op, uint64_t *rng)
{
	uint32_t dev = its_mix_below(rng, l->nr_devices);
	uint32_t ev = its_mix_below(rng, l->nr_events);
	uint32_t icid = its_mix_below(rng, l->nr_vcpus);
	struct its *its = its_layout_its(vm, l, dev);
	struct its *any = &vm->its[its_mix_below(rng, vm->nr_its)];
	int rc;

	switch (op) {
	case ITS_MIX_DISCARD_MAPTI:
		rc = its_cmd_discard(its, dev, ev);
		return its_mix_first(
		    rc, its_cmd_mapti(its, dev, ev, its_layout_intid(l, dev, ev), icid));
	case ITS_MIX_MOVI:
		return its_cmd_movi(its, dev, ev, icid);
	case ITS_MIX_MAPD:
		rc = its_cmd_mapd(its, dev, 0, false);
		return its_mix_first(rc, its_layout_map_device(vm, l, dev));
	case ITS_MIX_INVALL:
		return its_cmd_invall(any, icid);
	case ITS_MIX_MOVALL:
		return its_cmd_movall(any, its_mix_below(rng, l->nr_vcpus),
				      its_mix_below(rng, l->nr_vcpus));
	case ITS_MIX_INV:
		return its_cmd_inv(its, dev, ev);
	case ITS_MIX_MAPC:
		rc = its_cmd_mapc(any, icid, 0, false);
		return its_mix_first(rc, its_cmd_mapc(any, icid, icid, true));
	case ITS_MIX_CTLR:
		rc = its_set_enabled(any, false);
		return its_mix_first(rc, its_set_enabled(any, true));
	default:
		return -EINVAL;
	}
}
