"""End-to-end: hostile input never costs the collector or its neighbours.

Asserts:
* every case of the committed corpus in tests/hostile/ (its README table is the
  source of the verdicts) plus a generated 10 MB line, each sent between two good
  entries on one connection: the collector keeps running; the sync ack has the
  exact accepted/rejected counts; the rejects table holds exactly the documented
  reason codes, in order, with the raw bytes (up to 4 KiB) and the full length;
  both good entries around every case are stored, in order; accepted cases are
  stored exactly (msg as decoded, fields byte-for-byte); the text file has one
  clean line per stored entry (no raw control bytes, C1 controls, U+2028/9);
* log forging through every string the text line shows (app, host, logger,
  trace_id, span_id, msg, field and extra keys) with U+2028/U+2029, C1
  controls, escaped newlines, CRs and ESC: one line per entry in both text
  formats, values round-trip; the same characters where the schema forbids
  control characters (app, host, logger) are rejected with bad_value;
* SQL in messages, app names, fields and unknown keys is stored verbatim and
  the schema is untouched (parameterized statements only).
"""

import json
import os
import re

import cltest
from cltest import check, eq

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "hostile")


def corpus():
    """[(name, bytes, verdict, code)] from the README table."""
    out = []
    with open(os.path.join(CORPUS, "README.md"), encoding="utf-8") as f:
        for ln in f:
            cells = [x.strip() for x in ln.strip().strip("|").split("|")]
            if len(cells) != 3 or not cells[0].startswith("`"):
                continue
            name = cells[0].strip("`")
            words = cells[2].split()
            verdict = words[0]
            code = words[1] if verdict == "reject" else None
            with open(os.path.join(CORPUS, name), "rb") as g:
                out.append((name, g.read(), verdict, code))
    names = sorted(n for n in os.listdir(CORPUS) if n != "README.md")
    eq(sorted(c[0] for c in out), names, "corpus files vs README table")
    return out


def good(tag):
    return cltest.line({"app": "hostile", "level": "info", "msg": "good " + tag})


def unsafe_cp(cp):
    """common/unsafe.h: what never reaches a text line raw (controls, line
    separators, every Unicode 15.0 default-ignorable code point, interlinear
    annotation, noncharacters)."""
    return (cp < 0x20 or 0x7F <= cp <= 0x9F or cp in (0x00AD, 0x034F, 0x061C, 0x3164, 0xFEFF, 0xFFA0)
            or 0x115F <= cp <= 0x1160 or 0x17B4 <= cp <= 0x17B5 or 0x180B <= cp <= 0x180F
            or 0x200B <= cp <= 0x200F or 0x2028 <= cp <= 0x202E or 0x2060 <= cp <= 0x206F
            or 0xFDD0 <= cp <= 0xFDEF or 0xFE00 <= cp <= 0xFE0F or 0xFFF0 <= cp <= 0xFFFB
            or 0x1BCA0 <= cp <= 0x1BCA3 or 0x1D173 <= cp <= 0x1D17A or 0xE0000 <= cp <= 0xE0FFF
            or cp & 0xFFFE == 0xFFFE)


# A name (app, host) in a text line: [A-Za-z0-9._/@+=,-] raw, all else escaped.
NAME_RE = re.compile(r"^(?:[A-Za-z0-9._/@+=,-]|\\(?:\\|[nrt]|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}))+$")


def assert_clean(raw_line, what):
    for i, b in enumerate(raw_line):
        check(b >= 0x20 and b != 0x7F, "%s: raw control byte 0x%02x at %d" % (what, b, i),
              raw_line[:200])
    s = raw_line.decode("utf-8")
    for ch in s:
        check(not unsafe_cp(ord(ch)), "%s: raw U+%04X" % (what, ord(ch)), raw_line[:200])
    eq(len(s.splitlines()), 1, what + ": str.splitlines() count")


