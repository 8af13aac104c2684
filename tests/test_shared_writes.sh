#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# No accounting cell's line is written by more than one thread in the
# measured window (core/cells.h): every backend through getput with churn
# (allocations, frees, deferred frees, the backends' own counts), then
# lpi-stress and its-churn, each with several threads and
# --check-shared-writes, which records the writer of every 128-byte line an
# accounting write touches. tests/test_cells.c shows that the check does
# see a line two threads write.
# Usage: test_shared_writes.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
run() { # description, then bench arguments
	local what=$1
	shift
	rm -rf "$tmp/out"
	local rc=0
	${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$tmp/out" -q --duration=0.3 \
		--check-shared-writes "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $what: bench exited $rc"
		cat "$tmp/stderr"
		fail=$((fail + 1))
		return
	fi
	python3 - "$tmp/out" "$what" <<'PY' || fail=$((fail + 1))
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/*.json"))
assert files, "no result"
for f in files:
    d = json.load(open(f))
    n = d.get("shared_write_lines")
    assert n is not None, (f, "no shared_write_lines")
    assert n == 0, (sys.argv[2], d["backend"], n, "lines written by more than one thread")
PY
}

backends=$(${LB_EMULATOR:+$LB_EMULATOR} "$bench" --list-backends | awk '{print $1}')
# rcuhash is liburcu's own RCU, which a TSan build replaces (it refuses).
if ${LB_EMULATOR:+$LB_EMULATOR} "$bench" --version | grep -q '^sanitizer: thread'; then
	backends=$(echo "$backends" | grep -vx rcuhash)
fi
backends=$(echo "$backends" | paste -sd, -)
run "getput churn" --workload=getput --backend="$backends" --threads=3 --lpis=256 \
	--churn=5 --interval=50 --warmup=0.05
run "lpi-stress" --workload=lpi-stress -v 2 -d 2 -i 200
run "its-churn" --workload=its-churn -v 2 -d 2 -i 200
[ "$fail" -eq 0 ] || exit 1
echo "shared writes: none in every backend and workload"
