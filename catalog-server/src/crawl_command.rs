//! `lakecat crawl`: a one-shot crawl into the configured catalog, with progress on stderr and
//! a summary (or the run record as JSON) on stdout.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use lakecat_catalog::crawlers::{
    ChangeKind, CrawlCounts, CrawlRun, CrawlerConfiguration, CrawlerInput, CrawlerTargets,
    Crawlers, DeleteBehavior, RunState, S3Target, SchemaChangePolicy, SkippedObject,
    TableChangeRecord, TableGroupingPolicy, Takeover, UpdateBehavior,
};
use lakecat_catalog::{Catalog, Entity, Error as CatalogError, SqlStore, StoreOptions};
use lakecat_crawler::run::unrecorded_run;
use lakecat_crawler::{CrawlOptions, OpenedTargets, Phase, Report, Runner, crawl, registry_for};

use crate::config::redact_url;

/// What to crawl and how, from the command line.
#[derive(Debug, Clone)]
pub struct CrawlCommand {
    /// Catalog database URL.
    pub database_url: String,
    /// Target URLs or local paths.
    pub targets: Vec<String>,
    /// The database the tables go into.
    pub database: String,
    /// The crawler's name; `lakecat-<database>` by default.
    pub name: Option<String>,
    /// Exclusion globs, applied to every target.
    pub exclusions: Vec<String>,
    /// Files read per folder.
    pub sample_size: Option<u32>,
    /// Prefix of table names.
    pub table_prefix: Option<String>,
    /// Absolute depth of tables.
    pub table_level: Option<u32>,
    /// One table per format, whatever the schemas.
    pub combine_compatible_schemas: bool,
    /// Fail when more tables than this are found.
    pub table_threshold: Option<u32>,
    /// Log changes to existing tables instead of writing them.
    pub log_updates: bool,
    /// What to do with tables whose data is gone.
    pub delete_behavior: DeleteBehavior,
    /// Plan only.
    pub dry_run: bool,
    /// Print the run record as JSON.
    pub json: bool,
    /// Print why folders became tables.
    pub explain: bool,
    /// Objects listed or read at once.
    pub concurrency: usize,
    /// Take over a crawl of this crawler whose process has shown no sign of life for this
    /// long (it died).
    pub takeover_after: Duration,
}

impl CrawlCommand {
    fn definition(&self) -> CrawlerInput {
        CrawlerInput {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| format!("lakecat-{}", self.database.to_lowercase())),
            description: Some("Crawled with `lakecat crawl`".into()),
            role: None,
            database_name: self.database.clone(),
            targets: CrawlerTargets {
                s3_targets: self
                    .targets
                    .iter()
                    .map(|path| S3Target {
                        path: path.clone(),
                        exclusions: self.exclusions.clone(),
                        sample_size: self.sample_size,
                        ..S3Target::default()
                    })
                    .collect(),
                ..CrawlerTargets::default()
            },
            classifiers: Vec::new(),
            table_prefix: self.table_prefix.clone(),
            schema_change_policy: SchemaChangePolicy {
                update_behavior: if self.log_updates {
                    UpdateBehavior::Log
                } else {
                    UpdateBehavior::UpdateInDatabase
                },
                delete_behavior: self.delete_behavior,
            },
            recrawl_policy: Default::default(),
            configuration: CrawlerConfiguration {
                table_grouping_policy: self
                    .combine_compatible_schemas
                    .then_some(TableGroupingPolicy::CombineCompatibleSchemas),
                table_level: self.table_level,
                table_threshold: self.table_threshold,
                ..CrawlerConfiguration::default()
            },
            schedule: None,
            schedule_paused: false,
        }
    }
}

