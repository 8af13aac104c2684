#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The option rows agree with everything they drive: for every option in
# bench --list-options=json, the listing's fields are consistent (type,
# range, choices, default, list, owner, JSON key), --help mentions it (in
# its workload's section when a workload owns it), and a real short run of
# each workload records exactly the keys its options declare in "params"
# (values: the defaults, or what was given). Then bad input, generated
# from the listing per type: each is refused with exit status 2, one line
# naming the option (and its range or choices), and nothing written.
# Usage: test_options.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bench" --list-options=json >"$tmp/list.json" || { echo "FAIL: --list-options=json"; exit 1; }
"$bench" --help >"$tmp/help.txt" || { echo "FAIL: --help"; exit 1; }

# Short runs: every workload with defaults (getput with hot:P, which
# records hot_set), and getput with given values.
run() { # dir, then bench arguments
	local dir=$1
	shift
	local warm=--warmup=0
	[ "$dir" = getput ] || warm= # the others refuse --warmup
	"$bench" -q --duration=0.05 $warm --out="$tmp/$dir" "$@" >/dev/null 2>"$tmp/$dir.err" ||
		{ echo "FAIL: run $dir: $(cat "$tmp/$dir.err")"; exit 1; }
}
run getput -w getput --dist=hot:90
run lpi-stress -w lpi-stress -i 50
run its-churn -w its-churn -i 50
run race -w race --scenario=get_zero --variant=fixed --rounds=2
run given -w getput --lpis=100 --sparse --churn=5 --seed=7 --lock=ticket --rwlock=pthread \
	--gp-latency=2us --check --sample=off --perf=off --interval=10 --watchdog=30 \
	--place=none --until-ci=0 --max-runs=3 --fail-alloc=100000000 --get=rcu

LB_BENCH=$bench LB_EMULATOR=${LB_EMULATOR:-} python3 - "$tmp" <<'PY'
import glob, json, os, shlex, subprocess, sys

tmp = sys.argv[1]
bench = shlex.split(os.environ.get("LB_EMULATOR", "")) + [os.environ["LB_BENCH"]]
fails = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        fails.append(what)


listing = json.load(open(os.path.join(tmp, "list.json")))
opts = listing["options"]
help_text = open(os.path.join(tmp, "help.txt")).read()
workloads = [o for o in opts if o["name"] == "workload"][0]["choices"]
TYPES = {"flag", "action", "unsigned", "u64", "double", "duration", "enum", "string"}
OWNERS = {"driver", "faults", "measurement", "placement", "watchdog", "workload"}

# ---- the listing's own consistency -----------------------------------------
names, shorts = set(), set()
for o in opts:
    n = o["name"]
    check(n not in names, "%s: listed twice" % n)
    names.add(n)
    if o["short"]:
        check(o["short"] not in shorts, "%s: short -%s taken twice" % (n, o["short"]))
        shorts.add(o["short"])
    check(o["type"] in TYPES, "%s: unknown type %s" % (n, o["type"]))
    check(o["takes_value"] == (o["type"] not in ("flag", "action")),
          "%s: takes_value disagrees with type %s" % (n, o["type"]))
    check(o["list"] in ("no", "sweep", "commas"), "%s: list %s" % (n, o["list"]))
    check(o["list"] == "no" or o["takes_value"], "%s: a list without a value" % n)
    if o["type"] in ("unsigned", "u64", "double", "duration"):
        check(isinstance(o["min"], (int, float)) and isinstance(o["max"], (int, float))
              and o["min"] <= o["max"], "%s: bad range %s..%s" % (n, o["min"], o["max"]))
        d = o["default"]
        if o["default_text"] is None:
            check(isinstance(d, (int, float)) and o["min"] <= d <= o["max"],
                  "%s: default %r outside %s..%s" % (n, d, o["min"], o["max"]))
    else:
        check(o["min"] is None and o["max"] is None, "%s: a range on a %s" % (n, o["type"]))
    if o["type"] == "enum":
        check(bool(o["choices"]), "%s: enum without choices" % n)
        if o["record"] != "none" and o["default_text"] is None and "sanitizer" not in str(o["default"]):
            check(o["default"] in o["choices"], "%s: default %r not a choice" % (n, o["default"]))
    if o["type"] == "flag" and o["record"] != "none":
        check(o["default"] is False, "%s: a flag defaulting to %r" % (n, o["default"]))
    check(o["record"] in ("params", "top", "none"), "%s: record %s" % (n, o["record"]))
    check((o["json"] is None) == (o["record"] == "none"),
          "%s: json key %r with record %s" % (n, o["json"], o["record"]))
    check(o["type"] != "action" or o["record"] == "none", "%s: a recorded action" % n)
    check(o["owner"] in OWNERS, "%s: owner %s" % (n, o["owner"]))
    check((o["owner"] == "workload") == bool(o["workloads"]),
          "%s: owner %s, workloads %r" % (n, o["owner"], o["workloads"]))
    check(all(w in workloads for w in (o["workloads"] or [])), "%s: unknown workload" % n)
    check(bool(o["help"]), "%s: no help" % n)
