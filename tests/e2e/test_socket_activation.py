#!/usr/bin/python3
"""centrallogd under a service manager (Linux): socket activation (systemd's
LISTEN_FDS protocol) and readiness (sd_notify's NOTIFY_SOCKET protocol), with
Debian's systemd-socket-activate standing in for systemd.

Asserts:
* under `systemd-socket-activate -l PATH` (which starts the collector on
  the first connection, as systemd does) the collector serves producers on
  the inherited socket: the entry whose connection started it (waiting in
  the socket's backlog) and one sent after READY=1 are both acknowledged and
  stored; the banner says the address came from socket activation; the
  socket file is never replaced, re-moded or removed (same inode and mode
  before the collector started, while it ran and after it exited 0), and no
  lock file is made next to it;
* READY=1 arrives once the socket is usable: a producer connecting the
  moment it arrives (no retry) is served; the datagrams are exactly
  "READY=1\\nSTATUS=listening on PATH" and, on SIGTERM,
  "STOPPING=1\\nSTATUS=stopping: committing what producers sent", sent by
  the collector's own PID (SCM_CREDENTIALS: what NotifyAccess=main checks),
  to an abstract ('@') and to a path NOTIFY_SOCKET alike; with
  WATCHDOG_USEC (WatchdogSec=) "WATCHDOG=1" follows at least every half
  interval, from the collector's PID, and none when WATCHDOG_PID names
  another process or there is no WATCHDOG_USEC;
* a datagram socket passed (ListenDatagram=, as journald gets /dev/log) is
  a syslog socket: logger's datagrams, the first of which started the
  collector, are stored; with a stream socket too (two socket units, the
  stream passed through a second manager) each is used for what it is,
  --syslog-socket of the same path takes the passed one; the manager's
  files are never touched, and its datagram socket is never shut down: what
  is sent between two collectors waits in it for the second;
* what cannot be served on is refused with exit 2 and one line saying why
  (naming the descriptor by LISTEN_FDNAMES): a sequential-packet socket,
  two stream sockets, a socket bound elsewhere than --address; malformed
  LISTEN_* variables; LISTEN_PID naming another process means the
  descriptors are not for this one (the collector makes its own socket).
"""

import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402
from cltest.db import connect_all  # noqa: E402

READY_TIMEOUT = 60
# Linux's SO_TIMESTAMPNS (= SCM_TIMESTAMPNS), asm-generic/socket.h.
SO_TIMESTAMPNS = 35
STOPPING = b"STOPPING=1\nSTATUS=stopping: committing what producers sent"


def activate_exe():
    exe = shutil.which("systemd-socket-activate")
    check(exe is not None, "systemd-socket-activate not found: install Debian's systemd package "
          "(scripts/install-deps.sh does)")
    return exe


class Notify:
    """A service manager's notification socket: abstract (name) or a path.
    Datagrams come with the sender's credentials (SO_PASSCRED)."""

    def __init__(self, tmp, abstract):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        # The kernel's time of arrival of each datagram (SO_TIMESTAMPNS, not
        # in Python's socket module): spacing that the test's own
        # scheduling cannot blur.
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.stamp = None
        if abstract:
            name = "cl-e2e-notify-%d-%s" % (os.getpid(), os.path.basename(tmp))
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            self.env = os.path.join(tmp, "notify")
            self.sock.bind(self.env)

    def recv(self, timeout=READY_TIMEOUT):
        """(bytes, sender pid) of the next datagram."""
        self.sock.settimeout(timeout)
        data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12) +
                                            socket.CMSG_SPACE(16))
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", payload[:16])
                self.stamp = sec + nsec / 1e9
        return data, pid

    def close(self):
        self.sock.close()


def db_msgs(data_dir):
    con = connect_all(os.path.join(data_dir, "centrallog.db"))
    try:
        return [r[0] for r in con.execute("SELECT msg FROM entries WHERE app = 'activation' "
                                          "ORDER BY id")]
    finally:
        con.close()


