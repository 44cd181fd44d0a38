"""End-to-end: who owns an address, and how an address is resolved.

Asserts:
* a second collector on the same address exits non-zero saying "already
  listening", leaves the socket alone, and the first keeps working;
* a stale socket file (bound, closed, never unlinked) is replaced; so is what a
  collector killed with SIGKILL leaves behind (and its synced data survived);
* a regular file (or a directory) at the socket path: refused, non-zero exit,
  the file untouched;
* --socket-mode 0600 gives 0600; the default 0666 holds even under umask 077;
* missing parent directories of the socket are created;
* CENTRALLOG_ADDRESS is honoured, and --address beats it;
* \\\\.\\pipe\\Name (and //./pipe/Name, and via the environment) maps to
  <default dir>/Name.sock (root: /run/centrallog/Name.sock);
* an empty pipe name and an over-long socket path are refused with a message;
* a user with no collector of their own and no address set reaches the system
  collector (root's, at /run/centrallog/CentralLog.sock): `centrallog send`
  and `status` as nobody, the entry stored with nobody's uid (root only).
"""

import json
import os
import shutil
import socket
import stat
import subprocess
import uuid

import cltest
from cltest import check, eq


def send_and_sync(path, msg):
    with cltest.Conn(path) as k:
        k.send(cltest.entry(msg))
        ack = k.sync()
    eq((ack["accepted"], ack["rejected"]), (1, 0), "ack for %r" % msg)


def test_second_collector_same_address():
    with cltest.Collector() as c:
        send_and_sync(c.sock, "first collector, before")
        # Same address, and even the same data directory: refused, harmlessly.
        for data_dir in (os.path.join(c.tmp, "other"), c.dir):
            rc, out, err = cltest.run_daemon(["--address", c.sock, "--data-dir", data_dir])
            check(rc != 0, "second collector on the same address exited 0", err)
            check("already listening" in err, "stderr names the problem", err)
            check(c.sock in err, "stderr names the address", err)
            check(c.running(), "first collector still running")
            check(stat.S_ISSOCK(os.lstat(c.sock).st_mode), "socket file still in place")
        send_and_sync(c.sock, "first collector, after")
        eq(c.msgs(), ["first collector, before", "first collector, after"], "entries")
        eq(c.text_msgs(), ["first collector, before", "first collector, after"], "text lines")
        c.stop()


