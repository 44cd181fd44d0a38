#!/usr/bin/python3
"""End-to-end: `centrallog stats` reads a sealed partition's counts per hour
(rollup_hour, schema/rollup.sql) where they answer, and its output never
depends on it.

Asserts:
* byte-identical output (text and JSON) over the same 6,000 entries held
  three ways - a single database (always counted row by row), a data
  directory of 4 closed partitions with their rollups and a live one, and
  the same directory with every meta rollup_hour_upto removed (row by row
  again) - for filters the rollup answers (-p, -t, --host, globs) and those
  it does not (--pid, --field, -g, --words), --by minute/hour/day and the
  automatic bucket, ranges that start and end mid-hour and cut partitions
  mid-hour, no range, --top, --utc, and four zones: UTC, a DST change
  (EST5EDT on 2026-11-01), and the half-hour and 45-minute offsets where
  an hour straddles two buckets (the rollup must not be used there);
* the rollup really is what answers: with every rollup count doubled in a
  copy, an hour-aligned --by hour over UTC prints other totals, while the
  cases where it must not be used (minute buckets, +05:30, --pid, -g) print
  the true ones; --explain names rollup_hour there and not without the meta;
* a real collector seals partitions whose rollup_hour equals SELECT
  count(*), min(ts), max(ts) ... GROUP BY hour, level, app, host of their
  entries, with meta rollup_hour_upto = the last id.
"""

import datetime
import os
import random
import shutil
import sqlite3
import subprocess

import cltest
from cltest import check, eq
from cltest import partitions as P
from cltest.db import partitions
from cli_data import CLI, US, run_ok

HOUR = 3600 * US
T0 = 1793318400 * US  # 2026-10-30T00:00:00Z, two days before New York's DST ends
N = 6000
SPAN = 4 * 86400 * US
APPS = ["web", "api", "db-main", "db-replica", "cron"]
HOSTS = ["h1", "h2", "edge-1", None]
BOUNDS = [1201, 2401, 3601, 4801]  # 4 closed partitions and the live one; mid-hour cuts
ZONES = ["UTC", "EST5EDT,M3.2.0,M11.1.0", "<+0530>-5:30", "<+0545>-5:45"]

TMP = SINGLE = DATA = NOROLL = TAMPERED = None


