#!/usr/bin/python3
"""End-to-end: the CLI's relative default database, ./var/centrallog.db, is
read only when nobody but the invoking user or root could have put it
there (tools/db.c, platform_posix.c).

With no --db, no $CENTRALLOG_DB or $CENTRALLOG_DATA_DIR and no collector
answering, `centrallog` reads ./var/centrallog.db under the current
directory - which may be /tmp, where another local user could plant a
database of forged entries. Asserts, with a real CentralLog database (the
known data of cli_data.py) and exact exit status, stdout and stderr:
* trusted, read as usual (the query golden): ./var and the file owned by
  root, or by the invoking user (run as nobody), or - for root under sudo -
  by $SUDO_UID;
* refused with exit status 1, nothing on stdout and one line saying what is
  wrong and that --db reads it all the same: ./var a symbolic link, the file
  a symbolic link, the file not a regular file (a FIFO, which SQLite would
  block on), ./var writable by its group, the file writable by everybody,
  and (root only: chown) the file or ./var owned by another user (65534),
  also for root;
* the same file named with --db is read (the user chose it);
* test_silent_collector: a collector that does not answer within 0.5 s
  leaves a note naming it and what is read instead.
"""

import os
import pwd
import shutil
import socket
import threading

import cli_data
import cltest
from cltest import eq
from cli_data import run

NOBODY = 65534
# No collector answers there, so the CLI falls back to its defaults.
ENV = {"CENTRALLOG_ADDRESS": "/nonexistent/centrallog-test.sock"}
TMP = KNOWN = EXPECTED = None


def setup():
    global TMP, KNOWN, EXPECTED
    TMP = cltest.make_tempdir("cl-defdb-")
    os.chmod(TMP, 0o755)
    _, KNOWN = cli_data.build_known_db(TMP)
    with open(os.path.join(cltest.REPO, "tests", "golden", "query", "format-csv.out"), "rb") as f:
        EXPECTED = f.read()


def workdir(name, dir_mode=0o750, file_mode=0o640, owner=None):
    """A current directory holding ./var/centrallog.db, a copy of the known data."""
    cwd = os.path.join(TMP, name)
    os.makedirs(os.path.join(cwd, "var"))
    os.chmod(cwd, 0o755)
    db = os.path.join(cwd, "var", "centrallog.db")
    shutil.copy(KNOWN, db)
    os.chmod(db, file_mode)
    os.chmod(os.path.join(cwd, "var"), dir_mode)
    if owner is not None:
        for p in (cwd, os.path.join(cwd, "var"), db):
            os.chown(p, owner, owner)
    return cwd


def as_user(uid):
    return lambda: (os.setgroups([]), os.setgid(uid), os.setuid(uid))


def reads(cwd, what, env=None, **kw):
    full = dict(ENV)
    full.update(env or {})
    eq(run(["-o", "csv"], None, full, cwd=cwd, **kw), (0, EXPECTED, ""), what)


def refused(cwd, why, what, cmd="query", args=("-o", "csv"), **kw):
    path = os.path.join(os.path.realpath(cwd), "var", "centrallog.db")
    msg = ("centrallog %s: refusing to read %s (the default, ./var/centrallog.db, under the "
           "current directory): %s; to read it all the same, name it: --db %s\n"
           % (cmd, path, why, path))
    argv = [] if cmd == "query" else [cmd]
    eq(run(argv + list(args), None, ENV, cwd=cwd, **kw), (1, b"", msg), what)
    # Named, it is read: whoever names it chose it.
    eq(run(["-o", "csv", "--db", path], None, ENV, cwd=cwd, **kw), (0, EXPECTED, ""),
       what + ", named with --db")


def test_trusted():
    reads(workdir("root"), "./var and the file root's")
    if os.geteuid() != 0:
        cltest.not_checked("another user's own ./var, and $SUDO_UID (need root)")
        return
    cwd = workdir("nobody", owner=NOBODY)
    reads(cwd, "./var and the file the invoking user's (nobody)", preexec_fn=as_user(NOBODY))
    reads(cwd, "root under sudo: ./var and the file $SUDO_UID's", {"SUDO_UID": str(NOBODY)})
    reads(workdir("root-for-nobody", 0o755, 0o644), "root's files, read by nobody",
          preexec_fn=as_user(NOBODY))


