#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The ITS model end to end under concurrency: vCPU run loops (exits, list
# register folds, prunes, sorts) concurrent with injections and ITS command
# churn, for each era (v6.8, v6.10) and each selftest mode, bounded by
# --duration. Each run must verify (refcounts balanced, nothing lost or
# queued twice: its_vm_check), and from the result:
#  - every injection with a target kicked its vCPU, coalesced or not
#    (kicks by injectors = queued + coalesced);
#  - the vCPUs exited and took list registers; --selftest=fixed acked what
#    it was given, --selftest=2024 acked nothing;
#  - lock acquisitions per class: lpi_list_lock only in v6.8, none of it in
#    v6.10;
#  - both ways of making the IPI (the polled mode word, a real signal) and
#    of making the injection call (the host's KVM ioctl or a pipe write, as
#    --inject-syscall=auto chose) work: every injection made its call.
# Runs in every build (TSan, ASan, qemu-aarch64 through LB_EMULATOR).
# Usage: test_its_stress.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for kernel in v6.8 v6.10; do
	for mode in fixed 2024; do
		out="$tmp/$kernel-$mode"
		ways="--ipi=poll --inject-syscall=auto --world-switch=syscall"
		[ $kernel = v6.8 ] && ways="--ipi=signal --inject-syscall=pipe --world-switch=none"
		if ! ${LB_EMULATOR:+$LB_EMULATOR} "$bench" --workload=its-churn --kernel=$kernel \
			--selftest=$mode -v2 -d2 -e8 -i50 --duration=0.3 $ways --out="$out" -q \
			>"$tmp/stdout" 2>"$tmp/stderr"; then
			echo "FAIL: its-churn --kernel=$kernel --selftest=$mode exited $?"
			cat "$tmp/stderr"
			fail=$((fail + 1))
			continue
		fi
		if ! python3 - "$out" "$kernel" "$mode" <<'PY'; then
import glob, json, sys
out, kernel, mode = sys.argv[1:]
files = glob.glob(out + "/*.json")
assert len(files) == 1, files
d = json.load(open(files[0]))
assert d["verified"] is True, d["verify_message"]
w = d["workload_results"]
r = w["injection_results"]
assert w["kicks"]["kicks_by_injectors"] == r["queued"] + r["coalesced"], (w["kicks"], r)
# every injection accounted for once: queued, coalesced (counted), held or unmapped
assert w["injections"] == r["queued"] + r["coalesced"] + r["held"] + r["unmapped"], (w, r)
assert r["queued"] == r["acknowledged"], r  # every queued LPI left a list exactly once
v = w["vcpu"]
assert v["exits"] + v["aborted_entries"] > 0, v
assert v["delivered"] > 0, v
if mode == "2024":
    assert v["acked"] == 0, v
else:
    assert v["acked"] > 0, v
lc = d["lock_classes"]
if kernel == "v6.8":
    assert lc["lpi_list_lock"] > 0 and lc["xa_lock"] == 0, lc
else:
    assert lc["lpi_list_lock"] == 0, lc
assert d["status"] in ("ok", "too_short"), (d["status"], d["status_reason"])
assert w["kicks"]["syscall_errors"] == 0, w["kicks"]
model = d["manifest"]["model"]
want = {"kvm": ("ioctl(KVM_SIGNAL_MSI)",), "pipe": ("write(2)",),
        "auto": ("ioctl(KVM_SIGNAL_MSI)", "write(2)")}[d["params"]["inject_syscall"]]
assert model["inject_syscall"].startswith(want), model
assert ("SIGUSR2" in model["kick"]) == (d["params"]["ipi"] == "signal"), model
assert (model["world_switch"] == "none") == (d["params"]["world_switch"] == "none"), model
PY
			echo "FAIL: its-churn --kernel=$kernel --selftest=$mode: result checks"
			fail=$((fail + 1))
		fi
	done
done
# --lock=auto: queued when the threads fit the CPUs, spin-yield otherwise.
# --gp-latency: call_rcu callbacks (usage-callrcu evictions) run on per-CPU
# callback threads and are counted per CPU.
for shape in "-v1 -d1" "-v2 -d2"; do
	out="$tmp/auto-${shape// /}"
	if ! ${LB_EMULATOR:+$LB_EMULATOR} "$bench" --workload=lpi-stress $shape -e17 -i20 \
		--backend=xa --cache=usage-callrcu --gp-latency=1ms --duration=0.1 --out="$out" -q \
		>"$tmp/stdout" 2>"$tmp/stderr"; then
		echo "FAIL: lpi-stress $shape --gp-latency exited $?"
		cat "$tmp/stderr"
		fail=$((fail + 1))
		continue
	fi
	if ! python3 - "$out" <<'PY'; then
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/*.json")[0]))
threads, cpus = d["threads"], d["manifest"]["cpus"]
want = "queued" if threads <= cpus else "spin-yield"
assert d["params"]["lock"] == want, (threads, cpus, d["params"]["lock"])
assert d["manifest"]["lock_choice"].startswith("auto"), d["manifest"]["lock_choice"]
assert d["verified"] is True, d["verify_message"]
per_cpu = d["rcu_callbacks_per_cpu"]
assert len(per_cpu) >= 1 and sum(per_cpu) > 0, per_cpu
assert d["counters"]["deferred_frees"] > 0, d["counters"]
PY
		echo "FAIL: lpi-stress $shape: lock choice or per-CPU callbacks"
		fail=$((fail + 1))
	fi
done
[ $fail -eq 0 ] && echo "test_its_stress: all passed"
exit $((fail > 0))