/// Runs the command; returns the process exit code (0 completed, 1 failed, 130 stopped).
pub async fn run(command: CrawlCommand) -> Result<u8> {
    let store = SqlStore::connect(&command.database_url, &StoreOptions::default())
        .await
        .with_context(|| {
            format!(
                "cannot open the catalog database {}",
                redact_url(&command.database_url)
            )
        })?;
    let store = Arc::new(store);
    let catalog = Catalog::new(store.clone());
    let crawlers = Crawlers::new(store.clone());
    // Any number of targets: the one-shot crawl is not a stored definition bound by Glue's
    // 100-target limit.
    let definition = crawlers.check_one_shot(command.definition())?;
    // Targets are opened (paths resolved, stores built) before anything is recorded, so a
    // typo fails fast with one line.
    let targets = OpenedTargets::open(&definition.targets)?;
    let mut resolved = definition.clone();
    for (opened, target) in targets
        .targets
        .iter()
        .zip(resolved.targets.s3_targets.iter_mut())
    {
        target.path = opened.location.url();
    }
    let stop = tokio_util::sync::CancellationToken::new();
    let interrupted = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nstopping: the table being written rolls back (Ctrl-C again to abort)");
            interrupted.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let report = Arc::new(Report::default());
    let progress = tokio::spawn(show_progress(report.clone()));
    let started = Instant::now();
    let run = if command.dry_run {
        let registry = registry_for(&crawlers, &resolved).await?;
        let options = CrawlOptions {
            dry_run: true,
            concurrency: command.concurrency,
            ..CrawlOptions::default()
        };
        let planned_at = chrono::Utc::now();
        let outcome = crawl(
            &catalog,
            &resolved,
            &targets.targets,
            &registry,
            &options,
            &report,
            &stop,
        )
        .await;
        report.count(|counts| counts.object_store_retries += targets.retries.count());
        unrecorded_run(&resolved.name, planned_at, outcome, &report)
    } else {
        save_definition(&crawlers, resolved.clone(), command.takeover_after).await?;
        let runner = Runner::new(
            catalog,
            crawlers,
            CrawlOptions {
                dry_run: false,
                concurrency: command.concurrency,
                ..CrawlOptions::default()
            },
        );
        let run = runner.start(&resolved.name).await?;
        runner
            .finish(run, Some(targets), report.clone(), stop)
            .await
    };
    report.set_phase(Phase::Done);
    let _ = progress.await;
    store.close().await;
    if command.json {
        println!("{}", serde_json::to_string_pretty(&run)?);
    } else {
        print_summary(
            &run,
            &resolved,
            command.dry_run,
            command.explain,
            started.elapsed(),
        );
    }
    Ok(match run.summary.state {
        RunState::Completed => 0,
        RunState::Stopped => 130,
        RunState::Failed | RunState::Running => {
            if !command.json {
                eprintln!(
                    "error: {}",
                    run.summary
                        .error_message
                        .as_deref()
                        .unwrap_or("crawl failed")
                );
            }
            1
        }
    })
}

/// Creates the crawler, or replaces its definition when it exists and is idle. A crawler
/// whose crawl is dead is released first: at once when its process ran on this machine and
/// is gone, otherwise once it has saved no progress for `takeover_after`.
async fn save_definition(
    crawlers: &Crawlers,
    definition: CrawlerInput,
    takeover_after: Duration,
) -> Result<()> {
    match crawlers.get_crawler(&definition.name).await {
        Ok(_) => {
            match crawlers.take_over(&definition.name, takeover_after).await? {
                Takeover::NotRunning => {}
                Takeover::Released { crawl, reason } => eprintln!(
                    "the previous crawl of {} (run {}) stopped without finishing: {reason}; it \
                     is recorded as FAILED and this one starts over",
                    definition.name, crawl.run_id
                ),
                Takeover::Refused(refused) => bail!(
                    "{refused}, when this command can take it over (--takeover-after SECONDS \
                     sets that wait)"
                ),
            }
            crawlers.save_one_shot(definition).await?;
        }
        Err(CatalogError::NotFound {
            entity: Entity::Crawler,
            ..
        }) => {
            crawlers.save_one_shot(definition).await?;
        }
        Err(error) => bail!(error),
    }
    Ok(())
}

