# SPDX-License-Identifier: BSD-2-Clause
"""The kernel's own vgic_lpi_stress selftest as lpibench results.

scripts/kernel-selftest runs tools/testing/selftests/kvm's vgic_lpi_stress
on an arm64 KVM host and hands its output here. Every line in the
selftest's format "Rate: %.2f LPIs/sec" becomes one result with the schema
of results/README.md (workload "vgic_lpi_stress", backend "kvm", the host
kernel in params and manifest), written the way bench writes its own: one
JSON per run in the --out folder and one row appended to runs.csv, so
scripts/compare, plot and report put the real kernel beside the model's
lpi-stress runs of the same -v/-d/-e/-i.

Usage (by scripts/kernel-selftest):
  lpibench_selftest.py OUT_DIR VCPUS DEVICES EVENTS ITERATIONS TREE ORIGIN < output
Prints the files written; exit 1 if the output has no Rate line, 2 on bad
arguments. Standard library only.
"""

import csv
import datetime
import json
import os
import platform
import re
import sys
import uuid

SCHEMA = 3  # bench/result.h: 3 added run_id
WORKLOAD = "vgic_lpi_stress"
BACKEND = "kvm"
RATE_RE = re.compile(r"^\s*Rate:\s+([0-9]+(?:\.[0-9]+)?)\s+LPIs/sec\s*$")
# runs.csv columns, in bench's order (bench/result.c result_csv_columns).
CSV_COLUMNS = ("schema", "date", "backend", "workload", "threads", "run", "duration_s",
               "total_ops", "ops_per_sec", "ns_per_op", "min_thread_ops", "max_thread_ops",
               "get_ok", "get_fail", "lock", "allocator", "oversubscribed", "verified",
               "status", "status_reason", "git_commit", "host", "params", "json_file")


def parse_rates(text):
    """Every rate (LPIs/s, float) printed in the selftest's format, in order."""
    rates = []
    for line in text.splitlines():
        m = RATE_RE.match(line)
        if m:
            rates.append(float(m.group(1)))
    return rates


def host_manifest(tree, origin):
    """What a result's manifest says about this host and the selftest."""
    uname = platform.uname()
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        m = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
        if m:
            cpu = m.group(1).strip()
        else:
            imp = re.search(r"^CPU implementer\s*:\s*(\S+)", info, re.M)
            part = re.search(r"^CPU part\s*:\s*(\S+)", info, re.M)
            cpu = "implementer %s part %s" % (imp.group(1) if imp else "?",
                                              part.group(1) if part else "?")
    except OSError:
        pass
    return {
        "host": uname.node,
        "cpu_model": cpu,
        "cpus": len(os.sched_getaffinity(0)),
        "kernel": "%s %s" % (uname.release, uname.machine),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "selftest": {"name": WORKLOAD, "tree": tree, "origin": origin,
                     "source": "tools/testing/selftests/kvm/aarch64/vgic_lpi_stress.c"},
    }


def make_result(rate, run, vcpus, devices, events, iterations, manifest):
    """One run as an lpibench result. The selftest times d*e*i injections by
    d injector threads (vCPUs run the guest): Rate = d*e*i / elapsed."""
    total = devices * events * iterations
    return {
        "schema": SCHEMA,
        "run_id": str(uuid.uuid4()),  # the run's identity in the archive
        "backend": BACKEND,
        "workload": WORKLOAD,
        "threads": vcpus + devices,
        "timed_threads": devices,
        "run": run,
        "duration_s": total / rate if rate > 0 else 0.0,
        "total_ops": total,
        "ops_per_sec": rate,
        "ns_per_op": 1e9 / rate if rate > 0 else None,
        "per_thread_ops": None,
        "verified": True,
        "status": "ok",
        "status_reason": "",
        "params": {"vcpus": vcpus, "devices": devices, "events": events,
                   "iterations": iterations, "kernel": "host " + platform.release(),
                   "cache": None},
        "workload_results": {"rate_lpis_per_sec": rate, "injections": total},
        "counters": {},
        "manifest": manifest,
    }


def write_results(out_dir, rates, vcpus, devices, events, iterations, tree, origin):
    """Writes one JSON per rate and appends runs.csv; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    manifest = host_manifest(tree, origin)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    csv_path = os.path.join(out_dir, "runs.csv")
    new_csv = not os.path.exists(csv_path)
    paths = []
    with open(csv_path, "a", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        if new_csv:
            w.writerow(CSV_COLUMNS)
        for run, rate in enumerate(rates, 1):
            res = make_result(rate, run, vcpus, devices, events, iterations, manifest)
            name = "%s-%s-%s-t%d-r%d-%d.json" % (stamp, BACKEND, WORKLOAD, res["threads"], run,
                                                 os.getpid())
            path = os.path.join(out_dir, name)
            with open(path + ".tmp", "w") as j:
                json.dump(res, j, indent=1)
            os.replace(path + ".tmp", path)
            w.writerow((SCHEMA, manifest["date"], BACKEND, WORKLOAD, res["threads"], run,
                        "%.6f" % res["duration_s"], res["total_ops"], "%.2f" % rate,
                        "%.1f" % res["ns_per_op"], "", "", "", "", "", "",
                        "true" if res["threads"] > manifest["cpus"] else "false", "true", "ok", "", "",
                        manifest["host"], json.dumps(res["params"], separators=(",", ":")),
                        name))
            paths.append(path)
    return paths


def main(argv):
    if len(argv) != 8:
        print("lpibench: usage: lpibench_selftest.py OUT_DIR VCPUS DEVICES EVENTS ITERATIONS "
              "TREE ORIGIN < output", file=sys.stderr)
        return 2
    try:
        v, d, e, i = (int(x) for x in argv[2:6])
        if min(v, d, e, i) < 1:
            raise ValueError
    except ValueError:
        print("lpibench: -v/-d/-e/-i must be positive integers", file=sys.stderr)
        return 2
    rates = parse_rates(sys.stdin.read())
    if not rates:
        print("lpibench: no 'Rate: ... LPIs/sec' line in the selftest's output",
              file=sys.stderr)
        return 1
    for p in write_results(argv[1], rates, v, d, e, i, argv[6], argv[7]):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
