"""End-to-end: nothing lost, nothing corrupted, when things go wrong.

Asserts:
(1) SIGKILL during a 200,000-entry load (4 producer processes, rounds of 1,000
    entries + sync, reconnecting and resending from their last ack), twice,
    each time followed by a restart on the same data: PRAGMA integrity_check is
    "ok"; every one of the 200,000 entries is in the database; every entry that
    was acked before a kill is there exactly once (duplicates only among the
    entries in flight at a kill: at-least-once); every text file holds only
    complete, parseable lines, and each acked entry appears in the text exactly
    once as well.
    Torn text tail: a text file that ends in half a line (what a SIGKILL in the
    middle of write() leaves) is cut back to its last complete line on start:
    stats log_repaired_bytes is the fragment's length, stderr says so, and the
    next lines are whole.
(3) Database disk full (a tmpfs of 1 MiB for the database; root only): the
    collector keeps running; the text file keeps every line; stats show
    db_errors > 0, db_retries > 0, db_held = the records waiting, and
    db_last_error; stderr says the database refuses writes; a sync is NOT acked
    while entries are missing from the database; after the filesystem grows
    (remount) the sync is acked, every entry is in the database exactly once,
    db_held is 0, stderr says writes resumed, integrity_check is "ok".
    The same path without root: another process holds the database's write
    lock beyond the busy timeout: db_held = the 100 entries sent, all of them in
    the text file, db_last_error "database is locked", no ack; once the lock is
    released the ack comes and every entry is stored once, in order.
(4) Text log directory removed: the collector notices (log_reopens 1), starts a
    new file at the same path, and loses nothing. Made unwritable (its parent
    read-only, the collector running as an unprivileged user): the database keeps
    every entry and every sync is acked; log_errors > 0 and log_lost_lines is
    exactly the number of entries sent meanwhile; stderr says so; once the
    directory is writable again, the next entries are written to the text file.
(5) 2,000 idle connections plus 4 x 10,000 entries of load: every entry stored,
    no reject, no refused connection, every idle connection still served at the
    end. (Throughput against 10,000 idle connections: bench/idle_conns.py.)
"""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import time

import cltest
from cltest import check, eq, wait_for

# ---------------------------------------------------------------- (1) SIGKILL

PRODUCERS = 4
PER = 50000
ROUND = 1000


def kmsg(p, j):
    return "kill p%d n%06d" % (p, j)


def kill_producer(sock, p, log_path):
    """Child: sends PER entries in rounds with a sync each; on a broken
    connection, reconnects (the collector is restarted) and resends from the
    last ack. Appends "acked N" / "sent N" / "reconnect A S" lines to log_path
    so the parent knows what was acknowledged before each kill."""
    acked = 0
    log = open(log_path, "a", buffering=1)
    deadline = time.monotonic() + 240
    while acked < PER:
        check(time.monotonic() < deadline, "producer %d: gave up" % p)
        try:
            k = cltest.Conn(sock, timeout=60)
        except OSError:
            time.sleep(0.05)
            continue
        sent = acked
        try:
            while acked < PER:
                n = min(ROUND, PER - acked)
                k.send([cltest.line({"app": "kill", "level": "info", "msg": kmsg(p, j)})
                        for j in range(acked, acked + n)])
                sent = acked + n
                ack = k.sync(sent)
                acked = sent
                log.write("acked %d\n" % acked)
        except (OSError, AssertionError):
            log.write("reconnect %d %d\n" % (acked, sent))
            time.sleep(0.05)
        finally:
            k.close()
    return {"acked": acked}


