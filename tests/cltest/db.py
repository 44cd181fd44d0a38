"""Reading what the collector stored, read-only: a catalog and its partitions
(docs/DESIGN.md, "Storage"), or a single database (version 1/2, an export).

Database.query() sees every partition as if it were one database: the tables
entries and rejects are views over all partitions the catalog lists (state not
'deleting', in first_id order), so tests written for one file keep working.
Partitions are read directly with sqlite3 (not through the CLI)."""

import os
import sqlite3
import time
import urllib.parse

# SQLite attaches at most 10 databases (Debian's build); past that the rows are
# copied into memory instead.
_ATTACH_MAX = 9


def _uri(path, immutable=False):
    q = "mode=ro" + ("&immutable=1" if immutable else "")
    return "file:%s?%s" % (urllib.parse.quote(os.path.abspath(path)), q)


def is_catalog(path):
    """Whether the file at path is a version 3 catalog."""
    con = sqlite3.connect(_uri(path), uri=True, timeout=30)
    try:
        if con.execute("PRAGMA user_version").fetchone()[0] < 3:
            return False
        row = con.execute("SELECT value FROM meta WHERE key = 'kind'").fetchone()
        return row is not None and row[0] == "catalog"
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


def partitions(catalog, states=("live", "sealing", "closed")):
    """The catalog's rows as dicts (path made absolute), in first_id order."""
    con = sqlite3.connect(_uri(catalog), uri=True, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT * FROM partitions ORDER BY first_id")]
    finally:
        con.close()
    base = os.path.dirname(os.path.abspath(catalog))
    out = []
    for r in rows:
        if r["state"] in states:
            r["abspath"] = os.path.join(base, r["path"])
            out.append(r)
    return out


def _open_all(catalog):
    """A connection whose entries and rejects span every partition."""
    parts = partitions(catalog)
    con = sqlite3.connect(":memory:", timeout=30)
    try:
        if len(parts) <= _ATTACH_MAX:
            for i, p in enumerate(parts):
                con.execute("ATTACH ? AS p%d" % i, (_uri(p["abspath"]),))
            for t in ("entries", "rejects"):
                union = " UNION ALL ".join("SELECT * FROM p%d.%s" % (i, t)
                                           for i in range(len(parts)))
                con.execute("CREATE TEMP VIEW %s AS %s" % (t, union or
                            "SELECT * FROM (SELECT 1) WHERE 0"))
            return con
        for i, p in enumerate(parts):
            con.execute("ATTACH ? AS src", (_uri(p["abspath"]),))
            for t in ("entries", "rejects"):
                if i == 0:
                    con.execute("CREATE TABLE main.%s AS SELECT * FROM src.%s WHERE 0" % (t, t))
                con.execute("INSERT INTO main.%s SELECT * FROM src.%s" % (t, t))
            con.commit()
            con.execute("DETACH src")
        return con
    except sqlite3.Error:
        con.close()
        raise


def connect_all(path, timeout=30.0):
    """Opens path read-only: a single database as it is, a catalog with every
    partition's rows visible as entries and rejects. A partition renamed or
    removed between reading the catalog and opening it (the keeper sealed or
    removed it) is found by reading the catalog again."""
    if not is_catalog(path):
        return sqlite3.connect(_uri(path), uri=True, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _open_all(path)
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def entries_by_partition(catalog, cols="id"):
    """[(partition row, [rows of entries ordered by id])] for each partition."""
    out = []
    for p in partitions(catalog):
        con = sqlite3.connect(_uri(p["abspath"]), uri=True, timeout=30)
        try:
            out.append((p, con.execute("SELECT %s FROM entries ORDER BY id" % cols).fetchall()))
        finally:
            con.close()
    return out


class Database:
    """A collector's data, opened read-only for each query (the collector
    keeps writing; a query sees what is committed). path is the catalog (the
    file --db names) or a single database."""

    def __init__(self, path):
        self.path = path

    def _connect(self):
        if not os.path.exists(self.path):
            raise AssertionError("no database at %s" % self.path)
        return connect_all(self.path)

    def query(self, sql, params=()):
        """Rows of a read-only query (TEXT as str)."""
        con = self._connect()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def query_raw(self, sql, params=()):
        """Like query() but leaves TEXT/BLOB values as bytes."""
        con = self._connect()
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


def live_file(catalog):
    """The live partition's file (where a small test's rows all are)."""
    live = partitions(catalog, states=("live",))
    if len(live) != 1:
        raise AssertionError("%s lists %d live partitions" % (catalog, len(live)))
    return live[0]["abspath"]


def copy_data(catalog, dest):
    """Copies a collector's data as `cp -r` would (the catalog and its
    partitions' folder, -wal files included) so that dest names the copy's
    catalog; a single database is copied with its -wal."""
    import shutil
    for suffix in ("", "-wal"):
        if os.path.exists(catalog + suffix):
            shutil.copy(catalog + suffix, dest + suffix)
    if is_catalog(catalog):
        src_dir = catalog[:-3] + ".d" if catalog.endswith(".db") else catalog + ".d"
        dst_dir = dest[:-3] + ".d" if dest.endswith(".db") else dest + ".d"
        shutil.copytree(src_dir, dst_dir)
