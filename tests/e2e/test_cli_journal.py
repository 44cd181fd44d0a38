#!/usr/bin/python3
"""End-to-end: journalctl's habits in `centrallog` (issue 12), over one
database and over the same rows as a catalog of partitions (cltest.partitions).

Asserts:
* multi-line messages as written: in short, short-iso and cat a line feed
  is a line break (continuation lines indented under the message in short*)
  and a tab a tab; \\r, ANSI, C1, bidi and U+2028 stay escaped, trailing
  line feeds are dropped; --escape-all prints today's one line per entry;
  json and csv unchanged (goldens tests/golden/journal/);
* a bare -n is -n 10 (last, or before another option); -n5, -n 5, -rn 5 and
  an option value "-n" (-t -n) are what they were;
* -F NAME lists the distinct values of a column or fields member, -N the
  field names seen, with the filters applied, identical over partitions;
* --uid, --gid and --sid filter on what the kernel reported (peer_*);
* --field KEY=GLOB: * ? [..] on string, number and boolean members, exact
  match without wildcards (a backslash stays literal);
* -q hides the warning about an unreadable partition (exit 4 remains);
* -x is accepted; the new options are in --help;
* journalctl's long names --priority, --identifier, --fields work; its
  --field NAME gets a hint to -F.
"""

import json
import os
import shutil

import cltest
from cltest import check, eq
from cltest import partitions as P
import cli_data
from cli_data import US, golden, run, run_ok, usage_error

T0 = 1795773600 * US  # 2026-11-27T10:00:00Z


def E(i, msg, app="svc", level=6, uid=1000, gid=1000, sid=None, fields=None, pid=7):
    return {"id": i, "ts": T0 + i * 60 * US, "received": T0 + i * 60 * US + 1000,
            "level": level, "app": app, "host": "h1", "pid": pid, "msg": msg,
            "peer_pid": pid, "peer_uid": uid, "peer_gid": gid, "peer_sid": sid,
            "fields": json.dumps(fields, separators=(",", ":")) if fields is not None else None}


ENTRIES = [
    E(1, "Traceback (most recent call last):\n  File \"x.py\", line 3, in <module>\n"
         "\tmain()\nValueError: bad\n", level=3, app="py", fields={"code": 500, "ok": False}),
    E(2, "one line", fields={"code": 504, "user": "bob"}),
    E(3, "forged\r\nNov 27 10:00:00 h1 root[1] INFO: not an entry", app="evil", uid=0,
      fields={"user": "bib"}),
    E(4, "ansi \x1b[31mred\x1b[0m\n\x1b]0;title\x07 second \u202eflip \u2028 sep\x85c1",
      app="evil", uid=0, gid=0, fields={"code": "5xx"}),
    E(5, "tab\there\n\n  indented after an empty line\n\n", level=4, uid=1001, gid=100,
      fields={"path": "C:\\dir\\f", "star": "*"}),
    E(6, "windows", app="win", uid=None, gid=None, sid="S-1-5-18", pid=9,
      fields={"nested": {"a": 1}}),
    E(7, "windows user", app="win", uid=None, gid=None, sid="S-1-5-21-1-2-3-1001", pid=9),
    E(8, "caf\u00e9\tcr\u00e8me\r\n", app="py", level=5, fields={"code": 200}),
    E(9, "last", app="svc", fields={"user": "bob", "ok": True}),
    E(10, "lines\nof\nmore", app="svc", level=2),
    E(11, "eleven", app="cron"),
    E(12, "twelve\n", app="cron"),
]


def setup():
    global TMP, SINGLE, CATALOG
    TMP = cltest.make_tempdir("cl-journal-")
    SINGLE = os.path.join(TMP, "single.db")
    P.make_single(SINGLE, ENTRIES)
    CATALOG = os.path.join(TMP, "data", P.CATALOG)
    P.split(SINGLE, os.path.dirname(CATALOG), [5, 9])


def both(args):
    """The output of centrallog ARGS, the same over one database and over
    the partitions."""
    one = run_ok(args, SINGLE)
    eq(run_ok(args, CATALOG), one, "centrallog %s over partitions" % " ".join(args))
    return one


