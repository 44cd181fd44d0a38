"""End-to-end: good and bad lines mixed on one connection, and awkward producers.

Asserts:
* one connection with good lines and every kind of bad line (each reason code of
  PROTOCOL.md section 3, a line over --max-entry-bytes followed by a good line,
  CRLF, blank lines, unknown op, malformed op, stats, ping): the sync ack has the
  exact accepted/rejected counts, the rejects table has the exact reason codes in
  order with the raw bytes, every good entry is stored with the exact column
  values, the replies came in request order and the connection kept working;
* the --max-entry-bytes boundary: exactly the limit is accepted (LF and CRLF),
  one byte more is too_large;
* a too_large reject records the line's full length in raw_len (schema);
* a client that disconnects mid-line: exactly one `truncated` reject whose raw is
  the partial bytes, and its earlier complete lines stored;
* fire-and-forget producers (never read; one even sends a sync and hangs up):
  everything stored;
* sync ids are echoed as given (large integers included);
* a msg with \\n, \\r, ESC, DEL, C1, U+2028/U+2029 is ONE text line with no raw
  control bytes, correctly escaped; the database keeps the exact msg; the NDJSON
  text format round-trips it.
"""

import json
import os
import time
from datetime import datetime

import cltest
from cltest import check, eq

MAX = 1024


def E(msg, **kw):
    d = {"app": "mix", "level": "info", "msg": msg}
    d.update(kw)
    return cltest.line(d)


