#!/usr/bin/python3
"""forward_tls_catchup.py - syslog+tls:// against syslog+tcp://: N entries
stored while the receiver is down, then syslog-ng started (TLS source with
the test CA of tests/e2e/test_forward_tls.py, or the plain TCP source); the
time until the destination has confirmed all N. One run of each, same data.

    /usr/bin/python3 bench/forward_tls_catchup.py [N]   (default 100000; run from build/)
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
os.environ.setdefault("CENTRALLOGD", os.path.join(HERE, "..", "build", "bin", "centrallogd"))
import cltest  # noqa: E402
import test_forward as fw  # noqa: E402
import test_forward_tls as t  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    tmp = cltest.make_tempdir("cl-fwdtls-bench-")
    pki = t.make_pki(os.path.join(tmp, "pki"))
    try:
        for scheme in ("tcp", "tls"):
            port = fw.free_port()
            if scheme == "tls":
                ng, url = t.TlsSyslogNg(tmp, port, pki), t.url(port, pki, ca="ca.crt")
            else:
                ng, url = fw.SyslogNg(tmp, port), "syslog+tcp://127.0.0.1:%d" % port
            with cltest.Collector("--forward", url, *cltest.NO_RATE_LIMIT) as c:
                with c.connect() as k:
                    for i in range(0, n, 1000):
                        k.send([cltest.entry("entry number %d with some text" % j, app="bench")
                                for j in range(i, min(n, i + 1000))])
                    k.sync()
                ng.start()
                t0 = time.monotonic()
                cltest.wait_for(lambda: c.stats()["forward"][0]["confirmed"] == n, "confirmed",
                                timeout=600)
                dt = time.monotonic() - t0
                print("syslog+%s: %d entries confirmed in %.2f s = %.0f entries/s"
                      % (scheme, n, dt, n / dt), flush=True)
                c.stop()
            ng.stop()
    finally:
        cltest.shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
