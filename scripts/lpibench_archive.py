# SPDX-License-Identifier: BSD-2-Clause
"""The results archive: lpibench runs in one SQL database, through SQLAlchemy Core.

One schema, one access layer, two databases: SQLite by default (one file,
nothing to start: results/archive.sqlite) and PostgreSQL when given a URL
(postgresql://user@host:port/db, driver psycopg2). SQLAlchemy 1.4 is
Debian 12's python3-sqlalchemy; psycopg2 is python3-psycopg2.

Tables (print them with `scripts/archive schema`):
  runs        one row per run: its identity (run_id), the archive host name
              (--host, or the manifest's host), what ran (backend, workload,
              threads, config: the params that make the configuration, as
              canonical JSON), status, the headline numbers, the manifest's
              host, kernel, CPU and git_commit, the whole manifest and params
              (JSON text) and the run's JSON itself (raw), so that scripts
              such as compare and report can read runs back as from a folder
  counters    (run_id, name, value): the run's contention counters
  latency     (run_id, op, count, mean_ns, p50_ns, p90_ns, p99_ns, p99_9_ns, max_ns)
  lock_stats  (run_id, lock, acquisitions, contentions, wait_ns, hold_ns_avg,
              acquisitions_per_op, ceiling_ops_per_sec)

A run's identity is the run_id bench writes (schema 3). Files of schema 1
and 2 have none: theirs is a UUID derived from the SHA-256 of the file's
canonical JSON (keys sorted, no whitespace), so the same file imported twice,
or from two copies of a folder, is the same run. A run is imported in one
transaction with its counters, latency and lock rows: a killed import leaves
whole runs only, and a second import adds what is missing.
"""

import hashlib
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lpibench_results as lr  # noqa: E402

DEFAULT_DB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "results", "archive.sqlite")
# Namespace of the ids derived from a file's content (schema 1 and 2).
CONTENT_NS = uuid.UUID("4c7a1b52-9d1e-4f6b-8f5e-6c7069626e63")
# Test hook: the importer exits at once (as if killed) after this many runs.
EXIT_AFTER_ENV = "LB_ARCHIVE_TEST_EXIT_AFTER"


class ArchiveError(Exception):
    """Bad input the tools report in one line with exit status 2."""


def sqlalchemy():
    """The sqlalchemy module, or ArchiveError naming the package."""
    try:
        import sqlalchemy as sa
    except ImportError:
        if os.path.isdir(lr.DEBIAN_DIST_PACKAGES) and lr.DEBIAN_DIST_PACKAGES not in sys.path:
            sys.path.append(lr.DEBIAN_DIST_PACKAGES)
        try:
            import sqlalchemy as sa
        except ImportError:
            raise ArchiveError("SQLAlchemy is not installed (Debian: apt-get install "
                               "python3-sqlalchemy; scripts/test installs it)")
    return sa


# ---- the schema ---------------------------------------------------------------

