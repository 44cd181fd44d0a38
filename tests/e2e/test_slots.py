"""End-to-end: what one local producer can take from the others (issue 13):
connection slots, rejects, control requests; and entries with an "op" key.

Asserts:
* per-UID share (root only; a visible SKIP otherwise): --max-connections 12
  (the default share is a quarter: 3): a child process that setuid()s to nobody gets 3
  connections (each answers ping), its 4th and 5th receive exactly
  {"op":"error","code":"too_many_connections",...} and are closed; root (exempt)
  opens 6 more that all work; stats: connections_refused_uid 2 and
  connections_refused 2; once nobody closes one, it may open one again;
* idle reclaim when slots are short (--max-connections 10, short at 9,
  --idle-reclaim 1s, --idle-timeout 0): with 8 connections in use (one holding
  half a line, six silent), each of 3 new connections makes the collector close
  exactly one silent connection, the one silent longest first, with
  {"op":"error","code":"idle_reclaimed"}; the one holding half a line is never
  taken (it completes its entry afterwards), nor the busy control connection;
  stats idle_reclaimed 3, connections 8;
* when every slot is taken before anyone was idle (--max-connections 4): a 5th
  connection is refused (connections_refused 1), and once a connection has been
  silent for --idle-reclaim the periodic check frees its slot (idle_reclaimed 1)
  and a new connection is served, which makes slots short again: the next
  silent one is closed at once (idle_reclaimed 2);
* an entry with a top-level "op" key ({"app":"web","level":"error","msg":"upload
  failed","op":"upload"}) is acknowledged as accepted and stored exactly once in
  both sinks with extra {"op":"upload"}; the first reply is the ack (no
  unknown_op); {"op":"upload","msg":"x"} is a stored missing_field reject;
* rejects have a limit of their own (default 1,000 per source and window):
  30,000 invalid 4 KiB lines from one process leave exactly 1,000 rows in
  rejects; the ack says rejected 30,000 and rejects_suppressed 29,000, stats
  rejected 30,000 and rejects_suppressed 29,000; another process's 5 invalid
  lines are stored (its own source); valid entries after the flood are stored;
  at shutdown one report entry says rejects_suppressed 29000 with the
  producer's PID; --reject-limit-burst 0 stores all 1,500 of 1,500;
* stats replies are cached: two connections each pipelining 2,000 stats
  requests make the collector render at most 6 + elapsed/0.25 s replies
  (stats_computed), not 4,000; a producer syncing after its entries still sees
  them counted in its next stats.
"""

import json
import os
import socket
import time

import cltest
from cltest import check, eq, wait_for

NOBODY = 65534


def E(msg, app="slots", level="info", **kw):
    d = {"app": app, "level": level, "msg": msg}
    d.update(kw)
    return cltest.line(d)


def expect_refused(k, code, what):
    r = k.read_reply(10)
    eq((r.get("op"), r.get("code")), ("error", code), what)
    check(r.get("message"), "the refusal explains itself", r)
    eq(k.read_eof(10), b"", what + ": closed after the line")


def ping(k, what):
    eq(k.request({"op": "ping"}, 10).get("op"), "pong", what)


def _child_as_nobody(path, to_parent, from_parent):
    """Runs in a forked child: becomes nobody, then opens connections."""
    out = {}

    def say(obj):
        os.write(to_parent, (json.dumps(obj) + "\n").encode())

    def wait_parent():
        os.read(from_parent, 1)

    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    mine = []
    for i in range(3):
        k = cltest.Conn(path, 10)
        eq(k.request({"op": "ping"}, 10).get("op"), "pong", "nobody's connection %d" % i)
        mine.append(k)
    out["refused"] = []
    for i in range(2):
        k = cltest.Conn(path, 10)
        r = k.read_reply(10)
        out["refused"].append([r.get("op"), r.get("code"), k.read_eof(10).decode()])
        k.close()
    say(out)
    wait_parent()
    mine[0].close()
    say({"closed": 1})
    wait_parent()
    k = cltest.Conn(path, 10)
    say({"again": k.request({"op": "ping"}, 10).get("op")})
    k.close()
    for k in mine[1:]:
        k.close()


