#!/usr/bin/python3
"""End-to-end: `centrallog status`, the health check.

Asserts:
* with a collector running: exit 0, the counters it reports (accepted,
  rejected, address, pid, paths) in the text and in -o json, with measured
  rates; the address from --address or $CENTRALLOG_ADDRESS;
* with none answering: exit 3 and one line saying why, for no socket, a
  stale socket file, a server that never answers (--timeout), one that hangs
  up, one that is not a collector, a socket the user may not open; and after
  the collector stopped;
* bad options: exit 2.
"""

import json
import shutil
import os
import re
import socket
import subprocess
import threading
import time

import cltest
from cltest import check, eq
from cli_data import CLI, cli_env, run, usage_error


def status(*args, env=None, timeout=30):
    t0 = time.monotonic()
    rc, out, err = run(["status"] + list(args), env=env, timeout=timeout)
    return rc, out.decode(), err, time.monotonic() - t0


def test_healthy():
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send([cltest.entry("e%d" % i) for i in range(5)] + [b"bad\n", b"{}\n"])
            k.sync()
        pid = c.proc.pid
        rc, out, err, took = status("--address", c.sock)
        eq((rc, err), (0, ""), "status of a running collector")
        lines = out.splitlines()
        check(re.match(r"centrallogd \d+\.\d+\.\d+ \(protocol 1\), pid %d, up \d+s$" % pid,
                       lines[0]), "first line", out)
        eq(lines[1], "  address      " + c.sock, "address line")
        check(re.search(r"^  accepted     5  \(0\.0/s now, [0-9.]+/s average\)$", out, re.M),
              "accepted with rates", out)
        check(re.search(r"^  rejected     2  ", out, re.M), "rejected", out)
        check("  database     %s, " % c.db in out, "database path", out)
        check("  text file    %s, " % c.log in out, "text file path", out)
        check(took < 2.0, "status took %.2fs" % took)
        # The same through the environment, and as JSON.
        rc, out, err, _ = status("-o", "json", env={"CENTRALLOG_ADDRESS": c.sock})
        eq((rc, err), (0, ""), "status -o json")
        j = json.loads(out)
        eq((j["op"], j["accepted"], j["rejected"], j["pid"], j["address"]),
           ("stats", 5, 2, pid, c.sock), "JSON counters")
        for k in ("accepted_per_s", "rejected_per_s", "bytes_in_per_s"):
            check(isinstance(j.get(k), (int, float)), "JSON has " + k, j)
        rc, out, err, took = status("--address", c.sock, "-o", "json", "--rate-window", "0")
        eq(rc, 0, "--rate-window 0")
        check("accepted_per_s" not in json.loads(out), "no measured rates with a 0 window")
        check(took < 1.0, "without a window status is quick (%.2fs)" % took)
        c.stop()
        rc, out, err, _ = status("--address", c.sock)
        eq(rc, 3, "status after the collector stopped")
        eq(out, "", "no stdout when unreachable")
        check(err.startswith("centrallog status: no collector at %s (--address): " % c.sock) and
              err.count("\n") == 1, "one line after the stop", err)


