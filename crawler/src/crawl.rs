//! One crawl: read the targets, decide the tables, plan against the catalog, apply.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures::StreamExt;

use lakecat_catalog::crawlers::{
    ColumnStatisticsPolicy, CrawlerInput, CrawlerTargets, RecrawlBehavior, S3Target,
    TableGroupingPolicy, TargetKind, TargetPath,
};
use lakecat_catalog::store::FileIndexChange;
use lakecat_catalog::{
    Catalog, DatabaseInput, Error as CatalogError, ErrorKind, TableAction, TableChange,
};
use lakecat_classifiers::{Registry, StatisticsMode};

use crate::error::{CrawlError, Result};
use crate::file_index;
use crate::format_targets;
use crate::glob::Exclusions;
use crate::group::{self, GroupingOptions, TableDraft, incremental, listed};
use crate::location::TargetLocation;
use crate::open_tables;
use crate::output::OutputContext;
use crate::plan::{self, FoundTable, Listed, Plan};
use crate::report::{Phase, Report};
use crate::retries::RetryCounter;
use crate::roots::AllowedRoots;
use crate::scan::{self, ScanOptions};
use crate::snapshot::CatalogSnapshot;
use tokio_util::sync::CancellationToken;

/// Objects listed or read at once, per target, unless configured.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// How to run a crawl.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Plan only: read and decide, write nothing.
    pub dry_run: bool,
    /// Objects listed or read at once.
    pub concurrency: usize,
    /// Where the files read may lie: files that local listings reach through symbolic
    /// links leading elsewhere are skipped.
    pub allowed_roots: AllowedRoots,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            dry_run: false,
            concurrency: DEFAULT_CONCURRENCY,
            allowed_roots: AllowedRoots::default(),
        }
    }
}

/// A target ready to crawl: where it is, its settings, and how it is read.
#[derive(Debug, Clone)]
pub struct CrawlTarget {
    /// Where it is.
    pub location: TargetLocation,
    /// Its settings (exclusions, sample size).
    pub settings: S3Target,
    /// How it is read: an S3 target's objects make tables of any kind; a Delta target is one
    /// table's root; Iceberg and Hudi targets are searched for tables of their format only.
    pub kind: TargetKind,
    /// For Iceberg and Hudi targets: how many folders below the target a table's metadata
    /// folder may lie (Glue's `MaximumTraversalDepth`); no limit when `None`.
    pub maximum_traversal_depth: Option<u32>,
}

impl CrawlTarget {
    /// Opens an S3 target of a crawler definition.
    pub fn open(settings: &S3Target) -> Result<CrawlTarget> {
        CrawlTarget::open_counting(settings, None)
    }

    /// Like [`CrawlTarget::open`], counting retryable request failures into `retries`.
    pub fn open_counting(
        settings: &S3Target,
        retries: Option<&RetryCounter>,
    ) -> Result<CrawlTarget> {
        Ok(CrawlTarget::s3(
            TargetLocation::open_counting(&settings.path, retries)?,
            settings.clone(),
        ))
    }

    /// An S3 target at `location`.
    pub fn s3(location: TargetLocation, settings: S3Target) -> CrawlTarget {
        CrawlTarget {
            location,
            settings,
            kind: TargetKind::S3,
            maximum_traversal_depth: None,
        }
    }

    /// Opens one path of a crawler's targets, of any kind.
    fn open_path(path: &TargetPath<'_>, retries: &RetryCounter) -> Result<CrawlTarget> {
        Ok(CrawlTarget {
            location: TargetLocation::open_counting(path.path, Some(retries))?,
            settings: S3Target {
                path: path.path.to_string(),
                exclusions: path.exclusions.to_vec(),
                ..S3Target::default()
            },
            kind: path.kind,
            maximum_traversal_depth: path.maximum_traversal_depth,
        })
    }
}