def test_per_uid_share():
    cltest.need_root("open connections as another user (nobody) against root's own")
    # The default share, a quarter of --max-connections: 3 of 12.
    with cltest.Collector("--max-connections", "12") as c:
        os.chmod(c.tmp, 0o711)  # let nobody reach the socket
        a = c.connect()
        wait_for(lambda: a.stats()["connections"] == 1, "the start-up probe to go")
        up_r, up_w = os.pipe()
        down_r, down_w = os.pipe()
        child = os.fork()
        if child == 0:
            code = 0
            try:
                os.close(up_r)
                os.close(down_w)
                _child_as_nobody(c.sock, up_w, down_r)
            except BaseException as e:  # report, never return into the test runner
                os.write(up_w, (json.dumps({"error": repr(e)}) + "\n").encode())
                code = 1
            os._exit(code)
        os.close(up_w)
        os.close(down_r)
        up = os.fdopen(up_r, "r")
        try:
            first = json.loads(up.readline() or "{}")
            check("error" not in first, "the child as nobody", first)
            eq(first["refused"], [["error", "too_many_connections", ""]] * 2,
               "nobody's 4th and 5th connections: too_many_connections, then closed")
            # Root is exempt: it is not held to nobody's share, nor to its own.
            mine = [c.connect() for _ in range(6)]
            for i, k in enumerate(mine):
                ping(k, "root's connection %d while nobody holds its share" % i)
            st = a.stats()
            eq((st["connections_refused_uid"], st["connections_refused"], st["connections"]),
               (2, 2, 1 + 3 + 6), "stats (connections_refused_uid, connections_refused, "
               "connections)")
            os.write(down_w, b"x")
            eq(json.loads(up.readline() or "{}"), {"closed": 1}, "nobody closed one")
            wait_for(lambda: a.stats()["connections"] == 1 + 2 + 6, "nobody's close to be seen")
            os.write(down_w, b"x")
            eq(json.loads(up.readline() or "{}"), {"again": "pong"},
               "with one of its 3 closed, nobody may connect once more")
            _, status = os.waitpid(child, 0)
            eq(status, 0, "the child's exit status")
            child = 0
            eq(a.stats()["connections_refused_uid"], 2, "no further refusals")
            for k in mine:
                k.close()
        finally:
            up.close()
            os.close(down_w)
            if child:
                os.kill(child, 9)
                os.waitpid(child, 0)
        a.close()
        c.stop()


def test_idle_reclaim_when_short():
    partial = b'{"app":"slots","level":"info","msg":"held half'
    with cltest.Collector("--max-connections", "10", "--idle-reclaim", "1s",
                          "--idle-timeout", "0") as c:
        a = c.connect()
        wait_for(lambda: a.stats()["connections"] == 1, "the start-up probe to go")
        p = c.connect()
        p.send(partial)
        quiet = [c.connect() for _ in range(6)]
        # Everyone is seen, and the control connection is the most recently
        # active one: the order of silence is p, quiet[0..5], a.
        wait_for(lambda: a.stats()["connections"] == 8, "8 connections")
        time.sleep(1.3)  # every one of them is now silent for more than 1 s
        new = []
        for i in range(3):
            n = c.connect()
            ping(n, "new connection %d is served" % i)
            new.append(n)
            expect_refused(quiet[i], "idle_reclaimed",
                           "the connection silent longest (quiet[%d]) makes room" % i)
        st = a.stats()
        eq((st["idle_reclaimed"], st["connections"], st["connections_refused"]), (3, 8, 0),
           "stats (idle_reclaimed, connections, connections_refused)")
        # The others are intact: half a line is not idleness.
        p.send(b' line"}\n')
        eq(p.sync()["accepted"], 1, "the connection holding half a line completes its entry")
        for i, k in enumerate(quiet[3:]):
            k.send(E("quiet %d still here" % (i + 3)))
            eq(k.sync()["accepted"], 1, "quiet[%d] was not taken" % (i + 3))
        for k in [a, p] + quiet + new:
            k.close()
        c.stop()
        eq(sorted(c.msgs()), sorted(["held half line"] +
                                    ["quiet %d still here" % i for i in range(3, 6)]),
           "entries stored")


def test_idle_reclaim_on_tick():
    with cltest.Collector("--max-connections", "4", "--idle-reclaim", "1s") as c:
        a = c.connect()
        wait_for(lambda: a.stats()["connections"] == 1, "the start-up probe to go")
        quiet = [c.connect() for _ in range(3)]
        wait_for(lambda: a.stats()["connections"] == 4, "every slot taken")
        x = c.connect(timeout=10)
        expect_refused(x, "too_many_connections", "a 5th connection while all are fresh")
        # The control connection keeps talking; the silent ones go, one per
        # check, until slots are no longer short (below 4), i.e. exactly one.
        st = wait_for(lambda: (lambda s: s if s["idle_reclaimed"] >= 1 else None)(a.stats()),
                      "the periodic check to reclaim an idle connection", timeout=30)
        expect_refused(quiet[0], "idle_reclaimed", "the oldest silent connection goes")
        with c.connect() as n:
            ping(n, "a new connection is served once a slot was reclaimed")
            # It made slots short again: the next silent one made room at once.
            expect_refused(quiet[1], "idle_reclaimed", "the next silent connection goes")
        st = a.stats()
        eq((st["idle_reclaimed"], st["connections_refused"]), (2, 1),
           "stats (idle_reclaimed, connections_refused)")
        for k in [a] + quiet:
            k.close()
        c.stop()


