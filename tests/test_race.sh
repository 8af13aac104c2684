#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Race replays (workload `race`): for every scenario listed by
# --list-scenarios, the buggy variant must be detected (`detected: ...` on
# stdout, exit status 3, the detection in the JSON) and the fixed variant
# must run clean (exit 0) with the same budget, in the forced schedule and
# in the random schedule with several seeds.
#
# Budgets: a buggy variant in the random schedule runs until its race
# shows, bounded only by a generous --duration (RACE_PATIENCE, 120 s): the
# run ends at the first detection, so the bound costs nothing when the
# race comes quickly, and a loaded or emulated machine that takes longer is
# not a failure by chance; the rounds and seconds it took are printed. The
# fixed variants run RACE_BUDGET seconds (1 x LB_TEST_SCALE, at least 0.3)
# clean: no schedule can make them detect. The forced schedule stops after
# its default 200 rounds (a buggy variant is caught in round 1). Every run
# is also under `timeout`, so a hang is a failure, not a stuck CI.
# Usage: test_race.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a run <<<"${LB_EMULATOR:-}"
run+=("$bench")
scale=${LB_TEST_SCALE:-1}
budget=$(awk -v s="$scale" 'BEGIN { b = 1.0 * s; if (b < 0.3) b = 0.3; print b }')
patience=${RACE_PATIENCE:-120}
seeds="1 2 3"
fail=0
pass=0

"${run[@]}" --list-scenarios >"$tmp/list" 2>"$tmp/err"
rc=$?
scenarios=$(awk '{ print $1 }' "$tmp/list")
n=$(echo "$scenarios" | grep -c .)
if [ $rc -ne 0 ] || [ "$n" -lt 5 ] || awk 'NF < 2 { bad = 1 } END { exit !bad }' "$tmp/list"; then
	echo "FAIL: --list-scenarios: exit $rc, $n scenarios, expected >= 5 lines 'name description'"
	cat "$tmp/list" "$tmp/err"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
for want in cache_discard get_zero lock_order inval_double_put release_rereg; do
	echo "$scenarios" | grep -qx "$want" || { echo "FAIL: scenario $want not listed"; fail=$((fail + 1)); }
done

# one SCENARIO VARIANT MODE SEED: runs and checks one replay.
one() {
	local sc=$1 variant=$2 mode=$3 seed=$4
	local out="$tmp/res-$sc-$variant-$mode-$seed" what="$sc $variant $mode seed $seed"
	local t0 t1 rc
	local limit=$budget
	[ "$variant" = buggy ] && [ "$mode" = random ] && limit=$patience
	t0=$(date +%s.%N)
	timeout $((${limit%.*} + 120)) "${run[@]}" --workload=race --scenario="$sc" \
		--variant="$variant" --race-mode="$mode" --seed="$seed" --duration="$limit" --out="$out" \
		>"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	t1=$(date +%s.%N)
	local json
	json=$(ls "$out"/*.json 2>/dev/null | head -1)
	if [ "$variant" = buggy ]; then
		if [ $rc -ne 3 ]; then
			echo "FAIL: $what: exit $rc, expected 3 (detected)"
			tail -n 5 "$tmp/stdout"
			tail -n 5 "$tmp/stderr"
			fail=$((fail + 1))
		elif ! grep -q '^detected: ' "$tmp/stdout"; then
			echo "FAIL: $what: exit 3 but no 'detected: ' line"
			fail=$((fail + 1))
		elif [ -z "$json" ] || ! grep -q '"detected": true' "$json"; then
			echo "FAIL: $what: detection not recorded in the JSON result"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	else
		if [ $rc -ne 0 ]; then
			echo "FAIL: $what: exit $rc, expected 0 (clean)"
			tail -n 5 "$tmp/stdout"
			tail -n 5 "$tmp/stderr"
			fail=$((fail + 1))
		elif grep -q '^detected' "$tmp/stdout" || [ -z "$json" ] ||
			! grep -q '"detected": false' "$json"; then
			echo "FAIL: $what: exit 0 but a detection is reported or the result is missing"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	fi
	local rounds="?"
	[ -n "$json" ] && rounds=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["workload_results"].get("rounds", "?"))' "$json" 2>/dev/null)
	awk -v a="$t0" -v b="$t1" -v w="$what" -v r="$rc" -v n="$rounds" \
		'BEGIN { printf "  %-44s exit %d after %s rounds in %.2f s\n", w, r, n, b - a }'
}

for sc in $scenarios; do
	for variant in buggy fixed; do
		one "$sc" "$variant" forced 1
		for seed in $seeds; do
			one "$sc" "$variant" random "$seed"
		done
	done
done

# Bad input: one message, status 2.
for args in "--workload=race" "--workload=race --scenario=nosuch" \
	"--workload=race --scenario=get_zero --variant=maybe" \
	"--workload=race --scenario=get_zero --race-mode=sometimes" \
	"--scenario=get_zero"; do
	# shellcheck disable=SC2086
	"${run[@]}" $args --out="$tmp/bad" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(grep -c lpibench "$tmp/stderr")" -eq 1 ] && [ ! -e "$tmp/bad" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: '$args': exit $rc, expected 2 with one message and no result"
		cat "$tmp/stderr"
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
