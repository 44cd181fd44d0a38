-- CentralLog catalog, schema version 3 (PRAGMA user_version = 3).
--
-- Applied to the live database (centrallog.db; --db names it) on top of
-- schema/partition.sql: the list of the closed partitions, which live in the
-- folder named like the live file with ".d" for ".db" (centrallog.d/). The
-- catalog sits in the live file so that one read transaction sees the
-- catalog and the live rows together: a rotation moves rows from the live
-- database into a closed partition and the catalog in one commit, and no
-- reader ever sees a row twice or not at all. Only the collector writes.
--
-- Ids are global: the collector assigns them, unique and increasing across
-- the live database and every partition; partitions hold disjoint id ranges
-- in first_id order, all below the live database's. States:
--   closed    immutable: indexed, full-text index complete; ranges, counts
--             and bytes below are exact;
--   deleting  being removed (retention): readers skip it.
-- Timestamps are microseconds since the Unix epoch, UTC.

CREATE TABLE IF NOT EXISTS partitions (
    seq          INTEGER PRIMARY KEY,   -- creation order
    path         TEXT    NOT NULL UNIQUE, -- relative to the live database's directory
    state        TEXT    NOT NULL CHECK (state IN ('closed', 'deleting')),
    first_id     INTEGER NOT NULL,      -- entry ids first_id..last_id (inclusive)
    last_id      INTEGER NOT NULL,
    first_reject INTEGER NOT NULL,      -- reject ids first_reject..last_reject (may be empty)
    last_reject  INTEGER NOT NULL,
    min_ts       INTEGER,               -- ranges: NULL only when it holds no entry
    max_ts       INTEGER,
    min_received INTEGER,
    max_received INTEGER,
    entries      INTEGER NOT NULL,
    rejects      INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,      -- the file's size
    fts          TEXT    NOT NULL DEFAULT 'complete' CHECK (fts IN ('none', 'partial', 'complete')),
    created      INTEGER NOT NULL,      -- when its first row was received
    sealed       INTEGER NOT NULL       -- when it was closed
);

-- kind 'live' (partition.sql set 'partition'; this file turns the database
-- into the live one). live_from_id, live_from_reject: rows of the live
-- database with a smaller id are already in a closed partition; readers
-- ignore them, and the collector deletes them in chunks.
INSERT OR REPLACE INTO meta (key, value) VALUES ('kind', 'live');
INSERT OR IGNORE INTO meta (key, value) VALUES ('live_from_id', 1);
INSERT OR IGNORE INTO meta (key, value) VALUES ('live_from_reject', 1);
