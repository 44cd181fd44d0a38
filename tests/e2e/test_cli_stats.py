#!/usr/bin/python3
"""End-to-end: `centrallog stats`.

Asserts:
* on 4,000 entries over three days sent through a collector, the counts of
  `stats -o json --top 0` - total, by level, by app and host (with their
  levels), per minute/hour/day interval, and the rejected lines - equal
  direct SQL counts, for each filter, in UTC and in a +05:30 zone (local
  days), whether the scan runs in one part or split across cores;
* the text report and the bar chart print exactly their golden files
  (tests/golden/stats/), also coloured and without UTF-8;
* bad arguments: one line naming the option, exit 2.
"""

import datetime
import json
import os
import random
import shutil
import sqlite3
import subprocess
import time

import cltest
from cltest.db import live_file
from cltest import check, eq
from cli_data import US, golden, run_ok, usage_error
import cli_data

LEVELS = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
          "trace"]
APPS = ["billing", "web-1", "web-2", "web-3", "auth", "cron", "search", "mailer"]
HOSTS = ["web-01", "web-02", "db-01", "db-02", "batch"]
T0 = 1795651200 * US  # 2026-11-26T00:00:00Z
SPAN = 3 * 86400 * US

TMP = None
RANDOM_DB = None
KNOWN = None


def setup():
    global TMP, RANDOM_DB, KNOWN
    TMP = cltest.make_tempdir("cl-stats-")
    rnd = random.Random(4)
    entries = []
    for i in range(4000):
        e = cltest.entry("msg %d %s" % (i, rnd.choice(["disk full", "ok", "timeout", "Disk"])),
                         app=rnd.choice(APPS), level=rnd.choice(LEVELS),
                         host=rnd.choice(HOSTS), ts=(T0 + rnd.randrange(SPAN)) / US)
        if i % 3 == 0:
            e["fields"] = {"shard": i % 4}
        entries.append(e)
    with cltest.Collector(*cli_data.NO_RATE_LIMIT, *cltest.ANY_TS) as c:
        with c.connect() as k:
            k.send(entries + [b"garbage\n"] * 7)
            ack = k.sync()
        eq(ack["accepted"], 4000, "entries accepted")
        c.stop()
        RANDOM_DB = os.path.join(TMP, "random.db")
        # The live partition holds every row: one database file, as the
        # SQL the counts are checked against needs.
        shutil.copy(live_file(c.db), RANDOM_DB)
    _, KNOWN = cli_data.build_known_db(TMP)


def sql(db, q, params=()):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute(q, params).fetchall()
    finally:
        con.close()


def levels_of(rows):
    d = {n: 0 for n in LEVELS}
    for lv, n in rows:
        d[LEVELS[lv]] = n
    return d


