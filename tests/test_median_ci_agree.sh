#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The median's order-statistics interval is computed twice, in C for
# bench's summaries (util/median_ci.c) and in Python for the scripts
# (scripts/lpibench_results.py): both give the same ranks and coverage for
# n = 2..300.
# Usage: test_median_ci.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
src=${2:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
prog=$(dirname "$bench")/tests/test_median_ci
[ -x "$prog" ] || { echo "$prog not built: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${LB_EMULATOR:+$LB_EMULATOR} "$prog" --table 300 >"$tmp/c" || { echo "FAIL: $prog"; exit 1; }
PYTHONPATH="$src/scripts" python3 - "$tmp/c" <<'PY'
import sys
import lpibench_results as lr
rows = [l.split() for l in open(sys.argv[1])]
assert len(rows) == 299, len(rows)
for n, lo, hi, cov, rng in rows:
    p = lr.median_ci_ranks(int(n))
    c = (int(lo), int(hi), float(cov), rng == "1")
    assert (p[0], p[1], p[3]) == (c[0], c[1], c[3]) and abs(p[2] - c[2]) < 1e-9, (n, p, c)
print("test_median_ci: C and Python agree for n = 2..300")
PY
