"""End-to-end: another local user squats the socket directory (root only).

The test creates two real users, a victim and an attacker (useradd, unique
names, removed afterwards even on failure). The victim has no
$XDG_RUNTIME_DIR and no address set (a service account, a cron job), so
its default is /tmp/centrallog-<victim uid>/CentralLog.sock, a name anyone
can take.

Asserts:
* the attacker pre-creates /tmp/centrallog-<victim uid>/ and listens on
  CentralLog.sock there: the victim's `centrallog send`, `centrallog status`
  and an SDK producer (sdk_load) never connect to it - send exits 3, warns
  that it skipped the directory and says why; the SDK delivers nothing and
  the attacker sees no connection at all;
* the same with --address naming the squatted socket: refused with a clear
  error, no connection;
* with a system collector running (/run/centrallog/CentralLog.sock), the
  victim's entries go there instead (send and the SDK), stored with the
  victim's uid, and the attacker sees nothing;
* the victim's collector refuses to start when /tmp/centrallog-<uid> is a
  symbolic link to /tmp (the attacker's or the victim's own: its owner could
  re-point it later), when it belongs to the attacker, and when others may
  write to it - each with a message that says what to do, and no socket is
  created anywhere.
"""

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import uuid

import cltest
from cltest import check, eq

BIN = os.environ.get("CL_BIN_DIR", os.path.join(cltest.REPO, "build", "bin"))
SYSOCK = "/run/centrallog/CentralLog.sock"
# The attacker's interpreter must be one another user may run (not one
# under /root).
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# The attacker: listens at argv[1] (creating its directory, mode 0755, and
# the socket, mode 0666, so that the victim could connect), prints "ready",
# then one line per connection and per chunk received, until SIGTERM.
ATTACKER = r"""
import os, select, signal, socket, sys
path = sys.argv[1]
os.makedirs(os.path.dirname(path), exist_ok=True)
os.chmod(os.path.dirname(path), 0o755)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
os.chmod(path, 0o666)
srv.listen(64)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
print("ready", flush=True)
peers = []
while True:
    r, _, _ = select.select([srv] + peers, [], [])
    for s in r:
        if s is srv:
            c, _ = srv.accept()
            peers.append(c)
            print("conn", flush=True)
        else:
            d = s.recv(65536)
            if d:
                print("data %d" % len(d), flush=True)
            else:
                peers.remove(s)
                s.close()
"""


class Users:
    """Two throwaway local users; removed on exit, whatever happened."""

    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.names = {"victim": "clsqv" + tag, "attacker": "clsqa" + tag}
        self.made = []

    def __enter__(self):
        try:
            for role, name in self.names.items():
                subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell",
                                "/usr/sbin/nologin", "--home-dir", "/nonexistent", name],
                               check=True, capture_output=True, timeout=60)
                self.made.append(name)
                pw = pwd.getpwnam(name)
                setattr(self, role, (pw.pw_uid, pw.pw_gid))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for name in self.made:
            uid = pwd.getpwnam(name).pw_uid
            shutil.rmtree("/tmp/centrallog-%d" % uid, ignore_errors=True)
            # A symbolic link; and what a collector that followed one left.
            for f in ("/tmp/centrallog-%d" % uid, "/tmp/CentralLog.sock",
                      "/tmp/CentralLog.sock.lock"):
                try:
                    if os.lstat(f).st_uid == uid:
                        os.unlink(f)
                except OSError:
                    pass
            subprocess.run(["userdel", name], capture_output=True, timeout=60)
        self.made = []


def as_user(who):
    uid, gid = who
    return {"user": uid, "group": gid, "extra_groups": []}


def victim_env(extra=None):
    """A service account's environment: no runtime directory, no address."""
    env = cltest.merge_env({"CENTRALLOG_ADDRESS": None, "XDG_RUNTIME_DIR": None,
                            "HOME": "/nonexistent"})
    env.update(extra or {})
    return env


def run_as(who, argv, env=None, timeout=60):
    p = subprocess.run(argv, capture_output=True, env=env or victim_env(), timeout=timeout,
                       cwd="/", **as_user(who))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def send(who, *args):
    return run_as(who, [os.path.join(BIN, "centrallog")] + list(args))


def sdk(who, app, n):
    """sdk_load as who with the default address; its final stats line."""
    rc, out, err = run_as(who, [os.path.join(BIN, "sdk_load"), "--threads", "1", "--entries",
                                str(n), "--app", app, "--flush-ms", "500"])
    eq(rc, 0, "sdk_load exit status (stderr: %s)" % err)
    return json.loads(out.strip().splitlines()[-1])


class Squatter:
    """The attacker listening at path, as the attacker user."""

    def __init__(self, who, path):
        self.proc = subprocess.Popen([PYTHON, "-c", ATTACKER, path],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd="/", **as_user(who))
        line = self.proc.stdout.readline().decode()
        if line.strip() != "ready":
            self.proc.kill()
            raise AssertionError("the attacker could not listen at %s: %s %s"
                                 % (path, line, self.proc.stderr.read().decode()))

    def stop(self):
        """Stops the attacker; returns what it saw (one line per event)."""
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        return out.decode().split()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def squat_path(victim):
    return "/tmp/centrallog-%d/CentralLog.sock" % victim[0]


def no_system_collector():
    check(not os.path.exists(SYSOCK),
          "a system collector is already running at %s (another suite running "
          "test_address/test_cli/test_query/test_squat at the same moment?)" % SYSOCK)


