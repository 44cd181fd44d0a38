#!/usr/bin/python3
"""Sustained-ingest benchmark with retention: N entries (default 20,000,000)
from P producers through a real centrallogd whose database rotates at a small
--db-rotate-size and whose retention (--max-disk) removes partitions all the
while; then the same load with the same rotation and no retention limit, in
the same run, as the baseline. Reports for each:

  - entries/s from the first send to the last producer's acked sync;
  - the largest disk use of the data directory (database, partitions, text
    files), sampled every 0.2 s, against --max-disk + one partition, with
    what made it up at that moment (live, waiting to be sealed, seal copy,
    closed, text); the exit status is 1 when a run with retention went above
    the bound;
  - the collector's RSS: peak, and at 25 / 50 / 75 / 100 % of the run
    (flat: no growth with the number of rotations and removals);
  - partitions removed and entries still stored (stats).

    bench/retention.py --bin build/bin                          # 20M entries
    bench/retention.py --bin build/bin --entries 2000000 --rotate 16M --max-disk 128M

Every producer sends the same pre-rendered block of lines again and again
(the text varies within a block) so that Python is not the bottleneck.
"""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time

from benchlib import ask, cpu_model, start_collector

BLOCK_LINES = 4096


def block(p):
    out = []
    for i in range(BLOCK_LINES):
        out.append(('{"app":"bench-%d","level":"info","host":"web-01","pid":%d,'
                    '"msg":"request handled path=/api/v1/orders/%d status=200 duration_ms=12.5 '
                    'user=u%d producer=%d","fields":{"order":%d,"region":"eu-west-1"}}\n')
                   % (p, 1000 + p, i, i % 997, p, i))
    return "".join(out).encode()


def producer(addr, p, n, ready, go, results):
    data = block(p)
    lines = data.splitlines(keepends=True)
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
    ready.release()
    go.wait()
    t0 = time.monotonic()
    left = n
    while left > 0:
        k = min(left, BLOCK_LINES)
        s.sendall(data if k == BLOCK_LINES else b"".join(lines[:k]))
        left -= k
    s.sendall(b'{"op":"sync","id":1}\n')
    ack = json.loads(s.makefile("rb").readline())
    results.put((p, t0, time.monotonic(), ack))
    s.close()


def kind_of(name, newest_live):
    """What a file of the data directory is, for the breakdown of the disk."""
    if name.startswith(".seal-"):
        return "seal_copy"
    if name.startswith("live-"):
        return "db_live" if name.split(".db")[0] == newest_live else "db_sealing"
    if "--" in name and ".db" in name:
        return "db_closed"
    if name.startswith("centrallog.db"):
        return "catalog"
    if name.endswith(".gz.tmp"):
        return "text_gz_tmp"
    if name.endswith(".gz"):
        return "text_gz"
    if name.endswith(".log"):
        return "text_active"
    return "text_rotated" if ".log." in name else "other"


def dir_bytes(path):
    """(total bytes, {kind: bytes}, partitions waiting to be sealed)."""
    files = []
    for root, _, names in os.walk(path):
        for f in names:
            try:
                files.append((f, os.lstat(os.path.join(root, f)).st_size))
            except OSError:
                pass
    lives = sorted(f.split(".db")[0] for f, _ in files if f.startswith("live-"))
    newest = lives[-1] if lives else None
    kinds = {}
    for f, b in files:
        k = kind_of(f, newest)
        kinds[k] = kinds.get(k, 0) + b
    return sum(b for _, b in files), kinds, len(set(lives)) - 1


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid, data):
        super().__init__(daemon=True)
        self.pid, self.data = pid, data
        self.stop = threading.Event()
        self.disk, self.rss = [], []
        self.peak = (0, {}, 0)

    def run(self):
        while not self.stop.wait(0.2):
            try:
                self.rss.append((time.monotonic(), rss_kib(self.pid)))
            except OSError:
                return
            total, kinds, waiting = dir_bytes(self.data)
            self.disk.append((time.monotonic(), total))
            if total >= self.peak[0]:
                self.peak = (total, kinds, waiting)


