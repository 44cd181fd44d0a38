#!/usr/bin/python3
"""End-to-end: the reading commands over a data directory of partitions
(schema version 3: a catalog and its partitions), built by the schema files
alone (cltest.partitions), so that these tests do not depend on a collector.

Asserts:
* query (every format, -n, -r, --limit, -S/-U, -p, -t, --host, --field,
  -g with and without a time range), stats and rejects print exactly what
  they print over one database holding the same rows, byte for byte: the
  same 6,000 entries as 5 partitions (4 closed, indexed, FTS complete, and a
  live one without index or FTS rows) whose time ranges overlap;
* a time filter opens only the partitions whose range overlaps: the query
  succeeds without a word when a partition outside the range is deleted, and
  warns (exit 4) naming it when one inside is;
* `query -n 50` opens only the newest partition(s): all the others deleted,
  the same output, no warning;
* a corrupt or truncated partition is skipped with one warning naming it,
  exit 4, and the output is exactly that of the other partitions' rows;
* disk-usage -o json exactly; export --sqlite round trip and --ndjson.
"""

import json
import os
import random
import shutil
import sqlite3

import cltest
from cltest import check, eq
from cltest import partitions as P
from cli_data import US, run, run_ok

T0 = 1795651200 * US  # 2026-11-26T00:00:00Z
N = 6000
STEP = 30 * US  # entries 30 s apart on average; ts jitters +-10 min around that
BOUNDS = [1201, 2401, 3601, 4801]
# Late arrivals (a time far from their neighbours'): the third partition's
# range spans nearly everything, the others' only their own hours.
LATE = {2500: T0 + 100 * STEP, 5000: T0 + 2000 * STEP, 5500: T0 + 5990 * STEP}
APPS = ["billing", "web-1", "web-2", "auth", "cron"]
HOSTS = ["web-01", "web-02", "db-01", None]
WORDS = ["disk full", "timeout", "Disk", "ok", "payment declined", "cache miss", "timeouts"]

TMP = None
SINGLE = None
DATA = None
CATALOG = None
ROWS = None


def entries(seed=7, n=N):
    rnd = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        ts = T0 + i * STEP + rnd.randrange(-20 * 30 * US, 20 * 30 * US)
        e = {"id": i, "ts": ts, "received": ts + rnd.randrange(0, 5 * US),
             "level": rnd.choice([0, 2, 3, 4, 4, 5, 6, 6, 6, 7, 8]), "app": rnd.choice(APPS),
             "host": rnd.choice(HOSTS), "pid": rnd.choice([None, 100, 200]),
             "msg": "msg %d %s" % (i, rnd.choice(WORDS)), "peer_pid": 4242, "peer_uid": 1000,
             "peer_gid": 1000}
        if i % 3 == 0:
            e["fields"] = json.dumps({"shard": i % 4, "user": {"id": i % 7}},
                                     separators=(",", ":"))
        if i in LATE:
            e["ts"] = LATE[i]
        out.append(e)
    return out


def rejects(n=40):
    return [{"id": i, "received": T0 + i * 150 * STEP, "peer_pid": 4242, "peer_uid": 1000,
             "peer_gid": 1000, "reason": ["bad_json", "too_long"][i % 2],
             "message": "line %d refused" % i, "raw": b"{not json %d" % i, "raw_len": 11 + i}
            for i in range(1, n + 1)]


REJECT_BOUNDS = [9, 17, 25, 33]


def setup():
    global TMP, SINGLE, DATA, CATALOG, ROWS
    TMP = cltest.make_tempdir("cl-parts-")
    SINGLE = os.path.join(TMP, "single.db")
    P.make_single(SINGLE, entries(), rejects())
    DATA = os.path.join(TMP, "data")
    ROWS = P.split(SINGLE, DATA, BOUNDS, REJECT_BOUNDS)
    CATALOG = os.path.join(DATA, P.CATALOG)


def fresh_copy(name):
    """A copy of the data directory to damage."""
    dest = os.path.join(TMP, name)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(DATA, dest)
    return os.path.join(dest, P.CATALOG)


def part_file(catalog, k):
    return os.path.join(os.path.dirname(catalog), ROWS[k]["path"])