def test_multiline_goldens():
    for name, args in [("short", []), ("short-iso", ["-o", "short-iso"]), ("cat", ["-o", "cat"]),
                       ("escape-all", ["--escape-all"]),
                       ("escape-all-cat", ["--escape-all", "-o", "cat"]),
                       ("json", ["-o", "json"]), ("csv", ["-o", "csv"]),
                       ("color", ["--color", "always"])]:
        golden("journal/multiline-" + name, args, SINGLE)
        eq(run_ok(args, CATALOG), run_ok(args, SINGLE), name + " over partitions")
    out = run_ok([], SINGLE).decode()
    # Every line is an entry's (it starts with the time) or a continuation
    # (it starts with the indentation): nothing a message holds can start one.
    for ln in out.splitlines():
        check(ln.startswith("Nov 27 ") or ln.startswith(" " * 30), "line shape", ln)
    eq(sum(ln.startswith("Nov 27 ") for ln in out.splitlines()), len(ENTRIES), "entry lines")
    for bad in ("\r", "\x1b", "\u202e", "\u2028", "\x85"):
        check(bad not in out, "escaped: %r" % bad)
    # json is lossless: the messages come back as stored.
    eq([e["msg"] for e in json.loads(run_ok(["-o", "json"], SINGLE))],
       [e["msg"] for e in ENTRIES], "json messages")


def test_bare_n():
    ten = both(["-n", "10"])
    eq(ten.count(b"\nNov 27") + 1, 10, "-n 10 is ten entries")
    for args in (["-n"], ["-n", "--utc"], ["--lines"], ["--utc", "-n"], ["-n", "-o", "short"]):
        eq(both(args), ten, "bare %s is -n 10" % " ".join(args))
    eq(both(["-n", "-r"]), both(["-r", "-n", "10"]), "-n -r")
    three = both(["-n", "3"])
    for args in (["-n3"], ["--lines=3"], ["--lines", "3"], ["-rn", "3", "-r"]):
        if args[0] == "-rn":
            eq(both(args[:2]), both(["-r", "-n", "3"]), "-rn 3")
        else:
            eq(both(args), three, " ".join(args))
    eq(both(["-t", "-n"]), b"", "-t -n: the app named -n")
    eq(both(["-n", "all"]), both([]), "-n all")
    rc, out, err = run(["rejects", "-n"], SINGLE)
    eq((rc, err), (0, ""), "rejects -n")
    usage_error(["-n", "x"], "centrallog query: -n/--lines: 'x' is not a count; use a number 0 "
                "or more, or all", SINGLE)


def test_field_values():
    eq(both(["-F", "app"]), b"cron\nevil\npy\nsvc\nwin\n", "-F app")
    eq(both(["--field-values", "level"]), b"critical\nerror\ninfo\nnotice\nwarning\n", "-F level")
    eq(both(["-F", "code"]), b"200\n500\n504\n5xx\n", "-F code (a fields member)")
    eq(both(["-F", "user", "-S", "2026-11-27T10:02:30Z"]), b"bib\nbob\n", "-F with -S")
    eq(both(["-F", "ok"]), b"false\ntrue\n", "-F of booleans")
    eq(both(["-F", "nested"]), b'{"a":1}\n', "-F of an object")
    eq(both(["-F", "nested.a"]), b"1\n", "-F of a nested member")
    eq(both(["-F", "peer_sid"]), b"S-1-5-18\nS-1-5-21-1-2-3-1001\n", "-F peer_sid")
    eq(both(["-F", "app", "-p", "err"]), b"py\nsvc\n", "-F with -p")
    eq(both(["-F", "nosuch"]), b"", "-F of a member nobody has")
    eq(both(["-F", "msg", "-t", "evil"]),
       b"ansi \\x1b[31mred\\x1b[0m\\n\\x1b]0;title\\x07 second \\u202eflip \\u2028 sep\\u0085c1\n"
       b"forged\\r\\nNov 27 10:00:00 h1 root[1] INFO: not an entry\n", "values are escaped")
    usage_error(["-F", "a=b"], "centrallog query: -F/--field-values: 'a=b' is not a field; use a "
                "column (level, app, host, pid, ...; see -N) or a member of fields, NAME or "
                "NAME.NAME", SINGLE)
    usage_error(["-F", "app", "-N"], "centrallog query: -F/--field-values and -N/--field-names: "
                "give one", SINGLE)
    usage_error(["-F", "app", "-f"], "centrallog query: -F/-N list what is stored: not with "
                "following", SINGLE)


def test_field_names():
    eq(both(["-N"]), b"app\ncode\nhost\nlevel\nmsg\nnested\nok\npath\npeer_gid\npeer_pid\n"
                     b"peer_sid\npeer_uid\npid\nstar\nuser\n", "-N")
    eq(both(["--field-names", "-t", "win"]), b"app\nhost\nlevel\nmsg\nnested\npeer_pid\n"
                                             b"peer_sid\npid\n", "-N -t win")


