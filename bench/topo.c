/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placement, part 1: the machine. Options, named arm64 presets, loading the
 * topology with hwloc (this machine, an XML export or a synthetic string)
 * and flattening it into cores with grouping keys (package, NUMA node,
 * shared caches) that place.c orders and plan_svg.c draws.
 *
 * Presets carry only published facts (docs/arm64.md): cores per socket,
 * sockets, NUMA nodes, and the LLC where it is documented; no SMT.
 * For anything finer (clusters, L2 sharing, split NUMA modes) export the
 * real host with `lstopo --of xml` and pass the file.
 *
 * Context: main thread only; options are applied while parsing, the
 * topology is loaded by topo_validate().
 */
#include "topo_impl.h"
#include "topo_probe.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/json.h"

struct topo_model topo_m;
struct topo_spec topo_place = {.opt = "place"};
struct topo_spec topo_vcpu_place = {.opt = "vcpu-place"};
struct topo_spec topo_device_place = {.opt = "device-place"};
int topo_mem_node = -1;
const char *topo_plan_image_path;

static const struct topo_preset {
	const char *name;
	const char *synthetic;
	const char *what;
} topo_presets[] = {
    {"graviton2", "Package:1 NUMANode:1 L3Cache:1(size=33554432) Core:64 PU:1",
     "AWS Graviton2: 64 Neoverse N1 cores, 1 socket, 1 NUMA node, 32 MB LLC"},
    {"graviton3", "Package:1 NUMANode:1 L3Cache:1(size=33554432) Core:64 PU:1",
     "AWS Graviton3: 64 Neoverse V1 cores, 1 socket, 1 NUMA node, 32 MB LLC"},
    {"graviton4", "Package:1 NUMANode:1 Core:96 PU:1", "AWS Graviton4: 96 Neoverse V2 cores"},
    {"graviton4-2s", "Package:2 NUMANode:1 Core:96 PU:1",
     "AWS Graviton4, 2 sockets: 2 x 96 Neoverse V2 cores"},
    {"altra", "Package:1 NUMANode:1 Core:80 PU:1", "Ampere Altra: 80 Neoverse N1 cores"},
    {"altra-2s", "Package:2 NUMANode:1 Core:80 PU:1",
     "Ampere Altra, 2 sockets: 2 x 80 Neoverse N1 cores, a NUMA node per socket"},
    {"altramax", "Package:1 NUMANode:1 Core:128 PU:1", "Ampere Altra Max: 128 Neoverse N1 cores"},
    {"ampereone", "Package:1 NUMANode:1 Core:192 PU:1", "AmpereOne: 192 cores"},
};
#define NR_PRESETS (sizeof(topo_presets) / sizeof(topo_presets[0]))

enum topo_source { TS_HOST, TS_PRESET, TS_SYNTHETIC, TS_XML };
static enum topo_source source = TS_HOST;
static char source_arg[256]; /* preset name, synthetic string or XML path */
static const char *preset_synthetic;
static bool plan_requested;
static bool validated;

/* ---- options ---- */