S_MID = "@%d" % ((T0 + 2000 * STEP) // US)
U_MID = "@%d" % ((T0 + 2300 * STEP) // US)

QUERIES = [
    [], ["-o", "json"], ["-o", "csv"], ["-o", "ndjson"], ["-o", "short-iso"], ["-n", "50"],
    ["-n", "50", "-r"], ["-r"], ["--limit", "7"], ["-r", "--limit", "9", "-p", "warning"],
    ["-n", "30", "-r", "--limit", "12"], ["-n", "100000"], ["-t", "auth", "-p", "emerg", "-n", "5000"],
    ["-t", "cron", "-n", "900", "-r", "-o", "json"], ["-n", "300", "--limit", "20"],
    ["-n", "0"], ["-S", S_MID, "-U", U_MID], ["-S", S_MID, "-U", U_MID, "-r", "--limit", "33"],
    ["-S", S_MID, "-n", "10"], ["-p", "warning"], ["-p", "err", "-n", "40"],
    ["-t", "web*"], ["-t", "billing", "-S", S_MID], ["--host", "db-01", "-p", "notice..error"],
    ["--pid", "100", "-n", "25"], ["--field", "shard=2"], ["--field", "user.id=3", "-r"],
    ["-g", "timeout"], ["-g", "disk"], ["-g", "Disk"], ["-g", "time*", "-S", S_MID, "-U", U_MID],
    ["-g", "payment declined", "-n", "5"], ["-o", "cat", "-g", "cache", "-t", "auth"],
    ["--words", "timeout"], ["--words", "time*", "-S", S_MID, "-U", U_MID],
    ["-g", "^msg \\d+ (timeouts?|ok)$", "-r", "-n", "40"],
]


def test_query_identical():
    """Every query prints the same bytes over the partitions as over one database."""
    for args in QUERIES:
        want = run_ok(["query"] + args, SINGLE)
        got = run_ok(["query"] + args, CATALOG)
        check(got == want, "query %s: output differs over partitions (%d vs %d bytes)"
              % (" ".join(args), len(got), len(want)), got[:600], want[:600])
    check(len(run_ok(["query", "-S", S_MID, "-U", U_MID], SINGLE)) > 1000, "the window has rows")


def test_stats_identical():
    """stats (text and JSON, filters) over partitions equals stats over one database."""
    for args in [["-o", "json", "--top", "0"], ["-S", S_MID, "-U", U_MID, "-o", "json"],
                 ["--by", "day", "--width", "100"], ["-p", "warning", "-o", "json", "--top", "0"],
                 ["-g", "timeout", "-o", "json"], ["-S", "@%d" % (T0 // US), "--by", "hour"]]:
        want = run_ok(["stats"] + args, SINGLE)
        got = run_ok(["stats"] + args, CATALOG)
        check(got == want, "stats %s differs over partitions" % " ".join(args), got.decode(),
              want.decode())


def test_rejects_identical():
    """rejects over partitions equals rejects over one database."""
    for args in [[], ["-n", "3"], ["-o", "json"], ["-r", "--limit", "5"], ["--reason", "too_long"],
                 ["-S", S_MID], ["-g", "not json 2"]]:
        want = run_ok(["rejects"] + args, SINGLE)
        got = run_ok(["rejects"] + args, CATALOG)
        check(got == want, "rejects %s differs over partitions" % " ".join(args), got, want)


# A window inside the first partition's hours: it overlaps the first and the
# third (late arrival) partitions, not the second, fourth or live ones...
W_S = "@%d" % ((T0 + 300 * STEP) // US)
W_U = "@%d" % ((T0 + 500 * STEP) // US)


def warning(k, catalog, what):
    return ("centrallog query: warning: partition %s %s; its entries are left out\n"
            % (part_file(catalog, k), what))


def test_time_filter_opens_only_overlapping():
    """-S/-U: a deleted partition outside the range goes unnoticed; one inside is named."""
    r = ROWS
    check(r[1]["min_ts"] > (T0 + 520 * STEP) and r[3]["min_ts"] > (T0 + 520 * STEP),
          "partitions 2 and 4 start after the window", r[1], r[3])
    check(r[2]["min_ts"] < T0 + 300 * STEP, "the late arrival widens partition 3", r[2])
    args = ["query", "-S", W_S, "-U", W_U, "-o", "json"]
    want = run_ok(args, SINGLE)
    check(len(json.loads(want)) > 150, "rows in the window", want[:200])
    cat = fresh_copy("prune")
    for k in (1, 3):
        os.unlink(part_file(cat, k))
    eq(run_ok(args, cat), want, "the window without the partitions it does not overlap")
    eq(run_ok(["stats", "-S", W_S, "-U", W_U, "-o", "json"], cat),
       run_ok(["stats", "-S", W_S, "-U", W_U, "-o", "json"], SINGLE), "stats likewise")
    os.unlink(part_file(cat, 2))  # overlaps by its late arrival
    rc, out, err = run(args, cat)
    eq(err, warning(2, cat, "is missing"), "the missing partition named")
    eq(rc, 4, "exit status of a partial result")
    eq(out, want, "partition 3's only row in the window is the late arrival... not here")


def test_live_range_from_meta():
    """A live partition whose meta has min_ts/max_ts is selected by its range
    like a closed one: a window before it leaves it unread, same output."""
    cat = fresh_copy("liverange")
    live = part_file(cat, 4)
    con = sqlite3.connect(live)
    lo, hi = con.execute("SELECT min(ts), max(ts) FROM entries").fetchone()
    con.execute("INSERT INTO meta (key, value) VALUES ('min_ts', ?), ('max_ts', ?)", (lo, hi))
    con.commit()
    con.close()
    check(lo > T0 + 520 * STEP, "the live partition starts after the window", lo)
    for args in (["-o", "json"], ["-g", "time*"], ["-n", "7"], ["-r", "-p", "warning"]):
        eq(run_ok(["query", "-S", W_S, "-U", W_U] + args, cat),
           run_ok(["query", "-S", W_S, "-U", W_U] + args, SINGLE), "query %s" % args)
    eq(run_ok(["stats", "-S", W_S, "-U", W_U, "-o", "json"], cat),
       run_ok(["stats", "-S", W_S, "-U", W_U, "-o", "json"], SINGLE), "stats")
    for cmd in ("query", "stats"):
        out = run_ok([cmd, "-S", W_S, "-U", W_U, "--explain"], cat).decode()
        eq(out.splitlines()[0], "-- 2 of 5 partitions selected", "%s --explain" % cmd)
        check("(live)" not in out, "%s: the live partition is not read" % cmd, out)
    eq(run_ok(["query", "-n", "40", "-o", "json"], cat),
       run_ok(["query", "-n", "40", "-o", "json"], SINGLE), "query -n 40")
    eq(run_ok(["query"], cat), run_ok(["query"], SINGLE), "everything")


def test_big_live_partition():
    """stats and the last N over a live partition large enough to be read in
    parallel (split by rowid, as it has no time index) equal one database's."""
    d = os.path.join(TMP, "biglive")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    single = os.path.join(d, "single.db")
    P.make_single(single, entries(seed=11, n=30000), rejects())
    cat = os.path.join(d, "data")
    P.split(single, cat, [3001, 6001])  # the live partition: 24,000 entries
    cat = os.path.join(cat, P.CATALOG)
    for args in (["-o", "json", "--top", "0"], ["-S", "@%d" % ((T0 + 9000 * STEP) // US), "-o",
                                               "json"], ["-p", "warning", "--by", "hour"]):
        eq(run_ok(["stats"] + args, cat), run_ok(["stats"] + args, single), "stats %s" % args)
    for args in (["-n", "50"], ["-n", "5000", "-o", "json"], ["-n", "30", "-p", "err", "-t", "web*"],
                 ["-n", "100", "-S", "@%d" % ((T0 + 20000 * STEP) // US)], ["-n", "7", "-g", "disk"],
                 ["-n", "40000"]):
        eq(run_ok(["query"] + args, cat), run_ok(["query"] + args, single), "query %s" % args)


def test_lines_touch_only_newest():
    """query -n 50 (and tail's first lines) open only the newest partition."""
    cat = fresh_copy("newest")
    for k in range(4):
        os.unlink(part_file(cat, k))
    for args in (["-n", "50"], ["-n", "50", "-o", "json"], ["-n", "20", "-r"]):
        eq(run_ok(["query"] + args, cat), run_ok(["query"] + args, SINGLE),
           "query %s over the newest partition alone" % " ".join(args))


# A window holding the second partition wholly (its ids 1201-2400 lie
# within +-20 steps of their place) and cutting the first (its end), the
# third (its late arrival, id 2500, lies far before) and the live one (its
# late arrival, id 5000, lies in it).
IN_S = "@%d" % ((T0 + 1100 * STEP) // US)
IN_U = "@%d" % ((T0 + 2600 * STEP) // US)


def explained(args):
    """--explain over the catalog: {label: (SQL, plan)} per partition shown,
    label "closed", "live" or "closed, inside the time range"."""
    out = run_ok(["query", "--explain"] + args, CATALOG).decode()
    shown = {}
    for part in out.split("-- partition ")[1:]:
        head, _, body = part.partition("\n")
        label = head[head.rindex("(") + 1:-1]
        sql, _, plan = body.partition("QUERY PLAN")
        shown[label] = (sql, plan)
    return out, shown


def test_partition_inside_range():
    """A closed partition wholly inside -S/-U is read without the range (no
    time term, no full-text bounds, no walk of the time index); one the
    range cuts with it. The rows are exactly those of one database."""
    r = ROWS
    lo, hi = (T0 + 1100 * STEP), (T0 + 2600 * STEP)
    check(lo <= r[1]["min_ts"] and r[1]["max_ts"] < hi, "partition 2 inside the window", r[1])
    check(r[0]["max_ts"] >= lo and r[0]["min_ts"] < lo, "partition 1 cut by it", r[0])
    check(r[2]["min_ts"] < lo and r[2]["max_ts"] >= hi, "partition 3 cut by it", r[2])
    # Exactly the entries of the window, in time order: from the rows
    # themselves, not from another query.
    rows = sorted((e for e in entries() if lo <= e["ts"] < hi), key=lambda e: (e["ts"], e["id"]))
    want = {"all": [e["id"] for e in rows],
            "timeout": [e["id"] for e in rows if e["msg"].endswith(" timeout")],
            "disk": [e["id"] for e in rows if " disk " in e["msg"].lower() + " "]}
    check(len(want["timeout"]) > 100 and 5000 in want["all"] and 2500 not in want["all"],
          "the window holds matches and the live partition's late arrival", len(want["timeout"]))
    window = ["-S", IN_S, "-U", IN_U, "-o", "ndjson"]
    for args, key in ((window, "all"), (window + ["--words", "timeout"], "timeout"),
                      (window + ["-g", "disk", "--case-sensitive=no"], "disk")):
        got = [json.loads(ln)["id"] for ln in run_ok(["query"] + args, CATALOG).splitlines()]
        eq(got, want[key], "query %s: the ids" % " ".join(args))
    for args in (["--words", "timeout"], ["-g", "time*"], ["-n", "20"], ["-r", "--limit", "15"],
                 ["-p", "warning", "-o", "json"], ["--words", "timeout", "-n", "30"],
                 ["-t", "auth", "-o", "csv"]):
        eq(run_ok(["query", "-S", IN_S, "-U", IN_U] + args, CATALOG),
           run_ok(["query", "-S", IN_S, "-U", IN_U] + args, SINGLE), "query %s" % args)
    out, shown = explained(["--words", "timeout", "-S", IN_S, "-U", IN_U])
    eq(out.splitlines()[0], "-- 4 of 5 partitions selected", "the window's partitions")
    check(sorted(shown) == ["closed", "closed, inside the time range", "live"], "plans shown", out)
    sql, plan = shown["closed, inside the time range"]
    check("ts >=" not in sql and "ts <" not in sql and "rowid BETWEEN" not in sql,
          "inside: no time term, no bounds", sql)
    check("entries_ts" not in plan and "VIRTUAL TABLE INDEX 0:M1\n" in plan,
          "inside: the full-text index alone", plan)
    sql, plan = shown["closed"]
    check("+ts >=" in sql and "rowid BETWEEN" in sql and "0:M1><" in plan,
          "cut: bounded by the ids of the range's first and last entries", sql, plan)
    check("rowid BETWEEN" not in shown["live"][0], "live: no full-text bounds", shown["live"][0])


def only_ids(dest, lo_hi_out, rj_out):
    """A single database of the rows minus the ids in the ranges lo_hi_out
    (entries) and rj_out (rejects)."""
    keep = [e for e in entries() if not any(lo <= e["id"] <= hi for lo, hi in lo_hi_out)]
    rkeep = [r for r in rejects() if not any(lo <= r["id"] <= hi for lo, hi in rj_out)]
    P.make_single(dest, keep, rkeep)
    return dest


def test_damaged_partition_skipped():
    """A corrupt or truncated partition: one warning naming it, exit 4, the rest exact."""
    want_db = only_ids(os.path.join(TMP, "minus2.db"), [(1201, 2400)], [(9, 16)])
    cat = fresh_copy("corrupt")
    with open(part_file(cat, 1), "r+b") as f:
        f.write(b"this is no SQLite header at all")
    for args in (["-o", "json"], ["-g", "timeout"], ["-n", "5000"]):
        rc, out, err = run(["query"] + args, cat)
        eq(err, warning(1, cat, "is corrupt (file is not a database)"), "the corrupt one named once")
        eq(rc, 4, "exit status of a partial result")
        eq(out, run_ok(["query"] + args, want_db), "query %s: the other partitions' rows")
    cat = fresh_copy("truncated")
    size = os.path.getsize(part_file(cat, 1))
    os.truncate(part_file(cat, 1), size // 2)
    rc, out, err = run(["query", "-o", "csv"], cat)
    eq(err, warning(1, cat, "is truncated (%d bytes, the catalog says %d)"
                    % (size // 2, size)), "the truncated one named")
    eq((rc, out), (4, run_ok(["query", "-o", "csv"], want_db)), "the other partitions' rows")
    rc, out, err = run(["stats", "-o", "json"], cat)
    eq(rc, 4, "stats: exit status of a partial result")
    eq(out, run_ok(["stats", "-o", "json"], want_db), "stats of the other partitions")


def test_disk_usage_json():
    """disk-usage -o json: exactly every partition, the text files, the total."""
    cat = fresh_copy("du")
    d = os.path.dirname(cat)
    texts = [("centrallog.log", b"x" * 1000), ("centrallog.log.1.gz", b"y" * 321),
             ("centrallog.log.2.gz", b"z" * 45), ("centrallog.log.10.gz", b"w" * 7)]
    for name, data in texts + [("centrallog.log.bak", b"not ours"), ("notes.txt", b"n")]:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    def iso(us):
        import datetime
        s = datetime.datetime.fromtimestamp(us // US, datetime.timezone.utc)
        return s.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (us % US)

    con = sqlite3.connect(part_file(cat, 4))
    live = con.execute("SELECT count(*), min(ts), max(ts) FROM entries").fetchone()
    con.close()
    parts = []
    for k, r in enumerate(ROWS):
        path = part_file(cat, k)
        size = os.path.getsize(path) + (os.path.getsize(path + "-wal")
                                        if os.path.exists(path + "-wal") else 0)
        if r["state"] == "closed":
            first, last, n = iso(r["min_ts"]), iso(r["max_ts"]), r["entries"]
        else:
            first, last, n = iso(live[1]), iso(live[2]), live[0]
        parts.append({"path": path, "first_ts": first, "last_ts": last, "entries": n,
                      "bytes": size, "state": r["state"], "fts": r["fts"]})
    files = [{"path": os.path.join(d, n), "bytes": len(b)} for n, b in texts]
    want = {"partitions": parts, "text_files": files,
            "total_bytes": sum(p["bytes"] for p in parts) + sum(f["bytes"] for f in files)}
    out = run_ok(["disk-usage", "-o", "json"], cat)
    eq(out, (json.dumps(want, separators=(",", ":")) + "\n").encode(), "disk-usage -o json")
    text = run_ok(["disk-usage"], cat).decode()
    check(text.startswith("STATE    FTS          ENTRIES       SIZE  FIRST") and
          ("in 5 partitions and 4 text files." in text), "the text report", text)
    single = json.loads(run_ok(["disk-usage", "-o", "json"], SINGLE))
    eq([(p["state"], p["entries"], p["fts"]) for p in single["partitions"]],
       [("single", N, "complete")], "a single database: one row")


def test_export_round_trip():
    """export --sqlite writes one database that reads like the range it came from."""
    out = os.path.join(TMP, "export.db")
    if os.path.exists(out):
        os.unlink(out)
    eq(run_ok(["export", "-S", S_MID, "-U", U_MID, "--sqlite", out], CATALOG), b"", "quiet")
    for args in (["-o", "json"], ["-g", "timeout"], ["-p", "warning", "-r"], ["-n", "10"]):
        eq(run_ok(["query"] + args, out), run_ok(["query", "-S", S_MID, "-U", U_MID] + args,
                                                   CATALOG), "query %s of the export" % args)
    eq(run_ok(["rejects"], out), run_ok(["rejects", "-S", S_MID, "-U", U_MID], CATALOG),
       "its rejected lines")
    con = sqlite3.connect("file:%s?mode=ro" % out, uri=True)
    try:
        eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity")
        eq(con.execute("PRAGMA journal_mode").fetchone()[0], "delete", "no WAL")
        eq(sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")),
           ["entries_app_ts", "entries_level_ts", "entries_ts", "rejects_received"], "indexes")
        n = con.execute("SELECT count(*) FROM entries").fetchone()[0]
        eq(con.execute("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'msg'").fetchone()[0],
           n, "every entry in the full-text index")
        eq(con.execute("SELECT value FROM meta WHERE key = 'sealed'").fetchone()[0], 1, "sealed")
        eq(con.execute("SELECT value FROM meta WHERE key = 'fts_indexed_upto'").fetchone()[0],
           con.execute("SELECT max(id) FROM entries").fetchone()[0], "fts_indexed_upto")
    finally:
        con.close()
    rc, o, err = run(["export", "-S", S_MID, "--sqlite", out], CATALOG)
    eq((rc, o, err), (1, b"", "centrallog export: %s exists; remove it or choose another name\n"
                      % out), "an existing file is never replaced")
    eq(run_ok(["export", "-S", S_MID, "-p", "err", "--ndjson"], CATALOG),
       run_ok(["query", "-S", S_MID, "-p", "err", "-o", "ndjson"], SINGLE), "--ndjson")


def test_follow_across_rotation():
    """tail -f goes on into the next live partition at a rotation, and past
    the sealing of the old one: every new entry once, in order."""
    from cli_data import Follower
    cat = fresh_copy("follow")
    d = os.path.dirname(cat)

    def row(i):
        return {"id": i, "ts": T0 + i * STEP, "received": T0 + i * STEP, "level": 6,
                "app": "follow", "msg": "new %d" % i}

    with Follower(["tail", "-n", "2", "-o", "cat"], cat) as f:
        eq(f.lines(2), run_ok(["query", "-n", "2", "-o", "cat"], SINGLE).decode().splitlines(),
           "the last two")
        P.append_live(d, [row(i) for i in range(6001, 6004)])
        eq(f.lines(3), ["new %d" % i for i in range(6001, 6004)], "in the live partition")
        first = P.rotate(d)
        eq(first, 6004, "the next live partition's first id")
        P.append_live(d, [row(i) for i in range(6004, 6007)])
        eq(f.lines(3), ["new %d" % i for i in range(6004, 6007)], "after the rotation")
        sealing = [r for r in P.read_catalog(cat) if r["state"] == "sealing"][0]
        P.seal(d, sealing["seq"])
        P.append_live(d, [row(i) for i in range(6007, 6009)])
        eq(f.lines(2), ["new 6007", "new 6008"], "after the sealing")
        P.rotate(d)
        P.append_live(d, [row(6009)])
        eq(f.line(), "new 6009", "after a second rotation")
        f.quiet(0.5)
        rc, rest, err, _ = f.stop()
        eq((rc, rest, err), (0, b"", ""), "a clean end")


TESTS = [test_partition_inside_range, test_big_live_partition, test_live_range_from_meta, test_disk_usage_json, test_export_round_trip, test_follow_across_rotation, test_time_filter_opens_only_overlapping, test_lines_touch_only_newest,
         test_damaged_partition_skipped, test_query_identical, test_stats_identical, test_rejects_identical]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_partitions", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