def serve(kind, path):
    """A Unix socket server that misbehaves in one way; returns (thread, stop)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    srv.settimeout(0.1)
    stop = threading.Event()
    conns = []

    def loop():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            if kind == "hangup":
                conn.close()
            elif kind == "garbage":
                conn.recv(100)
                conn.sendall(b'{"op":"pong"}\n')
                conns.append(conn)
            else:  # silent: keeps it open, says nothing
                conns.append(conn)
        for k in conns:
            k.close()
        srv.close()

    t = threading.Thread(target=loop)
    t.start()
    return t, stop


def test_unreachable():
    d = cltest.make_tempdir("cl-status-")
    try:
        path = os.path.join(d, "c.sock")
        cases = [
            (None, [], "no collector at %s (--address): no socket there; is centrallogd "
                       "running?"),
            ("stale", [], "no collector at %s (--address): nothing listens on the socket (a "
                          "stale file); is centrallogd running?"),
            ("silent", ["--timeout", "300"], "no answer from a collector at %s (--address) "
                                             "within 0.3 s"),
            ("hangup", [], "no collector at %s (--address): the collector closed the "
                           "connection without answering"),
            ("garbage", [], "no collector at %s (--address): the reply is not a stats reply; "
                            "is that a CentralLog collector?"),
        ]
        for kind, args, msg in cases:
            if os.path.exists(path):
                os.unlink(path)
            server = None
            if kind == "stale":
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(path)
                s.close()
            elif kind is not None:
                server = serve(kind, path)
            try:
                rc, out, err, took = status("--address", path, *args)
            finally:
                if server:
                    server[1].set()
                    server[0].join()
            eq((rc, out, err), (3, "", "centrallog status: " + (msg % path) + "\n"),
               "status with %s" % (kind or "no socket"))
            check(took < (1.5 if kind == "silent" else 1.0),
                  "%s: answered in %.2fs" % (kind, took))
        # The default: no collector, and 2 s at most even when one hangs.
        if os.path.exists(path):
            os.unlink(path)
        server = serve("silent", path)
        try:
            rc, out, err, took = status(env={"CENTRALLOG_ADDRESS": path})
        finally:
            server[1].set()
            server[0].join()
        eq((rc, err), (3, "centrallog status: no answer from a collector at %s "
                          "($CENTRALLOG_ADDRESS) within 2.0 s\n" % path), "default timeout")
        check(1.9 < took < 3.0, "the default timeout is about 2 s (%.2fs)" % took)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_permission_denied():
    cltest.need_root("run the CLI as another user")
    with cltest.Collector("--socket-mode", "0600") as c:
        os.chmod(os.path.dirname(c.sock), 0o755)
        p = subprocess.run([CLI, "status", "--address", c.sock], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=cli_env(),
                           preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)), timeout=30)
        eq((p.returncode, p.stderr.decode()),
           (3, "centrallog status: no collector at %s (--address): permission denied; check "
               "the socket's mode and group (--socket-mode)\n" % c.sock), "as another user")


def test_bad_options():
    usage_error(["status", "--timeout", "0"], "centrallog status: --timeout: '0' is not "
                "accepted; use milliseconds, 1-600000")
    usage_error(["status", "--rate-window", "soon"], "centrallog status: --rate-window: 'soon' "
                "is not accepted; use milliseconds, 0-60000")
    usage_error(["status", "-o", "xml"], "centrallog status: -o/--output: 'xml' is not a "
                "format; use text or json")
    usage_error(["status", "extra"], "centrallog status: unexpected argument 'extra'; see "
                "--help")
    usage_error(["status", "--address"], "centrallog: --address needs a value")


def test_finds_collector_database():
    """Issue 12: a collector started with a relative --data-dir reports
    absolute paths (status, -o json); the reading commands run from another
    directory with no --db read that collector's database; --db and
    $CENTRALLOG_DB still win; with no collector answering, today's default."""
    home = cltest.make_tempdir("cl-finddb-")
    elsewhere = cltest.make_tempdir("cl-finddb-cwd-")
    sock = os.path.join(home, "c.sock")
    try:
        with cltest.Collector(address=sock, data_dir="var-rel", cwd=home) as c:
            with c.connect() as k:
                k.send([cltest.entry("found %d" % i, app="finddb") for i in range(3)] +
                       [b"bad\n"])
                k.sync()
            env = {"CENTRALLOG_ADDRESS": sock}
            db = os.path.join(home, "var-rel", "centrallog.db")
            rc, out, err = run(["status"], env=env, cwd=elsewhere)
            eq((rc, err), (0, ""), "status from elsewhere")
            check("  database     %s, " % db in out.decode(), "status: the absolute database",
                  out)
            check("  text file    %s, " % os.path.join(home, "var-rel", "centrallog.log")
                  in out.decode(), "status: the absolute text file", out)
            rc, out, err = run(["status", "-o", "json"], env=env, cwd=elsewhere)
            eq(json.loads(out)["db_path"], db, "db_path in JSON")
            for args in (["-o", "cat", "-t", "finddb"], ["query", "-o", "cat", "-t", "finddb"]):
                rc, out, err = run(args, env=env, cwd=elsewhere)
                eq((rc, err, out), (0, "", b"found 0\nfound 1\nfound 2\n"),
                   "centrallog %s from elsewhere" % " ".join(args))
            for args in (["stats", "-t", "finddb", "-o", "json"], ["rejects", "-o", "json"],
                         ["disk-usage"], ["tail", "--limit", "3", "-t", "finddb"],
                         ["-F", "app"]):
                rc, out, err = run(args, env=env, cwd=elsewhere)
                eq((rc, err), (0, ""), "centrallog %s from elsewhere" % " ".join(args))
            eq(json.loads(run(["stats", "-t", "finddb", "-o", "json"], env=env,
                              cwd=elsewhere)[1])["total"], 3, "stats counts the collector's")
            eq(len(json.loads(run(["rejects", "-o", "json"], env=env, cwd=elsewhere)[1])), 1,
               "rejects reads the collector's")
            # Even with $CENTRALLOG_DATA_DIR: the collector that answers is asked first.
            rc, out, err = run(["-o", "cat", "-t", "finddb"],
                               env=dict(env, CENTRALLOG_DATA_DIR="/nonexistent"), cwd=elsewhere)
            eq((rc, out), (0, b"found 0\nfound 1\nfound 2\n"), "before CENTRALLOG_DATA_DIR")
            # --db and $CENTRALLOG_DB win.
            missing = os.path.join(elsewhere, "none.db")
            for extra, origin in ((["--db", missing], "--db"), ([], "$CENTRALLOG_DB")):
                rc, out, err = run(extra + ["-n", "1"], env=dict(env, CENTRALLOG_DB=missing)
                                   if not extra else env, cwd=elsewhere)
                eq((rc, err), (1, "centrallog query: no database at %s (from %s); point at one "
                                  "with --db PATH or CENTRALLOG_DB=PATH\n" % (missing, origin)),
                   origin + " wins")
            c.stop()
        # No collector: today's default, relative to where the CLI runs.
        rc, out, err = run(["-n", "1"], env={"CENTRALLOG_ADDRESS": sock}, cwd=elsewhere)
        eq((rc, err), (1, "centrallog query: no database at ./var/centrallog.db (the "
                          "collector's default); point at one with --db PATH or "
                          "CENTRALLOG_DB=PATH\n"), "the fallback")
        rc, out, err = run(["-n", "1"], env={"CENTRALLOG_ADDRESS": sock}, cwd=home)
        eq((rc, err), (1, "centrallog query: no database at ./var/centrallog.db (the "
                          "collector's default); point at one with --db PATH or "
                          "CENTRALLOG_DB=PATH\n"), "the fallback does not guess var-rel")
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(elsewhere, ignore_errors=True)


TESTS = [test_finds_collector_database, test_healthy, test_unreachable, test_permission_denied, test_bad_options]

if __name__ == "__main__":
    cltest.main("cli_status", TESTS)
