-- lakecat catalog schema, version 4: scheduled crawls.
--
-- `schedule_due_at` is when the crawler's schedule next fires (epoch milliseconds), NULL when
-- it has no schedule or the schedule is paused. A scheduler claims a due crawl by moving this
-- time forward with a conditional UPDATE (`WHERE schedule_due_at = <the time it read>`), so
-- among several servers on one database exactly one starts each scheduled crawl.

ALTER TABLE crawlers ADD COLUMN schedule_due_at INTEGER;

CREATE INDEX crawlers_by_schedule_due_at ON crawlers (schedule_due_at);
