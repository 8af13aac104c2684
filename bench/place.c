/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placement, part 2: policies, plans, binding and checking.
 *
 * A placement option resolves to a sequence of PU slots (topo_impl.h):
 * worker j of the option goes to slot j modulo the sequence's length. The
 * sequence is computed once, by topo_validate(), so a plan printed with
 * --plan and the binding of a real run come from the same code and the
 * same numbers.
 *
 * Binding: each worker binds itself (hwloc_set_cpubind, this thread), then
 * reads back where it runs (hwloc_get_last_cpu_location, falling back to
 * sched_getcpu) and what it is bound to (hwloc_get_cpubind). A worker is
 * recorded as bound only when both match the target.
 *
 * Context: see topo.h. Records are an array owned by the main thread,
 * sized by topo_run_begin(); worker i writes only records[i], before the
 * driver's start barrier; the main thread reads them after it.
 */
#include "topo_impl.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../util/json.h"

static struct topo_where *records;
static unsigned nr_records;
static bool main_mem_failed;

/* Warned once per process. */
static bool warned_oversub, warned_shared, warned_failed, warned_mem;

/* ---- ordering ---- */

static const unsigned *sort_levels;
static unsigned sort_nr_levels;

static int cmp_cores(const void *a, const void *b)
{
	const struct topo_core *x = &topo_m.cores[*(const unsigned *)a];
	const struct topo_core *y = &topo_m.cores[*(const unsigned *)b];
	for (unsigned i = 0; i < sort_nr_levels; i++) {
		unsigned k = sort_levels[i];
		if (x->key[k] != y->key[k])
			return x->key[k] < y->key[k] ? -1 : 1;
	}
	return x->logical < y->logical ? -1 : x->logical > y->logical;
}

/*
 * idx[0..n) is sorted by the keys of levels[0..nr): reorder it so that
 * consecutive entries alternate between the groups of levels[0] (round
 * robin), each group itself ordered the same way by the remaining levels.
 * tmp has room for n entries.
 */
static int interleave(unsigned *idx, unsigned n, const unsigned *levels, unsigned nr, unsigned *tmp)
{
	unsigned nr_groups = 0, *start, k = 0;

	if (!nr || n <= 1)
		return 0;
	start = malloc((n + 1) * sizeof(*start));
	if (!start)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (i == 0 ||
		    topo_m.cores[idx[i]].key[levels[0]] != topo_m.cores[idx[i - 1]].key[levels[0]])
			start[nr_groups++] = i;
	start[nr_groups] = n;
	for (unsigned g = 0; g < nr_groups; g++) {
		if (interleave(idx + start[g], start[g + 1] - start[g], levels + 1, nr - 1, tmp)) {
			free(start);
			return -1;
		}
	}
	for (unsigned round = 0; k < n; round++)
		for (unsigned g = 0; g < nr_groups; g++)
			if (start[g] + round < start[g + 1])
				tmp[k++] = idx[start[g] + round];
	memcpy(idx, tmp, n * sizeof(*idx));
	free(start);
	return 0;
}

static bool in_domain(const struct topo_spec *s, const struct topo_core *c)
{
	switch (s->domain) {
	case TD_PACKAGE:
		return c->key[TOPO_KEY_PACKAGE] == s->domain_index;
	case TD_NUMA:
		return c->numa_os == (int)s->domain_index;
	case TD_ALL:
		break;
	}
	return true;
}

static int resolve_domain_error(const struct topo_spec *s)
{
	const struct topo_summary *m = &topo_m.sum;
	if (s->domain == TD_PACKAGE)
		return opt_error(s->opt, "package %u does not exist (%s has %u package%s: 0-%u)",
				 s->domain_index, m->name, m->packages ? m->packages : 1,
				 m->packages == 1 ? "" : "s", m->packages ? m->packages - 1 : 0);
	if (!hwloc_get_numanode_obj_by_os_index(topo_m.t, s->domain_index))
		return opt_error(s->opt, "NUMA node %u does not exist (%s has %u NUMA node%s)",
				 s->domain_index, m->name, m->numa_nodes,
				 m->numa_nodes == 1 ? "" : "s");
	return opt_error(s->opt, "NUMA node %u has no cores", s->domain_index);
}

