-- lakecat catalog schema, version 9: column statistics of tables and partitions (Glue's
-- ColumnStatistics). `body` holds the statistics as JSON; `origin` says who wrote them
-- ('user' or 'crawler'), so that a crawl can keep what users wrote; `sketch` holds a
-- mergeable distinct-value sketch when one was computed. Statistics go with their table
-- or partition. The tables are WITHOUT ROWID: rows live in their primary key's B-tree, so a
-- crawl's tens of thousands of rows are written once, not to a table and an index.

CREATE TABLE table_column_statistics (
    table_id INTEGER NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    column_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    body TEXT NOT NULL,
    sketch BLOB,
    PRIMARY KEY (table_id, column_name)
) WITHOUT ROWID;

CREATE TABLE partition_column_statistics (
    partition_id INTEGER NOT NULL REFERENCES partitions (id) ON DELETE CASCADE,
    column_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    body TEXT NOT NULL,
    sketch BLOB,
    PRIMARY KEY (partition_id, column_name)
) WITHOUT ROWID;
