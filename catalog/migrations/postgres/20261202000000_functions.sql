-- lakecat catalog schema, version 7: user-defined functions (Glue's
-- CreateUserDefinedFunction). A function belongs to a database and goes with it.
-- `body` is the function's definition as JSON (class, owner, resource URIs).

CREATE TABLE functions (
    database_id BIGINT NOT NULL REFERENCES databases (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (database_id, name)
);
