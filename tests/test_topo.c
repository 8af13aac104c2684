/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Placement tests. Plans are checked on synthetic topologies, so they are
 * deterministic whatever machine runs the test: compact and scatter on a
 * 2-socket, 2-NUMA, 80-core-per-socket machine (the altra-2s preset), role
 * placement, list validation, malformed synthetic strings and XML files.
 * Then, on this machine, two workers are bound compact and must be seen
 * running on two different CPUs, recorded as bound.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/json.h"
#include "bench/topo.h"
#include "check.h"

/* Applies one option as the parser would; returns apply()'s result. */
static int opt(const char *name, const char *arg)
{
	for (const struct bench_opt *o = topo_opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return opt_apply(o, arg);
	fprintf(stderr, "no option --%s\n", name);
	return -2;
}

static struct topo_where where(unsigned worker, unsigned role, unsigned role_index)
{
	struct topo_where w;
	memset(&w, 0xff, sizeof(w));
	CHECK(topo_plan_where(worker, role, role_index, &w) == 0);
	return w;
}

static void test_summary(void)
{
	struct topo_summary s;
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(topo_validate() == 0);
	CHECK(topo_get_summary(&s) == 0);
	CHECK(strcmp(s.source, "preset") == 0);
	CHECK(strcmp(s.name, "altra-2s") == 0);
	CHECK(s.packages == 2);
	CHECK(s.numa_nodes == 2);
	CHECK(s.cores == 160);
	CHECK(s.pus == 160);
	CHECK(!s.smt);
	CHECK(!topo_is_this_machine());

	topo_reset();
	CHECK(opt("topology", "graviton3") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(topo_validate() == 0);
	CHECK(topo_get_summary(&s) == 0);
	CHECK(s.packages == 1 && s.numa_nodes == 1 && s.cores == 64);
	CHECKF(s.nr_shared == 1 && strcmp(s.shared[0].name, "L3") == 0 &&
		   s.shared[0].cores_max == 64 && s.shared[0].size_bytes == 32u << 20,
	       "nr_shared %u", s.nr_shared);

	/* Every preset loads. */
	static const char *const presets[] = {"graviton2", "graviton3", "graviton4", "graviton4-2s",
					      "altra",	   "altra-2s",	"altramax",  "ampereone"};
	static const unsigned cores[] = {64, 64, 96, 192, 80, 160, 128, 192};
	for (unsigned i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		topo_reset();
		CHECK(opt("topology", presets[i]) == 0);
		CHECK(opt("plan", NULL) == 0);
		CHECKF(topo_validate() == 0, "%s", presets[i]);
		CHECKF(topo_get_summary(&s) == 0 && s.cores == cores[i] && !s.smt, "%s",
		       presets[i]);
	}
}

static void test_compact_scatter(void)
{
	unsigned per_pkg[2] = {0, 0};
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "compact") == 0);
	CHECK(topo_validate() == 0);
	for (unsigned i = 0; i < 64; i++) {
		struct topo_where w = where(i, TOPO_ROLE_GENERIC, i);
		CHECKF(w.plan.package == 0 && w.plan.core == (int)i && w.plan.pu == (int)i &&
			   w.plan.numa == 0,
		       "compact thread %u: package %d core %d", i, w.plan.package, w.plan.core);
	}
	/* Past one socket, compact goes on to the second. */
	CHECK(where(80, 0, 80).plan.package == 1);
	/* Past every core, it wraps. */
	CHECK(where(160, 0, 160).plan.pu == 0);

	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "scatter") == 0);
	CHECK(topo_validate() == 0);
	bool seen[160] = {false};
	for (unsigned i = 0; i < 64; i++) {
		struct topo_where w = where(i, TOPO_ROLE_GENERIC, i);
		CHECKF(w.plan.package == (int)(i % 2) && w.plan.numa == (int)(i % 2),
		       "scatter thread %u: package %d", i, w.plan.package);
		CHECKF(w.plan.core == (int)((i % 2) * 80 + i / 2), "scatter thread %u: core %d", i,
		       w.plan.core);
		if (w.plan.pu >= 0 && w.plan.pu < 160) {
			CHECKF(!seen[w.plan.pu], "scatter: CPU %d twice", w.plan.pu);
			seen[w.plan.pu] = true;
		}
		if (w.plan.package >= 0 && w.plan.package < 2)
			per_pkg[w.plan.package]++;
	}
	CHECK(per_pkg[0] == 32 && per_pkg[1] == 32);

	/* numa on this machine: same sockets as scatter, memory on the node. */
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "numa") == 0);
	CHECK(topo_validate() == 0);
	CHECK(where(0, 0, 0).plan.numa == 0 && where(0, 0, 0).mem_node == 0);
	CHECK(where(1, 0, 1).plan.numa == 1 && where(1, 0, 1).mem_node == 1);
	CHECK(where(2, 0, 2).plan.core == 1);

	/* A domain restricts the policy. */
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "compact@package:1") == 0);
	CHECK(topo_validate() == 0);
	CHECK(where(0, 0, 0).plan.core == 80 && where(79, 0, 79).plan.core == 159);
	CHECK(where(80, 0, 80).plan.core == 80);
}