static int resolve_list(struct topo_spec *s)
{
	unsigned missing = 0, first_missing = 0;
	for (unsigned i = 0; i < s->nr_cpus; i++) {
		unsigned cpu = s->cpus[i];
		if (cpu >= topo_m.max_os || topo_m.os_slot[cpu] < 0) {
			if (!missing++)
				first_missing = cpu;
			continue;
		}
		s->slots[s->nr_slots++] = (unsigned)topo_m.os_slot[cpu];
	}
	if (!missing)
		return 0;

	char have[256] = "?";
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	if (set) {
		for (unsigned i = 0; i < topo_m.nr_pus; i++)
			hwloc_bitmap_set(set, topo_m.pu_os[i]);
		hwloc_bitmap_list_snprintf(have, sizeof(have), set);
		hwloc_bitmap_free(set);
	}
	if (missing == 1)
		return opt_error(s->opt, "CPU %u does not exist on %s (CPUs: %s)", first_missing,
				 topo_m.sum.name, have);
	return opt_error(s->opt, "%u listed CPUs do not exist on %s, the first is %u (CPUs: %s)",
			 missing, topo_m.sum.name, first_missing, have);
}

int topo_resolve_spec(struct topo_spec *s)
{
	static const unsigned numa_level[] = {TOPO_KEY_NUMA};
	unsigned all_levels[TOPO_MAX_KEYS];
	unsigned *order, *tmp, n = 0, max_pus = 0;
	int ret = 0;

	free(s->slots);
	s->slots = NULL;
	s->nr_slots = 0;
	if (s->policy == TP_NONE)
		return 0;
	if (s->policy == TP_LIST) {
		s->slots = malloc(s->nr_cpus * sizeof(*s->slots));
		if (!s->slots)
			return opt_error(s->opt, "out of memory");
		return resolve_list(s);
	}

	order = malloc(topo_m.nr_cores * sizeof(*order));
	tmp = malloc(topo_m.nr_cores * sizeof(*tmp));
	s->slots = malloc(topo_m.nr_pus * sizeof(*s->slots));
	if (!order || !tmp || !s->slots) {
		ret = opt_error(s->opt, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < topo_m.nr_cores; i++) {
		if (!in_domain(s, &topo_m.cores[i]))
			continue;
		order[n++] = i;
		if (topo_m.cores[i].nr_pus > max_pus)
			max_pus = topo_m.cores[i].nr_pus;
	}
	if (!n) {
		ret = resolve_domain_error(s);
		goto out;
	}

	for (unsigned k = 0; k < topo_m.nr_keys; k++)
		all_levels[k] = k;
	if (s->policy == TP_SCATTER) {
		sort_levels = all_levels;
		sort_nr_levels = topo_m.nr_keys;
	} else if (s->policy == TP_NUMA) {
		sort_levels = numa_level;
		sort_nr_levels = 1;
	} else {
		sort_nr_levels = 0; /* compact: topology order */
	}
	qsort(order, n, sizeof(*order), cmp_cores);
	if (interleave(order, n, sort_levels, sort_nr_levels, tmp)) {
		ret = opt_error(s->opt, "out of memory");
		goto out;
	}

	/* Every core's first PU, then every core's second, ... */
	for (unsigned p = 0; p < max_pus; p++)
		for (unsigned i = 0; i < n; i++)
			if (p < topo_m.cores[order[i]].nr_pus)
				s->slots[s->nr_slots++] = topo_m.cores[order[i]].first_pu + p;
out:
	free(order);
	free(tmp);
	return ret;
}

const struct topo_spec *topo_spec_for(unsigned role)
{
	if (role == TOPO_ROLE_VCPU && topo_vcpu_place.given)
		return &topo_vcpu_place;
	if (role == TOPO_ROLE_GENERIC && topo_device_place.given)
		return &topo_device_place;
	return &topo_place;
}

/* The PU slot a worker aims for (-1: unbound); fills what it knows of w. */
static int target(unsigned worker, unsigned role, unsigned role_index, struct topo_where *w)
{
	const struct topo_spec *s = topo_spec_for(role);
	unsigned j = s == &topo_place ? worker : role_index;
	int slot = s->nr_slots ? (int)s->slots[j % s->nr_slots] : -1;

	memset(w, 0, sizeof(*w));
	w->role = role;
	w->role_index = role_index;
	w->place = s->text;
	topo_slot_loc(slot, &w->plan);
	topo_slot_loc(-1, &w->ran);
	w->mem_node = topo_mem_node;
	if (w->mem_node < 0 && s->policy == TP_NUMA)
		w->mem_node = w->plan.numa;
	return slot;
}

int topo_plan_where(unsigned worker, unsigned role, unsigned role_index, struct topo_where *out)
{
	if (!topo_m.loaded || (topo_place.policy != TP_NONE && !topo_place.nr_slots))
		return -1;
	target(worker, role, role_index, out);
	return 0;
}

/* ---- binding ---- */

void topo_place_reset(void)
{
	free(records);
	records = NULL;
	nr_records = 0;
	main_mem_failed = false;
}

int topo_run_begin(unsigned nr_workers)
{
	if (!topo_m.loaded) {
		fprintf(stderr, "lpibench: topo_run_begin before topo_validate\n");
		return -1;
	}
	struct topo_where *r = calloc(nr_workers ? nr_workers : 1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "lpibench: out of memory for %u placement records\n", nr_workers);
		return -1;
	}
	free(records);
	records = r;
	nr_records = nr_workers;
	if (nr_workers > topo_m.nr_cores && !warned_oversub) {
		warned_oversub = true;
		fprintf(
		    stderr,
		    "lpibench: warning: %u threads on %u cores: threads share cores, so results "
		    "include time-sharing\n",
		    nr_workers, topo_m.nr_cores);
	}
	return 0;
}

