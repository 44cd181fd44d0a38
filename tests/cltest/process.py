"""Collector processes: the binary, a collector on a fresh temporary
directory and address (Collector), one-shot runs (run_daemon), and producer
processes that run a test module's function (spawn, collect)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .db import Database
from .textlog import parse_text_line, read_file_maybe_gz, strip_text_mark
from .check import check, eq, wait_for
from .transport import UnixSocket

PKG = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(PKG)
E2E = os.path.join(TESTS, "e2e")
REPO = os.path.dirname(TESTS)


def daemon_path():
    p = os.environ.get("CENTRALLOGD")
    if not p:
        p = os.path.join(os.environ.get("CL_BIN_DIR", os.path.join(REPO, "build", "bin")),
                         "centrallogd")
    if not os.access(p, os.X_OK):
        raise RuntimeError("centrallogd not found at %r; set CENTRALLOGD" % p)
    return p


def merge_env(env):
    """os.environ plus env; a value of None removes the variable."""
    full = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    return full


def run_daemon(args, env=None, timeout=30.0, cwd=None):
    """Runs centrallogd to completion (for options that make it exit).
    Returns (returncode, stdout, stderr) as text."""
    full_env = merge_env(env)
    p = subprocess.Popen([daemon_path()] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=full_env, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("centrallogd %s did not exit within %.0fs; stderr: %s"
                             % (" ".join(args), timeout, err.decode("utf-8", "replace")))
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


# Flags for tests that send far more than a rate-limit burst (10,000 entries
# per 30 s) from one app and process on purpose: floods, backpressure, loss
# accounting. Rate limiting itself is tested in test_ratelimit.py.
NO_RATE_LIMIT = ("--rate-limit-burst", "0")

# Flags for tests whose entries claim fixed times (2026-11-27, 2024-02-29) on
# purpose, to be stored as those times whatever today's date: the collector
# otherwise takes a claim older than --max-ts-age (7 days) as arrival time.
# The window itself is tested in test_timestamps.py.
ANY_TS = ("--max-ts-age", "off", "--max-ts-ahead", "off")


def valgrind_prefix():
    """With CL_VALGRIND=1 in the environment, every collector a test starts runs
    under valgrind memcheck; any error or leak makes it exit 99 instead of 0,
    which Collector.stop() reports. See the test-valgrind target."""
    if not os.environ.get("CL_VALGRIND"):
        return []
    return ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible", "--show-leak-kinds=definite,indirect,possible",
            "--track-fds=no", "--num-callers=30"]


def strace_prefix(*options):
    """A Collector.wrapper running the collector under strace with these -e
    options (e.g. "inject=bind:delay_enter=1000000:when=2"), to make a moment
    of its start-up long enough to act in, every time. The Collector then
    signals and kills the collector itself, not strace. LeakSanitizer cannot
    run under ptrace: a sanitizer build's leak check is off there (every
    other test keeps it)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    a = ["strace", "-f", "-qq", "-o", os.devnull,
         "-E", "ASAN_OPTIONS=" + (asan + ":" if asan else "") + "detect_leaks=0"]
    for o in options:
        a += ["-e", o]
    return a


def scale(n, small):
    """n normally; small when the collector runs under valgrind (20-50x slower)."""
    return small if os.environ.get("CL_VALGRIND") else n


def make_tempdir(prefix="cl-e2e-"):
    # Short, under /tmp: Unix socket paths are limited to 107 bytes.
    return tempfile.mkdtemp(prefix=prefix, dir="/tmp")


