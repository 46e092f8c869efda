-- lakecat catalog schema, version 1.
--
-- Objects keep their definitions as JSON in `body`; columns exist only for what the database
-- must look up, order or filter by. Partition rows keep each partition value in its own
-- column (k0..k15, NULL for Hive's default partition) and, when the value is a number, its
-- numeric value (n0..n15), so that GetPartitions filters run inside the database on indexes.
-- Times are epoch milliseconds.

CREATE TABLE databases (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    create_time INTEGER NOT NULL
);

CREATE TABLE tables (
    id INTEGER PRIMARY KEY,
    database_id INTEGER NOT NULL REFERENCES databases (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    UNIQUE (database_id, name)
);

CREATE TABLE table_versions (
    table_id INTEGER NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (table_id, version)
);

CREATE TABLE partitions (
    id INTEGER PRIMARY KEY,
    table_id INTEGER NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    values_key TEXT NOT NULL,
    body TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    k0 TEXT,
    k1 TEXT,
    k2 TEXT,
    k3 TEXT,
    k4 TEXT,
    k5 TEXT,
    k6 TEXT,
    k7 TEXT,
    k8 TEXT,
    k9 TEXT,
    k10 TEXT,
    k11 TEXT,
    k12 TEXT,
    k13 TEXT,
    k14 TEXT,
    k15 TEXT,
    n0 NUMERIC,
    n1 NUMERIC,
    n2 NUMERIC,
    n3 NUMERIC,
    n4 NUMERIC,
    n5 NUMERIC,
    n6 NUMERIC,
    n7 NUMERIC,
    n8 NUMERIC,
    n9 NUMERIC,
    n10 NUMERIC,
    n11 NUMERIC,
    n12 NUMERIC,
    n13 NUMERIC,
    n14 NUMERIC,
    n15 NUMERIC
);

CREATE UNIQUE INDEX partitions_by_values ON partitions (table_id, values_key);
CREATE INDEX partitions_by_table ON partitions (table_id, id);
CREATE INDEX partitions_by_keys ON partitions (table_id, k0, k1, k2, k3);
