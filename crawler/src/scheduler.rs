//! The scheduler that `lakecat serve` runs: it starts crawls when their schedules fire and
//! takes over crawls whose server died.
//!
//! Every server on a database runs one. They coordinate only through the database: a due
//! crawl is claimed by moving its crawler's due time forward with a conditional update, which
//! exactly one server wins, and a crawl is started only from READY, which one server wins
//! too. So each scheduled crawl runs once, on one server, without a cluster protocol.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lakecat_catalog::Error as CatalogError;
use lakecat_catalog::crawlers::CrawlerState;

use crate::error::{CrawlError, Result};
use crate::service::CrawlerService;

/// How often the scheduler looks for due and abandoned crawls by default. Schedules fire on
/// whole minutes, so a crawl starts within this long of its time.
pub const DEFAULT_SCHEDULER_INTERVAL: Duration = Duration::from_secs(5);

/// What one pass of the scheduler did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SchedulerPass {
    /// Crawlers whose scheduled crawl this pass started.
    pub started: Vec<String>,
    /// Crawlers whose due crawl was skipped because the crawler was still running (Glue
    /// skips a scheduled run the same way).
    pub skipped: Vec<String>,
    /// Crawlers whose dead crawl this pass recorded as FAILED and started again.
    pub taken_over: Vec<String>,
}

/// Starts scheduled crawls and takes over abandoned ones.
#[derive(Debug, Clone)]
pub struct Scheduler {
    service: CrawlerService,
    interval: Duration,
}

/// Whether a start was refused because the crawler is not READY (another server started it,
/// or it is still running).
fn is_busy(error: &CrawlError) -> bool {
    matches!(
        error,
        CrawlError::Catalog(CatalogError::CrawlerState { .. })
    )
}

impl Scheduler {
    /// A scheduler starting crawls through `service`, looking every `interval`.
    pub fn new(service: CrawlerService, interval: Duration) -> Scheduler {
        Scheduler { service, interval }
    }

    /// One pass at `now`: starts the crawls that are due and takes over those whose server
    /// stopped sending heartbeats for the run lease.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<SchedulerPass> {
        let mut pass = SchedulerPass::default();
        let crawlers = self.service.crawlers();
        // Each crawl starts as soon as it is claimed: a server that dies here leaves at most
        // one due crawl claimed and not started, not every crawl due this minute.
        while let Some(name) = crawlers.claim_next_due_crawl(now).await? {
            match self.service.start_crawl(&name).await {
                Ok(run) => {
                    tracing::info!(crawler = %name, run = %run.id, "scheduled crawl started");
                    pass.started.push(name);
                }
                Err(error) if is_busy(&error) => {
                    tracing::info!(crawler = %name, "scheduled crawl skipped: the crawler is still running");
                    pass.skipped.push(name);
                }
                Err(error) => {
                    tracing::warn!(crawler = %name, %error, "scheduled crawl could not start");
                }
            }
        }
        let lease = self.service.run_lease();
        for (name, state) in crawlers.abandoned_crawlers(lease).await? {
            if state == CrawlerState::Stopping {
                // Asked to stop before its server died: record the end, do not run it again.
                crawlers.release_abandoned(&name, lease).await?;
                continue;
            }
            // Starting releases the dead crawl first (FAILED, with the reason).
            match self.service.start_crawl(&name).await {
                Ok(run) => {
                    tracing::warn!(crawler = %name, run = %run.id, "took over a crawl whose server stopped sending heartbeats");
                    pass.taken_over.push(name);
                }
                Err(error) if is_busy(&error) => {}
                Err(error) => {
                    tracing::warn!(crawler = %name, %error, "could not take over an abandoned crawl");
                }
            }
        }
        Ok(pass)
    }

    /// Runs passes every interval until `shutdown` completes. A failed pass (the database
    /// unreachable, say) is logged and retried at the next interval.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticker.tick() => {}
            }
            if let Err(error) = self.run_once(Utc::now()).await {
                tracing::warn!(%error, "scheduler pass failed; retrying");
            }
        }
    }
}
