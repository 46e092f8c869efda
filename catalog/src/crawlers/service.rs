//! The crawler service: validation, paging and state rules for crawlers, runs and
//! custom classifiers, over a [`CrawlerStore`].

use std::sync::Arc;
use std::time::Duration;

use super::model::{
    ClassifierInput, ClassifierRecord, CrawlRun, CrawlRunSummary, Crawler, CrawlerInput,
    CrawlerMetrics, CrawlerState, METRICS_RUNS, RunningCrawl, ScheduleRefusal, TableCrawl,
};
use super::runner::{CrawlRunner, RunnerLiveness};
use super::store::CrawlerStore;
use super::validate;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};
use crate::page::Scope;
use crate::service::{Listing, PageRequest, page_size};
use crate::tags::Tags;

/// How long a running crawl may go without a heartbeat before its crawler is released (the
/// process running it is then taken to be dead). Crawls save a heartbeat every few seconds.
pub const RUN_LEASE: Duration = Duration::from_secs(60);

/// Why a crawl released after its lease is recorded as FAILED.
pub const ABANDONED_REASON: &str =
    "the crawl stopped without recording its end (its process died or lost the database)";

/// What [`Crawlers::take_over`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Takeover {
    /// The crawler runs no crawl.
    NotRunning,
    /// Its crawl was dead: it is recorded as FAILED with `reason`, and the crawler is READY.
    Released {
        /// The dead crawl.
        crawl: RunningCrawl,
        /// Why it counts as dead, as recorded in its run.
        reason: String,
    },
    /// Its crawl may be alive, so it was left alone.
    Refused(Box<TakeoverRefused>),
}

/// A running crawl that was not taken over: its process may be alive.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "crawler {} is running: run {} by {}; it last saved progress at {}. It counts as dead \
     once it has saved none for {} s, from {} on",
    .crawl.crawler_name,
    .crawl.run_id,
    self.runner_description(),
    rfc3339(self.crawl.heartbeat_time),
    .lease.as_secs(),
    rfc3339(self.takeover_at)
)]
pub struct TakeoverRefused {
    /// The crawl.
    pub crawl: RunningCrawl,
    /// Whether its process is alive, when it recorded itself.
    pub liveness: Option<RunnerLiveness>,
    /// How long a crawl may save no progress before it counts as dead.
    pub lease: Duration,
    /// When the lease runs out, unless the crawl saves progress before: the crawl can be
    /// taken over from then on.
    pub takeover_at: DateTime<Utc>,
}

impl TakeoverRefused {
    fn runner_description(&self) -> String {
        let Some(runner) = &self.crawl.runner else {
            return "a process that did not record itself (a lakecat from before runners were \
                    recorded)"
                .into();
        };
        let how = match self.liveness {
            Some(RunnerLiveness::Alive) => "which is running",
            Some(RunnerLiveness::Elsewhere) => {
                "another machine (or container, or boot), whose processes cannot be checked \
                 from here"
            }
            Some(RunnerLiveness::Gone) => "which is no longer running",
            Some(RunnerLiveness::Unknown) | None => "which cannot be checked from here",
        };
        format!("{runner}, {how}")
    }
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Largest page of crawlers, runs or classifiers.
pub const MAX_CRAWLER_PAGE_SIZE: usize = 1000;

/// The crawler service.
#[derive(Debug, Clone)]
pub struct Crawlers {
    store: Arc<dyn CrawlerStore>,
}

impl Crawlers {
    /// A service over `store`.
    pub fn new(store: Arc<dyn CrawlerStore>) -> Crawlers {
        Crawlers { store }
    }

    /// Checks a crawler definition without storing it; returns it normalized.
    pub fn check(&self, input: CrawlerInput) -> Result<CrawlerInput> {
        validate::crawler_input(input)
    }

    /// Checks the definition of a one-shot crawl (`lakecat crawl`), which may have any
    /// number of targets: Glue's 100-target limit is for stored crawler definitions.
    pub fn check_one_shot(&self, input: CrawlerInput) -> Result<CrawlerInput> {
        validate::crawler_input_with(input, None)
    }

