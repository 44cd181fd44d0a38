"""End-to-end: graceful stop (SIGTERM/SIGINT) never loses what producers sent.

Asserts:
(a) under load (producer processes sending and syncing in a loop), SIGTERM makes
    the collector exit 0, and every entry any producer got an ack for is in the
    database and in the text file; what each producer has stored is a prefix of
    what it sent (order kept, no duplicates, nothing invented) and the two sinks
    agree exactly;
(b) producers that write N entries without sync and close right before SIGTERM,
    producers still connected (never synced, never closed), and a burst of
    connections that may still sit in the listen backlog: all their entries are in
    both sinks after exit 0; likewise 4 x 25,000 unsynced entries written under
    backpressure (--queue-bytes 64K), mostly still in socket buffers at SIGTERM;
(c) the socket file is gone after every exit; SIGINT behaves like SIGTERM;
(d) a producer that never reads the replies it asked for cannot stall the stop;
(e) SIGHUP reopens the text log (logrotate); a restart appends to the same data.
"""

import json
import os
import signal
import socket
import time

import cltest
from cltest import check, eq

LOAD_PRODUCERS = 4
ROUND = 200


def sd_msg(p, j):
    return "sd p%d n%07d" % (p, j)


def looping_producer(sock_path, p, flag_path):
    """Child: rounds of ROUND entries + sync until the collector goes away.
    Returns the highest acked count and how many entries it tried to send."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect(sock_path)
    acked = 0
    attempted = 0
    buf = b""
    rnd = 0
    err = None
    try:
        while True:
            rnd += 1
            data = b"".join(cltest.line({"app": "sd", "level": "info", "msg": sd_msg(p, j)})
                            for j in range(attempted, attempted + ROUND))
            attempted += ROUND
            s.sendall(data + cltest.line({"op": "sync", "id": rnd}))
            while b"\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    raise EOFError("collector closed the connection")
                buf += chunk
            ln, buf = buf.split(b"\n", 1)

            ack = json.loads(ln)
            assert ack["op"] == "ack" and ack["id"] == rnd, ack
            assert ack["rejected"] == 0, ack
            assert ack["accepted"] == attempted, (ack, attempted)
            acked = ack["accepted"]
            if rnd == 1:
                open(flag_path, "w").close()  # tell the test we are under way
    except (OSError, EOFError) as e:
        err = repr(e)
    return {"acked": acked, "attempted": attempted, "end": err}


def check_socket_gone(c):
    check(not os.path.exists(c.sock), "socket file %s still exists after exit" % c.sock)


def test_sigterm_under_load():
    with cltest.Collector("--batch-ms", "5", *cltest.NO_RATE_LIMIT) as c:
        flags = [os.path.join(c.tmp, "acked%d" % p) for p in range(LOAD_PRODUCERS)]
        procs = [cltest.spawn(__file__, "looping_producer", c.sock, p, flags[p])
                 for p in range(LOAD_PRODUCERS)]
        try:
            deadline = time.monotonic() + 60
            while not all(os.path.exists(f) for f in flags):
                check(time.monotonic() < deadline, "producers did not get going")
                time.sleep(0.02)
            time.sleep(0.5)
            c.send_signal(signal.SIGTERM)
            c.stop()
            results = cltest.collect(procs, timeout=60)
        finally:
            cltest.kill_all(procs)
        check_socket_gone(c)
        db = c.msgs()
        text = c.text_msgs()
        eq(len(text), len(db), "text lines vs database rows")
        eq(text, db, "text file and database hold the same msgs in the same order")
        total_acked = 0
        for p, r in enumerate(results):
            mine = [m for m in db if m.startswith("sd p%d " % p)]
            k = len(mine)
            eq(mine, [sd_msg(p, j) for j in range(k)], "producer %d's stored msgs are a prefix"
               % p)
            check(r["acked"] >= ROUND, "producer %d was never acked: %r" % (p, r))
            check(r["acked"] <= k <= r["attempted"],
                  "producer %d: acked %d <= stored %d <= attempted %d"
                  % (p, r["acked"], k, r["attempted"]))
            total_acked += r["acked"]
        eq(len(db), sum(len([m for m in db if m.startswith("sd p%d " % p)])
                        for p in range(LOAD_PRODUCERS)), "no foreign rows")
        # A producer cut off mid-line by the stop may leave one truncated reject.
        rej = c.rejects()
        check(all(r[0] == "truncated" for r in rej) and len(rej) <= LOAD_PRODUCERS,
              "only truncated rejects, at most one per producer", rej)
        print("  acked %d, stored %d, rejects %d; producers ended with %s"
              % (total_acked, len(db), len(rej), sorted({r["end"] for r in results})))


def test_unsynced_then_sigterm():
    n_conns, per_conn = 8, 4000
    with cltest.Collector(*cltest.NO_RATE_LIMIT) as c:
        want = []
        # 1. Write N without sync and close just before the signal.
        conns = []
        for i in range(n_conns):
            k = c.connect()
            msgs = ["closed c%d n%d" % (i, j) for j in range(per_conn)]
            want += msgs
            conns.append((k, b"".join(cltest.line(cltest.entry(m)) for m in msgs)))
        # 2. Still connected, never synced, never closed.
        open_conns = []
        for i in range(4):
            k = c.connect()
            msgs = ["open c%d n%d" % (i, j) for j in range(1000)]
            want += msgs
            k.send([cltest.entry(m) for m in msgs])
            open_conns.append(k)
        for k, data in conns:
            k.send(data)
        for k, _ in conns:
            k.close()
        # 3. A burst of short connections, the last ones likely still in the
        # listen backlog when the signal lands.
        for i in range(300):
            k = cltest.Conn(c.sock)
            msgs = ["burst c%d n%d" % (i, j) for j in range(5)]
            want += msgs
            k.send([cltest.entry(m) for m in msgs])
            k.close()
        c.send_signal(signal.SIGTERM)
        c.stop()
        for k in open_conns:
            eq(k.read_eof(timeout=10), b"", "open connection: closed by the collector, no reply")
            k.close()
        check_socket_gone(c)
        db = c.msgs()
        eq(len(db), len(want), "entries in the database")
        cltest.diff_sets(db, want, "msgs in the database")
        text = c.text_msgs()
        eq(len(text), len(want), "lines in the text file")
        cltest.diff_sets(text, want, "msgs in the text file")
        eq(c.rejects(), [], "rejects")


def unsynced_producer(sock_path, p, n):
    """Child: n entries without sync, then close; returns when all is written."""
    k = cltest.Conn(sock_path, timeout=120)
    data = b"".join(cltest.line({"app": "sd", "level": "info", "msg": "bp p%d n%d" % (p, j)})
                    for j in range(n))
    for i in range(0, len(data), 65536):
        k.send(data[i:i + 65536])
    k.close()
    return {"sent": n}


def test_unsynced_under_backpressure_then_sigterm():
    producers, per = 4, 25000
    with cltest.Collector("--queue-bytes", "64K", "--batch-size", "64", *cltest.NO_RATE_LIMIT) as c:
        procs = [cltest.spawn(__file__, "unsynced_producer", c.sock, p, per)
                 for p in range(producers)]
        try:
            cltest.collect(procs, timeout=100)
        finally:
            cltest.kill_all(procs)
        # Everything is written (much of it still in socket buffers): stop now.
        c.stop()
        check_socket_gone(c)
        want = ["bp p%d n%d" % (p, j) for p in range(producers) for j in range(per)]
        db = c.msgs()
        eq(len(db), len(want), "entries in the database")
        cltest.diff_sets(db, want, "msgs in the database")
        text = c.text_msgs()
        eq(len(text), len(want), "lines in the text file")
        cltest.diff_sets(text, want, "msgs in the text file")
        eq(c.rejects(), [], "rejects")


def test_sigterm_with_unread_replies():
    """A producer that asked for many replies and never reads them, then wrote
    entries: on SIGTERM those entries were "already written into an open
    connection" (PROTOCOL.md section 5), so they must be committed and the exit
    status must be 0 - the unread replies must not stall the drain."""
    import threading
    with cltest.Collector("--shutdown-timeout", "5") as c:
        k = c.connect()
        data = b'{"op":"stats"}\n' * 3000 + b"".join(
            cltest.line(cltest.entry("after unread replies %d" % i)) for i in range(10))
        sent = threading.Event()

        def writer():
            try:
                k.send(data)
                sent.set()
            except OSError:
                pass
        t = threading.Thread(target=writer, daemon=True)
        t.start()
        check(sent.wait(30), "the producer could not write its requests and entries")
        time.sleep(0.3)
        t0 = time.monotonic()
        c.send_signal(signal.SIGTERM)
        rc = c.wait(60)
        took = time.monotonic() - t0
        k.close()
        eq(rc, 0, "exit status after SIGTERM (took %.1fs; stderr: %s)"
           % (took, c.stderr().splitlines()[-1:]))
        check_socket_gone(c)
        eq(c.msgs(), ["after unread replies %d" % i for i in range(10)],
           "entries written after the unread requests")


def test_sigint_and_socket_removed():
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(cltest.entry("before sigint"))
            k.sync()
        check(os.path.exists(c.sock), "socket exists while running")
        k = c.connect()
        k.send(cltest.entry("unsynced before sigint"))
        c.stop(signal.SIGINT)
        k.close()
        check_socket_gone(c)
        eq(c.msgs(), ["before sigint", "unsynced before sigint"], "entries")
        eq(c.text_msgs(), ["before sigint", "unsynced before sigint"], "text lines")
        # A fresh collector on the same data and address starts and appends.
    with cltest.Collector() as c:
        c.stop()
        check_socket_gone(c)


def test_sighup_reopens_text_log():
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(cltest.entry("before hup"))
            k.sync()
            os.rename(c.log, c.log + ".moved")
            c.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while not os.path.exists(c.log):
                check(time.monotonic() < deadline, "SIGHUP did not reopen the text log")
                time.sleep(0.02)
            k.send(cltest.entry("after hup"))
            k.sync()
        check(c.running(), "SIGHUP stopped the collector")
        moved = cltest.read_text_file(c.log + ".moved").decode()
        eq([cltest.parse_text_line(x)["msg"] for x in moved.splitlines()],
           ["before hup"], "moved file")
        eq(c.text_msgs(), ["after hup"], "reopened file")
        c.stop()
        eq(c.msgs(), ["before hup", "after hup"], "entries")


def test_restart_same_data():
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(cltest.entry("first life"))
            k.sync()
        c.stop()
        check_socket_gone(c)
        c.start()
        with c.connect() as k:
            k.send(cltest.entry("second life"))
            k.sync()
        c.stop()
        check_socket_gone(c)
        eq(c.msgs(), ["first life", "second life"], "entries across a restart")
        eq(c.text_msgs(), ["first life", "second life"], "text across a restart")


def test_sigterm_while_starting():
    """The socket accepts before the signal handlers are attached: a SIGTERM
    in that moment (a manager's stop, or a script that connected once and
    stops it) is held and then makes a clean stop, never the default death.
    The moment is made 1 s long by strace delaying listen()'s return."""
    with cltest.Collector(start=False) as c:
        c.wrapper = cltest.strace_prefix("trace=listen", "inject=listen:delay_exit=1000000")
        c.start()  # the kernel accepts on the socket: listen() has run
        check(c.traced_pid() is not None, "strace runs the collector")
        c.send_signal(signal.SIGTERM)
        eq(c.wait(), 0, "a clean stop, not the default action (-15)")
        check("stopped cleanly" in c.stderr(), "it says so", c.stderr())
        check_socket_gone(c)


if __name__ == "__main__":
    cltest.main("test_shutdown", [test_sigterm_under_load, test_unsynced_then_sigterm,
                                  test_unsynced_under_backpressure_then_sigterm,
                                  test_sigterm_with_unread_replies,
                                  test_sigint_and_socket_removed, test_sighup_reopens_text_log,
                                  test_restart_same_data, test_sigterm_while_starting])

