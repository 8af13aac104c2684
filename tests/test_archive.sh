#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The results archive (scripts/archive, history; compare and report from it)
# on real results of the bench under test, in SQLite, or in the database
# LB_ARCHIVE_TEST_DB names (tests/test_archive_pg.sh: PostgreSQL; its
# tables are dropped first). Importing twice changes nothing; broken, cut
# and stub files are skipped with one line each and the rest imported; an
# import killed between runs loses nothing and a rerun completes it; files
# of schema 2 (no run_id) get a stable id; the queries' numbers match the
# runs; history flags a known step in a synthetic series, at the right
# place, and nothing in a flat noisy one.
# Usage: test_archive.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
src=$2
scripts=$src/scripts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

[ -n "${LB_EMULATOR:-}" ] && { echo "SKIP: cross build"; exit 77; }
# The archive is Python reading results: one build (no sanitizer) tests it.
if ! "$bench" --version 2>/dev/null | grep -q "^sanitizer: none"; then
	echo "SKIP: a sanitizer build (the normal build runs this test)"
	exit 77
fi
if ! PYTHONPATH=$scripts python3 -c "import lpibench_archive as la, lpibench_results as lr
la.sqlalchemy(); assert lr.scipy_stats()" 2>/dev/null; then
	echo "SKIP: python3-sqlalchemy and python3-scipy are needed (scripts/packages-archive.txt; scripts/test installs them)"
	exit 77