def check_stats(db, args, where, params, unit, offset_s=0, what=""):
    """stats -o json ARGS against SQL over WHERE; intervals of UNIT in a
    zone OFFSET_S seconds east of UTC (a fixed offset)."""
    env = {"TZ": "<+0530>-5:30"} if offset_s else {}
    out = json.loads(run_ok(["stats", "-o", "json", "--top", "0", "--by", unit] + args, db, env))
    what = what or " ".join(args)
    w = " WHERE " + where if where else ""
    total = sql(db, "SELECT count(*) FROM entries" + w, params)[0][0]
    eq(out["total"], total, what + ": total")
    eq(out["levels"], levels_of(sql(db, "SELECT level, count(*) FROM entries%s GROUP BY level"
                                    % w, params)), what + ": levels")
    for col, key in (("app", "apps"), ("host", "hosts")):
        want = {}
        for name, lv, n in sql(db, "SELECT %s, level, count(*) FROM entries%s GROUP BY 1, 2"
                               % (col, w), params):
            want.setdefault(name, {l: 0 for l in LEVELS})[LEVELS[lv]] = n
        got = {o[col]: o["levels"] for o in out[key]}
        eq(got, want, "%s: %s with levels" % (what, key))
        eq([o["count"] for o in out[key]], sorted((sum(v.values()) for v in want.values()),
                                                  reverse=True), what + ": " + key + " order")
        eq(out[key + "_total"], len(want), what + ": number of " + key)
    width = {"minute": 60, "hour": 3600, "day": 86400}[unit] * US
    off = offset_s * US
    want = {}
    for b, lv, n in sql(db, "SELECT (ts + ?) / ? * ? - ?, level, count(*) FROM entries%s "
                        "GROUP BY 1, 2" % w, (off, width, width, off) + tuple(params)):
        want.setdefault(b, {l: 0 for l in LEVELS})[LEVELS[lv]] = n
    got = {}
    starts = []
    for iv in out["intervals"]:
        start = cli_data_us(iv["start"])
        starts.append(start)
        eq(sum(iv["levels"].values()), iv["count"], what + ": interval count")
        if iv["count"]:
            got[start] = iv["levels"]
    eq(got, want, what + ": per " + unit)
    eq(starts, sorted(starts), what + ": intervals in order")
    if len(starts) > 1:
        eq({b - a for a, b in zip(starts, starts[1:])}, {width}, what + ": contiguous intervals")
    return out