/* Scatter spreads over shared caches too, inside each package. */
static void test_scatter_caches(void)
{
	topo_reset();
	CHECK(opt("topology", "synthetic:\"Package:2 NUMANode:1 L3Cache:2 Core:4 PU:2\"") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "scatter") == 0);
	CHECK(topo_validate() == 0);
	struct topo_summary s;
	CHECK(topo_get_summary(&s) == 0 && s.smt && s.cores == 16 && s.pus == 32);
	/* Cores: package 0 = L3 0 (cores 0-3) + L3 1 (4-7); package 1 = 8-15. */
	static const int want_core[] = {0, 8, 4, 12, 1, 9, 5, 13};
	for (unsigned i = 0; i < 8; i++)
		CHECKF(where(i, 0, i).plan.core == want_core[i], "thread %u: core %d", i,
		       where(i, 0, i).plan.core);
	/* Second PUs come only after every core's first. */
	struct topo_where w16 = where(16, 0, 16);
	CHECKF(w16.plan.core == 0 && w16.plan.pu == 1, "thread 16: core %d pu %d", w16.plan.core,
	       w16.plan.pu);
}

static void test_roles(void)
{
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("device-place", "compact@package:0") == 0);
	CHECK(opt("vcpu-place", "compact@package:1") == 0);
	CHECK(topo_validate() == 0);
	/* 8 injectors (workers 0-7), then 32 vCPUs (workers 8-39). */
	for (unsigned i = 0; i < 8; i++) {
		struct topo_where w = where(i, TOPO_ROLE_GENERIC, i);
		CHECKF(w.plan.package == 0 && w.plan.core == (int)i, "injector %u: core %d", i,
		       w.plan.core);
		CHECK(strcmp(w.place, "compact@package:0") == 0);
	}
	for (unsigned v = 0; v < 32; v++) {
		struct topo_where w = where(8 + v, TOPO_ROLE_VCPU, v);
		CHECKF(w.plan.package == 1 && w.plan.core == (int)(80 + v), "vcpu %u: core %d", v,
		       w.plan.core);
		CHECK(w.role == TOPO_ROLE_VCPU && w.role_index == v);
	}

	/* The plan of 8 injectors and 32 vCPUs shows them on their sockets. */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(out != NULL);
	if (out) {
		struct topo_plan_run run = {40, 8, 32};
		CHECK(topo_plan_main(&run, 1, out) == 0);
		fclose(out);
		CHECK(strstr(buf, "(32 vCPU, 8 other)") != NULL);
		CHECK(strstr(buf, "threads per package: 0:8 1:32") != NULL);
		free(buf);
	}

	/* Only --vcpu-place: injectors fall back to --place by worker index. */
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "scatter") == 0);
	CHECK(opt("vcpu-place", "numa@numa:1") == 0);
	CHECK(topo_validate() == 0);
	CHECK(where(1, TOPO_ROLE_GENERIC, 1).plan.package == 1);
	CHECK(where(5, TOPO_ROLE_VCPU, 0).plan.numa == 1);
	CHECK(where(5, TOPO_ROLE_VCPU, 0).mem_node == 1);
	CHECK(where(6, TOPO_ROLE_VCPU, 1).plan.core == 81);

	/* none: planned nowhere. */
	topo_reset();
	CHECK(opt("topology", "altra") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "none") == 0);
	CHECK(topo_validate() == 0);
	CHECK(where(0, 0, 0).plan.pu == -1 && where(0, 0, 0).plan.core == -1);
}

