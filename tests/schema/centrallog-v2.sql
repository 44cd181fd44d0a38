-- The version 2 single-database schema, as collectors before the partitioned
-- storage (schema version 3: schema/partition.sql, sealed.sql, catalog.sql)
-- created it; kept for the tests that migrate such a database.
--
-- CentralLog database schema, version 2 (PRAGMA user_version = 2).
--
-- The collector applies this file to a new database (it is compiled into the
-- binary) and sets user_version. An older database is migrated when the
-- collector opens it, in one transaction (collector/sink_sqlite.c):
--   1 -> 2: ALTER TABLE entries ADD COLUMN peer_sid TEXT;
--           ALTER TABLE rejects ADD COLUMN peer_sid TEXT;
-- A migrated database and a new one are the same: ALTER TABLE appends a
-- column, so a column added by a migration is last in this file too. The
-- CLI and any other reader only ever read. Timestamps are microseconds since
-- the Unix epoch, UTC. Levels are syslog severities: 0 emergency .. 7 debug,
-- plus 8 for trace.

PRAGMA application_id = 1129074503; -- 'CLOG': lets tools recognise the file

CREATE TABLE IF NOT EXISTS entries (
    id        INTEGER PRIMARY KEY,      -- arrival order
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

CREATE INDEX IF NOT EXISTS entries_ts       ON entries (ts);
CREATE INDEX IF NOT EXISTS entries_app_ts   ON entries (app, ts);
-- Severity + time, but only where severity is selective: warning and more
-- severe (level <= 4) are a few percent of a normal stream, while maintaining
-- an index over every info/debug row cost a third of ingest speed (see
-- bench/RESULTS.md). A reader asking for warnings or worse adds the literal
-- term "level <= 4" so that SQLite can use this partial index; broader
-- severity filters are not selective anyway and use entries_ts.
CREATE INDEX IF NOT EXISTS entries_level_ts ON entries (level, ts) WHERE level <= 4;

-- Full-text index over msg. External content: the text lives once, in
-- entries. The collector fills it in the background (see fts_indexed_upto in
-- meta); a reader must also scan entries with id > fts_indexed_upto.
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5 (
    msg, content = 'entries', content_rowid = 'id'
);

-- Lines the collector refused, with why and what they were.
CREATE TABLE IF NOT EXISTS rejects (
    id        INTEGER PRIMARY KEY,
    received  INTEGER NOT NULL,
    peer_pid  INTEGER,
    peer_uid  INTEGER,
    peer_gid  INTEGER,
    reason    TEXT    NOT NULL,         -- stable code, see schema/PROTOCOL.md
    message   TEXT    NOT NULL,         -- human explanation naming the key
    raw       BLOB,                     -- the line's bytes, up to 4 KiB
    raw_len   INTEGER NOT NULL,         -- the line's full length
    peer_sid  TEXT                      -- as in entries (last: added by version 2)
);

CREATE INDEX IF NOT EXISTS rejects_received ON rejects (received);

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value
) WITHOUT ROWID;

INSERT OR IGNORE INTO meta (key, value) VALUES ('fts_indexed_upto', 0);
INSERT OR IGNORE INTO meta (key, value) VALUES ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