static int bind_memory_to(int node)
{
	hwloc_nodeset_t ns = hwloc_bitmap_alloc();
	int ret;
	if (!ns)
		return -1;
	hwloc_bitmap_only(ns, (unsigned)node);
	ret = hwloc_set_membind(topo_m.t, ns, HWLOC_MEMBIND_BIND,
				HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET);
	hwloc_bitmap_free(ns);
	return ret;
}

/* The Linux CPU the calling thread last ran on, or -1. */
static int current_cpu(hwloc_bitmap_t scratch)
{
	if (hwloc_get_last_cpu_location(topo_m.t, scratch, HWLOC_CPUBIND_THREAD) == 0 &&
	    hwloc_bitmap_weight(scratch) == 1)
		return hwloc_bitmap_first(scratch);
	return sched_getcpu();
}

int topo_bind_worker(unsigned worker, unsigned role, unsigned role_index)
{
	struct topo_where *w;
	hwloc_bitmap_t want, got;
	int slot, cpu;
	bool ok = true;

	if (worker >= nr_records || !topo_m.loaded)
		return -1;
	w = &records[worker];
	slot = target(worker, role, role_index, w);
	want = hwloc_bitmap_alloc();
	got = hwloc_bitmap_alloc();
	if (!want || !got) {
		hwloc_bitmap_free(want);
		hwloc_bitmap_free(got);
		w->state = slot < 0 ? TOPO_UNBOUND : TOPO_BIND_FAILED;
		w->bind_errno = ENOMEM;
		return slot < 0 ? 0 : -1;
	}
	if (slot >= 0) {
		hwloc_bitmap_only(want, topo_m.pu_os[slot]);
		if (hwloc_set_cpubind(topo_m.t, want, HWLOC_CPUBIND_THREAD)) {
			w->bind_errno = errno ? errno : EINVAL;
			ok = false;
		} else if (hwloc_get_cpubind(topo_m.t, got, HWLOC_CPUBIND_THREAD) == 0 &&
			   !hwloc_bitmap_isequal(want, got)) {
			ok = false; /* accepted, but not what we asked for */
		}
	}
	if (w->mem_node >= 0)
		w->mem_bound = bind_memory_to(w->mem_node) == 0;

	cpu = current_cpu(got);
	if (cpu >= 0 && (unsigned)cpu < topo_m.max_os && topo_m.os_slot[cpu] >= 0) {
		topo_slot_loc(topo_m.os_slot[cpu], &w->ran);
	} else {
		topo_slot_loc(-1, &w->ran);
		w->ran.pu = cpu;
	}
	if (slot < 0)
		w->state = TOPO_UNBOUND;
	else if (ok && cpu == (int)topo_m.pu_os[slot])
		w->state = TOPO_BOUND;
	else
		w->state = TOPO_BIND_FAILED;
	hwloc_bitmap_free(want);
	hwloc_bitmap_free(got);
	return w->state == TOPO_BIND_FAILED ? -1 : 0;
}

