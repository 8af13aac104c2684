#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# scripts/kernel-selftest's parts that run anywhere: the parser and results
# writer (scripts/lpibench_selftest.py) on output in vgic_lpi_stress's own
# format, next to a model lpi-stress run made here by bench, read back by
# scripts/lpibench_results.py (the same folder, one table); and, off arm64,
# the script saying it cannot run here with its distinct status 3.
# Usage: test_kernel_selftest.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}
command -v python3 >/dev/null || { echo "SKIP: python3 needed"; exit 77; }
[ -n "${LB_EMULATOR:-}" ] && { echo "SKIP: cross build"; exit 77; }

# Output as the selftest prints it (pr_info, two runs' worth).
cat >"$tmp/out.txt" <<'OUT'
==== Test Assertion Failure ==== (not one: a line the parser must ignore)
WARNING: running 34 threads on 2 CPUs; performance is degraded.
Rate: 1362602.00 LPIs/sec
Rate: 1425954.50 LPIs/sec
Rate: 12.5 LPIs/sec trailing words make this no Rate line
OUT
py=$src/scripts/lpibench_selftest.py
python3 "$py" "$tmp/res" 1 1 17 1000 /some/tree "Debian linux-source-6.12 test" <"$tmp/out.txt" \
	>"$tmp/files" || no "parser exit status $?"
[ "$(wc -l <"$tmp/files")" -eq 2 ] || no "want 2 results, got $(wc -l <"$tmp/files")"

# A model run in the same folder: the CSV header must be bench's.
$bench --workload=lpi-stress -v 1 -d 1 -e 17 -i 1000 --runs=1 --sample=off --out="$tmp/res" \
	>/dev/null 2>&1 || no "bench lpi-stress failed"
[ "$(grep -c '^schema,' "$tmp/res/runs.csv")" -eq 1 ] || no "runs.csv header written twice or differs"

python3 - "$src/scripts" "$tmp/res" <<'PY' || fail=$((fail + 1))
import sys
sys.path.insert(0, sys.argv[1])
import lpibench_results as lr
rs = lr.load_folder(sys.argv[2], quiet=True).results
k = sorted((r for r in rs if r.workload == "vgic_lpi_stress"), key=lambda r: r.run)
m = [r for r in rs if r.workload == "lpi-stress"]
ok = True
def want(c, what):
    global ok
    if not c:
        print("FAIL:", what)
        ok = False
want(len(k) == 2 and len(m) == 1, "2 selftest runs and 1 model run load (%d, %d)" % (len(k), len(m)))
if k:
    r = k[0]
    want(abs(lr.rate(r) - 1362602.0) < 1e-6 and abs(lr.rate(k[1]) - 1425954.5) < 1e-6, "rates parsed")
    want(r.total_ops == 17000 and r.threads == 2 and r.backend == "kvm", "counts and threads")
    want(abs(r.duration_s - 17000 / 1362602.0) < 1e-9, "duration = d*e*i / rate")
    want(r.params["kernel"].startswith("host ") and r.manifest["selftest"]["tree"] == "/some/tree",
         "host kernel and tree recorded")
groups = lr.lpi_groups(rs)
want(len(groups) == 1 and len(groups[0][3]) == 3, "one lpi-stress table holding model and kernel")
sys.exit(0 if ok else 1)
PY

# No Rate line: status 1, nothing written.
echo "no rate here" | python3 "$py" "$tmp/none" 1 1 1 1 t o >/dev/null 2>&1
[ $? -eq 1 ] || no "no Rate line must exit 1"
[ ! -e "$tmp/none" ] || no "no Rate line must write nothing"
python3 "$py" "$tmp/none" 1 0 1 1 t o </dev/null >/dev/null 2>&1
[ $? -eq 2 ] || no "-d 0 must exit 2"

# Off arm64 the script says so, with status 3, before building anything.
if [ "$(uname -m)" != aarch64 ]; then
	"$src/scripts/kernel-selftest" -v 2 --out="$tmp/never" >"$tmp/msg" 2>&1
	st=$?
	[ $st -eq 3 ] || no "kernel-selftest off arm64: status $st, want 3"
	grep -q 'cannot run vgic_lpi_stress here' "$tmp/msg" || no "kernel-selftest gives no reason"
	[ ! -e "$tmp/never" ] || no "kernel-selftest wrote results off arm64"
fi
"$src/scripts/kernel-selftest" -e 0 >/dev/null 2>&1
[ $? -eq 2 ] || no "kernel-selftest -e 0 must exit 2"

[ $fail -eq 0 ] && echo "kernel-selftest: parser, writer and host check pass"
[ $fail -eq 0 ]
