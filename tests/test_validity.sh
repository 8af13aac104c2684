#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Validity end to end: bench itself writes a folder with an ok run, a run
# with a worker outside the measured window, an interrupted run, a stalled
# run (a worker stopped inside the translation cache's lock) and the stub
# a second SIGINT leaves, all through --inject; each carries its status in
# the JSON and runs.csv; compare, report and plot use only the ok run and
# name every other file with its status. Also: the stalled run ends within
# the watchdog's limit (no hang on the reporting path), and a runs.csv
# whose last line was cut short does not swallow the next row.
# Usage: test_validity.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
src=${2:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
d=$tmp/res
b() { # expected exit status, then bench arguments
	local want=$1
	shift
	${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$d" -q "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok; else
		bad "bench $* exited $rc, expected $want"
		cat "$tmp/err"
	fi
}
g="--workload=getput --backend=list --lpis=64 --duration=0.3 --warmup=0.3"
b 0 $g --threads=1
b 0 $g --threads=2 --inject=outside-window
b 130 $g --threads=1 --inject=interrupt
# The stall: the watchdog's limit is 1 s; a generous bound on the whole
# run (start-up, backtraces of each worker, sanitizers, emulation) is 60 s.
start=$(date +%s)
b 1 --workload=lpi-stress --backend=list --cache=lru --inject=stall-cache --watchdog=1
took=$(($(date +%s) - start))
if [ "$took" -le 60 ]; then ok; else bad "the stalled run took $took s"; fi
grep -q "watchdog: no progress" "$tmp/err" && ok || bad "no watchdog report: $(cat "$tmp/err")"

# A second SIGINT while a worker is stuck and no watchdog runs: bench
# exits at once (130), leaving a stub marked interrupted.
${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$d" -q --workload=lpi-stress --backend=list \
	--cache=lru --inject=stall-cache >/dev/null 2>"$tmp/err2" &
pid=$!
sleep 2
kill -INT $pid
sleep 1
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
	bad "bench still running 10 s after a second SIGINT"
	kill -KILL $pid
fi
wait $pid
rc=$?
[ "$rc" = 130 ] && ok || bad "second SIGINT: exit $rc, expected 130 $(cat "$tmp/err2")"

# Each file's status, in the JSON and in runs.csv.
if python3 - "$d" >"$tmp/py" 2>&1 <<'PY'; then ok; else bad "statuses: $(cat "$tmp/py")"; fi
import csv, glob, json, os, sys
d = sys.argv[1]
got = {}
for f in glob.glob(os.path.join(d, "*.json")):
    j = json.load(open(f))
    assert j["schema"] == 3, f
    assert len(j["run_id"]) == 36 and j["run_id"][14] == "4", f
    assert isinstance(j["status_reason"], str), f
    got.setdefault(j["status"], []).append(os.path.basename(f))
    if j["status"] == "ok":
        assert j["status_reason"] == "", f
    else:
        assert j["status_reason"], f
want = {"ok": 1, "incomplete_window": 1, "interrupted": 2, "stalled": 1}
assert {k: len(v) for k, v in got.items()} == want, got
stub = [f for f in got["interrupted"] if f.endswith("-partial.json")]
assert len(stub) == 1, got
# the worker outside the window counted nothing, warm-up included
j = json.load(open(os.path.join(d, got["incomplete_window"][0])))
assert j["per_thread_ops"][1] == 0 and j["per_thread_counters"][1]["lock_acquisitions"] == 0, j
j = json.load(open(os.path.join(d, got["stalled"][0])))
assert j["workload_results"] == {"unavailable": "the run stalled"}, j["workload_results"]
assert j["stuck_counter_snapshots"] >= 1, j["stuck_counter_snapshots"]
assert j["per_thread_perf"][0]["task_clock_ns"]["state"].startswith("unavailable"), j["per_thread_perf"][0]
rows = list(csv.DictReader(open(os.path.join(d, "runs.csv"))))
assert sorted(r["status"] for r in rows) == sorted(
    ["ok", "incomplete_window", "interrupted", "stalled"]), rows
for r in rows:
    assert r["status_reason"] == ("" if r["status"] == "ok" else r["status_reason"])
    assert r["json_file"].endswith(".json")
PY

# The scripts: only the ok run is used; every other file named with its status.
mkdir -p "$tmp/b" "$tmp/a"
python3 - "$d" "$tmp/a" <<'PY'
import glob, json, shutil, sys
for f in glob.glob(sys.argv[1] + "/*.json"):
    if json.load(open(f)).get("status") == "ok":
        shutil.copy(f, sys.argv[2])
PY
for tool in compare report plot; do
	case $tool in
	compare) "$src/scripts/compare" "$tmp/a" "$d" >"$tmp/$tool.out" 2>"$tmp/$tool.err" ;;
	report) "$src/scripts/report" "$d" --no-plots --out="$tmp/b/report.md" \
		>"$tmp/$tool.out" 2>"$tmp/$tool.err" ;;
	plot) "$src/scripts/plot" "$d" --out="$tmp/b/plots" >"$tmp/$tool.out" 2>"$tmp/$tool.err" ;;
	esac
	rc=$?
	[ "$rc" = 0 ] && ok || bad "$tool exited $rc: $(cat "$tmp/$tool.err")"
	for st in incomplete_window interrupted stalled; do
		n=$(grep -c "skipped: status $st" "$tmp/$tool.err")
		want=1
		[ "$st" = interrupted ] && want=2
		[ "$n" = "$want" ] && ok || bad "$tool: $n lines naming status $st, expected $want"
	done
