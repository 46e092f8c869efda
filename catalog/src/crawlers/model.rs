//! Crawler definitions, crawl runs and custom classifier records, in AWS Glue's vocabulary.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Input to create or replace a crawler.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CrawlerInput {
    /// Crawler name (1 to 255 characters); case is kept.
    pub name: String,
    /// Free text, at most 2048 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The IAM role a Glue crawler runs as; kept for Glue clients, unused by lakecat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The database the crawler writes tables into; it is created when missing.
    pub database_name: String,
    /// Where the crawler reads.
    pub targets: CrawlerTargets,
    /// Names of custom classifiers to try, in order, before the built-in ones.
    #[serde(default)]
    pub classifiers: Vec<String>,
    /// Prepended to the name of every table the crawler creates (at most 128 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_prefix: Option<String>,
    /// What to do when a table's schema changed or its data is gone.
    #[serde(default)]
    pub schema_change_policy: SchemaChangePolicy,
    /// Whether to read everything or only folders no earlier crawl saw.
    #[serde(default)]
    pub recrawl_policy: RecrawlPolicy,
    /// Grouping and output options (Glue's `Configuration`).
    #[serde(default)]
    pub configuration: CrawlerConfiguration,
    /// A cron expression, for example `cron(15 12 * * ? *)`; run by the scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// The schedule is paused (Glue's StopCrawlerSchedule) and does not start crawls.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub schedule_paused: bool,
}

/// The places a crawler reads. A crawler needs at least one path, of any kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CrawlerTargets {
    /// Object-store prefixes. Glue calls them S3 targets; any URL the object store reaches
    /// works (`s3://`, `gs://`, `az://`, `file:///`).
    #[serde(default)]
    pub s3_targets: Vec<S3Target>,
    /// Delta Lake tables, registered as native Delta tables (Glue's `DeltaTargets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delta_targets: Vec<DeltaTarget>,
    /// Prefixes searched for Apache Iceberg tables (Glue's `IcebergTargets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iceberg_targets: Vec<OpenTableTarget>,
    /// Prefixes searched for Apache Hudi tables (Glue's `HudiTargets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hudi_targets: Vec<OpenTableTarget>,
}

impl CrawlerTargets {
    /// Every path the targets name, of every kind, in order: S3 targets, Delta tables,
    /// Iceberg paths, Hudi paths: what the checks that apply to every kind (URLs, allowed
    /// crawl roots, exclusion globs) go through.
    pub fn paths(&self) -> impl Iterator<Item = TargetPath<'_>> + '_ {
        let s3 = self.s3_targets.iter().map(|t| TargetPath {
            kind: TargetKind::S3,
            path: &t.path,
            exclusions: &t.exclusions,
            maximum_traversal_depth: None,
        });
        let delta = self.delta_targets.iter().flat_map(|t| {
            t.delta_tables.iter().map(|path| TargetPath {
                kind: TargetKind::Delta,
                path,
                exclusions: &[],
                maximum_traversal_depth: None,
            })
        });
        s3.chain(delta)
            .chain(open_table_paths(TargetKind::Iceberg, &self.iceberg_targets))
            .chain(open_table_paths(TargetKind::Hudi, &self.hudi_targets))
    }

    /// How many paths the targets name, of every kind: what the limit on a stored
    /// crawler's targets counts.
    pub fn path_count(&self) -> usize {
        self.paths().count()
    }
}

/// The paths of Iceberg or Hudi targets, as [`CrawlerTargets::paths`] gives them.
fn open_table_paths(
    kind: TargetKind,
    targets: &[OpenTableTarget],
) -> impl Iterator<Item = TargetPath<'_>> + '_ {
    targets.iter().flat_map(move |t| {
        t.paths.iter().map(move |path| TargetPath {
            kind,
            path,
            exclusions: &t.exclusions,
            maximum_traversal_depth: t.maximum_traversal_depth,
        })
    })
}