    /// Stores the definition of a one-shot crawl, creating the crawler or replacing its
    /// definition (refused while it runs), with any number of targets.
    pub async fn save_one_shot(&self, input: CrawlerInput) -> Result<Crawler> {
        let input = validate::crawler_input_with(input, None)?;
        self.check_classifiers_exist(&input).await?;
        match self.store.get_crawler(&input.name).await {
            Ok(_) => self.store.update_crawler(&input, None).await,
            Err(Error::NotFound { .. }) => self.store.create_crawler(&input, &Tags::new()).await,
            Err(error) => Err(error),
        }
    }

    /// Creates a crawler; its custom classifiers must exist.
    pub async fn create_crawler(&self, input: CrawlerInput) -> Result<Crawler> {
        self.create_crawler_with_tags(input, Tags::new()).await
    }

    /// Creates a crawler with its tags, atomically: when the tags are refused (Glue's
    /// limits on their number and sizes), no crawler is created. Its custom classifiers
    /// must exist.
    pub async fn create_crawler_with_tags(
        &self,
        input: CrawlerInput,
        tags: Tags,
    ) -> Result<Crawler> {
        let input = validate::crawler_input(input)?;
        crate::tags::check_tags(&tags)?;
        self.check_classifiers_exist(&input).await?;
        self.store.create_crawler(&input, &tags).await
    }

    async fn check_classifiers_exist(&self, input: &CrawlerInput) -> Result<()> {
        for name in &input.classifiers {
            self.store.get_classifier(name).await?;
        }
        Ok(())
    }

    /// Claims the scheduled crawls due at `now` and returns the crawlers to start. Each due
    /// time is claimed by exactly one caller, however many servers share the database, and
    /// the next due time is the schedule's first fire time after `now`: after downtime a
    /// crawler whose schedule fired several times runs once, not once per missed time.
    pub async fn claim_due_crawls(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let mut claimed = Vec::new();
        while let Some(name) = self.claim_next_due_crawl(now).await? {
            claimed.push(name);
        }
        Ok(claimed)
    }

    /// Claims one crawl that is due at `now` (see [`Crawlers::claim_due_crawls`]), or
    /// `None` when no other is. A scheduler that starts each crawl as soon as it claims it
    /// leaves, if it dies, at most that one crawl claimed and not started.
    pub async fn claim_next_due_crawl(&self, now: DateTime<Utc>) -> Result<Option<String>> {
        for (name, due) in self.store.due_crawlers(now).await? {
            let crawler = match self.store.get_crawler(&name).await {
                Ok(crawler) => crawler,
                Err(Error::NotFound { .. }) => continue,
                Err(error) => return Err(error),
            };
            let schedule = crawler.definition.active_schedule();
            let next = schedule
                .as_ref()
                .and_then(|schedule| schedule.next_after(now))
                .map(|at| at.timestamp_millis());
            if self.store.claim_scheduled(&name, due, next).await? && schedule.is_some() {
                return Ok(Some(name));
            }
        }
        Ok(None)
    }

    /// Crawlers whose running (or stopping) crawl has had no heartbeat for `stale_after`,
    /// with their state.
    pub async fn abandoned_crawlers(
        &self,
        stale_after: Duration,
    ) -> Result<Vec<(String, super::model::CrawlerState)>> {
        self.store.abandoned_crawlers(stale_after).await
    }

    /// Reads a crawler.
    pub async fn get_crawler(&self, name: &str) -> Result<Crawler> {
        self.store.get_crawler(name).await
    }