def tables(sa):
    """(metadata, runs, counters, latency, lock_stats)."""
    md = sa.MetaData()
    runs = sa.Table(
        "runs", md,
        sa.Column("run_id", sa.String(64), primary_key=True,
                  doc="bench's UUID (schema 3) or one derived from the file's content"),
        sa.Column("host", sa.String(200), nullable=False, index=True,
                  doc="archive host name: --host at import, else manifest host"),
        sa.Column("manifest_host", sa.String(200), doc="the host name the run saw"),
        sa.Column("schema", sa.Integer),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("workload", sa.String(64), nullable=False),
        sa.Column("threads", sa.Integer, nullable=False),
        sa.Column("timed_threads", sa.Integer),
        sa.Column("run", sa.Integer, doc="repetition index"),
        sa.Column("config", sa.Text, nullable=False,
                  doc="canonical JSON of the params that make the configuration"),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("valid", sa.Boolean, nullable=False,
                  doc="status ok and the numbers plausible: what the tools count"),
        sa.Column("invalid_reason", sa.Text),
        sa.Column("duration_s", sa.Float),
        sa.Column("total_ops", sa.BigInteger),
        sa.Column("ops_per_sec", sa.Float),
        sa.Column("ns_per_op", sa.Float),
        sa.Column("rate", sa.Float, doc="headline: LPIs/s for lpi-stress, its-churn, else ops/s"),
        sa.Column("git_commit", sa.String(80), index=True),
        sa.Column("kernel", sa.String(200)),
        sa.Column("cpu_model", sa.String(200)),
        sa.Column("cpus", sa.Integer),
        sa.Column("run_date", sa.String(40), doc="manifest date (UTC, ISO 8601)"),
        sa.Column("source_file", sa.Text, doc="path the run was imported from"),
        sa.Column("imported_at", sa.String(40)),
        sa.Column("params", sa.Text, doc="the run's params (JSON)"),
        sa.Column("manifest", sa.Text, doc="the run's manifest (JSON)"),
        sa.Column("raw", sa.Text, doc="the run's whole JSON as bench wrote it"),
    )
    sa.Index("runs_config", runs.c.workload, runs.c.backend, runs.c.threads)
    counters = sa.Table(
        "counters", md,
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", sa.Float))
    latency = sa.Table(
        "latency", md,
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("op", sa.String(80), primary_key=True),
        *[sa.Column(c, sa.Float) for c in ("count", "mean_ns", "p50_ns", "p90_ns", "p99_ns",
                                           "p99_9_ns", "max_ns")])
    lock_stats = sa.Table(
        "lock_stats", md,
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("lock", sa.String(80), primary_key=True),
        *[sa.Column(c, sa.Float) for c in LOCK_COLUMNS])
    return md, runs, counters, latency, lock_stats


LOCK_COLUMNS = ("acquisitions", "contentions", "wait_ns", "hold_ns_avg", "acquisitions_per_op",
                "ceiling_ops_per_sec")
LATENCY_KEYS = ("count", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p99_9_ns", "max_ns")


class Archive:
    """An open archive: the engine and its tables (created if missing)."""

    def __init__(self, url=None):
        sa = self.sa = sqlalchemy()
        self.url = url or "sqlite:///" + DEFAULT_DB
        try:
            u = sa.engine.make_url(self.url)
        except Exception as e:  # noqa: BLE001 (sqlalchemy's ArgumentError and friends)
            raise ArchiveError("--db: not a database URL (%s)" % e)
        self.url = repr(u)  # what is printed: the password, if any, as ***
        if u.get_backend_name() not in ("sqlite", "postgresql"):
            raise ArchiveError("--db=%s: only sqlite:///PATH and postgresql://... are "
                               "supported" % self.url)
        if u.get_backend_name() == "sqlite" and u.database:
            parent = os.path.dirname(os.path.abspath(u.database))
            if not os.path.isdir(parent):
                raise ArchiveError("--db=%s: folder %s does not exist" % (self.url, parent))
        try:
            self.engine = sa.create_engine(u)
            (self.md, self.runs, self.counters, self.latency,
             self.lock_stats) = tables(sa)
            self.md.create_all(self.engine)
        except ImportError as e:
            raise ArchiveError("--db=%s: the database driver is missing (%s; Debian: "
                               "python3-psycopg2 for PostgreSQL)" % (self.url, e))
        except sa.exc.SQLAlchemyError as e:
            raise ArchiveError("--db=%s: cannot open the database (%s)"
                               % (self.url, str(e.orig if hasattr(e, "orig") and e.orig
                                                else e).strip().splitlines()[0]))

    def schema_text(self):
        """The CREATE statements for this database's dialect."""
        from sqlalchemy.schema import CreateIndex, CreateTable
        out = []
        for t in self.md.sorted_tables:
            out.append(str(CreateTable(t).compile(self.engine)).strip() + ";")
            for ix in sorted(t.indexes, key=lambda i: i.name):
                out.append(str(CreateIndex(ix).compile(self.engine)).strip() + ";")
        return "\n\n".join(out)

    # ---- import ----------------------------------------------------------------

    def has_run(self, conn, run_id):
        sa = self.sa
        return conn.execute(sa.select(self.runs.c.run_id).where(
            self.runs.c.run_id == run_id)).first() is not None

    def import_run(self, row, counters, latency, locks):
        """Inserts one run and its rows in one transaction. Returns True if
        imported, False if the archive already had it."""
        sa = self.sa
        try:
            with self.engine.begin() as conn:
                if self.has_run(conn, row["run_id"]):
                    return False
                conn.execute(self.runs.insert(), row)
                if counters:
                    conn.execute(self.counters.insert(), counters)
                if latency:
                    conn.execute(self.latency.insert(), latency)
                if locks:
                    conn.execute(self.lock_stats.insert(), locks)
        except sa.exc.IntegrityError:
            return False  # another importer inserted it first
        return True

    # ---- reading ---------------------------------------------------------------

    def select_runs(self, hosts=(), workload=None, backend=None, threads=None, commit=None,
                    params=None, valid_only=False, metric=None):
        """Rows of runs (dicts) matching the filters; params: {key: value}
        that the run's params must have (compared as JSON). A metric of the
        counters or latency tables (see parse_metric) is added to each row
        under its name."""
        sa = self.sa
        r = self.runs
        q = sa.select(r)
        if hosts:
            q = q.where(r.c.host.in_(list(hosts)))
        if workload:
            q = q.where(r.c.workload == workload)
        if backend:
            q = q.where(r.c.backend == backend)
        if threads is not None:
            q = q.where(r.c.threads == threads)
        if commit:
            q = q.where(r.c.git_commit.like(commit + "%"))
        if valid_only:
            q = q.where(r.c.valid.is_(True))
        extra = parse_metric(metric) if metric else None
        with self.engine.connect() as conn:
            rows = [dict(x._mapping) for x in conn.execute(q.order_by(r.c.run_date, r.c.run_id))]
            if extra and extra[0] != "runs":
                ids = q.with_only_columns(r.c.run_id).scalar_subquery()
                if extra[0] == "counter":
                    t = self.counters
                    got = conn.execute(sa.select(t.c.run_id, t.c.value).where(
                        t.c.name == extra[1], t.c.run_id.in_(ids)))
                else:
                    t = self.latency
                    got = conn.execute(sa.select(t.c.run_id, t.c[extra[2]]).where(
                        t.c.op == extra[1], t.c.run_id.in_(ids)))
                values = {k: v for k, v in got}
                for x in rows:
                    x[metric] = values.get(x["run_id"])
        if params:
            rows = [x for x in rows if params_match(json.loads(x["params"] or "{}"), params)]
        return rows

    def hosts(self):
        sa = self.sa
        r = self.runs
        q = sa.select(r.c.host, sa.func.count(), sa.func.min(r.c.run_date),
                      sa.func.max(r.c.run_date)).group_by(r.c.host).order_by(r.c.host)
        with self.engine.connect() as conn:
            return [tuple(x) for x in conn.execute(q)]

    def count(self, table):
        sa = self.sa
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def params_match(have, want):
    """True if every key=value of want is in the run's params. Values are
    compared as text, so that --param=sample=0 matches 0 and "0"."""
    for k, v in want.items():
        if k not in have or _text(have[k]) != v:
            return False
    return True


def _text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True)


# ---- a result file as rows -------------------------------------------------------

def canonical(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def run_identity(data):
    """bench's run_id, or a UUID from the SHA-256 of the canonical content."""
    rid = data.get("run_id")
    if isinstance(rid, str) and rid:
        return rid
    digest = hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()
    return str(uuid.uuid5(CONTENT_NS, digest))


def config_text(data):
    """The params that make a configuration (lr.IGNORED_PARAMS and threads
    aside) as canonical JSON: equal text, same configuration."""
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    return canonical({k: v for k, v in params.items()
                      if k not in lr.IGNORED_PARAMS and k != "threads"})


def why_not_importable(data):
    """None if data can be archived as a run, else why not."""
    if not isinstance(data, dict):
        return "not an lpibench result (top level is not an object)"
    if data.get("kind") == "summary":
        return "a summary, not a run"
    for key, types in (("schema", int), ("backend", str), ("workload", str), ("threads", int)):
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, types):
            return "not an lpibench run ('%s' is %s)" % (
                key, "missing" if key not in data else "a " + type(v).__name__)
    if not isinstance(data.get("manifest"), dict):
        return ("a partial stub (a second signal: nothing was measured)"
                if data.get("interrupted") is True else "not an lpibench run (no manifest)")
    return None


def _int(v):
    n = lr._num(v)
    return int(n) if n is not None else None


def _str(v, n=200):
    return str(v)[:n] if v is not None else None


def to_rows(data, path, host, now):
    """(run row, counter rows, latency rows, lock rows) of one run."""
    m = data["manifest"]
    rid = run_identity(data)
    status, reason = lr.run_status(data)
    bad = lr.check_result(data)
    valid = status == "ok" and bad is None
    rate = None
    if bad is None:
        rate = lr.rate(lr.Result(path, data))
    row = {
        "run_id": rid, "host": host or _str(m.get("host")) or "unknown",
        "manifest_host": _str(m.get("host")), "schema": data["schema"],
        "backend": data["backend"], "workload": data["workload"], "threads": data["threads"],
        "timed_threads": _int(data.get("timed_threads")), "run": _int(data.get("run")),
        "config": config_text(data), "status": status[:40], "status_reason": reason,
        "valid": valid, "invalid_reason": None if valid else (bad or "status " + status),
        "duration_s": lr._num(data.get("duration_s")), "total_ops": _int(data.get("total_ops")),
        "ops_per_sec": lr._num(data.get("ops_per_sec")),
        "ns_per_op": lr._num(data.get("ns_per_op")), "rate": rate,
        "git_commit": _str(m.get("git_commit"), 80), "kernel": _str(m.get("kernel")),
        "cpu_model": _str(m.get("cpu_model")), "cpus": lr.host_cpus(m),
        "run_date": _str(m.get("date"), 40), "source_file": os.path.abspath(path),
        "imported_at": now, "params": canonical(data.get("params") or {}),
        "manifest": canonical(m), "raw": canonical(data),
    }
    counters = []
    if isinstance(data.get("counters"), dict):
        counters = [{"run_id": rid, "name": k[:80], "value": lr._num(v)}
                    for k, v in sorted(data["counters"].items())]
    latency = []
    lat = data.get("latency")
    ops = lat.get("ops") if isinstance(lat, dict) else None
    if isinstance(ops, dict):
        for op, d in sorted(ops.items()):
            if isinstance(d, dict):
                latency.append(dict({"run_id": rid, "op": op[:80]},
                                    **{k: lr._num(d.get(k)) for k in LATENCY_KEYS}))
    locks = []
    if isinstance(data.get("lock_stat"), dict):
        for name, d in sorted(data["lock_stat"].items()):
            if isinstance(d, dict):
                locks.append(dict({"run_id": rid, "lock": name[:80]},
                                  **{k: lr._num(d.get(k)) for k in LOCK_COLUMNS}))
    return row, counters, latency, locks


def run_files(folder):
    """The run files of a result folder (top level *.json but host.json),
    sorted by name."""
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder))
            if n.endswith(".json") and not n.startswith(".") and n != lr.HOST_FILE
            and os.path.isfile(os.path.join(folder, n))]


