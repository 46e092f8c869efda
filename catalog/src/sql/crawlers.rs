//! Crawlers, crawl runs and custom classifiers.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::map_unique;
use super::rows::{decode, encode, now_millis, time};
use crate::crawlers::model::{
    ChangeKind, ClassifierInput, ClassifierRecord, CrawlReport, CrawlRun, CrawlRunSummary, Crawler,
    CrawlerInput, CrawlerState, RunState, RunningCrawl, TableCrawl,
};
use crate::crawlers::runner::CrawlRunner;
use crate::crawlers::service::ABANDONED_REASON;
use crate::crawlers::store::RunCursor;
use crate::error::{Entity, Error, Result};
use crate::store::Page;

const SELECT_CRAWLER: &str = "SELECT c.id, c.name, c.state, c.version, c.body, c.create_time, \
     c.update_time, c.webhook_secret_sha256, r.summary FROM crawlers c \
     LEFT JOIN crawl_runs r ON r.id = c.last_run_id";

fn crawler_from(row: &AnyRow) -> Result<Crawler> {
    let body: String = row.try_get("body")?;
    let state: String = row.try_get("state")?;
    let summary: Option<String> = row.try_get("summary")?;
    let webhook_secret: Option<String> = row.try_get("webhook_secret_sha256")?;
    Ok(Crawler {
        webhook_secret_set: webhook_secret.is_some(),
        definition: decode(&body)?,
        state: CrawlerState::parse(&state)
            .ok_or_else(|| Error::Backend(format!("unknown crawler state {state:?}").into()))?,
        version: row.try_get("version")?,
        creation_time: time(row.try_get("create_time")?),
        last_updated: time(row.try_get("update_time")?),
        last_crawl: summary.as_deref().map(decode).transpose()?,
        next_scheduled_runs: Vec::new(),
    }
    .with_next_runs())
}

/// How many upcoming fire times a crawler's description shows.
const SHOWN_NEXT_RUNS: usize = 3;

impl Crawler {
    fn with_next_runs(mut self) -> Crawler {
        self.next_scheduled_runs = self
            .definition
            .next_scheduled_runs(chrono::Utc::now(), SHOWN_NEXT_RUNS);
        self
    }
}

/// When the crawler's schedule next fires after now (epoch milliseconds), or NULL.
fn schedule_due_at(input: &CrawlerInput) -> Option<i64> {
    input
        .active_schedule()
        .and_then(|schedule| schedule.next_after(chrono::Utc::now()))
        .map(|at| at.timestamp_millis())
}

async fn fetch_crawler(conn: &mut AnyConnection, name: &str) -> Result<(i64, Crawler)> {
    let sql = format!("{SELECT_CRAWLER} WHERE c.name = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found(Entity::Crawler, name))?;
    Ok((row.try_get("id")?, crawler_from(&row)?))
}

/// The error for a crawler whose state does not allow a request.
fn state_error(crawler: &Crawler) -> Error {
    Error::CrawlerState {
        crawler: crawler.definition.name.clone(),
        state: crawler.state,
    }
}

pub(super) async fn get_crawler(conn: &mut AnyConnection, name: &str) -> Result<Crawler> {
    Ok(fetch_crawler(conn, name).await?.1)
}

/// Creates a crawler inside the caller's transaction.
pub(super) async fn create_crawler_in(
    conn: &mut AnyConnection,
    input: &CrawlerInput,
) -> Result<Crawler> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO crawlers (name, state, version, body, create_time, update_time, \
         schedule_due_at) VALUES ($1, 'READY', 1, $2, $3, $3, $4)",
    )
    .bind(&input.name)
    .bind(encode(input)?)
    .bind(now)
    .bind(schedule_due_at(input))
    .execute(conn)
    .await
    .map_err(|e| map_unique(e, Entity::Crawler, &input.name))?;
    Ok(Crawler {
        definition: input.clone(),
        state: CrawlerState::Ready,
        version: 1,
        creation_time: time(now),
        last_updated: time(now),
        last_crawl: None,
        next_scheduled_runs: Vec::new(),
        webhook_secret_set: false,
    }
    .with_next_runs())
}