int topo_bind_memory(void)
{
	if (topo_mem_node < 0 || !topo_m.loaded)
		return 0;
	if (bind_memory_to(topo_mem_node) == 0)
		return 0;
	int err = errno;
	main_mem_failed = true;
	if (!warned_mem) {
		warned_mem = true;
		fprintf(stderr, "lpibench: warning: cannot bind memory to NUMA node %d: %s\n",
			topo_mem_node, strerror(err));
	}
	errno = err; /* callers tell "unsupported" (ENOSYS) from a refusal */
	return -1;
}

/* ---- checking ---- */

/* Counts per core of workers observed there; NULL on no memory. */
static unsigned *core_counts(void)
{
	unsigned *cnt = calloc(topo_m.nr_cores ? topo_m.nr_cores : 1, sizeof(*cnt));
	for (unsigned i = 0; cnt && i < nr_records; i++)
		if (records[i].ran.core >= 0 && (unsigned)records[i].ran.core < topo_m.nr_cores)
			cnt[records[i].ran.core]++;
	return cnt;
}

static void compute_report(struct topo_run_report *r)
{
	unsigned *cnt = core_counts();
	memset(r, 0, sizeof(*r));
	r->nr_workers = nr_records;
	r->oversubscribed = nr_records > topo_m.nr_cores;
	for (unsigned i = 0; i < nr_records; i++) {
		const struct topo_where *w = &records[i];
		if (w->state == TOPO_BOUND)
			r->bound++;
		else if (w->state == TOPO_UNBOUND)
			r->unbound++;
		else
			r->failed++;
		if (w->mem_node >= 0 && !w->mem_bound)
			r->mem_failed++;
	}
	for (unsigned c = 0; cnt && c < topo_m.nr_cores; c++)
		if (cnt[c] > 1)
			r->shared_cores++;
	free(cnt);
}

unsigned topo_run_check(struct topo_run_report *out)
{
	struct topo_run_report r;
	compute_report(&r);
	if (out)
		*out = r;

	if (r.failed && !warned_failed) {
		for (unsigned i = 0; i < nr_records; i++) {
			const struct topo_where *w = &records[i];
			if (w->state != TOPO_BIND_FAILED && w->state != TOPO_NOT_STARTED)
				continue;
			warned_failed = true;
			fprintf(
			    stderr,
			    "lpibench: warning: binding failed for %u of %u threads (thread %u: "
			    "wanted CPU %d, runs on CPU %d%s%s)\n",
			    r.failed, r.nr_workers, i, w->plan.pu, w->ran.pu,
			    w->bind_errno ? ": " : "",
			    w->bind_errno ? strerror(w->bind_errno) : "");
			break;
		}
	}
	/* Oversubscription was announced by topo_run_begin(); unbound threads
	 * move, so where they started proves nothing. */
	if (r.shared_cores && !r.oversubscribed && r.bound + r.failed > 0 && !warned_shared) {
		unsigned *cnt = core_counts();
		for (unsigned c = 0; cnt && c < topo_m.nr_cores; c++) {
			if (cnt[c] < 2)
				continue;
			warned_shared = true;
			fprintf(
			    stderr,
			    "lpibench: warning: %u core%s run two or more threads (core %u runs "
			    "%u)\n",
			    r.shared_cores, r.shared_cores == 1 ? "" : "s", c, cnt[c]);
			break;
		}
		free(cnt);
	}
	if (r.mem_failed && !warned_mem) {
		warned_mem = true;
		fprintf(stderr, "lpibench: warning: memory binding refused for %u of %u threads\n",
			r.mem_failed, r.nr_workers);
	}
	return r.failed;
}