    /// Lists crawlers by name.
    pub async fn list_crawlers(&self, page: PageRequest) -> Result<Listing<Crawler>> {
        let limit = page_size(page.max_results, MAX_CRAWLER_PAGE_SIZE)?;
        let scope = Scope::new("crawlers", &[]);
        let after = page.page_token.map(|t| scope.decode(&t)).transpose()?;
        let found = self.store.list_crawlers(after.as_deref(), limit).await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c)),
        })
    }

    /// Replaces a crawler's definition; refused while it runs.
    pub async fn update_crawler(
        &self,
        input: CrawlerInput,
        expected_version: Option<i64>,
    ) -> Result<Crawler> {
        let input = validate::crawler_input(input)?;
        self.check_classifiers_exist(&input).await?;
        self.store.update_crawler(&input, expected_version).await
    }

    /// Replaces a crawler's schedule (`None` removes it), keeping whether it is paused;
    /// refused while the crawler runs.
    pub async fn update_schedule(&self, name: &str, schedule: Option<String>) -> Result<Crawler> {
        self.change_definition(name, |definition| {
            definition.schedule = schedule;
            Ok(())
        })
        .await
    }

    /// Resumes a crawler's paused schedule (Glue's `StartCrawlerSchedule`). Refused when it
    /// has no schedule, when its schedule is not paused, and while it runs.
    pub async fn start_schedule(&self, name: &str) -> Result<Crawler> {
        self.change_definition(name, |definition| {
            let refusal = match (&definition.schedule, definition.schedule_paused) {
                (None, _) => Some(ScheduleRefusal::NoSchedule),
                (Some(_), false) => Some(ScheduleRefusal::AlreadyRunning),
                (Some(_), true) => None,
            };
            if let Some(refusal) = refusal {
                return Err(schedule_refused(definition, refusal));
            }
            definition.schedule_paused = false;
            Ok(())
        })
        .await
    }

    /// Pauses a crawler's schedule (Glue's `StopCrawlerSchedule`), keeping the expression.
    /// Refused when it has no schedule or its schedule is paused, and while it runs.
    pub async fn stop_schedule(&self, name: &str) -> Result<Crawler> {
        self.change_definition(name, |definition| {
            if definition.schedule.is_none() || definition.schedule_paused {
                return Err(schedule_refused(definition, ScheduleRefusal::NotRunning));
            }
            definition.schedule_paused = true;
            Ok(())
        })
        .await
    }

    /// Changes a crawler's stored definition with `change`; the update is refused when
    /// another change came in between (the crawler's version moved).
    async fn change_definition(
        &self,
        name: &str,
        change: impl FnOnce(&mut CrawlerInput) -> Result<()>,
    ) -> Result<Crawler> {
        let crawler = self.store.get_crawler(name).await?;
        let mut definition = crawler.definition;
        change(&mut definition)?;
        self.update_crawler(definition, Some(crawler.version)).await
    }

    /// A crawler's metrics, from its last [`METRICS_RUNS`] runs.
    pub async fn metrics(&self, name: &str) -> Result<CrawlerMetrics> {
        let crawler = self.store.get_crawler(name).await?;
        let runs = self.store.list_runs(name, None, METRICS_RUNS).await?.items;
        Ok(metrics_from(&crawler, &runs))
    }

    /// The metrics of the named crawlers (at most [`MAX_METRICS_CRAWLERS`]), in the order
    /// asked for, or of every crawler (up to a page of [`MAX_CRAWLER_PAGE_SIZE`]) when no
    /// names are given. A crawler that does not exist fails the whole request.
    pub async fn metrics_of(&self, names: Vec<String>) -> Result<Vec<CrawlerMetrics>> {
        if names.len() > MAX_METRICS_CRAWLERS {
            return Err(Error::invalid(format!(
                "crawler_names: at most {MAX_METRICS_CRAWLERS} crawlers per request (got {})",
                names.len()
            )));
        }
        let names = if names.is_empty() {
            let every = self.list_crawlers(PageRequest::default()).await?.items;
            every.into_iter().map(|c| c.definition.name).collect()
        } else {
            names
        };
        let mut metrics = Vec::with_capacity(names.len());
        for name in names {
            metrics.push(self.metrics(&name).await?);
        }
        Ok(metrics)
    }

    /// Deletes a crawler and its runs; refused while it runs.
    pub async fn delete_crawler(&self, name: &str) -> Result<()> {
        self.store.delete_crawler(name).await
    }

    /// Gives crawler `name` a webhook secret (replacing any), or with `None` takes it away.
    /// Only its SHA-256 is stored; see [`check_webhook_secret`] for what a secret may be.
    pub async fn set_webhook_secret(&self, name: &str, secret: Option<&str>) -> Result<()> {
        if let Some(secret) = secret {
            check_webhook_secret(secret)?;
        }
        let digest = secret.map(crate::digest::sha256_hex);
        self.store.set_webhook_secret(name, digest.as_deref()).await
    }

    /// Whether `presented` is crawler `name`'s webhook secret: false when the crawler has
    /// none, or does not exist (a caller without credentials learns nothing else). The
    /// digests are compared in constant time.
    pub async fn webhook_secret_matches(&self, name: &str, presented: &str) -> Result<bool> {
        let stored = match self.store.webhook_secret(name).await {
            Ok(stored) => stored,
            Err(Error::NotFound { .. }) => None,
            Err(error) => return Err(error),
        };
        Ok(stored.is_some_and(|stored| {
            let presented = crate::digest::sha256_hex(presented);
            stored.len() == presented.len()
                && stored
                    .bytes()
                    .zip(presented.bytes())
                    .fold(0u8, |differ, (a, b)| differ | (a ^ b))
                    == 0
        }))
    }

    /// Marks a crawler RUNNING and records a new run by this process; refused unless it is
    /// READY.
    pub async fn start_crawl(&self, name: &str) -> Result<CrawlRun> {
        self.store.start_crawl(name, CrawlRunner::current()).await
    }

    /// Frees a crawler whose crawl is dead, for a crawl about to start: a crawl whose process
    /// ran on this machine and is gone is taken over at once, and any crawl that has saved no
    /// progress for `stale_after` (as [`Crawlers::release_abandoned`]). The dead crawl is
    /// recorded as FAILED with the reason. A crawl whose process is alive, runs on another
    /// machine or cannot be checked, and has saved progress within `stale_after`, is left
    /// alone ([`Takeover::Refused`], which says from when it can be taken over).
    pub async fn take_over(&self, name: &str, stale_after: Duration) -> Result<Takeover> {
        // A crawl that ends or is taken over by another process while this one looks is
        // looked at again.
        for _ in 0..3 {
            let Some(crawl) = self.store.running_crawl(name).await? else {
                return Ok(Takeover::NotRunning);
            };
            let liveness = crawl.runner.as_ref().map(CrawlRunner::liveness);
            if let (Some(runner), Some(RunnerLiveness::Gone)) = (&crawl.runner, liveness) {
                let reason = format!("the crawl process ({runner}) is no longer running");
                if self.store.release_run(name, &crawl.run_id, &reason).await? {
                    return Ok(Takeover::Released { crawl, reason });
                }
                continue;
            }
            let takeover_at = chrono::TimeDelta::from_std(stale_after)
                .ok()
                .and_then(|lease| crawl.heartbeat_time.checked_add_signed(lease))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            if takeover_at <= Utc::now() {
                if self.store.release_abandoned(name, stale_after).await? {
                    return Ok(Takeover::Released {
                        crawl,
                        reason: ABANDONED_REASON.into(),
                    });
                }
                continue;
            }
            return Ok(Takeover::Refused(Box::new(TakeoverRefused {
                crawl,
                liveness,
                lease: stale_after,
                takeover_at,
            })));
        }
        // Others keep starting and ending crawls of it; starting one reports its state.
        Ok(Takeover::NotRunning)
    }

    /// Makes a crawler READY again when its running crawl has shown no sign of life for
    /// `stale_after` (the process running it died); that run is recorded as FAILED.
    /// Returns whether it did.
    pub async fn release_abandoned(&self, name: &str, stale_after: Duration) -> Result<bool> {
        self.store.release_abandoned(name, stale_after).await
    }

    /// Asks a running crawl to stop.
    pub async fn request_stop(&self, name: &str) -> Result<()> {
        self.store.request_stop(name).await
    }

    /// Saves a running crawl's progress.
    pub async fn save_run(&self, run: &CrawlRun) -> Result<()> {
        self.store.save_run(run).await
    }

    /// Records how a crawl ended; the crawler is READY again.
    pub async fn finish_crawl(&self, run: &CrawlRun) -> Result<()> {
        self.store.finish_crawl(run).await
    }

    /// The crawl run that last created or changed a table (its definition or partitions),
    /// if one did and its run record is kept.
    pub async fn last_crawl_of_table(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<TableCrawl>> {
        self.store
            .last_crawl_of_table(&database.to_lowercase(), &table.to_lowercase())
            .await
    }

    /// Reads one run.
    pub async fn get_run(&self, crawler: &str, id: &str) -> Result<CrawlRun> {
        self.store.get_run(crawler, id).await
    }

    /// Lists a crawler's runs, newest first.
    pub async fn list_runs(
        &self,
        crawler: &str,
        page: PageRequest,
    ) -> Result<Listing<CrawlRunSummary>> {
        let limit = page_size(page.max_results, MAX_CRAWLER_PAGE_SIZE)?;
        let scope = Scope::new("crawl-runs", &[crawler]);
        let before = page
            .page_token
            .map(|t| scope.decode(&t))
            .transpose()?
            .map(|cursor| decode_run_cursor(&cursor))
            .transpose()?;
        let found = self
            .store
            .list_runs(crawler, before.as_ref(), limit)
            .await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found
                .next
                .map(|(start, id)| scope.encode(&format!("{start}/{id}"))),
        })
    }

    /// Creates a custom classifier. Callers check the definition with the classifier
    /// library first; the catalog only checks its shape.
    pub async fn create_classifier(&self, input: ClassifierInput) -> Result<ClassifierRecord> {
        validate::classifier_input(&input)?;
        self.store.create_classifier(&input).await
    }

    /// Reads a custom classifier.
    pub async fn get_classifier(&self, name: &str) -> Result<ClassifierRecord> {
        self.store.get_classifier(name).await
    }

    /// Lists custom classifiers by name.
    pub async fn list_classifiers(&self, page: PageRequest) -> Result<Listing<ClassifierRecord>> {
        let limit = page_size(page.max_results, MAX_CRAWLER_PAGE_SIZE)?;
        let scope = Scope::new("classifiers", &[]);
        let after = page.page_token.map(|t| scope.decode(&t)).transpose()?;
        let found = self.store.list_classifiers(after.as_deref(), limit).await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c)),
        })
    }

    /// Replaces a custom classifier's definition.
    pub async fn update_classifier(&self, input: ClassifierInput) -> Result<ClassifierRecord> {
        validate::classifier_input(&input)?;
        self.store.update_classifier(&input).await
    }

    /// Deletes a custom classifier.
    pub async fn delete_classifier(&self, name: &str) -> Result<()> {
        self.store.delete_classifier(name).await
    }
}

