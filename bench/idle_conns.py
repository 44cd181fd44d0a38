#!/usr/bin/python3
"""Idle connections cost nothing: ingest throughput with 10,000 idle producer
connections open, against the same load with none, in the same run.

    bench/idle_conns.py --bin build/bin                     # 10,000 idle, 3 rounds each
    bench/idle_conns.py --bin build/bin --idle 2000 --entries 100000 --rounds 1

Each round starts a fresh centrallogd; for the "idle" rounds a helper process
first opens --idle connections that send nothing (plus one entry each at the
end, to prove they still work). Then P producers send --entries entries in
total as fast as the collector reads, each ending with a sync; the clock runs
from the start signal to the last ack (committed to both sinks). Reported: the
median entries/s of each configuration and their ratio (the target: the idle
configuration within 20% of the baseline), and any error.
"""
import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time

from benchlib import ask, start_collector

MSG = '{"app":"idle-bench-%d","level":"info","host":"web-01","msg":"request %d handled in 12 ms",' \
      '"fields":{"order":%d,"status":200}}\n'


def producer(addr, p, n, ready, go, out):
    data = "".join(MSG % (p, i, i) for i in range(n)).encode()
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
    ready.release()
    go.wait()
    view = memoryview(data)
    for off in range(0, len(data), 1 << 18):
        s.sendall(view[off:off + (1 << 18)])
    s.sendall(b'{"op":"sync","id":1}\n')
    ack = json.loads(s.makefile("rb").readline())
    out.put(ack)
    s.close()


def idler(addr, n, ready, done):
    """Holds n idle connections; at the end one entry on each, then a sync."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.connect(addr)
        socks.append(s)
    ready.release()
    done.wait()
    for i, s in enumerate(socks):
        s.sendall(b'{"app":"idle","level":"info","msg":"still here %d"}\n' % i)
    socks[-1].sendall(b'{"op":"sync","id":1}\n')
    socks[-1].makefile("rb").readline()
    for s in socks:
        s.close()


def one_round(args, idle):
    tmp = tempfile.mkdtemp(prefix="cl-idle-", dir="/tmp")
    addr = os.path.join(tmp, "c.sock")
    d = start_collector(args.bin, tmp, addr, *args.collector_args)
    try:
        time.sleep(0.1)
        idle_ready, idle_done = mp.Semaphore(0), mp.Event()
        h = None
        if idle:
            h = mp.Process(target=idler, args=(addr, idle, idle_ready, idle_done))
            h.start()
            idle_ready.acquire()
            while ask(addr, {"op": "stats"})["connections"] < idle + 1:
                time.sleep(0.05)
        per = args.entries // args.producers
        ready, go, out = mp.Semaphore(0), mp.Event(), mp.Queue()
        procs = [mp.Process(target=producer, args=(addr, p, per, ready, go, out))
                 for p in range(args.producers)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        t0 = time.monotonic()
        go.set()
        acks = [out.get(timeout=600) for _ in procs]
        elapsed = time.monotonic() - t0
        for p in procs:
            p.join()
        if h is not None:
            idle_done.set()
            h.join()
        st = ask(addr, {"op": "stats"})
        errors = []
        if any(a.get("accepted") != per or a.get("rejected") for a in acks):
            errors.append("acks: %r" % acks)
        want = per * args.producers + idle
        if st["accepted"] != want or st["rejected"] or st["connections_refused"]:
            errors.append("stats: accepted %d (want %d), rejected %d, refused %d"
                          % (st["accepted"], want, st["rejected"], st["connections_refused"]))
        return per * args.producers / elapsed, errors
    finally:
        d.terminate()
        d.wait(60)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin", help="directory with centrallogd")
    ap.add_argument("--idle", type=int, default=10000, help="idle connections")
    ap.add_argument("--entries", type=int, default=400000, help="entries per round")
    ap.add_argument("--producers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("collector_args", nargs="*", help="extra centrallogd flags after --")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < args.idle + 256:
        sys.exit("the hard file limit (%d) is below --idle + 256" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    rates = {0: [], args.idle: []}
    failed = False
    # Interleaved, so that drift in the machine's speed hits both alike.
    for r in range(args.rounds):
        for idle in (0, args.idle):
            rate, errors = one_round(args, idle)
            rates[idle].append(rate)
            print("  round %d, %5d idle: %.0f entries/s%s"
                  % (r + 1, idle, rate, ("  ERRORS: " + "; ".join(errors)) if errors else ""))
            failed |= bool(errors)
    base, loaded = statistics.median(rates[0]), statistics.median(rates[args.idle])
    print("idle connections: %d producers, %d entries per round, %d cores" %
          (args.producers, args.entries, os.cpu_count()))
    print("  median without idle connections: %.0f entries/s" % base)
    print("  median with %d idle connections: %.0f entries/s (%.1f%% of the baseline)"
          % (args.idle, loaded, 100.0 * loaded / base))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