int topo_worker_info(unsigned worker, struct topo_where *out)
{
	if (worker >= nr_records)
		return -1;
	*out = records[worker];
	return 0;
}

static const char *state_name(enum topo_bind_state s)
{
	switch (s) {
	case TOPO_NOT_STARTED:
		return "not_started";
	case TOPO_UNBOUND:
		return "unbound";
	case TOPO_BOUND:
		return "bound";
	case TOPO_BIND_FAILED:
		return "failed";
	}
	return "?";
}

static void json_int_or_null(struct json *js, const char *key, int v)
{
	if (v >= 0)
		json_i64(js, key, v);
	else
		json_null(js, key);
}

void topo_write_placement_json(struct json *js)
{
	struct topo_run_report r;
	compute_report(&r);
	json_obj_begin(js, "placement");
	json_u64(js, "threads", r.nr_workers);
	json_u64(js, "bound", r.bound);
	json_u64(js, "unbound", r.unbound);
	json_u64(js, "failed", r.failed);
	json_u64(js, "shared_cores", r.shared_cores);
	json_bool(js, "oversubscribed", r.oversubscribed);
	json_u64(js, "mem_failed", r.mem_failed + (main_mem_failed ? 1 : 0));
	json_arr_begin(js, "workers");
	for (unsigned i = 0; i < nr_records; i++) {
		const struct topo_where *w = &records[i];
		json_obj_begin(js, NULL);
		json_u64(js, "worker", i);
		json_str(js, "role", w->role == TOPO_ROLE_VCPU ? "vcpu" : "generic");
		json_u64(js, "role_index", w->role_index);
		if (w->place)
			json_str(js, "place", w->place);
		else
			json_null(js, "place");
		json_str(js, "state", state_name(w->state));
		json_int_or_null(js, "plan_pu", w->plan.pu);
		json_int_or_null(js, "pu", w->ran.pu);
		json_int_or_null(js, "core", w->ran.core);
		json_int_or_null(js, "numa", w->ran.numa);
		json_int_or_null(js, "package", w->ran.package);
		json_int_or_null(js, "mem_node", w->mem_node);
		json_bool(js, "mem_bound", w->mem_bound);
		if (w->bind_errno)
			json_str(js, "bind_error", strerror(w->bind_errno));
		json_obj_end(js);
	}
	json_arr_end(js);
	json_obj_end(js);
}

/* ---- --plan ---- */

static void put_int(FILE *out, int width, int v)
{
	if (v >= 0)
		fprintf(out, " %*d", width, v);
	else
		fprintf(out, " %*s", width, "-");
}

