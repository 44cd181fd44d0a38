"""partitions - building data directories of schema version 3 (a catalog and
its partitions, docs/DESIGN.md "Storage") by the schema files alone, without
a collector: the CLI's tests read them, whatever the collector's branch does.

    make_single(path, entries, rejects)   a version 2 single database
                                          (tests/schema/centrallog-v2.sql), FTS complete
    split(src, data_dir, bounds, ...)     the rows of a single database as a
                                          data directory: closed partitions
                                          (sealed.sql indexes, rollup.sql counts,
                                          complete and optimized FTS, journal
                                          DELETE) and a
                                          live one (no index, no FTS rows)

Entries and rejects are dicts with the columns of the tables (missing ones
NULL). Times are microseconds since the epoch, UTC.
"""

import datetime
import os
import sqlite3

from .process import REPO

SCHEMA = os.path.join(REPO, "schema")
ENTRY_COLS = ["id", "ts", "received", "level", "app", "host", "pid", "tid", "logger", "trace_id",
              "span_id", "msg", "fields", "extra", "peer_pid", "peer_uid", "peer_gid", "peer_sid"]
REJECT_COLS = ["id", "received", "peer_pid", "peer_uid", "peer_gid", "reason", "message", "raw",
               "raw_len", "peer_sid"]
CATALOG = "centrallog.db"
US = 1000000
PARTS_DIR = "centrallog.d"


def schema(name):
    with open(os.path.join(SCHEMA, name), encoding="utf-8") as f:
        return f.read()


def _insert(con, table, cols, rows):
    sql = "INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(cols), ", ".join("?" * len(cols)))
    con.executemany(sql, [[r.get(c) for c in cols] for r in rows])


def make_single(path, entries, rejects=(), fts_upto=None):
    """A version 2 single database holding entries and rejects, its FTS index
    complete (or up to id fts_upto)."""
    con = sqlite3.connect(path)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schema",
                           "centrallog-v2.sql")) as f:
        con.executescript(f.read())
    con.execute("PRAGMA user_version = 2")
    _insert(con, "entries", ENTRY_COLS, entries)
    _insert(con, "rejects", REJECT_COLS, rejects)
    upto = max([e["id"] for e in entries] or [0]) if fts_upto is None else fts_upto
    con.execute("INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries WHERE id <= ?",
                (upto,))
    con.execute("UPDATE meta SET value = ? WHERE key = 'fts_indexed_upto'", (upto,))
    con.commit()
    con.close()


def stamp(us):
    return datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc).strftime(
        "%Y%m%dT%H%M%SZ")


def _partition(src, path, lo, hi, rlo, rhi, first_id, first_reject, sealed, trigram=True):
    con = sqlite3.connect(path)
    con.executescript(schema("partition.sql"))
    con.execute("PRAGMA user_version = 3")
    con.execute("ATTACH DATABASE ? AS src", (src,))
    con.execute("INSERT INTO entries SELECT * FROM src.entries WHERE id BETWEEN ? AND ?", (lo, hi))
    con.execute("INSERT INTO rejects SELECT * FROM src.rejects WHERE id BETWEEN ? AND ?",
                (rlo, rhi))
    con.commit()
    con.execute("DETACH DATABASE src")
    meta = {"first_id": first_id, "first_reject": first_reject, "sealed": 1 if sealed else 0,
            "fts_indexed_upto": (hi if sealed else first_id - 1)}
    for k, v in meta.items():
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (k, v))
    if sealed:
        con.executescript(schema("sealed.sql"))
        con.execute("INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')")
        con.execute("INSERT INTO entries_fts (entries_fts) VALUES ('optimize')")
        if trigram:  # as a collector seals since -g's trigram index exists
            con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('rebuild')")
            con.execute("INSERT INTO entries_tri (entries_tri) VALUES ('optimize')")
            con.execute("INSERT INTO meta (key, value) VALUES ('tri_indexed_upto', ?)", (hi,))
        else:  # as sealed before it existed: no table, no meta key
            con.execute("DROP TABLE entries_tri")
        if trigram:  # stats' counts per hour, as sealing builds them (not before -g's index either)
            con.executescript(schema("rollup.sql"))
        con.commit()
        con.execute("PRAGMA journal_mode = DELETE")
    else:
        con.commit()
        con.execute("PRAGMA journal_mode = WAL")
    con.close()


