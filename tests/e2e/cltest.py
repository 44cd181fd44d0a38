"""cltest.py - shared helpers for the CentralLog end-to-end tests.

Standard library only; run with Debian's /usr/bin/python3. The tests start real
centrallogd processes (path in $CENTRALLOGD) on a fresh temporary directory and
socket each, talk to them over the wire protocol (schema/PROTOCOL.md), and look
at what landed in the SQLite database and the rotating text file.

Producer processes: a test module defines a function and starts it in a
separate OS process with spawn(module_file, "func", args...). The child imports
the module (whose tests only run under `if __name__ == "__main__"`), calls the
function and prints its JSON-able return value as the last stdout line.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def daemon_path():
    p = os.environ.get("CENTRALLOGD")
    if not p:
        p = os.path.join(os.environ.get("CL_BIN_DIR", os.path.join(REPO, "build", "bin")),
                         "centrallogd")
    if not os.access(p, os.X_OK):
        raise RuntimeError("centrallogd not found at %r; set CENTRALLOGD" % p)
    return p


# ---------------------------------------------------------------- assertions

def _short(v, limit=600):
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "... (%d chars)" % len(r)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %s, got %s" % (what, _short(expected), _short(actual)))


def check(cond, what, *details):
    if not cond:
        raise AssertionError(what + "".join("\n  " + _short(d, 2000) for d in details))


def wait_for(pred, what, timeout=30.0, interval=0.02):
    """Polls pred() until it returns something true (returned) or times out."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        check(time.monotonic() < deadline, "timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def diff_sets(actual, expected, what):
    """Asserts equality of two collections of strings, showing a sample of the difference."""
    a, e = set(actual), set(expected)
    if a != e:
        missing = sorted(e - a)
        extra = sorted(a - e)
        raise AssertionError("%s: %d missing (e.g. %s), %d unexpected (e.g. %s)"
                             % (what, len(missing), _short(missing[:5]), len(extra),
                                _short(extra[:5])))


def sha256_sorted(msgs):
    h = hashlib.sha256()
    for m in sorted(msgs):
        h.update(m.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


# ---------------------------------------------------------------- wire

def line(obj):
    """One protocol line (bytes) for a dict, compact, UTF-8, newline-terminated."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def entry(msg, app="e2e", level="info", **kw):
    d = {"app": app, "level": level, "msg": msg}
    d.update(kw)
    return d


class Conn:
    """One producer connection."""

    def __init__(self, path, timeout=60.0):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def send(self, data):
        if isinstance(data, dict):
            data = line(data)
        elif isinstance(data, str):
            data = data.encode("utf-8")
        elif isinstance(data, (list, tuple)):
            data = b"".join(line(d) if isinstance(d, dict) else d for d in data)
        self.sock.sendall(data)

    def read_reply(self, timeout=60.0):
        """Next reply line as a dict; raises on timeout or end of stream."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no reply within %.0fs (buffered: %r)" % (timeout, self.buf))
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed while waiting for a reply "
                                     "(buffered: %r)" % self.buf)
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(ln.decode("utf-8"))
        except ValueError:
            raise AssertionError("reply is not JSON: %r" % ln)

    def request(self, obj, timeout=60.0):
        self.send(obj)
        return self.read_reply(timeout)

    def sync(self, id=1, timeout=60.0):
        ack = self.request({"op": "sync", "id": id}, timeout)
        eq(ack.get("op"), "ack", "reply to sync %r (%r)" % (id, ack))
        eq(ack.get("id"), id, "ack id")
        return ack

    def stats(self, timeout=60.0):
        st = self.request({"op": "stats"}, timeout)
        eq(st.get("op"), "stats", "reply to stats (%r)" % st)
        return st

    def shut_wr(self):
        self.sock.shutdown(socket.SHUT_WR)

    def read_eof(self, timeout=30.0):
        """Reads until the collector closes; returns the bytes left over."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("collector did not close the connection within %.0fs"
                                     % timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                return self.buf
            self.buf += chunk

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- text file

_TEXT_RE = re.compile(
    r"^(\S+) (\S+) (\[[^\s\[\]]+\]|[^\s\[\]]+)(?:\[(\d+)(?:,peer=(\d+))?\])? ([A-Z]+): (.*)$", re.S)

# The first line of every text file the collector creates (PROTOCOL.md).
TEXT_MARKS = (b"# centrallogd text log", b'{"centrallogd":"text log"')


def unescape_text(s):
    """Inverse of the plain text sink's escaping (\\\\ \\n \\r \\t \\xHH \\uHHHH \\UHHHHHHHH)."""
    out = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        d = s[i + 1]
        if d == "\\":
            out.append("\\")
            i += 2
        elif d == "n":
            out.append("\n")
            i += 2
        elif d == "r":
            out.append("\r")
            i += 2
        elif d == "t":
            out.append("\t")
            i += 2
        elif d == "x":
            out.append(chr(int(s[i + 2:i + 4], 16)))
            i += 4
        elif d == "u":
            out.append(chr(int(s[i + 2:i + 6], 16)))
            i += 6
        elif d == "U":
            out.append(chr(int(s[i + 2:i + 10], 16)))
            i += 10
        else:
            raise ValueError("unknown escape \\%s in %r" % (d, s))
    return "".join(out)


