# SPDX-License-Identifier: BSD-2-Clause
"""Reading lpibench result folders, shared by sweep, plot, compare and report.

A result folder holds one JSON per run (written by bench, see
results/README.md), runs.csv, and, when made by scripts/sweep, host.json.
load_folder() reads every *.json at the top of the folder and keeps the
ones that are lpibench results. Anything else is skipped with one warning
on stderr naming the file and the reason: a broken file, a foreign JSON,
or a run whose status is not "ok" (interrupted, stalled, failed
verification, incomplete window, too short). Nothing here raises on bad
input.

The measurement members (latency histograms, the confidence interval of
repeated runs, timelines; their shapes are in bench/measure_report.h) are
read when a result has them: every accessor returns None when a member is
absent, and the callers then leave the matching figure or column out with
a note.

Standard library only (Debian 12: python3 3.11); scripts/compare also uses
scipy.stats (scipy_stats()).
"""

import json
import math
import os
import re
import sys

# The result schema this code was written against (bench/result.h).
SCHEMA_KNOWN = 3

# Files of a result folder that are not runs: the sweep's host manifest,
# and bench's per-configuration summaries of repeated runs (a subfolder).
HOST_FILE = "host.json"
SUMMARY_DIR = "summaries"

# How a configuration is measured, not what it is: the clock, sampling,
# perf counters, repetition control, timeline period and watchdog.
MEASURE_PARAMS = ("clock", "sample", "perf", "until_ci_pct", "max_runs", "interval_ms",
                  "watchdog_s")
# Params that do not make a configuration different: the seed, the number
# of repetitions and the measurement settings. Everything else in "params"
# does.
IGNORED_PARAMS = ("seed", "runs") + MEASURE_PARAMS

# bench accepts --duration up to a day; a longer measured window is a bug.
MAX_DURATION_S = 1e6

# Keys every result has, with the JSON types accepted for them.
_REQUIRED = {
    "schema": (int,),
    "backend": (str,),
    "workload": (str,),
    "threads": (int,),
    "ops_per_sec": (int, float),
    "total_ops": (int,),
    "duration_s": (int, float),
    "params": (dict,),
}


# Debian installs python3-scipy here; a python3 found first on PATH (a
# virtualenv, pyenv) may not look there.
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"


def scipy_stats():
    """scipy.stats (Debian's python3-scipy), or None if it cannot be loaded."""
    try:
        import scipy.stats
        return scipy.stats
    except ImportError:
        pass
    if os.path.isdir(DEBIAN_DIST_PACKAGES) and DEBIAN_DIST_PACKAGES not in sys.path:
        sys.path.append(DEBIAN_DIST_PACKAGES)
        try:
            import scipy.stats
            return scipy.stats
        except ImportError:
            pass
    return None


def warn(msg):
    """One warning line on stderr, prefixed like every lpibench tool."""
    print("lpibench: warning: " + msg, file=sys.stderr)


def note(msg):
    """An informational line on stderr."""
    print("lpibench: " + msg, file=sys.stderr)


