#!/usr/bin/python3
"""Many threads on one libcentrallog logger (tests/tools/sdk_stress.c) while
another flushes, reads the counters and makes failing calls, with the
collector stopped, killed and restarted under them: exact accounting. Every
call that returned CL_OK is stored, every CL_EDROPPED one is not and is
counted in cl_stats.dropped and in the synthetic drop reports; nothing else is
stored. Copies come only from resends after a broken connection (at-least-
once) - none without one. Also run under ThreadSanitizer (make test-tsan)."""
import json
import os
import subprocess
import time

import cltest
from cltest import check, eq, wait_for

BIN = os.environ.get("CL_BIN_DIR", os.path.join(cltest.REPO, "build", "bin"))
THREADS = 8


def start_stress(address, *args, stdin=subprocess.DEVNULL):
    # Next to the collector's socket, in the directory the test removes.
    dropped = os.path.join(os.path.dirname(address), "dropped.txt")
    p = subprocess.Popen([os.path.join(BIN, "sdk_stress"), "--threads", str(THREADS),
                          "--dropped", dropped] + [str(a) for a in args],
                         stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, CENTRALLOG_ADDRESS=address))
    return p, dropped


def finish(p, dropped, timeout=300):
    out, err = p.communicate(timeout=timeout)  # closes stdin: --until-eof ends
    err = err.decode()
    check(p.returncode == 0, "sdk_stress exited %d" % p.returncode, err)
    lines = out.decode().strip().splitlines()
    eq(lines[0], "calls done", "sdk_stress's first line")
    r = json.loads(lines[-1])
    with open(dropped) as f:
        r["dropped_set"] = {"s%s #%s" % tuple(line.split()) for line in f}
    r["stderr"] = err
    return r


def check_accounting(c, r, entries, restarted):
    """The exact outcome; returns the number of copies stored."""
    calls = r["calls"]
    check(all(0 < n <= entries for n in calls), "calls per thread", calls)
    if not restarted:
        eq(calls, [entries] * THREADS, "calls per thread")
    total = sum(calls)
    eq((r["other"], r["checker_bad"], r["errmsg_bad"], r["rejected"]), (0, 0, 0, 0),
       "other results, counter regressions, torn error messages, rejected")
    check(r["checker_rounds"] > 0, "the checker thread ran", r["checker_rounds"])
    eq(r["ok"] + r["dropped_calls"], total, "every call returned OK or DROPPED")
    eq(len(r["dropped_set"]), r["dropped_calls"], "dropped calls listed")
    eq((r["queued"], r["dropped"]), (r["ok"], r["dropped_calls"]), "queued, dropped counters")
    eq(r["flush"], "success", "final flush")
    # The flush covers the entries logged before it; a drop report the
    # sender makes on reconnecting during it may still be buffered (cl_close
    # delivers it).
    check(r["buffered"] <= (1 if r["dropped"] else 0), "buffered after the flush", r["buffered"])
    eq(r["stderr"], "", "cl_close delivered everything (report_stderr would say)")

    msgs = c.msgs("WHERE app = 'sdk-stress' AND msg LIKE 's%'")
    expected = {"s%d #%d" % (t, i) for t in range(THREADS) for i in range(calls[t])}
    expected -= r["dropped_set"]
    cltest.diff_sets(msgs, expected, "stored = every CL_OK call, no CL_EDROPPED one")
    copies = len(msgs) - len(set(msgs))

    # Drop reports: numbered 1..k, each possibly stored more than once
    # (resent), together exactly the dropped counter.
    reports = {}
    for (fields,) in c.query("SELECT fields FROM entries WHERE app = 'sdk-stress' "
                             "AND msg LIKE 'libcentrallog:%'"):
        f = json.loads(fields)
        check(reports.get(f["report"], f["dropped"]) == f["dropped"],
              "copies of a report agree", f, reports)
        reports[f["report"]] = f["dropped"]
        copies += 1
    copies -= len(reports)
    eq(sorted(reports), list(range(1, len(reports) + 1)), "drop reports numbered 1..k")
    eq(sum(reports.values()), r["dropped"], "drop reports add up to the dropped counter")
    eq(c.scalar("SELECT count(*) FROM entries WHERE app = 'sdk-stress'"),
       len(msgs) + sum(1 for _ in c.query("SELECT 1 FROM entries WHERE app = 'sdk-stress' "
                                          "AND msg LIKE 'libcentrallog:%'")),
       "no other entries")
    # A copy is an entry the SDK wrote again after a broken connection.
    resends = r["sent"] - r["queued"] - len(reports)
    check(copies <= resends, "copies only from resends", copies, resends)
    if not restarted:
        eq(copies, 0, "no copies without a broken connection")
    return copies


