-- The counts behind `centrallog stats`, kept per sealed partition: how many
-- entries of each (UTC hour, level, app, host), and the first and last ts
-- among them. Built once by sealing, after schema/sealed.sql, in the same
-- transaction; then meta rollup_hour_upto = the partition's last id says
-- the table is complete. A file without that key (sealed before this table
-- existed, written by `centrallog export --sqlite`, or a live partition) is
-- counted row by row, as is any part of it the rollup cannot answer.
--
-- Why these columns: stats prints the counts by level, the counts (and
-- errors, warnings) of each app and of each host, the first and last ts,
-- and a chart of counts by level per bucket; -p, -t and --host filter on
-- level, app and host. Together they need the joint counts: per app and
-- host only for -t/--host. Any other filter (--pid, --field, -g,
-- --words, --uid ...) is answered by the rows.
--
-- Why an hour: stats' buckets are 1, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12
-- hours, 1 or 7 days, in local time. A UTC hour lies wholly inside a bucket
-- of an hour or more wherever the zone's offset is a whole number of hours
-- (most of the world); a finer grain would also serve sub-hour buckets and
-- half-hour zones, but multiplies the rows: on the query benchmark's data
-- (200 apps, 20 hosts, 9 levels, 137,000 entries an hour) one partition of
-- 952,380 entries has 96,238 hour rows (a tenth of the entries), 210,990 at
-- 15 minutes and 351,501 at 5. A reader uses an hour only when it lies
-- wholly inside the requested range and inside one bucket of the chart
-- (tools/tally.c checks every hour it used against the zone), and counts
-- the rows for everything else: the partial hours at the range's edges,
-- minute buckets, zones whose offset is not whole hours.
--
-- start: the hour's first microsecond (floor of ts, negative ts included).
-- No column types: the values are stored exactly as in entries.

CREATE TABLE IF NOT EXISTS rollup_hour (
    start, level, app, host,
    n      INTEGER NOT NULL, -- entries
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL
);

INSERT INTO rollup_hour (start, level, app, host, n, min_ts, max_ts)
SELECT ts - (ts % 3600000000 + 3600000000) % 3600000000 AS hour, level, app, host,
       count(*), min(ts), max(ts)
FROM entries GROUP BY hour, level, app, host ORDER BY hour;

CREATE INDEX IF NOT EXISTS rollup_hour_start ON rollup_hour (start);

INSERT OR REPLACE INTO meta (key, value)
SELECT 'rollup_hour_upto', coalesce(max(id), 0) FROM entries;
