"""The Windows build under Wine: running its programs, a collector on a
named pipe (WineCollector, reached through WinePipe) and the suite runner
that keeps one wineserver for a whole run.

The binaries run with a prefix of their own inside the build tree
($CL_WIN_BIN/../wineprefix unless WINEPREFIX is set). What they write is read
with the native Linux sqlite3 module - the same file, as a Linux CLI reads it."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .check import check
from .process import Collector
from .runner import run as run_tests

BIN = os.path.abspath(os.environ.get("CL_WIN_BIN", "build-win/bin"))
PREFIX = os.path.abspath(os.environ.get("WINEPREFIX", os.path.join(BIN, "..", "wineprefix")))
ENV = dict(os.environ, WINEPREFIX=PREFIX, WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
# wine without address-space randomization (see the script for why).
WINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wine-noaslr")


def wine(exe, *args):
    """The command line that runs $CL_WIN_BIN/exe under Wine."""
    return [WINE, os.path.join(BIN, exe)] + [str(a) for a in args]


def run(exe, *args, timeout=120, env=None):
    """Runs exe to completion; (returncode, stdout, stderr) as text.

    The output goes to files, read once the process has exited: a Wine
    process that happens to be the first after a wineserver start hands its
    standard handles to the server and the services it starts, so a pipe
    would reach end-of-file only when they exit, long after the program
    (see start_wineserver, which makes that not happen)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(wine(exe, *args), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             env=dict(ENV, **(env or {})))
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise
        out.seek(0)
        err.seek(0)
        return rc, out.read().decode(errors="replace"), err.read().decode(errors="replace")


def winpath(p):
    """A Linux path as a Windows program names it (Wine maps Z: to /)."""
    return "Z:" + p.replace("/", "\\")


SID_RE = re.compile(r"^S-1-5-\d+(-\d+)*$")


def own_sid():
    """The user SID of a client process, as it reads its own process token
    (pipe_client --sid): what the collector must store as peer_sid."""
    rc, out, err = run("pipe_client.exe", "--sid", timeout=60)
    sid = out.strip()
    check(rc == 0 and SID_RE.match(sid), "pipe_client --sid", rc, out, err)
    return sid


class WinePipe:
    """A collector's named pipe inside Wine. Only Windows programs can open
    it: a collector accepts when pipe_client.exe can connect (and send no
    entries); tests send through pipe_client.exe, sdk_load.exe or the CLI."""

    poll_interval = 0.2

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    def flags(self):
        return ["--address", self.name]

    def probe(self):
        rc, out, err = run("pipe_client.exe", self.name, 0, timeout=30)
        return rc == 0

    def connect(self, timeout=60.0):
        raise NotImplementedError("a Linux process cannot open a pipe inside Wine; "
                                  "send with pipe_client.exe")


class WineCollector(Collector):
    """centrallogd.exe on the pipe named pipe, with its data directory the
    fresh temporary directory itself (c.tmp == c.dir). Stopped with Ctrl-C:
    Wine turns SIGINT into CTRL_C_EVENT for the console process."""

    name = "centrallogd.exe"
    stop_signal = signal.SIGINT
    tmp_prefix = "cl-wine-"

    def __init__(self, pipe, *flags, prefix="cl-wine-", **kw):
        self.tmp_prefix = prefix
        self.pipe = pipe
        kw.setdefault("ready_timeout", 90.0)
        super().__init__(*flags, address=pipe, env=ENV, **kw)

    def default_data_dir(self):
        return self.tmp

    def transport(self):
        return WinePipe(self.pipe)

    def command(self):
        return wine("centrallogd.exe")

    def stop(self, sig=None, timeout=60.0):
        return super().stop(sig, timeout)

    def rows(self, sql):
        return self.query(sql)


def server_is_persistent():
    """Is the wineserver of our prefix one that stays when its last program
    exits (started with -p)? None when none runs. A server works in a
    directory server-DEV-INODE named after the prefix directory; Debian's
    wineserver wrapper passes -p0 (not persistent) before our arguments."""
    st = os.stat(PREFIX)
    home = "server-%x-%x" % (st.st_dev, st.st_ino)
    found = None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            if (not os.path.basename(argv[0]).startswith(b"wineserver")
                    or os.path.basename(os.readlink("/proc/%s/cwd" % pid)) != home):
                continue
        except OSError:
            continue  # gone, or not ours to read
        found = found or b"-p" in argv or b"--persistent" in argv
    return found


def start_wineserver(timeout=120.0):
    """One persistent wineserver for the run, started by us with its output
    going nowhere, and Wine's background services (services.exe,
    winedevice, rpcss, explorer) started now by a process of our own whose
    output goes nowhere either.

    Whatever Wine process comes first after a server start starts them, and
    the server and they inherit its standard handles: were that a test's
    captured output, it would reach end-of-file only when they exit (CI: a
    collector's first probe waited 30 s for its own output). `wineserver -p`
    does nothing while a server of the prefix runs, so a transient one
    (wineboot's, or one a program started) is waited out first: it exits
    with its last program."""
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    deadline = time.monotonic() + timeout
    while not server_is_persistent():
        if subprocess.run(["wineserver", "-p"], env=ENV, **quiet).returncode == 0:
            break
        if time.monotonic() > deadline:
            raise AssertionError("a wineserver of %s that is not persistent did not exit within "
                                 "%.0fs; is a Wine program left running? (wineserver -k ends it)"
                                 % (PREFIX, timeout))
        try:
            subprocess.run(["wineserver", "-w"], env=ENV,
                           timeout=max(1.0, deadline - time.monotonic()), **quiet)
        except subprocess.TimeoutExpired:
            pass  # reported above on the next turn
    subprocess.run(wine("centrallog.exe", "--version"), env=ENV, timeout=300, **quiet)


def run_suite(name, tests):
    """Runs the tests (all, or those named in sys.argv) with one wineserver
    for the run, shut down at the end unless CL_WINE_KEEP_SERVER is set (as
    ctest sets it: one process per test, make test-win stops the server
    once); prints `NAME: N passed, M failed, K skipped`; exits 1 on any
    failure."""
    start_wineserver()
    try:
        rc = run_tests(name, tests)
    finally:
        if not os.environ.get("CL_WINE_KEEP_SERVER"):
            subprocess.run(["wineserver", "-k"], env=ENV)
    sys.exit(rc)


if __name__ == "__main__":
    # python3 -m cltest.wine --start-server: what make test-win runs before
    # ctest (the tests share the server; CL_WINE_KEEP_SERVER).
    if sys.argv[1:] != ["--start-server"]:
        sys.exit("usage: python3 -m cltest.wine --start-server")
    start_wineserver()