def send_synced(path, msg):
    with cltest.Conn(path, timeout=30) as k:
        k.send(cltest.entry(msg, app="activation"))
        ack = k.sync()
    eq((ack["accepted"], ack["rejected"]), (1, 0), "ack for %r" % msg)


def stop(proc, err_path):
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(90)
    eq(rc, 0, "exit status after SIGTERM (stderr: %s)" % read(err_path))


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def spawn(argv, err_path, env=None, mode="wb", **kw):
    """argv started with no input, its stdout dropped and its stderr in
    err_path (appended with mode "ab"); kw: more of Popen's arguments."""
    with open(err_path, mode) as err:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=env, **kw)


def reap(proc):
    """A process a failed test left running: killed and waited for."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait(10)


def poke(proc, path, err_path):
    """Connects once the manager listens at path (it binds before it waits
    for the first connection); returns the connection."""
    def conn():
        check(proc.poll() is None, "systemd-socket-activate exited early: %s" % read(err_path))
        try:
            return cltest.Conn(path, timeout=30)
        except OSError:
            return None
    return cltest.wait_for(conn, "systemd-socket-activate listening on %s" % path)


def ident(path):
    st = os.lstat(path)
    check(stat.S_ISSOCK(st.st_mode), "%s is a socket" % path)
    return (st.st_ino, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)


def test_activated_serves_inherited_socket():
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    notify = Notify(tmp, abstract=True)
    proc = None
    try:
        path = os.path.join(tmp, "CentralLog.sock")
        data = os.path.join(tmp, "data")
        before = os.path.join(tmp, "before")
        err_path = os.path.join(tmp, "stderr.txt")
        # The shell keeps the PID systemd-socket-activate gave LISTEN_PID and
        # hands descriptor 3 on through exec: it records the socket as the
        # manager made it, before the collector can touch it.
        script = 'stat -c "%%i %%a" "$1" > %s && exec "$2" --data-dir %s' % (before, data)
        proc = spawn([activate_exe(), "-l", path, "-E", "NOTIFY_SOCKET=" + notify.env,
                      "/bin/sh", "-c", script, "sh", path, cltest.daemon_path()], err_path)
        # The first producer: its connection starts the collector, and what
        # it sends waits in the backlog meanwhile.
        early = poke(proc, path, err_path)
        early.send(cltest.entry("sent before the collector started", app="activation"))
        msg, pid = notify.recv()
        eq(msg, ("READY=1\nSTATUS=listening on %s" % path).encode(), "readiness datagram")
        eq(pid, proc.pid, "READY=1 sent by the collector's own PID")
        eq(early.sync()["accepted"], 1, "the entry waiting in the backlog, acknowledged")
        early.close()
        ino, mode = read(before).split()
        eq(ident(path)[:2], (int(ino), int(mode, 8)),
           "the socket file while the collector runs: the manager's (inode, mode)")
        send_synced(path, "sent after READY=1")
        check("listening on %s (socket activation)\n" % path in read(err_path),
              "the banner names socket activation", read(err_path))
        proc.send_signal(signal.SIGTERM)
        eq(notify.recv(), (STOPPING, proc.pid), "stopping datagram")
        eq(proc.wait(90), 0, "exit status after SIGTERM (stderr: %s)" % read(err_path))
        proc = None
        eq(ident(path)[:2], (int(ino), int(mode, 8)),
           "the socket file after the collector exited: still the manager's")
        eq(sorted(os.listdir(tmp)), ["CentralLog.sock", "before", "data", "stderr.txt"],
           "files next to the socket (no lock file: the manager owns the address)")
        eq(db_msgs(data), ["sent before the collector started", "sent after READY=1"],
           "entries stored")
    finally:
        reap(proc)
        notify.close()
        shutil.rmtree(tmp, ignore_errors=True)


def start_notified(tmp, notify, path, env=None):
    """centrallogd on path with NOTIFY_SOCKET (and env) set; returns it and
    its stderr file once its READY=1, from its own PID, has arrived."""
    err_path = os.path.join(tmp, "stderr.txt")
    proc = spawn([cltest.daemon_path(), "--data-dir", os.path.join(tmp, "data"), "--address",
                  path], err_path, cltest.merge_env(dict(env or {}, NOTIFY_SOCKET=notify.env)))
    try:
        eq(notify.recv(), (("READY=1\nSTATUS=listening on %s" % path).encode(), proc.pid),
           "readiness datagram, from the collector's own PID")
    except BaseException:
        reap(proc)
        raise
    return proc, err_path


def stop_notified(proc, notify, err_path, pings=False):
    """SIGTERM: STOPPING=1 (after any WATCHDOG=1 already on its way, when
    pings), then exit status 0."""
    proc.send_signal(signal.SIGTERM)
    got = notify.recv()
    while pings and got == (b"WATCHDOG=1", proc.pid):
        got = notify.recv()
    eq(got, (STOPPING, proc.pid), "stopping datagram")
    eq(proc.wait(90), 0, "exit status after SIGTERM (stderr: %s)" % read(err_path))


def run_plain_with_notify(abstract):
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    notify = Notify(tmp, abstract=abstract)
    proc = None
    try:
        path = os.path.join(tmp, "run", "CentralLog.sock")
        proc, err_path = start_notified(tmp, notify, path)
        # At once, no retry: ready means a producer is served now.
        check(stat.S_ISSOCK(os.lstat(path).st_mode), "the socket exists at READY=1")
        send_synced(path, "sent the moment READY=1 arrived")
        stop_notified(proc, notify, err_path)
        proc = None
        check(not os.path.exists(path), "its own socket removed at exit")
        eq(db_msgs(os.path.join(tmp, "data")), ["sent the moment READY=1 arrived"],
           "entries stored")
    finally:
        reap(proc)
        notify.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_ready_abstract_notify_socket():
    run_plain_with_notify(abstract=True)


def test_ready_path_notify_socket():
    run_plain_with_notify(abstract=False)


def run_watchdog(env, want_pings):
    """The collector with NOTIFY_SOCKET and env (WatchdogSec=0.4s). With
    want_pings: four WATCHDOG=1 after READY=1; returns the gaps between
    their arrivals. Without: 1.5 s of silence after READY=1. Then SIGTERM:
    STOPPING=1 (after any WATCHDOG=1 already on its way)."""
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    notify = Notify(tmp, abstract=True)
    proc = None
    try:
        proc, err_path = start_notified(tmp, notify, os.path.join(tmp, "CentralLog.sock"), env)
        gaps, last = [], None
        if want_pings:
            for _ in range(4):
                eq(notify.recv(), (b"WATCHDOG=1", proc.pid), "watchdog datagram")
                if last is not None:
                    gaps.append(notify.stamp - last)
                last = notify.stamp
        else:
            try:
                got = notify.recv(timeout=1.5)
                check(False, "no datagram while it serves", got)
            except socket.timeout:
                pass
        stop_notified(proc, notify, err_path, pings=want_pings)
        proc = None
        return gaps
    finally:
        reap(proc)
        notify.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_watchdog():
    """WatchdogSec= (WATCHDOG_USEC, WATCHDOG_PID): WATCHDOG=1 from the
    collector's loop at least every half interval; none when the variables
    name another process, or without them."""
    gaps = run_watchdog({"WATCHDOG_USEC": "400000"}, True)
    # Never more often than half the interval (a tick comes every 0.25 s;
    # how late under load is the scheduler's, not asserted).
    check(min(gaps) >= 0.199, "WATCHDOG=1 at most every 0.2 s", gaps)
    run_watchdog({"WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"}, False)
    run_watchdog({"WATCHDOG_USEC": None}, False)


def refused(argv, env=None, trigger=None):
    """Runs to completion (trigger(): what makes the manager start it);
    returns (exit status, the collector's lines)."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env=cltest.merge_env(env), stdin=subprocess.DEVNULL)
    try:
        if trigger is not None:
            trigger()
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(10)
    return p.returncode, [ln for ln in err.splitlines() if ln.startswith("centrallogd")]


def connect_when_bound(path, kind=socket.SOCK_STREAM):
    def go():
        if not os.path.exists(path):
            return False
        s = socket.socket(socket.AF_UNIX, kind)
        try:
            if kind == socket.SOCK_DGRAM:
                s.sendto(b"<13>hello\n", path)
            else:
                s.connect(path)
            return True
        except OSError:
            return False
        finally:
            s.close()
    cltest.wait_for(go, "the manager's socket at %s" % path)


def all_msgs(data_dir):
    con = connect_all(os.path.join(data_dir, "centrallog.db"))
    try:
        return [r for r in con.execute("SELECT app, msg FROM entries ORDER BY id")]
    finally:
        con.close()


def logger(path, *args):
    p = subprocess.run(["logger", "-u", path] + list(args), capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    eq((p.returncode, p.stderr), (0, ""), "logger -u %s %s" % (path, " ".join(args)))


def test_activated_syslog_datagram():
    """ListenDatagram=: systemd-socket-activate --datagram starts the
    collector on the first datagram, which waits in the socket's queue; the
    collector takes the socket as a syslog socket without being told
    (journald takes /dev/log so) and makes its own stream socket."""
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    proc = None
    try:
        path = os.path.join(tmp, "dev-log")
        own = os.path.join(tmp, "CentralLog.sock")
        data = os.path.join(tmp, "data")
        err_path = os.path.join(tmp, "stderr.txt")
        proc = spawn([activate_exe(), "--datagram", "-l", path, "--fdname", "syslog",
                      cltest.daemon_path(), "--data-dir", data, "--address", own], err_path)
        cltest.wait_for(lambda: os.path.exists(path), "the manager's socket at %s" % path)
        before = ident(path)
        logger(path, "-t", "first", "the datagram that started it")
        cltest.wait_accepting(proc, cltest.UnixSocket(own), READY_TIMEOUT,
                              lambda: read(err_path))
        logger(path, "-t", "second", "sent once it ran")
        send_synced(own, "on its own stream socket")
        check("  syslog socket: %s (datagrams, socket activation): logger -u %s hello\n"
              % (path, path) in read(err_path), "the banner names the adopted socket",
              read(err_path))
        stop(proc, err_path)
        proc = None
        eq(ident(path), before, "the manager's socket file, untouched after the collector exited")
        eq(sorted(os.listdir(tmp)), ["CentralLog.sock.lock", "data", "dev-log", "stderr.txt"],
           "its own socket removed (its lock file stays, as always); none next to the "
           "manager's")
        eq(all_msgs(data), [("first", "the datagram that started it"),
                            ("second", "sent once it ran"),
                            ("activation", "on its own stream socket")], "entries stored")
    finally:
        reap(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def test_activated_stream_and_datagram():
    """Two socket units for one service (centrallogd.socket and
    centrallogd-syslog.socket): the stream socket for producers and the
    datagram one for syslog, told apart by kind whatever LISTEN_FDNAMES
    says; --syslog-socket naming the passed path takes it over rather than
    making a second socket there."""
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    proc = None
    try:
        stream = os.path.join(tmp, "CentralLog.sock")
        dgram = os.path.join(tmp, "dev-log")
        data = os.path.join(tmp, "data")
        err_path = os.path.join(tmp, "stderr.txt")
        # The outer manager passes its stream socket on through the inner
        # one, which adds its datagram socket: descriptors 3 and 4.
        proc = spawn([activate_exe(), "-l", stream, "--fdname", "x",
                      activate_exe(), "--datagram", "-l", dgram, "--fdname", "y",
                      cltest.daemon_path(), "--data-dir", data, "--syslog-socket", dgram],
                     err_path)
        early = poke(proc, stream, err_path)
        early.send(cltest.entry("stream first", app="activation"))
        cltest.wait_for(lambda: os.path.exists(dgram), "the inner manager's socket")
        logger(dgram, "-t", "dgram", "datagram first")
        eq(early.sync()["accepted"], 1, "the entry waiting in the stream's backlog")
        early.close()
        logger(dgram, "-t", "dgram", "datagram second")
        send_synced(stream, "stream second")
        out = read(err_path)
        check("listening on %s (socket activation)\n" % stream in out, "stream adopted", out)
        check("  syslog socket: %s (datagrams, socket activation)" % dgram in out,
              "datagram adopted", out)
        stop(proc, err_path)
        proc = None
        eq(sorted(os.listdir(tmp)), ["CentralLog.sock", "data", "dev-log", "stderr.txt"],
           "the manager's two sockets, no lock files")
        got = all_msgs(data)
        eq(sorted(got), sorted([("activation", "stream first"), ("dgram", "datagram first"),
                                ("dgram", "datagram second"), ("activation", "stream second")]),
           "entries stored")
    finally:
        reap(proc)
        shutil.rmtree(tmp, ignore_errors=True)


class Manager:
    """A service manager of our own: it binds a datagram socket, keeps it,
    and passes it as descriptor 3 (LISTEN_PID set by the shell to itself,
    which then becomes the collector) to each collector it starts - as
    systemd keeps a socket unit's socket across restarts of the service."""

    def __init__(self, tmp, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.tmp = tmp

    def start(self, data, err_path):
        fd = self.sock.fileno()

        def pass_socket():
            os.dup2(fd, 3)
        script = 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=syslog exec "$@"'
        return spawn(["/bin/sh", "-c", script, "sh", cltest.daemon_path(), "--data-dir", data,
                      "--address", os.path.join(self.tmp, "own.sock")], err_path, mode="ab",
                     pass_fds=(3,) if fd != 3 else (), preexec_fn=pass_socket)

    def close(self):
        self.sock.close()


def test_datagrams_wait_across_restart():
    """At a stop the collector takes what the manager's datagram socket
    holds and leaves the socket as it is (never shut down: it is the
    manager's too): what producers send while no collector runs waits in
    it, and the next collector takes it all; a socket shut down for reading
    would refuse every datagram. What was queued when the stop came (the
    collector held with SIGSTOP meanwhile) is the stopping collector's."""
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    path = os.path.join(tmp, "dev-log")
    mgr = Manager(tmp, path)
    proc = None
    try:
        data = os.path.join(tmp, "data")
        err_path = os.path.join(tmp, "stderr.txt")
        for run in (1, 2):
            proc = mgr.start(data, err_path)
            cltest.wait_accepting(proc, cltest.UnixSocket(os.path.join(tmp, "own.sock")),
                                  READY_TIMEOUT, lambda: read(err_path))
            logger(path, "-t", "run%d" % run, "while collector %d runs" % run)
            send_synced(os.path.join(tmp, "own.sock"), "sync %d" % run)
            proc.send_signal(signal.SIGSTOP)
            logger(path, "-t", "run%d" % run, "queued when collector %d stopped" % run)
            proc.send_signal(signal.SIGTERM)
            proc.send_signal(signal.SIGCONT)
            eq(proc.wait(90), 0, "exit status after SIGTERM (stderr: %s)" % read(err_path))
            proc = None
            eq(all_msgs(data)[-1], ("run%d" % run, "queued when collector %d stopped" % run),
               "the datagram queued at the stop, stored by the stopping collector")
            logger(path, "-t", "gap", "between collector %d and the next" % run)
        eq(all_msgs(data), [("run1", "while collector 1 runs"), ("activation", "sync 1"),
                            ("run1", "queued when collector 1 stopped"),
                            ("gap", "between collector 1 and the next"),
                            ("run2", "while collector 2 runs"), ("activation", "sync 2"),
                            ("run2", "queued when collector 2 stopped")],
           "entries: the one sent between the two collectors taken by the second")
        # The last one waits for a third collector.
        eq(len(mgr.sock.recv(4096, socket.MSG_DONTWAIT)) > 0, True,
           "the datagram sent after the last stop is still queued")
    finally:
        reap(proc)
        mgr.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_refuses_what_it_cannot_serve():
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    try:
        data = os.path.join(tmp, "data")
        path = os.path.join(tmp, "seq.sock")
        rc, lines = refused([activate_exe(), "--seqpacket", "-l", path, "--fdname", "seq",
                             cltest.daemon_path(), "--data-dir", data],
                            trigger=lambda: connect_when_bound(path, socket.SOCK_SEQPACKET))
        eq((rc, lines), (2, ["centrallogd: descriptor 3 (seq) passed by the service manager is "
                             "neither a stream nor a datagram socket (ListenStream= for "
                             "producers, ListenDatagram= for syslog, not "
                             "ListenSequentialPacket=)"]), "a sequential-packet socket")
        a, b = os.path.join(tmp, "a.sock"), os.path.join(tmp, "b.sock")
        rc, lines = refused([activate_exe(), "-l", a, "-l", b, cltest.daemon_path(),
                             "--data-dir", data], trigger=lambda: connect_when_bound(a))
        eq((rc, lines), (2, ["centrallogd: the service manager passed two listening stream "
                             "sockets, %s and %s; centrallogd serves producers on one (one "
                             "ListenStream=)" % (a, b)]), "two stream sockets")
        check(not os.path.exists(data), "nothing stored, no data directory")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_refuses_socket_bound_elsewhere():
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    try:
        path = os.path.join(tmp, "a.sock")
        other = os.path.join(tmp, "b.sock")
        rc, lines = refused([activate_exe(), "-l", path, cltest.daemon_path(),
                             "--data-dir", os.path.join(tmp, "data"), "--address", other],
                            trigger=lambda: connect_when_bound(path))
        eq((rc, lines), (2, ["centrallogd: the service manager passed a socket bound to %s but "
                             "--address says %s; make ListenStream= and the address agree"
                             % (path, other)]), "--address against ListenStream")
        check(not os.path.exists(other), "no socket made at --address")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_listen_variables():
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    try:
        data = os.path.join(tmp, "data")
        path = os.path.join(tmp, "own.sock")
        argv = [cltest.daemon_path(), "--data-dir", data, "--address", path]
        rc, lines = refused(argv, {"LISTEN_PID": "12x", "LISTEN_FDS": "1"})
        eq((rc, lines), (2, ["centrallogd: malformed socket activation variables "
                             "LISTEN_PID='12x' LISTEN_FDS='1'"]), "malformed LISTEN_PID")
        # Meant for another process (LISTEN_PID is not ours): not taken, even
        # though descriptor 3 is open here; the collector makes its own socket.
        env = cltest.merge_env({"LISTEN_PID": "1", "LISTEN_FDS": "1"})
        err_path = os.path.join(tmp, "stderr.txt")
        proc = spawn(["/bin/sh", "-c", 'exec 3</dev/null; exec "$0" "$@"'] + argv, err_path, env)
        try:
            cltest.wait_accepting(proc, cltest.UnixSocket(path), 60, lambda: read(err_path))
            send_synced(path, "LISTEN_PID of another process")
            check("listening on %s (--address)\n" % path in read(err_path), "own socket",
                  read(err_path))
            stop(proc, err_path)
        finally:
            reap(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_socket_activation", [test_activated_serves_inherited_socket,
                                           test_ready_abstract_notify_socket,
                                           test_ready_path_notify_socket,
                                           test_watchdog,
                                           test_activated_syslog_datagram,
                                           test_activated_stream_and_datagram,
                                           test_datagrams_wait_across_restart,
                                           test_refuses_what_it_cannot_serve,
                                           test_refuses_socket_bound_elsewhere,
                                           test_listen_variables])
