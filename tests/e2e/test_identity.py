"""End-to-end: who sent an entry is what the kernel says, not what the entry says.

Asserts:
* a producer process that claims pid 1, host "forged-host" and adds keys named
  peer_pid / peer_uid / peer_gid: the entry keeps its claims in pid and host,
  the forged keys land in `extra` (verbatim), and the peer_pid/peer_uid/peer_gid
  columns hold the producer's real PID, UID and GID (also for a reject from the
  same connection); the text line shows the claimed PID (the CLI shows both);
* (root only) the same producer running as uid/gid 65534 is stored with
  peer_uid = peer_gid = 65534 whatever it claims;
* the credentials are those of the process that connected: a child that inherits
  a connected socket and writes on it is recorded with the parent's PID (the
  Linux SO_PEERCRED rule, documented in PROTOCOL.md);
* (root only) --socket-mode 0660 --socket-group G: a process of another group
  cannot connect (EACCES), one with G among its groups can; the socket file is
  root:G 0660 and its directory is not world-writable.
"""

import errno
import json
import os
import socket
import stat
import subprocess
import sys

import cltest
from cltest import check, eq, wait_for

NOBODY = 65534
GROUP = 4242

FORGER = r"""
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(json.dumps({"errno": e.errno})); sys.exit(0)
line = {"app": "forger", "level": "info", "msg": "I am init", "pid": 1, "host": "forged-host",
        "peer_pid": 1, "peer_uid": 0, "peer_gid": 0}
s.sendall(json.dumps(line).encode() + b"\n" + b"not json\n" + b'{"op":"sync","id":1}\n')
buf = b""
while not buf.endswith(b"\n"):
    buf += s.recv(4096)
print(json.dumps({"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(),
                  "ack": json.loads(buf)}))
"""


def run_forger(sock, **user):
    out = subprocess.run([sys.executable, "-c", FORGER, sock], capture_output=True, timeout=60,
                         **user)
    check(out.returncode == 0, "forger failed", out.stderr.decode())
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def check_forgery_stored(c, who):
    rows = c.query("SELECT pid, host, extra, peer_pid, peer_uid, peer_gid FROM entries "
                   "WHERE app = 'forger'")
    eq(len(rows), 1, "the forger's entry")
    pid, host, extra, ppid, puid, pgid = rows[0]
    eq((pid, host), (1, "forged-host"), "claims are kept as claims")
    eq(json.loads(extra), {"peer_pid": 1, "peer_uid": 0, "peer_gid": 0},
       "forged peer_* keys are ordinary unknown keys (extra)")
    eq((ppid, puid, pgid), (who["pid"], who["uid"], who["gid"]),
       "peer credentials are the kernel's")
    rej = c.query("SELECT reason, peer_pid, peer_uid, peer_gid FROM rejects")
    eq(rej, [("not_json", who["pid"], who["uid"], who["gid"])], "the reject's credentials")


def test_claims_cannot_forge_credentials():
    with cltest.Collector() as c:
        who = run_forger(c.sock)
        eq((who["ack"]["accepted"], who["ack"]["rejected"]), (1, 1), "ack")
        check(who["pid"] != 1, "the forger is not init")
        check_forgery_stored(c, who)
        line = [cltest.parse_text_line(x) for x in c.text_lines()]
        eq((line[0]["app"], line[0]["pid"], line[0]["host"]), ("forger", 1, "forged-host"),
           "the text line shows the claim (the database has both)")
        c.stop()


def test_other_user():
    cltest.need_root("run a producer as another user")
    with cltest.Collector() as c:
        os.chmod(c.tmp, 0o711)  # let the other user reach the socket
        who = run_forger(c.sock, user=NOBODY, group=NOBODY, extra_groups=[])
        eq((who["uid"], who["gid"]), (NOBODY, NOBODY), "the producer ran as nobody")
        check_forgery_stored(c, who)
        c.stop()


def test_inherited_connection():
    with cltest.Collector() as c:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(c.sock)
        child = os.fork()
        if child == 0:
            try:
                s.sendall(cltest.line({"app": "inherit", "level": "info", "msg": "from child",
                                       "pid": os.getpid()}))
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        s.close()
        rows = wait_for(lambda: c.query("SELECT pid, peer_pid FROM entries"), "the entry")
        eq(rows, [(child, os.getpid())],
           "(claimed pid, peer_pid): the connecting process is the one recorded")
        c.stop()


def test_socket_group():
    cltest.need_root("run producers as other users")
    with cltest.Collector("--socket-mode", "0660", "--socket-group", str(GROUP)) as c:
        os.chmod(c.tmp, 0o711)
        st = os.stat(c.sock)
        eq((stat.S_IMODE(st.st_mode), st.st_gid), (0o660, GROUP), "socket mode and group")
        d = os.stat(os.path.dirname(c.sock))
        check(not d.st_mode & stat.S_IWOTH, "socket directory is not world-writable")
        out = run_forger(c.sock, user=NOBODY, group=NOBODY, extra_groups=[])
        eq(out, {"errno": errno.EACCES}, "a producer outside the group cannot connect")
        who = run_forger(c.sock, user=NOBODY, group=NOBODY, extra_groups=[GROUP])
        eq(who["ack"]["accepted"], 1, "a producer in the group can")
        c.stop()


if __name__ == "__main__":
    cltest.main("test_identity", [test_claims_cannot_forge_credentials, test_other_user,
                                  test_inherited_connection, test_socket_group])
