#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# What the pictures promise, checked in what they are made of (the gnuplot
# scripts scripts/plot leaves in plots/gnuplot/, bench's plan SVG):
#  - ideal scaling is cut at the top of the plot: the y range comes from
#    the data, and no point of an ideal line lies above it;
#  - titles and captions never print an unset parameter ("None");
#  - the contention heat map says the scale of its colours;
#  - the timeline drops its last, partial interval;
#  - lpi-stress bars and tables give their intervals as getput's do (the
#    median's CI from order statistics, or a range named with its coverage;
#    "[lo, hi]" cells with the same note in the report);
#  - the placement picture's legend names every colour the picture uses;
#  - the packages the pictures need are in scripts/packages.txt, which
#    scripts/bench installs.
# Usage: test_plots.sh BENCH_BINARY SOURCE_DIR
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

if ! command -v python3 >/dev/null || ! command -v gnuplot >/dev/null; then
	echo "SKIP: python3 and gnuplot are needed (scripts/packages.txt; scripts/bench installs them)"
	exit 77
fi
[ -n "${LB_EMULATOR:-}" ] && { echo "SKIP: cross build (the scripts call the bench directly)"; exit 77; }

# ---- packages: every program the pictures run is installed by scripts/bench ----
pkgs=$(grep -v '^#' "$src/scripts/packages.txt")
for need in "rsvg-convert:bench/plan_svg.c:librsvg2-bin" "gnuplot:scripts/lpibench_gnuplot.py:gnuplot-nox"; do
	IFS=: read -r prog file pkg <<<"$need"
	if grep -q "\"$prog\"" "$src/$file" && ! grep -qx "$pkg" <<<"$pkgs"; then
		bad "$file runs $prog but scripts/packages.txt does not list $pkg"
	else
		ok
	fi
done
grep -q '^lb_ensure_packages' "$src/scripts/bench" && ok || bad "scripts/bench does not install scripts/packages.txt"

# ---- the placement picture's legend -------------------------------------------------
# Every fill and outline colour of a box outside the legend must appear in
# the legend; checked on pictures using each role and each kind of box.
cat >"$tmp/legend.py" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
legend = [g for g in root.iter(NS + "g") if g.get("id") == "legend"]
assert len(legend) == 1, "no single <g id=legend>"
named = set()
for r in legend[0].iter(NS + "rect"):
    named |= {r.get("fill"), r.get("stroke")}
inside = set(legend[0].iter(NS + "rect"))
used = set()
for r in root.iter(NS + "rect"):
    if r in inside or r.get("width") == "100%":  # the page's background
        continue
    used |= {c for c in (r.get("fill"), r.get("stroke")) if c}
missing = used - named
assert not missing, "colours used but not in the legend: %s" % sorted(missing)
want = set(sys.argv[2].split(",")) if len(sys.argv) > 2 and sys.argv[2] else set()
assert want <= used, "expected %s among the colours used %s" % (sorted(want), sorted(used))
PY
plan() { # NAME COLOURS-THAT-MUST-BE-USED BENCH-ARGS...
	local name=$1 want=$2
	shift 2
	if "$bench" --plan --plan-image="$tmp/$name.svg" "$@" >"$tmp/out" 2>&1; then
		python3 "$tmp/legend.py" "$tmp/$name.svg" "$want" 2>"$tmp/err" && ok ||
			bad "plan picture $name: $(tail -1 "$tmp/err")"
	else
		bad "bench --plan $*: $(tail -3 "$tmp/out")"
	fi
}
# bench/plan_svg.c's colours: vCPU and other threads on one PU; SMT core box
plan mixed "#8e44ad,#f7f7f7" --topology="synthetic:Package:1 Core:2 PU:2" --workload=lpi-stress -v 4 -d 4
plan levels "" --topology="synthetic:Package:2 NUMANode:1 L3Cache:1 Core:2 PU:2" --threads=5
plan altra "" --topology=altra-2s --threads=64 --place=scatter

