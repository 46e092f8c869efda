-- lakecat catalog schema, version 11: a file index's identity, a random UUID given when the
-- index is first written. Generated Iceberg metadata is kept under it, so a table dropped and
-- made again under the same name starts a new Iceberg table instead of being served the old
-- one's metadata (docs/decisions/0004-iceberg-rest-catalog.md §7).

ALTER TABLE table_file_state ADD COLUMN identity TEXT NOT NULL DEFAULT '';

UPDATE table_file_state SET identity = md5(random()::text || clock_timestamp()::text || table_id::text);
