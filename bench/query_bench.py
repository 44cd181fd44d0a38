#!/usr/bin/python3
"""Query benchmark: how fast `centrallog` answers on a big database.

Builds (or reuses) an N-entry CentralLog database - 200 apps and 20 hosts
with a skewed share each, levels skewed to info, 30 days ending now, ids in
time order as a collector writes them, a small `fields` object on half the
rows, the full-text index complete - by writing SQLite directly with the
schema of a sealed partition (schema/partition.sql, sealed.sql). Then times, as the median of 5 warm runs of
the real binary:

  errors   the last 100 errors of one app in the last hour (of the data)
           centrallog query -t APP -p err -S LAST-1h -n 100
  fts      a full-text term over one day
           centrallog query --words TERM -S DAY -U DAY+1
  regex    a regular expression over one day (its literal text looked up in
           the trigram index, PCRE2 on the rows found)
           centrallog query -g 'timeout|declined' -S DAY -U DAY+1
  regex-scan  one without literal text of 3 characters: every row of the day
           tested (the time index, then PCRE2)
           centrallog query -g '^j.b [0-9]+ f' -S DAY -U DAY+1
  newest-g     the newest 20 of a frequent term (about 1%), no time range
           centrallog query -g timeout -n 20
  newest-words the same with --words
           centrallog query --words timeout -n 20
  newest-rare  the newest 20 of a rare term (user u17: 1 in 9,973)
           centrallog query -g 'user u17 ' -n 20
  stats    stats per hour over one day (a sealed partition's whole hours from
           its counts per hour, schema/rollup.sql)
           centrallog stats --by hour -S DAY -U DAY+1
  first    the first output line of an unfiltered `query -n 50`

and prints SQLite's EXPLAIN QUERY PLAN for each (`--explain`).

    bench/query_bench.py --bin build/bin                   # 10,000,000 entries
    bench/query_bench.py --bin build/bin --entries 1000000 --db /tmp/q1m.db

The database is kept (default /tmp/centrallog-bench-<N>.db) and reused when it
already holds N entries; --rebuild forces a new one.

--partitions K measures the same queries on the same rows stored as a data
directory of schema version 3 (/tmp/centrallog-bench-<N>-p<K>/centrallog.db,
kept and reused likewise): K closed partitions (indexes, stats' counts per
hour, complete FTS) of
equal id ranges and a live partition (no index, no FTS rows) holding the
newest --live entries (default: half a partition, a live partition's average
fill). The partitions are built from the single database by
tests/cltest/partitions.py, by the schema files.

    bench/query_bench.py --bin build/bin --partitions 10

--cases NAME,... runs only those cases.
"""
import argparse
import json
import os
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
US = 1000000
DAYS = 30
APPS = 200
HOSTS = 20
FTS_TERM = "timeout"
REGEX = "timeout|declined"
REGEX_SCAN = "^j.b [0-9]+ f"

# (level, weight): info dominates, as in a normal stream.
LEVELS = [(0, 2), (1, 3), (2, 40), (3, 250), (4, 500), (5, 400), (6, 8000), (7, 700), (8, 105)]

MSGS = [
    "request handled path=/api/v1/orders/{n} status=200 duration_ms={d}",
    "user u{u} logged in from 10.0.{a}.{b}",
    "cache miss key=session:{n}",
    "payment accepted for order {n} amount={d}",
    "job {n} finished in {d} ms",
    "connection timeout to db-{a} after {d} ms",
    "retrying request {n} attempt {a}",
    "payment declined for order {n}: insufficient funds",
    "slow query took {d} ms on table orders",
    "health check ok",
]
# Weights of the templates: "timeout" is in about 1% of messages.
MSG_WEIGHTS = [40, 12, 12, 8, 8, 1, 5, 2, 4, 8]


