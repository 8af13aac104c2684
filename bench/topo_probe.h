/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hostile topology input (found by scripts/fuzz): hwloc 2.9 (Debian 12)
 * dereferences NULL inside hwloc_topology_load() on some malformed XML
 * (an <object type="PU"> without a cpuset), and accepts other XML whose
 * levels contradict each other (a PU level that is not the last), on which
 * the depth queries of model_build() then crash. Either way
 * `bench --plan --topology=BAD.xml` died with SIGSEGV instead of a message
 * and exit status 2. topo_probe_load() loads the topology once in a child
 * process, then runs hwloc_topology_check() (hwloc's own consistency
 * check, which aborts on a violation). A topology the child could not load,
 * or that killed it, is reported as one clear message, hwloc's own words
 * included (hwloc prints "Topology does not contain any NUMA node,
 * aborting!" to stderr on an XML without NUMA nodes, and the in-process
 * load then fails with errno 0: "hwloc could not load the topology:
 * Success").
 *
 * Context: main thread, option validation (before workers or RCU threads
 * that could hold a lock across fork exist). Costs one fork.
 */
#ifndef LB_TOPO_PROBE_H
#define LB_TOPO_PROBE_H

/* Exactly one of xml_path, synthetic is non-NULL. Returns 0 if the child
 * loaded it and hwloc's check passed (or no child could be made: load as
 * before); else -1 after printing one message ("lpibench: --topology:
 * ... is not a valid hwloc XML topology: <why>: "<what hwloc said>"
 * (<hint>)"), so the caller returns -1 without loading it itself, which
 * would print hwloc's own line first. */
int topo_probe_load(const char *xml_path, const char *synthetic);

#endif
