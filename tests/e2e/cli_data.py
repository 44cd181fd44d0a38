"""cli_data.py - shared by the end-to-end tests of the `centrallog` reading
commands (test_query.py, test_cli_follow.py, test_cli_stats.py, test_cli_status.py).

* run(): the CLI binary with a controlled environment (TZ=UTC, C.UTF-8, no
  NO_COLOR, no CENTRALLOG_* from the caller).
* golden(): compares stdout byte for byte with tests/golden/<name>.out;
  CL_UPDATE_GOLDEN=1 rewrites the file instead (inspect the diff before
  committing it).
* build_known_db(): a database of known content made by a real centrallogd.
* use_windows_cli(): the same tests with centrallog.exe under Wine
  (tests/win/test_wine_cli.py), on the same databases.

The collector stamps every row with the time it read it and the sender's
kernel credentials, which differ on every run. build_known_db() therefore
copies the database and pins exactly those columns in the copy (received =
ts + 1 ms, rejects one second apart, peer 4242/1000/1000) so that goldens can
be byte-exact; everything else is what the collector stored.
"""

import difflib
import os
import shutil
import signal
import sqlite3
import subprocess
import time

import cltest
from cltest import check, eq
from cltest.db import partitions

BIN = os.environ.get("CL_BIN_DIR", os.path.join(cltest.REPO, "build", "bin"))
CLI = os.path.join(BIN, "centrallog")
GOLDEN = os.path.join(cltest.REPO, "tests", "golden")
NO_RATE_LIMIT = getattr(cltest, "NO_RATE_LIMIT", ())

US = 1000000

# Set by use_windows_cli(): what runs the CLI, and TZ values as the Windows C
# runtime spells them (it reads "IST-5:30" but not the quoted "<+0530>-5:30").
WRAPPER = []
TZ_MAP = {}
WINDOWS = False


def use_windows_cli(exe, wine):
    global CLI, WRAPPER, TZ_MAP, WINDOWS
    CLI, WRAPPER, WINDOWS = exe, [wine], True
    TZ_MAP = {"<+0530>-5:30": "IST-5:30"}


def cli_env(db=None, env=None):
    full = {"TZ": "UTC", "LC_ALL": "C.UTF-8", "NO_COLOR": None, "CENTRALLOG_DB": db,
            "CENTRALLOG_ADDRESS": None, "CENTRALLOG_DATA_DIR": None, "TERM": "dumb"}
    full.update(env or {})
    full["TZ"] = TZ_MAP.get(full["TZ"], full["TZ"])
    return cltest.merge_env(full)


def run(args, db=None, env=None, timeout=60, cwd=None, **kw):
    """Runs centrallog; returns (returncode, stdout bytes, stderr str)."""
    p = subprocess.run(WRAPPER + [CLI] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=cli_env(db, env), timeout=timeout, cwd=cwd, **kw)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def run_ok(args, db=None, env=None, **kw):
    rc, out, err = run(args, db, env, **kw)
    check(rc == 0 and err == "", "centrallog %s: exit %d" % (" ".join(args), rc), err, out[:2000])
    return out


