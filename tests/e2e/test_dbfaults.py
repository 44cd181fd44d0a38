"""End-to-end: the database file deleted, damaged or bloated under the collector.

The file is the live partition (centrallog.d/live-<first id>.db, which the
catalog centrallog.db lists; docs/DESIGN.md, "Storage"): the names below stand
for it.

Asserts:
(1) Deleted: `rm centrallog.db centrallog.db-wal centrallog.db-shm` under a
    running collector. The next entries are acknowledged and are in a new
    database at the same path (exactly those, plus one entry of the
    collector's own that says what happened and up to which id rows were
    only in the removed file); stats db_reopens is 1 and db_errors 0; stderr
    says so exactly once; a restart finds the same rows; the text log has
    every entry, before and after.
(1b) Only centrallog.db-shm deleted under a running collector while a
    reader stays open (as `centrallog query -f` would): noticed before the
    next commit, the database reopened so that readers and writer share a
    -shm again; the open reader sees exactly the 100 entries sent after the
    deletion; db_reopens 1, stderr says so once (nothing lost), no row lost
    after a restart.
(1c) Modes: the database, -wal, -shm and the text log are created 0640 (the
    collector sets umask 027; the test's own umask is 022).
(2) Damaged at start: a database whose pages 2..N were overwritten with
    garbage does not stop the collector: the file is renamed to
    centrallog.db.corrupt-<UTC time> byte for byte as it was, a new database
    holds the collector's notice plus the new entries (exact counts); stats
    db_corrupt is 1 and db_corrupt_aside names the file; stderr says so once.
    A damaged file that is not a CentralLog database is refused (exit 1) and
    left untouched.
(3) Damaged while running: the same garbage written over the database file
    between two batches; the next insert meets SQLITE_CORRUPT, the file goes
    aside untouched, and the batch that met it is acknowledged from the new
    database (nothing queued is lost).
(4) WAL growth: a reader (Python's sqlite3) holds a read transaction while
    50,000 entries are ingested: the WAL grows past --wal-warn-size, stats
    wal_over_warn_size is true and wal_warnings 1, stderr warns exactly once.
    Once the reader lets go, the WAL is cut back to at most the keep size (a
    quarter of --wal-warn-size), and stderr says it is back. (That the
    checkpoint thread truncates it to zero is shown without a competing
    writer in tests/unit/test_checkpoint.c.)
(5) Disk full at rotation and during a seal (a tmpfs of 1 MiB for the data;
    root only): small partitions rotate and are sealed by copy until the
    filesystem is full - a seal's copy (about twice its partition) is what
    meets ENOSPC first, or, when the keeper kept up, a rotation's new
    partition (R1) - then the live partition's inserts. Then: the collector
    keeps running and says so (with partitions waiting, stats seal_errors > 0
    and keeper_last_error "...; waiting for space: the sealed copy needs
    about N bytes, M free", after which the keeper does not try again until
    the filesystem has that room; after a failed rotation
    db_rotate_last_error "... full", and no file the catalog does not list is
    left behind), db_errors > 0 with
    db_last_error, no ack while entries are missing from the database); no
    .seal-*.tmp copy is left behind; the catalog and every partition pass
    PRAGMA integrity_check and every acknowledged entry is readable. Once
    the filesystem grows (remount) the pending sync is acked, the keeper
    seals what waited without waiting out its retry pause, and every entry
    sent is stored exactly once, in order.
"""

import hashlib
import os
import random
import select
import sqlite3
import subprocess

import cltest
from cltest import check, eq, wait_for
from cltest.db import partitions

SUFFIXES = ("", "-wal", "-shm")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def send_batch(c, prefix, n):
    with c.connect() as k:
        k.send([cltest.entry("%s %05d" % (prefix, i)) for i in range(n)])
        ack = k.sync()
    eq(ack["accepted"], n, "entries acknowledged (%s)" % prefix)


def own_entries(c):
    return c.query("SELECT msg, fields FROM entries WHERE app = 'centrallogd' ORDER BY id")


def wait_own_entry(c, what):
    return wait_for(lambda: own_entries(c), "the collector's entry about " + what, timeout=60)


