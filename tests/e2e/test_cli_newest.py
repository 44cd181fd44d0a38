#!/usr/bin/python3
"""End-to-end: "the newest N" with a search (`-n N -g RE`, `-n N --words W`,
`-r --limit N`, `tail`) answers from a newest-first walk of the time index
when the term is frequent, and from the full-text index when it is rare -
with the very bytes the full listing gives.

20,000 entries whose times are not in id order (every 7th arrived 10
minutes late, every 11th shares the time of the one before), over one
single database with the trigram index and over a data directory of 3
closed partitions and a live one. Terms: frequent (a third of the rows),
medium (1 in 500), rare (1 in 3,000), an exact-case word, a regex with
alternation; with and without a time range and other filters; -n from 1
to 300 (the walk's budget, CLI_NEWEST_ROWS, is 4,100 rows for -n 1 and
more than all rows for -n 300: each of its three outcomes is met).

Asserts:
* `query ARGS -n N` prints exactly the last N lines of `query ARGS`,
  `query ARGS -r --limit N` (and -r -n N) the first N of `query ARGS -r`,
  `tail -n N --limit N ARGS` (following) the same as `query -n N ARGS`, in every output format
  tried; one database and the partitions agree byte for byte;
* --explain: a frequent term's -n 20 walks the time index (entries_ts, no
  entries_tri, no MATCH), a rare term's keeps the trigram index.
"""

import os
import shutil
import sqlite3

import cltest
from cltest import check, eq
from cltest import partitions as P
from cli_data import US, run, run_ok

T0 = 1795651200 * US  # 2026-11-26T00:00:00Z
N = 20000
BOUNDS = [5001, 10001, 15001]  # 3 closed partitions, the live one from 15001

TMP = SINGLE = CATALOG = None


def message(i):
    if i % 3000 == 7:
        return "kernel panic in worker %d" % i
    if i % 500 == 3:
        return "payment declined for order %d" % i
    if i % 3 == 0:
        return "connection timeout to db-%d after %d ms" % (i % 7, i % 997)
    if i % 3 == 1:
        return "Cache miss key=session:%d" % i
    return "request handled status=200 n=%d" % i


def ts_of(i):
    t = T0 + i * 30 * US
    if i % 11 == 0:
        t = T0 + (i - 1) * 30 * US  # the same time as the one before
    if i % 7 == 0:
        t -= 600 * US  # arrived 10 minutes late
    return t


def entries():
    return [{"id": i, "ts": ts_of(i), "received": T0 + i * 30 * US + 5,
             "level": 6 if i % 5 else 3, "app": "app-%d" % (i % 4), "host": "h",
             "msg": message(i), "peer_pid": 1, "peer_uid": 1000, "peer_gid": 1000}
            for i in range(1, N + 1)]


def add_trigram(path):
    """-g's trigram index as sealing builds it, on a single database."""
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE entries_tri USING fts5 (msg, content = 'entries', "
                "content_rowid = 'id', tokenize = 'trigram', detail = none)")
    con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('rebuild')")
    con.execute("INSERT INTO meta (key, value) VALUES ('tri_indexed_upto', ?)", (N,))
    con.commit()
    con.close()


def setup():
    global TMP, SINGLE, CATALOG
    TMP = cltest.make_tempdir("cl-newest-")
    SINGLE = os.path.join(TMP, "single.db")
    P.make_single(SINGLE, entries())
    data = os.path.join(TMP, "data")
    P.split(SINGLE, data, BOUNDS)
    CATALOG = os.path.join(data, P.CATALOG)
    add_trigram(SINGLE)


