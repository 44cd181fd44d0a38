#!/usr/bin/python3
"""End-to-end: a producer's claimed time (`ts`) cannot pin an entry to the top
of every listing, nor hide it from every recent one (issue 13).

Asserts, with the collector's default window (--max-ts-ahead 10m,
--max-ts-age 7d):
* an entry claiming 9999-12-31 and a critical one claiming 0001-01-01 are
  stored with ts = their arrival (received), the claim kept in extra as sent
  ({"ts":"9999-12-31T23:59:59Z"}); an entry claiming one hour ago keeps its
  claim to the microsecond, with no extra;
* `centrallog -n 1` shows the entry sent last, not the 9999 one; `-r` lists
  exactly (last sent, 0001, 9999, one hour ago); `-p crit -S today` finds the
  0001 entry; `tail -n 1` starts with the entry sent last;
* the text file shows the arrival time and the claim (extra={"ts":...});
* with --max-ts-age off --max-ts-ahead off every claim is the event time
  again (the pre-window behaviour, for importing old logs).
"""

import datetime
import json
import time

import cltest
from cltest import check, eq
from cli_data import Follower, run_ok

US = 1000000

FAR_FUTURE = "9999-12-31T23:59:59Z"
FAR_PAST = "0001-01-01T00:00:00Z"


def rfc3339(us):
    t = datetime.datetime.fromtimestamp(us // US, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (us % US)


def send_claims(c, hour_ago_us):
    entries = [
        cltest.entry("from 9999", app="ts", ts=FAR_FUTURE),
        cltest.entry("from year 1", app="ts", level="critical", ts=FAR_PAST),
        cltest.entry("an hour ago", app="ts", ts=rfc3339(hour_ago_us)),
        cltest.entry("last sent", app="ts"),
    ]
    with c.connect() as k:
        k.send(entries)
        ack = k.sync()
    eq((ack["accepted"], ack["rejected"]), (4, 0), "ack")


def cat(args, db):
    return run_ok(["-o", "cat"] + args, db).decode().splitlines()


def test_window():
    # -S today / -U today: the day the entries arrived must be the CLI's.
    cltest.clear_of_midnight(120)
    hour_ago = int(time.time() * US) - 3600 * US
    today = datetime.datetime.now(datetime.timezone.utc).date()
    with cltest.Collector() as c:
        send_claims(c, hour_ago)
        rows = c.query("SELECT msg, ts, received, extra FROM entries ORDER BY id")
        eq([r[0] for r in rows], ["from 9999", "from year 1", "an hour ago", "last sent"], "rows")
        for msg, ts, received, extra in rows[:2]:
            eq(ts, received, "%s: ts is the arrival" % msg)
        eq(rows[0][3], '{"ts":"%s"}' % FAR_FUTURE, "9999: the claim in extra, as sent")
        eq(rows[1][3], '{"ts":"%s"}' % FAR_PAST, "0001: the claim in extra, as sent")
        eq((rows[2][1], rows[2][3]), (hour_ago, None), "one hour ago: the claim is the time")
        check(rows[2][2] - rows[2][1] >= 3600 * US, "one hour ago: received is later", rows[2])
        eq((rows[3][1], rows[3][3]), (rows[3][2], None), "no claim: ts is the arrival")

        db = c.db
        eq(cat(["-n", "1"], db), ["last sent"], "-n 1")
        eq(cat(["-r"], db), ["last sent", "from year 1", "from 9999", "an hour ago"], "-r")
        eq(cat(["-n", "4"], db), ["an hour ago", "from 9999", "from year 1", "last sent"], "-n 4")
        # The day boundary (UTC, see cli_env) must not pass during this test.
        eq(datetime.datetime.now(datetime.timezone.utc).date(), today, "still the same day")
        eq(cat(["-p", "crit", "-S", "today"], db), ["from year 1"], "-p crit -S today")
        eq(cat(["-U", "today"], db), [] if rfc3339(hour_ago)[:10] == str(today)
           else ["an hour ago"], "-U today: no claimed 0001 entry before today")

        # The CLI shows the claim with the entry (extra), the time is arrival.
        js = [json.loads(x) for x in run_ok(["-o", "ndjson", "-t", "ts"], db).splitlines()]
        by_msg = {j["msg"]: j for j in js}
        eq(by_msg["from 9999"]["extra"], {"ts": FAR_FUTURE}, "ndjson extra of the 9999 entry")
        eq(by_msg["from 9999"]["ts"], by_msg["from 9999"]["received"], "ndjson ts = received")
        eq(by_msg["an hour ago"]["ts"], rfc3339(hour_ago), "ndjson ts of the plausible claim")

        f = Follower(["tail", "-n", "1", "-o", "cat"], db)
        try:
            eq(f.line(), "last sent", "tail -n 1 starts with the entry sent last")
        finally:
            f.kill()

        text = [cltest.parse_text_line(x) for x in c.text_lines()]
        eq(len(text), 4, "text lines")
        eq(text[0]["rest"], 'from 9999 extra={"ts":"%s"}' % FAR_FUTURE, "text line of 9999")
        eq(text[0]["ts"], rfc3339(rows[0][2]), "text line of 9999: the arrival time")
        eq(text[1]["rest"], 'from year 1 extra={"ts":"%s"}' % FAR_PAST, "text line of 0001")
        eq(text[2]["ts"], rfc3339(hour_ago), "text line of the plausible claim: its time")
        c.stop()


def test_window_off():
    hour_ago = int(time.time() * US) - 3600 * US
    with cltest.Collector("--max-ts-age", "off", "--max-ts-ahead", "off") as c:
        send_claims(c, hour_ago)
        rows = c.query("SELECT msg, ts, extra FROM entries ORDER BY id")
        eq(rows, [("from 9999", 253402300799 * US, None),
                  ("from year 1", -62135596800 * US, None),
                  ("an hour ago", hour_ago, None),
                  ("last sent", rows[3][1], None)], "every claim is the event time")
        eq(cat(["-n", "1"], c.db), ["from 9999"], "-n 1 without a window")
        c.stop()


def test_window_options():
    """Narrow windows (2 s ahead, 1 h age) move claims an hour ahead and two
    hours back to extra, and keep one 30 minutes back; a TIME the parser does
    not know is refused with exit status 2."""
    now = int(time.time() * US)
    with cltest.Collector("--max-ts-age", "1h", "--max-ts-ahead", "2s") as c:
        with c.connect() as k:
            k.send([cltest.entry("ahead 1h", ts=rfc3339(now + 3600 * US)),
                    cltest.entry("age 2h", ts=rfc3339(now - 7200 * US)),
                    cltest.entry("age 30m", ts=rfc3339(now - 1800 * US))])
            k.sync()
        rows = c.query("SELECT msg, ts = received, extra IS NOT NULL FROM entries ORDER BY id")
        eq(rows, [("ahead 1h", 1, 1), ("age 2h", 1, 1), ("age 30m", 0, 0)], "narrow windows")
        c.stop()
    rc, out, err = cltest.run_daemon(["--max-ts-age", "7 days"])
    eq(rc, 2, "exit status for --max-ts-age '7 days'")
    check("--max-ts-age" in err and "off" in err, "the error names the option and off", err)


if __name__ == "__main__":
    cltest.main("test_timestamps", [test_window, test_window_off, test_window_options])
