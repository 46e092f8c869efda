//! Reading a target: every listed object is skipped (hidden, excluded, empty, beyond the
//! sample size) or classified, and the results are summed up per folder. Only per-folder
//! summaries are kept, so memory grows with folders and distinct schemas, not objects.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use futures::future::{self, FutureExt};
use futures::stream::{self, BoxStream, StreamExt};
use lakecat_catalog::crawlers::{ContentValidation, CrawlCounts, ObjectIssue, Severity};
use lakecat_classifiers::{
    ClassifyError, Compression, FormatProperties, ObjectFigures, ObjectInfo, ObjectSource, Outcome,
    Registry, RowStatistics, Schema, StatisticsMode,
};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use tokio_util::sync::CancellationToken;

use lakecat_table_formats::iceberg::generated::FileStats;

use crate::error::Result;
use crate::glob::Exclusions;
use crate::listing::{hidden_reason, list_folders, list_objects};
use crate::local_read::LocalFile;
use crate::location::TargetLocation;
use crate::report::Report;
use crate::roots::LinkGuard;
use crate::table_roots::{FoundRoot, RootFinder};

/// Most distinct schemas kept per folder and format; beyond it, schemas are merged.
const MAX_SHAPES_PER_FOLDER: usize = 16;

/// How an object is read by query engines: everything but its schema and counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The classification (`parquet`, `csv`, ...).
    pub classification: String,
    /// SerDe, formats, delimiter, header, compression; the record count is cleared.
    pub properties: FormatProperties,
}

impl Format {
    /// The compression of the objects.
    pub fn compression(&self) -> Compression {
        self.properties.compression
    }

    /// A short description for reports: `csv (gzip, delimiter ',')`.
    pub fn describe(&self) -> String {
        let props = &self.properties;
        let mut details = Vec::new();
        if props.compression != Compression::None {
            details.push(props.compression.glue_name().to_string());
        }
        if let Some(delimiter) = props.delimiter {
            details.push(format!("delimiter {delimiter:?}"));
            if let Some(quote) = props.quote {
                details.push(format!("quote {quote:?}"));
            }
            details.push(match (props.header, props.skip_lines) {
                (Some(true), Some(lines)) if lines > 1 => {
                    format!("a header after {} other lines", lines - 1)
                }
                (Some(true), _) => "a header".into(),
                (_, Some(lines)) if lines > 0 => format!("{lines} lines skipped, no header"),
                _ => "no header".into(),
            });
        }
        if let Some(serde) = props.serde_library.as_deref()
            && self.classification != "parquet"
            && self.classification != "orc"
            && self.classification != "avro"
        {
            // The SerDe's class name, which is what differs between, say, CSV read by
            // LazySimpleSerDe and quoted CSV read by OpenCSVSerde.
            details.push(serde.rsplit('.').next().unwrap_or(serde).to_string());
        }
        if details.is_empty() {
            self.classification.clone()
        } else {
            format!("{} ({})", self.classification, details.join(", "))
        }
    }
}

/// Sizes and counts of a set of objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjectStats {
    /// Objects.
    pub objects: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Records, exact or estimated, in the objects that were read.
    pub records: u64,
    /// Bytes of the objects that were read (to scale record counts to unread objects).
    pub bytes_read_objects: u64,
}

impl ObjectStats {
    /// Adds another set's counts.
    pub fn add(&mut self, other: &ObjectStats) {
        self.objects += other.objects;
        self.bytes += other.bytes;
        self.records += other.records;
        self.bytes_read_objects += other.bytes_read_objects;
    }

    /// Records in all the objects: counted in the ones read, scaled by size to the others.
    pub fn estimated_records(&self) -> u64 {
        if self.bytes_read_objects == 0 || self.bytes_read_objects >= self.bytes {
            return self.records;
        }
        (self.records as f64 * self.bytes as f64 / self.bytes_read_objects as f64).round() as u64
    }
}

/// SerDe parameters that restate the schema (JSON `paths`, the Avro schema literal, XML
/// column paths). They are not part of what makes two objects the same format, and the
/// crawler rewrites them for the merged schema of a table or partition.
pub fn is_schema_parameter(key: &str) -> bool {
    key == "paths" || key == "avro.schema.literal" || key.starts_with("column.xpath.")
}