def test_corpus():
    cases = corpus()
    big = (b'{"app":"hostile","level":"info","msg":"' + b"B" * 10000000 + b'"}')
    cases.append(("generated 10 MB line", big, "reject", "too_large"))
    want_msgs, want_rej, accepted, want_names = [], [], [], []
    with cltest.Collector("--max-entry-bytes", "128K") as c:
        with c.connect(timeout=120) as k:
            for i, (name, data, verdict, code) in enumerate(cases):
                k.send(good("before %s" % name) + data + b"\n" + good("after %s" % name))
                want_msgs.append("good before %s" % name)
                want_names.append(("hostile", None))
                if verdict == "accept":
                    obj = json.loads(data.decode("utf-8"))
                    want_msgs.append(obj["msg"])
                    want_names.append((obj["app"], obj.get("host")))
                    accepted.append((name, data))
                elif verdict == "reject":
                    want_rej.append((name, code, data))
                else:
                    eq(verdict, "ignore", "verdict of %s" % name)
                want_msgs.append("good after %s" % name)
                want_names.append(("hostile", None))
            ack = k.sync(timeout=120)
            eq((ack["accepted"], ack["rejected"]), (len(want_msgs), len(want_rej)),
               "ack (accepted, rejected)")
            st = k.stats()
        check(c.running(), "the collector survived")
        eq((st["accepted"], st["rejected"]), (len(want_msgs), len(want_rej)), "stats")
        rej = c.rejects()
        eq([(n, r[0]) for (n, _, _), r in zip(want_rej, rej)], [(n, code) for n, code, _ in want_rej],
           "(case, reason) of every reject, in order")
        eq(len(rej), len(want_rej), "rejects")
        for (name, code, data), (reason, raw, raw_len, message) in zip(want_rej, rej):
            eq(raw_len, len(data), "raw_len of %s" % name)
            eq(raw, data[:len(raw)], "raw of %s is the line's head" % name)
            eq(len(raw), min(len(data), 4096) if code != "too_large" else len(raw),
               "raw of %s is kept up to 4 KiB" % name)
            check(message, "reject of %s has a message" % name)
        eq(c.msgs(), want_msgs, "stored entries, in order")
        for name, data in accepted:
            m = re.search(rb',"fields":(.*)\}$', data)
            if m:
                rows = c.query_raw("SELECT fields FROM entries WHERE msg = ?",
                                   (json.loads(data.decode())["msg"],))
                eq(rows, [(m.group(1),)], "fields of %s stored byte-for-byte" % name)
        raw_lines = cltest.read_text_file(c.log).split(b"\n")
        eq(raw_lines[-1], b"", "text file ends with a newline")
        eq(len(raw_lines) - 1, len(want_msgs), "one text line per stored entry")
        for i, rl in enumerate(raw_lines[:-1]):
            assert_clean(rl, "text line %d" % i)
        text = [cltest.parse_text_line(x) for x in c.text_lines()]
        for t, m in zip(text, want_msgs):
            # msg comes first; fields and extra keys may follow it.
            check(t["msg"] == m or t["msg"].startswith(m + " "), "text line of %r" % m, t["rest"])
        eq(len(want_names), len(want_msgs), "one name pair per stored entry")
        for t, m, (app, host) in zip(text, want_msgs, want_names):
            # Names are plainly one word of [A-Za-z0-9._/@+=,-] and escapes:
            # no space, bracket, colon or look-alike of them, nothing non-ASCII.
            check(NAME_RE.match(t["raw_app"]), "app of %r in the text file" % m, t["raw_app"])
            eq(t["app"], app, "app of %r round trip" % m)
            if host is not None:
                check(NAME_RE.match(t["host"]), "host of %r in the text file" % m, t["host"])
                eq(cltest.unescape_text(t["host"]), host, "host of %r round trip" % m)
        c.stop()


# Characters that must never reach a text line raw. App, host and logger may
# not hold control characters (C1 included), but U+2028/U+2029 are not
# control characters: the text sink must escape them there too.
SEPS = "\u2028ls\u2029ps"
NASTY = SEPS + "\u0085nel\u009bcsi"