static void print_machine(FILE *out)
{
	const struct topo_summary *m = &topo_m.sum;
	if (strcmp(m->source, "preset") == 0)
		fprintf(out, "machine: preset %s: %s\n", m->name, topo_source_desc());
	else if (strcmp(m->source, "xml") == 0)
		fprintf(out, "machine: %s: %s\n", topo_source_desc(), m->name);
	else
		fprintf(out, "machine: %s\n", topo_source_desc());
	if (m->synthetic[0])
		fprintf(out, "  synthetic: %s\n", m->synthetic);
	fprintf(out, "  %u package%s, %u NUMA node%s, %u cores, %u PUs, SMT %s\n", m->packages,
		m->packages == 1 ? "" : "s", m->numa_nodes, m->numa_nodes == 1 ? "" : "s", m->cores,
		m->pus, m->smt ? "yes" : "no");
	fprintf(out, "  shared caches:");
	if (!m->nr_shared)
		fprintf(out, " none shown");
	for (unsigned i = 0; i < m->nr_shared; i++) {
		const struct topo_shared_level *s = &m->shared[i];
		fprintf(out, "%s %u x %s (", i ? ";" : "", s->count, s->name);
		if (s->cores_min == s->cores_max)
			fprintf(out, "%u cores each", s->cores_min);
		else
			fprintf(out, "%u-%u cores each", s->cores_min, s->cores_max);
		if (s->size_bytes) {
			char sz[32];
			topo_size_text(s->size_bytes, sz, sizeof(sz));
			fprintf(out, ", %s", sz);
		}
		fputc(')', out);
	}
	fputc('\n', out);
	fprintf(out, "placement: --place=%s%s", topo_place.text,
		topo_place.given ? "" : " (default)");
	if (topo_device_place.given)
		fprintf(out, " --device-place=%s", topo_device_place.text);
	if (topo_vcpu_place.given)
		fprintf(out, " --vcpu-place=%s", topo_vcpu_place.text);
	if (topo_mem_node >= 0)
		fprintf(out, "; memory on NUMA node %d (--mem-node)\n", topo_mem_node);
	else if (topo_place.policy == TP_NUMA || topo_device_place.policy == TP_NUMA ||
		 topo_vcpu_place.policy == TP_NUMA)
		fprintf(out, "; memory: numa-placed threads on their node, others first touch\n");
	else
		fprintf(out, "; memory: first touch\n");
}

/* Prints one run's plan; fills slot[] and role[] (nr entries). */
static void print_run(FILE *out, const struct topo_plan_run *run, int *slot, unsigned char *role)
{
	unsigned nr = run->nr_threads;
	unsigned first_vcpu = run->vcpu_first < nr ? run->vcpu_first : nr;
	unsigned nr_vcpu = run->nr_vcpu < nr - first_vcpu ? run->nr_vcpu : nr - first_vcpu;
	unsigned nr_pkg = topo_m.sum.packages ? topo_m.sum.packages : 1;
	unsigned nr_numa = topo_m.sum.numa_nodes ? topo_m.sum.numa_nodes : 1;
	unsigned *per_pkg = calloc(nr_pkg, sizeof(*per_pkg));
	unsigned *per_numa = calloc(nr_numa, sizeof(*per_numa));
	unsigned *per_core = calloc(topo_m.nr_cores, sizeof(*per_core));
	unsigned used = 0, shared = 0, unbound = 0;

	fprintf(out, "\nplan: %u thread%s", nr, nr == 1 ? "" : "s");
	if (nr_vcpu)
		fprintf(out, " (%u vCPU, %u other)", nr_vcpu, nr - nr_vcpu);
	int pw = 5; /* width of the place column */
	const struct topo_spec *specs[] = {&topo_place, &topo_device_place, &topo_vcpu_place};
	for (unsigned i = 0; i < 3; i++)
		if ((specs[i]->given || specs[i] == &topo_place) &&
		    (int)strlen(specs[i]->text) > pw)
			pw = (int)strlen(specs[i]->text);
	fprintf(out, "\n thread role    index %-*s   cpu  core  numa  package", pw, "place");
	for (unsigned k = 2; k < topo_m.nr_keys; k++)
		fprintf(out, " %7s", topo_m.level[k].name);
	fputc('\n', out);

	for (unsigned i = 0; i < nr; i++) {
		struct topo_where w;
		unsigned r = i >= first_vcpu && i - first_vcpu < nr_vcpu ? TOPO_ROLE_VCPU
									 : TOPO_ROLE_GENERIC;
		unsigned ri = r == TOPO_ROLE_VCPU ? i - first_vcpu : i;
		int s = target(i, r, ri, &w);
		slot[i] = s;
		role[i] = (unsigned char)r;
		fprintf(out, " %6u %-7s %5u %-*s", i,
			r == TOPO_ROLE_VCPU ? "vcpu"
			: nr_vcpu	    ? "device"
					    : "generic",
			ri, pw, w.place);
		put_int(out, 5, w.plan.pu);
		put_int(out, 5, w.plan.core);
		put_int(out, 5, w.plan.numa);
		put_int(out, 8, w.plan.package);
		if (s < 0) {
			for (unsigned k = 2; k < topo_m.nr_keys; k++)
				fprintf(out, " %7s", "-");
			fputc('\n', out);
			unbound++;
			continue;
		}
		const struct topo_core *c = &topo_m.cores[topo_m.pu_core[s]];
		for (unsigned k = 2; k < topo_m.nr_keys; k++)
			put_int(out, 7, c->key[k] == TOPO_KEY_NONE ? -1 : (int)c->key[k]);
		fputc('\n', out);
		if (per_pkg && c->key[TOPO_KEY_PACKAGE] < nr_pkg)
			per_pkg[c->key[TOPO_KEY_PACKAGE]]++;
		if (per_numa && c->key[TOPO_KEY_NUMA] < nr_numa)
			per_numa[c->key[TOPO_KEY_NUMA]]++;
		if (per_core && per_core[topo_m.pu_core[s]]++ == 1)
			shared++;
	}

	char label[64];
	fprintf(out, " threads per package:");
	for (unsigned p = 0; per_pkg && p < nr_pkg; p++)
		fprintf(out, " %u:%u", p, per_pkg[p]);
	fprintf(out, "\n threads per NUMA node:");
	for (unsigned n = 0; per_numa && n < nr_numa; n++) {
		topo_level_label(TOPO_KEY_NUMA, n, label, sizeof(label));
		fprintf(out, " %s:%u", label + strlen("NUMA node "), per_numa[n]);
	}
	for (unsigned c = 0; per_core && c < topo_m.nr_cores; c++)
		used += per_core[c] > 0;
	fprintf(out, "\n cores used: %u of %u; cores with two or more threads: %u", used,
		topo_m.nr_cores, shared);
	if (unbound)
		fprintf(out, "; unbound threads: %u", unbound);
	fputc('\n', out);
	if (nr > topo_m.nr_cores)
		fprintf(out, " note: %u threads on %u cores share cores\n", nr, topo_m.nr_cores);
	free(per_pkg);
	free(per_numa);
	free(per_core);
}

