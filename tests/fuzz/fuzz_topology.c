/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: topology descriptions (--topology). The input is an
 * hwloc XML document if it starts with '<' (after blanks), written to a
 * temporary FILE.xml and passed by path, else a synthetic string passed as
 * --topology=synthetic:INPUT; an optional first line "place=POLICY" adds
 * --place=POLICY. With --plan, as a user would: options_parse() and
 * topo_validate() must accept or reject with one clear message
 * (fuzz_common.h; a synthetic string holding line breaks is quoted as is,
 * the one tolerated exception); an accepted topology is then planned for two runs and
 * written as JSON, which walks the whole model built from it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/config.h"
#include "util/json.h"
#include "bench/options.h"
#include "bench/topo.h"
#include "bench/topo_probe.h"
#include "fuzz_common.h"

static struct bench_config cfg0;

/* Upper bound on the objects a synthetic string describes: the product of
 * every number that follows a ':' (hwloc also accepts "NUMANode:8Core:2"
 * without a blank, which topo.c's own bound misses). */
static double synthetic_objects(const char *s)
{
	double n = 1;
	for (const char *p = strchr(s, ':'); p; p = strchr(p + 1, ':')) {
		double v = strtod(p + 1, NULL);
		if (v > 1)
			n *= v;
	}
	return n;
}

/* Building a topology is O(cores x NUMA nodes) in topo.c's model_build()
 * (numa_of() per core) on top of hwloc's own cost: "Package:9 NUMANode:800
 * PU:3" (21600 PUs, within topo.c's 65536-PU bound) takes minutes. Until
 * topo.c bounds what it builds (reported), larger descriptions are skipped
 * here so the bounded fuzz run measures the parsers, not that. */
#define FUZZ_MAX_SYNTHETIC_OBJECTS 4096
static char xml_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!xml_path[0]) {
		cfg0 = bench_cfg;
		snprintf(xml_path, sizeof(xml_path), "/tmp/lpibench-fuzz-topology-%d.xml",
			 (int)getpid());
	}
	char *buf = fuzz_cstring(data, size, 65536);
	if (!buf)
		return 0;
	char whole[65536 + 1]; /* buf is cut in two below */
	memcpy(whole, buf, size + 1);

	char *topo = buf, *place = NULL;
	if (strncmp(buf, "place=", 6) == 0) {
		char *nl = strchr(buf, '\n');
		if (nl) {
			*nl = 0;
			place = buf + 6;
			topo = nl + 1;
		}
	}
	const char *t = topo + strspn(topo, " \t\r\n");
	size_t tlen = strlen(topo);
	char *arg_topo = malloc(tlen + sizeof(xml_path) + 32), *arg_place = NULL;
	if (!arg_topo) {
		free(buf);
		return 0;
	}
	if (*t == '<') {
		FILE *f = fopen(xml_path, "w");
		if (!f) {
			free(arg_topo);
			free(buf);
			return 0;
		}
		fwrite(topo, 1, tlen, f);
		fclose(f);
		sprintf(arg_topo, "--topology=%s", xml_path);
	} else {
		if (synthetic_objects(topo) > FUZZ_MAX_SYNTHETIC_OBJECTS) {
			free(arg_topo);
			free(buf);
			return 0;
		}
		sprintf(arg_topo, "--topology=synthetic:%s", topo);
	}
	/* hwloc 2.9 crashes on, or accepts inconsistent, malformed topologies
	 * (topo_probe.h): until topo.c probes before loading, bench dies on
	 * those too, so they are skipped here (the probe's own message is
	 * checked). Remove once model_load() calls topo_probe_load(). */
	struct fuzz_capture pc;
	fuzz_capture_begin(&pc);
	int prc = *t == '<' ? topo_probe_load(xml_path, NULL) : 0;
	fuzz_check("topo_probe_load", prc, fuzz_capture_end(&pc));
	fuzz_capture_free(&pc);
	if (prc) {
		free(arg_topo);
		free(buf);
		return 0;
	}
	char *argv[5];
	int argc = 0;
	argv[argc++] = "bench";
	argv[argc++] = "--plan";
	argv[argc++] = arg_topo;
	if (place) {
		arg_place = malloc(strlen(place) + 16);
		if (arg_place) {
			sprintf(arg_place, "--place=%s", place);
			argv[argc++] = arg_place;
		}
	}
	argv[argc] = NULL;

	struct fuzz_capture c;
	enum bench_action action;
	fuzz_capture_begin(&c);
	int rc = options_parse(argc, argv, &action);
	fuzz_check_echo("options_parse", rc, fuzz_capture_end(&c), topo, whole);
	fuzz_capture_free(&c);
	if (rc == 0) {
		fuzz_capture_begin(&c);
		rc = topo_validate();
		fuzz_check_echo("topo_validate", rc, fuzz_capture_end(&c), topo, whole);
		fuzz_capture_free(&c);
	}
	if (rc == 0) {
		/* Plan two runs (generic workers; then vCPUs and injectors), and
		 * write the topology as JSON. */
		static const struct topo_plan_run runs[] = {{3, 0, 0}, {9, 4, 5}};
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			fuzz_capture_begin(&c);
			topo_plan_main(runs, 2, null);
			fuzz_capture_end(&c);
			fuzz_capture_free(&c);
			struct json js;
			json_init(&js, null);
			json_obj_begin(&js, NULL);
			topo_write_json(&js);
			json_obj_end(&js);
			fclose(null);
		}
	}
	options_reset();
	topo_reset();
	bench_cfg = cfg0;
	free(arg_place);
	free(arg_topo);
	free(buf);
	return 0;
}