# ---- runs back as a result folder --------------------------------------------------

def load_folder(archive, host, commit=None, label=None):
    """An lr.Folder of the archive's valid runs of one host (and commit
    prefix), read from their stored JSON: what compare and report read
    from a folder. Invalid runs are counted in folder.skipped."""
    folder = lr.Folder(label or "archive:%s%s" % (host, "@" + commit if commit else ""))
    for row in archive.select_runs(hosts=[host], commit=commit):
        data = json.loads(row["raw"])
        name = os.path.basename(row["source_file"] or row["run_id"])
        if not row["valid"]:
            folder.skipped.append((name, row["invalid_reason"] or "not valid"))
            continue
        folder.results.append(lr.Result(os.path.join(folder.path, name), data))
    return folder


# ---- summaries of runs ----------------------------------------------------------------

RUN_METRICS = ("rate", "ops_per_sec", "ns_per_op")


def parse_metric(metric):
    """('runs', column) for rate, ops_per_sec, ns_per_op; ('counter', NAME)
    for counter:NAME; ('latency', OP, column) for latency:OP:p50|p90|p99|
    p99_9|max|mean. ArchiveError otherwise."""
    if metric in RUN_METRICS:
        return ("runs", metric)
    parts = metric.split(":")
    if len(parts) == 2 and parts[0] == "counter" and parts[1]:
        return ("counter", parts[1])
    if len(parts) == 3 and parts[0] == "latency" and parts[1] and \
            parts[2] + "_ns" in LATENCY_KEYS:
        return ("latency", parts[1], parts[2] + "_ns")
    raise ArchiveError("--metric=%s: expected rate, ops_per_sec, ns_per_op, counter:NAME or "
                       "latency:OP:p50|p90|p99|p99_9|max|mean" % metric)


