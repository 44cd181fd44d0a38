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
import shutil
import socket
import threading
import time
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
    p = subprocess.run([CLI] + list(args), capture_output=True, timeout=20,
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


def timed(args):
    t0 = time.monotonic()
    rc, out, err = run(args)
    return rc, out, err, time.monotonic() - t0


def test_unreachable_timeout():
    """No collector: nothing at the path, or a stale socket file, fails at
    once; a listener that never answers is given --timeout in all (the
    flush, then no further wait in cl_close)."""
    tmp = cltest.make_tempdir("cl-send-")
    try:
        nowhere = os.path.join(tmp, "none.sock")
        rc, out, err, took = timed(["--address", nowhere, "send", "x"])
        eq((rc, out, err), (3, "", "centrallog send: not delivered: no collector is reachable at "
                                   "%s (--address): no socket there; is centrallogd "
                                   "running?\n" % nowhere), "no socket")
        check(took < 0.5, "no socket: at once (%.2fs)" % took)
        stale = os.path.join(tmp, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()
        rc, out, err, took = timed(["--address", stale, "send", "x"])
        eq((rc, out, err), (3, "", "centrallog send: not delivered: no collector is reachable at "
                                   "%s (--address): nothing listens on the socket (a stale "
                                   "file); is centrallogd running?\n" % stale), "stale socket")
        check(took < 0.5, "stale socket: at once (%.2fs)" % took)
        # A listener that takes the connection and never answers.
        mute = os.path.join(tmp, "mute.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(mute)
        srv.listen(16)
        held = []
        stop = threading.Event()

        def hold():
            srv.settimeout(0.1)
            while not stop.is_set():
                try:
                    held.append(srv.accept()[0])
                except socket.timeout:
                    pass
        th = threading.Thread(target=hold)
        th.start()
        try:
            for timeout, lo, hi in ((1000, 0.9, 1.6), (None, 4.9, 5.6)):
                args = ["--address", mute, "send"] + (["--timeout", str(timeout)] if timeout
                                                      else []) + ["x"]
                rc, out, err, took = timed(args)
                eq((rc, out), (3, ""), "a mute listener: exit 3")
                check(err.startswith("centrallog send: 1 entry not delivered: "), "says so", err)
                check(lo <= took <= hi, "--timeout %s in all: took %.2fs" % (timeout, took))
        finally:
            stop.set()
            th.join()
            for c in held:
                c.close()
            srv.close()
        # A listener that accepts nothing, its backlog full (a stopped
        # collector with waiting clients): the SDK's connect blocked until
        # the listener went away, and cl_close waited for it, whatever
        # --timeout said.
        full = os.path.join(tmp, "full.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(full)
        srv.listen(0)
        waiting = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(4)]
        for w in waiting:
            w.setblocking(False)
            try:
                w.connect(full)
            except BlockingIOError:
                pass  # the backlog is full: later ones wait
        try:
            rc, out, err, took = timed(["--address", full, "send", "--timeout", "1000", "x"])
            eq((rc, out), (3, ""), "a full backlog: exit 3")
            check(err.startswith("centrallog send: 1 entry not delivered: "), "says so", err)
            check(0.9 <= took <= 1.6, "--timeout 1000 in all: took %.2fs" % took)
        finally:
            for w in waiting:
                w.close()
            srv.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("cli_send", [test_level_aliases, test_bad_levels, test_numbers,
                             test_unreachable_timeout])
