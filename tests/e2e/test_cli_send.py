#!/usr/bin/python3
"""End-to-end: the options of `centrallog send` and `bench`, which share the
reading commands' level names (tools/level.c) and number parsing
(tools/args.c).

Asserts:
* every level name and alias that `query -p` accepts (emerg, panic, crit,
  err, warn, any letter case, the digits) is accepted by `send -p` and
  stored as the level `query -p NAME..NAME` then finds: one entry each, the
  one sent with that name;
* a name neither accepts, and a range (only query takes one), are refused
  by send with exit 2 and a message naming --level;
* numbers are whole numbers or refused with a message naming the option and
  what it takes: `send --timeout 300ms` and `--timeout 0`, `bench -P 4x`,
  `-n ''`, `-s 1e3`, `-L -1`, a stray operand of bench; a missing value is
  named as such. None of these needs a collector: they fail before connecting;
* options end at the message or --: `send took -p` sends "took -p".
"""

import os
import subprocess

import cltest
from cltest import check, eq
import cli_data

CLI = cli_data.CLI

# name -> the stored level (syslog severity; 8 trace)
LEVELS = {
    "emergency": 0, "emerg": 0, "panic": 0, "EMERG": 0, "alert": 1, "critical": 2, "crit": 2,
    "error": 3, "err": 3, "Err": 3, "warning": 4, "warn": 4, "WARN": 4, "notice": 5, "info": 6,
    "debug": 7, "trace": 8, "0": 0, "3": 3, "7": 7,
}


def run(args, env=None):
    p = subprocess.run([CLI] + list(args), capture_output=True, timeout=60,
                       env=cli_data.cli_env(env=env))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_level_aliases():
    with cltest.Collector(*cli_data.NO_RATE_LIMIT) as c:
        for name in LEVELS:
            rc, out, err = run(["--address", c.sock, "send", "--sync", "-p", name, "-t", "alias",
                                "sent as " + name])
            eq((rc, err), (0, ""), "send -p %s" % name)
        rows = c.query("SELECT msg, level FROM entries WHERE app = 'alias' ORDER BY id")
        eq(rows, [("sent as " + n, lvl) for n, lvl in LEVELS.items()], "stored levels")
        c.stop()
        for name, lvl in LEVELS.items():
            rc, out, err = run(["--db", c.db, "query", "-t", "alias", "-p", name + ".." + name,
                                "-o", "cat"])
            want = "".join("sent as %s\n" % n for n, v in LEVELS.items() if v == lvl)
            eq((rc, err, out), (0, "", want), "query -p %s..%s" % (name, name))


def test_bad_levels():
    for bad in ("loud", "warning..error", "8", "", "warnin"):
        rc, out, err = run(["--address", "/nonexistent/c.sock", "send", "-p", bad, "x"])
        eq((rc, out), (2, ""), "send -p %r" % bad)
        eq(err, "centrallog send: --level: '%s' is not a level; use trace, debug, info, notice, "
                "warning, error, critical, alert, emergency or 0-7\n" % bad, "message")


def test_numbers():
    nowhere = ["--address", "/nonexistent/c.sock"]
    cases = [
        (["send", "--timeout", "300ms", "x"],
         "centrallog send: --timeout: expected milliseconds > 0, got '300ms'"),
        (["send", "--timeout", "0", "x"],
         "centrallog send: --timeout: expected milliseconds > 0, got '0'"),
        (["send", "--timeout", " 5", "x"],
         "centrallog send: --timeout: expected milliseconds > 0, got ' 5'"),
        (["send", "--timeout"], "centrallog send: option '--timeout' needs a value; see --help"),
        (["send", "--frobnicate", "x"], "centrallog send: unknown option '--frobnicate'; see --help"),
        (["bench", "-P", "4x"], "centrallog bench: -P/--producers: expected 1-256 producers, "
         "got '4x'"),
        (["bench", "-P", "0"], "centrallog bench: -P/--producers: expected 1-256 producers, "
         "got '0'"),
        (["bench", "-n", ""], "centrallog bench: -n/--entries: expected >= 1 entries (per "
         "producer), got ''"),
        (["bench", "-s", "1e3"], "centrallog bench: -s/--size: expected 16-60000 bytes, got '1e3'"),
        (["bench", "--latency-samples", "-1"], "centrallog bench: -L/--latency-samples: "
         "expected 0-100000 latency samples, got '-1'"),
        (["bench", "-P", "2", "stray"], "centrallog bench: unexpected argument 'stray'; see "
         "--help"),
    ]
    for args, msg in cases:
        rc, out, err = run(nowhere + args)
        eq((rc, out, err), (2, "", msg + "\n"), "centrallog " + " ".join(args))
    # Options end at the message (and at --): what follows is the message.
    with cltest.Collector(*cli_data.NO_RATE_LIMIT) as c:
        rc, out, err = run(["--address", c.sock, "send", "--sync", "-t", "dash", "took", "-p"])
        eq((rc, err), (0, ""), "send -t dash took -p")
        rc, out, err = run(["--address", c.sock, "send", "--sync", "-t", "dash", "--", "-1"])
        eq((rc, err), (0, ""), "send -t dash -- -1")
        eq(c.msgs("WHERE app = 'dash'"), ["took -p", "-1"], "the messages")
        c.stop()


if __name__ == "__main__":
    cltest.main("cli_send", [test_level_aliases, test_bad_levels, test_numbers])