/// What kind of target a path comes from, which says how a crawl reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// An S3 target: objects of any format, grouped into tables by folder.
    S3,
    /// The root of one Delta Lake table (a folder holding `_delta_log/`).
    Delta,
    /// A prefix under which Iceberg tables (folders holding `metadata/`) are looked for.
    Iceberg,
    /// A prefix under which Hudi tables (folders holding `.hoodie/`) are looked for.
    Hudi,
}

/// One path of a crawler's targets, with the settings of the target it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetPath<'a> {
    /// The kind of target.
    pub kind: TargetKind,
    /// The URL, as stored (`s3://bucket/prefix/`, `file:///data/lake/`, ...).
    pub path: &'a str,
    /// Globs, relative to `path`, of objects to leave out (none for Delta tables).
    pub exclusions: &'a [String],
    /// For Iceberg and Hudi paths: how many folder levels below `path` tables are looked
    /// for; `None` for other kinds, or when the target leaves it to the crawler.
    pub maximum_traversal_depth: Option<u32>,
}

/// Delta Lake tables to crawl (Glue's `DeltaTarget`). Each path is one table's root; the
/// table's schema, partition columns and live files come from its transaction log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeltaTarget {
    /// Roots of Delta tables, each a folder holding `_delta_log/`, for example
    /// `s3://bucket/sales/` (Glue's `DeltaTables`). At least one.
    pub delta_tables: Vec<String>,
    /// Glue's connection to reach the tables through. lakecat has no connections (it reaches
    /// object stores with the server's own settings), so a name is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_name: Option<String>,
    /// Write symlink manifests (`_symlink_format_manifest/`) into each table for engines
    /// that cannot read Delta's log (Glue's `WriteManifest`). Not supported yet: `true` is
    /// refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write_manifest: bool,
    /// Register native Delta tables, read through the transaction log (Glue's
    /// `CreateNativeDeltaTable`). lakecat registers only native tables: absent means `true`,
    /// and `false` is refused. Kept as given, so Glue clients read back what they wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_native_delta_table: Option<bool>,
}

/// Prefixes under which a crawl looks for tables of one open table format: Glue's
/// `IcebergTarget` and `HudiTarget`, which have the same members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenTableTarget {
    /// Prefixes holding tables, or folders holding them, for example
    /// `s3://bucket/warehouse/` (Glue's `Paths`). At least one.
    pub paths: Vec<String>,
    /// Globs, relative to each path, of objects to leave out, in the syntax of S3 targets'
    /// exclusions (Glue's `Exclusions`).
    #[serde(default)]
    pub exclusions: Vec<String>,
    /// How many folder levels below each path tables are looked for, 1 to 20 (Glue's
    /// `MaximumTraversalDepth`); the crawler's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_traversal_depth: Option<u32>,
    /// Glue's connection to reach the paths through. lakecat has no connections (it reaches
    /// object stores with the server's own settings), so a name is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_name: Option<String>,
}

/// One object-store prefix to crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct S3Target {
    /// The prefix, for example `s3://bucket/sales/` or `file:///data/lake/`.
    pub path: String,
    /// Globs, relative to `path`, of objects to leave out (Glue's glob syntax: `*`, `**`,
    /// `?`, `[a-z]`, `[!a]`, `{a,b}`).
    #[serde(default)]
    pub exclusions: Vec<String>,
    /// Files read per leaf folder (1 to 249); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_size: Option<u32>,
    /// The SQS queue (`arn:aws:sqs:region:account:name`) S3 event notifications of this
    /// prefix arrive in, for a crawler in event mode (Glue's `EventQueueArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_queue_arn: Option<String>,
    /// The SQS queue messages that cannot be used are sent to (Glue's `DlqEventQueueArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dlq_event_queue_arn: Option<String>,
}

/// What to do when a crawled table differs from the catalog's, or its data is gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchemaChangePolicy {
    /// What to do with a changed table.
    #[serde(default)]
    pub update_behavior: UpdateBehavior,
    /// What to do with a table whose data is gone.
    #[serde(default)]
    pub delete_behavior: DeleteBehavior,
}

