-- lakecat catalog schema, version 9: column statistics of tables and partitions (Glue's
-- ColumnStatistics). A user's statistics are one row per column (`origin` 'user'); a crawl's
-- are one row per table or partition (`origin` 'crawler', `column_name` ''), holding every
-- column's, with their distinct-value sketches, as a JSON array: a crawl writes one row per
-- partition, and what users wrote is kept apart and read in preference. Statistics go with
-- their table or partition. The tables are WITHOUT ROWID: rows live in their primary key's
-- B-tree, so a crawl's thousands of rows are written once, not to a table and an index.

CREATE TABLE table_column_statistics (
    table_id INTEGER NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    column_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (table_id, column_name)
) WITHOUT ROWID;

CREATE TABLE partition_column_statistics (
    partition_id INTEGER NOT NULL REFERENCES partitions (id) ON DELETE CASCADE,
    column_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (partition_id, column_name)
) WITHOUT ROWID;
