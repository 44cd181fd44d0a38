"""End-to-end: the centrallogd command line.

Asserts:
* --help exits 0 and lists every option, each value option with its default; the
  listed defaults are the real ones (data dir ./var, max entry 64K, rotate
  16M/keep 7 in the banner, socket mode 0666, text format text); every listed
  option is known to the parser;
* --version exits 0 and matches what the daemon reports over the wire;
* a bad option or value exits 2 with a message naming the option, and creates
  nothing (no data directory, no socket);
* --config FILE applies its settings (rotate-size, rotate-keep, host, fts,
  address, data-dir, batch settings), the command line beats the file, and a bad
  key / bad value / non-object / unreadable file exits 2 naming the problem;
* a database that is an unrelated SQLite DB, one with a newer schema version, or
  not a database at all: exit 1 with a clear message, the file unchanged, no
  socket left behind.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import time

import cltest
from cltest import check, eq
from cltest.db import partitions

# option -> text that must appear on its --help line (None: a flag, no default)
OPTIONS = {
    "address": "default: see below",
    "data-dir": "default ./var",
    "db": "default DATA_DIR/centrallog.db",
    "log-file": "default DATA_DIR/centrallog.log",
    "text-format": "default text",
    "rotate-size": "default 16M",
    "rotate-keep": "default 7",
    "rotate-age": "default 1d",
    "compress": "default on",
    "no-compress": None,
    "max-age": "default off",
    "max-disk": "default 10% of the filesystem",
    "keep-free": "default 15%",
    "max-entry-bytes": "default 64K",
    "socket-mode": "default 0666",
    "socket-group": "default: unchanged",
    "syslog-socket": "see schema/SYSLOG.md",
    "syslog-socket-mode": "default 0666",
    "max-connections": "default 16384",
    "max-connections-per-uid": "default: a quarter of --max-connections",
    "idle-reclaim": "default 60s",
    "reject-limit-burst": "default 1000",
    "partial-bytes": "default 64M",
    "batch-size": "default 16384",
    "batch-ms": "default 25",
    "queue-bytes": "default 32M",
    "fts": "default on",
    "host": "default: this machine's",
    "shutdown-timeout": "default 30",
    "idle-timeout": "default 30s",
    "max-ts-ahead": "default 10m",
    "max-ts-age": "default 7d",
    "rate-limit-interval": "default 30s",
    "rate-limit-burst": "default 10000",
    "rate-limit-exempt": "default error",
    "wal-warn-size": "default 256M",
    "db-rotate-size": "default 128M",
    "db-rotate-age": "default 1d",
    "forward": "repeatable",
    "config": None,
    "quiet": None,
    "help": None,
    "version": None,
}
# A valid value for each value option (used to prove the parser knows it).
VALID = {
    "address": "/tmp/x.sock", "data-dir": "/tmp/x", "db": "/tmp/x.db", "log-file": "/tmp/x.log",
    "text-format": "json", "rotate-size": "1M", "rotate-keep": "3", "max-entry-bytes": "1K",
    "socket-mode": "0660", "socket-group": "0", "max-connections": "10", "partial-bytes": "2M", "batch-size": "10",
    "batch-ms": "10", "queue-bytes": "1M", "fts": "off", "host": "h",
    "shutdown-timeout": "5", "idle-timeout": "1.5s", "rate-limit-interval": "500ms",
    "rate-limit-burst": "0", "rate-limit-exempt": "none",
    "max-ts-ahead": "1m", "max-ts-age": "off",
    "max-connections-per-uid": "2", "idle-reclaim": "2m", "reject-limit-burst": "5",
    "syslog-socket": "/tmp/x-syslog", "syslog-socket-mode": "0620",
    "wal-warn-size": "8M",
    "rotate-age": "2h", "compress": "6", "max-age": "30d", "max-disk": "1G", "keep-free": "10%",
    "db-rotate-size": "1M", "db-rotate-age": "1h",
    "forward": "syslog+tcp://127.0.0.1:9?start=end",
}


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Tmp:
    def __enter__(self):
        self.d = cltest.make_tempdir()
        return self.d

    def __exit__(self, *a):
        shutil.rmtree(self.d, ignore_errors=True)


def test_help():
    rc, out, err = cltest.run_daemon(["--help"])
    eq(rc, 0, "--help exit status")
    eq(err, "", "--help stderr")
    lines = out.splitlines()
    listed = set(re.findall(r"^\s+--([a-z-]+)", out, re.M))
    eq(sorted(listed), sorted(OPTIONS), "options listed by --help")
    for opt, default in OPTIONS.items():
        ln = [x for x in lines if re.match(r"^\s+--%s(\s|$)" % re.escape(opt), x)]
        eq(len(ln), 1, "--help lines for --%s" % opt)
        if default is not None:
            check(default in ln[0], "--help line of --%s lacks %r" % (opt, default), ln[0])
    want_dir = "/run/centrallog" if os.geteuid() == 0 else None
    if want_dir:
        check("%s/CentralLog.sock" % want_dir in out, "help names the default address", out)
    check("Exit status" in out, "help documents exit statuses")
    # Every listed value option is known to the parser: with a valid value for
    # it followed by an unknown option, the error must be about the latter.
    for opt, v in VALID.items():
        rc, out2, err2 = cltest.run_daemon(["--" + opt, v, "--no-such-option"])
        eq(rc, 2, "exit status for --%s %s --no-such-option" % (opt, v))
        check("--no-such-option" in err2 and "--%s" % opt not in err2,
              "--%s is not known to the parser" % opt, err2)


def test_version():
    rc, out, err = cltest.run_daemon(["--version"])
    eq(rc, 0, "--version exit status")
    eq(err, "", "--version stderr")
    m = re.match(r"^centrallogd (\S+) \(protocol (\d+)\)\n$", out)
    check(m, "--version output format", out)
    with cltest.Collector() as c:
        with c.connect() as k:
            pong = k.request({"op": "ping"})
        eq((pong["version"], str(pong["protocol"])), m.groups(), "ping vs --version")
        eq(c.stats()["version"], m.group(1), "stats version vs --version")
        c.stop()


BAD = [
    (["--bogus"], "--bogus"),
    (["--bogus=1"], "--bogus"),
    (["positional"], "positional"),
    (["-h"], "-h"),
    (["--rotate-size"], "--rotate-size"),
    (["--rotate-size", "abc"], "--rotate-size"),
    (["--rotate-size=abc"], "--rotate-size"),
    (["--rotate-size", "1K"], "--rotate-size"),
    (["--rotate-size", "16X"], "--rotate-size"),
    (["--rotate-size", "-1"], "--rotate-size"),
    (["--rotate-keep", "-1"], "--rotate-keep"),
    (["--rotate-keep", "1001"], "--rotate-keep"),
    (["--rotate-keep", "two"], "--rotate-keep"),
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-ms", "0"], "--batch-ms"),
    (["--queue-bytes", "1K"], "--queue-bytes"),
    (["--max-entry-bytes", "100"], "--max-entry-bytes"),
    (["--max-entry-bytes", "1G"], "--max-entry-bytes"),
    (["--text-format", "xml"], "--text-format"),
    (["--fts", "maybe"], "--fts"),
    (["--socket-mode", "0999"], "--socket-mode"),
    (["--socket-mode", "rw"], "--socket-mode"),
    (["--socket-mode", "01777"], "--socket-mode"),
    (["--socket-group", "no-such-group-e2e"], "--socket-group"),
    (["--shutdown-timeout", "99999"], "--shutdown-timeout"),
    (["--max-connections", "0"], "--max-connections"),
    (["--host", ""], "--host"),
    (["--host", "x" * 300], "--host"),
    (["--config"], "--config"),
    (["--config", "/nonexistent/e2e.json"], "/nonexistent/e2e.json"),
]


def test_bad_options():
    with Tmp() as t:
        base = ["--data-dir", os.path.join(t, "d"), "--address", os.path.join(t, "s.sock")]
        for args, name in BAD:
            rc, out, err = cltest.run_daemon(base + args)
            eq(rc, 2, "exit status for %r" % args)
            check(name in err, "message for %r names %r" % (args, name), err)
            check(err.startswith("centrallogd: "), "message is prefixed", err)
            eq(sorted(os.listdir(t)), [], "nothing created for %r" % (args,))


def test_config_file():
    with Tmp() as t:
        sock = os.path.join(t, "cfg.sock")
        data = os.path.join(t, "cfgdata")
        cfg = os.path.join(t, "c.json")
        with open(cfg, "w") as f:
            json.dump({"rotate-size": "8K", "rotate-keep": 3, "host": "cfg-host", "fts": False,
                       "address": sock, "data-dir": data, "batch-size": 10, "batch-ms": 5,
                       "quiet": True}, f)
        c = cltest.Collector("--config", cfg, address=sock, pass_address=False, data_dir=data)
        with c:
            eq(c.stderr(), "", "quiet from the config file: no banner")
            st = c.stats()
            eq((st["address"], st["db_path"]), (sock, os.path.join(data, "centrallog.db")),
               "address and data-dir from the config file")
            with c.connect() as k:
                for i in range(400):
                    k.send(cltest.entry("config %03d " % i + "p" * 40))
                ack = k.sync()
            eq(ack["accepted"], 400, "accepted")
            st = c.stats()
            files = c.text_files()
            eq(len(files), 4, "text files with rotate-keep 3")
            for f in files:
                check(os.path.getsize(f) <= 8192, "%s over rotate-size 8K" % f)
            lines = c.text_lines()
            check(st["rotations"] >= 5, "rotations at 8K", st["rotations"])
            # What is kept is the newest, contiguous tail of what was sent.
            msgs = [cltest.parse_text_line(x)["msg"] for x in lines]
            eq(msgs, ["config %03d " % i + "p" * 40 for i in range(400 - len(msgs), 400)],
               "kept text lines are the newest ones")
            eq({cltest.parse_text_line(x)["host"] for x in lines}, {"cfg-host"}, "host in text")
            eq(c.query("SELECT DISTINCT host FROM entries"), [("cfg-host",)], "host in DB")
            eq((st["fts_indexed"], st["fts_pending"]), (0, 0), "fts off: stats")
            c.stop()
            # The live partition never has full-text rows (with --fts on, its
            # sealed copy gets them: tests/e2e/test_partitions.py).
            live = partitions(c.db, states=("live",))[0]["abspath"]
            con = sqlite3.connect("file:%s?mode=ro" % live, uri=True)
            try:
                eq(con.execute("SELECT value FROM meta WHERE key = 'fts_indexed_upto'")
                   .fetchall(), [(0,)], "fts off: fts_indexed_upto")
                eq(con.execute("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH "
                               "'config'").fetchall(), [(0,)], "fts off: nothing indexed")
            finally:
                con.close()

        # The command line beats the file, wherever --config stands.
        with open(cfg, "w") as f:
            json.dump({"rotate-size": "8K", "rotate-keep": 3, "host": "cfg-host"}, f)
        with cltest.Collector("--rotate-keep", "1", "--config", cfg, "--host", "cli-host") as c:
            with c.connect() as k:
                k.send([cltest.entry("beat %03d " % i + "q" * 40) for i in range(400)])
                k.sync()
            eq(len(c.text_files()), 2, "text files with --rotate-keep 1 over the file's 3")
            eq(c.query("SELECT DISTINCT host FROM entries"), [("cli-host",)], "host from the CLI")
            # fts defaults to on, for sealed partitions: the live one is
            # never indexed (its rows are scanned; tests/e2e/test_partitions.py).
            # Nothing waits for an index: the live partition is scanned.
            eq(c.stats()["fts_pending"], 0, "fts on: nothing waits for the full-text index")
            c.stop()


def test_config_file_errors():
    cases = [
        ({"rotate-size": "8K", "no-such-key": 1}, ["no-such-key"]),
        ({"rotate-size": "tiny"}, ["rotate-size", "tiny"]),
        ({"rotate-keep": -1}, ["rotate-keep"]),
        ({"fts": "sometimes"}, ["fts"]),
        ({"rotate-size": {"v": 1}}, ["rotate-size"]),
        ({"rotate-size": ["8K"]}, ["rotate-size"]),
        ({"config": "other.json"}, ["config"]),
        ([1, 2], ["not a JSON object"]),
        ("just a string", ["not a JSON object"]),
    ]
    with Tmp() as t:
        cfg = os.path.join(t, "bad.json")
        base = ["--data-dir", os.path.join(t, "d"), "--address", os.path.join(t, "s.sock"),
                "--config", cfg]
        for doc, words in cases:
            with open(cfg, "w") as f:
                json.dump(doc, f)
            rc, out, err = cltest.run_daemon(base)
            eq(rc, 2, "exit status for config %r" % (doc,))
            for w in words + [cfg]:
                check(w in err, "message for config %r names %r" % (doc, w), err)
            eq(sorted(os.listdir(t)), ["bad.json"], "nothing created for %r" % (doc,))
        with open(cfg, "w") as f:
            f.write('{"rotate-size": "8K",')
        rc, out, err = cltest.run_daemon(base)
        eq(rc, 2, "exit status for a truncated JSON file")
        check(cfg in err, "message names the file", err)


def test_foreign_database():
    with Tmp() as t:
        sock = os.path.join(t, "s.sock")
        # 1. An unrelated SQLite database.
        db = os.path.join(t, "other.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO customers (name) VALUES ('alice')")
        con.commit()
        con.close()
        # 2. A CentralLog database from the future.
        future = os.path.join(t, "future.db")
        con = sqlite3.connect(future)
        con.execute("PRAGMA application_id = 1129074503")
        con.execute("PRAGMA user_version = 99")
        con.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY)")
        con.commit()
        con.close()
        # 3. Not a database at all.
        junk = os.path.join(t, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"this is not an SQLite file\n" * 200)
        cases = ((db, ["not a CentralLog"]), (future, ["99", "newer"]),
                 (junk, ["not a database"]))
        before = {p: sha(p) for p, _ in cases}
        for path, words in cases:
            rc, out, err = cltest.run_daemon(["--db", path, "--address", sock,
                                              "--data-dir", os.path.join(t, "d")])
            eq(rc, 1, "exit status for --db %s" % os.path.basename(path))
            for w in words:
                check(w in err, "message for %s mentions %r" % (os.path.basename(path), w), err)
            check(not os.path.exists(sock), "no socket left behind")
        # A refused file must be left exactly as it was.
        changed = [os.path.basename(p) for p, _ in cases if sha(p) != before[p]]
        eq(changed, [], "refused database files that were modified")
        con = sqlite3.connect(db)
        eq(con.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall(),
           [("customers",)], "the unrelated database gained no tables")
        con.close()


def test_defaults_are_real():
    """The defaults --help shows are the ones in force."""
    with Tmp() as t:
        sock = os.path.join(t, "s.sock")
        c = cltest.Collector(address=sock, data_dir=os.path.join(t, "var"), pass_data_dir=False,
                             cwd=t, env={"CENTRALLOG_DATA_DIR": None})
        with c:
            err = c.stderr()
            check("rotate at 16384 KiB, keep 7" in err, "banner shows rotate 16M keep 7", err)
            check("(text," in err, "banner shows the text format", err)
            eq(c.stats()["db_path"], os.path.join(os.path.realpath(t), "var", "centrallog.db"),
               "default database path, made absolute")
            check(os.path.exists(os.path.join(t, "var", "centrallog.db")), "./var used")
            eq(oct(stat.S_IMODE(os.stat(sock).st_mode)), oct(0o666), "default socket mode")
            head = b'{"app":"d","level":"info","msg":"'
            at = head + b"a" * (65536 - len(head) - 2) + b'"}'
            with c.connect() as k:
                k.send(at + b"\n" + at[:-2] + b'a"}\n')
                ack = k.sync()
            eq((ack["accepted"], ack["rejected"]), (1, 1), "64K accepted, 64K+1 refused")
            c.stop()
            eq([r[0] for r in c.rejects()], ["too_large"], "reject code")


def test_max_connections():
    with cltest.Collector("--max-connections", "2") as c:
        # The start-up probe's connection must be gone before we count.
        a = c.connect()
        deadline = time.monotonic() + 10
        while a.stats()["connections"] != 1:
            check(time.monotonic() < deadline, "start-up probe connection lingers")
            time.sleep(0.01)
        b = c.connect()
        eq(b.stats()["connections"], 2, "connections")
        a.send(cltest.entry("a"))
        a.sync()
        with c.connect() as x:
            r = x.read_reply(10)
            eq(r.get("code"), "too_many_connections", "third connection refused")
            eq(x.read_eof(10), b"", "and closed")
        b.send(cltest.entry("b"))
        b.sync()
        a.close()
        b.close()
        c.stop()
        eq(c.msgs(), ["a", "b"], "entries")


def test_data_dir_env():
    with Tmp() as t:
        d = os.path.join(t, "from-env")
        with cltest.Collector(data_dir=d, pass_data_dir=False,
                              env={"CENTRALLOG_DATA_DIR": d}) as c:
            eq(c.stats()["db_path"], os.path.join(d, "centrallog.db"), "db_path from the env")
            with c.connect() as k:
                k.send(cltest.entry("env data dir"))
                k.sync()
            c.stop()
            eq(c.msgs(), ["env data dir"], "entries")
            eq(c.text_msgs(), ["env data dir"], "text")
        # --data-dir beats the environment.
        with cltest.Collector(env={"CENTRALLOG_DATA_DIR": os.path.join(t, "decoy")}) as c:
            eq(c.stats()["db_path"], c.db, "db_path with both set")
            c.stop()
        check(not os.path.exists(os.path.join(t, "decoy")), "env data dir unused")


if __name__ == "__main__":
    cltest.main("test_cli", [test_help, test_version, test_bad_options, test_config_file,
                             test_config_file_errors, test_foreign_database,
                             test_defaults_are_real, test_data_dir_env, test_max_connections])