/// What to do with a table whose crawled definition changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UpdateBehavior {
    /// Write the new definition.
    #[default]
    UpdateInDatabase,
    /// Only report the change in the run record.
    Log,
}

/// What to do with a table (or partition) whose data is gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeleteBehavior {
    /// Mark it with the `DEPRECATED_BY_CRAWLER` parameter.
    #[default]
    DeprecateInDatabase,
    /// Delete it.
    DeleteFromDatabase,
    /// Only report it in the run record.
    Log,
}

/// Which folders a crawl reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecrawlPolicy {
    /// Everything, or only new folders.
    #[serde(default)]
    pub recrawl_behavior: RecrawlBehavior,
}

/// Which folders a crawl reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecrawlBehavior {
    /// Read every folder on every run.
    #[default]
    CrawlEverything,
    /// Read only folders that are not partitions in the catalog yet, and add them as
    /// partitions of the existing tables. Requires LOG for both schema change behaviours.
    CrawlNewFoldersOnly,
    /// After a first full crawl, read only the folders named by object events (S3 event
    /// notifications from the targets' SQS queues, or posted to the crawler's events
    /// endpoint); scheduled and started runs still crawl everything.
    CrawlEventMode,
}

/// Grouping and output options: Glue's `Configuration` JSON, as typed fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CrawlerConfiguration {
    /// `CombineCompatibleSchemas`: one table per target whenever the files share a format,
    /// however different their columns (Glue's `Grouping.TableGroupingPolicy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_grouping_policy: Option<TableGroupingPolicy>,
    /// Tables sit at this absolute folder depth (the bucket's top folder is 1), below which
    /// folders are partitions (Glue's `Grouping.TableLevelConfiguration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_level: Option<u32>,
    /// Partitions copy the table's schema and formats instead of their own
    /// (`CrawlerOutput.Partitions.AddOrUpdateBehavior = InheritFromTable`).
    #[serde(default)]
    pub partitions_inherit_from_table: bool,
    /// Existing tables only gain new columns; none is removed or retyped
    /// (`CrawlerOutput.Tables.AddOrUpdateBehavior = MergeNewColumns`).
    #[serde(default)]
    pub merge_new_columns_only: bool,
    /// Fail the crawl, writing nothing, when it finds more tables than this
    /// (`CrawlerOutput.Tables.TableThreshold`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_threshold: Option<u32>,
    /// Which objects are read beyond what their schema needs, to find corrupt ones at crawl
    /// time rather than at query time (a lakecat setting; Glue reads footers only).
    #[serde(default, skip_serializing_if = "ContentValidation::is_default")]
    pub content_validation: ContentValidation,
    /// Which column statistics crawls compute and write with each table and partition (a
    /// lakecat setting; Glue computes statistics in separate, paid tasks).
    #[serde(default, skip_serializing_if = "ColumnStatisticsPolicy::is_default")]
    pub column_statistics: ColumnStatisticsPolicy,
    /// Crawls replace column statistics that users or engines wrote; by default those are
    /// kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_user_statistics: bool,
}

/// Which column statistics a crawl computes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ColumnStatisticsPolicy {
    /// Counts, bounds and lengths: exact from Parquet and ORC footers, estimated from the
    /// sampled rows of text objects.
    #[default]
    Compute,
    /// The same, and the number of distinct values, estimated with HyperLogLog sketches of
    /// the rows read, which merge across partitions.
    ComputeWithDistinctValues,
    /// None.
    Off,
}

impl ColumnStatisticsPolicy {
    fn is_default(&self) -> bool {
        *self == ColumnStatisticsPolicy::Compute
    }
}

/// Which objects a crawl checks beyond their schema: today the first rows of Parquet
/// objects up to 8 MiB are decoded, which finds corrupt data pages and costs about a third
/// of a crawl of many small files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentValidation {
    /// Every object read.
    #[default]
    EveryObject,
    /// The first object read in each folder (partition): a corrupt writer is still caught,
    /// for a fraction of the cost.
    FirstPerFolder,
    /// None: schemas come from footers only, as in Glue, DuckDB and pyarrow.
    Off,
}

