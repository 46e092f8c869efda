//! Apache Hudi tables, read by hand (docs/decisions/0002-open-table-formats.md, "Hudi").
//!
//! `.hoodie/hoodie.properties` names the table, its type and partition fields; the timeline's
//! file names say which instants completed; a listing of the root gives the partition folders
//! and base files, of which the newest committed slice of each file group is live; the footer
//! of the newest live base file gives the columns, and every live footer its row count.
//!
//! What is written follows Hudi's own catalog sync (`HiveSyncTool`, `AWSGlueCatalogSyncClient`
//! and `SparkDataSourceTableUtils` in `github:apache/hudi`): Hudi's input formats, the
//! `_hoodie_*` columns, partition fields as partition keys typed like their column (`string`
//! when the data lacks it) and left out of the columns, partition values as its default
//! extractors take them from folder names, the table parameters `spark.sql.sources.provider`
//! and `last_commit_time_sync`, and the SerDe parameters `path` and `hoodie.query.as.ro.table`.
//! A merge-on-read table is registered once, read through the snapshot (`_rt`) input format;
//! Hudi's sync would also register a read-optimized `_ro` twin.
//!
//! Not read: Avro commit metadata (table version 8 on), so file groups that a replace commit
//! replaced there are still counted, marked estimated; log files, so merge-on-read counts are
//! the base files' rows, marked estimated.

mod files;
mod properties;
mod schema;
mod timeline;

pub use files::unescape_path_name;

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt};
use lakecat_classifiers::Field;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use crate::{
    LiveFiles, OpenColumn, OpenPartition, OpenTable, StorageFormat, TableFormat, TableFormatError,
    TableRoot,
};
use files::{BaseFile, Files, Selection};
use properties::{TableConfig, TableType};
use schema::Footer;
use timeline::Timeline;

/// Folders listed, and footers read, at once.
const CONCURRENCY: usize = 8;
/// Table versions this reader was written against (6: Hudi 0.14/0.15, 8: 1.0, 9: 1.1).
const NEWEST_KNOWN_VERSION: u32 = 9;