check([o["name"] for o in opts if o["list"] == "sweep"] == ["backend", "threads"],
      "bench takes lists for --backend and --threads only")


def applies(o, wl):
    return o["workloads"] is None or wl in o["workloads"]  # wl None: the driver's only


def param_keys(wl):
    return [o["json"] for o in opts if o["record"] == "params" and applies(o, wl)]


for wl in workloads:
    keys = param_keys(wl)
    check(len(keys) == len(set(keys)), "%s: a params key declared twice: %s" % (wl, keys))

# ---- --help -----------------------------------------------------------------
sections = {"": help_text.split("\nworkload ")[0]}
for part in help_text.split("\nworkload ")[1:]:
    sections[part.split(":", 1)[0]] = part
for o in opts:
    where = o["workloads"] or [""]
    for s in where:
        text = sections.get(s, "")
        check(any(("--" + o["name"]) in l for l in text.splitlines()),
              "--help%s does not mention --%s" % (" (workload %s)" % s if s else "", o["name"]))
        if o["short"]:
            check(("-%s, --%s" % (o["short"], o["name"])) in text,
                  "--help: -%s is not shown with --%s" % (o["short"], o["name"]))
        for l in text.splitlines():  # a default is shown bare: no quote left of its JSON
            if ("--" + o["name"] + "=") in l and "(default " in l:
                shown = l.rsplit("(default ", 1)[1]
                check('"' not in shown, "--help: --%s shows its default as %r" % (o["name"], shown))

# ---- params of real runs ------------------------------------------------------
GIVEN_BY_RUN = {"duration", "warmup", "workload", "out", "quiet", "dist", "iterations",
                "scenario", "variant", "rounds"}
# Recorded from the run rather than the setting: the point's thread count.
FROM_RUN = {"threads"}


def result(d):
    files = glob.glob(os.path.join(tmp, d, "*.json"))
    check(len(files) == 1, "%s: %d result files" % (d, len(files)))
    return json.load(open(files[0]))


for d, wl in (("getput", "getput"), ("lpi-stress", "lpi-stress"),
              ("its-churn", "its-churn"), ("race", "race")):
    r = result(d)
    p = r["params"]
    want = param_keys(wl)
    check(sorted(p) == sorted(want), "%s: params keys %s, declared %s"
          % (wl, sorted(set(p) ^ set(want)), "(symmetric difference)"))
    drv = [k for k in p if k in param_keys(None)]
    check(list(p)[:len(drv)] == drv, "%s: the driver's params do not come first" % wl)
    for o in opts:
        if o["record"] == "top":
            check(o["json"] in r, "%s: top-level %s missing" % (wl, o["json"]))
        if o["record"] != "params" or not applies(o, wl) or o["name"] in GIVEN_BY_RUN | FROM_RUN:
            continue
        if o["default_text"] is None:
            check(p.get(o["json"]) == o["default"], "%s: %s = %r, default %r"
                  % (wl, o["json"], p.get(o["json"]), o["default"]))

