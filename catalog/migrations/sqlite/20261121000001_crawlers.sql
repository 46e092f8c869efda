-- lakecat catalog schema, version 2: crawlers, their runs, and custom classifiers.
--
-- A crawler's state (READY, RUNNING, STOPPING) is a column so that starting a crawl is one
-- conditional UPDATE: two starts of one crawler cannot both succeed. Run reports (grouping
-- decisions, changes, per-object issues) are JSON in `report`.

CREATE TABLE crawlers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    last_run_id TEXT
);

CREATE TABLE crawl_runs (
    id TEXT PRIMARY KEY,
    crawler_id INTEGER NOT NULL REFERENCES crawlers (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    -- Last sign of life of the process running the crawl; a RUNNING run whose heartbeat is
    -- older than the lease can be taken over (its process died).
    heartbeat_time INTEGER NOT NULL,
    summary TEXT NOT NULL,
    report TEXT NOT NULL
);

CREATE INDEX crawl_runs_by_crawler ON crawl_runs (crawler_id, start_time, id);

CREATE TABLE classifiers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
);