/// A crawler's targets, opened, with the counter of the retries their stores' clients make.
#[derive(Debug, Clone, Default)]
pub struct OpenedTargets {
    /// The targets.
    pub targets: Vec<CrawlTarget>,
    /// Retryable request failures of all of them.
    pub retries: RetryCounter,
}

impl OpenedTargets {
    /// Opens every target of a crawler definition, of every kind, in the order of
    /// [`CrawlerTargets::paths`] (S3 targets first), all counting into one counter.
    pub fn open(targets: &CrawlerTargets) -> Result<OpenedTargets> {
        let retries = RetryCounter::default();
        let mut opened = Vec::with_capacity(targets.path_count());
        for (path, s3) in targets.paths().zip(
            targets
                .s3_targets
                .iter()
                .map(Some)
                .chain(std::iter::repeat(None)),
        ) {
            opened.push(match s3 {
                // S3 targets keep every setting (the sample size too).
                Some(settings) => CrawlTarget::open_counting(settings, Some(&retries))?,
                None => CrawlTarget::open_path(&path, &retries)?,
            });
        }
        Ok(OpenedTargets {
            targets: opened,
            retries,
        })
    }
}

/// How a crawl ended.
#[derive(Debug, Clone)]
pub struct CrawlOutcome {
    /// What was planned (and, unless a dry run, applied up to a stop).
    pub plan: Plan,
    /// Whether a stop cut the crawl short.
    pub stopped: bool,
}

/// Crawls `targets` for `crawler`, writing into the catalog unless `options.dry_run`.
///
/// Nothing is written before the whole plan is known. Each table is then written in its own
/// transaction. A stop takes effect between tables, or during a table's write (a table with
/// a million partitions takes minutes), whose transaction then rolls back: every table is
/// either as it was or as planned.
pub async fn crawl(
    catalog: &Catalog,
    crawler: &CrawlerInput,
    targets: &[CrawlTarget],
    registry: &Registry,
    options: &CrawlOptions,
    report: &Report,
    stop: &CancellationToken,
) -> Result<CrawlOutcome> {
    let scopes = vec![None; targets.len()];
    crawl_scoped(
        catalog, crawler, targets, &scopes, registry, options, report, stop,
    )
    .await
}

/// Crawls only the folders events named (decision 0005): `folders[i]` are those of
/// `targets[i]`, relative to it. Each is listed alone (objects directly in it); the grouping
/// rules, schema change policy and apply are those of [`crawl`]. Only partitions (and
/// unpartitioned tables) at listed folders that hold no data any more are judged gone.
/// Targets other than S3 targets are left for full crawls.
#[allow(clippy::too_many_arguments)]
pub async fn crawl_folders(
    catalog: &Catalog,
    crawler: &CrawlerInput,
    targets: &[CrawlTarget],
    folders: &[BTreeSet<String>],
    registry: &Registry,
    options: &CrawlOptions,
    report: &Report,
    stop: &CancellationToken,
) -> Result<CrawlOutcome> {
    let empty = BTreeSet::new();
    let scopes: Vec<Option<&BTreeSet<String>>> = (0..targets.len())
        .map(|i| Some(folders.get(i).unwrap_or(&empty)))
        .collect();
    crawl_scoped(
        catalog, crawler, targets, &scopes, registry, options, report, stop,
    )
    .await
}