static int parse_cpu_list(struct topo_spec *s, const char *list)
{
	unsigned cap = 16, n = 0;
	unsigned *cpus = malloc(cap * sizeof(*cpus));
	const char *p = list;

	if (!cpus)
		return opt_error(s->opt, "out of memory");
	while (*p) {
		char *end;
		unsigned long lo, hi;
		if (!isdigit((unsigned char)*p))
			goto bad;
		lo = strtoul(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (lo > hi || hi > 65535) {
			free(cpus);
			return opt_error(
			    s->opt, "bad CPU range in 'list:%s' (ranges go low-high, CPUs 0-65535)",
			    list);
		}
		for (unsigned long c = lo; c <= hi; c++) {
			if (n == 65536) {
				free(cpus);
				return opt_error(s->opt, "list too long");
			}
			if (n == cap) {
				unsigned *bigger = realloc(cpus, 2 * cap * sizeof(*cpus));
				if (!bigger) {
					free(cpus);
					return opt_error(s->opt, "out of memory");
				}
				cpus = bigger;
				cap *= 2;
			}
			cpus[n++] = (unsigned)c;
		}
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	if (!n)
		goto bad;
	free(s->cpus);
	s->cpus = cpus;
	s->nr_cpus = n;
	return 0;
bad:
	free(cpus);
	return opt_error(s->opt, "expected a CPU list such as list:0,2,4-7, got 'list:%s'", list);
}

static int parse_spec(struct topo_spec *s, const char *arg)
{
	static const struct {
		const char *name;
		enum topo_policy policy;
	} words[] = {
	    {"compact", TP_COMPACT}, {"scatter", TP_SCATTER}, {"numa", TP_NUMA}, {"none", TP_NONE}};
	const char *at = strchr(arg, '@');
	size_t wlen = at ? (size_t)(at - arg) : strlen(arg);
	bool found = false;

	if (strlen(arg) >= sizeof(s->text))
		return opt_error(s->opt, "value too long (at most %zu characters)",
				 sizeof(s->text) - 1);
	if (strncmp(arg, "list:", 5) == 0) {
		if (at)
			return opt_error(s->opt, "list:CPUS takes no @domain");
		if (parse_cpu_list(s, arg + 5))
			return -1;
		s->policy = TP_LIST;
		found = true;
	}
	for (size_t i = 0; !found && i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].name) == wlen && strncmp(arg, words[i].name, wlen) == 0) {
			s->policy = words[i].policy;
			found = true;
		}
	}
	if (!found)
		return opt_error(s->opt,
				 "expected compact, scatter, numa, none or list:CPUS (optionally "
				 "@package:N or @numa:N), got '%s'",
				 arg);
	s->domain = TD_ALL;
	s->domain_index = 0;
	if (at) {
		const char *d = at + 1;
		uint64_t v;
		if (s->policy == TP_NONE)
			return opt_error(s->opt, "none takes no @domain");
		if (strncmp(d, "package:", 8) == 0) {
			s->domain = TD_PACKAGE;
			d += 8;
		} else if (strncmp(d, "numa:", 5) == 0) {
			s->domain = TD_NUMA;
			d += 5;
		} else {
			return opt_error(s->opt, "expected @package:N or @numa:N, got '@%s'", d);
		}
		if (opt_parse_u64(s->opt, d, 0, 65535, &v))
			return -1;
		s->domain_index = (unsigned)v;
	}
	if (s->policy != TP_LIST) {
		free(s->cpus);
		s->cpus = NULL;
		s->nr_cpus = 0;
	}
	strcpy(s->text, arg);
	s->given = true;
	validated = false;
	return 0;
}

/* --place, --vcpu-place, --device-place: policy[@domain] or list:CPUS. */
static int parse_place(const struct bench_opt *o, const char *arg)
{
	return parse_spec(o->dest, arg);
}

static int parse_mem_node(const struct bench_opt *o, const char *arg)
{
	uint64_t v;
	if (opt_parse_u64(o->name, arg, o->min, o->max, &v))
		return -1;
	topo_mem_node = (int)v;
	validated = false;
	return 0;
}

static void preset_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < NR_PRESETS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 topo_presets[i].name);
}

/* The number of PUs a synthetic string describes (product of the level
 * counts, every "Type:N" wherever it stands, "[...]" memory attachments
 * skipped), capped to 2^32. hwloc would try to build a typo such as
 * Core:100000 PU:100 for a long time, and our model is O(cores x nodes):
 * the cap is far above any host this tool targets (384 cores). */
