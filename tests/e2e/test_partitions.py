"""End-to-end: the partitioned database (docs/DESIGN.md, "Storage").

Asserts, reading the catalog and every partition directly with sqlite3:
(a) many rotations under load (--db-rotate-size 64K, 4 producers syncing): every
    acknowledged entry is in exactly one partition, exactly once, in order; ids are
    1..N without a gap, each partition's within its catalog range, ranges disjoint
    and increasing; the text file holds the same entries;
(b) every closed partition is sealed: the four secondary indexes, a complete and
    optimized full-text index (MATCH counts equal LIKE counts), meta sealed = 1 and
    fts_indexed_upto = its last id, journal_mode delete, a file name whose range is
    its min/max ts, and catalog facts (entries, rejects, ranges, bytes) that match
    the file; no temporary or leftover file remains; rejects get global ids too;
(c) --db-rotate-age closes a non-empty live partition, never an empty one;
(d) a restart continues the ids after the last partition;
(e) a crash (abort, as SIGKILL) right before each step of a rotation (R1-R3) and of
    a seal (S1-S4), under load: after a restart every acknowledged entry is in
    exactly one partition exactly once, in order, and the catalog is repaired (every
    partition closed or live, no stray file);
(f) a version 2 single database at the catalog's path becomes the first partition
    (sealed in the background) and new entries follow its ids; a crash right before
    each migration step (M1-M3) loses nothing either.
The crash cases need the tests' build (CMake CL_TESTING); they say so otherwise.
"""

import calendar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time

import cltest
from cltest import check, eq
from cltest.db import entries_by_partition, live_file, partitions

PRODUCERS = 4
ROUND = 100
ROTATE = ("--db-rotate-size", "64K", "--batch-ms", "5")
# schema/sealed.sql's, and rollup.sql's on stats' counts per hour.
INDEXES = ["entries_app_ts", "entries_level_ts", "entries_ts", "rejects_received",
           "rollup_hour_start"]
STAMP = re.compile(r"^(\d{8}T\d{6}Z)--(\d{8}T\d{6}Z)-(\d{20})\.db$")


def msg(p, j):
    # Words for the full-text checks: every 7th entry has "needle".
    return "pt p%d n%07d %s" % (p, j, "needle hay" if j % 7 == 0 else "just hay")


