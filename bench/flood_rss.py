#!/usr/bin/python3
"""Memory under a flood: many producers write as fast as they can; the
collector's resident memory must stay bounded by --queue-bytes (plus a fixed
amount: SQLite's page cache, buffers, per-connection framers) whatever they do.

    bench/flood_rss.py --bin build/bin                       # 1,000 sockets, 32M cap
    bench/flood_rss.py --bin build/bin --sockets 1000 --per 1000 --queue-bytes 8M

P producer processes hold S/P connections each and write pre-built entries on
all of them, non-blocking, as fast as the collector reads (its backpressure
blocks them); each connection ends with a sync. Reported: the collector's RSS
before the flood and its peak (VmHWM) and the largest RSS sampled during it,
against the --queue-bytes cap; the entries/s; and that every entry was acked.
A second configuration (--queue-bytes) shows the peak follows the cap.
"""
import argparse
import json
import multiprocessing as mp
import os
import resource
import selectors
import shutil
import socket
import sys
import tempfile
import time

from benchlib import ask, start_collector

LINE = ('{"app":"flood-%d","level":"info","host":"web-01","msg":"flood entry %%d from socket '
        '%d with some text to make it a typical size","fields":{"n":%%d,"region":"eu-west-1"}}\n')


def parse_size(s):
    mul = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:].upper(), 1)
    return int(s[:-1] if mul > 1 else s) * mul


def producer(addr, first, count, per, ready, go, out):
    """Child: count connections, each sending per entries then a sync."""
    socks, bufs = [], {}
    for k in range(first, first + count):
        s = socket.socket(socket.AF_UNIX)
        s.connect(addr)
        s.setblocking(False)
        tpl = LINE % (k % 50, k)
        data = "".join(tpl % (i, i) for i in range(per)).encode() + b'{"op":"sync","id":1}\n'
        socks.append(s)
        bufs[s] = [memoryview(data), 0, b""]
    ready.release()
    go.wait()
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)
    acked = 0
    accepted = 0
    pending = len(socks)
    while pending:
        for key, ev in sel.select(timeout=60):
            s = key.fileobj
            b = bufs[s]
            if ev & selectors.EVENT_WRITE and b[1] < len(b[0]):
                try:
                    b[1] += s.send(b[0][b[1]:b[1] + 65536])
                except BlockingIOError:
                    pass
                if b[1] == len(b[0]):
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                chunk = s.recv(4096)
                b[2] += chunk
                if b"\n" in b[2] or not chunk:
                    ack = json.loads(b[2].split(b"\n")[0]) if chunk else {}
                    accepted += ack.get("accepted", 0)
                    acked += 1
                    pending -= 1
                    sel.unregister(s)
                    s.close()
    out.put((acked, accepted))


def rss_of(pid):
    cur = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                cur = int(ln.split()[1]) * 1024
            elif ln.startswith("VmHWM:"):
                hwm = int(ln.split()[1]) * 1024
    return cur, hwm


def one_run(args, cap):
    tmp = tempfile.mkdtemp(prefix="cl-flood-", dir="/tmp")
    addr = os.path.join(tmp, "c.sock")
    d = start_collector(args.bin, tmp, addr, "--queue-bytes", cap, "--max-connections",
                        str(args.sockets + 16), *args.collector_args)
    try:
        time.sleep(0.1)
        base, _ = rss_of(d.pid)
        ready, go, out = mp.Semaphore(0), mp.Event(), mp.Queue()
        per_proc = args.sockets // args.procs
        procs = [mp.Process(target=producer, args=(addr, i * per_proc, per_proc, args.per, ready,
                                                   go, out)) for i in range(args.procs)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        conns = ask(addr, {"op": "stats"})["connections"] - 1
        t0 = time.monotonic()
        go.set()
        peak_sample = 0
        results = []
        while len(results) < len(procs):
            cur, _ = rss_of(d.pid)
            peak_sample = max(peak_sample, cur)
            try:
                results.append(out.get(timeout=0.05))
            except Exception:
                pass
        elapsed = time.monotonic() - t0
        for p in procs:
            p.join()
        _, hwm = rss_of(d.pid)
        st = ask(addr, {"op": "stats"})
        total = args.sockets // args.procs * args.procs * args.per
        return {"cap": parse_size(cap), "connections": conns, "rss_before": base,
                "rss_peak_sampled": peak_sample, "rss_hwm": hwm,
                "acked_conns": sum(r[0] for r in results),
                "accepted": sum(r[1] for r in results), "entries": total,
                "stored": st["committed"], "seconds": elapsed, "rate": total / elapsed}
    finally:
        d.terminate()
        d.wait(60)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin", help="directory with centrallogd")
    ap.add_argument("--sockets", type=int, default=1000, help="producer connections")
    ap.add_argument("--procs", type=int, default=20, help="producer processes holding them")
    ap.add_argument("--per", type=int, default=1000, help="entries per connection")
    ap.add_argument("--queue-bytes", action="append",
                    help="caps to try (repeatable; default 32M and 8M)")
    ap.add_argument("collector_args", nargs="*", help="extra centrallogd flags after --")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print("flood: %d connections from %d processes x %d entries each; %d cores"
          % (args.sockets, args.procs, args.per, os.cpu_count()))
    for cap in args.queue_bytes or ["32M", "8M"]:
        r = one_run(args, cap)
        mib = 1 << 20
        print("  --queue-bytes %-4s: RSS before %.1f MiB, peak %.1f MiB (VmHWM; sampled max "
              "%.1f MiB) = cap + %.1f MiB; %d connections, %d entries in %.1f s (%.0f/s); "
              "acked %d/%d connections, accepted %d, committed %d"
              % (cap, r["rss_before"] / mib, r["rss_hwm"] / mib, r["rss_peak_sampled"] / mib,
                 (r["rss_hwm"] - r["cap"]) / mib, r["connections"], r["entries"], r["seconds"],
                 r["rate"], r["acked_conns"], r["connections"], r["accepted"], r["stored"]))
        if r["accepted"] != r["entries"]:
            print("  LOSS: %d entries not acknowledged" % (r["entries"] - r["accepted"]))
            sys.exit(1)


if __name__ == "__main__":
    main()
