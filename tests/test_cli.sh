#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Command-line behaviour of bench: bad input gets one clear message on
# stderr and exit status 2 with no result written; good input writes a
# valid JSON and one CSV row per run, header once.
# Usage: test_cli.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

expect_reject() { # description, then bench arguments
	local what=$1
	shift
	local out="$tmp/rej"
	rm -rf "$out"
	"$bench" --out="$out" --duration=0.05 --warmup=0 "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	local rc=$?
	if [ $rc -ne 2 ]; then
		echo "FAIL: $what: exit status $rc, expected 2"
		fail=$((fail + 1))
	elif [ ! -s "$tmp/stderr" ] || ! grep -q 'lpibench' "$tmp/stderr"; then
		echo "FAIL: $what: no message on stderr"
		fail=$((fail + 1))
	elif [ -n "$(ls -A "$out" 2>/dev/null | grep -v '^\.')" ]; then
		echo "FAIL: $what: wrote $(ls "$out")"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

expect_reject "unknown backend" --backend=nosuch
expect_reject "unknown backend in a list" --backend=list,nosuch
expect_reject "unknown workload" --workload=nosuch
expect_reject "zero threads" --threads=0
expect_reject "negative threads" --threads=-4
expect_reject "non-numeric threads" --threads=four
expect_reject "empty thread list entry" --threads=1,,2
expect_reject "non-numeric duration" --duration=abc
expect_reject "negative duration" --duration=-1
expect_reject "lpis over the LPI space" --lpis=57345
expect_reject "negative lpis" --lpis=-1
expect_reject "bad distribution" --dist=pareto
expect_reject "bad zipf exponent" --dist=zipf:x
expect_reject "churn over 100" --churn=101
expect_reject "unknown lock" --lock=bogus
expect_reject "unknown allocator" --alloc=tcmalloc
expect_reject "unknown option" --frobnicate
expect_reject "stray argument" stray
expect_reject "missing value" --backend
touch "$tmp/afile"
expect_reject "unwritable --out (a file in the way)" --out="$tmp/afile/sub"

# A good run: JSON with the required keys, one CSV row, header once.
out="$tmp/good"
if "$bench" --backend=list --threads=1,2 --duration=0.05 --warmup=0 --lpis=64 --out="$out" \
	>"$tmp/stdout" 2>"$tmp/stderr"; then
	pass=$((pass + 1))
else
	echo "FAIL: good run exited $?"; cat "$tmp/stderr"
	fail=$((fail + 1))
fi
njson=$(ls "$out"/*.json 2>/dev/null | wc -l)
[ "$njson" -eq 2 ] && pass=$((pass + 1)) || { echo "FAIL: expected 2 JSON files, got $njson"; fail=$((fail + 1)); }
rows=$(wc -l <"$out/runs.csv")
[ "$rows" -eq 3 ] && pass=$((pass + 1)) || { echo "FAIL: runs.csv has $rows lines, expected header + 2"; fail=$((fail + 1)); }
"$bench" --backend=list --duration=0.05 --warmup=0 --lpis=64 --out="$out" -q >/dev/null 2>&1
rows=$(wc -l <"$out/runs.csv")
headers=$(grep -c '^schema,' "$out/runs.csv")
[ "$rows" -eq 4 ] && [ "$headers" -eq 1 ] && pass=$((pass + 1)) ||
	{ echo "FAIL: after a second invocation runs.csv has $rows lines, $headers headers"; fail=$((fail + 1)); }
for f in "$out"/*.json; do
	if python3 - "$f" <<'PY'; then pass=$((pass + 1)); else echo "FAIL: $f"; fail=$((fail + 1)); fi
import json, sys
d = json.load(open(sys.argv[1]))
need = ["schema", "backend", "workload", "threads", "duration_s", "total_ops", "ops_per_sec",
        "per_thread_ops", "params", "manifest"]
missing = [k for k in need if k not in d]
mneed = ["host", "cpu_model", "cpus", "kernel", "compiler", "cflags", "git_commit", "argv",
         "allocator", "oversubscribed"]
missing += ["manifest." + k for k in mneed if k not in d["manifest"]]
assert not missing, missing
assert len(d["per_thread_ops"]) == d["threads"], "per_thread_ops length"
assert sum(d["per_thread_ops"]) == d["total_ops"], "per-thread ops do not add up"
assert d["total_ops"] > 0 and d["verified"] is True
assert d["params"]["lpis"] == 64
PY
done

# Oversubscription is said and recorded.
"$bench" --backend=list --threads=$(($(nproc) * 4)) --duration=0.05 --warmup=0 --lpis=64 \
	--out="$tmp/over" >"$tmp/stdout" 2>"$tmp/stderr"
if grep -q oversubscribed "$tmp/stderr" && grep -q '"oversubscribed": true' "$tmp/over"/*.json; then
	pass=$((pass + 1))
else
	echo "FAIL: oversubscribed run not warned or not recorded"
	fail=$((fail + 1))
fi

# A run killed with SIGKILL leaves no partial JSON or CSV, earlier results intact.
cp "$out/runs.csv" "$tmp/before.csv"
"$bench" --backend=list --duration=30 --warmup=0 --lpis=64 --out="$out" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
if cmp -s "$out/runs.csv" "$tmp/before.csv" && [ "$(ls "$out"/*.json | wc -l)" -eq 3 ] &&
	[ -z "$(ls -A "$out" | grep '\.tmp\.')" ]; then
	pass=$((pass + 1))
else
	echo "FAIL: SIGKILL changed earlier results or left a partial file"
	fail=$((fail + 1))
fi

# SIGINT: the run stops, its result is written and marked interrupted.
"$bench" --backend=list --duration=30 --warmup=0 --lpis=64 --out="$tmp/int" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q '"interrupted": true' "$tmp/int"/*.json 2>/dev/null; then
	pass=$((pass + 1))
else
	echo "FAIL: SIGINT: exit $rc, result not marked interrupted"
	fail=$((fail + 1))
fi

# --cache's help lists what the cache registry holds (the list an unknown
# name is answered with), so a new design shows up without editing help.
"$bench" --workload=lpi-stress --cache=nosuch 2>"$tmp/cache_err" >/dev/null
registered=$(sed -n 's/.*(one of: \(.*\)).*/\1/p' "$tmp/cache_err")
if [ -z "$registered" ]; then
	echo "FAIL: --cache=nosuch did not list the registered caches"
	fail=$((fail + 1))
elif ! "$bench" --help --workload=lpi-stress | grep -q -- "--cache=NAME .*translation cache design: $registered "; then
	echo "FAIL: --help's --cache line does not list the registry ($registered)"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
