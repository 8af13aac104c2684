#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# scripts/published end to end on the February table (one run per design):
# every row ran, with status ok, both rates measured; the intermediate
# design's -e17 row, where each of most injections evicts from a 16-entry
# usage cache and waits a grace period, must come out hundreds of times
# slower than v6.8 as published (a mechanism, not noise: the wait is the
# grace period); bad input exits 2 with one line.
# Usage: test_published.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
src=$2
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
[ -n "${LB_EMULATOR:-}" ] && { echo "SKIP: cross build (the script runs bench directly)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for bad in --runs=0 --repeat=x --selftest=2023 --only=may --bench=/nonexistent --nope=1; do
	if "$src/scripts/published" --bench="$bench" $bad >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL: published $bad succeeded"
		fail=$((fail + 1))
	elif [ $? -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		echo "FAIL: published $bad: want exit 2 and one line, got:"
		cat "$tmp/err"
		fail=$((fail + 1))
	fi
done
if ! "$src/scripts/published" --bench="$bench" --only=feb --runs=1 --json="$tmp/feb.json" \
	>"$tmp/out" 2>"$tmp/err"; then
	echo "FAIL: published --only=feb exited non-zero"
	cat "$tmp/out" "$tmp/err"
	exit 1
fi
python3 - "$tmp/feb.json" <<'PY' || fail=$((fail + 1))
import json, sys
rows = json.load(open(sys.argv[1]))["february"]
assert len(rows) == 2, rows
for r in rows:
    assert r["old"] and r["new"], r
    assert r["old_meta"]["status"] == "ok" and r["new_meta"]["status"] == "ok", r
e17 = rows[1]
assert "-e17" in e17["config"], e17
assert e17["ratio"] < 0.01 and e17["direction_match"], e17
print("published: -e17 intermediate/v6.8 = %.2g (published %.2g)" % (
    e17["ratio"], e17["published_ratio"]))
PY
[ $fail -eq 0 ] || { echo "test_published: $fail failed"; exit 1; }
echo "test_published: ok"