def wait_for(pred, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        check(time.monotonic() < deadline, "timed out waiting for " + what)
        time.sleep(0.02)


def big_line(n):
    """A complete entry line of exactly n bytes before the terminator."""
    head = b'{"app":"mix","level":"info","msg":"'
    tail = b'"}'
    return head + b"L" * (n - len(head) - len(tail)) + tail


def test_mixed_connection():
    good_fields = b'{"app":"mix","level":"trace","msg":"good 4 all keys",' \
        b'"ts":"2024-02-29T12:34:56.789012+02:00","host":"h1","pid":42,"tid":7,' \
        b'"logger":"lg","trace_id":"t1","span_id":"s1",' \
        b'"fields": { "b" : 1.50 , "a" : "x", "n": [1, 2e3] },"custom":true}\n'
    long_line = b'{"app":"mix","level":"info","msg":"' + b"y" * 2000 + b'"}\n'
    huge_line = b'{"app":"mix","level":"info","msg":"' + b"z" * 300000 + b'"}\n'
    # (bytes sent, expectation): ("ok", msg) | ("rej", code) | ("blank",) | ("reply", op/code)
    script = [
        (E("good 1"), ("ok", "good 1")),
        (b"not json\n", ("rej", "not_json")),
        (b'{"app":"mix","level":"info","msg":"bad \xff utf8"}\n', ("rej", "invalid_utf8")),
        (b'{"app":"mix","level":"info","msg":"\xc0\xaf overlong"}\n', ("rej", "invalid_utf8")),
        (b'{"app":"mix","level":"info","msg":"\xed\xa0\x80 surrogate"}\n', ("rej", "invalid_utf8")),
        (b'{"app":"mix","level":"info"}\n', ("rej", "missing_field")),
        (b'{"app":"mix","level":"loud","msg":"m"}\n', ("rej", "bad_level")),
        (b'{"app":"mix","level":9,"msg":"m"}\n', ("rej", "bad_level")),
        (long_line, ("rej", "too_large")),
        (E("good 2 after too_large", level="WARNING"), ("ok", "good 2 after too_large")),
        (E("good 3 crlf", level=3)[:-1] + b"\r\n", ("ok", "good 3 crlf")),
        (b"\n", ("blank",)),
        (b"   \t  \n", ("blank",)),
        (b"\r\n", ("blank",)),
        # Unknown and malformed requests are answered and also kept as
        # unknown_op rejects (they may be someone's entries).
        (b'{"op":"frobnicate","id":7}\n', ("reply", "unknown_op", "unknown_op")),
        (b'{"op":5}\n', ("reply", "bad_request", "unknown_op")),
        (b'{"op":"stats"}\n', ("reply", "stats")),
        (b'{"op":"ping"}\n', ("reply", "pong")),
        (b'{"app":"mix","level":"info","msg":"ctl \x01 raw"}\n', ("rej", "control_char")),
        (b'\xef\xbb\xbf{"app":"mix","level":"info","msg":"bom"}\n', ("rej", "not_json")),
        (b'{"app":"mix","level":"info","msg":"\\ud800"}\n', ("rej", "not_json")),
        (b'{"app":"mix","level":"info","msg":"m"} trailing\n', ("rej", "not_json")),
        (b'{"app":"mix","level":"info","msg":"m","fields":{"a":[[[[[[[[[[1]]]]]]]]]]}}\n',
         ("rej", "too_deep")),
        (b"[1,2]\n", ("rej", "not_object")),
        (b'"a string"\n', ("rej", "not_object")),
        (b'{"app":"mix","app":"b","level":"info","msg":"m"}\n', ("rej", "duplicate_key")),
        (b'{"app":"mix","level":"info","msg":5}\n', ("rej", "bad_type")),
        (b'{"app":"mix","level":"info","msg":"m","ts":"2024-13-01T00:00:00Z"}\n',
         ("rej", "bad_timestamp")),
        (b'{"app":"mix","level":"info","msg":"m","ts":"2024-01-01T00:00:00"}\n',
         ("rej", "bad_timestamp")),
        (b'{"app":"","level":"info","msg":"m"}\n', ("rej", "bad_value")),
        (b'{"app":"mix","level":"info","msg":"m","pid":-1}\n', ("rej", "bad_value")),
        (b'{"app":"' + b"a" * 129 + b'","level":"info","msg":"m"}\n', ("rej", "too_long")),
        (b'{"app":"mix","level":"info","msg":"m",'
         + b",".join(b'"k%d":1' % i for i in range(30)) + b"}\n", ("rej", "too_many_members")),
        (b'{"app":"mix","level":"info","msg":"a\\u0000b"}\n', ("rej", "nul_char")),
        (b'{"app":"mix","level":"info","msg":"m","fields":{"n":1e400}}\n', ("rej", "bad_number")),
        (huge_line, ("rej", "too_large")),
        (good_fields, ("ok", "good 4 all keys")),
        (E("good 5 after ops", level="debug"), ("ok", "good 5 after ops")),
    ]
    want_ok = [x[1] for _, x in script if x[0] == "ok"]
    want_rej = [(x[1] if x[0] == "rej" else x[2], b) for b, x in script
                if x[0] == "rej" or (x[0] == "reply" and len(x) > 2)]
    want_replies = [x[1] for _, x in script if x[0] == "reply"]

    with cltest.Collector("--max-entry-bytes", "1K", "--host", "mixhost", *cltest.ANY_TS) as c:
        with c.connect() as k:
            # Byte by byte for the first few lines, then everything in one go:
            # framing must not depend on how the bytes arrive.
            data = b"".join(b for b, _ in script)
            for i in range(200):
                k.send(data[i:i + 1])
            k.send(data[200:])
            replies = [k.read_reply() for _ in want_replies]
            eq([r.get("code", r.get("op")) for r in replies], want_replies,
               "replies in request order")
            eq(replies[0]["op"], "error", "unknown op reply op")
            check(replies[0].get("message"), "unknown_op reply has a message", replies[0])
            eq(replies[1]["op"], "error", "bad_request reply op")
            for key in ("version", "protocol", "pid", "uptime_s", "address", "connections",
                        "connections_total", "accepted", "rejected", "truncated", "committed",
                        "queue_entries", "queue_bytes", "db_path", "db_size", "log_path",
                        "rotations", "fts_indexed", "fts_pending"):
                check(key in replies[2], "stats reply lacks %r" % key, replies[2])
            eq(replies[2]["address"], c.sock, "stats address")
            eq(replies[3]["protocol"], 1, "pong protocol")
            ack = k.sync(1)
            eq((ack["accepted"], ack["rejected"]), (len(want_ok), len(want_rej)),
               "ack (accepted, rejected)")
            # The connection still works after all that.
            k.send(E("good 6 after sync"))
            ack = k.sync("two")
            eq((ack["accepted"], ack["rejected"]), (len(want_ok) + 1, len(want_rej)),
               "second ack (accepted, rejected)")
            want_ok.append("good 6 after sync")

        rej = c.rejects()
        eq([r[0] for r in rej], [w[0] for w in want_rej], "reject reason codes in order")
        for (reason, raw, raw_len, message), (code, sent) in zip(rej, want_rej):
            body = sent[:-1]
            check(message, "reject %s has a message" % code)
            if code == "too_large":
                check(len(raw) >= MAX and body.startswith(raw),
                      "too_large raw must be the head of the line (%d bytes)" % len(raw), raw[:80])
            else:
                eq(raw, body, "raw bytes of the %s reject" % code)
                eq(raw_len, len(body), "raw_len of the %s reject" % code)
        peer = c.query("SELECT DISTINCT peer_pid, peer_uid, peer_gid FROM rejects")
        eq(len(peer), 1, "one peer for all rejects")

        eq(peer[0], (os.getpid(), os.getuid(), os.getgid()), "peer credentials of rejects")

        eq(c.msgs(), want_ok, "entries in the database, in order")
        rows = c.query("SELECT msg, level, app, host, pid, tid, logger, trace_id, span_id, "
                       "fields, extra, ts, received, peer_pid FROM entries ORDER BY id")
        by = {r[0]: r for r in rows}
        eq(by["good 1"][1:11], (6, "mix", "mixhost", None, None, None, None, None, None, None),
           "good 1 columns (level..extra)")
        eq(by["good 2 after too_large"][1], 4, "level WARNING -> 4")
        eq(by["good 3 crlf"][1], 3, "level 3 -> 3 (and no \\r in msg)")
        eq(by["good 5 after ops"][1], 7, "level debug -> 7")
        ts = int(datetime.fromisoformat("2024-02-29T12:34:56.789012+02:00").timestamp() * 1e6)
        eq(by["good 4 all keys"][1:12],
           (8, "mix", "h1", 42, 7, "lg", "t1", "s1", '{"b":1.50,"a":"x","n":[1,2e3]}',
            '{"custom":true}', ts), "good 4 columns (level..ts)")
        for r in rows:
            eq(r[13], os.getpid(), "peer_pid of %r" % r[0])
            if r[0] != "good 4 all keys":
                check(abs(r[11] - r[12]) < 1000, "ts defaults to received for %r" % r[0])

        st = c.stats()
        eq((st["accepted"], st["rejected"], st["truncated"]), (len(want_ok), len(want_rej), 0),
           "stats (accepted, rejected, truncated)")
        lines = c.text_lines()
        eq(len(lines), len(want_ok), "text lines")
        t4 = [cltest.parse_text_line(ln) for ln in lines if "good 4" in ln][0]
        eq((t4["ts"], t4["host"], t4["app"], t4["pid"], t4["level"]),
           ("2024-02-29T10:34:56.789012Z", "h1", "mix", 42, "TRACE"), "text line of good 4")
        eq(t4["rest"], 'good 4 all keys {"b":1.50,"a":"x","n":[1,2e3]} extra={"custom":true}',
           "text line of good 4 after the level")
        c.stop()


def test_max_entry_boundary():
    at = big_line(MAX)
    over = big_line(MAX + 1)
    with cltest.Collector("--max-entry-bytes", "1K") as c:
        with c.connect() as k:
            k.send(at + b"\n")
            k.send(at + b"\r\n")
            k.send(over + b"\n")
            k.send(over + b"\r\n")
            k.send(E("after"))
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (3, 2), "ack at/over the limit")
        eq([r[0] for r in c.rejects()], ["too_large", "too_large"], "reject codes")
        eq(len(c.msgs()), 3, "entries stored")
        c.stop()


