#!/usr/bin/python3
"""End-to-end: `centrallog verify`, journalctl --verify's counterpart.

Asserts:
* a healthy data directory (4 closed partitions with FTS and rollups, a
  sealing one, a live one, the active text file and rotated ones, plain and
  gzipped) gives exactly one PASS line a file and the summary, exit 0; -q
  prints nothing; -o json the same verdicts;
* each fault alone, on a copy, gives exactly one FAIL line (with -q, exit 1)
  naming the file and what is wrong: a byte flipped in a closed partition's
  index page, a partition deleted, a partition replaced by a symbolic link,
  a partition of another owner than the catalog (as root),
  an orphan file, a catalog row whose count is off, a truncated .gz, a
  rollup row changed, an FTS shadow table tampered, a gap between ranges;
* no database: exit 1 with the reason; an operand: exit 2;
* against a collector writing (centrallog bench) with small partitions and
  text files that rotate: every verify passes (no orphan, no missing file,
  however the collector rotates and seals meanwhile) and the collector's
  committed count rises while verify runs (a reader never blocks it).
"""

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import time

import cltest
from cltest import check, eq
from cltest import partitions as P
from cli_data import CLI, NO_RATE_LIMIT, run

import test_cli_partitions as TP

TMP = None
DATA = None
NAMES = None  # the partitions' relative paths, in first_id order


def setup():
    global TMP, DATA, NAMES
    TMP = cltest.make_tempdir("cl-verify-")
    single = os.path.join(TMP, "single.db")
    P.make_single(single, TP.entries(n=600), TP.rejects(8))
    DATA = os.path.join(TMP, "data")
    P.split(single, DATA, [121, 241, 361, 481], [3, 5, 7, 9])
    # The live partition becomes 'sealing' with a new live one after it.
    P.rotate(DATA)
    P.append_live(DATA, [dict(TP.entries(n=1)[0], id=i, msg="new %d" % i)
                         for i in range(601, 606)])
    parts = os.path.join(DATA, P.PARTS_DIR)
    for name in os.listdir(parts):  # the builder's leftovers
        if name.startswith(".build-"):
            os.unlink(os.path.join(parts, name))
    with open(os.path.join(DATA, "centrallog.log"), "wb") as f:
        f.write(b"today 1\ntoday 2\n")
    with open(os.path.join(DATA, "centrallog.log.1"), "wb") as f:
        f.write(b"yesterday\n")
    for k in (2, 3):
        with gzip.open(os.path.join(DATA, "centrallog.log.%d.gz" % k), "wb") as f:
            f.write(("older %d\n" % k).encode() * 500)
    NAMES = [r["path"] for r in P.read_catalog(os.path.join(DATA, P.CATALOG))]


def copy(name):
    dest = os.path.join(TMP, name)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(DATA, dest, symlinks=True)
    return dest


def verify(d, *args):
    """centrallog verify in d, --db naming its catalog relatively (so the
    paths printed are the catalog's)."""
    return run(["verify", "--db", P.CATALOG] + list(args), cwd=d)


def healthy_lines():
    lines = ["PASS centrallog.db"]
    lines += ["PASS %s" % n for n in NAMES[:4]]
    lines.append("PASS %s (sealing partition: checked as a snapshot)" % NAMES[4])
    lines.append("PASS %s (live partition: checked as a snapshot)" % NAMES[5])
    lines += ["PASS centrallog.log", "PASS centrallog.log.1", "PASS centrallog.log.2.gz",
              "PASS centrallog.log.3.gz", "11 files checked, 0 failed."]
    return lines


def test_healthy():
    d = copy("healthy")
    rc, out, err = verify(d)
    eq((rc, err), (0, ""), "exit status and stderr")
    eq(out.decode().splitlines(), healthy_lines(), "one PASS line a file and the summary")
    eq(verify(d, "-q"), (0, b"", ""), "-q: nothing when all pass")
    rc, out, err = verify(d, "--quick")
    eq((rc, out.decode().splitlines()), (0, healthy_lines()), "--quick")
    rc, out, err = verify(d, "-o", "json")
    eq((rc, err), (0, ""), "json exit status")
    j = json.loads(out)
    eq([(f["path"], f["kind"], f["ok"], f["problem"]) for f in j["files"]],
       [("centrallog.db", "catalog", True, None)] +
       [(n, "partition", True, None) for n in NAMES] +
       [(n, "text", True, None) for n in ("centrallog.log", "centrallog.log.1",
                                           "centrallog.log.2.gz", "centrallog.log.3.gz")],
       "json verdicts")
    eq((j["checked"], j["failed"], j["first_id"]), (11, 0, 1), "json summary")