def rows(c):
    return c.scalar("SELECT count(*) FROM entries WHERE app = 'sdk-stress'")


def restarted_and_delivering(c, before):
    """Waits until the SDK has reconnected to the restarted collector and
    delivered something: more rows than `before`."""
    wait_for(lambda: rows(c) > before, "the SDK delivering to the restarted collector", 60)
    time.sleep(0.5)  # and logging on to it for a while


def test_restarts_exact_accounting():
    """8 threads logging 1,000 entries a second each, a buffer of 3,000: the
    collector is stopped (SIGTERM) and later killed (SIGKILL) under them and
    restarted each time; they log until the test is done with it (stdin
    closed). Entries logged while it is down are buffered, those past the
    buffer dropped at once (CL_EDROPPED); the accounting is exact."""
    entries = 60000  # the cap: 60 s
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        p, dropped = start_stress(c.sock, "--entries", entries, "--rate", 1000,
                                  "--buffer-entries", 3000, "--until-eof", 1,
                                  stdin=subprocess.PIPE)
        wait_for(lambda: rows(c) > 0, "first entries stored")
        c.stop()
        before = rows(c)
        time.sleep(0.3)
        c.start()
        restarted_and_delivering(c, before)
        c.kill()
        before = rows(c)
        time.sleep(0.3)
        c.start()
        restarted_and_delivering(c, before)
        r = finish(p, dropped)
        print("restarts: %s" % {k: v for k, v in r.items() if k != "dropped_set"})
        check(r["reconnects"] >= 2, "the SDK reconnected after each restart", r["reconnects"])
        check_accounting(c, r, entries, restarted=True)
        c.stop()


def test_no_restart_no_duplicates():
    """8 threads x 5,000 entries as fast as they go, the collector up
    throughout: every entry stored exactly once."""
    entries = 5000
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        p, dropped = start_stress(c.sock, "--entries", entries)
        r = finish(p, dropped)
        print("no restart: %s" % {k: v for k, v in r.items() if k != "dropped_set"})
        eq(r["reconnects"], 0, "no reconnect")
        check_accounting(c, r, entries, restarted=False)
        c.stop()


def test_drops_while_connected_reported():
    """A buffer of 64 entries, the drop_newest policy, 8 threads as fast as
    they go, the collector up throughout: the drops happen while it is
    reachable and are reported all the same (they used to wait for a
    reconnect that never came), the last ones by cl_close."""
    entries = 3000
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        p, dropped = start_stress(c.sock, "--entries", entries, "--buffer-entries", 64,
                                  "--overflow", "drop_newest")
        r = finish(p, dropped)
        print("drop_newest: %s" % {k: v for k, v in r.items() if k != "dropped_set"})
        eq(r["reconnects"], 0, "no reconnect")
        check(r["dropped"] > 0, "some entries dropped", r["dropped"])
        check_accounting(c, r, entries, restarted=False)
        c.stop()


if __name__ == "__main__":
    cltest.main("test_sdk_stress", [test_restarts_exact_accounting,
                                    test_no_restart_no_duplicates,
                                    test_drops_while_connected_reported])
