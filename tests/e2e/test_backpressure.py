"""End-to-end: backpressure instead of loss.

A collector with --queue-bytes 64K --batch-size 64 gets 200,000 entries flooded
at it from 4 producer processes as fast as they can write, each ending with a
sync. Asserts: every producer's ack says 50,000 accepted / 0 rejected; exactly
200,000 rows are stored (distinct, each producer's in order) and 200,000 text
lines; `{"op":"stats"}` was read during the flood at least once (the values,
including `backpressure` and `queue_bytes`, are printed); queue_bytes in those
replies stayed bounded (< 4 MiB); final stats show an empty queue.

test_backpressure_visible_in_stats: while the collector is throttling a flood
(stats replies visibly delayed, queue at --queue-bytes), some stats reply taken
during the flood reports "backpressure": true.
"""

import time

import cltest
from cltest import check, eq

PRODUCERS = 4
PER = 50000


def bp_msg(p, j):
    return "bp p%d n%06d" % (p, j)


def flood(sock_path, p):
    """Child: write PER entries as fast as possible, then sync."""
    k = cltest.Conn(sock_path, timeout=120)
    lines = [cltest.line({"app": "bp", "level": "info", "msg": bp_msg(p, j)}) for j in range(PER)]
    t0 = time.monotonic()
    for i in range(0, PER, 2000):
        k.send(b"".join(lines[i:i + 2000]))
    t_sent = time.monotonic() - t0
    ack = k.sync(1, timeout=120)
    k.close()
    return {"ack": ack, "send_s": t_sent, "total_s": time.monotonic() - t0}


def run_flood(c):
    """Floods c from PRODUCERS processes while polling stats; returns
    (producer results, [(latency, stats reply)] taken while they ran)."""
    procs = [cltest.spawn(__file__, "flood", c.sock, p) for p in range(PRODUCERS)]
    samples = []
    try:
        with c.connect(timeout=60) as k:
            while any(p.poll() is None for p in procs):
                t0 = time.monotonic()
                st = k.stats()
                samples.append((time.monotonic() - t0, st))
                time.sleep(0.02)
        results = cltest.collect(procs, timeout=110)
    finally:
        cltest.kill_all(procs)
    return results, samples


def test_flood_no_loss():
    with cltest.Collector("--queue-bytes", "64K", "--batch-size", "64", *cltest.NO_RATE_LIMIT) as c:
        results, samples = run_flood(c)
        for p, r in enumerate(results):
            eq((r["ack"]["accepted"], r["ack"]["rejected"]), (PER, 0),
               "producer %d ack (accepted, rejected)" % p)
        during = [st for _, st in samples if 0 < st["accepted"] < PRODUCERS * PER]
        check(len(during) >= 1, "no stats reply was read during the flood",
              [st["accepted"] for _, st in samples])
        bp = [st["backpressure"] for st in during]
        qb = [st["queue_bytes"] for st in during]
        print("  %d stats during the flood; backpressure seen true %d times; "
              "queue_bytes max %d; stats latency max %.3fs"
              % (len(during), sum(1 for b in bp if b), max(qb), max(lat for lat, _ in samples)))
        print("  producers: send %s s, total %s s"
              % ([round(r["send_s"], 2) for r in results],
                 [round(r["total_s"], 2) for r in results]))
        # The queue is bounded by --queue-bytes plus what one turn of reads adds.
        check(max(qb) < 4 * 1024 * 1024, "queue_bytes ran far past --queue-bytes 64K", max(qb))

        total = PRODUCERS * PER
        eq(c.scalar("SELECT count(*) FROM entries"), total, "rows in entries")
        eq(c.scalar("SELECT count(DISTINCT msg) FROM entries"), total, "distinct msgs")
        eq(c.scalar("SELECT count(*) FROM rejects"), 0, "rejects")
        db = c.msgs()
        for p in range(PRODUCERS):
            mine = [m for m in db if m.startswith("bp p%d " % p)]
            eq(mine == [bp_msg(p, j) for j in range(PER)], True,
               "producer %d's entries complete and in order" % p)
        text = c.text_msgs()
        eq(len(text), total, "text lines")
        eq(cltest.sha256_sorted(text), cltest.sha256_sorted(db), "text msgs == DB msgs")
        st = c.stats()
        eq((st["accepted"], st["rejected"], st["queue_entries"]), (total, 0, 0),
           "final stats (accepted, rejected, queue_entries)")
        c.stop()


def test_backpressure_visible_in_stats():
    with cltest.Collector("--queue-bytes", "64K", "--batch-size", "64", *cltest.NO_RATE_LIMIT) as c:
        results, samples = run_flood(c)
        for p, r in enumerate(results):
            eq(r["ack"]["accepted"], PER, "producer %d accepted" % p)
        during = [(lat, st) for lat, st in samples if 0 < st["accepted"] < PRODUCERS * PER]
        check(during, "no stats reply was read during the flood")
        slow = max(lat for lat, _ in during)
        full = max(st["queue_bytes"] for _, st in during)
        # Only meaningful if the collector really was throttling.
        check(slow > 0.05 or full >= 32 * 1024,
              "the flood did not make the collector throttle (latency %.3fs, queue %d)"
              % (slow, full))
        seen = [st["backpressure"] for _, st in during]
        check(any(seen), "stats never reported backpressure true while throttling "
              "(%d replies during the flood, max latency %.3fs, max queue_bytes %d)"
              % (len(seen), slow, full))
        c.stop()


if __name__ == "__main__":
    cltest.main("test_backpressure", [test_flood_no_loss, test_backpressure_visible_in_stats])