def ids(args):
    return [e["id"] for e in json.loads(both(["-o", "json"] + args))]


def test_identity():
    eq(ids(["--uid", "0"]), [3, 4], "--uid 0")
    eq(ids(["--uid", "0", "--uid", "1001"]), [3, 4, 5], "--uid twice")
    eq(ids(["--gid", "100"]), [5], "--gid")
    eq(ids(["--uid", "0", "--gid", "0"]), [4], "--uid and --gid")
    eq(ids(["--sid", "S-1-5-18"]), [6], "--sid")
    usage_error(["--uid", "root"], "centrallog query: --uid: 'root' is not a numeric ID; use an "
                "integer 0-4294967295", SINGLE)
    rc, out, err = run(["stats", "--uid", "0", "-o", "json"], SINGLE)
    eq((rc, err, json.loads(out)["total"]), (0, "", 2), "stats --uid")


def test_field_glob():
    eq(ids(["--field", "code=5*"]), [1, 2, 4], "a number and a string by glob")
    eq(ids(["--field", "code=50?"]), [1, 2], "?")
    eq(ids(["--field", "user=b[io]b"]), [2, 3, 9], "[..]")
    eq(ids(["--field", "user=b[!o]b"]), [3], "[!..]")
    eq(ids(["--field", "ok=t*"]), [9], "true by name")
    eq(ids(["--field", "code=500"]), [1], "exact: a number")
    eq(ids(["--field", "path=C:\\dir\\f"]), [5], "exact keeps backslashes")
    eq(ids(["--field", "star=\\*"]), [5], "an escaped wildcard")
    # Only escaped wildcards: the literal (was a GLOB of it: b?b found bob).
    eq(ids(["--field", "user=b\\?b"]), [], "an escaped ? matches only '?'")
    eq(ids(["--field", "code=5\\*"]), [], "an escaped * matches only '*'")
    eq(ids(["--field", "user=b\\ob"]), [], "no wildcard: a backslash stays literal")
    eq(ids(["--field", "nested=*"]), [], "never an object")
    usage_error(["--field", "code=[5"], "centrallog query: --field: bad pattern in 'code=[5': "
                "unterminated '['; use * ? [abc] [a-z] [!abc], and \\ before a character to "
                "match it literally", SINGLE)


def test_journalctl_long_names():
    """journalctl's long option names where ours differ: --priority (-p),
    --identifier (-t), --fields (-N); its --field NAME (our -F) gets a hint,
    as our --field filters."""
    for ours, theirs in ((["-p", "err"], ["--priority", "err"]),
                         (["-t", "py"], ["--identifier=py"]),
                         (["-N"], ["--fields"]),
                         (["stats", "-p", "warning", "-o", "json"],
                          ["stats", "--priority", "warning", "-o", "json"])):
        eq(both(theirs), both(ours), "%s as %s" % (theirs, ours))
    usage_error(["--field", "app"], "centrallog query: --field: expected KEY=VALUE, got 'app' "
                "(to list its values as journalctl --field does: -F app)", SINGLE)


def test_quiet_and_x():
    data = os.path.join(TMP, "damaged")
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(os.path.dirname(CATALOG), data)
    cat = os.path.join(data, P.CATALOG)
    first = [f for f in os.listdir(os.path.join(data, P.PARTS_DIR))
             if f.endswith("-00000000000000000001.db")][0]
    os.unlink(os.path.join(data, P.PARTS_DIR, first))
    rc, out, err = run([], cat)
    eq(rc, 4, "a missing partition: exit 4")
    check("warning: partition" in err, "warned", err)
    for q in ("-q", "--quiet"):
        rc2, out2, err2 = run([q], cat)
        eq((rc2, err2, out2), (4, "", out), q + " hides the warning, not the exit status")
    rc, out, err = run(["stats", "-q"], cat)
    eq((rc, err), (4, ""), "stats -q")
    eq(both(["-x", "-n", "2"]), both(["-n", "2"]), "-x accepted")
    rc, out, err = run(["--help"])
    for opt in ("--no-pager",):
        check(opt in out.decode(), "--help names " + opt)
    rc, out, err = run(["query", "--help"])
    for opt in ("--pager-end", "--field-values", "--field-names", "--quiet", "--uid", "--gid",
                "--sid", "--escape-all", "-x, --catalog"):
        check(opt in out.decode(), "query --help names " + opt, out.decode())


TESTS = [test_multiline_goldens, test_bare_n, test_field_values, test_field_names, test_identity,
         test_field_glob, test_journalctl_long_names, test_quiet_and_x]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_journal", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