#define TOPO_MAX_SYNTHETIC_PUS 8192
static uint64_t synthetic_pus(const char *s)
{
	uint64_t total = 1;
	int depth = 0;
	char prev = ' ';
	for (; *s; prev = *s++) {
		if (*s == '[' || *s == ']') {
			depth += *s == '[' ? 1 : -1;
			continue;
		}
		/* a count stands after "Type:" or alone as a token ("2 4 8") */
		if (depth > 0 || !isdigit((unsigned char)*s) ||
		    !(prev == ':' || isspace((unsigned char)prev)))
			continue;
		char *end;
		unsigned long long v = strtoull(s, &end, 10);
		total = v && total <= (1ull << 32) / v ? total * v : (1ull << 32);
		s = end - 1;
	}
	return total;
}

static int parse_topology(const struct bench_opt *o, const char *arg)
{
	char names[256];

	if (strlen(arg) >= sizeof(source_arg))
		return opt_error(o->name, "value too long (at most %zu characters)",
				 sizeof(source_arg) - 1);
	if (strncmp(arg, "synthetic:", 10) == 0) {
		const char *s = arg + 10;
		size_t n = strlen(s);
		/* synthetic:"..." keeps its quotes when the shell was given them */
		if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
			s++;
			n -= 2;
		}
		if (!n)
			return opt_error(o->name, "empty synthetic description");
		char desc[sizeof(source_arg)];
		memcpy(desc, s, n);
		desc[n] = 0;
		if (synthetic_pus(desc) > TOPO_MAX_SYNTHETIC_PUS)
			return opt_error(o->name, "'%s' describes more than %u PUs", desc,
					 TOPO_MAX_SYNTHETIC_PUS);
		strcpy(source_arg, desc);
		source = TS_SYNTHETIC;
		validated = false;
		return 0;
	}
	for (size_t i = 0; i < NR_PRESETS; i++) {
		if (strcmp(arg, topo_presets[i].name) == 0) {
			strcpy(source_arg, arg);
			preset_synthetic = topo_presets[i].synthetic;
			source = TS_PRESET;
			validated = false;
			return 0;
		}
	}
	size_t n = strlen(arg);
	if ((n > 4 && strcmp(arg + n - 4, ".xml") == 0) || access(arg, F_OK) == 0) {
		strcpy(source_arg, arg);
		source = TS_XML;
		validated = false;
		return 0;
	}
	preset_names(names, sizeof(names));
	return opt_error(o->name,
			 "'%s' is neither a preset (%s), an existing FILE.xml nor "
			 "synthetic:\"<hwloc synthetic string>\"",
			 arg, names);
}

static int parse_plan(const struct bench_opt *o, const char *arg)
{
	(void)o;
	(void)arg;
	plan_requested = true;
	validated = false;
	return 0;
}

static int parse_plan_image(const struct bench_opt *o, const char *arg)
{
	size_t n = strlen(arg);
	if (n < 5 || (strcasecmp(arg + n - 4, ".svg") != 0 && strcasecmp(arg + n - 4, ".png") != 0))
		return opt_error(o->name, "expected a file name ending in .svg or .png, got '%s'",
				 arg);
	topo_plan_image_path = arg;
	validated = false;
	return 0;
}

static void json_spec(struct json *js, const char *key, const struct topo_spec *s);

static void record_place(struct json *js, const struct bench_opt *o)
{
	json_spec(js, o->json, o->dest);
}

static void record_mem_node(struct json *js, const struct bench_opt *o)
{
	if (topo_mem_node >= 0)
		json_i64(js, o->json, topo_mem_node);
	else
		json_null(js, o->json);
}