def test_sigkill_under_load():
    total = PRODUCERS * PER
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        logs = [os.path.join(c.tmp, "p%d.log" % p) for p in range(PRODUCERS)]
        procs = [cltest.spawn(__file__, "kill_producer", c.sock, p, logs[p])
                 for p in range(PRODUCERS)]
        torn = []
        try:
            for kill_at in (total * 3 // 10, total * 65 // 100):
                wait_for(lambda: c.stats()["committed"] >= kill_at, "load to pass %d" % kill_at,
                         timeout=120, interval=0.005)
                c.proc.send_signal(signal.SIGKILL)
                c.proc.wait(10)
                with open(c.log, "rb") as f:
                    data = f.read()
                torn.append(len(data) - (data.rfind(b"\n") + 1))
                time.sleep(0.2)  # producers see the broken connection
                c.start()
            results = cltest.collect(procs, timeout=240)
        finally:
            cltest.kill_all(procs)
        eq([r["acked"] for r in results], [PER] * PRODUCERS, "every producer finished")
        print("  torn text tails found after the kills: %s bytes" % torn)
        eq(c.query("PRAGMA integrity_check"), [("ok",)], "integrity_check")

        # What was in flight at each kill (acked A, sent S): [A, S) may repeat.
        may_repeat = set()
        for p in range(PRODUCERS):
            with open(logs[p]) as f:
                for ln in f:
                    w = ln.split()
                    if w[0] == "reconnect":
                        may_repeat.update(kmsg(p, j) for j in range(int(w[1]), int(w[2])))
        counts = {}
        for m in c.msgs():
            counts[m] = counts.get(m, 0) + 1
        eq(len(counts), total, "distinct entries in the database")
        for p in range(PRODUCERS):
            for j in range(PER):
                n = counts.get(kmsg(p, j), 0)
                if n != 1 and not (n > 1 and kmsg(p, j) in may_repeat):
                    raise AssertionError("%s stored %d times (in flight at a kill: %s)"
                                         % (kmsg(p, j), n, kmsg(p, j) in may_repeat))
        print("  %d entries were in flight at a kill; %d stored twice"
              % (len(may_repeat), sum(1 for n in counts.values() if n > 1)))
        text = {}
        for ln in c.text_lines():  # asserts every file holds complete lines
            m = cltest.parse_text_line(ln)["msg"]
            text[m] = text.get(m, 0) + 1
        for p in range(PRODUCERS):
            for j in range(PER):
                m = kmsg(p, j)
                n = text.get(m, 0)
                check(n == 1 or (n > 1 and m in may_repeat),
                      "%s is %d times in the text file" % (m, n))
        c.stop()


def test_torn_text_tail_repaired():
    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        # A file of the collector's own (marker line first), as a crash left it.
        mark = b"# centrallogd text log (format: text), created 2026-01-01T00:00:00.000000Z\n"
        whole = b"2026-01-01T00:00:00.000000Z h app[1] INFO: before the crash\n"
        frag = b"2026-01-01T00:00:01.000000Z h app[1] INFO: half a li"
        with open(c.log, "wb") as f:
            f.write(mark + whole + frag)
        c.start()
        with c.connect() as k:
            k.send(cltest.entry("after the restart"))
            k.sync()
            st = k.stats()
        eq(st["log_repaired_bytes"], len(frag), "stats log_repaired_bytes")
        lines = c.text_lines()
        eq(lines[0], whole[:-1].decode(), "the complete line is kept")
        eq([cltest.parse_text_line(x)["msg"] for x in lines[1:]], ["after the restart"],
           "the fragment is gone, the new line is whole")
        wait_for(lambda: "half a line" in c.stderr(), "the notice on stderr", timeout=5)
        c.stop()


# ---------------------------------------------------------------- (3) disk full

def stats_of(c, *keys):
    st = c.stats()
    return {k: st[k] for k in keys}


def test_database_disk_full():
    cltest.need_root("mount a small tmpfs")
    with cltest.Collector(start=False) as c:
        mnt = os.path.join(c.tmp, "dbfs")
        os.makedirs(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                           capture_output=True)
        if r.returncode != 0:
            raise cltest.Skip("cannot mount tmpfs here: %s" % r.stderr.decode().strip())
        try:
            c.db = os.path.join(mnt, "centrallog.db")
            c.flags = ["--db", c.db, *cltest.NO_RATE_LIMIT]
            c.start()
            k = c.connect()
            n = 0
            sent = []
            # Fill the filesystem.
            while c.stats()["db_errors"] == 0:
                check(n < 200000, "the database never ran out of space")
                batch = ["full %06d %s" % (n + i, "p" * 40) for i in range(1000)]
                k.send([cltest.entry(m, app="full") for m in batch])
                sent += batch
                n += 1000
                time.sleep(0.02)
            # More while the database is failing: all of it reaches the text file.
            batch = ["during %06d" % i for i in range(5000)]
            k.send([cltest.entry(m, app="full") for m in batch])
            sent += batch
            wait_for(lambda: len(c.text_lines()) == len(sent), "every line in the text file")
            st = stats_of(c, "db_errors", "db_retries", "db_held", "db_last_error", "committed",
                          "accepted", "log_errors", "log_lost_lines")
            print("  while full: %s" % st)
            check(st["db_errors"] > 0 and st["db_held"] > 0, "stats show the failure", st)
            wait_for(lambda: c.stats()["db_retries"] > 1, "retries")
            eq(st["db_last_error"], "database or disk is full", "db_last_error")
            eq((st["accepted"], st["log_errors"], st["log_lost_lines"]), (len(sent), 0, 0),
               "(accepted, log_errors, log_lost_lines)")
            stored = c.scalar("SELECT count(*) FROM entries")
            eq(stored + c.stats()["db_held"], len(sent), "stored + held = sent")
            wait_for(lambda: "refuses writes" in c.stderr(), "the notice on stderr", timeout=5)
            # An ack means "in both sinks": none while the database lacks entries.
            k.send({"op": "sync", "id": 1})
            k.sock.settimeout(1.0)
            try:
                early = k.sock.recv(4096)
            except socket.timeout:
                early = None
            eq(early, None, "no ack while entries are missing from the database")
            check(c.running(), "the collector keeps running")
            # Space returns.
            subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
            ack = k.read_reply(60)
            eq((ack.get("op"), ack.get("accepted"), ack.get("rejected")),
               ("ack", len(sent), 0), "the ack once space returned")
            st = stats_of(c, "db_held", "db_errors")
            eq(st["db_held"], 0, "nothing held any more")
            wait_for(lambda: "writes resumed" in c.stderr(), "the 'resumed' notice", timeout=5)
            k.close()
            c.stop()
            eq(c.query("PRAGMA integrity_check"), [("ok",)], "integrity_check")
            msgs = c.msgs()
            eq(len(msgs), len(sent), "rows")
            cltest.diff_sets(msgs, sent, "entries in the database")
            eq(len(set(msgs)), len(sent), "each exactly once")
            cltest.diff_sets(c.text_msgs(), sent, "entries in the text file")
        finally:
            if c.running():
                c.kill()
            subprocess.run(["umount", mnt])


def test_database_locked():
    """The same path without root: another process holds the database's write
    lock (BEGIN EXCLUSIVE) longer than the collector's 5 s busy timeout."""
    import sqlite3
    import cltest.db
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(cltest.entry("before the lock"))
            k.sync(1)
            # The live partition: the file the collector writes.
            live = cltest.db.partitions(c.db, states=("live",))[0]["abspath"]
            locker = sqlite3.connect(live, timeout=30, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            try:
                sent = ["locked %d" % i for i in range(100)]
                k.send([cltest.entry(m) for m in sent])
                wait_for(lambda: c.stats()["db_held"] == 100, "the batch to be held", timeout=30)
                wait_for(lambda: len(c.text_lines()) == 101, "the text file to have every line")
                st = stats_of(c, "db_errors", "db_last_error", "committed")
                check(st["db_errors"] > 0, "db_errors", st)
                eq(st["db_last_error"], "database is locked", "db_last_error")
                k.send({"op": "sync", "id": 2})
                k.sock.settimeout(0.5)
                try:
                    early = k.sock.recv(4096)
                except socket.timeout:
                    early = None
                eq(early, None, "no ack while the database lacks the entries")
            finally:
                locker.execute("ROLLBACK")
                locker.close()
            ack = k.read_reply(60)
            eq((ack.get("id"), ack.get("accepted")), (2, 101), "the ack once the lock is gone")
        eq(c.stats()["db_held"], 0, "nothing held")
        c.stop()
        eq(c.msgs(), ["before the lock"] + sent, "every entry once, in order")


# ---------------------------------------------------------------- (4) text log

def test_text_log_dir_removed():
    with cltest.Collector(start=False) as c:
        logdir = os.path.join(c.tmp, "logs")
        c.log = os.path.join(logdir, "centrallog.log")
        c.flags = ["--log-file", c.log]
        c.start()
        with c.connect() as k:
            k.send([cltest.entry("before %d" % i) for i in range(10)])
            k.sync()
            shutil.rmtree(logdir)
            k.send([cltest.entry("after %d" % i) for i in range(10)])
            k.sync(2)
            st = k.stats()
        eq((st["log_reopens"], st["log_errors"], st["log_lost_lines"]), (1, 0, 0),
           "(log_reopens, log_errors, log_lost_lines)")
        eq(c.text_msgs(), ["after %d" % i for i in range(10)], "the new file at the same path")
        eq(len(c.msgs()), 20, "database")
        wait_for(lambda: "removed or replaced" in c.stderr(), "the notice on stderr", timeout=5)
        c.stop()


def test_text_log_unwritable():
    root = os.geteuid() == 0
    # Root ignores permissions: run the collector as an unprivileged user.
    user = {"user": 65534, "group": 65534} if root else None
    with cltest.Collector(start=False, user=user) as c:
        own = os.path.join(c.tmp, "own")      # everything the collector writes
        parent = os.path.join(own, "logparent")
        logdir = os.path.join(parent, "logs")
        os.makedirs(logdir)
        os.makedirs(os.path.join(own, "run"))
        c.dir = os.path.join(own, "data")
        c.db = os.path.join(c.dir, "centrallog.db")
        c.sock = os.path.join(own, "run", "c.sock")
        c.log = os.path.join(logdir, "centrallog.log")
        c.flags = ["--log-file", c.log]
        if root:
            os.chmod(c.tmp, 0o755)
            for d, _, files in os.walk(own):
                os.chown(d, 65534, 65534)
        c.start()
        k = c.connect()
        k.send([cltest.entry("ok %d" % i) for i in range(5)])
        k.sync(1)
        # The directory goes away and cannot be created again.
        shutil.rmtree(logdir)
        os.chmod(parent, 0o555)
        try:
            lost = ["lost %d" % i for i in range(50)]
            k.send([cltest.entry(m) for m in lost])
            ack = k.sync(2)
            eq(ack["accepted"], 55, "acks go on: the database has the entries")
            st = k.stats()
            eq(st["log_lost_lines"], 50, "log_lost_lines (exact)")
            check(st["log_errors"] > 0, "log_errors", st)
            eq(st["log_last_error"], os.strerror(13), "log_last_error (EACCES)")
            wait_for(lambda: "cannot write the text log" in c.stderr(), "the notice on stderr",
                     timeout=5)
        finally:
            os.chmod(parent, 0o755)
        # Fixed: the sink retries at most once a second.
        time.sleep(1.1)
        k.send([cltest.entry("back %d" % i) for i in range(20)])
        k.sync(3)
        st = k.stats()
        k.close()
        eq(st["log_lost_lines"], 50, "nothing more lost")
        eq(c.text_msgs(), ["back %d" % i for i in range(20)], "writing resumed")
        wait_for(lambda: "writes resumed" in c.stderr(), "the 'resumed' notice", timeout=5)
        c.stop()
        msgs = c.msgs()
        eq(msgs, ["ok %d" % i for i in range(5)] + lost + ["back %d" % i for i in range(20)],
           "the database has everything")


# ---------------------------------------------------------------- (5) idle conns

IDLE = 2000


def load_producer(sock, p, n):
    k = cltest.Conn(sock, timeout=120)
    for i in range(0, n, 1000):
        k.send([cltest.entry("load p%d n%05d" % (p, j), app="load") for j in range(i, i + 1000)])
    ack = k.sync(1, timeout=120)
    k.close()
    return ack


def test_idle_connections_and_load():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, IDLE + 1000), hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    check(soft >= IDLE + 200, "cannot raise this process's file limit", soft)
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        idle = []
        try:
            for i in range(IDLE):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(c.sock)
                idle.append(s)
            wait_for(lambda: c.stats()["connections"] >= IDLE + 1, "idle connections accepted")
            procs = [cltest.spawn(__file__, "load_producer", c.sock, p, 10000) for p in range(4)]
            acks = cltest.collect(procs, timeout=120)
            for a in acks:
                eq((a["accepted"], a["rejected"]), (10000, 0), "producer ack")
            st = c.stats()
            eq((st["rejected"], st["connections_refused"]), (0, 0), "(rejected, refused)")
            check(st["connections"] >= IDLE, "idle connections still open", st["connections"])
            # Every idle connection still works.
            for i, s in enumerate(idle):
                s.sendall(cltest.line(cltest.entry("idle %d" % i, app="idle")))
            probe = idle[-1]
            probe.sendall(b'{"op":"sync","id":7}\n')
            probe.settimeout(30)
            buf = b""
            while not buf.endswith(b"\n"):
                buf += probe.recv(4096)
            eq(json.loads(buf)["op"], "ack", "sync on an idle connection")
        finally:
            for s in idle:
                s.close()
        wait_for(lambda: c.scalar("SELECT count(*) FROM entries") == 40000 + IDLE,
                 "every entry stored")
        eq(c.scalar("SELECT count(*) FROM rejects"), 0, "rejects")
        c.stop()


if __name__ == "__main__":
    cltest.main("test_faults", [test_sigkill_under_load, test_torn_text_tail_repaired,
                                test_database_disk_full, test_database_locked,
                                test_text_log_dir_removed,
                                test_text_log_unwritable, test_idle_connections_and_load])
