"""End-to-end: rate limiting per source (app + peer PID) that shows its work.

Asserts:
* --rate-limit-burst 10 --rate-limit-interval 1s: one producer sends 25 info and
  3 error entries: the ack says accepted 13, rejected 0, suppressed 15; exactly
  the first 10 info entries and all 3 errors (exempt by default) are stored, in
  order; stats say rate_limited 15 and rate_limited_sources 1 while the window is
  open; when it closes, exactly one synthetic entry appears in both sinks: app
  "centrallogd", level warning (4), fields suppressed 15, source_app, source_pid
  = the producer's real PID, peer_pid = the collector's PID; then stats say
  rate_limited_sources 0 and rate_limit_reports 1; a new window admits 10 more;
* sources are (app, peer PID): two processes with the same app, and one process
  with two apps, each get their own 10; the reports name each source with its
  own count;
* the report's message shows the source app escaped as in a text line (a name
  like "web[1] (more than 9 in 1 s); all clear" adds no words of its own),
  while source_app keeps it as sent;
* --rate-limit-exempt none limits errors too;
* at shutdown, counts of windows still open are reported (interval 1h), so
  nothing is suppressed without a record;
* the defaults (10,000 per 30 s): 10,050 info entries from one process leave
  10,000 stored and 50 suppressed.
"""

import json
import os

import cltest
from cltest import check, eq, wait_for


def E(msg, app="rl", level="info"):
    return cltest.line({"app": app, "level": level, "msg": msg})


def synthetic(c):
    return c.query("SELECT app, level, msg, fields, peer_pid, pid FROM entries "
                   "WHERE app = 'centrallogd' ORDER BY id")


def test_burst_suppress_report():
    with cltest.Collector("--rate-limit-burst", "10", "--rate-limit-interval", "1s") as c:
        with c.connect() as k:
            k.send([E("info %d" % i) for i in range(25)] +
                   [E("error %d" % i, level="error") for i in range(3)])
            ack = k.sync()
            eq((ack["accepted"], ack["rejected"], ack.get("suppressed")), (13, 0, 15),
               "ack (accepted, rejected, suppressed)")
            st = k.stats()
            eq((st["rate_limited"], st["rate_limited_sources"]), (15, 1),
               "stats while the window is open")
            rows = wait_for(lambda: synthetic(c), "the synthetic report entry", timeout=10)
            eq(len(rows), 1, "one report")
            app, level, msg, fields, peer_pid, pid = rows[0]
            f = json.loads(fields)
            eq((app, level), ("centrallogd", 4), "report app and level (warning)")
            eq((f["suppressed"], f["source_app"], f["source_pid"]), (15, "rl", os.getpid()),
               "report fields (suppressed, source_app, source_pid)")
            eq((peer_pid, pid), (c.proc.pid, c.proc.pid), "the report comes from the collector")
            check("15" in msg and "rl[%d]" % os.getpid() in msg, "the message names it", msg)
            st = k.stats()
            eq((st["rate_limited"], st["rate_limited_sources"], st["rate_limit_reports"]),
               (15, 0, 1), "stats after the window closed")
            # A new window: 10 more pass.
            k.send([E("again %d" % i) for i in range(12)])
            ack = k.sync()
            eq((ack["accepted"], ack["suppressed"]), (23, 17), "ack in the second window")
        c.stop()
        want = (["info %d" % i for i in range(10)] + ["error %d" % i for i in range(3)])
        msgs = c.msgs()
        eq([m for m in msgs if not m.startswith(("rate limit", "again"))], want,
           "stored entries of the first window, in order")
        eq([m for m in msgs if m.startswith("again")], ["again %d" % i for i in range(10)],
           "stored entries of the second window")
        # The second window's 2 suppressed are reported at shutdown.
        rows = synthetic(c)
        eq([json.loads(r[3])["suppressed"] for r in rows], [15, 2], "reports")
        text = [cltest.parse_text_line(x) for x in c.text_lines()]
        rep = [t for t in text if t["app"] == "centrallogd"]
        eq(len(rep), 2, "reports in the text file")
        eq(rep[0]["level"], "WARNING", "report level in the text file")
        eq([t["own"] for t in rep], [True, True],
           "reports marked as the collector's own ([centrallogd])")
        eq(len(text), 23 + 2, "text lines")


