#!/usr/bin/python3
"""End-to-end: `centrallog query` (the default command) and `centrallog
rejects` on a database of known content made by a real centrallogd (see
cli_data.py).

Asserts:
* every output format, and every filter alone and combined, prints exactly
  its golden file (tests/golden/query/); the same with local time in a fixed
  zone, with --utc, and with colours;
* --words answers the same whether the full-text index holds every entry,
  none, or half of them (the unindexed tail is searched row by row);
* csv, json, json-pretty and ndjson parsed back with Python's csv and json
  equal the rows read with SQL, field by field, on the unpinned database;
* relative times (-1h, '30m ago', today, yesterday) select the right rows;
* each bad argument: one line naming it and what is accepted, exit 2;
* missing, foreign, newer, empty and non-SQLite databases: a clear line,
  exit 1, the file unchanged; the database file is never modified; a copy in
  a directory the reader cannot write is read as a snapshot, with a note;
* --explain shows the indexes the filters are meant to use;
* a closed pipe (| head -1) ends the output quietly with exit 0;
* --help of every command exits 0 and shows examples.
"""

import csv
import datetime
import fcntl
import io
import json
import os
import shutil
import sqlite3
import stat
import struct
import subprocess
import sys
import termios
import time

import cltest
from cltest.db import copy_data, live_file
from cltest import check, eq
from cli_data import (CLI, ENTRIES, US, golden, run, run_ok, sha256, usage_error, variant)
import cli_data

TMP = None
RAW = None      # the collector's database as it left it
KNOWN = None    # the same with received/peer pinned: the goldens' input

LEVELS = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
          "trace"]

FORMATS = ["short", "short-iso", "json", "json-pretty", "ndjson", "csv", "cat", "short-precise",
           "short-unix", "short-iso-precise", "short-full", "verbose", "export"]

# name -> arguments; each prints tests/golden/query/<name>.out.
FILTERS = [
    ("all", []),
    ("reverse", ["-r"]),
    ("last3", ["-n", "3"]),
    ("last3-reverse", ["-n", "3", "-r"]),
    ("limit2", ["--limit", "2"]),
    ("last5-limit2", ["-n", "5", "--limit", "2"]),
    ("lines0", ["-n", "0"]),
    ("since", ["-S", "2026-11-27T10:05:00Z"]),
    ("until", ["-U", "2026-11-27 10:00:02"]),
    ("since-until", ["-S", "2026-11-27T10:00:00Z", "-U", "2026-11-27T10:02:00Z"]),
    ("since-epoch", ["-S", "@1795779000.5"]),
    ("level-err", ["-p", "err"]),
    ("level-warning", ["-p", "warning"]),
    ("level-range", ["-p", "warning..error"]),
    ("level-debug-trace", ["-p", "trace..debug"]),
    ("level-digit", ["-p", "2"]),
    ("app", ["-t", "billing"]),
    ("app-glob", ["--app", "web-*"]),
    ("app-glob-class", ["--app", "[Ww]eb-[13]"]),
    ("app-multi", ["-t", "auth", "-t", "cron", "-t", "web-?"]),
    ("app-none", ["-t", "nosuchapp"]),
    ("host", ["--host", "db-01"]),
    ("host-glob", ["--host", "web-0[2-9]"]),
    ("pid", ["--pid", "4242"]),
    ("pid-multi", ["--pid", "11", "--pid", "20"]),
    ("grep-word", ["--words", "payment"]),
    ("grep-words", ["--words", "disk full"]),
    ("grep-prefix", ["--words", "conn*"]),
    ("grep-smartcase", ["--words", "Disk"]),
    ("grep-lower", ["--words", "disk"]),
    ("grep-accents", ["--words", "creme facade"]),
    ("grep-punct", ["--words", "db-01"]),
    ("grep-quote", ["--words", '"bob"']),
    ("grep-none", ["--words", "nosuchword"]),
    ("grep-range", ["--words", "payment", "-S", "2026-11-27T10:00:01Z", "-U", "2026-11-27T11:00:00Z"]),
    ("field-number", ["--field", "order=81724"]),
    ("field-nested", ["--field", "http.status=200"]),
    ("field-string", ["--field", "amount=12.50"]),
    ("field-bool", ["--field", "retry=false"]),
    ("field-big", ["--field", "big=18446744073709551615"]),
    ("field-two", ["--field", "user=bob", "--field", "attempts=17"]),
    ("combined", ["-p", "warning", "-t", "web-*", "--host", "web-0?", "-S",
                  "2026-11-27T10:00:00Z", "-U", "2026-11-27T11:00:00Z", "--words", "connection"]),
    ("combined-json", ["-p", "err", "--pid", "4242", "-o", "json-pretty", "-r"]),
]

GREP_CASES = [f for f in FILTERS if "--words" in f[1]]


def setup():
    global TMP, RAW, KNOWN
    TMP = cltest.make_tempdir("cl-query-")
    RAW, KNOWN = cli_data.build_known_db(TMP)


# ---------------------------------------------------------------- goldens