def schema_statements():
    """The schema of a sealed partition (schema/partition.sql, sealed.sql)
    split into (tables, indexes): the indexes are built after the bulk load,
    which is much faster than maintaining them."""
    sql = ""
    for name in ("partition.sql", "sealed.sql"):
        with open(os.path.join(REPO, "schema", name)) as f:
            sql += re.sub(r"--[^\n]*", "", f.read()) + ";\n"
    stmts = [s.strip() for s in sql.split(";") if s.strip()]
    idx = [s for s in stmts if s.upper().startswith("CREATE INDEX")]
    return [s for s in stmts if s not in idx], idx


INSERT = ("INSERT INTO entries (id, ts, received, level, app, host, pid, msg, fields, peer_pid, "
          "peer_uid, peer_gid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")


class Rows:
    """The rows of an n-entry database spread over `days` days ending now:
    rows(lo, m) gives entries lo+1 .. lo+m (ids in time order)."""

    def __init__(self, seed, n, days):
        self.rnd = random.Random(seed)
        # Zipf-like shares: a few apps and hosts talk most.
        self.app_w = [1.0 / (i + 1) ** 0.9 for i in range(APPS)]
        self.host_w = [1.0 / (i + 1) ** 0.5 for i in range(HOSTS)]
        self.apps = ["app-%03d" % i for i in range(APPS)]
        self.hosts = ["web-%02d" % i for i in range(HOSTS)]
        now = int(time.time() * US)
        self.start = now - days * 86400 * US
        self.step = days * 86400 * US / n

    def rows(self, lo, m):
        rnd = self.rnd
        a = rnd.choices(self.apps, self.app_w, k=m)
        h = rnd.choices(self.hosts, self.host_w, k=m)
        l = rnd.choices([l for l, _ in LEVELS], [w for _, w in LEVELS], k=m)
        t = rnd.choices(MSGS, MSG_WEIGHTS, k=m)
        out = []
        for i in range(m):
            k = lo + i
            ts = self.start + int(k * self.step) + rnd.randrange(1000)
            msg = t[i].format(n=k, d=rnd.randrange(1, 5000), u=k % 9973, a=k % 7, b=k % 251)
            fields = ('{"seq":%d,"region":"eu-%d"}' % (k, k % 3)) if k % 2 else None
            out.append((k + 1, ts, ts + 150, l[i], a[i], h[i], 1000 + k % 5000, msg, fields,
                        4000 + k % 5000, 1000, 1000))
        return out


def build(path, n, seed=1, trigram=True):
    t0 = time.monotonic()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    tables, indexes = schema_statements()
    for s in tables:
        con.execute(s)
    con.execute("PRAGMA user_version = 1")
    gen = Rows(seed, n, DAYS)
    done = 0
    while done < n:
        m = min(200000, n - done)
        con.execute("BEGIN")
        con.executemany(INSERT, gen.rows(done, m))
        con.execute("COMMIT")
        done += m
        sys.stderr.write("\r  %d / %d rows (%.0fs)" % (done, n, time.monotonic() - t0))
    sys.stderr.write("\n  indexes ...\n")
    for s in indexes:
        con.execute(s)
    sys.stderr.write("  full-text index ...\n")
    con.execute("INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries")
    con.execute("INSERT INTO entries_fts (entries_fts) VALUES ('optimize')")
    # INSERT, not UPDATE: partition.sql has no such row (a live partition's
    # writer adds it); without it every row counts as not yet indexed and is
    # searched - and listed - a second time.
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_indexed_upto', ?)", (n,))
    trigram_index(con, trigram)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    sys.stderr.write("  built in %.0fs, %.0f MB\n" % (time.monotonic() - t0,
                                                       os.path.getsize(path) / 1e6))


