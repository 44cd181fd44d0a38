"""End-to-end: a hostile text log path cannot stall, cut or hijack anything.

Asserts:
- A FIFO as --log-file, and /dev/stdout, are refused at start with exit 1/2 and a
  message that says why; nothing is written to the FIFO.
- The log swapped for a FIFO (nobody reading) while the collector runs: acks
  keep flowing for 2,000 entries (far more than the 64 KiB a pipe holds), every
  row is committed, log_lost_lines is exactly 2,000 and log_last_error names the
  FIFO; SIGTERM still stops the collector cleanly.
- Files the collector did not create are refused and left byte for byte as
  they were: notes.txt (whose last line has no newline), an SQLite database,
  a symbolic link to a victim's file planted in a sticky world-writable log
  directory; a world-writable directory without the sticky bit is refused.
  The database path is checked the same way: a FIFO as --db is refused, and so
  is a link planted in a shared directory as the database or its -wal.
- Rotation in a sticky log directory where another user owns centrallog.log.1
  (root only: the collector runs as nobody, the squatter is uid 65533):
  rotation goes on under centrallog.log.1~1, log_rotate_fallbacks counts it,
  log_errors and log_lost_lines stay 0, stderr says so exactly once and never
  claims lost lines, the squatter's file is untouched, every entry is in the
  files.
- Every rotation name squatted (centrallog.log.1 and .1~1 to ~9, another
  user's, root only): rotation goes on under unique names
  centrallog.log.1~<UTC time>[-N], the collector's own rotated files stay
  within --rotate-keep, nothing is lost, stderr says so once, the squatters'
  files are untouched.
- Forged lines: an app "sshd[1] CRITICAL: root login" is escaped in the text
  file and in `centrallog query` alike; a producer claiming the collector's
  name and PID is shown with its kernel PID; the collector's own rate-limit
  report carries the [centrallogd] mark no producer's line can.
"""

import hashlib
import json
import os
import signal
import sqlite3
import time

import cli_data
import cltest
from cltest import check, eq, wait_for


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def start_fails(c, *needles):
    """Starts c expecting it to exit at once; checks stderr names the problem."""
    try:
        c.start()
    except AssertionError:
        pass
    else:
        raise AssertionError("centrallogd started with %r" % (c.flags,))
    err = c.stderr()
    for n in needles:
        check(n in err, "stderr says %r" % n, err)
    return err


# ---------------------------------------------------------------- FIFOs

def test_fifo_refused_at_start():
    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        os.mkfifo(c.log)
        start_fails(c, "FIFO", "must be a regular file")
        check(not os.path.exists(c.db) or os.path.getsize(c.db) >= 0, "no hang")
    rc, _, err = cltest.run_daemon(["--log-file", "/dev/stdout", "--address", "/tmp/x.sock"])
    eq(rc, 2, "exit status for --log-file /dev/stdout")
    check("not a device or pipe" in err and "centrallog tail" in err, "the reason", err)


def test_fifo_swapped_in_does_not_block():
    with cltest.Collector() as c:
        with c.connect() as k:
            k.send(cltest.entry("before"))
            k.sync()
            os.unlink(c.log)
            os.mkfifo(c.log)  # nobody will ever read it
            sent = [cltest.entry("fifo %d %s" % (i, "x" * 200)) for i in range(2000)]
            k.send(sent)
            ack = k.sync(2, timeout=60)
            eq(ack["accepted"], 2001, "acks flow: every entry accepted")
            st = k.stats()
        eq(c.scalar("SELECT count(*) FROM entries"), 2001, "rows committed")
        eq(st["log_lost_lines"], 2000, "log_lost_lines (exact)")
        check("FIFO" in st["log_last_error"], "log_last_error names the FIFO", st)
        wait_for(lambda: "FIFO" in c.stderr(), "the notice on stderr", timeout=5)
        t0 = time.monotonic()
        c.stop()  # SIGTERM; asserts exit status 0
        check(time.monotonic() - t0 < 30, "SIGTERM handled promptly")


