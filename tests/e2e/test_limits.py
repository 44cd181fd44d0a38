"""End-to-end: limits on what a producer controls (connections, idle time).

Asserts:
* --max-connections 3: with 3 connections open, each of 5 more gets exactly the
  line {"op":"error","code":"too_many_connections",...} and is closed; the 3
  keep working throughout (entries + sync acked with exact counts); stats say
  connections 3 and connections_refused 5; once one closes, a new connection is
  served;
* --idle-timeout 1s (slowloris): a connection that sends one good entry and half
  a line, then stalls, is told {"op":"error","code":"idle_timeout"} and closed
  between 1.0 and 2.0 s after its last byte; the half line is stored as exactly
  one reject with reason idle_timeout and raw = the bytes sent; its good entry
  is stored; meanwhile an idle connection without a partial line is NOT cut,
  and a busy producer on another connection gets every entry acked; stats
  idle_timeouts == 1;
* the clock is "time since the last byte": a producer dripping a byte every
  0.4 s is not cut while it drips, and is cut about 1 s after it stops;
* a stalled oversized line (--max-entry-bytes 1K, 3000 bytes then nothing) is
  cut the same way, recorded as too_large with raw_len = the 3000 bytes seen;
* --idle-timeout 0 turns the limit off: a half line survives 2.5 s and
  completes into a stored entry.
"""

import json
import socket
import time

import cltest
from cltest import check, eq, wait_for


def E(msg, app="lim"):
    return cltest.line({"app": app, "level": "info", "msg": msg})


def test_max_connections():
    with cltest.Collector("--max-connections", "3") as c:
        # Wait for the start-up probe's connection to be gone.
        a = c.connect()
        wait_for(lambda: a.stats()["connections"] == 1, "the start-up probe to go")
        b, d = c.connect(), c.connect()
        wait_for(lambda: a.stats()["connections"] == 3, "3 connections")
        refused = []
        for i in range(5):
            x = c.connect(timeout=10)
            r = x.read_reply(10)
            eq(r.get("op"), "error", "reply to refused connection %d" % i)
            eq(r.get("code"), "too_many_connections", "code for refused connection %d" % i)
            check(r.get("message"), "the refusal explains itself", r)
            eq(x.read_eof(10), b"", "refused connection %d is closed after the line" % i)
            refused.append(x)
            # The admitted ones keep working while others are turned away.
            for k, name in ((a, "a"), (b, "b"), (d, "d")):
                k.send(E("%s %d" % (name, i)))
        for x in refused:
            x.close()
        for k in (a, b, d):
            ack = k.sync()
            eq((ack["accepted"], ack["rejected"]), (5, 0), "ack of an admitted connection")
        st = a.stats()
        eq((st["connections"], st["connections_refused"]), (3, 5),
           "stats (connections, connections_refused)")
        d.close()
        wait_for(lambda: a.stats()["connections"] == 2, "a slot to free up")
        with c.connect() as e:
            e.send(E("e after a slot freed"))
            eq(e.sync()["accepted"], 1, "a new connection is served once a slot is free")
        a.close()
        b.close()
        c.stop()
        eq(len(c.msgs()), 16, "entries stored")