/// Moves the schema parameters out of `properties`.
fn take_schema_parameters(properties: &mut FormatProperties) -> BTreeMap<String, String> {
    let keys: Vec<String> = properties
        .serde_parameters
        .keys()
        .filter(|k| is_schema_parameter(k))
        .cloned()
        .collect();
    keys.into_iter()
        .filter_map(|k| properties.serde_parameters.remove_entry(&k))
        .collect()
}

/// Objects of one folder that share a format and a schema.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Their format.
    pub format: Format,
    /// Their schema.
    pub schema: Schema,
    /// The schema parameters of their SerDe (see [`is_schema_parameter`]).
    pub schema_parameters: BTreeMap<String, String>,
    /// Their counts.
    pub stats: ObjectStats,
    /// Column statistics of the rows of those read; `None` when some classifier computed
    /// none.
    pub figures: Option<RowStatistics>,
    /// One of them, for reports.
    pub example: String,
}

/// A Parquet, ORC or Avro object read: what a table's file index keeps of it
/// (docs/decisions/0004-iceberg-rest-catalog.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedFile {
    /// Its URL.
    pub url: String,
    /// Its classification.
    pub classification: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its rows, when counted exactly (from the footer).
    pub records: Option<u64>,
    /// Its columns' figures (`FileStats` as JSON), when computed from all its rows.
    pub stats: Option<String>,
}

/// Whether objects of `classification` are indexed file by file.
pub(crate) fn indexed_format(classification: &str) -> bool {
    matches!(classification, "parquet" | "orc" | "avro")
}

/// What a folder holds directly (not in its subfolders).
#[derive(Debug, Clone, Default)]
pub struct FolderScan {
    /// Classified objects, by format and schema.
    pub shapes: Vec<Shape>,
    /// The Parquet, ORC and Avro objects read, one by one.
    pub files: Vec<ScannedFile>,
    /// Objects not read because the folder's sample size was reached; they are taken to be
    /// like the folder's other objects.
    pub unread: ObjectStats,
}

impl FolderScan {
    fn add(&mut self, object: ReadObject, example: &str) {
        let ReadObject {
            format,
            schema,
            schema_parameters,
            stats,
            figures,
        } = object;
        if let Some(shape) = self
            .shapes
            .iter_mut()
            .find(|s| s.format == format && s.schema == schema)
        {
            shape.stats.add(&stats);
            shape.figures = match (shape.figures.take(), figures) {
                (Some(mut held), Some(more)) => {
                    held.absorb_object(&more, &schema);
                    Some(held)
                }
                _ => None,
            };
            // Objects are read in no particular order; the smallest name keeps reports stable.
            if example < shape.example.as_str() {
                shape.example = example.to_string();
            }
            return;
        }
        let same_format = self.shapes.iter().filter(|s| s.format == format).count();
        if same_format >= MAX_SHAPES_PER_FOLDER {
            // Many distinct schemas of one format in one folder (sparse JSON): keep one
            // merged schema instead of thousands.
            if let Some(shape) = self.shapes.iter_mut().find(|s| s.format == format) {
                shape.schema = lakecat_classifiers::merge::merge_schemas([&shape.schema, &schema]);
                shape.stats.add(&stats);
                let named = figures.map(|figures| figures.into_named(&schema));
                merge_figures(&mut shape.figures, named.as_ref());
                return;
            }
        }
        self.shapes.push(Shape {
            format,
            schema_parameters,
            stats,
            figures: figures.map(|figures| figures.into_named(&schema)),
            schema,
            example: example.to_string(),
        });
    }
}

/// What reading one object found.
struct ReadObject {
    format: Format,
    schema: Schema,
    schema_parameters: BTreeMap<String, String>,
    stats: ObjectStats,
    /// By position in `schema`.
    figures: Option<ObjectFigures>,
}

/// Adds `more` figures to `figures`; unknown when either is.
pub(crate) fn merge_figures(figures: &mut Option<RowStatistics>, more: Option<&RowStatistics>) {
    match (figures.as_mut(), more) {
        (Some(held), Some(more)) => held.merge(more),
        _ => *figures = None,
    }
}

