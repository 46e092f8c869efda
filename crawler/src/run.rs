//! Running a stored crawler: the run record's life (RUNNING, then COMPLETED, FAILED or
//! STOPPED), custom classifiers, stop requests and progress saving around [`crawl`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;
use tokio_util::sync::CancellationToken;

use lakecat_catalog::Catalog;
use lakecat_catalog::crawlers::{
    ClassifierRecord, CrawlRun, CrawlerInput, CrawlerState, Crawlers, RecrawlBehavior, RunState,
};
use lakecat_classifiers::custom::ClassifierDefinition;
use lakecat_classifiers::{Classifier, Registry};

use crate::crawl::{CrawlOptions, CrawlOutcome, OpenedTargets, crawl, crawl_folders};
use crate::error::{CrawlError, Result};
use crate::events::EventsToCrawl;
use crate::report::Report;
use crate::roots::AllowedRoots;

/// How often a running crawl checks for a stop request and saves its progress.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);
/// How often progress is saved to the run record.
const SAVE_EVERY: u32 = 10;

/// Builds a stored custom classifier.
pub fn build_classifier(record: &ClassifierRecord) -> Result<Arc<dyn Classifier>> {
    let invalid = |reason: String| CrawlError::InvalidClassifier {
        name: record.name.clone(),
        reason,
    };
    let mut definition = record.definition.clone();
    if let Some(object) = definition.as_object_mut() {
        object.insert("name".into(), record.name.clone().into());
    }
    let definition: ClassifierDefinition =
        serde_json::from_value(definition).map_err(|e| invalid(e.to_string()))?;
    definition.build().map_err(|e| invalid(e.to_string()))
}

/// The registry for a crawler: its custom classifiers in order, then the built-ins.
pub async fn registry_for(crawlers: &Crawlers, crawler: &CrawlerInput) -> Result<Registry> {
    let mut custom = Vec::new();
    for name in &crawler.classifiers {
        let record = crawlers.get_classifier(name).await?;
        custom.push(build_classifier(&record)?);
    }
    Ok(Registry::new(
        custom,
        lakecat_classifiers::formats::builtins(),
    ))
}

/// Runs stored crawlers.
#[derive(Debug, Clone)]
pub struct Runner {
    catalog: Catalog,
    crawlers: Crawlers,
    options: CrawlOptions,
}

impl Runner {
    /// A runner writing through `catalog` and recording runs through `crawlers`.
    pub fn new(catalog: Catalog, crawlers: Crawlers, options: CrawlOptions) -> Runner {
        Runner {
            catalog,
            crawlers,
            options,
        }
    }

    /// Reads only files that lie in `roots` (see [`CrawlOptions::allowed_roots`]).
    pub fn with_allowed_roots(mut self, roots: AllowedRoots) -> Runner {
        self.options.allowed_roots = roots;
        self
    }

    /// Marks the crawler RUNNING and records a new run; fails when it is already running.
    /// Then [`Runner::finish`] does the crawl.
    pub async fn start(&self, name: &str) -> Result<CrawlRun> {
        Ok(self.crawlers.start_crawl(name).await?)
    }

    /// Crawls for a run [`Runner::start`] began and records how it ended. `report` shows
    /// progress while it runs; cancelling `stop` (or a stop request through the catalog)
    /// stops it at once: the scan ends, and a table being written rolls back. `targets` replaces the crawler's own targets
    /// (for stores the caller built).
    pub async fn finish(
        &self,
        run: CrawlRun,
        targets: Option<OpenedTargets>,
        report: Arc<Report>,
        stop: CancellationToken,
    ) -> CrawlRun {
        self.finish_scoped(run, targets, None, report, stop).await
    }

    /// Like [`Runner::finish`], crawling only the folders `events` name (decision 0005) and
    /// recording the events, as coming from `source`, in the run.
    pub async fn finish_events(
        &self,
        run: CrawlRun,
        targets: Option<OpenedTargets>,
        events: EventsToCrawl,
        report: Arc<Report>,
        stop: CancellationToken,
    ) -> CrawlRun {
        self.finish_scoped(run, targets, Some(events), report, stop)
            .await
    }

    async fn finish_scoped(
        &self,
        mut run: CrawlRun,
        targets: Option<OpenedTargets>,
        events: Option<EventsToCrawl>,
        report: Arc<Report>,
        stop: CancellationToken,
    ) -> CrawlRun {
        let done = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(tokio::sync::Notify::new());
        let watcher = tokio::spawn(watch(
            self.crawlers.clone(),
            run.clone(),
            report.clone(),
            stop.clone(),
            done.clone(),
            finished.clone(),
        ));
        let outcome = self
            .crawl_for(&mut run, targets, events, &report, &stop)
            .await;
        done.store(true, Ordering::Relaxed);
        finished.notify_one();
        let _ = watcher.await;
        let (counts, crawl_report) = report.snapshot();
        let consumed = run.report.events.take();
        run.summary.counts = counts;
        run.report = crawl_report;
        run.report.events = consumed;
        run.summary.end_time = Some(chrono::Utc::now());
        match outcome {
            Ok(CrawlOutcome { stopped: false, .. }) => run.summary.state = RunState::Completed,
            Ok(CrawlOutcome { stopped: true, .. }) => run.summary.state = RunState::Stopped,
            Err(error) => {
                tracing::warn!(crawler = %run.crawler_name, run = %run.summary.id, error = %error, "crawl failed");
                run.summary.state = RunState::Failed;
                run.summary.error_message = Some(error.to_string());
            }
        }
        if let Err(error) = self.crawlers.finish_crawl(&run).await {
            tracing::error!(crawler = %run.crawler_name, error = %error, "cannot record the end of a crawl");
        }
        run
    }