/// [`crawl`], or [`crawl_folders`] when `scopes` name each target's folders.
#[allow(clippy::too_many_arguments)]
async fn crawl_scoped(
    catalog: &Catalog,
    crawler: &CrawlerInput,
    targets: &[CrawlTarget],
    scopes: &[Option<&BTreeSet<String>>],
    registry: &Registry,
    options: &CrawlOptions,
    report: &Report,
    stop: &CancellationToken,
) -> Result<CrawlOutcome> {
    let scoped = scopes.iter().any(Option::is_some);
    let targets: Vec<(&CrawlTarget, Option<&BTreeSet<String>>)> = targets
        .iter()
        .zip(scopes.iter().copied())
        .filter(|(target, scope)| {
            scope.is_none_or(|folders| target.kind == TargetKind::S3 && !folders.is_empty())
        })
        .collect();
    let database = crawler.database_name.to_lowercase();
    let target_urls: Vec<String> = targets.iter().map(|(t, _)| t.location.url()).collect();
    // load -> (scan -> group) per target -> plan -> apply.
    let snapshot = CatalogSnapshot::load(catalog, &database, &target_urls).await?;
    let mut found = Vec::new();
    let mut listed_completely = Vec::new();
    let mut listed_folders = HashSet::new();
    let mut file_indexes = HashMap::new();
    // A few targets at once, so that many small targets (a one-shot crawl may have
    // thousands) overlap their listings; results stay in target order.
    let mut waiting = targets.iter();
    let mut scanning = futures::stream::FuturesOrdered::new();
    for (target, scope) in waiting.by_ref().take(TARGETS_AT_ONCE) {
        scanning.push_back(scan_and_group(
            &snapshot, crawler, target, *scope, registry, options, report, stop,
        ));
    }
    while let Some(scanned) = scanning.next().await {
        let Some(scanned) = scanned? else {
            report.set_phase(Phase::Done);
            return Ok(CrawlOutcome {
                plan: Plan::default(),
                stopped: true,
            });
        };
        found.extend(scanned.tables);
        if scanned.judge_gone {
            listed_completely.push(scanned.url);
        }
        listed_folders.extend(scanned.judged_folders);
        file_indexes.extend(scanned.files);
        if let Some((target, scope)) = waiting.next() {
            scanning.push_back(scan_and_group(
                &snapshot, crawler, target, *scope, registry, options, report, stop,
            ));
        }
    }
    drop(scanning);
    drop_open_tables_found_twice(&mut found);
    report.set_phase(Phase::Planning);
    check_table_threshold(crawler, found.len())?;
    // A crawl of new folders only does not see the old ones, so it judges nothing gone.
    if is_incremental(crawler) {
        listed_completely.clear();
    }
    let now = chrono::Utc::now().timestamp_millis();
    let listed = if scoped {
        Listed::Folders(&listed_folders)
    } else {
        Listed::Targets(&listed_completely)
    };
    let plan = plan::plan_listed(&snapshot, crawler, found, listed, now);
    for change in &plan.changes {
        report.change(change.record.clone());
    }
    let stopped = if options.dry_run {
        false
    } else {
        let indexes = FileIndexes {
            by_table: &file_indexes,
            stored: &snapshot.tables,
        };
        apply(catalog, &database, &plan, &indexes, report, stop).await?
    };
    report.set_phase(Phase::Done);
    Ok(CrawlOutcome { plan, stopped })
}

/// Keeps the first of the open-format tables that more than one target found (an S3
/// target over a lake and an Iceberg target inside it both find its Iceberg tables): one
/// table per root, named by the first target that found it.
fn drop_open_tables_found_twice(found: &mut Vec<FoundTable<'_>>) {
    let mut roots = HashSet::new();
    found.retain(|table| table.draft.open.is_none() || roots.insert(table.draft.location.clone()));
}

/// Targets scanned at once. Each scan reads `CrawlOptions::concurrency` objects at once, so
/// this stays small.
const TARGETS_AT_ONCE: usize = 4;

fn is_incremental(crawler: &CrawlerInput) -> bool {
    crawler.recrawl_policy.recrawl_behavior == RecrawlBehavior::CrawlNewFoldersOnly
}

/// Glue's `TableThreshold`: a crawl that finds more tables than this fails, writing nothing.
fn check_table_threshold(crawler: &CrawlerInput, found: usize) -> Result<()> {
    match crawler.configuration.table_threshold {
        Some(threshold) if found > threshold as usize => Err(CrawlError::TableThreshold {
            detected: found,
            threshold,
        }),
        _ => Ok(()),
    }
}