const struct bench_opt topo_opts[] = {
    {.name = "place",
     .type = OPT_STRING,
     .dest = &topo_place,
     .metavar = "POLICY",
     .def = TOPO_DEFAULT_PLACE,
     .json = "place",
     .help = "thread placement: compact, scatter, numa, none or list:CPUS; compact/scatter/numa "
	     "take @package:N or @numa:N",
     .parse = parse_place,
     .record = record_place},
    {.name = "vcpu-place",
     .type = OPT_STRING,
     .dest = &topo_vcpu_place,
     .metavar = "POLICY",
     .def = "--place",
     .json = "vcpu_place",
     .help = "lpi-stress: placement of vCPU threads by vCPU index",
     .parse = parse_place,
     .record = record_place},
    {.name = "device-place",
     .type = OPT_STRING,
     .dest = &topo_device_place,
     .metavar = "POLICY",
     .def = "--place",
     .json = "device_place",
     .help = "lpi-stress: placement of device (injector) threads by their index",
     .parse = parse_place,
     .record = record_place},
    {.name = "mem-node",
     .type = OPT_UINT,
     .min = 0,
     .max = 65535,
     .def = "none",
     .json = "mem_node",
     .help = "bind the store's memory (every benchmark thread's allocations) to NUMA node N",
     .parse = parse_mem_node,
     .record = record_mem_node},
    {.name = "topology",
     .type = OPT_STRING,
     .metavar = "SOURCE",
     .def = "this machine",
     .rec = OPT_REC_NONE,
     .help = "plan for another machine: FILE.xml (lstopo --of xml), synthetic:\"STRING\" or a "
	     "preset: graviton2, graviton3, graviton4, graviton4-2s, altra, altra-2s, altramax, "
	     "ampereone (needs --plan)",
     .parse = parse_topology},
    {.name = "plan",
     .type = OPT_FLAG,
     .rec = OPT_REC_NONE,
     .help = "print where every thread would run, then exit without running",
     .parse = parse_plan},
    {.name = "plan-image",
     .type = OPT_STRING,
     .metavar = "FILE",
     .rec = OPT_REC_NONE,
     .help = "with --plan: draw the plan as FILE.svg, or FILE.png (needs rsvg-convert or "
	     "ImageMagick)",
     .parse = parse_plan_image},
    {0},
};

bool topo_plan_requested(void)
{
	return plan_requested;
}

bool topo_is_this_machine(void)
{
	return topo_m.loaded && topo_m.this_machine;
}

/* ---- loading ---- */

static void model_free(void)
{
	if (topo_m.loaded)
		hwloc_topology_destroy(topo_m.t);
	free(topo_m.cores);
	free(topo_m.pu_os);
	free(topo_m.pu_core);
	free(topo_m.os_slot);
	memset(&topo_m, 0, sizeof(topo_m));
}

static unsigned cores_in(hwloc_const_cpuset_t set, int core_depth)
{
	return (unsigned)hwloc_get_nbobjs_inside_cpuset_by_depth(topo_m.t, set, core_depth);
}

/* True for a Group whose CPUs are exactly a NUMA node's or its package's:
 * hwloc adds such groups to hold NUMA nodes; they tell nothing new. */
static bool redundant_group(hwloc_obj_t o)
{
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo_m.t, HWLOC_OBJ_PACKAGE, o);
	if (pkg && hwloc_bitmap_isequal(pkg->cpuset, o->cpuset))
		return true;
	for (hwloc_obj_t n = hwloc_get_next_obj_by_type(topo_m.t, HWLOC_OBJ_NUMANODE, NULL); n;
	     n = hwloc_get_next_obj_by_type(topo_m.t, HWLOC_OBJ_NUMANODE, n))
		if (hwloc_bitmap_isequal(n->cpuset, o->cpuset))
			return true;
	return false;
}

/* The levels between package and core that several cores share. Groups
 * that only repeat a package or NUMA node are left out. */