fi
db=${LB_ARCHIVE_TEST_DB:-sqlite:///$tmp/archive.sqlite}
echo "archive under test: ${db%%@*}..."
if [ -n "${LB_ARCHIVE_TEST_DB:-}" ]; then
	PYTHONPATH=$scripts python3 -c "
import sys, lpibench_archive as la
a = la.Archive(sys.argv[1]); a.md.drop_all(a.engine)" "$db" || { echo "FAIL: cannot reset $db"; exit 1; }
fi
archive() { "$scripts/archive" "$@"; }
# counts: runs counters latency lock_stats, one line
counts() {
	PYTHONPATH=$scripts python3 -c "
import sys, lpibench_archive as la
a = la.Archive(sys.argv[1])
print(*(a.count(t) for t in (a.runs, a.counters, a.latency, a.lock_stats)))" "$db"
}

run="--workload=getput --lpis=256 --duration=0.05 --warmup=0 --threads=1 -q"
"$bench" --backend=list,flat $run --runs=3 --out="$tmp/r1" >/dev/null 2>&1 || bad "bench r1"
"$bench" --backend=flat $run --runs=3 --out="$tmp/r2" >/dev/null 2>&1 || bad "bench r2"
"$bench" --backend=list $run --runs=4 --out="$tmp/r4" >/dev/null 2>&1 || bad "bench r4"

# ---- import, twice ----------------------------------------------------------------
archive import --db="$db" --host=host-a "$tmp/r1" >"$tmp/out" 2>"$tmp/err" && ok || bad "import: $(cat "$tmp/err")"
grep -q "^archive: 6 runs imported, 0 already there, 0 files skipped" "$tmp/out" && ok || bad "first import: $(cat "$tmp/out")"
first=$(counts)
read -r nruns nctr nlat nlock <<<"$first"
[ "$nruns" = 6 ] && [ "$nctr" -gt 6 ] && [ "$nlock" -ge 6 ] && ok || bad "rows after import: $first"
archive import --db="$db" --host=host-a "$tmp/r1" >"$tmp/out" 2>&1 && ok || bad "second import failed"
grep -q "0 runs imported, 6 already there" "$tmp/out" && ok || bad "second import: $(cat "$tmp/out")"
[ "$(counts)" = "$first" ] && ok || bad "second import changed the rows: $first -> $(counts)"

# ---- broken, cut and stub files: one line each, the rest imported --------------------
cp -r "$tmp/r2" "$tmp/r3"
echo '{"schema": 3, "backend": "flat", ' >"$tmp/r3/broken.json"
f=$(ls "$tmp/r2"/*.json | head -1)
head -c 700 "$f" >"$tmp/r3/cut.json"
printf '{\n  "schema": 3,\n  "run_id": "x",\n  "backend": "flat",\n  "workload": "getput",\n  "threads": 1,\n  "run": 9,\n  "status": "interrupted",\n  "interrupted": true\n}\n' >"$tmp/r3/stub-partial.json"
archive import --db="$db" --host=host-b "$tmp/r3" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && ok || bad "import with broken files: exit $rc"
[ "$(grep -c 'skipped' "$tmp/err")" = 3 ] && [ "$(wc -l <"$tmp/err")" = 3 ] && ok ||
	bad "expected 3 skip lines: $(cat "$tmp/err")"
for n in broken.json cut.json stub-partial.json; do
	grep -q "$n: skipped: " "$tmp/err" && ok || bad "$n not named"
done
grep -q "3 runs imported, 0 already there, 3 files skipped" "$tmp/out" && ok || bad "import r3: $(cat "$tmp/out")"

# ---- an import killed between two runs, then completed -------------------------------
LB_ARCHIVE_TEST_EXIT_AFTER=2 archive import --db="$db" --host=host-a "$tmp/r4" >/dev/null 2>&1
rc=$?
[ $rc = 3 ] && ok || bad "the test hook did not stop the import (exit $rc)"
read -r n _ <<<"$(counts)"
[ "$n" = 11 ] && ok || bad "after the killed import: $n runs, expected 11"
archive import --db="$db" --host=host-a "$tmp/r4" >"$tmp/out" 2>&1 && ok || bad "rerun failed"
grep -q "2 runs imported, 2 already there" "$tmp/out" && ok || bad "rerun: $(cat "$tmp/out")"

# ---- schema 2 files: a stable id from the content ----------------------------------------
mkdir "$tmp/old"
python3 - "$f" "$tmp/old/old.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
del d["run_id"]
d["schema"] = 2
d["ops_per_sec"] = d["ops_per_sec"] * 1.5  # not the run it came from
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
archive import --db="$db" --host=old "$tmp/old" >"$tmp/out" 2>&1 && grep -q "1 runs imported" "$tmp/out" && ok || bad "schema 2: $(cat "$tmp/out")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); json.dump(d, open(sys.argv[1],'w'))" "$tmp/old/old.json"
archive import --db="$db" --host=old "$tmp/old" >"$tmp/out" 2>&1 && grep -q "0 runs imported, 1 already there" "$tmp/out" && ok || bad "schema 2 reformatted, imported again: $(cat "$tmp/out")"

# ---- queries: the numbers of the runs -------------------------------------------------------
archive query hosts --db="$db" >"$tmp/out" 2>&1 && ok || bad "query hosts"
grep -Eq "^host-a +10 " "$tmp/out" && grep -Eq "^host-b +3 " "$tmp/out" && ok || bad "query hosts: $(cat "$tmp/out")"
archive query across-hosts --db="$db" --backend=flat --host=host-a --host=host-b >"$tmp/out" 2>&1 && ok || bad "across-hosts"
python3 - "$tmp/out" "$tmp/r1" "$tmp/r2" "$scripts" <<'PY' && ok || bad "across-hosts numbers: $(cat "$tmp/out")"
import glob, json, sys
sys.path.insert(0, sys.argv[4])
import lpibench_results as lr
text = open(sys.argv[1]).read()
for host, d in (("host-a", sys.argv[2]), ("host-b", sys.argv[3])):
    xs = [json.load(open(f))["ops_per_sec"] for f in glob.glob(d + "/*flat*.json")]
    line = [l for l in text.splitlines() if " %s " % host in l]
    assert len(line) == 1, (host, line)
    assert " %s " % lr.fmt_rate(lr.median(xs)) in line[0], (line, lr.median(xs))
    assert line[0].rstrip().endswith("3/3"), line
PY
# Metrics of the counters and latency tables: the medians of the files' own values.
for m in counter:lock_acquisitions latency:op:p99; do
	archive query across-hosts --db="$db" --host=host-b --backend=flat --metric=$m >"$tmp/out" 2>&1 || bad "--metric=$m: $(cat "$tmp/out")"
	python3 - "$tmp/out" "$tmp/r2" "$m" "$scripts" <<'PY' && ok || bad "--metric=$m numbers: $(cat "$tmp/out")"
import glob, json, sys
sys.path.insert(0, sys.argv[4])
import lpibench_results as lr
kind = sys.argv[3].split(":")
xs = []
for f in glob.glob(sys.argv[2] + "/*.json"):
    d = json.load(open(f))
    xs.append(d["counters"][kind[1]] if kind[0] == "counter" else d["latency"]["ops"][kind[1]][kind[2] + "_ns"])
line = [l for l in open(sys.argv[1]).read().splitlines() if " host-b " in l]
assert len(line) == 1 and (" %.4g " % lr.median(xs)) in line[0], (line, lr.median(xs))
PY
done
archive query across-hosts --db="$db" --metric=latency:op >/dev/null 2>&1; [ $? = 2 ] && ok || bad "a bad --metric is not exit 2"
archive query across-commits --db="$db" --host=host-a --backend=list >"$tmp/out" 2>&1 && ok || bad "across-commits"
grep -q "7/7" "$tmp/out" && ok || bad "across-commits: $(cat "$tmp/out")"
archive query across-commits --db="$db" >/dev/null 2>"$tmp/err"; [ $? = 2 ] && ok || bad "across-commits without a host"
archive schema --db="$db" >"$tmp/out" && grep -q "CREATE TABLE runs" "$tmp/out" && grep -q "CREATE TABLE lock_stats" "$tmp/out" && ok || bad "schema"

# ---- bad input: one line, exit 2 ----------------------------------------------------------------
for a in "import --db=nosuch://x $tmp/r1" "import --db=sqlite:///$tmp/no/dir/a.sqlite $tmp/r1" "import --db=$db $tmp/none"; do
	# shellcheck disable=SC2086
	archive $a >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && ok || bad "archive $a: exit $rc, $(cat "$tmp/err")"
done

# SQLAlchemy missing: one line naming the package, exit 2.
python3 -c "import runpy, sys
sys.modules['sqlalchemy'] = None  # as if not installed
sys.argv = ['archive', 'query', 'hosts']
runpy.run_path('$scripts/archive', run_name='__main__')" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q python3-sqlalchemy "$tmp/err" && ok || bad "without sqlalchemy: exit $rc, $(cat "$tmp/err")"

# ---- compare and report from the archive ------------------------------------------------------
"$scripts/compare" --db="$db" --host=host-a --host=host-b >"$tmp/out" 2>"$tmp/err" && ok || bad "compare hosts: $(cat "$tmp/err")"
grep -q "^A: host:host-a (.*topology\|^A: host:host-a (.*PU" "$tmp/out" && grep -Eq "getput +flat" "$tmp/out" && ok || bad "compare hosts: $(cat "$tmp/out")"
"$scripts/compare" "$tmp/r2" host:host-b --db="$db" --markdown >"$tmp/out" 2>&1 && grep -q "+0%" "$tmp/out" && ok || bad "compare folder vs its own import: $(cat "$tmp/out")"
"$scripts/report" --db="$db" --host=host-a --host=host-b --out="$tmp/rep/r.md" >/dev/null 2>"$tmp/err" && ok || bad "report hosts: $(cat "$tmp/err")"
grep -q "^| topology |" "$tmp/rep/r.md" && grep -q "| backend | threads | host-a | host-b |" "$tmp/rep/r.md" && ok || bad "report hosts: $(cat "$tmp/rep/r.md")"

# ---- history: synthetic commits, a known step ------------------------------------------------------
python3 - "$f" "$tmp/hist" <<'PY'
import json, os, random, sys, uuid
d0 = json.load(open(sys.argv[1]))
rng = random.Random(5)
for c in range(6):
    out = os.path.join(sys.argv[2], "c%d" % c)
    os.makedirs(out)
    for r in range(6):
        d = json.loads(json.dumps(d0))
        d["run_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        d["manifest"]["git_commit"] = "%x%034x" % (0xc0ffe0 + c, 0)
        d["manifest"]["date"] = "2026-01-%02dT10:00:%02dZ" % (c + 1, r)
        d["ops_per_sec"] = (1e6 if c < 4 else 0.8e6) * rng.gauss(1, 0.04)
        json.dump(d, open(os.path.join(out, "r%d.json" % r), "w"))
PY
archive import --db="$db" --host=hist "$tmp"/hist/c* >/dev/null 2>&1 && ok || bad "import history series"
"$scripts/history" --db="$db" --host=hist --workload=getput --backend=flat --threads=1 \
	--out="$tmp/hout" >"$tmp/out" 2>"$tmp/err" && ok || bad "history: $(cat "$tmp/err")"
grep -q "change point: between c0ffe3000000 and c0ffe4000000" "$tmp/out" && ok || bad "history text: $(cat "$tmp/out")"
[ "$(grep -c 'change point:' "$tmp/out")" = 1 ] && ok || bad "history: not one change point: $(cat "$tmp/out")"
head -c 8 "$tmp/hout/history-getput-flat-t1.png" | grep -q PNG && ok || bad "history drew no PNG"

# --repo: commits in ancestry order, though their runs came newest first.
git init -q "$tmp/repo"
for i in 1 2 3; do git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m "c$i"; done
python3 - "$f" "$tmp/anc" $(git -C "$tmp/repo" rev-list --reverse HEAD) <<'PY'
import json, os, sys, uuid
d0 = json.load(open(sys.argv[1]))
for i, c in enumerate(sys.argv[3:]):
    os.makedirs(os.path.join(sys.argv[2], str(i)))
    for r in range(3):
        d = json.loads(json.dumps(d0))
        d["run_id"] = str(uuid.uuid4())
        d["manifest"]["git_commit"] = c[:12]
        d["manifest"]["date"] = "2026-02-%02dT00:00:0%dZ" % (9 - i, r)  # newest commit ran first
        json.dump(d, open(os.path.join(sys.argv[2], str(i), "r%d.json" % r), "w"))
PY
archive import --db="$db" --host=anc "$tmp"/anc/* >/dev/null 2>&1
want=$(git -C "$tmp/repo" rev-list --reverse HEAD | cut -c1-12 | paste -sd' ')
got=$("$scripts/history" --db="$db" --host=anc --workload=getput --backend=flat --threads=1 --text --repo="$tmp/repo" | awk 'NR > 1 && $1 ~ /^[0-9a-f]+$/ {print $1}' | paste -sd' ')
[ "$got" = "$want" ] && ok || bad "history --repo order: $got, want $want"
got=$("$scripts/history" --db="$db" --host=anc --workload=getput --backend=flat --threads=1 --text | awk 'NR > 1 && $1 ~ /^[0-9a-f]+$/ {print $1}' | paste -sd' ')
[ "$got" = "$(echo "$want" | tr ' ' '\n' | tac | paste -sd' ')" ] && ok || bad "history first-run order: $got"

"$scripts/report" "$tmp/r1" --no-plots --db="$db" --history=getput,flat,1 --out="$tmp/rep2/r.md" >/dev/null 2>"$tmp/err" && ok || bad "report --history: $(cat "$tmp/err")"
grep -q "^## History: getput flat, 1 threads" "$tmp/rep2/r.md" && grep -q "change point: between c0ffe3000000" "$tmp/rep2/r.md" &&
	[ -s "$tmp/rep2/plots/history-getput-flat-t1.png" ] && ok || bad "report --history: $(cat "$tmp/rep2/r.md")"

# The detector itself: a step is found at its place; a flat noisy series
# (with outliers) has none; several seeds, all deterministic.
PYTHONPATH=$scripts python3 - <<'PY' && ok || bad "change-point detector"
import random
import lpibench_changepoint as cp
for seed in range(5):
    rng = random.Random(seed)
    pt = lambda mu: [rng.gauss(mu, 0.05 * mu) for _ in range(6)]
    for at in (2, 4, 6):
        step = [pt(100) for _ in range(at)] + [pt(88) for _ in range(8 - at)]
        step[0][0] = 500  # an outlier run
        found = cp.change_points(step)
        assert [c.index for c in found] == [at], (seed, at, [(c.index, c.p) for c in found])
        assert -0.17 < found[0].change < -0.07, found[0].change
    flat = [pt(100) for _ in range(10)]
    flat[3][2], flat[7][0] = 10, 900
    assert cp.change_points(flat) == [], (seed, [(c.index, c.p) for c in cp.change_points(flat)])
    # a change smaller than the minimum effect is not flagged, however sure
    tiny = [[100.0 + i * 0.01 for i in range(30)] for _ in range(3)] + \
           [[101.0 + i * 0.01 for i in range(30)] for _ in range(3)]
    assert cp.change_points(tiny) == []
    assert [c.index for c in cp.change_points(tiny, min_effect=0.005)] == [3]
PY

echo "test_archive: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