def wait_accepting(proc, transport, timeout, stderr=lambda: "", name="centrallogd"):
    """Waits until the collector process proc accepts on transport; raises
    (with its stderr) if it exits first or does not answer within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        rc = proc.poll()
        if rc is not None:
            raise AssertionError("%s exited with %d during start-up; stderr:\n%s"
                                 % (name, rc, stderr()))
        if transport.probe():
            return
        if time.monotonic() > deadline:
            raise AssertionError("%s did not accept on %s within %.0fs; stderr:\n%s"
                                 % (name, transport, timeout, stderr()))
        time.sleep(transport.poll_interval)


class Collector:
    """A centrallogd on a fresh temporary directory and socket.

        with Collector("--rotate-size", "1M") as c:
            with c.connect() as k:
                k.send(entry("hi")); k.sync()
            c.stop()            # SIGTERM, asserts exit status 0

    On any exception the process is killed; the directory is always removed
    (set CL_E2E_KEEP=1 to keep it for a post-mortem).

    Subclasses change how it is reached (transport()), how it is started
    (command()) and stopped (stop_signal): cltest.wine.WineCollector."""

    name = "centrallogd"
    stop_signal = signal.SIGTERM
    tmp_prefix = "cl-e2e-"

    def __init__(self, *flags, address=None, env=None, pass_address=True, start=True,
                 data_dir=None, pass_data_dir=True, cwd=None, ready_timeout=15.0, user=None):
        self.tmp = make_tempdir(self.tmp_prefix)
        self.dir = data_dir or self.default_data_dir()
        self.sock = address or os.path.join(self.tmp, "c.sock")
        # A socket directory the collector makes (/run/centrallog for a
        # system address) is removed again at cleanup with the socket's
        # lock file, if nothing else is left in it.
        sockdir = os.path.dirname(self.sock)
        self._made_sockdir = None if os.path.isdir(sockdir) else sockdir
        self.db = os.path.join(self.dir, "centrallog.db")
        self.log = os.path.join(self.dir, "centrallog.log")
        self.flags = list(flags)
        self.env = env
        self.pass_address = pass_address
        self.pass_data_dir = pass_data_dir
        self.cwd = cwd
        self.proc = None
        self._err = None
        self.returncode = None
        self.stderr_path = os.path.join(self.tmp, "stderr.txt")
        self.ready_timeout = ready_timeout
        # Run the collector as another user (root only): {"user": uid, "group": gid}.
        self.user = user
        self.wrapper = valgrind_prefix()
        if self.wrapper:
            self.ready_timeout = max(ready_timeout, 120.0)
        if start:
            try:
                self.start()
            except BaseException:
                self.cleanup()
                raise

    def default_data_dir(self):
        return os.path.join(self.tmp, "data")

    def transport(self):
        return UnixSocket(self.sock)

    def command(self):
        return self.wrapper + [daemon_path()]

    def argv(self):
        a = self.command()
        if self.pass_data_dir:
            a += ["--data-dir", self.dir]
        if self.pass_address:
            a += self.transport().flags()
        # The default --keep-free is a share of the machine's free space:
        # a test must not depend on how full the disk it runs on is
        # (tests/e2e/test_retention.py tests the limits themselves).
        if not any(f in ("--keep-free", "--config") or str(f).startswith("--keep-free=")
                   for f in self.flags):
            a += ["--keep-free", "off"]
        return a + self.flags

    def start(self):
        full_env = merge_env(self.env)
        if getattr(self, "_err", None):
            self._err.close()
        self._err = open(self.stderr_path, "ab")
        kw = {}
        if self.user is not None:
            kw = {"user": self.user["user"], "group": self.user["group"], "extra_groups": []}
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._err, env=full_env,
                                     cwd=self.cwd, **kw)
        self.wait_ready(self.ready_timeout)

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_ready(self, timeout):
        wait_accepting(self.proc, self.transport(), timeout, self.stderr, self.name)

    def connect(self, timeout=60.0):
        return self.transport().connect(timeout)

    def stats(self):
        with self.connect() as k:
            return k.stats()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def traced_pid(self):
        """Under strace (strace_prefix): the collector's pid, strace's one
        child; None otherwise or once it is gone."""
        if self.wrapper[:1] != ["strace"] or self.proc is None:
            return None
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                kids = [int(p) for p in f.read().split()]
        except OSError:
            return None
        return kids[0] if len(kids) == 1 else None

    def send_signal(self, sig=None):
        sig = self.stop_signal if sig is None else sig
        pid = self.traced_pid()
        if pid is not None:
            os.kill(pid, sig)
        else:
            self.proc.send_signal(sig)

    def wait(self, timeout=90.0):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit within %.0fs; stderr:\n%s"
                                 % (self.name, timeout, self.stderr()))
        return self.returncode

    def stop(self, sig=None, timeout=90.0):
        """Signals the collector and asserts it exits 0."""
        if self.proc.poll() is None:
            self.send_signal(sig)
        rc = self.wait(timeout)
        if rc != 0:
            raise AssertionError("%s exited with %d, expected 0; stderr:\n%s"
                                 % (self.name, rc, self.stderr()))
        return rc

    # -- reading the sinks

    def database(self):
        return Database(self.db)

    def query(self, sql, params=()):
        """Rows of a read-only query (TEXT as str)."""
        return self.database().query(sql, params)

    def query_raw(self, sql, params=()):
        """Like query() but leaves TEXT/BLOB values as bytes."""
        return self.database().query_raw(sql, params)

    def scalar(self, sql, params=()):
        return self.database().scalar(sql, params)

    def msgs(self, where="", params=()):
        """Every entries.msg in id order, as str."""
        return self.database().msgs(where, params)

    def rejects(self):
        """[(reason, raw bytes, raw_len, message)] in id order."""
        return self.database().rejects()

    def compressing(self):
        """Whether rotated text files are gzipped (the default; --no-compress
        or --compress=0/off turn it off)."""
        f = self.flags
        off = ("--no-compress", "--compress=0", "--compress=off")
        return not any(x in off or (x == "--compress" and i + 1 < len(f) and f[i + 1] in
                                    ("0", "off")) for i, x in enumerate(f))

    def rotated_pending(self):
        """Rotated text files not yet gzipped (plain .N), and the compressor's
        temporary file if there is one."""
        base = os.path.basename(self.log)
        d = os.path.dirname(self.log)
        out = []
        for name in os.listdir(d):
            suffix = name[len(base) + 1:] if name.startswith(base + ".") else ""
            if suffix.isdigit() or suffix == "gz.tmp":
                out.append(name)
        return sorted(out)

    def wait_compressed(self, timeout=30.0):
        """Waits until the background compressor has gzipped every rotated file."""
        wait_for(lambda: not self.rotated_pending(), "rotated text files gzipped (left: %r)"
                 % (self.rotated_pending(),), timeout=timeout)

    def text_files(self):
        """Text log files oldest first: centrallog.log.N[.gz] ... .1[.gz],
        centrallog.log. With compression on, first waits until every rotated
        file is gzipped, so that the list stays true while it is read. A
        stopped collector compresses nothing more: a file it rotated and had
        not yet gzipped stays plain until the next start (DESIGN.md), and is
        read so."""
        if self.compressing() and self.proc is not None and self.proc.poll() is None:
            self.wait_compressed()
        base = os.path.basename(self.log)
        d = os.path.dirname(self.log)
        nums = {}
        for name in os.listdir(d):
            if name.startswith(base + "."):
                suffix = name[len(base) + 1:]
                gz = suffix.endswith(".gz")
                if gz:
                    suffix = suffix[:-3]
                if suffix.isdigit():
                    check(int(suffix) not in nums, "slot %s both plain and gzipped" % suffix)
                    nums[int(suffix)] = name
        eq(sorted(nums), list(range(1, len(nums) + 1)), "rotated text file numbers (no gaps)")
        files = [os.path.join(d, nums[n]) for n in sorted(nums, reverse=True)]
        if os.path.exists(self.log):
            files.append(self.log)
        return files

    def text_lines(self):
        """All entry lines (str, without '\\n') across the rotated files, in
        order (gzipped ones decompressed). Asserts every file starts with the
        collector's marker line (left out here) and holds only complete UTF-8
        lines."""
        out = []
        for path in self.text_files():
            data = read_file_maybe_gz(path)
            if data:
                check(data.endswith(b"\n"), "%s does not end with a complete line; tail: %r"
                      % (path, data[-200:]))
                data = strip_text_mark(data, path)
            for raw in data.split(b"\n")[:-1] if data else []:
                try:
                    out.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    raise AssertionError("%s holds a line that is not UTF-8: %r" % (path, raw))
        return out

    def text_msgs(self):
        return [parse_text_line(ln)["msg"] for ln in self.text_lines()]

    # -- lifetime

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            pid = self.traced_pid()
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def cleanup(self):
        self.kill()
        if getattr(self, "_err", None):
            self._err.close()
        if os.environ.get("CL_E2E_KEEP"):
            sys.stderr.write("keeping %s\n" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if self._made_sockdir:
            try:  # the lock file stays by design (flock; unlinking it races)
                os.unlink(self.sock + ".lock")
                os.rmdir(self._made_sockdir)
            except OSError:
                pass  # not empty: not ours alone

    def __enter__(self):
        return self

    def __exit__(self, etype, e, tb):
        if etype is not None and self.proc is not None:
            sys.stderr.write("--- %s stderr (%s) ---\n%s\n" % (self.name, self.sock,
                                                              self.stderr()))
        self.cleanup()


# ---------------------------------------------------------------- producers

_CHILD = ("import sys, json; sys.path.insert(0, sys.argv[1]); import importlib; "
          "m = importlib.import_module(sys.argv[2]); "
          "r = getattr(m, sys.argv[3])(*json.loads(sys.argv[4])); "
          "sys.stdout.write('\\nRESULT ' + json.dumps(r) + '\\n')")


def spawn(module_file, func, *args):
    """Starts func(*args) from module_file in a new Python process."""
    d, name = os.path.split(os.path.abspath(module_file))
    mod = os.path.splitext(name)[0]
    return subprocess.Popen([sys.executable, "-c", _CHILD, d, mod, func, json.dumps(args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=E2E, PYTHONDONTWRITEBYTECODE="1"))


def collect(procs, timeout=120.0):
    """Waits for spawned producers; returns their results in order.
    Kills the rest and raises if any fails or runs out of time."""
    deadline = time.monotonic() + timeout
    results = []
    try:
        for i, p in enumerate(procs):
            left = max(0.1, deadline - time.monotonic())
            try:
                out, err = p.communicate(timeout=left)
            except subprocess.TimeoutExpired:
                raise AssertionError("producer %d did not finish within %.0fs" % (i, timeout))
            out = out.decode("utf-8", "replace")
            err = err.decode("utf-8", "replace")
            res = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
            if p.returncode != 0 or not res:
                raise AssertionError("producer %d failed (exit %d):\n%s%s"
                                     % (i, p.returncode, out[-2000:], err[-4000:]))
            results.append(json.loads(res[-1][len("RESULT "):]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return results


def kill_all(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