def damage_pages(path, seed):
    """Overwrites pages 2..N with garbage, keeping page 1 (the header)."""
    with open(path, "r+b") as f:
        head = f.read(100)
        page = int.from_bytes(head[16:18], "big")
        page = 65536 if page == 1 else page
        size = os.path.getsize(path)
        check(size >= 4 * page, "a database of several pages to damage", size)
        rnd = random.Random(seed)
        f.seek(page)
        f.write(bytes(rnd.getrandbits(8) for _ in range(size - page)))


def live(c):
    """The live partition's file."""
    return partitions(c.db, states=("live",))[0]["abspath"]


def asides(c):
    d = os.path.dirname(live(c))
    prefix = os.path.basename(live(c)) + ".corrupt-"
    return sorted(n for n in os.listdir(d) if n.startswith(prefix)
                  and not n.endswith(("-wal", "-shm")))


def aside_path(c, name):
    return os.path.join(os.path.dirname(live(c)), name)


# ---------------------------------------------------------------- (1) deleted

def test_db_deleted_under_collector():
    with cltest.Collector() as c:
        send_batch(c, "before", 100)
        eq(c.stats()["db_reopens"], 0, "db_reopens before")
        for s in SUFFIXES:
            os.unlink(live(c) + s)
        send_batch(c, "after", 50)
        # Acknowledged means committed: to the new file, not the removed one.
        eq(c.msgs("WHERE app = 'e2e'"), ["after %05d" % i for i in range(50)],
           "the new database holds exactly the entries sent after the deletion")
        st = wait_for(lambda: (lambda s: s if s["db_reopens"] == 1 else None)(c.stats()),
                      "stats db_reopens 1")
        eq(st["db_errors"], 0, "db_errors")
        own = wait_own_entry(c, "the deleted database")
        eq(len(own), 1, "entries of the collector's own")
        check("deleted or replaced" in own[0][0] and "up to 100" in own[0][0],
              "the entry says what happened and what was lost", own[0][0])
        send_batch(c, "later", 10)
        c.stop()
        eq(c.stderr().count("was deleted or replaced while in use"), 1,
           "stderr says it once:\n" + c.stderr())
        c.start()
        eq(c.scalar("SELECT count(*) FROM entries WHERE app = 'e2e'"), 60, "rows after a restart")
        eq(c.scalar("SELECT count(*) FROM entries"), 61, "all rows after a restart")
        text = [m for m in c.text_msgs() if not m.startswith("the database")]
        eq(text, ["before %05d" % i for i in range(100)] + ["after %05d" % i for i in range(50)]
           + ["later %05d" % i for i in range(10)], "the text log has every entry")
        eq(c.stats()["db_reopens"], 0, "a fresh process starts counting at 0")
        c.stop()


def test_shm_deleted_under_collector():
    with cltest.Collector() as c:
        send_batch(c, "before", 100)
        os.unlink(live(c) + "-shm")
        reader = sqlite3.connect("file:%s?mode=ro" % live(c), uri=True)
        try:
            count = "SELECT count(*) FROM entries WHERE app = 'e2e'"
            eq(reader.execute(count).fetchone()[0], 100, "the reader sees the first batch")
            send_batch(c, "after", 100)
            eq(reader.execute(count).fetchone()[0], 200, "the same reader sees the second batch")
        finally:
            reader.close()
        st = c.stats()
        eq((st["db_reopens"], st["db_errors"]), (1, 0), "(db_reopens, db_errors)")
        wait_for(lambda: "shared-memory index" in c.stderr(), "the notice", timeout=10)
        c.stop()
        eq(c.stderr().count("shared-memory index"), 1, "said once:\n" + c.stderr())
        check("nothing was lost" in c.stderr(), "says nothing was lost", c.stderr())
        c.start()
        eq(c.scalar("SELECT count(*) FROM entries WHERE app = 'e2e'"), 200, "rows after a restart")
        c.stop()


def test_created_files_0640():
    old = os.umask(0o022)
    try:
        with cltest.Collector() as c:
            send_batch(c, "modes", 10)
            for f in (c.db, live(c), live(c) + "-wal", live(c) + "-shm", c.log):
                eq(oct(os.stat(f).st_mode & 0o777), oct(0o640), "mode of %s" % f)
            c.stop()
    finally:
        os.umask(old)