def trigram_index(con, build=True):
    """-g's trigram index, as sealing builds it (schema/sealed.sql); also
    added to a database built before it existed, with the fts_indexed_upto
    row an older build() left out (its word index is complete). Not built
    with build false (--no-trigram): -g then tests every row of the range."""
    con.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('fts_indexed_upto', "
                "(SELECT max(id) FROM entries))")
    if not build:
        return
    con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS entries_tri USING fts5 (msg, content = "
                "'entries', content_rowid = 'id', tokenize = 'trigram', detail = none)")
    if con.execute("SELECT 1 FROM meta WHERE key = 'tri_indexed_upto'").fetchone():
        return
    t0 = time.monotonic()
    sys.stderr.write("  trigram index ...\n")
    con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('rebuild')")
    con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('optimize')")
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tri_indexed_upto', "
                "(SELECT max(id) FROM entries))")
    sys.stderr.write("  trigram index in %.0fs\n" % (time.monotonic() - t0))


def partitioned(single, n, k, live, rebuild, live_range, trigram=True):
    """The rows of single as a v3 data directory: k closed partitions and a
    live one with the newest `live` entries. Returns the catalog's path."""
    sys.path.insert(0, os.path.join(REPO, "tests"))
    from cltest import partitions
    live = live if live is not None else n // k // 2
    # Named after the single database it is made from (the default one's
    # name gives /tmp/centrallog-bench-N-pK-lL as before), so that --db X
    # never reuses a directory split from another database.
    base = single[:-3] if single.endswith(".db") else single
    d = "%s-p%d-l%d%s" % (base, k, live, "-r" if live_range else "")
    catalog = os.path.join(d, partitions.CATALOG)
    # A directory split before -g's trigram index existed has no such index
    # in its closed partitions: with the index wanted it is split again.
    # Likewise one split before stats' counts per hour (schema/rollup.sql).
    marker = os.path.join(d, "built-rollup" if trigram else "built")
    if not rebuild and os.path.exists(marker):
        return catalog
    import shutil
    shutil.rmtree(d, ignore_errors=True)
    per = (n - live) // k
    bounds = [1 + per * i for i in range(1, k)] + [n - live + 1]
    t0 = time.monotonic()
    sys.stderr.write("splitting into %s ...\n" % d)
    partitions.split(single, d, bounds, live_range=live_range,
                     old_sealed=() if trigram else range(k))
    open(marker, "w").close()
    if trigram:  # it serves a --no-trigram run as well
        open(os.path.join(d, "built"), "w").close()
    sys.stderr.write("  split in %.0fs\n" % (time.monotonic() - t0))
    return catalog