def _stats(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        r = con.execute("SELECT min(ts), max(ts), min(received), max(received), count(*), "
                        "max(id) FROM entries").fetchone()
        j = con.execute("SELECT count(*), max(id), min(received), max(received) "
                        "FROM rejects").fetchone()
    finally:
        con.close()
    return r, j


def split(src, data_dir, bounds, reject_bounds=None, live=True, created=1795651200000000,
          live_range=False, old_sealed=()):
    """Writes data_dir/centrallog.db (the catalog) and data_dir/centrallog.d/
    from the single database src. bounds: the first entry id of every
    partition after the first (ids below bounds[0] go to the first); the last
    partition is live when live is true. reject_bounds likewise for rejects
    (default: none in the first partitions, all in the last). live_range:
    the live partition's meta gets min_ts and max_ts (a collector may keep
    them; readers then select it by its range). old_sealed: the indexes (0-based)
    of closed partitions sealed as before -g's trigram index (entries_tri)
    and stats' counts per hour (rollup.sql) existed. Returns the catalog's rows
    as dicts, in first_id order."""
    os.makedirs(os.path.join(data_dir, PARTS_DIR), exist_ok=True)
    s = sqlite3.connect("file:%s?mode=ro" % src, uri=True)
    max_id = s.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0]
    max_rj = s.execute("SELECT coalesce(max(id), 0) FROM rejects").fetchone()[0]
    s.close()
    n = len(bounds) + 1
    firsts = [1] + list(bounds)
    rfirsts = [1] + list(reject_bounds if reject_bounds is not None else [max_rj + 1] * (n - 1))
    rows = []
    for k in range(n):
        lo, hi = firsts[k], (firsts[k + 1] - 1 if k + 1 < n else max_id)
        rlo, rhi = rfirsts[k], (rfirsts[k + 1] - 1 if k + 1 < n else max_rj)
        sealed = not (live and k == n - 1)
        tmp = os.path.join(data_dir, PARTS_DIR, ".build-%d.tmp" % k)
        _partition(src, tmp, lo, hi, rlo, rhi, lo, rlo, sealed, k not in old_sealed)
        (min_ts, max_ts, min_rc, max_rc, count, top), (rcount, rtop, rj_lo, rj_hi) = _stats(tmp)
        # Created when its first row came, sealed a second after its last
        # (a collector's clock; the CLI bounds rejected lines by them).
        got = [t for t in (min_rc, rj_lo) if t is not None]
        born = min(got) - US if got else created + k
        got = [t for t in (max_rc, rj_hi) if t is not None]
        done = max(got) + US if got else born + US
        if sealed:
            name = "%s--%s-%020d.db" % (stamp(min_ts if count else created),
                                        stamp(max_ts if count else created), lo)
        else:
            name = "live-%020d.db" % lo
        path = os.path.join(data_dir, PARTS_DIR, name)
        os.rename(tmp, path)
        if not sealed and live_range and count:
            con = sqlite3.connect(path)
            con.execute("INSERT INTO meta (key, value) VALUES ('min_ts', ?), ('max_ts', ?)",
                        (min_ts, max_ts))
            con.commit()
            con.close()
        row = {"seq": k + 1, "path": PARTS_DIR + "/" + name, "first_id": lo,
               "first_reject": rlo, "fts": "none", "created": born, "state": "live",
               "last_id": None, "last_reject": None, "min_ts": None, "max_ts": None,
               "min_received": None, "max_received": None, "entries": None, "rejects": None,
               "bytes": None, "sealed": None}
        if sealed:
            row.update(state="closed", last_id=hi, last_reject=rhi, entries=count, rejects=rcount,
                       bytes=os.path.getsize(path), fts="complete", sealed=done)
            if count:
                row.update(min_ts=min_ts, max_ts=max_ts, min_received=min_rc,
                           max_received=max_rc)
        rows.append(row)
    write_catalog(os.path.join(data_dir, CATALOG), rows)
    return rows


def write_catalog(path, rows):
    """(Re)writes the catalog at path with rows (dicts of its columns)."""
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.executescript(schema("catalog.sql"))
    con.execute("PRAGMA user_version = 3")
    cols = ["seq", "path", "state", "first_id", "last_id", "first_reject", "last_reject",
            "min_ts", "max_ts", "min_received", "max_received", "entries", "rejects", "bytes",
            "fts", "created", "sealed"]
    _insert(con, "partitions", cols, rows)
    con.commit()
    con.close()