# ---------------------------------------------------------------- (2) damaged at start

def test_db_damaged_at_start():
    with cltest.Collector() as c:
        send_batch(c, "old", 3000)
        c.stop()
        check(not os.path.exists(live(c) + "-wal"), "a clean stop leaves no WAL")
        damage_pages(live(c), 1)
        bad = sha256_file(live(c))
        c.start()
        st = c.stats()
        eq(st["db_corrupt"], 1, "stats db_corrupt")
        names = asides(c)
        eq(len(names), 1, "one renamed file (%s)" % names)
        eq(st["db_corrupt_aside"], names[0][len(os.path.basename(live(c)) + "."):], "stats db_corrupt_aside")
        eq(sha256_file(aside_path(c, names[0])), bad, "the damaged file is kept as it was")
        own = wait_own_entry(c, "the damaged database")
        # The entry names the renamed file by its suffix (the server's notice
        # still names the catalog's path, not the live partition's).
        check("damaged" in own[0][0] and names[0].split(".db.", 1)[1] in own[0][0],
              "the entry names the file", own[0][0])
        send_batch(c, "new", 30)
        eq(c.scalar("SELECT count(*) FROM entries"), 31, "the notice plus the new entries")
        eq(c.msgs("WHERE app = 'e2e'"), ["new %05d" % i for i in range(30)], "the new entries")
        eq(c.query("PRAGMA integrity_check"), [("ok",)], "the new database is sound")
        c.stop()
        eq(c.stderr().count("is damaged"), 1, "stderr says it once:\n" + c.stderr())
        eq(sha256_file(aside_path(c, names[0])), bad, "still as it was after the stop")


def test_damaged_foreign_file_refused():
    with cltest.Collector(start=False) as c:
        os.makedirs(c.dir)
        junk = bytes(random.Random(2).getrandbits(8) for _ in range(64 * 1024))
        with open(c.db, "wb") as f:
            f.write(junk)
        rc, _, err = cltest.run_daemon(["--data-dir", c.dir, "--address", c.sock, "--quiet"])
        eq(rc, 1, "exit status; stderr: " + err)
        check("not recognisably a CentralLog database" in err, "stderr says why", err)
        with open(c.db, "rb") as f:
            eq(f.read() == junk, True, "the file is untouched")
        eq(os.listdir(c.dir), ["centrallog.db"], "nothing renamed or created")


# ---------------------------------------------------------------- (3) damaged while running

def test_db_damaged_while_running():
    # A tiny WAL limit makes the collector truncate its WAL as soon as it is
    # idle, so every page is in the database file (and SQLite rereads them
    # from there) before the garbage is written.
    with cltest.Collector("--wal-warn-size", "64K", "--fts", "off") as c:
        send_batch(c, "old", 3000)
        wait_for(lambda: (lambda s: s["wal_truncations"] >= 1 and s["wal_size"] == 0)(c.stats()),
                 "the WAL to be checkpointed and truncated", timeout=60)
        damage_pages(live(c), 3)
        bad = sha256_file(live(c))
        send_batch(c, "new", 50)
        st = wait_for(lambda: (lambda s: s if s["db_corrupt"] == 1 else None)(c.stats()),
                      "stats db_corrupt 1")
        names = asides(c)
        eq(len(names), 1, "one renamed file (%s)" % names)
        eq(st["db_corrupt_aside"], names[0][len(os.path.basename(live(c)) + "."):], "stats db_corrupt_aside")
        eq(sha256_file(aside_path(c, names[0])), bad, "the damaged file is kept as it was")
        wait_own_entry(c, "the damaged database")
        eq(c.msgs("WHERE app = 'e2e'"), ["new %05d" % i for i in range(50)],
           "the batch that met the damage is in the new database")
        eq(c.scalar("SELECT count(*) FROM entries"), 51, "plus the notice")
        c.stop()
        eq(c.stderr().count("is damaged"), 1, "stderr says it once:\n" + c.stderr())


# ---------------------------------------------------------------- (4) WAL growth

