-- lakecat catalog schema, version 8: tags on databases, tables, crawlers and classifiers
-- (Glue's TagResource). `kind` and `owner_id` name the tagged object; one of the four
-- reference columns holds the same id, so that a tag goes with its object.

CREATE TABLE tags (
    kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    database_id INTEGER REFERENCES databases (id) ON DELETE CASCADE,
    table_id INTEGER REFERENCES tables (id) ON DELETE CASCADE,
    crawler_id INTEGER REFERENCES crawlers (id) ON DELETE CASCADE,
    classifier_id INTEGER REFERENCES classifiers (id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (kind, owner_id, tag_key)
);

CREATE INDEX tags_by_database ON tags (database_id);
CREATE INDEX tags_by_table ON tags (table_id);
CREATE INDEX tags_by_crawler ON tags (crawler_id);
CREATE INDEX tags_by_classifier ON tags (classifier_id);