def test_too_large_raw_len():
    """schema/partition.sql: raw_len is 'the line's full length'."""
    body = big_line(5000)
    with cltest.Collector("--max-entry-bytes", "1K") as c:
        with c.connect() as k:
            k.send(body + b"\n" + E("after"))
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (1, 1), "ack")
        rej = c.rejects()
        eq([r[0] for r in rej], ["too_large"], "reject codes")
        check(body.startswith(rej[0][1]), "raw is the head of the line")
        eq(rej[0][2], len(body), "raw_len of a too_large reject (the line's full length)")
        c.stop()


def test_oversized_lines_back_to_back():
    """Regression: a too_large line whose newline arrives in the same read as
    more than the limit of the next line. Both rejects must be recorded, each
    with its own full length (the first one used to be lost, and the second's
    length recorded in its place)."""
    a = big_line(2000)
    b = big_line(3000)
    with cltest.Collector("--max-entry-bytes", "1K") as c:
        with c.connect() as k:
            k.send(a)                      # reported early, still discarding
            time.sleep(0.3)                # read before the rest arrives
            k.send(b"\n" + b + b"\n" + E("after"))
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (1, 2), "ack")
        eq([(r[0], r[2]) for r in c.rejects()], [("too_large", 2000), ("too_large", 3000)],
           "(reason, raw_len) of both rejects")
        c.stop()