static void test_list(void)
{
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "list:0,2,150-152") == 0);
	CHECK(topo_validate() == 0);
	static const int want[] = {0, 2, 150, 151, 152, 0};
	for (unsigned i = 0; i < 6; i++)
		CHECKF(where(i, 0, i).plan.pu == want[i], "list thread %u: cpu %d", i,
		       where(i, 0, i).plan.pu);
	CHECK(where(3, 0, 3).plan.package == 1);

	/* Syntax errors are refused while parsing. */
	topo_reset();
	fprintf(stderr, "-- expected messages follow:\n");
	CHECK(opt("place", "list:") == -1);
	CHECK(opt("place", "list:1,,2") == -1);
	CHECK(opt("place", "list:3-1") == -1);
	CHECK(opt("place", "list:a") == -1);
	CHECK(opt("place", "list:1,") == -1);
	CHECK(opt("place", "list:0@package:0") == -1);
	CHECK(opt("place", "spread") == -1);
	CHECK(opt("place", "compact@socket:1") == -1);
	CHECK(opt("place", "none@package:0") == -1);
	CHECK(opt("mem-node", "x") == -1);

	/* CPUs that do not exist are refused once the machine is known. */
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "list:0,159,160") == 0);
	CHECK(topo_validate() == -1);
	topo_reset();
	CHECK(opt("topology", "altra") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("vcpu-place", "list:100-200") == 0);
	CHECK(topo_validate() == -1);
	/* So are packages and NUMA nodes. */
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "scatter@package:2") == 0);
	CHECK(topo_validate() == -1);
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("mem-node", "2") == 0);
	CHECK(topo_validate() == -1);
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("device-place", "numa@numa:7") == 0);
	CHECK(topo_validate() == -1);
	fprintf(stderr, "-- end of expected messages\n");
}

