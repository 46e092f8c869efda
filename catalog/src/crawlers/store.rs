//! Persistence for crawlers, their runs and custom classifiers.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use super::model::{
    ClassifierInput, ClassifierRecord, CrawlRun, CrawlRunSummary, Crawler, CrawlerInput,
    RunningCrawl,
};
use super::runner::CrawlRunner;
use crate::error::Result;
use crate::store::Page;
use crate::tags::Tags;

/// Where a listing of a crawler's runs continues: before this start time and id.
pub type RunCursor = (i64, String);

/// Persistence for crawler definitions, crawl runs and custom classifiers.
#[async_trait]
pub trait CrawlerStore: Send + Sync + fmt::Debug {
    /// Creates a crawler in state READY at version 1 with its tags, in one transaction: when
    /// the tags cannot be written, neither is the crawler.
    async fn create_crawler(&self, input: &CrawlerInput, tags: &Tags) -> Result<Crawler>;
    /// Reads a crawler with its last crawl.
    async fn get_crawler(&self, name: &str) -> Result<Crawler>;
    /// Lists crawlers by name, after `after`.
    async fn list_crawlers(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Crawler, String>>;
    /// Replaces a crawler's definition; fails while it runs, or when `expected_version` is
    /// given and is not the current one.
    async fn update_crawler(
        &self,
        input: &CrawlerInput,
        expected_version: Option<i64>,
    ) -> Result<Crawler>;
    /// Deletes a crawler with its runs; fails while it runs.
    async fn delete_crawler(&self, name: &str) -> Result<()>;
    /// Sets the SHA-256 (hex) of a crawler's webhook secret, or with `None` removes it.
    async fn set_webhook_secret(&self, name: &str, sha256: Option<&str>) -> Result<()>;
    /// The SHA-256 (hex) of a crawler's webhook secret, if it has one.
    async fn webhook_secret(&self, name: &str) -> Result<Option<String>>;

    /// Moves a READY crawler to RUNNING and records a new run by `runner`; fails when it is
    /// not READY.
    async fn start_crawl(&self, name: &str, runner: &CrawlRunner) -> Result<CrawlRun>;
    /// The crawler's unfinished crawl, when it is running (or stopping).
    async fn running_crawl(&self, name: &str) -> Result<Option<RunningCrawl>>;
    /// Records the crawler's running crawl `run_id` as FAILED with `reason` and makes the
    /// crawler READY, when that crawl is still its running one. Returns whether it did.
    async fn release_run(&self, name: &str, run_id: &str, reason: &str) -> Result<bool>;
    /// When the crawler's running crawl has not saved progress (its heartbeat) for
    /// `stale_after`, its process is taken to be dead: the run is marked FAILED and the
    /// crawler READY. Returns whether that happened.
    async fn release_abandoned(&self, name: &str, stale_after: Duration) -> Result<bool>;
    /// Crawlers whose schedule is due at `now`: each name with the due time it was read at
    /// (epoch milliseconds), earliest first.
    async fn due_crawlers(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<(String, i64)>>;
    /// Claims the crawl due at `due` by moving the crawler's due time to `next` (`None`: the
    /// schedule never fires again). True for exactly one of several concurrent claimers.
    async fn claim_scheduled(&self, name: &str, due: i64, next: Option<i64>) -> Result<bool>;
    /// Crawlers whose running crawl has not saved progress for `stale_after`: their process
    /// is taken to be dead.
    async fn abandoned_crawlers(
        &self,
        stale_after: Duration,
    ) -> Result<Vec<(String, super::model::CrawlerState)>>;
    /// Asks a running crawl to stop: RUNNING becomes STOPPING.
    async fn request_stop(&self, name: &str) -> Result<()>;
    /// Saves a running crawl's progress (counts and report so far) and its heartbeat.
    async fn save_run(&self, run: &CrawlRun) -> Result<()>;
    /// Records how a crawl ended and makes its crawler READY again; the tables its report
    /// says it created or changed (applied) record it as their last crawl.
    async fn finish_crawl(&self, run: &CrawlRun) -> Result<()>;
    /// The crawl run that last created or changed a table, if one did and its record is
    /// kept.
    async fn last_crawl_of_table(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<super::model::TableCrawl>>;
    /// Reads one run of a crawler.
    async fn get_run(&self, crawler: &str, id: &str) -> Result<CrawlRun>;
    /// Lists a crawler's runs, newest first.
    async fn list_runs(
        &self,
        crawler: &str,
        before: Option<&RunCursor>,
        limit: usize,
    ) -> Result<Page<CrawlRunSummary, RunCursor>>;

    /// Creates a custom classifier at version 1.
    async fn create_classifier(&self, input: &ClassifierInput) -> Result<ClassifierRecord>;
    /// Reads a custom classifier.
    async fn get_classifier(&self, name: &str) -> Result<ClassifierRecord>;
    /// Lists custom classifiers by name, after `after`.
    async fn list_classifiers(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<ClassifierRecord, String>>;
    /// Replaces a custom classifier's definition.
    async fn update_classifier(&self, input: &ClassifierInput) -> Result<ClassifierRecord>;
    /// Deletes a custom classifier.
    async fn delete_classifier(&self, name: &str) -> Result<()>;
}