/// Most crawlers one metrics request may name (Glue's limit).
pub const MAX_METRICS_CRAWLERS: usize = 100;

fn schedule_refused(definition: &CrawlerInput, refusal: ScheduleRefusal) -> Error {
    Error::Schedule {
        crawler: definition.name.clone(),
        refusal,
    }
}

/// How long a finished run took, in seconds.
fn runtime_seconds(run: &CrawlRunSummary) -> Option<f64> {
    run.end_time
        .map(|end| (end - run.start_time).num_milliseconds() as f64 / 1000.0)
}

/// A crawler's metrics from its runs, newest first: durations of the finished ones (the
/// median is the upper one of an even count), and the table counts of the last finished.
fn metrics_from(crawler: &Crawler, runs: &[CrawlRunSummary]) -> CrawlerMetrics {
    let finished: Vec<&CrawlRunSummary> = runs.iter().filter(|r| r.end_time.is_some()).collect();
    let mut durations: Vec<f64> = finished.iter().filter_map(|r| runtime_seconds(r)).collect();
    durations.sort_by(f64::total_cmp);
    let last = finished.first().copied();
    let counts = last.map(|r| r.counts).unwrap_or_default();
    CrawlerMetrics {
        crawler_name: crawler.definition.name.clone(),
        still_estimating: crawler.state != CrawlerState::Ready,
        last_runtime_seconds: last.and_then(runtime_seconds).unwrap_or(0.0),
        median_runtime_seconds: durations.get(durations.len() / 2).copied().unwrap_or(0.0),
        tables_created: counts.tables_created,
        tables_updated: counts.tables_updated,
        tables_deleted: counts.tables_deleted + counts.tables_deprecated,
    }
}

fn decode_run_cursor(cursor: &str) -> Result<(i64, String)> {
    let invalid = || crate::error::Error::InvalidPageToken("not a run listing token".into());
    let (start, id) = cursor.split_once('/').ok_or_else(invalid)?;
    Ok((start.parse().map_err(|_| invalid())?, id.to_string()))
}

/// The shortest and longest webhook secret, in characters.
pub const WEBHOOK_SECRET_LENGTH: std::ops::RangeInclusive<usize> = 16..=512;

/// Checks a webhook secret before it is stored: 16 to 512 visible ASCII characters, since
/// senders put it in an HTTP header (`Authorization: Bearer ...`). The error never repeats
/// the secret.
pub fn check_webhook_secret(secret: &str) -> Result<()> {
    if !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "webhook_secret: only visible ASCII characters (no spaces), as it travels in an \
             HTTP header",
        ));
    }
    if !WEBHOOK_SECRET_LENGTH.contains(&secret.len()) {
        return Err(Error::invalid(format!(
            "webhook_secret: must be {} to {} characters long (got {})",
            WEBHOOK_SECRET_LENGTH.start(),
            WEBHOOK_SECRET_LENGTH.end(),
            secret.len()
        )));
    }
    Ok(())
}