int topo_plan_main(const struct topo_plan_run *runs, unsigned nr_runs, FILE *out)
{
	unsigned biggest = 0;
	int *slot = NULL, *best_slot = NULL;
	unsigned char *role = NULL, *best_role = NULL;
	int ret = 0;

	if (!topo_m.loaded) {
		fprintf(stderr, "lpibench: --plan: no topology (topo_validate not called)\n");
		return 2;
	}
	print_machine(out);
	for (unsigned r = 0; r < nr_runs; r++) {
		unsigned n = runs[r].nr_threads;
		slot = calloc(n ? n : 1, sizeof(*slot));
		role = calloc(n ? n : 1, sizeof(*role));
		if (!slot || !role) {
			fprintf(stderr, "lpibench: --plan: out of memory\n");
			ret = 1;
			break;
		}
		print_run(out, &runs[r], slot, role);
		if (!best_slot || n > runs[biggest].nr_threads) {
			free(best_slot);
			free(best_role);
			best_slot = slot;
			best_role = role;
			biggest = r;
		} else {
			free(slot);
			free(role);
		}
		slot = NULL;
		role = NULL;
	}
	fflush(out);
	if (!ret && topo_plan_image_path && best_slot) {
		char title[1024];
		snprintf(title, sizeof(title), "%.300s: %u threads, --place=%s%s%s%s%s",
			 topo_m.sum.name, runs[biggest].nr_threads, topo_place.text,
			 topo_device_place.given ? " --device-place=" : "",
			 topo_device_place.given ? topo_device_place.text : "",
			 topo_vcpu_place.given ? " --vcpu-place=" : "",
			 topo_vcpu_place.given ? topo_vcpu_place.text : "");
		if (topo_plan_image(topo_plan_image_path, title, runs[biggest].nr_threads,
				    best_slot, best_role))
			ret = 1;
		else
			fprintf(out, "\nplan image: %s\n", topo_plan_image_path);
	}
	free(slot);
	free(role);
	free(best_slot);
	free(best_role);
	return ret;
}