def one_run(args, flags):
    tmp = tempfile.mkdtemp(prefix="clbench-ret-")
    try:
        addr = os.path.join(tmp, "bench.sock")
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        d = start_collector(args.bin, data, addr, "--db-rotate-size", args.rotate,
                            "--rotate-size", args.rotate, *flags)
        sampler = Sampler(d.pid, data)
        per = args.entries // args.producers
        ready, go, results = mp.Semaphore(0), mp.Event(), mp.Queue()
        procs = [mp.Process(target=producer, args=(addr, p, per, ready, go, results))
                 for p in range(args.producers)]
        for pr in procs:
            pr.start()
        for _ in procs:
            ready.acquire()
        sampler.start()
        go.set()
        got = [results.get() for _ in procs]
        for pr in procs:
            pr.join()
        sampler.stop.set()
        sampler.join()
        stats = ask(addr, {"op": "stats"})
        d.send_signal(signal.SIGTERM)
        rc = d.wait(120)
        accepted = sum(g[3]["accepted"] for g in got)
        if rc != 0 or accepted != per * args.producers:
            sys.exit(f"bench: collector exit {rc}, accepted {accepted} of {per * args.producers}")
        t0 = min(g[1] for g in got)
        t1 = max(g[2] for g in got)
        rss = [r for _, r in sampler.rss]
        quart = [rss[min(len(rss) - 1, int(len(rss) * q))] // 1024 for q in (0.25, 0.5, 0.75, 1)]
        return {"entries": accepted, "seconds": t1 - t0, "entries_per_s": accepted / (t1 - t0),
                "max_disk_bytes": max(b for _, b in sampler.disk),
                "max_disk_kinds_mib": {k: round(v / 1048576, 1)
                                       for k, v in sorted(sampler.peak[1].items())},
                "max_disk_waiting_seal": sampler.peak[2],
                "peak_rss_mib": max(rss) / 1024, "rss_quartiles_mib": quart,
                "stats": {k: v for k, v in stats.items()
                          if k.startswith(("partitions", "removed", "rotations", "seals",
                                           "retention"))}}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * mult[s[-1].upper()] if s[-1].upper() in mult else int(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/bin", help="directory with centrallogd")
    ap.add_argument("--entries", type=int, default=20_000_000)
    ap.add_argument("--producers", type=int, default=4)
    ap.add_argument("--rotate", default="64M", help="--db-rotate-size and --rotate-size")
    ap.add_argument("--max-disk", default="512M")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="every run's numbers as JSON too")
    args = ap.parse_args()

    with_ret, without = [], []
    for r in range(args.rounds):
        with_ret.append(one_run(args, ["--max-disk", args.max_disk, "--keep-free", "0"]))
        without.append(one_run(args, ["--max-disk", "1000G", "--keep-free", "0"]))
        print(f"round {r + 1}: with retention {with_ret[-1]['entries_per_s']:,.0f}/s, "
              f"without {without[-1]['entries_per_s']:,.0f}/s", file=sys.stderr)
    rate_w = statistics.median(x["entries_per_s"] for x in with_ret)
    rate_wo = statistics.median(x["entries_per_s"] for x in without)
    bound = size(args.max_disk) + size(args.rotate)
    print(f"{time.strftime('%Y-%m-%d')}  nproc={os.cpu_count()}  {cpu_model()}")
    print(f"{args.entries:,} entries, {args.producers} producers, rotate {args.rotate}, "
          f"median of {args.rounds}")
    for name, runs in (("with --max-disk " + args.max_disk, with_ret), ("without", without)):
        x = runs[len(runs) // 2]
        print(f"  {name}: {statistics.median(y['entries_per_s'] for y in runs):,.0f} entries/s, "
              f"max disk {x['max_disk_bytes'] / 1048576:,.0f} MiB, peak RSS "
              f"{x['peak_rss_mib']:.0f} MiB, RSS at 25/50/75/100 %: {x['rss_quartiles_mib']} "
              f"MiB, {x['stats']}")
        print(f"    at the disk peak (MiB): {x['max_disk_kinds_mib']}, "
              f"{x['max_disk_waiting_seal']} partitions waiting to be sealed")
    worst = max(x["max_disk_bytes"] for x in with_ret)
    per_round = ", ".join("%.3f" % (w["entries_per_s"] / o["entries_per_s"])
                          for w, o in zip(with_ret, without))
    print(f"  ratio with/without retention: {rate_w / rate_wo:.3f} (per round: {per_round})")
    print(f"  max disk with retention, largest of {args.rounds}: {worst / 1048576:,.1f} MiB "
          f"(per round: {', '.join('%.1f' % (x['max_disk_bytes'] / 1048576) for x in with_ret)}) "
          f"against the bound (max-disk + one partition) {bound / 1048576:,.0f} MiB: "
          f"{'held' if worst <= bound else 'EXCEEDED'}")
    if args.json:
        print(json.dumps({"with": with_ret, "without": without, "bound": bound}))
    if worst > bound:
        sys.exit(1)


if __name__ == "__main__":
    main()
