#!/usr/bin/python3
"""forward_catchup.py - forwarding's catch-up rate: N entries stored while
the receiver is down, then a real syslog-ng (unpacked by
scripts/unpack-syslog-ng.sh, the same as tests/e2e/test_forward.py) started
on a loopback port; the time from its start until the destination has
confirmed all N, and until syslog-ng has written all N lines. Also the
ingest rate with and without --forward to a live receiver (issue 11's
"costs ingest <= 10 %").

    /usr/bin/python3 bench/forward_catchup.py --bin build/bin [-n 1000000]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import benchlib  # noqa: E402

import test_forward as tf  # noqa: E402  (SyslogNg, free_port)


def fill(addr, n, producers=4):
    """n entries from producers processes as fast as they go; seconds."""
    per = n // producers
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1])\n"
            "p=int(sys.argv[3])\n"
            "line=lambda i:('{\"app\":\"bench%d\",\"level\":\"info\",\"msg\":\"catch-up entry "
            "%d with some text to carry\",\"fields\":{\"i\":%d}}\\n'%(p,i,i))\n"
            "n=int(sys.argv[2]);b=1000\n"
            "for i in range(0,n,b):\n"
            "  s.sendall(''.join(line(j) for j in range(i,min(n,i+b))).encode())\n"
            "s.sendall(b'{\"op\":\"sync\"}\\n');s.recv(100)\n")
    t0 = time.monotonic()
    ps = [subprocess.Popen([sys.executable, "-c", code, addr, str(per), str(k)])
          for k in range(producers)]
    for p in ps:
        p.wait()
    return time.monotonic() - t0, per * producers


class NullSink:
    """A TCP reader on 127.0.0.1:port that discards what it reads."""

    def __init__(self, port):
        code = ("import socket,sys\n"
                "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                "s.bind(('127.0.0.1',int(sys.argv[1])));s.listen(4)\n"
                "while True:\n"
                "  c,_=s.accept()\n"
                "  while c.recv(1<<20): pass\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(port)])

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid, limit=60.0):
    """Waits until the collector's background work after the fill (WAL
    checkpoints, indexing) is over - < 2 % of a core for 0.5 s - so that the
    CPU measured next is the forwarder's. Returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        c = cpu_s(pid)
        time.sleep(0.5)
        if cpu_s(pid) - c < 0.011:
            break
    return time.monotonic() - t0


def cpu_line(n, cc, name, cr):
    """CPU per entry: the load-independent figure on a shared machine."""
    return ("CPU during catch-up: centrallogd %.2f s (%.2f us/entry), %s %.2f s (%.2f us/entry); "
            "load average %s" % (cc, cc * 1e6 / n, name, cr, cr * 1e6 / n,
                                 " ".join(open("/proc/loadavg").read().split()[:3])))


def lines(path):
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("-n", type=int, default=1000000)
    ap.add_argument("--template", default=tf.TEMPLATE,
                    help="syslog-ng's file template (default: the e2e test's, every field "
                         "as JSON)")
    ap.add_argument("--flush-lines", type=int, default=1000)
    ap.add_argument("--null", action="store_true",
                    help="instead of syslog-ng, a reader that discards the bytes: the "
                         "forwarder's own ceiling")
    ap.add_argument("--perf", metavar="FILE",
                    help="record the collector with perf during the catch-up into FILE")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cl-fwd-bench-")
    port = tf.free_port()
    ng = tf.SyslogNg(tmp, port, a.template, a.flush_lines)
    addr = os.path.join(tmp, "c.sock")
    d = benchlib.start_collector(a.bin, os.path.join(tmp, "data"), addr, "--keep-free", "off",
                                 "--forward", "syslog+tcp://127.0.0.1:%d" % port)
    rec = None
    try:
        secs, n = fill(addr, a.n)
        print("stored %d entries in %.2f s (%.0f/s), receiver down" % (n, secs, n / secs))
        print("collector idle after %.1f s" % wait_idle(d.pid))
        rec = None
        if a.perf:
            rec = subprocess.Popen(["perf", "record", "-q", "-g", "-o", a.perf, "-p", str(d.pid)])
            time.sleep(1)
        c0 = cpu_s(d.pid)
        t0 = time.monotonic()
        if a.null:
            ng = NullSink(port)
        else:
            ng.start()
        while True:
            st = benchlib.ask(addr, {"op": "stats"})["forward"][0]
            if st["confirmed"] >= n:
                break
            time.sleep(0.05)
        t1 = time.monotonic() - t0
        if a.null:
            print("catch-up: %d confirmed in %.2f s (%.0f entries/s) into a null reader"
                  % (st["confirmed"], t1, n / t1))
            print(cpu_line(n, cpu_s(d.pid) - c0, "reader", cpu_s(ng.proc.pid)))
            return
        while lines(ng.out) < n:
            time.sleep(0.05)
        t2 = time.monotonic() - t0
        got = lines(ng.out)
        cc, cr = cpu_s(d.pid) - c0, cpu_s(ng.proc.pid)
        print("catch-up: %d confirmed in %.2f s (%.0f entries/s); syslog-ng wrote %d lines "
              "in %.2f s (%.0f entries/s); retried %d" % (st["confirmed"], t1, n / t1, got, t2,
                                                          n / t2, st["retried"]))
        print(cpu_line(n, cc, "syslog-ng", cr))
    finally:
        if rec is not None:
            rec.send_signal(2)
            rec.wait()
        d.terminate()
        d.wait()
        ng.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
