#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Lock statistics and serialisation ceilings (bench/lock_stat.c) on list,
# whose every get and put takes lpi_list_lock: 2 acquisitions per op, hold
# times sampled, and the ceiling is 1 / (hold x acquisitions per op). On
# one thread the lock is held at most the whole time, so the throughput
# measured cannot be above the ceiling (10% allowed for the sampled
# mean). irq_lock is one per irq: no ceiling. The run's skew is there too.
# Usage: test_lock_stat.sh BENCH_BINARY [SOURCE_DIR]
set -u
bench=$1
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${LB_EMULATOR:+$LB_EMULATOR} "$bench" --out="$tmp/o" -q --backend=list --workload=getput \
	--threads=1 --lpis=256 --duration=0.3 --warmup=0.05 --sample=off >/dev/null 2>"$tmp/err" ||
	{ echo "FAIL: bench: $(cat "$tmp/err")"; exit 1; }
python3 - "$tmp/o" <<'PY' || exit 1
import glob, json, sys
d = json.load(open(glob.glob(sys.argv[1] + "/*.json")[0]))
ls = d["lock_stat"]["lpi_list_lock"]
assert ls["global"] is True, ls
assert ls["acquisitions"] == d["lock_classes"]["lpi_list_lock"], ls
assert abs(ls["acquisitions_per_op"] - 2.0) < 0.01, ("every get and put locks", ls)
assert ls["hold_samples"] > 10 and ls["hold_ns_avg"] > 0, ls
want = 1e9 / (ls["hold_ns_avg"] * ls["acquisitions_per_op"])
assert abs(ls["ceiling_ops_per_sec"] - want) <= 1e-6 * want, (ls, want)
assert d["ops_per_sec"] <= 1.1 * ls["ceiling_ops_per_sec"], ("above its own ceiling", d["ops_per_sec"], ls)
sk = d["skew"]  # one worker: no start skew, it ran the whole window
assert sk["start_ns"] == 0 and 0.9 <= sk["all_running_share"] <= 1.0, sk
irq = d["lock_stat"]["irq_lock"]
assert irq["global"] is False and irq["ceiling_ops_per_sec"] is None, irq
print("lock_stat: list at %.3g ops/s, ceiling %.3g (hold %.0f ns x %.2f/op)" % (
    d["ops_per_sec"], ls["ceiling_ops_per_sec"], ls["hold_ns_avg"], ls["acquisitions_per_op"]))
PY