def run_tool(tool, main, argv):
    """Runs a script's main(argv) and exits with its status. A file or
    folder the tool cannot read or write (a missing path, a read-only
    folder, /proc) ends it with one line naming the path and exit 2, not a
    traceback; so does scipy missing where it is needed."""
    try:
        status = main(argv)
    except OSError as e:
        where = e.filename or ""
        print("lpibench: %s: %s%s" % (tool, "%s: " % where if where else "",
                                      e.strerror or e), file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print("lpibench: %s: interrupted" % tool, file=sys.stderr)
        status = 130
    sys.exit(status)


class Result:
    """One run: the parsed JSON plus convenient, validated fields."""

    def __init__(self, path, data):
        self.path = path
        self.name = os.path.basename(path)
        self.data = data
        self.backend = data["backend"]
        self.workload = data["workload"]
        self.threads = data["threads"]
        self.run = data.get("run") if isinstance(data.get("run"), int) else 1
        self.ops_per_sec = float(data["ops_per_sec"])
        self.total_ops = data["total_ops"]
        self.duration_s = float(data["duration_s"])
        self.ns_per_op = _num(data.get("ns_per_op"))
        self.params = data["params"]
        self.manifest = data.get("manifest") if isinstance(data.get("manifest"), dict) else {}
        pto = data.get("per_thread_ops")
        ok = isinstance(pto, list) and all(_num(x) is not None for x in pto)
        self.per_thread_ops = pto if ok else []
        ctr = data.get("counters")
        self.counters = ctr if isinstance(ctr, dict) else {}
        wr = data.get("workload_results")
        self.workload_results = wr if isinstance(wr, dict) else {}
        self.verified = data.get("verified", True) is not False
        self.summaries = []  # bench's summaries that list this run

    def counter(self, name):
        """A counter's value, or None when the backend does not have it."""
        return _num(self.counters.get(name))

    def config_params(self, ignore=IGNORED_PARAMS):
        """The params that define the configuration, as a sorted tuple."""
        return tuple(sorted((k, _hashable(v)) for k, v in self.params.items()
                            if k not in ignore and k != "threads"))

    def config_key(self, ignore=IGNORED_PARAMS):
        """Runs with equal keys are repetitions of one configuration."""
        return (self.workload, self.backend, self.threads, self.config_params(ignore))

    def group_key(self, ignore=IGNORED_PARAMS):
        """Like config_key without backend and threads: one plot's worth."""
        return (self.workload, self.config_params(ignore))


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v


def check_result(data):
    """None if data looks like an lpibench result, else the reason it does not."""
    if not isinstance(data, dict):
        return "not an lpibench result (top level is not an object)"
    if "schema" not in data or "backend" not in data or "manifest" not in data:
        return "not an lpibench result (no 'schema', 'backend' and 'manifest' keys)"
    for key, types in _REQUIRED.items():
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, types):
            return "malformed lpibench result ('%s' is %s)" % (
                key, "missing" if key not in data else "a " + type(v).__name__)
    if _num(data["ops_per_sec"]) is None or data["ops_per_sec"] < 0 or data["total_ops"] < 0:
        return "malformed lpibench result (ops_per_sec or total_ops out of range)"
    if data["threads"] < 1:
        return "malformed lpibench result (threads < 1)"
    if not 0 <= data["duration_s"] < MAX_DURATION_S:
        # e.g. a clock difference that wrapped around: the rates are garbage
        return "implausible duration_s %g: its rates cannot be trusted" % data["duration_s"]
    return None


# A run's status (bench/result_status.h): only "ok" runs are numbers bench
# stands behind; the scripts use no other.
STATUSES = ("ok", "interrupted", "stalled", "failed_verification", "incomplete_window",
            "too_short")


def run_status(data):
    """(status, reason) of a run. Schema 2 and later write them; for schema 1 files
    they are derived from the flags those had."""
    st = data.get("status")
    if isinstance(st, str):
        reason = data.get("status_reason")
        return (st if st in STATUSES else "unknown status '%s'" % st,
                reason if isinstance(reason, str) else "")
    if data.get("interrupted") is True:
        return "interrupted", "SIGINT or SIGTERM arrived during the run: partial"
    if data.get("stalled") is True or data.get("timed_out") is True:
        return "stalled", "stopped by the watchdog or timed out"
    if data.get("verified") is False:
        return "failed_verification", str(data.get("verify_message", ""))
    outside = data.get("workers_outside_window")
    if isinstance(outside, int) and not isinstance(outside, bool) and outside > 0:
        return "incomplete_window", "%d workers never ran while the window was open" % outside
    return "ok", ""