/// Shows progress on stderr until the crawl is done: a bar redrawn in place on a terminal,
/// a plain line every few seconds otherwise.
async fn show_progress(report: Arc<Report>) {
    let terminal = std::io::stderr().is_terminal();
    let interval = if terminal {
        Duration::from_millis(150)
    } else {
        Duration::from_secs(2)
    };
    let started = Instant::now();
    let mut last_line = String::new();
    // Nothing is shown for the first interval: a quick crawl prints only its summary.
    let mut last_shown = Some(Instant::now());
    loop {
        let phase = report.phase();
        if phase == Phase::Done {
            break;
        }
        if last_shown.is_none_or(|at| at.elapsed() >= interval) {
            let line = progress_line(phase, &report.counts(), started.elapsed());
            if terminal {
                eprint!("\r\x1b[2K{line}");
                let _ = std::io::stderr().flush();
            } else if line != last_line {
                eprintln!("{line}");
            }
            last_line = line;
            last_shown = Some(Instant::now());
        }
        // Short sleeps, so that the end of the crawl is not held up by the interval.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if terminal {
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
}

fn progress_line(phase: Phase, counts: &CrawlCounts, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    match phase {
        Phase::Reading => format!(
            "reading  {} objects listed, {} read ({}), {:.0} objects/s",
            counts.objects_listed,
            counts.objects_read,
            human_bytes(counts.bytes_read),
            counts.objects_listed as f64 / seconds.max(0.001)
        ),
        Phase::Planning => format!(
            "planning {} objects listed, {} read",
            counts.objects_listed, counts.objects_read
        ),
        Phase::Applying { done, total } => {
            let width = 30;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            format!(
                "writing  [{}{}] {done}/{total} tables",
                "#".repeat(filled),
                " ".repeat(width - filled)
            )
        }
        Phase::Done => String::new(),
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The skipped objects the run record names, then how many more: `: a.csv (empty object),
/// ... and 12 more`.
fn skipped_examples(examples: &[SkippedObject], skipped: u64) -> String {
    if examples.is_empty() {
        return String::new();
    }
    let named: Vec<String> = examples
        .iter()
        .map(|e| format!("{} ({})", e.path, e.reason))
        .collect();
    let more = skipped.saturating_sub(examples.len() as u64);
    let rest = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(": {}{rest}", named.join(", "))
}

fn print_summary(
    run: &CrawlRun,
    crawler: &CrawlerInput,
    dry_run: bool,
    explain: bool,
    elapsed: Duration,
) {
    let c = &run.summary.counts;
    let targets: Vec<&str> = crawler
        .targets
        .s3_targets
        .iter()
        .map(|t| t.path.as_str())
        .collect();
    println!(
        "{} of {} into database {}: {} in {:.1} s",
        if dry_run { "dry run" } else { "crawl" },
        targets.join(", "),
        crawler.database_name,
        run.summary.state.as_str(),
        elapsed.as_secs_f64()
    );
    println!(
        "objects: {} listed, {} read ({}), {} skipped{}",
        c.objects_listed,
        c.objects_read,
        human_bytes(c.bytes_read),
        c.objects_skipped,
        skipped_examples(&run.report.skipped_examples, c.objects_skipped)
    );
    // In name order, as a person looks tables up (the plan's order is the write order).
    let mut changes: Vec<&TableChangeRecord> = run.report.changes.iter().collect();
    changes.sort_by(|a, b| a.table.cmp(&b.table));
    if !changes.is_empty() {
        let width = changes
            .iter()
            .map(|c| c.table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        println!();
        println!(
            "{:<width$}  {:<10} {:>8} {:>8} {:>8}  DETAILS",
            "TABLE", "CHANGE", "+PARTS", "~PARTS", "-PARTS"
        );
        for change in changes {
            let mut kind = format!("{:?}", change.kind).to_uppercase();
            let writes = matches!(
                change.kind,
                ChangeKind::Create
                    | ChangeKind::Update
                    | ChangeKind::Deprecate
                    | ChangeKind::Delete
            );
            if writes && !change.applied && !dry_run {
                kind.push('*');
            }
            println!(
                "{:<width$}  {:<10} {:>8} {:>8} {:>8}  {}",
                change.table,
                kind,
                change.partitions_added,
                change.partitions_updated,
                change.partitions_deleted,
                change.details.join("; ")
            );
        }
    }
    println!();
    if dry_run {
        println!("dry run: nothing was written");
    } else {
        println!(
            "tables: {} created, {} updated, {} deprecated, {} deleted; partitions: {} added, {} updated, {} deleted",
            c.tables_created,
            c.tables_updated,
            c.tables_deprecated,
            c.tables_deleted,
            c.partitions_added,
            c.partitions_updated,
            c.partitions_deleted
        );
    }
    if explain {
        println!();
        for decision in &run.report.decisions {
            println!(
                "{}\n  {}\n  because {}",
                decision.location, decision.outcome, decision.reason
            );
        }
    }
    let issues = &run.report.issues;
    if !issues.is_empty() {
        const SHOWN: usize = 10;
        println!();
        println!(
            "{} object issue(s){}:",
            issues.len() as u64 + run.report.issues_dropped,
            if issues.len() > SHOWN {
                format!(" (first {SHOWN} shown; all are in the run record, --json)")
            } else {
                String::new()
            }
        );
        for issue in issues.iter().take(SHOWN) {
            println!("  {:?} {}: {}", issue.severity, issue.path, issue.message);
        }
    }
    if !dry_run {
        println!();
        println!("run {} of crawler {}", run.summary.id, run.crawler_name);
    }
}
