#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Options that do not apply to the workload, or contradict each other, are
# refused: exit 2, one line naming the option and what the workload uses
# instead, nothing written. And a workload that starts its own threads
# (lpi-stress: vCPUs + injectors) names its files and summary by them.
# Usage: test_option_rules.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
reject() { # what the message must say, then bench arguments
	local want=$1
	shift
	${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$tmp/out" -q "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	local rc=$?
	if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/stderr")" = 1 ] && grep -q -- "$want" "$tmp/stderr" &&
		[ ! -e "$tmp/out" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: bench $*: exit $rc, wanted 2 and '$want' in one line; stderr:"
		cat "$tmp/stderr"
		fail=$((fail + 1))
	fi
	rm -rf "$tmp/out"
}
reject "--threads does not apply to workload lpi-stress: it starts its own threads" \
	--workload=lpi-stress --threads=7
reject "--threads does not apply to workload lpi-stress" --workload=lpi-stress --threads=1,2
reject "--ops does not apply to workload lpi-stress: its work is fixed by" \
	--workload=lpi-stress --ops=5 -i 100
reject "--warmup does not apply to workload lpi-stress" --workload=lpi-stress --warmup=1
reject "--threads does not apply to workload its-churn" --workload=its-churn --threads=4
reject "--threads does not apply to workload race" --workload=race --scenario=get_zero \
	--threads=8
reject "--backend does not apply to workload race" --workload=race --scenario=get_zero \
	--backend=list
reject "--ops and --duration conflict" --ops=1000 --duration=1
reject "--ops and --warmup conflict" --ops=1000 --warmup=0.1

# lpi-stress's real thread count in its file names and its summary.
if ${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$tmp/ls" -q --workload=lpi-stress --vcpus=2 \
	--devices=3 -i 50 --runs=2 >"$tmp/stdout" 2>"$tmp/stderr"; then
	n=$(ls "$tmp/ls"/*-lpi-stress-t5-r*.json 2>/dev/null | wc -l)
	s=$(ls "$tmp/ls"/summaries/*-lpi-stress-t5-summary.json 2>/dev/null | wc -l)
	if [ "$n" = 2 ] && [ "$s" -le 1 ] && ! ls "$tmp/ls"/summaries/*-t1-* >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL: lpi-stress files not named by 2 vCPUs + 3 injectors:"
		ls -R "$tmp/ls"
		fail=$((fail + 1))
	fi
else
	echo "FAIL: lpi-stress run: $(cat "$tmp/stderr")"
	fail=$((fail + 1))
fi
echo "test_option_rules: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