def producer(sock_path, p, rounds, flag_path):
    """Child: rounds of ROUND entries + sync until done or the collector goes
    away. Returns how many entries were acknowledged."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)
    acked = sent = 0
    buf = b""
    end = None
    try:
        s.connect(sock_path)
        for rnd in range(1, rounds + 1):
            data = b"".join(cltest.line({"app": "pt%d" % p, "level": "warning" if j % 5 == 0
                                         else "info", "msg": msg(p, j)})
                            for j in range(sent, sent + ROUND))
            sent += ROUND
            s.sendall(data + cltest.line({"op": "sync", "id": rnd}))
            while b"\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    raise EOFError("collector closed the connection")
                buf += chunk
            ln, buf = buf.split(b"\n", 1)
            ack = json.loads(ln)
            assert ack["op"] == "ack" and ack["id"] == rnd, ack
            acked = ack["accepted"]
            if rnd == 1:
                open(flag_path, "w").close()
    except (OSError, EOFError) as e:
        end = repr(e)
    return {"acked": acked, "sent": sent, "end": end}


def run_load(c, rounds):
    flags = [os.path.join(c.tmp, "go%d-%d" % (p, time.monotonic_ns())) for p in range(PRODUCERS)]
    procs = [cltest.spawn(__file__, "producer", c.sock, p, rounds, flags[p])
             for p in range(PRODUCERS)]
    try:
        return cltest.collect(procs, timeout=300)
    finally:
        cltest.kill_all(procs)


def settled(c):
    """Every partition but the live one closed, and the folder holds exactly
    the listed files (S4 removes the former live file after S3)."""
    rows = partitions(c.db, states=("live", "sealing", "closed", "deleting"))
    names = sorted(os.path.basename(r["path"]) for r in rows)
    files = sorted(f for f in os.listdir(parts_dir(c))
                   if not f.endswith("-wal") and not f.endswith("-shm"))
    return all(r["state"] in ("live", "closed") for r in rows) and names == files


def wait_sealed(c, timeout=120):
    cltest.wait_for(lambda: settled(c), "every rotated partition sealed", timeout=timeout)


def parts_dir(c):
    return os.path.join(c.dir, "centrallog.d")


def stamp_us(s):
    t = time.strptime(s, "%Y%m%dT%H%M%SZ")
    return calendar.timegm(t) * 1000000


def check_layout(c, allow_sealing=False):
    """The catalog and the folder agree; ranges are disjoint and increasing."""
    rows = partitions(c.db, states=("live", "sealing", "closed", "deleting"))
    states = [r["state"] for r in rows]
    eq(states.count("live"), 1, "exactly one live partition")
    eq(states[-1], "live", "the live partition is the newest")
    check(all(s in (("live", "closed", "sealing") if allow_sealing else ("live", "closed"))
              for s in states), "states after repair", states)
    names = sorted(os.path.basename(r["path"]) for r in rows)
    files = sorted(f for f in os.listdir(parts_dir(c))
                   if not f.endswith("-wal") and not f.endswith("-shm"))
    cltest.diff_sets(set(files), set(names), "the partitions folder holds exactly the listed files")
    for a, b in zip(rows, rows[1:]):
        check(a["last_id"] is not None and a["last_id"] < b["first_id"],
              "entry id ranges disjoint and increasing", a, b)
        check(a["last_reject"] < b["first_reject"], "reject id ranges disjoint", a, b)
    return rows


def check_entries(c, results):
    """Every acknowledged entry once, in order; ids 1..N; each in its range."""
    per = entries_by_partition(c.db, "id, msg, app")
    ids, msgs = [], []
    for p, rows in per:
        for (i, m, a) in rows:
            check(i >= p["first_id"] and (p["last_id"] is None or i <= p["last_id"]),
                  "id %d within partition %s's range" % (i, p["path"]))
            ids.append(i)
            msgs.append(m)
    eq(ids, list(range(1, len(ids) + 1)), "ids 1..N across partitions, in partition order")
    eq(len(set(msgs)), len(msgs), "no entry twice")
    for p, r in enumerate(results):
        mine = [m for m in msgs if m.startswith("pt p%d " % p)]
        eq(mine, [msg(p, j) for j in range(len(mine))], "producer %d's entries in order" % p)
        check(len(mine) >= r["acked"], "producer %d: every acknowledged entry stored "
              "(%d acked, %d stored)" % (p, r["acked"], len(mine)))
    return msgs


def check_sealed(path, row):
    """A closed partition as STORAGE.md says."""
    con = sqlite3.connect("file:%s?mode=ro&immutable=1" % path, uri=True)
    try:
        eq(con.execute("PRAGMA journal_mode").fetchone()[0], "delete", "journal mode " + path)
        eq(sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")),
           INDEXES, "indexes of " + path)
        meta = dict(con.execute("SELECT key, value FROM meta"))
        eq(meta["sealed"], 1, "sealed flag")
        eq(meta["kind"], "partition", "kind")
        n, lo, hi, mn, mx, rmn, rmx = con.execute(
            "SELECT count(*), min(id), max(id), min(ts), max(ts), min(received), max(received) "
            "FROM entries").fetchone()
        eq(meta["fts_indexed_upto"], row["last_id"], "fts_indexed_upto is the last id")
        eq(meta["tri_indexed_upto"], row["last_id"], "tri_indexed_upto is the last id")
        eq((row["entries"], row["min_ts"], row["max_ts"], row["min_received"],
            row["max_received"]), (n, mn, mx, rmn, rmx), "catalog facts of " + path)
        eq(row["rejects"], con.execute("SELECT count(*) FROM rejects").fetchone()[0], "rejects")
        eq(row["bytes"], os.path.getsize(path), "bytes")
        eq(row["fts"], "complete", "fts state")
        check(n == 0 or (lo >= row["first_id"] and hi <= row["last_id"]), "ids within range")
        for word in ("needle", "hay", "just"):
            eq(con.execute("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?",
                           (word,)).fetchone()[0],
               con.execute("SELECT count(*) FROM entries WHERE ' ' || msg || ' ' LIKE ?",
                           ("% " + word + " %",)).fetchone()[0],
               "full-text count of %r in %s" % (word, path))
        # -g's trigram index (detail=none: a string is the AND of its trigrams).
        eq(con.execute("SELECT count(*) FROM entries_tri WHERE entries_tri MATCH "
                       "'\"eed\" AND \"edl\"'").fetchone()[0],
           con.execute("SELECT count(*) FROM entries WHERE msg LIKE '%eedl%'").fetchone()[0],
           "trigram count in " + path)
        eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity")
        # 'optimize' merged the index into one segment.
        eq(con.execute("SELECT count(*) FROM entries_fts_idx WHERE segid IS NOT NULL AND "
                       "pgno IS NULL").fetchone()[0] <= 1, True, "one FTS segment")
    finally:
        con.close()
    m = STAMP.match(os.path.basename(path))
    check(m is not None, "closed partition name", path)
    eq(int(m.group(3)), row["first_id"], "first id in the name")
    if row["entries"]:
        eq(stamp_us(m.group(1)), row["min_ts"] // 1000000 * 1000000, "min ts in the name")
        eq(stamp_us(m.group(2)), row["max_ts"] // 1000000 * 1000000, "max ts in the name")


def test_rotations_under_load():
    with cltest.Collector(*ROTATE, *cltest.NO_RATE_LIMIT) as c:
        results = run_load(c, cltest.scale(20, 6))
        with c.connect() as k:  # a reject gets a global id too
            k.send(b"not json\n")
            k.sync()
        wait_sealed(c)
        rows = check_layout(c)
        check(len(rows) >= 5, "many rotations", len(rows))
        msgs = check_entries(c, results)
        eq(len(msgs), sum(r["acked"] for r in results), "nothing but the acknowledged")
        for r in rows:
            if r["state"] == "closed":
                check_sealed(r["abspath"], r)
        eq(c.text_msgs(), c.msgs(), "the text file and the partitions agree")
        eq(len(c.rejects()), 1, "the reject is stored once")
        print("  %d entries in %d partitions" % (len(msgs), len(rows)))
        c.stop()
        # (d) a restart continues after the last partition.
        c.start()
        with c.connect() as k:
            k.send(cltest.entry("after restart"))
            k.sync()
        eq(c.query("SELECT id FROM entries WHERE msg = 'after restart'"), [(len(msgs) + 1,)],
           "ids continue after a restart")
        c.stop()


def test_fts_off():
    """--fts off: sealed partitions get their indexes but no full-text rows,
    and the catalog says so."""
    with cltest.Collector(*ROTATE, "--fts", "off", *cltest.NO_RATE_LIMIT) as c:
        run_load(c, 3)
        wait_sealed(c)
        closed = partitions(c.db, states=("closed",))
        check(len(closed) >= 1, "rotated", closed)
        for r in closed:
            eq(r["fts"], "none", "fts state of " + r["path"])
            con = sqlite3.connect("file:%s?mode=ro&immutable=1" % r["abspath"], uri=True)
            try:
                eq(con.execute("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'hay'")
                   .fetchone()[0], 0, "no full-text rows")
                eq(con.execute("SELECT value FROM meta WHERE key = 'fts_indexed_upto'")
                   .fetchone()[0], r["first_id"] - 1, "fts_indexed_upto")
                eq(con.execute("SELECT count(*) FROM meta WHERE key = 'tri_indexed_upto'")
                   .fetchone()[0], 0, "no trigram index to use")
                eq(sorted(x[0] for x in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")),
                   INDEXES, "indexes")
            finally:
                con.close()
        c.stop()


def test_rotate_age():
    with cltest.Collector("--db-rotate-age", "1s", *cltest.NO_RATE_LIMIT) as c:
        time.sleep(2.5)  # idle: an empty live partition is never rotated
        eq(len(partitions(c.db)), 1, "an empty partition stays live")
        with c.connect() as k:
            k.send(cltest.entry("one"))
            k.sync()
        cltest.wait_for(lambda: len(partitions(c.db)) == 2, "rotated by age", timeout=10)
        wait_sealed(c)
        time.sleep(2.5)
        eq(len(partitions(c.db)), 2, "the new, empty live partition is not rotated")
        rows = check_layout(c)
        check_sealed(rows[0]["abspath"], rows[0])
        eq(c.msgs(), ["one"], "the entry")
        c.stop()


def meta_range(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return (con.execute("SELECT (SELECT value FROM meta WHERE key = 'min_ts'), "
                            "(SELECT value FROM meta WHERE key = 'max_ts')").fetchone(),
                con.execute("SELECT min(ts), max(ts) FROM entries").fetchone())
    finally:
        con.close()


def test_live_range():
    """The live partition's meta min_ts/max_ts is the range of its entries'
    ts, written in the transaction that adds them: a reader whose time filter
    misses it does not open it (`--explain`). A new live partition has none
    until its first entry."""
    cli = os.path.join(os.environ.get("CL_BIN_DIR", os.path.join(cltest.REPO, "build", "bin")),
                       "centrallog")
    now = int(time.time())

    def iso(t):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    def explain(c, since, until):
        p = subprocess.run([cli, "--db", c.db, "query", "-S", "@%d" % since, "-U", "@%d" % until,
                            "--explain"], capture_output=True, text=True, timeout=60)
        eq(p.returncode, 0, "query --explain: " + p.stderr)
        return [ln for ln in p.stdout.splitlines() if "partitions selected" in ln]

    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        with c.connect() as k:
            k.send([cltest.entry("a", ts=iso(now - 1800)), cltest.entry("b", ts=iso(now - 2400))])
            k.sync()
            live = live_file(c.db)
            meta, rows = meta_range(live)
            eq(meta, rows, "meta's range is the entries' (min, max)")
            eq(meta, ((now - 2400) * 1000000, (now - 1800) * 1000000), "the range")
            k.send(cltest.entry("c", ts=iso(now - 600)))
            k.sync()
            eq(meta_range(live)[0], ((now - 2400) * 1000000, (now - 600) * 1000000), "widened")
        eq(explain(c, now - 7200, now - 3600), ["-- 0 of 1 partitions selected"],
           "a time filter before the range leaves the live partition unread")
        eq(explain(c, now - 2000, now - 1000), ["-- 1 of 1 partitions selected"],
           "one inside it reads it")
        p = subprocess.run([cli, "--db", c.db, "--address", c.sock, "rotate"], capture_output=True,
                           text=True, timeout=60)
        eq(p.returncode, 0, "rotate: " + p.stderr)
        eq(meta_range(live_file(c.db)), ((None, None), (None, None)), "a new live partition")
        c.stop()


def reach_third(c, step, timeout=120):
    """Makes the third rotation (R steps) or seal (S steps) certain, then
    waits for the collector to die there. How many rotations the load made
    depends on how its entries fell into the writer's batches (a size
    rotation comes only between two: a fast machine batches more, so rotates
    less), and the seals follow at the keeper's pace: entries and `rotate`
    requests make up the rotations that are missing. Returns False when the
    third one passed without a crash (a build without CL_TESTING)."""
    counter = "db_rotations" if step.startswith("R") else "seals"
    deadline = time.monotonic() + timeout
    extra = 0
    while c.running():
        try:
            st = c.stats()
            if st[counter] >= 3:
                return False
            if st["db_rotations"] < 3:
                with c.connect() as k:
                    k.send(cltest.entry("towards %s %d" % (step, extra)))
                    extra += 1
                    k.sync()
                    eq(k.request({"op": "rotate"}).get("op"), "rotated", "rotate reply")
        except (OSError, AssertionError):
            # The connection broke: it must be the crash, now or shortly.
            try:
                c.proc.wait(30)
            except subprocess.TimeoutExpired:
                raise AssertionError("%s: the collector stopped answering but runs on" % step)
        check(time.monotonic() < deadline, "%s: neither a crash nor a third one within %ds"
              % (step, timeout))
        time.sleep(0.05)
    return True


def crash_case(step):
    # The third time the step comes: partitions exist before and after it.
    env = {"CENTRALLOG_CRASH_AT": step + ":3"}
    with cltest.Collector(*ROTATE, *cltest.NO_RATE_LIMIT, env=env) as c:
        results = run_load(c, cltest.scale(10, 5))
        if not reach_third(c, step):
            c.stop()
            raise cltest.Skip("%s: no crash (a build without CL_TESTING?)" % step)
        check("aborting before %s" % step in c.stderr(), "aborted at " + step,
              c.stderr()[-1000:])
        # Restart without the crash: the catalog is repaired, the keeper seals.
        c.env = {}
        c.start()
        wait_sealed(c)
        check_layout(c)
        msgs = check_entries(c, results)
        check(len(msgs) >= sum(r["acked"] for r in results), "all acknowledged entries")
        for r in partitions(c.db, states=("closed",)):
            check_sealed(r["abspath"], r)
        c.stop()
        print("  %s: acked %d, stored %d" % (step, sum(r["acked"] for r in results), len(msgs)))


def test_crash_r1():
    crash_case("R1")


def test_crash_r2():
    crash_case("R2")


def test_crash_r3():
    crash_case("R3")


def test_crash_s1():
    crash_case("S1")


def test_crash_s2():
    crash_case("S2")


def test_crash_s3():
    crash_case("S3")


def test_crash_s4():
    crash_case("S4")


def make_v2(path, n):
    """A version 2 database as the previous collector wrote it, with n entries and a
    reject, its WAL not checkpointed."""
    with open(os.path.join(cltest.REPO, "tests", "schema", "centrallog-v2.sql")) as f:
        ddl = f.read()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(ddl)
    con.execute("PRAGMA user_version = 2")
    for i in range(n):
        con.execute("INSERT INTO entries (ts, received, level, app, msg) VALUES (?, ?, 6, 'old', ?)",
                    (1700000000000000 + i * 1000000, 1700000000000000 + i * 1000000,
                     "old %d needle" % i if i % 3 == 0 else "old %d" % i))
    con.execute("INSERT INTO rejects (received, reason, message, raw, raw_len) "
                "VALUES (1700000000000000, 'not_json', 'x', x'7b', 1)")
    con.commit()
    return con  # kept open by the caller until the collector starts: a live WAL


def migration_case(step=None, refused=0):
    tmp = cltest.make_tempdir()
    data = os.path.join(tmp, "data")
    db = os.path.join(data, "centrallog.db")
    con = make_v2(db, 500)
    con.close()
    env = {"CENTRALLOG_CRASH_AT": step} if step else {}
    if refused:
        # M2's move refused as a reader of the old file refuses it on
        # Windows (where Wine does not: it lets the file be renamed).
        env["CENTRALLOG_REFUSE"] = "M2:%d" % refused
    c = cltest.Collector(*cltest.NO_RATE_LIMIT, data_dir=data, env=env, start=False)
    with c:
        if step:
            try:
                c.start()
            except AssertionError:
                pass
            if c.running():
                c.stop()
                cltest.not_checked("%s: no crash (a build without CL_TESTING?)" % step)
                return
            check("aborting before %s" % step in c.stderr(), "aborted at " + step)
            c.env = {}
        c.start()
        with c.connect() as k:
            k.send(cltest.entry("new"))
            k.sync()
        wait_sealed(c)
        rows = check_layout(c)
        eq(len(rows), 2, "the migrated partition and the live one")
        check_sealed(rows[0]["abspath"], rows[0])
        eq((rows[0]["first_id"], rows[0]["last_id"], rows[0]["entries"], rows[0]["rejects"]),
           (1, 500, 500, 1), "the migrated partition's row")
        eq(c.query("SELECT id FROM entries WHERE msg = 'new'"), [(501,)], "ids continue")
        eq(c.query("SELECT id FROM rejects ORDER BY id"), [(1,)], "the old reject")
        eq(len(c.msgs()), 501, "every entry once")
        c.stop()


def test_migrate_v2():
    migration_case()


def test_migrate_m2_refused():
    """M2 refused 5 times (200 ms apart): the start waits and migrates, as
    test_migrate_v2; without the retry the collector would exit at once."""
    migration_case(refused=5)


def test_migrate_crash_m1():
    migration_case("M1")


def test_migrate_crash_m2():
    migration_case("M2")


def test_migrate_crash_m3():
    migration_case("M3")


if __name__ == "__main__":
    cltest.main("test_partitions", [test_rotations_under_load, test_fts_off, test_rotate_age, test_crash_r1,
                                    test_crash_r2, test_crash_r3, test_crash_s1, test_crash_s2,
                                    test_crash_s3, test_crash_s4, test_migrate_v2,
                                    test_migrate_crash_m1, test_migrate_crash_m2,
                                    test_migrate_crash_m3, test_migrate_m2_refused,
                                    test_live_range])