static void test_bad_topologies(void)
{
	char path[] = "/tmp/lpibench-test-topo-XXXXXX.xml";
	int fd = mkstemps(path, 4);
	CHECK(fd >= 0);
	if (fd >= 0) {
		static const char bad[] = "<?xml version=\"1.0\"?>\n<topology><object type=\"Mach";
		CHECK(write(fd, bad, sizeof(bad) - 1) == (ssize_t)(sizeof(bad) - 1));
		close(fd);
	}

	fprintf(stderr, "-- expected messages follow:\n");
	topo_reset();
	CHECK(opt("topology", "nosuchpreset") == -1);
	CHECK(opt("topology", "synthetic:") == -1);
	CHECK(opt("topology", "synthetic:\"\"") == -1);
	CHECK(opt("topology", "synthetic:Package:1000 Core:100000 PU:100") == -1);
	CHECK(opt("topology", "synthetic:2 4096 4096") == -1);

	topo_reset();
	CHECK(opt("topology", "synthetic:Package:2 Bogus:3 PU:1") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(topo_validate() == -1);
	topo_reset();
	CHECK(opt("topology", "synthetic:Package:x") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(topo_validate() == -1);

	topo_reset();
	CHECK(opt("topology", path) == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(topo_validate() == -1);
	topo_reset();
	CHECK(opt("topology", "/nonexistent/machine.xml") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(topo_validate() == -1);

	/* A loaded topology is not this machine: no run without --plan. */
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(topo_validate() == -1);
	/* --plan-image needs --plan and a known extension. */
	topo_reset();
	CHECK(opt("plan-image", "x.jpg") == -1);
	CHECK(opt("plan-image", "/tmp/x.svg") == 0);
	CHECK(topo_validate() == -1);
	fprintf(stderr, "-- end of expected messages\n");
	unlink(path);
}

/* A valid XML export of a synthetic machine loads and plans like it. */
static void test_xml_roundtrip(void)
{
	char path[] = "/tmp/lpibench-test-topo-XXXXXX.xml";
	int fd = mkstemps(path, 4);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "lstopo --if synthetic --input 'Package:2 NUMANode:1 Core:4 PU:1' --of xml -f %s "
		 ">/dev/null 2>&1",
		 path);
	if (system(cmd) != 0) {
		printf("test_topo: lstopo not available, XML round trip skipped\n");
		unlink(path);
		return;
	}
	topo_reset();
	CHECK(opt("topology", path) == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "scatter") == 0);
	CHECK(topo_validate() == 0);
	struct topo_summary s;
	CHECK(topo_get_summary(&s) == 0 && strcmp(s.source, "xml") == 0 && s.cores == 8 &&
	      s.packages == 2);
	CHECK(where(1, 0, 1).plan.package == 1 && where(1, 0, 1).plan.core == 4);
	unlink(path);
}

/* --plan output and picture on a synthetic machine. */
static void test_plan_output(void)
{
	char svg[] = "/tmp/lpibench-test-plan-XXXXXX.svg";
	int fd = mkstemps(svg, 4);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	topo_reset();
	CHECK(opt("topology", "altra-2s") == 0);
	CHECK(opt("plan", NULL) == 0);
	CHECK(opt("place", "scatter") == 0);
	CHECK(opt("plan-image", svg) == 0);
	CHECK(topo_validate() == 0);
	CHECK(topo_plan_requested());

	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(out != NULL);
	if (!out)
		return;
	struct topo_plan_run runs[] = {{4, 0, 0}, {64, 0, 0}};
	CHECK(topo_plan_main(runs, 2, out) == 0);
	fclose(out);
	CHECK(strstr(buf, "threads per package: 0:32 1:32") != NULL);
	CHECK(strstr(buf, "threads per package: 0:2 1:2") != NULL);
	CHECK(strstr(buf, "cores used: 64 of 160") != NULL);
	free(buf);

	FILE *f = fopen(svg, "r");
	CHECK(f != NULL);
	if (f) {
		char line[512];
		unsigned rects = 0;
		bool closed = false;
		while (fgets(line, sizeof(line), f)) {
			rects += strstr(line, "<rect") != NULL;
			closed |= strstr(line, "</svg>") != NULL;
		}
		fclose(f);
		/* background, 8 legend (5 for PUs; machine, package, NUMA), machine,
		 * 2 packages, 2 NUMA, 160 PUs */
		CHECKF(rects == 174, "%u rects", rects);
		CHECK(closed);
	}
	unlink(svg);
}

/* ---- this machine ---- */

struct bind_arg {
	unsigned worker;
	int ret;
};

static void *bind_thread(void *p)
{
	struct bind_arg *a = p;
	a->ret = topo_bind_worker(a->worker, TOPO_ROLE_GENERIC, a->worker);
	return NULL;
}

static void test_bind_here(void)
{
	struct topo_summary s;
	topo_reset();
	CHECK(opt("place", "compact") == 0);
	CHECK(topo_validate() == 0);
	CHECK(topo_is_this_machine());
	CHECK(topo_get_summary(&s) == 0 && strcmp(s.source, "host") == 0);
	if (s.cores < 2) {
		printf("test_topo: %u core here, binding test skipped\n", s.cores);
		return;
	}
	CHECK(topo_run_begin(2) == 0);
	pthread_t th[2];
	struct bind_arg args[2] = {{0, -9}, {1, -9}};
	for (unsigned i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, bind_thread, &args[i]) == 0);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	struct topo_run_report r;
	CHECK(topo_run_check(&r) == 0);
	CHECK(r.nr_workers == 2 && r.bound == 2 && r.failed == 0 && r.shared_cores == 0);
	struct topo_where w[2];
	for (unsigned i = 0; i < 2; i++) {
		CHECK(args[i].ret == 0);
		CHECK(topo_worker_info(i, &w[i]) == 0);
		CHECKF(w[i].state == TOPO_BOUND, "worker %u state %d", i, (int)w[i].state);
		CHECK(w[i].ran.pu == w[i].plan.pu && w[i].ran.core == w[i].plan.core);
		CHECK(w[i].ran.numa >= 0 && w[i].ran.package >= 0);
	}
	CHECKF(w[0].ran.pu != w[1].ran.pu, "both on CPU %d", w[0].ran.pu);
	CHECK(w[0].ran.core == 0 && w[1].ran.core == 1);
	CHECK(topo_worker_info(2, &w[0]) == -1);

	/* The JSON carries both workers. */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (out) {
		struct json js;
		json_init(&js, out);
		json_obj_begin(&js, NULL);
		topo_write_json(&js);
		topo_write_placement_json(&js);
		json_obj_end(&js);
		fclose(out);
		CHECK(strstr(buf, "\"bound\": 2") != NULL);
		CHECK(strstr(buf, "\"state\": \"bound\"") != NULL);
		CHECK(strstr(buf, "\"source\": \"host\"") != NULL);
		free(buf);
	}

	/* Memory binding to node 0 works here (one node), unless the kernel
	 * has no mbind at all (qemu-user, kernels without NUMA: ENOSYS). */
	topo_reset();
	CHECK(opt("mem-node", "0") == 0);
	CHECK(topo_validate() == 0);
	int rc = topo_bind_memory();
	CHECKF(rc == 0 || errno == ENOSYS, "topo_bind_memory: %d (%s)", rc, strerror(errno));
	topo_reset();
}

int main(void)
{
	test_summary();
	test_compact_scatter();
	test_scatter_caches();
	test_roles();
	test_list();
	test_bad_topologies();
	test_xml_roundtrip();
	test_plan_output();
	test_bind_here();
	topo_reset();
	return check_exit("test_topo");
}
