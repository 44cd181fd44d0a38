"""End-to-end: a real centrallogd on databases of other schema versions.

Asserts:
* a version-1 database (tests/schema/centrallog-v1.sql, as the version-1
  collector left it, with one entry and one reject) is migrated when the
  collector opens it: it becomes the first partition of a version 3 catalog
  (docs/DESIGN.md, "Storage"), sealed into a copy whose tables have peer_sid
  TEXT last (the same columns, in the same order, as a partition the collector
  creates new), the old rows are unchanged, entries and rejects sent afterwards
  follow its ids and are stored with the producer's peer credentials and
  peer_sid NULL (POSIX), the collector says so once on stderr, and a second
  start does not migrate again;
* a database with user_version 99 is refused: exit status 1, one clear line on
  stderr, and the file is left byte for byte as it was.
"""

import hashlib
import os
import sqlite3

import cltest
from cltest import check, eq
from cltest.db import partitions

V1_DDL = os.path.join(cltest.REPO, "tests", "schema", "centrallog-v1.sql")

OLD_ENTRY = (1, 1000, 2000, 3, "old-app", "old-host", 11, 12, "lg", "tr", "sp",
             "written by version 1", '{"k":1}', '{"x":true}', 21, 22, 23)
OLD_REJECT = (1, 3000, 31, 32, 33, "not_json", "old reject", b"{{", 2)
ENTRY_V1_COLUMNS = ("id, ts, received, level, app, host, pid, tid, logger, trace_id, span_id, "
                    "msg, fields, extra, peer_pid, peer_uid, peer_gid")
REJECT_V1_COLUMNS = "id, received, peer_pid, peer_uid, peer_gid, reason, message, raw, raw_len"


def make_v1_database(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(V1_DDL) as f:
        ddl = f.read()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(ddl)
        con.execute("PRAGMA user_version = 1")
        con.execute("INSERT INTO entries (%s) VALUES (%s)"
                    % (ENTRY_V1_COLUMNS, ", ".join("?" * len(OLD_ENTRY))), OLD_ENTRY)
        con.execute("INSERT INTO rejects (%s) VALUES (%s)"
                    % (REJECT_V1_COLUMNS, ", ".join("?" * len(OLD_REJECT))), OLD_REJECT)
        con.commit()
    finally:
        con.close()


def columns(c_or_path, table):
    sql = "SELECT name, type, \"notnull\" FROM pragma_table_info('%s') ORDER BY cid" % table
    if isinstance(c_or_path, str):
        con = sqlite3.connect("file:%s?mode=ro" % c_or_path, uri=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    return c_or_path.query(sql)


def columns_of_db(path, sql):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_migrates_v1_database():
    with cltest.Collector(start=False) as c:
        make_v1_database(c.db)
        c.start()
        with c.connect() as k:
            k.send([cltest.entry("after migration 1", app="new-app"),
                    cltest.entry("after migration 2", app="new-app", level="error"),
                    b"not json\n"])
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (2, 1), "ack")
        eq(columns_of_db(c.db, "PRAGMA user_version"), [(4,)], "the catalog's user_version")
        cltest.wait_for(lambda: [p["state"] for p in partitions(c.db)] == ["closed", "live"],
                        "the migrated partition sealed", timeout=30)
        for p in partitions(c.db):
            eq(columns_of_db(p["abspath"], "PRAGMA user_version"), [(3,)],
               "user_version of " + p["path"])
            for table in ("entries", "rejects"):
                cols = columns(p["abspath"], table)
                eq(cols[-1], ("peer_sid", "TEXT", 0), "%s: peer_sid is the last column" % table)
        eq(c.query("SELECT %s FROM entries WHERE id = 1" % ENTRY_V1_COLUMNS), [OLD_ENTRY],
           "the version-1 entry, every column")
        eq(c.query("SELECT %s FROM rejects WHERE id = 1" % REJECT_V1_COLUMNS), [OLD_REJECT],
           "the version-1 reject, every column")
        me = (os.getpid(), os.getuid(), os.getgid())
        eq(c.query("SELECT id, msg, peer_pid, peer_uid, peer_gid, peer_sid FROM entries "
                   "ORDER BY id"),
           [(1, "written by version 1", 21, 22, 23, None),
            (2, "after migration 1") + me + (None,),
            (3, "after migration 2") + me + (None,)],
           "entries after the migration")
        eq(c.query("SELECT id, reason, raw, peer_pid, peer_uid, peer_gid, peer_sid FROM rejects "
                   "ORDER BY id"),
           [(1, "not_json", b"{{", 31, 32, 33, None),
            (2, "not_json", b"not json") + me + (None,)],
           "rejects after the migration")
        cltest.wait_for(lambda: "migrated from schema version 1 to 3" in c.stderr(),
                        "the migration notice on stderr", timeout=10)
        c.stop()
        eq(c.stderr().count("was migrated from schema version 1 to 3"), 1, "one notice")

        # The same columns as a database the collector creates new.
        with cltest.Collector() as fresh:
            with fresh.connect() as k:
                k.send(cltest.entry("fresh"))
                k.sync()
            new = partitions(fresh.db)[0]["abspath"]
            old = partitions(c.db)[0]["abspath"]
            for table in ("entries", "rejects"):
                eq(columns(old, table), columns(new, table),
                   "%s: migrated and new partitions have the same columns" % table)
            fresh.stop()

        # Opening it again is not another migration.
        c.start()
        with c.connect() as k:
            k.send(cltest.entry("after restart"))
            k.sync()
        c.stop()
        eq(c.stderr().count("was migrated from schema version"), 1, "no second migration")
        eq(c.query("SELECT count(*) FROM entries"), [(4,)], "rows after the restart")


def test_refuses_newer_database():
    tmp = cltest.make_tempdir()
    try:
        data = os.path.join(tmp, "data")
        db = os.path.join(data, "centrallog.db")
        make_v1_database(db)
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version = 99")
        con.execute("PRAGMA journal_mode=DELETE")  # one file, to compare byte for byte
        con.close()
        before = sha256(db)
        rc, out, err = cltest.run_daemon(["--data-dir", data, "--address",
                                          os.path.join(tmp, "c.sock")])
        eq(rc, 1, "exit status for a newer database (stderr: %r)" % err)
        eq(err.strip().splitlines(),
           ["centrallogd: the database has schema version 99, newer than this collector's 3; "
            "use a newer centrallogd or another --db"],
           "the refusal on stderr")
        eq(sha256(db), before, "the refused database is unchanged")
        check(not os.path.exists(db + "-wal"), "no WAL file was created")
    finally:
        cltest.shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_schema_migration", [test_migrates_v1_database, test_refuses_newer_database])
