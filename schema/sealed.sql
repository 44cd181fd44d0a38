-- The secondary indexes of a sealed (closed, immutable) partition, and of a
-- database written by `centrallog export --sqlite`. Built once, by a sort,
-- when the partition closes (schema/partition.sql says why not before).

CREATE INDEX IF NOT EXISTS entries_ts       ON entries (ts);
CREATE INDEX IF NOT EXISTS entries_app_ts   ON entries (app, ts);
-- Severity + time, but only where severity is selective: warning and more
-- severe (level <= 4) are a few percent of a normal stream. A reader asking
-- for warnings or worse adds the literal term "level <= 4" so that SQLite
-- can use this partial index; broader severity filters are not selective
-- anyway and use entries_ts.
CREATE INDEX IF NOT EXISTS entries_level_ts ON entries (level, ts) WHERE level <= 4;
CREATE INDEX IF NOT EXISTS rejects_received ON rejects (received);