def metric_unit(metric, workload):
    kind = parse_metric(metric)
    if kind[0] == "latency":
        return "ns"
    if kind[0] == "counter":
        return kind[1]
    return {"rate": lr.rate_unit(workload), "ops_per_sec": "ops/s", "ns_per_op": "ns/op"}[metric]


def metric_value(row, metric):
    """A run row's value of a metric (select_runs(metric=...) adds those of
    the counters and latency tables)."""
    v = row.get(metric)
    return float(v) if v is not None else None


def cell(rows, metric):
    """(median, lo, hi, coverage, is_range, valid, total) over runs."""
    xs = [metric_value(r, metric) for r in rows if r["valid"]]
    xs = [x for x in xs if x is not None]
    ci = lr.median_ci(xs) if len(xs) >= 2 else None
    med = lr.median(xs)
    if ci:
        return (med,) + tuple(ci) + (len(xs), len(rows))
    return (med, None, None, None, None, len(xs), len(rows))


def topology_text(manifest):
    """'1 package, 1 NUMA node, 2 cores, 2 PUs, no SMT, L3 32 MiB x1' from a
    manifest's topology, or '-'."""
    t = manifest.get("topology") if isinstance(manifest, dict) else None
    if not isinstance(t, dict):
        return "-"
    parts = []
    for key, one in (("packages", "package"), ("numa_nodes", "NUMA node"), ("cores", "core"),
                     ("pus", "PU")):
        v = t.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            parts.append("%d %s%s" % (v, one, "" if v == 1 else "s"))
    if isinstance(t.get("smt"), bool):
        parts.append("SMT" if t["smt"] else "no SMT")
    for c in t.get("shared_caches") or []:
        if isinstance(c, dict) and lr._num(c.get("size_bytes")):
            parts.append("%s %d MiB x%s" % (c.get("level", "?"), c["size_bytes"] // 2 ** 20,
                                             c.get("count", "?")))
    return ", ".join(parts) or "-"