def strip_text_mark(data, what="text file"):
    """The bytes of a collector-written text file after its marker line
    (asserted to be there: the collector starts every file it creates so)."""
    if not data:
        return data
    check(data.startswith(TEXT_MARKS), "%s does not start with the marker line: %r"
          % (what, data[:80]))
    return data[data.index(b"\n") + 1:]


def read_text_file(path):
    """A text log file's entry lines as bytes, marker line left out."""
    with open(path, "rb") as f:
        return strip_text_mark(f.read(), path)


def parse_text_line(ln):
    """Splits `TS HOST APP[PID] LEVEL: REST` (REST = msg [ {fields}] [ extra={..}]).
    Returns a dict; 'msg' is the unescaped REST, valid when the entry had no
    fields and no extra keys."""
    m = _TEXT_RE.match(ln)
    if m is None:
        raise AssertionError("text line does not have the format TS HOST APP[PID] LEVEL: MSG: %r"
                             % ln)
    ts, host, app, pid, peer, level, rest = m.groups()
    own = app.startswith("[")
    return {"ts": ts, "host": host, "app": app.strip("[]") if own else unescape_text(app),
            "own": own, "pid": int(pid) if pid else None,
            "peer_pid": int(peer) if peer else None,
            "level": level, "rest": rest, "msg": unescape_text(rest), "raw_app": app}


# ---------------------------------------------------------------- processes

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


def scale(n, small):
    """n normally; small when the collector runs under valgrind (20-50x slower)."""
    return small if os.environ.get("CL_VALGRIND") else n


def make_tempdir(prefix="cl-e2e-"):
    # Short, under /tmp: Unix socket paths are limited to 107 bytes.
    return tempfile.mkdtemp(prefix=prefix, dir="/tmp")