def test_idle_timeout_slowloris():
    partial = b'{"app":"lim","level":"info","msg":"half a li'
    with cltest.Collector("--idle-timeout", "1s") as c:
        idle = c.connect()          # connected, sends nothing: not a slowloris
        slow = c.connect()
        busy = c.connect()
        slow.send(E("slow good") + partial)
        t_last = time.monotonic()
        # A busy producer keeps going while the slow one is cut.
        sent = 0
        reply = None
        slow.sock.settimeout(0.05)
        while time.monotonic() - t_last < 2.5:
            busy.send(E("busy %d" % sent))
            sent += 1
            if reply is None:
                try:
                    data = slow.sock.recv(4096)
                except socket.timeout:
                    data = None
                if data is not None:
                    reply = (time.monotonic() - t_last, data)
            time.sleep(0.01)
        ack = busy.sync()
        eq((ack["accepted"], ack["rejected"]), (sent, 0), "busy producer's ack")
        check(reply is not None, "the stalled connection was not cut within 2.5 s")
        after, data = reply
        check(0.9 <= after <= 2.0, "cut %.2f s after the last byte (want 1-2 s)" % after)
        slow.sock.settimeout(5)
        while data.count(b"\n") < 1 or not data.endswith(b"\n"):
            chunk = slow.sock.recv(4096)
            check(chunk, "connection closed before the whole error line", data)
            data += chunk
        err = json.loads(data.split(b"\n")[0])
        eq((err.get("op"), err.get("code")), ("error", "idle_timeout"), "the cut is explained")
        eq(slow.read_eof(5), data[len(data.split(b"\n")[0]) + 1:], "then closed")
        # The idle connection without half a line is still served.
        idle.send(E("idle still here"))
        eq(idle.sync()["accepted"], 1, "an idle connection (no partial line) is not cut")
        st = idle.stats()
        eq(st["idle_timeouts"], 1, "stats idle_timeouts")
        rej = c.rejects()
        eq([(r[0], r[1], r[2]) for r in rej], [("idle_timeout", partial, len(partial))],
           "rejects (reason, raw, raw_len)")
        check("idle timeout" in rej[0][3], "the reject says why", rej[0][3])
        for k in (idle, slow, busy):
            k.close()
        c.stop()
        msgs = c.msgs()
        check("slow good" in msgs, "the stalled connection's complete line is stored")
        eq(len(msgs), sent + 2, "entries stored")


def test_idle_clock_is_time_since_last_byte():
    line = E("dripped")
    with cltest.Collector("--idle-timeout", "1s") as c:
        k = c.connect()
        k.send(line[:10])
        for i in range(10, 15):
            time.sleep(0.4)
            k.send(line[i:i + 1])   # 2 s of dripping, never 1 s of silence
        t_last = time.monotonic()
        k.sock.settimeout(3)
        data = k.sock.recv(4096)
        after = time.monotonic() - t_last
        check(b"idle_timeout" in data, "drip then stall: cut", data)
        check(0.9 <= after <= 2.0, "cut %.2f s after the last byte (want 1-2 s)" % after)
        k.close()
        wait_for(lambda: c.rejects(), "the reject")
        rej = c.rejects()
        eq([(r[0], r[1]) for r in rej], [("idle_timeout", line[:15])], "reject (reason, raw)")
        c.stop()


def test_idle_timeout_oversize_line():
    with cltest.Collector("--idle-timeout", "1s", "--max-entry-bytes", "1K") as c:
        k = c.connect()
        head = b'{"app":"lim","level":"info","msg":"' + b"x" * 3000
        k.send(head)
        k.sock.settimeout(4)
        data = k.sock.recv(4096)
        check(b"idle_timeout" in data, "a stalled oversized line is cut too", data)
        k.close()
        wait_for(lambda: c.rejects(), "the reject")
        rej = c.rejects()
        eq([(r[0], r[2]) for r in rej], [("too_large", len(head))], "reject (reason, raw_len)")
        check(head.startswith(rej[0][1]), "raw is the head of the line")
        eq(c.stats()["idle_timeouts"], 1, "stats idle_timeouts")
        c.stop()


def test_idle_timeout_off():
    with cltest.Collector("--idle-timeout", "0") as c:
        k = c.connect()
        line = E("slow but complete")
        k.send(line[:20])
        time.sleep(2.5)
        k.send(line[20:])
        eq(k.sync()["accepted"], 1, "a slow line completes with --idle-timeout 0")
        k.close()
        eq(c.stats()["idle_timeouts"], 0, "stats idle_timeouts")
        c.stop()
        eq(c.msgs(), ["slow but complete"], "entries")


if __name__ == "__main__":
    cltest.main("test_limits", [test_max_connections, test_idle_timeout_slowloris,
                                test_idle_clock_is_time_since_last_byte,
                                test_idle_timeout_oversize_line, test_idle_timeout_off])