g = result("given")["params"]
expect = {"lpis": 100, "sparse": True, "churn_pct": 5, "seed": 7, "lock": "ticket",
          "rwlock": "pthread", "gp_latency_ns": 2000, "check": True, "sample": "off",
          "perf": "off", "interval_ms": 10, "watchdog_s": 30, "place": "none",
          "until_ci_pct": 0, "max_runs": 3, "fail_alloc": "100000000", "get_mode": "rcu",
          "dist": "uniform"}
for k, v in expect.items():
    check(g.get(k) == v, "given: %s = %r, expected %r" % (k, g.get(k), v))

# ---- bad input, per type ----------------------------------------------------------
out = os.path.join(tmp, "rej")


def reject(o, value, *must):
    args = ["--out=" + out, "--duration=0.05"]
    if o["workloads"]:
        args.append("--workload=" + o["workloads"][0])
    else:
        args.append("--warmup=0")
    args.append("--%s=%s" % (o["name"], value) if value is not None else "--" + o["name"])
    p = subprocess.run(bench + args, capture_output=True, text=True, timeout=60)
    what = "--%s=%s" % (o["name"], value)
    lines = p.stderr.strip().splitlines()
    check(p.returncode == 2, "%s: exit status %d, expected 2" % (what, p.returncode))
    check(len(lines) == 1 and "--" + o["name"] in lines[0],
          "%s: expected one line naming the option, got %r" % (what, p.stderr))
    for m in must:
        check(m in p.stderr, "%s: message lacks %r: %r" % (what, m, p.stderr))
    check(not os.path.exists(out) or not os.listdir(out), "%s: wrote %s" % (what, out))


def num(v):
    return "%d" % v if float(v).is_integer() else "%g" % v


for o in opts:
    t = o["type"]
    if t in ("unsigned", "u64"):
        reject(o, "abc", num(o["min"]), num(o["max"]))
        reject(o, "-1")
        if o["max"] < 2 ** 64 - 1:
            reject(o, num(o["max"] + 1), num(o["max"]))
        if o["min"] > 0:
            reject(o, num(o["min"] - 1), num(o["min"]))
    elif t == "double":
        reject(o, "abc", num(o["max"]))
        reject(o, num(o["max"] * 2 + 1), num(o["max"]))
        reject(o, num(o["min"] - 1), num(o["min"]))
    elif t == "duration":
        reject(o, "abc", "duration")
        reject(o, "-1ms")
        check(o["unit"] == "ns" and o["bare_unit"] in ("ns", "us", "ms", "s"),
              "%s: duration units %r, %r" % (o["name"], o["unit"], o.get("bare_unit")))
        reject(o, "%ds" % (o["max"] // 10 ** 9 + 1))
        reject(o, "5parsecs")
    elif t in ("enum", "string") and o["choices"]:
        reject(o, "bogus-value", *o["choices"][:3])
        if len(o["choices"]) > 1 and o["list"] == "no":
            reject(o, ",".join(o["choices"][:2]), "one value")
    elif t == "flag":
        reject(o, "yes", "takes no value")
    if o["takes_value"]:
        p = subprocess.run(bench + ["--" + o["name"]], capture_output=True, text=True,
                           timeout=60)
        check(p.returncode == 2 and "needs a value" in p.stderr,
              "--%s without a value: %d %r" % (o["name"], p.returncode, p.stderr))

for f in fails:
    print("FAIL: " + f)
print("test_options: %d passed, %d failed, %d options" % (passes, len(fails), len(opts)))
sys.exit(1 if fails else 0)
PY