def test_formats():
    for fmt in FORMATS:
        golden("query/format-" + fmt, ["-o", fmt], KNOWN)
    # The default command is query: no subcommand, or options first.
    eq(run_ok([], KNOWN), run_ok(["query"], KNOWN), "centrallog == centrallog query")
    eq(run_ok(["-p", "err"], KNOWN), run_ok(["query", "-p", "err"], KNOWN),
       "options without a command name")
    # Global options before or after the command.
    eq(run_ok(["--db", KNOWN, "query", "-n", "2"]), run_ok(["query", "-n", "2", "--db", KNOWN]),
       "--db before or after")


def test_filters():
    for name, args in FILTERS:
        golden("query/" + name, args, KNOWN)


def test_local_time_and_color():
    zone = {"TZ": "<+0530>-5:30"}
    golden("query/local-short", [], KNOWN, zone)
    golden("query/local-short-iso", ["-o", "short-iso"], KNOWN, zone)
    # A time without an offset is local: 15:30 here is 10:00Z.
    golden("query/local-since", ["-S", "2026-11-27 15:30", "-U", "2026-11-27 15:33"], KNOWN, zone)
    eq(run_ok(["-S", "2026-11-27 15:30", "-U", "2026-11-27 15:33", "--utc"], KNOWN, zone), b"",
       "--utc reads 15:30 as UTC")
    golden("query/utc-short", ["--utc", "-S", "2026-11-27 10:00", "-U", "2026-11-27 10:03"],
           KNOWN, zone)
    # JSON and CSV are UTC whatever the zone.
    for fmt in ("json", "csv"):
        eq(run_ok(["-o", fmt], KNOWN, zone), run_ok(["-o", fmt], KNOWN),
           "-o %s does not depend on TZ" % fmt)
    golden("query/color", ["--color", "always"], KNOWN)
    golden("query/color-cat", ["--color=always", "-o", "cat"], KNOWN)
    # -g's matches highlighted, every one (tests/e2e/test_cli_modes.py has
    # the escapes and a real terminal); verbose has no colours.
    golden("query/color-grep", ["--color=always", "-g", "o|\\x1b"], KNOWN)
    golden("query/color-grep-cat", ["--color=always", "-o", "cat", "-g", "E"], KNOWN)
    eq(run_ok(["--color", "always", "-o", "verbose"], KNOWN), run_ok(["-o", "verbose"], KNOWN),
       "no colour in verbose")
    eq(run_ok(["--color", "always", "-o", "json"], KNOWN), run_ok(["-o", "json"], KNOWN),
       "no colour in json")
    eq(run_ok(["--color", "auto"], KNOWN), run_ok(["--color", "never"], KNOWN),
       "auto is never on a pipe")