impl ContentValidation {
    fn is_default(&self) -> bool {
        *self == ContentValidation::EveryObject
    }
}

/// Glue's table grouping policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TableGroupingPolicy {
    /// One table for files of one format, whatever their columns.
    CombineCompatibleSchemas,
}

/// Whether a crawler is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrawlerState {
    /// Idle.
    Ready,
    /// A crawl is running.
    Running,
    /// A stop was requested; the crawl is ending (a table being written rolls back).
    Stopping,
}

impl CrawlerState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CrawlerState::Ready => "READY",
            CrawlerState::Running => "RUNNING",
            CrawlerState::Stopping => "STOPPING",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<CrawlerState> {
        [
            CrawlerState::Ready,
            CrawlerState::Running,
            CrawlerState::Stopping,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A crawler as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Crawler {
    /// The definition.
    #[serde(flatten)]
    pub definition: CrawlerInput,
    /// Whether it is running.
    pub state: CrawlerState,
    /// Goes up by one with every update of the definition.
    pub version: i64,
    /// When it was created.
    pub creation_time: DateTime<Utc>,
    /// When its definition last changed.
    pub last_updated: DateTime<Utc>,
    /// The latest crawl, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_crawl: Option<CrawlRunSummary>,
    /// The next times the schedule fires (up to three, UTC); empty without a schedule or
    /// while it is paused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_scheduled_runs: Vec<DateTime<Utc>>,
    /// Whether it has a webhook secret, which `POST /v1/crawlers/{name}/events` accepts
    /// instead of an editor token. The secret itself is never shown.
    #[serde(default)]
    pub webhook_secret_set: bool,
}

impl CrawlerInput {
    /// The crawler's parsed schedule when it has one and it is not paused. Definitions are
    /// checked when stored, so a stored schedule parses.
    pub fn active_schedule(&self) -> Option<super::schedule::Schedule> {
        if self.schedule_paused {
            return None;
        }
        self.schedule
            .as_deref()
            .and_then(|expression| super::schedule::Schedule::parse(expression).ok())
    }

    /// The next `count` times the schedule fires after `now`.
    pub fn next_scheduled_runs(&self, now: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        self.active_schedule()
            .map(|schedule| schedule.upcoming(now, count))
            .unwrap_or_default()
    }
}

/// Why a change to a crawler's schedule was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleRefusal {
    /// Resuming the schedule of a crawler that has none.
    NoSchedule,
    /// Resuming a schedule that is not paused.
    AlreadyRunning,
    /// Pausing a schedule that is paused already, or a crawler that has none.
    NotRunning,
}

/// What a crawler's recent runs say about it (Glue's `CrawlerMetrics`): how long its crawls
/// take and what its last finished crawl did to tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrawlerMetrics {
    /// The crawler.
    pub crawler_name: String,
    /// A crawl is running: the figures are those of the crawls before it.
    pub still_estimating: bool,
    /// How long the last finished crawl took, in seconds; 0 before the first.
    pub last_runtime_seconds: f64,
    /// The median duration of its last [`METRICS_RUNS`] finished crawls, in seconds.
    pub median_runtime_seconds: f64,
    /// Tables the last finished crawl created.
    pub tables_created: u64,
    /// Tables it updated.
    pub tables_updated: u64,
    /// Tables it deleted or marked deprecated.
    pub tables_deleted: u64,
}

/// How many of a crawler's most recent runs its metrics are computed from.
pub const METRICS_RUNS: usize = 100;

/// How a crawl ended, or that it is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    /// Still running.
    Running,
    /// Finished; the catalog is as planned.
    Completed,
    /// Failed; tables written before the failure are as planned, the others as they were.
    Failed,
    /// Stopped on request; tables written before the stop are as planned, the others as
    /// they were.
    Stopped,
}

