"""End-to-end: legacy syslog producers on --syslog-socket (schema/SYSLOG.md).

Asserts:
* test_logger: the real util-linux `logger -u PATH` in its local format, with
  --rfc3164 -i, with --rfc5424 --sd-id/--sd-param/--msgid -p local3.err, a
  datagram whose PRI cannot be read (user.notice, all of it text, as RFC 3164
  section 4.3.3 says) and a malformed RFC 5424 one: exact rows (level, app, host, claimed pid, logger,
  msg, fields, peer credentials = the logger process) in the database, the
  reject with its reason and raw bytes, the lines of the text file, and the
  syslog_* counters of stats;
* test_logger_priorities: logger -p with every facility name logger knows,
  numeric forms (152.3, 8.3, 5) and kern (which logger turns into user):
  the exact level and fields.syslog_facility of each;
* test_logger_input: logger reading stdin (one message a line, the empty
  one kept; -e skips it), --prio-prefix, --octet-count in both formats,
  --size: the exact messages, levels and apps;
* test_glibc_syslog: a C program calling openlog/syslog (glibc always writes
  to /dev/log) run in a mount namespace of its own (`unshare -m`, root) in
  which /dev/log is a link to the collector's socket: exact rows, a
  message in Latin-1 among them;
* test_legacy_time_and_latin1: an RFC 3164 timestamp names no year, zone
  or fraction, so the entry's time is the kernel's time of arrival: a
  logger message sorts between two JSON entries sent before and after it,
  and a logger run with TZ five hours east keeps its claim, exactly as
  sent, in fields.syslog_timestamp while the entry's time is the arrival;
  Latin-1 from logger and an empty tag (logger -t '') are entries: exact
  rows and text lines;
* test_arrival_is_the_kernels: datagrams sent while the collector is
  stopped (SIGSTOP) for 1.5 s get the time the kernel queued them, not the
  time the collector read them: received - ts >= 1.4 s for an RFC 3164
  message and one without a timestamp, and no claim is kept;
* test_rsyslog_omuxsock: rsyslogd (its own configuration, in the
  foreground) forwarding with omuxsock: the exact row, the claimed pid the
  original sender's, peer_pid rsyslogd's;
* test_socket_setup: the socket's mode (default 0666, --syslog-socket-mode),
  group (--socket-group), a stale socket replaced, and each refusal with its
  message: a live receiver on the path, a path that is not a socket, a
  symbolic-link directory, the same path twice, a second collector;
* test_limits: a datagram over --max-entry-bytes is a too_large reject with
  its full length; the rate limit per app and peer PID applies as on the
  stream socket (suppressed, counted, reported); --config takes a list;
* test_hostile_datagrams: descriptors passed with a datagram (SCM_RIGHTS,
  more than fit) are never kept open; an empty datagram and one of 70,000
  bytes are rejects with their reasons; escape sequences reach the text
  file escaped; a claimed pid beside the kernel's;
* test_backpressure_no_loss: 4 senders flood 80,000 datagrams at a collector
  with --queue-bytes 64K: while the writer is behind the sockets are not read
  (senders block), and every datagram is stored, each sender's in order;
* test_shutdown_drains: datagrams queued when SIGTERM arrives are all stored,
  and the socket file is gone after the stop;
* test_bound_before_ready: once the address accepts, the syslog socket is
  bound (the order forced under strace);
* test_exit_keeps_replaced_socket: a socket that replaced the collector's
  at its path (the file removed, another process bound there) is left in
  place when the collector stops, both for the syslog and the stream socket.
"""

import array
import json
import os
import signal
import socket
import stat
import subprocess
import time

import cltest
from cltest import check, eq, wait_for

BIN = os.environ.get("CL_BIN_DIR", os.path.join(cltest.REPO, "build", "bin"))
ROW = ("SELECT level, app, host, pid, logger, msg, fields, peer_pid, peer_uid, peer_gid, ts "
       "FROM entries ORDER BY id")