done
grep -q ": 1 runs" "$tmp/b/report.md" && ok || bad "report counts other runs: $(grep Results "$tmp/b/report.md")"
grep -q "getput list 2 threads" "$tmp/compare.out" && bad "compare used the 2-thread run" || ok
grep -q "only in" "$tmp/compare.out" && bad "compare: $(cat "$tmp/compare.out")" || ok

# Bad output paths: one line naming the path and exit 2, never a traceback.
for tool in plot report compare sweep; do
	case $tool in
	plot) args=("$d" --out=/proc/nope) ;;
	report) args=("$d" --no-plots --out=/proc/nope/report.md) ;;
	compare) args=("$tmp/a" "$d" --out=/proc/nope/c.md) ;;
	sweep) args=(--bench="$bench" --backend=list --duration=0.05 --out=/proc/nope) ;;
	esac
	"$src/scripts/$tool" "${args[@]}" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 2 ] && ! grep -q Traceback "$tmp/err" &&
		[ "$(grep -c "^lpibench: $tool: .*/proc/nope" "$tmp/err")" = 1 ]; then ok; else
		bad "$tool into /proc/nope: exit $rc: $(cat "$tmp/err")"
	fi
done

# A path that is not UTF-8 is written as valid UTF-8 (U+FFFD for the bad
# bytes) and the scripts read the file.
u="$tmp/"$'\xff\xfe'"-bytes"
b 0 $g --threads=1 --out="$u"
if python3 - "$u" <<'PY'; then ok; else bad "JSON of a non-UTF-8 path"; fi
import glob, json, sys
f = glob.glob(glob.escape(sys.argv[1]) + "/*.json")
assert len(f) == 1, f
d = json.loads(open(f[0], "rb").read().decode("utf-8"))
assert any("\ufffd\ufffd-bytes" in a for a in d["manifest"]["argv"]), d["manifest"]["argv"]
PY

# A runs.csv whose last line was cut short: the next row starts its own line.
printf '2,2026-01-01T00:00:00Z,list,getput,1,1,0.1' >>"$d/runs.csv"
b 0 $g --threads=1
if python3 - "$d/runs.csv" <<'PY'; then ok; else bad "the cut line swallowed the next row"; fi
import sys
last = open(sys.argv[1]).read().splitlines()[-1]
assert last.startswith("2,") and last.endswith(".json") and ",ok," in last, last
PY

echo "test_validity: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