class Collector:
    """A centrallogd on a fresh temporary directory and socket.

        with Collector("--rotate-size", "1M") as c:
            with c.connect() as k:
                k.send(entry("hi")); k.sync()
            c.stop()            # SIGTERM, asserts exit status 0

    On any exception the process is killed; the directory is always removed
    (set CL_E2E_KEEP=1 to keep it for a post-mortem)."""

    def __init__(self, *flags, address=None, env=None, pass_address=True, start=True,
                 data_dir=None, pass_data_dir=True, cwd=None, ready_timeout=15.0, user=None):
        self.tmp = make_tempdir()
        self.dir = data_dir or os.path.join(self.tmp, "data")
        self.sock = address or os.path.join(self.tmp, "c.sock")
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

    def argv(self):
        a = self.wrapper + [daemon_path()]
        if self.pass_data_dir:
            a += ["--data-dir", self.dir]
        if self.pass_address:
            a += ["--address", self.sock]
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
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError("centrallogd exited with %d during start-up; stderr:\n%s"
                                     % (rc, self.stderr()))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock)
                return
            except OSError:
                pass
            finally:
                s.close()
            if time.monotonic() > deadline:
                raise AssertionError("centrallogd did not accept on %s within %.0fs; stderr:\n%s"
                                     % (self.sock, timeout, self.stderr()))
            time.sleep(0.01)

    def connect(self, timeout=60.0):
        return Conn(self.sock, timeout)

    def stats(self):
        with self.connect() as k:
            return k.stats()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait(self, timeout=90.0):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("centrallogd did not exit within %.0fs; stderr:\n%s"
                                 % (timeout, self.stderr()))
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=90.0):
        """Signals the collector and asserts it exits 0."""
        if self.proc.poll() is None:
            self.send_signal(sig)
        rc = self.wait(timeout)
        if rc != 0:
            raise AssertionError("centrallogd exited with %d, expected 0; stderr:\n%s"
                                 % (rc, self.stderr()))
        return rc

    # -- reading the sinks

    def query(self, sql, params=()):
        """Rows of a read-only query (TEXT as str)."""
        if not os.path.exists(self.db):
            raise AssertionError("no database at %s" % self.db)
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def query_raw(self, sql, params=()):
        """Like query() but leaves TEXT/BLOB values as bytes."""
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
        try:
            con.text_factory = bytes
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def scalar(self, sql, params=()):
        return self.query_raw(sql, params)[0][0]

    def msgs(self, where="", params=()):
        """Every entries.msg in id order, as str."""
        return [r[0].decode("utf-8") for r in
                self.query_raw("SELECT msg FROM entries %s ORDER BY id" % where, params)]

    def rejects(self):
        """[(reason, raw bytes, raw_len, message)] in id order."""
        return [(r[0].decode(), bytes(r[1]) if r[1] is not None else None, r[2], r[3].decode())
                for r in self.query_raw(
                    "SELECT reason, raw, raw_len, message FROM rejects ORDER BY id")]

    def text_files(self):
        """Text log files oldest first: centrallog.log.N ... .1, centrallog.log."""
        base = os.path.basename(self.log)
        d = os.path.dirname(self.log)
        nums = []
        for name in os.listdir(d):
            if name.startswith(base + "."):
                suffix = name[len(base) + 1:]
                if suffix.isdigit():
                    nums.append(int(suffix))
        nums.sort()
        eq(nums, list(range(1, len(nums) + 1)), "rotated text file numbers (no gaps)")
        files = [os.path.join(d, "%s.%d" % (base, n)) for n in reversed(nums)]
        if os.path.exists(self.log):
            files.append(self.log)
        return files

    def text_lines(self):
        """All entry lines (str, without '\\n') across the rotated files, in
        order. Asserts every file starts with the collector's marker line
        (left out here) and holds only complete UTF-8 lines."""
        out = []
        for path in self.text_files():
            with open(path, "rb") as f:
                data = f.read()
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

    def __enter__(self):
        return self

    def __exit__(self, etype, e, tb):
        if etype is not None and self.proc is not None:
            sys.stderr.write("--- centrallogd stderr (%s) ---\n%s\n" % (self.sock, self.stderr()))
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
                            env=dict(os.environ, PYTHONPATH=HERE, PYTHONDONTWRITEBYTECODE="1"))


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


# ---------------------------------------------------------------- runner

class Skip(Exception):
    """A test that cannot run here (it says why): reported as skipped, never
    counted as passed."""


def need_root(what):
    """Skips the calling test unless it runs as root (CI does)."""
    if os.geteuid() != 0:
        raise Skip("needs root to " + what)


def main(name, tests):
    """Runs the test functions; prints `e2e NAME: N passed, M failed, K
    skipped`; exits 1 on any failure."""
    passed = failed = skipped = 0
    t_all = time.monotonic()
    only = set(sys.argv[1:])
    for t in tests:
        if only and t.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            t()
        except Skip as why:
            skipped += 1
            print("SKIP %s: %s" % (t.__name__, why), flush=True)
        except Exception:
            failed += 1
            sys.stdout.flush()
            traceback.print_exc()
            sys.stderr.flush()
            print("FAIL %s (%.1fs)" % (t.__name__, time.monotonic() - t0), flush=True)
        else:
            passed += 1
            print("ok   %s (%.1fs)" % (t.__name__, time.monotonic() - t0), flush=True)
    print("(%.1fs)" % (time.monotonic() - t_all))
    print("e2e %s: %d passed, %d failed, %d skipped" % (name, passed, failed, skipped),
          flush=True)
    sys.exit(1 if failed or not (passed or skipped) else 0)
