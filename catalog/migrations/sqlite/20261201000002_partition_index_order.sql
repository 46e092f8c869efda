-- lakecat catalog schema, version 5: the order partition indexes were created in.
--
-- Listing orders a table's partition indexes oldest first. Their creation times are in
-- milliseconds, and two indexes created within one millisecond tied (and were then listed
-- by name), so each index now records its place among its table's indexes. Indexes created
-- before this version keep place 0 and their creation time order.

ALTER TABLE partition_indexes ADD COLUMN place INTEGER NOT NULL DEFAULT 0;
