"""End-to-end: 50 concurrent producer processes x 2,000 entries each (10 x 500
under valgrind).

Asserts: every producer's ack says accepted 2000 rejected 0; the database holds
exactly 100,000 entries and the text files exactly 100,000 lines; the text log
rotated at least 5 times (files on disk == rotations counter + 1, none over the
rotate size, each holding complete lines only); sha256 of the sorted msgs is
the same for what was sent, the database and the text lines; each producer's
entries keep their order in both sinks; peer_pid is the producer's PID.
"""

import os
import time

import cltest
from cltest import check, eq

# Under valgrind (CL_VALGRIND=1, make test-valgrind) a tenth of the load, and
# a smaller rotation size so that it still rotates.
PRODUCERS = cltest.scale(50, 10)
PER_PRODUCER = cltest.scale(2000, 500)
ROTATE_SIZE = cltest.scale(1024 * 1024, 64 * 1024)
HOST = "e2e-host"


def ingest_msg(p, j):
    """Unique, deterministic msg #j of producer p; varied lengths, some UTF-8,
    spaces, and every 100th with characters the text sink must escape."""
    base = "ingest p%02d n%05d" % (p, j)
    if j % 100 == 0:
        return base + ' tab\there back\\slash "quoted"'
    if j % 7 == 0:
        return base + " caf\u00e9 \u65e5\u672c\u8a9e \U0001F600"
    return base + " " + "x" * (j % 61)


def produce(sock_path, p, go_path):
    """Child process: connect, wait for the go signal, send, sync, check the ack."""
    k = cltest.Conn(sock_path, timeout=120)
    deadline = time.monotonic() + 60
    while not os.path.exists(go_path):
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.005)
    levels = ["info", "debug", "warning", "error", "notice"]
    chunk = []
    for j in range(PER_PRODUCER):
        chunk.append(cltest.line({"app": "ingest", "level": levels[j % 5],
                                  "msg": ingest_msg(p, j), "pid": os.getpid()}))
        if len(chunk) == 250:  # interleave with the other producers
            k.send(b"".join(chunk))
            chunk = []
    if chunk:
        k.send(b"".join(chunk))
    ack = k.sync(1, timeout=120)
    k.close()
    if (ack["accepted"], ack["rejected"]) != (PER_PRODUCER, 0):
        raise SystemExit("producer %d: ack %r, expected accepted %d rejected 0"
                         % (p, ack, PER_PRODUCER))
    return {"pid": os.getpid(), "ack": ack}


def test_50_producers():
    with cltest.Collector("--rotate-size", str(ROTATE_SIZE), "--rotate-keep", "50",
                          "--host", HOST) as c:
        go = os.path.join(c.tmp, "go")
        procs = [cltest.spawn(__file__, "produce", c.sock, p, go) for p in range(PRODUCERS)]
        try:
            # All 50 connected at once before anyone sends (plus our stats one).
            deadline = time.monotonic() + 60
            while True:
                st = c.stats()
                if st["connections"] >= PRODUCERS + 1:
                    break
                check(time.monotonic() < deadline,
                      "only %d of %d producers connected" % (st["connections"] - 1, PRODUCERS))
                time.sleep(0.05)
            open(go, "w").close()
            results = cltest.collect(procs, timeout=110)
        finally:
            cltest.kill_all(procs)

        for p, r in enumerate(results):
            eq((r["ack"]["accepted"], r["ack"]["rejected"]), (PER_PRODUCER, 0),
               "producer %d ack (accepted, rejected)" % p)

        total = PRODUCERS * PER_PRODUCER
        sent = [ingest_msg(p, j) for p in range(PRODUCERS) for j in range(PER_PRODUCER)]
        eq(len(set(sent)), total, "distinct msgs sent")
        want_sha = cltest.sha256_sorted(sent)

        st = c.stats()
        eq(st["accepted"], total, "stats accepted")
        eq(st["rejected"], 0, "stats rejected")
        eq(st["connections_total"] >= PRODUCERS, True, "stats connections_total >= producers")
        rotations = st["rotations"]
        check(rotations >= 5, "expected at least 5 rotations, stats says %d" % rotations)

        # Database.
        eq(c.scalar("SELECT count(*) FROM entries"), total, "rows in entries")
        eq(c.scalar("SELECT count(*) FROM rejects"), 0, "rows in rejects")
        db_msgs = c.msgs()
        eq(cltest.sha256_sorted(db_msgs), want_sha, "sha256 of sorted DB msgs")
        # Per-connection order and the kernel-reported peer PID.
        pid_of = {r["pid"]: p for p, r in enumerate(results)}
        rows = c.query("SELECT msg, peer_pid, pid, host, app FROM entries ORDER BY id")
        next_j = [0] * PRODUCERS
        for msg, peer_pid, pid, host, app in rows:
            p = int(msg[8:10])
            eq(msg, ingest_msg(p, next_j[p]), "next DB msg of producer %d" % p)
            next_j[p] += 1
            eq(pid_of.get(peer_pid), p, "producer of peer_pid %d for %r" % (peer_pid, msg))
            eq(pid, peer_pid, "claimed pid vs peer_pid")
            eq((host, app), (HOST, "ingest"), "host/app")

        # Text files.
        files = c.text_files()
        eq(len(files), rotations + 1, "text files on disk vs rotations counter + 1")
        for f in files:
            size = os.path.getsize(f)
            check(size <= ROTATE_SIZE, "%s is %d bytes, over the rotate size" % (f, size))
        lines = c.text_lines()  # asserts complete lines in every file
        eq(len(lines), total, "text lines across %d files" % len(files))
        text_msgs = []
        next_j = [0] * PRODUCERS
        for ln in lines:
            t = cltest.parse_text_line(ln)
            eq((t["host"], t["app"]), (HOST, "ingest"), "text line host/app: %r" % ln)
            check(t["level"] in ("INFO", "DEBUG", "WARNING", "ERROR", "NOTICE"),
                  "text line level: %r" % ln)
            msg = t["msg"]
            p = int(msg[8:10])
            eq(msg, ingest_msg(p, next_j[p]), "next text msg of producer %d" % p)
            eq(pid_of.get(t["pid"]), p, "text [PID] of %r" % ln)
            next_j[p] += 1
            text_msgs.append(msg)
        eq(cltest.sha256_sorted(text_msgs), want_sha, "sha256 of sorted text msgs")

        print("  %d entries, %d text files, %d rotations" % (total, len(files), rotations))
        c.stop()
        # Still all there after a clean stop (WAL checkpointed, text flushed).
        eq(c.scalar("SELECT count(*) FROM entries"), total, "rows in entries after stop")
        eq(len(c.text_lines()), total, "text lines after stop")


if __name__ == "__main__":
    cltest.main("test_ingest", [test_50_producers])