def golden(name, args, db, env=None):
    """Asserts that `centrallog ARGS` prints exactly tests/golden/NAME.out."""
    out = run_ok(args, db, env)
    path = os.path.join(GOLDEN, name + ".out")
    if os.environ.get("CL_UPDATE_GOLDEN"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(out)
        return out
    if not os.path.exists(path):
        raise AssertionError("no golden file %s (run with CL_UPDATE_GOLDEN=1 to create it)"
                             % path)
    with open(path, "rb") as f:
        want = f.read()
    if out != want:
        diff = "".join(difflib.unified_diff(
            want.decode("utf-8", "replace").splitlines(True),
            out.decode("utf-8", "replace").splitlines(True),
            "golden/" + name + ".out", "centrallog " + " ".join(args)))
        raise AssertionError("output differs from %s:\n%s" % (path, diff[:6000]))
    return out


def usage_error(args, message, db=None, env=None, code=2):
    """Asserts exit code and the exact one-line message on stderr, nothing on stdout."""
    rc, out, err = run(args, db, env)
    eq(err, message + "\n", "stderr of centrallog %s" % " ".join(args))
    eq(rc, code, "exit status of centrallog %s" % " ".join(args))
    eq(out, b"", "stdout of centrallog %s" % " ".join(args))


# ---------------------------------------------------------------- known content

def E(ts, app, level, host, msg, pid=None, **kw):
    d = {"ts": ts, "app": app, "level": level, "host": host, "msg": msg}
    if pid is not None:
        d["pid"] = pid
    d.update(kw)
    return d


# Sent in this order (ids follow it); times are deliberately not in order.
ENTRIES = [
    E("2026-11-27T10:00:00Z", "billing", "info", "web-01", "payment accepted", 4242,
      fields={"order": 81723, "amount": "12.50"}),
    E("2026-11-27T10:00:01.5Z", "billing", "error", "web-01", "payment declined: card expired",
      4242, fields={"order": 81724, "retry": False}),
    E("2026-11-27T10:00:02.25Z", "web-1", "warning", "web-01", "slow request took 2.5s", 11,
      fields={"http": {"status": 200, "path": "/api/orders"}}),
    E("2026-11-27T10:01:00Z", "web-2", "error", "web-02", "Connection timeout to db-01 after 30s",
      12, fields={"http": {"status": 504}}),
    E("2026-11-27T10:02:00Z", "web-2", "notice", "web-02", "connection restored", 12),
    E("2026-11-27T10:03:00Z", "auth", "critical", "web-01",
      'too many failed logins for user "bob"', 20, fields={"user": "bob", "attempts": 17}),
    E("2026-11-27T10:04:00Z", "auth", "debug", "web-01", "token refreshed, expires in 3600s", 20,
      logger="auth.tokens", trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
      span_id="00f067aa0ba902b7", tid=21),
    E("2026-11-27T10:05:00Z", "Web-3", "info", "web-02", "caf\u00e9 cr\u00e8me served, "
      "na\u00efve fa\u00e7ade", 13),
    E("2026-11-27T10:06:00Z", "web-1", "trace", "web-01", "entering handler", 11, tid=77),
    E("2026-11-27T10:07:00Z", "evil", "warning", "web-02",
      "\u001b[2J\u001b[31mPWNED\u001b[0m\r\nfake line\tand \u009b31m C1, \u202eevil bidi \\ "
      "backslash \u2028 sep", 66, fields={"note": "\u001b]0;title\u0007", "del": "\u007f"}),
    E("2026-11-27T10:08:00Z", "billing", "alert", "web-01", "ledger out of balance, by 0.01",
      4242, fields={"big": 18446744073709551615, "ratio": 1.5e-7}),
    E("2026-11-27T10:09:00Z", "cron", "emergency", "db-01", "disk full on /var", 100,
      unknown_key={"x": [1, 2]}),
    E(1795779000.5, "web-1", "info", "web-01", "request handled", 11,
      fields={"http": {"status": 200}}),                      # 2026-11-27T11:30:00.5Z
    E("2026-11-28T00:15:00+01:00", "cron", "info", "db-01", "nightly backup finished"),  # no pid
    E("2026-11-27T09:58:00.000001Z", "cron", "info", "db-01", "nightly backup started", 100),
    E("2026-11-27T10:00:00Z", "web-2", "info", "web-02", "Disk check ok, 17 disks", 12),
]

# Refused lines: (connection group, bytes). Group 1 closes mid-line.
REJECTS = [
    (0, b"not json at all\n"),
    (0, b'{"app":"x","level":"loud","msg":"m"}\n'),
    (0, b'{"app":"x","level":"info","msg":"\xff\xfe"}\n'),
    (0, b'{"app":"x","level":"info","msg":"\x1b[31mred"}\n'),
    (0, b'{"app":"","level":"info","msg":"empty app, with comma"}\n'),
    (1, b'{"app":"x","level":"info","msg":"cut'),
]

PEER = (4242, 1000, 1000)
REJECT_T0 = 1795773600 * US  # 2026-11-27T10:00:00Z


def send_known(c):
    with c.connect() as k:
        k.send([cltest.line(e) for e in ENTRIES] + [raw for g, raw in REJECTS if g == 0])
        ack = k.sync()
    eq((ack["accepted"], ack["rejected"]), (len(ENTRIES), 5), "accepted/rejected of the known data")
    with c.connect() as k:
        k.send(b"".join(raw for g, raw in REJECTS if g == 1))
        k.shut_wr()
        k.read_eof()
    # The truncated line is recorded when the collector sees the close.
    deadline = time.monotonic() + 10
    while c.scalar("SELECT count(*) FROM rejects") < len(REJECTS):
        check(time.monotonic() < deadline, "the truncated line was not recorded")
        time.sleep(0.05)


def build_known_db(dest_dir):
    """Runs a collector, sends ENTRIES and REJECTS, stops it; returns
    (raw, pinned): the collector's live partition as it left it (one file
    with every row: the data is far below a rotation), and a copy with
    received and peer columns pinned (see the module doc), indexed as a
    closed partition is."""
    with cltest.Collector(*NO_RATE_LIMIT, *getattr(cltest, "ANY_TS", ())) as c:
        send_known(c)
        c.stop()
        raw = os.path.join(dest_dir, "raw.db")
        # The rows are in the live partition the catalog lists (one: the
        # data is far below --db-rotate-size); the CLI reads such a file
        # given directly as a set of one partition.
        parts = partitions(c.db)
        eq([p["state"] for p in parts], ["live"], "the known data in one live partition")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(parts[0]["abspath"] + suffix):
                shutil.copy(parts[0]["abspath"] + suffix, raw + suffix)
    pinned = os.path.join(dest_dir, "known.db")
    shutil.copy(raw, pinned)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(raw + suffix):
            shutil.copy(raw + suffix, pinned + suffix)
    con = sqlite3.connect(pinned, isolation_level=None)
    con.execute("UPDATE entries SET received = ts + 1000, peer_pid = ?, peer_uid = ?, "
                "peer_gid = ?", PEER)
    con.execute("UPDATE rejects SET received = ? + (id - 1) * ?, peer_pid = ?, peer_uid = ?, "
                "peer_gid = ?", (REJECT_T0, US) + PEER)
    # The indexes and the full-text index of a closed partition.
    with open(os.path.join(cltest.REPO, "schema", "sealed.sql")) as f:
        con.executescript(f.read())
    set_fts(con, None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return raw, pinned


def set_fts(con, upto):
    """Indexes entries with id <= upto (None: all) and records it in meta,
    as the collector's background indexer would have left it."""
    con.execute("INSERT INTO entries_fts (entries_fts) VALUES ('delete-all')")
    if upto is None:
        upto = con.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0]
    con.execute("INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries WHERE id <= ?",
                (upto,))
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_indexed_upto', ?)", (upto,))


def variant(src, dest, upto):
    """A copy of src whose full-text index covers ids <= upto."""
    shutil.copy(src, dest)
    con = sqlite3.connect(dest, isolation_level=None)
    set_fts(con, upto)
    con.close()
    return dest


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Follower:
    """A `centrallog tail`/`query -f` process whose stdout lines are read
    with a deadline."""

    def __init__(self, args, db, env=None):
        import selectors
        self.p = subprocess.Popen([CLI] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=cli_env(db, env))
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.buf = b""

    def line(self, timeout=10.0):
        """The next line (str, without newline); raises after timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                raise AssertionError("no line from the follower within %.1fs (buffered %r)"
                                     % (timeout, self.buf[-300:]))
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("the follower exited (%s): %s" % (
                    self.p.wait(), self.p.stderr.read().decode("utf-8", "replace")))
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode("utf-8")

    def until(self, data, timeout=10.0):
        """Reads until data (bytes) has been printed; it stays buffered."""
        deadline = time.monotonic() + timeout
        while data not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                raise AssertionError("%r not printed within %.1fs (buffered %r)"
                                     % (data, timeout, self.buf[-300:]))
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("the follower exited (%s)" % self.p.wait())
            self.buf += chunk

    def lines(self, n, timeout=10.0):
        return [self.line(timeout) for _ in range(n)]

    def quiet(self, seconds):
        """Asserts that nothing more is printed for a while."""
        if b"\n" in self.buf:
            raise AssertionError("unexpected output: %r" % self.buf)
        if self.sel.select(seconds):
            chunk = os.read(self.p.stdout.fileno(), 65536)
            raise AssertionError("unexpected output: %r" % (self.buf + chunk))

    def stop(self, sig=signal.SIGINT, timeout=5.0):
        """Signals it; returns (exit status, rest of stdout, stderr, seconds)."""
        t0 = time.monotonic()
        self.p.send_signal(sig)
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.communicate()
            raise AssertionError("the follower did not exit within %.0fs of signal %d"
                                 % (timeout, sig))
        return (self.p.returncode, self.buf + out, err.decode("utf-8", "replace"),
                time.monotonic() - t0)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.communicate()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