/// Sets (or with `None` removes) the SHA-256 of a crawler's webhook secret.
pub(super) async fn set_webhook_secret(
    pool: &AnyPool,
    name: &str,
    sha256: Option<&str>,
) -> Result<()> {
    let updated = sqlx::query("UPDATE crawlers SET webhook_secret_sha256 = $1 WHERE name = $2")
        .bind(sha256)
        .bind(name)
        .execute(pool)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::not_found(Entity::Crawler, name));
    }
    Ok(())
}

/// The SHA-256 of a crawler's webhook secret, if it has one.
pub(super) async fn webhook_secret(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT webhook_secret_sha256 FROM crawlers WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found(Entity::Crawler, name))?;
    Ok(row.try_get("webhook_secret_sha256")?)
}

pub(super) async fn list_crawlers(
    conn: &mut AnyConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<Crawler, String>> {
    let sql = format!("{SELECT_CRAWLER} WHERE c.name > $1 ORDER BY c.name LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(limit as i64 + 1)
        .fetch_all(conn)
        .await?;
    let crawlers = rows.iter().map(crawler_from).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(crawlers, limit, |c| {
        c.definition.name.clone()
    }))
}

pub(super) async fn update_crawler(
    pool: &AnyPool,
    input: &CrawlerInput,
    expected_version: Option<i64>,
) -> Result<Crawler> {
    let mut tx = pool.begin().await?;
    let (id, current) = fetch_crawler(&mut tx, &input.name).await?;
    if current.state != CrawlerState::Ready {
        return Err(state_error(&current));
    }
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(Error::ConcurrentModification(format!(
            "crawler {} is at version {}, not {}; re-read it and retry",
            input.name,
            current.version,
            expected_version.unwrap_or_default()
        )));
    }
    let now = now_millis();
    // A schedule that stays as it was keeps its due time, so that an update does not skip
    // a fire time that is due but not yet claimed.
    let schedule_kept = input.active_schedule().is_some()
        && input.schedule == current.definition.schedule
        && !current.definition.schedule_paused;
    let updated = sqlx::query(
        "UPDATE crawlers SET body = $1, version = version + 1, update_time = $2, \
         schedule_due_at = CASE WHEN $5 = 1 THEN schedule_due_at ELSE $6 END \
         WHERE id = $3 AND version = $4 AND state = 'READY'",
    )
    .bind(encode(input)?)
    .bind(now)
    .bind(id)
    .bind(current.version)
    .bind(i64::from(schedule_kept))
    .bind(schedule_due_at(input))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::ConcurrentModification(format!(
            "crawler {} changed while it was being updated; re-read it and retry",
            input.name
        )));
    }
    tx.commit().await?;
    Ok(Crawler {
        definition: input.clone(),
        version: current.version + 1,
        last_updated: time(now),
        ..current
    }
    .with_next_runs())
}

