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

-- Trigram index over msg for -g/--grep's regular expressions: every 3
-- characters of a message, case folded, so that any literal text of 3 or
-- more characters a pattern requires ("timeout" in "time(out)?s") is one
-- lookup, wherever it falls inside a word; the regex then decides on the
-- rows found. detail=none keeps it small: a term is found as the rows
-- holding all its trigrams (a superset the regex confirms anyway).
-- External content, like entries_fts. Filled by sealing, which then sets
-- meta tri_indexed_upto; a file without that key (sealed before this index
-- existed, or written by export) is searched row by row instead.
CREATE VIRTUAL TABLE IF NOT EXISTS entries_tri USING fts5 (
    msg, content = 'entries', content_rowid = 'id', tokenize = 'trigram', detail = none
);