def read_catalog(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM partitions ORDER BY first_id")]
    finally:
        con.close()


def _update(path, sql, params):
    con = sqlite3.connect(path)
    con.execute(sql, params)
    con.commit()
    con.close()


def append_live(data_dir, rows, rejected=()):
    """Inserts entries (and rejects) into the live partition, as the
    collector's writer does (WAL, one transaction)."""
    live = [r for r in read_catalog(os.path.join(data_dir, CATALOG)) if r["state"] == "live"][0]
    con = sqlite3.connect(os.path.join(data_dir, live["path"]))
    _insert(con, "entries", ENTRY_COLS, rows)
    _insert(con, "rejects", REJECT_COLS, rejected)
    con.commit()
    con.close()


def rotate(data_dir, now=None):
    """The collector's rotation, steps R1-R2 (STORAGE.md): a new live
    partition after the live one's last id; the old one becomes 'sealing'
    (its file unchanged). Returns the new live partition's first id."""
    catalog = os.path.join(data_dir, CATALOG)
    rows = read_catalog(catalog)
    old = [r for r in rows if r["state"] == "live"][0]
    con = sqlite3.connect(os.path.join(data_dir, old["path"]))
    last = con.execute("SELECT coalesce(max(id), ?) FROM entries", (old["first_id"] - 1,)).fetchone()[0]
    rlast = con.execute("SELECT coalesce(max(id), ?) FROM rejects",
                        (old["first_reject"] - 1,)).fetchone()[0]
    con.close()
    first = last + 1
    name = "live-%020d.db" % first
    path = os.path.join(data_dir, PARTS_DIR, name)
    con = sqlite3.connect(path)
    con.executescript(schema("partition.sql"))
    con.execute("PRAGMA user_version = 3")
    for k, v in {"first_id": first, "first_reject": rlast + 1, "fts_indexed_upto": first - 1}.items():
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (k, v))
    con.commit()
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    now = now if now is not None else old["created"] + US
    con = sqlite3.connect(catalog)
    con.execute("UPDATE partitions SET state = 'sealing', last_id = ?, last_reject = ? "
                "WHERE seq = ?", (last, rlast, old["seq"]))
    con.execute("INSERT INTO partitions (seq, path, state, first_id, first_reject, fts, created) "
                "VALUES (?, ?, 'live', ?, ?, 'none', ?)",
                (max(r["seq"] for r in rows) + 1, PARTS_DIR + "/" + name, first, rlast + 1, now))
    con.commit()
    con.close()
    return first


def seal(data_dir, seq):
    """The keeper's sealing, steps S1-S4: a closed copy of the 'sealing'
    partition seq (indexes, FTS complete, journal DELETE) under its final
    name, the catalog row closed with its ranges, the old file removed."""
    catalog = os.path.join(data_dir, CATALOG)
    row = [r for r in read_catalog(catalog) if r["seq"] == seq][0]
    src = os.path.join(data_dir, row["path"])
    tmp = os.path.join(data_dir, PARTS_DIR, ".seal-%020d.tmp" % row["first_id"])
    _partition(src, tmp, row["first_id"], row["last_id"], row["first_reject"],
               row["last_reject"], row["first_id"], row["first_reject"], True)
    (min_ts, max_ts, min_rc, max_rc, count, _), (rcount, _, rj_lo, rj_hi) = _stats(tmp)
    name = "%s--%s-%020d.db" % (stamp(min_ts if count else row["created"]),
                                stamp(max_ts if count else row["created"]), row["first_id"])
    os.rename(tmp, os.path.join(data_dir, PARTS_DIR, name))
    got = [t for t in (max_rc, rj_hi) if t is not None]
    _update(catalog, "UPDATE partitions SET path = ?, state = 'closed', min_ts = ?, max_ts = ?, "
            "min_received = ?, max_received = ?, entries = ?, rejects = ?, bytes = ?, "
            "fts = 'complete', sealed = ? WHERE seq = ?",
            (PARTS_DIR + "/" + name, min_ts, max_ts, min_rc, max_rc, count, rcount,
             os.path.getsize(os.path.join(data_dir, PARTS_DIR, name)),
             (max(got) + US) if got else row["created"] + US, seq))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(src + suffix):
            os.unlink(src + suffix)
    return name