def cli_data_us(s):
    d = datetime.datetime.strptime(s[:-1], "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * US + d.microsecond


def test_counts_match_sql():
    db = RANDOM_DB
    day = T0 + 86400 * US
    check_stats(db, [], "", (), "day")
    check_stats(db, [], "", (), "hour")
    check_stats(db, ["-S", "@%d" % (day // US), "-U", "@%d" % (day // US + 86400)],
                "ts >= ? AND ts < ?", (day, day + 86400 * US), "hour")
    check_stats(db, ["-S", "@%d" % (day // US), "-U", "@%d" % (day // US + 1800)],
                "ts >= ? AND ts < ?", (day, day + 1800 * US), "minute")
    check_stats(db, ["-p", "warning"], "level <= 4", (), "day")
    check_stats(db, ["-p", "debug..notice", "--utc"], "level BETWEEN 5 AND 7", (), "hour")
    check_stats(db, ["-t", "web-*"], "app GLOB 'web-*'", (), "day")
    check_stats(db, ["--host", "db-0?", "-t", "auth", "-t", "cron"],
                "host GLOB 'db-0?' AND app IN ('auth', 'cron')", (), "hour")
    check_stats(db, ["--field", "shard=2"], "json_extract(fields, '$.shard') = 2", (), "day")
    # --grep (one part, the full-text union) against the same words by SQL.
    check_stats(db, ["--words", "disk full"], "msg LIKE '%disk full'", (), "day")
    check_stats(db, ["--words", "disk", "-S", "@%d" % (day // US)],
                "(msg LIKE '%disk full' OR msg LIKE '% Disk') AND ts >= ?", (day,), "hour")
    check_stats(db, ["--words", "Disk"], "msg LIKE '% Disk' AND instr(msg, 'Disk') > 0", (), "day")
    # Local days in a +05:30 zone start at 18:30Z.
    check_stats(db, [], "", (), "day", offset_s=19800, what="local days")
    check_stats(db, ["-S", "2026-11-27", "-U", "2026-11-28"], "ts >= ? AND ts < ?",
                (T0 + 86400 * US - 19800 * US, T0 + 2 * 86400 * US - 19800 * US), "hour",
                offset_s=19800, what="a local day by hour")
    out = json.loads(run_ok(["stats", "-o", "json"], db))
    eq(out["rejected"], 7, "rejected lines")
    eq(out["rejected"], sql(db, "SELECT count(*) FROM rejects")[0][0], "rejected = SQL")
    eq(len(out["apps"]), 8, "--top default lists all 8 apps (at most 10)")
    out = json.loads(run_ok(["stats", "-o", "json", "--top", "3"], db))
    eq(len(out["apps"]), 3, "--top 3")
    eq(out["apps_total"], 8, "apps_total with --top 3")


def test_empty_range():
    out = json.loads(run_ok(["stats", "-o", "json", "-S", "2030-01-01T00:00:00Z", "-U",
                             "2030-01-01T01:00:00Z"], RANDOM_DB))
    eq((out["total"], out["first"], out["last"], out["apps"], out["interval"]),
       (0, None, None, [], "minute"), "an empty range")
    eq(len(out["intervals"]), 60, "one interval per minute, all zero")
    eq(run_ok(["stats", "-S", "2030-01-01T00:00:00Z", "-U", "2030-01-01T01:00:00Z", "--utc"],
              RANDOM_DB),
       b"0 entries since 2030-01-01T00:00:00.000000Z, before 2030-01-01T01:00:00.000000Z\n"
       b"0 lines rejected in that time (see centrallog rejects)\n", "text of an empty range")


def test_goldens():
    day = ["-S", "2026-11-27", "-U", "2026-11-28"]
    golden("stats/day-by-hour", ["stats", "--by", "hour", "--width", "80"] + day, KNOWN)
    golden("stats/minutes", ["stats", "--by", "minute", "-S", "2026-11-27T09:55:00Z", "-U",
                             "2026-11-27T10:12:00Z", "--width", "60"], KNOWN)
    golden("stats/minutes-color", ["stats", "--by", "minute", "-S", "2026-11-27T09:55:00Z", "-U",
                                   "2026-11-27T10:12:00Z", "--width", "60", "--color=always"],
           KNOWN)
    if not cli_data.WINDOWS:  # no locale codeset there: output is always UTF-8
        golden("stats/minutes-ascii", ["stats", "--by", "minute", "-S", "2026-11-27T09:55:00Z",
                                       "-U", "2026-11-27T10:12:00Z", "--width", "60"], KNOWN,
               {"LC_ALL": "C"})
    golden("stats/all-auto", ["stats", "--top", "3"], KNOWN)
    golden("stats/filtered", ["stats", "-p", "warning", "-t", "web*", "--by", "day"], KNOWN)
    golden("stats/local-day", ["stats", "--by", "hour", "-S", "2026-11-27 15:00", "-U",
                               "2026-11-27 17:00"], KNOWN, {"TZ": "<+0530>-5:30"})
    golden("stats/json", ["stats", "-o", "json", "--by", "hour", "-S", "2026-11-27T09:00:00Z",
                          "-U", "2026-11-27T12:00:00Z"], KNOWN)


def test_bad_arguments():
    cases = [
        (["stats", "--by", "week"], "centrallog stats: --by: 'week' is not accepted; use "
         "minute, hour or day"),
        (["stats", "--top", "many"], "centrallog stats: --top: 'many' is not a count; use a "
         "number (0 for all)"),
        (["stats", "--width", "20"], "centrallog stats: --width: '20' is not accepted; use "
         "40-1000"),
        (["stats", "-o", "csv"], "centrallog stats: -o/--output: 'csv' is not a format; use "
         "text or json"),
        (["stats", "-S", "noon"], "centrallog stats: -S/--since: 'noon' is not a time; use RFC "
         "3339 (2026-11-27T10:00:00Z), '2026-11-27 10:00', 10:00, -1h, '30m ago', now, today, "
         "yesterday or @EPOCH"),
        (["stats", "-n", "5"], "centrallog stats: unknown option '-n'; see --help"),
        (["stats", "--by", "minute", "-S", "2026-01-01T00:00:00Z", "-U", "2026-02-01T00:00:00Z"],
         "centrallog stats: --by minute: the range needs more than 2000 bars; narrow -S/-U or "
         "use a larger --by"),
    ]
    for args, msg in cases:
        usage_error(args, msg, KNOWN)


def test_full_output():
    """stdout on a full disk: a clear error and exit 1, not silence."""
    with open("/dev/full", "wb") as full:
        p = subprocess.run([cli_data.CLI, "stats"], stdout=full, stderr=subprocess.PIPE,
                           env=cli_data.cli_env(KNOWN), timeout=60)
    eq((p.returncode, p.stderr.decode()),
       (1, "centrallog stats: cannot write the output: No space left on device\n"),
       "stats > /dev/full")


def test_lookalike_app_escaped():
    """The per-app table names an app as every line does (plain ASCII, the
    rest escaped): a look-alike name cannot pose as another app's row."""
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        with c.connect() as k:
            k.send(cltest.entry("forged", app="sshd\uff3b1\uff3d\u2236 root"))
            k.sync()
        out = run_ok(["stats"], c.db).decode()
    rows = [ln for ln in out.splitlines() if ln.startswith("  sshd")]
    eq(len(rows), 1, "one row for the app in:\n" + out)
    check(rows[0].split()[0] == "sshd\\uff3b1\\uff3d\\u2236\\x20root",
          "the app escaped as a name", rows[0])


def test_auto_bucket():
    """Without --by, the smallest of 1, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12
    hours, 1 or 7 days that draws at most 60 bars; --by is obeyed."""
    t0 = "2026-01-05T00:00:00Z"
    day = 86400
    for hours, unit, count, bars in [(1, "minute", 1, 60), (2, "minute", 5, 24),
                                     (3, "minute", 5, 36), (5, "minute", 5, 60),
                                     (6, "minute", 10, 36), (24, "minute", 30, 48),
                                     (48, "hour", 1, 48), (7 * 24, "hour", 3, 56),
                                     (30 * 24, "hour", 12, 60), (60 * 24, "day", 1, 60),
                                     (365 * 24, "day", 7, 53)]:
        until = "@%d" % (1767571200 + hours * 3600)
        out = json.loads(run_ok(["stats", "-o", "json", "--utc", "-S", t0, "-U", until],
                                RANDOM_DB))
        eq((out["interval"], out["interval_count"], len(out["intervals"])), (unit, count, bars),
           "%d hours" % hours)
        if count > 1 and unit != "day":
            eq(out["intervals"][1]["start"][11:16], "00:%02d" % count if unit == "minute"
               else "%02d:00" % count, "buckets on the clock")
    # Relative: -S -3h is cut anywhere; 5-minute buckets, at most 37 of them,
    # over entries of the last three hours (the chart ends at the last one).
    recent = os.path.join(TMP, "recent.db")
    shutil.copy(RANDOM_DB, recent)
    con = sqlite3.connect(recent, isolation_level=None)
    now = int(time.time() * 1000000)
    con.executemany("INSERT INTO entries (ts, received, level, app, host, msg) VALUES "
                    "(?, ?, 6, 'recent', 'h', 'm')",
                    [(now - 10790 * 1000000, now), (now - 60 * 1000000, now)])
    con.close()
    out = json.loads(run_ok(["stats", "-o", "json", "-S", "-3h"], recent))
    eq((out["interval"], out["interval_count"]), ("minute", 5), "-S -3h")
    check(36 <= len(out["intervals"]) <= 37, "-S -3h: %d bars" % len(out["intervals"]))
    text = run_ok(["stats", "-S", "-3h"], recent).decode()
    check("\nEntries per 5 minutes (" in text, "the chart's title", text)
    out = json.loads(run_ok(["stats", "-o", "json", "-S", "-3h", "--by", "minute"], recent))
    eq((out["interval"], out["interval_count"]), ("minute", 1), "--by minute")
    check(179 <= len(out["intervals"]) <= 181, "--by minute: every minute: %d"
          % len(out["intervals"]))


TESTS = [test_auto_bucket, test_lookalike_app_escaped, test_counts_match_sql, test_empty_range, test_goldens, test_bad_arguments,
         test_full_output]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_stats", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
