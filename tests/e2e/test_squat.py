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
* data paths (issue 13, second round): the attacker pre-creates the
  victim's data directory in a sticky shared directory, or (the data
  directory being the victim's own, sticky) an empty centrallog.log, .db,
  -wal or -shm, mode 0666: the victim's collector refuses to start, saying
  whose the file is, and the attacker's files stay empty; a symbolic link
  the attacker planted in a sticky directory as the data directory is not
  followed (a root collector refuses it, nothing is created in its target);
  a member of a group-writable log directory's group who swaps the log for
  an empty file of theirs never receives a line (the collector refuses the
  file and counts the lines as lost), and nothing is left for them to read.
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


class VictimCollector(cltest.Collector):
    """A collector run as the victim on a socket in a private directory of
    theirs, with --data-dir data (not started)."""

    def __init__(self, u, data, *flags):
        super().__init__(*flags, start=False, data_dir=data,
                         user={"user": u.victim[0], "group": u.victim[1]})
        os.chmod(self.tmp, 0o755)
        vsock = os.path.join(self.tmp, "vsock")
        os.mkdir(vsock, 0o700)
        os.chown(vsock, *u.victim)
        self.sock = os.path.join(vsock, "c.sock")
        self.cwd = "/"

    def refused(self, *needles):
        """Starts it expecting exit 1 at once; checks stderr says needles."""
        try:
            self.start()
        except AssertionError:
            pass
        else:
            raise AssertionError("the victim's collector started with %s" % self.dir)
        eq(self.wait(), 1, "exit status (stderr: %s)" % self.stderr())
        err = self.stderr()
        for n in needles:
            check(n in err, "stderr says %r" % n, err)
        return err


def attacker_files(u, where, names):
    """The attacker creates empty files, mode 0666, in where."""
    code = ("import os, sys\n"
            "for n in sys.argv[2:]:\n"
            "    p = os.path.join(sys.argv[1], n)\n"
            "    open(p, 'w').close()\n"
            "    os.chmod(p, 0o666)\n")
    subprocess.run([PYTHON, "-c", code, where] + list(names), check=True, cwd="/",
                   **as_user(u.attacker))


FILES = ["centrallog.log", "centrallog.db", "centrallog.db-wal", "centrallog.db-shm"]


def test_precreated_data_files_refused():
    cltest.need_root("create two local users")
    with Users() as u:
        # The data directory itself, pre-created by the attacker in a
        # sticky shared directory, with empty files in it.
        with VictimCollector(u, "/nonexistent") as c:
            shared = os.path.join(c.tmp, "shared")
            os.mkdir(shared)
            os.chmod(shared, 0o1777)
            c.dir = os.path.join(shared, "vicdata")
            c.db = os.path.join(c.dir, "centrallog.db")
            subprocess.run(["mkdir", "-m", "1777", c.dir], check=True, **as_user(u.attacker))
            attacker_files(u, c.dir, FILES)
            c.flags = []
            c.refused(c.dir, "belongs to user %s" % u.names["attacker"])
            eq([os.path.getsize(os.path.join(c.dir, f)) for f in FILES], [0, 0, 0, 0],
               "the attacker's files stay empty")
            # The victim's own sticky data directory; one file of the
            # attacker's at a time (the base log squatted, t6_base; the
            # -shm that could be truncated under the collector, t3_shm_sigbus).
            own = os.path.join(shared, "own")
            os.mkdir(own)
            os.chmod(own, 0o1777)
            os.chown(own, *u.victim)
            c.dir = own
            for f in FILES:
                attacker_files(u, own, [f])
                err = c.refused(os.path.join(own, f), "belongs to user %s" % u.names["attacker"])
                check("remove it" in err, "says what to do", err)
                eq(os.path.getsize(os.path.join(own, f)), 0, "%s stays empty" % f)
                os.unlink(os.path.join(own, f))
                for g in FILES:  # what a refused start may have made
                    if os.path.exists(os.path.join(own, g)):
                        os.unlink(os.path.join(own, g))
            # With no squatter, the victim's collector starts there.
            c.start()
            c.stop()


def test_symlink_in_data_path_refused():
    cltest.need_root("create two local users")
    with Users() as u:
        with cltest.Collector(start=False) as c:
            os.chmod(c.tmp, 0o755)
            shared = os.path.join(c.tmp, "shared")
            target = os.path.join(c.tmp, "etc_logrotate_d")
            os.mkdir(shared)
            os.chmod(shared, 0o1777)
            os.mkdir(target)
            subprocess.run(["ln", "-s", target, os.path.join(shared, "logs")], check=True,
                           **as_user(u.attacker))
            c.dir = os.path.join(shared, "logs")
            c.db = os.path.join(c.dir, "centrallog.db")
            try:
                c.start()
            except AssertionError:
                pass
            else:
                raise AssertionError("the root collector followed the attacker's link")
            eq(c.wait(), 1, "exit status")
            check("symbolic link" in c.stderr() and c.dir in c.stderr(),
                  "stderr names the link", c.stderr())
            eq(os.listdir(target), [], "nothing created in the link's target")


def test_group_member_swaps_log():
    cltest.need_root("create two local users")
    with Users() as u:
        with VictimCollector(u, "/nonexistent") as c:
            logs = os.path.join(c.tmp, "logs")
            os.mkdir(logs)
            os.chown(logs, u.victim[0], u.attacker[1])
            os.chmod(logs, 0o2770)
            c.dir = logs
            c.db = os.path.join(logs, "centrallog.db")
            c.log = os.path.join(logs, "centrallog.log")
            c.start()
            with c.connect() as k:
                k.send([cltest.entry("before")])
                k.sync(1)
            code = ("import os\n"
                    "open('g', 'w').close(); os.chmod('g', 0o666)\n"
                    "os.rename('g', 'centrallog.log')\n")
            subprocess.run([PYTHON, "-c", code], check=True, cwd=logs, **as_user(u.attacker))
            with c.connect() as k:
                k.send([cltest.entry("secret after swap %d" % i) for i in range(5)])
                k.sync(2)
                st = k.stats()
            eq(os.path.getsize(c.log), 0, "the attacker's file stays empty")
            eq(os.stat(c.log).st_uid, u.attacker[0], "and is still theirs")
            eq(st["log_lost_lines"], 5, "the lines are counted as lost")
            check("belongs to user %s" % u.names["attacker"] in st["log_last_error"],
                  "log_last_error says whose the file is", st["log_last_error"])
            eq(c.scalar("SELECT count(*) FROM entries WHERE msg LIKE 'secret%'"), 5,
               "the database has them")
            c.stop()


if __name__ == "__main__":
    cltest.main("test_squat", [test_squatted_fallback_not_used, test_system_collector_preferred,
                               test_collector_refuses_squatted_dir,
                               test_precreated_data_files_refused,
                               test_symlink_in_data_path_refused, test_group_member_swaps_log])