def test_disconnect_mid_line():
    partial = b'{"app":"mix","level":"info","msg":"never final'
    with cltest.Collector() as c:
        k = c.connect()
        k.send(E("before 1") + E("before 2") + b"not json either\n" + partial)
        time.sleep(0.1)
        k.close()
        wait_for(lambda: c.stats()["truncated"] == 1, "the truncated counter")
        wait_for(lambda: len(c.rejects()) == 2, "the truncated reject in the database")
        # Nothing more may arrive: give the collector a moment to misbehave.
        time.sleep(0.3)
        rej = c.rejects()
        eq([r[0] for r in rej], ["not_json", "truncated"], "reject codes")
        eq(rej[1][1], partial, "truncated raw = the partial bytes")
        eq(rej[1][2], len(partial), "truncated raw_len")
        eq(c.msgs(), ["before 1", "before 2"], "complete lines before the cut")
        # The same on a connection that half-closes and waits for the collector.
        k = c.connect()
        k.send(E("before 3") + b'{"app":"mix"')
        k.shut_wr()
        eq(k.read_eof(), b"", "no reply for a half-closed producer without requests")
        k.close()
        wait_for(lambda: len(c.rejects()) == 3, "the second truncated reject")
        rej = c.rejects()
        eq((rej[2][0], rej[2][1]), ("truncated", b'{"app":"mix"'), "second truncated reject")
        wait_for(lambda: "before 3" in c.msgs(), "before 3")
        st = c.stats()
        eq((st["accepted"], st["rejected"], st["truncated"]), (3, 3, 2),
           "stats (accepted, rejected, truncated)")
        eq(len(c.text_lines()), 3, "text lines")
        c.stop()


def test_fire_and_forget():
    n = 5000
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        # Never reads, never asks anything, hangs up.
        k = c.connect()
        k.send(b"".join(E("faf %d" % i) for i in range(n)))
        k.close()
        # Never reads its replies: a sync and a stats, then hangs up at once.
        k = c.connect()
        k.send(b"".join(E("faf2 %d" % i) for i in range(n)) + b'{"op":"sync","id":1}\n'
               + b'{"op":"stats"}\n')
        k.close()
        want = ["faf %d" % i for i in range(n)] + ["faf2 %d" % i for i in range(n)]
        wait_for(lambda: c.scalar("SELECT count(*) FROM entries") >= 2 * n, "all entries")
        # A third keeps its connection open and never reads; its entries are
        # committed within the batch interval all the same.
        k3 = c.connect()
        k3.send(b"".join(E("faf3 %d" % i) for i in range(100)))
        want += ["faf3 %d" % i for i in range(100)]
        wait_for(lambda: c.scalar("SELECT count(*) FROM entries") >= 2 * n + 100, "faf3 entries")
        c.stop()
        k3.close()
        msgs = c.msgs()
        eq(len(msgs), len(want), "entries stored")
        cltest.diff_sets(msgs, want, "fire-and-forget msgs in the DB")
        cltest.diff_sets(c.text_msgs(), want, "fire-and-forget msgs in the text file")
        eq(c.rejects(), [], "rejects")


NASTY = "nasty\nA\rB\x1b[31mred\x1b[0m\u2028ls\u2029ps\x85nel\x7fdel\ttab\\bs\x08bs\x9b csi"
NASTY_ESCAPED = ("nasty\\nA\\rB\\x1b[31mred\\x1b[0m\\u2028ls\\u2029ps\\u0085nel\\x7fdel\\ttab"
                 "\\\\bs\\x08bs\\u009b csi")


