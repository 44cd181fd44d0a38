-- CentralLog catalog schema, version 4 (PRAGMA user_version = 4; its
-- partitions are version 3). Version 4 added forward_cursors; the collector
-- migrates a version 3 catalog by creating it.
--
-- The file a data directory is known by (centrallog.db; --db names it): the
-- list of its partitions (schema/partition.sql), which live in the folder
-- named like it with ".d" for ".db" (centrallog.d/). Readers find every
-- entry through it; only the collector writes it, in short transactions.
--
-- Partitions hold disjoint, increasing id ranges in first_id order. States:
--   live      the one partition the collector writes (the newest);
--   sealing   no longer written, complete, being sealed (indexed, FTS) into
--             a closed copy; its path still names the former live file;
--   closed    immutable: ranges, counts and bytes below are exact;
--   deleting  being removed (retention): readers skip it.
-- Timestamps are microseconds since the Unix epoch, UTC.

PRAGMA application_id = 1129074503; -- 'CLOG'

CREATE TABLE IF NOT EXISTS partitions (
    seq          INTEGER PRIMARY KEY,   -- creation order
    path         TEXT    NOT NULL UNIQUE, -- relative to the catalog's directory
    state        TEXT    NOT NULL CHECK (state IN ('live', 'sealing', 'closed', 'deleting')),
    first_id     INTEGER NOT NULL,      -- first entry id the partition may hold
    last_id      INTEGER,               -- highest entry id; NULL until sealing
    first_reject INTEGER NOT NULL,      -- first reject id the partition may hold
    last_reject  INTEGER,               -- NULL until sealing
    min_ts       INTEGER,               -- ranges: NULL unless closed (and not empty)
    max_ts       INTEGER,
    min_received INTEGER,
    max_received INTEGER,
    entries      INTEGER,               -- counts and size: NULL unless closed
    rejects      INTEGER,
    bytes        INTEGER,
    fts          TEXT    NOT NULL DEFAULT 'none' CHECK (fts IN ('none', 'partial', 'complete')),
    created      INTEGER NOT NULL,
    sealed       INTEGER                -- when it was closed; NULL before
);

-- kind 'catalog'; created (ISO 8601 UTC).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value
) WITHOUT ROWID;

INSERT OR IGNORE INTO meta (key, value) VALUES ('kind', 'catalog');
INSERT OR IGNORE INTO meta (key, value) VALUES ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Forwarding (schema/FORWARDING.md): per destination ("syslog+tcp://host:port"),
-- the last entry id the receiver confirmed (RELP: acknowledged; plain TCP:
-- written, and acknowledged by the peer's TCP where the system tells), and
-- how many entries retention removed before they were sent. Written by the
-- destination's forwarder thread on a connection of its own: a one-row
-- statement, so the collector's writer waits at most that long for the lock.
CREATE TABLE IF NOT EXISTS forward_cursors (
    destination TEXT    PRIMARY KEY,
    last_id     INTEGER NOT NULL,
    expired     INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL        -- µs since the epoch
) WITHOUT ROWID;
