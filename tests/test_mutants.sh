#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The suites catch what they exist to catch: every planted bug (a
# "mutant": one LB_MUTANT_<NAME> flag in one design file, listed in
# tests/CMakeLists.txt) is built into its suite, which must then fail.
# For each, the first failed check is printed: which check caught it, in
# which build (normal, thread or address sanitizer). Only the mutated file
# and the suite are compiled per mutant.
# Usage: test_mutants.sh BENCH_BINARY [SOURCE_DIR]  (run by ctest, which
# sets LB_MUTANTS and LB_BUILD_DIR)
set -u
[ -n "${LB_MUTANTS:-}" ] && [ -n "${LB_BUILD_DIR:-}" ] ||
	{ echo "LB_MUTANTS/LB_BUILD_DIR not set (run through ctest): skipped"; exit 77; }
[ -z "${LB_EMULATOR:-}" ] || { echo "mutants run in native builds only: skipped"; exit 77; }
build=${LB_SANITIZE_KIND:-normal}
[ -n "$build" ] || build=normal
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The suites' stress budgets: short, the bugs show in the deterministic parts.
export LB_TEST_SCALE=${LB_TEST_SCALE:-0.3}
fail=0
pass=0
for row in $LB_MUTANTS; do
	IFS=: read -r name file suite target <<<"$row"
	if ! cmake --build "$LB_BUILD_DIR" --target "$target" -j2 >"$tmp/build" 2>&1; then
		echo "FAIL: mutant $name: $target does not build"
		tail -n 20 "$tmp/build"
		fail=$((fail + 1))
		continue
	fi
	prog=$(find "$LB_BUILD_DIR" -name "$target" -type f -perm -u+x | head -1)
	timeout 600 "$prog" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "FAIL: mutant $name ($file): $suite passed ($build build): it does not catch it"
		fail=$((fail + 1))
		continue
	fi
	caught=$(grep -m1 -E "CHECK failed|ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error" "$tmp/out")
	[ -n "$caught" ] || caught="exit status $rc: $(tail -n 1 "$tmp/out")"
	echo "  mutant $name ($file), $build build: $suite caught it: $caught"
	pass=$((pass + 1))
done
echo "test_mutants: $pass caught, $fail missed"
[ "$fail" -eq 0 ]