def test_grep_index_states():
    """The same answers with the full-text index complete, empty, or half
    done, i.e. with the unindexed tail searched row by row."""
    n = len(ENTRIES)
    dbs = {"none": variant(KNOWN, os.path.join(TMP, "fts0.db"), 0),
           "half": variant(KNOWN, os.path.join(TMP, "fts-half.db"), n // 2),
           "all-but-last": variant(KNOWN, os.path.join(TMP, "fts-most.db"), n - 1)}
    for name, args in GREP_CASES:
        want = golden("query/" + name, args, KNOWN)
        for state, db in dbs.items():
            eq(run_ok(args, db), want, "%s with the index %s" % (name, state))
        # And newest first / the last N through the same union.
        eq(run_ok(args + ["-n", "2"], dbs["half"]), run_ok(args + ["-n", "2"], KNOWN),
           "%s -n 2 with half the index" % name)


def test_rejects_goldens():
    golden("query/rejects", ["rejects"], KNOWN)
    golden("query/rejects-iso", ["rejects", "-o", "short-iso"], KNOWN)
    golden("query/rejects-json", ["rejects", "-o", "json-pretty"], KNOWN)
    golden("query/rejects-ndjson", ["rejects", "-o", "ndjson"], KNOWN)
    golden("query/rejects-csv", ["rejects", "-o", "csv"], KNOWN)
    golden("query/rejects-cat", ["rejects", "-o", "cat"], KNOWN)
    golden("query/rejects-short-full", ["rejects", "-o", "short-full"], KNOWN)
    golden("query/rejects-verbose", ["rejects", "-o", "verbose"], KNOWN)
    golden("query/rejects-export", ["rejects", "-o", "export"], KNOWN)
    golden("query/rejects-reason", ["rejects", "--reason", "bad_level", "--reason",
                                    "truncated"], KNOWN)
    golden("query/rejects-grep", ["rejects", "-g", "comma"], KNOWN)
    golden("query/rejects-range", ["rejects", "-S", "2026-11-27T10:00:01Z", "-U",
                                   "2026-11-27T10:00:03Z", "-r"], KNOWN)
    golden("query/rejects-last", ["rejects", "-n", "2", "--pid", "4242"], KNOWN)
    eq(run_ok(["rejects", "--pid", "1"], KNOWN), b"", "rejects of another pid")
    ndjson = [json.loads(ln) for ln in run_ok(["rejects", "-o", "ndjson"], RAW).splitlines()]
    rows = cltest_rows(RAW, "SELECT id, reason, message, raw, raw_len, peer_pid FROM rejects "
                       "ORDER BY received, id")
    eq(len(ndjson), len(rows), "rejects in ndjson")
    for obj, (rid, reason, message, raw, raw_len, peer_pid) in zip(ndjson, rows):
        eq(obj["id"], rid, "reject id")
        eq(obj["reason"], reason, "reason of %d" % rid)
        eq(obj["message"], message, "message of %d" % rid)
        eq(obj["raw_len"], raw_len, "raw_len of %d" % rid)
        eq(obj["peer"]["pid"], peer_pid, "peer pid of %d" % rid)
        if obj.get("raw_encoding") == "base64":
            import base64
            eq(base64.b64decode(obj["raw"]), bytes(raw), "raw (base64) of %d" % rid)
        else:
            eq(obj["raw"].encode("utf-8"), bytes(raw), "raw of %d" % rid)


def cltest_rows(db, sql, params=()):
    """Rows of sql over db: a single database, or a catalog's partitions."""
    return cltest.Database(db).query(sql, params)


# ---------------------------------------------------------------- parse back

def rfc3339_us(s):
    check(s.endswith("Z") and len(s) == 27, "not an RFC 3339 UTC time with microseconds", s)
    d = datetime.datetime.strptime(s[:-1], "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * US + d.microsecond


COLUMNS = ["id", "ts", "received", "level", "app", "host", "pid", "tid", "logger", "trace_id",
           "span_id", "msg", "fields", "extra", "peer_pid", "peer_uid", "peer_gid", "peer_sid"]
PEER = ("peer_pid", "peer_uid", "peer_gid", "peer_sid")


def db_rows(db, order="ts, id"):
    return [dict(zip(COLUMNS, r)) for r in
            cltest_rows(db, "SELECT %s FROM entries ORDER BY %s" % (", ".join(COLUMNS), order))]


def compare_object(obj, row):
    """One JSON object of -o json/ndjson against its row."""
    what = "entry %d" % row["id"]
    eq(obj["id"], row["id"], what + " id")
    eq(rfc3339_us(obj["ts"]), row["ts"], what + " ts")
    eq(rfc3339_us(obj["received"]), row["received"], what + " received")
    eq(obj["level"], LEVELS[row["level"]], what + " level")
    for k in ("app", "host", "pid", "tid", "logger", "trace_id", "span_id", "msg"):
        eq(obj.get(k), row[k], "%s %s" % (what, k))
    for k in ("fields", "extra"):
        eq(obj.get(k), json.loads(row[k]) if row[k] is not None else None, "%s %s" % (what, k))
    peer = obj.get("peer", {})
    eq((peer.get("pid"), peer.get("uid"), peer.get("gid"), peer.get("sid")),
       tuple(row[k] for k in PEER), what + " peer")
    allowed = set(COLUMNS) - set(PEER) | {"peer"}
    check(set(obj) <= allowed, what + ": unexpected members", sorted(set(obj) - allowed))


def test_json_parse_back():
    rows = db_rows(RAW)
    for fmt in ("json", "json-pretty"):
        arr = json.loads(run_ok(["-o", fmt], RAW).decode("utf-8"))
        eq(len(arr), len(rows), "entries in -o " + fmt)
        for obj, row in zip(arr, rows):
            compare_object(obj, row)
    lines = run_ok(["-o", "ndjson"], RAW).decode("utf-8").splitlines()
    eq(len(lines), len(rows), "lines of -o ndjson")
    for ln, row in zip(lines, rows):
        compare_object(json.loads(ln), row)
    # Big integers survive byte for byte (not through a double).
    check(b'"big":18446744073709551615' in run_ok(["-o", "ndjson", "-p", "alert"], RAW),
          "64-bit field kept exactly")
    # Newest first is the same list reversed.
    eq(json.loads(run_ok(["-o", "json", "-r"], RAW)), list(reversed(
        json.loads(run_ok(["-o", "json"], RAW)))), "-r reverses")


def test_csv_parse_back():
    rows = db_rows(RAW)
    text = run_ok(["-o", "csv"], RAW).decode("utf-8")
    check("\r" not in text, "no raw CR in CSV: every record is one line")
    recs = list(csv.reader(io.StringIO(text)))
    eq(recs[0], COLUMNS, "CSV header")
    eq(len(recs) - 1, len(rows), "CSV records")
    eq(len(text.splitlines()), len(rows) + 1, "CSV lines")
    for rec, row in zip(recs[1:], rows):
        what = "CSV entry %s" % rec[0]
        eq(len(rec), len(COLUMNS), what + " columns")
        d = dict(zip(COLUMNS, rec))
        eq(int(d["id"]), row["id"], what + " id")
        eq(rfc3339_us(d["ts"]), row["ts"], what + " ts")
        eq(rfc3339_us(d["received"]), row["received"], what + " received")
        eq(d["level"], LEVELS[row["level"]], what + " level")
        for k in ("pid", "tid", "peer_pid", "peer_uid", "peer_gid"):
            eq(int(d[k]) if d[k] != "" else None, row[k], "%s %s" % (what, k))
        for k in ("app", "host", "logger", "trace_id", "span_id", "msg", "peer_sid"):
            # Values carry the text log's escaping; unescaped, they are exact.
            eq(cltest.unescape_text(d[k]) if d[k] != "" else None, row[k], "%s %s" % (what, k))
        for k in ("fields", "extra"):
            got = json.loads(cltest.unescape_text(d[k])) if d[k] != "" else None
            eq(got, json.loads(row[k]) if row[k] is not None else None, "%s %s" % (what, k))


def test_text_matches_rows():
    """short-iso --utc --escape-all: one line per row (as in the collector's
    text file), every value where it belongs."""
    rows = db_rows(RAW)
    lines = run_ok(["-o", "short-iso", "--utc", "--escape-all"], RAW).decode("utf-8").split("\n")
    eq(lines[-1], "", "output ends with a newline")
    eq(len(lines) - 1, len(rows), "one line per entry")
    for ln, row in zip(lines, rows):
        p = cltest.parse_text_line(ln)
        eq(rfc3339_us(p["ts"]), row["ts"], "ts of %d" % row["id"])
        eq(p["host"], row["host"], "host of %d" % row["id"])
        eq(p["app"], row["app"], "app of %d" % row["id"])
        eq(p["pid"], row["pid"] if row["pid"] is not None else row["peer_pid"], "pid")
        eq(p["level"], LEVELS[row["level"]].upper(), "level of %d" % row["id"])
        if row["fields"] is None and row["extra"] is None:
            eq(p["msg"], row["msg"], "msg of %d" % row["id"])
        check("\x1b" not in ln and "\r" not in ln and "\u202e" not in ln and "\u009b" not in ln,
              "no terminal control in output", ln)


# ---------------------------------------------------------------- relative times

def local_midnight(days_ago=0):
    now = datetime.datetime.now()
    d = datetime.datetime(now.year, now.month, now.day) - datetime.timedelta(days=days_ago)
    return int(d.timestamp() * US)


def test_relative_times():
    # "yesterday" and "today" as the test computes them must be the CLI's
    # (the local day of $TZ, as the CLI's).
    cltest.clear_of_midnight(120, utc=False)
    now = int(time.time() * US)
    marks = {"2h": now - 2 * 3600 * US, "30m": now - 30 * 60 * US, "10s": now - 10 * US,
             "yesterday-noon": local_midnight(1) + 12 * 3600 * US,
             "future": now + 3600 * US}
    with cltest.Collector(*cltest.ANY_TS) as c:
        with c.connect() as k:
            for name, ts in marks.items():
                k.send(cltest.entry(name, ts=ts / US))
            k.sync()
        # The zone this Python uses too: the caller's TZ, else the system's.
        env = {"TZ": os.environ.get("TZ")}

        def sel(*args):
            return sorted(run_ok(["-o", "cat"] + list(args), c.db, env).decode().split())

        eq(sel("-S", "-1h"), ["10s", "30m", "future"], "-S -1h")
        eq(sel("-S", "-1h", "-U", "now"), ["10s", "30m"], "-S -1h -U now")
        eq(sel("-S", "45 minutes ago", "-U", "-1m"), ["30m"], "45 minutes ago .. -1m")
        eq(sel("-S", "-3h", "-U", "-1h30m"), ["2h"], "-3h .. -1h30m")
        # Which marks fall in yesterday depends on the time of day: "2h"
        # and "30m" ago are yesterday too just after midnight.
        yday = sorted(n for n, ts in marks.items() if local_midnight(1) <= ts < local_midnight())
        eq(sel("-S", "yesterday", "-U", "today"), yday, "yesterday .. today")
        eq(sel("-S", "+30m"), ["future"], "+30m")
        check("yesterday-noon" not in sel("-S", "today"), "today excludes yesterday")


# ---------------------------------------------------------------- bad input

# Every reason code, in schema/PROTOCOL.md's order (common/reason.c).
REASONS = ("too_large, invalid_utf8, control_char, not_json, too_deep, not_object, "
           "duplicate_key, missing_field, bad_type, bad_level, bad_timestamp, bad_value, too_long, "
           "too_many_members, nul_char, bad_number, truncated, no_memory, idle_timeout, unknown_op, "
           "syslog_empty, syslog_bad_pri, syslog_bad_header, syslog_bad_sd")


def test_bad_arguments():
    cases = [
        (["-S", "soon"], "centrallog query: -S/--since: 'soon' is not a time; use RFC 3339 "
         "(2026-11-27T10:00:00Z), '2026-11-27 10:00', 10:00, -1h, '30m ago', now, today, "
         "yesterday or @EPOCH"),
        (["--until", "2026-02-30"], "centrallog query: -U/--until: '2026-02-30' is not a time; "
         "use RFC 3339 (2026-11-27T10:00:00Z), '2026-11-27 10:00', 10:00, -1h, '30m ago', now, "
         "today, yesterday or @EPOCH"),
        (["-S", "1h"], "centrallog query: -S/--since: '1h' is not a time; use RFC 3339 "
         "(2026-11-27T10:00:00Z), '2026-11-27 10:00', 10:00, -1h, '30m ago', now, today, "
         "yesterday or @EPOCH"),
        (["-S", "2026-11-28", "-U", "2026-11-27"],
         "centrallog query: -S/--since '2026-11-28' is not before -U/--until '2026-11-27'"),
        (["-p", "loud"], "centrallog query: -p/--level: 'loud' is not a level; use trace, debug, "
         "info, notice, warning, error, critical, alert, emergency, 0-7, or a range like "
         "warning..error"),
        (["--level", "warning.."], "centrallog query: -p/--level: 'warning..' is not a level; "
         "use trace, debug, info, notice, warning, error, critical, alert, emergency, 0-7, or a "
         "range like warning..error"),
        (["-t", "web["], "centrallog query: -t/--app: bad pattern 'web[': unterminated '['; use "
         "* ? [abc] [a-z] [!abc], and \\ before a character to match it literally"),
        (["--host", "db\\"], "centrallog query: --host: bad pattern 'db\\': '\\' at the end "
         "quotes nothing; use * ? [abc] [a-z] [!abc], and \\ before a character to match it "
         "literally"),
        (["--pid", "abc"], "centrallog query: --pid: 'abc' is not a process id; use an integer "
         "0-4294967295"),
        (["--field", "order"], "centrallog query: --field: expected KEY=VALUE, got 'order' (to "
         "list its values as journalctl --field does: -F order)"),
        (["--words", ""], "centrallog query: --words: empty pattern; give one or more words"),
        (["--words", "-- !!"], "centrallog query: --words: '--' has no word to search for "
         "(punctuation is not indexed)"),
        (["-n", "ten"], "centrallog query: -n/--lines: 'ten' is not a count; use a number 0 or "
         "more, or all"),
        (["--limit", "0"], "centrallog query: --limit: '0' is not a count; use a number 1 or "
         "more"),
        (["-o", "xml"], "centrallog query: -o/--output: 'xml' is not a format; use short, "
         "short-iso, short-precise, short-iso-precise, short-unix, short-full, verbose, export, "
         "json, json-pretty, ndjson, csv or cat"),
        (["--color", "sometimes"], "centrallog: --color: 'sometimes' is not accepted; use auto, "
         "always or never"),
        (["--frobnicate"], "centrallog query: unknown option '--frobnicate'; see --help"),
        (["-S"], "centrallog query: option '-S' needs a value; see --help"),
        (["query", "--since"], "centrallog query: option '--since' needs a value; see --help"),
        (["query", "stray"], "centrallog query: unexpected argument 'stray'; filters are "
         "options, e.g. -g PATTERN (see --help)"),
        (["frobnicate"], "centrallog: unknown command 'frobnicate'; commands: query, tail, "
         "stats, rejects, disk-usage, verify, export, status, rotate, vacuum, send, bench%s (see --help)"
         % (", pipes" if cli_data.WINDOWS else "")),
        (["-f", "-r"], "centrallog query: -r/--reverse cannot be combined with following"),
        (["tail", "-p", "nope"], "centrallog tail: -p/--level: 'nope' is not a level; use "
         "trace, debug, info, notice, warning, error, critical, alert, emergency, 0-7, or a "
         "range like warning..error"),
        (["rejects", "--reason", "Not-A-Code"], "centrallog rejects: --reason: 'Not-A-Code' is "
         "not a reason code; use one of " + REASONS),
        (["rejects", "--reason", "nope"], "centrallog rejects: --reason: 'nope' is "
         "not a reason code; use one of " + REASONS),
        (["rejects", "-p", "err"], "centrallog rejects: unknown option '-p'; see --help"),
        (["rejects", "-o", "yaml"], "centrallog rejects: -o/--output: 'yaml' is not a format; "
         "use short, short-iso, short-precise, short-iso-precise, short-unix, short-full, "
         "verbose, export, json, json-pretty, ndjson, csv or cat"),
        (["--db"], "centrallog: --db needs a value"),
    ]
    for args, msg in cases:
        usage_error(args, msg, KNOWN)


def test_database_problems():
    d = cltest.make_tempdir("cl-query-db-")
    try:
        # Where it looked, and how to point elsewhere.
        usage_error([], "centrallog query: no database at ./var/centrallog.db (the collector's "
                    "default); point at one with --db PATH or CENTRALLOG_DB=PATH", None, code=1)
        missing = os.path.join(d, "nope.db")
        usage_error([], "centrallog query: no database at %s (from $CENTRALLOG_DB); point at "
                    "one with --db PATH or CENTRALLOG_DB=PATH" % missing, missing, code=1)
        usage_error(["stats", "--db", missing], "centrallog stats: no database at %s (from "
                    "--db); point at one with --db PATH or CENTRALLOG_DB=PATH" % missing,
                    code=1)
        usage_error(["rejects"], "centrallog rejects: no database at %s/centrallog.db (from "
                    "$CENTRALLOG_DATA_DIR); point at one with --db PATH or CENTRALLOG_DB=PATH"
                    % d, None, {"CENTRALLOG_DATA_DIR": d}, code=1)
        usage_error([], "centrallog query: %s (from $CENTRALLOG_DB) is a directory; --db takes "
                    "the database file, e.g. %s/centrallog.db" % (d, d), d, code=1)
        files = {}
        p = files["text"] = os.path.join(d, "notes.txt")
        with open(p, "w") as f:
            f.write("these are not the logs you are looking for\n" * 100)
        p = files["empty"] = os.path.join(d, "empty.db")
        open(p, "w").close()
        p = files["foreign"] = os.path.join(d, "foreign.db")
        con = sqlite3.connect(p)
        con.execute("CREATE TABLE entries (x)")
        con.commit()
        con.close()
        p = files["newer"] = os.path.join(d, "newer.db")
        shutil.copy(KNOWN, p)
        con = sqlite3.connect(p)
        con.execute("PRAGMA user_version = 5")
        con.commit()
        con.close()
        p = files["v3-unknown"] = os.path.join(d, "unknown-kind.db")
        shutil.copy(KNOWN, p)
        con = sqlite3.connect(p)
        con.execute("PRAGMA user_version = 3")
        con.execute("DELETE FROM meta WHERE key = 'kind'")
        con.commit()
        con.close()
        before = {k: sha256(v) for k, v in files.items()}
        expect = {
            "text": "%s is not an SQLite database, so not a CentralLog one; point --db at the "
                    "collector's centrallog.db",
            "empty": "%s is an empty file, not a CentralLog database",
            "foreign": "%s is an SQLite database but not a CentralLog one (application_id 0); "
                       "point --db at the collector's centrallog.db",
            "newer": "%s has schema version 5, newer than this centrallog reads (4); use a newer "
                     "centrallog",
            "v3-unknown": "%s has schema version 3 but is neither a CentralLog catalog nor a "
                          "partition (no meta kind); point --db at the collector's centrallog.db",
        }
        for k, msg in expect.items():
            for cmd in ("query", "stats", "rejects", "tail"):
                usage_error([cmd, "--db", files[k]], "centrallog %s: %s" % (cmd, msg % files[k]),
                            code=1)
        eq({k: sha256(v) for k, v in files.items()}, before, "refused files unchanged")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_never_writes():
    """Every command leaves the database file byte for byte as it was; a
    copy in a directory the reader cannot write is read as a snapshot."""
    before = sha256(KNOWN)
    for args in (["-o", "json"], ["-g", "disk"], ["--words", "disk"], ["stats"], ["rejects"],
                 ["-p", "err", "-n", "1"], ["--explain", "-g", "x"]):
        run_ok(args, KNOWN)
    eq(sha256(KNOWN), before, "the database after reading")
    if os.geteuid() != 0:
        cltest.not_checked("a snapshot read as another user (needs root)")
        return
    # As nobody, on a copy (main file and -wal, no -shm) in a directory
    # nobody cannot write, so no -shm can be made: read as a snapshot of the
    # main file, with a note; the entry only in the -wal is not seen.
    d = cltest.make_tempdir("cl-query-ro-")
    try:
        os.chmod(d, 0o755)
        src = os.path.join(d, "src.db")
        shutil.copy(RAW, src)
        con = sqlite3.connect(src)
        eq(con.execute("PRAGMA journal_mode").fetchone()[0], "wal", "the collector's file mode")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("INSERT INTO entries (ts, received, level, app, msg) "
                    "VALUES (0, 0, 6, 'x', 'only in the wal')")
        con.commit()
        ro = os.path.join(d, "ro")
        os.mkdir(ro)
        db = os.path.join(ro, "copy.db")
        shutil.copy(src, db)
        shutil.copy(src + "-wal", db + "-wal")
        con.close()
        for p in (ro, db, db + "-wal"):
            os.chmod(p, 0o755 if p == ro else 0o644)
        want = run_ok(["-o", "cat"], RAW)
        p = subprocess.run([CLI, "--db", db, "-o", "cat"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=cli_data.cli_env(),
                           preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)))
        eq(p.returncode, 0, "exit status as nobody (%s)" % p.stderr)
        eq(p.stdout, want, "entries read as nobody")
        eq(p.stderr.decode(), "centrallog: note: %s is read as a snapshot (no write access to "
           "create its -shm file); entries still in %s-wal are not shown\n" % (db, db),
           "the snapshot note")
        rc, out, err = (lambda q: (q.returncode, q.stdout, q.stderr.decode()))(subprocess.run(
            [CLI, "tail", "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=cli_data.cli_env(), preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)),
            timeout=10))
        eq(rc, 1, "tail on a snapshot")
        check(err.endswith("centrallog tail: cannot follow %s: it can only be read as a "
                           "snapshot here (no write access to create its -shm file)\n" % db),
              "tail on a snapshot says why", err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_live_and_copied():
    """Reads while the collector writes, and a copy of its files (the main
    file and the -wal, as `cp centrallog.db*` makes) while it runs."""
    with cltest.Collector(*cli_data.NO_RATE_LIMIT) as c:
        with c.connect() as k:
            k.send([cltest.entry("live %d" % i) for i in range(500)])
            k.sync()
            out = run_ok(["-o", "cat", "-n", "3"], c.db)
            eq(out, b"live 497\nlive 498\nlive 499\n", "last 3 while running")
            k.send([cltest.entry("more %d" % i) for i in range(100)])
            k.sync()
            eq(run_ok(["-o", "cat", "-n", "1"], c.db), b"more 99\n", "sees new commits")
            d = cltest.make_tempdir("cl-query-copy-")
            try:
                copy = os.path.join(d, "centrallog.db")
                copy_data(c.db, copy)
                eq(run_ok(["-o", "cat"], copy).decode().splitlines(),
                   ["live %d" % i for i in range(500)] + ["more %d" % i for i in range(100)],
                   "the copy's entries")
            finally:
                shutil.rmtree(d, ignore_errors=True)


def pipe_bytes(f):
    """Bytes waiting in the pipe f reads."""
    return struct.unpack("i", fcntl.ioctl(f, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_paging():
    """A long listing keeps (ts, id) order across equal times, -r, -n, --limit
    and -S; a reader stalled on a full pipe holds back only the partition it
    reads (a rotation frees the collector from it)."""
    n = 5000
    with cltest.Collector(*cli_data.NO_RATE_LIMIT, *cltest.ANY_TS) as c:
        with c.connect() as k:
            # Groups of 700 entries share one time; sent newest group first.
            k.send([cltest.entry("m%04d" % i, ts=1795773600 + 3600 - (i // 700))
                    for i in range(n)])
            k.sync()
        rows = [r[0] for r in cltest_rows(c.db, "SELECT msg FROM entries ORDER BY ts, id")]
        eq(run_ok(["-o", "cat"], c.db).decode().split(), rows, "all, in (ts, id) order")
        eq(run_ok(["-o", "cat", "-r"], c.db).decode().split(), rows[::-1], "-r")
        eq(run_ok(["-o", "cat", "-n", "4500"], c.db).decode().split(), rows[-4500:], "-n 4500")
        eq(run_ok(["-o", "cat", "-n", "4500", "-r"], c.db).decode().split(), rows[::-1][:4500],
           "-n 4500 -r")
        eq(run_ok(["-o", "cat", "--limit", "2001"], c.db).decode().split(), rows[:2001],
           "--limit 2001")
        eq(run_ok(["-o", "cat", "-S", "@%d" % (1795773600 + 3600 - 3)], c.db).decode().split(),
           [r for r in rows if int(r[1:]) < 4 * 700], "-S across groups")
        # A reader stuck on a full pipe holds the snapshot of the live
        # partition it reads, and no more: once that partition is rotated
        # out, the new live one checkpoints freely, and what was written
        # meanwhile is left to the next listing (a listing over partitions
        # is one point in time; `-f` follows).
        p = subprocess.Popen([CLI, "-o", "short-iso"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=cli_data.cli_env(c.db))
        try:
            # Blocked once its pipe is full, however long it took to start.
            size = fcntl.fcntl(p.stdout, fcntl.F_GETPIPE_SZ)
            cltest.wait_for(lambda: pipe_bytes(p.stdout) >= size, "the reader to fill its pipe")
            check(p.poll() is None, "the reader is blocked on its pipe")
            r = subprocess.run([CLI, "--address", c.sock, "rotate"], capture_output=True)
            eq(r.returncode, 0, "rotate while the reader is stalled")
            with c.connect() as k:
                k.send([cltest.entry("more %d" % i, ts=1795773600 + 7200) for i in range(100)])
                k.sync()
            live = live_file(c.db)
            con = sqlite3.connect(live, timeout=10)
            busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            con.close()
            eq(busy, 0, "a TRUNCATE checkpoint of the new live partition")
            eq(os.path.getsize(live + "-wal"), 0, "its WAL after the checkpoint")
            out, err = p.communicate(timeout=30)
            eq((p.returncode, err), (0, b""), "the stalled reader finishes")
            eq(len(out.splitlines()), n, "it printed every entry of its point in time")
            eq(len(run_ok(["-o", "cat"], c.db).splitlines()), n + 100,
               "the next listing has them all")
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()


# ---------------------------------------------------------------- misc

def test_explain_uses_indexes():
    cases = [
        (["-t", "billing", "-S", "-1h"], "USING INDEX entries_app_ts (app=? AND ts>?)"),
        (["-p", "err", "-S", "-1h"], "USING INDEX entries_level_ts (level=? AND ts>?)"),
        (["-p", "warning..error"], "USING INDEX entries_level_ts (level=?)"),
        (["-S", "-1h", "-U", "now"], "USING INDEX entries_ts (ts>? AND ts<?)"),
        (["-n", "50"], "SCAN entries USING INDEX entries_ts"),
        (["-t", "web*", "-S", "-1h"], "USING INDEX entries_app_ts (app>? AND app<?)"),
        (["--words", "disk", "-S", "-1d", "-U", "now"], "SCAN entries_fts VIRTUAL TABLE INDEX 0:M1><"),
        (["--words", "disk", "-S", "-1d", "-U", "now"], "SEARCH entries USING INTEGER PRIMARY KEY "
         "(rowid>?)"),
    ]
    for args, want in cases:
        out = run_ok(["--explain"] + args, KNOWN).decode()
        check(want in out, "centrallog --explain %s: no %r" % (" ".join(args), want), out)
        check("SCAN entries\n" not in out and "`--SCAN entries\n" not in out,
              "no full table scan for %s" % args, out)
    out = run_ok(["stats", "--explain", "-S", "-1d", "-U", "now"], KNOWN).decode()
    check("USING INDEX entries_ts (ts>? AND ts<?)" in out, "stats uses entries_ts", out)


def test_closed_pipe():
    """`centrallog | head -1`: the reader leaves; no error, exit 0."""
    with cltest.Collector(*cli_data.NO_RATE_LIMIT) as c:
        with c.connect() as k:
            k.send([cltest.entry("line %d %s" % (i, "x" * 200)) for i in range(5000)])
            k.sync()
        p1 = subprocess.Popen(cli_data.WRAPPER + [CLI, "-o", "cat"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=cli_data.cli_env(c.db))
        first = p1.stdout.readline()
        p1.stdout.close()
        err = p1.stderr.read().decode()
        eq(p1.wait(10), 0, "exit status after the pipe closed")
        eq(first, b"line 0 " + b"x" * 200 + b"\n", "first line")
        eq(err, "", "stderr after the pipe closed")


def test_reads_v1_database():
    """A version 1 database (no peer_sid columns; an older collector's) reads
    as before: the SID is simply absent."""
    db = os.path.join(TMP, "v1.db")
    con = sqlite3.connect(db)
    with open(os.path.join(cltest.REPO, "tests", "schema", "centrallog-v1.sql")) as f:
        con.executescript(f.read())
    con.execute("PRAGMA user_version = 1")  # the collector sets it after the DDL
    con.execute("INSERT INTO entries (ts, received, level, app, msg, peer_pid, peer_uid, peer_gid)"
                " VALUES (1795774502000000, 1795774502000001, 3, 'old', 'from v1', 7, 8, 9)")
    con.execute("INSERT INTO rejects (received, peer_pid, peer_uid, peer_gid, reason, message, "
                "raw, raw_len) VALUES (1795774502000000, 7, 8, 9, 'not_json', 'm', X'41', 1)")
    con.commit()
    con.close()
    eq(run_ok(["-o", "ndjson"], db),
       b'{"id":1,"ts":"2026-11-27T10:15:02.000000Z","received":"2026-11-27T10:15:02.000001Z",'
       b'"level":"error","app":"old","msg":"from v1","peer":{"pid":7,"uid":8,"gid":9}}\n',
       "v1 entry as ndjson")
    eq(run_ok(["-o", "csv"], db).split(b"\n")[1],
       b"1,2026-11-27T10:15:02.000000Z,2026-11-27T10:15:02.000001Z,error,old,,,,,,,from v1,,,"
       b"7,8,9,", "v1 entry as csv: empty peer_sid")
    eq(run_ok(["rejects", "-o", "csv"], db).split(b"\n")[1],
       b"1,2026-11-27T10:15:02.000000Z,7,8,9,not_json,m,A,1,", "v1 reject as csv")
    eq(run_ok(["rejects", "--utc"], db), b"Nov 27 10:15:02 [pid 7 uid 8] not_json: m | A\n",
       "v1 reject as text")


def test_system_collector_database():
    """No ./var here: the default is the system collector's database (the
    systemd unit's); a user outside its group is told how to join. Root only
    (it creates /var/lib/centrallog for the duration)."""
    cltest.need_root("create /var/lib/centrallog for the duration")
    d = "/var/lib/centrallog"
    check(not os.path.exists(d), "%s exists: a system collector is installed here" % d)
    cwd = cltest.make_tempdir("cl-query-cwd-")
    try:
        os.chmod(cwd, 0o755)
        os.makedirs(d, 0o750)
        os.chmod(d, 0o750)
        shutil.copy(KNOWN, os.path.join(d, "centrallog.db"))
        with open(os.path.join(cltest.REPO, "tests", "golden", "query", "format-csv.out"),
                  "rb") as f:
            eq(run_ok(["-o", "csv"], None, cwd=cwd), f.read(), "the system collector's rows")
        p = subprocess.run([CLI, "-o", "csv"], capture_output=True, cwd=cwd,
                           env=cli_data.cli_env(), timeout=60,
                           preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)))
        eq((p.returncode, p.stdout, p.stderr.decode()),
           (1, b"", "centrallog query: cannot read /var/lib/centrallog/centrallog.db (the "
                    "system collector's default): Permission denied; its readers are the group "
                    "centrallog (sudo usermod -aG centrallog $USER, then log in again)\n"),
           "a user outside the group")
    finally:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(cwd, ignore_errors=True)


def test_help():
    for cmd in ("query", "tail", "stats", "rejects", "status", "disk-usage", "export"):
        rc, out, err = run([cmd, "--help"])
        eq((rc, err), (0, ""), "%s --help" % cmd)
        text = out.decode()
        check(text.startswith("Usage: centrallog "), "%s --help starts with Usage" % cmd, text)
        check("Examples:" in text and "Exit status:" in text,
              "%s --help has examples and exit codes" % cmd, text)
        check(max(len(ln) for ln in text.splitlines()) <= 100, "%s --help fits" % cmd)
    rc, out, err = run(["--help"])
    eq(rc, 0, "centrallog --help")
    for cmd in ("query", "tail", "stats", "rejects", "disk-usage", "export", "status", "send",
                "bench"):
        check("\n  %s " % cmd in out.decode(), "--help lists " + cmd)
    rc, out, err = run(["--version"])
    eq(rc, 0, "--version")
    check(out.startswith(b"centrallog "), "--version output", out)


TESTS = [test_formats, test_filters, test_local_time_and_color, test_grep_index_states,
         test_rejects_goldens, test_json_parse_back, test_csv_parse_back, test_text_matches_rows,
         test_relative_times, test_bad_arguments, test_database_problems, test_never_writes,
         test_live_and_copied, test_paging, test_explain_uses_indexes, test_closed_pipe,
         test_reads_v1_database, test_system_collector_database, test_help]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("query", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