def at(us):
    return "@%d" % (us // US)


def entries():
    rnd = random.Random(10)
    ts = sorted(T0 + rnd.randrange(SPAN) for _ in range(N))
    # Entries exactly at hour starts and just before them: the units' edges.
    for k, h in enumerate(range(5, 90, 7)):
        ts[k * 40] = T0 + h * HOUR
        ts[k * 40 + 1] = T0 + h * HOUR - 1
    ts.sort()
    out = []
    for i, t in enumerate(ts, 1):
        out.append({"id": i, "ts": t, "received": t + 5, "level": rnd.choice(range(9)),
                    "app": rnd.choice(APPS), "host": rnd.choice(HOSTS), "pid": 100 + i % 3,
                    "msg": "request %d %s" % (i, rnd.choice(["ok", "timeout", "slow"])),
                    "fields": '{"k":%d}' % (i % 4), "peer_pid": 1, "peer_uid": 1000,
                    "peer_gid": 1000})
    return out


def setup():
    global TMP, SINGLE, DATA, NOROLL, TAMPERED
    TMP = cltest.make_tempdir("cl-rollup-")
    SINGLE = os.path.join(TMP, "single.db")
    P.make_single(SINGLE, entries())
    data = os.path.join(TMP, "data")
    P.split(SINGLE, data, BOUNDS)
    DATA = os.path.join(data, P.CATALOG)
    for name, sql in (("noroll", "DELETE FROM meta WHERE key = 'rollup_hour_upto'"),
                      ("tampered", "UPDATE rollup_hour SET n = 2 * n")):
        d = os.path.join(TMP, name)
        shutil.copytree(data, d)
        for p in partitions(os.path.join(d, P.CATALOG), states=("closed",)):
            con = sqlite3.connect(p["abspath"])
            con.execute(sql)
            con.commit()
            con.close()
    NOROLL = os.path.join(TMP, "noroll", P.CATALOG)
    TAMPERED = os.path.join(TMP, "tampered", P.CATALOG)


DAY = T0 + 86400 * US
MID = T0 + 30 * HOUR + 17 * 60 * US + 13 * US  # mid-hour, mid-minute


def cases():
    """stats arguments: ranges x buckets x filters."""
    ranges = [
        [],                                                     # everything
        ["-S", at(DAY), "-U", at(DAY + 86400 * US)],            # a whole UTC day
        ["-S", at(MID), "-U", at(MID + 41 * HOUR)],             # both ends mid-hour
        ["-S", at(T0 + 20 * HOUR + 1800 * US)],                 # no -U, mid-hour
        ["-U", at(T0 + 60 * HOUR)],                             # no -S
        ["-S", at(T0 + 3 * HOUR + 600 * US), "-U", at(T0 + 3 * HOUR + 3000 * US)],  # in an hour
        ["-S", at(T0 + 46 * HOUR), "-U", at(T0 + 52 * HOUR)],   # a 6 h range: 10-minute bars
    ]
    buckets = [[], ["--by", "hour"], ["--by", "day"]]
    filters = [[], ["-p", "warning"], ["-p", "err..info"], ["-t", "db-*"], ["--host", "h1"],
               ["-t", "web", "-t", "api", "--host", "h*"], ["-p", "debug", "--host", "edge-1"]]
    for r in ranges:
        for b in buckets:
            for f in filters:
                yield r + b + f
    # Minute bars, and filters the rollup cannot answer.
    few = ["-S", at(MID), "-U", at(MID + 5 * HOUR)]
    yield few + ["--by", "minute"]
    yield few + ["--by", "minute", "-t", "cron"]
    for f in (["--pid", "101"], ["--field", "k=2"], ["-g", "time"], ["--words", "slow"]):
        yield ["--by", "hour"] + f
        yield ["-S", at(DAY), "-U", at(DAY + 86400 * US), "--by", "hour", "-p", "info"] + f


def test_identical():
    """Rollup-served output = row-by-row output, byte for byte, in 4 zones."""
    n = 0
    for tz in ZONES:
        env = {"TZ": tz}
        served = 0  # cases the (doubled) rollup answered in part
        for args in cases():
            for fmt in ([], ["-o", "json", "--top", "0"]):
                a = ["stats", "--no-pager"] + args + fmt
                want = run_ok(a, SINGLE, env)
                eq(run_ok(a, NOROLL, env), want, "no rollup meta, TZ=%s: %s" % (tz, a))
                eq(run_ok(a, DATA, env), want, "rollups, TZ=%s: %s" % (tz, a))
                if not fmt:
                    served += run_ok(a, TAMPERED, env) != want
                n += 1
        # Whole-hour zones: most cases read rollups; the others: none.
        if tz in ZONES[:2]:
            check(served > 100, "TZ=%s: cases served by rollups" % tz, served)
        else:  # only the day bars of the 6-hour range, which holds no local midnight
            eq(served, 7, "TZ=%s: cases served by rollups" % tz)
    a = ["stats", "--no-pager", "--utc", "--by", "hour", "-S", "2026-10-31T00:00:00Z"]
    eq(run_ok(a, DATA, {"TZ": "<+0530>-5:30"}), run_ok(a, SINGLE, {"TZ": "<+0530>-5:30"}),
       "--utc in a half-hour zone")
    check(n > 600, "cases run", n)


def total_of(args, db, tz="UTC"):
    out = run_ok(["stats", "--no-pager", "-o", "json"] + args, db, {"TZ": tz}).decode()
    import json
    return json.loads(out)["total"]


def test_rollup_is_read():
    """A copy whose rollup counts are doubled shows where they are read."""
    day = ["-S", at(DAY), "-U", at(DAY + 86400 * US)]
    true_total = sum(1 for e in entries() if DAY <= e["ts"] < DAY + 86400 * US)
    eq(total_of(day + ["--by", "hour"], SINGLE), true_total, "the day's entries")
    eq(total_of(day + ["--by", "hour"], TAMPERED), 2 * true_total, "whole hours from the rollup")
    eq(total_of(day + ["--by", "day", "-t", "web"], TAMPERED),
       2 * total_of(day + ["-t", "web"], SINGLE), "-t from the rollup")
    # Mid-hour edges are rows: between the doubled and the true count.
    mid = ["-S", at(MID), "-U", at(MID + 5 * HOUR), "--by", "hour"]
    got, want = total_of(mid, TAMPERED), total_of(mid, SINGLE)
    check(want < got < 2 * want, "edges by rows, whole hours by rollup", (got, want))
    for args, tz in [(day + ["--by", "minute"], "UTC"), (day + ["--by", "hour"], "<+0530>-5:30"),
                     (day + ["--by", "hour"], "<+0545>-5:45"), (day + ["--pid", "101"], "UTC"),
                     (day + ["-g", "time"], "UTC"), (["-S", at(MID), "-U", at(MID + 2 * HOUR)],
                                                     "UTC")]:
        eq(total_of(args, TAMPERED, tz), total_of(args, SINGLE, tz), "rows: %s %s" % (tz, args))
    q = ["stats", "--explain", "--by", "hour"] + day
    check("rollup_hour" in run_ok(q, DATA).decode(), "--explain names the rollup")
    check("rollup_hour" not in run_ok(q, NOROLL).decode(), "no rollup without its meta key")
    check("rollup_hour" not in run_ok(q + ["--pid", "3"], DATA).decode(), "none for --pid")


def test_sealed_by_collector():
    """The keeper's sealing fills rollup_hour exactly and sets its meta key."""
    # Within the collector's --max-ts-age (7 days): two days ago, on the hour.
    now = datetime.datetime.now(datetime.timezone.utc)
    base = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=2)
    with cltest.Collector("--batch-ms", "5", *cltest.NO_RATE_LIMIT) as c:
        k = 0
        for part in range(2):
            with c.connect() as conn:
                for i in range(700):
                    t = base + datetime.timedelta(seconds=k * 37)
                    conn.send(cltest.entry("m %d" % k, app=APPS[k % 5],
                                           level=["error", "warning", "info", "debug"][k % 4],
                                           host=["h1", "h2"][k % 2],
                                           ts=t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
                    k += 1
                conn.sync()
            r = subprocess.run([CLI, "--address", c.sock, "rotate"], capture_output=True)
            check(r.returncode == 0, "rotate", r.stderr)
            cltest.wait_for(lambda: all(p["state"] in ("live", "closed")
                                        for p in partitions(c.db)),
                            "every rotated partition sealed", timeout=120)
        closed = partitions(c.db, states=("closed",))
        eq(len(closed), 2, "two sealed partitions: %s" % closed)
        for p in closed:
            con = sqlite3.connect("file:%s?mode=ro&immutable=1" % p["abspath"], uri=True)
            try:
                eq(con.execute("SELECT value FROM meta WHERE key = 'rollup_hour_upto'")
                   .fetchone()[0], p["last_id"], "rollup_hour_upto of " + p["path"])
                got = con.execute("SELECT start, level, app, host, n, min_ts, max_ts "
                                  "FROM rollup_hour ORDER BY 1, 2, 3, 4").fetchall()
                want = con.execute("SELECT ts / 3600000000 * 3600000000 AS h, level, app, host, "
                                   "count(*), min(ts), max(ts) FROM entries "
                                   "GROUP BY h, level, app, host ORDER BY 1, 2, 3, 4").fetchall()
                eq(got, want, "rollup_hour of " + p["path"])
                check(len(want) > 40 and sum(r[4] for r in got) == p["entries"] == 700,
                      "every entry counted once", (len(want), p["entries"]))
            finally:
                con.close()
        start = int(base.timestamp()) * US
        day = ["--by", "hour", "-S", at(start), "-U", at(start + 86400 * US)]
        check("rollup_hour" in run_ok(["stats", "--explain"] + day, c.db).decode(),
              "stats reads the collector's rollups")
        eq(total_of(day, c.db), 1400, "stats counts every entry")
        c.stop()


TESTS = [test_identical, test_rollup_is_read, test_sealed_by_collector]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_rollup", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