def test_stale_socket_replaced():
    tmp = cltest.make_tempdir()
    try:
        path = os.path.join(tmp, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()
        check(stat.S_ISSOCK(os.lstat(path).st_mode), "stale socket file exists")
        with cltest.Collector(address=path) as c:
            send_and_sync(path, "over a stale socket")
            c.stop()
            check(not os.path.exists(path), "socket removed after exit")
            eq(c.msgs(), ["over a stale socket"], "entries")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_live_foreign_listener_not_hijacked():
    """Something else (not holding the collector's lock) listens on the path."""
    tmp = cltest.make_tempdir()
    try:
        path = os.path.join(tmp, "live.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(8)
        rc, out, err = cltest.run_daemon(["--address", path, "--data-dir", os.path.join(tmp, "d")])
        check(rc != 0, "collector took over a live address", err)
        check("already listening" in err, "stderr names the problem", err)
        # The collector's liveness probe sits in our backlog: take it first.
        srv.settimeout(0.2)
        probes = 0
        while True:
            try:
                p, _ = srv.accept()
            except socket.timeout:
                break
            eq(p.recv(100), b"", "the probe sends nothing")
            p.close()
            probes += 1
        srv.settimeout(10)
        cl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        cl.connect(path)
        a, _ = srv.accept()
        cl.sendall(b"still mine")
        eq(a.recv(100), b"still mine", "the foreign listener still owns the address")
        for s in (a, cl, srv):
            s.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_after_sigkill():
    with cltest.Collector() as c:
        send_and_sync(c.sock, "before kill -9")
        c.proc.kill()
        c.proc.wait(10)
        check(os.path.exists(c.sock), "a killed collector leaves its socket file")
        c.start()
        send_and_sync(c.sock, "after restart")
        c.stop()
        eq(c.msgs(), ["before kill -9", "after restart"], "entries across kill -9")
        eq(c.text_msgs(), ["before kill -9", "after restart"], "text across kill -9")


def test_regular_file_and_directory_refused():
    tmp = cltest.make_tempdir()
    try:
        path = os.path.join(tmp, "not-a-socket")
        content = b"precious data, not a socket\n"
        with open(path, "wb") as f:
            f.write(content)
        before = os.stat(path)
        rc, out, err = cltest.run_daemon(["--address", path, "--data-dir",
                                          os.path.join(tmp, "d")])
        check(rc != 0, "collector exited 0 over a regular file", err)
        eq(rc, 1, "exit status (runtime failure)")
        check(path in err and "not a socket" in err, "stderr explains", err)
        with open(path, "rb") as f:
            eq(f.read(), content, "file content")
        after = os.stat(path)
        eq((after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)),
           (before.st_ino, before.st_mtime_ns, stat.S_IMODE(before.st_mode)),
           "file inode/mtime/mode")

        d = os.path.join(tmp, "a-directory")
        os.mkdir(d)
        rc, out, err = cltest.run_daemon(["--address", d, "--data-dir", os.path.join(tmp, "d")])
        check(rc != 0 and "not a socket" in err, "directory at the socket path refused", rc, err)
        check(os.path.isdir(d), "directory still there")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_socket_mode():
    with cltest.Collector("--socket-mode", "0600") as c:
        eq(oct(stat.S_IMODE(os.stat(c.sock).st_mode)), oct(0o600), "socket mode")
        send_and_sync(c.sock, "mode 0600")
        c.stop()
    old = os.umask(0o077)
    try:
        c = cltest.Collector()
    finally:
        os.umask(old)
    with c:
        eq(oct(stat.S_IMODE(os.stat(c.sock).st_mode)), oct(0o666),
           "default socket mode under umask 077")
        c.stop()


def test_socket_parent_created():
    tmp = cltest.make_tempdir()
    try:
        path = os.path.join(tmp, "x", "y", "c.sock")
        with cltest.Collector(address=path) as c:
            send_and_sync(path, "nested")
            c.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_env_address():
    tmp = cltest.make_tempdir()
    try:
        path = os.path.join(tmp, "env.sock")
        with cltest.Collector(address=path, pass_address=False,
                              env={"CENTRALLOG_ADDRESS": path}) as c:
            eq(c.stats()["address"], path, "stats address")
            check("CENTRALLOG_ADDRESS" in c.stderr(), "banner names the origin", c.stderr())
            send_and_sync(path, "via env")
            c.stop()
            eq(c.msgs(), ["via env"], "entries")
        # --address beats the environment.
        decoy = os.path.join(tmp, "decoy.sock")
        with cltest.Collector(env={"CENTRALLOG_ADDRESS": decoy}) as c:
            eq(c.stats()["address"], c.sock, "stats address with both set")
            check(not os.path.exists(decoy), "nothing listens at the env address")
            c.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def default_dir(env):
    if os.geteuid() == 0:
        return "/run/centrallog"
    x = env.get("XDG_RUNTIME_DIR")
    if x and x.startswith("/"):
        return os.path.join(x, "centrallog")
    return "/tmp/centrallog-%d" % os.geteuid()


def test_pipe_name():
    env = {}
    xdg = None
    if os.geteuid() != 0:
        xdg = cltest.make_tempdir()
        env["XDG_RUNTIME_DIR"] = xdg
    d = default_dir(env)
    existed = os.path.isdir(d)
    made = []
    try:
        spellings = [("--address", "\\\\.\\pipe\\"), ("--address", "//./pipe/"),
                     ("env", "\\\\.\\pipe\\")]
        for how, prefix in spellings:
            name = "e2e-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
            want = os.path.join(d, name + ".sock")
            made.append(want)
            check(not os.path.exists(want), "%s already exists" % want)
            e = dict(env)
            if how == "env":
                e["CENTRALLOG_ADDRESS"] = prefix + name
                c = cltest.Collector(address=want, pass_address=False, env=e)
            else:
                c = cltest.Collector("--address", prefix + name, address=want,
                                     pass_address=False, env=e)
            with c:
                eq(c.stats()["address"], want, "stats address for %s%s" % (prefix, name))
                send_and_sync(want, "pipe " + name)
                c.stop()
                check(not os.path.exists(want), "socket removed after exit")
                eq(c.msgs(), ["pipe " + name], "entries")
        rc, out, err = cltest.run_daemon(["--address", "\\\\.\\pipe\\", "--data-dir", "/nonexistent"],
                                         env=env)
        eq(rc, 2, "exit status for an empty pipe name")
        check("--address" in err, "message names --address", err)
    finally:
        for p in made:
            for f in (p, p + ".lock"):
                try:
                    os.unlink(f)
                except OSError:
                    pass
        if not existed:
            try:
                os.rmdir(d)
            except OSError:
                pass
        if xdg:
                shutil.rmtree(xdg, ignore_errors=True)


def test_system_collector_fallback():
    cltest.need_root("run a system collector in /run/centrallog")
    sysock = "/run/centrallog/CentralLog.sock"
    check(not os.path.exists(sysock), "a system collector is already running at " + sysock)
    cli = os.path.join(os.path.dirname(cltest.daemon_path()), "centrallog")
    xdg = cltest.make_tempdir()  # nobody's runtime dir: no collector in it
    env = cltest.merge_env({"CENTRALLOG_ADDRESS": None, "XDG_RUNTIME_DIR": xdg})

    def as_nobody(*args):
        return subprocess.run([cli] + list(args), capture_output=True, env=env, timeout=60,
                              preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)))
    try:
        with cltest.Collector("--address", sysock, address=sysock, pass_address=False) as c:
            p = as_nobody("send", "--sync", "-t", "fallback", "to the system collector")
            eq((p.returncode, p.stderr), (0, b""), "send as nobody")
            p = as_nobody("status", "-o", "json")
            eq(p.returncode, 0, "status as nobody")
            eq(json.loads(p.stdout)["address"], sysock, "status found the system collector")
            eq(c.query("SELECT msg, peer_uid FROM entries WHERE app = 'fallback'"),
               [("to the system collector", 65534)], "the entry, from nobody")
            c.stop()
        # With an address of one's own, no fallback: it is kept, answering or not.
        with cltest.Collector("--address", sysock, address=sysock, pass_address=False) as c:
            env["CENTRALLOG_ADDRESS"] = os.path.join(xdg, "mine.sock")
            p = as_nobody("send", "--sync", "--timeout", "300", "x")
            eq(p.returncode, 3, "an explicit address that nobody answers")
            eq(c.query("SELECT count(*) FROM entries WHERE msg = 'x'"), [(0,)], "nothing sent")
            c.stop()
    finally:
        shutil.rmtree(xdg, ignore_errors=True)


def test_path_too_long():
    tmp = cltest.make_tempdir()
    try:
        path = os.path.join(tmp, "d" * 60, "s" * 60 + ".sock")
        rc, out, err = cltest.run_daemon(["--address", path, "--data-dir", os.path.join(tmp, "d")])
        check(rc != 0, "an over-long socket path was accepted", err)
        check("longer than" in err and path in err, "message explains the length limit", err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_address", [test_second_collector_same_address, test_stale_socket_replaced,
                                 test_live_foreign_listener_not_hijacked,
                                 test_after_sigkill, test_regular_file_and_directory_refused,
                                 test_socket_mode, test_socket_parent_created, test_env_address,
                                 test_pipe_name, test_system_collector_fallback,
                                 test_path_too_long])
