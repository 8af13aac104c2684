#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The result scripts (scripts/sweep, plot, compare, report) on a small
# results folder made here with the bench binary under test: every
# expected file exists and is a valid PNG, SVG, Markdown or HTML file;
# sweep skips what is done and resumes an interrupted sweep; compare's
# numbers match the inputs (+0% against itself, +100% against a copy
# with doubled throughput); broken and foreign files are reported on
# stderr, not crashed on; results/README.md documents every key bench
# writes. Measurement members this build may not write (latency,
# timelines, summaries) and lpi-stress results are exercised with JSON
# derived from the real runs.
# Usage: test_scripts.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
src=$2
scripts=$src/scripts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

if ! command -v python3 >/dev/null || ! command -v gnuplot >/dev/null; then
	echo "SKIP: python3 and gnuplot are needed (scripts/packages.txt; scripts/bench installs them)"
	exit 77
fi
# A cross build runs the bench through an emulator: the scripts call it directly.
[ -n "${LB_EMULATOR:-}" ] && { echo "SKIP: cross build"; exit 77; }

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>"$tmp/err"; then ok; else bad "$what"; sed 's/^/    /' "$tmp/err" | tail -15; fi
}

# Files are what they claim: PNG magic, SVG that parses as XML, HTML that
# parses and carries its images inline, Markdown whose images exist.
cat >"$tmp/valid.py" <<'PY'
import base64, html.parser, os, re, sys, xml.etree.ElementTree as ET
kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
if kind == "png":
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert len(data) > 2000, "PNG too small to hold a plot"
elif kind == "svg":
    root = ET.fromstring(data)
    assert root.tag.endswith("svg"), root.tag
elif kind == "md":
    text = data.decode("utf-8")
    assert text.startswith("# "), "no title"
    assert re.search(r"^\|.*\|\n\|[-:|]+\|$", text, re.M), "no Markdown table"
    imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert imgs, "no images"
    for i in imgs:
        assert os.path.isfile(os.path.join(os.path.dirname(path), i)), "missing " + i
