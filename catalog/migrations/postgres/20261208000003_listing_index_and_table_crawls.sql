-- lakecat catalog schema: the index filtered partition listings walk, and the crawl run that
-- last changed each table.
--
-- A filtered listing picks the page's partition ids from index entries alone, in id order,
-- and reads only those rows (see ListingQuery in catalog/src/sql/partitions.rs): a filter
-- that no index can seek (`day LIKE '2022-09-2%' AND bucket = 7`, no leading key) is then
-- evaluated over entries of a few dozen bytes instead of whole rows with their bodies. The
-- entries hold the first four key slots, as partitions_by_keys does; a filter on a later key
-- reads the row. The index begins with (table_id, id), so it replaces partitions_by_table.
-- Numeric slots hold numbers of at most 40 characters (filter::MAX_NUMBER_CHARS), so that
-- an entry stays within PostgreSQL's 2,704 bytes with four 512-byte values.
--
-- The statistics are refreshed so that the planner weighs the new index against the key
-- index from the start (a selective leading-key filter must still seek the key index).

CREATE INDEX partitions_by_table_slots
    ON partitions (table_id, id, k0, k1, k2, k3, n0, n1, n2, n3);
DROP INDEX partitions_by_table;
ANALYZE partitions;

-- The crawl run that last created or changed each table (its definition or partitions),
-- recorded when the run finishes: what the console's table page links to. Gone with the
-- table, and with the run's record (a deleted crawler's runs).
CREATE TABLE table_last_crawl (
    table_id BIGINT PRIMARY KEY REFERENCES tables (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
    change_time BIGINT NOT NULL
);

CREATE INDEX table_last_crawl_by_run ON table_last_crawl (run_id);