def expect_fail(d, line):
    """One FAIL line exactly (-q), exit 1."""
    rc, out, err = verify(d, "-q")
    eq((rc, out.decode(), err), (1, line + "\n", ""), "-q output")


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def root_page(path, name):
    con = sqlite3.connect("file:%s?mode=ro&immutable=1" % path, uri=True)
    try:
        return con.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?",
                           (name,)).fetchone()[0]
    finally:
        con.close()


def test_byte_flipped():
    d = copy("flip")
    path = os.path.join(d, NAMES[1])
    # A byte of a cell near the end of index entries_ts's only page: the
    # table and the index disagree, which integrity_check finds.
    page = root_page(path, "entries_ts")
    flip_byte(path, page * 4096 - 40)
    expect_fail(d, "FAIL %s: integrity_check: row 3 missing from index entries_ts" % NAMES[1])
    rc, out, err = verify(d)
    eq(out.decode().splitlines()[-1], "11 files checked, 1 failed.", "the summary")


def test_partition_deleted():
    d = copy("deleted")
    os.unlink(os.path.join(d, NAMES[2]))
    expect_fail(d, "FAIL %s: is missing (the catalog lists it, closed)" % NAMES[2])


def test_partition_symlink():
    d = copy("symlink")
    path = os.path.join(d, NAMES[2])
    os.rename(path, os.path.join(TMP, "elsewhere.db"))
    os.symlink(os.path.join(TMP, "elsewhere.db"), path)
    expect_fail(d, "FAIL %s: is a symbolic link, not a regular file (not followed)" % NAMES[2])


def test_partition_owner():
    """A partition owned by another user than the catalog (a restore as
    the wrong user): said, the file checked all the same."""
    if os.geteuid() != 0:
        cltest.not_checked("a partition of another owner (needs root to chown)")
        return
    d = copy("owner")
    os.chown(os.path.join(d, NAMES[3]), 65534, 65534)
    expect_fail(d, "FAIL %s: belongs to uid 65534, the catalog to uid 0" % NAMES[3])


def test_orphan():
    d = copy("orphan")
    with open(os.path.join(d, P.PARTS_DIR, "restored-copy.db"), "wb") as f:
        f.write(b"x" * 100)
    expect_fail(d, "FAIL %s/restored-copy.db: not listed in the catalog (an orphan: left in "
                "place; move it away once you know what it is)" % P.PARTS_DIR)
    check(os.path.exists(os.path.join(d, P.PARTS_DIR, "restored-copy.db")), "never deleted")
    rc, out, err = verify(d)
    eq(out.decode().splitlines()[-1], "12 files checked, 1 failed.", "the summary")


def test_catalog_count_off():
    d = copy("count")
    con = sqlite3.connect(os.path.join(d, P.CATALOG))
    con.execute("UPDATE partitions SET entries = entries + 1 WHERE path = ?", (NAMES[2],))
    con.commit()
    con.close()
    expect_fail(d, "FAIL %s: 120 entries, the catalog says 121" % NAMES[2])


def test_catalog_gap():
    """A middle partition gone with its row (not retention, which removes
    the oldest): the ids it held are in no partition."""
    d = copy("gap")
    con = sqlite3.connect(os.path.join(d, P.CATALOG))
    con.execute("DELETE FROM partitions WHERE path = ?", (NAMES[2],))
    con.commit()
    con.close()
    os.unlink(os.path.join(d, NAMES[2]))
    expect_fail(d, "FAIL %s: ids 241-360 are in no partition (a gap after %s)"
                % (NAMES[3], NAMES[1]))


def test_retention_gap():
    """The oldest partition removed by retention (row and file): no fault,
    the summary says which ids went."""
    d = copy("retention")
    con = sqlite3.connect(os.path.join(d, P.CATALOG))
    con.execute("DELETE FROM partitions WHERE path = ?", (NAMES[0],))
    con.commit()
    con.close()
    os.unlink(os.path.join(d, NAMES[0]))
    rc, out, err = verify(d)
    eq((rc, err), (0, ""), "exit status")
    want = [l for l in healthy_lines() if NAMES[0] not in l]
    want[-1:] = ["Ids 1-120 were removed by retention (or never stored).",
                 "10 files checked, 0 failed."]
    eq(out.decode().splitlines(), want, "the output")