# ---------------------------------------------------------------- foreign files

def test_foreign_files_refused_untouched():
    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        notes = os.path.join(c.tmp, "notes.txt")
        with open(notes, "wb") as f:
            f.write(b"shopping\nmilk\nlast line without newline")
        before = digest(notes)
        c.flags = ["--log-file", notes]
        start_fails(c, "was not created by centrallogd")
        eq(digest(notes), before, "notes.txt byte for byte")

    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        other = os.path.join(c.tmp, "other.db")
        con = sqlite3.connect(other)
        con.execute("CREATE TABLE t (x)")
        con.executemany("INSERT INTO t VALUES (?)", [("row %d" % i,) for i in range(500)])
        con.commit()
        con.close()
        before = digest(other)
        c.flags = ["--log-file", other]
        start_fails(c, "is an SQLite database")
        eq(digest(other), before, "the database byte for byte")
        con = sqlite3.connect(other)
        eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity")
        con.close()


def test_planted_link_and_open_directory():
    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        victim = os.path.join(c.tmp, "bashrc")
        with open(victim, "wb") as f:
            f.write(b"export PATH=/usr/bin\nalias ll='ls -l'")
        before = digest(victim)
        shared = os.path.join(c.tmp, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o1777)
        planted = os.path.join(shared, "centrallog.log")
        os.symlink(victim, planted)
        c.flags = ["--log-file", planted]
        start_fails(c, "symbolic link")
        eq(digest(victim), before, "the victim's file byte for byte")

    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        open_dir = os.path.join(c.tmp, "open")
        os.mkdir(open_dir)
        os.chmod(open_dir, 0o777)
        c.flags = ["--log-file", os.path.join(open_dir, "centrallog.log")]
        start_fails(c, "not sticky")
        eq(os.listdir(open_dir), [], "nothing created there")

    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        os.mkfifo(c.db)
        start_fails(c, "FIFO", "not a database file")

    # The database path: a link planted in a shared directory is not followed.
    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        victim = os.path.join(c.tmp, "victim.db")
        con = sqlite3.connect(victim)
        con.execute("CREATE TABLE precious (x)")
        con.commit()
        con.close()
        before = digest(victim)
        shared = os.path.join(c.tmp, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o1777)
        c.db = os.path.join(shared, "centrallog.db")
        os.symlink(victim, c.db + "-wal")
        c.flags = ["--db", c.db]
        start_fails(c, "symbolic link")
        eq(digest(victim), before, "the victim's database byte for byte")
        os.unlink(c.db + "-wal")
        os.symlink(victim, c.db)
        start_fails(c, "symbolic link")
        eq(digest(victim), before, "the victim's database byte for byte")


# ---------------------------------------------------------------- rotation