def syslog_path(c, name="dev-log"):
    return os.path.join(c.tmp, "sl", name)


def send(path, data):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(data, path)


def logger(path, *args, env=None):
    """Runs logger -u PATH ARGS; returns its PID (logger -i claims it too)."""
    p = subprocess.Popen(["logger", "-u", path] + list(args), stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=cltest.merge_env(env))
    _, err = p.communicate(timeout=60)
    eq(p.returncode, 0, "logger %s: %s" % (" ".join(map(str, args)), err.decode()))
    return p.pid


def wait_received(c, n):
    return wait_for(lambda: c.stats()["syslog_received"] == n, "%d syslog datagrams" % n)


def rows_without_ts(c, n):
    rows = wait_for(lambda: (lambda r: r if len(r) == n else None)(c.query(ROW)),
                    "%d entries" % n)
    return [r[:-1] for r in rows], [r[-1] for r in rows]


def test_logger():
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        me = os.getuid(), os.getgid()
        t0 = int(time.time()) * 1000000
        p1 = logger(path, "plain hello")
        p2 = logger(path, "--rfc3164", "-i", "-p", "daemon.warning", "3164 hello")
        p3 = logger(path, "--rfc5424", "-i", "--sd-id", "test@32473", "--sd-param", 'a="b\\"c"',
                    "--sd-param", 'a="2"', "--msgid", "MID1", "-p", "local3.err", "5424 hello")
        p4 = logger(path, "--rfc5424=notq,notime,nohost", "-t", "nil-tag", "nil values")
        send(path, b"<999>bad pri")  # RFC 3164 4.3.3: user.notice, all of it text
        send(path, b"<13>1 - - app - - [x a=b] bad sd")
        wait_received(c, 6)
        t1 = int(time.time() + 1) * 1000000
        st = c.stats()
        eq({k: st[k] for k in ("syslog_received", "syslog_accepted", "syslog_rejected",
                               "syslog_rate_limited", "accepted", "rejected")},
           {"syslog_received": 6, "syslog_accepted": 5, "syslog_rejected": 1,
            "syslog_rate_limited": 0, "accepted": 5, "rejected": 1}, "stats")
        eq(st["syslog_sockets"], [path], "stats names the socket")
        host = socket.gethostname()
        rows, ts = rows_without_ts(c, 5)
        eq(rows, [
            (5, "root", host, None, None, "plain hello", '{"syslog_facility":"user"}', p1) + me,
            (4, "root", host, p2, None, "3164 hello", '{"syslog_facility":"daemon"}', p2) + me,
            (3, "root", host, p3, "MID1", "5424 hello",
             '{"syslog_facility":"local3","sd":{"timeQuality":{"tzKnown":"1","isSynced":"0"},'
             '"test@32473":{"a":["b\\"c","2"]}}}', p3) + me,
            (5, "nil-tag", host, None, None, "nil values", '{"syslog_facility":"user"}', p4) + me,
            (5, "-", host, None, None, "<999>bad pri", '{"syslog_facility":"user"}',
             os.getpid()) + me,
        ], "entries (logger's own user name is its default tag)")
        for t in ts[:3]:
            check(t0 <= t <= t1, "the message's time", t, t0, t1)
        check(ts[3] >= t0, "no TIMESTAMP: the time of receipt")
        rej = wait_for(lambda: c.query("SELECT reason, message, raw, raw_len, peer_pid "
                                       "FROM rejects"), "the reject")
        eq(len(rej), 1, "one reject")
        eq((rej[0][0], bytes(rej[0][2]), rej[0][3], rej[0][4]),
           ("syslog_bad_sd", b"<13>1 - - app - - [x a=b] bad sd", 32, os.getpid()),
           "the reject keeps the datagram")
        check('expected PARAM-NAME="value"' in rej[0][1], "the reject says why", rej[0][1])
        # Each text line after its timestamp.
        eq([ln.split(" ", 1)[1] for ln in c.text_lines()], [
            '%s root[%d] NOTICE: plain hello {"syslog_facility":"user"}' % (host, p1),
            '%s root[%d] WARNING: 3164 hello {"syslog_facility":"daemon"}' % (host, p2),
            '%s root[%d] ERROR: 5424 hello {"syslog_facility":"local3","sd":{"timeQuality":'
            '{"tzKnown":"1","isSynced":"0"},"test@32473":{"a":["b\\"c","2"]}}}' % (host, p3),
            '%s nil-tag[%d] NOTICE: nil values {"syslog_facility":"user"}' % (host, p4),
            '%s -[%d] NOTICE: <999>bad pri {"syslog_facility":"user"}' % (host, os.getpid()),
        ], "text lines")
        c.stop()
    check(not os.path.exists(path), "the socket file is removed at exit")


