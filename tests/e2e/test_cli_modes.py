#!/usr/bin/python3
"""End-to-end: journalctl's output habits in `centrallog` (session 8): -g
matches highlighted in colour, -o short-full and -o verbose, over one
database and over the same rows as a catalog of partitions.

Asserts:
* in a real terminal (a pty, colour chosen by --color=auto) every match of
  -g in the message is highlighted, exact bytes: bold red on uncoloured and
  yellow lines, bold on red ones; an escaped control character is
  highlighted as its escape, a line break inside a match ends and resumes
  the highlight; NO_COLOR, --color=never and a pipe print exactly what they
  printed before (no SGR at all);
* -o short-full writes journalctl's "Fri 2026-11-27 10:15:02 CET": the
  zone's abbreviation from TZ, its offset when it has none, UTC with --utc,
  dates before 1970;
* -o verbose: the header line with the full time and id, then every column
  and each fields member as fields.KEY (a key's '=' escaped), multi-line
  strings continued under the value, control characters escaped;
* following (-f, tail) in verbose and short-full, highlighted with -g, and
  rejects in both modes;
* -o export is systemd's journal export format: the real
  systemd-journal-remote turns it into a journal file in which journalctl
  --file finds every message, field member, peer credential and reject
  byte for byte (binary values for multi-line and control characters), a
  fields member never posing as a trusted field, also while following.
"""

import json
import os
import pty
import shutil
import signal
import subprocess
import tty

import cltest
from cltest import check, eq
from cltest import partitions as P
import cli_data
from cli_data import US, Follower, run_ok

T0 = 1795773600 * US  # 2026-11-27T10:00:00Z, a Friday


def E(i, msg, level=6, app="svc", ts=None, fields=None, extra=None, pid=7):
    return {"id": i, "ts": T0 + i * 60 * US if ts is None else ts,
            "received": (T0 + i * 60 * US if ts is None else ts) + 1000, "level": level,
            "app": app, "host": "h1", "pid": pid, "msg": msg, "peer_pid": pid, "peer_uid": 1000,
            "peer_gid": 1000, "peer_sid": None,
            "fields": json.dumps(fields, separators=(",", ":")) if fields is not None else None,
            "extra": json.dumps(extra, separators=(",", ":")) if extra is not None else None}


ENTRIES = [
    E(1, "hello world lol"),
    E(2, "esc \x1b[31mred\x1b[0m here", level=3),
    E(3, "trace:\n  at foo()\n  at bar()", level=4),
    E(4, "caf\u00e9 cr\u00e8me"),
    E(5, "line one\nline two\ttab", level=5, app="py",
      fields={"a=b": "x\ny", "nested": {"k": [1, "s"]}, "n": 5, "ctl": "\x1b]0;t\x07",
              "peer_uid": 0}, extra={"u": 1}),
    dict(E(6, "before the epoch", ts=-315619200 * US), received=T0 + 6 * 60 * US),
]

REJECTS = [{"id": 1, "received": T0 + 30 * US, "peer_pid": 9, "peer_uid": 1000, "peer_gid": 1000,
            "reason": "not_json", "message": "byte 0: not valid JSON", "raw": b"x\ny\x1b",
            "raw_len": 3, "peer_sid": None}]


def setup():
    global TMP, SINGLE, CATALOG
    TMP = cltest.make_tempdir("cl-modes-")
    SINGLE = os.path.join(TMP, "single.db")
    P.make_single(SINGLE, ENTRIES, REJECTS)
    CATALOG = os.path.join(TMP, "data", P.CATALOG)
    P.split(SINGLE, os.path.dirname(CATALOG), [3])


def both(args, env=None):
    one = run_ok(args, SINGLE, env)
    eq(run_ok(args, CATALOG, env), one, "centrallog %s over partitions" % " ".join(args))
    return one


