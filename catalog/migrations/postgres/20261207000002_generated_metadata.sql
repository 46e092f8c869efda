-- lakecat catalog schema, version 12: the generated Iceberg metadata file lakecat serves for a
-- crawled table, recorded beside its file index when written, so the next generation carries
-- on from that file and never from whatever a listing of the metadata folder turns up
-- (docs/decisions/0004-iceberg-rest-catalog.md §7). Null until first generated.

ALTER TABLE table_file_state ADD COLUMN generated_metadata TEXT;