/// Scans one target (or only the folders `scope` names) and decides its tables (new
/// partitions of existing tables first, in a crawl of new folders only or of named folders;
/// open-format tables read from their metadata). `None` when a stop cut the scan short.
#[allow(clippy::too_many_arguments)]
async fn scan_and_group<'a>(
    snapshot: &CatalogSnapshot,
    crawler: &'a CrawlerInput,
    target: &CrawlTarget,
    scope: Option<&BTreeSet<String>>,
    registry: &Registry,
    options: &CrawlOptions,
    report: &Report,
    stop: &CancellationToken,
) -> Result<Option<ScannedTarget<'a>>> {
    let scan_options = ScanOptions {
        exclusions: Exclusions::new(&target.settings.exclusions)?,
        sample_size: target.settings.sample_size,
        concurrency: options.concurrency,
        link_guard: target
            .location
            .is_local()
            .then(|| options.allowed_roots.link_guard())
            .flatten()
            .map(std::sync::Arc::new),
        content_validation: crawler.configuration.content_validation,
        statistics_mode: match crawler.configuration.column_statistics {
            ColumnStatisticsPolicy::Compute => StatisticsMode::Figures,
            ColumnStatisticsPolicy::ComputeWithDistinctValues => StatisticsMode::WithDistinctValues,
            ColumnStatisticsPolicy::Off => StatisticsMode::Off,
        },
        open_tables_only: target.kind != TargetKind::S3,
        only_folders: scope.map(|folders| std::sync::Arc::new(folders.clone())),
    };
    let table_prefix = crawler.table_prefix.clone().unwrap_or_default();
    if target.kind == TargetKind::Delta {
        // The target is the table's root: read its log, list nothing else.
        let open = format_targets::read_delta_target(&target.location, &table_prefix, report).await;
        return Ok(Some(found_in(
            snapshot,
            crawler,
            target,
            Vec::new(),
            open.drafts,
            open.all_read,
        )));
    }
    let existing = if is_incremental(crawler) || scope.is_some() {
        incremental::existing_tables_under(snapshot, crawler, &target.location)
    } else {
        Vec::new()
    };
    // A crawl of new folders only leaves the known ones unread; a crawl of named folders
    // reads them all (they changed).
    let known: HashSet<String> = existing
        .iter()
        .filter(|_| scope.is_none())
        .flat_map(|e| e.known_folders.iter().cloned())
        .collect();
    let mut scan = scan::scan(
        &target.location,
        &scan_options,
        registry,
        &|folder: &str| known.contains(folder),
        stop,
        report,
    )
    .await?;
    if !scan.complete {
        return Ok(None);
    }
    if let Some(format) = format_targets::format_of(target.kind) {
        format_targets::keep_roots_of(
            format,
            target.maximum_traversal_depth,
            &mut scan.table_roots,
            &target.location,
            report,
        );
    }
    let grouping = GroupingOptions {
        combine_compatible_schemas: crawler.configuration.table_grouping_policy
            == Some(TableGroupingPolicy::CombineCompatibleSchemas),
        table_level: crawler.configuration.table_level,
        table_prefix,
    };
    let mut judged_folders = Vec::new();
    // Taken before the grouping and the attaching consume the folders.
    let by_folder = file_index::files_by_folder(&target.location, &scan.folders);
    let attached = match scope {
        Some(listed) => {
            let refreshed = listed::refresh_existing(
                &existing,
                &mut scan.folders,
                listed,
                snapshot,
                &target.location,
                report,
            );
            judged_folders = listed
                .iter()
                .filter(|folder| !refreshed.held.contains(folder))
                .map(|folder| group::folder_url(&target.location, folder))
                .collect();
            refreshed.drafts
        }
        None => {
            incremental::attach_to_existing(&existing, &mut scan.folders, &target.location, report)
        }
    };
    let mut grouped = group::group(&scan.folders, &target.location, &grouping, report);
    let mut open = open_tables::read_roots(
        &target.location,
        &scan.table_roots,
        &grouping.table_prefix,
        report,
    )
    .await;
    open_tables::hold_unsafe_pointer_moves(&mut open, &snapshot.tables, report).await;
    grouped.extend(open.drafts);
    let attached_count = attached.len();
    let mut scanned = found_in(snapshot, crawler, target, attached, grouped, open.all_read);
    scanned.files = file_index::indexes(&scanned.tables, attached_count, &by_folder);
    file_index::add_listed_folders(&mut scanned.files, &judged_folders, snapshot);
    scanned.judged_folders = judged_folders;
    Ok(Some(scanned))
}

