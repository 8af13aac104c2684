#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Measurement members of a run's JSON, checked on real short runs of bench:
#  - contention counters add up: for every counter, the per-thread values
#    sum to the total, and an absent counter (null) is absent in every
#    thread too (bench/run.c, counter_present);
#  - the absence rule on list (global lock), xa (lock-free get, deferred
#    frees) and null (no structure), and under --lock=mutex;
#  - latency, fairness, perf, timeline present; --sample=off gives no
#    latency; perf forced unavailable (LB_PERF_FORCE_FAIL) still runs;
#  - getput's common configuration (its per-mode instances) counts one
#    get and one irq-lock acquisition per op, timed and untimed;
#  - --until-ci repeats and writes the configuration's summary.
# Usage: test_run_counters.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
run() { # output folder, then bench arguments
	local out=$1
	shift
	if ${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$out" -q --lpis=256 --duration=0.2 \
		--warmup=0.05 "$@" >"$tmp/stdout" 2>"$tmp/stderr"; then
		pass=$((pass + 1))
	else
		echo "FAIL: bench $* exited $?"
		cat "$tmp/stderr"
		fail=$((fail + 1))
	fi
}
check() { # description, then python3 arguments (script on stdin)
	local what=$1
	shift
	if python3 - "$@" >"$tmp/py" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL: $what"
		cat "$tmp/py"
		fail=$((fail + 1))
	fi
}

# A loaded host can keep a worker off the CPU for a whole 0.2 s window
# (status incomplete_window, its counts empty): run_ok makes such a run
# again, up to 10 times, says how many it took, and keeps the ok one.
run_ok() { # output folder, then bench arguments (one configuration)
	local out=$1 try f
	shift
	for try in 1 2 3 4 5 6 7 8 9 10; do
		rm -rf "$out.try"
		run "$out.try" "$@"
		f=$(ls "$out.try"/*.json 2>/dev/null | head -1)
		[ -n "$f" ] && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["status"] != "ok")' "$f" && break
	done
	[ "$try" -gt 1 ] && echo "note: $* took $try runs for one with status ok"
	mkdir -p "$out" && cp "$out.try"/*.json "$out/"
}

# Churn makes frees, deferred frees and failed try-gets really happen.
for b in list xa null; do
	run_ok "$tmp/c" --backend=$b --threads=2 --churn=5 --interval=50
done
check "counters add up, absent ones are absent everywhere" "$tmp/c" <<'PY'
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/*.json"))
assert len(files) == 3, files
seen = set()
for f in files:
    d = json.load(open(f))
    b = d["backend"]
    seen.add(b)
    assert d["status"] == "ok", (b, d["status"], d["status_reason"])
    tot, per = d["counters"], d["per_thread_counters"]
    assert len(per) == d["threads"] == 2, (b, len(per))
    for k, v in tot.items():
        vals = [t[k] for t in per]
        if v is None:
            assert all(x is None for x in vals), (b, k, vals)
        else:
            assert all(isinstance(x, int) for x in vals), (b, k, vals)
            assert sum(vals) == v, (b, k, vals, v)
    assert all(set(t) == set(tot) for t in per), b
    for k in ("cache_hits", "cache_misses", "cache_evictions", "cache_invalidations"):
        assert tot[k] is None, (b, k)  # getput has no translation cache
    assert isinstance(tot["lock_acquisitions"], int) and tot["lock_acquisitions"] > 0, b
    if b == "list":  # every get under the global lock: no try-get, no RCU
        for k in ("tryget_failures", "grace_periods_waited", "deferred_frees"):
            assert tot[k] is None, (b, k)
        assert d["deferred_frees_peak"] is None
    if b == "xa":  # lock-free get, frees after a grace period
        assert isinstance(tot["tryget_failures"], int), b
        assert tot["deferred_frees"] > 0, (b, tot["deferred_frees"])
        assert isinstance(d["deferred_frees_peak"], int)
    if b == "null":  # no structure: only the workload's irq lock counts
        for k in ("cas_retries", "tryget_failures", "get_misses", "deferred_frees"):
            assert tot[k] is None, (b, k)
    assert d["verified"] is True, (b, d["verify_message"])
    lat = d["latency"]["ops"]
    for op in ("op", "get", "put"):
        h = lat[op]
        assert h["count"] > 0 and h["p50_ns"] <= h["p99_ns"] <= h["p99_9_ns"] <= h["max_ns"], (b, op)
        assert sum(x[2] for x in h["buckets"]) == h["count"], (b, op)
    assert set(d["fairness"]) >= {"min", "max", "cv", "jain"}, d["fairness"]
    assert d["fairness"]["min"] == min(d["per_thread_ops"]), b
    assert "context_switches" in d["perf"], b
    assert len(d["per_thread_perf"]) == 2, b
    tl = d["timeline"]
    assert len(tl["t_ns"]) >= 3 and len(tl["threads"]) == 2, (b, len(tl["t_ns"]))
    assert len(tl["deferred_outstanding"]) == len(tl["t_ns"]), b
    lo, hi = d["timeline_window_ns"]
    assert 0 < lo < hi <= tl["t_ns"][-1], (b, lo, hi)
    m = d["manifest"]
    assert m["clock"]["active"] and "env" in m and m["measure"]["interval_ms"] == 50, b
assert seen == {"list", "xa", "null"}, seen
PY

# getput's common configuration runs its per-mode instances (timed,
# untimed; dense, --sparse): each op one get, one irq-lock update, one put.
# A fixed count: timed from the start, so a loaded host cannot leave the
# worker outside a window.
plain() {
	if ${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$tmp/p" -q --lpis=256 --ops=200000 \
		--backend=flat "$@" >"$tmp/stdout" 2>"$tmp/stderr"; then
		pass=$((pass + 1))
	else
		echo "FAIL: bench $* exited $?"
		cat "$tmp/stderr"
		fail=$((fail + 1))
	fi
}
plain --sample=64
plain --sparse --sample=off
check "getput's per-mode instances: a get, an update and a put per op" "$tmp/p" <<'PY'
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/*.json"))
assert len(files) == 2, files
seen = set()
for f in files:
    d = json.load(open(f))
    n = d["total_ops"]
    assert d["verified"] is True and n > 0, d["verify_message"]
    assert d["gets"]["ok"] == n and d["gets"]["failed"] == 0, (d["gets"], n)
    assert d["counters"]["lock_acquisitions"] == n, (d["counters"], n)  # the irq lock
    sparse = d["params"]["sparse"]
    seen.add(sparse)
    if sparse:
        assert d["latency"] is None, "untimed instance timed something"
    else:
        lat = d["latency"]["ops"]
        assert all(lat[op]["count"] > 0 for op in ("op", "get", "put")), lat
assert seen == {True, False}, seen
PY

# A sleeping lock never spins: lock_spins is absent, not 0.
run_ok "$tmp/m" --backend=list --threads=2 --lock=mutex
check "lock_spins absent under --lock=mutex" "$tmp/m" <<'PY'
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/*.json")[0]))
assert d["counters"]["lock_spins"] is None, d["counters"]
assert all(t["lock_spins"] is None for t in d["per_thread_counters"])
assert d["counters"]["lock_acquisitions"] > 0
PY

# No sampling: no latency; perf forced unavailable: reported, the run goes on.
LB_PERF_FORCE_FAIL=1 run "$tmp/s" --backend=xa --threads=1 --sample=off
check "--sample=off, perf forced unavailable" "$tmp/s" <<'PY'
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/*.json")[0]))
assert d["latency"] is None and d["sampling"]["mode"] == "off", d["sampling"]
assert d["timeline"] is None
assert d["total_ops"] > 0 and d["verified"] is True
for k, v in d["perf"].items():
    assert v["value"] is None and v["state"].startswith("unavailable"), (k, v)
PY

# --until-ci: at least 6 runs (the fewest with a 95% interval of the
# median), at most --max-runs; one summary of the runs whose status is ok
# (on a loaded host a run may have a worker outside its window: left out).
run "$tmp/u" --backend=null --threads=1 --duration=0.03 --warmup=0.01 --until-ci=50 --max-runs=6
check "--until-ci repeats and summarises" "$tmp/u" <<'PY'
import glob, json, os, sys
made = glob.glob(sys.argv[1] + "/*.json")
runs = [r for r in made if json.load(open(r))["status"] == "ok"]
sums = glob.glob(sys.argv[1] + "/summaries/*-null-getput-t1-summary.json")
assert len(sums) == 1, sums
s = json.load(open(sums[0]))
assert s["kind"] == "summary" and s["until_ci"]["verdict"] in ("narrow", "cap"), s["until_ci"]
rep = s["repetitions"]
assert s["runs_made"] == len(made) == 6 and rep["n"] == len(runs), (rep["n"], len(runs))
assert s["runs_left_out"] == len(made) - len(runs), s["runs_left_out"]
if rep["n"] >= 6:
    assert rep["ci95_lo"] <= rep["median"] <= rep["ci95_hi"], rep
    assert rep["interval"]["kind"] == "ci95" and rep["interval"]["coverage"] >= 0.95, rep
else:  # fewer valid runs: a range, called so, with its real coverage
    assert rep["ci95_lo"] is None and rep["interval"]["kind"] == "range", rep
    assert rep["interval"]["coverage"] < 0.95, rep
assert sorted(s["run_files"]) == sorted(os.path.basename(r) for r in runs)
vals = sorted(json.load(open(r))["ops_per_sec"] for r in runs)
assert sorted(rep["values"]) == vals
PY

# The per-configuration line calls its interval what the summary does:
# below 6 valid runs the range, with its real coverage, never a "95% CI".
${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$tmp/r3" --backend=null --threads=1 --lpis=256 \
	--duration=0.03 --warmup=0 --runs=3 >"$tmp/r3.out" 2>"$tmp/stderr"
check "the per-configuration line names a range a range" "$tmp/r3" "$tmp/r3.out" <<'PY'
import glob, json, re, sys
s = json.load(open(glob.glob(sys.argv[1] + "/summaries/*-summary.json")[0]))
rep = s["repetitions"]
line = [l for l in open(sys.argv[2]) if l.strip().startswith("throughput: median")]
assert len(line) == 1, line
line = line[0]
assert "95% CI" not in line.split("(6 needed)")[-1] and "bootstrap" not in line, line
if rep["n"] >= 2:
    iv = rep["interval"]
    assert iv["kind"] == "range", iv
    want = "range [%.3f, %.3f] Mops/s covers the median %.0f%%" % (
        iv["lo"] / 1e6, iv["hi"] / 1e6, 100 * iv["coverage"])
    assert want in line, (want, line)
PY

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