/// What reading a target found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Folders holding data objects, by path relative to the target (`""` for the target
    /// itself, `year=2024/month=01` below it). Folders inside open-format tables are not
    /// among them.
    pub folders: BTreeMap<String, FolderScan>,
    /// The roots of open-format tables (Delta, Iceberg, Hudi) found, by path relative to the
    /// target, with the objects listed below each.
    pub table_roots: BTreeMap<String, FoundRoot>,
    /// Whether every object was listed (a failed listing must not make tables look gone).
    pub complete: bool,
}

/// How to read a target.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Objects to leave out.
    pub exclusions: Exclusions,
    /// Objects read per folder; the rest are counted only.
    pub sample_size: Option<u32>,
    /// Objects listed or read at once.
    pub concurrency: usize,
    /// For a local target under allowed roots: which listed files may be read.
    pub link_guard: Option<Arc<LinkGuard>>,
    /// Which objects are checked beyond their schema.
    pub content_validation: ContentValidation,
    /// Which column statistics classifiers compute.
    pub statistics_mode: StatisticsMode,
    /// Look only for open-format tables (an Iceberg or Hudi target): objects outside their
    /// roots are counted and skipped, never read.
    pub open_tables_only: bool,
    /// List only the objects directly in these folders (relative to the target), as an
    /// event-driven crawl does; the whole target when `None`.
    pub only_folders: Option<Arc<BTreeSet<String>>>,
}

/// The file system path of an object a local store listed: object paths are relative to
/// the file system's root and hold file names as they are (object_store reads the same
/// literal path, so decoding `%` sequences here would check a different file).
fn local_path(object: &str) -> std::path::PathBuf {
    std::path::Path::new("/").join(object)
}

/// Why a key an S3 listing held is skipped (a key ending with `/` is a folder: what lies
/// under it is skipped).
const UNADDRESSABLE: &str = "the key has an empty segment (//), a . or .. segment, or a \
    control character, which object-store clients cannot address; skipped (shown escaped)";

/// The outcome of an object a classifier panicked on: skipped, with the reason.
fn classifier_panicked() -> Outcome {
    Outcome::Unknown {
        reasons: vec!["a classifier failed (panicked) on this object".into()],
    }
}

/// Objects up to this size are classified on the runtime: what a classifier does with them
/// takes microseconds, less than handing them to another thread would cost (a crawl of
/// 100,000 small Parquet objects is mostly such work).
const CLASSIFY_INLINE_BYTES: u64 = 256 * 1024;

/// Classifies an object of a remote store; a large one on the blocking pool. Classifiers
/// parse in memory without yielding, so a large object classified on the runtime would hold
/// up the crawl's other work (the listing, other reads, and a stop) until it was done. A
/// classifier that panics costs its object, reported with the reason, not the crawl.
async fn classify_apart(registry: Registry, object: StoreObject) -> Outcome {
    if object.info.size <= CLASSIFY_INLINE_BYTES {
        return std::panic::AssertUnwindSafe(registry.classify(&object))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| classifier_panicked());
    }
    let runtime = tokio::runtime::Handle::current();
    let classified =
        tokio::task::spawn_blocking(move || runtime.block_on(registry.classify(&object))).await;
    // The task fails only when a classifier panics.
    classified.unwrap_or_else(|_| classifier_panicked())
}

/// Objects a local crawl classifies in one blocking task.
const LOCAL_BATCH: usize = 64;

/// What a listed object needs: nothing more (skipped, or counted unread), or a read.
enum Work {
    Done(Seen),
    Read(ReadJob),
}

/// An object to read and classify, and where its outcome goes.
struct ReadJob {
    folder: String,
    url: String,
    path: Path,
    info: ObjectInfo,
    check_content: bool,
    statistics_mode: StatisticsMode,
}

