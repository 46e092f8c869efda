//! One crawl: read the targets, decide the tables, plan against the catalog, apply.

use std::collections::{BTreeMap, HashSet};

use lakecat_catalog::crawlers::{
    CrawlerInput, ObjectIssue, RecrawlBehavior, S3Target, Severity, TableGroupingPolicy,
};
use lakecat_catalog::{Catalog, DatabaseInput, Error as CatalogError, Table, TableAction};
use lakecat_classifiers::merge::containment;
use lakecat_classifiers::{Field, HiveType, Registry, Schema};

use crate::error::{CrawlError, Result};
use crate::glob::Exclusions;
use crate::group::{self, GroupingOptions, PartitionDraft, TableDraft, hive_pair};
use crate::location::TargetLocation;
use crate::output::{DEPRECATED_BY_CRAWLER, OutputContext, UPDATED_BY_CRAWLER};
use crate::plan::{self, FoundTable, Plan};
use crate::report::{Phase, Report};
use crate::retries::RetryCounter;
use crate::roots::AllowedRoots;
use crate::scan::{self, FolderScan, ObjectStats, ScanOptions};
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

/// A target ready to crawl: where it is and its settings.
#[derive(Debug, Clone)]
pub struct CrawlTarget {
    /// Where it is.
    pub location: TargetLocation,
    /// Its settings (exclusions, sample size).
    pub settings: S3Target,
}

impl CrawlTarget {
    /// Opens a target of a crawler definition.
    pub fn open(settings: &S3Target) -> Result<CrawlTarget> {
        CrawlTarget::open_counting(settings, None)
    }