def test_entry_with_op_key():
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(b'{"app":"web","level":"error","msg":"upload failed","op":"upload"}\n'
                   b'{"op":"upload","msg":"x"}\n')
            ack = k.sync()  # the first reply is the ack: no unknown_op before it
            eq((ack["accepted"], ack["rejected"]), (1, 1), "ack (accepted, rejected)")
        c.stop()
        eq(c.query("SELECT app, level, msg, extra FROM entries"),
           [("web", 3, "upload failed", '{"op":"upload"}')], "stored exactly once, op in extra")
        eq([(r[0], r[1]) for r in c.rejects()], [("missing_field", b'{"op":"upload","msg":"x"}')],
           "an object with msg and op is an entry missing level and app")
        text = [x for x in c.text_lines() if cltest.parse_text_line(x)["app"] == "web"]
        eq(len(text), 1, "one line in the text file")
        check("upload failed" in text[0] and "upload" in text[0].split("upload failed", 1)[1],
              "the text line has the message and the op", text[0])


def _invalid_from_child(path, n):
    with cltest.Conn(path, 30) as k:
        k.send(b"".join(b"not json from the child %d\n" % i for i in range(n)))
        return k.sync()


def test_reject_limit():
    n, burst = 30000, 1000
    bad = b"x" * 4095 + b"\n"  # 4 KiB lines, not JSON
    with cltest.Collector("--rate-limit-interval", "1h") as c:
        with c.connect() as k:
            for _ in range(n // 1000):
                k.send(bad * 1000)
            k.send(E("valid after the flood"))
            ack = k.sync()
            eq((ack["accepted"], ack["rejected"], ack.get("rejects_suppressed")),
               (1, n, n - burst), "ack (accepted, rejected, rejects_suppressed)")
            st = k.stats()
            eq((st["rejected"], st["rejects_suppressed"]), (n, n - burst),
               "stats (rejected, rejects_suppressed)")
        other = cltest.collect([cltest.spawn(__file__, "_invalid_from_child", c.sock, 5)])[0]
        eq((other["rejected"], other.get("rejects_suppressed")), (5, None),
           "another process is another source")
        eq(c.scalar("SELECT count(*) FROM rejects"), burst + 5, "rows in rejects")
        eq(c.scalar("SELECT count(*) FROM rejects WHERE raw_len = 4095"), burst,
           "the flood's stored rejects are exactly the limit")
        c.stop()
        rows = c.query("SELECT msg, fields, peer_pid FROM entries WHERE app = 'centrallogd'")
        eq(len(rows), 1, "one report entry")
        f = json.loads(rows[0][1])
        eq((f["rejects_suppressed"], f["source_pid"], f["burst"]), (n - burst, os.getpid(), burst),
           "report fields")
        eq(rows[0][2], c.proc.pid, "the report is the collector's own")
        check(str(n - burst) in rows[0][0], "the report's message says how many", rows[0][0])
        eq(c.msgs("WHERE app = 'slots'"), ["valid after the flood"], "entries unaffected")
    with cltest.Collector("--reject-limit-burst", "0") as c:
        with c.connect() as k:
            k.send(bad * 1500)
            ack = k.sync()
            eq((ack["rejected"], ack.get("rejects_suppressed")), (1500, None),
               "--reject-limit-burst 0: no limit")
        c.stop()
        eq(c.scalar("SELECT count(*) FROM rejects"), 1500, "every reject stored")


def test_stats_are_cached():
    per_conn = 2000
    with cltest.Collector() as c:
        with c.connect() as base:
            before = base.stats()["stats_computed"]
        loops = [c.connect() for _ in range(2)]
        t0 = time.monotonic()
        for k in loops:
            k.send(b'{"op":"stats"}\n' * per_conn)
        for i, k in enumerate(loops):
            for j in range(per_conn):
                r = k.read_reply(60)
                eq(r.get("op"), "stats", "stats reply %d on loop %d" % (j, i))
        elapsed = time.monotonic() - t0
        # A producer's own entries are in its next stats, cache or not.
        with c.connect() as p:
            p.send([E("counted %d" % i) for i in range(7)])
            p.sync()
            st = p.stats()
        eq(st["accepted"], 7, "stats after a sync counts the synced entries")
        computed = st["stats_computed"] - before
        # Each change of what stats count (the base connection leaving, the
        # two loops and the producer arriving, its entries) allows one
        # rendering, and the clock one per 250 ms (+1 for a partial period).
        bound = 5 + int(elapsed / 0.25) + 1
        check(computed <= bound,
              "%d stats requests rendered %d replies in %.2f s; at most %d allowed"
              % (2 * per_conn, computed, elapsed, bound))
        for k in loops:
            k.close()
        c.stop()


if __name__ == "__main__":
    cltest.main("test_slots", [test_per_uid_share, test_idle_reclaim_when_short,
                               test_idle_reclaim_on_tick, test_entry_with_op_key,
                               test_reject_limit, test_stats_are_cached])