impl RunState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "RUNNING",
            RunState::Completed => "COMPLETED",
            RunState::Failed => "FAILED",
            RunState::Stopped => "STOPPED",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<RunState> {
        [
            RunState::Running,
            RunState::Completed,
            RunState::Failed,
            RunState::Stopped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What a crawl counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrawlCounts {
    /// Objects the listing returned, hidden and excluded ones included.
    pub objects_listed: u64,
    /// Objects whose content was read to infer a schema.
    pub objects_read: u64,
    /// Requests to the object store that failed in a way the store retries with backoff
    /// (throttling such as S3's 503 SlowDown, other server errors, dropped connections).
    #[serde(default)]
    pub object_store_retries: u64,
    /// Bytes read from those objects.
    pub bytes_read: u64,
    /// Objects left out: hidden, marker, excluded, empty, unreadable or unclassified.
    pub objects_skipped: u64,
    /// Tables created.
    pub tables_created: u64,
    /// Tables updated.
    pub tables_updated: u64,
    /// Tables marked deprecated.
    pub tables_deprecated: u64,
    /// Tables deleted.
    pub tables_deleted: u64,
    /// Partitions added.
    pub partitions_added: u64,
    /// Partitions updated.
    pub partitions_updated: u64,
    /// Partitions deleted.
    pub partitions_deleted: u64,
    /// In a full crawl of a crawler in event mode that had completed a crawl before (a
    /// scheduled or manual crawl, or the catch-up crawl after events whose crawl did not
    /// complete): the changes it made that no event crawl had made (partitions added,
    /// updated or deleted, tables created or deleted). 0 when notifications reach lakecat as
    /// they should and every event crawl completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes_not_in_events: Option<u64>,
}

/// A crawl run at a glance: what a crawler shows as its last crawl.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrawlRunSummary {
    /// The run's id (a UUID).
    pub id: String,
    /// How it ended.
    pub state: RunState,
    /// When it started.
    pub start_time: DateTime<Utc>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What it counted.
    pub counts: CrawlCounts,
}

/// One crawl, with everything it decided and changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrawlRun {
    /// The crawler that ran.
    pub crawler_name: String,
    /// State, times and counts.
    #[serde(flatten)]
    pub summary: CrawlRunSummary,
    /// The report: decisions, changes and per-object problems.
    pub report: CrawlReport,
}

/// The crawl run that last created or changed a table (its definition or partitions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableCrawl {
    /// The crawler that ran.
    pub crawler_name: String,
    /// The run's id.
    pub run_id: String,
    /// When the run that made the change finished.
    pub time: DateTime<Utc>,
}

/// A crawler's unfinished crawl, as a crawl that wants to start finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningCrawl {
    /// The crawler.
    pub crawler_name: String,
    /// The run's id.
    pub run_id: String,
    /// When it started.
    pub start_time: DateTime<Utc>,
    /// When it last saved its progress (its heartbeat).
    pub heartbeat_time: DateTime<Utc>,
    /// The process running it; `None` for runs recorded before lakecat recorded runners.
    pub runner: Option<super::runner::CrawlRunner>,
}

/// What happened to an object, as an event reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ObjectChange {
    /// Written (put, copied, a multipart upload completed).
    Created,
    /// Deleted (or expired by a lifecycle rule).
    Removed,
}

/// One object event a crawl consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRecord {
    /// The object's URL.
    pub url: String,
    /// What happened to it.
    pub change: ObjectChange,
    /// When the store says it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<DateTime<Utc>>,
    /// S3's sequencer, when the event had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequencer: Option<String>,
    /// Why no folder was listed for it (outside the targets, hidden, excluded); absent for
    /// the events whose folders were listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_aside: Option<String>,
}