static void find_shared_levels(int core_depth)
{
	hwloc_topology_t t = topo_m.t;
	int pkg_depth = hwloc_get_type_depth(t, HWLOC_OBJ_PACKAGE);
	int first = pkg_depth >= 0 ? pkg_depth + 1 : 1;

	strcpy(topo_m.level[TOPO_KEY_PACKAGE].name, "package");
	topo_m.level[TOPO_KEY_PACKAGE].depth = -1;
	strcpy(topo_m.level[TOPO_KEY_NUMA].name, "NUMA");
	topo_m.level[TOPO_KEY_NUMA].depth = -1;
	topo_m.nr_keys = 2;
	for (int d = first; d < core_depth && topo_m.nr_keys < TOPO_MAX_KEYS; d++) {
		hwloc_obj_type_t type = hwloc_get_depth_type(t, d);
		if (!hwloc_obj_type_is_cache(type) && type != HWLOC_OBJ_GROUP &&
		    type != HWLOC_OBJ_DIE)
			continue;
		unsigned n = (unsigned)hwloc_get_nbobjs_by_depth(t, d);
		struct topo_shared_level *sl = &topo_m.sum.shared[topo_m.sum.nr_shared];
		struct topo_level *lv = &topo_m.level[topo_m.nr_keys];
		bool shared = false, redundant = type == HWLOC_OBJ_GROUP;
		memset(sl, 0, sizeof(*sl));
		sl->cores_min = ~0u;
		for (unsigned i = 0; i < n; i++) {
			hwloc_obj_t o = hwloc_get_obj_by_depth(t, d, i);
			unsigned c = cores_in(o->cpuset, core_depth);
			shared |= c > 1;
			redundant = redundant && redundant_group(o);
			if (c < sl->cores_min)
				sl->cores_min = c;
			if (c > sl->cores_max)
				sl->cores_max = c;
		}
		if (!shared || redundant)
			continue;
		hwloc_obj_t o = hwloc_get_obj_by_depth(t, d, 0);
		if (type == HWLOC_OBJ_GROUP && o->subtype) {
			snprintf(lv->name, sizeof(lv->name), "%s", o->subtype);
			for (char *c = lv->name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		} else {
			hwloc_obj_type_snprintf(lv->name, sizeof(lv->name), o, 0);
		}
		lv->depth = d;
		lv->size_bytes = hwloc_obj_type_is_cache(type) ? o->attr->cache.size : 0;
		strcpy(sl->name, lv->name);
		sl->count = n;
		sl->size_bytes = lv->size_bytes;
		topo_m.sum.nr_shared++;
		topo_m.nr_keys++;
	}
}

/* The NUMA node holding a core's memory: the first whose CPUs include the
 * core's (several may: e.g. DRAM and HBM nodes), else the first that
 * overlaps them. */
static hwloc_obj_t numa_of(hwloc_obj_t core)
{
	hwloc_obj_t n, overlap = NULL;
	for (n = hwloc_get_next_obj_by_type(topo_m.t, HWLOC_OBJ_NUMANODE, NULL); n;
	     n = hwloc_get_next_obj_by_type(topo_m.t, HWLOC_OBJ_NUMANODE, n)) {
		if (hwloc_bitmap_isincluded(core->cpuset, n->cpuset))
			return n;
		if (!overlap && hwloc_bitmap_intersects(core->cpuset, n->cpuset))
			overlap = n;
	}
	return overlap;
}

static int model_build(void)
{
	hwloc_topology_t t = topo_m.t;
	int core_depth = hwloc_get_type_or_below_depth(t, HWLOC_OBJ_CORE);
	unsigned total_pus = (unsigned)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	bool have_packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE) > 0;

	topo_m.nr_cores = (unsigned)hwloc_get_nbobjs_by_depth(t, core_depth);
	if (!topo_m.nr_cores || !total_pus)
		return opt_error("topology", "the topology has no cores");
	topo_m.cores = calloc(topo_m.nr_cores, sizeof(*topo_m.cores));
	topo_m.pu_os = calloc(total_pus, sizeof(*topo_m.pu_os));
	topo_m.pu_core = calloc(total_pus, sizeof(*topo_m.pu_core));
	if (!topo_m.cores || !topo_m.pu_os || !topo_m.pu_core)
		return opt_error("topology", "out of memory");
	find_shared_levels(core_depth);

	for (unsigned i = 0; i < topo_m.nr_cores; i++) {
		hwloc_obj_t core = hwloc_get_obj_by_depth(t, core_depth, i);
		struct topo_core *c = &topo_m.cores[i];
		hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, core);
		hwloc_obj_t numa = numa_of(core);

		c->logical = core->logical_index;
		c->key[TOPO_KEY_PACKAGE] = pkg		   ? pkg->logical_index
					   : have_packages ? TOPO_KEY_NONE
							   : 0;
		c->key[TOPO_KEY_NUMA] = numa ? numa->logical_index : TOPO_KEY_NONE;
		c->numa_os = numa ? (int)numa->os_index : -1;
		for (unsigned k = 2; k < topo_m.nr_keys; k++) {
			hwloc_obj_t a =
			    hwloc_get_ancestor_obj_by_depth(t, topo_m.level[k].depth, core);
			c->key[k] = a ? a->logical_index : TOPO_KEY_NONE;
		}
		c->first_pu = topo_m.nr_pus;
		if (core->type == HWLOC_OBJ_PU) {
			topo_m.pu_core[topo_m.nr_pus] = i;
			topo_m.pu_os[topo_m.nr_pus++] = core->os_index;
		} else {
			hwloc_obj_t pu = NULL;
			while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(t, core->cpuset,
									      HWLOC_OBJ_PU, pu)) &&
			       topo_m.nr_pus < total_pus) {
				topo_m.pu_core[topo_m.nr_pus] = i;
				topo_m.pu_os[topo_m.nr_pus++] = pu->os_index;
			}
		}
		c->nr_pus = topo_m.nr_pus - c->first_pu;
		if (!c->nr_pus)
			return opt_error("topology", "core L#%u has no PU", i);
	}

	for (unsigned s = 0; s < topo_m.nr_pus; s++)
		if (topo_m.pu_os[s] + 1 > topo_m.max_os)
			topo_m.max_os = topo_m.pu_os[s] + 1;
	topo_m.os_slot = malloc(topo_m.max_os * sizeof(*topo_m.os_slot));
	if (!topo_m.os_slot)
		return opt_error("topology", "out of memory");
	for (unsigned o = 0; o < topo_m.max_os; o++)
		topo_m.os_slot[o] = -1;
	for (unsigned s = 0; s < topo_m.nr_pus; s++)
		topo_m.os_slot[topo_m.pu_os[s]] = (int)s;

	struct topo_summary *sum = &topo_m.sum;
	sum->packages = (unsigned)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	sum->numa_nodes = (unsigned)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	sum->cores = topo_m.nr_cores;
	sum->pus = total_pus;
	sum->smt = total_pus > topo_m.nr_cores;
	return 0;
}

