//! The crawler service for servers: crawler and classifier definitions checked against what
//! the crawler can really run (target URLs, exclusion globs, classifier definitions), and
//! crawls started in the background and stopped on request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use lakecat_catalog::crawlers::service::RUN_LEASE;
use lakecat_catalog::crawlers::{
    ClassifierInput, ClassifierRecord, CrawlRun, CrawlRunSummary, Crawler, CrawlerInput, Crawlers,
    RecrawlBehavior, RunState,
};
use lakecat_catalog::{Catalog, Listing, PageRequest, Tags};

use crate::crawl::CrawlOptions;
use crate::error::{CrawlError, Result};
use crate::events::{self, EventsToCrawl};
use crate::glob::Exclusions;
use crate::location::TargetLocation;
use crate::report::Report;
use crate::roots::AllowedRoots;
use crate::run::{Runner, build_classifier};

/// Crawlers, runs and classifiers, with crawls run in this process.
#[derive(Debug, Clone)]
pub struct CrawlerService {
    crawlers: Crawlers,
    runner: Runner,
    /// Stop flags of the crawls running in this process, by crawler name.
    running: Arc<Mutex<HashMap<String, CancellationToken>>>,
    /// How long a crawl may go without a heartbeat before it is taken to be dead.
    run_lease: Duration,
    /// Where crawl targets may lie.
    allowed_roots: AllowedRoots,
    /// Told about every crawl this service ran, once it has recorded its end.
    on_finish: Option<Hook>,
}

/// A callback for crawls that ended, for metrics.
pub type FinishHook = Arc<dyn Fn(&CrawlRun) + Send + Sync>;

#[derive(Clone)]
struct Hook(FinishHook);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FinishHook")
    }
}

impl CrawlerService {
    /// A service writing tables through `catalog` and crawler records through `crawlers`.
    pub fn new(catalog: Catalog, crawlers: Crawlers) -> CrawlerService {
        CrawlerService {
            runner: Runner::new(catalog, crawlers.clone(), CrawlOptions::default()),
            crawlers,
            running: Arc::default(),
            run_lease: RUN_LEASE,
            allowed_roots: AllowedRoots::default(),
            on_finish: None,
        }
    }

    /// Calls `hook` with the run record of every crawl this service runs, after the crawl
    /// recorded its end.
    pub fn with_finish_hook(mut self, hook: FinishHook) -> CrawlerService {
        self.on_finish = Some(Hook(hook));
        self
    }