def test_refused_modes_and_links():
    cwd = workdir("var-link")
    os.rename(os.path.join(cwd, "var"), os.path.join(cwd, "real"))
    os.symlink("real", os.path.join(cwd, "var"))
    refused(cwd, "./var is a symbolic link, not followed for the default", "./var a link")

    cwd = workdir("file-link")
    os.rename(os.path.join(cwd, "var", "centrallog.db"), os.path.join(cwd, "var", "real.db"))
    os.symlink("real.db", os.path.join(cwd, "var", "centrallog.db"))
    refused(cwd, "./var/centrallog.db is a symbolic link, not followed for the default",
            "the file a link", cmd="stats", args=())

    cwd = workdir("fifo")
    db = os.path.join(cwd, "var", "centrallog.db")
    os.unlink(db)
    os.mkfifo(db, 0o640)
    path = os.path.join(os.path.realpath(cwd), "var", "centrallog.db")
    eq(run(["-o", "csv"], None, ENV, cwd=cwd),
       (1, b"", "centrallog query: refusing to read %s (the default, ./var/centrallog.db, under "
        "the current directory): ./var/centrallog.db is not a regular file; to read it all the "
        "same, name it: --db %s\n" % (path, path)), "the file a FIFO")

    refused(workdir("group-writable-dir", dir_mode=0o770),
            "./var may be written by others than its owner (mode 0770), so any of them could "
            "have put a database there", "./var writable by its group")
    refused(workdir("world-writable-file", file_mode=0o666),
            "./var/centrallog.db may be written by others than its owner (mode 0666), so any of "
            "them could have written anything in it", "the file writable by everybody")


def test_refused_owner():
    cltest.need_root("chown the planted files to another user")
    name = pwd.getpwuid(NOBODY).pw_name
    cwd = workdir("planted-file")
    os.chown(os.path.join(cwd, "var", "centrallog.db"), NOBODY, NOBODY)
    refused(cwd, "./var/centrallog.db belongs to uid %d (%s), not to you or root, so its owner "
            "could have written anything in it" % (NOBODY, name), "the file another user's")
    cwd = workdir("planted-dir")
    os.chown(os.path.join(cwd, "var"), NOBODY, NOBODY)
    refused(cwd, "./var belongs to uid %d (%s), not to you or root, so its owner could have "
            "written anything in it" % (NOBODY, name), "./var another user's")
    # $SUDO_UID names whom root trusts besides itself, no one else.
    cwd = workdir("sudo-other", owner=NOBODY)
    path = os.path.join(os.path.realpath(cwd), "var", "centrallog.db")
    env = dict(ENV, SUDO_UID="1234")
    eq(run(["-o", "csv"], None, env, cwd=cwd),
       (1, b"", "centrallog query: refusing to read %s (the default, ./var/centrallog.db, under "
        "the current directory): ./var belongs to uid %d (%s), not to you or root, so its owner "
        "could have written anything in it; to read it all the same, name it: --db %s\n"
        % (path, NOBODY, name, path)), "root under sudo by another user")


def test_silent_collector():
    """A collector that takes the connection but does not answer within
    0.5 s (stopped, overloaded): the defaults are read, as before, but a
    note says why they and not its database - they may be stale; -q hides
    it. (It used to be silent, and an error that followed named only
    ./var.)"""
    sockdir = os.path.join(TMP, "silent-sock")
    os.mkdir(sockdir, 0o700)
    sock = os.path.join(sockdir, "centrallog.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock)
    srv.listen(16)
    held = []

    def hold():
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:
                return
    threading.Thread(target=hold, daemon=True).start()
    try:
        cwd = workdir("silent")
        env = {"CENTRALLOG_ADDRESS": sock}
        eq(run(["-o", "csv"], None, env, cwd=cwd),
           (0, EXPECTED, "centrallog: note: the collector at %s did not tell its database within "
            "0.5 s; reading ./var/centrallog.db (from default)\n" % sock), "the note")
        eq(run(["-o", "csv", "-q"], None, env, cwd=cwd), (0, EXPECTED, ""), "-q: no note")
        eq(run(["-o", "csv", "--db", os.path.join(cwd, "var", "centrallog.db")], None, env,
               cwd=cwd), (0, EXPECTED, ""), "--db: the collector is not asked")
    finally:
        srv.shutdown(socket.SHUT_RDWR)
        srv.close()
        for c in held:
            c.close()


TESTS = [test_trusted, test_refused_modes_and_links, test_refused_owner, test_silent_collector]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_default_db", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