/// Reads the Hudi table at `root`.
pub async fn read(root: &TableRoot) -> Result<OpenTable, TableFormatError> {
    let config = read_config(root).await?;
    let mut notes = config.notes.clone();
    if let Some(version) = config.table_version.filter(|v| *v > NEWEST_KNOWN_VERSION) {
        notes.push(format!(
            "table version {version} is newer than the versions lakecat knows (up to \
             {NEWEST_KNOWN_VERSION}); read by the same rules"
        ));
    }
    let base_extension = format!(".{}", config.base_file_format.to_ascii_lowercase());
    let timeline = Timeline::from_names(
        list_folder(root, &config.timeline_folder)
            .await?
            .iter()
            .map(String::as_str),
    );
    if timeline.is_empty() {
        notes.push(format!(
            "{}/ holds no instant: nothing is committed",
            config.timeline_folder
        ));
    }
    let files = list_files(root, &base_extension).await?;
    let replaced = replaced_groups(root, &config, &timeline, &mut notes).await?;

    let empty = BTreeSet::new();
    let selections: BTreeMap<&str, Selection> = files
        .folders
        .iter()
        .map(|(folder, content)| {
            let replaced_here = replaced.ids.get(folder).unwrap_or(&empty);
            let selection = files::select_live(&content.base_files, &timeline, replaced_here);
            (folder.as_str(), selection)
        })
        .collect();
    note_selection(&selections, &files, &mut notes);

    let footers = if config.base_file_format == "PARQUET" {
        read_footers(root, &selections).await
    } else {
        notes.push(format!(
            "base files are {}: lakecat reads Parquet footers only, so there are no columns \
             from the data and no record counts",
            config.base_file_format
        ));
        BTreeMap::new()
    };

    let (fields, schema_source) = table_fields(&config, &selections, &footers, &mut notes).await;
    let (columns, partition_keys) = split_partition_keys(&config, fields);

    let log_files: u64 = files.folders.values().map(|f| f.log_files).sum();
    let merge_on_read = config.table_type == TableType::MergeOnRead;
    if merge_on_read && log_files > 0 {
        let log_bytes: u64 = files.folders.values().map(|f| f.log_bytes).sum();
        notes.push(format!(
            "merge-on-read: {log_files} log files ({log_bytes} bytes) are not merged; record \
             counts are the base files' rows (the read-optimized view), an estimate"
        ));
    }
    if !footers.is_empty() {
        let failed: Vec<String> = footers
            .iter()
            .filter_map(|(path, footer)| footer.as_ref().err().map(|e| format!("{path}: {e}")))
            .collect();
        if let Some(first) = failed.first() {
            notes.push(format!(
                "{} live base files have no readable footer, so their rows are not counted \
                 (first: {first})",
                failed.len()
            ));
        }
    }

    let mut total = LiveFiles::default();
    let mut partitions = Vec::new();
    let mut unregistered = Vec::new();
    let key_count = partition_keys.len();
    for (folder, selection) in &selections {
        let content = files.folders.get(*folder);
        let has_logs = content.is_some_and(|c| c.log_files > 0);
        let mut live = live_files(&selection.live, &footers);
        // Files without a readable footer already mark it (so do non-Parquet base files).
        live.records_estimated |= replaced.unresolved || (merge_on_read && has_logs);
        add_live(&mut total, live);
        if key_count == 0 {
            continue;
        }
        let values = files::partition_values(
            folder,
            key_count,
            config.hive_style_partitioning,
            config.url_encoded_partitions,
        );
        match values {
            Some(values) if live.files > 0 => partitions.push(OpenPartition {
                values,
                folder: (*folder).to_string(),
                files: live,
            }),
            Some(_) => {}
            None if live.files > 0 => unregistered.push((*folder).to_string()),
            None => {}
        }
    }
    if let Some(first) = unregistered.first() {
        notes.push(format!(
            "{} folders with live files do not name one value per partition key ({}) and are \
             not registered as partitions (first: {first:?})",
            unregistered.len(),
            partition_keys
                .iter()
                .map(|k| k.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let nested = selections
        .iter()
        .filter(|(folder, s)| !folder.is_empty() && !s.live.is_empty())
        .count();
    if key_count == 0 && nested > 0 {
        notes.push(format!(
            "hoodie.table.partition.fields is not set, yet {nested} folders below the root hold \
             live base files: they are counted in the table, without partitions"
        ));
    }
    let empty_partitions = selections
        .iter()
        .filter(|(folder, s)| !folder.is_empty() && s.live.is_empty())
        .count();
    if key_count > 0 && empty_partitions > 0 {
        notes.push(format!(
            "{empty_partitions} partition folders hold no live base file (replaced, or not yet \
             committed) and are not registered"
        ));
    }
    if let Some(source) = schema_source {
        notes.push(source);
    }

    let latest = timeline.latest_completed_write();
    let mut parameters = BTreeMap::new();
    parameters.insert("spark.sql.sources.provider".to_string(), "hudi".to_string());
    if let Some(latest) = latest {
        parameters.insert("last_commit_time_sync".to_string(), latest.time.clone());
    }
    if let Some(completion) = timeline.latest_completion_time() {
        parameters.insert(
            "last_commit_completion_time_sync".to_string(),
            completion.to_string(),
        );
    }
    Ok(OpenTable {
        format: TableFormat::Hudi,
        name: config.name.clone(),
        location: root.url.clone(),
        columns,
        partition_keys,
        partitions,
        parameters,
        storage: storage(&config, root, &mut notes),
        files: Some(total),
        version: latest.map_or_else(
            || "no completed commit".to_string(),
            |i| format!("{} {}", i.action, i.time),
        ),
        notes,
    })
}

/// Reads and parses `.hoodie/hoodie.properties`; its absence means no table.
async fn read_config(root: &TableRoot) -> Result<TableConfig, TableFormatError> {
    let location = root.child(".hoodie/hoodie.properties");
    let bytes = match root.store.get(&location).await {
        Ok(result) => result
            .bytes()
            .await
            .map_err(|e| TableFormatError::read(&location, &e))?,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(TableFormatError::NotATable {
                root: root.url.clone(),
                format: "hudi",
                message: ".hoodie/hoodie.properties does not exist".into(),
            });
        }
        Err(error) => return Err(TableFormatError::read(&location, &error)),
    };
    let text = properties::decode(&bytes);
    Ok(TableConfig::from_properties(&properties::parse(&text)))
}

/// The names of the objects directly in `folder` (relative to the root).
async fn list_folder(root: &TableRoot, folder: &str) -> Result<Vec<String>, TableFormatError> {
    let location = root.child(folder);
    let listed = root
        .store
        .list_with_delimiter(Some(&location))
        .await
        .map_err(|e| TableFormatError::read(&location, &e))?;
    Ok(listed
        .objects
        .iter()
        .filter_map(|o| o.location.filename().map(str::to_string))
        .collect())
}

/// The path of `meta` relative to the root.
fn relative<'a>(root: &TableRoot, meta: &'a ObjectMeta) -> &'a str {
    let full = meta.location.as_ref();
    let prefix = root.path.as_ref();
    if prefix.is_empty() {
        return full;
    }
    full.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(full)
}

/// Lists the data: the root's own objects, then each visible top folder recursively (hidden
/// ones, `.hoodie/` with its archive and metadata table first, are never listed).
async fn list_files(root: &TableRoot, base_extension: &str) -> Result<Files, TableFormatError> {
    let location = (!root.path.as_ref().is_empty()).then(|| root.path.clone());
    let top = root
        .store
        .list_with_delimiter(location.as_ref())
        .await
        .map_err(|e| TableFormatError::read(&root.url, &e))?;
    let mut files = Files::default();
    for meta in &top.objects {
        files.add(relative(root, meta), meta.size, base_extension);
    }
    let folders: Vec<Path> = top
        .common_prefixes
        .into_iter()
        .filter(|p| p.filename().is_some_and(|name| !files::hidden_folder(name)))
        .collect();
    // Each look owns its store handle: futures borrowing `root` inside a stream combinator
    // make the caller's future `Send` only for some lifetimes, which `tokio::spawn` refuses.
    let listed: Vec<Vec<ObjectMeta>> = futures::stream::iter(folders)
        .map(|folder| {
            let store = root.store.clone();
            async move {
                store
                    .list(Some(&folder))
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(|e| TableFormatError::read(&folder, &e))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for meta in listed.iter().flatten() {
        files.add(relative(root, meta), meta.size, base_extension);
    }
    Ok(files)
}

/// File groups replaced by completed replace commits, by partition folder.
#[derive(Debug, Default)]
struct Replaced {
    ids: BTreeMap<String, BTreeSet<String>>,
    /// Whether some replace commit could not be read (Avro metadata), so replaced file
    /// groups may still be counted.
    unresolved: bool,
}

async fn replaced_groups(
    root: &TableRoot,
    config: &TableConfig,
    timeline: &Timeline,
    notes: &mut Vec<String>,
) -> Result<Replaced, TableFormatError> {
    let mut replaced = Replaced::default();
    let mut avro = Vec::new();
    let mut unreadable = Vec::new();
    for instant in timeline.completed_replaces() {
        let location = root.child(&format!("{}/{}", config.timeline_folder, instant.file_name));
        let content = match root.store.get(&location).await {
            Ok(result) => result
                .bytes()
                .await
                .map_err(|e| TableFormatError::read(&location, &e))?,
            // Archived (or cleaned) since the listing: its file groups are gone with it.
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(error) => return Err(TableFormatError::read(&location, &error)),
        };
        match timeline::replaced_file_ids(&content) {
            Ok(Some(by_partition)) => {
                for (partition, ids) in by_partition {
                    replaced.ids.entry(partition).or_default().extend(ids);
                }
            }
            Ok(None) => avro.push(instant.time.clone()),
            Err(reason) => unreadable.push(format!("{}: {reason}", instant.file_name)),
        }
    }
    if let Some(first) = avro.first() {
        notes.push(format!(
            "{} replace commits (first {first}) keep the file groups they replaced in Avro \
             commit metadata, which lakecat does not decode: replaced file groups are still \
             counted, so file and record counts are estimates",
            avro.len()
        ));
    }
    if let Some(first) = unreadable.first() {
        notes.push(format!(
            "{} replace commits could not be read, so file groups they replaced are still \
             counted (first: {first})",
            unreadable.len()
        ));
    }
    replaced.unresolved = !avro.is_empty() || !unreadable.is_empty();
    Ok(replaced)
}

/// Says what live-slice selection left out.
fn note_selection(selections: &BTreeMap<&str, Selection>, files: &Files, notes: &mut Vec<String>) {
    let sum = |f: fn(&Selection) -> usize| selections.values().map(f).sum::<usize>();
    let not_committed = sum(|s| s.not_committed);
    let archived = sum(|s| s.archived);
    let replaced = sum(|s| s.replaced_groups);
    let older = sum(|s| s.older_slices);
    if older > 0 {
        notes.push(format!(
            "{older} older base file versions (superseded slices of live file groups) are not \
             counted"
        ));
    }
    if not_committed > 0 {
        notes.push(format!(
            "{not_committed} base files of pending, failed or rolled-back instants are not live"
        ));
    }
    if replaced > 0 {
        notes.push(format!(
            "{replaced} file groups replaced by replace commits are not counted"
        ));
    }
    if archived > 0 {
        notes.push(format!(
            "{archived} live base files were written by instants older than the active \
             timeline (archived) and are counted as committed"
        ));
    }
    if files.other_files > 0 {
        notes.push(format!(
            "{} files under the table are not Hudi base, log or partition metadata files and \
             are ignored",
            files.other_files
        ));
    }
}

/// Reads the footers of every live base file, by path.
async fn read_footers(
    root: &TableRoot,
    selections: &BTreeMap<&str, Selection>,
) -> BTreeMap<String, Result<Footer, String>> {
    // Owned paths and store handles, for the same reason as in `list_files`.
    let live: Vec<(String, Path, u64)> = selections
        .values()
        .flat_map(|s| &s.live)
        .map(|file| (file.path.clone(), root.child(&file.path), file.size))
        .collect();
    futures::stream::iter(live)
        .map(|(name, location, size)| {
            let store = root.store.clone();
            async move { (name, schema::parquet_footer(store, location, size).await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// The table's fields: from the footer of the newest live base file (the newest commit's
/// schema), else from `hoodie.table.create.schema`; and a note saying which.
async fn table_fields(
    config: &TableConfig,
    selections: &BTreeMap<&str, Selection>,
    footers: &BTreeMap<String, Result<Footer, String>>,
    notes: &mut Vec<String>,
) -> (Vec<Field>, Option<String>) {
    let newest = selections
        .values()
        .flat_map(|s| &s.live)
        .filter_map(|file| match footers.get(&file.path) {
            Some(Ok(footer)) => Some((file, footer)),
            _ => None,
        })
        .max_by(|(a, _), (b, _)| (&a.instant, &a.path).cmp(&(&b.instant, &b.path)));
    if let Some((_, footer)) = newest {
        notes.extend(footer.warnings.iter().cloned());
        return (footer.fields.clone(), None);
    }
    let Some(create_schema) = &config.create_schema else {
        notes.push(
            "no live base file and no hoodie.table.create.schema: the table has no columns".into(),
        );
        return (Vec::new(), None);
    };
    match schema::create_schema_fields(create_schema, config.populate_meta_fields).await {
        Ok((fields, warnings)) => {
            notes.extend(warnings);
            (
                fields,
                Some("no live base file: columns are from hoodie.table.create.schema".into()),
            )
        }
        Err(reason) => {
            notes.push(format!(
                "no live base file, and hoodie.table.create.schema cannot be read ({reason}): \
                 the table has no columns"
            ));
            (Vec::new(), None)
        }
    }
}

/// Columns and partition keys: partition fields leave the columns and become keys typed like
/// their column, `string` when the data lacks the field or its value is a formatted time.
fn split_partition_keys(
    config: &TableConfig,
    fields: Vec<Field>,
) -> (Vec<OpenColumn>, Vec<OpenColumn>) {
    let keys = config
        .partition_fields
        .iter()
        .map(|key| {
            let column = fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(&key.name));
            let type_name = match column {
                Some(column) if !key.formatted_time => column.data_type.to_string(),
                _ => "string".to_string(),
            };
            OpenColumn::new(key.name.clone(), type_name)
        })
        .collect();
    let columns = fields
        .into_iter()
        .filter(|f| {
            !config
                .partition_fields
                .iter()
                .any(|k| k.name.eq_ignore_ascii_case(&f.name))
        })
        .map(|f| OpenColumn::new(f.name, f.data_type.to_string()))
        .collect();
    (columns, keys)
}

/// Totals of some live base files; rows of files without a readable footer are missing, and
/// the total is then estimated.
fn live_files(live: &[BaseFile], footers: &BTreeMap<String, Result<Footer, String>>) -> LiveFiles {
    let mut files = LiveFiles::default();
    for file in live {
        files.files += 1;
        files.bytes += file.size;
        match footers.get(&file.path) {
            Some(Ok(Footer {
                rows: Some(rows), ..
            })) => files.records += rows,
            _ => files.records_estimated = true,
        }
    }
    files
}

fn add_live(total: &mut LiveFiles, part: LiveFiles) {
    total.files += part.files;
    total.bytes += part.bytes;
    total.records += part.records;
    total.records_estimated |= part.records_estimated;
}

/// The input format, output format and SerDe Hudi's sync writes for the base file format
/// (`HoodieInputFormatUtils`), with its SerDe parameters: `path` (Spark reads the table from
/// it) and `hoodie.query.as.ro.table=false` (the snapshot view).
fn storage(
    config: &TableConfig,
    root: &TableRoot,
    notes: &mut Vec<String>,
) -> Option<StorageFormat> {
    const PARQUET_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
    const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
    let realtime = config.table_type == TableType::MergeOnRead;
    let (input, output, serde) = match config.base_file_format.as_str() {
        "PARQUET" if realtime => (
            "org.apache.hudi.hadoop.realtime.HoodieParquetRealtimeInputFormat",
            PARQUET_OUTPUT,
            PARQUET_SERDE,
        ),
        "PARQUET" => (
            "org.apache.hudi.hadoop.HoodieParquetInputFormat",
            PARQUET_OUTPUT,
            PARQUET_SERDE,
        ),
        "HFILE" if realtime => (
            "org.apache.hudi.hadoop.realtime.HoodieHFileRealtimeInputFormat",
            PARQUET_OUTPUT,
            PARQUET_SERDE,
        ),
        "HFILE" => (
            "org.apache.hudi.hadoop.HoodieHFileInputFormat",
            PARQUET_OUTPUT,
            PARQUET_SERDE,
        ),
        "ORC" => (
            "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
            "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
            "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
        ),
        other => {
            notes.push(format!(
                "hoodie.table.base.file.format={other} has no Hive input format; none is written"
            ));
            return None;
        }
    };
    let mut serde_parameters = BTreeMap::new();
    serde_parameters.insert("serialization.format".to_string(), "1".to_string());
    serde_parameters.insert(
        "path".to_string(),
        root.url.trim_end_matches('/').to_string(),
    );
    serde_parameters.insert("hoodie.query.as.ro.table".to_string(), "false".to_string());
    Some(StorageFormat {
        input_format: Some(input.to_string()),
        output_format: Some(output.to_string()),
        serde_library: Some(serde.to_string()),
        serde_parameters,
    })
}
