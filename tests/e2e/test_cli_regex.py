#!/usr/bin/python3
"""End-to-end: `centrallog -g PATTERN`, a PCRE2 regular expression on the
message as journalctl means it, and `--words`, the whole-word search that -g
used to be.

Asserts, with exact counts (3,000 entries, 12 messages 250 times each) and
the ids Python's re selects from the same rows:
* smart case (an upper-case letter makes the pattern exact),
  --case-sensitive[=yes|no] either way, alternation, anchors, a pattern
  without literal text, Unicode (caseless é/É, ü), a time range;
* the same answer over a data directory of 3 closed partitions with the
  trigram index, 1 closed partition sealed before it existed (no
  entries_tri: searched row by row) and a live one (no index at all), as
  over one single database without any trigram index - byte for byte;
* --explain: the trigram index drives a pattern with literal text and no
  full scan, a pattern without it is tested on every row;
* a bad pattern: exit 2 with PCRE2's message and offset; -g with --words,
  --case-sensitive=maybe, an empty --words: exit 2;
* test_exit_status: -g that lists nothing exits 1 (journalctl, grep), a
  partial result 4; -g '' matches everything;
* --words keeps its meaning: whole words (timeout is not timeouts);
* a real collector seals partitions with entries_tri complete and
  meta tri_indexed_upto = the last id, and -g counts exactly across them and
  the live partition.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess

import cltest
from cltest import check, eq
from cltest import partitions as P
from cltest.db import partitions
from cli_data import CLI, US, run, run_ok

T0 = 1795651200 * US  # 2026-11-26T00:00:00Z
N = 3000
MSGS = [
    "connection timeout after 30s",
    "Timeouts everywhere",
    "job timed out",
    "order 17 shipped",
    "ORDER cancelled",
    "Disk full on /dev/sda1",
    "disk ok",
    "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e",
    "\u00c9T\u00c9 \u00e0 Z\u00fcrich",
    "payment declined: code=51",
    "user bob logged in",
    "health check ok",
]
BOUNDS = [601, 1201, 1801, 2401]  # 4 closed partitions, the live one from 2401
OLD = 1                           # the second was sealed before entries_tri existed

TMP = SINGLE = CATALOG = None

# (arguments, exact count)
CASES = [
    (["-g", "time"], 750),                       # timeout, Timeouts, timed
    (["-g", "timeout|order"], 1000),             # ... and ORDER: smart case
    (["-g", "Timeout"], 250),                    # an upper-case letter: exact
    (["-g", "^disk"], 500),
    (["-g", "ok$"], 500),
    (["-g", "^[a-z]+ [a-z]+$"], 750),            # no literal text: every row tested
    (["-g", "d.sk f"], 250),
    (["-g", "code=\\d+"], 250),
    (["-g", "cr\u00e8me|z\u00fcrich"], 500),     # Unicode, caseless
    (["-g", "\u00e9t\u00e9"], 250),              # é finds É
    (["-g", "\u00c9T\u00c9"], 250),
    (["-g", "\u00e9t\u00e9", "--case-sensitive"], 0),
    (["-g", "order", "--case-sensitive=yes"], 250),
    (["--case-sensitive=no", "-g", "ORDER"], 500),
    (["-g", "nothing like this"], 0),
    (["-g", "time", "-S", "@%d" % ((T0 + 500 * 30 * US) // US),
      "-U", "@%d" % ((T0 + 2700 * 30 * US) // US)], None),
    (["--words", "timeout"], 250),               # whole words: not "Timeouts"
    (["--words", "Disk"], 250),
    (["--words", "time*"], 750),                 # a prefix: timeout, Timeouts, timed
]


def entries():
    return [{"id": i, "ts": T0 + i * 30 * US, "received": T0 + i * 30 * US + 5,
             "level": 6, "app": "app", "msg": MSGS[i % len(MSGS)], "peer_pid": 1,
             "peer_uid": 1000, "peer_gid": 1000} for i in range(1, N + 1)]


def setup():
    global TMP, SINGLE, CATALOG
    TMP = cltest.make_tempdir("cl-regex-")
    SINGLE = os.path.join(TMP, "single.db")
    P.make_single(SINGLE, entries())
    data = os.path.join(TMP, "data")
    P.split(SINGLE, data, BOUNDS, old_sealed=(OLD,))
    CATALOG = os.path.join(data, P.CATALOG)


def expected_ids(args):
    """The ids Python's re selects: -g's pattern, smart case unless
    --case-sensitive says otherwise, and -S/-U."""
    pat = args[args.index("-g") + 1]
    caseless = not any(c.isupper() for c in pat)
    for a in args:
        if a in ("--case-sensitive", "--case-sensitive=yes"):
            caseless = False
        elif a == "--case-sensitive=no":
            caseless = True
    lo = int(args[args.index("-S") + 1][1:]) * US if "-S" in args else None
    hi = int(args[args.index("-U") + 1][1:]) * US if "-U" in args else None
    rx = re.compile(pat, re.IGNORECASE if caseless else 0)
    return [e["id"] for e in entries() if rx.search(e["msg"])
            and (lo is None or e["ts"] >= lo) and (hi is None or e["ts"] < hi)]


def ids_of(args, db):
    """The ids listed; -g that lists none exits 1 (test_exit_status)."""
    rc, out, err = run(["query", "-o", "ndjson"] + args, db)
    eq((rc, err), (1 if "-g" in args and out == b"" else 0, ""), "query %s" % args)
    return [json.loads(ln)["id"] for ln in out.decode().splitlines()]


def test_counts():
    """Exact counts, the ids re selects, on one database and on partitions."""
    for args, count in CASES:
        got = ids_of(args, CATALOG)
        if count is not None:
            eq(len(got), count, "count of %s" % args)
        if "-g" in args:
            eq(got, expected_ids(args), "ids of %s" % args)
        eq(ids_of(args, SINGLE), got, "%s: one database and partitions agree" % args)
    # The time range case: entries 500..2699 hold 549 of "time".
    eq(len(ids_of(CASES[15][0], CATALOG)), 549, "time within the range")


def test_identical_output():
    """Every format prints the same bytes over partitions as over one database."""
    for args in (["-g", "timeout|order"], ["-g", "^[a-z]+ [a-z]+$", "-o", "json"],
                 ["-g", "\u00e9t\u00e9", "-o", "csv"], ["-g", "time", "-n", "7"],
                 ["-g", "time", "-r", "--limit", "9"]):
        eq(run_ok(["query"] + args, CATALOG), run_ok(["query"] + args, SINGLE),
           "query %s" % args)
    eq(run_ok(["stats", "-g", "time", "-o", "json"], CATALOG),
       run_ok(["stats", "-g", "time", "-o", "json"], SINGLE), "stats -g")


def test_explain():
    """Literal text: the trigram index drives; none: each row is tested."""
    # Only the first partition: -U before the second one's entries.
    until = "@%d" % ((T0 + 300 * 30 * US) // US)
    out = run_ok(["query", "--explain", "-g", "timeout|order", "-U", until], CATALOG).decode()
    check("SCAN entries_tri VIRTUAL TABLE" in out, "trigram index used", out)
    check("cl_grep_unindexed(msg)" in out, "PCRE2 confirms the candidates", out)
    out = run_ok(["query", "--explain", "-g", "^[a-z]+ [a-z]+$", "-U", until], CATALOG).decode()
    check("entries_tri" not in out, "no index for a pattern without literal text", out)
    # The partition sealed before the trigram index: its rows are tested.
    lo = "@%d" % ((T0 + 700 * 30 * US) // US)
    hi = "@%d" % ((T0 + 800 * 30 * US) // US)
    out = run_ok(["query", "--explain", "-g", "timeout", "-S", lo, "-U", hi], CATALOG).decode()
    check("entries_tri" not in out and "cl_grep_unindexed(msg)" in out,
          "an old partition is searched row by row", out)
    eq(len(ids_of(["-g", "timeout", "-S", lo, "-U", hi], CATALOG)), 16, "its matches")


def test_errors():
    """Bad patterns and combinations: one line, exit 2."""
    for args, msg in [
        (["-g", "time(out"], "centrallog query: -g/--grep: bad regular expression 'time(out': "
         "missing closing parenthesis at offset 8"),
        (["-g", "[z-a]"], "centrallog query: -g/--grep: bad regular expression '[z-a]': "
         "range out of order in character class at offset 3"),
        (["--words", "-- !!"], "centrallog query: --words: '--' has no word to search for "
         "(punctuation is not indexed)"),
        (["-g", "x", "--words", "x"], "centrallog query: -g/--grep and --words cannot be "
         "combined; use one of them"),
        (["-g", "x", "--case-sensitive=maybe"], "centrallog query: --case-sensitive: 'maybe' is "
         "not a boolean; use yes or no"),
        (["--words", ""], "centrallog query: --words: empty pattern; give one or more words"),
    ]:
        rc, out, err = run(["query"] + args, CATALOG)
        eq((rc, out, err.splitlines()[0] if err else ""), (2, b"", msg), "query %s" % args)
    rc, out, err = run(["stats", "-g", "a{2,1}"], CATALOG)
    eq((rc, err.splitlines()[0]), (2, "centrallog stats: -g/--grep: bad regular expression "
                                      "'a{2,1}': numbers out of order in {} quantifier at "
                                      "offset 5"), "stats")


def test_exit_status():
    """As journalctl -g ("mimic grep"): -g that lists no entry exits 1, with
    nothing on stdout or stderr, in every format; a partial result still
    exits 4; -g '' matches every message (journalctl's and grep's empty
    pattern). Unchanged: --words, -F/-N, --explain and stats exit 0 when
    nothing matches."""
    before = "@%d" % (T0 // US)  # -U before the first entry
    for db in (SINGLE, CATALOG):
        for fmt in ("short", "cat", "ndjson", "csv"):
            rc, out, err = run(["-g", "nothing like this", "-o", fmt], db)
            eq((rc, out, err), (1, b"id,ts,received,level,app,host,pid,tid,logger,trace_id,"
                                   b"span_id,msg,fields,extra,peer_pid,peer_uid,peer_gid,peer_sid"
                                   b"\n" if fmt == "csv" else b"", ""), "-g no match -o %s" % fmt)
        rc, out, err = run(["-g", "nothing like this", "-o", "json"], db)
        eq((rc, out, err), (1, b"[]\n", ""), "-g no match -o json")
        eq(run(["-g", "timeout", "-U", before], db), (1, b"", ""), "-g: none in the range")
        eq(run(["-g", "timeout", "-n", "1", "-o", "cat"], db),
           (0, b"connection timeout after 30s\n", ""), "-g with a match")
        # The empty pattern: every entry, as without -g; none in range: 1.
        eq(run(["-g", "", "-o", "ndjson"], db), (0, run_ok(["-o", "ndjson"], db), ""), "-g ''")
        eq(run(["-g", "", "-U", before], db), (1, b"", ""), "-g '' and no entry")
        for args in (["--words", "nothing"], ["-g", "nothing", "-F", "app"],
                     ["-g", "nothing", "-N"], ["stats", "-g", "nothing", "-o", "json"]):
            rc, out, err = run(args, db)
            eq((rc, err), (0, ""), "centrallog %s" % " ".join(args))
        rc, out, err = run(["query", "--explain", "-g", "nothing"], db)
        eq((rc, err), (0, ""), "--explain -g")
    # A partition that cannot be read: exit 4 (partial), not 1.
    data = os.path.join(TMP, "partial")
    shutil.copytree(os.path.dirname(CATALOG), data)
    closed = partitions(os.path.join(data, P.CATALOG), states=("closed",))
    os.unlink(closed[0]["abspath"])
    rc, out, err = run(["-g", "nothing like this"], os.path.join(data, P.CATALOG))
    eq((rc, out), (4, b""), "-g no match, a partition missing")
    check("its entries are left out" in err, "the missing partition is named", err)


def test_sealed_by_collector():
    """A collector's sealed partitions carry the trigram index; -g counts
    exactly across them and the live partition."""
    with cltest.Collector("--batch-ms", "5",
                          *cltest.NO_RATE_LIMIT) as c:
        # Two explicit rotations: a size rotation happens between batches,
        # and a fast machine may take all 1200 entries in one batch.
        for half in (range(0, 600), range(600, 1200)):
            with c.connect() as k:
                for i in half:
                    k.send(cltest.entry(MSGS[i % len(MSGS)]))
                k.sync()
            r = subprocess.run([CLI, "--address", c.sock, "rotate"], capture_output=True)
            check(r.returncode == 0, "rotate", r.stderr)
            cltest.wait_for(lambda: all(p["state"] in ("live", "closed")
                                        for p in partitions(c.db, states=("live", "sealing",
                                                                          "closed"))),
                            "every rotated partition sealed", timeout=120)
        with c.connect() as k:
            for i in range(120):
                k.send(cltest.entry(MSGS[i % len(MSGS)]))
            k.sync()
        closed = partitions(c.db, states=("closed",))
        eq(len(closed), 2, "two sealed partitions: %s" % closed)
        for p in closed:
            con = sqlite3.connect("file:%s?mode=ro&immutable=1" % p["abspath"], uri=True)
            try:
                eq(con.execute("SELECT value FROM meta WHERE key = 'tri_indexed_upto'")
                   .fetchone()[0], p["last_id"], "tri_indexed_upto of " + p["path"])
                eq(con.execute("SELECT count(*) FROM entries_tri WHERE entries_tri MATCH "
                               "'\"tim\" AND \"ime\" AND \"meo\"'").fetchone()[0],
                   con.execute("SELECT count(*) FROM entries WHERE msg LIKE '%timeo%'")
                   .fetchone()[0], "trigram rows of " + p["path"])
            finally:
                con.close()
        for args, count in [(["-g", "time"], 330), (["-g", "timeout|order"], 440),
                            (["-g", "Timeout"], 110), (["-g", "^[a-z]+ [a-z]+$"], 330),
                            (["-g", "\u00e9t\u00e9"], 110), (["--words", "timeout"], 110)]:
            eq(len(ids_of(args, c.db)), count, "collector: %s" % args)
        c.stop()


def test_hostile_rows():
    """A producer's long message cannot make -g skip other entries: PCRE2's
    JIT stack (32 KiB by default) ran out on `(a )+!` over a 60 KB
    message, which failed the partition's scan and left out every entry
    after it (exit 4). Each pattern is checked against Python's re on the
    same rows."""
    msgs = ["first entry", "a " * 30000 + "!", "a" * 60000 + "!", "b " * 25000,
            "after the long ones a b", "last"]
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        with c.connect() as k:
            for m in msgs:
                k.send(cltest.entry(m))
            eq(k.sync()["accepted"], len(msgs), "accepted")
        c.stop()
        for pat in [r"^(\w+\s)*!$", r"^(a |b )*(last|after|!)", r"(a|b)*!", r"^(?:(\w)\s?)*$",
                    r"(a )+!"]:
            rc, out, err = run(["-g", pat, "-o", "ndjson", "--no-pager"], c.db)
            eq((rc, err), (0, ""), "-g %r over hostile rows" % pat)
            got = [json.loads(ln)["msg"] for ln in out.decode().splitlines()]
            eq(got, [m for m in msgs if re.search(pat, m)], "-g %r: every matching entry" % pat)


TESTS = [test_counts, test_identical_output, test_explain, test_errors, test_exit_status,
         test_sealed_by_collector, test_hostile_rows]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_regex", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