# ---- a results folder, then reshaped so that each promise is tested ---------------
backends=$("$bench" --list-backends | awk '{print $1}' | head -2 | paste -sd, -)
r=$tmp/r
if ! "$bench" --backend="$backends" --threads=1,2 --workload=getput --lpis=256 \
	--duration=0.05 --warmup=0 --runs=3 --out="$r" -q >"$tmp/out" 2>&1; then
	bad "bench did not make the results folder: $(tail -3 "$tmp/out")"
	echo "$pass passed, $fail failed"
	exit 1
fi
syn=$tmp/syn
python3 - "$r" "$syn" <<'PY' || bad "could not derive the reshaped results"
import copy, glob, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
for f in sorted(glob.glob(src + "/*.json")):
    d = json.load(open(f))
    if "backend" not in d:
        continue
    # Whatever a loaded machine made of the short runs, they are ok here.
    d["status"], d["status_reason"] = "ok", ""
    # Flat throughput, no lock ceilings: ideal scaling from 1 thread ends
    # 2x above the data.
    d["ops_per_sec"] = 1e6 * (1 + 0.01 * d["run"])
    d.pop("lock_stat", None)
    d["manifest"]["host"] = None  # an unset host
    d["params"]["lock"] = None    # an unset parameter
    # A timeline of 10 ms intervals whose last one is cut short (5 ms).
    t = [0, 10, 20, 30, 35]
    d["timeline"] = {"interval_ms": 10, "truncated": False,
                     "t_ns": [1000000 * x for x in t],
                     "ops_per_sec": [None, 1e6, 1e6, 1e6, 5e6],
                     "threads": [[0] * d["threads"]] * len(t)}
    d.pop("timeline_window_ns", None)
    json.dump(d, open(os.path.join(dst, os.path.basename(f)), "w"))
    if d["threads"] != 1:
        continue
    for v, it in ((1, 1000), (4, None)):  # the second: iterations unset
        x = copy.deepcopy(d)
        x.pop("timeline")
        x["workload"] = "lpi-stress"
        x["params"] = {k: x["params"][k] for k in ("threads", "duration_s", "seed", "runs")}
        x["params"].update(vcpus=v, devices=v, events=17, iterations=it, its=1, cache="xa",
                           kernel="v6.10", inject_cost_ns=0, lock=None)
        x["workload_results"] = {"rate_lpis_per_sec": d["ops_per_sec"] * v,
                                 "injections": 1000 * v,
                                 "cache": {"name": "xa", "hits": 90, "misses": 10}}
        json.dump(x, open(os.path.join(dst, "lpi-%d-%s" % (v, os.path.basename(f))), "w"))
PY
if ! "$scripts/plot" "$syn" >"$tmp/out" 2>"$tmp/err"; then
	bad "plot of the reshaped folder: $(tail -3 "$tmp/err")"
fi

# Reads a figure's gnuplot script: its data blocks, y range, plot clauses.
cat >"$tmp/gp.py" <<'PY'
import re
def read(path):
    text = open(path).read()
    blocks, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"(\$D\d+) << EOD$", line)
        if m:
            cur = blocks.setdefault(m.group(1), [])
        elif line == "EOD":
            cur = None
        elif cur is not None:
            cur.append([float(x) if re.match(r"^-?[0-9.eE+-]+$|^NaN$", x) else x
                        for x in line.split()])
    return text, blocks
PY
gp=$syn/plots/gnuplot
python3 - "$gp/throughput-getput.gp" "$tmp" <<'PY' 2>"$tmp/err" && ok || bad "ideal scaling: $(tail -1 "$tmp/err")"
import re, sys
sys.path.insert(0, sys.argv[2])
import gp
text, blocks = gp.read(sys.argv[1])
yr = set(re.findall(r"^set yrange \[([^:]*):([^\]]*)\]", text, re.M))  # PNG and SVG
assert len(yr) == 1, yr
yr = list(yr)
y_max = float(yr[0][1])
# the data: flat at about 1 M ops/s, so the range is set by it, not by the 2x ideal
assert y_max < 2.0, "y range [.., %g] stretched beyond the data" % y_max
ideal = re.findall(r"(\$D\d+) using 1:(\d+) with lines dt \(6,4\)", text)
assert ideal, "no ideal-scaling line"
for d, col in ideal:
    ys = [row[int(col) - 1] for row in blocks[d]]
    assert max(ys) <= y_max * (1 + 1e-9), "ideal %s reaches %g above %g" % (d, max(ys), y_max)
    assert abs(ys[-1] - y_max) < 1e-6 * y_max, "ideal %s does not reach the top edge" % d