WARN = 8 * 1024 * 1024
KEEP = WARN // 4


def test_wal_growth_bounded():
    with cltest.Collector("--wal-warn-size", "8M", *cltest.NO_RATE_LIMIT) as c:
        send_batch(c, "first", 10)
        reader = sqlite3.connect("file:%s?mode=ro" % live(c), uri=True, isolation_level=None)
        try:
            reader.execute("BEGIN")
            eq(reader.execute("SELECT count(*) FROM entries").fetchone()[0], 10, "reader's view")
            pad = "x" * 200
            with c.connect() as k:
                for r in range(10):
                    k.send([cltest.entry("bulk %05d %s" % (r * 5000 + i, pad))
                            for i in range(5000)])
                    k.sync()
            st = wait_for(lambda: (lambda s: s if s["wal_over_warn_size"] else None)(c.stats()),
                          "stats wal_over_warn_size", timeout=60)
            eq(st["wal_warnings"], 1, "wal_warnings")
            check(os.path.getsize(live(c) + "-wal") > WARN, "the WAL is past the warning size",
                  os.path.getsize(live(c) + "-wal"))
            eq(reader.execute("SELECT count(*) FROM entries").fetchone()[0], 10,
               "the reader still sees its snapshot")
            wait_for(lambda: "has grown to" in c.stderr(), "the warning on stderr", timeout=10)
        finally:
            reader.close()
        # Cut back either by the checkpoint thread (TRUNCATE, once idle) or,
        # if the writer restarts the WAL first, by journal_size_limit; the
        # thread truncates whatever is still above KEEP once idle.
        st = wait_for(lambda: (lambda s: s if not s["wal_over_warn_size"] and
                               os.path.getsize(live(c) + "-wal") <= KEEP else None)(c.stats()),
                      "the WAL to be cut back once the reader let go", timeout=60)
        eq(st["wal_warnings"], 1, "wal_warnings")
        check(st["wal_peak"] > WARN, "stats wal_peak", st["wal_peak"])
        wait_for(lambda: "is back to" in c.stderr(), "the all-clear on stderr", timeout=10)
        eq(c.scalar("SELECT count(*) FROM entries"), 50010, "every entry stored")
        c.stop()
        eq(c.stderr().count("has grown to"), 1, "warned once:\n" + c.stderr())


# ---------------------------------------------------------------- (5) disk full


