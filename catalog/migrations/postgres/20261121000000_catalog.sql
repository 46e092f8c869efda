-- lakecat catalog schema, version 1.
--
-- Objects keep their definitions as JSON in `body`; columns exist only for what the database
-- must look up, order or filter by. Partition rows keep each partition value in its own
-- column (k0..k15, NULL for Hive's default partition) and, when the value is a number, its
-- numeric value (n0..n15), so that GetPartitions filters run inside the database on indexes.
-- Times are epoch milliseconds.
-- Partition values use the C collation so that they compare byte-wise, as in SQLite.

CREATE TABLE databases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    create_time BIGINT NOT NULL
);

CREATE TABLE tables (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    database_id BIGINT NOT NULL REFERENCES databases (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    UNIQUE (database_id, name)
);

CREATE TABLE table_versions (
    table_id BIGINT NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    update_time BIGINT NOT NULL,
    PRIMARY KEY (table_id, version)
);

CREATE TABLE partitions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_id BIGINT NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    values_key TEXT NOT NULL,
    body TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    k0 TEXT COLLATE "C",
    k1 TEXT COLLATE "C",
    k2 TEXT COLLATE "C",
    k3 TEXT COLLATE "C",
    k4 TEXT COLLATE "C",
    k5 TEXT COLLATE "C",
    k6 TEXT COLLATE "C",
    k7 TEXT COLLATE "C",
    k8 TEXT COLLATE "C",
    k9 TEXT COLLATE "C",
    k10 TEXT COLLATE "C",
    k11 TEXT COLLATE "C",
    k12 TEXT COLLATE "C",
    k13 TEXT COLLATE "C",
    k14 TEXT COLLATE "C",
    k15 TEXT COLLATE "C",
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
