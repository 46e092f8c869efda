-- lakecat catalog schema, version 6: the process running each crawl.
--
-- A run records the machine and process that run it: `runner_host` (the host name),
-- `runner_machine` (the kernel's boot id and the process id namespace, so that a rebooted
-- machine or another container counts as another machine), `runner_pid` and
-- `runner_start` (the process's start time in clock ticks after boot, so that a process id
-- given to a new process is not mistaken for the runner). A one-shot crawl that finds its
-- crawler running a crawl whose process on the same machine is gone takes over at once,
-- instead of waiting for the heartbeat lease. Runs recorded before this version have NULLs
-- and are taken over after the lease only.

ALTER TABLE crawl_runs ADD COLUMN runner_host TEXT;
ALTER TABLE crawl_runs ADD COLUMN runner_machine TEXT;
ALTER TABLE crawl_runs ADD COLUMN runner_pid INTEGER;
ALTER TABLE crawl_runs ADD COLUMN runner_start INTEGER;