    /// How many crawls this process is running now.
    pub fn running_here(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// Where crawls (and files the server reads for other protocols) may reach.
    pub fn allowed_roots(&self) -> &AllowedRoots {
        &self.allowed_roots
    }

    /// Confines crawl targets to `roots`: a crawler with a target elsewhere is refused when
    /// created, changed or started, and files reached through symbolic links leading out of
    /// the roots are skipped.
    pub fn with_allowed_roots(mut self, roots: AllowedRoots) -> CrawlerService {
        self.runner = self.runner.with_allowed_roots(roots.clone());
        self.allowed_roots = roots;
        self
    }

    /// Takes a crawl to be dead after `lease` without a heartbeat, instead of [`RUN_LEASE`].
    /// Crawls save a heartbeat every five seconds, so a lease must be longer than that.
    pub fn with_run_lease(mut self, lease: Duration) -> CrawlerService {
        self.run_lease = lease;
        self
    }

    /// How long a crawl may go without a heartbeat before it is taken to be dead.
    pub fn run_lease(&self) -> Duration {
        self.run_lease
    }

    /// The crawler records this service runs crawls for.
    pub fn crawlers(&self) -> &Crawlers {
        &self.crawlers
    }

    /// Checks what only the crawler knows: targets of every kind lie in the allowed roots
    /// and open, exclusions parse.
    fn check_runnable(&self, input: CrawlerInput) -> Result<CrawlerInput> {
        let input = self.crawlers.check(input)?;
        for target in input.targets.paths() {
            self.allowed_roots.check(target.path)?;
            TargetLocation::open(target.path)?;
            Exclusions::new(target.exclusions)?;
        }
        Ok(input)
    }

    /// Creates a crawler.
    pub async fn create_crawler(&self, input: CrawlerInput) -> Result<Crawler> {
        self.create_crawler_with_tags(input, Tags::new()).await
    }

    /// Creates a crawler with its tags, atomically: when the tags are refused, no crawler
    /// is created.
    pub async fn create_crawler_with_tags(
        &self,
        input: CrawlerInput,
        tags: Tags,
    ) -> Result<Crawler> {
        let input = self.check_runnable(input)?;
        Ok(self.crawlers.create_crawler_with_tags(input, tags).await?)
    }

    /// Gives a crawler a webhook secret (replacing any), or with `None` takes it away
    /// ([`Crawlers::set_webhook_secret`]).
    pub async fn set_webhook_secret(&self, name: &str, secret: Option<&str>) -> Result<()> {
        Ok(self.crawlers.set_webhook_secret(name, secret).await?)
    }

    /// Whether `presented` is crawler `name`'s webhook secret
    /// ([`Crawlers::webhook_secret_matches`]).
    pub async fn webhook_secret_matches(&self, name: &str, presented: &str) -> Result<bool> {
        Ok(self
            .crawlers
            .webhook_secret_matches(name, presented)
            .await?)
    }

    /// Replaces a crawler's definition (refused while it runs).
    pub async fn update_crawler(
        &self,
        input: CrawlerInput,
        expected_version: Option<i64>,
    ) -> Result<Crawler> {
        let input = self.check_runnable(input)?;
        Ok(self
            .crawlers
            .update_crawler(input, expected_version)
            .await?)
    }

    /// Reads a crawler.
    pub async fn get_crawler(&self, name: &str) -> Result<Crawler> {
        Ok(self.crawlers.get_crawler(name).await?)
    }

    /// Lists crawlers.
    pub async fn list_crawlers(&self, page: PageRequest) -> Result<Listing<Crawler>> {
        Ok(self.crawlers.list_crawlers(page).await?)
    }

    /// Deletes a crawler and its runs (refused while it runs).
    pub async fn delete_crawler(&self, name: &str) -> Result<()> {
        Ok(self.crawlers.delete_crawler(name).await?)
    }

    /// Starts a crawl in the background; returns its run as it starts. A crawl left RUNNING
    /// by a process that died (no heartbeat for the run lease) is recorded as FAILED first.
    pub async fn start_crawl(&self, name: &str) -> Result<CrawlRunSummary> {
        let run = self.start_run(name).await?;
        let summary = run.summary.clone();
        self.spawn_finish(run, None);
        Ok(summary)
    }

    /// Plans a crawl of the stored crawler `name` without writing anything or recording a
    /// run, inside the allowed roots: see [`Runner::dry_run`].
    pub async fn dry_run(&self, name: &str) -> Result<CrawlRun> {
        let crawler = self.crawlers.get_crawler(name).await?;
        for target in crawler.definition.targets.paths() {
            self.allowed_roots.check(target.path)?;
        }
        self.runner.dry_run(name, &CancellationToken::new()).await
    }

    /// Crawls the folders named by an event notification `body` (S3 event records as AWS,
    /// MinIO, Ceph or RustFS send them, the SNS envelope, or `{"changes": [...]}`) for a
    /// crawler in event mode, and returns the run once it is recorded: a caller told of
    /// success knows the change is in the catalog (decision 0005). The first crawl of a
    /// crawler, or the one after a crawl that did not complete, crawls everything.
    pub async fn crawl_events(&self, name: &str, body: &str) -> Result<CrawlRun> {
        let notification = events::parse(body)?;
        self.crawl_object_events(name, "webhook", notification.events)
            .await
    }

    /// Like [`CrawlerService::crawl_events`], for events already read, from `source` (an SQS
    /// queue's ARN, or `webhook`).
    pub async fn crawl_object_events(
        &self,
        name: &str,
        source: &str,
        events: Vec<events::ObjectEvent>,
    ) -> Result<CrawlRun> {
        let crawler = self.crawlers.get_crawler(name).await?;
        if crawler.definition.recrawl_policy.recrawl_behavior != RecrawlBehavior::CrawlEventMode {
            return Err(CrawlError::InvalidEvent {
                reason: format!(
                    "crawler {name} does not take events: its recrawl behavior is not \
                     CRAWL_EVENT_MODE"
                ),
            });
        }
        let caught_up = crawler
            .last_crawl
            .is_some_and(|last| last.state == RunState::Completed);
        let events = caught_up.then(|| EventsToCrawl {
            source: source.to_string(),
            events,
        });
        let run = self.start_run(name).await?;
        // The crawl runs on its own task: a caller that goes away does not cut it short.
        let finished = self.spawn_finish(run, events);
        // The task fails only when the crawl panicked, a server fault.
        finished.await.map_err(|error| {
            CrawlError::Catalog(lakecat_catalog::Error::Backend(
                format!("the crawl of the events ended abnormally: {error}").into(),
            ))
        })
    }

    /// Checks the allowed roots again, releases a crawl whose process died, and records a
    /// new run.
    async fn start_run(&self, name: &str) -> Result<CrawlRun> {
        if !self.allowed_roots.is_unrestricted() {
            // Checked again at each start: the roots may have changed since the crawler was
            // stored, and a folder may have been replaced by a link elsewhere.
            let crawler = self.crawlers.get_crawler(name).await?;
            for target in crawler.definition.targets.paths() {
                self.allowed_roots.check(target.path)?;
            }
        }
        if self
            .crawlers
            .release_abandoned(name, self.run_lease)
            .await?
        {
            tracing::warn!(crawler = %name, "released a crawl whose process stopped without recording its end");
        }
        self.runner.start(name).await
    }

    /// Runs the crawl of `run` (of the folders `events` name, or everything) on its own
    /// task, stoppable through [`CrawlerService::stop_crawl`]; the task ends with the run as
    /// recorded.
    fn spawn_finish(
        &self,
        run: CrawlRun,
        events: Option<EventsToCrawl>,
    ) -> tokio::task::JoinHandle<CrawlRun> {
        let stop = CancellationToken::new();
        let name = run.crawler_name.clone();
        if let Ok(mut running) = self.running.lock() {
            running.insert(name.clone(), stop.clone());
        }
        let runner = self.runner.clone();
        let running = self.running.clone();
        let on_finish = self.on_finish.clone();
        tokio::spawn(async move {
            let report = Arc::new(Report::default());
            let finished = match events {
                Some(events) => runner.finish_events(run, None, events, report, stop).await,
                None => runner.finish(run, None, report, stop).await,
            };
            if let Some(Hook(hook)) = on_finish {
                hook(&finished);
            }
            tracing::info!(
                crawler = %name,
                run = %finished.summary.id,
                state = finished.summary.state.as_str(),
                "crawl ended"
            );
            if let Ok(mut running) = running.lock() {
                running.remove(&name);
            }
            finished
        })
    }

    /// Asks a running crawl to stop: signalled at once to a crawl running here, and recorded
    /// in the catalog (so that a crawl running in another process stops too).
    pub async fn stop_crawl(&self, name: &str) -> Result<()> {
        // The signal comes first: on SQLite the crawl's table write holds the one writer
        // connection that recording the request needs, and the stop is what releases it.
        if let Ok(running) = self.running.lock()
            && let Some(stop) = running.get(name)
        {
            stop.cancel();
        }
        Ok(self.crawlers.request_stop(name).await?)
    }

    /// Stops every crawl running in this process and waits up to `patience` for them to
    /// record their end (STOPPED, each table as it was or as planned). For a server shutting
    /// down; returns the crawls still running when the wait ended.
    pub async fn stop_all(&self, patience: Duration) -> usize {
        if let Ok(running) = self.running.lock() {
            for stop in running.values() {
                stop.cancel();
            }
        }
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let left = self.running_here();
            if left == 0 || tokio::time::Instant::now() >= deadline {
                return left;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Lists a crawler's runs, newest first.
    pub async fn list_runs(
        &self,
        crawler: &str,
        page: PageRequest,
    ) -> Result<Listing<CrawlRunSummary>> {
        Ok(self.crawlers.list_runs(crawler, page).await?)
    }

    /// Reads one run with its report.
    pub async fn get_run(&self, crawler: &str, id: &str) -> Result<CrawlRun> {
        Ok(self.crawlers.get_run(crawler, id).await?)
    }

    /// Checks that a classifier definition builds.
    fn check_classifier(input: &ClassifierInput) -> Result<()> {
        build_classifier(&ClassifierRecord {
            name: input.name.clone(),
            definition: input.definition.clone(),
            version: 0,
            creation_time: chrono::Utc::now(),
            last_updated: chrono::Utc::now(),
        })?;
        Ok(())
    }

    /// Creates a custom classifier whose definition builds.
    pub async fn create_classifier(&self, input: ClassifierInput) -> Result<ClassifierRecord> {
        Self::check_classifier(&input)?;
        Ok(self.crawlers.create_classifier(input).await?)
    }

    /// Replaces a custom classifier's definition.
    pub async fn update_classifier(&self, input: ClassifierInput) -> Result<ClassifierRecord> {
        Self::check_classifier(&input)?;
        Ok(self.crawlers.update_classifier(input).await?)
    }

    /// Reads a custom classifier.
    pub async fn get_classifier(&self, name: &str) -> Result<ClassifierRecord> {
        Ok(self.crawlers.get_classifier(name).await?)
    }

    /// Lists custom classifiers.
    pub async fn list_classifiers(&self, page: PageRequest) -> Result<Listing<ClassifierRecord>> {
        Ok(self.crawlers.list_classifiers(page).await?)
    }

    /// Deletes a custom classifier.
    pub async fn delete_classifier(&self, name: &str) -> Result<()> {
        Ok(self.crawlers.delete_classifier(name).await?)
    }
}