/// The tables found in one target, named beside each other and the catalog's tables.
fn found_in<'a>(
    snapshot: &CatalogSnapshot,
    crawler: &'a CrawlerInput,
    target: &CrawlTarget,
    attached: Vec<TableDraft>,
    mut grouped: Vec<TableDraft>,
    judge_gone: bool,
) -> ScannedTarget<'a> {
    let target_url = target.location.url();
    let context = OutputContext {
        crawler: &crawler.name,
        exclusions: target
            .settings
            .exclusions
            .iter()
            .map(|glob| format!("{target_url}{glob}"))
            .collect(),
        partitions_inherit_from_table: crawler.configuration.partitions_inherit_from_table,
    };
    group::make_names_unique(&mut grouped);
    open_tables::adopt_stored_names(&mut grouped, &snapshot.tables);
    group::name_beside_stored_tables(&mut grouped, &snapshot.tables);
    let tables = attached
        .into_iter()
        .chain(grouped)
        .map(|draft| FoundTable {
            draft,
            context: context.clone(),
        })
        .collect();
    ScannedTarget {
        url: target_url,
        tables,
        judge_gone,
        judged_folders: Vec::new(),
        files: Vec::new(),
    }
}

/// What one target's scan found.
struct ScannedTarget<'a> {
    /// The target's URL.
    url: String,
    /// Its tables.
    tables: Vec<FoundTable<'a>>,
    /// Whether the catalog's tables under it that were not found are gone: not when a
    /// table's metadata could not be read (that table was not found, but is not gone).
    judge_gone: bool,
    /// In a crawl of named folders: the URLs of the listed folders where what is missing is
    /// gone.
    judged_folders: Vec<String>,
    /// The file indexes of its Parquet, ORC and Avro tables, by table name.
    files: Vec<(String, FileIndexChange)>,
}

/// The file indexes a crawl writes with its tables.
struct FileIndexes<'a> {
    /// By table name.
    by_table: &'a HashMap<String, FileIndexChange>,
    /// The catalog's tables before the crawl: a table that the plan leaves as it is gets
    /// its index written on its own (a table crawled before lakecat kept indexes).
    stored: &'a std::collections::BTreeMap<String, lakecat_catalog::Table>,
}

impl FileIndexes<'_> {
    /// The index to write with `action`.
    fn of(&self, action: &TableAction) -> Option<&FileIndexChange> {
        match action {
            TableAction::Delete { .. } => None,
            _ => self.by_table.get(action.table_name()),
        }
    }

    /// Changes writing only the index, for stored tables the plan does not write.
    fn without_changes(&self, plan: &Plan) -> Vec<TableChange> {
        let planned: HashSet<&str> = plan
            .changes
            .iter()
            .filter_map(|c| c.change.as_ref())
            .map(|c| c.action.table_name())
            .collect();
        let mut names: Vec<&String> = self
            .by_table
            .keys()
            .filter(|name| self.stored.contains_key(*name) && !planned.contains(name.as_str()))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|name| TableChange {
                action: TableAction::Keep { name: name.clone() },
                put_partitions: Vec::new(),
                delete_partitions: Vec::new(),
                statistics: None,
            })
            .collect()
    }
}