PY

python3 - "$syn/plots" <<'PY' 2>"$tmp/err" && ok || bad "unset parameters: $(tail -1 "$tmp/err")"
import glob, json, re, sys
n = 0
for f in glob.glob(sys.argv[1] + "/gnuplot/*.gp"):
    for t in re.findall(r"^set (?:multiplot )?title (.*)$", open(f).read(), re.M):
        n += 1
        assert "None" not in t, "%s: %s" % (f, t)
assert n >= 4, "only %d titles" % n
for fig in json.load(open(sys.argv[1] + "/index.json"))["figures"]:
    assert "None" not in fig["caption"], fig["caption"]
PY

grep -q '^set cblabel ".*scale 0 to .*this panel' "$gp/contention-getput.gp" && ok ||
	bad "contention heat map: its colour scale is not stated"

python3 - "$gp/timeline-getput.gp" "$tmp" <<'PY' 2>"$tmp/err" && ok || bad "timeline: $(tail -1 "$tmp/err")"
import sys
sys.path.insert(0, sys.argv[2])
import gp
text, blocks = gp.read(sys.argv[1])
xs = [row[0] for rows in blocks.values() for row in rows]
assert xs and max(xs) <= 0.030 + 1e-9, "the partial interval ending at 35 ms is drawn: %s" % xs
assert "5e+06" not in text and "5000000" not in text
PY

# lpi-stress: the same bars as getput's (3 runs: a range, with its coverage),
# in the figure's title and the report's table note; cells "[lo, hi] +dagger".
python3 - "$gp" "$syn/plots/index.json" <<'PY' 2>"$tmp/err" && ok || bad "lpi-stress bars: $(tail -1 "$tmp/err")"
import glob, json, re, sys
want = "min..max range (covers the median 75% with 3 runs)"
def text(f):  # titles are wrapped
    return open(f).read().replace("\\n", " ")
tp = text(sys.argv[1] + "/throughput-getput.gp")
assert want in tp, "throughput title lacks %r" % want
lpi = [f for f in glob.glob(sys.argv[1] + "/lpi-stress*.gp")]
assert lpi, "no lpi-stress figure"
for f in lpi:
    title = re.search(r"^set title (\".*)$", text(f), re.M).group(1)
    assert want in title and "min..max\"" not in title, title
caps = [x["caption"] for x in json.load(open(sys.argv[2]))["figures"] if x["kind"] == "lpi-stress"]
assert caps and all(want in c for c in caps), caps
PY
if "$scripts/report" "$syn" --out="$tmp/rep/report.md" >/dev/null 2>"$tmp/err"; then
	python3 - "$tmp/rep/report.md" <<'PY' 2>"$tmp/err" && ok || bad "report's lpi-stress table: $(tail -1 "$tmp/err")"
import re, sys
text = open(sys.argv[1]).read()
note = re.compile(r"over 3 runs, \[lo, hi\]: the 95% confidence interval of the median .*"
                  r"covers the median with probability only 75% \(3 runs\)")
paras = [p for p in text.split("\n\n") if note.search(p)]
assert len(paras) >= 2, "getput's and lpi-stress's tables do not both carry the interval note"
assert any("LPIs/s" in p for p in paras), "no interval note on the lpi-stress table"
assert "None" not in text, "an unset parameter printed as None"
cell = re.compile(r"^[0-9.]+[kMG]? \[[0-9.]+[kMG]?, [0-9.]+[kMG]?\] \u2020")
rows = [l for l in text.splitlines() if l.startswith("| -v ")]
assert rows, "no lpi-stress rows"
for l in rows:
    for c in [c.strip() for c in l.strip("|").split("|")][1:]:
        assert cell.match(c), "cell %r not like getput's" % c
PY
else
	bad "report of the reshaped folder: $(tail -3 "$tmp/err")"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
