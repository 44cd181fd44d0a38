#!/usr/bin/python3
"""End-to-end tests of centrallog.exe's reading commands under Wine (run by
`make test-win`, after tests/win/test_wine.py).

* The POSIX suites' golden tests (tests/e2e/test_query.py and
  test_cli_stats.py: every output format, filter, full-text state, local time
  and colour, rejects, stats) run again with centrallog.exe on the same
  databases, made by the native collector: the Windows build must print the
  same bytes. Paths are given as Windows paths (Z:\\tmp\\...), which the CLI
  turns into SQLite file: URIs.
* tail -f against centrallogd.exe shows entries as they arrive and, on
  Ctrl-C, closes its JSON array and exits 0.
* bench (threads on Windows) delivers every entry: exact row count.
* verify on a healthy data directory prints the POSIX lines exactly.
* -g's regular expressions (tests/e2e/test_cli_regex.py) give the same ids,
  bytes and errors with the Windows build of PCRE2.

Needs the native build too (CL_BIN_DIR, default build/bin) for the databases.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import cli_data  # noqa: E402
import cltest.wine as tw  # noqa: E402
from cltest.wine import WINE, winpath  # noqa: E402

os.environ.update({k: tw.ENV[k] for k in ("WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES")})
cli_data.use_windows_cli(os.path.join(tw.BIN, "centrallog.exe"), WINE)

import test_cli_regex  # noqa: E402
import test_cli_stats  # noqa: E402
import test_cli_verify  # noqa: E402
import test_query  # noqa: E402


def test_query_goldens():
    test_query.setup()
    try:
        # The goldens' database named the Windows way, as a user would.
        test_query.KNOWN = winpath(test_query.KNOWN)
        for t in (test_query.test_formats, test_query.test_filters,
                  test_query.test_local_time_and_color, test_query.test_rejects_goldens,
                  test_query.test_help):
            t()
        test_query.KNOWN = test_query.KNOWN[2:].replace("\\", "/")
        # The unindexed tail of the full-text index, the parsed-back formats.
        for t in (test_query.test_grep_index_states, test_query.test_json_parse_back,
                  test_query.test_csv_parse_back, test_query.test_bad_arguments,
                  test_query.test_reads_v1_database, test_query.test_closed_pipe):
            t()
    finally:
        shutil.rmtree(test_query.TMP, ignore_errors=True)


def test_stats_goldens():
    test_cli_stats.setup()
    try:
        for t in (test_cli_stats.test_goldens, test_cli_stats.test_counts_match_sql,
                  test_cli_stats.test_empty_range):
            t()
    finally:
        shutil.rmtree(test_cli_stats.TMP, ignore_errors=True)


def test_regex():
    """-g with PCRE2 (as cross-built from Debian's source): the same ids and
    bytes over partitions with and without the trigram index."""
    test_cli_regex.setup()
    try:
        for t in (test_cli_regex.test_counts, test_cli_regex.test_identical_output,
                  test_cli_regex.test_errors):
            t()
    finally:
        shutil.rmtree(test_cli_regex.TMP, ignore_errors=True)


def read_lines(proc, n, timeout):
    """n lines from proc's stdout within timeout seconds (a thread-free
    wait: the pipe is switched to non-blocking)."""
    os.set_blocking(proc.stdout.fileno(), False)
    buf, deadline = b"", time.monotonic() + timeout
    while buf.count(b"\n") < n and time.monotonic() < deadline:
        chunk = proc.stdout.read()
        if chunk:
            buf += chunk
        else:
            time.sleep(0.1)
    return buf


def read_until(proc, buf, done, timeout):
    """buf plus what proc writes to stdout until done(all of it) or
    timeout seconds (a thread-free wait, as read_lines)."""
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    while not done(buf) and time.monotonic() < deadline:
        chunk = proc.stdout.read()
        if chunk:
            buf += chunk
        else:
            time.sleep(0.1)
    return buf


def test_tail_follow():
    """tail -f -o ndjson shows new entries; -o json closes its array on
    Ctrl-C and exits 0."""
    pipe = r"\\.\pipe\cl-wine-tail-%d" % os.getpid()
    c = tw.WineCollector(pipe)
    procs = []
    try:
        rc, out, err = tw.run("pipe_client.exe", pipe, 3, "wine-old")
        tw.check(rc == 0, "first entries", out, err)
        for fmt in ("ndjson", "json"):
            procs.append(subprocess.Popen(
                tw.wine("centrallog.exe", "tail", "-f", "-n", "1", "-o", fmt, "--db",
                        winpath(c.db)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=dict(tw.ENV, TZ="UTC")))
        # The last old entry first, then the new ones as they come.
        first = read_lines(procs[0], 1, 60)
        tw.check(json.loads(first)["app"] == "wine-old", "tail -n 1 shows the last entry", first)
        # The json follower too has shown it (its "[" and the entry) before
        # anything new is sent: under load Wine may start it seconds later.
        # (An entry's line ends when the next one, or the "]", is written.)
        head = read_until(procs[1], b"", lambda b: b"wine-old" in b, 60)
        tw.check(b"wine-old" in head, "json tail -n 1 shows the last entry", head)
        rc, out, err = tw.run("pipe_client.exe", pipe, 4, "wine-new")
        tw.check(rc == 0, "new entries", out, err)
        got = first + read_lines(procs[0], 4, 60)
        rows = [json.loads(ln) for ln in got.splitlines()]
        tw.check([r["app"] for r in rows] == ["wine-old"] + ["wine-new"] * 4,
                 "tail -f -o ndjson follows", got)
        # Who sent them, as Windows said: PID and user SID, no uid/gid.
        sid = tw.own_sid()
        tw.check(all(set(r["peer"]) == {"pid", "sid"} and r["peer"]["sid"] == sid
                     for r in rows), "peer of each entry: pid and sid " + sid, got)
        # The json follower has shown the new rows too before its Ctrl-C (a
        # fixed second was not always enough for Wine under load).
        head = read_until(procs[1], head, lambda b: b.count(b"wine-new") == 4, 60)
        tw.check(head.count(b"wine-new") == 4, "json tail -f follows", head)
        for p in procs:
            p.send_signal(signal.SIGINT)  # Wine makes it CTRL_C_EVENT
        out, err = procs[0].communicate(timeout=60)
        tw.check(procs[0].returncode == 0 and out == b"", "ndjson tail ends on Ctrl-C",
                 procs[0].returncode, out, err)
        out, err = procs[1].communicate(timeout=60)
        out = head + out
        doc = json.loads(out)
        tw.check(procs[1].returncode == 0 and [r["app"] for r in doc] ==
                 ["wine-old"] + ["wine-new"] * 4, "json tail closes its array on Ctrl-C",
                 procs[1].returncode, out, err)
        # A refused line: rejects shows the sender's PID and SID.
        # (An app name over 128 characters is refused: too_long.)
        tw.run("pipe_client.exe", pipe, 1, "x" * 200)
        rc, out, err = tw.run("centrallog.exe", "rejects", "--db", winpath(c.db), "-o", "ndjson")
        rej = [json.loads(ln) for ln in out.splitlines()]
        tw.check(rc == 0 and len(rej) == 1 and rej[0]["reason"] == "too_long" and
                 set(rej[0]["peer"]) == {"pid", "sid"} and rej[0]["peer"]["sid"] == sid,
                 "rejects -o ndjson", rc, out, err)
        rc, out, err = tw.run("centrallog.exe", "rejects", "--db", winpath(c.db))
        tw.check(rc == 0 and (" sid %s] too_long" % sid) in out, "rejects text", rc, out, err)
        tw.check(c.stop() == 0, "graceful stop", c.stderr())
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        c.cleanup()


def test_bench():
    """bench with 2 producer threads: every entry delivered, exactly."""
    pipe = r"\\.\pipe\cl-wine-bench-%d" % os.getpid()
    c = tw.WineCollector(pipe, "--rate-limit-burst", "0")
    try:
        rc, out, err = tw.run("centrallog.exe", "--address", pipe, "bench", "-P", 2, "-n", 300,
                              "-s", 64, "-L", 3, "--json", timeout=300)
        tw.check(rc == 0, "bench exit status", rc, out, err)
        r = json.loads(out)
        tw.check((r["producers"], r["entries"], r["failures"], r["latency_us"]["samples"]) ==
                 (2, 600, 0, 6), "bench report", out)
        # One announcement, a "ready" entry per producer, 600 entries, 6
        # latency probes.
        n = c.rows("SELECT count(*) FROM entries WHERE app = 'centrallog-bench'")[0][0]
        tw.check(n == 609, "bench rows: expected 609, got %d" % n)
        n = c.rows("SELECT count(DISTINCT json_extract(fields, '$.producer') || ':' || "
                   "json_extract(fields, '$.seq')) FROM entries WHERE fields IS NOT NULL "
                   "AND app = 'centrallog-bench'")[0][0]
        tw.check(n == 600, "every (producer, seq) once: %d" % n)
        tw.check(c.stop() == 0, "graceful stop", c.stderr())
    finally:
        c.cleanup()


def test_verify_healthy():
    """verify on the healthy data directory of tests/e2e/test_cli_verify.py
    (closed, sealing and live partitions, plain and gzipped text files):
    the same lines, byte for byte, as on POSIX, exit 0."""
    test_cli_verify.setup()
    try:
        test_cli_verify.test_healthy()
    finally:
        shutil.rmtree(test_cli_verify.TMP, ignore_errors=True)


TESTS = [test_query_goldens, test_stats_goldens, test_regex, test_tail_follow, test_bench,
         test_verify_healthy]


def main():
    tw.run_suite("wine cli", TESTS)


if __name__ == "__main__":
    main()
