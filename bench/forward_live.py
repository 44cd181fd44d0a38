#!/usr/bin/python3
"""forward_live.py - what forwarding costs ingest (issue 11: "forwarding one
destination costs ingest <= 10 %, same run, with and without --forward").

Rounds alternate between a collector without --forward and one with a
syslog+tcp:// destination into a reader that discards what it reads (so the
receiver's own cost does not compete with the collector more than a real
relay on another machine would). Each round: a fresh data directory, N
entries from P producers (bench/ingest.py's producers and entries), timed
until every producer's sync is acked. Reported per mode: median ingest rate,
the ratio with/without, and the collector's CPU seconds per million entries
- during ingest, and until everything is done (indexes sealed and, with
--forward, every entry confirmed by the destination).

    nice -n 10 /usr/bin/python3 bench/forward_live.py --bin build/bin --entries 500000 --pairs 3
"""
import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from benchlib import ask, cpu_model, start_collector  # noqa: E402
from ingest import proc_stats, run_producers  # noqa: E402
from forward_catchup import NullSink, cpu_s  # noqa: E402
import test_forward as tf  # noqa: E402  (free_port)


def forwarder_cpu(pid):
    """CPU seconds of the collector's threads named cl-forward (the
    forwarders, collector/forward/netsock_posix.c)."""
    total = 0.0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                name, v = f.read().split("(", 1)[1].rsplit(")", 1)
        except OSError:
            continue
        if name == "cl-forward":
            v = v.split()
            total += (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
    return total


def one_round(a, tmp, forward_url):
    """One collector, N entries; returns its figures."""
    addr = os.path.join(tmp, "bench.sock")
    flags = ["--forward", forward_url] if forward_url else []
    d = start_collector(a.bin, tmp, addr, *flags)
    per = a.entries // a.producers
    n = per * a.producers
    try:
        t0, t1, got, cpu0, cpu1 = run_producers(addr, d.pid, a.producers, per)
        fcpu1 = forwarder_cpu(d.pid)
        accepted = sum(g[3]["accepted"] for g in got)
        confirmed_at_end = 0
        done0 = time.monotonic()
        while True:
            st = ask(addr, {"op": "stats"})
            fwd = st.get("forward") or []
            if fwd and confirmed_at_end == 0:
                confirmed_at_end = fwd[0]["confirmed"]
            if st["fts_pending"] == 0 and (not fwd or fwd[0]["confirmed"] >= n):
                break
            time.sleep(0.05)
        drain = time.monotonic() - done0
        cpu2, _ = proc_stats(d.pid)
        fcpu2 = forwarder_cpu(d.pid)
    finally:
        d.send_signal(signal.SIGTERM)
        rc = d.wait(60)
    if rc != 0 or accepted != n:
        sys.exit("bench: collector exit %d, accepted %d of %d" % (rc, accepted, n))
    return {"entries_per_s": n / (t1 - t0), "seconds": t1 - t0,
            "cpu_ingest_s_per_M": (cpu1 - cpu0) * 1e6 / n,
            "cpu_total_s_per_M": (cpu2 - cpu0) * 1e6 / n,
            "confirmed_at_last_ack": confirmed_at_end, "drain_s": drain,
            "fwd_cpu_ingest_s_per_M": fcpu1 * 1e6 / n, "fwd_cpu_total_s_per_M": fcpu2 * 1e6 / n}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/bin", help="directory with centrallogd")
    ap.add_argument("--entries", type=int, default=500_000)
    ap.add_argument("--producers", type=int, default=8)
    ap.add_argument("--pairs", type=int, default=3,
                    help="rounds of each mode, alternating (ABBA...)")
    a = ap.parse_args()
    port = tf.free_port()
    sink = NullSink(port)
    url = "syslog+tcp://127.0.0.1:%d" % port
    runs = {"without": [], "with": []}
    try:
        for i in range(a.pairs):
            order = ("without", "with") if i % 2 == 0 else ("with", "without")
            for mode in order:
                tmp = tempfile.mkdtemp(prefix="cl-fwd-live-")
                try:
                    r = one_round(a, tmp, url if mode == "with" else None)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
                runs[mode].append(r)
                print("pair %d %-7s: %9.0f entries/s, collector CPU %.2f s/M during ingest "
                      "(forwarder %.2f), %.2f s/M to done (forwarder %.2f); confirmed at last "
                      "ack %d, drained %.2f s later; load %s"
                      % (i + 1, mode, r["entries_per_s"], r["cpu_ingest_s_per_M"],
                         r["fwd_cpu_ingest_s_per_M"], r["cpu_total_s_per_M"],
                         r["fwd_cpu_total_s_per_M"], r["confirmed_at_last_ack"],
                         r["drain_s"], " ".join(open("/proc/loadavg").read().split()[:3])),
                      flush=True)
        sink_cpu = cpu_s(sink.proc.pid)
    finally:
        sink.stop()
    med = {m: {k: statistics.median(x[k] for x in v) for k in v[0]} for m, v in runs.items()}
    ratio = med["with"]["entries_per_s"] / med["without"]["entries_per_s"]
    print("%s  nproc=%d  %s  load %s" % (time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(),
                                        cpu_model(),
                                        " ".join(open("/proc/loadavg").read().split()[:3])))
    print("%d entries from %d producers, %d rounds each, medians:" % (
        a.entries, a.producers, a.pairs))
    for m in ("without", "with"):
        print("  %-7s --forward: %9.0f entries/s; collector CPU %.2f s per million entries "
              "during ingest (forwarder %.2f), %.2f s to done (forwarder %.2f); confirmed at "
              "the last ack %d, drained %.2f s later"
              % (m, med[m]["entries_per_s"], med[m]["cpu_ingest_s_per_M"],
                 med[m]["fwd_cpu_ingest_s_per_M"], med[m]["cpu_total_s_per_M"],
                 med[m]["fwd_cpu_total_s_per_M"], med[m]["confirmed_at_last_ack"],
                 med[m]["drain_s"]))
    print("  ingest with / without: %.3f (cost %.1f %%); CPU to done with / without: %.3f; "
          "discarding reader CPU %.2f s in all" % (
              ratio, (1 - ratio) * 100,
              med["with"]["cpu_total_s_per_M"] / med["without"]["cpu_total_s_per_M"], sink_cpu))


if __name__ == "__main__":
    main()
