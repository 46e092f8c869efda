-- lakecat catalog schema, version 13: the objects a crawl counted but did not read (a sample
-- size), per folder of a table's file index. A crawl of some folders only (event-driven,
-- docs/decisions/0005-event-driven-crawls.md) replaces those folders' counts instead of adding
-- to the table's, so the same crawl made twice changes nothing. `table_file_state.unread`
-- stays the table's total.

CREATE TABLE table_file_unread (
    table_id INTEGER NOT NULL REFERENCES tables (id) ON DELETE CASCADE,
    folder TEXT NOT NULL,
    unread INTEGER NOT NULL,
    PRIMARY KEY (table_id, folder)
) WITHOUT ROWID;