def test_truncated_gz():
    d = copy("gz")
    path = os.path.join(d, "centrallog.log.2.gz")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])
    expect_fail(d, "FAIL centrallog.log.2.gz: does not decompress whole: unexpected end of file")


def test_rollup_changed():
    d = copy("rollup")
    con = sqlite3.connect(os.path.join(d, NAMES[3]))
    con.execute("UPDATE rollup_hour SET n = n + 1 WHERE rowid = 2")
    con.commit()
    con.close()
    expect_fail(d, "FAIL %s: rollup_hour: 2 rows differ from the entries' counts per hour"
                % NAMES[3])


def test_fts_tampered():
    d = copy("fts")
    con = sqlite3.connect(os.path.join(d, NAMES[0]))
    con.execute("DELETE FROM entries_fts_docsize WHERE id = 10")
    con.commit()
    con.close()
    expect_fail(d, "FAIL %s: entries_fts: FTS5 integrity-check failed (database disk image is "
                "malformed)" % NAMES[0])


def test_usage_and_missing():
    rc, out, err = run(["verify", "extra"], cwd=TMP)
    eq((rc, out), (2, b""), "an operand is a usage error")
    rc, out, err = run(["verify", "--db", os.path.join(TMP, "none.db")], cwd=TMP)
    eq((rc, out, err), (1, b"", "centrallog verify: no database at %s (from --db); point at one "
                        "with --db PATH or CENTRALLOG_DB=PATH\n" % os.path.join(TMP, "none.db")),
       "no database")
    d = copy("garbage")
    with open(os.path.join(d, P.CATALOG), "wb") as f:
        f.write(b"garbage " * 1000)
    eq(verify(d), (1, b"", "centrallog verify: centrallog.db is not an SQLite database, so not a "
                   "CentralLog one; point --db at the collector's centrallog.db\n"),
       "a catalog that is not a database: nothing to verify")


def test_while_writing():
    """verify against a collector under load, which rotates and seals
    every fraction of a second: verify after verify for 3 s passes every
    time, and the writer keeps committing meanwhile (a reader of the
    partitions never holds it up for long; see the report on R3)."""
    flags = NO_RATE_LIMIT + ("--db-rotate-size", "256K", "--rotate-size", "256K",
                             "--max-disk", "off")
    with cltest.Collector(*flags) as c:
        bench = subprocess.Popen([CLI, "--address", c.sock, "bench", "-P", "2", "-n", "5000000",
                                  "-s", "100", "-L", "0"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            cltest.wait_for(lambda: c.stats()["seals"] >= 2, "partitions sealed under load", 120)
            before, start, runs = c.stats()["committed"], time.monotonic(), 0
            while runs < 2 or time.monotonic() - start < 3.0:
                rc, out, err = run(["verify", "--db", c.db])
                lines = out.decode().splitlines()
                eq((rc, err), (0, ""), "verify under load: %s" % lines)
                # (The live partition listed may be sealed before its turn:
                # then its closed file is checked, under its new name.)
                check(all(l.startswith("PASS ") for l in lines[:-1]), "all PASS", lines)
                runs += 1
            after = c.stats()["committed"]
            check(bench.poll() is None, "the load lasted as long as the verify runs")
            check(after > before, "the writer committed while verify ran", before, after, runs)
        finally:
            bench.kill()
            bench.wait()
        c.stop()
        rc, out, err = run(["verify", "--db", c.db])
        lines = out.decode().splitlines()
        eq((rc, err), (0, ""), "verify after the stop: %s" % lines)
        check(all(l.startswith("PASS ") for l in lines[:-1]), "all PASS after the stop", lines)
        check(any(l.endswith("(live partition: checked as a snapshot)") for l in lines),
              "the live one said to be a snapshot", lines)


TESTS = [test_healthy, test_byte_flipped, test_partition_deleted, test_partition_symlink,
         test_partition_owner,
         test_orphan, test_catalog_count_off, test_catalog_gap, test_retention_gap, test_truncated_gz,
         test_rollup_changed, test_fts_tampered, test_usage_and_missing, test_while_writing]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_verify", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
