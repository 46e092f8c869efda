-- lakecat catalog schema, version 3: partition indexes (Glue's CreatePartitionIndex).
--
-- A partition index is served by a database index over the partitions table's key slots
-- (`partitions_ix_k2_n0` indexes table_id, k2, n0). Tables share the partitions table, so
-- tables whose indexes cover the same slots share one database index; `db_index` names it,
-- and it is dropped when no partition index uses it any more.

CREATE TABLE partition_indexes (
    table_id BIGINT NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    keys TEXT NOT NULL,
    db_index TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (table_id, name)
);

CREATE INDEX partition_indexes_by_db_index ON partition_indexes (db_index);
