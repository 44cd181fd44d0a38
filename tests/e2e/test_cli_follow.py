#!/usr/bin/python3
"""End-to-end: following (`centrallog tail`, `centrallog query -f`) against a
live collector.

Asserts:
* tail prints the last 10 (or -n N; with -S every entry since then, with
  -e the last 1000, as journalctl) entries, then each new entry once it is
  committed, within the poll interval (200 ms; asserted < 1 s per entry on
  a loaded machine, the median reported);
* filters apply to followed entries (level, app glob, full-text words with
  smart case, fields);
* 30,000 entries in bursts, with checkpoints forced from outside (TRUNCATE)
  meanwhile, arrive exactly once each and in order;
* the follower survives a collector restart, and a database replaced by a
  new file at the same path (it starts over with the new file's entries);
* a version 1 database migrated in place while followed: new rows show
  their peer_sid (the poll statement is rebuilt for the new columns);
* Ctrl-C (SIGINT) and SIGTERM end it promptly with exit 0 and nothing on
  stderr; -o json is a complete JSON array then; --limit N exits after N.
"""

import json
import os
import signal
import sqlite3
import statistics
import time

import cltest
from cltest import check, eq
from cli_data import Follower, NO_RATE_LIMIT


def send(c, *msgs, **kw):
    with c.connect() as k:
        k.send([cltest.entry(m, **kw) for m in msgs])
        k.sync()


def started(c, args, sentinel, **kw):
    """A follower that has taken its first snapshot: sentinel (an entry
    matching its filters) is sent first and must be its one initial line."""
    send(c, sentinel, **kw)
    f = Follower(list(args) + ["-n", "1", "-o", "cat"], c.db)
    eq(f.line(), sentinel, "the follower's first line")
    return f


def stop_clean(f, sig=signal.SIGINT):
    rc, rest, err, took = f.stop(sig)
    eq(rc, 0, "exit status after signal %d" % sig)
    eq(err, "", "stderr after signal %d" % sig)
    check(took < 2.0, "exited %.2fs after the signal" % took)
    return rest


def test_tail_then_follow():
    with cltest.Collector() as c:
        send(c, *["old %d" % i for i in range(15)])
        with Follower(["tail", "-o", "cat"], c.db) as f:
            eq(f.lines(10), ["old %d" % i for i in range(5, 15)], "the last 10 first")
            f.quiet(0.5)
            lat = []
            for i in range(10):
                send(c, "new %d" % i)
                t0 = time.monotonic()
                eq(f.line(5), "new %d" % i, "followed entry")
                lat.append(time.monotonic() - t0)
            print("    follow latency after the ack: median %.0f ms, max %.0f ms"
                  % (statistics.median(lat) * 1000, max(lat) * 1000))
            check(max(lat) < 1.0, "each entry shown within 1 s", lat)
            eq(stop_clean(f), b"", "nothing after Ctrl-C")
        with Follower(["query", "-f", "-n", "2", "-o", "cat"], c.db) as f:
            eq(f.lines(2), ["new 8", "new 9"], "query -f -n 2")
            send(c, "after")
            eq(f.line(), "after", "query -f follows")
            stop_clean(f, signal.SIGTERM)
        with Follower(["tail", "-n", "all", "-o", "cat"], c.db) as f:
            eq(f.lines(26), ["old %d" % i for i in range(15)] + ["new %d" % i for i in range(10)]
               + ["after"], "tail -n all")
            f.quiet(0.3)
            stop_clean(f)


def test_since_and_pager_end():
    """journalctl's start when following: -S shows every entry since then
    (no last-10 tail), -e its last 1000; -n still says how many."""
    with cltest.Collector() as c:
        send(c, *["old %d" % i for i in range(15)])
        old = ["old %d" % i for i in range(15)]
        for args in (["query", "-f", "-S", "-1h"], ["tail", "-S", "-1h"], ["tail", "-e"],
                     ["query", "-e", "-f"]):
            with Follower(args + ["-o", "cat"], c.db) as f:
                eq(f.lines(15), old, "%s: every entry" % " ".join(args))
                f.quiet(0.3)
                stop_clean(f)
        with Follower(["tail", "-S", "-1h", "-n", "2", "-o", "cat"], c.db) as f:
            eq(f.lines(2), ["old 13", "old 14"], "tail -S -n 2")
            f.quiet(0.3)
            send(c, "new")
            eq(f.line(), "new", "then follows")
            stop_clean(f)


def test_follow_filters():
    with cltest.Collector() as c:
        with started(c, ["tail", "-p", "warning", "-t", "web*", "--words", "Disk"], "Disk start",
                     app="web-0", level="error") as f:
            send(c, "Disk full", app="web-1", level="error")          # yes
            send(c, "Disk full", app="web-1", level="info")           # level
            send(c, "Disk full", app="db", level="error")             # app
            send(c, "disk full", app="web-2", level="error")          # smart case
            send(c, "Diskette", app="web-2", level="error")           # whole words
            send(c, "the Disk is slow", app="web-3", level="warning")  # yes
            eq(f.lines(2), ["Disk full", "the Disk is slow"], "matching entries only")
            f.quiet(0.5)
            stop_clean(f)
        # -g: a regex on each new row (smart case, alternation, anchors).
        with started(c, ["tail", "-g", "timeouts?$|^order"], "start: timeouts") as f:
            send(c, "Connection TIMEOUT")      # yes: no upper-case letter in the pattern
            send(c, "timeout reached")         # $
            send(c, "ORDER 7 shipped")         # yes
            send(c, "reorder")                 # ^
            send(c, "gateway timeouts")        # yes
            eq(f.lines(3), ["Connection TIMEOUT", "ORDER 7 shipped", "gateway timeouts"],
               "-g while following")
            f.quiet(0.5)
            stop_clean(f)
        with started(c, ["tail", "--field", "order=7"], "start", fields={"order": 7}) as f:
            send(c, "a", fields={"order": 6})
            send(c, "b", fields={"order": 7})
            send(c, "c", fields={"order": "7"})
            eq(f.lines(2), ["b", "c"], "--field while following")
            stop_clean(f)