elif kind == "html":
    text = data.decode("utf-8")
    class P(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(); self.imgs = []
        def handle_starttag(self, tag, attrs):
            if tag == "img": self.imgs.append(dict(attrs)["src"])
    p = P(); p.feed(text); p.close()
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert p.imgs, "no images"
    for src in p.imgs:
        assert src.startswith("data:image/"), "image not inline: " + src[:40]
        raw = base64.b64decode(src.split(",", 1)[1])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" or b"<svg" in raw[:400], "bad inline image"
    assert "<table>" in text
PY
valid() { python3 "$tmp/valid.py" "$@"; }

# ---- a small results folder from the bench under test ----------------------
backends=$(${bench} --list-backends | awk '{print $1}' | head -2 | paste -sd, -)
base=${backends%%,*}
run="--workload=getput --lpis=256 --duration=0.05 --warmup=0"
r=$tmp/r
check "bench makes the results folder" "$bench" --backend="$backends" --threads=1,2 $run \
	--runs=3 --out="$r" -q
njson=$(ls "$r"/*.json | wc -l)
nback=$(echo "$backends" | tr , '\n' | wc -l)
[ "$njson" -eq $((nback * 2 * 3)) ] && ok || bad "expected $((nback * 6)) runs, got $njson"

# results/README.md documents every key bench writes (top level, manifest,
# counters, params) and every runs.csv column.
python3 - "$src/results/README.md" "$r" <<'PY' && ok || bad "results/README.md is out of date"
import csv, glob, json, re, sys
doc = set(re.findall(r"`([A-Za-z0-9_.]+)`", open(sys.argv[1]).read()))
missing = set()
for f in glob.glob(sys.argv[2] + "/*.json"):
    d = json.load(open(f))
    for obj, where in ((d, ""), (d["manifest"], "manifest."), (d["counters"], "counters."),
                       (d["params"], "params.")):
        missing |= {where + k for k in obj if k not in doc}
missing |= {c for c in next(csv.reader(open(sys.argv[2] + "/runs.csv"))) if c not in doc}
if missing:
    print("not documented:", ", ".join(sorted(missing)))
    sys.exit(1)
PY

# ---- sweep: matrix, skip what is done, resume, bad sweep files ---------------
s=$tmp/s
check "sweep runs" "$scripts/sweep" --bench="$bench" --backend="$backends" --threads=1,2 \
	$run --runs=2 --out="$s"
nsweep=$(ls "$s"/2*.json | wc -l)
[ "$nsweep" -eq $((nback * 2 * 2)) ] && ok || bad "sweep wrote $nsweep runs, expected $((nback * 4))"
python3 -c "import json, sys; assert json.load(open(sys.argv[1]))['manifest']['host']" \
	"$s/host.json" 2>/dev/null && ok || bad "sweep wrote no host.json with the manifest"
check "sweep again" "$scripts/sweep" --bench="$bench" --backend="$backends" --threads=1,2 \
	$run --runs=2 --out="$s"
if grep -q "$((nback * 2)) of $((nback * 2)) points already done" "$tmp/err" &&
	[ "$(ls "$s"/2*.json | wc -l)" -eq "$nsweep" ]; then ok; else
	bad "second sweep did not skip every point"; cat "$tmp/err"
fi
# The same sweep from a file (comments, spaces) is the same points: nothing to run.
cat >"$tmp/sweep.txt" <<EOF
# the sweep above, as a file
backend = $backends   # both
threads=1,2
workload=getput
lpis=256
duration=0.05
warmup=0
runs=2
EOF
check "sweep --file" "$scripts/sweep" --bench="$bench" --file="$tmp/sweep.txt" --out="$s" --dry-run
[ "$(grep -c '^done' "$tmp/out")" -eq $((nback * 2)) ] && ok || bad "sweep file: points not recognised as done"
for line in "threads" "nosuch=1" "threads=1,,2" "backend=nosuch" "sparse=maybe" "just words"; do
	printf '# bad\n%s\n' "$line" >"$tmp/bad.txt"
	"$scripts/sweep" --bench="$bench" --file="$tmp/bad.txt" --out="$tmp/nowhere" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "bad.txt:2" "$tmp/err" && [ ! -e "$tmp/nowhere" ]; then ok; else
		bad "sweep file line '$line': exit $rc, $(cat "$tmp/err")"
	fi
done
# Interrupt a sweep, then resume it: every point ends up complete, once.
i=$tmp/i
"$scripts/sweep" --bench="$bench" --backend="$base" --threads=1,2 --workload=getput --lpis=256 \
	--duration=0.25 --warmup=0 --runs=2 --out="$i" >/dev/null 2>&1 &
pid=$!
sleep 0.8
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || [ $rc -eq 0 ] && ok || bad "interrupted sweep exited $rc"
check "resumed sweep" "$scripts/sweep" --bench="$bench" --backend="$base" --threads=1,2 \
	--workload=getput --lpis=256 --duration=0.25 --warmup=0 --runs=2 --out="$i"
python3 - "$i" <<'PY' && ok || bad "resumed sweep: runs missing or duplicated"
import glob, json, sys
seen = {}
for f in glob.glob(sys.argv[1] + "/2*.json"):
    d = json.load(open(f))
    assert not d["interrupted"], f
    key = (d["threads"], d["run"])
    assert key not in seen, "duplicate %s" % (key,)
    seen[key] = f
assert sorted(seen) == [(1, 1), (1, 2), (2, 1), (2, 2)], sorted(seen)
rows = open(sys.argv[1] + "/runs.csv").read().splitlines()
assert len(rows) == 5, "runs.csv has %d lines" % len(rows)
PY

# ---- plot ------------------------------------------------------------------------
check "plot" "$scripts/plot" "$r" --baseline="$base"
# bench records latency when sampling is on: figures, else a note saying why not.
if [ -f "$r/plots/latency-getput-get.png" ] || grep -q "no latency data" "$tmp/err"; then ok; else
	bad "no latency figure and no note saying why"
fi
for f in throughput-getput fairness-getput contention-getput $([ "$nback" -gt 1 ] && echo speedup-getput); do
	for ext in png svg; do
		if [ -f "$r/plots/$f.$ext" ] && valid $ext "$r/plots/$f.$ext" 2>"$tmp/err"; then ok; else
			bad "plot: $f.$ext missing or invalid $(cat "$tmp/err")"
		fi
	done
done

# The measurement members (bench/measure_report.h: latency histograms,
# timelines; summaries/ with the CI of repeated runs) and lpi-stress runs,
# derived from real runs, for the figures that need them whatever this
# bench records.
syn=$tmp/syn
python3 - "$r" "$syn" <<'PY' || bad "could not derive the synthetic results"
import copy, glob, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
runs = {}
for f in sorted(glob.glob(src + "/*.json")):
    d = json.load(open(f))
    if "backend" in d:
        runs.setdefault((d["backend"], d["threads"]), []).append((f, d))
for (backend, threads), rs in runs.items():
    values = sorted(d["ops_per_sec"] for _, d in rs)
    os.makedirs(dst + "/summaries", exist_ok=True)
    json.dump({"schema": 1, "kind": "summary", "backend": backend, "workload": "getput",
               "threads": threads, "metric": "ops_per_sec",
               "repetitions": {"n": len(values), "values": values, "median": values[1],
                               "min": values[0], "max": values[-1], "ci95_lo": values[0],
                               "ci95_hi": values[-1], "ci95_width_pct": 1.0},
               "run_files": [os.path.basename(f) for f, _ in rs]},
              open("%s/summaries/%s-%d-summary.json" % (dst, backend, threads), "w"))
    for f, d in rs:
        ns = max(int(d["ns_per_op"] or 0), 80)  # null in a run left out (loaded host)
        buckets = [[ns // 2, ns // 2 + 4, 50], [ns, ns + 8, 400], [2 * ns, 2 * ns + 16, 40],
                   [40 * ns, 40 * ns + 512, 10]]
        d["latency"] = {"sample_every": 8, "clock": "gettime", "ops": {"get": {
            "count": 500, "mean_ns": 2.0 * ns, "min_ns": ns // 2, "p50_ns": ns, "p90_ns": 2 * ns,
            "p99_ns": 40 * ns, "p99_9_ns": 40 * ns, "max_ns": 41 * ns, "overflow": 0,
            "buckets": buckets}}}
        d["timeline"] = {"interval_ms": 10, "truncated": False,
                         "t_ns": [10000000 * k for k in range(5)],
                         "ops_per_sec": [None] + [d["ops_per_sec"] * (0.5 + k / 8) for k in range(4)],
                         "threads": [[0] * threads] * 5}
        json.dump(d, open(os.path.join(dst, os.path.basename(f)), "w"))
        if threads != 1:
            continue
        for v, dv, e, it in ((1, 1, 1, 1000), (4, 4, 17, 100)):
            for kernel, cache in (("v6.8", "lru"), ("v6.10", "xa")):
                x = copy.deepcopy(d)
                for k in ("latency", "timeline"):
                    x.pop(k, None)
                x["workload"] = "lpi-stress"
                x["params"] = {k: x["params"][k] for k in ("threads", "duration_s", "seed", "runs")}
                x["params"].update(vcpus=v, devices=dv, events=e, iterations=it, its=1,
                                   cache=cache, kernel=kernel, inject_cost_ns=0)
                x["workload_results"] = {"rate_lpis_per_sec": d["ops_per_sec"] * v / (e % 5),
                                         "injections": it * dv * e,
                                         "cache": {"name": cache, "hits": 90, "misses": 10}}
                json.dump(x, open(os.path.join(dst, "lpi-%d-%s-%s" % (v, cache, os.path.basename(f))),
                                  "w"))
PY
check "plot with latency, timelines, lpi-stress" "$scripts/plot" "$syn" --baseline="$base"
grep -q "95% CI of the median (order statistics)\|min..max range (covers the median" \
	"$syn/plots/index.json" && ok || bad "plot did not name its bars' interval"
for f in latency-getput-get latency-dist-getput-get timeline-getput lpi-stress; do
	for ext in png svg; do
		if [ -f "$syn/plots/$f.$ext" ] && valid $ext "$syn/plots/$f.$ext" 2>"$tmp/err"; then ok; else
			bad "plot: $f.$ext missing or invalid $(cat "$tmp/err")"
		fi
	done
done

# ---- compare: +0% against itself, +100% against doubled throughput ---------------
# Every row of compare's Markdown table shows the wanted change as
# "+100% [+94%, +106%]" (never "±": the interval is not symmetric).
cat >"$tmp/changes.py" <<'PY'
import sys
text, want, n = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3])
rows = [l for l in text.splitlines() if l.startswith("| getput")]
assert len(rows) == n, "%d rows, expected %d" % (len(rows), n)
for row in rows:
    cells = [c.strip() for c in row.split("|")]
    change, runs = cells[-4], [int(x) for x in cells[-2].split("/")]
    assert "\u00b1" not in row, row
    # A loaded host may leave runs out (a worker outside the window): with
    # one valid run on a side there is no interval, only the change.
    if min(runs) >= 2:
        assert change.startswith(want + " [") and "]" in change, row
    else:
        assert change == want + " -", row
PY
check "compare a folder with itself" "$scripts/compare" "$r" "$r" --markdown
python3 "$tmp/changes.py" "$tmp/out" "+0%" $((nback * 2)) && ok || bad "compare with itself: $(cat "$tmp/out")"
cp -r "$r" "$tmp/double"
python3 - "$tmp/double" <<'PY'
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/*.json"):
    d = json.load(open(f))
    d["ops_per_sec"] *= 2
    d["total_ops"] *= 2
    json.dump(d, open(f, "w"))
PY
check "compare against doubled throughput" "$scripts/compare" "$r" "$tmp/double" --markdown \
	--out="$tmp/cmp.md"
python3 "$tmp/changes.py" "$tmp/out" "+100%" $((nback * 2)) && ok ||
	bad "compare against doubled: $(cat "$tmp/out")"
cmp -s "$tmp/out" "$tmp/cmp.md" && ok || bad "compare --out differs from the printed Markdown"
check "compare as text" "$scripts/compare" "$r" "$tmp/double"
grep -q "Mann-Whitney" "$tmp/out" && [ "$(grep -c '+100%' "$tmp/out")" -eq $((nback * 2)) ] && ok ||
	bad "compare text table: $(cat "$tmp/out")"
# A configuration in one folder only is listed as such.
rm "$tmp/double"/*-t2-*.json
check "compare with a configuration missing" "$scripts/compare" "$r" "$tmp/double"
grep -q "only in A: getput $base 2 threads" "$tmp/out" && ok || bad "compare did not list 'only in A'"

# compare's statistics (scipy.stats) against known values: the exact
# Mann-Whitney p of 3 runs fully below 3 others is 2/20; a B of exactly
# twice A's constant runs gives the bootstrap interval [+100%, +100%];
# the same seed gives the same interval.
python3 - "$scripts/compare" >"$tmp/err" 2>&1 <<'PY' && ok || bad "compare's statistics: $(cat "$tmp/err")"
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("compare", sys.argv[1])
spec = importlib.util.spec_from_loader("compare", loader)
c = importlib.util.module_from_spec(spec)
loader.exec_module(c)
st = c.stats_module()
p, how = c.mann_whitney(st, [1, 2, 3], [4, 5, 6])
assert how == "exact" and abs(p - 0.1) < 1e-12, (p, how)
p, how = c.mann_whitney(st, list(range(10)), [x + 0.5 for x in range(10)])
assert how == "normal" and 0.6 < p < 0.8, (p, how)
lo, hi = c.ratio_ci(st, [1.0, 1, 1], [2.0, 2, 2], 2000, 1)
assert abs(lo - 2) < 1e-12 and abs(hi - 2) < 1e-12, (lo, hi)
lo, hi = c.ratio_ci(st, [1.0, 2, 3, 4], [2.0, 4, 6, 8], 2000, 1)
assert lo < 2 < hi and (lo, hi) == c.ratio_ci(st, [1.0, 2, 3, 4], [2.0, 4, 6, 8], 2000, 1)
assert c.ratio_ci(st, [1.0], [2.0, 3.0], 2000, 1) == (None, None)
PY

# ---- report -------------------------------------------------------------------------
check "report" "$scripts/report" "$r" --baseline="$base"
valid md "$r/report.md" 2>"$tmp/err" && ok || bad "report.md: $(cat "$tmp/err")"
valid html "$r/report.html" 2>"$tmp/err" && ok || bad "report.html: $(cat "$tmp/err")"
check "report elsewhere, SVG inline" "$scripts/report" "$syn" --out="$tmp/rep/x.md" --html-images=svg
valid md "$tmp/rep/x.md" 2>"$tmp/err" && valid html "$tmp/rep/x.html" 2>>"$tmp/err" &&
	grep -q "^| -v 4 -d 4 -e 17 -i 100 | .*(90% hits) |" "$tmp/rep/x.md" && ok ||
	bad "report of the synthetic folder: no lpi-stress table $(cat "$tmp/err")"

# ---- broken and foreign files: reported, not crashed on ---------------------------------
b=$tmp/bad
cp -r "$r" "$b"
rm -rf "$b/plots" "$b"/report.*
printf '{"backend": "list", "thr' >"$b/broken.json"
printf '{"name": "some-package", "version": "1.0"}\n' >"$b/foreign.json"
: >"$b/empty.json"
mkdir -p "$b/summaries"
printf '[1, 2' >"$b/summaries/broken-summary.json"
for tool in plot report compare; do
	if [ $tool = compare ]; then args=("$r" "$b"); else args=("$b"); fi
	check "$tool with broken files" "$scripts/$tool" "${args[@]}"
	for f in broken.json foreign.json empty.json broken-summary.json; do
		grep -q "$f: skipped" "$tmp/err" && ok || bad "$tool did not report $f: $(cat "$tmp/err")"
	done
done
valid md "$b/report.md" 2>"$tmp/err" && grep -q "broken.json" "$b/report.md" && ok ||
	bad "report of a folder with broken files: $(cat "$tmp/err")"
# Nothing to read at all: a clear message and a non-zero status, no traceback.
mkdir "$tmp/empty"
"$scripts/plot" "$tmp/empty" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no lpibench results" "$tmp/err" && ! grep -q Traceback "$tmp/err" && ok ||
	bad "plot of an empty folder: $(cat "$tmp/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
