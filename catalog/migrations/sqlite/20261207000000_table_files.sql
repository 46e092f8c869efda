-- lakecat catalog schema, version 10: the crawler's index of a table's data files (path,
-- size, exact record count, partition values, column figures from the file's footer), from
-- which lakecat generates Iceberg manifests for crawled Hive tables
-- (docs/decisions/0004-iceberg-rest-catalog.md §3.4). Written in the table's crawl
-- transaction; rows go with their table. `table_file_state` tells "no files" from "never
-- indexed", counts the objects a crawl counted but did not read (a sample size), and holds
-- the generation, which goes up whenever the index changes.

CREATE TABLE table_files (
    table_id INTEGER NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    partition_values TEXT NOT NULL,
    size INTEGER NOT NULL,
    record_count INTEGER,
    stats TEXT,
    PRIMARY KEY (table_id, path)
) WITHOUT ROWID;

CREATE TABLE table_file_state (
    table_id INTEGER PRIMARY KEY REFERENCES tables (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    unread INTEGER NOT NULL
);