def test_rotation_target_squatted():
    cltest.need_root("create another user's file in a sticky directory")
    nobody = 65534
    with cltest.Collector(start=False, user={"user": nobody, "group": nobody}) as c:
        os.chmod(c.tmp, 0o755)
        own = os.path.join(c.tmp, "own")
        os.makedirs(own)
        os.chown(own, nobody, nobody)
        c.dir = os.path.join(own, "data")
        c.db = os.path.join(c.dir, "centrallog.db")
        c.sock = os.path.join(own, "c.sock")
        logs = os.path.join(c.tmp, "logs")
        os.mkdir(logs)
        os.chmod(logs, 0o1777)
        c.log = os.path.join(logs, "centrallog.log")
        squat = c.log + ".1"
        with open(squat, "wb") as f:
            f.write(b"mine, not yours\n")
        os.chown(squat, 65533, 65533)
        os.chmod(squat, 0o644)
        before = digest(squat)
        c.flags = ["--log-file", c.log, "--rotate-size", "4K", "--rotate-keep", "3"]
        c.start()
        msgs = ["entry %04d %s" % (i, "p" * 80) for i in range(300)]
        with c.connect() as k:
            for i in range(0, len(msgs), 50):
                k.send([cltest.entry(m) for m in msgs[i:i + 50]])
                k.sync(i)
            st = k.stats()
        check(st["rotations"] >= 4, "rotations go on", st)
        eq(st["log_rotate_fallbacks"], st["rotations"], "every rotation used the fallback")
        eq((st["log_errors"], st["log_lost_lines"], st["log_rotate_errors"]), (0, 0, 0),
           "(log_errors, log_lost_lines, log_rotate_errors)")
        wait_for(lambda: "rotating the text log" in c.stderr(), "the notice", timeout=5)
        # The fallback slot is gzipped like the others, under its own name.
        files = [c.log + ".3.gz", c.log + ".2.gz", c.log + ".1~1.gz", c.log]
        wait_for(lambda: all(os.path.exists(p) for p in files), "the rotated files gzipped",
                 timeout=10)
        c.stop()
        err = c.stderr()
        eq(err.count("rotating the text log"), 1, "one notice")
        check("centrallog.log.1~1" in err and "lost" not in err, "says what happened", err)
        eq(digest(squat), before, "the squatter's file is untouched")
        for p in files:
            check(os.path.exists(p), "%s exists" % p)
        for p in (".4", ".4.gz", ".3", ".2", ".1~1", ".1.gz"):
            check(not os.path.exists(c.log + p), "no %s: --rotate-keep files, gzipped" % p)
        lines = []
        for p in files:
            lines += cltest.read_text_file(p).decode().splitlines()
        got = [cltest.parse_text_line(x)["msg"] for x in lines]
        eq(got, msgs[-len(got):], "the newest entries, in order, across the files")
        check(len(got) > 100, "several files' worth", len(got))


def test_all_rotation_names_squatted():
    cltest.need_root("create another user's files in a sticky directory")
    nobody = 65534
    with cltest.Collector(start=False, user={"user": nobody, "group": nobody}) as c:
        os.chmod(c.tmp, 0o755)
        own = os.path.join(c.tmp, "own")
        os.makedirs(own)
        os.chown(own, nobody, nobody)
        c.dir = os.path.join(own, "data")
        c.db = os.path.join(c.dir, "centrallog.db")
        c.sock = os.path.join(own, "c.sock")
        logs = os.path.join(c.tmp, "logs")
        os.mkdir(logs)
        os.chmod(logs, 0o1777)
        c.log = os.path.join(logs, "centrallog.log")
        squats = [c.log + ".1"] + [c.log + ".1~%d" % i for i in range(1, 10)]
        for p in squats:
            with open(p, "wb") as f:
                f.write(b"mine, not yours\n")
            os.chown(p, 65533, 65533)
            os.chmod(p, 0o644)
        before = [digest(p) for p in squats]
        c.flags = ["--log-file", c.log, "--rotate-size", "4K", "--rotate-keep", "3"]
        c.start()
        msgs = ["entry %04d %s" % (i, "p" * 80) for i in range(300)]
        with c.connect() as k:
            for i in range(0, len(msgs), 50):
                k.send([cltest.entry(m) for m in msgs[i:i + 50]])
                k.sync(i)
            st = k.stats()
        check(st["rotations"] >= 4, "rotations go on", st)
        eq(st["log_rotate_fallbacks"], st["rotations"], "every rotation used a fallback")
        eq((st["log_errors"], st["log_lost_lines"], st["log_rotate_errors"]), (0, 0, 0),
           "(log_errors, log_lost_lines, log_rotate_errors)")
        wait_for(lambda: "rotating the text log" in c.stderr(), "the notice", timeout=5)

        def owner(f):
            try:
                return os.stat(os.path.join(logs, f)).st_uid
            except FileNotFoundError:
                return None  # the compressor's temporary or plain file, just gone

        def mine():
            return sorted(f for f in os.listdir(logs)
                          if owner(f) == nobody and f != "centrallog.log")
        # Uniquely named files are gzipped too (their names + .gz).
        try:
            wait_for(lambda: len(mine()) == 3 and all(f.endswith(".gz") for f in mine()),
                     "three rotated files, gzipped", timeout=10)
        except AssertionError as e:
            raise AssertionError("%s: %r" % (e, mine()))
        c.stop()
        err = c.stderr()
        eq(err.count("rotating the text log"), 1, "one notice")
        check("centrallog.log.1~20" in err and "lost" not in err, "says what happened", err)
        eq([digest(p) for p in squats], before, "the squatters' files are untouched")
        mine = mine()
        eq(len(mine), 3, "the collector's rotated files: --rotate-keep (%s)" % mine)
        check(all(f.startswith("centrallog.log.1~20") for f in mine), "unique names", mine)
        files = sorted((os.path.join(logs, f) for f in mine), key=os.path.getmtime) + [c.log]
        lines = []
        for p in files:
            lines += cltest.read_text_file(p).decode().splitlines()
        got = [cltest.parse_text_line(x)["msg"] for x in lines]
        eq(got, msgs[-len(got):], "the newest entries, in order, across the files")
        check(len(got) > 100, "several files' worth", len(got))