def _shifted_one(job):
    """One partition of shifted(): the template's rows with ids and times
    moved by (off, dt) into a new file, sealed (indexes, complete and
    optimized FTS, journal DELETE) unless live. Returns its catalog row."""
    from cltest import partitions
    tpl, d, seq, off, dt, m, sealed, trigram, live_range = job
    tmp = os.path.join(d, partitions.PARTS_DIR, ".build-%d.tmp" % seq)
    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    con.executescript(partitions.schema("partition.sql"))
    con.execute("PRAGMA user_version = 3")
    con.execute("ATTACH DATABASE ? AS tpl", (tpl,))
    cols = ", ".join(partitions.ENTRY_COLS)
    moved = ", ".join({"id": "id + :off", "ts": "ts + :dt", "received": "received + :dt"}.get(c, c)
                      for c in partitions.ENTRY_COLS)
    con.execute("BEGIN")
    con.execute("INSERT INTO entries (%s) SELECT %s FROM tpl.entries WHERE id <= :m ORDER BY id"
                % (cols, moved), {"off": off, "dt": dt, "m": m})
    first = off + 1
    meta = {"first_id": first, "first_reject": 1, "sealed": 1 if sealed else 0,
            "fts_indexed_upto": off + m if sealed else off}
    for k, v in meta.items():
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (k, v))
    con.execute("COMMIT")
    con.execute("DETACH DATABASE tpl")
    if sealed:
        con.executescript(partitions.schema("sealed.sql"))
        con.executescript(partitions.schema("rollup.sql"))  # stats' counts per hour
        con.execute("INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')")
        con.execute("INSERT INTO entries_fts (entries_fts) VALUES ('optimize')")
        if trigram:  # as sealing builds it; without, -g tests every row
            con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('rebuild')")
            con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('optimize')")
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('tri_indexed_upto', ?)",
                        (off + m,))
        con.execute("PRAGMA journal_mode = DELETE")
    else:
        con.execute("PRAGMA journal_mode = WAL")
    r = con.execute("SELECT min(ts), max(ts), min(received), max(received), count(*) "
                    "FROM entries").fetchone()
    if not sealed and live_range and r[4]:  # as the collector's writer keeps them
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('min_ts', ?), "
                    "('max_ts', ?)", (r[0], r[1]))
    con.close()
    min_ts, max_ts, min_rc, max_rc, count = r
    if sealed:
        name = "%s--%s-%020d.db" % (partitions.stamp(min_ts), partitions.stamp(max_ts), first)
    else:
        name = "live-%020d.db" % first
    path = os.path.join(d, partitions.PARTS_DIR, name)
    os.rename(tmp, path)
    row = {"seq": seq, "path": partitions.PARTS_DIR + "/" + name, "first_id": first,
           "first_reject": 1, "fts": "none", "created": min_rc - US, "state": "live",
           "last_id": None, "last_reject": None, "min_ts": None, "max_ts": None,
           "min_received": None, "max_received": None, "entries": None, "rejects": None,
           "bytes": None, "sealed": None}
    if sealed:
        row.update(state="closed", last_id=off + m, last_reject=0, entries=count, rejects=0,
                   bytes=os.path.getsize(path), fts="complete", sealed=max_rc + US,
                   min_ts=min_ts, max_ts=max_ts, min_received=min_rc, max_received=max_rc)
    return row