/// Classifies the reads of a batch of a local target's objects in one blocking task, each
/// file read directly (see [`crate::local_read`]); the rest of the batch passes through.
/// A classifier that panics costs its object, reported with the reason.
async fn classify_local_batch(
    registry: Registry,
    batch: Vec<Work>,
    confined: Option<Arc<LinkGuard>>,
    bytes_read: Arc<AtomicU64>,
) -> Vec<Seen> {
    let mut seen = Vec::with_capacity(batch.len());
    let mut reads = Vec::new();
    for work in batch {
        match work {
            Work::Done(done) => seen.push(done),
            Work::Read(job) => reads.push(job),
        }
    }
    if reads.is_empty() {
        return seen;
    }
    let runtime = tokio::runtime::Handle::current();
    let classified = tokio::task::spawn_blocking(move || {
        reads
            .into_iter()
            .map(|job| {
                let size = job.info.size;
                let file = LocalFile {
                    path: local_path(job.path.as_ref()),
                    info: job.info,
                    check_content: job.check_content,
                    statistics_mode: job.statistics_mode,
                    confined: confined.clone(),
                    bytes_read: bytes_read.clone(),
                };
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runtime.block_on(registry.classify(&file))
                }))
                .unwrap_or_else(|_| classifier_panicked());
                Seen::Read {
                    folder: job.folder,
                    url: job.url,
                    size,
                    outcome: Box::new(outcome),
                }
            })
            .collect::<Vec<_>>()
    })
    .await;
    // The task catches panics itself, and nothing aborts it: it always returns.
    if let Ok(classified) = classified {
        seen.extend(classified);
    }
    seen
}

/// An object of a remote store read through `object_store`, counting the bytes it reads.
struct StoreObject {
    store: Arc<dyn ObjectStore>,
    path: Path,
    info: ObjectInfo,
    bytes_read: Arc<AtomicU64>,
    check_content: bool,
    statistics_mode: StatisticsMode,
}

#[async_trait]
impl ObjectSource for StoreObject {
    fn info(&self) -> &ObjectInfo {
        &self.info
    }

    fn check_content(&self) -> bool {
        self.check_content
    }

    fn statistics_mode(&self) -> StatisticsMode {
        self.statistics_mode
    }

    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
        let bytes =
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(|e| ClassifyError::Read {
                    path: self.info.path.clone(),
                    message: crate::error::describe_store_error(&e),
                })?;
        self.bytes_read
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }
}

/// Why an object of an Iceberg or Hudi target is not read.
const OUTSIDE_OPEN_TABLES: &str = "not part of an open-format table, and this target looks \
    only for tables of its format";

/// Why a file under a local target is not read.
pub(crate) const OUTSIDE_ROOTS: &str =
    "reached through a symbolic link that leads outside the allowed crawl roots";

/// What happened to one listed object.
enum Seen {
    Skipped,
    Unread {
        folder: String,
        size: u64,
    },
    Read {
        folder: String,
        url: String,
        size: u64,
        outcome: Box<Outcome>,
    },
}

