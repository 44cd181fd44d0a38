#!/usr/bin/python3
"""forward_relp_catchup.py - relp:// catch-up rate: N entries stored while
rsyslog is down, then rsyslogd with imrelp (tests/e2e/test_forward_relp.py's
config: every parsed field as JSON through omfile) started on a loopback
port. The rate: N over the time from the first message sent (the forwarder
reconnects when its backoff wait ends, up to 30 s after rsyslog is up; that
wait is printed apart) until the destination has confirmed all N (rsp 200
for every message); and when rsyslog had written all N lines.

    /usr/bin/python3 bench/forward_relp_catchup.py --bin build/bin [-n 1000000] [--queue memory]
        [--tls]

--queue direct (default, the test's): rsyslog writes each message before it
answers, so confirmed means written. --queue memory: rsyslog's default
in-memory queue, which answers on enqueueing. --tls: relp://...?tls=1 into imrelp with tls="on"
(test_forward_relp.py's test CA and mutual certificates).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import benchlib  # noqa: E402
import forward_catchup as fc  # noqa: E402  (fill, lines)
import test_forward as tf  # noqa: E402  (free_port)
import test_forward_relp as tr  # noqa: E402  (Rsyslog)
import test_forward_tls as ftls  # noqa: E402  (make_pki)


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("-n", type=int, default=1000000)
    ap.add_argument("--queue", choices=("direct", "memory"), default="direct")
    ap.add_argument("--tls", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cl-relp-bench-")
    port = tf.free_port()
    url = "relp://127.0.0.1:%d" % port
    if a.tls:
        pki = ftls.make_pki(os.path.join(tmp, "pki"))
        rs = tr.tls_rsyslog(tmp, port, pki)
        url = tr.tls_url(port, pki, ca="ca.crt", peer_name="localhost")
    else:
        rs = tr.Rsyslog(tmp, port)
    if a.queue == "memory":
        with open(rs.conf) as f:
            conf = f.read().replace(' queue.type="Direct"', "")
        with open(rs.conf, "w") as f:
            f.write(conf)
    addr = os.path.join(tmp, "c.sock")
    d = benchlib.start_collector(a.bin, os.path.join(tmp, "data"), addr, "--keep-free", "off",
                                 "--forward", url)
    try:
        secs, n = fc.fill(addr, a.n)
        print("stored %d entries in %.2f s (%.0f/s), rsyslog down" % (n, secs, n / secs))
        print("collector idle after %.1f s" % fc.wait_idle(d.pid))
        c0 = cpu_s(d.pid)
        t0 = time.monotonic()
        rs.start()
        # The forwarder was backing off while rsyslog was down (200 ms
        # doubling to 30 s): it reconnects when its current wait ends, some
        # time after rsyslog is up. The rate is measured from the first
        # message sent; the wait is printed apart.
        ts = None
        while True:
            st = benchlib.ask(addr, {"op": "stats"})["forward"][0]
            if ts is None and st["sent"] > 0:
                ts = time.monotonic() - t0
            if st["confirmed"] >= n:
                break
            time.sleep(0.05 if ts is not None else 0.005)
        t1 = time.monotonic() - t0
        while fc.lines(rs.out) < n:
            time.sleep(0.05)
        t2 = time.monotonic() - t0
        got = fc.lines(rs.out)
        cc, cr = cpu_s(d.pid) - c0, cpu_s(rs.proc.pid)
        print("catch-up (%s queue%s): first message sent %.2f s after rsyslog's start (the "
              "forwarder's backoff); from then %d confirmed in %.2f s (%.0f entries/s); "
              "rsyslog wrote %d lines %.2f s after its start; retried %d; load average %s\n"
              "CPU during catch-up: centrallogd %.2f s (%.2f us/entry), rsyslogd %.2f s "
              "(%.2f us/entry)"
              % (a.queue, ", TLS" if a.tls else "", ts, st["confirmed"], t1 - ts,
                 n / (t1 - ts), got, t2, st["retried"],
                 " ".join(open("/proc/loadavg").read().split()[:3]), cc, cc * 1e6 / n, cr,
                 cr * 1e6 / n))
    finally:
        d.terminate()
        d.wait()
        rs.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