def _assert_clean(raw_line, what):
    """No raw C0/DEL/C1/U+2028/U+2029 in a text line (bytes, without the \\n)."""
    for i, b in enumerate(raw_line):
        check(b >= 0x20 and b != 0x7F, "%s: raw control byte 0x%02x at %d" % (what, b, i),
              raw_line)
    s = raw_line.decode("utf-8")
    for ch in s:
        check(not (0x80 <= ord(ch) <= 0x9F) and ch not in "\u2028\u2029",
              "%s: raw U+%04X" % (what, ord(ch)), raw_line)
    eq(len(s.splitlines()), 1, what + ": str.splitlines() count")


def test_text_control_chars():
    fields = {"k": "f\u2028x\x85y\x7fz", "e": "\x1b"}
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(cltest.line({"app": "mix", "level": "info", "msg": NASTY}))
            k.send(cltest.line({"app": "mix", "level": "info", "msg": "with fields",
                                "fields": fields, "odd\u2028key": "v\x7f"}))
            k.send(E("plain after"))
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (3, 0), "ack")
        eq(c.msgs(), [NASTY, "with fields", "plain after"], "msgs in the DB (exact)")
        data = cltest.read_text_file(c.log)
        raw_lines = data.split(b"\n")
        eq(raw_lines[-1], b"", "text file ends with a newline")
        raw_lines = raw_lines[:-1]
        eq(len(raw_lines), 3, "text lines for 3 entries")
        for i, rl in enumerate(raw_lines):
            _assert_clean(rl, "text line %d" % i)
        t0 = cltest.parse_text_line(raw_lines[0].decode())
        eq(t0["rest"], NASTY_ESCAPED, "escaped msg in the text line")
        eq(t0["msg"], NASTY, "unescaped text msg")
        t1 = cltest.parse_text_line(raw_lines[1].decode())
        check(t1["rest"].startswith("with fields {"), "fields follow the msg", t1["rest"])
        f_text, extra_text = t1["rest"][len("with fields "):].split(" extra=")
        eq(json.loads(f_text), fields, "fields in the text line decode to what was sent")
        eq(json.loads(extra_text), {"odd\u2028key": "v\x7f"}, "extra in the text line")
        c.stop()

    with cltest.Collector("--text-format", "json") as c:
        with c.connect() as k:
            k.send(cltest.line({"app": "mix", "level": "info", "msg": NASTY, "fields": fields}))
            k.sync()
        raw_lines = cltest.read_text_file(c.log).split(b"\n")
        eq(len(raw_lines), 2, "one NDJSON line")
        _assert_clean(raw_lines[0], "NDJSON line")
        obj = json.loads(raw_lines[0])
        eq((obj["msg"], obj["fields"], obj["level"], obj["app"]), (NASTY, fields, "info", "mix"),
           "NDJSON round trip")
        c.stop()


def test_sync_id_echo():
    """PROTOCOL.md section 4: id "is echoed as given (any JSON number or string;
    optional)"; without an id the ack has none."""
    ids = [0, 1, -5, 1.5, "abc", "", "\u00e9\u65e5", 4294967296, 1234567890123456,
           0.30000000000000004, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 64 - 1]
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(b'{"op":"sync"}\n')
            ack = k.read_reply()
            eq(ack, {"op": "ack", "accepted": 0, "rejected": 0}, "ack without an id")
            wrong = []
            for i in ids:
                k.send(cltest.line({"op": "sync", "id": i}))
                ack = k.read_reply()
                eq(ack.get("op"), "ack", "reply op")
                if ack.get("id") != i or type(ack.get("id")) is not type(i):
                    wrong.append((i, ack.get("id")))
            eq(wrong, [], "ids not echoed as given (sent, got)")
        c.stop()


if __name__ == "__main__":
    cltest.main("test_mixed", [test_mixed_connection, test_max_entry_boundary,
                               test_too_large_raw_len, test_oversized_lines_back_to_back,
                               test_disconnect_mid_line,
                               test_fire_and_forget, test_text_control_chars,
                               test_sync_id_echo])