def integrity(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


def test_disk_full_at_rotation_and_seal():
    cltest.need_root("mount a small tmpfs")
    with cltest.Collector(start=False) as c:
        mnt = os.path.join(c.tmp, "dbfs")
        os.makedirs(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                           capture_output=True)
        if r.returncode != 0:
            raise AssertionError("cannot mount a tmpfs: %s" % r.stderr.decode().strip())
        try:
            c.db = os.path.join(mnt, "centrallog.db")
            c.flags = ["--db", c.db, "--db-rotate-size", "96K", "--max-disk", "off",
                       "--batch-ms", "5", *cltest.NO_RATE_LIMIT]
            c.start()
            k = c.connect()
            sent, acked, b = [], 0, 0
            parts_dir = os.path.join(mnt, "centrallog.d")

            def seal_copies():
                return [f for f in os.listdir(parts_dir) if f.startswith(".seal-")]

            def acked_or_full():
                if select.select([k.sock], [], [], 0.05)[0]:
                    return "ack"
                st = c.stats()
                # Full for good: the database refuses writes, and the keeper
                # waits for space before it tries again (no seal's copy holds
                # space that its failure would give back).
                if (st["db_held"] > 0 and not seal_copies() and
                        ("waiting for space" in st["keeper_last_error"] or
                         st["partitions_sealing"] == 0)):
                    return "full"
                return None

            # Rounds of 100 entries and a sync, until a sync is not acked
            # because the database is full.
            while True:
                check(b < 1000, "the filesystem never filled up")
                batch = ["full %06d %s" % (b * 100 + i, "p" * 60) for i in range(100)]
                k.send([cltest.entry(m, app="full") for m in batch])
                sent += batch
                k.send({"op": "sync", "id": b})
                try:
                    state = wait_for(acked_or_full, "an ack, or the database full")
                except AssertionError as e:
                    raise AssertionError("%s\n  %s\n  %s" % (e, c.stats(), os.listdir(parts_dir)))
                if state == "full":
                    break
                ack = k.read_reply(5)
                eq((ack["op"], ack["id"], ack["accepted"]), ("ack", b, len(sent)), "ack")
                acked = len(sent)
                b += 1
            st = c.stats()
            print("  full after %d rounds: %s" % (b, {x: st[x] for x in (
                "db_errors", "db_last_error", "db_held", "seal_errors", "keeper_last_error",
                "db_rotations", "db_rotate_errors", "seals", "partitions_sealing")}))
            check(st["db_rotations"] >= 3, "partitions rotated before it filled up", st)
            check(st["db_errors"] > 0 and st["db_held"] > 0, "the database refuses writes", st)
            eq(st["db_last_error"], "database or disk is full", "db_last_error")
            # What filled up first depends on how far the keeper (low
            # priority) got: a seal's copy, then the keeper waits for space
            # and says so; or, the keeper done, a rotation's new partition
            # (R1), which is then removed at once - a file the catalog does
            # not list takes no space from the live one.
            if st["partitions_sealing"] > 0:
                check("waiting for space" in st["keeper_last_error"], "the keeper says why", st)
            if st["db_rotate_errors"] > 0:
                check("full" in st["db_rotate_last_error"], "the rotation's error", st)
            listed = {os.path.basename(p["path"]) for p in partitions(c.db)}
            eq(sorted(f for f in os.listdir(parts_dir) if not f.endswith(("-wal", "-shm")) and
                      f not in listed), [], "no file the catalog does not list")
            # Nothing half-done is left, and what is there is whole.
            eq(seal_copies(), [], "no seal's copy left")
            eq(integrity(c.db), [("ok",)], "the catalog's integrity_check")
            # The closed partitions are whole and readable now. (A partition
            # whose rotation could not checkpoint its WAL into the full
            # filesystem keeps its entries in the WAL: SQLite's readers must
            # write its -shm to recover it, so they read it once space
            # returns - checked below.)
            # (How many the keeper sealed before the disk filled depends on
            # how soon it ran: at low priority, maybe none.)
            closed = partitions(c.db, states=("closed",))
            for p in closed:
                eq(integrity(p["abspath"]), [("ok",)], "integrity_check of " + p["path"])
            in_closed = sum(p["entries"] for p in closed)
            got = []
            for p in closed:
                con = sqlite3.connect("file:%s?mode=ro" % p["abspath"], uri=True)
                got += [r[0] for r in con.execute("SELECT msg FROM entries WHERE app = 'full' "
                                                  "ORDER BY id")]
                con.close()
            eq(got, sent[:len(got)], "the closed partitions' entries, in order")
            check(in_closed >= len(got) and len(got) <= acked, "only acknowledged ones", len(got))
            check(c.running(), "the collector keeps running")
            # Space returns: the held entries go in, the sync is acked, and
            # everything waiting is sealed.
            subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
            ack = k.read_reply(60)
            eq((ack["op"], ack["id"], ack["accepted"]), ("ack", b, len(sent)), "the ack")
            wait_for(lambda: all(p["state"] in ("live", "closed") for p in partitions(c.db)),
                     "every partition sealed once space returned", timeout=30)
            k.close()
            c.stop()
            eq(integrity(c.db), [("ok",)], "the catalog's integrity_check")
            for p in partitions(c.db):
                eq(integrity(p["abspath"]), [("ok",)], "integrity_check of " + p["path"])
            got = [m for m in c.msgs() if m.startswith("full ")]
            eq(got, sent, "every entry exactly once, in order")
        finally:
            if c.running():
                c.kill()
            subprocess.run(["umount", mnt])


if __name__ == "__main__":
    cltest.main("test_dbfaults", [test_db_deleted_under_collector,
                                  test_shm_deleted_under_collector, test_created_files_0640,
                                  test_db_damaged_at_start,
                                  test_damaged_foreign_file_refused,
                                  test_db_damaged_while_running, test_wal_growth_bounded,
                                  test_disk_full_at_rotation_and_seal])