def test_many_and_checkpoints():
    """Bursts of entries while checkpoints truncate the WAL under the
    follower: every entry exactly once, in order."""
    total, burst = 30000, 3000
    with cltest.Collector(*NO_RATE_LIMIT) as c:
        with started(c, ["tail"], "start") as f:
            got = []
            for b in range(total // burst):
                send(c, *["e%05d" % (b * burst + i) for i in range(burst)])
                # A checkpoint from outside, as an operator's sqlite3 might do.
                con = sqlite3.connect(c.db, timeout=30)
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                con.close()
                got += f.lines(burst, timeout=30)
            eq(len(got), total, "entries followed")
            eq(got, ["e%05d" % i for i in range(total)], "every entry once, in order")
            f.quiet(0.5)
            stop_clean(f)


def test_collector_restart():
    with cltest.Collector() as c:
        send(c, "before")
        with Follower(["tail", "-o", "cat"], c.db) as f:
            eq(f.line(), "before", "first entry")
            c.stop()
            f.quiet(1.0)
            check(f.p.poll() is None, "the follower keeps running without a collector")
            c.start()
            send(c, "after restart 1", "after restart 2")
            eq(f.lines(2), ["after restart 1", "after restart 2"], "entries after the restart")
            # And once more, with a kill -9 (no clean shutdown of the WAL).
            c.kill()
            c.start()
            send(c, "after kill")
            eq(f.line(), "after kill", "entry after a kill -9 and restart")
            stop_clean(f)


def test_database_replaced():
    with cltest.Collector() as c:
        send(c, "first file")
        with Follower(["tail", "-o", "cat"], c.db) as f:
            eq(f.line(), "first file", "entry of the first file")
            c.stop()
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(c.db + suffix):
                    os.unlink(c.db + suffix)
            c.start()
            send(c, "second file 1", "second file 2")
            eq(f.lines(2), ["second file 1", "second file 2"], "entries of the new file")
            stop_clean(f)


def test_database_created_empty():
    """The moment a collector starting on a replaced database has created the
    new file and written nothing in it yet, made long: an empty file for
    several polls. The follower waits for it silently (it printed "... is
    an empty file, not a CentralLog database" at every poll: seen under
    load in test_database_replaced), then follows the new file."""
    with cltest.Collector() as c:
        send(c, "first file")
        with Follower(["tail", "-o", "cat"], c.db) as f:
            eq(f.line(), "first file", "entry of the first file")
            c.stop()
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(c.db + suffix):
                    os.unlink(c.db + suffix)
            open(c.db, "wb").close()
            f.quiet(1.0)
            c.start()
            send(c, "second file")
            eq(f.line(), "second file", "entry of the new file")
            eq(stop_clean(f), b"", "nothing more")


def test_json_and_limit():
    with cltest.Collector() as c:
        send(c, "one", "two")
        with Follower(["tail", "-o", "json"], c.db) as f:
            send(c, "three")
            f.until(b'"msg":"three"')
            rest = stop_clean(f, signal.SIGTERM)
            arr = json.loads(rest)
            eq([o["msg"] for o in arr], ["one", "two", "three"], "JSON array after SIGTERM")
        with started(c, ["query", "-f", "--limit", "4"], "start") as f:
            send(c, "a", "b", "c", "d")
            eq(f.lines(3), ["a", "b", "c"], "three more with --limit 4")
            f.p.wait(5)
            eq(f.p.returncode, 0, "exit after --limit")


def test_migrated_while_followed():
    tmp = cltest.make_tempdir("cl-follow-v1-")
    db = os.path.join(tmp, "v1.db")
    try:
        con = sqlite3.connect(db, isolation_level=None)
        with open(os.path.join(cltest.REPO, "tests", "schema", "centrallog-v1.sql")) as f:
            con.executescript(f.read())
        con.execute("PRAGMA user_version = 1")
        con.execute("PRAGMA journal_mode = WAL")
        ins = ("INSERT INTO entries (ts, received, level, app, msg, peer_pid%s) "
               "VALUES (1795774502000000, 1795774502000000, 6, 'a', ?, 7%s)")
        con.execute(ins % ("", ""), ("before",))
        with Follower(["tail", "-o", "ndjson"], db) as f:
            eq(json.loads(f.line())["peer"], {"pid": 7}, "v1 row: no SID")
            # What the collector's migration does, in one transaction.
            con.execute("BEGIN IMMEDIATE")
            con.execute("ALTER TABLE entries ADD COLUMN peer_sid TEXT")
            con.execute("ALTER TABLE rejects ADD COLUMN peer_sid TEXT")
            con.execute("PRAGMA user_version = 2")
            con.execute("COMMIT")
            con.execute(ins % (", peer_sid", ", 'S-1-5-21-1-2-3-1001'"), ("after",))
            row = json.loads(f.line())
            eq((row["msg"], row["peer"]), ("after", {"pid": 7, "sid": "S-1-5-21-1-2-3-1001"}),
               "a row added after the migration, with its SID")
            stop_clean(f)
        con.close()
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = [test_tail_then_follow, test_since_and_pager_end, test_follow_filters, test_many_and_checkpoints,
         test_collector_restart, test_database_replaced, test_database_created_empty,
         test_json_and_limit,
         test_migrated_while_followed]

if __name__ == "__main__":
    cltest.main("cli_follow", TESTS)