def read_json(path):
    """(data, None) or (None, reason) for a JSON file; never raises."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        return None, "cannot read it (%s)" % (e.strerror if isinstance(e, OSError) else e)
    if not text.strip():
        return None, "empty file"
    try:
        return json.loads(text), None
    except ValueError as e:
        return None, "not valid JSON (%s)" % e
    except RecursionError:
        return None, "not valid JSON (nested too deeply)"


class Folder:
    """A loaded result folder: its runs, its host manifest, what was skipped."""

    def __init__(self, path):
        self.path = path
        self.results = []
        self.skipped = []  # (file name, reason)
        self.host = None   # host.json's content, if any
        self.summaries = []  # (set of run file names, summary JSON)

    def manifest(self):
        """The host manifest: host.json's, else the first result's."""
        if self.host and isinstance(self.host.get("manifest"), dict):
            return self.host["manifest"]
        return self.results[0].manifest if self.results else {}

    def by_config(self, ignore=IGNORED_PARAMS):
        """{config_key: [Result, ...]}, runs sorted by run index."""
        out = {}
        for r in self.results:
            out.setdefault(r.config_key(ignore), []).append(r)
        for runs in out.values():
            runs.sort(key=lambda r: (r.run, r.name))
        return out

    def by_group(self, ignore=IGNORED_PARAMS):
        """{group_key: [Result, ...]}: one entry per workload and parameter set."""
        out = {}
        for r in self.results:
            out.setdefault(r.group_key(ignore), []).append(r)
        return out


def load_folder(path, quiet=False):
    """Loads every result in path. Warns (unless quiet) about what it skips.

    Never raises for bad content; a missing folder gives an empty Folder
    and a warning."""
    folder = Folder(path)
    say = (lambda m: None) if quiet else warn
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        say("%s: cannot list the folder (%s)" % (path, e.strerror))
        return folder
    for name in names:
        full = os.path.join(path, name)
        if name.startswith(".") or not name.endswith(".json") or not os.path.isfile(full):
            continue
        data, why = read_json(full)
        if name == HOST_FILE:
            if isinstance(data, dict):
                folder.host = data
            else:
                say("%s: skipped: %s" % (full, why or "not an object"))
            continue
        if isinstance(data, dict) and data.get("kind") == "summary":
            folder.summaries.append(_summary(data))
            continue
        if not why and isinstance(data, dict) and "status" in data:
            st, reason = run_status(data)  # also a second signal's stub
            if st != "ok":
                why = "status %s (%s)" % (st, reason) if reason else "status " + st
        why = why or check_result(data)
        if not why:
            st, reason = run_status(data)
            if st != "ok":
                why = "status %s (%s)" % (st, reason) if reason else "status " + st
        if why:
            folder.skipped.append((name, why))
            say("%s: skipped: %s" % (full, why))
            continue
        if data["schema"] > SCHEMA_KNOWN:
            say("%s: schema %d is newer than these scripts (%d); reading the keys they know"
                % (full, data["schema"], SCHEMA_KNOWN))
        folder.results.append(Result(full, data))
    _load_summaries(folder, os.path.join(path, SUMMARY_DIR), say)
    if not folder.results:
        subs = [n for n in names if os.path.isdir(os.path.join(path, n))
                and any(f.endswith(".json") for f in _listdir(os.path.join(path, n)))]
        hint = " (results are in its subfolders: %s)" % ", ".join(subs[:4]) if subs else ""
        say("%s: no lpibench results found%s" % (path, hint))
    return folder


def _summary(data):
    files = data.get("run_files")
    return set(f for f in files if isinstance(f, str)) if isinstance(files, list) else set(), data


def _load_summaries(folder, path, say):
    """Reads bench's summaries (one per configuration and invocation:
    {kind: "summary", metric, repetitions: {n, values, median, ..., ci95_lo,
    ci95_hi}, run_files: [...]}) and ties each to the runs it lists."""
    if not os.path.isdir(path):
        return
    for name in sorted(_listdir(path)):
        if not name.endswith(".json") or name.startswith("."):
            continue
        data, why = read_json(os.path.join(path, name))
        if why or not isinstance(data, dict) or data.get("kind") != "summary":
            say("%s: skipped: %s" % (os.path.join(path, name),
                                     why or "not an lpibench summary"))
            continue
        folder.summaries.append(_summary(data))
    by_name = {r.name: r for r in folder.results}
    for files, data in folder.summaries:
        for f in files:
            if f in by_name:
                by_name[f].summaries.append((files, data))


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


# lpi-stress and its-churn (lpi-stress plus a command thread) report LPIs/s;
# so does the kernel's own selftest, recorded by scripts/kernel-selftest.
SELFTEST_WORKLOAD = "vgic_lpi_stress"
LPI_WORKLOADS = ("lpi-stress", "its-churn", SELFTEST_WORKLOAD)


def rate(r):
    """The headline throughput of a run: LPIs/s for the injection workloads
    (workload_results.rate_lpis_per_sec), else ops/s."""
    v = r.workload_results.get("rate_lpis_per_sec")
    if r.workload in LPI_WORKLOADS and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return r.ops_per_sec


def rate_unit(workload):
    return "LPIs/s" if workload in LPI_WORKLOADS else "ops/s"


# ---- lpi-stress: the vgic_lpi_stress table ----------------------------------

# Rows: the configuration, as vgic_lpi_stress's flags name it.
LPI_CONFIG = (("vcpus", "-v"), ("devices", "-d"), ("events", "-e"), ("iterations", "-i"))
# Columns: the design (kernel preset, translation cache; with the backend).
LPI_TABLE_KEYS = tuple(k for k, _ in LPI_CONFIG) + ("cache", "kernel")


def lpi_config_label(params):
    """'-v 16 -d 16 -e 17 -i 10000'"""
    return " ".join("%s %s" % (f, params[k]) for k, f in LPI_CONFIG
                    if params.get(k) not in (None, ""))  # unset: no "None"


def _version(text):
    return tuple(int(x) for x in re.findall(r"\d+", str(text)))


def lpi_design(r):
    """A table column: (sort key, label), e.g. 'v6.10 (xa, cache xa)'."""
    kernel, cache = r.params.get("kernel"), r.params.get("cache")
    inner = r.backend + (", cache %s" % cache if cache not in (None, "") else "")
    label = "%s (%s)" % (kernel, inner) if kernel else inner
    return (0 if kernel else 1, _version(kernel), backend_sort_key(r.backend), label), label


def lpi_hit_rate(r):
    """Translation cache hits in % of lookups, or None."""
    c = r.workload_results.get("cache")
    h = c.get("hits") if isinstance(c, dict) else r.counter("cache_hits")
    m = c.get("misses") if isinstance(c, dict) else r.counter("cache_misses")
    if isinstance(h, (int, float)) and isinstance(m, (int, float)) and h + m > 0:
        return 100.0 * h / (h + m)
    return None


def lpi_groups(results):
    """[(slug, workload, rest_params, [Result])]: injection runs split by
    workload and by the params that are neither the table's rows nor its
    columns (each split is one table)."""
    groups = {}
    kernel_runs = [r for r in results if r.workload == SELFTEST_WORKLOAD]
    for r in results:
        if r.workload in LPI_WORKLOADS and r.workload != SELFTEST_WORKLOAD:
            rest = tuple(kv for kv in r.config_params() if kv[0] not in LPI_TABLE_KEYS)
            groups.setdefault((r.workload, rest), []).append(r)
    # The real selftest's runs are a column of every lpi-stress table (the
    # rows are -v/-d/-e/-i), or a table of their own without model runs.
    model = [g for g in groups if g[0] == "lpi-stress"]
    for g in model:
        groups[g].extend(kernel_runs)
    if kernel_runs and not model:
        groups[(SELFTEST_WORKLOAD, ())] = list(kernel_runs)
    slugs = group_slugs(list(groups))
    return sorted(((slugs[g], g[0], g[1], rs) for g, rs in groups.items()),
                  key=lambda g: g[0])


def lpi_cells(results):
    """(row keys in order, {row key: label}, design labels in order,
    {(row key, design label): [Result]}) for one table."""
    labels, designs, cells = {}, {}, {}
    for r in results:
        key = tuple(_hashable(r.params.get(k)) for k, _ in LPI_CONFIG)
        labels[key] = lpi_config_label(r.params)
        order, d = lpi_design(r)
        designs[d] = order
        cells.setdefault((key, d), []).append(r)
    keys = sorted(labels, key=lambda k: tuple((0, x, "") if _num(x) is not None and
                                              math.isfinite(x) else (1, 0, str(x))
                                              for x in k))
    return keys, labels, sorted(designs, key=lambda d: designs[d]), cells


# ---- small statistics -------------------------------------------------------

def median(xs):
    """Median; the mean of the two middle values when len is even. None if empty."""
    s = sorted(xs)
    n = len(s)
    if not n:
        return None
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def quantile(sorted_xs, q):
    """Linear-interpolated quantile (0..1) of an already sorted list."""
    if not sorted_xs:
        return None
    pos = (len(sorted_xs) - 1) * q
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def _binom_half_cdf(n, k):
    """P(B <= k) for B ~ Binomial(n, 1/2), exactly (integers), as a float."""
    return float(sum(math.comb(n, i) for i in range(k + 1))) / 2.0 ** n if k >= 0 else 0.0


def median_ci_ranks(n, level=0.95):
    """(lo_rank, hi_rank, coverage, is_range) of the median's distribution-
    free interval [x(lo), x(hi)] of n sorted values (1-based ranks): the
    innermost ranks whose coverage 1 - 2 P(B <= lo-1), B ~ Bin(n, 1/2),
    still reaches level. When even (1, n) does not (n < 6 for 95%),
    is_range is True: [min, max] is a range with that smaller coverage, not
    a 95% interval. None for n < 2. bench computes the same in C
    (util/median_ci.c); tests/test_median_ci.sh checks both agree."""
    if n < 2:
        return None
    lo, cov = 1, 1 - 2 * _binom_half_cdf(n, 0)
    while lo + 1 <= n + 1 - (lo + 1):
        nxt = 1 - 2 * _binom_half_cdf(n, lo)
        if nxt < level:
            break
        lo, cov = lo + 1, nxt
    return lo, n + 1 - lo, cov, cov < level


def median_ci(xs, level=0.95):
    """(lo, hi, coverage, is_range) of the median of xs (see
    median_ci_ranks), or None for fewer than 2 values."""
    s = sorted(xs)
    r = median_ci_ranks(len(s), level)
    if r is None:
        return None
    return s[r[0] - 1], s[r[1] - 1], r[2], r[3]


def interval_text(lo, hi, coverage, is_range, fmt=str):
    """'[lo, hi] (95% CI)' or '[lo, hi] (range, covers 75%)': asymmetric
    intervals are never written as +-."""
    if is_range:
        return "[%s, %s] (range, covers %.0f%%)" % (fmt(lo), fmt(hi), 100 * coverage)
    return "[%s, %s]" % (fmt(lo), fmt(hi))


def summary(xs):
    """(median, min, max, n) of a list of numbers; Nones when empty."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None, None, 0
    return median(xs), min(xs), max(xs), len(xs)