def in_pty(args, env=None):
    """stdout of centrallog ARGS written to a terminal (raw mode: the bytes
    as written, no \\r added)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    full = {"TERM": "xterm-256color"}
    full.update(env or {})
    p = subprocess.Popen([cli_data.CLI] + list(args) + ["--no-pager"], stdout=slave,
                         stderr=subprocess.PIPE, env=cli_data.cli_env(SINGLE, full))
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    err = p.stderr.read().decode()
    eq(p.wait(), 0, "exit status of centrallog %s in a terminal" % " ".join(args))
    eq(err, "", "stderr")
    return out


HL = b"\x1b[0;1;31m"      # a match: bold red
HL_RED = b"\x1b[0;1;39m"  # a match on a red line: bold
R = b"\x1b[0m"
YELLOW = b"\x1b[33m"
RED = b"\x1b[31m"


def test_highlight_in_terminal():
    # Every match, on an uncoloured line.
    eq(in_pty(["-g", "l", "-U", "2026-11-27T10:02:00Z"]),
       b"Nov 27 10:01:00 h1 svc[7] INFO: he" + HL + b"ll" + R + b"o wor" + HL + b"l" + R + b"d "
       + HL + b"l" + R + b"o" + HL + b"l" + R + b"\n", "every match, merged where they touch")
    # On an error line: bold, and back to the line's red after each; the
    # escape sequence in the message is highlighted as its escaped text.
    eq(in_pty(["-g", "\\x1b\\[\\d+m", "-p", "err"]),
       RED + b"Nov 27 10:02:00 h1 svc[7] ERROR: esc " + HL_RED + b"\\x1b[31m" + R + RED
       + b"red" + HL_RED + b"\\x1b[0m" + R + RED + b" here" + R + b"\n", "escaped matches")
    # A match across a line break: the highlight ends with its line and
    # resumes after the indentation, in the line's colour.
    eq(in_pty(["-g", "foo\\(\\)\\n  at", "-p", "warning"]),
       YELLOW + b"Nov 27 10:03:00 h1 svc[7] WARNING: trace:" + R + b"\n" + b" " * 35 + YELLOW
       + b"  at " + HL + b"foo()" + R + b"\n" + b" " * 35 + YELLOW + HL + b"  at" + R + YELLOW
       + b" bar()" + R + b"\n", "a match over a line break")
    # A letter of two bytes is highlighted whole; cat too.
    eq(in_pty(["-g", "\u00e8", "-o", "cat"]), b"caf\xc3\xa9 cr" + HL + b"\xc3\xa8" + R + b"me\n",
       "a non-ASCII match in cat")
    # Without colour: exactly the piped output, no SGR at all.
    piped = run_ok(["-g", "l|\\x1b"], SINGLE)
    eq(b"\x1b[" in piped, False, "no SGR on a pipe")
    eq(in_pty(["-g", "l|\\x1b"], {"NO_COLOR": "1"}), piped, "NO_COLOR")
    eq(in_pty(["-g", "l|\\x1b", "--color=never"]), piped, "--color=never")
    # Verbose has no colours (journalctl's only bolds field names).
    eq(in_pty(["-g", "line", "-o", "verbose"]), run_ok(["-g", "line", "-o", "verbose"], SINGLE),
       "verbose in a terminal")


ONLY_4 = ["-S", "@1795773840", "-U", "@1795773841"]


def test_short_full():
    eq(both(["-o", "short-full", "-n", "2"]),
       b"Fri 2026-11-27 10:04:00 UTC h1 svc[7] INFO: caf\xc3\xa9 cr\xc3\xa8me\n"
       b"Fri 2026-11-27 10:05:00 UTC h1 py[7] NOTICE: line one\n"
       b"                                             line two\ttab {\"a=b\":\"x\\ny\","
       b"\"nested\":{\"k\":[1,\"s\"]},\"n\":5,\"ctl\":\"\\u001b]0;t\\u0007\",\"peer_uid\":0} "
       b"extra={\"u\":1}\n", "short-full in UTC")
    # As journalctl: the abbreviation, else the offset; the local date.
    eq(both(["-o", "short-full"] + ONLY_4, {"TZ": "Europe/Paris"}),
       b"Fri 2026-11-27 11:04:00 CET h1 svc[7] INFO: caf\xc3\xa9 cr\xc3\xa8me\n", "CET")
    eq(both(["-o", "short-full"] + ONLY_4, {"TZ": "<+0530>-5:30"}),
       b"Fri 2026-11-27 15:34:00 +0530 h1 svc[7] INFO: caf\xc3\xa9 cr\xc3\xa8me\n", "+0530")
    eq(both(["-o", "short-full", "--utc"] + ONLY_4, {"TZ": "Europe/Paris"}),
       b"Fri 2026-11-27 10:04:00 UTC h1 svc[7] INFO: caf\xc3\xa9 cr\xc3\xa8me\n", "--utc")
    # Before 1970: 1960-01-01 was a Friday.
    eq(both(["-o", "short-full", "-U", "1970-01-01T00:00:00Z"], {"TZ": "Europe/Paris"}),
       b"Fri 1960-01-01 01:00:00 CET h1 svc[7] INFO: before the epoch\n", "1960")


VERBOSE_5 = (
    b"Fri 2026-11-27 10:05:00.000000 UTC [id=5]\n"
    b"    id=5\n"
    b"    ts=2026-11-27T10:05:00.000000Z\n"
    b"    received=2026-11-27T10:05:00.001000Z\n"
    b"    level=notice\n"
    b"    app=py\n"
    b"    host=h1\n"
    b"    pid=7\n"
    b"    msg=line one\n"
    b"        line two\ttab\n"
    b"    fields.a\\x3db=x\n"
    b"                  y\n"
    b"    fields.nested={\"k\":[1,\"s\"]}\n"
    b"    fields.n=5\n"
    b"    fields.ctl=\\x1b]0;t\\x07\n"
    b"    fields.peer_uid=0\n"
    b"    extra={\"u\":1}\n"
    b"    peer_pid=7\n"
    b"    peer_uid=1000\n"
    b"    peer_gid=1000\n")


def test_verbose():
    eq(both(["-o", "verbose", "-p", "notice..notice"]), VERBOSE_5, "verbose")
    # --escape-all: one line per value.
    out = both(["-o", "verbose", "-p", "notice..notice", "--escape-all"])
    eq(out, VERBOSE_5.replace(b"line one\n        line two\ttab", b"line one\\nline two\\ttab")
       .replace(b"x\n                  y", b"x\\ny"), "verbose --escape-all")
    eq(both(["-o", "verbose", "-n", "1", "--utc"], {"TZ": "Europe/Paris"})
       .split(b"\n")[0], b"Fri 2026-11-27 10:05:00.000000 UTC [id=5]", "--utc header")
    eq(both(["-o", "verbose", "-n", "1"], {"TZ": "Europe/Paris"}).split(b"\n")[:3],
       [b"Fri 2026-11-27 11:05:00.000000 CET [id=5]", b"    id=5",
        b"    ts=2026-11-27T11:05:00.000000+01:00"], "local header and times")


def test_rejects():
    eq(run_ok(["rejects", "-o", "verbose"], SINGLE),
       b"Fri 2026-11-27 10:00:30.000000 UTC [id=1]\n    id=1\n"
       b"    received=2026-11-27T10:00:30.000000Z\n    peer_pid=9\n    peer_uid=1000\n"
       b"    peer_gid=1000\n    reason=not_json\n    message=byte 0: not valid JSON\n"
       b"    raw=x\\ny\\x1b\n    raw_len=3\n", "rejects -o verbose")
    eq(run_ok(["rejects", "-o", "short-full"], SINGLE),
       b"Fri 2026-11-27 10:00:30 UTC [pid 9 uid 1000] not_json: byte 0: not valid JSON | "
       b"x\\ny\\x1b\n", "rejects -o short-full")


def test_follow():
    data = os.path.join(TMP, "follow")
    P.make_single(os.path.join(TMP, "f.db"), ENTRIES[:2])
    P.split(os.path.join(TMP, "f.db"), data, [1])
    db = os.path.join(data, P.CATALOG)
    f = Follower(["tail", "-n", "1", "-o", "verbose"], db)
    eq(f.lines(2), ["Fri 2026-11-27 10:02:00.000000 UTC [id=2]", "    id=2"], "first entry")
    f.until(b"    peer_gid=1000\n")
    f.buf = b""
    P.append_live(data, [E(3, "new\nline", level=4)])
    f.until(b"    msg=new\n        line\n")
    eq(f.buf.split(b"\n")[0], b"Fri 2026-11-27 10:03:00.000000 UTC [id=3]", "followed header")
    rc, _, err, _ = f.stop()
    eq((rc, err), (0, ""), "verbose follower stopped")
    # short-full, highlighted, while following.
    # Its first line (the last match) proves its snapshot is taken: the
    # entry appended after it is a new one.
    f = Follower(["query", "-f", "-n", "1", "-o", "short-full", "-g", "o|ne", "--color=always"],
                 db)
    eq(f.lines(2), ["\x1b[33mFri 2026-11-27 10:03:00 UTC h1 svc[7] WARNING: \x1b[0;1;31mne\x1b[0m"
                    "\x1b[33mw\x1b[0m", " " * len("Fri 2026-11-27 10:03:00 UTC h1 svc[7] WARNING: ") + "\x1b[33mli\x1b[0;1;31mne\x1b[0m\x1b[33m\x1b[0m"],
       "the last match, highlighted on both lines")
    P.append_live(data, [E(4, "go on", level=6)])
    eq(f.line(), "Fri 2026-11-27 10:04:00 UTC h1 svc[7] INFO: g\x1b[0;1;31mo\x1b[0m "
       "\x1b[0;1;31mo\x1b[0mn", "followed and highlighted")
    rc, _, err, _ = f.stop()
    eq((rc, err), (0, ""), "short-full follower stopped")


JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"


def to_journal(export, name):
    """A journal file made by the real systemd-journal-remote from export."""
    path = os.path.join(TMP, name + ".journal")
    p = subprocess.run([JOURNAL_REMOTE, "-o", path, "-"], input=export, capture_output=True,
                       timeout=60)
    eq(p.returncode, 0, "systemd-journal-remote: %s" % p.stderr.decode(errors="replace"))
    return path


def journal_json(path):
    """journalctl --file PATH -o json: each entry's fields as bytes (an
    array of byte values for a binary one)."""
    p = subprocess.run(["journalctl", "--file", path, "-o", "json", "--no-pager"],
                       capture_output=True, timeout=60)
    eq(p.returncode, 0, "journalctl --file: %s" % p.stderr.decode(errors="replace"))
    out = []
    for ln in p.stdout.splitlines():
        obj = json.loads(ln)
        out.append({k: bytes(v) if isinstance(v, list) else v.encode() for k, v in obj.items()})
    return out


def test_export():
    # The format itself: a binary value's length in 64 bits, little-endian.
    one = both(["-o", "export", "-p", "notice..notice"])
    eq(one.split(b"\n")[:6], [b"__REALTIME_TIMESTAMP=1795773900000000",
                              b"CENTRALLOG_TS=2026-11-27T10:05:00.000000Z", b"CENTRALLOG_ID=5",
                              b"CENTRALLOG_RECEIVED=1795773900001000", b"PRIORITY=5",
                              b"CENTRALLOG_LEVEL=notice"], "export's first fields")
    msg = b"line one\nline two\ttab"
    check(b"\nMESSAGE\n" + len(msg).to_bytes(8, "little") + msg + b"\n" in one,
          "a multi-line MESSAGE in binary form", one)
    check(one.endswith(b"_GID=1000\n\n"), "an entry ends with an empty line", one[-40:])
    # Read back by systemd's own tools: every value byte for byte.
    entries = journal_json(to_journal(run_ok(["-o", "export"], SINGLE), "single"))
    eq(len(entries), len(ENTRIES), "entries in the journal")
    by_id = {int(e["CENTRALLOG_ID"]): e for e in entries}
    for src in ENTRIES:
        e = by_id[src["id"]]
        what = "entry %d" % src["id"]
        eq(e["MESSAGE"], src["msg"].encode(), what + " MESSAGE")
        eq(e["SYSLOG_IDENTIFIER"], src["app"].encode(), what + " app")
        eq(e["_HOSTNAME"], b"h1", what + " host")
        eq((e["_PID"], e["_UID"], e["_GID"]), (b"7", b"1000", b"1000"), what + " peer")
        eq(e["PRIORITY"], str(src["level"]).encode(), what + " PRIORITY")
        # Before 1970 the journal has the time it was received instead.
        eq(e["__REALTIME_TIMESTAMP"], str(src["ts"] if src["ts"] > 0 else src["received"])
           .encode(), what + " time")
    e = by_id[5]
    eq((e["FIELDS_A_B"], e["FIELDS_NESTED"], e["FIELDS_N"], e["FIELDS_CTL"],
        e["FIELDS_PEER_UID"], e["CENTRALLOG_EXTRA"]),
       (b"x\ny", b'{"k":[1,"s"]}', b"5", b"\x1b]0;t\x07", b"0", b'{"u":1}'),
       "fields members and extra")
    eq(e["_UID"], b"1000", "a member named peer_uid does not pose as _UID")
    eq(by_id[6]["CENTRALLOG_TS"], b"1960-01-01T00:00:00.000000Z", "a time before 1970")
    # journalctl shows it as its own.
    p = subprocess.run(["journalctl", "--file", os.path.join(TMP, "single.journal"), "-o",
                        "short-full", "--no-pager", "-t", "svc", "-g", "hello"],
                       capture_output=True, env=dict(os.environ, TZ="UTC"), timeout=60)
    eq(p.stdout, b"Fri 2026-11-27 10:01:00 UTC h1 svc[7]: hello world lol\n", "journalctl")
    # Rejects: the raw bytes as sent.
    r = journal_json(to_journal(run_ok(["rejects", "-o", "export"], SINGLE), "rejects"))
    eq([(x["CENTRALLOG_REASON"], x["CENTRALLOG_RAW"], x["MESSAGE"]) for x in r],
       [(b"not_json", b"x\ny\x1b", b"byte 0: not valid JSON")], "rejects in the journal")
    # Following: entries appended while following reach the journal.
    data = os.path.join(TMP, "follow-export")
    P.make_single(os.path.join(TMP, "fx.db"), ENTRIES[:2])
    P.split(os.path.join(TMP, "fx.db"), data, [1])
    f = Follower(["tail", "-n", "1", "-o", "export"], os.path.join(data, P.CATALOG))
    f.until(b"CENTRALLOG_ID=2\n")
    f.until(b"_GID=1000\n\n")
    P.append_live(data, [E(3, "followed\nexport", level=4)])
    f.until(b"CENTRALLOG_ID=3\n")
    f.until(b"export\n_PID=7\n_UID=1000\n_GID=1000\n\n")
    rc, rest, err, _ = f.stop()
    eq((rc, err), (0, ""), "export follower stopped")
    got = journal_json(to_journal(rest, "followed"))  # rest: all it printed
    eq([x["MESSAGE"] for x in got], [ENTRIES[1]["msg"].encode(), b"followed\nexport"],
       "followed entries in the journal")


TESTS = [test_highlight_in_terminal, test_short_full, test_verbose, test_rejects, test_follow,
         test_export]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_modes", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