def test_forging_every_text_field():
    entries = [
        {"app": "ap" + SEPS, "level": "info", "msg": "app"},
        {"app": "a", "host": "h" + SEPS, "level": "info", "msg": "host"},
        {"app": "a", "logger": "l" + SEPS, "level": "info", "msg": "logger"},
        {"app": "a", "trace_id": "t\u2028", "span_id": "s\u2029", "level": "info",
         "msg": "ids"},
        {"app": "a", "level": "info",
         "msg": "x\n2026-01-01T00:00:00.000000Z host fake[1] ERROR: forged\r\n\x1b[2K" + NASTY},
        {"app": "a", "level": "info", "msg": "keys",
         "fields": {"k\nfake line": "v\r\n", "\u2028": NASTY}, "odd\nkey": "\x1b]0;title\x07"},
    ]
    refused = [
        {"app": "a\nfake", "level": "info", "msg": "m"},
        {"app": "a", "host": "h\x1b[31m", "level": "info", "msg": "m"},
        {"app": "a", "logger": "l\u0085", "level": "info", "msg": "m"},
        {"app": "a", "trace_id": "t\r", "level": "info", "msg": "m"},
    ]
    for fmt in ("text", "json"):
        with cltest.Collector("--text-format", fmt) as c:
            with c.connect() as k:
                k.send(entries + refused)
                ack = k.sync()
            eq((ack["accepted"], ack["rejected"]), (len(entries), len(refused)), fmt + " ack")
            eq([r[0] for r in c.rejects()], ["bad_value"] * len(refused),
               "control characters where the schema forbids them")
            raw = cltest.read_text_file(c.log).split(b"\n")
            eq(raw[-1], b"", "ends with a newline")
            eq(len(raw) - 1, len(entries), "%s: one line per entry" % fmt)
            for i, rl in enumerate(raw[:-1]):
                assert_clean(rl, "%s line %d" % (fmt, i))
            if fmt == "text":
                t = [cltest.parse_text_line(x.decode()) for x in raw[:-1]]
                eq(cltest.unescape_text(t[0]["app"]), entries[0]["app"], "app round trip")
                eq(cltest.unescape_text(t[1]["host"]), entries[1]["host"], "host round trip")
                eq(t[4]["msg"], entries[4]["msg"], "msg round trip")
            else:
                objs = [json.loads(x) for x in raw[:-1]]
                for o, e in zip(objs, entries):
                    for key in ("app", "host", "logger", "trace_id", "span_id", "msg", "fields"):
                        if key in e:
                            eq(o[key], e[key], "NDJSON %s round trip" % key)
            eq(c.msgs(), [e["msg"] for e in entries], "database keeps the exact msgs")
            c.stop()


SQL = ["'); DROP TABLE entries; --", "\" OR 1=1 --", "x' UNION SELECT raw FROM rejects --",
       "Robert'); DELETE FROM rejects;--", "%s %d ?1 :name @p $x", "\\'; ATTACH '/tmp/x' AS y;--"]


def test_sql_verbatim():
    with cltest.Collector() as c:
        schema = c.query("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        with c.connect() as k:
            for i, s in enumerate(SQL):
                k.send({"app": "sql" + s[:20], "level": "info", "msg": s,
                        "fields": {s: s}, "x'); DROP TABLE meta;--": s})
            k.send(b"not json '); DROP TABLE rejects; --\n")
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (len(SQL), 1), "ack")
        rows = c.query("SELECT app, msg, fields, extra FROM entries ORDER BY id")
        for s, (app, msg, fields, extra) in zip(SQL, rows):
            eq((app, msg), ("sql" + s[:20], s), "app and msg verbatim")
            eq(json.loads(fields), {s: s}, "fields verbatim")
            eq(json.loads(extra), {"x'); DROP TABLE meta;--": s}, "extra verbatim")
        eq(c.rejects()[0][1], b"not json '); DROP TABLE rejects; --", "raw of the reject")
        for s in SQL:
            eq(c.query("SELECT count(*) FROM entries WHERE msg = ?", (s,)), [(1,)],
               "exact match of %r" % s)
        eq(c.query("SELECT type, name, sql FROM sqlite_master ORDER BY name"), schema,
           "schema untouched")
        c.stop()


if __name__ == "__main__":
    cltest.main("test_hostile", [test_corpus, test_forging_every_text_field, test_sql_verbatim])