static int model_load(void)
{
	hwloc_topology_t t;
	struct topo_summary *sum = &topo_m.sum;

	if (hwloc_topology_init(&t))
		return opt_error("topology", "hwloc_topology_init failed");
	topo_m.t = t;
	switch (source) {
	case TS_HOST:
		strcpy(sum->source, "host");
		strcpy(sum->name, "this machine");
		break;
	case TS_PRESET:
		strcpy(sum->source, "preset");
		strcpy(sum->name, source_arg);
		snprintf(sum->synthetic, sizeof(sum->synthetic), "%s", preset_synthetic);
		if (hwloc_topology_set_synthetic(t, preset_synthetic)) {
			hwloc_topology_destroy(t);
			return opt_error("topology", "preset %s: hwloc refused '%s'", source_arg,
					 preset_synthetic);
		}
		break;
	case TS_SYNTHETIC:
		strcpy(sum->source, "synthetic");
		strcpy(sum->name, source_arg);
		strcpy(sum->synthetic, source_arg);
		if (hwloc_topology_set_synthetic(t, source_arg)) {
			hwloc_topology_destroy(t);
			return opt_error("topology",
					 "invalid hwloc synthetic description '%s' (e.g. "
					 "\"Package:2 NUMANode:1 Core:80 PU:1\"; "
					 "HWLOC_SYNTHETIC_VERBOSE=1 shows hwloc's reason)",
					 source_arg);
		}
		break;
	case TS_XML:
		strcpy(sum->source, "xml");
		strcpy(sum->name, source_arg);
		if (access(source_arg, R_OK) != 0) {
			int e = errno;
			hwloc_topology_destroy(t);
			return opt_error("topology", "cannot read %s: %s", source_arg, strerror(e));
		}
		/* hwloc 2.9 can crash on malformed XML (found by fuzzing):
		 * load it in a child process first. */
		if (topo_probe_load(source_arg, NULL)) {
			hwloc_topology_destroy(t);
			return -1;
		}
		if (hwloc_topology_set_xml(t, source_arg)) {
			hwloc_topology_destroy(t);
			return opt_error(
			    "topology",
			    "%s is not a valid hwloc XML topology (export one with "
			    "lstopo --of xml; HWLOC_XML_VERBOSE=1 shows hwloc's reason)",
			    source_arg);
		}
		break;
	}
	if (hwloc_topology_load(t)) {
		int e = errno;
		hwloc_topology_destroy(t);
		return opt_error("topology", "hwloc could not load the topology: %s", strerror(e));
	}
	topo_m.loaded = true;
	topo_m.this_machine = source == TS_HOST && hwloc_topology_is_thissystem(t);
	return model_build();
}

