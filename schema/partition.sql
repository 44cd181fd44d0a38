-- CentralLog partition schema, version 3 (PRAGMA user_version = 3).
--
-- A data directory holds a catalog (schema/catalog.sql) and partitions:
-- SQLite files with this schema, each holding a disjoint range of entry and
-- reject ids. The collector writes the newest one, the live partition, and
-- closes ("seals") it into an immutable archive partition at a size or an
-- age (docs/DESIGN.md, "Storage"). Both are compiled into common/db.
--
-- The live partition has no secondary index and no full-text rows: indexes
-- maintained row by row were ingest's ceiling, while building them once over
-- a closed partition is a sort. Sealing adds schema/sealed.sql and
-- schema/rollup.sql (stats' counts per hour) and fills entries_fts completely. A reader of a live partition scans it (it is
-- bounded by --db-rotate-size).
--
-- The columns are schema version 2's, in the same order, so a query written
-- for a single version 2 database reads a partition. Ids are assigned by the
-- collector: globally unique and increasing across partitions. Timestamps
-- are microseconds since the Unix epoch, UTC. Levels are syslog severities:
-- 0 emergency .. 7 debug, plus 8 for trace.

PRAGMA application_id = 1129074503; -- 'CLOG': lets tools recognise the file

CREATE TABLE IF NOT EXISTS entries (
    id        INTEGER PRIMARY KEY,      -- arrival order, global across partitions
    ts        INTEGER NOT NULL,         -- event time: the entry's ts, else received
    received  INTEGER NOT NULL,         -- when the collector read the line
    level     INTEGER NOT NULL CHECK (level BETWEEN 0 AND 8),
    app       TEXT    NOT NULL,
    host      TEXT,
    pid       INTEGER,                  -- as claimed by the producer
    tid       INTEGER,
    logger    TEXT,
    trace_id  TEXT,
    span_id   TEXT,
    msg       TEXT    NOT NULL,
    fields    TEXT,                     -- JSON object, as sent minus whitespace
    extra     TEXT,                     -- JSON object of unknown top-level keys
    peer_pid  INTEGER,                  -- as the kernel reports the sender
    peer_uid  INTEGER,                  -- NULL on Windows
    peer_gid  INTEGER,                  -- NULL on Windows
    peer_sid  TEXT                      -- Windows: the sender's user SID; NULL on POSIX
);

-- Full-text index over msg. External content: the text lives once, in
-- entries. Empty in the live partition (meta fts_indexed_upto = first_id - 1);
-- complete and optimized in a sealed one.
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5 (
    msg, content = 'entries', content_rowid = 'id'
);

-- Lines the collector refused, with why and what they were.
CREATE TABLE IF NOT EXISTS rejects (
    id        INTEGER PRIMARY KEY,      -- global across partitions, like entries.id
    received  INTEGER NOT NULL,
    peer_pid  INTEGER,
    peer_uid  INTEGER,
    peer_gid  INTEGER,
    reason    TEXT    NOT NULL,         -- stable code, see schema/PROTOCOL.md
    message   TEXT    NOT NULL,         -- human explanation naming the key
    raw       BLOB,                     -- the line's bytes, up to 4 KiB
    raw_len   INTEGER NOT NULL,         -- the line's full length
    peer_sid  TEXT                      -- as in entries
);

-- kind          'partition'
-- first_id      the first entry id this partition may hold
-- first_reject  the first reject id this partition may hold
-- fts_indexed_upto  entries with id above it are not in entries_fts
-- sealed        0 while live; 1 once sealed (indexes and FTS complete)
-- created       when the file was started (ISO 8601 UTC)
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value
) WITHOUT ROWID;

INSERT OR IGNORE INTO meta (key, value) VALUES ('kind', 'partition');
INSERT OR IGNORE INTO meta (key, value) VALUES ('sealed', 0);
INSERT OR IGNORE INTO meta (key, value) VALUES ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