    /// Like [`CrawlTarget::open`], counting retryable request failures into `retries`.
    pub fn open_counting(
        settings: &S3Target,
        retries: Option<&RetryCounter>,
    ) -> Result<CrawlTarget> {
        Ok(CrawlTarget {
            location: TargetLocation::open_counting(&settings.path, retries)?,
            settings: settings.clone(),
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
    /// Opens every target of a crawler definition, all counting into one counter.
    pub fn open(settings: &[S3Target]) -> Result<OpenedTargets> {
        let retries = RetryCounter::default();
        let targets = settings
            .iter()
            .map(|target| CrawlTarget::open_counting(target, Some(&retries)))
            .collect::<Result<Vec<_>>>()?;
        Ok(OpenedTargets { targets, retries })
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
    let database = crawler.database_name.to_lowercase();
    let target_urls: Vec<String> = targets.iter().map(|t| t.location.url()).collect();
    let snapshot = CatalogSnapshot::load(catalog, &database, &target_urls).await?;
    let incremental =
        crawler.recrawl_policy.recrawl_behavior == RecrawlBehavior::CrawlNewFoldersOnly;
    let grouping = GroupingOptions {
        combine_compatible_schemas: crawler.configuration.table_grouping_policy
            == Some(TableGroupingPolicy::CombineCompatibleSchemas),
        table_level: crawler.configuration.table_level,
        table_prefix: crawler.table_prefix.clone().unwrap_or_default(),
    };
    let mut found = Vec::new();
    let mut listed_completely = Vec::new();
    for target in targets {
        let exclusions = Exclusions::new(&target.settings.exclusions)?;
        let scan_options = ScanOptions {
            exclusions,
            sample_size: target.settings.sample_size,
            concurrency: options.concurrency,
            link_guard: target
                .location
                .is_local()
                .then(|| options.allowed_roots.link_guard())
                .flatten()
                .map(std::sync::Arc::new),
            content_validation: crawler.configuration.content_validation,
        };
        let target_url = target.location.url();
        let existing = if incremental {
            existing_tables_under(&snapshot, crawler, &target.location)
        } else {
            Vec::new()
        };
        let known: HashSet<String> = existing
            .iter()
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
            report.set_phase(Phase::Done);
            return Ok(CrawlOutcome {
                plan: Plan::default(),
                stopped: true,
            });
        }
        listed_completely.push(target_url.clone());
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
        for draft in attach_to_existing(&existing, &mut scan.folders, &target.location, report) {
            found.push(FoundTable {
                draft,
                context: context.clone(),
            });
        }
        for draft in group::group(&scan.folders, &target.location, &grouping, report) {
            found.push(FoundTable {
                draft,
                context: context.clone(),
            });
        }
    }
    report.set_phase(Phase::Planning);
    if let Some(threshold) = crawler.configuration.table_threshold
        && found.len() > threshold as usize
    {
        return Err(CrawlError::TableThreshold {
            detected: found.len(),
            threshold,
        });
    }
    let now = chrono::Utc::now().timestamp_millis();
    // A crawl of new folders only does not see the old ones, so it judges nothing gone.
    let judged_gone = if incremental {
        Vec::new()
    } else {
        listed_completely
    };
    let plan = plan::plan(&snapshot, crawler, found, &judged_gone, now);
    for change in &plan.changes {
        report.change(change.record.clone());
    }
    if options.dry_run {
        report.set_phase(Phase::Done);
        return Ok(CrawlOutcome {
            plan,
            stopped: false,
        });
    }
    let stopped = apply(catalog, &database, &plan, report, stop).await?;
    report.set_phase(Phase::Done);
    Ok(CrawlOutcome { plan, stopped })
}

/// Writes the plan table by table; true when a stop cut it short.
async fn apply(
    catalog: &Catalog,
    database: &str,
    plan: &Plan,
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
            written = catalog.apply_table_change(database, change.clone()) => {
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
    Ok(false)
}

/// Whether the catalog refused one table's change for something about that table, so that
/// the crawl can go on with the others; a database failure is not, and fails the crawl.
fn refused_table(error: &CatalogError) -> bool {
    match error {
        CatalogError::InvalidInput(_)
        | CatalogError::LimitExceeded(_)
        | CatalogError::ConcurrentModification(_)
        | CatalogError::AlreadyExists { .. }
        | CatalogError::NotFound { .. } => true,
        CatalogError::CrawlerState { .. }
        | CatalogError::InvalidPageToken(_)
        | CatalogError::Backend(_) => false,
        _ => false,
    }
}

/// A table of this crawler under a target, for a crawl of new folders only.
struct ExistingTable {
    table: Table,
    /// The table's folder relative to the target (`""` for the target itself).
    root: String,
    /// Folders (relative to the target) that are already the table or its partitions.
    known_folders: Vec<String>,
}

/// The folder of `url` relative to the target, if it is under it.
fn relative_folder(location: &TargetLocation, url: &str) -> Option<String> {
    url.strip_prefix(&location.url())
        .map(|rest| rest.trim_end_matches('/').to_string())
}

fn existing_tables_under(
    snapshot: &CatalogSnapshot,
    crawler: &CrawlerInput,
    location: &TargetLocation,
) -> Vec<ExistingTable> {
    let mut found = Vec::new();
    for table in snapshot.tables.values() {
        if table.parameters.get(UPDATED_BY_CRAWLER) != Some(&crawler.name)
            || table.parameters.contains_key(DEPRECATED_BY_CRAWLER)
        {
            continue;
        }
        let Some(root) = table
            .storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.as_deref())
            .and_then(|loc| relative_folder(location, loc))
        else {
            continue;
        };
        let mut known_folders = vec![root.clone()];
        if !table.partition_keys.is_empty() {
            let partitions = snapshot.partitions(&table.name);
            known_folders.extend(partitions.iter().filter_map(|p| {
                p.storage_descriptor
                    .as_ref()
                    .and_then(|sd| sd.location.as_deref())
                    .and_then(|loc| relative_folder(location, loc))
            }));
        }
        found.push(ExistingTable {
            table: table.clone(),
            root,
            known_folders,
        });
    }
    // The deepest table root first, so a folder joins the innermost table.
    found.sort_by_key(|e| std::cmp::Reverse(e.root.len()));
    found
}

/// The table's columns as a schema.
fn table_schema(table: &Table) -> Schema {
    Schema::new(
        table
            .storage_descriptor
            .as_ref()
            .map(|sd| {
                sd.columns
                    .iter()
                    .map(|c| {
                        let ty = c
                            .type_name
                            .as_deref()
                            .and_then(|t| t.parse::<HiveType>().ok())
                            .unwrap_or(HiveType::String);
                        Field::new(c.name.clone(), ty)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// Moves new folders that sit at partition depth under an existing table out of `folders`,
/// into drafts that add them as partitions of that table (a crawl of new folders only).
/// Folders whose schema differs too much from the table's are skipped and reported.
fn attach_to_existing(
    existing: &[ExistingTable],
    folders: &mut BTreeMap<String, FolderScan>,
    location: &TargetLocation,
    report: &Report,
) -> Vec<TableDraft> {
    let mut drafts = Vec::new();
    for table in existing {
        let depth = table.table.partition_keys.len();
        let below = |folder: &str| -> Option<Vec<String>> {
            let rest = if table.root.is_empty() {
                folder
            } else {
                folder.strip_prefix(&table.root)?.strip_prefix('/')?
            };
            let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
            (depth > 0 && parts.len() == depth).then(|| {
                parts
                    .iter()
                    .map(|p| {
                        hive_pair(p)
                            .map(|(_, v)| v)
                            .unwrap_or_else(|| p.to_string())
                    })
                    .collect()
            })
        };
        let matching: Vec<String> = folders
            .keys()
            .filter(|f| below(f).is_some())
            .cloned()
            .collect();
        if matching.is_empty() {
            continue;
        }
        let schema = table_schema(&table.table);
        let mut partitions = Vec::new();
        let mut format = None;
        let mut stats = ObjectStats::default();
        for folder in matching {
            let Some(scan) = folders.remove(&folder) else {
                continue;
            };
            let Some(shape) = scan.shapes.iter().max_by_key(|s| s.stats.objects) else {
                continue;
            };
            // A new partition that gained (or lacks) columns is a version of the table's
            // dataset, as when the table was first grouped.
            let score = containment(&schema, &shape.schema);
            let url = location.url_of(
                format!("{}/{folder}", location.prefix().as_ref()).trim_start_matches('/'),
                true,
            );
            if score < group::SIMILARITY_THRESHOLD {
                report.issue(ObjectIssue {
                    path: url,
                    severity: Severity::Warning,
                    message: format!(
                        "new folder not added to table {}: it shares {:.0}% of the narrower of \
                         its columns and the table's (at least {:.0}% is needed)",
                        table.table.name,
                        score * 100.0,
                        group::SIMILARITY_THRESHOLD * 100.0
                    ),
                });
                report.count(|c| c.objects_skipped += shape.stats.objects);
                continue;
            }
            let mut partition_stats = scan.unread;
            for s in &scan.shapes {
                partition_stats.add(&s.stats);
            }
            stats.add(&partition_stats);
            format.get_or_insert_with(|| shape.format.clone());
            partitions.push(PartitionDraft {
                values: below(&folder).unwrap_or_default(),
                location: url,
                schema: schema.clone(),
                stats: partition_stats,
                schema_parameters: shape.schema_parameters.clone(),
            });
        }
        let Some(format) = format else { continue };
        drafts.push(TableDraft {
            name: table.table.name.clone(),
            location: table
                .table
                .storage_descriptor
                .as_ref()
                .and_then(|sd| sd.location.clone())
                .unwrap_or_default(),
            format,
            schema: schema.clone(),
            partition_keys: table
                .table
                .partition_keys
                .iter()
                .map(|k| k.name.clone())
                .collect(),
            schema_parameters: partitions
                .last()
                .map(|p| p.schema_parameters.clone())
                .unwrap_or_default(),
            partitions,
            stats,
        });
    }
    drafts
}