def test_squatted_fallback_not_used():
    cltest.need_root("create two local users")
    no_system_collector()  # it would be preferred, and this is about the fallback
    with Users() as u:
        path = squat_path(u.victim)
        with Squatter(u.attacker, path) as sq:
            rc, out, err = send(u.victim, "send", "--timeout", "500", "secret one")
            eq(rc, 3, "send exit status (stderr: %s)" % err)
            check("warning: skipped " + path in err, "send warns that it skipped the squat", err)
            check("belongs to uid %d" % u.attacker[0] in err, "and says whose it is", err)
            check("refusing to use " + path in err, "and refuses it", err)
            st = sdk(u.victim, "squat-sdk", 5)
            eq((st["acked"], st["sent"]), (0, 0), "SDK: nothing sent, nothing acknowledged")
            rc, out, err = send(u.victim, "status", "--timeout", "500")
            eq(rc, 3, "status exit status (stderr: %s)" % err)
            check("refusing to use " + path in err, "status refuses it too", err)
            # Named explicitly: refused all the same, with the reason.
            rc, out, err = send(u.victim, "--address", path, "send", "--timeout", "500",
                                "secret two")
            eq(rc, 3, "send --address exit status (stderr: %s)" % err)
            check("refusing to use " + path in err and "belongs to uid" in err,
                  "explicit address refused with the reason", err)
            eq(sq.stop(), [], "what the attacker received (connections, bytes)")


def test_system_collector_preferred():
    cltest.need_root("create two local users and run a system collector in /run/centrallog")
    no_system_collector()
    with Users() as u:
        path = squat_path(u.victim)
        with Squatter(u.attacker, path) as sq, \
                cltest.Collector("--address", SYSOCK, address=SYSOCK, pass_address=False) as c:
            rc, out, err = send(u.victim, "send", "--sync", "-t", "squat-cli", "to the system")
            eq((rc, err), (0, ""), "send as the victim: delivered, no warning")
            st = sdk(u.victim, "squat-sdk", 5)
            eq((st["acked"], st["rejected"]), (5, 0), "SDK: all acknowledged")
            eq(c.query("SELECT app, count(*), min(peer_uid), max(peer_uid) FROM entries "
                       "GROUP BY app ORDER BY app"),
               [("squat-cli", 1, u.victim[0], u.victim[0]),
                ("squat-sdk", 5, u.victim[0], u.victim[0])],
               "entries in the system collector, from the victim")
            eq(sq.stop(), [], "what the attacker received")
            c.stop()


def victim_collector(u, tmp):
    """Runs the victim's collector on its default address; it must exit
    (the test fails, rather than hangs, if it starts). (rc, stderr)."""
    data = os.path.join(tmp, "data-%s" % uuid.uuid4().hex[:6])
    os.mkdir(data)
    os.chown(data, *u.victim)
    p = subprocess.Popen([cltest.daemon_path(), "--data-dir", data], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=victim_env(), cwd="/", **as_user(u.victim))
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        raise AssertionError("the victim's collector started: %s" % err.decode())
    return p.returncode, err.decode("utf-8", "replace")


def test_collector_refuses_squatted_dir():
    cltest.need_root("create two local users")
    tmp = cltest.make_tempdir()
    os.chmod(tmp, 0o755)
    try:
        with Users() as u:
            d = "/tmp/centrallog-%d" % u.victim[0]
            through = ["/tmp/CentralLog.sock", "/tmp/CentralLog.sock.lock"]
            check(not any(os.path.lexists(f) for f in through), "%s already exist" % through)
            # A symbolic link to /tmp, made by the attacker (so it could
            # re-point it later), then by the victim: refused either way.
            for who in (u.attacker, u.victim):
                subprocess.run(["ln", "-s", "/tmp", d], check=True, **as_user(who))
                rc, err = victim_collector(u, tmp)
                eq(rc, 1, "exit status with a symlinked directory (stderr: %s)" % err)
                check(d in err and "symbolic link" in err and "remove it" in err,
                      "the message names the link and says what to do", err)
                os.unlink(d)
            eq([f for f in through if os.path.lexists(f)], [],
               "nothing created in /tmp through the link")
            # A real directory, the attacker's.
            subprocess.run(["mkdir", "-m", "0755", d], check=True, **as_user(u.attacker))
            rc, err = victim_collector(u, tmp)
            eq(rc, 1, "exit status with the attacker's directory (stderr: %s)" % err)
            check("belongs to uid %d" % u.attacker[0] in err, "the message names the owner", err)
            os.rmdir(d)
            # The victim's own, but writable by everyone (not sticky).
            subprocess.run(["mkdir", d], check=True, **as_user(u.victim))
            os.chmod(d, 0o777)
            rc, err = victim_collector(u, tmp)
            eq(rc, 1, "exit status with a world-writable directory (stderr: %s)" % err)
            check("every user" in err and "chmod go-w" in err, "the message says what to do", err)
            eq(os.listdir(d), [], "no socket or lock created there")
            # Made private: the victim's collector starts there.
            os.chmod(d, 0o700)
            data = os.path.join(tmp, "data-ok")
            os.mkdir(data)
            os.chown(data, *u.victim)
            p = subprocess.Popen([cltest.daemon_path(), "--data-dir", data],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=victim_env(), cwd="/", **as_user(u.victim))
            try:
                sock = os.path.join(d, "CentralLog.sock")
                cltest.wait_for(lambda: os.path.exists(sock), "the victim's collector listening")
                rc, out, err = send(u.victim, "--address", sock, "send", "--sync",
                                    "own collector")
                eq((rc, err), (0, ""), "send to the victim's own collector")
            finally:
                p.send_signal(signal.SIGTERM)
                eq(p.wait(60), 0, "the victim's collector exit status")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_squat", [test_squatted_fallback_not_used, test_system_collector_preferred,
                               test_collector_refuses_squatted_dir])
