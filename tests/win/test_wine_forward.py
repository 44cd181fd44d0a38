#!/usr/bin/python3
"""Forwarding from the Windows build under Wine (Winsock,
collector/forward/netsock_win32.c) to a native syslog-ng on loopback, the
same receiver as tests/e2e/test_forward.py.

Asserts: centrallogd.exe --forward delivers every entry once, in id order,
with the producer's SID in the entry element (peer-sid) and no uid/gid; the
receiver down at first means backoff and catch-up; after a graceful stop and
a restart, forwarding resumes at the stored cursor and sends nothing twice;
syslog+tls:// is refused at start-up (GnuTLS is not cross-built).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
# The receiver is unpacked under the native build (scripts/unpack-syslog-ng.sh).
os.environ.setdefault("CL_SYSLOG_NG_ROOT", os.path.join(
    os.environ.get("CL_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin")), "..",
    "test-deps", "syslog-ng"))

from cltest import check, eq, wait_for  # noqa: E402
from cltest.wine import WineCollector as Collector, own_sid, run, run_suite, winpath  # noqa: E402
import cltest  # noqa: E402
import test_forward as tf  # noqa: E402


def test_forward_winsock():
    tmp = cltest.make_tempdir("cl-wine-fwd-")
    port = tf.free_port()
    ng = tf.SyslogNg(tmp, port)
    pipe = r"\\.\pipe\cl-wine-fwd-%d" % os.getpid()
    c = Collector(pipe, "--forward", "syslog+tcp://127.0.0.1:%d" % port)
    try:
        rc, out, err = run("pipe_client.exe", pipe, 300, "wine-fwd")
        check(rc == 0, "pipe_client.exe", out, err)
        ng.start()
        got = ng.wait_count(300, timeout=120)
        eq(tf.ids_of(got), list(range(1, 301)), "ids, once each, in order")
        sid = own_sid()
        for rec in got:
            e = tf.parse_sdata(rec["SDATA"])["centrallog@32473"]
            eq((e.get("peer-sid"), "peer-uid" in e, rec["PROGRAM"]), (sid, False, "wine-fwd"),
               "entry element of id %s" % e["id"])
        check(c.stop() == 0, "graceful stop", c.stderr())
        c.start()
        rc, out, err = run("pipe_client.exe", pipe, 20, "wine-fwd2")
        check(rc == 0, "pipe_client.exe again", out, err)
        got = ng.wait_count(320, timeout=120)
        eq(tf.ids_of(got), list(range(1, 321)), "resumed at the cursor, nothing resent")
        check(c.stop() == 0, "graceful stop", c.stderr())
    finally:
        c.cleanup()
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_forward_tls_refused():
    """syslog+tls:// is refused at start-up on Windows (no GnuTLS there),
    with the usage exit status and a line saying so."""
    tmp = cltest.make_tempdir("cl-wine-fwd-")
    try:
        rc, out, err = run("centrallogd.exe", "--data-dir", winpath(tmp), "--forward",
                           "syslog+tls://127.0.0.1:6514")
        eq((rc, err.splitlines()[:1]),
           (2, ["centrallogd: --forward syslog+tls://127.0.0.1:6514: syslog+tls:// is not "
                "available on Windows; use syslog+tcp://"]), "refused")
    finally:
        cltest.shutil.rmtree(tmp, ignore_errors=True)


TESTS = [test_forward_winsock, test_forward_tls_refused]


def main():
    run_suite("wine_forward", TESTS)


if __name__ == "__main__":
    main()