/// Lists and reads `location`, adding counts and per-object issues to `report`. `known`
/// says which folders to leave unread (the folders an earlier crawl saw, for a crawl of new
/// folders only). A set `stop` flag ends the scan early, incomplete.
pub async fn scan(
    location: &TargetLocation,
    options: &ScanOptions,
    registry: &Registry,
    known: &(dyn Fn(&str) -> bool + Sync),
    stop: &CancellationToken,
    report: &Report,
) -> Result<Scan> {
    let prefix = location.prefix().clone();
    let prefix_len = if prefix.as_ref().is_empty() {
        0
    } else {
        prefix.as_ref().len() + 1
    };
    let bytes_read = Arc::new(AtomicU64::new(0));
    let mut read_per_folder: HashMap<String, u32> = HashMap::new();
    let listing = match &options.only_folders {
        Some(folders) => list_folders(
            location.store().clone(),
            folders.iter().map(|f| location.path_of(f)).collect(),
            location.url(),
            options.concurrency,
        ),
        None => list_objects(
            location.store().clone(),
            prefix,
            location.url(),
            options.concurrency,
        ),
    };
    let mut first_error = None;
    let finder = Arc::new(RootFinder::new(
        location.store().clone(),
        location.prefix().clone(),
    ));
    let work = listing
        .take_while(|_| future::ready(!stop.is_cancelled()))
        .then({
            // Owned, so that the look's future borrows nothing and the scan stays `Send`.
            let finder = finder.clone();
            move |listed| {
                let finder = finder.clone();
                async move { finder.look_beside(listed, prefix_len).await }
            }
        })
        .filter_map(|listed| {
            future::ready(match listed {
                Ok(meta) => Some(meta),
                Err(error) => {
                    first_error.get_or_insert(error);
                    None
                }
            })
        })
        .map(|meta: ObjectMeta| -> Work {
            report.count(|c| c.objects_listed += 1);
            let full = meta.location.as_ref();
            let relative = full.get(prefix_len..).unwrap_or_default().to_string();
            let url = location.url_of(full, false);
            let folder = relative
                .rsplit_once('/')
                .map(|(folder, _)| folder.to_string())
                .unwrap_or_default();
            if let Some(reason) = finder.claim(&relative) {
                report.skip(None, &url, &reason);
                return Work::Done(Seen::Skipped);
            }
            if options.open_tables_only {
                report.skip(None, &url, OUTSIDE_OPEN_TABLES);
                return Work::Done(Seen::Skipped);
            }
            if let Some(reason) = hidden_reason(&relative) {
                report.skip(None, &url, reason);
                return Work::Done(Seen::Skipped);
            }
            if let Some(glob) = options.exclusions.matching(&relative) {
                report.skip(None, &url, &format!("excluded by {glob:?}"));
                return Work::Done(Seen::Skipped);
            }
            if let Some(guard) = &options.link_guard
                && !guard.admits(&local_path(full))
            {
                report.skip(Some(Severity::Warning), &url, OUTSIDE_ROOTS);
                return Work::Done(Seen::Skipped);
            }
            if meta.size == 0 {
                report.skip(Some(Severity::Warning), &url, "empty object");
                return Work::Done(Seen::Skipped);
            }
            if known(&folder) {
                report.count(|c| c.objects_skipped += 1);
                return Work::Done(Seen::Skipped);
            }
            let read = read_per_folder.entry(folder.clone()).or_default();
            if options.sample_size.is_some_and(|limit| *read >= limit) {
                return Work::Done(Seen::Unread {
                    folder,
                    size: meta.size,
                });
            }
            let check_content = match options.content_validation {
                ContentValidation::EveryObject => true,
                ContentValidation::FirstPerFolder => *read == 0,
                ContentValidation::Off => false,
            };
            *read += 1;
            Work::Read(ReadJob {
                folder,
                url,
                path: meta.location,
                info: ObjectInfo {
                    path: relative,
                    size: meta.size,
                },
                check_content,
                statistics_mode: options.statistics_mode,
            })
        });
    let concurrency = options.concurrency.max(1);
    let mut seen: BoxStream<'_, Seen> = if location.is_local() {
        work.ready_chunks(LOCAL_BATCH)
            .map(|batch| {
                classify_local_batch(
                    registry.clone(),
                    batch,
                    options.link_guard.clone(),
                    bytes_read.clone(),
                )
            })
            .buffer_unordered(concurrency)
            .flat_map(stream::iter)
            .boxed()
    } else {
        work.map(|work| match work {
            Work::Done(seen) => future::ready(seen).boxed(),
            Work::Read(job) => {
                let registry = registry.clone();
                let object = StoreObject {
                    store: location.store().clone(),
                    path: job.path,
                    info: job.info,
                    check_content: job.check_content,
                    statistics_mode: job.statistics_mode,
                    bytes_read: bytes_read.clone(),
                };
                async move {
                    let size = object.info.size;
                    let outcome = classify_apart(registry, object).await;
                    Seen::Read {
                        folder: job.folder,
                        url: job.url,
                        size,
                        outcome: Box::new(outcome),
                    }
                }
                .boxed()
            }
        })
        .buffer_unordered(concurrency)
        .boxed()
    };

    let mut folders: BTreeMap<String, FolderScan> = BTreeMap::new();
    loop {
        // A stop ends the scan at once, even while objects are being classified: their
        // outcomes are dropped, and so is the work of the run's tasks on the runtime.
        let item = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            item = seen.next() => item,
        };
        let Some(item) = item else { break };
        match item {
            Seen::Skipped => {}
            Seen::Unread { folder, size } => {
                let unread = &mut folders.entry(folder).or_default().unread;
                unread.objects += 1;
                unread.bytes += size;
            }
            Seen::Read {
                folder,
                url,
                size,
                outcome,
            } => {
                report.count(|c: &mut CrawlCounts| {
                    c.objects_read += 1;
                    c.bytes_read = bytes_read.load(Ordering::Relaxed);
                });
                match *outcome {
                    Outcome::Classified(found) => {
                        // Figures are by position, so they follow the sanitized names.
                        let (schema, renamed) = crate::column_names::sanitize(found.schema);
                        let figures = found.statistics;
                        for warning in found.warnings.iter().chain(&renamed) {
                            report.issue(ObjectIssue {
                                path: url.clone(),
                                severity: Severity::Warning,
                                message: warning.clone(),
                            });
                        }
                        let mut properties = found.properties;
                        if indexed_format(&found.classification) {
                            let stats = figures
                                .as_ref()
                                .and_then(|f| FileStats::of_object(f, &schema))
                                .and_then(|stats| serde_json::to_string(&stats).ok());
                            folders
                                .entry(folder.clone())
                                .or_default()
                                .files
                                .push(ScannedFile {
                                    url: url.clone(),
                                    classification: found.classification.clone(),
                                    size,
                                    records: properties
                                        .record_count
                                        .filter(|_| !properties.record_count_estimated),
                                    stats,
                                });
                        }
                        let schema_parameters = take_schema_parameters(&mut properties);
                        let records = properties.record_count.take().unwrap_or(0);
                        properties.record_count_estimated = false;
                        let stats = ObjectStats {
                            objects: 1,
                            bytes: size,
                            records,
                            bytes_read_objects: size,
                        };
                        let format = Format {
                            classification: found.classification,
                            properties,
                        };
                        let object = ReadObject {
                            format,
                            schema,
                            schema_parameters,
                            stats,
                            figures,
                        };
                        folders.entry(folder).or_default().add(object, &url);
                    }
                    Outcome::Unknown { reasons } => {
                        let (severity, message) = if reasons.is_empty() {
                            (
                                Severity::Warning,
                                "no classifier recognizes this object".into(),
                            )
                        } else {
                            (Severity::Error, reasons.join("; "))
                        };
                        report.skip(Some(severity), &url, &message);
                    }
                }
            }
        }
    }
    drop(seen);
    for key in location.take_unaddressable() {
        report.skip(
            Some(Severity::Warning),
            &location.url_of(&key.escape_debug().to_string(), key.ends_with('/')),
            UNADDRESSABLE,
        );
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let table_roots = finder.take_roots();
    // Folders read before their table's root was known are the table's files, not tables.
    folders.retain(|path, scan| {
        !scan.shapes.is_empty() && crate::table_roots::root_of(&table_roots, path).is_none()
    });
    // Objects finish reading in any order; sorting makes every later decision (the most
    // common format on a tie, column order) the same from one crawl to the next.
    for scan in folders.values_mut() {
        scan.shapes.sort_by(|a, b| a.example.cmp(&b.example));
    }
    Ok(Scan {
        folders,
        table_roots,
        complete: !stop.is_cancelled(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(header: Option<bool>, skip_lines: Option<u64>, serde: &str) -> Format {
        let mut properties = FormatProperties::text(serde);
        properties.delimiter = Some(',');
        properties.header = header;
        properties.skip_lines = skip_lines;
        Format {
            classification: "csv".into(),
            properties,
        }
    }

    /// Formats that differ are described differently, so that a reason naming two formats
    /// says what differs between them.
    #[test]
    fn descriptions_name_what_makes_formats_differ() {
        let lazy = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
        let open = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
        let mut gzip = csv(Some(true), Some(1), lazy);
        gzip.properties.compression = Compression::Gzip;
        let cases = [
            (
                csv(Some(true), Some(1), lazy),
                "csv (delimiter ',', a header, LazySimpleSerDe)",
            ),
            (
                csv(Some(false), None, lazy),
                "csv (delimiter ',', no header, LazySimpleSerDe)",
            ),
            (
                csv(Some(true), Some(3), lazy),
                "csv (delimiter ',', a header after 2 other lines, LazySimpleSerDe)",
            ),
            (
                csv(Some(true), Some(1), open),
                "csv (delimiter ',', a header, OpenCSVSerde)",
            ),
            (gzip, "csv (gzip, delimiter ',', a header, LazySimpleSerDe)"),
            (
                Format {
                    classification: "parquet".into(),
                    properties: FormatProperties::default(),
                },
                "parquet",
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        for (format, expected) in cases {
            assert_eq!(format.describe(), expected);
            assert!(seen.insert(format.describe()), "{expected} described twice");
        }
    }
}