def shifted(n, k, live, days, rebuild, jobs, trigram=True, live_range=False):
    """A v3 data directory of n entries over `days` days built without a
    single database: one closed partition's worth of rows is generated once
    (a template, ids 1..per), and every partition is the template with its
    ids and its ts/received shifted by whole partitions (INSERT ... SELECT in
    SQLite, then the sealed indexes, stats' counts per hour and FTS built as
    sealing builds them, by the same schema files).
    The partitions hold the same mix of apps, levels and messages, repeated;
    each message's number and the `fields` seq are the template's, not the
    shifted id. Returns the catalog's path."""
    sys.path.insert(0, os.path.join(REPO, "tests"))
    from cltest import partitions
    per = n // (k + 0.5) if live is None else (n - live) // k
    per = int(per)
    live = n - per * k
    if live > per:
        raise SystemExit("--live must not exceed one partition (%d entries)" % per)
    # "-rollup": built since sealing keeps stats' counts per hour
    # (schema/rollup.sql); a directory built before has none.
    d = "/tmp/centrallog-bench-%d-s%d-d%d-rollup%s" % (n, k, days, "-r" if live_range else "")
    catalog = os.path.join(d, partitions.CATALOG)
    if not rebuild and os.path.exists(os.path.join(d, "built")):
        return catalog
    import shutil
    import multiprocessing
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, partitions.PARTS_DIR))
    t0 = time.monotonic()
    tpl = os.path.join(d, "template.db")
    con = sqlite3.connect(tpl, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=OFF")
    con.executescript(partitions.schema("partition.sql"))
    gen = Rows(1, n, days)
    done = 0
    while done < per:
        m = min(200000, per - done)
        con.execute("BEGIN")
        con.executemany(INSERT, gen.rows(done, m))
        con.execute("COMMIT")
        done += m
    con.close()
    span = int(per * gen.step)
    sys.stderr.write("template of %d entries in %.0fs; %d partitions + live of %d into %s\n"
                     % (per, time.monotonic() - t0, k, live, d))
    work = [(tpl, d, i + 1, i * per, i * span, per, True, trigram, False) for i in range(k)]
    work.append((tpl, d, k + 1, k * per, k * span, live, False, False, live_range))
    rows = []
    with multiprocessing.Pool(jobs) as pool:
        for row in pool.imap_unordered(_shifted_one, work):
            rows.append(row)
            sys.stderr.write("\r  %d / %d partitions (%.0fs)" % (len(rows), k + 1,
                                                                time.monotonic() - t0))
    rows.sort(key=lambda r: r["seq"])
    partitions.write_catalog(catalog, rows)
    os.unlink(tpl)
    open(os.path.join(d, "built"), "w").close()
    sys.stderr.write("\n  built in %.0fs\n" % (time.monotonic() - t0))
    return catalog


def count_rows(path):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        n = con.execute("SELECT max(id) FROM entries").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return None


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cli, db, args, first_line=False):
    """Seconds until the command finished (or printed its first line), its
    output lines, and its CPU seconds (user + system: what the query cost,
    whatever else the machine runs; 0 for first_line)."""
    env = dict(os.environ, CENTRALLOG_DB=db, TZ="UTC")
    c0 = child_cpu()
    t0 = time.monotonic()
    p = subprocess.Popen([cli] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if first_line:
        ln = p.stdout.readline()
        t = time.monotonic() - t0
        p.kill()
        p.communicate()
        if not ln:
            raise SystemExit("no output from %s" % args)
        return t, 1, 0.0
    out, err = p.communicate()
    t = time.monotonic() - t0
    if p.returncode != 0:
        raise SystemExit("centrallog %s failed: %s" % (" ".join(args), err.decode()))
    return t, out.count(b"\n"), child_cpu() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "bin"))
    ap.add_argument("--entries", type=int, default=10000000)
    ap.add_argument("--db")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="machine-readable results")
    ap.add_argument("--partitions", type=int, default=0,
                    help="read the rows as K closed partitions and a live one")
    ap.add_argument("--live", type=int, help="entries in the live partition")
    ap.add_argument("--live-range", action="store_true",
                    help="the live partition's meta has min_ts/max_ts (selected by range)")
    ap.add_argument("--no-trigram", action="store_true",
                    help="do not build -g's trigram index (about 24 s per million entries "
                    "on 2 cores); the regex cases then scan the day")
    ap.add_argument("--shifted", action="store_true",
                    help="with --partitions: build the data directory from one partition's "
                    "worth of rows, shifted (no single database; see shifted())")
    ap.add_argument("--days", type=int, default=DAYS,
                    help="days the entries span (--shifted only; default %d)" % DAYS)
    ap.add_argument("--jobs", type=int, default=2, help="partitions built at once (--shifted)")
    ap.add_argument("--cases", help="only these cases, comma-separated (e.g. newest-g,newest-words)")
    a = ap.parse_args()
    cli = os.path.join(a.bin, "centrallog")
    days = DAYS
    if a.shifted:
        if a.partitions <= 0:
            raise SystemExit("--shifted needs --partitions")
        days = a.days
        db = shifted(a.entries, a.partitions, a.live, days, a.rebuild, a.jobs,
                     not a.no_trigram, a.live_range)
        from cltest import partitions
        newest = [r for r in partitions.read_catalog(db) if r["state"] == "live"][0]
        single = os.path.join(os.path.dirname(db), newest["path"])
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in
                   os.walk(os.path.dirname(db)) for f in fs)
    else:
        db = a.db or "/tmp/centrallog-bench-%d.db" % a.entries
        if a.rebuild or count_rows(db) != a.entries:
            sys.stderr.write("building %s with %d entries\n" % (db, a.entries))
            build(db, a.entries, trigram=not a.no_trigram)
        con = sqlite3.connect(db, isolation_level=None)
        trigram_index(con, not a.no_trigram)
        con.close()
        single = db
        size = os.path.getsize(single)
        if a.partitions > 0:
            db = partitioned(db, a.entries, a.partitions, a.live, a.rebuild, a.live_range,
                             not a.no_trigram)
    con = sqlite3.connect("file:%s?mode=ro" % single, uri=True)
    last_ts = con.execute("SELECT max(ts) FROM entries").fetchone()[0]
    # The busiest app's errors, and a full day in the middle of the range.
    app = con.execute("SELECT app FROM entries WHERE id > (SELECT max(id) - 100000 FROM entries) "
                      "GROUP BY app ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    con.close()
    day_us = (last_ts // (86400 * US) - days // 2) * 86400 * US
    # "The last hour" ends at the newest entry, so that a reused database
    # (built some time ago) is measured the same way.
    hour_ago = "@%d" % (last_ts // US - 3600)
    day = "@%d" % (day_us // US)
    day_end = "@%d" % (day_us // US + 86400)
    cases = [
        ("errors", "last 100 errors of %s in the last hour" % app,
         ["query", "-t", app, "-p", "err", "-S", hour_ago, "-n", "100"], False),
        ("fts", "FTS term %r over one day" % FTS_TERM,
         ["query", "--words", FTS_TERM, "-S", day, "-U", day_end], False),
        ("regex", "regex %r over one day" % REGEX,
         ["query", "-g", REGEX, "-S", day, "-U", day_end], False),
        ("regex-scan", "regex %r (no term) over one day" % REGEX_SCAN,
         ["query", "-g", REGEX_SCAN, "-S", day, "-U", day_end], False),
        ("newest-g", "newest 20 of -g %r, no range" % FTS_TERM,
         ["query", "-g", FTS_TERM, "-n", "20"], False),
        ("newest-words", "newest 20 of --words %r, no range" % FTS_TERM,
         ["query", "--words", FTS_TERM, "-n", "20"], False),
        ("newest-rare", "newest 20 of a rare -g term, no range",
         ["query", "-g", "user u17 ", "-n", "20"], False),
        ("stats", "stats per hour over one day",
         ["stats", "--by", "hour", "-S", day, "-U", day_end], False),
        ("first", "first output line of query -n 50", ["query", "-n", "50"], True),
    ]
    results = {}
    print("database: %s, %d entries over %d days, %.0f MB%s; %s"
          % (db, a.entries, days, size / 1e6,
             (" as %d closed partitions + a live one" % a.partitions) if a.partitions else "",
             time.strftime("%Y-%m-%d")))
    if a.cases:
        cases = [c for c in cases if c[0] in a.cases.split(",")]
    for key, what, args, first in cases:
        run(cli, db, args, first)  # warm the page cache
        times, cpus, lines = [], [], 0
        for _ in range(a.runs):
            t, lines, cpu = run(cli, db, args, first)
            times.append(t)
            cpus.append(cpu)
        med = statistics.median(times)
        cpu = statistics.median(cpus)
        results[key] = {"median_ms": round(med * 1000, 1), "lines": lines,
                        "runs_ms": [round(t * 1000, 1) for t in times],
                        "cpu_median_ms": round(cpu * 1000, 1)}
        print("\n%-12s %-45s median %6.1f ms  (%s; %d lines)%s"
              % (key, what, med * 1000, " ".join("%.1f" % (t * 1000) for t in times), lines,
                 "" if first else "; CPU median %.1f ms" % (cpu * 1000)))
        print("  centrallog " + " ".join(args))
        explain = subprocess.run([cli] + args + ["--explain"], stdout=subprocess.PIPE,
                                 env=dict(os.environ, CENTRALLOG_DB=db, TZ="UTC"), check=True)
        for ln in explain.stdout.decode().splitlines():
            if not ln.startswith("SELECT") and not ln.startswith("  ?"):
                print("    " + ln)
    if a.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