LOGGER_FACILITIES = ["user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
                     "authpriv", "ftp"] + ["local%d" % i for i in range(8)]


def test_logger_priorities():
    with cltest.Collector(*cltest.NO_RATE_LIMIT, start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        cases = [("%s.info" % f, 6, f) for f in LOGGER_FACILITIES]
        # security is auth's old name; logger keeps kern for the kernel (user);
        # numeric: the facility's code (152 = local3 << 3) and a bare level.
        cases += [("security.crit", 2, "auth"), ("kern.info", 6, "user"), ("152.3", 3, "local3"),
                  ("8.3", 3, "user"), ("5", 5, "user"), ("local7.debug", 7, "local7"),
                  ("user.emerg", 0, "user")]
        for i, (prio, _, _) in enumerate(cases):
            logger(path, "-t", "p%02d" % i, "-p", prio, prio)
        rows = wait_for(lambda: (lambda r: r if len(r) == len(cases) else None)(
            c.query("SELECT msg, level, json_extract(fields, '$.syslog_facility') FROM entries "
                    "ORDER BY app")), "every priority")
        eq(rows, [(p, lvl, fac) for p, lvl, fac in cases], "level and facility of each -p")
        c.stop()


def logger_stdin(path, data, *args):
    p = subprocess.run(["logger", "-u", path] + list(args), input=data, capture_output=True,
                       timeout=60)
    eq(p.returncode, 0, "logger %s: %s" % (" ".join(args), p.stderr.decode()))


def test_logger_input():
    with cltest.Collector(*cltest.NO_RATE_LIMIT, start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        logger_stdin(path, b"line 1\n\nline 3\n", "-t", "a-stdin")
        logger_stdin(path, b"line 1\n\nline 3\n", "-t", "b-skip", "-e")
        logger_stdin(path, b"<11>an error\nplain\n", "-t", "c-prio", "--prio-prefix")
        logger(path, "-t", "d-oc", "--octet-count", "counted")
        logger(path, "-t", "e-oc5424", "--rfc5424", "--octet-count", "counted")
        logger(path, "-t", "f-size", "--size", "5", "0123456789")
        want = [("a-stdin", 5, "line 1"), ("a-stdin", 5, ""), ("a-stdin", 5, "line 3"),
                ("b-skip", 5, "line 1"), ("b-skip", 5, "line 3"),
                # logger 2.38 keeps a prefix's priority for the lines after it
                ("c-prio", 3, "an error"), ("c-prio", 3, "plain"),
                ("d-oc", 5, "counted"), ("e-oc5424", 5, "counted"), ("f-size", 5, "01234")]
        rows = wait_for(lambda: (lambda r: r if len(r) == len(want) else None)(
            c.query("SELECT app, level, msg FROM entries ORDER BY app, id")), "every message")
        eq(rows, want, "each line a message, as logger sent it")
        eq(c.stats()["syslog_rejected"], 0, "no rejects")
        c.stop()


def test_glibc_syslog():
    cltest.need_root("give a program a /dev/log of its own (unshare -m)")
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        # A private mount namespace: a tmpfs over /dev holds only log -> our
        # socket, so the host's /dev/log (journald's, if any) is untouched.
        script = ('mount --make-rprivate / && mount -t tmpfs cltest /dev && '
                  'ln -s "$1" /dev/log && exec "$2" cltest-glibc')
        out = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", path,
                              os.path.join(BIN, "syslog_probe")],
                             capture_output=True, timeout=60)
        eq(out.returncode, 0, "syslog_probe in its namespace: %s" % out.stderr.decode())
        pid = int(out.stdout.decode().strip())
        wait_received(c, 4)
        host = socket.gethostname()
        rows, _ = rows_without_ts(c, 4)
        me = (os.getuid(), os.getgid())
        eq(rows, [
            (3, "cltest-glibc", host, pid, None, "glibc says hello",
             '{"syslog_facility":"local3"}', pid) + me,
            (4, "cltest-glibc", host, None, None, "no pid, facility daemon",
             '{"syslog_facility":"daemon"}', pid) + me,
            (7, "cltest-glibc", host, None, None, "two\nlines", '{"syslog_facility":"user"}',
             pid) + me,
            (6, "cltest-glibc", host, None, None, "caf\u00e9 cr\u00e8me",
             '{"syslog_facility":"daemon","syslog_latin1_bytes":2}', pid) + me,
        ], "glibc's messages")
        eq(c.stats()["syslog_rejected"], 0, "no rejects")
        eq([ln.split(" ", 1)[1] for ln in c.text_lines()], [
            '%s cltest-glibc[%d] ERROR: glibc says hello {"syslog_facility":"local3"}'
            % (host, pid),
            '%s cltest-glibc[%d] WARNING: no pid, facility daemon {"syslog_facility":"daemon"}'
            % (host, pid),
            '%s cltest-glibc[%d] DEBUG: two\\nlines {"syslog_facility":"user"}' % (host, pid),
            '%s cltest-glibc[%d] INFO: caf\u00e9 cr\u00e8me {"syslog_facility":"daemon",'
            '"syslog_latin1_bytes":2}' % (host, pid),
        ], "text lines: the kernel's PID where none is claimed, the newline escaped")
        c.stop()