/// Writes the plan table by table; true when a stop cut it short.
async fn apply(
    catalog: &Catalog,
    database: &str,
    plan: &Plan,
    indexes: &FileIndexes<'_>,
    report: &Report,
    stop: &CancellationToken,
) -> Result<bool> {
    let writes: Vec<_> = plan.changes.iter().filter(|c| c.change.is_some()).collect();
    if !writes.is_empty() {
        match catalog
            .create_database(DatabaseInput {
                name: database.to_string(),
                description: Some("Created by a lakecat crawler".into()),
                ..DatabaseInput::default()
            })
            .await
        {
            Ok(_) | Err(CatalogError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let total = writes.len();
    for (done, planned) in writes.into_iter().enumerate() {
        report.set_phase(Phase::Applying { done, total });
        if stop.is_cancelled() {
            return Ok(true);
        }
        let Some(change) = &planned.change else {
            continue;
        };
        tokio::select! {
            written = catalog.apply_indexed_table_change(
                database,
                change.clone(),
                indexes.of(&change.action),
            ) => {
                if let Err(error) = written {
                    if !refused_table(&error) {
                        return Err(error.into());
                    }
                    // The catalog refused this table (a name or value over a limit, a
                    // concurrent edit): the table is recorded as failed and the crawl goes
                    // on with every other table.
                    report.mark_failed(&planned.record.table, &error.to_string());
                    continue;
                }
            }
            () = stop.cancelled() => {
                // Dropping the write rolls its transaction back, so the table stays as it
                // was (or, when the stop came as it committed, is as planned: both whole).
                return Ok(true);
            }
        }
        report.mark_applied(&planned.record.table);
        let rec = &planned.record;
        report.count(|c| {
            match (&change.action, rec.kind) {
                (TableAction::Create(_), _) => c.tables_created += 1,
                (TableAction::Delete { .. }, _) => c.tables_deleted += 1,
                (TableAction::Update { .. }, lakecat_catalog::crawlers::ChangeKind::Deprecate) => {
                    c.tables_deprecated += 1
                }
                (TableAction::Update { .. }, _) => c.tables_updated += 1,
                (TableAction::Keep { .. }, _) => {}
            }
            c.partitions_added += rec.partitions_added;
            c.partitions_updated += rec.partitions_updated;
            c.partitions_deleted += rec.partitions_deleted;
        });
    }
    report.set_phase(Phase::Applying { done: total, total });
    // Tables the plan leaves as they are: their index only (a no-op when it is unchanged).
    for change in indexes.without_changes(plan) {
        if stop.is_cancelled() {
            return Ok(true);
        }
        let name = change.action.table_name().to_string();
        let written = catalog
            .apply_indexed_table_change(database, change.clone(), indexes.of(&change.action))
            .await;
        if let Err(error) = written {
            if !refused_table(&error) {
                return Err(error.into());
            }
            report.mark_failed(&name, &error.to_string());
        }
    }
    Ok(false)
}

/// Whether the catalog refused one table's change for something about that table, so that
/// the crawl can go on with the others; a database failure is not, and fails the crawl.
fn refused_table(error: &CatalogError) -> bool {
    match error.kind() {
        ErrorKind::InvalidInput
        | ErrorKind::LimitExceeded
        | ErrorKind::ConcurrentModification
        | ErrorKind::AlreadyExists
        | ErrorKind::NotFound => true,
        ErrorKind::CrawlerRunning
        | ErrorKind::CrawlerStopping
        | ErrorKind::CrawlerNotRunning
        | ErrorKind::NoSchedule
        | ErrorKind::ScheduleRunning
        | ErrorKind::ScheduleNotRunning
        | ErrorKind::InvalidPageToken
        | ErrorKind::Internal => false,
    }
}