def produce(sock, app, n):
    """Child: n info entries of app, then sync; returns the ack and its PID."""
    k = cltest.Conn(sock)
    k.send([E("%s %d" % (app, i), app=app) for i in range(n)])
    ack = k.sync()
    k.close()
    return {"pid": os.getpid(), "ack": ack}


def test_sources_are_app_and_pid():
    with cltest.Collector("--rate-limit-burst", "10", "--rate-limit-interval", "1h") as c:
        procs = [cltest.spawn(__file__, "produce", c.sock, "same", 14) for _ in range(2)]
        res = cltest.collect(procs)
        for r in res:
            eq((r["ack"]["accepted"], r["ack"]["suppressed"]), (10, 4),
               "each process has its own bucket")
        with c.connect() as k:
            k.send([E("x %d" % i, app="x") for i in range(11)] +
                   [E("y %d" % i, app="y") for i in range(13)])
            ack = k.sync()
            eq((ack["accepted"], ack["suppressed"]), (20, 4), "each app has its own bucket")
            eq(k.stats()["rate_limited_sources"], 4, "limited sources")
        c.stop()
        got = sorted((json.loads(r[3])["source_app"], json.loads(r[3])["source_pid"],
                      json.loads(r[3])["suppressed"]) for r in synthetic(c))
        want = sorted([("same", res[0]["pid"], 4), ("same", res[1]["pid"], 4),
                       ("x", os.getpid(), 1), ("y", os.getpid(), 3)])
        eq(got, want, "reports at shutdown (source_app, source_pid, suppressed)")


def test_report_names_app_escaped():
    """A producer's app cannot write words of its own into the collector's
    report: the message names it as a text line does (only [A-Za-z0-9._/@+=,-]
    raw), the field keeps it as sent."""
    app = "web[1] (more than 9 in 1 s); all clear\u3164\uff3b"
    with cltest.Collector("--rate-limit-burst", "2", "--rate-limit-interval", "1h") as c:
        with c.connect() as k:
            k.send([E("m %d" % i, app=app) for i in range(3)])
            eq(k.sync()["suppressed"], 1, "suppressed")
        c.stop()
        rows = synthetic(c)
        eq(len(rows), 1, "one report")
        shown = ("web\\x5b1\\x5d\\x20\\x28more\\x20than\\x209\\x20in\\x201\\x20s\\x29\\x3b"
                 "\\x20all\\x20clear\\u3164\\uff3b")
        eq(rows[0][2], "rate limit: suppressed 1 entries from %s[%d] (more than 2 in 3600 s)"
           % (shown, os.getpid()), "the report's message")
        eq(json.loads(rows[0][3])["source_app"], app, "source_app as sent")


def test_exempt_none():
    with cltest.Collector("--rate-limit-burst", "2", "--rate-limit-exempt", "none") as c:
        with c.connect() as k:
            k.send([E("e %d" % i, level="emergency") for i in range(5)])
            ack = k.sync()
            eq((ack["accepted"], ack["suppressed"]), (2, 3), "errors limited too")
        c.stop()


def test_defaults():
    n = 10050
    with cltest.Collector() as c:
        with c.connect() as k:
            lines = [E("d %d" % i) for i in range(n)]
            for i in range(0, n, 1000):
                k.send(lines[i:i + 1000])
            ack = k.sync()
            eq((ack["accepted"], ack["suppressed"]), (10000, 50), "defaults: 10,000 per window")
        c.stop()
        rows = synthetic(c)
        eq([json.loads(r[3])["suppressed"] for r in rows], [50], "report at shutdown")
        eq(c.scalar("SELECT count(*) FROM entries"), 10001, "rows")


if __name__ == "__main__":
    cltest.main("test_ratelimit", [test_burst_suppress_report, test_sources_are_app_and_pid,
                                   test_report_names_app_escaped,
                                   test_exempt_none, test_defaults])