# ---- fields other issues add: found when present ----------------------------

def _num(v):
    """A finite number as float, else None (bools, NaN and strings are not numbers)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _interval(v):
    """(ci95_lo, ci95_hi) of an object (bench/measure_report.h), or None
    when they are absent or null (fewer than 2 runs)."""
    if isinstance(v, dict) and _num(v.get("ci95_lo")) is not None and \
            _num(v.get("ci95_hi")) is not None and v["ci95_lo"] <= v["ci95_hi"]:
        return float(v["ci95_lo"]), float(v["ci95_hi"])
    return None


def throughput_ci(runs):
    """The 95% confidence interval of the median throughput (ops/s) that
    bench recorded for exactly these runs, or None. bench writes it into
    a summary (summaries/*.json: {kind: "summary", metric: "ops_per_sec",
    repetitions: {n, values, median, ..., ci95_lo, ci95_hi}, run_files})
    per configuration and invocation; it is taken when it lists exactly
    these runs."""
    names = {r.name for r in runs}
    for files, data in (runs[0].summaries if runs else []):
        rep = data.get("repetitions")
        if files == names and data.get("metric", "ops_per_sec") == "ops_per_sec" and \
                isinstance(rep, dict) and _interval(rep):
            return _interval(rep)
    return None


# Percentiles as bench names them in a histogram summary.
_PCT_KEYS = {"p50": "p50_ns", "p90": "p90_ns", "p99": "p99_ns", "p999": "p99_9_ns",
             "max": "max_ns"}


def latency(r):
    """{op: {"p50": ns, "p90":.., "p99":.., "p999":.., "max":.., "buckets":
    [(lo, hi, count), ...] or None}} from the run's "latency" object
    ({sample_every, ..., ops: {op: histogram summary}}), or None when the
    run has no latency data. Ops without samples are left out."""
    lat = r.data.get("latency")
    if not isinstance(lat, dict):
        return None
    lat = lat.get("ops")
    if not isinstance(lat, dict):
        return None
    out = {}
    for op, d in lat.items():
        if not isinstance(d, dict):
            continue
        entry = {}
        for name, key in _PCT_KEYS.items():
            entry[name] = _num(d.get(key))
        entry["buckets"] = _buckets(d.get("buckets"))
        count = _num(d.get("count"))
        if count is not None and count <= 0:
            continue
        if any(entry[k] is not None for k in _PCT_KEYS):
            out[op] = entry
    return out or None


def _buckets(v):
    """[[lo_ns, hi_ns, count], ...] as tuples; None if absent or malformed."""
    if not isinstance(v, list):
        return None
    out = []
    for b in v:
        if not isinstance(b, list) or len(b) != 3 or any(_num(x) is None for x in b):
            return None
        out.append(tuple(float(x) for x in b))
    return out or None


def timeline(r):
    """[(t_seconds, ops_per_sec)] from the run's "timeline" ({interval_ms,
    t_ns: [...], ops_per_sec: [...] (null in the first row), threads,
    gauges}, bench/measure_report.h), or None."""
    tl = r.data.get("timeline")
    if not isinstance(tl, dict) or not isinstance(tl.get("t_ns"), list) or \
            not isinstance(tl.get("ops_per_sec"), list):
        return None
    pts = [(_num(t) / 1e9, _num(v)) for t, v in zip(tl["t_ns"], tl["ops_per_sec"])
           if _num(t) is not None and _num(v) is not None]
    # The last row is usually cut short by the stop: a partial interval's
    # rate is not comparable with the others, so it is dropped.
    step = _num(tl.get("interval_ms"))
    if step and len(pts) >= 2 and (pts[-1][0] - pts[-2][0]) * 1e3 < 0.9 * step:
        pts = pts[:-1]
    return pts or None


def timeline_window(r):
    """(start_s, end_s) of the measured window on the timeline's clock
    (bench's timeline_window_ns), or None."""
    w = r.data.get("timeline_window_ns")
    if isinstance(w, list) and len(w) == 2 and all(_num(x) is not None for x in w):
        return w[0] / 1e9, w[1] / 1e9
    return None


# ---- describing things ------------------------------------------------------

def fmt_rate(v):
    """1234567 -> '1.23M'; for ops/s and LPIs/s in tables."""
    if v is None:
        return "-"
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return "%.3g%s" % (v / div, unit)
    return "%.3g" % v


def fmt_param(k, v):
    """One parameter as text, with its unit where the key says it."""
    if isinstance(v, bool):
        return k if v else "no-" + k
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if k.endswith("_pct"):
        return "%s=%s%%" % (k[:-4], v)
    if k.endswith("_ns") and isinstance(v, int):
        return "%s=%s" % (k[:-3], fmt_ns(v))
    if k.endswith("_s"):
        return "%s=%ss" % (k[:-2], v)
    return "%s=%s" % (k, v)


def fmt_ns(v):
    if v >= 1e6 and v % 1000000 == 0:
        return "%dms" % (v // 1000000)
    if v >= 1e3 and v % 1000 == 0:
        return "%dus" % (v // 1000)
    return "%dns" % v


def host_cpus(manifest):
    """The manifest's CPU count, or None."""
    v = (manifest or {}).get("cpus")
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else None


def describe_host(manifest):
    """'host vm, Intel(R) Xeon(R) ..., 2 CPUs' for titles."""
    m = manifest or {}
    parts = [str(m.get("host") or "unknown host")]  # a null host is unknown, not "None"
    arch = m.get("arch") if isinstance(m.get("arch"), dict) else {}
    if arch.get("cpu") and arch.get("cpu") != "unknown":
        # arm64's cpu_model is "implementer 0x41 part 0xd0c"; arch names it
        vendor = str(arch.get("vendor") or "")
        cpu = str(arch["cpu"])
        parts.append(cpu if vendor in ("", "unknown", "GenuineIntel", "AuthenticAMD") or
                     cpu.startswith(vendor) else vendor + " " + cpu)
    elif m.get("cpu_model"):
        parts.append(str(m["cpu_model"]))
    if host_cpus(m):
        parts.append("%d CPUs" % host_cpus(m))
    return ", ".join(parts)


# The driver's own params; the rest are the workload's (shown first).
CORE_PARAMS = ("threads", "duration_s", "ops", "warmup_s", "seed", "runs", "lock", "rwlock",
               "alloc", "gp_latency_ns", "check", "check_shared_writes", "fail_alloc", "place", "vcpu_place",
               "device_place", "mem_node") + MEASURE_PARAMS


def params_text(workload, params, order=None):
    """The group's parameters for a title: the workload's first, then the
    driver's, in the order bench writes them, leaving out empty ones."""
    params = dict(params)
    keys = [k for k in (order or []) if k in params] + sorted(k for k in params
                                                              if k not in (order or []))
    shown = {True: [], False: []}
    for k in keys:
        v = params[k]
        if v is None or v == "":  # unset: no "None" in titles
            continue
        if k in ("threads", "seed", "runs") or k in MEASURE_PARAMS or \
                (k == "ops" and not v) or (k == "duration_s" and not v) or \
                (k == "gp_latency_ns" and not v) or (k in ("check", "check_shared_writes") and not v) or \
                (k == "place" and v == "compact") or (k == "inject" and v == "none"):
            continue
        if workload in LPI_WORKLOADS and k in ("duration_s", "warmup_s"):
            continue  # injection runs end when their quota is done
        shown[k in CORE_PARAMS].append(fmt_param(k, v))
    return " | ".join([workload + (": " if shown[False] else "") + " ".join(shown[False])]
                      + ([" ".join(shown[True])] if shown[True] else []))


def slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def group_slugs(groups):
    """A short file-name part per group: the workload, plus the params that
    differ between the folder's groups."""
    keys = {}
    for wl, params in groups:
        for k, v in params:
            keys.setdefault(k, set()).add(v)
    varying = sorted(k for k, vs in keys.items() if len(vs) > 1)
    out = {}
    for g in groups:
        wl, params = g
        d = dict(params)
        parts = [wl] + ["%s%s" % (k.replace("_", ""), d[k]) for k in varying if k in d]
        out[g] = slug("-".join(str(p) for p in parts))
    return out


# Backends in the order the project introduces them: plots keep one colour
# per backend across every figure.
BACKEND_ORDER = ("list", "list-rw", "xa", "flat", "ck_hs", "radix", "rcuhash", "null")


def backend_sort_key(name):
    try:
        return (BACKEND_ORDER.index(name), name)
    except ValueError:
        return (len(BACKEND_ORDER), name)