/// The events an event-driven crawl consumed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventsConsumed {
    /// Where they came from: `webhook`, or the SQS queue's ARN.
    pub source: String,
    /// The events, at most [`MAX_REPORTED_EVENTS`]; `events_dropped` counts the rest.
    pub events: Vec<EventRecord>,
    /// Events beyond those kept.
    #[serde(default)]
    pub events_dropped: u64,
    /// Events delivered more than once in the batch, consumed once.
    #[serde(default)]
    pub duplicates: u64,
    /// Folders listed.
    pub folders_listed: u64,
}

/// Most events a run record keeps.
pub const MAX_REPORTED_EVENTS: usize = 1000;

/// What a crawl decided, changed and ran into.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrawlReport {
    /// For a crawl of the folders events named: those events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<EventsConsumed>,
    /// Why folders became the tables they did, one entry per table root considered.
    pub decisions: Vec<GroupingDecision>,
    /// What changed (or, under a LOG policy or a dry run, would have changed), per table.
    pub changes: Vec<TableChangeRecord>,
    /// Objects that were skipped or could not be read, with the reason. At most
    /// [`MAX_REPORTED_ISSUES`] are kept; `issues_dropped` counts the rest.
    pub issues: Vec<ObjectIssue>,
    /// Issues found beyond those kept.
    #[serde(default)]
    pub issues_dropped: u64,
    /// The first [`MAX_SKIPPED_EXAMPLES`] objects skipped for any reason (hidden and excluded
    /// ones included, which are not issues), so that a summary can name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_examples: Vec<SkippedObject>,
}

/// Most per-object issues a run record keeps.
pub const MAX_REPORTED_ISSUES: usize = 1000;
/// Skipped objects a run record names (the rest are counted).
pub const MAX_SKIPPED_EXAMPLES: usize = 5;

/// An object a crawl skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkippedObject {
    /// The object's URL.
    pub path: String,
    /// Why it was skipped.
    pub reason: String,
}

/// Why a folder became a table, several tables, or partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupingDecision {
    /// The folder the decision is about.
    pub location: String,
    /// What was decided, for example `one table "sales" with partitions (year, month)`.
    pub outcome: String,
    /// Why, with the figures the decision rests on.
    pub reason: String,
}

/// What happened (or would happen) to one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// A new table.
    Create,
    /// A changed definition or partitions.
    Update,
    /// Nothing changed.
    Unchanged,
    /// Marked `DEPRECATED_BY_CRAWLER`.
    Deprecate,
    /// Deleted.
    Delete,
    /// A change the policy says to only log.
    Logged,
    /// A table edited outside this crawler, left alone.
    Kept,
}

/// One table's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableChangeRecord {
    /// The table.
    pub table: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The details, for example `columns added: discount (double)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Partitions added.
    #[serde(default)]
    pub partitions_added: u64,
    /// Partitions updated.
    #[serde(default)]
    pub partitions_updated: u64,
    /// Partitions deleted.
    #[serde(default)]
    pub partitions_deleted: u64,
    /// Whether the change is in the catalog (false under LOG, a dry run, or a stop first).
    pub applied: bool,
}

/// How bad an object issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The object could not be read or is corrupt; it was skipped.
    Error,
    /// The object was skipped or read with a caveat.
    Warning,
}

/// A problem with one object (or folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectIssue {
    /// The object's URL.
    pub path: String,
    /// How bad it is.
    pub severity: Severity,
    /// What happened.
    pub message: String,
}

/// Input to create or replace a custom classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClassifierInput {
    /// Classifier name (1 to 255 characters).
    pub name: String,
    /// The definition: `{"kind": "grok" | "csv" | "json" | "xml", ...}`; checked by the
    /// crawler's classifier library when stored.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub definition: serde_json::Value,
}

/// A custom classifier as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassifierRecord {
    /// Classifier name.
    pub name: String,
    /// The definition.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub definition: serde_json::Value,
    /// Goes up by one with every update.
    pub version: i64,
    /// When it was created.
    pub creation_time: DateTime<Utc>,
    /// When it last changed.
    pub last_updated: DateTime<Utc>,
}