void topo_slot_loc(int slot, struct topo_loc *out)
{
	out->pu = out->core = out->numa = out->package = -1;
	if (slot < 0 || (unsigned)slot >= topo_m.nr_pus)
		return;
	const struct topo_core *c = &topo_m.cores[topo_m.pu_core[slot]];
	out->pu = (int)topo_m.pu_os[slot];
	out->core = (int)c->logical;
	out->numa = c->numa_os;
	out->package =
	    c->key[TOPO_KEY_PACKAGE] == TOPO_KEY_NONE ? -1 : (int)c->key[TOPO_KEY_PACKAGE];
}

const char *topo_source_desc(void)
{
	if (source == TS_PRESET)
		for (size_t i = 0; i < NR_PRESETS; i++)
			if (strcmp(source_arg, topo_presets[i].name) == 0)
				return topo_presets[i].what;
	if (source == TS_HOST)
		return "this machine, as hwloc sees it";
	return source == TS_XML ? "hwloc XML export" : "hwloc synthetic topology";
}

void topo_size_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0)
		snprintf(buf, len, "%llu MB", (unsigned long long)(bytes >> 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%llu KB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
}

void topo_level_label(unsigned level, unsigned index, char *buf, size_t len)
{
	char sz[32];
	if (index == TOPO_KEY_NONE) {
		snprintf(buf, len, "no %s", topo_m.level[level].name);
	} else if (level == TOPO_KEY_PACKAGE) {
		snprintf(buf, len, "package %u", index);
	} else if (level == TOPO_KEY_NUMA) {
		hwloc_obj_t n = hwloc_get_obj_by_type(topo_m.t, HWLOC_OBJ_NUMANODE, index);
		snprintf(buf, len, "NUMA node %u", n ? n->os_index : index);
	} else if (topo_m.level[level].size_bytes) {
		hwloc_obj_t o = hwloc_get_obj_by_depth(topo_m.t, topo_m.level[level].depth, index);
		topo_size_text(o ? o->attr->cache.size : topo_m.level[level].size_bytes, sz,
			       sizeof(sz));
		snprintf(buf, len, "%s #%u (%s)", topo_m.level[level].name, index, sz);
	} else {
		snprintf(buf, len, "%s #%u", topo_m.level[level].name, index);
	}
}

/* ---- validation ---- */

static int check_mem_node(void)
{
	if (topo_mem_node < 0)
		return 0;
	if (hwloc_get_numanode_obj_by_os_index(topo_m.t, (unsigned)topo_mem_node))
		return 0;
	return opt_error("mem-node", "NUMA node %d does not exist (%s has %u NUMA node%s)",
			 topo_mem_node, topo_m.sum.name, topo_m.sum.numa_nodes,
			 topo_m.sum.numa_nodes == 1 ? "" : "s");
}

int topo_validate(void)
{
	if (validated)
		return 0;
	if (!topo_place.given) {
		/* The default, as if given, but not recorded as given. */
		if (parse_spec(&topo_place, TOPO_DEFAULT_PLACE))
			return -1;
		topo_place.given = false;
	}
	if (topo_plan_image_path && !plan_requested)
		return opt_error("plan-image", "needs --plan");
	model_free();
	if (model_load())
		return -1;
	if (!topo_m.this_machine && !plan_requested)
		return opt_error("topology",
				 "this topology (%s %s) is not this machine; add --plan",
				 topo_m.sum.source, topo_m.sum.name);
	if (topo_resolve_spec(&topo_place) || topo_resolve_spec(&topo_vcpu_place) ||
	    topo_resolve_spec(&topo_device_place) || check_mem_node())
		return -1;
	if (topo_plan_image_path && topo_plan_image_check(topo_plan_image_path))
		return -1;
	validated = true;
	return 0;
}

int topo_get_summary(struct topo_summary *out)
{
	if (!topo_m.loaded)
		return -1;
	*out = topo_m.sum;
	return 0;
}

static void json_spec(struct json *js, const char *key, const struct topo_spec *s)
{
	if (s->given || s == &topo_place)
		json_str(js, key, s->text);
	else
		json_null(js, key);
}

void topo_write_json(struct json *js)
{
	const struct topo_summary *s = &topo_m.sum;
	json_obj_begin(js, "topology");
	json_str(js, "source", s->source);
	json_str(js, "name", s->name);
	if (s->synthetic[0])
		json_str(js, "synthetic", s->synthetic);
	else
		json_null(js, "synthetic");
	json_bool(js, "this_machine", topo_is_this_machine());
	json_u64(js, "packages", s->packages);
	json_u64(js, "numa_nodes", s->numa_nodes);
	json_u64(js, "cores", s->cores);
	json_u64(js, "pus", s->pus);
	json_bool(js, "smt", s->smt);
	json_arr_begin(js, "shared_caches");
	for (unsigned i = 0; i < s->nr_shared; i++) {
		json_obj_begin(js, NULL);
		json_str(js, "level", s->shared[i].name);
		json_u64(js, "count", s->shared[i].count);
		json_u64(js, "cores_min", s->shared[i].cores_min);
		json_u64(js, "cores_max", s->shared[i].cores_max);
		json_u64_or_null(js, "size_bytes",
				 s->shared[i].size_bytes ? s->shared[i].size_bytes : UINT64_MAX);
		json_obj_end(js);
	}
	json_arr_end(js);
	json_spec(js, "place", &topo_place);
	json_bool(js, "place_given", topo_place.given);
	json_spec(js, "vcpu_place", &topo_vcpu_place);
	json_spec(js, "device_place", &topo_device_place);
	if (topo_mem_node >= 0)
		json_i64(js, "mem_node", topo_mem_node);
	else
		json_null(js, "mem_node");
	json_obj_end(js);
}

static void spec_reset(struct topo_spec *s)
{
	const char *opt = s->opt;
	free(s->cpus);
	free(s->slots);
	memset(s, 0, sizeof(*s));
	s->opt = opt;
}

void topo_reset(void)
{
	topo_place_reset();
	model_free();
	spec_reset(&topo_place);
	spec_reset(&topo_vcpu_place);
	spec_reset(&topo_device_place);
	topo_mem_node = -1;
	topo_plan_image_path = NULL;
	source = TS_HOST;
	source_arg[0] = 0;
	preset_synthetic = NULL;
	plan_requested = false;
	validated = false;
}