    /// Whether the crawler of `run` completed a crawl before it: a full crawl of an
    /// event-mode crawler after that is a reconciliation, whose changes no event reported.
    async fn completed_before(&self, run: &CrawlRun) -> Result<bool> {
        let earlier = self
            .crawlers
            .list_runs(&run.crawler_name, lakecat_catalog::PageRequest::default())
            .await?;
        Ok(earlier
            .items
            .iter()
            .any(|r| r.id != run.summary.id && r.state == RunState::Completed))
    }

    /// Plans a crawl of the stored crawler `name` without writing anything or recording a
    /// run (a dry run): the run it would be, its table changes marked not applied, its
    /// grouping decisions and skipped objects. It takes no RUNNING state, so it may run
    /// beside a crawl of the same crawler; `stop` ends it early.
    pub async fn dry_run(&self, name: &str, stop: &CancellationToken) -> Result<CrawlRun> {
        let crawler = self.crawlers.get_crawler(name).await?;
        let definition = crawler.definition;
        let registry = registry_for(&self.crawlers, &definition).await?;
        let opened = OpenedTargets::open(&definition.targets)?;
        let options = CrawlOptions {
            dry_run: true,
            ..self.options.clone()
        };
        let report = Report::default();
        let started = chrono::Utc::now();
        let outcome = crawl(
            &self.catalog,
            &definition,
            &opened.targets,
            &registry,
            &options,
            &report,
            stop,
        )
        .await;
        report.count(|counts| counts.object_store_retries += opened.retries.count());
        Ok(unrecorded_run(name, started, outcome, &report))
    }

    async fn crawl_for(
        &self,
        run: &mut CrawlRun,
        targets: Option<OpenedTargets>,
        events: Option<EventsToCrawl>,
        report: &Report,
        stop: &CancellationToken,
    ) -> Result<CrawlOutcome> {
        let crawler = self.crawlers.get_crawler(&run.crawler_name).await?;
        let definition = crawler.definition;
        let registry = registry_for(&self.crawlers, &definition).await?;
        let opened = match targets {
            Some(opened) => opened,
            None => OpenedTargets::open(&definition.targets)?,
        };
        let outcome = match events {
            None => {
                let reconciles = definition.recrawl_policy.recrawl_behavior
                    == RecrawlBehavior::CrawlEventMode
                    && self.completed_before(run).await?;
                let outcome = crawl(
                    &self.catalog,
                    &definition,
                    &opened.targets,
                    &registry,
                    &self.options,
                    report,
                    stop,
                )
                .await;
                if reconciles {
                    report.count(|c| {
                        // Decision 0005 §7: partitions and whole tables. A table's update
                        // follows from its partitions' (its figures) and is not counted twice.
                        c.changes_not_in_events = Some(
                            c.tables_created
                                + c.tables_deleted
                                + c.partitions_added
                                + c.partitions_updated
                                + c.partitions_deleted,
                        );
                    });
                }
                outcome
            }
            Some(events) => {
                let batch = events.batch_for(&opened.targets)?;
                run.report.events = Some(batch.record(&events.source));
                crawl_folders(
                    &self.catalog,
                    &definition,
                    &opened.targets,
                    &batch.folders,
                    &registry,
                    &self.options,
                    report,
                    stop,
                )
                .await
            }
        };
        report.count(|counts| counts.object_store_retries += opened.retries.count());
        outcome
    }
}

/// The record of a crawl that is not stored (a dry run): id `dry-run`, ending now, with the
/// outcome's state and the report's counts and details.
pub fn unrecorded_run(
    crawler: &str,
    started: chrono::DateTime<chrono::Utc>,
    outcome: Result<CrawlOutcome>,
    report: &Report,
) -> CrawlRun {
    let (counts, report) = report.snapshot();
    let (state, error_message) = match outcome {
        Ok(CrawlOutcome { stopped: false, .. }) => (RunState::Completed, None),
        Ok(CrawlOutcome { stopped: true, .. }) => (RunState::Stopped, None),
        Err(error) => (RunState::Failed, Some(error.to_string())),
    };
    CrawlRun {
        crawler_name: crawler.to_string(),
        summary: lakecat_catalog::crawlers::CrawlRunSummary {
            id: "dry-run".into(),
            state,
            start_time: started,
            end_time: Some(chrono::Utc::now()),
            error_message,
            counts,
        },
        report,
    }
}

/// Until `done`: turns a stop request recorded in the catalog into cancelling `stop`, and saves
/// the run's progress now and then.
async fn watch(
    crawlers: Crawlers,
    mut run: CrawlRun,
    report: Arc<Report>,
    stop: CancellationToken,
    done: Arc<AtomicBool>,
    finished: Arc<tokio::sync::Notify>,
) {
    let mut ticks = 0u32;
    while !done.load(Ordering::Relaxed) {
        tokio::select! {
            () = tokio::time::sleep(WATCH_INTERVAL) => {}
            () = finished.notified() => break,
        }
        ticks += 1;
        if let Ok(crawler) = crawlers.get_crawler(&run.crawler_name).await
            && crawler.state == CrawlerState::Stopping
        {
            stop.cancel();
        }
        if ticks.is_multiple_of(SAVE_EVERY) && !done.load(Ordering::Relaxed) {
            let (counts, crawl_report) = report.snapshot();
            run.summary.counts = counts;
            run.report = crawl_report;
            let _ = crawlers.save_run(&run).await;
        }
    }
}