pub(super) async fn delete_crawler(pool: &AnyPool, name: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    let (id, current) = fetch_crawler(&mut tx, name).await?;
    if current.state != CrawlerState::Ready {
        return Err(state_error(&current));
    }
    sqlx::query("DELETE FROM crawlers WHERE id = $1 AND state = 'READY'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The crawler's (`$1`) last run when it is still running, with the process running it.
const SELECT_RUNNING: &str = "SELECT r.id, r.summary, r.start_time, r.heartbeat_time, \
     r.runner_host, r.runner_machine, r.runner_pid, r.runner_start FROM crawl_runs r \
     JOIN crawlers c ON c.last_run_id = r.id \
     WHERE c.id = $1 AND c.state <> 'READY' AND r.state = 'RUNNING'";

pub(super) async fn release_abandoned(
    pool: &AnyPool,
    name: &str,
    stale_after: std::time::Duration,
) -> Result<bool> {
    let stale_before = now_millis() - i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX);
    release_running(pool, name, ABANDONED_REASON, |row| {
        Ok(row.try_get::<i64, _>("heartbeat_time")? < stale_before)
    })
    .await
}

pub(super) async fn release_run(
    pool: &AnyPool,
    name: &str,
    run_id: &str,
    reason: &str,
) -> Result<bool> {
    release_running(pool, name, reason, |row| {
        Ok(row.try_get::<String, _>("id")? == run_id)
    })
    .await
}

/// Records the crawler's running crawl as FAILED with `reason` and makes the crawler READY,
/// when `release` says so of its row (read by [`SELECT_RUNNING`]). Returns whether it did.
async fn release_running(
    pool: &AnyPool,
    name: &str,
    reason: &str,
    release: impl FnOnce(&AnyRow) -> Result<bool>,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let (id, _) = fetch_crawler(&mut tx, name).await?;
    let running = sqlx::query(SELECT_RUNNING)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = running else {
        return Ok(false);
    };
    if !release(&row)? {
        return Ok(false);
    }
    let released = fail_run(&mut tx, id, &row, reason).await?;
    tx.commit().await?;
    Ok(released)
}

/// Records the running run read into `row` (by [`SELECT_RUNNING`]) as FAILED with `reason`,
/// ended at its last heartbeat, and makes crawler `crawler_id` READY. Nothing changes when the
/// run saved progress or ended since it was read; returns whether it changed.
async fn fail_run(
    conn: &mut AnyConnection,
    crawler_id: i64,
    row: &AnyRow,
    reason: &str,
) -> Result<bool> {
    let run_id: String = row.try_get("id")?;
    let heartbeat: i64 = row.try_get("heartbeat_time")?;
    let mut summary: CrawlRunSummary = decode(&row.try_get::<String, _>("summary")?)?;
    summary.state = RunState::Failed;
    summary.end_time = Some(time(heartbeat));
    summary.error_message = Some(reason.to_string());
    let failed = sqlx::query(
        "UPDATE crawl_runs SET state = 'FAILED', summary = $1 \
         WHERE id = $2 AND state = 'RUNNING' AND heartbeat_time = $3",
    )
    .bind(encode(&summary)?)
    .bind(&run_id)
    .bind(heartbeat)
    .execute(&mut *conn)
    .await?;
    if failed.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE crawlers SET state = 'READY' WHERE id = $1 AND last_run_id = $2")
        .bind(crawler_id)
        .bind(&run_id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

pub(super) async fn running_crawl(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<RunningCrawl>> {
    let (id, _) = fetch_crawler(conn, name).await?;
    let row = sqlx::query(SELECT_RUNNING)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(RunningCrawl {
            crawler_name: name.to_string(),
            run_id: row.try_get("id")?,
            start_time: time(row.try_get("start_time")?),
            heartbeat_time: time(row.try_get("heartbeat_time")?),
            runner: runner_from(&row)?,
        })
    })
    .transpose()
}

/// The process recorded as running a crawl; runs recorded before runners were have none.
fn runner_from(row: &AnyRow) -> Result<Option<CrawlRunner>> {
    let host: Option<String> = row.try_get("runner_host")?;
    let pid: Option<i64> = row.try_get("runner_pid")?;
    let (Some(host), Some(pid)) = (host, pid) else {
        return Ok(None);
    };
    let start: Option<i64> = row.try_get("runner_start")?;
    Ok(Some(CrawlRunner {
        host,
        machine: row.try_get("runner_machine")?,
        pid: u32::try_from(pid)
            .map_err(|_| Error::Backend(format!("process id {pid} out of range").into()))?,
        process_start: start.and_then(|start| u64::try_from(start).ok()),
    }))
}

pub(super) async fn start_crawl(
    pool: &AnyPool,
    name: &str,
    runner: &CrawlRunner,
) -> Result<CrawlRun> {
    let mut tx = pool.begin().await?;
    let (id, current) = fetch_crawler(&mut tx, name).await?;
    let run_id = crate::id::random_uuid();
    let now = now_millis();
    let started = sqlx::query(
        "UPDATE crawlers SET state = 'RUNNING', last_run_id = $1 WHERE id = $2 AND state = 'READY'",
    )
    .bind(&run_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if started.rows_affected() == 0 {
        return Err(state_error(&Crawler {
            state: if current.state == CrawlerState::Ready {
                CrawlerState::Running
            } else {
                current.state
            },
            ..current
        }));
    }
    let run = CrawlRun {
        crawler_name: name.to_string(),
        summary: CrawlRunSummary {
            id: run_id,
            state: RunState::Running,
            start_time: time(now),
            end_time: None,
            error_message: None,
            counts: Default::default(),
        },
        report: CrawlReport::default(),
    };
    sqlx::query(
        "INSERT INTO crawl_runs (id, crawler_id, state, start_time, heartbeat_time, summary, \
         report, runner_host, runner_machine, runner_pid, runner_start) \
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&run.summary.id)
    .bind(id)
    .bind(run.summary.state.as_str())
    .bind(now)
    .bind(encode(&run.summary)?)
    .bind(encode(&run.report)?)
    .bind(&runner.host)
    .bind(runner.machine.as_deref())
    .bind(i64::from(runner.pid))
    .bind(
        runner
            .process_start
            .and_then(|start| i64::try_from(start).ok()),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(run)
}

pub(super) async fn request_stop(pool: &AnyPool, name: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    let (id, current) = fetch_crawler(&mut tx, name).await?;
    if current.state != CrawlerState::Running {
        return Err(state_error(&current));
    }
    sqlx::query("UPDATE crawlers SET state = 'STOPPING' WHERE id = $1 AND state = 'RUNNING'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn write_run(conn: &mut AnyConnection, run: &CrawlRun) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE crawl_runs SET state = $1, summary = $2, report = $3, heartbeat_time = $4 \
         WHERE id = $5",
    )
    .bind(run.summary.state.as_str())
    .bind(encode(&run.summary)?)
    .bind(encode(&run.report)?)
    .bind(now_millis())
    .bind(&run.summary.id)
    .execute(conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::not_found(Entity::CrawlRun, &run.summary.id));
    }
    Ok(())
}

pub(super) async fn save_run(pool: &AnyPool, run: &CrawlRun) -> Result<()> {
    let mut conn = pool.acquire().await?;
    write_run(&mut conn, run).await
}

pub(super) async fn finish_crawl(pool: &AnyPool, run: &CrawlRun) -> Result<()> {
    let mut tx = pool.begin().await?;
    write_run(&mut tx, run).await?;
    record_table_crawls(&mut tx, run).await?;
    sqlx::query(
        "UPDATE crawlers SET state = 'READY' \
         WHERE id = (SELECT crawler_id FROM crawl_runs WHERE id = $1)",
    )
    .bind(&run.summary.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records `run` as the last crawl of each table its report says it created or changed in
/// the catalog (definition or partitions): a change only logged, a table left as it was and
/// a deleted table record nothing. Tables of the crawler's database; one statement each.
async fn record_table_crawls(conn: &mut AnyConnection, run: &CrawlRun) -> Result<()> {
    let changed: Vec<String> = run
        .report
        .changes
        .iter()
        .filter(|change| {
            change.applied
                && matches!(
                    change.kind,
                    ChangeKind::Create | ChangeKind::Update | ChangeKind::Deprecate
                )
        })
        .map(|change| change.table.to_lowercase())
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let (_, crawler) = fetch_crawler(conn, &run.crawler_name).await?;
    let database = crawler.definition.database_name.to_lowercase();
    let now = now_millis();
    for table in changed {
        // SQLite needs the SELECT's WHERE before an upsert's ON CONFLICT to parse it.
        sqlx::query(
            "INSERT INTO table_last_crawl (table_id, run_id, change_time) \
             SELECT t.id, $1, $2 FROM tables t JOIN databases d ON d.id = t.database_id \
             WHERE d.name = $3 AND t.name = $4 \
             ON CONFLICT (table_id) DO UPDATE \
             SET run_id = excluded.run_id, change_time = excluded.change_time",
        )
        .bind(&run.summary.id)
        .bind(now)
        .bind(&database)
        .bind(&table)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The crawl run that last created or changed `database.table`, with its crawler's name.
pub(super) async fn last_crawl_of_table(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
) -> Result<Option<TableCrawl>> {
    let row = sqlx::query(
        "SELECT c.name AS crawler_name, r.id AS run_id, l.change_time \
         FROM table_last_crawl l JOIN tables t ON t.id = l.table_id \
         JOIN databases d ON d.id = t.database_id JOIN crawl_runs r ON r.id = l.run_id \
         JOIN crawlers c ON c.id = r.crawler_id WHERE d.name = $1 AND t.name = $2",
    )
    .bind(database)
    .bind(table)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(TableCrawl {
            crawler_name: row.try_get("crawler_name")?,
            run_id: row.try_get("run_id")?,
            time: time(row.try_get("change_time")?),
        })
    })
    .transpose()
}

pub(super) async fn get_run(conn: &mut AnyConnection, crawler: &str, id: &str) -> Result<CrawlRun> {
    let (crawler_id, _) = fetch_crawler(conn, crawler).await?;
    let row =
        sqlx::query("SELECT summary, report FROM crawl_runs WHERE crawler_id = $1 AND id = $2")
            .bind(crawler_id)
            .bind(id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| Error::not_found(Entity::CrawlRun, format!("{crawler} {id}")))?;
    let summary: String = row.try_get("summary")?;
    let report: String = row.try_get("report")?;
    Ok(CrawlRun {
        crawler_name: crawler.to_string(),
        summary: decode(&summary)?,
        report: decode(&report)?,
    })
}

pub(super) async fn list_runs(
    conn: &mut AnyConnection,
    crawler: &str,
    before: Option<&RunCursor>,
    limit: usize,
) -> Result<Page<CrawlRunSummary, RunCursor>> {
    let (crawler_id, _) = fetch_crawler(conn, crawler).await?;
    let (before_time, before_id) = before.cloned().unwrap_or((i64::MAX, String::new()));
    // Without a cursor every run qualifies through the first comparison.
    let rows = sqlx::query(
        "SELECT start_time, id, summary FROM crawl_runs WHERE crawler_id = $1 \
         AND (start_time < $2 OR (start_time = $2 AND id < $3)) \
         ORDER BY start_time DESC, id DESC LIMIT $4",
    )
    .bind(crawler_id)
    .bind(before_time)
    .bind(before_id)
    .bind(limit as i64 + 1)
    .fetch_all(conn)
    .await?;
    let mut runs = Vec::with_capacity(rows.len());
    for row in &rows {
        let summary: String = row.try_get("summary")?;
        let start: i64 = row.try_get("start_time")?;
        runs.push((start, decode::<CrawlRunSummary>(&summary)?));
    }
    let page = Page::from_overfetch(runs, limit, |(start, run)| (*start, run.id.clone()));
    Ok(Page {
        items: page.items.into_iter().map(|(_, run)| run).collect(),
        next: page.next,
    })
}

fn classifier_from(row: &AnyRow) -> Result<ClassifierRecord> {
    let body: String = row.try_get("body")?;
    Ok(ClassifierRecord {
        name: row.try_get("name")?,
        definition: decode(&body)?,
        version: row.try_get("version")?,
        creation_time: time(row.try_get("create_time")?),
        last_updated: time(row.try_get("update_time")?),
    })
}

const SELECT_CLASSIFIER: &str =
    "SELECT name, version, body, create_time, update_time FROM classifiers";

pub(super) async fn create_classifier(
    pool: &AnyPool,
    input: &ClassifierInput,
) -> Result<ClassifierRecord> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO classifiers (name, version, body, create_time, update_time) \
         VALUES ($1, 1, $2, $3, $3)",
    )
    .bind(&input.name)
    .bind(encode(&input.definition)?)
    .bind(now)
    .execute(pool)
    .await
    .map_err(|e| map_unique(e, Entity::Classifier, &input.name))?;
    Ok(ClassifierRecord {
        name: input.name.clone(),
        definition: input.definition.clone(),
        version: 1,
        creation_time: time(now),
        last_updated: time(now),
    })
}

pub(super) async fn get_classifier(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<ClassifierRecord> {
    let sql = format!("{SELECT_CLASSIFIER} WHERE name = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found(Entity::Classifier, name))?;
    classifier_from(&row)
}

pub(super) async fn list_classifiers(
    conn: &mut AnyConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<ClassifierRecord, String>> {
    let sql = format!("{SELECT_CLASSIFIER} WHERE name > $1 ORDER BY name LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(limit as i64 + 1)
        .fetch_all(conn)
        .await?;
    let records = rows
        .iter()
        .map(classifier_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(records, limit, |c| c.name.clone()))
}

pub(super) async fn update_classifier(
    pool: &AnyPool,
    input: &ClassifierInput,
) -> Result<ClassifierRecord> {
    let now = now_millis();
    let sql = "UPDATE classifiers SET body = $1, version = version + 1, update_time = $2 \
               WHERE name = $3 RETURNING name, version, body, create_time, update_time";
    let row = sqlx::query(sql)
        .bind(encode(&input.definition)?)
        .bind(now)
        .bind(&input.name)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::not_found(Entity::Classifier, &input.name))?;
    classifier_from(&row)
}

pub(super) async fn delete_classifier(pool: &AnyPool, name: &str) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM classifiers WHERE name = $1")
        .bind(name)
        .execute(pool)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::not_found(Entity::Classifier, name));
    }
    Ok(())
}

/// Crawlers whose schedule is due at `now`, with the due time each was read at.
pub(super) async fn due_crawlers(
    conn: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT name, schedule_due_at FROM crawlers \
         WHERE schedule_due_at IS NOT NULL AND schedule_due_at <= $1 ORDER BY schedule_due_at",
    )
    .bind(now.timestamp_millis())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("name")?, row.try_get("schedule_due_at")?)))
        .collect()
}

