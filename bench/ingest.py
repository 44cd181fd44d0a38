#!/usr/bin/python3
"""Ingest benchmark: N entries of ~250 bytes from P producer processes into a
real centrallogd, timed until every producer's sync is acked (= committed to
the SQLite database AND the text file). Reports entries/s, the collector's CPU
seconds and peak RSS, the time the background full-text index needs to catch
up, and - measured in the same run - the raw SQLite insert rate of the same
schema (cl-bench-sqlite) as the baseline. Medians over --rounds fresh runs.

    make bench                       # defaults: 1,000,000 entries, 8 producers, 3 rounds
    bench/ingest.py --bin build/bin --entries 200000 --rounds 1
"""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import ask, cpu_model, start_collector

MSG = ("request handled path=/api/v1/orders/{i} status=200 duration_ms=12.5 "
       "user=u{u} producer={p}")


def make_lines(p, n):
    """Pre-builds the producer's bytes so that Python is not the bottleneck."""
    out = []
    for i in range(n):
        out.append(('{"app":"bench-%d","level":"info","host":"web-01","pid":%d,"msg":"%s",'
                    '"fields":{"order":%d,"status":200,"region":"eu-west-1"}}\n')
                   % (p, 1000 + p, MSG.format(i=i, u=i % 10000, p=p), i))
    return "".join(out).encode()


def producer(addr, p, n, ready, go, results):
    data = make_lines(p, n)
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
    ready.release()
    go.wait()
    t0 = time.monotonic()
    view = memoryview(data)
    for off in range(0, len(data), 1 << 18):
        s.sendall(view[off:off + (1 << 18)])
    s.sendall(b'{"op":"sync","id":1}\n')
    ack = json.loads(s.makefile("rb").readline())
    results.put((p, t0, time.monotonic(), ack, len(data)))
    s.close()


def proc_stats(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tick
    hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return cpu, hwm


def run_producers(addr, pid, producers, per):
    """producers processes send per entries each, started together; returns
    the first start and last ack (monotonic), each producer's (p, t0, t1,
    ack, bytes), and the collector's CPU seconds before and after."""
    ready, go, results = mp.Semaphore(0), mp.Event(), mp.Queue()
    procs = [mp.Process(target=producer, args=(addr, p, per, ready, go, results))
             for p in range(producers)]
    for pr in procs:
        pr.start()
    for _ in procs:
        ready.acquire()
    cpu0, _ = proc_stats(pid)
    go.set()
    got = [results.get() for _ in procs]
    for pr in procs:
        pr.join()
    cpu1, _ = proc_stats(pid)
    return min(g[1] for g in got), max(g[2] for g in got), got, cpu0, cpu1


def one_round(args, tmp):
    addr = os.path.join(tmp, "bench.sock")
    d = start_collector(args.bin, tmp, addr, *args.collector_args)
    per = args.entries // args.producers
    t0, t1, got, cpu0, cpu1 = run_producers(addr, d.pid, args.producers, per)
    _, hwm = proc_stats(d.pid)
    accepted = sum(g[3]["accepted"] for g in got)
    nbytes = sum(g[4] for g in got)
    # How long the background full-text index needs to catch up afterwards.
    f0 = time.monotonic()
    while ask(addr, {"op": "stats"})["fts_pending"] > 0:
        time.sleep(0.05)
    fts_lag = time.monotonic() - f0
    d.send_signal(signal.SIGTERM)
    rc = d.wait(60)
    if rc != 0 or accepted != per * args.producers:
        sys.exit(f"bench: collector exit {rc}, accepted {accepted} of {per * args.producers}")
    secs = t1 - t0
    return {"entries": accepted, "seconds": secs, "entries_per_s": accepted / secs,
            "avg_entry_bytes": nbytes / accepted, "cpu_s": cpu1 - cpu0,
            "peak_rss_mib": hwm / 1048576, "fts_catch_up_s": fts_lag}


def baseline(args, tmp):
    db = os.path.join(tmp, "baseline.db")
    out = subprocess.run([os.path.join(args.bin, "cl-bench-sqlite"), db, str(args.entries)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/bin", help="directory with centrallogd")
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--producers", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print results as JSON")
    ap.add_argument("collector_args", nargs="*", help="extra centrallogd flags after --")
    args = ap.parse_args()

    runs, bases = [], []
    for r in range(args.rounds):
        tmp = tempfile.mkdtemp(prefix="clbench-")
        try:
            runs.append(one_round(args, tmp))
            bases.append(baseline(args, tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"round {r + 1}/{args.rounds}: {runs[-1]['entries_per_s']:,.0f} entries/s "
              f"(SQLite alone {bases[-1]['rows_per_s']:,.0f} rows/s)", file=sys.stderr)

    med = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
    base = statistics.median(b["rows_per_s"] for b in bases)
    info = {"date": time.strftime("%Y-%m-%d"), "nproc": os.cpu_count(), "cpu": cpu_model(),
            "entries": args.entries, "producers": args.producers, "rounds": args.rounds,
            "median": med, "sqlite_alone_rows_per_s": base,
            "ratio_to_sqlite_alone": med["entries_per_s"] / base,
            "all_entries_per_s": [round(x["entries_per_s"]) for x in runs]}
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"{info['date']}  nproc={info['nproc']}  {info['cpu']}")
    print(f"{args.entries:,} entries (~{med['avg_entry_bytes']:.0f} B) from {args.producers} "
          f"producers, median of {args.rounds}:")
    print(f"  end-to-end (both sinks, acked): {med['entries_per_s']:,.0f} entries/s "
          f"({med['seconds']:.2f} s)  all: {info['all_entries_per_s']}")
    print(f"  collector CPU: {med['cpu_s']:.2f} s   peak RSS: {med['peak_rss_mib']:.1f} MiB")
    print(f"  closed partitions sealed (indexes, full text) {med['fts_catch_up_s']:.2f} s "
          "after the last ack")
    print(f"  SQLite alone, same schema: {base:,.0f} rows/s   "
          f"ratio end-to-end/SQLite-alone: {info['ratio_to_sqlite_alone']:.2f}")


if __name__ == "__main__":
    main()
