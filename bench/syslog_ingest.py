#!/usr/bin/python3
"""Syslog ingest: N datagrams from P sender processes into a real
centrallogd's --syslog-socket (schema/SYSLOG.md), timed until every one is
committed to both sinks. Each datagram goes the whole way: parsed, written
as a protocol entry, validated. Reports datagrams/s and the collector's CPU
seconds per format (RFC 3164 as glibc writes it, RFC 5424 with structured
data); medians over --rounds fresh runs.

    bench/syslog_ingest.py --bin build/bin --datagrams 200000 --senders 4 --rounds 3
"""
import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
import multiprocessing as mp

from benchlib import ask, cpu_model, start_collector

# RFC 3164 as glibc writes it: the sender's local time now (a claim about
# the arrival, so none is kept: schema/SYSLOG.md, Time).
FORMATS = {
    "3164": b"<14>%s bench[%d]: request handled path=/api/v1/orders/%d status=200 "
            b"duration_ms=12.5 sender=%d",
    "5424": b'<14>1 2026-12-04T19:00:00.123456+01:00 web-1 bench %d ORDERS [req@32473 path='
            b'"/api/v1/orders/%d" status="200"] request handled sender=%d',
}


def sender(path, fmt, k, n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(path)
    pid, tpl = os.getpid(), FORMATS[fmt]
    if fmt == "3164":
        tpl = tpl.replace(b"%s", time.strftime("%b %e %H:%M:%S").encode(), 1)
    for i in range(n):
        s.send(tpl % (pid, i, k))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(bin_dir, fmt, total, senders):
    tmp = tempfile.mkdtemp(prefix="cl-bench-syslog-")
    addr, path = os.path.join(tmp, "c.sock"), os.path.join(tmp, "sl", "dev-log")
    d = start_collector(bin_dir, os.path.join(tmp, "data"), addr, "--syslog-socket", path,
                        "--keep-free", "off", "--max-ts-age", "off", "--max-ts-ahead", "off")
    try:
        per = total // senders
        t0 = time.monotonic()
        procs = [mp.Process(target=sender, args=(path, fmt, k, per)) for k in range(senders)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        while True:
            st = ask(addr, {"op": "stats"})
            if st["syslog_received"] == per * senders and st["committed"] >= per * senders:
                break
            time.sleep(0.005)
        dt = time.monotonic() - t0
        cpu = cpu_seconds(d.pid)
        if st["syslog_accepted"] != per * senders:
            sys.exit("not all accepted: %r" % st)
        return per * senders / dt, cpu
    finally:
        d.terminate()
        d.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--datagrams", type=int, default=200000)
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    print("CPU: %s, %d cores; %d datagrams from %d senders, median of %d rounds"
          % (cpu_model(), os.cpu_count(), a.datagrams, a.senders, a.rounds))
    for fmt in FORMATS:
        runs = [one_round(a.bin, fmt, a.datagrams, a.senders) for _ in range(a.rounds)]
        print("RFC %s: %.0f datagrams/s, collector %.2f CPU-s"
              % (fmt, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))


if __name__ == "__main__":
    main()