/// Claims a due scheduled crawl by moving the crawler's due time from `due` to `next`. Only
/// one of several concurrent claimers of the same due time matches the row.
pub(super) async fn claim_scheduled(
    pool: &AnyPool,
    name: &str,
    due: i64,
    next: Option<i64>,
) -> Result<bool> {
    let claimed = sqlx::query(
        "UPDATE crawlers SET schedule_due_at = $1 WHERE name = $2 AND schedule_due_at = $3",
    )
    .bind(next)
    .bind(name)
    .bind(due)
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Crawlers whose running crawl has not saved progress for `stale_after`, with their state.
pub(super) async fn abandoned_crawlers(
    conn: &mut AnyConnection,
    stale_after: std::time::Duration,
) -> Result<Vec<(String, CrawlerState)>> {
    let stale_before = now_millis() - i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX);
    let rows = sqlx::query(
        "SELECT c.name, c.state FROM crawlers c JOIN crawl_runs r ON r.id = c.last_run_id \
         WHERE c.state <> 'READY' AND r.state = 'RUNNING' AND r.heartbeat_time < $1 \
         ORDER BY c.name",
    )
    .bind(stale_before)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            let state = CrawlerState::parse(&state)
                .ok_or_else(|| Error::Backend(format!("unknown crawler state {state:?}").into()))?;
            Ok((row.try_get("name")?, state))
        })
        .collect()
}
