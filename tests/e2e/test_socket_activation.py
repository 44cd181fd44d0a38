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
  to an abstract ('@') and to a path NOTIFY_SOCKET alike;
* what cannot be served on is refused with exit 2 and one line saying why:
  a datagram socket, a socket bound elsewhere than --address; malformed
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
        data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
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
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(
                [activate_exe(), "-l", path, "-E", "NOTIFY_SOCKET=" + notify.env,
                 "/bin/sh", "-c", script, "sh", path, cltest.daemon_path()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
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
        if proc is not None:
            proc.kill()
            proc.wait(10)
        notify.close()
        shutil.rmtree(tmp, ignore_errors=True)


def run_plain_with_notify(abstract):
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    notify = Notify(tmp, abstract=abstract)
    proc = None
    try:
        path = os.path.join(tmp, "run", "CentralLog.sock")
        data = os.path.join(tmp, "data")
        err_path = os.path.join(tmp, "stderr.txt")
        with open(err_path, "wb") as err:
            proc = subprocess.Popen([cltest.daemon_path(), "--data-dir", data, "--address", path],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, env=cltest.merge_env({"NOTIFY_SOCKET": notify.env}))
        msg, pid = notify.recv()
        eq(msg, ("READY=1\nSTATUS=listening on %s" % path).encode(), "readiness datagram")
        eq(pid, proc.pid, "READY=1 sent by the collector's own PID")
        # At once, no retry: ready means a producer is served now.
        check(stat.S_ISSOCK(os.lstat(path).st_mode), "the socket exists at READY=1")
        send_synced(path, "sent the moment READY=1 arrived")
        proc.send_signal(signal.SIGTERM)
        eq(notify.recv(), (STOPPING, proc.pid), "stopping datagram")
        eq(proc.wait(90), 0, "exit status after SIGTERM (stderr: %s)" % read(err_path))
        proc = None
        check(not os.path.exists(path), "its own socket removed at exit")
        eq(db_msgs(data), ["sent the moment READY=1 arrived"], "entries stored")
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(10)
        notify.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_ready_abstract_notify_socket():
    run_plain_with_notify(abstract=True)


def test_ready_path_notify_socket():
    run_plain_with_notify(abstract=False)


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


def test_refuses_datagram_socket():
    tmp = cltest.make_tempdir("cl-e2e-sa-")
    try:
        path = os.path.join(tmp, "dgram.sock")
        rc, lines = refused([activate_exe(), "--datagram", "-l", path, cltest.daemon_path(),
                             "--data-dir", os.path.join(tmp, "data")],
                            trigger=lambda: connect_when_bound(path, socket.SOCK_DGRAM))
        eq((rc, lines), (2, ["centrallogd: descriptor 3 passed by the service manager is not a "
                             "stream socket (ListenStream=, not ListenDatagram= or "
                             "ListenSequentialPacket=)"]), "a datagram socket")
        check(not os.path.exists(os.path.join(tmp, "data")), "nothing stored, no data directory")
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
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(["/bin/sh", "-c", 'exec 3</dev/null; exec "$0" "$@"'] + argv,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, env=env)
        try:
            cltest.wait_accepting(proc, cltest.UnixSocket(path), 60, lambda: read(err_path))
            send_synced(path, "LISTEN_PID of another process")
            check("listening on %s (--address)\n" % path in read(err_path), "own socket",
                  read(err_path))
            stop(proc, err_path)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_socket_activation", [test_activated_serves_inherited_socket,
                                           test_ready_abstract_notify_socket,
                                           test_ready_path_notify_socket,
                                           test_refuses_datagram_socket,
                                           test_refuses_socket_bound_elsewhere,
                                           test_listen_variables])