DAY = ["-S", "@%d" % ((T0 + 4000 * 30 * US) // US), "-U", "@%d" % ((T0 + 16000 * 30 * US) // US)]
SEARCHES = [
    ["-g", "timeout"],            # frequent: the walk finds N at once
    ["--words", "timeout"],
    ["-g", "declined|panic"],     # medium
    ["--words", "declined"],
    ["-g", "panic"],              # rare: the walk gives up, the index answers
    ["--words", "panic"],
    ["--words", "Cache"],         # exact case
    ["--words", "cache"],
    ["-g", "CACHE"],              # exact case: nothing
    ["-g", "timeout"] + DAY,      # with a time range
    ["--words", "panic"] + DAY,
    ["-g", "timeout", "-t", "app-1", "-p", "err"],
    ["-g", "timeout", "-t", "app-[12]"],   # no index in time order: the walk by id
    ["--words", "declined", "-p", "err"],
    ["-g", "timeout", "--field", "k=v"],  # the other filters match nothing
]


def lines(b):
    return b.splitlines(keepends=True)


def listed(args, db):
    """centrallog ARGS's output; -g that lists nothing exits 1 (as
    journalctl -g), everything else 0."""
    rc, out, err = run(args, db)
    eq((rc, err), (1 if "-g" in args and out == b"" else 0, ""), "centrallog %s" % args)
    return out


def test_last_n():
    """-n N: the last N lines of the full listing, one database and partitions."""
    for db in (SINGLE, CATALOG):
        for s in SEARCHES:
            full = lines(listed(["query"] + s, db))
            for n in (1, 7, 20, 41, 300):
                got = listed(["query"] + s + ["-n", str(n)], db)
                eq(got, b"".join(full[-n:]), "%s: query %s -n %d" % (db, s, n))
    for s in SEARCHES:
        eq(listed(["query"] + s + ["-n", "20"], CATALOG),
           listed(["query"] + s + ["-n", "20"], SINGLE), "partitions and one database: %s" % s)


def test_reverse_limit():
    """-r --limit N and -r -n N: the first N lines of the full -r listing."""
    for db in (SINGLE, CATALOG):
        for s in SEARCHES:
            full = lines(listed(["query", "-r"] + s, db))
            for n in (1, 20, 300):
                eq(listed(["query", "-r", "--limit", str(n)] + s, db), b"".join(full[:n]),
                   "%s: -r --limit %d %s" % (db, n, s))
                eq(listed(["query", "-r", "-n", str(n)] + s, db), b"".join(full[:n]),
                   "%s: -r -n %d %s" % (db, n, s))


def test_formats_and_tail():
    """JSON and CSV, and `tail`, the same as the full listing's last N."""
    for db in (SINGLE, CATALOG):
        for fmt in ("ndjson", "csv"):
            s = ["-g", "timeout|declined", "-o", fmt]
            full = lines(run_ok(["query"] + s, db))
            body = full[1:] if fmt == "csv" else full
            got = lines(run_ok(["query", "-n", "25"] + s, db))
            eq(got[1:] if fmt == "csv" else got, body[-25:], "%s: %s -n 25" % (db, fmt))
        # tail follows: --limit ends it after the first listing.
        for s in (["--words", "timeout"], ["-g", "panic|declined"]):
            eq(run_ok(["tail", "-n", "15", "--limit", "15"] + s, db),
               run_ok(["query", "-n", "15"] + s, db), "%s: tail %s" % (db, s))


def test_explain():
    """A frequent term's -n 20 walks the time index; a rare term's keeps the
    trigram index; without -n the index answers."""
    out = run_ok(["query", "--explain", "-g", "timeout", "-n", "20"], SINGLE).decode()
    check("entries_ts" in out and "entries_tri" not in out and "MATCH" not in out,
          "frequent: the time index, walked newest first", out)
    out = run_ok(["query", "--explain", "--words", "timeout", "-n", "20"], SINGLE).decode()
    check("entries_fts" not in out and "cl_grep_unindexed(msg)" in out,
          "frequent words: the time index", out)
    out = run_ok(["query", "--explain", "-g", "panic", "-n", "20"], SINGLE).decode()
    check("SCAN entries_tri VIRTUAL TABLE" in out, "rare: the trigram index", out)
    out = run_ok(["query", "--explain", "-g", "timeout"], SINGLE).decode()
    check("SCAN entries_tri VIRTUAL TABLE" in out, "no -n: the trigram index", out)


TESTS = [test_last_n, test_reverse_limit, test_formats_and_tail, test_explain]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_newest", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