def test_legacy_time_and_latin1():
    # The collector reads local time as UTC; logger's TZ is its own.
    with cltest.Collector(env={"TZ": "UTC"}, start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        with c.connect() as conn:
            conn.send(cltest.entry("before", app="json"))
            conn.sync(1)
            p1 = logger(path, "-t", "legacy", "between")
            wait_received(c, 1)  # read: "after" is read after it
            conn.send(cltest.entry("after", app="json"))
            conn.sync(2)
        eq([r[0] for r in c.query("SELECT msg FROM entries ORDER BY ts, id")],
           ["before", "between", "after"], "the syslog entry at its arrival, to the microsecond")
        # POSIX TZ "EAST-5" is UTC+5: logger writes a local time 5 h ahead.
        p2 = logger(path, "-t", "east", "five hours east", env={"TZ": "EAST-5"})
        p3 = logger(path, "-t", "Ger\xe4t".encode("latin-1"),
                    "def\xe9kt \xb0C".encode("latin-1"))
        p4 = logger(path, "-t", "", "empty tag")
        rows = wait_for(lambda: (lambda r: r if len(r) == 4 else None)(
            c.query("SELECT app, msg, fields, ts, received, peer_pid FROM entries "
                    "WHERE app != 'json' ORDER BY id")), "four syslog entries")
        for app, _, _, ts, received, _ in rows:
            check(0 <= received - ts < 1000000, "%s: the time is the arrival" % app, ts, received)
        east = rows[1]
        claims = [time.strftime("%b %e %H:%M:%S", time.gmtime(east[3] // 1000000 - k + 5 * 3600))
                  for k in (0, 1)]
        eq(json.loads(east[2])["syslog_facility"], "user", "facility")
        check(json.loads(east[2])["syslog_timestamp"] in claims, "the claim kept as sent",
              east[2], claims)
        eq([(r[0], r[1], r[2], r[5]) for r in rows[:1] + rows[2:]], [
            ("legacy", "between", '{"syslog_facility":"user"}', p1),
            ("Ger\u00e4t", "def\u00e9kt \u00b0C",
             '{"syslog_facility":"user","syslog_latin1_bytes":3}', p3),
            ("-", "empty tag", '{"syslog_facility":"user"}', p4),
        ], "entries: no claim kept when it is about the arrival; Latin-1 read as such")
        # The text file escapes what is not ASCII in an app name, not in msg.
        eq((rows[1][0], rows[1][1], rows[1][5]), ("east", "five hours east", p2), "east")
        eq(c.stats()["syslog_rejected"], 0, "no rejects")
        host = socket.gethostname()
        eq([ln.split(" ", 1)[1] for ln in c.text_lines()][4:], [
            '%s Ger\\u00e4t[%d] NOTICE: def\u00e9kt \u00b0C {"syslog_facility":"user",'
            '"syslog_latin1_bytes":3}' % (host, p3),
            '%s -[%d] NOTICE: empty tag {"syslog_facility":"user"}' % (host, p4),
        ], "text lines")
        c.stop()


def test_arrival_is_the_kernels():
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        c.send_signal(signal.SIGSTOP)
        try:
            logger(path, "-t", "bsd", "queued while stopped")
            send(path, b"<13>nots: no timestamp")
            time.sleep(1.5)
        finally:
            c.send_signal(signal.SIGCONT)
        rows = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(
            c.query("SELECT app, fields, received - ts FROM entries ORDER BY id")), "2 entries")
        eq([r[:2] for r in rows], [("bsd", '{"syslog_facility":"user"}'),
                                   ("nots", '{"syslog_facility":"user"}')], "entries")
        for app, _, lag in rows:
            check(lag >= 1400000, "%s: ts is when the kernel queued it, 1.5 s before the "
                  "collector read it" % app, lag)
        c.stop()


RSYSLOG_CONF = """global(workDirectory="{tmp}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{tmp}/in.sock")
module(load="omuxsock")
$OMUxSockSocket {out}
*.* :omuxsock:
"""


def test_rsyslog_omuxsock():
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        rs = os.path.join(c.tmp, "rs")
        os.makedirs(rs)
        conf = os.path.join(rs, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(tmp=rs, out=path))
        # rsyslogd in the foreground with a configuration of its own: it reads
        # a socket of ours (imuxsock) and forwards everything to the collector
        # in its default format (RSYSLOG_TraditionalForwardFormat).
        d = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(rs, "pid")],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            wait_for(lambda: os.path.exists(os.path.join(rs, "in.sock")) or d.poll() is not None,
                     "rsyslogd's socket")
            check(d.poll() is None, "rsyslogd runs", d.stderr.read() if d.poll() else "")
            p = logger(os.path.join(rs, "in.sock"), "-i", "-t", "via-rsyslog", "-p",
                       "local2.notice", "forwarded by rsyslog")
            rows = wait_for(lambda: c.query("SELECT level, app, host, pid, msg, fields, peer_pid "
                                            "FROM entries WHERE app = 'via-rsyslog'"),
                            "the forwarded entry")
        finally:
            d.terminate()
            d.wait(60)
        # The claim is logger's PID; the kernel's is rsyslogd's, which sent it.
        eq(rows, [(5, "via-rsyslog", socket.gethostname(), p, "forwarded by rsyslog",
                   '{"syslog_facility":"local2"}', d.pid)], "the entry rsyslog forwarded")
        eq(c.query("SELECT count(*) FROM rejects"), [(0,)], "no rejects")
        c.stop()


def test_hostile_datagrams():
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        marker = os.path.join(c.tmp, "passed-file")
        open(marker, "w").close()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(path)
            fds = [os.open(marker, os.O_RDONLY) for _ in range(20)]
            try:
                s.sendmsg([b"<13>fds: 20 descriptors"],
                          [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
            finally:
                for fd in fds:
                    os.close(fd)
            s.send(b"")
            s.send(b"<13>big: " + b"x" * (70000 - 9))
            s.send(b"<13>ansi[1]: \x1b[31mred\x1b[0m \x9b \x07")
        wait_received(c, 4)
        fd_dir = "/proc/%d/fd" % c.proc.pid
        kept = []
        for fd in os.listdir(fd_dir):
            try:
                if os.readlink(os.path.join(fd_dir, fd)) == marker:
                    kept.append(fd)
            except OSError:
                pass
        eq(kept, [], "descriptors passed by a sender are closed")
        rej = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(
            c.query("SELECT reason, raw_len, length(raw), peer_pid FROM rejects ORDER BY id")),
            "the rejects")
        eq(rej, [("syslog_empty", 0, 0, os.getpid()), ("too_large", 70000, 4096, os.getpid())],
           "rejects: the empty datagram, the one over 64 KiB (its first 4 KiB kept)")
        eq(c.msgs(), ["20 descriptors", "\x1b[31mred\x1b[0m \u009b \x07"], "entries")
        host = socket.gethostname()
        eq([ln.split(" ", 1)[1] for ln in c.text_lines()], [
            '%s fds[%d] NOTICE: 20 descriptors {"syslog_facility":"user"}' % (host, os.getpid()),
            '%s ansi[1,peer=%d] NOTICE: \\x1b[31mred\\x1b[0m \\u009b \\x07 '
            '{"syslog_facility":"user","syslog_latin1_bytes":1}' % (host, os.getpid()),
        ], "text lines: escapes escaped, the claimed pid beside the kernel's")
        c.stop()


def flood_sender(path, k, n):
    """Child: n datagrams as fast as the socket takes them (blocking)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(path)
    for i in range(n):
        s.send(b"<14>flood: s%d n%06d" % (k, i))
    s.close()
    return n


def test_backpressure_no_loss():
    senders, per = 4, 20000
    with cltest.Collector("--queue-bytes", "64K", "--batch-size", "64", *cltest.NO_RATE_LIMIT,
                          start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        procs = [cltest.spawn(__file__, "flood_sender", path, k, per) for k in range(senders)]
        seen = []
        while any(p.poll() is None for p in procs):
            st = c.stats()
            seen.append((st["backpressure"], st["queue_bytes"]))
            time.sleep(0.05)
        eq(cltest.collect(procs), [per] * senders, "senders done")
        wait_for(lambda: c.stats()["committed"] == senders * per, "everything committed", 120)
        print("during the flood (backpressure, queue_bytes):", seen[:20])
        check(max(q for _, q in seen) < 4 << 20, "the queue stayed bounded", max(seen))
        st = c.stats()
        eq((st["syslog_received"], st["syslog_accepted"], st["syslog_rejected"]),
           (senders * per, senders * per, 0), "counts")
        msgs = c.msgs()
        eq(len(msgs), senders * per, "rows")
        for k in range(senders):
            mine = [m for m in msgs if m.startswith("s%d " % k)]
            eq(mine, ["s%d n%06d" % (k, i) for i in range(per)], "sender %d's, in order" % k)
        c.stop()


def start_fails(flags, expect, rc_want=1):
    """A collector with flags exits at start with rc_want (1: it could not
    set up; 2: bad usage) and says expect."""
    with cltest.Collector(*flags, start=False) as c:
        rc, _, err = cltest.run_daemon(c.argv()[len(c.command()):])
        eq(rc, rc_want, "exit status for %s: %s" % (flags, err))
        check(expect in err, "message for %s" % (flags,), err)


def test_socket_setup():
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        st = os.lstat(path)
        check(stat.S_ISSOCK(st.st_mode), "a socket")
        eq(stat.S_IMODE(st.st_mode), 0o666, "default mode 0666 (/dev/log's)")
        eq(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o755, "its directory")
        # Taken: a second collector and the same path given twice are refused.
        start_fails(["--syslog-socket", path], "another centrallogd already listens on " + path)
        c.stop()
        check(not os.path.exists(path), "removed at exit")
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        group = 4242 if os.geteuid() == 0 else os.getgid()
        c.flags += ["--syslog-socket", path, "--syslog-socket-mode", "0620",
                    "--socket-group", str(group)]
        os.makedirs(os.path.dirname(path))
        # A stale socket (a crash's leftover: bound, nobody receiving).
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.close()
        c.start()
        st = os.lstat(path)
        eq((stat.S_IMODE(st.st_mode), st.st_gid), (0o620, group), "mode and group as given")
        logger(path, "after a stale socket")
        wait_for(lambda: c.msgs() == ["after a stale socket"], "the entry")
        c.stop()
    with cltest.Collector(start=False) as c:
        d = os.path.join(c.tmp, "sl")
        os.makedirs(d)
        live = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        live.bind(os.path.join(d, "live"))
        open(os.path.join(d, "file"), "w").close()
        os.symlink(d, os.path.join(c.tmp, "link"))
        os.chmod(c.tmp, 0o755)
        try:
            start_fails(["--syslog-socket", os.path.join(d, "live")],
                        "another process already receives on " + os.path.join(d, "live"))
            start_fails(["--syslog-socket", os.path.join(d, "file")],
                        "exists and is not a socket (another kind of file); refusing")
            start_fails(["--syslog-socket", os.path.join(c.tmp, "link", "x")],
                        "is a symbolic link")
            start_fails(["--syslog-socket", os.path.join(d, "x"), "--syslog-socket",
                         os.path.join(d, "x")], "a path not given already", 2)
            many = []
            for i in range(9):
                many += ["--syslog-socket", os.path.join(d, "s%d" % i)]
            start_fails(many, "--syslog-socket: at most 8 sockets", 2)
            start_fails(["--syslog-socket-mode", "0999"], "an octal mode", 2)
        finally:
            live.close()
        # Nothing but lock files was left behind by the refusals.
        eq(sorted(os.listdir(d)), ["file", "file.lock", "live", "live.lock"],
           "left in the directory")


def test_limits():
    with cltest.Collector("--rate-limit-burst", "3", "--rate-limit-exempt", "none",
                          "--max-entry-bytes", "1K", start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(path)
            s.send(b"<13>big: " + b"x" * 2000)
            s.send(b"<13>ok: " + b"y" * (1024 - 8))  # exactly the limit
            for i in range(5):
                s.send(b"<11>burst: %d" % i)
        wait_received(c, 7)
        st = c.stats()
        eq((st["syslog_accepted"], st["syslog_rejected"], st["syslog_rate_limited"]), (4, 1, 2),
           "1 too large; 3 of the burst (and the one at the limit) accepted, 2 suppressed")
        rej = wait_for(lambda: c.query("SELECT reason, message, raw_len, length(raw), peer_pid "
                                       "FROM rejects"), "the reject")
        eq(rej, [("too_large", "datagram of 2009 bytes; the limit is 1024 bytes "
                  "(--max-entry-bytes)", 2009, 1025, os.getpid())],
           "the reject: its full length, and the bytes received (the limit + 1)")
        c.stop()
        eq([r[0] for r in c.query("SELECT msg FROM entries WHERE app != 'centrallogd' "
                                  "ORDER BY id")],
           ["y" * 1016, "0", "1", "2"], "entries: msg after the tag")
        report = c.query("SELECT fields FROM entries WHERE app = 'centrallogd'")
        eq(len(report), 1, "one rate-limit report")
        f = json.loads(report[0][0])
        eq((f["suppressed"], f["source_app"], f["source_pid"]), (2, "burst", os.getpid()),
           "the report names the source")
    # --config: a list of paths; the command line's replace it.
    with cltest.Collector(start=False) as c:
        a, b, d = (syslog_path(c, n) for n in ("a", "b", "d"))
        cfg = os.path.join(c.tmp, "c.json")
        with open(cfg, "w") as f:
            json.dump({"syslog-socket": [a, b], "keep-free": "off"}, f)
        c.flags += ["--config", cfg]
        c.start()
        check(os.path.exists(a) and os.path.exists(b), "both sockets of the file")
        c.stop()
        c.flags += ["--syslog-socket", d]
        c.start()
        eq((os.path.exists(a), os.path.exists(b), os.path.exists(d)), (False, False, True),
           "the command line replaces the file's list")
        c.stop()


def test_shutdown_drains():
    with cltest.Collector(*cltest.NO_RATE_LIMIT, start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        sent = 0
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(path)
            # A queue the collector has not read when SIGTERM comes: it is
            # stopped while the datagrams go in (as many as the kernel queues).
            c.send_signal(signal.SIGSTOP)
            s.setblocking(False)
            try:
                while sent < 200:
                    s.send(b"<14>drainer: %d" % sent)
                    sent += 1
            except BlockingIOError:
                pass
            check(sent > 0, "some datagrams queued")
            c.send_signal()
            c.send_signal(signal.SIGCONT)
            # And more while it stops: each one the kernel took must be stored;
            # once the collector has shut the socket, a send fails at once.
            s.setblocking(True)
            try:
                while sent < 1000000:
                    s.send(b"<14>drainer: %d" % sent)
                    sent += 1
            except OSError:
                pass
            check(sent < 1000000, "the collector shut its socket")
        c.stop()
        eq(c.msgs(), ["%d" % i for i in range(sent)],
           "every datagram whose send succeeded is stored, in order")
        check(not os.path.exists(path), "the socket file is gone")



def test_bound_before_ready():
    """When the address accepts, the syslog socket is there: it is bound
    first. strace holds the second bind(2) for 1 s - the address's if the
    order is right, the syslog socket's if not."""
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.wrapper = cltest.strace_prefix("trace=bind", "inject=bind:delay_enter=1000000:when=2")
        c.start()  # returns once the address accepts
        check(os.path.exists(path), "the syslog socket exists as the address accepts")
        send(path, b"<14>early: ready")
        wait_received(c, 1)
        c.stop()


def test_exit_keeps_replaced_socket():
    with cltest.Collector(start=False) as c:
        path = syslog_path(c)
        c.flags += ["--syslog-socket", path]
        c.start()
        others = []
        for p, kind in ((path, socket.SOCK_DGRAM), (c.sock, socket.SOCK_STREAM)):
            os.unlink(p)
            s = socket.socket(socket.AF_UNIX, kind)
            s.bind(p)
            others.append((p, s, os.stat(p).st_ino))
        c.stop()
        for p, s, ino in others:
            check(os.path.exists(p), "the other process's socket %s is left in place" % p)
            eq(os.stat(p).st_ino, ino, "the same socket file at %s" % p)
            s.close()
            os.unlink(p)


if __name__ == "__main__":
    cltest.main("test_syslog_socket", [test_logger, test_logger_priorities, test_logger_input,
                                      test_glibc_syslog, test_legacy_time_and_latin1,
                                      test_arrival_is_the_kernels, test_rsyslog_omuxsock,
                                      test_socket_setup, test_limits, test_shutdown_drains,
                                      test_hostile_datagrams, test_backpressure_no_loss,
                                      test_bound_before_ready,
                                      test_exit_keeps_replaced_socket])