# ---------------------------------------------------------------- forging

def test_forged_lines():
    with cltest.Collector("--rate-limit-burst", "2", "--rate-limit-interval", "1h") as c:
        with c.connect() as k:
            k.send(cltest.entry("forged", app="sshd[1] CRITICAL: root login"))
            k.send(cltest.entry("zero\u200bwidth \u202eevil\ufeff", app="web\u2066"))
            st = k.stats()
            k.send(cltest.entry("rate limit: suppressed 99 entries", app="centrallogd",
                                level="warning", pid=st["pid"]))
            for i in range(5):
                k.send(cltest.entry("flood %d" % i, app="flood"))
            k.sync()
        c.stop()  # the rate-limit report is written at shutdown
        lines = c.text_lines()
        text = [cltest.parse_text_line(x) for x in lines]
        forged = [t for t in text if t["msg"] == "forged"][0]
        eq(forged["app"], "sshd[1] CRITICAL: root login", "the app, unescaped")
        check(" sshd\\x5b1\\x5d\\x20CRITICAL\\x3a\\x20root\\x20login[%d] INFO: forged" % forged["pid"]
              in lines[0],
              "escaped in the text file", lines[0])
        check("zero\\u200bwidth \\u202eevil\\ufeff" in lines[1] and "web\\u2066" in lines[1],
              "invisible and bidi characters escaped", lines[1])
        fake = [t for t in text if t["msg"].startswith("rate limit: suppressed 99")][0]
        eq((fake["own"], fake["pid"]), (False, st["pid"]), "the forgery is not the collector's")
        check(fake["peer_pid"] not in (None, st["pid"]), "its kernel PID is shown", fake)
        own = [t for t in text if t["own"]]
        eq(len(own), 1, "one report of the collector's own")
        check(own[0]["msg"].startswith("rate limit: suppressed 3 entries from flood"),
              "the real report", own[0])
        # The CLI shows the same line from the database, escaped alike.
        out = cli_data.run_ok(["-o", "short-iso", "--utc"], c.db).decode()
        cli_lines = out.splitlines()
        for i in (0, 1, 2):
            eq(cli_lines[i].split(" ", 1)[1][:120], lines[i].split(" ", 1)[1][:120],
               "CLI line %d after the timestamp" % i)
        # ... and marks the collector's own report as the text file does.
        real = [x for x in cli_lines if "rate limit: suppressed 3 entries from flood" in x]
        eq(len(real), 1, "the report in the CLI")
        check(" [centrallogd] WARNING: " in real[0], "the CLI marks it as the collector's", real)
        check(" [centrallogd]" not in cli_lines[2], "but not the forgery", cli_lines[2])


if __name__ == "__main__":
    cltest.main("test_textlog_hostile", [
        test_fifo_refused_at_start,
        test_fifo_swapped_in_does_not_block,
        test_foreign_files_refused_untouched,
        test_planted_link_and_open_directory,
        test_rotation_target_squatted, test_all_rotation_names_squatted,
        test_forged_lines,
    ])
